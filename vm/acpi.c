/*
 * ACPI tables for direct kernel boot (see vm/acpi.h). Each table is laid out field by
 * field at the offsets ACPI 6.5 chapter 5 gives, little-endian, and checksummed so its
 * bytes sum to zero.
 */
#include "vm/acpi.h"

#include <string.h>

#include "base/bytes.h"
#include "hw/acpi_pm.h"

#define RSDP_OFF 0x000
#define RSDT_OFF 0x040
#define FADT_OFF 0x080
#define FACS_OFF 0x100          /* 64-byte aligned */
#define DSDT_OFF 0x140
#define HEADER_LEN 36
#define FADT_LEN 116            /* revision 1 */
#define FACS_LEN 64
#define RSDT_LEN (HEADER_LEN + 4)

/* FADT flags: WBINVD works, C1 supported, no sleep button (the power button is fixed). */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_SLP_BUTTON (1u << 5)
/* IA-PC boot architecture flags: legacy devices, an 8042. */
#define FADT_LEGACY_DEVICES (1u << 0)
#define FADT_8042 (1u << 1)
#define SCI_IRQ 9

/* Name(\_S5, Package(4) { 5, 5, 0, 0 }) in AML (ACPI 6.5 20.2.5.2, 20.2.5.4). */
static const uint8_t dsdt_body[] = {
    0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
    0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, 0x00, 0x00,
};

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum = (uint8_t)(sum + p[i]);
    }
    return (uint8_t)-sum;
}

/* The common header (ACPI 6.5 5.2.6); the checksum is filled in by the caller. */
static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    st32_le(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "WIRT  ", 6);
    memcpy(t + 16, "WIRTPC  ", 8);
    st32_le(t + 24, 1);
    memcpy(t + 28, "WIRT", 4);
    st32_le(t + 32, 1);
}

static void build_fadt(uint8_t *t)
{
    put_header(t, "FACP", FADT_LEN, 1);
    st32_le(t + 36, ACPI_TABLES_BASE + FACS_OFF);
    st32_le(t + 40, ACPI_TABLES_BASE + DSDT_OFF);
    st16_le(t + 46, SCI_IRQ);
    st32_le(t + 56, ACPI_PM_BASE);                      /* PM1a_EVT_BLK */
    st32_le(t + 64, ACPI_PM_BASE + ACPI_PM1_CNT_OFF);   /* PM1a_CNT_BLK */
    st32_le(t + 76, ACPI_PM_BASE + ACPI_PM_TMR_OFF);    /* PM_TMR_BLK */
    t[88] = ACPI_PM1_EVT_LEN;
    t[89] = ACPI_PM1_CNT_LEN;
    t[91] = ACPI_PM_TMR_LEN;
    st16_le(t + 96, 101);                               /* P_LVL2_LAT: no C2 */
    st16_le(t + 98, 1001);                              /* P_LVL3_LAT: no C3 */
    st16_le(t + 109, FADT_LEGACY_DEVICES | FADT_8042);
    st32_le(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON);
    t[9] = checksum(t, FADT_LEN);
}

static void build_rsdp(uint8_t *t)
{
    memcpy(t, "RSD PTR ", 8);
    memcpy(t + 9, "WIRT  ", 6);
    t[15] = 0;                                          /* ACPI 1.0 RSDP */
    st32_le(t + 16, ACPI_TABLES_BASE + RSDT_OFF);
    t[8] = checksum(t, 20);
}

void acpi_build_tables(PhysMem *pm)
{
    uint8_t t[ACPI_TABLES_SIZE] = { 0 };
    uint8_t *rsdt = t + RSDT_OFF, *facs = t + FACS_OFF, *dsdt = t + DSDT_OFF;
    uint32_t dsdt_len = HEADER_LEN + sizeof(dsdt_body);

    build_rsdp(t + RSDP_OFF);
    put_header(rsdt, "RSDT", RSDT_LEN, 1);
    st32_le(rsdt + HEADER_LEN, ACPI_TABLES_BASE + FADT_OFF);
    rsdt[9] = checksum(rsdt, RSDT_LEN);
    build_fadt(t + FADT_OFF);
    memcpy(facs, "FACS", 4);
    st32_le(facs + 4, FACS_LEN);
    put_header(dsdt, "DSDT", dsdt_len, 1);
    memcpy(dsdt + HEADER_LEN, dsdt_body, sizeof(dsdt_body));
    dsdt[9] = checksum(dsdt, dsdt_len);
    physmem_load(pm, ACPI_TABLES_BASE, t, sizeof(t));
}
