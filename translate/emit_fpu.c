/*
 * The x87 escape opcodes D8-DF and WAIT (Intel SDM vol. 1 ch. 8, vol. 3A 2.5 CR0.EM/MP/TS).
 * Until the FPU issue lands, wirt models a CPU with no coprocessor fitted (CPUID leaf 1
 * reports no FPU): an escape instruction raises #NM when CR0.EM or CR0.TS is set, so an
 * OS can emulate it, and otherwise does nothing, as on a CPU whose coprocessor socket is
 * empty (what the 80286 vectors show). WAIT raises #NM when CR0.MP and CR0.TS are both set
 * and otherwise does nothing: with no coprocessor there is never an exception pending.
 */
#include "translate/emit.h"

static const TB *esc(CPUState *cpu, const Op *op)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS)) {
        cpu_raise(cpu, EXC_NM);
    }
    NEXT(cpu, op);
}

static const TB *fwait(CPUState *cpu, const Op *op)
{
    if ((cpu->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        cpu_raise(cpu, EXC_NM);
    }
    NEXT(cpu, op);
}

void emit_fpu(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = in->opcode == 0x9b ? fwait : esc;
}
