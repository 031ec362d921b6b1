/*
 * Little-endian loads and stores at any alignment on any host: guest memory is
 * little-endian whatever the host is. Compilers turn these into single moves on x86 and
 * ARM.
 */
#ifndef WIRT_BASE_BYTES_H
#define WIRT_BASE_BYTES_H

#include <stdint.h>
#include <string.h>
#include <glib.h>

static inline uint16_t ld16_le(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return GUINT16_FROM_LE(v);
}

static inline uint32_t ld32_le(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static inline uint64_t ld64_le(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static inline void st16_le(void *p, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, 2);
}

static inline void st32_le(void *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static inline void st64_le(void *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, 8);
}

/* SIZE is 1, 2, 4 or 8. */
static inline uint64_t ldn_le(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return ld16_le(p);
    case 4: return ld32_le(p);
    default: return ld64_le(p);
    }
}

static inline void stn_le(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: st16_le(p, (uint16_t)v); break;
    case 4: st32_le(p, (uint32_t)v); break;
    default: st64_le(p, v); break;
    }
}

#endif
