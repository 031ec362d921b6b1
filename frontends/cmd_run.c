/*
 * `wirt run`: assemble a machine from command-line options and run it in this process.
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "vm/replay.h"
#include "vm/snapshot.h"
#include "vm/vm.h"

typedef struct RunOptions {
    char *log_categories; /* -d */
    char *log_file;       /* -D */
    char *flat;           /* --flat */
    char *flat_addr;      /* --flat-addr */
    char *kernel;         /* --kernel */
    char *append;         /* --append */
    char **modules;       /* --module, repeatable */
    char *initrd;         /* --initrd */
    char *bios;           /* --bios */
    gint64 memory_mib;    /* -m */
    gint64 max_insns;     /* --max-insns */
    gboolean no_reboot;   /* --no-reboot */
    char *machine;        /* --machine */
    char *clock;          /* --clock */
    char **serial;        /* --serial, repeatable: COM1, COM2 */
    char *rtc;            /* --rtc */
    char *save_at;        /* --save-at INSNS:FILE */
    char *restore;        /* --restore FILE */
    char *record;         /* --record FILE */
    char *replay;         /* --replay FILE */
} RunOptions;

static void run_options_clear(RunOptions *o)
{
    g_free(o->log_categories);
    g_free(o->log_file);
    g_free(o->flat);
    g_free(o->flat_addr);
    g_free(o->kernel);
    g_free(o->append);
    g_strfreev(o->modules);
    g_free(o->initrd);
    g_free(o->bios);
    g_free(o->machine);
    g_free(o->clock);
    g_strfreev(o->serial);
    g_free(o->rtc);
    g_free(o->save_at);
    g_free(o->restore);
    g_free(o->record);
    g_free(o->replay);
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

/* Parses a decimal or 0x-prefixed number no greater than MAX. */
static bool parse_u64(const char *s, guint64 max, guint64 *out)
{
    char *end;
    guint64 v = g_ascii_strtoull(s, &end, 0);
    if (!*s || *end || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* Checks that exactly one thing is booted, and that kernel options come with a kernel. */
static bool run_check_boot(const RunOptions *o)
{
    if (!!o->flat + !!o->kernel + !!o->bios > 1) {
        cli_error("run: --%s and --%s cannot be combined: give one of them",
                  o->flat ? "flat" : "kernel", o->bios ? "bios" : "kernel");
        return false;
    }
    if (!o->kernel && (o->append || o->modules || o->initrd)) {
        cli_error("run: --%s needs --kernel FILE",
                  o->append ? "append" : o->modules ? "module" : "initrd");
        return false;
    }
    if (o->modules && o->initrd) {
        cli_error("run: --module (Multiboot) and --initrd (Linux) cannot be combined");
        return false;
    }
    if (!o->flat && !o->kernel && !o->bios) {
        cli_error("run: nothing to boot: give --kernel FILE, --bios FILE or --flat FILE");
        return false;
    }
    return true;
}

/* --restore takes the boot images from the snapshot. */
static bool run_check_restore(const RunOptions *o)
{
    if (o->flat || o->kernel || o->bios || o->append || o->modules || o->initrd) {
        cli_error("run: --restore takes the guest from the snapshot: drop --%s",
                  o->flat ? "flat" : o->kernel ? "kernel" : o->bios ? "bios" :
                  o->append ? "append" : o->modules ? "module" : "initrd");
        return false;
    }
    return true;
}

/* --record and --replay run on the deterministic clock; --replay takes its settings from the log. */
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
    if (o->clock && cfg->clock_mode != VCLOCK_INSNS) {
        cli_error("run: --%s needs the deterministic clock (--clock insns)",
                  o->record ? "record" : "replay");
        return false;
    }
    if (!o->clock) {
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
    if (!colon || !colon[1] || !parse_u64(num, UINT64_MAX - 1, &n)) {
        cli_error("run: --save-at '%s': expected INSNS:FILE, e.g. 1000000:guest.snap", s);
        return false;
    }
    cfg->save_at = n;
    cfg->save_path = colon + 1;
    return true;
}

/* --machine pc|test; without it, test for --flat and pc otherwise. */
static bool run_parse_machine(const RunOptions *o, MachineConfig *cfg)
{
    if (!o->machine) {
        cfg->board = o->flat ? MACHINE_BOARD_TEST : MACHINE_BOARD_PC;
        if (o->restore) {
            cfg->board = MACHINE_BOARD_PC;   /* serial options are checked against the pc */
        }
    } else if (!strcmp(o->machine, "pc")) {
        cfg->board = MACHINE_BOARD_PC;
    } else if (!strcmp(o->machine, "test")) {
        cfg->board = MACHINE_BOARD_TEST;
    } else {
        cli_error("run: --machine '%s': expected pc or test", o->machine);
        return false;
    }
    return true;
}

/* --clock realtime|insns[,shift=N]. */
static bool run_parse_clock(const char *s, MachineConfig *cfg)
{
    guint64 shift = RUN_DEFAULT_SHIFT;

    cfg->clock_mode = VCLOCK_REALTIME;
    cfg->clock_shift = 0;
    if (!s || !strcmp(s, "realtime")) {
        return true;
    }
    if (strcmp(s, "insns") &&
        !(g_str_has_prefix(s, "insns,shift=") && parse_u64(s + 12, 20, &shift))) {
        cli_error("run: --clock '%s': expected realtime, insns or insns,shift=N (N 0-20)", s);
        return false;
    }
    cfg->clock_mode = VCLOCK_INSNS;
    cfg->clock_shift = (unsigned)shift;
    return true;
}

/* A date YYYY-MM-DDTHH:MM:SS (UTC, as the guest's RTC shows it) as Unix seconds. */
static bool run_parse_date(const char *s, gint64 *out)
{
    int y, mo, d, h, mi, sec, end = 0;
    GDateTime *dt;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &end) != 6 ||
        s[end] || y < 1980 || y > 2099) {
        return false;
    }
    dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
    if (!dt) {
        return false;
    }
    *out = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return true;
}

/* --rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS. */
static bool run_parse_rtc(const char *s, MachineConfig *cfg)
{
    const char *base = s && g_str_has_prefix(s, "base=") ? s + 5 : NULL;

    cfg->rtc_base = INPUT_RTC_DEFAULT;
    if (!s) {
        return true;
    }
    if (base && !strcmp(base, "utc")) {
        cfg->rtc_base = INPUT_RTC_UTC;
    } else if (base && !strcmp(base, "localtime")) {
        cfg->rtc_base = INPUT_RTC_LOCALTIME;
    } else if (base && run_parse_date(base, &cfg->rtc_date)) {
        cfg->rtc_base = INPUT_RTC_DATE;
    } else {
        cli_error("run: --rtc '%s': expected base=utc, base=localtime or "
                  "base=YYYY-MM-DDTHH:MM:SS (years 1980-2099)", s);
        return false;
    }
    return true;
}

/* --serial BACKEND for COM1, again for COM2; the PC board's COM1 is stdio by default. */
static bool run_parse_serial(const RunOptions *o, MachineConfig *cfg)
{
    guint n = o->serial ? g_strv_length(o->serial) : 0;
    char *why = NULL;

    if (n > MACHINE_SERIAL_PORTS) {
        cli_error("run: --serial given %u times: at most %d (COM1, COM2)", n,
                  MACHINE_SERIAL_PORTS);
        return false;
    }
    for (guint i = 0; i < n; i++) {
        if (!chardev_check_spec(o->serial[i], &why)) {
            cli_error("run: --serial %s", why);
            g_free(why);
            return false;
        }
        cfg->serial[i] = o->serial[i];
    }
    if (cfg->board == MACHINE_BOARD_TEST && (n || o->rtc)) {
        cli_error("run: --%s needs --machine pc (the test board has no %s)",
                  n ? "serial" : "rtc", n ? "serial port" : "RTC");
        return false;
    }
    if (n == 0 && cfg->board == MACHINE_BOARD_PC) {
        cfg->serial[0] = "stdio";
    }
    return true;
}

/* The board, its clock and its back-ends. */
static bool run_config_board(const RunOptions *o, MachineConfig *cfg)
{
    return run_parse_machine(o, cfg) && run_parse_clock(o->clock, cfg) &&
           run_parse_rtc(o->rtc, cfg) && run_parse_serial(o, cfg);
}

/* Turns options into a machine configuration. Returns an exit status, or -1 to go on. */
static int run_config(const RunOptions *o, MachineConfig *cfg)
{
    guint64 addr = 0x7c00;

    if (o->memory_mib != -1 && (o->memory_mib < 1 || o->memory_mib > 3584)) {
        cli_error("run: -m %" G_GINT64_FORMAT ": memory must be 1 to 3584 MiB", o->memory_mib);
        return CLI_EXIT_USAGE;
    }
    if (o->max_insns < 0) {
        cli_error("run: --max-insns %" G_GINT64_FORMAT ": must not be negative", o->max_insns);
        return CLI_EXIT_USAGE;
    }
    if (o->flat_addr && !parse_u64(o->flat_addr, 0xffff, &addr)) {
        cli_error("run: --flat-addr '%s': expected an address from 0 to 0xffff", o->flat_addr);
        return CLI_EXIT_USAGE;
    }
    if (o->restore ? !run_check_restore(o) : !run_check_boot(o)) {
        return CLI_EXIT_USAGE;
    }
    *cfg = (MachineConfig){
        .ram_bytes = (uint64_t)(o->memory_mib == -1 ? 16 : o->memory_mib) << 20,
        .flat_path = o->flat,
        .flat_addr = addr,
        .kernel_path = o->kernel,
        .kernel_append = o->append,
        .module_paths = o->modules,
        .initrd_path = o->initrd,
        .bios_path = o->bios,
        .max_insns = (uint64_t)o->max_insns,
        .no_reboot = o->no_reboot,
    };
    if (!run_config_board(o, cfg) || !run_parse_save_at(o->save_at, cfg) ||
        !run_check_replay(o, cfg)) {
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/*
 * --restore FILE: the machine the snapshot was taken on; -m, --machine and --clock given
 * as well must agree with it (snapshot_load says so otherwise).
 */
static int run_config_restore(const RunOptions *o, MachineConfig *cfg, GPtrArray *keep)
{
    g_autoptr(GError) err = NULL;
    MachineConfig mine = *cfg;

    if (!snapshot_read_config(o->restore, cfg, keep, &err)) {
        cli_error("run: --restore: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    if (o->memory_mib != -1) {
        cfg->ram_bytes = mine.ram_bytes;
    }
    if (o->machine) {
        cfg->board = mine.board;
    }
    if (o->clock) {
        cfg->clock_mode = mine.clock_mode;
        cfg->clock_shift = mine.clock_shift;
    }
    return -1;
}

/* Builds the machine, restores it, starts recording or replaying, and runs it. */
static int run_machine(Machine *m, const RunOptions *o, MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    const char *log = o->record ? o->record : o->replay;
    int status;

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
    status = machine_main(m, cfg);
    if (m->replay && !replay_finish(m->replay)) {
        status = MACHINE_EXIT_DIVERGED;
    }
    replay_close(m->replay);
    m->replay = NULL;
    return status;
}

int cmd_run(int argc, char **argv)
{
    RunOptions o = { .memory_mib = -1 };
    const GOptionEntry entries[] = {
        { "flat", 0, 0, G_OPTION_ARG_FILENAME, &o.flat,
          "Load a raw image and start it in real mode at 0000:7C00 (test guests)", "FILE" },
        { "flat-addr", 0, 0, G_OPTION_ARG_STRING, &o.flat_addr,
          "Load and start the --flat image at this address instead of 0x7c00", "ADDR" },
        { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &o.kernel,
          "Boot a Multiboot kernel or a Linux bzImage directly, in 32-bit protected mode",
          "FILE" },
        { "append", 0, 0, G_OPTION_ARG_STRING, &o.append,
          "The kernel's command line (Multiboot: it sees \"FILE STRING\")", "STRING" },
        { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &o.initrd,
          "Load FILE as the Linux kernel's initial RAM disk", "FILE" },
        { "module", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.modules,
          "Load FILE as a Multiboot module (repeatable, in order)", "FILE" },
        { "bios", 0, 0, G_OPTION_ARG_FILENAME, &o.bios,
          "Start a raw firmware image (64 KiB to 16 MiB) at the reset vector, mapped at "
          "the top of 4 GiB and its last 128 KiB below 1 MiB", "FILE" },
        { "memory", 'm', 0, G_OPTION_ARG_INT64, &o.memory_mib,
          "Guest RAM in MiB (default 16)", "MIB" },
        { "save-at", 0, 0, G_OPTION_ARG_STRING, &o.save_at,
          "Write a snapshot to FILE once N instructions have retired, and go on", "N:FILE" },
        { "restore", 0, 0, G_OPTION_ARG_FILENAME, &o.restore,
          "Start from a snapshot (the guest and machine come from the file)", "FILE" },
        { "record", 0, 0, G_OPTION_ARG_FILENAME, &o.record,
          "Log every input with its instruction count, and checkpoints, to FILE", "FILE" },
        { "replay", 0, 0, G_OPTION_ARG_FILENAME, &o.replay,
          "Feed the inputs logged in FILE at their counts (host input ignored), checking "
          "the checkpoints", "FILE" },
        { "max-insns", 0, 0, G_OPTION_ARG_INT64, &o.max_insns,
          "Stop after N guest instructions (exit status 4)", "N" },
        { "no-reboot", 0, 0, G_OPTION_ARG_NONE, &o.no_reboot,
          "End the run instead of resetting on a triple fault", NULL },
        { "machine", 0, 0, G_OPTION_ARG_STRING, &o.machine,
          "Board: pc or test (default: test for --flat, else pc)", "BOARD" },
        { "clock", 0, 0, G_OPTION_ARG_STRING, &o.clock,
          "Virtual clock: realtime (default) or insns[,shift=N] (deterministic: 2^N ns "
          "per instruction, default N=3)", "MODE" },
        { "serial", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.serial,
          "COM1's back-end (again for COM2): stdio, none, file:PATH, unix:PATH "
          "(pc default: stdio)", "BACKEND" },
        { "rtc", 0, 0, G_OPTION_ARG_STRING, &o.rtc,
          "RTC start: base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS", "base=WHEN" },
        { "log", 'd', 0, G_OPTION_ARG_STRING, &o.log_categories,
          "Enable trace categories (comma-separated; 'help' lists them)", "CATS" },
        { "logfile", 'D', 0, G_OPTION_ARG_FILENAME, &o.log_file,
          "Write logs and traces to FILE instead of stderr", "FILE" },
        { NULL },
    };
    MachineConfig cfg;
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    Machine *m;
    int status;

    if (!cli_parse("run", "[OPTIONS...]", "Boot a guest in this process.", entries,
                   &argc, &argv)) {
        run_options_clear(&o);
        g_ptr_array_unref(keep);
        return CLI_EXIT_USAGE;
    }
    if (argc > 1) {
        cli_error("run: unexpected argument '%s' (try 'wirt run --help')", argv[1]);
        run_options_clear(&o);
        g_ptr_array_unref(keep);
        return CLI_EXIT_USAGE;
    }
    m = machine_new();
    status = run_setup_log(m, &o);
    if (status < 0) {
        status = run_config(&o, &cfg);
    }
    if (status < 0 && o.restore) {
        status = run_config_restore(&o, &cfg, keep);
    }
    if (status < 0) {
        status = run_machine(m, &o, &cfg);
    }
    machine_free(m);
    run_options_clear(&o);
    g_ptr_array_unref(keep);
    return status;
}
