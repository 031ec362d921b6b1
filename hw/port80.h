/*
 * The POST diagnostic port (port 0x80): firmware and kernels write progress codes here,
 * and Linux writes it as an I/O delay. Writes are logged under `-d io`; reads return the
 * last code written, as on boards with a POST-code latch.
 */
#ifndef WIRT_HW_PORT80_H
#define WIRT_HW_PORT80_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/state.h"
#include "mmu/ioport.h"

typedef struct Port80 {
    uint8_t code;           /* the last code written */
    Log *log;
} Port80;

bool port80_init(Port80 *p, IoSpace *io, Log *log, char **why);
void port80_reset(Port80 *p);
extern const StateDesc port80_state_desc;

#endif
