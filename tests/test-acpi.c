/*
 * ACPI: the PM registers (hw/acpi_pm.c) through their ports, and the tables a directly
 * booted kernel finds (vm/acpi.c): found the way Linux finds the RSDP, every checksum
 * right, the FADT pointing at the PM registers, the DSDT's \_S5.
 */
#include <glib.h>
#include <string.h>

#include "base/bytes.h"
#include "hw/acpi_pm.h"
#include "vm/acpi.h"

#define RAM (1u << 20)
#define PM1_STS ACPI_PM_BASE
#define PM1_EN (ACPI_PM_BASE + 2)
#define PM1_CNT (ACPI_PM_BASE + ACPI_PM1_CNT_OFF)
#define PM_TMR (ACPI_PM_BASE + ACPI_PM_TMR_OFF)

typedef struct Fx {
    uint64_t insns;
    VClock clock;
    Log log;
    IoSpace io;
    AcpiPm pm;
    bool sci;
    int power_offs;
} Fx;

static void on_sci(void *opaque, int n, bool level)
{
    Fx *f = opaque;
    g_assert_cmpint(n, ==, 9);
    f->sci = level;
}

static void on_power_off(void *opaque)
{
    ((Fx *)opaque)->power_offs++;
}

static void fx_setup(Fx *f, gconstpointer data)
{
    IrqLine sci;
    char *why = NULL;

    log_init(&f->log);
    vclock_init(&f->clock, VCLOCK_INSNS, 0, &f->insns);
    ioport_init(&f->io, &f->log);
    irq_connect(&sci, on_sci, f, 9);
    g_assert_true(acpi_pm_init(&f->pm, &f->io, &f->clock, sci, on_power_off, f, &why));
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    ioport_destroy(&f->io);
}

static void test_timer(Fx *f, gconstpointer data)
{
    uint32_t t0, t1;

    g_assert_cmpuint(ioport_read(&f->io, PM_TMR, 4), ==, 0);
    f->insns = 1000000000;                  /* one second: 3,579,545 ticks */
    g_assert_cmpuint(ioport_read(&f->io, PM_TMR, 4), ==, 3579545u);
    f->insns = 5000000000ull;               /* 24 bits wrap: 17,897,725 mod 2^24 */
    g_assert_cmpuint(ioport_read(&f->io, PM_TMR, 4), ==, 17897725u & 0xffffff);
    t0 = ioport_read(&f->io, PM_TMR, 4);
    f->insns += 280;                        /* one tick is 279.4 ns */
    t1 = ioport_read(&f->io, PM_TMR, 4);
    g_assert_cmpuint((t1 - t0) & 0xffffff, ==, 1);
    ioport_write(&f->io, PM_TMR, 0, 4);     /* read-only */
    g_assert_cmpuint(ioport_read(&f->io, PM_TMR, 4), ==, t1);
    /* far in the future: no overflow in the conversion */
    g_assert_cmpuint(acpi_pm_timer_at(INT64_C(86400) * 1000000000 * 365),
                     ==, (uint32_t)((UINT64_C(86400) * 365 * 3579545) & 0xffffff));
}

static void test_status_and_sci(Fx *f, gconstpointer data)
{
    g_assert_cmpuint(ioport_read(&f->io, PM1_CNT, 2) & ACPI_PM1_SCI_EN, ==, ACPI_PM1_SCI_EN);
    acpi_pm_power_button(&f->pm);
    g_assert_cmpuint(ioport_read(&f->io, PM1_STS, 2), ==, ACPI_PM1_PWRBTN);
    g_assert_false(f->sci);                 /* not enabled */
    ioport_write(&f->io, PM1_EN, ACPI_PM1_PWRBTN, 2);
    g_assert_true(f->sci);
    g_assert_cmpuint(ioport_read(&f->io, PM1_EN, 2), ==, ACPI_PM1_PWRBTN);
    ioport_write(&f->io, PM1_STS, 0, 2);    /* writing 0 changes nothing */
    g_assert_true(f->sci);
    ioport_write(&f->io, PM1_STS, ACPI_PM1_PWRBTN, 2);   /* write 1 to clear */
    g_assert_false(f->sci);
    g_assert_cmpuint(ioport_read(&f->io, PM1_STS, 2), ==, 0);
    /* a dword write reaches both registers: clear nothing, enable the RTC too */
    ioport_write(&f->io, PM1_STS, (uint32_t)(ACPI_PM1_PWRBTN | ACPI_PM1_RTC) << 16, 4);
    g_assert_cmpuint(ioport_read(&f->io, PM1_STS, 4), ==,
                     (uint32_t)(ACPI_PM1_PWRBTN | ACPI_PM1_RTC) << 16);
}

static void test_sleep(Fx *f, gconstpointer data)
{
    /* SLP_TYP without SLP_EN, and another sleep type: nothing happens */
    ioport_write(&f->io, PM1_CNT, ACPI_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT, 2);
    ioport_write(&f->io, PM1_CNT, (3u << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN, 2);
    g_assert_cmpint(f->power_offs, ==, 0);
    g_assert_cmpuint(ioport_read(&f->io, PM1_CNT, 2) & ACPI_PM1_SLP_EN, ==, 0);
    ioport_write(&f->io, PM1_CNT, (ACPI_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT) |
                 ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2);
    g_assert_cmpint(f->power_offs, ==, 1);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++) {
        s = (uint8_t)(s + p[i]);
    }
    return s;
}

/* The RSDP the way Linux looks for it: "RSD PTR " on a 16-byte boundary, checksum zero. */
static const uint8_t *find_rsdp(const uint8_t *ram)
{
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
        if (!memcmp(ram + a, "RSD PTR ", 8) && sum(ram + a, 20) == 0) {
            return ram + a;
        }
    }
    return NULL;
}

static const uint8_t *table(const uint8_t *ram, uint32_t addr, const char *sig)
{
    const uint8_t *t = ram + addr;
    g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(sum(t, ld32_le(t + 4)), ==, 0);
    return t;
}

static void test_tables(void)
{
    Log log;
    PhysMem pm;
    char *why = NULL;
    const uint8_t *ram, *rsdp, *rsdt, *fadt, *facs, *dsdt;
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                  0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };

    log_init(&log);
    physmem_init(&pm, &log);
    g_assert_true(physmem_add_ram(&pm, "ram", 0, RAM, &why));
    acpi_build_tables(&pm);
    ram = physmem_host_ptr(&pm, 0, NULL);
    rsdp = find_rsdp(ram);
    g_assert_nonnull(rsdp);
    g_assert_cmpuint(rsdp[15], ==, 0);
    rsdt = table(ram, ld32_le(rsdp + 16), "RSDT");
    g_assert_cmpuint(ld32_le(rsdt + 4), ==, 40);      /* one entry */
    fadt = table(ram, ld32_le(rsdt + 36), "FACP");
    g_assert_cmpuint(ld32_le(fadt + 4), ==, 116);
    g_assert_cmpuint(ld16_le(fadt + 46), ==, 9);      /* SCI_INT */
    g_assert_cmpuint(ld32_le(fadt + 48), ==, 0);      /* no SMI_CMD: always in ACPI mode */
    g_assert_cmpuint(ld32_le(fadt + 56), ==, PM1_STS);
    g_assert_cmpuint(ld32_le(fadt + 64), ==, PM1_CNT);
    g_assert_cmpuint(ld32_le(fadt + 76), ==, PM_TMR);
    g_assert_cmpuint(fadt[88], ==, 4);
    g_assert_cmpuint(fadt[89], ==, 2);
    g_assert_cmpuint(fadt[91], ==, 4);
    facs = ram + ld32_le(fadt + 36);
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint((uintptr_t)(facs - ram) % 64, ==, 0);
    dsdt = table(ram, ld32_le(fadt + 40), "DSDT");
    g_assert_cmpmem(dsdt + 36, sizeof(s5), s5, sizeof(s5));
    physmem_destroy(&pm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/acpi/pm-timer", Fx, NULL, fx_setup, test_timer, fx_teardown);
    g_test_add("/acpi/pm1-status-sci", Fx, NULL, fx_setup, test_status_and_sci, fx_teardown);
    g_test_add("/acpi/sleep-s5", Fx, NULL, fx_setup, test_sleep, fx_teardown);
    g_test_add_func("/acpi/tables", test_tables);
    return g_test_run();
}
