/*
 * Guest-physical address space: RAM regions (one host allocation each), ROM regions (writes
 * dropped), MMIO regions with device callbacks, and unassigned space (reads all ones,
 * writes dropped). Also per-page code and dirty tracking and the A20 gate.
 */
#ifndef WIRT_MMU_PHYSMEM_H
#define WIRT_MMU_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "mmu/dirty.h"

#define PAGE_BITS 12
#define PAGE_SIZE (1u << PAGE_BITS)
#define PAGE_MASK (~(uint64_t)(PAGE_SIZE - 1))

typedef enum MemRegionKind {
    MEM_RAM,
    MEM_ROM,
    MEM_MMIO,
} MemRegionKind;

/*
 * Device callbacks for an MMIO region. Accesses narrower than min_size are widened and
 * wider than max_size are split by the bus; offsets are relative to the region base.
 */
typedef struct MmioOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    uint8_t min_size; /* 1, 2, 4 or 8; 0 means 1 */
    uint8_t max_size; /* 1, 2, 4 or 8; 0 means 8 */
} MmioOps;

typedef struct MemRegion {
    char *name;
    MemRegionKind kind;
    uint64_t base;
    uint64_t size;
    uint8_t *host;        /* RAM and ROM contents */
    uint32_t *code_pages; /* RAM: per page, a bit per 128-byte chunk holding translated code */
    DirtyPages dirty;     /* RAM and ROM (never logged): dirty-page logging, dirty.h */
    const MmioOps *ops;   /* MMIO */
    void *opaque;
} MemRegion;

/* Called before a write lands on a page that holds translated code (CPU or DMA). */
typedef void (*CodeWriteFn)(void *opaque, uint64_t phys, unsigned len);

typedef struct PhysMem {
    MemRegion *regions; /* sorted by base, not overlapping */
    unsigned nregions;
    uint64_t a20_mask;  /* ~(1 << 20) when the A20 gate is off, else all ones */
    Log *log;
    CodeWriteFn code_write;
    void *code_write_opaque;
    DirtyClearFn dirty_cleared; /* wired to tlb_protect_dirty() for each CPU's TLB */
    void *dirty_cleared_opaque;
    /* Bumped whenever the set of regions or the A20 gate changes, so TLBs refill. */
    uint32_t generation;
} PhysMem;

void physmem_init(PhysMem *pm, Log *log);
void physmem_destroy(PhysMem *pm);

/* Adds a region. Fails (returning false and naming the clash in *why) on overlap. */
bool physmem_add_ram(PhysMem *pm, const char *name, uint64_t base, uint64_t size,
                     char **why);
bool physmem_add_rom(PhysMem *pm, const char *name, uint64_t base, const uint8_t *data,
                     uint64_t size, char **why);
bool physmem_add_mmio(PhysMem *pm, const char *name, uint64_t base, uint64_t size,
                      const MmioOps *ops, void *opaque, char **why);

/* The region holding ADDR (after A20 masking), or NULL for unassigned space. */
MemRegion *physmem_find(PhysMem *pm, uint64_t addr);

void physmem_set_a20(PhysMem *pm, bool enabled);
static inline uint64_t physmem_a20(const PhysMem *pm, uint64_t addr)
{
    return addr & pm->a20_mask;
}

/*
 * Byte-granular accesses of 1, 2, 4 or 8 bytes that may straddle regions; little-endian.
 * Writes to pages holding code call code_write first; writes to RAM mark the page dirty
 * for dirty logging. These are the slow paths the
 * CPU's TLB falls back to, and what device DMA uses.
 */
uint64_t physmem_read(PhysMem *pm, uint64_t addr, unsigned size);
void physmem_write(PhysMem *pm, uint64_t addr, uint64_t value, unsigned size);

/*
 * DMA for devices: bounds-checked block copies. Returns false (copying nothing) when any
 * byte of [addr, addr+len) is not RAM (reads also accept ROM). Writes invalidate
 * translated code they overwrite and mark pages dirty.
 */
bool physmem_dma_read(PhysMem *pm, uint64_t addr, void *buf, size_t len);
bool physmem_dma_write(PhysMem *pm, uint64_t addr, const void *buf, size_t len);

/* Loads an image into RAM or ROM contents regardless of ROM write protection. */
bool physmem_load(PhysMem *pm, uint64_t addr, const void *buf, size_t len);

/* Host pointer to the RAM/ROM byte at ADDR, or NULL if not RAM/ROM. */
uint8_t *physmem_host_ptr(PhysMem *pm, uint64_t addr, MemRegion **region);

/*
 * Code tracking for the translator, in 128-byte chunks (Bochs keeps such a map too): a
 * write calls code_write only when it touches a chunk that holds translated code, so data
 * sharing a page with code costs a bit test, not a search of the page's blocks.
 */
#define CODE_CHUNK_BITS 7
/* Marks [phys, phys+len), which must lie in one page, as holding code. */
void physmem_mark_code(PhysMem *pm, uint64_t phys, uint64_t len);
void physmem_clear_code(PhysMem *pm, uint64_t page);
bool physmem_is_code(PhysMem *pm, uint64_t page);

#endif
