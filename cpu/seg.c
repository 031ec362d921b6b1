/*
 * Segment-register loads (Intel SDM vol. 3A, 3.4-3.5, 5.4-5.6; vol. 2 MOV, POP, LDS):
 * real and v8086 mode set base = selector << 4; protected mode checks the selector
 * against its descriptor (null rules, table limit, type, privilege, presence) and raises
 * #GP, #NP or #SS with the selector's error code before anything changes.
 */
#include "cpu/seg.h"

#include "cpu/desc.h"
#include "cpu/exception.h"
#include "cpu/mem.h"

void seg_from_descriptor(SegCache *s, uint16_t sel, uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
    s->sel = sel;
    s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    s->attr = (uint16_t)((hi >> 8) & 0xf0ff);
    s->limit = (s->attr & DESC_G) ? (limit << 12) | 0xfff : limit;
    seg_update_windows(s, true);
}

void seg_check_data(CPUState *cpu, uint16_t sel, unsigned cpl, int vector, uint32_t ext,
                    Desc *d)
{
    unsigned rpl = sel & SEL_RPL;

    desc_load(cpu, sel, d, vector, ext);
    if (desc_is_system(d) || (desc_is_code(d) && !(d->attr & DESC_R))) {
        desc_fault(cpu, vector, sel, ext);
    }
    if (!desc_is_conforming(d) && (rpl > desc_dpl(d) || cpl > desc_dpl(d))) {
        desc_fault(cpu, vector, sel, ext);
    }
    if (!desc_present(d)) {
        desc_fault(cpu, EXC_NP, sel, ext);
    }
}

void seg_check_stack(CPUState *cpu, uint16_t sel, unsigned cpl, int vector, uint32_t ext,
                     Desc *d)
{
    if (sel_is_null(sel)) {
        cpu_raise_err(cpu, vector, ext);
    }
    desc_load(cpu, sel, d, vector, ext);
    if ((sel & SEL_RPL) != cpl || !desc_is_data(d) || !(d->attr & DESC_W) ||
        desc_dpl(d) != cpl) {
        desc_fault(cpu, vector, sel, ext);
    }
    if (!desc_present(d)) {
        desc_fault(cpu, EXC_SS, sel, ext);
    }
}

void seg_commit(CPUState *cpu, int seg, uint16_t sel, Desc *d)
{
    desc_set_accessed(cpu, d);
    desc_to_cache(d, sel, &cpu->seg[seg]);
}

void seg_load_null(CPUState *cpu, int seg, uint16_t sel)
{
    SegCache *s = &cpu->seg[seg];
    *s = (SegCache){ .sel = sel };
    seg_update_windows(s, true);
}

void seg_null_inaccessible(CPUState *cpu)
{
    static const int data_segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };

    for (unsigned i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        const SegCache *s = &cpu->seg[data_segs[i]];
        bool conforming = (s->attr & DESC_CODE) && (s->attr & DESC_C);
        unsigned dpl = (s->attr & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
        if ((s->attr & DESC_S) && !conforming && dpl < cpu->cpl) {
            seg_load_null(cpu, data_segs[i], 0);
        }
    }
}

void cpu_load_seg(CPUState *cpu, int seg, uint16_t sel)
{
    Desc d;

    if (!cpu_pe(cpu) || cpu_v86(cpu)) {
        cpu_load_seg_real(cpu, seg, sel);
        return;
    }
    if (seg == SEG_SS) {
        seg_check_stack(cpu, sel, cpu->cpl, EXC_GP, 0, &d);
    } else if (sel_is_null(sel)) {
        seg_load_null(cpu, seg, sel);
        return;
    } else {
        seg_check_data(cpu, sel, cpu->cpl, EXC_GP, 0, &d);
    }
    seg_commit(cpu, seg, sel, &d);
}
