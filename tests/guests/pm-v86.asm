; Virtual-8086 mode: entered by IRET from ring 0 (the v86 frame: segments loaded real-mode
; style), INT n with IOPL 3 through a DPL 3 gate to the ring-0 monitor with the v86 frame
; (GS FS DS ES SS ESP EFLAGS CS EIP; data segments null in the handler) and reflected to
; the real-mode vector, IRET inside v8086 mode with IOPL 3; then with IOPL 0: INT n and
; IRET raise #GP(0) with EIP at the instruction and the monitor emulates them; INT3 is not
; IOPL-sensitive; HLT ends the v86 part.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
TSSSEL equ 0x20

STACK0 equ 0x80000
V86_SP equ 0xe000
FL_VM equ 0x20000

; the v86 frame on the ring-0 stack, after PUSHAD (32 bytes)
F_EIP equ 32 + 0
F_CS equ 32 + 4
F_EFLAGS equ 32 + 8
F_ESP equ 32 + 12
F_SS equ 32 + 16
F_ES equ 32 + 20
F_DS equ 32 + 24
F_FS equ 32 + 28
F_GS equ 32 + 32

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    ; real-mode vector 0x21 for the v86 code
    mov word [0x21 * 4], v86_int21
    mov word [0x21 * 4 + 2], 0
    lgdt [gdt_ptr]
    lidt [idt_ptr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword CODE0:pm_entry

; ---- the virtual-8086 program (CS = 0) ----
v86_entry:
    mov ax, ds
    cmp ax, 0x1234
    jne v86_fail
    mov ax, es
    cmp ax, 0x2345
    jne v86_fail
    mov ax, fs
    cmp ax, 0x3456
    jne v86_fail
    mov word [0], 0xbeef            ; DS base 0x12340
    pushf
    pop ax
    and ax, 0x3000
    cmp ax, 0x3000                  ; IOPL 3
    jne v86_fail
    ; IOPL 3: INT n goes through the IDT (DPL 3 gate); the monitor reflects it
    xor ax, ax
v86_int21_call:
    int 0x21
    cmp ax, 0x2121
    jne v86_fail
    ; POPF cannot change IOPL in v8086 mode
    push word 0x0202
    popf
    pushf
    pop ax
    and ax, 0x3000
    cmp ax, 0x3000
    jne v86_fail
    ; the monitor drops IOPL to 0; INT n and IRET now trap with #GP(0)
    int 0x22
    xor ax, ax
    int 0x21
    cmp ax, 0x2121
    jne v86_fail
    int3                            ; not IOPL-sensitive: through the DPL 3 gate
v86_hlt:
    hlt                             ; #GP: the monitor ends the v86 part
v86_fail:
    int 0x23

v86_int21:
    mov ax, 0x2121
    iret

bits 32
; Sets IDT entry EAX to EBX with access byte DL (selector CODE0).
set_gate:
    mov [idt + eax * 8], bx
    mov word [idt + eax * 8 + 2], CODE0
    mov byte [idt + eax * 8 + 4], 0
    mov [idt + eax * 8 + 5], dl
    shr ebx, 16
    mov [idt + eax * 8 + 6], bx
    ret

pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK0
    mov ebx, idt
    mov cx, CODE0
    call install_stubs
    mov eax, 13
    mov ebx, gp_handler
    mov dl, ACC_INT32
    call set_gate
    mov eax, 3
    mov ebx, int3_handler
    mov dl, ACC_INT32 | DPL3
    call set_gate
    mov eax, 0x21
    mov ebx, int21_handler
    mov dl, ACC_INT32 | DPL3
    call set_gate
    mov eax, 0x22
    mov ebx, int22_handler
    mov dl, ACC_INT32 | DPL3
    call set_gate
    mov eax, 0x23
    mov ebx, int23_handler
    mov dl, ACC_INT32 | DPL3
    call set_gate
    mov dword [tss + 4], STACK0
    mov dword [tss + 8], DATA0
    mov ax, TSSSEL
    ltr ax
    ; IRET to v8086 mode
    push dword 0x4567               ; GS
    push dword 0x3456               ; FS
    push dword 0x1234               ; DS
    push dword 0x2345               ; ES
    push dword 0                    ; SS
    push dword V86_SP               ; ESP
    push dword FL_VM | 0x3002       ; EFLAGS: VM, IOPL 3
    push dword 0                    ; CS
    push dword v86_entry            ; EIP
    iret

; Checks the v86 frame of INT 0x21 and the null data segments, then reflects it.
int21_handler:
    pushad
    mov eax, ds                     ; the data segments were made null
    mov ebx, es
    or eax, ebx
    mov ebx, fs
    or eax, ebx
    mov ebx, gs
    or eax, ebx
    jnz .bad
    mov ebx, cs
    cmp ebx, CODE0
    jne .bad
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    cmp esp, STACK0 - 36 - 32
    jne .bad
    cmp dword [esp + F_EIP], v86_int21_call + 2
    jne .bad
    cmp dword [esp + F_CS], 0
    jne .bad
    test dword [esp + F_EFLAGS], FL_VM
    jz .bad
    cmp dword [esp + F_ESP], V86_SP
    jne .bad
    cmp dword [esp + F_SS], 0
    jne .bad
    cmp dword [esp + F_DS], 0x1234
    jne .bad
    cmp dword [esp + F_ES], 0x2345
    jne .bad
    cmp dword [esp + F_FS], 0x3456
    jne .bad
    cmp dword [esp + F_GS], 0x4567
    jne .bad
    inc dword [int21_gate_count]
    mov ecx, 0x21
    jmp reflect
.bad:
    mov eax, 301
    jmp fail

; Drops IOPL to 0 in the interrupted v86 EFLAGS.
int22_handler:
    and dword [esp + 8], ~0x3000
    iret

; The v86 code failed.
int23_handler:
    mov eax, 302
    jmp fail

int3_handler:
    pushad
    mov ax, DATA0
    mov ds, ax
    movzx eax, word [esp + F_CS]
    shl eax, 4
    add eax, [esp + F_EIP]
    cmp byte [eax - 1], 0xcc        ; EIP is past the INT3
    jne .bad
    test dword [esp + F_EFLAGS], FL_VM
    jz .bad
    inc dword [int3_count]
    popad
    iret
.bad:
    mov eax, 303
    jmp fail

; #GP: from v86 mode, emulate INT n (CD), IRET (CF), and end at HLT (F4).
gp_handler:
    cmp dword [esp], 0
    jne .bad
    add esp, 4
    pushad
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    test dword [esp + F_EFLAGS], FL_VM
    jz .bad
    movzx esi, word [esp + F_CS]
    shl esi, 4
    add esi, [esp + F_EIP]
    mov al, [esi]
    cmp al, 0xcd
    je .int
    cmp al, 0xcf
    je .iret
    cmp al, 0xf4
    je v86_done
.bad:
    mov eax, 304
    jmp fail
.int:
    inc dword [gp_int_count]
    movzx ecx, byte [esi + 1]
    add dword [esp + F_EIP], 2
    cmp ecx, 0x23
    je int23_handler
    jmp reflect
.iret:
    inc dword [gp_iret_count]
    movzx edx, word [esp + F_SS]
    shl edx, 4
    movzx ebx, word [esp + F_ESP]
    movzx eax, word [edx + ebx]         ; IP
    mov [esp + F_EIP], eax
    movzx eax, word [edx + ebx + 2]     ; CS
    mov [esp + F_CS], eax
    movzx eax, word [edx + ebx + 4]     ; FLAGS: IOPL stays the monitor's
    and eax, ~0x3000
    and dword [esp + F_EFLAGS], 0xffff3000
    or [esp + F_EFLAGS], eax
    add bx, 6
    mov [esp + F_ESP], bx
    popad
    iret

; Reflects interrupt ECX to the v86 program's real-mode vector: FLAGS CS IP on its stack.
reflect:
    movzx edx, word [esp + F_SS]
    shl edx, 4
    movzx ebx, word [esp + F_ESP]
    sub bx, 6
    mov [esp + F_ESP], bx
    mov eax, [esp + F_EFLAGS]
    mov [edx + ebx + 4], ax
    mov eax, [esp + F_CS]
    mov [edx + ebx + 2], ax
    mov eax, [esp + F_EIP]
    mov [edx + ebx], ax
    movzx eax, word [ecx * 4]
    mov [esp + F_EIP], eax
    movzx eax, word [ecx * 4 + 2]
    mov [esp + F_CS], eax
    and dword [esp + F_EFLAGS], ~0x300  ; IF, TF
    popad
    iret

v86_done:
    mov ax, DATA3
    mov ds, ax
    CHECK dword [int21_gate_count], 1
    CHECK dword [gp_int_count], 1
    CHECK dword [gp_iret_count], 1
    CHECK dword [int3_count], 1
    CHECK word [0x12340], 0xbeef
    movzx eax, word [esp + F_CS]
    shl eax, 4
    add eax, [esp + F_EIP]
    CHECK eax, v86_hlt
    jmp pass

%include "pm-runtime.inc"

int21_gate_count: dd 0
gp_int_count: dd 0
gp_iret_count: dd 0
int3_count: dd 0

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC ABS(tss), 0x67, ACC_TSS32, 0                   ; 0x20
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 0x24 * 8 - 1
    dd idt

align 8
tss: times 0x68 db 0
idt: times 0x24 * 8 db 0
