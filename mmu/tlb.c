/*
 * Soft TLB fills, flushes and the slow-path accessors behind tlb_lookup(). Flushes follow
 * Intel SDM vol. 3A 4.10.4 (INVLPG, CR3 writes keep global entries).
 */
#include "mmu/tlb.h"

static void tlb_entry_clear(TlbEntry *e)
{
    e->tag[ACC_READ] = e->tag[ACC_WRITE] = e->tag[ACC_EXEC] = TLB_INVALID;
    e->global = false;
}

void tlb_init(Tlb *t, PhysMem *pm)
{
    memset(t, 0, sizeof(*t));
    t->pm = pm;
    t->generation = pm->generation;
    tlb_flush_all(t);
}

/* Calls FN on every fillable entry: both privilege rows, main table and victims. */
static void tlb_for_each(Tlb *t, void (*fn)(TlbEntry *e, const void *ctx), const void *ctx)
{
    for (int i = 0; i < MMU_IDX_COUNT; i++) {
        for (unsigned j = 0; j < TLB_SIZE; j++) {
            fn(&t->e[i][j], ctx);
        }
        for (unsigned j = 0; j < TLB_VICTIMS; j++) {
            fn(&t->victim[i][j], ctx);
        }
    }
}

static void entry_clear(TlbEntry *e, const void *ctx)
{
    tlb_entry_clear(e);
}

void tlb_flush_all(Tlb *t)
{
    tlb_for_each(t, entry_clear, NULL);
    for (unsigned j = 0; j < TLB_SIZE; j++) {
        tlb_entry_clear(&t->e[MMU_IDX_NOFILL][j]);
    }
    t->large_page_mask = 0;
    t->large_page_addr = 0;
    t->large_pages = false;
    t->flushes++;
}

void tlb_sync(Tlb *t)
{
    if (t->generation != t->pm->generation) {
        t->generation = t->pm->generation;
        tlb_flush_all(t);
    }
}

static void entry_clear_nonglobal(TlbEntry *e, const void *ctx)
{
    if (!e->global) {
        tlb_entry_clear(e);
    }
}

void tlb_flush_nonglobal(Tlb *t)
{
    tlb_for_each(t, entry_clear_nonglobal, NULL);
    t->flushes++;
}

static bool tlb_entry_maps(const TlbEntry *e, uint64_t page)
{
    for (int a = 0; a < 3; a++) {
        if (e->tag[a] != TLB_INVALID && (e->tag[a] & PAGE_MASK) == page) {
            return true;
        }
    }
    return false;
}

void tlb_flush_page(Tlb *t, uint64_t va)
{
    uint64_t page = va & PAGE_MASK;

    /* A large page is held as many 4 KiB entries: INVLPG inside one drops them all. */
    if (t->large_pages && (va & t->large_page_mask) == t->large_page_addr) {
        tlb_flush_all(t);
        return;
    }
    for (int i = 0; i < MMU_IDX_COUNT; i++) {
        TlbEntry *e = &t->e[i][tlb_index(va)];
        if (tlb_entry_maps(e, page)) {
            tlb_entry_clear(e);
        }
        for (unsigned j = 0; j < TLB_VICTIMS; j++) {
            if (tlb_entry_maps(&t->victim[i][j], page)) {
                tlb_entry_clear(&t->victim[i][j]);
            }
        }
    }
}

static void entry_protect_code(TlbEntry *e, const void *ctx)
{
    uint64_t page = *(const uint64_t *)ctx;
    if (e->tag[ACC_WRITE] != TLB_INVALID && e->phys == page) {
        e->tag[ACC_WRITE] |= TLB_CODE;
    }
}

void tlb_protect_code(Tlb *t, uint64_t page)
{
    tlb_for_each(t, entry_protect_code, &page);
}

static void entry_protect_dirty(TlbEntry *e, const void *ctx)
{
    const uint64_t *range = ctx;
    if (e->tag[ACC_WRITE] != TLB_INVALID && e->phys >= range[0] && e->phys <= range[1]) {
        e->tag[ACC_WRITE] |= TLB_NOTDIRTY;
    }
}

void tlb_protect_dirty(Tlb *t, uint64_t phys, uint64_t len)
{
    if (len == 0) {
        return;
    }
    uint64_t range[2] = {
        phys & PAGE_MASK, phys + len - 1 < phys ? UINT64_MAX : phys + len - 1,
    };
    tlb_for_each(t, entry_protect_dirty, range);
}

/* Remembers the span of large pages so INVLPG inside one can flush everything. */
static void tlb_note_large_page(Tlb *t, uint64_t va, unsigned bits)
{
    uint64_t mask = ~(((uint64_t)1 << bits) - 1);
    uint64_t addr = va & mask;

    if (!t->large_pages) {
        t->large_pages = true;
        t->large_page_mask = mask;
        t->large_page_addr = addr;
        return;
    }
    /* Widen the remembered span until it covers both (mask 0: the whole address space). */
    while ((addr & t->large_page_mask) != t->large_page_addr) {
        t->large_page_mask <<= 1;
        t->large_page_addr &= t->large_page_mask;
        addr &= t->large_page_mask;
    }
}

/* The flags that keep writes to guest-physical PAGE (in region R, or NULL) off the fast path. */
static uint64_t tlb_write_flags(MemRegion *r, uint64_t page)
{
    if (!r || r->kind == MEM_MMIO) {
        return TLB_MMIO;
    }
    if (r->kind == MEM_ROM) {
        return TLB_ROM;
    }
    uint64_t index = (page - r->base) >> PAGE_BITS;
    return (r->code_pages[index] ? TLB_CODE : 0) |
           (dirty_pages_watched(&r->dirty, index) ? TLB_NOTDIRTY : 0);
}

/* Walks VA and fills its entry for privilege IDX. */
static bool tlb_fill(Tlb *t, const MmuRegs *regs, uint64_t va, int idx, MmuAccess acc,
                     TlbEntry **out, MmuFault *fault)
{
    MmuWalk w;
    MemRegion *r;
    uint64_t page = va & PAGE_MASK;
    TlbEntry *e = &t->e[idx][tlb_index(va)];

    if (!mmu_walk(t->pm, regs, va, acc, idx == MMU_IDX_USER, &w, fault)) {
        return false;
    }
    t->fills++;
    if (w.page_bits > PAGE_BITS) {
        tlb_note_large_page(t, va, w.page_bits);
    }
    uint64_t phys = physmem_a20(t->pm, w.phys & PAGE_MASK);
    uint8_t *host = physmem_host_ptr(t->pm, phys, &r);
    uint64_t flags = host ? 0 : TLB_MMIO;

    if (e->tag[ACC_READ] != TLB_INVALID) {
        /* Keep the evicted translation in the victim table (round robin). */
        t->victim[idx][t->victim_next[idx]++ % TLB_VICTIMS] = *e;
    }
    tlb_entry_clear(e);
    e->phys = phys;
    e->global = w.global;
    e->addend = host ? (uintptr_t)host - (uintptr_t)page : 0;
    e->tag[ACC_READ] = page | flags;
    if (w.executable) {
        e->tag[ACC_EXEC] = page | flags;
    }
    /* A write may use the entry only once the leaf's dirty bit is set. */
    if (w.writable && (w.dirty || acc == ACC_WRITE)) {
        e->tag[ACC_WRITE] = page | tlb_write_flags(r, phys);
    }
    *out = e;
    return true;
}

/* The entry that maps VA for ACC at IDX, filling it if needed. */
static bool tlb_get(Tlb *t, const MmuRegs *regs, uint64_t va, int idx, MmuAccess acc,
                    TlbEntry **out, MmuFault *fault)
{
    TlbEntry *e = &t->e[idx][tlb_index(va)];

    tlb_sync(t);
    if (e->tag[acc] != TLB_INVALID && (e->tag[acc] & PAGE_MASK) == (va & PAGE_MASK)) {
        *out = e;
        return true;
    }
    for (unsigned j = 0; j < TLB_VICTIMS; j++) {
        TlbEntry *v = &t->victim[idx][j];
        if (v->tag[acc] != TLB_INVALID && (v->tag[acc] & PAGE_MASK) == (va & PAGE_MASK)) {
            TlbEntry tmp = *e;  /* swap: the hit goes to the main table */
            *e = *v;
            *v = tmp;
            t->victim_hits++;
            *out = e;
            return true;
        }
    }
    return tlb_fill(t, regs, va, idx, acc, out, fault);
}

bool mmu_translate(Tlb *t, const MmuRegs *regs, uint64_t va, int idx, MmuAccess acc,
                   uint64_t *phys, MmuFault *fault)
{
    TlbEntry *e;
    if (!tlb_get(t, regs, va, idx, acc, &e, fault)) {
        return false;
    }
    *phys = e->phys | (va & (PAGE_SIZE - 1));
    return true;
}

/* Number of bytes of an access of SIZE at VA that lie in VA's page. */
static unsigned first_part(uint64_t va, unsigned size)
{
    unsigned room = PAGE_SIZE - (unsigned)(va & (PAGE_SIZE - 1));
    return size < room ? size : room;
}

bool mmu_read(Tlb *t, const MmuRegs *regs, uint64_t va, unsigned size, int idx,
              MmuAccess acc, uint64_t *val, MmuFault *fault)
{
    TlbEntry *e;
    unsigned n1 = first_part(va, size);

    if (n1 < size) {
        uint64_t p1, p2;
        if (!mmu_translate(t, regs, va, idx, acc, &p1, fault) ||
            !mmu_translate(t, regs, va + n1, idx, acc, &p2, fault)) {
            return false;
        }
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t p = i < n1 ? p1 + i : p2 + (i - n1);
            v |= physmem_read(t->pm, p, 1) << (8 * i);
        }
        *val = v;
        return true;
    }
    if (!tlb_get(t, regs, va, idx, acc, &e, fault)) {
        return false;
    }
    if (!(e->tag[acc] & TLB_MMIO)) {
        *val = ldn_le((const uint8_t *)(e->addend + (uintptr_t)va), size);
    } else {
        *val = physmem_read(t->pm, e->phys | (va & (PAGE_SIZE - 1)), size);
    }
    return true;
}

bool mmu_write(Tlb *t, const MmuRegs *regs, uint64_t va, unsigned size, int idx,
               uint64_t val, MmuFault *fault)
{
    TlbEntry *e;
    unsigned n1 = first_part(va, size);

    if (n1 < size) {
        uint64_t p1, p2;
        if (!mmu_translate(t, regs, va, idx, ACC_WRITE, &p1, fault) ||
            !mmu_translate(t, regs, va + n1, idx, ACC_WRITE, &p2, fault)) {
            return false;
        }
        for (unsigned i = 0; i < size; i++) {
            uint64_t p = i < n1 ? p1 + i : p2 + (i - n1);
            physmem_write(t->pm, p, (val >> (8 * i)) & 0xff, 1);
        }
        return true;
    }
    if (!tlb_get(t, regs, va, idx, ACC_WRITE, &e, fault)) {
        return false;
    }
    uint64_t tag = e->tag[ACC_WRITE];
    if (!(tag & ~PAGE_MASK)) {
        stn_le((uint8_t *)(e->addend + (uintptr_t)va), val, size);
        return true;
    }
    physmem_write(t->pm, e->phys | (va & (PAGE_SIZE - 1)), val, size);
    if (tag & TLB_MMIO) {
        tlb_sync(t);  /* a device register may have remapped memory */
        return true;
    }
    /*
     * The write may have evicted the page's translated code and has made it dirty for
     * every logging client: let writes run fast again if nothing else still needs to
     * see them. Unless the code-write callback already replaced the entry.
     */
    if ((tag & (TLB_CODE | TLB_NOTDIRTY)) && e->tag[ACC_WRITE] == tag) {
        MemRegion *r = physmem_find(t->pm, e->phys);
        e->tag[ACC_WRITE] = (tag & PAGE_MASK) | tlb_write_flags(r, e->phys);
    }
    return true;
}
