/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Addresses, sizes and flash sizes as typed on the command line or into
 * the window: esptool's spellings ("0x1000", "65536", "64K", "4MB",
 * "2MB-c1") and anything else.
 *
 * Input: one byte for the subject the message names, then the text (up to
 * its first NUL, as it would come from argv or an entry). The first eight
 * bytes also make a 64-bit size to format and the first six a MAC. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

/* The same rules written the obvious way: blanks around, 0x and hex or
 * decimal digits, then K or M and an optional B. FALSE for anything else
 * and for values past 32 bits. */
static gboolean
reference_parse (const char *text,
                 guint32    *out_value)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  const char *p = s;
  guint base = 10;
  guint64 value = 0, multiplier = 1;
  gboolean digits = FALSE;

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      base = 16;
      p += 2;
    }
  for (; *p != '\0'; p++)
    {
      int digit = base == 16 ? g_ascii_xdigit_value (*p) : g_ascii_digit_value (*p);

      if (digit < 0)
        break;
      digits = TRUE;
      if (value <= G_MAXUINT32)
        value = value * base + (guint64) digit;
    }
  if (!digits)
    return FALSE;
  if (g_ascii_tolower (*p) == 'k')
    multiplier = 1024;
  else if (g_ascii_tolower (*p) == 'm')
    multiplier = 1024 * 1024;
  if (multiplier != 1)
    {
      p++;
      if (g_ascii_tolower (*p) == 'b')
        p++;
    }
  if (*p != '\0' || value > G_MAXUINT32 || value * multiplier > G_MAXUINT32)
    return FALSE;
  *out_value = (guint32) (value * multiplier);
  return TRUE;
}

static void
assert_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == SF_PROTOCOL_ERROR);
  g_assert_cmpint (error->code, ==, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
}

static void
check_number (const char *text,
              const char *what)
{
  g_autoptr(GError) error = NULL;
  guint32 value = 0xDEADBEEF, expected = 0;
  gboolean parsed = sf_parse_number (text, what, &value, &error);

  g_assert_cmpint (parsed, ==, reference_parse (text, &expected));
  if (!parsed)
    {
      assert_error (error);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (value, ==, expected);

  /* The value, written back in each form the parser takes, reads the same. */
  {
    g_autofree char *hex = g_strdup_printf ("0x%x", value);
    g_autofree char *decimal = g_strdup_printf (" %u\t", value);
    guint32 again;

    g_assert_true (sf_parse_number (hex, what, &again, NULL));
    g_assert_cmpuint (again, ==, value);
    g_assert_true (sf_parse_number (decimal, what, &again, NULL));
    g_assert_cmpuint (again, ==, value);
    if (value % (1024 * 1024) == 0)
      {
        g_autofree char *mega = g_strdup_printf ("%uMB", value / (1024 * 1024));

        g_assert_true (sf_parse_number (mega, what, &again, NULL));
        g_assert_cmpuint (again, ==, value);
      }
  }
}

static void
check_flash_size (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *upper = g_ascii_strup (text, -1);
  g_autofree char *lower = g_ascii_strdown (text, -1);
  guint32 bytes = 0, again = 0;

  if (!sf_parse_flash_size (text, &bytes, &error))
    {
      assert_error (error);
      g_assert_false (sf_parse_flash_size (upper, &again, NULL));
      return;
    }
  g_assert_no_error (error);
  /* esptool's sizes: powers of two from 256 KB to 128 MB. */
  g_assert_cmpuint (bytes, >=, 256 * 1024);
  g_assert_cmpuint (bytes, <=, 128 * 1024 * 1024);
  g_assert_cmpuint (bytes & (bytes - 1), ==, 0);
  /* Names are matched without regard to case. */
  g_assert_true (sf_parse_flash_size (upper, &again, NULL));
  g_assert_cmpuint (again, ==, bytes);
  g_assert_true (sf_parse_flash_size (lower, &again, NULL));
  g_assert_cmpuint (again, ==, bytes);
  /* A flash size is a size, too. */
  if (!g_str_has_suffix (upper, "-C1"))
    {
      g_assert_true (sf_parse_number (text, "size", &again, NULL));
      g_assert_cmpuint (again, ==, bytes);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *const subjects[] = { "address", "size", "", NULL, "offset" };
  FuzzInput in = { data, size };
  const char *what = subjects[fuzz_input_byte (&in) % G_N_ELEMENTS (subjects)];
  g_autofree char *text = g_strndup ((const char *) in.data, in.size);
  g_autofree char *formatted = NULL;
  g_autofree char *mac_text = NULL;
  guint8 raw[8] = { 0 };
  guint64 bytes;

  check_number (text, what);
  check_flash_size (text);
  /* NULL reads as empty text. */
  if (*text == '\0')
    {
      guint32 value;

      g_assert_false (sf_parse_number (NULL, what, &value, NULL));
      g_assert_false (sf_parse_flash_size (NULL, &value, NULL));
    }

  memcpy (raw, data, MIN (size, sizeof raw));
  memcpy (&bytes, raw, sizeof bytes);
  bytes = GUINT64_FROM_LE (bytes);
  formatted = sf_format_size (bytes);
  g_assert_nonnull (formatted);
  g_assert_cmpuint (strlen (formatted), >, 0);
  g_assert_true (g_utf8_validate (formatted, -1, NULL));

  mac_text = sf_format_mac (raw);
  g_assert_cmpuint (strlen (mac_text), ==, 17);
  return 0;
}
