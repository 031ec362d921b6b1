/*
 * Linux bzImage direct boot, 32-bit boot protocol (Linux Documentation/arch/x86/boot.rst):
 * checks the real-mode kernel header ("The Real-Mode Kernel Header", protocol 2.06+ with
 * LOADED_HIGH), skips the real-mode setup, loads the protected-mode kernel at 1 MiB
 * ("Loading The Rest of The Kernel") and the initrd as high as initrd_addr_max allows,
 * fills struct boot_params (setup header, E820 map, command line, ramdisk) and enters the
 * kernel as "32-bit Boot Protocol" says. Every check runs before the first byte is written.
 */
#include "vm/bzimage.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "base/bytes.h"
#include "cpu/seg.h"

/* Setup header fields, as offsets in the file and in boot_params alike. */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_BOOT_FLAG 0x1fe
#define BZ_JUMP 0x200            /* a short jump; its displacement byte ends the header */
#define BZ_HEADER 0x202          /* "HdrS" */
#define BZ_VERSION 0x206
#define BZ_TYPE_OF_LOADER 0x210
#define BZ_LOADFLAGS 0x211
#define BZ_CODE32_START 0x214
#define BZ_RAMDISK_IMAGE 0x218
#define BZ_RAMDISK_SIZE 0x21c
#define BZ_CMD_LINE_PTR 0x228
#define BZ_INITRD_ADDR_MAX 0x22c
#define BZ_RELOCATABLE 0x234
#define BZ_CMDLINE_SIZE 0x238
#define BZ_PREF_ADDRESS 0x258
#define BZ_INIT_SIZE 0x260
#define BZ_HEADER_MAX_END 0x290  /* boot_params.edd_mbr_sig_buffer follows the header */

/* Other boot_params fields (arch/x86/include/uapi/asm/bootparam.h). */
#define BZ_ALT_MEM_K 0x1e0
#define BZ_E820_ENTRIES 0x1e8
#define BZ_E820_TABLE 0x2d0
#define BZ_E820_ENTRY 20u        /* addr (8), size (8), type (4) */
#define BZ_PARAMS_SIZE 0x1000u

#define BZ_BOOT_FLAG_MAGIC 0xaa55u
#define BZ_HDRS_MAGIC 0x53726448u  /* "HdrS" */
#define BZ_LOADED_HIGH 0x01u
#define BZ_LOADER_UNDEFINED 0xffu
#define BZ_SECTOR 512u
#define BZ_DEFAULT_SETUP_SECTS 4u
#define BZ_DEFAULT_INITRD_MAX 0x37ffffffu   /* before protocol 2.03 */

/* The PC memory map below 1 MiB: the EBDA's kilobyte, the BIOS area. */
#define BZ_LOW_END 0x9fc00u
#define BZ_EBDA_END 0xa0000u
#define BZ_BIOS_START 0xf0000u
#define BZ_HIGH_START 0x100000u
#define BZ_E820_RAM 1u
#define BZ_E820_RESERVED 2u

/* One load in progress: the header's verdicts and where everything goes. */
typedef struct BzLoad {
    const BzImage *img;
    uint64_t ram_bytes;
    const uint8_t *file;
    size_t size;
    uint16_t version;
    uint32_t setup_size;        /* the boot sector and the real-mode setup, skipped */
    uint32_t header_end;        /* file offset where the setup header ends */
    uint64_t kernel_end;        /* first byte above everything the kernel may use */
    uint64_t initrd_addr;
    size_t initrd_size;
} BzLoad;

G_DEFINE_QUARK(wirt-bzimage-error-quark, bzimage_error)

static bool bz_fail(GError **err, BzImageError code, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static bool bz_fail(GError **err, BzImageError code, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, BZIMAGE_ERROR, code, "%s: %s", path, msg);
    return false;
}

/* ---- the image ---- */

BzImage *bzimage_image_new(const char *kernel_path, GBytes *kernel, const char *append)
{
    BzImage *img = g_new0(BzImage, 1);
    img->kernel_path = g_strdup(kernel_path);
    img->kernel = g_bytes_ref(kernel);
    img->cmdline = g_strdup(append ? append : "");
    return img;
}

void bzimage_set_initrd(BzImage *img, const char *path, GBytes *data)
{
    g_free(img->initrd_path);
    if (img->initrd) {
        g_bytes_unref(img->initrd);
    }
    img->initrd_path = g_strdup(path);
    img->initrd = g_bytes_ref(data);
}

void bzimage_image_free(BzImage *img)
{
    if (!img) {
        return;
    }
    if (img->initrd) {
        g_bytes_unref(img->initrd);
    }
    g_free(img->initrd_path);
    g_free(img->cmdline);
    g_bytes_unref(img->kernel);
    g_free(img->kernel_path);
    g_free(img);
}

/* Reads the initrd, refusing one larger than RAM before reading it. */
static GBytes *bz_read_initrd(const char *path, uint64_t ram_bytes, GError **err)
{
    GStatBuf st;
    g_autoptr(GError) e = NULL;
    gchar *data;
    gsize len;

    if (g_stat(path, &st) != 0) {
        bz_fail(err, BZIMAGE_ERROR_FILE, path, "cannot read initrd: %s", g_strerror(errno));
        return NULL;
    }
    if ((uint64_t)st.st_size > ram_bytes) {
        bz_fail(err, BZIMAGE_ERROR_FILE, path, "initrd of %" PRIu64 " bytes is larger than "
                "the guest's RAM (%" PRIu64 " bytes)", (uint64_t)st.st_size, ram_bytes);
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &e)) {
        bz_fail(err, BZIMAGE_ERROR_FILE, path, "cannot read initrd: %s", e->message);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

BzImage *bzimage_open(const char *kernel_path, GBytes *kernel, const char *append,
                      const char *initrd_path, uint64_t ram_bytes, GError **err)
{
    BzImage *img = bzimage_image_new(kernel_path, kernel, append);
    GBytes *initrd;

    if (!initrd_path) {
        return img;
    }
    initrd = bz_read_initrd(initrd_path, ram_bytes, err);
    if (!initrd) {
        bzimage_image_free(img);
        return NULL;
    }
    bzimage_set_initrd(img, initrd_path, initrd);
    g_bytes_unref(initrd);
    return img;
}

bool bzimage_detect(const void *data, size_t len)
{
    const uint8_t *p = data;
    return len >= BZ_HEADER + 4 && ld16_le(p + BZ_BOOT_FLAG) == BZ_BOOT_FLAG_MAGIC &&
           ld32_le(p + BZ_HEADER) == BZ_HDRS_MAGIC;
}

/* ---- the header ---- */

static bool bz_check_magic(BzLoad *l, GError **err)
{
    if (!bzimage_detect(l->file, l->size) || l->size < BZ_VERSION + 2) {
        return bz_fail(err, BZIMAGE_ERROR_FORMAT, l->img->kernel_path, "not a Linux bzImage "
                       "(no boot_flag 0xAA55 at offset 0x1fe and \"HdrS\" at offset 0x202)");
    }
    l->version = ld16_le(l->file + BZ_VERSION);
    if (l->version < BZIMAGE_MIN_VERSION) {
        return bz_fail(err, BZIMAGE_ERROR_PROTOCOL, l->img->kernel_path, "boot protocol "
                       "%u.%02u is too old: wirt needs 2.06 or later (Linux 2.6.22+)",
                       l->version >> 8, l->version & 0xff);
    }
    return true;
}

/* setup_sects, LOADED_HIGH and the header's length, against the file. */
static bool bz_check_layout(BzLoad *l, GError **err)
{
    const char *path = l->img->kernel_path;
    unsigned sects = l->file[BZ_SETUP_SECTS] ? l->file[BZ_SETUP_SECTS]
                                              : BZ_DEFAULT_SETUP_SECTS;
    uint8_t loadflags = l->size > BZ_LOADFLAGS ? l->file[BZ_LOADFLAGS] : 0;

    if (!(loadflags & BZ_LOADED_HIGH)) {
        return bz_fail(err, BZIMAGE_ERROR_PROTOCOL, path, "a zImage, not a bzImage: "
                       "loadflags 0x%02x lack LOADED_HIGH (bit 0), so the kernel wants "
                       "loading at 0x10000, which wirt does not do", loadflags);
    }
    l->setup_size = (sects + 1) * BZ_SECTOR;
    l->header_end = MIN(BZ_HEADER + (uint32_t)l->file[BZ_JUMP + 1], BZ_HEADER_MAX_END);
    if (l->setup_size >= l->size || l->header_end > l->setup_size) {
        return bz_fail(err, BZIMAGE_ERROR_FORMAT, path, "setup_sects %u puts the "
                       "protected-mode kernel at offset 0x%x, but the file has %zu bytes "
                       "and its setup header ends at 0x%x", sects, l->setup_size, l->size,
                       l->header_end);
    }
    return true;
}

static uint32_t bz_field32(const BzLoad *l, uint32_t off, uint16_t since, uint32_t dflt)
{
    return l->version >= since && off + 4 <= l->header_end ? ld32_le(l->file + off) : dflt;
}

static bool bz_check_cmdline(const BzLoad *l, GError **err)
{
    size_t len = strlen(l->img->cmdline);
    uint32_t max = MIN(bz_field32(l, BZ_CMDLINE_SIZE, 0x0206, 255),
                       BZ_LOW_END - BZIMAGE_CMDLINE_ADDR - 1);

    if (len > max) {
        return bz_fail(err, BZIMAGE_ERROR_CMDLINE, l->img->kernel_path, "the command line "
                       "has %zu bytes, more than the kernel's cmdline_size of %u", len, max);
    }
    return true;
}

/*
 * The kernel at 1 MiB needs init_size bytes from its load address to decompress; a kernel
 * decompresses to pref_address (LOAD_PHYSICAL_ADDR) when that lies higher.
 */
static bool bz_check_kernel(BzLoad *l, GError **err)
{
    uint64_t payload = l->size - l->setup_size;
    uint64_t init_size = bz_field32(l, BZ_INIT_SIZE, 0x020a, 0);
    uint64_t pref = 0;

    if (l->version >= 0x020a && BZ_PREF_ADDRESS + 8 <= l->header_end) {
        pref = ld64_le(l->file + BZ_PREF_ADDRESS);
    }
    l->kernel_end = MAX(BZIMAGE_KERNEL_ADDR + MAX(payload, init_size), pref + init_size);
    if (l->kernel_end > l->ram_bytes) {
        return bz_fail(err, BZIMAGE_ERROR_PLACEMENT, l->img->kernel_path, "the kernel needs "
                       "RAM up to 0x%" PRIx64 " (%" PRIu64 " bytes at 0x%x, init_size 0x%"
                       PRIx64 ", pref_address 0x%" PRIx64 "), more than the guest's %" PRIu64
                       " MiB", l->kernel_end, payload, BZIMAGE_KERNEL_ADDR, init_size, pref,
                       l->ram_bytes >> 20);
    }
    return true;
}

/* The initrd goes page-aligned as high as initrd_addr_max and RAM allow, above the kernel. */
static bool bz_place_initrd(BzLoad *l, GError **err)
{
    uint64_t max = bz_field32(l, BZ_INITRD_ADDR_MAX, 0x0203, BZ_DEFAULT_INITRD_MAX);
    uint64_t limit = MIN(max + 1, l->ram_bytes);

    if (!l->img->initrd) {
        return true;
    }
    l->initrd_size = g_bytes_get_size(l->img->initrd);
    if (l->initrd_size > limit || ((limit - l->initrd_size) & PAGE_MASK) < l->kernel_end) {
        return bz_fail(err, BZIMAGE_ERROR_PLACEMENT, l->img->initrd_path, "initrd of %zu "
                       "bytes does not fit between the kernel's end 0x%" PRIx64 " and 0x%"
                       PRIx64 " (the lower of initrd_addr_max and the end of RAM)",
                       l->initrd_size, l->kernel_end, limit - 1);
    }
    l->initrd_addr = (limit - l->initrd_size) & PAGE_MASK;
    return true;
}

/* ---- boot_params ---- */

static void bz_put_e820(uint8_t *p, unsigned *n, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t *e = p + BZ_E820_TABLE + *n * BZ_E820_ENTRY;
    st64_le(e, addr);
    st64_le(e + 8, size);
    st32_le(e + 16, type);
    (*n)++;
}

/* RAM below the EBDA, the EBDA, the BIOS, RAM above 1 MiB (bz_check_kernel: > 1 MiB). */
static void bz_put_memory(uint8_t *p, uint64_t ram_bytes)
{
    unsigned n = 0;

    bz_put_e820(p, &n, 0, BZ_LOW_END, BZ_E820_RAM);
    bz_put_e820(p, &n, BZ_LOW_END, BZ_EBDA_END - BZ_LOW_END, BZ_E820_RESERVED);
    bz_put_e820(p, &n, BZ_BIOS_START, BZ_HIGH_START - BZ_BIOS_START, BZ_E820_RESERVED);
    bz_put_e820(p, &n, BZ_HIGH_START, ram_bytes - BZ_HIGH_START, BZ_E820_RAM);
    p[BZ_E820_ENTRIES] = (uint8_t)n;
    st32_le(p + BZ_ALT_MEM_K, (uint32_t)MIN((ram_bytes - BZ_HIGH_START) >> 10, UINT32_MAX));
}

/* The zero page: zeroed, the image's setup header, then what the loader must fill in. */
static uint8_t *bz_build_params(const BzLoad *l)
{
    uint8_t *p = g_malloc0(BZ_PARAMS_SIZE);

    memcpy(p + BZ_SETUP_SECTS, l->file + BZ_SETUP_SECTS, l->header_end - BZ_SETUP_SECTS);
    p[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
    st32_le(p + BZ_CODE32_START, BZIMAGE_KERNEL_ADDR);
    st32_le(p + BZ_CMD_LINE_PTR, BZIMAGE_CMDLINE_ADDR);
    st32_le(p + BZ_RAMDISK_IMAGE, (uint32_t)l->initrd_addr);
    st32_le(p + BZ_RAMDISK_SIZE, (uint32_t)l->initrd_size);
    bz_put_memory(p, l->ram_bytes);
    return p;
}

/* A flat 4 GiB descriptor's high dword: base 0, limit 0xfffff pages, 32-bit, DPL 0. */
static uint32_t bz_flat_desc_hi(uint32_t type)
{
    return ((DESC_G | DESC_DB | DESC_P | DESC_S | type) << 8) | 0x000f0000u;
}

static void bz_write_gdt(PhysMem *pm)
{
    uint8_t gdt[32] = { 0 };

    st32_le(gdt + BZIMAGE_BOOT_CS, 0xffff);
    st32_le(gdt + BZIMAGE_BOOT_CS + 4, bz_flat_desc_hi(DESC_CODE | DESC_R | DESC_A));
    st32_le(gdt + BZIMAGE_BOOT_DS, 0xffff);
    st32_le(gdt + BZIMAGE_BOOT_DS + 4, bz_flat_desc_hi(DESC_W | DESC_A));
    physmem_load(pm, BZIMAGE_GDT_ADDR, gdt, sizeof(gdt));
}

static void bz_write(const BzLoad *l, PhysMem *pm)
{
    g_autofree uint8_t *params = bz_build_params(l);

    physmem_load(pm, BZIMAGE_KERNEL_ADDR, l->file + l->setup_size, l->size - l->setup_size);
    if (l->img->initrd) {
        physmem_load(pm, l->initrd_addr, g_bytes_get_data(l->img->initrd, NULL),
                     l->initrd_size);
    }
    physmem_load(pm, BZIMAGE_PARAMS_ADDR, params, BZ_PARAMS_SIZE);
    physmem_load(pm, BZIMAGE_CMDLINE_ADDR, l->img->cmdline, strlen(l->img->cmdline) + 1);
    bz_write_gdt(pm);
}

/* ---- the CPU ("32-bit Boot Protocol") ---- */

static void bz_enter(CPUState *cpu)
{
    cpu_reset(cpu);
    cpu->cr[0] = CR0_ET | CR0_PE;
    cpu_set_eflags(cpu, 0);
    cpu->gdtr = (DescTable){ .base = BZIMAGE_GDT_ADDR, .limit = 31 };
    seg_from_descriptor(&cpu->seg[SEG_CS], BZIMAGE_BOOT_CS, 0xffff,
                        bz_flat_desc_hi(DESC_CODE | DESC_R | DESC_A));
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        if (s != SEG_CS) {
            seg_from_descriptor(&cpu->seg[s], BZIMAGE_BOOT_DS, 0xffff,
                                bz_flat_desc_hi(DESC_W | DESC_A));
        }
    }
    cpu_set_cpl(cpu, 0);
    cpu->regs[R_ESI] = BZIMAGE_PARAMS_ADDR;
    cpu->regs[R_EBX] = cpu->regs[R_EBP] = cpu->regs[R_EDI] = 0;
    /* The protocol sets no stack; below boot_params is free low RAM. */
    cpu->regs[R_ESP] = BZIMAGE_PARAMS_ADDR;
    cpu->eip = BZIMAGE_KERNEL_ADDR;
    tlb_flush_all(&cpu->tlb);
    cpu_tb_flush_jmp_cache(cpu);
}

bool bzimage_load(const BzImage *img, PhysMem *pm, uint64_t ram_bytes, CPUState *cpu,
                  GError **err)
{
    BzLoad l = { .img = img, .ram_bytes = ram_bytes };

    l.file = g_bytes_get_data(img->kernel, &l.size);
    if (!(bz_check_magic(&l, err) && bz_check_layout(&l, err) && bz_check_cmdline(&l, err) &&
          bz_check_kernel(&l, err) && bz_place_initrd(&l, err))) {
        return false;
    }
    physmem_set_a20(pm, true);    /* before loading above 1 MiB */
    bz_write(&l, pm);
    bz_enter(cpu);
    return true;
}
