/*
 * Unit tests of mmu/dirty.c, the dirty-page logging shared by the VGA, migration and the
 * translator: starting and stopping logging, marking by every write path of physmem.c,
 * test-and-clear per client, the bitmap form, and the re-protect callback.
 */
#include <glib.h>

#include "mmu/dirty.h"
#include "mmu/physmem.h"

#define LOW_SIZE (1u << 20)
#define HIGH_BASE 0x00300000u  /* a second RAM region after a 2 MiB hole; bit 20 set */
#define HIGH_SIZE (1u << 20)
#define ROM_BASE 0x00f00000u

typedef struct Fx {
    Log log;
    PhysMem pm;
    unsigned cleared_calls;
    uint64_t cleared_phys, cleared_len;
} Fx;

static void on_cleared(void *opaque, uint64_t phys, uint64_t len)
{
    Fx *f = opaque;
    f->cleared_calls++;
    f->cleared_phys = phys;
    f->cleared_len = len;
}

static void fx_setup(Fx *f, gconstpointer data)
{
    static const uint8_t rom[16];
    char *why = NULL;

    memset(f, 0, sizeof(*f));
    log_init(&f->log);
    physmem_init(&f->pm, &f->log);
    g_assert_true(physmem_add_ram(&f->pm, "low", 0, LOW_SIZE, &why));
    g_assert_true(physmem_add_ram(&f->pm, "high", HIGH_BASE, HIGH_SIZE, &why));
    g_assert_true(physmem_add_rom(&f->pm, "rom", ROM_BASE, rom, sizeof(rom), &why));
    f->pm.dirty_cleared = on_cleared;
    f->pm.dirty_cleared_opaque = f;
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    physmem_destroy(&f->pm);
    log_close(&f->log);
}

static bool clear_page(Fx *f, DirtyClient c, uint64_t addr)
{
    return dirty_test_and_clear(&f->pm, c, addr, PAGE_SIZE);
}

static void test_start_dirty(Fx *f, gconstpointer data)
{
    /* Not logging: nothing is ever dirty, and clearing reports nothing. */
    physmem_write(&f->pm, 0x1000, 1, 4);
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, 0, LOW_SIZE));
    g_assert_false(clear_page(f, DIRTY_VGA, 0x1000));
    g_assert_cmpuint(f->cleared_calls, ==, 0);

    /* Logging starts with everything dirty so the client's first look sees it all. */
    dirty_log_start(&f->pm, DIRTY_VGA, 0xa0000, 0x20000);
    g_assert_true(dirty_test(&f->pm, DIRTY_VGA, 0xa0000, 1));
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, 0xa0000, 0x20000));
    g_assert_cmpuint(f->cleared_calls, ==, 1);
    g_assert_cmphex(f->cleared_phys, ==, 0xa0000);
    g_assert_cmphex(f->cleared_len, ==, 0x20000);
    g_assert_false(dirty_test_and_clear(&f->pm, DIRTY_VGA, 0xa0000, 0x20000));
    g_assert_cmpuint(f->cleared_calls, ==, 1);  /* nothing newly clean: no re-protect */
    /* Pages outside the logged range stay unlogged. */
    physmem_write(&f->pm, 0x9f000, 1, 1);
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, 0x9f000, PAGE_SIZE));
}

static void test_write_paths(Fx *f, gconstpointer data)
{
    static const uint8_t buf[3 * 4096];
    uint8_t tmp[16];

    dirty_log_start(&f->pm, DIRTY_MIGRATION, 0, ~0ull);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_MIGRATION, 0, ~0ull));

    physmem_write(&f->pm, 0x3ffe, 0xffff, 2);  /* one page */
    g_assert_true(clear_page(f, DIRTY_MIGRATION, 0x3000));
    g_assert_false(clear_page(f, DIRTY_MIGRATION, 0x4000));
    physmem_write(&f->pm, 0x4fff, 0xffff, 2);  /* straddles two pages */
    g_assert_true(clear_page(f, DIRTY_MIGRATION, 0x4000));
    g_assert_true(clear_page(f, DIRTY_MIGRATION, 0x5000));

    /* DMA and image loads mark every page they touch; DMA reads mark nothing. */
    g_assert_true(physmem_dma_write(&f->pm, HIGH_BASE + 0x800, buf, sizeof(buf)));
    for (unsigned i = 0; i < 4; i++) {
        g_assert_true(clear_page(f, DIRTY_MIGRATION, HIGH_BASE + i * PAGE_SIZE));
    }
    g_assert_false(clear_page(f, DIRTY_MIGRATION, HIGH_BASE + 4 * PAGE_SIZE));
    g_assert_true(physmem_dma_read(&f->pm, 0x7000, tmp, sizeof(tmp)));
    g_assert_false(clear_page(f, DIRTY_MIGRATION, 0x7000));
    g_assert_true(physmem_load(&f->pm, 0x8000, tmp, sizeof(tmp)));
    g_assert_true(clear_page(f, DIRTY_MIGRATION, 0x8000));

    /* ROM, unassigned space and a failed DMA mark nothing (and do not crash). */
    physmem_write(&f->pm, ROM_BASE, 0, 4);
    physmem_write(&f->pm, 0x00100000, 0, 4);
    g_assert_false(physmem_dma_write(&f->pm, LOW_SIZE - 8, buf, 16));
    g_assert_false(dirty_test(&f->pm, DIRTY_MIGRATION, 0, ~0ull));
    /* dirty_mark is for writers that bypass physmem (a device's own host pointer). */
    dirty_mark(&f->pm, 0x9000, 1);
    g_assert_true(clear_page(f, DIRTY_MIGRATION, 0x9000));
}

static void test_clients(Fx *f, gconstpointer data)
{
    dirty_log_start(&f->pm, DIRTY_VGA, 0, LOW_SIZE);
    dirty_log_start(&f->pm, DIRTY_MIGRATION, 0, LOW_SIZE);
    dirty_log_start(&f->pm, DIRTY_CODE, 0, LOW_SIZE);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, 0, LOW_SIZE));
    /* Clearing for one client leaves the others' view alone. */
    g_assert_true(dirty_test(&f->pm, DIRTY_MIGRATION, 0x2000, 1));
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_MIGRATION, 0, LOW_SIZE));
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_CODE, 0, LOW_SIZE));

    physmem_write(&f->pm, 0x2000, 5, 1);
    g_assert_true(clear_page(f, DIRTY_VGA, 0x2000));
    g_assert_true(dirty_test(&f->pm, DIRTY_MIGRATION, 0x2000, 1));
    g_assert_true(dirty_test(&f->pm, DIRTY_CODE, 0x2000, 1));

    /* Stopping one client: its view goes away, the others' stays. */
    dirty_log_stop(&f->pm, DIRTY_MIGRATION, 0, LOW_SIZE);
    g_assert_false(dirty_test(&f->pm, DIRTY_MIGRATION, 0x2000, 1));
    g_assert_true(dirty_test(&f->pm, DIRTY_CODE, 0x2000, 1));
    physmem_write(&f->pm, 0x2000, 6, 1);
    g_assert_true(clear_page(f, DIRTY_VGA, 0x2000));
}

static void test_watched(Fx *f, gconstpointer data)
{
    MemRegion *r = physmem_find(&f->pm, 0x5000);
    uint64_t index = 5;

    /* A page needs the slow path exactly while some client holds it clean. */
    g_assert_false(dirty_pages_watched(&r->dirty, index));
    dirty_log_start(&f->pm, DIRTY_VGA, 0x5000, 1);
    dirty_log_start(&f->pm, DIRTY_MIGRATION, 0x5000, 1);
    g_assert_false(dirty_pages_watched(&r->dirty, index));
    clear_page(f, DIRTY_VGA, 0x5000);
    g_assert_true(dirty_pages_watched(&r->dirty, index));
    g_assert_cmpuint(f->cleared_calls, ==, 1);
    /* Already watched: clearing for a second client needs no second re-protect. */
    clear_page(f, DIRTY_MIGRATION, 0x5000);
    g_assert_cmpuint(f->cleared_calls, ==, 1);
    physmem_write(&f->pm, 0x5123, 1, 1);
    g_assert_false(dirty_pages_watched(&r->dirty, index));
    clear_page(f, DIRTY_MIGRATION, 0x5000);
    dirty_log_stop(&f->pm, DIRTY_MIGRATION, 0x5000, 1);
    g_assert_false(dirty_pages_watched(&r->dirty, index));
}

static void test_bitmap(Fx *f, gconstpointer data)
{
    uint64_t base = HIGH_BASE - 0x10000 + 0x123;  /* starts in the hole, unaligned */
    uint64_t len = 0x10000 + 130 * PAGE_SIZE;
    size_t words = dirty_bitmap_words(base, len);
    unsigned long *bm = g_new(unsigned long, words);
    unsigned long bits = sizeof(unsigned long) * 8;

    g_assert_cmpuint(words, ==, (16 + 131 + bits - 1) / bits);
    dirty_log_start(&f->pm, DIRTY_MIGRATION, base, len);
    g_assert_cmpuint(dirty_get_and_clear(&f->pm, DIRTY_MIGRATION, base, len, bm), ==, 131);
    g_assert_cmphex(bm[0] & 0xffff, ==, 0);  /* the hole's 16 pages */

    physmem_write(&f->pm, HIGH_BASE, 1, 1);                      /* page 16 of the range */
    physmem_write(&f->pm, HIGH_BASE + 3 * PAGE_SIZE, 1, 1);      /* page 19 */
    physmem_write(&f->pm, HIGH_BASE + 100 * PAGE_SIZE + 5, 1, 1); /* page 116 */
    physmem_write(&f->pm, HIGH_BASE + 130 * PAGE_SIZE, 1, 1);    /* page 146, last */
    physmem_write(&f->pm, HIGH_BASE + 131 * PAGE_SIZE, 1, 1);    /* outside */
    g_assert_cmpuint(dirty_get_and_clear(&f->pm, DIRTY_MIGRATION, base, len, bm), ==, 4);
    for (unsigned i = 0; i < words * bits; i++) {
        bool set = (bm[i / bits] >> (i % bits)) & 1;
        g_assert_cmpint(set, ==, i == 16 || i == 19 || i == 116 || i == 146);
    }
    g_assert_cmpuint(dirty_get_and_clear(&f->pm, DIRTY_MIGRATION, base, len, bm), ==, 0);
    g_free(bm);
}

static void test_edges(Fx *f, gconstpointer data)
{
    /* Empty ranges, ranges in holes and ranges running off the top do nothing odd. */
    dirty_log_start(&f->pm, DIRTY_VGA, 0, 0);
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, 0, LOW_SIZE));
    dirty_log_start(&f->pm, DIRTY_VGA, ~0ull - 10, 100);
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, ~0ull - 10, 100));
    g_assert_false(dirty_test_and_clear(&f->pm, DIRTY_VGA, LOW_SIZE, HIGH_BASE - LOW_SIZE));
    g_assert_cmpuint(dirty_bitmap_words(0, 0), ==, 0);
    g_assert_cmpuint(dirty_bitmap_words(0xfff, 2), ==, 1);
    /* ROM is never logged. */
    dirty_log_start(&f->pm, DIRTY_VGA, ROM_BASE, PAGE_SIZE);
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, ROM_BASE, PAGE_SIZE));
    /* The A20 gate does not alias the physical pages the API names. */
    physmem_set_a20(&f->pm, false);
    dirty_log_start(&f->pm, DIRTY_VGA, HIGH_BASE + 0x100000 - PAGE_SIZE, PAGE_SIZE);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, HIGH_BASE, 2 * HIGH_SIZE));
    g_assert_cmphex(f->cleared_phys, ==, HIGH_BASE + 0x100000 - PAGE_SIZE);
    g_assert_cmphex(f->cleared_len, ==, PAGE_SIZE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/dirty/start-dirty", test_start_dirty);
    ADD("/dirty/write-paths", test_write_paths);
    ADD("/dirty/clients", test_clients);
    ADD("/dirty/watched", test_watched);
    ADD("/dirty/bitmap", test_bitmap);
    ADD("/dirty/edges", test_edges);
#undef ADD
    return g_test_run();
}
