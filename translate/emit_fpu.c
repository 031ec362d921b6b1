/*
 * The x87 escape opcodes D8-DF and WAIT (Intel SDM vol. 1 ch. 8, vol. 3A 2.5 CR0.EM/MP/TS).
 * Until the FPU issue lands, wirt models a CPU with no coprocessor fitted (CPUID leaf 1
 * reports no FPU): an escape instruction raises #NM when CR0.EM or CR0.TS is set, so an
 * OS can emulate it; otherwise the CPU still forms and limit-checks its memory operand
 * (#GP/#SS at a segment end, as the 80286 vectors show) and nothing else happens. WAIT
 * raises #NM when CR0.MP and CR0.TS are both set and otherwise does nothing: with no
 * coprocessor there is never an exception pending.
 */
#include "translate/emit.h"

/*
 * Bytes of the memory operand of ESC opcode D8+ESC with ModRM.reg REG, and whether it is
 * stored (SDM vol. 2, FPU instruction pages). Environment images are the 32-bit forms;
 * 16-bit code uses the shorter layouts (emit_fpu adjusts).
 */
#define R(n) { n, false }
#define W(n) { n, true }
static const struct {
    uint8_t bytes;
    bool store;
} esc_operand[8][8] = {
    /* D8: arithmetic with m32real */
    { R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4) },
    /* D9: FLD m32, -, FST m32, FSTP m32, FLDENV, FLDCW, FNSTENV, FNSTCW */
    { R(4), R(4), W(4), W(4), R(28), R(2), W(28), W(2) },
    /* DA: arithmetic with m32int */
    { R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4) },
    /* DB: FILD m32, FISTTP, FIST m32, FISTP m32, -, FLD m80, -, FSTP m80 */
    { R(4), W(4), W(4), W(4), R(4), R(10), R(4), W(10) },
    /* DC: arithmetic with m64real */
    { R(8), R(8), R(8), R(8), R(8), R(8), R(8), R(8) },
    /* DD: FLD m64, FISTTP, FST m64, FSTP m64, FRSTOR, -, FNSAVE, FNSTSW */
    { R(8), W(8), W(8), W(8), R(108), R(8), W(108), W(2) },
    /* DE: arithmetic with m16int */
    { R(2), R(2), R(2), R(2), R(2), R(2), R(2), R(2) },
    /* DF: FILD m16, FISTTP, FIST m16, FISTP m16, FBLD, FILD m64, FBSTP, FISTP m64 */
    { R(2), W(2), W(2), W(2), R(10), R(8), W(10), W(8) },
};
#undef R
#undef W

static const TB *esc(CPUState *cpu, const Op *op)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS)) {
        cpu_raise(cpu, EXC_NM);
    }
    if (op->sub) {
        cpu_lin(cpu, op->seg, op_ea(cpu, op), op->imm2, op->sub == 2);
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
    if (in->opcode == 0x9b) {
        op->fn = fwait;
        return;
    }
    op->fn = esc;
    op->sub = 0;
    if (in->has_mem) {
        unsigned bytes = esc_operand[in->opcode - 0xd8][in->reg].bytes;
        if (bytes >= 28 && in->opsize == 2) {
            bytes = bytes == 28 ? 14 : 94;  /* the 16-bit environment layouts */
        }
        op->imm2 = bytes;
        op->sub = esc_operand[in->opcode - 0xd8][in->reg].store ? 2 : 1;
    }
}
