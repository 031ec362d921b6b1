/*
 * The framed key-file header of wirt's snapshots and replay logs (vm/keyhdr.h).
 */
#include "vm/keyhdr.h"

#include <string.h>
#include <zlib.h>

#include "base/bytes.h"

uint32_t keyhdr_crc(const uint8_t *p, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);

    while (len) {
        uInt n = (uInt)MIN(len, (size_t)1 << 30);
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

static void append_u32(GByteArray *out, uint32_t v)
{
    uint8_t b[4];
    st32_le(b, v);
    g_byte_array_append(out, b, 4);
}

void keyhdr_append(GByteArray *out, const char *magic, uint32_t format, const char *text,
                   size_t len)
{
    guint from = out->len + KEYHDR_MAGIC_LEN;

    g_byte_array_append(out, (const guint8 *)magic, KEYHDR_MAGIC_LEN);
    append_u32(out, format);
    append_u32(out, (uint32_t)len);
    g_byte_array_append(out, (const guint8 *)text, (guint)len);
    append_u32(out, keyhdr_crc(out->data + from, out->len - from));
}

KeyHdrStatus keyhdr_parse(const uint8_t *data, size_t len, const char *magic,
                          uint32_t *format, GKeyFile **keys, size_t *pos)
{
    uint32_t tlen;
    GKeyFile *k;

    *keys = NULL;
    if (len < KEYHDR_MAGIC_LEN + 8 || memcmp(data, magic, KEYHDR_MAGIC_LEN)) {
        return KEYHDR_NOT_OURS;
    }
    *format = ld32_le(data + 8);
    tlen = ld32_le(data + 12);
    if (tlen > len - 16 || len - 16 - tlen < 4) {
        return KEYHDR_TRUNCATED;
    }
    if (keyhdr_crc(data + 8, 8 + (size_t)tlen) != ld32_le(data + 16 + tlen)) {
        return KEYHDR_CORRUPT;
    }
    k = g_key_file_new();
    if (!g_key_file_load_from_data(k, (const gchar *)data + 16, tlen, G_KEY_FILE_NONE, NULL)) {
        g_key_file_free(k);
        return KEYHDR_UNREADABLE;
    }
    *keys = k;
    *pos = 16 + (size_t)tlen + 4;
    return KEYHDR_OK;
}
