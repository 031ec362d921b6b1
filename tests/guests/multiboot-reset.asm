; A reset of a Multiboot kernel (vm/testboard.c): after a triple fault the board loads the
; kernel again, so the second boot sees a fresh image and a zeroed BSS (Multiboot
; Specification 0.6.96, 3.1.3) and the machine state of 3.2 again. A counter outside the
; image, in RAM that a reset leaves alone, tells the boots apart.
; Run by guest-test.sh --boot kernel --reboot.
%include "harness.inc"
bits 32
org 0x100000

%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00010000         ; a.out-kludge address fields
%define BOOTS 0x600                 ; boot counter, below the boot information

section .text
mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd mb_header, mb_header, load_end, bss_end, start

start:
    cmp eax, 0x2badb002
    CHECK e, 1
    inc dword [BOOTS]
    cmp dword [BOOTS], 2
    je second_boot
    CHECK b, 2

    ; First boot: dirty the image and the BSS, then triple-fault (no usable IDT).
    mov dword [image_word], 0
    mov dword [bss_word], 0x12345678
    lidt [null_idt]
    int3
    FAIL 3

second_boot:
    ; 4-5. The image and the BSS are as loaded, not as the first boot left them.
    cmp dword [image_word], 0xcafef00d
    CHECK e, 4
    cmp dword [bss_word], 0
    CHECK e, 5
    PASS

null_idt:
    dw 0
    dd 0
image_word:
    dd 0xcafef00d
load_end:

section .bss align=4
bss_word:
    resd 1
bss_end:
