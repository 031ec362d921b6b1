/*
 * The CPU's memory accessors: segmentation (limit and type checks through the windows of
 * SegCache, Intel SDM vol. 3A, 5.3-5.4) in front of the soft TLB's fast path, with the
 * slow paths that raise #GP/#SS/#PF. Semantics code reaches guest memory only through
 * these. Offsets are already truncated to the address size by the caller.
 */
#ifndef WIRT_CPU_MEM_H
#define WIRT_CPU_MEM_H

#include "base/bytes.h"
#include "cpu/cpu.h"
#include "cpu/exception.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

G_NORETURN void cpu_seg_violation(CPUState *cpu, int seg);
uint64_t cpu_ld_slow(CPUState *cpu, uint64_t lin, unsigned size, int idx, MmuAccess acc);
void cpu_st_slow(CPUState *cpu, uint64_t lin, uint64_t val, unsigned size, int idx);

/* Linear address of SIZE bytes at OFF in SEG, checked for a read (or a write). */
static inline uint64_t cpu_lin(CPUState *cpu, int seg, uint64_t off, unsigned size, bool write)
{
    const SegCache *s = &cpu->seg[seg];
    uint64_t lo = write ? s->wr_lo : s->rd_lo, hi = write ? s->wr_hi : s->rd_hi;
    if (unlikely(off < lo || off + size - 1 > hi)) {
        cpu_seg_violation(cpu, seg);
    }
    return (s->base + off) & 0xffffffffu;
}

/* Accesses by linear address at the current privilege. */
static inline uint64_t cpu_ld_lin(CPUState *cpu, uint64_t lin, unsigned size)
{
    uint8_t *p = tlb_lookup(&cpu->tlb, cpu->fast_idx, ACC_READ, lin, size);
    if (likely(p)) {
        return ldn_le(p, size);
    }
    return cpu_ld_slow(cpu, lin, size, cpu->mmu_idx, ACC_READ);
}

static inline void cpu_st_lin(CPUState *cpu, uint64_t lin, uint64_t val, unsigned size)
{
    uint8_t *p = tlb_lookup(&cpu->tlb, cpu->fast_idx, ACC_WRITE, lin, size);
    if (likely(p)) {
        stn_le(p, val, size);
        return;
    }
    cpu_st_slow(cpu, lin, val, size, cpu->mmu_idx);
}

/* Checks that SIZE bytes at LIN may be written, faulting now if not (read-modify-write). */
static inline void cpu_probe_write_lin(CPUState *cpu, uint64_t lin, unsigned size)
{
    if (!tlb_lookup(&cpu->tlb, cpu->fast_idx, ACC_WRITE, lin, size)) {
        MmuRegs r;
        MmuFault f;
        uint64_t phys;
        cpu_mmu_regs(cpu, &r);
        if (!mmu_translate(&cpu->tlb, &r, lin, cpu->mmu_idx, ACC_WRITE, &phys, &f) ||
            ((lin & (PAGE_SIZE - 1)) + size > PAGE_SIZE &&
             !mmu_translate(&cpu->tlb, &r, lin + size - 1, cpu->mmu_idx, ACC_WRITE, &phys, &f))) {
            cpu_raise_pf(cpu, &f);
        }
    }
}

/* Segmented accesses. */
static inline uint64_t cpu_ld(CPUState *cpu, int seg, uint64_t off, unsigned size)
{
    return cpu_ld_lin(cpu, cpu_lin(cpu, seg, off, size, false), size);
}

static inline void cpu_st(CPUState *cpu, int seg, uint64_t off, uint64_t val, unsigned size)
{
    cpu_st_lin(cpu, cpu_lin(cpu, seg, off, size, true), val, size);
}

/* The read half of a read-modify-write: checks writability first, so a fault reports W. */
static inline uint64_t cpu_ld_rmw(CPUState *cpu, int seg, uint64_t off, unsigned size)
{
    uint64_t lin = cpu_lin(cpu, seg, off, size, true);
    uint8_t *p = tlb_lookup(&cpu->tlb, cpu->fast_idx, ACC_WRITE, lin, size);
    if (likely(p)) {
        return ldn_le(p, size);
    }
    cpu_probe_write_lin(cpu, lin, size);
    return cpu_ld_slow(cpu, lin, size, cpu->mmu_idx, ACC_READ);
}

/* Supervisor accesses to system structures (GDT, LDT, IDT, TSS) by linear address. */
uint64_t cpu_ld_sys(CPUState *cpu, uint64_t lin, unsigned size);
void cpu_st_sys(CPUState *cpu, uint64_t lin, uint64_t val, unsigned size);

/* The stack: SP or ESP by SS's B bit. */
static inline uint64_t cpu_sp_mask(const CPUState *cpu)
{
    return cpu_stack32(cpu) ? 0xffffffffu : 0xffffu;
}

static inline void cpu_set_sp(CPUState *cpu, uint64_t sp)
{
    uint64_t m = cpu_sp_mask(cpu);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (sp & m);
}

/* Pushes SIZE bytes; ESP changes only once the write succeeded. */
static inline void cpu_push(CPUState *cpu, uint64_t val, unsigned size)
{
    uint64_t sp = (cpu->regs[R_ESP] - size) & cpu_sp_mask(cpu);
    cpu_st(cpu, SEG_SS, sp, val, size);
    cpu_set_sp(cpu, sp);
}

static inline uint64_t cpu_pop(CPUState *cpu, unsigned size)
{
    uint64_t sp = cpu->regs[R_ESP] & cpu_sp_mask(cpu);
    uint64_t v = cpu_ld(cpu, SEG_SS, sp, size);
    cpu_set_sp(cpu, sp + size);
    return v;
}

/* Reads the value SIZE bytes at stack slot N (0 = top) without popping. */
static inline uint64_t cpu_stack_peek(CPUState *cpu, unsigned offset, unsigned size)
{
    uint64_t sp = (cpu->regs[R_ESP] + offset) & cpu_sp_mask(cpu);
    return cpu_ld(cpu, SEG_SS, sp, size);
}

#endif
