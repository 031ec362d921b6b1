/*
 * The virtual clock and timer queue (base/clock.c) and state-table walking (base/state.c).
 */
#include <glib.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"

typedef struct Fired {
    int order[8];
    int n;
} Fired;

typedef struct TimerCtx {
    Fired *fired;
    int id;
} TimerCtx;

static void on_timer(void *opaque)
{
    TimerCtx *c = opaque;
    c->fired->order[c->fired->n++] = c->id;
}

static void test_insns_time(void)
{
    uint64_t insns = 1000;
    VClock c;

    vclock_init(&c, VCLOCK_INSNS, 3, &insns);  /* 8 ns per instruction */
    g_assert_cmpint(vclock_now(&c), ==, 0);
    insns += 10;
    g_assert_cmpint(vclock_now(&c), ==, 80);
    g_assert_cmpuint(vclock_insns_until(&c, 100), ==, 3);  /* 80 + 3*8 >= 100 */
    g_assert_cmpuint(vclock_insns_until(&c, 80), ==, 0);
    vclock_stop(&c);
    insns += 100;
    g_assert_cmpint(vclock_now(&c), ==, 80);  /* paused: time stands still */
    vclock_start(&c);
    g_assert_cmpint(vclock_now(&c), ==, 80);
    insns += 1;
    g_assert_cmpint(vclock_now(&c), ==, 88);
    vclock_warp_to(&c, 5000);                  /* a halted CPU skips to a deadline */
    g_assert_cmpint(vclock_now(&c), ==, 5000);
    insns += 2;
    g_assert_cmpint(vclock_now(&c), ==, 5016);
    vclock_warp_to(&c, 10);                    /* never backwards */
    g_assert_cmpint(vclock_now(&c), ==, 5016);
}

static void test_timer_order(void)
{
    uint64_t insns = 0;
    VClock c;
    Fired f = { .n = 0 };
    TimerCtx ctx[4];
    Timer t[4];
    static const int64_t deadlines[4] = { 300, 100, 200, 100 };

    vclock_init(&c, VCLOCK_INSNS, 0, &insns);
    for (int i = 0; i < 4; i++) {
        ctx[i] = (TimerCtx){ &f, i };
        timer_init(&t[i], &c, "t", on_timer, &ctx[i]);
        timer_mod(&t[i], deadlines[i]);
    }
    g_assert_cmpint(vclock_next_deadline(&c), ==, 100);
    timer_mod(&t[2], 150);                     /* re-arming moves it */
    timer_del(&t[0]);
    g_assert_false(timer_pending(&t[0]));
    insns = 99;
    g_assert_cmpuint(vclock_run_timers(&c), ==, 0);
    insns = 160;
    g_assert_cmpuint(vclock_run_timers(&c), ==, 3);
    g_assert_cmpint(f.n, ==, 3);
    g_assert_cmpint(f.order[0], ==, 1);        /* equal deadlines: arming order */
    g_assert_cmpint(f.order[1], ==, 3);
    g_assert_cmpint(f.order[2], ==, 2);
    g_assert_cmpint(vclock_next_deadline(&c), ==, INT64_MAX);
}

static void test_realtime_moves(void)
{
    VClock c;
    vclock_init(&c, VCLOCK_REALTIME, 0, NULL);
    int64_t a = vclock_now(&c);
    g_usleep(2000);
    g_assert_cmpint(vclock_now(&c) - a, >=, 1000000);
}

typedef struct Inner {
    uint16_t a;
    bool b;
} Inner;

typedef struct Dev {
    uint8_t r[3];
    uint32_t x;
    Inner in[2];
} Dev;

static const StateField inner_fields[] = {
    STATE_U16(Inner, a),
    STATE_BOOL(Inner, b),
    STATE_END,
};
static const StateDesc inner_desc = { "inner", 1, inner_fields, sizeof(Inner), NULL };
static const StateField dev_fields[] = {
    STATE_U8_ARRAY(Dev, r),
    STATE_U32(Dev, x),
    STATE_STRUCT_ARRAY(Dev, in, &inner_desc),
    STATE_END,
};
static const StateDesc dev_desc = { "dev", 1, dev_fields, sizeof(Dev), NULL };

static void collect(void *ctx, const char *path, StateType type, void *value)
{
    GString *s = ctx;
    uint64_t v = 0;
    memcpy(&v, value, state_type_size(type));
    g_string_append_printf(s, "%s=%" G_GUINT64_FORMAT ";", path, v);
}

static void test_state_visit(void)
{
    Dev d = { { 1, 2, 3 }, 40, { { 5, true }, { 6, false } } };
    g_autoptr(GString) s = g_string_new("");
    state_visit(&dev_desc, &d, collect, s);
    g_assert_cmpstr(s->str, ==, "r[0]=1;r[1]=2;r[2]=3;x=40;in[0].a=5;in[0].b=1;"
                                "in[1].a=6;in[1].b=0;");
}

typedef struct TimedDev {
    uint32_t x;
    Timer t;
} TimedDev;

static const StateField timed_fields[] = {
    STATE_U32(TimedDev, x),
    STATE_TIMER(TimedDev, t),
    STATE_END,
};
static const StateDesc timed_desc = { "timed", 1, timed_fields, sizeof(TimedDev), NULL };

static void noop(void *opaque)
{
}

static void test_state_image(void)
{
    uint64_t insns = 0;
    VClock c;
    Dev d = { { 1, 2, 3 }, 40, { { 5, true }, { 6, false } } };
    Dev e;
    TimedDev a = { .x = 7 }, b = { .x = 0 };
    g_autoptr(GByteArray) img = g_byte_array_new();

    memset(&e, 0, sizeof(e));
    state_save(&dev_desc, &d, img);
    g_assert_cmpuint(img->len, ==, 3 + 4 + 2 * (2 + 1));
    g_assert_cmpuint(state_image_size(&dev_desc), ==, img->len);
    g_assert_true(state_load(&dev_desc, &e, img->data, img->len));
    g_assert_cmpmem(&d.r, 3, &e.r, 3);
    g_assert_cmpuint(e.x, ==, 40);
    g_assert_cmpuint(e.in[1].a, ==, 6);
    g_assert_true(e.in[0].b);
    g_assert_false(state_load(&dev_desc, &e, img->data, img->len + 1));

    vclock_init(&c, VCLOCK_INSNS, 0, &insns);
    timer_init(&a.t, &c, "a", noop, NULL);
    timer_init(&b.t, &c, "b", noop, NULL);
    timer_mod(&a.t, 12345);
    g_byte_array_set_size(img, 0);
    state_save(&timed_desc, &a, img);
    g_assert_true(state_load(&timed_desc, &b, img->data, img->len));
    g_assert_true(timer_pending(&b.t));           /* re-armed as saved */
    g_assert_cmpint(b.t.deadline, ==, 12345);
    g_assert_cmpuint(b.x, ==, 7);
}

static void on_earlier(void *opaque, int64_t deadline)
{
    int64_t *seen = opaque;
    *seen = deadline;
}

static void on_nothing(void *opaque)
{
}

/* The run loop is told of a timer armed ahead of all others, and only then. */
static void test_earlier_hook(void)
{
    uint64_t insns = 0;
    int64_t seen = -1;
    VClock c;
    Timer a, b;

    vclock_init(&c, VCLOCK_INSNS, 0, &insns);
    vclock_set_earlier_hook(&c, on_earlier, &seen);
    timer_init(&a, &c, "a", on_nothing, NULL);
    timer_init(&b, &c, "b", on_nothing, NULL);
    timer_mod(&a, 1000);
    g_assert_cmpint(seen, ==, 1000);
    timer_mod(&b, 5000);                /* behind a: the slice needs no change */
    g_assert_cmpint(seen, ==, 1000);
    timer_mod(&b, 200);                 /* ahead now */
    g_assert_cmpint(seen, ==, 200);
    timer_mod(&a, 200);                 /* equal deadlines fire in arming order: b first */
    g_assert_cmpint(seen, ==, 200);
    vclock_init(&c, VCLOCK_REALTIME, 0, &insns);
    vclock_set_earlier_hook(&c, on_earlier, &seen);
    timer_init(&a, &c, "a", on_nothing, NULL);
    timer_mod(&a, 10);                  /* real time: slices are not cut for timers */
    g_assert_cmpint(seen, ==, 200);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clock/insns-time", test_insns_time);
    g_test_add_func("/clock/timer-order", test_timer_order);
    g_test_add_func("/clock/earlier-hook", test_earlier_hook);
    g_test_add_func("/clock/realtime-moves", test_realtime_moves);
    g_test_add_func("/state/visit", test_state_visit);
    g_test_add_func("/state/image", test_state_image);
    return g_test_run();
}
