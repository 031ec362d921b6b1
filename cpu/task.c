/*
 * Hardware task switches (Intel SDM vol. 3A, 7.2-7.4): JMP or CALL to a TSS or task gate,
 * an interrupt through a task gate, IRET with NT. The order follows SDM 7.3: every check
 * and every access that can fault on the outgoing side (new TSS limit and contents, the
 * save into the old TSS, busy bits, the back link) comes before the commit point; after
 * it the new task's segments are checked and a fault is taken in the new task.
 */
#include "cpu/task.h"

#include "cpu/exception.h"
#include "cpu/mem.h"
#include "cpu/seg.h"

/* Where a TSS format keeps the state a switch saves and loads (SDM figures 7-2, 7-11). */
typedef struct TssLayout {
    unsigned width;       /* bytes per register field */
    uint32_t min_limit;   /* smallest valid TSS limit */
    unsigned eip, eflags, regs, segs, seg_stride, nsegs, ldt, cr3;
} TssLayout;

static const TssLayout tss16 = {
    .width = 2, .min_limit = 0x2b, .eip = 0x0e, .eflags = 0x10, .regs = 0x12,
    .segs = 0x22, .seg_stride = 2, .nsegs = 4, .ldt = 0x2a, .cr3 = 0,
};
static const TssLayout tss32 = {
    .width = 4, .min_limit = 0x67, .eip = 0x20, .eflags = 0x24, .regs = 0x28,
    .segs = 0x48, .seg_stride = 4, .nsegs = 6, .ldt = 0x60, .cr3 = 0x1c,
};

/* The state a TSS holds, in either format. Segments in encoding order ES CS SS DS FS GS. */
typedef struct TssImage {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[6];
    uint16_t ldt;
} TssImage;

static const TssLayout *tss_layout(uint16_t attr)
{
    return (attr & DESC_T_GATE32) ? &tss32 : &tss16;
}

static uint32_t tss_ld(CPUState *cpu, const SegCache *tss, unsigned off, unsigned size)
{
    return (uint32_t)cpu_ld_sys(cpu, tss->base + off, size);
}

static void tss_st(CPUState *cpu, const SegCache *tss, unsigned off, uint32_t v, unsigned size)
{
    cpu_st_sys(cpu, tss->base + off, v, size);
}

static void tss_read(CPUState *cpu, const SegCache *tss, const TssLayout *l, TssImage *img)
{
    *img = (TssImage){ 0 };
    img->cr3 = l->cr3 ? tss_ld(cpu, tss, l->cr3, 4) : 0;
    img->eip = tss_ld(cpu, tss, l->eip, l->width);
    img->eflags = tss_ld(cpu, tss, l->eflags, l->width);
    for (unsigned r = 0; r < 8; r++) {
        img->regs[r] = tss_ld(cpu, tss, l->regs + r * l->width, l->width);
    }
    for (unsigned s = 0; s < l->nsegs; s++) {
        img->segs[s] = (uint16_t)tss_ld(cpu, tss, l->segs + s * l->seg_stride, 2);
    }
    img->ldt = (uint16_t)tss_ld(cpu, tss, l->ldt, 2);
}

/* Saves the outgoing task: EIP, EFLAGS, general and segment registers (not CR3, LDTR). */
static void tss_save(CPUState *cpu, const SegCache *tss, const TssLayout *l, uint32_t eip,
                     uint32_t eflags)
{
    tss_st(cpu, tss, l->eip, eip, l->width);
    tss_st(cpu, tss, l->eflags, eflags, l->width);
    for (unsigned r = 0; r < 8; r++) {
        tss_st(cpu, tss, l->regs + r * l->width, (uint32_t)cpu->regs[r], l->width);
    }
    for (unsigned s = 0; s < l->nsegs; s++) {
        tss_st(cpu, tss, l->segs + s * l->seg_stride, cpu->seg[s].sel, 2);
    }
}

void task_check_available(CPUState *cpu, uint16_t sel, Desc *d, uint32_t ext)
{
    desc_load_gdt(cpu, sel, d, EXC_GP, ext);
    if (!desc_is_tss(d) || (desc_type(d) & DESC_T_BUSY)) {
        desc_fault(cpu, EXC_GP, sel, ext);
    }
    if (!desc_present(d)) {
        desc_fault(cpu, EXC_NP, sel, ext);
    }
}

void task_inner_stack(CPUState *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext)
{
    const SegCache *tr = &cpu->seg[SEG_TR];
    unsigned w = tss_layout(tr->attr)->width;
    uint32_t off = dpl * 2 * w + w;

    if (off + w + 1 > tr->limit) {
        desc_fault(cpu, EXC_TS, tr->sel, ext);
    }
    *esp = tss_ld(cpu, tr, off, w);
    *ss = (uint16_t)tss_ld(cpu, tr, off + w, 2);
}

/*
 * From here on the switch has happened: a fault is delivered in the new task, with its
 * EIP. The run loop rewinds EIP to the faulting op when cur_op is set, so clear it: the
 * switching instruction has retired.
 */
static void task_commit_point(CPUState *cpu)
{
    cpu->cur_op = NULL;
}

/* The LDT of the new task (SDM table 7-1): null leaves LDTR unusable, anything else #TS. */
static void task_load_ldt(CPUState *cpu, uint16_t sel, uint32_t ext)
{
    Desc d;

    if (sel_is_null(sel)) {
        seg_load_null(cpu, SEG_LDTR, sel);
        return;
    }
    desc_load_gdt(cpu, sel, &d, EXC_TS, ext);
    if (!desc_is_system(&d) || desc_type(&d) != DESC_T_LDT || !desc_present(&d)) {
        desc_fault(cpu, EXC_TS, sel, ext);
    }
    desc_to_cache(&d, sel, &cpu->seg[SEG_LDTR]);
}

static void task_load_cs(CPUState *cpu, uint16_t sel, uint32_t ext)
{
    unsigned rpl = sel & SEL_RPL;
    Desc d;

    if (sel_is_null(sel)) {
        desc_fault(cpu, EXC_TS, sel, ext);
    }
    desc_load(cpu, sel, &d, EXC_TS, ext);
    if (!desc_is_code(&d) || (desc_is_conforming(&d) ? desc_dpl(&d) > rpl
                                                     : desc_dpl(&d) != rpl)) {
        desc_fault(cpu, EXC_TS, sel, ext);
    }
    if (!desc_present(&d)) {
        desc_fault(cpu, EXC_NP, sel, ext);
    }
    seg_commit(cpu, SEG_CS, sel, &d);
}

/* Loads the new task's segment registers: selectors first, then each descriptor. */
static void task_load_segments(CPUState *cpu, const TssImage *img, const TssLayout *l,
                               uint32_t ext)
{
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
    bool v86 = cpu_v86(cpu);
    Desc d;

    for (unsigned s = 0; s < l->nsegs; s++) {
        if (v86) {
            cpu_load_seg_real(cpu, (int)s, img->segs[s]);
        } else {
            seg_load_null(cpu, (int)s, img->segs[s]);
        }
    }
    cpu_set_cpl(cpu, v86 ? 3 : img->segs[SEG_CS] & SEL_RPL);
    task_load_ldt(cpu, img->ldt, ext);
    if (v86) {
        return;
    }
    task_load_cs(cpu, img->segs[SEG_CS], ext);
    seg_check_stack(cpu, img->segs[SEG_SS], cpu->cpl, EXC_TS, ext, &d);
    seg_commit(cpu, SEG_SS, img->segs[SEG_SS], &d);
    for (unsigned i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        uint16_t sel = img->segs[data_segs[i]];
        if ((unsigned)data_segs[i] >= l->nsegs || sel_is_null(sel)) {
            continue;
        }
        seg_check_data(cpu, sel, cpu->cpl, EXC_TS, ext, &d);
        seg_commit(cpu, data_segs[i], sel, &d);
    }
}

/* Commits the new task's registers (SDM 7.3 steps 11-12). */
static void task_load_state(CPUState *cpu, const SegCache *ntss, const TssImage *img,
                            const TssLayout *l, TaskReason why)
{
    uint32_t eflags = img->eflags;

    cpu->seg[SEG_TR] = *ntss;
    cpu->cr[0] |= CR0_TS;
    if (l->cr3 && (cpu->cr[0] & CR0_PG)) {
        cpu->cr[3] = img->cr3;
        tlb_flush_nonglobal(&cpu->tlb);
        cpu_tb_flush_jmp_cache(cpu);
    }
    if (why == TASK_CALL || why == TASK_INT) {
        eflags |= FL_NT;
    }
    cpu_set_eflags(cpu, eflags);
    cpu->eip = img->eip;
    for (unsigned r = 0; r < 8; r++) {
        if (l->width == 4) {
            cpu->regs[r] = img->regs[r];
        } else {
            cpu->regs[r] = (cpu->regs[r] & ~0xffffull) | img->regs[r];
        }
    }
}

void task_switch(CPUState *cpu, uint16_t sel, Desc *d, TaskReason why, uint32_t ret_eip,
                 uint32_t ext)
{
    SegCache *otss = &cpu->seg[SEG_TR];
    const TssLayout *nl = tss_layout(d->attr), *ol = tss_layout(otss->attr);
    uint32_t eflags = cpu_get_eflags(cpu);
    SegCache ntss;
    TssImage img;
    Desc od;

    desc_to_cache(d, sel, &ntss);
    if (ntss.limit < nl->min_limit) {
        desc_fault(cpu, EXC_TS, sel, ext);
    }
    if (otss->limit < ol->min_limit) {
        desc_fault(cpu, EXC_TS, otss->sel, ext);
    }
    tss_read(cpu, &ntss, nl, &img);
    if (why == TASK_IRET) {
        eflags &= ~FL_NT;
    }
    tss_save(cpu, otss, ol, ret_eip, eflags);
    if ((why == TASK_JMP || why == TASK_IRET) && desc_read(cpu, otss->sel & ~SEL_TI, &od) &&
        desc_is_tss(&od)) {
        desc_set_busy(cpu, &od, false);
    }
    if (why == TASK_CALL || why == TASK_INT) {
        tss_st(cpu, &ntss, 0, otss->sel, 2);
    }
    if (why != TASK_IRET) {
        desc_set_busy(cpu, d, true);
    }
    desc_to_cache(d, sel, &ntss);

    task_commit_point(cpu);
    log_trace(cpu->log, LOG_INT, "task switch %04x -> %04x (%d)\n", otss->sel, sel, why);
    task_load_state(cpu, &ntss, &img, nl, why);
    task_load_segments(cpu, &img, nl, ext);
    if (cpu->eip > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, ext);
    }
}

void task_return(CPUState *cpu, uint32_t ret_eip)
{
    uint16_t link = (uint16_t)cpu_ld_sys(cpu, cpu->seg[SEG_TR].base, 2);
    Desc d;

    desc_load_gdt(cpu, link, &d, EXC_TS, 0);
    if (!desc_is_tss(&d) || !(desc_type(&d) & DESC_T_BUSY)) {
        desc_fault(cpu, EXC_TS, link, 0);
    }
    if (!desc_present(&d)) {
        desc_fault(cpu, EXC_NP, link, 0);
    }
    task_switch(cpu, link, &d, TASK_IRET, ret_eip, 0);
}
