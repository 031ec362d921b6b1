/*
 * Far transfers in real and virtual-8086 mode (Intel SDM vol. 2, JMP/CALL/RET/IRET, the
 * "real-address or virtual-8086 mode" branches); protected mode is in cpu/far_pm.c.
 * Stack writes happen before any register changes, so a fault leaves state intact.
 */
#include "cpu/far.h"

#include "cpu/exception.h"
#include "cpu/mem.h"

static bool far_real(const CPUState *cpu)
{
    return !cpu_pe(cpu) || cpu_v86(cpu);
}

static void far_branch_real(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize)
{
    uint32_t eip = opsize == 2 ? offset & 0xffff : offset;
    if (eip > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_load_seg_real(cpu, SEG_CS, sel);
    cpu->eip = eip;
}

void cpu_far_jump(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                  uint32_t next_eip)
{
    if (!far_real(cpu)) {
        cpu_far_jump_pm(cpu, sel, offset, opsize, next_eip);
        return;
    }
    far_branch_real(cpu, sel, offset, opsize);
}

void cpu_far_call(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                  uint32_t next_eip)
{
    if (!far_real(cpu)) {
        cpu_far_call_pm(cpu, sel, offset, opsize, next_eip);
        return;
    }
    uint64_t m = cpu_sp_mask(cpu), sp = cpu->regs[R_ESP];
    uint32_t eip = opsize == 2 ? offset & 0xffff : offset;
    if (eip > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_st(cpu, SEG_SS, (sp - opsize) & m, cpu->seg[SEG_CS].sel, opsize);  /* zero-padded */
    cpu_st(cpu, SEG_SS, (sp - 2 * opsize) & m, next_eip, opsize);
    cpu_set_sp(cpu, sp - 2 * opsize);
    far_branch_real(cpu, sel, offset, opsize);
}

void cpu_far_ret(CPUState *cpu, unsigned opsize, uint16_t release)
{
    if (!far_real(cpu)) {
        cpu_far_ret_pm(cpu, opsize, release);
        return;
    }
    uint32_t eip = (uint32_t)cpu_stack_peek(cpu, 0, opsize);
    uint16_t sel = (uint16_t)cpu_stack_peek(cpu, opsize, 2);
    if (eip > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    cpu_set_sp(cpu, cpu->regs[R_ESP] + 2 * opsize + release);
    far_branch_real(cpu, sel, eip, opsize);
}

void cpu_iret(CPUState *cpu, unsigned opsize)
{
    if (cpu_pe(cpu)) {
        cpu_iret_pm(cpu, opsize);  /* protected mode and v8086 mode */
        return;
    }
    uint32_t eip = (uint32_t)cpu_stack_peek(cpu, 0, opsize);
    uint16_t sel = (uint16_t)cpu_stack_peek(cpu, opsize, 2);
    uint32_t fl = (uint32_t)cpu_stack_peek(cpu, 2 * opsize, opsize);
    uint32_t old = cpu_get_eflags(cpu);

    if ((opsize == 2 ? eip & 0xffff : eip) > cpu->seg[SEG_CS].limit) {
        cpu_raise_err(cpu, EXC_GP, 0);
    }
    if (opsize == 2) {
        fl = (old & 0xffff0000u) | (fl & 0xffff);
    } else {
        fl = (fl & 0x257fd5u) | (old & (FL_VM | FL_VIF | FL_VIP));
    }
    cpu_set_sp(cpu, cpu->regs[R_ESP] + 3 * opsize);
    far_branch_real(cpu, sel, eip, opsize);
    cpu_set_eflags(cpu, fl);
}
