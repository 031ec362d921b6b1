/*
 * Segment descriptors and gates as protected mode reads them: fetching a descriptor from
 * the GDT or the LDT with the table-limit check, its fields, the accessed and busy bits,
 * the checks every data and stack segment load shares, and stack accesses through a
 * segment that is not loaded yet (Intel SDM vol. 3A, 3.4-3.5, 5.3-5.8, 6.11, 7.2).
 */
#ifndef WIRT_CPU_DESC_H
#define WIRT_CPU_DESC_H

#include <glib.h>

#include "cpu/cpu.h"

/* Types of system descriptors (S = 0): the low four attribute bits (SDM table 3-2). */
enum {
    DESC_T_TSS16 = 0x1, DESC_T_LDT = 0x2, DESC_T_TSS16_BUSY = 0x3, DESC_T_CALL16 = 0x4,
    DESC_T_TASK = 0x5, DESC_T_INT16 = 0x6, DESC_T_TRAP16 = 0x7, DESC_T_TSS32 = 0x9,
    DESC_T_TSS32_BUSY = 0xb, DESC_T_CALL32 = 0xc, DESC_T_INT32 = 0xe, DESC_T_TRAP32 = 0xf,
};
#define DESC_T_BUSY 0x2    /* the busy bit of a TSS type */
#define DESC_T_GATE32 0x8  /* 32-bit call, interrupt and trap gates, 32-bit TSS */

/* Error-code bits besides the selector (SDM 6.13). */
#define ERR_EXT 1u
#define ERR_IDT 2u
#define SEL_TI 4u
#define SEL_RPL 3u

/* A descriptor read from a table, with where it lives (for accessed and busy updates). */
typedef struct Desc {
    uint32_t lo, hi;
    uint16_t attr;     /* DESC_* bits, as in SegCache */
    uint64_t lin;      /* linear address of the descriptor */
} Desc;

static inline unsigned desc_dpl(const Desc *d)
{
    return (d->attr & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
}
static inline unsigned desc_type(const Desc *d)
{
    return d->attr & DESC_TYPE_MASK;
}
static inline bool desc_present(const Desc *d)
{
    return (d->attr & DESC_P) != 0;
}
static inline bool desc_is_system(const Desc *d)
{
    return !(d->attr & DESC_S);
}
static inline bool desc_is_code(const Desc *d)
{
    return (d->attr & (DESC_S | DESC_CODE)) == (DESC_S | DESC_CODE);
}
static inline bool desc_is_data(const Desc *d)
{
    return (d->attr & (DESC_S | DESC_CODE)) == DESC_S;
}
static inline bool desc_is_conforming(const Desc *d)
{
    return desc_is_code(d) && (d->attr & DESC_C);
}
/* A TSS descriptor, available or busy, 16- or 32-bit. */
static inline bool desc_is_tss(const Desc *d)
{
    unsigned t = desc_type(d) & ~(unsigned)(DESC_T_BUSY | DESC_T_GATE32);
    return desc_is_system(d) && t == DESC_T_TSS16;
}
/* The byte-granular limit of a code, data or system segment descriptor. */
static inline uint32_t desc_limit(const Desc *d)
{
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0x000f0000u);
    return (d->attr & DESC_G) ? (limit << 12) | 0xfff : limit;
}
/* Gate fields: target selector, offset (16-bit gates use the low word), parameter count. */
static inline uint16_t gate_sel(const Desc *d)
{
    return (uint16_t)(d->lo >> 16);
}
static inline uint32_t gate_offset(const Desc *d)
{
    uint32_t off = (d->lo & 0xffff) | (d->hi & 0xffff0000u);
    return (desc_type(d) & DESC_T_GATE32) ? off : off & 0xffff;
}
static inline unsigned gate_count(const Desc *d)
{
    return d->hi & 0x1f;
}
static inline unsigned gate_size(const Desc *d)
{
    return (desc_type(d) & DESC_T_GATE32) ? 4 : 2;
}

static inline uint32_t sel_error(uint16_t sel, uint32_t ext)
{
    return (sel & 0xfffcu) | ext;
}
static inline bool sel_is_null(uint16_t sel)
{
    return (sel & 0xfffcu) == 0;
}

/* Raises VECTOR with the error code of selector SEL (with EXT). */
G_NORETURN void desc_fault(CPUState *cpu, int vector, uint16_t sel, uint32_t ext);

/*
 * Reads the descriptor SEL names in the GDT, or the LDT when TI is set. False when the
 * entry lies beyond the table's limit or the LDT is unusable; null selectors are the
 * caller's business. Reads can raise #PF.
 */
bool desc_read(CPUState *cpu, uint16_t sel, Desc *d);
/* desc_read, raising VECTOR(SEL | EXT) when the entry is beyond the limit. */
void desc_load(CPUState *cpu, uint16_t sel, Desc *d, int vector, uint32_t ext);
/* desc_load for a selector that must name the GDT (TSS and LDT selectors). */
void desc_load_gdt(CPUState *cpu, uint16_t sel, Desc *d, int vector, uint32_t ext);
/* Sets the accessed bit of a code or data descriptor in memory (and in D). */
void desc_set_accessed(CPUState *cpu, Desc *d);
/* Sets or clears the busy bit of a TSS descriptor in memory (and in D). */
void desc_set_busy(CPUState *cpu, Desc *d, bool busy);
/* A segment cache filled from D, with SEL as its selector. */
void desc_to_cache(const Desc *d, uint16_t sel, SegCache *s);

/*
 * The checks a data-segment load (DS ES FS GS) makes for a non-null selector, with the
 * privilege CPL: type (data or readable code) and privilege (data and non-conforming
 * code: DPL >= max(CPL, RPL)) raise VECTOR(SEL | EXT), absence #NP. Fills D.
 */
void seg_check_data(CPUState *cpu, uint16_t sel, unsigned cpl, int vector, uint32_t ext,
                    Desc *d);
/*
 * The checks of a stack-segment load for privilege CPL: null raises VECTOR(EXT), index,
 * RPL != CPL, DPL != CPL or not a writable data segment VECTOR(SEL | EXT), absence
 * #SS(SEL | EXT). Fills D.
 */
void seg_check_stack(CPUState *cpu, uint16_t sel, unsigned cpl, int vector, uint32_t ext,
                     Desc *d);
/* Commits a checked load: sets the accessed bit, then fills the register's cache. */
void seg_commit(CPUState *cpu, int seg, uint16_t sel, Desc *d);
/* Loads a null selector: the register becomes unusable (every access faults). */
void seg_load_null(CPUState *cpu, int seg, uint16_t sel);
/*
 * After a return to an outer level (RET far, IRET): DS ES FS GS that hold data or
 * non-conforming code with DPL < CPL become null (SDM vol. 2, RET).
 */
void seg_null_inaccessible(CPUState *cpu);

/* The descriptor instructions' semantics (SDM vol. 2 LLDT LTR VERR VERW LAR LSL). */
void desc_lldt(CPUState *cpu, uint16_t sel);
void desc_ltr(CPUState *cpu, uint16_t sel);
/* VERR (WRITE false) and VERW: whether SEL is readable (writable) at the current CPL. */
bool desc_verify(CPUState *cpu, uint16_t sel, bool write);
/* LAR: the access rights (descriptor high dword & 0x00ffff00) when SEL is visible. */
bool desc_access_rights(CPUState *cpu, uint16_t sel, uint32_t *rights);
/* LSL: the byte-granular limit when SEL is visible. */
bool desc_segment_limit(CPUState *cpu, uint16_t sel, uint32_t *limit);

/*
 * A stack reached through a segment cache that need not be loaded: the new stack of a
 * privilege change, or the current one. SP is kept masked to the segment's size.
 */
typedef struct StackPtr {
    SegCache ss;
    uint32_t sp;
    int mmu_idx;       /* the privilege the accesses are made with */
} StackPtr;

/* The current stack, at the current privilege. */
void stk_current(CPUState *cpu, StackPtr *st);
/* A stack at SS:SP through descriptor D, with supervisor privilege unless DPL is 3. */
void stk_from_desc(StackPtr *st, const Desc *d, uint16_t sel, uint32_t sp);
static inline uint32_t stk_mask(const StackPtr *st)
{
    return (st->ss.attr & DESC_DB) ? 0xffffffffu : 0xffffu;
}
/* Raises VECTOR(ERR) unless N bytes can be pushed (or, for pops, read at SP). */
void stk_need_push(CPUState *cpu, const StackPtr *st, uint32_t n, int vector, uint32_t err);
void stk_need_pop(CPUState *cpu, const StackPtr *st, uint32_t n, int vector, uint32_t err);
/* Pushes and pops; the limits were checked with stk_need_*, paging can still fault. */
void stk_push(CPUState *cpu, StackPtr *st, uint32_t val, unsigned size);
uint32_t stk_pop(CPUState *cpu, StackPtr *st, unsigned size);
/* Makes ST the current SS:ESP (the cache must be committed separately for SS). */
void stk_commit_sp(CPUState *cpu, const StackPtr *st);

#endif
