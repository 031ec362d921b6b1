/*
 * Handlers and emitters for the integer data instructions: the eight ALU operations and
 * TEST in every operand form, INC/DEC, NOT/NEG, MOV, MOVZX/MOVSX, LEA, XCHG, CMOVcc,
 * SETcc, CBW/CWD, the flag instructions, NOP, XLAT, BSWAP, CMPXCHG, XADD, CMPXCHG8B
 * (Intel SDM vol. 2). Handlers are specialised by operation, form and size through macros.
 * Every memory-destination handler stores before it commits registers or flags.
 */
#include "translate/alu.h"
#include "translate/emit.h"

/* Operand forms: register-register, register<-memory, memory<-register, and immediates. */
enum { F_RR, F_RM, F_MR, F_RI, F_MI, F_COUNT };

#define WRITES(OPI) ((OPI) != ALU_CMP && (OPI) != ALU_TEST)

static inline uint64_t ld_dst(CPUState *cpu, const Op *op, uint32_t ea, unsigned size, bool rmw)
{
    return rmw ? cpu_ld_rmw(cpu, op->seg, ea, size) : cpu_ld(cpu, op->seg, ea, size);
}

#define ALU_HANDLERS(OPI, SZ)                                                              \
static const TB *alu_rr_##OPI##_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                          \
    uint64_t r = alu_op(cpu, OPI, reg_get(cpu, op->rm, SZ), reg_get(cpu, op->reg, SZ), SZ); \
    if (WRITES(OPI)) {                                                                     \
        reg_set(cpu, op->rm, SZ, r);                                                       \
    }                                                                                      \
    NEXT(cpu, op);                                                                         \
}                                                                                          \
static const TB *alu_rm_##OPI##_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                          \
    uint64_t b = cpu_ld(cpu, op->seg, op_ea(cpu, op), SZ);                                 \
    uint64_t r = alu_op(cpu, OPI, reg_get(cpu, op->reg, SZ), b, SZ);                       \
    if (WRITES(OPI)) {                                                                     \
        reg_set(cpu, op->reg, SZ, r);                                                      \
    }                                                                                      \
    NEXT(cpu, op);                                                                         \
}                                                                                          \
static const TB *alu_mr_##OPI##_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                          \
    uint32_t ea = op_ea(cpu, op);                                                          \
    uint64_t a = ld_dst(cpu, op, ea, SZ, WRITES(OPI)), b = reg_get(cpu, op->reg, SZ);      \
    uint32_t cin = alu_cin(cpu, OPI);                                                      \
    uint64_t r = alu_calc(OPI, a, b, cin, SZ);                                             \
    if (WRITES(OPI)) {                                                                     \
        cpu_st(cpu, op->seg, ea, r, SZ);                                                   \
    }                                                                                      \
    alu_flags(cpu, OPI, a, b, r, cin, SZ);                                                 \
    NEXT(cpu, op);                                                                         \
}                                                                                          \
static const TB *alu_ri_##OPI##_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                          \
    uint64_t r = alu_op(cpu, OPI, reg_get(cpu, op->rm, SZ), op->imm & size_mask(SZ), SZ);  \
    if (WRITES(OPI)) {                                                                     \
        reg_set(cpu, op->rm, SZ, r);                                                       \
    }                                                                                      \
    NEXT(cpu, op);                                                                         \
}                                                                                          \
static const TB *alu_mi_##OPI##_##SZ(CPUState *cpu, const Op *op)                          \
{                                                                                          \
    uint32_t ea = op_ea(cpu, op);                                                          \
    uint64_t a = ld_dst(cpu, op, ea, SZ, WRITES(OPI)), b = op->imm & size_mask(SZ);        \
    uint32_t cin = alu_cin(cpu, OPI);                                                      \
    uint64_t r = alu_calc(OPI, a, b, cin, SZ);                                             \
    if (WRITES(OPI)) {                                                                     \
        cpu_st(cpu, op->seg, ea, r, SZ);                                                   \
    }                                                                                      \
    alu_flags(cpu, OPI, a, b, r, cin, SZ);                                                 \
    NEXT(cpu, op);                                                                         \
}

#define ALU_SIZES(OPI) ALU_HANDLERS(OPI, 1) ALU_HANDLERS(OPI, 2) ALU_HANDLERS(OPI, 4)
ALU_SIZES(0) ALU_SIZES(1) ALU_SIZES(2) ALU_SIZES(3) ALU_SIZES(4) ALU_SIZES(5) ALU_SIZES(6)
ALU_SIZES(7) ALU_SIZES(8)

#define ALU_ROW(OPI, SZ) { alu_rr_##OPI##_##SZ, alu_rm_##OPI##_##SZ, alu_mr_##OPI##_##SZ, \
                           alu_ri_##OPI##_##SZ, alu_mi_##OPI##_##SZ }
#define ALU_OP(OPI) { ALU_ROW(OPI, 1), ALU_ROW(OPI, 2), ALU_ROW(OPI, 4) }
static const OpFn alu_fns[9][3][F_COUNT] = {
    ALU_OP(0), ALU_OP(1), ALU_OP(2), ALU_OP(3), ALU_OP(4), ALU_OP(5), ALU_OP(6), ALU_OP(7),
    ALU_OP(8),
};

/*
 * Picks the form of a two-operand instruction whose first operand is the destination and
 * normalises the op: register destinations in op->rm for RR/RI, op->reg for RM.
 */
static unsigned binary_form(const Insn *in, Op *op)
{
    uint8_t dst = in->row->operand[0], src = in->row->operand[1];
    bool src_imm = src == OT_Ib || src == OT_Ibs || src == OT_Iz || src == OT_Iw;

    if (dst == OT_AL || dst == OT_rAX) {
        op->rm = R_EAX;
        return F_RI;
    }
    if (src_imm) {
        return in->has_mem ? F_MI : F_RI;
    }
    bool dst_is_g = dst == OT_Gb || dst == OT_Gv || dst == OT_Gw || dst == OT_Gd;
    if (!in->has_mem) {
        if (dst_is_g) {  /* Gv,Ev with a register r/m: destination is reg */
            uint8_t t = op->rm;
            op->rm = op->reg;
            op->reg = t;
        }
        return F_RR;
    }
    return dst_is_g ? F_RM : F_MR;
}

void emit_alu(EmitCtx *ec, const Insn *in, Op *op)
{
    unsigned opi = in->opcode < 0x40 ? (in->opcode >> 3) & 7 : in->reg;
    op->fn = alu_fns[opi][size_slot(op->size)][binary_form(in, op)];
}

void emit_test(EmitCtx *ec, const Insn *in, Op *op)
{
    unsigned form = binary_form(in, op);
    if (form == F_RM) {
        form = F_MR;  /* TEST commutes: the memory operand is read either way */
    }
    op->fn = alu_fns[ALU_TEST][size_slot(op->size)][form];
}
