; The 8042's CPU reset line (IBM PC/AT Technical Reference, "Keyboard controller": output
; port bit 0, active low): command 0xfe pulses it, and writing the output port (0xd1) with
; bit 0 clear pulls it. Each resets the CPU, which starts the image again at 0000:7C00;
; a boot counter outside the image, in RAM a reset leaves alone, tells the boots apart.
; Run with --reboot: the board resets instead of ending the run.
%include "harness.inc"
bits 16
org 0x7c00

%define BOOTS 0x600

start:
    jmp main
%include "pc.inc"

; Writes AL to port 0x64 once the 8042's input buffer is empty.
kbc_cmd:
    push ax
.wait:
    in al, 0x64
    test al, 0x02
    jnz .wait
    pop ax
    out 0x64, al
    ret

main:
    SETUP
    inc word [BOOTS]
    mov ax, [BOOTS]
    cmp ax, 1
    je boot1
    cmp ax, 2
    je boot2
    cmp ax, 3
    je boot3
    FAIL_MSG "more boots than resets asked for"

boot1:
    mov si, msg_boot1
    call put_str
    mov al, 0xfe                        ; pulse output port bit 0: reset
    call kbc_cmd
    FAIL_MSG "command 0xfe (pulse the reset line) went on without a reset"

boot2:
    mov si, msg_boot2
    call put_str
    mov al, 0xd1
    call kbc_cmd
    mov al, 0xde                        ; A20 on, reset line low
    out 0x60, al
    FAIL_MSG "output port written with bit 0 clear (0xd1, 0xde) went on without a reset"

boot3:
    mov si, msg_boot3
    call put_str
    PASS

msg_boot1: db "boot 1: command 0xfe", 10, 0
msg_boot2: db "boot 2: output port bit 0 low", 10, 0
msg_boot3: db "boot 3", 10, 0
