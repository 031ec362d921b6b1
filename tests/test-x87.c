/*
 * The x87 FPU and MMX (cpu/x87.c, cpu/mmx.c, translate/emit_fpu.c, translate/emit_mmx.c)
 * against the host CPU, and the exception paths a host cannot show.
 *
 * Differential part (x86-64 hosts only, skipped elsewhere): each snippet below is
 * assembled once by the C compiler and run twice, natively and in a bare machine in 32-bit
 * flat protected mode, both times as "FNINIT; XOR EAX,EAX; CALL snippet" followed by
 * storing EAX, the arithmetic flags and an FNSAVE image. EBX (RBX) points at a data buffer:
 * inputs at 0-FFh, the snippet's own results at 100h-1FFh, the final state at 200h-307h,
 * FXSAVE areas at 400h. x87 and MMX instructions without REX prefixes and with [rBX+disp]
 * operands encode and behave alike in 64-bit and 32-bit mode, so the whole buffer must come
 * out equal, except the last-instruction and operand pointers (different addresses; a
 * modern host may not store FOP/FCS/FDS) and what a case lists as host-specific. Every
 * exception is masked (FNINIT), so nothing traps natively. Transcendentals are compared
 * to within a few units in the last place: wirt promises the P6's accuracy, not the host's
 * bits.
 *
 * Machine-only part: FERR# and the freeze of CR0.NE = 0 with a fake interrupt controller
 * (IRQ13), #MF with CR0.NE = 1, the #NM/#UD rules of CR0.EM/MP/TS for x87, WAIT and MMX.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cpu/seg.h"
#include "cpu/x87.h"
#include "vm/machine.h"

#define RAM (4u << 20)
#define CODE 0x10000u      /* harness code; the snippet follows at SNIPPET */
#define SNIPPET 0x11000u
#define STACK 0x30000u
#define DATA 0x20000u      /* EBX */
#define BUF 0x800u
#define MAX_INSNS 1000000

/* Bytes of the buffer that legitimately differ: [from, to) offsets. */
typedef struct Range {
    uint16_t from, to;
} Range;

#define LOOSE 1u   /* transcendental results: a few ulps, C1 and PE not compared */

typedef struct X87Case {
    const char *name;
    const uint8_t *start, *end;
    unsigned flags;
    Range ignore[4];
} X87Case;

/* ---- machines ---- */

static Machine *vm_new(void)
{
    Machine *m = machine_new();
    GError *err = NULL;
    g_assert_true(machine_init_bare(m, RAM, &err));
    g_assert_no_error(err);
    return m;
}

/* ---- FERR#, IRQ13 and the freeze (every host) ---- */

typedef struct FerrLog {
    CPUState *cpu;
    int raised, lowered;
} FerrLog;

/* The board's wiring, faked: FERR# drives the interrupt line; INTA answers vector 75h. */
static void fake_ferr(void *opaque, bool level)
{
    FerrLog *l = opaque;
    if (level) {
        l->raised++;
    } else {
        l->lowered++;
    }
    cpu_set_irq(l->cpu, level);
}

static int fake_irq_ack(void *opaque)
{
    FerrLog *l = opaque;
    cpu_set_irq(l->cpu, false);
    return 0x75;
}

static Machine *vm_real(const uint8_t *code, size_t n)
{
    Machine *m = vm_new();
    g_assert_true(physmem_load(&m->pm, 0x7c00, code, n));
    cpu_load_seg_real(&m->cpu, SEG_CS, 0);
    cpu_load_seg_real(&m->cpu, SEG_SS, 0);
    cpu_load_seg_real(&m->cpu, SEG_DS, 0);
    cpu_load_seg_real(&m->cpu, SEG_ES, 0);
    m->cpu.eip = 0x7c00;
    m->cpu.regs[R_ESP] = 0x7000;
    return m;
}

static void ivt_set(Machine *m, unsigned vector, uint16_t offset)
{
    physmem_write(&m->pm, vector * 4, offset, 2);
    physmem_write(&m->pm, vector * 4 + 2, 0, 2);
}

/*
 * CR0.NE = 0: an unmasked stack underflow raises FERR#; the next waiting instruction
 * (FWAIT) freezes the CPU until the interrupt the board makes of FERR# (IRQ13, INT 75h on
 * a PC) is taken; its handler's FNCLEX drops FERR#, and IRET returns to the FWAIT, which
 * then completes. The PIC does not exist yet: the hooks stand in for it. A guest-level
 * IRQ13 test belongs with the PIC.
 */
static void test_ferr_freeze(void)
{
    static const uint8_t code[] = {
        0xdb, 0xe3,                  /* 7C00 fninit */
        0xd9, 0x2e, 0x00, 0x70,      /* 7C02 fldcw [7000h]: IE unmasked */
        0xd8, 0xc1,                  /* 7C06 fadd st0, st1: empty, IE unmasked */
        0x90,                        /* 7C08 nop */
        0x9b,                        /* 7C09 fwait: freezes */
        0xf4,                        /* 7C0A hlt */
    };
    static const uint8_t handler[] = { 0xdb, 0xe2, 0xcf };   /* fnclex; iret */
    Machine *m = vm_real(code, sizeof(code));
    FerrLog l = { .cpu = &m->cpu };

    physmem_write(&m->pm, 0x7000, 0x037e, 2);
    g_assert_true(physmem_load(&m->pm, 0x8000, handler, sizeof(handler)));
    ivt_set(m, 0x75, 0x8000);
    m->cpu.hooks.opaque = &l;
    m->cpu.hooks.ferr = fake_ferr;
    m->cpu.hooks.irq_ack = fake_irq_ack;
    /* Interrupts off: the CPU stays frozen at the FWAIT. */
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, 0x7c09);
    g_assert_true(m->cpu.halted);
    g_assert_cmpint(l.raised, ==, 1);
    g_assert_cmpint(l.lowered, ==, 0);
    g_assert_cmphex(x87_status(&m->cpu.fpu) & 0xffc7, ==, 0x8041 | FSW_ES);
    /* IRQ13 taken: FNCLEX lowers FERR#, IRET resumes the FWAIT, which now completes. */
    m->cpu.eflags |= FL_IF;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, 0x7c0b);
    g_assert_cmpint(l.lowered, ==, 1);
    g_assert_cmphex(x87_status(&m->cpu.fpu) & (FSW_ES | FSW_B | FSW_EXC), ==, 0);
    machine_free(m);
}

/* FLDCW unmasking a flag already set raises FERR#; FNSTENV, which masks all, drops it. */
static void test_ferr_fldcw(void)
{
    static const uint8_t code[] = {
        0xdb, 0xe3,                  /* fninit */
        0xd8, 0xc1,                  /* fadd st0, st1: masked stack underflow */
        0xd9, 0x2e, 0x00, 0x70,      /* fldcw [7000h]: unmasks IE */
        0xd9, 0x36, 0x00, 0x71,      /* fnstenv [7100h] */
        0xf4,
    };
    Machine *m = vm_real(code, sizeof(code));
    FerrLog l = { .cpu = &m->cpu };

    physmem_write(&m->pm, 0x7000, 0x037e, 2);
    m->cpu.hooks.opaque = &l;
    m->cpu.hooks.ferr = fake_ferr;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmpint(l.raised, ==, 1);
    g_assert_cmpint(l.lowered, ==, 1);
    g_assert_cmphex(physmem_read(&m->pm, 0x7102, 2), ==, 0x8041 | FSW_ES);
    g_assert_cmphex(m->cpu.fpu.fcw, ==, 0x037f);
    machine_free(m);
}

/* CR0.NE = 1: #MF (vector 16) at the next waiting instruction, not at the faulting one. */
static void test_mf_native(void)
{
    static const uint8_t code[] = {
        0xdb, 0xe3,                  /* 7C00 fninit */
        0xd9, 0x2e, 0x00, 0x70,      /* 7C02 fldcw [7000h] */
        0xd8, 0xc1,                  /* 7C06 fadd: unmasked IE */
        0xdf, 0xe0,                  /* 7C08 fnstsw ax: no-wait, runs */
        0xd9, 0xc9,                  /* 7C0A fxch: waiting, #MF */
        0xf4,
    };
    Machine *m = vm_real(code, sizeof(code));
    physmem_write(&m->pm, 0x7000, 0x037e, 2);
    ivt_set(m, EXC_MF, 0x8000);
    physmem_write(&m->pm, 0x8000, 0xf4, 1);
    m->cpu.cr[0] |= CR0_NE;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, 0x8001);
    g_assert_cmphex(physmem_read(&m->pm, 0x7000 - 6, 2), ==, 0x7c0a);   /* return IP */
    g_assert_cmphex(m->cpu.regs[R_EAX] & 0xffff, ==, 0x8041 | FSW_ES);
    g_assert_cmphex(m->cpu.fpu.fip, ==, 0x7c06);
    g_assert_cmphex(m->cpu.fpu.fop, ==, 0x0c1);
    machine_free(m);
}

/* The vector an instruction raises under CR0 bits (SDM vol. 3A table 2-2), -1 if none. */
static int vector_under(const uint8_t *insn, size_t n, uint32_t cr0_bits)
{
    uint8_t code[16];
    Machine *m;
    int v = -1;

    memcpy(code, insn, n);
    code[n] = 0xf4;
    m = vm_real(code, n + 1);
    for (unsigned vec = 0; vec < 32; vec++) {
        ivt_set(m, vec, (uint16_t)(0x8000 + vec));
        physmem_write(&m->pm, 0x8000 + vec, 0xf4, 1);
    }
    m->cpu.cr[0] |= cr0_bits;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    if (m->cpu.eip != 0x7c00 + n + 1) {
        v = (int)(m->cpu.eip - 0x8001);
    }
    machine_free(m);
    return v;
}

static void test_nm_rules(void)
{
    static const uint8_t fld1[] = { 0xd9, 0xe8 };
    static const uint8_t fninit[] = { 0xdb, 0xe3 };
    static const uint8_t fwait[] = { 0x9b };
    static const uint8_t bad[] = { 0xd9, 0xd1 };           /* reserved x87 encoding */
    static const uint8_t paddb[] = { 0x0f, 0xfc, 0xc1 };
    static const uint8_t emms[] = { 0x0f, 0x77 };
    static const uint8_t fxsave[] = { 0x0f, 0xae, 0x06, 0x00, 0x60 };   /* [6000h] */
    static const uint8_t sse2[] = { 0x66, 0x0f, 0xfc, 0xc1 };
    static const struct {
        const uint8_t *insn;
        size_t n;
        uint32_t cr0;
        int vector;
    } cases[] = {
        { fld1, 2, 0, -1 }, { fld1, 2, CR0_EM, EXC_NM }, { fld1, 2, CR0_TS, EXC_NM },
        { fld1, 2, CR0_MP, -1 }, { fninit, 2, CR0_TS, EXC_NM }, { fninit, 2, CR0_EM, EXC_NM },
        { fwait, 1, CR0_TS, -1 }, { fwait, 1, CR0_EM, -1 },
        { fwait, 1, CR0_MP | CR0_TS, EXC_NM }, { fwait, 1, CR0_MP | CR0_EM, -1 },
        { bad, 2, 0, EXC_UD }, { bad, 2, CR0_TS, EXC_NM },
        { paddb, 3, 0, -1 }, { paddb, 3, CR0_EM, EXC_UD }, { paddb, 3, CR0_TS, EXC_NM },
        { paddb, 3, CR0_EM | CR0_TS, EXC_UD }, { emms, 2, CR0_EM, EXC_UD },
        { emms, 2, CR0_TS, EXC_NM }, { fxsave, 5, 0, -1 }, { fxsave, 5, CR0_TS, EXC_NM },
        { fxsave, 5, CR0_EM, EXC_NM }, { sse2, 4, 0, EXC_UD },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        int v = vector_under(cases[i].insn, cases[i].n, cases[i].cr0);
        if (v != cases[i].vector) {
            g_test_message("case %u: vector %d, expected %d", i, v, cases[i].vector);
            g_test_fail();
        }
    }
}

/* FXSAVE needs a 16-byte aligned operand; FXRSTOR refuses reserved MXCSR bits. */
static void test_fxsave_faults(void)
{
    static const uint8_t misaligned[] = { 0x0f, 0xae, 0x06, 0x08, 0x60 };   /* [6008h] */
    static const uint8_t rstor[] = { 0x0f, 0xae, 0x0e, 0x00, 0x60 };        /* [6000h] */
    g_assert_cmpint(vector_under(misaligned, sizeof(misaligned), 0), ==, EXC_GP);

    /* With CR4.OSFXSR an MXCSR of 0001_0000h is reserved: #GP(0). */
    uint8_t code[8];
    memcpy(code, rstor, sizeof(rstor));
    code[sizeof(rstor)] = 0xf4;
    Machine *m = vm_real(code, sizeof(rstor) + 1);
    ivt_set(m, EXC_GP, 0x8000);
    physmem_write(&m->pm, 0x8000, 0xf4, 1);
    physmem_write(&m->pm, 0x6000 + 24, 0x00010000, 4);
    m->cpu.cr[4] |= CR4_OSFXSR;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, 0x8001);
    machine_free(m);
    /* Without it MXCSR is not loaded, so nothing is reserved. */
    m = vm_real(code, sizeof(rstor) + 1);
    physmem_write(&m->pm, 0x6000 + 24, 0x00010000, 4);
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, 0x7c06);
    g_assert_cmphex(m->cpu.fpu.mxcsr, ==, 0x1f80);
    machine_free(m);
}

#if defined(__x86_64__)

/* ---- the inputs (0-FFh) ---- */

static void put_f80(uint8_t *p, uint64_t mant, uint16_t se)
{
    memcpy(p, &mant, 8);
    memcpy(p + 8, &se, 2);
}

static void fill_inputs(uint8_t *b)
{
    static const uint64_t f64[] = {
        0x3ff8000000000000ull,  /* 00: 1.5 */
        0xc002000000000000ull,  /* 08: -2.25 */
        0x7ff0000000000001ull,  /* 10: SNaN */
        0x7ff8000000000000ull,  /* 18: QNaN */
        0x7ff0000000000000ull,  /* 20: +inf */
        0x0000000000000001ull,  /* 28: smallest denormal */
    };
    static const uint32_t f32[] = {
        0x40400000u,            /* 30: 3.0 */
        0x00000001u,            /* 34: denormal */
        0x7f800001u,            /* 38: SNaN */
        0x80000000u,            /* 3C: -0.0 */
    };
    static const uint8_t bcd_pos[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0 };
    static const uint8_t bcd_neg[10] = { 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
    static const uint64_t more64[] = {
        0x7e37e43c8800759cull,  /* C0: 1e300 */
        0x4008000000000000ull,  /* C8: 3.0 */
        0x01a56e1fc2f8f359ull,  /* D0: 1e-300 */
        0x3fe0000000000000ull,  /* D8: 0.5 */
    };
    int16_t i16[2] = { -1234, 0x7fff };
    int32_t i32[2] = { -100000, 0x7fffffff };
    int64_t i64[2] = { 0x0123456789abcdefll, INT64_MIN };
    uint16_t cw[4] = { 0x0b7f, 0x077f, 0x0f7f, 0x007f };  /* RC up, down, zero; PC 24 */
    int32_t seven = 7;
    int16_t three = 3;

    memset(b, 0, BUF);
    memcpy(b + 0x00, f64, sizeof(f64));
    memcpy(b + 0x30, f32, sizeof(f32));
    memcpy(b + 0x40, i16, sizeof(i16));
    memcpy(b + 0x44, i32, sizeof(i32));
    memcpy(b + 0x50, i64, sizeof(i64));
    memcpy(b + 0x60, bcd_pos, 10);
    memcpy(b + 0x6a, bcd_neg, 10);
    put_f80(b + 0x70, 0x8000000000000000ull, 0x3fff);   /* 1.0 */
    put_f80(b + 0x7a, 0x4000000000000000ull, 0x3fff);   /* unnormal */
    put_f80(b + 0x84, 0x8000000000000001ull, 0x0000);   /* pseudo-denormal */
    put_f80(b + 0x8e, 0x0000000000000001ull, 0x8000);   /* -denormal */
    put_f80(b + 0x98, 0x4000000000000000ull, 0x7fff);   /* pseudo-NaN */
    put_f80(b + 0xa2, 0x8000000000000001ull, 0x7fff);   /* SNaN */
    put_f80(b + 0xac, 0xffffffffffffffffull, 0x7ffe);   /* the largest normal */
    put_f80(b + 0xb6, 0, 0x8000);                       /* -0 */
    memcpy(b + 0xc0, more64, sizeof(more64));
    memcpy(b + 0xe0, &seven, 4);
    memcpy(b + 0xe4, &three, 2);
    memcpy(b + 0xf0, cw, sizeof(cw));
}

/* ---- the wirt side of a differential case ---- */

/* 32-bit flat protected mode at CPL 0, set up directly in the segment caches. */
static void vm_flat32(Machine *m, uint32_t eip)
{
    CPUState *cpu = &m->cpu;
    cpu->cr[0] |= CR0_PE | CR0_NE;
    seg_from_descriptor(&cpu->seg[SEG_CS], 0x08, 0x0000ffff, 0x00cf9b00);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        if (s != SEG_CS) {
            seg_from_descriptor(&cpu->seg[s], 0x10, 0x0000ffff, 0x00cf9300);
        }
    }
    cpu->eip = eip;
    cpu->regs[R_ESP] = STACK;
    cpu->regs[R_EBX] = DATA;
}

/* FNINIT over eight zeros; XOR EAX,EAX; CALL SNIPPET; EAX, flags and FNSAVE to the buffer; HLT. */
static const uint8_t harness[] = {
    0xdb, 0xe3,                                  /* fninit */
    0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,   /* fldz x 8: known register */
    0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,   /* contents under the tags */
    0xdb, 0xe3,                                  /* fninit */
    0x31, 0xc0,                                  /* xor eax, eax */
    0xe8, 0, 0, 0, 0,                            /* call SNIPPET */
    0x89, 0x83, 0x00, 0x03, 0x00, 0x00,          /* mov [ebx+300h], eax */
    0x9c, 0x58,                                  /* pushf; pop eax */
    0x25, 0xd5, 0x08, 0x00, 0x00,                /* and eax, 8D5h: OF SF ZF AF PF CF */
    0x89, 0x83, 0x04, 0x03, 0x00, 0x00,          /* mov [ebx+304h], eax */
    0xdd, 0xb3, 0x00, 0x02, 0x00, 0x00,          /* fnsave [ebx+200h] */
    0xf4,                                        /* hlt */
};

static void run_guest(const X87Case *c, uint8_t *out)
{
    Machine *m = vm_new();
    uint8_t code[sizeof(harness)];
    uint32_t rel = SNIPPET - (CODE + 9 + 18);
    size_t n = (size_t)(c->end - c->start);
    uint8_t *snip = g_malloc(n + 1);

    memcpy(code, harness, sizeof(code));
    memcpy(code + 5 + 18, &rel, 4);
    memcpy(snip, c->start, n);
    snip[n] = 0xc3;   /* ret */
    fill_inputs(out);
    g_assert_true(physmem_load(&m->pm, CODE, code, sizeof(code)));
    g_assert_true(physmem_load(&m->pm, SNIPPET, snip, n + 1));
    g_assert_true(physmem_load(&m->pm, DATA, out, BUF));
    vm_flat32(m, CODE);
    m->cpu.cr[4] |= CR4_OSFXSR;
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, CODE + sizeof(code));
    for (unsigned i = 0; i < BUF; i++) {
        out[i] = (uint8_t)physmem_read(&m->pm, DATA + i, 1);
    }
    g_free(snip);
    machine_free(m);
}

/* ---- the snippets ---- */

#define SNIP(name, text)                                                        \
    __asm__(".pushsection .text.x87_snippets, \"ax\", @progbits\n"              \
            "x87snip_" #name ":\n" text "\n"                                    \
            "x87snip_" #name "_end:\n"                                          \
            "ret\n"                                                             \
            ".popsection\n");                                                   \
    extern const uint8_t x87snip_##name[], x87snip_##name##_end[];

/* FNSTSW into result slot N (2 bytes each from 100h), then FNCLEX. */
#define SW(n) "fnstsw 0x1" #n "(%rbx)\n fnclex\n"

SNIP(loads_stores,
    "fldl 0x00(%rbx)\n fsts 0x100(%rbx)\n fstl 0x104(%rbx)\n"
    "flds 0x30(%rbx)\n fstpt 0x10c(%rbx)\n"
    "fldt 0x70(%rbx)\n fldt 0xac(%rbx)\n fsts 0x118(%rbx)\n" SW(1c)
    "fstl 0x120(%rbx)\n" SW(28)
    "fldl 0x28(%rbx)\n" SW(2a) "fsts 0x12c(%rbx)\n" SW(30)
    "flds 0x34(%rbx)\n" SW(32) "fldl 0x10(%rbx)\n" SW(34) "flds 0x38(%rbx)\n" SW(36)
    "fldt 0xa2(%rbx)\n" SW(38) "fsts 0x13c(%rbx)\n" SW(40) "fstpl 0x144(%rbx)\n"
    "fldl 0xd0(%rbx)\n fsts 0x150(%rbx)\n" SW(54) "fld %st(3)\n fstpt 0x160(%rbx)\n")

SNIP(stack_overflow,
    "fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n" SW(00)
    "fldpi\n" SW(02) "fldl 0x00(%rbx)\n" SW(04) "fld %st(2)\n" SW(06)
    "fildl 0x44(%rbx)\n" SW(08) "fbld 0x60(%rbx)\n" SW(0a) "fldz\n" SW(0c)
    "fdecstp\n fdecstp\n" SW(0e))

SNIP(stack_underflow,
    "fadd %st(1), %st\n" SW(00) "fld1\n fadd %st(1), %st\n" SW(02)
    "fsubl 0x00(%rbx)\n" SW(04) "fstp %st(0)\n fstp %st(0)\n" SW(06)
    "fsts 0x110(%rbx)\n" SW(08) "fstpl 0x118(%rbx)\n" SW(0a) "fistl 0x120(%rbx)\n" SW(0c)
    "fbstp 0x124(%rbx)\n" SW(0e) "fcom %st(1)\n" SW(10) "fchs\n" SW(12)
    "ffree %st(0)\n fsqrt\n" SW(14) "ffree %st(0)\n fld %st(5)\n" SW(16)
    "fxch %st(3)\n" SW(18) "ftst\n" SW(1a) "fcomi %st(4), %st\n" SW(1c)
    "fninit\n fstpt 0x130(%rbx)\n" SW(1e) "fistpll 0x140(%rbx)\n" SW(20)
    "fscale\n" SW(22) "fpatan\n" SW(24) "fxtract\n" SW(26) "fptan\n" SW(28))

SNIP(compares,
    "fldl 0x08(%rbx)\n fldl 0x00(%rbx)\n"
    "fcom %st(1)\n" SW(00) "fcoml 0x00(%rbx)\n" SW(02) "fcoms 0x30(%rbx)\n" SW(04)
    "ficoms 0x40(%rbx)\n" SW(06) "ficoml 0xe0(%rbx)\n" SW(08) "fucom %st(1)\n" SW(0a)
    "fcoml 0x18(%rbx)\n" SW(0c) "fcoml 0x10(%rbx)\n" SW(0e) "ftst\n" SW(10)
    "fldl 0x18(%rbx)\n fucom %st(1)\n" SW(12) "fcom %st(1)\n" SW(14) "ftst\n" SW(16)
    "fucomp %st(2)\n" SW(18) "fldt 0xa2(%rbx)\n fucom %st(1)\n" SW(1a) "fucompp\n" SW(1c)
    "fldz\n fldl 0x3c(%rbx)\n fcomp %st(1)\n" SW(1e) "fcompp\n" SW(20)
    "fldl 0x20(%rbx)\n fcomps 0x30(%rbx)\n" SW(22) "fld1\n ficomps 0xe4(%rbx)\n" SW(24)
    "fldt 0x7a(%rbx)\n ftst\n" SW(26) "fldt 0x8e(%rbx)\n ftst\n" SW(28)
    "fldl 0x28(%rbx)\n fcoml 0x28(%rbx)\n" SW(2a))

#define FLAGS(n) "pushf\n pop %rax\n and $0x8d5, %eax\n mov %eax, 0x1" #n "(%rbx)\n"
SNIP(fcomi,
    "fldl 0x08(%rbx)\n fldl 0x00(%rbx)\n"
    "fcomi %st(1), %st\n" FLAGS(00) SW(80) "fucomi %st(1), %st\n" FLAGS(04) SW(82)
    "fld %st(0)\n fcomip %st(1), %st\n" FLAGS(08) SW(84)
    "fxch %st(1)\n fucomi %st(1), %st\n" FLAGS(0c) SW(86)
    "fldl 0x18(%rbx)\n fucomi %st(1), %st\n" FLAGS(10) SW(88)
    "fcomi %st(2), %st\n" FLAGS(14) SW(8a) "fucomip %st(1), %st\n" FLAGS(18) SW(8c)
    "fldt 0xa2(%rbx)\n fucomi %st(1), %st\n" FLAGS(1c) SW(8e)
    "fcomip %st(2), %st\n" FLAGS(20) SW(90)
    "fldz\n fchs\n fldz\n fcomi %st(1), %st\n" FLAGS(24) SW(92))

SNIP(fxam,
    "fxam\n" SW(00) "fldt 0x70(%rbx)\n fxam\n" SW(02) "fchs\n fxam\n" SW(04)
    "fldt 0x7a(%rbx)\n fxam\n" SW(06) "fldt 0x84(%rbx)\n fxam\n" SW(08)
    "fldt 0x8e(%rbx)\n fxam\n" SW(0a) "fldt 0x98(%rbx)\n fxam\n" SW(0c)
    "fldt 0xa2(%rbx)\n fxam\n" SW(0e) "fldz\n fxam\n" SW(10) "fldt 0xb6(%rbx)\n fxam\n" SW(12)
    "fldl 0x20(%rbx)\n fxam\n" SW(14) "fchs\n fxam\n" SW(16) "fldl 0x18(%rbx)\n fxam\n" SW(18)
    "ffree %st(0)\n fxam\n" SW(1a) "fincstp\n fxam\n" SW(1c))

SNIP(integers,
    "filds 0x40(%rbx)\n filds 0x42(%rbx)\n fildl 0x44(%rbx)\n fildl 0x48(%rbx)\n"
    "fildll 0x50(%rbx)\n fildll 0x58(%rbx)\n"
    "fistpl 0x100(%rbx)\n" SW(f0) "fistpll 0x104(%rbx)\n fists 0x10c(%rbx)\n" SW(f2)
    "fistps 0x10e(%rbx)\n" SW(f4) "fistl 0x110(%rbx)\n fistps 0x114(%rbx)\n" SW(f6)
    "fistpll 0x118(%rbx)\n"
    "fldl 0x08(%rbx)\n fistl 0x120(%rbx)\n" SW(f8)
    "fldcw 0xf0(%rbx)\n fistl 0x124(%rbx)\n fldcw 0xf2(%rbx)\n fistl 0x128(%rbx)\n"
    "fldcw 0xf4(%rbx)\n fistl 0x12c(%rbx)\n" SW(fa)
    "fldl 0xd8(%rbx)\n fldcw 0xf0(%rbx)\n fistps 0x130(%rbx)\n"
    "fldl 0xc0(%rbx)\n fistl 0x134(%rbx)\n" SW(fc) "fists 0x138(%rbx)\n fistpll 0x13c(%rbx)\n"
    SW(fe) "fldl 0x18(%rbx)\n fistpl 0x144(%rbx)\n fldl 0x20(%rbx)\n fistpll 0x148(%rbx)\n"
    "fldt 0xac(%rbx)\n fistps 0x150(%rbx)\n fildl 0xe0(%rbx)\n fimull 0x44(%rbx)\n"
    "fistpl 0x154(%rbx)\n")

SNIP(bcd,
    "fbld 0x60(%rbx)\n fbld 0x6a(%rbx)\n fbstp 0x100(%rbx)\n fbstp 0x10a(%rbx)\n"
    "fldl 0x08(%rbx)\n fbstp 0x114(%rbx)\n" SW(f0) "fldl 0xd8(%rbx)\n fbstp 0x11e(%rbx)\n"
    "fldl 0x00(%rbx)\n fbstp 0x128(%rbx)\n" SW(f2) "fldl 0xc0(%rbx)\n fbstp 0x132(%rbx)\n"
    SW(f4) "fldl 0x18(%rbx)\n fbstp 0x13c(%rbx)\n" SW(f6)
    "fldt 0xb6(%rbx)\n fbstp 0x146(%rbx)\n fldcw 0xf0(%rbx)\n fldl 0x00(%rbx)\n"
    "fbstp 0x150(%rbx)\n" SW(f8) "fbld 0x60(%rbx)\n fchs\n fld1\n faddp\n"
    "fbstp 0x15a(%rbx)\n" SW(fa))

#define FCMOVS(pre)                                                        \
    pre "fcmovb %st(1), %st\n" pre "fcmove %st(2), %st\n"                  \
    pre "fcmovbe %st(1), %st\n" pre "fcmovu %st(2), %st\n"                 \
    pre "fcmovnb %st(1), %st\n" pre "fcmovne %st(2), %st\n"                \
    pre "fcmovnbe %st(1), %st\n" pre "fcmovnu %st(2), %st\n"              \
    "fstpt 0x100(%rbx)\n fld1\n"
SNIP(fcmov,
    "fldl 0x00(%rbx)\n fldl 0x08(%rbx)\n fldz\n"
    FCMOVS("cmp $1, %eax\n") FCMOVS("cmp $0, %eax\n") FCMOVS("mov $-1, %ecx\n cmp $0, %ecx\n")
    "fldl 0x18(%rbx)\n fucomi %st(1), %st\n fcmovu %st(3), %st\n fstpt 0x110(%rbx)\n"
    "fstp %st(0)\n fstp %st(0)\n fstp %st(0)\n fstp %st(0)\n fcmove %st(5), %st\n" SW(20)
    "fld1\n fcmovne %st(6), %st\n" SW(22))

SNIP(arith_reg,
    "fldl 0x00(%rbx)\n fldl 0xc8(%rbx)\n fldl 0x08(%rbx)\n"
    ".byte 0xd8, 0xc1, 0xd8, 0xca, 0xd8, 0xe1, 0xd8, 0xea, 0xd8, 0xf1, 0xd8, 0xfa\n"
    ".byte 0xdc, 0xc1, 0xdc, 0xca, 0xdc, 0xe1, 0xdc, 0xea, 0xdc, 0xf1, 0xdc, 0xfa\n"
    "fstpt 0x100(%rbx)\n fstpt 0x10a(%rbx)\n fstpt 0x114(%rbx)\n"
    "fldl 0x00(%rbx)\n fldl 0xc8(%rbx)\n fldl 0x08(%rbx)\n fldl 0xd8(%rbx)\n fld1\n fldpi\n"
    ".byte 0xde, 0xc1, 0xde, 0xc9, 0xde, 0xe1, 0xde, 0xe9, 0xde, 0xf1\n"
    "fstpt 0x120(%rbx)\n fldl 0x00(%rbx)\n fldl 0xc8(%rbx)\n .byte 0xde, 0xf9\n"
    "fstpt 0x12a(%rbx)\n fldl 0x08(%rbx)\n .byte 0xd8, 0xc0, 0xd8, 0xc8, 0xd8, 0xe0\n"
    ".byte 0xdc, 0xe0, 0xd8, 0xf0, 0xdc, 0xf8\n" SW(34))

/* Every memory form of D8, DC (m32/m64 real), DA, DE (m32/m16 integer). */
#define ARITH_MEM(s, a)                                                           \
    "fadd" s " " a "\n fmul" s " " a "\n fcom" s " " a "\n fsub" s " " a "\n"     \
    "fsubr" s " " a "\n fdiv" s " " a "\n fdivr" s " " a "\n fld1\n fcomp" s " " a "\n"
SNIP(arith_mem,
    "fldl 0xd8(%rbx)\n" ARITH_MEM("s", "0x30(%rbx)") "fstpt 0x100(%rbx)\n"
    "fldl 0xd8(%rbx)\n" ARITH_MEM("l", "0x08(%rbx)") "fstpt 0x10a(%rbx)\n"
    "fldl 0xd8(%rbx)\n" ARITH_MEM("s", "0x40(%rbx)") "fstpt 0x114(%rbx)\n"
    "fldl 0xd8(%rbx)\n" ARITH_MEM("l", "0x44(%rbx)") "fstpt 0x11e(%rbx)\n" SW(30)
    "fldl 0xd8(%rbx)\n fiadds 0x40(%rbx)\n fimuls 0xe4(%rbx)\n fisubs 0x42(%rbx)\n"
    "fisubrs 0xe4(%rbx)\n fidivs 0xe4(%rbx)\n fidivrs 0x40(%rbx)\n ficoms 0xe4(%rbx)\n"
    "fiaddl 0xe0(%rbx)\n fimull 0x48(%rbx)\n fisubl 0xe0(%rbx)\n fisubrl 0x44(%rbx)\n"
    "fidivl 0xe0(%rbx)\n fidivrl 0x48(%rbx)\n ficoml 0xe0(%rbx)\n fstpt 0x140(%rbx)\n" SW(4a))

SNIP(special,
    "fld1\n fdivs 0x3c(%rbx)\n" SW(00) "fstpt 0x110(%rbx)\n"
    "fldl 0x20(%rbx)\n fsubl 0x20(%rbx)\n" SW(02) "fstpt 0x11a(%rbx)\n"
    "fldz\n fdivs 0x3c(%rbx)\n" SW(04) "fstpt 0x124(%rbx)\n"
    "fld1\n fmull 0x28(%rbx)\n" SW(06) "fstpt 0x12e(%rbx)\n"
    "fldl 0xc0(%rbx)\n fmull 0xc0(%rbx)\n fsts 0x138(%rbx)\n" SW(08) "fstpl 0x13c(%rbx)\n"
    "fldl 0xd0(%rbx)\n fmull 0xd0(%rbx)\n fsts 0x144(%rbx)\n" SW(0a) "fstpl 0x148(%rbx)\n"
    "fldl 0xd0(%rbx)\n fmull 0xd0(%rbx)\n fstpt 0x150(%rbx)\n" SW(0c)
    "fldcw 0xf6(%rbx)\n fld1\n fldpi\n faddp\n fstpt 0x15a(%rbx)\n" SW(0e)
    "fldcw 0xf0(%rbx)\n fld1\n fldpi\n fdivrp\n fstpt 0x164(%rbx)\n"
    "fldcw 0xf2(%rbx)\n fld1\n fldpi\n fdivrp\n fstpt 0x16e(%rbx)\n"
    "fldcw 0xf4(%rbx)\n fld1\n fchs\n fldpi\n fdivrp\n fstpt 0x178(%rbx)\n" SW(82)
    "fninit\n fld1\n fadds 0x38(%rbx)\n" SW(84) "fstpt 0x186(%rbx)\n"
    "fldl 0x18(%rbx)\n fadds 0x38(%rbx)\n" SW(90) "fstpt 0x192(%rbx)\n"
    "fldt 0xa2(%rbx)\n fldl 0x18(%rbx)\n faddp\n" SW(9c) "fstpt 0x19e(%rbx)\n"
    "fldt 0x7a(%rbx)\n fld1\n faddp\n" SW(a8) "fstpt 0x1aa(%rbx)\n"
    "fldt 0x8e(%rbx)\n fld1\n fmulp\n" SW(b4) "fstpt 0x1b6(%rbx)\n"
    "fldt 0xac(%rbx)\n fld %st(0)\n faddp\n" SW(c0) "fstpt 0x1c2(%rbx)\n")

SNIP(constants,
    "fld1\n fldl2t\n fldl2e\n fldpi\n fldlg2\n fldln2\n fldz\n"
    "fstpt 0x100(%rbx)\n fstpt 0x10a(%rbx)\n fstpt 0x114(%rbx)\n fstpt 0x11e(%rbx)\n"
    "fstpt 0x128(%rbx)\n fstpt 0x132(%rbx)\n fstpt 0x13c(%rbx)\n"
    "fldcw 0xf0(%rbx)\n fldl2t\n fldl2e\n fldpi\n fldlg2\n fldln2\n"
    "fldcw 0xf2(%rbx)\n fldl2t\n fldl2e\n fldpi\n" SW(f0))

SNIP(misc,
    "fldl 0x00(%rbx)\n fldl 0x08(%rbx)\n fld1\n fldpi\n"
    "fchs\n fabs\n fxch %st(2)\n fst %st(5)\n fstp %st(1)\n ffree %st(2)\n"
    ".byte 0xdf, 0xc1\n fincstp\n fdecstp\n fdecstp\n fnop\n" SW(00)
    ".byte 0xd9, 0xd9, 0xdc, 0xd1, 0xdd, 0xca\n" SW(02) ".byte 0xde, 0xd1\n" SW(04)
    ".byte 0xdf, 0xc9, 0xdf, 0xd1, 0xdf, 0xd9\n" SW(06)
    "fldt 0xa2(%rbx)\n fchs\n fabs\n fld %st(0)\n fstpt 0x110(%rbx)\n" SW(08)
    "fnstcw 0x11a(%rbx)\n fldcw 0xf0(%rbx)\n fnstcw 0x11c(%rbx)\n fnstsw %ax\n")

SNIP(functions,
    "fldl 0x00(%rbx)\n fsqrt\n" SW(00) "fldl 0x08(%rbx)\n fsqrt\n" SW(02)
    "fldl 0xd8(%rbx)\n fldl 0x08(%rbx)\n frndint\n" SW(04) "fldcw 0xf2(%rbx)\n fld %st(1)\n"
    "frndint\n fldcw 0xf0(%rbx)\n fld %st(2)\n frndint\n fninit\n fstpt 0x110(%rbx)\n"
    "fstpt 0x11a(%rbx)\n fstpt 0x124(%rbx)\n fstpt 0x12e(%rbx)\n fstpt 0x138(%rbx)\n"
    "fldl 0xc8(%rbx)\n fldl 0x08(%rbx)\n fscale\n" SW(06) "fstpt 0x142(%rbx)\n"
    "fldl 0x00(%rbx)\n fxtract\n" SW(08) "fstpt 0x14c(%rbx)\n fstpt 0x156(%rbx)\n"
    "fldz\n fxtract\n" SW(0a) "fstpt 0x160(%rbx)\n fstpt 0x16a(%rbx)\n"
    "fldl 0xc8(%rbx)\n fldl 0xc0(%rbx)\n fprem\n" SW(0c) "fstpt 0x174(%rbx)\n"
    "fildl 0xe0(%rbx)\n fildl 0x48(%rbx)\n fprem\n" SW(0e) "fprem1\n" SW(10)
    "fstpt 0x17e(%rbx)\n fldl 0x08(%rbx)\n fprem1\n" SW(12) "fstpt 0x188(%rbx)\n"
    "fldl 0xc8(%rbx)\n fldl 0x08(%rbx)\n fprem1\n" SW(14))

SNIP(transcendental,
    "fldl 0x00(%rbx)\n fsin\n fldl 0x08(%rbx)\n fcos\n fldl 0xd8(%rbx)\n fsincos\n"
    "fldl 0x00(%rbx)\n fptan\n")
SNIP(transcendental2,
    "fldl 0x00(%rbx)\n fldl 0x08(%rbx)\n fpatan\n fldl 0xd8(%rbx)\n f2xm1\n"
    "fldl 0xc8(%rbx)\n fldl 0x00(%rbx)\n fyl2x\n fldl 0xd8(%rbx)\n fldl 0xd8(%rbx)\n"
    "fyl2xp1\n fldl 0xc0(%rbx)\n fsin\n fldt 0xac(%rbx)\n fcos\n fnstsw 0x100(%rbx)\n")

SNIP(env,
    "fldl 0x00(%rbx)\n fldz\n fldl 0x28(%rbx)\n fldl 0x18(%rbx)\n fld1\n ffree %st(1)\n"
    "fldcw 0xf0(%rbx)\n fadd %st(0)\n fnstenv 0x100(%rbx)\n fnstcw 0x11e(%rbx)\n"
    "movw $0x0bfe, 0x100(%rbx)\n movw $0x3b81, 0x104(%rbx)\n movw $0xfff3, 0x108(%rbx)\n"
    "fldenv 0x100(%rbx)\n fnstsw 0x120(%rbx)\n fnstenv 0x124(%rbx)\n fnsave 0x140(%rbx)\n"
    "fldpi\n fnstsw 0x1b0(%rbx)\n frstor 0x140(%rbx)\n fnstsw 0x1b2(%rbx)\n")

SNIP(fxsave,
    "fldl 0x00(%rbx)\n fldz\n fldl 0x28(%rbx)\n fldl 0x18(%rbx)\n fld1\n ffree %st(1)\n"
    "fldcw 0xf0(%rbx)\n fxsave 0x400(%rbx)\n fninit\n fxsave 0x600(%rbx)\n"
    "movb $0x5a, 0x404(%rbx)\n movw $0x1081, 0x402(%rbx)\n fxrstor 0x400(%rbx)\n"
    "fnstsw 0x100(%rbx)\n fnstenv 0x104(%rbx)\n")

SNIP(mmx,
    "movq 0x00(%rbx), %mm0\n movq 0x08(%rbx), %mm1\n movq 0x50(%rbx), %mm2\n"
    "movq 0x58(%rbx), %mm3\n movd 0x44(%rbx), %mm4\n movl $0x80017fff, %ecx\n movd %ecx, %mm5\n"
    "movq %mm0, %mm6\n paddb %mm1, %mm6\n movq %mm6, 0x100(%rbx)\n"
    "movq %mm0, %mm6\n paddw 0x08(%rbx), %mm6\n movq %mm6, 0x108(%rbx)\n"
    "movq %mm2, %mm6\n paddd %mm3, %mm6\n movq %mm6, 0x110(%rbx)\n"
    "movq %mm2, %mm6\n paddsb %mm3, %mm6\n movq %mm6, 0x118(%rbx)\n"
    "movq %mm2, %mm6\n paddsw %mm5, %mm6\n movq %mm6, 0x120(%rbx)\n"
    "movq %mm2, %mm6\n paddusb %mm3, %mm6\n movq %mm6, 0x128(%rbx)\n"
    "movq %mm2, %mm6\n paddusw %mm3, %mm6\n movq %mm6, 0x130(%rbx)\n"
    "movq %mm2, %mm6\n psubb %mm3, %mm6\n movq %mm6, 0x138(%rbx)\n"
    "movq %mm2, %mm6\n psubw %mm3, %mm6\n movq %mm6, 0x140(%rbx)\n"
    "movq %mm2, %mm6\n psubd %mm3, %mm6\n movq %mm6, 0x148(%rbx)\n"
    "movq %mm2, %mm6\n psubsb %mm3, %mm6\n movq %mm6, 0x150(%rbx)\n"
    "movq %mm2, %mm6\n psubsw %mm5, %mm6\n movq %mm6, 0x158(%rbx)\n"
    "movq %mm2, %mm6\n psubusb %mm3, %mm6\n movq %mm6, 0x160(%rbx)\n"
    "movq %mm3, %mm6\n psubusw %mm2, %mm6\n movq %mm6, 0x168(%rbx)\n"
    "movq %mm2, %mm6\n pcmpeqb %mm2, %mm6\n pcmpeqw %mm1, %mm6\n movq %mm6, 0x170(%rbx)\n"
    "movq %mm2, %mm6\n pcmpeqd 0x50(%rbx), %mm6\n movq %mm6, 0x178(%rbx)\n"
    "movq %mm2, %mm6\n pcmpgtb %mm3, %mm6\n movq %mm6, 0x180(%rbx)\n"
    "movq %mm2, %mm6\n pcmpgtw %mm5, %mm6\n movq %mm6, 0x188(%rbx)\n"
    "movq %mm2, %mm6\n pcmpgtd %mm3, %mm6\n movq %mm6, 0x190(%rbx)\n"
    "movq %mm2, %mm6\n pmullw %mm3, %mm6\n movq %mm6, 0x198(%rbx)\n"
    "movq %mm2, %mm6\n pmulhw %mm5, %mm6\n movq %mm6, 0x1a0(%rbx)\n"
    "movq %mm2, %mm6\n pmaddwd %mm3, %mm6\n movq %mm6, 0x1a8(%rbx)\n"
    "movq %mm2, %mm6\n pand %mm1, %mm6\n pandn %mm3, %mm6\n por %mm0, %mm6\n"
    "pxor 0x58(%rbx), %mm6\n movq %mm6, 0x1b0(%rbx)\n"
    "movq %mm2, %mm6\n packsswb %mm3, %mm6\n movq %mm6, 0x1b8(%rbx)\n"
    "movq %mm2, %mm6\n packssdw %mm5, %mm6\n movq %mm6, 0x1c0(%rbx)\n"
    "movq %mm2, %mm6\n packuswb %mm5, %mm6\n movq %mm6, 0x1c8(%rbx)\n"
    "movq %mm2, %mm6\n punpcklbw 0x58(%rbx), %mm6\n movq %mm6, 0x1d0(%rbx)\n"
    "movq %mm2, %mm6\n punpcklwd %mm3, %mm6\n movq %mm6, 0x1d8(%rbx)\n"
    "movq %mm2, %mm6\n punpckldq 0x58(%rbx), %mm6\n movq %mm6, 0x1e0(%rbx)\n"
    "movq %mm2, %mm6\n punpckhbw %mm3, %mm6\n punpckhwd %mm5, %mm6\n"
    "punpckhdq %mm2, %mm6\n movq %mm6, 0x1e8(%rbx)\n"
    "movd %mm6, %eax\n movd %mm2, 0x1f0(%rbx)\n movq %mm3, %mm7\n")

SNIP(mmx_shift,
    "movq 0x50(%rbx), %mm0\n movq 0x58(%rbx), %mm1\n movd 0xe0(%rbx), %mm2\n"
    "movq %mm0, %mm3\n psllw %mm2, %mm3\n movq %mm3, 0x100(%rbx)\n"
    "movq %mm0, %mm3\n pslld $9, %mm3\n movq %mm3, 0x108(%rbx)\n"
    "movq %mm0, %mm3\n psllq 0xe0(%rbx), %mm3\n movq %mm3, 0x110(%rbx)\n"
    "movq %mm0, %mm3\n psrlw $3, %mm3\n movq %mm3, 0x118(%rbx)\n"
    "movq %mm0, %mm3\n psrld %mm2, %mm3\n movq %mm3, 0x120(%rbx)\n"
    "movq %mm0, %mm3\n psrlq $33, %mm3\n movq %mm3, 0x128(%rbx)\n"
    "movq %mm1, %mm3\n psraw $5, %mm3\n movq %mm3, 0x130(%rbx)\n"
    "movq %mm1, %mm3\n psrad %mm2, %mm3\n movq %mm3, 0x138(%rbx)\n"
    "movq %mm0, %mm3\n psllw $16, %mm3\n movq %mm3, 0x140(%rbx)\n"
    "movq %mm1, %mm3\n psraw $200, %mm3\n movq %mm3, 0x148(%rbx)\n"
    "movq %mm0, %mm3\n psrlq 0x58(%rbx), %mm3\n movq %mm3, 0x150(%rbx)\n"
    "movq %mm1, %mm3\n psrad $32, %mm3\n movq %mm3, 0x158(%rbx)\n"
    "movq %mm0, %mm3\n pslld $31, %mm3\n movq %mm3, 0x160(%rbx)\n")

/* MMX aliasing: x87 values read as MMX, MMX writes read as x87, EMMS, tags. */
SNIP(mmx_alias,
    "fldl 0x00(%rbx)\n fld1\n fldpi\n movq %mm1, 0x100(%rbx)\n movq %mm7, 0x108(%rbx)\n"
    "fnstenv 0x110(%rbx)\n movq 0x50(%rbx), %mm3\n fnsave 0x130(%rbx)\n frstor 0x130(%rbx)\n"
    "emms\n fnstenv 0x1a0(%rbx)\n fldl 0x08(%rbx)\n fstpt 0x1c0(%rbx)\n"
    "movq 0x58(%rbx), %mm0\n fnstsw 0x1d0(%rbx)\n")

static const X87Case cases[] = {
#define CASE(n, fl, ...) { #n, x87snip_##n, x87snip_##n##_end, fl, { __VA_ARGS__ } }
    CASE(loads_stores, 0), CASE(stack_overflow, 0), CASE(stack_underflow, 0),
    CASE(compares, 0), CASE(fcomi, 0), CASE(fxam, 0), CASE(integers, 0), CASE(bcd, 0),
    CASE(fcmov, 0), CASE(arith_reg, 0), CASE(arith_mem, 0), CASE(special, 0),
    CASE(constants, 0), CASE(misc, 0), CASE(functions, 0),
    CASE(transcendental, LOOSE), CASE(transcendental2, LOOSE),
    /* the images' instruction and operand pointers */
    CASE(env, 0, { 0x10c, 0x11c }, { 0x130, 0x140 }, { 0x14c, 0x15c }),
    /* pointers (FOP included), MXCSR and its mask (the host's), XMM and beyond */
    CASE(fxsave, 0, { 0x110, 0x120 }, { 0x406, 0x420 }, { 0x4a0, 0x600 }, { 0x606, 0x800 }),
    CASE(mmx, 0), CASE(mmx_shift, 0),
    CASE(mmx_alias, 0, { 0x11c, 0x12c }, { 0x13c, 0x14c }, { 0x1ac, 0x1bc }),
#undef CASE
};

static void run_native(const uint8_t *code, uint8_t *buf)
{
    __asm__ volatile(
        "sub $512, %%rsp\n\t"
        "mov %0, %%rbx\n\t"
        "fninit\n\t"
        "fldz\n\t" "fldz\n\t" "fldz\n\t" "fldz\n\t" "fldz\n\t" "fldz\n\t" "fldz\n\t" "fldz\n\t"
        "fninit\n\t"
        "xor %%eax, %%eax\n\t"
        "call *%1\n\t"
        "mov %%eax, 0x300(%%rbx)\n\t"
        "pushf\n\t"
        "pop %%rax\n\t"
        "and $0x8d5, %%eax\n\t"
        "mov %%eax, 0x304(%%rbx)\n\t"
        "fnsave 0x200(%%rbx)\n\t"
        "fninit\n\t"
        "emms\n\t"
        "add $512, %%rsp\n\t"
        : : "r"(buf), "r"(code)
        : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static bool ignored(const X87Case *c, unsigned off)
{
    if (off >= 0x200 + 12 && off < 0x200 + 28) {
        return true;   /* the final FNSAVE's pointers */
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(c->ignore); i++) {
        if (off >= c->ignore[i].from && off < c->ignore[i].to) {
            return true;
        }
    }
    return false;
}

/* LOOSE: the FNSAVE registers within 4 ulps, FSW without PE and C1. */
static bool loose_equal(const uint8_t *a, const uint8_t *b, unsigned off)
{
    if (off >= 0x204 && off < 0x206) {
        uint16_t x, y;
        memcpy(&x, a + 0x204, 2);
        memcpy(&y, b + 0x204, 2);
        return ((x ^ y) & ~(FSW_PE | FSW_C1)) == 0;
    }
    if (off >= 0x200 + 28 && off < 0x200 + 108) {
        unsigned r = 0x200 + 28 + (off - 0x200 - 28) / 10 * 10;
        uint64_t ma, mb;
        memcpy(&ma, a + r, 8);
        memcpy(&mb, b + r, 8);
        return memcmp(a + r + 8, b + r + 8, 2) == 0 && (ma > mb ? ma - mb : mb - ma) <= 4;
    }
    return a[off] == b[off];
}

/* On a mismatch: both final states, to read the difference at a glance. */
static void dump_state(const char *who, const uint8_t *b)
{
    GString *s = g_string_new(NULL);
    uint16_t w[3];
    memcpy(w, b + 0x200, 2);
    memcpy(w + 1, b + 0x204, 2);
    memcpy(w + 2, b + 0x208, 2);
    g_string_append_printf(s, "%s: fcw %04x fsw %04x ftw %04x st:", who, w[0], w[1], w[2]);
    for (unsigned i = 0; i < 8; i++) {
        uint64_t mant;
        uint16_t se;
        memcpy(&mant, b + 0x21c + 10 * i, 8);
        memcpy(&se, b + 0x224 + 10 * i, 2);
        g_string_append_printf(s, " %04x:%016" G_GINT64_MODIFIER "x", se, mant);
    }
    g_test_message("%s", s->str);
    g_string_free(s, TRUE);
}

static void test_case(gconstpointer data)
{
    const X87Case *c = data;
    uint8_t *host = g_aligned_alloc0(1, BUF, 64), *guest = g_malloc0(BUF);
    unsigned bad = 0;

    fill_inputs(host);
    run_native(c->start, host);
    run_guest(c, guest);
    for (unsigned off = 0; off < BUF; off++) {
        bool same = (c->flags & LOOSE) ? loose_equal(host, guest, off) : host[off] == guest[off];
        if (!same && !ignored(c, off) && bad++ < 24) {
            g_test_message("%s: byte %03xh: host %02x wirt %02x", c->name, off, host[off],
                           guest[off]);
        }
    }
    if (bad) {
        dump_state("host", host);
        dump_state("wirt", guest);
        g_test_fail();
    }
    g_aligned_free(host);
    g_free(guest);
}

#else

static void test_skip_host(void)
{
    g_test_skip("the differential tests need an x86-64 host");
}

#endif

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/x87/ferr-freeze", test_ferr_freeze);
    g_test_add_func("/x87/ferr-fldcw", test_ferr_fldcw);
    g_test_add_func("/x87/mf-native", test_mf_native);
    g_test_add_func("/x87/nm-rules", test_nm_rules);
    g_test_add_func("/x87/fxsave-faults", test_fxsave_faults);
#if defined(__x86_64__)
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/x87/host/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
#else
    g_test_add_func("/x87/host", test_skip_host);
#endif
    return g_test_run();
}
