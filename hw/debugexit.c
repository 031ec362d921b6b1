/*
 * The debug-exit port: status (value << 1) | 1, as QEMU's isa-debug-exit reports it.
 */
#include "hw/debugexit.h"

static uint32_t debugexit_read(void *opaque, uint16_t port, unsigned size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void debugexit_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    DebugExit *d = opaque;
    d->on_exit(d->opaque, (int)(((value << 1) | 1) & 0xff));
}

static const IoPortOps debugexit_ops = {
    .read = debugexit_read,
    .write = debugexit_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

bool debugexit_init(DebugExit *d, IoSpace *io, uint16_t port, DebugExitFn on_exit,
                    void *opaque, char **why)
{
    d->on_exit = on_exit;
    d->opaque = opaque;
    return ioport_register(io, "debug-exit", port, 1, &debugexit_ops, d, why);
}
