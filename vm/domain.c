/*
 * The guest as a managed domain (vm/domain.h): the guest commands of the control socket
 * (docs/control-protocol.md, "Guest commands") and the run state they change. Handlers run
 * on the machine thread between slices of guest execution; what the guest can observe
 * (the Ctrl-Alt-Del of `shutdown`) goes through the input funnel, so record/replay sees it.
 */
#include "vm/domain.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "translate/translate.h"
#include "vm/chardev.h"
#include "vm/snapshot.h"

/* Ctrl-Alt-Del as PS/2 key codes (scan-code set 2): left Ctrl, left Alt, Delete. */
static const unsigned domain_cad_keys[] = { 0x14, 0x11, PS2_KEY_E0 | 0x71 };

static void domain_event(Domain *d, const char *event, const char *reason)
{
    JsonWriter w;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    if (reason) {
        jw_string(&w, "reason", reason);
    }
    jw_object_end(&w);
    control_broadcast_event(&d->control, event, w.out->str);
    jw_clear(&w);
}

/* Ends the run at the next instruction boundary; the loop then closes the domain. */
static void domain_stop(Domain *d, const char *reason)
{
    d->stop_reason = reason;
    d->m->stop = true;
    d->m->exit_status = MACHINE_EXIT_SHUTDOWN;
    cpu_request_exit(&d->m->cpu);
    fprintf(stderr, "wirt: %s by a control command\n", reason);
}

static void domain_set_paused(Domain *d, bool paused)
{
    if (d->paused == paused) {
        return;
    }
    d->paused = paused;
    if (paused) {
        vclock_stop(&d->m->clock);
        cpu_request_exit(&d->m->cpu);
    } else {
        vclock_start(&d->m->clock);
    }
    domain_event(d, paused ? "paused" : "resumed", "user");
}

static const char *domain_state(const Domain *d)
{
    if (d->paused) {
        return "paused";
    }
    if (d->shutting_down) {
        return "shutting-down";
    }
    return d->m->cpu.halted ? "idle" : "running";
}

/* The host CPU time this process has used, in ns. */
static int64_t domain_cpu_ns(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0;
    }
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* COM1's console socket, when it has one. */
static const char *domain_console(const Domain *d)
{
    const char *spec = d->cfg->serial[0];

    return spec && g_str_has_prefix(spec, "unix:") ? spec + 5 : NULL;
}

/* Who the guest is and what it is doing: `wirt list` and `wirt top` read this. */
static void domain_cmd_status(const JsonNode *args, ControlReply *r, void *opaque)
{
    Domain *d = opaque;
    Machine *m = d->m;
    JsonWriter *w = control_reply_result(r);
    const TranslatorStats *ts = translator_stats(m->cpu.translator);
    int64_t now = host_monotonic_ns();

    jw_string(w, "name", d->cfg->name);
    jw_int(w, "pid", (int64_t)getpid());
    jw_string(w, "state", domain_state(d));
    jw_string(w, "board", m->board == MACHINE_BOARD_PC ? "pc" : "test");
    jw_uint(w, "memory_mib", d->cfg->ram_bytes >> 20);
    jw_int(w, "vcpus", 1);
    jw_string(w, "clock", m->clock.mode == VCLOCK_INSNS ? "insns" : "realtime");
    jw_string(w, "console", domain_console(d));
    jw_bool(w, "console_attached", chardev_attached(m->serial[0]));
    jw_int(w, "host_ns", now);
    jw_int(w, "uptime_ns", now - d->started_ns);
    jw_int(w, "cpu_ns", domain_cpu_ns());
    jw_uint(w, "insns", m->cpu.stats.insns);
    jw_int(w, "vtime_ns", vclock_now(&m->clock));
    jw_uint(w, "blocks_translated", ts->blocks_translated);
    jw_uint(w, "interrupts", m->cpu.stats.interrupts);
    jw_uint(w, "exceptions", m->cpu.stats.exceptions);
    jw_uint(w, "input_events", m->input.events);
}

static void domain_cmd_pause(const JsonNode *args, ControlReply *r, void *opaque)
{
    domain_set_paused(opaque, true);
    jw_bool(control_reply_result(r), "paused", true);
}

static void domain_cmd_unpause(const JsonNode *args, ControlReply *r, void *opaque)
{
    domain_set_paused(opaque, false);
    jw_bool(control_reply_result(r), "paused", false);
}

#define DOMAIN_PROGRESS_NS (100 * 1000 * 1000)   /* save-progress events: 10 a second */

typedef struct SaveReport {
    Domain *d;
    int64_t last_ns;
} SaveReport;

/* A save-progress event to subscribed clients: the first, the last, and ten a second in
 * between, each pushed out at once (the save holds the machine thread until it ends). */
static void domain_save_progress(void *opaque, uint64_t done, uint64_t total)
{
    SaveReport *sr = opaque;
    int64_t now = host_monotonic_ns();
    g_autofree char *data = NULL;

    if (done != 0 && done != total && now - sr->last_ns < DOMAIN_PROGRESS_NS) {
        return;
    }
    sr->last_ns = now;
    data = g_strdup_printf("{\"done\": %" G_GUINT64_FORMAT ", \"total\": %" G_GUINT64_FORMAT
                           "}", done, total);
    control_broadcast_event(&sr->d->control, "save-progress", data);
    control_flush(&sr->d->control, 1);
}

/* {"path": FILE}: the snapshot, then the guest stops (as `xm save`); a failure leaves it
 * as it was. */
static void domain_cmd_save(const JsonNode *args, ControlReply *r, void *opaque)
{
    Domain *d = opaque;
    const char *path = json_get_string(json_object_get(args, "path"), NULL);
    g_autoptr(GError) err = NULL;
    int64_t t0 = host_monotonic_ns();
    JsonWriter *w = control_reply_result(r);
    SaveReport report = { .d = d };
    struct stat st;

    if (!path || !g_path_is_absolute(path)) {
        control_reply_error(r, "bad-args", "\"path\" must be an absolute file name");
        return;
    }
    if (!snapshot_save_progress(d->m, d->cfg, path,
                                &(SnapshotProgress){ domain_save_progress, &report }, &err)) {
        control_reply_error(r, "failed", "%s", err->message);
        return;
    }
    jw_string(w, "path", path);
    jw_int(w, "bytes", stat(path, &st) == 0 ? (int64_t)st.st_size : -1);
    jw_int(w, "save_ns", host_monotonic_ns() - t0);
    fprintf(stderr, "wirt: saved a snapshot to %s at instruction %" G_GUINT64_FORMAT "\n", path,
            d->m->cpu.stats.insns);
    domain_stop(d, "saved");
}

/* Why the funnel cannot take keys now, or NULL. */
static const char *domain_keys_refused(const Domain *d, unsigned n)
{
    const Input *in = &d->m->input;

    if (!input_has_keyboard(in)) {
        return "the guest has no keyboard controller to send Ctrl-Alt-Del to (the test "
               "board): use destroy";
    }
    if (in->tap.peek) {
        return "the guest is replaying a log and takes input only from it";
    }
    if (INPUT_KEY_QUEUE_SIZE - in->key_q.len < n) {
        return "the keyboard has too many keys queued already";
    }
    return NULL;
}

/* Ctrl-Alt-Del on the keyboard; a reset in answer powers the guest off. */
static void domain_cmd_shutdown(const JsonNode *args, ControlReply *r, void *opaque)
{
    Domain *d = opaque;
    const size_t n = G_N_ELEMENTS(domain_cad_keys);
    const char *why = domain_keys_refused(d, 2 * n);

    if (why) {
        control_reply_error(r, "failed", "%s", why);
        return;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        bool down = i < n;
        input_key_offer(&d->m->input, domain_cad_keys[down ? i : 2 * n - 1 - i], down);
    }
    d->shutting_down = true;
    domain_set_paused(d, false);
    domain_event(d, "shutdown", "user");
    jw_string(control_reply_result(r), "sent", "ctrl-alt-del");
}

static void domain_cmd_destroy(const JsonNode *args, ControlReply *r, void *opaque)
{
    domain_stop(opaque, "destroyed");
}

static void domain_cmd_reset(const JsonNode *args, ControlReply *r, void *opaque)
{
    Domain *d = opaque;

    /* Through the input funnel, so a recording logs it like a key press. */
    if (!input_reset_offer(&d->m->input)) {
        control_reply_error(r, "failed", "the guest is replaying a log and takes input "
                            "only from it");
        return;
    }
    domain_event(d, "reset", "user");
}

static const struct {
    const char *name;
    ControlHandler fn;
} domain_commands[] = {
    { "status", domain_cmd_status },
    { "pause", domain_cmd_pause },
    { "unpause", domain_cmd_unpause },
    { "save", domain_cmd_save },
    { "shutdown", domain_cmd_shutdown },
    { "destroy", domain_cmd_destroy },
    { "reset", domain_cmd_reset },
};

Domain *domain_open(Machine *m, const MachineConfig *cfg, GError **err)
{
    Domain *d = g_new0(Domain, 1);

    d->m = m;
    d->cfg = cfg;
    d->started_ns = host_monotonic_ns();
    for (size_t i = 0; i < G_N_ELEMENTS(domain_commands); i++) {
        control_register(&d->control, domain_commands[i].name, domain_commands[i].fn, d);
    }
    if (!control_open(&d->control, cfg->name, err)) {
        control_close(&d->control);
        g_free(d);
        return NULL;
    }
    return d;
}

void domain_close(Domain *d, int status)
{
    JsonWriter w;

    if (!d) {
        return;
    }
    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_int(&w, "status", status);
    jw_string(&w, "reason", d->stop_reason ? d->stop_reason : "exited");
    jw_object_end(&w);
    control_broadcast_event(&d->control, "stopped", w.out->str);
    jw_clear(&w);
    control_close(&d->control);
    g_free(d);
}

int domain_poll_fds(const Domain *d, struct pollfd *fds, int max)
{
    return d ? control_poll_fds(&d->control, fds, max) : 0;
}

void domain_service(Domain *d)
{
    if (d) {
        control_service(&d->control);
    }
}

bool domain_paused(const Domain *d)
{
    return d && d->paused;
}

bool domain_shutting_down(const Domain *d)
{
    return d && d->shutting_down;
}

bool domain_listening(const Domain *d)
{
    return d && d->control.open;
}
