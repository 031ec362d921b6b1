/*
 * The ACPI power-management registers of a PIIX4-class chipset, as fixed hardware at an
 * I/O base the FADT gives (vm/acpi.c): PM1a event block (PM1_STS, PM1_EN), PM1a control
 * block (PM1_CNT with SCI_EN and the sleep request) and the 24-bit power-management
 * timer at 3.579545 MHz. ACPI 6.5 sections 4.8.1 (PM1 event and control registers),
 * 4.8.3.3 (PM timer), 7.4.2 (sleep states: writing SLP_TYP and SLP_EN).
 *
 * The SCI (a level interrupt, IRQ 9 on a PC) is high while an enabled status bit is set.
 * The timer is a function of virtual time, so it replays. A write of SLP_EN with the
 * sleep type the DSDT's \_S5 names powers the machine off.
 */
#ifndef WIRT_HW_ACPI_PM_H
#define WIRT_HW_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

#define ACPI_PM_BASE 0x600          /* QEMU's PIIX4 PM base: PM1a_EVT, PM1a_CNT, PM_TMR */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT_OFF 4
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_OFF 8
#define ACPI_PM_TMR_LEN 4
#define ACPI_PM_LEN 12
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_SLP_TYP_S5 5           /* the value the DSDT's \_S5 package gives */

/* PM1 status/enable bits. */
#define ACPI_PM1_TMR (1u << 0)
#define ACPI_PM1_GBL (1u << 5)
#define ACPI_PM1_PWRBTN (1u << 8)
#define ACPI_PM1_RTC (1u << 10)
#define ACPI_PM1_WAK (1u << 15)
/* PM1 control bits. */
#define ACPI_PM1_SCI_EN (1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN (1u << 13)

typedef void (*AcpiPowerOffFn)(void *opaque);

typedef struct AcpiPm {
    uint16_t sts;           /* PM1_STS */
    uint16_t en;            /* PM1_EN */
    uint16_t cnt;           /* PM1_CNT without the write-only SLP_EN */

    /* wiring, not state */
    VClock *clock;
    IrqLine sci;
    AcpiPowerOffFn power_off;
    void *opaque;
} AcpiPm;

extern const StateDesc acpi_pm_state_desc;

bool acpi_pm_init(AcpiPm *a, IoSpace *io, VClock *clock, IrqLine sci, AcpiPowerOffFn power_off,
                  void *opaque, char **why);
void acpi_pm_reset(AcpiPm *a);
/* The power button is pressed (sets PWRBTN_STS; an SCI if the guest enabled it). */
void acpi_pm_power_button(AcpiPm *a);
/* The PM timer's 24-bit count at virtual time NS. */
uint32_t acpi_pm_timer_at(int64_t ns);

#endif
