/*
 * `wirt console NAME`: attaches this terminal to a guest's serial console, the Unix socket
 * its COM1 listens on (`wirt create` gives every guest one). The terminal is raw while
 * attached and restored on every way out (detach, the guest stopping, a signal, exit);
 * Ctrl-] detaches and the guest keeps running. With stdin not a terminal, its bytes are
 * sent, and at its end the guest's output is relayed until it has been quiet for a second.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "frontends/cli.h"
#include "frontends/client.h"

#define CONSOLE_DETACH 0x1d         /* Ctrl-] */
#define CONSOLE_LINGER_MS 1000      /* stdin at its end: quiet time before leaving */

/*
 * The terminal's settings before raw mode. Global because the atexit handler and the
 * signal handlers must restore them whatever else is going on; `saved` says they are valid.
 */
static struct {
    struct termios tio;
    volatile sig_atomic_t saved;
} console_tty;

static void console_tty_restore(void)
{
    if (console_tty.saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &console_tty.tio);
        console_tty.saved = 0;
    }
}

static void console_on_signal(int sig)
{
    console_tty_restore();
    _exit(128 + sig);
}

/* Raw both ways: keys go to the guest as typed (Ctrl-C included), and its output (which
 * ends lines with CR LF itself, as a serial line does) reaches the screen unchanged. */
static void console_tty_raw(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa = { .sa_handler = console_on_signal };
    struct termios tio;

    if (tcgetattr(STDIN_FILENO, &console_tty.tio) != 0) {
        return;
    }
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    atexit(console_tty_restore);
    tio = console_tty.tio;
    cfmakeraw(&tio);
    console_tty.saved = 1;
    tcsetattr(STDIN_FILENO, TCSANOW, &tio);
}

static bool console_write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = fd == STDOUT_FILENO ? write(fd, buf, len)
                                        : send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Connects to the console socket at PATH; -1 after the message. */
static int console_connect(const char *name, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        return fd;
    }
    cli_error("console: cannot connect to %s's console %s: %s", name, path, g_strerror(errno));
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

typedef enum ConsoleEnd { CONSOLE_GOING, CONSOLE_DETACHED, CONSOLE_CLOSED, CONSOLE_EOF } ConsoleEnd;

/* Keys to the guest, up to a Ctrl-] (on a terminal). */
static ConsoleEnd console_from_user(int sock, bool tty)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    char *detach;

    if (n < 0 && errno == EINTR) {
        return CONSOLE_GOING;
    }
    if (n <= 0) {
        return CONSOLE_EOF;
    }
    detach = tty ? memchr(buf, CONSOLE_DETACH, (size_t)n) : NULL;
    if (!console_write_all(sock, buf, detach ? (size_t)(detach - buf) : (size_t)n)) {
        return CONSOLE_CLOSED;
    }
    return detach ? CONSOLE_DETACHED : CONSOLE_GOING;
}

/* The guest's output to the terminal. */
static ConsoleEnd console_from_guest(int sock)
{
    char buf[4096];
    ssize_t n = recv(sock, buf, sizeof(buf), 0);

    if (n < 0 && errno == EINTR) {
        return CONSOLE_GOING;
    }
    if (n <= 0 || !console_write_all(STDOUT_FILENO, buf, (size_t)n)) {
        return CONSOLE_CLOSED;
    }
    return CONSOLE_GOING;
}

/* Relays both ways until a detach, the guest's end, or (not a terminal) stdin's end and
 * a quiet second. */
static ConsoleEnd console_relay(int sock, bool tty)
{
    bool in_open = true;

    for (;;) {
        struct pollfd fds[2] = {
            { .fd = sock, .events = POLLIN },
            { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
        };
        int r = poll(fds, 2, in_open ? -1 : CONSOLE_LINGER_MS);
        ConsoleEnd end = CONSOLE_GOING;

        if (r == 0) {
            return CONSOLE_EOF;
        }
        if (r < 0 && errno != EINTR) {
            return CONSOLE_CLOSED;
        }
        if (r > 0 && fds[0].revents) {
            end = console_from_guest(sock);
        }
        if (end == CONSOLE_GOING && r > 0 && fds[1].revents) {
            end = console_from_user(sock, tty);
        }
        if (end == CONSOLE_EOF && !tty) {
            in_open = false;
        } else if (end != CONSOLE_GOING) {
            return end;
        }
    }
}

int console_attach(const char *name, const char *path)
{
    bool tty = isatty(STDIN_FILENO);
    int sock = console_connect(name, path);
    ConsoleEnd end;

    if (sock < 0) {
        return CLI_EXIT_FAILURE;
    }
    if (tty) {
        console_tty_raw();
        fprintf(stderr, "wirt: connected to %s's console; Ctrl-] detaches\r\n", name);
    }
    end = console_relay(sock, tty);
    close(sock);
    console_tty_restore();
    if (end == CONSOLE_DETACHED) {
        fprintf(stderr, "\nwirt: detached from %s's console (it keeps running)\n", name);
    } else if (end == CONSOLE_CLOSED) {
        fprintf(stderr, "\nwirt: %s's console closed (the guest stopped)\n", name);
    }
    return CLI_EXIT_OK;
}

/* COM1's console socket, from the guest's status; NULL after the message. */
static char *console_path(const char *name, int *status)
{
    g_autoptr(ControlConn) conn = client_connect("console", name, status);
    g_autoptr(JsonNode) reply = NULL;
    const char *path;
    bool attached = false;

    if (!conn || !(reply = client_call(conn, "console", "status", NULL, CLIENT_TIMEOUT_MS,
                                       status))) {
        return NULL;
    }
    path = json_get_string(json_lookup(reply, "result", "console", NULL), NULL);
    if (!path) {
        cli_error("console: %s has no console socket (its COM1 is not on a unix: back-end; "
                  "a guest started by 'wirt create' has one)", name);
        *status = CLI_EXIT_FAILURE;
        return NULL;
    }
    if (json_get_bool(json_lookup(reply, "result", "console_attached", NULL), &attached) &&
        attached) {
        cli_error("console: %s's console is in use by another client (detach that one "
                  "with Ctrl-] first)", name);
        *status = CLI_EXIT_FAILURE;
        return NULL;
    }
    if (!g_strcmp0(json_get_string(json_lookup(reply, "result", "state", NULL), NULL),
                   "paused")) {
        fprintf(stderr, "wirt: %s is paused: its console answers once 'wirt unpause %s' "
                "resumes it\n", name, name);
    }
    return g_strdup(path);
}

int cmd_console(int argc, char **argv)
{
    static const GOptionEntry entries[] = { { NULL } };
    g_autofree char *path = NULL;
    int status = CLI_EXIT_OK;

    if (!cli_parse("console", "NAME", "Attach to a guest's serial console (Ctrl-] detaches).",
                   entries, &argc, &argv) || !client_check_args("console", argc, 1, "NAME")) {
        return CLI_EXIT_USAGE;
    }
    if (!(path = console_path(argv[1], &status))) {
        return status;
    }
    return console_attach(argv[1], path);
}
