/*
 * CPUID: the identification and feature flags of the one CPU model wirt emulates, a
 * P6-class GenuineIntel processor (Intel SDM vol. 2A, CPUID; vol. 3A 20.1). The model is
 * a single table in cpu/cpuid.c; everything else that depends on a feature (which CR4
 * bits exist, whether EFER exists) asks cpuid_has() so the two can never disagree.
 */
#ifndef WIRT_CPU_CPUID_H
#define WIRT_CPU_CPUID_H

#include <stdbool.h>
#include <stdint.h>

/* CPUID.1:EDX feature bits (SDM vol. 2A, table 3-11). */
#define CPUID_FPU (1u << 0)
#define CPUID_VME (1u << 1)
#define CPUID_DE (1u << 2)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_PAE (1u << 6)
#define CPUID_MCE (1u << 7)
#define CPUID_CX8 (1u << 8)
#define CPUID_APIC (1u << 9)
#define CPUID_SEP (1u << 11)
#define CPUID_MTRR (1u << 12)
#define CPUID_PGE (1u << 13)
#define CPUID_MCA (1u << 14)
#define CPUID_CMOV (1u << 15)
#define CPUID_PAT (1u << 16)
#define CPUID_PSE36 (1u << 17)
#define CPUID_MMX (1u << 23)
#define CPUID_FXSR (1u << 24)
#define CPUID_SSE (1u << 25)
#define CPUID_SSE2 (1u << 26)

/* CPUID.80000001H:EDX bits that decide whether EFER exists (SDM vol. 4, table 2-2). */
#define CPUID_EXT_SYSCALL (1u << 11)
#define CPUID_EXT_NX (1u << 20)
#define CPUID_EXT_LM (1u << 29)

typedef struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
} CpuidResult;

/* What CPUID returns for LEAF (EAX) and SUBLEAF (ECX). */
void cpuid_query(uint32_t leaf, uint32_t subleaf, CpuidResult *out);

/* Whether CPUID.1:EDX reports every bit of FEATURES. */
bool cpuid_has(uint32_t features);
/* Whether CPUID.80000001H:EDX reports every bit of FEATURES. */
bool cpuid_has_ext(uint32_t features);

#endif
