/*
 * Linear-to-physical translation: the page walk of Intel SDM vol. 3A chapter 4 for
 * 32-bit paging (4.3, with PSE and PSE-36), PAE paging (4.4, with NX) and 4-level paging
 * (4.5), access rights (4.6), #PF error codes (4.7) and accessed/dirty flags (4.8).
 *
 * Each mode is a small table of levels; one loop walks any of them.
 *
 * Decisions, where the SDM leaves a choice to the implementation:
 * - MAXPHYADDR is 36 (what a PAE-era Pentium Pro/Pentium 4 reports; CPUID must agree).
 *   PAE and 4-level entries with address bits at or above 36 set fault with PF_RSVD.
 * - PSE-36 is supported: bits 16:13 of a 4 MiB PDE are physical bits 35:32, and bits
 *   21:17 are reserved (SDM 4.3, table 4-4 with M = 36). CPUID must report PSE-36.
 * - Legacy PAE loads the four PDPTEs when CR3 is written and faults bad ones with #GP
 *   there (SDM 4.4.1). We read them at walk time instead: a guest that changes its PDPT
 *   without reloading CR3 sees the change early, and a reserved bit in a present PDPTE
 *   faults with #PF/RSVD at the first access rather than #GP at the MOV to CR3. No
 *   guest relies on either difference.
 * - Accessed flags: an entry that references the next level (present, no reserved bit)
 *   gets its A flag set as the walk goes through it, even when a lower level then faults:
 *   the processor has "used" it (SDM 4.8) and caches it in its paging-structure caches
 *   (SDM 4.10.3), which happens only for entries with A set. The leaf's A flag, and its
 *   D flag for a write, are set only when the access is allowed: no translation is
 *   cached for a faulting access, so nothing was used (SDM 4.8, AMD APM vol. 2 5.4.2).
 * - Flag updates are one-byte writes (A is bit 5, D bit 6) through physmem_write, so they
 *   go through the same bounds checks, code-page and dirty-page tracking as any store.
 */
#include "mmu/paging.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)

#define PAGING_MAXPHYADDR 36
#define PAGING_MAX_LEVELS 4

/* Bits HI..LO inclusive. */
#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

/* Address bits of an 8-byte entry below MAXPHYADDR; the bits above it are reserved. */
#define PHYS_ADDR_MASK BITS(PAGING_MAXPHYADDR - 1, 12)
#define PAE_ABOVE_MAXPHY BITS(62, PAGING_MAXPHYADDR)
#define LM_ABOVE_MAXPHY BITS(51, PAGING_MAXPHYADDR)

typedef struct PagingLevel {
    uint8_t shift;        /* lowest linear-address bit this level translates */
    uint8_t index_bits;   /* linear-address bits that index this table */
    bool wide;            /* 8-byte entries (PAE, 4-level) rather than 4-byte */
    bool rights;          /* has R/W, U/S, A (legacy PAE PDPTEs have none) */
    bool large;           /* PS = 1 maps a page here */
    bool pse36;           /* large pages take physical bits 35:32 from bits 16:13 */
    uint64_t rsvd;        /* reserved bits when the entry references a table or 4K page */
    uint64_t rsvd_large;  /* reserved bits when the entry maps a large page */
    uint64_t addr;        /* next table or 4 KiB frame address bits */
    uint64_t large_addr;  /* large-page frame address bits */
} PagingLevel;

typedef struct PagingMode {
    unsigned levels;
    uint64_t cr3_addr; /* CR3 bits holding the first table's address */
    bool nx;           /* the XD bit is honoured (PAE or 4-level with EFER.NXE) */
    PagingLevel level[PAGING_MAX_LEVELS];
} PagingMode;

/* 32-bit paging (SDM 4.3): a page directory of 1024 PDEs, then page tables. */
static void paging_mode_32(const MmuRegs *regs, PagingMode *m)
{
    *m = (PagingMode){
        .levels = 2,
        .cr3_addr = BITS(31, 12),
        .level = {
            { .shift = 22, .index_bits = 10, .rights = true, .large = regs->cr4 & CR4_PSE,
              .pse36 = true, .rsvd_large = BITS(21, PAGING_MAXPHYADDR - 19),
              .addr = BITS(31, 12), .large_addr = BITS(31, 22) },
            { .shift = 12, .index_bits = 10, .rights = true, .addr = BITS(31, 12) },
        },
    };
}

/* PAE paging (SDM 4.4): four PDPTEs at CR3[31:5], then 512-entry directories and tables. */
static void paging_mode_pae(const MmuRegs *regs, PagingMode *m)
{
    bool nxe = regs->efer & EFER_NXE;
    uint64_t rsvd = PAE_ABOVE_MAXPHY | (nxe ? 0 : PTE_NX);

    *m = (PagingMode){
        .levels = 3,
        .cr3_addr = BITS(31, 5),
        .nx = nxe,
        .level = {
            /* Table 4-8: bits 2:1, 8:5 and 63:M are reserved; XD does not exist here. */
            { .shift = 30, .index_bits = 2, .wide = true,
              .rsvd = BITS(2, 1) | BITS(8, 5) | BITS(63, PAGING_MAXPHYADDR),
              .addr = PHYS_ADDR_MASK },
            { .shift = 21, .index_bits = 9, .wide = true, .rights = true, .large = true,
              .rsvd = rsvd, .rsvd_large = rsvd | BITS(20, 13), .addr = PHYS_ADDR_MASK,
              .large_addr = BITS(PAGING_MAXPHYADDR - 1, 21) },
            { .shift = 12, .index_bits = 9, .wide = true, .rights = true, .rsvd = rsvd,
              .addr = PHYS_ADDR_MASK },
        },
    };
}

/* 4-level paging (SDM 4.5), used when EFER.LMA is set. */
static void paging_mode_4level(const MmuRegs *regs, PagingMode *m)
{
    bool nxe = regs->efer & EFER_NXE;
    uint64_t rsvd = LM_ABOVE_MAXPHY | (nxe ? 0 : PTE_NX);

    *m = (PagingMode){
        .levels = 4,
        .cr3_addr = PHYS_ADDR_MASK,
        .nx = nxe,
        .level = {
            { .shift = 39, .index_bits = 9, .wide = true, .rights = true,
              .rsvd = rsvd | PTE_PS, .addr = PHYS_ADDR_MASK },
            { .shift = 30, .index_bits = 9, .wide = true, .rights = true, .large = true,
              .rsvd = rsvd, .rsvd_large = rsvd | BITS(29, 13), .addr = PHYS_ADDR_MASK,
              .large_addr = BITS(PAGING_MAXPHYADDR - 1, 30) },
            { .shift = 21, .index_bits = 9, .wide = true, .rights = true, .large = true,
              .rsvd = rsvd, .rsvd_large = rsvd | BITS(20, 13), .addr = PHYS_ADDR_MASK,
              .large_addr = BITS(PAGING_MAXPHYADDR - 1, 21) },
            { .shift = 12, .index_bits = 9, .wide = true, .rights = true, .rsvd = rsvd,
              .addr = PHYS_ADDR_MASK },
        },
    };
}

static void paging_mode(const MmuRegs *regs, PagingMode *m)
{
    if (regs->efer & EFER_LMA) {
        paging_mode_4level(regs, m);
    } else if (regs->cr4 & CR4_PAE) {
        paging_mode_pae(regs, m);
    } else {
        paging_mode_32(regs, m);
    }
}

/* What the levels walked so far allow: rights are the AND (NX the OR) of every level. */
typedef struct WalkRights {
    bool rw, us, nx;
} WalkRights;

static bool walk_fail(MmuFault *fault, uint64_t va, MmuAccess acc, bool user, uint32_t why,
                      const PagingMode *m)
{
    /* I/D is reported only when NX could have caused the fault (SDM 4.7; no SMEP yet). */
    bool report_fetch = acc == ACC_EXEC && m->nx;

    fault->addr = va;
    fault->error_code = why | (acc == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
                        (report_fetch ? PF_I : 0);
    return false;
}

/* Is ACC at this privilege allowed by the combined rights (SDM 4.6.1)? */
static bool walk_allowed(const WalkRights *r, const MmuRegs *regs, MmuAccess acc, bool user)
{
    if (user && !r->us) {
        return false;
    }
    switch (acc) {
    case ACC_WRITE:
        /* Supervisor writes ignore R/W unless CR0.WP is set. */
        return r->rw || (!user && !(regs->cr0 & CR0_WP));
    case ACC_EXEC:
        return !r->nx;
    default:
        return true;
    }
}

static uint64_t walk_read_entry(PhysMem *pm, uint64_t addr, bool wide)
{
    /* physmem_read is bounds-checked: a table outside RAM reads as all ones (or MMIO). */
    return physmem_read(pm, addr, wide ? 8 : 4);
}

/* Sets FLAGS (A, D: all in the low byte) in the entry at ADDR if not already set. */
static void walk_set_flags(PhysMem *pm, uint64_t addr, uint64_t entry, uint64_t flags)
{
    if ((entry & flags) != flags) {
        physmem_write(pm, addr, (entry | flags) & 0xff, 1);
    }
}

/* Physical address of the frame mapped by leaf ENTRY at level L. */
static uint64_t walk_frame(const PagingLevel *l, uint64_t entry, bool large)
{
    if (!large) {
        return entry & l->addr;
    }
    uint64_t frame = entry & l->large_addr;
    if (l->pse36) {
        frame |= (entry & BITS(PAGING_MAXPHYADDR - 20, 13)) << (32 - 13);
    }
    return frame;
}

static bool mmu_walk_paged(PhysMem *pm, const MmuRegs *regs, uint64_t va, MmuAccess acc,
                           bool user, MmuWalk *out, MmuFault *fault)
{
    PagingMode m;
    WalkRights rights = { .rw = true, .us = true, .nx = false };
    const PagingLevel *l = NULL;
    uint64_t table, entry = 0, entry_addr = 0;
    bool large = false;

    paging_mode(regs, &m);
    table = regs->cr3 & m.cr3_addr;
    for (unsigned i = 0; i < m.levels; i++) {
        l = &m.level[i];
        uint64_t index = (va >> l->shift) & ((1ull << l->index_bits) - 1);
        entry_addr = table + index * (l->wide ? 8 : 4);
        entry = walk_read_entry(pm, entry_addr, l->wide);
        if (!(entry & PTE_P)) {
            return walk_fail(fault, va, acc, user, 0, &m);
        }
        large = l->large && (entry & PTE_PS);
        if (entry & (large ? l->rsvd_large : l->rsvd)) {
            return walk_fail(fault, va, acc, user, PF_P | PF_RSVD, &m);
        }
        if (l->rights) {
            rights.rw &= (entry & PTE_RW) != 0;
            rights.us &= (entry & PTE_US) != 0;
        }
        rights.nx |= m.nx && (entry & PTE_NX);
        if (large || i == m.levels - 1) {
            break;
        }
        if (l->rights) {
            walk_set_flags(pm, entry_addr, entry, PTE_A);
        }
        table = entry & l->addr;
    }

    if (!walk_allowed(&rights, regs, acc, user)) {
        return walk_fail(fault, va, acc, user, PF_P, &m);
    }
    uint64_t leaf_flags = PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
    walk_set_flags(pm, entry_addr, entry, leaf_flags);
    entry |= leaf_flags;

    uint64_t offset_mask = (1ull << l->shift) - 1;
    *out = (MmuWalk){
        .phys = walk_frame(l, entry, large) | (va & offset_mask),
        .writable = walk_allowed(&rights, regs, ACC_WRITE, user),
        .user = rights.us,
        .executable = !rights.nx,
        .dirty = (entry & PTE_D) != 0,
        .global = (entry & PTE_G) && (regs->cr4 & CR4_PGE),
        .page_bits = l->shift,
    };
    return true;
}

bool mmu_walk(PhysMem *pm, const MmuRegs *regs, uint64_t va, MmuAccess acc, bool user,
              MmuWalk *out, MmuFault *fault)
{
    if (!(regs->cr0 & CR0_PG)) {
        *out = (MmuWalk){
            .phys = va & 0xffffffffu, .writable = true, .user = true, .executable = true,
            .dirty = true, .global = false, .page_bits = PAGE_BITS,
        };
        return true;
    }
    return mmu_walk_paged(pm, regs, va, acc, user, out, fault);
}
