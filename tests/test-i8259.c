/*
 * Unit tests of hw/i8259.c, the 8259A master/slave pair and the ELCR, driven through its
 * ports: initialisation words (cascade and single mode), masking, the EOI kinds, rotation,
 * automatic EOI, special mask mode, poll, cascade and special fully nested mode, edge and
 * level triggering, spurious IRQ 7 and 15, and the state table.
 */
#include <glib.h>

#include "hw/i8259.h"

typedef struct Fx {
    Log log;
    IoSpace io;
    Pic pic;
    bool intr;
} Fx;

static void on_intr(void *opaque, int n, bool level)
{
    Fx *f = opaque;
    f->intr = level;
}

static void out(Fx *f, uint16_t port, uint8_t v)
{
    ioport_write(&f->io, port, v, 1);
}

static uint8_t in(Fx *f, uint16_t port)
{
    return (uint8_t)ioport_read(&f->io, port, 1);
}

/* The PC BIOS's initialisation: ICW1-4 on both chips with ICW4 = ICW4, all unmasked. */
static void pic_program(Fx *f, uint8_t m_base, uint8_t s_base, uint8_t icw4)
{
    out(f, 0x20, 0x11);
    out(f, 0x21, m_base);
    out(f, 0x21, 0x04);
    out(f, 0x21, icw4);
    out(f, 0xa0, 0x11);
    out(f, 0xa1, s_base);
    out(f, 0xa1, 0x02);
    out(f, 0xa1, icw4 & ~0x10);
    out(f, 0x21, 0x00);
    out(f, 0xa1, 0x00);
}

static void fx_setup(Fx *f, gconstpointer data)
{
    IrqLine intr;
    char *why = NULL;

    memset(f, 0, sizeof(*f));
    log_init(&f->log);
    ioport_init(&f->io, &f->log);
    irq_connect(&intr, on_intr, f, 0);
    g_assert_true(pic_init(&f->pic, &f->io, intr, &why));
    pic_program(f, 0x08, 0x70, 0x01);
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    ioport_destroy(&f->io);
}

static uint8_t read_isr(Fx *f, uint16_t cmd)
{
    out(f, cmd, 0x0b);
    return in(f, cmd);
}

static uint8_t read_irr(Fx *f, uint16_t cmd)
{
    out(f, cmd, 0x0a);
    return in(f, cmd);
}

/* Raises and lowers IRQ (an edge-triggered request, latched). */
static void pulse(Fx *f, int irq)
{
    pic_set_irq(&f->pic, irq, true);
    pic_set_irq(&f->pic, irq, false);
}

static void test_init(Fx *f, gconstpointer data)
{
    g_assert_false(f->intr);
    pulse(f, 1);
    g_assert_true(f->intr);
    g_assert_true(pic_pending(&f->pic));
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    g_assert_false(f->intr);
    out(f, 0x20, 0x20);
    pulse(f, 9);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x71);

    /* masks read back; ICW1 clears them and the ISR */
    out(f, 0x21, 0x5a);
    g_assert_cmphex(in(f, 0x21), ==, 0x5a);
    out(f, 0x20, 0x11);
    g_assert_cmphex(in(f, 0x21), ==, 0x00);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);
    out(f, 0x21, 0x40);          /* ICW2 */
    out(f, 0x21, 0x04);          /* ICW3 */
    out(f, 0x21, 0x01);          /* ICW4 */
    out(f, 0x21, 0xfe);          /* OCW1 */
    g_assert_cmphex(in(f, 0x21), ==, 0xfe);
    pulse(f, 0);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x40);

    /* no ICW4 (IC4 clear): ICW2, ICW3, then the next data write is the mask */
    out(f, 0x20, 0x10);
    out(f, 0x21, 0x50);
    out(f, 0x21, 0x04);
    out(f, 0x21, 0x33);
    g_assert_cmphex(in(f, 0x21), ==, 0x33);
}

static void test_single_mode(Fx *f, gconstpointer data)
{
    /* SNGL: no ICW3, and IR2 is an ordinary input answered by the master */
    out(f, 0x20, 0x13);
    out(f, 0x21, 0x20);
    out(f, 0x21, 0x01);          /* ICW4 straight after ICW2 */
    out(f, 0x21, 0x00);          /* OCW1 */
    g_assert_cmphex(in(f, 0x21), ==, 0x00);
    pulse(f, 10);                /* the slave raises its INT onto IR2 */
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x22);
}

static void test_mask(Fx *f, gconstpointer data)
{
    out(f, 0x21, 0x08);
    pulse(f, 3);
    g_assert_false(f->intr);
    g_assert_cmphex(read_irr(f, 0x20), ==, 0x08);  /* requested, masked */
    out(f, 0x21, 0x00);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
    g_assert_cmphex(read_irr(f, 0x20), ==, 0x00);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x08);
    /* masking a slave input, and the whole slave through the master's IR2 */
    out(f, 0x20, 0x20);
    out(f, 0xa1, 0x10);
    pulse(f, 12);
    g_assert_false(f->intr);
    out(f, 0xa1, 0x00);
    out(f, 0x21, 0x04);
    g_assert_false(f->intr);
    out(f, 0x21, 0x00);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x74);
}

static void test_eoi(Fx *f, gconstpointer data)
{
    pulse(f, 3);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
    pulse(f, 4);                 /* lower priority: waits for IR3's EOI */
    g_assert_false(f->intr);
    pulse(f, 1);                 /* higher: nests */
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x0a);
    out(f, 0x20, 0x20);          /* non-specific EOI ends the highest: IR1 */
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x08);
    g_assert_false(f->intr);
    out(f, 0x20, 0x40);          /* OCW2 no-op */
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x08);
    out(f, 0x20, 0x63);          /* specific EOI for IR3 */
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0c);
    out(f, 0x20, 0x64);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);
    out(f, 0x20, 0x20);          /* nothing in service: harmless */
    g_assert_false(f->intr);
}

/* Requests IRQs A and B together and returns which is delivered first (then EOIs both). */
static int first_of(Fx *f, int a, int b)
{
    pulse(f, a);
    pulse(f, b);
    int v = pic_ack(&f->pic) - 0x08;
    out(f, 0x20, 0x60 | v);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08 + (v == a ? b : a));
    out(f, 0x20, 0x60 | (v == a ? b : a));
    return v;
}

static void test_rotate(Fx *f, gconstpointer data)
{
    g_assert_cmpint(first_of(f, 0, 1), ==, 0);
    /* rotate on non-specific EOI: the serviced IR becomes the lowest */
    pulse(f, 0);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
    out(f, 0x20, 0xa0);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);
    g_assert_cmpint(first_of(f, 0, 1), ==, 1);
    g_assert_cmpint(first_of(f, 0, 7), ==, 7);
    /* set priority: IR4 lowest, so IR5 highest */
    out(f, 0x20, 0xc4);
    g_assert_cmpint(first_of(f, 3, 6), ==, 6);
    g_assert_cmpint(first_of(f, 4, 5), ==, 5);
    /* rotate on specific EOI: IR6 lowest, IR7 highest */
    pulse(f, 6);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0e);
    out(f, 0x20, 0xe6);
    g_assert_cmpint(first_of(f, 0, 7), ==, 7);
    g_assert_cmpint(first_of(f, 6, 0), ==, 0);
    /* an in-service IR blocks those below it in the rotated order */
    pulse(f, 1);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    pulse(f, 0);
    g_assert_true(f->intr);      /* IR0 ranks above IR1 now */
    pulse(f, 3);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
    out(f, 0x20, 0x20);
    out(f, 0x20, 0x20);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
}

static void test_aeoi(Fx *f, gconstpointer data)
{
    pic_program(f, 0x08, 0x70, 0x03);
    pulse(f, 3);
    pulse(f, 5);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);  /* ended by the INTA itself */
    g_assert_true(f->intr);                         /* so IR5 is not blocked */
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0d);
    /* rotate in AEOI mode: each serviced IR becomes the lowest */
    out(f, 0x20, 0x80);
    pulse(f, 0);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
    pulse(f, 0);
    pulse(f, 1);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
    out(f, 0x20, 0x00);          /* clear rotate in AEOI: priority stays where it is */
    pulse(f, 0);
    pulse(f, 1);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
    pulse(f, 0);
    pulse(f, 1);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x08);
}

static void test_special_mask(Fx *f, gconstpointer data)
{
    pulse(f, 3);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
    pulse(f, 5);
    g_assert_false(f->intr);
    out(f, 0x21, 0x08);          /* masking IR3 alone does not help */
    g_assert_false(f->intr);
    out(f, 0x20, 0x68);          /* special mask mode: masked IR3 blocks nothing */
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0d);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x28);
    pulse(f, 6);                 /* IR5 in service, unmasked: still blocks IR6 */
    g_assert_false(f->intr);
    out(f, 0x20, 0x65);
    g_assert_true(f->intr);
    out(f, 0x20, 0x48);          /* leave special mask mode: IR3 in service blocks again */
    g_assert_false(f->intr);
    out(f, 0x20, 0x63);
    out(f, 0x21, 0x00);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0e);
}

static void test_poll(Fx *f, gconstpointer data)
{
    out(f, 0x20, 0x0c);
    g_assert_cmphex(in(f, 0x20), ==, 0x00);      /* nothing pending */
    g_assert_cmphex(in(f, 0x20), ==, 0x00);      /* IRR again: the poll was one read */
    pulse(f, 6);
    pulse(f, 4);
    out(f, 0x20, 0x0c);
    g_assert_cmphex(in(f, 0x20), ==, 0x84);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x10);  /* taken as if acknowledged */
    g_assert_cmphex(read_irr(f, 0x20), ==, 0x40);
    out(f, 0x20, 0x20);
    out(f, 0x20, 0x0c);
    g_assert_cmphex(in(f, 0x21), ==, 0x86);      /* either port answers the poll */
    out(f, 0x20, 0x20);
    /* the slave is polled on its own: the master shows IR2 */
    pulse(f, 11);
    out(f, 0x20, 0x0c);
    g_assert_cmphex(in(f, 0x20), ==, 0x82);
    out(f, 0xa0, 0x0c);
    g_assert_cmphex(in(f, 0xa0), ==, 0x83);
    g_assert_cmphex(read_isr(f, 0xa0), ==, 0x08);
}

static void test_cascade(Fx *f, gconstpointer data)
{
    pulse(f, 10);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x72);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(f, 0xa0), ==, 0x04);
    pulse(f, 8);                 /* higher on the slave, but IR2 is in service */
    g_assert_false(f->intr);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x70);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    /* the master's own inputs above IR2 still nest over the slave */
    pulse(f, 14);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x76);
    pulse(f, 1);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x09);
    pulse(f, 3);
    g_assert_false(f->intr);
    out(f, 0x20, 0x20);          /* IR1 */
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);          /* IR2 */
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0b);
    out(f, 0x20, 0x20);
    /* ISA IRQ 2 arrives as IRQ 9 */
    pulse(f, 2);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x71);
}

static void test_sfnm(Fx *f, gconstpointer data)
{
    pic_program(f, 0x08, 0x70, 0x11);  /* special fully nested mode on the master */
    pulse(f, 12);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x74);
    pulse(f, 9);                 /* higher on the slave: through while IR2 is in service */
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x71);
    g_assert_cmphex(read_isr(f, 0xa0), ==, 0x12);
    pulse(f, 13);                /* lower than the slave's IR4 in service: held */
    g_assert_false(f->intr);
    pulse(f, 3);                 /* below IR2 on the master: held */
    g_assert_false(f->intr);
    out(f, 0xa0, 0x20);
    out(f, 0xa0, 0x20);
    g_assert_cmphex(read_isr(f, 0xa0), ==, 0x00);
    g_assert_true(f->intr);      /* IR13 now, still through IR2 */
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x75);
}

static void test_edge_level(Fx *f, gconstpointer data)
{
    /* ELCR: the always-edge inputs cannot be set */
    out(f, 0x4d0, 0xff);
    out(f, 0x4d1, 0xff);
    g_assert_cmphex(in(f, 0x4d0), ==, 0xf8);
    g_assert_cmphex(in(f, 0x4d1), ==, 0xde);
    out(f, 0x4d0, 0x00);
    out(f, 0x4d1, 0x04);         /* IRQ 10 level-triggered */

    /* edge: a held line asks once; a pulse is latched */
    pic_set_irq(&f->pic, 11, true);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x73);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    g_assert_false(f->intr);
    pic_set_irq(&f->pic, 11, false);
    g_assert_false(f->intr);
    pic_set_irq(&f->pic, 11, true);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x73);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    pic_set_irq(&f->pic, 11, false);

    /* level: asks again after each EOI while the line is high */
    pic_set_irq(&f->pic, 10, true);
    for (int i = 0; i < 3; i++) {
        g_assert_true(f->intr);
        g_assert_cmpint(pic_ack(&f->pic), ==, 0x72);
        g_assert_false(f->intr);
        g_assert_cmphex(read_irr(f, 0xa0), ==, 0x04);  /* IRR follows the line */
        if (i == 2) {
            pic_set_irq(&f->pic, 10, false);  /* serviced: the device drops the line */
        }
        out(f, 0xa0, 0x20);
        out(f, 0x20, 0x20);
    }
    g_assert_false(f->intr);
    g_assert_cmphex(read_irr(f, 0xa0), ==, 0x00);

    /* ICW1 resets the edge-sense latch: a line already high must go low and high again */
    pic_set_irq(&f->pic, 5, true);
    pic_program(f, 0x08, 0x70, 0x01);
    g_assert_false(f->intr);
    pic_set_irq(&f->pic, 5, false);
    pic_set_irq(&f->pic, 5, true);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0d);
    out(f, 0x20, 0x20);
    /* switching a high line to level-triggered makes it a request at once */
    out(f, 0x4d0, 0x20);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0d);
}

static void test_spurious(Fx *f, gconstpointer data)
{
    out(f, 0x4d0, 0x20);         /* IRQ 5 level */
    out(f, 0x4d1, 0x04);         /* IRQ 10 level */

    /* a level request gone before INTA: IR7's vector, nothing in service */
    pic_set_irq(&f->pic, 5, true);
    g_assert_true(f->intr);
    pic_set_irq(&f->pic, 5, false);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0f);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);

    /* on the slave: the master's IR2 edge was latched, so IRQ 15's vector, IR2 in service */
    pic_set_irq(&f->pic, 10, true);
    g_assert_true(f->intr);
    pic_set_irq(&f->pic, 10, false);
    g_assert_true(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x77);
    g_assert_cmphex(read_isr(f, 0xa0), ==, 0x00);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x04);
    out(f, 0x20, 0x20);
    g_assert_cmphex(read_isr(f, 0x20), ==, 0x00);

    /* an INTA with nothing pending at all */
    g_assert_false(f->intr);
    g_assert_cmpint(pic_ack(&f->pic), ==, 0x0f);
}

static void sum_sizes(void *ctx, const char *path, StateType type, void *value)
{
    *(size_t *)ctx += state_type_size(type);
}

static void test_state(Fx *f, gconstpointer data)
{
    size_t n = 0;
    state_visit(&pic_state_desc, &f->pic, sum_sizes, &n);
    /* every byte of both chips is described (PicChip has no padding), plus INT */
    g_assert_cmpuint(n, ==, 2 * sizeof(PicChip) + 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/i8259/" name, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("init", test_init);
    ADD("single-mode", test_single_mode);
    ADD("mask", test_mask);
    ADD("eoi", test_eoi);
    ADD("rotate", test_rotate);
    ADD("aeoi", test_aeoi);
    ADD("special-mask", test_special_mask);
    ADD("poll", test_poll);
    ADD("cascade", test_cascade);
    ADD("sfnm", test_sfnm);
    ADD("edge-level", test_edge_level);
    ADD("spurious", test_spurious);
    ADD("state", test_state);
#undef ADD
    return g_test_run();
}
