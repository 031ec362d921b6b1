; Double fault: ring 3 raises #GP (HLT); the #GP gate leads to ring 0, whose stack from the
; TSS is too small for the frame, so delivering #GP raises #SS(SS0 | EXT); #GP then #SS is
; a double fault. #DF goes through a task gate to a task with a good stack, which finds
; error code 0, NT and the back link set, and the saved EIP at the HLT.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
CODE3 equ 0x23
TSS_MAIN equ 0x28
TSS_DF equ 0x30
TINY0 equ 0x38          ; ring-0 stack segment with a limit of 0x0f

T_LINK equ 0x00
T_EIP equ 0x20
T_EFLAGS equ 0x24
T_ESP equ 0x38
T_ES equ 0x48
T_CS equ 0x4c
T_SS equ 0x50
T_DS equ 0x54

start:
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
    ; #DF through a task gate
    mov word [idt + 8 * 8 + 2], TSS_DF
    mov word [idt + 8 * 8 + 4], ACC_TASK << 8
    ; ring 0's stack: 8 bytes of room, too little for a 20-byte frame
    mov dword [tss_main + 4], 8
    mov dword [tss_main + 8], TINY0
    mov dword [tss_df + T_EIP], df_task
    mov dword [tss_df + T_ESP], 0x60000
    mov dword [tss_df + T_EFLAGS], 2
    mov dword [tss_df + T_CS], CODE0
    mov dword [tss_df + T_SS], DATA0
    mov dword [tss_df + T_DS], DATA0
    mov dword [tss_df + T_ES], DATA0
    mov ax, TSS_MAIN
    ltr ax
    push dword DATA3
    push dword 0xf000
    push dword 0x3002
    push dword CODE3
    push dword ring3
    iret

ring3:
    mov ax, DATA3
    mov ds, ax
hlt_at:
    hlt
    mov eax, 1                          ; not reached
    jmp fail

df_task:
    CHECK esp, 0x60000 - 4
    pop eax
    CHECK eax, 0                        ; #DF's error code
    pushfd
    pop eax
    test eax, 0x4000
    FAILIF jz
    CHECK word [tss_df + T_LINK], TSS_MAIN
    CHECK dword [tss_main + T_EIP], hlt_at
    CHECK dword [tss_main + T_CS], CODE3
    CHECK byte [gdt + TSS_MAIN + 5], ACC_TSS32 | 2
    CHECK byte [gdt + TSS_DF + 5], ACC_TSS32 | 2
    jmp pass

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_CODE | DPL3, FLAGS32           ; 0x20
    DESC ABS(tss_main), 0x67, ACC_TSS32, 0              ; 0x28
    DESC ABS(tss_df), 0x67, ACC_TSS32, 0                ; 0x30
    DESC 0x40000, 0x0f, ACC_DATA, 4                     ; 0x38
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 16
tss_main: times 0x68 db 0
tss_df: times 0x68 db 0
align 8
idt: times 32 * 8 db 0
