/*
 * Unit tests of the Multiboot v1 loader (vm/multiboot.c) against Multiboot Specification
 * 0.6.96: a.out-kludge and ELF32 kernels built in memory, loaded into a bare machine; the
 * boot information (3.3) and machine state (3.2) they get; and every malformed input,
 * which must fail with one line naming the file and leave memory and CPU untouched.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "base/bytes.h"
#include "vm/machine.h"
#include "vm/multiboot.h"

#include "guestmem.h"

#define RAM (16u << 20)
#define KPATH "test-kernel"
#define LOAD 0x100000u
#define CANARY 0xaa

/* ---- kernels built in memory ---- */

/* The bytes of a kernel file: a recognisable pattern, so misplaced copies show. */
static uint8_t *pattern(size_t size)
{
    uint8_t *b = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        b[i] = (uint8_t)(i * 7 + 1);
    }
    return b;
}

static void put_header(uint8_t *b, uint32_t off, uint32_t flags, uint32_t checksum_error)
{
    st32_le(b + off, MULTIBOOT_HEADER_MAGIC);
    st32_le(b + off + 4, flags);
    st32_le(b + off + 8, -(MULTIBOOT_HEADER_MAGIC + flags) + checksum_error);
}

/* An a.out-kludge kernel (flags bit 16): the header and its five address fields. */
typedef struct Aout {
    size_t size;
    uint32_t hdr_off, flags, checksum_error;
    uint32_t header_addr, load_addr, load_end, bss_end, entry;
} Aout;

/* A 0x3000-byte kernel at 1 MiB with 0x2000 bytes of BSS, entered at 1 MiB + 0x10. */
static Aout aout_default(void)
{
    return (Aout){
        .size = 0x3000, .flags = 0x00010003,
        .header_addr = LOAD, .load_addr = LOAD, .load_end = LOAD + 0x3000,
        .bss_end = LOAD + 0x5000, .entry = LOAD + 0x10,
    };
}

static GBytes *aout_build(const Aout *a)
{
    uint8_t *b = pattern(a->size);
    put_header(b, a->hdr_off, a->flags, a->checksum_error);
    if (a->hdr_off + 32 <= a->size) {
        uint32_t f[5] = { a->header_addr, a->load_addr, a->load_end, a->bss_end, a->entry };
        for (unsigned i = 0; i < 5; i++) {
            st32_le(b + a->hdr_off + 12 + 4 * i, f[i]);
        }
    }
    return g_bytes_new_take(b, a->size);
}

/* An ELF32 kernel: header, program headers at 52, Multiboot header at 0x200. */
typedef struct ElfSeg {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
} ElfSeg;

typedef struct Elf {
    size_t size;
    uint8_t class, data;
    uint16_t type, machine, phentsize, phnum;
    uint32_t phoff, entry, mb_flags;
    ElfSeg seg[4];
} Elf;

/*
 * Two loadable segments of a kernel linked at 3 GiB + 1 MiB and loaded at 1 MiB: code
 * (0x800 bytes from file offset 0x1000) and data with BSS at 1 MiB + 0x2000; a note.
 */
static Elf elf_default(void)
{
    return (Elf){
        .size = 0x2000, .class = 1, .data = 1, .type = 2, .machine = 3, .phentsize = 32,
        .phnum = 3, .phoff = 52, .entry = 0xc0100020u, .mb_flags = 0x00000003,
        .seg = {
            { 1, 0x1000, 0xc0100000u, LOAD, 0x800, 0x800 },
            { 4, 0x1800, 0, 0, 0x10, 0x10 },
            { 1, 0x1800, 0xc0102000u, LOAD + 0x2000, 0x400, 0x3000 },
        },
    };
}

static GBytes *elf_build(const Elf *e)
{
    uint8_t *b = pattern(e->size);
    memset(b, 0, 52);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = e->class;
    b[5] = e->data;
    b[6] = 1;
    st16_le(b + 16, e->type);
    st16_le(b + 18, e->machine);
    st32_le(b + 20, 1);
    st32_le(b + 24, e->entry);
    st32_le(b + 28, e->phoff);
    st16_le(b + 40, 52);
    st16_le(b + 42, e->phentsize);
    st16_le(b + 44, e->phnum);
    for (unsigned i = 0; i < e->phnum && i < G_N_ELEMENTS(e->seg); i++) {
        uint8_t *ph = b + e->phoff + 32 * i;
        if (e->phoff + 32 * (i + 1) > e->size) {
            break;      /* a table that runs off the end of the file */
        }
        const ElfSeg *s = &e->seg[i];
        uint32_t f[8] = { s->type, s->offset, s->vaddr, s->paddr, s->filesz, s->memsz, 5,
                          0x1000 };
        for (unsigned k = 0; k < 8; k++) {
            st32_le(ph + 4 * k, f[k]);
        }
    }
    put_header(b, 0x200, e->mb_flags, 0);
    return g_bytes_new_take(b, e->size);
}

/* ---- the machine ---- */

/* A bare machine with RAM_BYTES of RAM, all of it filled with CANARY and A20 off. */
static Machine *vm_new(uint64_t ram_bytes)
{
    Machine *m = machine_new();
    GError *err = NULL;
    g_assert_true(machine_init_bare(m, ram_bytes, &err));
    g_assert_no_error(err);
    uint8_t *fill = g_malloc(ram_bytes);
    memset(fill, CANARY, ram_bytes);
    g_assert_true(physmem_load(&m->pm, 0, fill, ram_bytes));
    g_free(fill);
    physmem_set_a20(&m->pm, false);
    return m;
}

static uint32_t rd32(Machine *m, uint64_t addr)
{
    return (uint32_t)physmem_read(&m->pm, addr, 4);
}

static bool load(Machine *m, const MultibootImage *img, uint64_t ram_bytes, GError **err)
{
    return multiboot_load(img, &m->pm, ram_bytes, &m->cpu, err);
}

/* ---- successful loads ---- */

/* Spec 3.2: EAX, EBX, flat 32-bit segments, PE without PG, IF and VM clear, CPL 0, A20. */
static void assert_entry_state(Machine *m, uint32_t entry)
{
    CPUState *c = &m->cpu;
    g_assert_cmphex(c->regs[R_EAX], ==, MULTIBOOT_BOOT_MAGIC);
    g_assert_cmphex(c->regs[R_EBX], ==, MULTIBOOT_INFO_ADDR);
    g_assert_cmphex(c->eip, ==, entry);
    g_assert_cmphex(c->cr[0] & (CR0_PE | CR0_PG), ==, CR0_PE);
    g_assert_cmphex(cpu_get_eflags(c) & (FL_IF | FL_VM), ==, 0);
    g_assert_cmpuint(c->cpl, ==, 0);
    g_assert_true(cpu_code32(c) && cpu_stack32(c));
    g_assert_true(c->seg[SEG_CS].attr & DESC_CODE);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        g_assert_cmphex(c->seg[s].base, ==, 0);
        g_assert_cmphex(c->seg[s].limit, ==, 0xffffffffu);
        g_assert_true(c->seg[s].attr & DESC_P);
        if (s != SEG_CS) {
            g_assert_cmphex(c->seg[s].attr & (DESC_CODE | DESC_W), ==, DESC_W);
        }
    }
    g_assert_cmphex(m->pm.a20_mask, ==, ~(uint64_t)0);
}

/* mem_lower/mem_upper and the three-entry memory map of 3.3 for RAM_BYTES of RAM. */
static void assert_memory_info(Machine *m, uint32_t info, uint64_t ram_bytes)
{
    static const uint32_t want[3][4] = {
        { 0, 0x9fc00, 0, 1 },
        { 0x9fc00, 0x60400, 0, 2 },
        { 0x100000, 0, 0, 1 },
    };
    uint32_t map = rd32(m, info + 48);

    g_assert_cmpuint(rd32(m, info + 4), ==, 639);
    g_assert_cmpuint(rd32(m, info + 8), ==, (ram_bytes >> 10) - 1024);
    g_assert_cmpuint(rd32(m, info + 44), ==, 3 * 24);
    for (unsigned i = 0; i < 3; i++) {
        uint32_t e = map + 24 * i;
        uint64_t len = i == 2 ? ram_bytes - 0x100000 : want[i][1];
        g_assert_cmpuint(rd32(m, e), ==, 20);
        g_assert_cmphex(physmem_read(&m->pm, e + 4, 8), ==, want[i][0]);
        g_assert_cmphex(physmem_read(&m->pm, e + 12, 8), ==, len);
        g_assert_cmpuint(rd32(m, e + 20), ==, want[i][3]);
    }
}

static void test_aout_load(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    g_autoptr(GBytes) mod0 = g_bytes_new_take(pattern(5000), 5000);
    g_autoptr(GBytes) mod1 = g_bytes_new_static("second", 6);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, "console=none x=1");
    Machine *m = vm_new(RAM);
    GError *err = NULL;
    uint32_t info = MULTIBOOT_INFO_ADDR, mods;

    multiboot_add_module(img, "mods/first.bin", mod0);
    multiboot_add_module(img, "second.txt", mod1);
    g_assert_true(load(m, img, RAM, &err));
    g_assert_no_error(err);
    assert_entry_state(m, LOAD + 0x10);
    assert_mem(m, LOAD, g_bytes_get_data(kernel, NULL), 0x3000);
    assert_zero(m, LOAD + 0x3000, 0x2000);

    g_assert_cmphex(rd32(m, info), ==, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) |
                                       (1u << 9));
    assert_memory_info(m, info, RAM);
    g_autofree char *cmdline = rd_string(m, rd32(m, info + 16));
    g_assert_cmpstr(cmdline, ==, KPATH " console=none x=1");
    g_autofree char *loader = rd_string(m, rd32(m, info + 64));
    g_assert_cmpstr(loader, ==, "wirt");

    /* Modules: page-aligned, in order, above the BSS; mod_end is exclusive. */
    g_assert_cmpuint(rd32(m, info + 20), ==, 2);
    mods = rd32(m, info + 24);
    g_assert_cmphex(rd32(m, mods), ==, LOAD + 0x5000);
    g_assert_cmphex(rd32(m, mods + 4), ==, LOAD + 0x5000 + 5000);
    g_assert_cmphex(rd32(m, mods + 16), ==, LOAD + 0x7000);
    g_assert_cmphex(rd32(m, mods + 20), ==, LOAD + 0x7000 + 6);
    assert_mem(m, LOAD + 0x5000, g_bytes_get_data(mod0, NULL), 5000);
    assert_mem(m, LOAD + 0x7000, "second", 6);
    g_autofree char *name0 = rd_string(m, rd32(m, mods + 8));
    g_autofree char *name1 = rd_string(m, rd32(m, mods + 24));
    g_assert_cmpstr(name0, ==, "mods/first.bin");
    g_assert_cmpstr(name1, ==, "second.txt");
    g_assert_cmpuint(rd32(m, mods + 12), ==, 0);

    multiboot_image_free(img);
    machine_free(m);
}

/* Without --append the command line is the kernel's name alone; no modules: count 0. */
static void test_aout_no_append(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);

    g_assert_true(load(m, img, RAM, NULL));
    g_autofree char *cmdline = rd_string(m, rd32(m, MULTIBOOT_INFO_ADDR + 16));
    g_assert_cmpstr(cmdline, ==, KPATH);
    g_assert_cmpuint(rd32(m, MULTIBOOT_INFO_ADDR + 20), ==, 0);
    multiboot_image_free(img);
    machine_free(m);
}

/*
 * The header need not start the file: header_addr - load_addr says how far into the image
 * it sits, so the image starts at file offset hdr_off - (header_addr - load_addr).
 * With load_end_addr 0 the image runs to the end of the file; with bss_end_addr 0 there
 * is no BSS. Optional flag bits (16-31) the loader does not know are ignored.
 */
static void test_aout_offsets(void)
{
    Aout a = aout_default();
    a.hdr_off = 0x200;
    a.flags |= 1u << 20;
    a.header_addr = LOAD + 0x100;
    a.load_end = 0;
    a.bss_end = 0;
    a.entry = LOAD + 0x2eff;
    g_autoptr(GBytes) kernel = aout_build(&a);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);
    GError *err = NULL;

    g_assert_true(load(m, img, RAM, &err));
    g_assert_no_error(err);
    assert_mem(m, LOAD, (const uint8_t *)g_bytes_get_data(kernel, NULL) + 0x100, 0x2f00);
    g_assert_cmphex(physmem_read(&m->pm, LOAD + 0x2f00, 1), ==, CANARY);
    g_assert_cmphex(m->cpu.eip, ==, LOAD + 0x2eff);
    multiboot_image_free(img);
    machine_free(m);
}

/* A kernel below the reserved area works; its modules still go above 1 MiB. */
static void test_aout_low_kernel(void)
{
    Aout a = aout_default();
    a.header_addr = a.load_addr = 0x20000;
    a.load_end = 0x23000;
    a.bss_end = 0x24000;
    a.entry = 0x20010;
    g_autoptr(GBytes) kernel = aout_build(&a);
    g_autoptr(GBytes) mod = g_bytes_new_static("mod", 3);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);

    multiboot_add_module(img, "m", mod);
    g_assert_true(load(m, img, RAM, NULL));
    g_assert_cmphex(rd32(m, rd32(m, MULTIBOOT_INFO_ADDR + 24)), ==, 0x100000);
    assert_zero(m, 0x23000, 0x1000);
    multiboot_image_free(img);
    machine_free(m);
}

/* ELF: PT_LOAD segments at p_paddr with zeroed BSS, others skipped, entry made physical. */
static void test_elf_load(void)
{
    Elf e = elf_default();
    g_autoptr(GBytes) kernel = elf_build(&e);
    const uint8_t *file = g_bytes_get_data(kernel, NULL);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, "a");
    Machine *m = vm_new(RAM);
    GError *err = NULL;

    g_assert_true(load(m, img, RAM, &err));
    g_assert_no_error(err);
    assert_entry_state(m, LOAD + 0x20);
    assert_mem(m, LOAD, file + 0x1000, 0x800);
    g_assert_cmphex(physmem_read(&m->pm, LOAD + 0x800, 1), ==, CANARY);
    assert_mem(m, LOAD + 0x2000, file + 0x1800, 0x400);
    assert_zero(m, LOAD + 0x2400, 0x2c00);
    g_assert_cmphex(physmem_read(&m->pm, LOAD + 0x5000, 1), ==, CANARY);
    g_assert_cmphex(physmem_read(&m->pm, 0, 1), ==, CANARY);   /* the note was not loaded */
    assert_memory_info(m, MULTIBOOT_INFO_ADDR, RAM);
    multiboot_image_free(img);
    machine_free(m);
}

/* An ELF kernel whose entry is already physical (p_vaddr == p_paddr), the common case. */
static void test_elf_identity(void)
{
    Elf e = elf_default();
    e.seg[0].vaddr = LOAD;
    e.seg[2].vaddr = LOAD + 0x2000;
    e.entry = LOAD + 0x40;
    g_autoptr(GBytes) kernel = elf_build(&e);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);

    g_assert_true(load(m, img, RAM, NULL));
    g_assert_cmphex(m->cpu.eip, ==, LOAD + 0x40);
    multiboot_image_free(img);
    machine_free(m);
}

/* The kernel runs: 32-bit code at the entry reads the info structure through DS. */
static void test_run(void)
{
    Aout a = aout_default();
    a.size = 0x1000;
    a.load_end = LOAD + 0x1000;
    a.bss_end = 0;
    a.entry = LOAD + 0x20;
    g_autoptr(GBytes) kernel = aout_build(&a);
    uint8_t *code = (uint8_t *)g_bytes_get_data(kernel, NULL) + 0x20;
    static const uint8_t prog[] = {
        0x8b, 0x4b, 0x08,       /* mov ecx, [ebx + 8]  (mem_upper) */
        0x89, 0xe2,             /* mov edx, esp */
        0xf4,                   /* hlt */
    };
    memcpy(code, prog, sizeof(prog));
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);

    g_assert_true(load(m, img, RAM, NULL));
    g_assert_cmpint(machine_run(m, 100), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, LOAD + 0x20 + sizeof(prog));
    g_assert_cmpuint(m->cpu.regs[R_ECX], ==, (RAM >> 10) - 1024);
    multiboot_image_free(img);
    machine_free(m);
}

/* Loading again (a reset) restores the kernel, BSS and info the guest scribbled over. */
static void test_reload(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    MultibootImage *img = multiboot_image_new(KPATH, kernel, "x");
    Machine *m = vm_new(RAM);
    uint8_t *first = g_malloc(0x10000), *second = g_malloc(0x10000);

    g_assert_true(load(m, img, RAM, NULL));
    g_assert_true(physmem_dma_read(&m->pm, LOAD, first, 0x10000));
    for (uint64_t p = 0; p < 0x10000; p += 4) {
        physmem_write(&m->pm, LOAD + p, 0xdeadbeef, 4);
        physmem_write(&m->pm, MULTIBOOT_INFO_ADDR + p, 0xdeadbeef, 4);
    }
    m->cpu.eip = 0;
    physmem_set_a20(&m->pm, false);
    g_assert_true(load(m, img, RAM, NULL));
    g_assert_true(physmem_dma_read(&m->pm, LOAD, second, 0x10000));
    g_assert_cmpmem(first, 0x5000, second, 0x5000);
    assert_memory_info(m, MULTIBOOT_INFO_ADDR, RAM);
    assert_entry_state(m, LOAD + 0x10);
    g_free(first);
    g_free(second);
    multiboot_image_free(img);
    machine_free(m);
}

static void test_detect(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    uint8_t *b = g_malloc0(MULTIBOOT_SEARCH_BYTES + 16);

    g_assert_true(multiboot_detect(g_bytes_get_data(kernel, NULL), 0x3000));
    g_assert_false(multiboot_detect(b, MULTIBOOT_SEARCH_BYTES + 16));
    st32_le(b + MULTIBOOT_SEARCH_BYTES, MULTIBOOT_HEADER_MAGIC);    /* too far */
    g_assert_false(multiboot_detect(b, MULTIBOOT_SEARCH_BYTES + 16));
    st32_le(b + 2, MULTIBOOT_HEADER_MAGIC);                         /* not aligned */
    g_assert_false(multiboot_detect(b, MULTIBOOT_SEARCH_BYTES + 16));
    g_assert_false(multiboot_detect(b, 3));
    g_free(b);
}

/* ---- malformed input: one error line, nothing written ---- */

/*
 * Loads IMG and expects error CODE: one line that starts with FILE and contains WHAT,
 * with memory (the info area, 1 MiB) and the CPU (still at its reset EIP) untouched.
 */
static void expect_fail_img(MultibootImage *img, const char *file, MultibootError code,
                            const char *what)
{
    Machine *m = vm_new(RAM);
    g_autofree char *prefix = g_strdup_printf("%s: ", file);
    GError *err = NULL;

    g_assert_false(load(m, img, RAM, &err));
    g_assert_error(err, MULTIBOOT_ERROR, (int)code);
    g_test_message("%s", err->message);
    if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, what) ||
        strchr(err->message, '\n')) {
        g_error("message '%s' is not one line starting '%s' and containing '%s'",
                err->message, prefix, what);
    }
    g_assert_cmphex(m->cpu.eip, ==, 0xfff0);
    g_assert_cmphex(physmem_read(&m->pm, MULTIBOOT_INFO_ADDR, 4), ==, 0xaaaaaaaau);
    g_assert_cmphex(physmem_read(&m->pm, LOAD, 4), ==, 0xaaaaaaaau);
    g_clear_error(&err);
    machine_free(m);
}

/* The same for a kernel alone. */
static void expect_fail(GBytes *kernel, MultibootError code, const char *what)
{
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);
    expect_fail_img(img, KPATH, code, what);
    multiboot_image_free(img);
}

static void expect_aout_fail(const Aout *a, MultibootError code, const char *what)
{
    g_autoptr(GBytes) kernel = aout_build(a);
    expect_fail(kernel, code, what);
}

static void expect_elf_fail(const Elf *e, MultibootError code, const char *what)
{
    g_autoptr(GBytes) kernel = elf_build(e);
    expect_fail(kernel, code, what);
}

static void test_bad_header(void)
{
    uint8_t *b = g_malloc0(MULTIBOOT_SEARCH_BYTES + 64);
    g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
    g_autoptr(GBytes) zeros = g_bytes_new(b, MULTIBOOT_SEARCH_BYTES + 64);
    put_header(b, MULTIBOOT_SEARCH_BYTES, 0, 0);
    g_autoptr(GBytes) too_far = g_bytes_new(b, MULTIBOOT_SEARCH_BYTES + 64);
    Aout a = aout_default();

    expect_fail(empty, MULTIBOOT_ERROR_NO_HEADER, "not a Multiboot kernel");
    expect_fail(zeros, MULTIBOOT_ERROR_NO_HEADER, "first 8192 bytes");
    expect_fail(too_far, MULTIBOOT_ERROR_NO_HEADER, "not a Multiboot kernel");
    a.checksum_error = 1;
    expect_aout_fail(&a, MULTIBOOT_ERROR_CHECKSUM, "bad checksum");
    a = aout_default();
    a.hdr_off = MULTIBOOT_SEARCH_BYTES - 16;     /* flags bit 16 needs 32 bytes */
    a.size = MULTIBOOT_SEARCH_BYTES + 0x1000;
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "cut off");
    a.hdr_off = 0x1000 - 16;                      /* ... and the file ends first */
    a.size = 0x1000;
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "cut off");
    g_free(b);
}

static void test_bad_flags(void)
{
    Aout a = aout_default();
    a.flags |= 1u << 2;
    expect_aout_fail(&a, MULTIBOOT_ERROR_FLAGS, "video mode");
    a.flags = 0x00010003 | (1u << 7);
    expect_aout_fail(&a, MULTIBOOT_ERROR_FLAGS, "required bits 0x0080");
}

static void test_bad_aout(void)
{
    Aout a = aout_default();
    a.load_addr = LOAD + 4;                       /* above header_addr */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "lies above header_addr");
    a = aout_default();
    a.load_addr = LOAD - 0x100;                   /* image would start before the file */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "before the file");
    a = aout_default();
    a.load_end = LOAD + 0x3001;                   /* past the end of the file */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "must end within the file");
    a.load_end = LOAD - 1;                        /* below load_addr */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "lies below load_addr");
    a = aout_default();
    a.bss_end = LOAD + 0x2000;                    /* below load_end */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "bss_end_addr");
    a = aout_default();
    a.entry = LOAD + 0x3000;                      /* in the BSS, not the image */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "entry_addr");
}

static void test_bad_elf(void)
{
    Elf e = elf_default();
    Aout a = aout_default();

    a.flags = 0x00000003;                         /* no bit 16, and not ELF */
    expect_aout_fail(&a, MULTIBOOT_ERROR_FORMAT, "neither an ELF");
    e.class = 2;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "32-bit");
    e = elf_default();
    e.data = 2;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "little-endian");
    e = elf_default();
    e.type = 1;                                   /* ET_REL */
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "ET_EXEC");
    e = elf_default();
    e.machine = 40;                               /* EM_ARM */
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "EM_386");
    e = elf_default();
    e.phoff = 0x1ff0;                             /* table runs off the end */
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "program header table");
    e = elf_default();
    e.phnum = 0;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "program header table");
    e = elf_default();
    e.phentsize = 16;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "program header table");
    e = elf_default();
    e.seg[0].type = e.seg[2].type = 4;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "no loadable");
    e = elf_default();
    e.seg[2].filesz = 0x3001;                     /* more file bytes than memory */
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "program header 2: file size");
    e = elf_default();
    e.seg[0].offset = 0x1900;                     /* file bytes past the end */
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "program header 0: 0x800 file bytes");
    e = elf_default();
    e.entry = 0xc0200000u;
    expect_elf_fail(&e, MULTIBOOT_ERROR_FORMAT, "entry point");
}

static void test_bad_placement(void)
{
    Elf e = elf_default();
    Aout a = aout_default();

    e.seg[2].paddr = RAM - 0x1000;                /* BSS runs past the end of RAM */
    expect_elf_fail(&e, MULTIBOOT_ERROR_PLACEMENT, "program header 2 at 0xfff000");
    e = elf_default();
    e.seg[0].paddr = 0xa0000;                     /* VGA/BIOS hole */
    expect_elf_fail(&e, MULTIBOOT_ERROR_PLACEMENT, "reserved area");
    e = elf_default();
    e.seg[0].paddr = 0x9f800;                     /* straddles its start */
    expect_elf_fail(&e, MULTIBOOT_ERROR_PLACEMENT, "reserved area");
    a.header_addr = a.load_addr = 0x8000;         /* over the boot information */
    a.load_end = 0xb000;
    a.bss_end = 0;
    a.entry = 0x8010;
    expect_aout_fail(&a, MULTIBOOT_ERROR_PLACEMENT, "boot information");
}

static void test_bad_modules(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    g_autoptr(GBytes) big = g_bytes_new_take(g_malloc0(RAM - LOAD - 0x5000 + 1),
                                             RAM - LOAD - 0x5000 + 1);
    g_autofree char *huge = g_strnfill(MULTIBOOT_LOW_END, 'x');
    MultibootImage *img = multiboot_image_new(KPATH, kernel, NULL);

    multiboot_add_module(img, "big.img", big);
    expect_fail_img(img, "big.img", MULTIBOOT_ERROR_PLACEMENT, "module at 0x105000");
    multiboot_image_free(img);

    img = multiboot_image_new(KPATH, kernel, huge);
    expect_fail_img(img, KPATH, MULTIBOOT_ERROR_PLACEMENT, "boot information");
    multiboot_image_free(img);
}

/* multiboot_open: files on disk, a missing one, one larger than RAM. */
static void test_open(void)
{
    Aout a = aout_default();
    g_autoptr(GBytes) kernel = aout_build(&a);
    g_autofree char *dir = g_dir_make_tmp("wirt-mb-XXXXXX", NULL);
    g_autofree char *kpath = g_build_filename(dir, "kernel.bin", NULL);
    g_autofree char *mpath = g_build_filename(dir, "mod.txt", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    char *mods[] = { mpath, NULL }, *bad_mods[] = { mpath, missing, NULL };
    GError *err = NULL;
    MultibootImage *img;

    g_assert_nonnull(dir);
    g_assert_true(g_file_set_contents(kpath, g_bytes_get_data(kernel, NULL), 0x3000, NULL));
    g_assert_true(g_file_set_contents(mpath, "hello", 5, NULL));
    img = multiboot_open(kpath, "x", mods, RAM, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(img->nmodules, ==, 1);
    g_assert_cmpuint(g_bytes_get_size(img->modules[0].data), ==, 5);
    g_assert_cmpuint(g_bytes_get_size(img->kernel), ==, 0x3000);
    multiboot_image_free(img);

    g_assert_null(multiboot_open(missing, NULL, NULL, RAM, &err));
    g_assert_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_FILE);
    g_assert_nonnull(strstr(err->message, "missing: cannot read kernel"));
    g_clear_error(&err);
    g_assert_null(multiboot_open(kpath, NULL, bad_mods, RAM, &err));
    g_assert_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_FILE);
    g_assert_nonnull(strstr(err->message, "missing: cannot read module"));
    g_clear_error(&err);
    g_assert_null(multiboot_open(kpath, NULL, NULL, 0x2fff, &err));
    g_assert_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_FILE);
    g_assert_nonnull(strstr(err->message, "larger than the guest's RAM"));
    g_clear_error(&err);

    g_unlink(kpath);
    g_unlink(mpath);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/multiboot/aout/load", test_aout_load);
    g_test_add_func("/multiboot/aout/no-append", test_aout_no_append);
    g_test_add_func("/multiboot/aout/offsets", test_aout_offsets);
    g_test_add_func("/multiboot/aout/low-kernel", test_aout_low_kernel);
    g_test_add_func("/multiboot/elf/load", test_elf_load);
    g_test_add_func("/multiboot/elf/identity", test_elf_identity);
    g_test_add_func("/multiboot/run", test_run);
    g_test_add_func("/multiboot/reload", test_reload);
    g_test_add_func("/multiboot/detect", test_detect);
    g_test_add_func("/multiboot/bad/header", test_bad_header);
    g_test_add_func("/multiboot/bad/flags", test_bad_flags);
    g_test_add_func("/multiboot/bad/aout", test_bad_aout);
    g_test_add_func("/multiboot/bad/elf", test_bad_elf);
    g_test_add_func("/multiboot/bad/placement", test_bad_placement);
    g_test_add_func("/multiboot/bad/modules", test_bad_modules);
    g_test_add_func("/multiboot/open", test_open);
    return g_test_run();
}
