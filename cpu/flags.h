/*
 * Lazy arithmetic flags (STYLE.md point 4): recording an operation and computing
 * CF/PF/AF/ZF/SF/OF from it on demand. Definitions: Intel SDM vol. 1, 3.4.3.1 and the
 * per-instruction "Flags Affected" sections of vol. 2.
 */
#ifndef WIRT_CPU_FLAGS_H
#define WIRT_CPU_FLAGS_H

#include "cpu/cpu.h"

/* The arithmetic flags (FL_ARITH bits) of the recorded operation. */
uint32_t cc_compute(const CPUState *cpu);
/* Just the carry flag, cheaply for the common cases. */
uint32_t cc_carry(const CPUState *cpu);
/* Condition code 0-15 (O NO B NB Z NZ BE NBE S NS P NP L NL LE NLE) holds. */
bool cc_test(const CPUState *cpu, unsigned cond);

static inline void cc_set(CPUState *cpu, CcOp op, uint64_t a, uint64_t b, uint64_t res)
{
    cpu->cc_op = op;
    cpu->cc_src1 = a;
    cpu->cc_src2 = b;
    cpu->cc_res = res;
}

/* Sets arithmetic flags outright (eager instructions: shifts, multiply, BCD...). */
static inline void cc_set_eflags(CPUState *cpu, uint32_t arith)
{
    if (cpu->cc_op != CC_EFLAGS) {
        cpu_flags_materialize(cpu);
    }
    cpu->eflags = (cpu->eflags & ~FL_ARITH) | (arith & FL_ARITH);
}

static inline uint32_t parity_flag(uint64_t v)
{
    return __builtin_parity((unsigned)(v & 0xff)) ? 0 : FL_PF;
}

/* SF, ZF and PF of a SIZE-byte result. */
static inline uint32_t flags_szp(uint64_t r, unsigned size)
{
    return parity_flag(r) | (r == 0 ? FL_ZF : 0) | ((r >> (8 * size - 1)) & 1 ? FL_SF : 0);
}

/* Sets the arithmetic flags in MASK from VAL and keeps the others (rotates, BT...). */
static inline void cc_set_eflags_masked(CPUState *cpu, uint32_t mask, uint32_t val)
{
    if (mask != FL_ARITH) {
        if (cpu->cc_op != CC_EFLAGS) {
            cpu_flags_materialize(cpu);
        }
        val = (cpu->eflags & ~mask) | (val & mask);
    }
    cc_set_eflags(cpu, val);
}

#endif
