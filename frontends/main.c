/*
 * wirt's entry point: top-level options (--help, --version) and dispatch to subcommands
 * (`wirt run ...`). Every usage error is one line on stderr and exit status 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "wirt-config.h"

static const CliCommand commands[] = {
    { "run", "boot a guest in this process, in the foreground", cmd_run },
    { "create", "start the guest a config file describes, in the background", cmd_create },
    { "list", "list the running guests", cmd_list },
    { "top", "show the running guests' activity, refreshed", cmd_top },
    { "console", "attach to a guest's serial console (Ctrl-] detaches)", cmd_console },
    { "pause", "pause a guest (its CPU and virtual clock stop)", cmd_pause },
    { "unpause", "resume a paused guest", cmd_unpause },
    { "save", "save a guest's state to a file and stop it", cmd_save },
    { "restore", "start a saved guest again, in the background", cmd_restore },
    { "shutdown", "ask a guest to power down, and wait until it has", cmd_shutdown },
    { "destroy", "stop a guest at once", cmd_destroy },
    { "reset", "reset a guest's machine", cmd_reset },
    { "snapshot", "show a snapshot file's contents, or compare two", cmd_snapshot },
    { "replay", "list the events of a record/replay log", cmd_replay },
};

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("wirt: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

gboolean cli_parse(const char *cmd, const char *params, const char *summary,
                   const GOptionEntry *entries, int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *title = g_strdup_printf("%s %s", cmd, params);
    g_autoptr(GOptionContext) ctx = g_option_context_new(title);

    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        cli_error("%s: %s (try 'wirt %s --help')", cmd, err->message, cmd);
        return FALSE;
    }
    return TRUE;
}

static char *commands_description(void)
{
    GString *s = g_string_new("Subcommands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_string_append_printf(s, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    g_string_append(s, "\n'wirt COMMAND --help' lists the options of one subcommand.");
    return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
    gboolean version = FALSE;
    const GOptionEntry entries[] = {
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [OPTIONS...]");
    g_autofree char *desc = commands_description();

    g_option_context_set_summary(ctx,
        "wirt runs x86 guests on any host with a dynamic binary translator.");
    g_option_context_set_description(ctx, desc);
    g_option_context_add_main_entries(ctx, entries, NULL);
    /* Stop at the subcommand: its options are its own. */
    g_option_context_set_strict_posix(ctx, TRUE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        cli_error("%s (try 'wirt --help')", err->message);
        return CLI_EXIT_USAGE;
    }
    if (version) {
        printf("wirt %s\n", WIRT_VERSION);
        return CLI_EXIT_OK;
    }
    if (argc < 2) {
        cli_error("no subcommand given (try 'wirt --help')");
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].main(argc - 1, argv + 1);
        }
    }
    cli_error("unknown subcommand '%s' (try 'wirt --help')", argv[1]);
    return CLI_EXIT_USAGE;
}
