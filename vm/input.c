/*
 * The input funnel: host input (serial bytes, key presses) queued, then delivered to
 * devices at instruction-count stamps (DESIGN.md rule 1).
 */
#include "vm/input.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

void input_init(Input *in, const uint64_t *insns, const VClock *clock, Log *log)
{
    memset(in, 0, sizeof(*in));
    in->insns = insns;
    in->clock = clock;
    in->log = log;
}

void input_set_tap(Input *in, const InputTap *tap)
{
    in->tap = *tap;
}

void input_attach_serial(Input *in, unsigned port, Uart *u)
{
    in->serial[port] = u;
}

void input_attach_keyboard(Input *in, PS2Kbd *kbd)
{
    in->kbd = kbd;
}

bool input_has_keyboard(const Input *in)
{
    return in->kbd != NULL;
}

void input_attach_reset(Input *in, void (*fn)(void *opaque), void *opaque)
{
    in->reset = fn;
    in->reset_opaque = opaque;
}

bool input_reset_offer(Input *in)
{
    if (!in->reset || in->tap.peek) {
        return false;
    }
    in->reset_q = true;
    return true;
}

bool input_key_offer(Input *in, unsigned keycode, bool down)
{
    InputKeyQueue *q = &in->key_q;
    uint32_t at = (q->head + q->len) % INPUT_KEY_QUEUE_SIZE;

    if (!in->kbd || in->tap.peek || q->len >= INPUT_KEY_QUEUE_SIZE) {
        return false;
    }
    q->code[at] = keycode;
    q->down[at] = down;
    q->len++;
    return true;
}

size_t input_serial_room(const Input *in, unsigned port)
{
    if (port >= INPUT_SERIAL_PORTS || !in->serial[port]) {
        return 0;
    }
    return INPUT_QUEUE_SIZE - in->serial_q[port].len;
}

void input_serial_offer(Input *in, unsigned port, const uint8_t *buf, size_t len)
{
    InputQueue *q = &in->serial_q[port];
    size_t n = in->tap.peek ? 0 : MIN(len, input_serial_room(in, port));   /* replay: dropped */

    for (size_t i = 0; i < n; i++) {
        q->buf[(q->head + q->len) % INPUT_QUEUE_SIZE] = buf[i];
        q->len++;
    }
}

/* Replaying: the next logged event, when it is stamped now. */
static const InputEvent *input_logged_due(const Input *in)
{
    const InputEvent *ev = in->tap.peek(in->tap.opaque);
    if (ev && ev->insns == *in->insns && ev->vtime == vclock_now(in->clock)) {
        return ev;
    }
    return NULL;
}

bool input_pending(const Input *in)
{
    if (in->tap.peek) {
        return input_logged_due(in) != NULL;
    }
    for (unsigned i = 0; i < INPUT_SERIAL_PORTS; i++) {
        if (in->serial_q[i].len) {
            return true;
        }
    }
    return in->key_q.len != 0 || in->reset_q;
}

/* One event EV (its stamp not yet set) reaches the guest now: this is the point
 * record/replay logs and feeds. */
static void input_stamp(Input *in, InputEvent ev)
{
    in->events++;
    in->last_stamp = *in->insns;
    ev.insns = *in->insns;
    ev.vtime = vclock_now(in->clock);
    if (in->tap.record) {
        in->tap.record(in->tap.opaque, &ev);
    }
    if (ev.kind == INPUT_EV_KEY) {
        log_trace(in->log, LOG_IO, "input: key 0x%x %s at insn %" PRIu64 "\n", ev.key,
                  ev.down ? "down" : "up", in->last_stamp);
    } else if (ev.kind == INPUT_EV_RESET) {
        log_trace(in->log, LOG_IO, "input: reset at insn %" PRIu64 "\n", in->last_stamp);
    } else {
        log_trace(in->log, LOG_IO, "input: com%u 0x%02x at insn %" PRIu64 "\n", ev.port + 1u,
                  ev.byte, in->last_stamp);
    }
}

static InputEvent input_serial_event(unsigned port, uint8_t byte)
{
    return (InputEvent){ .kind = INPUT_EV_SERIAL, .port = (uint8_t)port, .byte = byte };
}

/* The keyboard takes a key once it has sent everything before it. */
static bool input_key_ready(const Input *in)
{
    return in->kbd && !ps2_kbd_has_data(in->kbd);
}

static bool input_deliver_keys(Input *in)
{
    InputKeyQueue *q = &in->key_q;
    bool any = false;

    while (q->len && input_key_ready(in)) {
        InputEvent ev = {
            .kind = INPUT_EV_KEY, .key = q->code[q->head], .down = q->down[q->head],
        };
        ps2_kbd_key(in->kbd, ev.key, ev.down);
        input_stamp(in, ev);
        q->head = (q->head + 1) % INPUT_KEY_QUEUE_SIZE;
        q->len--;
        any = true;
    }
    return any;
}

/*
 * The host end of the line behaves as a peer using RTS/CTS flow control: it sends only
 * while the guest asserts RTS (ready to receive), so bytes typed or piped before the guest
 * has set up the port wait here instead of being lost to a FIFO reset.
 */
static bool input_serial_ready(const Uart *u)
{
    return u && (u->mcr & UART_MCR_RTS) && uart_can_receive(u);
}

static bool input_deliver_serial(Input *in, unsigned port)
{
    InputQueue *q = &in->serial_q[port];
    Uart *u = in->serial[port];
    bool any = false;

    while (q->len && input_serial_ready(u)) {
        uint8_t byte = q->buf[q->head];
        if (uart_receive(u, &byte, 1) != 1) {
            break;
        }
        input_stamp(in, input_serial_event(port, byte));
        q->head = (q->head + 1) % INPUT_QUEUE_SIZE;
        q->len--;
        any = true;
    }
    return any;
}

/* Replaying: a logged event goes into its device; false when the device cannot take it. */
static bool input_deliver_one(Input *in, const InputEvent *ev)
{
    Uart *u = ev->port < INPUT_SERIAL_PORTS ? in->serial[ev->port] : NULL;
    uint8_t byte = ev->byte;

    if (ev->kind == INPUT_EV_KEY) {
        if (!input_key_ready(in)) {
            return false;
        }
        ps2_kbd_key(in->kbd, ev->key, ev->down);
        return true;
    }
    if (ev->kind == INPUT_EV_RESET) {
        if (!in->reset) {
            return false;
        }
        in->reset(in->reset_opaque);
        return true;
    }
    return input_serial_ready(u) && uart_receive(u, &byte, 1) == 1;
}

/* Replaying: the events logged for now go in; one the device cannot take is a divergence. */
static bool input_deliver_logged(Input *in)
{
    const InputEvent *ev;
    bool any = false;

    while ((ev = input_logged_due(in))) {
        InputEvent copy = *ev;
        if (!input_deliver_one(in, ev)) {
            in->tap.refused(in->tap.opaque, ev);
            return any;
        }
        input_stamp(in, copy);
        in->tap.consume(in->tap.opaque);
        any = true;
    }
    return any;
}

bool input_deliver(Input *in)
{
    bool any = false;
    if (in->tap.peek) {
        return input_deliver_logged(in);
    }
    for (unsigned i = 0; i < INPUT_SERIAL_PORTS; i++) {
        any |= input_deliver_serial(in, i);
    }
    any |= input_deliver_keys(in);
    if (in->reset_q) {      /* last: the machine resets before its next instruction */
        in->reset_q = false;
        in->reset(in->reset_opaque);
        input_stamp(in, (InputEvent){ .kind = INPUT_EV_RESET });
        any = true;
    }
    return any;
}

/* The host's wall clock now, as Unix seconds, shifted to local time if asked. */
static int64_t input_host_time(bool local)
{
    time_t now = time(NULL);
    struct tm tm;

    if (local && localtime_r(&now, &tm)) {
        return (int64_t)now + tm.tm_gmtoff;
    }
    return (int64_t)now;
}

int64_t input_rtc_start(Input *in, InputRtcBase base, int64_t date, bool deterministic)
{
    int64_t sec;

    switch (base) {
    case INPUT_RTC_DATE:
        sec = date;
        break;
    case INPUT_RTC_UTC:
    case INPUT_RTC_LOCALTIME:
        sec = input_host_time(base == INPUT_RTC_LOCALTIME);
        break;
    default:
        sec = deterministic ? INPUT_RTC_FIXED_DATE : input_host_time(false);
        break;
    }
    in->events++;
    in->last_stamp = *in->insns;
    in->rtc_start = sec;
    log_trace(in->log, LOG_IO, "input: rtc start %" PRId64 " at insn %" PRIu64 "\n", sec,
              in->last_stamp);
    return sec;
}

/* Queued host input is guest-bound state: a snapshot keeps it, and replay compares it. */
static const StateField input_queue_fields[] = {
    STATE_U8_ARRAY(InputQueue, buf),
    STATE_U32(InputQueue, head),
    STATE_U32(InputQueue, len),
    STATE_END,
};
static const StateDesc input_queue_desc = {
    .name = "input-queue", .version = 1, .fields = input_queue_fields,
    .size = sizeof(InputQueue),
};

static const StateField input_key_queue_fields[] = {
    STATE_U32_ARRAY(InputKeyQueue, code),
    STATE_BOOL_ARRAY(InputKeyQueue, down),
    STATE_U32(InputKeyQueue, head),
    STATE_U32(InputKeyQueue, len),
    STATE_END,
};
static const StateDesc input_key_queue_desc = {
    .name = "input-key-queue", .version = 1, .fields = input_key_queue_fields,
    .size = sizeof(InputKeyQueue),
};

/* A loaded image is checked like any other outside value (DESIGN.md rule 4). */
static void input_post_load(void *opaque)
{
    Input *in = opaque;

    for (unsigned i = 0; i < INPUT_SERIAL_PORTS; i++) {
        in->serial_q[i].head %= INPUT_QUEUE_SIZE;
        in->serial_q[i].len = MIN(in->serial_q[i].len, INPUT_QUEUE_SIZE);
    }
    in->key_q.head %= INPUT_KEY_QUEUE_SIZE;
    in->key_q.len = MIN(in->key_q.len, INPUT_KEY_QUEUE_SIZE);
}

static const StateField input_fields[] = {
    STATE_STRUCT_ARRAY(Input, serial_q, &input_queue_desc),
    STATE_STRUCT(Input, key_q, &input_key_queue_desc),
    STATE_BOOL(Input, reset_q),
    STATE_U64(Input, events),
    STATE_U64(Input, last_stamp),
    STATE_END,
};
/* Version 2 added the key queue, 3 the reset. */
const StateDesc input_state_desc = {
    .name = "input", .version = 3, .fields = input_fields, .size = sizeof(Input),
    .post_load = input_post_load,
};
