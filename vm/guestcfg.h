/*
 * Guest configuration files (docs/config.md), in the spirit of xm's: `key = value` lines,
 * '#' comments, values that are integers, "quoted strings", bare words (enum choices) or
 * [lists]. One table, guest_options(), describes every setting once: its config key, its
 * `wirt run` option, its kind, its check and its help line. The file parser and
 * guest_option_entries() (the GOptionEntry list for `wirt run`) both fill the same plain
 * struct, GuestConfig, so config keys and command-line options cannot drift apart.
 * Errors are one line naming the file, the line and the key.
 */
#ifndef WIRT_VM_GUESTCFG_H
#define WIRT_VM_GUESTCFG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define GUEST_CONFIG_MAX_BYTES (1024 * 1024)    /* a config file larger than this is refused */
#define GUEST_INT_UNSET G_MININT64              /* an integer setting nobody gave */
#define GUEST_SERIAL_MAX 2                      /* COM1 and COM2 (MACHINE_SERIAL_PORTS) */

#define GUEST_CONFIG_ERROR (guest_config_error_quark())
typedef enum GuestConfigError {
    GUEST_CONFIG_ERROR_SYNTAX,      /* not `key = value` */
    GUEST_CONFIG_ERROR_KEY,         /* an unknown key */
    GUEST_CONFIG_ERROR_DUPLICATE,   /* a key given twice */
    GUEST_CONFIG_ERROR_VALUE,       /* a value of the wrong kind or out of range */
    GUEST_CONFIG_ERROR_MISSING,     /* a required key is absent */
    GUEST_CONFIG_ERROR_UNSUPPORTED, /* a reserved key (disk, vif, ...) */
    GUEST_CONFIG_ERROR_FILE,        /* the file is too large or not text */
} GuestConfigError;

GQuark guest_config_error_quark(void);

/*
 * What a guest is: the config file's keys and `wirt run`'s options. Unset is NULL for
 * strings and lists, GUEST_INT_UNSET for integers, FALSE for flags; the caller applies
 * its defaults. Lists are NULL-terminated. Paths from a config file are made absolute
 * against the file's folder.
 */
typedef struct GuestConfig {
    char *name;             /* name, --name */
    gint64 memory_mib;      /* memory, -m/--memory */
    char *kernel;           /* kernel, --kernel */
    char *initrd;           /* initrd, --initrd */
    char *cmdline;          /* cmdline, --append */
    char *bios;             /* bios, --bios */
    char *machine;          /* machine, --machine: pc or test */
    char *clock;            /* clock, --clock */
    char *rtc;              /* rtc, --rtc */
    char **serial;          /* serial, --serial (repeated): COM1, COM2 */
    /* command line only */
    char *flat;             /* --flat */
    char *flat_addr;        /* --flat-addr */
    char **modules;         /* --module (repeated) */
    gint64 max_insns;       /* --max-insns */
    gboolean no_reboot;     /* --no-reboot */
} GuestConfig;

typedef enum GuestKind {
    GUEST_KIND_STRING,      /* "text"; --opt STRING */
    GUEST_KIND_PATH,        /* "file", relative to the config file; --opt FILE */
    GUEST_KIND_WORD,        /* one of the choices, bare or quoted; --opt WORD */
    GUEST_KIND_INT,         /* a decimal integer from min to max; --opt N */
    GUEST_KIND_STRING_LIST, /* "text" or ["text", ...]; --opt repeated */
    GUEST_KIND_PATH_LIST,   /* "file" or ["file", ...]; --opt repeated */
    GUEST_KIND_FLAG,        /* command line only: --opt */
    GUEST_KIND_RESERVED,    /* config only: parsed, then refused as not supported yet */
} GuestKind;

/* Checks a string value; on failure *WHY is "expected ..., got '...'". */
typedef bool (*GuestCheck)(const char *value, char **why);

typedef struct GuestOption {
    const char *key;            /* the config key; NULL: command line only */
    const char *long_name;      /* `wirt run --LONG`; NULL: config file only */
    char short_name;            /* `wirt run -X`, or 0 */
    GuestKind kind;
    bool required;              /* in a config file */
    size_t offset;              /* of the field in GuestConfig (not for RESERVED) */
    gint64 min, max;            /* INT: the range; lists: at most max items (0: any) */
    const char *what;           /* INT: what the number is ("a number of MiB") */
    const char *const *choices; /* WORD: the accepted words, NULL-terminated */
    GuestCheck check;           /* STRING and list items: more checks; NULL: any text */
    const char *arg;            /* --help's name for the value ("FILE", "MIB") */
    const char *help;           /* one line for --help and docs/config.md */
} GuestOption;

/* The table, in --help order. */
const GuestOption *guest_options(size_t *count);
const GuestOption *guest_option_by_key(const char *key);
const GuestOption *guest_option_by_long_name(const char *long_name);

/* An empty GuestConfig (everything unset). */
GuestConfig *guest_config_new(void);
void guest_config_free(GuestConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestConfig, guest_config_free)
/* Copies every setting SRC has over DST's (lists are replaced whole, flags ORed): the
 * command line's options over a config file's. */
void guest_config_merge(GuestConfig *dst, const GuestConfig *src);

/*
 * Reads the config file at PATH. Errors are one line: "PATH:LINE: KEY: what was wrong"
 * (GUEST_CONFIG_ERROR), or G_FILE_ERROR when the file cannot be read.
 */
GuestConfig *guest_config_load(const char *path, GError **err);
/* Parses LEN bytes of TEXT (LEN < 0: NUL-terminated) as if read from FILENAME, which
 * names it in messages and anchors relative paths. */
GuestConfig *guest_config_parse(const char *text, gssize len, const char *filename,
                                GError **err);

/*
 * The GOptionEntry list for every option with a long name, NULL-terminated, storing
 * straight into CFG (which must outlive the parse). Free the array with g_free; the
 * strings GLib stores belong to CFG.
 */
GOptionEntry *guest_option_entries(GuestConfig *cfg);
/* The value parsers behind the checks, for the caller's mapping onto the machine:
 * --clock realtime|insns[,shift=N] (*SHIFT -1 when not given) and an --rtc date
 * YYYY-MM-DDTHH:MM:SS (UTC, years 1980-2099) as Unix seconds. */
bool guest_parse_clock(const char *s, bool *insns, int *shift);
bool guest_parse_rtc_date(const char *s, gint64 *out);
/* Checks every value set in CFG (as the command line leaves it): "--clock: expected ...". */
bool guest_config_check(const GuestConfig *cfg, GError **err);

#endif
