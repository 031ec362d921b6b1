/*
 * PS/2 keyboard (MF2, scan-code sets 1 and 2) and PS/2 mouse with the IntelliMouse and
 * IntelliMouse Explorer extensions (IBM PS/2 Hardware Interface Technical Reference,
 * "Keyboard" and "Pointing Device" command sets; Microsoft's wheel-mouse protocol notes).
 * Typematic repeat is not generated here: the input funnel forwards held keys as repeated
 * make codes, which is what a typematic keyboard sends.
 */
#include "hw/ps2.h"

#include <stddef.h>
#include <string.h>

#define PS2_ECHO 0xee
#define KBD_ID0 0xab
#define KBD_ID1 0x83
#define KBD_TYPEMATIC_DEFAULT 0x2b   /* 10.9 characters/s after 500 ms */
#define MOUSE_RATE_DEFAULT 100
#define MOUSE_RES_DEFAULT 2          /* 4 counts per mm */
#define MOUSE_COUNT_MAX 65535        /* unreported movement saturates here */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the output queue ---- */

static unsigned q_room(const PS2Queue *q)
{
    return PS2_QUEUE_SIZE - q->count;
}

static bool q_push(PS2Queue *q, uint8_t b)
{
    if (q->count >= PS2_QUEUE_SIZE) {
        return false;
    }
    q->data[q->count++] = b;
    return true;
}

/* A reply goes after earlier replies and before queued input, evicting input when full. */
static void q_reply(PS2Queue *q, uint8_t b)
{
    if (q->replies >= PS2_QUEUE_SIZE) {
        return;
    }
    if (q->count >= PS2_QUEUE_SIZE) {
        q->count--;
    }
    memmove(&q->data[q->replies + 1], &q->data[q->replies], q->count - q->replies);
    q->data[q->replies++] = b;
    q->count++;
}

static void q_replies(PS2Queue *q, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        q_reply(q, b[i]);
    }
}

static uint8_t q_pop(PS2Queue *q)
{
    if (q->count == 0) {
        return 0;
    }
    uint8_t b = q->data[0];
    q->count--;
    memmove(&q->data[0], &q->data[1], q->count);
    if (q->replies) {
        q->replies--;
    }
    return b;
}

/* Drops queued input, keeping replies not yet taken. */
static void q_drop_input(PS2Queue *q)
{
    q->count = q->replies;
}

/* A loaded image is checked like any other outside value (DESIGN.md rule 4). */
static void q_sanitize(PS2Queue *q)
{
    if (q->count > PS2_QUEUE_SIZE) {
        q->count = PS2_QUEUE_SIZE;
    }
    if (q->replies > q->count) {
        q->replies = q->count;
    }
}

static void notify(PS2NotifyFn fn, void *opaque, const PS2Queue *q)
{
    if (fn && q->count) {
        fn(opaque);
    }
}

/* ---- set-2 to set-1 translation ---- */

/*
 * Set-1 code for each set-2 code 0x00-0x7f, as the 8042 translates it; each row names its
 * keys, `_` marking the table's fillers (unassigned codes, still mapped one to one).
 */
static const uint8_t set2_to_set1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,   /* _ F9 _ F5 F3 F1 F2 F12 */
    0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,   /* F13 F10 F8 F6 F4 tab ` _ */
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,   /* F14 alt lshift kana ctrl Q 1 _ */
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,   /* F15 _ Z S A W 2 _ */
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,   /* F16 C X D E 4 3 _ */
    0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,   /* F17 space V F T R 5 _ */
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,   /* F18 N B H G Y 6 _ */
    0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,   /* F19 _ M J U 7 8 _ */
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,   /* F20 comma K I O 0 9 _ */
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,   /* F21 . / L ; P minus _ */
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,   /* F22 ro ' _ [ = _ F23 */
    0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,   /* caps rshift enter ] _ \ _ F24 */
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,   /* _ 102nd _ _ henkan _ bksp muhenk */
    0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,   /* _ KP1 yen KP4 KP7 _ _ _ */
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,   /* KP0 KP. KP2 KP5 KP6 KP8 esc num */
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,   /* F11 KP+ KP3 KP- KP* KP9 scroll _ */
};

bool ps2_translate(bool *brk, uint8_t in, uint8_t *out)
{
    uint8_t v;

    if (in == 0xf0) {
        *brk = true;
        return false;
    }
    if (in < 0x80) {
        v = set2_to_set1[in];
    } else if (in == 0x83) {        /* F7, the one key beyond 0x7f */
        v = 0x41;
    } else if (in == 0x84) {        /* SysRq (Alt+Print Screen) */
        v = 0x54;
    } else {
        v = in;                      /* prefixes and replies pass through */
    }
    *out = *brk ? (uint8_t)(v | 0x80) : v;
    *brk = false;
    return true;
}

/* ---- keyboard ---- */

typedef struct KbdCmd {
    uint8_t first, last;
    void (*run)(PS2Kbd *k);                 /* a command without parameters */
    void (*param)(PS2Kbd *k, uint8_t p);    /* ACKed, then takes the next byte */
} KbdCmd;

static void kbd_defaults(PS2Kbd *k)
{
    k->scan_set = 2;
    k->leds = 0;
    k->typematic = KBD_TYPEMATIC_DEFAULT;
}

static void kbd_ack(PS2Kbd *k)
{
    q_reply(&k->q, PS2_ACK);
}

static void kbd_echo(PS2Kbd *k)
{
    q_reply(&k->q, PS2_ECHO);
}

static void kbd_identify(PS2Kbd *k)
{
    static const uint8_t id[] = { PS2_ACK, KBD_ID0, KBD_ID1 };
    q_replies(&k->q, id, sizeof(id));
}

static void kbd_enable(PS2Kbd *k)
{
    q_drop_input(&k->q);
    kbd_ack(k);
    k->enabled = true;
}

/* F5: defaults, clear the buffer, stop scanning. */
static void kbd_disable(PS2Kbd *k)
{
    q_drop_input(&k->q);
    kbd_ack(k);
    kbd_defaults(k);
    k->enabled = false;
}

/* F6: defaults, clear the buffer, scanning unchanged. */
static void kbd_set_defaults(PS2Kbd *k)
{
    q_drop_input(&k->q);
    kbd_ack(k);
    kbd_defaults(k);
}

static void kbd_resend(PS2Kbd *k)
{
    q_reply(&k->q, k->last);
}

static void kbd_reset_cmd(PS2Kbd *k)
{
    static const uint8_t bat[] = { PS2_ACK, PS2_BAT_OK };
    q_drop_input(&k->q);
    kbd_defaults(k);
    k->enabled = true;
    q_replies(&k->q, bat, sizeof(bat));
}

static void kbd_leds(PS2Kbd *k, uint8_t p)
{
    k->leds = p & 7;
    kbd_ack(k);
}

static void kbd_typematic(PS2Kbd *k, uint8_t p)
{
    k->typematic = p & 0x7f;
    kbd_ack(k);
}

/* F0: 0 reads the current set back; sets 1 and 2 are offered, set 3 is refused. */
static void kbd_scan_set(PS2Kbd *k, uint8_t p)
{
    if (p == 0) {
        uint8_t r[] = { PS2_ACK, k->scan_set };
        q_replies(&k->q, r, sizeof(r));
    } else if (p <= 2) {
        k->scan_set = p;
        kbd_ack(k);
    } else {
        q_reply(&k->q, PS2_RESEND);
    }
}

/* FB-FD: set-3 key types, a list of keys ended by the next command; accepted, no effect. */
static void kbd_key_type(PS2Kbd *k, uint8_t p)
{
    kbd_ack(k);
    k->expect = 0xfb;
}

static const KbdCmd kbd_cmds[] = {
    { 0xed, 0xed, NULL, kbd_leds },
    { 0xee, 0xee, kbd_echo, NULL },
    { 0xf0, 0xf0, NULL, kbd_scan_set },
    { 0xf2, 0xf2, kbd_identify, NULL },
    { 0xf3, 0xf3, NULL, kbd_typematic },
    { 0xf4, 0xf4, kbd_enable, NULL },
    { 0xf5, 0xf5, kbd_disable, NULL },
    { 0xf6, 0xf6, kbd_set_defaults, NULL },
    { 0xf7, 0xfa, kbd_ack, NULL },           /* set-3 "all keys" types */
    { 0xfb, 0xfd, NULL, kbd_key_type },
    { 0xfe, 0xfe, kbd_resend, NULL },
    { 0xff, 0xff, kbd_reset_cmd, NULL },
};

static const KbdCmd *kbd_find(uint8_t b)
{
    for (size_t i = 0; i < ARRAY_LEN(kbd_cmds); i++) {
        if (b >= kbd_cmds[i].first && b <= kbd_cmds[i].last) {
            return &kbd_cmds[i];
        }
    }
    return NULL;
}

void ps2_kbd_write(PS2Kbd *k, uint8_t byte)
{
    const KbdCmd *c = k->expect ? kbd_find(k->expect) : NULL;

    k->expect = 0;
    /* Parameters are below 0x80; a command byte instead aborts the one waiting. */
    if (c && c->param && byte < 0x80) {
        c->param(k, byte);
    } else if (!(c = kbd_find(byte))) {
        q_reply(&k->q, PS2_RESEND);
    } else if (c->param) {
        kbd_ack(k);
        k->expect = byte;
    } else {
        c->run(k);
    }
    notify(k->notify, k->opaque, &k->q);
}

void ps2_kbd_reset(PS2Kbd *k)
{
    k->q = (PS2Queue){ 0 };
    kbd_defaults(k);
    k->expect = 0;
    k->last = 0;
    k->enabled = true;
}

void ps2_kbd_init(PS2Kbd *k, PS2NotifyFn fn, void *opaque)
{
    *k = (PS2Kbd){ .notify = fn, .opaque = opaque };
    ps2_kbd_reset(k);
}

bool ps2_kbd_has_data(const PS2Kbd *k)
{
    return k->q.count != 0;
}

uint8_t ps2_kbd_read(PS2Kbd *k)
{
    if (k->q.count) {
        k->last = q_pop(&k->q);
    }
    return k->last;
}

/* Queues a whole key sequence, or the overrun code when it no longer fits. */
static void kbd_send(PS2Kbd *k, const uint8_t *seq, unsigned n)
{
    uint8_t out[8];
    unsigned len = 0;
    bool brk = false;

    for (unsigned i = 0; i < n; i++) {
        if (k->scan_set == 2) {
            out[len++] = seq[i];
        } else if (ps2_translate(&brk, seq[i], &out[len])) {
            len++;
        }
    }
    uint8_t overrun = k->scan_set == 1 ? 0xff : 0x00;
    unsigned room = q_room(&k->q);
    if (len < room) {
        for (unsigned i = 0; i < len; i++) {
            q_push(&k->q, out[i]);
        }
    } else if (room && (!k->q.count || k->q.data[k->q.count - 1] != overrun)) {
        q_push(&k->q, overrun);
    }
}

void ps2_kbd_key(PS2Kbd *k, unsigned keycode, bool down)
{
    static const uint8_t pause[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
    uint8_t seq[3];
    unsigned n = 0;

    if (!k->enabled) {
        return;
    }
    if (keycode == PS2_KEY_PAUSE) {
        if (down) {
            kbd_send(k, pause, sizeof(pause));
        }
    } else if (keycode <= 0xff || (keycode & ~0xffu) == PS2_KEY_E0) {
        if (keycode & PS2_KEY_E0) {
            seq[n++] = 0xe0;
        }
        if (!down) {
            seq[n++] = 0xf0;
        }
        seq[n++] = (uint8_t)keycode;
        kbd_send(k, seq, n);
    }
    notify(k->notify, k->opaque, &k->q);
}

/* ---- mouse ---- */

typedef struct MouseCmd {
    uint8_t cmd;
    void (*run)(PS2Mouse *m);
    void (*param)(PS2Mouse *m, uint8_t p);
    bool keeps_motion;       /* the command does not reset the movement counters */
} MouseCmd;

static int32_t clamp32(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* 2:1 scaling as the mouse applies it to each report. */
static int32_t mouse_scale(int32_t v)
{
    static const int8_t small[6] = { 0, 1, 1, 3, 6, 9 };
    int32_t a = v < 0 ? -v : v;
    int32_t s = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -s : s;
}

/* Takes up to one packet's worth from a counter; true when it held more than that. */
static bool mouse_take(int32_t *counter, bool scale2, int32_t *out)
{
    int32_t part = clamp32(*counter, -256, 255);
    int32_t v = scale2 ? mouse_scale(part) : part;
    bool overflow = part != *counter || v < -256 || v > 255;

    *counter -= part;
    *out = clamp32(v, -256, 255);
    return overflow;
}

/* The fourth byte: wheel (ID 3), or 4-bit wheel plus buttons 4 and 5 (ID 4). */
static uint8_t mouse_fourth(PS2Mouse *m)
{
    int32_t z = m->id == 3 ? clamp32(m->dz, -128, 127) : clamp32(m->dz, -8, 7);

    m->dz -= z;
    if (m->id == 3) {
        return (uint8_t)z;
    }
    return (uint8_t)((z & 0x0f) | ((m->buttons >> 3) & 3) << 4);
}

/* Builds one movement packet if the queue has room for it; as a reply for EB. */
static bool mouse_packet(PS2Mouse *m, bool reply)
{
    uint8_t p[4];
    unsigned len = m->id ? 4 : 3;
    int32_t x, y;

    if (q_room(&m->q) < len) {
        return false;
    }
    p[0] = 0x08 | (m->buttons & 7);
    p[0] |= mouse_take(&m->dx, m->scale2, &x) ? 0x40 : 0;
    p[0] |= mouse_take(&m->dy, m->scale2, &y) ? 0x80 : 0;
    p[0] |= (x < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0);
    p[1] = (uint8_t)x;
    p[2] = (uint8_t)y;
    if (len == 4) {
        p[3] = mouse_fourth(m);
    }
    m->changed = false;
    for (unsigned i = 0; i < len; i++) {
        if (reply) {
            q_reply(&m->q, p[i]);
        } else {
            q_push(&m->q, p[i]);
        }
    }
    return true;
}

static bool mouse_streaming(const PS2Mouse *m)
{
    return m->enabled && !m->remote && !m->wrap;
}

/* Stream mode: report pending movement while the queue has room. */
static void mouse_stream(PS2Mouse *m)
{
    if (!mouse_streaming(m)) {
        return;
    }
    while ((m->dx || m->dy || m->dz || m->changed) && mouse_packet(m, false)) {
    }
}

static void mouse_clear_motion(PS2Mouse *m)
{
    m->dx = m->dy = m->dz = 0;
    m->changed = false;
}

static void mouse_defaults(PS2Mouse *m)
{
    m->rate = MOUSE_RATE_DEFAULT;
    m->resolution = MOUSE_RES_DEFAULT;
    m->scale2 = false;
    m->remote = false;
    m->enabled = false;
}

static void mouse_ack(PS2Mouse *m)
{
    q_reply(&m->q, PS2_ACK);
}

static void mouse_scale11(PS2Mouse *m)
{
    mouse_ack(m);
    m->scale2 = false;
}

static void mouse_scale21(PS2Mouse *m)
{
    mouse_ack(m);
    m->scale2 = true;
}

/* E9: flags (remote, enabled, 2:1, left, middle, right), resolution, sample rate. */
static void mouse_status(PS2Mouse *m)
{
    uint8_t b = m->buttons;
    uint8_t flags = (uint8_t)((m->remote << 6) | (m->enabled << 5) | (m->scale2 << 4) |
                              (b & PS2_BUTTON_LEFT) << 2 | (b & PS2_BUTTON_MIDDLE) >> 1 |
                              (b & PS2_BUTTON_RIGHT) >> 1);
    uint8_t r[] = { PS2_ACK, flags, m->resolution, m->rate };
    q_replies(&m->q, r, sizeof(r));
}

static void mouse_set_stream(PS2Mouse *m)
{
    mouse_ack(m);
    m->remote = false;
}

static void mouse_read_data(PS2Mouse *m)
{
    mouse_ack(m);
    mouse_packet(m, true);
    mouse_clear_motion(m);
}

static void mouse_reset_wrap(PS2Mouse *m)
{
    mouse_ack(m);
    m->wrap = false;
}

static void mouse_set_wrap(PS2Mouse *m)
{
    mouse_ack(m);
    m->wrap = true;
}

static void mouse_set_remote(PS2Mouse *m)
{
    mouse_ack(m);
    m->remote = true;
}

static void mouse_identify(PS2Mouse *m)
{
    uint8_t r[] = { PS2_ACK, m->id };
    q_replies(&m->q, r, sizeof(r));
}

static void mouse_enable(PS2Mouse *m)
{
    mouse_ack(m);
    m->enabled = true;
}

static void mouse_disable(PS2Mouse *m)
{
    mouse_ack(m);
    m->enabled = false;
}

static void mouse_set_defaults(PS2Mouse *m)
{
    mouse_ack(m);
    mouse_defaults(m);
}

static void mouse_resend(PS2Mouse *m)
{
    q_reply(&m->q, m->last);
}

static void mouse_reset_cmd(PS2Mouse *m)
{
    static const uint8_t bat[] = { PS2_ACK, PS2_BAT_OK, 0x00 };
    mouse_defaults(m);
    m->id = 0;
    m->wrap = false;
    memset(m->rates, 0, sizeof(m->rates));
    q_replies(&m->q, bat, sizeof(bat));
}

static void mouse_resolution(PS2Mouse *m, uint8_t p)
{
    if (p > 3) {
        q_reply(&m->q, PS2_RESEND);
        return;
    }
    m->resolution = p;
    mouse_ack(m);
}

/* The knocks: rates 200, 100, 80 turn on the wheel; then 200, 200, 80 the extra buttons. */
static void mouse_knock(PS2Mouse *m)
{
    static const uint8_t wheel[3] = { 200, 100, 80 };
    static const uint8_t explorer[3] = { 200, 200, 80 };

    if (m->id == 0 && !memcmp(m->rates, wheel, 3)) {
        m->id = 3;
    } else if (m->id == 3 && !memcmp(m->rates, explorer, 3)) {
        m->id = 4;
    }
}

static void mouse_rate(PS2Mouse *m, uint8_t p)
{
    static const uint8_t valid[] = { 10, 20, 40, 60, 80, 100, 200 };

    if (!memchr(valid, p, sizeof(valid))) {
        q_reply(&m->q, PS2_RESEND);
        return;
    }
    m->rate = p;
    memmove(&m->rates[0], &m->rates[1], 2);
    m->rates[2] = p;
    mouse_knock(m);
    mouse_ack(m);
}

static const MouseCmd mouse_cmds[] = {
    { 0xe6, mouse_scale11, NULL, false },
    { 0xe7, mouse_scale21, NULL, false },
    { 0xe8, NULL, mouse_resolution, false },
    { 0xe9, mouse_status, NULL, true },
    { 0xea, mouse_set_stream, NULL, false },
    { 0xeb, mouse_read_data, NULL, true },
    { 0xec, mouse_reset_wrap, NULL, false },
    { 0xee, mouse_set_wrap, NULL, false },
    { 0xf0, mouse_set_remote, NULL, false },
    { 0xf2, mouse_identify, NULL, false },
    { 0xf3, NULL, mouse_rate, false },
    { 0xf4, mouse_enable, NULL, false },
    { 0xf5, mouse_disable, NULL, false },
    { 0xf6, mouse_set_defaults, NULL, false },
    { 0xfe, mouse_resend, NULL, true },
    { 0xff, mouse_reset_cmd, NULL, false },
};

static const MouseCmd *mouse_find(uint8_t b)
{
    for (size_t i = 0; i < ARRAY_LEN(mouse_cmds); i++) {
        if (mouse_cmds[i].cmd == b) {
            return &mouse_cmds[i];
        }
    }
    return NULL;
}

static void mouse_command(PS2Mouse *m, uint8_t byte)
{
    const MouseCmd *c = mouse_find(byte);

    if (!c) {
        q_reply(&m->q, PS2_RESEND);
        return;
    }
    if (byte != 0xfe) {
        q_drop_input(&m->q);    /* a command ends the packet being sent */
    }
    if (!c->keeps_motion) {
        mouse_clear_motion(m);
    }
    if (c->param) {
        mouse_ack(m);
        m->expect = byte;
    } else {
        c->run(m);
    }
}

void ps2_mouse_write(PS2Mouse *m, uint8_t byte)
{
    const MouseCmd *c;

    if (m->expect) {
        c = mouse_find(m->expect);
        m->expect = 0;
        if (c && c->param) {
            c->param(m, byte);
        }
    } else if (m->wrap && byte != 0xec && byte != 0xff) {
        q_reply(&m->q, byte);
    } else {
        mouse_command(m, byte);
    }
    notify(m->notify, m->opaque, &m->q);
}

void ps2_mouse_reset(PS2Mouse *m)
{
    m->q = (PS2Queue){ 0 };
    mouse_defaults(m);
    m->id = 0;
    m->wrap = false;
    m->expect = 0;
    m->last = 0;
    m->buttons = 0;
    memset(m->rates, 0, sizeof(m->rates));
    mouse_clear_motion(m);
}

void ps2_mouse_init(PS2Mouse *m, PS2NotifyFn fn, void *opaque)
{
    *m = (PS2Mouse){ .notify = fn, .opaque = opaque };
    ps2_mouse_reset(m);
}

bool ps2_mouse_has_data(const PS2Mouse *m)
{
    return m->q.count != 0;
}

uint8_t ps2_mouse_read(PS2Mouse *m)
{
    if (m->q.count) {
        m->last = q_pop(&m->q);
    }
    mouse_stream(m);
    return m->last;
}

void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    uint8_t visible = m->id == 4 ? 0x1f : 0x07;

    buttons &= 0x1f;
    if (m->wrap || (!m->remote && !m->enabled)) {
        m->buttons = (uint8_t)buttons;     /* nothing accumulates while not reporting */
        return;
    }
    m->dx = clamp32((int64_t)m->dx + dx, -MOUSE_COUNT_MAX, MOUSE_COUNT_MAX);
    m->dy = clamp32((int64_t)m->dy - dy, -MOUSE_COUNT_MAX, MOUSE_COUNT_MAX);
    if (m->id) {
        m->dz = clamp32((int64_t)m->dz + dz, -MOUSE_COUNT_MAX, MOUSE_COUNT_MAX);
    }
    if ((buttons ^ m->buttons) & visible) {
        m->changed = true;
    }
    m->buttons = (uint8_t)buttons;
    mouse_stream(m);
    notify(m->notify, m->opaque, &m->q);
}

/* ---- state tables ---- */

static const StateField ps2_queue_fields[] = {
    STATE_U8_ARRAY(PS2Queue, data),
    STATE_U8(PS2Queue, count),
    STATE_U8(PS2Queue, replies),
    STATE_END,
};
static const StateDesc ps2_queue_state_desc = {
    "ps2-queue", 1, ps2_queue_fields, sizeof(PS2Queue), NULL,
};

static void ps2_kbd_post_load(void *opaque)
{
    PS2Kbd *k = opaque;
    q_sanitize(&k->q);
    if (k->scan_set != 1) {
        k->scan_set = 2;
    }
}

static const StateField ps2_kbd_fields[] = {
    STATE_STRUCT(PS2Kbd, q, &ps2_queue_state_desc),
    STATE_U8(PS2Kbd, scan_set),
    STATE_U8(PS2Kbd, leds),
    STATE_U8(PS2Kbd, typematic),
    STATE_U8(PS2Kbd, expect),
    STATE_U8(PS2Kbd, last),
    STATE_BOOL(PS2Kbd, enabled),
    STATE_END,
};
const StateDesc ps2_kbd_state_desc = {
    "ps2-kbd", 1, ps2_kbd_fields, sizeof(PS2Kbd), ps2_kbd_post_load,
};

static void ps2_mouse_post_load(void *opaque)
{
    PS2Mouse *m = opaque;
    q_sanitize(&m->q);
}

static const StateField ps2_mouse_fields[] = {
    STATE_STRUCT(PS2Mouse, q, &ps2_queue_state_desc),
    STATE_U8(PS2Mouse, id),
    STATE_U8(PS2Mouse, rate),
    STATE_U8(PS2Mouse, resolution),
    STATE_U8_ARRAY(PS2Mouse, rates),
    STATE_U8(PS2Mouse, expect),
    STATE_U8(PS2Mouse, last),
    STATE_U8(PS2Mouse, buttons),
    STATE_BOOL(PS2Mouse, enabled),
    STATE_BOOL(PS2Mouse, remote),
    STATE_BOOL(PS2Mouse, wrap),
    STATE_BOOL(PS2Mouse, scale2),
    STATE_BOOL(PS2Mouse, changed),
    STATE_I32(PS2Mouse, dx),
    STATE_I32(PS2Mouse, dy),
    STATE_I32(PS2Mouse, dz),
    STATE_END,
};
const StateDesc ps2_mouse_state_desc = {
    "ps2-mouse", 1, ps2_mouse_fields, sizeof(PS2Mouse), ps2_mouse_post_load,
};
