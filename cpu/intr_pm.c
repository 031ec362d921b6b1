/*
 * Protected-mode and virtual-8086-mode interrupt and exception delivery through the IDT:
 * interrupt, trap and task gates, the gate-DPL check of software interrupts, privilege
 * changes with a stack switch from the TSS, the v8086 frame, error codes with the EXT and
 * IDT bits (Intel SDM vol. 3A, 6.10-6.14, 20.3; vol. 2 INT n/INTO/INT3).
 */
#include "cpu/exception.h"

#include "cpu/desc.h"
#include "cpu/mem.h"
#include "cpu/seg.h"
#include "cpu/task.h"

/* One event being delivered. */
typedef struct IntrEvent {
    int vector;
    ExcKind kind;
    bool has_error;
    uint32_t error;
    uint32_t ext;       /* ERR_EXT unless a software interrupt (INT n, INT3, INTO) */
    uint32_t ret_eip;   /* the return address pushed */
} IntrEvent;

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->eflags & FL_IOPL) >> FL_IOPL_SHIFT;
}

/* Raises VECTOR with an error code naming IDT entry EV->vector. */
static G_NORETURN void intr_idt_fault(CPUState *cpu, int vector, const IntrEvent *ev)
{
    cpu_raise_err(cpu, vector, (uint32_t)ev->vector * 8 | ERR_IDT | ev->ext);
}

/* Reads and checks the IDT gate: limit, type, DPL for software interrupts, presence. */
static void intr_read_gate(CPUState *cpu, const IntrEvent *ev, Desc *gate)
{
    uint32_t off = (uint32_t)ev->vector * 8;

    if (off + 7 > cpu->idtr.limit) {
        intr_idt_fault(cpu, EXC_GP, ev);
    }
    gate->lin = (cpu->idtr.base + off) & 0xffffffffu;
    gate->lo = (uint32_t)cpu_ld_sys(cpu, gate->lin, 4);
    gate->hi = (uint32_t)cpu_ld_sys(cpu, gate->lin + 4, 4);
    gate->attr = (uint16_t)((gate->hi >> 8) & 0xf0ff);
    switch (desc_is_system(gate) ? desc_type(gate) : 0) {
    case DESC_T_TASK: case DESC_T_INT16: case DESC_T_TRAP16: case DESC_T_INT32:
    case DESC_T_TRAP32:
        break;
    default:
        intr_idt_fault(cpu, EXC_GP, ev);
    }
    if (ev->kind == EXC_KIND_SOFT && desc_dpl(gate) < cpu->cpl) {
        intr_idt_fault(cpu, EXC_GP, ev);
    }
    if (!desc_present(gate)) {
        intr_idt_fault(cpu, EXC_NP, ev);
    }
}

/* The EFLAGS after entering a handler: TF, NT, RF and VM clear; IF too for interrupt gates. */
static void intr_enter_flags(CPUState *cpu, const Desc *gate, uint32_t old_flags)
{
    uint32_t clear = FL_TF | FL_NT | FL_RF | FL_VM;
    if (!(desc_type(gate) & 1)) {
        clear |= FL_IF;  /* interrupt gates (types 6, 0xe); trap gates are 7, 0xf */
    }
    cpu_set_eflags(cpu, old_flags & ~clear);
}

/* Pushes the return frame CS:EIP (after EFLAGS) and the error code. */
static void intr_push_return(CPUState *cpu, StackPtr *st, const IntrEvent *ev, unsigned w)
{
    stk_push(cpu, st, cpu->seg[SEG_CS].sel, w);
    stk_push(cpu, st, ev->ret_eip, w);
    if (ev->has_error) {
        stk_push(cpu, st, ev->error, w);
    }
}

/* Same privilege: EFLAGS, CS, EIP (and the error code) on the current stack. */
static void intr_same(CPUState *cpu, const IntrEvent *ev, const Desc *gate, uint16_t cs_sel,
                      Desc *cs)
{
    unsigned w = gate_size(gate);
    uint32_t eip = gate_offset(gate), flags = cpu_get_eflags(cpu);
    StackPtr st;

    stk_current(cpu, &st);
    stk_need_push(cpu, &st, (3 + ev->has_error) * w, EXC_SS, ev->ext);
    if (eip > desc_limit(cs)) {
        cpu_raise_err(cpu, EXC_GP, ev->ext);
    }
    stk_push(cpu, &st, flags, w);
    intr_push_return(cpu, &st, ev, w);
    seg_commit(cpu, SEG_CS, (uint16_t)((cs_sel & ~SEL_RPL) | cpu->cpl), cs);
    cpu->eip = eip;
    stk_commit_sp(cpu, &st);
    intr_enter_flags(cpu, gate, flags);
}

/*
 * To an inner level (from v8086 mode: to ring 0): the stack from the TSS; it gets
 * (v8086: GS FS DS ES,) SS ESP EFLAGS CS EIP and the error code. v8086 then leaves the
 * data segments null.
 */
static void intr_inner(CPUState *cpu, const IntrEvent *ev, const Desc *gate, uint16_t cs_sel,
                       Desc *cs)
{
    static const int v86_segs[] = { SEG_GS, SEG_FS, SEG_DS, SEG_ES };
    unsigned dpl = desc_dpl(cs), w = gate_size(gate);
    uint32_t eip = gate_offset(gate), flags = cpu_get_eflags(cpu), esp;
    bool v86 = cpu_v86(cpu);
    uint16_t ss_sel;
    StackPtr st;
    Desc ss;

    task_inner_stack(cpu, dpl, &ss_sel, &esp, ev->ext);
    seg_check_stack(cpu, ss_sel, dpl, EXC_TS, ev->ext, &ss);
    stk_from_desc(&st, &ss, ss_sel, esp);
    stk_need_push(cpu, &st, ((v86 ? 9 : 5) + ev->has_error) * w, EXC_SS,
                  sel_error(ss_sel, ev->ext));
    if (eip > desc_limit(cs)) {
        cpu_raise_err(cpu, EXC_GP, ev->ext);
    }
    for (unsigned i = 0; v86 && i < G_N_ELEMENTS(v86_segs); i++) {
        stk_push(cpu, &st, cpu->seg[v86_segs[i]].sel, w);
    }
    stk_push(cpu, &st, cpu->seg[SEG_SS].sel, w);
    stk_push(cpu, &st, (uint32_t)cpu->regs[R_ESP], w);
    stk_push(cpu, &st, flags, w);
    intr_push_return(cpu, &st, ev, w);
    desc_set_accessed(cpu, &ss);
    desc_set_accessed(cpu, cs);

    intr_enter_flags(cpu, gate, flags);
    seg_commit(cpu, SEG_SS, ss_sel, &ss);
    seg_commit(cpu, SEG_CS, (uint16_t)((cs_sel & ~SEL_RPL) | dpl), cs);
    cpu_set_cpl(cpu, dpl);
    cpu->eip = eip;
    stk_commit_sp(cpu, &st);
    for (unsigned i = 0; v86 && i < G_N_ELEMENTS(v86_segs); i++) {
        seg_load_null(cpu, v86_segs[i], 0);
    }
}

/* An interrupt or trap gate: check its code segment, then pick the privilege path. */
static void intr_gate(CPUState *cpu, const IntrEvent *ev, const Desc *gate)
{
    uint16_t cs_sel = gate_sel(gate);
    bool v86 = cpu_v86(cpu);
    Desc cs;

    if (sel_is_null(cs_sel)) {
        cpu_raise_err(cpu, EXC_GP, ev->ext);
    }
    desc_load(cpu, cs_sel, &cs, EXC_GP, ev->ext);
    if (!desc_is_code(&cs) || desc_dpl(&cs) > cpu->cpl) {
        desc_fault(cpu, EXC_GP, cs_sel, ev->ext);
    }
    if (!desc_present(&cs)) {
        desc_fault(cpu, EXC_NP, cs_sel, ev->ext);
    }
    if (!desc_is_conforming(&cs) && desc_dpl(&cs) < cpu->cpl) {
        if (v86 && desc_dpl(&cs) != 0) {
            desc_fault(cpu, EXC_GP, cs_sel, ev->ext);
        }
        intr_inner(cpu, ev, gate, cs_sel, &cs);
        return;
    }
    if (v86) {
        desc_fault(cpu, EXC_GP, cs_sel, ev->ext);  /* v8086 mode must go to ring 0 */
    }
    intr_same(cpu, ev, gate, cs_sel, &cs);
}

/* A task gate: switch tasks (with nesting), then push the error code on the new stack. */
static void intr_task_gate(CPUState *cpu, const IntrEvent *ev, const Desc *gate)
{
    uint16_t tss_sel = gate_sel(gate);
    StackPtr st;
    Desc tss;

    task_check_available(cpu, tss_sel, &tss, ev->ext);
    task_switch(cpu, tss_sel, &tss, TASK_INT, ev->ret_eip, ev->ext);
    if (ev->has_error) {
        unsigned w = (cpu->seg[SEG_TR].attr & DESC_T_GATE32) ? 4 : 2;
        stk_current(cpu, &st);
        stk_need_push(cpu, &st, w, EXC_SS, ev->ext);
        stk_push(cpu, &st, ev->error, w);
        stk_commit_sp(cpu, &st);
    }
}

void cpu_deliver_protected(CPUState *cpu, int vector, ExcKind kind, bool has_error,
                           uint32_t error_code)
{
    IntrEvent ev = {
        .vector = vector, .kind = kind, .has_error = has_error, .error = error_code,
        .ext = kind == EXC_KIND_SOFT ? 0 : ERR_EXT, .ret_eip = (uint32_t)cpu->eip,
    };
    Desc gate;

    if (kind == EXC_KIND_SOFT) {
        cpu->eip = cpu->exc_insn_eip;  /* a fault while delivering points at the INT */
        /* INT n only: INT3 and INTO are not IOPL-sensitive (SDM vol. 2 INT n); no VME. */
        if (cpu_v86(cpu) && iopl(cpu) < 3 && cpu->exc_int_n) {
            cpu_raise_err(cpu, EXC_GP, 0);
        }
    }
    intr_read_gate(cpu, &ev, &gate);
    if (desc_type(&gate) == DESC_T_TASK) {
        intr_task_gate(cpu, &ev, &gate);
    } else {
        intr_gate(cpu, &ev, &gate);
    }
}
