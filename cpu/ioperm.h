/*
 * I/O-port protection: whether the current privilege may touch a port, from IOPL and the
 * I/O permission bitmap of the 32-bit TSS (Intel SDM vol. 1, 19.5 "Protected-mode I/O").
 */
#ifndef WIRT_CPU_IOPERM_H
#define WIRT_CPU_IOPERM_H

#include "cpu/cpu.h"

/*
 * Raises #GP(0) unless an access of SIZE bytes to PORT is allowed: always in real mode,
 * in protected mode when CPL <= IOPL, otherwise (CPL > IOPL, or virtual-8086 mode) when
 * the bitmap bits of every port touched are clear.
 */
void cpu_check_io(CPUState *cpu, uint16_t port, unsigned size);

#endif
