/*
 * Portable 80-bit extended-precision arithmetic, bit-exact with a P6-family x87.
 *
 * Follows Intel SDM vol. 1: 4.2 and 4.8 (the double extended-precision format, its
 * denormals, unsupported encodings and NaNs), 4.8.3.5 table 4-7 (NaN propagation), 4.9
 * (the six exceptions and their masked responses), 8.1.5 (precision and rounding control:
 * precision control narrows only FADD FSUB FMUL FDIV FSQRT, with the 15-bit exponent
 * range kept), 8.3.8 (the load-constant instructions, rounded per RC), 8.3.10 (the 66-bit
 * pi that FSIN FCOS FPTAN reduce their argument with), 8.5 (x87 exception
 * handling: the 24576 exponent bias adjust of unmasked overflow and underflow), and the
 * instruction pages of vol. 2 for the operand tables of FSCALE, FXTRACT, FPREM(1), FPATAN,
 * FYL2X(P1), F2XM1, FBSTP and FIST(T)P. Behaviour the manual leaves open was measured on
 * real x87 hardware by tests/test-float80.c and is noted where it is implemented.
 *
 * Only integer arithmetic: a value is unpacked into a sign, an unbiased exponent and a
 * 64- or 128-bit significand, and every result goes through one rounding routine. The
 * transcendentals use a 128-bit-significand software float ("Wide") for their series.
 */
#include "cpu/float80.h"

#define INT_BIT (1ull << 63)
#define QUIET_BIT (1ull << 62)
#define HALF (1ull << 63)
#define EXP_MIN (1 - F80_BIAS)      /* smallest normal unbiased exponent, -16382 */
#define EXP_MAX F80_BIAS            /* largest finite unbiased exponent, 16383 */
#define WRAP_ADJUST 24576           /* bias adjust of unmasked overflow/underflow */

const Float80 f80_indefinite = { 0xc000000000000000ull, 0xffff };

/* ---- 128-bit unsigned integers ------------------------------------------------------ */

typedef struct U128 {
    uint64_t hi, lo;
} U128;

static inline U128 u128(uint64_t hi, uint64_t lo)
{
    return (U128){ hi, lo };
}

static inline bool u128_zero(U128 a)
{
    return (a.hi | a.lo) == 0;
}

static int u128_cmp(U128 a, U128 b)
{
    if (a.hi != b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static U128 u128_add(U128 a, U128 b)
{
    U128 r = { a.hi + b.hi, a.lo + b.lo };
    r.hi += r.lo < a.lo;
    return r;
}

static U128 u128_sub(U128 a, U128 b)
{
    return u128(a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo);
}

static U128 u128_shl(U128 a, unsigned n)
{
    if (n == 0) {
        return a;
    }
    if (n >= 128) {
        return u128(0, 0);
    }
    if (n >= 64) {
        return u128(a.lo << (n - 64), 0);
    }
    return u128((a.hi << n) | (a.lo >> (64 - n)), a.lo << n);
}

static U128 u128_shr(U128 a, unsigned n)
{
    if (n == 0) {
        return a;
    }
    if (n >= 128) {
        return u128(0, 0);
    }
    if (n >= 64) {
        return u128(0, a.hi >> (n - 64));
    }
    return u128(a.hi >> n, (a.lo >> n) | (a.hi << (64 - n)));
}

/* Shift right, ORing every bit shifted out into bit 0 (the sticky bit). */
static U128 u128_shr_sticky(U128 a, unsigned n)
{
    U128 r = u128_shr(a, n);
    if (n >= 128 ? !u128_zero(a) : u128_cmp(u128_shl(r, n), a) != 0) {
        r.lo |= 1;
    }
    return r;
}

#if defined(__SIZEOF_INT128__) && !defined(F80_NO_INT128)
#define HAVE_HOST_U128 1
__extension__ typedef unsigned __int128 HostU128;     /* a fast path where the host has it */
#endif

static U128 u128_mul64(uint64_t a, uint64_t b)
{
#if defined(HAVE_HOST_U128)
    HostU128 p = (HostU128)a * b;
    return u128((uint64_t)(p >> 64), (uint64_t)p);
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    return u128(p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32), (mid << 32) | (uint32_t)p00);
#endif
}

/* n / d for n.hi < d: a 64-bit quotient and remainder. */
static uint64_t u128_div64(U128 n, uint64_t d, uint64_t *rem)
{
#if defined(HAVE_HOST_U128)
    HostU128 x = ((HostU128)n.hi << 64) | n.lo;
    *rem = (uint64_t)(x % d);
    return (uint64_t)(x / d);
#else
    uint64_t q = 0, r = n.hi;
    for (int i = 63; i >= 0; i--) {
        bool top = r >> 63;
        r = (r << 1) | ((n.lo >> i) & 1);
        q <<= 1;
        if (top || r >= d) {
            r -= d;
            q |= 1;
        }
    }
    *rem = r;
    return q;
#endif
}

static int clz64(uint64_t x)
{
#if defined(__GNUC__) && !defined(F80_NO_INT128)
    return x ? __builtin_clzll(x) : 64;
#else
    int n = 0;
    for (; n < 64 && !(x & INT_BIT); n++) {
        x <<= 1;
    }
    return n;
#endif
}

static int u128_clz(U128 a)
{
    return a.hi ? clz64(a.hi) : 64 + clz64(a.lo);
}

/* ---- encodings ---------------------------------------------------------------------- */

static inline int exp_of(Float80 a)
{
    return a.se & F80_EXP_MAX;
}

static inline Float80 make(bool sign, int exp, uint64_t mant)
{
    return (Float80){ mant, (uint16_t)((sign ? 0x8000 : 0) | exp) };
}

static inline Float80 make_inf(bool sign)
{
    return make(sign, F80_EXP_MAX, INT_BIT);
}

static inline bool is_unsupported(Float80 a)
{
    return exp_of(a) != 0 && !(a.mant & INT_BIT);
}

static inline bool is_nan(Float80 a)
{
    return exp_of(a) == F80_EXP_MAX && (a.mant & INT_BIT) && (a.mant << 1) != 0;
}

static inline bool is_inf(Float80 a)
{
    return exp_of(a) == F80_EXP_MAX && a.mant == INT_BIT;
}

static inline bool is_zero(Float80 a)
{
    return exp_of(a) == 0 && a.mant == 0;
}

static inline bool is_denormal(Float80 a)
{
    return exp_of(a) == 0 && a.mant != 0;
}

bool f80_is_signaling_nan(Float80 a)
{
    return is_nan(a) && !(a.mant & QUIET_BIT);
}

F80Class f80_classify(Float80 a)
{
    if (is_unsupported(a)) {
        return F80_UNSUPPORTED;
    }
    if (exp_of(a) == F80_EXP_MAX) {
        return is_inf(a) ? F80_INFINITY : F80_NAN;
    }
    if (exp_of(a) == 0) {
        return a.mant ? F80_DENORMAL : F80_ZERO;
    }
    return F80_NORMAL;
}

/* A finite nonzero value, normalised: sign * sig * 2^(e - 63), bit 63 of sig set. */
typedef struct Unp {
    bool sign;
    int32_t e;
    uint64_t sig;
} Unp;

static Unp unpack(Float80 a)
{
    int n = clz64(a.mant);
    int field = exp_of(a) ? exp_of(a) : 1;   /* pseudo-denormals count as exponent 1 */
    return (Unp){ f80_sign(a), field - F80_BIAS - n, a.mant << n };
}

/* ---- rounding ----------------------------------------------------------------------- */

static const uint8_t pc_bits[4] = { 24, 64, 53, 64 };

static inline void raise(F80Env *env, unsigned flags)
{
    env->flags |= (uint8_t)flags;
}

/* Whether a magnitude with low kept bit `kept` and discarded fraction `rest`
 * (left-justified in 128 bits) rounds away from zero. */
static bool round_up_p(bool sign, uint64_t kept, U128 rest, unsigned rc)
{
    if (u128_zero(rest)) {
        return false;
    }
    switch (rc & 3) {
    case F80_RC_NEAREST:
        return rest.hi > HALF || (rest.hi == HALF && (rest.lo || (kept & 1)));
    case F80_RC_DOWN:
        return sign;
    case F80_RC_UP:
        return !sign;
    default:
        return false;
    }
}

typedef struct Rounded {
    uint64_t sig;       /* top-aligned; bit 63 clear for a denormal (or zero) result */
    int32_t e;
    bool inexact, up;
} Rounded;

/* Rounds sign * sig * 2^(e - 127) (bit 127 of sig set) to `bits` significant bits,
 * denormalising first when e < emin. The significand may carry into e + 1. */
static Rounded round_core(bool sign, int32_t e, U128 sig, int bits, int32_t emin, unsigned rc)
{
    Rounded o;
    if (e < emin) {
        int64_t shift = (int64_t)emin - e;
        sig = u128_shr_sticky(sig, shift > 130 ? 130 : (unsigned)shift);
        e = emin;
    }
    U128 rest = u128_shl(sig, (unsigned)bits);
    uint64_t kept = sig.hi >> (64 - bits);
    o.inexact = !u128_zero(rest);
    o.up = round_up_p(sign, kept, rest, rc);
    kept += o.up;
    if (bits < 64 ? (kept >> bits) != 0 : (o.up && kept == 0)) {
        kept = 1ull << (bits - 1);
        e++;
    }
    o.sig = kept << (64 - bits);
    o.e = e;
    return o;
}

/* The masked response to overflow: infinity, or the largest finite value of `bits` bits
 * when the rounding direction points toward zero (SDM vol. 1, 4.9.1.4). */
static bool overflow_to_inf(bool sign, unsigned rc)
{
    switch (rc & 3) {
    case F80_RC_NEAREST: return true;
    case F80_RC_DOWN: return sign;
    case F80_RC_UP: return !sign;
    default: return false;
    }
}

static inline uint64_t max_sig(int bits)
{
    return ~0ull << (64 - bits);
}

/* Overflow (o.e > EXP_MAX): with OE unmasked the result with its exponent wrapped by
 * 24576, else the masked response. */
static Float80 overflow(bool sign, Rounded o, int bits, F80Env *env)
{
    bool unmasked = env->unmasked & F80_OE;
    if (unmasked && o.e - WRAP_ADJUST <= EXP_MAX) {
        raise(env, F80_OE | (o.inexact ? F80_PE : 0));
        env->rounded_up = o.up;
        return make(sign, o.e - WRAP_ADJUST + F80_BIAS, o.sig);
    }
    /* measured: beyond the reach of the bias adjust, unmasked overflow gives infinity */
    raise(env, F80_OE | F80_PE);
    env->rounded_up = unmasked || overflow_to_inf(sign, env->rc);
    return env->rounded_up ? make_inf(sign) : make(sign, F80_EXP_MAX - 1, max_sig(bits));
}

/* Unmasked underflow of u (rounded with an unbounded exponent): the exponent wrapped by
 * 24576; measured: beyond the reach of the bias adjust, a zero. */
static Float80 underflow_unmasked(bool sign, Rounded u, F80Env *env)
{
    if (u.e + WRAP_ADJUST < EXP_MIN) {
        raise(env, F80_UE | F80_PE);
        return make(sign, 0, 0);
    }
    raise(env, F80_UE | (u.inexact ? F80_PE : 0));
    env->rounded_up = u.up;
    return make(sign, u.e + WRAP_ADJUST + F80_BIAS, u.sig);
}

/*
 * Rounds sign * sig * 2^(e - 127) to an 80-bit register value with `bits` of precision,
 * raising PE, UE and OE. Tininess is detected after rounding (measured: a result that
 * rounds up to the smallest normal raises no UE), as if the exponent range were
 * unbounded; a masked tiny result is then denormalised and rounded again at the same bit
 * positions of the register, which precision control keeps fixed.
 */
static Float80 round_pack(bool sign, int32_t e, U128 sig, int bits, F80Env *env)
{
    int n = u128_clz(sig);
    if (n == 128) {
        return make(sign, 0, 0);
    }
    sig = u128_shl(sig, (unsigned)n);
    e -= n;
    Rounded u = round_core(sign, e, sig, bits, INT32_MIN / 2, env->rc);
    bool tiny = u.e < EXP_MIN;
    if (tiny && (env->unmasked & F80_UE)) {
        return underflow_unmasked(sign, u, env);
    }
    Rounded o = round_core(sign, e, sig, bits, EXP_MIN, env->rc);
    if (o.e > EXP_MAX) {
        return overflow(sign, o, bits, env);
    }
    if (o.inexact) {
        raise(env, F80_PE | (tiny ? F80_UE : 0));
    }
    env->rounded_up = o.up;
    return make(sign, (o.sig & INT_BIT) ? o.e + F80_BIAS : 0, o.sig);
}

static inline int env_bits(const F80Env *env)
{
    return pc_bits[env->pc & 3];
}

static Float80 pack_unp(Unp u, int bits, F80Env *env)
{
    return round_pack(u.sign, u.e, u128(u.sig, 0), bits, env);
}

/* ---- operand screening -------------------------------------------------------------- */

static Float80 invalid(F80Env *env)
{
    raise(env, F80_IE);
    return f80_indefinite;
}

static Float80 quiet(Float80 a, F80Env *env)
{
    if (f80_is_signaling_nan(a)) {
        raise(env, F80_IE);
    }
    a.mant |= QUIET_BIT;
    return a;
}

/* Table 4-7: of two NaNs the one with the larger significand wins, so a QNaN beats an
 * SNaN; a single NaN is passed on; an SNaN is quieted with IE. */
static Float80 pick_nan(Float80 a, Float80 b, F80Env *env)
{
    if (is_nan(a) && is_nan(b)) {
        quiet(a, env);
        quiet(b, env);
        uint64_t ma = a.mant, mb = b.mant;
        if (ma != mb) {
            return quiet(ma > mb ? a : b, env);
        }
        return quiet(f80_sign(a) ? b : a, env);
    }
    return quiet(is_nan(a) ? a : b, env);
}

/* Unsupported encodings and NaNs of a two-operand instruction; true when *res is set. */
static bool screen2(Float80 a, Float80 b, Float80 *res, F80Env *env)
{
    env->rounded_up = false;
    if (is_unsupported(a) || is_unsupported(b)) {
        *res = invalid(env);
        return true;
    }
    if (is_nan(a) || is_nan(b)) {
        *res = pick_nan(a, b, env);
        return true;
    }
    return false;
}

/* DE is raised once the operation is known not to be invalid or a division by zero. */
static void check_denormal(Float80 a, Float80 b, F80Env *env)
{
    if (is_denormal(a) || is_denormal(b)) {
        raise(env, F80_DE);
    }
}

static bool screen1(Float80 a, Float80 *res, F80Env *env)
{
    env->rounded_up = false;
    if (is_unsupported(a)) {
        *res = invalid(env);
        return true;
    }
    if (is_nan(a)) {
        *res = quiet(a, env);
        return true;
    }
    return false;
}

/* ---- add, subtract, multiply, divide, square root ----------------------------------- */

static Float80 add_finite(Unp x, Unp y, F80Env *env)
{
    if (x.e < y.e || (x.e == y.e && x.sig < y.sig)) {
        Unp t = x;
        x = y;
        y = t;
    }
    int64_t diff = (int64_t)x.e - y.e;
    U128 big = u128(x.sig, 0);
    U128 small = u128_shr_sticky(u128(y.sig, 0), diff > 130 ? 130 : (unsigned)diff);
    int32_t e = x.e;
    if (x.sign == y.sign) {
        U128 s = u128_add(big, small);
        if (s.hi < big.hi) {        /* carry out of bit 127 */
            s = u128_shr_sticky(s, 1);
            s.hi |= INT_BIT;
            e++;
        }
        return round_pack(x.sign, e, s, env_bits(env), env);
    }
    U128 d = u128_sub(big, small);
    if (u128_zero(d)) {
        return make(env->rc == F80_RC_DOWN, 0, 0);
    }
    return round_pack(x.sign, e, d, env_bits(env), env);
}

static Float80 add_sub(Float80 a, Float80 b, bool negate, F80Env *env)
{
    Float80 r;
    if (screen2(a, b, &r, env)) {
        return r;
    }
    bool sa = f80_sign(a), sb = f80_sign(b) ^ negate;
    if (is_inf(a) || is_inf(b)) {
        if (is_inf(a) && is_inf(b) && sa != sb) {
            return invalid(env);
        }
        check_denormal(a, b, env);
        return make_inf(is_inf(a) ? sa : sb);
    }
    check_denormal(a, b, env);
    if (is_zero(a) && is_zero(b)) {
        return make(sa == sb ? sa : env->rc == F80_RC_DOWN, 0, 0);
    }
    if (is_zero(b)) {
        return pack_unp(unpack(a), env_bits(env), env);
    }
    Unp y = unpack(b);
    y.sign = sb;
    if (is_zero(a)) {
        return pack_unp(y, env_bits(env), env);
    }
    return add_finite(unpack(a), y, env);
}

Float80 f80_add(Float80 a, Float80 b, F80Env *env)
{
    return add_sub(a, b, false, env);
}

Float80 f80_sub(Float80 a, Float80 b, F80Env *env)
{
    return add_sub(a, b, true, env);
}

Float80 f80_mul(Float80 a, Float80 b, F80Env *env)
{
    Float80 r;
    if (screen2(a, b, &r, env)) {
        return r;
    }
    bool sign = f80_sign(a) ^ f80_sign(b);
    if ((is_inf(a) || is_inf(b)) && (is_zero(a) || is_zero(b))) {
        return invalid(env);
    }
    check_denormal(a, b, env);
    if (is_inf(a) || is_inf(b)) {
        return make_inf(sign);
    }
    if (is_zero(a) || is_zero(b)) {
        return make(sign, 0, 0);
    }
    Unp x = unpack(a), y = unpack(b);
    return round_pack(sign, x.e + y.e + 1, u128_mul64(x.sig, y.sig), env_bits(env), env);
}

Float80 f80_div(Float80 a, Float80 b, F80Env *env)
{
    Float80 r;
    if (screen2(a, b, &r, env)) {
        return r;
    }
    bool sign = f80_sign(a) ^ f80_sign(b);
    if ((is_inf(a) && is_inf(b)) || (is_zero(a) && is_zero(b))) {
        return invalid(env);
    }
    if (is_zero(b) && !is_inf(a)) {
        raise(env, F80_ZE);
        return make_inf(sign);
    }
    check_denormal(a, b, env);
    if (is_inf(a) || is_inf(b)) {
        return is_inf(a) ? make_inf(sign) : make(sign, 0, 0);
    }
    if (is_zero(a)) {
        return make(sign, 0, 0);
    }
    Unp x = unpack(a), y = unpack(b);
    int32_t e = x.e - y.e - 1;
    U128 num = u128(x.sig, 0);
    if (x.sig >= y.sig) {
        num = u128_shr(num, 1);
        e++;
    }
    uint64_t rem, rem2;
    uint64_t q = u128_div64(num, y.sig, &rem);
    uint64_t q2 = u128_div64(u128(rem, 0), y.sig, &rem2);
    return round_pack(sign, e, u128(q, q2 | (rem2 != 0)), env_bits(env), env);
}

/* floor(sqrt(n)) for n < 2^128, and n minus its square. */
static uint64_t isqrt128(U128 n, U128 *rem)
{
    U128 root = u128(0, 0);
    U128 bit = u128(1ull << 62, 0);
    while (!u128_zero(bit)) {
        U128 trial = u128_add(root, bit);
        root = u128_shr(root, 1);
        if (u128_cmp(n, trial) >= 0) {
            n = u128_sub(n, trial);
            root = u128_add(root, bit);
        }
        bit = u128_shr(bit, 2);
    }
    *rem = n;
    return root.lo;
}

/* sqrt(sig * 2^(e - 63)) as a 128-bit significand with exponent; sticky in bit 0. */
static U128 sqrt_sig(Unp x, int32_t *e_out)
{
    int32_t e = x.e - 63;
    unsigned s = (e & 1) ? 63 : 64;   /* make e - s even */
    U128 rem;
    uint64_t root = isqrt128(u128_shl(u128(0, x.sig), s), &rem);
    *e_out = (e - (int32_t)s) / 2 + 63;
    /* the fraction past the root is above one half exactly when rem > root */
    uint64_t lo = u128_zero(rem) ? 0 : u128_cmp(rem, u128(0, root)) > 0 ? HALF | 1 : 1;
    return u128(root, lo);
}

Float80 f80_sqrt(Float80 a, F80Env *env)
{
    Float80 r;
    if (screen1(a, &r, env)) {
        return r;
    }
    if (f80_sign(a) && !is_zero(a)) {
        return invalid(env);
    }
    check_denormal(a, a, env);
    if (is_zero(a) || is_inf(a)) {
        return a;
    }
    int32_t e;
    U128 s = sqrt_sig(unpack(a), &e);
    return round_pack(false, e, s, env_bits(env), env);
}

/* ---- FRNDINT, FSCALE, FXTRACT ------------------------------------------------------- */

/* Splits |x| into an integer part and a left-justified fraction; x.e < 64. */
static uint64_t split_int(Unp x, U128 *frac)
{
    if (x.e < 0) {
        *frac = u128_shr_sticky(u128(x.sig, 0), (unsigned)(x.e < -130 ? 130 : -x.e - 1));
        return 0;
    }
    *frac = u128(x.e == 63 ? 0 : x.sig << (x.e + 1), 0);
    return x.e == 63 ? x.sig : x.sig >> (63 - x.e);
}

/* Rounds x to an integer magnitude per rc; *carry when it reached 2^64. */
static uint64_t round_int_mag(Unp x, unsigned rc, F80Env *env, bool *carry)
{
    U128 frac;
    uint64_t ip = split_int(x, &frac);
    bool up = round_up_p(x.sign, ip, frac, rc);
    *carry = up && ip == ~0ull;
    env->rounded_up = up;
    if (!u128_zero(frac)) {
        raise(env, F80_PE);
    }
    return ip + up;
}

Float80 f80_round_to_int(Float80 a, F80Env *env)
{
    Float80 r;
    if (screen1(a, &r, env)) {
        return r;
    }
    check_denormal(a, a, env);
    if (is_zero(a) || is_inf(a)) {
        return a;
    }
    Unp x = unpack(a);
    if (x.e >= 63) {
        return a;
    }
    bool carry;
    uint64_t m = round_int_mag(x, env->rc, env, &carry);
    if (m == 0) {
        return make(x.sign, 0, 0);
    }
    int n = clz64(m);
    return make(x.sign, 63 - n + F80_BIAS, m << n);
}

Float80 f80_from_int(int64_t v)
{
    if (v == 0) {
        return make(false, 0, 0);
    }
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    int n = clz64(m);
    return make(v < 0, 63 - n + F80_BIAS, m << n);
}

/* trunc(b) clamped to a range wide enough to overflow or underflow any operand. */
static int32_t scale_factor(Float80 b)
{
    if (is_zero(b) || is_denormal(b)) {
        return 0;
    }
    Unp y = unpack(b);
    int32_t n = y.e < 0 ? 0 : y.e > 20 ? 1 << 20 : (int32_t)(y.sig >> (63 - y.e));
    return y.sign ? -n : n;
}

Float80 f80_scale(Float80 a, Float80 b, F80Env *env)
{
    Float80 r;
    if (screen2(a, b, &r, env)) {
        return r;
    }
    if (is_inf(b)) {
        bool zero_out = f80_sign(b);
        if (zero_out ? is_inf(a) : is_zero(a)) {
            return invalid(env);
        }
        check_denormal(a, b, env);
        return is_zero(a) || is_inf(a) ? a : zero_out ? make(f80_sign(a), 0, 0)
                                                       : make_inf(f80_sign(a));
    }
    check_denormal(a, b, env);
    if (is_zero(a) || is_inf(a)) {
        return a;
    }
    if (is_zero(b)) {       /* measured: no underflow check; pseudo-denormals get exponent 1 */
        return exp_of(a) == 0 && (a.mant & INT_BIT) ? make(f80_sign(a), 1, a.mant) : a;
    }
    Unp x = unpack(a);
    return round_pack(x.sign, x.e + scale_factor(b), u128(x.sig, 0), 64, env);
}

void f80_extract(Float80 a, Float80 *exp, Float80 *sig, F80Env *env)
{
    Float80 r;
    if (screen1(a, &r, env)) {
        *exp = *sig = r;
        return;
    }
    check_denormal(a, a, env);
    if (is_zero(a)) {
        raise(env, F80_ZE);
        *exp = make_inf(true);
        *sig = a;
        return;
    }
    if (is_inf(a)) {
        *exp = make_inf(false);
        *sig = a;
        return;
    }
    Unp x = unpack(a);
    *exp = f80_from_int(x.e);
    *sig = make(x.sign, F80_BIAS, x.sig);
}

/* ---- FPREM, FPREM1 ------------------------------------------------------------------ */

/* (sig_a * 2^steps) mod sig_b by shift and subtract, with the low quotient bits. */
static uint64_t rem_steps(uint64_t r, uint64_t d, int steps, uint64_t *q)
{
    *q = r >= d;
    if (*q) {
        r -= d;
    }
    for (int i = 0; i < steps; i++) {
        bool top = r >> 63;
        r <<= 1;
        *q <<= 1;
        if (top || r >= d) {
            r -= d;
            *q |= 1;
        }
    }
    return r;
}

/* FPREM1's rounding of the quotient to nearest (even on a tie): r becomes d - r. */
static void rem_round_nearest(uint64_t *r, uint64_t d, uint64_t *q, bool *sign)
{
    int c = u128_cmp(u128_shl(u128(0, *r), 1), u128(0, d));
    if (c > 0 || (c == 0 && (*q & 1))) {
        *r = d - *r;
        ++*q;
        *sign = !*sign;
    }
}

/*
 * The partial remainder of two finite nonzero values. With an exponent difference d of 64
 * or more, one call reduces it by n = 32 + (d - 32) mod 32 (measured), which leaves a
 * multiple of 32, and sets C2; the quotient bits then read as zero (measured).
 */
static Float80 rem_finite(Unp x, Unp y, bool ieee, unsigned *qbits, bool *incomplete,
                          F80Env *env)
{
    int32_t d = x.e - y.e;
    uint64_t q = 0, r;
    int32_t e = y.e;                  /* r is an integer in units of 2^(e - 63) */
    bool sign = x.sign;
    if (d >= 64) {
        int n = 32 + (d - 32) % 32;
        *incomplete = true;
        r = rem_steps(x.sig, y.sig, n, &q);
        e = x.e - n;
        q = 0;
    } else if (d >= 0) {
        r = rem_steps(x.sig, y.sig, d, &q);
        if (ieee) {
            rem_round_nearest(&r, y.sig, &q, &sign);
        }
    } else if (ieee && d == -1 && x.sig > y.sig) {
        /* |a| > |b| / 2: quotient 1; 2 * y.sig - x.sig < 2^64 even though 2 * y.sig wraps */
        r = 2 * y.sig - x.sig;
        q = 1;
        sign = !sign;
        e = y.e - 1;
    } else {
        return pack_unp(x, 64, env);
    }
    *qbits = (unsigned)(q & 7);
    if (r == 0) {
        return make(x.sign, 0, 0);
    }
    return round_pack(sign, e + 64, u128(0, r), 64, env);
}

Float80 f80_rem(Float80 a, Float80 b, bool ieee, unsigned *quotient_bits, bool *incomplete,
                F80Env *env)
{
    Float80 r;
    *quotient_bits = 0;
    *incomplete = false;
    if (screen2(a, b, &r, env)) {
        return r;
    }
    if (is_inf(a) || is_zero(b)) {
        return invalid(env);
    }
    check_denormal(a, b, env);
    if (is_zero(a) || is_inf(b)) {
        return a;
    }
    return rem_finite(unpack(a), unpack(b), ieee, quotient_bits, incomplete, env);
}

/* ---- comparison --------------------------------------------------------------------- */

static int mag_cmp(Float80 a, Float80 b)
{
    if (is_zero(a) || is_zero(b)) {
        return is_zero(a) ? -!is_zero(b) : 1;
    }
    if (is_inf(a) || is_inf(b)) {
        return is_inf(a) - is_inf(b);
    }
    Unp x = unpack(a), y = unpack(b);
    if (x.e != y.e) {
        return x.e < y.e ? -1 : 1;
    }
    return x.sig < y.sig ? -1 : x.sig > y.sig;
}

F80Order f80_compare(Float80 a, Float80 b, bool quiet_cmp, F80Env *env)
{
    env->rounded_up = false;
    if (is_unsupported(a) || is_unsupported(b)) {
        raise(env, F80_IE);
        return F80_UNORDERED;
    }
    if (is_nan(a) || is_nan(b)) {
        if (!quiet_cmp || f80_is_signaling_nan(a) || f80_is_signaling_nan(b)) {
            raise(env, F80_IE);
        }
        return F80_UNORDERED;
    }
    if (is_denormal(a) || is_denormal(b)) {
        raise(env, F80_DE);
    }
    if (is_zero(a) && is_zero(b)) {
        return F80_EQUAL;
    }
    if (f80_sign(a) != f80_sign(b)) {
        return f80_sign(a) ? F80_LESS : F80_GREATER;
    }
    int c = mag_cmp(a, b);
    if (f80_sign(a)) {
        c = -c;
    }
    return c < 0 ? F80_LESS : c > 0 ? F80_GREATER : F80_EQUAL;
}

/* ---- integers and packed BCD -------------------------------------------------------- */

/* Rounds a to an integer of magnitude at most `limit` (per rc); false when out of range
 * or not a number (the caller stores its indefinite with IE). */
static bool to_integer(Float80 a, uint64_t limit_pos, uint64_t limit_neg, unsigned rc,
                       uint64_t *mag, F80Env *env)
{
    env->rounded_up = false;
    *mag = 0;
    if (is_unsupported(a) || exp_of(a) == F80_EXP_MAX) {
        return false;
    }
    if (is_zero(a)) {
        return true;
    }
    Unp x = unpack(a);      /* measured: stores raise no DE for a denormal */
    if (x.e >= 64) {
        return false;
    }
    F80Env tmp = *env;
    bool carry;
    uint64_t m = round_int_mag(x, rc, &tmp, &carry);
    if (carry || m > (x.sign ? limit_neg : limit_pos)) {
        return false;
    }
    *env = tmp;
    *mag = m;
    return true;
}

int64_t f80_to_int(Float80 a, unsigned bits, bool truncate, F80Env *env)
{
    uint64_t lim = 1ull << (bits - 1), mag;
    if (!to_integer(a, lim - 1, lim, truncate ? F80_RC_ZERO : env->rc, &mag, env)) {
        raise(env, F80_IE);
        return (int64_t)(0 - lim);
    }
    return f80_sign(a) ? (int64_t)(0 - mag) : (int64_t)mag;
}

#define BCD_MAX 999999999999999999ull

Float80 f80_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--) {
        v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    }
    Float80 r = f80_from_int((int64_t)v);
    if (bcd[9] & 0x80) {
        r.se |= 0x8000;
    }
    return r;
}

void f80_to_bcd(Float80 a, uint8_t bcd[10], F80Env *env)
{
    uint64_t mag;
    if (!to_integer(a, BCD_MAX, BCD_MAX, env->rc, &mag, env)) {
        static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
        raise(env, F80_IE);
        for (int i = 0; i < 10; i++) {
            bcd[i] = indefinite[i];
        }
        return;
    }
    for (int i = 0; i < 9; i++) {
        bcd[i] = (uint8_t)((mag % 10) | ((mag / 10 % 10) << 4));
        mag /= 100;
    }
    bcd[9] = f80_sign(a) ? 0x80 : 0;
}

/* ---- float32 and float64 ------------------------------------------------------------ */

typedef struct BinFmt {
    int frac_bits;      /* stored fraction bits: 23 or 52 */
    int exp_bits;       /* 8 or 11 */
} BinFmt;

static const BinFmt fmt32 = { 23, 8 }, fmt64 = { 52, 11 };

static Float80 from_bin(uint64_t v, const BinFmt *f, F80Env *env)
{
    int bias = (1 << (f->exp_bits - 1)) - 1, emax = (1 << f->exp_bits) - 1;
    bool sign = (v >> (f->frac_bits + f->exp_bits)) & 1;
    int field = (int)((v >> f->frac_bits) & (uint64_t)emax);
    uint64_t frac = v & ((1ull << f->frac_bits) - 1);
    uint64_t mant = frac << (63 - f->frac_bits);
    env->rounded_up = false;
    if (field == emax) {
        Float80 r = make(sign, F80_EXP_MAX, INT_BIT | mant);
        return frac ? quiet(r, env) : r;
    }
    if (field == 0) {
        if (frac == 0) {
            return make(sign, 0, 0);
        }
        raise(env, F80_DE);
        int n = clz64(mant);
        return make(sign, 1 - bias - n + F80_BIAS, mant << n);
    }
    return make(sign, field - bias + F80_BIAS, INT_BIT | mant);
}

Float80 f80_from_f32(uint32_t v, F80Env *env)
{
    return from_bin(v, &fmt32, env);
}

Float80 f80_from_f64(uint64_t v, F80Env *env)
{
    return from_bin(v, &fmt64, env);
}

/* The float32/64 encoding of a non-finite or zero a (IE for SNaNs and unsupported
 * encodings); false for finite nonzero values. */
static bool bin_special(Float80 a, const BinFmt *f, uint64_t *out, F80Env *env)
{
    uint64_t emax = (1ull << f->exp_bits) - 1, frac_mask = (1ull << f->frac_bits) - 1;
    uint64_t sign = (uint64_t)f80_sign(a) << (f->frac_bits + f->exp_bits);
    if (is_unsupported(a)) {
        a = invalid(env);
        sign = (uint64_t)1 << (f->frac_bits + f->exp_bits);
    }
    if (is_nan(a)) {
        a = quiet(a, env);
        *out = sign | (emax << f->frac_bits) | ((a.mant >> (63 - f->frac_bits)) & frac_mask);
    } else if (is_inf(a) || is_zero(a)) {
        *out = sign | (is_inf(a) ? emax << f->frac_bits : 0);
    } else {
        return false;
    }
    return true;
}

/* FST m32/m64: round to the format's precision and exponent range, tininess after
 * rounding as for the register format. */
static uint64_t to_bin(Float80 a, const BinFmt *f, F80Env *env)
{
    int bias = (1 << (f->exp_bits - 1)) - 1, bits = f->frac_bits + 1;
    uint64_t inf = ((1ull << f->exp_bits) - 1) << f->frac_bits, out;
    env->rounded_up = false;
    if (bin_special(a, f, &out, env)) {
        return out;
    }
    Unp x = unpack(a);
    uint64_t sign = (uint64_t)x.sign << (f->frac_bits + f->exp_bits);
    bool tiny = round_core(x.sign, x.e, u128(x.sig, 0), bits, INT32_MIN / 2, env->rc).e
                < 1 - bias;
    Rounded o = round_core(x.sign, x.e, u128(x.sig, 0), bits, 1 - bias, env->rc);
    if (o.e > bias) {
        raise(env, F80_OE | F80_PE);
        env->rounded_up = overflow_to_inf(x.sign, env->rc);
        return sign | (env->rounded_up ? inf : inf - 1);
    }
    if (o.inexact) {
        raise(env, F80_PE | (tiny ? F80_UE : 0));
    }
    env->rounded_up = o.up;
    uint64_t field = (o.sig & INT_BIT) ? (uint64_t)(o.e + bias) : 0;
    return sign | (field << f->frac_bits) | ((o.sig << 1) >> (64 - f->frac_bits));
}

uint32_t f80_to_f32(Float80 a, F80Env *env)
{
    return (uint32_t)to_bin(a, &fmt32, env);
}

uint64_t f80_to_f64(Float80 a, F80Env *env)
{
    return to_bin(a, &fmt64, env);
}

/* ---- constants ---------------------------------------------------------------------- */

/*
 * The constants to 128 bits (sig * 2^(e - 127)). A P6 keeps 66 bits and rounds them per RC;
 * for round to nearest it gives the correctly rounded value (measured: FLDLG2, whose 66-bit
 * form ends exactly halfway, rounds up). None of the five has 00 in bits 65-66, so the
 * directed roundings of the 66-bit and the exact constants agree, and the 128-bit value
 * serves for all four modes. No flags, and C1 stays clear.
 */
static const struct {
    int32_t e;
    uint64_t hi, lo;
} const_tab[] = {
    [F80_ONE] = { 0, INT_BIT, 0 },
    [F80_L2T] = { 1, 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull },
    [F80_L2E] = { 0, 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull },
    [F80_PI] = { 1, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull },
    [F80_LG2] = { -2, 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull },
    [F80_LN2] = { -1, 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull },
    [F80_ZERO_C] = { 0, 0, 0 },
};

Float80 f80_const(F80Const c, const F80Env *env)
{
    if (c == F80_ZERO_C) {
        return make(false, 0, 0);
    }
    F80Env tmp = *env;
    U128 sig = u128(const_tab[c].hi, const_tab[c].lo);
    return round_pack(false, const_tab[c].e, sig, 64, &tmp);
}


/* ---- a 128-bit software float for the transcendentals ------------------------------- */

/* sign * m * 2^(e - 127), m normalised (bit 127 set), or zero when m is. Each operation
 * truncates to 128 bits, keeping a sticky bit so that a term too small to show still
 * moves the result in its direction. */
typedef struct Wide {
    bool sign;
    int32_t e;
    U128 m;
} Wide;

static Wide w_norm(bool sign, int32_t e, U128 m)
{
    int n = u128_clz(m);
    if (n == 128) {
        return (Wide){ sign, 0, m };
    }
    return (Wide){ sign, e - n, u128_shl(m, (unsigned)n) };
}

static inline bool w_zero(Wide a)
{
    return u128_zero(a.m);
}

static Wide w_from_f80(Float80 a)
{
    if (is_zero(a)) {
        return (Wide){ f80_sign(a), 0, u128(0, 0) };
    }
    Unp x = unpack(a);
    return (Wide){ x.sign, x.e, u128(x.sig, 0) };
}

static Wide w_from_int(int64_t v)
{
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return w_norm(v < 0, 127, u128(0, m));
}

static Wide w_const(F80Const c)
{
    return (Wide){ false, const_tab[c].e, u128(const_tab[c].hi, const_tab[c].lo) };
}

static Wide w_neg(Wide a)
{
    a.sign = !a.sign;
    return a;
}

static Wide w_ldexp(Wide a, int32_t n)
{
    a.e += n;
    return a;
}

static Wide w_add(Wide a, Wide b)
{
    if (w_zero(a) || w_zero(b)) {
        return w_zero(a) ? b : a;
    }
    if (a.e < b.e || (a.e == b.e && u128_cmp(a.m, b.m) < 0)) {
        Wide t = a;
        a = b;
        b = t;
    }
    int64_t d = (int64_t)a.e - b.e;
    U128 small = u128_shr_sticky(b.m, d > 130 ? 130 : (unsigned)d);
    if (a.sign != b.sign) {
        return w_norm(a.sign, a.e, u128_sub(a.m, small));
    }
    U128 s = u128_add(a.m, small);
    if (s.hi < a.m.hi) {
        s = u128_shr_sticky(s, 1);
        s.hi |= INT_BIT;
        return (Wide){ a.sign, a.e + 1, s };
    }
    return (Wide){ a.sign, a.e, s };
}

static Wide w_sub(Wide a, Wide b)
{
    return w_add(a, w_neg(b));
}

static Wide w_mul(Wide a, Wide b)
{
    if (w_zero(a) || w_zero(b)) {
        return (Wide){ a.sign ^ b.sign, 0, u128(0, 0) };
    }
    U128 hh = u128_mul64(a.m.hi, b.m.hi), hl = u128_mul64(a.m.hi, b.m.lo);
    U128 lh = u128_mul64(a.m.lo, b.m.hi), ll = u128_mul64(a.m.lo, b.m.lo);
    U128 mid = u128_add(u128(0, hl.hi), u128(0, lh.hi));
    U128 low = u128_add(u128(0, hl.lo), u128(0, lh.lo));
    low = u128_add(low, u128(0, ll.hi));
    U128 top = u128_add(hh, mid);
    top = u128_add(top, u128(0, low.hi));
    if (low.lo | ll.lo) {
        top.lo |= 1;
    }
    return w_norm(a.sign ^ b.sign, a.e + b.e + 1, top);
}

/* a / b by restoring division, 128 quotient bits and a sticky bit. */
static Wide w_div(Wide a, Wide b)
{
    if (w_zero(a)) {
        return (Wide){ a.sign ^ b.sign, 0, u128(0, 0) };
    }
    U128 r = a.m, q = u128(0, 0);
    int32_t e = a.e - b.e;
    int steps = 127;
    if (u128_cmp(r, b.m) < 0) {
        e--;
        steps = 128;
    } else {
        r = u128_sub(r, b.m);
        q.lo = 1;
    }
    for (int i = 0; i < steps; i++) {
        bool top = r.hi >> 63;
        r = u128_shl(r, 1);
        q = u128_shl(q, 1);
        if (top || u128_cmp(r, b.m) >= 0) {
            r = u128_sub(r, b.m);
            q.lo |= 1;
        }
    }
    if (!u128_zero(r)) {
        q.lo |= 1;
    }
    return (Wide){ a.sign ^ b.sign, e, q };
}

static Wide w_div_small(Wide a, uint32_t d)
{
    uint64_t r1, r2, r3;
    uint64_t q1 = u128_div64(u128(0, a.m.hi), d, &r1);
    uint64_t q2 = u128_div64(u128(r1, a.m.lo), d, &r2);
    uint64_t q3 = u128_div64(u128(r2, 0), d, &r3);
    int n = clz64(q1);      /* the quotient is at least 2^(127 - 32) */
    U128 m = u128_add(u128_shl(u128(q1, q2), (unsigned)n), u128_shr(u128(0, q3), 64 - n));
    if (r3 || (n < 64 && (q3 << n))) {
        m.lo |= 1;
    }
    return (Wide){ a.sign, a.e - n, m };
}

/* sqrt(a), a > 0: the 64-bit integer root, then one Newton step. */
static Wide w_sqrt(Wide a)
{
    unsigned s = (a.e & 1) ? 0 : 1;     /* the root of m * 2^(e - 127) has an even exponent */
    U128 rem;
    uint64_t r0 = isqrt128(u128_shr(a.m, s), &rem);
    Wide y = w_norm(false, (a.e - 127 + (int32_t)s) / 2 + 127, u128(0, r0));
    return w_ldexp(w_add(y, w_div(a, y)), -1);
}

/*
 * Rounds a transcendental result to 64 bits per env (precision control does not apply).
 * Such a result of a non-special operand is irrational, hence inexact even when its 128-bit
 * approximation happens to fit in 64 bits: PE always, and UE when it is tiny.
 */
static Float80 w_round(Wide a, F80Env *env)
{
    Float80 r = round_pack(a.sign, a.e, a.m, 64, env);
    raise(env, F80_PE | (exp_of(r) == 0 ? F80_UE : 0));
    return r;
}

/*
 * Adds a term to the tail of a series (every term after the first); false once the term
 * is below one unit of the tail. The caller adds the first term last, in one rounding
 * w_add, so that a tail far below the last bit of the first term still leans the result
 * the right way (and makes it inexact) instead of being lost in the noise of the sum.
 */
static bool w_accumulate(Wide *tail, Wide term)
{
    bool small = w_zero(term) || (!w_zero(*tail) && term.e <= tail->e - 128);
    *tail = w_add(*tail, term);
    return !small;
}

static const Wide w_zero_value = { false, 0, { 0, 0 } };

/* ---- sine, cosine, tangent ---------------------------------------------------------- */

/* The Taylor series of sin (odd = true) or cos about 0 less its first term (r or 1), for
 * |r| <= pi/4. */
static Wide w_sincos_tail(Wide r, bool odd)
{
    Wide r2 = w_mul(r, r);
    Wide term = odd ? r : w_from_int(1), tail = w_zero_value;
    for (uint32_t n = odd ? 2 : 1; n < 80; n += 2) {
        term = w_div_small(w_mul(term, r2), n * (n + 1));
        term.sign = !term.sign;
        if (!w_accumulate(&tail, term)) {
            break;
        }
    }
    return tail;
}

/* pi/2 as the x87 reduces with it: pi rounded to 66 bits (SDM vol. 1, 8.3.10), in units of
 * 2^-65. */
static const U128 half_pi66 = { 0x3ull, 0x243f6a8885a308d3ull };

/* n / d by shift and subtract. */
static U128 u128_divmod(U128 n, U128 d, U128 *rem)
{
    U128 q = u128(0, 0), r = u128(0, 0);
    for (int i = 127; i >= 0; i--) {
        r = u128_shl(r, 1);
        r.lo |= (i >= 64 ? n.hi >> (i - 64) : n.lo >> i) & 1;
        q = u128_shl(q, 1);
        if (u128_cmp(r, d) >= 0) {
            r = u128_sub(r, d);
            q.lo |= 1;
        }
    }
    *rem = r;
    return q;
}

/* x = k * pi66/2 + r with |r| <= pi66/4, exactly; returns r and sets *quadrant = k mod 4.
 * a is finite, nonzero, and below 2^63 in magnitude. */
static Wide reduce_pi2(Float80 a, unsigned *quadrant)
{
    Unp x = unpack(a);
    *quadrant = 0;
    if (x.e < -1) {
        return w_from_f80(a);
    }
    U128 X = u128_shl(u128(0, x.sig), (unsigned)(x.e + 2)), rem;   /* |x| * 2^65 */
    U128 k = u128_divmod(X, half_pi66, &rem);
    bool neg = false;
    if (u128_cmp(u128_shl(rem, 1), half_pi66) > 0) {
        k = u128_add(k, u128(0, 1));
        rem = u128_sub(half_pi66, rem);
        neg = true;
    }
    *quadrant = (unsigned)(x.sign ? 0 - k.lo : k.lo) & 3;
    return w_norm(x.sign ^ neg, 127 - 65, rem);
}

typedef enum { TRIG_SIN, TRIG_COS, TRIG_TAN } TrigKind;

/* x itself as an inexact result (PE): a pseudo-denormal gets exponent 1, and a denormal
 * underflows (wrapped when UE is unmasked). */
static Float80 tiny_identity(Float80 a, F80Env *env)
{
    if (exp_of(a) == 0 && !(a.mant & INT_BIT)) {
        Unp x = unpack(a);
        raise(env, F80_UE | F80_PE);
        return env->unmasked & F80_UE ? make(x.sign, x.e + WRAP_ADJUST + F80_BIAS, x.sig) : a;
    }
    raise(env, F80_PE);
    return exp_of(a) ? a : make(f80_sign(a), 1, a.mant);
}

/* The operands FSIN FCOS FPTAN do not compute; true when *res is set. */
static bool trig_special(Float80 a, TrigKind kind, bool *out_of_range, Float80 *res,
                         F80Env *env)
{
    if (screen1(a, res, env)) {
        return true;
    }
    if (is_inf(a)) {
        *res = invalid(env);
        return true;
    }
    check_denormal(a, a, env);
    int32_t e = is_zero(a) ? INT32_MIN : unpack(a).e;
    if (e >= 63) {
        *out_of_range = true;
        *res = a;
    } else if (kind == TRIG_COS && e < -68) {
        if (!is_zero(a)) {
            raise(env, F80_PE);
        }
        *res = make(false, F80_BIAS, INT_BIT);
    } else if (is_zero(a)) {
        *res = a;
    } else if (e < -68) {
        /* measured: below 2^-68 the result is x (1 for the cosine) with PE whatever the
         * rounding mode, and C1 clear */
        *res = tiny_identity(a, env);
    } else {
        return false;
    }
    return true;
}

/* sin, cos or tan of x = k * pi66/2 + r with k mod 4 = q. */
static Wide trig_value(Wide r, unsigned q, TrigKind kind)
{
    Wide s_tail = w_sincos_tail(r, true), c_tail = w_sincos_tail(r, false), v;
    Wide s = w_add(r, s_tail), c = w_add(w_from_int(1), c_tail);
    switch (kind) {
    case TRIG_SIN:
        v = q & 1 ? c : s;
        v.sign ^= (q & 2) != 0;
        return v;
    case TRIG_COS:
        v = q & 1 ? s : c;
        v.sign ^= ((q + 1) & 2) != 0;
        return v;
    default:
        if (q & 1) {
            return w_neg(w_div(c, s));
        }
        /* tan r = r + (s - r c) / c, with s - r c formed from the tails to keep its bits */
        return w_add(r, w_div(w_sub(s_tail, w_mul(r, c_tail)), c));
    }
}

static Float80 trig(Float80 a, TrigKind kind, bool *out_of_range, F80Env *env)
{
    Float80 r;
    *out_of_range = false;
    if (trig_special(a, kind, out_of_range, &r, env)) {
        return r;
    }
    unsigned q;
    Wide x = reduce_pi2(a, &q);
    return w_round(trig_value(x, q, kind), env);
}

Float80 f80_sin(Float80 a, bool *out_of_range, F80Env *env)
{
    return trig(a, TRIG_SIN, out_of_range, env);
}

Float80 f80_cos(Float80 a, bool *out_of_range, F80Env *env)
{
    return trig(a, TRIG_COS, out_of_range, env);
}

Float80 f80_tan(Float80 a, bool *out_of_range, F80Env *env)
{
    return trig(a, TRIG_TAN, out_of_range, env);
}

/* ---- arctangent --------------------------------------------------------------------- */

/* atan(t) for 0 <= t <= 1: up to three argument halvings t / (1 + sqrt(1 + t^2)) bring t
 * below 1/16, then the Taylor series. */
static Wide w_atan_unit(Wide t)
{
    Wide one = w_from_int(1);
    int halvings = 0;
    for (; halvings < 3 && t.e >= -4; halvings++) {
        t = w_div(t, w_add(one, w_sqrt(w_add(one, w_mul(t, t)))));
    }
    Wide t2 = w_mul(t, t), pow = t, tail = w_zero_value;
    for (uint32_t n = 3; n < 200; n += 2) {
        pow = w_neg(w_mul(pow, t2));
        if (!w_accumulate(&tail, w_div_small(pow, n))) {
            break;
        }
    }
    return w_ldexp(w_add(t, tail), halvings);
}

/* An angle, a multiple of pi/4, rounded per RC with PE. */
static Float80 pi_multiple(bool sign, int quarters, F80Env *env)
{
    Wide v = w_div_small(w_mul(w_const(F80_PI), w_from_int(quarters)), 4);
    v.sign = sign;
    return w_round(v, env);
}

/* FPATAN's special operands (SDM vol. 2, FPATAN table); true when *res is set. */
static bool atan_special(Float80 y, Float80 x, Float80 *res, F80Env *env)
{
    bool sy = f80_sign(y), sx = f80_sign(x);
    if (is_inf(y)) {
        *res = pi_multiple(sy, is_inf(x) ? (sx ? 3 : 1) : 2, env);
    } else if (is_zero(y)) {
        *res = sx ? pi_multiple(sy, 4, env) : make(sy, 0, 0);
    } else if (is_inf(x)) {
        *res = sx ? pi_multiple(sy, 4, env) : make(sy, 0, 0);
    } else if (is_zero(x)) {
        *res = pi_multiple(sy, 2, env);
    } else {
        return false;
    }
    return true;
}

Float80 f80_atan2(Float80 y, Float80 x, F80Env *env)
{
    Float80 r;
    if (screen2(y, x, &r, env)) {
        return r;
    }
    check_denormal(y, x, env);
    if (atan_special(y, x, &r, env)) {
        return r;
    }
    Wide wy = w_from_f80(y), wx = w_from_f80(x);
    wy.sign = wx.sign = false;
    bool swap = wy.e > wx.e || (wy.e == wx.e && u128_cmp(wy.m, wx.m) > 0);
    Wide t = swap ? w_div(wx, wy) : w_div(wy, wx);
    /* measured: as for FSIN, a quotient below 2^-68 is the result itself (so one that is
     * exactly the smallest normal does not underflow) */
    Wide v = t.e < -68 ? t : w_atan_unit(t);
    Wide half_pi = w_ldexp(w_const(F80_PI), -1);
    if (swap) {
        v = w_sub(half_pi, v);
    }
    if (f80_sign(x)) {
        v = w_sub(w_ldexp(half_pi, 1), v);
    }
    v.sign = f80_sign(y);
    return w_round(v, env);
}

/* ---- exponential and logarithms ----------------------------------------------------- */

/* e^z - 1 by its Taylor series; |z| below about 1. */
static Wide w_expm1(Wide z)
{
    Wide term = z, tail = w_zero_value;
    for (uint32_t n = 2; n < 200; n++) {
        term = w_div_small(w_mul(term, z), n);
        if (!w_accumulate(&tail, term)) {
            break;
        }
    }
    return w_add(z, tail);
}

Float80 f80_2xm1(Float80 a, F80Env *env)
{
    Float80 r;
    if (screen1(a, &r, env)) {
        return r;
    }
    check_denormal(a, a, env);
    if (is_zero(a)) {
        return a;
    }
    if (is_inf(a)) {
        return f80_sign(a) ? make(true, F80_BIAS, INT_BIT) : a;
    }
    Unp x = unpack(a);
    if (x.e >= 0) {
        /* defined for |x| <= 1 only; measured: beyond, the operand is left with PE */
        raise(env, F80_PE);
        bool one = x.e == 0 && x.sig == INT_BIT;
        return one && x.sign ? make(true, F80_BIAS - 1, INT_BIT) : a;
    }
    return w_round(w_expm1(w_mul(w_from_f80(a), w_const(F80_LN2))), env);
}

/* 2 * atanh(s) = ln((1 + s) / (1 - s)) by its series; |s| small. */
static Wide w_atanh2(Wide s)
{
    Wide s2 = w_mul(s, s), pow = s, tail = w_zero_value;
    for (uint32_t n = 3; n < 400; n += 2) {
        pow = w_mul(pow, s2);
        if (!w_accumulate(&tail, w_div_small(pow, n))) {
            break;
        }
    }
    return w_ldexp(w_add(s, tail), 1);
}

/* log2(v) for v > 0: the exponent plus ln(m) / ln 2 with m in [sqrt(1/2), sqrt(2)). */
static Wide w_log2(Wide v)
{
    int32_t k = v.e;
    v.e = 0;
    if (v.m.hi > 0xb504f333f9de6484ull) {   /* m > sqrt(2) */
        v.e = -1;
        k++;
    }
    Wide one = w_from_int(1);
    Wide s = w_div(w_sub(v, one), w_add(v, one));
    Wide ln_m = w_atanh2(s);
    return w_add(w_from_int(k), w_mul(ln_m, w_const(F80_L2E)));
}

/* y * log2(x) rounded once. Measured: PE (and UE for a denormal result) even when log2(x)
 * is an integer and the product exact, as w_round gives. */
static Float80 mul_log(Float80 y, Wide lg, F80Env *env)
{
    return w_round(w_mul(w_from_f80(y), lg), env);
}

/* FYL2X's special operands (SDM vol. 2, FYL2X table); true when *res is set. */
static bool yl2x_special(Float80 y, Float80 x, F80Env *env, Float80 *res)
{
    bool sy = f80_sign(y);
    if (f80_sign(x) && !is_zero(x)) {
        *res = invalid(env);
        return true;
    }
    int lg_sign = is_zero(x) ? -1 : is_inf(x) ? 1 : mag_cmp(x, make(false, F80_BIAS, INT_BIT));
    if (is_zero(x) || is_inf(x)) {          /* log2 is -inf or +inf */
        if (is_zero(y)) {
            *res = invalid(env);
            return true;
        }
        if (is_zero(x) && !is_inf(y)) {
            raise(env, F80_ZE);
        } else {
            check_denormal(y, x, env);
        }
        *res = make_inf(sy ^ (lg_sign < 0));
        return true;
    }
    if (is_inf(y)) {
        if (lg_sign == 0) {
            *res = invalid(env);
            return true;
        }
        check_denormal(y, x, env);
        *res = make_inf(sy ^ (lg_sign < 0));
        return true;
    }
    check_denormal(y, x, env);
    if (is_zero(y) || lg_sign == 0) {
        *res = make(sy ^ (lg_sign < 0), 0, 0);
        return true;
    }
    return false;
}

Float80 f80_yl2x(Float80 y, Float80 x, F80Env *env)
{
    Float80 r;
    if (screen2(y, x, &r, env)) {
        return r;
    }
    if (yl2x_special(y, x, env, &r)) {
        return r;
    }
    Wide lg = w_log2(w_from_f80(x));
    if (lg.sign && lg.e >= 0 && lg.e < 127 && u128_zero(u128_shl(lg.m, (unsigned)lg.e + 1))) {
        /* measured: log2(2^k) for k < 0 comes out a hair short of k (for k > 0 exact), as
         * the last bit of a product with an exact result shows in the directed modes */
        lg = w_add(lg, (Wide){ false, lg.e - 200, u128(INT_BIT, 0) });
    }
    return mul_log(y, lg, env);
}

/* FYL2XP1's special operands, and those outside the defined range (|x| < 1 - sqrt(2)/2)
 * where 1 + x <= 0 or x is infinite, following y * log2(1 + x); true when *res is set. */
static bool yl2xp1_special(Float80 y, Float80 x, Wide opx, Float80 *res, F80Env *env)
{
    bool sign = f80_sign(y) ^ f80_sign(x);
    if (is_zero(x) || is_zero(y)) {
        if (is_inf(x) || is_inf(y)) {
            *res = invalid(env);
            return true;
        }
        check_denormal(y, x, env);
        *res = make(sign, 0, 0);
        return true;
    }
    if (w_zero(opx) && !is_inf(y)) {
        raise(env, F80_ZE);
        *res = make_inf(!f80_sign(y));
        return true;
    }
    if (is_inf(x) || opx.sign || w_zero(opx)) {
        if (f80_sign(x)) {
            *res = invalid(env);
            return true;
        }
        check_denormal(y, x, env);
        *res = make_inf(f80_sign(y));
        return true;
    }
    check_denormal(y, x, env);
    if (is_inf(y)) {
        *res = make_inf(sign);
        return true;
    }
    return false;
}

Float80 f80_yl2xp1(Float80 y, Float80 x, F80Env *env)
{
    Float80 r;
    if (screen2(y, x, &r, env)) {
        return r;
    }
    Wide wx = w_from_f80(x);
    Wide opx = is_inf(x) ? wx : w_add(w_from_int(1), wx);
    if (yl2xp1_special(y, x, opx, &r, env)) {
        return r;
    }
    Wide lg;
    if (wx.e < -2) {    /* ln(1 + x) = 2 atanh(x / (2 + x)) keeps tiny x exact */
        lg = w_mul(w_atanh2(w_div(wx, w_add(w_from_int(2), wx))), w_const(F80_L2E));
    } else {
        lg = w_log2(opx);
    }
    return mul_log(y, lg, env);
}
