/*
 * Walking state tables.
 */
#include "base/state.h"

#include <stdio.h>

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
