/*
 * Handlers and emitter for the x87 escapes D8-DF, WAIT (9B) and FXSAVE/FXRSTOR (0F AE /0
 * /1): Intel SDM vol. 1 ch. 8, vol. 2 the FPU instruction pages and appendix A.5 (the
 * escape opcode map), vol. 3A table 2-2 (CR0.EM/MP/TS). One handler per instruction and
 * operand form, chosen from the tables below at translation time; the semantics are in
 * cpu/x87.c. Every handler starts with the entry checks: #NM, then (for waiting
 * instructions) a pending unmasked exception, delivered as #MF or, with CR0.NE = 0, as a
 * freeze before the instruction until an interrupt (the PC's IRQ13 path). Non-control
 * instructions then record FIP, FCS and FOP (and FDP, FDS for a memory operand).
 * Encodings the P6 does not define raise #UD, after the #NM check (SDM vol. 3A 19.18.6.6).
 */
#include "cpu/x87.h"
#include "translate/emit.h"

/* The 11-bit opcode FSTENV/FSAVE/FXSAVE report: op->imm2, set by emit_fpu. */
#define FOP(op) ((uint16_t)(op)->imm2)

/*
 * CR0.NE = 0 with an exception pending: the CPU stops before this instruction, FERR# high,
 * until an external interrupt (IRQ13 on a PC) is taken; the handler returns here.
 */
static const TB *x87_freeze(CPUState *cpu, const Op *op)
{
    const TB *r = tb_exit_resume(cpu, op);
    cpu->stats.insns--;   /* it did not retire */
    cpu->insn_budget++;
    cpu->halted = true;
    return r;
}

#define ENTER(cpu, op)                                                          \
    do {                                                                        \
        if (unlikely(x87_slow_entry(cpu)) && x87_enter_slow((cpu), true)) {     \
            return x87_freeze((cpu), (op));                                     \
        }                                                                       \
    } while (0)

#define ENTER_NOWAIT(cpu)                                                       \
    do {                                                                        \
        if (unlikely((cpu)->cr[0] & (CR0_EM | CR0_TS))) {                       \
            x87_enter_slow((cpu), false);                                       \
        }                                                                       \
    } while (0)

/* A non-control instruction without a memory operand. */
#define REG_OP(NAME, CALL)                                      \
static const TB *NAME(CPUState *cpu, const Op *op)              \
{                                                               \
    ENTER(cpu, op);                                             \
    CALL;                                                       \
    x87_note(cpu, FOP(op), op->eip);                            \
    NEXT(cpu, op);                                              \
}

/* A non-control instruction with a memory operand at EA. */
#define MEM_OP(NAME, CALL)                                      \
static const TB *NAME(CPUState *cpu, const Op *op)              \
{                                                               \
    ENTER(cpu, op);                                             \
    uint32_t ea = op_ea(cpu, op);                               \
    CALL;                                                       \
    x87_note_mem(cpu, FOP(op), op->eip, op->seg, ea);           \
    NEXT(cpu, op);                                              \
}

/* A control instruction with a memory operand (no pointer update); WAITING or not. */
#define CTRL_MEM(NAME, WAITING, CALL)                           \
static const TB *NAME(CPUState *cpu, const Op *op)              \
{                                                               \
    if (WAITING) {                                              \
        ENTER(cpu, op);                                         \
    } else {                                                    \
        ENTER_NOWAIT(cpu);                                      \
    }                                                           \
    uint32_t ea = op_ea(cpu, op);                               \
    CALL;                                                       \
    NEXT(cpu, op);                                              \
}

/* ---- memory operands ---- */

static Float80 ld_m32r(CPUState *cpu, const Op *op, uint32_t ea, unsigned *exc)
{
    return x87_operand_f32((uint32_t)cpu_ld(cpu, op->seg, ea, 4), exc);
}

static Float80 ld_m64r(CPUState *cpu, const Op *op, uint32_t ea, unsigned *exc)
{
    return x87_operand_f64(cpu_ld(cpu, op->seg, ea, 8), exc);
}

static Float80 ld_m32i(CPUState *cpu, const Op *op, uint32_t ea, unsigned *exc)
{
    return f80_from_int((int32_t)cpu_ld(cpu, op->seg, ea, 4));
}

static Float80 ld_m16i(CPUState *cpu, const Op *op, uint32_t ea, unsigned *exc)
{
    return f80_from_int((int16_t)cpu_ld(cpu, op->seg, ea, 2));
}

static Float80 ld_m80(CPUState *cpu, const Op *op, uint32_t ea)
{
    uint64_t mant = cpu_ld(cpu, op->seg, ea, 8);
    return (Float80){ mant, (uint16_t)cpu_ld(cpu, op->seg, (uint64_t)ea + 8, 2) };
}

static void ld_bcd(CPUState *cpu, const Op *op, uint32_t ea, uint8_t bcd[10])
{
    uint64_t lo = cpu_ld(cpu, op->seg, ea, 8), hi = cpu_ld(cpu, op->seg, (uint64_t)ea + 8, 2);
    for (unsigned i = 0; i < 8; i++) {
        bcd[i] = (uint8_t)(lo >> (8 * i));
    }
    bcd[8] = (uint8_t)hi;
    bcd[9] = (uint8_t)(hi >> 8);
}

/* ---- D8 DA DC DE with memory: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR ---- */

#define ARITH_M(FMT, KIND)                                                      \
MEM_OP(arith_##FMT##_##KIND, {                                                  \
    unsigned exc = 0;                                                           \
    Float80 b = ld_##FMT(cpu, op, ea, &exc);                                    \
    if ((KIND) == 2 || (KIND) == 3) {                                           \
        x87_fcom_mem(cpu, b, exc, (KIND) == 3);                                 \
    } else {                                                                    \
        x87_arith_mem(cpu, (KIND), b, exc);                                     \
    }                                                                           \
})
#define ARITH_M_ALL(FMT) ARITH_M(FMT, 0) ARITH_M(FMT, 1) ARITH_M(FMT, 2) ARITH_M(FMT, 3) \
                         ARITH_M(FMT, 4) ARITH_M(FMT, 5) ARITH_M(FMT, 6) ARITH_M(FMT, 7)
#define ARITH_M_ROW(FMT) { arith_##FMT##_0, arith_##FMT##_1, arith_##FMT##_2, arith_##FMT##_3, \
                           arith_##FMT##_4, arith_##FMT##_5, arith_##FMT##_6, arith_##FMT##_7 }
ARITH_M_ALL(m32r)
ARITH_M_ALL(m32i)
ARITH_M_ALL(m64r)
ARITH_M_ALL(m16i)

/* ---- loads and stores with memory ---- */

MEM_OP(fld_m32, x87_fld_f32(cpu, (uint32_t)cpu_ld(cpu, op->seg, ea, 4)))
MEM_OP(fld_m64, x87_fld_f64(cpu, cpu_ld(cpu, op->seg, ea, 8)))
MEM_OP(fld_m80, x87_fld_f80(cpu, ld_m80(cpu, op, ea)))
MEM_OP(fild_m16, x87_fild(cpu, (int16_t)cpu_ld(cpu, op->seg, ea, 2)))
MEM_OP(fild_m32, x87_fild(cpu, (int32_t)cpu_ld(cpu, op->seg, ea, 4)))
MEM_OP(fild_m64, x87_fild(cpu, (int64_t)cpu_ld(cpu, op->seg, ea, 8)))
MEM_OP(fbld, { uint8_t bcd[10]; ld_bcd(cpu, op, ea, bcd); x87_fbld(cpu, bcd); })
MEM_OP(fst_m32, x87_fst_f32(cpu, op->seg, ea, false))
MEM_OP(fstp_m32, x87_fst_f32(cpu, op->seg, ea, true))
MEM_OP(fst_m64, x87_fst_f64(cpu, op->seg, ea, false))
MEM_OP(fstp_m64, x87_fst_f64(cpu, op->seg, ea, true))
MEM_OP(fstp_m80, x87_fstp_f80(cpu, op->seg, ea))
MEM_OP(fist_m16, x87_fist(cpu, op->seg, ea, 2, false))
MEM_OP(fistp_m16, x87_fist(cpu, op->seg, ea, 2, true))
MEM_OP(fist_m32, x87_fist(cpu, op->seg, ea, 4, false))
MEM_OP(fistp_m32, x87_fist(cpu, op->seg, ea, 4, true))
MEM_OP(fistp_m64, x87_fist(cpu, op->seg, ea, 8, true))
MEM_OP(fbstp, x87_fbstp(cpu, op->seg, ea))

/* ---- control instructions with memory ---- */

CTRL_MEM(fldcw, true, x87_fldcw(cpu, (uint16_t)cpu_ld(cpu, op->seg, ea, 2)))
CTRL_MEM(fnstcw, false, cpu_st(cpu, op->seg, ea, cpu->fpu.fcw, 2))
CTRL_MEM(fnstsw_m, false, cpu_st(cpu, op->seg, ea, x87_status(&cpu->fpu), 2))
CTRL_MEM(fldenv, true, x87_fldenv(cpu, op->seg, ea, op->size == 4))
CTRL_MEM(fnstenv, false, x87_fnstenv(cpu, op->seg, ea, op->size == 4))
CTRL_MEM(frstor, true, x87_frstor(cpu, op->seg, ea, op->size == 4))
CTRL_MEM(fnsave, false, x87_fnsave(cpu, op->seg, ea, op->size == 4))

/* ---- register forms: op->rm is i of ST(i) ---- */

#define ARITH_R(KIND)                                                             \
REG_OP(arith_st0_##KIND, x87_arith_st(cpu, (KIND), op->rm, false, false))         \
REG_OP(arith_sti_##KIND, x87_arith_st(cpu, (KIND), op->rm, true, false))          \
REG_OP(arith_stp_##KIND, x87_arith_st(cpu, (KIND), op->rm, true, true))
ARITH_R(0) ARITH_R(1) ARITH_R(4) ARITH_R(5) ARITH_R(6) ARITH_R(7)

REG_OP(fcom_st, x87_fcom_st(cpu, op->rm, false, 0))
REG_OP(fcomp_st, x87_fcom_st(cpu, op->rm, false, 1))
REG_OP(fcompp, x87_fcom_st(cpu, 1, false, 2))
REG_OP(fucom, x87_fcom_st(cpu, op->rm, true, 0))
REG_OP(fucomp, x87_fcom_st(cpu, op->rm, true, 1))
REG_OP(fucompp, x87_fcom_st(cpu, 1, true, 2))
REG_OP(fcomi, x87_fcomi(cpu, op->rm, false, false))
REG_OP(fcomip, x87_fcomi(cpu, op->rm, false, true))
REG_OP(fucomi, x87_fcomi(cpu, op->rm, true, false))
REG_OP(fucomip, x87_fcomi(cpu, op->rm, true, true))
REG_OP(fld_st, x87_fld_st(cpu, op->rm))
REG_OP(fst_st, x87_fst_st(cpu, op->rm, false))
REG_OP(fstp_st, x87_fst_st(cpu, op->rm, true))
REG_OP(fxch, x87_fxch(cpu, op->rm))
REG_OP(ffree, x87_ffree(cpu, op->rm, false))
REG_OP(ffreep, x87_ffree(cpu, op->rm, true))
REG_OP(fcmov, x87_fcmov(cpu, op->rm, cc_test(cpu, op->sub)))   /* op->sub: condition */
REG_OP(fnop, (void)0)

/* ---- D9 E0-FF ---- */

REG_OP(fchs, x87_fchs(cpu))
REG_OP(fabs_st, x87_fabs(cpu))
REG_OP(ftst, x87_ftst(cpu))
REG_OP(fxam, x87_fxam(cpu))
REG_OP(fld1, x87_fld_const(cpu, F80_ONE))
REG_OP(fldl2t, x87_fld_const(cpu, F80_L2T))
REG_OP(fldl2e, x87_fld_const(cpu, F80_L2E))
REG_OP(fldpi, x87_fld_const(cpu, F80_PI))
REG_OP(fldlg2, x87_fld_const(cpu, F80_LG2))
REG_OP(fldln2, x87_fld_const(cpu, F80_LN2))
REG_OP(fldz, x87_fld_const(cpu, F80_ZERO_C))
REG_OP(f2xm1, x87_f2xm1(cpu))
REG_OP(fyl2x, x87_fyl2x(cpu))
REG_OP(fptan, x87_fptan(cpu))
REG_OP(fpatan, x87_fpatan(cpu))
REG_OP(fxtract, x87_fxtract(cpu))
REG_OP(fprem1, x87_fprem(cpu, true))
REG_OP(fdecstp, x87_fdecstp(cpu))
REG_OP(fincstp, x87_fincstp(cpu))
REG_OP(fprem, x87_fprem(cpu, false))
REG_OP(fyl2xp1, x87_fyl2xp1(cpu))
REG_OP(fsqrt, x87_fsqrt(cpu))
REG_OP(fsincos, x87_fsincos(cpu))
REG_OP(frndint, x87_frndint(cpu))
REG_OP(fscale, x87_fscale(cpu))
REG_OP(fsin, x87_fsin(cpu))
REG_OP(fcos, x87_fcos(cpu))

/* ---- control instructions without memory ---- */

static const TB *fnstsw_ax(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    reg_set(cpu, R_EAX, 2, x87_status(&cpu->fpu));
    NEXT(cpu, op);
}

static const TB *fninit(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    x87_fninit(cpu);
    NEXT(cpu, op);
}

static const TB *fnclex(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    x87_fnclex(cpu);
    NEXT(cpu, op);
}

/* FNENI, FNDISI (8087) and FNSETPM (287): no-ops since the 387. */
static const TB *fnop_legacy(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    NEXT(cpu, op);
}

static const TB *fwait(CPUState *cpu, const Op *op)
{
    if (unlikely((cpu->cr[0] & CR0_TS) || (cpu->fpu.fsw & FSW_ES)) && x87_wait(cpu)) {
        return x87_freeze(cpu, op);
    }
    NEXT(cpu, op);
}

/* An encoding the P6 leaves undefined: #NM first when CR0.EM or CR0.TS, else #UD. */
static const TB *esc_ud(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    cpu_raise(cpu, EXC_UD);
}

/* ---- the escape map (SDM vol. 2, appendix A.5) ---- */

/* ModRM.mod != 3: by escape (D8-DF) and ModRM.reg; NULL is #UD (FISTTP is SSE3). */
static const OpFn esc_mem[8][8] = {
    ARITH_M_ROW(m32r),
    { fld_m32, NULL, fst_m32, fstp_m32, fldenv, fldcw, fnstenv, fnstcw },
    ARITH_M_ROW(m32i),
    { fild_m32, NULL, fist_m32, fistp_m32, NULL, fld_m80, NULL, fstp_m80 },
    ARITH_M_ROW(m64r),
    { fld_m64, NULL, fst_m64, fstp_m64, frstor, NULL, fnsave, fnstsw_m },
    ARITH_M_ROW(m16i),
    { fild_m16, NULL, fist_m16, fistp_m16, fbld, fild_m64, fbstp, fistp_m64 },
};

/*
 * ModRM.mod == 3, by escape and ModRM.reg, for the rows where every ST(i) is one form.
 * Undocumented aliases a P6 executes: DC D0/D8 (FCOM, FCOMP), DD C8 (FXCH), DE D0 (FCOMP),
 * DF C0 (FFREEP), DF C8 (FXCH), DF D0/D8 (FSTP), D9 D8 (FSTP). NULL: see esc_reg_rm.
 */
static const OpFn esc_reg[8][8] = {
    { arith_st0_0, arith_st0_1, fcom_st, fcomp_st, arith_st0_4, arith_st0_5, arith_st0_6,
      arith_st0_7 },
    { fld_st, fxch, NULL, fstp_st, NULL, NULL, NULL, NULL },
    { fcmov, fcmov, fcmov, fcmov, NULL, NULL, NULL, NULL },
    { fcmov, fcmov, fcmov, fcmov, NULL, fucomi, fcomi, NULL },
    { arith_sti_0, arith_sti_1, fcom_st, fcomp_st, arith_sti_4, arith_sti_5, arith_sti_6,
      arith_sti_7 },
    { ffree, fxch, fst_st, fstp_st, fucom, fucomp, NULL, NULL },
    { arith_stp_0, arith_stp_1, fcomp_st, NULL, arith_stp_4, arith_stp_5, arith_stp_6,
      arith_stp_7 },
    { ffreep, fxch, fstp_st, fstp_st, NULL, fucomip, fcomip, NULL },
};

/* The single instructions of D9 E0-FF, by ModRM & 0x1f. */
static const OpFn esc_d9_e0[32] = {
    fchs, fabs_st, NULL, NULL, ftst, fxam, NULL, NULL,
    fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz, NULL,
    f2xm1, fyl2x, fptan, fpatan, fxtract, fprem1, fdecstp, fincstp,
    fprem, fyl2xp1, fsqrt, fsincos, frndint, fscale, fsin, fcos,
};

/* Register forms that are one instruction per ModRM byte, outside D9 E0-FF. */
static OpFn esc_reg_rm(unsigned esc, unsigned modrm)
{
    switch (esc << 8 | modrm) {
    case 0xd9d0: return fnop;
    case 0xdae9: return fucompp;
    case 0xdbe0: case 0xdbe1: case 0xdbe4: return fnop_legacy;
    case 0xdbe2: return fnclex;
    case 0xdbe3: return fninit;
    case 0xded9: return fcompp;
    case 0xdfe0: return fnstsw_ax;
    default: return NULL;
    }
}

/* FCMOVcc conditions (cc_test codes) by ModRM.reg: DA B E BE U, DB NB NE NBE NU. */
static const uint8_t fcmov_cond[2][4] = { { 2, 4, 6, 10 }, { 3, 5, 7, 11 } };

void emit_fpu(EmitCtx *ec, const Insn *in, Op *op)
{
    unsigned esc = in->opcode & 7, modrm = (unsigned)(in->mod << 6 | in->reg << 3 | in->rm);
    OpFn fn;

    if (in->opcode == 0x9b) {
        op->fn = fwait;
        return;
    }
    op->imm2 = esc << 8 | modrm;   /* FOP */
    op->rm = in->rm;
    if (in->has_mem) {
        fn = esc_mem[esc][in->reg];
    } else if (esc == 1 && in->reg >= 4) {
        fn = esc_d9_e0[modrm & 0x1f];
    } else {
        fn = esc_reg[esc][in->reg];
        if (!fn) {
            fn = esc_reg_rm(0xd8 + esc, modrm);
        }
        if (esc == 2 || esc == 3) {
            op->sub = in->reg < 4 ? fcmov_cond[esc - 2][in->reg] : 0;
        }
    }
    op->fn = fn ? fn : esc_ud;
}

/* ---- FXSAVE, FXRSTOR (0F AE /0 /1): no check for pending x87 exceptions ---- */

static const TB *fxsave(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    x87_fxsave(cpu, op->seg, op_ea(cpu, op));
    NEXT(cpu, op);
}

static const TB *fxrstor(CPUState *cpu, const Op *op)
{
    ENTER_NOWAIT(cpu);
    x87_fxrstor(cpu, op->seg, op_ea(cpu, op));
    NEXT(cpu, op);
}

void emit_fxsr(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = in->reg == 0 ? fxsave : fxrstor;
}
