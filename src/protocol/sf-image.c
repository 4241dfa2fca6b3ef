/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-image"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "sf-chip-private.h"
#include "sf-image.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

/* The ESP firmware image format: a 0xE9 magic, segments, a checksum and,
 * on the ESP32 family, an extended header and an optional SHA-256. */
#define IMAGE_MAGIC            0xE9
#define IMAGE_V2_MAGIC         0xEA
#define IMAGE_V2_SEGMENT_COUNT 4
#define COMMON_HEADER_LEN      8
#define EXTENDED_HEADER_END    24
#define MAX_SEGMENTS           16
#define SEGMENT_HEADER_LEN     8
#define CHECKSUM_SEED          0xEF
#define SHA256_LEN             32

#define PARTITION_TABLE_OFFSET   0x8000
#define PARTITION_TABLE_MAX_LEN  0xC00
#define PARTITION_ENTRY_LEN      32
#define PARTITION_LABEL_LEN      16

#define DEFAULT_APP_OFFSET       0x10000
/* NONOS SDK "user1.bin" (V2) images go right after boot_v1.x. */
#define ESP8266_V2_APP_OFFSET    0x1000

typedef struct
{
  guint32 load_addr;
  guint32 length;
  gsize   header_offset;   /* absolute, in the whole file */
} Segment;

typedef struct
{
  guint8  type;
  guint8  subtype;
  guint32 offset;
  guint32 size;
  char    label[PARTITION_LABEL_LEN + 1];
  guint32 flags;
} PartitionEntry;

typedef struct
{
  PartitionEntry entries[PARTITION_TABLE_MAX_LEN / PARTITION_ENTRY_LEN];
  guint          n_entries;
  gboolean       has_md5;
  gboolean       md5_valid;
  gsize          length;
} PartitionTable;

/* Everything sf_image_parse finds, more than SfImageInfo carries; used by
 * sf_image_format_info and sf_image_rewrite_header. */
typedef struct
{
  SfImageInfo     info;

  /* 0xE9 / 0xEA images */
  gsize           base;              /* where the image starts in the file */
  Segment         segments[MAX_SEGMENTS + 1];
  guint16         image_chip_id;
  guint8          legacy_min_revision;
  guint8          checksum_stored;
  guint8          checksum_computed;
  gsize           checksum_offset;   /* absolute */
  gboolean        hash_valid;
  gboolean        has_crc;           /* V2 only */
  gboolean        crc_valid;
  guint32         crc_stored;

  /* Partition tables and merged images */
  PartitionTable  table;
  gsize           table_offset;
} ParsedImage;

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
static const char *
flash_range_name (SfChip  chip,
                  guint32 addr)
{
  for (const MemoryRange *r = get_flash_ranges (chip); r->end != 0; r++)
    if (addr >= r->start && addr < r->end)
      return r->name;
  return NULL;
}

static inline guint16
read_u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
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

static gboolean
chip_is_esp8266 (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);

  return info != NULL && info->is_esp8266_family;
}

/* The chip whose header encodings apply: ESP32 rules for unknown chips. */
static SfChip
encoding_chip (SfChip chip)
{
  return chip == SF_CHIP_AUTO ? SF_CHIP_ESP32 : chip;
}

/* Reads @n_segments segments starting at @pos (absolute). Adds each
 * segment's data into *@checksum when @checksummed. */
static gboolean
parse_segments (const guint8 *buf,
                gsize         len,
                gsize        *pos,
                guint         n_segments,
                guint         first_index,
                gboolean      checksummed,
                ParsedImage  *p,
                GError      **error)
{
  for (guint i = 0; i < n_segments; i++)
    {
      guint index = first_index + i;
      Segment *seg = &p->segments[index];

      g_assert (index < G_N_ELEMENTS (p->segments));

      if (len - *pos < SEGMENT_HEADER_LEN)
        {
          set_invalid (error, _("the header of segment %u is cut short (offset 0x%zx)"),
                       index + 1, *pos);
          return FALSE;
        }
      seg->header_offset = *pos;
      seg->load_addr = read_u32 (buf + *pos);
      seg->length = read_u32 (buf + *pos + 4);
      *pos += SEGMENT_HEADER_LEN;

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
parse_checksum (const guint8 *buf,
                gsize         len,
                gsize         origin,
                gsize        *pos,
                ParsedImage  *p,
                GError      **error)
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
static gboolean
parse_e9_image (const guint8 *data,
                gsize         len,
                gsize         base,
                ParsedImage  *p,
                GError      **error)
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

  if (avail < 1 || h[0] != IMAGE_MAGIC)
    return TRUE;

  /* A segment count or flash mode no image uses: data that merely starts
   * with 0xE9. */
  if (avail < 2 || h[1] == 0 || h[1] > MAX_SEGMENTS || (avail >= 3 && h[2] > 3))
    return TRUE;

  if (avail < COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   avail, COMMON_HEADER_LEN);
      return FALSE;
    }

  n_segments = h[1];
  p->info.flash_mode = h[2];
  p->info.flash_size_code = h[3] >> 4;
  p->info.flash_freq_code = h[3] & 0xF;
  p->info.entry = read_u32 (h + 4);
  p->info.n_segments = n_segments;

  /* The ESP8266 has no extended header: its first segment header follows
   * at offset 8. The extended header's reserved bytes 19..22 are zero and
   * byte 23 is 0 or 1; together with a known chip id that rules out an
   * ESP8266 segment header, whose bytes 12..15 are a length. */
  esp8266_entry = (p->info.entry & 0xFFFF0000) == 0x40100000;
  if (avail >= EXTENDED_HEADER_END)
    {
      extended_plausible = h[19] == 0 && h[20] == 0 && h[21] == 0 && h[22] == 0 && h[23] <= 1;
      if (extended_plausible)
        chip_info = _sf_chip_find_by_image_id (read_u16 (h + 12));
    }

  if (extended_plausible && (chip_info != NULL || !esp8266_entry))
    {
      p->info.has_extended_header = TRUE;
      p->info.chip = chip_info != NULL ? chip_info->chip : SF_CHIP_AUTO;
      p->image_chip_id = read_u16 (h + 12);
      p->legacy_min_revision = h[14];
      p->info.min_revision = read_u16 (h + 15);
      p->info.max_revision = read_u16 (h + 17);
      p->info.hash_appended = h[23] == 1;
      pos = base + EXTENDED_HEADER_END;
    }
  else if (esp8266_entry)
    {
      p->info.chip = SF_CHIP_ESP8266;
      pos = base + COMMON_HEADER_LEN;
    }
  else if (avail < EXTENDED_HEADER_END)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   avail, EXTENDED_HEADER_END);
      return FALSE;
    }
  else
    {
      /* Neither an extended header nor an ESP8266 entry point. */
      return TRUE;
    }

  p->checksum_computed = CHECKSUM_SEED;
  if (!parse_segments (data, len, &pos, n_segments, 0, TRUE, p, error))
    return FALSE;
  if (!parse_checksum (data, len, base, &pos, p, error))
    return FALSE;

  if (p->info.hash_appended)
    {
      g_autoptr(GChecksum) sha = NULL;
      guint8 digest[SHA256_LEN];
      gsize digest_len = sizeof digest;

      if (len - pos < SHA256_LEN)
        {
          set_invalid (error, _("the appended SHA-256 is cut short (%zu of %u bytes at offset 0x%zx)"),
                       len - pos, SHA256_LEN, pos);
          return FALSE;
        }
      sha = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (sha, data + base, pos - base);
      g_checksum_get_digest (sha, digest, &digest_len);
      p->hash_valid = memcmp (digest, data + pos, SHA256_LEN) == 0;
      pos += SHA256_LEN;
    }

  p->info.image_length = pos - base;

  /* A bootloader runs from RAM; an app maps code or data from flash. On
   * the ESP8266 this calls the NONOS SDK's RAM-only 0x00000.bin a
   * bootloader, which still suggests the right address (0x0). */
  p->info.kind = SF_IMAGE_KIND_BOOTLOADER;
  for (guint i = 0; i < n_segments; i++)
    if (flash_range_name (p->info.chip, p->segments[i].load_addr) != NULL)
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
parse_v2_image (const guint8 *data,
                gsize         len,
                ParsedImage  *p,
                GError      **error)
{
  gsize pos;
  guint n_segments;

  memset (p, 0, sizeof *p);
  p->info.kind = SF_IMAGE_KIND_RAW;
  p->info.chip = SF_CHIP_AUTO;

  if (len < 2 || data[0] != IMAGE_V2_MAGIC || data[1] != IMAGE_V2_SEGMENT_COUNT)
    return TRUE;

  if (len < COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the image header is cut short (%zu of %u bytes)"),
                   len, COMMON_HEADER_LEN);
      return FALSE;
    }

  p->info.chip = SF_CHIP_ESP8266;
  p->info.flash_mode = data[2];
  p->info.flash_size_code = data[3] >> 4;
  p->info.flash_freq_code = data[3] & 0xF;
  p->info.entry = read_u32 (data + 4);

  /* The IROM segment is stored with load address 0 and is not part of
   * the checksum. */
  pos = COMMON_HEADER_LEN;
  if (!parse_segments (data, len, &pos, 1, 0, FALSE, p, error))
    return FALSE;

  if (len - pos < COMMON_HEADER_LEN)
    {
      set_invalid (error, _("the second image header is cut short (offset 0x%zx)"),
                   pos);
      return FALSE;
    }
  if (data[pos] != IMAGE_MAGIC)
    {
      set_invalid (error, _("the second image header at offset 0x%zx does not start with 0xE9"),
                   pos);
      return FALSE;
    }
  n_segments = data[pos + 1];
  if (n_segments == 0 || n_segments > MAX_SEGMENTS)
    {
      set_invalid (error, _("the second image header at offset 0x%zx has %u segments"),
                   pos, n_segments);
      return FALSE;
    }
  /* The second header's entry point is the one the ROM jumps to. */
  p->info.entry = read_u32 (data + pos + 4);
  pos += COMMON_HEADER_LEN;

  p->checksum_computed = CHECKSUM_SEED;
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
  p->crc_stored = read_u32 (data + pos);
  p->crc_valid = p->crc_stored == esp8266_crc32 (data, pos);
  pos += 4;

  p->info.n_segments = n_segments + 1;
  p->info.image_length = pos;
  p->info.kind = SF_IMAGE_KIND_ESP8266_V2;
  return TRUE;
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

/* ESP-IDF partition table at @base: 32-byte entries starting 0xAA 0x50,
 * optionally an MD5 entry (0xEB 0xEB, 14 × 0xFF, MD5 of the entries), then
 * 0xFF padding or the end of the file. Returns FALSE with @error for a
 * table that starts well but breaks off. */
static gboolean
parse_partition_table (const guint8   *data,
                       gsize           len,
                       gsize           base,
                       PartitionTable *table,
                       GError        **error)
{
  gsize end = base + MIN (len - base, (gsize) PARTITION_TABLE_MAX_LEN);
  gsize pos = base;

  memset (table, 0, sizeof *table);

  while (pos < end)
    {
      const guint8 *e = data + pos;

      if (end - pos < PARTITION_ENTRY_LEN)
        {
          if (is_all_ff (e, end - pos))
            break;
          set_invalid (error, _("partition table entry %u is cut short (offset 0x%zx)"),
                       table->n_entries + 1, pos);
          return FALSE;
        }

      if (e[0] == 0xAA && e[1] == 0x50)
        {
          PartitionEntry *entry;

          if (table->n_entries == G_N_ELEMENTS (table->entries))
            break;
          entry = &table->entries[table->n_entries++];
          entry->type = e[2];
          entry->subtype = e[3];
          entry->offset = read_u32 (e + 4);
          entry->size = read_u32 (e + 8);
          memcpy (entry->label, e + 12, PARTITION_LABEL_LEN);
          entry->label[PARTITION_LABEL_LEN] = '\0';
          entry->flags = read_u32 (e + 28);
          pos += PARTITION_ENTRY_LEN;
        }
      else if (e[0] == 0xEB && e[1] == 0xEB)
        {
          g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
          guint8 digest[16];
          gsize digest_len = sizeof digest;

          g_checksum_update (md5, data + base, pos - base);
          g_checksum_get_digest (md5, digest, &digest_len);
          table->has_md5 = TRUE;
          table->md5_valid = memcmp (digest, e + 16, sizeof digest) == 0;
          pos += PARTITION_ENTRY_LEN;
          break;
        }
      else if (is_all_ff (e, PARTITION_ENTRY_LEN))
        {
          break;
        }
      else
        {
          set_invalid (error, _("partition table entry %u at offset 0x%zx is neither an entry nor the end of the table"),
                       table->n_entries + 1, pos);
          return FALSE;
        }
    }

  table->length = pos - base;
  return TRUE;
}

static gboolean
parse_all (GBytes      *bytes,
           ParsedImage *p,
           GError     **error)
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
  if (len >= PARTITION_TABLE_OFFSET + PARTITION_ENTRY_LEN
      && data[PARTITION_TABLE_OFFSET] == 0xAA && data[PARTITION_TABLE_OFFSET + 1] == 0x50)
    {
      static const gsize bootloader_offsets[] = { 0x0, 0x1000 };

      for (guint i = 0; i < G_N_ELEMENTS (bootloader_offsets); i++)
        {
          gsize base = bootloader_offsets[i];
          g_autoptr(GError) local_error = NULL;
          g_autofree ParsedImage *sub = NULL;

          if (data[base] != IMAGE_MAGIC)
            continue;

          /* Something that doesn't parse as a bootloader ending before
           * the table (an app at 0x0, say) is judged as a whole below. */
          sub = g_new0 (ParsedImage, 1);
          if (!parse_e9_image (data, PARTITION_TABLE_OFFSET, base, sub, &local_error)
              || sub->info.kind != SF_IMAGE_KIND_BOOTLOADER)
            continue;

          *p = *sub;
          p->info.kind = SF_IMAGE_KIND_MERGED;
          p->table_offset = PARTITION_TABLE_OFFSET;
          if (!parse_partition_table (data, len, PARTITION_TABLE_OFFSET, &p->table, &local_error))
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                          _("partition table at offset 0x%x: "), PARTITION_TABLE_OFFSET);
              return FALSE;
            }
          return TRUE;
        }
    }

  switch (data[0])
    {
    case IMAGE_MAGIC:
      return parse_e9_image (data, len, 0, p, error);

    case IMAGE_V2_MAGIC:
      return parse_v2_image (data, len, p, error);

    case 0xAA:
      if (len >= 2 && data[1] == 0x50)
        {
          if (!parse_partition_table (data, len, 0, &p->table, error))
            return FALSE;
          p->info.kind = SF_IMAGE_KIND_PARTITION_TABLE;
          p->info.image_length = p->table.length;
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
  g_autofree ParsedImage *p = NULL;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (out_info != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  p = g_new0 (ParsedImage, 1);
  if (!parse_all (data, p, error))
    return FALSE;
  *out_info = p->info;
  return TRUE;
}

const char *
sf_image_kind_to_string (SfImageKind kind)
{
  switch (kind)
    {
    case SF_IMAGE_KIND_RAW:
      return _("raw data");
    case SF_IMAGE_KIND_BOOTLOADER:
      return _("bootloader");
    case SF_IMAGE_KIND_APP:
      return _("app");
    case SF_IMAGE_KIND_PARTITION_TABLE:
      return _("partition table");
    case SF_IMAGE_KIND_MERGED:
      return _("merged image");
    case SF_IMAGE_KIND_ESP8266_V2:
      return _("V2 app");
    default:
      return _("unknown");
    }
}

static const char *flash_mode_names[] = { "qio", "qout", "dio", "dout" };

const char *
sf_image_flash_mode_name (guint8 code)
{
  return code < G_N_ELEMENTS (flash_mode_names) ? flash_mode_names[code] : NULL;
}

gboolean
sf_image_flash_mode_from_name (const char *name,
                               guint8     *out_code)
{
  g_return_val_if_fail (out_code != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  for (guint8 i = 0; i < G_N_ELEMENTS (flash_mode_names); i++)
    if (g_ascii_strcasecmp (name, flash_mode_names[i]) == 0)
      {
        *out_code = i;
        return TRUE;
      }
  return FALSE;
}

const char *
sf_image_flash_freq_name (SfChip chip,
                          guint8 code)
{
  const SfChipInfo *info = _sf_chip_get_info (encoding_chip (chip));

  if (info == NULL || code >= G_N_ELEMENTS (info->flash_freq_names))
    return NULL;
  return info->flash_freq_names[code];
}

static gboolean
flash_freq_from_name (SfChip      chip,
                      const char *name,
                      guint8     *out_code)
{
  const SfChipInfo *info = _sf_chip_get_info (encoding_chip (chip));

  g_assert (info != NULL);

  /* The C6 writes 80 MHz as code 0, like 40 MHz; the
   * chip table can only name one of them. */
  if (info->chip == SF_CHIP_ESP32C6 && g_ascii_strcasecmp (name, "80m") == 0)
    {
      *out_code = 0;
      return TRUE;
    }
  for (guint8 i = 0; i < G_N_ELEMENTS (info->flash_freq_names); i++)
    if (info->flash_freq_names[i] != NULL && g_ascii_strcasecmp (name, info->flash_freq_names[i]) == 0)
      {
        *out_code = i;
        return TRUE;
      }
  return FALSE;
}

/* "80m, 40m, 26m, 20m" for @chip, fastest first. */
static char *
list_flash_freqs (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (encoding_chip (chip));
  static const guint8 order[] = { 0xF, 0x0, 0x1, 0x2 };
  GString *s = g_string_new (NULL);

  g_assert (info != NULL);
  if (info->chip == SF_CHIP_ESP32C6)
    g_string_append (s, "80m");
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (info->flash_freq_names[order[i]] != NULL)
      g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", info->flash_freq_names[order[i]]);
  return g_string_free (s, FALSE);
}

char *
sf_image_flash_size_name (SfChip chip,
                          guint8 code)
{
  guint32 bytes;

  chip = encoding_chip (chip);
  if (!_sf_chip_flash_size_from_code (chip, code, &bytes))
    return NULL;

  if (chip_is_esp8266 (chip) && (code == 5 || code == 6))
    return g_strdup_printf ("%uMB-c1", bytes / (1024 * 1024));
  if (bytes < 1024 * 1024)
    return g_strdup_printf ("%uKB", bytes / 1024);
  return g_strdup_printf ("%uMB", bytes / (1024 * 1024));
}

/* esptool's --flash_size name to @chip's header code; "2MB-c1"/"4MB-c1"
 * only exist on the ESP8266. */
static gboolean
flash_size_code_from_bytes (SfChip    chip,
                            guint32   bytes,
                            gboolean  c1,
                            guint8   *out_code)
{
  chip = encoding_chip (chip);
  if (c1)
    {
      if (!chip_is_esp8266 (chip))
        return FALSE;
      if (bytes == 2 * 1024 * 1024)
        *out_code = 5;
      else if (bytes == 4 * 1024 * 1024)
        *out_code = 6;
      else
        return FALSE;
      return TRUE;
    }
  return _sf_chip_flash_size_to_code (chip, bytes, out_code);
}

static char *
describe_code (const char *name,
               const char *what,
               guint8      code)
{
  if (name != NULL)
    return g_strdup (name);
  /* Translators: an unknown header field, e.g. "mode 0x7". */
  return g_strdup_printf (_("%s 0x%x"), what, code);
}

char *
sf_image_describe (const SfImageInfo *info)
{
  g_autofree char *mode = NULL;
  g_autofree char *size = NULL;
  g_autofree char *freq = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  switch (info->kind)
    {
    case SF_IMAGE_KIND_RAW:
    case SF_IMAGE_KIND_PARTITION_TABLE:
      return g_strdup (sf_image_kind_to_string (info->kind));

    case SF_IMAGE_KIND_BOOTLOADER:
    case SF_IMAGE_KIND_APP:
    case SF_IMAGE_KIND_MERGED:
    case SF_IMAGE_KIND_ESP8266_V2:
    default:
      break;
    }

  if (sf_image_flash_mode_name (info->flash_mode) != NULL)
    mode = g_ascii_strup (sf_image_flash_mode_name (info->flash_mode), -1);
  else
    mode = describe_code (NULL, _("mode"), info->flash_mode);
  size = sf_image_flash_size_name (info->chip, info->flash_size_code);
  if (size == NULL)
    size = describe_code (NULL, _("size"), info->flash_size_code);
  freq = describe_code (sf_image_flash_freq_name (info->chip, info->flash_freq_code),
                        _("frequency"), info->flash_freq_code);

  if (info->chip != SF_CHIP_AUTO)
    /* Translators: "ESP32-C3 app", "ESP32 bootloader". */
    what = g_strdup_printf (_("%s %s"), sf_chip_get_name (info->chip), sf_image_kind_to_string (info->kind));
  else
    what = g_strdup (sf_image_kind_to_string (info->kind));

  /* Translators: "ESP32 app, DIO, 4MB, 40m": kind, flash mode, size, frequency. */
  return g_strdup_printf (_("%s, %s, %s, %s"), what, mode, size, freq);
}

guint32
sf_image_suggest_address (const SfImageInfo *info,
                          SfChip             chip)
{
  g_return_val_if_fail (info != NULL, 0);

  if (chip == SF_CHIP_AUTO)
    chip = info->chip;

  switch (info->kind)
    {
    case SF_IMAGE_KIND_BOOTLOADER:
      return sf_chip_get_bootloader_offset (chip);
    case SF_IMAGE_KIND_PARTITION_TABLE:
      return PARTITION_TABLE_OFFSET;
    case SF_IMAGE_KIND_APP:
      return DEFAULT_APP_OFFSET;
    case SF_IMAGE_KIND_ESP8266_V2:
      return ESP8266_V2_APP_OFFSET;
    case SF_IMAGE_KIND_MERGED:
    case SF_IMAGE_KIND_RAW:
    default:
      return 0;
    }
}

static gboolean
is_keep (const char *value)
{
  return value == NULL || g_ascii_strcasecmp (value, "keep") == 0;
}

static void
set_wrong_chip (GError            **error,
                const SfImageInfo  *info,
                guint16             image_chip_id,
                SfChip              chip)
{
  if (info->chip == SF_CHIP_AUTO)
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP,
                 _("the image is for an unknown chip (id %u) but the board is an %s"),
                 image_chip_id, sf_chip_get_name (chip));
  else
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP,
                 _("the image is for %s but the board is an %s"),
                 sf_chip_get_name (info->chip), sf_chip_get_name (chip));
}

static void
set_bad_freq (GError    **error,
              SfChip      chip,
              const char *name)
{
  g_autofree char *names = list_flash_freqs (chip);

  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
               _("flash frequency '%s' is not one of %s, keep"), name, names);
}

GBytes *
sf_image_rewrite_header (GBytes      *data,
                         SfChip       chip,
                         const char  *flash_mode,
                         const char  *flash_size,
                         const char  *flash_freq,
                         guint32      detected_flash_size,
                         GError     **error)
{
  g_autofree ParsedImage *p = NULL;
  const guint8 *bytes;
  gsize len;
  guint8 mode_code = 0;
  guint8 size_code = 0;
  guint8 freq_code = 0;
  guint32 size_bytes = 0;
  gboolean size_c1 = FALSE;
  SfChip target;
  guint8 byte2, byte3;
  guint8 *copy;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Names are checked even when the file turns out not to need a
   * rewrite, so a typo is reported the same way for every file. */
  if (!is_keep (flash_mode) && !sf_image_flash_mode_from_name (flash_mode, &mode_code))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("flash mode '%s' is not one of qio, qout, dio, dout, keep"), flash_mode);
      return NULL;
    }
  if (!is_keep (flash_size))
    {
      if (g_ascii_strcasecmp (flash_size, "detect") == 0)
        {
          size_bytes = detected_flash_size != 0 ? detected_flash_size : 4 * 1024 * 1024;
        }
      else
        {
          if (!sf_parse_flash_size (flash_size, &size_bytes, NULL))
            {
              g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                           _("flash size '%s' is not one of 256KB, 512KB, 1MB, 2MB, 2MB-c1, 4MB, 4MB-c1, 8MB, 16MB, 32MB, 64MB, 128MB, detect, keep"),
                           flash_size);
              return NULL;
            }
          size_c1 = g_str_has_suffix (flash_size, "-c1") || g_str_has_suffix (flash_size, "-C1");
        }
    }

  if (chip != SF_CHIP_AUTO && !is_keep (flash_freq) && !flash_freq_from_name (chip, flash_freq, &freq_code))
    {
      set_bad_freq (error, chip, flash_freq);
      return NULL;
    }

  if (is_keep (flash_mode) && is_keep (flash_size) && is_keep (flash_freq))
    return g_bytes_ref (data);

  bytes = g_bytes_get_data (data, &len);
  if (bytes == NULL || len < COMMON_HEADER_LEN || bytes[0] != IMAGE_MAGIC)
    return g_bytes_ref (data);

  p = g_new0 (ParsedImage, 1);
  /* esptool leaves files alone that don't parse as an image, too; the
   * caller may run sf_image_parse() itself to warn about them. */
  if (!parse_e9_image (bytes, len, 0, p, NULL))
    return g_bytes_ref (data);
  if (p->info.kind != SF_IMAGE_KIND_BOOTLOADER && p->info.kind != SF_IMAGE_KIND_APP)
    return g_bytes_ref (data);

  target = chip != SF_CHIP_AUTO ? chip : p->info.chip;
  if (chip != SF_CHIP_AUTO && p->info.chip != chip)
    {
      set_wrong_chip (error, &p->info, p->image_chip_id, chip);
      return NULL;
    }

  byte2 = bytes[2];
  byte3 = bytes[3];

  if (!is_keep (flash_mode))
    byte2 = mode_code;

  if (!is_keep (flash_freq))
    {
      if (!flash_freq_from_name (target, flash_freq, &freq_code))
        {
          set_bad_freq (error, target, flash_freq);
          return NULL;
        }
      byte3 = (byte3 & 0xF0) | freq_code;
    }

  if (!is_keep (flash_size))
    {
      if (!flash_size_code_from_bytes (target, size_bytes, size_c1, &size_code))
        {
          g_autofree char *size_text = sf_format_size (size_bytes);

          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("an %s image header cannot hold a flash size of %s%s"),
                       sf_chip_get_name (encoding_chip (target)), size_text,
                       size_c1 ? " (-c1)" : "");
          return NULL;
        }
      byte3 = (byte3 & 0x0F) | (size_code << 4);
    }

  if (byte2 == bytes[2] && byte3 == bytes[3])
    return g_bytes_ref (data);

  copy = g_memdup2 (bytes, len);
  copy[2] = byte2;
  copy[3] = byte3;

  /* The SHA-256 covers the header; the checksum byte does not. Anything
   * after the digest (the rest of a merged file) is kept as it is. */
  if (p->info.hash_appended)
    {
      g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
      gsize hashed_len = p->checksum_offset + 1;
      gsize digest_len = SHA256_LEN;

      g_assert (hashed_len + SHA256_LEN <= len);
      g_checksum_update (sha, copy, hashed_len);
      g_checksum_get_digest (sha, copy + hashed_len, &digest_len);
    }

  return g_bytes_new_take (copy, len);
}

static const char *
partition_type_name (guint8 type)
{
  switch (type)
    {
    case 0x00: return "app";
    case 0x01: return "data";
    case 0x02: return "bootloader";
    case 0x03: return "partition_table";
    default: return NULL;
    }
}

static char *
partition_subtype_name (guint8 type,
                        guint8 subtype)
{
  if (type == 0x00)
    {
      if (subtype == 0x00)
        return g_strdup ("factory");
      if (subtype >= 0x10 && subtype < 0x20)
        return g_strdup_printf ("ota_%u", subtype - 0x10);
      if (subtype == 0x20)
        return g_strdup ("test");
    }
  else if (type == 0x01)
    {
      static const char *names[] = { "ota", "phy", "nvs", "coredump", "nvs_keys", "efuse", "undefined" };

      if (subtype < G_N_ELEMENTS (names))
        return g_strdup (names[subtype]);
      switch (subtype)
        {
        case 0x80: return g_strdup ("esphttpd");
        case 0x81: return g_strdup ("fat");
        case 0x82: return g_strdup ("spiffs");
        case 0x83: return g_strdup ("littlefs");
        default: break;
        }
    }
  return g_strdup_printf ("0x%02x", subtype);
}

static void
format_partition_table (GString              *s,
                        const PartitionTable *table,
                        const char           *indent)
{
  g_string_append_printf (s, _("%sPartitions: %u\n"), indent, table->n_entries);
  for (guint i = 0; i < table->n_entries; i++)
    {
      const PartitionEntry *e = &table->entries[i];
      g_autofree char *label = g_utf8_make_valid (e->label, -1);
      g_autofree char *type = NULL;
      g_autofree char *subtype = partition_subtype_name (e->type, e->subtype);
      g_autofree char *size = sf_format_size (e->size);

      type = partition_type_name (e->type) != NULL
               ? g_strdup (partition_type_name (e->type))
               : g_strdup_printf ("0x%02x", e->type);
      g_string_append_printf (s, "%s  %-16s %-10s %-10s 0x%08x  0x%08x (%s)%s\n",
                              indent, label, type, subtype, e->offset, e->size, size,
                              (e->flags & 1) ? _(", encrypted") : "");
    }
  if (table->has_md5)
    g_string_append_printf (s, _("%sMD5 of the table: %s\n"), indent,
                            table->md5_valid ? _("valid") : _("invalid"));
  else
    g_string_append_printf (s, _("%sMD5 of the table: none\n"), indent);
}

static void
format_revision (GString *s,
                 guint16  revision)
{
  g_string_append_printf (s, "v%u.%u", revision / 100, revision % 100);
}

static void
format_e9_image (GString           *s,
                 const guint8      *data,
                 const ParsedImage *p,
                 const char        *indent)
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
      const Segment *irom = &p->segments[0];

      g_string_append_printf (s, _("%s  1: %u bytes at file offset 0x%zx, IROM (mapped from flash, not in the checksum)\n"),
                              indent, irom->length, irom->header_offset + SEGMENT_HEADER_LEN);
      first_segment = 1;
    }
  for (guint i = first_segment; i < info->n_segments; i++)
    {
      const Segment *seg = &p->segments[i];
      const char *range = flash_range_name (info->chip, seg->load_addr);

      g_string_append_printf (s, _("%s  %u: load address 0x%08x, %u bytes at file offset 0x%zx, %s\n"),
                              indent, i + 1, seg->load_addr, seg->length,
                              seg->header_offset + SEGMENT_HEADER_LEN,
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
          g_autofree char *hex = g_malloc (SHA256_LEN * 2 + 1);
          const guint8 *digest = data + p->checksum_offset + 1;

          for (guint i = 0; i < SHA256_LEN; i++)
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
  g_autofree ParsedImage *p = NULL;
  g_autoptr(GString) s = NULL;
  g_autofree char *file_size = NULL;
  const guint8 *bytes;
  gsize len;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = g_new0 (ParsedImage, 1);
  if (!parse_all (data, p, error))
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
      format_partition_table (s, &p->table, "");
      break;

    case SF_IMAGE_KIND_MERGED:
      g_string_append_printf (s, _("Kind: %s\n"), sf_image_kind_to_string (p->info.kind));
      g_string_append_printf (s, _("Bootloader at 0x%zx:\n"), p->base);
      format_e9_image (s, bytes, p, "  ");
      g_string_append_printf (s, _("Partition table at 0x%zx:\n"), p->table_offset);
      format_partition_table (s, &p->table, "  ");
      /* Say what sits at each app partition that the file covers. */
      for (guint i = 0; i < p->table.n_entries; i++)
        {
          const PartitionEntry *e = &p->table.entries[i];
          g_autoptr(GBytes) part = NULL;
          g_autoptr(GError) local_error = NULL;
          SfImageInfo app_info;
          g_autofree char *label = g_utf8_make_valid (e->label, -1);

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
