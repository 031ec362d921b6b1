/*
 * Machine lifetime: creation and teardown of one virtual machine.
 */
#include "vm/machine.h"

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
    log_close(&m->log);
    g_free(m);
}
