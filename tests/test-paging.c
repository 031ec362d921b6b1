/*
 * Unit tests of mmu/paging.c: page walks over hand-built page tables in guest RAM for
 * 32-bit paging (4 KiB, PSE 4 MiB, PSE-36), PAE (4 KiB, 2 MiB, NX) and 4-level paging,
 * checked against the rules of Intel SDM vol. 3A chapter 4: access rights (4.6), #PF
 * error codes (4.7), accessed and dirty flags (4.8), reserved bits (4.3-4.5).
 */
#include <glib.h>

#include "mmu/paging.h"
#include "mmu/physmem.h"

/* Paging-structure entry bits, spelled out here independently of paging.c. */
#define E_P 0x001ull
#define E_RW 0x002ull
#define E_US 0x004ull
#define E_A 0x020ull
#define E_D 0x040ull
#define E_PS 0x080ull
#define E_G 0x100ull
#define E_NX (1ull << 63)

#define RAM_SIZE (16u << 20)

/* Table addresses: 32-bit, PAE and 4-level sets do not overlap. */
#define PD32 0x1000u
#define PT32 0x2000u
#define PDPT_PAE 0x3020u /* CR3[31:5]: 32-byte aligned, not page aligned */
#define PD_PAE 0x4000u
#define PT_PAE 0x5000u
#define PML4_LM 0x6000u
#define PDPT_LM 0x7000u
#define PD_LM 0x8000u
#define PT_LM 0x9000u

#define VA32 0x00401234u   /* PDE 1, PTE 1 */
#define VAPAE 0x40201234u  /* PDPTE 1, PDE 1, PTE 1 */
#define PAGE_PA 0x00800000u

typedef struct Fx {
    Log log;
    PhysMem pm;
    MmuRegs regs;
} Fx;

static void fx_setup(Fx *f, gconstpointer data)
{
    char *why = NULL;

    log_init(&f->log);
    physmem_init(&f->pm, &f->log);
    g_assert_true(physmem_add_ram(&f->pm, "ram", 0, RAM_SIZE, &why));
    f->regs = (MmuRegs){ .cr0 = CR0_PE | CR0_PG };
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    physmem_destroy(&f->pm);
    log_close(&f->log);
}

static uint64_t rd64(Fx *f, uint64_t pa)
{
    return physmem_read(&f->pm, pa, 8);
}

static uint32_t rd32(Fx *f, uint64_t pa)
{
    return (uint32_t)physmem_read(&f->pm, pa, 4);
}

static void wr64(Fx *f, uint64_t pa, uint64_t v)
{
    physmem_write(&f->pm, pa, v, 8);
}

static void wr32(Fx *f, uint64_t pa, uint32_t v)
{
    physmem_write(&f->pm, pa, v, 4);
}

/* Address of the entry for VA in TABLE at a level indexing BITS bits from SHIFT. */
static uint64_t ent(uint64_t table, uint64_t va, unsigned shift, unsigned bits, unsigned size)
{
    return table + ((va >> shift) & ((1ull << bits) - 1)) * size;
}

static uint64_t pde32(uint64_t va) { return ent(PD32, va, 22, 10, 4); }
static uint64_t pte32(uint64_t va) { return ent(PT32, va, 12, 10, 4); }
static uint64_t pdpte_pae(uint64_t va) { return ent(PDPT_PAE, va, 30, 2, 8); }
static uint64_t pde_pae(uint64_t va) { return ent(PD_PAE, va, 21, 9, 8); }
static uint64_t pte_pae(uint64_t va) { return ent(PT_PAE, va, 12, 9, 8); }

static void use_32(Fx *f, bool pse)
{
    f->regs.cr3 = PD32;
    f->regs.cr4 = pse ? CR4_PSE : 0;
    f->regs.efer = 0;
}

static void use_pae(Fx *f, bool nxe)
{
    f->regs.cr3 = PDPT_PAE;
    f->regs.cr4 = CR4_PAE;
    f->regs.efer = nxe ? EFER_NXE : 0;
}

static void map32(Fx *f, uint32_t va, uint32_t pa, uint32_t pde_flags, uint32_t pte_flags)
{
    wr32(f, pde32(va), PT32 | pde_flags);
    wr32(f, pte32(va), pa | pte_flags);
}

static void map_pae(Fx *f, uint32_t va, uint64_t pa, uint64_t pde_flags, uint64_t pte_flags)
{
    wr64(f, pdpte_pae(va), PD_PAE | E_P);
    wr64(f, pde_pae(va), PT_PAE | pde_flags);
    wr64(f, pte_pae(va), pa | pte_flags);
}

static bool walk(Fx *f, uint64_t va, MmuAccess acc, bool user, MmuWalk *w, MmuFault *fault)
{
    *fault = (MmuFault){ .addr = 0xdead, .error_code = 0xdead };
    return mmu_walk(&f->pm, &f->regs, va, acc, user, w, fault);
}

static void assert_fault(Fx *f, uint64_t va, MmuAccess acc, bool user, uint32_t code)
{
    MmuWalk w;
    MmuFault fault;
    g_assert_false(walk(f, va, acc, user, &w, &fault));
    g_assert_cmphex(fault.addr, ==, va);
    g_assert_cmphex(fault.error_code, ==, code);
}

/* The SDM 4.6 rules for a data or fetch access, given the combined rights of all levels. */
static bool model_allowed(bool us, bool rw, bool nx, bool wp, bool user, MmuAccess acc)
{
    if (user && !us) {
        return false;
    }
    if (acc == ACC_WRITE && !rw && (user || wp)) {
        return false;
    }
    return !(acc == ACC_EXEC && nx);
}

static uint32_t access_code(MmuAccess acc, bool user, bool report_fetch)
{
    return (acc == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
           (acc == ACC_EXEC && report_fetch ? PF_I : 0);
}

static void test_paging_off(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    f->regs.cr0 = CR0_PE;
    g_assert_true(walk(f, 0x12345678, ACC_WRITE, true, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x12345678);
    g_assert_true(w.writable && w.user && w.executable && w.dirty);
    g_assert_cmpuint(w.page_bits, ==, 12);
}

static void test_32_basic(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    use_32(f, false);
    map32(f, VA32, PAGE_PA, E_P | E_RW, E_P | E_RW);
    g_assert_true(walk(f, VA32, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, PAGE_PA | 0x234);
    g_assert_cmpuint(w.page_bits, ==, 12);
    g_assert_true(w.writable);
    g_assert_false(w.user);
    g_assert_true(w.executable);
    g_assert_false(w.dirty);
    g_assert_false(w.global);
    /* CR3's low 12 bits (PWT, PCD, ignored) do not move the directory. */
    f->regs.cr3 = PD32 | 0x018;
    g_assert_true(walk(f, VA32 + 1, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, PAGE_PA | 0x235);
}

static void test_32_not_present(Fx *f, gconstpointer data)
{
    use_32(f, false);
    wr32(f, pde32(VA32), PT32 | E_RW | E_US);  /* P clear */
    assert_fault(f, VA32, ACC_READ, false, 0);
    assert_fault(f, VA32, ACC_WRITE, true, PF_W | PF_U);
    /* 32-bit paging has no XD bit: no I/D flag even with EFER.NXE set (SDM 4.7). */
    f->regs.efer = EFER_NXE;
    assert_fault(f, VA32, ACC_EXEC, true, PF_U);
    g_assert_cmphex(rd32(f, pde32(VA32)) & E_A, ==, 0);

    map32(f, VA32, PAGE_PA, E_P | E_RW | E_US, E_RW | E_US);  /* PTE not present */
    assert_fault(f, VA32 + 0xdcb, ACC_WRITE, false, PF_W);
    /* The PDE was used to reach the PTE: its A flag is set; the PTE's is not. */
    g_assert_cmphex(rd32(f, pde32(VA32)) & E_A, ==, E_A);
    g_assert_cmphex(rd32(f, pte32(VA32)) & E_A, ==, 0);
}

/* Every U/S x R/W combination at both levels x WP x privilege x access kind. */
static void test_32_rights_matrix(Fx *f, gconstpointer data)
{
    static const MmuAccess accs[] = { ACC_READ, ACC_WRITE, ACC_EXEC };
    unsigned cases = 0;

    use_32(f, false);
    for (unsigned bits = 0; bits < 16; bits++) {
        bool pde_u = bits & 1, pde_w = bits & 2, pte_u = bits & 4, pte_w = bits & 8;
        for (unsigned k = 0; k < 12; k++) {
            bool wp = k & 1, user = k & 2;
            MmuAccess acc = accs[k >> 2];
            MmuWalk w;
            MmuFault fault;

            map32(f, VA32, PAGE_PA, E_P | (pde_u ? E_US : 0) | (pde_w ? E_RW : 0),
                  E_P | (pte_u ? E_US : 0) | (pte_w ? E_RW : 0));
            f->regs.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
            bool us = pde_u && pte_u, rw = pde_w && pte_w;
            bool ok = model_allowed(us, rw, false, wp, user, acc);
            bool got = walk(f, VA32, acc, user, &w, &fault);

            g_assert_cmpint(got, ==, ok);
            uint32_t pte = rd32(f, pte32(VA32));
            g_assert_cmphex(rd32(f, pde32(VA32)) & (E_A | E_D), ==, E_A);
            if (ok) {
                g_assert_cmphex(w.phys, ==, PAGE_PA | 0x234);
                g_assert_cmpint(w.user, ==, us);
                g_assert_cmpint(w.writable, ==, model_allowed(us, rw, false, wp, user,
                                                              ACC_WRITE));
                g_assert_true(w.executable);
                g_assert_cmpint(w.dirty, ==, acc == ACC_WRITE);
                g_assert_cmphex(pte & (E_A | E_D), ==, E_A | (acc == ACC_WRITE ? E_D : 0));
            } else {
                g_assert_cmphex(fault.addr, ==, VA32);
                g_assert_cmphex(fault.error_code, ==, PF_P | access_code(acc, user, false));
                g_assert_cmphex(pte & (E_A | E_D), ==, 0);
            }
            cases++;
        }
    }
    g_assert_cmpuint(cases, ==, 192);
}

static void test_32_wp(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    /* A supervisor write to a read-only user page: allowed without WP, faults with it. */
    use_32(f, false);
    map32(f, VA32, PAGE_PA, E_P | E_US, E_P | E_US);
    g_assert_true(walk(f, VA32, ACC_WRITE, false, &w, &fault));
    g_assert_true(w.writable && w.dirty);
    g_assert_cmphex(rd32(f, pte32(VA32)) & E_D, ==, E_D);
    f->regs.cr0 |= CR0_WP;
    assert_fault(f, VA32, ACC_WRITE, false, PF_P | PF_W);
    g_assert_true(walk(f, VA32, ACC_READ, false, &w, &fault));
    g_assert_false(w.writable);
    /* User pages stay accessible to the supervisor (no SMEP/SMAP). */
    g_assert_true(walk(f, VA32, ACC_EXEC, false, &w, &fault));
}

static void test_32_pse(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;
    uint32_t va = 0x00c12345;

    use_32(f, true);
    wr32(f, pde32(va), 0x00400000 | E_P | E_RW | E_PS);
    g_assert_true(walk(f, va, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x00412345);
    g_assert_cmpuint(w.page_bits, ==, 22);
    g_assert_false(w.dirty);
    g_assert_cmphex(rd32(f, pde32(va)) & (E_A | E_D), ==, E_A);
    g_assert_true(walk(f, va, ACC_WRITE, false, &w, &fault));
    g_assert_cmphex(rd32(f, pde32(va)) & (E_A | E_D), ==, E_A | E_D);
    g_assert_true(w.dirty);

    /* PSE-36: PDE bits 16:13 are physical bits 35:32. */
    wr32(f, pde32(va), 0x00800000 | (0xbu << 13) | E_P | E_PS);
    g_assert_true(walk(f, va, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0xb00812345ull);
    /* Bits 21:17 are reserved (MAXPHYADDR 36); each one faults with RSVD. */
    for (unsigned bit = 17; bit <= 21; bit++) {
        wr32(f, pde32(va), 0x00800000 | (1u << bit) | E_P | E_PS);
        assert_fault(f, va, ACC_READ, true, PF_P | PF_RSVD | PF_U);
        g_assert_cmphex(rd32(f, pde32(va)) & E_A, ==, 0);
    }

    /* Without CR4.PSE the PS bit is ignored: the PDE points to a page table. */
    use_32(f, false);
    wr32(f, pde32(va), PT32 | E_P | E_RW | E_PS);
    wr32(f, pte32(va), 0x00123000 | E_P);
    g_assert_true(walk(f, va, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x00123345);
    g_assert_cmpuint(w.page_bits, ==, 12);
}

static void test_32_global(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    use_32(f, true);
    map32(f, VA32, PAGE_PA, E_P | E_G, E_P | E_G);
    g_assert_true(walk(f, VA32, ACC_READ, false, &w, &fault));
    g_assert_false(w.global);  /* CR4.PGE clear */
    f->regs.cr4 |= CR4_PGE;
    g_assert_true(walk(f, VA32, ACC_READ, false, &w, &fault));
    g_assert_true(w.global);
    /* G in a PDE that references a page table is ignored: only the leaf counts. */
    map32(f, VA32, PAGE_PA, E_P | E_G, E_P);
    g_assert_true(walk(f, VA32, ACC_READ, false, &w, &fault));
    g_assert_false(w.global);
    /* A 4 MiB page's G bit is its PDE's. */
    wr32(f, pde32(0x00c00000), 0x00400000 | E_P | E_PS | E_G);
    g_assert_true(walk(f, 0x00c00000, ACC_READ, false, &w, &fault));
    g_assert_true(w.global);
}

static void test_table_outside_ram(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    /* Unassigned space reads as all ones: a present, all-rights entry pointing higher up. */
    use_32(f, false);
    f->regs.cr3 = 0xf0000000;
    g_assert_true(walk(f, 0x00401234, ACC_WRITE, true, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0xfffff234);
    /* With PSE the all-ones PDE is a 4 MiB page with reserved bits set. */
    use_32(f, true);
    f->regs.cr3 = 0xf0000000;
    assert_fault(f, 0x00401234, ACC_READ, false, PF_P | PF_RSVD);
    /* PAE: reserved bits in the all-ones PDPTE. */
    use_pae(f, true);
    f->regs.cr3 = 0xf0000000;
    assert_fault(f, 0x00401234, ACC_EXEC, false, PF_P | PF_RSVD | PF_I);
}

static void test_table_in_rom(Fx *f, gconstpointer data)
{
    static const uint8_t rom[2 * 4096] = {
        [0] = E_P | E_RW, [1] = 0x10, [3] = 0x01,       /* PDE 0: table at 0x01001000 */
        [4096 + 8] = E_P | E_RW, [4096 + 9] = 0x50,     /* PTE 2: page at 0x00005000 */
    };
    MmuWalk w;
    MmuFault fault;
    char *why = NULL;

    /* Paging structures in ROM translate, but their A/D flags cannot stick. */
    g_assert_true(physmem_add_rom(&f->pm, "rom", 0x01000000, rom, sizeof(rom), &why));
    use_32(f, false);
    f->regs.cr3 = 0x01000000;
    g_assert_true(walk(f, 0x2abc, ACC_WRITE, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x5abc);
    g_assert_cmphex(rd32(f, 0x01000000), ==, 0x01001003);
    g_assert_cmphex(rd32(f, 0x01001008), ==, 0x00005003);
}

static void test_pae_basic(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    use_pae(f, false);
    map_pae(f, VAPAE, 0x00abc000, E_P | E_RW, E_P | E_RW);
    g_assert_true(walk(f, VAPAE, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x00abc234);
    g_assert_cmpuint(w.page_bits, ==, 12);
    g_assert_true(w.writable && w.executable);
    /* Legacy PAE PDPTEs have no accessed flag (bit 5 is reserved): left untouched. */
    g_assert_cmphex(rd64(f, pdpte_pae(VAPAE)), ==, PD_PAE | E_P);
    g_assert_cmphex(rd64(f, pde_pae(VAPAE)) & (E_A | E_D), ==, E_A);
    g_assert_cmphex(rd64(f, pte_pae(VAPAE)) & (E_A | E_D), ==, E_A);
    g_assert_true(walk(f, VAPAE, ACC_WRITE, false, &w, &fault));
    g_assert_cmphex(rd64(f, pde_pae(VAPAE)) & (E_A | E_D), ==, E_A);
    g_assert_cmphex(rd64(f, pte_pae(VAPAE)) & (E_A | E_D), ==, E_A | E_D);

    /* Physical addresses up to MAXPHYADDR (36 bits) are reachable. */
    wr64(f, pte_pae(VAPAE), 0xfabcde000ull | E_P);
    g_assert_true(walk(f, VAPAE, ACC_READ, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0xfabcde234ull);

    /* PDPTE not present. */
    wr64(f, pdpte_pae(VAPAE), PD_PAE);
    assert_fault(f, VAPAE, ACC_WRITE, true, PF_W | PF_U);
    /* PDPTE index comes from linear bits 31:30: entry 0 is not this one. */
    wr64(f, pdpte_pae(VAPAE), PD_PAE | E_P);
    assert_fault(f, VAPAE & 0x3fffffff, ACC_READ, false, 0);
}

static void test_pae_2m(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;
    uint32_t va = 0x40312345;  /* PDE 1 of PDPTE 1 */

    use_pae(f, false);
    f->regs.cr4 |= CR4_PGE;
    wr64(f, pdpte_pae(va), PD_PAE | E_P);
    wr64(f, pde_pae(va), 0x00e00000 | E_P | E_RW | E_US | E_PS | E_G);
    g_assert_true(walk(f, va, ACC_READ, true, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x00f12345);
    g_assert_cmpuint(w.page_bits, ==, 21);
    g_assert_true(w.user && w.global && !w.dirty);
    g_assert_cmphex(rd64(f, pde_pae(va)) & (E_A | E_D), ==, E_A);
    g_assert_true(walk(f, va, ACC_WRITE, true, &w, &fault));
    g_assert_cmphex(rd64(f, pde_pae(va)) & (E_A | E_D), ==, E_A | E_D);
    /* PS is honoured in PAE whatever CR4.PSE says (it is clear here). */
    g_assert_cmphex(f->regs.cr4 & CR4_PSE, ==, 0);

    /* Bits 20:13 of a 2 MiB PDE are reserved; bit 12 (PAT) is not. */
    for (unsigned bit = 13; bit <= 20; bit++) {
        wr64(f, pde_pae(va), 0x00e00000 | (1ull << bit) | E_P | E_PS);
        assert_fault(f, va, ACC_READ, false, PF_P | PF_RSVD);
    }
    wr64(f, pde_pae(va), 0x00e00000 | (1ull << 12) | E_P | E_PS);
    g_assert_true(walk(f, va, ACC_READ, false, &w, &fault));
}

static void test_pae_reserved(Fx *f, gconstpointer data)
{
    static const unsigned pdpte_bits[] = { 1, 2, 5, 6, 7, 8, 36, 51, 62, 63 };

    use_pae(f, true);
    map_pae(f, VAPAE, 0x00abc000, E_P | E_RW, E_P | E_RW);
    /* PDPTE: bits 2:1, 8:5 and 63:36 are reserved (SDM table 4-8); XD does not exist. */
    for (unsigned i = 0; i < G_N_ELEMENTS(pdpte_bits); i++) {
        wr64(f, pdpte_pae(VAPAE), PD_PAE | E_P | (1ull << pdpte_bits[i]));
        assert_fault(f, VAPAE, ACC_WRITE, false, PF_P | PF_RSVD | PF_W);
    }
    wr64(f, pdpte_pae(VAPAE), PD_PAE | E_P);

    /* PDE and PTE: bits 62:36 reserved; the reserved-bit fault precedes rights checks. */
    for (unsigned bit = 36; bit <= 62; bit += 13) {
        wr64(f, pde_pae(VAPAE), PT_PAE | E_P | (1ull << bit));
        assert_fault(f, VAPAE, ACC_READ, true, PF_P | PF_RSVD | PF_U);
        g_assert_cmphex(rd64(f, pde_pae(VAPAE)) & E_A, ==, 0);
        wr64(f, pde_pae(VAPAE), PT_PAE | E_P | E_RW);
        wr64(f, pte_pae(VAPAE), 0x00abc000 | E_P | (1ull << bit));
        assert_fault(f, VAPAE, ACC_EXEC, false, PF_P | PF_RSVD | PF_I);
        g_assert_cmphex(rd64(f, pde_pae(VAPAE)) & E_A, ==, E_A);
        g_assert_cmphex(rd64(f, pte_pae(VAPAE)) & E_A, ==, 0);
    }
    /* A not-present entry's other bits are free for software. */
    wr64(f, pte_pae(VAPAE), ~0ull & ~E_P);
    assert_fault(f, VAPAE, ACC_READ, false, 0);
}

/* PAE: U/S, R/W, XD at both levels x NXE x WP x privilege x access kind. */
static void test_pae_rights_matrix(Fx *f, gconstpointer data)
{
    static const MmuAccess accs[] = { ACC_READ, ACC_WRITE, ACC_EXEC };
    unsigned cases = 0;

    for (unsigned bits = 0; bits < 64; bits++) {
        bool pde_u = bits & 1, pde_w = bits & 2, pde_x = bits & 4;
        bool pte_u = bits & 8, pte_w = bits & 16, pte_x = bits & 32;
        for (unsigned k = 0; k < 24; k++) {
            bool wp = k & 1, user = k & 2, nxe = k & 4;
            MmuAccess acc = accs[k >> 3];
            MmuWalk w;
            MmuFault fault;

            use_pae(f, nxe);
            map_pae(f, VAPAE, PAGE_PA,
                    E_P | (pde_u ? E_US : 0) | (pde_w ? E_RW : 0) | (pde_x ? E_NX : 0),
                    E_P | (pte_u ? E_US : 0) | (pte_w ? E_RW : 0) | (pte_x ? E_NX : 0));
            f->regs.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
            bool us = pde_u && pte_u, rw = pde_w && pte_w, nx = pde_x || pte_x;
            bool got = walk(f, VAPAE, acc, user, &w, &fault);
            uint64_t pde = rd64(f, pde_pae(VAPAE)), pte = rd64(f, pte_pae(VAPAE));
            cases++;

            if (!nxe && nx) {
                /* XD is a reserved bit while EFER.NXE is clear. */
                g_assert_false(got);
                g_assert_cmphex(fault.error_code, ==,
                                PF_P | PF_RSVD | access_code(acc, user, false));
                g_assert_cmphex(pde & E_A, ==, pde_x ? 0 : E_A);
                g_assert_cmphex(pte & E_A, ==, 0);
                continue;
            }
            bool ok = model_allowed(us, rw, nx, wp, user, acc);
            g_assert_cmpint(got, ==, ok);
            g_assert_cmphex(pde & (E_A | E_D), ==, E_A);
            if (ok) {
                g_assert_cmphex(w.phys, ==, PAGE_PA | 0x234);
                g_assert_cmpint(w.executable, ==, !nx);
                g_assert_cmpint(w.user, ==, us);
                g_assert_cmpint(w.writable, ==, model_allowed(us, rw, nx, wp, user,
                                                              ACC_WRITE));
                g_assert_cmphex(pte & (E_A | E_D), ==, E_A | (acc == ACC_WRITE ? E_D : 0));
            } else {
                g_assert_cmphex(fault.addr, ==, VAPAE);
                g_assert_cmphex(fault.error_code, ==, PF_P | access_code(acc, user, nxe));
                g_assert_cmphex(pte & (E_A | E_D), ==, 0);
            }
        }
    }
    g_assert_cmpuint(cases, ==, 1536);
}

static void test_nx(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;

    use_pae(f, true);
    map_pae(f, VAPAE, PAGE_PA, E_P | E_RW | E_US, E_P | E_RW | E_US | E_NX);
    /* Data accesses to an NX page are fine; only fetches fault, with I/D set. */
    g_assert_true(walk(f, VAPAE, ACC_WRITE, true, &w, &fault));
    g_assert_false(w.executable);
    assert_fault(f, VAPAE, ACC_EXEC, true, PF_P | PF_U | PF_I);
    assert_fault(f, VAPAE, ACC_EXEC, false, PF_P | PF_I);
    /* XD in the PDE covers its whole table. */
    map_pae(f, VAPAE, PAGE_PA, E_P | E_RW | E_NX, E_P | E_RW);
    assert_fault(f, VAPAE + 0x1000, ACC_EXEC, false, PF_I);  /* PTE 2 not present */
    assert_fault(f, VAPAE, ACC_EXEC, false, PF_P | PF_I);
    /* NXE clear: fetches from a not-present page report no I/D. */
    use_pae(f, false);
    map_pae(f, VAPAE, PAGE_PA, E_P | E_RW, E_P | E_RW);
    assert_fault(f, VAPAE + 0x1000, ACC_EXEC, false, 0);
}

static void test_4level(Fx *f, gconstpointer data)
{
    MmuWalk w;
    MmuFault fault;
    uint64_t va = 0x0000008040201234ull;  /* index 1 at every level */

    f->regs.cr3 = PML4_LM | 0x8;  /* PWT; bits 11:0 are not address bits */
    f->regs.cr4 = CR4_PAE;
    f->regs.efer = EFER_LME | EFER_LMA | EFER_NXE;
    wr64(f, ent(PML4_LM, va, 39, 9, 8), PDPT_LM | E_P | E_RW | E_US);
    wr64(f, ent(PDPT_LM, va, 30, 9, 8), PD_LM | E_P | E_RW | E_US);
    wr64(f, ent(PD_LM, va, 21, 9, 8), PT_LM | E_P | E_RW | E_US);
    wr64(f, ent(PT_LM, va, 12, 9, 8), 0x00777000 | E_P | E_US | E_NX);
    g_assert_true(walk(f, va, ACC_READ, true, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x00777234);
    g_assert_false(w.writable || w.executable);
    /* Every level, the PDPTE included, gets its accessed flag in 4-level paging. */
    g_assert_cmphex(rd64(f, ent(PML4_LM, va, 39, 9, 8)) & E_A, ==, E_A);
    g_assert_cmphex(rd64(f, ent(PDPT_LM, va, 30, 9, 8)) & E_A, ==, E_A);
    g_assert_cmphex(rd64(f, ent(PD_LM, va, 21, 9, 8)) & E_A, ==, E_A);
    assert_fault(f, va, ACC_WRITE, true, PF_P | PF_W | PF_U);
    assert_fault(f, va, ACC_EXEC, false, PF_P | PF_I);

    /* 1 GiB page at the PDPT level. */
    wr64(f, ent(PDPT_LM, va, 30, 9, 8), 0x0c0000000ull | E_P | E_RW | E_PS);
    g_assert_true(walk(f, va, ACC_WRITE, false, &w, &fault));
    g_assert_cmphex(w.phys, ==, 0x0c0201234ull);
    g_assert_cmpuint(w.page_bits, ==, 30);
    g_assert_cmphex(rd64(f, ent(PDPT_LM, va, 30, 9, 8)) & E_D, ==, E_D);
    wr64(f, ent(PDPT_LM, va, 30, 9, 8), 0x0c0000000ull | (1ull << 29) | E_P | E_PS);
    assert_fault(f, va, ACC_READ, false, PF_P | PF_RSVD);
    /* PS is reserved in a PML4E; bits 62:52 are ignored, 51:36 reserved. */
    wr64(f, ent(PML4_LM, va, 39, 9, 8), PDPT_LM | E_P | E_PS);
    assert_fault(f, va, ACC_READ, false, PF_P | PF_RSVD);
    wr64(f, ent(PML4_LM, va, 39, 9, 8), PDPT_LM | E_P | (1ull << 40));
    assert_fault(f, va, ACC_READ, false, PF_P | PF_RSVD);
    wr64(f, ent(PML4_LM, va, 39, 9, 8), PDPT_LM | E_P | (1ull << 55));
    wr64(f, ent(PDPT_LM, va, 30, 9, 8), 0x0c0000000ull | E_P | E_PS);
    g_assert_true(walk(f, va, ACC_READ, false, &w, &fault));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/paging/off", test_paging_off);
    ADD("/paging/32/basic", test_32_basic);
    ADD("/paging/32/not-present", test_32_not_present);
    ADD("/paging/32/rights-matrix", test_32_rights_matrix);
    ADD("/paging/32/wp", test_32_wp);
    ADD("/paging/32/pse", test_32_pse);
    ADD("/paging/32/global", test_32_global);
    ADD("/paging/table-outside-ram", test_table_outside_ram);
    ADD("/paging/table-in-rom", test_table_in_rom);
    ADD("/paging/pae/basic", test_pae_basic);
    ADD("/paging/pae/2m", test_pae_2m);
    ADD("/paging/pae/reserved", test_pae_reserved);
    ADD("/paging/pae/rights-matrix", test_pae_rights_matrix);
    ADD("/paging/pae/nx", test_nx);
    ADD("/paging/4level", test_4level);
#undef ADD
    return g_test_run();
}
