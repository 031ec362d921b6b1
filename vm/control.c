/*
 * The per-guest control socket's server (docs/control-protocol.md): line-delimited JSON
 * requests over a Unix stream socket in the private runtime directory (vm/control_dir.c),
 * answered on the machine thread without ever blocking it, and events to subscribed
 * clients. The client side is vm/control_client.c.
 */
#include "vm/control_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wirt-config.h"

#define CONTROL_READ_CHUNK 16384
#define CONTROL_READS_PER_SERVICE 4         /* bounds one client's share of a service call */

/* Binds and listens on PATH (0600). Returns the socket, or -1. */
static int control_listen(const char *path, GError **err)
{
    struct sockaddr_un sa;
    int fd, e;

    control_sockaddr(path, &sa);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        /* The 0700 directory already keeps others out while the mode is the umask's. */
        if (chmod(path, 0600) == 0 && listen(fd, CONTROL_MAX_CLIENTS) == 0) {
            return fd;
        }
        e = errno;
        unlink(path);
    } else {
        e = errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_SOCKET, "cannot listen on %s: %s", path,
                g_strerror(e));
    return -1;
}

/* ---- the server: clients and output ---- */

struct ControlClient {
    int fd;
    GString *in;            /* bytes after the last complete line */
    GString *out;           /* output not yet sent, from out_sent on */
    size_t out_sent;
    bool discarding;        /* inside a line over the limit: drop up to its newline */
    bool subscribed;        /* receives events */
    bool eof;               /* the peer has sent everything: close once output drains */
    bool dead;              /* to be closed at the end of control_service */
};

struct ControlCommand {
    char *name;
    ControlHandler fn;
    void *opaque;
};

static size_t control_pending(const ControlClient *cl)
{
    return cl->out->len - cl->out_sent;
}

/* Marks CL for closing; nothing more is read from or written to it. */
static void control_kill(ControlClient *cl)
{
    cl->dead = true;
}

/* Sends what the socket takes now. */
static void control_write(ControlClient *cl)
{
    while (!cl->dead && control_pending(cl)) {
        ssize_t n = send(cl->fd, cl->out->str + cl->out_sent, control_pending(cl),
                         MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n <= 0) {
            control_kill(cl);
            return;
        }
        cl->out_sent += (size_t)n;
    }
    if (!control_pending(cl)) {
        g_string_truncate(cl->out, 0);
        cl->out_sent = 0;
    } else if (cl->out_sent >= CONTROL_READ_CHUNK && cl->out_sent >= cl->out->len / 2) {
        g_string_erase(cl->out, 0, (gssize)cl->out_sent);
        cl->out_sent = 0;
    }
    if (cl->eof && !control_pending(cl)) {
        control_kill(cl);
    }
}

/*
 * Queues one whole message. A client still more than CONTROL_OUT_MAX behind is not
 * reading: it is dropped rather than allowed to hold the guest's memory.
 */
static void control_queue(ControlClient *cl, const GString *msg)
{
    if (cl->dead) {
        return;
    }
    if (control_pending(cl) > CONTROL_OUT_MAX) {
        control_kill(cl);
        return;
    }
    g_string_append_len(cl->out, msg->str, (gssize)msg->len);
    control_write(cl);
}

static ControlClient *control_client_new(int fd)
{
    ControlClient *cl = g_new0(ControlClient, 1);

    cl->fd = fd;
    cl->in = g_string_new(NULL);
    cl->out = g_string_new(NULL);
    return cl;
}

static void control_client_free(ControlClient *cl)
{
    close(cl->fd);
    g_string_free(cl->in, TRUE);
    g_string_free(cl->out, TRUE);
    g_free(cl);
}

/* Closes the clients marked dead. */
static void control_reap(Control *c)
{
    for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        if (c->clients[i] && c->clients[i]->dead) {
            control_client_free(c->clients[i]);
            c->clients[i] = NULL;
        }
    }
}

unsigned control_client_count(const Control *c)
{
    unsigned n = 0;

    for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        n += c->clients[i] && !c->clients[i]->dead;
    }
    return n;
}

/* ---- the server: replies ---- */

JsonWriter *control_reply_result(ControlReply *r)
{
    return &r->result;
}

static void G_GNUC_PRINTF(3, 0)
control_reply_verror(ControlReply *r, const char *code, const char *fmt, va_list ap)
{
    if (!r->code) {
        r->code = g_strdup(code);
        r->message = g_strdup_vprintf(fmt, ap);
    }
}

void control_reply_error(ControlReply *r, const char *code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    control_reply_verror(r, code, fmt, ap);
    va_end(ap);
}

static void control_reply_init(ControlReply *r)
{
    *r = (ControlReply){ 0 };
    jw_init(&r->result);
    jw_object_begin(&r->result, NULL);
}

static void control_reply_clear(ControlReply *r)
{
    jw_clear(&r->result);
    g_free(r->code);
    g_free(r->message);
}

/* Sends {"id": ID, "ok": ..., "result"|"error": ...} to CL. */
static void control_send_reply(ControlClient *cl, const JsonNode *id, ControlReply *r)
{
    JsonWriter w;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_node(&w, "id", id);
    jw_bool(&w, "ok", !r->code);
    if (r->code) {
        jw_object_begin(&w, "error");
        jw_string(&w, "code", r->code);
        jw_string(&w, "message", r->message);
        jw_object_end(&w);
    } else {
        jw_object_end(&r->result);
        g_assert(r->result.depth == 0);     /* the handler closed what it opened */
        jw_raw(&w, "result", r->result.out->str);
    }
    jw_object_end(&w);
    g_string_append_c(w.out, '\n');
    control_queue(cl, w.out);
    jw_clear(&w);
}

static void G_GNUC_PRINTF(4, 5)
control_fail(ControlClient *cl, const JsonNode *id, const char *code, const char *fmt, ...)
{
    ControlReply r;
    va_list ap;

    control_reply_init(&r);
    va_start(ap, fmt);
    control_reply_verror(&r, code, fmt, ap);
    va_end(ap);
    control_send_reply(cl, id, &r);
    control_reply_clear(&r);
}

/* ---- the server: commands ---- */

typedef void (*ControlBuiltin)(Control *c, ControlClient *cl, ControlReply *r);

static void control_cmd_subscribe(Control *c, ControlClient *cl, ControlReply *r)
{
    cl->subscribed = true;
}

static void control_cmd_unsubscribe(Control *c, ControlClient *cl, ControlReply *r)
{
    cl->subscribed = false;
}

static void control_cmd_hello(Control *c, ControlClient *cl, ControlReply *r);

static const struct {
    const char *name;
    ControlBuiltin fn;
} control_builtins[] = {
    { "hello", control_cmd_hello },
    { "subscribe", control_cmd_subscribe },
    { "unsubscribe", control_cmd_unsubscribe },
};

/* The protocol version, who we are, and every command, sorted. */
static void control_cmd_hello(Control *c, ControlClient *cl, ControlReply *r)
{
    JsonWriter *w = control_reply_result(r);
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (size_t i = 0; i < G_N_ELEMENTS(control_builtins); i++) {
        g_ptr_array_add(names, (gpointer)control_builtins[i].name);
    }
    for (guint i = 0; c->commands && i < c->commands->len; i++) {
        g_ptr_array_add(names, ((ControlCommand *)g_ptr_array_index(c->commands, i))->name);
    }
    g_ptr_array_sort(names, control_compare_strings);
    jw_int(w, "protocol", CONTROL_PROTOCOL_VERSION);
    jw_string(w, "name", c->name);
    jw_int(w, "pid", (int64_t)getpid());
    jw_string(w, "version", WIRT_VERSION);
    jw_array_begin(w, "commands");
    for (guint i = 0; i < names->len; i++) {
        jw_string(w, NULL, g_ptr_array_index(names, i));
    }
    jw_array_end(w);
}

static ControlBuiltin control_find_builtin(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(control_builtins); i++) {
        if (!strcmp(control_builtins[i].name, name)) {
            return control_builtins[i].fn;
        }
    }
    return NULL;
}

static ControlCommand *control_find_command(const Control *c, const char *name)
{
    for (guint i = 0; c->commands && i < c->commands->len; i++) {
        ControlCommand *cmd = g_ptr_array_index(c->commands, i);
        if (!strcmp(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}

static void control_command_free(gpointer data)
{
    ControlCommand *cmd = data;

    g_free(cmd->name);
    g_free(cmd);
}

void control_register(Control *c, const char *name, ControlHandler fn, void *opaque)
{
    ControlCommand *cmd;

    g_return_if_fail(!control_find_builtin(name));
    if (!c->commands) {
        c->commands = g_ptr_array_new_with_free_func(control_command_free);
    }
    cmd = control_find_command(c, name);
    if (!cmd) {
        cmd = g_new0(ControlCommand, 1);
        cmd->name = g_strdup(name);
        g_ptr_array_add(c->commands, cmd);
    }
    cmd->fn = fn;
    cmd->opaque = opaque;
}

/* Runs command NAME for CL and sends its reply. */
static void control_run(Control *c, ControlClient *cl, const JsonNode *id, const char *name,
                        const JsonNode *args)
{
    ControlBuiltin builtin = control_find_builtin(name);
    ControlCommand *cmd = builtin ? NULL : control_find_command(c, name);
    ControlReply r;

    if (!builtin && !cmd) {
        control_fail(cl, id, "unknown-command",
                     "unknown command '%s' (the hello command lists them)", name);
        return;
    }
    control_reply_init(&r);
    if (builtin) {
        builtin(c, cl, &r);
    } else {
        cmd->fn(args, &r, cmd->opaque);
    }
    control_send_reply(cl, id, &r);
    control_reply_clear(&r);
}

/* Checks a request object's members and runs it. */
static void control_request_object(Control *c, ControlClient *cl, const JsonNode *req)
{
    const JsonNode *id = json_object_get(req, "id");
    const JsonNode *cmd = json_object_get(req, "cmd");
    const JsonNode *args = json_object_get(req, "args");
    size_t len = 0;
    const char *name = json_get_string(cmd, &len);

    if (!id) {
        control_fail(cl, NULL, "bad-request", "the request has no \"id\"");
    } else if (json_type(id) != JSON_NUMBER && json_type(id) != JSON_STRING) {
        control_fail(cl, NULL, "bad-request", "\"id\" must be a number or a string, not %s",
                     json_type_name(json_type(id)));
    } else if (!cmd) {
        control_fail(cl, id, "bad-request", "the request has no \"cmd\"");
    } else if (!name) {
        control_fail(cl, id, "bad-request", "\"cmd\" must be a string, not %s",
                     json_type_name(json_type(cmd)));
    } else if (args && json_type(args) != JSON_OBJECT) {
        control_fail(cl, id, "bad-request", "\"args\" must be an object, not %s",
                     json_type_name(json_type(args)));
    } else if (strlen(name) != len) {
        control_fail(cl, id, "unknown-command", "unknown command (it contains \\u0000)");
    } else {
        control_run(c, cl, id, name, args);
    }
}

/* One complete request line (without its newline). */
static void control_dispatch(Control *c, ControlClient *cl, const char *line, size_t len)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) req = json_parse(line, (gssize)len, &err);

    c->requests++;
    if (!req) {
        control_fail(cl, NULL, "parse", "%s", err->message);
    } else if (json_type(req) != JSON_OBJECT) {
        control_fail(cl, NULL, "parse", "expected a JSON object, got %s",
                     json_type_name(json_type(req)));
    } else {
        control_request_object(c, cl, req);
    }
}

static bool control_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isspace(s[i])) {
            return false;
        }
    }
    return true;
}

static void control_too_large(Control *c, ControlClient *cl)
{
    c->requests++;
    control_fail(cl, NULL, "too-large", "the line is longer than %d bytes: ignored",
                 CONTROL_MAX_LINE);
}

/* A line as received, without its newline. */
static void control_line(Control *c, ControlClient *cl, const char *line, size_t len)
{
    if (cl->discarding) {
        cl->discarding = false;     /* the end of a line already refused */
    } else if (len > CONTROL_MAX_LINE) {
        control_too_large(c, cl);
    } else if (!control_blank(line, len)) {
        control_dispatch(c, cl, line, len);
    }
}

/* Appends received bytes and handles every line they complete. */
static void control_take_input(Control *c, ControlClient *cl, const char *buf, size_t n)
{
    size_t scan = cl->in->len, start = 0;
    const char *nl;

    g_string_append_len(cl->in, buf, (gssize)n);
    while (!cl->dead && (nl = memchr(cl->in->str + scan, '\n', cl->in->len - scan))) {
        size_t end = (size_t)(nl - cl->in->str);
        control_line(c, cl, cl->in->str + start, end - start);
        start = scan = end + 1;
    }
    g_string_erase(cl->in, 0, (gssize)start);
    if (cl->in->len > CONTROL_MAX_LINE) {
        if (!cl->discarding) {
            control_too_large(c, cl);
            cl->discarding = true;
        }
        g_string_truncate(cl->in, 0);
    }
}

/* Reads what CL has sent, a bounded amount per call. */
static void control_read(Control *c, ControlClient *cl)
{
    char buf[CONTROL_READ_CHUNK];

    for (int i = 0; i < CONTROL_READS_PER_SERVICE && !cl->dead && !cl->eof; i++) {
        ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        if (n < 0) {
            control_kill(cl);
            return;
        }
        if (n == 0) {
            /* An unfinished line is dropped: half a command is never run. */
            cl->eof = true;
            g_string_truncate(cl->in, 0);
            control_write(cl);
            return;
        }
        control_take_input(c, cl, buf, (size_t)n);
    }
}

/* ---- the server: lifecycle and polling ---- */

bool control_open(Control *c, const char *name, GError **err)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    int dfd, fd = -1;

    g_return_val_if_fail(!c->open, false);
    if (!control_check_name(name, err) || !(dir = control_dir(err)) ||
        !(path = control_socket_path(dir, name, err))) {
        return false;
    }
    dfd = control_dir_open(dir, true, err);
    if (dfd < 0) {
        return false;
    }
    /* Serialises the check-and-bind with other wirt processes starting or listing. */
    flock(dfd, LOCK_EX);
    if (control_claim(path, name, err)) {
        fd = control_listen(path, err);
    }
    close(dfd);
    if (fd < 0) {
        return false;
    }
    c->open = true;
    c->listen_fd = fd;
    c->name = g_strdup(name);
    c->dir = g_steal_pointer(&dir);
    c->path = g_steal_pointer(&path);
    return true;
}

void control_close(Control *c)
{
    if (c->open) {
        /* The socket goes first: a client that sees its connection end must find the
         * guest gone from the directory (`wirt shutdown` returns on that end). Unlinked
         * before it is closed, so nobody can take it for a stale one in between. */
        unlink(c->path);
        close(c->listen_fd);
        control_flush(c, CONTROL_CLOSE_FLUSH_MS);
        for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
            if (c->clients[i]) {
                control_client_free(c->clients[i]);
            }
        }
    }
    if (c->commands) {
        g_ptr_array_free(c->commands, TRUE);
    }
    g_free(c->name);
    g_free(c->dir);
    g_free(c->path);
    *c = (Control){ 0 };
}

/* The pollfd entries, and in WHO the client each stands for (NULL: the listener). */
static int control_fill_fds(const Control *c, struct pollfd *fds, ControlClient **who,
                            int max)
{
    int n = 0;

    if (!c->open || max < 1) {
        return 0;
    }
    fds[n] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
    who[n++] = NULL;
    for (unsigned i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
        ControlClient *cl = c->clients[i];
        if (!cl || cl->dead) {
            continue;
        }
        fds[n] = (struct pollfd){
            .fd = cl->fd,
            .events = (short)((cl->eof ? 0 : POLLIN) | (control_pending(cl) ? POLLOUT : 0)),
        };
        who[n++] = cl;
    }
    return n;
}

int control_poll_fds(const Control *c, struct pollfd *fds, int max)
{
    ControlClient *who[CONTROL_POLL_MAX];

    return control_fill_fds(c, fds, who, MIN(max, CONTROL_POLL_MAX));
}

/* Turns a connection away: one error line, then close. */
static void control_refuse(int fd)
{
    static const char msg[] = "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"busy\","
        "\"message\":\"too many control connections (at most " G_STRINGIFY(
        CONTROL_MAX_CLIENTS) ")\"}}\n";

    if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL) < 0) {
        /* it went away already */
    }
    close(fd);
}

static void control_accept(Control *c)
{
    for (unsigned tries = 0; tries < CONTROL_MAX_CLIENTS + 4; tries++) {
        int fd = accept(c->listen_fd, NULL, NULL);
        unsigned slot = 0;

        if (fd < 0) {
            return;
        }
        control_set_nonblock(fd);
        while (slot < CONTROL_MAX_CLIENTS && c->clients[slot]) {
            slot++;
        }
        if (slot == CONTROL_MAX_CLIENTS) {
            control_refuse(fd);
        } else {
            c->clients[slot] = control_client_new(fd);
        }
    }
}

unsigned control_service(Control *c)
{
    struct pollfd fds[CONTROL_POLL_MAX];
    ControlClient *who[CONTROL_POLL_MAX];
    uint64_t before = c->requests;
    int n = control_fill_fds(c, fds, who, CONTROL_POLL_MAX);

    if (n == 0 || poll(fds, (nfds_t)n, 0) <= 0) {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            control_read(c, who[i]);
        }
        if (fds[i].revents & POLLOUT) {
            control_write(who[i]);
        }
    }
    control_reap(c);
    if (fds[0].revents & POLLIN) {
        control_accept(c);
    }
    return (unsigned)(c->requests - before);
}

void control_flush(Control *c, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        struct pollfd fds[CONTROL_MAX_CLIENTS];
        ControlClient *who[CONTROL_MAX_CLIENTS];
        gint64 left = deadline - g_get_monotonic_time();
        int n = 0;

        for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
            ControlClient *cl = c->clients[i];
            if (cl && !cl->dead && control_pending(cl)) {
                fds[n] = (struct pollfd){ .fd = cl->fd, .events = POLLOUT };
                who[n++] = cl;
            }
        }
        if (n == 0 || left <= 0 || poll(fds, (nfds_t)n, (int)((left + 999) / 1000)) <= 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (fds[i].revents) {
                control_write(who[i]);
            }
        }
    }
}

void control_broadcast_event(Control *c, const char *event, const char *data_json)
{
    JsonWriter w;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_string(&w, "event", event);
    jw_raw(&w, "data", data_json ? data_json : "{}");
    jw_object_end(&w);
    g_string_append_c(w.out, '\n');
    for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        if (c->clients[i] && c->clients[i]->subscribed) {
            control_queue(c->clients[i], w.out);
        }
    }
    jw_clear(&w);
}
