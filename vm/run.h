/*
 * The run loop for any board: runs the CPU in slices bounded by the virtual clock's next
 * deadline (deterministic mode) or a fixed chunk (real-time mode), fires timers, polls
 * host input at block boundaries and while the guest halts, sleeps an idle guest until a
 * deadline or input, and handles debug exit, resets, --max-insns, Ctrl-a x and signals.
 * machine_main() (vm/machine.h) is its entry point.
 */
#ifndef WIRT_VM_RUN_H
#define WIRT_VM_RUN_H

#include "vm/machine.h"

/* Instructions per slice when no deadline is nearer, and between polls of host input. */
#define RUN_CHUNK (1u << 16)

/* Default --clock insns shift: 2^3 = 8 virtual ns per instruction (125 MIPS). */
#define RUN_DEFAULT_SHIFT 3

#endif
