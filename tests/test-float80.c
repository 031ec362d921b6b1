/*
 * Differential tests of cpu/float80 against the host's x87 (Intel SDM vol. 1 ch. 4, 8).
 *
 * Each case runs one instruction on the host x87 (inline assembly: FNINIT, FLDCW with all
 * exceptions masked or with OE/UE unmasked, the operands loaded with FLD TBYTE, the
 * instruction, FNSTSW, FNCLEX, FSTP TBYTE) and the same operation through float80.c, and
 * compares all 80 bits of each result, the six exception flags and the condition codes
 * the instruction defines. Operands are random but biased toward special values: zeros,
 * denormals, pseudo-denormals, unnormals, infinities, pseudo-infinities, QNaNs and SNaNs
 * with various payloads, the largest and smallest normals, and significands at the
 * rounding boundaries of all three precisions (exact halfway cases included). Rounding
 * and precision control are drawn at random for each case.
 *
 * Bit-exact (all value bits, the six flags, C0-C3): FADD FSUB FMUL FDIV FSQRT FRNDINT
 * FSCALE FXTRACT FPREM FPREM1 FCOM FUCOM FXAM, FIST(P) and FISTTP (16/32/64 bits), FILD,
 * FLD and FST m32/m64, FBLD FBSTP and the seven FLD constants, over all operands the
 * generators make (every class above, every exponent range). Arithmetic also runs with
 * OE and UE unmasked, comparing the exponent-wrapped results.
 *
 * Within 1 ulp, with the same six flags (C1, which tells which way the hardware rounded
 * its own internal result, is not compared; C2 is): FSIN FCOS FSINCOS FPTAN for any
 * operand (|x| < 2^63 computed, with tiny ones, ones near k * pi/2 for k up to 10^6 and
 * ones near 2^62; |x| >= 2^63 left alone with C2, which is exact), FPATAN for any pair,
 * F2XM1 for any operand (|x| <= 1 computed; beyond, the operand is returned, exactly),
 * FYL2X for any pair, FYL2XP1 for |x| < 1/4 (its defined range is |x| < 1 - sqrt(2)/2)
 * and the special values. Results bit-identical to the host: about 99% for FSIN FCOS
 * FPATAN, 98% FSINCOS, 95% FYL2X, 92% F2XM1, 91% FYL2XP1, 86% FPTAN; the rest differ by
 * exactly 1 ulp.
 *
 * WIRT_F80_CASES sets the cases per operation (default 10000), WIRT_F80_SEED the seed.
 * Other hosts have no x87 to compare with: the test reports a TAP skip there.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/float80.h"

#if defined(__x86_64__)

#define INT_BIT (1ull << 63)
#define SW_C0 0x0100
#define SW_C1 0x0200
#define SW_C2 0x0400
#define SW_C3 0x4000
#define SW_FLAGS 0x003f
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)

typedef struct Case {
    Float80 a, b;
    uint16_t cw;
    uint64_t in;        /* integer, float32/64 or BCD operand */
    uint8_t bcd[10];
    int sel;            /* operation variant (integer width, constant) */
} Case;

typedef struct Out {
    Float80 v[2];
    uint64_t i;
    uint8_t bcd[10];
    uint16_t sw;
} Out;

/* ---- random operands ---------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int rnd_int(int lo, int hi)
{
    return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static Float80 mk(bool sign, int exp, uint64_t mant)
{
    Float80 r = { mant, (uint16_t)((sign ? 0x8000 : 0) | exp) };
    return r;
}

/* A significand (bit 63 set) random, short, or at a rounding boundary of some precision. */
static uint64_t gen_mant(void)
{
    static const int pos[] = { 0, 11, 40, 0, 11, 40, 1, 2, 63 };
    uint64_t m = rnd();
    switch (rnd() % 6) {
    case 0:
        return m | INT_BIT;
    case 1: {   /* few significant bits: products and quotients that are exact or halfway */
        int keep = rnd_int(1, 40);
        return (m | INT_BIT) & (~0ull << (64 - keep));
    }
    case 2:
        return ~0ull << rnd_int(0, 63);
    default: {
        int p = pos[rnd() % 9];
        uint64_t half = p ? 1ull << (p - 1) : 0, mask = p ? (1ull << p) - 1 : 0;
        uint64_t low[] = { 0, half, half - 1, mask, 1, half + 1 };
        if (p == 0) {
            return m | INT_BIT;
        }
        m = (m & ~mask) | (low[rnd() % 6] & mask);
        return m | INT_BIT;
    }
    }
}

static Float80 gen_special(void)
{
    bool s = rnd() & 1;
    switch (rnd() % 12) {
    case 0: case 1: return mk(s, 0, 0);
    case 2: return mk(s, 0, rnd() >> rnd_int(1, 63));              /* denormal */
    case 3: return mk(s, 0, gen_mant());                           /* pseudo-denormal */
    case 4: return mk(s, rnd_int(1, 0x7ffe), rnd() >> rnd_int(1, 63));   /* unnormal */
    case 5: case 6: return mk(s, 0x7fff, INT_BIT);
    case 7: return mk(s, 0x7fff, INT_BIT | (1ull << 62) | (rnd() >> rnd_int(2, 63)));
    case 8: return mk(s, 0x7fff, INT_BIT | ((rnd() >> rnd_int(2, 63)) | 1));   /* SNaN */
    case 9: return mk(s, 0x7fff, rnd() >> rnd_int(1, 63));         /* pseudo-NaN/inf */
    case 10: return mk(s, 0x7ffe, ~0ull);
    default: return mk(s, 1, INT_BIT);
    }
}

/* A normal value with its biased exponent within spread of center. */
static Float80 gen_near(int center, int spread)
{
    int e = center + rnd_int(-spread, spread);
    e = e < 1 ? 1 : e > 0x7ffe ? 0x7ffe : e;
    return mk(rnd() & 1, e, gen_mant());
}

static Float80 gen_any(void)
{
    switch (rnd() % 8) {
    case 0: case 1: return gen_special();
    case 2: return gen_near(1, 70);
    case 3: return gen_near(0x7ffe, 70);
    case 4: return gen_near(rnd_int(1, 0x7ffe), 0);
    default: return gen_near(16383, 70);
    }
}

/* A second operand, often close to the first in exponent and significand. */
static Float80 gen_partner(Float80 a)
{
    if (rnd() % 3 || (a.se & 0x7fff) == 0x7fff || (a.se & 0x7fff) == 0) {
        return gen_any();
    }
    Float80 b = gen_near(a.se & 0x7fff, rnd() % 2 ? 2 : 66);
    if (rnd() & 1) {
        b.mant = a.mant + (uint64_t)rnd_int(-4, 4);
        b.mant |= INT_BIT;
    }
    return b;
}

static uint16_t gen_cw(bool allow_unmasked)
{
    static const uint16_t pcs[] = { 0, 1, 2, 3, 3 };
    uint16_t masks = 0x3f;
    if (allow_unmasked && rnd() % 4 == 0) {
        masks &= (uint16_t)~(F80_OE | F80_UE);
    }
    return (uint16_t)(0x40 | masks | (pcs[rnd() % 5] << 8) | ((rnd() % 4) << 10));
}

static F80Env env_of(uint16_t cw)
{
    F80Env e = { .rc = (cw >> 10) & 3, .pc = (cw >> 8) & 3, .unmasked = ~cw & 0x3f };
    return e;
}

static uint16_t sw_of(const F80Env *e)
{
    return (uint16_t)(e->flags | (e->rounded_up ? SW_C1 : 0));
}

/* ---- the host x87 ------------------------------------------------------------------- */

#define X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", \
    "memory"

/* b then a pushed (a in ST0, b in ST1); the instruction; ST0 and ST1 stored. */
#define HOST_STACK(name, insn)                                                          \
    static void host_##name(const Case *c, Out *o)                                      \
    {                                                                                   \
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn       \
                         "\n\tfnstsw %[sw]\n\tfnclex\n\tfstpt %[r0]\n\tfstpt %[r1]\n\t"   \
                         "fninit"                                                       \
                         : [sw] "=m"(o->sw), [r0] "=m"(o->v[0]), [r1] "=m"(o->v[1])      \
                         : [cw] "m"(c->cw), [a] "m"(c->a), [b] "m"(c->b)                 \
                         : X87_CLOBBERS);                                               \
    }

HOST_STACK(add, "fadd %%st(1), %%st")
HOST_STACK(sub, "fsub %%st(1), %%st")
HOST_STACK(mul, "fmul %%st(1), %%st")
HOST_STACK(div, "fdiv %%st(1), %%st")
HOST_STACK(sqrt, "fsqrt")
HOST_STACK(rndint, "frndint")
HOST_STACK(scale, "fscale")
HOST_STACK(xtract, "fxtract")
HOST_STACK(prem, "fprem")
HOST_STACK(prem1, "fprem1")
HOST_STACK(com, "fcom %%st(1)")
HOST_STACK(ucom, "fucom %%st(1)")
HOST_STACK(xam, "fxam")
HOST_STACK(sin, "fsin")
HOST_STACK(cos, "fcos")
HOST_STACK(ptan, "fptan")
HOST_STACK(sincos, "fsincos")
HOST_STACK(patan, "fpatan")
HOST_STACK(f2xm1, "f2xm1")
HOST_STACK(yl2x, "fyl2x")
HOST_STACK(yl2xp1, "fyl2xp1")

/* a pushed, then stored to memory (c->sel picks the form). */
static void host_store(const Case *c, Out *o)
{
#define STORE(insn)                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn " %[m]\n\t"            \
                     "fnstsw %[sw]\n\tfninit"                                            \
                     : [sw] "=m"(o->sw), [m] "=m"(o->i)                                   \
                     : [cw] "m"(c->cw), [a] "m"(c->a) : X87_CLOBBERS)
    o->i = 0;
    switch (c->sel) {
    case 0: STORE("fistps"); break;
    case 1: STORE("fistpl"); break;
    case 2: STORE("fistpll"); break;
    case 3: STORE("fisttps"); break;
    case 4: STORE("fisttpl"); break;
    case 5: STORE("fisttpll"); break;
    case 6: STORE("fstps"); break;
    case 7: STORE("fstpl"); break;
    default:
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfbstp %[m]\n\t"
                         "fnstsw %[sw]\n\tfninit"
                         : [sw] "=m"(o->sw), [m] "=m"(o->bcd)
                         : [cw] "m"(c->cw), [a] "m"(c->a) : X87_CLOBBERS);
    }
#undef STORE
}

/* A memory operand loaded (c->sel picks the form), then stored as 80 bits. */
static void host_load(const Case *c, Out *o)
{
#define LOAD(insn, src)                                                                  \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\t" insn " %[m]\n\t"                         \
                     "fnstsw %[sw]\n\tfnclex\n\tfstpt %[r0]\n\tfninit"                     \
                     : [sw] "=m"(o->sw), [r0] "=m"(o->v[0])                               \
                     : [cw] "m"(c->cw), [m] "m"(src) : X87_CLOBBERS)
    switch (c->sel) {
    case 0: LOAD("flds", c->in); break;
    case 1: LOAD("fldl", c->in); break;
    case 2: LOAD("fildll", c->in); break;
    default: LOAD("fbld", c->bcd); break;
    }
#undef LOAD
}

static void host_const(const Case *c, Out *o)
{
#define CONST(insn)                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\t" insn "\n\tfnstsw %[sw]\n\tfnclex\n\t"    \
                     "fstpt %[r0]\n\tfninit"                                             \
                     : [sw] "=m"(o->sw), [r0] "=m"(o->v[0]) : [cw] "m"(c->cw) : X87_CLOBBERS)
    switch ((F80Const)c->sel) {
    case F80_ONE: CONST("fld1"); break;
    case F80_L2T: CONST("fldl2t"); break;
    case F80_L2E: CONST("fldl2e"); break;
    case F80_PI: CONST("fldpi"); break;
    case F80_LG2: CONST("fldlg2"); break;
    case F80_LN2: CONST("fldln2"); break;
    default: CONST("fldz"); break;
    }
#undef CONST
}

/* ---- the same through float80.c ----------------------------------------------------- */

#define MINE_BINARY(name, fn)                                                           \
    static void mine_##name(const Case *c, Out *o)                                      \
    {                                                                                   \
        F80Env e = env_of(c->cw);                                                       \
        o->v[0] = fn(c->a, c->b, &e);                                                   \
        o->v[1] = c->b;                                                                 \
        o->sw = sw_of(&e);                                                              \
    }

MINE_BINARY(add, f80_add)
MINE_BINARY(sub, f80_sub)
MINE_BINARY(mul, f80_mul)
MINE_BINARY(div, f80_div)
MINE_BINARY(scale, f80_scale)

#define MINE_UNARY(name, fn)                                                            \
    static void mine_##name(const Case *c, Out *o)                                      \
    {                                                                                   \
        F80Env e = env_of(c->cw);                                                       \
        o->v[0] = fn(c->a, &e);                                                         \
        o->v[1] = c->b;                                                                 \
        o->sw = sw_of(&e);                                                              \
    }

MINE_UNARY(sqrt, f80_sqrt)
MINE_UNARY(rndint, f80_round_to_int)
MINE_UNARY(f2xm1, f80_2xm1)

static void mine_xtract(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    f80_extract(c->a, &o->v[1], &o->v[0], &e);
    o->sw = sw_of(&e);
}

static void mine_rem(const Case *c, Out *o, bool ieee)
{
    F80Env e = env_of(c->cw);
    unsigned q;
    bool incomplete;
    o->v[0] = f80_rem(c->a, c->b, ieee, &q, &incomplete, &e);
    o->v[1] = c->b;
    o->sw = (uint16_t)(e.flags | (q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) |
                       (q & 1 ? SW_C1 : 0) | (incomplete ? SW_C2 : 0));
}

static void mine_prem(const Case *c, Out *o)
{
    mine_rem(c, o, false);
}

static void mine_prem1(const Case *c, Out *o)
{
    mine_rem(c, o, true);
}

static void mine_cmp(const Case *c, Out *o, bool quiet)
{
    static const uint16_t cc[] = {
        [F80_LESS] = SW_C0, [F80_EQUAL] = SW_C3, [F80_GREATER] = 0,
        [F80_UNORDERED] = SW_C0 | SW_C2 | SW_C3,
    };
    F80Env e = env_of(c->cw);
    F80Order r = f80_compare(c->a, c->b, quiet, &e);
    o->v[0] = c->a;
    o->v[1] = c->b;
    o->sw = (uint16_t)(e.flags | cc[r]);
}

static void mine_com(const Case *c, Out *o)
{
    mine_cmp(c, o, false);
}

static void mine_ucom(const Case *c, Out *o)
{
    mine_cmp(c, o, true);
}

static void mine_xam(const Case *c, Out *o)
{
    static const uint16_t cc[] = {
        [F80_UNSUPPORTED] = 0, [F80_NAN] = SW_C0, [F80_NORMAL] = SW_C2,
        [F80_INFINITY] = SW_C2 | SW_C0, [F80_ZERO] = SW_C3, [F80_EMPTY] = SW_C3 | SW_C0,
        [F80_DENORMAL] = SW_C3 | SW_C2,
    };
    o->v[0] = c->a;
    o->v[1] = c->b;
    o->sw = (uint16_t)(cc[f80_classify(c->a)] | (f80_sign(c->a) ? SW_C1 : 0));
}

static void mine_trig(const Case *c, Out *o, Float80 (*fn)(Float80, bool *, F80Env *))
{
    F80Env e = env_of(c->cw);
    bool oor = false;
    o->v[0] = fn(c->a, &oor, &e);
    o->v[1] = c->b;
    o->sw = (uint16_t)(sw_of(&e) | (oor ? SW_C2 : 0));
}

static void mine_sin(const Case *c, Out *o)
{
    mine_trig(c, o, f80_sin);
}

static void mine_cos(const Case *c, Out *o)
{
    mine_trig(c, o, f80_cos);
}

static void mine_ptan(const Case *c, Out *o)
{
    mine_trig(c, o, f80_tan);
    if (!(o->sw & SW_C2)) {     /* FPTAN pushes 1.0 above the tangent, or the NaN again */
        bool nan = (o->v[0].se & 0x7fff) == 0x7fff && (o->v[0].mant << 1);
        o->v[1] = o->v[0];
        o->v[0] = nan ? o->v[0] : mk(false, 16383, INT_BIT);
    }
}

/* FSINCOS: the sine below the cosine, the flags of both. */
static void mine_sincos(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    bool oor = false;
    o->v[1] = f80_sin(c->a, &oor, &e);
    if (oor) {
        o->v[0] = c->a;
        o->v[1] = c->b;
    } else {
        o->v[0] = f80_cos(c->a, &oor, &e);
    }
    o->sw = (uint16_t)(sw_of(&e) | (oor ? SW_C2 : 0));
}

static void mine_patan(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    o->v[0] = f80_atan2(c->b, c->a, &e);
    o->sw = sw_of(&e);
}

static void mine_yl2x(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    o->v[0] = f80_yl2x(c->b, c->a, &e);
    o->sw = sw_of(&e);
}

static void mine_yl2xp1(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    o->v[0] = f80_yl2xp1(c->b, c->a, &e);
    o->sw = sw_of(&e);
}

static void mine_store(const Case *c, Out *o)
{
    static const unsigned bits[] = { 16, 32, 64 };
    F80Env e = env_of(c->cw);
    uint64_t mask[] = { 0xffff, 0xffffffff, ~0ull };
    o->i = 0;
    if (c->sel < 6) {
        o->i = (uint64_t)f80_to_int(c->a, bits[c->sel % 3], c->sel >= 3, &e) & mask[c->sel % 3];
    } else if (c->sel == 6) {
        o->i = f80_to_f32(c->a, &e);
    } else if (c->sel == 7) {
        o->i = f80_to_f64(c->a, &e);
    } else {
        f80_to_bcd(c->a, o->bcd, &e);
    }
    o->sw = sw_of(&e);
}

static void mine_load(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    switch (c->sel) {
    case 0: o->v[0] = f80_from_f32((uint32_t)c->in, &e); break;
    case 1: o->v[0] = f80_from_f64(c->in, &e); break;
    case 2: o->v[0] = f80_from_int((int64_t)c->in); break;
    default: o->v[0] = f80_from_bcd(c->bcd); break;
    }
    o->sw = sw_of(&e);
}

static void mine_const(const Case *c, Out *o)
{
    F80Env e = env_of(c->cw);
    o->v[0] = f80_const((F80Const)c->sel, &e);
    o->sw = sw_of(&e);
}

/* ---- operand generators for each operation ------------------------------------------ */

static void gen_binary(Case *c)
{
    c->a = gen_any();
    c->b = gen_partner(c->a);
    if (rnd() & 1) {
        Float80 t = c->a;
        c->a = c->b;
        c->b = t;
    }
    c->cw = gen_cw(true);
}

static void gen_unary(Case *c)
{
    c->a = gen_any();
    c->b = mk(false, 0, 0);
    c->cw = gen_cw(true);
}

/* Values around the integers: small exponents, often exactly halfway. */
static void gen_rndint(Case *c)
{
    gen_unary(c);
    if (rnd() % 3) {
        c->a = gen_near(16383 + 30, 36);
    }
}

static void gen_scale(Case *c)
{
    gen_binary(c);
    if (rnd() % 3) {
        c->b = gen_near(16383 + 8, 9);     /* factors up to about +-65536 */
    }
}

static void gen_rem(Case *c)
{
    gen_binary(c);
    if (rnd() % 3) {
        c->a = gen_near(16383, 200);
        c->b = gen_near(c->a.se & 0x7fff, 100);
    }
}

/* FIST(P)/FISTTP m16/m32/m64, FST m32/m64 and FBSTP (sel 0-8), with operands around the
 * edges of each destination's range. */
static void gen_store(Case *c)
{
    static const struct {
        int center[2], spread;
    } near[] = {
        { { 16383 + 15, 16383 }, 20 }, { { 16383 + 31, 16383 }, 20 },
        { { 16383 + 63, 16383 + 40 }, 20 },                         /* integers */
        { { 16383 + 127, 16383 - 126 }, 30 }, { { 16383 + 1023, 16383 - 1022 }, 60 },
        { { 16383 + 59, 16383 + 20 }, 40 },                         /* 10^18 for BCD */
    };
    static const uint8_t kind[] = { 0, 1, 2, 0, 1, 2, 3, 4, 5 };
    c->sel = rnd_int(0, 8);
    c->cw = gen_cw(false);
    int k = kind[c->sel];
    c->a = rnd() % 4 == 0 ? gen_any() : gen_near(near[k].center[rnd() & 1], near[k].spread);
}

static void gen_load(Case *c)
{
    static const int digits[] = { 0, 1, 9, 5 };
    c->sel = rnd_int(0, 3);
    c->cw = gen_cw(false);
    c->in = rnd();
    if (c->sel == 0) {
        uint32_t e = (uint32_t)(rnd() % 4 == 0 ? (rnd() & 1) * 255 : rnd() & 255);
        c->in = (c->in & 0x807fffffu) | (e << 23);
        c->in &= 0xffffffffu;
    } else if (c->sel == 1) {
        uint64_t e = rnd() % 4 == 0 ? (rnd() & 1) * 2047 : rnd() & 2047;
        c->in = (c->in & 0x800fffffffffffffull) | (e << 52);
    } else if (c->sel == 2) {
        c->in >>= rnd_int(0, 63);
        c->in = rnd() & 1 ? -c->in : c->in;
    }
    for (int i = 0; i < 9; i++) {
        int lo = rnd() % 2 ? rnd_int(0, 9) : digits[rnd() % 4];
        int hi = rnd() % 2 ? rnd_int(0, 9) : digits[rnd() % 4];
        c->bcd[i] = (uint8_t)(lo | (hi << 4));
    }
    c->bcd[9] = rnd() & 1 ? 0x80 : 0;
}

static void gen_const(Case *c)
{
    c->sel = rnd_int(0, 6);
    c->cw = gen_cw(false);
}

static void gen_cmp(Case *c)
{
    gen_binary(c);
    if (rnd() % 4 == 0) {
        c->b = c->a;
        c->b.se ^= (uint16_t)((rnd() & 1) << 15);
    }
    c->cw = gen_cw(false);
}

/* FSIN FCOS FPTAN: |x| from tiny to past 2^63, and near multiples of pi/4. */
static void gen_trig(Case *c)
{
    gen_unary(c);
    c->cw = gen_cw(true);
    switch (rnd() % 6) {
    case 0:
        break;
    case 1:
        c->a = gen_near(16383 + 62, 3);
        break;
    case 2: {   /* k * pi/2 rounded, plus a few ulps */
        Float80 half_pi = mk(false, 16383, 0xc90fdaa22168c235ull);
        F80Env e = { .rc = 0, .pc = 3 };
        c->a = f80_mul(half_pi, f80_from_int(rnd_int(1, 1000000)), &e);
        c->a.mant += (uint64_t)rnd_int(-3, 3);
        break;
    }
    default:
        c->a = gen_near(16383, 40);
        break;
    }
}

static void gen_patan(Case *c)
{
    gen_binary(c);
    c->cw = gen_cw(true);
    if (rnd() % 8 == 0) {   /* y / x an exact power of two, down to the smallest normal */
        c->b.mant = c->a.mant;
    }
}

/* F2XM1: defined for -1 < x < 1 only. */
static void gen_f2xm1(Case *c)
{
    gen_unary(c);
    c->cw = gen_cw(true);
    if (rnd() % 4) {
        c->a = gen_near(16383 - 30, 30);
        if ((c->a.se & 0x7fff) >= 16383) {
            c->a.se = (uint16_t)((c->a.se & 0x8000) | 16382);
        }
    }
}

static void gen_yl2x(Case *c)
{
    gen_binary(c);
    c->cw = gen_cw(true);
    if (rnd() % 3) {
        c->a = rnd() & 1 ? gen_near(16383, 3) : gen_near(16383, 3000);
        c->a.se &= 0x7fff;
        c->b = gen_near(16383, 20);
    }
    if (rnd() % 8 == 0) {   /* log2(x) an integer: the product may be exact */
        c->a.mant = INT_BIT;
    }
}

/* FYL2XP1: defined for |x| < 1 - sqrt(2)/2 only. */
static void gen_yl2xp1(Case *c)
{
    gen_binary(c);
    c->cw = gen_cw(true);
    if (rnd() % 4) {
        c->a = gen_near(16383 - 40, 38);
        c->b = gen_near(16383, 20);
    }
    if ((c->a.se & 0x7fff) >= 16382 && (c->a.se & 0x7fff) != 0x7fff) {
        c->a.se = (uint16_t)((c->a.se & 0x8000) | 16381);
        c->a.mant &= ~(3ull << 61);
    }
}

/* ---- the driver --------------------------------------------------------------------- */

enum { OUT_V0 = 1, OUT_V1 = 2, OUT_I = 4, OUT_BCD = 8 };

typedef struct Op {
    const char *name;
    void (*gen)(Case *c);
    void (*host)(const Case *c, Out *o);
    void (*mine)(const Case *c, Out *o);
    unsigned outs;
    uint16_t sw_mask;
    int ulps;           /* 0: bit-exact */
} Op;

#define OP(name, gen, outs, cc, ulps) \
    { #name, gen, host_##name, mine_##name, outs, SW_FLAGS | (cc), ulps }
#define EXACT(name, gen, outs, cc) OP(name, gen, outs, cc, 0)
#define ULP(name, gen, outs, cc) OP(name, gen, outs, cc, 1)

static const Op ops[] = {
    EXACT(add, gen_binary, OUT_V0, SW_C1),
    EXACT(sub, gen_binary, OUT_V0, SW_C1),
    EXACT(mul, gen_binary, OUT_V0, SW_C1),
    EXACT(div, gen_binary, OUT_V0, SW_C1),
    EXACT(sqrt, gen_unary, OUT_V0, SW_C1),
    EXACT(rndint, gen_rndint, OUT_V0, SW_C1),
    EXACT(scale, gen_scale, OUT_V0, SW_C1),
    EXACT(xtract, gen_unary, OUT_V0 | OUT_V1, SW_C1),
    EXACT(prem, gen_rem, OUT_V0, SW_CC),
    EXACT(prem1, gen_rem, OUT_V0, SW_CC),
    EXACT(com, gen_cmp, 0, SW_CC),
    EXACT(ucom, gen_cmp, 0, SW_CC),
    EXACT(xam, gen_unary, 0, SW_CC),
    EXACT(store, gen_store, OUT_I | OUT_BCD, SW_C1),
    EXACT(load, gen_load, OUT_V0, SW_C1),
    EXACT(const, gen_const, OUT_V0, SW_C1),
    ULP(sin, gen_trig, OUT_V0, SW_C1 | SW_C2),
    ULP(cos, gen_trig, OUT_V0, SW_C1 | SW_C2),
    ULP(ptan, gen_trig, OUT_V0 | OUT_V1, SW_C1 | SW_C2),
    ULP(sincos, gen_trig, OUT_V0 | OUT_V1, SW_C1 | SW_C2),
    ULP(patan, gen_patan, OUT_V0, SW_C1),
    ULP(f2xm1, gen_f2xm1, OUT_V0, SW_C1),
    ULP(yl2x, gen_yl2x, OUT_V0, SW_C1),
    ULP(yl2xp1, gen_yl2xp1, OUT_V0, SW_C1),
};

static unsigned long n_cases = 10000;
static uint64_t seed = 1;

static bool same80(Float80 a, Float80 b)
{
    return a.mant == b.mant && a.se == b.se;
}

/* Distance in units in the last place between two values (huge when incomparable). */
static unsigned __int128 ulp_dist(Float80 a, Float80 b)
{
    unsigned ea = a.se & 0x7fff, eb = b.se & 0x7fff;
    if (same80(a, b)) {
        return 0;
    }
    if (ea == 0x7fff || eb == 0x7fff || (ea && !(a.mant >> 63)) || (eb && !(b.mant >> 63))) {
        return ~(unsigned __int128)0;
    }
    unsigned __int128 ka = ((unsigned __int128)ea << 63) + (ea ? a.mant & ~INT_BIT : a.mant);
    unsigned __int128 kb = ((unsigned __int128)eb << 63) + (eb ? b.mant & ~INT_BIT : b.mant);
    if ((a.se ^ b.se) & 0x8000) {
        return ka + kb;
    }
    return ka > kb ? ka - kb : kb - ka;
}

static void print_case(const Op *op, const Case *c, const Out *h, const Out *m)
{
    g_test_message("%s cw=%04x sel=%d a=%04x:%016llx b=%04x:%016llx in=%016llx", op->name,
                   c->cw, c->sel, c->a.se, (unsigned long long)c->a.mant, c->b.se,
                   (unsigned long long)c->b.mant, (unsigned long long)c->in);
    g_test_message("  host v0=%04x:%016llx v1=%04x:%016llx i=%016llx bcd=%02x%02x sw=%04x",
                   h->v[0].se, (unsigned long long)h->v[0].mant, h->v[1].se,
                   (unsigned long long)h->v[1].mant, (unsigned long long)h->i, h->bcd[9],
                   h->bcd[7], h->sw & op->sw_mask);
    g_test_message("  mine v0=%04x:%016llx v1=%04x:%016llx i=%016llx bcd=%02x%02x sw=%04x",
                   m->v[0].se, (unsigned long long)m->v[0].mant, m->v[1].se,
                   (unsigned long long)m->v[1].mant, (unsigned long long)m->i, m->bcd[9],
                   m->bcd[7], m->sw & op->sw_mask);
}

/* Whether the outputs agree; *ulps gets the larger value distance. */
static bool outputs_agree(const Op *op, const Out *h, const Out *m, unsigned __int128 *ulps)
{
    uint16_t mask = op->sw_mask;
    *ulps = 0;
    for (int k = 0; k < 2; k++) {
        if (op->outs & (k ? OUT_V1 : OUT_V0)) {
            unsigned __int128 d = ulp_dist(h->v[k], m->v[k]);
            *ulps = d > *ulps ? d : *ulps;
        }
    }
    if (*ulps > (unsigned)op->ulps) {
        return false;
    }
    if (op->ulps) {     /* C1 follows the hardware's own internal result */
        mask &= (uint16_t)~SW_C1;
    }
    if ((op->outs & OUT_I) && h->i != m->i) {
        return false;
    }
    if ((op->outs & OUT_BCD) && memcmp(h->bcd, m->bcd, 10) != 0) {
        return false;
    }
    return ((h->sw ^ m->sw) & mask) == 0;
}

static void run_op(gconstpointer data)
{
    const Op *op = data;
    unsigned long bad = 0, inexact = 0;
    unsigned __int128 worst = 0;
    rng_state = seed ^ (uint64_t)g_str_hash(op->name);
    for (unsigned long n = 0; n < n_cases; n++) {
        Case c;
        Out h, m;
        memset(&c, 0, sizeof(c));
        memset(&h, 0, sizeof(h));
        memset(&m, 0, sizeof(m));
        op->gen(&c);
        op->host(&c, &h);
        op->mine(&c, &m);
        unsigned __int128 d;
        if (!outputs_agree(op, &h, &m, &d)) {
            if (bad++ < 12) {
                print_case(op, &c, &h, &m);
            }
        } else if (d) {
            inexact++;
            worst = d > worst ? d : worst;
        }
    }
    g_test_message("%s: %lu cases, %lu mismatches, %lu within %d ulp (max %u)", op->name,
                   n_cases, bad, inexact, op->ulps, (unsigned)worst);
    g_assert_cmpuint(bad, ==, 0);
}

int main(int argc, char **argv)
{
    const char *cases = getenv("WIRT_F80_CASES"), *s = getenv("WIRT_F80_SEED");
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    if (cases) {
        n_cases = strtoul(cases, NULL, 0);
    }
    if (s) {
        seed = strtoull(s, NULL, 0);
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/float80/%s", ops[i].name);
        g_test_add_data_func(path, &ops[i], run_op);
    }
    return g_test_run();
}

#else

int main(void)
{
    printf("1..0 # SKIP no x87 on this host\n");
    return 0;
}

#endif
