/*
 * Segment-register loads and descriptor-table access: MOV/POP/LxS to a segment register
 * with every protected-mode check and its exception (Intel SDM vol. 3A, 3.4-3.5 and 5.4-5.6;
 * vol. 2 MOV, POP, LDS), descriptor reads and accessed-bit updates.
 */
#ifndef WIRT_CPU_SEG_H
#define WIRT_CPU_SEG_H

#include "cpu/cpu.h"

/*
 * Loads data or stack segment register SEG (not CS) with SEL as MOV, POP and LDS/LES/LFS/
 * LGS/LSS do. In protected mode: null-selector rules, table limit, type, privilege and
 * presence checks, raising #GP/#SS/#NP with the selector's error code; sets the accessed
 * bit. Commits nothing when it raises.
 */
void cpu_load_seg(CPUState *cpu, int seg, uint16_t sel);

/* Fills a SegCache from the two dwords of a descriptor. */
void seg_from_descriptor(SegCache *s, uint16_t sel, uint32_t lo, uint32_t hi);

#endif
