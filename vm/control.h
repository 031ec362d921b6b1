/*
 * The per-guest control socket (docs/control-protocol.md): a listening Unix socket
 * $XDG_RUNTIME_DIR/wirt/NAME.sock (or /run/wirt/NAME.sock for root) that speaks
 * line-delimited JSON. A client sends one request object per line, the guest answers each
 * with one reply line and, to clients that subscribed, sends event lines.
 *
 * The server side is driven by the machine thread and never blocks it: the run loop adds
 * control_poll_fds() to its poll() and calls control_service(), which accepts clients,
 * reads what is ready, dispatches complete lines to the handlers registered with
 * control_register(), and queues the replies in a capped per-client buffer. The client
 * side (control_connect(), control_request()) is in vm/control_client.h; both share the
 * names and the runtime directory of vm/control_dir.c.
 */
#ifndef WIRT_VM_CONTROL_H
#define WIRT_VM_CONTROL_H

#include <glib.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/jsonwriter.h"

#define CONTROL_PROTOCOL_VERSION 1
#define CONTROL_NAME_MAX 64                 /* bytes in a guest name */
#define CONTROL_MAX_LINE (64 * 1024)        /* request bytes per line, without the newline */
#define CONTROL_MAX_CLIENTS 16              /* connections at once; more are refused */
#define CONTROL_OUT_MAX (1024 * 1024)       /* unsent bytes a client may fall behind by */
#define CONTROL_POLL_MAX (1 + CONTROL_MAX_CLIENTS)  /* pollfd entries control_poll_fds fills */
#define CONTROL_CLOSE_FLUSH_MS 200          /* control_close's wait for replies to drain */

#define CONTROL_ERROR (control_error_quark())
typedef enum ControlError {
    CONTROL_ERROR_NAME,         /* not a valid guest name */
    CONTROL_ERROR_DIR,          /* the runtime directory is missing, unsafe or unusable */
    CONTROL_ERROR_RUNNING,      /* control_open: a guest of that name is running */
    CONTROL_ERROR_NOT_RUNNING,  /* control_connect: no guest of that name is running */
    CONTROL_ERROR_SOCKET,       /* a socket call failed */
    CONTROL_ERROR_TIMEOUT,      /* control_request: no reply in time */
    CONTROL_ERROR_PROTOCOL,     /* the peer broke the protocol or hung up */
    CONTROL_ERROR_REMOTE,       /* control_reply_check: the guest answered ok:false */
} ControlError;

GQuark control_error_quark(void);

/* What a handler fills in: a result object (the default, empty) or an error. */
typedef struct ControlReply {
    JsonWriter result;      /* inside the "result" object: add members with keys */
    char *code;             /* set by control_reply_error: the reply is an error */
    char *message;
} ControlReply;

/* The result object to add members to (jw_int(w, "pc", ...)). */
JsonWriter *control_reply_result(ControlReply *r);
/*
 * Makes the reply an error with CODE ("failed" for a command that could not be done,
 * "bad-args" for arguments it rejects, or a command's own code). The first call wins.
 */
void control_reply_error(ControlReply *r, const char *code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * A command. ARGS is the request's "args" object, or NULL when the request had none
 * (json_object_get(NULL, ...) returns NULL, so handlers need not care). Handlers run on
 * the machine thread inside control_service(); they may call control_broadcast_event()
 * but not control_close().
 */
typedef void (*ControlHandler)(const JsonNode *args, ControlReply *reply, void *opaque);

typedef struct ControlClient ControlClient;
typedef struct ControlCommand ControlCommand;

/* One guest's control socket. Zero-initialise it (or control_close it) before use. */
typedef struct Control {
    bool open;
    char *name;
    char *dir;              /* the runtime directory */
    char *path;             /* DIR/NAME.sock */
    int listen_fd;          /* valid while open */
    ControlClient *clients[CONTROL_MAX_CLIENTS];
    GPtrArray *commands;    /* ControlCommand: registered handlers */
    uint64_t requests;      /* requests answered, for statistics and tests */
} Control;

/* Whether NAME is a valid guest name ([A-Za-z0-9_.-]{1,64}, no leading '.'); *WHY (may
 * be NULL) says what is wrong, for the caller to prefix with where the name came from. */
bool control_name_valid(const char *name, char **why);

/* The runtime directory clients look in: $XDG_RUNTIME_DIR/wirt, or /run/wirt for root
 * without XDG_RUNTIME_DIR. NULL with *ERR when neither applies. Does not create it. */
char *control_dir(GError **err);

/*
 * Creates the runtime directory if needed (0700; refuses one owned by someone else or open
 * to group or others) and listens on DIR/NAME.sock (0600). A socket of that name that a
 * live process answers means the guest is already running (CONTROL_ERROR_RUNNING); one
 * that refuses connections is stale and is replaced.
 */
bool control_open(Control *c, const char *name, GError **err);
/* Flushes queued replies for up to CONTROL_CLOSE_FLUSH_MS, disconnects every client,
 * removes the socket and frees everything, registered commands included. Safe on a
 * zeroed or already closed Control. */
void control_close(Control *c);

/* Adds command CMD (replacing an earlier handler of that name). The built-in commands
 * hello, subscribe and unsubscribe cannot be replaced. Works before or after open. */
void control_register(Control *c, const char *cmd, ControlHandler fn, void *opaque);

/* Fills up to MAX entries of FDS with the descriptors to wait on (the listening socket
 * first, then each client: POLLIN, plus POLLOUT while it has output queued). */
int control_poll_fds(const Control *c, struct pollfd *fds, int max);
/*
 * Does whatever is ready now without blocking: accepts clients, reads their input,
 * answers every complete request line, writes queued output, drops clients that hung up,
 * broke the limits or stopped reading. Safe to call at any time. Returns the number of
 * requests answered.
 */
unsigned control_service(Control *c);
/* Waits up to TIMEOUT_MS for queued output to drain (for a reply sent just before exit). */
void control_flush(Control *c, int timeout_ms);

/* Sends {"event": EVENT, "data": DATA} to every subscribed client. DATA_JSON is the text
 * of a JSON object (from a JsonWriter, say), or NULL for {}. */
void control_broadcast_event(Control *c, const char *event, const char *data_json);

/* Connected clients, for statistics and tests. */
unsigned control_client_count(const Control *c);

/* ---- the runtime directory, for the clients (vm/control_dir.c) ---- */

/* The guest names that have a socket in the runtime directory, sorted and
 * NULL-terminated (empty when the directory does not exist). Some may be stale. */
char **control_list_sockets(GError **err);
/* Removes NAME's socket if no process answers on it. Returns whether it did. */
bool control_remove_stale(const char *name);

#endif
