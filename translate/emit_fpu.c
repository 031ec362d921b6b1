/*
 * Handlers and emitters for the x87 escape opcodes D8-DF and WAIT (Intel SDM vol. 2).
 * Not written yet: these instructions raise #UD until their work lands.
 */
#include "translate/emit.h"

void emit_fpu(EmitCtx *ec, const Insn *in, Op *op)
{
    emit_unimplemented(ec, in, op);
}
