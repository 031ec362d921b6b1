/*
 * Stack instructions: PUSH/POP of registers, memory, immediates and segment registers,
 * PUSHA/POPA, PUSHF/POPF with the IOPL and VM rules, ENTER (with nesting levels) and
 * LEAVE (Intel SDM vol. 2). Every handler writes the stack before it moves ESP.
 */
#include "cpu/seg.h"
#include "translate/emit.h"

/* ---- PUSH ---- */

static const TB *push_r(CPUState *cpu, const Op *op)
{
    cpu_push(cpu, reg_get(cpu, op->rm, op->size), op->size);
    NEXT(cpu, op);
}

static const TB *push_i(CPUState *cpu, const Op *op)
{
    cpu_push(cpu, op->imm, op->size);
    NEXT(cpu, op);
}

static const TB *push_m(CPUState *cpu, const Op *op)
{
    cpu_push(cpu, cpu_ld(cpu, op->seg, op_ea(cpu, op), op->size), op->size);
    NEXT(cpu, op);
}

void emit_push(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode >= 0x50 && in->opcode <= 0x57) {
        op->rm = in->opcode & 7;
        op->fn = push_r;
    } else if (in->opcode == 0x68 || in->opcode == 0x6a) {
        op->fn = push_i;
    } else {
        op->fn = in->has_mem ? push_m : push_r;
    }
}

/* ---- POP ---- */

static const TB *pop_r(CPUState *cpu, const Op *op)
{
    uint64_t v = cpu_pop(cpu, op->size);
    reg_set(cpu, op->rm, op->size, v);  /* POP ESP: the popped value wins */
    NEXT(cpu, op);
}

static const TB *pop_m(CPUState *cpu, const Op *op)
{
    uint64_t v = cpu_stack_peek(cpu, 0, op->size);
    /* With ESP as base, the address uses ESP after the pop (SDM vol. 2, POP). */
    uint32_t ea = op_ea(cpu, op);
    if (op->base == R_ESP) {
        ea = (ea + op->size) & op->amask;
    }
    cpu_st(cpu, op->seg, ea, v, op->size);
    cpu_set_sp(cpu, cpu->regs[R_ESP] + op->size);
    NEXT(cpu, op);
}

void emit_pop(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode >= 0x58 && in->opcode <= 0x5f) {
        op->rm = in->opcode & 7;
        op->fn = pop_r;
    } else {
        op->fn = in->has_mem ? pop_m : pop_r;
    }
}

/* ---- segment registers: op->sub = SEG_* ---- */

static const TB *push_sreg(CPUState *cpu, const Op *op)
{
    /* A 32-bit push of a selector writes 16 bits and moves ESP by 4, as P6 does. */
    uint64_t sp = (cpu->regs[R_ESP] - op->size) & cpu_sp_mask(cpu);
    cpu_st(cpu, SEG_SS, sp, cpu->seg[op->sub].sel, 2);
    cpu_set_sp(cpu, sp);
    NEXT(cpu, op);
}

static const TB *pop_sreg(CPUState *cpu, const Op *op)
{
    uint16_t sel = (uint16_t)cpu_stack_peek(cpu, 0, 2);
    cpu_load_seg(cpu, op->sub, sel);
    cpu_set_sp(cpu, cpu->regs[R_ESP] + op->size);
    NEXT(cpu, op);
}

static const TB *pop_ss(CPUState *cpu, const Op *op)
{
    uint16_t sel = (uint16_t)cpu_stack_peek(cpu, 0, 2);
    uint64_t sp = cpu->regs[R_ESP] + op->size;  /* under the old SS size */
    uint64_t m = cpu_sp_mask(cpu);
    cpu_load_seg(cpu, SEG_SS, sel);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (sp & m);
    cpu->irq_inhibit = true;
    return op_end_nochain(cpu, op);
}

static int sreg_of(const Insn *in)
{
    switch (in->row->operand[0]) {
    case OT_ES: return SEG_ES;
    case OT_CS: return SEG_CS;
    case OT_SS: return SEG_SS;
    case OT_DS: return SEG_DS;
    case OT_FS: return SEG_FS;
    default: return SEG_GS;
    }
}

void emit_push_sreg(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = (uint8_t)sreg_of(in);
    op->fn = push_sreg;
}

void emit_pop_sreg(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = (uint8_t)sreg_of(in);
    op->fn = op->sub == SEG_SS ? pop_ss : pop_sreg;
}

/* ---- PUSHA, POPA ---- */

static const TB *pusha(CPUState *cpu, const Op *op)
{
    uint64_t m = cpu_sp_mask(cpu), sp = cpu->regs[R_ESP];
    for (int r = R_EAX; r <= R_EDI; r++) {
        cpu_st(cpu, SEG_SS, (sp - (uint64_t)(r + 1) * op->size) & m,
               reg_get(cpu, (unsigned)r, op->size), op->size);
    }
    cpu_set_sp(cpu, sp - 8u * op->size);
    NEXT(cpu, op);
}

static const TB *popa(CPUState *cpu, const Op *op)
{
    uint64_t v[8];
    for (int r = R_EDI; r >= R_EAX; r--) {
        v[r] = cpu_stack_peek(cpu, (unsigned)(R_EDI - r) * op->size, op->size);
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            reg_set(cpu, (unsigned)r, op->size, v[r]);
        }
    }
    cpu_set_sp(cpu, cpu->regs[R_ESP] + 8u * op->size);
    NEXT(cpu, op);
}

void emit_pusha(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = pusha;
}

void emit_popa(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = popa;
}

/* ---- PUSHF, POPF ---- */

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->eflags & FL_IOPL) >> FL_IOPL_SHIFT;
}

static const TB *pushf(CPUState *cpu, const Op *op)
{
    if (cpu_v86(cpu) && iopl(cpu) < 3) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_push(cpu, cpu_get_eflags(cpu) & ~(FL_VM | FL_RF), op->size);
    NEXT(cpu, op);
}

/* The EFLAGS bits POPF may change at the current privilege (SDM vol. 2, POPF). */
static uint32_t popf_mask(const CPUState *cpu)
{
    uint32_t m = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_IF | FL_IOPL;
    if (cpu_pe(cpu) && !cpu_v86(cpu)) {
        if (cpu->cpl > 0) {
            m &= ~FL_IOPL;
        }
        if (cpu->cpl > iopl(cpu)) {
            m &= ~FL_IF;
        }
    } else if (cpu_v86(cpu)) {
        m &= ~FL_IOPL;
    }
    return m;
}

static const TB *popf(CPUState *cpu, const Op *op)
{
    if (cpu_v86(cpu) && iopl(cpu) < 3) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    uint32_t v = (uint32_t)cpu_stack_peek(cpu, 0, op->size);
    uint32_t m = popf_mask(cpu);
    if (op->size == 2) {
        m &= 0xffff;
    }
    uint32_t old = cpu_get_eflags(cpu);
    cpu_set_sp(cpu, cpu->regs[R_ESP] + op->size);
    cpu_set_eflags(cpu, ((old & ~m) | (v & m)) & ~FL_RF);
    return op_end_nochain(cpu, op);
}

void emit_pushf(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = pushf;
}

void emit_popf(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = popf;
}

/* ---- ENTER, LEAVE ---- */

static const TB *enter(CPUState *cpu, const Op *op)
{
    unsigned size = op->size, level = op->imm2 & 31;
    uint64_t m = cpu_sp_mask(cpu);
    uint64_t sp = (cpu->regs[R_ESP] - size) & m, bp = cpu->regs[R_EBP];
    uint64_t frame;

    cpu_st(cpu, SEG_SS, sp, reg_get(cpu, R_EBP, size), size);
    frame = sp;
    for (unsigned i = 1; i < level; i++) {
        bp = (bp - size) & m;
        uint64_t v = cpu_ld(cpu, SEG_SS, bp, size);
        sp = (sp - size) & m;
        cpu_st(cpu, SEG_SS, sp, v, size);
    }
    if (level > 0) {
        sp = (sp - size) & m;
        cpu_st(cpu, SEG_SS, sp, frame, size);
    }
    sp = (sp - (op->imm & 0xffff)) & m;
    /* The new stack top must be writable too (SDM: #SS if it is beyond the limit). */
    if ((op->imm & 0xffff) != 0) {
        cpu_lin(cpu, SEG_SS, sp, 1, true);
    }
    reg_set(cpu, R_EBP, size, frame);
    cpu_set_sp(cpu, sp);
    NEXT(cpu, op);
}

static const TB *leave(CPUState *cpu, const Op *op)
{
    uint64_t m = cpu_sp_mask(cpu), sp = cpu->regs[R_EBP] & m;
    uint64_t v = cpu_ld(cpu, SEG_SS, sp, op->size);
    cpu_set_sp(cpu, sp + op->size);
    reg_set(cpu, R_EBP, op->size, v);
    NEXT(cpu, op);
}

void emit_enter(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = enter;
}

void emit_leave(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = leave;
}
