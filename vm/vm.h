/*
 * vm/: the machine's lifecycle (assembly from a config, boot loaders, run loop, input
 * funnel, snapshots, replay, control socket). Public interface of the folder.
 */
#ifndef WIRT_VM_VM_H
#define WIRT_VM_VM_H

#include "vm/chardev.h"
#include "vm/machine.h"
#include "vm/run.h"

#endif
