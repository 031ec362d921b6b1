/*
 * Emitters: for each decoded instruction, pick the specialised handler and fill the Op.
 * One emit_<kind> per kind of cpu/emitkinds.def, named by the rows of cpu/opcodes.def.
 */
#ifndef WIRT_TRANSLATE_EMIT_H
#define WIRT_TRANSLATE_EMIT_H

#include "cpu/decode.h"
#include "translate/op.h"

typedef struct EmitCtx {
    CPUState *cpu;
    uint32_t tb_flags;   /* TB_* mode of the block being built */
} EmitCtx;

/* Fills OP->fn (and any fields beyond the common ones) for IN. */
typedef void (*EmitFn)(EmitCtx *ec, const Insn *in, Op *op);

#define K(name) void emit_##name(EmitCtx *ec, const Insn *in, Op *op);
#include "cpu/emitkinds.def"
#undef K

extern const EmitFn emitters[EMIT_KIND_COUNT];

/* An op that raises VECTOR (with ERROR when HAS_ERROR) at its instruction. */
void emit_raise(Op *op, int vector, bool has_error, uint32_t error);
/* Whether OP is one that only raises (it ends its block). */
bool op_raises(const Op *op);
/* For kinds not written yet: #UD, logged under guest_errors. */
void emit_unimplemented(EmitCtx *ec, const Insn *in, Op *op);

/* Common terminal handler: continue at next_eip, no chaining (after mode changes). */
const TB *op_end_nochain(CPUState *cpu, const Op *op);

#endif
