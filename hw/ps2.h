/*
 * PS/2 keyboard and mouse: the devices on the two ports of an 8042-style controller
 * (IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary Device Controller",
 * "Keyboard" and "Pointing Device" chapters). Each device keeps a bounded output queue; the
 * controller takes one byte at a time. Input from outside reaches them only through
 * ps2_kbd_key() and ps2_mouse_event(), called by the input funnel in vm/ (DESIGN.md rule 1).
 */
#ifndef WIRT_HW_PS2_H
#define WIRT_HW_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "base/state.h"

#define PS2_QUEUE_SIZE 16

/* Device replies. */
#define PS2_ACK 0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa

/*
 * Key codes for ps2_kbd_key(): a scan-code set 2 make code, PS2_KEY_E0 | code for the
 * extended keys (0xe075 is the up arrow, 0xe01f the left Windows key), or PS2_KEY_PAUSE.
 */
#define PS2_KEY_E0 0xe000u
#define PS2_KEY_PAUSE 0xe11477u    /* make-only: E1 14 77 E1 F0 14 F0 77 */

/* Buttons for ps2_mouse_event(), in the order of the packet's first byte. */
#define PS2_BUTTON_LEFT (1u << 0)
#define PS2_BUTTON_RIGHT (1u << 1)
#define PS2_BUTTON_MIDDLE (1u << 2)
#define PS2_BUTTON_4 (1u << 3)     /* reported only in IntelliMouse Explorer mode (ID 4) */
#define PS2_BUTTON_5 (1u << 4)

/* Called when a device has queued a byte for the controller to take. */
typedef void (*PS2NotifyFn)(void *opaque);

/*
 * Bytes waiting to be sent, oldest first. Replies to commands go ahead of queued input
 * (a device answers a command at once and sends its buffered data afterwards).
 */
typedef struct PS2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    uint8_t count;
    uint8_t replies;        /* the first `replies` bytes answer commands */
} PS2Queue;

typedef struct PS2Kbd {
    PS2Queue q;
    uint8_t scan_set;       /* 1 or 2: the set ps2_kbd_key() sends */
    uint8_t leds;           /* ED: scroll, num, caps lock */
    uint8_t typematic;      /* F3: rate and delay (repeats come from the funnel) */
    uint8_t expect;         /* command awaiting its parameter byte, 0 when none */
    uint8_t last;           /* last byte taken by the controller, for resend */
    bool enabled;           /* scanning (F4/F5) */
    PS2NotifyFn notify;
    void *opaque;
} PS2Kbd;

typedef struct PS2Mouse {
    PS2Queue q;
    uint8_t id;             /* 0 standard, 3 IntelliMouse (wheel), 4 Explorer (5 buttons) */
    uint8_t rate;           /* samples per second (F3) */
    uint8_t resolution;     /* E8: 0-3 = 1, 2, 4, 8 counts per mm */
    uint8_t rates[3];       /* the last three sample rates set, newest last: the knocks */
    uint8_t expect;
    uint8_t last;
    uint8_t buttons;        /* PS2_BUTTON_* as last reported by the funnel */
    bool enabled;           /* data reporting (F4/F5) */
    bool remote;            /* remote mode (F0): packets only on EB */
    bool wrap;              /* wrap mode (EE): echo everything */
    bool scale2;            /* 2:1 scaling (E7) */
    bool changed;           /* buttons changed since the last packet */
    int32_t dx, dy, dz;     /* movement not yet reported; dy positive is up */
    PS2NotifyFn notify;
    void *opaque;
} PS2Mouse;

/* NOTIFY is called (from the caller's context) whenever a device queues a byte. */
void ps2_kbd_init(PS2Kbd *k, PS2NotifyFn notify, void *opaque);
/* Power-on state: set 2, scanning, queue empty (no BAT byte is queued). */
void ps2_kbd_reset(PS2Kbd *k);
/* A byte from the controller (a command or its parameter). */
void ps2_kbd_write(PS2Kbd *k, uint8_t byte);
bool ps2_kbd_has_data(const PS2Kbd *k);
/* The controller takes the oldest queued byte (0 when empty); never calls notify. */
uint8_t ps2_kbd_read(PS2Kbd *k);
/*
 * The funnel: a key went down or up. Dropped while scanning is disabled; when the queue
 * cannot hold the whole sequence the keyboard queues its overrun code instead.
 */
void ps2_kbd_key(PS2Kbd *k, unsigned keycode, bool down);

void ps2_mouse_init(PS2Mouse *m, PS2NotifyFn notify, void *opaque);
/* Power-on state: ID 0, stream mode, reporting disabled, 100 samples/s, 4 counts/mm. */
void ps2_mouse_reset(PS2Mouse *m);
void ps2_mouse_write(PS2Mouse *m, uint8_t byte);
bool ps2_mouse_has_data(const PS2Mouse *m);
/* Takes the oldest byte; refills the queue with pending movement when there is room. */
uint8_t ps2_mouse_read(PS2Mouse *m);
/*
 * The funnel: relative motion in the host's screen convention (dx right, dy down), wheel
 * dz positive towards the user (scrolling down), and the buttons now held (PS2_BUTTON_*).
 * In stream mode with reporting enabled this queues packets at once; movement beyond one
 * packet's range (-256..255, overflow bit set) or beyond the queue's room is sent later.
 */
void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons);

/*
 * The 8042's set-2-to-set-1 translation, one byte at a time. Returns false for the F0
 * break prefix, which sets *brk and yields nothing; otherwise stores the set-1 byte in
 * *out (with bit 7 set when *brk was set) and clears *brk.
 */
bool ps2_translate(bool *brk, uint8_t in, uint8_t *out);

extern const StateDesc ps2_kbd_state_desc;
extern const StateDesc ps2_mouse_state_desc;

#endif
