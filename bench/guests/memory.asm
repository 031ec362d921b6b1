; Memory-heavy benchmark guest (a Multiboot kernel, a.out kludge, so QEMU's -kernel and
; wirt's --kernel load the same file). Assembled twice: plain, and with -DPAGING, where it
; first maps the low 64 MiB with 4 KiB pages and turns paging on, so every data access
; goes through the page tables. Work: REP STOSD memsets and a MOV-loop memcpy over
; 8 MiB, then a pointer chase through 32 MiB that touches a new page on every step.
; Ends by writing 0 to the debug-exit port 0xf4.
bits 32
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010000             ; the address fields below are valid
STACK equ 0x90000
PD equ 0x200000                     ; page directory, then 16 page tables
PT equ 0x201000
BUF_A equ 0x1000000                 ; 16 MiB: memset/memcpy source
BUF_B equ 0x1800000                 ; 24 MiB: memcpy destination
CHASE equ 0x2000000                 ; 32 MiB: the pointer chase
CHASE_BYTES equ 0x2000000           ; 32 MiB of it
CHASE_STRIDE equ 0x1040             ; a page and a cache line: a new page each step
ROUNDS equ 40
CHASE_STEPS equ 4000000

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, 0, 0, entry

entry:
    mov esp, STACK
%ifdef PAGING
    ; Identity-map 64 MiB with 4 KiB pages (16 page tables).
    mov edi, PT
    mov eax, 0x003                  ; present, writable
    mov ecx, 16 * 1024
.pte:
    stosd
    add eax, 0x1000
    loop .pte
    mov edi, PD
    mov eax, PT | 0x003
    mov ecx, 16
.pde:
    stosd
    add eax, 0x1000
    loop .pde
    mov ecx, 1024 - 16
    xor eax, eax
    rep stosd
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
%endif

    mov ebx, ROUNDS
.round:
    ; memset 8 MiB
    mov edi, BUF_A
    mov ecx, 0x200000
    mov eax, ebx
    rep stosd
    ; memcpy 8 MiB with a load/store loop
    mov esi, BUF_A
    mov edi, BUF_B
    mov ecx, 0x200000 / 4
.copy:
    mov eax, [esi]
    mov edx, [esi + 4]
    mov [edi], eax
    mov [edi + 4], edx
    mov eax, [esi + 8]
    mov edx, [esi + 12]
    mov [edi + 8], eax
    mov [edi + 12], edx
    add esi, 16
    add edi, 16
    dec ecx
    jnz .copy
    dec ebx
    jnz .round

    ; Build the chain: node i points to node (i + stride) mod size.
    xor esi, esi
    mov ecx, CHASE_BYTES / CHASE_STRIDE
.link:
    lea eax, [esi + CHASE_STRIDE]
    cmp eax, CHASE_BYTES - CHASE_STRIDE
    jbe .ok
    xor eax, eax
.ok:
    lea edx, [eax + CHASE]
    mov [esi + CHASE], edx
    mov esi, eax
    loop .link
    ; Walk it.
    mov esi, CHASE
    mov ecx, CHASE_STEPS
.walk:
    mov esi, [esi]
    dec ecx
    jnz .walk

    mov al, 0
    out 0xf4, al
    hlt
