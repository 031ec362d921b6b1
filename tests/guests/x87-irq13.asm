; x87 errors the PC/AT way (Intel SDM vol. 1, 8.7 "Handling x87 FPU exceptions in software";
; CR0.NE = 0): an unmasked divide-by-zero sets ES, FERR# raises IRQ 13 (slave IR5), the
; handler clears the exception with FNCLEX and acknowledges both PICs, and the waiting
; instruction that had to wait for it then goes on. A second, masked error raises nothing.
%include "harness.inc"
bits 16
org 0x7c00

start:
    jmp main
%include "pc.inc"

irq13:
    push ax
    inc word [irqs]
    fnstsw [sw_seen]
    fnclex                              ; ES off: FERR# drops
    OUTB PIC2, PIC_EOI
    OUTB PIC1, PIC_EOI
    pop ax
    iret

main:
    SETUP
    PIC_INIT
    SET_VECTOR 0x2d, irq13              ; slave base 0x28 + IR5
    OUTB PIC1 + 1, 0xfb                 ; master: only IR2 (the cascade)
    OUTB PIC2 + 1, 0xdf                 ; slave: only IR5 (IRQ 13)
    mov eax, cr0
    test eax, 0x20                      ; NE must be clear for the IRQ 13 path
    CHECK z, 1
    fninit
    fldcw [cw_zm_unmasked]
    sti
    fld1
    fldz
    fdivp st1, st0                      ; 1/0 with ZM clear: ES, FERR#, IRQ 13
    fwait                               ; waits until the handler has cleared it
    cmp word [irqs], 1
    CHECK e, 2
    test word [sw_seen], 0x04           ; the handler saw ZE
    CHECK nz, 3
    test word [sw_seen], 0x80           ; ... and ES
    CHECK nz, 4
    fnstsw ax
    test ax, 0x80                       ; FNCLEX cleared ES
    CHECK z, 5

    fninit                              ; all masked: the same error raises nothing
    fld1
    fldz
    fdivp st1, st0
    fwait
    nop
    cmp word [irqs], 1
    CHECK e, 6
    fnstsw ax
    test ax, 0x04                       ; ZE flagged, ES clear
    CHECK nz, 7
    test ax, 0x80
    CHECK z, 8
    PASS

cw_zm_unmasked: dw 0x037b
irqs: dw 0
sw_seen: dw 0
