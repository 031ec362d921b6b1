/*
 * Hardware task switching: the 16- and 32-bit TSS formats, busy bits, the back link and
 * NT, saving the outgoing task and loading the incoming one, and the inner-level stacks a
 * TSS holds for privilege changes (Intel SDM vol. 3A, ch. 7).
 */
#ifndef WIRT_CPU_TASK_H
#define WIRT_CPU_TASK_H

#include "cpu/desc.h"

/* What started a switch: it decides the busy bits, NT and the back link (SDM table 7-2). */
typedef enum TaskReason { TASK_JMP, TASK_CALL, TASK_INT, TASK_IRET } TaskReason;

/*
 * Checks that SEL names an available TSS in the GDT, as JMP, CALL and a task gate need:
 * an LDT selector, an index beyond the GDT or anything but an available TSS raises
 * #GP(SEL | EXT), absence #NP(SEL | EXT). Fills D.
 */
void task_check_available(CPUState *cpu, uint16_t sel, Desc *d, uint32_t ext);

/*
 * Switches to the task whose TSS descriptor the caller read and checked (D, selector
 * SEL). RET_EIP is saved as the outgoing task's EIP. Faults before the state is committed
 * leave the outgoing task untouched; faults in loading the new task's segments are taken
 * in the new task, as the SDM says (7.3, step 13). Ends with the EIP limit check (#GP with
 * EXT).
 */
void task_switch(CPUState *cpu, uint16_t sel, Desc *d, TaskReason why, uint32_t ret_eip,
                 uint32_t ext);

/* IRET with NT set: returns to the task named by the current TSS's back link. */
void task_return(CPUState *cpu, uint32_t ret_eip);

/*
 * The stack for privilege DPL from the current TSS (SS0:ESP0 and so on, 16- or 32-bit
 * format); #TS(TR | EXT) when the TSS's limit does not cover it.
 */
void task_inner_stack(CPUState *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext);

#endif
