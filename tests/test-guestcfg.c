/*
 * Unit tests of vm/guestcfg: guest config files (docs/config.md). A full good config,
 * every kind of error with its exact "FILE:LINE: KEY: ..." line, the reserved keys,
 * duplicates and missing required keys, files on disk and relative paths; then the one
 * table behind both the config keys and `wirt run`'s options: its consistency, the
 * GOptionEntry list it yields, the checks on command-line values, and that
 * docs/config.md documents every key and option.
 */
#include <string.h>
#include <unistd.h>

#include "vm/guestcfg.h"

#define HEAD "name = \"g\"\nmemory = 64\n"     /* lines 1 and 2 of most error cases */

static GuestConfig *parse_ok(const char *text)
{
    g_autoptr(GError) err = NULL;
    GuestConfig *cfg = guest_config_parse(text, -1, "/etc/wirt/guest.cfg", &err);

    g_assert_no_error(err);
    g_assert_nonnull(cfg);
    return cfg;
}

static void test_good(void)
{
    static const char text[] =
        "# A guest for the tests.\n"
        "\n"
        "name   = \"web-1\"        # trailing comment\n"
        "memory=256\r\n"
        "kernel = \"vmlinuz\"\n"
        "initrd = \"/boot/initrd.img\"\n"
        "cmdline = \"console=ttyS0 msg=\\\"hi\\\" path=C:\\\\x # not a comment\"\n"
        "bios = \"../fw/bios.bin\"\n"
        "machine = pc\n"
        "clock = \"insns,shift=5\"\n"
        "rtc = \"base=2006-06-26T12:00:00\"\n"
        "serial = [\n"
        "    \"stdio\",     # COM1\n"
        "    \"file:com2.log\"\n"
        "]\n"
        "   \t\n"
        "# the end, without a newline";
    g_autoptr(GuestConfig) cfg = parse_ok(text);

    g_assert_cmpstr(cfg->name, ==, "web-1");
    g_assert_cmpint(cfg->memory_mib, ==, 256);
    g_assert_cmpstr(cfg->kernel, ==, "/etc/wirt/vmlinuz");
    g_assert_cmpstr(cfg->initrd, ==, "/boot/initrd.img");
    g_assert_cmpstr(cfg->cmdline, ==, "console=ttyS0 msg=\"hi\" path=C:\\x # not a comment");
    g_assert_cmpstr(cfg->bios, ==, "/etc/fw/bios.bin");
    g_assert_cmpstr(cfg->machine, ==, "pc");
    g_assert_cmpstr(cfg->clock, ==, "insns,shift=5");
    g_assert_cmpstr(cfg->rtc, ==, "base=2006-06-26T12:00:00");
    g_assert_cmpuint(g_strv_length(cfg->serial), ==, 2);
    g_assert_cmpstr(cfg->serial[0], ==, "stdio");
    g_assert_cmpstr(cfg->serial[1], ==, "file:com2.log");
    /* What the file does not set stays unset. */
    g_assert_null(cfg->flat);
    g_assert_null(cfg->modules);
    g_assert_cmpint(cfg->max_insns, ==, GUEST_INT_UNSET);
    g_assert_false(cfg->no_reboot);
}

static void test_minimal(void)
{
    g_autoptr(GuestConfig) cfg = parse_ok("name=\"m\"\nmemory=1");
    g_autoptr(GuestConfig) cfg2 = parse_ok("memory = 3584\nname = \"x\"\nserial = \"none\"\n"
                                           "machine = \"test\"\ncmdline = \"\"\n");

    g_assert_cmpint(cfg->memory_mib, ==, 1);
    g_assert_null(cfg->kernel);
    g_assert_null(cfg->serial);
    g_assert_cmpint(cfg2->memory_mib, ==, 3584);
    g_assert_cmpstr(cfg2->serial[0], ==, "none");
    g_assert_null(cfg2->serial[1]);
    g_assert_cmpstr(cfg2->machine, ==, "test");
    g_assert_cmpstr(cfg2->cmdline, ==, "");
}

typedef struct ErrorCase {
    const char *text;
    GuestConfigError code;
    const char *message;
} ErrorCase;

static const ErrorCase error_cases[] = {
    /* values */
    { "name = \"g\"\nmemory = lots\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got 'lots'" },
    { "name = \"g\"\nmemory = 0\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got '0'" },
    { "name = \"g\"\nmemory = -5\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got '-5'" },
    { "name = \"g\"\nmemory = 3585\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got '3585'" },
    { "name = \"g\"\nmemory = 99999999999999999999999\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got "
      "'99999999999999999999999'" },
    { "name = \"g\"\nmemory = \"256\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got '\"256\"'" },
    { "name = \"g\"\nmemory = 25x\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected a number of MiB from 1 to 3584, got '25x'" },
    { "name = \"g\"\nmemory = [1]\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:2: memory: expected one value, got a list" },
    { HEAD "kernel = /boot/vmlinuz\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: kernel: expected a quoted file name, got '/boot/vmlinuz' (strings are "
      "written in \"quotes\")" },
    { HEAD "kernel = \"\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: kernel: expected a file name, got ''" },
    { HEAD "cmdline = 5\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: cmdline: expected a quoted string, got '5'" },
    { "name = web\nmemory = 64\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:1: name: expected a quoted string, got 'web' (strings are written in "
      "\"quotes\")" },
    { "name = \"a/b\"\nmemory = 64\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:1: name: 'a/b' contains '/' (a guest name is 1 to 64 letters, digits, "
      "'_', '.' or '-', not starting with '.')" },
    { HEAD "machine = pcx\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: machine: expected pc or test, got 'pcx'" },
    { HEAD "machine = \"PC\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: machine: expected pc or test, got 'PC'" },
    { HEAD "machine = 5\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: machine: expected pc or test, got '5'" },
    { HEAD "clock = \"fast\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: clock: expected realtime, insns or insns,shift=N (N from 0 to 20), "
      "got 'fast'" },
    { HEAD "clock = \"insns,shift=21\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: clock: expected realtime, insns or insns,shift=N (N from 0 to 20), "
      "got 'insns,shift=21'" },
    { HEAD "rtc = \"base=1979-12-31T23:59:59\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: rtc: expected base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS "
      "(years 1980-2099), got 'base=1979-12-31T23:59:59'" },
    { HEAD "rtc = \"base=2006-02-30T00:00:00\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: rtc: expected base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS "
      "(years 1980-2099), got 'base=2006-02-30T00:00:00'" },
    { HEAD "serial = \"tty\"\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: serial: 'tty': expected stdio, none, file:PATH or unix:PATH" },
    { HEAD "serial = [\"stdio\", \"file:a\", \"none\"]\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: serial: expected 1 to 2 strings, got 3" },
    { HEAD "serial = []\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: serial: expected 1 to 2 strings, got an empty list" },
    { HEAD "serial = [\n  \"stdio\",\n  \"bogus\"\n]\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:5: serial: 'bogus': expected stdio, none, file:PATH or unix:PATH" },
    { HEAD "serial = [stdio]\n", GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: serial: expected a quoted string, got 'stdio' (strings are written in "
      "\"quotes\")" },
    { HEAD "cmdline = \"a very long command line that goes on and on and on\"\nmachine = x\n",
      GUEST_CONFIG_ERROR_VALUE, "guest.cfg:4: machine: expected pc or test, got 'x'" },
    { HEAD "clock = \"insns,shift=1234567890123456789012345678901234567890\"\n",
      GUEST_CONFIG_ERROR_VALUE,
      "guest.cfg:3: clock: expected realtime, insns or insns,shift=N (N from 0 to 20), "
      "got 'insns,shift=1234567890123456789012345678...'" },
    /* keys */
    { HEAD "memroy = 5\n", GUEST_CONFIG_ERROR_KEY,
      "guest.cfg:3: memroy: unknown key (did you mean memory?)" },
    { HEAD "frobnicate = 1\n", GUEST_CONFIG_ERROR_KEY, "guest.cfg:3: frobnicate: unknown key" },
    { HEAD "Memory = 1\n", GUEST_CONFIG_ERROR_KEY,
      "guest.cfg:3: Memory: unknown key (did you mean memory?)" },
    { HEAD "flat = \"x\"\n", GUEST_CONFIG_ERROR_KEY,
      "guest.cfg:3: flat: unknown key (--flat is a command-line option only)" },
    { HEAD "max_insns = 5\n", GUEST_CONFIG_ERROR_KEY,
      "guest.cfg:3: max_insns: unknown key (--max-insns is a command-line option only)" },
    { HEAD "append = \"x\"\n", GUEST_CONFIG_ERROR_KEY,
      "guest.cfg:3: append: unknown key (--append is cmdline in a config file)" },
    { HEAD "memory = 32\n", GUEST_CONFIG_ERROR_DUPLICATE,
      "guest.cfg:3: memory: given twice (first on line 2)" },
    { HEAD "\n# again\nname = \"g\"\n", GUEST_CONFIG_ERROR_DUPLICATE,
      "guest.cfg:5: name: given twice (first on line 1)" },
    { HEAD "disk = [\"file:/x.img,xvda,w\"]\n", GUEST_CONFIG_ERROR_UNSUPPORTED,
      "guest.cfg:3: disk is not supported yet" },
    { "name = \"g\"\n", GUEST_CONFIG_ERROR_MISSING, NULL },
    /* syntax */
    { HEAD "kernel \"x\"\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected '=' after the key, got '\"x\"'" },
    { HEAD "kernel\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected '=' after the key, got the end of the line" },
    { HEAD "= 5\n", GUEST_CONFIG_ERROR_SYNTAX, "guest.cfg:3: expected KEY = VALUE, got '='" },
    { HEAD "\"name\" = 5\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: expected KEY = VALUE, got '\"name\"'" },
    { HEAD "5 = 5\n", GUEST_CONFIG_ERROR_SYNTAX, "guest.cfg:3: expected KEY = VALUE, got '5'" },
    { HEAD "no-reboot = 1\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: expected KEY = VALUE, got 'no-reboot'" },
    { HEAD "--memory 5\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: expected KEY = VALUE, got '--memory'" },
    { HEAD "1a = 5\n", GUEST_CONFIG_ERROR_SYNTAX, "guest.cfg:3: expected KEY = VALUE, got '1a'" },
    { HEAD "kernel =\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected a value after '=', got the end of the line" },
    { HEAD "kernel = # nothing\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected a value after '=', got the end of the line" },
    { HEAD "kernel = ", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected a value after '=', got the end of the file" },
    { HEAD "kernel = = \"x\"\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: expected a value after '=', got '='" },
    { HEAD "kernel = \"a\" \"b\"\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: unexpected '\"b\"' after the value (one KEY = VALUE per line)" },
    { HEAD "kernel = \"a\" memory = 5\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: unexpected 'memory' after the value (one KEY = VALUE per line)" },
    { HEAD "kernel = \"abc\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: unterminated string (a string ends with \" on the line it "
      "starts on)" },
    { HEAD "kernel = \"abc\\", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: kernel: unknown escape '\\' in a string (only \\\" and \\\\ are "
      "escapes)" },
    { HEAD "cmdline = \"a\\nb\"\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: cmdline: unknown escape '\\n' in a string (only \\\" and \\\\ are "
      "escapes)" },
    { HEAD "serial = [\"a\",]\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: serial: expected a value in the list, got ']'" },
    { HEAD "serial = [,]\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: serial: expected a value in the list, got ','" },
    { HEAD "serial = [\"a\" \"b\"]\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: serial: expected ',' or ']' in the list, got '\"b\"'" },
    { HEAD "serial = [[\"a\"]]\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:3: serial: expected a value in the list, got '['" },
    { HEAD "serial = [\"stdio\",\n  \"none\"\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:5: serial: unterminated list (no ']' for the '[' on line 3)" },
    { HEAD "vif = [\n", GUEST_CONFIG_ERROR_SYNTAX,
      "guest.cfg:4: vif: unterminated list (no ']' for the '[' on line 3)" },
    { HEAD "kernel = \"caf\xc3\"\n", GUEST_CONFIG_ERROR_FILE,
      "guest.cfg:3: not UTF-8 text (or a NUL byte)" },
};

static void test_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        const ErrorCase *c = &error_cases[i];
        g_autoptr(GError) err = NULL;
        g_autoptr(GuestConfig) cfg = guest_config_parse(c->text, -1, "guest.cfg", &err);

        g_autofree char *shown = g_strescape(c->text, NULL);

        g_test_message("case %zu: %s", i, shown);
        g_assert_null(cfg);
        g_assert_error(err, GUEST_CONFIG_ERROR, (gint)c->code);
        if (c->message) {
            g_assert_cmpstr(err->message, ==, c->message);
        }
        g_assert_null(strchr(err->message, '\n'));      /* one line */
    }
}

/* A NUL byte is not text (the length is given, so it is inside the input). */
static void test_nul(void)
{
    static const char text[] = "name = \"g\"\nmemory = 64\n\ncmdline = \"a\0b\"\n";
    g_autoptr(GError) err = NULL;

    g_assert_null(guest_config_parse(text, sizeof(text) - 1, "nul.cfg", &err));
    g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_FILE);
    g_assert_cmpstr(err->message, ==, "nul.cfg:4: not UTF-8 text (or a NUL byte)");
}

static void test_missing(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;

    g_assert_null(guest_config_parse("name = \"g\"\nkernel = \"k\"\n", -1, "a.cfg", &err));
    g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_MISSING);
    g_assert_cmpstr(err->message, ==, "a.cfg: memory: required key missing (Guest RAM in MiB, "
                    "1 to 3584)");
    g_assert_null(guest_config_parse("# empty\n\n", -1, "b.cfg", &err2));
    g_assert_error(err2, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_MISSING);
    g_assert_true(g_str_has_prefix(err2->message, "b.cfg: name: required key missing ("));
}

static void test_reserved(void)
{
    static const char *const values[] = {
        "\"x\"", "5", "yes", "[\"a\", \"b\"]", "[\n 1,\n 2\n]", "[]",
    };
    static const char *const keys[] = { "disk", "cdrom", "vif", "vnc", "sdl" };

    for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
        for (size_t v = 0; v < G_N_ELEMENTS(values); v++) {
            g_autofree char *text = g_strdup_printf(HEAD "# reserved\n%s = %s\n", keys[k],
                                                    values[v]);
            g_autofree char *want = g_strdup_printf("my.cfg:4: %s is not supported yet",
                                                    keys[k]);
            g_autoptr(GError) err = NULL;

            g_assert_null(guest_config_parse(text, -1, "my.cfg", &err));
            g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_UNSUPPORTED);
            g_assert_cmpstr(err->message, ==, want);
        }
    }
}

static void test_files(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("wirt-guestcfg-XXXXXX", &err);
    g_autofree char *path = g_build_filename(dir, "web.cfg", NULL);
    g_autofree char *big = g_build_filename(dir, "big.cfg", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing.cfg", NULL);
    g_autofree char *kernel = g_build_filename(dir, "images", "bzImage", NULL);
    g_autofree char *bad = NULL;
    g_autofree char *filler = g_strnfill(GUEST_CONFIG_MAX_BYTES, '#');
    g_autoptr(GuestConfig) cfg = NULL;

    g_assert_no_error(err);
    g_assert_true(g_file_set_contents(path, "name = \"web\"\nmemory = 128\n"
                                      "kernel = \"images/./bzImage\"\nbogus = 1\n", -1, NULL));
    g_assert_null(guest_config_load(path, &err));
    bad = g_strdup_printf("%s:4: bogus: unknown key", path);
    g_assert_cmpstr(err->message, ==, bad);
    g_clear_error(&err);
    g_assert_true(g_file_set_contents(path, "name = \"web\"\nmemory = 128\n"
                                      "kernel = \"images/./bzImage\"\n", -1, NULL));
    cfg = guest_config_load(path, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(cfg->kernel, ==, kernel);
    g_assert_null(guest_config_load(missing, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&err);
    /* GUEST_CONFIG_MAX_BYTES of comment is a config (missing its keys); one more is not. */
    g_assert_true(g_file_set_contents(big, filler, -1, NULL));
    g_assert_null(guest_config_load(big, &err));
    g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_MISSING);
    g_clear_error(&err);
    g_free(filler);
    filler = g_strnfill(GUEST_CONFIG_MAX_BYTES + 1, '#');
    g_assert_true(g_file_set_contents(big, filler, -1, NULL));
    g_assert_null(guest_config_load(big, &err));
    g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_FILE);
    g_assert_true(g_str_has_suffix(err->message, "bytes is too large for a config file (at "
                                   "most 1048576)"));
    unlink(path);
    unlink(big);
    rmdir(dir);
}

/* ---- the table ---- */

static void test_table(void)
{
    size_t n;
    const GuestOption *opts = guest_options(&n);

    for (size_t i = 0; i < n; i++) {
        const GuestOption *o = &opts[i];
        g_assert_true(o->key || o->long_name);
        g_assert_nonnull(o->help);
        g_assert_true(!o->required || o->key);
        g_assert_true((o->kind == GUEST_KIND_FLAG) <= !o->key);          /* flags: CLI only */
        g_assert_true((o->kind == GUEST_KIND_RESERVED) <= !o->long_name); /* config only */
        g_assert_true(o->kind == GUEST_KIND_RESERVED || o->kind == GUEST_KIND_FLAG ||
                      o->arg != NULL);
        g_assert_true((o->kind == GUEST_KIND_WORD) == (o->choices != NULL));
        g_assert_true(o->kind != GUEST_KIND_INT || (o->what && o->min <= o->max));
        if (o->key) {
            g_assert_true(guest_option_by_key(o->key) == o);
        }
        if (o->long_name) {
            g_assert_true(guest_option_by_long_name(o->long_name) == o);
        }
        for (size_t j = 0; j < i && o->kind != GUEST_KIND_RESERVED; j++) {
            g_assert_true(opts[j].kind == GUEST_KIND_RESERVED || opts[j].offset != o->offset);
        }
    }
    g_assert_cmpstr(guest_option_by_key("cmdline")->long_name, ==, "append");
    g_assert_cmpint(guest_option_by_key("memory")->short_name, ==, 'm');
    g_assert_null(guest_option_by_key("flat"));
    g_assert_null(guest_option_by_long_name("disk"));
}

/* Parses ARGV (NULL-terminated) with the table's entries into a new GuestConfig. */
static GuestConfig *parse_argv(const char *const *argv)
{
    GuestConfig *cfg = guest_config_new();
    g_autofree GOptionEntry *entries = guest_option_entries(cfg);
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_auto(GStrv) args = g_strdupv((char **)argv);
    int argc = (int)g_strv_length(args);
    /* GLib takes what it parsed out of the array it is given: give it a copy. */
    g_autofree char **a = g_memdup2(args, sizeof(char *) * (size_t)(argc + 1));
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_help_enabled(ctx, FALSE);
    g_assert_true(g_option_context_parse(ctx, &argc, &a, &err));
    g_assert_no_error(err);
    g_assert_cmpint(argc, ==, 1);
    return cfg;
}

static void test_entries(void)
{
    static const char *const argv[] = {
        "run", "--name", "cli", "-m", "64", "--kernel", "k", "--append", "a b",
        "--serial", "stdio", "--serial", "none", "--no-reboot", "--max-insns", "100",
        "--module", "m1", "--module", "m2", "--machine", "pc", "--clock", "insns",
        "--rtc", "base=utc", "--flat-addr", "0x8000", NULL,
    };
    g_autoptr(GuestConfig) cfg = parse_argv(argv);
    g_autoptr(GError) err = NULL;

    g_assert_cmpstr(cfg->name, ==, "cli");
    g_assert_cmpint(cfg->memory_mib, ==, 64);
    g_assert_cmpstr(cfg->kernel, ==, "k");
    g_assert_cmpstr(cfg->cmdline, ==, "a b");
    g_assert_cmpstr(cfg->serial[1], ==, "none");
    g_assert_true(cfg->no_reboot);
    g_assert_cmpint(cfg->max_insns, ==, 100);
    g_assert_cmpstr(cfg->modules[1], ==, "m2");
    g_assert_cmpstr(cfg->flat_addr, ==, "0x8000");
    g_assert_true(guest_config_check(cfg, &err));
    g_assert_no_error(err);
}

/* The command line over a file: what it gives replaces, what it leaves stays. */
static void test_merge(void)
{
    static const char *const argv[] = {
        "run", "-m", "64", "--serial", "none", "--no-reboot", NULL,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GuestConfig) file = guest_config_parse(
        "name = \"web\"\nmemory = 256\nkernel = \"/k\"\nserial = [\"stdio\", \"none\"]\n",
        -1, "/etc/web.cfg", &err);
    g_autoptr(GuestConfig) cli = parse_argv(argv);

    g_assert_no_error(err);
    guest_config_merge(file, cli);
    g_assert_cmpstr(file->name, ==, "web");
    g_assert_cmpint(file->memory_mib, ==, 64);
    g_assert_cmpstr(file->kernel, ==, "/k");
    g_assert_cmpuint(g_strv_length(file->serial), ==, 1);
    g_assert_cmpstr(file->serial[0], ==, "none");
    g_assert_true(file->no_reboot);
    g_assert_cmpint(file->max_insns, ==, GUEST_INT_UNSET);
    g_assert_null(file->flat);
}

static void test_cli_check(void)
{
    static const struct {
        const char *opt, *value, *message;
    } cases[] = {
        { "-m", "0", "--memory: expected a number of MiB from 1 to 3584, got '0'" },
        { "--clock", "fast", "--clock: expected realtime, insns or insns,shift=N (N from 0 to "
          "20), got 'fast'" },
        { "--machine", "big", "--machine: expected pc or test, got 'big'" },
        { "--name", ".x", "--name: '.x' starts with '.' (a guest name is 1 to 64 letters, "
          "digits, '_', '.' or '-', not starting with '.')" },
        { "--serial", "tty", "--serial: 'tty': expected stdio, none, file:PATH or unix:PATH" },
        { "--flat-addr", "0x10000", "--flat-addr: expected an address from 0 to 0xffff, got "
          "'0x10000'" },
        { "--max-insns", "-1", "--max-insns: expected a number of instructions, 0 or more, "
          "got '-1'" },
        { "--kernel", "", "--kernel: expected a file name, got ''" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *argv[] = { "run", cases[i].opt, cases[i].value, NULL };
        g_autoptr(GuestConfig) cfg = parse_argv(argv);
        g_autoptr(GError) err = NULL;

        g_assert_false(guest_config_check(cfg, &err));
        g_assert_error(err, GUEST_CONFIG_ERROR, GUEST_CONFIG_ERROR_VALUE);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
    {
        const char *argv[] = { "run", "--serial", "stdio", "--serial", "none", "--serial",
                               "none", NULL };
        g_autoptr(GuestConfig) cfg = parse_argv(argv);
        g_autoptr(GError) err = NULL;

        g_assert_false(guest_config_check(cfg, &err));
        g_assert_cmpstr(err->message, ==, "--serial: expected 1 to 2 strings, got 3");
    }
}

static void test_parsers(void)
{
    bool insns = true;
    int shift = 99;
    gint64 t = 0;

    g_assert_true(guest_parse_clock("realtime", &insns, &shift));
    g_assert_false(insns);
    g_assert_true(guest_parse_clock("insns", &insns, &shift));
    g_assert_true(insns);
    g_assert_cmpint(shift, ==, -1);
    g_assert_true(guest_parse_clock("insns,shift=20", &insns, &shift));
    g_assert_cmpint(shift, ==, 20);
    g_assert_false(guest_parse_clock("insns,shift=", &insns, &shift));
    g_assert_false(guest_parse_clock("insns,shift= 1", &insns, &shift));
    g_assert_false(guest_parse_clock("Realtime", &insns, &shift));
    g_assert_true(guest_parse_rtc_date("2006-06-26T12:00:00", &t));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(1151323200));
    g_assert_false(guest_parse_rtc_date("2006-06-26T12:00:00Z", &t));
    g_assert_false(guest_parse_rtc_date("2100-01-01T00:00:00", &t));
}

/* The line of TEXT that starts with PREFIX, or NULL. */
static char *doc_row(const char *text, const char *prefix)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (size_t i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], prefix)) {
            return g_strdup(lines[i]);
        }
    }
    return NULL;
}

/*
 * docs/config.md documents every key and option: a table row that starts with the `key`
 * and names its `--option` (or starts with the `--option` when there is no key). The
 * source tree is found from this file's path (meson test runs in the build directory).
 */
static void test_docs(void)
{
    g_autofree char *here = g_canonicalize_filename(__FILE__, NULL);
    g_autofree char *tests = g_path_get_dirname(here);
    g_autofree char *doc = g_build_filename(tests, "..", "docs", "config.md", NULL);
    g_autofree char *text = NULL;
    size_t n;
    const GuestOption *opts = guest_options(&n);

    if (!g_file_get_contents(doc, &text, NULL, NULL)) {
        g_test_skip("docs/config.md not found from " __FILE__);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const GuestOption *o = &opts[i];
        g_autofree char *start = o->key ? g_strdup_printf("| `%s` |", o->key)
                                        : g_strdup_printf("| `--%s", o->long_name);
        g_autofree char *opt = o->long_name ? g_strdup_printf("`--%s", o->long_name) : NULL;
        g_autofree char *row = doc_row(text, start);

        g_test_message("%s", start);
        g_assert_nonnull(row);
        g_assert_true(!opt || strstr(row, opt));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/guestcfg/good", test_good);
    g_test_add_func("/guestcfg/minimal", test_minimal);
    g_test_add_func("/guestcfg/errors", test_errors);
    g_test_add_func("/guestcfg/nul", test_nul);
    g_test_add_func("/guestcfg/missing", test_missing);
    g_test_add_func("/guestcfg/reserved", test_reserved);
    g_test_add_func("/guestcfg/files", test_files);
    g_test_add_func("/guestcfg/table", test_table);
    g_test_add_func("/guestcfg/entries", test_entries);
    g_test_add_func("/guestcfg/merge", test_merge);
    g_test_add_func("/guestcfg/cli-check", test_cli_check);
    g_test_add_func("/guestcfg/parsers", test_parsers);
    g_test_add_func("/guestcfg/docs", test_docs);
    return g_test_run();
}
