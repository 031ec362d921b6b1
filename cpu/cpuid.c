/*
 * The CPUID model: a GenuineIntel Pentium II-class processor, family 6, model 3,
 * stepping 3 (CPU_RESET_SIGNATURE), in one table (Intel SDM vol. 2A, CPUID; cache and TLB
 * descriptors from table 3-12).
 *
 * Leaf 1 EDX claims exactly what wirt implements:
 *   DE              CR4.DE and its DR4/DR5 rule (no breakpoints fire yet, see system.c)
 *   PSE, PAE, PGE   large pages, PAE paging, global pages (mmu/paging.c)
 *   PSE36           4 MiB pages above 4 GiB: mmu/paging.c always implements them
 *   TSC, MSR        RDTSC, RDMSR/WRMSR (cpu/msr.c)
 *   CX8, CMOV       CMPXCHG8B, CMOVcc
 *   SEP             SYSENTER/SYSEXIT (model 3 stepping 3 is past the Pentium Pro
 *                   erratum that made software ignore SEP on earlier steppings)
 *   MTRR, PAT       the MTRR and PAT MSRs as storage: wirt has no caches to control
 *   FPU, MMX, FXSR  the x87 FPU, MMX and FXSAVE/FXRSTOR (cpu/x87.c, cpu/mmx.c)
 * and leaves clear: VME (no virtual-8086 extensions), MCE/MCA (no machine checks), APIC
 * (no local APIC yet), SSE/SSE2.
 * There is no EFER: leaf 80000001H reports no SYSCALL, NX or long mode.
 */
#include "cpu/cpuid.h"

#include "cpu/cpu.h"

/* Four ASCII characters as the little-endian dword CPUID returns them in. */
#define CH4(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | (uint32_t)(s)[2] << 16 | \
                (uint32_t)(s)[3] << 24)

#define CPUID_MAX_BASIC 2u
#define CPUID_MAX_EXT 0x80000004u

#define CPUID_1_EDX (CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE |   \
                     CPUID_CX8 | CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT | \
                     CPUID_PSE36 | CPUID_MMX | CPUID_FXSR)

typedef struct CpuidLeaf {
    uint32_t leaf;
    CpuidResult r;
} CpuidLeaf;

static const CpuidLeaf cpuid_table[] = {
    /* Highest basic leaf; vendor "GenuineIntel" in EBX, EDX, ECX. */
    { 0, { CPUID_MAX_BASIC, CH4("Genu"), CH4("ntel"), CH4("ineI") } },
    /* Signature; EBX: brand index 0, APIC ID 0; ECX: no features; EDX: see above. */
    { 1, { CPU_RESET_SIGNATURE, 0, 0, CPUID_1_EDX } },
    /*
     * Cache and TLB descriptors, AL = 1 (one CPUID 2 call suffices). EAX: 01h ITLB 4K
     * 32 entries 4-way, 02h ITLB 4M 2 entries, 03h DTLB 4K 64 entries 4-way; EDX: 43h L2
     * 512K 4-way 32-byte lines, 08h L1 code 16K 4-way 32-byte lines, 04h DTLB 4M 8
     * entries 4-way, 0Ch L1 data 16K 4-way 32-byte lines.
     */
    { 2, { 0x03020101u, 0, 0, 0x0c040843u } },
    { 0x80000000u, { CPUID_MAX_EXT, 0, 0, 0 } },
    { 0x80000001u, { 0, 0, 0, 0 } },
    /* Brand string, 48 bytes NUL-padded: "wirt virtual CPU". */
    { 0x80000002u, { CH4("wirt"), CH4(" vir"), CH4("tual"), CH4(" CPU") } },
    { 0x80000003u, { 0, 0, 0, 0 } },
    { 0x80000004u, { 0, 0, 0, 0 } },
};

static const CpuidLeaf *cpuid_find(uint32_t leaf)
{
    for (unsigned i = 0; i < sizeof(cpuid_table) / sizeof(cpuid_table[0]); i++) {
        if (cpuid_table[i].leaf == leaf) {
            return &cpuid_table[i];
        }
    }
    return NULL;
}

void cpuid_query(uint32_t leaf, uint32_t subleaf, CpuidResult *out)
{
    const CpuidLeaf *e = cpuid_find(leaf);
    (void)subleaf;  /* no leaf of this model has subleaves */
    if (!e) {
        /* Beyond the highest basic or extended leaf: Intel returns the highest basic. */
        e = cpuid_find(CPUID_MAX_BASIC);
    }
    *out = e->r;
}

bool cpuid_has(uint32_t features)
{
    return (cpuid_find(1)->r.edx & features) == features;
}

bool cpuid_has_ext(uint32_t features)
{
    return (cpuid_find(0x80000001u)->r.edx & features) == features;
}
