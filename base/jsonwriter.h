/*
 * A small JSON writer (RFC 8259), the counterpart of the reader in base/json.h: builds
 * compact JSON text in a GString, one value at a time, for the control socket's replies
 * and events and for the clients' requests.
 */
#ifndef WIRT_BASE_JSONWRITER_H
#define WIRT_BASE_JSONWRITER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

#define JW_MAX_DEPTH 64

/*
 * Appends one JSON value to a GString, compactly (no spaces or newlines). Every call takes
 * KEY: the member name inside an object, NULL inside an array or at the top level.
 * Misuse (a key where none belongs, unbalanced ends) is a programming error and asserts.
 */
typedef struct JsonWriter {
    GString *out;
    unsigned depth;
    bool need_comma;        /* the current container already has a member */
    uint64_t in_array;      /* bit D: the container at depth D+1 is an array */
} JsonWriter;

void jw_init(JsonWriter *w);
/* The text written so far; the writer is empty again afterwards. Free with g_free. */
char *jw_steal(JsonWriter *w);
void jw_clear(JsonWriter *w);

void jw_object_begin(JsonWriter *w, const char *key);
void jw_object_end(JsonWriter *w);
void jw_array_begin(JsonWriter *w, const char *key);
void jw_array_end(JsonWriter *w);
/* UTF-8 text; invalid sequences are written as U+FFFD. NULL writes null. */
void jw_string(JsonWriter *w, const char *key, const char *s);
void jw_string_len(JsonWriter *w, const char *key, const char *s, size_t len);
void jw_int(JsonWriter *w, const char *key, int64_t v);
void jw_uint(JsonWriter *w, const char *key, uint64_t v);
/* NaN and infinities (not JSON) are written as null. */
void jw_double(JsonWriter *w, const char *key, double v);
void jw_bool(JsonWriter *w, const char *key, bool v);
void jw_null(JsonWriter *w, const char *key);
/* A copy of a parsed value (NULL writes null). */
void jw_node(JsonWriter *w, const char *key, const JsonNode *node);
/* JSON text already serialised, inserted as is: the caller vouches that it is valid. */
void jw_raw(JsonWriter *w, const char *key, const char *json);

#endif
