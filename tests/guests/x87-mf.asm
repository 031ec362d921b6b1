; #MF in native mode (Intel SDM vol. 3A 6.15 interrupt 16 and 2.5 CR0.NE; vol. 1 8.6-8.7):
; an unmasked x87 exception is recorded by the instruction that caused it and reported as
; #MF at the next waiting x87 instruction (or WAIT, or MMX instruction), not before; the
; no-wait instructions between run. The handler's FNSTENV shows the faulting instruction's
; FIP (pointing at its prefix), FCS, FOP and its operand's FDP and FDS; the operands of an
; unmasked divide-by-zero stay unchanged. FLDCW unmasking a raised flag makes it pending;
; FNCLEX and FNINIT clear it. The FERR#/IRQ13 path (CR0.NE = 0) waits for the PIC; the
; CPU side is covered by tests/test-x87.c.
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b
DATA2 equ 0x20          ; a second flat data selector, for FDS

%define FSW_B 0x8000
%define FSW_ES 0x0080

start:
    ENTER_PM

bits 32
; Arms the exception stubs: the next exception resumes at %1.
%macro EXPECT 1
    mov dword [resume], %1
    mov dword [got_vec], 0xff
%endmacro

; Back from a stub: DS is the flat ring-0 data segment again, and the exception was #MF
; raised at the instruction labelled %1.
%macro GOT_MF 1
    mov ax, DATA0
    mov ds, ax
    mov dword [resume], 0
    CHECK dword [got_vec], 16
    CHECK dword [got_eip], %1
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
    mov eax, cr0
    and eax, ~0xc               ; EM and TS clear
    or eax, 0x22                ; NE and MP
    mov cr0, eax

    ; ---- 1. ZE at an FDIV with a memory operand, reported at the next FLD1 ----
    fninit
    fldcw [cw_ze]
    fld1
    mov ax, DATA2
    mov fs, ax
    EXPECT back1
fault1:
    fdiv dword [fs:zero]        ; 64 D8 35: FOP 035h
    fnstsw ax                   ; no-wait: runs
    mov [sw1], ax
    nop
wait1:
    fld1
    mov eax, 100
    jmp fail
back1:
    GOT_MF wait1
    CHECK word [sw1], FSW_B | 0x3800 | FSW_ES | 0x04
    fnstenv [env]
    CHECK word [env], 0x037b
    CHECK word [env + 4], FSW_B | 0x3800 | FSW_ES | 0x04
    CHECK dword [env + 12], fault1
    CHECK word [env + 16], CODE0
    CHECK word [env + 18], 0x035
    CHECK dword [env + 20], zero
    CHECK word [env + 24], DATA2
    fnstcw [cw_out]             ; FNSTENV masked everything, which dropped ES
    CHECK word [cw_out], 0x037f
    fnstsw ax
    test ax, FSW_ES | FSW_B
    FAILIF jnz
    fstp qword [out]            ; no result was stored: ST(0) is still 1.0
    CHECK dword [out + 4], 0x3ff00000
    CHECK dword [out], 0

    ; ---- 2. a stack underflow reported at WAIT; FNINIT then clears it ----
    fninit
    fldcw [cw_ie]
fault2:
    fadd st0, st3               ; D8 C3, empty: IE and SF unmasked
    mov eax, 1
    EXPECT back2
wait2:
    fwait
    mov eax, 101
    jmp fail
back2:
    GOT_MF wait2
    fnstenv [env]
    CHECK dword [env + 12], fault2
    CHECK word [env + 18], 0x0c3
    CHECK word [env + 4], FSW_B | FSW_ES | 0x41
    fninit
    fldcw [cw_ie]
    fwait                       ; nothing pending any more
    fld1

    ; ---- 3. FLDCW unmasking a raised flag makes it pending ----
    fninit
    fld1
    fdiv dword [zero]           ; masked: ST(0) = +inf, ZE set
    fldcw [cw_ze]               ; nothing pending before it: it runs
    fnstsw ax
    CHECK ax, FSW_B | 0x3800 | FSW_ES | 0x04
    EXPECT back3
wait3:
    fchs
    mov eax, 102
    jmp fail
back3:
    GOT_MF wait3

    ; ---- 4. an MMX instruction waits too ----
    fnclex
    fld1
    fdiv dword [zero]
    EXPECT back4
wait4:
    movq mm0, mm1
    mov eax, 103
    jmp fail
back4:
    GOT_MF wait4

    ; ---- 5. FNCLEX clears the condition; FNSTSW/FNSTCW/FNSTENV never wait ----
    fnclex
    fld1
    fdiv dword [zero]
    fnstcw [cw_out]
    fnstsw ax
    fnclex
    fld1
    fwait
    fninit

    ; ---- 6. an unmasked exception in a store: nothing written, nothing popped ----
    fldcw [cw_oe]
    fld qword [big]
fault6:
    fstp dword [out2]           ; D9 1D: overflow, unmasked
    EXPECT back6
wait6:
    fwait
    mov eax, 104
    jmp fail
back6:
    GOT_MF wait6
    fnstenv [env]
    CHECK dword [out2], 0
    mov ax, [env + 4]
    and ax, ~0x0200             ; C1 (rounding direction) is not the point here
    CHECK ax, FSW_B | FSW_ES | 0x3800 | 0x08
    CHECK word [env + 18], 0x11d
    CHECK dword [env + 20], out2
    CHECK word [env + 24], DATA0
    fninit
    jmp pass

align 4
cw_ze: dw 0x037b                ; ZE unmasked
cw_ie: dw 0x037e                ; IE unmasked
cw_oe: dw 0x0377                ; OE unmasked
cw_out: dw 0
sw1: dw 0
zero: dd 0
align 8
big: dq 1.0e300
out: dq 0
out2: dq 0
env: times 28 db 0

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
