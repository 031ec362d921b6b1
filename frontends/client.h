/*
 * The toolstack commands' side of the control socket (vm/control_client.h): connecting to
 * a guest by name, one request at a time with its error said on one line, waiting for a
 * guest to stop. Every failure is printed as "wirt: CMD: ..." and turned into an exit
 * status: 2 when no such guest runs (a bad name on the command line), 1 when the guest
 * refused or did not answer.
 */
#ifndef WIRT_FRONTENDS_CLIENT_H
#define WIRT_FRONTENDS_CLIENT_H

#include <sys/types.h>

#include "vm/control_client.h"

#define CLIENT_TIMEOUT_MS 10000     /* a running guest answers well within this */

/* Connects to guest NAME for subcommand CMD; NULL (after the message) with *STATUS set. */
ControlConn *client_connect(const char *cmd, const char *name, int *status);

/*
 * Sends REQ (with ARGS_JSON, or NULL) and returns the whole reply when the guest did it;
 * NULL (after the message) with *STATUS set otherwise. The reply's "result" is
 * json_object_get(reply, "result").
 */
JsonNode *client_call(ControlConn *conn, const char *cmd, const char *req,
                      const char *args_json, int timeout_ms, int *status);

/* Waits up to TIMEOUT_MS (-1: forever) for the guest to close the connection, which it
 * does as its process ends. Events are read and dropped meanwhile. */
bool client_wait_closed(ControlConn *conn, int timeout_ms);

/* The process at the other end (the guest's wirt), or -1. */
pid_t client_peer_pid(const ControlConn *conn);

/* Whether ARGC - 1 arguments are left after the options, WANT of them; else one line
 * naming USAGE ("NAME FILE"). */
bool client_check_args(const char *cmd, int argc, int want, const char *usage);

#endif
