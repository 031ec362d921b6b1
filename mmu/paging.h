/*
 * The guest-virtual view: translating a linear address to a guest-physical one under the
 * paging mode the control registers select (none; 32-bit two-level with PSE; PAE with
 * NX), with the U/S, R/W, WP and NX checks, accessed/dirty updates and the #PF error
 * code of Intel SDM vol. 3A, chapter 4.
 */
#ifndef WIRT_MMU_PAGING_H
#define WIRT_MMU_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"

typedef enum MmuAccess {
    ACC_READ = 0,
    ACC_WRITE = 1,
    ACC_EXEC = 2,
} MmuAccess;

/* The control-register bits paging depends on. */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* #PF error-code bits. */
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)

typedef struct MmuRegs {
    uint64_t cr0, cr3, cr4, efer;
} MmuRegs;

typedef struct MmuFault {
    uint64_t addr;       /* becomes CR2 */
    uint32_t error_code; /* PF_* bits */
} MmuFault;

/* What a successful walk found. */
typedef struct MmuWalk {
    uint64_t phys;      /* guest-physical address of the byte asked for */
    bool writable;      /* a write at this privilege would be allowed */
    bool user;          /* the page is user-accessible */
    bool executable;    /* an instruction fetch would be allowed (NX clear) */
    bool dirty;         /* the leaf entry's D bit is already set (or paging is off) */
    bool global;        /* the leaf is global and CR4.PGE is set */
    unsigned page_bits; /* 12, 21 or 22 */
} MmuWalk;

/*
 * Translates VA for an access of kind ACC made at user privilege (USER) or supervisor
 * privilege. Sets accessed bits on the way and, for writes, the dirty bit of the leaf.
 * On failure fills *fault (CR2 value and error code) and returns false.
 */
bool mmu_walk(PhysMem *pm, const MmuRegs *regs, uint64_t va, MmuAccess acc, bool user,
              MmuWalk *out, MmuFault *fault);

#endif
