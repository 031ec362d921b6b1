/*
 * Firmware boot: a raw ROM image at the reset vector (see vm/bios.h). The reset vector and
 * the CS base after reset: Intel SDM vol. 3A 9.1.4 "First Instruction Executed".
 */
#include "vm/bios.h"

#define FOUR_GIB (UINT64_C(1) << 32)
#define ONE_MIB (UINT64_C(1) << 20)

G_DEFINE_QUARK(wirt-bios-error-quark, bios_error)

GBytes *bios_open(const char *path, uint64_t ram_bytes, GError **err)
{
    g_autoptr(GError) e = NULL;
    gchar *data;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &e)) {
        g_set_error(err, BIOS_ERROR, BIOS_ERROR_SIZE, "%s", e->message);
        return NULL;
    }
    if (len == 0 || len % BIOS_SIZE_UNIT || len > BIOS_SIZE_MAX) {
        g_set_error(err, BIOS_ERROR, BIOS_ERROR_SIZE, "%s: a firmware image of %" G_GSIZE_FORMAT
                    " bytes: it must be a multiple of 64 KiB, from 64 KiB to 16 MiB",
                    path, len);
        g_free(data);
        return NULL;
    }
    if (ram_bytes < ONE_MIB || ram_bytes > FOUR_GIB - len) {
        g_set_error(err, BIOS_ERROR, BIOS_ERROR_SIZE, "%s: firmware boot needs at least "
                    "1 MiB of RAM, and RAM below the image at 4 GiB - %" G_GSIZE_FORMAT
                    " KiB", path, len >> 10);
        g_free(data);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

bool bios_map(GBytes *image, PhysMem *pm, GError **err)
{
    gsize len;
    const uint8_t *data = g_bytes_get_data(image, &len);
    char *why = NULL;

    if (!physmem_add_rom(pm, "bios", FOUR_GIB - len, data, len, &why)) {
        g_set_error(err, BIOS_ERROR, BIOS_ERROR_SIZE, "%s", why);
        g_free(why);
        return false;
    }
    return true;
}

void bios_load_low(GBytes *image, PhysMem *pm)
{
    gsize len;
    const uint8_t *data = g_bytes_get_data(image, &len);
    gsize low = MIN(len, (gsize)BIOS_LOW_MAX);

    physmem_load(pm, ONE_MIB - low, data + len - low, low);
}
