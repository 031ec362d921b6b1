/*
 * x87 FPU semantics (Intel SDM vol. 1 ch. 8 and 4.9; vol. 2 the FPU instruction pages):
 * the register stack with its tags, stack faults, the six exceptions with their masked
 * responses (the indefinite, C1) and their unmasked ones (ES and B, FERR#, nothing stored
 * for IE/ZE/DE), the control instructions, and the state images of FSTENV/FSAVE/FXSAVE.
 * Every operation computes into locals, writes memory, and only then commits FPU state, so
 * a fault leaves the FPU as it was.
 */
#include "cpu/x87.h"

#include <string.h>

#include "cpu/exception.h"
#include "cpu/flags.h"
#include "cpu/mem.h"

/* Tag values of the full tag word (SDM vol. 1, 8.1.7). */
enum { TAG_VALID, TAG_ZERO, TAG_SPECIAL, TAG_EMPTY };

/* FXSAVE's MXCSR_MASK: every MXCSR bit a P6-class CPU without DAZ defines. */
#define MXCSR_MASK 0x0000ffbfu

/* The x87 FCW keeps bits 0-5 and 8-12; bit 6 reads as 1 (SDM vol. 1, 8.1.5). */
static uint16_t fcw_value(uint16_t v)
{
    return (v & 0x1f3f) | 0x40;
}

/* ---- status word, exceptions, FERR# ---- */

/*
 * ES (and B, its copy) summarise the status word: set exactly when an exception flag is set
 * whose mask is clear, so loading the control word or the environment can raise or drop
 * them. FERR# follows ES (SDM vol. 3A 19.18.6.7: on a P6 it is asserted when the faulting
 * instruction completes, whatever CR0.NE says).
 */
static void x87_update_es(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    bool was = (f->fsw & FSW_ES) != 0;
    bool now = (f->fsw & ~f->fcw & FSW_EXC) != 0;

    f->fsw = now ? f->fsw | FSW_ES | FSW_B : f->fsw & ~(FSW_ES | FSW_B);
    if (now != was && cpu->hooks.ferr) {
        cpu->hooks.ferr(cpu->hooks.opaque, now);
    }
}

/* Replaces the status word but TOP, ES and B, which are recomputed. */
static void x87_set_fsw(CPUState *cpu, uint16_t v)
{
    FpuState *f = &cpu->fpu;
    f->fsw = (v & ~(FSW_TOP | FSW_ES | FSW_B)) | (f->fsw & (FSW_ES | FSW_B));
    x87_update_es(cpu);
}

static void x87_set_c1(FpuState *f, bool c1)
{
    f->fsw = (f->fsw & ~FSW_C1) | (c1 ? FSW_C1 : 0);
}

/*
 * The exceptions an operation records out of the ones it detected, EXC: detection runs in
 * the order of SDM vol. 1, 4.9.2 (invalid, divide-by-zero, denormal, overflow/underflow,
 * precision), and an unmasked exception among FATAL stops the operation, so nothing
 * detected after it is recorded. *STOPPED tells whether that happened.
 */
static unsigned x87_filter(const FpuState *f, unsigned exc, unsigned fatal, bool *stopped)
{
    static const uint8_t order[] = { F80_IE, F80_ZE, F80_DE, F80_OE, F80_UE, F80_PE };
    unsigned keep = FSW_SF;

    for (unsigned i = 0; i < sizeof(order); i++) {
        keep |= order[i];
        if (exc & order[i] & fatal & ~f->fcw) {
            *stopped = true;
            return exc & keep;
        }
    }
    *stopped = false;
    return exc;
}

static void x87_record(CPUState *cpu, unsigned exc)
{
    if (exc) {
        cpu->fpu.fsw |= exc;
        x87_update_es(cpu);
    }
}

/*
 * Records the exceptions of a register operation; false when the result must not be
 * delivered (an unmasked IE, ZE or DE: SDM vol. 1, 8.5, the operands stay as they were).
 * Unmasked OE and UE deliver the exponent-wrapped result float80 returned.
 */
static bool x87_raise(CPUState *cpu, unsigned exc)
{
    bool stopped;
    x87_record(cpu, x87_filter(&cpu->fpu, exc, F80_IE | F80_ZE | F80_DE, &stopped));
    return !stopped;
}

/* Stack overflow or underflow (SDM vol. 1, 8.5.1.1): IE and SF, C1 says which. */
static bool x87_stack_fault(CPUState *cpu, bool overflow)
{
    x87_set_c1(&cpu->fpu, overflow);
    return x87_raise(cpu, F80_IE | FSW_SF);
}

bool x87_pending(CPUState *cpu)
{
    if (cpu->cr[0] & CR0_NE) {
        cpu_raise(cpu, EXC_MF);
    }
    return true;  /* FERR# is already asserted: freeze until the interrupt */
}

bool x87_enter_slow(CPUState *cpu, bool waiting)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS)) {
        cpu_raise(cpu, EXC_NM);
    }
    return waiting && (cpu->fpu.fsw & FSW_ES) && x87_pending(cpu);
}

bool x87_wait(CPUState *cpu)
{
    if ((cpu->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        cpu_raise(cpu, EXC_NM);
    }
    return (cpu->fpu.fsw & FSW_ES) && x87_pending(cpu);
}

/* ---- registers and tags ---- */

static F80Env x87_env(const FpuState *f, bool precision)
{
    return (F80Env){
        .rc = (f->fcw >> 10) & 3,
        .pc = precision ? (f->fcw >> 8) & 3 : F80_PC_64,
        .unmasked = ~f->fcw & FSW_EXC,
    };
}

static Float80 st0(const FpuState *f)
{
    return f->st[f->top];
}

static Float80 sti(const FpuState *f, unsigned i)
{
    return f->st[x87_phys(f, i)];
}

/* Writes physical register P, which is then not empty. */
static void x87_write(FpuState *f, unsigned p, Float80 v)
{
    f->st[p] = v;
    f->ftw |= 1u << p;
}

static void x87_pop(FpuState *f)
{
    f->ftw &= ~(1u << f->top);
    f->top = (f->top + 1) & 7;
}

/* Pushes V, the result of a load that detected EXC: a stack overflow comes first. */
static void x87_push(CPUState *cpu, Float80 v, unsigned exc)
{
    FpuState *f = &cpu->fpu;
    unsigned p = (f->top - 1) & 7;

    if ((f->ftw >> p) & 1) {
        if (!x87_stack_fault(cpu, true)) {
            return;
        }
        v = f80_indefinite;
    } else {
        if (!x87_raise(cpu, exc)) {
            return;
        }
        x87_set_c1(f, false);
    }
    f->top = p;
    x87_write(f, p, v);
}

void x87_power_on(FpuState *f)
{
    memset(f, 0, sizeof(*f));   /* every register +0.0, pointers 0, XMM 0 */
    f->fcw = 0x0040;
    f->ftw = 0xff;              /* tag word 5555H: every register holds a zero */
    f->mxcsr = 0x1f80;
}

uint16_t x87_status(const FpuState *f)
{
    return (uint16_t)((f->fsw & ~FSW_TOP) | (f->top << 11));
}

static unsigned x87_tag_of(Float80 v)
{
    switch (f80_classify(v)) {
    case F80_NORMAL: return TAG_VALID;
    case F80_ZERO: return TAG_ZERO;
    default: return TAG_SPECIAL;
    }
}

uint16_t x87_tag_word(const FpuState *f)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = ((f->ftw >> p) & 1) ? x87_tag_of(f->st[p]) : TAG_EMPTY;
        tw |= (uint16_t)(tag << (2 * p));
    }
    return tw;
}

static uint8_t x87_abridge(uint16_t tw)
{
    uint8_t ftw = 0;
    for (unsigned p = 0; p < 8; p++) {
        if (((tw >> (2 * p)) & 3) != TAG_EMPTY) {
            ftw |= (uint8_t)(1u << p);
        }
    }
    return ftw;
}

/* ---- loads ---- */

Float80 x87_operand_f32(uint32_t v, unsigned *exc)
{
    if ((v & 0x7f800000u) == 0x7f800000u && (v & 0x007fffffu)) {
        return (Float80){ 1ull << 63 | (uint64_t)(v & 0x007fffffu) << 40,
                          (uint16_t)(((v >> 16) & 0x8000) | 0x7fff) };
    }
    F80Env e = { .pc = F80_PC_64 };
    Float80 r = f80_from_f32(v, &e);
    *exc |= e.flags;
    return r;
}

Float80 x87_operand_f64(uint64_t v, unsigned *exc)
{
    if ((v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0x000fffffffffffffull)) {
        return (Float80){ 1ull << 63 | (v & 0x000fffffffffffffull) << 11,
                          (uint16_t)(((v >> 48) & 0x8000) | 0x7fff) };
    }
    F80Env e = { .pc = F80_PC_64 };
    Float80 r = f80_from_f64(v, &e);
    *exc |= e.flags;
    return r;
}

/* A load converting a signaling NaN reports IE and delivers it quieted. */
static Float80 x87_quieted(Float80 v, unsigned *exc)
{
    if (f80_is_signaling_nan(v)) {
        *exc |= F80_IE;
        v.mant |= 1ull << 62;
    }
    return v;
}

void x87_fld_f32(CPUState *cpu, uint32_t v)
{
    unsigned exc = 0;
    Float80 r = x87_operand_f32(v, &exc);
    r = x87_quieted(r, &exc);
    x87_push(cpu, r, exc);
}

void x87_fld_f64(CPUState *cpu, uint64_t v)
{
    unsigned exc = 0;
    Float80 r = x87_operand_f64(v, &exc);
    r = x87_quieted(r, &exc);
    x87_push(cpu, r, exc);
}

void x87_fld_f80(CPUState *cpu, Float80 v)
{
    x87_push(cpu, v, 0);
}

void x87_fild(CPUState *cpu, int64_t v)
{
    x87_push(cpu, f80_from_int(v), 0);
}

void x87_fbld(CPUState *cpu, const uint8_t bcd[10])
{
    x87_push(cpu, f80_from_bcd(bcd), 0);
}

void x87_fld_st(CPUState *cpu, unsigned i)
{
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, i)) {
        x87_push(cpu, f80_indefinite, F80_IE | FSW_SF);
    } else {
        x87_push(cpu, sti(f, i), 0);
    }
}

void x87_fld_const(CPUState *cpu, F80Const c)
{
    F80Env e = x87_env(&cpu->fpu, false);
    x87_push(cpu, f80_const(c, &e), 0);
}

/* ---- stores ---- */

#define STORE_FATAL (F80_IE | F80_ZE | F80_DE | F80_OE | F80_UE)

/* Whether a store that detected EXC writes memory: not after an unmasked exception other
 * than precision (SDM vol. 1, 8.5.4-8.5.5: a memory destination is left alone). */
static bool x87_store_ok(const FpuState *f, unsigned exc)
{
    return !(exc & ~f->fcw & STORE_FATAL);
}

/* After the memory write: the exceptions, C1, and the pop (not after an unmasked one). */
static void x87_store_done(CPUState *cpu, unsigned exc, bool c1, bool pop)
{
    FpuState *f = &cpu->fpu;
    bool stopped;
    exc = x87_filter(f, exc, STORE_FATAL, &stopped);
    x87_set_c1(f, c1);
    x87_record(cpu, exc);
    if (pop && !stopped) {
        x87_pop(f);
    }
}

/* Checks a whole multi-part store before its first byte is written. */
static void x87_probe_store(CPUState *cpu, int seg, uint32_t ea, unsigned len)
{
    cpu_probe_write_lin(cpu, cpu_lin(cpu, seg, ea, len, true), len);
}

static void st_f80(CPUState *cpu, int seg, uint64_t off, Float80 v)
{
    cpu_st(cpu, seg, off, v.mant, 8);
    cpu_st(cpu, seg, off + 8, v.se, 2);
}

static Float80 ld_f80(CPUState *cpu, int seg, uint64_t off)
{
    Float80 v;
    v.mant = cpu_ld(cpu, seg, off, 8);
    v.se = (uint16_t)cpu_ld(cpu, seg, off + 8, 2);
    return v;
}

void x87_fst_f32(CPUState *cpu, int seg, uint32_t ea, bool pop)
{
    FpuState *f = &cpu->fpu;
    unsigned exc = F80_IE | FSW_SF;
    uint32_t v = 0xffc00000u;   /* the single-precision indefinite */
    bool c1 = false;

    if (!x87_empty(f, 0)) {
        F80Env e = x87_env(f, false);
        v = f80_to_f32(st0(f), &e);
        exc = e.flags & ~F80_DE;   /* FST reports no denormal operand */
        c1 = e.rounded_up;
    }
    if (x87_store_ok(f, exc)) {
        cpu_st(cpu, seg, ea, v, 4);
    }
    x87_store_done(cpu, exc, c1, pop);
}

void x87_fst_f64(CPUState *cpu, int seg, uint32_t ea, bool pop)
{
    FpuState *f = &cpu->fpu;
    unsigned exc = F80_IE | FSW_SF;
    uint64_t v = 0xfff8000000000000ull;
    bool c1 = false;

    if (!x87_empty(f, 0)) {
        F80Env e = x87_env(f, false);
        v = f80_to_f64(st0(f), &e);
        exc = e.flags & ~F80_DE;
        c1 = e.rounded_up;
    }
    if (x87_store_ok(f, exc)) {
        cpu_st(cpu, seg, ea, v, 8);
    }
    x87_store_done(cpu, exc, c1, pop);
}

void x87_fstp_f80(CPUState *cpu, int seg, uint32_t ea)
{
    FpuState *f = &cpu->fpu;
    bool empty = x87_empty(f, 0);
    unsigned exc = empty ? F80_IE | FSW_SF : 0;

    if (x87_store_ok(f, exc)) {
        x87_probe_store(cpu, seg, ea, 10);
        st_f80(cpu, seg, ea, empty ? f80_indefinite : st0(f));
    }
    x87_store_done(cpu, exc, false, true);
}

void x87_fist(CPUState *cpu, int seg, uint32_t ea, unsigned bytes, bool pop)
{
    FpuState *f = &cpu->fpu;
    unsigned exc = F80_IE | FSW_SF;
    uint64_t v = 1ull << (8 * bytes - 1);   /* the integer indefinite */
    bool c1 = false;

    if (!x87_empty(f, 0)) {
        F80Env e = x87_env(f, false);
        v = (uint64_t)f80_to_int(st0(f), 8 * bytes, false, &e);
        exc = e.flags & ~F80_DE;
        c1 = e.rounded_up;
    }
    if (x87_store_ok(f, exc)) {
        cpu_st(cpu, seg, ea, v & (bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1), bytes);
    }
    x87_store_done(cpu, exc, c1, pop);
}

void x87_fbstp(CPUState *cpu, int seg, uint32_t ea)
{
    FpuState *f = &cpu->fpu;
    unsigned exc = F80_IE | FSW_SF;
    uint8_t bcd[10] = { [7] = 0xc0, [8] = 0xff, [9] = 0xff };   /* the BCD indefinite */
    bool c1 = false;

    if (!x87_empty(f, 0)) {
        F80Env e = x87_env(f, false);
        f80_to_bcd(st0(f), bcd, &e);
        exc = e.flags & ~F80_DE;
        c1 = e.rounded_up;
    }
    if (x87_store_ok(f, exc)) {
        x87_probe_store(cpu, seg, ea, 10);
        for (unsigned i = 0; i < 10; i++) {
            cpu_st(cpu, seg, (uint64_t)ea + i, bcd[i], 1);
        }
    }
    x87_store_done(cpu, exc, c1, true);
}

void x87_fst_st(CPUState *cpu, unsigned i, bool pop)
{
    FpuState *f = &cpu->fpu;
    Float80 v = st0(f);

    if (x87_empty(f, 0)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
        v = f80_indefinite;
    } else {
        x87_set_c1(f, false);
    }
    x87_write(f, x87_phys(f, i), v);
    if (pop) {
        x87_pop(f);
    }
}

/* ---- arithmetic ---- */

static Float80 x87_calc(unsigned kind, Float80 a, Float80 b, F80Env *e)
{
    switch (kind) {
    case X87_ADD: return f80_add(a, b, e);
    case X87_MUL: return f80_mul(a, b, e);
    case X87_SUB: return f80_sub(a, b, e);
    case X87_SUBR: return f80_sub(b, a, e);
    case X87_DIV: return f80_div(a, b, e);
    default: return f80_div(b, a, e);
    }
}

/* f(ST(0), B) into physical register DST; OK false: an operand register is empty. */
static void x87_arith(CPUState *cpu, unsigned kind, bool ok, Float80 b, unsigned exc,
                      unsigned dst, bool pop)
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;

    if (!ok) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, true);
        r = x87_calc(kind, st0(f), b, &e);
        if (!x87_raise(cpu, exc | e.flags)) {
            return;
        }
        x87_set_c1(f, e.rounded_up);
    }
    x87_write(f, dst, r);
    if (pop) {
        x87_pop(f);
    }
}

void x87_arith_mem(CPUState *cpu, unsigned kind, Float80 b, unsigned exc)
{
    FpuState *f = &cpu->fpu;
    x87_arith(cpu, kind, !x87_empty(f, 0), b, exc, f->top, false);
}

void x87_arith_st(CPUState *cpu, unsigned kind, unsigned i, bool to_sti, bool pop)
{
    FpuState *f = &cpu->fpu;
    bool ok = !x87_empty(f, 0) && !x87_empty(f, i);
    x87_arith(cpu, kind, ok, sti(f, i), 0, to_sti ? x87_phys(f, i) : f->top, pop);
}

/* ---- compares ---- */

static const uint16_t order_cc[4] = {
    [F80_LESS] = FSW_C0, [F80_EQUAL] = FSW_C3, [F80_GREATER] = 0,
    [F80_UNORDERED] = FSW_C3 | FSW_C2 | FSW_C0,
};
static const uint32_t order_eflags[4] = {
    [F80_LESS] = FL_CF, [F80_EQUAL] = FL_ZF, [F80_GREATER] = 0,
    [F80_UNORDERED] = FL_ZF | FL_PF | FL_CF,
};

/* Compares ST(0) with B into C3 C2 C0 (or ZF PF CF), then pops POPS times. */
static void x87_compare(CPUState *cpu, bool ok, Float80 b, unsigned exc, bool quiet,
                        unsigned pops, bool to_eflags)
{
    FpuState *f = &cpu->fpu;
    F80Order o = F80_UNORDERED;

    if (!ok) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, false);
        o = f80_compare(st0(f), b, quiet, &e);
        if (!x87_raise(cpu, exc | e.flags)) {
            return;
        }
        x87_set_c1(f, false);
    }
    if (to_eflags) {
        cc_set_eflags(cpu, order_eflags[o]);
    } else {
        f->fsw = (f->fsw & ~(FSW_C3 | FSW_C2 | FSW_C0)) | order_cc[o];
    }
    while (pops--) {
        x87_pop(f);
    }
}

void x87_fcom_mem(CPUState *cpu, Float80 b, unsigned exc, bool pop)
{
    x87_compare(cpu, !x87_empty(&cpu->fpu, 0), b, exc, false, pop, false);
}

void x87_fcom_st(CPUState *cpu, unsigned i, bool quiet, unsigned pops)
{
    FpuState *f = &cpu->fpu;
    bool ok = !x87_empty(f, 0) && !x87_empty(f, i);
    x87_compare(cpu, ok, sti(f, i), 0, quiet, pops, false);
}

void x87_fcomi(CPUState *cpu, unsigned i, bool quiet, bool pop)
{
    FpuState *f = &cpu->fpu;
    bool ok = !x87_empty(f, 0) && !x87_empty(f, i);
    x87_compare(cpu, ok, sti(f, i), 0, quiet, pop, true);
}

void x87_ftst(CPUState *cpu)
{
    x87_compare(cpu, !x87_empty(&cpu->fpu, 0), (Float80){ 0, 0 }, 0, false, 0, false);
}

void x87_fxam(CPUState *cpu)
{
    static const uint16_t class_cc[] = {
        [F80_UNSUPPORTED] = 0,
        [F80_NAN] = FSW_C0,
        [F80_NORMAL] = FSW_C2,
        [F80_INFINITY] = FSW_C2 | FSW_C0,
        [F80_ZERO] = FSW_C3,
        [F80_EMPTY] = FSW_C3 | FSW_C0,
        [F80_DENORMAL] = FSW_C3 | FSW_C2,
    };
    FpuState *f = &cpu->fpu;
    Float80 v = st0(f);   /* an empty register still gives its sign to C1 */
    F80Class c = x87_empty(f, 0) ? F80_EMPTY : f80_classify(v);
    f->fsw = (f->fsw & ~FSW_CC) | class_cc[c] | (f80_sign(v) ? FSW_C1 : 0);
}

/* ---- register and stack operations ---- */

void x87_fxch(CPUState *cpu, unsigned i)
{
    FpuState *f = &cpu->fpu;
    unsigned p0 = f->top, pi = x87_phys(f, i);

    if (x87_empty(f, 0) || x87_empty(f, i)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
        /* The masked response: each empty register takes the indefinite, then swap. */
        if (x87_empty(f, 0)) {
            x87_write(f, p0, f80_indefinite);
        }
        if (x87_empty(f, i)) {
            x87_write(f, pi, f80_indefinite);
        }
    } else {
        x87_set_c1(f, false);
    }
    Float80 t = f->st[p0];
    f->st[p0] = f->st[pi];
    f->st[pi] = t;
}

void x87_ffree(CPUState *cpu, unsigned i, bool pop)
{
    FpuState *f = &cpu->fpu;
    f->ftw &= ~(1u << x87_phys(f, i));
    if (pop) {
        x87_pop(f);
    }
}

void x87_fincstp(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    f->top = (f->top + 1) & 7;
    x87_set_c1(f, false);
}

void x87_fdecstp(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    f->top = (f->top - 1) & 7;
    x87_set_c1(f, false);
}

/* Changes ST(0)'s sign bit: AND with KEEP, XOR with FLIP (FCHS, FABS: no IE for SNaNs). */
static void x87_sign_op(CPUState *cpu, uint16_t keep, uint16_t flip)
{
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, 0)) {
        if (x87_stack_fault(cpu, false)) {
            x87_write(f, f->top, f80_indefinite);
        }
        return;
    }
    f->st[f->top].se = (uint16_t)((f->st[f->top].se & keep) ^ flip);
    x87_set_c1(f, false);
}

void x87_fchs(CPUState *cpu)
{
    x87_sign_op(cpu, 0xffff, 0x8000);
}

void x87_fabs(CPUState *cpu)
{
    x87_sign_op(cpu, 0x7fff, 0);
}

void x87_fcmov(CPUState *cpu, unsigned i, bool cond)
{
    FpuState *f = &cpu->fpu;
    if (x87_empty(f, 0) || x87_empty(f, i)) {
        if (x87_stack_fault(cpu, false)) {
            x87_write(f, f->top, f80_indefinite);
        }
        return;
    }
    x87_set_c1(f, false);
    if (cond) {
        f->st[f->top] = sti(f, i);
    }
}

/* ---- D9 E0-FF ---- */

/* ST(0) = FN(ST(0)); PRECISION: the precision control applies (FSQRT only). */
static void x87_unary(CPUState *cpu, Float80 (*fn)(Float80, F80Env *), bool precision)
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;

    if (x87_empty(f, 0)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, precision);
        r = fn(st0(f), &e);
        if (!x87_raise(cpu, e.flags)) {
            return;
        }
        x87_set_c1(f, e.rounded_up);
    }
    x87_write(f, f->top, r);
}

void x87_fsqrt(CPUState *cpu)
{
    x87_unary(cpu, f80_sqrt, true);
}

void x87_frndint(CPUState *cpu)
{
    x87_unary(cpu, f80_round_to_int, false);
}

void x87_f2xm1(CPUState *cpu)
{
    x87_unary(cpu, f80_2xm1, false);
}

/* FSIN, FCOS: an operand out of range sets C2 and is left alone. */
static void x87_trig(CPUState *cpu, Float80 (*fn)(Float80, bool *, F80Env *))
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;

    if (x87_empty(f, 0)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, false);
        bool out_of_range = false;
        r = fn(st0(f), &out_of_range, &e);
        if (out_of_range) {
            f->fsw |= FSW_C2;
            return;
        }
        if (!x87_raise(cpu, e.flags)) {
            return;
        }
        x87_set_c1(f, e.rounded_up);
    }
    f->fsw &= ~FSW_C2;
    x87_write(f, f->top, r);
}

void x87_fsin(CPUState *cpu)
{
    x87_trig(cpu, f80_sin);
}

void x87_fcos(CPUState *cpu)
{
    x87_trig(cpu, f80_cos);
}

/*
 * The instructions that replace ST(0) and push a second result (FSINCOS, FPTAN, FXTRACT)
 * need ST(0) full and ST(7) empty. A stack fault's masked response puts the indefinite in
 * both places. Returns whether the operation may go on.
 */
static bool x87_two_results_ok(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    bool underflow = x87_empty(f, 0);

    if (!underflow && x87_empty(f, 7)) {
        return true;
    }
    if (x87_stack_fault(cpu, !underflow)) {
        x87_write(f, f->top, f80_indefinite);
        f->top = (f->top - 1) & 7;
        x87_write(f, f->top, f80_indefinite);
    }
    return false;
}

/* ST(0) = FIRST, then push SECOND. */
static void x87_two_results(FpuState *f, Float80 first, Float80 second)
{
    x87_write(f, f->top, first);
    f->top = (f->top - 1) & 7;
    x87_write(f, f->top, second);
}

void x87_fsincos(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    if (!x87_two_results_ok(cpu)) {
        return;
    }
    F80Env e = x87_env(f, false);
    bool out_of_range = false;
    Float80 s = f80_sin(st0(f), &out_of_range, &e);
    bool sin_up = e.rounded_up;
    Float80 c = f80_cos(st0(f), &out_of_range, &e);
    if (out_of_range) {
        f->fsw |= FSW_C2;
        return;
    }
    if (!x87_raise(cpu, e.flags)) {
        return;
    }
    f->fsw &= ~FSW_C2;
    x87_set_c1(f, sin_up || e.rounded_up);
    x87_two_results(f, s, c);
}

void x87_fptan(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    if (!x87_two_results_ok(cpu)) {
        return;
    }
    F80Env e = x87_env(f, false);
    bool out_of_range = false;
    Float80 t = f80_tan(st0(f), &out_of_range, &e);
    if (out_of_range) {
        f->fsw |= FSW_C2;
        return;
    }
    if (!x87_raise(cpu, e.flags)) {
        return;
    }
    f->fsw &= ~FSW_C2;
    x87_set_c1(f, e.rounded_up);
    /* A NaN result (a NaN or infinite operand) is pushed again instead of 1.0. */
    x87_two_results(f, t, f80_classify(t) == F80_NAN ? t : f80_const(F80_ONE, &e));
}

void x87_fxtract(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    if (!x87_two_results_ok(cpu)) {
        return;
    }
    F80Env e = x87_env(f, false);
    Float80 ex, sig;
    f80_extract(st0(f), &ex, &sig, &e);
    if (!x87_raise(cpu, e.flags)) {
        return;
    }
    x87_set_c1(f, false);
    x87_two_results(f, ex, sig);
}

/* ST(1) = FN(ST(1), ST(0)), then pop (FPATAN, FYL2X, FYL2XP1). */
static void x87_binary_pop(CPUState *cpu, Float80 (*fn)(Float80, Float80, F80Env *))
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;

    if (x87_empty(f, 0) || x87_empty(f, 1)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, false);
        r = fn(sti(f, 1), st0(f), &e);
        if (!x87_raise(cpu, e.flags)) {
            return;
        }
        x87_set_c1(f, e.rounded_up);
    }
    x87_write(f, x87_phys(f, 1), r);
    x87_pop(f);
}

void x87_fpatan(CPUState *cpu)
{
    x87_binary_pop(cpu, f80_atan2);
}

void x87_fyl2x(CPUState *cpu)
{
    x87_binary_pop(cpu, f80_yl2x);
}

void x87_fyl2xp1(CPUState *cpu)
{
    x87_binary_pop(cpu, f80_yl2xp1);
}

void x87_fscale(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;

    if (x87_empty(f, 0) || x87_empty(f, 1)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
    } else {
        F80Env e = x87_env(f, false);
        r = f80_scale(st0(f), sti(f, 1), &e);
        if (!x87_raise(cpu, e.flags)) {
            return;
        }
        x87_set_c1(f, e.rounded_up);
    }
    x87_write(f, f->top, r);
}

void x87_fprem(CPUState *cpu, bool ieee)
{
    FpuState *f = &cpu->fpu;
    Float80 r = f80_indefinite;
    uint16_t cc = 0;

    if (x87_empty(f, 0) || x87_empty(f, 1)) {
        if (!x87_stack_fault(cpu, false)) {
            return;
        }
        cc = f->fsw & FSW_CC;
    } else {
        F80Env e = x87_env(f, false);
        unsigned q = 0;
        bool incomplete = false;
        r = f80_rem(st0(f), sti(f, 1), ieee, &q, &incomplete, &e);
        if (!x87_raise(cpu, e.flags)) {
            return;
        }
        /* The low quotient bits Q2 Q1 Q0 go to C0 C3 C1; C2: the reduction is incomplete. */
        cc = (uint16_t)(((q >> 2) & 1 ? FSW_C0 : 0) | ((q >> 1) & 1 ? FSW_C3 : 0) |
                        (q & 1 ? FSW_C1 : 0) | (incomplete ? FSW_C2 : 0));
    }
    f->fsw = (f->fsw & ~FSW_CC) | cc;
    x87_write(f, f->top, r);
}

/* ---- control instructions ---- */

void x87_fninit(CPUState *cpu)
{
    FpuState *f = &cpu->fpu;
    f->fcw = FCW_INIT;
    f->top = 0;
    f->ftw = 0;
    f->fop = f->fcs = f->fds = 0;
    f->fip = f->fdp = 0;
    x87_set_fsw(cpu, 0);
}

void x87_fnclex(CPUState *cpu)
{
    x87_set_fsw(cpu, cpu->fpu.fsw & ~(FSW_EXC | FSW_SF));
}

void x87_fldcw(CPUState *cpu, uint16_t v)
{
    cpu->fpu.fcw = fcw_value(v);
    x87_update_es(cpu);
}

/*
 * Environment images (SDM vol. 1, 8.1.10, figures 8-9 to 8-12). Protected mode stores the
 * offsets and selectors; real and virtual-8086 mode store linear addresses (selector * 16 +
 * offset) split around the opcode. Reserved halves of the 32-bit layouts read as FFFFH, as
 * Intel processors store them.
 */
typedef struct X87Env {
    uint16_t fcw, fsw, ftw, fop;
    uint16_t fcs, fds;
    uint32_t fip, fdp;
} X87Env;

static bool x87_protected_format(const CPUState *cpu)
{
    return cpu_pe(cpu) && !cpu_v86(cpu);
}

static unsigned x87_env_bytes(bool op32)
{
    return op32 ? 28 : 14;
}

static void env_store(CPUState *cpu, int seg, uint64_t ea, bool op32)
{
    const FpuState *f = &cpu->fpu;
    uint16_t w[3] = { f->fcw, x87_status(f), x87_tag_word(f) };
    uint32_t ip = ((uint32_t)f->fcs << 4) + f->fip, dp = ((uint32_t)f->fds << 4) + f->fdp;
    unsigned n = op32 ? 4 : 2;
    uint32_t hi = op32 ? 0xffff0000u : 0;

    for (unsigned i = 0; i < 3; i++) {
        cpu_st(cpu, seg, ea + i * n, hi | w[i], n);
    }
    if (x87_protected_format(cpu)) {
        cpu_st(cpu, seg, ea + 3 * n, f->fip, n);
        cpu_st(cpu, seg, ea + 4 * n, f->fcs | (op32 ? (uint32_t)f->fop << 16 : 0), n);
        cpu_st(cpu, seg, ea + 5 * n, f->fdp, n);
        cpu_st(cpu, seg, ea + 6 * n, hi | f->fds, n);
    } else {
        uint32_t ip_hi = op32 ? (ip >> 16) << 12 : ((ip >> 16) & 0xf) << 12;
        uint32_t dp_hi = op32 ? (dp >> 16) << 12 : ((dp >> 16) & 0xf) << 12;
        cpu_st(cpu, seg, ea + 3 * n, hi | (ip & 0xffff), n);
        cpu_st(cpu, seg, ea + 4 * n, ip_hi | f->fop, n);
        cpu_st(cpu, seg, ea + 5 * n, hi | (dp & 0xffff), n);
        cpu_st(cpu, seg, ea + 6 * n, dp_hi, n);
    }
}

static void env_read(CPUState *cpu, int seg, uint64_t ea, bool op32, X87Env *e)
{
    unsigned n = op32 ? 4 : 2;
    uint32_t f[7];

    for (unsigned i = 0; i < 7; i++) {
        f[i] = (uint32_t)cpu_ld(cpu, seg, ea + i * n, n);
    }
    e->fcw = (uint16_t)f[0];
    e->fsw = (uint16_t)f[1];
    e->ftw = (uint16_t)f[2];
    e->fop = cpu->fpu.fop;   /* the 16-bit protected-mode layout has no opcode */
    if (x87_protected_format(cpu)) {
        e->fip = f[3];
        e->fcs = (uint16_t)f[4];
        e->fdp = f[5];
        e->fds = (uint16_t)f[6];
        if (op32) {
            e->fop = (f[4] >> 16) & 0x7ff;
        }
    } else {
        uint32_t hi_mask = op32 ? 0xffff : 0xf;
        e->fip = (f[3] & 0xffff) | ((f[4] >> 12) & hi_mask) << 16;
        e->fdp = (f[5] & 0xffff) | ((f[6] >> 12) & hi_mask) << 16;
        e->fop = f[4] & 0x7ff;
        e->fcs = e->fds = 0;
    }
}

static void env_commit(CPUState *cpu, const X87Env *e)
{
    FpuState *f = &cpu->fpu;
    f->fcw = fcw_value(e->fcw);
    f->top = (e->fsw >> 11) & 7;
    f->ftw = x87_abridge(e->ftw);
    f->fop = e->fop;
    f->fip = e->fip;
    f->fcs = e->fcs;
    f->fdp = e->fdp;
    f->fds = e->fds;
    x87_set_fsw(cpu, e->fsw);
}

void x87_fnstenv(CPUState *cpu, int seg, uint32_t ea, bool op32)
{
    x87_probe_store(cpu, seg, ea, x87_env_bytes(op32));
    env_store(cpu, seg, ea, op32);
    cpu->fpu.fcw |= FSW_EXC;   /* then every exception is masked */
    x87_update_es(cpu);
}

void x87_fldenv(CPUState *cpu, int seg, uint32_t ea, bool op32)
{
    X87Env e;
    env_read(cpu, seg, ea, op32, &e);
    env_commit(cpu, &e);
}

void x87_fnsave(CPUState *cpu, int seg, uint32_t ea, bool op32)
{
    FpuState *f = &cpu->fpu;
    uint64_t regs = (uint64_t)ea + x87_env_bytes(op32);

    x87_probe_store(cpu, seg, ea, x87_env_bytes(op32) + 80);
    env_store(cpu, seg, ea, op32);
    for (unsigned i = 0; i < 8; i++) {
        st_f80(cpu, seg, regs + 10 * i, sti(f, i));
    }
    x87_fninit(cpu);
}

void x87_frstor(CPUState *cpu, int seg, uint32_t ea, bool op32)
{
    FpuState *f = &cpu->fpu;
    uint64_t regs = (uint64_t)ea + x87_env_bytes(op32);
    Float80 st[8];
    X87Env e;

    env_read(cpu, seg, ea, op32, &e);
    for (unsigned i = 0; i < 8; i++) {
        st[i] = ld_f80(cpu, seg, regs + 10 * i);
    }
    env_commit(cpu, &e);
    for (unsigned i = 0; i < 8; i++) {
        f->st[x87_phys(f, i)] = st[i];
    }
}

/*
 * FXSAVE/FXRSTOR, the 32-bit layout: FCW FSW, abridged tag byte, FOP, FIP, FCS, FDP, FDS,
 * MXCSR and MXCSR_MASK, ST(0)-ST(7) in 16-byte slots at 32, XMM0-7 at 160. MXCSR and the
 * XMM registers take part only while CR4.OSFXSR is set. Bytes 288-511 are not touched.
 */
static uint64_t fx_lin(CPUState *cpu, int seg, uint32_t ea, bool write)
{
    uint64_t lin = cpu_lin(cpu, seg, ea, 512, write);
    if (lin & 15) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    return lin;
}

void x87_fxsave(CPUState *cpu, int seg, uint32_t ea)
{
    const FpuState *f = &cpu->fpu;
    bool sse = (cpu->cr[4] & CR4_OSFXSR) != 0;
    uint64_t a = ea;

    cpu_probe_write_lin(cpu, fx_lin(cpu, seg, ea, true), 512);
    cpu_st(cpu, seg, a, f->fcw | (uint32_t)x87_status(f) << 16, 4);
    cpu_st(cpu, seg, a + 4, f->ftw | (uint32_t)f->fop << 16, 4);
    cpu_st(cpu, seg, a + 8, f->fip, 4);
    cpu_st(cpu, seg, a + 12, f->fcs, 4);
    cpu_st(cpu, seg, a + 16, f->fdp, 4);
    cpu_st(cpu, seg, a + 20, f->fds, 4);
    if (sse) {
        cpu_st(cpu, seg, a + 24, f->mxcsr, 4);
        cpu_st(cpu, seg, a + 28, MXCSR_MASK, 4);
    }
    for (unsigned i = 0; i < 8; i++) {
        st_f80(cpu, seg, a + 32 + 16 * i, sti(f, i));
        cpu_st(cpu, seg, a + 42 + 16 * i, 0, 2);
        cpu_st(cpu, seg, a + 44 + 16 * i, 0, 4);
    }
    for (unsigned i = 0; sse && i < 8; i++) {
        cpu_st(cpu, seg, a + 160 + 16 * i, ld64_le(f->xmm[i]), 8);
        cpu_st(cpu, seg, a + 168 + 16 * i, ld64_le(f->xmm[i] + 8), 8);
    }
}

void x87_fxrstor(CPUState *cpu, int seg, uint32_t ea)
{
    FpuState *f = &cpu->fpu;
    bool sse = (cpu->cr[4] & CR4_OSFXSR) != 0;
    uint64_t a = ea, xmm[8][2];
    uint32_t mxcsr = f->mxcsr;
    Float80 st[8];
    X87Env e;

    fx_lin(cpu, seg, ea, false);
    uint32_t w0 = (uint32_t)cpu_ld(cpu, seg, a, 4), w1 = (uint32_t)cpu_ld(cpu, seg, a + 4, 4);
    e = (X87Env){
        .fcw = (uint16_t)w0, .fsw = (uint16_t)(w0 >> 16), .fop = (w1 >> 16) & 0x7ff,
        .fip = (uint32_t)cpu_ld(cpu, seg, a + 8, 4), .fcs = (uint16_t)cpu_ld(cpu, seg, a + 12, 2),
        .fdp = (uint32_t)cpu_ld(cpu, seg, a + 16, 4), .fds = (uint16_t)cpu_ld(cpu, seg, a + 20, 2),
    };
    for (unsigned i = 0; i < 8; i++) {
        st[i] = ld_f80(cpu, seg, a + 32 + 16 * i);
    }
    if (sse) {
        mxcsr = (uint32_t)cpu_ld(cpu, seg, a + 24, 4);
        for (unsigned i = 0; i < 8; i++) {
            xmm[i][0] = cpu_ld(cpu, seg, a + 160 + 16 * i, 8);
            xmm[i][1] = cpu_ld(cpu, seg, a + 168 + 16 * i, 8);
        }
        if (mxcsr & ~MXCSR_MASK) {
            cpu_raise_err(cpu, EXC_GP, 0);
        }
    }
    env_commit(cpu, &e);
    f->ftw = (uint8_t)w1;   /* the abridged tag word, as it is */
    for (unsigned i = 0; i < 8; i++) {
        f->st[x87_phys(f, i)] = st[i];
    }
    f->mxcsr = mxcsr;
    for (unsigned i = 0; sse && i < 8; i++) {
        st64_le(f->xmm[i], xmm[i][0]);
        st64_le(f->xmm[i] + 8, xmm[i][1]);
    }
}
