; The trivial guest of bench/run.sh: a Multiboot kernel (a.out kludge) that writes 0 to
; the debug-exit port at once, so timing it measures an emulator's start-up and exit.
bits 32
org 0x100000

%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00010000

mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd mb_header, mb_header, load_end, load_end, start
start:
    mov al, 0
    out 0xf4, al
    cli
    hlt
load_end:
