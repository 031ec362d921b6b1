; System instructions from the guest's side (Intel SDM vol. 2 CPUID, LGDT/SGDT, SMSW,
; LMSW, MOV CR, RDMSR/WRMSR, RDTSC; vol. 3A 9.9.1 switching to protected mode): CPUID and
; descriptor-table checks in real mode, then MOV CR0 into protected mode and, with an
; IDT catching #GP and #UD, the control-register and MSR rules from inside.
%include "harness.inc"
bits 16
org 0x7c00

%define CODE_SEL 0x08
%define DATA_SEL 0x10
%define SCRATCH 0x6000          ; SGDT output

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000

    ; 1. CPUID leaf 0: highest basic leaf 2, "GenuineIntel".
    xor eax, eax
    cpuid
    cmp eax, 2
    CHECK e, 1
    cmp ebx, 'Genu'
    CHECK e, 2
    cmp edx, 'ineI'
    CHECK e, 3
    cmp ecx, 'ntel'
    CHECK e, 4

    ; 2. Leaf 1: family 6 model 3 stepping 3 with TSC, MSR, SEP, PGE; no VME or APIC.
    mov eax, 1
    cpuid
    cmp eax, 0x633
    CHECK e, 5
    mov eax, edx
    and eax, (1 << 4) | (1 << 5) | (1 << 11) | (1 << 13)
    cmp eax, (1 << 4) | (1 << 5) | (1 << 11) | (1 << 13)
    CHECK e, 6
    test edx, (1 << 1) | (1 << 9)
    CHECK z, 7

    ; 3. The brand string starts "wirt virtual CPU"; an unknown leaf gives leaf 2.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000004
    CHECK e, 8
    mov eax, 0x80000002
    cpuid
    cmp eax, 'wirt'
    CHECK e, 9
    cmp edx, ' CPU'
    CHECK e, 10
    mov eax, 2
    cpuid
    mov esi, eax
    mov eax, 0x1234
    cpuid
    cmp eax, esi
    CHECK e, 11

    ; 4. LGDT/SGDT round trip with a 32-bit operand size.
    o32 lgdt [gdt_ptr]
    o32 sgdt [SCRATCH]
    mov ax, [SCRATCH]
    cmp ax, gdt_end - gdt - 1
    CHECK e, 12
    mov eax, [SCRATCH + 2]
    cmp eax, gdt
    CHECK e, 13

    ; 5. Real mode: RDMSR of the TSC works at "CPL 0"; MTRRcap reads 0x508.
    mov ecx, 0xfe
    rdmsr
    cmp eax, 0x508
    CHECK e, 14

    ; 6. Into protected mode by MOV CR0, then a far jump to 32-bit code.
    mov eax, cr0
    or al, 1
    mov cr0, eax
    smsw ax
    test al, 1
    CHECK nz, 15
    jmp CODE_SEL:pm32

bits 32
pm32:
    mov ax, DATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    lidt [idt_ptr]

    ; 7. An unknown MSR, EFER (no long mode or NX), and writing MTRRcap raise #GP.
    mov ecx, 0x12345
    mov dword [resume], .after_unknown
    rdmsr
    jmp fail16
.after_unknown:
    mov ecx, 0xc0000080
    mov dword [resume], .after_efer
    rdmsr
    jmp fail17
.after_efer:
    mov ecx, 0xfe
    mov eax, 0x508
    xor edx, edx
    mov dword [resume], .after_mtrrcap
    wrmsr
    jmp fail18
.after_mtrrcap:
    cmp dword [gp_count], 3
    CHECK e, 19

    ; 8. WRMSR TSC sets the counter (its low 32 bits); RDTSC then counts up from there.
    mov ecx, 0x10
    mov eax, 0x40000000
    mov edx, 0x12
    wrmsr
    rdtsc
    test edx, edx
    CHECK z, 20
    cmp eax, 0x40000000
    CHECK a, 21
    cmp eax, 0x40100000
    CHECK b, 22
    mov esi, eax
    rdtsc
    cmp eax, esi
    CHECK a, 23

    ; 9. CR4: PSE and PGE stick; a reserved bit and VME raise #GP.
    mov eax, (1 << 4) | (1 << 7)
    mov cr4, eax
    mov ebx, cr4
    cmp ebx, eax
    CHECK e, 24
    mov eax, 1 << 11
    mov dword [resume], .after_cr4
    mov cr4, eax
    jmp fail25
.after_cr4:
    mov eax, 1
    mov dword [resume], .after_vme
    mov cr4, eax
    jmp fail26
.after_vme:
    cmp dword [gp_count], 5
    CHECK e, 27
    mov ebx, cr4
    cmp ebx, (1 << 4) | (1 << 7)
    CHECK e, 28

    ; 10. CR0: PG without PE is #GP; LMSW cannot leave protected mode; CR1 is #UD.
    mov eax, cr0
    and eax, ~1
    or eax, 0x80000000
    mov dword [resume], .after_pg
    mov cr0, eax
    jmp fail29
.after_pg:
    xor eax, eax
    lmsw ax
    mov eax, cr0
    test al, 1
    CHECK nz, 30
    mov dword [resume], .after_cr1
    mov eax, cr1
    jmp fail31
.after_cr1:
    cmp dword [ud_count], 1
    CHECK e, 32

    PASS

fail16: FAIL 16
fail17: FAIL 17
fail18: FAIL 18
fail25: FAIL 25
fail26: FAIL 26
fail29: FAIL 29
fail31: FAIL 31

; #GP and #UD handlers: count, then resume at [resume] (the expected-fault continuation).
gp_handler:
    add esp, 4                  ; error code
    inc dword [gp_count]
    jmp resume_at
ud_handler:
    inc dword [ud_count]
resume_at:
    push eax
    mov eax, [resume]
    mov [esp + 4], eax
    pop eax
    iret

other_handler:
    FAIL 100

align 4
resume: dd 0
gp_count: dd 0
ud_count: dd 0

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: flat 32-bit code, DPL 0
    dq 0x00cf92000000ffff       ; 0x10: flat 32-bit data, DPL 0
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt

%define HANDLER(h) ((h) - $$ + 0x7c00)
%macro GATE 1
    dw HANDLER(%1) & 0xffff
    dw CODE_SEL
    dw 0x8e00                   ; present 32-bit interrupt gate, DPL 0
    dw HANDLER(%1) >> 16
%endmacro

align 8
idt:
%assign v 0
%rep 32
%if v == 6
    GATE ud_handler
%elif v == 13
    GATE gp_handler
%else
    GATE other_handler
%endif
%assign v v + 1
%endrep
idt_end:

idt_ptr:
    dw idt_end - idt - 1
    dd idt
