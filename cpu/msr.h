/*
 * Model-specific registers of the P6-class model (Intel SDM vol. 4, table 2-2 and the P6
 * family table; vol. 3A 11.11 MTRRs, 11.12 PAT, 17.17 time-stamp counter) and the
 * time-stamp counter itself. RDMSR/WRMSR of anything not listed in cpu/msr.c raise #GP(0).
 */
#ifndef WIRT_CPU_MSR_H
#define WIRT_CPU_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1bu
#define MSR_BIOS_UPDT_TRIG 0x79u
#define MSR_BIOS_SIGN_ID 0x8bu
#define MSR_PERFCTR0 0xc1u
#define MSR_EVNTSEL0 0x186u
#define MSR_MTRRCAP 0xfeu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_FIX64K_00000 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX4K_C0000 0x268u
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_EFER 0xc0000080u

/*
 * The time-stamp counter's clock before tsc_offset: the machine's read_tsc hook (the
 * virtual clock when RETIRED instructions had retired) or, without one, RETIRED: the count of guest instructions retired before
 * the reading instruction, so a bare machine stays deterministic and every read differs.
 */
uint64_t tsc_clock(const CPUState *cpu, uint64_t retired);
/* The TSC as RDTSC and RDMSR see it, with CLOCK from tsc_clock(). */
uint64_t tsc_read(const CPUState *cpu, uint64_t clock);

/*
 * RDMSR and WRMSR of MSR INDEX; CLOCK is tsc_clock() at the instruction. They return
 * false when the access must raise #GP(0) (no such MSR, a read-only MSR, a reserved bit
 * or an invalid memory type) and then change nothing.
 */
bool msr_read(CPUState *cpu, uint32_t index, uint64_t clock, uint64_t *value);
bool msr_write(CPUState *cpu, uint32_t index, uint64_t clock, uint64_t value);

#endif
