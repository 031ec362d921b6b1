/*
 * Shared by the device unit tests: driving a deterministic virtual clock whose instruction
 * counter the test owns (shift 0: one nanosecond per "instruction").
 */
#ifndef WIRT_TESTS_DEVTEST_H
#define WIRT_TESTS_DEVTEST_H

#include <glib.h>

#include "base/clock.h"

/*
 * Moves virtual time forward to T, stopping at every timer deadline on the way and
 * firing it there, as the run loop does; AFTER (may be NULL) runs after each deadline's
 * timers, e.g. to acknowledge an interrupt the way a guest handler would.
 */
static inline void devtest_run_to(VClock *c, uint64_t *insns, int64_t t,
                                  void (*after)(void *opaque), void *opaque)
{
    int64_t d;

    g_assert_cmpint(t, >=, vclock_now(c));   /* time only moves forward */
    while ((d = vclock_next_deadline(c)) <= t) {
        *insns = (uint64_t)MAX(d, vclock_now(c));
        vclock_run_timers(c);
        if (after) {
            after(opaque);
        }
    }
    *insns = (uint64_t)t;
    vclock_run_timers(c);
}

#endif
