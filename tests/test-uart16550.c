/*
 * The 16550A UART (hw/uart16550.c) as COM1, driven through its ports with virtual time
 * from an instruction counter (1 ns per instruction).
 */
#include <glib.h>
#include <string.h>

#include "hw/uart16550.h"
#include "devtest.h"

#define COM1 0x3f8
#define SEC 1000000000ll
/* 9600 baud, 8N1: 10 bits of 12 * 16 / 1.8432 MHz. */
#define CHAR_9600 1041666

typedef struct Fx {
    uint64_t insns;
    VClock clock;
    Log log;
    IoSpace io;
    Uart u;
    bool level;
    int edges;
    uint8_t out[64];        /* characters the back-end received */
    int64_t out_ns[64];     /* and when */
    unsigned nout;
} Fx;

static void on_irq(void *opaque, int n, bool level)
{
    Fx *f = opaque;
    g_assert_cmpint(n, ==, 4);
    f->edges += level && !f->level;
    f->level = level;
}

static void on_tx(void *opaque, uint8_t byte)
{
    Fx *f = opaque;
    g_assert_cmpuint(f->nout, <, G_N_ELEMENTS(f->out));
    f->out_ns[f->nout] = vclock_now(&f->clock);
    f->out[f->nout++] = byte;
}

/* Copies a device's described state through a state image (base/state.c). */
static void copy_state(const StateDesc *sd, void *from, void *to)
{
    GByteArray *img = g_byte_array_new();

    state_save(sd, from, img);
    g_assert_cmpuint(img->len, ==, state_image_size(sd));
    g_assert_true(state_load(sd, to, img->data, img->len));
    g_assert_false(state_load(sd, to, img->data, img->len - 1));  /* a short image is refused */
    g_byte_array_unref(img);
}

static uint8_t rd(Fx *f, unsigned reg)
{
    return (uint8_t)ioport_read(&f->io, (uint16_t)(COM1 + reg), 1);
}

static void wr(Fx *f, unsigned reg, uint8_t v)
{
    ioport_write(&f->io, (uint16_t)(COM1 + reg), v, 1);
}

/* COM1 at 9600 8N1 with OUT2 set (interrupts reach the PIC), interrupts off. */
static Fx *fx_new(void)
{
    Fx *f = g_new0(Fx, 1);
    IrqLine irq = { 0 };
    char *why = NULL;

    vclock_init(&f->clock, VCLOCK_INSNS, 0, &f->insns);
    log_init(&f->log);
    ioport_init(&f->io, &f->log);
    irq_connect(&irq, on_irq, f, (int)uart_com_irq(1));
    g_assert_true(uart_init(&f->u, &f->io, &f->clock, 1, irq, on_tx, f, &why));
    wr(f, UART_LCR, UART_LCR_DLAB);
    wr(f, UART_DLL, 12);
    wr(f, UART_DLM, 0);
    wr(f, UART_LCR, 0x03);
    wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    return f;
}

static void fx_free(Fx *f)
{
    ioport_destroy(&f->io);
    log_close(&f->log);
    g_free(f);
}

static int64_t now(Fx *f)
{
    return vclock_now(&f->clock);
}

static void run_to(Fx *f, int64_t t)
{
    devtest_run_to(&f->clock, &f->insns, t, NULL, NULL);
}

static void receive(Fx *f, const char *s)
{
    g_assert_true(uart_can_receive(&f->u));
    g_assert_cmpuint(uart_receive(&f->u, (const uint8_t *)s, strlen(s)), ==, strlen(s));
}

static void test_com_ports(void)
{
    static const uint16_t bases[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    static const unsigned irqs[4] = { 4, 3, 4, 3 };
    uint64_t insns = 0;
    VClock clock;
    Log log;
    IoSpace io;
    Uart u[4], bad;
    IrqLine irq = { 0 };
    char *why = NULL;

    vclock_init(&clock, VCLOCK_INSNS, 0, &insns);
    log_init(&log);
    ioport_init(&io, &log);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmphex(uart_com_base(i + 1), ==, bases[i]);
        g_assert_cmpuint(uart_com_irq(i + 1), ==, irqs[i]);
        g_assert_true(uart_init(&u[i], &io, &clock, i + 1, irq, NULL, NULL, &why));
        ioport_write(&io, bases[i] + UART_SCR, 0x40 + i, 1);
    }
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmphex(ioport_read(&io, bases[i] + UART_SCR, 1), ==, 0x40 + i);
        g_assert_cmphex(ioport_read(&io, bases[i] + UART_LSR, 1), ==, 0x60);
        g_assert_cmphex(ioport_read(&io, bases[i] + UART_IIR, 1), ==, 0x01);
    }
    g_assert_false(uart_init(&bad, &io, &clock, 5, irq, NULL, NULL, &why));
    g_assert_nonnull(strstr(why, "COM5"));
    g_free(why);
    ioport_destroy(&io);
    log_close(&log);
}

/* DLAB switches offsets 0 and 1 to the divisor latch; the divisor sets the line rate. */
static void test_divisor(void)
{
    Fx *f = fx_new();

    wr(f, UART_IER, 0x05);
    wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
    g_assert_cmphex(rd(f, UART_DLL), ==, 12);
    g_assert_cmphex(rd(f, UART_DLM), ==, 0);
    wr(f, UART_DLL, 0x80);
    wr(f, UART_DLM, 0x01);
    g_assert_cmphex(rd(f, UART_DLL), ==, 0x80);
    g_assert_cmphex(rd(f, UART_DLM), ==, 0x01);
    wr(f, UART_LCR, 0x03);
    g_assert_cmphex(rd(f, UART_IER), ==, 0x05);
    g_assert_cmphex(rd(f, UART_LCR), ==, 0x03);
    wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
    g_assert_cmphex(rd(f, UART_DLL), ==, 0x80);
    /* 115200 / 1 baud: 10 bits in 86805 ns. */
    wr(f, UART_DLL, 1);
    wr(f, UART_DLM, 0);
    wr(f, UART_LCR, 0x03);
    wr(f, UART_THR, 'x');
    run_to(f, SEC);
    g_assert_cmpuint(f->nout, ==, 1);
    g_assert_cmpint(f->out_ns[0], ==, 86805);
    fx_free(f);
}

/* Loopback: what is sent comes back after a character time; modem outputs feed inputs. */
static void test_loopback(void)
{
    Fx *f = fx_new();

    wr(f, UART_FCR, UART_FCR_ENABLE);
    wr(f, UART_MCR, UART_MCR_LOOP);
    g_assert_cmphex(rd(f, UART_MSR) & 0xf0, ==, 0);
    g_assert_false(uart_can_receive(&f->u));
    g_assert_cmpuint(uart_receive(&f->u, (const uint8_t *)"z", 1), ==, 0);
    wr(f, UART_THR, 'h');
    wr(f, UART_THR, 'i');
    run_to(f, CHAR_9600 - 1);
    g_assert_cmphex(rd(f, UART_LSR) & UART_LSR_DR, ==, 0);
    run_to(f, 2 * CHAR_9600);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmphex(rd(f, UART_RBR), ==, 'h');
    g_assert_cmphex(rd(f, UART_RBR), ==, 'i');
    g_assert_cmpuint(f->nout, ==, 0);           /* nothing left on the line */
    /* Five-bit words lose the top bits on the way round. */
    wr(f, UART_LCR, 0x00);
    wr(f, UART_THR, 0xff);
    run_to(f, 3 * SEC);
    g_assert_cmphex(rd(f, UART_RBR), ==, 0x1f);

    /* RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD, with the delta bits. */
    rd(f, UART_MSR);
    wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
    g_assert_cmphex(rd(f, UART_MSR), ==, UART_MSR_CTS | UART_MSR_RI | UART_MSR_DCTS);
    wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT2);
    g_assert_cmphex(rd(f, UART_MSR), ==, UART_MSR_DSR | UART_MSR_DCD | UART_MSR_DCTS |
                    UART_MSR_DDSR | UART_MSR_TERI | UART_MSR_DDCD);
    g_assert_cmphex(rd(f, UART_MSR), ==, UART_MSR_DSR | UART_MSR_DCD);
    /* Interrupts work inside the chip, but the PC's OUT2 gate is off in loopback. */
    wr(f, UART_IER, UART_IER_ETBEI);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc2);
    wr(f, UART_IER, 0);
    wr(f, UART_IER, UART_IER_ETBEI);
    g_assert_false(f->level);
    wr(f, UART_MCR, UART_MCR_OUT2);
    g_assert_true(f->level);
    fx_free(f);
}

/* The RX interrupt comes at the trigger level: 1, 4, 8, 14 characters. */
static void test_trigger_levels(void)
{
    static const struct { uint8_t fcr; unsigned level; } levels[] = {
        { 0x00, 1 }, { 0x40, 4 }, { 0x80, 8 }, { 0xc0, 14 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        Fx *f = fx_new();
        wr(f, UART_FCR, UART_FCR_ENABLE | levels[i].fcr);
        wr(f, UART_IER, UART_IER_ERBFI);
        for (unsigned n = 1; n < levels[i].level; n++) {
            receive(f, "a");
        }
        g_assert_cmphex(rd(f, UART_IIR), ==, 0xc1);
        g_assert_false(f->level);
        receive(f, "b");
        g_assert_cmphex(rd(f, UART_IIR), ==, 0xc4);
        g_assert_true(f->level);
        for (unsigned n = 1; n < levels[i].level; n++) {
            g_assert_cmphex(rd(f, UART_RBR), ==, 'a');
        }
        g_assert_true(f->level == (levels[i].level == 1));  /* below the trigger again */
        g_assert_cmphex(rd(f, UART_RBR), ==, 'b');
        g_assert_false(f->level);
        g_assert_cmphex(rd(f, UART_LSR) & UART_LSR_DR, ==, 0);
        fx_free(f);
    }
}

/* Characters below the trigger level raise the timeout after four character times. */
static void test_rx_timeout(void)
{
    Fx *f = fx_new();
    const int64_t timeout = 4 * CHAR_9600;

    wr(f, UART_FCR, UART_FCR_ENABLE | 0x80);
    wr(f, UART_IER, UART_IER_ERBFI);
    run_to(f, 1000);
    receive(f, "ab");
    run_to(f, 5000);
    receive(f, "c");                           /* restarts the timeout */
    run_to(f, 5000 + timeout - 1);
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc1);
    run_to(f, 5000 + timeout);
    g_assert_true(f->level);
    g_assert_cmpint(f->edges, ==, 1);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xcc);
    g_assert_cmphex(rd(f, UART_RBR), ==, 'a');   /* a read clears it and starts anew */
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc1);
    run_to(f, 5000 + 2 * timeout);
    g_assert_true(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xcc);
    g_assert_cmphex(rd(f, UART_RBR), ==, 'b');
    g_assert_cmphex(rd(f, UART_RBR), ==, 'c');
    run_to(f, SEC);
    g_assert_false(f->level);
    g_assert_cmpint(f->edges, ==, 2);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);
    /* Without ERBFI the timeout shows nowhere and no timer runs for it. */
    wr(f, UART_IER, 0);
    receive(f, "d");
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);
    fx_free(f);
}

/* Line status, then received data, then THR empty, then modem status. */
static void test_iir_priority(void)
{
    Fx *f = fx_new();
    uint8_t many[17];

    memset(many, 'q', sizeof(many));
    wr(f, UART_FCR, UART_FCR_ENABLE);
    g_assert_cmpuint(uart_receive(&f->u, many, sizeof(many)), ==, sizeof(many));
    uart_set_modem_inputs(&f->u, UART_MSR_CTS | UART_MSR_DSR);  /* DCD drops */
    wr(f, UART_IER, 0x0f);
    g_assert_true(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc6);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE |
                    UART_LSR_TEMT);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc4);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(f, UART_RBR), ==, 'q');
    }
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc2);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc0);  /* reading IIR cleared THRE's */
    g_assert_true(f->level);
    g_assert_cmphex(rd(f, UART_MSR), ==, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDCD);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc1);
    g_assert_false(f->level);
    /* OUT2 gates the line, not the chip's own interrupt state. */
    uart_receive_break(&f->u);
    g_assert_true(f->level);
    wr(f, UART_MCR, 0);
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc6);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_DR | UART_LSR_BI | UART_LSR_THRE |
                    UART_LSR_TEMT | UART_LSR_RXERR);
    g_assert_cmphex(rd(f, UART_RBR), ==, 0);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    fx_free(f);
}

/* THR empty: raised by enabling it, cleared by reading IIR or writing THR (16450 mode). */
static void test_thre_irq(void)
{
    Fx *f = fx_new();

    wr(f, UART_IER, UART_IER_ETBEI);
    g_assert_true(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x02);
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x01);
    wr(f, UART_THR, '1');                       /* straight into the shift register */
    g_assert_true(f->level);
    wr(f, UART_THR, '2');                       /* waits in THR */
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_LSR), ==, 0);
    run_to(f, CHAR_9600 - 1);
    g_assert_false(f->level);
    run_to(f, CHAR_9600);
    g_assert_true(f->level);
    g_assert_cmpuint(f->nout, ==, 1);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x02);
    g_assert_false(f->level);
    run_to(f, 2 * CHAR_9600);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmpint(f->edges, ==, 3);
    g_assert_cmpmem(f->out, f->nout, "12", 2);
    fx_free(f);
}

/* THRE and TEMT follow the line rate, read straight from the ports without timers run. */
static void test_lsr_timing(void)
{
    Fx *f = fx_new();

    wr(f, UART_FCR, UART_FCR_ENABLE);
    for (const char *p = "abc"; *p; p++) {
        wr(f, UART_THR, (uint8_t)*p);
    }
    g_assert_cmphex(rd(f, UART_LSR), ==, 0);
    f->insns = 2 * CHAR_9600 - 1;
    g_assert_cmphex(rd(f, UART_LSR), ==, 0);
    f->insns = 2 * CHAR_9600;                   /* 'c' moved into the shift register */
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE);
    f->insns = 3 * CHAR_9600 - 1;
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE);
    f->insns = 3 * CHAR_9600;
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmpmem(f->out, f->nout, "abc", 3);

    /* 1200 baud, 7 data bits, even parity, 2 stop bits: 11 bits of 96 * 16 clocks. */
    wr(f, UART_LCR, UART_LCR_DLAB);
    wr(f, UART_DLL, 96);
    wr(f, UART_LCR, 0x02 | UART_LCR_STB | UART_LCR_PEN | 0x10);
    int64_t t0 = now(f);
    wr(f, UART_THR, 0xc1);
    run_to(f, t0 + 9166666 - 1);
    g_assert_cmphex(rd(f, UART_LSR) & UART_LSR_TEMT, ==, 0);
    run_to(f, t0 + 9166666);
    g_assert_cmphex(rd(f, UART_LSR) & UART_LSR_TEMT, ==, UART_LSR_TEMT);
    g_assert_cmphex(f->out[3], ==, 0x41);
    fx_free(f);
}

/* A full receiver loses the new character: FIFO mode keeps the old, 16450 mode the new. */
static void test_overrun(void)
{
    Fx *f = fx_new();
    uint8_t buf[20];

    for (int i = 0; i < 20; i++) {
        buf[i] = (uint8_t)('A' + i);
    }
    wr(f, UART_FCR, UART_FCR_ENABLE);
    g_assert_cmpuint(uart_receive(&f->u, buf, 16), ==, 16);
    g_assert_false(uart_can_receive(&f->u));
    g_assert_cmpuint(uart_receive(&f->u, buf + 16, 2), ==, 2);
    g_assert_cmphex(rd(f, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), ==,
                    UART_LSR_OE | UART_LSR_DR);
    g_assert_cmphex(rd(f, UART_LSR) & UART_LSR_OE, ==, 0);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(f, UART_RBR), ==, 'A' + i);
    }
    g_assert_true(uart_can_receive(&f->u));

    wr(f, UART_FCR, 0);
    wr(f, UART_IER, UART_IER_ELSI);
    receive(f, "x");
    g_assert_false(uart_can_receive(&f->u));
    g_assert_false(f->level);
    g_assert_cmpuint(uart_receive(&f->u, (const uint8_t *)"y", 1), ==, 1);
    g_assert_true(f->level);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x06);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_OE | UART_LSR_DR | UART_LSR_THRE |
                    UART_LSR_TEMT);
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_RBR), ==, 'y');
    fx_free(f);
}

/* FCR: resets empty the FIFOs; switching mode empties both; IIR shows FIFO mode. */
static void test_fcr(void)
{
    Fx *f = fx_new();

    wr(f, UART_FCR, UART_FCR_ENABLE);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0xc1);
    receive(f, "abc");
    wr(f, UART_THR, '1');
    wr(f, UART_THR, '2');
    wr(f, UART_THR, '3');
    wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_RX_RESET);
    g_assert_cmphex(rd(f, UART_LSR), ==, 0);
    wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_TX_RESET);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE);   /* '1' is still going out */
    run_to(f, SEC);
    g_assert_cmpmem(f->out, f->nout, "1", 1);
    receive(f, "d");
    wr(f, UART_FCR, 0);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x01);
    g_assert_cmphex(rd(f, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    fx_free(f);
}

/* Master reset clears the registers (not the divisor or scratch) and lowers the line. */
static void test_reset(void)
{
    Fx *f = fx_new();

    wr(f, UART_SCR, 0x77);
    wr(f, UART_FCR, UART_FCR_ENABLE);
    wr(f, UART_IER, UART_IER_ETBEI);
    wr(f, UART_THR, 'r');
    g_assert_true(f->level);
    uart_reset(&f->u);
    g_assert_false(f->level);
    g_assert_cmphex(rd(f, UART_IER), ==, 0);
    g_assert_cmphex(rd(f, UART_IIR), ==, 0x01);
    g_assert_cmphex(rd(f, UART_LCR), ==, 0);
    g_assert_cmphex(rd(f, UART_MCR), ==, 0);
    g_assert_cmphex(rd(f, UART_LSR), ==, 0x60);
    g_assert_cmphex(rd(f, UART_MSR), ==, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    g_assert_cmphex(rd(f, UART_SCR), ==, 0x77);
    g_assert_cmpint(vclock_next_deadline(&f->clock), ==, INT64_MAX);
    run_to(f, SEC);
    g_assert_cmpuint(f->nout, ==, 0);
    wr(f, UART_LCR, UART_LCR_DLAB);
    g_assert_cmphex(rd(f, UART_DLL), ==, 12);
    fx_free(f);
}

/* A busy UART copied through its state table carries on exactly like the original. */
static void test_state(void)
{
    Fx *a = fx_new();
    Fx *b = fx_new();

    wr(a, UART_FCR, UART_FCR_ENABLE | 0xc0);
    wr(a, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI);
    for (const char *p = "state"; *p; p++) {
        wr(a, UART_THR, (uint8_t)*p);
    }
    run_to(a, CHAR_9600 + 100);
    receive(a, "rx");
    run_to(a, 2 * CHAR_9600 + 200);
    b->insns = a->insns;
    copy_state(&uart_state_desc, &a->u, &b->u);
    a->nout = 0;
    a->edges = b->edges = 0;
    b->level = a->level;
    run_to(a, SEC);
    run_to(b, SEC);
    g_assert_cmpmem(a->out, a->nout, "ate", 3);
    g_assert_cmpmem(b->out, b->nout, a->out, a->nout);
    g_assert_cmpmem(b->out_ns, b->nout * sizeof(int64_t), a->out_ns, a->nout * sizeof(int64_t));
    g_assert_cmpint(a->edges, ==, 1);
    g_assert_cmpint(b->edges, ==, a->edges);
    g_assert_cmphex(rd(b, UART_IIR), ==, rd(a, UART_IIR));
    g_assert_cmphex(rd(b, UART_LSR), ==, rd(a, UART_LSR));
    g_assert_cmphex(rd(b, UART_RBR), ==, 'r');
    fx_free(a);
    fx_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uart16550/com-ports", test_com_ports);
    g_test_add_func("/uart16550/divisor", test_divisor);
    g_test_add_func("/uart16550/loopback", test_loopback);
    g_test_add_func("/uart16550/trigger-levels", test_trigger_levels);
    g_test_add_func("/uart16550/rx-timeout", test_rx_timeout);
    g_test_add_func("/uart16550/iir-priority", test_iir_priority);
    g_test_add_func("/uart16550/thre-irq", test_thre_irq);
    g_test_add_func("/uart16550/lsr-timing", test_lsr_timing);
    g_test_add_func("/uart16550/overrun", test_overrun);
    g_test_add_func("/uart16550/fcr", test_fcr);
    g_test_add_func("/uart16550/reset", test_reset);
    g_test_add_func("/uart16550/state", test_state);
    return g_test_run();
}
