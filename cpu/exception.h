/*
 * Raising exceptions and interrupts, and delivering them: real-mode IVT delivery here,
 * protected and virtual-8086 mode through the IDT in cpu/intr_pm.c, with the double-fault
 * and triple-fault rules of Intel SDM vol. 3A, 6.15 (interrupt 8, table 6-5).
 *
 * A raise records the event in CPUState and unwinds (longjmp) to the run loop, which
 * restores the architectural EIP of the faulting instruction and calls
 * cpu_deliver_pending(). Semantics code therefore commits register state only after
 * every access that can fault has succeeded.
 */
#ifndef WIRT_CPU_EXCEPTION_H
#define WIRT_CPU_EXCEPTION_H

#include <glib.h>

#include "cpu/cpu.h"

typedef enum ExcKind {
    EXC_KIND_FAULT,    /* return address = the faulting instruction (the run loop sets EIP) */
    EXC_KIND_TRAP,     /* return address = cpu->eip, already set by the raiser */
    EXC_KIND_SOFT,     /* INT n, INT3, INTO: like a trap, plus gate-DPL and v8086 IOPL checks */
    EXC_KIND_EXTERNAL, /* hardware interrupt or NMI, between instructions */
    EXC_KIND_RESTART,  /* no event: restart the current instruction (self-modifying code) */
} ExcKind;

G_NORETURN void cpu_raise(CPUState *cpu, int vector);
G_NORETURN void cpu_raise_err(CPUState *cpu, int vector, uint32_t error_code);
G_NORETURN void cpu_raise_pf(CPUState *cpu, const MmuFault *fault);
/*
 * INT n (INT_N true), INT3 and INTO: NEXT_EIP is the return address; a fault while
 * delivering the interrupt is reported at INSN_EIP, the INT instruction itself.
 */
G_NORETURN void cpu_raise_soft(CPUState *cpu, int vector, uint32_t insn_eip, uint32_t next_eip,
                               bool int_n);
/* A trap whose return address the caller set in cpu->eip (e.g. single-step #DB). */
G_NORETURN void cpu_raise_trap(CPUState *cpu, int vector);
/* Unwinds to the run loop, which re-executes the current instruction on its own. */
G_NORETURN void cpu_restart_insn(CPUState *cpu);

/* Whether the vector pushes an error code when it is an exception. */
bool exc_has_error_code(int vector);

/*
 * Delivers the pending event. Called by the run loop with EIP already the return address.
 * May itself raise (and so unwind again); a fault while delivering is escalated to #DF,
 * and a fault while delivering #DF sets cpu->triple_fault.
 */
void cpu_deliver_pending(CPUState *cpu);

/* Protected-mode and v8086 delivery through the IDT (cpu/intr_pm.c). */
void cpu_deliver_protected(CPUState *cpu, int vector, ExcKind kind, bool has_error,
                           uint32_t error_code);

#endif
