/*
 * The 8042 keyboard controller (IBM PC/AT Technical Reference, "Keyboard Controller";
 * IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary Device Controller":
 * status register, command byte, controller commands). Commands and data act at once, so
 * the input buffer is never seen full. One byte at a time moves from the keyboard's or the
 * mouse's queue into the output buffer, the keyboard first, translated to set 1 when the
 * command byte asks; IRQ1 or IRQ12 follows the output buffer as the command byte allows.
 */
#include "hw/i8042.h"

#include <stddef.h>
#include <string.h>

#define CTR_POWER_ON (I8042_CTR_XLAT | I8042_CTR_AUXINT | I8042_CTR_KBDINT)
#define OUT_POWER_ON 0xcf       /* reset released, A20 on, clock and data lines idle high */
#define OUT_IRQS (I8042_OUT_KBD_IRQ | I8042_OUT_AUX_IRQ)
#define INPUT_PORT 0xa0         /* keyboard not inhibited, no manufacturing jumper */
#define STATUS_KEPT (I8042_STR_OBF | I8042_STR_CMD | I8042_STR_AUXB)

typedef enum I8042CmdKind {
    CMD_REPLY,          /* answers `arg` */
    CMD_CTR_SET,        /* sets `arg` in the command byte */
    CMD_CTR_CLEAR,
    CMD_READ_OUTPORT,
    CMD_DATA,           /* takes the next byte written to port 0x60 */
} I8042CmdKind;

typedef struct I8042Cmd {
    uint8_t cmd;
    uint8_t kind;
    uint8_t arg;
} I8042Cmd;

/* Commands 0x20-0x3f, 0x60-0x7f and 0xf0-0xff are ranges, handled in i8042_command(). */
static const I8042Cmd i8042_cmds[] = {
    { 0xa4, CMD_REPLY, 0xf1 },                  /* password: none installed */
    { 0xa7, CMD_CTR_SET, I8042_CTR_AUXDIS },
    { 0xa8, CMD_CTR_CLEAR, I8042_CTR_AUXDIS },
    { 0xa9, CMD_REPLY, 0x00 },                  /* aux interface test: no error */
    { 0xaa, CMD_REPLY, 0x55 },                  /* self-test passed */
    { 0xab, CMD_REPLY, 0x00 },                  /* keyboard interface test: no error */
    { 0xad, CMD_CTR_SET, I8042_CTR_KBDDIS },
    { 0xae, CMD_CTR_CLEAR, I8042_CTR_KBDDIS },
    { 0xc0, CMD_REPLY, INPUT_PORT },
    { 0xd0, CMD_READ_OUTPORT, 0 },
    { 0xd1, CMD_DATA, 0 },                      /* write output port */
    { 0xd2, CMD_DATA, 0 },                      /* write keyboard output buffer */
    { 0xd3, CMD_DATA, 0 },                      /* write aux output buffer */
    { 0xd4, CMD_DATA, 0 },                      /* write to the aux device */
};

static uint8_t *i8042_ctr(I8042 *c)
{
    return &c->ram[0];
}

static bool i8042_irq_level(const I8042 *c, bool aux)
{
    uint8_t enable = aux ? I8042_CTR_AUXINT : I8042_CTR_KBDINT;

    return (c->status & I8042_STR_OBF) && ((c->status & I8042_STR_AUXB) != 0) == aux &&
           (c->ram[0] & enable);
}

static void i8042_update_irq(I8042 *c)
{
    irq_set(&c->irq_kbd, i8042_irq_level(c, false));
    irq_set(&c->irq_aux, i8042_irq_level(c, true));
}

/* Places a byte in the output buffer, as from the keyboard side or the aux side. */
static void i8042_put(I8042 *c, uint8_t v, bool aux)
{
    c->out = v;
    c->status |= I8042_STR_OBF;
    c->status = aux ? (c->status | I8042_STR_AUXB) : (c->status & ~I8042_STR_AUXB);
}

/* Moves the next device byte into an empty output buffer. */
static void i8042_fill(I8042 *c)
{
    uint8_t ctr = *i8042_ctr(c);
    uint8_t v;

    while (!(c->status & I8042_STR_OBF)) {
        if (!(ctr & I8042_CTR_KBDDIS) && ps2_kbd_has_data(&c->kbd)) {
            v = ps2_kbd_read(&c->kbd);
            if (!(ctr & I8042_CTR_XLAT) || ps2_translate(&c->xlat_break, v, &v)) {
                i8042_put(c, v, false);
            }
        } else if (!(ctr & I8042_CTR_AUXDIS) && ps2_mouse_has_data(&c->mouse)) {
            i8042_put(c, ps2_mouse_read(&c->mouse), true);
        } else {
            break;
        }
    }
}

static void i8042_sync(I8042 *c)
{
    i8042_fill(c);
    i8042_update_irq(c);
}

static void i8042_notify(void *opaque)
{
    i8042_sync(opaque);
}

static uint8_t i8042_read_outport(const I8042 *c)
{
    uint8_t v = c->outport & ~OUT_IRQS;

    v |= i8042_irq_level(c, false) ? I8042_OUT_KBD_IRQ : 0;
    v |= i8042_irq_level(c, true) ? I8042_OUT_AUX_IRQ : 0;
    return v;
}

/* Called last: the board may reset this controller too. */
static void i8042_pull_reset(I8042 *c)
{
    if (c->reset_fn) {
        c->reset_fn(c->opaque);
    }
}

/* The reset line is a pulse here: the board resets the machine and the line reads released. */
static void i8042_write_outport(I8042 *c, uint8_t v)
{
    c->outport = (uint8_t)((v & ~OUT_IRQS) | I8042_OUT_RESET);
    irq_set(&c->a20, (v & I8042_OUT_A20) != 0);
    if (!(v & I8042_OUT_RESET)) {
        i8042_pull_reset(c);
    }
}

/* Commands 0xf0-0xff: a clear bit in the low nibble pulses that output line low. */
static void i8042_pulse(I8042 *c, uint8_t lines)
{
    if (!(lines & I8042_OUT_RESET)) {
        i8042_pull_reset(c);
    }
}

static const I8042Cmd *i8042_find(uint8_t cmd)
{
    for (size_t i = 0; i < sizeof(i8042_cmds) / sizeof(i8042_cmds[0]); i++) {
        if (i8042_cmds[i].cmd == cmd) {
            return &i8042_cmds[i];
        }
    }
    return NULL;
}

static void i8042_table_command(I8042 *c, const I8042Cmd *e)
{
    switch (e->kind) {
    case CMD_REPLY:
        i8042_put(c, e->arg, false);
        break;
    case CMD_CTR_SET:
        *i8042_ctr(c) |= e->arg;
        break;
    case CMD_CTR_CLEAR:
        *i8042_ctr(c) &= (uint8_t)~e->arg;
        break;
    case CMD_READ_OUTPORT:
        i8042_put(c, i8042_read_outport(c), false);
        break;
    default:
        c->pending = e->cmd;
        break;
    }
}

static void i8042_command(I8042 *c, uint8_t cmd)
{
    const I8042Cmd *e;

    c->pending = 0;
    if (cmd >= 0x20 && cmd < 0x40) {
        i8042_put(c, c->ram[cmd & 0x1f], false);
    } else if (cmd >= 0x60 && cmd < 0x80) {
        c->pending = cmd;
    } else if (cmd >= 0xf0) {
        i8042_pulse(c, cmd & 0x0f);
    } else if ((e = i8042_find(cmd))) {
        i8042_table_command(c, e);
    } else if (c->log) {
        log_trace(c->log, LOG_GUEST_ERROR, "i8042: unknown command 0x%02x\n", cmd);
    }
}

/*
 * A byte on port 0x60: the data of a pending command, else a byte for the keyboard.
 * Sending to a device releases the clock line its disable bit holds low.
 */
static void i8042_data(I8042 *c, uint8_t v)
{
    uint8_t cmd = c->pending;

    c->pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        c->ram[cmd & 0x1f] = v;
    } else if (cmd == 0xd1) {
        i8042_write_outport(c, v);
    } else if (cmd == 0xd2 || cmd == 0xd3) {
        i8042_put(c, v, cmd == 0xd3);
    } else if (cmd == 0xd4) {
        *i8042_ctr(c) &= (uint8_t)~I8042_CTR_AUXDIS;
        ps2_mouse_write(&c->mouse, v);
    } else {
        *i8042_ctr(c) &= (uint8_t)~I8042_CTR_KBDDIS;
        ps2_kbd_write(&c->kbd, v);
    }
}

static uint8_t i8042_read_data(I8042 *c)
{
    uint8_t v = c->out;

    c->status &= (uint8_t)~(I8042_STR_OBF | I8042_STR_AUXB);
    return v;
}

static uint8_t i8042_read_status(const I8042 *c)
{
    return c->status | I8042_STR_UNLOCKED | (c->ram[0] & I8042_CTR_SYS);
}

static uint32_t i8042_io_read(void *opaque, uint16_t port, unsigned size)
{
    I8042 *c = opaque;

    if (port == I8042_CMD_PORT) {
        return i8042_read_status(c);
    }
    uint8_t v = i8042_read_data(c);
    i8042_update_irq(c);    /* lower the line first: the next byte is a new edge */
    i8042_sync(c);
    return v;
}

static void i8042_io_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    I8042 *c = opaque;

    if (port == I8042_CMD_PORT) {
        c->status |= I8042_STR_CMD;
        i8042_command(c, (uint8_t)value);
    } else {
        c->status &= (uint8_t)~I8042_STR_CMD;
        i8042_data(c, (uint8_t)value);
    }
    i8042_sync(c);
}

static const IoPortOps i8042_ops = {
    .read = i8042_io_read,
    .write = i8042_io_write,
    .sizes = IO_SIZE_1,
};

void i8042_reset(I8042 *c)
{
    memset(c->ram, 0, sizeof(c->ram));
    c->ram[0] = CTR_POWER_ON;
    c->status = 0;
    c->out = 0;
    c->outport = OUT_POWER_ON;
    c->pending = 0;
    c->xlat_break = false;
    irq_set(&c->a20, true);
    ps2_kbd_reset(&c->kbd);
    ps2_mouse_reset(&c->mouse);
    i8042_update_irq(c);
}

bool i8042_init(I8042 *c, IoSpace *io, IrqLine a20, I8042ResetFn reset, void *opaque,
                Log *log, char **why)
{
    *c = (I8042){ .a20 = a20, .reset_fn = reset, .opaque = opaque, .log = log };
    ps2_kbd_init(&c->kbd, i8042_notify, c);
    ps2_mouse_init(&c->mouse, i8042_notify, c);
    i8042_reset(c);
    return ioport_register(io, "i8042-data", I8042_DATA_PORT, 1, &i8042_ops, c, why) &&
           ioport_register(io, "i8042-cmd", I8042_CMD_PORT, 1, &i8042_ops, c, why);
}

static void i8042_post_load(void *opaque)
{
    I8042 *c = opaque;

    c->status &= STATUS_KEPT;
    ps2_kbd_state_desc.post_load(&c->kbd);
    ps2_mouse_state_desc.post_load(&c->mouse);
}

static const StateField i8042_fields[] = {
    STATE_U8_ARRAY(I8042, ram),
    STATE_U8(I8042, status),
    STATE_U8(I8042, out),
    STATE_U8(I8042, outport),
    STATE_U8(I8042, pending),
    STATE_BOOL(I8042, xlat_break),
    STATE_STRUCT(I8042, kbd, &ps2_kbd_state_desc),
    STATE_STRUCT(I8042, mouse, &ps2_mouse_state_desc),
    STATE_END,
};
const StateDesc i8042_state_desc = {
    "i8042", 1, i8042_fields, sizeof(I8042), i8042_post_load,
};
