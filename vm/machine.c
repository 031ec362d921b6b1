/*
 * Machine lifetime: creation, the bare machine (RAM, ports, one CPU and its translator),
 * what both boards share (boot images, reset, the A20 gate, the debug ports' callbacks),
 * and running the CPU.
 */
#include "vm/machine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "translate/translate.h"
#include "vm/acpi.h"
#include "vm/bios.h"
#include "vm/bzimage.h"
#include "vm/chardev.h"
#include "vm/guestcfg.h"
#include "vm/multiboot.h"

/* A config file's serial list and the board's COM ports are the same ports. */
G_STATIC_ASSERT(GUEST_SERIAL_MAX == MACHINE_SERIAL_PORTS);
G_STATIC_ASSERT(INPUT_SERIAL_PORTS == MACHINE_SERIAL_PORTS);

Machine *machine_new(void)
{
    Machine *m = g_new0(Machine, 1);
    log_init(&m->log);
    return m;
}

void machine_close_serial(Machine *m)
{
    for (int i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        chardev_close(m->serial[i]);
        m->serial[i] = NULL;
    }
}

void machine_free(Machine *m)
{
    if (!m) {
        return;
    }
    if (m->built) {
        if (log_enabled(&m->log, LOG_STATS)) {
            translator_print_stats(m->cpu.translator, &m->cpu, m->log.out);
        }
        translator_free(m->cpu.translator);
        machine_close_serial(m);
        ioport_destroy(&m->io);
        physmem_destroy(&m->pm);
    }
    if (m->flat_image) {
        g_bytes_unref(m->flat_image);
    }
    if (m->bios_image) {
        g_bytes_unref(m->bios_image);
    }
    multiboot_image_free(m->kernel);
    bzimage_image_free(m->linux_kernel);
    log_close(&m->log);
    g_free(m);
}

bool machine_init_bare(Machine *m, uint64_t ram_bytes, GError **err)
{
    char *why = NULL;

    physmem_init(&m->pm, &m->log);
    ioport_init(&m->io, &m->log);
    if (!physmem_add_ram(&m->pm, "ram", 0, ram_bytes, &why)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s", why);
        g_free(why);
        ioport_destroy(&m->io);
        physmem_destroy(&m->pm);
        return false;
    }
    cpu_init(&m->cpu, &m->pm, &m->io, &m->log, NULL);
    translator_new(&m->cpu);
    vclock_init(&m->clock, VCLOCK_INSNS, 0, &m->cpu.stats.insns);
    input_init(&m->input, &m->cpu.stats.insns, &m->clock, &m->log);
    input_attach_reset(&m->input, machine_reset_line, m);   /* the reset button */
    m->a20_in[MACHINE_A20_PORT92] = true;
    m->built = true;
    return true;
}

bool machine_init(Machine *m, const MachineConfig *cfg, GError **err)
{
    m->board = cfg->board;
    if (cfg->board == MACHINE_BOARD_PC) {
        return machine_init_pc(m, cfg, err);
    }
    return machine_init_test_board(m, cfg, err);
}

/* The board's own state: the A20 inputs it ORs and a reset not yet acted on. */
static void machine_post_load(void *opaque)
{
    Machine *m = opaque;
    physmem_set_a20(&m->pm, m->a20_in[MACHINE_A20_PORT92] || m->a20_in[MACHINE_A20_KBC]);
}

static const StateField machine_fields[] = {
    STATE_BOOL_ARRAY(Machine, a20_in),
    STATE_BOOL(Machine, reset_requested),
    STATE_END,
};
const StateDesc machine_state_desc = {
    .name = "machine", .version = 1, .fields = machine_fields, .size = sizeof(Machine),
    .post_load = machine_post_load,
};

void machine_a20_handler(void *opaque, int n, bool level)
{
    Machine *m = opaque;
    m->a20_in[n] = level;
    physmem_set_a20(&m->pm, m->a20_in[MACHINE_A20_PORT92] || m->a20_in[MACHINE_A20_KBC]);
}

void machine_reset_line(void *opaque)
{
    Machine *m = opaque;
    m->reset_requested = true;
    cpu_request_exit(&m->cpu);
}

void machine_debug_exit(void *opaque, int status)
{
    Machine *m = opaque;
    m->stop = true;
    m->exit_status = status;
    cpu_request_exit(&m->cpu);
}

/* Port 0xe9 to stdout; a closed output pipe ends the run as it does for the serial
 * console (the run loop ignores SIGPIPE so that the exit path runs). */
void machine_debug_console(void *opaque, const uint8_t *buf, size_t len)
{
    Machine *m = opaque;

    errno = 0;
    if ((fwrite(buf, 1, len, stdout) < len || fflush(stdout) != 0) && errno == EPIPE &&
        !m->stop) {
        fprintf(stderr, "wirt: the debug console's output pipe was closed; stopping\n");
        m->stop = true;
        m->exit_status = 128 + SIGPIPE;
        cpu_request_exit(&m->cpu);
    }
}

void machine_firmware_console(void *opaque, const uint8_t *buf, size_t len)
{
    Machine *m = opaque;

    if (log_enabled(&m->log, LOG_FIRMWARE)) {
        fwrite(buf, 1, len, m->log.out);
    }
}

/* Puts the flat image in RAM and the CPU at 0000:addr, as after a boot-sector load. */
static void machine_start_flat(Machine *m, uint64_t addr)
{
    gsize len;
    const void *data = g_bytes_get_data(m->flat_image, &len);

    cpu_reset(&m->cpu);
    physmem_load(&m->pm, addr, data, len);
    cpu_load_seg_real(&m->cpu, SEG_CS, 0);
    m->cpu.eip = addr;
}

/* A Linux bzImage: its bytes are in m->kernel; the initrd is read now. */
static bool machine_load_linux(Machine *m, const MachineConfig *cfg, GError **err)
{
    if (cfg->module_paths && cfg->module_paths[0]) {
        g_set_error(err, BZIMAGE_ERROR, BZIMAGE_ERROR_FORMAT, "%s: a Linux bzImage takes "
                    "no --module (give its initial RAM disk with --initrd)", cfg->kernel_path);
        return false;
    }
    m->linux_kernel = bzimage_open(cfg->kernel_path, m->kernel->kernel, cfg->kernel_append,
                                   cfg->initrd_path, cfg->ram_bytes, err);
    multiboot_image_free(m->kernel);
    m->kernel = NULL;
    return m->linux_kernel &&
           bzimage_load(m->linux_kernel, &m->pm, cfg->ram_bytes, &m->cpu, err);
}

/* A Multiboot kernel: read again with its modules. */
static bool machine_load_multiboot(Machine *m, const MachineConfig *cfg, GError **err)
{
    if (cfg->initrd_path) {
        g_set_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_FLAGS, "%s: a Multiboot kernel "
                    "takes no --initrd (that is for a Linux bzImage; give files with "
                    "--module)", cfg->kernel_path);
        return false;
    }
    if (cfg->module_paths) {
        multiboot_image_free(m->kernel);
        m->kernel = multiboot_open(cfg->kernel_path, cfg->kernel_append, cfg->module_paths,
                                   cfg->ram_bytes, err);
    }
    return m->kernel && multiboot_load(m->kernel, &m->pm, cfg->ram_bytes, &m->cpu, err);
}

/*
 * Reads the kernel (and its modules or initrd) once; they are reloaded from memory on
 * reset. Multiboot is tried first: a kernel may carry both headers.
 */
static bool machine_load_kernel(Machine *m, const MachineConfig *cfg, GError **err)
{
    gsize len;
    const void *data;

    m->kernel = multiboot_open(cfg->kernel_path, cfg->kernel_append, NULL, cfg->ram_bytes,
                               err);
    if (!m->kernel) {
        return false;
    }
    data = g_bytes_get_data(m->kernel->kernel, &len);
    if (multiboot_detect(data, len)) {
        return machine_load_multiboot(m, cfg, err);
    }
    if (bzimage_detect(data, len)) {
        return machine_load_linux(m, cfg, err);
    }
    g_set_error(err, MULTIBOOT_ERROR, MULTIBOOT_ERROR_NO_HEADER, "%s: not a kernel: neither "
                "Multiboot (no header magic 0x%08x in its first %u bytes) nor a Linux "
                "bzImage (no \"HdrS\" at offset 0x202)", cfg->kernel_path,
                MULTIBOOT_HEADER_MAGIC, MULTIBOOT_SEARCH_BYTES);
    return false;
}

static bool machine_load_flat(Machine *m, const MachineConfig *cfg, GError **err)
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
    machine_start_flat(m, cfg->flat_addr);
    return true;
}

/* Firmware: the image at the top of 4 GiB and below 1 MiB, the CPU at its reset vector. */
static bool machine_load_bios(Machine *m, const MachineConfig *cfg, GError **err)
{
    m->bios_image = bios_open(cfg->bios_path, cfg->ram_bytes, err);
    if (!m->bios_image || !bios_map(m->bios_image, &m->pm, err)) {
        return false;
    }
    bios_load_low(m->bios_image, &m->pm);
    cpu_reset(&m->cpu);
    return true;
}

/* A kernel booted directly on the PC finds the ACPI tables a firmware would have left. */
static void machine_firmware_tables(Machine *m)
{
    if (m->board == MACHINE_BOARD_PC) {
        acpi_build_tables(&m->pm);
    }
}

bool machine_load_boot(Machine *m, const MachineConfig *cfg, GError **err)
{
    if (cfg->bios_path) {
        return machine_load_bios(m, cfg, err);
    }
    if (cfg->kernel_path) {
        if (!machine_load_kernel(m, cfg, err)) {
            return false;
        }
        machine_firmware_tables(m);
        return true;
    }
    return machine_load_flat(m, cfg, err);
}

bool machine_reset(Machine *m, const MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;

    m->reset_requested = false;
    if (m->reset_devices) {
        m->reset_devices(m);
    }
    if (m->bios_image) {
        bios_load_low(m->bios_image, &m->pm);
        cpu_reset(&m->cpu);
        return true;
    }
    if (!m->kernel && !m->linux_kernel) {
        machine_start_flat(m, cfg->flat_addr);
        return true;
    }
    cpu_reset(&m->cpu);
    if (m->linux_kernel ? !bzimage_load(m->linux_kernel, &m->pm, cfg->ram_bytes, &m->cpu, &err)
                        : !multiboot_load(m->kernel, &m->pm, cfg->ram_bytes, &m->cpu, &err)) {
        fprintf(stderr, "wirt: reset: %s\n", err->message);
        return false;
    }
    machine_firmware_tables(m);
    return true;
}

CpuExit machine_run(Machine *m, uint64_t max_insns)
{
    return translate_exec(&m->cpu, max_insns);
}
