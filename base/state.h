/*
 * State tables (DESIGN.md rule 3): each device and the CPU describe their state once, as
 * a table of named fields (type, offset, count). Save/restore, migration, replay
 * checkpoints and state comparison all walk these tables; nothing is serialised by hand.
 * A device's table also names its version and a post-load hook (re-arm timers, recompute
 * derived values), so a field added to a struct but not to its table is caught by the
 * round-trip test.
 */
#ifndef WIRT_BASE_STATE_H
#define WIRT_BASE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum StateType {
    ST_U8,
    ST_U16,
    ST_U32,
    ST_U64,
    ST_I32,
    ST_I64,
    ST_BOOL,
    ST_TIMER,       /* a Timer: armed flag and deadline */
    ST_STRUCT,      /* an embedded struct (or array of them) described by its own table */
} StateType;

typedef struct StateDesc StateDesc;

typedef struct StateField {
    const char *name;
    StateType type;
    size_t offset;
    size_t count;             /* array length; 1 for a scalar */
    size_t stride;            /* bytes between array elements */
    const StateDesc *sub;     /* ST_STRUCT: the element's table */
} StateField;

struct StateDesc {
    const char *name;
    unsigned version;
    const StateField *fields; /* ends with a field whose name is NULL */
    size_t size;              /* sizeof the described struct, for ST_STRUCT arrays */
    void (*post_load)(void *opaque);
};

/* Field helpers: STATE_U8(MyDev, reg), STATE_U8_ARRAY(MyDev, fifo) and so on. */
#define STATE_FIELD(st, f, type, n, sd) \
    { #f, type, offsetof(st, f), n, sizeof(((st *)0)->f) / (n), sd }
#define STATE_U8(st, f) STATE_FIELD(st, f, ST_U8, 1, NULL)
#define STATE_U16(st, f) STATE_FIELD(st, f, ST_U16, 1, NULL)
#define STATE_U32(st, f) STATE_FIELD(st, f, ST_U32, 1, NULL)
#define STATE_U64(st, f) STATE_FIELD(st, f, ST_U64, 1, NULL)
#define STATE_I32(st, f) STATE_FIELD(st, f, ST_I32, 1, NULL)
#define STATE_I64(st, f) STATE_FIELD(st, f, ST_I64, 1, NULL)
#define STATE_BOOL(st, f) STATE_FIELD(st, f, ST_BOOL, 1, NULL)
#define STATE_TIMER(st, f) STATE_FIELD(st, f, ST_TIMER, 1, NULL)
#define STATE_ARRAY_COUNT(st, f) (sizeof(((st *)0)->f) / sizeof(((st *)0)->f[0]))
#define STATE_U8_ARRAY(st, f) STATE_FIELD(st, f, ST_U8, STATE_ARRAY_COUNT(st, f), NULL)
#define STATE_U16_ARRAY(st, f) STATE_FIELD(st, f, ST_U16, STATE_ARRAY_COUNT(st, f), NULL)
#define STATE_U32_ARRAY(st, f) STATE_FIELD(st, f, ST_U32, STATE_ARRAY_COUNT(st, f), NULL)
#define STATE_U64_ARRAY(st, f) STATE_FIELD(st, f, ST_U64, STATE_ARRAY_COUNT(st, f), NULL)
#define STATE_BOOL_ARRAY(st, f) STATE_FIELD(st, f, ST_BOOL, STATE_ARRAY_COUNT(st, f), NULL)
#define STATE_STRUCT(st, f, sd) STATE_FIELD(st, f, ST_STRUCT, 1, sd)
#define STATE_STRUCT_ARRAY(st, f, sd) \
    STATE_FIELD(st, f, ST_STRUCT, STATE_ARRAY_COUNT(st, f), sd)
#define STATE_END { NULL, 0, 0, 0, 0, NULL }

/* Bytes a field's value takes in a serialised image (timers: armed byte + deadline). */
size_t state_type_size(StateType t);

/*
 * Serialises OBJ's described state into OUT, in table order, little-endian; a timer is
 * its armed flag and deadline. state_load reads such an image back (re-arming timers as
 * saved) and then calls the table's post_load hook; it fails, changing nothing, when LEN
 * does not match the table.
 */
#include <glib.h>
void state_save(const StateDesc *sd, void *obj, GByteArray *out);
bool state_load(const StateDesc *sd, void *obj, const uint8_t *data, size_t len);
/* Bytes of the image state_save writes for SD. */
size_t state_image_size(const StateDesc *sd);

/* Calls FN for every scalar value of the table, in table order, with its dotted path. */
typedef void (*StateVisitFn)(void *ctx, const char *path, StateType type, void *value);
void state_visit(const StateDesc *sd, void *obj, StateVisitFn fn, void *ctx);

/*
 * Walks a saved image of SD without an object: FN gets each field's path, type and its
 * LEN bytes in the image (little-endian; a timer is its armed byte and deadline). False
 * when LEN is not the table's image size.
 */
typedef void (*StateImageVisitFn)(void *ctx, const char *path, StateType type,
                                  const uint8_t *bytes, size_t len);
bool state_visit_image(const StateDesc *sd, const uint8_t *data, size_t len,
                       StateImageVisitFn fn, void *ctx);

/*
 * Compares two images A and B of SD, both LEN bytes: FN gets each field whose bytes
 * differ, with its bytes in both. Returns how many differ (0 when LEN is not the table's
 * image size).
 */
typedef void (*StateImageDiffFn)(void *ctx, const char *path, StateType type,
                                 const uint8_t *a, const uint8_t *b, size_t len);
unsigned state_diff_images(const StateDesc *sd, const uint8_t *a, const uint8_t *b,
                           size_t len, StateImageDiffFn fn, void *ctx);

/* A field's value from an image as text: hex, or a timer's state and deadline. */
#define STATE_VALUE_TEXT 48
void state_format_value(StateType type, const uint8_t *bytes, size_t len, char *buf,
                        size_t size);

#endif
