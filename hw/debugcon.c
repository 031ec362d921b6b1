/*
 * The 0xe9 debug console.
 */
#include "hw/debugcon.h"

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xe9;
}

static void debugcon_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    DebugCon *d = opaque;
    uint8_t b = (uint8_t)value;
    d->out(d->opaque, &b, 1);
}

static const IoPortOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .sizes = IO_SIZE_1,
};

bool debugcon_init(DebugCon *d, IoSpace *io, uint16_t port, DebugConOut out, void *opaque,
                   char **why)
{
    d->out = out;
    d->opaque = opaque;
    return ioport_register(io, "debugcon", port, 1, &debugcon_ops, d, why);
}
