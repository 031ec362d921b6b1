/*
 * Machine lifetime: creation, the bare machine (RAM, ports, one CPU and its translator),
 * the test board, and running it.
 */
#include "vm/machine.h"

#include <stdio.h>

#include "translate/translate.h"
#include "vm/multiboot.h"

Machine *machine_new(void)
{
    Machine *m = g_new0(Machine, 1);
    log_init(&m->log);
    return m;
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
        ioport_destroy(&m->io);
        physmem_destroy(&m->pm);
    }
    if (m->flat_image) {
        g_bytes_unref(m->flat_image);
    }
    multiboot_image_free(m->kernel);
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
    m->built = true;
    return true;
}

CpuExit machine_run(Machine *m, uint64_t max_insns)
{
    return translate_exec(&m->cpu, max_insns);
}
