/*
 * The Intel 8254 programmable interval timer (ports 0x40-0x43, a 1.193182 MHz input clock
 * on all three counters). Counter 0's OUT is the timer interrupt (IRQ 0), counter 1 is
 * the refresh counter (its OUT goes nowhere), counter 2's gate and OUT are bits 0 and 5 of
 * port 0x61 (hw/port61.h). Counters 0 and 1 have their gates tied high.
 *
 * Nothing ticks: a counter's value and OUT are computed from the virtual time since it
 * was loaded, at the exact input-clock pulse. A counter whose OUT is wired to a line has
 * a timer armed for the exact pulse of its next OUT edge.
 */
#ifndef WIRT_HW_I8254_H
#define WIRT_HW_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

#define PIT_HZ 1193182          /* input clock, pulses per second */
#define PIT_COUNTERS 3

typedef struct Pit Pit;

/*
 * One counter. Its counting element (CE) is described by what was loaded into it and how
 * many clock pulses it has counted since, as of input-clock pulse t0 (pulses since
 * virtual time 0); everything at a later pulse follows from that.
 */
typedef struct PitCounter {
    uint8_t control;        /* control word bits 5-0: RW1 RW0 M2 M1 M0 BCD */
    uint16_t cr;            /* count register, as written */
    uint8_t cr_lsb;         /* LSB-then-MSB: the LSB waiting for its MSB */
    bool cr_valid;          /* a count was written since the control word */
    bool write_msb;         /* LSB-then-MSB: the next write is the MSB */
    bool read_msb;          /* LSB-then-MSB: the next unlatched read is the MSB */
    uint16_t ol;            /* output latch (counter latch / read-back) */
    uint8_t ol_bytes;       /* latched bytes left: 1 LSB, 2 MSB, 3 LSB then MSB, 0 none */
    uint8_t status;         /* latched read-back status */
    bool status_latched;
    bool null_count;        /* CR written and not yet moved into the CE */
    bool gate;              /* GATE input level */
    bool load_pending;      /* the CR moves into the CE at pulse t0 + 1 */
    bool loaded;            /* the CE holds a count (else it holds `ce`, frozen) */
    uint16_t ce;            /* CE contents while not loaded */
    uint32_t n;             /* count loaded into the CE: 1..65536 (BCD: 1..10000) */
    int64_t pos;            /* pulses counted since that load */
    int64_t t0;             /* the input-clock pulse the fields above describe */
    bool line_out;          /* OUT as last driven on the line */
    int64_t line_tick;      /* the pulse line_out was evaluated at */

    /* wiring, not state */
    Pit *pit;
    IrqLine line;           /* OUT; unconnected for counters 1 and 2 */
    Timer timer;            /* the next OUT edge, while the line is connected */
} PitCounter;

struct Pit {
    PitCounter c[PIT_COUNTERS];
    VClock *clock;
};

extern const StateDesc pit_state_desc;

/*
 * Registers ports 0x40-0x43; IRQ0 receives counter 0's OUT, driven to its reset level at
 * once (so its receiver is set up first).
 */
bool pit_init(Pit *p, IoSpace *io, VClock *clock, IrqLine irq0, char **why);
/* Machine reset: counters in mode 3 and waiting for a count, gates 0-1 high, 2 low. */
void pit_reset(Pit *p);

/* GATE input of counter CH (only counter 2's is wired: port 0x61 bit 0). */
void pit_set_gate(Pit *p, int ch, bool level);
/* The same as an IrqHandler (opaque is the Pit, n the counter), for irq_connect(). */
void pit_gate_handler(void *opaque, int n, bool level);
/* OUT of counter CH now. */
bool pit_get_out(Pit *p, int ch);
/* The same as a read callback (opaque is the Pit, n the counter): port 0x61's OUT2. */
bool pit_out_level(void *opaque, int n);

#endif
