/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-image"

/* The text of `image_info`: one fact a line, for every kind of file. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-image-private.h"
#include "sf-units.h"

static void
format_partition_table (GString          *s,
                        SfPartitionTable *table,
                        const char       *indent)
{
  guint n = sf_partition_table_get_n_partitions (table);

  g_string_append_printf (s, _("%sPartitions: %u\n"), indent, n);
  for (guint i = 0; i < n; i++)
    {
      const SfPartition *e = sf_partition_table_get_partition (table, i);
      g_autofree char *label = g_utf8_make_valid (e->name, -1);
      /* Types ESP-IDF keeps for itself have names only here. */
      g_autofree char *type = e->type == 0x02 ? g_strdup ("bootloader")
                                : e->type == 0x03 ? g_strdup ("partition_table")
                                : sf_partition_type_name (e->type);
      g_autofree char *subtype = sf_partition_subtype_name (e->type, e->subtype);
      g_autofree char *size = sf_format_size (e->size);

      g_string_append_printf (s, "%s  %-16s %-10s %-10s 0x%08x  0x%08x (%s)%s\n",
                              indent, label, type, subtype, e->offset, e->size, size,
                              (e->flags & SF_PARTITION_FLAG_ENCRYPTED) ? _(", encrypted") : "");
    }
  switch (_sf_partition_table_get_md5_state (table))
    {
    case SF_PARTITION_MD5_VALID:
      g_string_append_printf (s, _("%sMD5 of the table: %s\n"), indent, _("valid"));
      break;
    case SF_PARTITION_MD5_INVALID:
      g_string_append_printf (s, _("%sMD5 of the table: %s\n"), indent, _("invalid"));
      break;
    case SF_PARTITION_MD5_NONE:
    default:
      g_string_append_printf (s, _("%sMD5 of the table: none\n"), indent);
      break;
    }
}

static void
format_revision (GString *s,
                 guint16  revision)
{
  g_string_append_printf (s, "v%u.%u", revision / 100, revision % 100);
}

static void
format_e9_image (GString             *s,
                 const guint8        *data,
                 const SfParsedImage *p,
                 const char          *indent)
{
  const SfImageInfo *info = &p->info;
  g_autofree char *size = sf_image_flash_size_name (info->chip, info->flash_size_code);
  const char *freq = sf_image_flash_freq_name (info->chip, info->flash_freq_code);
  const char *mode = sf_image_flash_mode_name (info->flash_mode);
  guint first_segment = 0;

  if (info->kind != SF_IMAGE_KIND_MERGED)
    g_string_append_printf (s, _("%sKind: %s\n"), indent, sf_image_kind_to_string (info->kind));
  if (info->has_extended_header && info->chip == SF_CHIP_AUTO)
    g_string_append_printf (s, _("%sChip: unknown (image chip id %u)\n"), indent, p->image_chip_id);
  else if (info->has_extended_header)
    g_string_append_printf (s, _("%sChip: %s (image chip id %u)\n"), indent,
                            sf_chip_get_name (info->chip), p->image_chip_id);
  else
    g_string_append_printf (s, _("%sChip: %s (no extended header)\n"), indent,
                            sf_chip_get_name (info->chip));
  g_string_append_printf (s, _("%sEntry point: 0x%08x\n"), indent, info->entry);

  if (mode != NULL)
    g_string_append_printf (s, _("%sFlash mode: %s\n"), indent, mode);
  else
    g_string_append_printf (s, _("%sFlash mode: unknown (0x%x)\n"), indent, info->flash_mode);
  if (size != NULL)
    g_string_append_printf (s, _("%sFlash size: %s\n"), indent, size);
  else
    g_string_append_printf (s, _("%sFlash size: unknown (0x%x)\n"), indent, info->flash_size_code);
  if (freq != NULL)
    g_string_append_printf (s, _("%sFlash frequency: %s\n"), indent, freq);
  else
    g_string_append_printf (s, _("%sFlash frequency: unknown (0x%x)\n"), indent, info->flash_freq_code);

  g_string_append_printf (s, _("%sSegments: %u\n"), indent, info->n_segments);
  if (info->kind == SF_IMAGE_KIND_ESP8266_V2)
    {
      const SfImageSegment *irom = &p->segments[0];

      g_string_append_printf (s, _("%s  1: %u bytes at file offset 0x%zx, IROM (mapped from flash, not in the checksum)\n"),
                              indent, irom->length, irom->header_offset + SF_IMAGE_SEGMENT_HEADER_LEN);
      first_segment = 1;
    }
  for (guint i = first_segment; i < info->n_segments; i++)
    {
      const SfImageSegment *seg = &p->segments[i];
      const char *range = _sf_image_flash_range_name (info->chip, seg->load_addr);

      g_string_append_printf (s, _("%s  %u: load address 0x%08x, %u bytes at file offset 0x%zx, %s\n"),
                              indent, i + 1, seg->load_addr, seg->length,
                              seg->header_offset + SF_IMAGE_SEGMENT_HEADER_LEN,
                              range != NULL ? range : _("RAM"));
    }

  if (info->checksum_valid)
    g_string_append_printf (s, _("%sChecksum: 0x%02x (valid)\n"), indent, p->checksum_stored);
  else
    g_string_append_printf (s, _("%sChecksum: 0x%02x (invalid, computed 0x%02x)\n"), indent,
                            p->checksum_stored, p->checksum_computed);

  if (p->has_crc)
    g_string_append_printf (s, _("%sCRC-32: 0x%08x (%s)\n"), indent, p->crc_stored,
                            p->crc_valid ? _("valid") : _("invalid"));

  if (info->has_extended_header)
    {
      if (info->hash_appended)
        {
          g_autofree char *hex = g_malloc (SF_IMAGE_SHA256_LEN * 2 + 1);
          const guint8 *digest = data + p->checksum_offset + 1;

          for (guint i = 0; i < SF_IMAGE_SHA256_LEN; i++)
            g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
          g_string_append_printf (s, _("%sSHA-256: %s (%s)\n"), indent, hex,
                                  p->hash_valid ? _("valid") : _("invalid"));
        }
      else
        {
          g_string_append_printf (s, _("%sSHA-256: not appended\n"), indent);
        }

      g_string_append_printf (s, _("%sChip revision: "), indent);
      if (info->min_revision == 0 && (info->max_revision == 0 || info->max_revision == 0xFFFF))
        g_string_append (s, _("any"));
      else
        {
          g_string_append (s, _("from "));
          format_revision (s, info->min_revision);
          if (info->max_revision != 0 && info->max_revision != 0xFFFF)
            {
              g_string_append (s, _(" to "));
              format_revision (s, info->max_revision);
            }
        }
      if (p->legacy_min_revision != 0)
        g_string_append_printf (s, _(" (legacy minimum revision %u)"), p->legacy_min_revision);
      g_string_append_c (s, '\n');
    }

  g_string_append_printf (s, _("%sImage length: %zu bytes\n"), indent, info->image_length);
}

char *
sf_image_format_info (GBytes  *data,
                      GError **error)
{
  g_autoptr(SfParsedImage) p = NULL;
  g_autoptr(GString) s = NULL;
  g_autofree char *file_size = NULL;
  const guint8 *bytes;
  gsize len;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = g_new0 (SfParsedImage, 1);
  if (!_sf_image_parse_all (data, p, error))
    return NULL;

  bytes = g_bytes_get_data (data, &len);
  s = g_string_new (NULL);
  if (len < 1024)
    {
      g_string_append_printf (s, _("File size: %zu bytes\n"), len);
    }
  else
    {
      file_size = sf_format_size (len);
      g_string_append_printf (s, _("File size: %zu bytes (%s)\n"), len, file_size);
    }

  switch (p->info.kind)
    {
    case SF_IMAGE_KIND_RAW:
      g_string_append_printf (s, _("Kind: %s (no image header)\n"), sf_image_kind_to_string (p->info.kind));
      break;

    case SF_IMAGE_KIND_PARTITION_TABLE:
      g_string_append_printf (s, _("Kind: %s\n"), sf_image_kind_to_string (p->info.kind));
      format_partition_table (s, p->table, "");
      break;

    case SF_IMAGE_KIND_MERGED:
      g_string_append_printf (s, _("Kind: %s\n"), sf_image_kind_to_string (p->info.kind));
      g_string_append_printf (s, _("Bootloader at 0x%zx:\n"), p->base);
      format_e9_image (s, bytes, p, "  ");
      g_string_append_printf (s, _("Partition table at 0x%zx:\n"), p->table_offset);
      format_partition_table (s, p->table, "  ");
      /* Say what sits at each app partition that the file covers. */
      for (guint i = 0; i < sf_partition_table_get_n_partitions (p->table); i++)
        {
          const SfPartition *e = sf_partition_table_get_partition (p->table, i);
          g_autoptr(GBytes) part = NULL;
          g_autoptr(GError) local_error = NULL;
          SfImageInfo app_info;
          g_autofree char *label = g_utf8_make_valid (e->name, -1);

          if (e->type != 0x00 || e->offset >= len)
            continue;
          part = g_bytes_new_from_bytes (data, e->offset, MIN ((gsize) e->size, len - e->offset));
          if (sf_image_parse (part, &app_info, &local_error))
            {
              g_autofree char *text = sf_image_describe (&app_info);

              g_string_append_printf (s, _("App partition \"%s\" at 0x%x: %s\n"), label, e->offset, text);
            }
          else
            {
              g_string_append_printf (s, _("App partition \"%s\" at 0x%x: %s\n"), label, e->offset,
                                      local_error->message);
            }
        }
      break;

    case SF_IMAGE_KIND_BOOTLOADER:
    case SF_IMAGE_KIND_APP:
    case SF_IMAGE_KIND_ESP8266_V2:
    default:
      format_e9_image (s, bytes, p, "");
      if (p->info.image_length < len)
        g_string_append_printf (s, _("Trailing data: %zu bytes after the image\n"),
                                len - p->info.image_length);
      break;
    }

  return g_string_free (g_steal_pointer (&s), FALSE);
}
