/*
 * The toolstack commands' side of the control socket: connect by name, call one command,
 * wait for the guest to stop, each failure one line (frontends/client.h).
 */
#define _GNU_SOURCE 1   /* struct ucred for SO_PEERCRED */
#include "frontends/client.h"

#include <sys/socket.h>

#include "frontends/cli.h"

ControlConn *client_connect(const char *cmd, const char *name, int *status)
{
    g_autoptr(GError) err = NULL;
    ControlConn *conn = control_connect(name, &err);

    if (!conn) {
        cli_error("%s: %s", cmd, err->message);
        *status = g_error_matches(err, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING) ||
                  g_error_matches(err, CONTROL_ERROR, CONTROL_ERROR_NAME)
                      ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    return conn;
}

JsonNode *client_call(ControlConn *conn, const char *cmd, const char *req,
                      const char *args_json, int timeout_ms, int *status)
{
    g_autoptr(GError) err = NULL;
    JsonNode *reply = NULL;

    if (control_request(conn, req, args_json, &reply, timeout_ms, &err) &&
        control_reply_check(reply, &err)) {
        return reply;
    }
    cli_error("%s: %s", cmd, err->message);
    json_free(reply);
    *status = CLI_EXIT_FAILURE;
    return NULL;
}

bool client_wait_closed(ControlConn *conn, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        g_autoptr(GError) err = NULL;
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        JsonNode *msg;

        if (timeout_ms >= 0 && left <= 0) {
            return false;
        }
        msg = control_read_message(conn, timeout_ms < 0 ? -1 : (int)left, &err);
        if (!msg) {
            return !g_error_matches(err, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT);
        }
        json_free(msg);
    }
}

pid_t client_peer_pid(const ControlConn *conn)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(conn->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return -1;
    }
    return cred.pid;
}

bool client_check_args(const char *cmd, int argc, int want, const char *usage)
{
    if (argc - 1 == want) {
        return true;
    }
    cli_error("%s: expected %s (try 'wirt %s --help')", cmd, usage, cmd);
    return false;
}
