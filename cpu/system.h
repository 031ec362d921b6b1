/*
 * System registers and their side effects: writes to the control registers CR0, CR2,
 * CR3, CR4 (mode switches, TLB flushes, reserved-bit checks), the debug registers
 * DR0-DR7, LMSW and CLTS, INVLPG, and the SYSENTER/SYSEXIT fast system calls (Intel SDM
 * vol. 3A 2.5 control registers, 4.10.4 TLB invalidation, 5.8.7 SYSENTER/SYSEXIT, 17.2
 * debug registers; vol. 2 MOV CR, MOV DR, LMSW, CLTS, INVLPG, SYSENTER, SYSEXIT).
 * Privilege checks (CPL 0) are the caller's: translate/ checks them against the block's
 * mode key. The functions here raise the exceptions that depend on the value written.
 */
#ifndef WIRT_CPU_SYSTEM_H
#define WIRT_CPU_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Whether the CPU runs at privilege 0: real mode, or CPL 0 outside virtual-8086 mode. */
static inline bool cpu_at_cpl0(const CPUState *cpu)
{
    return !cpu_pe(cpu) || (!cpu_v86(cpu) && cpu->cpl == 0);
}

/* Whether MOV to/from CRn names a control register this IA-32 model has (0, 2, 3, 4). */
bool cr_exists(unsigned n);
uint32_t cr_read(const CPUState *cpu, unsigned n);
/* MOV to CRn: #GP(0) for reserved CR4 bits and invalid CR0 combinations. */
void cr_write(CPUState *cpu, unsigned n, uint32_t value);
/* LMSW: loads CR0 bits 3:0; PE can be set but not cleared. */
void cr_lmsw(CPUState *cpu, uint16_t value);
/* CLTS: clears CR0.TS. */
void cr_clts(CPUState *cpu);

/* MOV from/to DRn: #UD for DR4/DR5 when CR4.DE is set, #DB when DR7.GD is set. */
uint32_t dr_read(CPUState *cpu, unsigned n);
void dr_write(CPUState *cpu, unsigned n, uint32_t value);

/* Flushes the TLB (all entries, or all but global ones) and the PC-to-block cache. */
void cpu_flush_tlb(CPUState *cpu, bool global);
/* INVLPG: drops the translation of the page holding linear address LIN. */
void cpu_invlpg(CPUState *cpu, uint64_t lin);

/* SYSENTER and SYSEXIT: #GP(0) as the SDM lists; set CS, SS, ESP, EIP, CPL. */
void cpu_sysenter(CPUState *cpu);
void cpu_sysexit(CPUState *cpu);

#endif
