/*
 * Block formation: decode guest instructions from CS:EIP and emit one op each until a
 * control transfer, a privileged or mode-changing instruction, the end of the page, or
 * the length cap. Code bytes are read through the TLB's execute path, so a fetch fault
 * on the block's first instruction is raised at once and a later one ends the block
 * before the instruction that would fault.
 */
#include "translate/translator.h"

#include "translate/emit.h"

typedef struct FetchCtx {
    CPUState *cpu;
    MmuRegs regs;
    uint64_t cs_base;
    uint32_t cs_limit;
    uint64_t start;        /* offset of the instruction being decoded */
    uint64_t page_lin;     /* last page translated, and where it is */
    uint64_t page_phys;
    bool page_valid;
    bool seg_fault;        /* the failed fetch was beyond the CS limit */
    MmuFault fault;        /* else this page fault */
    uint64_t last_lin;     /* highest linear address fetched */
} FetchCtx;

static bool fetch_byte(void *opaque, unsigned offset, uint8_t *byte)
{
    FetchCtx *fc = opaque;
    uint64_t off = fc->start + offset;
    uint64_t lin, page;

    if (off > fc->cs_limit) {
        fc->seg_fault = true;
        return false;
    }
    lin = (fc->cs_base + off) & 0xffffffffu;
    page = lin & PAGE_MASK;
    if (!fc->page_valid || page != fc->page_lin) {
        if (!mmu_translate(&fc->cpu->tlb, &fc->regs, lin, fc->cpu->mmu_idx, ACC_EXEC,
                           &fc->page_phys, &fc->fault)) {
            fc->seg_fault = false;
            return false;
        }
        fc->page_phys &= PAGE_MASK;
        fc->page_lin = page;
        fc->page_valid = true;
    }
    *byte = (uint8_t)physmem_read(fc->cpu->pm, fc->page_phys | (lin & (PAGE_SIZE - 1)), 1);
    if (lin > fc->last_lin || fc->last_lin == ~0ull) {
        fc->last_lin = lin;
    }
    return true;
}

/* Raises the fault that stopped the first instruction's fetch. */
static G_NORETURN void fetch_raise(CPUState *cpu, const FetchCtx *fc)
{
    if (fc->seg_fault) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_raise_pf(cpu, &fc->fault);
}

static void op_fill_common(Op *op, const Insn *in, uint32_t eip, bool code32, bool rex)
{
    bool byte_op = in->opsize == 1;
    *op = (Op){
        .eip = eip,
        .next_eip = code32 ? eip + in->len : (eip + in->len) & 0xffff,
        .amask = in->addrsize == 2 ? 0xffffu : 0xffffffffu,
        .disp = in->disp,
        .imm = in->imm,
        .imm2 = in->imm2,
        .opcode = in->opcode,
        .len = in->len,
        .size = in->opsize,
        .asize = in->addrsize,
        .seg = in->seg,
        .reg = (uint8_t)(byte_op ? r8_encode(in->reg, rex) : in->reg),
        .rm = (uint8_t)(byte_op ? r8_encode(in->rm, rex) : in->rm),
        .base = in->base,
        .index = in->index,
        .scale = in->scale,
        .rep = in->rep,
    };
}

static const TB *op_fallthrough(CPUState *cpu, const Op *op)
{
    cpu->eip = op->next_eip;
    return tb_exit_chain(cpu, op);
}

static bool op_is_terminal(const Insn *in, const Op *op, DecodeStatus st)
{
    return st != DECODE_OK || (in->row->flags & IF_END) || op_raises(op);
}

TB *tb_translate(Translator *tr, TB *tb, uint64_t phys_pc, uint32_t flags, unsigned max_insns)
{
    CPUState *cpu = tr->cpu;
    bool code32 = flags & TB_CODE32;
    EmitCtx ec = { .cpu = cpu, .tb_flags = flags };
    FetchCtx fc = {
        .cpu = cpu, .cs_base = cpu->seg[SEG_CS].base, .cs_limit = cpu->seg[SEG_CS].limit,
        .last_lin = ~0ull,
    };
    uint32_t eip = (uint32_t)cpu->eip;
    uint64_t first_page = (fc.cs_base + eip) & 0xffffffffu & PAGE_MASK;
    unsigned n = 0;
    bool terminal = false;

    if (flags & TB_SINGLE) {
        max_insns = 1;  /* TF set, or an interrupt shadow: one instruction at a time */
    }
    cpu_mmu_regs(cpu, &fc.regs);
    *tb = (TB){ .phys_pc = phys_pc, .phys_page2 = ~0ull, .cs_base = fc.cs_base, .eip = eip,
                .lin_pc = (fc.cs_base + eip) & 0xffffffffu, .flags = flags, .valid = true };
    while (!terminal && n < max_insns) {
        Insn in;
        uint64_t before = fc.last_lin;
        if (n > 0 && ((fc.cs_base + eip) & 0xffffffffu & PAGE_MASK) != first_page) {
            break;  /* the next page is the next block's: do not even walk it */
        }
        fc.start = eip;
        DecodeStatus st = decode_insn(&tr->decode, code32, fetch_byte, &fc, &in);
        if (st == DECODE_FETCH) {
            if (n == 0) {
                fetch_raise(cpu, &fc);
            }
            fc.last_lin = before;
            break;
        }
        if (n > 0 && (fc.last_lin & PAGE_MASK) != first_page) {
            fc.last_lin = before;  /* starts or reaches into the next page: next block */
            break;
        }
        Op *op = &tb->ops[n];
        op_fill_common(op, &in, eip, code32, in.rex != 0);
        if (st == DECODE_UD) {
            emit_raise(op, EXC_UD, false, 0);
        } else if (st == DECODE_TOO_LONG) {
            emit_raise(op, EXC_GP, true, 0);
        } else {
            emitters[in.row->emit](&ec, &in, op);
        }
        terminal = op_is_terminal(&in, op, st);
        eip = op->next_eip;
        n++;
    }
    tb->ninsns = (uint16_t)n;
    if (!terminal) {
        Op *op = &tb->ops[n++];
        *op = (Op){ .fn = op_fallthrough, .eip = eip, .next_eip = eip, .slot = 1 };
    }
    tb->nops = (uint16_t)n;
    tb->size = (uint16_t)(fc.last_lin + 1 - tb->lin_pc);
    if ((fc.last_lin & PAGE_MASK) != first_page) {
        uint64_t phys2;
        MmuFault f;
        if (mmu_translate(&cpu->tlb, &fc.regs, fc.last_lin, cpu->mmu_idx, ACC_EXEC, &phys2, &f)) {
            tb->phys_page2 = phys2 & PAGE_MASK;
        }
    }
    tr->stats.blocks_translated++;
    tr->stats.insns_translated += tb->ninsns;
    if (log_enabled(cpu->log, LOG_IN_ASM)) {
        tb_log_in_asm(tr, tb);
    }
    return tb;
}
