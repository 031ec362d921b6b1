; Serial input on the PC board: COM1 with the received-data interrupt on IRQ 4; the guest
; sleeps in HLT, and each character that arrives (from the back-end, through the input
; funnel) wakes it and is echoed to the debug console, until a '.', after which it ends the line.
%include "harness.inc"
bits 16
org 0x7c00

start:
    jmp main
%include "pc.inc"

; OUTC offset, value: a UART register.
%macro OUTC 2
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
%endmacro

; IRQ 4: echo every received character; a '.' ends the test.
irq4:
    push ax
    push dx
.more:
    INB COM1 + 5
    test al, 0x01
    jz .done
    INB COM1
    out DEBUG_CON, al
    cmp al, '.'
    jne .more
    mov al, 10                          ; end the line
    out DEBUG_CON, al
    mov byte [finished], 1
    jmp .more
.done:
    OUTB PIC1, PIC_EOI
    pop dx
    pop ax
    iret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x24, irq4
    OUTC 3, 0x80                        ; 115200 8N1
    OUTC 0, 0x01
    OUTC 1, 0x00
    OUTC 3, 0x03
    OUTC 2, 0x07                        ; FIFOs on, trigger level 1
    OUTC 4, 0x0b                        ; DTR, RTS, OUT2
    OUTC 1, 0x01                        ; received-data interrupt
    OUTB PIC1 + 1, 0xef                 ; unmask IRQ 4
    sti
.wait:
    hlt
    cmp byte [finished], 0
    je .wait
    PASS

finished: db 0
