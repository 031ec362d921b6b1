/*
 * Motorola MC146818A real-time clock and CMOS RAM (MC146818A datasheet: "Address Map",
 * "Time, Calendar and Alarm Locations", "Update Cycle", "Registers", "Interrupts",
 * "Periodic Interrupt Selection"), with the PC's century byte and memory-size bytes.
 */
#include "hw/mc146818.h"

#define NS_PER_SEC 1000000000ll
#define SEC_PER_DAY 86400
#define RTC_HZ 32768            /* the divider's time base */

/* Decoded time registers. */
typedef struct RtcTime {
    int year;                   /* 0..9999: century byte * 100 + year byte */
    int mon, mday, wday;        /* 1..12, 1..31, 1..7 (Sunday = 1) */
    int hour, min, sec;
} RtcTime;

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * The proleptic Gregorian calendar, counted in years that start on March 1 so that the
 * leap day ends a year: a 400-year cycle has 146097 days, a century 36524 (the last
 * century of a cycle one more), four years 1461, and months from March follow the
 * 153-days-per-five-months pattern.
 */
static int64_t rtc_days_from_civil(int64_t year, int mon, int mday)
{
    int64_t y = mon <= 2 ? year - 1 : year;
    int m = mon <= 2 ? mon + 9 : mon - 3;           /* March = 0 */
    int64_t cycle = floor_div(y, 400);
    int64_t yc = y - cycle * 400;
    int64_t day_of_year = (153 * m + 2) / 5 + mday - 1;
    int64_t days = cycle * 146097 + yc * 365 + yc / 4 - yc / 100 + day_of_year;
    return days - 719468;                           /* 0000-03-01 .. 1970-01-01 */
}

static void rtc_civil_from_days(int64_t days, RtcTime *t)
{
    int64_t d = days + 719468;
    int64_t cycle = floor_div(d, 146097);
    int64_t rest = d - cycle * 146097;
    int64_t centuries = rest / 36524 < 3 ? rest / 36524 : 3;
    rest -= centuries * 36524;
    int64_t quads = rest / 1461;
    rest -= quads * 1461;
    int64_t years = rest / 365 < 3 ? rest / 365 : 3;
    rest -= years * 365;                            /* day of the March-based year */
    int m = (int)((5 * rest + 2) / 153);
    int64_t year = cycle * 400 + centuries * 100 + quads * 4 + years + (m >= 10);
    t->mday = (int)(rest - (153 * m + 2) / 5 + 1);
    t->mon = m < 10 ? m + 3 : m - 9;
    t->year = (int)(year - floor_div(year, 10000) * 10000);  /* the registers hold 4 digits */
}

static int rtc_month_days(int year, int mon)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[mon - 1] + (mon == 2 && leap);
}

/* --- register formats (register B: DM and 24/12) --- */

static bool rtc_binary(const Rtc *r)
{
    return (r->cmos[RTC_REG_B] & RTC_B_DM) != 0;
}

static uint8_t rtc_to_reg(const Rtc *r, int v)
{
    return rtc_binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int rtc_from_reg(const Rtc *r, uint8_t b)
{
    return rtc_binary(r) ? b : (b >> 4) * 10 + (b & 0x0f);
}

/* A valid encoding of 0..max, or -1 (a BCD digit above 9, a value out of range). */
static int rtc_from_reg_checked(const Rtc *r, uint8_t b, int max)
{
    if (!rtc_binary(r) && ((b & 0x0f) > 9 || (b >> 4) > 9)) {
        return -1;
    }
    int v = rtc_from_reg(r, b);
    return v <= max ? v : -1;
}

static uint8_t rtc_hour_to_reg(const Rtc *r, int hour)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_to_reg(r, hour);
    }
    int h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(rtc_to_reg(r, h12) | (hour >= 12 ? 0x80 : 0));
}

/* 0..23, or -1 when B is not a valid hour in the current mode. */
static int rtc_hour_from_reg(const Rtc *r, uint8_t b)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_from_reg_checked(r, b, 23);
    }
    int h12 = rtc_from_reg_checked(r, b & 0x7f, 12);
    if (h12 < 1) {
        return -1;
    }
    return h12 % 12 + (b & 0x80 ? 12 : 0);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The time registers, with whatever the guest wrote forced into range. */
static void rtc_read_time(const Rtc *r, RtcTime *t)
{
    const uint8_t *c = r->cmos;
    int hour = rtc_hour_from_reg(r, c[RTC_HOURS]);

    t->sec = clamp(rtc_from_reg(r, c[RTC_SECONDS]), 0, 59);
    t->min = clamp(rtc_from_reg(r, c[RTC_MINUTES]), 0, 59);
    t->hour = hour < 0 ? 0 : hour;
    t->wday = clamp(rtc_from_reg(r, c[RTC_WEEKDAY]), 1, 7);
    t->year = clamp(rtc_from_reg(r, c[RTC_CENTURY]), 0, 99) * 100 +
              clamp(rtc_from_reg(r, c[RTC_YEAR]), 0, 99);
    t->mon = clamp(rtc_from_reg(r, c[RTC_MONTH]), 1, 12);
    t->mday = clamp(rtc_from_reg(r, c[RTC_MDAY]), 1, rtc_month_days(t->year, t->mon));
}

static void rtc_write_time(Rtc *r, const RtcTime *t)
{
    uint8_t *c = r->cmos;

    c[RTC_SECONDS] = rtc_to_reg(r, t->sec);
    c[RTC_MINUTES] = rtc_to_reg(r, t->min);
    c[RTC_HOURS] = rtc_hour_to_reg(r, t->hour);
    c[RTC_WEEKDAY] = rtc_to_reg(r, t->wday);
    c[RTC_MDAY] = rtc_to_reg(r, t->mday);
    c[RTC_MONTH] = rtc_to_reg(r, t->mon);
    c[RTC_YEAR] = rtc_to_reg(r, t->year % 100);
    c[RTC_CENTURY] = rtc_to_reg(r, t->year / 100);
}

/* Moves T on by SECS seconds; the weekday counts on from its own register value. */
static void rtc_advance(RtcTime *t, int64_t secs)
{
    int64_t days = rtc_days_from_civil(t->year, t->mon, t->mday);
    int64_t sod = t->hour * 3600 + t->min * 60 + t->sec + secs;
    int64_t carry = floor_div(sod, SEC_PER_DAY);

    sod -= carry * SEC_PER_DAY;
    rtc_civil_from_days(days + carry, t);
    t->wday = (int)((t->wday - 1 + carry % 7 + 7) % 7) + 1;
    t->hour = (int)(sod / 3600);
    t->min = (int)(sod / 60 % 60);
    t->sec = (int)(sod % 60);
}

/* --- the alarm --- */

/* An alarm byte: -1 for "don't care" (0xc0-0xff), -2 for a value no time can match. */
static int rtc_alarm_field(const Rtc *r, uint8_t b, bool hours)
{
    if ((b & 0xc0) == 0xc0) {
        return -1;
    }
    int v = hours ? rtc_hour_from_reg(r, b) : rtc_from_reg_checked(r, b, 59);
    return v < 0 ? -2 : v;
}

static bool rtc_alarm_fits(int want, int v)
{
    return want == -1 || want == v;
}

/* The first minute * 60 + second at or after FROM (0..3600) that matches, or -1. */
static int rtc_alarm_in_hour(int want_min, int want_sec, int from)
{
    for (int m = from / 60; m < 60; m++) {
        int s = m == from / 60 ? from % 60 : 0;
        if (!rtc_alarm_fits(want_min, m)) {
            continue;
        }
        if (want_sec == -1) {
            return m * 60 + s;
        }
        if (want_sec >= s) {
            return m * 60 + want_sec;
        }
    }
    return -1;
}

/* Seconds from the time T to the next matching time after it: 1..86400, or 0 for never. */
static int64_t rtc_alarm_wait(const Rtc *r, const RtcTime *t)
{
    const uint8_t *c = r->cmos;
    int want_hour = rtc_alarm_field(r, c[RTC_HOURS_ALARM], true);
    int want_min = rtc_alarm_field(r, c[RTC_MINUTES_ALARM], false);
    int want_sec = rtc_alarm_field(r, c[RTC_SECONDS_ALARM], false);
    int into_hour = t->min * 60 + t->sec;

    if (want_hour == -2 || want_min == -2 || want_sec == -2) {
        return 0;
    }
    /* This hour after now, the next 23, then this hour again tomorrow up to now. */
    for (int k = 0; k <= 24; k++) {
        int hour = (t->hour + k) % 24;
        int from = k == 0 ? into_hour + 1 : 0;
        int at = rtc_alarm_fits(want_hour, hour) ? rtc_alarm_in_hour(want_min, want_sec, from)
                                                 : -1;
        if (at >= 0) {
            return k * 3600 + at - into_hour;
        }
    }
    return 0;
}

/* --- the divider and the update cycle --- */

static bool rtc_running(const Rtc *r)
{
    return (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32K;
}

static bool rtc_updating(const Rtc *r)
{
    return rtc_running(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Divider ticks in NS >= 0 nanoseconds, rounded down; and back, rounded up. */
static int64_t rtc_ns_to_ticks(int64_t ns)
{
    return ns / NS_PER_SEC * RTC_HZ + ns % NS_PER_SEC * RTC_HZ / NS_PER_SEC;
}

static int64_t rtc_ticks_to_ns(int64_t ticks)
{
    return ticks / RTC_HZ * NS_PER_SEC + (ticks % RTC_HZ * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}

/* The periodic rate in divider ticks (datasheet table; RS 1 and 2 repeat 8 and 9), 0: off. */
static int64_t rtc_period_ticks(const Rtc *r)
{
    unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;
    if (rs == 0) {
        return 0;
    }
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

/* Periodic edges since tick_ns up to NS (a second holds a whole number of periods). */
static int64_t rtc_periods_at(const Rtc *r, int64_t ns)
{
    return rtc_ns_to_ticks(ns - r->tick_ns) / rtc_period_ticks(r);
}

static int64_t rtc_next_period_ns(const Rtc *r)
{
    int64_t p = rtc_period_ticks(r);
    return r->tick_ns + rtc_ticks_to_ns((rtc_periods_at(r, r->synced_ns) + 1) * p);
}

/* N update cycles have ended: the time moves on, UF is set and AF if the alarm matched. */
static void rtc_apply_updates(Rtc *r, int64_t n)
{
    RtcTime t;
    rtc_read_time(r, &t);
    int64_t wait = rtc_alarm_wait(r, &t);
    if (wait && wait <= n) {
        r->cmos[RTC_REG_C] |= RTC_C_AF;
    }
    r->cmos[RTC_REG_C] |= RTC_C_UF;
    rtc_advance(&t, n);
    rtc_write_time(r, &t);
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE; the IRQ pin follows it. */
static void rtc_update_irq(Rtc *r)
{
    uint8_t c = r->cmos[RTC_REG_C];
    bool on = (c & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;
    uint8_t nc = on ? c | RTC_C_IRQF : c & ~RTC_C_IRQF;

    r->cmos[RTC_REG_C] = nc;
    if (nc != c) {
        irq_set(&r->irq, on);
    }
}

/* Brings the time registers and register C up to virtual time NOW. */
static void rtc_sync(Rtc *r, int64_t now)
{
    if (now <= r->synced_ns) {
        return;
    }
    if (rtc_running(r)) {
        if (rtc_period_ticks(r) && rtc_periods_at(r, now) > rtc_periods_at(r, r->synced_ns)) {
            r->cmos[RTC_REG_C] |= RTC_C_PF;
        }
        int64_t n = (now - r->tick_ns) / NS_PER_SEC;
        if (n > 0 && !(r->cmos[RTC_REG_B] & RTC_B_SET)) {
            rtc_apply_updates(r, n);
        }
        r->tick_ns += n * NS_PER_SEC;
    }
    r->synced_ns = now;
    rtc_update_irq(r);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The next event that would raise IRQ 8; INT64_MAX when none can (or IRQF is already up). */
static int64_t rtc_next_irq_ns(const Rtc *r)
{
    uint8_t b = r->cmos[RTC_REG_B];
    int64_t next = INT64_MAX;

    if ((r->cmos[RTC_REG_C] & RTC_C_IRQF) || !rtc_running(r)) {
        return next;
    }
    if ((b & RTC_B_PIE) && rtc_period_ticks(r)) {
        next = rtc_next_period_ns(r);
    }
    if (b & RTC_B_SET) {
        return next;
    }
    if (b & RTC_B_UIE) {
        next = min64(next, r->tick_ns + NS_PER_SEC);
    }
    if (b & RTC_B_AIE) {
        RtcTime t;
        rtc_read_time(r, &t);
        int64_t wait = rtc_alarm_wait(r, &t);
        if (wait) {
            next = min64(next, r->tick_ns + wait * NS_PER_SEC);
        }
    }
    return next;
}

static void rtc_rearm(Rtc *r)
{
    int64_t next = rtc_next_irq_ns(r);
    if (next == INT64_MAX) {
        timer_del(&r->timer);
    } else if (!timer_pending(&r->timer) || r->timer.deadline != next) {
        timer_mod(&r->timer, next);
    }
}

static void rtc_timer_fired(void *opaque)
{
    Rtc *r = opaque;
    rtc_sync(r, vclock_now(r->clock));
    rtc_rearm(r);
}

/* --- register access --- */

static bool rtc_is_clock_reg(unsigned index)
{
    return index <= RTC_REG_D || index == RTC_CENTURY;
}

static uint8_t rtc_read_reg(Rtc *r, unsigned index)
{
    int64_t now = vclock_now(r->clock);
    uint8_t v;

    if (!rtc_is_clock_reg(index)) {
        return r->cmos[index];
    }
    rtc_sync(r, now);
    switch (index) {
    case RTC_REG_A:
        v = r->cmos[RTC_REG_A];
        if (rtc_updating(r) &&
            now >= r->tick_ns + NS_PER_SEC - RTC_UPDATE_NS - RTC_UIP_LEAD_NS) {
            v |= RTC_A_UIP;
        }
        return v;
    case RTC_REG_C:
        v = r->cmos[RTC_REG_C];
        r->cmos[RTC_REG_C] &= RTC_C_IRQF;   /* the flags clear; IRQF drops with them */
        rtc_update_irq(r);
        rtc_rearm(r);
        return v;
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return r->cmos[index];
    }
}

static void rtc_write_reg_a(Rtc *r, uint8_t v, int64_t now)
{
    bool was_running = rtc_running(r);
    r->cmos[RTC_REG_A] = v & ~RTC_A_UIP;
    if (!was_running && rtc_running(r)) {
        /* Leaving divider reset: the first update cycle ends half a second later. */
        r->tick_ns = now - NS_PER_SEC / 2;
    }
}

static void rtc_write_reg(Rtc *r, unsigned index, uint8_t v)
{
    int64_t now = vclock_now(r->clock);

    if (!rtc_is_clock_reg(index)) {
        r->cmos[index] = v;
        return;
    }
    rtc_sync(r, now);
    switch (index) {
    case RTC_REG_A:
        rtc_write_reg_a(r, v, now);
        break;
    case RTC_REG_B:
        /* Setting SET aborts the update cycle and clears UIE. */
        r->cmos[RTC_REG_B] = v & RTC_B_SET ? v & ~RTC_B_UIE : v;
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;              /* read-only */
    default:
        r->cmos[index] = v;
        break;
    }
    rtc_update_irq(r);
    rtc_rearm(r);
}

static uint32_t rtc_port_read(void *opaque, uint16_t port, unsigned size)
{
    Rtc *r = opaque;
    if (port == RTC_PORT) {
        return 0xff;        /* the index register is write-only */
    }
    return rtc_read_reg(r, r->index & 0x7f);
}

static void rtc_port_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Rtc *r = opaque;
    if (port == RTC_PORT) {
        r->index = (uint8_t)value;
    } else {
        rtc_write_reg(r, r->index & 0x7f, (uint8_t)value);
    }
}

static const IoPortOps rtc_ops = {
    .read = rtc_port_read,
    .write = rtc_port_write,
    .sizes = IO_SIZE_1,
};

/* --- the machine's side --- */

void rtc_set_time(Rtc *r, int64_t sec)
{
    int64_t now = vclock_now(r->clock);
    int64_t days = floor_div(sec, SEC_PER_DAY);
    int64_t sod = sec - days * SEC_PER_DAY;
    RtcTime t = {
        .hour = (int)(sod / 3600), .min = (int)(sod / 60 % 60), .sec = (int)(sod % 60),
        .wday = (int)((days % 7 + 7 + 4) % 7) + 1,   /* 1970-01-01 was a Thursday */
    };

    rtc_sync(r, now);
    rtc_civil_from_days(days, &t);
    rtc_write_time(r, &t);
    r->tick_ns = now;
    rtc_rearm(r);
}

static void rtc_update_checksum(Rtc *r)
{
    unsigned sum = 0;
    for (unsigned i = 0x10; i < RTC_CHECKSUM_HI; i++) {
        sum += r->cmos[i];
    }
    r->cmos[RTC_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    r->cmos[RTC_CHECKSUM_LO] = (uint8_t)sum;
}

uint8_t rtc_cmos_get(const Rtc *r, unsigned index)
{
    return r->cmos[index % RTC_CMOS_SIZE];
}

void rtc_cmos_set(Rtc *r, unsigned index, uint8_t value)
{
    index %= RTC_CMOS_SIZE;
    r->cmos[index] = value;
    if (index >= 0x10 && index < RTC_CHECKSUM_HI) {
        rtc_update_checksum(r);
    }
}

static void rtc_set_word(Rtc *r, unsigned lo, uint64_t v, uint64_t max)
{
    v = v < max ? v : max;
    r->cmos[lo] = (uint8_t)v;
    r->cmos[lo + 1] = (uint8_t)(v >> 8);
}

void rtc_set_memory(Rtc *r, uint64_t ram_bytes)
{
    uint64_t below = ram_bytes < RTC_BELOW_4G_MAX ? ram_bytes : RTC_BELOW_4G_MAX;
    uint64_t above = ram_bytes - below;
    uint64_t ext_kib = below > (1u << 20) ? (below >> 10) - 1024 : 0;
    uint64_t over_16m = below > (16u << 20) ? (below - (16u << 20)) >> 16 : 0;
    uint64_t over_4g = above >> 16;

    rtc_set_word(r, RTC_BASE_MEM_LO, 640, 640);
    rtc_set_word(r, RTC_EXT_MEM_LO, ext_kib, 0xffff);
    rtc_set_word(r, RTC_EXT_MEM2_LO, ext_kib, 0xffff);
    rtc_set_word(r, RTC_MEM_16M_LO, over_16m, 0xffff);
    over_4g = over_4g < 0xffffff ? over_4g : 0xffffff;
    r->cmos[RTC_MEM_4G_LO] = (uint8_t)over_4g;
    r->cmos[RTC_MEM_4G_MID] = (uint8_t)(over_4g >> 8);
    r->cmos[RTC_MEM_4G_HI] = (uint8_t)(over_4g >> 16);
    rtc_update_checksum(r);
}

void rtc_reset(Rtc *r)
{
    rtc_sync(r, vclock_now(r->clock));
    r->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    r->cmos[RTC_REG_C] = 0;
    irq_lower(&r->irq);
    rtc_rearm(r);
}

bool rtc_init(Rtc *r, IoSpace *io, VClock *clock, IrqLine irq8, int64_t start_sec, char **why)
{
    *r = (Rtc){ .clock = clock, .irq = irq8 };
    timer_init(&r->timer, clock, "rtc", rtc_timer_fired, r);
    r->cmos[RTC_REG_A] = RTC_A_DV_32K | 0x06;
    r->cmos[RTC_REG_B] = RTC_B_24H;
    r->cmos[RTC_REG_D] = RTC_D_VRT;
    r->synced_ns = r->tick_ns = vclock_now(clock);
    rtc_set_time(r, start_sec);
    rtc_update_checksum(r);
    return ioport_register(io, "rtc", RTC_PORT, 2, &rtc_ops, r, why);
}

static void rtc_post_load(void *opaque)
{
    rtc_rearm(opaque);
}

static const StateField rtc_fields[] = {
    STATE_U8_ARRAY(Rtc, cmos),
    STATE_U8(Rtc, index),
    STATE_I64(Rtc, tick_ns),
    STATE_I64(Rtc, synced_ns),
    STATE_TIMER(Rtc, timer),
    STATE_END,
};

const StateDesc rtc_state_desc = {
    .name = "mc146818",
    .version = 1,
    .fields = rtc_fields,
    .size = sizeof(Rtc),
    .post_load = rtc_post_load,
};
