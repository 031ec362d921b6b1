/*
 * The x86 I/O-port space: 65536 byte ports. Devices register port ranges with the access
 * sizes they accept; wider accesses are split into narrower ones and narrower ones reach
 * a device that declares only wider sizes by widening. Unassigned ports read all ones and
 * drop writes.
 */
#ifndef WIRT_MMU_IOPORT_H
#define WIRT_MMU_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"

typedef struct IoPortOps {
    uint32_t (*read)(void *opaque, uint16_t port, unsigned size);
    void (*write)(void *opaque, uint16_t port, uint32_t value, unsigned size);
    uint8_t sizes; /* bit mask of accepted sizes: 1, 2, 4 (IO_SIZE_*); 0 means byte only */
} IoPortOps;

enum { IO_SIZE_1 = 1, IO_SIZE_2 = 2, IO_SIZE_4 = 4 };

typedef struct IoPortRange {
    uint16_t first;
    uint32_t count;
    const IoPortOps *ops;
    void *opaque;
    char *name;
} IoPortRange;

typedef struct IoSpace {
    IoPortRange *ranges;
    unsigned nranges;
    uint16_t *map;  /* port -> 1 + index into ranges, 0 when unassigned */
    Log *log;
} IoSpace;

void ioport_init(IoSpace *io, Log *log);
void ioport_destroy(IoSpace *io);

/* Registers [first, first+count). Fails on overlap, naming the clash in *why. */
bool ioport_register(IoSpace *io, const char *name, uint16_t first, uint32_t count,
                     const IoPortOps *ops, void *opaque, char **why);

uint32_t ioport_read(IoSpace *io, uint16_t port, unsigned size);
void ioport_write(IoSpace *io, uint16_t port, uint32_t value, unsigned size);

#endif
