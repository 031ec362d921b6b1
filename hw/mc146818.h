/*
 * Motorola MC146818A real-time clock with 128 bytes of CMOS RAM, as PCs wire it: index port
 * 0x70 (bit 7 of a write masks NMI), data port 0x71, interrupt on IRQ 8. The century byte
 * lives at 0x32 and counts with the year, and the machine fills in the memory-size bytes
 * that SeaBIOS and Linux read.
 *
 * The time registers hold the raw bytes the guest wrote (BCD or binary, 12- or 24-hour,
 * as register B says) and are brought up to date lazily from virtual time: an update cycle
 * ends at every second boundary of the divider, register C's flags are computed from time
 * when read, and the one timer is armed only for the next event that can raise IRQ 8.
 */
#ifndef WIRT_HW_MC146818_H
#define WIRT_HW_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/state.h"
#include "hw/irq.h"
#include "mmu/ioport.h"

#define RTC_PORT 0x70           /* index; data at RTC_PORT + 1 */
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128

/* Register indices (datasheet "Address Map"), plus the PC's century and memory bytes. */
enum {
    RTC_SECONDS = 0x00,
    RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02,
    RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04,
    RTC_HOURS_ALARM = 0x05,
    RTC_WEEKDAY = 0x06,
    RTC_MDAY = 0x07,
    RTC_MONTH = 0x08,
    RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a,
    RTC_REG_B = 0x0b,
    RTC_REG_C = 0x0c,
    RTC_REG_D = 0x0d,
    RTC_SHUTDOWN = 0x0f,
    RTC_BASE_MEM_LO = 0x15,     /* conventional memory, KiB */
    RTC_BASE_MEM_HI = 0x16,
    RTC_EXT_MEM_LO = 0x17,      /* memory above 1 MiB, KiB, at most 0xffff */
    RTC_EXT_MEM_HI = 0x18,
    RTC_CHECKSUM_HI = 0x2e,     /* sum of 0x10..0x2d */
    RTC_CHECKSUM_LO = 0x2f,
    RTC_EXT_MEM2_LO = 0x30,     /* copy of 0x17/0x18 */
    RTC_EXT_MEM2_HI = 0x31,
    RTC_CENTURY = 0x32,
    RTC_MEM_16M_LO = 0x34,      /* memory above 16 MiB below 4 GiB, 64 KiB units */
    RTC_MEM_16M_HI = 0x35,
    RTC_MEM_4G_LO = 0x5b,       /* memory above 4 GiB, 64 KiB units, 24 bits */
    RTC_MEM_4G_MID = 0x5c,
    RTC_MEM_4G_HI = 0x5d,
};

/* Register A: update in progress, divider (DV2-0), rate select (RS3-0). */
#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_32K 0x20       /* 32.768 kHz time base: the only running setting on a PC */
#define RTC_A_DV_RESET 0x60     /* 11x: divider chain held in reset */
#define RTC_A_RS_MASK 0x0f
/* Register B. */
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04           /* 1: binary, 0: BCD */
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
/* Register C: the flag bits sit where register B's matching enables are. */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
/* Register D. */
#define RTC_D_VRT 0x80

/* UIP rises this long before an update cycle, which lasts RTC_UPDATE_NS (32.768 kHz). */
#define RTC_UIP_LEAD_NS 244000
#define RTC_UPDATE_NS 1984000
/* RAM below 4 GiB ends where the PCI hole starts (SeaBIOS's BUILD_PCIMEM_START). */
#define RTC_BELOW_4G_MAX 0xe0000000ull

typedef struct Rtc {
    VClock *clock;
    IrqLine irq;
    Timer timer;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;          /* last write to port 0x70: bit 7 masks NMI */
    int64_t tick_ns;        /* a divider second boundary; the time registers are up to date
                               as of it (an update cycle ends at every tick_ns + k s) */
    int64_t synced_ns;      /* register C accounts for every event up to here */
} Rtc;

extern const StateDesc rtc_state_desc;

/*
 * Registers ports 0x70-0x71. IRQ8 is the interrupt output; START_SEC (seconds since
 * 1970-01-01 00:00:00, as the input funnel supplies it) is the time the clock shows now;
 * the first update follows one second later. Registers A-D start as a BIOS leaves them:
 * 32.768 kHz divider with 1024 Hz periodic rate, BCD, 24-hour.
 */
bool rtc_init(Rtc *r, IoSpace *io, VClock *clock, IrqLine irq8, int64_t start_sec, char **why);

/* The chip's RESET pin: clears PIE, AIE, UIE, SQWE and register C; time and RAM stay. */
void rtc_reset(Rtc *r);

/* Sets the clock to SEC (Unix seconds) now, in register B's current format. */
void rtc_set_time(Rtc *r, int64_t sec);

/*
 * Fills in the memory-size bytes for RAM_BYTES of RAM (RAM beyond RTC_BELOW_4G_MAX counted
 * above 4 GiB) and updates the checksum.
 */
void rtc_set_memory(Rtc *r, uint64_t ram_bytes);

/* Board access to CMOS RAM (0..127); a byte in 0x10..0x2d updates the checksum. */
uint8_t rtc_cmos_get(const Rtc *r, unsigned index);
void rtc_cmos_set(Rtc *r, unsigned index, uint8_t value);

/* Bit 7 of the last index write: NMI is masked while set. */
static inline bool rtc_nmi_masked(const Rtc *r)
{
    return (r->index & 0x80) != 0;
}

#endif
