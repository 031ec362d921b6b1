/*
 * `wirt run`: assemble a machine from command-line options and run it in this process.
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "vm/vm.h"

typedef struct RunOptions {
    char *log_categories; /* -d */
    char *log_file;       /* -D */
} RunOptions;

static void run_options_clear(RunOptions *o)
{
    g_free(o->log_categories);
    g_free(o->log_file);
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

int cmd_run(int argc, char **argv)
{
    RunOptions o = { 0 };
    const GOptionEntry entries[] = {
        { "log", 'd', 0, G_OPTION_ARG_STRING, &o.log_categories,
          "Enable trace categories (comma-separated; 'help' lists them)", "CATS" },
        { "logfile", 'D', 0, G_OPTION_ARG_FILENAME, &o.log_file,
          "Write logs and traces to FILE instead of stderr", "FILE" },
        { NULL },
    };
    Machine *m;
    int status;

    if (!cli_parse("run", "[OPTIONS...]", "Boot a guest in this process.", entries,
                   &argc, &argv)) {
        run_options_clear(&o);
        return CLI_EXIT_USAGE;
    }
    if (argc > 1) {
        cli_error("run: unexpected argument '%s' (try 'wirt run --help')", argv[1]);
        run_options_clear(&o);
        return CLI_EXIT_USAGE;
    }
    m = machine_new();
    status = run_setup_log(m, &o);
    if (status < 0) {
        cli_error("run: no guest to boot: this build has no boot path yet");
        status = CLI_EXIT_USAGE;
    }
    machine_free(m);
    run_options_clear(&o);
    return status;
}
