/*
 * The soft TLB: direct-mapped, one table per privilege (supervisor, user), separate tags
 * for read, write and execute. An entry is a tag plus a host addend (STYLE.md point 3);
 * anything that must not take the fast path (MMIO, ROM writes, pages holding translated
 * code, pages a dirty-logging client holds clean) sets a flag bit in the low bits of the
 * tag, so the fast-path compare fails and the access falls into the slow path in tlb.c.
 */
#ifndef WIRT_MMU_TLB_H
#define WIRT_MMU_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/bytes.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_VICTIMS 8   /* small fully associative backup: conflicting pages stay cached */

enum { MMU_IDX_SUPER, MMU_IDX_USER, MMU_IDX_COUNT };
/*
 * A row that is never filled: a CPU that must see every access in its slow path (alignment
 * checking, data breakpoints) looks up here, misses, and then uses its real privilege.
 */
#define MMU_IDX_NOFILL MMU_IDX_COUNT

/* Flag bits in the low bits of a tag. */
#define TLB_MMIO (1u << 0)     /* not RAM: MMIO or unassigned */
#define TLB_CODE (1u << 1)     /* write tag: the page holds translated code */
#define TLB_ROM (1u << 2)      /* write tag: ROM, writes are dropped */
#define TLB_NOTDIRTY (1u << 3) /* write tag: dirty logging must see the next write */
#define TLB_INVALID (~(uint64_t)0)

typedef struct TlbEntry {
    uint64_t tag[3];    /* indexed by MmuAccess: page | flags, or TLB_INVALID */
    uintptr_t addend;   /* host address = addend + linear address */
    uint64_t phys;      /* guest-physical address of the page */
    bool global;        /* survives CR3 writes */
} TlbEntry;

typedef struct Tlb {
    TlbEntry e[MMU_IDX_COUNT + 1][TLB_SIZE];  /* the last row is MMU_IDX_NOFILL */
    TlbEntry victim[MMU_IDX_COUNT][TLB_VICTIMS]; /* entries evicted from e[] */
    unsigned victim_next[MMU_IDX_COUNT];
    PhysMem *pm;
    uint64_t large_page_addr; /* span holding every large page filled since a flush */
    uint64_t large_page_mask; /* 0 when none */
    bool large_pages;         /* some large page was filled since the last full flush */
    uint32_t generation;      /* pm->generation the entries were filled under */
    uint64_t fills;           /* statistics: slow-path fills */
    uint64_t victim_hits;     /* statistics: misses answered by the victim table */
    uint64_t flushes;
} Tlb;

void tlb_init(Tlb *t, PhysMem *pm);
void tlb_flush_all(Tlb *t);
void tlb_flush_nonglobal(Tlb *t);  /* a CR3 write */
void tlb_flush_page(Tlb *t, uint64_t va);  /* INVLPG */
/* Forces writes to PAGE (guest-physical) into the slow path: it now holds code. */
void tlb_protect_code(Tlb *t, uint64_t page);
/*
 * Forces writes to guest-physical [phys, phys+len) into the slow path again after a
 * dirty-logging client cleared those pages (a DirtyClearFn: wire pm->dirty_cleared to it,
 * or to a function calling it for each CPU's TLB).
 */
void tlb_protect_dirty(Tlb *t, uint64_t phys, uint64_t len);
/*
 * Drops every entry if the physical map (regions, A20 gate) changed since they were
 * filled. The slow paths below call it; the CPU loop calls it after anything that can
 * change the map (port and MMIO writes) before using tlb_lookup() again.
 */
void tlb_sync(Tlb *t);

/*
 * The entry index of VA: the page number folded with the bits above the index, so that
 * buffers a power of two apart (a memcpy's source and destination) do not collide.
 */
static inline unsigned tlb_index(uint64_t va)
{
    return (unsigned)(((va >> PAGE_BITS) ^ (va >> (PAGE_BITS + TLB_BITS))) & (TLB_SIZE - 1));
}

/* Fast path: host pointer for SIZE bytes at VA, or NULL to take the slow path. */
static inline uint8_t *tlb_lookup(Tlb *t, int idx, MmuAccess acc, uint64_t va, unsigned size)
{
    TlbEntry *e = &t->e[idx][tlb_index(va)];
    if (__builtin_expect(e->tag[acc] == (va & PAGE_MASK), 1) &&
        __builtin_expect((va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size, 1)) {
        return (uint8_t *)(e->addend + (uintptr_t)va);
    }
    return NULL;
}

/*
 * Slow paths: any size of 1, 2, 4 or 8 bytes at any alignment, page-crossing included.
 * Both pages of a crossing write are translated before any byte is written. They return
 * false and fill *fault on a page fault, changing nothing.
 */
bool mmu_read(Tlb *t, const MmuRegs *regs, uint64_t va, unsigned size, int idx,
              MmuAccess acc, uint64_t *val, MmuFault *fault);
bool mmu_write(Tlb *t, const MmuRegs *regs, uint64_t va, unsigned size, int idx,
               uint64_t val, MmuFault *fault);
/* Translates VA (filling the TLB) without accessing it; *phys gets the address. */
bool mmu_translate(Tlb *t, const MmuRegs *regs, uint64_t va, int idx, MmuAccess acc,
                   uint64_t *phys, MmuFault *fault);

#endif
