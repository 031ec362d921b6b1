/*
 * Handlers and emitters for the shifts and rotates (ROL ROR RCL RCR SHL/SAL SHR SAR),
 * SHLD/SHRD, BT/BTS/BTR/BTC and BSF/BSR (Intel SDM vol. 2, and vol. 1, 7.3.6-7.3.7).
 *
 * Counts are masked to 5 bits whatever the operand size; a masked count of 0 changes
 * nothing, flags included, though a memory operand is still read with a write check. RCL
 * and RCR then rotate by the count modulo 9 (bytes) or 17 (words).
 *
 * Where the SDM leaves a result or flag undefined we give what the Intel CPU we diffed
 * against produces (Rocket Lake, family 6 model 0xa7; other generations and AMD differ
 * in places, and the 80286 vectors differ only in flags they mark undefined):
 *  - OF of every shift and rotate is, whatever the count, the OF a count of 1 would give,
 *    computed from the original operand, except that ROL and ROR of a register by an
 *    immediate count (C0/C1) other than 1 leave OF alone; RCL/RCR by a multiple of 9/17
 *    leave CF and OF;
 *  - SHL/SHR/SAR/SHLD/SHRD clear AF; SHL and SHR give CF = 0 once the count exceeds the
 *    operand width (counts 9-31 on bytes, 17-31 on words), i.e. one bit at a time;
 *  - SHLD/SHRD on words with counts 17-31 shift the 48-bit pattern dest:src:dest;
 *  - BT/BTS/BTR/BTC change only CF;
 *  - BSF/BSR clear CF, OF, SF and AF; a zero source sets ZF and PF and leaves the
 *    destination alone, otherwise ZF = 0 and PF is the parity of the bit index.
 * Hot forms (SHL/SHR/SAR, register and memory, by immediate or CL) have handlers
 * specialised by operation and size; the rest are generic on op->sub and op->size.
 * Memory handlers read (write-checked), compute and store before they commit flags.
 */
#include "translate/emit.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Operand forms: register or memory destination, count from the instruction or CL. */
enum { F_RI, F_RC, F_MI, F_MC, F_COUNT };

/* ---- ROL ROR RCL RCR SHL SHR SAR ---- */

/* SHL, SHR or SAR of A by a masked count N of 1-31: the result, and all six flags in *FL. */
static inline uint64_t shift_calc(unsigned opi, unsigned size, uint64_t a, unsigned n,
                                  uint32_t *fl)
{
    unsigned bits = 8 * size;
    uint64_t msb = 1ull << (bits - 1), r;
    uint32_t f;

    if (opi == SH_SHL) {
        r = (a << n) & size_mask(size);
        f = ((a << n) >> bits) & 1;
        f |= (a ^ (a << 1)) & msb ? FL_OF : 0;
    } else if (opi == SH_SHR) {
        r = a >> n;
        f = (a >> (n - 1)) & 1;
        f |= a & msb ? FL_OF : 0;
    } else {
        int64_t s = sign_extend(a, size);
        r = (uint64_t)(s >> n) & size_mask(size);
        f = (uint32_t)(s >> (n - 1)) & 1;
    }
    *fl = f | flags_szp(r, size);
    return r;
}

/*
 * Any group-2 operation of A by a masked count N of 1-31, CF being the carry in: the
 * result, the new flags in *FL and which flags the operation writes in *MASK (rotates:
 * CF and OF; RCL/RCR by a multiple of width + 1: none).
 */
static inline uint64_t group2_calc(unsigned opi, unsigned size, uint64_t a, unsigned n,
                                   uint32_t cf, uint32_t *fl, uint32_t *mask)
{
    unsigned bits = 8 * size, k;
    uint64_t m = size_mask(size), msb = 1ull << (bits - 1), v, r;

    *mask = FL_CF | FL_OF;
    switch (opi) {
    case SH_ROL:
        k = n & (bits - 1);
        r = ((a << k) | (a >> (bits - k))) & m;
        *fl = (uint32_t)(r & 1) | ((a ^ (a << 1)) & msb ? FL_OF : 0);
        return r;
    case SH_ROR:
        k = n & (bits - 1);
        r = ((a >> k) | (a << (bits - k))) & m;
        *fl = (uint32_t)(r >> (bits - 1)) | ((a ^ (a >> (bits - 1))) & 1 ? FL_OF : 0);
        return r;
    case SH_RCL:
    case SH_RCR:
        k = n % (bits + 1);
        if (k == 0) {
            *mask = 0;
            return a;
        }
        v = a | (uint64_t)cf << bits;  /* the (width + 1)-bit quantity CF:dest */
        if (opi == SH_RCL) {
            v = ((v << k) | (v >> (bits + 1 - k))) & ((m << 1) | 1);
            *fl = (a ^ (a << 1)) & msb ? FL_OF : 0;
        } else {
            v = ((v >> k) | (v << (bits + 1 - k))) & ((m << 1) | 1);
            *fl = ((a >> (bits - 1)) ^ cf) & 1 ? FL_OF : 0;
        }
        *fl |= (uint32_t)(v >> bits);
        return v & m;
    default:
        *mask = FL_ARITH;
        return shift_calc(opi, size, a, n, fl);
    }
}

#define SHIFT_HANDLERS(OPI, SZ)                                                        \
static const TB *sh_ri_##OPI##_##SZ(CPUState *cpu, const Op *op)                       \
{                                                                                      \
    uint32_t fl;                                                                       \
    uint64_t r = shift_calc(OPI, SZ, reg_get(cpu, op->rm, SZ), op->imm, &fl);          \
    reg_set(cpu, op->rm, SZ, r);                                                       \
    cc_set_eflags(cpu, fl);                                                            \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *sh_rc_##OPI##_##SZ(CPUState *cpu, const Op *op)                       \
{                                                                                      \
    unsigned n = cpu->regs[R_ECX] & 31;                                                \
    if (n) {                                                                           \
        uint32_t fl;                                                                   \
        uint64_t r = shift_calc(OPI, SZ, reg_get(cpu, op->rm, SZ), n, &fl);            \
        reg_set(cpu, op->rm, SZ, r);                                                   \
        cc_set_eflags(cpu, fl);                                                        \
    }                                                                                  \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *sh_mi_##OPI##_##SZ(CPUState *cpu, const Op *op)                       \
{                                                                                      \
    uint32_t ea = op_ea(cpu, op), fl;                                                  \
    uint64_t r = shift_calc(OPI, SZ, cpu_ld_rmw(cpu, op->seg, ea, SZ), op->imm, &fl);  \
    cpu_st(cpu, op->seg, ea, r, SZ);                                                   \
    cc_set_eflags(cpu, fl);                                                            \
    NEXT(cpu, op);                                                                     \
}                                                                                      \
static const TB *sh_mc_##OPI##_##SZ(CPUState *cpu, const Op *op)                       \
{                                                                                      \
    uint32_t ea = op_ea(cpu, op), fl;                                                  \
    unsigned n = cpu->regs[R_ECX] & 31;                                                \
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, SZ);                                     \
    if (n) {                                                                           \
        uint64_t r = shift_calc(OPI, SZ, a, n, &fl);                                   \
        cpu_st(cpu, op->seg, ea, r, SZ);                                               \
        cc_set_eflags(cpu, fl);                                                        \
    }                                                                                  \
    NEXT(cpu, op);                                                                     \
}

#define SHIFT_SIZES(OPI) SHIFT_HANDLERS(OPI, 1) SHIFT_HANDLERS(OPI, 2) SHIFT_HANDLERS(OPI, 4)
SHIFT_SIZES(SH_SHL) SHIFT_SIZES(SH_SHR) SHIFT_SIZES(SH_SAR)

#define SHIFT_FORMS(OPI, SZ) { sh_ri_##OPI##_##SZ, sh_rc_##OPI##_##SZ, sh_mi_##OPI##_##SZ, \
                               sh_mc_##OPI##_##SZ }
#define SHIFT_OP(OPI) { SHIFT_FORMS(OPI, 1), SHIFT_FORMS(OPI, 2), SHIFT_FORMS(OPI, 4) }
static const OpFn shift_fns[3][3][F_COUNT] = {
    SHIFT_OP(SH_SHL), SHIFT_OP(SH_SHR), SHIFT_OP(SH_SAR),
};

/*
 * The generic forms: any operation (op->sub), any size, masked count N of 0-31; op->imm2
 * holds flags the form leaves alone although the operation computes them.
 */
static inline const TB *group2_reg(CPUState *cpu, const Op *op, unsigned n)
{
    if (n) {
        uint32_t cf = op->sub == SH_RCL || op->sub == SH_RCR ? cc_carry(cpu) : 0, fl, mask;
        uint64_t r = group2_calc(op->sub, op->size, reg_get(cpu, op->rm, op->size), n, cf,
                                 &fl, &mask);
        reg_set(cpu, op->rm, op->size, r);
        if (mask & ~op->imm2) {
            cc_set_eflags_masked(cpu, mask & ~op->imm2, fl);
        }
    }
    NEXT(cpu, op);
}

static inline const TB *group2_mem(CPUState *cpu, const Op *op, unsigned n)
{
    uint32_t ea = op_ea(cpu, op);
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, op->size);
    if (n) {
        uint32_t cf = op->sub == SH_RCL || op->sub == SH_RCR ? cc_carry(cpu) : 0, fl, mask;
        uint64_t r = group2_calc(op->sub, op->size, a, n, cf, &fl, &mask);
        cpu_st(cpu, op->seg, ea, r, op->size);
        if (mask & ~op->imm2) {
            cc_set_eflags_masked(cpu, mask & ~op->imm2, fl);
        }
    }
    NEXT(cpu, op);
}

static const TB *group2_ri(CPUState *cpu, const Op *op)
{
    return group2_reg(cpu, op, op->imm);
}

static const TB *group2_rc(CPUState *cpu, const Op *op)
{
    return group2_reg(cpu, op, cpu->regs[R_ECX] & 31);
}

static const TB *group2_mi(CPUState *cpu, const Op *op)
{
    return group2_mem(cpu, op, op->imm);
}

static const TB *group2_mc(CPUState *cpu, const Op *op)
{
    return group2_mem(cpu, op, cpu->regs[R_ECX] & 31);
}

static const OpFn group2_fns[F_COUNT] = { group2_ri, group2_rc, group2_mi, group2_mc };

/* A register shifted by an immediate count that masks to 0: nothing happens. */
static const TB *shift_nop(CPUState *cpu, const Op *op)
{
    NEXT(cpu, op);
}

void emit_shift(EmitCtx *ec, const Insn *in, Op *op)
{
    unsigned opi = in->reg == SH_SAL ? SH_SHL : in->reg;  /* /6: undocumented SHL alias */
    uint8_t src = in->row->operand[1];
    bool cl = src == OT_CL;
    unsigned form = (in->has_mem ? F_MI : F_RI) + cl;

    op->sub = (uint8_t)opi;
    op->imm = src == OT_ONE ? 1 : in->imm & 31;
    op->imm2 = src == OT_Ib && opi <= SH_ROR && op->imm != 1 && !in->has_mem ? FL_OF : 0;
    if (!cl && op->imm == 0) {
        op->fn = in->has_mem ? group2_mi : shift_nop;
    } else if (opi >= SH_SHL) {
        op->fn = shift_fns[opi == SH_SAR ? 2 : opi - SH_SHL][size_slot(op->size)][form];
    } else {
        op->fn = group2_fns[form];
    }
}

/* ---- SHLD, SHRD: op->sub = 1 for SHLD; op->rm (or memory) <- op->reg ---- */

/* SHLD (LEFT) or SHRD of A by a masked count N of 1-31, filling from B (words or dwords). */
static inline uint64_t shiftd_calc(bool left, unsigned size, uint64_t a, uint64_t b,
                                   unsigned n, uint32_t *fl)
{
    unsigned bits = 8 * size;
    uint64_t msb = 1ull << (bits - 1), r, v;
    uint32_t f;

    if (left) {
        /* the bits enter from the right: dest:src (dwords) or dest:src:dest (words) */
        v = size == 4 ? (a << 32) | b : (a << 32) | (b << 16) | a;
        r = (v >> (32 - n)) & size_mask(size);
        f = (v >> ((size == 4 ? 64 : 48) - n)) & 1;
        f |= (a ^ (a << 1)) & msb ? FL_OF : 0;
    } else {
        v = size == 4 ? (b << 32) | a : (a << 32) | (b << 16) | a;
        r = (v >> n) & size_mask(size);
        f = (v >> (n - 1)) & 1;
        f |= ((a >> (bits - 1)) ^ b) & 1 ? FL_OF : 0;
    }
    *fl = f | flags_szp(r, size);
    return r;
}

static inline const TB *shiftd_reg(CPUState *cpu, const Op *op, unsigned n)
{
    if (n) {
        uint32_t fl;
        uint64_t r = shiftd_calc(op->sub, op->size, reg_get(cpu, op->rm, op->size),
                                 reg_get(cpu, op->reg, op->size), n, &fl);
        reg_set(cpu, op->rm, op->size, r);
        cc_set_eflags(cpu, fl);
    }
    NEXT(cpu, op);
}

static inline const TB *shiftd_mem(CPUState *cpu, const Op *op, unsigned n)
{
    uint32_t ea = op_ea(cpu, op), fl;
    uint64_t a = cpu_ld_rmw(cpu, op->seg, ea, op->size);
    if (n) {
        uint64_t r = shiftd_calc(op->sub, op->size, a, reg_get(cpu, op->reg, op->size), n,
                                 &fl);
        cpu_st(cpu, op->seg, ea, r, op->size);
        cc_set_eflags(cpu, fl);
    }
    NEXT(cpu, op);
}

static const TB *shiftd_ri(CPUState *cpu, const Op *op)
{
    return shiftd_reg(cpu, op, op->imm);
}

static const TB *shiftd_rc(CPUState *cpu, const Op *op)
{
    return shiftd_reg(cpu, op, cpu->regs[R_ECX] & 31);
}

static const TB *shiftd_mi(CPUState *cpu, const Op *op)
{
    return shiftd_mem(cpu, op, op->imm);
}

static const TB *shiftd_mc(CPUState *cpu, const Op *op)
{
    return shiftd_mem(cpu, op, cpu->regs[R_ECX] & 31);
}

static const OpFn shiftd_fns[F_COUNT] = { shiftd_ri, shiftd_rc, shiftd_mi, shiftd_mc };

void emit_shiftd(EmitCtx *ec, const Insn *in, Op *op)
{
    bool cl = in->opcode & 1;  /* 0F A5, 0F AD */

    op->sub = in->opcode < 0x1a8;  /* 0F A4/A5: SHLD */
    op->imm = cl ? 0 : in->imm & 31;
    if (!cl && op->imm == 0 && !in->has_mem) {
        op->fn = shift_nop;
    } else {
        op->fn = shiftd_fns[(in->has_mem ? F_MI : F_RI) + cl];
    }
}

/* ---- BT, BTS, BTR, BTC ---- */

enum { BT_T, BT_S, BT_R, BT_C };

static inline uint64_t bt_apply(unsigned opi, uint64_t a, unsigned bit)
{
    uint64_t m = 1ull << bit;
    return opi == BT_S ? a | m : opi == BT_R ? a & ~m : opi == BT_C ? a ^ m : a;
}

static inline const TB *bt_reg(CPUState *cpu, const Op *op, unsigned opi, unsigned bit)
{
    uint64_t a = reg_get(cpu, op->rm, op->size);
    if (opi != BT_T) {
        reg_set(cpu, op->rm, op->size, bt_apply(opi, a, bit));
    }
    cc_set_eflags_masked(cpu, FL_CF, (a >> bit) & 1);
    NEXT(cpu, op);
}

static inline const TB *bt_mem(CPUState *cpu, const Op *op, unsigned opi, uint32_t ea,
                               unsigned bit)
{
    uint64_t a;
    if (opi == BT_T) {
        a = cpu_ld(cpu, op->seg, ea, op->size);
    } else {
        a = cpu_ld_rmw(cpu, op->seg, ea, op->size);
        cpu_st(cpu, op->seg, ea, bt_apply(opi, a, bit), op->size);
    }
    cc_set_eflags_masked(cpu, FL_CF, (a >> bit) & 1);
    NEXT(cpu, op);
}

/*
 * Register bit offsets index memory as a signed bit string (SDM vol. 2A, BT, and vol. 1,
 * 3.4.1.1 "bit base"): the operand-sized unit at ea + (offset >> 3 rounded down to the
 * operand size) holds bit offset mod the operand width. The immediate forms were masked
 * to the operand width when emitted.
 */
#define BT_HANDLERS(OPI)                                                               \
static const TB *bt_rr_##OPI(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    return bt_reg(cpu, op, OPI, reg_get(cpu, op->reg, op->size) & (8 * op->size - 1)); \
}                                                                                      \
static const TB *bt_ri_##OPI(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    return bt_reg(cpu, op, OPI, op->imm);                                              \
}                                                                                      \
static const TB *bt_mr_##OPI(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    int64_t off = sign_extend(reg_get(cpu, op->reg, op->size), op->size);              \
    int64_t unit = off >> (op->size == 2 ? 4 : 5);                                     \
    uint32_t ea = (uint32_t)(op_ea(cpu, op) + (uint64_t)unit * op->size) & op->amask;  \
    return bt_mem(cpu, op, OPI, ea, (unsigned)off & (8 * op->size - 1));               \
}                                                                                      \
static const TB *bt_mi_##OPI(CPUState *cpu, const Op *op)                              \
{                                                                                      \
    return bt_mem(cpu, op, OPI, op_ea(cpu, op), op->imm);                              \
}
BT_HANDLERS(BT_T) BT_HANDLERS(BT_S) BT_HANDLERS(BT_R) BT_HANDLERS(BT_C)

/* [operation][memory][immediate] */
#define BT_FORMS(OPI) { { bt_rr_##OPI, bt_ri_##OPI }, { bt_mr_##OPI, bt_mi_##OPI } }
static const OpFn bt_fns[4][2][2] = {
    BT_FORMS(BT_T), BT_FORMS(BT_S), BT_FORMS(BT_R), BT_FORMS(BT_C),
};

void emit_bt(EmitCtx *ec, const Insn *in, Op *op)
{
    bool imm = in->opcode == 0x1ba;
    unsigned opi = imm ? in->reg - 4u : (in->opcode >> 3) & 3u;  /* A3 AB B3 BB */

    if (imm) {
        op->imm &= 8u * op->size - 1;
    }
    op->fn = bt_fns[opi][in->has_mem][imm];
}

/* ---- BSF, BSR: op->sub = 1 for BSR ---- */

static inline const TB *bitscan(CPUState *cpu, const Op *op, uint64_t v)
{
    if (v == 0) {
        cc_set_eflags(cpu, FL_ZF | FL_PF);
    } else {
        unsigned idx = op->sub ? 63u - (unsigned)__builtin_clzll(v)
                               : (unsigned)__builtin_ctzll(v);
        reg_set(cpu, op->reg, op->size, idx);
        cc_set_eflags(cpu, parity_flag(idx));
    }
    NEXT(cpu, op);
}

static const TB *bitscan_r(CPUState *cpu, const Op *op)
{
    return bitscan(cpu, op, reg_get(cpu, op->rm, op->size));
}

static const TB *bitscan_m(CPUState *cpu, const Op *op)
{
    return bitscan(cpu, op, cpu_ld(cpu, op->seg, op_ea(cpu, op), op->size));
}

void emit_bitscan(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->opcode == 0x1bd;
    op->fn = in->has_mem ? bitscan_m : bitscan_r;
}
