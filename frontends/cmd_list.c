/*
 * `wirt list [NAME...]`: the running guests, one line each, as Xen's `xm list` shows
 * domains: name, id (the wirt process), memory in MiB, vCPUs, state flags and the CPU
 * seconds used. Every socket in the runtime directory is asked; a stale one (its wirt
 * died) is removed.
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "frontends/client.h"

#define LIST_TIMEOUT_MS 5000

/* xm's state flags: r running, b blocked (idle in HLT), p paused, s shutting down. */
static const struct {
    const char *state;
    const char *flags;
} list_states[] = {
    { "running", "r-----" },
    { "idle", "-b----" },
    { "paused", "--p---" },
    { "shutting-down", "---s--" },
};

static const char *list_flags(const char *state)
{
    for (size_t i = 0; state && i < G_N_ELEMENTS(list_states); i++) {
        if (!strcmp(list_states[i].state, state)) {
            return list_states[i].flags;
        }
    }
    return "------";
}

/* One guest's line, or nothing when its socket is stale. Returns false on a failure. */
static bool list_guest(const char *name)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ControlConn) conn = control_connect(name, &err);
    g_autoptr(JsonNode) reply = NULL;
    const JsonNode *res;
    int64_t pid = 0, mib = 0, vcpus = 0, cpu_ns = 0;

    if (!conn && g_error_matches(err, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING)) {
        control_remove_stale(name);
        return true;
    }
    if (!conn || !control_request(conn, "status", NULL, &reply, LIST_TIMEOUT_MS, &err) ||
        !(res = control_reply_check(reply, &err))) {
        cli_error("list: %s: %s", name, err->message);
        return false;
    }
    json_get_int(json_object_get(res, "pid"), &pid);
    json_get_int(json_object_get(res, "memory_mib"), &mib);
    json_get_int(json_object_get(res, "vcpus"), &vcpus);
    json_get_int(json_object_get(res, "cpu_ns"), &cpu_ns);
    printf("%-32s %7" G_GINT64_FORMAT " %6" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %10s %9.1f\n",
           name, (gint64)pid, (gint64)mib, (gint64)vcpus,
           list_flags(json_get_string(json_object_get(res, "state"), NULL)),
           (double)cpu_ns / 1e9);
    return true;
}

/* Whether NAME is among the ARGC - 1 names asked for (all when none were). */
static bool list_wanted(const char *name, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], name)) {
            return true;
        }
    }
    return argc <= 1;
}

int cmd_list(int argc, char **argv)
{
    static const GOptionEntry entries[] = { { NULL } };
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) names = NULL;
    int status = CLI_EXIT_OK;

    if (!cli_parse("list", "[NAME...]", "List the running guests.", entries, &argc, &argv)) {
        return CLI_EXIT_USAGE;
    }
    if (!(names = control_list_sockets(&err))) {
        cli_error("list: %s", err->message);
        return CLI_EXIT_FAILURE;
    }
    printf("%-32s %7s %6s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (size_t i = 0; names[i]; i++) {
        if (list_wanted(names[i], argc, argv) && !list_guest(names[i])) {
            status = CLI_EXIT_FAILURE;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (!g_strv_contains((const char *const *)names, argv[i])) {
            cli_error("list: no guest named %s is running", argv[i]);
            status = CLI_EXIT_USAGE;
        }
    }
    return status;
}
