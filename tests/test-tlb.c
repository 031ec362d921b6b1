/*
 * Unit tests of the soft TLB (mmu/tlb.c) through its API, over a PhysMem with RAM, ROM,
 * an MMIO test device and unassigned space, under 32-bit paging: caching, the flushes of
 * Intel SDM vol. 3A 4.10.4 (INVLPG, CR3 writes, global pages), dirty-bit handling, split
 * page-crossing accesses, the slow paths (MMIO, ROM, unassigned, A20) and the write
 * protection of code pages and dirty-logged pages.
 */
#include <glib.h>

#include "mmu/dirty.h"
#include "mmu/tlb.h"

#define E_P 0x001u
#define E_RW 0x002u
#define E_US 0x004u
#define E_A 0x020u
#define E_D 0x040u
#define E_PS 0x080u
#define E_G 0x100u

#define RAM_SIZE (8u << 20)
#define PD 0x1000u
#define PT_BASE 0x2000u   /* page table for PDE i at PT_BASE + i * 4 KiB, i < 4 */
#define ROM_PA 0x00900000u
#define MMIO_PA 0x00a00000u
#define HOLE_PA 0x00b00000u

#define VA 0x00400000u
#define PA 0x00500000u
#define PA2 0x00700000u

typedef struct DevAccess {
    bool write;
    uint64_t off;
    unsigned size;
    uint64_t val;
} DevAccess;

/* An MMIO device with a byte-array register file that logs every access it gets. */
typedef struct TestDev {
    uint8_t regs[256];
    DevAccess log[16];
    unsigned n;
} TestDev;

typedef struct CodeWrite {
    uint64_t phys;
    unsigned len;
    unsigned calls;
    uint32_t old_value;  /* memory at PHYS when the callback ran */
    bool clear;          /* invalidate the code (unmark the page) like the translator */
} CodeWrite;

typedef struct Fx {
    Log log;
    PhysMem pm;
    Tlb tlb;
    MmuRegs regs;
    TestDev dev;
    MmioOps ops;
    CodeWrite cw;
} Fx;

static void dev_note(TestDev *d, bool write, uint64_t off, unsigned size, uint64_t val)
{
    if (d->n < G_N_ELEMENTS(d->log)) {
        d->log[d->n++] = (DevAccess){ write, off, size, val };
    }
}

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(off + i) & 0xff] << (8 * i);
    }
    dev_note(d, false, off, size, v);
    return v;
}

static void dev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TestDev *d = opaque;
    dev_note(d, true, off, size, val);
    for (unsigned i = 0; i < size; i++) {
        d->regs[(off + i) & 0xff] = (uint8_t)(val >> (8 * i));
    }
}

static void assert_dev(const TestDev *d, unsigned i, bool write, uint64_t off, unsigned size)
{
    g_assert_cmpuint(i, <, d->n);
    g_assert_cmpint(d->log[i].write, ==, write);
    g_assert_cmphex(d->log[i].off, ==, off);
    g_assert_cmpuint(d->log[i].size, ==, size);
}

static void on_code_write(void *opaque, uint64_t phys, unsigned len)
{
    Fx *f = opaque;
    f->cw.phys = phys;
    f->cw.len = len;
    f->cw.calls++;
    f->cw.old_value = (uint32_t)physmem_read(&f->pm, phys, 4);
    if (f->cw.clear) {
        physmem_clear_code(&f->pm, phys & PAGE_MASK);
    }
}

static void on_dirty_cleared(void *opaque, uint64_t phys, uint64_t len)
{
    tlb_protect_dirty(opaque, phys, len);
}

static void fx_setup(Fx *f, gconstpointer data)
{
    static const uint8_t rom[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
    char *why = NULL;

    memset(f, 0, sizeof(*f));
    log_init(&f->log);
    physmem_init(&f->pm, &f->log);
    f->ops = (MmioOps){ .read = dev_read, .write = dev_write, .min_size = 4, .max_size = 4 };
    g_assert_true(physmem_add_ram(&f->pm, "ram", 0, RAM_SIZE, &why));
    g_assert_true(physmem_add_rom(&f->pm, "rom", ROM_PA, rom, sizeof(rom), &why));
    g_assert_true(physmem_add_mmio(&f->pm, "dev", MMIO_PA, 256, &f->ops, &f->dev, &why));
    f->pm.code_write = on_code_write;
    f->pm.code_write_opaque = f;
    tlb_init(&f->tlb, &f->pm);
    f->pm.dirty_cleared = on_dirty_cleared;
    f->pm.dirty_cleared_opaque = &f->tlb;
    f->regs = (MmuRegs){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = PD, .cr4 = CR4_PSE };
    for (uint32_t i = 0; i < 4; i++) {
        physmem_write(&f->pm, PD + 4 * i, (PT_BASE + i * 0x1000) | E_P | E_RW | E_US, 4);
    }
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    physmem_destroy(&f->pm);
    log_close(&f->log);
}

static uint32_t pte_addr(uint32_t va)
{
    g_assert_cmpuint(va >> 22, <, 4);
    return PT_BASE + (va >> 22) * 0x1000 + ((va >> 12) & 0x3ff) * 4;
}

static void map(Fx *f, uint32_t va, uint32_t pa, uint32_t flags)
{
    physmem_write(&f->pm, pte_addr(va), (pa & ~0xfffu) | flags, 4);
}

static uint32_t pte(Fx *f, uint32_t va)
{
    return (uint32_t)physmem_read(&f->pm, pte_addr(va), 4);
}

static uint64_t rd_ok(Fx *f, uint64_t va, unsigned size, int idx)
{
    uint64_t v = 0;
    MmuFault fault;
    g_assert_true(mmu_read(&f->tlb, &f->regs, va, size, idx, ACC_READ, &v, &fault));
    return v;
}

static void wr_ok(Fx *f, uint64_t va, unsigned size, int idx, uint64_t v)
{
    MmuFault fault;
    g_assert_true(mmu_write(&f->tlb, &f->regs, va, size, idx, v, &fault));
}

static uint8_t *lookup(Fx *f, int idx, MmuAccess acc, uint64_t va)
{
    return tlb_lookup(&f->tlb, idx, acc, va, 1);
}

static uint8_t *host(Fx *f, uint64_t pa)
{
    return physmem_host_ptr(&f->pm, pa, NULL);
}

static void test_cached(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW | E_US);
    physmem_write(&f->pm, PA + 0x10, 0x12345678, 4);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    g_assert_cmphex(rd_ok(f, VA + 0x10, 4, MMU_IDX_SUPER), ==, 0x12345678);
    uint64_t fills = f->tlb.fills;

    /* The translation is now served by the fast path, at any offset in the page. */
    g_assert_true(tlb_lookup(&f->tlb, MMU_IDX_SUPER, ACC_READ, VA + 0x10, 4) ==
                  host(f, PA + 0x10));
    g_assert_true(tlb_lookup(&f->tlb, MMU_IDX_SUPER, ACC_EXEC, VA + 0xffc, 4) ==
                  host(f, PA + 0xffc));
    g_assert_cmphex(rd_ok(f, VA + 0x10, 4, MMU_IDX_SUPER), ==, 0x12345678);
    g_assert_cmpuint(f->tlb.fills, ==, fills);
    /* Not for an access running off the page, nor for the other privilege. */
    g_assert_null(tlb_lookup(&f->tlb, MMU_IDX_SUPER, ACC_READ, VA + 0xffe, 4));
    g_assert_null(lookup(f, MMU_IDX_USER, ACC_READ, VA));
    /* A read of a clean page does not let writes in: D is not set yet. */
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));

    uint64_t phys = 0;
    MmuFault fault;
    g_assert_true(mmu_translate(&f->tlb, &f->regs, VA + 0x123, MMU_IDX_USER, ACC_READ, &phys,
                                &fault));
    g_assert_cmphex(phys, ==, PA + 0x123);
}

static void test_invlpg(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW);
    map(f, VA + 0x1000, PA + 0x1000, E_P | E_RW);
    physmem_write(&f->pm, PA, 0x11111111, 4);
    physmem_write(&f->pm, PA2, 0x22222222, 4);
    g_assert_cmphex(rd_ok(f, VA, 4, MMU_IDX_SUPER), ==, 0x11111111);
    g_assert_cmphex(rd_ok(f, VA + 0x1000, 4, MMU_IDX_SUPER), ==, 0x0);

    /* The guest remaps the page: until INVLPG the TLB may keep the old translation. */
    map(f, VA, PA2, E_P | E_RW);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, VA) == host(f, PA));
    tlb_flush_page(&f->tlb, VA + 0x42);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_READ, VA + 0x1000));  /* untouched */
    g_assert_cmphex(rd_ok(f, VA, 4, MMU_IDX_SUPER), ==, 0x22222222);

    /* Removing the mapping: the next access faults instead of using a stale entry. */
    MmuFault fault;
    uint64_t v;
    map(f, VA, PA2, 0);
    tlb_flush_page(&f->tlb, VA);
    g_assert_false(mmu_read(&f->tlb, &f->regs, VA + 8, 4, MMU_IDX_SUPER, ACC_READ, &v,
                            &fault));
    g_assert_cmphex(fault.addr, ==, VA + 8);
    g_assert_cmphex(fault.error_code, ==, 0);
}

static void test_cr3_flush(Fx *f, gconstpointer data)
{
    f->regs.cr4 |= CR4_PGE;
    map(f, VA, PA, E_P | E_RW);
    map(f, VA + 0x1000, PA, E_P | E_RW | E_G);
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    rd_ok(f, VA + 0x1000, 4, MMU_IDX_SUPER);
    map(f, VA, PA2, E_P | E_RW);
    map(f, VA + 0x1000, PA2, E_P | E_RW | E_G);

    /* A CR3 write drops the non-global entry; the global one survives it. */
    tlb_flush_nonglobal(&f->tlb);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, VA + 0x1000) == host(f, PA));
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, VA) == host(f, PA2));
    /* INVLPG and full flushes (CR4.PGE toggles) drop global entries too. */
    tlb_flush_page(&f->tlb, VA + 0x1000);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA + 0x1000));
    rd_ok(f, VA + 0x1000, 4, MMU_IDX_SUPER);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, VA + 0x1000) == host(f, PA2));
    tlb_flush_all(&f->tlb);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA + 0x1000));
}

static void test_invlpg_large(Fx *f, gconstpointer data)
{
    uint32_t large = 0x00c00000;  /* PDE 3 maps a 4 MiB page at physical 4 MiB */

    physmem_write(&f->pm, PD + 3 * 4, 0x00400000 | E_P | E_RW | E_PS, 4);
    map(f, VA, PA, E_P | E_RW);
    rd_ok(f, large + 0x1000, 4, MMU_IDX_SUPER);
    rd_ok(f, large + 0x3ff000, 4, MMU_IDX_SUPER);
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, large + 0x3ff000) ==
                  host(f, 0x007ff000));

    /* INVLPG of a 4 KiB page outside the large page leaves the large page cached. */
    tlb_flush_page(&f->tlb, VA);
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_READ, large + 0x1000));
    /* INVLPG anywhere inside the 4 MiB page drops every piece of it. */
    tlb_flush_page(&f->tlb, large + 0x2000);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, large + 0x1000));
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, large + 0x3ff000));
}

/* 4-level paging: large pages in both halves of the address space, far apart. */
static void test_invlpg_large_64(Fx *f, gconstpointer data)
{
    uint64_t lo = 0x0000000000200000ull, hi = 0xffff800000200000ull;

    f->regs = (MmuRegs){ .cr0 = CR0_PE | CR0_PG, .cr3 = 0x10000, .cr4 = CR4_PAE,
                         .efer = EFER_LME | EFER_LMA };
    physmem_write(&f->pm, 0x10000, 0x11000 | E_P | E_RW, 8);           /* PML4[0] */
    physmem_write(&f->pm, 0x10000 + 256 * 8, 0x12000 | E_P | E_RW, 8); /* PML4[256] */
    physmem_write(&f->pm, 0x11000, 0x13000 | E_P | E_RW, 8);
    physmem_write(&f->pm, 0x12000, 0x14000 | E_P | E_RW, 8);
    physmem_write(&f->pm, 0x13000 + 8, 0x200000 | E_P | E_RW | E_PS, 8);
    physmem_write(&f->pm, 0x14000 + 8, 0x400000 | E_P | E_RW | E_PS, 8);
    rd_ok(f, lo + 0x1000, 4, MMU_IDX_SUPER);
    rd_ok(f, hi + 0x1000, 4, MMU_IDX_SUPER);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, hi + 0x1000) == host(f, 0x401000));

    /* The span covering both differs in bit 63: it must cover everything, not nothing. */
    tlb_flush_page(&f->tlb, hi + 0x5000);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, hi + 0x1000));
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, lo + 0x1000));
}

static void test_write_readonly(Fx *f, gconstpointer data)
{
    MmuFault fault;

    map(f, VA, PA, E_P | E_US);
    physmem_write(&f->pm, PA + 4, 0x5a5a5a5a, 4);
    g_assert_false(mmu_write(&f->tlb, &f->regs, VA + 4, 4, MMU_IDX_USER, 1, &fault));
    g_assert_cmphex(fault.addr, ==, VA + 4);
    g_assert_cmphex(fault.error_code, ==, PF_P | PF_W | PF_U);
    g_assert_false(mmu_write(&f->tlb, &f->regs, VA + 4, 2, MMU_IDX_SUPER, 1, &fault));
    g_assert_cmphex(fault.error_code, ==, PF_P | PF_W);
    g_assert_cmphex(physmem_read(&f->pm, PA + 4, 4), ==, 0x5a5a5a5a);
    g_assert_cmphex(pte(f, VA) & E_D, ==, 0);
    /* A supervisor page is out of the user's reach entirely. */
    map(f, VA + 0x1000, PA, E_P | E_RW);
    uint64_t v;
    g_assert_false(mmu_read(&f->tlb, &f->regs, VA + 0x1000, 1, MMU_IDX_USER, ACC_READ, &v,
                            &fault));
    g_assert_cmphex(fault.error_code, ==, PF_P | PF_U);

    /* With CR0.WP clear (a CR0 write flushes the TLB) the supervisor may write. */
    f->regs.cr0 &= ~(uint64_t)CR0_WP;
    tlb_flush_all(&f->tlb);
    wr_ok(f, VA + 4, 4, MMU_IDX_SUPER, 0x01020304);
    g_assert_cmphex(physmem_read(&f->pm, PA + 4, 4), ==, 0x01020304);
    g_assert_cmphex(pte(f, VA) & E_D, ==, E_D);
}

static void test_dirty_bit(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW);
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    g_assert_cmphex(pte(f, VA) & (E_A | E_D), ==, E_A);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));

    /* The first write takes the slow path, which sets D before any byte is stored. */
    wr_ok(f, VA + 8, 4, MMU_IDX_SUPER, 0xcafef00d);
    g_assert_cmphex(pte(f, VA) & (E_A | E_D), ==, E_A | E_D);
    g_assert_cmphex(physmem_read(&f->pm, PA + 8, 4), ==, 0xcafef00d);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA) == host(f, PA));

    /* The guest cleans the page (clears D, INVLPG): writes must set D again. */
    map(f, VA, PA, E_P | E_RW | E_A);
    tlb_flush_page(&f->tlb, VA);
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    wr_ok(f, VA, 1, MMU_IDX_SUPER, 0x77);
    g_assert_cmphex(pte(f, VA) & E_D, ==, E_D);

    /* A page whose D is already set is writable on the fast path straight after a read. */
    map(f, VA + 0x1000, PA2, E_P | E_RW | E_A | E_D);
    rd_ok(f, VA + 0x1000, 4, MMU_IDX_SUPER);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA + 0x1000) == host(f, PA2));
}

static void test_cross_page(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW);
    map(f, VA + 0x1000, PA2, E_P | E_RW);

    wr_ok(f, VA + 0xffe, 4, MMU_IDX_SUPER, 0x11223344);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0xffe, 2), ==, 0x3344);
    g_assert_cmphex(physmem_read(&f->pm, PA2, 2), ==, 0x1122);
    g_assert_cmphex(rd_ok(f, VA + 0xffe, 4, MMU_IDX_SUPER), ==, 0x11223344);
    g_assert_cmphex(pte(f, VA) & E_D, ==, E_D);
    g_assert_cmphex(pte(f, VA + 0x1000) & E_D, ==, E_D);

    wr_ok(f, VA + 0xffb, 8, MMU_IDX_SUPER, 0x0102030405060708ull);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0xffb, 4), ==, 0x05060708);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0xfff, 1), ==, 0x04);
    g_assert_cmphex(physmem_read(&f->pm, PA2, 4), ==, 0x00010203);
    g_assert_cmphex(rd_ok(f, VA + 0xffb, 8, MMU_IDX_SUPER), ==, 0x0102030405060708ull);
    g_assert_cmphex(rd_ok(f, VA + 0xfff, 2, MMU_IDX_SUPER), ==, 0x0304);
}

static void test_cross_page_fault(Fx *f, gconstpointer data)
{
    MmuFault fault;
    uint64_t v;

    map(f, VA, PA, E_P | E_RW | E_US);
    map(f, VA + 0x1000, PA2, E_P | E_US);  /* read-only */
    physmem_write(&f->pm, PA + 0xffc, 0xa1a2a3a4, 4);
    physmem_write(&f->pm, PA2, 0xb1b2b3b4, 4);

    /* CR2 is the first byte of the page that faulted; nothing at all is written. */
    g_assert_false(mmu_write(&f->tlb, &f->regs, VA + 0xffe, 4, MMU_IDX_USER, 0, &fault));
    g_assert_cmphex(fault.addr, ==, VA + 0x1000);
    g_assert_cmphex(fault.error_code, ==, PF_P | PF_W | PF_U);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0xffc, 4), ==, 0xa1a2a3a4);
    g_assert_cmphex(physmem_read(&f->pm, PA2, 4), ==, 0xb1b2b3b4);

    /* Second page not present: a read faults there too. */
    map(f, VA + 0x1000, PA2, 0);
    tlb_flush_page(&f->tlb, VA + 0x1000);
    g_assert_false(mmu_read(&f->tlb, &f->regs, VA + 0xfff, 2, MMU_IDX_USER, ACC_READ, &v,
                            &fault));
    g_assert_cmphex(fault.addr, ==, VA + 0x1000);
    g_assert_cmphex(fault.error_code, ==, PF_U);
    g_assert_false(mmu_write(&f->tlb, &f->regs, VA + 0xff9, 8, MMU_IDX_SUPER, 0, &fault));
    g_assert_cmphex(fault.error_code, ==, PF_W);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0xffc, 4), ==, 0xa1a2a3a4);
}

static void test_mmio(Fx *f, gconstpointer data)
{
    TestDev *d = &f->dev;

    map(f, VA, MMIO_PA, E_P | E_RW);
    for (unsigned i = 0; i < 16; i++) {
        d->regs[i] = (uint8_t)(0x10 + i);
    }
    /* A byte read is widened to the device's 4-byte minimum. */
    g_assert_cmphex(rd_ok(f, VA + 1, 1, MMU_IDX_SUPER), ==, 0x11);
    assert_dev(d, 0, false, 0, 4);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    /* An 8-byte read is split at the 4-byte maximum. */
    g_assert_cmphex(rd_ok(f, VA + 8, 8, MMU_IDX_SUPER), ==, 0x1f1e1d1c1b1a1918ull);
    assert_dev(d, 1, false, 8, 4);
    assert_dev(d, 2, false, 12, 4);
    /* A word write inside one register is a read-modify-write of the whole register. */
    wr_ok(f, VA + 2, 2, MMU_IDX_SUPER, 0xbeef);
    assert_dev(d, 3, false, 0, 4);
    assert_dev(d, 4, true, 0, 4);
    g_assert_cmphex(d->log[4].val, ==, 0xbeef1110);
    /* A word straddling two registers is done byte by byte, each widened. */
    g_assert_cmphex(rd_ok(f, VA + 3, 2, MMU_IDX_SUPER), ==, 0x14be);
    assert_dev(d, 5, false, 0, 4);
    assert_dev(d, 6, false, 4, 4);
    g_assert_cmpuint(d->n, ==, 7);
}

static void test_rom(Fx *f, gconstpointer data)
{
    map(f, VA, ROM_PA, E_P | E_RW);
    map(f, VA + 0x1000, HOLE_PA, E_P | E_RW);
    wr_ok(f, VA, 4, MMU_IDX_SUPER, 0);
    g_assert_cmphex(rd_ok(f, VA, 4, MMU_IDX_SUPER), ==, 0xddccbbaa);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, VA) == host(f, ROM_PA));
    wr_ok(f, VA + 0xffe, 4, MMU_IDX_SUPER, 0);  /* split across ROM and unassigned space */
    g_assert_cmphex(rd_ok(f, VA, 4, MMU_IDX_SUPER), ==, 0xddccbbaa);
}

static void test_unassigned(Fx *f, gconstpointer data)
{
    map(f, VA, HOLE_PA, E_P | E_RW);
    g_assert_cmphex(rd_ok(f, VA, 1, MMU_IDX_SUPER), ==, 0xff);
    g_assert_cmphex(rd_ok(f, VA + 2, 2, MMU_IDX_SUPER), ==, 0xffff);
    g_assert_cmphex(rd_ok(f, VA + 4, 4, MMU_IDX_SUPER), ==, 0xffffffff);
    g_assert_cmphex(rd_ok(f, VA + 8, 8, MMU_IDX_SUPER), ==, ~0ull);
    wr_ok(f, VA, 4, MMU_IDX_SUPER, 0);
    g_assert_cmphex(rd_ok(f, VA, 4, MMU_IDX_SUPER), ==, 0xffffffff);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    /* Bytes of unassigned space next to an MMIO region that is not page-aligned. */
    char *why = NULL;
    g_assert_true(physmem_add_mmio(&f->pm, "dev2", HOLE_PA + 0x102, 8, &f->ops, &f->dev,
                                   &why));
    f->dev.regs[0] = f->dev.regs[1] = 0x42;
    g_assert_cmphex(rd_ok(f, VA + 0x100, 4, MMU_IDX_SUPER), ==, 0x4242ffff);
}

static void test_a20(Fx *f, gconstpointer data)
{
    f->regs.cr0 = CR0_PE;  /* paging off: linear = physical */
    physmem_write(&f->pm, 0x000123, 0x600dcafe, 4);
    physmem_write(&f->pm, 0x100123, 0x0badf00d, 4);
    g_assert_cmphex(rd_ok(f, 0x100123, 4, MMU_IDX_SUPER), ==, 0x0badf00d);

    /* Gate off: bit 20 is forced to zero, so 1 MiB + x reaches x, cached entry or not. */
    physmem_set_a20(&f->pm, false);
    g_assert_cmphex(rd_ok(f, 0x100123, 4, MMU_IDX_SUPER), ==, 0x600dcafe);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_READ, 0x100123) == host(f, 0x123));
    wr_ok(f, 0x100200, 4, MMU_IDX_SUPER, 0x12344321);
    g_assert_cmphex(physmem_read(&f->pm, 0x200, 4), ==, 0x12344321);
    /* Wrap around the top of the first megabyte, as on an 8086. */
    physmem_write(&f->pm, 0x0, 0x99, 1);
    g_assert_cmphex(rd_ok(f, 0xfffff, 2, MMU_IDX_SUPER) >> 8, ==, 0x99);

    physmem_set_a20(&f->pm, true);
    g_assert_cmphex(rd_ok(f, 0x100123, 4, MMU_IDX_SUPER), ==, 0x0badf00d);
}

static void test_code_write(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW | E_D);
    physmem_write(&f->pm, PA + 0x20, 0xc0dec0de, 4);
    wr_ok(f, VA + 0x40, 4, MMU_IDX_SUPER, 1);
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));

    /* The translator marks the page as holding code: writes must leave the fast path. */
    physmem_mark_code(&f->pm, PA, PAGE_SIZE);
    tlb_protect_code(&f->tlb, PA);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    wr_ok(f, VA + 0x20, 4, MMU_IDX_SUPER, 0x12345678);
    g_assert_cmpuint(f->cw.calls, ==, 1);
    g_assert_cmphex(f->cw.phys, ==, PA + 0x20);
    g_assert_cmpuint(f->cw.len, ==, 4);
    g_assert_cmphex(f->cw.old_value, ==, 0xc0dec0de);  /* called before the store */
    g_assert_cmphex(physmem_read(&f->pm, PA + 0x20, 4), ==, 0x12345678);
    /* The code is still there: the next write is seen as well. */
    wr_ok(f, VA + 0x20, 1, MMU_IDX_SUPER, 0);
    g_assert_cmpuint(f->cw.calls, ==, 2);

    /* Once the callback drops the page's code, writes return to the fast path. */
    f->cw.clear = true;
    wr_ok(f, VA + 0x24, 4, MMU_IDX_SUPER, 0);
    g_assert_cmpuint(f->cw.calls, ==, 3);
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA) == host(f, PA));

    /* A fill of a page already holding code starts out protected; split writes see it. */
    physmem_mark_code(&f->pm, PA, PAGE_SIZE);
    tlb_flush_all(&f->tlb);
    f->cw.clear = false;
    rd_ok(f, VA, 4, MMU_IDX_SUPER);
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    map(f, VA + 0x1000, PA2, E_P | E_RW);
    wr_ok(f, VA + 0xfff, 2, MMU_IDX_SUPER, 0);
    g_assert_cmpuint(f->cw.calls, ==, 4);
    g_assert_cmphex(f->cw.phys, ==, PA + 0xfff);
}

static void test_dirty_logging(Fx *f, gconstpointer data)
{
    map(f, VA, PA, E_P | E_RW | E_D);
    wr_ok(f, VA, 4, MMU_IDX_SUPER, 1);
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));

    /* Logging starts with the page dirty: nothing to protect yet. */
    dirty_log_start(&f->pm, DIRTY_VGA, PA, PAGE_SIZE);
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    /* Clearing re-protects the page, so the next CPU write is seen. */
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, PA, PAGE_SIZE));
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));
    g_assert_nonnull(lookup(f, MMU_IDX_SUPER, ACC_READ, VA));
    g_assert_false(dirty_test(&f->pm, DIRTY_VGA, PA, PAGE_SIZE));
    wr_ok(f, VA + 0x10, 2, MMU_IDX_SUPER, 0xabcd);
    g_assert_cmphex(physmem_read(&f->pm, PA + 0x10, 2), ==, 0xabcd);
    g_assert_true(dirty_test(&f->pm, DIRTY_VGA, PA, PAGE_SIZE));
    /* Dirty now: fast writes may resume until the next clear. */
    g_assert_true(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA) == host(f, PA));
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, PA, PAGE_SIZE));
    g_assert_null(lookup(f, MMU_IDX_SUPER, ACC_WRITE, VA));

    /* A fresh fill of a clean logged page is protected too, for either privilege. */
    tlb_flush_all(&f->tlb);
    map(f, VA, PA, E_P | E_RW | E_US | E_D);
    rd_ok(f, VA, 4, MMU_IDX_USER);
    g_assert_null(lookup(f, MMU_IDX_USER, ACC_WRITE, VA));
    /* A split write marks the page it lands on. */
    map(f, VA - 0x1000, PA2, E_P | E_RW | E_US | E_D);
    wr_ok(f, VA - 1, 2, MMU_IDX_USER, 0x0101);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_VGA, PA, PAGE_SIZE));
    /* The walker's own A/D updates are writes to the page holding the page table. */
    dirty_log_start(&f->pm, DIRTY_MIGRATION, PT_BASE, 4 * PAGE_SIZE);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_MIGRATION, 0, RAM_SIZE));
    map(f, VA + 0x2000, PA2, E_P | E_RW);
    g_assert_true(dirty_test_and_clear(&f->pm, DIRTY_MIGRATION, PT_BASE, 4 * PAGE_SIZE));
    rd_ok(f, VA + 0x2000, 1, MMU_IDX_SUPER);  /* sets A in the PTE */
    g_assert_true(dirty_test(&f->pm, DIRTY_MIGRATION, pte_addr(VA), 4));
    /* After logging stops, one slow write lifts the protection for good. */
    dirty_log_stop(&f->pm, DIRTY_VGA, 0, RAM_SIZE);
    wr_ok(f, VA, 1, MMU_IDX_USER, 0);
    g_assert_true(lookup(f, MMU_IDX_USER, ACC_WRITE, VA) == host(f, PA));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/tlb/cached", test_cached);
    ADD("/tlb/invlpg", test_invlpg);
    ADD("/tlb/cr3-flush-global", test_cr3_flush);
    ADD("/tlb/invlpg-large-page", test_invlpg_large);
    ADD("/tlb/invlpg-large-page-64", test_invlpg_large_64);
    ADD("/tlb/write-readonly", test_write_readonly);
    ADD("/tlb/dirty-bit", test_dirty_bit);
    ADD("/tlb/cross-page", test_cross_page);
    ADD("/tlb/cross-page-fault", test_cross_page_fault);
    ADD("/tlb/mmio", test_mmio);
    ADD("/tlb/rom", test_rom);
    ADD("/tlb/unassigned", test_unassigned);
    ADD("/tlb/a20", test_a20);
    ADD("/tlb/code-write", test_code_write);
    ADD("/tlb/dirty-logging", test_dirty_logging);
#undef ADD
    return g_test_run();
}
