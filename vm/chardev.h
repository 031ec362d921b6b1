/*
 * Serial back-ends: where a UART's output goes and its input comes from on the host.
 * `stdio` (the terminal, raw when it is one, with QEMU's Ctrl-a escapes), `file:PATH`
 * (output only), `unix:PATH` (a listening Unix socket, one client at a time) and `none`.
 * Output to the terminal and to files is written at once. A socket client is sent output
 * without blocking: what it does not take waits in a backlog of CHARDEV_BACKLOG bytes,
 * whose oldest bytes give way when it is full (a client that stops reading loses output,
 * as a serial line without flow control does, but never stops the machine). A second
 * client while one is attached is told the console is in use and closed. Input is read
 * without blocking by the run loop, which hands it to the input funnel (vm/input.h),
 * never to a device.
 */
#ifndef WIRT_VM_CHARDEV_H
#define WIRT_VM_CHARDEV_H

#include <glib.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ChardevKind {
    CHARDEV_NONE,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_UNIX,
} ChardevKind;

typedef struct Chardev {
    ChardevKind kind;
    char *path;             /* file: and unix: */
    int in_fd;              /* input: stdin until EOF, the unix client; -1 when none */
    int out_fd;             /* output: stdout, the file, the unix client; -1 when none */
    int listen_fd;          /* unix: the listening socket */
    uint64_t sock_ino;      /* unix: its inode, so that close removes only our own */
    bool tty;               /* stdio on a terminal: raw mode and Ctrl-a escapes */
    bool escape;            /* Ctrl-a seen, the next byte is a command */
    bool quit;              /* Ctrl-a x */
    bool broken;            /* stdio, file: whoever read the output went away (EPIPE) */
    uint8_t *backlog;       /* unix: output the client has not taken yet (a ring) */
    size_t backlog_head, backlog_len;
    uint64_t dropped;       /* unix: bytes the current client lost to a full backlog */
} Chardev;

#define CHARDEV_BACKLOG (64 * 1024)
#define CHARDEV_POLL_MAX 2  /* pollfd entries one back-end may ask for */

/* Checks a back-end spec without opening it; *WHY says what was expected. */
bool chardev_check_spec(const char *spec, char **why);
/* Opens the back-end SPEC (checked by chardev_check_spec). */
Chardev *chardev_open(const char *spec, GError **err);
/* Closes it, restoring the terminal and removing the socket. */
void chardev_close(Chardev *c);

void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
/* Whether input may still arrive (a terminal or pipe not at EOF, a socket listening). */
bool chardev_has_input(const Chardev *c);
/* The descriptors to wait on (input, a client, room for the backlog) into PFD (room for
 * CHARDEV_POLL_MAX); returns how many. */
unsigned chardev_poll_fds(const Chardev *c, struct pollfd *pfd);
/* A unix back-end has a client attached (`wirt console` refuses a second one). */
bool chardev_attached(const Chardev *c);
/* Reads up to CAP input bytes that are ready now, without blocking; 0 when none. Also
 * takes or turns away clients and sends what the backlog holds, as far as it goes. */
size_t chardev_read(Chardev *c, uint8_t *buf, size_t cap);
/* The user typed Ctrl-a x. */
static inline bool chardev_quit_requested(const Chardev *c)
{
    return c && c->quit;
}
/* The program reading the output went away (`wirt run ... | head`). */
static inline bool chardev_output_broken(const Chardev *c)
{
    return c && c->broken;
}

#endif
