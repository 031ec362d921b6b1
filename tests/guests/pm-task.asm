; Hardware task switches: JMP to a TSS and back (busy bits move, no NT, no back link), CALL
; through a task gate and IRET back (NT and the back link), INT through a task gate, an
; exception through a task gate with its error code on the new task's stack, a 16-bit TSS,
; the state saved in the outgoing TSS, LDTR and CR0.TS; and the faults of busy,
; not-present and too-short TSSs.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
TSS_A equ 0x20
TSS_B equ 0x28
TSS_D equ 0x30
TSS_E equ 0x38
GATE_B equ 0x40         ; task gate to TSS_B
LDT_B equ 0x48
TSS_SHORT equ 0x50      ; limit 0x50: too short for a 32-bit TSS
TSS_NP equ 0x58         ; not present
TSS_F equ 0x60          ; 16-bit TSS
GATE_A equ 0x68         ; task gate to TSS_A (busy while A runs)
TSS_G equ 0x70          ; runs with another page directory

PD1 equ 0x100000        ; identity map of the first 4 MiB
PT1 equ 0x101000
PD2 equ 0x102000        ; the same, but linear 0x200000 -> physical 0x300000
PT2 equ 0x103000
MARK equ 0x200000

; TSS fields (32-bit format)
T_LINK equ 0x00
T_CR3 equ 0x1c
T_EIP equ 0x20
T_EFLAGS equ 0x24
T_EAX equ 0x28
T_EBX equ 0x34
T_ESP equ 0x38
T_ES equ 0x48
T_CS equ 0x4c
T_SS equ 0x50
T_DS equ 0x54
T_FS equ 0x58
T_GS equ 0x5c
T_LDT equ 0x60

start:
    ENTER_PM

bits 32
; Fills the 32-bit TSS at EDI to start at EBX with stack ESI, flat ring-0 segments.
init_tss:
    mov [edi + T_EIP], ebx
    mov [edi + T_ESP], esi
    mov dword [edi + T_EFLAGS], 2
    mov dword [edi + T_CS], CODE0
    mov dword [edi + T_SS], DATA0
    mov dword [edi + T_DS], DATA0
    mov dword [edi + T_ES], DATA0
    mov dword [edi + T_FS], DATA3
    mov dword [edi + T_GS], DATA3
    ret

pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x70000
    mov ebx, idt
    mov cx, CODE0
    call install_stubs
    ; INT 0x20 is a task gate to TSS_D
    mov word [idt + 0x20 * 8 + 2], TSS_D
    mov word [idt + 0x20 * 8 + 4], ACC_TASK << 8
    mov edi, tss_b
    mov ebx, task_b
    mov esi, 0x60000
    call init_tss
    mov dword [tss_b + T_EBX], 0x12345678
    mov dword [tss_b + T_LDT], LDT_B
    mov edi, tss_d
    mov ebx, task_d
    mov esi, 0x58000
    call init_tss
    mov edi, tss_e
    mov ebx, task_e
    mov esi, 0x50000
    call init_tss
    ; the 16-bit TSS of task F
    mov word [tss_f + 0x0e], task_f
    mov word [tss_f + 0x10], 2
    mov word [tss_f + 0x18], 0x5a5a         ; BX
    mov word [tss_f + 0x22], DATA0
    mov word [tss_f + 0x24], CODE0
    mov word [tss_f + 0x26], DATA0
    mov word [tss_f + 0x28], DATA0

    mov ax, TSS_A
    ltr ax
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32 | 2

    ; ---- JMP to TSS_B, which JMPs back ----
    mov eax, 0xaaaa0001
    jmp TSS_B:0
a_after_jmp:
    CHECK eax, 0xaaaa0001
    str ax
    CHECK ax, TSS_A
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32 | 2
    CHECK byte [gdt + TSS_B + 5], ACC_TSS32
    sldt ax
    CHECK ax, 0
    CHECK dword [tss_b + T_EIP], b_after_jmp
    CHECK dword [tss_b + T_EBX], 0xbbbb0002
    CHECK dword [tss_b + T_LINK], 0
    mov eax, cr0
    test al, 8                              ; CR0.TS
    FAILIF jz
    clts

    ; ---- CALL through a task gate; task B returns with IRET ----
    mov eax, 0
    call GATE_B:0
    CHECK eax, 0                            ; our own registers come back from TSS_A
    CHECK dword [result], 0xbbbb0003
    pushfd
    pop eax
    test eax, 0x4000                        ; NT back to A's own value
    FAILIF jnz
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32 | 2
    CHECK byte [gdt + TSS_B + 5], ACC_TSS32
    str ax
    CHECK ax, TSS_A

    ; ---- INT through a task gate ----
    int 0x20
    CHECK dword [result], 0xdddd0001
    CHECK byte [gdt + TSS_D + 5], ACC_TSS32

    ; ---- a 16-bit TSS ----
    call TSS_F:0
    CHECK dword [result], 0xf00f
    CHECK byte [gdt + TSS_F + 5], 0x81

    ; ---- faults ----
    FAULT 13, TSS_A, {jmp TSS_A:0}          ; busy: the current task
    FAULT 13, TSS_A, {call GATE_A:0}
    FAULT 10, TSS_SHORT, {jmp TSS_SHORT:0}
    FAULT 11, TSS_NP, {call TSS_NP:0}
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32 | 2

    ; ---- #GP through a task gate: the error code is on task E's stack ----
    mov word [idt + 13 * 8 + 2], TSS_E
    mov word [idt + 13 * 8 + 4], ACC_TASK << 8
    mov ax, 0x7ff8
gp_at:
    mov es, ax
    CHECK eax, 0xeeee0001                   ; task E moved our EIP past the fault

    ; ---- CR3 comes from the new TSS, with a TLB flush ----
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 12
    or eax, 3
    mov [PT1 + ecx * 4], eax
    mov [PT2 + ecx * 4], eax
    inc ecx
    cmp ecx, 1024
    jb .fill
    mov dword [PT2 + (MARK >> 12) * 4], 0x300000 | 3
    mov dword [PD1], PT1 | 3
    mov dword [PD2], PT2 | 3
    mov dword [MARK], 0x11111111
    mov dword [0x300000], 0x22222222
    mov edi, tss_g
    mov ebx, task_g
    mov esi, 0x48000
    call init_tss
    mov dword [tss_g + T_CR3], PD2
    mov dword [tss_a + T_CR3], PD1
    mov eax, PD1
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    CHECK dword [MARK], 0x11111111          ; now in the TLB
    call TSS_G:0
    CHECK dword [result], 0x22222222
    mov eax, cr3
    CHECK eax, PD1
    CHECK dword [MARK], 0x11111111
    jmp pass

; ---- task B ----
task_b:
    str ax
    CHECK ax, TSS_B
    CHECK ebx, 0x12345678
    sldt ax
    CHECK ax, LDT_B
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32  ; JMP cleared the old busy bit
    CHECK byte [gdt + TSS_B + 5], ACC_TSS32 | 2
    CHECK dword [tss_a + T_EIP], a_after_jmp
    CHECK dword [tss_a + T_EAX], 0xaaaa0001
    CHECK dword [tss_a + T_CS], CODE0
    CHECK dword [tss_a + T_SS], DATA0
    CHECK dword [tss_b + T_LINK], 0
    pushfd
    pop eax
    test eax, 0x4000
    FAILIF jnz
    mov ebx, 0xbbbb0002
    jmp TSS_A:0
b_after_jmp:
    ; second run, by CALL through GATE_B
    pushfd
    pop eax
    test eax, 0x4000
    FAILIF jz
    CHECK dword [tss_b + T_LINK], TSS_A
    CHECK byte [gdt + TSS_A + 5], ACC_TSS32 | 2
    CHECK byte [gdt + TSS_B + 5], ACC_TSS32 | 2
    mov dword [result], 0xbbbb0003
    iret

; ---- task D: INT 0x20 ----
task_d:
    pushfd
    pop eax
    test eax, 0x4000
    FAILIF jz
    CHECK dword [tss_d + T_LINK], TSS_A
    CHECK byte [gdt + TSS_D + 5], ACC_TSS32 | 2
    CHECK esp, 0x58000
    mov dword [result], 0xdddd0001
    iret

; ---- task E: #GP, error code on the stack ----
task_e:
    CHECK esp, 0x50000 - 4
    pop eax
    CHECK eax, 0x7ff8
    CHECK dword [tss_a + T_EIP], gp_at
    mov dword [tss_a + T_EIP], gp_at + 2
    mov dword [tss_a + T_EAX], 0xeeee0001
    iret

; ---- task F: 16-bit TSS ----
task_f:
    pushfd
    pop eax
    test eax, 0x4000
    FAILIF jz
    CHECK bx, 0x5a5a
    CHECK word [tss_f], TSS_A
    CHECK byte [gdt + TSS_F + 5], 0x83
    mov dword [result], 0xf00f
    iret

; ---- task G: another address space ----
task_g:
    mov eax, cr3
    CHECK eax, PD2
    mov eax, [MARK]
    mov [result], eax
    iret

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC ABS(tss_a), 0x67, ACC_TSS32, 0                 ; 0x20
    DESC ABS(tss_b), 0x67, ACC_TSS32, 0                 ; 0x28
    DESC ABS(tss_d), 0x67, ACC_TSS32, 0                 ; 0x30
    DESC ABS(tss_e), 0x67, ACC_TSS32, 0                 ; 0x38
    GATE TSS_B, 0, ACC_TASK, 0                          ; 0x40
    DESC ABS(ldt_b), 0x7, ACC_LDT, 0                    ; 0x48
    DESC ABS(tss_e), 0x50, ACC_TSS32, 0                 ; 0x50
    DESC ABS(tss_e), 0x67, ACC_TSS32 & 0x7f, 0          ; 0x58
    DESC ABS(tss_f), 0x2b, 0x81, 0                      ; 0x60
    GATE TSS_A, 0, ACC_TASK, 0                          ; 0x68
    DESC ABS(tss_g), 0x67, ACC_TSS32, 0                 ; 0x70
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 0x21 * 8 - 1
    dd idt

result: dd 0
align 8
ldt_b: DESC 0x30000, 0xfff, ACC_DATA, 4
align 16
tss_a: times 0x68 db 0
tss_b: times 0x68 db 0
tss_d: times 0x68 db 0
tss_e: times 0x68 db 0
tss_g: times 0x68 db 0
tss_f: times 0x2c db 0
align 8
idt: times 0x21 * 8 db 0
