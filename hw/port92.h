/*
 * System control port A (port 0x92, the PS/2 "fast A20 and reset" port): bit 1 gates
 * address line 20, a write with bit 0 set pulses the CPU reset line. Bits 2-7 are kept
 * as written (the security-lock and LED bits have no effect here).
 *
 * The port does not gate A20 itself: its bit 1 drives the A20 IrqLine, and the board
 * combines it with the keyboard controller's A20 output (a chipset ORs the two).
 */
#ifndef WIRT_HW_PORT92_H
#define WIRT_HW_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "base/state.h"
#include "mmu/ioport.h"

typedef void (*Port92ResetFn)(void *opaque);

typedef struct Port92 {
    IrqLine a20;            /* bit 1, driven on every write and at reset */
    uint8_t value;          /* bits as last written, bit 0 read back as 0 */
    Port92ResetFn reset;
    void *opaque;
} Port92;

bool port92_init(Port92 *p, IoSpace *io, IrqLine a20, Port92ResetFn reset, void *opaque,
                 char **why);
/* Machine reset: A20 output high again, as the firmware of the boards wirt models expects. */
void port92_reset(Port92 *p);
extern const StateDesc port92_state_desc;

#endif
