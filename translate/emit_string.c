/*
 * Handlers and emitters for the string instructions MOVS CMPS STOS LODS SCAS INS OUTS with
 * their REP/REPE/REPNE prefixes, and for IN/OUT (Intel SDM vol. 2: the instructions'
 * pages and "REP/REPE/REPZ/REPNE/REPNZ"; vol. 1, 19.5 for I/O protection).
 *
 * A REP loop commits rSI, rDI and rCX after every element, so a fault or a self-modifying-
 * code restart in the middle finds them counting exactly the elements done and restarts
 * the instruction from there. After STR_CHUNK elements (one with TF set: the single-step
 * trap comes after each iteration) a handler stops with EIP still at the instruction and
 * ends the block, so the run loop can take interrupts and re-enter. REP MOVS and STOS copy
 * or fill a whole run at once when it lies inside one page on each side and the soft TLB
 * hands out host pointers for it; pages holding translated code are never handed out for
 * writing, so those stores go element by element through the self-modifying-code check.
 */
#include "cpu/ioperm.h"
#include "translate/emit.h"

/* Elements one handler call may process before it lets the run loop in. */
#define STR_CHUNK 4096u

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS, STR_KINDS };

#define USES_SI(K) ((K) == STR_MOVS || (K) == STR_CMPS || (K) == STR_LODS || (K) == STR_OUTS)
#define USES_DI(K) ((K) != STR_LODS && (K) != STR_OUTS)
#define COMPARES(K) ((K) == STR_CMPS || (K) == STR_SCAS)
#define IS_IO(K) ((K) == STR_INS || (K) == STR_OUTS)

/* An address-size register (SI/DI/CX or ESI/EDI/ECX). */
static inline uint32_t areg(const CPUState *cpu, const Op *op, int r)
{
    return (uint32_t)cpu->regs[r] & op->amask;
}

static inline void areg_set(CPUState *cpu, const Op *op, int r, uint32_t v)
{
    reg_set(cpu, r, op->asize, v);
}

static inline uint16_t dx_port(const CPUState *cpu)
{
    return (uint16_t)cpu->regs[R_EDX];
}

/* CMPS/SCAS record SUB flags; returns ZF. */
static inline bool str_compare(CPUState *cpu, uint64_t a, uint64_t b, unsigned sz)
{
    uint64_t r = (a - b) & size_mask(sz);
    cc_set(cpu, CC_SUB8 + size_index(sz), a, b, r);
    return r == 0;
}

/* INS: the destination is checked before the port is read, so a fault loses no input. */
static inline void str_ins(CPUState *cpu, uint32_t di, unsigned sz)
{
    uint64_t lin = cpu_lin(cpu, SEG_ES, di, sz, true);
    cpu_probe_write_lin(cpu, lin, sz);
    uint32_t v = ioport_read(cpu->io, dx_port(cpu), sz);
    tlb_sync(&cpu->tlb);  /* the device may have remapped memory */
    cpu_st_lin(cpu, lin, v, sz);
}

static inline void str_outs(CPUState *cpu, const Op *op, uint32_t si, unsigned sz)
{
    ioport_write(cpu->io, dx_port(cpu), (uint32_t)cpu_ld(cpu, op->seg, si, sz), sz);
    tlb_sync(&cpu->tlb);
}

/* One element of KIND, all accesses first, then rSI/rDI; returns ZF for CMPS/SCAS. */
static inline bool str_step(CPUState *cpu, const Op *op, unsigned kind, unsigned sz,
                            uint32_t delta)
{
    uint32_t si = areg(cpu, op, R_ESI), di = areg(cpu, op, R_EDI);
    uint64_t acc = cpu->regs[R_EAX] & size_mask(sz);
    bool zf = false;

    switch (kind) {
    case STR_MOVS:
        cpu_st(cpu, SEG_ES, di, cpu_ld(cpu, op->seg, si, sz), sz);
        break;
    case STR_CMPS: {
        uint64_t a = cpu_ld(cpu, op->seg, si, sz);
        zf = str_compare(cpu, a, cpu_ld(cpu, SEG_ES, di, sz), sz);
        break;
    }
    case STR_STOS:
        cpu_st(cpu, SEG_ES, di, acc, sz);
        break;
    case STR_LODS:
        reg_set(cpu, R_EAX, sz, cpu_ld(cpu, op->seg, si, sz));
        break;
    case STR_SCAS:
        zf = str_compare(cpu, acc, cpu_ld(cpu, SEG_ES, di, sz), sz);
        break;
    case STR_INS:
        str_ins(cpu, di, sz);
        break;
    default:
        str_outs(cpu, op, si, sz);
        break;
    }
    if (USES_SI(kind)) {
        areg_set(cpu, op, R_ESI, si + delta);
    }
    if (USES_DI(kind)) {
        areg_set(cpu, op, R_EDI, di + delta);
    }
    return zf;
}

/* ---- the fast path of REP MOVS / REP STOS ---- */

/*
 * How many elements, starting at offset OFF of SEG and going up (or DOWN), stay inside the
 * segment's access window, the address size and the linear page of the first one; 0 when
 * not even the first does (the slow path then raises whatever is due). *LIN gets the first
 * element's linear address.
 */
static inline uint32_t str_room(const CPUState *cpu, const Op *op, int seg, uint32_t off,
                                unsigned sz, bool down, bool write, uint64_t *lin)
{
    const SegCache *s = &cpu->seg[seg];
    uint64_t lo = write ? s->wr_lo : s->rd_lo;
    uint64_t hi = MIN(write ? s->wr_hi : s->rd_hi, op->amask);

    if (off < lo || (uint64_t)off + sz - 1 > hi) {
        return 0;
    }
    *lin = (s->base + off) & 0xffffffffu;
    uint32_t in_page = (uint32_t)(*lin & (PAGE_SIZE - 1));
    if (in_page + sz > PAGE_SIZE) {
        return 0;
    }
    if (down) {
        return (uint32_t)MIN(off - lo, in_page) / sz + 1;
    }
    return (uint32_t)MIN(hi - off + 1, PAGE_SIZE - in_page) / sz;
}

/* Host pointer to the lowest of K elements whose first is at LIN, or NULL (slow path). */
static inline uint8_t *str_host(CPUState *cpu, MmuAccess acc, uint64_t lin, uint32_t k,
                                unsigned sz, bool down)
{
    uint64_t low = down ? lin - (uint64_t)(k - 1) * sz : lin;
    return tlb_lookup(&cpu->tlb, cpu->fast_idx, acc, low, k * sz);
}

/*
 * Copies K elements between host buffers (both pointing at their lowest element) exactly
 * as MOVS does one element at a time. memmove gives the same bytes unless the destination
 * lies ahead of the source in the direction of travel and overlaps it: then elements
 * written earlier are read again later (a forward copy to src+1 replicates the first
 * byte), so that case copies element by element.
 */
static void str_copy(uint8_t *d, const uint8_t *s, uint32_t k, unsigned sz, bool down)
{
    size_t len = (size_t)k * sz;
    uintptr_t dp = (uintptr_t)d, sp = (uintptr_t)s;
    bool overlap = dp < sp + len && sp < dp + len;

    if (!overlap || (down ? dp >= sp : dp <= sp)) {
        memmove(d, s, len);
    } else if (!down) {
        for (size_t i = 0; i < len; i += sz) {
            stn_le(d + i, ldn_le(s + i, sz), sz);
        }
    } else {
        for (size_t i = len; i > 0; i -= sz) {
            stn_le(d + i - sz, ldn_le(s + i - sz, sz), sz);
        }
    }
}

static void str_fill(uint8_t *d, uint64_t v, uint32_t k, unsigned sz)
{
    if (sz == 1) {
        memset(d, (int)v, k);
        return;
    }
    for (size_t i = 0; i < (size_t)k * sz; i += sz) {
        stn_le(d + i, v, sz);
    }
}

/* Up to MAX elements of REP MOVS/STOS at once; returns how many (0: take the slow path). */
static inline uint32_t str_fast(CPUState *cpu, const Op *op, unsigned kind, unsigned sz,
                                uint32_t delta, uint32_t max)
{
    bool down = (int32_t)delta < 0;
    uint32_t si = areg(cpu, op, R_ESI), di = areg(cpu, op, R_EDI);
    uint64_t slin = 0, dlin = 0;
    uint32_t k = MIN(max, str_room(cpu, op, SEG_ES, di, sz, down, true, &dlin));

    if (kind == STR_MOVS) {
        k = MIN(k, str_room(cpu, op, op->seg, si, sz, down, false, &slin));
    }
    if (k == 0) {
        return 0;
    }
    uint8_t *d = str_host(cpu, ACC_WRITE, dlin, k, sz, down);
    if (!d) {
        return 0;
    }
    if (kind == STR_STOS) {
        str_fill(d, cpu->regs[R_EAX] & size_mask(sz), k, sz);
    } else {
        const uint8_t *s = str_host(cpu, ACC_READ, slin, k, sz, down);
        if (!s) {
            return 0;
        }
        str_copy(d, s, k, sz, down);
        areg_set(cpu, op, R_ESI, si + delta * k);
    }
    areg_set(cpu, op, R_EDI, di + delta * k);
    return k;
}

/* ---- handler bodies, specialised by kind and size through the wrappers below ---- */

static inline uint32_t str_delta(const CPUState *cpu, unsigned sz)
{
    return (cpu->eflags & FL_DF) ? (uint32_t)-sz : sz;
}

/*
 * Ends a REP early: EIP stays at the instruction. The run loop counted the whole block as
 * retired; the ops after this one never ran, so they are given back. The REP itself stays
 * counted, once per handler entry, so guest time and the budget advance in a long REP.
 */
static const TB *str_pause(CPUState *cpu, const Op *op)
{
    return tb_exit_resume(cpu, op);
}

/* INS and OUTS end their block (a device may want attention); the others run on. */
#define STR_DONE(cpu, op, kind)               \
    do {                                      \
        if (IS_IO(kind)) {                    \
            (cpu)->eip = (op)->next_eip;      \
            return tb_exit(cpu);              \
        }                                     \
        NEXT(cpu, op);                        \
    } while (0)

static inline const TB *str_once(CPUState *cpu, const Op *op, unsigned kind, unsigned sz)
{
    if (IS_IO(kind)) {
        cpu_check_io(cpu, dx_port(cpu), sz);
    }
    str_step(cpu, op, kind, sz, str_delta(cpu, sz));
    STR_DONE(cpu, op, kind);
}

static inline const TB *str_rep(CPUState *cpu, const Op *op, unsigned kind, unsigned sz)
{
    uint32_t delta = str_delta(cpu, sz);
    uint32_t count = areg(cpu, op, R_ECX);
    uint32_t budget = (cpu->eflags & FL_TF) ? 1 : STR_CHUNK;

    if (IS_IO(kind)) {
        cpu_check_io(cpu, dx_port(cpu), sz);
    }
    while (count) {
        uint32_t n = 0;
        bool stop = false;
        if (kind == STR_MOVS || kind == STR_STOS) {
            n = str_fast(cpu, op, kind, sz, delta, MIN(count, budget));
        }
        if (n == 0) {
            bool zf = str_step(cpu, op, kind, sz, delta);
            stop = COMPARES(kind) && zf != (op->rep == REP_Z);
            n = 1;
        }
        count -= n;
        areg_set(cpu, op, R_ECX, count);
        budget -= n;
        if (stop || count == 0) {
            break;
        }
        if (budget == 0 || (IS_IO(kind) && cpu->exit_request)) {
            return str_pause(cpu, op);
        }
    }
    STR_DONE(cpu, op, kind);
}

#define STR_HANDLERS(KIND, SZ)                                         \
static const TB *once_##KIND##_##SZ(CPUState *cpu, const Op *op)       \
{                                                                      \
    return str_once(cpu, op, KIND, SZ);                                \
}                                                                      \
static const TB *rep_##KIND##_##SZ(CPUState *cpu, const Op *op)        \
{                                                                      \
    return str_rep(cpu, op, KIND, SZ);                                 \
}
#define STR_SIZES(KIND) STR_HANDLERS(KIND, 1) STR_HANDLERS(KIND, 2) STR_HANDLERS(KIND, 4)
STR_SIZES(STR_MOVS) STR_SIZES(STR_CMPS) STR_SIZES(STR_STOS) STR_SIZES(STR_LODS)
STR_SIZES(STR_SCAS) STR_SIZES(STR_INS) STR_SIZES(STR_OUTS)

#define STR_ROW(KIND) \
    { { once_##KIND##_1, once_##KIND##_2, once_##KIND##_4 }, \
      { rep_##KIND##_1, rep_##KIND##_2, rep_##KIND##_4 } }
static const OpFn str_fns[STR_KINDS][2][3] = {
    STR_ROW(STR_MOVS), STR_ROW(STR_CMPS), STR_ROW(STR_STOS), STR_ROW(STR_LODS),
    STR_ROW(STR_SCAS), STR_ROW(STR_INS), STR_ROW(STR_OUTS),
};

static unsigned str_kind(uint16_t opcode)
{
    switch (opcode & ~1u) {
    case 0xa4: return STR_MOVS;
    case 0xa6: return STR_CMPS;
    case 0xaa: return STR_STOS;
    case 0xac: return STR_LODS;
    case 0xae: return STR_SCAS;
    case 0x6c: return STR_INS;
    default: return STR_OUTS;
    }
}

void emit_string(EmitCtx *ec, const Insn *in, Op *op)
{
    op->sub = (uint8_t)str_kind(in->opcode);
    op->fn = str_fns[op->sub][op->rep != REP_NONE][size_slot(op->size)];
}

/* ---- IN, OUT: op->sub = 1 when the port is DX, else op->imm holds it ---- */

static inline uint16_t io_port(const CPUState *cpu, const Op *op)
{
    return op->sub ? dx_port(cpu) : (uint16_t)(op->imm & 0xff);
}

#define IO_HANDLERS(SZ)                                                     \
static const TB *in_##SZ(CPUState *cpu, const Op *op)                       \
{                                                                           \
    uint16_t port = io_port(cpu, op);                                       \
    cpu_check_io(cpu, port, SZ);                                            \
    reg_set(cpu, R_EAX, SZ, ioport_read(cpu->io, port, SZ));                \
    cpu->eip = op->next_eip;                                                \
    return tb_exit(cpu);                                                    \
}                                                                           \
static const TB *out_##SZ(CPUState *cpu, const Op *op)                      \
{                                                                           \
    uint16_t port = io_port(cpu, op);                                       \
    cpu_check_io(cpu, port, SZ);                                            \
    ioport_write(cpu->io, port, (uint32_t)reg_get(cpu, R_EAX, SZ), SZ);     \
    cpu->eip = op->next_eip;                                                \
    return tb_exit(cpu);                                                    \
}
IO_HANDLERS(1) IO_HANDLERS(2) IO_HANDLERS(4)

static const OpFn io_fns[2][3] = {
    { in_1, in_2, in_4 },
    { out_1, out_2, out_4 },
};

void emit_io(EmitCtx *ec, const Insn *in, Op *op)
{
    bool out = in->opcode & 2;
    op->sub = (in->opcode & 8) != 0;
    op->fn = io_fns[out][size_slot(op->size)];
}
