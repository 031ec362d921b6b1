/*
 * The debug console port (Bochs's port 0xe9 hack): bytes written appear on a chosen
 * output; reading returns 0xe9 so a guest can detect the port.
 */
#ifndef WIRT_HW_DEBUGCON_H
#define WIRT_HW_DEBUGCON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/ioport.h"

typedef void (*DebugConOut)(void *opaque, const uint8_t *buf, size_t len);

typedef struct DebugCon {
    DebugConOut out;
    void *opaque;
} DebugCon;

bool debugcon_init(DebugCon *d, IoSpace *io, uint16_t port, DebugConOut out, void *opaque,
                   char **why);

#endif
