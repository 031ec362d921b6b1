; Interrupts in protected mode: INT n from ring 3 through a 32-bit interrupt gate (IF
; cleared), a 32-bit trap gate (IF kept) and a 16-bit interrupt gate, each with the stack
; switch from the TSS, and IRET back to ring 3 (data segments nulled). Faults: gate DPL
; (#GP(vector*8+2) with EIP at the INT), a missing gate (#NP), the IDT limit, INT3 and
; INTO, the EXT bit when delivering an exception fails, #SS at ring 3, and IRET's rules for
; IOPL and IF at CPL 3.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
CODE3 equ 0x23
TSSSEL equ 0x28
SMALL3 equ 0x33         ; DPL 3 data at 0x20000, limit 0xff

STACK0 equ 0x80000
STACK3 equ 0xf000
IDT_ENTRIES equ 0x45

start:
    ENTER_PM

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
    mov eax, 0x40
    mov ebx, int_handler
    mov dl, ACC_INT32 | DPL3
    call set_gate
    mov eax, 0x41
    mov ebx, trap_handler
    mov dl, ACC_TRAP32 | DPL3
    call set_gate
    mov eax, 0x42                       ; DPL 0: not for INT from ring 3
    mov ebx, int_handler
    mov dl, ACC_INT32
    call set_gate
    mov eax, 0x43                       ; not present
    mov ebx, int_handler
    mov dl, (ACC_INT32 | DPL3) & 0x7f
    call set_gate
    mov eax, 0x44                       ; 16-bit interrupt gate
    mov ebx, int16_handler
    mov dl, 0x86 | DPL3
    call set_gate
    mov byte [idt + 6 * 8 + 5], ACC_INT32 & 0x7f   ; #UD's gate is missing
    mov dword [tss + 4], STACK0
    mov dword [tss + 8], DATA0
    mov ax, TSSSEL
    ltr ax
    push dword DATA3
    push dword STACK3
    push dword 0x3202                   ; IOPL 3, IF
    push dword CODE3
    push dword ring3
    iret

ring3:
    mov ax, DATA3
    mov ds, ax
    mov es, ax
    mov fs, ax

    ; ---- interrupt gate: IF cleared in the handler, restored by IRET ----
    mov eax, 0
    int 0x40
after_int40:
    CHECK eax, 0x4040
    CHECK esp, STACK3
    mov eax, cs
    CHECK eax, CODE3
    mov eax, ss
    CHECK eax, DATA3
    mov eax, ds                         ; the handler's DPL 0 DS is gone
    CHECK eax, 0
    mov eax, fs
    CHECK eax, DATA3
    pushfd
    pop eax
    and eax, 0x3200
    CHECK eax, 0x3200
    mov ax, DATA3
    mov ds, ax

    ; ---- trap gate: IF kept ----
    mov eax, 0
    int 0x41
after_int41:
    CHECK eax, 0x4141
    CHECK esp, STACK3

    ; ---- 16-bit interrupt gate ----
    mov eax, 0
    int 0x44
after_int44:
    CHECK eax, 0x4444
    CHECK esp, STACK3

    ; ---- delivery faults: EIP points at the INT instruction ----
    FAULT 13, 0x42 * 8 + 2, {int42: int 0x42}
    CHECK dword [got_eip], int42
    FAULT 11, 0x43 * 8 + 2, {int 0x43}
    FAULT 13, 0x50 * 8 + 2, {int 0x50}
    FAULT 13, 3 * 8 + 2, {int3_at: int3}
    CHECK dword [got_eip], int3_at
    FAULT 13, 4 * 8 + 2, {mov al, 0x7f}, {add al, 1}, {into_at: into}
    CHECK dword [got_eip], into_at
    FAULT 13, 3 * 8 + 2, {int 3}
    ; an exception whose gate is missing: #NP with IDT and EXT set
    FAULT 11, 6 * 8 + 2 + 1, {ud_at: ud2}
    CHECK dword [got_eip], ud_at
    ; a ring-3 fault: #GP(0) from HLT
    FAULT 13, 0, {hlt}
    ; #SS(0) on a ring-3 push, delivered on the ring-0 stack
    mov ax, SMALL3
    mov ss, ax
    mov esp, 2
    FAULT 12, 0, {push eax}
    mov eax, esp
    CHECK eax, 2
    mov ax, DATA3
    mov ss, ax
    mov esp, STACK3

    ; ---- IRET at CPL 3 with IOPL 3: IF follows the image, IOPL does not ----
    push dword 0x0002                   ; IOPL 0, IF 0 in the image
    push dword CODE3
    push dword .after_iret
    iret
.after_iret:
    pushfd
    pop eax
    and eax, 0x3200
    CHECK eax, 0x3000
    jmp pass

; INT 0x40: interrupt gate, CPL 0 on the TSS stack.
int_handler:
    cmp esp, STACK0 - 20
    jne .bad
    cmp dword [esp], after_int40
    jne .bad
    cmp dword [esp + 4], CODE3
    jne .bad
    cmp dword [esp + 8], 0x3202
    jne .bad
    cmp dword [esp + 12], STACK3
    jne .bad
    cmp dword [esp + 16], DATA3
    jne .bad
    pushfd
    pop eax
    test eax, 0x200
    jnz .bad
    mov eax, cs
    cmp eax, CODE0
    jne .bad
    mov ax, DATA0
    mov ds, ax
    mov eax, 0x4040
    iret
.bad:
    mov eax, 201
    jmp fail

trap_handler:
    cmp dword [esp], after_int41
    jne .bad
    pushfd
    pop eax
    test eax, 0x200
    jz .bad
    mov eax, 0x4141
    iret
.bad:
    mov eax, 202
    jmp fail

int16_handler:
    cmp esp, STACK0 - 10
    jne .bad
    cmp word [esp], after_int44
    jne .bad
    cmp word [esp + 2], CODE3
    jne .bad
    mov ax, [esp + 4]
    and ax, 0x3200
    cmp ax, 0x3200
    jne .bad
    cmp word [esp + 6], STACK3
    jne .bad
    cmp word [esp + 8], DATA3
    jne .bad
    mov eax, 0x4444
    o16 iret
.bad:
    mov eax, 203
    jmp fail

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_CODE | DPL3, FLAGS32           ; 0x20
    DESC ABS(tss), 0x67, ACC_TSS32, 0                   ; 0x28
    DESC 0x20000, 0xff, ACC_DATA | DPL3, 4              ; 0x30
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw IDT_ENTRIES * 8 - 1
    dd idt

align 8
tss: times 0x68 db 0
idt: times IDT_ENTRIES * 8 db 0
