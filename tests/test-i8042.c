/*
 * Unit tests of hw/i8042.c and hw/ps2.c, the 8042 keyboard controller with its PS/2
 * keyboard and mouse: controller commands, the command byte, A20 and reset through the
 * output port, keyboard and mouse command sequences, set-1 translation, mouse packets and
 * the IntelliMouse knocks, IRQ1/IRQ12 gating, queue limits and the state table.
 */
#include <glib.h>
#include <string.h>

#include "hw/i8042.h"
#include "mmu/physmem.h"

#define RAM_SIZE (2u << 20)

typedef struct IrqRec {
    bool level;
    unsigned rises;
} IrqRec;

/* One controller with its own port space and memory. */
typedef struct Rig {
    IoSpace io;
    PhysMem pm;
    I8042 c;
    IrqRec irq[16];
    unsigned resets;
} Rig;

typedef struct Fx {
    Log log;
    Rig r;
} Fx;

static void on_irq(void *opaque, int n, bool level)
{
    IrqRec *rec = &((Rig *)opaque)->irq[n];
    if (level && !rec->level) {
        rec->rises++;
    }
    rec->level = level;
}

static void on_reset(void *opaque)
{
    ((Rig *)opaque)->resets++;
}

/* The board's side of the A20 line: here the controller alone gates A20. */
static void on_a20(void *opaque, int n, bool level)
{
    physmem_set_a20(&((Rig *)opaque)->pm, level);
}

static void rig_init(Rig *r, Log *log)
{
    char *why = NULL;
    IrqLine a20;

    memset(r, 0, sizeof(*r));
    ioport_init(&r->io, log);
    physmem_init(&r->pm, log);
    g_assert_true(physmem_add_ram(&r->pm, "ram", 0, RAM_SIZE, &why));
    irq_connect(&a20, on_a20, r, 0);
    g_assert_true(i8042_init(&r->c, &r->io, a20, on_reset, r, log, &why));
    irq_connect(&r->c.irq_kbd, on_irq, r, 1);
    irq_connect(&r->c.irq_aux, on_irq, r, 12);
}

static void rig_destroy(Rig *r)
{
    physmem_destroy(&r->pm);
    ioport_destroy(&r->io);
}

static void fx_setup(Fx *f, gconstpointer data)
{
    log_init(&f->log);
    rig_init(&f->r, &f->log);
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    rig_destroy(&f->r);
    log_close(&f->log);
}

static void cmd(Rig *r, uint8_t c)
{
    ioport_write(&r->io, I8042_CMD_PORT, c, 1);
}

static void data(Rig *r, uint8_t v)
{
    ioport_write(&r->io, I8042_DATA_PORT, v, 1);
}

static uint8_t status(Rig *r)
{
    return (uint8_t)ioport_read(&r->io, I8042_CMD_PORT, 1);
}

static void set_ctr(Rig *r, uint8_t v)
{
    cmd(r, 0x60);
    data(r, v);
}

static uint8_t read_ctr(Rig *r)
{
    cmd(r, 0x20);
    g_assert_true(status(r) & I8042_STR_OBF);
    return (uint8_t)ioport_read(&r->io, I8042_DATA_PORT, 1);
}

static void aux(Rig *r, uint8_t v)
{
    cmd(r, 0xd4);
    data(r, v);
}

/* Reads bytes while the output buffer is full; aux[i] tells each byte's source. */
static unsigned drain(Rig *r, uint8_t *out, bool *from_aux, unsigned max)
{
    unsigned n = 0;

    while ((status(r) & I8042_STR_OBF) && n < max) {
        from_aux[n] = (status(r) & I8042_STR_AUXB) != 0;
        out[n++] = (uint8_t)ioport_read(&r->io, I8042_DATA_PORT, 1);
    }
    return n;
}

/* The output buffer yields exactly WANT, all from the keyboard side or all from aux. */
static void expect_bytes(Rig *r, bool want_aux, const uint8_t *want, unsigned n)
{
    uint8_t got[64];
    bool src[64];
    unsigned len = drain(r, got, src, sizeof(got));

    g_assert_cmpmem(got, len, want, n);
    for (unsigned i = 0; i < len; i++) {
        g_assert_cmpint(src[i], ==, want_aux);
    }
}

#define EXPECT(r, aux_side, ...)                                            \
    do {                                                                    \
        static const uint8_t want_[] = { __VA_ARGS__ };                     \
        expect_bytes(r, aux_side, want_, sizeof(want_));                    \
    } while (0)
#define EXPECT_NONE(r) g_assert_false(status(r) & I8042_STR_OBF)

static void test_self_test(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    EXPECT_NONE(r);
    g_assert_true(status(r) & I8042_STR_UNLOCKED);
    cmd(r, 0xaa);
    g_assert_true(status(r) & I8042_STR_CMD);
    EXPECT(r, false, 0x55);
    cmd(r, 0xab);
    EXPECT(r, false, 0x00);
    cmd(r, 0xa9);
    EXPECT(r, false, 0x00);
    cmd(r, 0xc0);
    g_assert_cmphex(ioport_read(&r->io, I8042_DATA_PORT, 1) & 0x80, ==, 0x80);
    cmd(r, 0x42);                       /* unknown: ignored */
    EXPECT_NONE(r);
    g_assert_cmpuint(r->resets, ==, 0);
}

static void test_command_byte(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    g_assert_cmphex(read_ctr(r), ==, I8042_CTR_XLAT | I8042_CTR_AUXINT | I8042_CTR_KBDINT);
    g_assert_false(status(r) & I8042_STR_SYS);
    set_ctr(r, 0x65);
    g_assert_false(status(r) & I8042_STR_CMD);  /* the last write went to port 0x60 */
    g_assert_true(status(r) & I8042_STR_SYS);
    g_assert_cmphex(read_ctr(r), ==, 0x65);
    cmd(r, 0xa8);
    g_assert_cmphex(read_ctr(r), ==, 0x45);
    cmd(r, 0xa7);
    g_assert_cmphex(read_ctr(r), ==, 0x65);
    cmd(r, 0xad);
    g_assert_cmphex(read_ctr(r), ==, 0x75);
    cmd(r, 0xae);
    g_assert_cmphex(read_ctr(r), ==, 0x65);
    /* Other internal RAM bytes. */
    cmd(r, 0x7f);
    data(r, 0x5a);
    cmd(r, 0x3f);
    EXPECT(r, false, 0x5a);
    /* A command cancels the data byte an earlier command waited for. */
    cmd(r, 0x60);
    cmd(r, 0xaa);
    EXPECT(r, false, 0x55);
    g_assert_cmphex(read_ctr(r), ==, 0x65);
}

static void test_a20(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    physmem_write(&r->pm, 0x000010, 0x11111111, 4);
    physmem_write(&r->pm, 0x100010, 0x22222222, 4);
    g_assert_cmphex(physmem_read(&r->pm, 0x100010, 4), ==, 0x22222222);
    cmd(r, 0xd1);
    data(r, 0xdd);                      /* A20 off */
    g_assert_cmphex(physmem_read(&r->pm, 0x100010, 4), ==, 0x11111111);
    physmem_write(&r->pm, 0x100010, 0x33333333, 4);
    g_assert_cmphex(physmem_read(&r->pm, 0x000010, 4), ==, 0x33333333);
    cmd(r, 0xd0);
    g_assert_cmphex(ioport_read(&r->io, I8042_DATA_PORT, 1) & 3, ==, I8042_OUT_RESET);
    cmd(r, 0xd1);
    data(r, 0xdf);                      /* A20 on */
    g_assert_cmphex(physmem_read(&r->pm, 0x100010, 4), ==, 0x22222222);
    cmd(r, 0xd0);
    g_assert_cmphex(ioport_read(&r->io, I8042_DATA_PORT, 1) & 3, ==, 3);
    g_assert_cmpuint(r->resets, ==, 0);
}

static void test_reset_line(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    cmd(r, 0xfe);
    g_assert_cmpuint(r->resets, ==, 1);
    cmd(r, 0xff);                       /* pulses nothing */
    cmd(r, 0xfd);                       /* pulses A20 only */
    g_assert_cmpuint(r->resets, ==, 1);
    cmd(r, 0xf0);
    g_assert_cmpuint(r->resets, ==, 2);
    cmd(r, 0xd1);
    data(r, 0xde);                      /* reset line low */
    g_assert_cmpuint(r->resets, ==, 3);
    cmd(r, 0xd0);
    g_assert_cmphex(ioport_read(&r->io, I8042_DATA_PORT, 1) & 1, ==, 1);
}

static void test_kbd_commands(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    set_ctr(r, I8042_CTR_KBDINT);       /* untranslated */
    data(r, 0xff);
    EXPECT(r, false, PS2_ACK, PS2_BAT_OK);
    data(r, 0xf2);
    EXPECT(r, false, PS2_ACK, 0xab, 0x83);
    data(r, 0xee);
    EXPECT(r, false, 0xee);
    data(r, 0xfe);                      /* resend: the last byte again */
    EXPECT(r, false, 0xee);
    data(r, 0xed);
    EXPECT(r, false, PS2_ACK);
    data(r, 0x07);
    EXPECT(r, false, PS2_ACK);
    g_assert_cmpuint(r->c.kbd.leds, ==, 7);
    data(r, 0xf3);
    data(r, 0x20);
    EXPECT(r, false, PS2_ACK, PS2_ACK);
    data(r, 0xf0);
    data(r, 0x00);
    EXPECT(r, false, PS2_ACK, PS2_ACK, 0x02);
    data(r, 0xf0);
    data(r, 0x01);
    data(r, 0xf0);
    data(r, 0x00);
    EXPECT(r, false, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, 0x01);
    data(r, 0xf0);
    data(r, 0x03);                      /* set 3 is refused */
    EXPECT(r, false, PS2_ACK, PS2_RESEND);
    data(r, 0x42);                      /* not a command */
    EXPECT(r, false, PS2_RESEND);
    /* A command instead of the awaited parameter aborts the first. */
    data(r, 0xed);
    data(r, 0xee);
    EXPECT(r, false, PS2_ACK, 0xee);
    /* F5 stops scanning, F4 starts it again. */
    data(r, 0xf5);
    EXPECT(r, false, PS2_ACK);
    ps2_kbd_key(&r->c.kbd, 0x1c, true);
    EXPECT_NONE(r);
    data(r, 0xf4);
    EXPECT(r, false, PS2_ACK);
    ps2_kbd_key(&r->c.kbd, 0x1c, true);
    EXPECT(r, false, 0x1c);
    g_assert_cmpuint(r->irq[12].rises, ==, 0);
    g_assert_cmpuint(r->irq[1].rises, >, 20);
}

static void test_translation(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;
    PS2Kbd *k = &r->c.kbd;

    set_ctr(r, I8042_CTR_KBDINT | I8042_CTR_XLAT);
    ps2_kbd_key(k, 0x1c, true);         /* A */
    EXPECT(r, false, 0x1e);
    ps2_kbd_key(k, 0x1c, false);
    EXPECT(r, false, 0x9e);
    ps2_kbd_key(k, PS2_KEY_E0 | 0x75, true);    /* up arrow */
    ps2_kbd_key(k, PS2_KEY_E0 | 0x75, false);
    EXPECT(r, false, 0xe0, 0x48, 0xe0, 0xc8);
    ps2_kbd_key(k, 0x83, true);         /* F7 */
    ps2_kbd_key(k, 0x83, false);
    EXPECT(r, false, 0x41, 0xc1);
    ps2_kbd_key(k, PS2_KEY_PAUSE, true);
    ps2_kbd_key(k, PS2_KEY_PAUSE, false);
    EXPECT(r, false, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    data(r, 0xf2);                      /* the ID's second byte is translated too */
    EXPECT(r, false, PS2_ACK, 0xab, 0x41);

    /* Untranslated: set 2 as the keyboard sends it. */
    set_ctr(r, I8042_CTR_KBDINT);
    ps2_kbd_key(k, 0x1c, true);
    ps2_kbd_key(k, 0x1c, false);
    ps2_kbd_key(k, PS2_KEY_E0 | 0x75, false);
    EXPECT(r, false, 0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x75);
    /* The keyboard itself in set 1. */
    data(r, 0xf0);
    data(r, 0x01);
    EXPECT(r, false, PS2_ACK, PS2_ACK);
    ps2_kbd_key(k, 0x1c, true);
    ps2_kbd_key(k, PS2_KEY_E0 | 0x75, false);
    EXPECT(r, false, 0x1e, 0xe0, 0xc8);
}

/* The 8042 table maps set-2 codes 0x01-0x7f onto set-1 codes 0x01-0x7f one to one. */
static void test_translation_table(Fx *f, gconstpointer d)
{
    bool seen[128] = { false };
    bool brk = false;
    uint8_t v;

    g_assert_true(ps2_translate(&brk, 0x00, &v));
    g_assert_cmphex(v, ==, 0xff);       /* set-2 overrun becomes set-1 overrun */
    for (unsigned i = 1; i < 0x80; i++) {
        g_assert_true(ps2_translate(&brk, (uint8_t)i, &v));
        g_assert_cmphex(v, >=, 0x01);
        g_assert_cmphex(v, <=, 0x7f);
        g_assert_false(seen[v]);
        seen[v] = true;
    }
    g_assert_false(ps2_translate(&brk, 0xf0, &v));
    g_assert_true(brk);
    g_assert_true(ps2_translate(&brk, 0x76, &v));   /* esc released */
    g_assert_cmphex(v, ==, 0x81);
    g_assert_false(brk);
    g_assert_true(ps2_translate(&brk, PS2_ACK, &v));
    g_assert_cmphex(v, ==, PS2_ACK);
}

static void test_mouse(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;
    PS2Mouse *m = &r->c.mouse;

    set_ctr(r, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    aux(r, 0xff);
    EXPECT(r, true, PS2_ACK, PS2_BAT_OK, 0x00);
    aux(r, 0xf2);
    EXPECT(r, true, PS2_ACK, 0x00);
    ps2_mouse_event(m, 5, 5, 0, 0);     /* reporting still off: dropped */
    EXPECT_NONE(r);
    aux(r, 0xf4);
    EXPECT(r, true, PS2_ACK);
    /* Left, 5 to the left and 3 down: both sign bits. */
    ps2_mouse_event(m, -5, 3, 0, PS2_BUTTON_LEFT);
    EXPECT(r, true, 0x39, 0xfb, 0xfd);
    /* Beyond one packet: overflow bit, the rest follows. */
    ps2_mouse_event(m, 300, 0, 0, PS2_BUTTON_LEFT);
    EXPECT(r, true, 0x49, 0xff, 0x00, 0x09, 0x2d, 0x00);
    ps2_mouse_event(m, -300, 0, 0, PS2_BUTTON_LEFT);
    EXPECT(r, true, 0x59, 0x00, 0x00, 0x19, 0xd4, 0x00);
    /* A button change alone is a packet; a wheel move on a plain mouse is not. */
    ps2_mouse_event(m, 0, 0, 0, 0);
    EXPECT(r, true, 0x08, 0x00, 0x00);
    ps2_mouse_event(m, 0, 0, 3, 0);
    EXPECT_NONE(r);
    /* Status: enabled, 4 counts/mm, 100 samples/s. */
    ps2_mouse_event(m, 0, 0, 0, PS2_BUTTON_RIGHT);
    EXPECT(r, true, 0x0a, 0x00, 0x00);
    aux(r, 0xe9);
    EXPECT(r, true, PS2_ACK, 0x21, 0x02, 100);
    aux(r, 0xe8);
    aux(r, 0x03);
    aux(r, 0xf3);
    aux(r, 40);
    aux(r, 0xe7);
    aux(r, 0xe9);
    EXPECT(r, true, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, 0x31, 0x03, 40);
    aux(r, 0xf3);
    aux(r, 41);                          /* not a valid rate */
    EXPECT(r, true, PS2_ACK, PS2_RESEND);
    /* 2:1 scaling. */
    ps2_mouse_event(m, 4, 0, 0, PS2_BUTTON_RIGHT);
    EXPECT(r, true, 0x0a, 0x06, 0x00);
    aux(r, 0xe6);
    EXPECT(r, true, PS2_ACK);
    /* Remote mode: movement waits for EB. */
    aux(r, 0xf0);
    EXPECT(r, true, PS2_ACK);
    ps2_mouse_event(m, 10, -2, 0, 0);
    EXPECT_NONE(r);
    aux(r, 0xeb);
    EXPECT(r, true, PS2_ACK, 0x08, 0x0a, 0x02);
    aux(r, 0xeb);
    EXPECT(r, true, PS2_ACK, 0x08, 0x00, 0x00);
    /* Wrap mode echoes until EC. */
    aux(r, 0xee);
    aux(r, 0x12);
    aux(r, 0xf2);
    aux(r, 0xec);
    EXPECT(r, true, PS2_ACK, 0x12, 0xf2, PS2_ACK);
    aux(r, 0x77);                        /* not a command */
    EXPECT(r, true, PS2_RESEND);
    g_assert_cmpuint(r->irq[1].rises, ==, 0);
    g_assert_cmpuint(r->irq[12].rises, >, 30);
}

static void test_intellimouse(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;
    PS2Mouse *m = &r->c.mouse;
    static const uint8_t wheel[] = { 200, 100, 80 };
    static const uint8_t explorer[] = { 200, 200, 80 };

    set_ctr(r, I8042_CTR_AUXINT);
    /* The Explorer knock does nothing before the wheel knock. */
    for (unsigned i = 0; i < 3; i++) {
        aux(r, 0xf3);
        aux(r, explorer[i]);
    }
    aux(r, 0xf2);
    EXPECT(r, true, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, 0x00);
    for (unsigned i = 0; i < 3; i++) {
        aux(r, 0xf3);
        aux(r, wheel[i]);
    }
    aux(r, 0xf2);
    EXPECT(r, true, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, 0x03);
    aux(r, 0xf4);
    EXPECT(r, true, PS2_ACK);
    ps2_mouse_event(m, 1, -1, 2, PS2_BUTTON_MIDDLE);
    EXPECT(r, true, 0x0c, 0x01, 0x01, 0x02);
    ps2_mouse_event(m, 0, 0, -1, PS2_BUTTON_MIDDLE);
    EXPECT(r, true, 0x0c, 0x00, 0x00, 0xff);
    for (unsigned i = 0; i < 3; i++) {
        aux(r, 0xf3);
        aux(r, explorer[i]);
    }
    aux(r, 0xf2);
    EXPECT(r, true, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, PS2_ACK, 0x04);
    aux(r, 0xf4);
    EXPECT(r, true, PS2_ACK);
    ps2_mouse_event(m, 0, 0, -1, PS2_BUTTON_4);
    EXPECT(r, true, 0x08, 0x00, 0x00, 0x1f);
    aux(r, 0xff);
    aux(r, 0xf2);
    EXPECT(r, true, PS2_ACK, PS2_BAT_OK, 0x00, PS2_ACK, 0x00);
}

static void test_irq_gating(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    set_ctr(r, 0);
    ps2_kbd_key(&r->c.kbd, 0x1c, true);
    g_assert_true(status(r) & I8042_STR_OBF);
    g_assert_false(r->irq[1].level);
    set_ctr(r, I8042_CTR_KBDINT);       /* the byte waiting now interrupts */
    g_assert_true(r->irq[1].level);
    cmd(r, 0xd0);                       /* (the reply replaces that byte) */
    g_assert_cmphex(ioport_read(&r->io, I8042_DATA_PORT, 1) & I8042_OUT_KBD_IRQ, ==,
                    I8042_OUT_KBD_IRQ);
    g_assert_false(r->irq[1].level);
    g_assert_cmpuint(r->irq[1].rises, ==, 1);
    /* One edge per byte. */
    ps2_kbd_key(&r->c.kbd, 0x1c, false);
    EXPECT(r, false, 0xf0, 0x1c);
    g_assert_cmpuint(r->irq[1].rises, ==, 3);
    g_assert_false(r->irq[1].level);

    /* Aux data with IRQ12 off, then on. */
    aux(r, 0xf2);
    g_assert_true(status(r) & I8042_STR_AUXB);
    g_assert_false(r->irq[12].level);
    set_ctr(r, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    g_assert_true(r->irq[12].level);
    g_assert_false(r->irq[1].level);
    EXPECT(r, true, PS2_ACK, 0x00);
    g_assert_false(r->irq[12].level);
    g_assert_cmpuint(r->irq[12].rises, ==, 2);

    /* A disabled port keeps its device's bytes until it is enabled. */
    cmd(r, 0xad);
    ps2_kbd_key(&r->c.kbd, 0x1c, true);
    EXPECT_NONE(r);
    cmd(r, 0xae);
    g_assert_true(r->irq[1].level);
    EXPECT(r, false, 0x1c);
    cmd(r, 0xa7);
    aux(r, 0xf2);                       /* sending to the mouse enables its port */
    EXPECT(r, true, PS2_ACK, 0x00);
    g_assert_false(read_ctr(r) & I8042_CTR_AUXDIS);
}

static void test_write_buffers(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    set_ctr(r, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    cmd(r, 0xd2);
    data(r, 0x42);
    g_assert_true(r->irq[1].level);
    g_assert_false(r->irq[12].level);
    EXPECT(r, false, 0x42);
    cmd(r, 0xd3);
    data(r, 0x5a);
    g_assert_true(r->irq[12].level);
    g_assert_false(r->irq[1].level);
    EXPECT(r, true, 0x5a);
    g_assert_false(r->irq[12].level);
    g_assert_cmpuint(r->c.mouse.q.count, ==, 0);    /* nothing reached the mouse */
}

static void test_queue_limits(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;
    uint8_t want[PS2_QUEUE_SIZE];

    set_ctr(r, I8042_CTR_KBDINT | I8042_CTR_KBDDIS);
    for (unsigned i = 0; i < 20; i++) {
        ps2_kbd_key(&r->c.kbd, 0x1c, true);
    }
    memset(want, 0x1c, sizeof(want));
    want[PS2_QUEUE_SIZE - 1] = 0x00;    /* the overrun code */
    cmd(r, 0xae);
    expect_bytes(r, false, want, sizeof(want));

    /* A reply goes ahead of keys still queued. */
    cmd(r, 0xad);
    ps2_kbd_key(&r->c.kbd, 0x1c, true);
    data(r, 0xee);                      /* (re-enables the keyboard port) */
    EXPECT(r, false, 0xee, 0x1c);

    /* The mouse keeps what does not fit and sends it as the queue drains. */
    set_ctr(r, I8042_CTR_AUXINT | I8042_CTR_AUXDIS);
    aux(r, 0xf4);
    cmd(r, 0xa7);
    ps2_mouse_event(&r->c.mouse, 255 * 10, 0, 0, 0);
    g_assert_cmpuint(r->c.mouse.q.count, ==, 15);   /* 5 packets; the ACK waits in the buffer */
    cmd(r, 0xa8);
    uint8_t got[64];
    bool src[64];
    unsigned n = drain(r, got, src, sizeof(got));
    g_assert_cmpuint(n, ==, 1 + 3 * 10);
    g_assert_cmphex(got[0], ==, PS2_ACK);
    for (unsigned i = 1; i < n; i += 3) {
        /* Overflow marks each part cut from a larger count; the last part fits. */
        g_assert_cmphex(got[i], ==, i + 3 < n ? 0x48 : 0x08);
        g_assert_cmphex(got[i + 1], ==, 0xff);
    }
}

/* ---- the state table: copy a running controller into a fresh one ---- */

static void save_field(void *ctx, const char *path, StateType type, void *value)
{
    g_byte_array_append(ctx, value, (guint)state_type_size(type));
}

typedef struct Cursor {
    GByteArray *buf;
    size_t pos;
} Cursor;

static void load_field(void *ctx, const char *path, StateType type, void *value)
{
    Cursor *cur = ctx;
    size_t n = state_type_size(type);

    g_assert_cmpuint(cur->pos + n, <=, cur->buf->len);
    memcpy(value, cur->buf->data + cur->pos, n);
    cur->pos += n;
}

static void drain_into(Rig *r, GByteArray *out)
{
    uint8_t got[256];
    bool src[256];
    unsigned n = drain(r, got, src, sizeof(got));

    for (unsigned i = 0; i < n; i++) {
        uint8_t rec[2] = { got[i], src[i] };
        g_byte_array_append(out, rec, 2);
    }
}

/* Drives R through the same steps and returns everything it output, with each source. */
static GByteArray *run_after_load(Rig *r)
{
    GByteArray *out = g_byte_array_new();

    data(r, I8042_CTR_AUXINT | I8042_CTR_KBDINT);   /* completes the pending 0x60 */
    drain_into(r, out);
    ps2_kbd_key(&r->c.kbd, PS2_KEY_E0 | 0x75, false);
    ps2_mouse_event(&r->c.mouse, 7, 7, 1, PS2_BUTTON_LEFT);
    drain_into(r, out);
    aux(r, 0xe9);
    drain_into(r, out);
    return out;
}

static void test_state_round_trip(Fx *f, gconstpointer d)
{
    Rig *a = &f->r;
    Rig b;
    static const uint8_t wheel[] = { 200, 100, 80 };

    set_ctr(a, I8042_CTR_AUXINT);
    for (unsigned i = 0; i < 3; i++) {
        aux(a, 0xf3);
        aux(a, wheel[i]);
    }
    aux(a, 0xf4);
    data(a, 0xf0);
    data(a, 0x01);                      /* keyboard in set 1 */
    drain(a, (uint8_t[64]){ 0 }, (bool[64]){ false }, 64);
    set_ctr(a, I8042_CTR_AUXINT | I8042_CTR_KBDINT | I8042_CTR_KBDDIS | I8042_CTR_SYS);
    ps2_kbd_key(&a->c.kbd, 0x1c, true);
    ps2_mouse_event(&a->c.mouse, 3000, -20, 2, 0);  /* leaves movement pending */
    g_assert_true(status(a) & I8042_STR_OBF);
    cmd(a, 0x60);

    GByteArray *image = g_byte_array_new();
    state_visit(&i8042_state_desc, &a->c, save_field, image);
    rig_init(&b, &f->log);
    Cursor cur = { image, 0 };
    state_visit(&i8042_state_desc, &b.c, load_field, &cur);
    g_assert_cmpuint(cur.pos, ==, image->len);
    i8042_state_desc.post_load(&b.c);
    g_assert_cmphex(status(&b), ==, status(a));

    GByteArray *out_a = run_after_load(a);
    GByteArray *out_b = run_after_load(&b);
    g_assert_cmpuint(out_a->len, >, 2 * 40);
    g_assert_cmpmem(out_a->data, out_a->len, out_b->data, out_b->len);
    g_byte_array_unref(out_a);
    g_byte_array_unref(out_b);
    g_byte_array_unref(image);
    rig_destroy(&b);
}

/* A corrupt image cannot make the queues index out of bounds. */
static void test_state_sanitized(Fx *f, gconstpointer d)
{
    Rig *r = &f->r;

    r->c.kbd.q.count = 200;
    r->c.kbd.q.replies = 201;
    r->c.mouse.q.count = 99;
    r->c.kbd.scan_set = 3;
    i8042_state_desc.post_load(&r->c);
    g_assert_cmpuint(r->c.kbd.q.count, ==, PS2_QUEUE_SIZE);
    g_assert_cmpuint(r->c.kbd.q.replies, ==, PS2_QUEUE_SIZE);
    g_assert_cmpuint(r->c.mouse.q.count, ==, PS2_QUEUE_SIZE);
    g_assert_cmpuint(r->c.kbd.scan_set, ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/i8042/self-test", test_self_test);
    ADD("/i8042/command-byte", test_command_byte);
    ADD("/i8042/a20", test_a20);
    ADD("/i8042/reset-line", test_reset_line);
    ADD("/i8042/kbd-commands", test_kbd_commands);
    ADD("/i8042/translation", test_translation);
    ADD("/i8042/translation-table", test_translation_table);
    ADD("/i8042/mouse", test_mouse);
    ADD("/i8042/intellimouse", test_intellimouse);
    ADD("/i8042/irq-gating", test_irq_gating);
    ADD("/i8042/write-buffers", test_write_buffers);
    ADD("/i8042/queue-limits", test_queue_limits);
    ADD("/i8042/state-round-trip", test_state_round_trip);
    ADD("/i8042/state-sanitized", test_state_sanitized);
#undef ADD
    return g_test_run();
}
