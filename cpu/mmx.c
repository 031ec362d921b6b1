/*
 * MMX instruction semantics (Intel SDM vol. 1 ch. 9, vol. 2 the MMX instruction pages):
 * the entry checks, and the packed operations on 8 bytes, 4 words or 2 doublewords of a
 * 64-bit value, with wrap-around and signed or unsigned saturation.
 */
#include "cpu/mmx.h"

#include "cpu/exception.h"

bool mmx_enter_slow(CPUState *cpu)
{
    if (cpu->cr[0] & CR0_EM) {
        cpu_raise(cpu, EXC_UD);
    }
    if (cpu->cr[0] & CR0_TS) {
        cpu_raise(cpu, EXC_NM);
    }
    return (cpu->fpu.fsw & FSW_ES) && x87_pending(cpu);
}

/* ---- lanes ---- */

static uint64_t lane(uint64_t v, unsigned i, unsigned bits)
{
    return (v >> (i * bits)) & ((1ull << bits) - 1);
}

static int64_t slane(uint64_t v, unsigned i, unsigned bits)
{
    unsigned sh = 64 - bits;
    return (int64_t)(v >> (i * bits) << sh) >> sh;
}

static uint64_t put(uint64_t r, unsigned i, unsigned bits, uint64_t x)
{
    return r | (x & ((1ull << bits) - 1)) << (i * bits);
}

static int64_t sat_s(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -hi - 1;
    return x > hi ? hi : x < lo ? lo : x;
}

static int64_t sat_u(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << bits) - 1;
    return x > hi ? hi : x < 0 ? 0 : x;
}

/* One function per operation and lane width: lane i of the result is EXPR of the lanes x, y
 * (unsigned) and sx, sy (signed) of the operands, lanes of BITS bits. */
#define PACKED(NAME, BITS, EXPR)                                   \
uint64_t NAME(uint64_t a, uint64_t b)                              \
{                                                                  \
    const unsigned bits = BITS;                                    \
    uint64_t r = 0;                                                \
    for (unsigned i = 0; i < 64 / bits; i++) {                     \
        uint64_t x = lane(a, i, bits), y = lane(b, i, bits);       \
        int64_t sx = slane(a, i, bits), sy = slane(b, i, bits);    \
        (void)x, (void)y, (void)sx, (void)sy;                      \
        r = put(r, i, bits, (uint64_t)(EXPR));                     \
    }                                                              \
    return r;                                                      \
}

#define BWD(NAME, EXPR) PACKED(NAME##b, 8, EXPR) PACKED(NAME##w, 16, EXPR) \
                        PACKED(NAME##d, 32, EXPR)
#define BW(NAME, EXPR) PACKED(NAME##b, 8, EXPR) PACKED(NAME##w, 16, EXPR)

BWD(mmx_padd, x + y)
BWD(mmx_psub, x - y)
BW(mmx_padds, sat_s(sx + sy, bits))
BW(mmx_paddus, sat_u((int64_t)(x + y), bits))
BW(mmx_psubs, sat_s(sx - sy, bits))
BW(mmx_psubus, sat_u((int64_t)x - (int64_t)y, bits))
BWD(mmx_pcmpeq, x == y ? ~0ull : 0)
BWD(mmx_pcmpgt, sx > sy ? ~0ull : 0)
PACKED(mmx_pmullw, 16, sx * sy)
PACKED(mmx_pmulhw, 16, (sx * sy) >> 16)

/* PMADDWD: each doubleword is the sum of the products of its two signed word pairs. */
uint64_t mmx_pmaddwd(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 2; i++) {
        int64_t s = slane(a, 2 * i, 16) * slane(b, 2 * i, 16) +
                    slane(a, 2 * i + 1, 16) * slane(b, 2 * i + 1, 16);
        r = put(r, i, 32, (uint64_t)s);
    }
    return r;
}

uint64_t mmx_pand(uint64_t a, uint64_t b)
{
    return a & b;
}

uint64_t mmx_pandn(uint64_t a, uint64_t b)
{
    return ~a & b;
}

uint64_t mmx_por(uint64_t a, uint64_t b)
{
    return a | b;
}

uint64_t mmx_pxor(uint64_t a, uint64_t b)
{
    return a ^ b;
}

/* ---- pack and unpack ---- */

/* Narrows the lanes of A (low half of the result) then B (high half) to half their width,
 * saturated signed (SIGNED_OUT) or unsigned. */
static uint64_t pack(uint64_t a, uint64_t b, unsigned bits, bool signed_out)
{
    unsigned n = 64 / bits, half = bits / 2;
    uint64_t r = 0;
    for (unsigned i = 0; i < 2 * n; i++) {
        int64_t v = slane(i < n ? a : b, i % n, bits);
        r = put(r, i, half, (uint64_t)(signed_out ? sat_s(v, half) : sat_u(v, half)));
    }
    return r;
}

uint64_t mmx_packsswb(uint64_t a, uint64_t b)
{
    return pack(a, b, 16, true);
}

uint64_t mmx_packssdw(uint64_t a, uint64_t b)
{
    return pack(a, b, 32, true);
}

uint64_t mmx_packuswb(uint64_t a, uint64_t b)
{
    return pack(a, b, 16, false);
}

/* Interleaves lanes of A and B from lane FIRST on: a[f], b[f], a[f+1], b[f+1], ... */
static uint64_t unpack(uint64_t a, uint64_t b, unsigned bits, unsigned first)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 32 / bits; i++) {
        r = put(r, 2 * i, bits, lane(a, first + i, bits));
        r = put(r, 2 * i + 1, bits, lane(b, first + i, bits));
    }
    return r;
}

uint64_t mmx_punpcklbw(uint64_t a, uint64_t b)
{
    return unpack(a, b, 8, 0);
}

uint64_t mmx_punpcklwd(uint64_t a, uint64_t b)
{
    return unpack(a, b, 16, 0);
}

uint64_t mmx_punpckldq(uint64_t a, uint64_t b)
{
    return unpack(a, b, 32, 0);
}

uint64_t mmx_punpckhbw(uint64_t a, uint64_t b)
{
    return unpack(a, b, 8, 4);
}

uint64_t mmx_punpckhwd(uint64_t a, uint64_t b)
{
    return unpack(a, b, 16, 2);
}

uint64_t mmx_punpckhdq(uint64_t a, uint64_t b)
{
    return unpack(a, b, 32, 1);
}

/* ---- shifts: a count beyond the lane width empties it (arithmetic: fills with sign) ---- */

#define SHIFTS(SUFFIX, BITS)                                                     \
PACKED(mmx_psll##SUFFIX, BITS, b > bits - 1 ? 0 : x << b)                       \
PACKED(mmx_psrl##SUFFIX, BITS, b > bits - 1 ? 0 : x >> b)
SHIFTS(w, 16)
SHIFTS(d, 32)
PACKED(mmx_psraw, 16, sx >> (b > 15 ? 15 : b))
PACKED(mmx_psrad, 32, sx >> (b > 31 ? 31 : b))

uint64_t mmx_psllq(uint64_t a, uint64_t b)
{
    return b > 63 ? 0 : a << b;
}

uint64_t mmx_psrlq(uint64_t a, uint64_t b)
{
    return b > 63 ? 0 : a >> b;
}
