/*
 * Portable 80-bit extended-precision floating point, bit-exact with the x87 (Intel SDM
 * vol. 1, ch. 4 data types and 8 x87 FPU; IEEE 754-1985 as the x87 implements it). No
 * `long double`, no host FPU state: integer arithmetic only, so every host gives the
 * same bits. Rounding control and precision control come from the control word; the
 * result of each operation says which exceptions it raised. Masking is the caller's
 * (cpu/x87.c), with one exception: when overflow or underflow occurs and env->unmasked
 * has F80_OE or F80_UE, the value returned is the exponent-wrapped result an unmasked x87
 * stores in a register (SDM vol. 1, 8.5.4-8.5.5). Otherwise the value is always the
 * masked response (for IE/ZE/DE unmasked the caller stores nothing).
 */
#ifndef WIRT_CPU_FLOAT80_H
#define WIRT_CPU_FLOAT80_H

#include <stdbool.h>
#include <stdint.h>

/* An 80-bit value: sign and 15-bit biased exponent in se, explicit integer bit in mant. */
typedef struct Float80 {
    uint64_t mant;
    uint16_t se;
} Float80;

#define F80_BIAS 16383
#define F80_EXP_MAX 0x7fff

/* Exception flags, in the bit positions of the x87 status word. */
enum {
    F80_IE = 1u << 0,   /* invalid operation */
    F80_DE = 1u << 1,   /* denormal operand */
    F80_ZE = 1u << 2,   /* divide by zero */
    F80_OE = 1u << 3,   /* overflow */
    F80_UE = 1u << 4,   /* underflow */
    F80_PE = 1u << 5,   /* precision (inexact) */
};

/* Rounding control (control word bits 10-11) and precision control (bits 8-9). */
enum { F80_RC_NEAREST, F80_RC_DOWN, F80_RC_UP, F80_RC_ZERO };
enum { F80_PC_24 = 0, F80_PC_53 = 2, F80_PC_64 = 3 };

/* The environment of one operation: what the control word says, and what happened. */
typedef struct F80Env {
    uint8_t rc;          /* F80_RC_* */
    uint8_t pc;          /* F80_PC_*; 1 (reserved) behaves as 64 */
    uint8_t unmasked;    /* exceptions the control word leaves unmasked (F80_* bits) */
    uint8_t flags;       /* out: exceptions raised (F80_* bits), accumulated */
    bool rounded_up;     /* out: the last rounding went away from zero (sets C1) */
} F80Env;

/* Classes, as FXAM reports them (C3 C2 C0), plus the x87 special encodings. */
typedef enum F80Class {
    F80_UNSUPPORTED,     /* unnormals, pseudo-NaNs, pseudo-infinities */
    F80_NAN,
    F80_NORMAL,
    F80_INFINITY,
    F80_ZERO,
    F80_EMPTY,           /* not a value class: FXAM's empty register (the caller's) */
    F80_DENORMAL,        /* includes pseudo-denormals */
} F80Class;

F80Class f80_classify(Float80 a);
bool f80_is_signaling_nan(Float80 a);
static inline bool f80_sign(Float80 a) { return (a.se >> 15) != 0; }

/* Constants (FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ), rounded per env->rc. */
typedef enum F80Const { F80_ONE, F80_L2T, F80_L2E, F80_PI, F80_LG2, F80_LN2, F80_ZERO_C } F80Const;
Float80 f80_const(F80Const c, const F80Env *env);
extern const Float80 f80_indefinite;   /* the QNaN "real indefinite" */

/* Arithmetic; each rounds to env->pc bits with env->rc. */
Float80 f80_add(Float80 a, Float80 b, F80Env *env);
Float80 f80_sub(Float80 a, Float80 b, F80Env *env);
Float80 f80_mul(Float80 a, Float80 b, F80Env *env);
Float80 f80_div(Float80 a, Float80 b, F80Env *env);
Float80 f80_sqrt(Float80 a, F80Env *env);
Float80 f80_round_to_int(Float80 a, F80Env *env);                 /* FRNDINT */
Float80 f80_scale(Float80 a, Float80 b, F80Env *env);             /* FSCALE */
void f80_extract(Float80 a, Float80 *exp, Float80 *sig, F80Env *env); /* FXTRACT */

/*
 * FPREM (IEEE = false: truncating quotient) and FPREM1 (IEEE = true: round to nearest):
 * a partial remainder. *quotient_bits gets the three low quotient bits (Q2 Q1 Q0 for C0
 * C3 C1) and *incomplete is C2 (set when the exponent difference exceeded 63).
 */
Float80 f80_rem(Float80 a, Float80 b, bool ieee, unsigned *quotient_bits, bool *incomplete,
                F80Env *env);

/* Comparison: QUIET (FUCOM) raises IE only for SNaNs; otherwise for any NaN. */
typedef enum F80Order { F80_LESS, F80_EQUAL, F80_GREATER, F80_UNORDERED } F80Order;
F80Order f80_compare(Float80 a, Float80 b, bool quiet, F80Env *env);

/*
 * Conversions. Integers: out-of-range or NaN -> IE and the integer indefinite. Stores
 * (to integers, float32/64, BCD) raise no DE for a denormal source (measured). For the
 * float32/64 stores the value returned is always the masked response: with OE or UE
 * unmasked the x87 leaves the memory operand alone, so the caller stores nothing then.
 */
Float80 f80_from_int(int64_t v);
int64_t f80_to_int(Float80 a, unsigned bits, bool truncate, F80Env *env); /* 16, 32, 64 */
Float80 f80_from_f32(uint32_t v, F80Env *env);
Float80 f80_from_f64(uint64_t v, F80Env *env);
uint32_t f80_to_f32(Float80 a, F80Env *env);
uint64_t f80_to_f64(Float80 a, F80Env *env);
/* Packed BCD (FBLD/FBSTP): 10 bytes, 18 digits and a sign byte, little-endian. */
Float80 f80_from_bcd(const uint8_t bcd[10]);
void f80_to_bcd(Float80 a, uint8_t bcd[10], F80Env *env);

/*
 * Transcendentals (FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) within 1 ulp of a
 * P6 x87. Arguments out of range (|x| >= 2^63 for the trigonometric ones) set
 * *out_of_range (C2) and leave the operand alone. FSINCOS is f80_sin then f80_cos with
 * one env (the flags accumulate), the cosine pushed above the sine. FPTAN pushes 1.0
 * above the tangent, except that when the result is a NaN (NaN operand, invalid
 * operation) the x87 pushes that NaN a second time instead (measured). F2XM1 is defined
 * for -1 <= x <= 1; beyond, the x87 leaves the operand with PE (measured), as this does.
 */
Float80 f80_sin(Float80 a, bool *out_of_range, F80Env *env);
Float80 f80_cos(Float80 a, bool *out_of_range, F80Env *env);
Float80 f80_tan(Float80 a, bool *out_of_range, F80Env *env);
Float80 f80_atan2(Float80 y, Float80 x, F80Env *env);            /* FPATAN: atan(y/x) */
Float80 f80_2xm1(Float80 a, F80Env *env);
Float80 f80_yl2x(Float80 y, Float80 x, F80Env *env);
Float80 f80_yl2xp1(Float80 y, Float80 x, F80Env *env);

#endif
