/*
 * cpu-vectors: runs the SingleStepTests 80286 real-mode single-instruction test vectors
 * (MOO files) through the emulator and compares registers, flags and memory with what the
 * real chip did. File format, test procedure and the known 286-vs-386 differences follow
 * testdata/cpu/README.md (sections "MOO format", "Running one test", "Running these on a
 * 386-class core"); each such difference is a written rule below (MooRule) that skips a
 * test or adjusts what is expected, and counts how often it applied (--verbose prints the
 * counts).
 *
 * Usage: cpu-vectors [--verbose] [--limit N] [--filter HEXHASH] [--fresh] FILE_OR_DIR...
 * Exit status: 0 all passed, 1 something failed, 2 usage error, 77 no test data (skip).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <glib.h>

#include "base/bytes.h"
#include "base/json.h"
#include "vm/machine.h"

#define MOO_RAM_BYTES (16u << 20)
#define MOO_ADDR_LIMIT (1u << 24)   /* the 286 has 24 address lines */
/* A test runs the instruction (REP: at most 127 iterations) and one HLT; a CPU that
 * runs away instead is stopped well before it costs much. */
#define MOO_INSN_BUDGET 1024
#define MOO_MAX_LEN_286 10          /* the 286 faults on longer instructions */
#define MOO_HASH_LEN 20
#define MOO_SHOW_FAILS 3            /* failures printed per file without --verbose */
#define MOO_SHOW_MEM_DIFFS 16       /* memory differences printed per failure */
#define MOO_FLAGS_286 0x0fffu       /* bits 12-15 are not held by a 286 in real mode */
#define MOO_NO_VECTOR (-1)
#define MOO_EXIT_SKIP 77            /* meson: test skipped */
#define MOO_WATCHDOG_SECS 10        /* one test never takes more than milliseconds */

/* Registers in the order MOO files store them (README: "REGS"). */
enum {
    MOO_AX, MOO_BX, MOO_CX, MOO_DX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
    MOO_SP, MOO_BP, MOO_SI, MOO_DI, MOO_IP, MOO_FLAGS, MOO_NREGS
};
#define MOO_ALL_REGS ((1u << MOO_NREGS) - 1)

typedef enum MooRegKind { MOO_GPR, MOO_SEG, MOO_EIP, MOO_EFLAGS } MooRegKind;

static const struct {
    const char *name;
    MooRegKind kind;
    int index; /* into CPUState.regs[] or .seg[] */
} moo_regs[MOO_NREGS] = {
    [MOO_AX] = { "ax", MOO_GPR, R_EAX },   [MOO_BX] = { "bx", MOO_GPR, R_EBX },
    [MOO_CX] = { "cx", MOO_GPR, R_ECX },   [MOO_DX] = { "dx", MOO_GPR, R_EDX },
    [MOO_CS] = { "cs", MOO_SEG, SEG_CS },  [MOO_SS] = { "ss", MOO_SEG, SEG_SS },
    [MOO_DS] = { "ds", MOO_SEG, SEG_DS },  [MOO_ES] = { "es", MOO_SEG, SEG_ES },
    [MOO_SP] = { "sp", MOO_GPR, R_ESP },   [MOO_BP] = { "bp", MOO_GPR, R_EBP },
    [MOO_SI] = { "si", MOO_GPR, R_ESI },   [MOO_DI] = { "di", MOO_GPR, R_EDI },
    [MOO_IP] = { "ip", MOO_EIP, 0 },       [MOO_FLAGS] = { "flags", MOO_EFLAGS, 0 },
};

/*
 * The written rules. Most are places where a 386-class CPU legitimately differs from the
 * 286 (README "Running these on a 386-class core", and behaviour found in the data); the
 * rest are facts about the data itself. Skip rules decide before the run; shape rules
 * replace or adjust the expected state (counted when applied); flag rules stop comparing
 * some flags (counted when those flags differed in a passing test).
 */
typedef enum MooRule {
    /* skip: README step 7, the test's hash is in revocation_list.txt */
    RULE_REVOKED,
    /* skip: results no CPU reproduces; see moo_known_bad[] */
    RULE_KNOWN_BAD,
    /* skip: the instruction (prefixes, opcode, ModR/M, displacement, immediate, decoded;
     * BYTS may end early or carry extra bytes) is longer than 10 bytes. The 286 raises
     * #GP(13); a 386 takes up to 15 bytes and executes it; the data has no 386 result. */
    RULE_LONG,
    /* skip: 8C/8E with reg 4 or 5 is #UD on the 286 and MOV to/from FS/GS on a 386 */
    RULE_SEG_FSGS,
    /* skip: an ESC memory operand that wraps past 0xFFFF; see moo_esc_wraps() */
    RULE_ESC_WRAP,
    /* shape: LOCK on a form a 386 does not lock (SDM LOCK: only ADD ADC AND BTx DEC INC NEG
     * NOT OR SBB SUB XOR XCHG with a memory destination). The 286 runs it; a 386 raises #UD
     * first. Expected: the #UD frame built from INIT, nothing else changed. */
    RULE_LOCK_UD,
    /* shape: ESC (D8-DF) with CR0.EM (or TS) set raises #NM on a 386; the 286 without a
     * coprocessor read the memory operand and went on. With EM and TS clear a 386 does the
     * same (operand fetched and limit-checked; only x87 state may change), so the 286
     * result holds and no rule applies. Expected with EM/TS: the #NM frame. */
    RULE_ESC_NM,
    /* shape: IDIV whose quotient does not fit (checked from the operands): the 286 sometimes
     * returns 0x80 with no #DE; a 386 raises #DE (SDM IDIV). Expected: the #DE frame built
     * from INIT. */
    RULE_IDIV_DE,
    /* shape: a word at offset 0xFFFF of SS (POP with SP=0xFFFF, [BP+...]) is #GP(13) on the
     * 286 and #SS(12) on a 386 (SDM real-address-mode exceptions). Allowed when the CPU
     * took #SS instead and the frame and registers match. */
    RULE_SS_VECTOR,
    /* shape: POP r/m16 whose memory destination faults: the 286 has already added 2 to SP
     * (its frame sits 2 bytes higher); a 386 restores SP (SDM POP: restartable). Expected:
     * the fault frame built from INIT. */
    RULE_POP_FAULT,
    /* shape: a string instruction that faults on its word at offset 0xFFFF: the 286 has
     * already stepped SI/DI (and decremented CX under REP) for the faulting iteration, and
     * when a MOVS write faults it has decremented CX for the next iteration too; a 386
     * leaves all three as the iteration began. Allowed: each of SI, DI one step behind the
     * 286's, CX one behind (two for a MOVS whose DI stepped). */
    RULE_STRING_FAULT,
    /* shape: README "flag_address": for an odd SP the EXCP chunk names the even address
     * below the pushed FLAGS (the bus word); the FLAGS word really sits at SS:SP+4 after the
     * push, and that is the word compared under the flags mask. */
    RULE_EXCP_ODD_SP,
    /* flags: AAM 0 (#DE): the 286 updates SF/ZF/PF before the fault; a 386 faults first
     * (faults are precise), so SF/ZF/PF are not compared, in FLAGS or the pushed word. */
    RULE_AAM0_FLAGS,
    /* flags: shifts/rotates with a masked count > 1 leave OF undefined; only some files
     * carry the OF mask (C0 does not). OF is not compared for C0/C1/D2/D3, count & 31 > 1. */
    RULE_SHIFT_OF,
    /* flags: bits 12-15 (IOPL, NT) are never compared: the 286 cannot hold them in real
     * mode, a 386 keeps what POPF/IRET load (README step 5: mask & 0x0FFF). */
    RULE_IOPL_NT,
    /* flags: undefined flags from metadata.json (a 386 computes them differently) */
    RULE_UNDEF_FLAGS,
    RULE_COUNT
} MooRule;

#define RULE_BIT(rule) (1u << (rule))
#define RULES_FLAGS (RULE_BIT(RULE_AAM0_FLAGS) | RULE_BIT(RULE_SHIFT_OF) | \
                     RULE_BIT(RULE_IOPL_NT) | RULE_BIT(RULE_UNDEF_FLAGS))

static const char *const moo_rule_names[RULE_COUNT] = {
    [RULE_REVOKED] = "revoked (revocation_list.txt): skipped",
    [RULE_KNOWN_BAD] = "known-bad capture (286 pushed SS for CS): skipped",
    [RULE_LONG] = "longer than 10 bytes (286 #GP, 386 runs it): skipped",
    [RULE_SEG_FSGS] = "8C/8E reg 4/5 (286 #UD, 386 FS/GS): skipped",
    [RULE_ESC_WRAP] = "ESC operand wrapping past 0xFFFF (286 wraps, 386 #GP): skipped",
    [RULE_LOCK_UD] = "LOCK on a non-lockable form (386 #UD): expected #UD frame",
    [RULE_ESC_NM] = "ESC with CR0.EM/TS (386 #NM): expected #NM frame",
    [RULE_IDIV_DE] = "IDIV overflow the 286 missed (386 #DE): expected #DE frame",
    [RULE_SS_VECTOR] = "SS overrun: 286 #GP(13), 386 #SS(12): allowed",
    [RULE_POP_FAULT] = "POP r/m16 faulting destination (386 restores SP): expected frame",
    [RULE_STRING_FAULT] = "string op fault (286 steps SI/DI/CX first): allowed",
    [RULE_EXCP_ODD_SP] = "EXCP flag_address rounded down for odd SP: word at SS:SP+4",
    [RULE_AAM0_FLAGS] = "AAM 0 #DE (286 sets SF/ZF/PF first): differed, allowed",
    [RULE_SHIFT_OF] = "shift/rotate count > 1, OF undefined: differed, allowed",
    [RULE_IOPL_NT] = "flags bits 12-15 (IOPL/NT) not compared: differed, allowed",
    [RULE_UNDEF_FLAGS] = "undefined flags (metadata.json): differed, allowed",
};

/*
 * RULE_KNOWN_BAD: in these two of the data set's 19,433 exception and INT frames the 286
 * pushed SS where CS belongs; in all the others it pushed CS. No 286 documentation
 * describes such a thing, so they are taken as capture errors until upstream revokes them.
 */
static const char *const moo_known_bad[] = {
    "ba5bb16b5a4306333a359c3abd2169b871ffa42c", /* CD: INT 3Bh */
    "ab0cea0f2b89ae469a98eaf20dedc9ff2ca08c91", /* FF /3 with a register operand (#UD) */
};

typedef struct MooRam {
    uint32_t addr;
    uint8_t value;
} MooRam;

/* INIT or FINA. */
typedef struct MooState {
    uint16_t mask; /* which regs[] the file gave (bit n = register n) */
    uint16_t regs[MOO_NREGS];
    GArray *ram;   /* MooRam, in file order */
} MooState;

typedef struct MooTest {
    size_t offset; /* of the TEST chunk in the decompressed file */
    uint32_t index;
    const char *name;
    size_t name_len;
    const uint8_t *bytes;
    size_t nbytes;
    MooState init, fina;
    int excp_vector; /* MOO_NO_VECTOR without an EXCP chunk */
    uint32_t excp_flags_addr;
    const uint8_t *hash;
} MooTest;

/* One byte of memory to check after the run. */
typedef struct MooMemCheck {
    uint32_t addr;
    uint32_t seq; /* order in INIT, so a repeated address keeps its last value */
    uint8_t expect;
    uint8_t mask; /* bits compared */
} MooMemCheck;

typedef struct MooExpect {
    uint16_t regs[MOO_NREGS];
    uint16_t flags_mask; /* flags bits compared */
    int vector;          /* exception or interrupt the test takes, or MOO_NO_VECTOR */
    uint32_t rules;      /* RULE_BITs of the rules that shaped this expectation */
    uint16_t rule_flags[RULE_COUNT]; /* flags each flag rule stops comparing */
    GArray *mem;         /* MooMemCheck, sorted by address */
} MooExpect;

/* What the CPU did. */
typedef struct MooGot {
    CpuExit exit;
    uint16_t regs[MOO_NREGS];
    uint64_t seg_base[MOO_NREGS];
    int vector; /* an exception that reached a sentinel handler, or MOO_NO_VECTOR */
} MooGot;

/* The instruction under test, decoded just enough for the rules. */
typedef struct MooInsn {
    bool lock, rep;
    int seg; /* the segment prefix in effect (MOO_ES...), or -1 */
    unsigned npfx;
    uint8_t op;
    bool has_modrm;
    uint8_t modrm;
    unsigned len; /* prefixes, opcode, ModR/M, displacement, immediates */
} MooInsn;

typedef struct MooError {
    size_t offset;
    char *msg;
} MooError;

typedef enum MooResult { MOO_PASS, MOO_FAIL, MOO_SKIP } MooResult;

typedef struct MooFile {
    const char *name;
    int opcode; /* from the file name or META; -1 unknown */
    int reg;    /* group files "XX.R": the ModR/M reg field; -1 otherwise */
    char mnemonic[9];
    uint64_t passed, failed, skipped;
    unsigned shown;
} MooFile;

typedef struct Runner {
    /* options */
    gboolean verbose, fresh;
    gint limit;
    char *filter; /* lower-case hex prefix of the hashes to run */

    Machine *m;

    /* per data directory */
    char *dir;
    GHashTable *revoked; /* lower-case hex hashes */
    /* flags-mask per opcode: [op][0] for the opcode, [op][1 + reg] for group members */
    uint16_t masks[256][9];

    /* scratch reused by every test */
    MooTest test;
    MooExpect exp;
    uint16_t sentinel_seg;
    uint8_t ivt[1024];
    /* HLTs planted where IVT entries that INIT changed now point (moo_plant_redirected) */
    struct {
        uint32_t addr;
        uint8_t vector;
    } redirected[256];
    unsigned nredirected;

    /* watchdog: the main thread bumps progress per test; see moo_watchdog() */
    GThread *watchdog;
    GMutex lock;
    GCond wake;
    bool stop; /* under lock */
    gint progress;
    gint running; /* inside machine_run */
    const MooFile *file; /* the file being run, for the watchdog's message */

    /* totals */
    uint64_t passed, failed, skipped, ran;
    uint64_t rule_hits[RULE_COUNT];
} Runner;

/* ---- instruction facts (286 one-byte opcode map) ---- */

/* Bit (op & 15) of row op >> 4 is set when the opcode takes a ModR/M byte. */
static const uint16_t x86_modrm_rows[16] = {
    0x0f0f, 0x0f0f, 0x0f0f, 0x0f0f, 0x0000, 0x0000, 0x0a0c, 0x0000,
    0xffff, 0x0000, 0x0000, 0x0000, 0x00f3, 0xff0f, 0x0000, 0xc0c0,
};

static bool x86_has_modrm(uint8_t op)
{
    return (x86_modrm_rows[op >> 4] >> (op & 15)) & 1;
}

/* Immediate bytes per opcode, one row of 16 per line (F6/F7 /0-1 add theirs in code). */
static const char x86_imm_sizes[256 + 1] =
    "0000120000001200" "0000120000001200" "0000120000001200" "0000120000001200"
    "0000000000000000" "0000000000000000" "0000000022110000" "1111111111111111"
    "1211000000000000" "0000000000400000" "2222000012000000" "1111111122222222"
    "1120001230200100" "0000110000000000" "1111111122410000" "0000000000000000";

/* Displacement bytes after a 16-bit ModR/M byte. */
static unsigned x86_disp_size(uint8_t modrm)
{
    switch (modrm >> 6) {
    case 0:
        return (modrm & 7) == 6 ? 2 : 0;
    case 1:
        return 1;
    case 2:
        return 2;
    default:
        return 0;
    }
}

/* The segment register a prefix byte selects (MOO_ES...), or CUR if it is no segment prefix. */
static int x86_seg_prefix(uint8_t b, int cur)
{
    switch (b) {
    case 0x26: return MOO_ES;
    case 0x2e: return MOO_CS;
    case 0x36: return MOO_SS;
    case 0x3e: return MOO_DS;
    default: return cur;
    }
}

static bool x86_is_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0xf0 || b == 0xf2 ||
           b == 0xf3;
}

/*
 * Whether a 386 accepts LOCK on this form (SDM vol. 2, LOCK): ADD ADC AND OR SBB SUB XOR
 * (00-31 r/m,reg and 80-83 except CMP), XCHG, NOT, NEG, INC, DEC, and only with a memory
 * destination.
 */
static bool x86_lockable(const MooInsn *in)
{
    unsigned reg = (in->modrm >> 3) & 7;

    if (!in->has_modrm || (in->modrm >> 6) == 3) {
        return false;
    }
    if (in->op < 0x40) {
        return (in->op & 7) <= 1 && (in->op >> 3) != 7;
    }
    switch (in->op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return reg != 7;
    case 0x86: case 0x87:
        return true;
    case 0xf6: case 0xf7:
        return reg == 2 || reg == 3;
    case 0xfe: case 0xff:
        return reg <= 1;
    default:
        return false;
    }
}

static void moo_decode(const uint8_t *b, size_t n, MooInsn *in)
{
    size_t i = 0;

    memset(in, 0, sizeof(*in));
    in->seg = -1;
    while (i < n && x86_is_prefix(b[i])) {
        in->seg = x86_seg_prefix(b[i], in->seg);
        in->lock |= b[i] == 0xf0;
        in->rep |= b[i] == 0xf2 || b[i] == 0xf3;
        i++;
    }
    in->npfx = (unsigned)i;
    in->op = i < n ? b[i] : 0x90;
    in->has_modrm = x86_has_modrm(in->op) && i + 1 < n;
    in->modrm = in->has_modrm ? b[i + 1] : 0;
    in->len = in->npfx + 1 + (unsigned)(x86_imm_sizes[in->op] - '0');
    if (in->has_modrm) {
        in->len += 1 + x86_disp_size(in->modrm);
    }
    if ((in->op == 0xf6 || in->op == 0xf7) && ((in->modrm >> 3) & 7) <= 1) {
        in->len += in->op == 0xf6 ? 1 : 2; /* TEST r/m, imm */
    }
}

/* Operand forms for the per-file line ("ADD r/m8,r8"). */
static const char *const x86_forms[256] = {
#define ALU_ROW(a, b) "r/m8,r8", "r/m16,r16", "r8,r/m8", "r16,r/m16", "AL,imm8", "AX,imm16", a, b
#define REG16_ROW "AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"
#define REL8_ROW "rel8", "rel8", "rel8", "rel8", "rel8", "rel8", "rel8", "rel8"
    ALU_ROW("ES", "ES"), ALU_ROW("CS", ""), ALU_ROW("SS", "SS"), ALU_ROW("DS", "DS"),
    ALU_ROW("", ""), ALU_ROW("", ""), ALU_ROW("", ""), ALU_ROW("", ""),
    REG16_ROW, REG16_ROW, REG16_ROW, REG16_ROW,
    /* 60 */ "", "", "r16,m16&16", "r/m16,r16", "", "", "", "",
    /* 68 */ "imm16", "r16,r/m16,imm16", "imm8", "r16,r/m16,imm8", "", "", "", "",
    REL8_ROW, REL8_ROW,
    /* 80 */ "r/m8,imm8", "r/m16,imm16", "r/m8,imm8", "r/m16,imm8",
    "r/m8,r8", "r/m16,r16", "r/m8,r8", "r/m16,r16",
    /* 88 */ "r/m8,r8", "r/m16,r16", "r8,r/m8", "r16,r/m16",
    "r/m16,Sreg", "r16,m", "Sreg,r/m16", "r/m16",
    /* 90 */ "", "AX,CX", "AX,DX", "AX,BX", "AX,SP", "AX,BP", "AX,SI", "AX,DI",
    /* 98 */ "", "", "ptr16:16", "", "", "", "", "",
    /* A0 */ "AL,moffs8", "AX,moffs16", "moffs8,AL", "moffs16,AX", "", "", "", "",
    /* A8 */ "AL,imm8", "AX,imm16", "", "", "", "", "", "",
    /* B0 */ "AL,imm8", "CL,imm8", "DL,imm8", "BL,imm8", "AH,imm8", "CH,imm8", "DH,imm8",
    "BH,imm8",
    /* B8 */ "AX,imm16", "CX,imm16", "DX,imm16", "BX,imm16", "SP,imm16", "BP,imm16",
    "SI,imm16", "DI,imm16",
    /* C0 */ "r/m8,imm8", "r/m16,imm8", "imm16", "", "r16,m16:16", "r16,m16:16", "r/m8,imm8",
    "r/m16,imm16",
    /* C8 */ "imm16,imm8", "", "imm16", "", "", "imm8", "", "",
    /* D0 */ "r/m8,1", "r/m16,1", "r/m8,CL", "r/m16,CL", "imm8", "imm8", "", "",
    /* D8 */ "m", "m", "m", "m", "m", "m", "m", "m",
    /* E0 */ "rel8", "rel8", "rel8", "rel8", "AL,imm8", "AX,imm8", "imm8,AL", "imm8,AX",
    /* E8 */ "rel16", "rel16", "ptr16:16", "rel8", "AL,DX", "AX,DX", "DX,AL", "DX,AX",
    /* F0 */ "", "", "", "", "", "", "r/m8", "r/m16",
    /* F8 */ "", "", "", "", "", "", "r/m8", "r/m16",
#undef ALU_ROW
#undef REG16_ROW
#undef REL8_ROW
};

/* Group members whose form differs from the opcode's. */
static const struct {
    uint8_t op, reg;
    const char *form;
} x86_group_forms[] = {
    { 0xf6, 0, "r/m8,imm8" }, { 0xf6, 1, "r/m8,imm8" },
    { 0xf7, 0, "r/m16,imm16" }, { 0xf7, 1, "r/m16,imm16" },
    { 0xff, 3, "m16:16" }, { 0xff, 5, "m16:16" },
};

static const char *x86_form(int op, int reg)
{
    if (op < 0 || op > 0xff) {
        return "";
    }
    for (size_t i = 0; i < G_N_ELEMENTS(x86_group_forms); i++) {
        if (x86_group_forms[i].op == op && x86_group_forms[i].reg == reg) {
            return x86_group_forms[i].form;
        }
    }
    return x86_forms[op];
}

static const char *x86_vector_name(int v)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "", "#TS", "#NP",
        "#SS", "#GP", "#PF", "", "#MF",
    };
    return v >= 0 && (size_t)v < G_N_ELEMENTS(names) && names[v][0] ? names[v] : "INT";
}

/* ---- MOO parsing ---- */

static bool G_GNUC_PRINTF(3, 4) moo_fail(MooError *e, size_t offset, const char *fmt, ...)
{
    va_list ap;

    if (!e->msg) {
        va_start(ap, fmt);
        e->msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        e->offset = offset;
    }
    return false;
}

/* A chunk: 4-byte id, u32 length, payload (README "MOO format"). */
typedef struct MooChunk {
    char id[5];
    size_t at;   /* offset of the chunk header */
    size_t data; /* offset of the payload */
    size_t len;
} MooChunk;

/* Reads the chunk header at *POS (within [*POS, END)) and advances *POS past the chunk. */
static bool moo_chunk(const uint8_t *d, size_t *pos, size_t end, MooChunk *c, MooError *e)
{
    c->at = *pos;
    if (end - *pos < 8) {
        return moo_fail(e, *pos, "chunk header cut short (%zu bytes left, need 8)", end - *pos);
    }
    memcpy(c->id, d + *pos, 4);
    c->id[4] = '\0';
    for (int i = 0; i < 4; i++) {
        if (!g_ascii_isprint(c->id[i])) {
            c->id[i] = '?';
        }
    }
    c->len = ld32_le(d + *pos + 4);
    c->data = *pos + 8;
    if (c->len > end - c->data) {
        return moo_fail(e, *pos, "chunk '%s' claims %zu bytes, only %zu left (truncated?)",
                        c->id, c->len, end - c->data);
    }
    *pos = c->data + c->len;
    return true;
}

static bool moo_parse_regs(const uint8_t *d, const MooChunk *c, MooState *s, MooError *e)
{
    unsigned n = 0;

    if (c->len < 2) {
        return moo_fail(e, c->at, "REGS chunk of %zu bytes, need at least 2", c->len);
    }
    s->mask = ld16_le(d + c->data);
    if (s->mask & ~MOO_ALL_REGS) {
        return moo_fail(e, c->at, "REGS mask 0x%04x names registers beyond the 14 known",
                        s->mask);
    }
    if (c->len != 2 + 2u * (unsigned)__builtin_popcount(s->mask)) {
        return moo_fail(e, c->at, "REGS mask 0x%04x needs %u bytes, chunk has %zu", s->mask,
                        2 + 2 * __builtin_popcount(s->mask), c->len);
    }
    for (int i = 0; i < MOO_NREGS; i++) {
        if (s->mask & (1u << i)) {
            s->regs[i] = ld16_le(d + c->data + 2 + 2 * n++);
        }
    }
    return true;
}

static bool moo_parse_ram(const uint8_t *d, const MooChunk *c, MooState *s, MooError *e)
{
    uint64_t count;

    if (c->len < 4) {
        return moo_fail(e, c->at, "RAM chunk of %zu bytes, need at least 4", c->len);
    }
    count = ld32_le(d + c->data);
    if (4 + 5 * count > c->len) {
        return moo_fail(e, c->at, "RAM chunk lists %" PRIu64 " bytes, needs %" PRIu64
                        " bytes of payload, has %zu", count, 4 + 5 * count, c->len);
    }
    g_array_set_size(s->ram, (guint)count);
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *p = d + c->data + 4 + 5 * i;
        MooRam *r = &g_array_index(s->ram, MooRam, i);
        r->addr = ld32_le(p);
        r->value = p[4];
        if (r->addr >= MOO_ADDR_LIMIT) {
            return moo_fail(e, c->data + 4 + 5 * i, "RAM address 0x%x beyond 24 bits", r->addr);
        }
    }
    return true;
}

/* INIT or FINA: REGS and RAM sub-chunks. */
static bool moo_parse_state(const uint8_t *d, const MooChunk *outer, MooState *s, MooError *e)
{
    size_t pos = outer->data, end = outer->data + outer->len;
    MooChunk c;

    s->mask = 0;
    g_array_set_size(s->ram, 0);
    while (pos < end) {
        if (!moo_chunk(d, &pos, end, &c, e)) {
            return false;
        }
        if (!strcmp(c.id, "REGS") && !moo_parse_regs(d, &c, s, e)) {
            return false;
        }
        if (!strcmp(c.id, "RAM ") && !moo_parse_ram(d, &c, s, e)) {
            return false;
        }
    }
    return true;
}

/* Length-prefixed payloads: NAME and BYTS hold a u32 count then that many bytes. */
static bool moo_counted(const uint8_t *d, const MooChunk *c, const uint8_t **p, size_t *n,
                        MooError *e)
{
    if (c->len < 4 || ld32_le(d + c->data) > c->len - 4) {
        return moo_fail(e, c->at, "%s chunk length field does not fit its %zu bytes", c->id,
                        c->len);
    }
    *n = ld32_le(d + c->data);
    *p = d + c->data + 4;
    return true;
}

enum { SEEN_BYTS = 1, SEEN_INIT = 2, SEEN_FINA = 4, SEEN_HASH = 8, SEEN_ALL = 15 };

static bool moo_parse_sub(const uint8_t *d, const MooChunk *c, MooTest *t, unsigned *seen,
                          MooError *e)
{
    const uint8_t *p = NULL;

    if (!strcmp(c->id, "NAME")) {
        if (!moo_counted(d, c, &p, &t->name_len, e)) {
            return false;
        }
        t->name = (const char *)p;
    } else if (!strcmp(c->id, "BYTS")) {
        *seen |= SEEN_BYTS;
        return moo_counted(d, c, &t->bytes, &t->nbytes, e);
    } else if (!strcmp(c->id, "INIT")) {
        *seen |= SEEN_INIT;
        return moo_parse_state(d, c, &t->init, e);
    } else if (!strcmp(c->id, "FINA")) {
        *seen |= SEEN_FINA;
        return moo_parse_state(d, c, &t->fina, e);
    } else if (!strcmp(c->id, "EXCP")) {
        if (c->len < 5) {
            return moo_fail(e, c->at, "EXCP chunk of %zu bytes, need 5", c->len);
        }
        t->excp_vector = d[c->data];
        t->excp_flags_addr = ld32_le(d + c->data + 1);
    } else if (!strcmp(c->id, "HASH")) {
        if (c->len != MOO_HASH_LEN) {
            return moo_fail(e, c->at, "HASH chunk of %zu bytes, need 20", c->len);
        }
        *seen |= SEEN_HASH;
        t->hash = d + c->data;
    }
    return true; /* GMET, CYCL and unknown chunks are skipped */
}

static bool moo_parse_test(const uint8_t *d, const MooChunk *c, MooTest *t, MooError *e)
{
    size_t pos = c->data + 4, end = c->data + c->len;
    unsigned seen = 0;
    MooChunk sub;

    if (c->len < 4) {
        return moo_fail(e, c->at, "TEST chunk of %zu bytes, need at least 4", c->len);
    }
    t->offset = c->at;
    t->index = ld32_le(d + c->data);
    t->name = "?";
    t->name_len = 1;
    t->excp_vector = MOO_NO_VECTOR;
    while (pos < end) {
        if (!moo_chunk(d, &pos, end, &sub, e) || !moo_parse_sub(d, &sub, t, &seen, e)) {
            return false;
        }
    }
    if (seen != SEEN_ALL) {
        return moo_fail(e, c->at, "test %u lacks a%s%s%s%s chunk", t->index,
                        seen & SEEN_BYTS ? "" : " BYTS", seen & SEEN_INIT ? "" : " INIT",
                        seen & SEEN_FINA ? "" : " FINA", seen & SEEN_HASH ? "" : " HASH");
    }
    if (t->init.mask != MOO_ALL_REGS) {
        return moo_fail(e, c->at, "test %u: INIT gives registers 0x%04x, need all 14 (0x3fff)",
                        t->index, t->init.mask);
    }
    return true;
}

/* Reads a whole (gzip-compressed or plain) file. */
static GByteArray *moo_load(const char *path, MooError *e)
{
    gzFile gz = gzopen(path, "rb");
    GByteArray *buf;
    uint8_t chunk[1 << 16];
    int n, errnum;
    const char *msg;

    if (!gz) {
        moo_fail(e, 0, "cannot open: %s", errno ? g_strerror(errno) : "out of memory");
        return NULL;
    }
    gzbuffer(gz, 1 << 17);
    buf = g_byte_array_new();
    while ((n = gzread(gz, chunk, sizeof(chunk))) > 0) {
        g_byte_array_append(buf, chunk, (guint)n);
    }
    msg = gzerror(gz, &errnum);
    if (n < 0 || errnum != Z_OK) {
        moo_fail(e, buf->len, "gzip error: %s",
                 errnum == Z_ERRNO ? g_strerror(errno) : msg);
        g_byte_array_unref(buf);
        buf = NULL;
    }
    gzclose(gz);
    return buf;
}

/* ---- metadata and revocation list ---- */

static uint16_t moo_json_mask(const JsonNode *node, const char *dir, const char *what)
{
    int64_t v;
    JsonNode *m = json_object_get(node, "flags-mask");

    if (!m) {
        return 0xffff;
    }
    if (!json_get_int(m, &v) || v < 0 || v > 0xffff) {
        g_printerr("cpu-vectors: %s/metadata.json: %s: flags-mask is not a 16-bit integer\n",
                   dir, what);
        return 0xffff;
    }
    return (uint16_t)v;
}

/* Fills r->masks from metadata.json: opcodes[XX].flags-mask, opcodes[XX].reg[R]... */
static bool moo_load_metadata(Runner *r, const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "metadata.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) root = NULL;
    gsize len;

    memset(r->masks, 0xff, sizeof(r->masks));
    if (!g_file_get_contents(path, &text, &len, NULL)) {
        g_printerr("cpu-vectors: %s: not found; comparing all flags\n", path);
        return true;
    }
    root = json_parse(text, (gssize)len, &err);
    if (!root) {
        g_printerr("cpu-vectors: %s: %s\n", path, err->message);
        return false;
    }
    for (int op = 0; op < 256; op++) {
        char key[8], what[16];
        g_snprintf(key, sizeof(key), "%02X", op);
        JsonNode *node = json_lookup(root, "opcodes", key, NULL);
        r->masks[op][0] = moo_json_mask(node, dir, key);
        for (int reg = 0; reg < 8; reg++) {
            char rk[4];
            g_snprintf(rk, sizeof(rk), "%d", reg);
            g_snprintf(what, sizeof(what), "%s.%d", key, reg);
            JsonNode *sub = json_lookup(node, "reg", rk, NULL);
            r->masks[op][1 + reg] = sub ? moo_json_mask(sub, dir, what) : r->masks[op][0];
        }
    }
    return true;
}

static void moo_load_revoked(Runner *r, const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "revocation_list.txt", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    g_hash_table_remove_all(r->revoked);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        if (!line[0] || line[0] == '#') {
            continue;
        }
        if (strlen(line) != 2 * MOO_HASH_LEN || strspn(line, "0123456789abcdefABCDEF") !=
            2 * MOO_HASH_LEN) {
            g_printerr("cpu-vectors: %s:%u: not a SHA-1 hash: %s\n", path, i + 1, line);
            continue;
        }
        g_hash_table_add(r->revoked, g_ascii_strdown(line, -1));
    }
}

static bool moo_use_dir(Runner *r, const char *dir)
{
    if (r->dir && !strcmp(r->dir, dir)) {
        return true;
    }
    g_free(r->dir);
    r->dir = g_strdup(dir);
    moo_load_revoked(r, dir);
    return moo_load_metadata(r, dir);
}

/* ---- expectations ---- */

static int moo_mem_cmp(const void *a, const void *b)
{
    const MooMemCheck *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The index of the first of the N sorted checks in MEM at or above ADDR. */
static guint moo_mem_lower_bound(const GArray *mem, guint n, uint32_t addr)
{
    guint lo = 0, hi = n;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(mem, MooMemCheck, mid).addr < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static MooMemCheck *moo_mem_find(GArray *mem, guint n, uint32_t addr)
{
    guint i = moo_mem_lower_bound(mem, n, addr);

    return i < n && g_array_index(mem, MooMemCheck, i).addr == addr
           ? &g_array_index(mem, MooMemCheck, i) : NULL;
}

/* Every INIT byte, expected unchanged; sorted, one entry per address (the last one). */
static void moo_expect_init_mem(MooExpect *x, const MooTest *t)
{
    GArray *mem = x->mem;
    guint out = 0;

    g_array_set_size(mem, t->init.ram->len);
    for (guint i = 0; i < t->init.ram->len; i++) {
        const MooRam *ram = &g_array_index(t->init.ram, MooRam, i);
        g_array_index(mem, MooMemCheck, i) =
            (MooMemCheck){ .addr = ram->addr, .seq = i, .expect = ram->value, .mask = 0xff };
    }
    g_array_sort(mem, moo_mem_cmp);
    for (guint i = 0; i < mem->len; i++) {
        if (i + 1 < mem->len && g_array_index(mem, MooMemCheck, i + 1).addr ==
                                g_array_index(mem, MooMemCheck, i).addr) {
            continue;
        }
        g_array_index(mem, MooMemCheck, out++) = g_array_index(mem, MooMemCheck, i);
    }
    g_array_set_size(mem, out);
}

/* Sets the expected value of the byte at ADDR, adding it if INIT did not list it. */
static void moo_expect_byte(MooExpect *x, guint nsorted, uint32_t addr, uint8_t value,
                            uint8_t mask)
{
    MooMemCheck *c = moo_mem_find(x->mem, nsorted, addr);

    if (c) {
        c->expect = value;
        c->mask = mask;
    } else {
        MooMemCheck add = { .addr = addr, .seq = x->mem->len, .expect = value, .mask = mask };
        g_array_append_val(x->mem, add);
    }
}

static uint32_t moo_phys(uint16_t seg, uint16_t off)
{
    return ((uint32_t)seg << 4) + off;
}

/*
 * Where the pushed FLAGS word of an exception or INT sits: SS:SP+4 after the push. The
 * file's flag_address is that, or for an odd SP the even address below (RULE_EXCP_ODD_SP).
 */
static uint32_t moo_excp_flags_addr(MooExpect *x, const MooTest *t)
{
    uint32_t at = moo_phys(x->regs[MOO_SS], (uint16_t)(x->regs[MOO_SP] + 4));

    if (t->excp_flags_addr != at && t->excp_flags_addr == (at & ~1u)) {
        x->rules |= RULE_BIT(RULE_EXCP_ODD_SP);
        return at;
    }
    return t->excp_flags_addr;
}

/* README steps 5-6: INIT overlaid with FINA; FLAGS and the pushed FLAGS word masked. */
static void moo_expect_from_test(MooExpect *x, const MooTest *t)
{
    guint nsorted;

    for (int i = 0; i < MOO_NREGS; i++) {
        x->regs[i] = t->fina.mask & (1u << i) ? t->fina.regs[i] : t->init.regs[i];
    }
    if (!(t->fina.mask & (1u << MOO_FLAGS))) {
        x->regs[MOO_FLAGS] = (t->init.regs[MOO_FLAGS] & MOO_FLAGS_286) | FL_FIXED1;
    }
    x->vector = t->excp_vector;
    moo_expect_init_mem(x, t);
    nsorted = x->mem->len;
    for (guint i = 0; i < t->fina.ram->len; i++) {
        const MooRam *ram = &g_array_index(t->fina.ram, MooRam, i);
        moo_expect_byte(x, nsorted, ram->addr, ram->value, 0xff);
    }
    if (x->mem->len != nsorted) {
        g_array_sort(x->mem, moo_mem_cmp);
    }
    if (t->excp_vector != MOO_NO_VECTOR) {
        uint32_t at = moo_excp_flags_addr(x, t);
        for (int b = 0; b < 2; b++) {
            MooMemCheck *c = moo_mem_find(x->mem, x->mem->len, at + b);
            if (c) {
                c->mask = (uint8_t)(x->flags_mask >> (8 * b));
            }
        }
    }
}

/*
 * What a CPU that faults with VECTOR before executing the instruction leaves behind (SDM
 * vol. 3A, real-address-mode interrupt handling): FLAGS, CS and the IP of the first prefix
 * pushed, IF and TF cleared, CS:IP from the IVT; the handler's HLT then advances IP by one.
 */
static void moo_expect_fault(Runner *r, MooExpect *x, const MooTest *t, int vector)
{
    const uint16_t *in = t->init.regs;
    uint16_t flags = (in[MOO_FLAGS] & MOO_FLAGS_286) | FL_FIXED1;
    uint16_t frame[3] = { in[MOO_IP], in[MOO_CS], flags };
    PhysMem *pm = &r->m->pm;
    guint nsorted;

    memcpy(x->regs, in, sizeof(x->regs));
    x->regs[MOO_SP] = in[MOO_SP] - 6;
    x->regs[MOO_IP] = (uint16_t)(physmem_read(pm, 4u * vector, 2) + 1);
    x->regs[MOO_CS] = (uint16_t)physmem_read(pm, 4u * vector + 2, 2);
    x->regs[MOO_FLAGS] = flags & ~(FL_IF | FL_TF);
    x->flags_mask = MOO_FLAGS_286; /* the instruction did not run: nothing is undefined */
    x->vector = vector;
    moo_expect_init_mem(x, t);
    nsorted = x->mem->len;
    for (int i = 0; i < 3; i++) {
        for (int b = 0; b < 2; b++) {
            uint16_t off = (uint16_t)(x->regs[MOO_SP] + 2 * i + b);
            uint8_t mask = i == 2 && b == 1 ? MOO_FLAGS_286 >> 8 : 0xff;
            moo_expect_byte(x, nsorted, moo_phys(in[MOO_SS], off), (uint8_t)(frame[i] >> 8 * b),
                            mask);
        }
    }
    g_array_sort(x->mem, moo_mem_cmp);
}

/* ---- running ---- */

/*
 * Sentinel exception handlers: every IVT entry the test does not set points to SEG:vector,
 * where a HLT sits, so an exception the 286 did not take halts at a CS:IP that names its
 * vector. The 256-byte block must not overlap the test's memory or its stack.
 */
static const uint16_t moo_sentinel_segs[] = {
    0x0400, 0x2400, 0x4400, 0x6400, 0x8400, 0xa400, 0xc400, 0xe400, 0xf400,
};

static bool moo_sentinel_free(const MooExpect *x, const MooTest *t, uint16_t seg)
{
    uint32_t base = moo_phys(seg, 0);
    guint n = x->mem->len, i = moo_mem_lower_bound(x->mem, n, base);

    if (i < n && g_array_index(x->mem, MooMemCheck, i).addr < base + 256) {
        return false;
    }
    for (int k = 1; k <= 16; k++) { /* the stack a wrong path might push to */
        uint32_t a = moo_phys(t->init.regs[MOO_SS], (uint16_t)(t->init.regs[MOO_SP] - k));
        if (a >= base && a < base + 256) {
            return false;
        }
    }
    return true;
}

static void moo_plant_sentinels(Runner *r, const MooExpect *x, const MooTest *t)
{
    static const uint8_t hlts[256] = { [0 ... 255] = 0xf4 };
    uint16_t seg = moo_sentinel_segs[0];

    for (size_t i = 0; i < G_N_ELEMENTS(moo_sentinel_segs); i++) {
        if (moo_sentinel_free(x, t, moo_sentinel_segs[i])) {
            seg = moo_sentinel_segs[i];
            break;
        }
    }
    if (seg != r->sentinel_seg) {
        for (int v = 0; v < 256; v++) {
            st16_le(r->ivt + 4 * v, (uint16_t)v);
            st16_le(r->ivt + 4 * v + 2, seg);
        }
        r->sentinel_seg = seg;
    }
    physmem_load(&r->m->pm, 0, r->ivt, sizeof(r->ivt));
    physmem_load(&r->m->pm, moo_phys(seg, 0), hlts, sizeof(hlts));
}

/*
 * INIT bytes inside the IVT (test data that happens to sit there) redirect some vectors away
 * from the sentinel block. Where such an entry now points outside the test's memory, plant a
 * HLT there too, so an unexpected exception through it halts at a known place instead of
 * running leftover bytes (which can fault again, forever).
 */
static void moo_plant_redirected(Runner *r, const MooTest *t)
{
    static const uint8_t hlt = 0xf4;
    uint8_t touched[256 / 8] = { 0 };
    PhysMem *pm = &r->m->pm;

    r->nredirected = 0;
    for (guint i = 0; i < t->init.ram->len; i++) {
        uint32_t a = g_array_index(t->init.ram, MooRam, i).addr;
        if (a < sizeof(r->ivt)) {
            touched[a / 32] |= 1u << (a / 4 % 8);
        }
    }
    for (unsigned v = 0; v < 256; v++) {
        if (!(touched[v / 8] & (1u << (v % 8)))) {
            continue;
        }
        uint32_t entry = (uint32_t)physmem_read(pm, 4 * v, 4);
        uint32_t addr = moo_phys((uint16_t)(entry >> 16), (uint16_t)entry);
        if (addr < sizeof(r->ivt) || moo_mem_find(r->exp.mem, r->exp.mem->len, addr)) {
            continue; /* the test's own handler (or data): leave it */
        }
        physmem_load(pm, addr, &hlt, 1);
        r->redirected[r->nredirected].addr = addr;
        r->redirected[r->nredirected++].vector = (uint8_t)v;
    }
}

static void moo_set_reg(CPUState *cpu, int i, uint16_t v)
{
    switch (moo_regs[i].kind) {
    case MOO_GPR:
        cpu->regs[moo_regs[i].index] = v;
        break;
    case MOO_SEG:
        cpu_load_seg_real(cpu, moo_regs[i].index, v);
        break;
    case MOO_EIP:
        cpu->eip = v;
        break;
    case MOO_EFLAGS:
        cpu_set_eflags(cpu, v & MOO_FLAGS_286); /* README step 2 */
        break;
    }
}

static void moo_get_regs(CPUState *cpu, MooGot *g)
{
    for (int i = 0; i < MOO_NREGS; i++) {
        int idx = moo_regs[i].index;
        switch (moo_regs[i].kind) {
        case MOO_GPR:
            g->regs[i] = (uint16_t)cpu->regs[idx];
            break;
        case MOO_SEG:
            g->regs[i] = cpu->seg[idx].sel;
            g->seg_base[i] = cpu->seg[idx].base;
            break;
        case MOO_EIP:
            g->regs[i] = (uint16_t)cpu->eip;
            break;
        case MOO_EFLAGS:
            g->regs[i] = (uint16_t)cpu_get_eflags(cpu);
            break;
        }
    }
}

/* README steps 1-3. */
static void moo_setup(Runner *r, const MooTest *t)
{
    CPUState *cpu = &r->m->cpu;

    cpu_reset(cpu);
    moo_plant_sentinels(r, &r->exp, t);
    for (guint i = 0; i < t->init.ram->len; i++) {
        const MooRam *ram = &g_array_index(t->init.ram, MooRam, i);
        physmem_load(&r->m->pm, ram->addr, &ram->value, 1);
    }
    moo_plant_redirected(r, t);
    for (int i = 0; i < MOO_NREGS; i++) {
        moo_set_reg(cpu, i, t->init.regs[i]);
    }
}

/* The vector whose sentinel HLT the CPU stopped after, or MOO_NO_VECTOR. */
static int moo_sentinel_vector(const Runner *r, const MooGot *g)
{
    uint32_t hlt = moo_phys(g->regs[MOO_CS], (uint16_t)(g->regs[MOO_IP] - 1));

    if (g->exit != CPU_EXIT_HALT) {
        return MOO_NO_VECTOR;
    }
    if (g->regs[MOO_CS] == r->sentinel_seg && g->regs[MOO_IP] >= 1 && g->regs[MOO_IP] <= 256) {
        return g->regs[MOO_IP] - 1;
    }
    for (unsigned i = 0; i < r->nredirected; i++) {
        if (r->redirected[i].addr == hlt) {
            return r->redirected[i].vector;
        }
    }
    return MOO_NO_VECTOR;
}

static void moo_execute(Runner *r, MooGot *g)
{
    g_atomic_int_set(&r->running, 1);
    g->exit = machine_run(r->m, MOO_INSN_BUDGET);
    g_atomic_int_set(&r->running, 0);
    g_atomic_int_inc(&r->progress);
    moo_get_regs(&r->m->cpu, g);
    g->vector = moo_sentinel_vector(r, g);
}

/* ---- comparing and reporting ---- */

static void moo_flag_names(GString *out, uint16_t bits)
{
    static const char *const names[12] = {
        "CF", "b1", "PF", "b3", "AF", "b5", "ZF", "SF", "TF", "IF", "DF", "OF",
    };
    for (int i = 0; i < 12; i++) {
        if (bits & (1u << i)) {
            g_string_append_printf(out, " %s", names[i]);
        }
    }
}

static const char *moo_exit_name(CpuExit e)
{
    static const char *const names[] = {
        [CPU_EXIT_NONE] = "returned without a reason",
        [CPU_EXIT_HALT] = "halted",
        [CPU_EXIT_BUDGET] = "instruction budget exhausted (no HLT reached)",
        [CPU_EXIT_REQUEST] = "exit requested",
        [CPU_EXIT_TRIPLE_FAULT] = "triple fault (shutdown)",
    };
    return (unsigned)e < G_N_ELEMENTS(names) && names[e] ? names[e] : "unknown exit";
}

static void moo_describe_vector(GString *out, int v)
{
    if (v == MOO_NO_VECTOR) {
        g_string_append(out, "none");
    } else {
        g_string_append_printf(out, "%s (vector %d)", x86_vector_name(v), v);
    }
}

static unsigned moo_compare_regs(const MooExpect *x, const MooGot *g, GString *out)
{
    unsigned diffs = 0;

    for (int i = 0; i < MOO_NREGS; i++) {
        uint16_t mask = i == MOO_FLAGS ? x->flags_mask : 0xffff;
        uint16_t d = (x->regs[i] ^ g->regs[i]) & mask;
        if (moo_regs[i].kind == MOO_SEG && g->seg_base[i] != moo_phys(g->regs[i], 0)) {
            diffs++;
            if (out) {
                g_string_append_printf(out, "      %s: base 0x%" PRIx64 " does not match "
                                       "selector 0x%04x\n", moo_regs[i].name, g->seg_base[i],
                                       g->regs[i]);
            }
        }
        if (!d) {
            continue;
        }
        diffs++;
        if (out) {
            g_string_append_printf(out, "      %s: expected 0x%04x, got 0x%04x",
                                   moo_regs[i].name, x->regs[i], g->regs[i]);
            if (i == MOO_FLAGS) {
                g_string_append_printf(out, " (compared 0x%04x; differ:", mask);
                moo_flag_names(out, d);
                g_string_append_c(out, ')');
            }
            g_string_append_c(out, '\n');
        }
    }
    return diffs;
}

static unsigned moo_compare_mem(Runner *r, const MooExpect *x, GString *out)
{
    unsigned diffs = 0;

    for (guint i = 0; i < x->mem->len; i++) {
        const MooMemCheck *c = &g_array_index(x->mem, MooMemCheck, i);
        uint8_t got = (uint8_t)physmem_read(&r->m->pm, c->addr, 1);
        if (!((got ^ c->expect) & c->mask)) {
            continue;
        }
        if (out && diffs < MOO_SHOW_MEM_DIFFS) {
            g_string_append_printf(out, "      mem[0x%06x]: expected 0x%02x, got 0x%02x%s\n",
                                   c->addr, c->expect, got, c->mask != 0xff ? " (masked)" : "");
        }
        diffs++;
    }
    if (out && diffs > MOO_SHOW_MEM_DIFFS) {
        g_string_append_printf(out, "      ... %u more memory differences\n",
                               diffs - MOO_SHOW_MEM_DIFFS);
    }
    return diffs;
}

/* Compares the machine with X; the number of differences, described in OUT if given. */
static unsigned moo_compare(Runner *r, const MooExpect *x, const MooGot *g, GString *out)
{
    unsigned diffs = 0;

    if (g->exit != CPU_EXIT_HALT) {
        diffs++;
        if (out) {
            g_string_append_printf(out, "      exit: %s\n", moo_exit_name(g->exit));
        }
    }
    if (g->vector != MOO_NO_VECTOR && g->vector != x->vector) {
        diffs++;
        if (out) {
            g_string_append(out, "      exception: expected ");
            moo_describe_vector(out, x->vector);
            g_string_append(out, ", CPU delivered ");
            moo_describe_vector(out, g->vector);
            g_string_append_c(out, '\n');
        }
    }
    diffs += moo_compare_regs(x, g, out);
    diffs += moo_compare_mem(r, x, out);
    if (out && diffs && x->vector != MOO_NO_VECTOR && g->vector == MOO_NO_VECTOR &&
        (g->regs[MOO_CS] != x->regs[MOO_CS] || g->regs[MOO_IP] != x->regs[MOO_IP])) {
        g_string_append(out, "      note: expected exception ");
        moo_describe_vector(out, x->vector);
        g_string_append(out, " was not delivered\n");
    }
    return diffs;
}

static void moo_hash_hex(const uint8_t *hash, char hex[2 * MOO_HASH_LEN + 1])
{
    for (int i = 0; i < MOO_HASH_LEN; i++) {
        g_snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    }
}

static void moo_report(Runner *r, MooFile *f, const MooTest *t, const MooGot *g)
{
    g_autoptr(GString) out = g_string_new(NULL);
    char hex[2 * MOO_HASH_LEN + 1];

    moo_hash_hex(t->hash, hex);
    g_string_append_printf(out, "  %s test %u (offset 0x%zx): %.*s\n      bytes:", f->name,
                           t->index, t->offset, (int)t->name_len, t->name);
    for (size_t i = 0; i < t->nbytes; i++) {
        g_string_append_printf(out, " %02x", t->bytes[i]);
    }
    g_string_append_printf(out, "\n      hash: %s\n", hex);
    for (int i = 0; i < RULE_COUNT; i++) {
        if (r->exp.rules & RULE_BIT(i)) {
            g_string_append_printf(out, "      rule: %s\n", moo_rule_names[i]);
        }
    }
    moo_compare(r, &r->exp, g, out);
    fputs(out->str, stdout);
}

/* ---- one test ---- */

static uint16_t moo_flags_mask(const Runner *r, const MooFile *f, const MooInsn *in)
{
    int op = f->opcode >= 0 ? f->opcode : in->op;
    int reg = f->reg >= 0 ? f->reg : in->has_modrm ? (in->modrm >> 3) & 7 : -1;

    return r->masks[op & 0xff][reg + 1];
}

static bool moo_known_bad_hash(const char *hex)
{
    for (size_t i = 0; i < G_N_ELEMENTS(moo_known_bad); i++) {
        if (!strcmp(hex, moo_known_bad[i])) {
            return true;
        }
    }
    return false;
}

/* The 16-bit offset and segment (MOO_*) of a memory ModR/M operand, from INIT. */
static void moo_rm_offset(Runner *r, const MooTest *t, const MooInsn *in, uint16_t *off,
                          int *seg)
{
    static const int base[8] = { MOO_BX, MOO_BX, MOO_BP, MOO_BP, -1, -1, MOO_BP, MOO_BX };
    static const int index[8] = { MOO_SI, MOO_DI, MOO_SI, MOO_DI, MOO_SI, MOO_DI, -1, -1 };
    const uint16_t *g = t->init.regs;
    PhysMem *pm = &r->m->pm;
    unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
    uint32_t disp_at = moo_phys(g[MOO_CS], (uint16_t)(g[MOO_IP] + in->npfx + 2));

    if (mod == 0 && rm == 6) {
        *off = (uint16_t)physmem_read(pm, disp_at, 2);
    } else {
        *off = mod == 1 ? (uint16_t)(int8_t)physmem_read(pm, disp_at, 1)
                        : mod == 2 ? (uint16_t)physmem_read(pm, disp_at, 2) : 0;
        *off += (base[rm] >= 0 ? g[base[rm]] : 0) + (index[rm] >= 0 ? g[index[rm]] : 0);
    }
    *seg = in->seg >= 0 ? in->seg
                        : base[rm] == MOO_BP && !(mod == 0 && rm == 6) ? MOO_SS : MOO_DS;
}

/* The value of the r/m operand (SIZE 1 or 2) before the instruction; false if it wraps. */
static bool moo_rm_value(Runner *r, const MooTest *t, const MooInsn *in, unsigned size,
                         uint32_t *val)
{
    static const int r16[8] = { MOO_AX, MOO_CX, MOO_DX, MOO_BX, MOO_SP, MOO_BP, MOO_SI, MOO_DI };
    const uint16_t *g = t->init.regs;
    unsigned rm = in->modrm & 7;
    uint16_t off;
    int seg;

    if ((in->modrm >> 6) == 3) {
        *val = size == 2 ? g[r16[rm]] : (g[r16[rm & 3]] >> (rm & 4 ? 8 : 0)) & 0xff;
        return true;
    }
    moo_rm_offset(r, t, in, &off, &seg);
    if (size == 2 && off == 0xffff) {
        return false;
    }
    *val = (uint32_t)physmem_read(&r->m->pm, moo_phys(g[seg], off), size);
    return true;
}

/*
 * RULE_ESC_WRAP: D8 (the one ESC opcode in the data) with an m32 operand that runs past
 * offset 0xFFFF from an even offset: the 286 hands the operand to the coprocessor a word
 * at a time and the second word's offset wraps to 0, so it does not fault; a 386 checks
 * the whole operand against the limit and raises #GP/#SS. Only a word at 0xFFFF itself
 * faults on both.
 */
static bool moo_esc_wraps(Runner *r, const MooTest *t, const MooInsn *in)
{
    uint16_t off;
    int seg;

    if (in->op != 0xd8 || !in->has_modrm || (in->modrm >> 6) == 3) {
        return false;
    }
    moo_rm_offset(r, t, in, &off, &seg);
    return off > 0xfffc && off != 0xffff;
}

/* Skip rules, decided from the test alone; returns the rule, or -1 to run the test. */
static int moo_skip_rule(Runner *r, const MooTest *t, const MooInsn *in)
{
    char hex[2 * MOO_HASH_LEN + 1];
    unsigned reg = (in->modrm >> 3) & 7;

    moo_hash_hex(t->hash, hex);
    if (g_hash_table_contains(r->revoked, hex)) {
        return RULE_REVOKED;
    }
    if (moo_known_bad_hash(hex)) {
        return RULE_KNOWN_BAD;
    }
    if (in->len > MOO_MAX_LEN_286) {
        return RULE_LONG;
    }
    if ((in->op == 0x8c || in->op == 0x8e) && in->has_modrm && (reg == 4 || reg == 5)) {
        return RULE_SEG_FSGS;
    }
    if (moo_esc_wraps(r, t, in)) {
        return RULE_ESC_WRAP;
    }
    return -1;
}

/* Masked shift/rotate count of C0/C1 (imm8, the byte before the HLT) and D2/D3 (CL). */
static bool moo_shift_of_undefined(const MooTest *t, const MooInsn *in)
{
    unsigned count;

    if (in->op == 0xc0 || in->op == 0xc1) {
        count = t->nbytes >= 2 ? t->bytes[t->nbytes - 2] : 0;
    } else if (in->op == 0xd2 || in->op == 0xd3) {
        count = t->init.regs[MOO_CX] & 0xff;
    } else {
        return false;
    }
    return (count & 31) > 1;
}

static bool moo_aam0(const MooTest *t, const MooInsn *in)
{
    return in->op == 0xd4 && in->npfx + 1u < t->nbytes && t->bytes[in->npfx + 1] == 0 &&
           t->excp_vector == EXC_DE;
}

/* Flag rules: which flags are compared (in FLAGS and in a pushed FLAGS word). */
static void moo_flag_rules(MooExpect *x, const MooTest *t, const MooInsn *in, uint16_t mask)
{
    memset(x->rule_flags, 0, sizeof(x->rule_flags));
    x->rule_flags[RULE_UNDEF_FLAGS] = (uint16_t)~mask & MOO_FLAGS_286;
    x->rule_flags[RULE_IOPL_NT] = (uint16_t)~MOO_FLAGS_286;
    x->rule_flags[RULE_SHIFT_OF] = moo_shift_of_undefined(t, in) ? FL_OF : 0;
    x->rule_flags[RULE_AAM0_FLAGS] = moo_aam0(t, in) ? FL_SF | FL_ZF | FL_PF : 0;
    x->flags_mask = 0xffff;
    for (int i = 0; i < RULE_COUNT; i++) {
        x->flags_mask &= (uint16_t)~x->rule_flags[i];
    }
}

/*
 * The r/m operand of SIZE bytes as the test starts (16-bit ModR/M, SDM vol. 2 table 2-1),
 * read from the loaded machine; false when a word straddles the end of its segment.
 */
/* RULE_IDIV_DE: IDIV (F6/F7 /7) the 286 completed whose quotient does not fit. */
static bool moo_idiv_overflows(Runner *r, const MooTest *t, const MooInsn *in)
{
    const uint16_t *g = t->init.regs;
    bool word = in->op == 0xf7;
    int64_t dividend, divisor, q, lim = word ? 32768 : 128;
    uint32_t v;

    if ((in->op != 0xf6 && !word) || !in->has_modrm || ((in->modrm >> 3) & 7) != 7 ||
        t->excp_vector != MOO_NO_VECTOR || !moo_rm_value(r, t, in, word ? 2 : 1, &v)) {
        return false;
    }
    dividend = word ? (int32_t)((uint32_t)g[MOO_DX] << 16 | g[MOO_AX]) : (int16_t)g[MOO_AX];
    divisor = word ? (int16_t)v : (int8_t)v;
    if (divisor == 0) {
        return true;
    }
    q = dividend / divisor;
    return q < -lim || q >= lim;
}

/* Shape rules that replace the 286 result with a fault frame (after setup: reads the IVT). */
static void moo_fault_rules(Runner *r, const MooTest *t, const MooInsn *in)
{
    MooExpect *x = &r->exp;
    bool mem_operand = in->has_modrm && (in->modrm >> 6) != 3;

    if (in->lock && !x86_lockable(in)) {
        moo_expect_fault(r, x, t, EXC_UD);
        x->rules |= RULE_BIT(RULE_LOCK_UD);
    } else if (in->op >= 0xd8 && in->op <= 0xdf && (r->m->cpu.cr[0] & (CR0_EM | CR0_TS))) {
        moo_expect_fault(r, x, t, EXC_NM);
        x->rules |= RULE_BIT(RULE_ESC_NM);
    } else if (in->op == 0x8f && mem_operand && t->excp_vector == EXC_GP) {
        moo_expect_fault(r, x, t, EXC_GP);
        x->rules |= RULE_BIT(RULE_POP_FAULT);
    } else if (moo_idiv_overflows(r, t, in)) {
        moo_expect_fault(r, x, t, EXC_DE);
        x->rules |= RULE_BIT(RULE_IDIV_DE);
    }
}

/* Which index registers a string instruction steps; false if OP is not one. */
static bool x86_string_regs(uint8_t op, bool *si, bool *di)
{
    switch (op & ~1) {
    case 0xa4: case 0xa6:
        *si = *di = true;
        return true;
    case 0xaa: case 0xae: case 0x6c:
        *si = false;
        *di = true;
        return true;
    case 0xac: case 0x6e:
        *si = true;
        *di = false;
        return true;
    default:
        return false;
    }
}

/* RULE_STRING_FAULT: accepts the 386's SI/DI/CX, one step behind the 286's. */
static void moo_string_fault_rule(MooExpect *x, const MooTest *t, const MooInsn *in,
                                  const MooGot *g)
{
    static const int index_regs[2] = { MOO_SI, MOO_DI };
    bool uses[2];
    unsigned size = in->op & 1 ? 2 : 1;
    uint16_t step = t->init.regs[MOO_FLAGS] & FL_DF ? (uint16_t)-size : (uint16_t)size;

    if ((x->vector != EXC_GP && x->vector != EXC_SS) ||
        !x86_string_regs(in->op, &uses[0], &uses[1])) {
        return;
    }
    unsigned cx_behind = 1;

    for (int i = 0; i < 2; i++) {
        int reg = index_regs[i];
        if (uses[i] && g->regs[reg] == (uint16_t)(x->regs[reg] - step)) {
            x->regs[reg] = g->regs[reg];
            x->rules |= RULE_BIT(RULE_STRING_FAULT);
            cx_behind += reg == MOO_DI && (in->op & ~1) == 0xa4; /* the MOVS write faulted */
        }
    }
    if (in->rep && g->regs[MOO_CX] == (uint16_t)(x->regs[MOO_CX] + cx_behind)) {
        x->regs[MOO_CX] = g->regs[MOO_CX];
        x->rules |= RULE_BIT(RULE_STRING_FAULT);
    }
}

/* Shape rules decided after the run. */
static void moo_after_rules(Runner *r, const MooTest *t, const MooInsn *in, const MooGot *g)
{
    MooExpect *x = &r->exp;

    if (x->vector == EXC_GP && g->vector == EXC_SS) {
        /* the frame must match; the handler is wherever #SS's sentinel HLT is */
        x->regs[MOO_CS] = g->regs[MOO_CS];
        x->regs[MOO_IP] = g->regs[MOO_IP];
        x->vector = EXC_SS;
        x->rules |= RULE_BIT(RULE_SS_VECTOR);
    }
    moo_string_fault_rule(x, t, in, g);
}

/* Counts the rules of a passing test: shape rules applied, flag rules that mattered. */
static void moo_count_rules(Runner *r, const MooGot *g)
{
    uint16_t d = r->exp.regs[MOO_FLAGS] ^ g->regs[MOO_FLAGS];

    for (int i = 0; i < RULE_COUNT; i++) {
        if (RULES_FLAGS & RULE_BIT(i) ? (d & r->exp.rule_flags[i]) != 0
                                      : (r->exp.rules & RULE_BIT(i)) != 0) {
            r->rule_hits[i]++;
        }
    }
}

static MooResult moo_run_test(Runner *r, MooFile *f, const MooTest *t)
{
    MooInsn in;
    MooGot g;
    int skip;

    moo_decode(t->bytes, t->nbytes, &in);
    skip = moo_skip_rule(r, t, &in);
    if (skip >= 0) {
        r->rule_hits[skip]++;
        return MOO_SKIP;
    }
    r->exp.rules = 0;
    moo_flag_rules(&r->exp, t, &in, moo_flags_mask(r, f, &in));
    moo_expect_from_test(&r->exp, t);
    moo_setup(r, t);
    moo_fault_rules(r, t, &in);
    moo_execute(r, &g);
    r->ran++;
    moo_after_rules(r, t, &in, &g);
    if (moo_compare(r, &r->exp, &g, NULL)) {
        if (r->verbose || f->shown < MOO_SHOW_FAILS) {
            moo_report(r, f, t, &g);
            f->shown++;
        }
        return MOO_FAIL;
    }
    moo_count_rules(r, &g);
    return MOO_PASS;
}

/* ---- the watchdog ---- */

static void moo_watchdog_fire(Runner *r)
{
    const MooFile *f = r->file;
    char hex[2 * MOO_HASH_LEN + 1];

    moo_hash_hex(r->test.hash, hex);
    fflush(stdout);
    printf("cpu-vectors: %s: test %u (offset 0x%zx, hash %s): machine_run did not return "
           "within %d s (CPU stuck); aborting\n", f->name, r->test.index, r->test.offset, hex,
           MOO_WATCHDOG_SECS);
    printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n",
           r->passed + f->passed, r->failed + f->failed + 1, r->skipped + f->skipped);
    fflush(stdout);
    _exit(1);
}

/*
 * A CPU stuck inside machine_run (say, an exception loop that retires no instruction, so the
 * budget never runs out) would hang the whole run; the watchdog thread turns that into one
 * failure line naming the test. It reads the main thread's state only once that thread has
 * made no progress for MOO_WATCHDOG_SECS.
 */
static gpointer moo_watchdog(gpointer data)
{
    Runner *r = data;
    gint last = -1;
    unsigned stuck = 0;

    g_mutex_lock(&r->lock);
    while (!r->stop) {
        g_cond_wait_until(&r->wake, &r->lock, g_get_monotonic_time() + G_USEC_PER_SEC / 4);
        gint now = g_atomic_int_get(&r->progress);
        if (now != last || !g_atomic_int_get(&r->running)) {
            last = now;
            stuck = 0;
        } else if (++stuck >= 4 * MOO_WATCHDOG_SECS) {
            moo_watchdog_fire(r);
        }
    }
    g_mutex_unlock(&r->lock);
    return NULL;
}

/* ---- one file ---- */

static bool moo_filter_match(const Runner *r, const MooTest *t)
{
    char hex[2 * MOO_HASH_LEN + 1];

    if (!r->filter) {
        return true;
    }
    moo_hash_hex(t->hash, hex);
    return g_str_has_prefix(hex, r->filter);
}

static void moo_count(MooFile *f, MooResult res)
{
    switch (res) {
    case MOO_PASS:
        f->passed++;
        break;
    case MOO_FAIL:
        f->failed++;
        break;
    case MOO_SKIP:
        f->skipped++;
        break;
    }
}

static void moo_header(MooFile *f, const uint8_t *d, const MooChunk *c)
{
    if (!strcmp(c->id, "META") && c->len >= 15) {
        memcpy(f->mnemonic, d + c->data + 7, 8);
        f->mnemonic[8] = '\0';
        g_strchomp(f->mnemonic);
        for (char *p = f->mnemonic; *p; p++) {
            *p = g_ascii_toupper(*p);
        }
        if (f->opcode < 0) {
            f->opcode = (int)(ld32_le(d + c->data + 3) & 0xff);
        }
    }
}

/* Runs the tests in the decompressed file D; false (with E set) when it is malformed. */
static bool moo_run_chunks(Runner *r, MooFile *f, const GByteArray *d, MooError *e)
{
    size_t pos = 0, end = d->len;
    uint32_t declared, found = 0;
    unsigned considered = 0;
    MooChunk c;

    if (end < 4 || memcmp(d->data, "MOO ", 4)) {
        return moo_fail(e, 0, "not a MOO file (no 'MOO ' chunk at the start)");
    }
    if (!moo_chunk(d->data, &pos, end, &c, e)) {
        return false;
    }
    if (c.len < 12) {
        return moo_fail(e, 0, "'MOO ' header chunk of %zu bytes, need 12", c.len);
    }
    declared = ld32_le(d->data + c.data + 4);
    while (pos < end) {
        if (!moo_chunk(d->data, &pos, end, &c, e)) {
            return false;
        }
        if (strcmp(c.id, "TEST")) {
            moo_header(f, d->data, &c);
            continue;
        }
        found++;
        if (!moo_parse_test(d->data, &c, &r->test, e)) {
            return false;
        }
        if (!moo_filter_match(r, &r->test)) {
            continue;
        }
        moo_count(f, moo_run_test(r, f, &r->test));
        if (r->limit > 0 && ++considered >= (unsigned)r->limit) {
            return true;
        }
    }
    if (found != declared) {
        return moo_fail(e, end, "header declares %u tests, file holds %u (truncated?)",
                        declared, found);
    }
    return true;
}

/* "80.4.MOO.gz" -> opcode 0x80, reg 4; "00.MOO.gz" -> opcode 0, reg -1. */
static void moo_parse_file_name(MooFile *f)
{
    const char *n = f->name;

    f->opcode = f->reg = -1;
    if (g_ascii_isxdigit(n[0]) && g_ascii_isxdigit(n[1]) && n[2] == '.') {
        f->opcode = g_ascii_xdigit_value(n[0]) * 16 + g_ascii_xdigit_value(n[1]);
        if (n[3] >= '0' && n[3] <= '7' && n[4] == '.') {
            f->reg = n[3] - '0';
        }
    }
}

static bool moo_new_machine(Runner *r)
{
    g_autoptr(GError) err = NULL;

    machine_free(r->m);
    r->m = machine_new();
    r->sentinel_seg = 0;
    if (!machine_init_bare(r->m, MOO_RAM_BYTES, &err)) {
        g_printerr("cpu-vectors: cannot create the machine: %s\n", err->message);
        return false;
    }
    return true;
}

static bool moo_run_file(Runner *r, const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    MooFile f = { .name = base };
    MooError e = { 0 };
    GByteArray *data;

    moo_parse_file_name(&f);
    r->file = &f;
    if ((r->fresh || !r->m) && !moo_new_machine(r)) {
        return false;
    }
    data = moo_load(path, &e);
    if (data) {
        moo_run_chunks(r, &f, data, &e);
        g_byte_array_unref(data);
    }
    if (e.msg) {
        printf("cpu-vectors: %s: offset 0x%zx: %s\n", path, e.offset, e.msg);
        g_free(e.msg);
        f.failed++;
        f.shown++; /* the error line counts as a shown failure */
    }
    if (!r->filter || f.passed + f.failed + f.skipped) {
        g_autofree char *label = g_strstrip(g_strdup_printf("%s %s", f.mnemonic,
                                                            x86_form(f.opcode, f.reg)));
        printf("%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped%s%s\n",
               f.name, f.passed, f.failed, f.skipped, label[0] ? "  " : "", label);
    }
    if (f.failed > f.shown) {
        printf("  ... %" PRIu64 " more failures in %s (--verbose shows all)\n",
               f.failed - f.shown, f.name);
    }
    r->passed += f.passed;
    r->failed += f.failed;
    r->skipped += f.skipped;
    r->file = NULL;
    fflush(stdout);
    return true;
}

/* ---- command line ---- */

static gint moo_strcmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The MOO files an argument names, sorted; NULL (message printed) if it does not exist. */
static GPtrArray *moo_collect(const char *arg, char **dir)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    GDir *d;
    const char *name;

    if (!g_file_test(arg, G_FILE_TEST_IS_DIR)) {
        if (!g_file_test(arg, G_FILE_TEST_EXISTS)) {
            g_ptr_array_unref(files);
            return NULL;
        }
        *dir = g_path_get_dirname(arg);
        g_ptr_array_add(files, g_strdup(arg));
        return files;
    }
    *dir = g_strdup(arg);
    d = g_dir_open(arg, 0, &err);
    if (!d) {
        g_printerr("cpu-vectors: %s\n", err->message);
        return files;
    }
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ".MOO.gz")) {
            g_ptr_array_add(files, g_build_filename(arg, name, NULL));
        }
    }
    g_dir_close(d);
    g_ptr_array_sort(files, moo_strcmp);
    return files;
}

static bool moo_parse_args(Runner *r, int *argc, char ***argv)
{
    GOptionEntry entries[] = {
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &r->verbose,
          "Print every failing test and the rule counters", NULL },
        { "limit", 'n', 0, G_OPTION_ARG_INT, &r->limit, "Run at most N tests per file", "N" },
        { "filter", 'f', 0, G_OPTION_ARG_STRING, &r->filter,
          "Run only tests whose SHA-1 hash starts with HEXHASH", "HEXHASH" },
        { "fresh", 0, 0, G_OPTION_ARG_NONE, &r->fresh, "Create a new machine for each file",
          NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE_OR_DIR...");
    g_autoptr(GError) err = NULL;

    g_option_context_set_summary(ctx, "Runs 80286 single-instruction test vectors (MOO files; "
                                 "a directory means all *.MOO.gz in it).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        g_printerr("cpu-vectors: %s\n", err->message);
        return false;
    }
    if (*argc < 2) {
        g_printerr("cpu-vectors: no test files given (try --help)\n");
        return false;
    }
    if (r->filter) {
        char *low = g_ascii_strdown(r->filter, -1);
        g_free(r->filter);
        r->filter = low;
        if (!low[0] || strspn(low, "0123456789abcdef") != strlen(low)) {
            g_printerr("cpu-vectors: --filter wants hex digits, got '%s'\n", low);
            return false;
        }
    }
    return true;
}

static void moo_print_rules(const Runner *r)
{
    printf("rules (MooRule in tests/cpu-vectors.c), tests each applied to:\n");
    for (int i = 0; i < RULE_COUNT; i++) {
        printf("  %8" PRIu64 "  %s\n", r->rule_hits[i], moo_rule_names[i]);
    }
}

static void runner_init(Runner *r)
{
    memset(r, 0, sizeof(*r));
    g_mutex_init(&r->lock);
    g_cond_init(&r->wake);
    r->revoked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->test.init.ram = g_array_new(FALSE, FALSE, sizeof(MooRam));
    r->test.fina.ram = g_array_new(FALSE, FALSE, sizeof(MooRam));
    r->exp.mem = g_array_new(FALSE, FALSE, sizeof(MooMemCheck));
}

static void runner_fini(Runner *r)
{
    machine_free(r->m);
    g_hash_table_unref(r->revoked);
    g_array_unref(r->test.init.ram);
    g_array_unref(r->test.fina.ram);
    g_array_unref(r->exp.mem);
    g_free(r->dir);
    g_free(r->filter);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->wake);
}

/* Runs every argument; returns the exit status. */
static int moo_run_args(Runner *r, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        g_autofree char *dir = NULL;
        g_autoptr(GPtrArray) files = moo_collect(argv[i], &dir);

        if (!files) {
            printf("cpu-vectors: %s: no such file or directory; skipping\n", argv[i]);
            return MOO_EXIT_SKIP;
        }
        if (!files->len) {
            printf("cpu-vectors: %s: no *.MOO.gz files; skipping\n", argv[i]);
            return MOO_EXIT_SKIP;
        }
        if (!moo_use_dir(r, dir)) {
            return 2;
        }
        for (guint k = 0; k < files->len; k++) {
            if (!moo_run_file(r, g_ptr_array_index(files, k))) {
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    Runner r;
    int64_t start;
    double secs;
    int status;

    runner_init(&r);
    if (!moo_parse_args(&r, &argc, &argv)) {
        runner_fini(&r);
        return 2;
    }
    start = g_get_monotonic_time();
    r.watchdog = g_thread_new("watchdog", moo_watchdog, &r);
    status = moo_run_args(&r, argc, argv);
    secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    g_mutex_lock(&r.lock);
    r.stop = true;
    g_cond_signal(&r.wake);
    g_mutex_unlock(&r.lock);
    g_thread_join(r.watchdog);
    if (status == 0) {
        if (r.verbose) {
            moo_print_rules(&r);
        }
        printf("time: %.2f s, %" PRIu64 " tests executed, %.0f tests/s\n", secs, r.ran,
               secs > 0 ? (double)r.ran / secs : 0.0);
        printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", r.passed,
               r.failed, r.skipped);
        status = r.failed ? 1 : 0;
    }
    runner_fini(&r);
    return status;
}
