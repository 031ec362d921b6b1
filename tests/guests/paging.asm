; Paging from the guest's side (Intel SDM vol. 3A, ch. 4): #PF with the exact error code
; and CR2 for a not-present page, a read-only page with CR0.WP, and user accesses to
; supervisor and read-only pages from ring 3; WP=0 letting ring 0 write read-only pages;
; accessed and dirty bits; a remapped page seen after INVLPG; a 4 MiB PSE page; and a
; routine patched through a second mapping of its code page, then run again.
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
PD equ 0x20000
PT0 equ 0x21000
NP_PAGE equ 0x300000        ; not present
RO_PAGE equ 0x301000        ; user, read-only
SUP_PAGE equ 0x302000       ; supervisor, writable
REMAP_V equ 0x303000        ; points at PHYS_A, then PHYS_B
AD_PAGE equ 0x305000        ; A and D start clear
ALIAS_V equ 0x306000        ; a second mapping of patch_me's code page
PHYS_A equ 0x310000
PHYS_B equ 0x311000
BIG_V equ 0x40000000        ; a 4 MiB page onto physical 0
PTE_P equ 1
PTE_W equ 2
PTE_U equ 4
PTE_A equ 0x20
PTE_D equ 0x40

%define PTE(va) (PT0 + ((va) >> 12) * 4)

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

    ; Identity-map the first 4 MiB as user-writable pages, then shape the test pages.
    mov edi, PT0
    mov eax, PTE_P | PTE_W | PTE_U
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PTE(NP_PAGE)], 0
    mov dword [PTE(RO_PAGE)], RO_PAGE | PTE_P | PTE_U
    mov dword [PTE(SUP_PAGE)], SUP_PAGE | PTE_P | PTE_W
    mov dword [PTE(REMAP_V)], PHYS_A | PTE_P | PTE_W | PTE_U
    mov dword [PTE(AD_PAGE)], AD_PAGE | PTE_P | PTE_W | PTE_U
    mov eax, patch_me
    and eax, ~0xfff
    or eax, PTE_P | PTE_W | PTE_U
    mov [PTE(ALIAS_V)], eax
    mov dword [PHYS_A], 0xaaaaaaaa
    mov dword [PHYS_B], 0xbbbbbbbb
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [PD], PT0 | PTE_P | PTE_W | PTE_U
    mov dword [PD + (BIG_V >> 22) * 4], 0 | PTE_P | PTE_W | PTE_U | 0x80   ; PS

    mov eax, cr4
    or eax, 0x10                        ; PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000                  ; PG, WP
    mov cr0, eax

    ; ---- not present: P=0, a read at CPL 0 -> error 0, CR2 = the address ----
    FAULT 14, 0, {mov eax, [NP_PAGE + 0x123]}
    mov eax, cr2
    CHECK eax, NP_PAGE + 0x123
    FAULT 14, 2, {mov byte [NP_PAGE + 7], 1}
    mov eax, cr2
    CHECK eax, NP_PAGE + 7

    ; ---- read-only page, ring 0: WP=1 faults with P|W, WP=0 lets the write through ----
    FAULT 14, 3, {mov dword [RO_PAGE + 8], 0x12345678}
    mov eax, cr2
    CHECK eax, RO_PAGE + 8
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
    mov dword [RO_PAGE + 8], 0x12345678
    CHECK dword [RO_PAGE + 8], 0x12345678
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    FAULT 14, 3, {mov dword [RO_PAGE + 8], 0}

    ; ---- accessed and dirty bits: A on a read, D only on a write ----
    mov eax, [AD_PAGE]
    mov eax, [PTE(AD_PAGE)]
    and eax, PTE_A | PTE_D
    CHECK eax, PTE_A
    mov dword [AD_PAGE], 5
    mov eax, [PTE(AD_PAGE)]
    and eax, PTE_A | PTE_D
    CHECK eax, PTE_A | PTE_D
    mov eax, [PD]
    test eax, PTE_A                     ; the directory entry was used too
    FAILIF jz

    ; ---- remap a page: INVLPG makes the new translation visible ----
    CHECK dword [REMAP_V], 0xaaaaaaaa
    mov dword [PTE(REMAP_V)], PHYS_B | PTE_P | PTE_W | PTE_U
    invlpg [REMAP_V]
    CHECK dword [REMAP_V], 0xbbbbbbbb
    ; ... and so does a CR3 reload
    mov dword [PTE(REMAP_V)], PHYS_A | PTE_P | PTE_W | PTE_U
    mov eax, cr3
    mov cr3, eax
    CHECK dword [REMAP_V], 0xaaaaaaaa

    ; ---- a 4 MiB page onto physical 0: our own code through it ----
    mov eax, [BIG_V + start]
    CHECK eax, [start]
    mov dword [BIG_V + PHYS_B], 0xcafef00d
    CHECK dword [PHYS_B], 0xcafef00d

    ; ---- patch a routine through a second mapping of its page, then run it again ----
    call patch_me
    CHECK eax, 1
    mov byte [ALIAS_V + ((patch_me - $$ + 0x7c00) & 0xfff) + 1], 2
    call patch_me
    CHECK eax, 2

    ; ---- ring 3: user accesses to supervisor and read-only pages ----
    mov dword [tss + 4], STACK0
    mov dword [tss + 8], DATA0
    mov ax, TSSSEL
    ltr ax
    push dword DATA3
    push dword STACK3
    push dword 0x3002                   ; IOPL 3
    push dword CODE3
    push dword ring3
    iret

ring3:
    mov ax, DATA3
    mov ds, ax
    mov es, ax
    FAULT 14, 5, {mov eax, [SUP_PAGE]}          ; P | U
    mov eax, [RO_PAGE + 8]                      ; a user read of a user page is fine
    FAULT 14, 7, {mov dword [RO_PAGE + 8], 1}   ; P | W | U
    FAULT 14, 4, {mov eax, [NP_PAGE]}           ; U
    FAULT 14, 6, {mov dword [NP_PAGE], 1}       ; W | U
    jmp pass

patch_me:
    mov eax, 1
    ret

%include "pm-runtime.inc"

align 8
gdt:
    dq 0
    DESC 0, 0xfffff, ACC_CODE, FLAGS32                  ; 0x08
    DESC 0, 0xfffff, ACC_DATA, FLAGS32                  ; 0x10
    DESC 0, 0xfffff, ACC_DATA | DPL3, FLAGS32           ; 0x18
    DESC 0, 0xfffff, ACC_CODE | DPL3, FLAGS32           ; 0x20
    DESC ABS(tss), 0x67, ACC_TSS32, 0                   ; 0x28
gdt_end:

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt

align 8
tss: times 0x68 db 0
idt: times 32 * 8 db 0
