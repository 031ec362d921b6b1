/*
 * Dirty-page logging for guest RAM: which 4 KiB pages were written since a client last
 * looked. The clients are the ones every PC emulator has: the VGA (redraw only the
 * scanlines whose video memory changed), live migration (resend pages written during the
 * copy) and the translator (pages written since it last checked them). Every kind of
 * write marks pages: the CPU's slow path, DMA and image loads in physmem.c, and the CPU's
 * fast path, which the TLB keeps off a logged clean page (TLB_NOTDIRTY) until its first
 * write.
 *
 * Per RAM page we keep two bytes with one bit per client: "logging" (the client watches
 * this page) and "clean" (it watches it and the page has not been written since the
 * client last cleared it). A page needs the slow path exactly when its clean byte is
 * nonzero, so the TLB and the write paths test one byte.
 */
#ifndef WIRT_MMU_DIRTY_H
#define WIRT_MMU_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum DirtyClient {
    DIRTY_VGA,
    DIRTY_CODE,
    DIRTY_MIGRATION,
    DIRTY_REPLAY,       /* record/replay checkpoints hash the pages written in between */
    DIRTY_NCLIENTS,
} DirtyClient;

/* Per-page state of one RAM region; indexed by page number within the region. */
typedef struct DirtyPages {
    uint8_t *logging; /* bit c: client c logs this page */
    uint8_t *clean;   /* bit c: client c logs it and it is unwritten since c cleared it */
} DirtyPages;

/* Does a write to page INDEX need to be seen (some client holds it clean)? */
static inline bool dirty_pages_watched(const DirtyPages *d, uint64_t index)
{
    return d->clean[index] != 0;
}

/* A write landed on page INDEX: it is now dirty for every client logging it. */
static inline void dirty_pages_mark(DirtyPages *d, uint64_t index)
{
    d->clean[index] = 0;
}

/*
 * Called after a client cleared pages in [phys, phys+len): whoever caches permission to
 * write those pages without telling us (the CPU's TLB) must drop it (tlb_protect_dirty).
 */
typedef void (*DirtyClearFn)(void *opaque, uint64_t phys, uint64_t len);

struct PhysMem;

/*
 * Starts or stops logging for CLIENT on every RAM page that [addr, addr+len) touches
 * (guest-physical addresses, not subject to the A20 gate; non-RAM parts are skipped).
 * Logging starts with every page dirty, so a client's first look sees everything.
 */
void dirty_log_start(struct PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len);
void dirty_log_stop(struct PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len);

/* Marks every page [addr, addr+len) touches dirty for all clients logging it. */
void dirty_mark(struct PhysMem *pm, uint64_t addr, uint64_t len);

/* True when any page [addr, addr+len) touches is dirty for CLIENT; changes nothing. */
bool dirty_test(struct PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len);

/*
 * Returns whether any page [addr, addr+len) touches was dirty for CLIENT, and makes them
 * all clean for it. Pages that become clean are re-protected through pm->dirty_cleared.
 */
bool dirty_test_and_clear(struct PhysMem *pm, DirtyClient client, uint64_t addr,
                          uint64_t len);

/*
 * The bitmap form, for migration: bit i of BITMAP (an array of
 * dirty_bitmap_words(len) words) tells whether the page at (addr & PAGE_MASK) + i pages
 * was dirty for CLIENT; those pages become clean. Pages that are not logged RAM read as 0.
 * Returns the number of dirty pages found.
 */
size_t dirty_bitmap_words(uint64_t addr, uint64_t len);
uint64_t dirty_get_and_clear(struct PhysMem *pm, DirtyClient client, uint64_t addr,
                             uint64_t len, unsigned long *bitmap);

#endif
