/*
 * Lazy flag evaluation.
 */
#include "cpu/flags.h"

enum { FAM_ADD, FAM_ADC, FAM_SUB, FAM_SBB, FAM_LOGIC, FAM_INC, FAM_DEC };

static inline unsigned cc_family(uint32_t op)
{
    return (op - CC_ADD8) / 4;
}

static inline unsigned cc_bits(uint32_t op)
{
    return 8u << ((op - CC_ADD8) % 4);
}

static inline uint64_t size_mask(unsigned bits)
{
    return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

static uint32_t cc_carry_of(const CPUState *cpu, unsigned fam, uint64_t a, uint64_t b,
                            uint64_t r)
{
    switch (fam) {
    case FAM_ADD: return r < a;
    case FAM_ADC: return cpu->cc_cin ? r <= a : r < a;
    case FAM_SUB: return a < b;
    case FAM_SBB: return cpu->cc_cin ? a <= b : a < b;
    case FAM_INC: case FAM_DEC: return cpu->cc_cin;
    default: return 0;
    }
}

uint32_t cc_compute(const CPUState *cpu)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_EFLAGS) {
        return cpu->eflags & FL_ARITH;
    }
    unsigned fam = cc_family(op), bits = cc_bits(op);
    uint64_t m = size_mask(bits), sign = 1ull << (bits - 1);
    uint64_t a = cpu->cc_src1 & m, b = cpu->cc_src2 & m, r = cpu->cc_res & m;
    uint32_t f = 0;

    if (cc_carry_of(cpu, fam, a, b, r)) {
        f |= FL_CF;
    }
    switch (fam) {
    case FAM_ADD: case FAM_ADC: case FAM_INC:
        f |= (((a ^ ~b) & (a ^ r)) & sign) ? FL_OF : 0;
        f |= (a ^ b ^ r) & FL_AF;
        break;
    case FAM_SUB: case FAM_SBB: case FAM_DEC:
        f |= (((a ^ b) & (a ^ r)) & sign) ? FL_OF : 0;
        f |= (a ^ b ^ r) & FL_AF;
        break;
    default:
        break;
    }
    f |= r == 0 ? FL_ZF : 0;
    f |= (r & sign) ? FL_SF : 0;
    f |= parity_flag(r);
    return f;
}

uint32_t cc_carry(const CPUState *cpu)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_EFLAGS) {
        return cpu->eflags & FL_CF;
    }
    uint64_t m = size_mask(cc_bits(op));
    return cc_carry_of(cpu, cc_family(op), cpu->cc_src1 & m, cpu->cc_src2 & m,
                       cpu->cc_res & m);
}

static inline int64_t sext(uint64_t v, unsigned bits)
{
    return bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* Comparisons straight from the operands of a SUB/CMP, the common case before a Jcc. */
static int cc_test_sub(const CPUState *cpu, unsigned cond)
{
    unsigned bits = cc_bits(cpu->cc_op);
    uint64_t m = size_mask(bits);
    uint64_t a = cpu->cc_src1 & m, b = cpu->cc_src2 & m;
    int64_t sa = sext(a, bits), sb = sext(b, bits);

    switch (cond >> 1) {
    case 1: return a < b;                 /* B */
    case 2: return a == b;                /* Z */
    case 3: return a <= b;                /* BE */
    case 6: return sa < sb;               /* L */
    case 7: return sa <= sb;              /* LE */
    default: return -1;
    }
}

/* ZF and SF need only the result, whatever the operation (the common JZ after DEC). */
static int cc_test_result(const CPUState *cpu, unsigned cond)
{
    unsigned bits = cc_bits(cpu->cc_op);
    uint64_t r = cpu->cc_res & size_mask(bits);

    switch (cond >> 1) {
    case 2: return r == 0;                          /* Z */
    case 4: return (int)((r >> (bits - 1)) & 1);    /* S */
    default: return -1;
    }
}

bool cc_test(const CPUState *cpu, unsigned cond)
{
    int r = -1;
    if (cpu->cc_op >= CC_SUB8 && cpu->cc_op <= CC_SUB64) {
        r = cc_test_sub(cpu, cond);
    } else if (cpu->cc_op != CC_EFLAGS) {
        r = cc_test_result(cpu, cond);
    }
    if (r < 0) {
        uint32_t f = cc_compute(cpu);
        switch (cond >> 1) {
        case 0: r = !!(f & FL_OF); break;
        case 1: r = !!(f & FL_CF); break;
        case 2: r = !!(f & FL_ZF); break;
        case 3: r = !!(f & (FL_CF | FL_ZF)); break;
        case 4: r = !!(f & FL_SF); break;
        case 5: r = !!(f & FL_PF); break;
        case 6: r = !!(f & FL_SF) != !!(f & FL_OF); break;
        default: r = (f & FL_ZF) || (!!(f & FL_SF) != !!(f & FL_OF)); break;
        }
    }
    return (bool)(r ^ (int)(cond & 1));
}
