/*
 * The header shared by wirt's own files (snapshots, docs/snapshot-format.md; replay logs,
 * docs/replay-format.md): 8 bytes of magic, a u32 format version, a u32 length L, L bytes
 * of GLib key-file text, and a u32 CRC-32 (zlib) of the 8 + L bytes from the version on.
 * Integers little-endian. Each file type says in its own words what a bad header means.
 */
#ifndef WIRT_VM_KEYHDR_H
#define WIRT_VM_KEYHDR_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef enum KeyHdrStatus {
    KEYHDR_OK,
    KEYHDR_NOT_OURS,        /* shorter than a header, or another magic */
    KEYHDR_TRUNCATED,       /* the text or its checksum runs past the end */
    KEYHDR_CORRUPT,         /* the checksum does not match */
    KEYHDR_UNREADABLE,      /* the text is not a key file */
} KeyHdrStatus;

#define KEYHDR_MAGIC_LEN 8

/* Appends the header for MAGIC, FORMAT and the key-file TEXT of LEN bytes to OUT. */
void keyhdr_append(GByteArray *out, const char *magic, uint32_t format, const char *text,
                   size_t len);
/*
 * Reads the header at the start of DATA (LEN bytes): *FORMAT is its version (set once the
 * magic matched, so a caller can refuse a format before the rest is trusted), *KEYS the
 * parsed text (the caller frees it) and *POS the offset just past the header.
 */
KeyHdrStatus keyhdr_parse(const uint8_t *data, size_t len, const char *magic,
                          uint32_t *format, GKeyFile **keys, size_t *pos);
/* zlib's CRC-32 of any length (zlib takes at most 4 GiB per call). */
uint32_t keyhdr_crc(const uint8_t *p, size_t len);

#endif
