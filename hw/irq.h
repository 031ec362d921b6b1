/*
 * An interrupt line: a device drives it, whatever it is wired to (an interrupt
 * controller input, the CPU's INTR pin) receives the level through a callback handed over
 * when the machine is wired (DESIGN.md: devices never call each other directly).
 */
#ifndef WIRT_HW_IRQ_H
#define WIRT_HW_IRQ_H

#include <stdbool.h>

typedef void (*IrqHandler)(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqHandler handler;   /* NULL: not connected */
    void *opaque;
    int n;                /* which input of the receiver */
} IrqLine;

static inline void irq_connect(IrqLine *l, IrqHandler handler, void *opaque, int n)
{
    l->handler = handler;
    l->opaque = opaque;
    l->n = n;
}

static inline void irq_set(const IrqLine *l, bool level)
{
    if (l->handler) {
        l->handler(l->opaque, l->n, level);
    }
}

static inline void irq_raise(const IrqLine *l)
{
    irq_set(l, true);
}

static inline void irq_lower(const IrqLine *l)
{
    irq_set(l, false);
}

/* Edge devices: a rising then falling edge. */
static inline void irq_pulse(const IrqLine *l)
{
    irq_set(l, true);
    irq_set(l, false);
}

#endif
