/*
 * A small strict JSON reader (RFC 8259): parses a whole document into a tree of nodes and
 * offers lookups. Used for the CPU test vectors' metadata and the control socket.
 * Strict means: no comments, no trailing commas, no leading zeros or '+', no NaN or
 * Infinity, no raw control characters or invalid UTF-8 in strings, no lone surrogates,
 * no duplicate object keys, nothing after the top-level value. Errors name the line and
 * column (1-based; columns count bytes).
 */
#ifndef WIRT_BASE_JSON_H
#define WIRT_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Nesting deeper than this many arrays/objects is rejected (bounds the parser's stack). */
#define JSON_MAX_DEPTH 256

#define JSON_ERROR (json_error_quark())
typedef enum JsonError {
    JSON_ERROR_SYNTAX, /* the text is not JSON */
    JSON_ERROR_DEPTH,  /* nested deeper than JSON_MAX_DEPTH */
    JSON_ERROR_RANGE,  /* a number too large for a double */
} JsonError;

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonNode JsonNode;

GQuark json_error_quark(void);

/*
 * Parses LEN bytes of TEXT (LEN < 0: TEXT is NUL-terminated) as one JSON document.
 * Returns the root node, or NULL with *ERR set ("line L, column C: what was wrong").
 */
JsonNode *json_parse(const char *text, gssize len, GError **err);
void json_free(JsonNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonNode, json_free)

JsonType json_type(const JsonNode *node);
const char *json_type_name(JsonType type);

/* Values. Each returns false (or NULL) when NODE is NULL or of another type. */
bool json_get_bool(const JsonNode *node, bool *out);
bool json_get_double(const JsonNode *node, double *out);
/* Numbers written without fraction or exponent that fit in int64_t. */
bool json_get_int(const JsonNode *node, int64_t *out);
/* NUL-terminated UTF-8; *LEN (if given) is the byte length, which counts any \u0000. */
const char *json_get_string(const JsonNode *node, size_t *len);

/* Arrays and objects: the number of elements or members (0 for other types). */
size_t json_length(const JsonNode *node);
JsonNode *json_array_get(const JsonNode *node, size_t i);
/* Members in document order. */
const char *json_member_key(const JsonNode *node, size_t i);
JsonNode *json_member_value(const JsonNode *node, size_t i);
/* The member named KEY, or NULL. */
JsonNode *json_object_get(const JsonNode *node, const char *key);
/* Follows a NULL-terminated chain of object keys: json_lookup(root, "a", "b", NULL). */
JsonNode *json_lookup(const JsonNode *node, ...) G_GNUC_NULL_TERMINATED;

#endif
