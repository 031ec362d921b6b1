/*
 * Control and debug registers and what writing them does, INVLPG, and SYSENTER/SYSEXIT
 * (Intel SDM vol. 3A 2.5, 4.10.4, 5.8.7, 9.9 mode switching, 17.2; vol. 2 MOV CR, MOV DR,
 * LMSW, CLTS, INVLPG, SYSENTER, SYSEXIT).
 *
 * Decisions:
 * - CR0: undefined bits are ignored and read as 0, ET reads as 1 (SDM 2.5: "attempts to
 *   set them have no impact"); PG without PE and NW without CD raise #GP(0).
 * - CR4: a bit is reserved (#GP(0) when set) unless CPUID reports its feature, so CR4 and
 *   CPUID cannot disagree (cr4_bits below).
 * - Setting or clearing CR0.PE changes the mode at once; segment caches keep their
 *   contents (CPL stays 0 until CS is reloaded) and only their access windows are
 *   recomputed for the new mode.
 * - Debug registers: the DR4/DR5 aliasing, the DR6/DR7 fixed bits and DR7.GD general
 *   detection here; breakpoints themselves are in cpu/debug.c.
 */
#include "cpu/system.h"

#include "cpu/debug.h"

#include "cpu/cpuid.h"
#include "cpu/exception.h"

#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                     CR0_NW | CR0_CD | CR0_PG)
#define CR0_LMSW_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS)
#define CR0_TLB_BITS (CR0_PG | CR0_WP)
#define CR4_TLB_BITS (CR4_PSE | CR4_PAE | CR4_PGE)

/* Each CR4 bit and the CPUID.1:EDX feature that makes it exist (0: always on P6). */
static const struct {
    uint32_t bit, feature;
} cr4_bits[] = {
    { CR4_VME, CPUID_VME }, { CR4_PVI, CPUID_VME }, { CR4_TSD, CPUID_TSC },
    { CR4_DE, CPUID_DE }, { CR4_PSE, CPUID_PSE }, { CR4_PAE, CPUID_PAE },
    { CR4_MCE, CPUID_MCE }, { CR4_PGE, CPUID_PGE }, { CR4_PCE, 0 },
    { CR4_OSFXSR, CPUID_FXSR }, { CR4_OSXMMEXCPT, CPUID_SSE },
};

#define DR6_FIXED1 0xffff0ff0u  /* bits that read as 1 */
#define DR6_WRITABLE 0x0000e00fu  /* B0-B3, BD, BS, BT */
#define DR6_BD (1u << 13)
#define DR7_FIXED1 0x00000400u
#define DR7_WRITABLE 0xffff23ffu  /* L0-G3, LE, GE, GD, R/W and LEN fields */
#define DR7_GD (1u << 13)

void cpu_flush_tlb(CPUState *cpu, bool global)
{
    if (global) {
        tlb_flush_all(&cpu->tlb);
    } else {
        tlb_flush_nonglobal(&cpu->tlb);
    }
    cpu_tb_flush_jmp_cache(cpu);
}

void cpu_invlpg(CPUState *cpu, uint64_t lin)
{
    tlb_flush_page(&cpu->tlb, lin & 0xffffffffu);
    cpu_tb_flush_jmp_cache(cpu);
}

/* ---- control registers ---- */

bool cr_exists(unsigned n)
{
    return n == 0 || n == 2 || n == 3 || n == 4;
}

uint32_t cr_read(const CPUState *cpu, unsigned n)
{
    return (uint32_t)cpu->cr[n];
}

static uint32_t cr4_valid_bits(void)
{
    uint32_t valid = 0;
    for (unsigned i = 0; i < sizeof(cr4_bits) / sizeof(cr4_bits[0]); i++) {
        if (cpuid_has(cr4_bits[i].feature)) {
            valid |= cr4_bits[i].bit;
        }
    }
    return valid;
}

/* The access windows of the segment caches depend on the mode: redo them after PE. */
static void cr0_mode_changed(CPUState *cpu)
{
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        seg_update_windows(&cpu->seg[s], cpu_pe(cpu));
    }
}

/* Stores an already checked CR0 value and applies its side effects. */
static void cr0_commit(CPUState *cpu, uint32_t value)
{
    uint32_t changed = (uint32_t)cpu->cr[0] ^ value;
    cpu->cr[0] = value;
    if (changed & CR0_PE) {
        cr0_mode_changed(cpu);
    }
    if (changed & CR0_AM) {
        cpu_update_debug(cpu);
    }
    if (changed & CR0_TLB_BITS) {
        cpu_flush_tlb(cpu, true);
    }
}

static void cr0_write(CPUState *cpu, uint32_t value)
{
    uint32_t v = (value & CR0_DEFINED) | CR0_ET;
    if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD))) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cr0_commit(cpu, v);
}

static void cr4_write(CPUState *cpu, uint32_t value)
{
    if (value & ~cr4_valid_bits()) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    uint32_t changed = (uint32_t)cpu->cr[4] ^ value;
    cpu->cr[4] = value;
    if (changed & CR4_TLB_BITS) {
        cpu_flush_tlb(cpu, true);
    }
}

void cr_write(CPUState *cpu, unsigned n, uint32_t value)
{
    switch (n) {
    case 0: cr0_write(cpu, value); break;
    case 2: cpu->cr[2] = value; break;
    case 3: cpu->cr[3] = value; cpu_flush_tlb(cpu, false); break;
    default: cr4_write(cpu, value); break;
    }
}

void cr_lmsw(CPUState *cpu, uint16_t value)
{
    /* PE is ORed in, the other three bits replaced: LMSW never returns to real mode. */
    uint32_t cr0 = (uint32_t)cpu->cr[0];
    cr0_commit(cpu, (cr0 & ~(CR0_LMSW_BITS & ~CR0_PE)) | (value & CR0_LMSW_BITS));
}

void cr_clts(CPUState *cpu)
{
    cpu->cr[0] &= ~(uint64_t)CR0_TS;
}

/* ---- debug registers ---- */

/* The register MOV DRn really names, after the #UD and #DB checks. */
static unsigned dr_resolve(CPUState *cpu, unsigned n)
{
    if (n == 4 || n == 5) {
        if (cpu->cr[4] & CR4_DE) {
            cpu_raise(cpu, EXC_UD);
        }
        n += 2;  /* without debug extensions DR4/DR5 alias DR6/DR7 */
    }
    if (cpu->dr[7] & DR7_GD) {
        /* General detect: a fault; GD clears so the handler can use the registers. */
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~(uint64_t)DR7_GD;
        cpu_raise(cpu, EXC_DB);
    }
    return n;
}

uint32_t dr_read(CPUState *cpu, unsigned n)
{
    return (uint32_t)cpu->dr[dr_resolve(cpu, n)];
}

void dr_write(CPUState *cpu, unsigned n, uint32_t value)
{
    n = dr_resolve(cpu, n);
    if (n == 6) {
        value = (value & DR6_WRITABLE) | DR6_FIXED1;
    } else if (n == 7) {
        value = (value & DR7_WRITABLE) | DR7_FIXED1;
    }
    cpu->dr[n] = value;
    cpu_update_debug(cpu);
}

/* ---- SYSENTER, SYSEXIT ---- */

/* A flat 4 GiB segment at privilege DPL, loaded without reading any descriptor. */
static void seg_load_flat(SegCache *s, uint16_t sel, bool code, unsigned dpl)
{
    uint16_t type = code ? (DESC_CODE | DESC_R | DESC_A) : (DESC_W | DESC_A);
    *s = (SegCache){
        .sel = sel,
        .attr = type | DESC_S | DESC_P | DESC_DB | DESC_G | (uint16_t)(dpl << DESC_DPL_SHIFT),
        .base = 0,
        .limit = 0xffffffffu,
    };
    seg_update_windows(s, true);
}

void cpu_sysenter(CPUState *cpu)
{
    uint16_t cs = (uint16_t)cpu->sysenter_cs & 0xfffc;
    if (!cpu_pe(cpu) || cs == 0) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu->eflags &= ~(FL_VM | FL_IF | FL_RF);
    seg_load_flat(&cpu->seg[SEG_CS], cs, true, 0);
    seg_load_flat(&cpu->seg[SEG_SS], (uint16_t)(cs + 8), false, 0);
    cpu_set_cpl(cpu, 0);
    cpu->regs[R_ESP] = (uint32_t)cpu->sysenter_esp;
    cpu->eip = (uint32_t)cpu->sysenter_eip;
}

void cpu_sysexit(CPUState *cpu)
{
    uint16_t cs = (uint16_t)cpu->sysenter_cs;
    if (!cpu_at_cpl0(cpu) || !cpu_pe(cpu) || (cs & 0xfffc) == 0) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    seg_load_flat(&cpu->seg[SEG_CS], (uint16_t)(cs + 16) | 3, true, 3);
    seg_load_flat(&cpu->seg[SEG_SS], (uint16_t)(cs + 24) | 3, false, 3);
    cpu_set_cpl(cpu, 3);
    cpu->regs[R_ESP] = (uint32_t)cpu->regs[R_ECX];
    cpu->eip = (uint32_t)cpu->regs[R_EDX];
}
