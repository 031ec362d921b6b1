/*
 * Far control transfers and interrupt return: JMP/CALL/RET far and IRET in real,
 * protected and virtual-8086 mode, including call gates with privilege change and stack
 * switch, task switches through TSS descriptors and task gates, and IRET with NT
 * (Intel SDM vol. 2 JMP/CALL/RET/IRET; vol. 3A 5.8, 7.3).
 */
#ifndef WIRT_CPU_FAR_H
#define WIRT_CPU_FAR_H

#include "cpu/cpu.h"

void cpu_far_jump(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                  uint32_t next_eip);
void cpu_far_call(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                  uint32_t next_eip);
void cpu_far_ret(CPUState *cpu, unsigned opsize, uint16_t release);
void cpu_iret(CPUState *cpu, unsigned opsize);

/* Protected-mode halves (cpu/far_pm.c). */
void cpu_far_jump_pm(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                     uint32_t next_eip);
void cpu_far_call_pm(CPUState *cpu, uint16_t sel, uint32_t offset, unsigned opsize,
                     uint32_t next_eip);
void cpu_far_ret_pm(CPUState *cpu, unsigned opsize, uint16_t release);
void cpu_iret_pm(CPUState *cpu, unsigned opsize);

#endif
