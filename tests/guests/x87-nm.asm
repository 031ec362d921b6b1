; #NM and lazy FPU switching (Intel SDM vol. 3A 2.5 and table 2-2, 6.15 interrupt 7; vol.
; 3A 13.4 as Linux used it): with CR0.TS set, the first x87 instruction of a "task" raises
; #NM; the handler clears TS with CLTS and FRSTORs the task's state, and the instruction
; then runs on that state. WAIT raises #NM only when MP and TS are both set; CR0.EM makes
; every x87 instruction #NM and every MMX instruction #UD.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b

%define CR0_MP 2
%define CR0_EM 4
%define CR0_TS 8

start:
    ENTER_PM

bits 32
; Sets CR0 bits %1 and clears bits %2.
%macro CR0_SET 2
    mov eax, cr0
    and eax, ~(%2)
    or eax, %1
    mov cr0, eax
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

    ; ---- the rules, with the recording stubs ----
    CR0_SET CR0_MP | 0x20, CR0_EM | CR0_TS
    fninit
    CR0_SET CR0_TS, 0
    FAULT 7, 0, {fld1}
    FAULT 7, 0, {fninit}                    ; no-wait instructions too
    FAULT 7, 0, {fwait}                     ; MP and TS
    FAULT 7, 0, {movq mm0, mm1}
    FAULT 7, 0, {fxsave [fxarea]}
    mov ax, DATA0
    mov ds, ax
    CR0_SET 0, CR0_MP
    fwait                                   ; TS without MP: WAIT runs
    CR0_SET CR0_EM, CR0_TS
    FAULT 7, 0, {fldz}
    FAULT 7, 0, {fnstsw ax}
    FAULT 6, 0, {paddb mm0, mm1}
    FAULT 6, 0, {emms}
    mov ax, DATA0
    mov ds, ax
    fwait                                   ; EM alone: WAIT runs
    CR0_SET CR0_MP, CR0_EM

    ; ---- lazy switching: two tasks' states, restored on first use ----
    mov eax, 7
    mov ebx, nm_handler
    mov [idt + eax * 8], bx
    shr ebx, 16
    mov [idt + eax * 8 + 6], bx
    fninit
    fld qword [a_val]                       ; task A: ST(0) = 1.5
    fnsave [state_a]
    fld qword [b_val]                       ; task B: ST(1) = 4.0, ST(0) = 0.25
    fld qword [b_val + 8]
    fnsave [state_b]

    mov dword [next_state], state_a         ; switch to A
    CR0_SET CR0_TS, 0
    fadd st0, st0                           ; #NM, restore A, then 3.0
    fstp qword [out]
    CHECK dword [nm_count], 1
    CHECK dword [out + 4], 0x40080000
    fld qword [a_val]
    fnsave [state_a]                        ; the switch away: no #NM, TS is clear

    mov dword [next_state], state_b         ; switch to B
    CR0_SET CR0_TS, 0
    fmul st0, st1                           ; #NM, restore B, then 1.0
    fstp qword [out]
    CHECK dword [nm_count], 2
    CHECK dword [out + 4], 0x3ff00000
    fstp qword [out]                        ; B's other register
    CHECK dword [out + 4], 0x40100000

    mov dword [next_state], state_a         ; back to A: its saved 1.5
    CR0_SET CR0_TS, 0
    fwait                                   ; MP and TS: #NM, restore A
    CHECK dword [nm_count], 3
    fstp qword [out]
    CHECK dword [out + 4], 0x3ff80000
    jmp pass

; The lazy-switch #NM handler: clear TS, load the incoming task's state, retry.
nm_handler:
    push eax
    clts
    mov eax, [next_state]
    frstor [eax]
    inc dword [nm_count]
    pop eax
    iret

align 8
a_val: dq 1.5
b_val: dq 4.0, 0.25
out: dq 0
next_state: dd 0
nm_count: dd 0
state_a: times 108 db 0
state_b: times 108 db 0
align 16
fxarea: times 512 db 0

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
idt: times 32 * 8 db 0
