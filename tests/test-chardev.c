/*
 * The unix: serial back-end (vm/chardev.c): a client that stops reading never blocks the
 * writer (the oldest output gives way past the backlog, the newest arrives), a second
 * client while one is attached is told the console is in use, and a client that leaves
 * frees the socket for the next, also when nobody noticed it leave (a paused guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm/chardev.h"

typedef struct Fixture {
    char *dir;
    char *path;
    Chardev *c;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("wirt-chardev-XXXXXX", &err);
    g_assert_no_error(err);
    f->path = g_build_filename(f->dir, "console", NULL);
    spec = g_strconcat("unix:", f->path, NULL);
    f->c = chardev_open(spec, &err);
    g_assert_no_error(err);
    g_assert_nonnull(f->c);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    chardev_close(f->c);
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static int client_connect(const Fixture *f)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, f->path, sizeof(sa.sun_path));
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

/* The back-end's turn of the run loop: takes or turns away clients, flushes. */
static void backend_poll(Fixture *f)
{
    uint8_t buf[64];
    (void)chardev_read(f->c, buf, sizeof(buf));
}

/* Everything the client can read now, without waiting. */
static GByteArray *client_drain(int fd)
{
    GByteArray *got = g_byte_array_new();
    uint8_t buf[4096];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        g_byte_array_append(got, buf, (guint)n);
    }
    return got;
}

static void test_not_reading(Fixture *f, gconstpointer data)
{
    enum { TOTAL = 4 * 1024 * 1024 };
    int fd = client_connect(f);
    g_autoptr(GByteArray) got = NULL;
    uint8_t line[64];

    backend_poll(f);
    g_assert_true(chardev_attached(f->c));
    /* 4 MiB to a client that reads nothing: far past its socket buffer. A blocking
     * writer would hang here (and the test time out). */
    for (size_t i = 0; i < TOTAL / sizeof(line); i++) {
        memset(line, 'a' + (int)(i % 26), sizeof(line));
        chardev_write(f->c, line, sizeof(line));
    }
    g_assert_cmpuint(f->c->backlog_len, ==, CHARDEV_BACKLOG);
    g_assert_cmpuint(f->c->dropped, >, 0);
    /* Now it reads: what it gets ends with the newest output, the last line written. */
    got = client_drain(fd);
    for (int round = 0; round < 100 && f->c->backlog_len; round++) {
        g_autoptr(GByteArray) more = NULL;
        backend_poll(f);
        more = client_drain(fd);
        g_byte_array_append(got, more->data, more->len);
    }
    g_assert_cmpuint(f->c->backlog_len, ==, 0);
    g_assert_cmpuint(got->len, >=, CHARDEV_BACKLOG);
    g_assert_cmpuint(got->len, <, TOTAL);
    memset(line, 'a' + (int)((TOTAL / sizeof(line) - 1) % 26), sizeof(line));
    g_assert_cmpmem(got->data + got->len - sizeof(line), sizeof(line), line, sizeof(line));
    close(fd);
}

static void test_second_client(Fixture *f, gconstpointer data)
{
    int first = client_connect(f);
    int second;
    char buf[256] = "";
    ssize_t n;

    backend_poll(f);
    second = client_connect(f);
    backend_poll(f);
    n = recv(second, buf, sizeof(buf) - 1, 0);    /* the line, then the end */
    g_assert_cmpint(n, >, 0);
    g_assert_nonnull(strstr(buf, "in use by another client"));
    g_assert_cmpint(recv(second, buf, sizeof(buf), 0), ==, 0);
    close(second);
    /* The first is still the one attached: it gets the output. */
    chardev_write(f->c, (const uint8_t *)"x", 1);
    g_assert_cmpint(recv(first, buf, sizeof(buf), 0), ==, 1);
    g_assert_cmpint(buf[0], ==, 'x');
    /* It leaves; the next client attaches and gets the output. */
    close(first);
    chardev_write(f->c, (const uint8_t *)"yy", 2);
    backend_poll(f);
    g_assert_false(chardev_attached(f->c));
    second = client_connect(f);
    backend_poll(f);
    g_assert_true(chardev_attached(f->c));
    chardev_write(f->c, (const uint8_t *)"z", 1);
    g_assert_cmpint(recv(second, buf, sizeof(buf), 0), ==, 1);
    g_assert_cmpint(buf[0], ==, 'z');
    close(second);
}

/* Nobody read while the first client came and went (the guest was paused): the next one
 * is not turned away for it, and the status says nobody is attached. */
static void test_left_unnoticed(Fixture *f, gconstpointer data)
{
    int first = client_connect(f), second;
    char buf[256];

    backend_poll(f);
    g_assert_true(chardev_attached(f->c));
    close(first);
    g_assert_false(chardev_attached(f->c));
    second = client_connect(f);
    backend_poll(f);
    g_assert_true(chardev_attached(f->c));
    chardev_write(f->c, (const uint8_t *)"w", 1);
    g_assert_cmpint(recv(second, buf, sizeof(buf), 0), ==, 1);
    g_assert_cmpint(buf[0], ==, 'w');
    close(second);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/chardev/unix/not-reading", Fixture, NULL, fixture_set_up, test_not_reading,
               fixture_tear_down);
    g_test_add("/chardev/unix/second-client", Fixture, NULL, fixture_set_up,
               test_second_client, fixture_tear_down);
    g_test_add("/chardev/unix/left-unnoticed", Fixture, NULL, fixture_set_up,
               test_left_unnoticed, fixture_tear_down);
    return g_test_run();
}
