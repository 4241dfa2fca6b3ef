/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-chip"

#include "config.h"

#include <string.h>

#include "sf-chip-private.h"

#define SPI_REGS_ESP8266 .spi_usr = 0x1C, .spi_usr1 = 0x20, .spi_usr2 = 0x24, \
                         .spi_mosi_dlen = 0, .spi_miso_dlen = 0, .spi_w0 = 0x40
#define SPI_REGS_ESP32   .spi_usr = 0x1C, .spi_usr1 = 0x20, .spi_usr2 = 0x24, \
                         .spi_mosi_dlen = 0x28, .spi_miso_dlen = 0x2C, .spi_w0 = 0x80
#define SPI_REGS_NEWER   .spi_usr = 0x18, .spi_usr1 = 0x1C, .spi_usr2 = 0x20, \
                         .spi_mosi_dlen = 0x24, .spi_miso_dlen = 0x28, .spi_w0 = 0x58

/* ROMs from the ESP32-S2 on share one command set. */
#define NEWER_ROM .rom_status_len = 4, .rom_supports_compression = TRUE, \
                  .rom_supports_md5 = TRUE, .rom_supports_read_slow = TRUE, \
                  .rom_supports_change_baud = TRUE, .needs_spi_attach = TRUE, \
                  .flash_begin_has_encrypt_word = TRUE, .supports_security_info = TRUE

#define FREQS_40_26_20_80 { [0x0] = "40m", [0x1] = "26m", [0x2] = "20m", [0xF] = "80m" }

static const SfChipInfo chips[] = {
  {
    .chip = SF_CHIP_ESP8266, .name = "ESP8266", .id_name = "esp8266",
    .image_chip_id = -1, .magic = { 0xFFF0C101 }, .bootloader_offset = 0x0,
    .rom_status_len = 2, .spi_address_msb_aligned = TRUE, .is_esp8266_family = TRUE,
    .uart_date_reg = 0x60000078, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 2,
    .efuse_base = 0x3FF00050, .mac_lo_reg = 0x3FF00050, .mac_hi_reg = 0x3FF00054,
    .spi_base = 0x60000200, SPI_REGS_ESP8266,
    .flash_freq_names = FREQS_40_26_20_80,
  },
  {
    .chip = SF_CHIP_ESP32, .name = "ESP32", .id_name = "esp32",
    .image_chip_id = 0, .magic = { 0x00F01D83 }, .bootloader_offset = 0x1000,
    .rom_status_len = 4, .rom_supports_compression = TRUE, .rom_supports_md5 = TRUE,
    .rom_supports_read_slow = TRUE, .rom_supports_change_baud = TRUE,
    .needs_spi_attach = TRUE, .spi_address_msb_aligned = TRUE, .spi_pads_in_efuse = TRUE,
    .rom_baud_quirk = SF_ROM_BAUD_ESP32_CALIBRATED,
    .uart_date_reg = 0x60000078, .uart_clkdiv_reg = 0x3FF40014, .xtal_clkdiv_divisor = 1,
    .efuse_base = 0x3FF5A000, .mac_lo_reg = 0x3FF5A004, .mac_hi_reg = 0x3FF5A008,
    .spi_base = 0x3FF42000, SPI_REGS_ESP32,
    .flash_freq_names = FREQS_40_26_20_80,
  },
  {
    .chip = SF_CHIP_ESP32S2, .name = "ESP32-S2", .id_name = "esp32s2",
    .image_chip_id = 2, .magic = { 0x000007C6 }, .bootloader_offset = 0x1000, NEWER_ROM,
    .uart_date_reg = 0x60000078, .uart_clkdiv_reg = 0x3F400014, .xtal_clkdiv_divisor = 1,
    .fixed_xtal_mhz = 40,
    .efuse_base = 0x3F41A000, .mac_lo_reg = 0x3F41A044, .mac_hi_reg = 0x3F41A048,
    .spi_base = 0x3F402000, SPI_REGS_NEWER,
    .flash_freq_names = FREQS_40_26_20_80,
  },
  {
    .chip = SF_CHIP_ESP32S3, .name = "ESP32-S3", .id_name = "esp32s3",
    .image_chip_id = 9, .magic = { 0x00000009 }, .bootloader_offset = 0x0, NEWER_ROM,
    .uart_date_reg = 0x60000080, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 1,
    .fixed_xtal_mhz = 40,
    .efuse_base = 0x60007000, .mac_lo_reg = 0x60007044, .mac_hi_reg = 0x60007048,
    .spi_base = 0x60002000, SPI_REGS_NEWER,
    .wdt_wprotect = 0x600080B0, .wdt_config0 = 0x60008098, .swd_conf = 0x600080B4,
    .swd_wprotect = 0x600080B8, .swd_key = 0x8F1D312A, .swd_autofeed_bit = 31,
    .flash_freq_names = FREQS_40_26_20_80,
  },
  {
    .chip = SF_CHIP_ESP32C2, .name = "ESP32-C2", .id_name = "esp32c2",
    .image_chip_id = 12, .magic = { 0x6F51306F, 0x7C41A06F }, .bootloader_offset = 0x0,
    NEWER_ROM, .rom_baud_quirk = SF_ROM_BAUD_ASSUMES_40MHZ,
    .uart_date_reg = 0x6000007C, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 1,
    .efuse_base = 0x60008800, .mac_lo_reg = 0x60008840, .mac_hi_reg = 0x60008844,
    .spi_base = 0x60002000, SPI_REGS_NEWER,
    .flash_freq_names = { [0x0] = "30m", [0x1] = "20m", [0x2] = "15m", [0xF] = "60m" },
  },
  {
    .chip = SF_CHIP_ESP32C3, .name = "ESP32-C3", .id_name = "esp32c3",
    .image_chip_id = 5, .magic = { 0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F },
    .bootloader_offset = 0x0, NEWER_ROM,
    .uart_date_reg = 0x6000007C, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 1,
    .fixed_xtal_mhz = 40,
    .efuse_base = 0x60008800, .mac_lo_reg = 0x60008844, .mac_hi_reg = 0x60008848,
    .spi_base = 0x60002000, SPI_REGS_NEWER,
    .wdt_wprotect = 0x600080A8, .wdt_config0 = 0x60008090, .swd_conf = 0x600080AC,
    .swd_wprotect = 0x600080B0, .swd_key = 0x8F1D312A, .swd_autofeed_bit = 31,
    .flash_freq_names = FREQS_40_26_20_80,
  },
  {
    .chip = SF_CHIP_ESP32C6, .name = "ESP32-C6", .id_name = "esp32c6",
    .image_chip_id = 13, .magic = { 0x2CE0806F }, .bootloader_offset = 0x0, NEWER_ROM,
    .uart_date_reg = 0x6000007C, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 1,
    .fixed_xtal_mhz = 40,
    .efuse_base = 0x600B0800, .mac_lo_reg = 0x600B0844, .mac_hi_reg = 0x600B0848,
    .spi_base = 0x60003000, SPI_REGS_NEWER,
    .wdt_wprotect = 0x600B1C18, .wdt_config0 = 0x600B1C00, .swd_conf = 0x600B1C1C,
    .swd_wprotect = 0x600B1C20, .swd_key = 0x50D83AA1, .swd_autofeed_bit = 18,
    /* 40 MHz and 80 MHz share code 0 on the C6; "80m" is written as 0 too. */
    .flash_freq_names = { [0x0] = "40m", [0x2] = "20m" },
  },
  {
    .chip = SF_CHIP_ESP32H2, .name = "ESP32-H2", .id_name = "esp32h2",
    .image_chip_id = 16, .magic = { 0xD7B73E80 }, .bootloader_offset = 0x0, NEWER_ROM,
    .uart_date_reg = 0x6000007C, .uart_clkdiv_reg = 0x60000014, .xtal_clkdiv_divisor = 1,
    .fixed_xtal_mhz = 32,
    .efuse_base = 0x600B0800, .mac_lo_reg = 0x600B0844, .mac_hi_reg = 0x600B0848,
    .spi_base = 0x60003000, SPI_REGS_NEWER,
    .wdt_wprotect = 0x600B1C1C, .wdt_config0 = 0x600B1C00, .swd_conf = 0x600B1C20,
    .swd_wprotect = 0x600B1C24, .swd_key = 0x50D83AA1, .swd_autofeed_bit = 18,
    .flash_freq_names = { [0x0] = "24m", [0x1] = "16m", [0x2] = "12m", [0xF] = "48m" },
  },
};

G_STATIC_ASSERT (G_N_ELEMENTS (chips) == SF_N_CHIPS - 1);

const SfChipInfo *
_sf_chip_get_info (SfChip chip)
{
  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    if (chips[i].chip == chip)
      return &chips[i];
  return NULL;
}

const SfChipInfo *
_sf_chip_find_by_magic (guint32 magic)
{
  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    for (guint j = 0; j < G_N_ELEMENTS (chips[i].magic) && chips[i].magic[j] != 0; j++)
      if (chips[i].magic[j] == magic)
        return &chips[i];
  return NULL;
}

const SfChipInfo *
_sf_chip_find_by_image_id (int image_chip_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    if (chips[i].image_chip_id >= 0 && chips[i].image_chip_id == image_chip_id)
      return &chips[i];
  return NULL;
}

/* Normalises "ESP32-C3", "esp32_c3" and "esp32c3" to "esp32c3". */
static char *
normalise_name (const char *name)
{
  GString *s = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    if (*p != '-' && *p != '_' && *p != ' ')
      g_string_append_c (s, g_ascii_tolower (*p));
  return g_string_free (s, FALSE);
}

gboolean
sf_chip_from_name (const char *name,
                   SfChip     *out_chip)
{
  g_autofree char *wanted = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_chip != NULL, FALSE);

  wanted = normalise_name (name);
  if (g_str_equal (wanted, "auto"))
    {
      *out_chip = SF_CHIP_AUTO;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    if (g_str_equal (wanted, chips[i].id_name))
      {
        *out_chip = chips[i].chip;
        return TRUE;
      }
  return FALSE;
}

const char *
sf_chip_get_name (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);

  return info != NULL ? info->name : "auto";
}

const char *
sf_chip_get_id_name (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);

  return info != NULL ? info->id_name : "auto";
}

guint32
sf_chip_get_bootloader_offset (SfChip chip)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);

  return info != NULL ? info->bootloader_offset : 0;
}

char *
sf_chip_list_names (void)
{
  GString *s = g_string_new ("auto");

  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    g_string_append_printf (s, ", %s", chips[i].id_name);
  return g_string_free (s, FALSE);
}

/* Image header byte 3, high nibble. */
static const guint32 esp8266_sizes[16] = {
  [0] = 512 * 1024, [1] = 256 * 1024, [2] = 1024 * 1024, [3] = 2 * 1024 * 1024,
  [4] = 4 * 1024 * 1024, [8] = 8 * 1024 * 1024, [9] = 16 * 1024 * 1024,
};

gboolean
_sf_chip_flash_size_from_code (SfChip   chip,
                               guint8   code,
                               guint32 *out_bytes)
{
  if (code > 0xF)
    return FALSE;

  if (chip == SF_CHIP_ESP8266)
    {
      /* 5 and 6 are the 2 MB / 4 MB "c1" layouts: same sizes as 3 and 4. */
      guint32 bytes = code == 5 ? esp8266_sizes[3] : code == 6 ? esp8266_sizes[4] : esp8266_sizes[code];

      if (bytes == 0)
        return FALSE;
      *out_bytes = bytes;
      return TRUE;
    }

  if (code > 7)
    return FALSE;
  *out_bytes = (1024u * 1024u) << code;
  return TRUE;
}

gboolean
_sf_chip_flash_size_to_code (SfChip   chip,
                             guint32  bytes,
                             guint8  *out_code)
{
  for (guint8 code = 0; code <= 0xF; code++)
    {
      guint32 size;

      /* Prefer the plain ESP8266 codes over the "c1" variants. */
      if (chip == SF_CHIP_ESP8266 && (code == 5 || code == 6))
        continue;
      if (_sf_chip_flash_size_from_code (chip, code, &size) && size == bytes)
        {
          *out_code = code;
          return TRUE;
        }
    }
  return FALSE;
}
