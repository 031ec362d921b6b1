/*
 * Handlers and emitters for segment-register moves and loads, far JMP/CALL/RET, INT n,
 * INT3, INTO, INT1, IRET, BOUND, HLT, CLI/STI (Intel SDM vol. 2). The semantics live in
 * cpu/ (cpu/far.c, cpu/seg.c, cpu/exception.c); these handlers only gather operands.
 * Group 6/7 and the other system instructions are in translate/emit_sysinsn.c.
 */
#include "cpu/far.h"
#include "cpu/seg.h"
#include "translate/emit.h"

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->eflags & FL_IOPL) >> FL_IOPL_SHIFT;
}

/* ---- MOV Ew,Sw (8C) and MOV Sw,Ew (8E): op->sub = segment register ---- */

static const TB *mov_from_sreg(CPUState *cpu, const Op *op)
{
    uint16_t sel = cpu->seg[op->sub].sel;
    if (op->imm2) {
        cpu_st(cpu, op->seg, op_ea(cpu, op), sel, 2);
    } else {
        reg_set(cpu, op->rm, op->size, sel);  /* 32-bit: zero-extended, as P6 does */
    }
    NEXT(cpu, op);
}

static const TB *mov_to_sreg(CPUState *cpu, const Op *op)
{
    uint16_t sel = op->imm2 ? (uint16_t)cpu_ld(cpu, op->seg, op_ea(cpu, op), 2)
                            : (uint16_t)reg_get(cpu, op->rm, 2);
    cpu_load_seg(cpu, op->sub, sel);
    if (op->sub == SEG_SS) {
        cpu->irq_inhibit = true;
    }
    return op_end_nochain(cpu, op);
}

void emit_mov_sreg(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->reg;
    op->imm2 = in->has_mem;
    if (in->reg > SEG_GS || (in->opcode == 0x8e && in->reg == SEG_CS)) {
        emit_raise(op, EXC_UD, false, 0);
        return;
    }
    op->fn = in->opcode == 0x8c ? mov_from_sreg : mov_to_sreg;
}

/* ---- LDS LES LFS LGS LSS: op->sub = segment register ---- */

static const TB *lxs(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint64_t off = cpu_ld(cpu, op->seg, ea, op->size);
    uint16_t sel = (uint16_t)cpu_ld(cpu, op->seg, (ea + op->size) & op->amask, 2);
    cpu_load_seg(cpu, op->sub, sel);
    reg_set(cpu, op->reg, op->size, off);
    if (op->sub == SEG_SS) {
        return op_end_nochain(cpu, op);
    }
    NEXT(cpu, op);
}

void emit_lxs(EmitCtx *ec, const Insn *in, Op *op)
{
    switch (in->opcode) {
    case 0xc4: op->sub = SEG_ES; break;
    case 0xc5: op->sub = SEG_DS; break;
    case 0x1b2: op->sub = SEG_SS; break;
    case 0x1b4: op->sub = SEG_FS; break;
    default: op->sub = SEG_GS; break;
    }
    op->fn = lxs;
}

/* ---- far JMP, CALL, RET ---- */

/* The selector:offset of a far transfer: immediate (Ap) or from memory (Mp). */
static void far_target(CPUState *cpu, const Op *op, uint16_t *sel, uint32_t *off)
{
    if (op->sub) {
        uint32_t ea = op_ea(cpu, op);
        *off = (uint32_t)cpu_ld(cpu, op->seg, ea, op->size);
        *sel = (uint16_t)cpu_ld(cpu, op->seg, (ea + op->size) & op->amask, 2);
    } else {
        *off = op->imm;
        *sel = (uint16_t)op->imm2;
    }
}

static const TB *jmp_far(CPUState *cpu, const Op *op)
{
    uint16_t sel;
    uint32_t off;
    far_target(cpu, op, &sel, &off);
    cpu_far_jump(cpu, sel, off, op->size, op->next_eip);
    return tb_exit(cpu);
}

static const TB *call_far(CPUState *cpu, const Op *op)
{
    uint16_t sel;
    uint32_t off;
    far_target(cpu, op, &sel, &off);
    cpu_far_call(cpu, sel, off, op->size, op->next_eip);
    return tb_exit(cpu);
}

static const TB *ret_far(CPUState *cpu, const Op *op)
{
    cpu_far_ret(cpu, op->size, (uint16_t)op->imm);
    return tb_exit(cpu);
}

void emit_jmp_far(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = jmp_far;
}

void emit_call_far(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = call_far;
}

void emit_ret_far(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode == 0xcb) {
        op->imm = 0;
    }
    op->fn = ret_far;
}

/* ---- INT n, INT3, INTO, INT1, IRET ---- */

static const TB *int_n(CPUState *cpu, const Op *op)
{
    cpu_raise_soft(cpu, (int)op->imm, op->eip, op->next_eip, op->opcode == 0xcd);
}

static const TB *into(CPUState *cpu, const Op *op)
{
    if (cc_test(cpu, 0)) {
        cpu_raise_soft(cpu, EXC_OF, op->eip, op->next_eip, false);
    }
    cpu->eip = op->next_eip;
    return tb_exit(cpu);
}

static const TB *int1(CPUState *cpu, const Op *op)
{
    cpu->eip = op->next_eip;
    cpu_raise_trap(cpu, EXC_DB);
}

void emit_int(EmitCtx *ec, const Insn *in, Op *op)
{
    switch (in->opcode) {
    case 0xcc: op->imm = EXC_BP; op->fn = int_n; break;
    case 0xcd: op->fn = int_n; break;
    case 0xce: op->fn = into; break;
    default: op->fn = int1; break;
    }
}

static const TB *iret(CPUState *cpu, const Op *op)
{
    cpu->eip = op->next_eip;  /* a task return saves this in the outgoing TSS */
    cpu_iret(cpu, op->size);
    return tb_exit(cpu);
}

void emit_iret(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = iret;
}

/* ---- BOUND ---- */

static const TB *bound(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    int64_t lo = sign_extend(cpu_ld(cpu, op->seg, ea, op->size), op->size);
    int64_t hi = sign_extend(cpu_ld(cpu, op->seg, (ea + op->size) & op->amask, op->size),
                             op->size);
    int64_t idx = sign_extend(reg_get(cpu, op->reg, op->size), op->size);
    if (idx < lo || idx > hi) {
        cpu_raise(cpu, EXC_BR);
    }
    NEXT(cpu, op);
}

void emit_bound(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = bound;
}

/* ---- HLT, CLI, STI ---- */

static const TB *hlt(CPUState *cpu, const Op *op)
{
    if (cpu_pe(cpu) && cpu->cpl != 0) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu->halted = true;
    cpu->eip = op->next_eip;
    return tb_exit(cpu);
}

void emit_hlt(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = hlt;
}

/* CLI/STI are allowed when CPL <= IOPL (v8086: IOPL = 3); no VME/PVI virtual flags yet. */
static void check_if_privilege(CPUState *cpu)
{
    if (cpu_pe(cpu) && (cpu_v86(cpu) ? iopl(cpu) < 3 : cpu->cpl > iopl(cpu))) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
}

static const TB *cli(CPUState *cpu, const Op *op)
{
    check_if_privilege(cpu);
    cpu->eflags &= ~FL_IF;
    NEXT(cpu, op);
}

static const TB *sti(CPUState *cpu, const Op *op)
{
    check_if_privilege(cpu);
    if (!(cpu->eflags & FL_IF)) {
        cpu->irq_inhibit = true;  /* interrupts wait one more instruction */
    }
    cpu->eflags |= FL_IF;
    return op_end_nochain(cpu, op);
}

void emit_cli_sti(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = in->opcode == 0xfa ? cli : sti;
}
