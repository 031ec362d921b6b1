/*
 * Walking state tables.
 */
#include "base/state.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"

size_t state_type_size(StateType t)
{
    switch (t) {
    case ST_U8: case ST_BOOL: return 1;
    case ST_U16: return 2;
    case ST_U32: case ST_I32: return 4;
    case ST_TIMER: return 9;
    default: return 8;
    }
}

static void state_visit_prefixed(const StateDesc *sd, void *obj, const char *prefix,
                                 StateVisitFn fn, void *ctx)
{
    char path[256];

    for (const StateField *f = sd->fields; f->name; f++) {
        for (size_t i = 0; i < f->count; i++) {
            void *v = (char *)obj + f->offset + i * f->stride;
            if (f->count > 1) {
                snprintf(path, sizeof(path), "%s%s[%zu]", prefix, f->name, i);
            } else {
                snprintf(path, sizeof(path), "%s%s", prefix, f->name);
            }
            if (f->type == ST_STRUCT) {
                char sub[272];
                snprintf(sub, sizeof(sub), "%s.", path);
                state_visit_prefixed(f->sub, v, sub, fn, ctx);
            } else {
                fn(ctx, path, f->type, v);
            }
        }
    }
}

void state_visit(const StateDesc *sd, void *obj, StateVisitFn fn, void *ctx)
{
    state_visit_prefixed(sd, obj, "", fn, ctx);
}

/* An integer field of N bytes, read and written in host order whatever the host is. */
static uint64_t state_get_int(const void *p, size_t n)
{
    switch (n) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const uint16_t *)p;
    case 4: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

static void state_set_int(void *p, size_t n, uint64_t v)
{
    switch (n) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(uint16_t *)p = (uint16_t)v; break;
    case 4: *(uint32_t *)p = (uint32_t)v; break;
    default: *(uint64_t *)p = v; break;
    }
}

typedef struct StateImage {
    GByteArray *out;     /* saving */
    const uint8_t *in;   /* loading */
    size_t pos, len;
    bool apply;          /* loading: write the values (else only count bytes) */
} StateImage;

static void image_put(StateImage *im, StateType type, void *value)
{
    uint8_t buf[9];
    size_t n = state_type_size(type);

    if (type == ST_TIMER) {
        const Timer *t = value;
        buf[0] = t->armed;      /* an idle timer's stale deadline is not state: 0 */
        st64_le(buf + 1, t->armed ? (uint64_t)t->deadline : 0);
    } else if (type == ST_BOOL) {
        buf[0] = *(const bool *)value;
    } else {
        stn_le(buf, state_get_int(value, n), (unsigned)n);
    }
    g_byte_array_append(im->out, buf, (guint)n);
}

static void image_get(StateImage *im, StateType type, void *value)
{
    size_t n = state_type_size(type);
    const uint8_t *p = im->in + im->pos;

    im->pos += n;
    if (!im->apply || im->pos > im->len) {
        return;
    }
    if (type == ST_TIMER) {
        Timer *t = value;
        if (p[0]) {
            timer_mod(t, (int64_t)ld64_le(p + 1));
        } else {
            timer_del(t);
        }
    } else if (type == ST_BOOL) {
        *(bool *)value = p[0] != 0;
    } else {
        state_set_int(value, n, ldn_le(p, (unsigned)n));
    }
}

static void image_field(void *ctx, const char *path, StateType type, void *value)
{
    StateImage *im = ctx;
    if (im->out) {
        image_put(im, type, value);
    } else {
        image_get(im, type, value);
    }
}

void state_save(const StateDesc *sd, void *obj, GByteArray *out)
{
    StateImage im = { .out = out };
    state_visit(sd, obj, image_field, &im);
}

static void size_field(void *ctx, const char *path, StateType type, void *value)
{
    *(size_t *)ctx += state_type_size(type);
}

size_t state_image_size(const StateDesc *sd)
{
    size_t n = 0;
    g_autofree uint8_t *scratch = g_malloc0(sd->size ? sd->size : 1);
    state_visit(sd, scratch, size_field, &n);
    return n;
}

bool state_load(const StateDesc *sd, void *obj, const uint8_t *data, size_t len)
{
    StateImage im = { .in = data, .len = len, .apply = true };

    if (state_image_size(sd) != len) {
        return false;
    }
    state_visit(sd, obj, image_field, &im);
    if (sd->post_load) {
        sd->post_load(obj);
    }
    return true;
}

typedef struct ImageVisit {
    const uint8_t *data;
    size_t pos, len;
    StateImageVisitFn fn;
    void *ctx;
} ImageVisit;

static void image_visit_field(void *ctx, const char *path, StateType type, void *value)
{
    ImageVisit *iv = ctx;
    size_t n = state_type_size(type);

    if (iv->pos + n <= iv->len) {
        iv->fn(iv->ctx, path, type, iv->data + iv->pos, n);
    }
    iv->pos += n;
}

typedef struct ImageDiff {
    const uint8_t *a;
    size_t pos;
    StateImageDiffFn fn;
    void *ctx;
    unsigned differences;
} ImageDiff;

static void image_diff_field(void *ctx, const char *path, StateType type,
                             const uint8_t *bytes, size_t len)
{
    ImageDiff *d = ctx;
    const uint8_t *a = d->a + d->pos;

    d->pos += len;
    if (memcmp(a, bytes, len)) {
        d->differences++;
        d->fn(d->ctx, path, type, a, bytes, len);
    }
}

unsigned state_diff_images(const StateDesc *sd, const uint8_t *a, const uint8_t *b,
                           size_t len, StateImageDiffFn fn, void *ctx)
{
    ImageDiff d = { .a = a, .fn = fn, .ctx = ctx };

    state_visit_image(sd, b, len, image_diff_field, &d);
    return d.differences;
}

void state_format_value(StateType type, const uint8_t *bytes, size_t len, char *buf,
                        size_t size)
{
    if (type == ST_TIMER) {
        snprintf(buf, size, "%s at %" PRId64 " ns", bytes[0] ? "armed" : "idle",
                 (int64_t)ld64_le(bytes + 1));
    } else {
        snprintf(buf, size, "0x%" PRIx64, ldn_le(bytes, (unsigned)len));
    }
}

bool state_visit_image(const StateDesc *sd, const uint8_t *data, size_t len,
                       StateImageVisitFn fn, void *ctx)
{
    ImageVisit iv = { .data = data, .len = len, .fn = fn, .ctx = ctx };
    g_autofree uint8_t *scratch = NULL;

    if (state_image_size(sd) != len) {
        return false;
    }
    scratch = g_malloc0(sd->size ? sd->size : 1);
    state_visit(sd, scratch, image_visit_field, &iv);
    return true;
}
