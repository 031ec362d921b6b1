/*
 * Firmware boot (--bios FILE): a raw ROM image the CPU starts from its reset vector, the
 * way a PC starts its BIOS. The whole image is mapped read-only at the top of the 4 GiB
 * physical space, where the first instruction is fetched (F000:FFF0 with CS base
 * 0xFFFF0000, SDM vol. 3A 9.1.4); its last 128 KiB (or all of a smaller image) is also
 * copied below 1 MiB, ending at 0xFFFFF, where real-mode code reaches it after the first
 * far jump. As on QEMU's isapc (no chipset to write-protect shadow RAM) the low copy is
 * RAM: firmware may write to it, and every reset copies it afresh.
 */
#ifndef WIRT_VM_BIOS_H
#define WIRT_VM_BIOS_H

#include <glib.h>

#include "mmu/mmu.h"

#define BIOS_ERROR (bios_error_quark())
GQuark bios_error_quark(void);
enum { BIOS_ERROR_SIZE };

/* Image sizes accepted: a multiple of 64 KiB, from 64 KiB to 16 MiB. */
#define BIOS_SIZE_UNIT (64u << 10)
#define BIOS_SIZE_MAX (16u << 20)
/* Bytes of the image's end mirrored below 1 MiB. */
#define BIOS_LOW_MAX (128u << 10)

/*
 * Reads PATH and checks its size against RAM_BYTES (the top mapping must stay above RAM,
 * the low copy inside it). Returns the image, or NULL with ERR set.
 */
GBytes *bios_open(const char *path, uint64_t ram_bytes, GError **err);
/* Maps IMAGE at the top of 4 GiB (once per machine). */
bool bios_map(GBytes *image, PhysMem *pm, GError **err);
/* Copies the image's end below 1 MiB (at power-on and every reset). */
void bios_load_low(GBytes *image, PhysMem *pm);

#endif
