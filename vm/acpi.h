/*
 * ACPI tables for direct kernel boot (the firmware's job when there is one): an RSDP the
 * kernel finds by scanning 0xE0000-0xFFFFF, an RSDT listing one FADT, the FADT describing
 * the PM registers of hw/acpi_pm.h and the legacy PC (8042, IRQ 9 SCI), a FACS, and a DSDT
 * whose only object is \_S5 (so the kernel can power off). No MADT: the board has no APIC.
 * ACPI 6.5 sections 5.2.5 (RSDP), 5.2.7 (RSDT), 5.2.9 (FADT, revision 1 layout), 5.2.10
 * (FACS), 5.2.11.1 (DSDT), 7.4.2 (\_S5).
 */
#ifndef WIRT_VM_ACPI_H
#define WIRT_VM_ACPI_H

#include <stdint.h>

#include "mmu/mmu.h"

/* Where the tables go: the BIOS area the e820 map reserves (vm/bzimage.c). */
#define ACPI_TABLES_BASE 0xf0000u
#define ACPI_TABLES_SIZE 0x200u

/* Writes the tables into guest RAM at ACPI_TABLES_BASE. */
void acpi_build_tables(PhysMem *pm);

#endif
