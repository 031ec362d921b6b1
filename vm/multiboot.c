/*
 * Multiboot v1 direct boot (Multiboot Specification 0.6.96): finds and checks the header
 * (3.1.1-3.1.2), plans where the image goes from ELF32 program headers or the a.out-kludge
 * address fields (3.1.3), places the modules page-aligned above the kernel, builds the
 * boot information (3.3: memory sizes, command line, modules, memory map, loader name)
 * and sets the machine state of 3.2. Every check runs before the first byte is written.
 */
#include "vm/multiboot.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "base/bytes.h"
#include "cpu/seg.h"

/* Header flags (3.1.2): bits 0-15 are requirements, bits 16-31 optional features. */
#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_MEMORY_INFO (1u << 1)
#define MB_FLAG_VIDEO_MODE (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_FLAGS_REQUIRED 0xffffu
#define MB_FLAGS_SUPPORTED (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

/* Header length: magic, flags, checksum; plus the five address fields with bit 16. */
#define MB_HEADER_BASE 12u
#define MB_HEADER_AOUT 32u

/* Boot information flags and field offsets (3.3). */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE_ADDR 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME_ADDR 64
#define MBI_SIZE 120u               /* 116 bytes with the framebuffer fields, rounded up */
#define MBI_MOD_SIZE 16u            /* mod_start, mod_end, string, reserved */
#define MBI_MMAP_ENTRY 24u          /* size (20), base_addr, length, type */
#define MBI_MMAP_AVAILABLE 1u
#define MBI_MMAP_RESERVED 2u
#define MB_LOADER_NAME "wirt"

/* ELF32 (System V ABI, Intel386 supplement). */
#define ELF_EHDR_SIZE 52u
#define ELF_PHDR_SIZE 32u
#define ELF_CLASS32 1
#define ELF_DATA_LSB 1
#define ELF_TYPE_EXEC 2
#define ELF_MACHINE_386 3
#define ELF_PT_LOAD 1

/* The flat selectors a Multiboot loader typically leaves in the segment registers. */
#define MB_CODE_SEL 0x08
#define MB_DATA_SEL 0x10

typedef struct MbSegment {
    uint64_t addr;              /* physical */
    uint32_t filesz, memsz;
    const uint8_t *src;
    int phdr;                   /* ELF: its program header's index; a.out kludge: -1 */
} MbSegment;

/* One load in progress: what was found in the kernel and where everything goes. */
typedef struct MbLoad {
    const MultibootImage *img;
    uint64_t ram_bytes;
    const uint8_t *file;
    size_t size;
    uint32_t hdr_off;           /* file offset of the header's magic */
    uint32_t flags;
    MbSegment *segs;
    unsigned nsegs;
    uint64_t entry;
    uint64_t kernel_end;        /* end of the highest segment */
    uint64_t *mod_addr;
    uint32_t info_size;
} MbLoad;

G_DEFINE_QUARK(wirt-multiboot-error-quark, multiboot_error)

static bool mb_fail(GError **err, MultibootError code, const char *path, const char *fmt,
                    ...) G_GNUC_PRINTF(4, 5);
static bool mb_fail(GError **err, MultibootError code, const char *path, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, MULTIBOOT_ERROR, code, "%s: %s", path, msg);
    return false;
}

/* ---- the image ---- */

MultibootImage *multiboot_image_new(const char *kernel_path, GBytes *kernel,
                                    const char *append)
{
    MultibootImage *img = g_new0(MultibootImage, 1);
    img->kernel_path = g_strdup(kernel_path);
    img->kernel = g_bytes_ref(kernel);
    /* As GRUB and QEMU do: the kernel's own name first, like argv[0]. */
    img->cmdline = append && *append ? g_strdup_printf("%s %s", kernel_path, append)
                                     : g_strdup(kernel_path);
    return img;
}

void multiboot_add_module(MultibootImage *img, const char *path, GBytes *data)
{
    img->modules = g_renew(MultibootModule, img->modules, img->nmodules + 1);
    img->modules[img->nmodules++] = (MultibootModule){ g_strdup(path), g_bytes_ref(data) };
}

void multiboot_image_free(MultibootImage *img)
{
    if (!img) {
        return;
    }
    for (unsigned i = 0; i < img->nmodules; i++) {
        g_free(img->modules[i].path);
        g_bytes_unref(img->modules[i].data);
    }
    g_free(img->modules);
    g_free(img->cmdline);
    g_bytes_unref(img->kernel);
    g_free(img->kernel_path);
    g_free(img);
}

/* Reads one whole file, refusing one larger than RAM before reading it. */
static GBytes *mb_read_file(const char *what, const char *path, uint64_t ram_bytes,
                            GError **err)
{
    GStatBuf st;
    g_autoptr(GError) e = NULL;
    gchar *data;
    gsize len;

    if (g_stat(path, &st) != 0) {
        mb_fail(err, MULTIBOOT_ERROR_FILE, path, "cannot read %s: %s", what,
                g_strerror(errno));
        return NULL;
    }
    if ((uint64_t)st.st_size > ram_bytes) {
        mb_fail(err, MULTIBOOT_ERROR_FILE, path, "%s of %" PRIu64 " bytes is larger than "
                "the guest's RAM (%" PRIu64 " bytes)", what, (uint64_t)st.st_size, ram_bytes);
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &e)) {
        mb_fail(err, MULTIBOOT_ERROR_FILE, path, "cannot read %s: %s", what, e->message);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

MultibootImage *multiboot_open(const char *kernel_path, const char *append,
                               char *const *module_paths, uint64_t ram_bytes, GError **err)
{
    GBytes *kernel = mb_read_file("kernel", kernel_path, ram_bytes, err);
    MultibootImage *img;

    if (!kernel) {
        return NULL;
    }
    img = multiboot_image_new(kernel_path, kernel, append);
    g_bytes_unref(kernel);
    for (unsigned i = 0; module_paths && module_paths[i]; i++) {
        GBytes *mod = mb_read_file("module", module_paths[i], ram_bytes, err);
        if (!mod) {
            multiboot_image_free(img);
            return NULL;
        }
        multiboot_add_module(img, module_paths[i], mod);
        g_bytes_unref(mod);
    }
    return img;
}

/* ---- the header (3.1) ---- */

static size_t mb_search_len(size_t size)
{
    return MIN(size, (size_t)MULTIBOOT_SEARCH_BYTES);
}

bool multiboot_detect(const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t off = 0; off + 4 <= mb_search_len(len); off += 4) {
        if (ld32_le(p + off) == MULTIBOOT_HEADER_MAGIC) {
            return true;
        }
    }
    return false;
}

/* Finds the first 32-bit aligned magic whose checksum holds (as GRUB does). */
static bool mb_find_header(MbLoad *l, GError **err)
{
    const char *path = l->img->kernel_path;
    int64_t bad = -1;

    for (size_t off = 0; off + MB_HEADER_BASE <= mb_search_len(l->size); off += 4) {
        const uint8_t *h = l->file + off;
        if (ld32_le(h) != MULTIBOOT_HEADER_MAGIC) {
            continue;
        }
        if ((uint32_t)(ld32_le(h) + ld32_le(h + 4) + ld32_le(h + 8)) == 0) {
            l->hdr_off = (uint32_t)off;
            l->flags = ld32_le(h + 4);
            return true;
        }
        bad = bad < 0 ? (int64_t)off : bad;
    }
    if (bad >= 0) {
        const uint8_t *h = l->file + bad;
        return mb_fail(err, MULTIBOOT_ERROR_CHECKSUM, path, "the Multiboot header at offset "
                       "0x%" PRIx64 " has a bad checksum 0x%08x, expected 0x%08x (magic + "
                       "flags + checksum must be 0 mod 2^32; flags are 0x%08x)", (uint64_t)bad,
                       ld32_le(h + 8), -(MULTIBOOT_HEADER_MAGIC + ld32_le(h + 4)),
                       ld32_le(h + 4));
    }
    return mb_fail(err, MULTIBOOT_ERROR_NO_HEADER, path, "not a Multiboot kernel (no header "
                   "with magic 0x%08x in its first %u bytes)", MULTIBOOT_HEADER_MAGIC,
                   MULTIBOOT_SEARCH_BYTES);
}

/* The loader must refuse a kernel whose required bits (0-15) it cannot satisfy (3.1.2). */
static bool mb_check_flags(const MbLoad *l, GError **err)
{
    const char *path = l->img->kernel_path;
    uint32_t missing = l->flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_SUPPORTED;
    uint32_t need = (l->flags & MB_FLAG_AOUT_KLUDGE) ? MB_HEADER_AOUT : MB_HEADER_BASE;

    if (missing & MB_FLAG_VIDEO_MODE) {
        return mb_fail(err, MULTIBOOT_ERROR_FLAGS, path, "the kernel requires a video mode "
                       "(header flags 0x%08x, bit 2), which wirt cannot set up", l->flags);
    }
    if (missing) {
        return mb_fail(err, MULTIBOOT_ERROR_FLAGS, path, "the kernel requires features "
                       "wirt does not know (header flags 0x%08x, required bits 0x%04x)",
                       l->flags, missing);
    }
    if (l->hdr_off + need > mb_search_len(l->size)) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "the Multiboot header at offset "
                       "0x%x is cut off: its flags 0x%08x need %u bytes within the first %u "
                       "bytes of the file", l->hdr_off, l->flags, need,
                       (unsigned)mb_search_len(l->size));
    }
    return true;
}

/* ---- the a.out kludge (3.1.3, flags bit 16) ---- */

typedef struct MbAout {
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MbAout;

static MbAout mb_aout_fields(const MbLoad *l)
{
    const uint8_t *h = l->file + l->hdr_off;
    return (MbAout){ ld32_le(h + 12), ld32_le(h + 16), ld32_le(h + 20), ld32_le(h + 24),
                     ld32_le(h + 28) };
}

/* Checks the address fields against each other and the file; sets the file offset. */
static bool mb_aout_check(const MbLoad *l, const MbAout *a, uint64_t *load_off,
                          uint64_t *load_end, GError **err)
{
    const char *path = l->img->kernel_path;

    if (a->load_addr > a->header_addr) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "load_addr 0x%08x lies above "
                       "header_addr 0x%08x (the header must be part of the loaded image)",
                       a->load_addr, a->header_addr);
    }
    if (a->header_addr - a->load_addr > l->hdr_off) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "load_addr 0x%08x lies 0x%x bytes "
                       "below header_addr 0x%08x, but the header is at file offset 0x%x: the "
                       "image would start before the file", a->load_addr,
                       a->header_addr - a->load_addr, a->header_addr, l->hdr_off);
    }
    *load_off = l->hdr_off - (a->header_addr - a->load_addr);
    *load_end = a->load_end_addr ? a->load_end_addr
                                 : a->load_addr + (l->size - *load_off);
    if (*load_end < a->load_addr) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "load_end_addr 0x%08x lies below "
                       "load_addr 0x%08x", a->load_end_addr, a->load_addr);
    }
    if (*load_off + (*load_end - a->load_addr) > l->size) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "load_end_addr 0x%08x does not "
                       "fit: the image from load_addr 0x%08x (file offset 0x%" PRIx64 ") "
                       "must end within the file of %zu bytes", a->load_end_addr,
                       a->load_addr, *load_off, l->size);
    }
    if (a->bss_end_addr && a->bss_end_addr < *load_end) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "bss_end_addr 0x%08x lies below "
                       "the end of the loaded image 0x%08" PRIx64, a->bss_end_addr,
                       *load_end);
    }
    return true;
}

static bool mb_plan_aout(MbLoad *l, GError **err)
{
    MbAout a = mb_aout_fields(l);
    uint64_t load_off = 0, load_end = 0;

    if (!mb_aout_check(l, &a, &load_off, &load_end, err)) {
        return false;
    }
    if (a.entry_addr < a.load_addr || a.entry_addr >= load_end) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, l->img->kernel_path, "entry_addr "
                       "0x%08x lies outside the loaded image 0x%08x-0x%08" PRIx64,
                       a.entry_addr, a.load_addr, load_end - 1);
    }
    l->segs = g_new(MbSegment, 1);
    l->nsegs = 1;
    l->segs[0] = (MbSegment){
        .addr = a.load_addr,
        .filesz = (uint32_t)(load_end - a.load_addr),
        .memsz = (uint32_t)((a.bss_end_addr ? a.bss_end_addr : load_end) - a.load_addr),
        .src = l->file + load_off,
        .phdr = -1,
    };
    l->entry = a.entry_addr;
    return true;
}

/* ---- ELF32 executables (3.1.3: without bit 16 the image must be ELF) ---- */

static bool mb_elf_check_header(const MbLoad *l, GError **err)
{
    const char *path = l->img->kernel_path;
    const uint8_t *e = l->file;

    if (l->size < 4 || memcmp(e, "\x7f" "ELF", 4) != 0) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "neither an ELF executable nor a "
                       "kernel with a.out-kludge address fields (header flags 0x%08x lack "
                       "bit 16)", l->flags);
    }
    if (l->size < ELF_EHDR_SIZE || e[4] != ELF_CLASS32 || e[5] != ELF_DATA_LSB) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "not a 32-bit little-endian ELF "
                       "file (EI_CLASS %u, EI_DATA %u; expected 1 (32-bit) and 1 (LSB))",
                       l->size > 5 ? e[4] : 0, l->size > 5 ? e[5] : 0);
    }
    if (ld16_le(e + 16) != ELF_TYPE_EXEC || ld16_le(e + 18) != ELF_MACHINE_386) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "not an x86 ELF executable (type "
                       "%u, machine %u; expected ET_EXEC 2 and EM_386 3)",
                       ld16_le(e + 16), ld16_le(e + 18));
    }
    return true;
}

/* Checks one program header and, when it is a non-empty PT_LOAD, appends it to l->segs. */
static bool mb_elf_segment(MbLoad *l, unsigned i, const uint8_t *ph, GError **err)
{
    const char *path = l->img->kernel_path;
    uint32_t off = ld32_le(ph + 4), filesz = ld32_le(ph + 16), memsz = ld32_le(ph + 20);

    if (ld32_le(ph) != ELF_PT_LOAD || memsz == 0) {
        return true;
    }
    if (filesz > memsz) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "program header %u: file size "
                       "0x%x exceeds memory size 0x%x", i, filesz, memsz);
    }
    if ((uint64_t)off + filesz > l->size) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "program header %u: 0x%x file "
                       "bytes at offset 0x%x run past the end of the file (%zu bytes)", i,
                       filesz, off, l->size);
    }
    l->segs[l->nsegs++] = (MbSegment){ ld32_le(ph + 12), filesz, memsz, l->file + off,
                                       (int)i };
    return true;
}

/* Takes the PT_LOAD entries of the program header table into l->segs. */
static bool mb_elf_segments(MbLoad *l, GError **err)
{
    const char *path = l->img->kernel_path;
    uint32_t phoff = ld32_le(l->file + 28);
    unsigned phentsize = ld16_le(l->file + 42), phnum = ld16_le(l->file + 44);

    if (phnum == 0 || phentsize < ELF_PHDR_SIZE ||
        (uint64_t)phoff + (uint64_t)phnum * phentsize > l->size) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "bad program header table: %u "
                       "entries of %u bytes at offset 0x%x in a file of %zu bytes", phnum,
                       phentsize, phoff, l->size);
    }
    l->segs = g_new(MbSegment, phnum);
    for (unsigned i = 0; i < phnum; i++) {
        if (!mb_elf_segment(l, i, l->file + phoff + (size_t)i * phentsize, err)) {
            return false;
        }
    }
    if (l->nsegs == 0) {
        return mb_fail(err, MULTIBOOT_ERROR_FORMAT, path, "no loadable (PT_LOAD) segment");
    }
    return true;
}

/*
 * The entry point as a physical address: e_entry is a virtual address, which for a
 * kernel linked above its load address lies in a segment's p_vaddr range (as GRUB 2 does).
 */
static bool mb_elf_entry(MbLoad *l, GError **err)
{
    uint32_t phoff = ld32_le(l->file + 28), e_entry = ld32_le(l->file + 24);
    unsigned phentsize = ld16_le(l->file + 42), phnum = ld16_le(l->file + 44);

    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = l->file + phoff + (size_t)i * phentsize;
        uint32_t vaddr = ld32_le(ph + 8), memsz = ld32_le(ph + 20);
        if (ld32_le(ph) == ELF_PT_LOAD && e_entry - vaddr < memsz) {
            l->entry = (uint64_t)ld32_le(ph + 12) + (e_entry - vaddr);
            return true;
        }
    }
    return mb_fail(err, MULTIBOOT_ERROR_FORMAT, l->img->kernel_path, "entry point 0x%08x "
                   "lies outside every loadable segment", e_entry);
}

static bool mb_plan_elf(MbLoad *l, GError **err)
{
    return mb_elf_check_header(l, err) && mb_elf_segments(l, err) && mb_elf_entry(l, err);
}

/* ---- placement ---- */

/* The boot information's size: fixed structures and the strings. */
static uint32_t mb_info_size(const MultibootImage *img)
{
    uint64_t n = MBI_SIZE + 3 * MBI_MMAP_ENTRY + (uint64_t)img->nmodules * MBI_MOD_SIZE;
    n += strlen(img->cmdline) + 1 + sizeof(MB_LOADER_NAME);
    for (unsigned i = 0; i < img->nmodules; i++) {
        n += strlen(img->modules[i].path) + 1;
    }
    return (uint32_t)MIN(n, UINT32_MAX);
}

static bool mb_check_info_size(MbLoad *l, GError **err)
{
    l->info_size = mb_info_size(l->img);
    if (l->info_size > MULTIBOOT_LOW_END - MULTIBOOT_INFO_ADDR ||
        MULTIBOOT_INFO_ADDR + l->info_size > l->ram_bytes) {
        return mb_fail(err, MULTIBOOT_ERROR_PLACEMENT, l->img->kernel_path, "the boot "
                       "information (command line, module names) needs %u bytes, more than "
                       "fit in low RAM at 0x%x-0x%x", l->info_size, MULTIBOOT_INFO_ADDR,
                       MULTIBOOT_LOW_END - 1);
    }
    return true;
}

static bool mb_overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

/* Checks that [addr, addr + len) is available RAM (as the memory map says), clear of the
 * boot information. */
static bool mb_check_range(const MbLoad *l, const char *path, const char *what,
                           uint64_t addr, uint64_t len, GError **err)
{
    uint64_t end = addr + len;
    uint64_t info_end = MULTIBOOT_INFO_ADDR + l->info_size;

    if (len == 0) {
        return true;
    }
    if (end > l->ram_bytes) {
        return mb_fail(err, MULTIBOOT_ERROR_PLACEMENT, path, "%s at 0x%" PRIx64 "-0x%"
                       PRIx64 " lies outside RAM (0-0x%" PRIx64 ")", what, addr, end - 1,
                       l->ram_bytes - 1);
    }
    if (mb_overlaps(addr, end, MULTIBOOT_LOW_END, MULTIBOOT_HIGH_START)) {
        return mb_fail(err, MULTIBOOT_ERROR_PLACEMENT, path, "%s at 0x%" PRIx64 "-0x%"
                       PRIx64 " overlaps the reserved area 0x%x-0x%x", what, addr, end - 1,
                       MULTIBOOT_LOW_END, MULTIBOOT_HIGH_START - 1);
    }
    if (mb_overlaps(addr, end, MULTIBOOT_INFO_ADDR, info_end)) {
        return mb_fail(err, MULTIBOOT_ERROR_PLACEMENT, path, "%s at 0x%" PRIx64 "-0x%"
                       PRIx64 " overlaps the boot information at 0x%x-0x%" PRIx64, what,
                       addr, end - 1, MULTIBOOT_INFO_ADDR, info_end - 1);
    }
    return true;
}

static bool mb_check_kernel(MbLoad *l, GError **err)
{
    for (unsigned i = 0; i < l->nsegs; i++) {
        const MbSegment *s = &l->segs[i];
        g_autofree char *what = s->phdr < 0 ? g_strdup("the kernel image")
                                             : g_strdup_printf("program header %d", s->phdr);
        if (!mb_check_range(l, l->img->kernel_path, what, s->addr, s->memsz, err)) {
            return false;
        }
        l->kernel_end = MAX(l->kernel_end, s->addr + s->memsz);
    }
    return true;
}

/* Modules go page-aligned above the kernel, and above the reserved area. */
static bool mb_place_modules(MbLoad *l, GError **err)
{
    uint64_t addr = MAX(l->kernel_end, (uint64_t)MULTIBOOT_HIGH_START);

    l->mod_addr = g_new(uint64_t, l->img->nmodules + 1);
    for (unsigned i = 0; i < l->img->nmodules; i++) {
        const MultibootModule *mod = &l->img->modules[i];
        gsize len = g_bytes_get_size(mod->data);
        addr = (addr + PAGE_SIZE - 1) & PAGE_MASK;
        if (!mb_check_range(l, mod->path, "module", addr, len, err)) {
            return false;
        }
        l->mod_addr[i] = addr;
        addr += len;
    }
    return true;
}

/* ---- the boot information (3.3) ---- */

/* Appends a NUL-terminated string to the info area; returns its guest address. */
static uint32_t mb_put_string(uint8_t *info, uint32_t *used, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(info + *used, s, n);
    *used += (uint32_t)n;
    return MULTIBOOT_INFO_ADDR + *used - (uint32_t)n;
}

static void mb_put_mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
    st32_le(p, MBI_MMAP_ENTRY - 4);
    st64_le(p + 4, base);
    st64_le(p + 12, len);
    st32_le(p + 20, type);
}

/* mem_lower/mem_upper and the memory map: RAM with the legacy hole below 1 MiB. */
static void mb_put_memory(uint8_t *info, uint32_t *used, uint64_t ram_bytes)
{
    uint64_t low = MIN(ram_bytes, (uint64_t)MULTIBOOT_LOW_END);
    uint64_t high = ram_bytes > MULTIBOOT_HIGH_START ? ram_bytes - MULTIBOOT_HIGH_START : 0;
    uint8_t *map = info + *used;
    unsigned n = 0;

    st32_le(info + MBI_MEM_LOWER, (uint32_t)(low >> 10));
    st32_le(info + MBI_MEM_UPPER, (uint32_t)(high >> 10));
    mb_put_mmap_entry(map + n++ * MBI_MMAP_ENTRY, 0, low, MBI_MMAP_AVAILABLE);
    mb_put_mmap_entry(map + n++ * MBI_MMAP_ENTRY, MULTIBOOT_LOW_END,
                      MULTIBOOT_HIGH_START - MULTIBOOT_LOW_END, MBI_MMAP_RESERVED);
    if (high) {
        mb_put_mmap_entry(map + n++ * MBI_MMAP_ENTRY, MULTIBOOT_HIGH_START, high,
                          MBI_MMAP_AVAILABLE);
    }
    st32_le(info + MBI_MMAP_LENGTH, n * MBI_MMAP_ENTRY);
    st32_le(info + MBI_MMAP_ADDR, MULTIBOOT_INFO_ADDR + *used);
    *used += 3 * MBI_MMAP_ENTRY;
}

static void mb_put_modules(const MbLoad *l, uint8_t *info, uint32_t *used)
{
    uint32_t list = *used;

    st32_le(info + MBI_MODS_COUNT, l->img->nmodules);
    st32_le(info + MBI_MODS_ADDR, MULTIBOOT_INFO_ADDR + list);
    *used += l->img->nmodules * MBI_MOD_SIZE;
    for (unsigned i = 0; i < l->img->nmodules; i++) {
        uint8_t *mod = info + list + i * MBI_MOD_SIZE;
        st32_le(mod, (uint32_t)l->mod_addr[i]);
        st32_le(mod + 4, (uint32_t)(l->mod_addr[i] +
                                    g_bytes_get_size(l->img->modules[i].data)));
        st32_le(mod + 8, mb_put_string(info, used, l->img->modules[i].path));
        st32_le(mod + 12, 0);
    }
}

/* Builds the whole info area as it will sit at MULTIBOOT_INFO_ADDR. */
static uint8_t *mb_build_info(const MbLoad *l)
{
    uint8_t *info = g_malloc0(l->info_size);
    uint32_t used = MBI_SIZE;

    st32_le(info + MBI_FLAGS, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP |
                              MBI_LOADER_NAME);
    mb_put_memory(info, &used, l->ram_bytes);
    mb_put_modules(l, info, &used);
    st32_le(info + MBI_CMDLINE_ADDR, mb_put_string(info, &used, l->img->cmdline));
    st32_le(info + MBI_LOADER_NAME_ADDR, mb_put_string(info, &used, MB_LOADER_NAME));
    g_assert(used == l->info_size);
    return info;
}

/* ---- writing memory and the CPU ---- */

static void mb_zero(PhysMem *pm, uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[PAGE_SIZE];
    for (uint64_t done = 0; done < len;) {
        size_t n = (size_t)MIN(len - done, (uint64_t)PAGE_SIZE);
        physmem_load(pm, addr + done, zeros, n);
        done += n;
    }
}

static void mb_write(const MbLoad *l, PhysMem *pm)
{
    g_autofree uint8_t *info = mb_build_info(l);

    for (unsigned i = 0; i < l->nsegs; i++) {
        const MbSegment *s = &l->segs[i];
        physmem_load(pm, s->addr, s->src, s->filesz);
        mb_zero(pm, s->addr + s->filesz, s->memsz - s->filesz);
    }
    for (unsigned i = 0; i < l->img->nmodules; i++) {
        gsize len;
        const void *data = g_bytes_get_data(l->img->modules[i].data, &len);
        physmem_load(pm, l->mod_addr[i], data, len);
    }
    physmem_load(pm, MULTIBOOT_INFO_ADDR, info, l->info_size);
}

/* A flat 4 GiB descriptor's high dword: base 0, limit 0xfffff pages, 32-bit, DPL 0. */
static uint32_t mb_flat_desc_hi(uint32_t type)
{
    uint32_t attr = DESC_G | DESC_DB | DESC_P | DESC_S | type;
    return (attr << 8) | 0x000f0000u;
}

/* The machine state of 3.2. */
static void mb_enter(CPUState *cpu, uint32_t entry)
{
    cpu_reset(cpu);
    cpu->cr[0] = CR0_ET | CR0_PE;
    cpu_set_eflags(cpu, 0);
    seg_from_descriptor(&cpu->seg[SEG_CS], MB_CODE_SEL, 0xffff,
                        mb_flat_desc_hi(DESC_CODE | DESC_R | DESC_A));
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        if (s != SEG_CS) {
            seg_from_descriptor(&cpu->seg[s], MB_DATA_SEL, 0xffff,
                                mb_flat_desc_hi(DESC_W | DESC_A));
        }
    }
    cpu_set_cpl(cpu, 0);
    cpu->regs[R_EAX] = MULTIBOOT_BOOT_MAGIC;
    cpu->regs[R_EBX] = MULTIBOOT_INFO_ADDR;
    /* ESP is undefined (3.2); below the info area is free RAM, kinder than 0. */
    cpu->regs[R_ESP] = MULTIBOOT_INFO_ADDR;
    cpu->eip = entry;
    tlb_flush_all(&cpu->tlb);
    cpu_tb_flush_jmp_cache(cpu);
}

bool multiboot_load(const MultibootImage *img, PhysMem *pm, uint64_t ram_bytes,
                    CPUState *cpu, GError **err)
{
    MbLoad l = { .img = img, .ram_bytes = ram_bytes };
    bool ok;

    l.file = g_bytes_get_data(img->kernel, &l.size);
    ok = mb_find_header(&l, err) && mb_check_flags(&l, err) &&
         ((l.flags & MB_FLAG_AOUT_KLUDGE) ? mb_plan_aout(&l, err) : mb_plan_elf(&l, err)) &&
         mb_check_info_size(&l, err) && mb_check_kernel(&l, err) &&
         mb_place_modules(&l, err);
    if (ok) {
        physmem_set_a20(pm, true);    /* before loading above 1 MiB */
        mb_write(&l, pm);
        mb_enter(cpu, (uint32_t)l.entry);
    }
    g_free(l.segs);
    g_free(l.mod_addr);
    return ok;
}
