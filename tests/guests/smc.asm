; Self-modifying code (Intel SDM vol. 3A, 8.1.3): a store to an instruction that is about
; to execute, or that has already been translated, must be seen when it next executes.
%include "harness.inc"
bits 16
org 0x7c00
start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000

    ; 1. Patch the very next instruction (same translated block).
    mov byte [next_insn + 1], 0x42
next_insn:
    mov al, 0x00
    cmp al, 0x42
    CHECK e, 1

    ; 2. Patch a routine that has already run (its block is cached).
    call routine
    cmp al, 1
    CHECK e, 2
    mov byte [routine + 1], 2
    call routine
    cmp al, 2
    CHECK e, 3

    ; 3. Patch through another segment alias of the same physical bytes.
    mov ax, 0x07c0
    mov es, ax
    mov byte [es:routine - 0x7c00 + 1], 3
    call routine
    cmp al, 3
    CHECK e, 4

    ; 4. A loop body rewritten on its own second pass (the block holding it is running).
    mov cx, 2
    xor bx, bx
loop_top:
    add bx, 1             ; becomes add bx, 0x10 once patched
    mov byte [loop_top + 2], 0x10
    loop loop_top
    cmp bx, 0x11
    CHECK e, 5

    ; 5. REP STOSB writing over code that runs right after it.
    xor ax, ax
    mov es, ax
    mov di, patch_area
    mov al, 0x90          ; NOP
    mov cx, 2
    rep stosb
patch_area:
    jmp short fail6       ; two bytes, turned into two NOPs
    PASS
fail6:
    FAIL 6

routine:
    mov al, 1
    ret
