/*
 * Unit tests of base/log: category parsing, level filtering, trace output to a file.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "base/log.h"

static void test_parse_categories(void)
{
    uint32_t mask = 0;
    g_autoptr(GError) err = NULL;

    g_assert_true(log_parse_categories("in_asm,exec,int,cpu,io", &mask, &err));
    g_assert_no_error(err);
    g_assert_cmphex(mask, ==, LOG_IN_ASM | LOG_EXEC | LOG_INT | LOG_CPU | LOG_IO);

    g_assert_true(log_parse_categories("all", &mask, &err));
    g_assert_true(mask & LOG_STATS);
    g_assert_true(mask & LOG_UNASSIGNED);
}

static void test_parse_unknown(void)
{
    uint32_t mask = 0x1234;
    g_autoptr(GError) err = NULL;

    g_assert_false(log_parse_categories("exec,bogus", &mask, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'bogus'"));
    g_assert_cmphex(mask, ==, 0x1234); /* unchanged on failure */
}

static void test_file_output(void)
{
    Log log;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("wirt-log-XXXXXX", &err);
    g_autofree char *path = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *text = NULL;

    g_assert_no_error(err);
    log_init(&log);
    g_assert_true(log_open_file(&log, path, &err));
    log.mask = LOG_INT;
    log_trace(&log, LOG_INT, "int %02x\n", 13);
    log_trace(&log, LOG_EXEC, "hidden\n");  /* category off */
    log_msg(&log, LOG_LEVEL_WARN, "shown %d", 1);
    log_msg(&log, LOG_LEVEL_DEBUG, "hidden");  /* below the level */
    log_close(&log);

    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_cmpstr(text, ==, "int 0d\nwirt: warning: shown 1\n");
    g_unlink(path);
    g_rmdir(dir);
}

static void test_open_missing_dir(void)
{
    Log log;
    g_autoptr(GError) err = NULL;

    log_init(&log);
    g_assert_false(log_open_file(&log, "/nonexistent-dir/x.log", &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent-dir/x.log"));
    g_assert_true(log.out == stderr);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log/parse-categories", test_parse_categories);
    g_test_add_func("/log/parse-unknown", test_parse_unknown);
    g_test_add_func("/log/file-output", test_file_output);
    g_test_add_func("/log/open-missing-dir", test_open_missing_dir);
    return g_test_run();
}
