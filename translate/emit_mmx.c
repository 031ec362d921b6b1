/*
 * Handlers and emitter for the MMX instructions of the 0F map (Intel SDM vol. 2, MMX
 * instruction pages; appendix A.3; vol. 3A table 2-2 and 12.5): one handler per
 * instruction and operand form (register, memory, immediate count). Entry checks: CR0.EM
 * #UD, CR0.TS #NM, a pending x87 exception as at a waiting x87 instruction. The operand is
 * read before any state changes; then TOP = 0 and every tag valid (cpu/mmx.h). The 66
 * prefix selects SSE2 forms this CPU lacks (#UD); F2 and F3 are ignored, as a P6 does.
 */
#include "cpu/mmx.h"
#include "translate/emit.h"

/* CR0.NE = 0 with an x87 exception pending: stop before the instruction (emit_fpu.c). */
static const TB *mmx_freeze(CPUState *cpu, const Op *op)
{
    const TB *r = tb_exit_resume(cpu, op);
    cpu->stats.insns--;
    cpu->insn_budget++;
    cpu->halted = true;
    return r;
}

#define ENTER(cpu, op)                                                          \
    do {                                                                        \
        if (unlikely(mmx_slow_entry(cpu)) && mmx_enter_slow(cpu)) {             \
            return mmx_freeze((cpu), (op));                                     \
        }                                                                       \
    } while (0)

/* MMn = f(MMn, source): the source is MMm, memory (MEM bytes, zero-extended) or imm8. */
#define BINARY(NAME, MEM)                                                       \
static const TB *NAME##_rr(CPUState *cpu, const Op *op)                         \
{                                                                               \
    ENTER(cpu, op);                                                             \
    uint64_t b = mmx_get(cpu, op->rm);                                          \
    mmx_touch(cpu);                                                             \
    mmx_set(cpu, op->reg, mmx_##NAME(mmx_get(cpu, op->reg), b));                \
    NEXT(cpu, op);                                                              \
}                                                                               \
static const TB *NAME##_rm(CPUState *cpu, const Op *op)                         \
{                                                                               \
    ENTER(cpu, op);                                                             \
    uint64_t b = cpu_ld(cpu, op->seg, op_ea(cpu, op), MEM);                     \
    mmx_touch(cpu);                                                             \
    mmx_set(cpu, op->reg, mmx_##NAME(mmx_get(cpu, op->reg), b));                \
    NEXT(cpu, op);                                                              \
}

#define SHIFT_IMM(NAME)                                                         \
static const TB *NAME##_ri(CPUState *cpu, const Op *op)                         \
{                                                                               \
    ENTER(cpu, op);                                                             \
    mmx_touch(cpu);                                                             \
    mmx_set(cpu, op->rm, mmx_##NAME(mmx_get(cpu, op->rm), op->imm & 0xff));     \
    NEXT(cpu, op);                                                              \
}

BINARY(punpcklbw, 4) BINARY(punpcklwd, 4) BINARY(punpckldq, 4)
BINARY(packsswb, 8) BINARY(pcmpgtb, 8) BINARY(pcmpgtw, 8) BINARY(pcmpgtd, 8)
BINARY(packuswb, 8) BINARY(punpckhbw, 8) BINARY(punpckhwd, 8) BINARY(punpckhdq, 8)
BINARY(packssdw, 8) BINARY(pcmpeqb, 8) BINARY(pcmpeqw, 8) BINARY(pcmpeqd, 8)
BINARY(psrlw, 8) BINARY(psrld, 8) BINARY(psrlq, 8) BINARY(pmullw, 8)
BINARY(psubusb, 8) BINARY(psubusw, 8) BINARY(pand, 8) BINARY(paddusb, 8) BINARY(paddusw, 8)
BINARY(pandn, 8) BINARY(psraw, 8) BINARY(psrad, 8) BINARY(pmulhw, 8) BINARY(psubsb, 8)
BINARY(psubsw, 8) BINARY(por, 8) BINARY(paddsb, 8) BINARY(paddsw, 8) BINARY(pxor, 8)
BINARY(psllw, 8) BINARY(pslld, 8) BINARY(psllq, 8) BINARY(pmaddwd, 8) BINARY(psubb, 8)
BINARY(psubw, 8) BINARY(psubd, 8) BINARY(paddb, 8) BINARY(paddw, 8) BINARY(paddd, 8)
SHIFT_IMM(psrlw) SHIFT_IMM(psraw) SHIFT_IMM(psllw)
SHIFT_IMM(psrld) SHIFT_IMM(psrad) SHIFT_IMM(pslld)
SHIFT_IMM(psrlq) SHIFT_IMM(psllq)

/* ---- MOVD, MOVQ, EMMS ---- */

static const TB *movd_to_mm_r(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    uint64_t v = reg_get(cpu, op->rm, 4);
    mmx_touch(cpu);
    mmx_set(cpu, op->reg, v);
    NEXT(cpu, op);
}

static const TB *movd_to_mm_m(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    uint64_t v = cpu_ld(cpu, op->seg, op_ea(cpu, op), 4);
    mmx_touch(cpu);
    mmx_set(cpu, op->reg, v);
    NEXT(cpu, op);
}

static const TB *movd_from_mm_r(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    mmx_touch(cpu);
    reg_set(cpu, op->rm, 4, mmx_get(cpu, op->reg) & 0xffffffffu);
    NEXT(cpu, op);
}

static const TB *movd_from_mm_m(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    cpu_st(cpu, op->seg, op_ea(cpu, op), mmx_get(cpu, op->reg) & 0xffffffffu, 4);
    mmx_touch(cpu);
    NEXT(cpu, op);
}

static const TB *movq_to_mm_r(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    uint64_t v = mmx_get(cpu, op->rm);
    mmx_touch(cpu);
    mmx_set(cpu, op->reg, v);
    NEXT(cpu, op);
}

static const TB *movq_to_mm_m(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    uint64_t v = cpu_ld(cpu, op->seg, op_ea(cpu, op), 8);
    mmx_touch(cpu);
    mmx_set(cpu, op->reg, v);
    NEXT(cpu, op);
}

static const TB *movq_from_mm_r(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    uint64_t v = mmx_get(cpu, op->reg);
    mmx_touch(cpu);
    mmx_set(cpu, op->rm, v);
    NEXT(cpu, op);
}

static const TB *movq_from_mm_m(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    cpu_st(cpu, op->seg, op_ea(cpu, op), mmx_get(cpu, op->reg), 8);
    mmx_touch(cpu);
    NEXT(cpu, op);
}

static const TB *emms(CPUState *cpu, const Op *op)
{
    ENTER(cpu, op);
    mmx_emms(cpu);
    NEXT(cpu, op);
}

/* ---- the map ---- */

typedef struct MmxForms {
    OpFn reg, mem;   /* ModRM.rm names an MMX/general register, or memory */
} MmxForms;

#define RM(NAME) { NAME##_rr, NAME##_rm }
static const MmxForms mmx_map[0xa0] = {
    [0x00] = RM(punpcklbw), [0x01] = RM(punpcklwd), [0x02] = RM(punpckldq),
    [0x03] = RM(packsswb), [0x04] = RM(pcmpgtb), [0x05] = RM(pcmpgtw), [0x06] = RM(pcmpgtd),
    [0x07] = RM(packuswb), [0x08] = RM(punpckhbw), [0x09] = RM(punpckhwd),
    [0x0a] = RM(punpckhdq), [0x0b] = RM(packssdw),
    [0x0e] = { movd_to_mm_r, movd_to_mm_m }, [0x0f] = { movq_to_mm_r, movq_to_mm_m },
    [0x14] = RM(pcmpeqb), [0x15] = RM(pcmpeqw), [0x16] = RM(pcmpeqd),
    [0x17] = { emms, emms },
    [0x1e] = { movd_from_mm_r, movd_from_mm_m }, [0x1f] = { movq_from_mm_r, movq_from_mm_m },
    [0x71] = RM(psrlw), [0x72] = RM(psrld), [0x73] = RM(psrlq), [0x75] = RM(pmullw),
    [0x78] = RM(psubusb), [0x79] = RM(psubusw), [0x7b] = RM(pand), [0x7c] = RM(paddusb),
    [0x7d] = RM(paddusw), [0x7f] = RM(pandn),
    [0x81] = RM(psraw), [0x82] = RM(psrad), [0x85] = RM(pmulhw), [0x88] = RM(psubsb),
    [0x89] = RM(psubsw), [0x8b] = RM(por), [0x8c] = RM(paddsb), [0x8d] = RM(paddsw),
    [0x8f] = RM(pxor),
    [0x91] = RM(psllw), [0x92] = RM(pslld), [0x93] = RM(psllq), [0x95] = RM(pmaddwd),
    [0x98] = RM(psubb), [0x99] = RM(psubw), [0x9a] = RM(psubd), [0x9c] = RM(paddb),
    [0x9d] = RM(paddw), [0x9e] = RM(paddd),
};
#undef RM

/* 0F 71-73 (register forms only, by ModRM.reg): shifts by an immediate count. */
static const OpFn mmx_shift_imm[3][8] = {
    [0] = { [2] = psrlw_ri, [4] = psraw_ri, [6] = psllw_ri },
    [1] = { [2] = psrld_ri, [4] = psrad_ri, [6] = pslld_ri },
    [2] = { [2] = psrlq_ri, [6] = psllq_ri },
};

void emit_mmx(EmitCtx *ec, const Insn *in, Op *op)
{
    unsigned i = (in->opcode & 0xff) - 0x60;
    OpFn fn;

    if (in->opsize_prefix || i >= 0xa0) {
        emit_raise(op, EXC_UD, false, 0);
        return;
    }
    if (i >= 0x11 && i <= 0x13) {
        fn = mmx_shift_imm[i - 0x11][in->reg];
    } else {
        fn = in->has_mem ? mmx_map[i].mem : mmx_map[i].reg;
    }
    if (!fn) {
        emit_raise(op, EXC_UD, false, 0);
        return;
    }
    op->reg = in->reg;
    op->rm = in->rm;
    op->fn = fn;
}
