/*
 * Handlers and emitters for MUL IMUL DIV IDIV (group 3), the two- and three-operand IMUL,
 * and the BCD adjustments DAA DAS AAA AAS AAM AAD (Intel SDM vol. 2).
 *
 * DIV and IDIV raise #DE, before anything changes, on a zero divisor and on a quotient
 * that does not fit the destination, including the most negative dividends (IDIV of
 * -2^(2n-1) by -1); a quotient of exactly -2^(n-1) is allowed (386 and later). AAM with an
 * immediate of 0 raises #DE; AAM and AAD honour any immediate base.
 *
 * Where the SDM leaves flags undefined we give what the Intel CPU we diffed against
 * produces (Rocket Lake, family 6 model 0xa7; other CPUs differ in places):
 *  - MUL and every IMUL: SF is the top bit and PF the parity of the low half of the
 *    product, ZF and AF are cleared;
 *  - DIV and IDIV leave all flags unchanged;
 *  - DAA and DAS clear OF; AAA and AAS clear OF and SF and set ZF and PF from AL;
 *  - AAM clears OF, AF and CF; AAD sets all six as the byte addition AL + AH * imm does.
 * The 80286 test vectors treat the same flags as undefined.
 */
#include "translate/emit.h"

/* Flags of a multiply whose product's low half is LO (see the top comment). */
static inline uint32_t mul_flags(uint64_t lo, unsigned size, bool overflow)
{
    return (overflow ? FL_CF | FL_OF : 0) | parity_flag(lo) |
           ((lo >> (8 * size - 1)) & 1 ? FL_SF : 0);
}

/* ---- MUL, IMUL, DIV, IDIV (group 3, /4-/7) ---- */

/* Writes a double-width result: AH:AL for bytes, else rDX:rAX. */
static inline void put_pair(CPUState *cpu, unsigned size, uint64_t lo, uint64_t hi)
{
    if (size == 1) {
        reg_set(cpu, R_EAX, 2, lo | (hi << 8));
    } else {
        reg_set(cpu, R_EAX, size, lo);
        reg_set(cpu, R_EDX, size, hi);
    }
}

/* The double-width dividend: AX for bytes, else rDX:rAX. */
static inline uint64_t get_pair(const CPUState *cpu, unsigned size)
{
    if (size == 1) {
        return reg_get(cpu, R_EAX, 2);
    }
    return (reg_get(cpu, R_EDX, size) << (8 * size)) | reg_get(cpu, R_EAX, size);
}

static inline void mul_u(CPUState *cpu, unsigned size, uint64_t src)
{
    uint64_t p = reg_get(cpu, R_EAX, size) * src;
    uint64_t lo = p & size_mask(size), hi = p >> (8 * size);

    put_pair(cpu, size, lo, hi);
    cc_set_eflags(cpu, mul_flags(lo, size, hi != 0));
}

static inline void mul_s(CPUState *cpu, unsigned size, uint64_t src)
{
    int64_t p = sign_extend(reg_get(cpu, R_EAX, size), size) * sign_extend(src, size);
    uint64_t lo = (uint64_t)p & size_mask(size), hi = ((uint64_t)p >> (8 * size)) & size_mask(size);

    put_pair(cpu, size, lo, hi);
    cc_set_eflags(cpu, mul_flags(lo, size, p != sign_extend(lo, size)));
}

static inline void div_u(CPUState *cpu, unsigned size, uint64_t src)
{
    uint64_t n = get_pair(cpu, size);

    if (src == 0 || n / src > size_mask(size)) {
        cpu_raise(cpu, EXC_DE);
    }
    put_pair(cpu, size, n / src, n % src);
}

static inline void div_s(CPUState *cpu, unsigned size, uint64_t src)
{
    int64_t n = sign_extend(get_pair(cpu, size), 2 * size), d = sign_extend(src, size);
    int64_t limit = 1ll << (8 * size - 1);

    /* INT64_MIN (dwords only) is tested first: its quotient never fits, and C's
     * INT64_MIN / -1 would overflow. */
    if (d == 0 || n == INT64_MIN || n / d < -limit || n / d >= limit) {
        cpu_raise(cpu, EXC_DE);
    }
    put_pair(cpu, size, (uint64_t)(n / d) & size_mask(size), (uint64_t)(n % d) & size_mask(size));
}

#define GROUP3_HANDLERS(FN, SZ)                                                        \
static const TB *FN##_r_##SZ(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    FN(cpu, SZ, reg_get(cpu, op->rm, SZ));                                             \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *FN##_m_##SZ(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    FN(cpu, SZ, cpu_ld(cpu, op->seg, op_ea(cpu, op), SZ));                             \
    NEXT(cpu, op);                                                                     \
}
#define GROUP3_SIZES(FN) GROUP3_HANDLERS(FN, 1) GROUP3_HANDLERS(FN, 2) GROUP3_HANDLERS(FN, 4)
GROUP3_SIZES(mul_u) GROUP3_SIZES(mul_s) GROUP3_SIZES(div_u) GROUP3_SIZES(div_s)

#define GROUP3_FORMS(FN, SZ) { FN##_r_##SZ, FN##_m_##SZ }
#define GROUP3_OP(FN) { GROUP3_FORMS(FN, 1), GROUP3_FORMS(FN, 2), GROUP3_FORMS(FN, 4) }
/* [reg - 4][size][memory] */
static const OpFn group3_fns[4][3][2] = {
    GROUP3_OP(mul_u), GROUP3_OP(mul_s), GROUP3_OP(div_u), GROUP3_OP(div_s),
};

void emit_muldiv(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = group3_fns[in->reg - 4][size_slot(op->size)][in->has_mem];
}

/* ---- IMUL Gv,Ev (0F AF) and IMUL Gv,Ev,imm (69, 6B): op->reg = destination ---- */

static inline void imul2(CPUState *cpu, const Op *op, unsigned size, uint64_t a, uint64_t b)
{
    int64_t p = sign_extend(a, size) * sign_extend(b, size);
    uint64_t lo = (uint64_t)p & size_mask(size);

    reg_set(cpu, op->reg, size, lo);
    cc_set_eflags(cpu, mul_flags(lo, size, p != sign_extend(lo, size)));
}

#define IMUL2_HANDLERS(SZ)                                                             \
static const TB *imul_rr_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                      \
    imul2(cpu, op, SZ, reg_get(cpu, op->reg, SZ), reg_get(cpu, op->rm, SZ));           \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *imul_rm_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                      \
    uint64_t b = cpu_ld(cpu, op->seg, op_ea(cpu, op), SZ);                             \
    imul2(cpu, op, SZ, reg_get(cpu, op->reg, SZ), b);                                  \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *imul_ri_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                      \
    imul2(cpu, op, SZ, op->imm, reg_get(cpu, op->rm, SZ));                             \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *imul_mi_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                      \
    imul2(cpu, op, SZ, op->imm, cpu_ld(cpu, op->seg, op_ea(cpu, op), SZ));             \
    NEXT(cpu, op);                                                                     \
}
IMUL2_HANDLERS(2) IMUL2_HANDLERS(4)

/* [dword][immediate][memory] */
static const OpFn imul2_fns[2][2][2] = {
    { { imul_rr_2, imul_rm_2 }, { imul_ri_2, imul_mi_2 } },
    { { imul_rr_4, imul_rm_4 }, { imul_ri_4, imul_mi_4 } },
};

void emit_imul2(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = imul2_fns[op->size == 4][in->opcode != 0x1af][in->has_mem];
}

/* ---- DAA DAS AAA AAS AAM AAD (op->imm: the AAM/AAD base) ---- */

/* SDM vol. 2A, DAA and DAS: the two decimal-adjust steps on AL. */
static const TB *bcd_daa_das(CPUState *cpu, const Op *op)
{
    uint32_t f = cpu_get_eflags(cpu), cf = f & FL_CF, out = 0;
    unsigned al = cpu->regs[R_EAX] & 0xff, old = al;
    bool sub = op->sub;

    if ((al & 0xf) > 9 || (f & FL_AF)) {
        out = FL_AF | cf | (sub ? al < 6 : al + 6 > 0xff);
        al = (sub ? al - 6 : al + 6) & 0xff;
    }
    if (old > 0x99 || cf) {
        al = (sub ? al - 0x60 : al + 0x60) & 0xff;
        out |= FL_CF;
    } else if (!sub) {
        out &= ~FL_CF;
    }
    reg_set(cpu, R_EAX, 1, al);
    cc_set_eflags(cpu, out | flags_szp(al, 1));
    NEXT(cpu, op);
}

/* SDM vol. 2A, AAA and AAS: AX +/- 0x106 when AL's low digit is out of range. */
static const TB *bcd_aaa_aas(CPUState *cpu, const Op *op)
{
    uint32_t out = 0;
    unsigned ax = cpu->regs[R_EAX] & 0xffff;

    if ((ax & 0xf) > 9 || (cpu_get_eflags(cpu) & FL_AF)) {
        ax = op->sub ? ax - 0x106 : ax + 0x106;
        out = FL_AF | FL_CF;
    }
    ax &= 0xff0f;
    reg_set(cpu, R_EAX, 2, ax);
    cc_set_eflags(cpu, out | flags_szp(ax & 0xff, 1));
    NEXT(cpu, op);
}

static const TB *bcd_aam(CPUState *cpu, const Op *op)
{
    unsigned al = cpu->regs[R_EAX] & 0xff, base = op->imm & 0xff;

    reg_set(cpu, R_EAX, 2, ((al / base) << 8) | (al % base));
    cc_set_eflags(cpu, flags_szp(al % base, 1));
    NEXT(cpu, op);
}

static const TB *bcd_aad(CPUState *cpu, const Op *op)
{
    unsigned al = cpu->regs[R_EAX] & 0xff, ah = (cpu->regs[R_EAX] >> 8) & 0xff;
    unsigned t = (ah * (op->imm & 0xff)) & 0xff, r = (al + t) & 0xff;

    reg_set(cpu, R_EAX, 2, r);
    cc_set(cpu, CC_ADD8, al, t, r);
    NEXT(cpu, op);
}

void emit_bcd(EmitCtx *ec, const Insn *in, Op *op)
{
    switch (in->opcode) {
    case 0x27: case 0x2f:
        op->sub = in->opcode == 0x2f;
        op->fn = bcd_daa_das;
        break;
    case 0x37: case 0x3f:
        op->sub = in->opcode == 0x3f;
        op->fn = bcd_aaa_aas;
        break;
    case 0xd4:
        if ((op->imm & 0xff) == 0) {
            emit_raise(op, EXC_DE, false, 0);  /* AAM 0: divide error */
        } else {
            op->fn = bcd_aam;
        }
        break;
    default:
        op->fn = bcd_aad;
        break;
    }
}
