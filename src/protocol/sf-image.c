/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-image"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "sf-chip-private.h"
#include "sf-image-private.h"
#include "sf-protocol-error.h"

typedef struct
{
  guint32     start;
  guint32     end;
  const char *name;
} MemoryRange;

/* Address windows through which a chip's cache maps flash (esptool's
 * IROM_MAP/DROM_MAP). A segment loaded there makes an image an app. */
static const MemoryRange esp8266_flash_ranges[] = {
  { 0x40200000, 0x40300000, "IROM" },
  { 0 },
};
static const MemoryRange esp32_flash_ranges[] = {
  { 0x3F400000, 0x3F800000, "DROM" },
  { 0x400C2000, 0x40C00000, "IROM" },
  { 0 },
};
static const MemoryRange esp32s2_flash_ranges[] = {
  { 0x3F000000, 0x3FF80000, "DROM" },
  { 0x40080000, 0x40B80000, "IROM" },
  { 0 },
};
static const MemoryRange esp32c6_flash_ranges[] = {
  { 0x42000000, 0x42800000, "IROM" },
  { 0x42800000, 0x43000000, "DROM" },
  { 0 },
};
/* S3, C3, C2 and chips we don't know yet. */
static const MemoryRange newer_flash_ranges[] = {
  { 0x3C000000, 0x3E000000, "DROM" },
  { 0x42000000, 0x44000000, "IROM" },
  { 0 },
};

static const MemoryRange *
get_flash_ranges (SfChip chip)
{
  switch (chip)
    {
    case SF_CHIP_ESP8266:
      return esp8266_flash_ranges;
    case SF_CHIP_ESP32:
      return esp32_flash_ranges;
    case SF_CHIP_ESP32S2:
      return esp32s2_flash_ranges;
    case SF_CHIP_ESP32C6:
    case SF_CHIP_ESP32H2:
      return esp32c6_flash_ranges;
    case SF_CHIP_AUTO:
    case SF_CHIP_ESP32S3:
    case SF_CHIP_ESP32C2:
    case SF_CHIP_ESP32C3:
    default:
      return newer_flash_ranges;
    }
}

/* "IROM"/"DROM" when @addr is flash-mapped on @chip, else NULL. */
const char *
_sf_image_flash_range_name (SfChip  chip,
                            guint32 addr)
{
  for (const MemoryRange *r = get_flash_ranges (chip); r->end != 0; r++)
    if (addr >= r->start && addr < r->end)
      return r->name;
  return NULL;
}

static void
set_invalid (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
set_invalid (GError    **error,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT, message);
}

gboolean
_sf_image_chip_is_esp8266 (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);

  return info != NULL && info->is_esp8266_family;
}

/* The chip whose header encodings apply: ESP32 rules for unknown chips. */
SfChip
_sf_image_encoding_chip (SfChip chip)
{
  return chip == SF_CHIP_AUTO ? SF_CHIP_ESP32 : chip;
}

/* Reads @n_segments segments starting at @pos (absolute). Adds each
 * segment's data into *@checksum when @checksummed. */
static gboolean
parse_segments (const guint8   *buf,
                gsize           len,
                gsize          *pos,
                guint           n_segments,
                guint           first_index,
                gboolean        checksummed,
                SfParsedImage  *p,
                GError        **error)
{
  for (guint i = 0; i < n_segments; i++)
    {
      guint index = first_index + i;
      SfImageSegment *seg = &p->segments[index];

      g_assert (index < G_N_ELEMENTS (p->segments));

      if (len - *pos < SF_IMAGE_SEGMENT_HEADER_LEN)
        {
          set_invalid (error, _("the header of segment %u is cut short (offset 0x%zx)"),
                       index + 1, *pos);
          return FALSE;
        }
      seg->header_offset = *pos;
      seg->load_addr = _sf_get_le32 (buf + *pos);
      seg->length = _sf_get_le32 (buf + *pos + 4);
      *pos += SF_IMAGE_SEGMENT_HEADER_LEN;

      if (seg->length > len - *pos)
        {
          set_invalid (error, _("segment %u runs past the end of the file (offset 0x%zx)"),
                       index + 1, seg->header_offset);
          return FALSE;
        }
      if (checksummed)
        for (gsize j = 0; j < seg->length; j++)
          p->checksum_computed ^= buf[*pos + j];
      *pos += seg->length;
    }

  return TRUE;
}

/* Skips the zero padding and reads the checksum byte, which sits where
 * (offset from @origin) % 16 == 15. */
static gboolean
parse_checksum (const guint8   *buf,
                gsize           len,
                gsize           origin,
                gsize          *pos,
                SfParsedImage  *p,
                GError        **error)
{
  gsize at = *pos + (15 - ((*pos - origin) % 16));

  if (at >= len)
    {
      set_invalid (error, _("the checksum byte is missing: the file ends at offset 0x%zx, expected it at 0x%zx"),
                   len, at);
      return FALSE;
    }
  p->checksum_offset = at;
  p->checksum_stored = buf[at];
  p->info.checksum_valid = p->checksum_stored == p->checksum_computed;
  *pos = at + 1;
  return TRUE;
}

/* Parses a 0xE9 image starting at @base. Leaves p->info.kind RAW and
 * returns TRUE when the bytes don't look like an image at all. */
gboolean
_sf_image_parse_e9 (const guint8   *data,
                    gsize           len,
                    gsize           base,
                    SfParsedImage  *p,
                    GError        **error)
{
  const guint8 *h = data + base;
  gsize avail = len - base;
  gboolean extended_plausible = FALSE;
  gboolean esp8266_entry;
  const SfChipInfo *chip_info = NULL;
  gsize pos;
  guint n_segments;

  memset (p, 0, sizeof *p);
  p->info.kind = SF_IMAGE_KIND_RAW;
  p->info.chip = SF_CHIP_AUTO;
  p->base = base;

  if (avail < 1 || h[0] != SF_IMAGE_MAGIC)
    return TRUE;

  /* A segment count or flash mode no image uses: data that merely starts
   * with 0xE9. */
  if (avail < 2 || h[1] == 0 || h[1] > SF_IMAGE_MAX_SEGMENTS || (avail >= 3 && h[2] > 3))
    return TRUE;

  if (avail < SF_IMAGE_COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   avail, SF_IMAGE_COMMON_HEADER_LEN);
      return FALSE;
    }

  n_segments = h[1];
  p->info.flash_mode = h[2];
  p->info.flash_size_code = h[3] >> 4;
  p->info.flash_freq_code = h[3] & 0xF;
  p->info.entry = _sf_get_le32 (h + 4);
  p->info.n_segments = n_segments;

  /* The ESP8266 has no extended header: its first segment header follows
   * at offset 8. The extended header's reserved bytes 19..22 are zero and
   * byte 23 is 0 or 1; together with a known chip id that rules out an
   * ESP8266 segment header, whose bytes 12..15 are a length. */
  esp8266_entry = (p->info.entry & 0xFFFF0000) == 0x40100000;
  if (avail >= SF_IMAGE_EXTENDED_HEADER_END)
    {
      extended_plausible = h[19] == 0 && h[20] == 0 && h[21] == 0 && h[22] == 0 && h[23] <= 1;
      if (extended_plausible)
        chip_info = _sf_chip_find_by_image_id (_sf_get_le16 (h + 12));
    }

  if (extended_plausible && (chip_info != NULL || !esp8266_entry))
    {
      p->info.has_extended_header = TRUE;
      p->info.chip = chip_info != NULL ? chip_info->chip : SF_CHIP_AUTO;
      p->image_chip_id = _sf_get_le16 (h + 12);
      p->legacy_min_revision = h[14];
      p->info.min_revision = _sf_get_le16 (h + 15);
      p->info.max_revision = _sf_get_le16 (h + 17);
      p->info.hash_appended = h[23] == 1;
      pos = base + SF_IMAGE_EXTENDED_HEADER_END;
    }
  else if (esp8266_entry)
    {
      p->info.chip = SF_CHIP_ESP8266;
      pos = base + SF_IMAGE_COMMON_HEADER_LEN;
    }
  else if (avail < SF_IMAGE_EXTENDED_HEADER_END)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   avail, SF_IMAGE_EXTENDED_HEADER_END);
      return FALSE;
    }
  else
    {
      /* Neither an extended header nor an ESP8266 entry point. */
      return TRUE;
    }

  p->checksum_computed = SF_IMAGE_CHECKSUM_SEED;
  if (!parse_segments (data, len, &pos, n_segments, 0, TRUE, p, error))
    return FALSE;
  if (!parse_checksum (data, len, base, &pos, p, error))
    return FALSE;

  if (p->info.hash_appended)
    {
      g_autoptr(GChecksum) sha = NULL;
      guint8 digest[SF_IMAGE_SHA256_LEN];
      gsize digest_len = sizeof digest;

      if (len - pos < SF_IMAGE_SHA256_LEN)
        {
          set_invalid (error, _("the appended SHA-256 is cut short (%zu of %u bytes at offset 0x%zx)"),
                       len - pos, SF_IMAGE_SHA256_LEN, pos);
          return FALSE;
        }
      sha = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (sha, data + base, pos - base);
      g_checksum_get_digest (sha, digest, &digest_len);
      p->hash_valid = memcmp (digest, data + pos, SF_IMAGE_SHA256_LEN) == 0;
      pos += SF_IMAGE_SHA256_LEN;
    }

  p->info.image_length = pos - base;

  /* A bootloader runs from RAM; an app maps code or data from flash. On
   * the ESP8266 this calls the NONOS SDK's RAM-only 0x00000.bin a
   * bootloader, which still suggests the right address (0x0). */
  p->info.kind = SF_IMAGE_KIND_BOOTLOADER;
  for (guint i = 0; i < n_segments; i++)
    if (_sf_image_flash_range_name (p->info.chip, p->segments[i].load_addr) != NULL)
      {
        p->info.kind = SF_IMAGE_KIND_APP;
        break;
      }

  return TRUE;
}

/* zlib CRC-32 adjusted as the ESP8266 SDK's V2 image does. */
static guint32
esp8266_crc32 (const guint8 *data,
               gsize         len)
{
  uLong crc = crc32 (0, Z_NULL, 0);

  while (len > 0)
    {
      uInt chunk = (uInt) MIN (len, (gsize) G_MAXUINT32 / 2);

      crc = crc32 (crc, data, chunk);
      data += chunk;
      len -= chunk;
    }
  crc &= 0xFFFFFFFF;
  return (crc & 0x80000000) ? (guint32) (crc ^ 0xFFFFFFFF) : (guint32) (crc + 1);
}

/* The ESP8266 V2 image: 0xEA header, IROM segment, 0xE9 header, RAM segments,
 * checksum, CRC-32. */
static gboolean
parse_v2_image (const guint8   *data,
                gsize           len,
                SfParsedImage  *p,
                GError        **error)
{
  gsize pos;
  guint n_segments;

  memset (p, 0, sizeof *p);
  p->info.kind = SF_IMAGE_KIND_RAW;
  p->info.chip = SF_CHIP_AUTO;

  if (len < 2 || data[0] != SF_IMAGE_V2_MAGIC || data[1] != SF_IMAGE_V2_SEGMENT_COUNT)
    return TRUE;

  if (len < SF_IMAGE_COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   len, SF_IMAGE_COMMON_HEADER_LEN);
      return FALSE;
    }

  p->info.chip = SF_CHIP_ESP8266;
  p->info.flash_mode = data[2];
  p->info.flash_size_code = data[3] >> 4;
  p->info.flash_freq_code = data[3] & 0xF;
  p->info.entry = _sf_get_le32 (data + 4);

  /* The IROM segment is stored with load address 0 and is not part of
   * the checksum. */
  pos = SF_IMAGE_COMMON_HEADER_LEN;
  if (!parse_segments (data, len, &pos, 1, 0, FALSE, p, error))
    return FALSE;

  if (len - pos < SF_IMAGE_COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the second image header is cut short (offset 0x%zx)"),
                   pos);
      return FALSE;
    }
  if (data[pos] != SF_IMAGE_MAGIC)
    {
      set_invalid (error, _("the second image header at offset 0x%zx does not start with 0xE9"),
                   pos);
      return FALSE;
    }
  n_segments = data[pos + 1];
  if (n_segments == 0 || n_segments > SF_IMAGE_MAX_SEGMENTS)
    {
      set_invalid (error, _("the second image header at offset 0x%zx has %u segments"),
                   pos, n_segments);
      return FALSE;
    }
  /* The second header's entry point is the one the ROM jumps to. */
  p->info.entry = _sf_get_le32 (data + pos + 4);
  pos += SF_IMAGE_COMMON_HEADER_LEN;

  p->checksum_computed = SF_IMAGE_CHECKSUM_SEED;
  if (!parse_segments (data, len, &pos, n_segments, 1, TRUE, p, error))
    return FALSE;
  if (!parse_checksum (data, len, 0, &pos, p, error))
    return FALSE;

  if (len - pos < 4)
    {
      set_invalid (error, _("the CRC-32 at the end of the image is cut short (offset 0x%zx)"),
                   pos);
      return FALSE;
    }
  p->has_crc = TRUE;
  p->crc_stored = _sf_get_le32 (data + pos);
  p->crc_valid = p->crc_stored == esp8266_crc32 (data, pos);
  pos += 4;

  p->info.n_segments = n_segments + 1;
  p->info.image_length = pos;
  p->info.kind = SF_IMAGE_KIND_ESP8266_V2;
  return TRUE;
}

/* The partition table at @base of @data, through the partition table
 * module, in this module's error domain. A table whose MD5 entry does not
 * match is still shown (image_info says so), so it is not an error here. */
static SfPartitionTable *
parse_partition_table (const guint8  *data,
                       gsize          len,
                       gsize          base,
                       GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  SfPartitionTable *table;

  table = _sf_partition_table_parse_binary_full (data + base, len - base, TRUE, &local_error);
  if (table == NULL)
    set_invalid (error, "%s", local_error->message);
  return table;
}

void
_sf_parsed_image_free (SfParsedImage *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->table, sf_partition_table_unref);
  g_free (p);
}

gboolean
_sf_image_parse_all (GBytes         *bytes,
                     SfParsedImage  *p,
                     GError        **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  memset (p, 0, sizeof *p);
  p->info.kind = SF_IMAGE_KIND_RAW;
  p->info.chip = SF_CHIP_AUTO;

  if (data == NULL || len == 0)
    return TRUE;

  /* Merged: a bootloader at 0x0 or 0x1000 and a partition table at
   * 0x8000. Anything else at offset 0 (an app, say) is parsed below. */
  if (len >= SF_PARTITION_TABLE_DEFAULT_OFFSET + SF_PARTITION_ENTRY_LEN
      && data[SF_PARTITION_TABLE_DEFAULT_OFFSET] == 0xAA && data[SF_PARTITION_TABLE_DEFAULT_OFFSET + 1] == 0x50)
    {
      static const gsize bootloader_offsets[] = { 0x0, 0x1000 };

      for (guint i = 0; i < G_N_ELEMENTS (bootloader_offsets); i++)
        {
          gsize base = bootloader_offsets[i];
          g_autoptr(GError) local_error = NULL;
          g_autoptr(SfParsedImage) sub = NULL;

          if (data[base] != SF_IMAGE_MAGIC)
            continue;

          /* Something that doesn't parse as a bootloader ending before
           * the table (an app at 0x0, say) is judged as a whole below. */
          sub = g_new0 (SfParsedImage, 1);
          if (!_sf_image_parse_e9 (data, SF_PARTITION_TABLE_DEFAULT_OFFSET, base, sub, &local_error)
              || sub->info.kind != SF_IMAGE_KIND_BOOTLOADER)
            continue;

          /* @sub holds no table: only what the bootloader's parse found. */
          *p = *sub;
          p->info.kind = SF_IMAGE_KIND_MERGED;
          p->table_offset = SF_PARTITION_TABLE_DEFAULT_OFFSET;
          p->table = parse_partition_table (data, len, SF_PARTITION_TABLE_DEFAULT_OFFSET, &local_error);
          if (p->table == NULL)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                          _("partition table at offset 0x%x: "), SF_PARTITION_TABLE_DEFAULT_OFFSET);
              return FALSE;
            }
          return TRUE;
        }
    }

  switch (data[0])
    {
    case SF_IMAGE_MAGIC:
      return _sf_image_parse_e9 (data, len, 0, p, error);

    case SF_IMAGE_V2_MAGIC:
      return parse_v2_image (data, len, p, error);

    case 0xAA:
      if (len >= 2 && data[1] == 0x50)
        {
          p->table = parse_partition_table (data, len, 0, error);
          if (p->table == NULL)
            return FALSE;
          p->info.kind = SF_IMAGE_KIND_PARTITION_TABLE;
          p->info.image_length = _sf_partition_table_get_binary_length (p->table);
        }
      return TRUE;

    default:
      return TRUE;
    }
}

gboolean
sf_image_parse (GBytes      *data,
                SfImageInfo *out_info,
                GError     **error)
{
  g_autoptr(SfParsedImage) p = NULL;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (out_info != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  p = g_new0 (SfParsedImage, 1);
  if (!_sf_image_parse_all (data, p, error))
    return FALSE;
  *out_info = p->info;
  return TRUE;
}
