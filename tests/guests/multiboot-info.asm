; A Multiboot kernel checking what the loader hands it (Multiboot Specification 0.6.96:
; 3.2 machine state, 3.3 boot information): the magic in EAX, flat 32-bit protected mode
; with paging and interrupts off and A20 on, the info flags, mem_lower/mem_upper, the
; command line, the memory map and one module's string and contents. Run by
; guest-test.sh --boot kernel with: -m 24 --append "mb-test arg=1 last"
; --module .../multiboot-module.txt. Assembled twice from this file: with -f bin as an
; a.out-kludge image (flags bit 16), and with -f elf32 -DELF and linked at 1 MiB by ld.
%include "harness.inc"
bits 32

%define MB_MAGIC 0x1badb002
%ifdef ELF
%define MB_FLAGS 0x00000003         ; page-aligned modules, memory information
%else
%define MB_FLAGS 0x00010003         ; ... and the a.out-kludge address fields
org 0x100000
%endif

%define RAM_MIB 24                  ; must match the -m of the test
%define INFO_WANTED ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9))

section .text
mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
%ifndef ELF
    dd mb_header, mb_header, load_end, bss_end, start
%endif

global start
start:
    ; 1-3. Machine state: the magic, CR0.PE set and PG clear, IF clear.
    cmp eax, 0x2badb002
    CHECK e, 1
    mov esp, stack_top
    mov esi, ebx
    mov eax, cr0
    and eax, 0x80000001
    cmp eax, 1
    CHECK e, 2
    pushfd
    pop eax
    test eax, (1 << 9) | (1 << 17)
    CHECK z, 3

    ; 4. Flat 4 GiB data segments: a store near the top of RAM through DS, read via ES.
    mov dword [RAM_MIB * 0x100000 - 4], 0x5a5aa5a5
    mov edi, RAM_MIB * 0x100000 - 4
    cmp dword [es:edi], 0x5a5aa5a5
    CHECK e, 4

    ; 5. A20 on: an address 1 MiB lower is a different byte.
    mov dword [a20_probe], 0x11111111
    mov dword [a20_probe - 0x100000], 0x22222222
    cmp dword [a20_probe], 0x11111111
    CHECK e, 5

    ; 6. The info flags: memory, cmdline, modules, memory map, loader name.
    mov eax, [esi]
    and eax, INFO_WANTED
    cmp eax, INFO_WANTED
    CHECK e, 6

    ; 7-8. mem_lower = 639 KiB, mem_upper = RAM above 1 MiB in KiB.
    cmp dword [esi + 4], 639
    CHECK e, 7
    cmp dword [esi + 8], (RAM_MIB - 1) * 1024
    CHECK e, 8

    ; 9. The command line is "KERNEL-PATH ARGS": ARGS after the first space.
    mov edi, [esi + 16]
    call print
    mov al, 10
    out DEBUG_CON, al
.skip:
    mov al, [edi]
    inc edi
    test al, al
    CHECK nz, 9
    cmp al, ' '
    jne .skip
    mov ebx, want_args
    mov ecx, want_args_len
    call memeq
    CHECK e, 9

    ; 10-11. One module, page-aligned and above the kernel's BSS.
    cmp dword [esi + 20], 1
    CHECK e, 10
    mov ebp, [esi + 24]
    mov eax, [ebp]
    test eax, 0xfff
    CHECK z, 11
    cmp eax, bss_end
    CHECK ae, 11

    ; 12. Its contents are the module file's bytes, and nothing more.
    mov ecx, [ebp + 4]
    sub ecx, eax
    cmp ecx, want_module_len
    CHECK e, 12
    mov edi, eax
    mov ebx, want_module
    call memeq
    CHECK e, 12

    ; 13. Its string is the file name as given: it ends in "multiboot-module.txt".
    mov edi, [ebp + 8]
    xor ecx, ecx
.len:
    cmp byte [edi + ecx], 0
    je .got_len
    inc ecx
    jmp .len
.got_len:
    cmp ecx, want_name_len - 1
    CHECK ae, 13
    lea edi, [edi + ecx - (want_name_len - 1)]     ; compare with the NUL
    mov ebx, want_name
    mov ecx, want_name_len
    call memeq
    CHECK e, 13

    ; 14-15. The memory map: three entries (size 20 each) equal to the expected ones.
    cmp dword [esi + 44], 3 * 24
    CHECK e, 14
    mov edi, [esi + 48]
    mov ebx, want_mmap
    mov ecx, 3 * 24
    call memeq
    CHECK e, 15

    ; 16. The boot loader's name.
    mov edi, [esi + 64]
    mov ebx, want_loader
    mov ecx, want_loader_len
    call memeq
    CHECK e, 16

    ; 17. The BSS was zeroed.
    mov edi, bss_zeroed
    mov ecx, 256
    xor eax, eax
    repe scasd
    CHECK e, 17

    PASS

; Compares ECX bytes at EDI with EBX; ZF set when equal. Keeps ESI.
memeq:
    push esi
    mov esi, ebx
    repe cmpsb
    pop esi
    ret

; Writes the NUL-terminated string at EDI to the debug console. Keeps EDI.
print:
    push edi
.next:
    mov al, [edi]
    test al, al
    jz .done
    out DEBUG_CON, al
    inc edi
    jmp .next
.done:
    pop edi
    ret

want_args:
    db "mb-test arg=1 last", 0
want_args_len equ $ - want_args
want_module:
    incbin "multiboot-module.txt"
want_module_len equ $ - want_module
want_name:
    db "multiboot-module.txt", 0
want_name_len equ $ - want_name
want_loader:
    db "wirt", 0
want_loader_len equ $ - want_loader
align 4
want_mmap:
    dd 20, 0x00000000, 0, 0x0009fc00, 0, 1
    dd 20, 0x0009fc00, 0, 0x00060400, 0, 2
    dd 20, 0x00100000, 0, (RAM_MIB - 1) * 0x100000, 0, 1
load_end:

section .bss align=4
a20_probe:
    resd 1
bss_zeroed:
    resd 256
    resb 4096
stack_top:
bss_end:
