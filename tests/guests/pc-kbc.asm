; The 8042 keyboard controller with its PS/2 keyboard and mouse, through the CPU (IBM PC/AT
; Technical Reference, "Keyboard controller"; IBM PS/2 Hardware Interface Technical
; Reference, "Keyboard/Auxiliary Device Controller", "Keyboard" and "Pointing Device"):
;   - status register: OBF, IBF (clear once a byte is taken), SYS from the command byte,
;     command/data (A2), AUXB for bytes from the aux port;
;   - controller commands: self-test (0xaa -> 0x55), interface tests (0xab, 0xa9 -> 0),
;     command byte (0x20/0x60) and the rest of the internal RAM (0x21-0x3f/0x61-0x7f),
;     disable/enable keyboard (0xad/0xae) and aux (0xa7/0xa8) ports, a disabled port
;     holding its device's bytes back; write keyboard/aux output buffer (0xd2/0xd3);
;   - the output port (0xd0/0xd1): its A20 bit gating A20 (with port 0x92's off, a write at
;     1 MiB lands at 0 when A20 is off, not when it is on);
;   - keyboard commands on port 0x60: reset (0xfa 0xaa), identify (0xfa 0xab 0x83, 0x41 with
;     set-2-to-set-1 translation), echo, scan set (0x02, 0x41 translated), LEDs, resend,
;     an unknown command (0xfe);
;   - mouse commands via 0xd4: reset (0xfa 0xaa 0x00), identify, the IntelliMouse knock
;     (ID 3), status request, data reporting, wrap mode, an invalid rate (0xfe);
;   - IRQ 1 and IRQ 12 only when the command byte enables them, one per byte taken.
; The CPU reset pulse (command 0xfe) is pc-kbc-reset.asm.
%include "harness.inc"
bits 16
org 0x7c00

%define KBC_DATA 0x60
%define KBC_CMD 0x64
%define ST_OBF 0x01
%define ST_IBF 0x02
%define ST_SYS 0x04
%define ST_CMD 0x08
%define ST_AUXB 0x20

start:
    jmp main
%include "pc.inc"

; --- the controller ---

; Writes AL to port 0x64 (kbc_cmd) or 0x60 (kbc_data) once IBF is clear; then checks that
; the controller took it (IBF clear again).
kbc_cmd:
    push dx
    mov dx, KBC_CMD
    jmp kbc_write
kbc_data:
    push dx
    mov dx, KBC_DATA
kbc_write:
    push cx
    push ax
    mov cx, 0xffff
.wait:
    in al, KBC_CMD
    test al, ST_IBF
    jz .ready
    loop .wait
    FAIL_MSG "IBF stays set: the controller never takes the byte"
.ready:
    pop ax
    out dx, al
    pop cx
    pop dx
    ret

; AL = the next byte from the output buffer, AH = the status that announced it; CF when
; none comes.
kbc_read:
    push cx
    mov cx, 0xffff
.wait:
    in al, KBC_CMD
    test al, ST_OBF
    jnz .full
    loop .wait
    pop cx
    stc
    ret
.full:
    mov ah, al
    in al, KBC_DATA
    pop cx
    clc
    ret

; Empties the output buffer and whatever the devices still have queued.
kbc_drain:
    push ax
.next:
    in al, KBC_CMD
    test al, ST_OBF
    jz .done
    in al, KBC_DATA
    jmp .next
.done:
    pop ax
    ret

; CMD byte / DATA byte / MOUSE byte (command 0xd4, then the byte).
%macro CMD 1
    mov al, %1
    call kbc_cmd
%endmacro
%macro DATA 1
    mov al, %1
    call kbc_data
%endmacro
%macro MOUSE 1
    CMD 0xd4
    DATA %1
%endmacro

; KBD byte, "what": the next output byte is BYTE from the keyboard side (AUXB clear).
; AUX byte, "what": the same from the aux side (AUXB set).
%macro KBD 2
    call kbc_read
    EXPECT nc, {%2, ": nothing in the output buffer"}
    EXPECT_AL %1, %2
    test ah, ST_AUXB
    EXPECT z, {%2, ": AUXB set for a keyboard-side byte"}
%endmacro
%macro AUX 2
    call kbc_read
    EXPECT nc, {%2, ": nothing in the output buffer"}
    EXPECT_AL %1, %2
    test ah, ST_AUXB
    EXPECT nz, {%2, ": AUXB clear for an aux byte"}
%endmacro
; EMPTY "what": no byte is waiting.
%macro EMPTY 1
    in al, KBC_CMD
    test al, ST_OBF
    EXPECT z, %1
%endmacro

; AL = the command byte.
read_ctr:
    CMD 0x20
    call kbc_read
    ret
; The command byte = AL.
write_ctr:
    push ax
    CMD 0x60
    pop ax
    call kbc_data
    ret

; IRQ 1 and IRQ 12: each byte taken into `got`.
irq1:
    push ax
    push bx
    in al, KBC_DATA
    movzx bx, byte [ngot]
    and bl, 0x0f
    mov [got + bx], al
    inc byte [ngot]
    inc byte [nirq1]
    OUTB PIC1, PIC_EOI
    pop bx
    pop ax
    iret
irq12:
    push ax
    push bx
    in al, KBC_DATA
    movzx bx, byte [ngot]
    and bl, 0x0f
    mov [got + bx], al
    inc byte [ngot]
    inc byte [nirq12]
    OUTB PIC2, PIC_EOI
    OUTB PIC1, PIC_EOI
    pop bx
    pop ax
    iret

; Waits with interrupts on until AH bytes came by interrupt; CF on timeout.
wait_got:
    push cx
    mov cx, 0xffff
.poll:
    cmp [ngot], ah
    jae .yes
    in al, KBC_CMD
    loop .poll
    pop cx
    stc
    ret
.yes:
    pop cx
    clc
    ret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x21, irq1
    SET_VECTOR 0x2c, irq12
    call kbc_drain
    mov al, 0x00                        ; no interrupts, no translation, both ports on
    call write_ctr

    ; --- Status register and controller commands ---
    in al, KBC_CMD
    test al, ST_OBF
    EXPECT z, "status: OBF clear with nothing to read"
    test al, ST_IBF
    EXPECT z, "status: IBF clear"
    test al, ST_CMD
    EXPECT z, "status: A2 clear after a write to port 0x60"
    CMD 0xaa
    in al, KBC_CMD
    test al, ST_CMD
    EXPECT nz, "status: A2 set after a write to port 0x64"
    test al, ST_OBF
    EXPECT nz, "self-test: OBF set with its answer"
    KBD 0x55, "self-test (0xaa)"
    in al, KBC_CMD
    test al, ST_OBF
    EXPECT z, "status: OBF clear once the answer is read"
    in al, KBC_DATA
    EXPECT_AL 0x55, "port 0x60 read again: the last byte stays in the register"
    CMD 0xab
    KBD 0x00, "keyboard interface test (0xab)"
    CMD 0xa4
    KBD 0xf1, "password check (0xa4): none installed (0xf1)"
    CMD 0xa9
    KBD 0x00, "aux interface test (0xa9)"
    mov al, 0x00                        ; the self-test may have changed the command byte
    call write_ctr
    call read_ctr
    EXPECT_AL 0x00, "command byte written as 0x00 reads back"
    mov al, 0x25                        ; IRQ 1 on, SYS, aux port off
    call write_ctr
    call read_ctr
    EXPECT_AL 0x25, "command byte written as 0x25 reads back"
    in al, KBC_CMD
    test al, ST_SYS
    EXPECT nz, "status: SYS follows command byte bit 2 (set)"
    mov al, 0x00
    call write_ctr
    in al, KBC_CMD
    test al, ST_SYS
    EXPECT z, "status: SYS follows command byte bit 2 (clear)"
    CMD 0x61                            ; internal RAM byte 1
    DATA 0x5a
    CMD 0x7f                            ; and byte 31
    DATA 0xa5
    CMD 0x21
    KBD 0x5a, "internal RAM byte 1 (0x61, then 0x21)"
    CMD 0x3f
    KBD 0xa5, "internal RAM byte 31 (0x7f, then 0x3f)"
    call read_ctr
    EXPECT_AL 0x00, "command byte untouched by the other RAM bytes"
    CMD 0xad
    call read_ctr
    EXPECT_AL 0x10, "0xad (disable keyboard) sets command byte bit 4"
    CMD 0xae
    call read_ctr
    EXPECT_AL 0x00, "0xae (enable keyboard) clears command byte bit 4"
    CMD 0xa7
    call read_ctr
    EXPECT_AL 0x20, "0xa7 (disable aux) sets command byte bit 5"
    CMD 0xa8
    call read_ctr
    EXPECT_AL 0x00, "0xa8 (enable aux) clears command byte bit 5"
    CMD 0xd2
    DATA 0x5a
    KBD 0x5a, "0xd2: the byte as from the keyboard"
    CMD 0xd3
    DATA 0xa5
    AUX 0xa5, "0xd3: the byte as from the aux device"
    EMPTY "nothing more after 0xd2/0xd3"
    CMD 0xff                            ; pulse no output line: nothing happens
    CMD 0x20
    KBD 0x00, "after 0xff (pulse nothing) the controller goes on"

    ; --- The keyboard (no translation) ---
    DATA 0xff
    KBD 0xfa, "keyboard reset (0xff): ACK"
    KBD 0xaa, "keyboard reset (0xff): self-test passed"
    EMPTY "keyboard reset: two bytes"
    DATA 0xf2
    KBD 0xfa, "keyboard identify (0xf2): ACK"
    KBD 0xab, "keyboard identify (0xf2): first ID byte"
    KBD 0x83, "keyboard identify (0xf2): second ID byte"
    DATA 0xee
    KBD 0xee, "keyboard echo (0xee)"
    DATA 0xf0
    KBD 0xfa, "keyboard scan set (0xf0): ACK"
    DATA 0x00
    KBD 0xfa, "keyboard scan set 0 (get): ACK"
    KBD 0x02, "keyboard scan set 0 (get): set 2"
    DATA 0xf0
    KBD 0xfa, "keyboard scan set (0xf0): ACK"
    DATA 0x01
    KBD 0xfa, "keyboard scan set 1: ACK"
    DATA 0xf0
    KBD 0xfa, "keyboard scan set (0xf0): ACK"
    DATA 0x00
    KBD 0xfa, "keyboard scan set 0 (get): ACK"
    KBD 0x01, "keyboard scan set 0 (get): set 1 now"
    DATA 0xf6
    KBD 0xfa, "keyboard set defaults (0xf6): ACK"
    DATA 0xf0
    KBD 0xfa, "keyboard scan set (0xf0): ACK"
    DATA 0x00
    KBD 0xfa, "keyboard scan set 0 (get): ACK"
    KBD 0x02, "keyboard scan set 0 (get): set 2 again after defaults"
    DATA 0xed
    KBD 0xfa, "keyboard LEDs (0xed): ACK"
    DATA 0x07
    KBD 0xfa, "keyboard LEDs value: ACK"
    DATA 0xf3
    KBD 0xfa, "keyboard typematic (0xf3): ACK"
    DATA 0x20
    KBD 0xfa, "keyboard typematic value: ACK"
    DATA 0xed
    KBD 0xfa, "keyboard LEDs (0xed) again: ACK"
    DATA 0xee                           ; a command instead of the LED byte
    KBD 0xee, "keyboard LEDs, then echo instead of the LED byte: the echo"
    DATA 0xe0
    KBD 0xfe, "keyboard, unknown command 0xe0: resend (0xfe)"
    DATA 0xee
    KBD 0xee, "keyboard echo again"
    DATA 0xfe
    KBD 0xee, "keyboard resend (0xfe): the last byte again"
    DATA 0xf5
    KBD 0xfa, "keyboard disable scanning (0xf5): ACK"
    DATA 0xf4
    KBD 0xfa, "keyboard enable scanning (0xf4): ACK"
    EMPTY "nothing more from the keyboard"

    ; The 8042's translation (command byte bit 6) turns set-2 bytes into set 1.
    mov al, 0x40
    call write_ctr
    DATA 0xf2
    KBD 0xfa, "translated identify: ACK"
    KBD 0xab, "translated identify: first ID byte"
    KBD 0x41, "translated identify: 0x83 becomes 0x41"
    DATA 0xf0
    KBD 0xfa, "translated scan set: ACK"
    DATA 0x00
    KBD 0xfa, "translated scan set 0 (get): ACK"
    KBD 0x41, "translated scan set 0 (get): set 2 reads 0x41"
    mov al, 0x00
    call write_ctr

    ; A disabled keyboard port holds the keyboard's bytes back.
    DATA 0xf2
    KBD 0xfa, "identify for the disabled-port test: ACK"
    CMD 0xad                            ; 0xab is in the output buffer already
    KBD 0xab, "keyboard port disabled: the byte already in the output buffer"
    EMPTY "keyboard port disabled: the keyboard's next byte is held back"
    CMD 0xae
    KBD 0x83, "keyboard port enabled again: the held byte arrives"
    CMD 0xad
    DATA 0xee                           ; a byte for the keyboard enables its port again
    KBD 0xee, "keyboard port disabled, then echo (0xee) sent: the answer arrives"
    call read_ctr
    EXPECT_AL 0x00, "a byte sent to the keyboard clears command byte bit 4"

    ; --- The mouse, via 0xd4 ---
    MOUSE 0xff
    AUX 0xfa, "mouse reset (0xff): ACK"
    AUX 0xaa, "mouse reset (0xff): self-test passed"
    AUX 0x00, "mouse reset (0xff): ID 0"
    EMPTY "mouse reset: three bytes"
    MOUSE 0xf2
    AUX 0xfa, "mouse identify (0xf2): ACK"
    AUX 0x00, "mouse identify (0xf2): ID 0 (standard mouse)"
    MOUSE 0xe9
    AUX 0xfa, "mouse status (0xe9): ACK"
    AUX 0x00, "mouse status after reset: stream mode, reporting off, 1:1, no buttons"
    AUX 0x02, "mouse status after reset: resolution 4 counts/mm"
    AUX 0x64, "mouse status after reset: 100 samples/s"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0xc8
    AUX 0xfa, "mouse sample rate 200: ACK"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0x64
    AUX 0xfa, "mouse sample rate 100: ACK"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0x50
    AUX 0xfa, "mouse sample rate 80: ACK"
    MOUSE 0xf2
    AUX 0xfa, "mouse identify after the knock: ACK"
    AUX 0x03, "mouse identify after 200, 100, 80: ID 3 (IntelliMouse)"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0xc8
    AUX 0xfa, "mouse sample rate 200: ACK"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0xc8
    AUX 0xfa, "mouse sample rate 200: ACK"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0x50
    AUX 0xfa, "mouse sample rate 80: ACK"
    MOUSE 0xf2
    AUX 0xfa, "mouse identify after the second knock: ACK"
    AUX 0x04, "mouse identify after 200, 200, 80: ID 4 (IntelliMouse Explorer)"
    MOUSE 0xe8
    AUX 0xfa, "mouse resolution (0xe8): ACK"
    MOUSE 0x03
    AUX 0xfa, "mouse resolution 3: ACK"
    MOUSE 0xe7
    AUX 0xfa, "mouse scaling 2:1 (0xe7): ACK"
    MOUSE 0xf4
    AUX 0xfa, "mouse enable reporting (0xf4): ACK"
    MOUSE 0xe9
    AUX 0xfa, "mouse status (0xe9): ACK"
    AUX 0x30, "mouse status: reporting on, 2:1 scaling"
    AUX 0x03, "mouse status: resolution 3"
    AUX 0x50, "mouse status: 80 samples/s"
    MOUSE 0xf5
    AUX 0xfa, "mouse disable reporting (0xf5): ACK"
    MOUSE 0xf3
    AUX 0xfa, "mouse sample rate (0xf3): ACK"
    MOUSE 0x33
    AUX 0xfe, "mouse sample rate 51 (invalid): resend (0xfe)"
    MOUSE 0xee
    AUX 0xfa, "mouse wrap mode (0xee): ACK"
    MOUSE 0x12
    AUX 0x12, "mouse wrap mode: the byte echoed"
    MOUSE 0xec
    AUX 0xfa, "mouse reset wrap mode (0xec): ACK"
    MOUSE 0x01
    AUX 0xfe, "mouse, unknown command 0x01: resend (0xfe)"
    MOUSE 0xf6
    AUX 0xfa, "mouse set defaults (0xf6): ACK"
    EMPTY "nothing more from the mouse"

    ; A disabled aux port holds the mouse's bytes back.
    MOUSE 0xff
    AUX 0xfa, "mouse reset for the disabled-port test: ACK"
    CMD 0xa7                            ; 0xaa is in the output buffer already
    AUX 0xaa, "aux port disabled: the byte already in the output buffer"
    EMPTY "aux port disabled: the mouse's next byte is held back"
    CMD 0xa8
    AUX 0x00, "aux port enabled again: the held byte arrives"
    MOUSE 0xf0
    AUX 0xfa, "mouse remote mode (0xf0): ACK"
    MOUSE 0xeb
    AUX 0xfa, "mouse read data (0xeb): ACK"
    AUX 0x08, "mouse read data: packet byte 1 (no buttons, no motion)"
    AUX 0x00, "mouse read data: packet byte 2 (X)"
    AUX 0x00, "mouse read data: packet byte 3 (Y)"
    MOUSE 0xe9
    AUX 0xfa, "mouse status in remote mode: ACK"
    AUX 0x40, "mouse status in remote mode: bit 6"
    AUX 0x02, "mouse status in remote mode: resolution"
    AUX 0x64, "mouse status in remote mode: rate"
    MOUSE 0xea
    AUX 0xfa, "mouse stream mode (0xea): ACK"
    EMPTY "nothing more from the mouse after the remote-mode commands"

    ; --- The output port and A20 ---
    CMD 0xd0
    call kbc_read
    and al, 0x03
    EXPECT_AL 0x03, "output port (0xd0): reset line released, A20 on"
    in al, 0x92
    and al, ~0x02                       ; port 0x92's A20 off: the 8042 alone gates it
    out 0x92, al
    push es
    mov ax, 0xffff
    mov es, ax
    mov byte [0x0500], 0x11
    mov byte [es:0x0510], 0x22          ; 1 MiB + 0x500
    cmp byte [0x0500], 0x11
    EXPECT e, "A20 on: a write at 1 MiB + 0x500 leaves 0x500 alone"
    CMD 0xd1
    DATA 0xdd                           ; A20 off, reset line high
    CMD 0xd0
    call kbc_read
    and al, 0x03
    EXPECT_AL 0x01, "output port written 0xdd: reads A20 off"
    mov byte [es:0x0510], 0x33
    cmp byte [0x0500], 0x33
    EXPECT e, "output port A20 off: a write at 1 MiB + 0x500 lands at 0x500"
    in al, 0x92
    or al, 0x02
    out 0x92, al
    mov byte [es:0x0510], 0x44
    cmp byte [0x0500], 0x33
    EXPECT e, "output port A20 off but port 0x92's on: A20 is on"
    in al, 0x92
    and al, ~0x02
    out 0x92, al
    CMD 0xd1
    DATA 0xdf                           ; A20 on
    CMD 0xd0
    call kbc_read
    and al, 0x03
    EXPECT_AL 0x03, "output port written 0xdf: reads A20 on"
    mov byte [es:0x0510], 0x55
    cmp byte [0x0500], 0x33
    EXPECT e, "output port A20 on again: 1 MiB + 0x500 is its own byte"
    cmp byte [es:0x0510], 0x55
    EXPECT e, "output port A20 on again: the byte at 1 MiB + 0x500 reads back"
    pop es
    in al, 0x92
    or al, 0x02
    out 0x92, al

    ; --- IRQ 1 and IRQ 12 follow the command byte ---
    PIC_INIT                            ; all masked, no old edges: requests show in the IRR
    CMD 0xd2
    DATA 0x11
    OUTB PIC1, 0x0a
    in al, PIC1
    test al, 0x02
    EXPECT z, "command byte bit 0 clear: keyboard data raises no IRQ 1"
    call kbc_drain
    CMD 0xd3
    DATA 0x12
    OUTB PIC2, 0x0a
    in al, PIC2
    test al, 0x10
    EXPECT z, "command byte bit 1 clear: aux data raises no IRQ 12"
    call kbc_drain
    mov al, 0x01
    call write_ctr
    CMD 0xd2
    DATA 0x11
    in al, PIC1
    test al, 0x02
    EXPECT nz, "command byte bit 0 set: keyboard data raises IRQ 1"
    call kbc_drain
    CMD 0xd3
    DATA 0x12
    in al, PIC2
    test al, 0x10
    EXPECT z, "command byte bit 1 clear, bit 0 set: aux data raises no IRQ 12"
    call kbc_drain
    mov al, 0x02
    call write_ctr
    CMD 0xd3
    DATA 0x12
    in al, PIC2
    test al, 0x10
    EXPECT nz, "command byte bit 1 set: aux data raises IRQ 12"
    call kbc_drain

    ; Delivered: one interrupt per byte, the handler reading each.
    PIC_INIT
    OUTB PIC1 + 1, 0xf9                 ; IRQ 1 and the cascade
    OUTB PIC2 + 1, 0xef                 ; IRQ 12
    mov al, 0x03
    call write_ctr
    mov byte [ngot], 0
    sti
    DATA 0xf2                           ; keyboard identify
    mov ah, 3
    call wait_got
    EXPECT nc, "keyboard identify with IRQ 1 on: three interrupts"
    cli
    mov al, [nirq1]
    EXPECT_AL 3, "keyboard identify: three IRQ 1s"
    mov al, [got]
    EXPECT_AL 0xfa, "keyboard identify by IRQ 1: ACK"
    mov al, [got + 1]
    EXPECT_AL 0xab, "keyboard identify by IRQ 1: first ID byte"
    mov al, [got + 2]
    EXPECT_AL 0x83, "keyboard identify by IRQ 1: second ID byte"
    mov byte [ngot], 0
    sti
    MOUSE 0xf2                          ; mouse identify
    mov ah, 2
    call wait_got
    EXPECT nc, "mouse identify with IRQ 12 on: two interrupts"
    cli
    mov al, [nirq12]
    EXPECT_AL 2, "mouse identify: two IRQ 12s"
    mov al, [nirq1]
    EXPECT_AL 3, "mouse identify: no IRQ 1"
    mov al, [got]
    EXPECT_AL 0xfa, "mouse identify by IRQ 12: ACK"
    mov al, [got + 1]
    EXPECT_AL 0x00, "mouse identify by IRQ 12: ID 0 (reset since the knock)"
    mov al, 0x00
    call write_ctr

    mov si, msg_done
    call put_str
    mov ax, EXPECT_N
    call put_dec16
    mov si, msg_checks
    call put_str
    PASS

msg_done: db "pc-kbc: ", 0
msg_checks: db " checks passed", 10, 0
ngot: db 0
nirq1: db 0
nirq12: db 0
got: times 16 db 0
