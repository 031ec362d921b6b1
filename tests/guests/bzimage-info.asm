; A tiny "Linux kernel" checking what the loader hands it under the 32-bit boot protocol
; (Linux Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"): a bzImage-format file
; with a hand-written setup header (protocol 2.15, LOADED_HIGH) whose protected-mode part
; checks the machine state, boot_params, the E820 map, the command line and the initrd.
; Run by guest-test.sh --boot kernel with: -m 24 --append "bz-test arg=1 last"
; --initrd .../multiboot-module.txt.
%include "harness.inc"

%define RAM_MIB 24                  ; must match the -m of the test
%define LOAD 0x100000

section setup start=0
    times 0x1f1 db 0
    db 1                            ; 0x1f1 setup_sects: the protected-mode part at 0x400
    times 0x1fe - 0x1f2 db 0
    dw 0xaa55                       ; 0x1fe boot_flag
    db 0xeb, hdr_end - 0x202        ; 0x200 jump: its displacement ends the header
    db "HdrS"                       ; 0x202
    dw 0x020f                       ; 0x206 version
    dd 0                            ; 0x208 realmode_swtch
    dw 0, 0                         ; 0x20c start_sys_seg, kernel_version
    db 0                            ; 0x210 type_of_loader
    db 0x01                         ; 0x211 loadflags: LOADED_HIGH
    dw 0                            ; 0x212 setup_move_size
    dd LOAD                         ; 0x214 code32_start
    dd 0, 0, 0                      ; 0x218 ramdisk_image, ramdisk_size, bootsect_kludge
    dw 0                            ; 0x224 heap_end_ptr
    db 0, 0                         ; 0x226 ext_loader_ver, ext_loader_type
    dd 0                            ; 0x228 cmd_line_ptr
    dd 0x7fffffff                   ; 0x22c initrd_addr_max
    dd 0x100000                     ; 0x230 kernel_alignment
    db 0, 0                         ; 0x234 relocatable_kernel, min_alignment
    dw 0                            ; 0x236 xloadflags
    dd 255                          ; 0x238 cmdline_size
    dd 0                            ; 0x23c hardware_subarch
    dq 0                            ; 0x240 hardware_subarch_data
    dd 0, 0                         ; 0x248 payload_offset, payload_length
    dq 0                            ; 0x250 setup_data
    dq LOAD                         ; 0x258 pref_address
    dd kernel_end - LOAD            ; 0x260 init_size
    dd 0, 0                         ; 0x264 handover_offset, kernel_info_offset
hdr_end:
    times 0x400 - ($ - $$) db 0

section kernel follows=setup vstart=LOAD
bits 32
start:
    ; 1. EBX, EBP and EDI are zero; ESI points at boot_params (below 1 MiB).
    mov eax, ebx
    or eax, ebp
    or eax, edi
    CHECK z, 1
    cmp esi, LOAD
    CHECK b, 1

    ; 2-3. Protected mode without paging, interrupts off.
    mov eax, cr0
    and eax, 0x80000001
    cmp eax, 1
    CHECK e, 2
    pushfd
    pop eax
    test eax, (1 << 9) | (1 << 17)
    CHECK z, 3

    ; 4. CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS (0x18).
    mov ax, cs
    cmp ax, 0x10
    CHECK e, 4
    mov ax, ds
    cmp ax, 0x18
    CHECK e, 4
    mov ax, es
    cmp ax, 0x18
    CHECK e, 4
    mov ax, ss
    cmp ax, 0x18
    CHECK e, 4

    ; 5. The GDT the loader left holds them: reload DS, SS and CS from it.
    mov esp, stack_top
    mov ax, 0x18
    mov ds, ax
    mov ss, ax
    jmp 0x10:.reloaded
.reloaded:
    mov dword [RAM_MIB * 0x100000 - 4], 0x5a5aa5a5
    mov edi, RAM_MIB * 0x100000 - 4
    cmp dword [es:edi], 0x5a5aa5a5
    CHECK e, 5

    ; 6. type_of_loader is set, the setup header's signature is copied.
    cmp byte [esi + 0x210], 0
    CHECK ne, 6
    cmp dword [esi + 0x202], "HdrS"
    CHECK e, 6

    ; 7. The command line is --append's, as is.
    mov edi, [esi + 0x228]
    call print
    mov al, 10
    out DEBUG_CON, al
    mov ebx, want_args
    mov ecx, want_args_len
    call memeq
    CHECK e, 7

    ; 8-9. The E820 map: four entries as expected, RAM up to -m.
    cmp byte [esi + 0x1e8], 4
    CHECK e, 8
    lea edi, [esi + 0x2d0]
    mov ebx, want_e820
    mov ecx, 4 * 20
    call memeq
    CHECK e, 9

    ; 10. The initrd: page-aligned, above this kernel, within RAM.
    mov edi, [esi + 0x218]
    test edi, 0xfff
    CHECK z, 10
    cmp edi, kernel_end
    CHECK ae, 10
    mov eax, edi
    add eax, [esi + 0x21c]
    cmp eax, RAM_MIB * 0x100000
    CHECK be, 10

    ; 11. Its contents are the file's bytes.
    cmp dword [esi + 0x21c], want_initrd_len
    CHECK e, 11
    mov ebx, want_initrd
    mov ecx, want_initrd_len
    call memeq
    CHECK e, 11

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
    db "bz-test arg=1 last", 0
want_args_len equ $ - want_args
want_initrd:
    incbin "multiboot-module.txt"
want_initrd_len equ $ - want_initrd
align 4
want_e820:
    dq 0x00000000, 0x0009fc00
    dd 1
    dq 0x0009fc00, 0x00000400
    dd 2
    dq 0x000f0000, 0x00010000
    dd 2
    dq 0x00100000, (RAM_MIB - 1) * 0x100000
    dd 1
    times 256 db 0
    align 16
    times 4096 db 0
stack_top:
kernel_end:
