/*
 * The I/O-port space: range registration and size splitting/widening.
 */
#include "mmu/ioport.h"

#include <glib.h>

void ioport_init(IoSpace *io, Log *log)
{
    *io = (IoSpace){ .map = g_new0(uint16_t, 65536), .log = log };
}

void ioport_destroy(IoSpace *io)
{
    for (unsigned i = 0; i < io->nranges; i++) {
        g_free(io->ranges[i].name);
    }
    g_free(io->ranges);
    g_free(io->map);
    *io = (IoSpace){ 0 };
}

bool ioport_register(IoSpace *io, const char *name, uint16_t first, uint32_t count,
                     const IoPortOps *ops, void *opaque, char **why)
{
    if (count == 0 || first + count > 65536) {
        *why = g_strdup_printf("ports of '%s' (0x%x+%u) leave the I/O space", name, first,
                               count);
        return false;
    }
    for (uint32_t p = first; p < first + count; p++) {
        if (io->map[p]) {
            *why = g_strdup_printf("port 0x%x of '%s' is taken by '%s'", p, name,
                                   io->ranges[io->map[p] - 1].name);
            return false;
        }
    }
    io->ranges = g_renew(IoPortRange, io->ranges, io->nranges + 1);
    io->ranges[io->nranges] = (IoPortRange){
        .first = first, .count = count, .ops = ops, .opaque = opaque, .name = g_strdup(name),
    };
    io->nranges++;
    for (uint32_t p = first; p < first + count; p++) {
        io->map[p] = (uint16_t)io->nranges;
    }
    return true;
}

static unsigned io_sizes(const IoPortRange *r)
{
    return r->ops->sizes ? r->ops->sizes : IO_SIZE_1;
}

uint32_t ioport_read(IoSpace *io, uint16_t port, unsigned size)
{
    uint16_t idx = io->map[port];
    uint32_t v;

    if (!idx) {
        log_trace(io->log, LOG_UNASSIGNED, "unassigned in%u port 0x%04x\n", size * 8, port);
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    const IoPortRange *r = &io->ranges[idx - 1];
    if (io_sizes(r) & size) {
        v = r->ops->read(r->opaque, port, size);
    } else if (size > 1 && !(io_sizes(r) & 1) && size < 4 && (io_sizes(r) & 4)) {
        v = r->ops->read(r->opaque, port, 4) & ((1u << (8 * size)) - 1);
    } else {
        /* Split into halves; each half is routed afresh (it may reach another device). */
        unsigned half = size / 2;
        if (!half) {
            v = r->ops->read(r->opaque, port, io_sizes(r) & 2 ? 2 : 4) & 0xff;
        } else {
            v = ioport_read(io, port, half) |
                ioport_read(io, (uint16_t)(port + half), half) << (8 * half);
        }
    }
    log_trace(io->log, LOG_IO, "in%u  0x%04x -> 0x%x (%s)\n", size * 8, port, v, r->name);
    return v;
}

void ioport_write(IoSpace *io, uint16_t port, uint32_t value, unsigned size)
{
    uint16_t idx = io->map[port];

    if (size < 4) {
        value &= (1u << (8 * size)) - 1;
    }
    if (!idx) {
        log_trace(io->log, LOG_UNASSIGNED, "unassigned out%u port 0x%04x = 0x%x\n", size * 8,
                  port, value);
        return;
    }
    const IoPortRange *r = &io->ranges[idx - 1];
    log_trace(io->log, LOG_IO, "out%u 0x%04x <- 0x%x (%s)\n", size * 8, port, value, r->name);
    if (io_sizes(r) & size) {
        r->ops->write(r->opaque, port, value, size);
    } else if (size == 1) {
        r->ops->write(r->opaque, port, value, io_sizes(r) & 2 ? 2 : 4);
    } else {
        unsigned half = size / 2;
        ioport_write(io, port, value & ((1u << (8 * half)) - 1), half);
        ioport_write(io, (uint16_t)(port + half), value >> (8 * half), half);
    }
}
