/*
 * Guest configuration files (docs/config.md): a line-oriented `key = value` format in the
 * spirit of xm's, read by a small lexer and parser, with every key, its `wirt run` option,
 * its value kind and its checks in one table (guest_options) that also yields the
 * GOptionEntry list of `wirt run`. The first error stops the parse and is reported as one
 * line, "FILE:LINE: KEY: what was expected, got 'what was there'".
 */
#include "vm/guestcfg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vm/chardev.h"
#include "vm/control.h"

G_DEFINE_QUARK(wirt-guest-config-error-quark, guest_config_error)

#define GUEST_QUOTE_MAX 40      /* bytes of a value quoted in a message */

/* ---- value checks, shared by the config file and the command line ---- */

/* 'TEXT' for a message: at most GUEST_QUOTE_MAX bytes, control characters as '?'. */
static char *guest_quote(const char *s, size_t len)
{
    GString *q = g_string_new("'");
    size_t n = len;

    if (n > GUEST_QUOTE_MAX) {
        n = GUEST_QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
            n--;    /* do not cut a UTF-8 sequence */
        }
    }
    for (size_t i = 0; i < n; i++) {
        g_string_append_c(q, (unsigned char)s[i] < 0x20 ? '?' : s[i]);
    }
    g_string_append(q, n < len ? "...'" : "'");
    return g_string_free(q, FALSE);
}

static bool G_GNUC_PRINTF(3, 4) guest_expected(char **why, const char *got, const char *fmt, ...)
{
    g_autofree char *quoted = guest_quote(got, strlen(got));
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    *why = g_strdup_printf("expected %s, got %s", what, quoted);
    return false;
}

/* A decimal integer from MIN to MAX, nothing else. */
static bool guest_parse_int(const char *s, gint64 min, gint64 max, gint64 *out)
{
    return (g_ascii_isdigit(s[0]) || (s[0] == '-' && g_ascii_isdigit(s[1]))) &&
           g_ascii_string_to_signed(s, 10, min, max, out, NULL);
}

static bool guest_check_name(const char *v, char **why)
{
    g_autofree char *reason = NULL;
    g_autofree char *quoted = guest_quote(v, strlen(v));

    if (control_name_valid(v, &reason)) {
        return true;
    }
    *why = g_strdup_printf("%s %s", quoted, reason);
    return false;
}

bool guest_parse_clock(const char *s, bool *insns, int *shift)
{
    gint64 n = -1;

    if (strcmp(s, "realtime") && strcmp(s, "insns") &&
        !(g_str_has_prefix(s, "insns,shift=") && guest_parse_int(s + 12, 0, 20, &n))) {
        return false;
    }
    *insns = strcmp(s, "realtime") != 0;
    *shift = (int)n;
    return true;
}

static bool guest_check_clock(const char *v, char **why)
{
    bool insns;
    int shift;

    return guest_parse_clock(v, &insns, &shift) ||
           guest_expected(why, v, "realtime, insns or insns,shift=N (N from 0 to 20)");
}

bool guest_parse_rtc_date(const char *s, gint64 *out)
{
    int y, mo, d, h, mi, sec, end = 0;
    GDateTime *dt;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &end) != 6 ||
        s[end] || y < 1980 || y > 2099) {
        return false;
    }
    dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
    if (!dt) {
        return false;
    }
    *out = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return true;
}

static bool guest_check_rtc(const char *v, char **why)
{
    gint64 date;

    return !strcmp(v, "base=utc") || !strcmp(v, "base=localtime") ||
           (g_str_has_prefix(v, "base=") && guest_parse_rtc_date(v + 5, &date)) ||
           guest_expected(why, v, "base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS "
                          "(years 1980-2099)");
}

static bool guest_check_flat_addr(const char *v, char **why)
{
    char *end;
    guint64 addr = g_ascii_strtoull(v, &end, 0);

    return (g_ascii_isdigit(v[0]) && !*end && addr <= 0xffff) ||
           guest_expected(why, v, "an address from 0 to 0xffff");
}

/* ---- the table ---- */

static const char *const guest_machines[] = { "pc", "test", NULL };

#define FIELD(f) offsetof(GuestConfig, f)
#define RESERVED(k, what) \
    { .key = k, .kind = GUEST_KIND_RESERVED, .help = what " (reserved: not supported yet)" }

static const GuestOption guest_option_table[] = {
    { .key = "name", .long_name = "name", .kind = GUEST_KIND_STRING, .required = true,
      .offset = FIELD(name), .check = guest_check_name, .arg = "NAME",
      .help = "The guest's name: its control socket is NAME.sock, `wirt list` shows it" },
    { .key = "memory", .long_name = "memory", .short_name = 'm', .kind = GUEST_KIND_INT,
      .required = true, .offset = FIELD(memory_mib), .min = 1, .max = 3584,
      .what = "a number of MiB", .arg = "MIB", .help = "Guest RAM in MiB, 1 to 3584" },
    { .key = "kernel", .long_name = "kernel", .kind = GUEST_KIND_PATH,
      .offset = FIELD(kernel), .arg = "FILE",
      .help = "Boot a Multiboot kernel or a Linux bzImage directly, in 32-bit protected "
              "mode" },
    { .key = "initrd", .long_name = "initrd", .kind = GUEST_KIND_PATH,
      .offset = FIELD(initrd), .arg = "FILE",
      .help = "Load FILE as the Linux kernel's initial RAM disk" },
    { .key = "cmdline", .long_name = "append", .kind = GUEST_KIND_STRING,
      .offset = FIELD(cmdline), .arg = "STRING",
      .help = "The kernel's command line (Multiboot: it sees \"FILE STRING\")" },
    { .key = "bios", .long_name = "bios", .kind = GUEST_KIND_PATH, .offset = FIELD(bios),
      .arg = "FILE",
      .help = "Start a raw firmware image (64 KiB to 16 MiB) at the reset vector, mapped at "
              "the top of 4 GiB and its last 128 KiB below 1 MiB" },
    { .key = "machine", .long_name = "machine", .kind = GUEST_KIND_WORD,
      .offset = FIELD(machine), .choices = guest_machines, .arg = "BOARD",
      .help = "Board: pc or test (default: test for --flat, else pc)" },
    { .key = "clock", .long_name = "clock", .kind = GUEST_KIND_STRING,
      .offset = FIELD(clock), .check = guest_check_clock, .arg = "MODE",
      .help = "Virtual clock: realtime (default) or insns[,shift=N] (deterministic: 2^N ns "
              "per instruction, default N=3)" },
    { .key = "rtc", .long_name = "rtc", .kind = GUEST_KIND_STRING, .offset = FIELD(rtc),
      .check = guest_check_rtc, .arg = "base=WHEN",
      .help = "RTC start: base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS" },
    { .key = "serial", .long_name = "serial", .kind = GUEST_KIND_STRING_LIST,
      .offset = FIELD(serial), .max = GUEST_SERIAL_MAX, .check = chardev_check_spec,
      .arg = "BACKEND",
      .help = "COM1's back-end (again for COM2): stdio, none, file:PATH, unix:PATH "
              "(pc default: stdio)" },
    { .long_name = "flat", .kind = GUEST_KIND_PATH, .offset = FIELD(flat), .arg = "FILE",
      .help = "Load a raw image and start it in real mode at 0000:7C00 (test guests)" },
    { .long_name = "flat-addr", .kind = GUEST_KIND_STRING, .offset = FIELD(flat_addr),
      .check = guest_check_flat_addr, .arg = "ADDR",
      .help = "Load and start the --flat image at this address instead of 0x7c00" },
    { .long_name = "module", .kind = GUEST_KIND_PATH_LIST, .offset = FIELD(modules),
      .arg = "FILE", .help = "Load FILE as a Multiboot module (repeatable, in order)" },
    { .long_name = "max-insns", .kind = GUEST_KIND_INT, .offset = FIELD(max_insns),
      .min = 0, .max = G_MAXINT64, .what = "a number of instructions", .arg = "N",
      .help = "Stop after N guest instructions (exit status 4)" },
    { .long_name = "no-reboot", .kind = GUEST_KIND_FLAG, .offset = FIELD(no_reboot),
      .help = "End the run instead of resetting on a triple fault" },
    RESERVED("disk", "Disk images"),
    RESERVED("cdrom", "A CD-ROM image"),
    RESERVED("vif", "Network interfaces"),
    RESERVED("vnc", "A VNC display"),
    RESERVED("sdl", "An SDL window"),
};

const GuestOption *guest_options(size_t *count)
{
    *count = G_N_ELEMENTS(guest_option_table);
    return guest_option_table;
}

const GuestOption *guest_option_by_key(const char *key)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (o->key && !strcmp(o->key, key)) {
            return o;
        }
    }
    return NULL;
}

const GuestOption *guest_option_by_long_name(const char *long_name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (o->long_name && !strcmp(o->long_name, long_name)) {
            return o;
        }
    }
    return NULL;
}

static bool guest_is_list(GuestKind kind)
{
    return kind == GUEST_KIND_STRING_LIST || kind == GUEST_KIND_PATH_LIST;
}

static bool guest_is_path(GuestKind kind)
{
    return kind == GUEST_KIND_PATH || kind == GUEST_KIND_PATH_LIST;
}

static bool guest_is_string(GuestKind kind)
{
    return kind == GUEST_KIND_STRING || kind == GUEST_KIND_PATH || kind == GUEST_KIND_WORD;
}

/* "pc or test", "a, b or c". */
static char *guest_choices_text(const char *const *choices)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; choices[i]; i++) {
        if (i) {
            g_string_append(s, choices[i + 1] ? ", " : " or ");
        }
        g_string_append(s, choices[i]);
    }
    return g_string_free(s, FALSE);
}

/* Why string V does not suit O (a scalar or one list item); NULL when it does. */
static char *guest_why_string(const GuestOption *o, const char *v)
{
    char *why = NULL;

    if (guest_is_path(o->kind) && !*v) {
        guest_expected(&why, v, "a file name");
    } else if (o->kind == GUEST_KIND_WORD) {
        bool ok = false;
        for (size_t i = 0; o->choices[i]; i++) {
            ok |= !strcmp(o->choices[i], v);
        }
        if (!ok) {
            g_autofree char *choices = guest_choices_text(o->choices);
            guest_expected(&why, v, "%s", choices);
        }
    } else if (o->check) {
        o->check(v, &why);
    }
    return why;
}

/* The message for a number RAW that is not an integer in O's range. */
static char *guest_why_int(const GuestOption *o, const char *raw)
{
    char *why = NULL;

    if (o->max == G_MAXINT64) {
        guest_expected(&why, raw, "%s, %" G_GINT64_FORMAT " or more", o->what, o->min);
    } else {
        guest_expected(&why, raw, "%s from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                       o->what, o->min, o->max);
    }
    return why;
}

/* Why a list of N items is too short or too long for O; NULL when it is not. */
static char *guest_why_count(const GuestOption *o, size_t n)
{
    const char *items = guest_is_path(o->kind) ? "file names" : "strings";

    if (n >= 1 && (o->max == 0 || n <= (size_t)o->max)) {
        return NULL;
    }
    if (o->max == 0) {
        return g_strdup_printf("expected one or more %s, got an empty list", items);
    }
    return n == 0 ? g_strdup_printf("expected 1 to %" G_GINT64_FORMAT " %s, got an empty "
                                    "list", o->max, items)
                  : g_strdup_printf("expected 1 to %" G_GINT64_FORMAT " %s, got %zu",
                                    o->max, items, n);
}

/* Why the value O holds in CFG is wrong; NULL when it is right or unset (or O has none). */
static char *guest_why_field(const GuestOption *o, const GuestConfig *cfg)
{
    const void *field = G_STRUCT_MEMBER_P(cfg, o->offset);
    char *why = NULL;

    if (o->kind == GUEST_KIND_INT) {
        gint64 v = *(const gint64 *)field;
        if (v != GUEST_INT_UNSET && (v < o->min || v > o->max)) {
            g_autofree char *raw = g_strdup_printf("%" G_GINT64_FORMAT, v);
            why = guest_why_int(o, raw);
        }
    } else if (guest_is_string(o->kind) && *(char *const *)field) {
        why = guest_why_string(o, *(char *const *)field);
    } else if (guest_is_list(o->kind) && *(char **const *)field) {
        char **items = *(char **const *)field;
        why = guest_why_count(o, g_strv_length(items));
        for (size_t i = 0; !why && items[i]; i++) {
            why = guest_why_string(o, items[i]);
        }
    }
    return why;
}

/* ---- GuestConfig ---- */

GuestConfig *guest_config_new(void)
{
    GuestConfig *cfg = g_new0(GuestConfig, 1);

    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (o->kind == GUEST_KIND_INT) {
            G_STRUCT_MEMBER(gint64, cfg, o->offset) = GUEST_INT_UNSET;
        }
    }
    return cfg;
}

void guest_config_free(GuestConfig *cfg)
{
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (guest_is_string(o->kind)) {
            g_free(G_STRUCT_MEMBER(char *, cfg, o->offset));
        } else if (guest_is_list(o->kind)) {
            g_strfreev(G_STRUCT_MEMBER(char **, cfg, o->offset));
        }
    }
    g_free(cfg);
}

void guest_config_merge(GuestConfig *dst, const GuestConfig *src)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        void *to = G_STRUCT_MEMBER_P(dst, o->offset);
        const void *from = G_STRUCT_MEMBER_P(src, o->offset);

        if (o->kind == GUEST_KIND_RESERVED) {
            continue;
        } else if (o->kind == GUEST_KIND_INT && *(const gint64 *)from != GUEST_INT_UNSET) {
            *(gint64 *)to = *(const gint64 *)from;
        } else if (o->kind == GUEST_KIND_FLAG) {
            *(gboolean *)to |= *(const gboolean *)from;
        } else if (guest_is_string(o->kind) && *(char *const *)from) {
            g_free(*(char **)to);
            *(char **)to = g_strdup(*(char *const *)from);
        } else if (guest_is_list(o->kind) && *(char **const *)from) {
            g_strfreev(*(char ***)to);
            *(char ***)to = g_strdupv(*(char **const *)from);
        }
    }
}

static GOptionArg guest_option_arg(GuestKind kind)
{
    switch (kind) {
    case GUEST_KIND_PATH:
        return G_OPTION_ARG_FILENAME;
    case GUEST_KIND_INT:
        return G_OPTION_ARG_INT64;
    case GUEST_KIND_STRING_LIST:
        return G_OPTION_ARG_STRING_ARRAY;
    case GUEST_KIND_PATH_LIST:
        return G_OPTION_ARG_FILENAME_ARRAY;
    case GUEST_KIND_FLAG:
        return G_OPTION_ARG_NONE;
    default:
        return G_OPTION_ARG_STRING;
    }
}

GOptionEntry *guest_option_entries(GuestConfig *cfg)
{
    GOptionEntry *entries = g_new0(GOptionEntry, G_N_ELEMENTS(guest_option_table) + 1);
    size_t n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (o->long_name) {
            entries[n++] = (GOptionEntry){
                .long_name = o->long_name,
                .short_name = o->short_name,
                .arg = guest_option_arg(o->kind),
                .arg_data = G_STRUCT_MEMBER_P(cfg, o->offset),
                .description = o->help,
                .arg_description = o->arg,
            };
        }
    }
    return entries;
}

bool guest_config_check(const GuestConfig *cfg, GError **err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        g_autofree char *why = guest_why_field(o, cfg);
        if (why) {
            g_set_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_VALUE, "%s%s: %s",
                        o->long_name ? "--" : "", o->long_name ? o->long_name : o->key, why);
            return false;
        }
    }
    return true;
}

/* ---- the lexer ---- */

typedef enum TokKind {
    TOK_EOF,
    TOK_NEWLINE,
    TOK_EQ,
    TOK_COMMA,
    TOK_LBRACK,
    TOK_RBRACK,
    TOK_NUMBER,     /* -?[0-9]+ */
    TOK_WORD,       /* any other run of characters that are not space or #=[],\" */
    TOK_STRING,     /* "...": str holds the text without quotes and escapes */
} TokKind;

typedef struct Tok {
    TokKind kind;
    unsigned line;
    const char *text;       /* as written */
    size_t len;
    char *str;              /* TOK_STRING */
} Tok;

typedef struct GuestParser {
    const char *file;       /* names the file in messages */
    char *dir;              /* the file's folder, for relative paths */
    const char *p, *end;
    unsigned line;
    char *key;              /* the key being parsed, for messages; NULL before it */
    GuestConfig *cfg;
    unsigned set_on[G_N_ELEMENTS(guest_option_table)];  /* line setting each; 0: none */
    GError *err;
} GuestParser;

/* Records the first error: "FILE:LINE: KEY: MESSAGE" (no KEY before one is read). */
static void G_GNUC_PRINTF(4, 5)
gp_fail(GuestParser *ps, GuestConfigError code, unsigned line, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (ps->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (ps->key) {
        g_set_error(&ps->err, GUEST_CONFIG_ERROR, code, "%s:%u: %s: %s", ps->file, line,
                    ps->key, msg);
    } else {
        g_set_error(&ps->err, GUEST_CONFIG_ERROR, code, "%s:%u: %s", ps->file, line, msg);
    }
}

/* A token as the user wrote it, quoted for a message. */
static char *gp_describe(const Tok *t)
{
    switch (t->kind) {
    case TOK_EOF:
        return g_strdup("the end of the file");
    case TOK_NEWLINE:
        return g_strdup("the end of the line");
    default:
        return guest_quote(t->text, t->len);
    }
}

static void gp_tok_free(gpointer data)
{
    Tok *t = data;

    g_free(t->str);
    g_free(t);
}

/* Skips blanks and a comment, up to (not over) the end of the line. */
static void gp_skip_blank(GuestParser *ps)
{
    while (ps->p < ps->end) {
        if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r') {
            ps->p++;
        } else if (*ps->p == '#') {
            const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
            ps->p = nl ? nl : ps->end;
        } else {
            break;
        }
    }
}

/* A "string" with \" and \\ escapes, on one line. */
static bool gp_lex_string(GuestParser *ps, Tok *t)
{
    GString *s = g_string_new(NULL);
    const char *p = ps->p + 1;

    while (p < ps->end && *p != '"' && *p != '\n') {
        if (*p == '\\' && p + 1 < ps->end && (p[1] == '"' || p[1] == '\\')) {
            g_string_append_c(s, p[1]);
            p += 2;
        } else if (*p == '\\') {
            g_autofree char *esc = guest_quote(p, p + 1 < ps->end && p[1] != '\n' ? 2 : 1);
            gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, ps->line,
                    "unknown escape %s in a string (only \\\" and \\\\ are escapes)", esc);
            g_string_free(s, TRUE);
            return false;
        } else {
            g_string_append_c(s, *p++);
        }
    }
    if (p >= ps->end || *p != '"') {
        gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, ps->line,
                "unterminated string (a string ends with \" on the line it starts on)");
        g_string_free(s, TRUE);
        return false;
    }
    t->kind = TOK_STRING;
    t->str = g_string_free(s, FALSE);
    ps->p = p + 1;
    return true;
}

static bool gp_is_bare(char c)
{
    return c && !g_ascii_isspace(c) && !strchr("#=[],\"", c);
}

static bool gp_is_number(const char *s, size_t len)
{
    size_t i = len && s[0] == '-';

    if (i == len) {
        return false;
    }
    for (; i < len; i++) {
        if (!g_ascii_isdigit(s[i])) {
            return false;
        }
    }
    return true;
}

/* The next token; false after a lexical error (recorded). */
static bool gp_next(GuestParser *ps, Tok *t)
{
    static const struct {
        char c;
        TokKind kind;
    } punct[] = {
        { '\n', TOK_NEWLINE }, { '=', TOK_EQ }, { ',', TOK_COMMA },
        { '[', TOK_LBRACK }, { ']', TOK_RBRACK },
    };

    gp_skip_blank(ps);
    *t = (Tok){ .kind = TOK_EOF, .line = ps->line, .text = ps->p };
    if (ps->p >= ps->end) {
        return true;
    }
    if (*ps->p == '"') {
        bool ok = gp_lex_string(ps, t);
        t->len = (size_t)(ps->p - t->text);
        return ok;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(punct); i++) {
        if (*ps->p == punct[i].c) {
            t->kind = punct[i].kind;
            t->len = 1;
            ps->line += punct[i].kind == TOK_NEWLINE;
            ps->p++;
            return true;
        }
    }
    while (ps->p < ps->end && gp_is_bare(*ps->p)) {
        ps->p++;
    }
    t->len = (size_t)(ps->p - t->text);
    t->kind = gp_is_number(t->text, t->len) ? TOK_NUMBER : TOK_WORD;
    return true;
}

static bool gp_is_value(const Tok *t)
{
    return t->kind == TOK_NUMBER || t->kind == TOK_WORD || t->kind == TOK_STRING;
}

/* ---- the parser ---- */

/* The items of a [list] after its '['; newlines and comments may come between them. */
static bool gp_list(GuestParser *ps, GPtrArray *items, unsigned start_line)
{
    bool want_item = true;

    for (;;) {
        Tok *t = g_new0(Tok, 1);
        g_autofree char *got = NULL;

        if (!gp_next(ps, t)) {
            gp_tok_free(t);
            return false;
        }
        if (t->kind == TOK_NEWLINE) {
            gp_tok_free(t);
            continue;
        }
        if (t->kind == TOK_RBRACK && (!want_item || items->len == 0)) {
            gp_tok_free(t);
            return true;
        }
        if (want_item ? gp_is_value(t) : t->kind == TOK_COMMA) {
            want_item = !want_item;
            if (want_item) {
                gp_tok_free(t);
            } else {
                g_ptr_array_add(items, t);
            }
            continue;
        }
        got = gp_describe(t);
        if (t->kind == TOK_EOF) {
            gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, t->line,
                    "unterminated list (no ']' for the '[' on line %u)", start_line);
        } else {
            gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, t->line, "expected %s in the list, got %s",
                    want_item ? "a value" : "',' or ']'", got);
        }
        gp_tok_free(t);
        return false;
    }
}

/* The value after '=': one token, or a [list] (*IS_LIST). */
static bool gp_value(GuestParser *ps, GPtrArray *items, bool *is_list)
{
    Tok *t = g_new0(Tok, 1);
    g_autofree char *got = NULL;
    unsigned line;

    if (!gp_next(ps, t)) {
        gp_tok_free(t);
        return false;
    }
    if (gp_is_value(t)) {
        g_ptr_array_add(items, t);
        return true;
    }
    *is_list = t->kind == TOK_LBRACK;
    line = t->line;
    got = gp_describe(t);
    gp_tok_free(t);
    if (*is_list) {
        return gp_list(ps, items, line);
    }
    gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, line, "expected a value after '=', got %s", got);
    return false;
}

/* Makes a path from the file absolute against the file's folder. */
static char *gp_path(const GuestParser *ps, const char *s)
{
    return *s ? g_canonicalize_filename(s, ps->dir) : g_strdup(s);
}

/* Token T as text for O: "strings" for any string kind, bare words only for a WORD. */
static char *gp_text(const GuestOption *o, const Tok *t, char **why)
{
    g_autofree char *got = NULL;

    if (t->kind == TOK_STRING) {
        return g_strdup(t->str);
    }
    if (o->kind == GUEST_KIND_WORD) {
        return g_strndup(t->text, t->len);
    }
    got = gp_describe(t);
    *why = g_strdup_printf("expected a quoted %s, got %s%s",
                           guest_is_path(o->kind) ? "file name" : "string",
                           got, t->kind == TOK_WORD ? " (strings are written in \"quotes\")"
                                                    : "");
    return NULL;
}

/* Checks token T for O and returns the value to store (paths made absolute). */
static char *gp_string(GuestParser *ps, const GuestOption *o, const Tok *t)
{
    g_autofree char *why = NULL;
    g_autofree char *v = gp_text(o, t, &why);

    if (v && !(why = guest_why_string(o, v))) {
        return guest_is_path(o->kind) ? gp_path(ps, v) : g_steal_pointer(&v);
    }
    gp_fail(ps, GUEST_CONFIG_ERROR_VALUE, t->line, "%s", why);
    return NULL;
}

static bool gp_set_int(GuestParser *ps, const GuestOption *o, const Tok *t, gint64 *field)
{
    g_autofree char *raw = g_strndup(t->text, t->len);
    g_autofree char *why = NULL;

    if (t->kind == TOK_NUMBER && guest_parse_int(raw, o->min, o->max, field)) {
        return true;
    }
    why = guest_why_int(o, raw);
    gp_fail(ps, GUEST_CONFIG_ERROR_VALUE, t->line, "%s", why);
    return false;
}

static bool gp_set_list(GuestParser *ps, const GuestOption *o, unsigned line,
                        const GPtrArray *items, char ***field)
{
    g_autofree char *why = guest_why_count(o, items->len);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);

    if (why) {
        gp_fail(ps, GUEST_CONFIG_ERROR_VALUE, line, "%s", why);
        return false;
    }
    for (guint i = 0; i < items->len; i++) {
        char *v = gp_string(ps, o, g_ptr_array_index(items, i));
        if (!v) {
            return false;
        }
        g_ptr_array_add(values, v);
    }
    g_ptr_array_add(values, NULL);
    *field = (char **)g_ptr_array_free(g_steal_pointer(&values), FALSE);
    return true;
}

/* Stores the value ITEMS (a [list] when IS_LIST) of key O, given on LINE. */
static bool gp_set(GuestParser *ps, const GuestOption *o, unsigned line, const GPtrArray *items,
                   bool is_list)
{
    void *field = G_STRUCT_MEMBER_P(ps->cfg, o->offset);

    if (o->kind == GUEST_KIND_RESERVED) {
        g_clear_pointer(&ps->key, g_free);      /* the message is "FILE:LINE: KEY is ..." */
        gp_fail(ps, GUEST_CONFIG_ERROR_UNSUPPORTED, line, "%s is not supported yet", o->key);
        return false;
    }
    if (guest_is_list(o->kind)) {
        return gp_set_list(ps, o, line, items, field);
    }
    if (is_list) {
        gp_fail(ps, GUEST_CONFIG_ERROR_VALUE, line, "expected one value, got a list");
        return false;
    }
    if (o->kind == GUEST_KIND_INT) {
        return gp_set_int(ps, o, g_ptr_array_index(items, 0), field);
    }
    *(char **)field = gp_string(ps, o, g_ptr_array_index(items, 0));
    return *(char **)field != NULL;
}

/* The edit distance between A and B (short keys only), for "did you mean". */
static size_t gp_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[32];

    if (lb >= G_N_ELEMENTS(row)) {
        return SIZE_MAX;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
            diag = up;
        }
    }
    return row[lb];
}

/* A hint for unknown KEY: a near key, or the command-line option it looks like. */
static char *gp_key_hint(const char *key)
{
    g_autofree char *dashed = g_strdelimit(g_strdup(key), "_", '-');
    const GuestOption *cli = guest_option_by_long_name(dashed);

    if (cli && !cli->key) {
        return g_strdup_printf(" (--%s is a command-line option only)", cli->long_name);
    }
    if (cli && strcmp(cli->key, key)) {
        return g_strdup_printf(" (--%s is %s in a config file)", cli->long_name, cli->key);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const char *k = guest_option_table[i].key;
        if (k && gp_distance(key, k) <= 2) {
            return g_strdup_printf(" (did you mean %s?)", k);
        }
    }
    return g_strdup("");
}

/* [A-Za-z_][A-Za-z0-9_]* */
static bool gp_is_key(const Tok *t)
{
    if (t->kind != TOK_WORD || g_ascii_isdigit(t->text[0])) {
        return false;
    }
    for (size_t i = 0; i < t->len; i++) {
        if (!g_ascii_isalnum(t->text[i]) && t->text[i] != '_') {
            return false;
        }
    }
    return true;
}

/* The key of a statement: a name known to the table, given once. */
static const GuestOption *gp_key(GuestParser *ps, const Tok *t)
{
    g_autofree char *got = gp_describe(t);
    const GuestOption *o;
    size_t i;

    if (!gp_is_key(t)) {
        gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, t->line, "expected KEY = VALUE, got %s", got);
        return NULL;
    }
    ps->key = g_strndup(t->text, t->len);
    o = guest_option_by_key(ps->key);
    if (!o) {
        g_autofree char *hint = gp_key_hint(ps->key);
        gp_fail(ps, GUEST_CONFIG_ERROR_KEY, t->line, "unknown key%s", hint);
        return NULL;
    }
    i = (size_t)(o - guest_option_table);
    if (ps->set_on[i]) {
        gp_fail(ps, GUEST_CONFIG_ERROR_DUPLICATE, t->line, "given twice (first on line %u)",
                ps->set_on[i]);
        return NULL;
    }
    ps->set_on[i] = t->line;
    return o;
}

/* After the value: the end of the line (or of the file). */
static bool gp_end_of_statement(GuestParser *ps)
{
    Tok t;
    g_autofree char *got = NULL;

    if (!gp_next(ps, &t)) {
        return false;
    }
    if (t.kind == TOK_NEWLINE || t.kind == TOK_EOF) {
        return true;
    }
    g_free(t.str);
    got = gp_describe(&t);
    gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, t.line,
            "unexpected %s after the value (one KEY = VALUE per line)", got);
    return false;
}

/* KEY = VALUE. Returns false at the end of the file or after an error. */
static bool gp_statement(GuestParser *ps)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(gp_tok_free);
    const GuestOption *o;
    bool is_list = false, ok;
    Tok key, eq;

    do {
        if (!gp_next(ps, &key)) {
            return false;
        }
    } while (key.kind == TOK_NEWLINE);
    if (key.kind == TOK_EOF) {
        return false;
    }
    o = gp_key(ps, &key);
    g_free(key.str);
    if (!o || !gp_next(ps, &eq)) {
        return false;
    }
    if (eq.kind != TOK_EQ) {
        g_autofree char *got = gp_describe(&eq);
        g_free(eq.str);
        gp_fail(ps, GUEST_CONFIG_ERROR_SYNTAX, eq.line, "expected '=' after the key, got %s",
                got);
        return false;
    }
    ok = gp_value(ps, items, &is_list) && gp_end_of_statement(ps) &&
         gp_set(ps, o, key.line, items, is_list);
    g_free(ps->key);
    ps->key = NULL;
    return ok;
}

/* Every required key was given. */
static bool gp_check_required(GuestParser *ps)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_option_table); i++) {
        const GuestOption *o = &guest_option_table[i];
        if (o->required && !ps->set_on[i]) {
            g_set_error(&ps->err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_MISSING,
                        "%s: %s: required key missing (%s)", ps->file, o->key, o->help);
            return false;
        }
    }
    return true;
}

/* The text is UTF-8 without NUL bytes. */
static bool gp_check_text(GuestParser *ps)
{
    const char *bad;
    unsigned line = 1;

    if (g_utf8_validate_len(ps->p, (gsize)(ps->end - ps->p), &bad)) {
        return true;
    }
    for (const char *q = ps->p; q < bad; q++) {
        line += *q == '\n';
    }
    gp_fail(ps, GUEST_CONFIG_ERROR_FILE, line, "not UTF-8 text (or a NUL byte)");
    return false;
}

GuestConfig *guest_config_parse(const char *text, gssize len, const char *filename,
                                GError **err)
{
    g_autofree char *dir = g_path_get_dirname(filename);
    GuestParser ps = {
        .file = filename,
        .dir = g_canonicalize_filename(dir, NULL),
        .p = text,
        .end = text + (len < 0 ? strlen(text) : (size_t)len),
        .line = 1,
        .cfg = guest_config_new(),
    };

    if (gp_check_text(&ps)) {
        while (gp_statement(&ps)) {
        }
    }
    if (!ps.err) {
        gp_check_required(&ps);
    }
    g_free(ps.key);
    g_free(ps.dir);
    if (ps.err) {
        g_propagate_error(err, ps.err);
        guest_config_free(ps.cfg);
        return NULL;
    }
    return ps.cfg;
}

GuestConfig *guest_config_load(const char *path, GError **err)
{
    g_autofree char *text = NULL;
    gsize len;

    if (!g_file_get_contents(path, &text, &len, err)) {
        return NULL;
    }
    if (len > GUEST_CONFIG_MAX_BYTES) {
        g_set_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_FILE,
                    "%s: %" G_GSIZE_FORMAT " bytes is too large for a config file (at most "
                    "%d)", path, len, GUEST_CONFIG_MAX_BYTES);
        return NULL;
    }
    return guest_config_parse(text, (gssize)len, path, err);
}
