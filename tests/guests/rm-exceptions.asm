; Real-mode exceptions and debug traps (Intel SDM vol. 3A, 6.15, 17.3; 20.1.4 real-mode
; interrupt handling): #DE, #BP, #OF, #BR, #UD with the right return addresses; single-
; step traps counted one per instruction while TF is set; an instruction breakpoint in
; DR0 faulting before its instruction; a data-write breakpoint in DR1 trapping after it.
%include "harness.inc"
bits 16
org 0x7c00

%macro SET_VECTOR 2          ; vector, handler
    mov word [%1 * 4], %2
    mov word [%1 * 4 + 2], 0
%endmacro

; EXPECT_FAULT vector, resume: the handler for the next exception must be VECTOR and
; resumes at RESUME; it records the faulting IP in last_ip.
%macro EXPECT 2
    mov byte [want_vector], %1
    mov word [resume], %2
%endmacro

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
%assign v 0
%rep 8
    SET_VECTOR v, fault_%+v
%assign v v+1
%endrep

    ; 1. #DE: divide by zero, a fault: the pushed IP is the DIV.
    EXPECT 0, after_div
    xor bl, bl
    mov ax, 1
div_insn:
    div bl
    FAIL 1
after_div:
    cmp word [last_ip], div_insn
    CHECK e, 2

    ; 2. #BP from INT3 and #OF from INTO are traps: the pushed IP follows them.
    EXPECT 3, after_int3
    int3
int3_next:
    FAIL 3
after_int3:
    cmp word [last_ip], int3_next
    CHECK e, 4
    EXPECT 4, after_into
    mov al, 0x7f
    add al, 1                ; OF = 1
    into
into_next:
    FAIL 5
after_into:
    cmp word [last_ip], into_next
    CHECK e, 6

    ; 3. #BR from BOUND and #UD from UD2 are faults.
    EXPECT 5, after_bound
    mov ax, 10
bound_insn:
    bound ax, [bounds]
    FAIL 7
after_bound:
    cmp word [last_ip], bound_insn
    CHECK e, 8
    EXPECT 6, after_ud
ud_insn:
    ud2
    FAIL 9
after_ud:
    cmp word [last_ip], ud_insn
    CHECK e, 10

    ; 4. Single-step: TF set by POPF traps after each following instruction, including
    ;    the POPF that clears it: 7 traps.
    SET_VECTOR 1, step_handler
    mov word [steps], 0
    pushf
    pop ax
    or ax, 0x100
    push ax
    popf
    nop
    nop
    pushf
    pop ax
    and ax, 0xfeff
    push ax
    popf
    cmp word [steps], 7
    CHECK e, 11

    ; 5. An instruction breakpoint (DR0, DR7.L0, R/W 00) faults before the instruction.
    SET_VECTOR 1, fault_1
    EXPECT 1, after_bp
    mov eax, bp_target
    mov dr0, eax
    mov eax, 0x00000001
    mov dr7, eax
    nop
bp_target:
    nop
    FAIL 12
after_bp:
    xor eax, eax
    mov dr7, eax
    cmp word [last_ip], bp_target
    CHECK e, 13
    mov eax, dr6
    test al, 1
    CHECK nz, 14

    ; 6. A data-write breakpoint (DR1, L1, R/W 01, LEN 01 = 2 bytes) traps after the write;
    ;    a read of the same word does not.
    EXPECT 1, after_wbp
    mov eax, watched
    mov dr1, eax
    mov eax, (1 << 2) | (0x1 << 20) | (0x1 << 22)
    mov dr7, eax
    mov ax, [watched]        ; a read: no trap
    mov word [watched + 1], 0x1234
wbp_next:
    FAIL 15
after_wbp:
    xor eax, eax
    mov dr7, eax
    cmp word [last_ip], wbp_next
    CHECK e, 16
    mov eax, dr6
    test al, 2
    CHECK nz, 17
    PASS

; Fault handlers: check the vector, record the pushed IP, drop the frame, resume.
%assign v 0
%rep 8
fault_%+v:
    mov al, v
    jmp fault_common
%assign v v+1
%endrep
fault_common:
    cmp al, [want_vector]
    jne .wrong
    pop word [last_ip]
    add sp, 4                ; CS, FLAGS
    mov byte [want_vector], 0xff
    jmp word [resume]
.wrong:
    FAIL 99

step_handler:
    inc word [steps]
    iret

want_vector: db 0xff
resume: dw 0
last_ip: dw 0
steps: dw 0
bounds: dw 0, 5
align 2
watched: dw 0, 0
