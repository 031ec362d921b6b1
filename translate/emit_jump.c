/*
 * Near control transfers: Jcc, JMP, CALL and RET (direct and indirect), LOOP/LOOPE/LOOPNE
 * and JCXZ/JECXZ (Intel SDM vol. 2). A target beyond the CS limit raises #GP(0) at the
 * branch itself. Direct exits leave through chain slots: 0 = taken, 1 = not taken.
 */
#include "translate/emit.h"

static inline void branch_check(CPUState *cpu, uint32_t target)
{
    if (unlikely(target > cpu->seg[SEG_CS].limit)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
}

static inline const TB *branch_direct(CPUState *cpu, const Op *op, uint32_t target, int slot)
{
    branch_check(cpu, target);
    cpu->eip = target;
    cpu->exit_slot = slot;
    const TB *next = ((const TB *)cpu->cur_tb)->chain[slot];
    if (next && next->valid && next->eip == target) {
        return next;
    }
    return NULL;
}

/* op->imm = taken target, op->next_eip = fall-through, op->sub = condition. */
static const TB *jcc(CPUState *cpu, const Op *op)
{
    if (cc_test(cpu, op->sub)) {
        return branch_direct(cpu, op, op->imm, 0);
    }
    return branch_direct(cpu, op, op->next_eip, 1);
}

static const TB *jmp(CPUState *cpu, const Op *op)
{
    return branch_direct(cpu, op, op->imm, 0);
}

static const TB *call(CPUState *cpu, const Op *op)
{
    branch_check(cpu, op->imm);
    cpu_push(cpu, op->next_eip, op->size);
    return branch_direct(cpu, op, op->imm, 0);
}

/* The target of a relative branch, wrapped to the operand size. */
static uint32_t rel_target(const Insn *in, const Op *op)
{
    uint32_t t = op->next_eip + in->imm;
    return op->size == 2 ? t & 0xffff : t;
}

void emit_jcc(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->opcode & 15;
    op->imm = rel_target(in, op);
    op->fn = jcc;
}

void emit_jmp(EmitCtx *ec, const Insn *in, Op *op)
{
    op->imm = rel_target(in, op);
    op->fn = jmp;
}

void emit_call(EmitCtx *ec, const Insn *in, Op *op)
{
    op->imm = rel_target(in, op);
    op->fn = call;
}

/* ---- RET near: op->imm = bytes to release ---- */

static const TB *ret(CPUState *cpu, const Op *op)
{
    uint32_t target = (uint32_t)cpu_stack_peek(cpu, 0, op->size);
    branch_check(cpu, target);
    cpu_set_sp(cpu, cpu->regs[R_ESP] + op->size + op->imm);
    cpu->eip = target;
    return tb_exit(cpu);
}

void emit_ret(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode == 0xc3) {
        op->imm = 0;
    }
    op->fn = ret;
}

/* ---- LOOP family: op->sub = opcode E0-E3, count register by address size ---- */

static const TB *loop(CPUState *cpu, const Op *op)
{
    uint64_t m = op->asize == 2 ? 0xffff : 0xffffffffu;
    uint64_t count = cpu->regs[R_ECX] & m;
    bool taken;

    if (op->sub == 3) {
        taken = count == 0;  /* JCXZ/JECXZ */
    } else {
        count = (count - 1) & m;
        taken = count != 0;
        if (op->sub == 0) {
            taken = taken && !cc_test(cpu, 4);   /* LOOPNE: ZF = 0 */
        } else if (op->sub == 1) {
            taken = taken && cc_test(cpu, 4);    /* LOOPE: ZF = 1 */
        }
    }
    uint32_t target = taken ? op->imm : op->next_eip;
    branch_check(cpu, target);
    if (op->sub != 3) {
        cpu->regs[R_ECX] = (cpu->regs[R_ECX] & ~m) | count;
    }
    return branch_direct(cpu, op, target, taken ? 0 : 1);
}

void emit_loop(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->opcode & 3;
    op->imm = rel_target(in, op);
    op->fn = loop;
}

/* ---- JMP and CALL through a register or memory ---- */

static uint32_t indirect_target(CPUState *cpu, const Op *op)
{
    if (op->sub) {
        return (uint32_t)cpu_ld(cpu, op->seg, op_ea(cpu, op), op->size);
    }
    return (uint32_t)reg_get(cpu, op->rm, op->size);
}

static const TB *jmp_ind(CPUState *cpu, const Op *op)
{
    uint32_t target = indirect_target(cpu, op);
    branch_check(cpu, target);
    cpu->eip = target;
    return tb_exit(cpu);
}

static const TB *call_ind(CPUState *cpu, const Op *op)
{
    uint32_t target = indirect_target(cpu, op);
    branch_check(cpu, target);
    cpu_push(cpu, op->next_eip, op->size);
    cpu->eip = target;
    return tb_exit(cpu);
}

void emit_jmp_ind(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = jmp_ind;
}

void emit_call_ind(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = in->has_mem;
    op->fn = call_ind;
}
