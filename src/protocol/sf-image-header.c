/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-image"

/* The image header's flash fields: their names, a one-line description of
 * an image, where a file goes, and esptool's header rewrite. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-chip-private.h"
#include "sf-flasher.h"
#include "sf-image-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

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
  const SfChipInfo *info = _sf_chip_get_info (_sf_image_encoding_chip (chip));

  if (info == NULL || code >= G_N_ELEMENTS (info->flash_freq_names))
    return NULL;
  return info->flash_freq_names[code];
}

static gboolean
flash_freq_from_name (SfChip      chip,
                      const char *name,
                      guint8     *out_code)
{
  const SfChipInfo *info = _sf_chip_get_info (_sf_image_encoding_chip (chip));

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
  const SfChipInfo *info = _sf_chip_get_info (_sf_image_encoding_chip (chip));
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

  chip = _sf_image_encoding_chip (chip);
  if (!_sf_chip_flash_size_from_code (chip, code, &bytes))
    return NULL;

  if (_sf_image_chip_is_esp8266 (chip) && (code == 5 || code == 6))
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
  chip = _sf_image_encoding_chip (chip);
  if (c1)
    {
      if (!_sf_image_chip_is_esp8266 (chip))
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
      return SF_PARTITION_TABLE_DEFAULT_OFFSET;
    case SF_IMAGE_KIND_APP:
      return SF_IMAGE_DEFAULT_APP_OFFSET;
    case SF_IMAGE_KIND_ESP8266_V2:
      return SF_IMAGE_ESP8266_V2_APP_OFFSET;
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
  g_autoptr(SfParsedImage) p = NULL;
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
          size_bytes = detected_flash_size != 0 ? detected_flash_size : SF_FLASH_DEFAULT_SIZE;
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
  if (bytes == NULL || len < SF_IMAGE_COMMON_HEADER_LEN || bytes[0] != SF_IMAGE_MAGIC)
    return g_bytes_ref (data);

  p = g_new0 (SfParsedImage, 1);
  /* esptool leaves files alone that don't parse as an image, too; the
   * caller may run sf_image_parse() itself to warn about them. */
  if (!_sf_image_parse_e9 (bytes, len, 0, p, NULL))
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
                       sf_chip_get_name (_sf_image_encoding_chip (target)), size_text,
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
      gsize digest_len = SF_IMAGE_SHA256_LEN;

      g_assert (hashed_len + SF_IMAGE_SHA256_LEN <= len);
      g_checksum_update (sha, copy, hashed_len);
      g_checksum_get_digest (sha, copy + hashed_len, &digest_len);
    }

  return g_bytes_new_take (copy, len);
}
