/*
 * `wirt top`: a live view of the running guests, refreshed in the terminal, as Xen's
 * `xm top`: per guest its state, guest MIPS, the virtual clock's rate against the host's,
 * blocks translated (per second and in all), interrupts and inputs per second, host CPU
 * use and uptime. The rates are differences between two `status` replies.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frontends/cli.h"
#include "frontends/client.h"

#define TOP_MAX_DELAY 3600.0

/* The numbers of one `status` reply. */
typedef struct TopSample {
    int64_t host_ns, uptime_ns, cpu_ns, insns, vtime_ns, blocks, interrupts, inputs;
} TopSample;

static const struct {
    const char *key;
    size_t offset;
} top_fields[] = {
    { "host_ns", offsetof(TopSample, host_ns) },
    { "uptime_ns", offsetof(TopSample, uptime_ns) },
    { "cpu_ns", offsetof(TopSample, cpu_ns) },
    { "insns", offsetof(TopSample, insns) },
    { "vtime_ns", offsetof(TopSample, vtime_ns) },
    { "blocks_translated", offsetof(TopSample, blocks) },
    { "interrupts", offsetof(TopSample, interrupts) },
    { "input_events", offsetof(TopSample, inputs) },
};

/* A guest being watched: its connection and its previous sample. */
typedef struct TopGuest {
    ControlConn *conn;
    TopSample last;
    bool have_last;
} TopGuest;

static void top_guest_free(gpointer data)
{
    TopGuest *g = data;

    control_conn_close(g->conn);
    g_free(g);
}

static void top_read_sample(const JsonNode *res, TopSample *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(top_fields); i++) {
        int64_t *v = G_STRUCT_MEMBER_P(s, top_fields[i].offset);
        *v = 0;
        json_get_int(json_object_get(res, top_fields[i].key), v);
    }
}

/* The field at OFFSET per second of host time since G's previous sample, times SCALE, as
 * "12.3"; "-" when there is no previous sample. */
static void top_rate(char *buf, size_t len, const TopGuest *g, const TopSample *s,
                     size_t offset, double scale)
{
    double dt = (double)(s->host_ns - g->last.host_ns) / 1e9;
    int64_t dv = G_STRUCT_MEMBER(int64_t, s, offset) - G_STRUCT_MEMBER(int64_t, &g->last, offset);

    if (!g->have_last || dt <= 0) {
        g_strlcpy(buf, "-", len);
        return;
    }
    g_snprintf(buf, len, "%.1f", (double)dv / dt * scale);
}

static void top_print_guest(const char *name, const char *state, TopGuest *g,
                            const TopSample *s)
{
    char mips[24], vrate[24], blocks[24], irqs[24], inputs[24], cpu[24];
    int64_t up = s->uptime_ns / 1000000000;

    top_rate(mips, sizeof(mips), g, s, offsetof(TopSample, insns), 1e-6);
    top_rate(vrate, sizeof(vrate), g, s, offsetof(TopSample, vtime_ns), 1e-7);
    top_rate(blocks, sizeof(blocks), g, s, offsetof(TopSample, blocks), 1);
    top_rate(irqs, sizeof(irqs), g, s, offsetof(TopSample, interrupts), 1);
    top_rate(inputs, sizeof(inputs), g, s, offsetof(TopSample, inputs), 1);
    top_rate(cpu, sizeof(cpu), g, s, offsetof(TopSample, cpu_ns), 1e-7);
    printf("%-20s %-13s %8s %7s %8s %10" G_GINT64_FORMAT " %7s %7s %6s %4" G_GINT64_FORMAT
           ":%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT "\n", name, state, mips, vrate,
           blocks, (gint64)s->blocks, irqs, inputs, cpu, (gint64)(up / 3600),
           (gint64)(up / 60 % 60), (gint64)(up % 60));
}

/* Asks guest NAME for its status and prints its line when PRINT. False when it is gone. */
static bool top_guest(GHashTable *guests, const char *name, bool print)
{
    TopGuest *g = g_hash_table_lookup(guests, name);
    g_autoptr(JsonNode) reply = NULL;
    const JsonNode *res;
    TopSample s;

    if (!g) {
        ControlConn *conn = control_connect(name, NULL);
        if (!conn) {
            control_remove_stale(name);
            return false;
        }
        g = g_new0(TopGuest, 1);
        g->conn = conn;
        g_hash_table_insert(guests, g_strdup(name), g);
    }
    if (!control_request(g->conn, "status", NULL, &reply, CLIENT_TIMEOUT_MS, NULL) ||
        !(res = control_reply_check(reply, NULL))) {
        g_hash_table_remove(guests, name);
        return false;
    }
    top_read_sample(res, &s);
    if (print) {
        top_print_guest(name, json_get_string(json_object_get(res, "state"), NULL), g, &s);
    }
    g->last = s;
    g->have_last = true;
    return true;
}

/* One round over every guest; printed as a frame when PRINT. */
static bool top_frame(GHashTable *guests, bool print)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) names = control_list_sockets(&err);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *clock = g_date_time_format(now, "%H:%M:%S");

    if (!names) {
        cli_error("top: %s", err->message);
        return false;
    }
    if (print && isatty(STDOUT_FILENO)) {
        fputs("\033[H\033[2J", stdout);
    }
    if (print) {
        printf("wirt top - %u guests - %s\n%-20s %-13s %8s %7s %8s %10s %7s %7s %6s %10s\n",
               g_strv_length(names), clock, "NAME", "STATE", "MIPS", "VTIME%", "BLOCKS/s",
               "BLOCKS", "IRQ/s", "INPUT/s", "CPU%", "UPTIME");
    }
    for (size_t i = 0; names[i]; i++) {
        top_guest(guests, names[i], print);
    }
    if (print) {
        putchar('\n');
        fflush(stdout);
    }
    return true;
}

int cmd_top(int argc, char **argv)
{
    double delay = 1.0;
    gint frames = -1;
    gboolean once = FALSE;
    const GOptionEntry entries[] = {
        { "delay", 'd', 0, G_OPTION_ARG_DOUBLE, &delay,
          "Seconds between refreshes (default 1)", "SECONDS" },
        { "iterations", 'n', 0, G_OPTION_ARG_INT, &frames,
          "Stop after N refreshes (default: until interrupted)", "N" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &once, "One refresh, then stop (-n 1)", NULL },
        { NULL },
    };
    g_autoptr(GHashTable) guests = NULL;

    if (!cli_parse("top", "", "Show the running guests' activity, refreshed.", entries,
                   &argc, &argv) || !client_check_args("top", argc, 0, "no arguments")) {
        return CLI_EXIT_USAGE;
    }
    if (!(delay > 0 && delay <= TOP_MAX_DELAY) || frames == 0 || frames < -1) {
        cli_error("top: expected a delay from 0 to %.0f seconds and 1 or more iterations",
                  TOP_MAX_DELAY);
        return CLI_EXIT_USAGE;
    }
    frames = once ? 1 : frames;
    guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, top_guest_free);
    if (!top_frame(guests, false)) {
        return CLI_EXIT_FAILURE;
    }
    for (int i = 0; frames < 0 || i < frames; i++) {
        g_usleep((gulong)(delay * G_USEC_PER_SEC));
        if (!top_frame(guests, true)) {
            return CLI_EXIT_FAILURE;
        }
    }
    return CLI_EXIT_OK;
}
