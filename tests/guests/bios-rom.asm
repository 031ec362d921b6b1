; A 64 KiB firmware image for `wirt run --bios` (vm/bios.c). Checks the reset state the
; SDM gives (vol. 3A 9.1.1 and 9.1.4): the first fetch at 0xFFFFFFF0 with CS = F000 and
; CS base 0xFFFF0000 until the first far jump; the image is read-only at the top of 4 GiB
; and mirrored in RAM below 1 MiB; a reset through port 0x92 starts it again with the low
; copy restored while ordinary RAM keeps its contents. Ends through port 0xf4.
%include "harness.inc"

bits 16
org 0

MAGIC equ 0x1234
BOOTS equ 0x500             ; in RAM (0000:0500): survives a reset

start:                      ; F000:0000 after the far jump: the low copy
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ds, ax
    cmp word [BOOTS], MAGIC
    je second_boot
    ; First boot: the low copy is RAM; what the reset-vector code wrote there is visible.
    cmp byte [cs:marker], 0x55
    CHECK e, 3
    call unreal
    ; The top mapping ignores writes and still holds the original byte.
    mov byte [fs:dword 0xffff0000 + marker], 0x66
    cmp byte [fs:dword 0xffff0000 + marker], 0xaa
    CHECK e, 4
    ; Both copies hold the same code.
    mov al, [fs:dword 0xffff0000 + start]
    cmp al, [fs:dword 0x000f0000 + start]
    CHECK e, 5
    mov word [BOOTS], MAGIC
    mov si, msg_reset
    call print
    mov al, 1
    out 0x92, al            ; fast reset
    FAIL 6

second_boot:                ; the reset-vector code found the low copy fresh again
    mov word [BOOTS], 0
    mov si, msg_ok
    call print
    PASS

; Big real mode: FS gets a 4 GiB limit through a protected-mode load, then back to real mode.
unreal:
    lgdt [cs:gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    mov bx, 8
    mov fs, bx
    and al, 0xfe
    mov cr0, eax
    xor bx, bx
    mov fs, bx
    ret

print:
    mov al, [cs:si]
    test al, al
    jz .done
    out DEBUG_CON, al
    inc si
    jmp print
.done:
    ret

align 8
gdt:
    dq 0
    dq 0x00cf92000000ffff   ; flat 4 GiB data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd 0xf0000 + gdt

msg_reset db "bios-rom: resetting", 10, 0
msg_ok db "bios-rom: ok after reset", 10, 0
marker db 0xaa

; Reached from the reset vector with CS base 0xFFFF0000: CS-relative reads see the top copy.
    times 0xff00 - ($ - $$) db 0
reset_code:
    cmp byte [cs:marker], 0xaa
    CHECK e, 1
    mov ax, 0xf000
    mov ds, ax
    cmp byte [marker], 0xaa ; the low copy is fresh, on every boot
    CHECK e, 7
    mov byte [marker], 0x55 ; the low copy (F0000 + marker) is RAM
    cmp byte [cs:marker], 0xaa
    CHECK e, 2              ; still the top copy: CS base is not F0000 yet
    jmp 0xf000:start

    times 0xfff0 - ($ - $$) db 0
reset_vector:               ; physical 0xFFFFFFF0
    jmp reset_code
    times 0x10000 - ($ - $$) db 0
