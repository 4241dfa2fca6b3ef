/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-flasher.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

static void
test_parse_number_good (void)
{
  const struct
  {
    const char *text;
    guint32     value;
  } cases[] = {
    { "0x10000", 0x10000 },
    { "0X10000", 0x10000 },
    { "0x1000", 0x1000 },
    { "0xabcDEF", 0xABCDEF },
    { "0x0", 0 },
    { "0", 0 },
    { "65536", 65536 },
    { "0010", 10 },
    { "64K", 64 * 1024 },
    { "64k", 64 * 1024 },
    { "64KB", 64 * 1024 },
    { "1M", 1024 * 1024 },
    { "1m", 1024 * 1024 },
    { "4MB", 4 * 1024 * 1024 },
    { "0x400K", 0x400 * 1024 },
    { "0x10M", 0x10 * 1024 * 1024 },
    { "4095M", 4095u * 1024 * 1024 },
    { "4194303K", 4194303u * 1024 },
    { "0xFFFFFFFF", 0xFFFFFFFF },
    { "4294967295", 0xFFFFFFFF },
    { "0x00000000FFFFFFFF", 0xFFFFFFFF },
    { " 0x8000 ", 0x8000 },
    { "\t4096\n", 4096 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint32 value = 0xDEADBEEF;

      g_test_message ("%s", cases[i].text);
      g_assert_true (sf_parse_number (cases[i].text, "address", &value, &error));
      g_assert_no_error (error);
      g_assert_cmphex (value, ==, cases[i].value);
    }
}

static void
test_parse_number_bad (void)
{
  const struct
  {
    const char *text;
    const char *what;
    const char *message;
  } cases[] = {
    { "0x10zz", "address",
      "Address \"0x10zz\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "", "address",
      "Address is empty: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "   ", "size",
      "Size is empty: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { NULL, "size",
      "Size is empty: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "0x 10", "address",
      "Address \"0x 10\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "64 K", "size",
      "Size \"64 K\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "0x", "address",
      "Address \"0x\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "K", "size",
      "Size \"K\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "10a", "size",
      "Size \"10a\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "64KK", "size",
      "Size \"64KK\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "64B", "size",
      "Size \"64B\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "1G", "size",
      "Size \"1G\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "+5", "size",
      "Size \"+5\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "1.5M", "size",
      "Size \"1.5M\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "99999999999999999999999zz", "size",
      "Size \"99999999999999999999999zz\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
    { "-1", "address", "Address \"-1\" is negative" },
    { "-0x10", "offset", "Offset \"-0x10\" is negative" },
    { "0x100000000", "address", "Address \"0x100000000\" is too large: the largest is 0xFFFFFFFF" },
    { "4294967296", "address", "Address \"4294967296\" is too large: the largest is 0xFFFFFFFF" },
    { "4096M", "size", "Size \"4096M\" is too large: the largest is 0xFFFFFFFF" },
    { "4194304K", "size", "Size \"4194304K\" is too large: the largest is 0xFFFFFFFF" },
    { "99999999999999999999999", "size",
      "Size \"99999999999999999999999\" is too large: the largest is 0xFFFFFFFF" },
    { "12", "", NULL },
    { "x", NULL,
      "Number \"x\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint32 value = 0xDEADBEEF;
      gboolean ok;

      g_test_message ("%s", cases[i].text ? cases[i].text : "(null)");
      ok = sf_parse_number (cases[i].text, cases[i].what, &value, &error);
      if (cases[i].message == NULL)
        {
          /* An empty @what still works. */
          g_assert_true (ok);
          g_assert_cmpuint (value, ==, 12);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_cmphex (value, ==, 0xDEADBEEF);
    }
}

static void
test_parse_flash_size (void)
{
  const struct
  {
    const char *text;
    guint32     bytes;
  } good[] = {
    { "256KB", 256 * 1024 },
    { "512KB", 512 * 1024 },
    { "512K", 512 * 1024 },
    { "512kb", 512 * 1024 },
    { "1MB", 1024 * 1024 },
    { "2MB", 2 * 1024 * 1024 },
    { "2MB-c1", 2 * 1024 * 1024 },
    { "4M", 4 * 1024 * 1024 },
    { "4mb", 4 * 1024 * 1024 },
    { "4MB-C1", 4 * 1024 * 1024 },
    { "4MB", 4 * 1024 * 1024 },
    { "8MB", 8 * 1024 * 1024 },
    { "16MB", 16 * 1024 * 1024 },
    { "32MB", 32 * 1024 * 1024 },
    { "64MB", 64 * 1024 * 1024 },
    { "128MB", 128 * 1024 * 1024 },
  };
  const char *bad[] = { "", "3MB", "4", "MB", "256MB", "8MB-c1", "-c1", "4MBB", "4 MB", "detect", "keep", "1024KB" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      guint32 bytes = 0;

      g_test_message ("%s", good[i].text);
      g_assert_true (sf_parse_flash_size (good[i].text, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmphex (bytes, ==, good[i].bytes);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = NULL;
      guint32 bytes = 0xDEADBEEF;

      g_test_message ("%s", bad[i]);
      g_assert_false (sf_parse_flash_size (bad[i], &bytes, &error));
      g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
      expected = g_strdup_printf ("Flash size \"%s\" is not one of 256KB, 512KB, 1MB, 2MB, 4MB, 8MB, "
                                  "16MB, 32MB, 64MB, 128MB", bad[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmphex (bytes, ==, 0xDEADBEEF);
    }
}

static void
test_format_size (void)
{
  const struct
  {
    guint64     bytes;
    const char *text;
  } cases[] = {
    { 0, "0 bytes" },
    { 1, "1 byte" },
    { 2, "2 bytes" },
    { 100, "100 bytes" },
    { 1023, "1023 bytes" },
    { 1024, "1 KiB" },
    { 1536, "1.5 KiB" },
    { 1025, "1 KiB" },
    { 4096, "4 KiB" },
    { 0x6000, "24 KiB" },
    { 0x10000, "64 KiB" },
    { 0xFFFFF, "1 MiB" },
    { 0x100000, "1 MiB" },
    { 0x180000, "1.5 MiB" },
    { 0x1A0000, "1.6 MiB" },
    { 0x400000, "4 MiB" },
    { 0xFFFFFFFF, "4 GiB" },
    { G_GUINT64_CONSTANT (0x100000000), "4 GiB" },
    { G_GUINT64_CONSTANT (0x180000000), "6 GiB" },
    { G_MAXUINT64, "16 EiB" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sf_format_size (cases[i].bytes);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* The one set of lines the log, the CLI and the window describe a chip with. */
static void
test_describe_chip (void)
{
  SfChipDetails details = {
    .chip = SF_CHIP_ESP32,
    .description = (char *) "ESP32-D0WD-V3 (revision v3.0)",
    .features = (char *) "Wi-Fi, BT, Dual Core",
    .crystal_mhz = 40,
    .mac = { 0x24, 0x0a, 0xc4, 0x01, 0xab, 0xff },
  };
  g_auto(GStrv) lines = sf_chip_details_describe (&details);

  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, "Chip is ESP32-D0WD-V3 (revision v3.0)");
  g_assert_cmpstr (lines[1], ==, "Features: Wi-Fi, BT, Dual Core");
  g_assert_cmpstr (lines[2], ==, "Crystal is 40MHz");
  g_assert_cmpstr (lines[3], ==, "MAC: 24:0a:c4:01:ab:ff");

  /* What is not known is left out rather than printed empty. */
  details.features = NULL;
  details.crystal_mhz = 0;
  g_clear_pointer (&lines, g_strfreev);
  lines = sf_chip_details_describe (&details);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[1], ==, "MAC: 24:0a:c4:01:ab:ff");
}

/* The rule for a span to read or erase, as the CLI and the window check it. */
static void
test_check_span (void)
{
  const guint32 MiB = 1024 * 1024;
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_flasher_check_span (0x3FF000, 0x1000, 4 * MiB, TRUE, NULL));
  g_assert_true (sf_flasher_check_span (0x10001, 3, 0, FALSE, NULL));
  g_assert_true (sf_flasher_check_span (0xFFFFF000, 0x1000, 0, TRUE, NULL));

  g_assert_false (sf_flasher_check_span (0, 0, 0, FALSE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (sf_flasher_check_span (0x10001, 0x1000, 0, TRUE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0x00010001"));
  g_clear_error (&error);

  g_assert_false (sf_flasher_check_span (0x10000, 100, 0, TRUE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0x64"));
  g_clear_error (&error);

  g_assert_false (sf_flasher_check_span (4 * MiB, 0x1000, 4 * MiB, TRUE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE);
  g_clear_error (&error);

  g_assert_false (sf_flasher_check_span (0x3FF000, 0x2000, 4 * MiB, FALSE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "past the end"));
  g_clear_error (&error);

  /* Past 4 GiB is past any flash, known or not. */
  g_assert_false (sf_flasher_check_span (0xFFFFF000, 0x2000, 0, FALSE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/units/parse-number/good", test_parse_number_good);
  g_test_add_func ("/protocol/units/parse-number/bad", test_parse_number_bad);
  g_test_add_func ("/protocol/units/parse-flash-size", test_parse_flash_size);
  g_test_add_func ("/protocol/units/format-size", test_format_size);
  g_test_add_func ("/protocol/units/describe-chip", test_describe_chip);
  g_test_add_func ("/protocol/units/check-span", test_check_span);

  return g_test_run ();
}
