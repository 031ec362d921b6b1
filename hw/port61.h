/*
 * System control port B (port 0x61, IBM PC/AT; the PIIX's NMI status and control
 * register): bit 0 gates PIT counter 2, bit 1 enables the speaker
 * data (kept only), bits 2-3 (parity and IOCHK check enables) are kept; read-only bit 4
 * toggles with each DRAM refresh request (every 15.085 us of virtual time), bit 5 is PIT
 * counter 2's OUT, bits 6-7 (IOCHK and SERR seen) read 0.
 *
 * The port does not know the PIT: the machine wires the gate to an IrqLine (the PIT's
 * pit_gate_handler, n = 2) and OUT2 to a read callback (pit_out_level, n = 2).
 */
#ifndef WIRT_HW_PORT61_H
#define WIRT_HW_PORT61_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

/* Reads input N of another device (a level the port shows, like OUT2). */
typedef bool (*LevelReadFn)(void *opaque, int n);

typedef struct Port61 {
    uint8_t value;          /* bits 0-3 as written */

    /* wiring, not state */
    VClock *clock;
    IrqLine gate2;          /* PIT counter 2's GATE */
    LevelReadFn out2;       /* PIT counter 2's OUT */
    void *out2_opaque;
    int out2_n;
} Port61;

extern const StateDesc port61_state_desc;

bool port61_init(Port61 *p, IoSpace *io, VClock *clock, IrqLine gate2, LevelReadFn out2,
                 void *out2_opaque, int out2_n, char **why);
/* Machine reset: all bits clear, so counter 2's gate is low. */
void port61_reset(Port61 *p);

#endif
