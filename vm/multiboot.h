/*
 * Direct boot of a Multiboot v1 kernel (Multiboot Specification 0.6.96): the header
 * search (3.1), ELF32 and a.out-kludge images (3.1.3, 3.1.5), boot modules, the boot
 * information structure (3.3) and the machine state at entry (3.2).
 */
#ifndef WIRT_VM_MULTIBOOT_H
#define WIRT_VM_MULTIBOOT_H

#include <glib.h>

#include "cpu/cpu.h"

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_BOOT_MAGIC 0x2badb002u    /* in EAX at entry */
#define MULTIBOOT_SEARCH_BYTES 8192u

/*
 * Where the boot information lives: the info structure, then the memory map, the module
 * list and the strings, packed upwards from MULTIBOOT_INFO_ADDR and ending below the
 * reserved area at MULTIBOOT_LOW_END.
 */
#define MULTIBOOT_INFO_ADDR 0x9000u
#define MULTIBOOT_LOW_END 0x9fc00u          /* end of available low memory (639 KiB) */
#define MULTIBOOT_HIGH_START 0x100000u      /* RAM above the reserved area */

/* Error codes in the MULTIBOOT_ERROR domain; every message names the file. */
typedef enum MultibootError {
    MULTIBOOT_ERROR_FILE,       /* a file cannot be read, or is larger than RAM */
    MULTIBOOT_ERROR_NO_HEADER,  /* no Multiboot header in the first 8192 bytes */
    MULTIBOOT_ERROR_CHECKSUM,   /* a header magic whose checksum is wrong */
    MULTIBOOT_ERROR_FLAGS,      /* a required feature (flags bits 0-15) wirt lacks */
    MULTIBOOT_ERROR_FORMAT,     /* a malformed a.out-kludge header or ELF image */
    MULTIBOOT_ERROR_PLACEMENT,  /* a segment or module outside usable RAM */
} MultibootError;

#define MULTIBOOT_ERROR (multiboot_error_quark())
GQuark multiboot_error_quark(void);

typedef struct MultibootModule {
    char *path;                 /* also the module's string */
    GBytes *data;
} MultibootModule;

/* The inputs of a Multiboot boot, read once so a reset reloads the very same bytes. */
typedef struct MultibootImage {
    char *kernel_path;
    GBytes *kernel;
    char *cmdline;              /* the kernel's command line: "PATH" or "PATH APPEND" */
    MultibootModule *modules;
    unsigned nmodules;
} MultibootImage;

/* An image from bytes already in memory; modules are added with multiboot_add_module. */
MultibootImage *multiboot_image_new(const char *kernel_path, GBytes *kernel,
                                    const char *append);
void multiboot_add_module(MultibootImage *img, const char *path, GBytes *data);
void multiboot_image_free(MultibootImage *img);

/*
 * Reads the kernel and the NULL-terminated list of module files (MODULE_PATHS may be
 * NULL). Fails with MULTIBOOT_ERROR_FILE on a file that cannot be read or is larger than
 * RAM_BYTES. Does not look inside the kernel.
 */
MultibootImage *multiboot_open(const char *kernel_path, const char *append,
                               char *const *module_paths, uint64_t ram_bytes, GError **err);

/*
 * Whether DATA carries a Multiboot header magic in its first 8192 bytes (the checksum is
 * not checked: a kernel with a bad one gets multiboot_load's error).
 */
bool multiboot_detect(const void *data, size_t len);

/*
 * Loads the kernel and its modules into the RAM of PM (RAM_BYTES from physical 0), writes
 * the boot information and puts CPU in the state of spec 3.2: EAX = 0x2BADB002, EBX =
 * the info structure, flat 32-bit protected mode with paging off, interrupts off, CPL 0,
 * A20 on, EIP = the entry point. Checks everything before writing anything: on failure
 * memory and CPU are untouched and *ERR names the file and the problem.
 */
bool multiboot_load(const MultibootImage *img, PhysMem *pm, uint64_t ram_bytes,
                    CPUState *cpu, GError **err);

#endif
