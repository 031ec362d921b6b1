/*
 * The run loop (DESIGN.md rules 1 and 2): one thread runs the CPU and the devices; the
 * virtual clock's timers fire between slices; host input is polled here and pushed into
 * devices only through the input funnel; the control socket (vm/domain.h) is served here
 * too, between slices and while the guest halts or is paused.
 */
#include "vm/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "translate/translate.h"
#include "vm/chardev.h"
#include "vm/domain.h"
#include "vm/replay.h"
#include "vm/snapshot.h"

/*
 * The one global: the number of a SIGINT or SIGTERM that arrived, for the loop to end the
 * run cleanly (the terminal is restored on that path and by atexit). Handlers only set it.
 */
static volatile sig_atomic_t run_signal;

#define RUN_PAUSED_WAIT_MS 1000

typedef struct Run {
    Machine *m;
    const MachineConfig *cfg;
    uint64_t left;          /* instructions left under --max-insns */
    uint64_t polled_at;     /* retired count at the last poll of host input */
    uint64_t save_at;       /* --save-at: the count to snapshot at; UINT64_MAX none */
    GRand *jitter;          /* WIRT_SLICE_JITTER: slices cut at random points, or NULL */
} Run;

static void run_on_signal(int sig)
{
    run_signal = sig;
}

static void run_set_signals(void (*handler)(int))
{
    struct sigaction sa = { .sa_handler = handler };
    struct sigaction pipe = { .sa_handler = handler == SIG_DFL ? SIG_DFL : SIG_IGN };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed output pipe is an error a back-end sees and the loop ends the run on (with
     * the terminal restored), not a signal that kills the process mid-way. */
    sigemptyset(&pipe.sa_mask);
    sigaction(SIGPIPE, &pipe, NULL);
}

static void run_report_halt(const Machine *m, const char *why)
{
    fprintf(stderr, "wirt: guest halted at %04x:%08" G_GINT64_MODIFIER "x %s\n",
            m->cpu.seg[SEG_CS].sel, m->cpu.eip, why);
}

/* Reads what the back-ends have ready into the funnel, which passes it on to the UARTs. */
static void run_poll_input(Run *r)
{
    Machine *m = r->m;
    uint8_t buf[256];

    r->polled_at = m->cpu.stats.insns;
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        size_t room = MIN(sizeof(buf), input_serial_room(&m->input, i));
        size_t n = chardev_read(m->serial[i], buf, room);
        input_serial_offer(&m->input, i, buf, n);
    }
    domain_service(m->domain);
    if (input_pending(&m->input)) {
        input_deliver(&m->input);
    }
}

/* Whether a back-end may still produce input (queued input is delivered before a halt). */
static bool run_has_input(const Machine *m)
{
    uint64_t insns;
    int64_t vtime;

    if (m->replay && m->input.tap.peek) {   /* replaying: only the log counts */
        return replay_next_stamp(m->replay, &insns, &vtime);
    }
    if (domain_listening(m->domain)) {
        return true;        /* a control command may still wake it */
    }
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (chardev_has_input(m->serial[i])) {
            return true;
        }
    }
    return false;
}

/* Sleeps until host input or a control request arrives or TIMEOUT_MS passes (-1: no
 * limit). A paused guest waits for the control socket only. */
static void run_wait_input(Machine *m, int timeout_ms)
{
    struct pollfd fds[MACHINE_SERIAL_PORTS * CHARDEV_POLL_MAX + CONTROL_POLL_MAX];
    int n = 0;

    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS && !domain_paused(m->domain); i++) {
        n += (int)chardev_poll_fds(m->serial[i], &fds[n]);
    }
    n += domain_poll_fds(m->domain, fds + n, CONTROL_POLL_MAX);
    if (poll(fds, (nfds_t)n, timeout_ms) < 0 && errno != EINTR) {
        fprintf(stderr, "wirt: poll: %s\n", g_strerror(errno));
    }
}

/* Milliseconds of host time until virtual DEADLINE, rounded up; -1 for none. */
static int run_timeout_ms(const VClock *c, int64_t deadline)
{
    int64_t ns;

    if (deadline == INT64_MAX) {
        return -1;
    }
    ns = deadline - vclock_now(c);
    if (ns <= 0) {
        return 0;
    }
    return (int)MIN((ns + 999999) / 1000000, (int64_t)1000);
}

/*
 * HLT with interrupts enabled: time moves to the next event. Deterministic mode warps
 * virtual time to the next deadline (or waits for host input when there is none);
 * real-time mode sleeps until the deadline or input. Returns an exit status, or -1.
 */
static int run_idle(Run *r)
{
    Machine *m = r->m;
    int64_t deadline = vclock_next_deadline(&m->clock);
    uint64_t ei;
    int64_t et;

    if (m->replay && m->input.tap.peek && replay_next_stamp(m->replay, &ei, &et)) {
        if (ei != m->cpu.stats.insns && deadline == INT64_MAX) {
            fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT ": the "
                    "guest halted with nothing to wake it, the log has input at %"
                    G_GUINT64_FORMAT "\n", m->cpu.stats.insns, ei);
            return MACHINE_EXIT_DIVERGED;
        }
        if (ei == m->cpu.stats.insns) {
            deadline = MIN(deadline, et);   /* the logged input wakes it at its time */
        }
    }
    if (deadline == INT64_MAX && !run_has_input(m)) {
        run_report_halt(m, "with nothing left to wake it");
        return MACHINE_EXIT_SHUTDOWN;
    }
    if (m->clock.mode == VCLOCK_INSNS && deadline != INT64_MAX) {
        vclock_warp_to(&m->clock, deadline);
    } else {
        run_wait_input(m, run_timeout_ms(&m->clock, deadline));
    }
    run_poll_input(r);
    vclock_run_timers(&m->clock);
    return -1;
}

static int run_halted(Run *r)
{
    Machine *m = r->m;

    if (m->cpu.irq_line && (m->cpu.eflags & FL_IF)) {
        return -1;      /* the next slice takes the interrupt */
    }
    if (!(m->cpu.eflags & FL_IF)) {
        run_report_halt(m, "with interrupts disabled");
        return MACHINE_EXIT_SHUTDOWN;
    }
    return run_idle(r);
}

/*
 * A triple fault or the reset line: reset the machine, or end the run (--no-reboot, or a
 * guest that `wirt shutdown` asked to power off and that reboots in answer).
 */
static int run_reset(Run *r, CpuExit e)
{
    Machine *m = r->m;
    bool off = r->cfg->no_reboot || domain_shutting_down(m->domain);

    fprintf(stderr, "wirt: %s at %04x:%08" G_GINT64_MODIFIER "x%s\n",
            e == CPU_EXIT_TRIPLE_FAULT ? "triple fault" : "reset requested",
            m->cpu.seg[SEG_CS].sel, m->cpu.eip,
            !off ? ", resetting" : r->cfg->no_reboot ? ", shutting down (--no-reboot)"
                                                     : ", powering off (shutdown requested)");
    if (off || !machine_reset(m, r->cfg)) {
        return MACHINE_EXIT_SHUTDOWN;
    }
    return -1;
}

/* Instructions the next slice may run: none past the next deadline in deterministic mode. */
static uint64_t run_budget(const Run *r)
{
    const VClock *c = &r->m->clock;
    uint64_t budget = MIN(r->left, RUN_CHUNK);
    int64_t deadline = vclock_next_deadline(c);

    if (c->mode == VCLOCK_INSNS && deadline != INT64_MAX) {
        budget = MIN(budget, MAX(vclock_insns_until(c, deadline), 1));
    }
    if (r->save_at != UINT64_MAX) {
        budget = MIN(budget, r->save_at - r->m->cpu.stats.insns);
    }
    if (r->m->replay) {
        budget = replay_budget(r->m->replay, budget);
    }
    if (r->jitter) {
        uint64_t cut = (uint64_t)g_rand_int_range(r->jitter, 1, 20001);   /* 1..20,000 */
        budget = MIN(budget, cut);
    }
    return budget;
}

/*
 * A timer armed during a slice ahead of the deadline the slice was cut for (a port write
 * that starts the PIT or a UART transmission): the slice now ends by the new deadline, so
 * the timer fires at its own instruction count however long the slice was meant to be.
 */
static void run_earlier_deadline(void *opaque, int64_t deadline)
{
    Machine *m = opaque;
    uint64_t until = vclock_insns_until(&m->clock, deadline);

    m->cpu.insn_budget = MIN(m->cpu.insn_budget, until);
}

/* Signals, Ctrl-a x, host input when due. Returns an exit status, or -1 to go on. */
static int run_check_host(Run *r)
{
    Machine *m = r->m;

    if (run_signal) {
        fprintf(stderr, "wirt: terminated by signal %d\n", (int)run_signal);
        return 128 + run_signal;
    }
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (chardev_quit_requested(m->serial[i])) {
            fprintf(stderr, "\nwirt: quit (Ctrl-a x)\n");
            return MACHINE_EXIT_SHUTDOWN;
        }
        if (chardev_output_broken(m->serial[i])) {
            fprintf(stderr, "wirt: the serial console's output pipe was closed; stopping\n");
            return 128 + SIGPIPE;
        }
    }
    if (m->cpu.stats.insns - r->polled_at >= RUN_CHUNK) {
        run_poll_input(r);
    } else if (input_pending(&m->input)) {
        input_deliver(&m->input);
    }
    return -1;
}

/* --save-at: the snapshot, once the count is reached; a failure leaves the guest running. */
static void run_save(Run *r)
{
    Machine *m = r->m;
    g_autoptr(GError) err = NULL;
    int64_t t0 = host_monotonic_ns();

    r->save_at = UINT64_MAX;
    if (!snapshot_save(m, r->cfg, r->cfg->save_path, &err)) {
        fprintf(stderr, "wirt: --save-at: %s\n", err->message);
        return;
    }
    fprintf(stderr, "wirt: saved a snapshot to %s at instruction %" G_GUINT64_FORMAT
            " in %.3f s\n", r->cfg->save_path, m->cpu.stats.insns,
            (double)(host_monotonic_ns() - t0) / 1e9);
}

/*
 * Paused: no guest code runs and virtual time stands still until a command resumes it. The
 * wait is capped so that a signal that lands just before the poll is still seen soon.
 */
static int run_paused(Run *r)
{
    run_wait_input(r->m, RUN_PAUSED_WAIT_MS);
    domain_service(r->m->domain);
    return r->m->stop ? r->m->exit_status : -1;
}

/*
 * Between slices: replay checkpoints, --save-at, host input, signals and control commands.
 * Returns an exit status (a command may have ended the run), or -1 to go on.
 */
static int run_between(Run *r)
{
    Machine *m = r->m;
    uint64_t now = m->cpu.stats.insns;
    int status;

    if (m->replay && !replay_step(m->replay)) {
        return MACHINE_EXIT_DIVERGED;
    }
    if (m->replay && replay_at_end(m->replay)) {
        fprintf(stderr, "wirt: replay: the recording ends at instruction %" G_GUINT64_FORMAT
                "\n", now);
        return MACHINE_EXIT_SHUTDOWN;
    }
    if (now >= r->save_at) {
        run_save(r);    /* before this point's input, which a restore then receives */
    }
    status = run_check_host(r);
    if (m->replay && replay_diverged(m->replay)) {
        return MACHINE_EXIT_DIVERGED;
    }
    return status < 0 && m->stop ? m->exit_status : status;
}

/* After a slice: a halt, a reset, --max-insns. Returns an exit status, or -1. */
static int run_after(Run *r, CpuExit e)
{
    Machine *m = r->m;
    int status = -1;

    if (e == CPU_EXIT_HALT) {
        status = run_halted(r);
    } else if (e == CPU_EXIT_TRIPLE_FAULT || (e == CPU_EXIT_REQUEST && m->reset_requested)) {
        status = run_reset(r, e);
    }
    if (status < 0 && r->left == 0) {
        if (m->cpu.stats.insns >= r->save_at) {
            run_save(r);
        }
        fprintf(stderr, "wirt: instruction limit of %" G_GUINT64_FORMAT " reached at "
                "%04x:%08" G_GINT64_MODIFIER "x\n", r->cfg->max_insns,
                m->cpu.seg[SEG_CS].sel, m->cpu.eip);
        return MACHINE_EXIT_LIMIT;
    }
    return status;
}

/* One slice of guest execution and what follows it. Returns an exit status, or -1. */
static int run_slice(Run *r)
{
    Machine *m = r->m;
    uint64_t before = m->cpu.stats.insns;
    int status = run_between(r);
    CpuExit e;

    if (status >= 0) {
        return status;
    }
    if (domain_paused(m->domain)) {
        return run_paused(r);
    }
    vclock_run_timers(&m->clock);
    e = translate_exec(&m->cpu, run_budget(r));
    r->left -= MIN(r->left, m->cpu.stats.insns - before);
    vclock_run_timers(&m->clock);
    return m->stop ? m->exit_status : run_after(r, e);
}

int machine_main(Machine *m, const MachineConfig *cfg)
{
    Run r = {
        .m = m,
        .cfg = cfg,
        .left = cfg->max_insns ? cfg->max_insns : UINT64_MAX,
        .polled_at = m->cpu.stats.insns,
        .save_at = cfg->save_path ? cfg->save_at : UINT64_MAX,
    };
    const char *jitter = g_getenv("WIRT_SLICE_JITTER");
    int status;

    /* A test aid: where slices end must never show in what the guest sees, so a run cut
     * at random points (seeded by the variable) must replay like any other. */
    if (jitter) {
        r.jitter = g_rand_new_with_seed((guint32)g_ascii_strtoull(jitter, NULL, 10));
    }
    vclock_set_earlier_hook(&m->clock, run_earlier_deadline, m);
    run_signal = 0;
    run_set_signals(run_on_signal);
    run_poll_input(&r);
    do {
        status = run_slice(&r);
    } while (status < 0);
    run_set_signals(SIG_DFL);
    vclock_set_earlier_hook(&m->clock, NULL, NULL);
    if (r.jitter) {
        g_rand_free(r.jitter);
    }
    return status;
}
