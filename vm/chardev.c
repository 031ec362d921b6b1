/*
 * Serial back-ends on POSIX hosts: the terminal (raw mode, Ctrl-a escapes as in QEMU), an
 * output file, a listening Unix socket with one client at a time and a bounded backlog.
 */
#include "vm/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define CHARDEV_ESCAPE 0x01     /* Ctrl-a */

static const char chardev_busy[] =
    "wirt: this console is in use by another client; detach that one first\r\n";

/*
 * The terminal's settings before raw mode. Global because the atexit handler and the
 * signal path must restore them whatever else is going on; `saved` says they are valid.
 */
static struct {
    struct termios tio;
    volatile sig_atomic_t saved;
    bool atexit_set;
} chardev_tty;

static void chardev_tty_restore(void)
{
    if (chardev_tty.saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &chardev_tty.tio);
        chardev_tty.saved = 0;
    }
}

/* Raw input (no echo, no line editing, no signals from keys); output keeps its newline
 * translation so the guest's "\n" still starts a line. */
static void chardev_tty_raw(void)
{
    struct termios tio;

    if (tcgetattr(STDIN_FILENO, &chardev_tty.tio) != 0) {
        return;
    }
    tio = chardev_tty.tio;
    tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    tio.c_cflag &= ~(CSIZE | PARENB);
    tio.c_cflag |= CS8;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    chardev_tty.saved = 1;
    if (!chardev_tty.atexit_set) {
        atexit(chardev_tty_restore);
        chardev_tty.atexit_set = true;
    }
    tcsetattr(STDIN_FILENO, TCSANOW, &tio);
}

bool chardev_check_spec(const char *spec, char **why)
{
    if (!strcmp(spec, "stdio") || !strcmp(spec, "none")) {
        return true;
    }
    if ((g_str_has_prefix(spec, "file:") && spec[5]) ||
        (g_str_has_prefix(spec, "unix:") && spec[5])) {
        if (g_str_has_prefix(spec, "unix:") &&
            strlen(spec + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            *why = g_strdup_printf("'%s': the socket path is too long", spec);
            return false;
        }
        return true;
    }
    *why = g_strdup_printf("'%s': expected stdio, none, file:PATH or unix:PATH", spec);
    return false;
}

static bool chardev_open_file(Chardev *c, GError **err)
{
    c->out_fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (c->out_fd < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "--serial file:%s: %s",
                    c->path, g_strerror(errno));
        return false;
    }
    return true;
}

static bool chardev_open_unix(Chardev *c, GError **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    int e;

    g_strlcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
    if (lstat(c->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(c->path);    /* a stale socket from an earlier run */
    }
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->listen_fd >= 0 && bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        listen(c->listen_fd, 1) == 0 && lstat(c->path, &st) == 0) {
        c->sock_ino = (uint64_t)st.st_ino;
        return true;
    }
    e = errno;
    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "--serial unix:%s: %s",
                c->path, g_strerror(e));
    return false;
}

Chardev *chardev_open(const char *spec, GError **err)
{
    Chardev *c = g_new0(Chardev, 1);
    bool ok = true;

    c->in_fd = c->out_fd = c->listen_fd = -1;
    if (!strcmp(spec, "stdio")) {
        c->kind = CHARDEV_STDIO;
        c->in_fd = STDIN_FILENO;
        c->out_fd = STDOUT_FILENO;
        c->tty = isatty(STDIN_FILENO);
        if (c->tty) {
            chardev_tty_raw();
        }
    } else if (g_str_has_prefix(spec, "file:")) {
        c->kind = CHARDEV_FILE;
        c->path = g_strdup(spec + 5);
        ok = chardev_open_file(c, err);
    } else if (g_str_has_prefix(spec, "unix:")) {
        c->kind = CHARDEV_UNIX;
        c->path = g_strdup(spec + 5);
        ok = chardev_open_unix(c, err);
    }
    if (!ok) {
        chardev_close(c);
        return NULL;
    }
    return c;
}

static void chardev_drop_client(Chardev *c)
{
    if (c->kind == CHARDEV_UNIX && c->in_fd >= 0) {
        close(c->in_fd);
        c->in_fd = c->out_fd = -1;
        c->backlog_head = c->backlog_len = 0;
        c->dropped = 0;
    }
}

void chardev_close(Chardev *c)
{
    if (!c) {
        return;
    }
    if (c->tty) {
        chardev_tty_restore();
    }
    chardev_drop_client(c);
    if (c->kind == CHARDEV_FILE && c->out_fd >= 0) {
        close(c->out_fd);
    }
    if (c->listen_fd >= 0) {
        struct stat st;
        /* Ours still (a new guest of the same name may have replaced it): removed first,
         * so nobody finds it listening-less in between. */
        if (lstat(c->path, &st) == 0 && (uint64_t)st.st_ino == c->sock_ino) {
            unlink(c->path);
        }
        close(c->listen_fd);
    }
    g_free(c->backlog);
    g_free(c->path);
    g_free(c);
}

/* Sends what the backlog holds until the client's socket is full. */
static void chardev_flush(Chardev *c)
{
    while (c->backlog_len && c->out_fd >= 0) {
        size_t run = MIN(c->backlog_len, CHARDEV_BACKLOG - c->backlog_head);
        ssize_t n = send(c->out_fd, c->backlog + c->backlog_head, run,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            chardev_drop_client(c);     /* gone: the socket is free for the next client */
            return;
        }
        c->backlog_head = (c->backlog_head + (size_t)n) % CHARDEV_BACKLOG;
        c->backlog_len -= (size_t)n;
    }
}

/* Appends to the backlog; when it is full the oldest bytes give way. */
static void chardev_queue(Chardev *c, const uint8_t *buf, size_t len)
{
    if (!c->backlog) {
        c->backlog = g_malloc(CHARDEV_BACKLOG);
    }
    for (size_t i = 0; i < len; i++) {
        if (c->backlog_len == CHARDEV_BACKLOG) {
            if (c->dropped++ == 0) {
                fprintf(stderr, "wirt: the client of console %s is not reading; its oldest "
                        "output is being dropped\n", c->path);
            }
            c->backlog_head = (c->backlog_head + 1) % CHARDEV_BACKLOG;
            c->backlog_len--;
        }
        c->backlog[(c->backlog_head + c->backlog_len) % CHARDEV_BACKLOG] = buf[i];
        c->backlog_len++;
    }
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (c->kind == CHARDEV_UNIX) {
        chardev_flush(c);
        if (c->out_fd >= 0) {
            chardev_queue(c, buf, len);
            chardev_flush(c);
        }
        return;
    }
    while (len && c->out_fd >= 0) {
        ssize_t n = write(c->out_fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* A dead terminal or file stops taking output, as a cut cable; a closed pipe
             * on stdout ends the run (the run loop asks), as it ends any filter. */
            if (n < 0 && errno == EPIPE) {     /* stdout, or file:/dev/stdout, ... */
                c->broken = true;
                c->out_fd = -1;
            }
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

bool chardev_has_input(const Chardev *c)
{
    return c && (c->in_fd >= 0 || c->listen_fd >= 0);
}

/* The attached client has hung up (seen without reading: its input stays queued). */
static bool chardev_client_gone(const Chardev *c)
{
    struct pollfd p = { .fd = c->in_fd, .events = POLLIN };
    char b;

    if (poll(&p, 1, 0) <= 0) {
        return false;
    }
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
        return true;
    }
    return recv(c->in_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

bool chardev_attached(const Chardev *c)
{
    return c && c->kind == CHARDEV_UNIX && c->in_fd >= 0 && !chardev_client_gone(c);
}

unsigned chardev_poll_fds(const Chardev *c, struct pollfd *pfd)
{
    unsigned n = 0;

    if (!c) {
        return 0;
    }
    if (c->in_fd >= 0) {
        pfd[n++] = (struct pollfd){
            .fd = c->in_fd, .events = POLLIN | (c->backlog_len ? POLLOUT : 0),
        };
    }
    if (c->listen_fd >= 0) {
        pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
    }
    return n;
}

/* Takes a waiting client if none is attached; turns away the others with a line. */
static void chardev_accept(Chardev *c)
{
    int fd;

    if (c->kind != CHARDEV_UNIX) {
        return;
    }
    while ((fd = accept(c->listen_fd, NULL, NULL)) >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (c->in_fd >= 0 && chardev_client_gone(c)) {
            chardev_drop_client(c);     /* it left unnoticed (a pause): the newcomer's turn */
        }
        if (c->in_fd < 0) {
            c->in_fd = c->out_fd = fd;
            continue;
        }
        if (send(fd, chardev_busy, sizeof(chardev_busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
            /* it left already */
        }
        close(fd);
    }
}

static void chardev_help(void)
{
    static const char help[] =
        "\nC-a h    print this help\n"
        "C-a x    exit wirt\n"
        "C-a C-a  send C-a to the guest\n";
    if (write(STDERR_FILENO, help, sizeof(help) - 1) < 0) {
        /* nothing useful to do */
    }
}

/* Terminal escapes: Ctrl-a then a command. Returns the bytes left for the guest. */
static size_t chardev_escapes(Chardev *c, uint8_t *buf, size_t len)
{
    size_t out = 0;

    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (!c->escape && b == CHARDEV_ESCAPE) {
            c->escape = true;
            continue;
        }
        if (!c->escape) {
            buf[out++] = b;
            continue;
        }
        c->escape = false;
        if (b == CHARDEV_ESCAPE) {
            buf[out++] = b;
        } else if (b == 'x') {
            c->quit = true;
        } else if (b == 'h' || b == '?') {
            chardev_help();
        }
    }
    return out;
}

size_t chardev_read(Chardev *c, uint8_t *buf, size_t cap)
{
    struct pollfd pfd;
    ssize_t n;

    if (!c) {
        return 0;
    }
    chardev_accept(c);
    chardev_flush(c);
    if (c->in_fd < 0 || cap == 0) {
        return 0;
    }
    pfd = (struct pollfd){ .fd = c->in_fd, .events = POLLIN };
    if (poll(&pfd, 1, 0) <= 0) {
        return 0;
    }
    n = read(c->in_fd, buf, cap);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return 0;
    }
    if (n <= 0) {
        /* EOF: stdin is done; a socket client went away and the next may attach. */
        if (c->kind == CHARDEV_UNIX) {
            chardev_drop_client(c);
        } else {
            c->in_fd = -1;
        }
        return 0;
    }
    return c->tty ? chardev_escapes(c, buf, (size_t)n) : (size_t)n;
}
