/*
 * The Machine: one virtual machine, owning every piece of emulator state (no globals
 * outside it): the log, guest-physical memory, the I/O-port space, the CPU and the
 * devices. Devices and the clock hang here as they arrive.
 */
#ifndef WIRT_VM_MACHINE_H
#define WIRT_VM_MACHINE_H

#include <glib.h>

#include "base/base.h"
#include "cpu/cpu.h"
#include "hw/hw.h"
#include "mmu/mmu.h"

/* What a run was asked to do (from the command line, later from a config file). */
typedef struct MachineConfig {
    uint64_t ram_bytes;
    char *flat_path;        /* --flat: a raw image loaded at flat_addr, run in real mode */
    uint64_t flat_addr;
    char *kernel_path;      /* --kernel: a Multiboot kernel, started in protected mode */
    char *kernel_append;    /* --append: its command line (after the kernel's name) */
    char **module_paths;    /* --module: Multiboot modules, NULL-terminated; may be NULL */
    uint64_t max_insns;     /* --max-insns: 0 = no limit */
    bool no_reboot;         /* --no-reboot: a reset ends the run */
} MachineConfig;

/* Exit statuses of a run, besides the debug-exit port's (value << 1) | 1. */
enum {
    MACHINE_EXIT_SHUTDOWN = 0,   /* halted for good, or reset with --no-reboot */
    MACHINE_EXIT_LIMIT = 4,      /* --max-insns reached */
};

typedef struct Machine {
    Log log;
    PhysMem pm;
    IoSpace io;
    CPUState cpu;
    bool built;             /* memory and CPU exist */
    DebugExit debug_exit;
    DebugCon debug_con;
    Port92 port92;
    bool reset_requested;   /* a device pulsed the reset line */
    GBytes *flat_image;     /* reloaded on reset */
    struct MultibootImage *kernel; /* --kernel and its modules, reloaded on reset */
    bool stop;              /* a device asked to end the run */
    int exit_status;
} Machine;

Machine *machine_new(void);
void machine_free(Machine *m);

/*
 * A bare machine: RAM_BYTES of RAM at physical 0, the I/O-port space with nothing on it,
 * one CPU in its power-on state (real mode, CS:IP = F000:FFF0) with the translator bound,
 * A20 enabled. Enough for CPU test vectors.
 */
bool machine_init_bare(Machine *m, uint64_t ram_bytes, GError **err);

/*
 * The test board: a bare machine plus the debug-exit port (0xf4) and the debug console
 * (0xe9, to stdout), with the flat image of CFG loaded and started at 0000:flat_addr, or
 * with CFG's Multiboot kernel and modules loaded and started at its entry point.
 */
bool machine_init_test_board(Machine *m, const MachineConfig *cfg, GError **err);

/*
 * Runs the CPU until it halts, MAX_INSNS instructions have retired, or the machine must
 * reset (triple fault). Returns why it stopped. After CPU_EXIT_HALT, EIP points past the
 * HLT instruction.
 */
CpuExit machine_run(Machine *m, uint64_t max_insns);

/* Runs the machine to its end as CFG says and returns the process exit status. */
int machine_main(Machine *m, const MachineConfig *cfg);

#endif
