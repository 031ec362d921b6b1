; Prints 'x' on the debug console (port 0xe9) for ever: the guest of tests/serial-pipe.sh,
; where the reader of wirt's output goes away and wirt must stop cleanly.
bits 16
    mov al, 'x'
.loop:
    out 0xe9, al
    jmp .loop
