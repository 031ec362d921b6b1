/*
 * Unit tests of vm/control: the per-guest control socket (docs/control-protocol.md). A
 * server in a temporary XDG_RUNTIME_DIR answers raw clients driven from the same thread:
 * replies and every error code, a 1 MiB line, pipelined and split lines, many clients, a
 * client that hangs up mid-line or stops reading, events, stale and duplicate sockets,
 * directory and socket permissions; then the client helpers against a server thread, and
 * the JSON writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm/control.h"
#include "vm/control_client.h"

#define WAIT_US (5 * G_USEC_PER_SEC)    /* how long a client waits for an answer */

typedef struct Fixture {
    char *tmp;              /* the temporary XDG_RUNTIME_DIR */
    char *dir;              /* TMP/wirt */
    Control c;
    int calls;              /* the test handlers' calls */
} Fixture;

/* ---- handlers ---- */

/* echo: the args back, as the result's "args" member. */
static void cmd_echo(const JsonNode *args, ControlReply *r, void *opaque)
{
    Fixture *f = opaque;

    f->calls++;
    jw_node(control_reply_result(r), "args", args);
}

/* fail: always an error. */
static void cmd_fail(const JsonNode *args, ControlReply *r, void *opaque)
{
    Fixture *f = opaque;

    f->calls++;
    control_reply_error(r, "failed", "the guest is not paused");
}

/* count: {"n": N, "tag": "..."} with N the calls so far. */
static void cmd_count(const JsonNode *args, ControlReply *r, void *opaque)
{
    Fixture *f = opaque;
    JsonWriter *w = control_reply_result(r);

    jw_int(w, "n", ++f->calls);
    jw_string(w, "tag", json_get_string(json_object_get(args, "tag"), NULL));
}

/* ---- fixture ---- */

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tmp = g_dir_make_tmp("wirt-control-XXXXXX", &err);
    g_assert_no_error(err);
    f->dir = g_build_filename(f->tmp, "wirt", NULL);
    g_setenv("XDG_RUNTIME_DIR", f->tmp, TRUE);
    f->c = (Control){ 0 };
    control_register(&f->c, "echo", cmd_echo, f);
    control_register(&f->c, "fail", cmd_fail, f);
    control_register(&f->c, "count", cmd_count, f);
    if (data == NULL) {
        g_assert_true(control_open(&f->c, "test-guest", &err));
        g_assert_no_error(err);
    }
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *e;

    while (d && (e = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(path, e, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
            remove_tree(p);
        } else {
            unlink(p);
        }
    }
    if (d) {
        g_dir_close(d);
    }
    rmdir(path);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    control_close(&f->c);
    chmod(f->dir, 0700);
    remove_tree(f->tmp);
    g_free(f->dir);
    g_free(f->tmp);
}

/* ---- a raw client driven from the server's thread ---- */

static int client_connect_path(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int client_connect(Fixture *f)
{
    int fd = client_connect_path(f->c.path);

    control_service(&f->c);     /* accept it */
    return fd;
}

/* Sends everything, letting the server read whenever the socket is full. */
static void client_send_len(Fixture *f, int fd, const char *data, size_t len)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else {
            g_assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        }
        control_service(&f->c);
    }
    control_service(&f->c);
}

static void client_send(Fixture *f, int fd, const char *text)
{
    client_send_len(f, fd, text, strlen(text));
}

/*
 * Reads one line (without its newline), servicing the server meanwhile. Returns NULL at
 * the end of the stream.
 */
static char *client_line(Fixture *f, int fd)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    GString *line = g_string_new(NULL);

    for (;;) {
        char ch;
        ssize_t n = recv(fd, &ch, 1, 0);
        if (n == 1 && ch == '\n') {
            return g_string_free(line, FALSE);
        }
        if (n == 1) {
            g_string_append_c(line, ch);
            continue;
        }
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            g_assert_cmpuint(line->len, ==, 0);
            g_string_free(line, TRUE);
            return NULL;
        }
        g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        control_service(&f->c);
        g_usleep(100);
    }
}

/* Nothing is waiting on FD (after the server had its chance to send). */
static void client_assert_quiet(Fixture *f, int fd)
{
    char ch;

    control_service(&f->c);
    g_assert_cmpint(recv(fd, &ch, 1, 0), ==, -1);
    g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Sends one request line and checks the reply line is exactly WANT. */
static void roundtrip(Fixture *f, int fd, const char *line, const char *want)
{
    g_autofree char *req = g_strconcat(line, "\n", NULL);
    g_autofree char *got = NULL;

    client_send(f, fd, req);
    got = client_line(f, fd);
    g_assert_cmpstr(got, ==, want);
}

/* A bare echo request with id ID gets its plain reply: the connection works. */
static void echo_ok(Fixture *f, int fd, int id)
{
    g_autofree char *req = g_strdup_printf("{\"id\":%d,\"cmd\":\"echo\"}", id);
    g_autofree char *want = g_strdup_printf("{\"id\":%d,\"ok\":true,\"result\":{\"args\":"
                                            "null}}", id);

    roundtrip(f, fd, req, want);
}

/* Sends one line and checks the reply is an error with CODE and the id as JSON ID. */
static void expect_error(Fixture *f, int fd, const char *line, const char *id,
                         const char *code)
{
    g_autofree char *req = g_strconcat(line, "\n", NULL);
    g_autofree char *got = NULL;
    g_autofree char *want = g_strdup_printf("{\"id\":%s,\"ok\":false,\"error\":{\"code\":\"%s\","
                                            "\"message\":\"", id, code);
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) err = NULL;

    client_send(f, fd, req);
    got = client_line(f, fd);
    g_assert_nonnull(got);
    g_assert_true(g_str_has_prefix(got, want));
    reply = json_parse(got, -1, &err);      /* and it is JSON */
    g_assert_no_error(err);
}

/* ---- tests: requests and replies ---- */

static void test_request(Fixture *f, gconstpointer data)
{
    int fd = client_connect(f);

    roundtrip(f, fd, "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"x\":42,\"s\":\"a\\\"b\\u00e9\"}}",
              "{\"id\":1,\"ok\":true,\"result\":{\"args\":{\"x\":42,\"s\":\"a\\\"b\xc3\xa9\"}}}");
    roundtrip(f, fd, "{\"cmd\":\"echo\",\"id\":\"tag-7\"}",
              "{\"id\":\"tag-7\",\"ok\":true,\"result\":{\"args\":null}}");
    roundtrip(f, fd, "{\"id\":-3,\"cmd\":\"count\",\"args\":{\"tag\":\"t\"},\"extra\":[1]}",
              "{\"id\":-3,\"ok\":true,\"result\":{\"n\":3,\"tag\":\"t\"}}");
    roundtrip(f, fd, "{\"id\":4,\"cmd\":\"fail\"}",
              "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"failed\","
              "\"message\":\"the guest is not paused\"}}");
    roundtrip(f, fd, "{\"id\":5,\"cmd\":\"subscribe\"}", "{\"id\":5,\"ok\":true,\"result\":{}}");
    g_assert_cmpint(f->calls, ==, 4);
    g_assert_cmpuint(f->c.requests, ==, 5);
    close(fd);
}

static void test_hello(Fixture *f, gconstpointer data)
{
    int fd = client_connect(f);
    g_autofree char *line = NULL;
    g_autoptr(JsonNode) reply = NULL;
    int64_t v = 0;
    const JsonNode *cmds;

    client_send(f, fd, "{\"id\":1,\"cmd\":\"hello\"}\n");
    line = client_line(f, fd);
    reply = json_parse(line, -1, NULL);
    g_assert_nonnull(reply);
    g_assert_true(json_get_int(json_lookup(reply, "result", "protocol", NULL), &v));
    g_assert_cmpint(v, ==, CONTROL_PROTOCOL_VERSION);
    g_assert_true(json_get_int(json_lookup(reply, "result", "pid", NULL), &v));
    g_assert_cmpint(v, ==, getpid());
    g_assert_cmpstr(json_get_string(json_lookup(reply, "result", "name", NULL), NULL), ==,
                    "test-guest");
    g_assert_nonnull(json_get_string(json_lookup(reply, "result", "version", NULL), NULL));
    cmds = json_lookup(reply, "result", "commands", NULL);
    g_assert_cmpuint(json_length(cmds), ==, 6);
    g_assert_cmpstr(json_get_string(json_array_get(cmds, 0), NULL), ==, "count");
    g_assert_cmpstr(json_get_string(json_array_get(cmds, 3), NULL), ==, "hello");
    g_assert_cmpstr(json_get_string(json_array_get(cmds, 5), NULL), ==, "unsubscribe");
    close(fd);
}

static void test_errors(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *line, *id, *code;
    } cases[] = {
        { "{", "null", "parse" },
        { "{\"id\":1,\"cmd\":\"echo\",}", "null", "parse" },
        { "not json", "null", "parse" },
        { "[1,2]", "null", "parse" },
        { "\"just a string\"", "null", "parse" },
        { "{\"id\":1,\"cmd\":\"echo\"} {}", "null", "parse" },
        { "{\"id\":1,\"id\":2,\"cmd\":\"echo\"}", "null", "parse" },
        { "{\"cmd\":\"echo\"}", "null", "bad-request" },
        { "{\"id\":null,\"cmd\":\"echo\"}", "null", "bad-request" },
        { "{\"id\":true,\"cmd\":\"echo\"}", "null", "bad-request" },
        { "{\"id\":{},\"cmd\":\"echo\"}", "null", "bad-request" },
        { "{\"id\":7}", "7", "bad-request" },
        { "{\"id\":8,\"cmd\":42}", "8", "bad-request" },
        { "{\"id\":9,\"cmd\":\"echo\",\"args\":[1]}", "9", "bad-request" },
        { "{\"id\":10,\"cmd\":\"echo\",\"args\":\"x\"}", "10", "bad-request" },
        { "{\"id\":\"a\",\"cmd\":\"frobnicate\"}", "\"a\"", "unknown-command" },
        { "{\"id\":11,\"cmd\":\"echo\\u0000x\"}", "11", "unknown-command" },
        { "{\"id\":12,\"cmd\":\"\"}", "12", "unknown-command" },
        { "{\"id\":13,\"cmd\":\"fail\"}", "13", "failed" },
    };
    int fd = client_connect(f);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        expect_error(f, fd, cases[i].line, cases[i].id, cases[i].code);
    }
    roundtrip(f, fd, "{\"id\":\"x\",\"cmd\":\"frobnicate\"}",
              "{\"id\":\"x\",\"ok\":false,\"error\":{\"code\":\"unknown-command\",\"message\":"
              "\"unknown command 'frobnicate' (the hello command lists them)\"}}");
    roundtrip(f, fd, "{\"cmd\":\"echo\"}",
              "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"bad-request\",\"message\":"
              "\"the request has no \\\"id\\\"\"}}");
    roundtrip(f, fd, "[]",
              "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"parse\",\"message\":"
              "\"expected a JSON object, got array\"}}");
    /* Only the "fail" handler ran; the connection survived all of it. */
    g_assert_cmpint(f->calls, ==, 1);
    echo_ok(f, fd, 1);
    close(fd);
}

/* A request line of exactly LEN bytes (before the newline) asking echo for padding. */
static char *padded_request(size_t len)
{
    static const char head[] = "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"pad\":\"";
    static const char tail[] = "\"}}";
    size_t pad = len - strlen(head) - strlen(tail);
    GString *s = g_string_new(head);

    for (size_t i = 0; i < pad; i++) {
        g_string_append_c(s, 'x');
    }
    g_string_append(s, tail);
    g_assert_cmpuint(s->len, ==, len);
    return g_string_free(s, FALSE);
}

static void test_too_large(Fixture *f, gconstpointer data)
{
    int fd = client_connect(f);
    g_autofree char *huge = g_malloc(1024 * 1024 + 1);
    g_autofree char *exact = padded_request(CONTROL_MAX_LINE);
    g_autofree char *over = padded_request(CONTROL_MAX_LINE + 1);
    g_autofree char *line = NULL;

    /* 1 MiB of a request that never ends in time: one error, then the rest is skipped. */
    memset(huge, 'x', 1024 * 1024);
    huge[0] = '{';
    huge[1024 * 1024] = '\n';
    client_send_len(f, fd, huge, 1024 * 1024 + 1);
    line = client_line(f, fd);
    g_assert_cmpstr(line, ==, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"too-large\","
                    "\"message\":\"the line is longer than 65536 bytes: ignored\"}}");
    g_clear_pointer(&line, g_free);
    echo_ok(f, fd, 3);
    client_assert_quiet(f, fd);
    /* The limit itself: CONTROL_MAX_LINE bytes pass, one more does not. */
    client_send(f, fd, exact);
    client_send(f, fd, "\n");
    line = client_line(f, fd);
    g_assert_true(g_str_has_prefix(line, "{\"id\":1,\"ok\":true,\"result\":{\"args\":"
                                   "{\"pad\":\"xxx"));
    expect_error(f, fd, over, "null", "too-large");
    echo_ok(f, fd, 4);
    g_assert_cmpint(f->calls, ==, 3);
    close(fd);
}

static void test_framing(Fixture *f, gconstpointer data)
{
    static const char one[] = "{\"id\":1,\"cmd\":\"count\"}\n";
    int fd = client_connect(f);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    /* Two requests in one write, blank lines and CRLF between them: two replies, in order. */
    client_send(f, fd, "{\"id\":1,\"cmd\":\"count\"}\r\n\n  \t\n{\"id\":2,\"cmd\":\"count\"}\n");
    a = client_line(f, fd);
    b = client_line(f, fd);
    g_assert_cmpstr(a, ==, "{\"id\":1,\"ok\":true,\"result\":{\"n\":1,\"tag\":null}}");
    g_assert_cmpstr(b, ==, "{\"id\":2,\"ok\":true,\"result\":{\"n\":2,\"tag\":null}}");
    /* One request a byte at a time. */
    for (size_t i = 0; i < sizeof(one) - 1; i++) {
        client_send_len(f, fd, one + i, 1);
        if (i + 2 < sizeof(one)) {
            client_assert_quiet(f, fd);
        }
    }
    g_free(a);
    a = client_line(f, fd);
    g_assert_cmpstr(a, ==, "{\"id\":1,\"ok\":true,\"result\":{\"n\":3,\"tag\":null}}");
    close(fd);
}

/* A client that sends a request and then shuts its sending side still gets the reply. */
static void test_half_close(Fixture *f, gconstpointer data)
{
    int fd = client_connect(f);
    g_autofree char *line = NULL;

    client_send(f, fd, "{\"id\":1,\"cmd\":\"count\"}\n{\"id\":2,\"cmd\":\"count\"");
    shutdown(fd, SHUT_WR);
    line = client_line(f, fd);
    g_assert_cmpstr(line, ==, "{\"id\":1,\"ok\":true,\"result\":{\"n\":1,\"tag\":null}}");
    g_assert_null(client_line(f, fd));     /* the unfinished second line never ran */
    g_assert_cmpint(f->calls, ==, 1);
    control_service(&f->c);
    g_assert_cmpuint(control_client_count(&f->c), ==, 0);
    close(fd);
}

static void test_many_clients(Fixture *f, gconstpointer data)
{
    int fds[CONTROL_MAX_CLIENTS];
    int extra, again;
    g_autofree char *busy = NULL;

    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        fds[i] = client_connect(f);
    }
    g_assert_cmpuint(control_client_count(&f->c), ==, CONTROL_MAX_CLIENTS);
    /* One more is told why and closed; the others are untouched. */
    extra = client_connect(f);
    busy = client_line(f, extra);
    g_assert_true(g_str_has_prefix(busy, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"busy\""));
    g_assert_null(client_line(f, extra));
    close(extra);
    for (int i = CONTROL_MAX_CLIENTS - 1; i >= 0; i--) {
        echo_ok(f, fds[i], i);
    }
    /* A freed slot takes the next client. */
    close(fds[3]);
    control_service(&f->c);
    g_assert_cmpuint(control_client_count(&f->c), ==, CONTROL_MAX_CLIENTS - 1);
    again = client_connect(f);
    echo_ok(f, again, 1);
    close(again);
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        if (i != 3) {
            close(fds[i]);
        }
    }
    control_service(&f->c);
    g_assert_cmpuint(control_client_count(&f->c), ==, 0);
}

static void test_disconnect_mid_line(Fixture *f, gconstpointer data)
{
    int quitter = client_connect(f);
    int other = client_connect(f);

    client_send(f, quitter, "{\"id\":1,\"cmd\":\"count\",\"ar");
    echo_ok(f, other, 1);
    close(quitter);
    control_service(&f->c);
    g_assert_cmpuint(control_client_count(&f->c), ==, 1);
    roundtrip(f, other, "{\"id\":2,\"cmd\":\"count\"}",
              "{\"id\":2,\"ok\":true,\"result\":{\"n\":2,\"tag\":null}}");
    /* A client that hangs up without reading its reply is just dropped. */
    client_send(f, quitter = client_connect(f), "{\"id\":3,\"cmd\":\"count\"}\n");
    close(quitter);
    control_service(&f->c);
    g_assert_cmpuint(control_client_count(&f->c), ==, 1);
    close(other);
}

static void test_events(Fixture *f, gconstpointer data)
{
    int sub = client_connect(f);
    int plain = client_connect(f);
    g_autofree char *ev = NULL;
    g_autofree char *ev2 = NULL;

    roundtrip(f, sub, "{\"id\":1,\"cmd\":\"subscribe\"}", "{\"id\":1,\"ok\":true,\"result\":{}}");
    control_broadcast_event(&f->c, "paused", "{\"reason\":\"user\"}");
    control_broadcast_event(&f->c, "reset", NULL);
    ev = client_line(f, sub);
    ev2 = client_line(f, sub);
    g_assert_cmpstr(ev, ==, "{\"event\":\"paused\",\"data\":{\"reason\":\"user\"}}");
    g_assert_cmpstr(ev2, ==, "{\"event\":\"reset\",\"data\":{}}");
    client_assert_quiet(f, plain);
    roundtrip(f, sub, "{\"id\":2,\"cmd\":\"unsubscribe\"}", "{\"id\":2,\"ok\":true,\"result\":{}}");
    control_broadcast_event(&f->c, "resumed", NULL);
    client_assert_quiet(f, sub);
    close(sub);
    close(plain);
}

/* A subscriber that never reads is dropped; the guest's side never blocks. */
static void test_slow_reader(Fixture *f, gconstpointer data)
{
    int slow = client_connect(f);
    int fine = client_connect(f);
    g_autofree char *big = g_malloc(64 * 1024 + 16);
    char *p;
    int sent = 0;

    roundtrip(f, slow, "{\"id\":1,\"cmd\":\"subscribe\"}", "{\"id\":1,\"ok\":true,\"result\":{}}");
    p = g_stpcpy(big, "{\"blob\":\"");
    memset(p, 'z', 64 * 1024);
    strcpy(p + 64 * 1024, "\"}");
    while (control_client_count(&f->c) == 2) {
        control_broadcast_event(&f->c, "blob", big);
        control_service(&f->c);
        g_assert_cmpint(++sent, <, 1000);
    }
    /* Dropped once more than CONTROL_OUT_MAX (plus the socket's buffer) was owed to it. */
    g_assert_cmpint(sent, >=, CONTROL_OUT_MAX / (64 * 1024));
    echo_ok(f, fine, 1);
    close(slow);
    close(fine);
}

/* ---- tests: the socket and its directory ---- */

/* Leaves a socket file at PATH that nobody listens on, as a crashed wirt would. */
static void make_stale_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    close(fd);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_stale(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "old.sock", NULL);
    g_autofree char *gone = g_build_filename(f->dir, "gone.sock", NULL);
    g_autofree char *junk = g_build_filename(f->dir, "junk.sock", NULL);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) names = NULL;
    Control old = { 0 };
    int fd;

    make_stale_socket(path);
    make_stale_socket(gone);
    g_assert_true(g_file_set_contents(junk, "not a socket", -1, NULL));
    names = control_list_sockets(&err);
    g_assert_no_error(err);
    g_assert_cmpuint(g_strv_length(names), ==, 4);
    g_assert_cmpstr(names[0], ==, "gone");
    g_assert_cmpstr(names[1], ==, "junk");
    g_assert_cmpstr(names[2], ==, "old");
    g_assert_cmpstr(names[3], ==, "test-guest");
    /* A stale socket is replaced by a new guest of that name. */
    g_assert_true(control_open(&old, "old", &err));
    g_assert_no_error(err);
    fd = client_connect_path(old.path);
    close(fd);
    control_close(&old);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    /* control_remove_stale removes only sockets nobody answers. */
    g_assert_true(control_remove_stale("gone"));
    g_assert_false(g_file_test(gone, G_FILE_TEST_EXISTS));
    g_assert_false(control_remove_stale("test-guest"));
    g_assert_false(control_remove_stale("junk"));
    g_assert_false(control_remove_stale("nobody"));
    g_assert_true(g_file_test(f->c.path, G_FILE_TEST_EXISTS));
    /* Something that is not a socket is never removed. */
    g_assert_false(control_open(&old, "junk", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_assert_nonnull(strstr(err->message, "is not a socket"));
    g_assert_true(g_file_test(junk, G_FILE_TEST_EXISTS));
    control_close(&old);
}

static void test_duplicate(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_strdup(f->c.path);
    g_autoptr(GError) err = NULL;
    Control twin = { 0 };

    g_assert_false(control_open(&twin, "test-guest", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_RUNNING);
    g_assert_true(g_str_has_prefix(err->message, "a guest named test-guest is already "
                                   "running (control socket /"));
    g_clear_error(&err);
    control_close(&twin);
    /* The probe did not disturb the first server, and after it closes the name is free. */
    control_service(&f->c);     /* accepts the probe's connection */
    control_service(&f->c);     /* sees it closed */
    g_assert_cmpuint(control_client_count(&f->c), ==, 0);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    control_close(&f->c);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_true(control_open(&twin, "test-guest", &err));
    g_assert_no_error(err);
    control_close(&twin);
}

static void test_permissions(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sock = g_build_filename(f->dir, "test-guest.sock", NULL);
    struct stat st;

    g_assert_cmpint(stat(f->dir, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0700);
    g_assert_cmpuint(st.st_uid, ==, geteuid());
    g_assert_cmpint(lstat(sock, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
    control_close(&f->c);
    /* A directory others can enter is refused, with the fix in the message. */
    g_assert_cmpint(chmod(f->dir, 0755), ==, 0);
    g_assert_false(control_open(&f->c, "test-guest", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_assert_nonnull(strstr(err->message, "has mode 0755, which lets other users in"));
    g_assert_nonnull(strstr(err->message, "chmod 700"));
    g_clear_error(&err);
    g_assert_null(control_list_sockets(&err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_clear_error(&err);
    g_assert_null(control_connect("test-guest", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_clear_error(&err);
    g_assert_cmpint(chmod(f->dir, 0700), ==, 0);
    /* One that belongs to someone else (only root can arrange that) is refused too. */
    if (geteuid() == 0) {
        g_assert_cmpint(chown(f->dir, 65534, 65534), ==, 0);
        g_assert_false(control_open(&f->c, "test-guest", &err));
        g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
        g_assert_nonnull(strstr(err->message, "belongs to uid 65534, not to you (uid 0)"));
        g_clear_error(&err);
        g_assert_cmpint(chown(f->dir, 0, 0), ==, 0);
    }
    g_assert_true(control_open(&f->c, "test-guest", &err));
    g_assert_no_error(err);
}

/* A symbolic link in place of the directory is refused. */
static void test_symlink_dir(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *elsewhere = g_build_filename(f->tmp, "elsewhere", NULL);

    g_assert_cmpint(mkdir(elsewhere, 0700), ==, 0);
    g_assert_cmpint(symlink(elsewhere, f->dir), ==, 0);
    g_assert_false(control_open(&f->c, "test-guest", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_assert_nonnull(strstr(err->message, "symbolic link"));
}

static void test_dir(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = control_dir(&err);
    g_auto(GStrv) none = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(dir, ==, f->dir);
    /* No directory yet: no guests, and nothing is created by looking. */
    none = control_list_sockets(&err);
    g_assert_no_error(err);
    g_assert_cmpuint(g_strv_length(none), ==, 0);
    g_assert_null(control_connect("nobody", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING);
    g_assert_cmpstr(err->message, ==, "no guest named nobody is running");
    g_clear_error(&err);
    g_assert_false(g_file_test(f->dir, G_FILE_TEST_EXISTS));
    g_setenv("XDG_RUNTIME_DIR", "relative/dir", TRUE);
    g_assert_null(control_dir(&err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
    g_clear_error(&err);
    g_clear_pointer(&dir, g_free);
    g_unsetenv("XDG_RUNTIME_DIR");
    if (geteuid() == 0) {
        dir = control_dir(&err);
        g_assert_no_error(err);
        g_assert_cmpstr(dir, ==, "/run/wirt");
    } else {
        g_assert_false(control_open(&f->c, "x", &err));
        g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR);
        g_assert_nonnull(strstr(err->message, "XDG_RUNTIME_DIR is not set"));
    }
}

static void test_names(void)
{
    static const char *const good[] = {
        "a", "guest-1", "Debian_12.3", "x.", "-dash",
        "1234567890123456789012345678901234567890123456789012345678901234",
    };
    static const struct {
        const char *name, *why;
    } bad[] = {
        { "", "is empty" },
        { ".hidden", "starts with '.'" },
        { "a/b", "contains '/'" },
        { "sp ace", "contains ' '" },
        { "tab\there", "contains byte 0x09" },
        { "caf\xc3\xa9", "contains byte 0xc3" },
        { "12345678901234567890123456789012345678901234567890123456789012345",
          "is 65 bytes long" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        g_assert_true(control_name_valid(good[i], NULL));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *why = NULL;
        g_assert_false(control_name_valid(bad[i].name, &why));
        g_assert_true(g_str_has_prefix(why, bad[i].why));
    }
}

static void test_bad_name(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(control_open(&f->c, "../escape", &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_NAME);
    g_assert_cmpstr(err->message, ==, "guest name '../escape' starts with '.' (a guest name "
                    "is 1 to 64 letters, digits, '_', '.' or '-', not starting with '.')");
    g_assert_false(g_file_test(f->dir, G_FILE_TEST_EXISTS));
}

/* ---- tests: the client helpers, against a server thread ---- */

typedef struct Server {
    Fixture *f;
    gint stop;
} Server;

/* Notifies subscribers before it replies, as a command that changes state would. */
static void cmd_pause(const JsonNode *args, ControlReply *r, void *opaque)
{
    Fixture *f = opaque;

    control_broadcast_event(&f->c, "paused", "{\"by\":\"request\"}");
    jw_bool(control_reply_result(r), "paused", true);
}

/* The run loop in miniature: poll the control socket's descriptors, then service it. */
static gpointer server_thread(gpointer data)
{
    Server *s = data;

    while (!g_atomic_int_get(&s->stop)) {
        struct pollfd fds[CONTROL_POLL_MAX];
        int n = control_poll_fds(&s->f->c, fds, CONTROL_POLL_MAX);
        poll(fds, (nfds_t)n, 10);
        control_service(&s->f->c);
    }
    return NULL;
}

static void test_client(Fixture *f, gconstpointer data)
{
    Server s = { .f = f };
    g_autoptr(GError) err = NULL;
    g_autoptr(ControlConn) conn = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(JsonNode) event = NULL;
    const JsonNode *result;
    GThread *t;
    bool b = false;

    control_register(&f->c, "pause", cmd_pause, f);
    t = g_thread_new("control-server", server_thread, &s);
    conn = control_connect("test-guest", &err);
    g_assert_no_error(err);
    g_assert_true(control_request(conn, "subscribe", NULL, &reply, 5000, &err));
    g_assert_no_error(err);
    g_clear_pointer(&reply, json_free);
    /* The event that comes before the reply is skipped, and still there to read. */
    g_assert_true(control_request(conn, "pause", "{\"now\":true}", &reply, 5000, &err));
    g_assert_no_error(err);
    result = control_reply_check(reply, &err);
    g_assert_no_error(err);
    g_assert_true(json_get_bool(json_object_get(result, "paused"), &b) && b);
    g_clear_pointer(&reply, json_free);
    /* An error reply is a reply; control_reply_check turns it into a GError. */
    g_assert_true(control_request(conn, "fail", NULL, &reply, 5000, &err));
    g_assert_null(control_reply_check(reply, &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_REMOTE);
    g_assert_cmpstr(err->message, ==, "failed: the guest is not paused");
    g_clear_error(&err);
    g_clear_pointer(&reply, json_free);
    /* Malformed arguments come back as a parse error with id null. */
    g_assert_true(control_request(conn, "echo", "{oops", &reply, 5000, &err));
    g_assert_null(control_reply_check(reply, &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_REMOTE);
    g_assert_true(g_str_has_prefix(err->message, "parse: "));
    g_clear_error(&err);
    g_assert_cmpint(conn->next_id, ==, 5);
    g_atomic_int_set(&s.stop, 1);
    g_thread_join(t);
    g_assert_cmpuint(g_queue_get_length(&conn->events), ==, 1);
    event = control_read_message(conn, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(json_get_string(json_object_get(event, "event"), NULL), ==, "paused");
    /* The server is gone: the connection reports it. */
    control_close(&f->c);
    g_assert_null(control_read_message(conn, 1000, &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL);
}

static void test_client_timeout(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ControlConn) conn = NULL;
    JsonNode *reply = NULL;
    int sv[2];
    gint64 t0;
    char buf[256];
    ssize_t n;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    conn = control_conn_new(sv[0]);
    t0 = g_get_monotonic_time();
    g_assert_false(control_request(conn, "hello", NULL, &reply, 50, &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT);
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 50 * 1000);
    g_assert_null(reply);
    n = read(sv[1], buf, sizeof(buf) - 1);
    g_assert_cmpint(n, >, 0);
    buf[n] = 0;
    g_assert_cmpstr(buf, ==, "{\"id\":1,\"cmd\":\"hello\"}\n");
    g_clear_error(&err);
    /* A peer that answers garbage is a protocol error, not a hang. */
    g_assert_cmpint(write(sv[1], "[1]\n", 4), ==, 4);
    g_assert_false(control_request(conn, "hello", NULL, &reply, 1000, &err));
    g_assert_error(err, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL);
    close(sv[1]);
}

/* ---- tests: the JSON writer ---- */

#define FFFD "\xef\xbf\xbd"     /* U+FFFD in UTF-8 */

static void test_writer(void)
{
    g_autoptr(JsonNode) back = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    g_autofree char *again = NULL;
    JsonWriter w;

    jw_init(&w);
    jw_object_begin(&w, NULL);
    jw_string(&w, "esc", "q\" b\\ \b\f\n\r\t \x01\x1f \x7f/");
    jw_string(&w, "utf8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    jw_string(&w, "bad", "a\xff" "b\xc3" "c\xed\xa0\x80" "d");
    jw_string_len(&w, "nul", "x\0y", 3);
    jw_string(&w, "null", NULL);
    jw_int(&w, "min", INT64_MIN);
    jw_uint(&w, "max", UINT64_C(1) << 53);
    jw_double(&w, "half", 0.5);
    jw_double(&w, "nan", NAN);
    jw_double(&w, "inf", -INFINITY);
    jw_bool(&w, "t", true);
    jw_array_begin(&w, "list");
    jw_int(&w, NULL, 1);
    jw_object_begin(&w, NULL);
    jw_object_end(&w);
    jw_array_begin(&w, NULL);
    jw_array_end(&w);
    jw_null(&w, NULL);
    jw_raw(&w, NULL, "{\"raw\":[true]}");
    jw_array_end(&w);
    jw_object_end(&w);
    text = jw_steal(&w);
    g_assert_cmpstr(text, ==,
        "{\"esc\":\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f \x7f/\","
        "\"utf8\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
        "\"bad\":\"a" FFFD "b" FFFD "c" FFFD FFFD FFFD "d\",\"nul\":\"x\\u0000y\","
        "\"null\":null,\"min\":-9223372036854775808,\"max\":9007199254740992,"
        "\"half\":0.5,\"nan\":null,\"inf\":null,\"t\":true,"
        "\"list\":[1,{},[],null,{\"raw\":[true]}]}");
    /* Our strict reader takes it, and jw_node writes it back identically. */
    back = json_parse(text, -1, &err);
    g_assert_no_error(err);
    jw_node(&w, NULL, back);
    again = jw_steal(&w);
    g_assert_cmpstr(again, ==, text);
    g_free(again);
    jw_uint(&w, NULL, UINT64_MAX);
    again = jw_steal(&w);
    g_assert_cmpstr(again, ==, "18446744073709551615");
    jw_clear(&w);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/control/" path, Fixture, NULL, fixture_setup, fn, \
                                 fixture_teardown)
#define ADD_CLOSED(path, fn) g_test_add("/control/" path, Fixture, "closed", fixture_setup, \
                                        fn, fixture_teardown)
    ADD("request", test_request);
    ADD("hello", test_hello);
    ADD("errors", test_errors);
    ADD("too-large", test_too_large);
    ADD("framing", test_framing);
    ADD("half-close", test_half_close);
    ADD("many-clients", test_many_clients);
    ADD("disconnect-mid-line", test_disconnect_mid_line);
    ADD("events", test_events);
    ADD("slow-reader", test_slow_reader);
    ADD("stale", test_stale);
    ADD("duplicate", test_duplicate);
    ADD("permissions", test_permissions);
    ADD_CLOSED("symlink-dir", test_symlink_dir);
    ADD_CLOSED("dir", test_dir);
    ADD_CLOSED("bad-name", test_bad_name);
    ADD("client", test_client);
    g_test_add_func("/control/names", test_names);
    g_test_add_func("/control/client-timeout", test_client_timeout);
    g_test_add_func("/control/writer", test_writer);
    return g_test_run();
}
