/*
 * The translator's private state: the block arena, the hash table by physical address,
 * the per-page block lists used for invalidation, and the decoder index.
 */
#ifndef WIRT_TRANSLATE_TRANSLATOR_H
#define WIRT_TRANSLATE_TRANSLATOR_H

#include <glib.h>

#include "cpu/decode.h"
#include "cpu/disas.h"
#include "translate/op.h"
#include "translate/translate.h"

#define TB_HASH_BITS 15
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
#define TB_ARENA_BYTES (32u << 20)

struct Translator {
    CPUState *cpu;
    DecodeIndex decode;
    uint8_t *arena;            /* blocks are carved from here; freed only by a full flush */
    size_t arena_used;
    TB *hash[TB_HASH_SIZE];
    GHashTable *pages;         /* guest-physical page -> first TB on it (TB.page_next) */
    TB *scratch;               /* an uncached block: restarts and short budgets */
    bool restart_single;       /* run the next instruction alone, uncached (SMC restart) */
    const TB *last_tb;         /* block that last exited to the loop, for chaining */
    uint32_t pm_generation;    /* PhysMem generation the TLB was filled under */
    Disas disas;               /* for -d in_asm */
    bool disas_open;
    TranslatorStats stats;
};

/* tb.c: the block cache. */
TB *tb_lookup(Translator *tr, uint64_t phys_pc, uint64_t cs_base, uint32_t eip, uint32_t flags);
TB *tb_alloc(Translator *tr, unsigned max_ops);
void tb_commit(Translator *tr, TB *tb, unsigned nops);
void tb_link(Translator *tr, TB *tb);
void tb_invalidate_range(void *opaque, uint64_t phys, unsigned len);

/* translate.c: block formation. */
TB *tb_translate(Translator *tr, TB *tb, uint64_t phys_pc, uint32_t flags, unsigned max_insns);
void tb_log_in_asm(Translator *tr, const TB *tb);

#endif
