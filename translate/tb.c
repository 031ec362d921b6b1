/*
 * The block cache (STYLE.md point 2): blocks keyed by guest-physical address, CS base,
 * EIP and mode, a per-page list of the blocks that cover each page so that a write
 * invalidates only the blocks whose bytes it touches, and a bump arena freed by a whole
 * flush when it fills.
 */
#include "translate/translator.h"

#include <string.h>

static unsigned tb_hash(uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = (phys_pc ^ (phys_pc >> TB_HASH_BITS) ^ ((uint64_t)flags << 7)) *
                 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

TB *tb_lookup(Translator *tr, uint64_t phys_pc, uint64_t cs_base, uint32_t eip, uint32_t flags)
{
    for (TB *tb = tr->hash[tb_hash(phys_pc, flags)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->eip == eip && tb->cs_base == cs_base &&
            tb->flags == flags) {
            return tb;
        }
    }
    return NULL;
}

static size_t tb_bytes(unsigned nops)
{
    size_t n = sizeof(TB) + (size_t)nops * sizeof(Op);
    return (n + 15) & ~(size_t)15;
}

void translator_flush(Translator *tr)
{
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, tr->pages);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        physmem_clear_code(tr->cpu->pm, (uint64_t)(uintptr_t)key << PAGE_BITS);
    }
    g_hash_table_remove_all(tr->pages);
    memset(tr->hash, 0, sizeof(tr->hash));
    tr->arena_used = 0;
    cpu_tb_flush_jmp_cache(tr->cpu);
    tr->stats.flushes++;
}

/* Room for a block of up to MAX_OPS ops; flushes the cache when the arena is full. */
TB *tb_alloc(Translator *tr, unsigned max_ops)
{
    size_t need = tb_bytes(max_ops);
    if (tr->arena_used + need > TB_ARENA_BYTES) {
        translator_flush(tr);
    }
    TB *tb = (TB *)(tr->arena + tr->arena_used);
    memset(tb, 0, sizeof(*tb));
    return tb;
}

/* Keeps the block in the arena, trimmed to the ops it really has. */
void tb_commit(Translator *tr, TB *tb, unsigned nops)
{
    tr->arena_used += tb_bytes(nops);
}

/* Which list link of TB belongs to PAGE. */
static int tb_page_slot(const TB *tb, uint64_t page)
{
    return (tb->phys_pc & PAGE_MASK) == page ? 0 : 1;
}

/* The bytes of TB that lie in PAGE, as [*lo, *hi). */
static void tb_page_range(const TB *tb, uint64_t page, uint64_t *lo, uint64_t *hi)
{
    uint64_t first_len = PAGE_SIZE - (tb->phys_pc & (PAGE_SIZE - 1));
    if (tb_page_slot(tb, page) == 0) {
        *lo = tb->phys_pc;
        *hi = tb->phys_pc + MIN((uint64_t)tb->size, first_len);
    } else {
        *lo = page;
        *hi = page + (tb->size - first_len);
    }
}

static void page_add(Translator *tr, TB *tb, int which, uint64_t page)
{
    gpointer key = GSIZE_TO_POINTER(page >> PAGE_BITS);
    bool was_code = physmem_is_code(tr->cpu->pm, page);
    uint64_t lo, hi;

    tb->page_next[which] = g_hash_table_lookup(tr->pages, key);
    g_hash_table_insert(tr->pages, key, tb);
    tb_page_range(tb, page, &lo, &hi);
    physmem_mark_code(tr->cpu->pm, lo, hi - lo);
    if (!was_code) {
        tlb_protect_code(&tr->cpu->tlb, page);
    }
}

void tb_link(Translator *tr, TB *tb)
{
    unsigned h = tb_hash(tb->phys_pc, tb->flags);
    tb->hash_next = tr->hash[h];
    tr->hash[h] = tb;
    tb->cached = true;
    page_add(tr, tb, 0, tb->phys_pc & PAGE_MASK);
    if (tb->phys_page2 != ~0ull) {
        page_add(tr, tb, 1, tb->phys_page2);
    }
}

/* Rebuilds the page's code-chunk map from the blocks still on it. */
static void page_remap_code(Translator *tr, uint64_t page)
{
    physmem_clear_code(tr->cpu->pm, page);
    for (TB *t = g_hash_table_lookup(tr->pages, GSIZE_TO_POINTER(page >> PAGE_BITS)); t;
         t = t->page_next[tb_page_slot(t, page)]) {
        uint64_t lo, hi;
        tb_page_range(t, page, &lo, &hi);
        physmem_mark_code(tr->cpu->pm, lo, hi - lo);
    }
}

static void page_unlink(Translator *tr, TB *tb, uint64_t page)
{
    gpointer key = GSIZE_TO_POINTER(page >> PAGE_BITS);
    TB *head = g_hash_table_lookup(tr->pages, key);
    TB **pp = &head;
    while (*pp && *pp != tb) {
        pp = &(*pp)->page_next[tb_page_slot(*pp, page)];
    }
    if (*pp) {
        *pp = tb->page_next[tb_page_slot(tb, page)];
    }
    if (head) {
        g_hash_table_insert(tr->pages, key, head);
    } else {
        g_hash_table_remove(tr->pages, key);
        physmem_clear_code(tr->cpu->pm, page);
    }
}

static void tb_drop(Translator *tr, TB *tb)
{
    TB **pp = &tr->hash[tb_hash(tb->phys_pc, tb->flags)];
    while (*pp && *pp != tb) {
        pp = &(*pp)->hash_next;
    }
    if (*pp) {
        *pp = tb->hash_next;
    }
    tb->valid = false;
    tb->cached = false;
    page_unlink(tr, tb, tb->phys_pc & PAGE_MASK);
    if (tb->phys_page2 != ~0ull) {
        page_unlink(tr, tb, tb->phys_page2);
    }
    tr->stats.smc_invalidations++;
}

/*
 * PhysMem's code-write hook: drops the blocks whose bytes overlap [phys, phys+len). If
 * the running block is among them and a CPU store caused it, the store has not happened
 * yet: restart its instruction alone, so the rest of the stale block never runs.
 */
void tb_invalidate_range(void *opaque, uint64_t phys, unsigned len)
{
    Translator *tr = opaque;
    uint64_t page = phys & PAGE_MASK;
    bool hit_current = false;

    for (TB *t = g_hash_table_lookup(tr->pages, GSIZE_TO_POINTER(page >> PAGE_BITS)); t;) {
        TB *next = t->page_next[tb_page_slot(t, page)];
        uint64_t lo, hi;
        tb_page_range(t, page, &lo, &hi);
        if (phys < hi && lo < phys + len) {
            hit_current |= t == tr->cpu->cur_tb;
            tb_drop(tr, t);
        }
        t = next;
    }
    /* Dropped blocks may have shared chunks with others: only those left count now. */
    page_remap_code(tr, page);
    /* The jump cache needs no flush: its lookups ignore blocks that are no longer valid. */
    if (hit_current && tr->cpu->storing) {
        tr->stats.smc_restarts++;
        cpu_restart_insn(tr->cpu);
    }
}
