/*
 * Instruction decoding (Intel SDM vol. 2, ch. 2): legacy prefixes, the one- and two-byte
 * opcode maps of cpu/opcodes.def, ModRM and SIB in 16- and 32-bit addressing,
 * displacements and immediates, the 15-byte limit and the LOCK rules.
 */
#include "cpu/decode.h"

#include <string.h>

#include "cpu/cpu.h"

static bool operand_has_modrm(uint8_t t)
{
    switch (t) {
    case OT_Eb: case OT_Ev: case OT_Ew: case OT_Ed:
    case OT_Gb: case OT_Gv: case OT_Gw: case OT_Gd:
    case OT_M: case OT_Mp: case OT_Ma: case OT_Mq: case OT_Ms:
    case OT_Sw: case OT_Cd: case OT_Dd: case OT_Rd:
        return true;
    default:
        return false;
    }
}

void decode_index_init(DecodeIndex *ix)
{
    memset(ix, 0, sizeof(*ix));
    for (unsigned i = 1; i < opcode_row_count; i++) {
        const OpcodeRow *r = &opcode_rows[i];
        bool modrm = r->reg >= 0;
        for (int k = 0; k < 3; k++) {
            modrm |= operand_has_modrm(r->operand[k]);
        }
        ix->has_modrm[r->opcode] |= modrm;
        for (int reg = 0; reg < 8; reg++) {
            if (r->reg < 0 || r->reg == reg) {
                ix->row[r->opcode][reg] = (uint16_t)i;
            }
        }
    }
}

typedef struct Decoder {
    DecodeFetch fetch;
    void *ctx;
    unsigned pos;
    DecodeStatus status;
} Decoder;

/* Fetches the next byte; on failure records why and returns false. */
static bool next_byte(Decoder *d, uint8_t *b)
{
    if (d->pos >= 15) {
        d->status = DECODE_TOO_LONG;
        return false;
    }
    if (!d->fetch(d->ctx, d->pos, b)) {
        d->status = DECODE_FETCH;
        return false;
    }
    d->pos++;
    return true;
}

/* Fetches an N-byte little-endian value, sign-extended to 32 bits when SIGNED. */
static bool next_value(Decoder *d, unsigned n, bool is_signed, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        if (!next_byte(d, &b)) {
            return false;
        }
        x |= (uint32_t)b << (8 * i);
    }
    if (is_signed && n < 4) {
        unsigned shift = 32 - 8 * n;
        x = (uint32_t)((int32_t)(x << shift) >> shift);
    }
    *v = x;
    return true;
}

static bool decode_prefixes(Decoder *d, Insn *in, uint8_t *op)
{
    static const int8_t seg_prefix[256] = {
        [0x26] = SEG_ES + 1, [0x2e] = SEG_CS + 1, [0x36] = SEG_SS + 1,
        [0x3e] = SEG_DS + 1, [0x64] = SEG_FS + 1, [0x65] = SEG_GS + 1,
    };
    for (;;) {
        uint8_t b;
        if (!next_byte(d, &b)) {
            return false;
        }
        if (seg_prefix[b]) {
            in->seg_override = (uint8_t)(seg_prefix[b] - 1);
        } else if (b == 0x66) {
            in->opsize_prefix = true;
        } else if (b == 0x67) {
            in->addrsize = in->addrsize_prefix_base == 4 ? 2 : 4;  /* repeats do not toggle */
        } else if (b == 0xf0) {
            in->lock = true;
        } else if (b == 0xf2) {
            in->rep = REP_NZ;
        } else if (b == 0xf3) {
            in->rep = REP_Z;
        } else {
            *op = b;
            return true;
        }
    }
}

static const uint8_t modrm16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const uint8_t modrm16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ZERO, R_ZERO, R_ZERO,
                                          R_ZERO };

static bool decode_mem16(Decoder *d, Insn *in)
{
    uint32_t disp = 0;
    in->base = modrm16_base[in->rm];
    in->index = modrm16_index[in->rm];
    if (in->mod == 0 && in->rm == 6) {
        in->base = R_ZERO;
        if (!next_value(d, 2, false, &disp)) {
            return false;
        }
    } else if (in->mod == 1 && !next_value(d, 1, true, &disp)) {
        return false;
    } else if (in->mod == 2 && !next_value(d, 2, false, &disp)) {
        return false;
    }
    in->disp = (int32_t)disp;
    in->seg = in->base == R_EBP ? SEG_SS : SEG_DS;
    return true;
}

static bool decode_mem32(Decoder *d, Insn *in)
{
    uint32_t disp = 0;
    uint8_t base = in->rm;

    in->index = R_ZERO;
    if (in->rm == 4) {
        uint8_t sib;
        if (!next_byte(d, &sib)) {
            return false;
        }
        base = sib & 7;
        in->index = ((sib >> 3) & 7) == 4 ? R_ZERO : (sib >> 3) & 7;
        in->scale = sib >> 6;
    }
    in->base = base;
    if (in->mod == 0 && base == 5) {
        in->base = R_ZERO;
        if (!next_value(d, 4, false, &disp)) {
            return false;
        }
    } else if (in->mod == 1 && !next_value(d, 1, true, &disp)) {
        return false;
    } else if (in->mod == 2 && !next_value(d, 4, false, &disp)) {
        return false;
    }
    in->disp = (int32_t)disp;
    in->seg = (in->base == R_ESP || in->base == R_EBP) ? SEG_SS : SEG_DS;
    return true;
}

/* The operand size of a row: bytes when its first sized operand is a byte operand. */
static uint8_t row_opsize(const OpcodeRow *r, const Insn *in)
{
    uint8_t t = r->operand[0];
    if (t == OT_Ib || t == OT_DX || t == OT_NONE) {
        t = r->operand[1];
    }
    switch (t) {
    case OT_Eb: case OT_Gb: case OT_AL: case OT_Zb: case OT_Xb: case OT_Yb: case OT_Ob:
        return 1;
    default:
        break;
    }
    if (r->flags & IF_BYTE) {
        return 1;
    }
    if (r->flags & IF_W16) {
        return 2;
    }
    return in->opsize;
}

/* Reads the immediates the operand types call for; the first goes to imm, the next to imm2. */
static bool decode_immediates(Decoder *d, const OpcodeRow *r, Insn *in)
{
    int n = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t v = 0, sel = 0;
        bool ok = true;
        switch (r->operand[k]) {
        case OT_Ib: ok = next_value(d, 1, false, &v); break;
        case OT_Ibs: case OT_Jb: ok = next_value(d, 1, true, &v); break;
        case OT_Iw: ok = next_value(d, 2, false, &v); break;
        case OT_Iz: case OT_Jz: ok = next_value(d, in->opsize == 2 ? 2 : 4, true, &v); break;
        case OT_Ob: case OT_Ov:
            ok = next_value(d, in->addrsize, false, &v);
            in->has_mem = true;
            in->base = in->index = R_ZERO;
            in->disp = (int32_t)v;
            in->seg = SEG_DS;
            continue;
        case OT_Ap:
            ok = next_value(d, in->opsize, false, &v) && next_value(d, 2, false, &sel);
            in->imm2 = sel;
            break;
        default:
            continue;
        }
        if (!ok) {
            return false;
        }
        if (n++ == 0) {
            in->imm = v;
        } else {
            in->imm2 = v;
        }
    }
    return true;
}

static bool row_forces_register(const OpcodeRow *r)
{
    /* MOV to/from CRn/DRn ignore the mod bits and always name a register. */
    return r->operand[0] == OT_Rd || r->operand[1] == OT_Rd;
}

DecodeStatus decode_insn(const DecodeIndex *ix, bool code32, DecodeFetch fetch, void *ctx,
                         Insn *in)
{
    Decoder d = { .fetch = fetch, .ctx = ctx, .status = DECODE_OK };
    uint8_t b;

    memset(in, 0, sizeof(*in));
    in->seg_override = SEG_NONE;
    in->addrsize = code32 ? 4 : 2;
    in->addrsize_prefix_base = in->addrsize;
    in->base = in->index = R_ZERO;
    if (!decode_prefixes(&d, in, &b)) {
        return d.status;
    }
    in->opcode = b;
    if (b == 0x0f) {
        if (!next_byte(&d, &b)) {
            return d.status;
        }
        in->opcode = 0x100 | b;
    }
    in->opsize = (code32 ^ in->opsize_prefix) ? 4 : 2;
    in->has_modrm = ix->has_modrm[in->opcode];
    if (in->has_modrm) {
        uint8_t m;
        if (!next_byte(&d, &m)) {
            return d.status;
        }
        in->mod = m >> 6;
        in->reg = (m >> 3) & 7;
        in->rm = m & 7;
    } else {
        in->rm = in->opcode & 7;  /* Zb/Zv: the register in the opcode */
    }
    in->row = &opcode_rows[ix->row[in->opcode][in->has_modrm ? in->reg : 0]];
    if (in->row->emit == EMIT_KIND_ud && in->row == &opcode_rows[0]) {
        in->len = (uint8_t)d.pos;
        return DECODE_UD;
    }
    if (in->has_modrm && row_forces_register(in->row)) {
        in->mod = 3;
    }
    if (in->has_modrm && in->mod != 3) {
        in->has_mem = true;
        if (!(in->addrsize == 2 ? decode_mem16(&d, in) : decode_mem32(&d, in))) {
            return d.status;
        }
    }
    in->opsize = row_opsize(in->row, in);
    if (!decode_immediates(&d, in->row, in)) {
        return d.status;
    }
    if (in->seg_override != SEG_NONE) {
        in->seg = in->seg_override;
    } else if (!in->has_mem) {
        in->seg = SEG_DS;
    }
    in->len = (uint8_t)d.pos;
    if (in->row->operand[0] == OT_Sw || in->row->operand[1] == OT_Sw) {
        if (in->reg > SEG_GS) {
            return DECODE_UD;  /* no segment registers 6 and 7 */
        }
    }
    if ((in->row->flags & IF_MEM) && !in->has_mem) {
        return DECODE_UD;
    }
    if ((in->row->flags & IF_REG) && in->has_mem) {
        return DECODE_UD;
    }
    if (in->lock && !((in->row->flags & IF_LOCK) && in->has_mem)) {
        return DECODE_UD;
    }
    return DECODE_OK;
}
