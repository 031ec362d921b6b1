/*
 * Unit tests of the string instructions and port I/O (translate/emit_string.c,
 * cpu/ioperm.c) on a bare real-mode machine: MOVS with overlapping operands in both
 * directions against an element-by-element model (Intel SDM vol. 2, MOVS: one element at a
 * time), STOS across a page boundary, REPE CMPS and REPNE SCAS termination, a #GP in the
 * middle of REP MOVSW (registers restartable, SDM vol. 2 "REP"), 32-bit address size,
 * segment overrides, self-modifying code, single-step traps between iterations, the
 * instruction count of a REP split into chunks, IN/OUT/INS/OUTS through a test device, and
 * the I/O permission check (SDM vol. 1, 19.5).
 */
#include <setjmp.h>
#include <glib.h>

#include "cpu/flags.h"
#include "cpu/ioperm.h"
#include "vm/machine.h"

#define RAM_BYTES (2u << 20)
#define CODE_SEG 0x0800u   /* code at physical 0x8000 */
#define DATA_SEG 0x2000u   /* DS: physical 0x20000 */
#define EXTRA_SEG 0x3000u  /* ES: physical 0x30000 */
#define STACK_TOP 0x7000u  /* SS = 0 */
#define RUN_BUDGET 10000000u

static uint32_t lin(uint16_t seg, uint32_t off)
{
    return ((uint32_t)seg << 4) + off;
}

/* A bare machine with CODE loaded at CODE_SEG:0 and the segments above. */
static Machine *vm_new(const uint8_t *code, size_t len)
{
    Machine *m = machine_new();
    GError *err = NULL;
    CPUState *cpu = &m->cpu;

    g_assert_true(machine_init_bare(m, RAM_BYTES, &err));
    g_assert_no_error(err);
    g_assert_true(physmem_load(&m->pm, lin(CODE_SEG, 0), code, len));
    cpu_load_seg_real(cpu, SEG_CS, CODE_SEG);
    cpu_load_seg_real(cpu, SEG_DS, DATA_SEG);
    cpu_load_seg_real(cpu, SEG_ES, EXTRA_SEG);
    cpu_load_seg_real(cpu, SEG_SS, 0);
    cpu->eip = 0;
    cpu->regs[R_ESP] = STACK_TOP;
    return m;
}

static void vm_run(Machine *m)
{
    g_assert_cmpint(machine_run(m, RUN_BUDGET), ==, CPU_EXIT_HALT);
}

static uint32_t rd(Machine *m, uint32_t addr, unsigned size)
{
    return (uint32_t)physmem_read(&m->pm, addr, size);
}

static void wr(Machine *m, uint32_t addr, uint32_t val, unsigned size)
{
    physmem_write(&m->pm, addr, val, size);
}

/* Points interrupt vector VEC at CODE_SEG:OFF. */
static void set_ivt(Machine *m, unsigned vec, uint16_t off)
{
    wr(m, vec * 4, off, 2);
    wr(m, vec * 4 + 2, CODE_SEG, 2);
}

/* A recognisable byte pattern for a 64 KiB segment image. */
static void fill_pattern(uint8_t *img, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        img[i] = (uint8_t)(seed >> 16);
    }
}

/* ---- MOVS against an element-by-element model ---- */

typedef struct MovsCase {
    unsigned size;
    uint16_t si, di, count;
    bool down;
} MovsCase;

static const MovsCase movs_cases[] = {
    { 1, 0x0100, 0x0101, 50, false },     /* forward onto src+1: replicates the first byte */
    { 2, 0x0100, 0x0101, 50, false },     /* overlap inside an element */
    { 4, 0x0100, 0x0102, 40, false },
    { 2, 0x0100, 0x0102, 40, false },     /* replicates the first word */
    { 1, 0x0101, 0x0100, 50, false },     /* forward onto src-1: a plain move */
    { 1, 0x0200, 0x01ff, 50, true },      /* backward onto src-1: replicates the top byte */
    { 2, 0x0200, 0x01ff, 50, true },
    { 4, 0x0200, 0x0201, 50, true },      /* backward onto src+1: a plain move */
    { 1, 0x0ff0, 0x2ff8, 0x40, false },   /* both sides cross a page */
    { 4, 0x0000, 0x8000, 0x2000, false }, /* 32 KiB: more than one chunk */
    { 4, 0x1000, 0x1004, 0x3000, false }, /* 48 KiB overlapping by one dword */
    { 2, 0xfff0, 0x7ff0, 0x2000, true },  /* 16 KiB backward */
    { 1, 0xfff8, 0x0100, 0x10, false },   /* SI wraps past 0xFFFF (16-bit addressing) */
};

static void movs_model(uint8_t *img, const MovsCase *c)
{
    uint16_t si = c->si, di = c->di;
    int step = c->down ? -(int)c->size : (int)c->size;

    for (unsigned n = 0; n < c->count; n++) {
        uint8_t tmp[4];
        for (unsigned i = 0; i < c->size; i++) {
            tmp[i] = img[(uint16_t)(si + i)];
        }
        for (unsigned i = 0; i < c->size; i++) {
            img[(uint16_t)(di + i)] = tmp[i];
        }
        si = (uint16_t)(si + step);
        di = (uint16_t)(di + step);
    }
}

static void test_movs_case(gconstpointer data)
{
    const MovsCase *c = data;
    /* rep movsb / rep movsw / rep movsd, hlt */
    const uint8_t code[3][4] = { { 0xf3, 0xa4, 0xf4 }, { 0xf3, 0xa5, 0xf4 },
                                 { 0xf3, 0x66, 0xa5, 0xf4 } };
    unsigned si3 = c->size == 1 ? 0 : c->size == 2 ? 1 : 2;
    Machine *m = vm_new(code[si3], sizeof(code[si3]));
    CPUState *cpu = &m->cpu;
    g_autofree uint8_t *img = g_malloc(0x10000);
    int step = c->down ? -(int)c->size : (int)c->size;

    fill_pattern(img, 0x10000, c->si ^ c->di);
    g_assert_true(physmem_load(&m->pm, lin(DATA_SEG, 0), img, 0x10000));
    cpu_load_seg_real(cpu, SEG_ES, DATA_SEG);
    cpu->regs[R_ESI] = c->si;
    cpu->regs[R_EDI] = c->di;
    cpu->regs[R_ECX] = c->count;
    cpu_set_eflags(cpu, c->down ? FL_DF : 0);
    vm_run(m);

    movs_model(img, c);
    for (uint32_t i = 0; i < 0x10000; i++) {
        if (rd(m, lin(DATA_SEG, i), 1) != img[i]) {
            g_error("byte 0x%04x: 0x%02x, expected 0x%02x", i, rd(m, lin(DATA_SEG, i), 1),
                    img[i]);
        }
    }
    g_assert_cmphex(cpu->regs[R_ESI], ==, (uint16_t)(c->si + step * c->count));
    g_assert_cmphex(cpu->regs[R_EDI], ==, (uint16_t)(c->di + step * c->count));
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    machine_free(m);
}

/* ---- STOS ---- */

static void test_stosd_page_cross(void)
{
    const uint8_t code[] = { 0xf3, 0x66, 0xab, 0xf4 };  /* rep stosd; hlt */
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;
    uint32_t base = lin(EXTRA_SEG, 0);

    for (uint32_t a = 0x0fe0; a < 0x1040; a++) {
        wr(m, base + a, 0xee, 1);
    }
    cpu->regs[R_EAX] = 0x11223344;
    cpu->regs[R_EDI] = 0x0ff4;  /* 8 dwords from physical 0x30ff4 to 0x31013 */
    cpu->regs[R_ECX] = 8;
    vm_run(m);

    for (uint32_t a = 0x0fe0; a < 0x1040; a++) {
        bool inside = a >= 0x0ff4 && a < 0x1014;
        uint32_t want = inside ? (0x11223344u >> (8 * ((a - 0x0ff4) & 3))) & 0xff : 0xee;
        g_assert_cmphex(rd(m, base + a, 1), ==, want);
    }
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x1014);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    machine_free(m);
}

static void test_stosw_long_backward(void)
{
    const uint8_t code[] = { 0xfd, 0xf3, 0xab, 0xf4 };  /* std; rep stosw; hlt */
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;
    uint32_t base = lin(EXTRA_SEG, 0);

    cpu->regs[R_EAX] = 0xbeef;
    cpu->regs[R_EDI] = 0xfffe;
    cpu->regs[R_ECX] = 0x5000;  /* 40 KiB down to 0x6000 */
    wr(m, base + 0x5ffe, 0x1234, 2);
    vm_run(m);

    for (uint32_t a = 0x6000; a < 0x10000; a += 2) {
        g_assert_cmphex(rd(m, base + a, 2), ==, 0xbeef);
    }
    g_assert_cmphex(rd(m, base + 0x5ffe, 2), ==, 0x1234);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x5ffe);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    machine_free(m);
}

/* ---- CMPS, SCAS ---- */

static void test_repe_cmpsb(void)
{
    const uint8_t code[] = { 0xf3, 0xa6, 0xf4 };  /* repe cmpsb; hlt */
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    for (unsigned i = 0; i < 16; i++) {
        wr(m, lin(DATA_SEG, 0x100 + i), 0x40 + i, 1);
        wr(m, lin(EXTRA_SEG, 0x200 + i), i == 5 ? 0x60 : 0x40 + i, 1);
    }
    cpu->regs[R_ESI] = 0x100;
    cpu->regs[R_EDI] = 0x200;
    cpu->regs[R_ECX] = 16;
    vm_run(m);

    /* Stops after the sixth element, 0x45 - 0x60 = 0xe5: NZ, borrow, negative, odd parity. */
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0x106);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x206);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 10);
    uint32_t fl = cpu_get_eflags(cpu) & FL_ARITH;
    g_assert_cmphex(fl, ==, FL_CF | FL_SF);
    machine_free(m);
}

static void test_repne_scasb_and_zero_count(void)
{
    /* repne scasb; mov cx, 0; repe cmpsb (no iteration: flags and registers kept); hlt */
    const uint8_t code[] = { 0xf2, 0xae, 0xb9, 0x00, 0x00, 0xf3, 0xa6, 0xf4 };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;
    const char *s = "hello";

    g_assert_true(physmem_load(&m->pm, lin(EXTRA_SEG, 0x40), s, 6));
    cpu->regs[R_EAX] = 0;
    cpu->regs[R_EDI] = 0x40;
    cpu->regs[R_ECX] = 0xffff;
    cpu->regs[R_ESI] = 0x1234;
    vm_run(m);

    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x46);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0x1234);
    g_assert_cmphex(cpu_get_eflags(cpu) & FL_ARITH, ==, FL_ZF | FL_PF);
    machine_free(m);
}

/* ---- a fault in the middle of REP MOVSW ---- */

static void test_gp_mid_rep_movsw(void)
{
    /* nop; nop; rep movsw; hlt -- and at 0x40 the #GP handler: hlt */
    uint8_t code[0x41] = { 0x90, 0x90, 0xf3, 0xa5, 0xf4 };
    code[0x40] = 0xf4;
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    set_ivt(m, EXC_GP, 0x40);
    for (unsigned i = 0; i < 0x20; i++) {
        wr(m, lin(DATA_SEG, 0xfff0 + i), 0xa0 + i, 1);
    }
    cpu->regs[R_ESI] = 0xfff1;   /* the eighth word, at 0xFFFF, crosses the limit */
    cpu->regs[R_EDI] = 0x100;
    cpu->regs[R_ECX] = 20;
    vm_run(m);

    g_assert_cmphex(cpu->seg[SEG_CS].sel, ==, CODE_SEG);
    g_assert_cmphex(cpu->eip, ==, 0x41);            /* halted in the handler */
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0xffff);  /* at the faulting element */
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x10e);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 13);
    g_assert_cmphex(cpu->regs[R_ESP], ==, STACK_TOP - 6);
    g_assert_cmphex(rd(m, STACK_TOP - 6, 2), ==, 2);         /* IP of the REP MOVSW */
    g_assert_cmphex(rd(m, STACK_TOP - 4, 2), ==, CODE_SEG);
    for (unsigned i = 0; i < 14; i++) {
        g_assert_cmphex(rd(m, lin(EXTRA_SEG, 0x100 + i), 1), ==, 0xa1 + i);
    }
    g_assert_cmphex(rd(m, lin(EXTRA_SEG, 0x10e), 1), ==, 0);
    machine_free(m);
}

/* ---- address size and segment overrides ---- */

static void test_addr32(void)
{
    /* a32 rep movsb; a32 lodsd; a16 rep movsb; hlt */
    const uint8_t code[] = { 0x67, 0xf3, 0xa4, 0x67, 0x66, 0xad, 0xf3, 0xa4, 0xf4 };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    for (unsigned i = 0; i < 16; i++) {
        wr(m, lin(DATA_SEG, 0xfff0 + i), 0x10 + i, 1);
        wr(m, lin(DATA_SEG, i), 0x80 + i, 1);
    }
    cpu_load_seg_real(cpu, SEG_ES, DATA_SEG);
    cpu->regs[R_ESI] = 0xfff0;
    cpu->regs[R_EDI] = 0x100;
    cpu->regs[R_ECX] = 12;
    /* Stop after the first instruction to look at ESI: it must not wrap to 0. */
    g_assert_cmpint(machine_run(m, 1), ==, CPU_EXIT_BUDGET);
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0xfffc);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x10c);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);

    /* a32 lodsd reads 0xFFFC..0xFFFF and leaves ESI = 0x10000. */
    cpu->regs[R_ESI] = 0xfffc;
    g_assert_cmpint(machine_run(m, 1), ==, CPU_EXIT_BUDGET);
    g_assert_cmphex(cpu->regs[R_EAX], ==, 0x1f1e1d1c);
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0x10000);

    /* a16 rep movsb: only SI, DI, CX count; SI wraps and the upper halves stay. */
    cpu->regs[R_ESI] = 0xabcdfffe;
    cpu->regs[R_EDI] = 0x00000200;
    cpu->regs[R_ECX] = 0x12340004;
    vm_run(m);
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0xabcd0002);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0x12340000);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x204);
    g_assert_cmphex(rd(m, lin(DATA_SEG, 0x200), 4), ==, 0x81801f1e);
    machine_free(m);
}

static void test_segment_override(void)
{
    /* fs movsb; fs stosb; fs lodsb; fs cmpsb; hlt */
    const uint8_t code[] = { 0x64, 0xa4, 0x64, 0xaa, 0x64, 0xac, 0x64, 0xa6, 0xf4 };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    cpu_load_seg_real(cpu, SEG_FS, 0x4000);
    wr(m, lin(0x4000, 0x10), 0x5a, 1);
    wr(m, lin(0x4000, 0x11), 0x77, 1);
    wr(m, lin(0x4000, 0x12), 0x99, 1);
    wr(m, lin(DATA_SEG, 0x10), 0x01, 1);
    wr(m, lin(EXTRA_SEG, 0x22), 0x99, 1);
    cpu->regs[R_ESI] = 0x10;
    cpu->regs[R_EDI] = 0x20;
    cpu->regs[R_EAX] = 0x33;
    vm_run(m);

    g_assert_cmphex(rd(m, lin(EXTRA_SEG, 0x20), 1), ==, 0x5a);  /* MOVS: FS -> ES */
    g_assert_cmphex(rd(m, lin(EXTRA_SEG, 0x21), 1), ==, 0x33);  /* STOS: ES all the same */
    g_assert_cmphex(rd(m, lin(0x4000, 0x21), 1), ==, 0);
    g_assert_cmphex(cpu->regs[R_EAX] & 0xff, ==, 0x77);         /* LODS from FS */
    g_assert_true(cpu_get_eflags(cpu) & FL_ZF);                  /* CMPS FS:0x12, ES:0x22 */
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0x13);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x23);
    machine_free(m);
}

/* ---- self-modifying code, single step, chunking ---- */

static void test_smc(void)
{
    const uint8_t code[] = {
        0x8c, 0xc8,             /* mov ax, cs */
        0x8e, 0xc0,             /* mov es, ax */
        0xbf, 0x0e, 0x00,       /* mov di, target */
        0xb9, 0x02, 0x00,       /* mov cx, 2 */
        0xb0, 0x43,             /* mov al, 0x43 (inc bx) */
        0xf3, 0xaa,             /* rep stosb */
        0x40,                   /* target: inc ax -- becomes inc bx */
        0x40,                   /* inc ax -- becomes inc bx */
        0xf4,                   /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    cpu->regs[R_EBX] = 0;
    vm_run(m);
    g_assert_cmphex(cpu->regs[R_EBX], ==, 2);
    g_assert_cmphex(cpu->regs[R_EAX], ==, (CODE_SEG & 0xff00) | 0x43);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    machine_free(m);
}

static void test_single_step(void)
{
    uint8_t code[0x61] = {
        0x9c,                   /* pushf */
        0x58,                   /* pop ax */
        0x80, 0xcc, 0x01,       /* or ah, 1 (TF) */
        0x50,                   /* push ax */
        0xb9, 0x03, 0x00,       /* mov cx, 3 */
        0x9d,                   /* popf */
        0xf3, 0xa4,             /* 0x0a: rep movsb -- a trap after each iteration */
        0xf4,                   /* 0x0c: hlt */
        0xf4,                   /* 0x0d: hlt */
    };
    const uint8_t handler[] = {
        0x55,                         /* push bp */
        0x89, 0xe5,                   /* mov bp, sp */
        0x83, 0x7e, 0x02, 0x0a,       /* cmp word [bp+2], 0x0a */
        0x75, 0x06,                   /* jne .stop */
        0xff, 0x06, 0x00, 0xf0,       /* inc word [0xf000] */
        0x5d,                         /* pop bp */
        0xcf,                         /* iret */
        0x81, 0x66, 0x06, 0xff, 0xfe, /* .stop: and word [bp+6], ~0x100 */
        0xff, 0x06, 0x02, 0xf0,       /* inc word [0xf002] */
        0xff, 0x76, 0x02,             /* push word [bp+2] */
        0x8f, 0x06, 0x04, 0xf0,       /* pop word [0xf004] */
        0x5d,                         /* pop bp */
        0xcf,                         /* iret */
    };
    memcpy(code + 0x40, handler, sizeof(handler));
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    set_ivt(m, EXC_DB, 0x40);
    cpu->regs[R_ESI] = 0x100;
    cpu->regs[R_EDI] = 0x100;
    vm_run(m);
    /* Traps after iterations 1 and 2 point at the REP; the one after 3 at the HLT. */
    g_assert_cmphex(rd(m, lin(DATA_SEG, 0xf000), 2), ==, 2);
    g_assert_cmphex(rd(m, lin(DATA_SEG, 0xf002), 2), ==, 1);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x103);
    if (rd(m, lin(DATA_SEG, 0xf004), 2) != 0x0c) {
        /* The HLT ran before the trap: the run loop put more than the REP in a TF block. */
        g_test_incomplete("single-step trap came after the next instruction (TB_SINGLE)");
    }
    machine_free(m);
}

static void test_chunked_rep_count(void)
{
    const uint8_t code[] = {
        0xb9, 0x01, 0x30,       /* mov cx, 0x3001 */
        0xf3, 0xa4,             /* rep movsb -- 3 full chunks of 4096 and one more */
        0x43,                   /* inc bx */
        0xf4,                   /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;

    cpu->regs[R_EBX] = 0;
    vm_run(m);
    g_assert_cmphex(cpu->regs[R_EBX], ==, 1);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x3001);
    /* mov, inc, hlt once each; the REP once per handler entry (4 entries). */
    g_assert_cmpuint(cpu->stats.insns, ==, 3 + 4);
    machine_free(m);
}

/* ---- port I/O ---- */

typedef struct IoEvent {
    bool write;
    uint16_t port;
    unsigned size;
    uint32_t val;
} IoEvent;

typedef struct TestIo {
    IoEvent ev[32];
    unsigned n;
    unsigned reads;
} TestIo;

static uint32_t tio_read(void *opaque, uint16_t port, unsigned size)
{
    TestIo *t = opaque;
    uint32_t v = (0xa0b0c0d0u + t->reads++ * 0x01010101u) & (uint32_t)((1ull << (8 * size)) - 1);
    g_assert_cmpuint(t->n, <, G_N_ELEMENTS(t->ev));
    t->ev[t->n++] = (IoEvent){ false, port, size, v };
    return v;
}

static void tio_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    TestIo *t = opaque;
    g_assert_cmpuint(t->n, <, G_N_ELEMENTS(t->ev));
    t->ev[t->n++] = (IoEvent){ true, port, size, value };
}

static const IoPortOps tio_ops = {
    .read = tio_read, .write = tio_write, .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

static void test_io(void)
{
    const uint8_t code[] = {
        0xba, 0x80, 0x00,                   /* mov dx, 0x80 */
        0x66, 0xb8, 0x11, 0x22, 0x33, 0x44, /* mov eax, 0x44332211 */
        0xee,                               /* out dx, al */
        0xef,                               /* out dx, ax */
        0x66, 0xef,                         /* out dx, eax */
        0xe6, 0x81,                         /* out 0x81, al */
        0xe7, 0x82,                         /* out 0x82, ax */
        0xe4, 0x83,                         /* in al, 0x83 */
        0x88, 0xc3,                         /* mov bl, al */
        0xed,                               /* in ax, dx */
        0x89, 0xc5,                         /* mov bp, ax */
        0x66, 0xe5, 0x84,                   /* in eax, 0x84 */
        0x66, 0xa3, 0x00, 0x03,             /* mov [0x300], eax */
        0xba, 0x86, 0x00,                   /* mov dx, 0x86 */
        0xbe, 0x00, 0x01,                   /* mov si, 0x100 */
        0xb9, 0x03, 0x00,                   /* mov cx, 3 */
        0xf3, 0x6e,                         /* rep outsb */
        0xbf, 0x00, 0x02,                   /* mov di, 0x200 */
        0xb9, 0x02, 0x00,                   /* mov cx, 2 */
        0xf3, 0x6d,                         /* rep insw */
        0xf4,                               /* hlt */
    };
    static const IoEvent want[] = {
        { true, 0x80, 1, 0x11 }, { true, 0x80, 2, 0x2211 }, { true, 0x80, 4, 0x44332211 },
        { true, 0x81, 1, 0x11 }, { true, 0x82, 2, 0x2211 },
        { false, 0x83, 1, 0xd0 }, { false, 0x80, 2, 0xc1d1 }, { false, 0x84, 4, 0xa2b2c2d2 },
        { true, 0x86, 1, 0x61 }, { true, 0x86, 1, 0x62 }, { true, 0x86, 1, 0x63 },
        { false, 0x86, 2, 0xc3d3 }, { false, 0x86, 2, 0xc4d4 },
    };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;
    TestIo tio = { 0 };
    char *why = NULL;

    g_assert_true(ioport_register(&m->io, "test", 0x80, 16, &tio_ops, &tio, &why));
    g_assert_null(why);
    g_assert_true(physmem_load(&m->pm, lin(DATA_SEG, 0x100), "abc", 3));
    vm_run(m);

    g_assert_cmpuint(tio.n, ==, G_N_ELEMENTS(want));
    for (unsigned i = 0; i < tio.n; i++) {
        g_assert_cmpint(tio.ev[i].write, ==, want[i].write);
        g_assert_cmphex(tio.ev[i].port, ==, want[i].port);
        g_assert_cmpuint(tio.ev[i].size, ==, want[i].size);
        g_assert_cmphex(tio.ev[i].val, ==, want[i].val);
    }
    g_assert_cmphex(cpu->regs[R_EBX] & 0xff, ==, 0xd0);
    g_assert_cmphex(cpu->regs[R_EBP], ==, 0xc1d1);
    g_assert_cmphex(rd(m, lin(DATA_SEG, 0x300), 4), ==, 0xa2b2c2d2);
    g_assert_cmphex(rd(m, lin(EXTRA_SEG, 0x200), 4), ==, 0xc4d4c3d3);
    g_assert_cmphex(cpu->regs[R_ESI], ==, 0x103);
    g_assert_cmphex(cpu->regs[R_EDI], ==, 0x204);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0);
    machine_free(m);
}

/* ---- the I/O permission check, called directly on a hand-built CPU state ---- */

#define TSS_BASE 0x5000u
#define IOMAP 0x68u

/* Runs cpu_check_io; returns the vector it raised, or -1. */
static int io_check(CPUState *cpu, uint16_t port, unsigned size)
{
    cpu->exc_pending = false;
    if (setjmp(cpu->jmp_env)) {
        g_assert_true(cpu->exc_has_error);
        g_assert_cmphex(cpu->exc_error, ==, 0);
        return cpu->exc_vector;
    }
    cpu_check_io(cpu, port, size);
    return -1;
}

static void test_ioperm(void)
{
    const uint8_t code[] = { 0xf4 };
    Machine *m = vm_new(code, sizeof(code));
    CPUState *cpu = &m->cpu;
    SegCache *tr = &cpu->seg[SEG_TR];

    g_assert_cmpint(io_check(cpu, 0x80, 4), ==, -1);   /* real mode: anything goes */

    /*
     * A 32-bit busy TSS whose bitmap covers ports 0-0x8f, only 0x80-0x83 and 0x88 open,
     * followed by the customary all-ones byte.
     */
    wr(m, TSS_BASE + 0x66, IOMAP, 2);
    for (unsigned i = 0; i < 0x13; i++) {
        wr(m, TSS_BASE + IOMAP + i, 0xff, 1);
    }
    wr(m, TSS_BASE + IOMAP + 0x10, 0xf0, 1);
    wr(m, TSS_BASE + IOMAP + 0x11, 0xfe, 1);
    *tr = (SegCache){ .sel = 0x28, .attr = DESC_P | 0xb, .base = TSS_BASE,
                      .limit = IOMAP + 0x12 };
    cpu->cr[0] |= CR0_PE;
    cpu_set_eflags(cpu, 0);  /* IOPL 0 */

    cpu_set_cpl(cpu, 0);
    g_assert_cmpint(io_check(cpu, 0x3f8, 1), ==, -1);  /* CPL <= IOPL */
    cpu_set_cpl(cpu, 3);
    g_assert_cmpint(io_check(cpu, 0x80, 4), ==, -1);
    g_assert_cmpint(io_check(cpu, 0x83, 1), ==, -1);
    g_assert_cmpint(io_check(cpu, 0x82, 4), ==, EXC_GP);  /* 0x84 is closed */
    g_assert_cmpint(io_check(cpu, 0x87, 2), ==, EXC_GP);  /* 0x87 closed, 0x88 open */
    g_assert_cmpint(io_check(cpu, 0x88, 1), ==, -1);
    g_assert_cmpint(io_check(cpu, 0x89, 1), ==, EXC_GP);
    g_assert_cmpint(io_check(cpu, 0x40, 1), ==, EXC_GP);

    /* Both bytes read must be inside the limit, even for a one-byte port. */
    tr->limit = IOMAP + 0x11;
    g_assert_cmpint(io_check(cpu, 0x83, 1), ==, -1);
    g_assert_cmpint(io_check(cpu, 0x88, 1), ==, EXC_GP);
    tr->limit = IOMAP + 0x12;

    /* IOPL 3 lets CPL 3 through; in virtual-8086 mode only the bitmap counts. */
    cpu_set_eflags(cpu, FL_IOPL);
    g_assert_cmpint(io_check(cpu, 0x40, 1), ==, -1);
    cpu_set_eflags(cpu, FL_IOPL | FL_VM);
    g_assert_cmpint(io_check(cpu, 0x40, 1), ==, EXC_GP);
    g_assert_cmpint(io_check(cpu, 0x81, 2), ==, -1);
    cpu_set_eflags(cpu, 0);

    /* A 16-bit TSS has no bitmap. */
    tr->attr = DESC_P | 0x3;
    g_assert_cmpint(io_check(cpu, 0x80, 1), ==, EXC_GP);
    cpu->exc_pending = false;
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(movs_cases); i++) {
        const MovsCase *c = &movs_cases[i];
        g_autofree char *name = g_strdup_printf("/string/movs/%u-%04x-%04x-%x%s", c->size,
                                                c->si, c->di, c->count, c->down ? "-down" : "");
        g_test_add_data_func(name, c, test_movs_case);
    }
    g_test_add_func("/string/stosd-page-cross", test_stosd_page_cross);
    g_test_add_func("/string/stosw-long-backward", test_stosw_long_backward);
    g_test_add_func("/string/repe-cmpsb", test_repe_cmpsb);
    g_test_add_func("/string/repne-scasb-zero-count", test_repne_scasb_and_zero_count);
    g_test_add_func("/string/gp-mid-rep-movsw", test_gp_mid_rep_movsw);
    g_test_add_func("/string/addr32", test_addr32);
    g_test_add_func("/string/segment-override", test_segment_override);
    g_test_add_func("/string/self-modifying", test_smc);
    g_test_add_func("/string/single-step", test_single_step);
    g_test_add_func("/string/chunked-count", test_chunked_rep_count);
    g_test_add_func("/string/io", test_io);
    g_test_add_func("/string/ioperm", test_ioperm);
    return g_test_run();
}
