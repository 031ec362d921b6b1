; A tiny line-oriented shell on COM1, for the toolstack tests (tests/toolstack.sh): it
; prints a banner and a "$ " prompt, echoes what it receives, and answers
;   echo TEXT   TEXT
;   ticks       the PIT interrupts counted so far (100 Hz), in decimal
;   (empty)     nothing; anything else: "?"
; It powers off (HLT with interrupts disabled) when its keyboard interrupt sees
; Ctrl-Alt-Del in scan-code set 1, as `wirt shutdown` sends it. Everything is
; interrupt-driven; the main loop sleeps in HLT.
; It is a 64 KiB firmware image, so that a config file can boot it (bios = "...") and a
; reset starts it afresh: `wirt run --bios pc-shell.bin`. It runs from the image's low copy
; at F000:0000 (RAM, so its variables live there too), with DS = CS and the stack at
; 0000:7000.
%include "harness.inc"
bits 16
org 0

%define LINE_MAX 64
%define KBC_DATA 0x60

start:
    jmp main
%include "pc.inc"

; OUTC offset, value: a UART register.
%macro OUTC 2
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
%endmacro

; uart_putc: AL to COM1 once the transmitter holds nothing. DX kept.
uart_putc:
    push dx
    push ax
    mov dx, COM1 + 5
.busy:
    in al, dx
    test al, 0x20
    jz .busy
    pop ax
    mov dx, COM1
    out dx, al
    pop dx
    ret

; uart_puts: the NUL-terminated string at SI to COM1.
uart_puts:
    push ax
.next:
    lodsb
    test al, al
    jz .done
    call uart_putc
    jmp .next
.done:
    pop ax
    ret

; put_dec: EAX in decimal on COM1.
put_dec:
    push eax
    push ecx
    push edx
    push bx
    mov ecx, 10
    xor bx, bx
.digits:
    xor edx, edx
    div ecx
    push dx
    inc bx
    test eax, eax
    jnz .digits
.out:
    pop ax
    add al, '0'
    call uart_putc
    dec bx
    jnz .out
    pop bx
    pop edx
    pop ecx
    pop eax
    ret

; IRQ 0: count PIT ticks.
irq0:
    inc dword [ticks]
    push ax
    OUTB PIC1, PIC_EOI
    pop ax
    iret

; IRQ 1: track Ctrl and Alt; Delete (E0 53, or keypad 53) with both held powers off.
irq1:
    push ax
    in al, KBC_DATA
    cmp al, 0xe0
    je .done
    cmp al, 0x1d
    je .ctrl_down
    cmp al, 0x9d
    je .ctrl_up
    cmp al, 0x38
    je .alt_down
    cmp al, 0xb8
    je .alt_up
    cmp al, 0x53
    jne .done
    cmp byte [ctrl], 0
    je .done
    cmp byte [alt], 0
    jne power_off
    jmp .done
.ctrl_down:
    mov byte [ctrl], 1
    jmp .done
.ctrl_up:
    mov byte [ctrl], 0
    jmp .done
.alt_down:
    mov byte [alt], 1
    jmp .done
.alt_up:
    mov byte [alt], 0
.done:
    OUTB PIC1, PIC_EOI
    pop ax
    iret

power_off:
    mov si, msg_off
    call uart_puts
    cli
    hlt

; IRQ 4: received characters into the line, echoed; a CR or LF ends the line, and input
; then waits in the UART (its interrupt off) until the main loop has answered.
irq4:
    push ax
    push bx
    push dx
.more:
    INB COM1 + 5
    test al, 0x01
    jz .done
    INB COM1
    cmp al, 13
    je .end_line
    cmp al, 10
    je .end_line
    cmp al, 8
    je .erase
    cmp al, 0x7f
    je .erase
    mov bx, [line_len]
    cmp bx, LINE_MAX
    jae .more
    mov [line + bx], al
    inc word [line_len]
    call uart_putc
    jmp .more
.erase:
    cmp word [line_len], 0
    je .more
    dec word [line_len]
    mov si, msg_erase
    call uart_puts
    jmp .more
.end_line:
    mov byte [line_ready], 1
    OUTC 1, 0x00                        ; no more received-data interrupts for now
.done:
    OUTB PIC1, PIC_EOI
    pop dx
    pop bx
    pop ax
    iret

; run_line: answers the line in LINE (LINE_LEN bytes).
run_line:
    mov si, msg_crlf
    call uart_puts
    mov cx, [line_len]
    jcxz .ret
    mov si, cmd_echo
    call match_prefix
    je .echo
    mov si, cmd_ticks
    call match_prefix
    jne .unknown
    cmp word [line_len], 5
    jne .unknown
    mov eax, [ticks]
    call put_dec
    jmp .crlf
.echo:
    mov si, line + 5
    mov cx, [line_len]
    sub cx, 5
    jcxz .crlf
.echo_char:
    lodsb
    call uart_putc
    loop .echo_char
    jmp .crlf
.unknown:
    mov al, '?'
    call uart_putc
.crlf:
    mov si, msg_crlf
    call uart_puts
.ret:
    ret

; match_prefix: ZF set when LINE starts with the NUL-terminated string at SI.
match_prefix:
    push di
    push bx
    mov di, line
    mov bx, [line_len]
.next:
    lodsb
    test al, al
    jz .yes
    test bx, bx
    jz .no
    cmp al, [di]
    jne .no
    inc di
    dec bx
    jmp .next
.yes:
    xor al, al                          ; ZF = 1
    jmp .out
.no:
    or al, 1                            ; ZF = 0
.out:
    pop bx
    pop di
    ret

; VECTOR n, handler: an IVT entry for a handler in this image (ES = 0).
%macro VECTOR 2
    mov word [es:%1 * 4], %2
    mov word [es:%1 * 4 + 2], 0xf000
%endmacro

main:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov es, ax
    mov ax, cs
    mov ds, ax
    cld
    PIC_INIT
    VECTOR 0x20, irq0
    VECTOR 0x21, irq1
    VECTOR 0x24, irq4
    OUTB PIT_CMD, 0x34                  ; counter 0, mode 2: 1193182 / 11932 = 100 Hz
    OUTB PIT_CH0, 0x9c
    OUTB PIT_CH0, 0x2e
    OUTC 3, 0x80                        ; 115200 8N1
    OUTC 0, 0x01
    OUTC 1, 0x00
    OUTC 3, 0x03
    OUTC 2, 0x07                        ; FIFOs on, trigger level 1
    OUTC 4, 0x0b                        ; DTR, RTS, OUT2
    OUTC 1, 0x01                        ; received-data interrupt
    OUTB PIC1 + 1, 0xec                 ; unmask IRQ 0, 1 and 4
    mov si, msg_banner
    call uart_puts
.prompt:
    mov si, msg_prompt
    call uart_puts
    mov word [line_len], 0
    mov byte [line_ready], 0
    OUTC 1, 0x01                        ; the next line may come
    sti
.wait:
    hlt
    cmp byte [line_ready], 0
    je .wait
    call run_line
    jmp .prompt

msg_banner: db "wirt test shell", 13, 10, 0
msg_prompt: db "$ ", 0
msg_crlf: db 13, 10, 0
msg_erase: db 8, " ", 8, 0
msg_off: db 13, 10, "ctrl-alt-del: powering off", 13, 10, 0
cmd_echo: db "echo ", 0
cmd_ticks: db "ticks", 0
ticks: dd 0
line_len: dw 0
line_ready: db 0
ctrl: db 0
alt: db 0
line: times LINE_MAX db 0

    times 0xfff0 - ($ - $$) db 0xff
reset_vector:                           ; F000:FFF0, through the top-of-4-GiB mapping
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xff
