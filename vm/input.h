/*
 * The input funnel (DESIGN.md rule 1): every input from outside the machine enters here
 * and nowhere else: serial bytes from the back-ends, key presses for the PS/2 keyboard
 * (from control commands such as `wirt shutdown`), a reset from outside (`wirt reset`)
 * and the wall-clock time the RTC starts at. Each input is pushed into its device through the device's own function, stamped
 * with the retired-instruction count at which the guest sees it; record/replay will log
 * and supply exactly these events.
 */
#ifndef WIRT_VM_INPUT_H
#define WIRT_VM_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/state.h"
#include "hw/ps2.h"
#include "hw/uart16550.h"

/* Where the RTC's start time comes from (--rtc base=...). */
typedef enum InputRtcBase {
    INPUT_RTC_DEFAULT,      /* utc in real-time mode, INPUT_RTC_FIXED_DATE when deterministic */
    INPUT_RTC_UTC,          /* the host's clock, once, as UTC */
    INPUT_RTC_LOCALTIME,    /* the host's clock, once, in the host's time zone */
    INPUT_RTC_DATE,         /* an explicit date */
} InputRtcBase;

/* 2006-06-26T12:00:00 UTC: the RTC's start in deterministic mode without --rtc. */
#define INPUT_RTC_FIXED_DATE INT64_C(1151323200)

#define INPUT_SERIAL_PORTS 2
#define INPUT_QUEUE_SIZE 4096
#define INPUT_KEY_QUEUE_SIZE 32

/* Bytes a back-end has handed over that the UART has not taken yet. */
typedef struct InputQueue {
    uint8_t buf[INPUT_QUEUE_SIZE];
    uint32_t head, len;
} InputQueue;

/* Key events handed over that the keyboard has not taken yet. */
typedef struct InputKeyQueue {
    uint32_t code[INPUT_KEY_QUEUE_SIZE];    /* PS/2 key codes (hw/ps2.h) */
    bool down[INPUT_KEY_QUEUE_SIZE];        /* pressed, or released */
    uint32_t head, len;
} InputKeyQueue;

typedef enum InputKind {
    INPUT_EV_SERIAL,        /* a byte into a serial port */
    INPUT_EV_KEY,           /* a key goes down or up on the PS/2 keyboard */
    INPUT_EV_RESET,         /* the reset button (`wirt reset`) */
} InputKind;

/* One input as it reaches the guest, at a stamp. */
typedef struct InputEvent {
    uint64_t insns;         /* retired instructions when it arrives */
    int64_t vtime;          /* virtual time then (a halted guest's time moves alone) */
    InputKind kind;
    uint8_t port;           /* serial: 0 = COM1 */
    uint8_t byte;           /* serial */
    bool down;              /* key: pressed (true) or released */
    uint32_t key;           /* key: a PS/2 key code (hw/ps2.h) */
} InputEvent;

/*
 * Record/replay's hold on the funnel (vm/replay.c). Recording: RECORD sees every event
 * delivered. Replaying: host input is dropped, and the events PEEK hands out are
 * delivered at exactly their stamps; REFUSED is told when the device cannot take one
 * (the guest has diverged from the recording).
 */
typedef struct InputTap {
    void *opaque;
    void (*record)(void *opaque, const InputEvent *ev);
    const InputEvent *(*peek)(void *opaque);
    void (*consume)(void *opaque);
    void (*refused)(void *opaque, const InputEvent *ev);
} InputTap;

typedef struct Input {
    const uint64_t *insns;  /* the CPU's retired-instruction count: the stamp */
    const VClock *clock;    /* virtual time, the stamp's second half */
    InputTap tap;
    Log *log;
    Uart *serial[INPUT_SERIAL_PORTS];   /* NULL: no such port */
    InputQueue serial_q[INPUT_SERIAL_PORTS];
    PS2Kbd *kbd;            /* NULL: no keyboard */
    InputKeyQueue key_q;
    void (*reset)(void *opaque);    /* presses the machine's reset button */
    void *reset_opaque;
    bool reset_q;           /* a reset offered and not delivered yet */
    uint64_t events;        /* inputs delivered to the guest so far */
    uint64_t last_stamp;    /* the stamp of the last one */
    int64_t rtc_start;      /* what input_rtc_start returned */
} Input;

void input_init(Input *in, const uint64_t *insns, const VClock *clock, Log *log);
extern const StateDesc input_state_desc;
/* Serial port PORT (0 = COM1) is U. */
void input_attach_serial(Input *in, unsigned port, Uart *u);

/* The PS/2 keyboard is KBD. */
void input_attach_keyboard(Input *in, PS2Kbd *kbd);
bool input_has_keyboard(const Input *in);
/* The machine's reset button: FN(OPAQUE) resets the machine before its next instruction. */
void input_attach_reset(Input *in, void (*fn)(void *opaque), void *opaque);
/* A reset from outside, delivered like any input at the next stamp; false when the funnel
 * is replaying (the reset comes from the log then) or there is no reset button. */
bool input_reset_offer(Input *in);
/*
 * A key goes down or up (KEYCODE as for ps2_kbd_key). It reaches the keyboard once the
 * keyboard has sent everything before it (the controller holds one byte, the keyboard
 * queues at most 16), so a burst of keys is never lost to an overrun. False, taking
 * nothing, when there is no keyboard, the queue is full, or the funnel is replaying.
 */
bool input_key_offer(Input *in, unsigned keycode, bool down);

/* Room for more bytes from PORT's back-end (0 when the port is absent). */
size_t input_serial_room(const Input *in, unsigned port);
/* A back-end hands over LEN bytes (at most the room); they reach the UART when it has room. */
void input_serial_offer(Input *in, unsigned port, const uint8_t *buf, size_t len);
/* Queued input not yet delivered (replaying: a logged event is due now). */
bool input_pending(const Input *in);
/*
 * Pushes queued input into the devices that can take it now (replaying: the logged events
 * stamped now). Returns whether any went.
 */
bool input_deliver(Input *in);
/* Hands the funnel to record/replay (a zeroed TAP hands it back). */
void input_set_tap(Input *in, const InputTap *tap);

/*
 * The RTC's start time in Unix seconds (local time shifted as the guest should see it).
 * The only place the host's wall clock is read, once per machine.
 */
int64_t input_rtc_start(Input *in, InputRtcBase base, int64_t date, bool deterministic);

#endif
