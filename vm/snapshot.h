/*
 * Snapshots: a running machine written to a file and brought back bit for bit
 * (docs/snapshot-format.md). Everything is written from state tables (DESIGN.md rule 3):
 * the CPU, every device, the input funnel, the virtual clock, and guest RAM (zlib, zero
 * pages as counts). The TLB and translated blocks are rebuilt, not saved.
 */
#ifndef WIRT_VM_SNAPSHOT_H
#define WIRT_VM_SNAPSHOT_H

#include <glib.h>

#include "vm/machine.h"

#define SNAPSHOT_MAGIC "WIRTSNAP"
#define SNAPSHOT_FORMAT 1

#define SNAPSHOT_ERROR (snapshot_error_quark())
GQuark snapshot_error_quark(void);
enum { SNAPSHOT_ERROR_IO, SNAPSHOT_ERROR_FORMAT, SNAPSHOT_ERROR_CONFIG };

/* One named piece of machine state and its table. */
typedef struct SnapshotSection {
    char name[32];
    const StateDesc *sd;
    void *obj;
} SnapshotSection;

/* The sections M has, in file order. Returns how many (at most MAX). */
unsigned snapshot_sections(Machine *m, SnapshotSection *out, unsigned max);

/*
 * Writes M's state to PATH atomically (a temporary file, fsync, rename): on failure the
 * previous file at PATH is intact, ERR says why, and the machine is untouched.
 */
bool snapshot_save(Machine *m, const MachineConfig *cfg, const char *path, GError **err);

/* Told how far a save has come: DONE of TOTAL bytes of RAM encoded (0 first, TOTAL last). */
typedef struct SnapshotProgress {
    void (*fn)(void *opaque, uint64_t done, uint64_t total);
    void *opaque;
} SnapshotProgress;

/* snapshot_save, reporting its progress to PROGRESS as it encodes RAM. */
bool snapshot_save_progress(Machine *m, const MachineConfig *cfg, const char *path,
                            const SnapshotProgress *progress, GError **err);

/*
 * The machine configuration a snapshot was taken with: board, RAM, clock, serial ports,
 * boot images (for resets), and the guest's name when CFG has none. Fills CFG after
 * checking the file's framing; its strings are added to KEEP (a GPtrArray freeing with
 * g_free). A serial port the snapshot has keeps CFG's back-end, or gets stdio (COM1) or
 * none (COM2); one it lacks is dropped.
 */
bool snapshot_read_config(const char *path, MachineConfig *cfg, GPtrArray *keep,
                          GError **err);

/*
 * Loads PATH into M, which was built from the snapshot's configuration. Everything is
 * checked first (magic, format version, checksums, configuration, every section present
 * and of the right size, RAM decompressing to the right size): a refused load changes
 * nothing.
 */
bool snapshot_load(Machine *m, const MachineConfig *cfg, const char *path, GError **err);

/*
 * The machine configuration as a snapshot header writes it (a GLib key file), and the
 * check that THEIRS (a snapshot's or a replay log's, from PATH) describes M and CFG.
 */
char *snapshot_config_text(Machine *m, const MachineConfig *cfg, gsize *len);
bool snapshot_config_matches(GKeyFile *theirs, Machine *m, const MachineConfig *cfg,
                             const char *path, GError **err);

/* A section's bytes, for the inspection tools (wirt snapshot info/diff). */
typedef void (*SnapshotSectionFn)(void *ctx, const char *name, const uint8_t *data,
                                  size_t len);
/*
 * Calls FN for every section of the snapshot in PATH, in file order: state sections as
 * their table's image, RAM sections ("ram:NAME") decoded to the region's bytes.
 */
bool snapshot_walk(const char *path, SnapshotSectionFn fn, void *ctx, GError **err);

/* The state table of a section name ("cpu", "pit", "uart0", ...); NULL for RAM or unknown. */
const StateDesc *snapshot_section_desc(const char *name);

#endif
