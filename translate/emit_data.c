/*
 * Handlers and emitters for INC/DEC, NOT/NEG, MOV, MOVZX/MOVSX, LEA, XCHG, CMOVcc, SETcc,
 * CBW/CWDE/CWD/CDQ, CLC/STC/CMC/CLD/STD/LAHF/SAHF/SALC, NOP, XLAT, BSWAP, CMPXCHG, XADD
 * and CMPXCHG8B (Intel SDM vol. 2). Memory destinations are stored before registers and
 * flags are committed.
 */
#include "translate/alu.h"
#include "translate/emit.h"

/* ---- INC, DEC ---- */

#define INCDEC(NAME, DEC, SZ)                                                      \
static const TB *NAME##_r_##SZ(CPUState *cpu, const Op *op)                        \
{                                                                                  \
    uint32_t cf = cc_carry(cpu);                                                   \
    uint64_t a = reg_get(cpu, op->rm, SZ), r = (DEC ? a - 1 : a + 1) & size_mask(SZ); \
    reg_set(cpu, op->rm, SZ, r);                                                   \
    alu_incdec_flags(cpu, DEC, a, r, cf, SZ);                                      \
    NEXT(cpu, op);                                                                 \
}                                                                                  \
static const TB *NAME##_m_##SZ(CPUState *cpu, const Op *op)                        \
{                                                                                  \
    uint32_t ea = op_ea(cpu, op), cf = cc_carry(cpu);                              \
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, SZ), r = (DEC ? a - 1 : a + 1) & size_mask(SZ); \
    cpu_st(cpu, op->seg, ea, r, SZ);                                               \
    alu_incdec_flags(cpu, DEC, a, r, cf, SZ);                                      \
    NEXT(cpu, op);                                                                 \
}
INCDEC(inc, false, 1) INCDEC(inc, false, 2) INCDEC(inc, false, 4)
INCDEC(dec, true, 1) INCDEC(dec, true, 2) INCDEC(dec, true, 4)

static const OpFn incdec_fns[2][2][3] = {
    { { inc_r_1, inc_r_2, inc_r_4 }, { inc_m_1, inc_m_2, inc_m_4 } },
    { { dec_r_1, dec_r_2, dec_r_4 }, { dec_m_1, dec_m_2, dec_m_4 } },
};

void emit_incdec(EmitCtx *ec, const Insn *in, Op *op)
{
    bool dec = in->opcode < 0x50 ? in->opcode >= 0x48 : in->reg == 1;
    op->fn = incdec_fns[dec][in->has_mem][size_slot(op->size)];
}

/* ---- NOT, NEG ---- */

static uint64_t notneg_calc(const Op *op, uint64_t a)
{
    return (op->sub ? 0 - a : ~a) & size_mask(op->size);
}

static void notneg_flags(CPUState *cpu, const Op *op, uint64_t a, uint64_t r)
{
    if (op->sub) {
        cc_set(cpu, CC_SUB8 + size_index(op->size), 0, a, r);
    }
}

static const TB *notneg_r(CPUState *cpu, const Op *op)
{
    uint64_t a = reg_get(cpu, op->rm, op->size), r = notneg_calc(op, a);
    reg_set(cpu, op->rm, op->size, r);
    notneg_flags(cpu, op, a, r);
    NEXT(cpu, op);
}

static const TB *notneg_m(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, op->size), r = notneg_calc(op, a);
    cpu_st(cpu, op->seg, ea, r, op->size);
    notneg_flags(cpu, op, a, r);
    NEXT(cpu, op);
}

void emit_notneg(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->reg == 3;  /* NEG */
    op->fn = in->has_mem ? notneg_m : notneg_r;
}

/* ---- MOV ---- */

#define MOV_HANDLERS(SZ)                                                              \
static const TB *mov_rr_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                     \
    reg_set(cpu, op->rm, SZ, reg_get(cpu, op->reg, SZ));                              \
    NEXT(cpu, op);                                                                    \
}                                                                                     \
static const TB *mov_load_##SZ(CPUState *cpu, const Op *op)                           \
{                                                                                     \
    reg_set(cpu, op->reg, SZ, cpu_ld(cpu, op->seg, op_ea(cpu, op), SZ));              \
    NEXT(cpu, op);                                                                    \
}                                                                                     \
static const TB *mov_store_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                     \
    cpu_st(cpu, op->seg, op_ea(cpu, op), reg_get(cpu, op->reg, SZ), SZ);              \
    NEXT(cpu, op);                                                                    \
}                                                                                     \
static const TB *mov_ri_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                     \
    reg_set(cpu, op->rm, SZ, op->imm);                                                \
    NEXT(cpu, op);                                                                    \
}                                                                                     \
static const TB *mov_mi_##SZ(CPUState *cpu, const Op *op)                             \
{                                                                                     \
    cpu_st(cpu, op->seg, op_ea(cpu, op), op->imm & size_mask(SZ), SZ);                \
    NEXT(cpu, op);                                                                    \
}
MOV_HANDLERS(1) MOV_HANDLERS(2) MOV_HANDLERS(4)

enum { MOV_RR, MOV_LOAD, MOV_STORE, MOV_RI, MOV_MI };
static const OpFn mov_fns[5][3] = {
    { mov_rr_1, mov_rr_2, mov_rr_4 },
    { mov_load_1, mov_load_2, mov_load_4 },
    { mov_store_1, mov_store_2, mov_store_4 },
    { mov_ri_1, mov_ri_2, mov_ri_4 },
    { mov_mi_1, mov_mi_2, mov_mi_4 },
};

void emit_mov(EmitCtx *ec, const Insn *in, Op *op)
{
    uint8_t dst = in->row->operand[0], src = in->row->operand[1];
    unsigned form;

    if (src == OT_Ib || src == OT_Iz) {
        form = in->has_mem ? MOV_MI : MOV_RI;
    } else if (dst == OT_AL || dst == OT_rAX) {        /* A0/A1: accumulator <- moffs */
        op->reg = R_EAX;
        form = MOV_LOAD;
    } else if (src == OT_AL || src == OT_rAX) {        /* A2/A3: moffs <- accumulator */
        op->reg = R_EAX;
        form = MOV_STORE;
    } else if (in->has_mem) {
        form = (dst == OT_Gb || dst == OT_Gv) ? MOV_LOAD : MOV_STORE;
    } else {
        form = MOV_RR;
        if (dst == OT_Gb || dst == OT_Gv) {  /* 8A/8B: destination is reg */
            uint8_t t = op->rm;
            op->rm = op->reg;
            op->reg = t;
        }
    }
    op->fn = mov_fns[form][size_slot(op->size)];
}

/* ---- MOVZX, MOVSX: op->sub = source size, op->imm2 = 1 when signed ---- */

static uint64_t movx_value(const Op *op, uint64_t v)
{
    return op->imm2 ? (uint64_t)sign_extend(v, op->sub) : v;
}

static const TB *movx_r(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->reg, op->size, movx_value(op, reg_get(cpu, op->rm, op->sub)));
    NEXT(cpu, op);
}

static const TB *movx_m(CPUState *cpu, const Op *op)
{
    uint64_t v = cpu_ld(cpu, op->seg, op_ea(cpu, op), op->sub);
    reg_set(cpu, op->reg, op->size, movx_value(op, v));
    NEXT(cpu, op);
}

void emit_movx(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = (in->opcode & 1) ? 2 : 1;
    op->imm2 = (in->opcode & 0xf8) == 0xb8;  /* 0F BE/BF */
    if (op->sub == 1) {
        op->rm = (uint8_t)r8_encode(in->rm, in->rex != 0);
    }
    op->fn = in->has_mem ? movx_m : movx_r;
}

/* ---- LEA ---- */

static const TB *lea(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->reg, op->size, op_ea(cpu, op));
    NEXT(cpu, op);
}

void emit_lea(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = lea;
}

/* ---- XCHG ---- */

static const TB *xchg_rr(CPUState *cpu, const Op *op)
{
    uint64_t a = reg_get(cpu, op->rm, op->size), b = reg_get(cpu, op->reg, op->size);
    reg_set(cpu, op->rm, op->size, b);
    reg_set(cpu, op->reg, op->size, a);
    NEXT(cpu, op);
}

static const TB *xchg_m(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, op->size);
    cpu_st(cpu, op->seg, ea, reg_get(cpu, op->reg, op->size), op->size);
    reg_set(cpu, op->reg, op->size, a);
    NEXT(cpu, op);
}

void emit_xchg(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode >= 0x91 && in->opcode <= 0x97) {  /* xchg Zv, rAX */
        op->rm = in->opcode & 7;
        op->reg = R_EAX;
    }
    op->fn = in->has_mem ? xchg_m : xchg_rr;
}

/* ---- CMOVcc, SETcc: op->sub = condition ---- */

static const TB *cmov_r(CPUState *cpu, const Op *op)
{
    uint64_t v = reg_get(cpu, op->rm, op->size);
    if (cc_test(cpu, op->sub)) {
        reg_set(cpu, op->reg, op->size, v);
    } else if (op->size == 4) {
        reg_set(cpu, op->reg, 4, reg_get(cpu, op->reg, 4));
    }
    NEXT(cpu, op);
}

static const TB *cmov_m(CPUState *cpu, const Op *op)
{
    uint64_t v = cpu_ld(cpu, op->seg, op_ea(cpu, op), op->size);  /* loads either way */
    if (cc_test(cpu, op->sub)) {
        reg_set(cpu, op->reg, op->size, v);
    }
    NEXT(cpu, op);
}

void emit_cmov(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->opcode & 15;
    op->fn = in->has_mem ? cmov_m : cmov_r;
}

static const TB *setcc_r(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->rm, 1, cc_test(cpu, op->sub));
    NEXT(cpu, op);
}

static const TB *setcc_m(CPUState *cpu, const Op *op)
{
    cpu_st(cpu, op->seg, op_ea(cpu, op), cc_test(cpu, op->sub), 1);
    NEXT(cpu, op);
}

void emit_setcc(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->opcode & 15;
    op->fn = in->has_mem ? setcc_m : setcc_r;
}

/* ---- CBW/CWDE (98), CWD/CDQ (99) ---- */

static const TB *cbw(CPUState *cpu, const Op *op)
{
    unsigned half = op->size / 2;
    reg_set(cpu, R_EAX, op->size, (uint64_t)sign_extend(reg_get(cpu, R_EAX, half), half));
    NEXT(cpu, op);
}

static const TB *cwd(CPUState *cpu, const Op *op)
{
    bool neg = sign_extend(reg_get(cpu, R_EAX, op->size), op->size) < 0;
    reg_set(cpu, R_EDX, op->size, neg ? ~0ull : 0);
    NEXT(cpu, op);
}

void emit_cbw(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = in->opcode == 0x98 ? cbw : cwd;
}

/* ---- flag instructions ---- */

static const TB *flagop(CPUState *cpu, const Op *op)
{
    cpu_flags_materialize(cpu);
    switch (op->opcode) {
    case 0xf5: cpu->eflags ^= FL_CF; break;
    case 0xf8: cpu->eflags &= ~FL_CF; break;
    case 0xf9: cpu->eflags |= FL_CF; break;
    case 0xfc: cpu->eflags &= ~FL_DF; break;
    case 0xfd: cpu->eflags |= FL_DF; break;
    case 0x9e: /* SAHF: SF ZF AF PF CF from AH */
        cpu->eflags = (cpu->eflags & ~(FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)) |
                      ((cpu->regs[R_EAX] >> 8) & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF));
        break;
    case 0x9f: /* LAHF */
        reg_set(cpu, 16 | R_EAX, 1, (cpu->eflags & 0xd5) | FL_FIXED1);
        break;
    case 0xd6: /* SALC: AL = CF ? 0xff : 0 */
        reg_set(cpu, R_EAX, 1, (cpu->eflags & FL_CF) ? 0xff : 0);
        break;
    }
    NEXT(cpu, op);
}

void emit_flagop(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = flagop;
}

/* ---- NOP, XLAT, BSWAP ---- */

static const TB *nop(CPUState *cpu, const Op *op)
{
    NEXT(cpu, op);
}

void emit_nop(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = nop;
}

static const TB *xlat(CPUState *cpu, const Op *op)
{
    uint32_t ea = (uint32_t)(cpu->regs[R_EBX] + (cpu->regs[R_EAX] & 0xff)) & op->amask;
    reg_set(cpu, R_EAX, 1, cpu_ld(cpu, op->seg, ea, 1));
    NEXT(cpu, op);
}

void emit_xlat(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = xlat;
}

static const TB *bswap(CPUState *cpu, const Op *op)
{
    uint32_t v = (uint32_t)reg_get(cpu, op->rm, 4);
    /* With a 16-bit operand the result is undefined; P6-class CPUs give 0 in the low word. */
    if (op->size == 2) {
        reg_set(cpu, op->rm, 2, 0);
    } else {
        reg_set(cpu, op->rm, 4, __builtin_bswap32(v));
    }
    NEXT(cpu, op);
}

void emit_bswap(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = bswap;
}

/* ---- CMPXCHG, XADD, CMPXCHG8B: op->sub = 1 for a memory destination ---- */

static inline bool in_mem(const Op *op)
{
    return op->sub != 0;
}

static const TB *cmpxchg(CPUState *cpu, const Op *op)
{
    unsigned sz = op->size;
    uint32_t ea = in_mem(op) ? op_ea(cpu, op) : 0;
    uint64_t acc = reg_get(cpu, R_EAX, sz);
    uint64_t dst = in_mem(op) ? cpu_ld_rmw(cpu, op->seg, ea, sz) : reg_get(cpu, op->rm, sz);
    uint64_t src = reg_get(cpu, op->reg, sz);
    bool eq = acc == dst;
    uint64_t out = eq ? src : dst;  /* a failed compare writes the old value back */

    if (in_mem(op)) {
        cpu_st(cpu, op->seg, ea, out, sz);
    } else {
        reg_set(cpu, op->rm, sz, out);
    }
    if (!eq) {
        reg_set(cpu, R_EAX, sz, dst);
    }
    cc_set(cpu, CC_SUB8 + size_index(sz), acc, dst, (acc - dst) & size_mask(sz));
    NEXT(cpu, op);
}

static const TB *xadd(CPUState *cpu, const Op *op)
{
    unsigned sz = op->size;
    uint32_t ea = in_mem(op) ? op_ea(cpu, op) : 0;
    uint64_t dst = in_mem(op) ? cpu_ld_rmw(cpu, op->seg, ea, sz) : reg_get(cpu, op->rm, sz);
    uint64_t src = reg_get(cpu, op->reg, sz);
    uint64_t sum = (dst + src) & size_mask(sz);

    if (in_mem(op)) {
        cpu_st(cpu, op->seg, ea, sum, sz);
        reg_set(cpu, op->reg, sz, dst);
    } else {
        reg_set(cpu, op->reg, sz, dst);
        reg_set(cpu, op->rm, sz, sum);
    }
    cc_set(cpu, CC_ADD8 + size_index(sz), dst, src, sum);
    NEXT(cpu, op);
}

static const TB *cmpxchg8b(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint64_t lo = cpu_ld_rmw(cpu, op->seg, ea, 4);
    uint64_t hi = cpu_ld_rmw(cpu, op->seg, (ea + 4) & op->amask, 4);
    bool eq = lo == reg_get(cpu, R_EAX, 4) && hi == reg_get(cpu, R_EDX, 4);
    uint64_t nlo = eq ? reg_get(cpu, R_EBX, 4) : lo, nhi = eq ? reg_get(cpu, R_ECX, 4) : hi;

    cpu_st(cpu, op->seg, ea, nlo, 4);
    cpu_st(cpu, op->seg, (ea + 4) & op->amask, nhi, 4);
    if (!eq) {
        reg_set(cpu, R_EAX, 4, lo);
        reg_set(cpu, R_EDX, 4, hi);
    }
    cpu_flags_materialize(cpu);
    cpu->eflags = (cpu->eflags & ~FL_ZF) | (eq ? FL_ZF : 0);
    NEXT(cpu, op);
}

void emit_cmpxchg(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = cmpxchg;
}

void emit_xadd(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = xadd;
}

void emit_cmpxchg8b(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = cmpxchg8b;
}
