/*
 * Direct boot of a Linux bzImage through the 32-bit boot protocol (Linux kernel,
 * Documentation/arch/x86/boot.rst: "The Real-Mode Kernel Header", "Details of Header
 * Fields", "Loading The Rest of The Kernel" and "32-bit Boot Protocol"), protocol 2.06+.
 */
#ifndef WIRT_VM_BZIMAGE_H
#define WIRT_VM_BZIMAGE_H

#include <glib.h>

#include "cpu/cpu.h"

/* Where wirt puts things (all below the EBDA at 0x9fc00, except the kernel and initrd). */
#define BZIMAGE_PARAMS_ADDR 0x10000u    /* struct boot_params, the "zero page" (4 KiB) */
#define BZIMAGE_GDT_ADDR 0x11000u       /* null, null, __BOOT_CS, __BOOT_DS */
#define BZIMAGE_CMDLINE_ADDR 0x20000u
#define BZIMAGE_KERNEL_ADDR 0x100000u   /* the protected-mode kernel (code32_start) */
#define BZIMAGE_BOOT_CS 0x10
#define BZIMAGE_BOOT_DS 0x18
#define BZIMAGE_MIN_VERSION 0x0206u

/* Error codes in the BZIMAGE_ERROR domain; every message names the file. */
typedef enum BzImageError {
    BZIMAGE_ERROR_FILE,         /* a file cannot be read, or is larger than RAM */
    BZIMAGE_ERROR_FORMAT,       /* not a bzImage, or a header that contradicts the file */
    BZIMAGE_ERROR_PROTOCOL,     /* protocol older than 2.06, or not LOADED_HIGH */
    BZIMAGE_ERROR_PLACEMENT,    /* the kernel or the initrd does not fit in RAM */
    BZIMAGE_ERROR_CMDLINE,      /* the command line is longer than cmdline_size */
} BzImageError;

#define BZIMAGE_ERROR (bzimage_error_quark())
GQuark bzimage_error_quark(void);

/* The inputs of a Linux boot, read once so a reset reloads the very same bytes. */
typedef struct BzImage {
    char *kernel_path;
    GBytes *kernel;
    char *cmdline;              /* --append, as is ("" without it) */
    char *initrd_path;          /* NULL: no initrd */
    GBytes *initrd;
} BzImage;

/* An image from bytes already in memory; bzimage_set_initrd adds the initrd. */
BzImage *bzimage_image_new(const char *kernel_path, GBytes *kernel, const char *append);
void bzimage_set_initrd(BzImage *img, const char *path, GBytes *data);
void bzimage_image_free(BzImage *img);

/*
 * Reads the initrd file at INITRD_PATH (may be NULL) for an image of the kernel bytes
 * already read. Fails with BZIMAGE_ERROR_FILE on a file that cannot be read or is larger
 * than RAM_BYTES.
 */
BzImage *bzimage_open(const char *kernel_path, GBytes *kernel, const char *append,
                      const char *initrd_path, uint64_t ram_bytes, GError **err);

/* Whether DATA looks like a Linux kernel: boot_flag 0xAA55 at 0x1FE and "HdrS" at 0x202. */
bool bzimage_detect(const void *data, size_t len);

/*
 * Loads the protected-mode kernel at 1 MiB and the initrd as high as it may go, writes
 * boot_params (setup header, E820 map, command line, initrd), a GDT, and puts CPU at
 * code32_start in the state of the 32-bit boot protocol: flat protected mode with paging
 * and interrupts off, CS = 0x10, DS = ES = SS = 0x18, ESI = boot_params, EBX = EBP =
 * EDI = 0, A20 on. Checks everything before writing anything: on failure memory and CPU
 * are untouched and *ERR names the file and the problem.
 */
bool bzimage_load(const BzImage *img, PhysMem *pm, uint64_t ram_bytes, CPUState *cpu,
                  GError **err);

#endif
