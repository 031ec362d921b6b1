/*
 * The test board: RAM, a CPU, the debug-exit and debug-console ports, port 0x92 (fast A20
 * and reset), and either a flat image started in real mode, the way a boot sector is, or
 * a Multiboot kernel started in protected mode (vm/multiboot.c). No device has a timer or
 * an interrupt. Used by the test guests, the benchmark, and by `wirt run --flat`.
 */
#include "vm/machine.h"

static void testboard_reset_devices(Machine *m)
{
    port92_reset(&m->port92);
}

bool machine_init_test_board(Machine *m, const MachineConfig *cfg, GError **err)
{
    char *why = NULL;
    IrqLine a20;

    if (!machine_init_bare(m, cfg->ram_bytes, err)) {
        return false;
    }
    vclock_init(&m->clock, cfg->clock_mode, cfg->clock_shift, &m->cpu.stats.insns);
    irq_connect(&a20, machine_a20_handler, m, MACHINE_A20_PORT92);
    if (!debugexit_init(&m->debug_exit, &m->io, 0xf4, machine_debug_exit, m, &why) ||
        !debugcon_init(&m->debug_con, &m->io, 0xe9, machine_debug_console, m, &why) ||
        !port92_init(&m->port92, &m->io, a20, machine_reset_line, m, &why)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", why);
        g_free(why);
        return false;
    }
    m->reset_devices = testboard_reset_devices;
    return machine_load_boot(m, cfg, err);
}
