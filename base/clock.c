/*
 * The virtual clock and the timer queue.
 */
#include "base/clock.h"

#include <time.h>

int64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vclock_init(VClock *c, ClockMode mode, unsigned shift, const uint64_t *insns)
{
    *c = (VClock){
        .mode = mode,
        .shift = shift,
        .insns = insns,
        .insn_origin = insns ? *insns : 0,
        .host_origin = mode == VCLOCK_REALTIME ? host_monotonic_ns() : 0,
    };
}

static int64_t vclock_running_now(const VClock *c)
{
    if (c->mode == VCLOCK_INSNS) {
        return c->ns_origin + (int64_t)((*c->insns - c->insn_origin) << c->shift);
    }
    return c->ns_origin + (host_monotonic_ns() - c->host_origin);
}

int64_t vclock_now(const VClock *c)
{
    return c->stopped ? c->stopped_at : vclock_running_now(c);
}

int64_t vclock_at(const VClock *c, uint64_t insns)
{
    if (c->mode != VCLOCK_INSNS || c->stopped || insns < c->insn_origin) {
        return vclock_now(c);
    }
    return c->ns_origin + (int64_t)((insns - c->insn_origin) << c->shift);
}

/* Makes NS the virtual time now, as seen from the current instruction count or host time. */
static void vclock_rebase(VClock *c, int64_t ns)
{
    c->ns_origin = ns;
    if (c->insns) {
        c->insn_origin = *c->insns;
    }
    c->host_origin = host_monotonic_ns();
}

void vclock_set_now(VClock *c, int64_t ns)
{
    vclock_rebase(c, ns);
    c->stopped_at = ns;
}

void vclock_stop(VClock *c)
{
    if (!c->stopped) {
        c->stopped_at = vclock_running_now(c);
        c->stopped = true;
    }
}

void vclock_start(VClock *c)
{
    if (c->stopped) {
        vclock_rebase(c, c->stopped_at);
        c->stopped = false;
    }
}

void vclock_warp_to(VClock *c, int64_t ns)
{
    if (c->mode == VCLOCK_INSNS && !c->stopped && ns > vclock_now(c)) {
        vclock_rebase(c, ns);
    }
}

uint64_t vclock_insns_until(const VClock *c, int64_t ns)
{
    int64_t now = vclock_now(c);
    if (ns <= now) {
        return 0;
    }
    /* Round up: the instruction that reaches the deadline is allowed to run. */
    uint64_t delta = (uint64_t)(ns - now);
    return (delta + ((1ull << c->shift) - 1)) >> c->shift;
}

void timer_init(Timer *t, VClock *c, const char *name, TimerFn fn, void *opaque)
{
    *t = (Timer){ .clock = c, .fn = fn, .opaque = opaque, .name = name };
}

void timer_del(Timer *t)
{
    Timer **pp = &t->clock->queue;
    if (!t->armed) {
        return;
    }
    while (*pp && *pp != t) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = t->next;
    }
    t->armed = false;
    t->next = NULL;
}

void timer_mod(Timer *t, int64_t deadline)
{
    Timer **pp;

    timer_del(t);
    t->deadline = deadline;
    /* After any timer with the same deadline: equal deadlines fire in arming order. */
    for (pp = &t->clock->queue; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next) {
    }
    t->next = *pp;
    *pp = t;
    t->armed = true;
    if (t->clock->queue == t && t->clock->earlier && t->clock->mode == VCLOCK_INSNS) {
        t->clock->earlier(t->clock->earlier_opaque, deadline);
    }
}

void vclock_set_earlier_hook(VClock *c, void (*fn)(void *opaque, int64_t deadline),
                             void *opaque)
{
    c->earlier = fn;
    c->earlier_opaque = opaque;
}

int64_t vclock_next_deadline(const VClock *c)
{
    return c->queue ? c->queue->deadline : INT64_MAX;
}

unsigned vclock_run_timers(VClock *c)
{
    unsigned fired = 0;
    int64_t now = vclock_now(c);

    while (c->queue && c->queue->deadline <= now) {
        Timer *t = c->queue;
        c->queue = t->next;
        t->next = NULL;
        t->armed = false;
        t->fn(t->opaque);  /* may re-arm itself, or others */
        fired++;
    }
    return fired;
}
