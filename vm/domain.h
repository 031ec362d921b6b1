/*
 * The guest as a managed domain (in the spirit of Xen's toolstack): a guest with a name
 * has a control socket (vm/control.h) whose commands report and change its run state:
 * status, pause, unpause, save, shutdown, destroy and reset (docs/control-protocol.md,
 * "Guest commands"). The run loop (vm/run.c) polls the socket with the guest's other host
 * input, keeps a paused guest off the CPU and its clock stopped, and ends the run when a
 * command asks it to.
 */
#ifndef WIRT_VM_DOMAIN_H
#define WIRT_VM_DOMAIN_H

#include <poll.h>

#include "vm/control.h"
#include "vm/machine.h"

typedef struct Domain {
    Machine *m;
    const MachineConfig *cfg;
    Control control;
    bool paused;            /* `pause`: the CPU does not run and virtual time stands still */
    bool shutting_down;     /* `shutdown` sent Ctrl-Alt-Del: a reset now powers off */
    const char *stop_reason;/* a command ended the run: "destroyed", "saved" */
    int64_t started_ns;     /* host monotonic time the domain was opened */
} Domain;

/*
 * Opens the control socket of guest CFG->name for M (which CFG builds) and registers the
 * guest commands. Fails (CONTROL_ERROR_RUNNING) when a guest of that name is running.
 * M need not be built yet; the commands run only inside the run loop.
 */
Domain *domain_open(Machine *m, const MachineConfig *cfg, GError **err);
/* Tells subscribed clients the run ended with STATUS, flushes the last replies, removes
 * the socket and frees D. NULL is fine. */
void domain_close(Domain *d, int status);

/* The run loop's side; all take NULL (no domain) and then do nothing. */
int domain_poll_fds(const Domain *d, struct pollfd *fds, int max);
/* Answers what the control socket has ready now, without blocking. */
void domain_service(Domain *d);
bool domain_paused(const Domain *d);
bool domain_shutting_down(const Domain *d);
/* A control command can still arrive (something that may wake a halted guest). */
bool domain_listening(const Domain *d);

#endif
