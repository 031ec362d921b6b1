/*
 * Debug breakpoints and alignment checking (Intel SDM vol. 3A, 17.2-17.3 debug registers
 * and exceptions; 6.15 interrupt 17, #AC). Both need to see accesses the TLB fast path
 * would hide, so while either is active the CPU looks up fast-path entries in a TLB row
 * that is never filled (MMU_IDX_NOFILL) and every access reaches cpu_mem_checks().
 * Instruction and data breakpoints also make blocks one instruction long, so a fault is
 * raised before the instruction and a data-breakpoint trap right after it.
 */
#ifndef WIRT_CPU_DEBUG_H
#define WIRT_CPU_DEBUG_H

#include "cpu/cpu.h"

#define DR6_BS (1u << 14)

/* Recomputes what is active from DR7, CR0.AM, EFLAGS.AC and CPL. */
void cpu_update_debug(CPUState *cpu);

/* Slow-path checks of a data access: #AC, and data breakpoints hit (recorded for a trap). */
void cpu_mem_checks(CPUState *cpu, uint64_t lin, unsigned size, MmuAccess acc);

/* The DR6 B0-B3 bits of enabled instruction breakpoints at linear address LIN. */
uint32_t cpu_exec_breakpoints(const CPUState *cpu, uint64_t lin);

#endif
