/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-partition-table"

/* The CSV form of a partition table, read by the rules of ESP-IDF's
 * gen_esp32part.py, so that a partitions.csv that builds there gives the
 * same offsets here:
 *
 * - one partition a line: name, type, subtype, offset, size, flags;
 *   fields are trimmed, missing trailing fields are empty; blank lines and
 *   lines starting with '#' are skipped;
 * - type: "app", "data" or a number; subtype: a name of that type or a
 *   number; an empty subtype is "undefined" for data and an error for apps;
 * - numbers in decimal or 0x hex, with an optional K or M suffix;
 * - an empty offset follows the previous partition's end (the first one
 *   the table's own 4 KiB sector), rounded up to 64 KiB for apps and 4 KiB
 *   for data, which is also the alignment a given offset must have;
 * - partitions come in address order: one that starts before the
 *   previous one ends overlaps it;
 * - names are unique and at most 16 bytes; flags are "encrypted" and
 *   "readonly", joined with ':'. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-partition-table-private.h"
#include "sf-units.h"

#define TABLE_SECTOR   0x1000
#define APP_ALIGNMENT  0x10000
#define DATA_ALIGNMENT 0x1000

static void
set_line_error (GError    **error,
                guint       line_no,
                const char *format,
                ...) G_GNUC_PRINTF (3, 4);

static void
set_line_error (GError    **error,
                guint       line_no,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* The line's own text may be in any encoding; a message is UTF-8. */
  if (!g_utf8_validate (message, -1, NULL))
    {
      char *valid = g_utf8_make_valid (message, -1);

      g_free (message);
      message = valid;
    }
  /* TRANSLATORS: "line 4: <what is wrong on it>", in a partitions.csv. */
  g_set_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
               _("line %u: %s"), line_no, message);
}

static gboolean
parse_number (const char *text,
              const char *what,
              guint       line_no,
              guint32    *out,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!sf_parse_number (text, what, out, &local_error))
    {
      set_line_error (error, line_no, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_type (const char *text,
            guint       line_no,
            guint8     *out,
            GError    **error)
{
  guint32 value;

  if (strcmp (text, "app") == 0)
    *out = SF_PARTITION_TYPE_APP;
  else if (strcmp (text, "data") == 0)
    *out = SF_PARTITION_TYPE_DATA;
  else if (*text == '\0')
    {
      set_line_error (error, line_no, _("the type is empty: use app, data or a number"));
      return FALSE;
    }
  else if (g_ascii_isdigit (*text) && sf_parse_number (text, NULL, &value, NULL) && value < 0xFF)
    *out = (guint8) value;
  else
    {
      set_line_error (error, line_no, _("unknown type \"%s\": use app, data or a number below 0xFF"), text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_subtype (const char *text,
               guint8      type,
               guint       line_no,
               guint8     *out,
               GError    **error)
{
  guint32 value;

  if (*text == '\0')
    {
      if (type == SF_PARTITION_TYPE_APP)
        {
          set_line_error (error, line_no, _("an app partition needs a subtype: factory, ota_0 to ota_15 or test"));
          return FALSE;
        }
      /* ESP-IDF's "undefined" data subtype. */
      *out = 0x06;
      return TRUE;
    }
  if (_sf_partition_subtype_from_name (type, text, out))
    return TRUE;
  if (g_ascii_isdigit (*text) && sf_parse_number (text, NULL, &value, NULL) && value <= 0xFF)
    {
      *out = (guint8) value;
      return TRUE;
    }
  if (type == SF_PARTITION_TYPE_APP)
    set_line_error (error, line_no, _("unknown app subtype \"%s\": use factory, ota_0 to ota_15, test or a number"), text);
  else if (type == SF_PARTITION_TYPE_DATA)
    set_line_error (error, line_no,
                    _("unknown data subtype \"%s\": use ota, phy, nvs, coredump, nvs_keys, efuse, undefined, esphttpd, fat, spiffs, littlefs or a number"),
                    text);
  else
    set_line_error (error, line_no, _("unknown subtype \"%s\": a partition of a custom type takes a number"), text);
  return FALSE;
}

static gboolean
parse_flags (const char *text,
             guint       line_no,
             guint32    *out,
             GError    **error)
{
  g_auto(GStrv) words = g_strsplit (text, ":", -1);

  *out = 0;
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = g_strstrip (words[i]);

      if (*word == '\0')
        continue;
      if (strcmp (word, "encrypted") == 0)
        *out |= SF_PARTITION_FLAG_ENCRYPTED;
      else if (strcmp (word, "readonly") == 0)
        *out |= SF_PARTITION_FLAG_READONLY;
      else
        {
          set_line_error (error, line_no, _("unknown flag \"%s\": use encrypted or readonly, joined with ':'"), word);
          return FALSE;
        }
    }
  return TRUE;
}

/* One partition line into @out; @next is where the previous one ended. */
static gboolean
parse_line (char           *line,
            guint           line_no,
            guint64         next,
            SfPartition    *out,
            GError        **error)
{
  g_auto(GStrv) fields = g_strsplit (line, ",", -1);
  const char *f[6] = { "", "", "", "", "", "" };
  guint32 alignment;

  for (guint i = 0; fields[i] != NULL && i < G_N_ELEMENTS (f); i++)
    f[i] = g_strstrip (fields[i]);

  memset (out, 0, sizeof *out);
  if (*f[0] == '\0')
    {
      set_line_error (error, line_no, _("the partition has no name"));
      return FALSE;
    }
  if (strlen (f[0]) > SF_PARTITION_LABEL_LEN)
    {
      set_line_error (error, line_no, _("the name \"%s\" is longer than 16 bytes: shorten it"), f[0]);
      return FALSE;
    }
  memcpy (out->name, f[0], strlen (f[0]));

  if (!parse_type (f[1], line_no, &out->type, error)
      || !parse_subtype (f[2], out->type, line_no, &out->subtype, error))
    return FALSE;

  alignment = out->type == SF_PARTITION_TYPE_APP ? APP_ALIGNMENT : DATA_ALIGNMENT;
  if (*f[3] == '\0')
    {
      next = (next + alignment - 1) / alignment * alignment;
      if (next > G_MAXUINT32)
        {
          set_line_error (error, line_no, _("the partition \"%s\" would start past 4 GiB"), out->name);
          return FALSE;
        }
      out->offset = (guint32) next;
    }
  else
    {
      if (!parse_number (f[3], _("offset"), line_no, &out->offset, error))
        return FALSE;
      if (out->offset < next)
        {
          /* The end as text: a 64-bit format macro inside _() would
           * leave translators a platform's conversion to copy. */
          g_autofree char *end = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", next);

          set_line_error (error, line_no,
                          _("the partition \"%s\" at 0x%x overlaps what comes before it, which ends at %s: move it to %s or later"),
                          out->name, out->offset, end, end);
          return FALSE;
        }
      if (out->offset % alignment != 0)
        {
          set_line_error (error, line_no,
                          _("the offset 0x%x of \"%s\" is not a multiple of 0x%x, as %s partitions must be"),
                          out->offset, out->name, alignment,
                          out->type == SF_PARTITION_TYPE_APP ? "app" : "data");
          return FALSE;
        }
    }

  if (*f[4] == '\0')
    {
      set_line_error (error, line_no, _("the partition \"%s\" has no size"), out->name);
      return FALSE;
    }
  if (!parse_number (f[4], _("size"), line_no, &out->size, error))
    return FALSE;
  if (out->size == 0)
    {
      set_line_error (error, line_no, _("the partition \"%s\" has a size of 0"), out->name);
      return FALSE;
    }
  if ((guint64) out->offset + out->size > (guint64) G_MAXUINT32 + 1)
    {
      set_line_error (error, line_no, _("the partition \"%s\" runs past 4 GiB"), out->name);
      return FALSE;
    }

  return parse_flags (f[5], line_no, &out->flags, error);
}

SfPartitionTable *
sf_partition_table_parse_csv (const char  *text,
                              gsize        length,
                              guint32      table_offset,
                              GError     **error)
{
  g_autoptr(SfPartitionTable) table = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 next = (guint64) table_offset + TABLE_SECTOR;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  table = _sf_partition_table_new ();
  /* name -> line number, for the duplicate's message */
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  copy = g_strndup (text != NULL ? text : "", length);
  if (length > 0 && memchr (text, '\0', length) != NULL)
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                           _("the partition table is neither a binary table nor CSV text"));
      return NULL;
    }
  lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint line_no = i + 1;
      char *line = g_strstrip (lines[i]);
      SfPartition partition;
      gpointer first_line;

      if (*line == '\0' || *line == '#')
        continue;
      if (!parse_line (line, line_no, next, &partition, error))
        return NULL;
      if (g_hash_table_lookup_extended (names, partition.name, NULL, &first_line))
        {
          set_line_error (error, line_no, _("a partition named \"%s\" is already on line %u: names must differ"),
                          partition.name, GPOINTER_TO_UINT (first_line));
          return NULL;
        }
      if (sf_partition_table_get_n_partitions (table) == SF_PARTITION_MAX_ENTRIES)
        {
          set_line_error (error, line_no, _("a partition table holds at most %u partitions"),
                          (guint) SF_PARTITION_MAX_ENTRIES);
          return NULL;
        }
      _sf_partition_table_add (table, &partition);
      g_hash_table_insert (names, g_strdup (partition.name), GUINT_TO_POINTER (line_no));
      next = (guint64) partition.offset + partition.size;
    }

  if (sf_partition_table_get_n_partitions (table) == 0)
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                           _("the partition table CSV has no partitions, only comments and blank lines"));
      return NULL;
    }
  return g_steal_pointer (&table);
}
