; A compute-bound bare-metal guest for timing wirt against QEMU (bench/run.sh). A Multiboot
; kernel with the a.out-kludge fields (Multiboot Specification 0.6.96, 3.1.3), so both
; `wirt run --kernel` and `qemu-system-i386 -kernel` load the same file. Four phases, each
; repeated a fixed number of times so the instruction count never varies:
;   1. integer arithmetic: add/sub/xor, shifts and rotates, IMUL and MUL
;   2. memory copies: a loop of 32-bit loads and stores, then REP MOVSD
;   3. calls and returns to a small leaf function
;   4. a recursive function (Fibonacci)
; At the end it prints "compute: checksum XXXXXXXX" on the debug console (port 0xe9), so
; two emulators can be checked to agree, and writes 0 to the debug-exit port (0xf4).
; Runs in flat 32-bit protected mode, as the loader leaves it; needs 2 MiB of RAM.
bits 32
org 0x100000

%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00010000
%define DEBUG_EXIT 0xf4
%define DEBUG_CON 0xe9

%ifndef SCALE
%define SCALE 1                     ; multiplies every phase's repeat count
%endif
%define ALU_ITERS (6000000 * SCALE)
%define COPY_DWORDS 4096            ; 16 KiB buffers
%define COPY_PASSES (4000 * SCALE)
%define CALL_ITERS (8000000 * SCALE)
%define FIB_N 24
%define FIB_PASSES (32 * SCALE)

section .text
mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd mb_header, mb_header, load_end, bss_end, start

start:
    mov esp, stack_top
    xor ebp, ebp                    ; the running checksum
    call alu_phase
    call copy_phase
    call call_phase
    call fib_phase
    mov eax, ebp
    call print_checksum
    mov al, 0
    out DEBUG_EXIT, al
    cli
.halt:
    hlt
    jmp .halt

; ---- 1. integer arithmetic ----
alu_phase:
    mov ecx, ALU_ITERS
    mov eax, 0x12345678
    mov ebx, 0x9abcdef0
    mov esi, 1
    mov edi, 0x0badf00d
.loop:
    add eax, ecx
    xor ebx, eax
    rol ebx, 5
    sub edi, ebx
    mov edx, edi
    shr edx, 3
    add esi, edx
    imul esi, esi, 1103515245
    add esi, 12345
    sar edi, 1
    or edi, 0x40000000
    lea eax, [eax + esi * 2 + 7]
    shl edx, cl
    xor eax, edx
    push eax
    mul ebx                         ; edx:eax = eax * ebx
    add ebx, edx
    pop eax
    dec ecx
    jnz .loop
    add ebp, eax
    add ebp, ebx
    add ebp, esi
    add ebp, edi
    ret

; ---- 2. memory copies ----
copy_phase:
    ; Fill the source with a pattern.
    mov edi, src_buf
    mov ecx, COPY_DWORDS
    mov eax, 0x01020304
.fill:
    mov [edi], eax
    add eax, 0x11111111
    add edi, 4
    dec ecx
    jnz .fill
    mov edx, COPY_PASSES
.pass:
    ; A loop of loads and stores, four dwords per iteration.
    mov esi, src_buf
    mov edi, dst_buf
    mov ecx, COPY_DWORDS / 4
.move:
    mov eax, [esi]
    mov ebx, [esi + 4]
    mov [edi], eax
    mov [edi + 4], ebx
    mov eax, [esi + 8]
    mov ebx, [esi + 12]
    mov [edi + 8], eax
    mov [edi + 12], ebx
    add esi, 16
    add edi, 16
    dec ecx
    jnz .move
    ; The same copy back with a string instruction.
    mov esi, dst_buf
    mov edi, src_buf
    mov ecx, COPY_DWORDS
    cld
    rep movsd
    ; Perturb one dword per pass so the copies are not idempotent.
    mov eax, edx
    and eax, COPY_DWORDS - 1
    add [src_buf + eax * 4], edx
    dec edx
    jnz .pass
    ; Sum the result.
    mov esi, src_buf
    mov ecx, COPY_DWORDS
.sum:
    add ebp, [esi]
    rol ebp, 1
    add esi, 4
    dec ecx
    jnz .sum
    ret

; ---- 3. calls and returns ----
call_phase:
    mov ecx, CALL_ITERS
    mov eax, 7
    mov ebx, 3
.loop:
    call mix
    dec ecx
    jnz .loop
    add ebp, eax
    ret

; eax = (eax * 5 + ebx) ^ (eax >> 7); ebx += 1. Clobbers edx.
mix:
    lea edx, [eax + eax * 4]
    add edx, ebx
    shr eax, 7
    xor eax, edx
    inc ebx
    ret

; ---- 4. recursion ----
fib_phase:
    mov ecx, FIB_PASSES
.loop:
    push ecx
    push dword FIB_N
    call fib
    add esp, 4
    pop ecx
    add ebp, eax
    dec ecx
    jnz .loop
    ret

; eax = fib([esp + 4]), the cdecl way: argument on the stack, EBX kept.
fib:
    mov eax, [esp + 4]
    cmp eax, 2
    jb .done
    push ebx
    dec eax
    push eax
    call fib                        ; fib(n - 1)
    mov ebx, eax
    pop eax
    dec eax
    push eax
    call fib                        ; fib(n - 2)
    add esp, 4
    add eax, ebx
    pop ebx
.done:
    ret

; ---- output ----
; Prints "compute: checksum " and EAX in hex, then a newline, on the debug console.
print_checksum:
    mov edx, eax
    mov esi, label
.text:
    lodsb
    test al, al
    jz .hex
    out DEBUG_CON, al
    jmp .text
.hex:
    mov ecx, 8
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 0xf
    mov al, [hex_digits + eax]
    out DEBUG_CON, al
    dec ecx
    jnz .digit
    mov al, 10
    out DEBUG_CON, al
    ret

label:
    db "compute: checksum ", 0
hex_digits:
    db "0123456789abcdef"
load_end:

section .bss align=16
src_buf:
    resd COPY_DWORDS
dst_buf:
    resd COPY_DWORDS
    resb 65536
stack_top:
bss_end:
