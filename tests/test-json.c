/*
 * Unit tests of base/json: the strict RFC 8259 reader. Valid documents, lookups, escapes
 * and surrogate pairs, and every class of rejected input with its line/column message.
 */
#include <string.h>

#include "base/json.h"

static JsonNode *parse_ok(const char *text)
{
    g_autoptr(GError) err = NULL;
    JsonNode *root = json_parse(text, -1, &err);

    g_assert_no_error(err);
    g_assert_nonnull(root);
    return root;
}

static void test_scalars(void)
{
    static const struct {
        const char *text;
        JsonType type;
    } cases[] = {
        { "null", JSON_NULL }, { "true", JSON_BOOL }, { " false ", JSON_BOOL },
        { "0", JSON_NUMBER }, { "\"\"", JSON_STRING }, { "[]", JSON_ARRAY },
        { "{}", JSON_OBJECT }, { "\t\r\n 1\n", JSON_NUMBER },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) n = parse_ok(cases[i].text);
        g_assert_cmpint(json_type(n), ==, cases[i].type);
    }
}

static void test_numbers(void)
{
    static const struct {
        const char *text;
        double d;
        bool is_int;
        int64_t i;
    } cases[] = {
        { "0", 0, true, 0 },
        { "-0", 0, true, 0 },
        { "42", 42, true, 42 },
        { "-17", -17, true, -17 },
        { "65519", 65519, true, 65519 },
        { "9223372036854775807", 9223372036854775807.0, true, INT64_MAX },
        { "-9223372036854775808", -9223372036854775808.0, true, INT64_MIN },
        { "9223372036854775808", 9223372036854775808.0, false, 0 },
        { "1.5", 1.5, false, 0 },
        { "-0.25", -0.25, false, 0 },
        { "1e3", 1000, false, 0 },
        { "2E-2", 0.02, false, 0 },
        { "1.5e+2", 150, false, 0 },
        { "1e-400", 0, false, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) n = parse_ok(cases[i].text);
        double d;
        int64_t v;

        g_assert_true(json_get_double(n, &d));
        g_assert_cmpfloat_with_epsilon(d, cases[i].d, 1e-9);
        g_assert_cmpint(json_get_int(n, &v), ==, cases[i].is_int);
        if (cases[i].is_int) {
            g_assert_cmpint(v, ==, cases[i].i);
        }
    }
}

static void test_strings(void)
{
    static const struct {
        const char *text;
        const char *utf8;
        size_t len;
    } cases[] = {
        { "\"abc\"", "abc", 3 },
        { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
        { "\"\\u0041\\u00e9\"", "A\xc3\xa9", 3 },
        { "\"\\u20AC\"", "\xe2\x82\xac", 3 },
        { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4 },      /* U+1F600 */
        { "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4 },      /* U+10FFFF */
        { "\"a\\u0000b\"", "a\0b", 3 },
        { "\"caf\xc3\xa9 \xe2\x82\xac\"", "caf\xc3\xa9 \xe2\x82\xac", 9 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) n = parse_ok(cases[i].text);
        size_t len = 0;
        const char *s = json_get_string(n, &len);

        g_assert_nonnull(s);
        g_assert_cmpuint(len, ==, cases[i].len);
        g_assert_cmpmem(s, len, cases[i].utf8, cases[i].len);
        g_assert_cmpint(s[len], ==, 0);
    }
}

static void test_containers(void)
{
    g_autoptr(JsonNode) root = parse_ok(
        "{\n"
        "  \"opcodes\": {\n"
        "    \"08\": { \"status\": \"normal\", \"flags-mask\": 65519 },\n"
        "    \"80\": { \"reg\": { \"4\": { \"flags-mask\": 65519 } } }\n"
        "  },\n"
        "  \"list\": [1, \"two\", [3], {\"four\": 4}, null, true],\n"
        "  \"z\": false\n"
        "}\n");
    int64_t v = 0;
    bool b = true;

    g_assert_cmpint(json_type(root), ==, JSON_OBJECT);
    g_assert_cmpuint(json_length(root), ==, 3);
    g_assert_cmpstr(json_member_key(root, 0), ==, "opcodes");
    g_assert_cmpstr(json_member_key(root, 2), ==, "z");
    g_assert_true(json_get_bool(json_member_value(root, 2), &b));
    g_assert_false(b);
    g_assert_null(json_member_key(root, 3));

    g_assert_true(json_get_int(json_lookup(root, "opcodes", "08", "flags-mask", NULL), &v));
    g_assert_cmpint(v, ==, 65519);
    g_assert_true(json_get_int(json_lookup(root, "opcodes", "80", "reg", "4", "flags-mask",
                                           NULL), &v));
    g_assert_cmpstr(json_get_string(json_lookup(root, "opcodes", "08", "status", NULL), NULL),
                    ==, "normal");
    g_assert_null(json_lookup(root, "opcodes", "81", NULL));
    g_assert_null(json_lookup(root, "opcodes", "08", "status", "deeper", NULL));

    JsonNode *list = json_object_get(root, "list");
    g_assert_cmpuint(json_length(list), ==, 6);
    g_assert_cmpstr(json_get_string(json_array_get(list, 1), NULL), ==, "two");
    g_assert_cmpuint(json_length(json_array_get(list, 2)), ==, 1);
    g_assert_nonnull(json_object_get(json_array_get(list, 3), "four"));
    g_assert_cmpint(json_type(json_array_get(list, 4)), ==, JSON_NULL);
    g_assert_null(json_array_get(list, 6));

    /* Wrong-type accessors fail instead of crashing. */
    g_assert_false(json_get_int(list, &v));
    g_assert_null(json_get_string(root, NULL));
    g_assert_null(json_array_get(root, 0));
    g_assert_null(json_object_get(list, "x"));
    g_assert_cmpuint(json_length(json_array_get(list, 0)), ==, 0);
    g_assert_cmpstr(json_type_name(JSON_OBJECT), ==, "object");
}

static void test_length_argument(void)
{
    g_autoptr(GError) err = NULL;
    /* Only the first 4 bytes are the document; the rest must not be read. */
    g_autoptr(JsonNode) n = json_parse("[12]garbage", 4, &err);
    g_autoptr(JsonNode) num = json_parse("123", 2, &err);
    int64_t v;

    g_assert_no_error(err);
    g_assert_cmpuint(json_length(n), ==, 1);
    g_assert_true(json_get_int(num, &v));
    g_assert_cmpint(v, ==, 12);
}

/* Each rejected input with the error it must produce (a substring) and where. */
static const struct {
    const char *text;
    JsonError code;
    const char *message;
} bad_cases[] = {
    { "", JSON_ERROR_SYNTAX, "line 1, column 1: expected a value, found end of input" },
    { "   ", JSON_ERROR_SYNTAX, "line 1, column 4: expected a value" },
    { "nul", JSON_ERROR_SYNTAX, "line 1, column 1: expected a value, found 'n'" },
    { "True", JSON_ERROR_SYNTAX, "expected a value, found 'T'" },
    { "[1,]", JSON_ERROR_SYNTAX, "line 1, column 4: expected a value, found ']'" },
    { "[1 2]", JSON_ERROR_SYNTAX, "column 4: expected ',' or ']' after an array element" },
    { "{\"a\":1,}", JSON_ERROR_SYNTAX, "column 8: expected a string key, found '}'" },
    { "{\"a\" 1}", JSON_ERROR_SYNTAX, "expected ':' after an object key" },
    { "{a:1}", JSON_ERROR_SYNTAX, "expected a string key, found 'a'" },
    { "{\"a\":1 \"b\":2}", JSON_ERROR_SYNTAX, "expected ',' or '}' after an object member" },
    { "{\"a\":1,\"a\":2}", JSON_ERROR_SYNTAX, "column 8: duplicate key \"a\"" },
    { "[1]x", JSON_ERROR_SYNTAX, "column 4: unexpected 'x' after the document" },
    { "1 2", JSON_ERROR_SYNTAX, "unexpected '2' after the document" },
    { "{}\n\n  }", JSON_ERROR_SYNTAX, "line 3, column 3: unexpected '}'" },
    { "01", JSON_ERROR_SYNTAX, "leading zeros are not allowed" },
    { "-", JSON_ERROR_SYNTAX, "expected a digit, found end of input" },
    { "+1", JSON_ERROR_SYNTAX, "expected a value, found '+'" },
    { ".5", JSON_ERROR_SYNTAX, "expected a value, found '.'" },
    { "5.", JSON_ERROR_SYNTAX, "expected a digit after the decimal point" },
    { "1e", JSON_ERROR_SYNTAX, "expected a digit in the exponent" },
    { "1e+", JSON_ERROR_SYNTAX, "expected a digit in the exponent" },
    { "NaN", JSON_ERROR_SYNTAX, "expected a value" },
    { "Infinity", JSON_ERROR_SYNTAX, "expected a value" },
    { "1e999", JSON_ERROR_RANGE, "number 1e999 is out of range" },
    { "\"abc", JSON_ERROR_SYNTAX, "column 1: unterminated string" },
    { "\"a\tb\"", JSON_ERROR_SYNTAX, "column 3: raw control character U+0009" },
    { "\"a\nb\"", JSON_ERROR_SYNTAX, "raw control character U+000A" },
    { "\"\\x\"", JSON_ERROR_SYNTAX, "column 2: invalid escape \\'x'" },
    { "\"\\u12\"", JSON_ERROR_SYNTAX, "expected four hex digits after \\u" },
    { "\"\\u12G4\"", JSON_ERROR_SYNTAX, "expected four hex digits after \\u, found 'G'" },
    { "\"\\udc00\"", JSON_ERROR_SYNTAX, "lone low surrogate \\udc00" },
    { "\"\\ud800\"", JSON_ERROR_SYNTAX, "high surrogate \\ud800 not followed by \\u" },
    { "\"\\ud800\\u0041\"", JSON_ERROR_SYNTAX, "followed by \\u0041, not a low surrogate" },
    { "\"\xc3\x28\"", JSON_ERROR_SYNTAX, "column 2: invalid UTF-8" },
    { "\xef\xbb\xbf{}", JSON_ERROR_SYNTAX, "expected a value, found byte 0xef" },
    { "// comment\n{}", JSON_ERROR_SYNTAX, "expected a value, found '/'" },
    { "[1, /* c */ 2]", JSON_ERROR_SYNTAX, "found '/'" },
    { "['a']", JSON_ERROR_SYNTAX, "found '''" },
};

static void test_rejects(gconstpointer data)
{
    size_t i = GPOINTER_TO_SIZE(data);
    g_autoptr(GError) err = NULL;
    JsonNode *n = json_parse(bad_cases[i].text, -1, &err);

    g_assert_null(n);
    g_assert_error(err, JSON_ERROR, (gint)bad_cases[i].code);
    if (!strstr(err->message, bad_cases[i].message)) {
        g_test_message("input %s: got \"%s\", want \"%s\"", bad_cases[i].text, err->message,
                       bad_cases[i].message);
        g_test_fail();
    }
}

static void test_nul_byte(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(json_parse("[1,\0 2]", 7, &err));
    g_assert_error(err, JSON_ERROR, JSON_ERROR_SYNTAX);
    g_assert_nonnull(strstr(err->message, "column 4: NUL byte in text"));
}

static char *nested(int depth)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < depth; i++) {
        g_string_append(s, i % 2 ? "{\"k\":" : "[");
    }
    g_string_append(s, "0");
    for (int i = depth - 1; i >= 0; i--) {
        g_string_append_c(s, i % 2 ? '}' : ']');
    }
    return g_string_free(s, FALSE);
}

static void test_depth(void)
{
    g_autofree char *ok = nested(JSON_MAX_DEPTH);
    g_autofree char *deep = nested(JSON_MAX_DEPTH + 1);
    g_autofree char *very_deep = nested(100000);
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;

    json_free(parse_ok(ok));

    g_assert_null(json_parse(deep, -1, &err));
    g_assert_error(err, JSON_ERROR, JSON_ERROR_DEPTH);
    g_assert_nonnull(strstr(err->message, "nested deeper than 256 levels"));
    g_assert_null(json_parse(very_deep, -1, &err2));
    g_assert_error(err2, JSON_ERROR, JSON_ERROR_DEPTH);
}

static void test_null_error(void)
{
    /* A NULL GError** is allowed: failure is still reported by the return value. */
    g_assert_null(json_parse("[", -1, NULL));
}

static void test_metadata_file(void)
{
    g_autofree char *path = g_build_filename(g_getenv("WIRT_TESTDATA") ?: "../shared/testdata",
                                             "cpu", "80286_real_mode", "metadata.json", NULL);
    g_autofree char *text = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    int64_t mask;

    if (!g_file_get_contents(path, &text, &len, NULL)) {
        g_test_skip("metadata.json not found");
        return;
    }
    g_autoptr(JsonNode) root = json_parse(text, (gssize)len, &err);
    g_assert_no_error(err);
    g_assert_true(json_get_int(json_lookup(root, "opcodes", "F6", "reg", "6", "flags-mask",
                                           NULL), &mask));
    g_assert_cmpint(mask, ==, 63274);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/scalars", test_scalars);
    g_test_add_func("/json/numbers", test_numbers);
    g_test_add_func("/json/strings", test_strings);
    g_test_add_func("/json/containers", test_containers);
    g_test_add_func("/json/length-argument", test_length_argument);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/json/reject/%zu", i);
        g_test_add_data_func(name, GSIZE_TO_POINTER(i), test_rejects);
    }
    g_test_add_func("/json/nul-byte", test_nul_byte);
    g_test_add_func("/json/depth", test_depth);
    g_test_add_func("/json/null-error", test_null_error);
    g_test_add_func("/json/metadata-file", test_metadata_file);
    return g_test_run();
}
