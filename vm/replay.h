/*
 * Record/replay (docs/replay-format.md): `--record FILE` logs every input that enters
 * through the funnel (vm/input.h: serial bytes, key presses), stamped with the instruction
 * count and virtual time, plus periodic checkpoints of the machine state; `--replay FILE`
 * feeds the inputs back at the same stamps, ignores the host, and stops at the first
 * checkpoint that differs, naming what differs. Both run on the deterministic clock.
 */
#ifndef WIRT_VM_REPLAY_H
#define WIRT_VM_REPLAY_H

#include <stdio.h>

#include <glib.h>

#include "vm/machine.h"

#define REPLAY_MAGIC "WIRTRPLY"
#define REPLAY_FORMAT 1
/* Instructions between checkpoints. */
#define REPLAY_CHECKPOINT_EVERY (UINT64_C(1) << 27)

#define REPLAY_ERROR (replay_error_quark())
GQuark replay_error_quark(void);
enum { REPLAY_ERROR_IO, REPLAY_ERROR_FORMAT, REPLAY_ERROR_CONFIG };

typedef enum ReplayMode { REPLAY_RECORD, REPLAY_PLAY } ReplayMode;

typedef struct Replay Replay;

/*
 * The settings a log fixes before the machine is built: the RTC's start time (an input)
 * and the clock. Fills CFG from the log at PATH for --replay.
 */
bool replay_read_setup(const char *path, MachineConfig *cfg, GError **err);

/*
 * Starts recording M into PATH, or replaying PATH into M (built from CFG, and restored
 * from a snapshot if the run started from one). Returns NULL with ERR set when the file
 * cannot be written or read, or a log is for another build or configuration.
 */
Replay *replay_open(ReplayMode mode, Machine *m, const MachineConfig *cfg, const char *path,
                    GError **err);
/*
 * At the end of the run: recording writes a final checkpoint; replaying compares with it
 * when the run ended where the recording did. Returns false when replay has diverged.
 */
bool replay_finish(Replay *r);
/* Recording: the end mark and the file closed. Then frees R. */
void replay_close(Replay *r);

/* The budget a slice may run: never past the next logged event or checkpoint. */
uint64_t replay_budget(const Replay *r, uint64_t budget);
/*
 * Between slices: the checkpoint due at this instruction count is written (recording) or
 * compared (replaying). Returns false when replay has diverged (after printing why).
 */
bool replay_step(Replay *r);
/* Replaying: the next logged event's stamp; false when the log has no more. */
bool replay_next_stamp(const Replay *r, uint64_t *insns, int64_t *vtime);
/* Replaying: the log's end was reached (the recording stopped here). */
bool replay_at_end(const Replay *r);
/* Whether the replay has diverged (a device refused a logged input, or a checkpoint). */
bool replay_diverged(const Replay *r);

/* One logged event, for `wirt replay info`. */
typedef struct ReplayEventInfo {
    size_t offset;          /* in the file */
    const char *kind;       /* "serial", "key", "checkpoint" or "end" */
    uint64_t insns;
    int64_t vtime;
    uint8_t port, byte;     /* serial: COM(port + 1) received byte */
    uint32_t key;           /* key: the PS/2 key code (hw/ps2.h) ... */
    bool down;              /* ... went down, or up */
} ReplayEventInfo;
typedef void (*ReplayWalkFn)(void *ctx, const ReplayEventInfo *ev);
/* Calls FN for every event of the log at PATH, in order. */
bool replay_walk(const char *path, ReplayWalkFn fn, void *ctx, GError **err);

#endif
