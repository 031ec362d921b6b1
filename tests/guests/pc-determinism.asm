; Determinism on the PC board (DESIGN.md rule 1): PIT interrupts at ~4 kHz interleave with
; work of varying length; after each piece of work the guest prints what it sees that
; depends on virtual time: the IRQ 0 count, PIT counter 0 (latched), the low TSC word and
; the RTC's register A (update in progress). Then, in one-shot rounds, it starts counter 0
; in mode 0 and counts loop passes until IRQ 0 arrives: the count shows the instruction the
; interrupt came at, wherever the run loop cut its slices (the timer is armed by the port
; write in the middle of one). Run twice with --clock insns, the debug-console output must
; match byte for byte (tests/determinism.sh).
%include "harness.inc"
bits 16
org 0x7c00

%define ROUNDS 64

start:
    jmp main
%include "pc.inc"

irq0:
    inc word [cs:ticks]
    push ax
    OUTB PIC1, PIC_EOI
    pop ax
    iret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x20, irq0
    OUTB PIT_CMD, 0x34                  ; counter 0, mode 2, ~4 kHz
    OUTB PIT_CH0, 0x2a
    OUTB PIT_CH0, 0x01
    OUTB PIC1 + 1, 0xfe
    sti
    mov bp, ROUNDS
.round:
    ; Work: a loop whose length depends on the round and on what the clock showed last.
    mov cx, bp
    imul cx, cx, 97
    add cx, [last]
    and cx, 0x3fff
.work:
    xor ax, cx
    loop .work
    test bp, 7
    jnz .no_halt
    hlt                                 ; sometimes sleep until the next tick
.no_halt:
    mov ax, [ticks]
    call put_hex16
    mov al, ' '
    call put_char
    OUTB PIT_CMD, 0x00
    in al, PIT_CH0
    mov ah, al
    in al, PIT_CH0
    xchg al, ah
    mov [last], ax
    call put_hex16
    mov al, ' '
    call put_char
    rdtsc
    call put_hex16
    mov al, ' '
    call put_char
    OUTB RTC_INDEX, 0x0a
    in al, RTC_DATA
    call put_hex8
    mov al, 10
    call put_char
    dec bp
    jnz .round
    cmp word [ticks], 0
    CHECK a, 1
    mov bp, 16
.oneshot:
    mov word [ticks], 0
    OUTB PIT_CMD, 0x30                  ; counter 0, mode 0 (interrupt on terminal count)
    mov ax, bp
    shl ax, 5
    add ax, 3
    out PIT_CH0, al
    mov al, ah
    out PIT_CH0, al
    xor dx, dx
.spin:
    inc dx
    cmp word [ticks], 0
    je .spin
    mov ax, dx
    call put_hex16
    mov al, 10
    call put_char
    dec bp
    jnz .oneshot
    PASS

ticks: dw 0
last: dw 0
