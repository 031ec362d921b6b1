/*
 * The x87 FPU (Intel SDM vol. 1 ch. 8; vol. 2 the FPU instruction pages; vol. 3A 2.5 and
 * 6.15 for #NM and #MF): the register stack and its tags, the status and control words,
 * exceptions with their masked responses and their delayed delivery, the last-instruction
 * pointers, and the environment, FSAVE and FXSAVE images. Arithmetic is cpu/float80.c's.
 * translate/emit_fpu.c calls these from handlers specialised per instruction and form;
 * each function below is one instruction's semantics after the entry checks.
 */
#ifndef WIRT_CPU_X87_H
#define WIRT_CPU_X87_H

#include "cpu/cpu.h"

/* Status word (SDM vol. 1, 8.1.3). */
enum {
    FSW_IE = 1u << 0, FSW_DE = 1u << 1, FSW_ZE = 1u << 2, FSW_OE = 1u << 3,
    FSW_UE = 1u << 4, FSW_PE = 1u << 5, FSW_SF = 1u << 6, FSW_ES = 1u << 7,
    FSW_C0 = 1u << 8, FSW_C1 = 1u << 9, FSW_C2 = 1u << 10, FSW_TOP = 7u << 11,
    FSW_C3 = 1u << 14, FSW_B = 1u << 15,
};
#define FSW_EXC 0x3fu        /* the six exception flags; in FCW, their masks */
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FCW_INIT 0x037fu     /* after FNINIT: everything masked, 64-bit precision, nearest */

/* Physical register of ST(I), and whether it is empty. */
static inline unsigned x87_phys(const FpuState *f, unsigned i)
{
    return (f->top + i) & 7;
}

static inline bool x87_empty(const FpuState *f, unsigned i)
{
    return !((f->ftw >> x87_phys(f, i)) & 1);
}

/*
 * Entry to an x87 instruction. The fast path is one test: neither CR0.EM nor CR0.TS set and
 * no unmasked exception pending. Otherwise x87_enter_slow raises #NM (CR0.EM or CR0.TS, SDM
 * vol. 3A table 2-2), and for a waiting instruction with an exception pending raises #MF
 * (CR0.NE = 1) or returns true: the CPU must freeze before the instruction until an
 * interrupt arrives (CR0.NE = 0, SDM vol. 1 D.2.1; the caller halts at the instruction).
 */
static inline bool x87_slow_entry(const CPUState *cpu)
{
    return (cpu->cr[0] & (CR0_EM | CR0_TS)) || (cpu->fpu.fsw & FSW_ES);
}
bool x87_enter_slow(CPUState *cpu, bool waiting);
/* WAIT/FWAIT: #NM only when CR0.MP and CR0.TS are both set; then as a waiting instruction. */
bool x87_wait(CPUState *cpu);
/* The freeze of CR0.NE = 0, or #MF: a pending exception at a waiting instruction. */
bool x87_pending(CPUState *cpu);

/* Last instruction (and operand) pointers, set by every non-control instruction. */
static inline void x87_note(CPUState *cpu, uint16_t fop, uint32_t fip)
{
    cpu->fpu.fop = fop;
    cpu->fpu.fip = fip;
    cpu->fpu.fcs = cpu->seg[SEG_CS].sel;
}

static inline void x87_note_mem(CPUState *cpu, uint16_t fop, uint32_t fip, int seg, uint32_t ea)
{
    x87_note(cpu, fop, fip);
    cpu->fpu.fdp = ea;
    cpu->fpu.fds = cpu->seg[seg].sel;
}

/* State words. */
/* The state after RESET (SDM vol. 3A table 9-1): FCW 0040H, every register +0.0 with its
 * tag "zero", MXCSR 1F80H. */
void x87_power_on(FpuState *f);

uint16_t x87_status(const FpuState *f);         /* FSW with TOP */
uint16_t x87_tag_word(const FpuState *f);       /* the full tag word, from the contents */

/* Memory operands of arithmetic and compares: exact, with the denormal flag in *EXC; a
 * signaling NaN stays signaling so that the operation itself reports it. */
Float80 x87_operand_f32(uint32_t v, unsigned *exc);
Float80 x87_operand_f64(uint64_t v, unsigned *exc);

/* Loads: push. */
void x87_fld_f32(CPUState *cpu, uint32_t v);
void x87_fld_f64(CPUState *cpu, uint64_t v);
void x87_fld_f80(CPUState *cpu, Float80 v);
void x87_fild(CPUState *cpu, int64_t v);
void x87_fbld(CPUState *cpu, const uint8_t bcd[10]);
void x87_fld_st(CPUState *cpu, unsigned i);
void x87_fld_const(CPUState *cpu, F80Const c);

/* Stores from ST(0) to memory at SEG:EA, popping when POP; nothing is written or popped
 * after an unmasked exception other than precision. */
void x87_fst_f32(CPUState *cpu, int seg, uint32_t ea, bool pop);
void x87_fst_f64(CPUState *cpu, int seg, uint32_t ea, bool pop);
void x87_fstp_f80(CPUState *cpu, int seg, uint32_t ea);
void x87_fist(CPUState *cpu, int seg, uint32_t ea, unsigned bytes, bool pop);
void x87_fbstp(CPUState *cpu, int seg, uint32_t ea);
void x87_fst_st(CPUState *cpu, unsigned i, bool pop);

/*
 * Arithmetic, by the ModRM.reg of its encoding: each computes f(ST(0), other) where other
 * is the memory operand or ST(i), and stores it in ST(0) or, for the DC/DE register forms,
 * in ST(i) (SDM vol. 2 FADD ... FDIVR: the "reversed" register forms swap the roles, so
 * the same f applies to every encoding of one ModRM.reg).
 */
enum { X87_ADD = 0, X87_MUL = 1, X87_SUB = 4, X87_SUBR = 5, X87_DIV = 6, X87_DIVR = 7 };
void x87_arith_mem(CPUState *cpu, unsigned kind, Float80 b, unsigned exc);
void x87_arith_st(CPUState *cpu, unsigned kind, unsigned i, bool to_sti, bool pop);

/* Compares (C3 C2 C0, or ZF PF CF for FCOMI): QUIET for the FUCOM forms. */
void x87_fcom_mem(CPUState *cpu, Float80 b, unsigned exc, bool pop);
void x87_fcom_st(CPUState *cpu, unsigned i, bool quiet, unsigned pops);
void x87_fcomi(CPUState *cpu, unsigned i, bool quiet, bool pop);
void x87_ftst(CPUState *cpu);
void x87_fxam(CPUState *cpu);

/* Register and stack operations. */
void x87_fxch(CPUState *cpu, unsigned i);
void x87_ffree(CPUState *cpu, unsigned i, bool pop);
void x87_fincstp(CPUState *cpu);
void x87_fdecstp(CPUState *cpu);
void x87_fchs(CPUState *cpu);
void x87_fabs(CPUState *cpu);
void x87_fcmov(CPUState *cpu, unsigned i, bool cond);

/* D9 E0-FF functions on ST(0) (and ST(1)). */
void x87_fsqrt(CPUState *cpu);
void x87_frndint(CPUState *cpu);
void x87_f2xm1(CPUState *cpu);
void x87_fsin(CPUState *cpu);
void x87_fcos(CPUState *cpu);
void x87_fsincos(CPUState *cpu);
void x87_fptan(CPUState *cpu);
void x87_fpatan(CPUState *cpu);
void x87_fyl2x(CPUState *cpu);
void x87_fyl2xp1(CPUState *cpu);
void x87_fscale(CPUState *cpu);
void x87_fxtract(CPUState *cpu);
void x87_fprem(CPUState *cpu, bool ieee);

/* Control instructions (they leave the last-instruction pointers alone). */
void x87_fninit(CPUState *cpu);
void x87_fnclex(CPUState *cpu);
void x87_fldcw(CPUState *cpu, uint16_t v);
/* Environment (14 or 28 bytes by OP32) and state (94 or 108 bytes) images, in the
 * protected-mode or real-mode format by the CPU's mode (SDM vol. 1, figures 8-9 to 8-12). */
void x87_fnstenv(CPUState *cpu, int seg, uint32_t ea, bool op32);
void x87_fldenv(CPUState *cpu, int seg, uint32_t ea, bool op32);
void x87_fnsave(CPUState *cpu, int seg, uint32_t ea, bool op32);
void x87_frstor(CPUState *cpu, int seg, uint32_t ea, bool op32);
/* FXSAVE/FXRSTOR: the 512-byte image, 32-bit layout (SDM vol. 2A FXSAVE, table 3-53). */
void x87_fxsave(CPUState *cpu, int seg, uint32_t ea);
void x87_fxrstor(CPUState *cpu, int seg, uint32_t ea);

#endif
