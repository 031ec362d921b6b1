; The 8259A pair through the CPU (8259A datasheet: "Interrupt sequence", "Initialization
; command words", "Operation command words", "Fully nested mode", "Special fully nested
; mode", "Automatic end of interrupt mode", "Special mask mode", "Poll command",
; "Reading the 8259A status", "Cascade mode"; PIIX datasheet: ELCR1/ELCR2):
;   - IMR read-back; OCW3 choosing IRR or ISR for reads, the choice kept; ICW1 clearing the
;     IMR and the edge latches and choosing IRR; ICW2's low bits ignored; the ICW sequence
;     without ICW3 (single mode) or ICW4;
;   - a masked request waits in the IRR and is delivered when unmasked (keyboard IRQ 1 and
;     the PIT's IRQ 0); an IRQ in service blocks its own level until its EOI;
;   - non-specific EOI ends the highest level in service, specific EOI the level named;
;   - fully nested priority: a higher IRQ nests inside a lower one's handler, not the other
;     way round; the slave (via IR2) ranks between IRQ 1 and IRQ 3; two requests of one
;     slave do not nest unless the master is in special fully nested mode;
;   - automatic EOI (ICW4): nothing stays in service, and with rotation each IRQ taken
;     becomes the lowest; special mask mode; priority rotation (OCW2 set priority, rotate
;     on non-specific and on specific EOI); the poll command, on the master and the slave;
;   - the cascade: the RTC's periodic interrupt (IRQ 8) reaching the CPU through the slave,
;     held at the master's IR2 when that is masked; a slave request that goes away before
;     the CPU takes it: here the master's latched IR2 edge gives the slave's spurious
;     vector (IRQ 15, nothing in service on the slave, the master's IR2 ended by its EOI);
;     the check also takes what a real 8259A may do instead (IRQ 7 not in service, or no
;     interrupt when the edge latch follows the input);
;   - the ELCR at 0x4d0/0x4d1: writable bits, and level-triggered IRQ 4 (the UART's THRE
;     interrupt) following its line, delivered again after EOI while the line stays high,
;     where edge-triggered it comes once.
; Interrupt sources the guest can switch: IRQ 1 and IRQ 12 are the 8042 output buffer
; (commands 0xd2/0xd3), IRQ 4 is COM1's THRE interrupt (IER bit 1, MCR OUT2), IRQ 0 the PIT,
; IRQ 8 the RTC. A spurious IRQ 7 from the master itself cannot be provoked: the model
; lowers INTR at once when a request goes away, so the CPU never starts an INTA for it.
%include "harness.inc"
bits 16
org 0x7c00

%define KBC_DATA 0x60
%define KBC_CMD 0x64
%define ELCR1 0x4d0
%define ELCR2 0x4d1
%define LOG_MAX 16
%define EOI_AUTO 0                      ; the handler sends the EOIs
%define EOI_NONE 1                      ; the test does

start:
    jmp main
%include "pc.inc"

; --- interrupt handlers: log the IRQ and the ISRs, run the test's hook, EOI ---

%macro STUB 1
stub%1:
    push ax
    mov al, %1
    jmp irq_common
%endmacro
%assign i 0
%rep 16
    STUB %[i]
    %assign i i + 1
%endrep

irq_common:
    push bx
    push cx
    push dx
    push si
    push di
    mov dl, al
    movzx bx, byte [nlog]
    cmp bx, LOG_MAX
    jae .logged
    mov [log_irq + bx], dl
    mov al, 0x0b
    out PIC1, al
    in al, PIC1
    mov [log_isr1 + bx], al
    mov al, 0x0b
    out PIC2, al
    in al, PIC2
    mov [log_isr2 + bx], al
    inc byte [nlog]
.logged:
    movzx bx, dl
    shl bx, 1
    mov ax, [hooks + bx]
    test ax, ax
    jz .eoi
    push dx
    call ax
    pop dx
.eoi:
    cmp byte [eoi_mode], EOI_NONE
    je .done
    cmp dl, 8
    jb .master
    mov al, PIC_EOI
    out PIC2, al
    mov al, 0x0b                        ; the master's EOI once the slave has none in service
    out PIC2, al
    in al, PIC2
    test al, al
    jnz .done
    jmp .master_eoi
.master:
    cmp dl, 7                           ; a spurious IRQ 7 is not in service: no EOI
    jne .master_eoi
    mov al, 0x0b
    out PIC1, al
    in al, PIC1
    test al, 0x80
    jz .done
.master_eoi:
    mov al, PIC_EOI
    out PIC1, al
.done:
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    iret

; --- interrupt sources ---

raise1:                                 ; IRQ 1: a byte in the 8042's output buffer
    OUTB KBC_CMD, 0xd2
    OUTB KBC_DATA, 0x11
    ret
raise12:                                ; IRQ 12: the same as aux data
    OUTB KBC_CMD, 0xd3
    OUTB KBC_DATA, 0x12
    ret
lower_kbc:                              ; reading it lowers IRQ 1 / IRQ 12
    in al, KBC_DATA
    ret
; COM1 register %1 = %2 (DX kept).
%macro OUTC 2
    push dx
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
    pop dx
%endmacro

raise4:                                 ; IRQ 4: COM1's THRE interrupt enabled, THR empty
    OUTC 1, 0x00
    OUTC 1, 0x02
    ret
lower4:
    OUTC 1, 0x00
    ret

; Counter 0 in mode 0 with a count of 2: IRQ 0 rises within three clocks.
pit_oneshot:
    OUTB PIT_CMD, 0x30
    OUTB PIT_CH0, 0x02
    OUTB PIT_CH0, 0x00
    ret

; The RTC's periodic interrupt at 8192 Hz (IRQ 8) on or off; rtc_ack reads register C.
rtc_pie_on:
    OUTB RTC_INDEX, 0x0a
    OUTB RTC_DATA, 0x23
    OUTB RTC_INDEX, 0x0b
    in al, RTC_DATA
    or al, 0x40
    jmp rtc_set_b
rtc_pie_off:
    OUTB RTC_INDEX, 0x0b
    in al, RTC_DATA
    and al, ~0x40
rtc_set_b:
    push ax
    OUTB RTC_INDEX, 0x0b
    pop ax
    out RTC_DATA, al
rtc_ack:
    OUTB RTC_INDEX, 0x0c
    in al, RTC_DATA
    ret

; IRQ 8's hook: acknowledge and stop the RTC.
hook_rtc_once:
    call rtc_pie_off
    ret

; AL = the IRR (irr1, irr2) or ISR (isr1, isr2) of one chip, by OCW3.
irr1:
    mov al, 0x0a
    out PIC1, al
    in al, PIC1
    ret
isr1:
    mov al, 0x0b
    out PIC1, al
    in al, PIC1
    ret
irr2:
    mov al, 0x0a
    out PIC2, al
    in al, PIC2
    ret
isr2:
    mov al, 0x0b
    out PIC2, al
    in al, PIC2
    ret
; AL = the poll word of the master (poll1) or the slave (poll2).
poll1:
    mov al, 0x0c
    out PIC1, al
    in al, PIC1
    ret
poll2:
    mov al, 0x0c
    out PIC2, al
    in al, PIC2
    ret

; Waits until the IRR (DX = PIC1 or PIC2) has a bit of AH; CF on timeout.
wait_irr:
    push ecx
    mov ecx, 0x400000
.poll:
    mov al, 0x0a
    out dx, al
    in al, dx
    test al, ah
    jnz .yes
    dec ecx
    jnz .poll
    pop ecx
    stc
    ret
.yes:
    pop ecx
    clc
    ret

; Waits with interrupts enabled until the log holds AH entries; CF on timeout.
wait_log:
    push ecx
    mov ecx, 0x400000
.poll:
    cmp [nlog], ah
    jae .yes
    in al, PIC1 + 1                     ; an I/O read ends the block: interrupts come in
    dec ecx
    jnz .poll
    pop ecx
    stc
    ret
.yes:
    pop ecx
    clc
    ret

; Every source quiet, both chips initialised again (all masked), the log and hooks empty.
quiet:
    cli
.drain:
    in al, KBC_CMD
    test al, 1
    jz .drained
    in al, KBC_DATA
    jmp .drain
.drained:
    OUTC 1, 0x00
    OUTB PIT_CMD, 0x30                  ; counter 0 stopped with OUT low
    call rtc_pie_off
    PIC_INIT
    mov byte [nlog], 0
    mov byte [eoi_mode], EOI_AUTO
    mov di, hooks
    mov cx, 16
    xor ax, ax
    rep stosw
    ret

; LOGGED i, irq, master ISR, slave ISR, "what": log entry i.
%macro LOGGED 5
    mov al, [log_irq + %1]
    EXPECT_AL %2, %5
    mov al, [log_isr1 + %1]
    EXPECT_AL %3, %5
    mov al, [log_isr2 + %1]
    EXPECT_AL %4, %5
%endmacro

%macro NLOG 2
    mov al, [nlog]
    EXPECT_AL %1, %2
%endmacro

; Hooks for the nesting tests. Each runs inside its IRQ's handler with interrupts off.
hook4_raise1:                           ; IRQ 1 (higher) nests inside IRQ 4
    sti
    call raise1
    nop
    cli
    mov al, [nlog]
    mov [seen], al
    call lower_kbc
    ret
hook1_raise4:                           ; IRQ 4 (lower) waits for IRQ 1's EOI
    sti
    call raise4
    nop
    nop
    cli
    mov al, [nlog]
    mov [seen], al
    ret
hook4_raise12:                          ; IRQ 12 (the slave on IR2) nests inside IRQ 4
    sti
    call raise12
    nop
    cli
    mov al, [nlog]
    mov [seen], al
    call lower_kbc
    ret
hook1_raise12:                          ; IRQ 12 waits for IRQ 1's EOI
    sti
    call raise12
    nop
    nop
    cli
    mov al, [nlog]
    mov [seen], al
    ret
hook12_rtc:                             ; IRQ 8 raised inside IRQ 12's handler
    call rtc_pie_on
    sti
    mov ecx, 0x400000
.poll:                                  ; until IRQ 8 nested or is waiting in the IRR
    cmp byte [nlog], 2
    jae .done
    call irr2
    test al, 0x01
    jnz .requested
    dec ecx
    jnz .poll
.requested:
    nop
    nop
.done:
    cli
    mov al, [nlog]                      ; ... and it did or did not nest by now
    mov [seen], al
    call lower_kbc
    ret
hook4_lower:                            ; level-triggered IRQ 4: the second time, drop it
    cmp byte [nlog], 2
    jb .keep
    call lower4
.keep:
    ret

main:
    SETUP
    %assign i 0
    %rep 16
        SET_VECTOR (0x20 + %[i]), stub%[i]
        %assign i i + 1
    %endrep
    OUTC 4, 0x08                        ; MCR: OUT2 enables COM1's IRQ driver
    call quiet

    ; --- IMR, OCW3 ---
    OUTB PIC1 + 1, 0x5a
    in al, PIC1 + 1
    EXPECT_AL 0x5a, "master IMR (OCW1) reads back"
    OUTB PIC2 + 1, 0xa5
    in al, PIC2 + 1
    EXPECT_AL 0xa5, "slave IMR (OCW1) reads back"
    OUTB PIC1 + 1, 0xff
    OUTB PIC2 + 1, 0xff
    call raise1                         ; masked: IRR only
    OUTB PIC1, 0x0a
    in al, PIC1
    and al, 0x02
    EXPECT_AL 0x02, "masked IRQ 1 requested: IRR bit 1 (OCW3 read IRR)"
    in al, PIC1
    and al, 0x02
    EXPECT_AL 0x02, "OCW3 read IRR: a second read still gives the IRR"
    OUTB PIC1, 0x0b
    in al, PIC1
    EXPECT_AL 0x00, "OCW3 read ISR: nothing in service"
    OUTB PIC1, 0x08                     ; OCW3 without RR: the choice stays
    in al, PIC1
    EXPECT_AL 0x00, "OCW3 with RR clear keeps reads on the ISR"
    in al, PIC1 + 1
    EXPECT_AL 0xff, "the A0=1 port reads the IMR whatever OCW3 chose"

    ; --- Masked, then unmasked: delivered at once ---
    sti
    nop
    nop
    NLOG 0, "masked IRQ 1 is not delivered"
    OUTB PIC1 + 1, 0xfd
    nop
    NLOG 1, "IRQ 1 is delivered as soon as it is unmasked"
    LOGGED 0, 1, 0x02, 0x00, "IRQ 1's handler: IRQ 1 in service (master ISR 0x02)"
    call isr1
    EXPECT_AL 0x00, "after IRQ 1's EOI nothing is in service"
    call irr1
    and al, 0x02
    EXPECT_AL 0x00, "IRQ 1 acknowledged: its IRR bit is clear"
    call lower_kbc
    call quiet

    ; --- The PIT as the source: masked IRQ 0 waits in the IRR ---
    call pit_oneshot
    sti
    mov dx, PIC1
    mov ah, 0x01
    call wait_irr
    EXPECT nc, "PIT counter 0 terminal count: IRQ 0 requested (IRR bit 0)"
    NLOG 0, "masked IRQ 0 is not delivered"
    OUTB PIC1 + 1, 0xfe
    nop
    NLOG 1, "IRQ 0 is delivered once unmasked"
    LOGGED 0, 0, 0x01, 0x00, "IRQ 0's handler: master ISR 0x01"

    ; --- An IRQ in service blocks its own level until the EOI ---
    call quiet
    mov byte [eoi_mode], EOI_NONE
    OUTB PIC1 + 1, 0xfd
    sti
    call raise1
    nop
    NLOG 1, "IRQ 1 delivered (handler without EOI)"
    call lower_kbc
    call raise1                         ; a new edge while IR1 is in service
    nop
    nop
    NLOG 1, "IRQ 1 in service (no EOI yet): a second IRQ 1 waits"
    call irr1
    and al, 0x02
    EXPECT_AL 0x02, "the waiting IRQ 1 is in the IRR"
    OUTB PIC1, 0x61                     ; specific EOI, IR1
    nop
    NLOG 2, "after the EOI the waiting IRQ 1 is delivered"

    ; --- EOIs: non-specific ends the highest in service, specific the one named ---
    call quiet                          ; polled, with interrupts off
    OUTB PIC1 + 1, 0xed                 ; IR1 and IR4 unmasked
    call raise4
    call poll1
    EXPECT_AL 0x84, "poll with IRQ 4 requested: 0x84"
    call raise1
    call poll1
    EXPECT_AL 0x81, "poll with IRQ 1 requested while IRQ 4 is in service: 0x81"
    call isr1
    EXPECT_AL 0x12, "two polled IRQs in service: ISR 0x12"
    OUTB PIC1, 0x20                     ; non-specific EOI
    call isr1
    EXPECT_AL 0x10, "non-specific EOI ends the highest level in service (IR1)"
    call lower_kbc
    call raise1
    call poll1
    EXPECT_AL 0x81, "poll: IRQ 1 again"
    OUTB PIC1, 0x64                     ; specific EOI, IR4
    call isr1
    EXPECT_AL 0x02, "specific EOI for IR4 ends IR4, not the higher IR1"
    call lower4
    call raise4
    call poll1
    and al, 0x80
    EXPECT_AL 0x00, "poll with IRQ 1 in service and only IRQ 4 requested: no request (bit 7 clear)"
    OUTB PIC1, 0x20
    call poll1
    EXPECT_AL 0x84, "poll after IRQ 1's EOI: IRQ 4 (0x84)"
    OUTB PIC1, 0x20
    call poll1
    and al, 0x80
    EXPECT_AL 0x00, "poll with nothing requested: bit 7 clear"
    OUTB PIC1, 0x0a                     ; after a poll, reads give the register again
    in al, PIC1
    and al, 0x12
    EXPECT_AL 0x00, "after the poll word, a read gives the IRR (empty)"

    ; --- Fully nested priority with real interrupts ---
    call quiet
    mov word [hooks + 2 * 4], hook4_raise1
    OUTB PIC1 + 1, 0xed
    sti
    call raise4
    mov ah, 2
    call wait_log
    cli
    NLOG 2, "IRQ 1 raised in IRQ 4's handler: two interrupts"
    LOGGED 0, 4, 0x10, 0x00, "IRQ 4 first, alone in service"
    LOGGED 1, 1, 0x12, 0x00, "IRQ 1 nested inside IRQ 4's handler (master ISR 0x12)"
    mov al, [seen]
    EXPECT_AL 2, "IRQ 1 was delivered before IRQ 4's handler ended"

    call quiet
    mov word [hooks + 2 * 1], hook1_raise4
    OUTB PIC1 + 1, 0xed
    sti
    call raise1
    mov ah, 2
    call wait_log
    cli
    mov al, [seen]
    EXPECT_AL 1, "IRQ 4 raised in IRQ 1's handler does not nest"
    NLOG 2, "IRQ 4 is delivered after IRQ 1's EOI"
    LOGGED 1, 4, 0x10, 0x00, "IRQ 4 after IRQ 1: only IR4 in service"

    call quiet                          ; the slave ranks above IRQ 4 ...
    mov word [hooks + 2 * 4], hook4_raise12
    OUTB PIC1 + 1, 0xe9                 ; IR1, IR2, IR4
    OUTB PIC2 + 1, 0xef                 ; IRQ 12
    sti
    call raise4
    mov ah, 2
    call wait_log
    cli
    mov al, [seen]
    EXPECT_AL 2, "IRQ 12 raised in IRQ 4's handler nests"
    LOGGED 1, 12, 0x14, 0x10, "IRQ 12 nested in IRQ 4: master ISR 0x14, slave ISR 0x10"

    call quiet                          ; ... and below IRQ 1
    mov word [hooks + 2 * 1], hook1_raise12
    OUTB PIC1 + 1, 0xe9
    OUTB PIC2 + 1, 0xef
    sti
    call raise1
    mov ah, 2
    call wait_log
    cli
    mov al, [seen]
    EXPECT_AL 1, "IRQ 12 raised in IRQ 1's handler does not nest"
    LOGGED 1, 12, 0x04, 0x10, "IRQ 12 after IRQ 1: master ISR 0x04, slave ISR 0x10"
    call lower_kbc

    ; --- The cascade: the RTC's IRQ 8 through the slave ---
    call quiet
    mov word [hooks + 2 * 8], hook_rtc_once
    OUTB PIC2 + 1, 0xfe                 ; IRQ 8 unmasked, IR2 on the master masked
    sti
    call rtc_pie_on
    mov dx, PIC1
    mov ah, 0x04
    call wait_irr
    EXPECT nc, "RTC periodic interrupt: the slave requests on the master's IR2"
    call irr2
    and al, 0x01
    EXPECT_AL 0x01, "RTC periodic interrupt: IRQ 8 in the slave's IRR"
    NLOG 0, "IRQ 8 is not delivered while the master's IR2 is masked"
    OUTB PIC1 + 1, 0xfb
    nop
    NLOG 1, "IRQ 8 is delivered once IR2 is unmasked"
    LOGGED 0, 8, 0x04, 0x01, "IRQ 8's handler: master ISR 0x04 (IR2), slave ISR 0x01"
    call isr1
    EXPECT_AL 0x00, "after IRQ 8: nothing in service on the master"
    call isr2
    EXPECT_AL 0x00, "after IRQ 8: nothing in service on the slave"

    ; Two slave requests: IRQ 8 waits inside IRQ 12's handler in fully nested mode ...
    call quiet
    mov word [hooks + 2 * 12], hook12_rtc
    mov word [hooks + 2 * 8], hook_rtc_once
    OUTB PIC1 + 1, 0xfb
    OUTB PIC2 + 1, 0xee                 ; IRQ 8 and IRQ 12
    sti
    call raise12
    mov ah, 2
    call wait_log
    EXPECT nc, "IRQ 12 then IRQ 8: both delivered"
    cli
    mov al, [seen]
    EXPECT_AL 1, "IRQ 8 requested in IRQ 12's handler does not nest (IR2 in service)"
    LOGGED 1, 8, 0x04, 0x01, "IRQ 8 after IRQ 12: slave ISR 0x01"

    ; ... but nests when the master is in special fully nested mode (ICW4 bit 4).
    call quiet
    OUTB PIC1, 0x11
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x11                 ; ICW4: SFNM, 8086
    mov word [hooks + 2 * 12], hook12_rtc
    mov word [hooks + 2 * 8], hook_rtc_once
    OUTB PIC1 + 1, 0xfb
    OUTB PIC2 + 1, 0xee
    sti
    call raise12
    mov ah, 2
    call wait_log
    EXPECT nc, "special fully nested: IRQ 12 then IRQ 8 both delivered"
    cli
    mov al, [seen]
    EXPECT_AL 2, "special fully nested: IRQ 8 nests inside IRQ 12's handler"
    LOGGED 1, 8, 0x04, 0x11, "IRQ 8 nested in IRQ 12: slave ISR 0x11"
    call isr1
    EXPECT_AL 0x00, "special fully nested: the master's IR2 ended after the slave's last EOI"

    ; --- A slave request gone before the CPU takes it: a spurious vector ---
    call quiet
    OUTB PIC1 + 1, 0xfb
    OUTB PIC2 + 1, 0xef
    call raise12                        ; the slave asks the master's IR2 ...
    OUTB PIC2 + 1, 0xff                 ; ... and stops asking
    call lower_kbc
    sti
    nop
    nop
    cli
    mov al, [nlog]
    test al, al
    jz .spurious_done                   ; gone with its edge (the datasheet's edge latch)
    EXPECT_AL 1, "a withdrawn slave request: at most one (spurious) interrupt"
    mov si, msg_spurious
    call put_str
    movzx ax, byte [log_irq]
    call put_dec16
    mov al, 10
    call put_char
    mov al, [log_irq]
    cmp al, 15
    je .spurious15
    EXPECT_AL 7, "a withdrawn slave request: the spurious vector (IRQ 15 or IRQ 7)"
    mov al, [log_isr1]
    and al, 0x80
    EXPECT_AL 0x00, "spurious IRQ 7: IR7 not in service"
    jmp .spurious_done
.spurious15:
    mov al, [log_isr2]
    EXPECT_AL 0x00, "spurious IRQ 15: nothing in service on the slave"
    mov al, [log_isr1]
    EXPECT_AL 0x04, "spurious IRQ 15: the master's IR2 in service"
    call isr1
    EXPECT_AL 0x00, "spurious IRQ 15: the master's EOI ended IR2"
.spurious_done:

    ; --- Automatic EOI ---
    call quiet
    OUTB PIC1, 0x11
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x03                 ; ICW4: AEOI, 8086
    mov byte [eoi_mode], EOI_NONE
    mov word [hooks + 2 * 1], hook1_raise4
    OUTB PIC1 + 1, 0xed
    sti
    call raise1
    mov ah, 2
    call wait_log
    EXPECT nc, "AEOI: IRQ 1 and IRQ 4 delivered without EOIs"
    cli
    LOGGED 0, 1, 0x00, 0x00, "AEOI: IRQ 1's handler sees nothing in service"
    mov al, [seen]
    EXPECT_AL 2, "AEOI: IRQ 4 nests inside IRQ 1's handler (nothing in service blocks it)"
    mov word [hooks + 2 * 1], 0
    call lower_kbc
    call raise1
    sti
    nop
    cli
    NLOG 3, "AEOI: the next IRQ 1 comes without an EOI"

    ; Rotate in automatic EOI mode (OCW2 R=1, SL=0, EOI=0): each IRQ taken becomes the lowest.
    call quiet
    OUTB PIC1, 0x11
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x03                 ; ICW4: AEOI, 8086
    OUTB PIC1, 0x80                     ; rotate in AEOI mode: on
    mov byte [eoi_mode], EOI_NONE
    OUTB PIC1 + 1, 0xed
    call raise1
    sti
    nop
    cli
    NLOG 1, "AEOI rotate: IRQ 1 delivered"
    call lower_kbc
    call raise1
    call raise4
    sti
    mov ah, 3
    call wait_log
    cli
    mov al, [log_irq + 1]
    EXPECT_AL 4, "AEOI rotate: IRQ 1 was made the lowest, so IRQ 4 comes before it"
    mov al, [log_irq + 2]
    EXPECT_AL 1, "AEOI rotate: then IRQ 1"
    OUTB PIC1, 0x00                     ; rotate in AEOI mode: off
    OUTB PIC1, 0xc7

    ; --- ICW2's low bits, single mode, no ICW4 ---
    call quiet
    OUTB PIC1, 0x11
    OUTB PIC1 + 1, 0x27                 ; bits 2-0 are the IR number, not the base
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x01
    OUTB PIC1 + 1, 0xfd
    call raise1
    sti
    nop
    cli
    NLOG 1, "ICW2 = 0x27: IRQ 1 delivered"
    mov al, [log_irq]
    EXPECT_AL 1, "ICW2 = 0x27: IRQ 1 comes on vector 0x21 (bits 2-0 of ICW2 ignored)"
    call lower_kbc
    OUTB PIC1, 0x13                     ; ICW1: single, ICW4 follows: no ICW3
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x01
    OUTB PIC1 + 1, 0xaa                 ; OCW1
    in al, PIC1 + 1
    EXPECT_AL 0xaa, "single mode: ICW2 then ICW4, the next write is the IMR"
    OUTB PIC1, 0x10                     ; ICW1: cascade, no ICW4
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x55                 ; OCW1
    in al, PIC1 + 1
    EXPECT_AL 0x55, "no ICW4: ICW2 then ICW3, the next write is the IMR"

    ; --- Special mask mode ---
    call quiet
    OUTB PIC1 + 1, 0xed
    call raise1
    call poll1
    EXPECT_AL 0x81, "special mask mode setup: IRQ 1 polled into service"
    call raise4
    OUTB PIC1, 0x68                     ; OCW3: set special mask mode
    OUTB PIC1 + 1, 0xef                 ; and mask IR1
    call poll1
    EXPECT_AL 0x84, "special mask mode: IRQ 4 taken while the masked IR1 is in service"
    call isr1
    EXPECT_AL 0x12, "special mask mode: IR1 and IR4 in service"
    OUTB PIC1, 0x64
    OUTB PIC1, 0x48                     ; reset special mask mode
    call lower4
    call raise4
    call poll1
    and al, 0x80
    EXPECT_AL 0x00, "special mask mode off: IRQ 4 waits for IR1 again (poll bit 7 clear)"
    OUTB PIC1, 0x61

    ; --- Priority rotation ---
    call quiet
    OUTB PIC1 + 1, 0xed
    OUTB PIC1, 0xc3                     ; OCW2 set priority: IR3 lowest, IR4 highest
    call raise1
    call raise4
    call poll1
    EXPECT_AL 0x84, "IR3 made the lowest: IRQ 4 ranks above IRQ 1"
    OUTB PIC1, 0x20
    call poll1
    EXPECT_AL 0x81, "then IRQ 1"
    OUTB PIC1, 0x20
    OUTB PIC1, 0xc7                     ; IR7 lowest: IR0 highest again
    call lower_kbc
    call lower4
    call raise1
    call raise4
    call poll1
    EXPECT_AL 0x81, "IR7 made the lowest again: IRQ 1 ranks above IRQ 4"
    OUTB PIC1, 0xa0                     ; rotate on non-specific EOI: IR1 now lowest
    call lower_kbc
    call raise1
    call poll1
    EXPECT_AL 0x84, "after a rotating EOI of IR1, IRQ 4 ranks above IRQ 1"
    OUTB PIC1, 0x20
    call poll1
    EXPECT_AL 0x81, "then IRQ 1"
    OUTB PIC1, 0xc7                     ; IR7 lowest (IR1 still in service) ...
    OUTB PIC1, 0xe1                     ; ... rotate on specific EOI of IR1: IR1 lowest
    call lower_kbc
    call lower4
    call raise4
    call raise1
    call poll1
    EXPECT_AL 0x84, "after a rotating specific EOI of IR1, IRQ 4 ranks above IRQ 1"
    OUTB PIC1, 0x20
    OUTB PIC1, 0xc7
    call poll1
    EXPECT_AL 0x81, "priority back to IR0 highest: IRQ 1"
    OUTB PIC1, 0x20

    ; --- Poll with the cascade ---
    call quiet
    OUTB PIC1 + 1, 0xe9                 ; IR1, IR2, IR4
    OUTB PIC2 + 1, 0xef                 ; IRQ 12
    call raise4
    call raise12
    call poll1
    EXPECT_AL 0x82, "poll: the cascade (IR2) ranks above IRQ 4"
    call poll2
    EXPECT_AL 0x84, "poll of the slave: IRQ 12 (slave IR4)"
    call isr2
    EXPECT_AL 0x10, "slave polled: IR4 in service on the slave"
    OUTB PIC2, 0x20
    OUTB PIC1, 0x20
    call poll1
    EXPECT_AL 0x84, "poll after the cascade's EOIs: IRQ 4"
    OUTB PIC1, 0x20

    ; --- ICW1: IMR cleared, edge latches reset, reads back to the IRR ---
    call quiet
    call raise1                         ; IRQ 1 high and latched
    OUTB PIC1, 0x0b                     ; reads: ISR
    OUTB PIC1, 0x11
    OUTB PIC1 + 1, 0x20
    OUTB PIC1 + 1, 0x04
    OUTB PIC1 + 1, 0x01
    in al, PIC1 + 1
    EXPECT_AL 0x00, "ICW1 clears the IMR"
    in al, PIC1
    and al, 0x02
    EXPECT_AL 0x00, "ICW1 resets the edge latch: IRQ 1, still high, is not requested"
    call lower_kbc
    call raise1                         ; a new edge
    in al, PIC1
    and al, 0x02
    EXPECT_AL 0x02, "after ICW1 reads give the IRR: the new IRQ 1 edge"
    OUTB PIC1 + 1, 0xff
    call lower_kbc

    ; --- ELCR ---
    call quiet
    mov dx, ELCR1
    in al, dx
    EXPECT_AL 0x00, "ELCR1 after reset: every input edge-triggered"
    mov al, 0xff
    out dx, al
    in al, dx
    EXPECT_AL 0xf8, "ELCR1 takes IRQ 3-7 (IRQ 0-2 stay edge)"
    mov dx, ELCR2
    mov al, 0xff
    out dx, al
    in al, dx
    EXPECT_AL 0xde, "ELCR2 takes IRQ 9-12, 14, 15 (IRQ 8 and 13 stay edge)"
    mov al, 0x00
    out dx, al
    in al, dx
    EXPECT_AL 0x00, "ELCR2 cleared"
    mov dx, ELCR1
    mov al, 0x10                        ; IRQ 4 level-triggered
    out dx, al
    in al, dx
    EXPECT_AL 0x10, "ELCR1 = 0x10: IRQ 4 level-triggered"
    OUTB PIC1 + 1, 0xef                 ; IRQ 4 unmasked, interrupts off
    call raise4
    call irr1
    and al, 0x10
    EXPECT_AL 0x10, "level-triggered IRQ 4 high: requested"
    call lower4
    call irr1
    and al, 0x10
    EXPECT_AL 0x00, "level-triggered IRQ 4 low again: the request goes with it"
    sti
    nop
    cli
    NLOG 0, "a level request withdrawn before the CPU took it is not delivered"
    mov word [hooks + 2 * 4], hook4_lower
    call raise4
    sti
    mov ah, 2
    call wait_log
    EXPECT nc, "level-triggered IRQ 4 held high: delivered again after the EOI"
    cli
    NLOG 2, "level-triggered IRQ 4: twice, until the handler drops the line"
    mov dx, ELCR1
    mov al, 0x00
    out dx, al
    call quiet                          ; the same, edge-triggered: once
    OUTB PIC1 + 1, 0xef
    call raise4
    sti
    nop
    nop
    cli
    NLOG 1, "edge-triggered IRQ 4 held high: delivered once"
    call lower4

    mov si, msg_done
    call put_str
    mov ax, EXPECT_N
    call put_dec16
    mov si, msg_checks
    call put_str
    PASS

msg_done: db "pc-pic: ", 0
msg_checks: db " checks passed", 10, 0
msg_spurious: db "a withdrawn slave request came as spurious IRQ ", 0
nlog: db 0
eoi_mode: db 0
seen: db 0
log_irq: times LOG_MAX db 0
log_isr1: times LOG_MAX db 0
log_isr2: times LOG_MAX db 0
hooks: times 16 dw 0
