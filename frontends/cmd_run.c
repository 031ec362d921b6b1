/*
 * `wirt run`: assemble a machine from a guest's settings and run it in this process. The
 * settings come from a config file (--config, docs/config.md) and from options, which are
 * the same table (vm/guestcfg.h): options override the file. With a name (--name or the
 * file's) the guest has a control socket (vm/domain.h). `wirt create` and `wirt restore`
 * start this command in the background with the hidden --daemon-ready-fd (daemon.h).
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "frontends/daemon.h"
#include "vm/domain.h"
#include "vm/guestcfg.h"
#include "vm/replay.h"
#include "vm/snapshot.h"
#include "vm/vm.h"

#define RUN_DEFAULT_MIB 16

/* What `wirt run` is asked to do besides the guest's settings. */
typedef struct RunOptions {
    GuestConfig *guest;   /* the config file's settings, the command line's over them */
    char *config;         /* --config FILE */
    char *log_categories; /* -d */
    char *log_file;       /* -D */
    char *save_at;        /* --save-at INSNS:FILE */
    char *restore;        /* --restore FILE */
    char *record;         /* --record FILE */
    char *replay;         /* --replay FILE */
    gint ready_fd;        /* --daemon-ready-fd N: a background guest; -1 in the foreground */
    GPtrArray *keep;      /* strings the MachineConfig points to */
} RunOptions;

static void run_options_clear(RunOptions *o)
{
    guest_config_free(o->guest);
    g_free(o->config);
    g_free(o->log_categories);
    g_free(o->log_file);
    g_free(o->save_at);
    g_free(o->restore);
    g_free(o->record);
    g_free(o->replay);
    g_ptr_array_unref(o->keep);
}

/* The guest settings' options (one table with the config keys), then run's own. */
static GOptionEntry *run_entries(GuestConfig *cli, RunOptions *o)
{
    const GOptionEntry own[] = {
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o->config,
          "Read the guest's settings from FILE (docs/config.md); options override it",
          "FILE" },
        { "save-at", 0, 0, G_OPTION_ARG_STRING, &o->save_at,
          "Write a snapshot to FILE once N instructions have retired, and go on", "N:FILE" },
        { "restore", 0, 0, G_OPTION_ARG_FILENAME, &o->restore,
          "Start from a snapshot (the guest and machine come from the file)", "FILE" },
        { "record", 0, 0, G_OPTION_ARG_FILENAME, &o->record,
          "Log every input with its instruction count, and checkpoints, to FILE", "FILE" },
        { "replay", 0, 0, G_OPTION_ARG_FILENAME, &o->replay,
          "Feed the inputs logged in FILE at their counts (host input ignored), checking "
          "the checkpoints", "FILE" },
        { "log", 'd', 0, G_OPTION_ARG_STRING, &o->log_categories,
          "Enable trace categories (comma-separated; 'help' lists them)", "CATS" },
        { "logfile", 'D', 0, G_OPTION_ARG_FILENAME, &o->log_file,
          "Write logs and traces to FILE instead of stderr", "FILE" },
        { "daemon-ready-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o->ready_fd,
          "Run in the background: log to the runtime directory, then say so on FD", "FD" },
    };
    g_autofree GOptionEntry *guest = guest_option_entries(cli);
    size_t n = 0;
    GOptionEntry *all;

    while (guest[n].long_name) {
        n++;
    }
    all = g_new0(GOptionEntry, n + G_N_ELEMENTS(own) + 1);
    memcpy(all, guest, n * sizeof(*all));
    memcpy(all + n, own, sizeof(own));
    return all;
}

/* The command line, checked, over the config file. Returns an exit status, or -1. */
static int run_parse(int *argc, char ***argv, RunOptions *o)
{
    g_autoptr(GuestConfig) cli = guest_config_new();
    g_autofree GOptionEntry *entries = run_entries(cli, o);
    g_autoptr(GError) err = NULL;

    if (!cli_parse("run", "[OPTIONS...]", "Boot a guest in this process.", entries, argc,
                   argv)) {
        return CLI_EXIT_USAGE;
    }
    if (*argc > 1) {
        cli_error("run: unexpected argument '%s' (try 'wirt run --help')", (*argv)[1]);
        return CLI_EXIT_USAGE;
    }
    if (!guest_config_check(cli, &err)) {
        cli_error("run: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    o->guest = o->config ? guest_config_load(o->config, &err) : guest_config_new();
    if (!o->guest) {
        cli_error("run: --config: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    guest_config_merge(o->guest, cli);
    return -1;
}

/* Applies -d and -D to the machine's log. Returns an exit status, or -1 to go on. */
static int run_setup_log(Machine *m, const RunOptions *o)
{
    g_autoptr(GError) err = NULL;

    if (o->log_categories && !strcmp(o->log_categories, "help")) {
        log_print_categories(stdout);
        return CLI_EXIT_OK;
    }
    if (o->log_categories && !log_parse_categories(o->log_categories, &m->log.mask, &err)) {
        cli_error("run: -d: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    if (o->log_file && !log_open_file(&m->log, o->log_file, &err)) {
        cli_error("run: -D: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Checks that exactly one thing is booted, and that kernel options come with a kernel. */
static bool run_check_boot(const GuestConfig *g)
{
    if (!!g->flat + !!g->kernel + !!g->bios > 1) {
        cli_error("run: --%s and --%s cannot be combined: give one of them",
                  g->flat ? "flat" : "kernel", g->bios ? "bios" : "kernel");
        return false;
    }
    if (!g->kernel && (g->cmdline || g->modules || g->initrd)) {
        cli_error("run: --%s needs --kernel FILE",
                  g->cmdline ? "append" : g->modules ? "module" : "initrd");
        return false;
    }
    if (g->modules && g->initrd) {
        cli_error("run: --module (Multiboot) and --initrd (Linux) cannot be combined");
        return false;
    }
    if (!g->flat && !g->kernel && !g->bios) {
        cli_error("run: nothing to boot: give --kernel FILE, --bios FILE or --flat FILE");
        return false;
    }
    return true;
}

/* --restore takes the boot images from the snapshot. */
static bool run_check_restore(const GuestConfig *g)
{
    if (g->flat || g->kernel || g->bios || g->cmdline || g->modules || g->initrd) {
        cli_error("run: --restore takes the guest from the snapshot: drop --%s",
                  g->flat ? "flat" : g->kernel ? "kernel" : g->bios ? "bios" :
                  g->cmdline ? "append" : g->modules ? "module" : "initrd");
        return false;
    }
    return true;
}

/* --record and --replay run on the deterministic clock; --replay takes its settings from
 * the log. */
static bool run_check_replay(const RunOptions *o, MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;

    if (o->record && o->replay) {
        cli_error("run: --record and --replay cannot be combined");
        return false;
    }
    if (!o->record && !o->replay) {
        return true;
    }
    if (o->guest->clock && cfg->clock_mode != VCLOCK_INSNS) {
        cli_error("run: --%s needs the deterministic clock (--clock insns)",
                  o->record ? "record" : "replay");
        return false;
    }
    if (!o->guest->clock) {
        cfg->clock_mode = VCLOCK_INSNS;
        cfg->clock_shift = RUN_DEFAULT_SHIFT;
    }
    if (o->replay && !replay_read_setup(o->replay, cfg, &err)) {
        cli_error("run: --replay: %s", err->message);
        return false;
    }
    return true;
}

/* --save-at INSNS:FILE: a snapshot once INSNS instructions have retired. */
static bool run_parse_save_at(const char *s, MachineConfig *cfg)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    g_autofree char *num = colon ? g_strndup(s, (gsize)(colon - s)) : NULL;
    guint64 n;

    cfg->save_at = UINT64_MAX;
    if (!s) {
        return true;
    }
    if (!colon || !colon[1] || !g_ascii_isdigit(num[0]) ||
        !g_ascii_string_to_unsigned(num, 10, 0, UINT64_MAX - 1, &n, NULL)) {
        cli_error("run: --save-at '%s': expected INSNS:FILE, e.g. 1000000:guest.snap", s);
        return false;
    }
    cfg->save_at = n;
    cfg->save_path = colon + 1;
    return true;
}

/* --machine pc|test (checked by the table); without it, test for --flat and pc otherwise. */
static void run_parse_machine(const RunOptions *o, MachineConfig *cfg)
{
    const char *board = o->guest->machine;

    if (!board) {
        board = o->guest->flat && !o->restore ? "test" : "pc";
    }
    cfg->board = !strcmp(board, "pc") ? MACHINE_BOARD_PC : MACHINE_BOARD_TEST;
}

/* --clock realtime|insns[,shift=N] (checked by the table). */
static void run_parse_clock(const char *s, MachineConfig *cfg)
{
    bool insns = false;
    int shift = -1;

    if (s) {
        guest_parse_clock(s, &insns, &shift);
    }
    cfg->clock_mode = insns ? VCLOCK_INSNS : VCLOCK_REALTIME;
    cfg->clock_shift = !insns ? 0 : shift < 0 ? RUN_DEFAULT_SHIFT : (unsigned)shift;
}

/* --rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS (checked by the table). */
static void run_parse_rtc(const char *s, MachineConfig *cfg)
{
    cfg->rtc_base = INPUT_RTC_DEFAULT;
    if (!s) {
        return;
    }
    if (!strcmp(s, "base=utc")) {
        cfg->rtc_base = INPUT_RTC_UTC;
    } else if (!strcmp(s, "base=localtime")) {
        cfg->rtc_base = INPUT_RTC_LOCALTIME;
    } else if (guest_parse_rtc_date(s + 5, &cfg->rtc_date)) {
        cfg->rtc_base = INPUT_RTC_DATE;
    }
}

/* --serial BACKEND for COM1, again for COM2; the PC board's COM1 is stdio by default. */
static bool run_parse_serial(const GuestConfig *g, MachineConfig *cfg)
{
    guint n = g->serial ? g_strv_length(g->serial) : 0;

    for (guint i = 0; i < n; i++) {
        cfg->serial[i] = g->serial[i];
    }
    if (cfg->board == MACHINE_BOARD_TEST && (n || g->rtc)) {
        cli_error("run: --%s needs --machine pc (the test board has no %s)",
                  n ? "serial" : "rtc", n ? "serial port" : "RTC");
        return false;
    }
    if (n == 0 && cfg->board == MACHINE_BOARD_PC) {
        cfg->serial[0] = "stdio";
    }
    return true;
}

/* Turns the settings into a machine configuration. Returns an exit status, or -1. */
static int run_config(const RunOptions *o, MachineConfig *cfg)
{
    const GuestConfig *g = o->guest;

    if (o->restore ? !run_check_restore(g) : !run_check_boot(g)) {
        return CLI_EXIT_USAGE;
    }
    *cfg = (MachineConfig){
        .ram_bytes = (uint64_t)(g->memory_mib == GUEST_INT_UNSET ? RUN_DEFAULT_MIB
                                                                 : g->memory_mib) << 20,
        .flat_path = g->flat,
        .flat_addr = g->flat_addr ? g_ascii_strtoull(g->flat_addr, NULL, 0) : 0x7c00,
        .kernel_path = g->kernel,
        .kernel_append = g->cmdline,
        .module_paths = g->modules,
        .initrd_path = g->initrd,
        .bios_path = g->bios,
        .max_insns = g->max_insns == GUEST_INT_UNSET ? 0 : (uint64_t)g->max_insns,
        .no_reboot = g->no_reboot,
        .name = g->name,
    };
    run_parse_machine(o, cfg);
    run_parse_clock(g->clock, cfg);
    run_parse_rtc(g->rtc, cfg);
    if (!run_parse_serial(g, cfg) || !run_parse_save_at(o->save_at, cfg) ||
        !run_check_replay(o, cfg)) {
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/*
 * --restore FILE: the machine the snapshot was taken on; -m, --machine and --clock given
 * as well must agree with it (snapshot_load says so otherwise). A background guest takes
 * its name from the snapshot unless it was given one.
 */
static int run_config_restore(const RunOptions *o, MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    MachineConfig mine = *cfg;

    if (!snapshot_read_config(o->restore, cfg, o->keep, &err)) {
        cli_error("run: --restore: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    if (o->guest->memory_mib != GUEST_INT_UNSET) {
        cfg->ram_bytes = mine.ram_bytes;
    }
    if (o->guest->machine) {
        cfg->board = mine.board;
    }
    if (o->guest->clock) {
        cfg->clock_mode = mine.clock_mode;
        cfg->clock_shift = mine.clock_shift;
    }
    if (o->ready_fd < 0 && !o->guest->name) {
        cfg->name = NULL;   /* a foreground restore gets a control socket only if asked */
    }
    return -1;
}

/* A background guest: a name, and COM1's terminal replaced by a console socket. */
static int run_config_daemon(const RunOptions *o, MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *why = NULL;
    char *console;

    if (!cfg->name) {
        cli_error("run: a background guest needs a name (--name NAME, or name in the config)");
        return CLI_EXIT_USAGE;
    }
    if (cfg->serial[1] && !strcmp(cfg->serial[1], "stdio")) {
        cli_error("run: COM2's back-end is stdio, but a background guest has no terminal: "
                  "use none, file:PATH or unix:PATH");
        return CLI_EXIT_USAGE;
    }
    if (cfg->serial[0] && !strcmp(cfg->serial[0], "stdio")) {
        if (!(console = daemon_console_spec(cfg->name, &err))) {
            cli_error("run: %s", err->message);
            return CLI_EXIT_USAGE;
        }
        g_ptr_array_add(o->keep, console);
        if (!chardev_check_spec(console, &why)) {
            cli_error("run: the console socket %s", why);
            return CLI_EXIT_USAGE;
        }
        cfg->serial[0] = console;
    }
    return -1;
}

/* The control socket (which also claims the name), the machine, its restore and log. */
static int run_build(Machine *m, const RunOptions *o, MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    const char *log = o->record ? o->record : o->replay;

    if (cfg->name && !(m->domain = domain_open(m, cfg, &err))) {
        cli_error("run: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    if (!machine_init(m, cfg, &err) || (o->restore && !snapshot_load(m, cfg, o->restore, &err))) {
        cli_error("run: %s%s", o->restore ? "--restore: " : "", err->message);
        return CLI_EXIT_USAGE;
    }
    if (log) {
        m->replay = replay_open(o->record ? REPLAY_RECORD : REPLAY_PLAY, m, cfg, log, &err);
        if (!m->replay) {
            cli_error("run: --%s: %s", o->record ? "record" : "replay", err->message);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

/* A background guest is ready: its output goes to its log, and `wirt create` goes on. */
static int run_detach(const RunOptions *o, const MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    int log_fd;

    if (o->ready_fd < 0) {
        return -1;
    }
    log_fd = daemon_open_log(cfg->name, &err);
    if (log_fd < 0) {
        cli_error("run: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    daemon_ready(o->ready_fd, log_fd, cfg->name);
    return -1;
}

/* Builds the machine, restores it, starts recording or replaying, and runs it. */
static int run_machine(Machine *m, const RunOptions *o, MachineConfig *cfg)
{
    int status = run_build(m, o, cfg);

    if (status < 0) {
        status = run_detach(o, cfg);
    }
    if (status >= 0) {
        return status;
    }
    status = machine_main(m, cfg);
    if (m->replay && !replay_finish(m->replay)) {
        status = MACHINE_EXIT_DIVERGED;
    }
    replay_close(m->replay);
    m->replay = NULL;
    return status;
}

/* Everything after parsing. Returns the exit status. */
static int run_with(Machine *m, RunOptions *o)
{
    MachineConfig cfg;
    int status = run_setup_log(m, o);

    if (status < 0) {
        status = run_config(o, &cfg);
    }
    if (status < 0 && o->restore) {
        status = run_config_restore(o, &cfg);
    }
    if (status < 0 && o->ready_fd >= 0) {
        status = run_config_daemon(o, &cfg);
    }
    if (status < 0) {
        status = run_machine(m, o, &cfg);
    }
    /* The console sockets before the control socket: once the guest's name is free (a
     * client sees its connection end), nothing of the guest is left in the directory. */
    machine_close_serial(m);
    domain_close(m->domain, status);
    m->domain = NULL;
    return status;
}

int cmd_run(int argc, char **argv)
{
    RunOptions o = { .ready_fd = -1, .keep = g_ptr_array_new_with_free_func(g_free) };
    Machine *m;
    int status = run_parse(&argc, &argv, &o);

    if (status < 0) {
        m = machine_new();
        status = run_with(m, &o);
        machine_free(m);
    }
    run_options_clear(&o);
    return status;
}
