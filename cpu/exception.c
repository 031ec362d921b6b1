/*
 * Raising exceptions, escalation to #DF and triple fault (Intel SDM vol. 3A, 6.15,
 * "Interrupt 8"), and real-mode delivery through the IVT (SDM vol. 3A, 20.1.4).
 */
#include "cpu/exception.h"

#include "cpu/flags.h"
#include "cpu/mem.h"

bool exc_has_error_code(int vector)
{
    switch (vector) {
    case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF: case EXC_AC:
        return true;
    default:
        return false;
    }
}

static bool exc_contributory(int v)
{
    return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

/* Applies the double-fault table when an exception arrives while delivering another. */
static void exc_escalate(CPUState *cpu)
{
    int first = cpu->delivering, second = cpu->exc_vector;

    if (first < 0 || cpu->exc_kind == EXC_KIND_EXTERNAL) {
        return;
    }
    if (first == EXC_DF) {
        cpu->triple_fault = true;
        return;
    }
    if ((exc_contributory(first) && exc_contributory(second)) ||
        (first == EXC_PF && (second == EXC_PF || exc_contributory(second)))) {
        cpu->exc_vector = EXC_DF;
        cpu->exc_has_error = true;
        cpu->exc_error = 0;
        cpu->exc_kind = EXC_KIND_FAULT;
    }
}

static G_NORETURN void exc_unwind(CPUState *cpu, int vector, ExcKind kind, bool has_error,
                                  uint32_t error_code)
{
    cpu->exc_pending = true;
    cpu->exc_vector = (uint8_t)vector;
    cpu->exc_kind = (uint8_t)kind;
    cpu->exc_has_error = has_error;
    cpu->exc_error = error_code;
    exc_escalate(cpu);
    longjmp(cpu->jmp_env, 1);
}

G_NORETURN void cpu_raise(CPUState *cpu, int vector)
{
    exc_unwind(cpu, vector, EXC_KIND_FAULT, false, 0);
}

G_NORETURN void cpu_raise_err(CPUState *cpu, int vector, uint32_t error_code)
{
    exc_unwind(cpu, vector, EXC_KIND_FAULT, true, error_code);
}

G_NORETURN void cpu_raise_pf(CPUState *cpu, const MmuFault *fault)
{
    cpu->cr[2] = fault->addr;
    exc_unwind(cpu, EXC_PF, EXC_KIND_FAULT, true, fault->error_code);
}

G_NORETURN void cpu_raise_soft(CPUState *cpu, int vector, uint32_t insn_eip, uint32_t next_eip,
                               bool int_n)
{
    cpu->eip = next_eip;
    cpu->exc_insn_eip = insn_eip;
    cpu->exc_int_n = int_n;
    exc_unwind(cpu, vector, EXC_KIND_SOFT, false, 0);
}

G_NORETURN void cpu_raise_trap(CPUState *cpu, int vector)
{
    exc_unwind(cpu, vector, EXC_KIND_TRAP, false, 0);
}

G_NORETURN void cpu_restart_insn(CPUState *cpu)
{
    cpu->exc_pending = false;
    cpu->exc_kind = EXC_KIND_RESTART;
    longjmp(cpu->jmp_env, 1);
}

/* Real mode: push FLAGS, CS, IP (RET) and jump through the IVT entry. */
static void deliver_real(CPUState *cpu, int vector, uint32_t ret)
{
    uint32_t entry = (uint32_t)vector * 4;
    uint16_t off, sel;

    if (entry + 3 > cpu->idtr.limit) {
        cpu_raise_err(cpu, EXC_GP, entry * 2 + 2);
    }
    off = (uint16_t)cpu_ld_sys(cpu, cpu->idtr.base + entry, 2);
    sel = (uint16_t)cpu_ld_sys(cpu, cpu->idtr.base + entry + 2, 2);
    /* Write all three words before SP changes, so a stack fault leaves SP as it was. */
    uint64_t m = cpu_sp_mask(cpu), sp = cpu->regs[R_ESP];
    cpu_st(cpu, SEG_SS, (sp - 2) & m, cpu_get_eflags(cpu), 2);
    cpu_st(cpu, SEG_SS, (sp - 4) & m, cpu->seg[SEG_CS].sel, 2);
    cpu_st(cpu, SEG_SS, (sp - 6) & m, ret, 2);
    cpu_set_sp(cpu, sp - 6);
    cpu->eflags &= ~(FL_IF | FL_TF | FL_AC | FL_RF);
    cpu_load_seg_real(cpu, SEG_CS, sel);
    cpu->eip = off;
}

void cpu_deliver_pending(CPUState *cpu)
{
    int vector = cpu->exc_vector;
    ExcKind kind = cpu->exc_kind;
    bool has_error = cpu->exc_has_error;
    uint32_t error = cpu->exc_error;

    cpu->exc_pending = false;
    cpu->halted = false;
    if (kind == EXC_KIND_EXTERNAL) {
        cpu->stats.interrupts++;
    } else {
        cpu->stats.exceptions++;
    }
    log_trace(cpu->log, LOG_INT, "%s 0x%02x err=%s0x%x at %04x:%08" G_GINT64_MODIFIER "x\n",
              kind == EXC_KIND_EXTERNAL ? "irq" : kind == EXC_KIND_SOFT ? "int" : "exc",
              vector, has_error ? "" : "-", error, cpu->seg[SEG_CS].sel, cpu->eip);
    /*
     * Only exceptions count as the first event of a double fault (SDM table 6-5): a fault
     * while delivering an interrupt or INT n is simply delivered next.
     */
    cpu->delivering = (kind == EXC_KIND_SOFT || kind == EXC_KIND_EXTERNAL) ? -1 : vector;
    if (!cpu_pe(cpu)) {
        uint32_t ret = (uint32_t)cpu->eip;
        if (kind == EXC_KIND_SOFT) {
            cpu->eip = cpu->exc_insn_eip;  /* a fault from here on points at the INT */
        }
        deliver_real(cpu, vector, ret);
    } else {
        cpu_deliver_protected(cpu, vector, kind, has_error, error);
    }
    cpu->delivering = -1;
}
