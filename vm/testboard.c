/*
 * The test board: RAM, a CPU, the debug-exit and debug-console ports, port 0x92 (fast A20
 * and reset), and either a flat
 * image started in real mode, the way a boot sector is, or a Multiboot kernel started in
 * protected mode (vm/multiboot.c). Used by the test guests, the benchmark, and by
 * `wirt run --flat` and `wirt run --kernel`.
 */
#include <stdio.h>

#include "vm/machine.h"
#include "vm/multiboot.h"

static void testboard_exit(void *opaque, int status)
{
    Machine *m = opaque;
    m->stop = true;
    m->exit_status = status;
    cpu_request_exit(&m->cpu);
}

static void testboard_reset_line(void *opaque)
{
    Machine *m = opaque;
    m->reset_requested = true;
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

/* Reads the kernel and its modules once; they are reloaded from memory on reset. */
static bool testboard_load_kernel(Machine *m, const MachineConfig *cfg, GError **err)
{
    gsize len;
    const void *data;

    m->kernel = multiboot_open(cfg->kernel_path, cfg->kernel_append, cfg->module_paths,
                               cfg->ram_bytes, err);
    if (!m->kernel) {
        return false;
    }
    data = g_bytes_get_data(m->kernel->kernel, &len);
    if (!multiboot_detect(data, len)) {
        g_set_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_NO_HEADER, "%s: not a Multiboot "
                    "kernel (Linux bzImage boot is not implemented yet)", cfg->kernel_path);
        return false;
    }
    return multiboot_load(m->kernel, &m->pm, cfg->ram_bytes, &m->cpu, err);
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
        !debugcon_init(&m->debug_con, &m->io, 0xe9, testboard_console, m, &why) ||
        !port92_init(&m->port92, &m->io, &m->pm, testboard_reset_line, m, &why)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", why);
        g_free(why);
        return false;
    }
    if (cfg->kernel_path) {
        return testboard_load_kernel(m, cfg, err);
    }
    return testboard_load(m, cfg, err);
}

/* A reset (triple fault, reset line): reload the image and start over, as a reboot would. */
static bool testboard_reset(Machine *m, const MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;

    m->reset_requested = false;
    port92_reset(&m->port92);

    if (!m->kernel) {
        testboard_start(m, cfg->flat_addr);
        return true;
    }
    if (!multiboot_load(m->kernel, &m->pm, cfg->ram_bytes, &m->cpu, &err)) {
        fprintf(stderr, "wirt: reset: %s\n", err->message);
        return false;
    }
    return true;
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
        case CPU_EXIT_REQUEST:
            if (r == CPU_EXIT_REQUEST && !m->reset_requested) {
                break;
            }
            fprintf(stderr, "wirt: %s at %04x:%08" G_GINT64_MODIFIER "x%s\n",
                    r == CPU_EXIT_TRIPLE_FAULT ? "triple fault" : "reset requested",
                    m->cpu.seg[SEG_CS].sel, m->cpu.eip,
                    cfg->no_reboot ? ", shutting down (--no-reboot)" : ", resetting");
            if (cfg->no_reboot) {
                return MACHINE_EXIT_SHUTDOWN;
            }
            if (!testboard_reset(m, cfg)) {
                return MACHINE_EXIT_SHUTDOWN;
            }
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
