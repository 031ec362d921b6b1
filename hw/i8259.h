/*
 * The PC/AT pair of Intel 8259A programmable interrupt controllers (8259A datasheet,
 * "Functional description" and "Programming the 8259A"): the master at ports 0x20-0x21
 * drives the CPU's INTR pin, the slave at 0xa0-0xa1 is cascaded on the master's IR2. The
 * PIIX edge/level control registers (PIIX datasheet: ELCR1 and ELCR2, ports 0x4d0-0x4d1) choose
 * edge or level triggering per input; IRQ 0, 1, 2, 8 and 13 are always edge-triggered.
 *
 * Inputs: pic_set_irq() for IRQ 0-15 (IRQ 2 is the cascade, so a device on ISA IRQ 2
 * reaches IRQ 9 as on the AT bus). An edge-triggered request is latched on the rising
 * edge and stays pending until acknowledged (a pulse is not lost); a level-triggered
 * request lasts while its line is high, and one that goes away before the CPU's INTA
 * gives the spurious vector of IR7 (IRQ 7, or IRQ 15 with the master's IR2 in service).
 * Output: the INTR IrqLine; the CPU's INTA cycle is pic_ack().
 */
#ifndef WIRT_HW_I8259_H
#define WIRT_HW_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

/* One 8259A. */
typedef struct PicChip {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t lines;          /* input levels as last driven, for edge detection */
    uint8_t elcr;           /* PIIX ELCR: 1 = level-triggered input */
    uint8_t elcr_mask;      /* ELCR bits that can be set (not the always-edge inputs) */
    uint8_t icw1, icw2, icw3, icw4; /* initialisation words as written (ICW2: vector base) */
    uint8_t init_step;      /* next ICW expected (2, 3, 4), 0 when initialised */
    uint8_t lowest;         /* the IR with the lowest priority (rotation); 7 after ICW1 */
    bool rotate_aeoi;       /* OCW2 rotate in automatic-EOI mode */
    bool special_mask;      /* OCW3 special mask mode */
    bool poll;              /* OCW3 poll command: the next read is the poll word */
    bool read_isr;          /* OCW3 read register: ISR (true) or IRR */
} PicChip;

typedef struct Pic {
    PicChip chip[2];        /* master, slave */
    bool int_out;           /* the master's INT pin as last driven on intr */
    IrqLine intr;           /* to the CPU's INTR input */
} Pic;

extern const StateDesc pic_state_desc;

/* Registers 0x20-0x21, 0xa0-0xa1 and the ELCR at 0x4d0-0x4d1; INTR drives the CPU. */
bool pic_init(Pic *p, IoSpace *io, IrqLine intr, char **why);
/*
 * Machine reset: every input masked and edge-triggered, nothing pending, INTR low; the
 * chips answer as the PC BIOS sets them up (vectors 0x08 and 0x70, slave on IR2) until
 * the guest initialises them again.
 */
void pic_reset(Pic *p);

/* Drives input IRQ (0-15) to LEVEL. */
void pic_set_irq(Pic *p, int irq, bool level);
/* The same as an IrqHandler (opaque is the Pic, n the IRQ), for irq_connect(). */
void pic_irq_handler(void *opaque, int n, bool level);

/* The INTA cycle: the vector of the highest-priority request, now in service. */
int pic_ack(Pic *p);
/* Matches CpuHooks.irq_ack (opaque is the Pic). */
int pic_ack_hook(void *opaque);
/* INTR is asserted: a request the CPU would take. */
bool pic_pending(const Pic *p);

#endif
