; The smallest test guest: a flat binary that halts at once. It proves the nasm rule of
; tests/meson.build and is the first guest the CPU tests run.
bits 16
    cli
    hlt
