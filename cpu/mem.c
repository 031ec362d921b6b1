/*
 * Slow paths of the CPU's memory accessors: segment violations, TLB misses, page faults
 * and supervisor accesses to system structures.
 */
#include "cpu/mem.h"

#include "cpu/debug.h"

G_NORETURN void cpu_seg_violation(CPUState *cpu, int seg)
{
    /* Any access outside the window: #SS(0) through SS, #GP(0) otherwise (SDM 5.3). */
    cpu_raise_err(cpu, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

uint64_t cpu_ld_slow(CPUState *cpu, uint64_t lin, unsigned size, int idx, MmuAccess acc)
{
    MmuRegs r;
    MmuFault f;
    uint64_t v;

    if (unlikely(cpu->mem_checks)) {
        cpu_mem_checks(cpu, lin, size, acc);
    }
    cpu_mmu_regs(cpu, &r);
    if (!mmu_read(&cpu->tlb, &r, lin, size, idx, acc, &v, &f)) {
        cpu_raise_pf(cpu, &f);
    }
    return v;
}

void cpu_st_slow(CPUState *cpu, uint64_t lin, uint64_t val, unsigned size, int idx)
{
    MmuRegs r;
    MmuFault f;

    if (unlikely(cpu->mem_checks)) {
        cpu_mem_checks(cpu, lin, size, ACC_WRITE);
    }
    cpu_mmu_regs(cpu, &r);
    /* A store into the running block restarts its instruction from the code-write hook. */
    cpu->storing = true;
    bool ok = mmu_write(&cpu->tlb, &r, lin, size, idx, val, &f);
    cpu->storing = false;
    if (!ok) {
        cpu_raise_pf(cpu, &f);
    }
}

uint64_t cpu_ld_sys(CPUState *cpu, uint64_t lin, unsigned size)
{
    lin &= 0xffffffffu;
    uint8_t *p = tlb_lookup(&cpu->tlb, MMU_IDX_SUPER, ACC_READ, lin, size);
    if (p) {
        return ldn_le(p, size);
    }
    return cpu_ld_slow(cpu, lin, size, MMU_IDX_SUPER, ACC_READ);
}

void cpu_st_sys(CPUState *cpu, uint64_t lin, uint64_t val, unsigned size)
{
    lin &= 0xffffffffu;
    uint8_t *p = tlb_lookup(&cpu->tlb, MMU_IDX_SUPER, ACC_WRITE, lin, size);
    if (p) {
        stn_le(p, val, size);
        return;
    }
    cpu_st_slow(cpu, lin, val, size, MMU_IDX_SUPER);
}
