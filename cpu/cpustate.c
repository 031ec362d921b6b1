/*
 * The CPU's state table (DESIGN.md rule 3): every architectural register of CPUState and
 * the execution state between two instructions (halt, interrupt shadow, pending NMI, a
 * raised exception not yet delivered), for snapshots and replay checkpoints. Registers:
 * Intel SDM vol. 1 ch. 3 and 8, vol. 3A ch. 2, 3 and 9 (9.1.1: the power-on values).
 * The emulator's plumbing (TLB, translated blocks, the block jump cache) is not saved; it
 * is rebuilt after a load.
 */
#include "cpu/cpustate.h"

#include "cpu/debug.h"

static const StateField float80_fields[] = {
    STATE_U64(Float80, mant),
    STATE_U16(Float80, se),
    STATE_END,
};
static const StateDesc float80_desc = {
    .name = "float80", .version = 1, .fields = float80_fields, .size = sizeof(Float80),
};

static const StateField fpu_fields[] = {
    STATE_STRUCT_ARRAY(FpuState, st, &float80_desc),
    STATE_U16(FpuState, fcw), STATE_U16(FpuState, fsw), STATE_U8(FpuState, top),
    STATE_U8(FpuState, ftw), STATE_U16(FpuState, fop), STATE_U16(FpuState, fcs),
    STATE_U16(FpuState, fds), STATE_U32(FpuState, fip), STATE_U32(FpuState, fdp),
    STATE_U32(FpuState, mxcsr),
    STATE_FIELD(FpuState, xmm, ST_U8, sizeof(((FpuState *)0)->xmm), NULL),
    STATE_END,
};
static const StateDesc fpu_desc = {
    .name = "fpu", .version = 1, .fields = fpu_fields, .size = sizeof(FpuState),
};

/* The hidden part too: the access windows depend on the mode a segment was loaded in. */
static const StateField seg_fields[] = {
    STATE_U16(SegCache, sel), STATE_U16(SegCache, attr), STATE_U64(SegCache, base),
    STATE_U32(SegCache, limit), STATE_U32(SegCache, rd_lo), STATE_U32(SegCache, rd_hi),
    STATE_U32(SegCache, wr_lo), STATE_U32(SegCache, wr_hi),
    STATE_END,
};
static const StateDesc seg_desc = {
    .name = "segment", .version = 1, .fields = seg_fields, .size = sizeof(SegCache),
};

static const StateField dtr_fields[] = {
    STATE_U64(DescTable, base), STATE_U32(DescTable, limit),
    STATE_END,
};
static const StateDesc dtr_desc = {
    .name = "dtr", .version = 1, .fields = dtr_fields, .size = sizeof(DescTable),
};

static const StateField cpu_fields[] = {
    STATE_U64_ARRAY(CPUState, regs), STATE_U64(CPUState, eip), STATE_U32(CPUState, eflags),
    STATE_U32(CPUState, cc_op), STATE_U64(CPUState, cc_res), STATE_U64(CPUState, cc_src1),
    STATE_U64(CPUState, cc_src2), STATE_U32(CPUState, cc_cin),
    STATE_STRUCT_ARRAY(CPUState, seg, &seg_desc),
    STATE_STRUCT(CPUState, gdtr, &dtr_desc), STATE_STRUCT(CPUState, idtr, &dtr_desc),
    STATE_U64_ARRAY(CPUState, cr), STATE_U64_ARRAY(CPUState, dr), STATE_U64(CPUState, efer),
    STATE_U64(CPUState, tsc_offset), STATE_U64(CPUState, sysenter_cs),
    STATE_U64(CPUState, sysenter_esp), STATE_U64(CPUState, sysenter_eip),
    STATE_U64(CPUState, apic_base), STATE_U64(CPUState, pat), STATE_U64(CPUState, mtrr_cap),
    STATE_U64(CPUState, mtrr_def_type), STATE_U64_ARRAY(CPUState, mtrr_fixed),
    STATE_U64_ARRAY(CPUState, mtrr_var), STATE_U64(CPUState, bios_sign_id),
    STATE_U64_ARRAY(CPUState, perfctr), STATE_U64_ARRAY(CPUState, evntsel),
    STATE_STRUCT(CPUState, fpu, &fpu_desc),
    /* Between instructions. */
    STATE_U32(CPUState, cpl), STATE_BOOL(CPUState, halted), STATE_BOOL(CPUState, irq_inhibit),
    STATE_BOOL(CPUState, irq_line), STATE_BOOL(CPUState, nmi_pending),
    STATE_BOOL(CPUState, triple_fault), STATE_BOOL(CPUState, exc_pending),
    STATE_U8(CPUState, exc_vector), STATE_BOOL(CPUState, exc_has_error),
    STATE_U32(CPUState, exc_error), STATE_U8(CPUState, exc_kind),
    STATE_BOOL(CPUState, exc_int_n), STATE_U32(CPUState, exc_insn_eip),
    STATE_I32(CPUState, delivering), STATE_U8(CPUState, db_pending),
    /* The retired-instruction count: the deterministic clock and the replay stamp. */
    STATE_U64(CPUState, stats.insns),
    STATE_END,
};

/* Derived state: the TLB row for the privilege level, debug and #AC checks, no stale TLB. */
static void cpu_post_load(void *opaque)
{
    CPUState *cpu = opaque;

    cpu_set_cpl(cpu, cpu->cpl);
    cpu_update_debug(cpu);
    tlb_flush_all(&cpu->tlb);
    cpu_tb_flush_jmp_cache(cpu);
}

const StateDesc cpu_state_desc = {
    .name = "cpu", .version = 1, .fields = cpu_fields, .size = sizeof(CPUState),
    .post_load = cpu_post_load,
};
