/*
 * Capstone wiring: known byte strings disassemble to the expected text and length in 16-,
 * 32- and 64-bit code.
 */
#include <glib.h>

#include "cpu/disas.h"

typedef struct DisasCase {
    int bits;
    const char *bytes; /* hex */
    size_t len;
    const char *text;
} DisasCase;

static const DisasCase cases[] = {
    { 16, "b80012", 3, "mov ax, 0x1200" },
    { 16, "cd10", 2, "int 0x10" },
    { 16, "66b878563412", 6, "mov eax, 0x12345678" },
    { 16, "ea00007cf0", 5, "ljmp 0xf07c:0" }, /* jmp far ptr16:16 */
    { 32, "b878563412", 5, "mov eax, 0x12345678" },
    { 32, "0f22c0", 3, "mov cr0, eax" },
    { 32, "8b448b04", 4, "mov eax, dword ptr [ebx + ecx*4 + 4]" },
    { 32, "f4", 1, "hlt" },
    { 64, "48b88877665544332211", 10, "movabs rax, 0x1122334455667788" },
    { 64, "4889e5", 3, "mov rbp, rsp" },
};

static void test_known(gconstpointer data)
{
    const DisasCase *c = data;
    Disas d;
    uint8_t code[16];
    char text[128];
    size_t n = strlen(c->bytes) / 2;

    for (size_t i = 0; i < n; i++) {
        code[i] = (uint8_t)g_ascii_strtoull((char[]){ c->bytes[2 * i], c->bytes[2 * i + 1], 0 },
                                            NULL, 16);
    }
    g_assert_true(disas_init(&d));
    g_assert_cmpuint(disas_one(&d, c->bits, 0, code, n, text, sizeof(text)), ==, c->len);
    g_assert_cmpstr(text, ==, c->text);
    disas_fini(&d);
}

static void test_invalid(void)
{
    static const uint8_t ud[] = { 0xb8, 0x00 }; /* mov eax, imm32 cut short */
    Disas d;
    char text[64];

    g_assert_true(disas_init(&d));
    g_assert_cmpuint(disas_one(&d, 32, 0, ud, sizeof(ud), text, sizeof(text)), ==, 0);
    g_assert_cmpstr(text, ==, "(bad)");
    g_assert_cmpuint(disas_one(&d, 8, 0, ud, sizeof(ud), text, sizeof(text)), ==, 0);
    disas_fini(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("/disas/%d/%s", cases[i].bits, cases[i].bytes);
        g_test_add_data_func(name, &cases[i], test_known);
    }
    g_test_add_func("/disas/invalid", test_invalid);
    return g_test_run();
}
