/*
 * Logging: levelled messages and named trace categories in the style of QEMU's -d/-D.
 */
#include "base/log.h"

#include <errno.h>
#include <string.h>

static const struct {
    const char *name;
    LogCategory bit;
    const char *help;
} log_categories[] = {
    { "in_asm", LOG_IN_ASM, "guest instructions, disassembled when a block is translated" },
    { "exec", LOG_EXEC, "each translated block as it runs" },
    { "int", LOG_INT, "exceptions and interrupts: vector, error code, CS:EIP" },
    { "cpu", LOG_CPU, "CPU registers before each block" },
    { "io", LOG_IO, "port I/O and POST codes" },
    { "unassigned", LOG_UNASSIGNED, "accesses to unassigned memory and I/O ports" },
    { "guest_errors", LOG_GUEST_ERROR, "guest misuse of devices or of the architecture" },
    { "stats", LOG_STATS, "translator and CPU counters, printed on exit" },
    { "firmware", LOG_FIRMWARE, "the firmware's debug port 0x402 (SeaBIOS's log)" },
};

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void log_init(Log *log)
{
    *log = (Log){ .mask = 0, .level = LOG_LEVEL_WARN, .out = stderr, .owns_out = false };
}

void log_close(Log *log)
{
    if (log->owns_out) {
        fclose(log->out);
    }
    log->out = stderr;
    log->owns_out = false;
}

bool log_parse_categories(const char *spec, uint32_t *mask, GError **err)
{
    uint32_t m = 0;
    g_auto(GStrv) names = g_strsplit(spec, ",", -1);

    for (char **n = names; *n; n++) {
        bool known = false;
        if (!strcmp(*n, "all")) {
            for (size_t i = 0; i < G_N_ELEMENTS(log_categories); i++) {
                m |= log_categories[i].bit;
            }
            continue;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(log_categories); i++) {
            if (!strcmp(*n, log_categories[i].name)) {
                m |= log_categories[i].bit;
                known = true;
            }
        }
        if (!known) {
            g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "unknown log category '%s' (try -d help)", *n);
            return false;
        }
    }
    *mask = m;
    return true;
}

void log_print_categories(FILE *f)
{
    fprintf(f, "Log categories for -d (comma-separated, or 'all'):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(log_categories); i++) {
        fprintf(f, "  %-13s %s\n", log_categories[i].name, log_categories[i].help);
    }
}

bool log_open_file(Log *log, const char *path, GError **err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot open log file '%s': %s", path, g_strerror(errno));
        return false;
    }
    log_close(log);
    setvbuf(f, NULL, _IOLBF, 0);
    log->out = f;
    log->owns_out = true;
    return true;
}

void log_vmsg(Log *log, LogLevel level, const char *fmt, va_list ap)
{
    if (level > log->level) {
        return;
    }
    fprintf(log->out, "wirt: %s: ", level_names[level]);
    vfprintf(log->out, fmt, ap);
    fputc('\n', log->out);
}

void log_msg(Log *log, LogLevel level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(log, level, fmt, ap);
    va_end(ap);
}

void log_trace(Log *log, LogCategory cat, const char *fmt, ...)
{
    va_list ap;
    if (!log_enabled(log, cat)) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(log->out, fmt, ap);
    va_end(ap);
}
