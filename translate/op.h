/*
 * The portable back-end's unit of work: each guest instruction becomes one Op, a
 * pre-decoded record with a handler specialised by operation, operand form and size, so
 * nothing is decoded when a block runs again. A block (TB) is an array of ops run by
 * calling handlers in sequence: each non-final handler tail-calls the next (NEXT), the
 * final one sets EIP and returns the successor block if it knows it (chaining) or NULL.
 * No host-specific code: plain C that any compiler builds.
 */
#ifndef WIRT_TRANSLATE_OP_H
#define WIRT_TRANSLATE_OP_H

#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/flags.h"
#include "cpu/mem.h"

typedef struct Op Op;
typedef struct TB TB;
typedef const TB *(*OpFn)(CPUState *cpu, const Op *op);

struct Op {
    OpFn fn;
    uint32_t eip;       /* offset of this instruction in CS */
    uint32_t next_eip;  /* offset of the next one, wrapped to the code size */
    uint32_t amask;     /* address-size mask: 0xffff or 0xffffffff */
    int32_t disp;
    uint32_t imm, imm2;
    uint16_t opcode;
    uint8_t len;        /* instruction length in bytes */
    uint8_t size;       /* operand size in bytes */
    uint8_t asize;      /* address size in bytes */
    uint8_t seg;        /* segment of the memory operand */
    uint8_t reg;        /* ModRM.reg register (byte forms: the R8 encoding below) */
    uint8_t rm;         /* ModRM.rm register when mod == 3 (byte forms: R8 encoding) */
    uint8_t base, index, scale;
    uint8_t rep;        /* REP_* */
    uint8_t sub;        /* emitter-specific selector: ALU operation, condition code... */
    uint8_t slot;       /* chain slot of a block exit */
};

/* Block mode key bits: everything a translation bakes in. */
enum {
    TB_CODE32 = 1u << 0,
    TB_STACK32 = 1u << 1,
    TB_PE = 1u << 2,
    TB_VM = 1u << 3,
    TB_CPL_SHIFT = 4,      /* two bits */
    TB_SINGLE = 1u << 6,   /* one instruction only: TF or an interrupt shadow */
};

#define TB_MAX_INSNS 64

struct TB {
    uint64_t phys_pc;      /* guest-physical address of the first byte */
    uint64_t phys_page2;   /* physical page of the last byte if it is another, else ~0 */
    uint64_t cs_base;
    uint64_t lin_pc;       /* cs_base + eip */
    uint32_t eip;
    uint32_t flags;        /* TB_* mode key */
    uint16_t size;         /* bytes of guest code covered */
    uint16_t ninsns;
    uint16_t nops;
    bool valid;
    bool cached;           /* in the hash table and page lists */
    TB *hash_next;
    TB *page_next[2];
    const TB *chain[2];    /* successors for direct exits, checked for validity on use */
    Op ops[];
};

/* Runs the next op of the block. */
#define NEXT(cpu, op)                          \
    do {                                       \
        const Op *next_op_ = (op) + 1;         \
        (cpu)->cur_op = next_op_;              \
        return next_op_->fn((cpu), next_op_);  \
    } while (0)

/*
 * Byte registers: R8 encoding = register index, plus 16 for AH/CH/DH/BH (bits 8-15 of
 * registers 0-3), so reading is one shift with no branch.
 */
static inline unsigned r8_encode(unsigned reg, bool rex)
{
    return (rex || reg < 4) ? reg : ((reg - 4) | 16);
}

static inline uint64_t reg_get(const CPUState *cpu, unsigned r, unsigned size)
{
    switch (size) {
    case 1: return (cpu->regs[r & 15] >> ((r >> 4) * 8)) & 0xff;
    case 2: return cpu->regs[r] & 0xffff;
    case 4: return cpu->regs[r] & 0xffffffffu;
    default: return cpu->regs[r];
    }
}

static inline void reg_set(CPUState *cpu, unsigned r, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: {
        unsigned sh = (r >> 4) * 8;
        uint64_t *p = &cpu->regs[r & 15];
        *p = (*p & ~(0xffull << sh)) | ((v & 0xff) << sh);
        break;
    }
    case 2: cpu->regs[r] = (cpu->regs[r] & ~0xffffull) | (v & 0xffff); break;
    case 4: cpu->regs[r] = v & 0xffffffffu; break;
    default: cpu->regs[r] = v; break;
    }
}

/* Effective address (offset in the segment) of the op's memory operand. */
static inline uint32_t op_ea(const CPUState *cpu, const Op *op)
{
    return (uint32_t)(cpu->regs[op->base] + (cpu->regs[op->index] << op->scale) +
                      (uint64_t)(int64_t)op->disp) & op->amask;
}

/* Index of an operand size in handler tables: 1, 2, 4 bytes -> 0, 1, 2. */
static inline unsigned size_slot(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : 2;
}

static inline uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline int64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned sh = 64 - 8 * size;
    return (int64_t)(v << sh) >> sh;
}

/* Ends the block at a direct exit: EIP is already set; returns the chained successor. */
static inline const TB *tb_exit_chain(CPUState *cpu, const Op *op)
{
    const TB *self = cpu->cur_tb;
    const TB *next = self->chain[op->slot];
    cpu->exit_slot = op->slot;
    if (next && next->valid && next->eip == cpu->eip) {
        return next;
    }
    return NULL;
}

/*
 * Instructions retired so far, exact even inside a block (the run loop counts a whole
 * block when it enters it): for a virtual clock or RDTSC read by the current op.
 */
static inline uint64_t op_insns_now(const CPUState *cpu, const Op *op)
{
    const TB *tb = cpu->cur_tb;
    return cpu->stats.insns - (tb->ninsns - (unsigned)(op - tb->ops));
}

/*
 * Ends the block early and resumes at this same instruction (a REP instruction pausing
 * so the loop can take interrupts). It counts as retired once; the ops after it never ran.
 */
static inline const TB *tb_exit_resume(CPUState *cpu, const Op *op)
{
    const TB *tb = cpu->cur_tb;
    unsigned after = tb->ninsns - (unsigned)(op - tb->ops) - 1;
    cpu->stats.insns -= after;
    cpu->insn_budget += after;
    cpu->eip = op->eip;
    cpu->exit_slot = -1;
    return NULL;
}

/* Ends the block with no known successor (indirect jumps, mode changes). */
static inline const TB *tb_exit(CPUState *cpu)
{
    cpu->exit_slot = -1;
    return NULL;
}

#endif
