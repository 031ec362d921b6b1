; The A20 gate through port 0x92 (PS/2 system control port A, bit 1): with A20 off,
; FFFF:0510 (physical 0x100500) wraps to 0x000500; with it on the two are distinct, and
; turning it back on finds the high byte untouched.
%include "harness.inc"
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ax, 0xffff
    mov es, ax

    in al, 0x92
    test al, 2
    CHECK nz, 1                   ; the board starts with A20 enabled
    mov byte [0x0500], 0x11
    mov byte [es:0x0510], 0x22
    cmp byte [0x0500], 0x11
    CHECK e, 2

    in al, 0x92
    and al, ~2
    out 0x92, al
    in al, 0x92
    test al, 2
    CHECK z, 3
    cmp byte [es:0x0510], 0x11    ; reads wrap
    CHECK e, 4
    mov byte [es:0x0510], 0x33    ; and so do writes
    cmp byte [0x0500], 0x33
    CHECK e, 5

    in al, 0x92
    or al, 2
    out 0x92, al
    cmp byte [es:0x0510], 0x22
    CHECK e, 6
    cmp byte [0x0500], 0x33
    CHECK e, 7
    PASS
