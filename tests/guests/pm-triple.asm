; Triple fault: protected mode with an empty IDT. #UD cannot be delivered (#GP), nor can
; that #GP, which becomes #DF, whose delivery fails too: the processor shuts down. wirt
; reports the triple fault; with --no-reboot the run ends there. Reaching the end of this
; guest, or an exit code through port 0xf4, means the shutdown did not happen.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b

start:
    ENTER_PM

bits 32
pm_entry:
    mov ax, DATA0
    mov ds, ax
    mov ss, ax
    mov esp, 0x70000
    mov esi, msg_going
    call print
    ud2
    mov eax, 1                          ; not reached
    jmp fail

msg_going: db "pm-triple: expect a triple fault now", 10, 0

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
idt_ptr:                                ; an IDT with no entries
    dw 0
    dd 0
