/*
 * A small JSON writer (RFC 8259): appends compact, strictly valid JSON text to a GString,
 * escaping what must be escaped and replacing invalid UTF-8 with U+FFFD. base/json.h reads
 * what it writes.
 */
#include "base/jsonwriter.h"

#include <math.h>
#include <string.h>

void jw_init(JsonWriter *w)
{
    *w = (JsonWriter){ .out = g_string_new(NULL) };
}

char *jw_steal(JsonWriter *w)
{
    char *s;

    g_assert(w->depth == 0);
    s = g_string_free(w->out, FALSE);
    jw_init(w);
    return s;
}

void jw_clear(JsonWriter *w)
{
    if (w->out) {
        g_string_free(w->out, TRUE);
    }
    *w = (JsonWriter){ 0 };
}

static bool jw_in_array(const JsonWriter *w)
{
    return w->depth && ((w->in_array >> (w->depth - 1)) & 1);
}

/* The characters RFC 8259 requires escaped, and UTF-8 with bad sequences as U+FFFD. */
static void jw_escape(GString *out, const char *s, size_t len)
{
    static const char short_esc[] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
                                      ['\r'] = 'r', ['\t'] = 't' };
    const char *end = s + len;

    g_string_append_c(out, '"');
    while (s < end) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)ch);
        } else if (ch < 0x20) {
            if (ch < sizeof(short_esc) && short_esc[ch]) {
                g_string_append_c(out, '\\');
                g_string_append_c(out, short_esc[ch]);
            } else {
                g_string_append_printf(out, "\\u%04x", ch);
            }
        } else if (ch < 0x80) {
            g_string_append_c(out, (char)ch);
        } else {
            gunichar u = g_utf8_get_char_validated(s, end - s);
            if (u == (gunichar)-1 || u == (gunichar)-2) {
                g_string_append(out, "\xef\xbf\xbd");     /* U+FFFD */
            } else {
                const char *next = g_utf8_next_char(s);
                g_string_append_len(out, s, next - s);
                s = next;
                continue;
            }
        }
        s++;
    }
    g_string_append_c(out, '"');
}

/* The separator and the member name before a value. */
static void jw_prefix(JsonWriter *w, const char *key)
{
    g_assert(w->out);
    g_assert((key != NULL) == (w->depth > 0 && !jw_in_array(w)));
    g_assert(w->depth > 0 || w->out->len == 0);     /* one top-level value */
    if (w->need_comma) {
        g_string_append_c(w->out, ',');
    }
    if (key) {
        jw_escape(w->out, key, strlen(key));
        g_string_append_c(w->out, ':');
    }
    w->need_comma = true;
}

static void jw_begin(JsonWriter *w, const char *key, bool array)
{
    jw_prefix(w, key);
    g_assert(w->depth < JW_MAX_DEPTH);
    g_string_append_c(w->out, array ? '[' : '{');
    w->in_array = (w->in_array & ~(UINT64_C(1) << w->depth)) |
                  ((uint64_t)array << w->depth);
    w->depth++;
    w->need_comma = false;
}

static void jw_end(JsonWriter *w, bool array)
{
    g_assert(w->depth > 0 && jw_in_array(w) == array);
    g_string_append_c(w->out, array ? ']' : '}');
    w->depth--;
    w->need_comma = true;
}

void jw_object_begin(JsonWriter *w, const char *key)
{
    jw_begin(w, key, false);
}

void jw_object_end(JsonWriter *w)
{
    jw_end(w, false);
}

void jw_array_begin(JsonWriter *w, const char *key)
{
    jw_begin(w, key, true);
}

void jw_array_end(JsonWriter *w)
{
    jw_end(w, true);
}

void jw_string_len(JsonWriter *w, const char *key, const char *s, size_t len)
{
    jw_prefix(w, key);
    jw_escape(w->out, s, len);
}

void jw_string(JsonWriter *w, const char *key, const char *s)
{
    if (!s) {
        jw_null(w, key);
        return;
    }
    jw_string_len(w, key, s, strlen(s));
}

void jw_int(JsonWriter *w, const char *key, int64_t v)
{
    jw_prefix(w, key);
    g_string_append_printf(w->out, "%" G_GINT64_FORMAT, (gint64)v);
}

void jw_uint(JsonWriter *w, const char *key, uint64_t v)
{
    jw_prefix(w, key);
    g_string_append_printf(w->out, "%" G_GUINT64_FORMAT, (guint64)v);
}

void jw_double(JsonWriter *w, const char *key, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(v)) {
        jw_null(w, key);
        return;
    }
    jw_prefix(w, key);
    g_string_append(w->out, g_ascii_formatd(buf, sizeof(buf), "%.17g", v));
}

void jw_bool(JsonWriter *w, const char *key, bool v)
{
    jw_prefix(w, key);
    g_string_append(w->out, v ? "true" : "false");
}

void jw_null(JsonWriter *w, const char *key)
{
    jw_prefix(w, key);
    g_string_append(w->out, "null");
}

void jw_raw(JsonWriter *w, const char *key, const char *json)
{
    jw_prefix(w, key);
    g_string_append(w->out, json);
}

static void jw_number_node(JsonWriter *w, const char *key, const JsonNode *node)
{
    int64_t i;
    double d = 0;

    if (json_get_int(node, &i)) {
        jw_int(w, key, i);
    } else {
        json_get_double(node, &d);
        jw_double(w, key, d);
    }
}

void jw_node(JsonWriter *w, const char *key, const JsonNode *node)
{
    size_t len;
    bool b = false;

    switch (json_type(node)) {
    case JSON_NULL:
        jw_null(w, key);
        break;
    case JSON_BOOL:
        json_get_bool(node, &b);
        jw_bool(w, key, b);
        break;
    case JSON_NUMBER:
        jw_number_node(w, key, node);
        break;
    case JSON_STRING: {
        const char *s = json_get_string(node, &len);
        jw_string_len(w, key, s, len);
        break;
    }
    case JSON_ARRAY:
        jw_array_begin(w, key);
        for (size_t i = 0; i < json_length(node); i++) {
            jw_node(w, NULL, json_array_get(node, i));
        }
        jw_array_end(w);
        break;
    case JSON_OBJECT:
        jw_object_begin(w, key);
        for (size_t i = 0; i < json_length(node); i++) {
            jw_node(w, json_member_key(node, i), json_member_value(node, i));
        }
        jw_object_end(w);
        break;
    }
}
