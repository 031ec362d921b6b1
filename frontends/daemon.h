/*
 * Background guests (`wirt create`, `wirt restore`): the parent starts `wirt run ...
 * --daemon-ready-fd N` in a new session and waits for its ready line; the child, once its
 * control socket is open and its machine built, moves its output into the guest's log
 * file and writes that line. Errors before that point reach the user's terminal directly.
 */
#ifndef WIRT_FRONTENDS_DAEMON_H
#define WIRT_FRONTENDS_DAEMON_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Starts `wirt run RUN_ARGS... --daemon-ready-fd N` detached from this terminal and waits
 * until it is ready. Returns the guest's name (free with g_free) and its process in *PID;
 * NULL when it did not get ready, with *STATUS the exit status to give (the child has
 * already said why on stderr, or *ERR has a message when starting it failed).
 */
char *daemon_spawn(const char *const *run_args, pid_t *pid, int *status, GError **err);

/* The child's side. COM1's console socket for guest NAME: "unix:RUNDIR/NAME.console". */
char *daemon_console_spec(const char *name, GError **err);
/* Opens RUNDIR/NAME.log (keeping the previous one as NAME.log.1). Returns the descriptor. */
int daemon_open_log(const char *name, GError **err);
/* Stdout and stderr to LOG_FD from now on, stdin from /dev/null, and "NAME\n" to READY_FD,
 * which is closed: the parent goes on. */
void daemon_ready(int ready_fd, int log_fd, const char *name);

#endif
