/*
 * The table-driven x86 decoder (STYLE.md point 1): cpu/opcodes.def describes every
 * instruction form once, in the manual's operand notation; the decoder reads prefixes,
 * ModRM/SIB, displacement and immediates from it and produces an Insn. It fetches bytes
 * through a callback, so it never touches guest memory except through mmu/.
 * References: Intel SDM vol. 2, ch. 2 (instruction format) and appendix A (opcode map).
 */
#ifndef WIRT_CPU_DECODE_H
#define WIRT_CPU_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Operand types in the SDM's appendix A notation. */
typedef enum OperandType {
    OT_NONE,
    OT_Eb, OT_Ev, OT_Ew, OT_Ed,   /* ModRM r/m */
    OT_Gb, OT_Gv, OT_Gw, OT_Gd,   /* ModRM reg */
    OT_Ib, OT_Ibs, OT_Iw, OT_Iz,  /* immediates (Ibs: sign-extended to operand size) */
    OT_Jb, OT_Jz,                 /* relative branch targets */
    OT_Ap,                        /* far pointer immediate */
    OT_Ob, OT_Ov,                 /* moffs */
    OT_M, OT_Mp, OT_Ma, OT_Mq, OT_Ms, /* memory-only r/m */
    OT_Sw, OT_Cd, OT_Dd, OT_Rd,   /* segment, control, debug register; r/m register */
    OT_Zb, OT_Zv,                 /* register in the opcode's low 3 bits */
    OT_AL, OT_rAX, OT_CL, OT_DX, OT_ONE,
    OT_Xb, OT_Xv, OT_Yb, OT_Yv,   /* string operands DS:rSI, ES:rDI */
    OT_ES, OT_CS, OT_SS, OT_DS, OT_FS, OT_GS,
} OperandType;

/* Row flags. */
enum {
    IF_LOCK = 1u << 0,    /* LOCK allowed (with a memory destination) */
    IF_MEM = 1u << 1,     /* ModRM must name memory, else #UD */
    IF_REG = 1u << 2,     /* ModRM must name a register, else #UD */
    IF_END = 1u << 3,     /* ends a translated block (control transfer, mode change) */
    IF_REP = 1u << 4,     /* F2/F3 act as REP/REPE/REPNE */
    IF_SIZE64 = 1u << 5,  /* operand size defaults to 64 in long mode (reserved) */
    IF_BYTE = 1u << 6,    /* operates on bytes whatever the operand-size prefix says */
    IF_W16 = 1u << 7,     /* operates on words whatever the operand-size prefix says */
};

/* The emitter a row names; translate/ maps each to a function. */
typedef enum EmitKind {
#define K(name) EMIT_KIND_##name,
#include "cpu/emitkinds.def"
#undef K
    EMIT_KIND_COUNT
} EmitKind;

typedef struct OpcodeRow {
    uint16_t opcode;  /* 0x000-0x0ff one byte; 0x100-0x1ff 0F xx */
    int8_t reg;       /* ModRM.reg for group rows, -1 for all */
    const char *mnem;
    uint8_t operand[3];
    uint16_t flags;
    uint16_t emit;    /* EmitKind */
} OpcodeRow;

/* The table itself (cpu/opcodes.def); row 0 is the invalid-opcode row. */
extern const OpcodeRow opcode_rows[];
extern const unsigned opcode_row_count;

/* Index from (opcode, reg) to row, built once per decoder. */
typedef struct DecodeIndex {
    uint16_t row[0x200][8];
    uint8_t has_modrm[0x200];
} DecodeIndex;

void decode_index_init(DecodeIndex *ix);

enum { REP_NONE, REP_Z, REP_NZ };  /* F3, F2 */

typedef struct Insn {
    const OpcodeRow *row;
    uint16_t opcode;
    uint8_t len;
    uint8_t opsize;     /* 1 for byte forms, else 2, 4 (8 in long mode) */
    uint8_t addrsize;   /* 2, 4 (8) */
    uint8_t addrsize_prefix_base; /* the default address size, before any 67 prefix */
    uint8_t seg;        /* segment of the memory operand (override or default) */
    uint8_t seg_override; /* SEG_NONE when absent */
    uint8_t rep;        /* REP_* */
    bool lock;
    bool opsize_prefix;
    uint8_t rex;
    bool has_modrm;
    uint8_t mod, reg, rm;
    bool has_mem;       /* ModRM names memory (or moffs) */
    uint8_t base, index, scale; /* R_ZERO when absent */
    int32_t disp;
    uint32_t imm, imm2;
} Insn;

typedef enum DecodeStatus {
    DECODE_OK,
    DECODE_UD,        /* invalid opcode or operand form: #UD */
    DECODE_TOO_LONG,  /* more than 15 bytes: #GP(0) */
    DECODE_FETCH,     /* the fetch callback failed (the caller knows why) */
} DecodeStatus;

/* Fetches the code byte at OFFSET from the instruction's start; false on failure. */
typedef bool (*DecodeFetch)(void *ctx, unsigned offset, uint8_t *byte);

/* Decodes one instruction in code of the given default size (16 or 32). */
DecodeStatus decode_insn(const DecodeIndex *ix, bool code32, DecodeFetch fetch, void *ctx,
                         Insn *out);

#endif
