/*
 * National Semiconductor PC16550D UART with 16-byte FIFOs, as the PC's COM1-COM4: eight
 * registers at a base port, the interrupt output gated by MCR OUT2 as on PC serial cards.
 *
 * Characters leave the transmit shift register at the programmed baud rate in virtual
 * time and reach the back-end through a callback. Received characters come from the input
 * funnel (uart_receive), never from the host directly. Line timing uses the 1.8432 MHz
 * clock PCs give the chip: baud = 115200 / divisor.
 */
#ifndef WIRT_HW_UART16550_H
#define WIRT_HW_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

#define UART_FIFO_SIZE 16

/* Register offsets from the base port (DLAB selects the divisor latch at 0 and 1). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define UART_IER_ERBFI 0x01     /* received data available (and character timeout) */
#define UART_IER_ETBEI 0x02     /* transmitter holding register empty */
#define UART_IER_ELSI 0x04      /* receiver line status */
#define UART_IER_EDSSI 0x08     /* modem status */

#define UART_IIR_NONE 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0c
#define UART_IIR_FIFO 0xc0      /* both set while the FIFOs are enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_RX_RESET 0x02
#define UART_FCR_TX_RESET 0x04
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER 0xc0   /* RX trigger level: 1, 4, 8, 14 */

#define UART_LCR_WLS 0x03       /* word length 5 + n */
#define UART_LCR_STB 0x04
#define UART_LCR_PEN 0x08
#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_RXERR 0x80
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

typedef void (*UartTxFn)(void *opaque, uint8_t byte);

typedef struct UartFifo {
    uint8_t data[UART_FIFO_SIZE];
    uint8_t err[UART_FIFO_SIZE];    /* receive side: each character's PE/FE/BI bits */
    uint8_t head;
    uint8_t count;
} UartFifo;

typedef struct Uart {
    VClock *clock;
    IrqLine irq;
    UartTxFn tx;
    void *opaque;
    Timer tx_timer;         /* the shift register's character is out */
    Timer rx_timer;         /* the character timeout is due */

    UartFifo rxf, txf;      /* one deep when the FIFOs are off (16450 mode) */
    uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
    uint8_t lsr;            /* latched OE/PE/FE/BI; the other bits are computed */
    uint8_t msr;            /* modem lines as last seen (7-4) and their deltas (3-0) */
    uint8_t rbr;            /* the last character read */
    uint8_t modem_in;       /* CTS/DSR/RI/DCD from the outside, in MSR positions */
    uint8_t tsr;            /* the character being shifted out */
    bool tsr_busy;
    bool thr_ipending;      /* THR-empty interrupt latched (cleared by IIR read, THR write) */
    bool irq_level;
    int64_t tx_end_ns;      /* when the shift register's character has gone */
    int64_t rx_idle_ns;     /* last character into or out of the RX FIFO */
} Uart;

extern const StateDesc uart_state_desc;

/* COM1..COM4: base port and ISA IRQ (0x3f8/4, 0x2f8/3, 0x3e8/4, 0x2e8/3); 0 for others. */
uint16_t uart_com_base(unsigned com);
unsigned uart_com_irq(unsigned com);

/*
 * Registers COM port COM (1..4) at its base port; IRQ is the line uart_com_irq(com) of the
 * interrupt controller. TX receives every character that leaves the line (not in loopback).
 * Modem inputs start as a connected peer: CTS, DSR and DCD asserted.
 */
bool uart_init(Uart *u, IoSpace *io, VClock *clock, unsigned com, IrqLine irq, UartTxFn tx,
               void *opaque, char **why);

/* Master reset: registers as the datasheet's reset table (divisor and scratch kept). */
void uart_reset(Uart *u);

/* The input funnel's side. Room for one more character (never while in loopback). */
bool uart_can_receive(const Uart *u);
/*
 * LEN characters arrive on the line now. A character that finds the receiver full is lost
 * and sets OE (16450 mode: it replaces the unread one). Returns how many were taken off
 * the line: LEN, or 0 in loopback mode, where the serial input is disconnected.
 */
size_t uart_receive(Uart *u, const uint8_t *buf, size_t len);
/* A break condition arrives: one zero character with BI. */
void uart_receive_break(Uart *u);
/* The modem inputs from the outside (UART_MSR_CTS | DSR | RI | DCD). */
void uart_set_modem_inputs(Uart *u, uint8_t lines);

#endif
