/*
 * System control port A (port 0x92, the PS/2 "fast A20 and reset" port): bit 1 gates
 * address line 20, a write with bit 0 set pulses the CPU reset line. Bits 2-7 are kept
 * as written (the security-lock and LED bits have no effect here).
 */
#ifndef WIRT_HW_PORT92_H
#define WIRT_HW_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/ioport.h"
#include "mmu/physmem.h"

typedef void (*Port92ResetFn)(void *opaque);

typedef struct Port92 {
    PhysMem *pm;
    uint8_t value;          /* bits as last written, bit 0 read back as 0 */
    Port92ResetFn reset;
    void *opaque;
} Port92;

bool port92_init(Port92 *p, IoSpace *io, PhysMem *pm, Port92ResetFn reset, void *opaque,
                 char **why);
/* Machine reset: A20 enabled again, as the firmware of the boards wirt models expects. */
void port92_reset(Port92 *p);

#endif
