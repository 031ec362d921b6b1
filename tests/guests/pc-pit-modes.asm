; The 8254 through the CPU's port path (Intel 8254 datasheet: "Control word format",
; "Read operations", "Read-back command", "Status byte", "Modes" 0-5 and the gate table),
; with counter 2's gate on port 0x61 bit 0 and its OUT on bit 5 (hw/port61.c), and counter
; 0's OUT on IRQ 0:
;   - the status byte after each mode's control word (OUT level, null count, access, mode);
;   - mode 0: the count loaded on the next clock even with the gate low, held while the gate
;     is low, stopped by the first byte of a new count, OUT high at terminal count and
;     after, the count wrapping on; a count of 0 standing for 65536 (BCD: 10000);
;   - the counter latch (held until read, a second latch ignored, dropped by a control
;     word), the read-back command (status before count, a latched status held until
;     read, two counters at once), a control word restarting the LSB/MSB read order;
;   - LSB-only, MSB-only and LSB-then-MSB access; BCD counting and its wrap to 9999;
;   - modes 1 and 5 started by a gate edge on port 0x61 (not by bit 1), retriggered by the
;     next edge, mode 1 counting on with the gate low, mode 5's one-clock strobe;
;   - mode 4's strobe, once, held off by the gate; modes 2 and 3 on counter 2: counts
;     within 1..N (mode 3: even), OUT forced high and the count held by the gate low,
;     reload on a gate edge, a new count taken at the end of the period (half-cycle);
;   - counter 1 counting in mode 2;
;   - counter 0 on IRQ 0: mode 0 and mode 4 interrupt once (not again when the count wraps),
;     modes 2 and 3 (binary and BCD) interrupt once per period, counted against counter 2
;     in mode 3 (one input clock drives all the counters: 40 and 80 exactly on the
;     deterministic clock, within 2 on either).
; The input clock is only seen through counts: waits are counted in changes of the
; refresh bit (port 0x61 bit 4, one per 15.085 us) or in counter 2's clocks, and checks
; that need a window of time retry (see RETRY), so they hold on the real-time clock too.
%include "harness.inc"
bits 16
org 0x7c00

%define PIT_CH1 0x41
%define PIT_CH2 0x42
%define PORT61 0x61
%define P61_GATE2 0x01
%define P61_REFRESH 0x10
%define P61_OUT2 0x20

start:
    jmp main
%include "pc.inc"

; --- helpers ---

irq0:
    inc word [ticks]
    push ax
    OUTB PIC1, PIC_EOI
    pop ax
    iret

; AL = counter 2's status (read-back, status only); rb_status0 for counter 0.
rb_status2:
    OUTB PIT_CMD, 0xe8
    in al, PIT_CH2
    ret
rb_status0:
    OUTB PIT_CMD, 0xe2
    in al, PIT_CH0
    ret

; AX = counter 2 read LSB then MSB; latch2 latches it first (counter latch command).
latch2:
    OUTB PIT_CMD, 0x80
read2:
    in al, PIT_CH2
    mov ah, al
    in al, PIT_CH2
    xchg al, ah
    ret

; AX = counter 0 latched.
latch0:
    OUTB PIT_CMD, 0x00
    in al, PIT_CH0
    mov ah, al
    in al, PIT_CH0
    xchg al, ah
    ret

; AL = port 0x61's OUT2 bit (0 or 0x20).
out2:
    in al, PORT61
    and al, P61_OUT2
    ret

; Waits for CX changes of the refresh bit: at least (CX - 1) * 15.085 us.
wait_refresh:
    push ax
    push bx
    push cx
    in al, PORT61
    and al, P61_REFRESH
    mov bl, al
.next:
    in al, PORT61
    and al, P61_REFRESH
    cmp al, bl
    je .next
    mov bl, al
    loop .next
    pop cx
    pop bx
    pop ax
    ret

%macro DELAY 1
    mov cx, %1
    call wait_refresh
%endmacro

; Waits until OUT2 reads BH (0 or P61_OUT2), for at most CX refresh changes; CF on timeout.
wait_out2:
    push ax
    push bx
    in al, PORT61
    and al, P61_REFRESH
    mov bl, al
.poll:
    in al, PORT61
    mov ah, al
    and al, P61_OUT2
    cmp al, bh
    je .seen
    and ah, P61_REFRESH
    cmp ah, bl
    je .poll
    mov bl, ah
    loop .poll
    pop bx
    pop ax
    stc
    ret
.seen:
    pop bx
    pop ax
    clc
    ret

; Counter 2 as a stopwatch: mode 0 with count AX, the gate high until OUT2 rises (at
; least AX input clocks); the gate left low. CF on timeout.
wait_clocks:
    push ax
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xb0
    pop ax
    out PIT_CH2, al
    mov al, ah
    out PIT_CH2, al
    OUTB PORT61, P61_GATE2
    mov bh, P61_OUT2
    mov cx, 5000                        ; 75 ms
    call wait_out2
    pushf
    OUTB PORT61, 0
    popf
    ret

; CF set when a nibble of AX is above 9 (not BCD).
check_bcd:
    push ax
    push cx
    mov cx, 4
.digit:
    mov dl, al
    and dl, 0x0f
    cmp dl, 9
    ja .bad
    shr ax, 4
    loop .digit
    pop cx
    pop ax
    clc
    ret
.bad:
    pop cx
    pop ax
    stc
    ret

; SAMPLE2 n, lo, hi, "what": N latched reads of counter 2 all within lo..hi.
%macro SAMPLE2 4
    mov di, %1
%%next:
    call latch2
    EXPECT_AX_IN %2, %3, %4
    dec di
    jnz %%next
%endmacro

; STATUS_AFTER control, status, "what": counter 2's status right after a control word.
%macro STATUS_AFTER 3
    OUTB PIT_CMD, %1
    call rb_status2
    EXPECT_AL %2, %3
%endmacro

; RETRY cond, label: unless the condition holds, go back to LABEL while [tries] lasts; the
; check that follows then decides. On the real-time clock the host can stall the guest in
; the middle of a timed window; a device bug fails every try. TRIES sets five tries.
; RETRY_IN lo, hi, label: the same for lo <= AX <= hi.
%macro TRIES 0
    mov word [tries], 5
%endmacro
%macro RETRY 2
    j%+1 %%ok
    dec word [tries]
    jnz %2
%%ok:
%endmacro
%macro RETRY_IN 3
    cmp ax, %1
    jb %%again
    cmp ax, %2
    jbe %%ok
%%again:
    dec word [tries]
    jnz %3
%%ok:
%endmacro

; IRQ 0 count between the first and the fifth rising edge of OUT2, as seen when IRQ 0
; wakes HLT (counter 2 in mode 3 is the ruler). Interrupts end disabled.
measure_irq0:
    call out2
    mov bl, al
    xor bp, bp
    sti
.wait:
    hlt
    call out2
    cmp al, bl
    mov bl, al
    je .wait
    test al, al
    jz .wait
    inc bp
    cmp bp, 1
    jne .not_first
    mov di, [ticks]
.not_first:
    cmp bp, 5
    jb .wait
    cli
    mov ax, [ticks]
    sub ax, di
    ret

; Prints "IRQ 0s in 4 ruler periods: AX".
put_rate:
    push si
    mov si, msg_rate
    call put_str
    call put_dec16
    push ax
    mov al, 10
    call put_char
    pop ax
    pop si
    ret

; Counter 2 as the ruler: mode 3, 59660 clocks a period (50 ms), gate high.
start_ruler:
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xb6
    OUTB PIT_CH2, 59660 & 0xff
    OUTB PIT_CH2, 59660 >> 8
    OUTB PORT61, P61_GATE2
    ret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x20, irq0

    ; --- Mode 0 on counter 2, the gate low ---
    OUTB PORT61, 0
    STATUS_AFTER 0xb0, 0x70, "mode 0 control word: status (OUT low, null count, LSB/MSB, mode 0)"
    call out2
    EXPECT_AL 0, "mode 0 control word: OUT2 on port 0x61"
    OUTB PIT_CH2, 0x34
    DELAY 2
    call rb_status2
    EXPECT_AL 0x70, "mode 0, only the LSB written: status (null count)"
    OUTB PIT_CH2, 0xf2
    DELAY 2
    call rb_status2
    EXPECT_AL 0x30, "mode 0 with the gate low: status once the count is loaded (null count clear)"
    call latch2
    EXPECT_AX 0xf234, "mode 0, gate low: the latched count is the count written"
    call read2
    EXPECT_AX 0xf234, "mode 0, gate low: the count read without a latch"
    OUTB PORT61, P61_GATE2
    DELAY 3
    OUTB PORT61, 0
    call latch2
    mov bx, ax
    cmp ax, 0xf234
    EXPECT b, "mode 0: the count goes down while the gate is high"
    call out2
    EXPECT_AL 0, "mode 0 before terminal count: OUT2"
    DELAY 3
    call latch2
    EXPECT_AX bx, "mode 0: the count stands still while the gate is low"

    ; --- The counter latch ---
    OUTB PIT_CMD, 0x80                  ; latches BX
    OUTB PORT61, P61_GATE2
    DELAY 3
    OUTB PORT61, 0
    OUTB PIT_CMD, 0x80                  ; ignored: a count is latched
    call read2
    EXPECT_AX bx, "counter latch: the count from before the counter moved (second latch ignored)"
    call read2
    cmp ax, bx
    EXPECT b, "counter latch: once read, reads follow the counter again"
    mov bx, ax
    OUTB PIT_CMD, 0x80
    OUTB PORT61, P61_GATE2
    DELAY 3
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xd8                  ; read-back count latch: ignored as well
    call read2
    EXPECT_AX bx, "read-back count latch while a count is latched: ignored"

    ; --- Terminal count ---
    OUTB PORT61, P61_GATE2
    OUTB PIT_CH2, 0x10
    OUTB PIT_CH2, 0x00                  ; a new count (16): OUT low, loaded on the next clock
    call rb_status2
    test al, 0x80
    EXPECT z, "mode 0, a new count written: OUT low"
    mov bh, P61_OUT2
    mov cx, 100
    call wait_out2
    EXPECT nc, "mode 0, count 16: OUT2 goes high at terminal count"
    call rb_status2
    EXPECT_AL 0xb0, "mode 0 after terminal count: status (OUT high)"
    DELAY 2
    call latch2
    cmp ax, 0x0010
    EXPECT a, "mode 0 after terminal count: the count wraps and goes on"
    OUTB PORT61, 0
    DELAY 3
    call rb_status2
    EXPECT_AL 0xb0, "mode 0 after terminal count, gate low: OUT stays high"

    ; --- Writing the first byte of a new count stops a mode 0 count; the second loads it ---
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0xf0
    OUTB PORT61, P61_GATE2
    DELAY 2
    OUTB PIT_CH2, 0x00                  ; LSB only: counting stops
    call latch2
    mov bx, ax
    DELAY 3
    call latch2
    EXPECT_AX bx, "mode 0, gate high, first byte of a new count written: the count stops"
    OUTB PIT_CH2, 0xe0                  ; MSB: 0xe000 loaded on the next clock, counting on
    DELAY 3
    call latch2
    EXPECT_AX_IN 0x0001, 0xdfff, "mode 0, second byte written: counting from the new count"

    ; --- A count of 0 is the largest: 0x10000 binary, 10000 BCD ---
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x00
    DELAY 3
    call latch2
    EXPECT_AX_IN 0x1000, 0xffff, "mode 0, count 0 (65536), gate high: the count after a few clocks"
    call out2
    EXPECT_AL 0, "mode 0, count 0 (65536): no terminal count after a few clocks"
    TRIES
.bcd0:
    OUTB PIT_CMD, 0xb1
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x00
    DELAY 3
    call latch2
    mov bx, ax
    call out2
    mov [saved], al
    test al, al
    RETRY z, .bcd0
    mov ax, bx
    RETRY_IN 0x5000, 0x9999, .bcd0
    mov ax, bx
    call check_bcd
    EXPECT nc, "BCD mode 0, count 0 (10000): decimal digits"
    EXPECT_AX_IN 0x5000, 0x9999, "BCD mode 0, count 0 (10000), gate high: the count a few clocks on"
    mov al, [saved]
    EXPECT_AL 0, "BCD mode 0, count 0 (10000): no terminal count after a few clocks"
    OUTB PORT61, 0

    ; --- A control word restarts the read sequence and drops a latched count ---
    OUTB PIT_CMD, 0xb0
    OUTB PIT_CH2, 0x22
    OUTB PIT_CH2, 0x11
    DELAY 2
    in al, PIT_CH2                      ; the LSB: the next read would be the MSB
    OUTB PIT_CMD, 0x80                  ; latch 0x1122
    OUTB PIT_CMD, 0xb0
    OUTB PIT_CH2, 0x44
    OUTB PIT_CH2, 0x33
    DELAY 2
    call read2
    EXPECT_AX 0x3344, "a control word resets the LSB/MSB read order and drops the latched count"

    ; --- Read-back status latch held until read; status before count ---
    OUTB PIT_CMD, 0xb0
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x20                  ; 0x2000: OUT low until terminal count
    DELAY 2
    OUTB PIT_CMD, 0xe8                  ; status latched with OUT low
    OUTB PORT61, P61_GATE2
    mov bh, P61_OUT2
    mov cx, 2000
    call wait_out2
    EXPECT nc, "mode 0, count 0x2000: OUT2 goes high"
    OUTB PIT_CMD, 0xe8                  ; ignored: a status is latched
    in al, PIT_CH2
    EXPECT_AL 0x30, "read-back: the status latched before terminal count, read after it"
    call rb_status2
    EXPECT_AL 0xb0, "read-back: a new status after terminal count"
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xb0
    OUTB PIT_CH2, 0x45
    OUTB PIT_CH2, 0x23
    DELAY 2
    OUTB PIT_CMD, 0xc8                  ; read-back: count and status of counter 2
    in al, PIT_CH2
    EXPECT_AL 0x30, "read-back of count and status: the status comes first"
    call read2
    EXPECT_AX 0x2345, "read-back of count and status: then the count"
    OUTB PIT_CMD, 0x34                  ; counter 0 in mode 2 (IRQ 0 masked)
    OUTB PIT_CH0, 0x00
    OUTB PIT_CH0, 0x80
    DELAY 2
    OUTB PIT_CMD, 0xea                  ; read-back: status of counters 0 and 2 at once
    in al, PIT_CH0
    and al, 0x7f
    EXPECT_AL 0x34, "read-back of two counters: counter 0's status (OUT masked)"
    in al, PIT_CH2
    EXPECT_AL 0x30, "read-back of two counters: counter 2's status"
    OUTB PIT_CMD, 0x74                  ; counter 1 (no gate input, no OUT wiring)
    OUTB PIT_CH1, 0x00
    OUTB PIT_CH1, 0x10
    DELAY 2
    OUTB PIT_CMD, 0x40                  ; counter latch, counter 1
    in al, PIT_CH1
    mov ah, al
    in al, PIT_CH1
    xchg al, ah
    EXPECT_AX_IN 1, 0x0fff, "counter 1 in mode 2: the count runs within 1..N"

    ; --- Access modes ---
    OUTB PIT_CMD, 0x90                  ; LSB only
    OUTB PIT_CH2, 0xf0
    DELAY 2
    call rb_status2
    EXPECT_AL 0x10, "LSB-only mode 0: status"
    in al, PIT_CH2
    EXPECT_AL 0xf0, "LSB-only: the count read back"
    in al, PIT_CH2
    EXPECT_AL 0xf0, "LSB-only: the next read is the LSB again"
    OUTB PIT_CMD, 0x80
    OUTB PORT61, P61_GATE2
    DELAY 2
    OUTB PORT61, 0
    in al, PIT_CH2
    EXPECT_AL 0xf0, "LSB-only: one latched byte"
    in al, PIT_CH2
    cmp al, 0xf0
    EXPECT ne, "LSB-only: after the latched byte, the count moved on"
    OUTB PIT_CMD, 0xa0                  ; MSB only
    OUTB PIT_CH2, 0xf0                  ; count 0xf000
    DELAY 2
    call rb_status2
    EXPECT_AL 0x20, "MSB-only mode 0: status"
    in al, PIT_CH2
    EXPECT_AL 0xf0, "MSB-only: the count's MSB"
    OUTB PORT61, P61_GATE2
    DELAY 2
    OUTB PORT61, 0
    in al, PIT_CH2
    cmp al, 0xf0
    EXPECT b, "MSB-only: the count was 0xf000 (the MSB drops on the first clock)"
    OUTB PIT_CMD, 0xb0                  ; LSB then MSB, read in the same order
    OUTB PIT_CH2, 0xcd
    OUTB PIT_CH2, 0xab
    DELAY 2
    in al, PIT_CH2
    EXPECT_AL 0xcd, "LSB/MSB: the first read is the LSB"
    in al, PIT_CH2
    EXPECT_AL 0xab, "LSB/MSB: the second read is the MSB"

    ; --- BCD ---
    STATUS_AFTER 0xb1, 0x71, "BCD mode 0 control word: status"
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x10                  ; 1000
    DELAY 2
    call latch2
    EXPECT_AX 0x1000, "BCD: the count as written"
    OUTB PORT61, P61_GATE2
    DELAY 3
    OUTB PORT61, 0
    call latch2
    call check_bcd
    EXPECT nc, "BCD: the count read after counting has decimal digits only"
    cmp ax, 0x1000
    EXPECT b, "BCD: the count went down"
    OUTB PIT_CH2, 0x05
    OUTB PIT_CH2, 0x00                  ; 5
    OUTB PORT61, P61_GATE2
    mov bh, P61_OUT2
    mov cx, 100
    call wait_out2
    EXPECT nc, "BCD, count 5: OUT2 goes high at terminal count"
    DELAY 2
    OUTB PORT61, 0
    call latch2
    call check_bcd
    EXPECT nc, "BCD past terminal count: decimal digits only (wraps to 9999, not 0xffff)"
    cmp ax, 0x0005
    EXPECT a, "BCD past terminal count: the count wrapped"
    call rb_status2
    EXPECT_AL 0xb1, "BCD after terminal count: status"

    ; --- The status after each mode's control word: OUT high, null count ---
    STATUS_AFTER 0xb2, 0xf2, "mode 1 control word: status"
    STATUS_AFTER 0xb4, 0xf4, "mode 2 control word: status"
    STATUS_AFTER 0xb6, 0xf6, "mode 3 control word: status"
    STATUS_AFTER 0xb8, 0xf8, "mode 4 control word: status"
    STATUS_AFTER 0xba, 0xfa, "mode 5 control word: status"
    STATUS_AFTER 0x97, 0xd7, "mode 3, LSB only, BCD control word: status"
    STATUS_AFTER 0xa4, 0xe4, "mode 2, MSB only control word: status"

    ; --- Mode 1: hardware retriggerable one-shot ---
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xb2
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0xf0
    DELAY 2
    call rb_status2
    EXPECT_AL 0xf2, "mode 1, count written, no trigger: status (OUT high, null count)"
    OUTB PORT61, 0x02                   ; speaker data, not the gate
    DELAY 2
    call rb_status2
    EXPECT_AL 0xf2, "mode 1: port 0x61 bit 1 does not trigger counter 2"
    OUTB PORT61, 0x03                   ; gate rising edge
    DELAY 2
    call rb_status2
    EXPECT_AL 0x32, "mode 1 after a gate edge: status (OUT low, count loaded)"
    call out2
    EXPECT_AL 0, "mode 1 after a gate edge: OUT2"
    OUTB PORT61, 0
    call latch2
    mov bx, ax
    DELAY 40
    call latch2
    cmp ax, bx
    EXPECT b, "mode 1: counting goes on with the gate low"
    TRIES
.m1_re:
    DELAY 40
    call latch2
    mov bx, ax
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2              ; a second edge retriggers
    DELAY 2
    call latch2
    cmp ax, bx
    RETRY a, .m1_re
    cmp ax, bx
    EXPECT a, "mode 1: a gate edge during the one-shot starts the count again"
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x01                  ; 256, taken at the next trigger
    TRIES
.m1_256:
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2
    DELAY 2
    call rb_status2
    and al, 0x80
    RETRY z, .m1_256
    EXPECT_AL 0, "mode 1, retriggered with a count of 256: OUT low"
    mov bh, P61_OUT2
    mov cx, 100
    call wait_out2
    EXPECT nc, "mode 1, count 256: OUT2 goes high at the end of the one-shot"
    call rb_status2
    EXPECT_AL 0xb2, "mode 1 after the one-shot: status"

    ; --- Mode 5: hardware triggered strobe ---
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xba
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x01                  ; 256
    DELAY 2
    call rb_status2
    EXPECT_AL 0xfa, "mode 5, count written, no trigger: status"
    DELAY 40
    call out2
    EXPECT_AL P61_OUT2, "mode 5 without a trigger: no strobe"
    mov di, 5                           ; tries, in case the host looks away
.m5_try:
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2
    mov bh, 0
    mov cx, 60
    call wait_out2
    jnc .m5_seen
    dec di
    jnz .m5_try
    FAIL_MSG "mode 5: no OUT2 strobe within 900 us of a gate edge (count 256)"
.m5_seen:
    mov bh, P61_OUT2
    mov cx, 2
    call wait_out2
    EXPECT nc, "mode 5: the strobe lasts one clock"
    call rb_status2
    EXPECT_AL 0xba, "mode 5 after the strobe: status"
    mov bh, 0
    mov cx, 60
    call wait_out2
    EXPECT c, "mode 5: one strobe per trigger"
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0xf0
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2
    TRIES
.m5_re:
    DELAY 40
    call latch2
    mov bx, ax
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2
    DELAY 2
    call latch2
    cmp ax, bx
    RETRY a, .m5_re
    cmp ax, bx
    EXPECT a, "mode 5: a gate edge while counting starts the count again"

    ; --- Mode 4: software triggered strobe ---
    OUTB PORT61, 0
    OUTB PIT_CMD, 0xb8
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x01                  ; 256
    DELAY 2
    call rb_status2
    EXPECT_AL 0xb8, "mode 4 with the gate low: status (OUT high, count loaded)"
    call latch2
    EXPECT_AX 0x0100, "mode 4 with the gate low: the count held"
    OUTB PORT61, P61_GATE2
    mov di, 5
.m4_try:
    mov bh, 0
    mov cx, 60
    call wait_out2
    jnc .m4_seen
    OUTB PIT_CH2, 0x00                  ; a new count starts again
    OUTB PIT_CH2, 0x01
    dec di
    jnz .m4_try
    FAIL_MSG "mode 4: no OUT2 strobe within 900 us (count 256)"
.m4_seen:
    mov bh, P61_OUT2
    mov cx, 2
    call wait_out2
    EXPECT nc, "mode 4: the strobe lasts one clock"
    call rb_status2
    EXPECT_AL 0xb8, "mode 4 after the strobe: status"
    mov bh, 0
    mov cx, 60
    call wait_out2
    EXPECT c, "mode 4: one strobe per count written"

    ; --- Mode 2 on counter 2 ---
    OUTB PIT_CMD, 0xb4
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x01                  ; 256
    DELAY 2
    call rb_status2
    and al, 0x7f
    EXPECT_AL 0x34, "mode 2 running: status (OUT masked)"
    SAMPLE2 300, 1, 0x100, "mode 2: every count read lies within 1..N"
    mov di, 5
.m2_try:
    mov bh, 0
    mov cx, 40
    call wait_out2
    jnc .m2_seen
    dec di
    jnz .m2_try
    FAIL_MSG "mode 2: no OUT2 pulse within 600 us (N = 256)"
.m2_seen:
    OUTB PORT61, 0
    call out2
    EXPECT_AL P61_OUT2, "mode 2: the gate low sets OUT high"
    call latch2
    mov bx, ax
    DELAY 3
    call latch2
    EXPECT_AX bx, "mode 2: the count holds while the gate is low"
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x40                  ; 0x4000, taken at the gate edge
    TRIES
.m2_re:
    OUTB PORT61, 0
    OUTB PORT61, P61_GATE2
    DELAY 40
    OUTB PORT61, 0
    call latch2
    mov bx, ax
    EXPECT_AX_IN 0x0001, 0x3fff, "mode 2: after a gate edge, the count runs down from the new N"
    OUTB PORT61, P61_GATE2
    DELAY 2
    call latch2
    cmp ax, bx
    RETRY a, .m2_re
    cmp ax, bx
    EXPECT a, "mode 2: a gate edge reloads the count"
    TRIES
.m2_nc:
    OUTB PORT61, 0
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x40                  ; 0x4000 from the gate edge
    OUTB PORT61, P61_GATE2
    DELAY 2
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x02                  ; 0x200 during the period
    call rb_status2
    mov [saved], al
    call latch2
    mov bx, ax
    test byte [saved], 0x40
    RETRY nz, .m2_nc
    cmp bx, 0x0200
    RETRY a, .m2_nc
    mov al, [saved]
    test al, 0x40
    EXPECT nz, "mode 2: a count written during a period waits (null count)"
    mov ax, bx
    cmp ax, 0x0200
    EXPECT a, "mode 2: the period goes on with the old count"
    mov di, 3000                        ; up to ~45 ms for the 14 ms period to end
.m2_wait:
    DELAY 1
    call rb_status2
    test al, 0x40
    jz .m2_new
    dec di
    jnz .m2_wait
    FAIL_MSG "mode 2: the new count was never taken (null count stays set)"
.m2_new:
    SAMPLE2 100, 1, 0x200, "mode 2: from the next period on, counts lie within 1..the new N"

    ; --- Mode 3 on counter 2 ---
    OUTB PIT_CMD, 0xb6
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x02                  ; 512
    DELAY 2
    mov di, 300
.m3_even:
    call latch2
    test al, 1
    EXPECT z, "mode 3, N even: the count is even"
    EXPECT_AX_IN 2, 0x200, "mode 3, N = 512: counts lie within 2..N"
    dec di
    jnz .m3_even
    mov bh, 0
    mov cx, 200
    call wait_out2
    EXPECT nc, "mode 3: OUT2 goes low for half the period"
    mov bh, P61_OUT2
    mov cx, 200
    call wait_out2
    EXPECT nc, "mode 3: OUT2 goes high for the other half"
    mov bh, 0
    mov cx, 200
    call wait_out2
    EXPECT nc, "mode 3: OUT2 low again"
    OUTB PORT61, 0
    call out2
    EXPECT_AL P61_OUT2, "mode 3: the gate low sets OUT high at once"
    call latch2
    mov bx, ax
    DELAY 3
    call latch2
    EXPECT_AX bx, "mode 3: the count holds while the gate is low"
    OUTB PIT_CH2, 0x01
    OUTB PIT_CH2, 0x02                  ; 513, odd
    OUTB PORT61, P61_GATE2
    DELAY 2
    mov di, 300
.m3_odd:
    call latch2
    test al, 1
    EXPECT z, "mode 3, N odd: the count is even (N - 1 loaded)"
    EXPECT_AX_IN 0, 0x200, "mode 3, N = 513: counts in 0..N-1 (0 for a clock as the high half ends)"
    dec di
    jnz .m3_odd
    TRIES
.m3_nc:
    OUTB PORT61, 0
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x40                  ; 0x4000 from the next gate edge
    OUTB PORT61, P61_GATE2
    DELAY 2
    OUTB PIT_CH2, 0x00
    OUTB PIT_CH2, 0x01                  ; 0x100 during the half-cycle
    call rb_status2
    mov [saved], al
    call latch2
    mov bx, ax
    test byte [saved], 0x40
    RETRY nz, .m3_nc
    cmp bx, 0x0100
    RETRY a, .m3_nc
    mov al, [saved]
    test al, 0x40
    EXPECT nz, "mode 3: a count written during a half-cycle waits (null count)"
    mov ax, bx
    cmp ax, 0x0100
    EXPECT a, "mode 3: the half-cycle goes on with the old count"
    mov di, 2000                        ; up to ~30 ms for the 7 ms half-cycle to end
.m3_wait:
    DELAY 1
    call rb_status2
    test al, 0x40
    jz .m3_new
    dec di
    jnz .m3_wait
    FAIL_MSG "mode 3: the new count was never taken (null count stays set)"
.m3_new:
    SAMPLE2 100, 2, 0x100, "mode 3: from the next half-cycle on, counts lie within 2..the new N"
    OUTB PORT61, 0

    ; --- Counter 0 on IRQ 0 ---
    ; Status bit 7 is the OUT pin (8254 datasheet, "Status byte"), and IRQ 0 is that pin: once
    ; a read-back shows OUT high, the PIC has latched the rising edge.
    mov di, 20
.in_step:
    OUTB PIT_CMD, 0x30                  ; mode 0: OUT low
    PIC_INIT                            ; IRR clear, IRQ 0 masked
    OUTB PIT_CH0, 0x02
    OUTB PIT_CH0, 0x00
.in_step_poll:
    call rb_status0
    test al, 0x80
    jz .in_step_poll
    OUTB PIC1, 0x0a
    in al, PIC1
    test al, 0x01
    EXPECT nz, "counter 0's status shows OUT high: IRQ 0 requested at the PIC (IRR bit 0)"
    dec di
    jnz .in_step
    mov word [ticks], 0
    OUTB PIT_CMD, 0x30                  ; mode 0: OUT (IRQ 0) low
    PIC_INIT                            ; forgets the edges of counter 0's mode 2 above
    OUTB PIT_CH0, 0x00
    OUTB PIT_CH0, 0x10                  ; 0x1000 clocks
    OUTB PIC1 + 1, 0xfe
    sti
.m0_irq:
    hlt
    cmp word [ticks], 0
    je .m0_irq
    mov ax, 0xffff                      ; longer than the counter takes to wrap round
    call wait_clocks
    EXPECT nc, "counter 2 as a stopwatch (0xffff clocks): OUT2 never rose"
    mov ax, 0x2000
    call wait_clocks
    cli
    mov ax, [ticks]
    EXPECT_AX 1, "mode 0 on counter 0: one IRQ 0 at terminal count, none as the count wraps"
    call rb_status0
    EXPECT_AL 0xb0, "mode 0 on counter 0 after terminal count: status"
    OUTB PIT_CH0, 0x00
    OUTB PIT_CH0, 0x10                  ; a new count: OUT low, another terminal count
    call rb_status0
    and al, 0xbf
    EXPECT_AL 0x30, "mode 0 on counter 0, a new count written: status (OUT low)"
    sti
.m0_again:
    hlt
    cmp word [ticks], 2
    jb .m0_again
    cli
    OUTB PIT_CMD, 0x38                  ; mode 4: OUT stays high (no edge)
    OUTB PIT_CH0, 0x00
    OUTB PIT_CH0, 0x10
    sti
.m4_irq:
    hlt
    cmp word [ticks], 3
    jb .m4_irq
    mov ax, 0xffff
    call wait_clocks
    mov ax, 0x2000
    call wait_clocks
    cli
    mov ax, [ticks]
    EXPECT_AX 3, "mode 4 on counter 0: one IRQ 0 for the strobe, none as the count wraps"

    ; Periodic IRQ 0 against the ruler: 4 ruler periods of 59660 clocks.
    OUTB PIT_CMD, 0x34                  ; mode 2, 5966 clocks: 40 interrupts
    OUTB PIT_CH0, 5966 & 0xff
    OUTB PIT_CH0, 5966 >> 8
    call start_ruler
    TRIES
.irq_a:
    call measure_irq0
    call put_rate
    RETRY_IN 38, 42, .irq_a
    EXPECT_AX_IN 38, 42, "mode 2, N = 5966: IRQ 0 count in 4 x 59660 clocks"
    OUTB PIT_CMD, 0x34                  ; mode 2, 2983 clocks: 80 interrupts
    OUTB PIT_CH0, 2983 & 0xff
    OUTB PIT_CH0, 2983 >> 8
    TRIES
.irq_b:
    call measure_irq0
    call put_rate
    RETRY_IN 78, 82, .irq_b
    EXPECT_AX_IN 78, 82, "mode 2, N = 2983: IRQ 0 count in 4 x 59660 clocks"
    OUTB PIT_CMD, 0x36                  ; mode 3, 5966 clocks: 40 interrupts
    OUTB PIT_CH0, 5966 & 0xff
    OUTB PIT_CH0, 5966 >> 8
    TRIES
.irq_c:
    call measure_irq0
    call put_rate
    RETRY_IN 38, 42, .irq_c
    EXPECT_AX_IN 38, 42, "mode 3, N = 5966: IRQ 0 count in 4 x 59660 clocks"
    OUTB PIT_CMD, 0x37                  ; mode 3, BCD 5966: the same rate
    OUTB PIT_CH0, 0x66
    OUTB PIT_CH0, 0x59
    TRIES
.irq_d:
    call measure_irq0
    call put_rate
    RETRY_IN 38, 42, .irq_d
    EXPECT_AX_IN 38, 42, "mode 3, BCD 5966: IRQ 0 count in 4 x 59660 clocks"

    mov si, msg_done
    call put_str
    mov ax, EXPECT_N
    call put_dec16
    mov si, msg_checks
    call put_str
    PASS

msg_done: db "pc-pit-modes: ", 0
msg_rate: db "IRQ 0s in 4 ruler periods: ", 0
msg_checks: db " checks passed", 10, 0
ticks: dw 0
tries: dw 0
saved: db 0
