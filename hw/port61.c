/*
 * System control port B at 0x61 (IBM PC/AT technical reference, "System control port B";
 * PIIX datasheet, NMI status and control register): PIT counter 2 gate and speaker
 * enable, refresh toggle and counter 2 OUT.
 */
#include "hw/port61.h"

#define P61_GATE2 0x01
#define P61_WRITABLE 0x0f         /* gate, speaker data, parity and IOCHK check enables */
#define P61_REFRESH 0x10
#define P61_OUT2 0x20
#define P61_REFRESH_NS 15085      /* the refresh request period of the AT's counter 1 */

static uint32_t port61_read(void *opaque, uint16_t port, unsigned size)
{
    Port61 *p = opaque;
    uint8_t v = p->value;

    if ((vclock_now(p->clock) / P61_REFRESH_NS) & 1) {
        v |= P61_REFRESH;
    }
    if (p->out2 && p->out2(p->out2_opaque, p->out2_n)) {
        v |= P61_OUT2;
    }
    return v;
}

static void port61_set(Port61 *p, uint8_t value)
{
    uint8_t old = p->value;
    p->value = value & P61_WRITABLE;
    if ((old ^ p->value) & P61_GATE2) {
        irq_set(&p->gate2, p->value & P61_GATE2);
    }
}

static void port61_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    port61_set(opaque, (uint8_t)value);
}

static const IoPortOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .sizes = IO_SIZE_1,
};

void port61_reset(Port61 *p)
{
    p->value = 0;
    irq_lower(&p->gate2);
}

bool port61_init(Port61 *p, IoSpace *io, VClock *clock, IrqLine gate2, LevelReadFn out2,
                 void *out2_opaque, int out2_n, char **why)
{
    *p = (Port61){
        .clock = clock,
        .gate2 = gate2,
        .out2 = out2,
        .out2_opaque = out2_opaque,
        .out2_n = out2_n,
    };
    port61_reset(p);
    return ioport_register(io, "port61", 0x61, 1, &port61_ops, p, why);
}

static const StateField port61_fields[] = {
    STATE_U8(Port61, value),
    STATE_END,
};

const StateDesc port61_state_desc = { "port61", 1, port61_fields, sizeof(Port61), NULL };
