; COM1 (16550) on the PC board in loopback mode: the divisor latch; 16 characters sent with
; interrupts off come back through the FIFO in order, with THRE and TEMT once sent; then
; with the FIFO trigger at 4 and the received-data interrupt enabled, the IIR reports
; received data once four are back and nothing after they are read, while IRQ 4 stays low
; at the PIC (loopback forces the OUT2 pin off, and OUT2 gates the PC card's IRQ).
; pc-echo.asm covers IRQ 4 itself.
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

; Sends CX bytes from SI (the FIFO takes 16 without waiting).
send:
    lodsb
    mov dx, COM1
    out dx, al
    loop send
    ret

; Waits until the transmitter is empty (TEMT).
wait_temt:
    INB COM1 + 5
    test al, 0x40
    jz wait_temt
    ret

main:
    SETUP
    PIC_INIT
    ; 1. 115200 baud / 1, 8N1, FIFOs on and cleared, loopback with OUT2.
    OUTC 3, 0x80
    OUTC 0, 0x01
    OUTC 1, 0x00
    OUTC 3, 0x03
    OUTC 2, 0x07
    OUTC 4, 0x18
    OUTC 1, 0x00
    INB COM1 + 2
    and al, 0xc0
    cmp al, 0xc0                        ; FIFOs enabled
    CHECK e, 1

    ; 2. Sixteen characters, polled.
    mov si, message
    mov cx, 16
    call send
    call wait_temt
    mov di, rxbuf
    mov cx, 16
.read16:
    INB COM1 + 5
    test al, 0x01
    CHECK nz, 2
    INB COM1
    stosb
    loop .read16
    INB COM1 + 5
    test al, 0x01                       ; empty now
    CHECK z, 3
    test al, 0x60                       ; THRE and TEMT
    CHECK nz, 4
    mov si, message
    mov di, rxbuf
    mov cx, 16
    repe cmpsb
    CHECK e, 5

    ; 3. Trigger level 4, ERBFI: the IIR says received data, IRQ 4 stays low.
    OUTC 2, 0x47
    OUTC 1, 0x01
    mov si, message + 16
    mov cx, 4
    call send
    call wait_temt
    ; Received data (0xc4); on the real-time clock a host stall of four character times
    ; before this read turns it into the character timeout (0xcc), the same priority.
    INB COM1 + 2
    cmp al, 0xcc
    je .rda
    cmp al, 0xc4
    CHECK e, 6
.rda:
    OUTB PIC1, 0x0a                     ; OCW3: read IRR
    in al, PIC1
    test al, 0x10
    CHECK z, 7
    mov di, rxbuf
    mov cx, 4
.read4:
    INB COM1
    stosb
    loop .read4
    INB COM1 + 2
    cmp al, 0xc1                        ; no interrupt pending
    CHECK e, 8
    mov si, message + 16
    mov di, rxbuf
    mov cx, 4
    repe cmpsb
    CHECK e, 9
    PASS

message: db "wirt 16550 fifo!ABCD"
rxbuf: times 16 db 0
