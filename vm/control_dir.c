/*
 * Guest names and the control sockets' runtime directory (docs/control-protocol.md, "Where
 * the socket is"): the name rule, the private 0700 directory and its checks, socket paths,
 * and telling a live guest's socket from a stale one. Shared by the server (vm/control.c)
 * and the client (vm/control_client.c).
 */
#include "vm/control_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONTROL_NAME_RULE "1 to 64 letters, digits, '_', '.' or '-', not starting with '.'"

G_DEFINE_QUARK(wirt-control-error-quark, control_error)

gint control_compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool control_name_valid(const char *name, char **why)
{
    size_t len = strlen(name);
    char *reason = NULL;

    if (len == 0) {
        reason = g_strdup("is empty");
    } else if (len > CONTROL_NAME_MAX) {
        reason = g_strdup_printf("is %zu bytes long", len);
    } else if (name[0] == '.') {
        reason = g_strdup("starts with '.'");
    }
    for (size_t i = 0; !reason && i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!g_ascii_isalnum(ch) && ch != '_' && ch != '.' && ch != '-') {
            reason = g_ascii_isprint(ch) ? g_strdup_printf("contains '%c'", ch)
                                         : g_strdup_printf("contains byte 0x%02x", ch);
        }
    }
    if (reason && why) {
        *why = g_strdup_printf("%s (a guest name is %s)", reason, CONTROL_NAME_RULE);
    }
    g_free(reason);
    return !reason;
}

bool control_check_name(const char *name, GError **err)
{
    g_autofree char *why = NULL;

    if (!control_name_valid(name, &why)) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_NAME, "guest name '%s' %s", name, why);
        return false;
    }
    return true;
}

char *control_dir(GError **err)
{
    const char *xdg = g_getenv("XDG_RUNTIME_DIR");

    if (xdg && *xdg && !g_path_is_absolute(xdg)) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                    "XDG_RUNTIME_DIR '%s' is not an absolute path", xdg);
        return NULL;
    }
    if (xdg && *xdg) {
        return g_build_filename(xdg, "wirt", NULL);
    }
    if (geteuid() == 0) {
        return g_strdup("/run/wirt");
    }
    g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                "XDG_RUNTIME_DIR is not set, so there is no private directory for control "
                "sockets (set it, or run as root to use /run/wirt)");
    return NULL;
}

/* Checks that DIR (open as FD) is a directory only we can enter. */
static bool control_dir_check(int fd, const char *dir, GError **err)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR, "%s: %s", dir, g_strerror(errno));
        return false;
    }
    if (st.st_uid != geteuid()) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                    "%s belongs to uid %u, not to you (uid %u): refusing to use it for "
                    "control sockets", dir, (unsigned)st.st_uid, (unsigned)geteuid());
        return false;
    }
    if (st.st_mode & 077) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                    "%s has mode %04o, which lets other users in: expected 0700 "
                    "(chmod 700 %s)", dir, (unsigned)(st.st_mode & 07777), dir);
        return false;
    }
    return true;
}

/*
 * Opens the runtime directory DIR, creating it (0700) when CREATE, and checks it. Returns
 * the descriptor (for flock), or -1 with *ERR set; *ERR is CONTROL_ERROR_NOT_RUNNING when
 * the directory does not exist and CREATE is false.
 */
int control_dir_open(const char *dir, bool create, GError **err)
{
    int fd;

    if (create && mkdir(dir, 0700) == 0) {
        chmod(dir, 0700);       /* whatever the umask did to it */
    } else if (create && errno != EEXIST) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR, "cannot create %s: %s", dir,
                    g_strerror(errno));
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        struct stat st;
        bool link = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
        g_set_error(err, CONTROL_ERROR,
                    e == ENOENT ? CONTROL_ERROR_NOT_RUNNING : CONTROL_ERROR_DIR, "%s: %s",
                    dir, link ? "is a symbolic link, expected a directory" : g_strerror(e));
        return -1;
    }
    if (!control_dir_check(fd, dir, err)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The socket address of PATH; false when it does not fit. */
bool control_sockaddr(const char *path, struct sockaddr_un *sa)
{
    *sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
    return g_strlcpy(sa->sun_path, path, sizeof(sa->sun_path)) < sizeof(sa->sun_path);
}

/* The socket path of guest NAME, checked to fit a socket address. */
char *control_socket_path(const char *dir, const char *name, GError **err)
{
    char *path = g_strdup_printf("%s/%s.sock", dir, name);
    struct sockaddr_un sa;

    if (!control_sockaddr(path, &sa)) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                    "control socket path %s is too long (%zu bytes, at most %zu): use a "
                    "shorter guest name or XDG_RUNTIME_DIR", path, strlen(path),
                    sizeof(sa.sun_path) - 1);
        g_free(path);
        return NULL;
    }
    return path;
}

void control_set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Knocks on the socket at PATH: 0 when a process listens, else the connect errno. */
static int control_probe(const char *path)
{
    struct sockaddr_un sa;
    int fd, e = 0;

    if (!control_sockaddr(path, &sa)) {
        return ENAMETOOLONG;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return errno;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        e = errno;
    }
    close(fd);
    /* A full backlog still means somebody is listening. */
    return e == EAGAIN || e == EINPROGRESS ? 0 : e;
}

/* Makes PATH free for guest NAME: absent, or a stale socket that is removed. */
bool control_claim(const char *path, const char *name, GError **err)
{
    struct stat st;
    int e;

    if (lstat(path, &st) != 0) {
        return true;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_DIR,
                    "%s exists and is not a socket: remove it", path);
        return false;
    }
    e = control_probe(path);
    if (e == 0) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_RUNNING,
                    "a guest named %s is already running (control socket %s)", name, path);
        return false;
    }
    if (e != ECONNREFUSED && e != ENOENT) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_SOCKET, "cannot check %s: %s", path,
                    g_strerror(e));
        return false;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        g_set_error(err, CONTROL_ERROR, CONTROL_ERROR_SOCKET,
                    "cannot remove the stale socket %s: %s", path, g_strerror(errno));
        return false;
    }
    return true;
}

char **control_list_sockets(GError **err)
{
    g_autofree char *dir = control_dir(err);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GError *local = NULL;
    const char *entry;
    GDir *d;
    int dfd;

    if (!dir) {
        return NULL;
    }
    dfd = control_dir_open(dir, false, &local);
    if (dfd < 0 && local->code == CONTROL_ERROR_NOT_RUNNING) {
        g_clear_error(&local);
        return g_new0(char *, 1);       /* no directory: no guests */
    }
    if (dfd < 0) {
        g_propagate_error(err, local);
        return NULL;
    }
    close(dfd);
    d = g_dir_open(dir, 0, err);
    if (!d) {
        return NULL;
    }
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *name = g_str_has_suffix(entry, ".sock")
                                    ? g_strndup(entry, strlen(entry) - 5) : NULL;
        if (name && control_name_valid(name, NULL)) {
            g_ptr_array_add(names, g_steal_pointer(&name));
        }
    }
    g_dir_close(d);
    g_ptr_array_sort(names, control_compare_strings);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

bool control_remove_stale(const char *name)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    struct stat st;
    bool removed;
    int dfd;

    if (!control_name_valid(name, NULL) || !(dir = control_dir(NULL)) ||
        !(path = control_socket_path(dir, name, NULL))) {
        return false;
    }
    dfd = control_dir_open(dir, false, NULL);
    if (dfd < 0) {
        return false;
    }
    flock(dfd, LOCK_EX);
    removed = lstat(path, &st) == 0 && control_claim(path, name, NULL);
    close(dfd);
    return removed;
}
