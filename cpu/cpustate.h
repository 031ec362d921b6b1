/*
 * The CPU's state table, for snapshots and replay checkpoints (cpu/cpustate.c).
 */
#ifndef WIRT_CPU_CPUSTATE_H
#define WIRT_CPU_CPUSTATE_H

#include "base/state.h"
#include "cpu/cpu.h"

extern const StateDesc cpu_state_desc;

#endif
