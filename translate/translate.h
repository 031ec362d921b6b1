/*
 * translate/: turning guest code into blocks of pre-decoded ops, caching them by physical
 * address and CPU mode, chaining them, invalidating them when their code is written, and
 * running them. Public interface of the folder.
 */
#ifndef WIRT_TRANSLATE_TRANSLATE_H
#define WIRT_TRANSLATE_TRANSLATE_H

#include <stdio.h>

#include "cpu/cpu.h"

typedef struct TranslatorStats {
    uint64_t blocks_translated;
    uint64_t insns_translated;
    uint64_t lookups;          /* block lookups by the run loop */
    uint64_t jmp_cache_hits;
    uint64_t hash_hits;
    uint64_t chained;          /* block entries through a chain link */
    uint64_t smc_invalidations;/* blocks dropped because their code was written */
    uint64_t smc_restarts;     /* instructions restarted because they wrote their own block */
    uint64_t flushes;          /* whole-cache flushes (cache full) */
} TranslatorStats;

typedef struct Translator Translator;

/* Binds a translator to CPU (cpu->translator) and to its physical memory's code writes. */
Translator *translator_new(CPUState *cpu);
void translator_free(Translator *tr);

/* Drops every translated block. */
void translator_flush(Translator *tr);

const TranslatorStats *translator_stats(const Translator *tr);
void translator_print_stats(const Translator *tr, const CPUState *cpu, FILE *f);

/*
 * Runs guest code until the CPU halts, MAX_INSNS instructions have retired, an exit is
 * requested, or a triple fault. Interrupts are taken at block boundaries.
 */
CpuExit translate_exec(CPUState *cpu, uint64_t max_insns);

#endif
