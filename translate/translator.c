/*
 * Translator lifetime, -d in_asm listings and -d stats counters (STYLE.md point 9).
 */
#include "translate/translator.h"

#include <inttypes.h>

Translator *translator_new(CPUState *cpu)
{
    Translator *tr = g_new0(Translator, 1);
    tr->cpu = cpu;
    decode_index_init(&tr->decode);
    tr->arena = g_malloc(TB_ARENA_BYTES);
    tr->pages = g_hash_table_new(g_direct_hash, g_direct_equal);
    tr->scratch = g_malloc0(sizeof(TB) + 2 * sizeof(Op));
    tr->pm_generation = cpu->pm->generation;
    cpu->translator = tr;
    cpu->pm->code_write = tb_invalidate_range;
    cpu->pm->code_write_opaque = tr;
    return tr;
}

void translator_free(Translator *tr)
{
    if (!tr) {
        return;
    }
    if (tr->cpu->pm->code_write_opaque == tr) {
        tr->cpu->pm->code_write = NULL;
        tr->cpu->pm->code_write_opaque = NULL;
    }
    tr->cpu->translator = NULL;
    if (tr->disas_open) {
        disas_fini(&tr->disas);
    }
    g_hash_table_destroy(tr->pages);
    g_free(tr->scratch);
    g_free(tr->arena);
    g_free(tr);
}

const TranslatorStats *translator_stats(const Translator *tr)
{
    return &tr->stats;
}

void tb_log_in_asm(Translator *tr, const TB *tb)
{
    CPUState *cpu = tr->cpu;
    int bits = (tb->flags & TB_CODE32) ? 32 : 16;

    if (!tr->disas_open) {
        tr->disas_open = disas_init(&tr->disas);
    }
    log_trace(cpu->log, LOG_IN_ASM, "IN: phys 0x%08" PRIx64 " %s%s, %u insns\n", tb->phys_pc,
              bits == 32 ? "code32" : "code16", (tb->flags & TB_VM) ? " v86" : "",
              tb->ninsns);
    for (unsigned i = 0; i < tb->ninsns; i++) {
        const Op *op = &tb->ops[i];
        uint8_t code[16];
        char text[128];
        size_t len = op->len;
        for (size_t k = 0; k < len; k++) {
            uint64_t lin = (tb->cs_base + op->eip + k) & 0xffffffffu;
            code[k] = (uint8_t)cpu_ld_sys(cpu, lin, 1);
        }
        disas_one(&tr->disas, bits, tb->cs_base + op->eip, code, len, text, sizeof(text));
        log_trace(cpu->log, LOG_IN_ASM, "  %04x:%08x  %s\n", cpu->seg[SEG_CS].sel, op->eip, text);
    }
}

void translator_print_stats(const Translator *tr, const CPUState *cpu, FILE *f)
{
    const TranslatorStats *s = &tr->stats;
    fprintf(f, "stats: insns retired         %" PRIu64 "\n", cpu->stats.insns);
    fprintf(f, "stats: exceptions            %" PRIu64 "\n", cpu->stats.exceptions);
    fprintf(f, "stats: interrupts            %" PRIu64 "\n", cpu->stats.interrupts);
    fprintf(f, "stats: blocks translated     %" PRIu64 "\n", s->blocks_translated);
    fprintf(f, "stats: insns translated      %" PRIu64 "\n", s->insns_translated);
    fprintf(f, "stats: block lookups         %" PRIu64 "\n", s->lookups);
    fprintf(f, "stats: jump-cache hits       %" PRIu64 "\n", s->jmp_cache_hits);
    fprintf(f, "stats: block-cache hits      %" PRIu64 "\n", s->hash_hits);
    fprintf(f, "stats: chained entries       %" PRIu64 "\n", s->chained);
    fprintf(f, "stats: SMC invalidations     %" PRIu64 "\n", s->smc_invalidations);
    fprintf(f, "stats: SMC restarts          %" PRIu64 "\n", s->smc_restarts);
    fprintf(f, "stats: cache flushes         %" PRIu64 "\n", s->flushes);
    fprintf(f, "stats: TLB fills             %" PRIu64 "\n", cpu->tlb.fills);
}
