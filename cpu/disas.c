/*
 * Capstone-backed disassembler for traces (-d in_asm) and decoder cross-checks.
 */
#include "cpu/disas.h"

#include <capstone/capstone.h>
#include <stdio.h>

static int disas_index(int bits)
{
    switch (bits) {
    case 16: return 0;
    case 32: return 1;
    case 64: return 2;
    default: return -1;
    }
}

bool disas_init(Disas *d)
{
    static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

    for (int i = 0; i < 3; i++) {
        csh h;
        d->open[i] = cs_open(CS_ARCH_X86, modes[i], &h) == CS_ERR_OK;
        d->handle[i] = d->open[i] ? h : 0;
        if (!d->open[i]) {
            disas_fini(d);
            return false;
        }
    }
    return true;
}

void disas_fini(Disas *d)
{
    for (int i = 0; i < 3; i++) {
        if (d->open[i]) {
            csh h = d->handle[i];
            cs_close(&h);
            d->open[i] = false;
        }
    }
}

size_t disas_one(Disas *d, int bits, uint64_t addr, const uint8_t *code, size_t len,
                 char *buf, size_t bufsz)
{
    int i = disas_index(bits);
    cs_insn *insn = NULL;
    size_t n, ilen = 0;

    snprintf(buf, bufsz, "(bad)");
    if (i < 0 || !d->open[i]) {
        return 0;
    }
    n = cs_disasm(d->handle[i], code, len, addr, 1, &insn);
    if (n == 1) {
        ilen = insn->size;
        if (insn->op_str[0]) {
            snprintf(buf, bufsz, "%s %s", insn->mnemonic, insn->op_str);
        } else {
            snprintf(buf, bufsz, "%s", insn->mnemonic);
        }
    }
    if (n) {
        cs_free(insn, n);
    }
    return ilen;
}
