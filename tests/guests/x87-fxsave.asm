; FXSAVE/FXRSTOR (Intel SDM vol. 2A FXSAVE, table 3-53, 32-bit layout; vol. 3A 2.5 CR4):
; CPUID reports FPU, MMX and FXSR and CR4.OSFXSR can be set; the image holds FCW, FSW,
; the abridged tag byte, FOP, FIP, FCS, FDP, FDS, then ST(0)-ST(7) in 16-byte slots with
; zeroed padding; MXCSR, MXCSR_MASK and XMM0-7 only while CR4.OSFXSR is set; bytes from
; 288 on are never written. FXRSTOR loads it all back (the x87 view checked by FNSTENV
; and FSTP, the XMM view by a second FXSAVE). #GP(0): an operand not 16-byte aligned, or
; FXRSTOR of reserved MXCSR bits while CR4.OSFXSR is set.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
DATA2 equ 0x20

%define CR4_OSFXSR (1 << 9)

start:
    ENTER_PM

bits 32
; Fills the 512 bytes at %1 with AAh.
%macro POISON 1
    mov edi, %1
    mov ecx, 512
    mov al, 0xaa
    rep stosb
%endmacro

pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x70000
    mov ebx, idt
    mov cx, CODE0
    call install_stubs

    mov eax, 1
    cpuid
    and edx, (1 << 0) | (1 << 23) | (1 << 24)
    CHECK edx, (1 << 0) | (1 << 23) | (1 << 24)
    mov eax, cr4
    or eax, CR4_OSFXSR
    mov cr4, eax

    ; ---- the image ----
    fninit
    fldcw [cw_up]
    fld1
    fld qword [two]
    mov ax, DATA2
    mov fs, ax
fx_last:
    fld qword [fs:val]                  ; 64 DD 05: FOP 505h
    POISON area1
    fxsave [area1]
    CHECK word [area1], 0x0b7f
    CHECK word [area1 + 2], 0x2800
    CHECK byte [area1 + 4], 0xe0        ; R5 R6 R7 not empty
    CHECK byte [area1 + 5], 0
    CHECK word [area1 + 6], 0x505
    CHECK dword [area1 + 8], fx_last
    CHECK dword [area1 + 12], CODE0
    CHECK dword [area1 + 16], val
    CHECK dword [area1 + 20], DATA2
    CHECK dword [area1 + 24], 0x1f80
    CHECK dword [area1 + 28], 0xffbf
    CHECK dword [area1 + 32], 0         ; ST(0) = 0.75: C000000000000000, 3FFE
    CHECK dword [area1 + 36], 0xc0000000
    CHECK dword [area1 + 40], 0x3ffe
    CHECK dword [area1 + 44], 0
    CHECK word [area1 + 48 + 8], 0x4000 ; ST(1) = 2.0
    CHECK word [area1 + 64 + 8], 0x3fff ; ST(2) = 1.0
    CHECK dword [area1 + 160], 0        ; XMM0 as after reset
    CHECK dword [area1 + 284], 0
    CHECK dword [area1 + 288], 0xaaaaaaaa
    CHECK dword [area1 + 508], 0xaaaaaaaa

    ; ---- without CR4.OSFXSR: no MXCSR, no XMM ----
    mov eax, cr4
    and eax, ~CR4_OSFXSR
    mov cr4, eax
    POISON area2
    fxsave [area2]
    CHECK word [area2], 0x0b7f
    CHECK dword [area2 + 24], 0xaaaaaaaa
    CHECK dword [area2 + 28], 0xaaaaaaaa
    CHECK dword [area2 + 160], 0xaaaaaaaa
    CHECK dword [area2 + 284], 0xaaaaaaaa
    mov dword [area2 + 24], 0x12345678  ; not loaded, so not checked
    fxrstor [area2]
    mov eax, cr4
    or eax, CR4_OSFXSR
    mov cr4, eax

    ; ---- FXRSTOR of a changed image ----
    mov word [area1], 0x037f
    mov word [area1 + 2], 0x1004        ; TOP 2, ZE (masked: no ES)
    mov byte [area1 + 4], 0x0c          ; R2 R3 not empty
    mov dword [area1 + 24], 0x9f80      ; FZ set
    mov dword [area1 + 160], 0x11223344 ; XMM0
    mov dword [area1 + 172], 0x55667788
    fxrstor [area1]
    fnstenv [env]
    CHECK word [env], 0x037f
    CHECK word [env + 4], 0x1004
    CHECK word [env + 8], 0xff0f        ; R2 (0.75) and R3 (2.0) valid, the rest empty
    CHECK dword [env + 12], fx_last
    CHECK word [env + 18], 0x505
    fstp qword [out]
    CHECK dword [out + 4], 0x3fe80000
    POISON area3
    fxsave [area3]
    CHECK dword [area3 + 24], 0x9f80
    CHECK dword [area3 + 160], 0x11223344
    CHECK dword [area3 + 172], 0x55667788
    CHECK byte [area3 + 4], 0x08        ; the FSTP popped R2

    ; ---- #GP(0): alignment, reserved MXCSR bits ----
    FAULT 13, 0, {fxsave [area1 + 8]}
    FAULT 13, 0, {fxrstor [area1 + 4]}
    mov ax, DATA0
    mov ds, ax
    mov dword [area1 + 24], 0x1fc0      ; DAZ: reserved on this CPU
    FAULT 13, 0, {fxrstor [area1]}
    mov ax, DATA0
    mov ds, ax
    mov dword [area1 + 24], 0x00011f80
    FAULT 13, 0, {fxrstor [area1]}
    jmp pass

cw_up: dw 0x0b7f
align 8
two: dq 2.0
val: dq 0.75
out: dq 0
env: times 28 db 0
align 16
area1: times 512 db 0
area2: times 512 db 0
area3: times 512 db 0

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
