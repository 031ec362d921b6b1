/*
 * The PC board (IBM PC/AT wiring, as the PIIX keeps it): the master 8259A drives the
 * CPU's INTR and answers its INTA cycle; the PIT's counter 0 is IRQ 0, the 8042 IRQ 1 and
 * 12, COM1 IRQ 4, COM2 IRQ 3, the RTC IRQ 8; port 0x61 gates PIT counter 2; the 8042 and
 * port 0x92 both gate A20 (ORed) and pulse the reset line. The RTC's start time and the
 * serial input come through the input funnel (vm/input.h).
 */
#include "vm/pc.h"

#include <stdio.h>
#include <string.h>

#include "vm/chardev.h"

static void pc_intr(void *opaque, int n, bool level)
{
    Machine *m = opaque;
    cpu_set_irq(&m->cpu, level);
}

static int pc_irq_ack(void *opaque)
{
    Machine *m = opaque;
    return pic_ack(&m->pic);
}

/* FERR# from the FPU drives IRQ13, the PC/AT way of reporting x87 errors (CR0.NE=0). */
static void pc_ferr(void *opaque, bool level)
{
    Machine *m = opaque;
    pic_set_irq(&m->pic, 13, level);
}

static uint64_t pc_read_tsc(void *opaque, uint64_t retired)
{
    Machine *m = opaque;
    return (uint64_t)vclock_at(&m->clock, retired);
}

static IrqLine pc_pic_line(Machine *m, int irq)
{
    IrqLine l;
    irq_connect(&l, pic_irq_handler, &m->pic, irq);
    return l;
}

static void pc_serial_tx(void *opaque, uint8_t byte)
{
    if (opaque) {
        chardev_write(opaque, &byte, 1);
    }
}

static void pc_reset_devices(Machine *m)
{
    pic_reset(&m->pic);
    pit_reset(&m->pit);
    port61_reset(&m->port61);
    rtc_reset(&m->rtc);
    for (int i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (m->uart_present[i]) {
            uart_reset(&m->uart[i]);
        }
    }
    i8042_reset(&m->kbc);
    port92_reset(&m->port92);
    port80_reset(&m->port80);
    acpi_pm_reset(&m->acpi);
}

/* ACPI S5: the guest turned the machine off. */
static void pc_power_off(void *opaque)
{
    Machine *m = opaque;

    fprintf(stderr, "wirt: the guest powered off (ACPI S5)\n");
    m->stop = true;
    m->exit_status = MACHINE_EXIT_SHUTDOWN;
    cpu_request_exit(&m->cpu);
}

/* Interrupt controller, timers and the RTC with its memory-size bytes. */
static bool pc_init_chipset(Machine *m, const MachineConfig *cfg, char **why)
{
    IrqLine intr, gate2;
    int64_t start;

    irq_connect(&intr, pc_intr, m, 0);
    irq_connect(&gate2, pit_gate_handler, &m->pit, 2);
    if (!pic_init(&m->pic, &m->io, intr, why) ||
        !pit_init(&m->pit, &m->io, &m->clock, pc_pic_line(m, 0), why) ||
        !port61_init(&m->port61, &m->io, &m->clock, gate2, pit_out_level, &m->pit, 2, why)) {
        return false;
    }
    start = input_rtc_start(&m->input, cfg->rtc_base, cfg->rtc_date,
                            cfg->clock_mode == VCLOCK_INSNS);
    if (!rtc_init(&m->rtc, &m->io, &m->clock, pc_pic_line(m, RTC_IRQ), start, why)) {
        return false;
    }
    rtc_set_memory(&m->rtc, cfg->ram_bytes);
    return acpi_pm_init(&m->acpi, &m->io, &m->clock, pc_pic_line(m, 9), pc_power_off, m, why);
}

/* COM1 and COM2 where configured, each with its back-end. */
static bool pc_init_serial(Machine *m, const MachineConfig *cfg, GError **err)
{
    char *why = NULL;

    if (cfg->serial[0] && cfg->serial[1] && !strcmp(cfg->serial[0], "stdio") &&
        !strcmp(cfg->serial[1], "stdio")) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "--serial stdio: the terminal can serve one COM port only");
        return false;
    }
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (!cfg->serial[i]) {
            continue;
        }
        if (strcmp(cfg->serial[i], "none") &&
            !(m->serial[i] = chardev_open(cfg->serial[i], err))) {
            return false;
        }
        if (!uart_init(&m->uart[i], &m->io, &m->clock, i + 1,
                       pc_pic_line(m, (int)uart_com_irq(i + 1)), pc_serial_tx, m->serial[i],
                       &why)) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", why);
            g_free(why);
            return false;
        }
        m->uart_present[i] = true;
        input_attach_serial(&m->input, i, &m->uart[i]);
    }
    return true;
}

/* The 8042, ports 0x92 and 0x80, and the debug ports. */
static bool pc_init_misc(Machine *m, char **why)
{
    IrqLine a20_kbc, a20_p92;

    irq_connect(&a20_kbc, machine_a20_handler, m, MACHINE_A20_KBC);
    irq_connect(&a20_p92, machine_a20_handler, m, MACHINE_A20_PORT92);
    if (!i8042_init(&m->kbc, &m->io, a20_kbc, machine_reset_line, m, &m->log, why)) {
        return false;
    }
    input_attach_keyboard(&m->input, &m->kbc.kbd);
    m->kbc.irq_kbd = pc_pic_line(m, 1);
    m->kbc.irq_aux = pc_pic_line(m, 12);
    return port92_init(&m->port92, &m->io, a20_p92, machine_reset_line, m, why) &&
           port80_init(&m->port80, &m->io, &m->log, why) &&
           debugexit_init(&m->debug_exit, &m->io, 0xf4, machine_debug_exit, m, why) &&
           debugcon_init(&m->debug_con, &m->io, 0xe9, machine_debug_console, m, why) &&
           debugcon_init(&m->firmware_con, &m->io, 0x402, machine_firmware_console, m, why);
}

bool machine_init_pc(Machine *m, const MachineConfig *cfg, GError **err)
{
    char *why = NULL;

    if (!machine_init_bare(m, cfg->ram_bytes, err)) {
        return false;
    }
    vclock_init(&m->clock, cfg->clock_mode, cfg->clock_shift, &m->cpu.stats.insns);
    m->cpu.hooks = (CpuHooks){
        .opaque = m, .irq_ack = pc_irq_ack, .read_tsc = pc_read_tsc, .ferr = pc_ferr,
    };
    if (!pc_init_chipset(m, cfg, &why) || !pc_init_misc(m, &why)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", why);
        g_free(why);
        return false;
    }
    if (!pc_init_serial(m, cfg, err)) {
        return false;
    }
    m->reset_devices = pc_reset_devices;
    return machine_load_boot(m, cfg, err);
}
