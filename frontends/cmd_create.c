/*
 * `wirt create CFG` and `wirt restore FILE`: start a guest in the background, from a
 * config file (docs/config.md) or from a snapshot written by `wirt save`, and return once
 * it runs (its control socket answers). The guest is `wirt run` as a daemon
 * (frontends/daemon.h): its COM1 is a console socket for `wirt console`, its output goes
 * to NAME.log in the runtime directory. `-c` attaches to the console at once.
 */
#include <stdio.h>

#include "frontends/cli.h"
#include "frontends/client.h"
#include "frontends/daemon.h"
#include "vm/guestcfg.h"

/* Starts `wirt run RUN_ARGS` in the background, waits for its hello, attaches if asked. */
static int create_start(const char *cmd, const char *verb, const char *const *run_args,
                        bool console)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *name = NULL;
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) reply = NULL;
    int status;
    pid_t pid;

    if (!(name = daemon_spawn(run_args, &pid, &status, &err))) {
        if (err) {
            cli_error("%s: %s", cmd, err->message);
        }
        return status;
    }
    if (!(conn = client_connect(cmd, name, &status)) ||
        !(reply = client_call(conn, cmd, "hello", NULL, CLIENT_TIMEOUT_MS, &status))) {
        return CLI_EXIT_FAILURE;
    }
    printf("%s domain %s (id=%d)\n", verb, name, (int)pid);
    fflush(stdout);
    if (!console) {
        return CLI_EXIT_OK;
    }
    g_clear_pointer(&conn, control_conn_close);
    return cmd_console(2, (char *[]){ (char *)"console", name, NULL });
}

int cmd_create(int argc, char **argv)
{
    gboolean console = FALSE;
    const GOptionEntry entries[] = {
        { "console", 'c', 0, G_OPTION_ARG_NONE, &console,
          "Attach to the guest's console once it runs", NULL },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GuestConfig) cfg = NULL;
    g_autoptr(ControlConn) conn = NULL;
    g_autofree char *path = NULL;

    if (!cli_parse("create", "CFG", "Start the guest a config file describes, in the "
                   "background.", entries, &argc, &argv) ||
        !client_check_args("create", argc, 1, "CFG")) {
        return CLI_EXIT_USAGE;
    }
    /* Read here too, so that a bad file is reported before anything starts. */
    if (!(cfg = guest_config_load(argv[1], &err))) {
        cli_error("create: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    if ((conn = control_connect(cfg->name, NULL))) {
        cli_error("create: a guest named %s is already running", cfg->name);
        return CLI_EXIT_USAGE;
    }
    path = g_canonicalize_filename(argv[1], NULL);
    return create_start("create", "Started", (const char *const[]){ "--config", path, NULL },
                        console);
}

int cmd_restore(int argc, char **argv)
{
    gboolean console = FALSE;
    char *name = NULL;
    const GOptionEntry entries[] = {
        { "console", 'c', 0, G_OPTION_ARG_NONE, &console,
          "Attach to the guest's console once it runs", NULL },
        { "name", 0, 0, G_OPTION_ARG_STRING, &name,
          "Start it under NAME instead of the name saved in the file", "NAME" },
        { NULL },
    };
    g_autofree char *path = NULL;
    g_autofree char *name_arg = NULL;
    int status;

    if (!cli_parse("restore", "FILE", "Start a guest saved by 'wirt save' again, in the "
                   "background.", entries, &argc, &argv) ||
        !client_check_args("restore", argc, 1, "FILE")) {
        g_free(name);
        return CLI_EXIT_USAGE;
    }
    path = g_canonicalize_filename(argv[1], NULL);
    name_arg = name ? g_strconcat("--name=", name, NULL) : NULL;
    status = create_start("restore", "Restored",
                          (const char *const[]){ "--restore", path, name_arg, NULL }, console);
    g_free(name);
    return status;
}
