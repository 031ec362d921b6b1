/*
 * The control socket's client side (docs/control-protocol.md), for the frontends: connect
 * to a guest by name, send a request and wait for its reply (keeping events that arrive
 * meanwhile), read events, and check a reply.
 */
#include "vm/control_client.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm/control_priv.h"

#define CONTROL_CLIENT_MAX_LINE (16 * 1024 * 1024)  /* the longest reply a client accepts */

ControlConn *control_conn_new(int fd)
{
    ControlConn *conn = g_new0(ControlConn, 1);

    control_set_nonblock(fd);
    conn->fd = fd;
    conn->in = g_string_new(NULL);
    g_queue_init(&conn->events);
    conn->next_id = 1;
    return conn;
}

void control_conn_close(ControlConn *conn)
{
    if (conn) {
        close(conn->fd);
        g_string_free(conn->in, TRUE);
        g_queue_clear_full(&conn->events, (GDestroyNotify)json_free);
        g_free(conn);
    }
}

/* Connects to the socket at PATH for guest NAME. */
static int control_connect_path(const char *path, const char *name, GError **err)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

    control_sockaddr(path, &sa);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        return fd;
    }
    e = errno;
    if (fd >= 0) {
        close(fd);
    }
    if (e == ENOENT || e == ECONNREFUSED) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING,
                    "no guest named %s is running%s", name,
                    e == ECONNREFUSED ? " (its control socket is stale)" : "");
    } else {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_SOCKET, "cannot connect to %s: %s",
                    path, g_strerror(e));
    }
    return -1;
}

ControlConn *control_connect(const char *name, GError **err)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    GError *local = NULL;
    int dfd, fd;

    if (!control_check_name(name, err) || !(dir = control_dir(err)) ||
        !(path = control_socket_path(dir, name, err))) {
        return NULL;
    }
    dfd = control_dir_open(dir, false, &local);
    if (dfd < 0 && local->code == CONTROL_ERROR_NOT_RUNNING) {
        g_clear_error(&local);
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING,
                    "no guest named %s is running", name);
        return NULL;
    }
    if (dfd < 0) {
        g_propagate_error(err, local);
        return NULL;
    }
    close(dfd);
    fd = control_connect_path(path, name, err);
    return fd < 0 ? NULL : control_conn_new(fd);
}

/* Milliseconds left until DEADLINE (a monotonic time; -1: none) for poll(). */
static int control_wait_ms(gint64 deadline)
{
    gint64 left;

    if (deadline < 0) {
        return -1;
    }
    left = deadline - g_get_monotonic_time();
    return left <= 0 ? 0 : (int)MIN((left + 999) / 1000, G_MAXINT);
}

/* Waits for EVENTS on the connection; false with *ERR when the time is up. */
static bool control_conn_wait(ControlConn *conn, short events, gint64 deadline,
                              int timeout_ms, GError **err)
{
    struct pollfd pfd = { .fd = conn->fd, .events = events };
    int r;

    do {
        r = poll(&pfd, 1, control_wait_ms(deadline));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT,
                    "no answer from the guest within %d ms", timeout_ms);
        return false;
    }
    return true;
}

static bool control_conn_send(ControlConn *conn, const GString *msg, gint64 deadline,
                              int timeout_ms, GError **err)
{
    size_t done = 0;

    while (done < msg->len) {
        ssize_t n = send(conn->fd, msg->str + done, msg->len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!control_conn_wait(conn, POLLOUT, deadline, timeout_ms, err)) {
                return false;
            }
        } else {
            g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
                        "the guest closed the control connection (%s)", g_strerror(errno));
            return false;
        }
    }
    return true;
}

/* Takes the first whole line out of the buffer as a JSON object; NULL when none yet. */
static JsonNode *control_conn_take_line(ControlConn *conn, bool *bad, GError **err)
{
    const char *nl = memchr(conn->in->str, '\n', conn->in->len);
    size_t len;
    JsonNode *msg;

    if (!nl) {
        return NULL;
    }
    len = (size_t)(nl - conn->in->str);
    msg = json_parse(conn->in->str, (gssize)len, err);
    g_string_erase(conn->in, 0, (gssize)len + 1);
    if (msg && json_type(msg) != JSON_OBJECT) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
                    "the guest sent %s, not an object", json_type_name(json_type(msg)));
        json_free(msg);
        msg = NULL;
    }
    *bad = !msg;
    return msg;
}

static JsonNode *control_conn_next(ControlConn *conn, gint64 deadline, int timeout_ms,
                                   GError **err)
{
    char buf[4096];

    for (;;) {
        bool bad = false;
        JsonNode *msg = control_conn_take_line(conn, &bad, err);
        ssize_t n;

        if (msg || bad) {
            return msg;
        }
        if (conn->in->len > CONTROL_CLIENT_MAX_LINE) {
            g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
                        "the guest sent a line longer than %d bytes", CONTROL_CLIENT_MAX_LINE);
            return NULL;
        }
        if (!control_conn_wait(conn, POLLIN, deadline, timeout_ms, err)) {
            return NULL;
        }
        n = recv(conn->fd, buf, sizeof(buf), 0);
        if (n > 0) {
            g_string_append_len(conn->in, buf, n);
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
                        "the guest closed the control connection");
            return NULL;
        }
    }
}

static gint64 control_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

JsonNode *control_read_message(ControlConn *conn, int timeout_ms, GError **err)
{
    if (!g_queue_is_empty(&conn->events)) {
        return g_queue_pop_head(&conn->events);
    }
    return control_conn_next(conn, control_deadline(timeout_ms), timeout_ms, err);
}

/* Keeps an event that arrived before a reply, dropping the oldest beyond the limit. */
static void control_keep_event(ControlConn *conn, JsonNode *msg)
{
    if (!json_object_get(msg, "event")) {
        json_free(msg);     /* a reply to some other request */
        return;
    }
    g_queue_push_tail(&conn->events, msg);
    if (g_queue_get_length(&conn->events) > CONTROL_CONN_MAX_EVENTS) {
        json_free(g_queue_pop_head(&conn->events));
    }
}

/* Whether MSG answers request ID: it carries that id, or null (a connection error). */
static bool control_is_reply_to(const JsonNode *msg, int64_t id)
{
    const JsonNode *rid = json_object_get(msg, "id");
    int64_t got;

    return rid && (json_type(rid) == JSON_NULL || (json_get_int(rid, &got) && got == id));
}

bool control_request(ControlConn *conn, const char *cmd, const char *args_json,
                     JsonNode **reply_out, int timeout_ms, GError **err)
{
    gint64 deadline = control_deadline(timeout_ms);
    int64_t id = conn->next_id++;
    JsonWriter w;
    bool sent;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_int(&w, "id", id);
    jw_string(&w, "cmd", cmd);
    if (args_json) {
        jw_raw(&w, "args", args_json);
    }
    jw_object_end(&w);
    g_string_append_c(w.out, '\n');
    sent = control_conn_send(conn, w.out, deadline, timeout_ms, err);
    jw_clear(&w);
    while (sent) {
        JsonNode *msg = control_conn_next(conn, deadline, timeout_ms, err);
        if (!msg) {
            return false;
        }
        if (control_is_reply_to(msg, id)) {
            *reply_out = msg;
            return true;
        }
        control_keep_event(conn, msg);
    }
    return false;
}

const JsonNode *control_reply_check(const JsonNode *reply, GError **err)
{
    const JsonNode *result = json_object_get(reply, "result");
    const JsonNode *error = json_object_get(reply, "error");
    bool ok = false;

    if (json_get_bool(json_object_get(reply, "ok"), &ok) && ok && result) {
        return result;
    }
    if (!ok && error) {
        const char *code = json_get_string(json_object_get(error, "code"), NULL);
        const char *message = json_get_string(json_object_get(error, "message"), NULL);
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_REMOTE, "%s: %s",
                    code ? code : "?", message ? message : "(no message)");
        return NULL;
    }
    g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL, "the guest sent a malformed reply");
    return NULL;
}
