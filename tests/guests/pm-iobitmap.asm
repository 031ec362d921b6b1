; IN/OUT at CPL 3 with IOPL 0 go through the TSS I/O permission bitmap (Intel SDM vol. 1,
; 19.5): allowed ports work, denied ones raise #GP(0), an access whose bytes span an
; allowed and a denied port faults, ports beyond the bitmap (TSS limit) fault, INS/OUTS
; are checked too, and CLI at CPL 3 > IOPL faults. With IOPL 3 no bitmap is consulted.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
CODE3 equ 0x23
TSSSEL equ 0x28

STACK0 equ 0x80000
STACK3 equ 0x90000
IOMAP_BYTES equ 0x80          ; ports 0-0x3ff; the TSS limit ends the map there

start:
    ENTER_PM

bits 32
; Clears the bitmap bit of port EAX (allows it).
allow_port:
    btr [iomap], eax
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
    mov dword [tss + 4], STACK0
    mov dword [tss + 8], DATA0
    mov word [tss + 0x66], iomap - tss
    mov edi, iomap
    mov al, 0xff
    mov ecx, IOMAP_BYTES
    rep stosb
    mov eax, 0xe9                       ; debug console
    call allow_port
    mov eax, 0xf4                       ; debug exit
    call allow_port
    mov eax, 0x92                       ; port 0x92 only, not 0x93
    call allow_port
    mov ax, TSSSEL
    ltr ax

    push dword DATA3
    push dword STACK3
    push dword 0x0002                   ; IOPL 0, IF clear
    push dword CODE3
    push dword ring3
    iret

ring3:
    mov ax, DATA3
    mov ds, ax
    mov es, ax
    in al, 0x92                         ; allowed
    FAULT 13, 0, {in al, 0x93}          ; denied
    FAULT 13, 0, {in ax, 0x92}          ; 0x92 allowed, 0x93 denied
    FAULT 13, 0, {mov dx, 0x70}, {in al, dx}
    FAULT 13, 0, {mov dx, 0x400}, {in al, dx}   ; past the end of the map
    mov dx, 0x92
    mov edi, scratch
    insb                                ; INS checks the same bitmap
    FAULT 13, 0, {mov dx, 0x93}, {insb}
    FAULT 13, 0, {cli}                  ; CPL 3 > IOPL 0
    mov al, 'o'
    out 0xe9, al

    ; Back to ring 0 through a call gate, to return to ring 3 with IOPL 3.
    call CALLGATE:0
    ; unreachable
    jmp fail

ring0_again:
    ; Entered through the call gate at CPL 0: IRET to ring 3 with IOPL 3.
    mov ax, DATA0
    mov ds, ax
    push dword DATA3
    push dword STACK3
    push dword 0x3002                   ; IOPL 3
    push dword CODE3
    push dword ring3_iopl3
    iret

ring3_iopl3:
    mov ax, DATA3
    mov ds, ax
    in al, 0x93                         ; IOPL 3: the bitmap is not consulted
    mov dx, 0x400
    in al, dx
    cli
    jmp pass

%include "pm-runtime.inc"

CALLGATE equ 0x30

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_CODE | DPL3, FLAGS32           ; 0x20
    DESC ABS(tss), tss_end - tss - 1, ACC_TSS32, 0      ; 0x28
    GATE CODE0, ABS(ring0_again), ACC_CALL32 | DPL3, 0  ; 0x30
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
idt: times 32 * 8 db 0
scratch: dd 0
align 4
tss: times 0x68 db 0
iomap: times IOMAP_BYTES db 0xff
tss_end:
