/*
 * `wirt snapshot`: look inside snapshot files (vm/snapshot.h, docs/snapshot-format.md).
 *   wirt snapshot info FILE [--fields]   the sections, their sizes, optionally every field
 *   wirt snapshot diff A B               every field and RAM page that differs; exit 1 if any
 */
#include <stdio.h>
#include <string.h>

#include "frontends/cli.h"
#include "vm/snapshot.h"

#define DIFF_PAGES_SHOWN 8

static void print_field(void *ctx, const char *path, StateType type, const uint8_t *bytes,
                        size_t len)
{
    char value[STATE_VALUE_TEXT];

    state_format_value(type, bytes, len, value, sizeof(value));
    printf("  %s.%s = %s\n", (const char *)ctx, path, value);
}

typedef struct Info {
    bool fields;
} Info;

static void info_section(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    const Info *info = ctx;
    const StateDesc *sd = snapshot_section_desc(name);
    size_t nonzero = 0;

    if (!sd) {
        for (size_t p = 0; p + PAGE_SIZE <= len; p += PAGE_SIZE) {
            static const uint8_t zero[PAGE_SIZE];
            nonzero += memcmp(data + p, zero, PAGE_SIZE) != 0;
        }
        printf("%-10s %" G_GSIZE_FORMAT " bytes of RAM, %" G_GSIZE_FORMAT " pages in use\n",
               name, len, nonzero);
        return;
    }
    printf("%-10s %" G_GSIZE_FORMAT " bytes (%s version %u)\n", name, len, sd->name,
           sd->version);
    if (info->fields) {
        state_visit_image(sd, data, len, print_field, (void *)name);
    }
}

/* --- diff --- */

typedef struct Diff {
    GHashTable *a;          /* section name -> GBytes, from the first file */
    const char *section;
    unsigned differences;
} Diff;

static void keep_section(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    g_hash_table_insert(ctx, g_strdup(name), g_bytes_new(data, len));
}

static void diff_field(void *ctx, const char *path, StateType type, const uint8_t *a,
                       const uint8_t *b, size_t len)
{
    char va[STATE_VALUE_TEXT], vb[STATE_VALUE_TEXT];

    state_format_value(type, a, len, va, sizeof(va));
    state_format_value(type, b, len, vb, sizeof(vb));
    printf("%s.%s: %s vs %s\n", ((Diff *)ctx)->section, path, va, vb);
}

static void diff_ram(Diff *d, const char *name, const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t pages = 0;

    for (size_t p = 0; p < len; p += PAGE_SIZE) {
        if (memcmp(a + p, b + p, MIN((size_t)PAGE_SIZE, len - p))) {
            if (pages < DIFF_PAGES_SHOWN) {
                printf("%s: page 0x%" G_GSIZE_MODIFIER "x differs\n", name, p);
            }
            pages++;
        }
    }
    if (pages > DIFF_PAGES_SHOWN) {
        printf("%s: %" G_GSIZE_FORMAT " pages differ in all\n", name, pages);
    }
    d->differences += (unsigned)MIN(pages, (size_t)G_MAXUINT);
}

static void diff_section(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    Diff *d = ctx;
    GBytes *mine = g_hash_table_lookup(d->a, name);
    gsize alen;
    const uint8_t *adata = mine ? g_bytes_get_data(mine, &alen) : NULL;
    const StateDesc *sd = snapshot_section_desc(name);

    if (!mine || alen != len) {
        printf("%s: %s\n", name, mine ? "of another size" : "only in the second file");
        d->differences++;
    } else if (sd) {
        d->section = name;
        d->differences += state_diff_images(sd, adata, data, len, diff_field, d);
    } else {
        diff_ram(d, name, adata, data, len);
    }
    g_hash_table_remove(d->a, name);
}

static int snapshot_diff(const char *a, const char *b)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify)g_bytes_unref);
    Diff d = { .a = sections };
    GHashTableIter it;
    gpointer name;

    if (!snapshot_walk(a, keep_section, sections, &err) ||
        !snapshot_walk(b, diff_section, &d, &err)) {
        cli_error("snapshot diff: %s", err->message);
        return CLI_EXIT_USAGE;
    }
    g_hash_table_iter_init(&it, sections);
    while (g_hash_table_iter_next(&it, &name, NULL)) {
        printf("%s: only in the first file\n", (const char *)name);
        d.differences++;
    }
    if (d.differences) {
        printf("%u differences\n", d.differences);
    }
    return d.differences ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

int cmd_snapshot(int argc, char **argv)
{
    gboolean fields = FALSE;
    const GOptionEntry entries[] = {
        { "fields", 0, 0, G_OPTION_ARG_NONE, &fields, "info: print every field's value", NULL },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    Info info;

    if (!cli_parse("snapshot", "info FILE | diff FILE1 FILE2",
                   "Show a snapshot's sections, or the fields two snapshots differ in.",
                   entries, &argc, &argv)) {
        return CLI_EXIT_USAGE;
    }
    if (argc == 3 && !strcmp(argv[1], "info")) {
        info.fields = fields;
        if (!snapshot_walk(argv[2], info_section, &info, &err)) {
            cli_error("snapshot info: %s", err->message);
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_OK;
    }
    if (argc == 4 && !strcmp(argv[1], "diff")) {
        return snapshot_diff(argv[2], argv[3]);
    }
    cli_error("snapshot: expected 'info FILE' or 'diff FILE1 FILE2' (try 'wirt snapshot "
              "--help')");
    return CLI_EXIT_USAGE;
}
