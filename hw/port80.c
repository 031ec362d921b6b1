/*
 * Port 0x80: the POST-code latch.
 */
#include "hw/port80.h"

static uint32_t port80_read(void *opaque, uint16_t port, unsigned size)
{
    Port80 *p = opaque;
    return p->code;
}

static void port80_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Port80 *p = opaque;
    p->code = (uint8_t)value;
    log_trace(p->log, LOG_IO, "POST code 0x%02x\n", p->code);
}

static const IoPortOps port80_ops = {
    .read = port80_read,
    .write = port80_write,
    .sizes = IO_SIZE_1,
};

void port80_reset(Port80 *p)
{
    p->code = 0;
}

bool port80_init(Port80 *p, IoSpace *io, Log *log, char **why)
{
    *p = (Port80){ .log = log };
    return ioport_register(io, "port80", 0x80, 1, &port80_ops, p, why);
}

static const StateField port80_fields[] = {
    STATE_U8(Port80, code),
    STATE_END,
};
const StateDesc port80_state_desc = {
    .name = "port80", .version = 1, .fields = port80_fields, .size = sizeof(Port80),
};
