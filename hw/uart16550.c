/*
 * National Semiconductor PC16550D UART (PC16550D datasheet: "Registers" with the
 * interrupt-control table, "FIFO Interrupt Mode Operation", and the loopback mode described
 * under the MCR), as wired on PC serial ports.
 */
#include "hw/uart16550.h"

#include <glib.h>

#define NS_PER_SEC 1000000000ll
#define UART_CLOCK_BAUD 115200      /* 1.8432 MHz / 16 */

typedef struct UartCom {
    uint16_t base;
    uint8_t irq;
    const char *name, *tx_timer, *rx_timer;
} UartCom;

static const UartCom uart_coms[4] = {
    { 0x3f8, 4, "com1", "com1-tx", "com1-rx" },
    { 0x2f8, 3, "com2", "com2-tx", "com2-rx" },
    { 0x3e8, 4, "com3", "com3-tx", "com3-rx" },
    { 0x2e8, 3, "com4", "com4-tx", "com4-rx" },
};

static const UartCom *uart_com(unsigned com)
{
    return com >= 1 && com <= 4 ? &uart_coms[com - 1] : NULL;
}

uint16_t uart_com_base(unsigned com)
{
    return uart_com(com) ? uart_com(com)->base : 0;
}

unsigned uart_com_irq(unsigned com)
{
    return uart_com(com) ? uart_com(com)->irq : 0;
}

/* --- FIFOs --- */

static void fifo_clear(UartFifo *f)
{
    f->head = 0;
    f->count = 0;
}

static void fifo_push(UartFifo *f, uint8_t data, uint8_t err)
{
    unsigned i = (f->head + f->count) % UART_FIFO_SIZE;
    f->data[i] = data;
    f->err[i] = err;
    f->count++;
}

static uint8_t fifo_pop(UartFifo *f)
{
    uint8_t v = f->data[f->head];
    f->head = (f->head + 1) % UART_FIFO_SIZE;
    f->count--;
    return v;
}

static bool fifo_has_errors(const UartFifo *f)
{
    for (unsigned i = 0; i < f->count; i++) {
        if (f->err[(f->head + i) % UART_FIFO_SIZE]) {
            return true;
        }
    }
    return false;
}

/* --- line parameters --- */

static bool uart_fifo_on(const Uart *u)
{
    return (u->fcr & UART_FCR_ENABLE) != 0;
}

static unsigned uart_capacity(const Uart *u)
{
    return uart_fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static unsigned uart_rx_trigger(const Uart *u)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return uart_fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

static unsigned uart_word_bits(const Uart *u)
{
    return 5 + (u->lcr & UART_LCR_WLS);
}

/* One character on the line: start bit, data, parity, 1, 1.5 or 2 stop bits. */
static int64_t uart_char_ns(const Uart *u)
{
    unsigned bits = uart_word_bits(u);
    unsigned stop_halves = !(u->lcr & UART_LCR_STB) ? 2 : bits == 5 ? 3 : 4;
    unsigned halves = 2 * (1 + bits + !!(u->lcr & UART_LCR_PEN)) + stop_halves;
    unsigned divisor = (unsigned)u->dlm << 8 | u->dll;
    int64_t div = divisor ? divisor : 65536;    /* the counter wraps through zero */
    return halves * div * NS_PER_SEC / (2 * UART_CLOCK_BAUD);
}

static bool uart_loop(const Uart *u)
{
    return (u->mcr & UART_MCR_LOOP) != 0;
}

/* --- receiver --- */

/* The character now at the top of the RX FIFO shows its errors in LSR. */
static void uart_rx_reveal(Uart *u)
{
    if (u->rxf.count) {
        u->lsr |= u->rxf.err[u->rxf.head];
    }
}

static void uart_rx_char(Uart *u, uint8_t data, uint8_t err, int64_t when)
{
    data &= (uint8_t)((1u << uart_word_bits(u)) - 1);
    u->rx_idle_ns = when;
    if (u->rxf.count < uart_capacity(u)) {
        fifo_push(&u->rxf, data, err);
        if (u->rxf.count == 1) {
            uart_rx_reveal(u);
        }
        return;
    }
    u->lsr |= UART_LSR_OE;
    if (!uart_fifo_on(u)) {
        /* 16450 mode: the new character overwrites the unread one. */
        u->rxf.data[u->rxf.head] = data;
        u->rxf.err[u->rxf.head] = err;
        uart_rx_reveal(u);
    }
}

/* No character into or out of a non-empty RX FIFO for four character times. */
static int64_t uart_timeout_at(const Uart *u)
{
    if (!uart_fifo_on(u) || !u->rxf.count) {
        return INT64_MAX;
    }
    return u->rx_idle_ns + 4 * uart_char_ns(u);
}

/* --- transmitter --- */

static bool uart_thre(const Uart *u)
{
    return u->txf.count == 0;
}

/* Moves the next character from THR / the TX FIFO into the idle shift register. */
static void uart_tx_start(Uart *u, int64_t at)
{
    if (u->tsr_busy || !u->txf.count) {
        return;
    }
    u->tsr = fifo_pop(&u->txf) & (uint8_t)((1u << uart_word_bits(u)) - 1);
    u->tsr_busy = true;
    u->tx_end_ns = at + uart_char_ns(u);
    if (!u->txf.count) {
        u->thr_ipending = true;
    }
}

/* Every character whose last stop bit has gone by NOW leaves; the next follows at once. */
static void uart_tx_sync(Uart *u, int64_t now)
{
    while (u->tsr_busy && u->tx_end_ns <= now) {
        int64_t end = u->tx_end_ns;
        u->tsr_busy = false;
        if (uart_loop(u)) {
            uart_rx_char(u, u->tsr, 0, end);
        } else if (u->tx) {
            u->tx(u->opaque, u->tsr);
        }
        uart_tx_start(u, end);
    }
}

/* --- modem lines --- */

/* MSR 7-4 as the chip sees them; loopback feeds RTS, DTR, OUT1, OUT2 back to them. */
static uint8_t uart_modem_lines(const Uart *u)
{
    static const uint8_t loop_map[4][2] = {
        { UART_MCR_RTS, UART_MSR_CTS }, { UART_MCR_DTR, UART_MSR_DSR },
        { UART_MCR_OUT1, UART_MSR_RI }, { UART_MCR_OUT2, UART_MSR_DCD },
    };
    uint8_t lines = 0;

    if (!uart_loop(u)) {
        return u->modem_in & 0xf0;
    }
    for (unsigned i = 0; i < 4; i++) {
        lines |= u->mcr & loop_map[i][0] ? loop_map[i][1] : 0;
    }
    return lines;
}

static void uart_update_msr(Uart *u)
{
    uint8_t old = u->msr & 0xf0;
    uint8_t now = uart_modem_lines(u);
    uint8_t delta = ((old ^ now) >> 4) & (UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);

    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) {
        delta |= UART_MSR_TERI;     /* trailing edge only */
    }
    u->msr = now | (u->msr & 0x0f) | delta;
}

/* --- interrupts, in the datasheet's priority order --- */

static uint8_t uart_pending(const Uart *u, int64_t now)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr & UART_LSR_ERRORS)) {
        return UART_IIR_RLSI;
    }
    if (u->ier & UART_IER_ERBFI) {
        if (now >= uart_timeout_at(u)) {
            return UART_IIR_CTI;
        }
        if (u->rxf.count && u->rxf.count >= uart_rx_trigger(u)) {
            return UART_IIR_RDI;
        }
    }
    if ((u->ier & UART_IER_ETBEI) && u->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((u->ier & UART_IER_EDSSI) && (u->msr & 0x0f)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NONE;
}

/* OUT2 enables the PC card's interrupt driver; in loopback the OUT2 pin is forced off. */
static void uart_update_irq(Uart *u, int64_t now)
{
    bool level = uart_pending(u, now) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
                 !uart_loop(u);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
}

static void uart_arm(Timer *t, int64_t deadline)
{
    if (deadline == INT64_MAX) {
        timer_del(t);
    } else if (!timer_pending(t) || t->deadline != deadline) {
        timer_mod(t, deadline);
    }
}

static void uart_rearm(Uart *u, int64_t now)
{
    int64_t timeout = uart_timeout_at(u);
    bool wanted = (u->ier & UART_IER_ERBFI) && timeout > now;

    uart_arm(&u->tx_timer, u->tsr_busy ? u->tx_end_ns : INT64_MAX);
    uart_arm(&u->rx_timer, wanted ? timeout : INT64_MAX);
}

/* After any change: the IRQ line and the timers follow the state. */
static void uart_settle(Uart *u, int64_t now)
{
    uart_update_irq(u, now);
    uart_rearm(u, now);
}

static void uart_timer_fired(void *opaque)
{
    Uart *u = opaque;
    int64_t now = vclock_now(u->clock);
    uart_tx_sync(u, now);
    uart_settle(u, now);
}

/* --- register reads --- */

static uint8_t uart_read_rbr(Uart *u, int64_t now)
{
    if (u->rxf.count) {
        u->rbr = fifo_pop(&u->rxf);
        u->rx_idle_ns = now;
        uart_rx_reveal(u);
    }
    return u->rbr;
}

static uint8_t uart_read_iir(Uart *u, int64_t now)
{
    uint8_t id = uart_pending(u, now);
    if (id == UART_IIR_THRI) {
        u->thr_ipending = false;
    }
    return id | (uart_fifo_on(u) ? UART_IIR_FIFO : 0);
}

static uint8_t uart_read_lsr(Uart *u)
{
    uint8_t v = u->lsr & UART_LSR_ERRORS;

    v |= u->rxf.count ? UART_LSR_DR : 0;
    v |= uart_thre(u) ? UART_LSR_THRE : 0;
    v |= uart_thre(u) && !u->tsr_busy ? UART_LSR_TEMT : 0;
    v |= uart_fifo_on(u) && fifo_has_errors(&u->rxf) ? UART_LSR_RXERR : 0;
    u->lsr &= ~UART_LSR_ERRORS;
    return v;
}

static uint8_t uart_read_msr(Uart *u)
{
    uint8_t v = u->msr;
    u->msr &= 0xf0;
    return v;
}

static uint8_t uart_read_reg(Uart *u, unsigned reg, int64_t now)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

    switch (reg) {
    case UART_RBR: return dlab ? u->dll : uart_read_rbr(u, now);
    case UART_IER: return dlab ? u->dlm : u->ier;
    case UART_IIR: return uart_read_iir(u, now);
    case UART_LCR: return u->lcr;
    case UART_MCR: return u->mcr;
    case UART_LSR: return uart_read_lsr(u);
    case UART_MSR: return uart_read_msr(u);
    default: return u->scr;
    }
}

/* --- register writes --- */

static void uart_write_thr(Uart *u, uint8_t v, int64_t now)
{
    if (u->txf.count < uart_capacity(u)) {
        fifo_push(&u->txf, v, 0);
    } else if (!uart_fifo_on(u)) {
        u->txf.data[u->txf.head] = v;   /* 16450 mode: THR overwritten */
    }
    u->thr_ipending = false;
    uart_tx_start(u, now);
}

static void uart_write_ier(Uart *u, uint8_t v)
{
    /* Enabling the THRE interrupt while THR is empty raises it at once. */
    if ((v & ~u->ier & UART_IER_ETBEI) && uart_thre(u)) {
        u->thr_ipending = true;
    }
    u->ier = v & 0x0f;
}

static void uart_clear_tx(Uart *u)
{
    if (u->txf.count) {
        u->thr_ipending = true;
    }
    fifo_clear(&u->txf);
}

static void uart_write_fcr(Uart *u, uint8_t v, int64_t now)
{
    bool mode_change = ((v ^ u->fcr) & UART_FCR_ENABLE) != 0;

    /* Switching FIFO mode empties both FIFOs; the other bits need FCR0 set. */
    if (mode_change || (v & UART_FCR_ENABLE && v & UART_FCR_RX_RESET)) {
        fifo_clear(&u->rxf);
        u->rx_idle_ns = now;
    }
    if (mode_change || (v & UART_FCR_ENABLE && v & UART_FCR_TX_RESET)) {
        uart_clear_tx(u);
    }
    u->fcr = v & UART_FCR_ENABLE ? v & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER) : 0;
}

static void uart_write_reg(Uart *u, unsigned reg, uint8_t v, int64_t now)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

    switch (reg) {
    case UART_THR:
        if (dlab) {
            u->dll = v;
        } else {
            uart_write_thr(u, v, now);
        }
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
        } else {
            uart_write_ier(u, v);
        }
        break;
    case UART_FCR: uart_write_fcr(u, v, now); break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR:
        u->mcr = v & 0x1f;
        uart_update_msr(u);
        break;
    case UART_SCR: u->scr = v; break;
    default: break;         /* LSR and MSR: factory test only */
    }
}

static uint32_t uart_port_read(void *opaque, uint16_t port, unsigned size)
{
    Uart *u = opaque;
    int64_t now = vclock_now(u->clock);

    uart_tx_sync(u, now);
    uint8_t v = uart_read_reg(u, port & 7, now);
    uart_settle(u, now);
    return v;
}

static void uart_port_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Uart *u = opaque;
    int64_t now = vclock_now(u->clock);

    uart_tx_sync(u, now);
    uart_write_reg(u, port & 7, (uint8_t)value, now);
    uart_settle(u, now);
}

static const IoPortOps uart_ops = {
    .read = uart_port_read,
    .write = uart_port_write,
    .sizes = IO_SIZE_1,
};

/* --- the input funnel's side --- */

bool uart_can_receive(const Uart *u)
{
    return !uart_loop(u) && u->rxf.count < uart_capacity(u);
}

size_t uart_receive(Uart *u, const uint8_t *buf, size_t len)
{
    int64_t now = vclock_now(u->clock);

    if (uart_loop(u)) {
        return 0;
    }
    uart_tx_sync(u, now);
    for (size_t i = 0; i < len; i++) {
        uart_rx_char(u, buf[i], 0, now);
    }
    uart_settle(u, now);
    return len;
}

void uart_receive_break(Uart *u)
{
    int64_t now = vclock_now(u->clock);

    if (uart_loop(u)) {
        return;
    }
    uart_tx_sync(u, now);
    uart_rx_char(u, 0, UART_LSR_BI, now);
    uart_settle(u, now);
}

void uart_set_modem_inputs(Uart *u, uint8_t lines)
{
    int64_t now = vclock_now(u->clock);

    uart_tx_sync(u, now);
    u->modem_in = lines & 0xf0;
    uart_update_msr(u);
    uart_settle(u, now);
}

/* --- life cycle --- */

void uart_reset(Uart *u)
{
    int64_t now = vclock_now(u->clock);

    u->ier = u->fcr = u->lcr = u->mcr = u->lsr = 0;
    fifo_clear(&u->rxf);
    fifo_clear(&u->txf);
    u->tsr_busy = false;
    u->thr_ipending = false;
    u->rx_idle_ns = now;
    u->msr = uart_modem_lines(u);
    uart_settle(u, now);
}

bool uart_init(Uart *u, IoSpace *io, VClock *clock, unsigned com, IrqLine irq, UartTxFn tx,
               void *opaque, char **why)
{
    const UartCom *c = uart_com(com);

    if (!c) {
        *why = g_strdup_printf("serial port COM%u does not exist (expected 1 to 4)", com);
        return false;
    }
    *u = (Uart){
        .clock = clock, .irq = irq, .tx = tx, .opaque = opaque,
        .dll = 12,                                  /* 9600 baud until programmed */
        .modem_in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD,
    };
    timer_init(&u->tx_timer, clock, c->tx_timer, uart_timer_fired, u);
    timer_init(&u->rx_timer, clock, c->rx_timer, uart_timer_fired, u);
    uart_reset(u);
    return ioport_register(io, c->name, c->base, 8, &uart_ops, u, why);
}

static void uart_post_load(void *opaque)
{
    Uart *u = opaque;
    uart_rearm(u, vclock_now(u->clock));
}

static const StateField uart_fifo_fields[] = {
    STATE_U8_ARRAY(UartFifo, data),
    STATE_U8_ARRAY(UartFifo, err),
    STATE_U8(UartFifo, head),
    STATE_U8(UartFifo, count),
    STATE_END,
};

static const StateDesc uart_fifo_desc = {
    .name = "uart-fifo", .version = 1, .fields = uart_fifo_fields, .size = sizeof(UartFifo),
};

static const StateField uart_fields[] = {
    STATE_STRUCT(Uart, rxf, &uart_fifo_desc),
    STATE_STRUCT(Uart, txf, &uart_fifo_desc),
    STATE_U8(Uart, ier), STATE_U8(Uart, fcr), STATE_U8(Uart, lcr), STATE_U8(Uart, mcr),
    STATE_U8(Uart, scr), STATE_U8(Uart, dll), STATE_U8(Uart, dlm), STATE_U8(Uart, lsr),
    STATE_U8(Uart, msr), STATE_U8(Uart, rbr), STATE_U8(Uart, modem_in), STATE_U8(Uart, tsr),
    STATE_BOOL(Uart, tsr_busy),
    STATE_BOOL(Uart, thr_ipending),
    STATE_BOOL(Uart, irq_level),
    STATE_I64(Uart, tx_end_ns),
    STATE_I64(Uart, rx_idle_ns),
    STATE_TIMER(Uart, tx_timer),
    STATE_TIMER(Uart, rx_timer),
    STATE_END,
};

const StateDesc uart_state_desc = {
    .name = "uart16550",
    .version = 1,
    .fields = uart_fields,
    .size = sizeof(Uart),
    .post_load = uart_post_load,
};
