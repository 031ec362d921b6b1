/*
 * The MC146818A RTC and CMOS (hw/mc146818.c), driven through ports 0x70/0x71 with virtual
 * time from an instruction counter (1 ns per instruction).
 */
#include <glib.h>
#include <string.h>

#include "hw/mc146818.h"
#include "devtest.h"

#define MS 1000000ll
#define SEC 1000000000ll

typedef struct Fx {
    uint64_t insns;
    VClock clock;
    Log log;
    IoSpace io;
    Rtc rtc;
    bool level;         /* IRQ 8 */
    int edges;          /* rising edges seen */
    bool ack;           /* an "interrupt handler" reads register C after each edge */
    uint8_t last_c;     /* what it read */
} Fx;

static void on_irq(void *opaque, int n, bool level)
{
    Fx *f = opaque;
    g_assert_cmpint(n, ==, RTC_IRQ);
    f->edges += level && !f->level;
    f->level = level;
}

/* Copies a device's described state through a state image (base/state.c). */
static void copy_state(const StateDesc *sd, void *from, void *to)
{
    GByteArray *img = g_byte_array_new();

    state_save(sd, from, img);
    g_assert_cmpuint(img->len, ==, state_image_size(sd));
    g_assert_true(state_load(sd, to, img->data, img->len));
    g_assert_false(state_load(sd, to, img->data, img->len - 1));  /* a short image is refused */
    g_byte_array_unref(img);
}

static uint8_t cmos_read(Fx *f, uint8_t index)
{
    ioport_write(&f->io, RTC_PORT, index, 1);
    return (uint8_t)ioport_read(&f->io, RTC_PORT + 1, 1);
}

static void cmos_write(Fx *f, uint8_t index, uint8_t v)
{
    ioport_write(&f->io, RTC_PORT, index, 1);
    ioport_write(&f->io, RTC_PORT + 1, v, 1);
}

static Fx *fx_new(int64_t start_sec)
{
    Fx *f = g_new0(Fx, 1);
    IrqLine irq = { 0 };
    char *why = NULL;

    vclock_init(&f->clock, VCLOCK_INSNS, 0, &f->insns);
    log_init(&f->log);
    ioport_init(&f->io, &f->log);
    irq_connect(&irq, on_irq, f, RTC_IRQ);
    g_assert_true(rtc_init(&f->rtc, &f->io, &f->clock, irq, start_sec, &why));
    return f;
}

static void fx_free(Fx *f)
{
    ioport_destroy(&f->io);
    log_close(&f->log);
    g_free(f);
}

static int64_t now(Fx *f)
{
    return vclock_now(&f->clock);
}

/* A guest handler: read register C (acknowledging IRQ 8) after each interrupt. */
static void ack_irq(void *opaque)
{
    Fx *f = opaque;
    if (f->ack && f->level) {
        f->last_c = cmos_read(f, RTC_REG_C);
    }
}

static void run_to(Fx *f, int64_t t)
{
    devtest_run_to(&f->clock, &f->insns, t, ack_irq, f);
}

static void run_for(Fx *f, int64_t ns)
{
    run_to(f, now(f) + ns);
}

/* The time registers, seconds to century, as read through the ports. */
static void read_time(Fx *f, uint8_t out[8])
{
    static const uint8_t regs[8] = {
        RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_WEEKDAY, RTC_MDAY, RTC_MONTH, RTC_YEAR,
        RTC_CENTURY,
    };
    for (int i = 0; i < 8; i++) {
        out[i] = cmos_read(f, regs[i]);
    }
}

static void assert_time(Fx *f, const uint8_t want[8])
{
    uint8_t got[8];
    read_time(f, got);
    for (int i = 0; i < 8; i++) {
        if (got[i] != want[i]) {
            g_error("time register %d: got 0x%02x, want 0x%02x", i, got[i], want[i]);
        }
    }
}

static void set_format(Fx *f, uint8_t b, int64_t sec)
{
    cmos_write(f, RTC_REG_B, b | RTC_B_SET);
    rtc_set_time(&f->rtc, sec);
    cmos_write(f, RTC_REG_B, b);
}

/* 2023-07-14 23:04:05, a Friday, in the four register formats; then noon and midnight. */
static void test_formats(void)
{
    Fx *f = fx_new(1689375845);
    static const uint8_t bcd24[8] = { 0x05, 0x04, 0x23, 0x06, 0x14, 0x07, 0x23, 0x20 };
    static const uint8_t bcd12[8] = { 0x05, 0x04, 0x91, 0x06, 0x14, 0x07, 0x23, 0x20 };
    static const uint8_t bin24[8] = { 5, 4, 23, 6, 14, 7, 23, 20 };
    static const uint8_t bin12[8] = { 5, 4, 0x80 | 11, 6, 14, 7, 23, 20 };
    uint8_t t[8];

    g_assert_cmphex(cmos_read(f, RTC_REG_B), ==, RTC_B_24H);
    g_assert_cmphex(cmos_read(f, RTC_REG_A), ==, 0x26);
    g_assert_cmphex(cmos_read(f, RTC_REG_D), ==, RTC_D_VRT);
    assert_time(f, bcd24);
    set_format(f, 0, 1689375845);
    assert_time(f, bcd12);
    set_format(f, RTC_B_DM | RTC_B_24H, 1689375845);
    assert_time(f, bin24);
    set_format(f, RTC_B_DM, 1689375845);
    assert_time(f, bin12);

    set_format(f, 0, 1709121600);              /* 2024-02-28 12:00:00 is 12 PM */
    read_time(f, t);
    g_assert_cmphex(t[2], ==, 0x92);
    set_format(f, 0, 1709121600 - 12 * 3600);  /* midnight is 12 AM */
    read_time(f, t);
    g_assert_cmphex(t[2], ==, 0x12);
    set_format(f, RTC_B_DM, 1709121600 - 12 * 3600);
    read_time(f, t);
    g_assert_cmphex(t[2], ==, 12);
    fx_free(f);
}

/* UIP rises 244 us before the 1984 us update cycle; the time moves when it ends. */
static void test_update_cycle(void)
{
    Fx *f = fx_new(1689375845);
    const int64_t uip_from = SEC - RTC_UPDATE_NS - RTC_UIP_LEAD_NS;

    for (int s = 0; s < 3; s++) {
        int64_t base = s * SEC;
        run_to(f, base + uip_from - 1);
        g_assert_cmphex(cmos_read(f, RTC_REG_A) & RTC_A_UIP, ==, 0);
        g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x05 + s);
        run_to(f, base + uip_from);
        g_assert_cmphex(cmos_read(f, RTC_REG_A) & RTC_A_UIP, ==, RTC_A_UIP);
        run_to(f, base + SEC - 1);
        g_assert_cmphex(cmos_read(f, RTC_REG_A), ==, RTC_A_UIP | 0x26);
        g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x05 + s);
        g_assert_cmphex(cmos_read(f, RTC_REG_C) & RTC_C_UF, ==, s ? RTC_C_UF : 0);
        run_to(f, base + SEC);
        g_assert_cmphex(cmos_read(f, RTC_REG_A) & RTC_A_UIP, ==, 0);
        g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x06 + s);
    }
    /* No interrupt enabled: flags come from time, and no timer runs for them. */
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);
    run_for(f, 10 * SEC);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_UF | RTC_C_PF);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x18);
    g_assert_cmpint(f->edges, ==, 0);
    fx_free(f);
}

/* Counts periodic interrupts over one second for a few rates; checks the first period. */
static void test_periodic(void)
{
    static const struct { uint8_t rs; int hz; int64_t first_ns; } rates[] = {
        { 3, 8192, 122071 }, { 6, 1024, 976563 }, { 1, 256, 3906250 }, { 15, 2, 500 * MS },
        { 10, 64, 15625 * 1000 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
        Fx *f = fx_new(0);
        f->ack = true;
        cmos_write(f, RTC_REG_A, RTC_A_DV_32K | rates[i].rs);
        cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
        g_assert_cmpint(vclock_next_deadline(&f->clock), ==, rates[i].first_ns);
        run_to(f, rates[i].first_ns - 1);
        g_assert_cmpint(f->edges, ==, 0);
        run_to(f, rates[i].first_ns);
        g_assert_cmpint(f->edges, ==, 1);
        g_assert_cmphex(f->last_c, ==, RTC_C_IRQF | RTC_C_PF);
        g_assert_false(f->level);               /* reading C lowered IRQ 8 */
        run_to(f, SEC);
        g_assert_cmpint(f->edges, ==, rates[i].hz);
        run_to(f, 3 * SEC);
        g_assert_cmpint(f->edges, ==, 3 * rates[i].hz);
        fx_free(f);
    }
}

/* Without PIE, PF still sets at the rate; RS = 0 stops it. */
static void test_periodic_flag(void)
{
    Fx *f = fx_new(0);

    run_to(f, 976562);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    run_to(f, 976563);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_PF);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    cmos_write(f, RTC_REG_A, RTC_A_DV_32K);
    run_for(f, 100 * MS);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    /* A pending PF raises IRQ 8 as soon as PIE is set. */
    cmos_write(f, RTC_REG_A, RTC_A_DV_32K | 0x0f);
    run_for(f, 600 * MS);
    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    g_assert_true(f->level);
    cmos_write(f, RTC_REG_B, RTC_B_24H);        /* IRQF = PF.PIE: the line follows PIE */
    g_assert_false(f->level);
    fx_free(f);
}

/* Alarm at an exact time, with "don't care" bytes, and flagged even without AIE. */
static void test_alarm(void)
{
    Fx *f = fx_new(1689375845);                 /* 23:04:05 */

    f->ack = true;
    cmos_write(f, RTC_REG_A, RTC_A_DV_32K);     /* no periodic flag */
    cmos_write(f, RTC_HOURS_ALARM, 0x23);
    cmos_write(f, RTC_MINUTES_ALARM, 0x04);
    cmos_write(f, RTC_SECONDS_ALARM, 0x08);
    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, 3 * SEC);
    run_to(f, 3 * SEC - 1);
    g_assert_cmpint(f->edges, ==, 0);
    run_to(f, 3 * SEC);
    g_assert_cmpint(f->edges, ==, 1);
    g_assert_cmphex(f->last_c, ==, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x08);

    /* Hours and minutes "don't care", seconds 30: every minute at :30. */
    cmos_write(f, RTC_HOURS_ALARM, 0xc0);
    cmos_write(f, RTC_MINUTES_ALARM, 0xff);
    cmos_write(f, RTC_SECONDS_ALARM, 0x30);
    run_to(f, 3 * SEC + 22 * SEC - 1);
    g_assert_cmpint(f->edges, ==, 1);
    run_to(f, 3 * SEC + 22 * SEC);              /* 23:04:30 */
    g_assert_cmpint(f->edges, ==, 2);
    run_to(f, 3 * SEC + 22 * SEC + 60 * SEC);   /* 23:05:30 */
    g_assert_cmpint(f->edges, ==, 3);
    /* Across midnight: 23:04:30 + 56 min = 00:00:30 the next day, 58 alarms in all. */
    run_to(f, 3 * SEC + 22 * SEC + 56 * 60 * SEC);
    g_assert_cmpint(f->edges, ==, 58);
    g_assert_cmphex(cmos_read(f, RTC_HOURS), ==, 0x00);
    g_assert_cmphex(cmos_read(f, RTC_MDAY), ==, 0x15);

    /* Without AIE the flag is still set when the alarm time went by unobserved. */
    f->ack = false;
    cmos_write(f, RTC_REG_B, RTC_B_24H);
    (void)cmos_read(f, RTC_REG_C);
    cmos_write(f, RTC_SECONDS_ALARM, 0x45);     /* next at 00:00:45 */
    run_for(f, 14 * SEC);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_UF);
    run_for(f, 10 * SEC);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_AF | RTC_C_UF);
    /* An invalid alarm value never matches. */
    cmos_write(f, RTC_SECONDS_ALARM, 0x7a);
    run_for(f, 100 * SEC);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_UF);
    fx_free(f);
}

/* An alarm byte: "don't care", a value no time has, or a valid one (binary mode). */
static uint8_t random_alarm(int max)
{
    int kind = g_test_rand_int_range(0, 10);
    if (kind < 3) {
        return (uint8_t)(0xc0 | g_test_rand_int_range(0, 64));
    }
    return (uint8_t)(kind == 3 ? g_test_rand_int_range(max + 1, 0xc0)
                               : g_test_rand_int_range(0, max + 1));
}

/* The next alarm deadline against a search through every second of a day. */
static void test_alarm_search(void)
{
    Fx *f = fx_new(0);

    set_format(f, RTC_B_DM | RTC_B_24H, 0);
    cmos_write(f, RTC_REG_A, RTC_A_DV_32K);
    for (int i = 0; i < 2000; i++) {
        uint8_t want[3] = { random_alarm(23), random_alarm(59), random_alarm(59) };
        int sod = g_test_rand_int_range(0, 86400);
        int64_t expect = INT64_MAX;

        for (int d = 1; d <= 86400 && expect == INT64_MAX; d++) {
            int t = (sod + d) % 86400;
            int got[3] = { t / 3600, t / 60 % 60, t % 60 };
            bool match = true;
            for (int k = 0; k < 3; k++) {
                match &= (want[k] & 0xc0) == 0xc0 || want[k] == got[k];
            }
            expect = match ? d * SEC : INT64_MAX;
        }
        cmos_write(f, RTC_REG_B, RTC_B_DM | RTC_B_24H);
        rtc_set_time(&f->rtc, 1700006400 + sod);   /* a midnight plus SOD */
        cmos_write(f, RTC_HOURS_ALARM, want[0]);
        cmos_write(f, RTC_MINUTES_ALARM, want[1]);
        cmos_write(f, RTC_SECONDS_ALARM, want[2]);
        cmos_write(f, RTC_REG_B, RTC_B_DM | RTC_B_24H | RTC_B_AIE);
        if (vclock_next_deadline(&f->clock) != expect) {
            g_error("alarm %02x:%02x:%02x from %d: deadline %" G_GINT64_FORMAT
                    ", want %" G_GINT64_FORMAT, want[0], want[1], want[2], sod,
                    vclock_next_deadline(&f->clock), expect);
        }
    }
    fx_free(f);
}

/* The update-ended interrupt once a second; reading C clears the flags and lowers IRQ 8. */
static void test_update_irq(void)
{
    Fx *f = fx_new(1689375845);

    cmos_write(f, RTC_REG_A, RTC_A_DV_32K);     /* no periodic flag */
    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    run_to(f, SEC - 1);
    g_assert_false(f->level);
    run_to(f, SEC);
    g_assert_true(f->level);
    g_assert_cmpint(f->edges, ==, 1);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);  /* IRQF is up */
    run_to(f, 2500 * MS);
    g_assert_cmpint(f->edges, ==, 1);           /* still up: no new edge */
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, RTC_C_IRQF | RTC_C_UF);
    g_assert_false(f->level);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, 3 * SEC);
    f->ack = true;
    run_to(f, 8 * SEC);
    g_assert_cmpint(f->edges, ==, 7);
    g_assert_cmphex(f->last_c, ==, RTC_C_IRQF | RTC_C_UF);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x13);
    fx_free(f);
}

/* SET stops updates (and clears UIE and UIP); the guest's new time runs on from clear. */
static void test_set_freezes(void)
{
    Fx *f = fx_new(1689375845);
    static const uint8_t written[8] = { 0x00, 0x30, 0x10, 0x02, 0x01, 0x01, 0x24, 0x20 };
    static const uint8_t later[8] = { 0x02, 0x30, 0x10, 0x02, 0x01, 0x01, 0x24, 0x20 };

    run_to(f, 500 * MS);
    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_SET);
    g_assert_cmphex(cmos_read(f, RTC_REG_B), ==, RTC_B_24H | RTC_B_SET);
    run_to(f, SEC - 1);
    g_assert_cmphex(cmos_read(f, RTC_REG_A) & RTC_A_UIP, ==, 0);
    run_to(f, 3200 * MS);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x05);
    g_assert_cmphex(cmos_read(f, RTC_REG_C) & RTC_C_UF, ==, 0);
    /* 2024-01-01 10:30:00, a Monday, written as Linux does. */
    cmos_write(f, RTC_SECONDS, 0x00);
    cmos_write(f, RTC_MINUTES, 0x30);
    cmos_write(f, RTC_HOURS, 0x10);
    cmos_write(f, RTC_WEEKDAY, 0x02);
    cmos_write(f, RTC_MDAY, 0x01);
    cmos_write(f, RTC_MONTH, 0x01);
    cmos_write(f, RTC_YEAR, 0x24);
    cmos_write(f, RTC_CENTURY, 0x20);
    run_to(f, 3900 * MS);
    assert_time(f, written);
    cmos_write(f, RTC_REG_B, RTC_B_24H);
    run_to(f, 4 * SEC - 1);                     /* the divider kept its phase */
    assert_time(f, written);
    run_to(f, 5 * SEC);
    assert_time(f, later);
    fx_free(f);
}

/* Divider reset holds the clock; leaving it, the first update comes 500 ms later. */
static void test_divider_reset(void)
{
    Fx *f = fx_new(1689375845);

    run_to(f, 300 * MS);
    (void)cmos_read(f, RTC_REG_C);
    cmos_write(f, RTC_REG_A, 0x70);
    run_to(f, 5 * SEC);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x05);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    cmos_write(f, RTC_REG_A, 0x26);
    run_to(f, 5500 * MS - 1);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x05);
    run_to(f, 5500 * MS);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x06);
    fx_free(f);
}

/* Bit 7 of the index write masks NMI and does not change which register is read. */
static void test_nmi_mask(void)
{
    Fx *f = fx_new(0);

    g_assert_false(rtc_nmi_masked(&f->rtc));
    ioport_write(&f->io, RTC_PORT, 0x80 | RTC_REG_A, 1);
    g_assert_true(rtc_nmi_masked(&f->rtc));
    g_assert_cmphex(ioport_read(&f->io, RTC_PORT + 1, 1), ==, 0x26);
    ioport_write(&f->io, RTC_PORT, 0x80 | 0x40, 1);
    ioport_write(&f->io, RTC_PORT + 1, 0x5a, 1);
    g_assert_cmphex(rtc_cmos_get(&f->rtc, 0x40), ==, 0x5a);
    ioport_write(&f->io, RTC_PORT, RTC_REG_D, 1);
    g_assert_false(rtc_nmi_masked(&f->rtc));
    g_assert_cmphex(ioport_read(&f->io, RTC_PORT + 1, 1), ==, RTC_D_VRT);
    g_assert_cmphex(ioport_read(&f->io, RTC_PORT, 1), ==, 0xff);
    fx_free(f);
}

static unsigned cmos_word(Fx *f, uint8_t lo)
{
    return cmos_read(f, lo) | cmos_read(f, lo + 1) << 8;
}

static void assert_checksum(Fx *f)
{
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2d; i++) {
        sum += cmos_read(f, i);
    }
    g_assert_cmphex(cmos_read(f, RTC_CHECKSUM_HI) << 8 | cmos_read(f, RTC_CHECKSUM_LO), ==,
                    sum & 0xffff);
}

static void test_memory(void)
{
    static const struct { uint64_t ram; unsigned ext, over16m, over4g; } cases[] = {
        { 8ull << 20, 7 * 1024, 0, 0 },
        { 32ull << 20, 31 * 1024, 256, 0 },
        { 128ull << 20, 0xffff, 1792, 0 },
        { 6ull << 30, 0xffff, 0xdf00, 0xa000 },
        { 2ull << 40, 0xffff, 0xdf00, 0xffffff },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fx *f = fx_new(0);
        rtc_cmos_set(&f->rtc, 0x14, 0x06);      /* a board byte inside the checksum */
        rtc_set_memory(&f->rtc, cases[i].ram);
        g_assert_cmpuint(cmos_word(f, RTC_BASE_MEM_LO), ==, 640);
        g_assert_cmpuint(cmos_word(f, RTC_EXT_MEM_LO), ==, cases[i].ext);
        g_assert_cmpuint(cmos_word(f, RTC_EXT_MEM2_LO), ==, cases[i].ext);
        g_assert_cmpuint(cmos_word(f, RTC_MEM_16M_LO), ==, cases[i].over16m);
        g_assert_cmpuint(cmos_read(f, RTC_MEM_4G_LO) | cmos_read(f, RTC_MEM_4G_MID) << 8 |
                         cmos_read(f, RTC_MEM_4G_HI) << 16, ==, cases[i].over4g);
        assert_checksum(f);
        rtc_cmos_set(&f->rtc, 0x2d, 0x77);
        assert_checksum(f);
        fx_free(f);
    }
}

/* One second past the last second of a month, a year, a leap day and a century. */
static void test_rollover(void)
{
    static const struct { int64_t start; uint8_t want[8]; } cases[] = {
        { 946684799, { 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20 } },   /* 2000-01-01 */
        { 951782399, { 0x00, 0x00, 0x00, 0x03, 0x29, 0x02, 0x00, 0x20 } },   /* 2000-02-29 */
        { 4107542399, { 0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x00, 0x21 } },  /* 2100-03-01 */
        { 1709251199, { 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20 } },  /* 2024-03-01 */
        { 1682899199, { 0x00, 0x00, 0x00, 0x02, 0x01, 0x05, 0x23, 0x20 } },  /* 2023-05-01 */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fx *f = fx_new(cases[i].start);
        g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 0x59);
        run_to(f, SEC);
        assert_time(f, cases[i].want);
        fx_free(f);
    }
    /* 12-hour mode: 11:59:59 PM rolls to 12:00:00 AM. */
    Fx *f = fx_new(0);
    set_format(f, 0, 946684799);
    g_assert_cmphex(cmos_read(f, RTC_HOURS), ==, 0x91);
    run_to(f, SEC);
    g_assert_cmphex(cmos_read(f, RTC_HOURS), ==, 0x12);
    g_assert_cmphex(cmos_read(f, RTC_CENTURY), ==, 0x20);
    fx_free(f);
}

static void assert_matches_glib(Fx *f, int64_t sec)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(sec);
    uint8_t want[8] = {
        (uint8_t)g_date_time_get_second(dt), (uint8_t)g_date_time_get_minute(dt),
        (uint8_t)g_date_time_get_hour(dt), (uint8_t)(g_date_time_get_day_of_week(dt) % 7 + 1),
        (uint8_t)g_date_time_get_day_of_month(dt), (uint8_t)g_date_time_get_month(dt),
        (uint8_t)(g_date_time_get_year(dt) % 100), (uint8_t)(g_date_time_get_year(dt) / 100),
    };
    assert_time(f, want);
}

/* The calendar against GLib's: set directly, and after long runs of virtual time. */
static void test_calendar(void)
{
    Fx *f = fx_new(0);
    int64_t sec = -2208988800ll;                /* 1900-01-01 */

    set_format(f, RTC_B_DM | RTC_B_24H, 0);
    for (int i = 0; i < 3000; i++) {
        rtc_set_time(&f->rtc, sec);
        assert_matches_glib(f, sec);
        sec += 3 * 86400 * 7 + 4321 + i * 977;   /* 1900 .. past 2100 */
    }
    sec = 946684799 - 86400 * 30;
    rtc_set_time(&f->rtc, sec);
    for (int i = 0; i < 40; i++) {
        int64_t step = (400 + i * 37) * 86400ll * SEC / 100 + i * 3 * SEC;
        run_for(f, step);
        sec += step / SEC;
        assert_matches_glib(f, sec);
    }
    fx_free(f);
}

static void test_reset(void)
{
    Fx *f = fx_new(0);

    cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_PIE | RTC_B_SQWE | RTC_B_DM);
    run_to(f, SEC);
    g_assert_true(f->level);
    rtc_reset(&f->rtc);
    g_assert_false(f->level);
    g_assert_cmphex(cmos_read(f, RTC_REG_B), ==, RTC_B_24H | RTC_B_DM);
    g_assert_cmphex(cmos_read(f, RTC_REG_C), ==, 0);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);
    g_assert_cmphex(cmos_read(f, RTC_SECONDS), ==, 1);
    fx_free(f);
}

/* A running clock copied through its state table carries on exactly like the original. */
static void test_state(void)
{
    Fx *a = fx_new(1689375845);
    Fx *b = fx_new(0);
    uint8_t ta[8], tb[8];

    a->ack = b->ack = true;
    cmos_write(a, RTC_REG_A, RTC_A_DV_32K | 0x0d);      /* 8 Hz */
    cmos_write(a, RTC_SECONDS_ALARM, 0x09);
    cmos_write(a, RTC_MINUTES_ALARM, 0xc0);
    cmos_write(a, RTC_HOURS_ALARM, 0xc0);
    cmos_write(a, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
    run_to(a, 2300 * MS);
    b->insns = a->insns;
    copy_state(&rtc_state_desc, &a->rtc, &b->rtc);
    g_assert_cmpint(vclock_next_deadline(&b->clock), ==, vclock_next_deadline(&a->clock));
    a->edges = b->edges = 0;
    run_to(a, 7 * SEC);
    run_to(b, 7 * SEC);
    g_assert_cmpint(a->edges, ==, 38);              /* 8 Hz over (2.3 s, 7 s] */
    g_assert_cmpint(b->edges, ==, a->edges);
    read_time(a, ta);
    read_time(b, tb);
    g_assert_cmpmem(ta, 8, tb, 8);
    g_assert_cmphex(a->last_c, ==, b->last_c);
    fx_free(a);
    fx_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mc146818/formats", test_formats);
    g_test_add_func("/mc146818/update-cycle", test_update_cycle);
    g_test_add_func("/mc146818/periodic", test_periodic);
    g_test_add_func("/mc146818/periodic-flag", test_periodic_flag);
    g_test_add_func("/mc146818/alarm", test_alarm);
    g_test_add_func("/mc146818/alarm-search", test_alarm_search);
    g_test_add_func("/mc146818/update-irq", test_update_irq);
    g_test_add_func("/mc146818/set-freezes", test_set_freezes);
    g_test_add_func("/mc146818/divider-reset", test_divider_reset);
    g_test_add_func("/mc146818/nmi-mask", test_nmi_mask);
    g_test_add_func("/mc146818/memory", test_memory);
    g_test_add_func("/mc146818/rollover", test_rollover);
    g_test_add_func("/mc146818/calendar", test_calendar);
    g_test_add_func("/mc146818/reset", test_reset);
    g_test_add_func("/mc146818/state", test_state);
    return g_test_run();
}
