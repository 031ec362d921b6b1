/*
 * Handlers and emitters for group 7 (SGDT SIDT LGDT LIDT SMSW LMSW INVLPG), CLTS, INVD,
 * WBINVD, MOV to/from CRn and DRn, RDMSR, WRMSR, RDPMC, CPUID, RDTSC, SYSENTER and
 * SYSEXIT (Intel SDM vol. 2; vol. 3A 2.8 system instruction summary). The semantics live
 * in cpu/system.c, cpu/msr.c and cpu/cpuid.c; these handlers gather operands.
 *
 * The CPL 0 check of the privileged instructions is made when the block is formed: CPL,
 * PE and VM are part of the block's mode key, so the answer cannot change while it runs.
 * Rows marked IF_END in cpu/opcodes.def end their block and their handlers return; the
 * others continue with NEXT.
 */
#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "cpu/system.h"
#include "translate/emit.h"

/* Whether the block runs at privilege 0 (real mode, or CPL 0 outside v8086 mode). */
static bool emit_cpl0(const EmitCtx *ec)
{
    uint32_t f = ec->tb_flags;
    return !(f & TB_PE) || (!(f & TB_VM) && ((f >> TB_CPL_SHIFT) & 3) == 0);
}

static uint64_t op_tsc_clock(const CPUState *cpu, const Op *op)
{
    return tsc_clock(cpu, op_insns_now(cpu, op));
}

static void set_edx_eax(CPUState *cpu, uint64_t v)
{
    reg_set(cpu, R_EAX, 4, v & 0xffffffffu);
    reg_set(cpu, R_EDX, 4, v >> 32);
}

/* ---- group 7: op->sub = 1 for the IDTR forms ---- */

static DescTable *op_dtr(CPUState *cpu, const Op *op)
{
    return op->sub ? &cpu->idtr : &cpu->gdtr;
}

/* SGDT/SIDT: limit, then the full 32-bit base whatever the operand size (SDM SGDT). */
static const TB *sxdt(CPUState *cpu, const Op *op)
{
    const DescTable *t = op_dtr(cpu, op);
    uint32_t ea = op_ea(cpu, op);
    uint64_t lin_limit = cpu_lin(cpu, op->seg, ea, 2, true);
    uint64_t lin_base = cpu_lin(cpu, op->seg, (ea + 2) & op->amask, 4, true);
    cpu_probe_write_lin(cpu, lin_limit, 2);  /* both halves fault before either is written */
    cpu_probe_write_lin(cpu, lin_base, 4);
    cpu_st_lin(cpu, lin_limit, t->limit, 2);
    cpu_st_lin(cpu, lin_base, t->base & 0xffffffffu, 4);
    NEXT(cpu, op);
}

/* LGDT/LIDT: a 16-bit operand size loads a 24-bit base. */
static const TB *lxdt(CPUState *cpu, const Op *op)
{
    uint32_t ea = op_ea(cpu, op);
    uint16_t limit = (uint16_t)cpu_ld(cpu, op->seg, ea, 2);
    uint64_t base = cpu_ld(cpu, op->seg, (ea + 2) & op->amask, 4);
    DescTable *t = op_dtr(cpu, op);
    t->limit = limit;
    t->base = op->size == 2 ? base & 0xffffffu : base;
    return op_end_nochain(cpu, op);
}

/* SMSW to a register writes the operand size (P6 stores all of CR0 in a 32-bit one). */
static const TB *smsw_r(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->rm, op->size, cpu->cr[0]);
    NEXT(cpu, op);
}

static const TB *smsw_m(CPUState *cpu, const Op *op)
{
    cpu_st(cpu, op->seg, op_ea(cpu, op), cpu->cr[0] & 0xffff, 2);
    NEXT(cpu, op);
}

static const TB *lmsw_r(CPUState *cpu, const Op *op)
{
    cr_lmsw(cpu, (uint16_t)reg_get(cpu, op->rm, 2));
    return op_end_nochain(cpu, op);
}

static const TB *lmsw_m(CPUState *cpu, const Op *op)
{
    cr_lmsw(cpu, (uint16_t)cpu_ld(cpu, op->seg, op_ea(cpu, op), 2));
    return op_end_nochain(cpu, op);
}

/* INVLPG never faults on its operand: no limit check, no page walk. */
static const TB *invlpg(CPUState *cpu, const Op *op)
{
    cpu_invlpg(cpu, cpu->seg[op->seg].base + op_ea(cpu, op));
    return op_end_nochain(cpu, op);
}

typedef struct Grp7Form {
    OpFn reg_fn, mem_fn;
    bool privileged;
} Grp7Form;

static const Grp7Form grp7_forms[8] = {
    [0] = { NULL, sxdt, false },       /* SGDT */
    [1] = { NULL, sxdt, false },       /* SIDT */
    [2] = { NULL, lxdt, true },        /* LGDT */
    [3] = { NULL, lxdt, true },        /* LIDT */
    [4] = { smsw_r, smsw_m, false },   /* SMSW: no UMIP on this model */
    [6] = { lmsw_r, lmsw_m, true },    /* LMSW */
    [7] = { NULL, invlpg, true },      /* INVLPG */
};

static void emit_grp7(EmitCtx *ec, const Insn *in, Op *op)
{
    const Grp7Form *f = &grp7_forms[in->reg];
    OpFn fn = in->has_mem ? f->mem_fn : f->reg_fn;
    if (!fn) {
        emit_raise(op, EXC_UD, false, 0);
    } else if (f->privileged && !emit_cpl0(ec)) {
        emit_raise(op, EXC_GP, true, 0);
    } else {
        op->sub = in->reg & 1;
        op->fn = fn;
    }
}

/* ---- CLTS, INVD, WBINVD ---- */

static const TB *clts(CPUState *cpu, const Op *op)
{
    cr_clts(cpu);
    return op_end_nochain(cpu, op);
}

/* INVD, WBINVD: there are no caches to write back or drop. */
static const TB *cache_nop(CPUState *cpu, const Op *op)
{
    NEXT(cpu, op);
}

/* ---- MOV to/from CRn and DRn: op->reg = the special register, op->rm = the GPR ---- */

static const TB *mov_from_cr(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->rm, 4, cr_read(cpu, op->reg));
    return op_end_nochain(cpu, op);
}

static const TB *mov_to_cr(CPUState *cpu, const Op *op)
{
    cr_write(cpu, op->reg, (uint32_t)reg_get(cpu, op->rm, 4));
    return op_end_nochain(cpu, op);
}

static const TB *mov_from_dr(CPUState *cpu, const Op *op)
{
    reg_set(cpu, op->rm, 4, dr_read(cpu, op->reg));
    return op_end_nochain(cpu, op);
}

static const TB *mov_to_dr(CPUState *cpu, const Op *op)
{
    dr_write(cpu, op->reg, (uint32_t)reg_get(cpu, op->rm, 4));
    return op_end_nochain(cpu, op);
}

/* ---- RDMSR, WRMSR, RDPMC ---- */

static const TB *rdmsr(CPUState *cpu, const Op *op)
{
    uint64_t v;
    if (!msr_read(cpu, (uint32_t)cpu->regs[R_ECX], op_tsc_clock(cpu, op), &v)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    set_edx_eax(cpu, v);
    NEXT(cpu, op);
}

static const TB *wrmsr(CPUState *cpu, const Op *op)
{
    uint64_t v = (cpu->regs[R_EDX] & 0xffffffffu) << 32 | (cpu->regs[R_EAX] & 0xffffffffu);
    if (!msr_write(cpu, (uint32_t)cpu->regs[R_ECX], op_tsc_clock(cpu, op), v)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    return op_end_nochain(cpu, op);
}

/* RDPMC: the two P6 counters exist but count nothing (no performance monitoring). */
static const TB *rdpmc(CPUState *cpu, const Op *op)
{
    bool allowed = (cpu->cr[4] & CR4_PCE) || cpu_at_cpl0(cpu);
    if (!allowed || (uint32_t)cpu->regs[R_ECX] > 1) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    set_edx_eax(cpu, 0);
    NEXT(cpu, op);
}

/* ---- the 0F xx system rows of the "system" kind ---- */

typedef struct SysForm {
    uint16_t opcode;
    OpFn fn;
    bool privileged;
} SysForm;

static const SysForm sys_forms[] = {
    { 0x106, clts, true },
    { 0x108, cache_nop, true },     /* INVD */
    { 0x109, cache_nop, true },     /* WBINVD */
    { 0x120, mov_from_cr, true },
    { 0x121, mov_from_dr, true },
    { 0x122, mov_to_cr, true },
    { 0x123, mov_to_dr, true },
    { 0x130, wrmsr, true },
    { 0x132, rdmsr, true },
    { 0x133, rdpmc, false },        /* checks CR4.PCE when it runs */
};

void emit_system(EmitCtx *ec, const Insn *in, Op *op)
{
    if (in->opcode == 0x101) {
        emit_grp7(ec, in, op);
        return;
    }
    const SysForm *f = NULL;
    for (unsigned i = 0; i < sizeof(sys_forms) / sizeof(sys_forms[0]); i++) {
        if (sys_forms[i].opcode == in->opcode) {
            f = &sys_forms[i];
            break;
        }
    }
    bool is_cr = in->opcode == 0x120 || in->opcode == 0x122;
    if (!f || (is_cr && !cr_exists(in->reg))) {
        emit_raise(op, EXC_UD, false, 0);  /* CR1, CR5-CR7: #UD before the CPL check */
    } else if (f->privileged && !emit_cpl0(ec)) {
        emit_raise(op, EXC_GP, true, 0);
    } else {
        op->fn = f->fn;
    }
}

/* ---- CPUID ---- */

static const TB *cpuid(CPUState *cpu, const Op *op)
{
    CpuidResult r;
    cpuid_query((uint32_t)cpu->regs[R_EAX], (uint32_t)cpu->regs[R_ECX], &r);
    reg_set(cpu, R_EAX, 4, r.eax);
    reg_set(cpu, R_EBX, 4, r.ebx);
    reg_set(cpu, R_ECX, 4, r.ecx);
    reg_set(cpu, R_EDX, 4, r.edx);
    NEXT(cpu, op);
}

void emit_cpuid(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = cpuid;
}

/* ---- RDTSC ---- */

static const TB *rdtsc(CPUState *cpu, const Op *op)
{
    if ((cpu->cr[4] & CR4_TSD) && !cpu_at_cpl0(cpu)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    set_edx_eax(cpu, tsc_read(cpu, op_tsc_clock(cpu, op)));
    NEXT(cpu, op);
}

void emit_rdtsc(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = rdtsc;
}

/* ---- SYSENTER, SYSEXIT: EIP comes from the MSR or EDX, not from the next instruction ---- */

static const TB *sysenter(CPUState *cpu, const Op *op)
{
    cpu_sysenter(cpu);
    return tb_exit(cpu);
}

static const TB *sysexit(CPUState *cpu, const Op *op)
{
    cpu_sysexit(cpu);
    return tb_exit(cpu);
}

void emit_sysenter(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = sysenter;
}

void emit_sysexit(EmitCtx *ec, const Insn *in, Op *op)
{
    op->fn = sysexit;
}
