/*
 * The model-specific registers of the P6-class model, one table row per MSR or run of
 * MSRs (Intel SDM vol. 4, table 2-2; vol. 3A 11.11 MTRRs, 11.12 PAT, 17.17 time-stamp
 * counter; vol. 2B RDMSR/WRMSR). MTRRs, PAT, APIC_BASE, the microcode signature and the
 * two performance counters (which never count) are plain storage: wirt has no
 * caches and no local APIC for them to steer yet.
 *
 * Decisions:
 * - WRMSR to the TSC writes its low 32 bits and clears the high 32, as P6 family
 *   processors do (SDM vol. 3B 17.17); the counter then keeps counting from that value.
 * - SYSENTER_CS/ESP/EIP are 32-bit registers on this IA-32 model: EDX must be 0.
 * - MAXPHYADDR is 36 (mmu/paging.c), which bounds MTRR and APIC base addresses.
 * - EFER exists only when CPUID reports SYSCALL, NX or long mode; this model does not.
 */
#include "cpu/msr.h"

#include <stddef.h>

#include "cpu/cpuid.h"
#include "cpu/system.h"

#define PHYS_ADDR_MASK 0x0000000ffffff000ull  /* bits 35:12 */
#define MTRRCAP_VALUE 0x508u                   /* 8 variable ranges, fixed ranges, WC */
#define MTRR_VAR_VALID (1u << 11)

enum {
    MSR_RO = 1u << 0,     /* writes raise #GP(0) */
    MSR_FLUSH = 1u << 1,  /* writes invalidate the TLBs, global entries too (MTRRs) */
};

typedef struct MsrDesc {
    uint32_t first, last;   /* an index range; storage is consecutive uint64_t fields */
    size_t field;           /* offsetof(CPUState, ...) of the field for `first` */
    uint64_t reserved;      /* bits whose 1 raises #GP(0) on write */
    bool (*valid)(uint32_t index, uint64_t value);          /* further checks, or NULL */
    uint64_t (*get)(const CPUState *cpu, uint64_t clock);   /* computed value, or NULL */
    void (*set)(CPUState *cpu, uint64_t clock, uint64_t value); /* computed write */
    bool (*present)(void);  /* exists only when this says so, or NULL: always */
    unsigned flags;
} MsrDesc;

/* ---- memory types (SDM vol. 3A, tables 11-8 and 11-10) ---- */

/* UC, WC, WT, WP, WB; PAT adds UC- (7). */
static bool mtrr_type_ok(uint64_t t)
{
    return t < 8 && ((0x73u >> t) & 1);
}

static bool pat_type_ok(uint64_t t)
{
    return t < 8 && ((0xf3u >> t) & 1);
}

static bool valid_fixed(uint32_t index, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        if (!mtrr_type_ok((v >> (8 * i)) & 0xff)) {
            return false;
        }
    }
    return true;
}

static bool valid_pat(uint32_t index, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        if (!pat_type_ok((v >> (8 * i)) & 0xff)) {
            return false;
        }
    }
    return true;
}

static bool valid_def_type(uint32_t index, uint64_t v)
{
    return mtrr_type_ok(v & 0xff);
}

/* Even indexes are PHYSBASEn (type in 7:0), odd ones PHYSMASKn (valid bit 11). */
static bool valid_var(uint32_t index, uint64_t v)
{
    if (index & 1) {
        return (v & ~(PHYS_ADDR_MASK | MTRR_VAR_VALID)) == 0;
    }
    return (v & ~(PHYS_ADDR_MASK | 0xff)) == 0 && mtrr_type_ok(v & 0xff);
}

/* ---- computed MSRs ---- */

uint64_t tsc_clock(const CPUState *cpu, uint64_t retired)
{
    if (cpu->hooks.read_tsc) {
        return cpu->hooks.read_tsc(cpu->hooks.opaque, retired);
    }
    return retired;
}

uint64_t tsc_read(const CPUState *cpu, uint64_t clock)
{
    return clock + cpu->tsc_offset;
}

static uint64_t tsc_get(const CPUState *cpu, uint64_t clock)
{
    return tsc_read(cpu, clock);
}

static void tsc_set(CPUState *cpu, uint64_t clock, uint64_t value)
{
    cpu->tsc_offset = (value & 0xffffffffu) - clock;
}

static uint64_t mtrrcap_get(const CPUState *cpu, uint64_t clock)
{
    return MTRRCAP_VALUE;
}

static uint64_t zero_get(const CPUState *cpu, uint64_t clock)
{
    return 0;
}

static void ignore_set(CPUState *cpu, uint64_t clock, uint64_t value)
{
}

static bool efer_present(void)
{
    return cpuid_has_ext(CPUID_EXT_SYSCALL) || cpuid_has_ext(CPUID_EXT_NX) ||
           cpuid_has_ext(CPUID_EXT_LM);
}

/* The EFER bits software may write: one per feature CPUID reports (LMA is read-only). */
static uint64_t efer_writable(void)
{
    return (cpuid_has_ext(CPUID_EXT_SYSCALL) ? EFER_SCE : 0) |
           (cpuid_has_ext(CPUID_EXT_LM) ? EFER_LME : 0) |
           (cpuid_has_ext(CPUID_EXT_NX) ? EFER_NXE : 0);
}

static bool valid_efer(uint32_t index, uint64_t v)
{
    return (v & ~(efer_writable() | EFER_LMA)) == 0;
}

static void efer_set(CPUState *cpu, uint64_t clock, uint64_t value)
{
    uint64_t old = cpu->efer;
    cpu->efer = (value & efer_writable()) | (old & EFER_LMA);
    if ((old ^ cpu->efer) & EFER_NXE) {
        cpu_flush_tlb(cpu, true);
    }
}

/* ---- the table ---- */

#define FIELD(f) offsetof(CPUState, f)
#define HIGH32 0xffffffff00000000ull

#define RANGE(lo, hi) .first = (lo), .last = (hi)

static const MsrDesc msr_table[] = {
    { RANGE(MSR_TSC, MSR_TSC), .get = tsc_get, .set = tsc_set },
    { RANGE(MSR_APIC_BASE, MSR_APIC_BASE), .field = FIELD(apic_base),
      .reserved = ~(PHYS_ADDR_MASK | 0x900) },
    { RANGE(MSR_MTRRCAP, MSR_MTRRCAP), .get = mtrrcap_get, .flags = MSR_RO },
    /* Microcode update trigger and signature: there is no microcode to load. */
    { RANGE(MSR_BIOS_UPDT_TRIG, MSR_BIOS_UPDT_TRIG), .get = zero_get, .set = ignore_set },
    { RANGE(MSR_BIOS_SIGN_ID, MSR_BIOS_SIGN_ID), .field = FIELD(bios_sign_id) },
    /* Two P6 performance counters and their event selects, as storage. */
    { RANGE(MSR_PERFCTR0, MSR_PERFCTR0 + 1), .field = FIELD(perfctr),
      .reserved = ~0xffffffffffull },
    { RANGE(MSR_EVNTSEL0, MSR_EVNTSEL0 + 1), .field = FIELD(evntsel), .reserved = HIGH32 },
    { RANGE(MSR_SYSENTER_CS, MSR_SYSENTER_CS), .field = FIELD(sysenter_cs), .reserved = HIGH32 },
    { RANGE(MSR_SYSENTER_ESP, MSR_SYSENTER_ESP), .field = FIELD(sysenter_esp),
      .reserved = HIGH32 },
    { RANGE(MSR_SYSENTER_EIP, MSR_SYSENTER_EIP), .field = FIELD(sysenter_eip),
      .reserved = HIGH32 },
    { RANGE(MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSBASE0 + 15), .field = FIELD(mtrr_var),
      .valid = valid_var, .flags = MSR_FLUSH },
    { RANGE(MSR_MTRR_FIX64K_00000, MSR_MTRR_FIX64K_00000), .field = FIELD(mtrr_fixed[0]),
      .valid = valid_fixed, .flags = MSR_FLUSH },
    { RANGE(MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_80000 + 1), .field = FIELD(mtrr_fixed[1]),
      .valid = valid_fixed, .flags = MSR_FLUSH },
    { RANGE(MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_C0000 + 7), .field = FIELD(mtrr_fixed[3]),
      .valid = valid_fixed, .flags = MSR_FLUSH },
    { RANGE(MSR_PAT, MSR_PAT), .field = FIELD(pat), .valid = valid_pat },
    { RANGE(MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE), .field = FIELD(mtrr_def_type),
      .reserved = ~0xcffull, .valid = valid_def_type, .flags = MSR_FLUSH },
    { RANGE(MSR_EFER, MSR_EFER), .field = FIELD(efer), .valid = valid_efer, .set = efer_set,
      .present = efer_present },
};

static const MsrDesc *msr_find(uint32_t index)
{
    for (size_t i = 0; i < sizeof(msr_table) / sizeof(msr_table[0]); i++) {
        const MsrDesc *d = &msr_table[i];
        if (index >= d->first && index <= d->last) {
            return (d->present && !d->present()) ? NULL : d;
        }
    }
    return NULL;
}

static uint64_t *msr_field(CPUState *cpu, const MsrDesc *d, uint32_t index)
{
    return (uint64_t *)((char *)cpu + d->field) + (index - d->first);
}

bool msr_read(CPUState *cpu, uint32_t index, uint64_t clock, uint64_t *value)
{
    const MsrDesc *d = msr_find(index);
    if (!d) {
        return false;
    }
    *value = d->get ? d->get(cpu, clock) : *msr_field(cpu, d, index);
    return true;
}

bool msr_write(CPUState *cpu, uint32_t index, uint64_t clock, uint64_t value)
{
    const MsrDesc *d = msr_find(index);
    if (!d || (d->flags & MSR_RO) || (value & d->reserved) ||
        (d->valid && !d->valid(index, value))) {
        return false;
    }
    if (d->set) {
        d->set(cpu, clock, value);
    } else {
        *msr_field(cpu, d, index) = value;
    }
    if (d->flags & MSR_FLUSH) {
        cpu_flush_tlb(cpu, true);
    }
    return true;
}
