/*
 * Disassembly of guest code with Capstone, for -d in_asm traces and as a decoder oracle
 * in tests. One handle per code size is opened once and kept.
 */
#ifndef WIRT_CPU_DISAS_H
#define WIRT_CPU_DISAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Disas {
    size_t handle[3]; /* csh for 16-, 32- and 64-bit code */
    bool open[3];
} Disas;

bool disas_init(Disas *d);
void disas_fini(Disas *d);

/*
 * Disassembles the instruction at CODE (at most LEN bytes) as BITS-bit code (16, 32 or 64)
 * located at ADDR. Writes "mnemonic operands" to BUF and returns the instruction length,
 * or 0 when Capstone cannot decode it (BUF then says "(bad)").
 */
size_t disas_one(Disas *d, int bits, uint64_t addr, const uint8_t *code, size_t len,
                 char *buf, size_t bufsz);

#endif
