/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flasher-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

/* What the chip says about itself: MAC address, flash chip and size,
 * package and revision from eFuse. */

gboolean
sf_flasher_read_flash_id (SfFlasher     *self,
                          guint32       *out_flash_id,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error))
    return FALSE;

  /* The flash size follows from it and may be written into a header;
   * the SPI command reads its answer word by word until two reads agree. */
  if (!self->have_flash_id)
    {
      guint8 id[4] = { 0 };

      if (!_sf_loader_spi_command (&self->loader, 0x9F, 0, 0, 24, id, error))
        return FALSE;
      self->flash_id = id[0] | id[1] << 8 | id[2] << 16;
      self->have_flash_id = TRUE;
    }
  *out_flash_id = self->flash_id;
  return TRUE;
}

/* The JEDEC capacity byte is log2 of the size on most makers' chips
 * (0x3x on some); Adesto codes it in the device byte. 0 when unknown. */
static guint32
flash_size_from_id (guint32 flash_id)
{
  guint8 manufacturer = flash_id & 0xFF;
  guint8 capacity = (flash_id >> 16) & 0xFF;

  if (manufacturer == 0x1F)
    {
      guint8 code = (flash_id >> 8) & 0x1F;

      return code >= 4 && code <= 9 ? (512u * 1024) << (code - 4) : 0;
    }

  if (capacity >= 0x32 && capacity <= 0x3A)
    capacity -= 0x20;
  if (capacity >= 0x12 && capacity <= 0x1C)
    return 1u << capacity;
  if (capacity >= 0x20 && capacity <= 0x22)
    return (64u * 1024 * 1024) << (capacity - 0x20);
  return 0;
}

void
sf_flasher_set_flash_size (SfFlasher *self,
                           guint32    size)
{
  g_return_if_fail (SF_IS_FLASHER (self));

  self->flash_size = size;
  self->flash_size_from_user = size != 0;
  self->flash_size_assumed = FALSE;
  self->flash_attached = FALSE;
}

gboolean
sf_flasher_get_flash_size (SfFlasher     *self,
                           guint32       *out_size,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (self->flash_size == 0)
    {
      guint32 flash_id;

      if (!sf_flasher_read_flash_id (self, &flash_id, cancellable, error))
        return FALSE;
      self->flash_size = flash_size_from_id (flash_id);
      if (self->flash_size == 0 || self->flash_size > SF_FLASH_MAX_SIZE)
        {
          /* Beyond 16 MiB the ROM needs 4-byte addressing it lacks. */
          if (self->flash_size > SF_FLASH_MAX_SIZE)
            _sf_flasher_log (self, _("Warning: the flash chip is larger than 16 MB; "
                              "only the first 16 MB can be used."));
          else
            _sf_flasher_log (self, _("Warning: could not tell the flash size from its ID 0x%06x; "
                              "assuming 4 MB."), flash_id);
          self->flash_size_assumed = self->flash_size == 0;
          self->flash_size = self->flash_size == 0 ? SF_FLASH_DEFAULT_SIZE : SF_FLASH_MAX_SIZE;
        }
    }
  *out_size = self->flash_size;
  return TRUE;
}

gboolean
sf_flasher_read_mac (SfFlasher     *self,
                     guint8         out_mac[6],
                     GCancellable  *cancellable,
                     GError       **error)
{
  const SfChipInfo *chip;
  guint32 lo, hi;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error))
    return FALSE;
  chip = self->loader.chip;

  if (chip->chip == SF_CHIP_ESP8266)
    {
      guint32 m0, m1, m3;
      guint8 oui[3];

      if (!_sf_loader_read_reg_checked (&self->loader, chip->efuse_base, &m0, error) ||
          !_sf_loader_read_reg_checked (&self->loader, chip->efuse_base + 0x04, &m1, error) ||
          !_sf_loader_read_reg_checked (&self->loader, chip->efuse_base + 0x0C, &m3, error))
        return FALSE;

      if (m3 != 0)
        oui[0] = (m3 >> 16) & 0xFF, oui[1] = (m3 >> 8) & 0xFF, oui[2] = m3 & 0xFF;
      else if (((m1 >> 16) & 0xFF) == 0)
        oui[0] = 0x18, oui[1] = 0xFE, oui[2] = 0x34;
      else if (((m1 >> 16) & 0xFF) == 1)
        oui[0] = 0xAC, oui[1] = 0xD0, oui[2] = 0x74;
      else
        {
          g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                               _("This ESP8266 holds a MAC address of a kind Sparkflash "
                                 "does not know (unknown OUI)."));
          return FALSE;
        }
      out_mac[0] = oui[0], out_mac[1] = oui[1], out_mac[2] = oui[2];
      out_mac[3] = (m1 >> 8) & 0xFF;
      out_mac[4] = m1 & 0xFF;
      out_mac[5] = (m0 >> 24) & 0xFF;
      return TRUE;
    }

  if (!_sf_loader_read_reg_checked (&self->loader, chip->mac_lo_reg, &lo, error) ||
      !_sf_loader_read_reg_checked (&self->loader, chip->mac_hi_reg, &hi, error))
    return FALSE;
  out_mac[0] = (hi >> 8) & 0xFF;
  out_mac[1] = hi & 0xFF;
  out_mac[2] = (lo >> 24) & 0xFF;
  out_mac[3] = (lo >> 16) & 0xFF;
  out_mac[4] = (lo >> 8) & 0xFF;
  out_mac[5] = lo & 0xFF;
  return TRUE;
}

/* The ESP8266's 128 eFuse bits are four words from its eFuse base. An
 * ESP8285 (flash in the package) sets bit 4 or bit 80; bit 5 marks the
 * high-temperature part; bits 121-123 with bit 4 tell the embedded flash's
 * size (esptool reads them the same way). */
static gboolean
describe_esp8266 (SfFlasher      *self,
                  SfChipDetails  *details,
                  GError        **error)
{
  guint32 w[4];
  gboolean r0_4, r3_25, r3_26, r3_27;
  guint mib = 0;

  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    if (!_sf_loader_read_reg_checked (&self->loader, self->loader.chip->efuse_base + 4 * i, &w[i], error))
      return FALSE;

  details->revision = 0;
  if ((w[0] & (1u << 4)) == 0 && (w[2] & (1u << 16)) == 0)
    {
      details->description = g_strdup ("ESP8266EX");
      details->features = g_strdup (_("Wi-Fi"));
      return TRUE;
    }

  r0_4 = (w[0] & (1u << 4)) != 0;
  r3_25 = (w[3] & (1u << 25)) != 0;
  r3_26 = (w[3] & (1u << 26)) != 0;
  r3_27 = (w[3] & (1u << 27)) != 0;
  if (!r3_27)
    {
      if (r0_4 && !r3_25)
        mib = r3_26 ? 2 : 1;
      else if (!r0_4 && r3_25)
        mib = r3_26 ? 4 : 2;
    }

  details->is_esp8285 = TRUE;
  details->embedded_flash_size = mib * 1024 * 1024;
  if (mib == 1 || mib == 2)
    details->description = g_strdup_printf ("ESP8285%c%02u", (w[0] & (1u << 5)) ? 'H' : 'N', mib * 8);
  else
    details->description = g_strdup ("ESP8285");
  details->features = g_strdup (_("Wi-Fi, Embedded Flash"));
  return TRUE;
}

static gboolean
describe_esp32 (SfFlasher      *self,
                SfChipDetails  *details,
                GError        **error)
{
  static const char *const packages[] = {
    "ESP32-D0WDQ6", "ESP32-D0WD", "ESP32-D2WD", NULL,
    "ESP32-U4WDH", "ESP32-PICO-D4", "ESP32-PICO-V3-02", "ESP32-D0WDR2-V3",
  };
  guint32 word3, word5, apb_date;
  guint bits, major, minor, package;
  g_autofree char *name = NULL;
  GString *features;

  if (!_sf_loader_read_reg_checked (&self->loader, self->loader.chip->efuse_base + 0x0C, &word3, error) ||
      !_sf_loader_read_reg_checked (&self->loader, self->loader.chip->efuse_base + 0x14, &word5, error) ||
      /* APB_CTL_DATE: its top bit is the third revision bit. */
      !_sf_loader_read_reg_checked (&self->loader, 0x3FF6607C, &apb_date, error))
    return FALSE;

  bits = ((word3 >> 15) & 1) | ((word5 >> 20) & 1) << 1 | ((apb_date >> 31) & 1) << 2;
  major = bits == 1 ? 1 : bits == 3 ? 2 : bits == 7 ? 3 : 0;
  minor = (word5 >> 24) & 0x3;
  package = ((word3 >> 9) & 0x7) | ((word3 >> 2) & 1) << 3;

  if (package < G_N_ELEMENTS (packages) && packages[package] != NULL)
    name = g_strdup (packages[package]);
  else
    name = g_strdup ("ESP32");
  if (major == 3 && (package == 0 || package == 1 || package == 5))
    {
      g_free (name);
      name = g_strdup (package == 0 ? "ESP32-D0WDQ6-V3" :
                       package == 1 ? "ESP32-D0WD-V3" : "ESP32-PICO-V3");
    }

  details->description = g_strdup_printf (_("%s (revision v%u.%u)"), name, major, minor);
  details->revision = major * 100 + minor;
  /* The packages esptool lists with "Embedded Flash", sized as their
   * datasheets give them: D2WD 2 MB, U4WDH and PICO-D4 4 MB, PICO-V3-02 8 MB. */
  if (package == 2)
    details->embedded_flash_size = 2 * 1024 * 1024;
  else if (package == 4 || package == 5)
    details->embedded_flash_size = 4 * 1024 * 1024;
  else if (package == 6)
    details->embedded_flash_size = 8 * 1024 * 1024;

  features = g_string_new (_("Wi-Fi"));
  if ((word3 & (1u << 1)) == 0)
    g_string_append_printf (features, ", %s", _("BT"));
  g_string_append_printf (features, ", %s", (word3 & 1) ? _("Single Core") : _("Dual Core"));
  details->features = g_string_free (features, FALSE);
  return TRUE;
}

/* Where the newer chips keep their revision in eFuse (words of the block
 * at block_offset from the eFuse base). minor = hi bit << 3 | low bits. */
typedef struct
{
  SfChip  chip;
  guint32 block_offset;
  guint   major_word, major_shift, major_mask;
  guint   minor_word, minor_shift, minor_mask;
  int     minor_hi_word;   /* -1: no high bit */
  guint   minor_hi_shift;
} RevisionFields;

static const RevisionFields revision_fields[] = {
  { SF_CHIP_ESP32S2, 0x44, 3, 18, 0x3, 4, 4, 0x7, 3, 20 },
  { SF_CHIP_ESP32S3, 0x44, 5, 24, 0x3, 3, 18, 0x7, 5, 23 },
  { SF_CHIP_ESP32C3, 0x44, 5, 24, 0x3, 3, 18, 0x7, 5, 23 },
  { SF_CHIP_ESP32C2, 0x40, 1, 20, 0x3, 1, 16, 0xF, -1, 0 },
  { SF_CHIP_ESP32C6, 0x44, 3, 22, 0x3, 3, 18, 0xF, -1, 0 },
  { SF_CHIP_ESP32H2, 0x44, 3, 21, 0x3, 3, 18, 0x7, -1, 0 },
};

static gboolean
describe_efuse_revision (SfFlasher      *self,
                         SfChipDetails  *details,
                         GError        **error)
{
  const SfChipInfo *chip = self->loader.chip;
  const RevisionFields *fields = NULL;
  guint32 major_word, minor_word, hi_word = 0;
  guint major, minor;

  for (guint i = 0; i < G_N_ELEMENTS (revision_fields); i++)
    if (revision_fields[i].chip == chip->chip)
      fields = &revision_fields[i];
  g_assert (fields != NULL);

#define BLOCK_WORD(n) (chip->efuse_base + fields->block_offset + 4 * (n))
  if (!_sf_loader_read_reg_checked (&self->loader, BLOCK_WORD (fields->major_word), &major_word, error) ||
      !_sf_loader_read_reg_checked (&self->loader, BLOCK_WORD (fields->minor_word), &minor_word, error) ||
      (fields->minor_hi_word >= 0 &&
       !_sf_loader_read_reg_checked (&self->loader, BLOCK_WORD (fields->minor_hi_word), &hi_word, error)))
    return FALSE;
#undef BLOCK_WORD

  major = (major_word >> fields->major_shift) & fields->major_mask;
  minor = (minor_word >> fields->minor_shift) & fields->minor_mask;
  if (fields->minor_hi_word >= 0)
    minor |= ((hi_word >> fields->minor_hi_shift) & 1) << 3;
  details->revision = major * 100 + minor;
  details->description = g_strdup_printf (_("%s (revision v%u.%u)"), chip->name, major, minor);
  return TRUE;
}

gboolean
sf_flasher_read_chip_details (SfFlasher      *self,
                              SfChipDetails  *out_details,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_auto(SfChipDetails) details = { 0 };
  const SfChipInfo *chip;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (out_details != NULL, FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error))
    return FALSE;
  chip = self->loader.chip;
  details.chip = chip->chip;

  switch (chip->chip)
    {
    case SF_CHIP_ESP8266:
      if (!describe_esp8266 (self, &details, error))
        return FALSE;
      break;
    case SF_CHIP_ESP32:
      if (!describe_esp32 (self, &details, error))
        return FALSE;
      break;
    case SF_CHIP_ESP32S2:
    case SF_CHIP_ESP32S3:
    case SF_CHIP_ESP32C2:
    case SF_CHIP_ESP32C3:
    case SF_CHIP_ESP32C6:
    case SF_CHIP_ESP32H2:
      if (!describe_efuse_revision (self, &details, error))
        return FALSE;
      break;
    case SF_CHIP_AUTO:
    default:
      g_assert_not_reached ();
    }

  if (details.features == NULL)
    {
      switch (chip->chip)
        {
        case SF_CHIP_ESP32S2: details.features = g_strdup (_("Wi-Fi, Single Core")); break;
        case SF_CHIP_ESP32S3: details.features = g_strdup (_("Wi-Fi, BLE, Dual Core")); break;
        case SF_CHIP_ESP32C6: details.features = g_strdup (_("Wi-Fi 6, BLE, IEEE 802.15.4")); break;
        case SF_CHIP_ESP32H2: details.features = g_strdup (_("BLE, IEEE 802.15.4")); break;
        case SF_CHIP_AUTO:
        case SF_CHIP_ESP8266:
        case SF_CHIP_ESP32:
        case SF_CHIP_ESP32C2:
        case SF_CHIP_ESP32C3:
        default:
          details.features = g_strdup (_("Wi-Fi, BLE"));
          break;
        }
    }

  if (!_sf_flasher_read_security (self, &details, error) ||
      !_sf_loader_crystal_mhz (&self->loader, &details.crystal_mhz, error) ||
      !sf_flasher_read_mac (self, details.mac, cancellable, error) ||
      !sf_flasher_read_flash_id (self, &details.flash_id, cancellable, error))
    return FALSE;
  details.flash_size = flash_size_from_id (details.flash_id);

  *out_details = details;
  memset (&details, 0, sizeof details);
  return TRUE;
}


char **
sf_chip_details_describe (const SfChipDetails *details)
{
  GPtrArray *lines;
  g_autofree char *mac = NULL;

  g_return_val_if_fail (details != NULL, NULL);

  lines = g_ptr_array_new ();
  g_ptr_array_add (lines, g_strdup_printf (_("Chip is %s"), details->description));
  if (details->features != NULL && *details->features != '\0')
    g_ptr_array_add (lines, g_strdup_printf (_("Features: %s"), details->features));
  if (details->crystal_mhz != 0)
    g_ptr_array_add (lines, g_strdup_printf (_("Crystal is %uMHz"), details->crystal_mhz));
  mac = sf_format_mac (details->mac);
  g_ptr_array_add (lines, g_strdup_printf (_("MAC: %s"), mac));
  g_ptr_array_add (lines, NULL);
  return (char **) g_ptr_array_free (lines, FALSE);
}
