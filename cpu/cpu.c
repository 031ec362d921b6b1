/*
 * CPU lifetime and basic state: power-on/reset values (Intel SDM vol. 3A, 9.1.1, table
 * 9-1), EFLAGS access, and the segment access windows used by the memory fast path.
 */
#include "cpu/cpu.h"

#include <string.h>

#include "cpu/debug.h"
#include "cpu/flags.h"
#include "cpu/x87.h"

/* EFLAGS bits that exist on a P6-class CPU; the rest read as 0 (bit 1 reads as 1). */
#define FL_DEFINED 0x003f7fd5u

uint32_t cpu_get_eflags(CPUState *cpu)
{
    return (cpu->eflags & ~FL_ARITH) | cc_compute(cpu);
}

void cpu_set_eflags(CPUState *cpu, uint32_t value)
{
    uint32_t old = cpu->eflags;
    cpu->eflags = (value & FL_DEFINED) | FL_FIXED1;
    cpu->cc_op = CC_EFLAGS;
    if ((old ^ cpu->eflags) & FL_AC) {
        cpu_update_debug(cpu);
    }
}

void cpu_flags_materialize(CPUState *cpu)
{
    cpu->eflags = cpu_get_eflags(cpu);
    cpu->cc_op = CC_EFLAGS;
}

void seg_update_windows(SegCache *s, bool protected_mode)
{
    uint32_t top = (s->attr & DESC_DB) ? 0xffffffffu : 0xffffu;
    bool expand_down = !(s->attr & DESC_CODE) && (s->attr & DESC_E) && (s->attr & DESC_S);
    uint32_t lo = 0, hi = s->limit;

    if (expand_down) {
        lo = s->limit + 1;
        hi = top;
    }
    s->rd_lo = s->wr_lo = lo;
    s->rd_hi = s->wr_hi = hi;
    if (!protected_mode) {
        return;  /* real and v8086 mode check only the limit */
    }
    if (!(s->attr & DESC_P) || !(s->attr & DESC_S)) {
        s->rd_lo = s->wr_lo = 1;  /* unusable (null) or a system segment: always fault */
        s->rd_hi = s->wr_hi = 0;
        return;
    }
    if ((s->attr & DESC_CODE) && !(s->attr & DESC_R)) {
        s->rd_lo = 1;
        s->rd_hi = 0;
    }
    if ((s->attr & DESC_CODE) || !(s->attr & DESC_W)) {
        s->wr_lo = 1;
        s->wr_hi = 0;
    }
}

void cpu_load_seg_real(CPUState *cpu, int seg, uint16_t sel)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    if (cpu_v86(cpu)) {
        /* v8086 mode reloads the whole cache: 64 KiB, writable, DPL 3 (SDM 20.2.1). */
        s->limit = 0xffff;
        s->attr = DESC_P | DESC_S | DESC_W | DESC_A | (3u << DESC_DPL_SHIFT) |
                  (seg == SEG_CS ? DESC_CODE | DESC_R : 0);
    }
    seg_update_windows(s, false);
}

static void seg_reset(SegCache *s, uint16_t sel, uint64_t base, uint16_t attr)
{
    *s = (SegCache){ .sel = sel, .base = base, .limit = 0xffff, .attr = attr };
    seg_update_windows(s, false);
}

void cpu_reset(CPUState *cpu)
{
    const uint16_t data = DESC_P | DESC_S | DESC_W | DESC_A;

    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EDX] = CPU_RESET_SIGNATURE;
    cpu->eip = 0xfff0;
    cpu_set_eflags(cpu, 0);
    cpu->cc_src1 = cpu->cc_src2 = cpu->cc_res = 0;
    cpu->cc_cin = 0;
    for (int i = 0; i < SEG_COUNT; i++) {
        seg_reset(&cpu->seg[i], 0, 0, data);
    }
    seg_reset(&cpu->seg[SEG_CS], 0xf000, 0xffff0000u, DESC_P | DESC_S | DESC_CODE | DESC_R |
              DESC_A);
    cpu->seg[SEG_LDTR].attr = DESC_P | 0x2;     /* LDT */
    cpu->seg[SEG_TR].attr = DESC_P | 0xb;       /* busy 32-bit TSS */
    cpu->gdtr = cpu->idtr = (DescTable){ .base = 0, .limit = 0xffff };
    memset(cpu->cr, 0, sizeof(cpu->cr));
    cpu->cr[0] = CR0_ET | CR0_CD | CR0_NW;
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = 0xffff0ff0u;
    cpu->dr[7] = 0x400;
    cpu->efer = 0;
    cpu->tsc_offset = 0;
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    cpu->apic_base = 0xfee00900u;  /* enabled, BSP */
    cpu->pat = 0x0007040600070406ull;
    cpu->mtrr_def_type = 0;
    memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
    memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
    x87_power_on(&cpu->fpu);
    cpu->cpl = 0;
    cpu->mmu_idx = MMU_IDX_SUPER;
    cpu->halted = false;
    cpu->irq_inhibit = false;
    cpu->nmi_pending = false;
    cpu->exit_request = false;
    cpu->triple_fault = false;
    cpu->exc_pending = false;
    cpu->delivering = -1;
    cpu->db_pending = 0;
    cpu_update_debug(cpu);
    tlb_flush_all(&cpu->tlb);
    cpu_tb_flush_jmp_cache(cpu);
}

void cpu_tb_flush_jmp_cache(CPUState *cpu)
{
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

static void cpu_tlb_protect_dirty(void *opaque, uint64_t phys, uint64_t len)
{
    tlb_protect_dirty(opaque, phys, len);
}

void cpu_init(CPUState *cpu, PhysMem *pm, IoSpace *io, Log *log, const CpuHooks *hooks)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->pm = pm;
    cpu->io = io;
    cpu->log = log;
    if (hooks) {
        cpu->hooks = *hooks;
    }
    tlb_init(&cpu->tlb, pm);
    /* Pages a dirty-logging client cleared must send this TLB's writes to the slow path. */
    pm->dirty_cleared = cpu_tlb_protect_dirty;
    pm->dirty_cleared_opaque = &cpu->tlb;
    cpu_reset(cpu);
}

void cpu_set_cpl(CPUState *cpu, unsigned cpl)
{
    cpu->cpl = cpl;
    cpu->mmu_idx = cpl == 3 ? MMU_IDX_USER : MMU_IDX_SUPER;
    cpu_update_debug(cpu);
}
