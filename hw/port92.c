/*
 * Port 0x92: fast A20 gate and fast reset (IBM PS/2 system control port A; the same bits
 * on the PIIX's port 92h).
 */
#include "hw/port92.h"

#define P92_RESET (1u << 0)
#define P92_A20 (1u << 1)

static uint32_t port92_read(void *opaque, uint16_t port, unsigned size)
{
    Port92 *p = opaque;
    return p->value;
}

static void port92_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Port92 *p = opaque;
    p->value = (uint8_t)(value & ~P92_RESET);
    irq_set(&p->a20, (value & P92_A20) != 0);
    if (value & P92_RESET) {
        p->reset(p->opaque);
    }
}

static const IoPortOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .sizes = IO_SIZE_1,
};

void port92_reset(Port92 *p)
{
    p->value = P92_A20;
    irq_set(&p->a20, true);
}

bool port92_init(Port92 *p, IoSpace *io, IrqLine a20, Port92ResetFn reset, void *opaque,
                 char **why)
{
    *p = (Port92){ .a20 = a20, .reset = reset, .opaque = opaque };
    port92_reset(p);
    return ioport_register(io, "port92", 0x92, 1, &port92_ops, p, why);
}

/* The A20 output is not re-driven on load: the board saves the A20 inputs it combines. */
static const StateField port92_fields[] = {
    STATE_U8(Port92, value),
    STATE_END,
};
const StateDesc port92_state_desc = {
    .name = "port92", .version = 1, .fields = port92_fields, .size = sizeof(Port92),
};
