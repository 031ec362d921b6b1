/*
 * A small strict JSON reader following RFC 8259 (grammar in section 2-7): recursive descent
 * over the whole text, building a tree of JsonNode. See json.h for what "strict" rejects.
 */
#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct JsonMember {
    char *key;
    size_t key_len;
    JsonNode *value;
} JsonMember;

struct JsonNode {
    JsonType type;
    bool is_int; /* JSON_NUMBER written as an integer that fits int64_t */
    union {
        bool b;
        struct {
            double d;
            int64_t i;
        } num;
        struct {
            char *s;
            size_t len;
        } str;
        GPtrArray *items; /* JSON_ARRAY: JsonNode * */
        struct {
            GPtrArray *members; /* JsonMember *, in document order */
            GHashTable *index;  /* JsonMember * -> itself, hashed by key bytes */
        } obj;
    } u;
};

typedef struct JsonParser {
    const char *start; /* the document */
    const char *p;     /* next unread byte */
    const char *end;
    int depth;
    GError **err;
} JsonParser;

G_DEFINE_QUARK(wirt-json-error-quark, json_error)

static JsonNode *json_parse_value(JsonParser *ps);

/* ---- errors ---- */

static void json_position(const JsonParser *ps, const char *at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void G_GNUC_PRINTF(4, 5)
json_fail(JsonParser *ps, JsonError code, const char *at, const char *fmt, ...)
{
    unsigned line, col;
    va_list ap;

    if (!ps->err || *ps->err) {
        return;
    }
    json_position(ps, at, &line, &col);
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(ps->err, JSON_ERROR, code, "line %u, column %u: %s", line, col, what);
}

/* How the byte at AT reads in an error message. */
static char *json_describe(const JsonParser *ps, const char *at)
{
    unsigned char c;

    if (at >= ps->end) {
        return g_strdup("end of input");
    }
    c = (unsigned char)*at;
    if (c > 0x20 && c < 0x7f) {
        return g_strdup_printf("'%c'", c);
    }
    return g_strdup_printf("byte 0x%02x", c);
}

static void json_fail_expected(JsonParser *ps, const char *what)
{
    g_autofree char *found = json_describe(ps, ps->p);
    json_fail(ps, JSON_ERROR_SYNTAX, ps->p, "expected %s, found %s", what, found);
}

/* ---- nodes ---- */

static JsonNode *json_node_new(JsonType type)
{
    JsonNode *n = g_new0(JsonNode, 1);
    n->type = type;
    return n;
}

static void json_member_free(gpointer data)
{
    JsonMember *m = data;
    g_free(m->key);
    json_free(m->value);
    g_free(m);
}

static guint json_member_hash(gconstpointer data)
{
    const JsonMember *m = data;
    guint h = 5381;
    for (size_t i = 0; i < m->key_len; i++) {
        h = h * 33 + (unsigned char)m->key[i];
    }
    return h;
}

static gboolean json_member_equal(gconstpointer a, gconstpointer b)
{
    const JsonMember *x = a, *y = b;
    return x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
}

void json_free(JsonNode *node)
{
    if (!node) {
        return;
    }
    switch (node->type) {
    case JSON_STRING:
        g_free(node->u.str.s);
        break;
    case JSON_ARRAY:
        g_ptr_array_unref(node->u.items);
        break;
    case JSON_OBJECT:
        g_hash_table_unref(node->u.obj.index);
        g_ptr_array_unref(node->u.obj.members);
        break;
    default:
        break;
    }
    g_free(node);
}

static void json_free_item(gpointer data)
{
    json_free(data);
}

/* ---- lexical pieces ---- */

static void json_skip_ws(JsonParser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static bool json_take(JsonParser *ps, char c)
{
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static bool json_is_digit(const JsonParser *ps, const char *q)
{
    return q < ps->end && *q >= '0' && *q <= '9';
}

static const char *json_skip_digits(const JsonParser *ps, const char *q)
{
    while (json_is_digit(ps, q)) {
        q++;
    }
    return q;
}

static JsonNode *json_parse_literal(JsonParser *ps)
{
    static const struct {
        const char *word;
        JsonType type;
        bool value;
    } literals[] = {
        { "true", JSON_BOOL, true },
        { "false", JSON_BOOL, false },
        { "null", JSON_NULL, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(literals); i++) {
        size_t n = strlen(literals[i].word);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, literals[i].word, n) == 0) {
            JsonNode *node = json_node_new(literals[i].type);
            node->u.b = literals[i].value;
            ps->p += n;
            return node;
        }
    }
    json_fail_expected(ps, "a value");
    return NULL;
}

/* number = [ minus ] int [ frac ] [ exp ]  (RFC 8259 section 6) */
static JsonNode *json_parse_number(JsonParser *ps)
{
    const char *q = ps->p;
    bool integral = true;
    char small[64];
    char *text;
    double d;

    if (q < ps->end && *q == '-') {
        q++;
    }
    if (!json_is_digit(ps, q)) {
        ps->p = q;
        json_fail_expected(ps, "a digit");
        return NULL;
    }
    if (*q == '0' && json_is_digit(ps, q + 1)) {
        json_fail(ps, JSON_ERROR_SYNTAX, q, "leading zeros are not allowed in numbers");
        return NULL;
    }
    q = json_skip_digits(ps, q);
    if (q < ps->end && *q == '.') {
        integral = false;
        if (!json_is_digit(ps, ++q)) {
            ps->p = q;
            json_fail_expected(ps, "a digit after the decimal point");
            return NULL;
        }
        q = json_skip_digits(ps, q);
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        integral = false;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (!json_is_digit(ps, q)) {
            ps->p = q;
            json_fail_expected(ps, "a digit in the exponent");
            return NULL;
        }
        q = json_skip_digits(ps, q);
    }

    /* The text may not be NUL-terminated here: convert a copy. */
    size_t n = (size_t)(q - ps->p);
    text = n < sizeof(small) ? small : g_malloc(n + 1);
    memcpy(text, ps->p, n);
    text[n] = '\0';
    d = g_ascii_strtod(text, NULL);
    if (isinf(d)) {
        json_fail(ps, JSON_ERROR_RANGE, ps->p, "number %s is out of range", text);
        if (text != small) {
            g_free(text);
        }
        return NULL;
    }
    JsonNode *node = json_node_new(JSON_NUMBER);
    node->u.num.d = d;
    if (integral) {
        errno = 0;
        node->u.num.i = g_ascii_strtoll(text, NULL, 10);
        node->is_int = errno == 0;
    }
    if (text != small) {
        g_free(text);
    }
    ps->p = q;
    return node;
}

/* Four hex digits after \u; -1 if malformed. */
static int json_hex4(JsonParser *ps)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        int d = ps->p < ps->end ? g_ascii_xdigit_value(*ps->p) : -1;
        if (d < 0) {
            json_fail_expected(ps, "four hex digits after \\u");
            return -1;
        }
        v = v * 16 + d;
        ps->p++;
    }
    return v;
}

/* The code point of a \u escape (ps->p just past the 'u'), joining surrogate pairs. */
static gunichar json_unicode_escape(JsonParser *ps, const char *esc)
{
    int hi = json_hex4(ps), lo;

    if (hi < 0) {
        return (gunichar)-1;
    }
    if (hi >= 0xdc00 && hi <= 0xdfff) {
        json_fail(ps, JSON_ERROR_SYNTAX, esc, "lone low surrogate \\u%04x", (unsigned)hi);
        return (gunichar)-1;
    }
    if (hi < 0xd800 || hi > 0xdbff) {
        return (gunichar)hi;
    }
    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
        json_fail(ps, JSON_ERROR_SYNTAX, esc, "high surrogate \\u%04x not followed by \\u",
                  (unsigned)hi);
        return (gunichar)-1;
    }
    ps->p += 2;
    lo = json_hex4(ps);
    if (lo < 0) {
        return (gunichar)-1;
    }
    if (lo < 0xdc00 || lo > 0xdfff) {
        json_fail(ps, JSON_ERROR_SYNTAX, esc, "high surrogate \\u%04x followed by \\u%04x, "
                  "not a low surrogate", (unsigned)hi, (unsigned)lo);
        return (gunichar)-1;
    }
    return 0x10000 + (((gunichar)hi - 0xd800) << 10) + ((gunichar)lo - 0xdc00);
}

/* One escape sequence (ps->p at the backslash), appended to OUT. */
static bool json_escape(JsonParser *ps, GString *out)
{
    static const char simple[][2] = {
        { '"', '"' }, { '\\', '\\' }, { '/', '/' }, { 'b', '\b' },
        { 'f', '\f' }, { 'n', '\n' }, { 'r', '\r' }, { 't', '\t' },
    };
    const char *esc = ps->p++;

    if (ps->p >= ps->end) {
        json_fail_expected(ps, "an escape character");
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(simple); i++) {
        if (*ps->p == simple[i][0]) {
            g_string_append_c(out, simple[i][1]);
            ps->p++;
            return true;
        }
    }
    if (*ps->p != 'u') {
        g_autofree char *found = json_describe(ps, ps->p);
        json_fail(ps, JSON_ERROR_SYNTAX, esc, "invalid escape \\%s", found);
        return false;
    }
    ps->p++;
    gunichar c = json_unicode_escape(ps, esc);
    if (c == (gunichar)-1) {
        return false;
    }
    char utf8[8];
    g_string_append_len(out, utf8, g_unichar_to_utf8(c, utf8));
    return true;
}

/* A string (ps->p at the opening quote). The UTF-8 was validated up front. */
static bool json_parse_string(JsonParser *ps, char **str, size_t *len)
{
    const char *open = ps->p++;
    GString *out = g_string_new(NULL);

    for (;;) {
        const char *run = ps->p;
        while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
               (unsigned char)*ps->p >= 0x20) {
            ps->p++;
        }
        g_string_append_len(out, run, ps->p - run);
        if (ps->p >= ps->end) {
            json_fail(ps, JSON_ERROR_SYNTAX, open, "unterminated string");
            break;
        }
        if (*ps->p == '"') {
            ps->p++;
            *len = out->len;
            *str = g_string_free(out, FALSE);
            return true;
        }
        if ((unsigned char)*ps->p < 0x20) {
            json_fail(ps, JSON_ERROR_SYNTAX, ps->p,
                      "raw control character U+%04X in string (escape it)",
                      (unsigned char)*ps->p);
            break;
        }
        if (!json_escape(ps, out)) {
            break;
        }
    }
    g_string_free(out, TRUE);
    return false;
}

/* ---- containers ---- */

static bool json_enter(JsonParser *ps)
{
    if (++ps->depth > JSON_MAX_DEPTH) {
        json_fail(ps, JSON_ERROR_DEPTH, ps->p, "nested deeper than %d levels", JSON_MAX_DEPTH);
        return false;
    }
    return true;
}

static JsonNode *json_parse_array(JsonParser *ps)
{
    JsonNode *node;

    if (!json_enter(ps)) {
        return NULL;
    }
    ps->p++; /* '[' */
    node = json_node_new(JSON_ARRAY);
    node->u.items = g_ptr_array_new_with_free_func(json_free_item);
    json_skip_ws(ps);
    if (json_take(ps, ']')) {
        ps->depth--;
        return node;
    }
    for (;;) {
        JsonNode *item = json_parse_value(ps);
        if (!item) {
            break;
        }
        g_ptr_array_add(node->u.items, item);
        json_skip_ws(ps);
        if (json_take(ps, ']')) {
            ps->depth--;
            return node;
        }
        if (!json_take(ps, ',')) {
            json_fail_expected(ps, "',' or ']' after an array element");
            break;
        }
    }
    json_free(node);
    return NULL;
}

/* One "key": value member of NODE; ps->p at the key. */
static bool json_parse_member(JsonParser *ps, JsonNode *node)
{
    const char *key_at = ps->p;
    JsonMember *m;

    if (ps->p >= ps->end || *ps->p != '"') {
        json_fail_expected(ps, "a string key");
        return false;
    }
    m = g_new0(JsonMember, 1);
    if (!json_parse_string(ps, &m->key, &m->key_len)) {
        g_free(m);
        return false;
    }
    if (g_hash_table_contains(node->u.obj.index, m)) {
        json_fail(ps, JSON_ERROR_SYNTAX, key_at, "duplicate key \"%s\"", m->key);
        json_member_free(m);
        return false;
    }
    json_skip_ws(ps);
    if (!json_take(ps, ':')) {
        json_fail_expected(ps, "':' after an object key");
        json_member_free(m);
        return false;
    }
    m->value = json_parse_value(ps);
    if (!m->value) {
        json_member_free(m);
        return false;
    }
    g_ptr_array_add(node->u.obj.members, m);
    g_hash_table_add(node->u.obj.index, m);
    return true;
}

static JsonNode *json_parse_object(JsonParser *ps)
{
    JsonNode *node;

    if (!json_enter(ps)) {
        return NULL;
    }
    ps->p++; /* '{' */
    node = json_node_new(JSON_OBJECT);
    node->u.obj.members = g_ptr_array_new_with_free_func(json_member_free);
    node->u.obj.index = g_hash_table_new(json_member_hash, json_member_equal);
    json_skip_ws(ps);
    if (json_take(ps, '}')) {
        ps->depth--;
        return node;
    }
    for (;;) {
        if (!json_parse_member(ps, node)) {
            break;
        }
        json_skip_ws(ps);
        if (json_take(ps, '}')) {
            ps->depth--;
            return node;
        }
        if (!json_take(ps, ',')) {
            json_fail_expected(ps, "',' or '}' after an object member");
            break;
        }
        json_skip_ws(ps);
    }
    json_free(node);
    return NULL;
}

static JsonNode *json_parse_value(JsonParser *ps)
{
    json_skip_ws(ps);
    if (ps->p >= ps->end) {
        json_fail_expected(ps, "a value");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return json_parse_object(ps);
    case '[':
        return json_parse_array(ps);
    case '"': {
        JsonNode *node = json_node_new(JSON_STRING);
        if (!json_parse_string(ps, &node->u.str.s, &node->u.str.len)) {
            g_free(node);
            return NULL;
        }
        return node;
    }
    case '-':
    case '0' ... '9':
        return json_parse_number(ps);
    default:
        return json_parse_literal(ps);
    }
}

JsonNode *json_parse(const char *text, gssize len, GError **err)
{
    JsonParser ps = { .start = text, .p = text, .err = err };
    const char *bad;
    JsonNode *root;

    if (len < 0) {
        len = (gssize)strlen(text);
    }
    ps.end = text + len;
    if (!g_utf8_validate_len(text, (gsize)len, &bad)) {
        json_fail(&ps, JSON_ERROR_SYNTAX, bad, *bad ? "invalid UTF-8" : "NUL byte in text");
        return NULL;
    }
    root = json_parse_value(&ps);
    if (!root) {
        return NULL;
    }
    json_skip_ws(&ps);
    if (ps.p < ps.end) {
        g_autofree char *found = json_describe(&ps, ps.p);
        json_fail(&ps, JSON_ERROR_SYNTAX, ps.p, "unexpected %s after the document", found);
        json_free(root);
        return NULL;
    }
    return root;
}

/* ---- accessors ---- */

JsonType json_type(const JsonNode *node)
{
    return node ? node->type : JSON_NULL;
}

const char *json_type_name(JsonType type)
{
    static const char *const names[] = {
        [JSON_NULL] = "null", [JSON_BOOL] = "boolean", [JSON_NUMBER] = "number",
        [JSON_STRING] = "string", [JSON_ARRAY] = "array", [JSON_OBJECT] = "object",
    };
    return (unsigned)type < G_N_ELEMENTS(names) ? names[type] : "?";
}

bool json_get_bool(const JsonNode *node, bool *out)
{
    if (!node || node->type != JSON_BOOL) {
        return false;
    }
    *out = node->u.b;
    return true;
}

bool json_get_double(const JsonNode *node, double *out)
{
    if (!node || node->type != JSON_NUMBER) {
        return false;
    }
    *out = node->u.num.d;
    return true;
}

bool json_get_int(const JsonNode *node, int64_t *out)
{
    if (!node || node->type != JSON_NUMBER || !node->is_int) {
        return false;
    }
    *out = node->u.num.i;
    return true;
}

const char *json_get_string(const JsonNode *node, size_t *len)
{
    if (!node || node->type != JSON_STRING) {
        return NULL;
    }
    if (len) {
        *len = node->u.str.len;
    }
    return node->u.str.s;
}

size_t json_length(const JsonNode *node)
{
    if (node && node->type == JSON_ARRAY) {
        return node->u.items->len;
    }
    if (node && node->type == JSON_OBJECT) {
        return node->u.obj.members->len;
    }
    return 0;
}

JsonNode *json_array_get(const JsonNode *node, size_t i)
{
    if (!node || node->type != JSON_ARRAY || i >= node->u.items->len) {
        return NULL;
    }
    return g_ptr_array_index(node->u.items, i);
}

static const JsonMember *json_member(const JsonNode *node, size_t i)
{
    if (!node || node->type != JSON_OBJECT || i >= node->u.obj.members->len) {
        return NULL;
    }
    return g_ptr_array_index(node->u.obj.members, i);
}

const char *json_member_key(const JsonNode *node, size_t i)
{
    const JsonMember *m = json_member(node, i);
    return m ? m->key : NULL;
}

JsonNode *json_member_value(const JsonNode *node, size_t i)
{
    const JsonMember *m = json_member(node, i);
    return m ? m->value : NULL;
}

JsonNode *json_object_get(const JsonNode *node, const char *key)
{
    JsonMember probe = { .key = (char *)key, .key_len = strlen(key) };
    const JsonMember *m;

    if (!node || node->type != JSON_OBJECT) {
        return NULL;
    }
    m = g_hash_table_lookup(node->u.obj.index, &probe);
    return m ? m->value : NULL;
}

JsonNode *json_lookup(const JsonNode *node, ...)
{
    va_list ap;
    const char *key;

    va_start(ap, node);
    while (node && (key = va_arg(ap, const char *)) != NULL) {
        node = json_object_get(node, key);
    }
    va_end(ap);
    return (JsonNode *)node;
}
