/*
 * The run loop: find or translate the block at CS:EIP, run it, follow chain links, take
 * interrupts and single-step traps at block boundaries, and turn exceptions raised inside
 * a block (which unwind here) into precise guest state: EIP of the faulting instruction
 * and the count of instructions that really retired.
 */
#include "translate/translator.h"

#include "cpu/debug.h"

#include <inttypes.h>

static uint32_t exec_tb_flags(const CPUState *cpu)
{
    uint32_t f = cpu->cpl << TB_CPL_SHIFT;
    f |= cpu_code32(cpu) ? TB_CODE32 : 0;
    f |= cpu_stack32(cpu) ? TB_STACK32 : 0;
    f |= cpu_pe(cpu) ? TB_PE : 0;
    f |= cpu_v86(cpu) ? TB_VM : 0;
    f |= ((cpu->eflags & FL_TF) || cpu->irq_inhibit || cpu->dbg_exec || cpu->dbg_data)
             ? TB_SINGLE : 0;
    return f;
}

static unsigned jmp_cache_index(uint64_t lin)
{
    return (unsigned)((lin ^ (lin >> CPU_JMP_CACHE_BITS)) & (CPU_JMP_CACHE_SIZE - 1));
}

/* A block that runs past the CS limit was formed under another limit: not usable. */
static bool tb_fits(const CPUState *cpu, const TB *tb)
{
    return (uint64_t)tb->eip + tb->size - 1 <= cpu->seg[SEG_CS].limit;
}

static const TB *tb_find(Translator *tr, CPUState *cpu, uint32_t flags)
{
    uint64_t cs_base = cpu->seg[SEG_CS].base;
    uint32_t eip = (uint32_t)cpu->eip;
    uint64_t lin = (cs_base + eip) & 0xffffffffu;
    unsigned j = jmp_cache_index(lin);
    const TB *tb = cpu->jmp_cache[j];
    MmuRegs regs;
    MmuFault fault;
    uint64_t phys;

    tr->stats.lookups++;
    if (tb && tb->valid && tb->lin_pc == lin && tb->eip == eip && tb->cs_base == cs_base &&
        tb->flags == flags) {
        tr->stats.jmp_cache_hits++;
        return tb;
    }
    cpu_mmu_regs(cpu, &regs);
    if (!mmu_translate(&cpu->tlb, &regs, lin, cpu->mmu_idx, ACC_EXEC, &phys, &fault)) {
        cpu_raise_pf(cpu, &fault);
    }
    TB *found = tb_lookup(tr, phys, cs_base, eip, flags);
    if (found && tb_fits(cpu, found)) {
        tr->stats.hash_hits++;
    } else {
        found = tb_translate(tr, tb_alloc(tr, TB_MAX_INSNS + 1), phys, flags, TB_MAX_INSNS);
        tb_commit(tr, found, found->nops);
        tb_link(tr, found);
    }
    cpu->jmp_cache[j] = found;
    return found;
}

/* A one-instruction block that is never cached: restarts and budget tails. */
static const TB *tb_scratch(Translator *tr, CPUState *cpu, uint32_t flags)
{
    uint64_t lin = (cpu->seg[SEG_CS].base + cpu->eip) & 0xffffffffu;
    MmuRegs regs;
    MmuFault fault;
    uint64_t phys;

    cpu_mmu_regs(cpu, &regs);
    if (!mmu_translate(&cpu->tlb, &regs, lin, cpu->mmu_idx, ACC_EXEC, &phys, &fault)) {
        cpu_raise_pf(cpu, &fault);
    }
    return tb_translate(tr, tr->scratch, phys, flags | TB_SINGLE, 1);
}

/* Links PREV's exit to NEXT when that is safe: same mode, same linear page. */
static void tb_try_chain(const TB *prev, int slot, const TB *next)
{
    if (slot < 0 || !prev->cached || !next->cached || prev->flags != next->flags ||
        (prev->lin_pc & PAGE_MASK) != (next->lin_pc & PAGE_MASK)) {
        return;
    }
    ((TB *)prev)->chain[slot] = next;
}

/* After an unwind from inside a block: precise EIP and retired-instruction count. */
static void exec_unwound(Translator *tr, CPUState *cpu)
{
    const TB *tb = cpu->cur_tb;
    const Op *op = cpu->cur_op;

    cpu->storing = false;
    if (tb && op) {
        unsigned not_run = tb->ninsns - (unsigned)(op - tb->ops);
        bool retired = cpu->exc_pending &&
                       (cpu->exc_kind == EXC_KIND_TRAP || cpu->exc_kind == EXC_KIND_SOFT);
        if (retired) {
            not_run--;
        } else {
            cpu->eip = op->eip;
        }
        cpu->stats.insns -= not_run;
        cpu->insn_budget += not_run;
    }
    if (!cpu->exc_pending && cpu->exc_kind == EXC_KIND_RESTART) {
        tr->restart_single = true;
        cpu->exc_kind = EXC_KIND_FAULT;
    }
    cpu->cur_tb = NULL;
    cpu->cur_op = NULL;
}

static bool exec_take_interrupt(CPUState *cpu)
{
    if (!cpu->irq_line || !(cpu->eflags & FL_IF) || cpu->irq_inhibit || !cpu->hooks.irq_ack) {
        return false;
    }
    int vector = cpu->hooks.irq_ack(cpu->hooks.opaque);
    if (vector < 0) {
        return false;
    }
    cpu->exc_pending = true;
    cpu->exc_vector = (uint8_t)vector;
    cpu->exc_kind = EXC_KIND_EXTERNAL;
    cpu->exc_has_error = false;
    cpu->exc_error = 0;
    cpu->halted = false;
    return true;
}

/* -d cpu: the registers before a block runs. */
static void exec_log_cpu(CPUState *cpu)
{
    static const char *const names[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI",
                                          "EDI" };
    static const char *const segs[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    Log *log = cpu->log;

    for (int i = 0; i < 8; i++) {
        log_trace(log, LOG_CPU, "%s=%08x%s", names[i], (uint32_t)cpu->regs[i],
                  i % 4 == 3 ? "\n" : " ");
    }
    log_trace(log, LOG_CPU, "EIP=%08x EFL=%08x CPL=%u CR0=%08x CR3=%08x\n",
              (uint32_t)cpu->eip, cpu_get_eflags(cpu), cpu->cpl, (uint32_t)cpu->cr[0],
              (uint32_t)cpu->cr[3]);
    for (int i = 0; i < 6; i++) {
        const SegCache *sc = &cpu->seg[i];
        log_trace(log, LOG_CPU, "%s=%04x %08x %08x %04x%s", segs[i], sc->sel,
                  (uint32_t)sc->base, sc->limit, sc->attr, i % 2 == 1 ? "\n" : "  ");
    }
}

/* -d exec and -d cpu, once per block entered. */
static void exec_log_block(CPUState *cpu, const TB *tb)
{
    if (log_enabled(cpu->log, LOG_CPU)) {
        exec_log_cpu(cpu);
    }
    log_trace(cpu->log, LOG_EXEC, "Trace: phys %08" PRIx64 " [%04x:%08x] %u insns\n",
              tb->phys_pc, cpu->seg[SEG_CS].sel, tb->eip, tb->ninsns);
}

/* An enabled instruction breakpoint at the next instruction faults before it runs. */
static void exec_check_breakpoint(CPUState *cpu)
{
    uint32_t hit;
    if (cpu->eflags & FL_RF) {
        return;  /* the handler's IRET asked to run this instruction once unchecked */
    }
    hit = cpu_exec_breakpoints(cpu, (cpu->seg[SEG_CS].base + cpu->eip) & 0xffffffffu);
    if (hit) {
        cpu->dr[6] = (cpu->dr[6] & ~0xfull) | hit;
        cpu_raise(cpu, EXC_DB);
    }
}

/* After an instruction: RF clears, and single-step and data-breakpoint traps are taken. */
static void exec_after_insn(CPUState *cpu, bool single_step, bool had_rf)
{
    uint32_t db = cpu->db_pending;

    if (had_rf) {
        cpu->eflags &= ~FL_RF;
    }
    cpu->db_pending = 0;
    if (single_step || db) {
        cpu->dr[6] = (cpu->dr[6] & ~0xfull) | db | (single_step ? DR6_BS : 0);
        cpu_raise_trap(cpu, EXC_DB);
    }
}

/* Runs one block and what it chains to; returns when a block exits to the loop. */
static void exec_blocks(Translator *tr, CPUState *cpu, const TB *tb)
{
    while (tb) {
        bool single_step = cpu->eflags & FL_TF;
        bool had_rf = cpu->eflags & FL_RF;
        bool was_inhibited = cpu->irq_inhibit;
        if (unlikely(cpu->dbg_exec)) {
            exec_check_breakpoint(cpu);
        }
        if (unlikely(cpu->log->mask & (LOG_EXEC | LOG_CPU))) {
            exec_log_block(cpu, tb);
        }
        cpu->cur_tb = tb;
        cpu->cur_op = tb->ops;
        cpu->stats.insns += tb->ninsns;
        cpu->insn_budget -= tb->ninsns;
        const TB *next = tb->ops[0].fn(cpu, tb->ops);
        cpu->cur_tb = NULL;
        cpu->cur_op = NULL;
        if (was_inhibited) {
            cpu->irq_inhibit = false;
        }
        if (unlikely(single_step || had_rf || cpu->db_pending)) {
            exec_after_insn(cpu, single_step, had_rf);
        }
        if (!next || cpu->exit_request || cpu->irq_line || cpu->halted ||
            cpu->insn_budget < TB_MAX_INSNS || next->flags != exec_tb_flags(cpu)) {
            if (!next) {
                tr->last_tb = tb;
            }
            return;
        }
        tr->stats.chained++;
        tb = next;
    }
}

static CpuExit exec_loop(Translator *tr, CPUState *cpu)
{
    for (;;) {
        if (cpu->triple_fault) {
            return CPU_EXIT_TRIPLE_FAULT;
        }
        if (cpu->exit_request) {
            cpu->exit_request = false;
            return CPU_EXIT_REQUEST;
        }
        if (cpu->exc_pending) {
            /*
             * A delivery retires nothing, but costs one unit of the budget so that a
             * handler that faults forever cannot keep the loop from returning.
             */
            if (cpu->insn_budget == 0) {
                return CPU_EXIT_BUDGET;
            }
            cpu->insn_budget--;
            cpu_deliver_pending(cpu);
            continue;
        }
        if (exec_take_interrupt(cpu)) {
            continue;
        }
        if (cpu->halted) {
            return CPU_EXIT_HALT;
        }
        if (cpu->insn_budget == 0) {
            return CPU_EXIT_BUDGET;
        }
        if (tr->pm_generation != cpu->pm->generation) {
            tr->pm_generation = cpu->pm->generation;
            tlb_flush_all(&cpu->tlb);
            cpu_tb_flush_jmp_cache(cpu);
        }
        uint32_t flags = exec_tb_flags(cpu);
        const TB *tb;
        if (tr->restart_single || cpu->insn_budget < TB_MAX_INSNS) {
            tr->restart_single = false;
            tb = tb_scratch(tr, cpu, flags);
        } else {
            const TB *prev = tr->last_tb;
            int slot = cpu->exit_slot;
            tb = tb_find(tr, cpu, flags);
            if (prev) {
                tb_try_chain(prev, slot, tb);
            }
        }
        tr->last_tb = NULL;
        exec_blocks(tr, cpu, tb);
    }
}

CpuExit translate_exec(CPUState *cpu, uint64_t max_insns)
{
    Translator *tr = cpu->translator;

    cpu->insn_budget = max_insns;
    tr->last_tb = NULL;
    if (setjmp(cpu->jmp_env)) {
        exec_unwound(tr, cpu);
        tr->last_tb = NULL;
    }
    CpuExit r = exec_loop(tr, cpu);
    return r;
}
