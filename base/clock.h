/*
 * The virtual clock and its timer queue (DESIGN.md rule 1). Guest-visible time comes only
 * from here. In deterministic mode (VCLOCK_INSNS) virtual nanoseconds are the retired
 * guest-instruction count shifted left by `shift` (QEMU's icount idea): the same guest
 * with the same inputs sees the same times. In real-time mode (VCLOCK_REALTIME) it follows
 * the host's monotonic clock from the moment the clock started. Timers fire at exact
 * virtual times; the run loop asks for the next deadline so that, in deterministic mode,
 * no block runs past it.
 */
#ifndef WIRT_BASE_CLOCK_H
#define WIRT_BASE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ClockMode {
    VCLOCK_REALTIME,
    VCLOCK_INSNS,
} ClockMode;

typedef void (*TimerFn)(void *opaque);

typedef struct Timer Timer;
typedef struct VClock VClock;

struct Timer {
    VClock *clock;
    TimerFn fn;
    void *opaque;
    const char *name;
    int64_t deadline;       /* virtual ns; meaningful while armed */
    bool armed;
    Timer *next;            /* the queue, sorted by deadline */
};

struct VClock {
    ClockMode mode;
    unsigned shift;         /* VCLOCK_INSNS: 2^shift virtual ns per instruction */
    const uint64_t *insns;  /* VCLOCK_INSNS: the CPU's retired-instruction count */
    uint64_t insn_origin;   /* instruction count at virtual time ns_origin */
    int64_t ns_origin;
    int64_t host_origin;    /* VCLOCK_REALTIME: host monotonic ns at virtual ns_origin */
    bool stopped;           /* paused: time stands still */
    int64_t stopped_at;
    Timer *queue;
    /* Deterministic mode: told when a timer armed becomes the earliest (see below). */
    void (*earlier)(void *opaque, int64_t deadline);
    void *earlier_opaque;
};

/* INSNS points at the retired-instruction counter (used in VCLOCK_INSNS mode). */
void vclock_init(VClock *c, ClockMode mode, unsigned shift, const uint64_t *insns);

/* Virtual time now, in nanoseconds since the machine started (or was restored). */
int64_t vclock_now(const VClock *c);
/*
 * Deterministic mode: virtual time when INSNS instructions had retired, for a reader in
 * the middle of a block (the count runs ahead to the block's end there). Real time, or a
 * count before the last warp: the time now.
 */
int64_t vclock_at(const VClock *c, uint64_t insns);

/*
 * Virtual time is NS from now on (a restored machine continues its saved time): it
 * advances from here with the instruction count or the host's clock, as before.
 */
void vclock_set_now(VClock *c, int64_t ns);

/* Pause and resume: while stopped, vclock_now() does not advance (wirt pause). */
void vclock_stop(VClock *c);
void vclock_start(VClock *c);

/*
 * Deterministic mode only: virtual time jumps forward to NS (a halted CPU skipping to the
 * next deadline). The instruction count does not change; time keeps moving with it from
 * there.
 */
void vclock_warp_to(VClock *c, int64_t ns);

/*
 * Deterministic mode: FN(OPAQUE, DEADLINE) is called whenever a timer is armed ahead of all
 * others, so that a slice of guest code already running (cut for the old earliest deadline)
 * ends by the new one. Without it a timer armed by a port write would fire when the slice
 * happens to end, and where slices end must never show in what the guest sees.
 */
void vclock_set_earlier_hook(VClock *c, void (*fn)(void *opaque, int64_t deadline),
                             void *opaque);

/* Instructions that can run before virtual time reaches NS (VCLOCK_INSNS); 0 if past. */
uint64_t vclock_insns_until(const VClock *c, int64_t ns);

void timer_init(Timer *t, VClock *c, const char *name, TimerFn fn, void *opaque);
/* (Re)arms T to fire at virtual time DEADLINE (ns). */
void timer_mod(Timer *t, int64_t deadline);
void timer_del(Timer *t);
static inline bool timer_pending(const Timer *t)
{
    return t->armed;
}

/* The earliest armed deadline, or INT64_MAX when none. */
int64_t vclock_next_deadline(const VClock *c);

/* Fires every timer whose deadline has passed, in deadline order. Returns how many. */
unsigned vclock_run_timers(VClock *c);

/* Host monotonic nanoseconds: for the real-time clock and for sleeping; nothing else. */
int64_t host_monotonic_ns(void);

#endif
