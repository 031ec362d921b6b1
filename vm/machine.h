/*
 * The Machine: one virtual machine, owning every piece of emulator state (no globals
 * outside it). Later issues hang the CPU, memory, devices and clock here.
 */
#ifndef WIRT_VM_MACHINE_H
#define WIRT_VM_MACHINE_H

#include "base/base.h"

typedef struct Machine {
    Log log;
} Machine;

Machine *machine_new(void);
void machine_free(Machine *m);

#endif
