/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-partition-table"

/* ESP-IDF's partition table in its binary form: reading it from the bytes
 * a board or a file holds, writing it back, finding partitions in it and
 * showing it. The CSV form is read in sf-partition-csv.c, the otadata
 * partition in sf-otadata.c. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-bytes-private.h"
#include "sf-partition-table-private.h"
#include "sf-units.h"

G_DEFINE_QUARK (sf-partition-table-error-quark, sf_partition_table_error)

struct _SfPartitionTable
{
  gatomicrefcount      ref_count;
  GArray              *partitions;     /* of SfPartition, in table order */
  SfPartitionMd5State  md5_state;
  gsize                binary_length;
};

SfPartitionTable *
_sf_partition_table_new (void)
{
  SfPartitionTable *self = g_new0 (SfPartitionTable, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->partitions = g_array_new (FALSE, TRUE, sizeof (SfPartition));
  return self;
}

void
_sf_partition_table_add (SfPartitionTable  *self,
                         const SfPartition *partition)
{
  g_array_append_vals (self->partitions, partition, 1);
}

SfPartitionTable *
sf_partition_table_ref (SfPartitionTable *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
sf_partition_table_unref (SfPartitionTable *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_array_unref (self->partitions);
      g_free (self);
    }
}

static gboolean
is_all_ff (const guint8 *p,
           gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] != 0xFF)
      return FALSE;
  return TRUE;
}

static gboolean
is_entry (const guint8 *e)
{
  return e[0] == 0xAA && e[1] == 0x50;
}

static gboolean
is_md5_entry (const guint8 *e)
{
  return e[0] == SF_PARTITION_MD5_MAGIC && e[1] == SF_PARTITION_MD5_MAGIC;
}

static void
read_entry (const guint8 *e,
            SfPartition  *out)
{
  memset (out, 0, sizeof *out);
  out->type = e[2];
  out->subtype = e[3];
  out->offset = _sf_get_le32 (e + 4);
  out->size = _sf_get_le32 (e + 8);
  /* strncpy stops at the label's first NUL and fills the rest with NULs:
   * what ESP-IDF's own tools show of a label. */
  strncpy (out->name, (const char *) e + 12, SF_PARTITION_LABEL_LEN);
  out->name[SF_PARTITION_LABEL_LEN] = '\0';
  out->flags = _sf_get_le32 (e + 28);
}

SfPartitionTable *
_sf_partition_table_parse_binary_full (const guint8  *data,
                                       gsize          len,
                                       gboolean       accept_bad_md5,
                                       GError       **error)
{
  g_autoptr(SfPartitionTable) table = _sf_partition_table_new ();
  gsize end = MIN (len, (gsize) SF_PARTITION_TABLE_MAX_LENGTH);
  gsize pos = 0;

  /* The first entry decides whether there is a table here at all. */
  if (end == 0 || is_all_ff (data, MIN (end, (gsize) SF_PARTITION_ENTRY_LEN)))
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_NOT_FOUND,
                           _("there is no partition table here: the flash is erased"));
      return NULL;
    }
  if (end < 2 || (!is_entry (data) && !is_md5_entry (data)))
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_NOT_FOUND,
                           _("there is no partition table here: the first bytes are not a partition entry"));
      return NULL;
    }

  while (pos < end)
    {
      const guint8 *e = data + pos;
      guint n = table->partitions->len;

      if (end - pos < SF_PARTITION_ENTRY_LEN)
        {
          if (is_all_ff (e, end - pos))
            break;
          g_set_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                       _("partition table entry %u is cut short (offset 0x%zx)"), n + 1, pos);
          return NULL;
        }

      if (is_entry (e))
        {
          SfPartition partition;

          read_entry (e, &partition);
          _sf_partition_table_add (table, &partition);
          pos += SF_PARTITION_ENTRY_LEN;
        }
      else if (is_md5_entry (e))
        {
          g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
          guint8 digest[16];
          gsize digest_len = sizeof digest;

          /* ESP-IDF's MD5 entry: 0xEB 0xEB, 14 bytes of 0xFF, then the
           * MD5 of every entry before it. It ends the table. */
          g_checksum_update (md5, data, pos);
          g_checksum_get_digest (md5, digest, &digest_len);
          table->md5_state = memcmp (digest, e + 16, sizeof digest) == 0
                               ? SF_PARTITION_MD5_VALID : SF_PARTITION_MD5_INVALID;
          pos += SF_PARTITION_ENTRY_LEN;
          break;
        }
      else if (is_all_ff (e, SF_PARTITION_ENTRY_LEN))
        {
          break;
        }
      else
        {
          g_set_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                       _("partition table entry %u at offset 0x%zx is neither an entry nor the end of the table"),
                       n + 1, pos);
          return NULL;
        }
    }

  if (table->partitions->len == 0)
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                           _("the partition table has no entries, only its MD5 entry"));
      return NULL;
    }
  if (table->md5_state == SF_PARTITION_MD5_INVALID && !accept_bad_md5)
    {
      g_set_error_literal (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_CHECKSUM,
                           _("the partition table's MD5 does not match its entries: the table is damaged; write it again"));
      return NULL;
    }
  table->binary_length = pos;
  return g_steal_pointer (&table);
}

SfPartitionTable *
sf_partition_table_parse_binary (GBytes  *data,
                                 GError **error)
{
  gsize len;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (data, &len);
  return _sf_partition_table_parse_binary_full (bytes, len, FALSE, error);
}

/* Text is what a CSV is: no NUL, no control bytes but line ends and tabs,
 * and it never starts like a binary table (0xAA) or erased flash (0xFF). */
static gboolean
looks_like_text (const guint8 *data,
                 gsize         len)
{
  if (len == 0 || data[0] == 0xAA || data[0] == 0xFF || data[0] == SF_PARTITION_MD5_MAGIC)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (data[i] == 0 || (data[i] < 0x20 && data[i] != '\n' && data[i] != '\r' && data[i] != '\t'))
      return FALSE;
  return TRUE;
}

SfPartitionTable *
sf_partition_table_parse (GBytes   *data,
                          guint32   table_offset,
                          GError  **error)
{
  gsize len;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (data, &len);
  if (looks_like_text (bytes, len))
    return sf_partition_table_parse_csv ((const char *) bytes, len, table_offset, error);
  return _sf_partition_table_parse_binary_full (bytes, len, FALSE, error);
}

SfPartitionMd5State
_sf_partition_table_get_md5_state (SfPartitionTable *self)
{
  return self->md5_state;
}

gsize
_sf_partition_table_get_binary_length (SfPartitionTable *self)
{
  return self->binary_length;
}

guint
sf_partition_table_get_n_partitions (SfPartitionTable *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->partitions->len;
}

const SfPartition *
sf_partition_table_get_partition (SfPartitionTable *self,
                                  guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->partitions->len, NULL);

  return &g_array_index (self->partitions, SfPartition, index);
}

const SfPartition *
sf_partition_table_find (SfPartitionTable *self,
                         const char       *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->partitions->len; i++)
    {
      const SfPartition *p = &g_array_index (self->partitions, SfPartition, i);

      if (strcmp (p->name, name) == 0)
        return p;
    }
  return NULL;
}

const SfPartition *
sf_partition_table_find_type (SfPartitionTable *self,
                              guint8            type,
                              guint8            subtype)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->partitions->len; i++)
    {
      const SfPartition *p = &g_array_index (self->partitions, SfPartition, i);

      if (p->type == type && (subtype == 0xFF || p->subtype == subtype))
        return p;
    }
  return NULL;
}

const SfPartition *
sf_partition_table_find_at (SfPartitionTable *self,
                            guint32           address)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->partitions->len; i++)
    {
      const SfPartition *p = &g_array_index (self->partitions, SfPartition, i);

      /* In 64 bits: a partition may reach the 4 GiB boundary. */
      if (address >= p->offset && (guint64) address < (guint64) p->offset + p->size)
        return p;
    }
  return NULL;
}

static gboolean
is_ota_slot (const SfPartition *p)
{
  return p->type == SF_PARTITION_TYPE_APP
         && p->subtype >= SF_PARTITION_SUBTYPE_APP_OTA_0
         && p->subtype < SF_PARTITION_SUBTYPE_APP_OTA_0 + 16;
}

guint
sf_partition_table_get_n_ota_slots (SfPartitionTable *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->partitions->len; i++)
    if (is_ota_slot (&g_array_index (self->partitions, SfPartition, i)))
      n++;
  return n;
}

GBytes *
sf_partition_table_to_binary (SfPartitionTable *self)
{
  g_autofree guint8 *out = NULL;
  guint n;
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_malloc (SF_PARTITION_TABLE_MAX_LENGTH);
  memset (out, 0xFF, SF_PARTITION_TABLE_MAX_LENGTH);
  n = MIN (self->partitions->len, SF_PARTITION_TABLE_MAX_LENGTH / SF_PARTITION_ENTRY_LEN);
  for (guint i = 0; i < n; i++, pos += SF_PARTITION_ENTRY_LEN)
    {
      const SfPartition *p = &g_array_index (self->partitions, SfPartition, i);
      guint8 *e = out + pos;

      e[0] = 0xAA;
      e[1] = 0x50;
      e[2] = p->type;
      e[3] = p->subtype;
      _sf_put_le32 (e + 4, p->offset);
      _sf_put_le32 (e + 8, p->size);
      memset (e + 12, 0, SF_PARTITION_LABEL_LEN);
      memcpy (e + 12, p->name, strnlen (p->name, SF_PARTITION_LABEL_LEN));
      _sf_put_le32 (e + 28, p->flags);
    }

  /* A table read from a board may fill all 96 slots, leaving no room
   * for the MD5 entry; ESP-IDF reads such a table without one. */
  if (pos + SF_PARTITION_ENTRY_LEN <= SF_PARTITION_TABLE_MAX_LENGTH)
    {
      g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
      gsize digest_len = 16;

      g_checksum_update (md5, out, pos);
      out[pos] = SF_PARTITION_MD5_MAGIC;
      out[pos + 1] = SF_PARTITION_MD5_MAGIC;
      g_checksum_get_digest (md5, out + pos + 16, &digest_len);
    }

  return g_bytes_new_take (g_steal_pointer (&out), SF_PARTITION_TABLE_MAX_LENGTH);
}

char *
sf_partition_type_name (guint8 type)
{
  switch (type)
    {
    case SF_PARTITION_TYPE_APP: return g_strdup ("app");
    case SF_PARTITION_TYPE_DATA: return g_strdup ("data");
    default: return g_strdup_printf ("0x%02x", type);
    }
}

/* ESP-IDF's names of the data subtypes: 0x00 to 0x06, then from 0x80. */
static const char *const data_subtypes_low[] = {
  "ota", "phy", "nvs", "coredump", "nvs_keys", "efuse", "undefined",
};
static const char *const data_subtypes_high[] = {
  "esphttpd", "fat", "spiffs", "littlefs",
};

char *
sf_partition_subtype_name (guint8 type,
                           guint8 subtype)
{
  if (type == SF_PARTITION_TYPE_APP)
    {
      if (subtype == SF_PARTITION_SUBTYPE_APP_FACTORY)
        return g_strdup ("factory");
      if (subtype >= SF_PARTITION_SUBTYPE_APP_OTA_0 && subtype < SF_PARTITION_SUBTYPE_APP_OTA_0 + 16)
        return g_strdup_printf ("ota_%u", subtype - SF_PARTITION_SUBTYPE_APP_OTA_0);
      if (subtype == SF_PARTITION_SUBTYPE_APP_TEST)
        return g_strdup ("test");
    }
  else if (type == SF_PARTITION_TYPE_DATA)
    {
      if (subtype < G_N_ELEMENTS (data_subtypes_low))
        return g_strdup (data_subtypes_low[subtype]);
      if (subtype >= 0x80 && subtype < 0x80 + G_N_ELEMENTS (data_subtypes_high))
        return g_strdup (data_subtypes_high[subtype - 0x80]);
    }
  return g_strdup_printf ("0x%02x", subtype);
}

gboolean
_sf_partition_subtype_from_name (guint8      type,
                                 const char *name,
                                 guint8     *out_subtype)
{
  if (type == SF_PARTITION_TYPE_APP)
    {
      guint64 slot;

      if (strcmp (name, "factory") == 0)
        *out_subtype = SF_PARTITION_SUBTYPE_APP_FACTORY;
      else if (strcmp (name, "test") == 0)
        *out_subtype = SF_PARTITION_SUBTYPE_APP_TEST;
      else if (g_str_has_prefix (name, "ota_")
               && g_ascii_string_to_unsigned (name + 4, 10, 0, 15, &slot, NULL)
               && g_ascii_isdigit (name[4]) && strlen (name + 4) <= 2
               && (name[4] != '0' || name[5] == '\0'))
        *out_subtype = SF_PARTITION_SUBTYPE_APP_OTA_0 + (guint8) slot;
      else
        return FALSE;
      return TRUE;
    }
  if (type == SF_PARTITION_TYPE_DATA)
    {
      for (guint i = 0; i < G_N_ELEMENTS (data_subtypes_low); i++)
        if (strcmp (name, data_subtypes_low[i]) == 0)
          {
            *out_subtype = i;
            return TRUE;
          }
      for (guint i = 0; i < G_N_ELEMENTS (data_subtypes_high); i++)
        if (strcmp (name, data_subtypes_high[i]) == 0)
          {
            *out_subtype = 0x80 + i;
            return TRUE;
          }
    }
  return FALSE;
}

char *
sf_partition_get_display_name (const SfPartition *partition)
{
  char *name;

  g_return_val_if_fail (partition != NULL, NULL);

  name = g_strndup (partition->name, SF_PARTITION_LABEL_LEN);
  for (char *c = name; *c != '\0'; c++)
    if (!g_ascii_isprint (*c))
      *c = '?';
  return name;
}

static char *
flags_text (guint32 flags)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (flags & SF_PARTITION_FLAG_ENCRYPTED)
    g_string_append (s, "encrypted");
  if (flags & SF_PARTITION_FLAG_READONLY)
    g_string_append_printf (s, "%sreadonly", s->len > 0 ? ":" : "");
  flags &= ~(SF_PARTITION_FLAG_ENCRYPTED | SF_PARTITION_FLAG_READONLY);
  if (flags != 0)
    g_string_append_printf (s, "%s0x%x", s->len > 0 ? ":" : "", flags);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
sf_partition_table_format (SfPartitionTable *self,
                           int               active_app)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  /* TRANSLATORS: the column heads of `sparkflash-cli partition_table`;
   * keep each as wide as it is, the columns below do not move. */
  g_string_append (s, _("Name             Type  SubType   Offset      Size                   Flags\n"));
  for (guint i = 0; i < self->partitions->len; i++)
    {
      const SfPartition *p = &g_array_index (self->partitions, SfPartition, i);
      g_autofree char *name = sf_partition_get_display_name (p);
      g_autofree char *type = sf_partition_type_name (p->type);
      g_autofree char *subtype = sf_partition_subtype_name (p->type, p->subtype);
      g_autofree char *size = sf_format_size (p->size);
      g_autofree char *size_column = g_strdup_printf ("0x%08x (%s)", p->size, size);
      g_autofree char *flags = flags_text (p->flags);

      g_string_append_printf (s, "%-16s %-5s %-9s 0x%08x  %-22s %s", name, type, subtype,
                              p->offset, size_column, flags);
      if (active_app >= 0 && (guint) active_app == i)
        /* TRANSLATORS: marks the app partition the bootloader starts. */
        g_string_append_printf (s, "%s%s", flags[0] != '\0' ? " " : "", _("active"));
      /* No spaces at the end of a line, whatever the columns left. */
      while (s->len > 0 && s->str[s->len - 1] == ' ')
        g_string_truncate (s, s->len - 1);
      g_string_append_c (s, '\n');
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}
