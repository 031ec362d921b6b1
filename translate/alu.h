/*
 * Semantics of the flag-setting integer operations, shared by the handlers of several
 * emitters: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG (Intel SDM vol. 2).
 * Computing a result (alu_calc) is kept apart from recording its flags (alu_flags) so a
 * handler can store to memory first and commit flags after: a store that faults or
 * restarts must find the flags untouched.
 */
#ifndef WIRT_TRANSLATE_ALU_H
#define WIRT_TRANSLATE_ALU_H

#include "translate/op.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* The carry an operation consumes (ADC, SBB), read before anything changes. */
static inline uint32_t alu_cin(const CPUState *cpu, unsigned opi)
{
    return (opi == ALU_ADC || opi == ALU_SBB) ? cc_carry(cpu) : 0;
}

static inline uint64_t alu_calc(unsigned opi, uint64_t a, uint64_t b, uint32_t cin,
                                unsigned size)
{
    switch (opi) {
    case ALU_ADD: return (a + b) & size_mask(size);
    case ALU_ADC: return (a + b + cin) & size_mask(size);
    case ALU_SUB: case ALU_CMP: return (a - b) & size_mask(size);
    case ALU_SBB: return (a - b - cin) & size_mask(size);
    case ALU_OR: return a | b;
    case ALU_XOR: return a ^ b;
    default: return a & b;
    }
}

static inline void alu_flags(CPUState *cpu, unsigned opi, uint64_t a, uint64_t b, uint64_t r,
                             uint32_t cin, unsigned size)
{
    int si = size_index(size);
    switch (opi) {
    case ALU_ADD: cc_set(cpu, CC_ADD8 + si, a, b, r); break;
    case ALU_ADC: cpu->cc_cin = cin; cc_set(cpu, CC_ADC8 + si, a, b, r); break;
    case ALU_SUB: case ALU_CMP: cc_set(cpu, CC_SUB8 + si, a, b, r); break;
    case ALU_SBB: cpu->cc_cin = cin; cc_set(cpu, CC_SBB8 + si, a, b, r); break;
    default: cc_set(cpu, CC_LOGIC8 + si, 0, 0, r); break;
    }
}

/* Register-only form: calculate and record flags at once. */
static inline uint64_t alu_op(CPUState *cpu, unsigned opi, uint64_t a, uint64_t b,
                              unsigned size)
{
    uint32_t cin = alu_cin(cpu, opi);
    uint64_t r = alu_calc(opi, a, b, cin, size);
    alu_flags(cpu, opi, a, b, r, cin, size);
    return r;
}

/* INC/DEC keep CF: it rides along as the carry-in of the lazy record. */
static inline void alu_incdec_flags(CPUState *cpu, bool dec, uint64_t a, uint64_t r,
                                    uint32_t cf, unsigned size)
{
    cpu->cc_cin = cf;
    cc_set(cpu, (dec ? CC_DEC8 : CC_INC8) + size_index(size), a, 1, r);
}

#endif
