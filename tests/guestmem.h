/*
 * Shared by the boot-loader tests: reading and checking guest RAM of a Machine.
 */
#ifndef WIRT_TESTS_GUESTMEM_H
#define WIRT_TESTS_GUESTMEM_H

#include <glib.h>

#include "vm/machine.h"

/* The zero-terminated string at ADDR in guest RAM (g_free it). */
static inline char *rd_string(Machine *m, uint64_t addr)
{
    GString *s = g_string_new(NULL);
    for (uint8_t c; (c = (uint8_t)physmem_read(&m->pm, addr, 1)) != 0; addr++) {
        g_string_append_c(s, (char)c);
    }
    return g_string_free(s, FALSE);
}

/* RAM at ADDR equals BUF. */
static inline void assert_mem(Machine *m, uint64_t addr, const void *buf, size_t len)
{
    uint8_t *got = g_malloc(len);
    g_assert_true(physmem_dma_read(&m->pm, addr, got, len));
    g_assert_cmpmem(got, len, buf, len);
    g_free(got);
}

/* LEN bytes of RAM at ADDR are zero. */
static inline void assert_zero(Machine *m, uint64_t addr, size_t len)
{
    uint8_t *zeros = g_malloc0(len);
    assert_mem(m, addr, zeros, len);
    g_free(zeros);
}

#endif
