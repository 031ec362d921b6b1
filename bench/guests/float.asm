; Floating-point benchmark guest (a Multiboot kernel, a.out kludge, so QEMU's -kernel and
; wirt's --kernel load the same file): a loop of FMUL/FADD/FDIV/FSQRT on the x87 stack
; with loads and stores of doubles, and every 64th iteration an FSIN and an FPATAN. Prints
; the final value's bits on the debug console (both emulators must agree) and writes 0 to
; the debug-exit port 0xf4.
bits 32
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010000
ITERATIONS equ 2000000

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, 0, 0, entry

entry:
    mov esp, 0x90000
    fninit
    fld qword [seed]                    ; st0 = x
    mov ecx, ITERATIONS
.loop:
    fld st0
    fmul qword [scale]                  ; x * 1.0000001
    fadd qword [step]
    fdiv qword [divisor]
    fsqrt
    faddp st1, st0                      ; x = x + sqrt((x*s + t) / d)
    fmul qword [shrink]                 ; keep it bounded
    fst qword [result]
    test ecx, 63
    jnz .next
    fld st0
    fsin
    fld1
    fpatan
    faddp st1, st0
.next:
    dec ecx
    jnz .loop
    fstp qword [result]
    mov esi, result + 7                 ; print the 8 bytes, high first
    mov ecx, 8
.print:
    mov al, [esi]
    call hex8
    dec esi
    loop .print
    mov al, 10
    out 0xe9, al
    mov al, 0
    out 0xf4, al
    hlt

hex8:
    push eax
    shr al, 4
    call hex4
    pop eax
hex4:
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 7
.out:
    out 0xe9, al
    ret

align 8
seed: dq 1.5
scale: dq 1.0000001
step: dq 0.25
divisor: dq 3.0
shrink: dq 0.5
result: dq 0
