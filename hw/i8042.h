/*
 * The 8042 keyboard controller of the PC/AT and PS/2 (IBM PC/AT Technical Reference,
 * "Keyboard Controller"; IBM PS/2 Hardware Interface Technical Reference, "Keyboard/
 * Auxiliary Device Controller"): port 0x60 data, port 0x64 status and commands, a PS/2
 * keyboard and mouse on its two ports, IRQ1 and IRQ12, the A20 gate and the CPU reset
 * line on its output port. The A20 bit drives an IrqLine: the board ORs it with port 0x92's.
 */
#ifndef WIRT_HW_I8042_H
#define WIRT_HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/state.h"
#include "hw/irq.h"
#include "hw/ps2.h"
#include "mmu/ioport.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64     /* reads: status */

/* Status register (port 0x64). */
#define I8042_STR_OBF (1u << 0)       /* output buffer full */
#define I8042_STR_IBF (1u << 1)       /* input buffer full: always clear, writes act at once */
#define I8042_STR_SYS (1u << 2)       /* system flag, from the command byte */
#define I8042_STR_CMD (1u << 3)       /* A2: the last write went to port 0x64 */
#define I8042_STR_UNLOCKED (1u << 4)  /* keyboard inhibit switch off */
#define I8042_STR_AUXB (1u << 5)      /* the output buffer holds aux data */
#define I8042_STR_TIMEOUT (1u << 6)   /* never set: both devices always answer */
#define I8042_STR_PARITY (1u << 7)    /* never set */

/* Controller command byte (internal RAM byte 0; commands 0x20 and 0x60). */
#define I8042_CTR_KBDINT (1u << 0)    /* IRQ1 on keyboard data */
#define I8042_CTR_AUXINT (1u << 1)    /* IRQ12 on aux data */
#define I8042_CTR_SYS (1u << 2)
#define I8042_CTR_KBDDIS (1u << 4)    /* keyboard clock held low */
#define I8042_CTR_AUXDIS (1u << 5)    /* aux clock held low */
#define I8042_CTR_XLAT (1u << 6)      /* translate keyboard set 2 to set 1 */

/* Output port (commands 0xd0 and 0xd1). */
#define I8042_OUT_RESET (1u << 0)     /* CPU reset line, active low */
#define I8042_OUT_A20 (1u << 1)
#define I8042_OUT_KBD_IRQ (1u << 4)   /* reads: IRQ1 output */
#define I8042_OUT_AUX_IRQ (1u << 5)   /* reads: IRQ12 output */

/* Called when the guest pulls the reset line: the board resets the machine. */
typedef void (*I8042ResetFn)(void *opaque);

typedef struct I8042 {
    PS2Kbd kbd;             /* the funnel calls ps2_kbd_key(&c->kbd, ...) */
    PS2Mouse mouse;         /* and ps2_mouse_event(&c->mouse, ...) */
    IrqLine irq_kbd;        /* IRQ1: connect with irq_connect() after i8042_init() */
    IrqLine irq_aux;        /* IRQ12 */
    uint8_t ram[32];        /* internal RAM, commands 0x20-0x3f/0x60-0x7f; 0 is the CTR */
    uint8_t status;         /* OBF, CMD and AUXB; the rest is composed on read */
    uint8_t out;            /* output buffer, kept after it is read */
    uint8_t outport;
    uint8_t pending;        /* command waiting for its byte on port 0x60, 0 when none */
    bool xlat_break;        /* translation saw F0: the next byte is a break code */
    IrqLine a20;            /* output port bit 1 */
    I8042ResetFn reset_fn;
    void *opaque;
    Log *log;
} I8042;

/* Registers ports 0x60 and 0x64; LOG takes guest errors (unknown commands). */
bool i8042_init(I8042 *c, IoSpace *io, IrqLine a20, I8042ResetFn reset, void *opaque,
                Log *log, char **why);
/* Machine reset: controller, keyboard and mouse at their power-on state, A20 high. */
void i8042_reset(I8042 *c);

extern const StateDesc i8042_state_desc;

#endif
