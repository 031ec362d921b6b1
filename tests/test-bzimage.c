/*
 * Unit tests of the Linux bzImage loader (vm/bzimage.c) against the Linux boot protocol
 * (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header" and "32-bit Boot
 * Protocol"): synthetic bzImages built in memory, loaded into a bare machine; the
 * boot_params, E820 map, command line, initrd and CPU state they get; and every bad input,
 * which must fail with one line naming the file and leave memory and CPU untouched.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "base/bytes.h"
#include "vm/bzimage.h"
#include "vm/machine.h"

#include "guestmem.h"

#define RAM (32u << 20)
#define KPATH "test-bzimage"
#define IPATH "test-initrd"
#define KERNEL BZIMAGE_KERNEL_ADDR
#define PARAMS BZIMAGE_PARAMS_ADDR
#define CANARY 0xaa
#define HEADER_END 0x26c    /* protocol 2.15: 0x202 + the jump's displacement 0x6a */

/* ---- kernels built in memory ---- */

typedef struct Bz {
    size_t size;
    uint8_t setup_sects, loadflags;
    uint16_t version;
    uint32_t initrd_max, cmdline_size, init_size;
    uint64_t pref;
    bool no_hdrs;
} Bz;

/* Two setup sectors after the boot sector, a 0x3000-byte protected-mode kernel. */
static Bz bz_default(void)
{
    return (Bz){
        .size = 0x600 + 0x3000, .setup_sects = 2, .loadflags = 0x01, .version = 0x020f,
        .initrd_max = 0x7fffffff, .cmdline_size = 2047, .init_size = 0x8000,
        .pref = KERNEL,
    };
}

/* 32-bit code at the kernel's entry: reads boot_params, reloads DS/SS and CS, halts. */
static const uint8_t payload[] = {
    0x8b, 0x8e, 0x28, 0x02, 0x00, 0x00,         /* mov ecx, [esi + 0x228] (cmd_line_ptr) */
    0x8b, 0x96, 0x18, 0x02, 0x00, 0x00,         /* mov edx, [esi + 0x218] (ramdisk_image) */
    0xb8, 0x18, 0x00, 0x00, 0x00,               /* mov eax, 0x18 */
    0x8e, 0xd8,                                 /* mov ds, ax */
    0x8e, 0xd0,                                 /* mov ss, ax */
    0xea, 28, 0x00, 0x10, 0x00, 0x10, 0x00,     /* jmp 0x10:KERNEL + 28 */
    0x8b, 0xbe, 0xe8, 0x01, 0x00, 0x00,         /* mov edi, [esi + 0x1e8] (e820_entries) */
    0xf4,                                       /* hlt */
};

static GBytes *bz_build(const Bz *z)
{
    uint8_t *b = g_malloc(z->size);
    size_t setup = (size_t)((z->setup_sects ? z->setup_sects : 4) + 1) * 512;

    for (size_t i = 0; i < z->size; i++) {
        b[i] = (uint8_t)(i * 7 + 1);
    }
    memset(b + 0x1f1, 0, MIN(z->size, (size_t)0x290) - 0x1f1);
    b[0x1f1] = z->setup_sects;
    st16_le(b + 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = HEADER_END - 0x202;
    st32_le(b + 0x202, z->no_hdrs ? 0 : 0x53726448);
    st16_le(b + 0x206, z->version);
    b[0x211] = z->loadflags;
    st32_le(b + 0x214, KERNEL);
    st32_le(b + 0x22c, z->initrd_max);
    st32_le(b + 0x230, 0x200000);
    b[0x234] = 1;
    st32_le(b + 0x238, z->cmdline_size);
    st64_le(b + 0x258, z->pref);
    st32_le(b + 0x260, z->init_size);
    if (setup + sizeof(payload) <= z->size) {
        memcpy(b + setup, payload, sizeof(payload));
    }
    return g_bytes_new_take(b, z->size);
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

static uint64_t rd(Machine *m, uint64_t addr, unsigned size)
{
    return physmem_read(&m->pm, addr, size);
}

static bool load(Machine *m, const BzImage *img, uint64_t ram_bytes, GError **err)
{
    return bzimage_load(img, &m->pm, ram_bytes, &m->cpu, err);
}

/* ---- checks of a successful load ---- */

/* "32-bit Boot Protocol": flat CS 0x10 and DS/ES/SS 0x18 from a GDT, ESI, zeroed GPRs. */
static void assert_entry_state(Machine *m)
{
    CPUState *c = &m->cpu;
    g_assert_cmphex(c->eip, ==, KERNEL);
    g_assert_cmphex(c->regs[R_ESI], ==, PARAMS);
    g_assert_cmphex(c->regs[R_EBX] | c->regs[R_EBP] | c->regs[R_EDI], ==, 0);
    g_assert_cmphex(c->cr[0] & (CR0_PE | CR0_PG), ==, CR0_PE);
    g_assert_cmphex(cpu_get_eflags(c) & (FL_IF | FL_VM), ==, 0);
    g_assert_cmpuint(c->cpl, ==, 0);
    g_assert_true(cpu_code32(c) && cpu_stack32(c));
    g_assert_cmphex(c->seg[SEG_CS].sel, ==, 0x10);
    g_assert_true(c->seg[SEG_CS].attr & DESC_CODE);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        g_assert_cmphex(c->seg[s].base, ==, 0);
        g_assert_cmphex(c->seg[s].limit, ==, 0xffffffffu);
        g_assert_true(c->seg[s].attr & DESC_P);
        if (s != SEG_CS) {
            g_assert_cmphex(c->seg[s].sel, ==, 0x18);
            g_assert_cmphex(c->seg[s].attr & (DESC_CODE | DESC_W), ==, DESC_W);
        }
    }
    g_assert_cmphex(c->gdtr.base, ==, BZIMAGE_GDT_ADDR);
    g_assert_cmphex(c->gdtr.limit, ==, 31);
    g_assert_cmphex(rd(m, BZIMAGE_GDT_ADDR + 0x10, 8), ==, 0x00cf9b000000ffffull);
    g_assert_cmphex(rd(m, BZIMAGE_GDT_ADDR + 0x18, 8), ==, 0x00cf93000000ffffull);
    g_assert_cmphex(rd(m, BZIMAGE_GDT_ADDR, 8), ==, 0);
    g_assert_cmphex(m->pm.a20_mask, ==, ~(uint64_t)0);
}

/* The E820 map: low RAM, the EBDA, the BIOS, RAM from 1 MiB; alt_mem_k. */
static void assert_e820(Machine *m, uint64_t ram_bytes)
{
    const uint64_t want[4][3] = {
        { 0, 0x9fc00, 1 },
        { 0x9fc00, 0x400, 2 },
        { 0xf0000, 0x10000, 2 },
        { 0x100000, ram_bytes - 0x100000, 1 },
    };
    g_assert_cmpuint(rd(m, PARAMS + 0x1e8, 1), ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t e = PARAMS + 0x2d0 + 20 * i;
        g_assert_cmphex(rd(m, e, 8), ==, want[i][0]);
        g_assert_cmphex(rd(m, e + 8, 8), ==, want[i][1]);
        g_assert_cmpuint(rd(m, e + 16, 4), ==, want[i][2]);
    }
    assert_zero(m, PARAMS + 0x2d0 + 4 * 20, 20);
    g_assert_cmpuint(rd(m, PARAMS + 0x1e0, 4), ==, (ram_bytes >> 10) - 1024);
}

/* The setup header is the file's, but for the fields the loader fills in. */
static void assert_params(Machine *m, GBytes *kernel, uint32_t initrd, uint32_t initrd_size)
{
    uint8_t *want = g_memdup2((const uint8_t *)g_bytes_get_data(kernel, NULL) + 0x1f1,
                              HEADER_END - 0x1f1);
    want[0x210 - 0x1f1] = 0xff;
    st32_le(want + 0x214 - 0x1f1, KERNEL);
    st32_le(want + 0x218 - 0x1f1, initrd);
    st32_le(want + 0x21c - 0x1f1, initrd_size);
    st32_le(want + 0x228 - 0x1f1, BZIMAGE_CMDLINE_ADDR);
    assert_mem(m, PARAMS + 0x1f1, want, HEADER_END - 0x1f1);
    assert_zero(m, PARAMS, 0x1e0);                  /* screen_info ... (no video) */
    assert_zero(m, PARAMS + 0x1e9, 0x1f1 - 0x1e9);  /* ... sentinel included */
    assert_zero(m, PARAMS + HEADER_END, 0x2d0 - HEADER_END);
    assert_zero(m, PARAMS + 0x2d0 + 5 * 20, 0x1000 - 0x2d0 - 5 * 20);
    g_free(want);
}

/* ---- successful loads ---- */

static void test_load(void)
{
    Bz z = bz_default();
    g_autoptr(GBytes) kernel = bz_build(&z);
    g_autoptr(GBytes) initrd = g_bytes_new_static("an initrd of 25 bytes....", 25);
    BzImage *img = bzimage_image_new(KPATH, kernel, "console=ttyS0 root=/dev/ram0");
    Machine *m = vm_new(RAM);
    uint32_t iaddr = RAM - 0x1000;
    GError *err = NULL;

    bzimage_set_initrd(img, IPATH, initrd);
    g_assert_true(load(m, img, RAM, &err));
    g_assert_no_error(err);
    assert_entry_state(m);
    assert_params(m, kernel, iaddr, 25);
    assert_e820(m, RAM);
    g_autofree char *cmdline = rd_string(m, BZIMAGE_CMDLINE_ADDR);
    g_assert_cmpstr(cmdline, ==, "console=ttyS0 root=/dev/ram0");
    assert_mem(m, iaddr, "an initrd of 25 bytes....", 25);
    assert_mem(m, KERNEL, (const uint8_t *)g_bytes_get_data(kernel, NULL) + 0x600, 0x3000);
    g_assert_cmphex(rd(m, KERNEL - 4, 4), ==, 0xaaaaaaaau);     /* the setup stays out */
    bzimage_image_free(img);
    machine_free(m);
}

/* No --append, no initrd: an empty command line, ramdisk fields zero. */
static void test_load_bare(void)
{
    Bz z = bz_default();
    z.setup_sects = 0;          /* means 4 */
    z.size = 0xa00 + 0x1000;
    g_autoptr(GBytes) kernel = bz_build(&z);
    BzImage *img = bzimage_image_new(KPATH, kernel, NULL);
    Machine *m = vm_new(RAM);

    g_assert_true(load(m, img, RAM, NULL));
    assert_entry_state(m);
    assert_params(m, kernel, 0, 0);
    g_assert_cmphex(rd(m, BZIMAGE_CMDLINE_ADDR, 1), ==, 0);
    assert_mem(m, KERNEL, (const uint8_t *)g_bytes_get_data(kernel, NULL) + 0xa00, 0x1000);
    bzimage_image_free(img);
    machine_free(m);
}

/* The initrd goes page-aligned just below initrd_addr_max + 1 when RAM reaches higher. */
static void test_initrd_max(void)
{
    Bz z = bz_default();
    z.initrd_max = 0xfffffe;    /* 16 MiB - 2: the limit is 16 MiB - 1 */
    g_autoptr(GBytes) kernel = bz_build(&z);
    uint8_t *data = g_malloc(0x2345);
    memset(data, 0x5a, 0x2345);
    g_autoptr(GBytes) initrd = g_bytes_new_take(data, 0x2345);
    BzImage *img = bzimage_image_new(KPATH, kernel, "x");
    Machine *m = vm_new(RAM);
    uint32_t want = (0xffffff - 0x2345) & ~0xfffu;

    bzimage_set_initrd(img, IPATH, initrd);
    g_assert_true(load(m, img, RAM, NULL));
    g_assert_cmphex(rd(m, PARAMS + 0x218, 4), ==, want);
    g_assert_cmphex(rd(m, PARAMS + 0x21c, 4), ==, 0x2345);
    assert_mem(m, want, g_bytes_get_data(initrd, NULL), 0x2345);
    bzimage_image_free(img);
    machine_free(m);
}

/* The kernel runs: it reads boot_params through ESI and reloads segments from the GDT. */
static void test_run(void)
{
    Bz z = bz_default();
    g_autoptr(GBytes) kernel = bz_build(&z);
    g_autoptr(GBytes) initrd = g_bytes_new_static("rd", 2);
    BzImage *img = bzimage_image_new(KPATH, kernel, "quiet");
    Machine *m = vm_new(RAM);

    bzimage_set_initrd(img, IPATH, initrd);
    g_assert_true(load(m, img, RAM, NULL));
    g_assert_cmpint(machine_run(m, 100), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, KERNEL + sizeof(payload));
    g_assert_cmphex(m->cpu.regs[R_ECX], ==, BZIMAGE_CMDLINE_ADDR);
    g_assert_cmphex(m->cpu.regs[R_EDX], ==, RAM - 0x1000);
    g_assert_cmphex(m->cpu.regs[R_EDI], ==, 4);
    g_assert_cmphex(m->cpu.seg[SEG_CS].sel, ==, 0x10);
    g_assert_cmphex(m->cpu.seg[SEG_SS].sel, ==, 0x18);
    bzimage_image_free(img);
    machine_free(m);
}

/* Loading again (a reset) restores everything the guest scribbled over. */
static void test_reload(void)
{
    Bz z = bz_default();
    g_autoptr(GBytes) kernel = bz_build(&z);
    g_autoptr(GBytes) initrd = g_bytes_new_static("ramdisk", 7);
    BzImage *img = bzimage_image_new(KPATH, kernel, "a=b");
    Machine *m = vm_new(RAM);

    bzimage_set_initrd(img, IPATH, initrd);
    g_assert_true(load(m, img, RAM, NULL));
    for (uint64_t p = 0; p < 0x1000; p += 4) {
        physmem_write(&m->pm, KERNEL + p, 0xdeadbeef, 4);
        physmem_write(&m->pm, PARAMS + p, 0xdeadbeef, 4);
        physmem_write(&m->pm, BZIMAGE_GDT_ADDR + p, 0xdeadbeef, 4);
        physmem_write(&m->pm, BZIMAGE_CMDLINE_ADDR + p, 0xdeadbeef, 4);
        physmem_write(&m->pm, RAM - 0x1000 + p, 0xdeadbeef, 4);
    }
    cpu_reset(&m->cpu);
    physmem_set_a20(&m->pm, false);
    g_assert_true(load(m, img, RAM, NULL));
    assert_entry_state(m);
    assert_params(m, kernel, RAM - 0x1000, 7);
    assert_e820(m, RAM);
    assert_mem(m, KERNEL, (const uint8_t *)g_bytes_get_data(kernel, NULL) + 0x600, 0x1000);
    assert_mem(m, BZIMAGE_CMDLINE_ADDR, "a=b", 4);
    assert_mem(m, RAM - 0x1000, "ramdisk", 7);
    bzimage_image_free(img);
    machine_free(m);
}

static void test_detect(void)
{
    Bz z = bz_default();
    g_autoptr(GBytes) kernel = bz_build(&z);
    uint8_t *b = g_memdup2(g_bytes_get_data(kernel, NULL), z.size);

    g_assert_true(bzimage_detect(b, z.size));
    g_assert_false(bzimage_detect(b, 0x205));
    b[0x1fe] = 0;
    g_assert_false(bzimage_detect(b, z.size));
    b[0x1fe] = 0x55;
    b[0x203] = 'X';
    g_assert_false(bzimage_detect(b, z.size));
    g_free(b);
}

/* ---- bad input: one error line naming the file, nothing written ---- */

static void expect_fail_img(const BzImage *img, uint64_t ram_bytes, const char *file,
                            BzImageError code, const char *what)
{
    Machine *m = vm_new(ram_bytes);
    g_autofree char *prefix = g_strdup_printf("%s: ", file);
    GError *err = NULL;

    g_assert_false(load(m, img, ram_bytes, &err));
    g_assert_error(err, BZIMAGE_ERROR, (int)code);
    g_test_message("%s", err->message);
    if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, what) ||
        strchr(err->message, '\n')) {
        g_error("message '%s' is not one line starting '%s' and containing '%s'",
                err->message, prefix, what);
    }
    g_assert_cmphex(m->cpu.eip, ==, 0xfff0);
    g_assert_cmphex(rd(m, PARAMS, 4), ==, 0xaaaaaaaau);
    g_assert_cmphex(rd(m, BZIMAGE_CMDLINE_ADDR, 4), ==, 0xaaaaaaaau);
    g_assert_cmphex(rd(m, KERNEL, 4), ==, 0xaaaaaaaau);
    g_clear_error(&err);
    machine_free(m);
}

static void expect_fail(const Bz *z, const char *append, BzImageError code, const char *what)
{
    g_autoptr(GBytes) kernel = bz_build(z);
    BzImage *img = bzimage_image_new(KPATH, kernel, append);
    expect_fail_img(img, RAM, KPATH, code, what);
    bzimage_image_free(img);
}

static void test_bad_header(void)
{
    Bz z = bz_default();
    z.no_hdrs = true;
    expect_fail(&z, NULL, BZIMAGE_ERROR_FORMAT, "not a Linux bzImage");
    z = bz_default();
    z.size = 0x300;
    expect_fail(&z, NULL, BZIMAGE_ERROR_FORMAT, "the file has 768 bytes");
    z = bz_default();
    z.size = 0x600;             /* the setup and nothing after it */
    expect_fail(&z, NULL, BZIMAGE_ERROR_FORMAT, "setup_sects 2");
    z = bz_default();
    z.version = 0x0205;
    expect_fail(&z, NULL, BZIMAGE_ERROR_PROTOCOL, "boot protocol 2.05 is too old");
    z = bz_default();
    z.loadflags = 0x80;
    expect_fail(&z, NULL, BZIMAGE_ERROR_PROTOCOL, "LOADED_HIGH");
}

static void test_bad_cmdline(void)
{
    Bz z = bz_default();
    z.cmdline_size = 10;
    expect_fail(&z, "0123456789a", BZIMAGE_ERROR_CMDLINE, "cmdline_size of 10");
    g_autoptr(GBytes) kernel = bz_build(&z);
    BzImage *img = bzimage_image_new(KPATH, kernel, "0123456789");   /* exactly fits */
    Machine *m = vm_new(RAM);
    g_assert_true(load(m, img, RAM, NULL));
    bzimage_image_free(img);
    machine_free(m);
}

static void test_bad_placement(void)
{
    Bz z = bz_default();
    z.init_size = RAM;          /* 1 MiB + init_size exceeds RAM */
    expect_fail(&z, NULL, BZIMAGE_ERROR_PLACEMENT, "more than the guest's 32 MiB");
    z = bz_default();
    z.pref = 0x1000000;
    z.init_size = RAM - 0x1000000 + 1;
    expect_fail(&z, NULL, BZIMAGE_ERROR_PLACEMENT, "pref_address 0x1000000");

    z = bz_default();
    z.pref = 0x1000000;
    z.init_size = 0x800000;     /* the kernel may use RAM up to 24 MiB */
    g_autoptr(GBytes) kernel = bz_build(&z);
    gsize big = RAM - 0x1800000 + 1;
    g_autoptr(GBytes) initrd = g_bytes_new_take(g_malloc0(big), big);
    BzImage *img = bzimage_image_new(KPATH, kernel, NULL);
    bzimage_set_initrd(img, IPATH, initrd);
    expect_fail_img(img, RAM, IPATH, BZIMAGE_ERROR_PLACEMENT, "does not fit");
    bzimage_image_free(img);
}

static void test_open(void)
{
    Bz z = bz_default();
    g_autoptr(GBytes) kernel = bz_build(&z);
    g_autofree char *dir = g_dir_make_tmp("wirt-bzimage-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "initrd", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    GError *err = NULL;
    BzImage *img;

    g_assert_true(g_file_set_contents(path, "0123456789", 10, NULL));
    img = bzimage_open(KPATH, kernel, "c", path, RAM, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(g_bytes_get_size(img->initrd), ==, 10);
    g_assert_cmpstr(img->initrd_path, ==, path);
    g_assert_cmpstr(img->cmdline, ==, "c");
    bzimage_image_free(img);
    g_assert_null(bzimage_open(KPATH, kernel, NULL, path, 9, &err));
    g_assert_error(err, BZIMAGE_ERROR, BZIMAGE_ERROR_FILE);
    g_assert_true(g_str_has_prefix(err->message, path));
    g_assert_nonnull(strstr(err->message, "larger than the guest's RAM"));
    g_clear_error(&err);
    g_assert_null(bzimage_open(KPATH, kernel, NULL, missing, RAM, &err));
    g_assert_error(err, BZIMAGE_ERROR, BZIMAGE_ERROR_FILE);
    g_assert_true(g_str_has_prefix(err->message, missing));
    g_clear_error(&err);
    img = bzimage_open(KPATH, kernel, NULL, NULL, RAM, &err);
    g_assert_null(img->initrd);
    bzimage_image_free(img);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bzimage/load", test_load);
    g_test_add_func("/bzimage/load-bare", test_load_bare);
    g_test_add_func("/bzimage/initrd-max", test_initrd_max);
    g_test_add_func("/bzimage/run", test_run);
    g_test_add_func("/bzimage/reload", test_reload);
    g_test_add_func("/bzimage/detect", test_detect);
    g_test_add_func("/bzimage/bad/header", test_bad_header);
    g_test_add_func("/bzimage/bad/cmdline", test_bad_cmdline);
    g_test_add_func("/bzimage/bad/placement", test_bad_placement);
    g_test_add_func("/bzimage/open", test_open);
    return g_test_run();
}
