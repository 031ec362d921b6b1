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
#include "vm/input.h"

struct Domain;

/* Which board to wire (--machine). */
typedef enum MachineBoard {
    MACHINE_BOARD_TEST,     /* RAM, CPU, debug ports, port 0x92 (vm/testboard.c) */
    MACHINE_BOARD_PC,       /* the PC platform (vm/pc.c) */
} MachineBoard;

#define MACHINE_SERIAL_PORTS 2  /* COM1 and COM2 */

/* What a run was asked to do (from the command line, later from a config file). */
typedef struct MachineConfig {
    MachineBoard board;     /* --machine */
    ClockMode clock_mode;   /* --clock */
    unsigned clock_shift;   /* --clock insns,shift=N: 2^N virtual ns per instruction */
    const char *serial[MACHINE_SERIAL_PORTS]; /* --serial back-ends; NULL: COM absent */
    InputRtcBase rtc_base;  /* --rtc base=... */
    int64_t rtc_date;       /* INPUT_RTC_DATE: Unix seconds */
    uint64_t ram_bytes;
    char *flat_path;        /* --flat: a raw image loaded at flat_addr, run in real mode */
    uint64_t flat_addr;
    char *kernel_path;      /* --kernel: a Multiboot kernel or a Linux bzImage */
    char *kernel_append;    /* --append: its command line (Multiboot: after its name) */
    char **module_paths;    /* --module: Multiboot modules, NULL-terminated; may be NULL */
    char *initrd_path;      /* --initrd: a bzImage's initial RAM disk; may be NULL */
    char *bios_path;        /* --bios: a raw firmware image started at the reset vector */
    uint64_t max_insns;     /* --max-insns: 0 = no limit */
    bool no_reboot;         /* --no-reboot: a reset ends the run */
    uint64_t save_at;       /* --save-at: snapshot at this instruction count ... */
    const char *save_path;  /* ... into this file; NULL: no snapshot */
    const char *name;       /* --name: the guest's name and control socket; NULL: none */
} MachineConfig;

/* Exit statuses of a run, besides the debug-exit port's (value << 1) | 1. */
enum {
    MACHINE_EXIT_SHUTDOWN = 0,   /* halted for good, or reset with --no-reboot */
    MACHINE_EXIT_LIMIT = 4,      /* --max-insns reached */
    MACHINE_EXIT_DIVERGED = 6,   /* --replay: the guest left the recording's path */
};

typedef struct Machine {
    Log log;
    PhysMem pm;
    IoSpace io;
    CPUState cpu;
    bool built;             /* memory and CPU exist */
    MachineBoard board;
    VClock clock;
    DebugExit debug_exit;
    DebugCon debug_con;
    DebugCon firmware_con;  /* PC: port 0x402, the firmware's log (-d firmware) */
    Port92 port92;
    /* The PC board's devices (vm/pc.c). */
    Pic pic;
    Pit pit;
    Port61 port61;
    Rtc rtc;
    Uart uart[MACHINE_SERIAL_PORTS];
    bool uart_present[MACHINE_SERIAL_PORTS];
    struct Chardev *serial[MACHINE_SERIAL_PORTS]; /* their back-ends (vm/chardev.h) */
    I8042 kbc;
    Port80 port80;
    AcpiPm acpi;            /* PM registers at 0x600, SCI on IRQ 9 (tables: vm/acpi.c) */
    bool a20_in[2];         /* A20 requests: MACHINE_A20_PORT92, MACHINE_A20_KBC; ORed */
    Input input;            /* the input funnel (vm/input.h) */
    void (*reset_devices)(struct Machine *m); /* the board's devices back to power-on */
    bool reset_requested;   /* a device pulsed the reset line */
    GBytes *flat_image;     /* reloaded on reset */
    GBytes *bios_image;     /* --bios: mapped at 4 GiB; its low copy reloaded on reset */
    struct MultibootImage *kernel; /* --kernel and its modules, reloaded on reset */
    struct BzImage *linux_kernel;  /* --kernel (a bzImage) and --initrd, likewise */
    struct Replay *replay;  /* --record or --replay (vm/replay.h); NULL otherwise */
    struct Domain *domain;  /* --name: the control socket (vm/domain.h); NULL otherwise */
    bool stop;              /* a device asked to end the run */
    int exit_status;
} Machine;

/* The board's own state (A20 inputs, a pending reset), for snapshots. */
extern const StateDesc machine_state_desc;

Machine *machine_new(void);
/* Closes the serial back-ends (their sockets go); machine_free does it too. */
void machine_close_serial(Machine *m);
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
 * The PC board (vm/pc.c): the test board's debug ports plus the PIC pair, PIT, port 0x61,
 * RTC/CMOS, COM1 (and COM2), the 8042 and port 0x80, on the virtual clock CFG asks for.
 */
bool machine_init_pc(Machine *m, const MachineConfig *cfg, GError **err);

/* The board CFG names. */
bool machine_init(Machine *m, const MachineConfig *cfg, GError **err);

/*
 * Boot images (either board): maps CFG's firmware and starts at the reset vector, or loads
 * its flat image, or its kernel (Multiboot first, then a Linux bzImage with CFG's
 * initrd), and starts it.
 */
bool machine_load_boot(Machine *m, const MachineConfig *cfg, GError **err);

/*
 * A machine reset (triple fault, reset line): every device reset, the CPU reset, the boot
 * image reloaded. Returns false (after a message) if the image cannot be reloaded.
 */
bool machine_reset(Machine *m, const MachineConfig *cfg);

/* Sources of the A20 gate; the chipset ORs them. */
enum { MACHINE_A20_PORT92, MACHINE_A20_KBC };
/* An IrqHandler for the A20 lines (opaque is the Machine, n the source). */
void machine_a20_handler(void *opaque, int n, bool level);
/* Callbacks both boards hand to their devices (opaque is the Machine). */
void machine_reset_line(void *opaque);
void machine_debug_exit(void *opaque, int status);
void machine_debug_console(void *opaque, const uint8_t *buf, size_t len);
void machine_firmware_console(void *opaque, const uint8_t *buf, size_t len);

/*
 * Runs the CPU until it halts, MAX_INSNS instructions have retired, or the machine must
 * reset (triple fault). Returns why it stopped. After CPU_EXIT_HALT, EIP points past the
 * HLT instruction.
 */
CpuExit machine_run(Machine *m, uint64_t max_insns);

/* Runs the machine to its end as CFG says and returns the process exit status (vm/run.c). */
int machine_main(Machine *m, const MachineConfig *cfg);

#endif
