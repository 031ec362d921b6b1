/*
 * Descriptor-table access for protected mode: reading GDT and LDT entries with the
 * table-limit check, the accessed and busy bits, and stack accesses through a segment
 * cache that is not loaded yet (Intel SDM vol. 3A, 3.4.2, 3.5.1, 5.3, 6.12.1, 7.2.2).
 */
#include "cpu/desc.h"

#include "cpu/exception.h"
#include "cpu/mem.h"
#include "cpu/seg.h"

G_NORETURN void desc_fault(CPUState *cpu, int vector, uint16_t sel, uint32_t ext)
{
    cpu_raise_err(cpu, vector, sel_error(sel, ext));
}

bool desc_read(CPUState *cpu, uint16_t sel, Desc *d)
{
    const SegCache *ldt = &cpu->seg[SEG_LDTR];
    uint64_t base = cpu->gdtr.base;
    uint32_t limit = cpu->gdtr.limit, index = sel & ~7u;

    if (sel & SEL_TI) {
        if (sel_is_null(ldt->sel) || !(ldt->attr & DESC_P)) {
            return false;
        }
        base = ldt->base;
        limit = ldt->limit;
    }
    if (index + 7 > limit) {
        return false;
    }
    d->lin = (base + index) & 0xffffffffu;
    d->lo = (uint32_t)cpu_ld_sys(cpu, d->lin, 4);
    d->hi = (uint32_t)cpu_ld_sys(cpu, d->lin + 4, 4);
    d->attr = (uint16_t)((d->hi >> 8) & 0xf0ff);
    return true;
}

void desc_load(CPUState *cpu, uint16_t sel, Desc *d, int vector, uint32_t ext)
{
    if (!desc_read(cpu, sel, d)) {
        desc_fault(cpu, vector, sel, ext);
    }
}

void desc_load_gdt(CPUState *cpu, uint16_t sel, Desc *d, int vector, uint32_t ext)
{
    if (sel & SEL_TI) {
        desc_fault(cpu, vector, sel, ext);
    }
    desc_load(cpu, sel, d, vector, ext);
}

void desc_set_accessed(CPUState *cpu, Desc *d)
{
    if (!(d->attr & DESC_A)) {
        d->hi |= 1u << 8;
        d->attr |= DESC_A;
        cpu_st_sys(cpu, d->lin + 5, (d->hi >> 8) & 0xff, 1);
    }
}

void desc_set_busy(CPUState *cpu, Desc *d, bool busy)
{
    uint32_t bit = DESC_T_BUSY << 8;
    d->hi = busy ? d->hi | bit : d->hi & ~bit;
    d->attr = (uint16_t)((d->hi >> 8) & 0xf0ff);
    cpu_st_sys(cpu, d->lin + 5, (d->hi >> 8) & 0xff, 1);
}

void desc_to_cache(const Desc *d, uint16_t sel, SegCache *s)
{
    seg_from_descriptor(s, sel, d->lo, d->hi);
}

/* ---- stacks through a segment cache ---- */

void stk_current(CPUState *cpu, StackPtr *st)
{
    st->ss = cpu->seg[SEG_SS];
    st->sp = (uint32_t)cpu->regs[R_ESP] & stk_mask(st);
    st->mmu_idx = cpu->mmu_idx;
}

void stk_from_desc(StackPtr *st, const Desc *d, uint16_t sel, uint32_t sp)
{
    desc_to_cache(d, sel, &st->ss);
    st->ss.attr |= DESC_A;
    st->sp = sp & stk_mask(st);
    st->mmu_idx = desc_dpl(d) == 3 ? MMU_IDX_USER : MMU_IDX_SUPER;
}

static bool stk_in_window(uint64_t off, uint32_t n, uint32_t lo, uint32_t hi)
{
    return off >= lo && off + n - 1 <= hi;
}

void stk_need_push(CPUState *cpu, const StackPtr *st, uint32_t n, int vector, uint32_t err)
{
    uint32_t lo = (st->sp - n) & stk_mask(st);
    if (!stk_in_window(lo, n, st->ss.wr_lo, st->ss.wr_hi)) {
        cpu_raise_err(cpu, vector, err);
    }
}

void stk_need_pop(CPUState *cpu, const StackPtr *st, uint32_t n, int vector, uint32_t err)
{
    if (!stk_in_window(st->sp, n, st->ss.rd_lo, st->ss.rd_hi)) {
        cpu_raise_err(cpu, vector, err);
    }
}

void stk_push(CPUState *cpu, StackPtr *st, uint32_t val, unsigned size)
{
    uint32_t sp = (st->sp - size) & stk_mask(st);
    uint64_t lin = (st->ss.base + sp) & 0xffffffffu;
    uint8_t *p;

    if (!stk_in_window(sp, size, st->ss.wr_lo, st->ss.wr_hi)) {
        cpu_raise_err(cpu, EXC_SS, 0);
    }
    p = tlb_lookup(&cpu->tlb, st->mmu_idx, ACC_WRITE, lin, size);
    if (p) {
        stn_le(p, val, size);
    } else {
        cpu_st_slow(cpu, lin, val, size, st->mmu_idx);
    }
    st->sp = sp;
}

uint32_t stk_pop(CPUState *cpu, StackPtr *st, unsigned size)
{
    uint64_t lin = (st->ss.base + st->sp) & 0xffffffffu;
    uint8_t *p;
    uint32_t v;

    if (!stk_in_window(st->sp, size, st->ss.rd_lo, st->ss.rd_hi)) {
        cpu_raise_err(cpu, EXC_SS, 0);
    }
    p = tlb_lookup(&cpu->tlb, st->mmu_idx, ACC_READ, lin, size);
    v = (uint32_t)(p ? ldn_le(p, size) : cpu_ld_slow(cpu, lin, size, st->mmu_idx, ACC_READ));
    st->sp = (st->sp + size) & stk_mask(st);
    return v;
}

void stk_commit_sp(CPUState *cpu, const StackPtr *st)
{
    uint64_t m = stk_mask(st);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | st->sp;
}

/* ---- LLDT, LTR, VERR, VERW, LAR, LSL ---- */

void desc_lldt(CPUState *cpu, uint16_t sel)
{
    Desc d;

    if (sel_is_null(sel)) {
        seg_load_null(cpu, SEG_LDTR, sel);
        return;
    }
    desc_load_gdt(cpu, sel, &d, EXC_GP, 0);
    if (!desc_is_system(&d) || desc_type(&d) != DESC_T_LDT) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(&d)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
    desc_to_cache(&d, sel, &cpu->seg[SEG_LDTR]);
}

void desc_ltr(CPUState *cpu, uint16_t sel)
{
    Desc d;

    if (sel_is_null(sel)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    desc_load_gdt(cpu, sel, &d, EXC_GP, 0);
    if (!desc_is_tss(&d) || (desc_type(&d) & DESC_T_BUSY)) {
        desc_fault(cpu, EXC_GP, sel, 0);
    }
    if (!desc_present(&d)) {
        desc_fault(cpu, EXC_NP, sel, 0);
    }
    desc_set_busy(cpu, &d, true);
    desc_to_cache(&d, sel, &cpu->seg[SEG_TR]);
}

/* Reads SEL for VERR/VERW/LAR/LSL: false for null or beyond the table, no fault. */
static bool desc_probe(CPUState *cpu, uint16_t sel, Desc *d)
{
    return !sel_is_null(sel) && desc_read(cpu, sel, d);
}

/* The privilege rule these instructions share: conforming code is always visible. */
static bool desc_visible(const CPUState *cpu, uint16_t sel, const Desc *d)
{
    return desc_is_conforming(d) ||
           (desc_dpl(d) >= cpu->cpl && desc_dpl(d) >= (sel & SEL_RPL));
}

bool desc_verify(CPUState *cpu, uint16_t sel, bool write)
{
    Desc d;

    if (!desc_probe(cpu, sel, &d) || desc_is_system(&d) || !desc_visible(cpu, sel, &d)) {
        return false;
    }
    if (write) {
        return desc_is_data(&d) && (d.attr & DESC_W);
    }
    return desc_is_data(&d) || (d.attr & DESC_R);
}

/* System types LAR accepts (TSS, LDT, call and task gates), and LSL (TSS, LDT). */
static const uint16_t lar_system_types = 1u << DESC_T_TSS16 | 1u << DESC_T_LDT |
    1u << DESC_T_TSS16_BUSY | 1u << DESC_T_CALL16 | 1u << DESC_T_TASK | 1u << DESC_T_TSS32 |
    1u << DESC_T_TSS32_BUSY | 1u << DESC_T_CALL32;
static const uint16_t lsl_system_types = 1u << DESC_T_TSS16 | 1u << DESC_T_LDT |
    1u << DESC_T_TSS16_BUSY | 1u << DESC_T_TSS32 | 1u << DESC_T_TSS32_BUSY;

static bool desc_probe_typed(CPUState *cpu, uint16_t sel, uint16_t system_types, Desc *d)
{
    if (!desc_probe(cpu, sel, d) || !desc_visible(cpu, sel, d)) {
        return false;
    }
    return !desc_is_system(d) || (system_types >> desc_type(d) & 1);
}

bool desc_access_rights(CPUState *cpu, uint16_t sel, uint32_t *rights)
{
    Desc d;

    if (!desc_probe_typed(cpu, sel, lar_system_types, &d)) {
        return false;
    }
    /* SDM: the high dword masked by 00FxFF00H, x undefined; the limit bits are kept. */
    *rights = d.hi & 0x00ffff00u;
    return true;
}

bool desc_segment_limit(CPUState *cpu, uint16_t sel, uint32_t *limit)
{
    Desc d;

    if (!desc_probe_typed(cpu, sel, lsl_system_types, &d)) {
        return false;
    }
    *limit = desc_limit(&d);
    return true;
}
