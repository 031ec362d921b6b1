/*
 * The toolstack's one-guest commands, as in Xen's xm: `wirt pause`, `unpause`, `reset`,
 * `destroy`, `shutdown` and `save`, each one control-socket command to the guest NAME
 * (docs/control-protocol.md, "Guest commands"), some then waiting for the guest to stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frontends/cli.h"
#include "frontends/client.h"

#define DOMAIN_SHUTDOWN_TIMEOUT 60  /* seconds `wirt shutdown` waits by default */
#define DOMAIN_DESTROY_WAIT_MS 5000 /* then `wirt destroy` kills the process */

/* Parses "CMD [options] NAME [ARG]" (WANT names and arguments). Returns an exit status or -1. */
static int domain_parse(const char *cmd, const char *usage, const char *summary,
                        const GOptionEntry *entries, int *argc, char ***argv, int want)
{
    static const GOptionEntry none[] = { { NULL } };

    if (!cli_parse(cmd, usage, summary, entries ? entries : none, argc, argv) ||
        !client_check_args(cmd, *argc, want, usage)) {
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Connects to argv[1] and calls REQ with ARGS_JSON. Returns the exit status. */
static int domain_simple(const char *cmd, const char *req, int argc, char **argv,
                         const char *summary)
{
    int status = domain_parse(cmd, "NAME", summary, NULL, &argc, &argv, 1);
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) reply = NULL;

    if (status >= 0 || !(conn = client_connect(cmd, argv[1], &status))) {
        return status;
    }
    reply = client_call(conn, cmd, req, NULL, CLIENT_TIMEOUT_MS, &status);
    return reply ? CLI_EXIT_OK : status;
}

int cmd_pause(int argc, char **argv)
{
    return domain_simple("pause", "pause", argc, argv,
                         "Pause a guest: its CPU stops and its virtual clock stands still.");
}

int cmd_unpause(int argc, char **argv)
{
    return domain_simple("unpause", "unpause", argc, argv, "Resume a paused guest.");
}

int cmd_reset(int argc, char **argv)
{
    return domain_simple("reset", "reset", argc, argv,
                         "Reset a guest's machine, as its reset button would.");
}

/* The guest did not stop when asked: kill its process and clear its socket. */
static int domain_kill(const char *name, pid_t pid)
{
    if (pid <= 0 || kill(pid, SIGKILL) != 0) {
        cli_error("destroy: %s did not stop and its process cannot be killed (%s)", name,
                  pid <= 0 ? "unknown" : g_strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    for (int i = 0; i < 50 && !control_remove_stale(name); i++) {
        g_usleep(20000);
    }
    return CLI_EXIT_OK;
}

int cmd_destroy(int argc, char **argv)
{
    int status = domain_parse("destroy", "NAME", "Stop a guest at once.", NULL, &argc,
                              &argv, 1);
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) err = NULL;
    pid_t pid;

    if (status >= 0 || !(conn = client_connect("destroy", argv[1], &status))) {
        return status;
    }
    pid = client_peer_pid(conn);
    if (control_request(conn, "destroy", NULL, &reply, DOMAIN_DESTROY_WAIT_MS, &err) &&
        client_wait_closed(conn, DOMAIN_DESTROY_WAIT_MS)) {
        return CLI_EXIT_OK;
    }
    return domain_kill(argv[1], pid);
}

int cmd_shutdown(int argc, char **argv)
{
    gint timeout = DOMAIN_SHUTDOWN_TIMEOUT;
    const GOptionEntry entries[] = {
        { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
          "Seconds to wait for the guest to power off (default 60)", "SECONDS" },
        { NULL },
    };
    int status = domain_parse("shutdown", "NAME", "Ask a guest to power down (Ctrl-Alt-Del "
                              "on its keyboard) and wait until it has.", entries, &argc,
                              &argv, 1);
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) reply = NULL;

    if (status < 0 && timeout < 0) {
        cli_error("shutdown: --timeout %d: expected 0 or more seconds", timeout);
        status = CLI_EXIT_USAGE;
    }
    if (status >= 0 || !(conn = client_connect("shutdown", argv[1], &status)) ||
        !(reply = client_call(conn, "shutdown", "shutdown", NULL, CLIENT_TIMEOUT_MS,
                              &status))) {
        return status;
    }
    if (!client_wait_closed(conn, timeout * 1000)) {
        cli_error("shutdown: %s did not power off within %d s (it is still running; "
                  "'wirt destroy %s' stops it)", argv[1], timeout, argv[1]);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* On a terminal: how far the save is, from its save-progress events, and for how long. */
static void domain_save_show(const char *name, int64_t done, int64_t total, gint64 t0)
{
    g_autofree char *size = g_format_size((guint64)MAX(total, 0));
    int pct = total > 0 ? (int)(done * 100 / total) : 0;

    fprintf(stderr, "\rwirt: saving %s: %3d%% of %s of RAM, %" G_GINT64_FORMAT " s", name,
            pct, size, (g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
}

/* Waits for the reply to the request sent at T0, showing the progress on a terminal. */
static JsonNode *domain_save_wait(ControlConn *conn, const char *name, gint64 t0,
                                  GError **err)
{
    int64_t id = conn->next_id - 1, got, done = 0, total = 0;
    bool tty = isatty(STDERR_FILENO);

    for (;;) {
        g_autoptr(GError) e = NULL;
        JsonNode *msg = control_read_message(conn, 1000, &e);
        if (msg && json_get_int(json_object_get(msg, "id"), &got) && got == id) {
            return msg;
        }
        if (msg && !g_strcmp0(json_get_string(json_object_get(msg, "event"), NULL),
                              "save-progress")) {
            json_get_int(json_lookup(msg, "data", "done", NULL), &done);
            json_get_int(json_lookup(msg, "data", "total", NULL), &total);
        }
        json_free(msg);
        if (e && !g_error_matches(e, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT)) {
            g_propagate_error(err, g_steal_pointer(&e));
            return NULL;
        }
        if (tty) {
            domain_save_show(name, done, total, t0);
        }
    }
}

/* Sends save {"path": PATH}; the guest answers once the file is written. */
static JsonNode *domain_save_call(ControlConn *conn, const char *name, const char *path,
                                  int *status)
{
    g_autoptr(GError) err = NULL;
    JsonWriter w;
    g_autofree char *args = NULL;
    JsonNode *reply = NULL;
    gint64 t0;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_string(&w, "path", path);
    jw_object_end(&w);
    args = jw_steal(&w);
    jw_clear(&w);
    t0 = g_get_monotonic_time();
    if (!control_request(conn, "save", args, &reply, 1000, &err) &&
        g_error_matches(err, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT)) {
        g_clear_error(&err);
        reply = domain_save_wait(conn, name, t0, &err);
        if (isatty(STDERR_FILENO)) {
            fputc('\n', stderr);
        }
    }
    if (reply && control_reply_check(reply, &err)) {
        return reply;
    }
    cli_error("save: %s", err->message);
    json_free(reply);
    *status = CLI_EXIT_FAILURE;
    return NULL;
}

int cmd_save(int argc, char **argv)
{
    int status = domain_parse("save", "NAME FILE", "Save a guest's state to FILE and stop "
                              "it ('wirt restore FILE' starts it again).", NULL, &argc,
                              &argv, 2);
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) subscribed = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autofree char *path = NULL;
    g_autofree char *size = NULL;
    int64_t bytes = 0, ns = 0;

    if (status >= 0 || !(conn = client_connect("save", argv[1], &status))) {
        return status;
    }
    /* Events: save-progress while the guest writes the file (shown on a terminal). */
    if (!control_request(conn, "subscribe", NULL, &subscribed, CLIENT_TIMEOUT_MS, NULL)) {
        cli_error("save: %s does not answer", argv[1]);
        return CLI_EXIT_FAILURE;
    }
    path = g_canonicalize_filename(argv[2], NULL);
    if (!(reply = domain_save_call(conn, argv[1], path, &status))) {
        return status;
    }
    json_get_int(json_lookup(reply, "result", "bytes", NULL), &bytes);
    json_get_int(json_lookup(reply, "result", "save_ns", NULL), &ns);
    size = g_format_size((guint64)MAX(bytes, 0));
    printf("Saved %s to %s (%s in %.2f s)\n", argv[1], path, size, (double)ns / 1e9);
    client_wait_closed(conn, CLIENT_TIMEOUT_MS);
    return CLI_EXIT_OK;
}
