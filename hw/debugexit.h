/*
 * The debug-exit port (QEMU's isa-debug-exit convention): a write of value V ends the run
 * with exit status (V << 1) | 1, so test guests and kvm-unit-tests-style kernels can
 * report a result. By default at port 0xf4.
 */
#ifndef WIRT_HW_DEBUGEXIT_H
#define WIRT_HW_DEBUGEXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/ioport.h"

typedef void (*DebugExitFn)(void *opaque, int status);

typedef struct DebugExit {
    DebugExitFn on_exit;
    void *opaque;
} DebugExit;

bool debugexit_init(DebugExit *d, IoSpace *io, uint16_t port, DebugExitFn on_exit,
                    void *opaque, char **why);

#endif
