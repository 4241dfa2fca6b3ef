/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-bytes-private.h"
#include "sf-flasher-private.h"
#include "sf-protocol-error.h"

/* Whether secure boot and flash encryption are on, as esptool decides it
 * before a write.
 *
 * The ROMs from the ESP32-S2 on answer GET_SECURITY_INFO: a flags word
 * (bit 0: secure boot enabled) and then the one-byte flash encryption
 * counter, which turns encryption on with every bit it gains, so an odd
 * number of set bits means on. That also works where register reads are
 * refused (Secure Download Mode). The ESP32 has no such command, and not
 * every flasher stub answers it; then the same two facts are read from
 * eFuse: the counter's field and the secure boot bit.
 *
 * Where each chip keeps them, from esptool's target descriptions (offsets
 * from the chip's eFuse base). */
typedef struct
{
  SfChip  chip;
  guint32 crypt_cnt_offset;
  guint32 crypt_cnt_mask;
  guint32 secure_boot_offset;
  guint32 secure_boot_mask;
} SecurityFields;

static const SecurityFields security_fields[] = {
  /* ESP32: FLASH_CRYPT_CNT in BLK0 word 0; ABS_DONE_0 (secure boot v1) and
   * ABS_DONE_1 (v2, from revision v3.0 on) in word 6. */
  { SF_CHIP_ESP32,   0x000, 0x7Fu << 20, 0x018, (1u << 4) | (1u << 5) },
  { SF_CHIP_ESP32S2, 0x034, 0x7u << 18,  0x038, 1u << 20 },
  { SF_CHIP_ESP32S3, 0x034, 0x7u << 18,  0x038, 1u << 20 },
  { SF_CHIP_ESP32C2, 0x030, 0x7u << 7,   0x030, 1u << 21 },
  { SF_CHIP_ESP32C3, 0x034, 0x7u << 18,  0x038, 1u << 20 },
  { SF_CHIP_ESP32C6, 0x034, 0x7u << 18,  0x038, 1u << 20 },
  { SF_CHIP_ESP32H2, 0x034, 0x7u << 18,  0x038, 1u << 20 },
};

#define SECURITY_FLAG_SECURE_BOOT_EN (1u << 0)

static gboolean
read_security_from_efuse (SfFlasher      *self,
                          SfChipDetails  *details,
                          GError        **error)
{
  const SfChipInfo *chip = self->loader.chip;
  const SecurityFields *fields = NULL;
  guint32 crypt_word, boot_word, boot_mask;

  for (guint i = 0; i < G_N_ELEMENTS (security_fields); i++)
    if (security_fields[i].chip == chip->chip)
      fields = &security_fields[i];
  if (fields == NULL)
    return TRUE;

  if (!_sf_loader_read_reg_checked (&self->loader, chip->efuse_base + fields->crypt_cnt_offset,
                                    &crypt_word, error) ||
      !_sf_loader_read_reg_checked (&self->loader, chip->efuse_base + fields->secure_boot_offset,
                                    &boot_word, error))
    return FALSE;

  boot_mask = fields->secure_boot_mask;
  /* ABS_DONE_1 means secure boot v2 only on revision v3.0 and later. */
  if (chip->chip == SF_CHIP_ESP32 && details->revision < 300)
    boot_mask &= ~(1u << 5);
  details->flash_encryption = (__builtin_popcount (crypt_word & fields->crypt_cnt_mask) & 1) != 0;
  details->secure_boot = (boot_word & boot_mask) != 0;
  return TRUE;
}

gboolean
_sf_flasher_read_security (SfFlasher      *self,
                           SfChipDetails  *details,
                           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) info = NULL;
  const guint8 *bytes;
  gsize length;

  details->secure_boot = FALSE;
  details->flash_encryption = FALSE;
  if (self->loader.chip->chip == SF_CHIP_ESP8266)
    return TRUE;

  if (self->loader.chip->supports_security_info)
    {
      if (_sf_loader_command (&self->loader, SF_OP_GET_SECURITY_INFO, NULL, 0, 0,
                              0, SF_REPLY_ANY_LENGTH, NULL, &info, &local_error))
        {
          bytes = g_bytes_get_data (info, &length);
          if (length >= 5)
            {
              details->secure_boot = (_sf_get_le32 (bytes) & SECURITY_FLAG_SECURE_BOOT_EN) != 0;
              details->flash_encryption = (__builtin_popcount (bytes[4]) & 1) != 0;
              return TRUE;
            }
        }
      else if (!g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) &&
               !g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("GET_SECURITY_INFO gave nothing to go by; reading eFuse instead");
    }
  return read_security_from_efuse (self, details, error);
}
