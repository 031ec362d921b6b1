; PIT and PIC on the PC board: counter 0 in mode 2 interrupts on IRQ 0 and HLT wakes on
; them; the counter counts down between reads; a masked IRQ 0 stays pending in the IRR and
; is delivered as soon as it is unmasked; a specific EOI clears the in-service bit; the
; PIC's ISR holds the IRQ while its handler runs.
%include "harness.inc"
bits 16
org 0x7c00

%define DIVISOR 1193                    ; ~1 ms

start:
    jmp main
%include "pc.inc"

; IRQ 0: count, note the ISR seen inside, specific EOI for IR0.
irq0:
    push ax
    inc word [ticks]
    OUTB PIC1, 0x0b                     ; OCW3: read ISR
    in al, PIC1
    mov [isr_seen], al
    OUTB PIC1, 0x60                     ; OCW2: specific EOI, IR0
    pop ax
    iret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x20, irq0
    OUTB PIT_CMD, 0x34                  ; counter 0, LSB then MSB, mode 2
    OUTB PIT_CH0, DIVISOR & 0xff
    OUTB PIT_CH0, DIVISOR >> 8
    OUTB PIC1 + 1, 0xfe                 ; unmask IRQ 0

    ; 1. HLT wakes on IRQ 0, ten times.
    sti
.wait10:
    hlt
    cmp word [ticks], 10
    jb .wait10
    cmp byte [isr_seen], 0x01
    CHECK e, 1
    OUTB PIC1, 0x0b                     ; after the specific EOI nothing is in service
    in al, PIC1
    test al, al
    CHECK z, 2

    ; 2. The counter moves between latched reads and stays within 1..DIVISOR.
    cli
    call read_counter
    mov bx, ax
    mov cx, 0
.spin:
    call read_counter
    cmp ax, bx
    jne .moved
    loop .spin
    FAIL 3
.moved:
    cmp ax, DIVISOR
    CHECK be, 4

    ; 3. Masked: IRQ 0 does not arrive but stays requested in the IRR.
    OUTB PIC1 + 1, 0xff
    mov bx, [ticks]
    sti
    OUTB PIC1, 0x0a                     ; OCW3: reads give the IRR
    mov cx, 0
.masked:                                ; until the next period requests IRQ 0
    in al, PIC1
    test al, 0x01
    jnz .requested
    loop .masked
    FAIL 6
.requested:
    cmp [ticks], bx
    CHECK e, 5

    ; 4. Unmasking delivers it at once.
    OUTB PIC1 + 1, 0xfe
    nop
    nop
    cmp [ticks], bx
    CHECK a, 7
    PASS

; AX = counter 0, latched.
read_counter:
    OUTB PIT_CMD, 0x00                  ; counter latch, counter 0
    in al, PIT_CH0
    mov ah, al
    in al, PIT_CH0
    xchg al, ah
    ret

ticks: dw 0
isr_seen: db 0xff
