/*
 * Record/replay (vm/replay.h; the log format is docs/replay-format.md). The funnel's tap
 * (vm/input.h) records and feeds inputs; the run loop asks for checkpoints between
 * slices. A checkpoint holds every state table's image (so a divergence names its field)
 * and a SHA-256 of the RAM pages written since the previous one (dirty logging).
 */
#include "vm/replay.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "vm/keyhdr.h"
#include "vm/snapshot.h"
#include "wirt-config.h"

G_DEFINE_QUARK(wirt-replay-error-quark, replay_error)

enum { EV_SERIAL = 1, EV_CHECKPOINT = 2, EV_END = 3, EV_KEY = 4, EV_RESET = 5 };
#define EV_HEADER 17            /* kind, insns, vtime */
#define EV_SERIAL_SIZE (EV_HEADER + 2)      /* port, byte */
#define EV_KEY_SIZE (EV_HEADER + 5)         /* u32 key code, u8 down */
#define EV_BIT(kind) (1u << (kind))
#define EV_INPUTS (EV_BIT(EV_SERIAL) | EV_BIT(EV_KEY) | EV_BIT(EV_RESET))
#define REPLAY_MAX_SECTIONS 32
#define REPLAY_FIELDS_SHOWN 6

struct Replay {
    ReplayMode mode;
    Machine *m;
    char *path;
    FILE *out;                  /* recording */
    gchar *data;                /* replaying: the whole log */
    gsize len;
    size_t input_pos;           /* the next event the funnel has not taken */
    size_t check_pos;           /* the next checkpoint not yet compared */
    InputEvent next;            /* the event at input_pos, when have_next */
    bool have_next;
    bool skip_ram;              /* the first checkpoint after a restore: RAM not comparable */
    bool diverged;
    uint64_t next_checkpoint;
    uint64_t last_checkpoint;
    uint64_t end_insns;         /* replaying: where the recording stopped; UINT64_MAX none */
};

/* --- the layout fingerprint: a log only fits the build whose state tables made it --- */

static void fingerprint_field(void *ctx, const char *path, StateType type, void *value)
{
    g_checksum_update(ctx, (const guchar *)path, (gssize)strlen(path) + 1);
    g_checksum_update(ctx, (const guchar *)&(uint8_t){ (uint8_t)type }, 1);
}

static char *layout_fingerprint(Machine *m)
{
    SnapshotSection sec[REPLAY_MAX_SECTIONS];
    unsigned n = snapshot_sections(m, sec, REPLAY_MAX_SECTIONS);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    int64_t scratch[2] = { 0, 0 };

    for (unsigned i = 0; i < n; i++) {
        g_checksum_update(sum, (const guchar *)sec[i].name, (gssize)strlen(sec[i].name) + 1);
        state_visit(sec[i].sd, sec[i].obj ? sec[i].obj : scratch, fingerprint_field, sum);
    }
    return g_strdup(g_checksum_get_string(sum));
}

/* --- the header --- */

static char *header_text(Machine *m, const MachineConfig *cfg, gsize *len)
{
    g_autoptr(GKeyFile) k = g_key_file_new();
    gsize clen;
    g_autofree char *config = snapshot_config_text(m, cfg, &clen);
    g_autofree char *layout = layout_fingerprint(m);

    g_key_file_load_from_data(k, config, clen, G_KEY_FILE_NONE, NULL);
    g_key_file_remove_group(k, "boot", NULL);
    g_key_file_remove_group(k, "state", NULL);
    g_key_file_set_string(k, "wirt", "layout", layout);
    g_key_file_set_uint64(k, "replay", "start_insns", m->cpu.stats.insns);
    g_key_file_set_int64(k, "replay", "rtc_start", m->input.rtc_start);
    g_key_file_set_uint64(k, "replay", "checkpoint_every", REPLAY_CHECKPOINT_EVERY);
    return g_key_file_to_data(k, len, NULL);
}

static bool header_write(Replay *r, const MachineConfig *cfg)
{
    gsize len;
    g_autofree char *text = header_text(r->m, cfg, &len);
    g_autoptr(GByteArray) hdr = g_byte_array_new();

    keyhdr_append(hdr, REPLAY_MAGIC, REPLAY_FORMAT, text, len);
    fwrite(hdr->data, 1, hdr->len, r->out);
    return !ferror(r->out);
}

/* Parses the header of DATA; returns the key file and sets *POS past it, or NULL. */
static GKeyFile *header_read(const char *path, const gchar *data, gsize len, size_t *pos,
                             GError **err)
{
    uint32_t format = 0;
    GKeyFile *k = NULL;
    KeyHdrStatus st = keyhdr_parse((const uint8_t *)data, len, REPLAY_MAGIC, &format, &k, pos);

    if (st == KEYHDR_NOT_OURS) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_FORMAT, "%s: not a wirt replay log "
                    "(no WIRTRPLY magic)", path);
    } else if (format != REPLAY_FORMAT) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_FORMAT, "%s: replay log format %u, this "
                    "wirt reads %u", path, format, REPLAY_FORMAT);
    } else if (st != KEYHDR_OK) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_FORMAT, "%s: %s header", path,
                    st == KEYHDR_UNREADABLE ? "corrupt" : "corrupt or truncated");
    } else {
        return k;
    }
    if (k) {
        g_key_file_free(k);
    }
    return NULL;
}

bool replay_read_setup(const char *path, MachineConfig *cfg, GError **err)
{
    g_autofree gchar *data = NULL;
    gsize len;
    size_t pos;
    g_autoptr(GError) e = NULL;
    GKeyFile *k;

    if (!g_file_get_contents(path, &data, &len, &e)) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_IO, "%s", e->message);
        return false;
    }
    k = header_read(path, data, len, &pos, err);
    if (!k) {
        return false;
    }
    cfg->rtc_base = INPUT_RTC_DATE;
    cfg->rtc_date = g_key_file_get_int64(k, "replay", "rtc_start", NULL);
    cfg->clock_mode = VCLOCK_INSNS;
    cfg->clock_shift = (unsigned)g_key_file_get_uint64(k, "machine", "clock_shift", NULL);
    g_key_file_free(k);
    return true;
}

/* --- events --- */

static void put_event_header(Replay *r, uint8_t kind, uint64_t insns, int64_t vtime)
{
    uint8_t b[EV_HEADER];
    b[0] = kind;
    st64_le(b + 1, insns);
    st64_le(b + 9, (uint64_t)vtime);
    fwrite(b, 1, sizeof(b), r->out);
}

static void tap_record(void *opaque, const InputEvent *ev)
{
    Replay *r = opaque;
    uint8_t b[5] = { ev->port, ev->byte };

    if (ev->kind == INPUT_EV_KEY) {
        put_event_header(r, EV_KEY, ev->insns, ev->vtime);
        st32_le(b, ev->key);
        b[4] = ev->down;
        fwrite(b, 1, 5, r->out);
        return;
    }
    if (ev->kind == INPUT_EV_RESET) {
        put_event_header(r, EV_RESET, ev->insns, ev->vtime);
        return;
    }
    put_event_header(r, EV_SERIAL, ev->insns, ev->vtime);
    fwrite(b, 1, 2, r->out);
}

/* Bytes of the event at POS, or 0 if it is cut off or unknown. */
static size_t event_size(const Replay *r, size_t pos)
{
    const uint8_t *p = (const uint8_t *)r->data + pos;
    size_t left = r->len - pos, n, at;

    if (left < EV_HEADER) {
        return 0;
    }
    switch (p[0]) {
    case EV_SERIAL:
        return left >= EV_SERIAL_SIZE ? EV_SERIAL_SIZE : 0;
    case EV_KEY:
        return left >= EV_KEY_SIZE && p[EV_HEADER + 4] <= 1 ? EV_KEY_SIZE : 0;
    case EV_END:
    case EV_RESET:
        return EV_HEADER;
    case EV_CHECKPOINT:
        if (left < EV_HEADER + 4) {
            return 0;
        }
        n = ld32_le(p + EV_HEADER);
        at = EV_HEADER + 4;
        for (size_t i = 0; i < n; i++) {
            if (left < at + 1 || left < at + 1 + p[at] + 4) {
                return 0;
            }
            at += 1 + p[at];
            at += 4 + ld32_le(p + at);
        }
        return left >= at + 4 + 32 ? at + 4 + 32 : 0;
    default:
        return 0;
    }
}

/* Moves *POS to the next event of a kind in KINDS (EV_BIT set) or the end mark; false
 * when the log runs out. */
static bool seek_kinds(const Replay *r, size_t *pos, unsigned kinds)
{
    while (*pos < r->len) {
        size_t n = event_size(r, *pos);
        uint8_t k = (uint8_t)r->data[*pos];
        if (n == 0) {
            return false;
        }
        if ((kinds & EV_BIT(k)) || k == EV_END) {
            return true;
        }
        *pos += n;
    }
    return false;
}

static bool seek_kind(const Replay *r, size_t *pos, uint8_t kind)
{
    return seek_kinds(r, pos, EV_BIT(kind));
}

/* The input event at P (a serial, key or reset event whose size was checked). */
static InputEvent input_event_at(const uint8_t *p)
{
    InputEvent ev = { .insns = ld64_le(p + 1), .vtime = (int64_t)ld64_le(p + 9) };

    if (p[0] == EV_KEY) {
        ev.kind = INPUT_EV_KEY;
        ev.key = ld32_le(p + EV_HEADER);
        ev.down = p[EV_HEADER + 4];
    } else if (p[0] == EV_RESET) {
        ev.kind = INPUT_EV_RESET;
    } else {
        ev.kind = INPUT_EV_SERIAL;
        ev.port = p[EV_HEADER];
        ev.byte = p[EV_HEADER + 1];
    }
    return ev;
}

static void load_next_input(Replay *r)
{
    r->have_next = seek_kinds(r, &r->input_pos, EV_INPUTS) && r->data[r->input_pos] != EV_END;
    if (r->have_next) {
        r->next = input_event_at((const uint8_t *)r->data + r->input_pos);
    }
}

static const InputEvent *tap_peek(void *opaque)
{
    Replay *r = opaque;
    return r->have_next && !r->diverged ? &r->next : NULL;
}

static void tap_consume(void *opaque)
{
    Replay *r = opaque;
    r->input_pos += event_size(r, r->input_pos);
    load_next_input(r);
}

static void tap_refused(void *opaque, const InputEvent *ev)
{
    Replay *r = opaque;
    if (ev->kind == INPUT_EV_KEY) {
        fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT ": the "
                "keyboard cannot take the logged key 0x%x (the guest is not where the "
                "recording was)\n", ev->insns, ev->key);
    } else if (ev->kind == INPUT_EV_RESET) {
        fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT ": the "
                "machine has no reset button for the logged reset\n", ev->insns);
    } else {
        fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT ": COM%u "
                "cannot take the logged byte 0x%02x (the guest is not where the recording "
                "was)\n", ev->insns, ev->port + 1u, ev->byte);
    }
    r->diverged = true;
}

/* --- checkpoints --- */

/* SHA-256 over the RAM pages written since the last checkpoint (number and contents). */
static uint32_t ram_hash(Machine *m, uint8_t digest[32])
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize dlen = 32;
    uint32_t pages = 0;

    for (unsigned i = 0; i < m->pm.nregions; i++) {
        MemRegion *reg = &m->pm.regions[i];
        g_autofree unsigned long *bits = NULL;
        size_t words, bpw = sizeof(unsigned long) * 8;
        if (reg->kind != MEM_RAM) {
            continue;
        }
        words = dirty_bitmap_words(reg->base, reg->size);
        bits = g_new0(unsigned long, words);
        dirty_get_and_clear(&m->pm, DIRTY_REPLAY, reg->base, reg->size, bits);
        for (uint64_t p = 0; p < reg->size >> PAGE_BITS; p++) {
            if (bits[p / bpw] & (1ul << (p % bpw))) {
                uint64_t addr = reg->base + (p << PAGE_BITS);
                g_checksum_update(sum, (const guchar *)&addr, sizeof(addr));
                g_checksum_update(sum, reg->host + (p << PAGE_BITS), PAGE_SIZE);
                pages++;
            }
        }
    }
    g_checksum_get_digest(sum, digest, &dlen);
    return pages;
}

/* The checkpoint body: every state section's image, then the RAM page count and hash. */
static GByteArray *checkpoint_body(Machine *m)
{
    GByteArray *b = g_byte_array_new();
    SnapshotSection sec[REPLAY_MAX_SECTIONS];
    unsigned n = snapshot_sections(m, sec, REPLAY_MAX_SECTIONS), kept = 0;
    uint8_t word[4], digest[32];

    g_byte_array_set_size(b, 4);
    for (unsigned i = 0; i < n; i++) {
        g_autoptr(GByteArray) img = g_byte_array_new();
        uint8_t nlen = (uint8_t)strlen(sec[i].name);
        if (!sec[i].obj || !strcmp(sec[i].name, "input")) {
            continue;   /* the clock is the stamp; the funnel's queue is the host's side */
        }
        state_save(sec[i].sd, sec[i].obj, img);
        g_byte_array_append(b, &nlen, 1);
        g_byte_array_append(b, (const guint8 *)sec[i].name, nlen);
        st32_le(word, img->len);
        g_byte_array_append(b, word, 4);
        g_byte_array_append(b, img->data, img->len);
        kept++;
    }
    st32_le(b->data, kept);
    st32_le(word, ram_hash(m, digest));
    g_byte_array_append(b, word, 4);
    g_byte_array_append(b, digest, 32);
    return b;
}

typedef struct FieldDiff {
    unsigned shown;
    const char *section;
} FieldDiff;

static void report_field(void *ctx, const char *path, StateType type, const uint8_t *rec,
                         const uint8_t *mine, size_t len)
{
    FieldDiff *d = ctx;
    char vr[STATE_VALUE_TEXT], vm[STATE_VALUE_TEXT];

    if (d->shown++ < REPLAY_FIELDS_SHOWN) {
        state_format_value(type, rec, len, vr, sizeof(vr));
        state_format_value(type, mine, len, vm, sizeof(vm));
        fprintf(stderr, "wirt:   %s.%s: recorded %s, replayed %s\n", d->section, path, vr, vm);
    }
}

/* Names what differs between the recorded checkpoint REC and the replayed one MINE. */
static void report_divergence(Replay *r, const uint8_t *rec, const uint8_t *mine, size_t len,
                              bool ram_differs, uint32_t rec_pages, uint32_t pages)
{
    FieldDiff d = { .shown = 0 };
    uint32_t n = ld32_le(mine);
    size_t at = 4;

    fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT " (a checkpoint "
            "differs from the recording):\n", r->m->cpu.stats.insns);
    for (uint32_t i = 0; i < n && at < len; i++) {
        uint8_t nlen = mine[at];
        char name[256];
        uint32_t ilen = ld32_le(mine + at + 1 + nlen);
        const StateDesc *sd;
        memcpy(name, mine + at + 1, nlen);
        name[nlen] = 0;
        sd = snapshot_section_desc(name);
        d.section = name;
        if (sd) {
            state_diff_images(sd, rec + at + 5 + nlen, mine + at + 5 + nlen, ilen,
                              report_field, &d);
        }
        at += 5u + nlen + ilen;
    }
    if (d.shown > REPLAY_FIELDS_SHOWN) {
        fprintf(stderr, "wirt:   ... %u fields differ in all\n", d.shown);
    }
    if (ram_differs) {
        fprintf(stderr, "wirt:   RAM written since instruction %" G_GUINT64_FORMAT " differs "
                "(%u pages recorded, %u replayed)\n", r->last_checkpoint, rec_pages, pages);
    }
}

/* Replaying: compares this point with the recording's checkpoint at the same count. */
static bool checkpoint_verify(Replay *r, GByteArray *mine)
{
    const uint8_t *p;
    size_t n, body;
    bool state_same, ram_same;

    if (!seek_kind(r, &r->check_pos, EV_CHECKPOINT) || r->data[r->check_pos] != EV_CHECKPOINT) {
        return true;    /* the recording ended before this point */
    }
    p = (const uint8_t *)r->data + r->check_pos;
    n = event_size(r, r->check_pos);
    if (ld64_le(p + 1) != r->m->cpu.stats.insns) {
        return true;    /* not the checkpoint for this count (one before a restore point) */
    }
    r->check_pos += n;
    body = n - EV_HEADER;
    state_same = body == mine->len && !memcmp(p + EV_HEADER, mine->data, mine->len - 36);
    ram_same = r->skip_ram || (body == mine->len &&
               !memcmp(p + EV_HEADER + body - 36, mine->data + mine->len - 36, 36));
    r->skip_ram = false;
    if (state_same && ram_same && (int64_t)ld64_le(p + 9) == vclock_now(&r->m->clock)) {
        return true;
    }
    if (body != mine->len) {
        fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT ": the "
                "checkpoint has another shape (another build?)\n", r->m->cpu.stats.insns);
    } else {
        report_divergence(r, p + EV_HEADER, mine->data, mine->len, !ram_same,
                          ld32_le(p + EV_HEADER + body - 36), ld32_le(mine->data + mine->len - 36));
        if (state_same && ram_same) {
            fprintf(stderr, "wirt:   virtual time: recorded %" G_GINT64_FORMAT " ns, now %"
                    G_GINT64_FORMAT " ns\n", (gint64)ld64_le(p + 9),
                    (gint64)vclock_now(&r->m->clock));
        }
    }
    r->diverged = true;
    return false;
}

/*
 * Replaying: the guest went past the next logged event's stamp (in instructions, or in
 * virtual time while halted) without taking it. It cannot come back to it, so this is a
 * divergence, reported here rather than left to run on to the next checkpoint or forever.
 */
static bool replay_passed_event(Replay *r)
{
    uint64_t now = r->m->cpu.stats.insns;

    if (r->mode != REPLAY_PLAY || !r->have_next) {
        return false;
    }
    if (r->next.insns > now ||
        (r->next.insns == now && r->next.vtime >= vclock_now(&r->m->clock))) {
        return false;
    }
    fprintf(stderr, "wirt: replay diverged at instruction %" G_GUINT64_FORMAT " (%"
            G_GINT64_FORMAT " ns): the guest went past the logged input at instruction %"
            G_GUINT64_FORMAT " (%" G_GINT64_FORMAT " ns) without taking it\n", now,
            (gint64)vclock_now(&r->m->clock), r->next.insns, (gint64)r->next.vtime);
    r->diverged = true;
    return true;
}

bool replay_step(Replay *r)
{
    Machine *m = r->m;
    g_autoptr(GByteArray) body = NULL;
    bool ok = true;

    if (r->diverged || replay_passed_event(r)) {
        return false;
    }
    if (m->cpu.stats.insns != r->next_checkpoint) {
        return true;
    }
    body = checkpoint_body(m);
    if (r->mode == REPLAY_RECORD) {
        put_event_header(r, EV_CHECKPOINT, m->cpu.stats.insns, vclock_now(&m->clock));
        fwrite(body->data, 1, body->len, r->out);
        fflush(r->out);
    } else {
        ok = checkpoint_verify(r, body);
    }
    r->last_checkpoint = m->cpu.stats.insns;
    r->next_checkpoint += REPLAY_CHECKPOINT_EVERY;
    return ok;
}

bool replay_finish(Replay *r)
{
    Machine *m = r->m;
    g_autoptr(GByteArray) body = NULL;
    uint64_t now = m->cpu.stats.insns;

    if (r->diverged) {
        return false;
    }
    body = checkpoint_body(m);
    if (r->mode == REPLAY_RECORD) {
        put_event_header(r, EV_CHECKPOINT, now, vclock_now(&m->clock));
        fwrite(body->data, 1, body->len, r->out);
        return true;
    }
    if (now != r->end_insns) {
        if (r->end_insns != UINT64_MAX) {
            fprintf(stderr, "wirt: replay: stopped at instruction %" G_GUINT64_FORMAT
                    ", the recording ended at %" G_GUINT64_FORMAT "\n", now, r->end_insns);
        }
        return true;    /* a shorter run (--max-insns) is not a divergence */
    }
    /* The recording's final checkpoint is the last one before its end mark. */
    for (size_t pos = r->check_pos; seek_kind(r, &pos, EV_CHECKPOINT) &&
         r->data[pos] == EV_CHECKPOINT; pos += event_size(r, pos)) {
        r->check_pos = pos;
    }
    return checkpoint_verify(r, body);
}

uint64_t replay_budget(const Replay *r, uint64_t budget)
{
    uint64_t now = r->m->cpu.stats.insns;

    budget = MIN(budget, r->next_checkpoint - now);
    if (r->mode == REPLAY_PLAY && r->have_next && r->next.insns > now) {
        budget = MIN(budget, r->next.insns - now);
    }
    if (r->mode == REPLAY_PLAY && r->end_insns > now) {
        budget = MIN(budget, r->end_insns - now);
    }
    return MAX(budget, 1);
}

bool replay_next_stamp(const Replay *r, uint64_t *insns, int64_t *vtime)
{
    if (r->mode != REPLAY_PLAY || !r->have_next) {
        return false;
    }
    *insns = r->next.insns;
    *vtime = r->next.vtime;
    return true;
}

bool replay_at_end(const Replay *r)
{
    return r->mode == REPLAY_PLAY && !r->have_next && r->m->cpu.stats.insns >= r->end_insns;
}

bool replay_diverged(const Replay *r)
{
    return r->diverged;
}

/* --- opening and closing --- */

static void replay_start_logging(Replay *r)
{
    PhysMem *pm = &r->m->pm;
    uint64_t now = r->m->cpu.stats.insns;

    for (unsigned i = 0; i < pm->nregions; i++) {
        if (pm->regions[i].kind == MEM_RAM) {
            dirty_log_start(pm, DIRTY_REPLAY, pm->regions[i].base, pm->regions[i].size);
        }
    }
    r->last_checkpoint = now;
    r->next_checkpoint = (now / REPLAY_CHECKPOINT_EVERY + 1) * REPLAY_CHECKPOINT_EVERY;
}

static bool replay_open_record(Replay *r, const MachineConfig *cfg, GError **err)
{
    r->out = fopen(r->path, "wb");
    if (!r->out || !header_write(r, cfg)) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_IO, "%s: cannot write: %s", r->path,
                    g_strerror(errno));
        return false;
    }
    input_set_tap(&r->m->input, &(InputTap){ .opaque = r, .record = tap_record });
    return true;
}

/* The log must come from this build's state layout and this machine's configuration. */
static bool replay_check_header(Replay *r, GKeyFile *k, const MachineConfig *cfg,
                                GError **err)
{
    g_autofree char *layout = g_key_file_get_string(k, "wirt", "layout", NULL);
    g_autofree char *version = g_key_file_get_string(k, "wirt", "version", NULL);
    g_autofree char *mine = layout_fingerprint(r->m);
    uint64_t start = g_key_file_get_uint64(k, "replay", "start_insns", NULL);

    if (g_strcmp0(layout, mine)) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_CONFIG, "%s: recorded by another build "
                    "(wirt %s with other state tables): replay it with that build", r->path,
                    version ? version : "?");
        return false;
    }
    if (!snapshot_config_matches(k, r->m, cfg, r->path, err)) {
        return false;
    }
    if (start > r->m->cpu.stats.insns) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_CONFIG, "%s: the recording starts at "
                    "instruction %" G_GUINT64_FORMAT ", after this machine's %" G_GUINT64_FORMAT
                    " (restore the snapshot it started from)", r->path, start,
                    r->m->cpu.stats.insns);
        return false;
    }
    r->skip_ram = start != r->m->cpu.stats.insns;
    return true;
}

/* Drops the events before this machine's point (a replay that starts from a snapshot). */
static void replay_skip_past(Replay *r)
{
    uint64_t now = r->m->cpu.stats.insns;
    int64_t t = vclock_now(&r->m->clock);
    size_t pos = r->input_pos;

    load_next_input(r);
    while (r->have_next && (r->next.insns < now || (r->next.insns == now && r->next.vtime < t))) {
        tap_consume(r);
    }
    r->end_insns = UINT64_MAX;
    if (seek_kind(r, &pos, EV_END)) {
        r->end_insns = ld64_le(r->data + pos + 1);
    }
}

static bool replay_open_play(Replay *r, const MachineConfig *cfg, GError **err)
{
    g_autoptr(GError) e = NULL;
    GKeyFile *k;
    size_t pos;
    bool ok;

    if (!g_file_get_contents(r->path, &r->data, &r->len, &e)) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_IO, "%s", e->message);
        return false;
    }
    k = header_read(r->path, r->data, r->len, &pos, err);
    if (!k) {
        return false;
    }
    ok = replay_check_header(r, k, cfg, err);
    g_key_file_free(k);
    if (!ok) {
        return false;
    }
    r->input_pos = r->check_pos = pos;
    replay_skip_past(r);
    input_set_tap(&r->m->input, &(InputTap){
        .opaque = r, .peek = tap_peek, .consume = tap_consume, .refused = tap_refused,
    });
    return true;
}

Replay *replay_open(ReplayMode mode, Machine *m, const MachineConfig *cfg, const char *path,
                    GError **err)
{
    Replay *r = g_new0(Replay, 1);
    bool ok;

    r->mode = mode;
    r->m = m;
    r->path = g_strdup(path);
    r->end_insns = UINT64_MAX;
    replay_start_logging(r);
    ok = mode == REPLAY_RECORD ? replay_open_record(r, cfg, err) : replay_open_play(r, cfg, err);
    if (!ok) {
        replay_close(r);
        return NULL;
    }
    return r;
}

void replay_close(Replay *r)
{
    if (!r) {
        return;
    }
    input_set_tap(&r->m->input, &(InputTap){ .opaque = NULL });
    if (r->out) {
        put_event_header(r, EV_END, r->m->cpu.stats.insns, vclock_now(&r->m->clock));
        if (fclose(r->out) != 0) {
            fprintf(stderr, "wirt: --record: %s: %s\n", r->path, g_strerror(errno));
        }
    }
    g_free(r->data);
    g_free(r->path);
    g_free(r);
}

bool replay_walk(const char *path, ReplayWalkFn fn, void *ctx, GError **err)
{
    Replay r = { .path = (char *)path };
    g_autoptr(GError) e = NULL;
    GKeyFile *k;
    size_t pos;

    if (!g_file_get_contents(path, &r.data, &r.len, &e)) {
        g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_IO, "%s", e->message);
        return false;
    }
    k = header_read(path, r.data, r.len, &pos, err);
    if (k) {
        g_key_file_free(k);
    }
    while (k && pos < r.len) {
        const uint8_t *p = (const uint8_t *)r.data + pos;
        size_t n = event_size(&r, pos);
        ReplayEventInfo ev = {
            .offset = pos, .insns = n ? ld64_le(p + 1) : 0,
            .vtime = n ? (int64_t)ld64_le(p + 9) : 0,
        };
        if (n == 0) {
            g_set_error(err, REPLAY_ERROR, REPLAY_ERROR_FORMAT, "%s: truncated or corrupt "
                        "event at offset %" G_GSIZE_FORMAT, path, pos);
            k = NULL;
            break;
        }
        ev.kind = p[0] == EV_SERIAL ? "serial" : p[0] == EV_KEY ? "key" :
                  p[0] == EV_RESET ? "reset" : p[0] == EV_CHECKPOINT ? "checkpoint" : "end";
        if (p[0] == EV_SERIAL || p[0] == EV_KEY) {
            InputEvent in = input_event_at(p);
            ev.port = in.port;
            ev.byte = in.byte;
            ev.key = in.key;
            ev.down = in.down;
        }
        fn(ctx, &ev);
        pos += n;
    }
    g_free(r.data);
    return k != NULL;
}
