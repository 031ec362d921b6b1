/*
 * The PC board: wires the PC/AT platform's chips (8259A pair, 8254, port 0x61, MC146818,
 * 16550 COM ports, 8042, ports 0x92 and 0x80) to a machine's RAM, CPU and virtual clock,
 * together with the test board's debug-exit (0xf4) and debug-console (0xe9) ports.
 * machine_init_pc() (vm/machine.h) is its entry point.
 */
#ifndef WIRT_VM_PC_H
#define WIRT_VM_PC_H

#include "vm/machine.h"

/* TSC ticks per virtual second on the PC board: one per virtual nanosecond. */
#define PC_TSC_HZ 1000000000ull

#endif
