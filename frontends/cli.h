/*
 * The wirt command line: the subcommands and the helpers they share.
 */
#ifndef WIRT_FRONTENDS_CLI_H
#define WIRT_FRONTENDS_CLI_H

#include <glib.h>

/* Exit statuses shared by every subcommand. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* the guest or the emulator failed at run time */
    CLI_EXIT_USAGE = 2,   /* bad command line, bad input file */
};

typedef struct CliCommand {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv); /* argv[0] is the subcommand name */
} CliCommand;

/* Prints "wirt: MESSAGE" on one line of stderr. */
void cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * Parses a subcommand's options with GLib. On failure prints one line naming the problem
 * and returns false; the caller exits with CLI_EXIT_USAGE.
 */
gboolean cli_parse(const char *cmd, const char *params, const char *summary,
                   const GOptionEntry *entries, int *argc, char ***argv);

int cmd_run(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_replay(int argc, char **argv);
/* The toolstack (guests as managed domains, docs/control-protocol.md). */
int cmd_create(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_reset(int argc, char **argv);

/* Attaches the terminal to guest NAME's console socket at PATH (cmd_console.c). */
int console_attach(const char *name, const char *path);

#endif
