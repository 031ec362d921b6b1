/*
 * Unit tests of hw/i8254.c (the PIT) and hw/port61.c, driven through their ports with
 * time from a VClock in instruction mode (1 ns per instruction) and a run loop that, like
 * the real one, never runs past a timer deadline: each mode's count sequence and OUT
 * edges at exact input-clock pulses, BCD, the latch and read-back commands, gates, the
 * IRQ 0 rate over virtual seconds, Linux's TSC calibration through port 0x61, and a state
 * round trip.
 */
#include <glib.h>
#include <string.h>

#include "hw/i8254.h"
#include "hw/port61.h"
#include "devtest.h"

#define NS 1000000000LL
#define MAX_EDGES 64

typedef struct Edge {
    int64_t ns;
    bool level;
} Edge;

typedef struct Fx {
    Log log;
    IoSpace io;
    uint64_t insns;
    VClock clock;
    Pit pit;
    Port61 p61;
    bool irq0;
    unsigned rises;
    Edge edges[MAX_EDGES];
    unsigned nedges;
} Fx;

static void on_irq0(void *opaque, int n, bool level)
{
    Fx *f = opaque;
    if (level && !f->irq0) {
        f->rises++;
    }
    if (level != f->irq0 && f->nedges < MAX_EDGES) {
        f->edges[f->nedges++] = (Edge){ vclock_now(&f->clock), level };
    }
    f->irq0 = level;
}

static void fx_init(Fx *f)
{
    IrqLine irq0, gate2;
    char *why = NULL;

    memset(f, 0, sizeof(*f));
    log_init(&f->log);
    ioport_init(&f->io, &f->log);
    vclock_init(&f->clock, VCLOCK_INSNS, 0, &f->insns);
    irq_connect(&irq0, on_irq0, f, 0);
    g_assert_true(pit_init(&f->pit, &f->io, &f->clock, irq0, &why));
    irq_connect(&gate2, pit_gate_handler, &f->pit, 2);
    g_assert_true(port61_init(&f->p61, &f->io, &f->clock, gate2, pit_out_level, &f->pit, 2,
                              &why));
    f->nedges = 0;
}

static void fx_setup(Fx *f, gconstpointer data)
{
    fx_init(f);
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    ioport_destroy(&f->io);
}

/* The first nanosecond of input-clock pulse K. */
static int64_t tick_ns(int64_t k)
{
    return k / PIT_HZ * NS + (k % PIT_HZ * NS + PIT_HZ - 1) / PIT_HZ;
}

static void run_to(Fx *f, int64_t ns)
{
    devtest_run_to(&f->clock, &f->insns, ns, NULL, NULL);
}

static void at_tick(Fx *f, int64_t k)
{
    run_to(f, tick_ns(k));
}

static void out(Fx *f, uint16_t port, uint8_t v)
{
    ioport_write(&f->io, port, v, 1);
}

static uint8_t in(Fx *f, uint16_t port)
{
    return (uint8_t)ioport_read(&f->io, port, 1);
}

static uint16_t in16(Fx *f, uint16_t port)
{
    uint8_t lo = in(f, port);
    return (uint16_t)(lo | in(f, port) << 8);
}

/* Counter CH's count now, through the counter latch command. */
static uint16_t count(Fx *f, int ch)
{
    out(f, 0x43, (uint8_t)(ch << 6));
    return in16(f, (uint16_t)(0x40 + ch));
}

/* Control word CONTROL for the counter it selects, then a 16-bit count, at pulse K. */
static void program(Fx *f, int64_t k, uint8_t control, uint16_t n)
{
    uint16_t port = (uint16_t)(0x40 + (control >> 6));
    at_tick(f, k);
    out(f, 0x43, control);
    out(f, port, n & 0xff);
    out(f, port, n >> 8);
}

static bool out2(Fx *f)
{
    return in(f, 0x61) & 0x20;
}

static void gate2(Fx *f, bool level)
{
    out(f, 0x61, level ? 0x01 : 0x00);
}

static void assert_edge(Fx *f, unsigned i, int64_t tick, bool level)
{
    g_assert_cmpuint(f->nedges, >, i);
    g_assert_cmpint(f->edges[i].ns, ==, tick_ns(tick));
    g_assert_cmpint(f->edges[i].level, ==, level);
}

static void test_mode0(Fx *f, gconstpointer data)
{
    at_tick(f, 100);
    out(f, 0x43, 0x30);
    g_assert_false(f->irq0);                 /* the control word sets OUT low */
    assert_edge(f, 0, 100, false);
    out(f, 0x40, 10);
    out(f, 0x40, 0);
    at_tick(f, 101);
    g_assert_cmpuint(count(f, 0), ==, 10);   /* loaded on the next pulse, not decremented */
    at_tick(f, 105);
    g_assert_cmpuint(count(f, 0), ==, 6);
    run_to(f, tick_ns(111) - 1);
    g_assert_cmpuint(count(f, 0), ==, 1);
    g_assert_false(f->irq0);
    at_tick(f, 111);                         /* N + 1 pulses after the write */
    g_assert_cmpuint(count(f, 0), ==, 0);
    assert_edge(f, 1, 111, true);
    at_tick(f, 112);
    g_assert_cmpuint(count(f, 0), ==, 0xffff);   /* wraps and counts on, OUT stays high */
    at_tick(f, 200);
    g_assert_cmpuint(count(f, 0), ==, 0x10000 - 89);
    run_to(f, tick_ns(111 + 70000));
    g_assert_cmpuint(f->nedges, ==, 2);
    g_assert_true(pit_get_out(&f->pit, 0));

    /* counter 2, from pulse B: the gate stops and resumes counting */
    const int64_t B = 100000;
    gate2(f, true);
    program(f, B, 0xb0, 100);
    at_tick(f, B + 11);
    g_assert_cmpuint(count(f, 2), ==, 90);
    gate2(f, false);
    at_tick(f, B + 50);
    g_assert_cmpuint(count(f, 2), ==, 90);
    gate2(f, true);
    at_tick(f, B + 60);
    g_assert_cmpuint(count(f, 2), ==, 80);
    at_tick(f, B + 139);
    g_assert_false(out2(f));
    at_tick(f, B + 140);
    g_assert_true(out2(f));

    /* a new count's first byte stops counting and sets OUT low; the second reloads */
    at_tick(f, B + 200);
    uint16_t held = count(f, 2);
    out(f, 0x42, 50);
    g_assert_false(out2(f));
    at_tick(f, B + 210);
    g_assert_cmpuint(count(f, 2), ==, held);
    out(f, 0x42, 0);
    at_tick(f, B + 211);
    g_assert_cmpuint(count(f, 2), ==, 50);
    at_tick(f, B + 260);
    g_assert_false(out2(f));
    at_tick(f, B + 261);
    g_assert_true(out2(f));
}

static void test_mode1(Fx *f, gconstpointer data)
{
    program(f, 100, 0xb2, 5);
    g_assert_true(out2(f));
    at_tick(f, 110);
    g_assert_true(out2(f));                  /* armed, waiting for a trigger */
    gate2(f, true);                          /* trigger */
    g_assert_true(out2(f));
    at_tick(f, 111);
    g_assert_false(out2(f));
    g_assert_cmpuint(count(f, 2), ==, 5);
    at_tick(f, 115);
    g_assert_cmpuint(count(f, 2), ==, 1);
    g_assert_false(out2(f));
    at_tick(f, 116);
    g_assert_true(out2(f));                  /* low for N pulses */
    g_assert_cmpuint(count(f, 2), ==, 0);
    at_tick(f, 117);
    g_assert_cmpuint(count(f, 2), ==, 0xffff);

    /* retriggering restarts the one-shot */
    at_tick(f, 120);
    gate2(f, false);
    gate2(f, true);
    at_tick(f, 123);
    g_assert_cmpuint(count(f, 2), ==, 3);
    gate2(f, false);
    gate2(f, true);
    at_tick(f, 124);
    g_assert_cmpuint(count(f, 2), ==, 5);
    at_tick(f, 128);
    g_assert_false(out2(f));
    at_tick(f, 129);
    g_assert_true(out2(f));

    /* a new count waits for the next trigger */
    at_tick(f, 130);
    out(f, 0x42, 3);
    out(f, 0x42, 0);
    at_tick(f, 140);
    g_assert_true(out2(f));
    gate2(f, false);
    gate2(f, true);
    at_tick(f, 141);
    g_assert_false(out2(f));
    g_assert_cmpuint(count(f, 2), ==, 3);
    at_tick(f, 144);
    g_assert_true(out2(f));
}

static void test_mode2(Fx *f, gconstpointer data)
{
    static const uint16_t seq[] = { 5, 4, 3, 2, 1, 5, 4 };

    program(f, 100, 0x34, 5);
    for (unsigned i = 0; i < G_N_ELEMENTS(seq); i++) {
        at_tick(f, 101 + i);
        g_assert_cmpuint(count(f, 0), ==, seq[i]);
        g_assert_cmpint(f->irq0, ==, seq[i] != 1);   /* low while the count is 1 */
    }
    at_tick(f, 112);
    assert_edge(f, 0, 105, false);
    assert_edge(f, 1, 106, true);
    assert_edge(f, 2, 110, false);
    assert_edge(f, 3, 111, true);

    /* a new count mid-period is taken at the next reload (pulse 116) */
    g_assert_cmpuint(count(f, 0), ==, 4);
    out(f, 0x40, 3);
    out(f, 0x40, 0);
    at_tick(f, 115);
    g_assert_cmpuint(count(f, 0), ==, 1);
    at_tick(f, 116);
    g_assert_cmpuint(count(f, 0), ==, 3);
    at_tick(f, 120);
    assert_edge(f, 4, 115, false);
    assert_edge(f, 5, 116, true);
    assert_edge(f, 6, 118, false);
    assert_edge(f, 7, 119, true);

    /* counter 2: gate low stops counting with OUT high; gate high reloads */
    program(f, 200, 0xb4, 10);
    at_tick(f, 220);
    g_assert_true(out2(f));
    gate2(f, true);
    at_tick(f, 221);
    g_assert_cmpuint(count(f, 2), ==, 10);
    at_tick(f, 230);
    g_assert_cmpuint(count(f, 2), ==, 1);
    g_assert_false(out2(f));
    gate2(f, false);
    g_assert_true(out2(f));                  /* at once, no clock pulse needed */
    at_tick(f, 240);
    g_assert_cmpuint(count(f, 2), ==, 1);
    gate2(f, true);
    at_tick(f, 241);
    g_assert_cmpuint(count(f, 2), ==, 10);
}

/* Counter 0's OUT and count at pulses FROM.. against the expected half-cycle pattern. */
static void check_square(Fx *f, int64_t from, const uint16_t *vals, const bool *outs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        at_tick(f, from + i);
        g_assert_cmpuint(count(f, 0), ==, vals[i]);
        g_assert_cmpint(f->irq0, ==, outs[i]);
    }
}

static void test_mode3(Fx *f, gconstpointer data)
{
    static const uint16_t even_vals[] = { 6, 4, 2, 6, 4, 2, 6 };
    static const bool even_outs[] = { 1, 1, 1, 0, 0, 0, 1 };
    static const uint16_t odd_vals[] = { 4, 2, 0, 4, 2, 4, 2, 0, 4 };
    static const bool odd_outs[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0 };

    program(f, 100, 0x36, 6);
    check_square(f, 101, even_vals, even_outs, G_N_ELEMENTS(even_vals));
    at_tick(f, 113);
    assert_edge(f, 0, 104, false);
    assert_edge(f, 1, 107, true);
    assert_edge(f, 2, 110, false);
    assert_edge(f, 3, 113, true);

    /* odd: high (N + 1) / 2 pulses, low (N - 1) / 2 */
    program(f, 200, 0x36, 5);
    f->nedges = 0;                           /* (the control word itself set OUT high) */
    check_square(f, 201, odd_vals, odd_outs, G_N_ELEMENTS(odd_vals));
    at_tick(f, 211);
    assert_edge(f, 0, 204, false);
    assert_edge(f, 1, 206, true);
    assert_edge(f, 2, 209, false);
    assert_edge(f, 3, 211, true);

    /* a new count is taken at the end of the current half-cycle */
    program(f, 300, 0x36, 6);
    f->nedges = 0;
    at_tick(f, 302);
    out(f, 0x40, 4);
    out(f, 0x40, 0);
    at_tick(f, 303);
    g_assert_cmpuint(count(f, 0), ==, 2);
    at_tick(f, 304);
    g_assert_cmpuint(count(f, 0), ==, 4);
    at_tick(f, 310);
    assert_edge(f, 0, 304, false);
    assert_edge(f, 1, 306, true);
    assert_edge(f, 2, 308, false);
    assert_edge(f, 3, 310, true);
}

static void test_mode4(Fx *f, gconstpointer data)
{
    program(f, 100, 0x38, 4);
    g_assert_true(f->irq0);
    at_tick(f, 101);
    g_assert_cmpuint(count(f, 0), ==, 4);
    at_tick(f, 104);
    g_assert_true(f->irq0);
    at_tick(f, 105);
    g_assert_false(f->irq0);                 /* strobe N + 1 pulses after the write */
    g_assert_cmpuint(count(f, 0), ==, 0);
    at_tick(f, 106);
    g_assert_true(f->irq0);
    g_assert_cmpuint(count(f, 0), ==, 0xffff);
    run_to(f, tick_ns(106 + 70000));
    g_assert_cmpuint(f->nedges, ==, 2);      /* one strobe per count written */
    assert_edge(f, 0, 105, false);
    assert_edge(f, 1, 106, true);

    /* writing a count retriggers */
    f->nedges = 0;
    program(f, 200000, 0x38, 2);
    at_tick(f, 200010);
    assert_edge(f, 0, 200003, false);
    assert_edge(f, 1, 200004, true);

    /* counter 2: gate low inhibits counting */
    program(f, 300000, 0xb8, 3);
    at_tick(f, 300010);
    g_assert_true(out2(f));
    gate2(f, true);
    at_tick(f, 300013);
    g_assert_false(out2(f));
    at_tick(f, 300014);
    g_assert_true(out2(f));
}

static void test_mode5(Fx *f, gconstpointer data)
{
    program(f, 100, 0xba, 3);
    at_tick(f, 110);
    g_assert_true(out2(f));
    gate2(f, true);
    at_tick(f, 111);
    g_assert_cmpuint(count(f, 2), ==, 3);
    at_tick(f, 113);
    g_assert_true(out2(f));
    at_tick(f, 114);
    g_assert_false(out2(f));
    at_tick(f, 115);
    g_assert_true(out2(f));
    gate2(f, false);                         /* no effect on a strobe mode's count */
    at_tick(f, 120);
    g_assert_cmpuint(count(f, 2), ==, 0xffff - 5);
}

static void test_bcd(Fx *f, gconstpointer data)
{
    gate2(f, true);
    program(f, 100, 0xb1, 0x0100);
    at_tick(f, 101);
    g_assert_cmphex(count(f, 2), ==, 0x0100);
    at_tick(f, 102);
    g_assert_cmphex(count(f, 2), ==, 0x0099);
    at_tick(f, 200);
    g_assert_cmphex(count(f, 2), ==, 0x0001);
    g_assert_false(out2(f));
    at_tick(f, 201);
    g_assert_cmphex(count(f, 2), ==, 0x0000);
    g_assert_true(out2(f));
    at_tick(f, 202);
    g_assert_cmphex(count(f, 2), ==, 0x9999);
    /* count 0 is 10000 */
    program(f, 300, 0xb1, 0);
    at_tick(f, 302);
    g_assert_cmphex(count(f, 2), ==, 0x9999);
    at_tick(f, 10300);
    g_assert_false(out2(f));
    at_tick(f, 10301);
    g_assert_true(out2(f));
    /* mode 2, BCD: period 10 */
    program(f, 20000, 0xb5, 0x0010);
    at_tick(f, 20004);
    g_assert_cmphex(count(f, 2), ==, 0x0007);
    at_tick(f, 20011);
    g_assert_cmphex(count(f, 2), ==, 0x0010);
}

static void test_latch(Fx *f, gconstpointer data)
{
    gate2(f, true);
    program(f, 1000, 0xb0, 0xffff);
    at_tick(f, 1100);
    out(f, 0x43, 0x80);
    at_tick(f, 1200);
    g_assert_cmphex(in16(f, 0x42), ==, 0xffff - 99);
    /* a second latch before the read is ignored */
    at_tick(f, 1300);
    out(f, 0x43, 0x80);
    at_tick(f, 1400);
    out(f, 0x43, 0x80);
    at_tick(f, 1500);
    g_assert_cmphex(in16(f, 0x42), ==, 0xffff - 299);
    /* unlatched reads follow the count, LSB then MSB */
    g_assert_cmphex(in16(f, 0x42), ==, 0xffff - 499);
    g_assert_cmphex(in(f, 0x42), ==, (0xffff - 499) & 0xff);
    at_tick(f, 1600);
    g_assert_cmphex(in(f, 0x42), ==, (0xffff - 599) >> 8);
    /* LSB-only and MSB-only access */
    program(f, 2000, 0x90, 0);
    out(f, 0x42, 0x20);
    at_tick(f, 2001);
    g_assert_cmphex(in(f, 0x42), ==, 0x20);
    g_assert_cmphex(in(f, 0x42), ==, 0x20);
    at_tick(f, 2005);
    out(f, 0x43, 0x80);
    at_tick(f, 2010);
    g_assert_cmphex(in(f, 0x42), ==, 0x1c);
    program(f, 3000, 0xa0, 0);
    out(f, 0x42, 0x01);
    at_tick(f, 3001);
    g_assert_cmphex(in(f, 0x42), ==, 0x01);
    at_tick(f, 3002);
    g_assert_cmphex(in(f, 0x42), ==, 0x00);   /* 0x00ff */
    /* the control port reads nothing */
    g_assert_cmphex(in(f, 0x43), ==, 0xff);
}

static void test_readback(Fx *f, gconstpointer data)
{
    program(f, 100, 0x34, 100);
    out(f, 0x43, 0xe2);                      /* status of counter 0 */
    g_assert_cmphex(in(f, 0x40), ==, 0x80 | 0x40 | 0x34);  /* OUT high, null count */
    at_tick(f, 101);
    out(f, 0x43, 0xe2);
    g_assert_cmphex(in(f, 0x40), ==, 0x80 | 0x34);         /* loaded */
    at_tick(f, 200);
    out(f, 0x43, 0xe2);
    g_assert_cmphex(in(f, 0x40), ==, 0x34);                /* the low pulse */
    /* status and count: status first; a second read-back doesn't replace them */
    at_tick(f, 250);
    out(f, 0x43, 0xc2);
    at_tick(f, 260);
    out(f, 0x43, 0xc2);
    g_assert_cmphex(in(f, 0x40), ==, 0x80 | 0x34);
    g_assert_cmpuint(in16(f, 0x40), ==, 100 - (250 - 101) % 100);
    /* count only, several counters at once */
    gate2(f, true);
    program(f, 300, 0xb0, 1000);
    at_tick(f, 311);
    out(f, 0x43, 0xda);                      /* counts of 0 and 2 */
    at_tick(f, 320);
    g_assert_cmpuint(in16(f, 0x42), ==, 990);
    g_assert_cmpuint(in16(f, 0x40), ==, 100 - (311 - 101) % 100);
    /* a new count in mode 2 leaves null count set until the reload, at pulse 401 */
    at_tick(f, 350);
    out(f, 0x40, 50);
    out(f, 0x40, 0);
    out(f, 0x43, 0xe2);
    g_assert_cmphex(in(f, 0x40) & 0x40, ==, 0x40);
    at_tick(f, 400);
    out(f, 0x43, 0xe2);
    g_assert_cmphex(in(f, 0x40) & 0x40, ==, 0x40);
    at_tick(f, 401);
    out(f, 0x43, 0xe2);
    g_assert_cmphex(in(f, 0x40) & 0x40, ==, 0);
    g_assert_cmpuint(count(f, 0), ==, 50);
}

/* Rising IRQ 0 edges in SECONDS virtual seconds for DIVISOR in MODE, with timers serviced
 * every STEP ns (0: exactly at each deadline). */
static unsigned irq0_rises(Fx *f, uint8_t mode, uint16_t divisor, int seconds, int64_t step)
{
    out(f, 0x43, (uint8_t)(0x30 | mode << 1));
    out(f, 0x40, divisor & 0xff);
    out(f, 0x40, divisor >> 8);
    f->rises = 0;
    for (int64_t t = step; step && t < seconds * NS; t += step) {
        f->insns = (uint64_t)t;
        vclock_run_timers(&f->clock);
    }
    run_to(f, seconds * NS);
    return f->rises;
}

static void test_irq0_rate(Fx *f, gconstpointer data)
{
    /* load at pulse 1, rising edges at 1 + k * 11932: 99.998 Hz */
    unsigned expect = (unsigned)((10 * PIT_HZ - 1) / 11932);
    g_assert_cmpuint(expect, ==, 999);
    g_assert_cmpuint(irq0_rises(f, 2, 11932, 10, 0), ==, expect);
    g_assert_cmpint(f->edges[0].ns, ==, tick_ns(11932));
    g_assert_cmpint(f->edges[1].ns, ==, tick_ns(11933));
    fx_teardown(f, NULL);
    fx_init(f);
    g_assert_cmpuint(irq0_rises(f, 3, 11932, 10, 0), ==, expect);
    g_assert_cmpint(f->edges[0].ns, ==, tick_ns(1 + 5966));
    /* timers serviced late (every 10 us, past the 838 ns low pulse): no tick lost */
    fx_teardown(f, NULL);
    fx_init(f);
    g_assert_cmpuint(irq0_rises(f, 2, 11932, 10, 10000), ==, expect);
    fx_teardown(f, NULL);
    fx_init(f);
    g_assert_cmpuint(irq0_rises(f, 2, 0, 1, 0), ==, (PIT_HZ - 1) / 65536);  /* 18.2 Hz */
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(): counter 2, mode 0, gated through port 0x61. */
static void test_calibrate(Fx *f, gconstpointer data)
{
    const uint16_t latch = PIT_HZ / 100;      /* 10 ms */
    unsigned loops = 0;

    run_to(f, 123456);
    out(f, 0x61, (in(f, 0x61) & ~0x02) | 0x01);
    out(f, 0x43, 0xb0);
    out(f, 0x42, latch & 0xff);
    out(f, 0x42, latch >> 8);
    int64_t w = 123456LL * PIT_HZ / NS;         /* the pulse the count was written in */
    while (!(in(f, 0x61) & 0x20)) {
        f->insns += 20;                       /* one loop iteration */
        vclock_run_timers(&f->clock);
        loops++;
    }
    int64_t seen = (int64_t)f->insns;
    g_assert_cmpint(seen, >=, tick_ns(w + 1 + latch));
    g_assert_cmpint(seen, <, tick_ns(w + 1 + latch) + 20);
    g_assert_cmpuint(loops, >, 1000);

    /* quick_pit_calibrate(): 0xffff, then the MSB drops every 256 pulses */
    out(f, 0x43, 0xb0);
    out(f, 0x42, 0xff);
    out(f, 0x42, 0xff);
    w = (int64_t)f->insns * PIT_HZ / NS;
    for (int i = 1; i <= 50; i++) {
        while (true) {
            in(f, 0x42);
            if (in(f, 0x42) == 0xff - i) {
                break;
            }
            f->insns += 10;
        }
        g_assert_cmpint((int64_t)f->insns, >=, tick_ns(w + 1 + 256 * i));
        g_assert_cmpint((int64_t)f->insns, <, tick_ns(w + 1 + 256 * i) + 10);
    }
}

/*
 * arch/x86/kernel/tsc.c quick_pit_calibrate() as the guest runs it under wirt's default
 * instruction clock: 8 ns per instruction, so an I/O access lasts 8 ns, not the ~1 us of
 * an ISA cycle, and the TSC counts virtual nanoseconds.
 */
#define QPC_INSN_NS 8

static void qpc_step(Fx *f, int insns)
{
    run_to(f, vclock_now(&f->clock) + insns * QPC_INSN_NS);
}

static uint8_t qpc_in(Fx *f, uint16_t port)
{
    qpc_step(f, 1);
    return in(f, port);
}

static void qpc_out(Fx *f, uint16_t port, uint8_t v)
{
    qpc_step(f, 1);
    out(f, port, v);
}

static uint64_t qpc_rdtsc(Fx *f)
{
    qpc_step(f, 1);
    return (uint64_t)vclock_now(&f->clock);
}

/* pit_verify_msb(): the LSB ignored, the MSB compared */
static bool qpc_verify_msb(Fx *f, uint8_t val)
{
    qpc_in(f, 0x42);
    return qpc_in(f, 0x42) == val;
}

/* pit_expect_msb() */
static bool qpc_expect_msb(Fx *f, uint8_t val, uint64_t *tscp, uint64_t *deltap)
{
    uint64_t tsc = 0, prev_tsc = 0;
    int count;

    for (count = 0; count < 50000; count++) {
        if (!qpc_verify_msb(f, val)) {
            break;
        }
        prev_tsc = tsc;
        tsc = qpc_rdtsc(f);
        qpc_step(f, 3);                       /* the loop's other instructions */
    }
    *deltap = qpc_rdtsc(f) - prev_tsc;
    *tscp = tsc;
    return count > 5;
}

/* quick_pit_calibrate(): the TSC rate in kHz, or 0 when the fast calibration fails. */
static uint64_t qpc_calibrate(Fx *f)
{
    const int max_iter = 50 * PIT_HZ / 1000 / 256;
    uint64_t tsc, delta, d1, d2;

    qpc_out(f, 0x61, (uint8_t)((qpc_in(f, 0x61) & ~0x02) | 0x01));
    qpc_out(f, 0x43, 0xb0);
    qpc_out(f, 0x42, 0xff);
    qpc_out(f, 0x42, 0xff);
    qpc_verify_msb(f, 0);                     /* "delay for a microsecond" */
    if (!qpc_expect_msb(f, 0xff, &tsc, &d1)) {
        return 0;
    }
    for (int i = 1; i <= max_iter; i++) {
        if (!qpc_expect_msb(f, (uint8_t)(0xff - i), &delta, &d2)) {
            return 0;
        }
        delta -= tsc;
        if (i == 1 && d1 + d2 >= (delta * max_iter) >> 11) {
            return 0;
        }
        if (d1 + d2 >= delta >> 11) {
            continue;
        }
        if (!qpc_verify_msb(f, (uint8_t)(0xfe - i))) {
            return 0;
        }
        return delta * PIT_HZ / ((uint64_t)i * 256 * 1000);
    }
    return 0;
}

/*
 * A count written reads back at once, even in the same input-clock pulse as the write:
 * the fast calibration succeeds whatever the phase of the write against the PIT clock.
 */
static void test_quick_calibrate(Fx *f, gconstpointer data)
{
    for (int64_t phase = 0; phase < 838; phase += 8) {
        int64_t start = tick_ns(100000) + phase;
        uint64_t khz;

        if (vclock_now(&f->clock) > start) {
            fx_teardown(f, NULL);
            fx_init(f);
        }
        run_to(f, start);
        khz = qpc_calibrate(f);
        /* the TSC counts virtual ns: 1 GHz, within the calibration's 500 ppm */
        g_assert_cmpuint(khz, >=, 1000000 - 500);
        g_assert_cmpuint(khz, <=, 1000000 + 500);
    }

    /* the read in the write's own pulse: the new count, not the CE's old contents */
    fx_teardown(f, NULL);
    fx_init(f);
    gate2(f, true);
    program(f, 100, 0xb0, 0x1234);
    g_assert_cmphex(count(f, 2), ==, 0x1234);
    g_assert_false(out2(f));
    at_tick(f, 101);                          /* loaded, not decremented */
    g_assert_cmphex(count(f, 2), ==, 0x1234);
    at_tick(f, 102);
    g_assert_cmphex(count(f, 2), ==, 0x1233);
    at_tick(f, 100 + 0x1234);
    g_assert_false(out2(f));
    at_tick(f, 101 + 0x1234);                 /* OUT still high N + 1 pulses after */
    g_assert_true(out2(f));
    /* the same for a mode 2 count and for a gate trigger */
    program(f, 10000, 0x34, 500);
    g_assert_cmpuint(count(f, 0), ==, 500);
    program(f, 20000, 0xb2, 700);
    at_tick(f, 20010);
    gate2(f, false);
    gate2(f, true);
    g_assert_cmpuint(count(f, 2), ==, 700);
    g_assert_true(out2(f));                   /* OUT falls at the load pulse */
    at_tick(f, 20011);
    g_assert_false(out2(f));
    g_assert_cmpuint(count(f, 2), ==, 700);
}

static void test_port61(Fx *f, gconstpointer data)
{
    g_assert_cmphex(in(f, 0x61) & 0x10, ==, 0);
    run_to(f, 15084);
    g_assert_cmphex(in(f, 0x61) & 0x10, ==, 0);
    run_to(f, 15085);
    g_assert_cmphex(in(f, 0x61) & 0x10, ==, 0x10);    /* refresh toggles every 15.085 us */
    run_to(f, 30170);
    g_assert_cmphex(in(f, 0x61) & 0x10, ==, 0);
    out(f, 0x61, 0xff);                               /* bits 4-7 are read-only */
    g_assert_cmphex(in(f, 0x61) & 0xcf, ==, 0x0f);
    out(f, 0x61, 0x02);                               /* speaker data kept, gate low */
    g_assert_cmphex(in(f, 0x61) & 0x0f, ==, 0x02);
    /* OUT2 shows in bit 5: the reset mode 3 counter waits with OUT high */
    g_assert_cmphex(in(f, 0x61) & 0x20, ==, 0x20);
    program(f, 100000, 0xb0, 10);
    g_assert_cmphex(in(f, 0x61) & 0x20, ==, 0);
    port61_reset(&f->p61);
    g_assert_cmphex(in(f, 0x61) & 0x0f, ==, 0);
}

static void test_state(Fx *f, gconstpointer data)
{
    Fx *g = g_new0(Fx, 1);
    GByteArray *img = g_byte_array_new();

    gate2(f, true);
    program(f, 100, 0x34, 1000);
    program(f, 200, 0xb0, 5000);
    at_tick(f, 1234);
    out(f, 0x43, 0xc8);                      /* status and count of counter 2, unread */
    state_save(&pit_state_desc, &f->pit, img);

    fx_init(g);
    g->insns = f->insns;
    g->irq0 = f->irq0;
    g_assert_true(state_load(&pit_state_desc, &g->pit, img->data, img->len));
    g_byte_array_unref(img);
    g->p61.value = f->p61.value;

    g_assert_cmphex(in(g, 0x42), ==, in(f, 0x42));     /* the latched status */
    g_assert_cmphex(in16(g, 0x42), ==, in16(f, 0x42));
    f->rises = g->rises = 0;
    for (int64_t k = 1300; k < 20000; k += 777) {
        at_tick(f, k);
        at_tick(g, k);
        g_assert_cmpuint(count(g, 0), ==, count(f, 0));
        g_assert_cmpuint(count(g, 2), ==, count(f, 2));
        g_assert_cmpint(out2(g), ==, out2(f));
        g_assert_cmpuint(g->rises, ==, f->rises);
    }
    g_assert_cmpuint(f->rises, >, 10);
    fx_teardown(g, NULL);
    g_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/i8254/" name, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("mode0", test_mode0);
    ADD("mode1", test_mode1);
    ADD("mode2", test_mode2);
    ADD("mode3", test_mode3);
    ADD("mode4", test_mode4);
    ADD("mode5", test_mode5);
    ADD("bcd", test_bcd);
    ADD("latch", test_latch);
    ADD("readback", test_readback);
    ADD("irq0-rate", test_irq0_rate);
    ADD("calibrate", test_calibrate);
    ADD("quick-calibrate", test_quick_calibrate);
    ADD("port61", test_port61);
    ADD("state", test_state);
#undef ADD
    return g_test_run();
}
