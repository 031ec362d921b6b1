/*
 * What the control socket's server (vm/control.c), client (vm/control_client.c) and
 * runtime-directory code (vm/control_dir.c) share; private to those three files.
 */
#ifndef WIRT_VM_CONTROL_PRIV_H
#define WIRT_VM_CONTROL_PRIV_H

#include <sys/un.h>

#include "vm/control.h"

/* strcmp for g_ptr_array_sort over strings. */
gint control_compare_strings(gconstpointer a, gconstpointer b);
/* control_name_valid as a GError (CONTROL_ERROR_NAME) naming the name. */
bool control_check_name(const char *name, GError **err);
/*
 * Opens the runtime directory DIR, creating it (0700) when CREATE, and checks it. Returns
 * the descriptor (for flock), or -1 with *ERR set; *ERR is CONTROL_ERROR_NOT_RUNNING when
 * the directory does not exist and CREATE is false.
 */
int control_dir_open(const char *dir, bool create, GError **err);
/* The socket address of PATH; false when it does not fit. */
bool control_sockaddr(const char *path, struct sockaddr_un *sa);
/* DIR/NAME.sock, checked to fit a socket address. */
char *control_socket_path(const char *dir, const char *name, GError **err);
/* Non-blocking and close-on-exec. */
void control_set_nonblock(int fd);
/* Makes PATH free for guest NAME: absent, or a stale socket that is removed. */
bool control_claim(const char *path, const char *name, GError **err);

#endif
