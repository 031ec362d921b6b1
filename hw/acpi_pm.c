/*
 * ACPI fixed-hardware power management registers (see hw/acpi_pm.h; ACPI 6.5 4.8).
 */
#include "hw/acpi_pm.h"

#define NS_PER_SEC INT64_C(1000000000)
#define ACPI_PM1_STS_MASK (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC | \
                           ACPI_PM1_WAK)
#define ACPI_PM1_EN_MASK (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC)

uint32_t acpi_pm_timer_at(int64_t ns)
{
    uint64_t sec = (uint64_t)(ns / NS_PER_SEC), rem = (uint64_t)(ns % NS_PER_SEC);
    uint64_t ticks = sec * ACPI_PM_TIMER_HZ + rem * ACPI_PM_TIMER_HZ / NS_PER_SEC;
    return (uint32_t)(ticks & 0xffffff);
}

static void acpi_pm_update_sci(AcpiPm *a)
{
    irq_set(&a->sci, (a->sts & a->en) != 0);
}

/* A sleep request: S5 powers off; the other states are not implemented and are ignored. */
static void acpi_pm_sleep(AcpiPm *a, unsigned type)
{
    if (type == ACPI_SLP_TYP_S5 && a->power_off) {
        a->power_off(a->opaque);
    }
}

/* The block's bytes from OFF on, as one little-endian word. */
static uint32_t acpi_pm_bytes(const AcpiPm *a, unsigned off)
{
    if (off >= ACPI_PM_TMR_OFF) {
        return acpi_pm_timer_at(vclock_now(a->clock)) >> ((off - ACPI_PM_TMR_OFF) * 8);
    }
    if (off >= ACPI_PM1_CNT_OFF) {
        return (uint32_t)a->cnt >> ((off - ACPI_PM1_CNT_OFF) * 8);
    }
    return (a->sts | (uint32_t)a->en << 16) >> (off * 8);
}

static uint32_t acpi_pm_read(void *opaque, uint16_t port, unsigned size)
{
    uint32_t v = acpi_pm_bytes(opaque, port - ACPI_PM_BASE);
    return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void acpi_pm_write_cnt(AcpiPm *a, uint16_t v)
{
    a->cnt = (uint16_t)((v & ~ACPI_PM1_SLP_EN) | ACPI_PM1_SCI_EN);
    if (v & ACPI_PM1_SLP_EN) {
        acpi_pm_sleep(a, (v >> ACPI_PM1_SLP_TYP_SHIFT) & 7);
    }
}

/* Writes of SIZE bytes at OFF within the block; status bits are cleared by writing 1. */
static void acpi_pm_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    AcpiPm *a = opaque;
    unsigned off = port - ACPI_PM_BASE;
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

    if (off >= ACPI_PM_TMR_OFF) {
        return;     /* the timer is read-only */
    }
    if (off >= ACPI_PM1_CNT_OFF) {
        unsigned shift = (off - ACPI_PM1_CNT_OFF) * 8;
        uint16_t v = (uint16_t)((a->cnt & ~(mask << shift)) | ((value & mask) << shift));
        acpi_pm_write_cnt(a, v);
        return;
    }
    value = (value & mask) << (off * 8);
    mask <<= off * 8;
    a->sts &= (uint16_t)~(value & mask & ACPI_PM1_STS_MASK);
    if (mask >> 16) {
        a->en = (uint16_t)((a->en & ~(mask >> 16)) | ((value >> 16) & ACPI_PM1_EN_MASK));
    }
    acpi_pm_update_sci(a);
}

static const IoPortOps acpi_pm_ops = {
    .read = acpi_pm_read,
    .write = acpi_pm_write,
    .sizes = IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4,
};

void acpi_pm_reset(AcpiPm *a)
{
    a->sts = 0;
    a->en = 0;
    a->cnt = ACPI_PM1_SCI_EN;   /* no SMI_CMD: the board is always in ACPI mode */
    acpi_pm_update_sci(a);
}

void acpi_pm_power_button(AcpiPm *a)
{
    a->sts |= ACPI_PM1_PWRBTN;
    acpi_pm_update_sci(a);
}

bool acpi_pm_init(AcpiPm *a, IoSpace *io, VClock *clock, IrqLine sci, AcpiPowerOffFn power_off,
                  void *opaque, char **why)
{
    *a = (AcpiPm){ .clock = clock, .sci = sci, .power_off = power_off, .opaque = opaque };
    acpi_pm_reset(a);
    return ioport_register(io, "acpi-pm", ACPI_PM_BASE, ACPI_PM_LEN, &acpi_pm_ops, a, why);
}

static void acpi_pm_post_load(void *opaque)
{
    acpi_pm_update_sci(opaque);
}

static const StateField acpi_pm_fields[] = {
    STATE_U16(AcpiPm, sts),
    STATE_U16(AcpiPm, en),
    STATE_U16(AcpiPm, cnt),
    STATE_END,
};
const StateDesc acpi_pm_state_desc = {
    .name = "acpi-pm", .version = 1, .fields = acpi_pm_fields, .size = sizeof(AcpiPm),
    .post_load = acpi_pm_post_load,
};
