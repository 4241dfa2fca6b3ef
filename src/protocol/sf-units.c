/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-units"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-protocol-error.h"
#include "sf-units.h"

/* "address" -> "Address", for messages that start with @what. */
static char *
capitalise (const char *what)
{
  char *s = g_strdup (what != NULL && *what != '\0' ? what : _("number"));

  s[0] = g_ascii_toupper (s[0]);
  return s;
}

static void
set_not_a_number_error (GError     **error,
                        const char  *what,
                        const char  *text)
{
  g_autofree char *subject = capitalise (what);

  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
               _("%s \"%s\" is not a number: use hex (0x10000), decimal (65536) or a K/M suffix (64K)"),
               subject, text);
}

/* Parses digits in @base from *@p, advancing it. FALSE when there are none
 * or the value grows past G_MAXUINT32 (*@out_overflow is then set). */
static gboolean
parse_digits (const char **p,
              guint        base,
              guint64     *out_value,
              gboolean    *out_overflow)
{
  guint64 value = 0;
  guint n_digits = 0;

  *out_overflow = FALSE;
  for (; **p != '\0'; (*p)++)
    {
      int digit = base == 16 ? g_ascii_xdigit_value (**p) : g_ascii_digit_value (**p);

      if (digit < 0)
        break;
      value = value * base + (guint) digit;
      /* Keep scanning so that junk after a huge number is still reported as
       * junk, but clamp to avoid wrapping around. */
      if (value > G_MAXUINT32)
        {
          *out_overflow = TRUE;
          value = (guint64) G_MAXUINT32 + 1;
        }
      n_digits++;
    }

  *out_value = value;
  return n_digits > 0;
}

gboolean
sf_parse_number (const char  *text,
                 const char  *what,
                 guint32     *out_value,
                 GError     **error)
{
  g_autofree char *stripped = NULL;
  const char *p;
  guint64 value;
  guint64 multiplier = 1;
  gboolean overflow;

  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Surrounding blanks come from pasting into an entry; blanks inside are
   * an error below. */
  stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  p = stripped;

  if (*p == '\0')
    {
      g_autofree char *subject = capitalise (what);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("%s is empty: use hex (0x10000), decimal (65536) or a K/M suffix (64K)"),
                   subject);
      return FALSE;
    }

  if (*p == '-')
    {
      g_autofree char *subject = capitalise (what);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("%s \"%s\" is negative"), subject, stripped);
      return FALSE;
    }

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      p += 2;
      if (!parse_digits (&p, 16, &value, &overflow))
        {
          set_not_a_number_error (error, what, stripped);
          return FALSE;
        }
    }
  else if (!parse_digits (&p, 10, &value, &overflow))
    {
      set_not_a_number_error (error, what, stripped);
      return FALSE;
    }

  /* Optional K or M (kibi/mebi, as esptool's documentation uses them),
   * optionally followed by B. */
  if (*p == 'k' || *p == 'K')
    {
      multiplier = 1024;
      p++;
    }
  else if (*p == 'm' || *p == 'M')
    {
      multiplier = 1024 * 1024;
      p++;
    }
  if (multiplier != 1 && (*p == 'b' || *p == 'B'))
    p++;

  if (*p != '\0')
    {
      set_not_a_number_error (error, what, stripped);
      return FALSE;
    }

  if (overflow || value * multiplier > G_MAXUINT32)
    {
      g_autofree char *subject = capitalise (what);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("%s \"%s\" is too large: the largest is 0xFFFFFFFF"),
                   subject, stripped);
      return FALSE;
    }

  *out_value = (guint32) (value * multiplier);
  return TRUE;
}

/* esptool's --flash_size names, without the ESP8266-only "-c1" layouts
 * (those are accepted as a suffix and mean the same number of bytes). */
static const struct
{
  const char *name;
  guint32     bytes;
} flash_sizes[] = {
  { "256KB", 256 * 1024 },
  { "512KB", 512 * 1024 },
  { "1MB", 1 * 1024 * 1024 },
  { "2MB", 2 * 1024 * 1024 },
  { "4MB", 4 * 1024 * 1024 },
  { "8MB", 8 * 1024 * 1024 },
  { "16MB", 16 * 1024 * 1024 },
  { "32MB", 32 * 1024 * 1024 },
  { "64MB", 64 * 1024 * 1024 },
  { "128MB", 128 * 1024 * 1024 },
};

gboolean
sf_parse_flash_size (const char  *text,
                     guint32     *out_bytes,
                     GError     **error)
{
  g_autofree char *name = NULL;
  gsize len;

  g_return_val_if_fail (out_bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = g_ascii_strup (text != NULL ? text : "", -1);
  len = strlen (name);

  /* "2MB-c1" and "4MB-c1" are ESP8266 layouts of the same size. */
  if (len > 3 && g_str_has_suffix (name, "-C1"))
    {
      name[len - 3] = '\0';
      len -= 3;
      if (!g_str_equal (name, "2MB") && !g_str_equal (name, "4MB"))
        goto fail;
    }

  /* "4M" is accepted for "4MB". */
  if (len > 1 && (name[len - 1] == 'M' || name[len - 1] == 'K'))
    {
      char *with_b = g_strconcat (name, "B", NULL);

      g_free (name);
      name = with_b;
    }

  for (guint i = 0; i < G_N_ELEMENTS (flash_sizes); i++)
    if (g_str_equal (name, flash_sizes[i].name))
      {
        *out_bytes = flash_sizes[i].bytes;
        return TRUE;
      }

fail:
  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
               _("Flash size \"%s\" is not one of 256KB, 512KB, 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB, 128MB"),
               text != NULL ? text : "");
  return FALSE;
}

char *
sf_format_size (guint64 bytes)
{
  /* Translators: units of 1024 bytes, 1024² bytes, ... */
  static const char *units[] = { N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"), N_("PiB"), N_("EiB") };
  guint unit = 0;
  guint shift = 10;
  guint64 tenths;

  if (bytes == 1)
    return g_strdup (_("1 byte"));
  if (bytes < 1024)
    return g_strdup_printf (_("%u bytes"), (guint) bytes);

  for (;;)
    {
      guint64 whole = bytes >> shift;
      guint64 rest = bytes & ((G_GUINT64_CONSTANT (1) << shift) - 1);

      /* Rounded to tenths; rest * 10 cannot overflow as shift <= 60. */
      tenths = whole * 10 + (rest * 10 + (G_GUINT64_CONSTANT (1) << (shift - 1))) / (G_GUINT64_CONSTANT (1) << shift);
      /* Move up while the value would print as 1024 or more. */
      if (tenths < 10240 || unit + 1 == G_N_ELEMENTS (units))
        break;
      unit++;
      shift += 10;
    }

  if (tenths % 10 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", tenths / 10, _(units[unit]));
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%u %s", tenths / 10, (guint) (tenths % 10),
                          _(units[unit]));
}

char *
sf_format_mac (const guint8 mac[6])
{
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                          mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
