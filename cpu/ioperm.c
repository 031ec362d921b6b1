/*
 * I/O-port protection (Intel SDM vol. 1, 19.5.1 I/O privilege level, 19.5.2 I/O permission
 * bit map). The bitmap lives in the current 32-bit TSS at the 16-bit offset stored at TSS
 * offset 0x66; one bit per port, set = denied. The processor always reads two bytes of it,
 * and both must lie inside the TSS limit.
 */
#include "cpu/ioperm.h"

#include "cpu/mem.h"

#define TSS_TYPE_AVAIL32 9
#define TSS_TYPE_BUSY32 11
#define TSS_IOMAP_BASE 0x66

/* Whether the TSS bitmap clears every bit of PORT..PORT+SIZE-1. */
static bool io_bitmap_allows(CPUState *cpu, uint16_t port, unsigned size)
{
    const SegCache *tr = &cpu->seg[SEG_TR];
    unsigned type = tr->attr & DESC_TYPE_MASK;

    if ((tr->attr & DESC_S) || (type != TSS_TYPE_AVAIL32 && type != TSS_TYPE_BUSY32) ||
        tr->limit < TSS_IOMAP_BASE + 1) {
        return false;
    }
    uint32_t off = (uint32_t)cpu_ld_sys(cpu, tr->base + TSS_IOMAP_BASE, 2) + port / 8u;
    if (off + 1 > tr->limit) {
        return false;
    }
    uint32_t bits = (uint32_t)cpu_ld_sys(cpu, tr->base + off, 2);
    uint32_t want = ((1u << size) - 1) << (port & 7);
    return (bits & want) == 0;
}

void cpu_check_io(CPUState *cpu, uint16_t port, unsigned size)
{
    unsigned iopl = (cpu->eflags & FL_IOPL) >> FL_IOPL_SHIFT;

    if (!cpu_pe(cpu) || (!cpu_v86(cpu) && cpu->cpl <= iopl)) {
        return;
    }
    if (!io_bitmap_allows(cpu, port, size)) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
}
