/*
 * Snapshots (vm/snapshot.h; the file format is docs/snapshot-format.md): a header with the
 * machine configuration, then one checksummed section per piece of state, each the image
 * its state table gives, then RAM.
 */
#include "vm/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/bytes.h"
#include "cpu/cpustate.h"
#include "translate/translate.h"
#include "vm/keyhdr.h"
#include "wirt-config.h"

G_DEFINE_QUARK(wirt-snapshot-error-quark, snapshot_error)

#define SNAP_MAX_SECTIONS 32
#define SNAP_RAM_RUN 256          /* pages compressed together */
#define SNAP_REC_ZERO 0           /* RAM record: a run of zero pages */
#define SNAP_REC_DATA 1           /* RAM record: zlib data for a run of pages */

/* The virtual clock's section: the time now (timers are saved by their devices). */
typedef struct ClockImage {
    int64_t now;
} ClockImage;
static const StateField clock_fields[] = {
    STATE_I64(ClockImage, now),
    STATE_END,
};
static const StateDesc clock_image_desc = {
    .name = "clock", .version = 1, .fields = clock_fields, .size = sizeof(ClockImage),
};

static void section_add(SnapshotSection *out, unsigned *n, unsigned max, const char *name,
                        const StateDesc *sd, void *obj)
{
    if (*n < max) {
        g_strlcpy(out[*n].name, name, sizeof(out[*n].name));
        out[*n].sd = sd;
        out[*n].obj = obj;
        (*n)++;
    }
}

unsigned snapshot_sections(Machine *m, SnapshotSection *out, unsigned max)
{
    unsigned n = 0;

    /* The CPU first: its instruction count is what the deterministic clock runs on. */
    section_add(out, &n, max, "cpu", &cpu_state_desc, &m->cpu);
    section_add(out, &n, max, "clock", &clock_image_desc, NULL);
    section_add(out, &n, max, "machine", &machine_state_desc, m);
    section_add(out, &n, max, "input", &input_state_desc, &m->input);
    section_add(out, &n, max, "port92", &port92_state_desc, &m->port92);
    if (m->board != MACHINE_BOARD_PC) {
        return n;
    }
    section_add(out, &n, max, "pic", &pic_state_desc, &m->pic);
    section_add(out, &n, max, "pit", &pit_state_desc, &m->pit);
    section_add(out, &n, max, "port61", &port61_state_desc, &m->port61);
    section_add(out, &n, max, "rtc", &rtc_state_desc, &m->rtc);
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (m->uart_present[i]) {
            char name[16];
            g_snprintf(name, sizeof(name), "uart%u", i);
            section_add(out, &n, max, name, &uart_state_desc, &m->uart[i]);
        }
    }
    section_add(out, &n, max, "i8042", &i8042_state_desc, &m->kbc);
    section_add(out, &n, max, "port80", &port80_state_desc, &m->port80);
    section_add(out, &n, max, "acpi-pm", &acpi_pm_state_desc, &m->acpi);
    return n;
}

/* --- the header: the configuration as a GLib key file --- */

static const char *const board_names[] = { "test", "pc" };

static void config_set_str(GKeyFile *k, const char *key, const char *v)
{
    if (v) {
        g_key_file_set_string(k, "boot", key, v);
    }
}

static char *config_text(Machine *m, const MachineConfig *cfg, gsize *len)
{
    g_autoptr(GKeyFile) k = g_key_file_new();

    g_key_file_set_string(k, "wirt", "version", WIRT_VERSION);
    if (cfg->name) {
        g_key_file_set_string(k, "guest", "name", cfg->name);    /* for `wirt restore` */
    }
    g_key_file_set_string(k, "machine", "board", board_names[cfg->board]);
    g_key_file_set_uint64(k, "machine", "ram_bytes", cfg->ram_bytes);
    g_key_file_set_string(k, "machine", "cpu", "p6");
    g_key_file_set_uint64(k, "machine", "cpu_signature", CPU_RESET_SIGNATURE);
    g_key_file_set_string(k, "machine", "clock",
                          cfg->clock_mode == VCLOCK_INSNS ? "insns" : "realtime");
    g_key_file_set_uint64(k, "machine", "clock_shift", cfg->clock_shift);
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        char key[8];
        g_snprintf(key, sizeof(key), "com%u", i + 1);
        g_key_file_set_boolean(k, "machine", key, m->uart_present[i]);
    }
    config_set_str(k, "kernel", cfg->kernel_path);
    config_set_str(k, "append", cfg->kernel_append);
    config_set_str(k, "initrd", cfg->initrd_path);
    config_set_str(k, "bios", cfg->bios_path);
    config_set_str(k, "flat", cfg->flat_path);
    if (cfg->module_paths) {
        g_key_file_set_string_list(k, "boot", "modules", (const char *const *)cfg->module_paths,
                                   g_strv_length(cfg->module_paths));
    }
    g_key_file_set_uint64(k, "boot", "flat_addr", cfg->flat_addr);
    g_key_file_set_uint64(k, "state", "insns", m->cpu.stats.insns);
    g_key_file_set_int64(k, "state", "vtime_ns", vclock_now(&m->clock));
    return g_key_file_to_data(k, len, NULL);
}

/* --- writing --- */

static void put_u32(GByteArray *b, uint32_t v)
{
    uint8_t buf[4];
    st32_le(buf, v);
    g_byte_array_append(b, buf, 4);
}

static void put_u64(GByteArray *b, uint64_t v)
{
    uint8_t buf[8];
    st64_le(buf, v);
    g_byte_array_append(b, buf, 8);
}


static void put_section(GByteArray *file, const char *name, unsigned version,
                        const uint8_t *data, size_t len)
{
    uint8_t n = (uint8_t)strlen(name);
    g_byte_array_append(file, &n, 1);
    g_byte_array_append(file, (const guint8 *)name, n);
    put_u32(file, version);
    put_u64(file, len);
    g_byte_array_append(file, data, (guint)len);
    put_u32(file, keyhdr_crc(data, len));
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[PAGE_SIZE];
    return !memcmp(p, zero, PAGE_SIZE);
}

/* RAM bytes encoded so far, for a progress report. */
typedef struct SaveProgress {
    const SnapshotProgress *to;     /* NULL: nobody asked */
    uint64_t done, total;
} SaveProgress;

static void save_progress(SaveProgress *sp, uint64_t more)
{
    sp->done += more;
    if (sp->to) {
        sp->to->fn(sp->to->opaque, sp->done, sp->total);
    }
}

/* RAM: runs of zero pages as a count, other runs zlib-compressed (docs/snapshot-format.md). */
static void ram_encode(const MemRegion *r, GByteArray *out, SaveProgress *sp)
{
    uint64_t pages = r->size >> PAGE_BITS;
    uLongf bound = compressBound(SNAP_RAM_RUN * PAGE_SIZE);
    g_autofree uint8_t *z = g_malloc(bound);

    put_u64(out, r->base);
    put_u64(out, r->size);
    for (uint64_t p = 0; p < pages;) {
        uint64_t n = 0;
        uint8_t kind = page_is_zero(r->host + (p << PAGE_BITS)) ? SNAP_REC_ZERO : SNAP_REC_DATA;
        while (p + n < pages && (kind == SNAP_REC_ZERO || n < SNAP_RAM_RUN) &&
               page_is_zero(r->host + ((p + n) << PAGE_BITS)) == (kind == SNAP_REC_ZERO)) {
            n++;
        }
        g_byte_array_append(out, &kind, 1);
        put_u32(out, (uint32_t)n);
        if (kind == SNAP_REC_DATA) {
            uLongf zlen = bound;
            compress2(z, &zlen, r->host + (p << PAGE_BITS), (uLong)(n << PAGE_BITS), 1);
            put_u32(out, (uint32_t)zlen);
            g_byte_array_append(out, z, (guint)zlen);
        }
        p += n;
        save_progress(sp, n << PAGE_BITS);
    }
}

static GByteArray *snapshot_image(Machine *m, const MachineConfig *cfg, SaveProgress *sp)
{
    GByteArray *file = g_byte_array_new();
    SnapshotSection sec[SNAP_MAX_SECTIONS];
    unsigned n = snapshot_sections(m, sec, SNAP_MAX_SECTIONS);
    gsize clen;
    g_autofree char *config = config_text(m, cfg, &clen);
    ClockImage clock = { .now = vclock_now(&m->clock) };

    keyhdr_append(file, SNAPSHOT_MAGIC, SNAPSHOT_FORMAT, config, clen);
    for (unsigned i = 0; i < n; i++) {
        g_autoptr(GByteArray) img = g_byte_array_new();
        state_save(sec[i].sd, sec[i].obj ? sec[i].obj : &clock, img);
        put_section(file, sec[i].name, sec[i].sd->version, img->data, img->len);
    }
    for (unsigned i = 0; i < m->pm.nregions; i++) {
        if (m->pm.regions[i].kind == MEM_RAM) {
            g_autoptr(GByteArray) img = g_byte_array_new();
            g_autofree char *name = g_strdup_printf("ram:%s", m->pm.regions[i].name);
            ram_encode(&m->pm.regions[i], img, sp);
            put_section(file, name, 1, img->data, img->len);
        }
    }
    put_section(file, "end", 1, NULL, 0);
    return file;
}

/* Writes DATA to PATH through a temporary file in the same folder, fsync and rename. */
static bool write_atomic(const char *path, const uint8_t *data, size_t len, GError **err)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    size_t done = 0;
    int dfd;

    if (fd < 0) {
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_IO, "%s: cannot create a file there: %s",
                    path, g_strerror(errno));
        return false;
    }
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        done += (size_t)w;
    }
    if (done < len || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        if (done < len) {
            close(fd);
        }
        unlink(tmp);
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_IO, "%s: writing the snapshot failed: "
                    "%s (an earlier file there is unchanged)", path, g_strerror(e));
        return false;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return true;
}

bool snapshot_save_progress(Machine *m, const MachineConfig *cfg, const char *path,
                            const SnapshotProgress *progress, GError **err)
{
    SaveProgress sp = { .to = progress && progress->fn ? progress : NULL };
    g_autoptr(GByteArray) file = NULL;

    for (unsigned i = 0; i < m->pm.nregions; i++) {
        sp.total += m->pm.regions[i].kind == MEM_RAM ? m->pm.regions[i].size : 0;
    }
    save_progress(&sp, 0);
    file = snapshot_image(m, cfg, &sp);
    return write_atomic(path, file->data, file->len, err);
}

bool snapshot_save(Machine *m, const MachineConfig *cfg, const char *path, GError **err)
{
    return snapshot_save_progress(m, cfg, path, NULL, err);
}

/* --- reading --- */

/* A section as found in the file. */
typedef struct FileSection {
    char name[256];
    uint32_t version;
    const uint8_t *data;
    size_t len;
} FileSection;

typedef struct SnapFile {
    const char *path;
    gchar *bytes;
    gsize size;
    GKeyFile *config;
    FileSection sec[SNAP_MAX_SECTIONS + 8];
    unsigned nsec;
} SnapFile;

static void snapfile_free(SnapFile *f)
{
    g_free(f->bytes);
    if (f->config) {
        g_key_file_free(f->config);
    }
}

static bool bad(GError **err, const SnapFile *f, const char *what)
{
    g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_FORMAT, "%s: %s", f->path, what);
    return false;
}

static bool snapfile_header(SnapFile *f, size_t *pos, GError **err)
{
    uint32_t format = 0;
    KeyHdrStatus st = keyhdr_parse((const uint8_t *)f->bytes, f->size, SNAPSHOT_MAGIC, &format,
                                   &f->config, pos);

    if (st == KEYHDR_NOT_OURS) {
        return bad(err, f, "not a wirt snapshot (no WIRTSNAP magic)");
    }
    if (format > SNAPSHOT_FORMAT) {
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_FORMAT, "%s: snapshot format %u is "
                    "newer than this wirt reads (%u): use a newer wirt", f->path, format,
                    SNAPSHOT_FORMAT);
        return false;
    }
    switch (st) {
    case KEYHDR_TRUNCATED:
        return bad(err, f, "truncated in its header");
    case KEYHDR_CORRUPT:
        return bad(err, f, "corrupt header (checksum mismatch)");
    case KEYHDR_UNREADABLE:
        return bad(err, f, "corrupt header (unreadable configuration)");
    default:
        return true;
    }
}

static bool snapfile_section(SnapFile *f, size_t *pos, GError **err)
{
    const uint8_t *p = (const uint8_t *)f->bytes;
    FileSection *s = &f->sec[f->nsec];
    size_t left = f->size - *pos;
    uint8_t nlen;
    uint64_t len;

    if (f->nsec == G_N_ELEMENTS(f->sec)) {
        return bad(err, f, "too many sections");
    }
    if (left < 1 || left < 1u + p[*pos] + 12u) {
        return bad(err, f, "truncated (a section header is cut off)");
    }
    nlen = p[*pos];
    memcpy(s->name, p + *pos + 1, nlen);
    s->name[nlen] = 0;
    s->version = ld32_le(p + *pos + 1 + nlen);
    len = ld64_le(p + *pos + 5 + nlen);
    *pos += 13u + nlen;
    if (len > f->size - *pos || f->size - *pos - len < 4) {
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_FORMAT, "%s: truncated in section '%s'",
                    f->path, s->name);
        return false;
    }
    s->data = p + *pos;
    s->len = len;
    if (keyhdr_crc(s->data, len) != ld32_le(p + *pos + len)) {
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_FORMAT, "%s: section '%s' is corrupt "
                    "(checksum mismatch)", f->path, s->name);
        return false;
    }
    *pos += len + 4;
    f->nsec++;
    return true;
}

/* Reads PATH and checks its framing: header, every section's checksum, the end mark. */
static bool snapfile_open(SnapFile *f, const char *path, GError **err)
{
    g_autoptr(GError) e = NULL;
    size_t pos;

    memset(f, 0, sizeof(*f));
    f->path = path;
    if (!g_file_get_contents(path, &f->bytes, &f->size, &e)) {
        g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_IO, "%s", e->message);
        return false;
    }
    if (!snapfile_header(f, &pos, err)) {
        return false;
    }
    do {
        if (!snapfile_section(f, &pos, err)) {
            return false;
        }
    } while (strcmp(f->sec[f->nsec - 1].name, "end"));
    f->nsec--;
    if (pos != f->size) {
        return bad(err, f, "trailing bytes after the end section");
    }
    return true;
}

static const FileSection *snapfile_find(const SnapFile *f, const char *name)
{
    for (unsigned i = 0; i < f->nsec; i++) {
        if (!strcmp(f->sec[i].name, name)) {
            return &f->sec[i];
        }
    }
    return NULL;
}

/* The base and size a RAM section records, or false if it has none. */
static bool ram_extent(const FileSection *s, uint64_t *base, uint64_t *size)
{
    if (s->len < 16) {
        return false;
    }
    *base = ld64_le(s->data);
    *size = ld64_le(s->data + 8);
    return (*size & (PAGE_SIZE - 1)) == 0;
}

/*
 * Walks a RAM section of SIZE bytes. With OUT it decodes into it; without, it only checks
 * that every record decodes (each into a scratch buffer of one run), so that a load can
 * refuse a bad section before changing anything without holding a second copy of RAM.
 * False if the section does not add up.
 */
static bool ram_decode(const FileSection *s, uint64_t size, uint8_t *out)
{
    const uint8_t *p = s->data + 16, *end = s->data + s->len;
    uint64_t pages = size >> PAGE_BITS, at = 0;
    g_autofree uint8_t *scratch = out ? NULL : g_malloc((size_t)SNAP_RAM_RUN << PAGE_BITS);

    while (p < end) {
        uint32_t n;
        if (end - p < 5) {
            return false;
        }
        n = ld32_le(p + 1);
        if (n == 0 || n > pages - at) {
            return false;
        }
        if (p[0] == SNAP_REC_ZERO) {
            if (out) {
                memset(out + (at << PAGE_BITS), 0, (size_t)n << PAGE_BITS);
            }
            p += 5;
        } else {
            uLongf dlen = (uLongf)n << PAGE_BITS;
            uint32_t zlen;
            if (p[0] != SNAP_REC_DATA || n > SNAP_RAM_RUN || end - p < 9) {
                return false;
            }
            zlen = ld32_le(p + 5);
            if ((size_t)(end - p - 9) < zlen ||
                uncompress(out ? out + (at << PAGE_BITS) : scratch, &dlen, p + 9, zlen) !=
                    Z_OK ||
                dlen != (uLongf)n << PAGE_BITS) {
                return false;
            }
            p += 9 + zlen;
        }
        at += n;
    }
    return at == pages;
}

bool snapshot_config_matches(GKeyFile *theirs, Machine *m, const MachineConfig *cfg,
                             const char *path, GError **err)
{
    g_autoptr(GKeyFile) mine = g_key_file_new();
    gsize len;
    g_autofree char *text = config_text(m, cfg, &len);
    static const char *const keys[] = {
        "board", "ram_bytes", "cpu", "cpu_signature", "clock", "clock_shift", "com1", "com2",
    };

    g_key_file_load_from_data(mine, text, len, G_KEY_FILE_NONE, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *a = g_key_file_get_value(theirs, "machine", keys[i], NULL);
        g_autofree char *b = g_key_file_get_value(mine, "machine", keys[i], NULL);
        if (g_strcmp0(a, b)) {
            g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_CONFIG, "%s: made on another "
                        "machine configuration: %s is %s there, %s here", path, keys[i],
                        a ? a : "(none)", b ? b : "(none)");
            return false;
        }
    }
    return true;
}

char *snapshot_config_text(Machine *m, const MachineConfig *cfg, gsize *len)
{
    return config_text(m, cfg, len);
}

/* Every section this machine has must be in the file, with its version and size. */
static bool snapfile_check_sections(const SnapFile *f, const SnapshotSection *sec, unsigned n,
                                    GError **err)
{
    for (unsigned i = 0; i < n; i++) {
        const FileSection *s = snapfile_find(f, sec[i].name);
        if (!s || s->version != sec[i].sd->version || s->len != state_image_size(sec[i].sd)) {
            g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_CONFIG, "%s: section '%s' is %s",
                        f->path, sec[i].name, !s ? "missing" :
                        s->version != sec[i].sd->version ? "of another version" :
                        "of the wrong size for this wirt");
            return false;
        }
    }
    return true;
}

/* The RAM section of region R, or NULL. */
static const FileSection *snapfile_ram(const SnapFile *f, const MemRegion *r)
{
    g_autofree char *name = g_strdup_printf("ram:%s", r->name);
    return snapfile_find(f, name);
}

/* Every RAM region has its section, of its base and size, and it decodes. */
static bool snapfile_check_ram(const SnapFile *f, const Machine *m, GError **err)
{
    for (unsigned i = 0; i < m->pm.nregions; i++) {
        const MemRegion *r = &m->pm.regions[i];
        const FileSection *s;
        uint64_t base, size;
        if (r->kind != MEM_RAM) {
            continue;
        }
        s = snapfile_ram(f, r);
        if (!s || !ram_extent(s, &base, &size) || base != r->base || size != r->size ||
            !ram_decode(s, size, NULL)) {
            g_set_error(err, SNAPSHOT_ERROR, SNAPSHOT_ERROR_FORMAT, "%s: section 'ram:%s' is "
                        "%s", f->path, r->name, !s ? "missing"
                        : "corrupt (RAM does not decode to the region's size)");
            return false;
        }
    }
    return true;
}

/* Everything checked (RAM decodes): the state goes in, RAM straight from the file. */
static void snapshot_apply(const SnapFile *f, Machine *m, const SnapshotSection *sec,
                           unsigned n)
{
    for (unsigned i = 0; i < m->pm.nregions; i++) {
        MemRegion *r = &m->pm.regions[i];
        if (r->kind == MEM_RAM) {
            /* Decodes as snapfile_check_ram found it does: the same bytes, in memory. */
            (void)ram_decode(snapfile_ram(f, r), r->size, r->host);
            dirty_mark(&m->pm, r->base, r->size);
        }
    }
    translator_flush(m->cpu.translator);
    for (unsigned i = 0; i < n; i++) {
        const FileSection *s = snapfile_find(f, sec[i].name);
        if (!sec[i].obj) {
            ClockImage clock;
            state_load(sec[i].sd, &clock, s->data, s->len);
            vclock_set_now(&m->clock, clock.now);
        } else {
            state_load(sec[i].sd, sec[i].obj, s->data, s->len);
        }
    }
}

bool snapshot_load(Machine *m, const MachineConfig *cfg, const char *path, GError **err)
{
    SnapFile f;
    SnapshotSection sec[SNAP_MAX_SECTIONS];
    unsigned n = snapshot_sections(m, sec, SNAP_MAX_SECTIONS);
    bool ok = snapfile_open(&f, path, err) &&
              snapshot_config_matches(f.config, m, cfg, path, err) &&
              snapfile_check_sections(&f, sec, n, err) && snapfile_check_ram(&f, m, err);

    if (ok) {
        snapshot_apply(&f, m, sec, n);
    }
    snapfile_free(&f);
    return ok;
}

/* --- the configuration, for `wirt run --restore` --- */

static char *keep_str(GKeyFile *k, const char *key, GPtrArray *keep)
{
    char *v = g_key_file_get_string(k, "boot", key, NULL);
    if (v) {
        g_ptr_array_add(keep, v);
    }
    return v;
}

bool snapshot_read_config(const char *path, MachineConfig *cfg, GPtrArray *keep, GError **err)
{
    SnapFile f;
    g_autofree char *board = NULL, *clock = NULL;
    bool ok = snapfile_open(&f, path, err);
    GKeyFile *k = f.config;
    char **mods;

    if (ok) {
        board = g_key_file_get_string(k, "machine", "board", NULL);
        clock = g_key_file_get_string(k, "machine", "clock", NULL);
        cfg->board = !g_strcmp0(board, "pc") ? MACHINE_BOARD_PC : MACHINE_BOARD_TEST;
        cfg->ram_bytes = g_key_file_get_uint64(k, "machine", "ram_bytes", NULL);
        cfg->clock_mode = !g_strcmp0(clock, "insns") ? VCLOCK_INSNS : VCLOCK_REALTIME;
        cfg->clock_shift = (unsigned)g_key_file_get_uint64(k, "machine", "clock_shift", NULL);
        for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
            char key[8];
            g_snprintf(key, sizeof(key), "com%u", i + 1);
            if (!g_key_file_get_boolean(k, "machine", key, NULL)) {
                cfg->serial[i] = NULL;
            } else if (!cfg->serial[i]) {
                cfg->serial[i] = i == 0 ? "stdio" : "none";
            }
        }
        if (!cfg->name && (cfg->name = g_key_file_get_string(k, "guest", "name", NULL))) {
            g_ptr_array_add(keep, (char *)cfg->name);
        }
        cfg->kernel_path = keep_str(k, "kernel", keep);
        cfg->kernel_append = keep_str(k, "append", keep);
        cfg->initrd_path = keep_str(k, "initrd", keep);
        cfg->bios_path = keep_str(k, "bios", keep);
        cfg->flat_path = keep_str(k, "flat", keep);
        cfg->flat_addr = g_key_file_get_uint64(k, "boot", "flat_addr", NULL);
        mods = g_key_file_get_string_list(k, "boot", "modules", NULL, NULL);
        for (unsigned i = 0; mods && mods[i]; i++) {
            g_ptr_array_add(keep, mods[i]);
        }
        if (mods) {
            g_ptr_array_add(keep, mods);
        }
        cfg->module_paths = mods;
        if (board == NULL || cfg->ram_bytes == 0 || clock == NULL) {
            ok = bad(err, &f, "corrupt header (no board, RAM size or clock)");
        }
    }
    snapfile_free(&f);
    return ok;
}

bool snapshot_walk(const char *path, SnapshotSectionFn fn, void *ctx, GError **err)
{
    SnapFile f;
    bool ok = snapfile_open(&f, path, err);

    for (unsigned i = 0; ok && i < f.nsec; i++) {
        const FileSection *s = &f.sec[i];
        uint64_t base, size;
        g_autofree uint8_t *ram = NULL;
        if (!g_str_has_prefix(s->name, "ram:")) {
            fn(ctx, s->name, s->data, s->len);
            continue;
        }
        ram = ram_extent(s, &base, &size) ? g_try_malloc(size) : NULL;
        if (!ram || !ram_decode(s, size, ram)) {
            ok = bad(err, &f, "corrupt RAM section");
            break;
        }
        fn(ctx, s->name, ram, size);
    }
    snapfile_free(&f);
    return ok;
}

const StateDesc *snapshot_section_desc(const char *name)
{
    static const struct {
        const char *name;
        const StateDesc *sd;
    } known[] = {
        { "cpu", &cpu_state_desc }, { "clock", &clock_image_desc },
        { "machine", &machine_state_desc }, { "input", &input_state_desc },
        { "port92", &port92_state_desc }, { "pic", &pic_state_desc },
        { "pit", &pit_state_desc }, { "port61", &port61_state_desc },
        { "rtc", &rtc_state_desc }, { "uart0", &uart_state_desc },
        { "uart1", &uart_state_desc }, { "i8042", &i8042_state_desc },
        { "port80", &port80_state_desc }, { "acpi-pm", &acpi_pm_state_desc },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        if (!strcmp(known[i].name, name)) {
            return known[i].sd;
        }
    }
    return NULL;
}
