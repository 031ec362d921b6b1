/*
 * Logging: levelled messages and QEMU-style named trace categories (-d in_asm,exec,...),
 * written to stderr or to the file named with -D. A Log lives in the Machine; nothing
 * here is global.
 */
#ifndef WIRT_BASE_LOG_H
#define WIRT_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

typedef enum LogLevel {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
} LogLevel;

/* Trace categories; one bit each. The names are listed by log_print_categories(). */
typedef enum LogCategory {
    LOG_IN_ASM = 1u << 0,     /* guest code disassembled when translated */
    LOG_EXEC = 1u << 1,       /* each block as it runs */
    LOG_INT = 1u << 2,        /* exceptions and interrupts */
    LOG_CPU = 1u << 3,        /* CPU state before each block */
    LOG_IO = 1u << 4,         /* port I/O, POST codes */
    LOG_UNASSIGNED = 1u << 5, /* accesses to unassigned memory and ports */
    LOG_GUEST_ERROR = 1u << 6,/* guest misuse of devices or the architecture */
    LOG_STATS = 1u << 7,      /* counters printed on exit */
    LOG_FIRMWARE = 1u << 8,   /* text the firmware writes to its debug port (0x402) */
} LogCategory;

typedef struct Log {
    uint32_t mask;   /* enabled LogCategory bits */
    LogLevel level;  /* highest level printed */
    FILE *out;       /* where messages and traces go */
    bool owns_out;   /* out was opened by log_open_file() */
} Log;

void log_init(Log *log);
void log_close(Log *log);

/* Parses "in_asm,exec" into category bits. Fails on an unknown name, naming it. */
bool log_parse_categories(const char *spec, uint32_t *mask, GError **err);
void log_print_categories(FILE *f);

/* Redirects all output to PATH (-D). */
bool log_open_file(Log *log, const char *path, GError **err);

static inline bool log_enabled(const Log *log, LogCategory cat)
{
    return (log->mask & cat) != 0;
}

void log_msg(Log *log, LogLevel level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void log_vmsg(Log *log, LogLevel level, const char *fmt, va_list ap) G_GNUC_PRINTF(3, 0);
/* Trace output for a category; callers test log_enabled() first when formatting is costly. */
void log_trace(Log *log, LogCategory cat, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
