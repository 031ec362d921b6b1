/*
 * Background guests: starting `wirt run` as a daemon and waiting for it to be ready (the
 * parent, `wirt create` and `wirt restore`), and the daemon's own side (its console
 * socket, its log file, the ready line). The daemon is a fresh exec of this wirt, so it
 * shares nothing with the parent but the environment and the terminal's stderr until it
 * is ready.
 */
#include "frontends/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frontends/cli.h"
#include "vm/control.h"

#define DAEMON_NAME_MAX (CONTROL_NAME_MAX + 1)

/* RUNDIR/NAME.SUFFIX. */
static char *daemon_path(const char *name, const char *suffix, GError **err)
{
    g_autofree char *dir = control_dir(err);

    return dir ? g_strdup_printf("%s/%s.%s", dir, name, suffix) : NULL;
}

char *daemon_console_spec(const char *name, GError **err)
{
    g_autofree char *path = daemon_path(name, "console", err);

    return path ? g_strconcat("unix:", path, NULL) : NULL;
}

int daemon_open_log(const char *name, GError **err)
{
    g_autofree char *path = daemon_path(name, "log", err);
    g_autofree char *old = path ? g_strconcat(path, ".1", NULL) : NULL;
    int fd;

    if (!path) {
        return -1;
    }
    if (rename(path, old) != 0 && errno != ENOENT) {
        unlink(path);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create the "
                    "log file %s: %s", path, g_strerror(errno));
    }
    return fd;
}

void daemon_ready(int ready_fd, int log_fd, const char *name)
{
    g_autofree char *line = g_strdup_printf("%s\n", name);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    fflush(stdout);
    fflush(stderr);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        close(null_fd);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    if (write(ready_fd, line, strlen(line)) < 0) {
        /* the parent gave up waiting: nothing to tell */
    }
    close(ready_fd);
}

/* This wirt's executable. */
static char *daemon_self(GError **err)
{
    return g_file_read_link("/proc/self/exe", err);
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void daemon_child(char *const *argv, int ready_fd)
{
    int null_fd = open("/dev/null", O_RDWR);
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    sigset_t none;

    setsid();
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        signal(sigs[i], SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
    }
    fcntl(ready_fd, F_SETFD, 0);
    execv(argv[0], argv);
    _exit(127);
}

/* Reads the ready line from FD: the guest's name, or NULL at EOF. */
static char *daemon_read_ready(int fd)
{
    char buf[DAEMON_NAME_MAX + 1];
    size_t len = 0;

    while (len < sizeof(buf)) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        len += (size_t)n;
        if (memchr(buf, '\n', len)) {
            return g_strndup(buf, (size_t)((char *)memchr(buf, '\n', len) - buf));
        }
    }
    return NULL;
}

/* The child ended before it was ready: its exit status to pass on. */
static int daemon_reap(pid_t pid, GError **err)
{
    int ws = 0;

    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "the guest process could not "
                    "start wirt");
        return CLI_EXIT_FAILURE;
    }
    if (WIFEXITED(ws)) {
        return WEXITSTATUS(ws) ? WEXITSTATUS(ws) : CLI_EXIT_FAILURE;
    }
    g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "the guest process was killed by "
                "signal %d before it was ready", WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return CLI_EXIT_FAILURE;
}

char *daemon_spawn(const char *const *run_args, pid_t *pid, int *status, GError **err)
{
    g_autofree char *self = daemon_self(err);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    int fds[2];
    char *name;

    *status = CLI_EXIT_FAILURE;
    if (!self || pipe(fds) != 0) {
        if (self) {
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s",
                        g_strerror(errno));
        }
        return NULL;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    g_ptr_array_add(argv, g_steal_pointer(&self));
    g_ptr_array_add(argv, g_strdup("run"));
    for (size_t i = 0; run_args[i]; i++) {
        g_ptr_array_add(argv, g_strdup(run_args[i]));
    }
    g_ptr_array_add(argv, g_strdup_printf("--daemon-ready-fd=%d", fds[1]));
    g_ptr_array_add(argv, NULL);
    fflush(stdout);
    fflush(stderr);
    *pid = fork();
    if (*pid == 0) {
        close(fds[0]);
        daemon_child((char *const *)argv->pdata, fds[1]);
    }
    close(fds[1]);
    if (*pid < 0) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK, "fork: %s", g_strerror(errno));
        close(fds[0]);
        return NULL;
    }
    name = daemon_read_ready(fds[0]);
    close(fds[0]);
    if (!name) {
        *status = daemon_reap(*pid, err);
    }
    return name;
}
