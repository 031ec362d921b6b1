/*
 * Instantiates the opcode table of cpu/opcodes.def as data. Row 0 is the invalid opcode.
 */
#include "cpu/decode.h"

const OpcodeRow opcode_rows[] = {
    { 0, -1, "(bad)", { OT_NONE, OT_NONE, OT_NONE }, 0, EMIT_KIND_ud },
#define X(opc, reg, mnem, o1, o2, o3, flags, emit) \
    { opc, reg, mnem, { OT_##o1, OT_##o2, OT_##o3 }, flags, EMIT_KIND_##emit },
#include "cpu/opcodes.def"
#undef X
};

const unsigned opcode_row_count = sizeof(opcode_rows) / sizeof(opcode_rows[0]);
