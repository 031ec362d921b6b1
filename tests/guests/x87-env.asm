; FSTENV/FLDENV and FSAVE/FRSTOR images (Intel SDM vol. 1 8.1.10, figures 8-9 to 8-12):
; the 16- and 32-bit layouts in real mode (linear instruction and operand pointers split
; around the opcode, here with CS = 07C0h and an operand above 64 KiB) and in protected
; mode (offsets, selectors, the opcode beside FCS in the 32-bit layout); the full tag word
; computed from the registers; control instructions leaving the pointers alone; round
; trips through FLDENV and FRSTOR; FSAVE reinitialising the FPU; a loaded tag word
; emptying a register.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
DATA2 equ 0x20

%define R(x) ((x) - 0x7c00)     ; offset under CS = DS = 07C0h

; RCHECK operand, value, n: in real mode, fail with n unless operand == value.
%macro RCHECK 3
    cmp %1, %2
    je %%ok
    mov al, %3
    out 0xf4, al
    hlt
%%ok:
%endmacro

; RSAME a, b, len, n: the LEN bytes at DS:a and DS:b are equal.
%macro RSAME 4
    mov si, R(%1)
    mov di, R(%2)
    mov cx, %3
    push ds
    pop es
    repe cmpsb
    je %%ok
    mov al, %4
    out 0xf4, al
    hlt
%%ok:
%endmacro

start:
    cli
    jmp 0x07c0:R(rm_part)

rm_part:
    mov ax, cs
    mov ds, ax
    xor ax, ax
    mov ss, ax
    mov sp, 0x7c00
    mov ax, 0x2000
    mov es, ax
    mov dword [es:0x10], 0
    mov dword [es:0x14], 0x40000000     ; 2.0 at linear 20010h
    fninit
    fld1
    fld1
    fld qword [es:0x10]
rm_last:
    fadd st0, st1
    fldcw [R(cw_rz)]
    fnstenv [R(env16)]
    o32 fnstenv [R(env32)]

    ; ---- the real-mode images ----
    RCHECK word [R(env16)], 0x0f7f, 1
    RCHECK word [R(env16) + 2], 0x2800, 2
    RCHECK word [R(env16) + 4], 0x03ff, 3
    RCHECK word [R(env16) + 6], rm_last, 4
    RCHECK word [R(env16) + 8], 0x00c1, 5
    RCHECK word [R(env16) + 10], 0x0010, 6
    RCHECK word [R(env16) + 12], 0x2000, 7
    RCHECK dword [R(env32)], 0xffff0f7f, 8
    RCHECK dword [R(env32) + 4], 0xffff2800, 9
    RCHECK dword [R(env32) + 8], 0xffff03ff, 10
    RCHECK dword [R(env32) + 12], 0xffff0000 + rm_last, 11
    RCHECK dword [R(env32) + 16], 0x000000c1, 12
    RCHECK dword [R(env32) + 20], 0xffff0010, 13
    RCHECK dword [R(env32) + 24], 0x00002000, 14

    ; ---- FLDENV round trips; a tag word that empties ST(0) ----
    fninit
    fldenv [R(env16)]
    fnstenv [R(env16b)]
    RSAME env16, env16b, 14, 15
    fninit
    o32 fldenv [R(env32)]
    o32 fnstenv [R(env32b)]
    RSAME env32, env32b, 28, 16
    mov ax, [R(env16) + 4]
    or ax, 0x0c00                       ; physical register 5, ST(0): empty
    mov [R(env16b) + 4], ax
    fldenv [R(env16b)]
    fxam
    fnstsw ax
    and ax, 0x4500
    RCHECK ax, 0x4100, 17               ; C3 C0: empty
    fldenv [R(env16)]
    fxam
    fnstsw ax
    and ax, 0x4500
    RCHECK ax, 0x0400, 18               ; C2: normal

    ; ---- FSAVE/FRSTOR, both sizes (FXAM moved the pointers: reload them) ----
    fldenv [R(env16)]
    fnsave [R(save16)]
    RSAME env16, save16, 14, 19
    RCHECK dword [R(save16) + 14 + 4], 0xc0000000, 20   ; ST(0) = 3.0
    RCHECK word [R(save16) + 14 + 8], 0x4000, 21
    RCHECK word [R(save16) + 24 + 8], 0x3fff, 22        ; ST(1) = 1.0
    fnstcw [R(cw_out)]
    RCHECK word [R(cw_out)], 0x037f, 23                 ; FSAVE reinitialised
    fnstenv [R(env16b)]
    RCHECK word [R(env16b) + 4], 0xffff, 24
    RCHECK word [R(env16b) + 6], 0, 25
    frstor [R(save16)]
    o32 fnsave [R(save32)]
    RSAME env32, save32, 28, 26
    RCHECK word [R(save32) + 28 + 8], 0x4000, 27
    o32 frstor [R(save32)]
    fstp qword [R(out)]
    RCHECK dword [R(out) + 4], 0x40080000, 28
    fstp qword [R(out)]
    RCHECK dword [R(out) + 4], 0x3ff00000, 29

    ; ---- into protected mode ----
    ENTER_PM

bits 32
pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x70000
    mov ebx, idt
    mov cx, CODE0
    call install_stubs

    fninit
    fld1
    mov ax, DATA2
    mov fs, ax
    fld qword [fs:two]
pm_last:
    fadd st0, st1
    fnstenv [env32p]
    o16 fnstenv [env16p]

    CHECK dword [env32p], 0xffff037f
    CHECK dword [env32p + 4], 0xffff3000
    CHECK dword [env32p + 8], 0xffff0fff
    CHECK dword [env32p + 12], pm_last
    CHECK dword [env32p + 16], CODE0 | 0x0c1 << 16
    CHECK dword [env32p + 20], two
    CHECK dword [env32p + 24], 0xffff0000 | DATA2
    CHECK word [env16p], 0x037f
    CHECK word [env16p + 2], 0x3000
    CHECK word [env16p + 4], 0x0fff
    CHECK word [env16p + 6], pm_last
    CHECK word [env16p + 8], CODE0
    CHECK word [env16p + 10], two
    CHECK word [env16p + 12], DATA2

    fninit
    fldenv [env32p]
    fnstenv [env32q]
    mov esi, env32p
    mov edi, env32q
    mov ecx, 28
    repe cmpsb
    FAILIF jne
    fninit
    o16 fldenv [env16p]
    o16 fnstenv [env16q]
    mov esi, env16p
    mov edi, env16q
    mov ecx, 14
    repe cmpsb
    FAILIF jne

    fnsave [save32p]
    CHECK dword [save32p + 12], pm_last
    CHECK word [save32p + 28 + 8], 0x4000
    fnstenv [env32q]
    CHECK dword [env32q + 12], 0        ; FSAVE cleared the pointers
    CHECK dword [env32q + 16], 0
    frstor [save32p]
pm_fstp:
    fstp qword [out32]
    CHECK dword [out32 + 4], 0x40080000
    o16 fnsave [save16p]
    CHECK word [save16p + 6], pm_fstp   ; the last non-control instruction
    CHECK word [save16p + 10], out32
    CHECK word [save16p + 14 + 8], 0x3fff
    jmp pass

cw_rz: dw 0x0f7f                ; round toward zero, all masked
cw_out: dw 0
align 8
two: dq 2.0
out: dq 0
out32: dq 0
env16: times 14 db 0
env16b: times 14 db 0
env32: times 28 db 0
env32b: times 28 db 0
save16: times 94 db 0
save32: times 108 db 0
env32p: times 28 db 0
env32q: times 28 db 0
env16p: times 14 db 0
env16q: times 14 db 0
save32p: times 108 db 0
save16p: times 94 db 0

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x20
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
idt: times 32 * 8 db 0
