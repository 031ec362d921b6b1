/*
 * Dirty-page logging for guest RAM (see dirty.h): the range operations clients call.
 * The write paths that mark pages are in physmem.c and tlb.c.
 */
#include "mmu/dirty.h"

#include <limits.h>
#include <string.h>

#include "mmu/physmem.h"

#define LONG_BITS (sizeof(unsigned long) * CHAR_BIT)

/* One range operation, applied to each logged-RAM page of the range. */
typedef struct DirtyOp {
    uint8_t bit;           /* the client's bit */
    uint64_t found;        /* pages that were dirty for the client */
    uint64_t cleaned_lo;   /* span of pages made clean, for the re-protect callback */
    uint64_t cleaned_hi;
    unsigned long *bitmap; /* dirty_get_and_clear's output, or NULL */
} DirtyOp;

typedef void (*DirtyPageFn)(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                            DirtyOp *op);

/* The last byte of [addr, addr+len), LEN > 0, clamped at the top of the address space. */
static uint64_t dirty_last_byte(uint64_t addr, uint64_t len)
{
    return addr + len - 1 < addr ? UINT64_MAX : addr + len - 1;
}

/* Calls FN for every page of a RAM region that [addr, addr+len) touches. */
static void dirty_for_each(PhysMem *pm, uint64_t addr, uint64_t len, DirtyPageFn fn,
                           DirtyOp *op)
{
    if (len == 0) {
        return;
    }
    uint64_t first = addr >> PAGE_BITS;
    uint64_t last = dirty_last_byte(addr, len) >> PAGE_BITS;

    for (unsigned i = 0; i < pm->nregions; i++) {
        MemRegion *r = &pm->regions[i];
        uint64_t r_first = r->base >> PAGE_BITS;
        uint64_t r_last = (r->base + r->size - 1) >> PAGE_BITS;
        if (r->kind != MEM_RAM || r_last < first || r_first > last) {
            continue;
        }
        uint64_t lo = MAX(first, r_first), hi = MIN(last, r_last);
        for (uint64_t p = lo; p <= hi; p++) {
            fn(&r->dirty, p - r_first, p, p - first, op);
        }
    }
}

static void dirty_op_start(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                           DirtyOp *op)
{
    d->logging[index] |= op->bit;
    d->clean[index] &= (uint8_t)~op->bit;
}

static void dirty_op_stop(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                          DirtyOp *op)
{
    d->logging[index] &= (uint8_t)~op->bit;
    d->clean[index] &= (uint8_t)~op->bit;
}

static void dirty_op_mark(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                          DirtyOp *op)
{
    dirty_pages_mark(d, index);
}

static void dirty_op_test(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                          DirtyOp *op)
{
    if ((d->logging[index] & op->bit) && !(d->clean[index] & op->bit)) {
        op->found++;
    }
}

static void dirty_op_clear(DirtyPages *d, uint64_t index, uint64_t page, uint64_t nth,
                           DirtyOp *op)
{
    if (!(d->logging[index] & op->bit) || (d->clean[index] & op->bit)) {
        return;
    }
    op->found++;
    if (op->bitmap) {
        op->bitmap[nth / LONG_BITS] |= 1ul << (nth % LONG_BITS);
    }
    /* Only a page going from not watched to watched needs its TLB entries re-protected. */
    if (!d->clean[index]) {
        op->cleaned_lo = MIN(op->cleaned_lo, page);
        op->cleaned_hi = MAX(op->cleaned_hi, page);
    }
    d->clean[index] |= op->bit;
}

static DirtyOp dirty_op(DirtyClient client)
{
    return (DirtyOp){ .bit = (uint8_t)(1u << client), .cleaned_lo = UINT64_MAX };
}

void dirty_log_start(PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len)
{
    DirtyOp op = dirty_op(client);
    dirty_for_each(pm, addr, len, dirty_op_start, &op);
}

void dirty_log_stop(PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len)
{
    DirtyOp op = dirty_op(client);
    dirty_for_each(pm, addr, len, dirty_op_stop, &op);
}

void dirty_mark(PhysMem *pm, uint64_t addr, uint64_t len)
{
    DirtyOp op = dirty_op(0);
    dirty_for_each(pm, addr, len, dirty_op_mark, &op);
}

bool dirty_test(PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len)
{
    DirtyOp op = dirty_op(client);
    dirty_for_each(pm, addr, len, dirty_op_test, &op);
    return op.found != 0;
}

static uint64_t dirty_clear(PhysMem *pm, DirtyOp *op, uint64_t addr, uint64_t len)
{
    dirty_for_each(pm, addr, len, dirty_op_clear, op);
    if (op->cleaned_lo <= op->cleaned_hi && pm->dirty_cleared) {
        uint64_t pages = op->cleaned_hi - op->cleaned_lo + 1;
        pm->dirty_cleared(pm->dirty_cleared_opaque, op->cleaned_lo << PAGE_BITS,
                          pages << PAGE_BITS);
    }
    return op->found;
}

bool dirty_test_and_clear(PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len)
{
    DirtyOp op = dirty_op(client);
    return dirty_clear(pm, &op, addr, len) != 0;
}

size_t dirty_bitmap_words(uint64_t addr, uint64_t len)
{
    if (len == 0) {
        return 0;
    }
    uint64_t pages = (dirty_last_byte(addr, len) >> PAGE_BITS) - (addr >> PAGE_BITS) + 1;
    return (size_t)((pages + LONG_BITS - 1) / LONG_BITS);
}

uint64_t dirty_get_and_clear(PhysMem *pm, DirtyClient client, uint64_t addr, uint64_t len,
                             unsigned long *bitmap)
{
    DirtyOp op = dirty_op(client);

    memset(bitmap, 0, dirty_bitmap_words(addr, len) * sizeof(*bitmap));
    op.bitmap = bitmap;
    return dirty_clear(pm, &op, addr, len);
}
