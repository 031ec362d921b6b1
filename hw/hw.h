/*
 * hw/: one file per device model and the board that wires a PC together. Devices see
 * only mmu/ (ports, memory) and base/; they reach the CPU and the machine through
 * callbacks handed to them at wiring time. Public interface of the folder.
 */
#ifndef WIRT_HW_HW_H
#define WIRT_HW_HW_H

#include "hw/acpi_pm.h"
#include "hw/debugcon.h"
#include "hw/debugexit.h"
#include "hw/i8042.h"
#include "hw/i8254.h"
#include "hw/i8259.h"
#include "hw/mc146818.h"
#include "hw/port61.h"
#include "hw/port80.h"
#include "hw/port92.h"
#include "hw/ps2.h"
#include "hw/uart16550.h"

#endif
