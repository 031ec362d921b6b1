/*
 * Architectural state of one x86 processor (CPUState) and the CPU's public interface.
 * Designed for the whole architecture (64-bit registers, REX, long-mode segment bits,
 * x87/SSE areas) though only real, protected and virtual-8086 mode are enabled now.
 * References: Intel SDM vol. 1 ch. 3 (registers), vol. 3A ch. 2-3 (system state).
 */
#ifndef WIRT_CPU_CPU_H
#define WIRT_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "cpu/float80.h"
#include "mmu/mmu.h"

/* General registers, in encoding order; R_ZERO always reads 0 (an absent base/index). */
enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
    R_ZERO, R_TMP, R_COUNT
};

/* Segment registers, in encoding order, then the system segments. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
#define SEG_NONE 0xff

/* EFLAGS bits. */
#define FL_CF (1u << 0)
#define FL_FIXED1 (1u << 1)
#define FL_PF (1u << 2)
#define FL_AF (1u << 4)
#define FL_ZF (1u << 6)
#define FL_SF (1u << 7)
#define FL_TF (1u << 8)
#define FL_IF (1u << 9)
#define FL_DF (1u << 10)
#define FL_OF (1u << 11)
#define FL_IOPL (3u << 12)
#define FL_IOPL_SHIFT 12
#define FL_NT (1u << 14)
#define FL_RF (1u << 16)
#define FL_VM (1u << 17)
#define FL_AC (1u << 18)
#define FL_VIF (1u << 19)
#define FL_VIP (1u << 20)
#define FL_ID (1u << 21)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Exception vectors. */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
    EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/*
 * Descriptor attribute bits as they sit in bits 8-23 of a descriptor's high dword,
 * shifted down by 8: type (0-3), S (4), DPL (5-6), P (7), AVL (12), L (13), D/B (14),
 * G (15).
 */
#define DESC_TYPE_MASK 0x000f
#define DESC_A (1u << 0)      /* accessed (code/data) */
#define DESC_W (1u << 1)      /* data: writable */
#define DESC_R (1u << 1)      /* code: readable */
#define DESC_E (1u << 2)      /* data: expand-down */
#define DESC_C (1u << 2)      /* code: conforming */
#define DESC_CODE (1u << 3)
#define DESC_S (1u << 4)
#define DESC_DPL_SHIFT 5
#define DESC_DPL_MASK (3u << DESC_DPL_SHIFT)
#define DESC_P (1u << 7)
#define DESC_AVL (1u << 12)
#define DESC_L (1u << 13)
#define DESC_DB (1u << 14)
#define DESC_G (1u << 15)

/*
 * A segment register with its hidden descriptor cache. The access windows are derived
 * from limit and attributes whenever the register is loaded (seg_update_windows): an
 * access of N bytes at offset OFF is allowed without further checks when
 * rd_lo <= OFF && OFF + N - 1 <= rd_hi (writes: wr_lo/wr_hi). An empty window
 * (lo > hi) sends every access to the checking slow path.
 */
typedef struct SegCache {
    uint16_t sel;
    uint16_t attr;     /* DESC_* bits */
    uint64_t base;
    uint32_t limit;    /* byte-granular, after G scaling */
    uint32_t rd_lo, rd_hi, wr_lo, wr_hi;
} SegCache;

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/*
 * Lazy flags (STYLE.md point 4): the last flag-setting operation records its kind and
 * operands; the arithmetic flags are computed only when read. With CC_EFLAGS the
 * arithmetic bits of eflags are current.
 */
typedef enum CcOp {
    CC_EFLAGS,
    CC_ADD8, CC_ADD16, CC_ADD32, CC_ADD64,
    CC_ADC8, CC_ADC16, CC_ADC32, CC_ADC64,
    CC_SUB8, CC_SUB16, CC_SUB32, CC_SUB64,
    CC_SBB8, CC_SBB16, CC_SBB32, CC_SBB64,
    CC_LOGIC8, CC_LOGIC16, CC_LOGIC32, CC_LOGIC64,
    CC_INC8, CC_INC16, CC_INC32, CC_INC64,
    CC_DEC8, CC_DEC16, CC_DEC32, CC_DEC64,
    CC_OP_COUNT
} CcOp;

/* Index of the size within a CcOp family: 0 = 8, 1 = 16, 2 = 32, 3 = 64 bits. */
static inline int size_index(unsigned bytes)
{
    return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
}

/*
 * The x87 FPU, MMX and SSE register file (Intel SDM vol. 1, 8.1 and 9.2; the FXSAVE image,
 * vol. 2A FXSAVE). Semantics in cpu/x87.c and cpu/mmx.c. The tags are kept the way a P6
 * keeps them, as one "not empty" bit per physical register (the FXSAVE abridged tag word);
 * the full tag word FSTENV/FSAVE store is derived from the register contents (x87_tag_word).
 */
typedef struct FpuState {
    Float80 st[8];        /* physical registers R0-R7; MMn is the mantissa of Rn */
    uint16_t fcw;         /* control word */
    uint16_t fsw;         /* status word without TOP (bits 11-13 always 0 here) */
    uint8_t top;          /* TOP: the physical register that is ST(0) */
    uint8_t ftw;          /* abridged tag word: bit n set = Rn is not empty */
    uint16_t fop;         /* last non-control instruction: opcode bits 10-0 */
    uint16_t fcs, fds;    /* ... its CS selector, and its memory operand's selector */
    uint32_t fip, fdp;    /* ... its offset, and its memory operand's offset */
    uint32_t mxcsr;       /* SSE state: storage only, for FXSAVE/FXRSTOR */
    uint8_t xmm[16][16];
} FpuState;

typedef struct CpuStats {
    uint64_t insns;       /* retired guest instructions */
    uint64_t exceptions;
    uint64_t interrupts;
} CpuStats;

/* Why cpu_exec() returned. */
typedef enum CpuExit {
    CPU_EXIT_NONE,
    CPU_EXIT_HALT,         /* HLT with interrupts off, or the caller asked to stop at HLT */
    CPU_EXIT_BUDGET,       /* the instruction budget ran out */
    CPU_EXIT_REQUEST,      /* cpu_request_exit() was called (a device asked) */
    CPU_EXIT_TRIPLE_FAULT, /* shutdown: the machine must reset */
} CpuExit;

typedef struct CPUState CPUState;

/* CPUID family/model/stepping, also in EDX after reset: family 6, model 3, stepping 3. */
#define CPU_RESET_SIGNATURE 0x00000633u
#define CPU_JMP_CACHE_BITS 12
#define CPU_JMP_CACHE_SIZE (1u << CPU_JMP_CACHE_BITS)

/* Hooks the machine hands the CPU when it wires things up (DESIGN.md: callbacks up). */
typedef struct CpuHooks {
    void *opaque;
    /* The pending external interrupt's vector (the PIC's INTA cycle). */
    int (*irq_ack)(void *opaque);
    /*
     * RDTSC and the time-stamp counter: guest-visible time, from the virtual clock, at the
     * moment RETIRED instructions had retired (exact inside a block, so the value does not
     * depend on where blocks or slices happen to end).
     */
    uint64_t (*read_tsc)(void *opaque, uint64_t retired);
    /*
     * The FERR# output: LEVEL follows the x87 status word's ES bit (an unmasked x87
     * exception is pending), whatever CR0.NE says, as on a P6. The board wires it to the
     * interrupt controller's IRQ13 (the PC's MS-DOS-compatible FPU error path, SDM vol. 1
     * D.2); with CR0.NE = 0 the next waiting x87 instruction freezes until an interrupt
     * (IGNNE# is never asserted). May be NULL.
     */
    void (*ferr)(void *opaque, bool level);
} CpuHooks;

struct CPUState {
    /* --- architectural state --- */
    uint64_t regs[R_COUNT];
    uint64_t eip;
    uint32_t eflags;       /* arithmetic bits valid only when cc_op == CC_EFLAGS */
    uint32_t cc_op;
    uint64_t cc_res, cc_src1, cc_src2;
    uint32_t cc_cin;       /* ADC/SBB carry in; INC/DEC: the carry flag they keep */
    SegCache seg[SEG_COUNT];
    DescTable gdtr, idtr;
    uint64_t cr[9];        /* cr[0], cr[2], cr[3], cr[4], cr[8]; 1, 5-7 unused */
    uint64_t dr[8];
    uint64_t efer;
    uint64_t tsc_offset;   /* TSC = virtual clock + tsc_offset (WRMSR TSC sets it) */
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base, pat, mtrr_cap, mtrr_def_type;
    uint64_t mtrr_fixed[11], mtrr_var[16];
    uint64_t bios_sign_id;  /* microcode revision (MSR 8BH); no microcode: stays as written */
    uint64_t perfctr[2], evntsel[2]; /* P6 performance counters: storage, they do not count */
    FpuState fpu;

    /* --- execution state --- */
    unsigned cpl;
    int mmu_idx;            /* MMU_IDX_USER at CPL 3, else MMU_IDX_SUPER */
    int fast_idx;           /* TLB row of the fast path: mmu_idx, or MMU_IDX_NOFILL */
    bool mem_checks;        /* every access goes through cpu_mem_checks (cpu/debug.h) */
    bool ac_check;          /* CR0.AM, EFLAGS.AC and CPL 3: misaligned data faults #AC */
    bool dbg_exec, dbg_data;/* DR7 enables instruction / data breakpoints */
    uint8_t db_pending;     /* data breakpoints hit by the current instruction (B0-B3) */
    bool halted;
    bool irq_inhibit;       /* one-instruction shadow after STI, MOV SS, POP SS */
    bool irq_line;          /* INTR asserted by the interrupt controller */
    bool nmi_pending;
    bool exit_request;
    bool triple_fault;      /* shutdown: a fault while delivering #DF */
    /* The exception or interrupt raised and not yet delivered (see cpu/exception.h). */
    bool exc_pending;
    uint8_t exc_vector;
    bool exc_has_error;
    uint32_t exc_error;
    uint8_t exc_kind;       /* ExcKind */
    bool exc_int_n;         /* EXC_KIND_SOFT from INT n (IOPL-sensitive), not INT3/INTO */
    uint32_t exc_insn_eip;  /* EXC_KIND_SOFT: the INT instruction, where delivery faults point */
    int delivering;         /* vector being delivered, for #DF escalation; -1 none */

    /* --- emulator plumbing (not architectural; rebuilt, never saved) --- */
    Tlb tlb;
    PhysMem *pm;
    IoSpace *io;
    Log *log;
    CpuHooks hooks;
    jmp_buf jmp_env;        /* exceptions unwind here from inside a block */
    const void *cur_op;     /* translate/: the op being executed, for precise state */
    const void *cur_tb;     /* translate/: the block being executed */
    bool storing;           /* a CPU store is in its slow path (self-modifying code) */
    int exit_slot;          /* translate/: chain slot the last block left by, or -1 */
    void *translator;       /* translate/: the block cache bound to this CPU */
    /* translate/: linear PC -> block, flushed with the TLB (the mapping may change) */
    const void *jmp_cache[CPU_JMP_CACHE_SIZE];
    uint64_t insn_budget;   /* instructions left before cpu_exec() returns */
    CpuStats stats;
};

/* EFLAGS with the arithmetic flags computed from the lazy state. */
uint32_t cpu_get_eflags(CPUState *cpu);
/* Sets EFLAGS outright (no privilege checks); bit 1 is forced on. */
void cpu_set_eflags(CPUState *cpu, uint32_t value);
/* Makes the arithmetic bits of eflags current and switches to CC_EFLAGS. */
void cpu_flags_materialize(CPUState *cpu);

/* Creates the CPU in its power-on state (SDM vol. 3A 9.1.1) on the given buses. */
void cpu_init(CPUState *cpu, PhysMem *pm, IoSpace *io, Log *log, const CpuHooks *hooks);
void cpu_reset(CPUState *cpu);

/* Sets CPL and the TLB privilege that goes with it. */
void cpu_set_cpl(CPUState *cpu, unsigned cpl);
/* Drops every cached linear-PC-to-block mapping (with every TLB flush). */
void cpu_tb_flush_jmp_cache(CPUState *cpu);

/* Loads a segment register the way real and v8086 mode do: base = sel << 4. */
void cpu_load_seg_real(CPUState *cpu, int seg, uint16_t sel);
/* Recomputes a segment's access windows after its cache changed. */
void seg_update_windows(SegCache *s, bool protected_mode);

/* Whether CS is a 32-bit code segment, and SS a 32-bit stack. */
static inline bool cpu_code32(const CPUState *cpu)
{
    return (cpu->seg[SEG_CS].attr & DESC_DB) != 0;
}
static inline bool cpu_stack32(const CPUState *cpu)
{
    return (cpu->seg[SEG_SS].attr & DESC_DB) != 0;
}
static inline bool cpu_pe(const CPUState *cpu)
{
    return (cpu->cr[0] & CR0_PE) != 0;
}
static inline bool cpu_v86(const CPUState *cpu)
{
    return (cpu->eflags & FL_VM) != 0;
}
static inline void cpu_mmu_regs(const CPUState *cpu, MmuRegs *r)
{
    r->cr0 = cpu->cr[0];
    r->cr3 = cpu->cr[3];
    r->cr4 = cpu->cr[4];
    r->efer = cpu->efer;
}

/* Asks cpu_exec() to return at the next block boundary. */
static inline void cpu_request_exit(CPUState *cpu)
{
    cpu->exit_request = true;
}

/* Sets the level of the INTR line (the interrupt controller's output). */
static inline void cpu_set_irq(CPUState *cpu, bool level)
{
    cpu->irq_line = level;
}

#endif
