/*
 * Far transfers in protected mode: JMP and CALL to code segments (conforming and not),
 * through call gates (CALL with privilege change: stack from the TSS, parameter copy), to
 * TSS descriptors and task gates; RET far to the same or an outer level; IRET to the same
 * or an outer level, to virtual-8086 mode, to the previous task (NT), and IRET inside
 * virtual-8086 mode (Intel SDM vol. 2 JMP/CALL/RET/IRET; vol. 3A 5.8, 7.3, 20.2.7).
 * Every check and every access that can fault comes first; then the registers change.
 */
#include "cpu/far.h"

#include "cpu/desc.h"
#include "cpu/exception.h"
#include "cpu/mem.h"
#include "cpu/seg.h"
#include "cpu/task.h"

/* EFLAGS bits an IRET always restores (CF PF AF ZF SF TF DF OF NT), and 32-bit extras. */
#define IRET_FLAGS 0x4dd5u
#define IRET_FLAGS32 (FL_RF | FL_AC | FL_ID)

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->eflags & FL_IOPL) >> FL_IOPL_SHIFT;
}

/* Reads the descriptor a far JMP/CALL names: null #GP(0), beyond the table #GP(sel). */
static void far_desc(CPUState *cpu, uint16_t sel, Desc *d)
{
    if (sel_is_null(sel)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    desc_load(cpu, sel, d, EXC_GP, 0);
}

static void far_check_eip(CPUState *cpu, const Desc *cs, uint32_t eip)
{
    if (eip > desc_limit(cs)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
}

/* Loads CS from a checked descriptor with RPL = CPL, then CPL and EIP (commit step). */
static void far_set_cs(CPUState *cpu, uint16_t sel, Desc *cs, unsigned cpl, uint32_t eip)
{
    seg_commit(cpu, SEG_CS, (uint16_t)((sel & ~SEL_RPL) | cpl), cs);
    cpu_set_cpl(cpu, cpl);
    cpu->eip = eip;
}

/* JMP/CALL straight to a code segment: conforming DPL <= CPL, else RPL <= CPL = DPL. */
static void far_check_code(CPUState *cpu, uint16_t sel, const Desc *d)
{
    bool ok = desc_is_conforming(d) ? desc_dpl(d) <= cpu->cpl
                                    : (sel & SEL_RPL) <= cpu->cpl && desc_dpl(d) == cpu->cpl;
    if (!ok) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(d)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
}

/* A gate (call or task) named by JMP/CALL: DPL >= max(CPL, RPL), present. */
static void far_check_gate(CPUState *cpu, uint16_t sel, const Desc *gate)
{
    if (desc_dpl(gate) < cpu->cpl || desc_dpl(gate) < (sel & SEL_RPL)) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(gate)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
}

/* The code segment a call gate names: non-null, code, DPL <= CPL, present. */
static uint16_t far_gate_code(CPUState *cpu, const Desc *gate, Desc *cs)
{
    uint16_t sel = gate_sel(gate);
    far_desc(cpu, sel, cs);
    if (!desc_is_code(cs) || desc_dpl(cs) > cpu->cpl) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(cs)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
    return sel;
}

/* JMP/CALL to a TSS descriptor (GDT only, available, DPL >= max(CPL, RPL)). */
static void far_to_tss(CPUState *cpu, uint16_t sel, Desc *d, TaskReason why, uint32_t next_eip)
{
    if ((sel & SEL_TI) || desc_dpl(d) < cpu->cpl || desc_dpl(d) < (sel & SEL_RPL) ||
        (desc_type(d) & DESC_T_BUSY)) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(d)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
    task_switch(cpu, sel, d, why, next_eip, 0);
}

static void far_to_task_gate(CPUState *cpu, uint16_t sel, const Desc *gate, TaskReason why,
                             uint32_t next_eip)
{
    uint16_t tss_sel = gate_sel(gate);
    Desc tss;

    far_check_gate(cpu, sel, gate);
    task_check_available(cpu, tss_sel, &tss, 0);
    task_switch(cpu, tss_sel, &tss, why, next_eip, 0);
}

/* ---- JMP ---- */

static void jmp_call_gate(CPUState *cpu, uint16_t sel, const Desc *gate)
{
    Desc cs;
    uint16_t cs_sel;

    far_check_gate(cpu, sel, gate);
    cs_sel = far_gate_code(cpu, gate, &cs);
    if (!desc_is_conforming(&cs) && desc_dpl(&cs) != cpu->cpl) {
        desc_fault(cpu, EXC_GP, cs_sel, 0);
    }
    far_check_eip(cpu, &cs, gate_offset(gate));
    far_set_cs(cpu, cs_sel, &cs, cpu->cpl, gate_offset(gate));
}

void cpu_far_jump_pm(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                     uint32_t next_eip)
{
    uint32_t eip = opsize == 2 ? offset & 0xffff : offset;
    Desc d;

    far_desc(cpu, sel, &d);
    if (desc_is_code(&d)) {
        far_check_code(cpu, sel, &d);
        far_check_eip(cpu, &d, eip);
        far_set_cs(cpu, sel, &d, cpu->cpl, eip);
        return;
    }
    switch (desc_is_system(&d) ? desc_type(&d) : 0) {
    case DESC_T_CALL16: case DESC_T_CALL32:
        jmp_call_gate(cpu, sel, &d);
        return;
    case DESC_T_TASK:
        far_to_task_gate(cpu, sel, &d, TASK_JMP, next_eip);
        return;
    case DESC_T_TSS16: case DESC_T_TSS32: case DESC_T_TSS16_BUSY: case DESC_T_TSS32_BUSY:
        far_to_tss(cpu, sel, &d, TASK_JMP, next_eip);
        return;
    default:
        desc_fault(cpu, EXC_GP, sel, 0);
    }
}

/* ---- CALL ---- */

/* CALL to the same level: push CS:EIP (SIZE bytes each) on the current stack, branch. */
static void call_same(CPUState *cpu, uint16_t sel, Desc *cs, uint32_t eip, unsigned size,
                      uint32_t next_eip)
{
    StackPtr st;

    stk_current(cpu, &st);
    stk_need_push(cpu, &st, 2 * size, EXC_SS, 0);
    far_check_eip(cpu, cs, eip);
    stk_push(cpu, &st, cpu->seg[SEG_CS].sel, size);
    stk_push(cpu, &st, next_eip, size);
    far_set_cs(cpu, sel, cs, cpu->cpl, eip);
    stk_commit_sp(cpu, &st);
}

/*
 * CALL through a call gate to a more privileged non-conforming segment: the stack for
 * its DPL comes from the TSS, and the new stack gets the old SS:ESP, COUNT parameters
 * copied from the old stack, and the return CS:EIP (SDM 5.8.5).
 */
static void call_inner(CPUState *cpu, const Desc *gate, uint16_t cs_sel, Desc *cs,
                       uint32_t next_eip)
{
    unsigned dpl = desc_dpl(cs), n = gate_count(gate), w = gate_size(gate);
    uint32_t eip = gate_offset(gate), esp;
    uint16_t ss_sel;
    StackPtr old, st;
    Desc ss;

    task_inner_stack(cpu, dpl, &ss_sel, &esp, 0);
    seg_check_stack(cpu, ss_sel, dpl, EXC_TS, 0, &ss);
    stk_from_desc(&st, &ss, ss_sel, esp);
    stk_need_push(cpu, &st, (4 + n) * w, EXC_SS, sel_error(ss_sel, 0));
    far_check_eip(cpu, cs, eip);
    stk_current(cpu, &old);
    stk_need_pop(cpu, &old, n * w, EXC_SS, 0);

    stk_push(cpu, &st, cpu->seg[SEG_SS].sel, w);
    stk_push(cpu, &st, (uint32_t)cpu->regs[R_ESP], w);
    for (unsigned i = n; i-- > 0;) {
        StackPtr param = old;
        param.sp = (old.sp + i * w) & stk_mask(&old);
        stk_push(cpu, &st, stk_pop(cpu, &param, w), w);
    }
    stk_push(cpu, &st, cpu->seg[SEG_CS].sel, w);
    stk_push(cpu, &st, next_eip, w);
    desc_set_accessed(cpu, &ss);
    desc_set_accessed(cpu, cs);

    seg_commit(cpu, SEG_SS, ss_sel, &ss);
    far_set_cs(cpu, cs_sel, cs, dpl, eip);
    stk_commit_sp(cpu, &st);
}

static void call_gate(CPUState *cpu, uint16_t sel, const Desc *gate, uint32_t next_eip)
{
    Desc cs;
    uint16_t cs_sel;

    far_check_gate(cpu, sel, gate);
    cs_sel = far_gate_code(cpu, gate, &cs);
    if (!desc_is_conforming(&cs) && desc_dpl(&cs) < cpu->cpl) {
        call_inner(cpu, gate, cs_sel, &cs, next_eip);
    } else {
        call_same(cpu, cs_sel, &cs, gate_offset(gate), gate_size(gate), next_eip);
    }
}

void cpu_far_call_pm(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                     uint32_t next_eip)
{
    uint32_t eip = opsize == 2 ? offset & 0xffff : offset;
    Desc d;

    far_desc(cpu, sel, &d);
    if (desc_is_code(&d)) {
        far_check_code(cpu, sel, &d);
        call_same(cpu, sel, &d, eip, opsize, next_eip);
        return;
    }
    switch (desc_is_system(&d) ? desc_type(&d) : 0) {
    case DESC_T_CALL16: case DESC_T_CALL32:
        call_gate(cpu, sel, &d, next_eip);
        return;
    case DESC_T_TASK:
        far_to_task_gate(cpu, sel, &d, TASK_CALL, next_eip);
        return;
    case DESC_T_TSS16: case DESC_T_TSS32: case DESC_T_TSS16_BUSY: case DESC_T_TSS32_BUSY:
        far_to_tss(cpu, sel, &d, TASK_CALL, next_eip);
        return;
    default:
        desc_fault(cpu, EXC_GP, sel, 0);
    }
}

/* ---- RET and IRET ---- */

/*
 * The code segment a RET or IRET returns to: non-null, code, RPL >= CPL, conforming
 * DPL <= RPL or non-conforming DPL = RPL, present. Returns the new CPL (the RPL).
 */
static unsigned ret_check_code(CPUState *cpu, uint16_t sel, Desc *cs)
{
    unsigned rpl = sel & SEL_RPL;

    far_desc(cpu, sel, cs);
    if (!desc_is_code(cs) || rpl < cpu->cpl ||
        (desc_is_conforming(cs) ? desc_dpl(cs) > rpl : desc_dpl(cs) != rpl)) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(cs)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
    return rpl;
}

/* Pops the outer level's SS:ESP from ST and checks SS for privilege CPL (#GP rules). */
static void ret_outer_stack(CPUState *cpu, StackPtr *st, unsigned size, unsigned cpl,
                            StackPtr *out, Desc *ss)
{
    uint32_t esp = stk_pop(cpu, st, size);
    uint16_t ss_sel = (uint16_t)stk_pop(cpu, st, size);

    seg_check_stack(cpu, ss_sel, cpl, EXC_GP, 0, ss);
    stk_from_desc(out, ss, ss_sel, esp);
}

/* Commits a return to an outer level: SS:ESP, CS:EIP, CPL, then the data segments. */
static void ret_commit_outer(CPUState *cpu, StackPtr *ns, Desc *ss, uint16_t cs_sel, Desc *cs,
                             unsigned cpl, uint32_t eip)
{
    desc_set_accessed(cpu, ss);
    desc_set_accessed(cpu, cs);
    seg_commit(cpu, SEG_SS, ns->ss.sel, ss);
    far_set_cs(cpu, cs_sel, cs, cpl, eip);
    stk_commit_sp(cpu, ns);
    seg_null_inaccessible(cpu);
}

void cpu_far_ret_pm(CPUState *cpu, unsigned opsize, uint16_t release)
{
    StackPtr st, ns;
    Desc cs, ss;

    stk_current(cpu, &st);
    stk_need_pop(cpu, &st, 2 * opsize, EXC_SS, 0);
    uint32_t eip = stk_pop(cpu, &st, opsize);
    uint16_t cs_sel = (uint16_t)stk_pop(cpu, &st, opsize);
    unsigned cpl = ret_check_code(cpu, cs_sel, &cs);

    st.sp = (st.sp + release) & stk_mask(&st);
    if (cpl == cpu->cpl) {
        far_check_eip(cpu, &cs, eip);
        far_set_cs(cpu, cs_sel, &cs, cpl, eip);
        stk_commit_sp(cpu, &st);
        return;
    }
    stk_need_pop(cpu, &st, 2 * opsize, EXC_SS, 0);
    ret_outer_stack(cpu, &st, opsize, cpl, &ns, &ss);
    far_check_eip(cpu, &cs, eip);
    ns.sp = (ns.sp + release) & stk_mask(&ns);
    ret_commit_outer(cpu, &ns, &ss, cs_sel, &cs, cpl, eip);
}

/* The EFLAGS an IRET in protected mode leaves, by the old CPL and IOPL (SDM vol. 2 IRET). */
static uint32_t iret_flags(CPUState *cpu, uint32_t popped, unsigned opsize)
{
    uint32_t mask = IRET_FLAGS | (opsize == 4 ? IRET_FLAGS32 : 0);

    if (cpu->cpl <= iopl(cpu)) {
        mask |= FL_IF;
    }
    if (cpu->cpl == 0) {
        mask |= FL_IOPL | (opsize == 4 ? FL_VIF | FL_VIP : 0);
    }
    return (cpu_get_eflags(cpu) & ~mask) | (popped & mask);
}

/* IRET from CPL 0 with VM set in the popped EFLAGS: the rest of the v8086 frame follows. */
static void iret_to_v86(CPUState *cpu, StackPtr *st, uint32_t eip, uint16_t cs_sel,
                        uint32_t flags)
{
    static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    uint16_t sel[4];

    stk_need_pop(cpu, st, 24, EXC_SS, 0);
    uint32_t esp = stk_pop(cpu, st, 4);
    uint16_t ss_sel = (uint16_t)stk_pop(cpu, st, 4);
    for (unsigned i = 0; i < 4; i++) {
        sel[i] = (uint16_t)stk_pop(cpu, st, 4);
    }
    if (eip > 0xffff) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_set_eflags(cpu, flags);
    cpu_load_seg_real(cpu, SEG_CS, cs_sel);
    cpu_load_seg_real(cpu, SEG_SS, ss_sel);
    for (unsigned i = 0; i < 4; i++) {
        cpu_load_seg_real(cpu, segs[i], sel[i]);
    }
    cpu->regs[R_ESP] = esp;
    cpu->eip = eip;
    cpu_set_cpl(cpu, 3);
}

/* IRET inside v8086 mode: real-mode behaviour with IOPL 3 (IOPL itself kept), else #GP. */
static void iret_v86(CPUState *cpu, unsigned opsize)
{
    uint32_t keep = opsize == 4 ? FL_VM | FL_IOPL | FL_VIF | FL_VIP : 0xffff0000u | FL_IOPL;
    uint32_t allowed = opsize == 4 ? 0x257fd5u : 0xffffu;
    StackPtr st;

    if (iopl(cpu) < 3) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    stk_current(cpu, &st);
    stk_need_pop(cpu, &st, 3 * opsize, EXC_SS, 0);
    uint32_t eip = stk_pop(cpu, &st, opsize);
    uint16_t cs_sel = (uint16_t)stk_pop(cpu, &st, opsize);
    uint32_t flags = stk_pop(cpu, &st, opsize);
    if (eip > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    flags = (flags & allowed & ~keep) | (cpu_get_eflags(cpu) & keep);
    cpu_load_seg_real(cpu, SEG_CS, cs_sel);
    cpu->eip = eip;
    stk_commit_sp(cpu, &st);
    cpu_set_eflags(cpu, flags);
}

void cpu_iret_pm(CPUState *cpu, unsigned opsize)
{
    StackPtr st, ns;
    Desc cs, ss;

    if (cpu_v86(cpu)) {
        iret_v86(cpu, opsize);
        return;
    }
    if (cpu->eflags & FL_NT) {
        /* The caller leaves EIP at the next instruction: the outgoing task resumes there. */
        task_return(cpu, (uint32_t)cpu->eip);
        return;
    }
    stk_current(cpu, &st);
    stk_need_pop(cpu, &st, 3 * opsize, EXC_SS, 0);
    uint32_t eip = stk_pop(cpu, &st, opsize);
    uint16_t cs_sel = (uint16_t)stk_pop(cpu, &st, opsize);
    uint32_t popped = stk_pop(cpu, &st, opsize);
    if ((popped & FL_VM) && opsize == 4 && cpu->cpl == 0) {
        iret_to_v86(cpu, &st, eip, cs_sel, popped);
        return;
    }
    unsigned cpl = ret_check_code(cpu, cs_sel, &cs);
    uint32_t flags = iret_flags(cpu, popped, opsize);
    if (cpl == cpu->cpl) {
        far_check_eip(cpu, &cs, eip);
        far_set_cs(cpu, cs_sel, &cs, cpl, eip);
        stk_commit_sp(cpu, &st);
        cpu_set_eflags(cpu, flags);
        return;
    }
    stk_need_pop(cpu, &st, 2 * opsize, EXC_SS, 0);
    ret_outer_stack(cpu, &st, opsize, cpl, &ns, &ss);
    far_check_eip(cpu, &cs, eip);
    ret_commit_outer(cpu, &ns, &ss, cs_sel, &cs, cpl, eip);
    cpu_set_eflags(cpu, flags);
}
