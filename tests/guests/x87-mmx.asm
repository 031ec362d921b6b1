; MMX and x87 aliasing (Intel SDM vol. 1 9.5, table 9-2): MMn is the mantissa of physical
; register Rn. An MMX instruction sets TOP to 0 and every tag valid; an MMX write sets the
; register's sign and exponent to all ones, so x87 sees it as a special value; x87 values
; read through MMX show their mantissa; EMMS empties every tag; the FXSAVE abridged tag
; byte follows.
bits 16
org 0x7c00

; RCHECK operand, value, n: fail with n unless operand == value.
%macro RCHECK 3
    cmp %1, %2
    je %%ok
    mov al, %3
    out 0xf4, al
    hlt
%%ok:
%endmacro

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    fninit
%rep 8
    fldz                                ; every register +0.0
%endrep
    fninit

    ; ---- 1. an MMX write after an x87 push ----
    fld1                                ; TOP = 7, R7 = 1.0
    movq mm0, [pattern]
    fnstsw ax
    RCHECK ax, 0x0000, 1                ; TOP = 0
    fnstenv [env]
    RCHECK word [env + 4], 0x1556, 2    ; R0 special, R1-R6 zero, R7 valid
    fnsave [save]
    RCHECK dword [save + 14], 0x89abcdef, 3     ; ST(0) = R0
    RCHECK dword [save + 18], 0x01234567, 4
    RCHECK word [save + 22], 0xffff, 5
    RCHECK word [save + 14 + 70 + 8], 0x3fff, 6 ; ST(7) = R7 = 1.0
    frstor [save]

    ; ---- 2. x87 reads the MMX value: an unsupported encoding with the sign set ----
    fxam
    fnstsw ax
    and ax, 0x4700
    RCHECK ax, 0x0200, 7
    fstp tword [t]
    RCHECK dword [t], 0x89abcdef, 8
    RCHECK word [t + 8], 0xffff, 9

    ; ---- 3. x87 writes, MMX reads the mantissa; TOP goes back to 0 ----
    fninit
    fld qword [dval]                    ; R7 = 1.5: mantissa C000000000000000
    movq [out], mm7
    RCHECK dword [out + 4], 0xc0000000, 10
    RCHECK dword [out], 0, 11
    fnstsw ax
    RCHECK ax, 0x0000, 12
    movd eax, mm7                       ; MOVD to a general register
    RCHECK eax, 0, 13
    movd mm1, [pattern]
    movq [out], mm1
    RCHECK dword [out + 4], 0, 14       ; zero-extended
    RCHECK dword [out], 0x89abcdef, 15

    ; ---- 4. the abridged tag in FXSAVE, then EMMS ----
    fxsave [fxarea]
    RCHECK byte [fxarea + 4], 0xff, 16
    RCHECK word [fxarea + 32 + 8], 0xffff, 17   ; MM0 as written in part 1
    emms
    fnstenv [env]
    RCHECK word [env + 4], 0xffff, 18
    fnstsw ax
    RCHECK ax, 0x0000, 19
    fxsave [fxarea]
    RCHECK byte [fxarea + 4], 0x00, 20
    movq mm2, mm1                       ; MMX again: all valid, TOP 0
    fxsave [fxarea]
    RCHECK byte [fxarea + 4], 0xff, 21
    RCHECK word [fxarea + 2], 0x0000, 22
    emms

    mov al, 0
    out 0xf4, al
    hlt

align 8
pattern: dq 0x0123456789abcdef
dval: dq 1.5
out: dq 0
t: times 10 db 0
env: times 14 db 0
save: times 94 db 0
align 16
fxarea: times 512 db 0
