/*
 * Differential tests of wirt's CPU against the host CPU: random 8-, 16- and 32-bit
 * user-level integer instructions (random forms, registers, addressing modes, prefixes
 * and operands biased to edge values) run natively and through wirt; the seven general
 * registers other than ESP, the arithmetic flags and DF, the memory buffer and any
 * exception (#DE, #UD) must agree, except flags and registers that Intel SDM vol. 2 calls
 * undefined for that instruction and operand ("Flags Affected" of each instruction).
 * Sequences of up to six instructions (memory at absolute addresses in a shared window)
 * test the lazy flags between instructions and across a Jcc that ends a block, and the
 * precise state at a #DE or #UD in the middle of a block.
 *
 * Why a 64-bit host process is a valid oracle for 32-bit code: without a REX prefix, the
 * integer instructions used here compute the same 8-, 16- and 32-bit results and flags in
 * 64-bit mode as in 32-bit protected mode (SDM vol. 1, 3.4.1.1: 32-bit results are
 * zero-extended into the unseen upper halves, which are never compared). Encodings whose
 * meaning differs are avoided: 40-4F (REX), PUSH/POP, instructions invalid in 64-bit mode,
 * ModRM mod=00 r/m=101 (RIP-relative). Addressing differs in width, so the host copy of
 * every instruction with a memory operand gets a 67 prefix (32-bit addressing, wrapped at
 * 4 GiB and zero-extended, exactly what 32-bit mode does) and the guest copy none. The
 * host buffer lies below 2 GiB (MAP_32BIT); the guest data segments get a base such that
 * base + host address wraps to the guest buffer, so both see the same register values.
 * Segments other than FS/GS are ignored in 64-bit mode, so ES/SS/DS overrides are safe.
 *
 * On a non-x86-64 host the program reports a skip. Environment (GTest owns argv):
 * WIRT_DIFF_CASES  total cases over all families (default DIFF_DEFAULT_CASES; millions
 *                  for a soak), WIRT_DIFF_SEED (default fixed, so runs are repeatable),
 * WIRT_DIFF_SHOW   mismatches printed in full per family (default 8),
 * WIRT_DIFF_VERBOSE=1 print every case, WIRT_DIFF_STRICT=1 compare undefined flags and
 *                  registers too (wirt gives what Intel CPUs give; AMD hosts differ).
 */
#if defined(__x86_64__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1   /* REG_RAX... in ucontext_t */
#endif

#include <glib.h>
#include <stdio.h>

#if defined(__x86_64__)

#include <cpuid.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "cpu/disas.h"
#include "cpu/seg.h"
#include "vm/machine.h"

#define DIFF_DEFAULT_CASES 10000u
#define DIFF_RAM (2u << 20)
#define DIFF_GDT 0x1000u
#define DIFF_IDT 0x2000u
#define DIFF_HANDLERS 0x3000u   /* HLT for exception vector v at DIFF_HANDLERS + v */
#define DIFF_CODE 0x4000u       /* the code under test, followed by HLT */
#define DIFF_STACK 0x8000u      /* linear top of the stack exceptions push to */
#define DIFF_GBUF 0x10000u      /* guest-physical data buffer */
#define DIFF_BUF 8192u          /* data buffer: two pages, so accesses can straddle */
#define DIFF_PAGE 4096u
#define DIFF_MAX_SEQ 6
#define DIFF_WIN 48u            /* bytes around a memory operand randomised per case */
#define DIFF_SEQ_MEM (DIFF_PAGE - DIFF_WIN / 2)  /* sequences share this window */
#define DIFF_SEL_CODE 0x08u
#define DIFF_SEL_DATA 0x10u
#define DIFF_FLAGS (FL_ARITH | FL_DF)
#define DIFF_HOST_SEGV 100      /* "vector" of a host memory fault: a bug in this test */

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* ---- the instruction-form table ---- */

enum { SZ_B, SZ_V, SZ_D };              /* operand sizes: 8; 16 or 32 (66 prefix); 32 */
enum { M_NONE, M_REG, M_DIGIT, M_IGN }; /* ModRM.reg: none, a register, /k, ignored */
enum { RM_ANY, RM_MEM };                /* r/m: register or memory; memory only */
enum { I_NONE, I_B, I_Z };              /* immediate: none, 8 bits, 16/32 by size */
enum { V_NONE, V_OP8, V_ADD };          /* variant k: opcode + 8k, last opcode byte + k */
enum { CNT_NONE, CNT_IB, CNT_ONE, CNT_CL };  /* where a shift count comes from */

/* How an instruction uses the arithmetic flags (diff_flag_use). */
enum {
    FK_NONE, FK_ALU, FK_ARITH, FK_LOGIC, FK_INCDEC, FK_GRP3, FK_MUL, FK_SHIFT, FK_SHIFTD,
    FK_BT, FK_BSCAN, FK_CC, FK_FLAGOP, FK_LAHF, FK_CX8B,
};

/* Operand generation needing more than random registers. */
enum {
    SP_NONE,
    SP_MOFFS,   /* MOV AL/eAX <-> moffs32 */
    SP_XLAT,    /* [EBX + AL] */
    SP_NOACC,   /* LEA, NOP Ev: a memory form that does not access memory */
    SP_BTREG,   /* BT* Ev,Gv: the register is a signed bit offset */
    SP_CMPXCHG, /* make the accumulator equal the destination half of the time */
    SP_CX8B,
    SP_JCC,     /* Jcc over the next instruction (sequences only) */
};

typedef struct DiffForm {
    const char *fam;        /* GTest case; NULL: used in sequences only */
    uint8_t op[2], nop;     /* opcode bytes */
    uint8_t mr, rm, sz;
    uint8_t rms;            /* r/m operand bytes when not the operand size (MOVZX...) */
    uint8_t imm, var;
    uint16_t km;            /* allowed variants k (0: k = 0 only) */
    uint8_t fk, cnt, sp;
    uint8_t lk;             /* variants k that accept LOCK with a memory destination */
    bool noseq;             /* never in a sequence: undefined results, register addresses */
} DiffForm;

#define O1(a) .op = { (a) }, .nop = 1
#define O2(b) .op = { 0x0f, (b) }, .nop = 2
#define K(n) (1u << (n))
#define KALL 0x00ffu        /* k = 0..7 */
#define KREG 0x00efu        /* +r register forms without ESP */
#define KCC 0xffffu         /* condition codes */

static const DiffForm diff_forms[] = {
    /* ADD OR ADC SBB AND SUB XOR CMP: k is the operation (opcode + 8k or /k) */
    { "alu", O1(0x00), .mr = M_REG, .sz = SZ_B, .var = V_OP8, .km = KALL, .fk = FK_ALU,
      .lk = 0x7f },
    { "alu", O1(0x01), .mr = M_REG, .sz = SZ_V, .var = V_OP8, .km = KALL, .fk = FK_ALU,
      .lk = 0x7f },
    { "alu", O1(0x02), .mr = M_REG, .sz = SZ_B, .var = V_OP8, .km = KALL, .fk = FK_ALU },
    { "alu", O1(0x03), .mr = M_REG, .sz = SZ_V, .var = V_OP8, .km = KALL, .fk = FK_ALU },
    { "alu", O1(0x04), .sz = SZ_B, .imm = I_B, .var = V_OP8, .km = KALL, .fk = FK_ALU },
    { "alu", O1(0x05), .sz = SZ_V, .imm = I_Z, .var = V_OP8, .km = KALL, .fk = FK_ALU },
    { "alu", O1(0x80), .mr = M_DIGIT, .sz = SZ_B, .imm = I_B, .km = KALL, .fk = FK_ALU,
      .lk = 0x7f },
    { "alu", O1(0x81), .mr = M_DIGIT, .sz = SZ_V, .imm = I_Z, .km = KALL, .fk = FK_ALU,
      .lk = 0x7f },
    { "alu", O1(0x83), .mr = M_DIGIT, .sz = SZ_V, .imm = I_B, .km = KALL, .fk = FK_ALU,
      .lk = 0x7f },
    /* TEST */
    { "test", O1(0x84), .mr = M_REG, .sz = SZ_B, .fk = FK_LOGIC },
    { "test", O1(0x85), .mr = M_REG, .sz = SZ_V, .fk = FK_LOGIC },
    { "test", O1(0xa8), .sz = SZ_B, .imm = I_B, .fk = FK_LOGIC },
    { "test", O1(0xa9), .sz = SZ_V, .imm = I_Z, .fk = FK_LOGIC },
    { "test", O1(0xf6), .mr = M_DIGIT, .sz = SZ_B, .imm = I_B, .fk = FK_LOGIC },
    { "test", O1(0xf7), .mr = M_DIGIT, .sz = SZ_V, .imm = I_Z, .fk = FK_LOGIC },
    /* INC DEC (FE/FF /0 /1; 40-4F are REX prefixes on the host) */
    { "incdec", O1(0xfe), .mr = M_DIGIT, .sz = SZ_B, .km = K(0) | K(1), .fk = FK_INCDEC,
      .lk = 0x03 },
    { "incdec", O1(0xff), .mr = M_DIGIT, .sz = SZ_V, .km = K(0) | K(1), .fk = FK_INCDEC,
      .lk = 0x03 },
    /* NOT NEG */
    { "notneg", O1(0xf6), .mr = M_DIGIT, .sz = SZ_B, .km = K(2) | K(3), .fk = FK_GRP3,
      .lk = 0x0c },
    { "notneg", O1(0xf7), .mr = M_DIGIT, .sz = SZ_V, .km = K(2) | K(3), .fk = FK_GRP3,
      .lk = 0x0c },
    /* MUL IMUL: one, two and three operands */
    { "mul", O1(0xf6), .mr = M_DIGIT, .sz = SZ_B, .km = K(4) | K(5), .fk = FK_GRP3 },
    { "mul", O1(0xf7), .mr = M_DIGIT, .sz = SZ_V, .km = K(4) | K(5), .fk = FK_GRP3 },
    { "mul", O2(0xaf), .mr = M_REG, .sz = SZ_V, .fk = FK_MUL },
    { "mul", O1(0x69), .mr = M_REG, .sz = SZ_V, .imm = I_Z, .fk = FK_MUL },
    { "mul", O1(0x6b), .mr = M_REG, .sz = SZ_V, .imm = I_B, .fk = FK_MUL },
    /* DIV IDIV, #DE included */
    { "div", O1(0xf6), .mr = M_DIGIT, .sz = SZ_B, .km = K(6) | K(7), .fk = FK_GRP3 },
    { "div", O1(0xf7), .mr = M_DIGIT, .sz = SZ_V, .km = K(6) | K(7), .fk = FK_GRP3 },
    /* ROL ROR RCL RCR */
    { "rotate", O1(0xc0), .mr = M_DIGIT, .sz = SZ_B, .imm = I_B, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_IB },
    { "rotate", O1(0xc1), .mr = M_DIGIT, .sz = SZ_V, .imm = I_B, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_IB },
    { "rotate", O1(0xd0), .mr = M_DIGIT, .sz = SZ_B, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_ONE },
    { "rotate", O1(0xd1), .mr = M_DIGIT, .sz = SZ_V, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_ONE },
    { "rotate", O1(0xd2), .mr = M_DIGIT, .sz = SZ_B, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_CL },
    { "rotate", O1(0xd3), .mr = M_DIGIT, .sz = SZ_V, .km = 0x0f, .fk = FK_SHIFT,
      .cnt = CNT_CL },
    /* SHL SHR SAL(/6) SAR */
    { "shift", O1(0xc0), .mr = M_DIGIT, .sz = SZ_B, .imm = I_B, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_IB },
    { "shift", O1(0xc1), .mr = M_DIGIT, .sz = SZ_V, .imm = I_B, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_IB },
    { "shift", O1(0xd0), .mr = M_DIGIT, .sz = SZ_B, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_ONE },
    { "shift", O1(0xd1), .mr = M_DIGIT, .sz = SZ_V, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_ONE },
    { "shift", O1(0xd2), .mr = M_DIGIT, .sz = SZ_B, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_CL },
    { "shift", O1(0xd3), .mr = M_DIGIT, .sz = SZ_V, .km = 0xf0, .fk = FK_SHIFT,
      .cnt = CNT_CL },
    /* SHLD SHRD */
    { "shiftd", O2(0xa4), .mr = M_REG, .sz = SZ_V, .imm = I_B, .fk = FK_SHIFTD,
      .cnt = CNT_IB },
    { "shiftd", O2(0xa5), .mr = M_REG, .sz = SZ_V, .fk = FK_SHIFTD, .cnt = CNT_CL },
    { "shiftd", O2(0xac), .mr = M_REG, .sz = SZ_V, .imm = I_B, .fk = FK_SHIFTD,
      .cnt = CNT_IB },
    { "shiftd", O2(0xad), .mr = M_REG, .sz = SZ_V, .fk = FK_SHIFTD, .cnt = CNT_CL },
    /* BT BTS BTR BTC: register offsets reach outside the addressed word */
    { "bt", O2(0xa3), .mr = M_REG, .sz = SZ_V, .fk = FK_BT, .sp = SP_BTREG },
    { "bt", O2(0xab), .mr = M_REG, .sz = SZ_V, .fk = FK_BT, .sp = SP_BTREG, .lk = 0x01 },
    { "bt", O2(0xb3), .mr = M_REG, .sz = SZ_V, .fk = FK_BT, .sp = SP_BTREG, .lk = 0x01 },
    { "bt", O2(0xbb), .mr = M_REG, .sz = SZ_V, .fk = FK_BT, .sp = SP_BTREG, .lk = 0x01 },
    { "bt", O2(0xba), .mr = M_DIGIT, .sz = SZ_V, .imm = I_B, .km = 0xf0, .fk = FK_BT,
      .lk = 0xe0 },
    /* BSF BSR */
    { "bitscan", O2(0xbc), .mr = M_REG, .sz = SZ_V, .fk = FK_BSCAN, .noseq = true },
    { "bitscan", O2(0xbd), .mr = M_REG, .sz = SZ_V, .fk = FK_BSCAN, .noseq = true },
    /* BSWAP (the 16-bit form is undefined) */
    { "bswap", O2(0xc8), .sz = SZ_D, .var = V_ADD, .km = KREG },
    /* CMOVcc SETcc (SETcc ignores ModRM.reg) */
    { "cmov", O2(0x40), .mr = M_REG, .sz = SZ_V, .var = V_ADD, .km = KCC, .fk = FK_CC },
    { "setcc", O2(0x90), .mr = M_IGN, .sz = SZ_B, .var = V_ADD, .km = KCC, .fk = FK_CC },
    /* MOVZX MOVSX */
    { "movx", O2(0xb6), .mr = M_REG, .sz = SZ_V, .rms = 1 },
    { "movx", O2(0xb7), .mr = M_REG, .sz = SZ_V, .rms = 2 },
    { "movx", O2(0xbe), .mr = M_REG, .sz = SZ_V, .rms = 1 },
    { "movx", O2(0xbf), .mr = M_REG, .sz = SZ_V, .rms = 2 },
    /* MOV */
    { "mov", O1(0x88), .mr = M_REG, .sz = SZ_B },
    { "mov", O1(0x89), .mr = M_REG, .sz = SZ_V },
    { "mov", O1(0x8a), .mr = M_REG, .sz = SZ_B },
    { "mov", O1(0x8b), .mr = M_REG, .sz = SZ_V },
    { "mov", O1(0xc6), .mr = M_DIGIT, .sz = SZ_B, .imm = I_B },
    { "mov", O1(0xc7), .mr = M_DIGIT, .sz = SZ_V, .imm = I_Z },
    { "mov", O1(0xb0), .sz = SZ_B, .imm = I_B, .var = V_ADD, .km = KALL },
    { "mov", O1(0xb8), .sz = SZ_V, .imm = I_Z, .var = V_ADD, .km = KREG },
    { "mov", O1(0xa0), .sz = SZ_B, .sp = SP_MOFFS },
    { "mov", O1(0xa1), .sz = SZ_V, .sp = SP_MOFFS },
    { "mov", O1(0xa2), .sz = SZ_B, .sp = SP_MOFFS },
    { "mov", O1(0xa3), .sz = SZ_V, .sp = SP_MOFFS },
    /* XCHG (90 is NOP) */
    { "xchg", O1(0x86), .mr = M_REG, .sz = SZ_B, .lk = 0x01 },
    { "xchg", O1(0x87), .mr = M_REG, .sz = SZ_V, .lk = 0x01 },
    { "xchg", O1(0x90), .sz = SZ_V, .var = V_ADD, .km = KREG },
    /* XADD CMPXCHG CMPXCHG8B */
    { "xadd", O2(0xc0), .mr = M_REG, .sz = SZ_B, .fk = FK_ARITH, .lk = 0x01 },
    { "xadd", O2(0xc1), .mr = M_REG, .sz = SZ_V, .fk = FK_ARITH, .lk = 0x01 },
    { "cmpxchg", O2(0xb0), .mr = M_REG, .sz = SZ_B, .fk = FK_ARITH, .sp = SP_CMPXCHG,
      .lk = 0x01 },
    { "cmpxchg", O2(0xb1), .mr = M_REG, .sz = SZ_V, .fk = FK_ARITH, .sp = SP_CMPXCHG,
      .lk = 0x01 },
    { "cmpxchg8b", O2(0xc7), .mr = M_DIGIT, .rm = RM_MEM, .sz = SZ_D, .rms = 8, .km = K(1),
      .fk = FK_CX8B, .sp = SP_CX8B, .lk = 0x02 },
    /* LEA and the long NOP: addressing without access */
    { "lea", O1(0x8d), .mr = M_REG, .rm = RM_MEM, .sz = SZ_V, .sp = SP_NOACC },
    { "lea", O2(0x1f), .mr = M_DIGIT, .rm = RM_MEM, .sz = SZ_V, .sp = SP_NOACC },
    /* CBW/CWDE CWD/CDQ */
    { "cbw", O1(0x98), .sz = SZ_V },
    { "cbw", O1(0x99), .sz = SZ_V },
    /* CMC; CLC STC CLD STD */
    { "flagop", O1(0xf5), .sz = SZ_D, .fk = FK_FLAGOP },
    { "flagop", O1(0xf8), .sz = SZ_D, .var = V_ADD, .km = K(0) | K(1) | K(4) | K(5),
      .fk = FK_FLAGOP },
    /* SAHF LAHF (in 64-bit mode only with CPUID LAHF-SAHF) */
    { "lahf", O1(0x9e), .sz = SZ_D, .var = V_ADD, .km = K(0) | K(1), .fk = FK_LAHF },
    /* XLAT */
    { "xlat", O1(0xd7), .sz = SZ_B, .sp = SP_XLAT, .noseq = true },
    /* Jcc rel8 and rel32 over the next instruction */
    { NULL, O1(0x70), .sz = SZ_D, .var = V_ADD, .km = KCC, .fk = FK_CC, .sp = SP_JCC },
    { NULL, O2(0x80), .sz = SZ_D, .var = V_ADD, .km = KCC, .fk = FK_CC, .sp = SP_JCC },
};

/* ---- random numbers (splitmix64: deterministic for a seed) ---- */

typedef struct DiffRng {
    uint64_t s;
} DiffRng;

static uint64_t diff_next(DiffRng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t diff_below(DiffRng *r, uint32_t n)
{
    return (uint32_t)(((diff_next(r) >> 32) * n) >> 32);
}

static uint32_t diff_r32(DiffRng *r)
{
    return (uint32_t)(diff_next(r) >> 32);
}

static const uint32_t diff_special[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x100, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xfffe,
    0xffff, 0x10000, 0x7fffffff, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu,
    0x55555555u, 0xaaaaaaaau, 0x0f0f0f0fu, 0xffff8000u, 0xffffff80u, 0x00ff00ffu,
};

/* A 32-bit value biased to edges at every operand size. */
static uint32_t diff_value(DiffRng *r)
{
    uint32_t s = diff_special[diff_below(r, G_N_ELEMENTS(diff_special))];
    switch (diff_below(r, 10)) {
    case 0: case 1: return s;
    case 2: return diff_below(r, 34);                            /* counts, bit numbers */
    case 3: return (uint32_t)-(int32_t)diff_below(r, 34);
    case 4: return (diff_r32(r) & 0xffff0000u) | (s & 0xffff);   /* edge at 16 bits */
    case 5: return (diff_r32(r) & 0xffffff00u) | (s & 0xff);     /* edge at 8 bits */
    case 6: return (diff_r32(r) & 0xffff00ffu) | ((s & 0xff) << 8);  /* edge in AH.. */
    default: return diff_r32(r);
    }
}

/* A shift count: mostly 0-33, sometimes with bits the 5-bit mask drops. */
static uint32_t diff_count_value(DiffRng *r)
{
    switch (diff_below(r, 8)) {
    case 0: return diff_r32(r);
    case 1: case 2: return (diff_r32(r) & ~31u) | diff_below(r, 32);
    default: return diff_below(r, 34);
    }
}

/* ---- cases ---- */

typedef struct DiffInsn {
    const DiffForm *f;
    unsigned k, size, rms;
    bool mem;               /* has a memory operand form (the host copy gets 67) */
    bool access;            /* and really accesses memory */
    uint32_t acc;           /* buffer offset of the memory access */
    unsigned regf, rmreg;   /* ModRM.reg, and the r/m register when !mem */
    uint32_t imm;
    uint8_t g[16], glen;    /* guest bytes */
    uint8_t h[16], hlen;    /* host bytes */
} DiffInsn;

typedef struct DiffCase {
    uint32_t regs[8];
    uint32_t flags;                 /* initial arithmetic flags and DF */
    DiffInsn insn[DIFF_MAX_SEQ];
    unsigned n;
    uint32_t undef_flags;           /* flags the architecture leaves undefined at the end */
    uint32_t undef_at[DIFF_MAX_SEQ];    /* ... and before each instruction (faults) */
    uint32_t undef_regs[8];         /* register bits the architecture leaves undefined */
    uint32_t win_lo, win_len;       /* buffer bytes set for this case ... */
    uint8_t win[DIFF_WIN];          /* ... and their initial contents */
} DiffCase;

/* How a run ended and what it left. */
typedef struct DiffResult {
    uint32_t regs[8];
    uint32_t flags;
    int vector;             /* exception raised, -1 none */
    int fault_insn;         /* index of the faulting instruction */
    char error[96];         /* wirt: the run did not end at a HLT we placed */
} DiffResult;

/* Process-wide host resources. */
static uint8_t *diff_hbuf;          /* host data buffer, below 2 GiB */
static uint32_t diff_haddr;         /* its address */
static uint8_t *diff_stub;          /* RWX page for the host code */
static bool diff_has_lahf;
static uint64_t diff_seed = 0x5eedd1ff0c0ffee5ull;
static unsigned diff_cases_per_family;
static unsigned diff_show = 8;
static bool diff_verbose;
static bool diff_strict;            /* compare undefined flags and registers too */
static Disas diff_disas;
static bool diff_disas_ok;

/* Per-family run state. */
typedef struct DiffRun {
    const char *fam;
    DiffRng rng;
    const DiffForm *forms[G_N_ELEMENTS(diff_forms)];
    unsigned nforms;
    bool seq;
    Machine *m;
    unsigned cases, faults, mismatches, shown;
    GHashTable *by_key;     /* mismatch summary key -> count */
} DiffRun;

static uint32_t diff_reg_read(const uint32_t *regs, unsigned r, unsigned size)
{
    if (size == 1) {
        return r < 4 ? regs[r] & 0xff : (regs[r - 4] >> 8) & 0xff;
    }
    return size == 2 ? regs[r] & 0xffff : regs[r];
}

static void diff_reg_write(uint32_t *regs, unsigned r, unsigned size, uint32_t v)
{
    if (size == 1) {
        unsigned sh = r < 4 ? 0 : 8;
        uint32_t *p = &regs[r & 3];
        *p = (*p & ~(0xffu << sh)) | ((v & 0xff) << sh);
    } else if (size == 2) {
        regs[r] = (regs[r] & 0xffff0000u) | (v & 0xffff);
    } else {
        regs[r] = v;
    }
}

static uint64_t diff_buf_read(uint32_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)diff_hbuf[off + i] << (8 * i);
    }
    return v;
}

/* Sets initial memory: the host buffer and the case's window (copied to the guest). */
static void diff_buf_set(DiffCase *c, uint32_t off, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        diff_hbuf[off + i] = b;
        g_assert(off + i >= c->win_lo && off + i < c->win_lo + c->win_len);
        c->win[off + i - c->win_lo] = b;
    }
}

/* Fresh random bytes around a memory operand, with an edge value at the operand half the
 * time. */
static void diff_fill_window(DiffRng *r, DiffCase *c, uint32_t lo, uint32_t acc,
                             unsigned size)
{
    uint32_t hi = MIN(lo + DIFF_WIN, DIFF_BUF);
    c->win_lo = lo;
    c->win_len = hi - lo;
    for (uint32_t i = lo; i < hi; i++) {
        static const uint8_t edge[] = { 0, 0xff, 0x80, 0x7f, 1 };
        uint8_t b = diff_below(r, 2) ? (uint8_t)diff_r32(r) : edge[diff_below(r, 5)];
        diff_hbuf[i] = b;
        c->win[i - lo] = b;
    }
    if (size && diff_below(r, 2)) {
        uint64_t v = diff_value(r);
        if (size == 8) {
            v |= (uint64_t)diff_value(r) << 32;
        }
        diff_buf_set(c, acc, v, size);
    }
}

/* Buffer offset for an access of SIZE bytes: often straddling the page boundary. */
static uint32_t diff_pick_off(DiffRng *r, unsigned size)
{
    if (diff_below(r, 4) == 0) {
        return DIFF_PAGE - size + diff_below(r, size + 1);
    }
    return 64 + diff_below(r, DIFF_BUF - 128);
}

static const uint8_t diff_gprs[7] = { EAX, ECX, EDX, EBX, EBP, ESI, EDI };

/* A register for an operand of SIZE bytes: any byte register, or anything but ESP. */
static unsigned diff_pick_reg(DiffRng *r, unsigned size)
{
    return size == 1 ? diff_below(r, 8) : diff_gprs[diff_below(r, 7)];
}

static unsigned diff_pick_gpr(DiffRng *r, unsigned avoid)
{
    unsigned cand[7], n = 0;
    for (unsigned i = 0; i < 7; i++) {
        if (!(avoid & (1u << diff_gprs[i]))) {
            cand[n++] = diff_gprs[i];
        }
    }
    g_assert(n > 0);
    return cand[diff_below(r, n)];
}

static void diff_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/*
 * Encodes a memory ModRM with ModRM.reg = REGF, SIB and displacement, using base and
 * index registers outside AVOID. With SOLVE, sets the base (or the displacement) so the
 * effective address is EA, mod 2^32. AVOID = ~0: an absolute address, for sequences
 * whose registers change. Never mod=00 r/m=101 (RIP-relative on the host).
 */
static size_t diff_gen_mem(DiffRng *r, uint32_t *regs, unsigned regf, uint32_t ea, bool solve,
                           unsigned avoid, uint8_t *out)
{
    if (avoid == ~0u) {
        /* absolute [disp32] through a SIB with neither base nor index (scale ignored) */
        out[0] = (uint8_t)(regf << 3 | 4);
        out[1] = (uint8_t)(diff_below(r, 4) << 6 | 4 << 3 | 5);
        diff_put32(out + 2, ea);
        return 6;
    }
    unsigned base = diff_pick_gpr(r, avoid | (1u << ESP));
    unsigned index = diff_pick_gpr(r, avoid | (1u << ESP) | (1u << base));
    unsigned scale = diff_below(r, 4), mod = diff_below(r, 3);
    bool sib = diff_below(r, 2), has_base = true, has_index = false;
    size_t n = 0;

    if (sib) {
        switch (diff_below(r, 4)) {
        case 0: has_index = false; break;                      /* index field 100 */
        case 1: has_base = false; has_index = diff_below(r, 4) != 0; mod = 0; break;
        default: has_index = true; break;
        }
    }
    if (has_base && base == EBP && mod == 0) {
        mod = 1;                                               /* [ebp] needs a disp */
    }
    int32_t disp = 0;
    unsigned dbytes = 0;
    if (!has_base || mod == 2) {
        dbytes = 4;
        disp = (int32_t)(diff_below(r, 2) ? diff_r32(r) : diff_value(r));
    } else if (mod == 1) {
        dbytes = 1;
        disp = (int8_t)diff_r32(r);
    }
    uint32_t scaled = has_index ? regs[index] << scale : 0;
    if (solve) {
        if (has_base) {
            regs[base] = ea - scaled - (uint32_t)disp;
        } else {
            disp = (int32_t)(ea - scaled);
        }
    }
    if (!sib) {
        out[n++] = (uint8_t)(mod << 6 | regf << 3 | base);
    } else {
        out[n++] = (uint8_t)(mod << 6 | regf << 3 | 4);
        out[n++] = (uint8_t)(scale << 6 | (has_index ? index : 4) << 3 | (has_base ? base : 5));
    }
    if (dbytes == 1) {
        out[n++] = (uint8_t)disp;
    } else if (dbytes == 4) {
        diff_put32(out + n, (uint32_t)disp);
        n += 4;
    }
    return n;
}

/* Registers an instruction uses implicitly, kept out of its address so they stay biased. */
static unsigned diff_implicit(const DiffForm *f, unsigned k)
{
    unsigned m = 0;
    if (f->cnt == CNT_CL) {
        m |= 1u << ECX;
    }
    if (f->fk == FK_GRP3 && k >= 6) {
        m |= (1u << EAX) | (1u << EDX);
    }
    if (f->sp == SP_CMPXCHG) {
        m |= 1u << EAX;
    }
    if (f->sp == SP_CX8B) {
        m |= (1u << EAX) | (1u << ECX) | (1u << EDX) | (1u << EBX);
    }
    return m;
}

static unsigned diff_pick_k(DiffRng *r, uint16_t km)
{
    unsigned cand[16], n = 0;
    for (unsigned k = 0; k < 16; k++) {
        if (km & (1u << k)) {
            cand[n++] = k;
        }
    }
    return n ? cand[diff_below(r, n)] : 0;
}

/* The value of the r/m operand before the instruction (for single instructions). */
static uint64_t diff_rm_value(const DiffCase *c, const DiffInsn *in)
{
    if (in->mem) {
        return diff_buf_read(in->acc, in->rms);
    }
    return diff_reg_read(c->regs, in->rmreg, in->rms);
}

/* Operand fix-ups that make rare outcomes common: quotients that fit, equal compares,
 * small shift counts. */
static void diff_fixup(DiffRng *r, DiffCase *c, DiffInsn *in)
{
    const DiffForm *f = in->f;
    unsigned size = in->size;

    if (f->cnt == CNT_CL && diff_below(r, 8) != 0) {
        uint32_t cnt = diff_count_value(r);
        if (f->fk == FK_SHIFTD && size == 2) {
            cnt = (cnt & ~31u) | diff_below(r, 17);
        }
        diff_reg_write(c->regs, ECX, 1, cnt);
    }
    if (f->fk == FK_SHIFTD && size == 2 && f->cnt == CNT_CL) {
        /* a count above 16 leaves the result undefined (SDM SHLD/SHRD) */
        uint32_t cl = c->regs[ECX] & 0xff;
        if ((cl & 31) > 16) {
            diff_reg_write(c->regs, ECX, 1, (cl & ~31u) | diff_below(r, 17));
        }
    }
    if (f->fk == FK_GRP3 && in->k >= 6 && diff_below(r, 4) != 0) {
        /* dividend high half below the divisor (DIV) or a sign extension (IDIV) */
        bool overlaps = !in->mem && (size == 1 ? (in->rmreg == 0 || in->rmreg == 4)
                                               : (in->rmreg == EAX || in->rmreg == EDX));
        uint32_t d = (uint32_t)diff_rm_value(c, in);
        if (!overlaps && d != 0) {
            uint32_t lo = diff_reg_read(c->regs, EAX, size);
            uint32_t hi = in->k == 6 ? diff_below(r, d)
                          : (lo >> (size * 8 - 1)) & 1 ? 0xffffffffu : 0;
            if (size == 1) {
                diff_reg_write(c->regs, 4, 1, hi);       /* AH */
            } else {
                diff_reg_write(c->regs, EDX, size, hi);
            }
        }
    }
    if (f->sp == SP_CMPXCHG && diff_below(r, 2)) {
        diff_reg_write(c->regs, EAX, size, (uint32_t)diff_rm_value(c, in));
    }
    if (f->sp == SP_CX8B && diff_below(r, 2)) {
        diff_buf_set(c, in->acc, (uint64_t)c->regs[EDX] << 32 | c->regs[EAX], 8);
    }
}

/* Condition code -> the flags it reads. */
static uint32_t diff_cc_flags(unsigned cc)
{
    static const uint32_t f[8] = {
        FL_OF, FL_CF, FL_ZF, FL_CF | FL_ZF, FL_SF, FL_PF, FL_SF | FL_OF, FL_ZF | FL_SF | FL_OF,
    };
    return f[(cc >> 1) & 7];
}

typedef struct DiffFlagUse {
    uint32_t reads;     /* flags whose values feed the result */
    uint32_t writes;    /* flags surely written (defined or not) */
    uint32_t undef;     /* flags left undefined */
} DiffFlagUse;

/*
 * The arithmetic flags an instruction reads, writes and leaves undefined (SDM vol. 2,
 * "Flags Affected"). COUNT is the shift count, or -1 when not known (in a sequence): then
 * the flags may be left unchanged (count 0) or undefined.
 */
static void diff_flag_use(const DiffInsn *in, int64_t count, DiffFlagUse *u)
{
    const DiffForm *f = in->f;
    unsigned k = in->k, bits = in->size * 8;
    const uint32_t szap = FL_SF | FL_ZF | FL_AF | FL_PF;

    u->reads = u->writes = u->undef = 0;
    switch (f->fk) {
    case FK_ALU:
        u->writes = FL_ARITH;
        u->undef = (k == 1 || k == 4 || k == 6) ? FL_AF : 0;   /* OR AND XOR */
        u->reads = (k == 2 || k == 3) ? FL_CF : 0;             /* ADC SBB */
        break;
    case FK_ARITH:
        u->writes = FL_ARITH;
        break;
    case FK_LOGIC:
        u->writes = FL_ARITH;
        u->undef = FL_AF;
        break;
    case FK_INCDEC:
        u->writes = FL_ARITH & ~FL_CF;
        break;
    case FK_GRP3:
        if (k == 0) {
            u->writes = FL_ARITH;
            u->undef = FL_AF;
        } else if (k == 3) {
            u->writes = FL_ARITH;
        } else if (k == 4 || k == 5) {
            u->writes = FL_ARITH;
            u->undef = szap;
        } else if (k >= 6) {
            u->writes = FL_ARITH;
            u->undef = FL_ARITH;
        }
        break;
    case FK_MUL:
        u->writes = FL_ARITH;
        u->undef = szap;
        break;
    case FK_SHIFT: {
        bool rot = k < 4;
        u->reads = (k == 2 || k == 3) ? FL_CF : 0;
        if (count < 0) {
            u->undef = rot ? FL_OF
                           : FL_AF | FL_OF | (bits < 32 && k != 7 ? FL_CF : 0);
            break;
        }
        unsigned c = (unsigned)count & 31;
        if (c == 0) {
            break;
        }
        if (rot) {
            u->writes = FL_CF | FL_OF;
            u->undef = c != 1 ? FL_OF : 0;
        } else {
            u->writes = FL_ARITH;
            u->undef = FL_AF | (c != 1 ? FL_OF : 0) | (k != 7 && c >= bits ? FL_CF : 0);
        }
        break;
    }
    case FK_SHIFTD:
        if (count < 0) {
            u->undef = FL_AF | FL_OF;
        } else if ((count & 31) != 0) {
            u->writes = FL_ARITH;
            u->undef = FL_AF | ((count & 31) != 1 ? FL_OF : 0);
        }
        break;
    case FK_BT:
        u->writes = FL_CF | FL_OF | FL_SF | FL_AF | FL_PF;
        u->undef = FL_OF | FL_SF | FL_AF | FL_PF;
        break;
    case FK_BSCAN:
        u->writes = FL_ARITH;
        u->undef = FL_ARITH & ~FL_ZF;
        break;
    case FK_CC:
        u->reads = diff_cc_flags(k);
        break;
    case FK_FLAGOP: {
        uint8_t op = (uint8_t)(f->op[f->nop - 1] + k);
        u->reads = op == 0xf5 ? FL_CF : 0;
        u->writes = (op == 0xf5 || op == 0xf8 || op == 0xf9) ? FL_CF : 0;
        break;
    }
    case FK_LAHF:
        if (k == 0) {
            u->writes = szap | FL_CF;    /* SAHF */
        } else {
            u->reads = szap | FL_CF;     /* LAHF */
        }
        break;
    case FK_CX8B:
        u->writes = FL_ZF;
        break;
    default:
        break;
    }
}

/* The shift count of a single instruction from the initial state. */
static int64_t diff_count(const DiffCase *c, const DiffInsn *in)
{
    switch (in->f->cnt) {
    case CNT_IB: return in->imm & 0xff;
    case CNT_ONE: return 1;
    case CNT_CL: return c->regs[ECX] & 0xff;
    default: return 0;
    }
}

/* Generates one instruction of form F into the next slot of C. */
static void diff_gen_insn(DiffRng *r, DiffCase *c, const DiffForm *f, bool seq)
{
    DiffInsn *in = &c->insn[c->n++];
    uint8_t body[16], pfx[4];
    size_t n = 0, np = 0;

    memset(in, 0, sizeof(*in));
    in->f = f;
    in->k = diff_pick_k(r, f->km);
    in->size = f->sz == SZ_B ? 1 : f->sz == SZ_D ? 4 : diff_below(r, 2) ? 4 : 2;
    if (seq && f->fk == FK_SHIFTD && f->cnt == CNT_CL) {
        in->size = 4;        /* CL unknown mid-sequence: keep 16-bit counts defined */
    }
    in->rms = f->rms ? f->rms : in->size;
    in->mem = f->sp == SP_MOFFS || f->sp == SP_XLAT || f->rm == RM_MEM ||
              (f->mr != M_NONE && (seq ? f->sp != SP_BTREG && diff_below(r, 3) == 0
                                       : diff_below(r, 2)));
    in->access = in->mem && f->sp != SP_NOACC;

    memcpy(body, f->op, f->nop);
    n = f->nop;
    if (f->var == V_OP8) {
        body[n - 1] = (uint8_t)(body[n - 1] + 8 * in->k);
    } else if (f->var == V_ADD) {
        body[n - 1] = (uint8_t)(body[n - 1] + in->k);
    }

    if (in->access && seq) {
        in->acc = DIFF_SEQ_MEM + diff_below(r, DIFF_WIN - in->rms + 1);  /* window is set */
    } else if (in->access) {
        in->acc = diff_pick_off(r, in->rms);
        if (f->sp == SP_BTREG) {
            in->acc = 64 + diff_below(r, DIFF_BUF - 128);
        }
        diff_fill_window(r, c, in->acc >= 8 ? in->acc - 8 : 0, in->acc, in->rms);
    }
    uint32_t ea = diff_haddr + in->acc;

    if (f->mr != M_NONE) {
        unsigned regf = f->mr == M_DIGIT ? in->k
                        : f->mr == M_IGN ? diff_below(r, 8) : diff_pick_reg(r, in->size);
        unsigned avoid = diff_implicit(f, in->k);
        in->regf = regf;
        if (in->mem) {
            if (f->sp == SP_BTREG) {
                /* the bit offset moves the access: EA + size * (offset DIV bits) */
                int32_t bo = (int32_t)diff_below(r, 32000) - 16000;
                int32_t words = in->size == 2 ? bo >> 4 : bo >> 5;
                diff_reg_write(c->regs, regf, in->size, (uint32_t)bo);
                ea -= (uint32_t)(words * (int32_t)in->size);
                avoid |= 1u << regf;
            }
            if (seq && f->sp != SP_NOACC) {
                avoid = ~0u;
            }
            n += diff_gen_mem(r, c->regs, regf, ea, in->access, avoid, body + n);
        } else {
            in->rmreg = diff_pick_reg(r, in->rms == 8 ? 4 : in->rms);
            body[n++] = (uint8_t)(0xc0 | regf << 3 | in->rmreg);
        }
    } else if (f->sp == SP_MOFFS) {
        diff_put32(body + n, ea);
        n += 4;
    } else if (f->sp == SP_XLAT) {
        c->regs[EBX] = ea - (c->regs[EAX] & 0xff);
    }

    if (f->imm != I_NONE) {
        unsigned ib = f->imm == I_B ? 1 : in->size;
        uint32_t v = f->cnt == CNT_IB ? diff_count_value(r)
                     : f->fk == FK_BT ? diff_r32(r) : diff_value(r);
        if (f->fk == FK_SHIFTD && in->size == 2) {
            v = (v & ~31u) | diff_below(r, 17);   /* counts above 16: undefined result */
        }
        in->imm = v;
        for (unsigned i = 0; i < ib; i++) {
            body[n++] = (uint8_t)(v >> (8 * i));
        }
    }
    if (f->sp == SP_JCC) {
        unsigned dlen = f->nop == 1 ? 1 : 4;      /* patched by diff_layout */
        memset(body + n, 0, dlen);
        n += dlen;
    }

    if (in->size == 2 || (f->sz == SZ_B && diff_below(r, 16) == 0)) {
        pfx[np++] = 0x66;    /* byte forms ignore it */
    }
    if (in->mem && diff_below(r, 4) == 0) {
        static const uint8_t segs[] = { 0x26, 0x36, 0x3e };  /* all share the same base */
        pfx[np++] = segs[diff_below(r, 3)];
    }
    if (f->sp != SP_JCC && diff_below(r, seq ? 4 : 1) == 0) {
        bool lockable = in->access && (f->lk & (1u << in->k));
        if (diff_below(r, lockable ? 6 : 64) == 0) {
            pfx[np++] = 0xf0;                      /* else #UD on both */
        }
    }
    for (size_t i = np; i > 1; i--) {
        size_t j = diff_below(r, (uint32_t)i);
        uint8_t t = pfx[i - 1];
        pfx[i - 1] = pfx[j];
        pfx[j] = t;
    }
    size_t at67 = diff_below(r, (uint32_t)np + 1);
    for (size_t i = 0; i <= np; i++) {
        if (in->mem && i == at67) {
            in->h[in->hlen++] = 0x67;
        }
        if (i < np) {
            in->h[in->hlen++] = pfx[i];
            in->g[in->glen++] = pfx[i];
        }
    }
    memcpy(in->h + in->hlen, body, n);
    memcpy(in->g + in->glen, body, n);
    in->hlen = (uint8_t)(in->hlen + n);
    in->glen = (uint8_t)(in->glen + n);

    diff_fixup(r, c, in);
}

/* One instruction: its undefined flags and registers follow from the known operands. */
static void diff_gen_single(DiffRun *run, DiffCase *c)
{
    const DiffForm *f = run->forms[diff_below(&run->rng, run->nforms)];
    DiffFlagUse u;

    diff_gen_insn(&run->rng, c, f, false);
    const DiffInsn *in = &c->insn[0];
    diff_flag_use(in, diff_count(c, in), &u);
    c->undef_flags = u.undef;
    if (f->fk == FK_BSCAN && diff_rm_value(c, in) == 0) {
        c->undef_regs[in->regf] = in->size == 2 ? 0xffff : 0xffffffffu;  /* SDM BSF/BSR */
    }
    c->undef_at[0] = 0;
}

/*
 * A sequence of instructions, memory operands at absolute addresses in one shared window,
 * faults (#DE, #UD) possible mid-block. Values mid-sequence are unknown, so undefined
 * flags are tracked conservatively and no instruction may read one; a Jcc skips the next
 * instruction or not, and the flags it might leave undefined count either way.
 */
static void diff_gen_seq(DiffRun *run, DiffCase *c)
{
    DiffRng *r = &run->rng;
    unsigned len = 2 + diff_below(r, DIFF_MAX_SEQ - 1);
    uint32_t undef = 0;
    bool after_jcc = false;

    diff_fill_window(r, c, DIFF_SEQ_MEM, DIFF_SEQ_MEM, 0);
    while (c->n < len) {
        DiffFlagUse u;
        for (;;) {
            const DiffForm *f = run->forms[diff_below(r, run->nforms)];
            DiffCase save = *c;
            c->undef_at[c->n] = undef;
            diff_gen_insn(r, c, f, true);
            const DiffInsn *in = &c->insn[c->n - 1];
            diff_flag_use(in, f->cnt == CNT_CL ? -1 : diff_count(c, in), &u);
            if (!(u.reads & undef)) {
                break;
            }
            *c = save;      /* fix-ups may have set memory: restore the host's copy too */
            memcpy(diff_hbuf + c->win_lo, c->win, c->win_len);
        }
        if (after_jcc) {
            undef |= u.undef;
        } else {
            undef = (undef & ~u.writes) | u.undef;
        }
        after_jcc = c->insn[c->n - 1].f->sp == SP_JCC;
    }
    c->undef_flags = undef;
}

static void diff_gen_case(DiffRun *run, DiffCase *c)
{
    DiffRng *r = &run->rng;

    memset(c, 0, sizeof(*c));
    for (unsigned i = 0; i < 8; i++) {
        c->regs[i] = i == ESP ? 0 : diff_value(r);
    }
    c->flags = (diff_r32(r) & FL_ARITH) | (diff_below(r, 4) == 0 ? FL_DF : 0);
    if (run->seq) {
        diff_gen_seq(run, c);
    } else {
        diff_gen_single(run, c);
    }
}

/*
 * Lays out one side's code; OFFS gets each instruction's offset and the total. A Jcc
 * jumps over the next instruction, whose length differs between the sides.
 */
static size_t diff_layout(const DiffCase *c, bool host, uint8_t *out, uint32_t *offs)
{
    size_t n = 0;
    for (unsigned i = 0; i < c->n; i++) {
        const DiffInsn *in = &c->insn[i];
        offs[i] = (uint32_t)n;
        memcpy(out + n, host ? in->h : in->g, host ? in->hlen : in->glen);
        n += host ? in->hlen : in->glen;
    }
    offs[c->n] = (uint32_t)n;
    for (unsigned i = 0; i < c->n; i++) {
        if (c->insn[i].f->sp != SP_JCC) {
            continue;
        }
        uint32_t skip = i + 1 < c->n ? offs[i + 2] - offs[i + 1] : 0;
        if (c->insn[i].f->nop == 1) {
            out[offs[i + 1] - 1] = (uint8_t)skip;
        } else {
            diff_put32(out + offs[i + 1] - 4, skip);
        }
    }
    return n;
}

/* ---- the host side ---- */

/* The register block the host stub loads and stores (ESP is neither). */
typedef struct DiffRegs {
    uint32_t r[8];
    uint32_t flags;
} DiffRegs;

/* stub(in = rdi, out = rsi): callee-saved registers kept, flags and GPRs loaded. */
static const uint8_t diff_prologue[] = {
    0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57,  /* push rbx rbp r12-r15 */
    0x49, 0x89, 0xff,                                            /* mov r15, rdi */
    0x49, 0x89, 0xf6,                                            /* mov r14, rsi */
    0x41, 0x8b, 0x47, 0x20,                                      /* mov eax, [r15+32] */
    0x50, 0x9d,                                                  /* push rax; popfq */
    0x41, 0x8b, 0x07,                                            /* mov eax, [r15] */
    0x41, 0x8b, 0x4f, 0x04,                                      /* mov ecx, [r15+4] */
    0x41, 0x8b, 0x57, 0x08,                                      /* mov edx, [r15+8] */
    0x41, 0x8b, 0x5f, 0x0c,                                      /* mov ebx, [r15+12] */
    0x41, 0x8b, 0x6f, 0x14,                                      /* mov ebp, [r15+20] */
    0x41, 0x8b, 0x77, 0x18,                                      /* mov esi, [r15+24] */
    0x41, 0x8b, 0x7f, 0x1c,                                      /* mov edi, [r15+28] */
};

static const uint8_t diff_epilogue[] = {
    0x41, 0x89, 0x06,                                            /* mov [r14], eax */
    0x41, 0x89, 0x4e, 0x04,                                      /* mov [r14+4], ecx */
    0x41, 0x89, 0x56, 0x08,                                      /* mov [r14+8], edx */
    0x41, 0x89, 0x5e, 0x0c,                                      /* mov [r14+12], ebx */
    0x41, 0x89, 0x6e, 0x14,                                      /* mov [r14+20], ebp */
    0x41, 0x89, 0x76, 0x18,                                      /* mov [r14+24], esi */
    0x41, 0x89, 0x7e, 0x1c,                                      /* mov [r14+28], edi */
    0x9c, 0x58,                                                  /* pushfq; pop rax */
    0x41, 0x89, 0x46, 0x20,                                      /* mov [r14+32], eax */
    0xfc,                                                        /* cld (the ABI's DF) */
    0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b,  /* pop r15-r12 rbp rbx */
    0xc3,
};

static sigjmp_buf diff_jmp;
static volatile sig_atomic_t diff_armed;
static DiffResult diff_fault;
static uint64_t diff_fault_rip;

/* #DE, #UD (and, from a bug in this test, a stray access) inside the stub. */
static void diff_on_signal(int sig, siginfo_t *si, void *ctx)
{
    static const int order[8] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                  REG_RSI, REG_RDI };
    const ucontext_t *uc = ctx;

    if (!diff_armed) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    diff_armed = 0;
    for (int i = 0; i < 8; i++) {
        diff_fault.regs[i] = (uint32_t)uc->uc_mcontext.gregs[order[i]];
    }
    diff_fault.flags = (uint32_t)uc->uc_mcontext.gregs[REG_EFL];
    diff_fault.vector = sig == SIGFPE ? EXC_DE : sig == SIGILL ? EXC_UD : DIFF_HOST_SEGV;
    diff_fault_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(diff_jmp, 1);
}

static void diff_host_run(const DiffCase *c, DiffResult *res)
{
    uint32_t offs[DIFF_MAX_SEQ + 1];
    size_t n = 0;
    DiffRegs in, out;
    void (*fn)(const DiffRegs *, DiffRegs *);

    memcpy(diff_stub, diff_prologue, sizeof(diff_prologue));
    n = sizeof(diff_prologue);
    n += diff_layout(c, true, diff_stub + n, offs);
    memcpy(diff_stub + n, diff_epilogue, sizeof(diff_epilogue));

    memcpy(in.r, c->regs, sizeof(in.r));
    in.flags = c->flags | FL_FIXED1;
    memset(&out, 0, sizeof(out));
    memset(res, 0, sizeof(*res));
    void *code = diff_stub;
    memcpy(&fn, &code, sizeof(fn));

    diff_armed = 1;
    if (sigsetjmp(diff_jmp, 0) == 0) {
        fn(&in, &out);
        diff_armed = 0;
        memcpy(res->regs, out.r, sizeof(res->regs));
        res->flags = out.flags & DIFF_FLAGS;
        res->vector = -1;
    } else {
        *res = diff_fault;
        res->flags &= DIFF_FLAGS;
        uint64_t at = diff_fault_rip - (uint64_t)(uintptr_t)diff_stub - sizeof(diff_prologue);
        res->fault_insn = -1;
        for (unsigned i = 0; i < c->n; i++) {
            if (at == offs[i]) {
                res->fault_insn = (int)i;
            }
        }
    }
    res->regs[ESP] = 0;
}

/* ---- the wirt side ---- */

static uint32_t diff_ds_base(void)
{
    return DIFF_GBUF - diff_haddr;   /* base + host address == guest buffer, mod 2^32 */
}

static void diff_descriptor(uint32_t base, uint16_t attr, uint32_t *lo, uint32_t *hi)
{
    const uint32_t limit = 0xfffff;  /* 4 GiB with G */
    *lo = (limit & 0xffff) | (base << 16);
    *hi = ((base >> 16) & 0xff) | ((uint32_t)attr << 8) | (limit & 0xf0000u) |
          (base & 0xff000000u);
}

static const uint16_t diff_code_attr = 0xb | DESC_S | DESC_P | DESC_DB | DESC_G;
static const uint16_t diff_data_attr = 0x3 | DESC_S | DESC_P | DESC_DB | DESC_G;

/* A bare machine with a GDT, an IDT whose every exception gate leads to its own HLT, and
 * the data buffer a copy of the host's. */
static Machine *diff_vm_new(void)
{
    Machine *m = machine_new();
    GError *err = NULL;
    uint32_t lo, hi;

    g_assert_true(machine_init_bare(m, DIFF_RAM, &err));
    g_assert_no_error(err);
    diff_descriptor(0, diff_code_attr, &lo, &hi);
    physmem_write(&m->pm, DIFF_GDT + DIFF_SEL_CODE, lo, 4);
    physmem_write(&m->pm, DIFF_GDT + DIFF_SEL_CODE + 4, hi, 4);
    diff_descriptor(diff_ds_base(), diff_data_attr, &lo, &hi);
    physmem_write(&m->pm, DIFF_GDT + DIFF_SEL_DATA, lo, 4);
    physmem_write(&m->pm, DIFF_GDT + DIFF_SEL_DATA + 4, hi, 4);
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t off = DIFF_HANDLERS + v;
        physmem_write(&m->pm, DIFF_IDT + v * 8, (DIFF_SEL_CODE << 16) | (off & 0xffff), 4);
        physmem_write(&m->pm, DIFF_IDT + v * 8 + 4, (off & 0xffff0000u) | 0x8e00, 4);
        physmem_write(&m->pm, off, 0xf4, 1);
    }
    g_assert_true(physmem_dma_write(&m->pm, DIFF_GBUF, diff_hbuf, DIFF_BUF));
    return m;
}

/* 32-bit flat protected mode at CPL 0, set directly (data segments based for the buffer). */
static void diff_cpu_setup(CPUState *cpu, const DiffCase *c)
{
    uint32_t lo, hi;

    cpu->cr[0] |= CR0_PE;
    cpu->gdtr.base = DIFF_GDT;
    cpu->gdtr.limit = 3 * 8 - 1;
    cpu->idtr.base = DIFF_IDT;
    cpu->idtr.limit = 32 * 8 - 1;
    diff_descriptor(0, diff_code_attr, &lo, &hi);
    seg_from_descriptor(&cpu->seg[SEG_CS], DIFF_SEL_CODE, lo, hi);
    diff_descriptor(diff_ds_base(), diff_data_attr, &lo, &hi);
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        seg_from_descriptor(&cpu->seg[data_segs[i]], DIFF_SEL_DATA, lo, hi);
    }
    cpu_set_cpl(cpu, 0);
    for (unsigned i = 0; i < 8; i++) {
        cpu->regs[i] = c->regs[i];
    }
    cpu->regs[R_ESP] = DIFF_STACK - diff_ds_base();
    cpu_set_eflags(cpu, c->flags);
    cpu->eip = DIFF_CODE;
    cpu->halted = false;
    cpu->exc_pending = false;
    cpu->irq_inhibit = false;
}

static void diff_guest_run(DiffRun *run, const DiffCase *c, DiffResult *res)
{
    uint8_t code[DIFF_MAX_SEQ * 16 + 1];
    uint32_t offs[DIFF_MAX_SEQ + 1];
    size_t n = diff_layout(c, false, code, offs);
    Machine *m = run->m;
    CPUState *cpu = &m->cpu;

    code[n++] = 0xf4;
    memset(res, 0, sizeof(*res));
    res->vector = -1;
    g_assert_true(physmem_load(&m->pm, DIFF_CODE, code, n));
    if (c->win_len) {
        g_assert_true(physmem_dma_write(&m->pm, DIFF_GBUF + c->win_lo, c->win, c->win_len));
    }
    diff_cpu_setup(cpu, c);
    CpuExit ex = machine_run(m, 1000);
    for (unsigned i = 0; i < 8; i++) {
        res->regs[i] = i == ESP ? 0 : (uint32_t)cpu->regs[i];
    }
    res->flags = cpu_get_eflags(cpu) & DIFF_FLAGS;
    uint32_t eip = (uint32_t)cpu->eip;
    if (ex != CPU_EXIT_HALT) {
        snprintf(res->error, sizeof(res->error), "run ended with exit %d at EIP %08x", ex,
                 eip);
    } else if (eip == DIFF_CODE + n) {
        /* the HLT after the code */
    } else if (eip > DIFF_HANDLERS && eip <= DIFF_HANDLERS + 32) {
        res->vector = (int)(eip - DIFF_HANDLERS - 1);
        uint32_t at = (uint32_t)physmem_read(&m->pm, DIFF_STACK - 12, 4) - DIFF_CODE;
        res->fault_insn = -1;
        for (unsigned i = 0; i < c->n; i++) {
            if (at == offs[i]) {
                res->fault_insn = (int)i;
            }
        }
    } else {
        snprintf(res->error, sizeof(res->error), "halted at unexpected EIP %08x", eip);
    }
}

/* ---- comparison and reports ---- */

static const char *const diff_reg_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp",
                                               "esi", "edi" };

static void diff_flag_str(uint32_t f, char *buf)
{
    static const struct { uint32_t bit; char c; } fl[] = {
        { FL_OF, 'O' }, { FL_DF, 'D' }, { FL_SF, 'S' }, { FL_ZF, 'Z' }, { FL_AF, 'A' },
        { FL_PF, 'P' }, { FL_CF, 'C' },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(fl); i++) {
        buf[i] = (f & fl[i].bit) ? fl[i].c : '-';
    }
    buf[G_N_ELEMENTS(fl)] = 0;
}

static void diff_state_line(GString *s, const char *what, const uint32_t *regs, uint32_t flags,
                            int vector)
{
    char fs[8];
    g_string_append_printf(s, "    %-5s", what);
    for (unsigned i = 0; i < 8; i++) {
        if (i != ESP) {
            g_string_append_printf(s, " %s=%08x", diff_reg_names[i], regs[i]);
        }
    }
    diff_flag_str(flags, fs);
    g_string_append_printf(s, " fl=%s", fs);
    if (vector == DIFF_HOST_SEGV) {
        g_string_append(s, " host SIGSEGV");
    } else if (vector >= 0) {
        g_string_append_printf(s, " exception %d%s", vector,
                               vector == EXC_DE ? " (#DE)" : vector == EXC_UD ? " (#UD)" : "");
    }
    g_string_append_c(s, '\n');
}

static void diff_disas_insn(const DiffInsn *in, uint32_t addr, char *buf, size_t bufsz)
{
    if (!diff_disas_ok ||
        !disas_one(&diff_disas, 32, addr, in->g, in->glen, buf, bufsz)) {
        snprintf(buf, bufsz, "(not decoded)");
    }
}

/* The summary key: mnemonic, operand size, register or memory form. */
static char *diff_key(const DiffRun *run, const DiffCase *c)
{
    if (run->seq) {
        return g_strdup("sequence");
    }
    const DiffInsn *in = &c->insn[0];
    char text[128];
    if (!diff_disas_ok || !disas_one(&diff_disas, 32, DIFF_CODE, in->g, in->glen, text,
                                     sizeof(text))) {
        return g_strdup_printf("undecodable (opcode %02x %02x)", in->f->op[0],
                               in->f->nop > 1 ? in->f->op[1] : 0);
    }
    char *sp = strchr(text, ' ');
    if (sp && (g_str_has_prefix(text, "lock") || g_str_has_prefix(text, "rep"))) {
        sp = strchr(sp + 1, ' ');
    }
    if (sp) {
        *sp = 0;
    }
    return g_strdup_printf("%s %u-bit %s", text, in->size * 8, in->mem ? "mem" : "reg");
}

static void diff_report(DiffRun *run, const DiffCase *c, const DiffResult *h,
                        const DiffResult *w, const uint8_t *gbuf, const char *why)
{
    GString *s = g_string_new(NULL);
    uint32_t offs[DIFF_MAX_SEQ + 1];
    uint8_t code[DIFF_MAX_SEQ * 16];
    char fs[8];

    diff_layout(c, false, code, offs);
    g_string_append_printf(s, "%s in %s, case %u: %s\n", strcmp(why, "agree") ? "MISMATCH" : "case",
                           run->fam, run->cases, why);
    for (unsigned i = 0; i < c->n; i++) {
        const DiffInsn *in = &c->insn[i];
        char text[128];
        diff_disas_insn(in, DIFF_CODE + offs[i], text, sizeof(text));
        g_string_append(s, "    code ");
        for (unsigned b = 0; b < in->glen; b++) {
            g_string_append_printf(s, "%02x ", code[offs[i] + b]);
        }
        g_string_append_printf(s, "%*s %s", (int)(3 * (15 - in->glen)), "", text);
        if (in->access) {
            g_string_append_printf(s, "   [buffer+0x%04x]", in->acc);
        }
        g_string_append_c(s, '\n');
    }
    diff_state_line(s, "in", c->regs, c->flags, -1);
    if (c->win_len) {
        g_string_append_printf(s, "    mem   [0x%04x..]", c->win_lo);
        for (unsigned i = 0; i < c->win_len; i++) {
            g_string_append_printf(s, " %02x", c->win[i]);
        }
        g_string_append_c(s, '\n');
    }
    diff_state_line(s, "host", h->regs, h->flags, h->vector);
    diff_state_line(s, "wirt", w->regs, w->flags, w->vector);
    if (w->error[0]) {
        g_string_append_printf(s, "    wirt: %s\n", w->error);
    }
    uint32_t undef = h->vector >= 0 && h->fault_insn >= 0 ? c->undef_at[h->fault_insn]
                                                         : c->undef_flags;
    if (undef) {
        diff_flag_str(undef, fs);
        g_string_append_printf(s, "    undefined flags masked: %s\n", fs);
    }
    for (uint32_t i = 0; i < DIFF_BUF; i++) {
        if (diff_hbuf[i] != gbuf[i]) {
            uint32_t lo = i >= 4 ? i - 4 : 0, hi = MIN(i + 12, DIFF_BUF);
            g_string_append_printf(s, "    memory differs from 0x%04x: host", i);
            for (uint32_t j = lo; j < hi; j++) {
                g_string_append_printf(s, " %02x", diff_hbuf[j]);
            }
            g_string_append(s, " / wirt");
            for (uint32_t j = lo; j < hi; j++) {
                g_string_append_printf(s, " %02x", gbuf[j]);
            }
            g_string_append_printf(s, " (from 0x%04x)\n", lo);
            break;
        }
    }
    g_test_message("%s", s->str);
    g_string_free(s, TRUE);
}

/* Compares both runs; returns NULL when they agree, else what differs. */
static const char *diff_compare(const DiffCase *c, const DiffResult *h, const DiffResult *w,
                                const uint8_t *gbuf, char *why, size_t whysz)
{
    why[0] = 0;
    if (w->error[0]) {
        return "wirt did not stop where expected";
    }
    if (h->vector == DIFF_HOST_SEGV) {
        return "host memory fault (a bug in the test generator)";
    }
    if (h->vector != w->vector) {
        return "exception differs";
    }
    if (h->vector >= 0 && (h->fault_insn != w->fault_insn || h->fault_insn < 0)) {
        return "faulting instruction differs";
    }
    bool fault = h->vector >= 0;
    for (unsigned i = 0; i < 8; i++) {
        uint32_t mask = fault || diff_strict ? 0xffffffffu : ~c->undef_regs[i];
        if (i != ESP && ((h->regs[i] ^ w->regs[i]) & mask)) {
            g_strlcat(why, diff_reg_names[i], whysz);
            g_strlcat(why, " ", whysz);
        }
    }
    uint32_t fmask = DIFF_FLAGS & ~(fault ? c->undef_at[h->fault_insn] : c->undef_flags);
    if (diff_strict) {
        fmask = DIFF_FLAGS;
    }
    if ((h->flags ^ w->flags) & fmask) {
        char fs[8];
        diff_flag_str((h->flags ^ w->flags) & fmask, fs);
        g_strlcat(why, "flags ", whysz);
        g_strlcat(why, fs, whysz);
        g_strlcat(why, " ", whysz);
    }
    if (memcmp(diff_hbuf, gbuf, DIFF_BUF) != 0) {
        g_strlcat(why, "memory", whysz);
    }
    return why[0] ? why : NULL;
}

static void diff_check_case(DiffRun *run, const DiffCase *c)
{
    DiffResult h, w;
    char why[128];

    diff_guest_run(run, c, &w);
    diff_host_run(c, &h);
    const uint8_t *gbuf = physmem_host_ptr(&run->m->pm, DIFF_GBUF, NULL);
    g_assert_nonnull(gbuf);
    run->cases++;
    run->faults += h.vector >= 0;
    const char *what = diff_compare(c, &h, &w, gbuf, why, sizeof(why));
    if (diff_verbose) {
        diff_report(run, c, &h, &w, gbuf, what ? what : "agree");
    }
    if (!what) {
        return;
    }
    run->mismatches++;
    char *key = diff_key(run, c);
    gpointer old = g_hash_table_lookup(run->by_key, key);
    g_hash_table_insert(run->by_key, key, GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
    if (run->shown < diff_show) {
        run->shown++;
        diff_report(run, c, &h, &w, gbuf, what);
    }
    /* start the next case from equal state: the host's memory in a fresh machine */
    machine_free(run->m);
    run->m = diff_vm_new();
}

static gint diff_cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint64_t diff_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    }
    return h;
}

static void diff_test_family(gconstpointer data)
{
    const char *fam = data;
    DiffRun run = { .fam = fam, .seq = strcmp(fam, "seq") == 0 };

    run.rng.s = diff_seed ^ diff_hash(fam);
    for (unsigned i = 0; i < G_N_ELEMENTS(diff_forms); i++) {
        const DiffForm *f = &diff_forms[i];
        bool ok = run.seq ? !f->noseq && (f->fk != FK_LAHF || diff_has_lahf)
                          : f->fam && strcmp(f->fam, fam) == 0;
        if (ok) {
            run.forms[run.nforms++] = f;
        }
    }
    g_assert_cmpuint(run.nforms, >, 0);
    run.by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    run.m = diff_vm_new();

    for (unsigned i = 0; i < diff_cases_per_family; i++) {
        DiffCase c;
        diff_gen_case(&run, &c);
        diff_check_case(&run, &c);
    }

    g_test_message("%s: %u cases (seed 0x%016" PRIx64 "), %u raised exceptions, "
                   "%u mismatches", fam, run.cases, diff_seed, run.faults, run.mismatches);
    if (run.mismatches) {
        guint nkeys;
        gpointer *keys = g_hash_table_get_keys_as_array(run.by_key, &nkeys);
        qsort(keys, nkeys, sizeof(*keys), diff_cmp_str);
        for (guint i = 0; i < nkeys; i++) {
            g_test_message("  %6u x %s",
                           GPOINTER_TO_UINT(g_hash_table_lookup(run.by_key, keys[i])),
                           (const char *)keys[i]);
        }
        g_free(keys);
        g_test_fail();
    }
    g_hash_table_destroy(run.by_key);
    machine_free(run.m);
}

/* ---- setup ---- */

static uint64_t diff_env_u64(const char *name, uint64_t def)
{
    const char *s = getenv(name);
    if (!s || !*s) {
        return def;
    }
    char *end;
    uint64_t v = g_ascii_strtoull(s, &end, 0);
    if (*end) {
        fprintf(stderr, "%s=%s: expected a number\n", name, s);
        exit(2);
    }
    return v;
}

static bool diff_host_setup(void)
{
    struct sigaction sa;
    unsigned a, b, c, d;

    /* the buffer between two inaccessible pages, so stray host accesses fault */
    uint8_t *p = mmap(NULL, DIFF_BUF + 2 * DIFF_PAGE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (p == MAP_FAILED) {
        return false;
    }
    diff_hbuf = p + DIFF_PAGE;
    if (mprotect(diff_hbuf, DIFF_BUF, PROT_READ | PROT_WRITE) != 0) {
        return false;
    }
    diff_haddr = (uint32_t)(uintptr_t)diff_hbuf;
    g_assert_cmphex((uintptr_t)diff_hbuf, ==, diff_haddr);
    diff_stub = mmap(NULL, DIFF_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (diff_stub == MAP_FAILED) {
        return false;
    }
    DiffRng r = { diff_seed };
    for (uint32_t i = 0; i < DIFF_BUF; i++) {
        diff_hbuf[i] = (uint8_t)diff_r32(&r);
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = diff_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    diff_has_lahf = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & 1);
    diff_disas_ok = disas_init(&diff_disas);
    return true;
}

int main(int argc, char **argv)
{
    /* every family reports its mismatches, not only the first that has some */
    char **args = g_new0(char *, argc + 2);
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        args[nargs++] = argv[i];
        if (i == 0) {
            args[nargs++] = (char *)"--keep-going";
        }
    }
    g_test_init(&nargs, &args, NULL);
    diff_seed = diff_env_u64("WIRT_DIFF_SEED", diff_seed);
    diff_show = (unsigned)diff_env_u64("WIRT_DIFF_SHOW", diff_show);
    diff_verbose = diff_env_u64("WIRT_DIFF_VERBOSE", 0) != 0;
    diff_strict = diff_env_u64("WIRT_DIFF_STRICT", 0) != 0;
    if (!diff_host_setup()) {
        printf("1..0 # SKIP cannot map low or executable host memory\n");
        return 0;
    }

    const char *fams[G_N_ELEMENTS(diff_forms) + 1];
    unsigned nfams = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(diff_forms); i++) {
        const char *f = diff_forms[i].fam;
        bool seen = !f || (strcmp(f, "lahf") == 0 && !diff_has_lahf);
        for (unsigned j = 0; j < nfams && !seen; j++) {
            seen = strcmp(fams[j], f) == 0;
        }
        if (!seen) {
            fams[nfams++] = f;
        }
    }
    fams[nfams++] = "seq";
    uint64_t total = diff_env_u64("WIRT_DIFF_CASES", DIFF_DEFAULT_CASES);
    diff_cases_per_family = (unsigned)MAX(1, total / nfams);
    for (unsigned i = 0; i < nfams; i++) {
        char *path = g_strdup_printf("/diff-host/%s", fams[i]);
        g_test_add_data_func(path, fams[i], diff_test_family);
        g_free(path);
    }
    int rc = g_test_run();
    if (diff_disas_ok) {
        disas_fini(&diff_disas);
    }
    g_free(args);
    return rc;
}

#else /* !__x86_64__ */

int main(void)
{
    printf("1..0 # SKIP not an x86-64 host\n");
    return 0;
}

#endif
