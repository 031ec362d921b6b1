/*
 * MMX technology (Intel SDM vol. 1 ch. 9; vol. 2 the MMX instruction pages): the eight
 * 64-bit MMn registers alias the mantissas of the physical x87 registers R0-R7. Every MMX
 * instruction but EMMS sets TOP to 0 and tags every register valid; a write also sets the
 * register's sign and exponent to all ones (SDM vol. 1, table 9-2). The packed operations
 * below are pure functions of 64-bit values; translate/emit_mmx.c applies them.
 */
#ifndef WIRT_CPU_MMX_H
#define WIRT_CPU_MMX_H

#include "cpu/x87.h"

/*
 * Entry to an MMX instruction (SDM vol. 3A table 2-2 and 12.5.1): CR0.EM raises #UD, CR0.TS
 * #NM, and a pending x87 exception is reported as at a waiting x87 instruction (#MF, or the
 * freeze of CR0.NE = 0: returns true). The fast path is the test in mmx_slow_entry.
 */
static inline bool mmx_slow_entry(const CPUState *cpu)
{
    return (cpu->cr[0] & (CR0_EM | CR0_TS)) || (cpu->fpu.fsw & FSW_ES);
}
bool mmx_enter_slow(CPUState *cpu);

/* Reads MMn (and enters MMX state); writes MMn. */
static inline uint64_t mmx_get(CPUState *cpu, unsigned n)
{
    return cpu->fpu.st[n].mant;
}

static inline void mmx_set(CPUState *cpu, unsigned n, uint64_t v)
{
    cpu->fpu.st[n].mant = v;
    cpu->fpu.st[n].se = 0xffff;
}

/* The x87 side effects of every MMX instruction but EMMS: TOP = 0, all tags valid. */
static inline void mmx_touch(CPUState *cpu)
{
    cpu->fpu.top = 0;
    cpu->fpu.ftw = 0xff;
}

/* EMMS: all tags empty (and TOP = 0). */
static inline void mmx_emms(CPUState *cpu)
{
    cpu->fpu.top = 0;
    cpu->fpu.ftw = 0;
}

/* Packed arithmetic: each is dst = f(dst, src). */
typedef uint64_t (*MmxOp)(uint64_t a, uint64_t b);

uint64_t mmx_paddb(uint64_t a, uint64_t b);
uint64_t mmx_paddw(uint64_t a, uint64_t b);
uint64_t mmx_paddd(uint64_t a, uint64_t b);
uint64_t mmx_paddsb(uint64_t a, uint64_t b);
uint64_t mmx_paddsw(uint64_t a, uint64_t b);
uint64_t mmx_paddusb(uint64_t a, uint64_t b);
uint64_t mmx_paddusw(uint64_t a, uint64_t b);
uint64_t mmx_psubb(uint64_t a, uint64_t b);
uint64_t mmx_psubw(uint64_t a, uint64_t b);
uint64_t mmx_psubd(uint64_t a, uint64_t b);
uint64_t mmx_psubsb(uint64_t a, uint64_t b);
uint64_t mmx_psubsw(uint64_t a, uint64_t b);
uint64_t mmx_psubusb(uint64_t a, uint64_t b);
uint64_t mmx_psubusw(uint64_t a, uint64_t b);
uint64_t mmx_pcmpeqb(uint64_t a, uint64_t b);
uint64_t mmx_pcmpeqw(uint64_t a, uint64_t b);
uint64_t mmx_pcmpeqd(uint64_t a, uint64_t b);
uint64_t mmx_pcmpgtb(uint64_t a, uint64_t b);
uint64_t mmx_pcmpgtw(uint64_t a, uint64_t b);
uint64_t mmx_pcmpgtd(uint64_t a, uint64_t b);
uint64_t mmx_pmullw(uint64_t a, uint64_t b);
uint64_t mmx_pmulhw(uint64_t a, uint64_t b);
uint64_t mmx_pmaddwd(uint64_t a, uint64_t b);
uint64_t mmx_pand(uint64_t a, uint64_t b);
uint64_t mmx_pandn(uint64_t a, uint64_t b);
uint64_t mmx_por(uint64_t a, uint64_t b);
uint64_t mmx_pxor(uint64_t a, uint64_t b);
uint64_t mmx_packsswb(uint64_t a, uint64_t b);
uint64_t mmx_packssdw(uint64_t a, uint64_t b);
uint64_t mmx_packuswb(uint64_t a, uint64_t b);
uint64_t mmx_punpcklbw(uint64_t a, uint64_t b);
uint64_t mmx_punpcklwd(uint64_t a, uint64_t b);
uint64_t mmx_punpckldq(uint64_t a, uint64_t b);
uint64_t mmx_punpckhbw(uint64_t a, uint64_t b);
uint64_t mmx_punpckhwd(uint64_t a, uint64_t b);
uint64_t mmx_punpckhdq(uint64_t a, uint64_t b);
/* Shifts: B is the count (a register, memory or an immediate), all 64 bits of it. */
uint64_t mmx_psllw(uint64_t a, uint64_t b);
uint64_t mmx_pslld(uint64_t a, uint64_t b);
uint64_t mmx_psllq(uint64_t a, uint64_t b);
uint64_t mmx_psrlw(uint64_t a, uint64_t b);
uint64_t mmx_psrld(uint64_t a, uint64_t b);
uint64_t mmx_psrlq(uint64_t a, uint64_t b);
uint64_t mmx_psraw(uint64_t a, uint64_t b);
uint64_t mmx_psrad(uint64_t a, uint64_t b);

#endif
