/*
 * Debug-register breakpoints and #AC alignment checking (Intel SDM vol. 3A, 17.2.4-17.2.5
 * DR7 fields, 17.3.1 debug exception conditions; 6.15 interrupt 17).
 */
#include "cpu/debug.h"

#include "cpu/exception.h"

enum { BP_EXEC = 0, BP_WRITE = 1, BP_IO = 2, BP_RW = 3 };

static bool bp_enabled(const CPUState *cpu, int i)
{
    return (cpu->dr[7] >> (2 * i)) & 3;
}

static unsigned bp_rw(const CPUState *cpu, int i)
{
    return (cpu->dr[7] >> (16 + 4 * i)) & 3;
}

/* LEN field: 1, 2, 8 (undefined before long mode: treated as 8) or 4 bytes. */
static unsigned bp_len(const CPUState *cpu, int i)
{
    static const unsigned len[4] = { 1, 2, 8, 4 };
    return len[(cpu->dr[7] >> (18 + 4 * i)) & 3];
}

void cpu_update_debug(CPUState *cpu)
{
    cpu->dbg_exec = cpu->dbg_data = false;
    for (int i = 0; i < 4; i++) {
        if (!bp_enabled(cpu, i)) {
            continue;
        }
        if (bp_rw(cpu, i) == BP_EXEC) {
            cpu->dbg_exec = true;
        } else if (bp_rw(cpu, i) != BP_IO) {
            cpu->dbg_data = true;
        }
    }
    cpu->ac_check = (cpu->cr[0] & CR0_AM) && (cpu->eflags & FL_AC) && cpu->cpl == 3;
    cpu->mem_checks = cpu->ac_check || cpu->dbg_data;
    cpu->fast_idx = cpu->mem_checks ? MMU_IDX_NOFILL : cpu->mmu_idx;
}

void cpu_mem_checks(CPUState *cpu, uint64_t lin, unsigned size, MmuAccess acc)
{
    if (cpu->ac_check && (lin & (size - 1))) {
        cpu_raise_err(cpu, EXC_AC, 0);
    }
    if (!cpu->dbg_data) {
        return;
    }
    for (int i = 0; i < 4; i++) {
        unsigned rw = bp_rw(cpu, i);
        if (!bp_enabled(cpu, i) || rw == BP_EXEC || rw == BP_IO ||
            (rw == BP_WRITE && acc != ACC_WRITE)) {
            continue;
        }
        uint64_t len = bp_len(cpu, i), addr = cpu->dr[i] & ~(len - 1);
        if (lin < addr + len && addr < lin + size) {
            cpu->db_pending |= 1u << i;
        }
    }
}

uint32_t cpu_exec_breakpoints(const CPUState *cpu, uint64_t lin)
{
    uint32_t hit = 0;
    for (int i = 0; i < 4; i++) {
        if (bp_enabled(cpu, i) && bp_rw(cpu, i) == BP_EXEC && (cpu->dr[i] & 0xffffffffu) == lin) {
            hit |= 1u << i;
        }
    }
    return hit;
}
