/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The firmware image parser and header rewrite against any file a user
 * can pick: what `image_info`, the file list and `write_flash --flash_mode
 * --flash_size --flash_freq` do with its bytes.
 *
 * Input: five option bytes, then the file. The options pick the board's
 * chip, the --flash_mode, --flash_size and --flash_freq values (from lists
 * of the names esptool takes, with "keep", none and a few wrong ones) and
 * the flash size "detect" finds. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-chip.h"
#include "sf-image.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

#define SHA256_LEN 32

static const char *const modes[] = {
  NULL, "keep", "qio", "qout", "dio", "dout", "DIO", "fast",
};
static const char *const sizes[] = {
  NULL, "keep", "detect", "256KB", "512KB", "1MB", "2MB", "2MB-c1", "4MB",
  "4MB-c1", "8MB", "16MB", "32MB", "64MB", "128MB", "4M", "3MB", "1MB-c1",
};
static const char *const freqs[] = {
  NULL, "keep", "80m", "40m", "26m", "20m", "48m", "24m", "12m", "16m",
  "60m", "30m", "15m", "120m", "40",
};
static const guint32 detected_sizes[] = {
  0, 256 * 1024, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024,
  16 * 1024 * 1024, 128 * 1024 * 1024, 3 * 1024 * 1024, G_MAXUINT32,
};

#define PICK(list, byte) ((list)[(byte) % G_N_ELEMENTS (list)])

static gboolean
is_keep (const char *value)
{
  return value == NULL || g_ascii_strcasecmp (value, "keep") == 0;
}

static void
assert_text (const char *text)
{
  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), >, 0);
  g_assert_true (g_utf8_validate (text, -1, NULL));
}

static void
assert_image_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == SF_PROTOCOL_ERROR);
  assert_text (error->message);
}

/* What every successful parse promises. */
static void
check_info (const SfImageInfo *info,
            gsize              len)
{
  g_autofree char *describe = NULL;
  guint32 address;

  g_assert_cmpint (info->kind, >=, SF_IMAGE_KIND_RAW);
  g_assert_cmpint (info->kind, <=, SF_IMAGE_KIND_ESP8266_V2);
  g_assert_cmpint (info->chip, >=, SF_CHIP_AUTO);
  g_assert_cmpint (info->chip, <, SF_N_CHIPS);
  g_assert_cmpuint (info->image_length, <=, len);
  switch (info->kind)
    {
    case SF_IMAGE_KIND_BOOTLOADER:
    case SF_IMAGE_KIND_APP:
    case SF_IMAGE_KIND_MERGED:
      /* 0xE9 data with a flash mode no image uses is raw data. */
      g_assert_cmpuint (info->flash_mode, <=, 3);
      G_GNUC_FALLTHROUGH;
    case SF_IMAGE_KIND_ESP8266_V2:
      /* A header, a segment header, a checksum byte at the least. */
      g_assert_cmpuint (info->image_length, >=, 16);
      g_assert_cmpuint (info->n_segments, >=, 1);
      g_assert_cmpuint (info->n_segments, <=, 17);
      break;
    case SF_IMAGE_KIND_RAW:
    case SF_IMAGE_KIND_PARTITION_TABLE:
    default:
      break;
    }

  describe = sf_image_describe (info);
  assert_text (describe);
  assert_text (sf_image_kind_to_string (info->kind));

  for (SfChip chip = SF_CHIP_AUTO; chip < SF_N_CHIPS; chip++)
    {
      g_autofree char *size = sf_image_flash_size_name (chip, info->flash_size_code);
      const char *freq = sf_image_flash_freq_name (chip, info->flash_freq_code);

      address = sf_image_suggest_address (info, chip);
      g_assert_true (address == 0 || address == 0x1000 || address == 0x8000 || address == 0x10000);
      if (size != NULL)
        {
          guint32 bytes;

          /* Every size name the parser prints reads back. */
          g_assert_true (sf_parse_flash_size (size, &bytes, NULL));
        }
      if (freq != NULL)
        assert_text (freq);
    }
  if (sf_image_flash_mode_name (info->flash_mode) != NULL)
    {
      guint8 code;

      g_assert_true (sf_image_flash_mode_from_name (sf_image_flash_mode_name (info->flash_mode), &code));
      g_assert_cmpuint (code, ==, info->flash_mode);
    }
}

/* A rewritten header holds what was asked for, in @target's encoding. */
static void
check_rewritten_fields (const guint8 *out,
                        SfChip        target,
                        const char   *mode,
                        const char   *size,
                        const char   *freq,
                        guint32       detected)
{
  if (!is_keep (mode))
    {
      guint8 code;

      g_assert_true (sf_image_flash_mode_from_name (mode, &code));
      g_assert_cmpuint (out[2], ==, code);
    }
  if (!is_keep (size))
    {
      g_autofree char *name = sf_image_flash_size_name (target, out[3] >> 4);
      guint32 asked, written;

      if (g_ascii_strcasecmp (size, "detect") == 0)
        asked = detected != 0 ? detected : 4 * 1024 * 1024;
      else
        g_assert_true (sf_parse_flash_size (size, &asked, NULL));
      g_assert_nonnull (name);
      g_assert_true (sf_parse_flash_size (name, &written, NULL));
      g_assert_cmpuint (written, ==, asked);
    }
  if (!is_keep (freq))
    {
      const char *name = sf_image_flash_freq_name (target, out[3] & 0xF);
      SfChip chip = target != SF_CHIP_AUTO ? target : SF_CHIP_ESP32;

      /* The C6 writes 80 MHz with 40 MHz's code. */
      if (chip == SF_CHIP_ESP32C6 && g_ascii_strcasecmp (freq, "80m") == 0)
        g_assert_cmpuint (out[3] & 0xF, ==, 0);
      else
        g_assert_true (name != NULL && g_ascii_strcasecmp (name, freq) == 0);
    }
}

static void
check_rewrite (GBytes            *file,
               gboolean           parsed,
               const SfImageInfo *info,
               SfChip             chip,
               const char        *mode,
               const char        *size,
               const char        *freq,
               guint32            detected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) reparse_error = NULL;
  SfImageInfo out_info;
  const guint8 *in_bytes, *out_bytes;
  gsize len, out_len;
  gsize first_change = 0, last_change = 0, hash_end = 0;
  gboolean reparsed;

  out = sf_image_rewrite_header (file, chip, mode, size, freq, detected, &error);
  if (out == NULL)
    {
      assert_image_error (error);
      return;
    }
  g_assert_no_error (error);

  in_bytes = g_bytes_get_data (file, &len);
  out_bytes = g_bytes_get_data (out, &out_len);
  g_assert_cmpuint (out_len, ==, len);
  if (out == file || (len > 0 && out_bytes == in_bytes))
    return;

  /* A new file only for a 0xE9 image at the start that needed a change. */
  g_assert_cmpuint (len, >=, 16);
  g_assert_cmpuint (in_bytes[0], ==, 0xE9);
  g_assert_true (out_bytes[2] != in_bytes[2] || out_bytes[3] != in_bytes[3]);
  if (chip != SF_CHIP_AUTO)
    check_rewritten_fields (out_bytes, chip, mode, size, freq, detected);
  else if (parsed && (info->kind == SF_IMAGE_KIND_BOOTLOADER || info->kind == SF_IMAGE_KIND_APP))
    check_rewritten_fields (out_bytes, info->chip, mode, size, freq, detected);

  /* Only bytes 2 and 3 change, and an appended digest with them: then the
   * changes beyond the header lie in one 32-byte digest that starts on a
   * 16-byte boundary (right after the checksum byte) and is the SHA-256 of
   * everything before it. */
  for (gsize i = 4; i < len; i++)
    if (out_bytes[i] != in_bytes[i])
      {
        if (first_change == 0)
          first_change = i;
        last_change = i;
      }
  if (first_change > 0)
    {
      gboolean found = FALSE;

      g_assert_cmpuint (len, >, 24);
      g_assert_cmpuint (in_bytes[23], ==, 1);
      g_assert_cmpuint (last_change - first_change, <, SHA256_LEN);
      for (gsize start = first_change & ~(gsize) 15; start + SHA256_LEN > last_change && !found; start -= 16)
        {
          g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
          guint8 digest[SHA256_LEN];
          gsize digest_len = sizeof digest;

          if (start < 24 || start + SHA256_LEN > len)
            break;
          g_checksum_update (sha, out_bytes, start);
          g_checksum_get_digest (sha, digest, &digest_len);
          if (memcmp (digest, out_bytes + start, SHA256_LEN) == 0)
            {
              found = TRUE;
              hash_end = start + SHA256_LEN;
            }
        }
      g_assert_true (found);
    }

  /* Asking again changes nothing. */
  again = sf_image_rewrite_header (out, chip, mode, size, freq, detected, NULL);
  g_assert_nonnull (again);
  g_assert_true (g_bytes_equal (again, out));

  /* The rewritten file is the same kind of file, with the new fields.
   * Unless a new digest lands where a merged file's bootloader or table
   * would be: those bytes decide what the whole file is, and a digest can
   * make or unmake either. */
  if (hash_end > 0x1000 && len >= 0x8000 + 32)
    return;
  reparsed = sf_image_parse (out, &out_info, &reparse_error);
  g_assert_cmpint (reparsed, ==, parsed);
  if (reparsed)
    {
      check_info (&out_info, len);
      g_assert_cmpint (out_info.kind, ==, info->kind);
      g_assert_cmpint (out_info.chip, ==, info->chip);
      g_assert_cmpuint (out_info.image_length, ==, info->image_length);
      g_assert_cmpint (out_info.checksum_valid, ==, info->checksum_valid);
      if (info->kind == SF_IMAGE_KIND_BOOTLOADER || info->kind == SF_IMAGE_KIND_APP)
        {
          g_assert_cmpuint (out_info.flash_mode, ==, out_bytes[2]);
          g_assert_cmpuint (out_info.flash_size_code, ==, out_bytes[3] >> 4);
          g_assert_cmpuint (out_info.flash_freq_code, ==, out_bytes[3] & 0xF);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  SfChip chip = fuzz_input_byte (&in) % SF_N_CHIPS;
  const char *mode = PICK (modes, fuzz_input_byte (&in));
  const char *flash_size = PICK (sizes, fuzz_input_byte (&in));
  const char *freq = PICK (freqs, fuzz_input_byte (&in));
  guint32 detected = PICK (detected_sizes, fuzz_input_byte (&in));
  g_autoptr(GBytes) file = g_bytes_new_take (fuzz_input_copy_rest (&in), in.size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) info_error = NULL;
  g_autofree char *text = NULL;
  SfImageInfo info;
  gboolean parsed;

  parsed = sf_image_parse (file, &info, &error);
  if (parsed)
    {
      g_assert_no_error (error);
      check_info (&info, in.size);
    }
  else
    {
      assert_image_error (error);
      g_assert_cmpint (error->code, ==, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
    }

  /* image_info fails exactly where the parser does, with its message. */
  text = sf_image_format_info (file, &info_error);
  if (parsed)
    {
      g_assert_no_error (info_error);
      assert_text (text);
    }
  else
    {
      g_assert_null (text);
      assert_image_error (info_error);
      g_assert_cmpstr (info_error->message, ==, error->message);
    }

  check_rewrite (file, parsed, &info, chip, mode, flash_size, freq, detected);
  return 0;
}
