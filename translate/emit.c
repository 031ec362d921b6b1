/*
 * The emitter table and the emitters every kind shares: raising an exception at an
 * instruction, the invalid opcode, and the not-yet-written fallback.
 */
#include "translate/emit.h"

const EmitFn emitters[EMIT_KIND_COUNT] = {
#define K(name) [EMIT_KIND_##name] = emit_##name,
#include "cpu/emitkinds.def"
#undef K
};

static const TB *op_raise(CPUState *cpu, const Op *op)
{
    if (op->sub) {
        cpu_raise_err(cpu, (int)op->imm, op->imm2);
    }
    cpu_raise(cpu, (int)op->imm);
}

void emit_raise(Op *op, int vector, bool has_error, uint32_t error)
{
    op->fn = op_raise;
    op->imm = (uint32_t)vector;
    op->sub = has_error;
    op->imm2 = error;
}

bool op_raises(const Op *op)
{
    return op->fn == op_raise;
}

void emit_ud(EmitCtx *ec, const Insn *in, Op *op)
{
    emit_raise(op, EXC_UD, false, 0);
}

void emit_unimplemented(EmitCtx *ec, const Insn *in, Op *op)
{
    log_trace(ec->cpu->log, LOG_GUEST_ERROR, "unimplemented instruction %s (opcode 0x%03x)\n",
              in->row->mnem, in->opcode);
    emit_raise(op, EXC_UD, false, 0);
}

const TB *op_end_nochain(CPUState *cpu, const Op *op)
{
    cpu->eip = op->next_eip;
    return tb_exit(cpu);
}
