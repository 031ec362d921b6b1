/*
 * `wirt replay info LOG`: the events of a record/replay log (docs/replay-format.md), one
 * per line: file offset, kind, instruction count, virtual time and, for serial input,
 * the port and byte, for a key its PS/2 key code and whether it went down or up.
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "vm/replay.h"

static void print_event(void *ctx, const ReplayEventInfo *ev)
{
    printf("%-8" G_GSIZE_FORMAT " %-10s insn %-14" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " ns",
           ev->offset, ev->kind, ev->insns, (gint64)ev->vtime);
    if (!strcmp(ev->kind, "serial")) {
        printf("  COM%u 0x%02x%s%c%s", ev->port + 1u, ev->byte, ev->byte >= 0x20 &&
               ev->byte < 0x7f ? " '" : "", ev->byte >= 0x20 && ev->byte < 0x7f ? ev->byte : ' ',
               ev->byte >= 0x20 && ev->byte < 0x7f ? "'" : "");
    }
    if (!strcmp(ev->kind, "key")) {
        printf("  key 0x%x %s", ev->key, ev->down ? "down" : "up");
    }
    putchar('\n');
}

int cmd_replay(int argc, char **argv)
{
    const GOptionEntry entries[] = { { NULL } };
    g_autoptr(GError) err = NULL;

    if (!cli_parse("replay", "info LOG", "List the events of a record/replay log.", entries,
                   &argc, &argv)) {
        return CLI_EXIT_USAGE;
    }
    if (argc != 3 || strcmp(argv[1], "info")) {
        cli_error("replay: expected 'info LOG' (try 'wirt replay --help')");
        return CLI_EXIT_USAGE;
    }
    if (!replay_walk(argv[2], print_event, NULL, &err)) {
        cli_error("replay info: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}
