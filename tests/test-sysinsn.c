/*
 * Unit tests of the system instructions (translate/emit_sysinsn.c, cpu/system.c,
 * cpu/msr.c, cpu/cpuid.c) on a bare machine: hand-assembled code at 0000:7C00 in real
 * mode, run until HLT. Exceptions in real mode go through IVT entries that point at a
 * HLT per vector, so where the CPU stopped tells which exception was raised.
 * Checked against Intel SDM vol. 2 (LGDT, SGDT, LMSW, SMSW, MOV CR, MOV DR, CPUID,
 * RDMSR, WRMSR, RDTSC, RDPMC, SYSENTER, SYSEXIT, INVLPG) and vol. 3A 2.5.
 */
#include <glib.h>
#include <string.h>

#include "vm/machine.h"

#define CODE 0x7c00u
#define STACK 0x7000u
#define GP_HANDLER 0x8000u   /* vector 13 */
#define UD_HANDLER 0x8010u   /* vector 6 */
#define DB_HANDLER 0x8020u   /* vector 1 */
#define USER_CODE 0x9000u    /* SYSEXIT target (32-bit, CPL 3) */
#define KERNEL_ENTRY 0x9800u /* SYSENTER target: HLT */
#define MAX_INSNS 100000

/* ---- a tiny code builder for 16-bit real-mode snippets ---- */

typedef struct Code {
    uint8_t b[256];
    size_t n;
} Code;

static void put(Code *c, const uint8_t *bytes, size_t n)
{
    g_assert_cmpuint(c->n + n, <=, sizeof(c->b));
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}

#define PUT(c, ...)                                       \
    do {                                                  \
        static const uint8_t bytes_[] = { __VA_ARGS__ };  \
        put((c), bytes_, sizeof(bytes_));                 \
    } while (0)

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* MOV r32, imm32 in 16-bit code: 66 B8+r id (6 bytes). */
static void mov32(Code *c, unsigned reg, uint32_t v)
{
    uint8_t b[6] = { 0x66, (uint8_t)(0xb8 + reg), (uint8_t)v, (uint8_t)(v >> 8),
                     (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(c, b, sizeof(b));
}

/* Current address of the next byte, for checking where a fault was reported. */
static uint32_t here(const Code *c)
{
    return CODE + (uint32_t)c->n;
}

/* ---- machine setup ---- */

static void ivt_set(Machine *m, unsigned vector, uint16_t offset)
{
    physmem_write(&m->pm, vector * 4, offset, 2);
    physmem_write(&m->pm, vector * 4 + 2, 0, 2);
    physmem_write(&m->pm, offset, 0xf4, 1);  /* HLT */
}

static Machine *vm_new(const uint8_t *code, size_t n)
{
    Machine *m = machine_new();
    GError *err = NULL;
    g_assert_true(machine_init_bare(m, 16u << 20, &err));
    g_assert_no_error(err);
    g_assert_true(physmem_load(&m->pm, CODE, code, n));
    ivt_set(m, 13, GP_HANDLER);
    ivt_set(m, 6, UD_HANDLER);
    ivt_set(m, 1, DB_HANDLER);
    cpu_load_seg_real(&m->cpu, SEG_CS, 0);
    cpu_load_seg_real(&m->cpu, SEG_SS, 0);
    cpu_load_seg_real(&m->cpu, SEG_DS, 0);
    m->cpu.eip = CODE;
    m->cpu.regs[R_ESP] = STACK;
    return m;
}

static Machine *vm_code(const Code *c)
{
    return vm_new(c->b, c->n);
}

static uint32_t reg32(const Machine *m, unsigned r)
{
    return (uint32_t)m->cpu.regs[r];
}

/* Runs until HLT and checks the HLT was the one at ADDR. */
static void run_to_hlt(Machine *m, uint32_t addr)
{
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_HALT);
    g_assert_cmphex(m->cpu.eip, ==, addr + 1);
}

/* Runs and checks that the instruction at FAULT_IP raised the exception of HANDLER. */
static void run_to_fault(Machine *m, uint32_t handler, uint32_t fault_ip)
{
    run_to_hlt(m, handler);
    uint32_t sp = reg32(m, ESP) & 0xffff;
    g_assert_cmphex(sp, ==, STACK - 6);
    g_assert_cmphex(physmem_read(&m->pm, sp, 2), ==, fault_ip);
}

/* The last byte of a snippet: HLT; returns its address. */
static uint32_t end_hlt(Code *c)
{
    uint32_t at = here(c);
    PUT(c, 0xf4);
    return at;
}

/* ---- LGDT, SGDT, LIDT, SIDT ---- */

static void test_gdt_roundtrip(void)
{
    static const uint8_t code[] = {
        0x0f, 0x01, 0x16, 0x00, 0x10,            /* lgdt [0x1000]   (24-bit base) */
        0x0f, 0x01, 0x06, 0x10, 0x10,            /* sgdt [0x1010] */
        0x66, 0x0f, 0x01, 0x16, 0x00, 0x10,      /* o32 lgdt [0x1000] */
        0x0f, 0x01, 0x06, 0x20, 0x10,            /* sgdt [0x1020]   (16-bit: full base) */
        0x66, 0x0f, 0x01, 0x06, 0x30, 0x10,      /* o32 sgdt [0x1030] */
        0x0f, 0x01, 0x1e, 0x40, 0x10,            /* lidt [0x1040] */
        0x66, 0x0f, 0x01, 0x0e, 0x50, 0x10,      /* o32 sidt [0x1050] */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    for (unsigned a = 0x1000; a < 0x1060; a += 4) {
        physmem_write(&m->pm, a, 0xffffffffu, 4);  /* so unwritten bytes show */
    }
    physmem_write(&m->pm, 0x1000, 0x1234, 2);
    physmem_write(&m->pm, 0x1002, 0xaabbccdd, 4);
    physmem_write(&m->pm, 0x1040, 0x5678, 2);
    physmem_write(&m->pm, 0x1042, 0x11223344, 4);
    run_to_hlt(m, CODE + sizeof(code) - 1);

    g_assert_cmphex(physmem_read(&m->pm, 0x1010, 2), ==, 0x1234);
    g_assert_cmphex(physmem_read(&m->pm, 0x1012, 4), ==, 0x00bbccdd);
    g_assert_cmphex(physmem_read(&m->pm, 0x1020, 2), ==, 0x1234);
    g_assert_cmphex(physmem_read(&m->pm, 0x1022, 4), ==, 0xaabbccdd);
    g_assert_cmphex(physmem_read(&m->pm, 0x1030, 2), ==, 0x1234);
    g_assert_cmphex(physmem_read(&m->pm, 0x1032, 4), ==, 0xaabbccdd);
    g_assert_cmphex(m->cpu.gdtr.base, ==, 0xaabbccdd);
    g_assert_cmphex(m->cpu.gdtr.limit, ==, 0x1234);

    g_assert_cmphex(m->cpu.idtr.base, ==, 0x223344);
    g_assert_cmphex(m->cpu.idtr.limit, ==, 0x5678);
    g_assert_cmphex(physmem_read(&m->pm, 0x1050, 2), ==, 0x5678);
    g_assert_cmphex(physmem_read(&m->pm, 0x1052, 4), ==, 0x00223344);
    machine_free(m);
}

/* ---- CR0: LMSW, SMSW, MOV CR0, CLTS ---- */

static void test_lmsw_keeps_pe(void)
{
    static const uint8_t code[] = {
        0x0f, 0x20, 0xc0,                        /* mov eax, cr0 */
        0x0c, 0x01,                              /* or al, 1 */
        0x0f, 0x22, 0xc0,                        /* mov cr0, eax */
        0xb8, 0x0e, 0x00,                        /* mov ax, 0x000e */
        0x0f, 0x01, 0xf0,                        /* lmsw ax        (PE stays set) */
        0x0f, 0x01, 0xe3,                        /* smsw bx */
        0x0f, 0x20, 0xc1,                        /* mov ecx, cr0 */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    run_to_hlt(m, CODE + sizeof(code) - 1);
    g_assert_cmphex(reg32(m, EBX), ==, 0x001f);  /* ET MP EM TS PE */
    g_assert_cmphex(reg32(m, ECX), ==, 0x6000001f);
    g_assert_true(cpu_pe(&m->cpu));
    machine_free(m);
}

static void test_lmsw_sets_pe(void)
{
    static const uint8_t code[] = {
        0xb8, 0x01, 0x00,                        /* mov ax, 1 */
        0x0f, 0x01, 0xf0,                        /* lmsw ax */
        0x0f, 0x20, 0xc1,                        /* mov ecx, cr0 */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    run_to_hlt(m, CODE + sizeof(code) - 1);
    g_assert_cmphex(reg32(m, ECX), ==, 0x60000011);
    g_assert_true(cpu_pe(&m->cpu));
    g_assert_cmpuint(m->cpu.cpl, ==, 0);
    machine_free(m);
}

static void test_mov_cr0_mode_switch(void)
{
    static const uint8_t code[] = {
        0x0f, 0x20, 0xc0,                        /* mov eax, cr0 */
        0x66, 0x83, 0xc8, 0x01,                  /* or eax, 1 */
        0x0f, 0x22, 0xc0,                        /* mov cr0, eax   (protected mode) */
        0x0f, 0x20, 0xc6,                        /* mov esi, cr0 */
        0x66, 0xc7, 0x06, 0x00, 0x10, 0x78, 0x56, 0x34, 0x12, /* mov dword [0x1000], ... */
        0x66, 0x83, 0xe0, 0xfe,                  /* and eax, 0xfffffffe */
        0x0f, 0x22, 0xc0,                        /* mov cr0, eax   (real mode again) */
        0x0f, 0x20, 0xc7,                        /* mov edi, cr0 */
        0x66, 0x0f, 0x01, 0xe3,                  /* smsw ebx */
        0x0f, 0x01, 0xe1,                        /* smsw cx */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    m->cpu.regs[R_ECX] = 0xdead0000u;
    /* Stop right after the first MOV CR0: the CPU is in protected mode at CPL 0. */
    g_assert_cmpint(machine_run(m, 3), ==, CPU_EXIT_BUDGET);
    g_assert_true(cpu_pe(&m->cpu));
    g_assert_cmpuint(m->cpu.cpl, ==, 0);
    g_assert_cmphex(m->cpu.eip, ==, CODE + 10);

    run_to_hlt(m, CODE + sizeof(code) - 1);
    g_assert_cmphex(reg32(m, ESI), ==, 0x60000011);
    g_assert_cmphex(physmem_read(&m->pm, 0x1000, 4), ==, 0x12345678);
    g_assert_cmphex(reg32(m, EDI), ==, 0x60000010);
    g_assert_cmphex(reg32(m, EBX), ==, 0x60000010);  /* 32-bit SMSW: all of CR0 on P6 */
    g_assert_cmphex(reg32(m, ECX), ==, 0xdead0010);  /* 16-bit SMSW: low word only */
    g_assert_false(cpu_pe(&m->cpu));
    machine_free(m);
}

static void test_cr0_invalid(void)
{
    static const uint32_t bad[] = {
        0x80000010u,  /* PG without PE */
        0x20000010u,  /* NW without CD */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        Code c = { .n = 0 };
        mov32(&c, EAX, bad[i]);
        uint32_t at = here(&c);
        PUT(&c, 0x0f, 0x22, 0xc0);               /* mov cr0, eax */
        end_hlt(&c);
        Machine *m = vm_code(&c);
        run_to_fault(m, GP_HANDLER, at);
        g_assert_cmphex(m->cpu.cr[0], ==, 0x60000010);
        machine_free(m);
    }
}

static void test_clts_invd_wbinvd(void)
{
    Code c = { .n = 0 };
    PUT(&c, 0x0f, 0x20, 0xc0);                   /* mov eax, cr0 */
    PUT(&c, 0x0c, 0x08);                         /* or al, 8 (TS) */
    PUT(&c, 0x0f, 0x22, 0xc0);                   /* mov cr0, eax */
    PUT(&c, 0x0f, 0x20, 0xc3);                   /* mov ebx, cr0 */
    PUT(&c, 0x0f, 0x06);                         /* clts */
    PUT(&c, 0x0f, 0x08);                         /* invd */
    PUT(&c, 0x0f, 0x09);                         /* wbinvd */
    PUT(&c, 0x0f, 0x20, 0xc1);                   /* mov ecx, cr0 */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_hlt(m, hlt);
    g_assert_cmphex(reg32(m, EBX), ==, 0x60000018);
    g_assert_cmphex(reg32(m, ECX), ==, 0x60000010);
    machine_free(m);
}

/* ---- CR4, CR1 ---- */

static void test_cr4(void)
{
    static const struct {
        uint32_t value;
        bool gp;
    } cases[] = {
        { 0x000001bcu, false },  /* TSD DE PSE PAE PGE PCE */
        { 0x00000200u, false },  /* OSFXSR: CPUID reports FXSR */
        { 0x00000800u, true },   /* bit 11: reserved */
        { 0x80000000u, true },
        { 0x00000001u, true },   /* VME: CPUID does not report it */
        { 0x00000002u, true },   /* PVI */
        { 0x00000040u, true },   /* MCE: not reported */
        { 0x00000400u, true },   /* OSXMMEXCPT: no SSE */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        Code c = { .n = 0 };
        mov32(&c, EAX, cases[i].value);
        uint32_t at = here(&c);
        PUT(&c, 0x0f, 0x22, 0xe0);               /* mov cr4, eax */
        PUT(&c, 0x0f, 0x20, 0xe3);               /* mov ebx, cr4 */
        uint32_t hlt = end_hlt(&c);
        Machine *m = vm_code(&c);
        if (cases[i].gp) {
            run_to_fault(m, GP_HANDLER, at);
            g_assert_cmphex(m->cpu.cr[4], ==, 0);
        } else {
            run_to_hlt(m, hlt);
            g_assert_cmphex(reg32(m, EBX), ==, cases[i].value);
        }
        machine_free(m);
    }
}

static void test_cr_undefined(void)
{
    static const uint8_t code[] = {
        0x0f, 0x20, 0xc8,                        /* mov eax, cr1 */
        0xf4,
    };
    Machine *m = vm_new(code, sizeof(code));
    run_to_fault(m, UD_HANDLER, CODE);
    machine_free(m);
}

/* ---- debug registers ---- */

static void test_dr(void)
{
    Code c = { .n = 0 };
    mov32(&c, EAX, 0);
    PUT(&c, 0x0f, 0x23, 0xf0);                   /* mov dr6, eax */
    PUT(&c, 0x0f, 0x21, 0xf3);                   /* mov ebx, dr6 */
    mov32(&c, EAX, 0x155);
    PUT(&c, 0x0f, 0x23, 0xf8);                   /* mov dr7, eax */
    PUT(&c, 0x0f, 0x21, 0xe9);                   /* mov ecx, dr5   (DR7 while CR4.DE=0) */
    mov32(&c, EAX, 0x12345678);
    PUT(&c, 0x0f, 0x23, 0xc0);                   /* mov dr0, eax */
    PUT(&c, 0x0f, 0x21, 0xc6);                   /* mov esi, dr0 */
    mov32(&c, EAX, 0xffffffffu);
    PUT(&c, 0x0f, 0x23, 0xe0);                   /* mov dr4, eax   (DR6) */
    PUT(&c, 0x0f, 0x21, 0xf7);                   /* mov edi, dr6 */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_hlt(m, hlt);
    g_assert_cmphex(reg32(m, EBX), ==, 0xffff0ff0);
    g_assert_cmphex(reg32(m, ECX), ==, 0x555);
    g_assert_cmphex(reg32(m, ESI), ==, 0x12345678);
    g_assert_cmphex(reg32(m, EDI), ==, 0xffffefffu);  /* bit 12 reads 0 */
    machine_free(m);
}

static void test_dr_de_ud(void)
{
    Code c = { .n = 0 };
    mov32(&c, EAX, 0x8);
    PUT(&c, 0x0f, 0x22, 0xe0);                   /* mov cr4, eax   (DE) */
    uint32_t at = here(&c);
    PUT(&c, 0x0f, 0x21, 0xe2);                   /* mov edx, dr4 */
    end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_fault(m, UD_HANDLER, at);
    machine_free(m);
}

static void test_dr_general_detect(void)
{
    Code c = { .n = 0 };
    mov32(&c, EAX, 0x2000);
    PUT(&c, 0x0f, 0x23, 0xf8);                   /* mov dr7, eax   (GD) */
    uint32_t at = here(&c);
    PUT(&c, 0x0f, 0x21, 0xfb);                   /* mov ebx, dr7 */
    end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_fault(m, DB_HANDLER, at);
    g_assert_cmphex(m->cpu.dr[6] & 0x2000, ==, 0x2000);  /* BD */
    g_assert_cmphex(m->cpu.dr[7], ==, 0x400);            /* GD cleared for the handler */
    machine_free(m);
}

/* ---- CPUID ---- */

static Machine *run_cpuid(uint32_t leaf)
{
    Code c = { .n = 0 };
    mov32(&c, EAX, leaf);
    mov32(&c, ECX, 0);
    PUT(&c, 0x0f, 0xa2);                         /* cpuid */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_hlt(m, hlt);
    return m;
}

static void expect_regs(Machine *m, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    g_assert_cmphex(reg32(m, EAX), ==, a);
    g_assert_cmphex(reg32(m, EBX), ==, b);
    g_assert_cmphex(reg32(m, ECX), ==, c);
    g_assert_cmphex(reg32(m, EDX), ==, d);
}

static void test_cpuid(void)
{
    Machine *m = run_cpuid(0);
    char vendor[13] = { 0 };
    uint32_t v[3] = { reg32(m, EBX), reg32(m, EDX), reg32(m, ECX) };
    memcpy(vendor, v, 12);
    g_assert_cmphex(reg32(m, EAX), ==, 2);
    g_assert_cmpstr(vendor, ==, "GenuineIntel");
    machine_free(m);

    m = run_cpuid(1);
    uint32_t features = 1u << 0 |   /* FPU */
                        1u << 2 |   /* DE */
                        1u << 3 |   /* PSE */
                        1u << 4 |   /* TSC */
                        1u << 5 |   /* MSR */
                        1u << 6 |   /* PAE */
                        1u << 8 |   /* CX8 */
                        1u << 11 |  /* SEP */
                        1u << 12 |  /* MTRR */
                        1u << 13 |  /* PGE */
                        1u << 15 |  /* CMOV */
                        1u << 16 |  /* PAT */
                        1u << 17 |  /* PSE-36 */
                        1u << 23 |  /* MMX */
                        1u << 24;   /* FXSR */
    expect_regs(m, 0x633, 0, 0, features);
    g_assert_cmphex(reg32(m, EAX), ==, CPU_RESET_SIGNATURE);
    machine_free(m);

    m = run_cpuid(2);
    expect_regs(m, 0x03020101, 0, 0, 0x0c040843);
    machine_free(m);

    m = run_cpuid(0x80000000u);
    expect_regs(m, 0x80000004u, 0, 0, 0);
    machine_free(m);

    m = run_cpuid(0x80000001u);
    expect_regs(m, 0, 0, 0, 0);  /* no SYSCALL, NX or long mode */
    machine_free(m);

    char brand[49] = { 0 };
    for (unsigned i = 0; i < 3; i++) {
        m = run_cpuid(0x80000002u + i);
        uint32_t r[4] = { reg32(m, EAX), reg32(m, EBX), reg32(m, ECX), reg32(m, EDX) };
        memcpy(brand + 16 * i, r, 16);
        machine_free(m);
    }
    g_assert_cmpstr(brand, ==, "wirt virtual CPU");

    /* Leaves beyond the highest basic or extended one return the highest basic leaf. */
    static const uint32_t unknown[] = { 3, 0x40000000u, 0x7fffffffu, 0x80000005u, 0xffffffffu };
    for (unsigned i = 0; i < G_N_ELEMENTS(unknown); i++) {
        m = run_cpuid(unknown[i]);
        expect_regs(m, 0x03020101, 0, 0, 0x0c040843);
        machine_free(m);
    }
}

/* ---- RDMSR, WRMSR ---- */

static void msr_code(Code *c, bool write, uint32_t index, uint64_t value)
{
    mov32(c, ECX, index);
    mov32(c, EAX, (uint32_t)value);
    mov32(c, EDX, (uint32_t)(value >> 32));
    if (write) {
        PUT(c, 0x0f, 0x30);                      /* wrmsr */
    } else {
        PUT(c, 0x0f, 0x32);                      /* rdmsr */
    }
}

static uint64_t edx_eax(const Machine *m)
{
    return (uint64_t)reg32(m, EDX) << 32 | reg32(m, EAX);
}

static void test_msr_tsc(void)
{
    /* WRMSR keeps the low 32 bits on P6; the next instruction reads one tick later. */
    Code c = { .n = 0 };
    msr_code(&c, true, 0x10, 0x123456789ull);
    PUT(&c, 0x0f, 0x32);                         /* rdmsr */
    PUT(&c, 0x0f, 0x31);                         /* rdtsc */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_hlt(m, hlt);
    g_assert_cmphex(edx_eax(m), ==, 0x23456789ull + 2);
    g_assert_cmphex(reg32(m, ECX), ==, 0x10);
    machine_free(m);

    /* RDMSR of the TSC: reads the counter, which a bare machine starts at 0. */
    Code r = { .n = 0 };
    msr_code(&r, false, 0x10, 0);
    hlt = end_hlt(&r);
    m = vm_code(&r);
    run_to_hlt(m, hlt);
    g_assert_cmphex(edx_eax(m), ==, 3);  /* three MOVs retired before it */
    machine_free(m);
}

static void test_msr_roundtrip(void)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } cases[] = {
        { 0x1b, 0xfee00900ull },            /* APIC_BASE */
        { 0x174, 0x10 },                    /* SYSENTER_CS */
        { 0x8b, 0x1200000000ull },          /* BIOS_SIGN_ID (Linux writes it) */
        { 0xc2, 0xff12345678ull },          /* PERFCTR1 */
        { 0x187, 0x00430076 },              /* EVNTSEL1 */
        { 0x175, 0xc0001000u },             /* SYSENTER_ESP */
        { 0x176, 0xc0100000u },             /* SYSENTER_EIP */
        { 0x200, 0x0000000fc0000006ull },   /* MTRRphysBase0: WB */
        { 0x201, 0x0000000fc0000800ull },   /* MTRRphysMask0: valid */
        { 0x20f, 0x0000000ffffff800ull },
        { 0x250, 0x0606060606060606ull },   /* fixed 64K */
        { 0x259, 0x0000000000000000ull },   /* fixed 16K A0000 */
        { 0x26f, 0x0504010005040100ull },   /* fixed 4K F8000 */
        { 0x277, 0x0007040600070406ull },   /* PAT */
        { 0x277, 0x0706050401000706ull },
        { 0x2ff, 0xc06 },                   /* MTRRdefType: E, FE, WB */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        Code c = { .n = 0 };
        msr_code(&c, true, cases[i].index, cases[i].value);
        mov32(&c, EAX, 0);
        mov32(&c, EDX, 0);
        PUT(&c, 0x0f, 0x32);                     /* rdmsr */
        uint32_t hlt = end_hlt(&c);
        Machine *m = vm_code(&c);
        run_to_hlt(m, hlt);
        g_assert_cmphex(edx_eax(m), ==, cases[i].value);
        machine_free(m);
    }
}

static void test_msr_read_only_values(void)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } cases[] = {
        { 0xfe, 0x508 },                    /* MTRRcap: 8 variable, fixed, WC */
        { 0x277, 0x0007040600070406ull },   /* PAT after reset */
        { 0x2ff, 0 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        Code c = { .n = 0 };
        msr_code(&c, false, cases[i].index, 0);
        uint32_t hlt = end_hlt(&c);
        Machine *m = vm_code(&c);
        run_to_hlt(m, hlt);
        g_assert_cmphex(edx_eax(m), ==, cases[i].value);
        machine_free(m);
    }
}

static void test_msr_gp(void)
{
    static const struct {
        bool write;
        uint32_t index;
        uint64_t value;
    } cases[] = {
        { false, 0x12345, 0 },              /* no such MSR */
        { true, 0x12345, 0 },
        { false, 0xc0000080u, 0 },          /* EFER: CPUID reports no feature using it */
        { true, 0xc0000080u, 0 },
        { true, 0xfe, 0x508 },              /* MTRRcap is read-only */
        { true, 0x277, 0x0000000000000002ull },  /* PAT: type 2 is reserved */
        { true, 0x277, 0x0000000000000800ull },  /* PAT: reserved bit 3 of an entry */
        { true, 0x2ff, 0x1006 },            /* MTRRdefType: reserved bit 12 */
        { true, 0x2ff, 0x0c07 },            /* MTRRdefType: type 7 (UC-) is PAT only */
        { true, 0x200, 0x3 },               /* MTRRphysBase0: type 3 */
        { true, 0x201, 0x1000000000ull },   /* MTRRphysMask0: above MAXPHYADDR */
        { true, 0x250, 0x0200000000000000ull },  /* fixed: type 2 */
        { true, 0x174, 0x100000000ull },    /* SYSENTER_CS: 32-bit on this model */
        { true, 0x1b, 0xfee00001ull },      /* APIC_BASE: reserved bit 0 */
        { false, 0x17, 0 },                 /* PLATFORM_ID: not modelled */
        { true, 0xc1, 0x10000000000ull },   /* PERFCTR0: 40 bits wide */
        { true, 0x186, 0x100000000ull },    /* EVNTSEL0: 32 bits */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        Code c = { .n = 0 };
        msr_code(&c, cases[i].write, cases[i].index, cases[i].value);
        uint32_t at = here(&c) - 2;
        end_hlt(&c);
        Machine *m = vm_code(&c);
        g_test_message("%s 0x%x = 0x%" G_GINT64_MODIFIER "x", cases[i].write ? "wrmsr" : "rdmsr",
                       cases[i].index, cases[i].value);
        run_to_fault(m, GP_HANDLER, at);
        machine_free(m);
    }
}

/* ---- RDTSC, RDPMC ---- */

static void test_rdtsc_monotonic(void)
{
    static const uint8_t code[] = {
        0x0f, 0x31,                              /* rdtsc */
        0x66, 0x89, 0xc6,                        /* mov esi, eax */
        0x66, 0x89, 0xd7,                        /* mov edi, edx */
        0x0f, 0x31,                              /* rdtsc */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    run_to_hlt(m, CODE + sizeof(code) - 1);
    uint64_t first = (uint64_t)reg32(m, EDI) << 32 | reg32(m, ESI);
    uint64_t second = edx_eax(m);
    g_assert_cmpuint(second, >, first);
    g_assert_cmpuint(second - first, ==, 3);  /* deterministic: one tick per instruction */
    machine_free(m);
}

static uint64_t fake_clock(void *opaque, uint64_t retired)
{
    uint64_t *t = opaque;
    *t += 100;
    return *t;
}

static void test_rdtsc_hook(void)
{
    Code c = { .n = 0 };
    msr_code(&c, true, 0x10, 5000);
    PUT(&c, 0x0f, 0x31);                         /* rdtsc */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    uint64_t clock = 1000;
    m->cpu.hooks.read_tsc = fake_clock;
    m->cpu.hooks.opaque = &clock;
    run_to_hlt(m, hlt);
    g_assert_cmpuint(edx_eax(m), ==, 5100);  /* written at 1100, read at 1200 */
    machine_free(m);
}

static void test_rdpmc(void)
{
    Code c = { .n = 0 };
    mov32(&c, ECX, 1);
    mov32(&c, EAX, 0xffffffffu);
    mov32(&c, EDX, 0xffffffffu);
    PUT(&c, 0x0f, 0x33);                         /* rdpmc */
    uint32_t hlt = end_hlt(&c);
    Machine *m = vm_code(&c);
    run_to_hlt(m, hlt);
    g_assert_cmphex(edx_eax(m), ==, 0);
    machine_free(m);

    Code bad = { .n = 0 };
    mov32(&bad, ECX, 2);
    uint32_t at = here(&bad);
    PUT(&bad, 0x0f, 0x33);
    end_hlt(&bad);
    m = vm_code(&bad);
    run_to_fault(m, GP_HANDLER, at);
    machine_free(m);
}

/* ---- SYSENTER, SYSEXIT and the CPL 0 checks ---- */

/*
 * Real mode: SYSENTER_CS = 0x10, SYSENTER_ESP = 0x6000, SYSENTER_EIP = KERNEL_ENTRY, set
 * CR0.PE, then SYSEXIT to USER_CODE at CPL 3 with ESP = 0x5000.
 */
static const uint8_t to_user[] = {
    0x66, 0xb9, 0x74, 0x01, 0x00, 0x00,          /* mov ecx, 0x174 */
    0x66, 0x31, 0xd2,                            /* xor edx, edx */
    0x66, 0xb8, 0x10, 0x00, 0x00, 0x00,          /* mov eax, 0x10 */
    0x0f, 0x30,                                  /* wrmsr */
    0x66, 0x41,                                  /* inc ecx */
    0x66, 0xb8, 0x00, 0x60, 0x00, 0x00,          /* mov eax, 0x6000 */
    0x0f, 0x30,                                  /* wrmsr */
    0x66, 0x41,                                  /* inc ecx */
    0x66, 0xb8, 0x00, 0x98, 0x00, 0x00,          /* mov eax, KERNEL_ENTRY */
    0x0f, 0x30,                                  /* wrmsr */
    0x0f, 0x20, 0xc0,                            /* mov eax, cr0 */
    0x0c, 0x01,                                  /* or al, 1 */
    0x0f, 0x22, 0xc0,                            /* mov cr0, eax */
    0x66, 0xb9, 0x00, 0x50, 0x00, 0x00,          /* mov ecx, 0x5000 */
    0x66, 0xba, 0x00, 0x90, 0x00, 0x00,          /* mov edx, USER_CODE */
    0x0f, 0x35,                                  /* sysexit */
};

/*
 * A machine that runs USER (32-bit code) at CPL 3 and then SYSENTERs to a HLT. The IDT
 * is empty, so any exception at CPL 3 ends in a triple fault (whether or not
 * protected-mode delivery exists yet).
 */
static Machine *vm_user(const uint8_t *user, size_t n, uint32_t cr4)
{
    Machine *m = vm_new(to_user, sizeof(to_user));
    static const uint8_t sysenter[] = { 0x0f, 0x34 };
    g_assert_true(physmem_load(&m->pm, USER_CODE, user, n));
    g_assert_true(physmem_load(&m->pm, USER_CODE + n, sysenter, sizeof(sysenter)));
    physmem_write(&m->pm, KERNEL_ENTRY, 0xf4, 1);
    m->cpu.idtr.limit = 0;
    m->cpu.cr[4] = cr4;
    return m;
}

static void test_sysenter_sysexit(void)
{
    static const uint8_t user[] = {
        0xbd, 0x34, 0x12, 0x00, 0x00,            /* mov ebp, 0x1234 */
    };
    Machine *m = vm_user(user, sizeof(user), 0);
    m->cpu.eflags |= FL_IF;
    run_to_hlt(m, KERNEL_ENTRY);
    g_assert_cmpuint(m->cpu.cpl, ==, 0);
    g_assert_cmphex(m->cpu.seg[SEG_CS].sel, ==, 0x10);
    g_assert_cmphex(m->cpu.seg[SEG_SS].sel, ==, 0x18);
    g_assert_cmphex(m->cpu.seg[SEG_CS].limit, ==, 0xffffffffu);
    g_assert_true(cpu_code32(&m->cpu));
    g_assert_true(cpu_stack32(&m->cpu));
    g_assert_cmphex(reg32(m, ESP), ==, 0x6000);
    g_assert_cmphex(reg32(m, EBP), ==, 0x1234);
    g_assert_false(m->cpu.eflags & FL_IF);
    machine_free(m);
}

static void test_sysexit_reaches_cpl3(void)
{
    static const uint8_t user[] = {
        0x0f, 0x20, 0xc0,                        /* mov eax, cr0: #GP at CPL 3 */
    };
    Machine *m = vm_user(user, sizeof(user), 0);
    g_assert_cmpint(machine_run(m, MAX_INSNS), ==, CPU_EXIT_TRIPLE_FAULT);
    g_assert_cmphex(m->cpu.eip, ==, USER_CODE);
    g_assert_cmpuint(m->cpu.cpl, ==, 3);
    g_assert_cmphex(m->cpu.seg[SEG_CS].sel, ==, 0x23);
    g_assert_cmphex(m->cpu.seg[SEG_SS].sel, ==, 0x2b);
    g_assert_cmphex(reg32(m, ESP), ==, 0x5000);
    machine_free(m);
}

static void test_sysenter_real_mode_gp(void)
{
    static const uint8_t code[] = { 0x0f, 0x34, 0xf4 };  /* sysenter; hlt */
    Machine *m = vm_new(code, sizeof(code));
    run_to_fault(m, GP_HANDLER, CODE);
    machine_free(m);
}

typedef struct PrivCase {
    const char *name;
    uint8_t bytes[8];
    uint8_t len;
    uint8_t at;       /* offset of the instruction checked (after any setup) */
    uint32_t cr4;
    bool allowed;     /* at CPL 3 */
} PrivCase;

static const PrivCase priv_cases[] = {
    { "lgdt", { 0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00 }, 7, 0, 0, false },
    { "lidt", { 0x0f, 0x01, 0x1d, 0x00, 0x10, 0x00, 0x00 }, 7, 0, 0, false },
    { "lmsw", { 0x0f, 0x01, 0xf0 }, 3, 0, 0, false },
    { "invlpg", { 0x0f, 0x01, 0x3d, 0x00, 0x10, 0x00, 0x00 }, 7, 0, 0, false },
    { "clts", { 0x0f, 0x06 }, 2, 0, 0, false },
    { "invd", { 0x0f, 0x08 }, 2, 0, 0, false },
    { "wbinvd", { 0x0f, 0x09 }, 2, 0, 0, false },
    { "mov cr0", { 0x0f, 0x22, 0xc0 }, 3, 0, 0, false },
    { "mov from dr7", { 0x0f, 0x21, 0xf8 }, 3, 0, 0, false },
    { "mov dr7", { 0x0f, 0x23, 0xf8 }, 3, 0, 0, false },
    { "rdmsr", { 0x0f, 0x32 }, 2, 0, 0, false },
    { "wrmsr", { 0x0f, 0x30 }, 2, 0, 0, false },
    { "sysexit", { 0x0f, 0x35 }, 2, 0, 0, false },
    { "rdpmc", { 0x31, 0xc9, 0x0f, 0x33 }, 4, 2, 0, false },   /* xor ecx, ecx; rdpmc */
    { "rdpmc pce", { 0x31, 0xc9, 0x0f, 0x33 }, 4, 2, 0x100, true },
    { "rdtsc tsd", { 0x0f, 0x31 }, 2, 0, 0x4, false },
    { "rdtsc", { 0x0f, 0x31 }, 2, 0, 0, true },
    { "sgdt", { 0x0f, 0x01, 0x05, 0x00, 0x10, 0x00, 0x00 }, 7, 0, 0, true },
    { "sidt", { 0x0f, 0x01, 0x0d, 0x00, 0x10, 0x00, 0x00 }, 7, 0, 0, true },
    { "smsw", { 0x0f, 0x01, 0xe0 }, 3, 0, 0, true },
    { "cpuid", { 0x31, 0xc0, 0x0f, 0xa2 }, 4, 2, 0, true },     /* xor eax, eax; cpuid */
};

static void test_privilege(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(priv_cases); i++) {
        const PrivCase *pc = &priv_cases[i];
        Machine *m = vm_user(pc->bytes, pc->len, pc->cr4);
        CpuExit r = machine_run(m, MAX_INSNS);
        if (g_test_verbose()) {
            g_test_message("%s: exit %d eip %08x", pc->name, r, (unsigned)m->cpu.eip);
        }
        if (pc->allowed) {
            g_assert_cmpint(r, ==, CPU_EXIT_HALT);
            g_assert_cmphex(m->cpu.eip, ==, KERNEL_ENTRY + 1);
        } else {
            g_assert_cmpint(r, ==, CPU_EXIT_TRIPLE_FAULT);
            g_assert_cmphex(m->cpu.eip, ==, USER_CODE + pc->at);
        }
        machine_free(m);
    }
}

/* ---- paging: MOV CR3 and INVLPG flush stale translations ---- */

static void test_invlpg_cr3(void)
{
    static const uint8_t code[] = {
        0x66, 0xb8, 0x00, 0x20, 0x00, 0x00,      /* mov eax, 0x2000 */
        0x0f, 0x22, 0xd8,                        /* mov cr3, eax */
        0x0f, 0x20, 0xc0,                        /* mov eax, cr0 */
        0x66, 0x0d, 0x01, 0x00, 0x00, 0x80,      /* or eax, 0x80000001 */
        0x0f, 0x22, 0xc0,                        /* mov cr0, eax */
        0x66, 0xa1, 0x00, 0x50,                  /* mov eax, [0x5000] */
        0x66, 0xc7, 0x06, 0x14, 0x30, 0x07, 0x60, 0x00, 0x00, /* mov dword [0x3014], 0x6007 */
        0x66, 0x8b, 0x1e, 0x00, 0x50,            /* mov ebx, [0x5000]  (cached) */
        0x0f, 0x01, 0x3e, 0x00, 0x50,            /* invlpg [0x5000] */
        0x66, 0x8b, 0x0e, 0x00, 0x50,            /* mov ecx, [0x5000] */
        0x66, 0xc7, 0x06, 0x14, 0x30, 0x07, 0x50, 0x00, 0x00, /* mov dword [0x3014], 0x5007 */
        0x66, 0x8b, 0x16, 0x00, 0x50,            /* mov edx, [0x5000]  (cached) */
        0x0f, 0x20, 0xde,                        /* mov esi, cr3 */
        0x0f, 0x22, 0xde,                        /* mov cr3, esi */
        0x66, 0x8b, 0x36, 0x00, 0x50,            /* mov esi, [0x5000] */
        0xf4,                                    /* hlt */
    };
    Machine *m = vm_new(code, sizeof(code));
    physmem_write(&m->pm, 0x2000, 0x3007, 4);  /* PDE 0 -> page table at 0x3000 */
    for (uint32_t i = 0; i < 1024; i++) {
        physmem_write(&m->pm, 0x3000 + 4 * i, (i << 12) | 7, 4);  /* identity, P RW US */
    }
    physmem_write(&m->pm, 0x5000, 0x11111111, 4);
    physmem_write(&m->pm, 0x6000, 0x22222222, 4);
    run_to_hlt(m, CODE + sizeof(code) - 1);
    g_assert_cmphex(reg32(m, EAX), ==, 0x11111111);
    /* The soft TLB keeps the old translation until it is flushed, as a real one may. */
    g_assert_cmphex(reg32(m, EBX), ==, 0x11111111);
    g_assert_cmphex(reg32(m, ECX), ==, 0x22222222);
    g_assert_cmphex(reg32(m, EDX), ==, 0x22222222);
    g_assert_cmphex(reg32(m, ESI), ==, 0x11111111);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sysinsn/gdt-roundtrip", test_gdt_roundtrip);
    g_test_add_func("/sysinsn/lmsw-keeps-pe", test_lmsw_keeps_pe);
    g_test_add_func("/sysinsn/lmsw-sets-pe", test_lmsw_sets_pe);
    g_test_add_func("/sysinsn/mov-cr0-mode-switch", test_mov_cr0_mode_switch);
    g_test_add_func("/sysinsn/cr0-invalid", test_cr0_invalid);
    g_test_add_func("/sysinsn/clts-invd-wbinvd", test_clts_invd_wbinvd);
    g_test_add_func("/sysinsn/cr4", test_cr4);
    g_test_add_func("/sysinsn/cr-undefined", test_cr_undefined);
    g_test_add_func("/sysinsn/dr", test_dr);
    g_test_add_func("/sysinsn/dr-de-ud", test_dr_de_ud);
    g_test_add_func("/sysinsn/dr-general-detect", test_dr_general_detect);
    g_test_add_func("/sysinsn/cpuid", test_cpuid);
    g_test_add_func("/sysinsn/msr-tsc", test_msr_tsc);
    g_test_add_func("/sysinsn/msr-roundtrip", test_msr_roundtrip);
    g_test_add_func("/sysinsn/msr-read-only-values", test_msr_read_only_values);
    g_test_add_func("/sysinsn/msr-gp", test_msr_gp);
    g_test_add_func("/sysinsn/rdtsc-monotonic", test_rdtsc_monotonic);
    g_test_add_func("/sysinsn/rdtsc-hook", test_rdtsc_hook);
    g_test_add_func("/sysinsn/rdpmc", test_rdpmc);
    g_test_add_func("/sysinsn/sysenter-sysexit", test_sysenter_sysexit);
    g_test_add_func("/sysinsn/sysexit-reaches-cpl3", test_sysexit_reaches_cpl3);
    g_test_add_func("/sysinsn/sysenter-real-mode-gp", test_sysenter_real_mode_gp);
    g_test_add_func("/sysinsn/privilege", test_privilege);
    g_test_add_func("/sysinsn/invlpg-cr3", test_invlpg_cr3);
    return g_test_run();
}
