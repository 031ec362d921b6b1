; Protected-mode entry and segment-register loads: the faults of MOV/POP/LxS to a segment
; register with their error codes (#GP/#NP/#SS), null selectors, LDT selectors, the
; accessed bit, limit and type checks on accesses, far JMP/CALL/RET to code segments, and
; the descriptor instructions (LAR LSL VERR VERW ARPL SLDT STR LLDT LTR).
bits 16
org 0x7c00
%include "pm-lib.inc"

CODE0 equ 0x08
DATA0 equ 0x10
DATA3 equ 0x1b          ; flat DPL 3 data, RPL 3
RODATA equ 0x20
NPDATA equ 0x28
XCODE equ 0x30          ; execute-only code
SMALL equ 0x38          ; data at 0x20000, limit 0xff
LDTSEL equ 0x40
TSSSEL equ 0x48
CODE16 equ 0x50
CONF3 equ 0x58          ; conforming code, DPL 3
DATA3NA equ 0x60        ; DPL 3 data, accessed bit clear
EXPDN equ 0x68          ; expand-down data at 0x20000, limit 0xfff (valid 0x1000-0xffff)
CODE0B equ 0x70         ; a second ring-0 code segment, for far calls
GDT_LIMIT equ 0x77

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
    mov eax, cr0
    CHECK al, 0x11                  ; PE and ET

    ; ---- MOV to DS/ES/FS/GS ----
    FAULT 11, NPDATA, {mov ax, NPDATA}, {mov ds, ax}
    FAULT 13, NPDATA, {mov ax, NPDATA | 3}, {mov ds, ax}   ; RPL > DPL comes first
    FAULT 13, XCODE, {mov ax, XCODE}, {mov es, ax}
    FAULT 13, 0x100, {mov ax, 0x103}, {mov fs, ax}
    FAULT 13, TSSSEL, {mov ax, TSSSEL}, {mov gs, ax}
    FAULT 13, LDTSEL, {mov ax, LDTSEL}, {mov ds, ax}
    ; ---- MOV to SS ----
    FAULT 13, 0, {xor eax, eax}, {mov ss, ax}
    FAULT 13, RODATA, {mov ax, RODATA}, {mov ss, ax}
    FAULT 12, NPDATA, {mov ax, NPDATA}, {mov ss, ax}
    FAULT 13, DATA3 & ~3, {mov ax, DATA3}, {mov ss, ax}
    FAULT 13, DATA0, {mov ax, DATA0 | 3}, {mov ss, ax}
    FAULT 13, CODE0, {mov ax, CODE0}, {mov ss, ax}
    ; ---- POP and LxS take the same path ----
    FAULT 11, NPDATA, {push dword NPDATA}, {pop es}
    CHECK esp, 0x70000 - 4
    add esp, 4
    FAULT 12, NPDATA, {mov dword [farptr + 4], NPDATA}, {lss eax, [farptr]}
    FAULT 13, XCODE, {mov dword [farptr + 4], XCODE}, {lgs eax, [farptr]}

    ; ---- null selectors: loading works, using faults with #GP(0) ----
    mov ax, 3
    mov fs, ax
    mov ax, fs
    CHECK ax, 3
    FAULT 13, 0, {mov eax, [fs:0x1000]}
    FAULT 13, 0, {mov ax, 0}, {mov es, ax}, {mov byte [es:0x1000], 1}

    ; ---- types on access: read-only data, execute-only code, limits ----
    mov ax, RODATA
    mov es, ax
    mov eax, [es:0x7c00]
    FAULT 13, 0, {mov [es:0x1000], eax}
    mov ax, SMALL
    mov es, ax
    mov dword [es:0xfc], 0x12345678
    CHECK dword [0x200fc], 0x12345678
    FAULT 13, 0, {mov eax, [es:0xfd]}
    FAULT 13, 0, {mov al, [es:0x100]}
    mov ax, CONF3               ; readable conforming code is a valid data segment
    mov es, ax
    mov eax, [es:start]
    ; stack limit: #SS(0)
    mov ax, SMALL
    mov ss, ax
    mov esp, 0x100
    push eax
    CHECK esp, 0xfc
    FAULT 12, 0, {mov ebp, 0x100}, {mov eax, [ebp]}
    CHECK esp, 0xfc
    mov ax, DATA0
    mov ss, ax
    mov esp, 0x70000
    ; expand-down: offsets above the limit are valid
    mov ax, EXPDN
    mov es, ax
    mov dword [es:0x1000], 0xcafe
    CHECK dword [0x21000], 0xcafe
    FAULT 13, 0, {mov al, [es:0xfff]}
    FAULT 13, 0, {mov al, [es:0x10000]}

    ; ---- the accessed bit is set in the GDT ----
    test byte [gdt + DATA3NA + 5], 1
    FAILIF jnz
    mov ax, DATA3NA
    mov gs, ax
    test byte [gdt + DATA3NA + 5], 1
    FAILIF jz

    ; ---- LDT ----
    FAULT 13, 0x04, {mov ax, 0x04}, {mov ds, ax}   ; no LDT yet
    mov ax, LDTSEL
    lldt ax
    sldt bx
    CHECK bx, LDTSEL
    mov ax, 0x04 | 3            ; LDT entry 0: DPL 3 data at 0x30000
    mov fs, ax
    mov dword [fs:0x10], 0xabcd
    CHECK dword [0x30010], 0xabcd
    FAULT 13, 0x14, {mov ax, 0x14}, {mov ds, ax}   ; beyond the LDT's limit
    FAULT 11, 0x0c, {mov ax, 0x0c}, {mov ds, ax}   ; entry 1: not present
    FAULT 13, TSSSEL, {mov ax, TSSSEL}, {lldt ax}
    FAULT 13, 4, {mov ax, 4}, {lldt ax}

    ; ---- LTR, STR ----
    FAULT 13, 0, {xor eax, eax}, {ltr ax}
    FAULT 13, LDTSEL, {mov ax, LDTSEL}, {ltr ax}
    mov ax, TSSSEL
    ltr ax
    str bx
    CHECK bx, TSSSEL
    CHECK byte [gdt + TSSSEL + 5], ACC_TSS32 | 2   ; busy now
    FAULT 13, TSSSEL, {mov ax, TSSSEL}, {ltr ax}   ; busy TSS

    ; ---- LAR, LSL, VERR, VERW, ARPL ----
    mov ax, DATA0
    mov ds, ax
    mov ebx, 0x11111111
    lar ebx, [sel_small]
    FAILIF jnz
    CHECK ebx, 0x00409302 & 0x00ffff00
    mov ecx, 0
    lsl ecx, [sel_small]
    FAILIF jnz
    CHECK ecx, 0xff
    mov eax, CODE0
    lsl ecx, eax
    FAILIF jnz
    CHECK ecx, 0xffffffff
    mov eax, TSSSEL
    lar ecx, ax
    FAILIF jnz
    CHECK ecx, 0x00008b00
    mov edx, 0x5555
    mov eax, 0x100              ; beyond the GDT
    lar edx, ax
    FAILIF jz
    CHECK edx, 0x5555
    mov eax, 0x08 | 4           ; LDT entry 1 is visible though not present
    lsl edx, ax
    FAILIF jnz
    mov ax, RODATA
    verr ax
    FAILIF jnz
    verw ax
    FAILIF jz
    mov ax, XCODE
    verr ax
    FAILIF jz
    mov ax, DATA0
    verw ax
    FAILIF jnz
    xor eax, eax
    verr ax
    FAILIF jz
    mov ax, 0x10
    mov bx, 0x23
    arpl ax, bx
    FAILIF jnz
    CHECK ax, 0x13
    arpl ax, bx
    FAILIF jz

    ; ---- far JMP/CALL/RET in protected mode ----
    call CODE0B:far_target
    CHECK eax, 0x600d
    mov dword [farptr], far_target
    mov dword [farptr + 4], CODE0B
    mov eax, 0
    call far [farptr]
    CHECK eax, 0x600d
    FAULT 13, CONF3, {call CONF3:conforming_target}   ; conforming, but DPL 3 > CPL 0
    FAULT 13, DATA3NA, {jmp dword DATA3NA:0}              ; not code
    FAULT 13, 0, {call dword 0:0}                         ; null
    jmp CODE16:code16_target
bits 16
code16_target:
    mov eax, 0x1616
    jmp dword CODE0:.back
bits 32
.back:
    CHECK eax, 0x1616
    FAULT 13, 0, {jmp dword CODE16:0x10000}               ; beyond the 64 KiB limit
    FAULT 13, 0, {push dword CODE16}, {push dword 0x10000}, {retf}
    CHECK esp, 0x70000 - 8
    add esp, 8
    jmp pass

far_target:
    mov eax, cs
    cmp eax, CODE0B
    jne .bad
    mov eax, 0x600d
    retf
.bad:
    mov eax, 0xbad
    retf

conforming_target:
    mov eax, cs
    cmp eax, CONF3              ; CS.RPL = CPL = 0
    jne .bad
    mov eax, 0x0c0f
    retf
.bad:
    mov eax, 0xbad
    retf

farptr: dd 0, 0
sel_small: dw SMALL

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, 0x90, FLAGS32                      ; 0x20 read-only
    DESC 0, 0xfffff, ACC_DATA & 0x7f, FLAGS32           ; 0x28 not present
    DESC 0, 0xfffff, 0x98, FLAGS32                      ; 0x30 execute-only
    DESC 0x20000, 0xff, ACC_DATA, 4                     ; 0x38 small
    DESC ABS(ldt), 0x0f, ACC_LDT, 0                     ; 0x40 LDT, two entries
    DESC ABS(tss), 0x67, ACC_TSS32, 0                   ; 0x48
    DESC 0, 0xffff, ACC_CODE, FLAGS16                   ; 0x50 16-bit code
    DESC 0, 0xfffff, 0x9e | DPL3, FLAGS32               ; 0x58 conforming readable, DPL 3
    DESC 0, 0xfffff, 0xf2, FLAGS32                      ; 0x60 accessed bit clear
    DESC 0x20000, 0xfff, 0x96, 0                        ; 0x68 expand-down, 16-bit
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x70
gdt_end:

ldt:
    DESC 0x30000, 0xfff, ACC_DATA | DPL3, 4
    DESC 0x30000, 0xfff, (ACC_DATA | DPL3) & 0x7f, 4

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
tss: times 0x68 db 0
idt: times 32 * 8 db 0
