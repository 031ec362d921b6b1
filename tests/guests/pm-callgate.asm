; Call gates: from ring 3 through a 32-bit and a 16-bit call gate to ring 0, with the stack
; switch from the TSS and the parameter copy; RETF imm16 back to ring 3 with the release on
; both stacks and the nulling of data segments the outer level may not use. Also: IRET to
; ring 3, conforming code keeping CPL 3, and the faults of gates and returns.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
CODE3 equ 0x23
CONF0 equ 0x28          ; conforming code, DPL 0
TSSSEL equ 0x30
GATE32 equ 0x3b         ; DPL 3 call gate to gate32_target, 3 dwords
GATE16 equ 0x43         ; DPL 3 16-bit call gate to gate16_target, 2 words
GATE_DPL0 equ 0x4b      ; DPL 0 call gate: not for ring 3
GATE_NP equ 0x53        ; not present
GATE_SAME equ 0x5b      ; DPL 3 call gate to conforming CONF0: no privilege change
GATE_JMP equ 0x63       ; DPL 3 call gate to jmp_target in CONF0
TSS_TS equ 0x68         ; the task that handles #TS

STACK0 equ 0x80000
STACK3 equ 0xf000

start:
    ENTER_PM

bits 32
pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK0
    mov ebx, idt
    mov cx, CODE0
    call install_stubs
    mov dword [tss + 4], STACK0         ; ESP0
    mov dword [tss + 8], DATA0          ; SS0
    mov ax, TSSSEL
    ltr ax
    ; #TS goes through a task gate to ts_task
    mov word [idt + 10 * 8 + 2], TSS_TS
    mov word [idt + 10 * 8 + 4], ACC_TASK << 8
    mov dword [tss_ts + 0x20], ts_task
    mov dword [tss_ts + 0x24], 2
    mov dword [tss_ts + 0x38], 0x68000
    mov dword [tss_ts + 0x4c], CODE0
    mov dword [tss_ts + 0x50], DATA0
    mov dword [tss_ts + 0x54], DATA0
    mov dword [tss_ts + 0x48], DATA0
    ; to ring 3 by IRET, with IOPL 3 so ring 3 may use the debug ports
    push dword DATA3
    push dword STACK3
    push dword 0x3002
    push dword CODE3
    push dword ring3
    iret

ring3:
    mov eax, cs
    CHECK eax, CODE3
    mov eax, ss
    CHECK eax, DATA3
    CHECK esp, STACK3
    mov ax, DATA3
    mov ds, ax
    mov es, ax

    ; ---- 32-bit gate: 3 parameters, RETF 12 ----
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    mov ax, DATA3
    mov fs, ax
    mov gs, ax
    mov eax, 0
    mov dword [expect_ret], after_call32
    call GATE32:0xdeadbeef              ; the offset is ignored
after_call32:
    CHECK eax, 0x600d
    CHECK esp, STACK3                   ; RETF 12 released the parameters here too
    mov eax, cs
    CHECK eax, CODE3
    mov eax, ss
    CHECK eax, DATA3
    mov eax, ds                         ; DPL 0 data: nulled
    CHECK eax, 0
    mov eax, es
    CHECK eax, 0
    mov eax, gs                         ; DPL 0 code: nulled
    CHECK eax, 0
    mov eax, fs                         ; DPL 3 data: kept
    CHECK eax, DATA3
    mov ax, DATA3
    mov ds, ax
    mov es, ax

    ; ---- 16-bit gate: 2 words, RETF 4 (16-bit) ----
    push word 0xaaaa
    push word 0xbbbb
    mov eax, 0
    call GATE16:0
after_call16:
    CHECK eax, 0x1616
    CHECK esp, STACK3
    mov eax, cs
    CHECK eax, CODE3
    mov eax, ss
    CHECK eax, DATA3

    ; ---- conforming code: same privilege, directly and through a gate ----
    call CONF0:conf_target
    CHECK eax, CONF0 | 3                ; CPL stays 3
    call GATE_SAME:0
    CHECK eax, CONF0 | 3
    CHECK esp, STACK3
    mov eax, 0
    jmp GATE_JMP:0
after_jmp:
    CHECK eax, CONF0 | 3
    CHECK esp, STACK3

    ; ---- #TS: SS0 has RPL 3; the #TS task repairs it and the CALL runs again ----
    mov dword [tss + 8], DATA3
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    mov eax, 0
    mov dword [expect_ret], after_call_ts
call_ts_at:
    call GATE32:0
after_call_ts:
    CHECK eax, 0x600d
    CHECK esp, STACK3
    mov ax, DATA3
    mov ds, ax
    mov es, ax
    CHECK dword [ts_count], 1

    ; ---- faults ----
    FAULT 13, GATE_DPL0 & ~3, {call GATE_DPL0:0}
    FAULT 11, GATE_NP & ~3, {call GATE_NP:0}
    FAULT 13, CODE0, {jmp GATE32:0}             ; JMP cannot change privilege
    FAULT 13, CODE0, {call CODE0:0}             ; straight to a ring-0 segment
    FAULT 13, CODE0, {push dword CODE0}, {push dword 0}, {retf}   ; RETF inward
    CHECK esp, STACK3 - 8
    add esp, 8
    jmp pass

; The 32-bit gate's target, at CPL 0 on the TSS stack.
gate32_target:
    mov eax, cs
    cmp eax, CODE0
    jne .bad1
    mov eax, ss
    cmp eax, DATA0
    jne .bad2
    cmp esp, STACK0 - 28
    jne .bad3
    mov eax, [esp]
    cmp eax, [expect_ret]
    jne .bad4
    cmp dword [esp + 4], CODE3
    jne .bad4
    cmp dword [esp + 8], 0x33333333
    jne .bad5
    cmp dword [esp + 12], 0x22222222
    jne .bad5
    cmp dword [esp + 16], 0x11111111
    jne .bad5
    cmp dword [esp + 20], STACK3 - 12
    jne .bad6
    cmp dword [esp + 24], DATA3
    jne .bad6
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ax, CODE0
    mov gs, ax
    mov eax, 0x600d
    retf 12
.bad1: mov eax, 101
    jmp fail
.bad2: mov eax, 102
    jmp fail
.bad3: mov eax, 103
    jmp fail
.bad4: mov eax, 104
    jmp fail
.bad5: mov eax, 105
    jmp fail
.bad6: mov eax, 106
    jmp fail

; The 16-bit gate's target (in 32-bit code): a frame of words.
gate16_target:
    cmp esp, STACK0 - 12
    jne .bad
    cmp word [esp], after_call16
    jne .bad
    cmp word [esp + 2], CODE3
    jne .bad
    cmp word [esp + 4], 0xbbbb
    jne .bad
    cmp word [esp + 6], 0xaaaa
    jne .bad
    cmp word [esp + 8], STACK3 - 4
    jne .bad
    cmp word [esp + 10], DATA3
    jne .bad
    mov eax, 0x1616
    o16 retf 4
.bad:
    mov eax, 107
    jmp fail

conf_target:
    mov eax, cs
    retf

; #TS through the task gate: the error code names SS0; the CALL is the saved EIP.
ts_task:
    pop eax
    CHECK eax, DATA3 & ~3
    CHECK dword [tss + 0x20], call_ts_at
    CHECK dword [tss + 0x4c], CODE3
    mov dword [tss + 8], DATA0
    inc dword [ts_count]
    iret
    jmp ts_task

jmp_target:
    mov eax, cs
    jmp CODE3:after_jmp

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_CODE | DPL3, FLAGS32           ; 0x20
    DESC 0, 0xfffff, 0x9e, FLAGS32                      ; 0x28 conforming
    DESC ABS(tss), 0x67, ACC_TSS32, 0                   ; 0x30
    GATE CODE0, ABS(gate32_target), ACC_CALL32 | DPL3, 3   ; 0x38
    GATE CODE0, ABS(gate16_target), ACC_CALL16 | DPL3, 2   ; 0x40
    GATE CODE0, ABS(gate32_target), ACC_CALL32, 0          ; 0x48
    GATE CODE0, ABS(gate32_target), (ACC_CALL32 | DPL3) & 0x7f, 0   ; 0x50
    GATE CONF0, ABS(conf_target), ACC_CALL32 | DPL3, 0     ; 0x58
    GATE CONF0, ABS(jmp_target), ACC_CALL32 | DPL3, 0      ; 0x60
    DESC ABS(tss_ts), 0x67, ACC_TSS32, 0                   ; 0x68
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
tss: times 0x68 db 0
tss_ts: times 0x68 db 0
ts_count: dd 0
expect_ret: dd 0
idt: times 32 * 8 db 0
