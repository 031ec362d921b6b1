/*
 * The test board: RAM, a CPU, the debug-exit and debug-console ports, and a flat image
 * started in real mode, the way a boot sector is. Used by the test guests and by
 * `wirt run --flat`.
 */
#include <stdio.h>

#include "vm/machine.h"

static void testboard_exit(void *opaque, int status)
{
    Machine *m = opaque;
    m->stop = true;
    m->exit_status = status;
    cpu_request_exit(&m->cpu);
}

static void testboard_console(void *opaque, const uint8_t *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
    fflush(stdout);
}

/* Puts the image in RAM and the CPU at 0000:addr, as after a boot-sector load. */
static void testboard_start(Machine *m, uint64_t addr)
{
    gsize len;
    const void *data = g_bytes_get_data(m->flat_image, &len);

    cpu_reset(&m->cpu);
    physmem_load(&m->pm, addr, data, len);
    cpu_load_seg_real(&m->cpu, SEG_CS, 0);
    m->cpu.eip = addr;
}

static bool testboard_load(Machine *m, const MachineConfig *cfg, GError **err)
{
    g_autoptr(GError) e = NULL;
    gchar *data;
    gsize len;

    if (!g_file_get_contents(cfg->flat_path, &data, &len, &e)) {
        g_set_error(err, G_FILE_ERROR, e->code, "%s", e->message);
        return false;
    }
    if (len == 0 || cfg->flat_addr + len > cfg->ram_bytes || cfg->flat_addr > 0xffff) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: %" G_GSIZE_FORMAT " bytes at 0x%" G_GINT64_MODIFIER "x do not fit "
                    "(the image must be non-empty, start below 64 KiB and fit in RAM)",
                    cfg->flat_path, len, cfg->flat_addr);
        g_free(data);
        return false;
    }
    m->flat_image = g_bytes_new_take(data, len);
    testboard_start(m, cfg->flat_addr);
    return true;
}

bool machine_init_test_board(Machine *m, const MachineConfig *cfg, GError **err)
{
    char *why = NULL;

    if (!machine_init_bare(m, cfg->ram_bytes, err)) {
        return false;
    }
    if (!debugexit_init(&m->debug_exit, &m->io, 0xf4, testboard_exit, m, &why) ||
        !debugcon_init(&m->debug_con, &m->io, 0xe9, testboard_console, m, &why)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", why);
        g_free(why);
        return false;
    }
    return testboard_load(m, cfg, err);
}

/* A reset from a triple fault: reload the image and start over, as a reboot would. */
static void testboard_reset(Machine *m, const MachineConfig *cfg)
{
    testboard_start(m, cfg->flat_addr);
}

int machine_main(Machine *m, const MachineConfig *cfg)
{
    uint64_t left = cfg->max_insns ? cfg->max_insns : UINT64_MAX;

    for (;;) {
        uint64_t before = m->cpu.stats.insns;
        CpuExit r = machine_run(m, MIN(left, (uint64_t)1 << 24));
        left -= MIN(left, m->cpu.stats.insns - before);
        if (m->stop) {
            return m->exit_status;
        }
        switch (r) {
        case CPU_EXIT_HALT:
            /* No device can raise an interrupt on this board: a halt is final. */
            fprintf(stderr, "wirt: guest halted at %04x:%08" G_GINT64_MODIFIER "x%s\n",
                    m->cpu.seg[SEG_CS].sel, m->cpu.eip,
                    (m->cpu.eflags & FL_IF) ? "" : " with interrupts disabled");
            return MACHINE_EXIT_SHUTDOWN;
        case CPU_EXIT_TRIPLE_FAULT:
            fprintf(stderr, "wirt: triple fault at %04x:%08" G_GINT64_MODIFIER "x%s\n",
                    m->cpu.seg[SEG_CS].sel, m->cpu.eip,
                    cfg->no_reboot ? ", shutting down (--no-reboot)" : ", resetting");
            if (cfg->no_reboot) {
                return MACHINE_EXIT_SHUTDOWN;
            }
            testboard_reset(m, cfg);
            break;
        default:
            break;
        }
        if (left == 0) {
            fprintf(stderr, "wirt: instruction limit of %" G_GUINT64_FORMAT " reached at "
                    "%04x:%08" G_GINT64_MODIFIER "x\n", cfg->max_insns,
                    m->cpu.seg[SEG_CS].sel, m->cpu.eip);
            return MACHINE_EXIT_LIMIT;
        }
    }
}
