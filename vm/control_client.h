/*
 * The control socket's client side, for the frontends (`wirt list`, `wirt pause`, ...):
 * a connection to one guest by name, requests with a timeout, events, reply checks.
 */
#ifndef WIRT_VM_CONTROL_CLIENT_H
#define WIRT_VM_CONTROL_CLIENT_H

#include "vm/control.h"

#define CONTROL_CONN_MAX_EVENTS 1024   /* events kept for control_read_message */

/* A connection to a guest's control socket. */
typedef struct ControlConn {
    int fd;
    GString *in;            /* bytes received after the last whole line */
    GQueue events;          /* JsonNode: events that arrived while awaiting a reply */
    int64_t next_id;        /* the id of the next request */
} ControlConn;

/* Connects to guest NAME (CONTROL_ERROR_NOT_RUNNING when it is not running). */
ControlConn *control_connect(const char *name, GError **err);
/* Wraps an already connected stream socket, which the ControlConn then owns. */
ControlConn *control_conn_new(int fd);
void control_conn_close(ControlConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ControlConn, control_conn_close)

/*
 * Sends request CMD with ARGS_JSON (the text of a JSON object, or NULL for none) and
 * waits up to TIMEOUT_MS (-1: forever) for its reply. Events that arrive meanwhile are
 * kept for control_read_message (the newest CONTROL_CONN_MAX_EVENTS); other replies are
 * skipped. A connection-level error (id null: the guest refused the connection or could
 * not read the line) also counts as the reply. *REPLY_OUT is the whole reply object;
 * whether the command succeeded is its "ok" member (see control_reply_check).
 */
bool control_request(ControlConn *conn, const char *cmd, const char *args_json,
                     JsonNode **reply_out, int timeout_ms, GError **err);
/* The next message: a kept event, else the next line read (a reply or an event) as a JSON
 * object, waiting up to TIMEOUT_MS. */
JsonNode *control_read_message(ControlConn *conn, int timeout_ms, GError **err);
/* For a reply: its "result" member when "ok" is true; otherwise NULL and *ERR holds
 * CONTROL_ERROR_REMOTE "CODE: MESSAGE". */
const JsonNode *control_reply_check(const JsonNode *reply, GError **err);

#endif
