/*
 * The decoder against Capstone: random byte strings (biased towards prefixes, ModRM/SIB
 * forms and the two-byte map) decoded as 16- and 32-bit code must get the same length
 * from both wherever both decode. Instructions outside wirt's table (SSE) are counted and
 * skipped. Every other
 * disagreement is a bug, unless it is listed in known_capstone_gaps with the reason.
 */
#include <glib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/disas.h"

typedef struct Bytes {
    const uint8_t *b;
    size_t n;
} Bytes;

static bool fetch_buf(void *ctx, unsigned off, uint8_t *byte)
{
    const Bytes *bs = ctx;
    if (off >= bs->n) {
        return false;
    }
    *byte = bs->b[off];
    return true;
}

/*
 * Opcodes Capstone 4 does not decode (or decodes differently) although the SDM defines
 * them for a P6-class CPU; wirt follows the SDM.
 */
static bool known_capstone_gap(const Insn *in, size_t cs_len)
{
    /*
     * x87 reserved encodings (DD /5 m, DB /4 m, D9 /1 m...) and the undocumented register
     * aliases a P6 executes (DD F0-FF, DA E8-FF...): Capstone rejects them, wirt decodes
     * their length and the x87 layer runs them or raises #UD. Where Capstone decodes an
     * x87 instruction at all, the lengths must agree.
     */
    if (in->row->emit == EMIT_KIND_fpu && cs_len == 0) {
        return true;
    }
    /*
     * 66 together with F2/F3 before a moffs MOV or a relative CALL/JMP: Capstone 4 takes
     * F2/F3 as a mandatory SSE or BND prefix and drops the operand-size override (or the
     * instruction); the SDM applies 66 and ignores F2/F3 there.
     */
    if (in->opsize_prefix && in->rep != REP_NONE &&
        ((in->opcode >= 0xa0 && in->opcode <= 0xa3) || in->opcode == 0xe8 ||
         in->opcode == 0xe9)) {
        return true;
    }
    switch (in->opcode) {
    case 0x0d6:  /* SALC: undocumented but present on every Intel CPU; Capstone omits it */
    case 0x0f1:  /* INT1/ICEBP: Capstone 4 decodes it only in some modes */
    case 0x082:  /* 82 /r: the 8-bit group-1 alias, valid outside 64-bit mode */
    case 0x0f6:  /* F6/F7 /1: the TEST alias; Capstone rejects reg=1 */
    case 0x0f7:
    case 0x118: case 0x119: case 0x11a: case 0x11b:  /* hint NOPs 0F 18-1F: Capstone */
    case 0x11c: case 0x11d: case 0x11e:              /* lacks the reserved ones */
        return true;
    case 0x11f:  /* NOP r/m: Capstone 4 rejects the register form (SDM: NOP r/m16/32) */
        return !in->has_mem;
    default:
        return false;
    }
}

/* Some prefix bytes, a plausible opcode, then random ModRM/SIB/displacement bytes. */
static size_t random_insn(GRand *r, uint8_t *buf)
{
    static const uint8_t prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67,
                                        0xf2, 0xf3 };
    size_t n = 0;
    int np = g_rand_int_range(r, 0, 4) == 0 ? g_rand_int_range(r, 1, 4) : 0;

    for (int i = 0; i < np; i++) {
        buf[n++] = prefixes[g_rand_int_range(r, 0, G_N_ELEMENTS(prefixes))];
    }
    if (g_rand_int_range(r, 0, 4) == 0) {
        buf[n++] = 0x0f;
    }
    while (n < 15) {
        buf[n++] = (uint8_t)g_rand_int_range(r, 0, 256);
    }
    return n;
}

typedef struct DecodeCounts {
    unsigned agreed, skipped_outside, skipped_ud, capstone_gaps;
} DecodeCounts;

static void check_one(const DecodeIndex *ix, Disas *d, bool code32, const uint8_t *buf,
                      size_t n, DecodeCounts *c)
{
    Bytes bs = { buf, n };
    Insn in;
    char text[128];
    DecodeStatus st = decode_insn(ix, code32, fetch_buf, &bs, &in);
    size_t cs_len = disas_one(d, code32 ? 32 : 16, 0, buf, n, text, sizeof(text));

    if (st == DECODE_UD || st == DECODE_TOO_LONG || st == DECODE_FETCH) {
        /* Outside the table (x87/SSE), or invalid by rule (LOCK, register-only forms). */
        if (st == DECODE_UD && in.row == &opcode_rows[0]) {
            c->skipped_outside++;
        } else {
            c->skipped_ud++;
        }
        return;
    }
    if (cs_len == 0 || cs_len != in.len) {
        if (known_capstone_gap(&in, cs_len)) {
            c->capstone_gaps++;
            return;
        }
        g_autofree char *hex = g_strdup_printf("%02x %02x %02x %02x %02x %02x %02x %02x",
                                               buf[0], buf[1], buf[2], buf[3], buf[4],
                                               buf[5], buf[6], buf[7]);
        g_test_message("%d-bit: %s...: wirt %s len %u, capstone '%s' len %zu",
                       code32 ? 32 : 16, hex, in.row->mnem, in.len, text, cs_len);
        g_test_fail();
        return;
    }
    c->agreed++;
}

static void test_random(gconstpointer data)
{
    bool code32 = GPOINTER_TO_INT(data);
    DecodeIndex *ix = g_new(DecodeIndex, 1);
    Disas d;
    GRand *r = g_rand_new_with_seed(code32 ? 0x3232 : 0x1616);
    DecodeCounts c = { 0 };
    uint8_t buf[15];

    decode_index_init(ix);
    g_assert_true(disas_init(&d));
    for (int i = 0; i < 200000; i++) {
        size_t n = random_insn(r, buf);
        check_one(ix, &d, code32, buf, n, &c);
    }
    g_test_message("%d-bit: %u agree, %u outside the table, %u #UD by rule, "
                   "%u known Capstone gaps", code32 ? 32 : 16, c.agreed, c.skipped_outside,
                   c.skipped_ud, c.capstone_gaps);
    g_assert_cmpuint(c.agreed, >, 100000);
    disas_fini(&d);
    g_rand_free(r);
    g_free(ix);
}

/* Every row of the table, with a register and a memory ModRM, decodes like Capstone. */
static void test_every_row(void)
{
    DecodeIndex *ix = g_new(DecodeIndex, 1);
    Disas d;
    DecodeCounts c = { 0 };

    decode_index_init(ix);
    g_assert_true(disas_init(&d));
    for (unsigned i = 1; i < opcode_row_count; i++) {
        const OpcodeRow *row = &opcode_rows[i];
        for (int mod = 0; mod < 4; mod++) {
            for (int code32 = 0; code32 < 2; code32++) {
                uint8_t buf[15] = { 0 };
                size_t n = 0;
                if (row->opcode >= 0x100) {
                    buf[n++] = 0x0f;
                }
                buf[n++] = (uint8_t)row->opcode;
                buf[n++] = (uint8_t)(mod << 6 | (row->reg < 0 ? 0 : row->reg) << 3 | 4);
                buf[n++] = 0x25;  /* SIB (32-bit) or a displacement byte (16-bit) */
                for (int k = n; k < 15; k++) {
                    buf[k] = (uint8_t)(0x11 * k);
                }
                check_one(ix, &d, code32, buf, 15, &c);
            }
        }
    }
    g_test_message("rows: %u agree, %u #UD by rule, %u known Capstone gaps", c.agreed,
                   c.skipped_ud, c.capstone_gaps);
    disas_fini(&d);
    g_free(ix);
}

/* The 15-byte limit: 14 prefixes and a one-byte opcode decode; 15 prefixes do not. */
static void test_length_limit(void)
{
    DecodeIndex *ix = g_new(DecodeIndex, 1);
    uint8_t buf[20];
    Bytes bs = { buf, sizeof(buf) };
    Insn in;

    decode_index_init(ix);
    memset(buf, 0x66, sizeof(buf));
    buf[14] = 0x90;
    g_assert_cmpint(decode_insn(ix, true, fetch_buf, &bs, &in), ==, DECODE_OK);
    g_assert_cmpuint(in.len, ==, 15);
    buf[14] = 0x66;
    buf[15] = 0x90;
    g_assert_cmpint(decode_insn(ix, true, fetch_buf, &bs, &in), ==, DECODE_TOO_LONG);
    /* LOCK on a register destination and on a non-lockable instruction: #UD. */
    static const uint8_t lock_reg[] = { 0xf0, 0x01, 0xc0 };
    static const uint8_t lock_mov[] = { 0xf0, 0x89, 0x00 };
    static const uint8_t lock_mem[] = { 0xf0, 0x01, 0x00 };
    bs = (Bytes){ lock_reg, sizeof(lock_reg) };
    g_assert_cmpint(decode_insn(ix, true, fetch_buf, &bs, &in), ==, DECODE_UD);
    bs = (Bytes){ lock_mov, sizeof(lock_mov) };
    g_assert_cmpint(decode_insn(ix, true, fetch_buf, &bs, &in), ==, DECODE_UD);
    bs = (Bytes){ lock_mem, sizeof(lock_mem) };
    g_assert_cmpint(decode_insn(ix, true, fetch_buf, &bs, &in), ==, DECODE_OK);
    g_free(ix);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/decode/random-16", GINT_TO_POINTER(0), test_random);
    g_test_add_data_func("/decode/random-32", GINT_TO_POINTER(1), test_random);
    g_test_add_func("/decode/every-row", test_every_row);
    g_test_add_func("/decode/length-limit", test_length_limit);
    return g_test_run();
}
