; RTC on the PC board, started at 2006-06-26T12:00:00 (--rtc or the deterministic
; default): the time registers read back in BCD; the update-ended interrupt arrives on
; IRQ 8 (through the slave PIC and the master's IR2) once per second with the seconds
; advanced; periodic interrupts at 1024 Hz arrive on the same line, about 1024 of them in
; that second; register C reports which and reading it acknowledges.
%include "harness.inc"
bits 16
org 0x7c00

start:
    jmp main
%include "pc.inc"

; IRQ 8: read register C (acknowledges), count update-ended and periodic flags, EOI both.
irq8:
    push ax
    OUTB RTC_INDEX, 0x0c
    in al, RTC_DATA
    test al, 0x10
    jz .no_uf
    inc word [updates]
.no_uf:
    test al, 0x40
    jz .no_pf
    inc word [periodic]
.no_pf:
    OUTB PIC2, PIC_EOI
    OUTB PIC1, PIC_EOI
    pop ax
    iret

; AL = RTC register AL.
rtc_read:
    out RTC_INDEX, al
    in al, RTC_DATA
    ret

; CHECK_REG reg, value, n
%macro CHECK_REG 3
    mov al, %1
    call rtc_read
    cmp al, %2
    CHECK e, %3
%endmacro

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x28, irq8

    ; 1. The time as the funnel set it, BCD and 24-hour.
    CHECK_REG 0x09, 0x06, 1             ; year
    CHECK_REG 0x08, 0x06, 2             ; month
    CHECK_REG 0x07, 0x26, 3             ; day
    CHECK_REG 0x04, 0x12, 4             ; hours
    CHECK_REG 0x02, 0x00, 5             ; minutes
    CHECK_REG 0x32, 0x20, 6             ; century

    ; 2. Enable UIE and PIE (rate 6 = 1024 Hz), unmask IRQ 8 and the cascade.
    OUTB RTC_INDEX, 0x0a
    OUTB RTC_DATA, 0x26
    mov al, 0x0b
    call rtc_read
    or al, 0x50
    mov ah, al
    OUTB RTC_INDEX, 0x0b
    mov al, ah
    out RTC_DATA, al
    OUTB PIC1 + 1, 0xfb                 ; IR2: the slave
    OUTB PIC2 + 1, 0xfe                 ; IRQ 8
    sti
.wait:
    hlt
    cmp word [updates], 1
    jb .wait
    cli

    ; 3. One update: the seconds moved on from 00 to 01; periodic interrupts ~1024.
    CHECK_REG 0x00, 0x01, 7
    mov ax, [periodic]
    call put_hex16
    mov al, 10
    call put_char
    cmp word [periodic], 900
    CHECK a, 8
    cmp word [periodic], 1100
    CHECK b, 9
    PASS

updates: dw 0
periodic: dw 0
