/*
 * Intel 8259A programmable interrupt controller, the PC/AT master/slave pair (8259A
 * datasheet: "Interrupt sequence", "Initialization command words", "Operation command
 * words", "Special mask mode", "Poll command", "Cascading"), with the PIIX ELCR
 * edge/level registers at 0x4d0-0x4d1.
 */
#include "hw/i8259.h"

#include <stddef.h>

#define PIC_MASTER 0
#define PIC_SLAVE 1
#define PIC_CASCADE_IR 2          /* the master input the slave's INT is wired to */
#define PIC_SLAVE_ID 2            /* the slave's cascade address (its ICW3) */
#define PIC_IRQ2_REROUTE 9        /* the AT bus wires the ISA IRQ 2 pin to IRQ 9 */

#define ICW1_IC4 0x01             /* ICW4 follows */
#define ICW1_SNGL 0x02            /* single: no slaves, no ICW3 */
#define ICW1_INIT 0x10            /* D4 set on an A0=0 write: this is ICW1 */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_SEL 0x08             /* D3 set (D4 clear) on an A0=0 write: OCW3 */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define OCW2_EOI 0x20
#define OCW2_SL 0x40
#define OCW2_R 0x80
#define POLL_INT 0x80             /* poll word: an interrupt was pending */

/* ELCR bits that can be set: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
static const uint8_t pic_elcr_mask[2] = { 0xf8, 0xde };
/* The vector bases and cascade wiring the PC BIOS programs. */
static const uint8_t pic_bios_icw2[2] = { 0x08, 0x70 };
static const uint8_t pic_bios_icw3[2] = { 1u << PIC_CASCADE_IR, PIC_SLAVE_ID };

/* --- one chip --- */

/* Priority rank of IR (0 highest): priority runs from lowest+1 round to lowest. */
static int chip_rank(const PicChip *c, int ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The highest-priority IR among BITS, or -1. */
static int chip_highest(const PicChip *c, uint8_t bits)
{
    for (int i = 1; i <= 8; i++) {
        int ir = (c->lowest + i) & 7;
        if (bits & (1u << ir)) {
            return ir;
        }
    }
    return -1;
}

/*
 * The request the chip would present on INTA, or -1: the highest unmasked request, unless
 * an in-service IR of higher or equal priority blocks it. In special mask mode masked IRs
 * in service block nothing; with special fully nested mode a cascade input (NESTED) in
 * service lets further requests from its slave through.
 */
static int chip_request(const PicChip *c, uint8_t nested)
{
    int ir = chip_highest(c, c->irr & ~c->imr);
    if (ir < 0) {
        return -1;
    }
    int top = chip_highest(c, c->special_mask ? c->isr & ~c->imr : c->isr);
    if (top < 0 || chip_rank(c, ir) < chip_rank(c, top)) {
        return ir;
    }
    return top == ir && (nested & (1u << ir)) ? ir : -1;
}

/* The INTA (or poll) that takes IR: in service unless automatic EOI; edge latch consumed. */
static void chip_accept(PicChip *c, int ir)
{
    uint8_t bit = 1u << ir;
    if (!(c->elcr & bit)) {
        c->irr &= ~bit;
    }
    if (!(c->icw4 & ICW4_AEOI)) {
        c->isr |= bit;
    } else if (c->rotate_aeoi) {
        c->lowest = ir;
    }
}

/* Input IR changes level: edge inputs latch a rising edge, level inputs follow the line. */
static void chip_set_line(PicChip *c, int ir, bool level)
{
    uint8_t bit = 1u << ir;
    bool rising = level && !(c->lines & bit);

    c->lines = level ? c->lines | bit : c->lines & ~bit;
    if (c->elcr & bit) {
        c->irr = level ? c->irr | bit : c->irr & ~bit;
    } else if (rising) {
        c->irr |= bit;
    }
}

static int chip_vector(const PicChip *c, int ir)
{
    return (c->icw2 & 0xf8) | ir;
}

/* ICW1: the edge-sense latches, IMR, ISR and OCW3 state are reset, IR7 lowest priority. */
static void chip_icw1(PicChip *c, uint8_t v)
{
    c->icw1 = v;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = c->lines & c->elcr;
    c->lowest = 7;
    c->rotate_aeoi = false;
    c->special_mask = false;
    c->poll = false;
    c->read_isr = false;
    if (!(v & ICW1_IC4)) {
        c->icw4 = 0;
    }
}

/* A0=1 write: the ICW the sequence expects next, else OCW1 (the mask). */
static void chip_write_data(PicChip *c, uint8_t v)
{
    bool ic4 = c->icw1 & ICW1_IC4;

    switch (c->init_step) {
    case 2:
        c->icw2 = v;
        c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : ic4 ? 4 : 0;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = ic4 ? 4 : 0;
        break;
    case 4:
        c->icw4 = v;
        c->init_step = 0;
        break;
    default:
        c->imr = v;
        break;
    }
}

/*
 * OCW2: R, SL and EOI in bits 7-5, the IR in bits 2-0. With EOI: a specific or the
 * highest in-service IR ends, and with R becomes the lowest priority. Without: R alone
 * sets or clears rotate-in-AEOI, R+SL sets the priority, SL alone is a no-op.
 */
static void chip_ocw2(PicChip *c, uint8_t v)
{
    bool rotate = v & OCW2_R, specific = v & OCW2_SL;

    if (!(v & OCW2_EOI)) {
        if (!specific) {
            c->rotate_aeoi = rotate;
        } else if (rotate) {
            c->lowest = v & 7;
        }
        return;
    }
    int ir = specific ? (v & 7) : chip_highest(c, c->isr);
    if (ir < 0) {
        return;
    }
    c->isr &= ~(1u << ir);
    if (rotate) {
        c->lowest = ir;
    }
}

static void chip_ocw3(PicChip *c, uint8_t v)
{
    if (v & OCW3_ESMM) {
        c->special_mask = v & OCW3_SMM;
    }
    if (v & OCW3_POLL) {
        c->poll = true;
    }
    if (v & OCW3_RR) {
        c->read_isr = v & OCW3_RIS;
    }
}

/* The input levels are wires, not chip state: they survive a reset. */
static void chip_reset(PicChip *c, int which)
{
    *c = (PicChip){
        .lines = c->lines,
        .imr = 0xff,
        .elcr_mask = pic_elcr_mask[which],
        .icw1 = ICW1_INIT | ICW1_IC4,
        .icw2 = pic_bios_icw2[which],
        .icw3 = pic_bios_icw3[which],
        .icw4 = 0x01,       /* 8086 mode, normal EOI */
        .lowest = 7,
    };
}

/* --- the pair --- */

/* Master inputs with a slave behind them (ICW3), none in single mode. */
static uint8_t pic_cascade_mask(const Pic *p)
{
    const PicChip *m = &p->chip[PIC_MASTER];
    return (m->icw1 & ICW1_SNGL) ? 0 : m->icw3;
}

static int pic_master_request(const Pic *p)
{
    const PicChip *m = &p->chip[PIC_MASTER];
    return chip_request(m, (m->icw4 & ICW4_SFNM) ? pic_cascade_mask(p) : 0);
}

/* Propagates the slave's INT to the master's IR2 and the master's INT to the CPU. */
static void pic_update(Pic *p)
{
    bool slave_int = chip_request(&p->chip[PIC_SLAVE], 0) >= 0;
    chip_set_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, slave_int);
    bool level = pic_master_request(p) >= 0;
    if (level != p->int_out) {
        p->int_out = level;
        irq_set(&p->intr, level);
    }
}

/* The second INTA pulse when the master took a cascade input: the slave's vector. */
static int pic_ack_slave(Pic *p, int master_ir)
{
    PicChip *s = &p->chip[PIC_SLAVE];
    if (master_ir != PIC_CASCADE_IR || (s->icw3 & 7) != PIC_SLAVE_ID) {
        return 0xff;        /* no slave answers that cascade address: the bus floats */
    }
    int ir = chip_request(s, 0);
    if (ir < 0) {
        return chip_vector(s, 7);   /* spurious IRQ 15; the master's IR2 stays in service */
    }
    chip_accept(s, ir);
    return chip_vector(s, ir);
}

int pic_ack(Pic *p)
{
    PicChip *m = &p->chip[PIC_MASTER];
    int ir = pic_master_request(p);
    int vector;

    if (ir < 0) {
        vector = chip_vector(m, 7);  /* spurious IRQ 7: the request went away */
    } else {
        chip_accept(m, ir);
        vector = (pic_cascade_mask(p) & (1u << ir)) ? pic_ack_slave(p, ir) : chip_vector(m, ir);
    }
    pic_update(p);
    return vector;
}

int pic_ack_hook(void *opaque)
{
    return pic_ack(opaque);
}

bool pic_pending(const Pic *p)
{
    return p->int_out;
}

/* The poll command's read: the highest request taken as if by INTA, in bits 2-0. */
static uint8_t pic_poll(Pic *p, int which)
{
    PicChip *c = &p->chip[which];
    int ir = which == PIC_MASTER ? pic_master_request(p) : chip_request(c, 0);

    c->poll = false;
    if (ir < 0) {
        return 0;
    }
    chip_accept(c, ir);
    pic_update(p);
    return POLL_INT | ir;
}

void pic_set_irq(Pic *p, int irq, bool level)
{
    if (irq < 0 || irq > 15) {
        return;
    }
    if (irq == PIC_CASCADE_IR) {
        irq = PIC_IRQ2_REROUTE;
    }
    chip_set_line(&p->chip[irq >> 3], irq & 7, level);
    pic_update(p);
}

void pic_irq_handler(void *opaque, int n, bool level)
{
    pic_set_irq(opaque, n, level);
}

/* --- ports --- */

static int pic_port_chip(uint16_t port)
{
    return (port & 0x80) ? PIC_SLAVE : PIC_MASTER;
}

static uint32_t pic_read(void *opaque, uint16_t port, unsigned size)
{
    Pic *p = opaque;
    int which = pic_port_chip(port);
    PicChip *c = &p->chip[which];

    if (c->poll) {
        return pic_poll(p, which);
    }
    if (port & 1) {
        return c->imr;
    }
    return c->read_isr ? c->isr : c->irr;
}

static void pic_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Pic *p = opaque;
    PicChip *c = &p->chip[pic_port_chip(port)];
    uint8_t v = (uint8_t)value;

    if (port & 1) {
        chip_write_data(c, v);
    } else if (v & ICW1_INIT) {
        chip_icw1(c, v);
    } else if (v & OCW3_SEL) {
        chip_ocw3(c, v);
    } else {
        chip_ocw2(c, v);
    }
    pic_update(p);
}

static uint32_t elcr_read(void *opaque, uint16_t port, unsigned size)
{
    Pic *p = opaque;
    return p->chip[port & 1].elcr;
}

/* Inputs made level-triggered take their line's level as the request at once. */
static void elcr_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Pic *p = opaque;
    PicChip *c = &p->chip[port & 1];

    c->elcr = (uint8_t)value & c->elcr_mask;
    c->irr = (c->irr & ~c->elcr) | (c->lines & c->elcr);
    pic_update(p);
}

static const IoPortOps pic_ops = {
    .read = pic_read,
    .write = pic_write,
    .sizes = IO_SIZE_1,
};

static const IoPortOps elcr_ops = {
    .read = elcr_read,
    .write = elcr_write,
    .sizes = IO_SIZE_1,
};

void pic_reset(Pic *p)
{
    for (int i = 0; i < 2; i++) {
        chip_reset(&p->chip[i], i);
    }
    p->int_out = false;
    irq_lower(&p->intr);
}

bool pic_init(Pic *p, IoSpace *io, IrqLine intr, char **why)
{
    *p = (Pic){ .intr = intr };
    pic_reset(p);
    return ioport_register(io, "pic-master", 0x20, 2, &pic_ops, p, why) &&
           ioport_register(io, "pic-slave", 0xa0, 2, &pic_ops, p, why) &&
           ioport_register(io, "elcr", 0x4d0, 2, &elcr_ops, p, why);
}

/* --- state --- */

static const StateField pic_chip_fields[] = {
    STATE_U8(PicChip, irr),
    STATE_U8(PicChip, isr),
    STATE_U8(PicChip, imr),
    STATE_U8(PicChip, lines),
    STATE_U8(PicChip, elcr),
    STATE_U8(PicChip, elcr_mask),
    STATE_U8(PicChip, icw1),
    STATE_U8(PicChip, icw2),
    STATE_U8(PicChip, icw3),
    STATE_U8(PicChip, icw4),
    STATE_U8(PicChip, init_step),
    STATE_U8(PicChip, lowest),
    STATE_BOOL(PicChip, rotate_aeoi),
    STATE_BOOL(PicChip, special_mask),
    STATE_BOOL(PicChip, poll),
    STATE_BOOL(PicChip, read_isr),
    STATE_END,
};

static const StateDesc pic_chip_state_desc = {
    "i8259", 1, pic_chip_fields, sizeof(PicChip), NULL,
};

static const StateField pic_fields[] = {
    STATE_STRUCT_ARRAY(Pic, chip, &pic_chip_state_desc),
    STATE_BOOL(Pic, int_out),
    STATE_END,
};

const StateDesc pic_state_desc = { "pic", 1, pic_fields, sizeof(Pic), NULL };
