/*
 * Guest-physical address space: region table, byte-granular slow-path accesses, DMA,
 * the A20 gate and code-page tracking.
 */
#include "mmu/physmem.h"

#include <glib.h>
#include <string.h>

#include "base/bytes.h"

static MemRegion *physmem_find_unmasked(PhysMem *pm, uint64_t addr);

void physmem_init(PhysMem *pm, Log *log)
{
    *pm = (PhysMem){ .a20_mask = ~(uint64_t)0, .log = log };
}

/* Frees what a region owns (MMIO regions own only their name). */
static void physmem_region_free(MemRegion *r)
{
    if (r->kind != MEM_MMIO) {
        g_free(r->host);
    }
    g_free(r->code_pages);
    g_free(r->dirty.logging);
    g_free(r->dirty.clean);
    g_free(r->name);
}

void physmem_destroy(PhysMem *pm)
{
    for (unsigned i = 0; i < pm->nregions; i++) {
        physmem_region_free(&pm->regions[i]);
    }
    g_free(pm->regions);
    *pm = (PhysMem){ 0 };
}

static bool physmem_insert(PhysMem *pm, MemRegion r, char **why)
{
    unsigned pos = 0;

    if (r.size == 0 || r.base + r.size < r.base) {
        *why = g_strdup_printf("region '%s' has an invalid range", r.name);
        return false;
    }
    for (unsigned i = 0; i < pm->nregions; i++) {
        MemRegion *o = &pm->regions[i];
        if (r.base < o->base + o->size && o->base < r.base + r.size) {
            *why = g_strdup_printf("region '%s' at 0x%" G_GINT64_MODIFIER "x overlaps '%s'",
                                   r.name, r.base, o->name);
            return false;
        }
        if (o->base < r.base) {
            pos = i + 1;
        }
    }
    pm->regions = g_renew(MemRegion, pm->regions, pm->nregions + 1);
    memmove(&pm->regions[pos + 1], &pm->regions[pos],
            (pm->nregions - pos) * sizeof(MemRegion));
    pm->regions[pos] = r;
    pm->nregions++;
    pm->generation++;
    return true;
}

static bool physmem_add_backed(PhysMem *pm, const char *name, MemRegionKind kind,
                               uint64_t base, uint64_t size, char **why)
{
    MemRegion r = {
        .name = g_strdup(name), .kind = kind, .base = base, .size = size,
    };
    if ((base | size) & (PAGE_SIZE - 1)) {
        *why = g_strdup_printf("region '%s' is not page-aligned", name);
        g_free(r.name);
        return false;
    }
    r.host = g_try_malloc0(size);
    r.code_pages = g_try_new0(uint32_t, size >> PAGE_BITS);
    r.dirty.logging = g_try_malloc0(size >> PAGE_BITS);
    r.dirty.clean = g_try_malloc0(size >> PAGE_BITS);
    if (!r.host || !r.code_pages || !r.dirty.logging || !r.dirty.clean) {
        *why = g_strdup_printf("cannot allocate %" G_GUINT64_FORMAT " MiB for '%s'",
                               size >> 20, name);
        physmem_region_free(&r);
        return false;
    }
    if (!physmem_insert(pm, r, why)) {
        physmem_region_free(&r);
        return false;
    }
    return true;
}

bool physmem_add_ram(PhysMem *pm, const char *name, uint64_t base, uint64_t size, char **why)
{
    return physmem_add_backed(pm, name, MEM_RAM, base, size, why);
}

bool physmem_add_rom(PhysMem *pm, const char *name, uint64_t base, const uint8_t *data,
                     uint64_t size, char **why)
{
    uint64_t rounded = (size + PAGE_SIZE - 1) & PAGE_MASK;
    if (!physmem_add_backed(pm, name, MEM_ROM, base, rounded, why)) {
        return false;
    }
    /* Not physmem_find: the A20 gate must not redirect the copy (ROMs sit above 1 MiB). */
    memcpy(physmem_find_unmasked(pm, base)->host, data, size);
    return true;
}

bool physmem_add_mmio(PhysMem *pm, const char *name, uint64_t base, uint64_t size,
                      const MmioOps *ops, void *opaque, char **why)
{
    MemRegion r = {
        .name = g_strdup(name), .kind = MEM_MMIO, .base = base, .size = size,
        .ops = ops, .opaque = opaque,
    };
    if (!physmem_insert(pm, r, why)) {
        g_free(r.name);
        return false;
    }
    return true;
}

static MemRegion *physmem_find_unmasked(PhysMem *pm, uint64_t addr)
{
    unsigned lo = 0, hi = pm->nregions;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        MemRegion *r = &pm->regions[mid];
        if (addr < r->base) {
            hi = mid;
        } else if (addr - r->base >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}

MemRegion *physmem_find(PhysMem *pm, uint64_t addr)
{
    return physmem_find_unmasked(pm, physmem_a20(pm, addr));
}

/* The chunk bits of [a, a+len) inside a's page (a is A20-masked, len >= 1). */
static uint32_t code_chunk_mask(uint64_t a, uint64_t len)
{
    unsigned first = (unsigned)(a & (PAGE_SIZE - 1)) >> CODE_CHUNK_BITS;
    uint64_t end = MIN((a & (PAGE_SIZE - 1)) + len, PAGE_SIZE);
    unsigned last = (unsigned)((end - 1) >> CODE_CHUNK_BITS);
    uint32_t upto = last >= 31 ? ~0u : (2u << last) - 1;
    return upto & ~((1u << first) - 1);
}

/* Whether a write of LEN bytes at A (in RAM region R, one page) touches translated code. */
static bool code_hit(const MemRegion *r, uint64_t a, uint64_t len)
{
    return (r->code_pages[(a - r->base) >> PAGE_BITS] & code_chunk_mask(a, len)) != 0;
}

void physmem_set_a20(PhysMem *pm, bool enabled)
{
    uint64_t mask = enabled ? ~(uint64_t)0 : ~(uint64_t)(1u << 20);
    if (mask != pm->a20_mask) {
        pm->a20_mask = mask;
        pm->generation++;
    }
}

uint8_t *physmem_host_ptr(PhysMem *pm, uint64_t addr, MemRegion **region)
{
    MemRegion *r = physmem_find(pm, addr);
    if (region) {
        *region = r;
    }
    if (!r || r->kind == MEM_MMIO) {
        return NULL;
    }
    return r->host + (physmem_a20(pm, addr) - r->base);
}

static uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/*
 * An access narrower than the device's minimum that straddles two of its units (a word at
 * offset 3 of a dword register file) cannot be widened into one unit: go byte by byte.
 */
static bool mmio_straddles(uint64_t off, unsigned size, unsigned min)
{
    return size < min && (off & (min - 1)) + size > min;
}

/* One MMIO access of SIZE at OFF within R, widened or split as the device declares. */
static uint64_t mmio_read(MemRegion *r, uint64_t off, unsigned size)
{
    unsigned min = r->ops->min_size ? r->ops->min_size : 1;
    unsigned max = r->ops->max_size ? r->ops->max_size : 8;
    uint64_t v = 0;

    if (mmio_straddles(off, size, min)) {
        for (unsigned i = 0; i < size; i++) {
            v |= mmio_read(r, off + i, 1) << (8 * i);
        }
        return v;
    }
    if (size < min) {
        uint64_t aligned = off & ~(uint64_t)(min - 1);
        uint64_t wide = r->ops->read(r->opaque, aligned, min);
        return (wide >> (8 * (off - aligned))) & size_mask(size);
    }
    if (size > max) {
        for (unsigned i = 0; i < size; i += max) {
            v |= mmio_read(r, off + i, max) << (8 * i);
        }
        return v;
    }
    return r->ops->read(r->opaque, off, size);
}

static void mmio_write(MemRegion *r, uint64_t off, uint64_t val, unsigned size)
{
    unsigned min = r->ops->min_size ? r->ops->min_size : 1;
    unsigned max = r->ops->max_size ? r->ops->max_size : 8;

    if (mmio_straddles(off, size, min)) {
        for (unsigned i = 0; i < size; i++) {
            mmio_write(r, off + i, val >> (8 * i), 1);
        }
        return;
    }
    if (size < min) {
        /* Widen by merging with what the device reads back (read-modify-write). */
        uint64_t aligned = off & ~(uint64_t)(min - 1);
        unsigned shift = 8 * (off - aligned);
        uint64_t mask = size_mask(size) << shift;
        uint64_t wide = r->ops->read(r->opaque, aligned, min);
        r->ops->write(r->opaque, aligned, (wide & ~mask) | ((val << shift) & mask), min);
        return;
    }
    if (size > max) {
        for (unsigned i = 0; i < size; i += max) {
            mmio_write(r, off + i, val >> (8 * i), max);
        }
        return;
    }
    r->ops->write(r->opaque, off, val, size);
}

/* Reads SIZE bytes that lie inside one region (or unassigned space). */
static uint64_t physmem_read_in(PhysMem *pm, uint64_t addr, unsigned size)
{
    MemRegion *r = physmem_find(pm, addr);
    uint64_t a = physmem_a20(pm, addr);

    if (!r) {
        log_trace(pm->log, LOG_UNASSIGNED, "unassigned read%u at 0x%" G_GINT64_MODIFIER "x\n",
                  size * 8, a);
        return size_mask(size);
    }
    if (r->kind == MEM_MMIO) {
        return mmio_read(r, a - r->base, size);
    }
    return ldn_le(r->host + (a - r->base), size);
}

static void physmem_write_in(PhysMem *pm, uint64_t addr, uint64_t val, unsigned size)
{
    MemRegion *r = physmem_find(pm, addr);
    uint64_t a = physmem_a20(pm, addr);

    if (!r) {
        log_trace(pm->log, LOG_UNASSIGNED,
                  "unassigned write%u at 0x%" G_GINT64_MODIFIER "x = 0x%" G_GINT64_MODIFIER "x\n",
                  size * 8, a, val);
        return;
    }
    switch (r->kind) {
    case MEM_MMIO:
        mmio_write(r, a - r->base, val, size);
        break;
    case MEM_ROM:
        break;
    case MEM_RAM: {
        uint64_t page = (a - r->base) >> PAGE_BITS;
        if (code_hit(r, a, size) && pm->code_write) {
            pm->code_write(pm->code_write_opaque, a, size);
        }
        dirty_pages_mark(&r->dirty, page);
        stn_le(r->host + (a - r->base), val, size);
        break;
    }
    }
}

/* True when [addr, addr+size) lies in one page and one region (or all in unassigned space). */
static bool physmem_contained(PhysMem *pm, uint64_t addr, unsigned size)
{
    MemRegion *r = physmem_find(pm, addr);
    uint64_t a = physmem_a20(pm, addr);

    if (((a ^ (a + size - 1)) & PAGE_MASK) != 0) {
        return false;  /* A20 wrap and region ends are page-aligned: stay within a page */
    }
    if (r) {
        return a + size - 1 - r->base < r->size;
    }
    /* MMIO regions need not be page-aligned: one may start inside unassigned bytes. */
    for (unsigned i = 1; i < size; i++) {
        if (physmem_find(pm, addr + i)) {
            return false;
        }
    }
    return true;
}

uint64_t physmem_read(PhysMem *pm, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    if (physmem_contained(pm, addr, size)) {
        return physmem_read_in(pm, addr, size);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= physmem_read_in(pm, addr + i, 1) << (8 * i);
    }
    return v;
}

void physmem_write(PhysMem *pm, uint64_t addr, uint64_t value, unsigned size)
{
    if (physmem_contained(pm, addr, size)) {
        physmem_write_in(pm, addr, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        physmem_write_in(pm, addr + i, value >> (8 * i), 1);
    }
}

/* True when every byte of [addr, addr+len) is RAM, or RAM or ROM unless MUST_BE_RAM. */
static bool physmem_ram_span(PhysMem *pm, uint64_t addr, size_t len, bool must_be_ram)
{
    for (size_t done = 0; done < len;) {
        MemRegion *r = physmem_find(pm, addr + done);
        if (!r || (must_be_ram && r->kind != MEM_RAM) || r->kind == MEM_MMIO) {
            return false;
        }
        uint64_t a = physmem_a20(pm, addr + done);
        size_t chunk = MIN(len - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
        done += chunk;
    }
    return true;
}

bool physmem_dma_read(PhysMem *pm, uint64_t addr, void *buf, size_t len)
{
    if (addr + len < addr || !physmem_ram_span(pm, addr, len, false)) {
        return false;
    }
    for (size_t done = 0; done < len;) {
        uint64_t a = physmem_a20(pm, addr + done);
        size_t chunk = MIN(len - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
        memcpy((uint8_t *)buf + done, physmem_host_ptr(pm, a, NULL), chunk);
        done += chunk;
    }
    return true;
}

static bool physmem_copy_in(PhysMem *pm, uint64_t addr, const void *buf, size_t len,
                            bool dma)
{
    if (addr + len < addr || !physmem_ram_span(pm, addr, len, dma)) {
        return false;
    }
    for (size_t done = 0; done < len;) {
        MemRegion *r;
        uint64_t a = physmem_a20(pm, addr + done);
        size_t chunk = MIN(len - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
        uint8_t *host = physmem_host_ptr(pm, a, &r);
        uint64_t page = (a - r->base) >> PAGE_BITS;
        if (code_hit(r, a, chunk) && pm->code_write) {
            pm->code_write(pm->code_write_opaque, a, (unsigned)chunk);
        }
        if (r->kind == MEM_RAM) {
            dirty_pages_mark(&r->dirty, page);
        }
        memcpy(host, (const uint8_t *)buf + done, chunk);
        done += chunk;
    }
    return true;
}

bool physmem_dma_write(PhysMem *pm, uint64_t addr, const void *buf, size_t len)
{
    return physmem_copy_in(pm, addr, buf, len, true);
}

bool physmem_load(PhysMem *pm, uint64_t addr, const void *buf, size_t len)
{
    return physmem_copy_in(pm, addr, buf, len, false);
}

static uint32_t *code_flag(PhysMem *pm, uint64_t page)
{
    MemRegion *r = physmem_find(pm, page);
    if (!r || r->kind != MEM_RAM) {
        return NULL;
    }
    return &r->code_pages[(physmem_a20(pm, page) - r->base) >> PAGE_BITS];
}

void physmem_mark_code(PhysMem *pm, uint64_t phys, uint64_t len)
{
    uint32_t *f = code_flag(pm, phys);
    if (f && len) {
        *f |= code_chunk_mask(physmem_a20(pm, phys), len);
    }
}

void physmem_clear_code(PhysMem *pm, uint64_t page)
{
    uint32_t *f = code_flag(pm, page);
    if (f) {
        *f = 0;
    }
}

bool physmem_is_code(PhysMem *pm, uint64_t page)
{
    uint32_t *f = code_flag(pm, page);
    return f && *f;
}
