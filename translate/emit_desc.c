/*
 * Handlers and emitters for the descriptor instructions: group 6 (SLDT STR LLDT LTR VERR
 * VERW), LAR, LSL and ARPL (Intel SDM vol. 2). The semantics are in cpu/desc.c; mode
 * and privilege are part of the block key, so #UD in real and v8086 mode and the CPL 0
 * rule of LLDT/LTR are decided here at translation time.
 */
#include "cpu/desc.h"
#include "translate/emit.h"

static void set_zf(CPUState *cpu, bool zf)
{
    cpu_flags_materialize(cpu);
    cpu->eflags = (cpu->eflags & ~FL_ZF) | (zf ? FL_ZF : 0);
}

/* The 16-bit selector operand of Ew: op->imm2 tells memory from register. */
static uint16_t sel_operand(CPUState *cpu, const Op *op)
{
    if (op->imm2) {
        return (uint16_t)cpu_ld(cpu, op->seg, op_ea(cpu, op), 2);
    }
    return (uint16_t)reg_get(cpu, op->rm, 2);
}

/* ---- SLDT, STR: op->sub = SEG_LDTR or SEG_TR; a register gets op->size bytes ---- */

static const TB *store_sys_sel(CPUState *cpu, const Op *op)
{
    uint16_t sel = cpu->seg[op->sub].sel;
    if (op->imm2) {
        cpu_st(cpu, op->seg, op_ea(cpu, op), sel, 2);
    } else {
        reg_set(cpu, op->rm, op->size, sel);  /* 32-bit: zero-extended, as P6 does */
    }
    NEXT(cpu, op);
}

/* ---- LLDT, LTR ---- */

static const TB *lldt(CPUState *cpu, const Op *op)
{
    desc_lldt(cpu, sel_operand(cpu, op));
    return op_end_nochain(cpu, op);
}

static const TB *ltr(CPUState *cpu, const Op *op)
{
    desc_ltr(cpu, sel_operand(cpu, op));
    return op_end_nochain(cpu, op);
}

/* ---- VERR, VERW: op->sub = write ---- */

static const TB *verify(CPUState *cpu, const Op *op)
{
    set_zf(cpu, desc_verify(cpu, sel_operand(cpu, op), op->sub));
    NEXT(cpu, op);
}

/* ---- LAR, LSL: the destination changes only when ZF is set ---- */

static const TB *lar(CPUState *cpu, const Op *op)
{
    uint32_t rights;
    bool ok = desc_access_rights(cpu, sel_operand(cpu, op), &rights);
    if (ok) {
        reg_set(cpu, op->reg, op->size, op->size == 2 ? rights & 0xff00 : rights);
    }
    set_zf(cpu, ok);
    NEXT(cpu, op);
}

static const TB *lsl(CPUState *cpu, const Op *op)
{
    uint32_t limit;
    bool ok = desc_segment_limit(cpu, sel_operand(cpu, op), &limit);
    if (ok) {
        reg_set(cpu, op->reg, op->size, limit);
    }
    set_zf(cpu, ok);
    NEXT(cpu, op);
}

/* ---- ARPL Ew,Gw: raise the destination's RPL to the source's ---- */

static const TB *arpl(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint16_t dst = op->imm2 ? (uint16_t)cpu_ld_rmw(cpu, op->seg, ea, 2)
                            : (uint16_t)reg_get(cpu, op->rm, 2);
    uint16_t src_rpl = reg_get(cpu, op->reg, 2) & SEL_RPL;
    bool adjust = (dst & SEL_RPL) < src_rpl;

    if (adjust) {
        dst = (uint16_t)((dst & ~SEL_RPL) | src_rpl);
        if (op->imm2) {
            cpu_st(cpu, op->seg, ea, dst, 2);
        } else {
            reg_set(cpu, op->rm, 2, dst);
        }
    }
    set_zf(cpu, adjust);
    NEXT(cpu, op);
}

/* Handlers of group 6 by ModRM.reg; NULL entries (6, 7) are invalid. */
static const OpFn group6_fns[8] = { store_sys_sel, store_sys_sel, lldt, ltr, verify, verify };

void emit_desc(EmitCtx *ec, const Insn *in, Op *op)
{
    bool protected_mode = (ec->tb_flags & TB_PE) && !(ec->tb_flags & TB_VM);
    unsigned cpl = (ec->tb_flags >> TB_CPL_SHIFT) & 3;

    op->imm2 = in->has_mem;
    if (!protected_mode) {
        emit_raise(op, EXC_UD, false, 0);
        return;
    }
    switch (in->opcode) {
    case 0x063: op->fn = arpl; return;
    case 0x102: op->fn = lar; return;
    case 0x103: op->fn = lsl; return;
    default: break;
    }
    if (!group6_fns[in->reg & 7]) {
        emit_raise(op, EXC_UD, false, 0);
        return;
    }
    if ((in->reg == 2 || in->reg == 3) && cpl != 0) {
        emit_raise(op, EXC_GP, true, 0);
        return;
    }
    op->fn = group6_fns[in->reg & 7];
    op->sub = in->reg == 0 ? SEG_LDTR : in->reg == 1 ? SEG_TR : in->reg == 5;
    /* IF_W16 made the size 2; a register destination takes the real operand size. */
    op->size = (uint8_t)((((ec->tb_flags & TB_CODE32) != 0) ^ in->opsize_prefix) ? 4 : 2);
}
