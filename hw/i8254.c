/*
 * Intel 8254 programmable interval timer (8254 datasheet: "Control word format",
 * "Read operations" with the counter latch and read-back commands, "Modes" 0-5 and the
 * gate table). Values and OUT levels are computed at input-clock pulse granularity from
 * virtual time: pulse k happens at the first virtual nanosecond t with t * PIT_HZ / 1e9
 * >= k.
 */
#include "hw/i8254.h"

#define NS_PER_SEC 1000000000LL
#define PIT_NEVER INT64_MAX
#define PIT_CATCH_UP_MAX 16       /* OUT edges driven one by one when a timer fires late */

#define CTRL_BCD 0x01
#define CTRL_RESET 0x36           /* reset: LSB then MSB, mode 3, binary */
#define RB_NO_COUNT 0x20          /* read-back: don't latch the count (active low) */
#define RB_NO_STATUS 0x10         /* read-back: don't latch the status (active low) */
#define STATUS_OUT 0x80
#define STATUS_NULL 0x40

enum { RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

/* --- time --- */

static int64_t pit_ns_to_tick(int64_t ns)
{
    return ns / NS_PER_SEC * PIT_HZ + ns % NS_PER_SEC * PIT_HZ / NS_PER_SEC;
}

/* The first virtual nanosecond at which pulse TICK has happened. */
static int64_t pit_tick_to_ns(int64_t tick)
{
    return tick / PIT_HZ * NS_PER_SEC + (tick % PIT_HZ * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static int64_t pit_now(const Pit *p)
{
    return pit_ns_to_tick(vclock_now(p->clock));
}

/* --- BCD --- */

static uint32_t bcd_to_bin(uint16_t v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + (v >> 12) * 1000;
}

static uint16_t bin_to_bcd(uint32_t v)
{
    return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

/* --- one counter: the count as a function of pulses --- */

static int ctr_mode(const PitCounter *c)
{
    int m = (c->control >> 1) & 7;
    return m > 5 ? m - 4 : m;     /* 6 and 7 are modes 2 and 3 */
}

static int ctr_rw(const PitCounter *c)
{
    return (c->control >> 4) & 3;
}

static uint32_t ctr_modulus(const PitCounter *c)
{
    return (c->control & CTRL_BCD) ? 10000 : 65536;
}

static bool ctr_periodic(const PitCounter *c)
{
    return ctr_mode(c) == 2 || ctr_mode(c) == 3;
}

/* Modes 1 and 5 are started by a gate edge and ignore its level; the others need it high. */
static bool ctr_counting(const PitCounter *c)
{
    return c->loaded && (c->gate || ctr_mode(c) == 1 || ctr_mode(c) == 5);
}

/* The count the CR stands for: 0 is the largest. */
static uint32_t ctr_cr_count(const PitCounter *c)
{
    uint32_t n = (c->control & CTRL_BCD) ? bcd_to_bin(c->cr) % 10000 : c->cr;
    return n ? n : ctr_modulus(c);
}

/* Mode 3: pulses with OUT high in each period of N (the low half is N / 2). */
static int64_t square_high(uint32_t n)
{
    return (n + 1) / 2;
}

/* Periodic modes: pulses from pos to the next reload (mode 3: the end of the half-cycle). */
static int64_t ctr_to_reload(const PitCounter *c)
{
    if (ctr_mode(c) == 3 && c->pos < square_high(c->n)) {
        return square_high(c->n) - c->pos;
    }
    return c->n - c->pos;
}

static void ctr_load(PitCounter *c)
{
    c->n = ctr_cr_count(c);
    c->pos = 0;
    c->loaded = true;
    c->load_pending = false;
    c->null_count = false;
}

/* Periodic modes: D pulses on, taking a new CR at the first reload that comes. */
static void ctr_advance_periodic(PitCounter *c, int64_t d)
{
    int64_t to_reload = ctr_to_reload(c);

    if (c->null_count && d >= to_reload) {
        bool into_low = ctr_mode(c) == 3 && c->pos < square_high(c->n);
        d -= to_reload;
        c->n = ctr_cr_count(c);
        c->null_count = false;
        c->pos = into_low ? square_high(c->n) : 0;
    }
    c->pos = (c->pos + d) % c->n;
}

/* Moves the description on to pulse T (later pulses only). */
static void ctr_advance(PitCounter *c, int64_t t)
{
    if (t <= c->t0) {
        return;
    }
    if (c->load_pending) {
        c->t0++;
        ctr_load(c);
    }
    if (ctr_counting(c)) {
        if (ctr_periodic(c)) {
            ctr_advance_periodic(c, t - c->t0);
        } else {
            c->pos += t - c->t0;
        }
    }
    c->t0 = t;
}

/* The CE contents, binary, 0 standing for the largest count. */
static uint32_t ctr_value(const PitCounter *c)
{
    int64_t m = ctr_modulus(c), n = c->n, v;

    if (!c->loaded) {
        return c->ce;
    }
    switch (ctr_mode(c)) {
    case 2:
        v = n - c->pos;
        break;
    case 3: {
        /* decrements by two from N (odd N: N - 1), the low half starting over */
        int64_t h = square_high(c->n);
        v = (n & ~1) - 2 * (c->pos < h ? c->pos : c->pos - h);
        break;
    }
    default:
        v = ((n - c->pos) % m + m) % m;  /* wraps past zero and counts on */
        break;
    }
    return (uint32_t)(v % m);
}

static bool ctr_out(const PitCounter *c)
{
    int64_t n = c->n;

    switch (ctr_mode(c)) {
    case 0:
        return c->loaded && c->pos >= n;                      /* high at terminal count */
    case 1:
        return !c->loaded || c->pos >= n;                     /* low for N pulses */
    case 2:
        return !ctr_counting(c) || n < 2 || c->pos != n - 1;  /* low when the count is 1 */
    case 3:
        return !ctr_counting(c) || c->pos < square_high(c->n);
    default:
        return !(c->loaded && c->pos == n);                   /* 4, 5: one-pulse strobe */
    }
}

/* The next pulse after t0 at which OUT may change, or PIT_NEVER. */
static int64_t ctr_next_change(const PitCounter *c)
{
    int64_t n = c->n, pos = c->pos, t = c->t0;

    if (c->load_pending) {
        return t + 1;
    }
    if (!ctr_counting(c)) {
        return PIT_NEVER;
    }
    switch (ctr_mode(c)) {
    case 0:
    case 1:
        return pos < n ? t + n - pos : PIT_NEVER;
    case 4:
    case 5:
        return pos < n ? t + n - pos : pos == n ? t + 1 : PIT_NEVER;
    case 2:
        if (n < 2) {
            return c->null_count ? t + ctr_to_reload(c) : PIT_NEVER;
        }
        return pos < n - 1 ? t + n - 1 - pos : t + 1;
    default:
        if (n < 2) {
            return c->null_count ? t + ctr_to_reload(c) : PIT_NEVER;
        }
        return t + ctr_to_reload(c);
    }
}

/* The counter as it will be at pulse T (T >= t0), without changing it. */
static PitCounter ctr_at(const PitCounter *c, int64_t t)
{
    PitCounter x = *c;
    ctr_advance(&x, t);
    return x;
}

/* --- the OUT line --- */

static bool ctr_wired(const PitCounter *c)
{
    return c->line.handler != NULL;
}

static void ctr_drive(PitCounter *c, int64_t t)
{
    PitCounter x = ctr_at(c, t);
    bool out = ctr_out(&x);

    c->line_tick = t;
    if (out != c->line_out) {
        c->line_out = out;
        irq_set(&c->line, out);
    }
}

/* Drives the OUT changes up to pulse NOW in order (past a few, a late timer skips ahead). */
static void ctr_catch_up(PitCounter *c, int64_t now)
{
    for (int i = 0; i < PIT_CATCH_UP_MAX; i++) {
        PitCounter x = ctr_at(c, c->line_tick);
        int64_t t = ctr_next_change(&x);
        if (t > now) {
            break;
        }
        ctr_drive(c, t);
    }
    ctr_drive(c, now);
}

static void ctr_rearm(PitCounter *c)
{
    PitCounter x = ctr_at(c, c->line_tick);
    int64_t t = ctr_next_change(&x);

    if (t == PIT_NEVER) {
        timer_del(&c->timer);
    } else {
        timer_mod(&c->timer, pit_tick_to_ns(t));
    }
}

static void ctr_timer(void *opaque)
{
    PitCounter *c = opaque;
    ctr_catch_up(c, pit_now(c->pit));
    ctr_rearm(c);
}

/* Before the guest changes the counter: OUT driven up to now, the description at now. */
static void ctr_begin(PitCounter *c)
{
    int64_t now = pit_now(c->pit);
    if (ctr_wired(c)) {
        ctr_catch_up(c, now);
    }
    ctr_advance(c, now);
}

/* After: OUT's immediate change driven, the timer aimed at the next edge. */
static void ctr_end(PitCounter *c)
{
    if (ctr_wired(c)) {
        ctr_drive(c, c->t0);
        ctr_rearm(c);
    }
}

/* The CE stops (its contents kept) until the next load. */
static void ctr_freeze(PitCounter *c)
{
    c->ce = (uint16_t)ctr_value(c);
    c->loaded = false;
}

/* --- programming --- */

/* A complete count written to the CR. */
static void ctr_commit(PitCounter *c, uint16_t cr)
{
    c->cr = cr;
    c->cr_valid = true;
    c->null_count = true;
    switch (ctr_mode(c)) {
    case 0:
        ctr_freeze(c);            /* OUT low, loaded on the next pulse */
        c->load_pending = true;
        break;
    case 4:
        c->load_pending = true;   /* retriggered from the new count */
        break;
    case 2:
    case 3:
        if (!c->loaded && c->gate) {
            c->load_pending = true;
        }                         /* else taken at the next reload or gate trigger */
        break;
    default:
        break;                    /* 1, 5: waits for a gate trigger */
    }
}

static void ctr_write(PitCounter *c, uint8_t v)
{
    ctr_begin(c);
    switch (ctr_rw(c)) {
    case RW_LSB:
        ctr_commit(c, v);
        break;
    case RW_MSB:
        ctr_commit(c, (uint16_t)(v << 8));
        break;
    default:
        if (!c->write_msb) {
            c->cr_lsb = v;
            if (ctr_mode(c) == 0) {
                ctr_freeze(c);    /* mode 0: the first byte stops counting, OUT low */
            }
        } else {
            ctr_commit(c, (uint16_t)(c->cr_lsb | v << 8));
        }
        c->write_msb = !c->write_msb;
        break;
    }
    ctr_end(c);
}

static void ctr_set_mode(PitCounter *c, uint8_t control)
{
    ctr_begin(c);
    ctr_freeze(c);
    c->control = control & 0x3f;
    c->load_pending = false;
    c->null_count = true;
    c->cr_valid = false;
    c->write_msb = false;
    c->read_msb = false;
    c->ol_bytes = 0;
    c->status_latched = false;
    ctr_end(c);
}

/*
 * The count now, as the guest reads it (BCD in BCD mode).
 *
 * A count written (or a gate trigger) reaches the CE only at the next input-clock pulse,
 * and until then the CE still holds its old contents. No read on a real board lands in
 * that gap: an ISA I/O cycle (about 1 us) outlasts a PIT clock (838 ns), so the read after
 * the write always finds the new count, and software counts on it: Linux's
 * quick_pit_calibrate() writes 0xffff to counter 2 and reads the counter once "to delay
 * for a microsecond" before it expects the MSB to be 0xff. Under the instruction clock an
 * I/O instruction takes a few nanoseconds, so a read in the same pulse as the write sees
 * the count being loaded, as it would once a bus cycle had passed. (OUT, and the status's
 * NULL COUNT bit, still change at the load pulse itself.)
 */
static uint16_t ctr_count_now(const PitCounter *c)
{
    PitCounter x = ctr_at(c, pit_now(c->pit));
    if (x.load_pending) {
        ctr_load(&x);
    }
    uint32_t v = ctr_value(&x);
    return (c->control & CTRL_BCD) ? bin_to_bcd(v) : (uint16_t)v;
}

static void ctr_latch_count(PitCounter *c)
{
    if (!c->ol_bytes) {       /* a second latch before the read is ignored */
        c->ol = ctr_count_now(c);
        c->ol_bytes = (uint8_t)ctr_rw(c);
    }
}

static void ctr_latch_status(PitCounter *c)
{
    if (!c->status_latched) {
        PitCounter x = ctr_at(c, pit_now(c->pit));
        c->status = (ctr_out(&x) ? STATUS_OUT : 0) | (x.null_count ? STATUS_NULL : 0) |
                    c->control;
        c->status_latched = true;
    }
}

static uint8_t ctr_read(PitCounter *c)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->ol_bytes) {
        bool msb = c->ol_bytes == RW_MSB;
        c->ol_bytes = c->ol_bytes == RW_WORD ? RW_MSB : 0;
        return msb ? c->ol >> 8 : c->ol & 0xff;
    }
    uint16_t v = ctr_count_now(c);
    bool msb = ctr_rw(c) == RW_MSB || (ctr_rw(c) == RW_WORD && c->read_msb);
    if (ctr_rw(c) == RW_WORD) {
        c->read_msb = !c->read_msb;
    }
    return msb ? v >> 8 : v & 0xff;
}

/* Read-back: bits 3-1 select counters 2-0; bits 5 and 4 (active low) latch count, status. */
static void pit_read_back(Pit *p, uint8_t v)
{
    for (int i = 0; i < PIT_COUNTERS; i++) {
        if (!(v & (2u << i))) {
            continue;
        }
        if (!(v & RB_NO_COUNT)) {
            ctr_latch_count(&p->c[i]);
        }
        if (!(v & RB_NO_STATUS)) {
            ctr_latch_status(&p->c[i]);
        }
    }
}

static void pit_control(Pit *p, uint8_t v)
{
    int sc = v >> 6;

    if (sc == 3) {
        pit_read_back(p, v);
    } else if (((v >> 4) & 3) == 0) {
        ctr_latch_count(&p->c[sc]);
    } else {
        ctr_set_mode(&p->c[sc], v);
    }
}

void pit_set_gate(Pit *p, int ch, bool level)
{
    if (ch < 0 || ch >= PIT_COUNTERS || p->c[ch].gate == level) {
        return;
    }
    PitCounter *c = &p->c[ch];
    int mode = ctr_mode(c);

    ctr_begin(c);
    c->gate = level;
    /* a rising edge triggers modes 1, 5 and restarts 2, 3 from the CR; 0, 4 just resume */
    if (level && c->cr_valid && mode != 0 && mode != 4) {
        c->load_pending = true;
    }
    ctr_end(c);
}

void pit_gate_handler(void *opaque, int n, bool level)
{
    pit_set_gate(opaque, n, level);
}

bool pit_get_out(Pit *p, int ch)
{
    if (ch < 0 || ch >= PIT_COUNTERS) {
        return false;
    }
    PitCounter x = ctr_at(&p->c[ch], pit_now(p));
    return ctr_out(&x);
}

bool pit_out_level(void *opaque, int n)
{
    return pit_get_out(opaque, n);
}

/* --- ports --- */

/*
 * Before the guest looks at or changes the PIT: every OUT line driven up to now. The
 * timer that drives an edge runs only between slices (or after the instruction that
 * reaches its deadline), so without this a read-back could show OUT high while IRQ 0 was
 * not yet raised; the pin and its status bit are one wire.
 */
static void pit_sync(Pit *p)
{
    int64_t now = pit_now(p);

    for (int i = 0; i < PIT_COUNTERS; i++) {
        PitCounter *c = &p->c[i];
        if (ctr_wired(c) && c->line_tick < now) {
            ctr_catch_up(c, now);
            ctr_rearm(c);
        }
    }
}

static uint32_t pit_read(void *opaque, uint16_t port, unsigned size)
{
    Pit *p = opaque;
    int i = port & 3;

    pit_sync(p);
    return i < PIT_COUNTERS ? ctr_read(&p->c[i]) : 0xff;  /* the control port is write-only */
}

static void pit_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Pit *p = opaque;
    int i = port & 3;

    pit_sync(p);
    if (i < PIT_COUNTERS) {
        ctr_write(&p->c[i], (uint8_t)value);
    } else {
        pit_control(p, (uint8_t)value);
    }
}

static const IoPortOps pit_ops = {
    .read = pit_read,
    .write = pit_write,
    .sizes = IO_SIZE_1,
};

static void ctr_reset(PitCounter *c, int ch, int64_t now)
{
    timer_del(&c->timer);
    *c = (PitCounter){
        .control = CTRL_RESET,
        .null_count = true,
        .gate = ch != 2,
        .n = 65536,
        .t0 = now,
        .line_tick = now,
        .pit = c->pit,
        .line = c->line,
        .timer = c->timer,
    };
    c->line_out = ctr_out(c);
    irq_set(&c->line, c->line_out);
}

void pit_reset(Pit *p)
{
    int64_t now = pit_now(p);
    for (int i = 0; i < PIT_COUNTERS; i++) {
        ctr_reset(&p->c[i], i, now);
    }
}

bool pit_init(Pit *p, IoSpace *io, VClock *clock, IrqLine irq0, char **why)
{
    *p = (Pit){ .clock = clock };
    for (int i = 0; i < PIT_COUNTERS; i++) {
        p->c[i].pit = p;
        timer_init(&p->c[i].timer, clock, "pit", ctr_timer, &p->c[i]);
    }
    p->c[0].line = irq0;
    pit_reset(p);
    return ioport_register(io, "pit", 0x40, 4, &pit_ops, p, why);
}

/* --- state --- */

static void pit_post_load(void *opaque)
{
    Pit *p = opaque;
    for (int i = 0; i < PIT_COUNTERS; i++) {
        if (ctr_wired(&p->c[i])) {
            ctr_rearm(&p->c[i]);
        }
    }
}

static const StateField pit_counter_fields[] = {
    STATE_U8(PitCounter, control),
    STATE_U16(PitCounter, cr),
    STATE_U8(PitCounter, cr_lsb),
    STATE_BOOL(PitCounter, cr_valid),
    STATE_BOOL(PitCounter, write_msb),
    STATE_BOOL(PitCounter, read_msb),
    STATE_U16(PitCounter, ol),
    STATE_U8(PitCounter, ol_bytes),
    STATE_U8(PitCounter, status),
    STATE_BOOL(PitCounter, status_latched),
    STATE_BOOL(PitCounter, null_count),
    STATE_BOOL(PitCounter, gate),
    STATE_BOOL(PitCounter, load_pending),
    STATE_BOOL(PitCounter, loaded),
    STATE_U16(PitCounter, ce),
    STATE_U32(PitCounter, n),
    STATE_I64(PitCounter, pos),
    STATE_I64(PitCounter, t0),
    STATE_BOOL(PitCounter, line_out),
    STATE_I64(PitCounter, line_tick),
    STATE_END,
};

static const StateDesc pit_counter_state_desc = {
    "i8254-counter", 1, pit_counter_fields, sizeof(PitCounter), NULL,
};

static const StateField pit_fields[] = {
    STATE_STRUCT_ARRAY(Pit, c, &pit_counter_state_desc),
    STATE_END,
};

const StateDesc pit_state_desc = { "pit", 1, pit_fields, sizeof(Pit), pit_post_load };
