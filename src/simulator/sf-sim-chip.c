/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-chip"

#include "config.h"

#include <string.h>

#include "sf-sim-chip-private.h"
#include "sf-sim-common-private.h"

#define MAGIC_REG 0x40001000

/* GET_SECURITY_INFO's flags word: bit 0 is "secure boot enabled" (then
 * aggressive revoke, secure download mode, key revocations, JTAG, USB,
 * download caches; none of those modelled). */
#define SECURITY_FLAG_SECURE_BOOT_EN (1u << 0)
/* eFuse key purposes (S2, S3, C3, C6, H2 alike). */
#define KEY_PURPOSE_XTS_AES_128          4
#define KEY_PURPOSE_SECURE_BOOT_DIGEST0  9

/* ESP32: make it read as an ESP32-D0WD-V3, revision v3.0, 240 MHz, with a
 * 40 MHz crystal the ROM calibrated right. */
static const SfSimRegister esp32_registers[] = {
  /* word3: package 1 (D0WD) in bits 9–11, rev bit0 (bit 15), CPU rated
   * (bit 13) at 240 MHz (bit 12 clear). */
  { 0x3FF5A00C, (1u << 9) | (1u << 15) | (1u << 13) },
  /* word4: CK8M frequency 80 in bits 0–7 (used for the ROM's baud quirk),
   * ADC Vref in bits 8–12. */
  { 0x3FF5A010, 80 | (0x0Bu << 8) },
  /* word5: rev bit1 (bit 20), minor 0 (bits 24–25). */
  { 0x3FF5A014, (1u << 20) },
  /* APB_CTL_DATE: rev bit2 (bit 31). */
  { 0x3FF6607C, 0x80000000u | 0x16042000u },
  /* RTCCALICFG1 (0x3FF5F06C) follows the crystal: sf-sim-regs.c. */
  { 0 }
};

/* ESP8266 OTP: bit 4 of word0 and bit 16 of word2 clear (ESP8266EX, not
 * ESP8285); word3 = 0 and word1[23:16] = 0 select the 18:FE:34 OUI. The
 * MAC bytes themselves are filled in from the chip's mac[]. */
static const SfSimRegister esp8266_registers[] = {
  { 0x3FF00058, 0xF200B000u },
  { 0x3FF0005C, 0 },
  { 0 }
};

/* BLOCK1 word3 bits 18–20: minor revision. */
static const SfSimRegister esp32s2_registers[] = {
  { 0x3F41A050, 1u << 18 },               /* v1.0 */
  { 0 }
};

static const SfSimRegister esp32s3_registers[] = {
  { 0x60007050, 2u << 18 },               /* v0.2 */
  { 0 }
};

static const SfSimRegister esp32c3_registers[] = {
  { 0x60008850, 4u << 18 },               /* v0.4 */
  { 0 }
};

static const SfSimRegister esp32c6_registers[] = {
  { 0x600B0850, 1u << 18 },               /* v0.1 */
  { 0 }
};

static const SfSimRegister esp32h2_registers[] = {
  { 0x600B0850, 1u << 18 },               /* v0.1 */
  { 0 }
};

static const SfSimRegister no_registers[] = {
  { 0 }
};

static const SfSimChip chips[] = {
  {
    .name = "esp8266",
    .is_esp8266 = TRUE,
    .status_length = 2,
    .magic = 0xFFF0C101,
    .spi_layout = SF_SIM_SPI_LAYOUT_ESP8266,
    .spi_base = 0x60000200,
    .uart_date_reg = 0x60000078,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 26,
    .uart_clock_factor = 2,
    .mac = { 0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3 },
    .registers = esp8266_registers,
    /* Printed at 74880 baud on real hardware. */
    .banner_head = "\r\n ets Jan  8 2013,",
    .download_boot = "rst cause:1, boot mode:(1,7)\r\n\r\n",
    .flash_boot = "rst cause:1, boot mode:(3,7)\r\n\r\n",
    .prints_waiting = FALSE,
  },
  {
    .name = "esp32",
    .is_esp32 = TRUE,
    .status_length = 4,
    .magic = 0x00F01D83,
    .spi_layout = SF_SIM_SPI_LAYOUT_ESP32,
    .spi_base = 0x3FF42000,
    .uart_date_reg = 0x60000078,
    .uart_date_value = 0x15122500,
    .uart_clkdiv_reg = 0x3FF40014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .rom_clock = SF_SIM_ROM_CLOCK_CALIBRATED,
    .mac_lo_reg = 0x3FF5A004,
    .mac_hi_reg = 0x3FF5A008,
    .mac = { 0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56 },
    .registers = esp32_registers,
    /* Secure boot v2 (ABS_DONE_1, which esptool heeds from v3.0 on) and
     * FLASH_CRYPT_CNT, both in BLOCK0. */
    .secure_boot_reg = 0x3FF5A018,
    .secure_boot_mask = 1u << 5,
    .crypt_cnt_reg = 0x3FF5A000,
    .crypt_cnt_mask = 0x7Fu << 20,
    .banner_head = "ets Jun  8 2016 00:22:57\r\n\r\n",
    .download_boot = "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n",
    .flash_boot = "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32s2",
    .status_length = 4,
    .magic = 0x000007C6,
    .security_info_length = 12,
    .chip_id = 2,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x3F402000,
    .uart_date_reg = 0x60000078,
    .uart_date_value = 0x18082800,
    .uart_clkdiv_reg = 0x3F400014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .mac_lo_reg = 0x3F41A044,
    .mac_hi_reg = 0x3F41A048,
    .mac = { 0x7C, 0xDF, 0xA1, 0x00, 0x52, 0x02 },
    .registers = esp32s2_registers,
    /* BLOCK0 (read) words 1 and 2: SPI_BOOT_CRYPT_CNT, the first key
     * purposes, SECURE_BOOT_EN. */
    .secure_boot_reg = 0x3F41A038,
    .secure_boot_mask = 1u << 20,
    .crypt_cnt_reg = 0x3F41A034,
    .crypt_cnt_mask = 0x7u << 18,
    .key_purpose_reg = 0x3F41A034,
    .banner_head = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0/1))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32s3",
    .status_length = 4,
    .magic = 0x00000009,
    .security_info_length = 20,
    .chip_id = 9,
    .eco_version = 0,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x60002000,
    .uart_date_reg = 0x60000080,
    .uart_date_value = 0x2008270,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .mac_lo_reg = 0x60007044,
    .mac_hi_reg = 0x60007048,
    .mac = { 0x7C, 0xDF, 0xA1, 0xE0, 0x53, 0x03 },
    .registers = esp32s3_registers,
    /* BLOCK0 (read) words 1 and 2: SPI_BOOT_CRYPT_CNT, the first key
     * purposes, SECURE_BOOT_EN. */
    .secure_boot_reg = 0x60007038,
    .secure_boot_mask = 1u << 20,
    .crypt_cnt_reg = 0x60007034,
    .crypt_cnt_mask = 0x7u << 18,
    .key_purpose_reg = 0x60007034,
    /* &rom_spiflash_legacy_funcs.read, as esptool gives it. */
    .rom_read_func_ptr = 0x3FCEF688,
    .banner_head = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32c3",
    .status_length = 4,
    .magic = 0x1B31506F,
    .security_info_length = 20,
    .chip_id = 5,
    .eco_version = 3,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x60002000,
    .uart_date_reg = 0x6000007C,
    .uart_date_value = 0x2007130,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .mac_lo_reg = 0x60008844,
    .mac_hi_reg = 0x60008848,
    .mac = { 0x34, 0x85, 0x18, 0x00, 0xC3, 0x03 },
    .registers = esp32c3_registers,
    /* BLOCK0 (read) words 1 and 2: SPI_BOOT_CRYPT_CNT, the first key
     * purposes, SECURE_BOOT_EN. */
    .secure_boot_reg = 0x60008838,
    .secure_boot_mask = 1u << 20,
    .crypt_cnt_reg = 0x60008834,
    .crypt_cnt_mask = 0x7u << 18,
    .key_purpose_reg = 0x60008834,
    .banner_head = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x5 (DOWNLOAD(USB/UART0/1))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32c2",
    .status_length = 4,
    .magic = 0x6F51306F,
    .security_info_length = 20,
    .chip_id = 12,
    .eco_version = 1,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x60002000,
    .uart_date_reg = 0x6000007C,
    .uart_date_value = 0x2107210,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .rom_clock = SF_SIM_ROM_CLOCK_ASSUMES_40,
    /* BLOCK2: the MAC is word0 and the low half of word1, whose upper
     * bits carry the revision (v1.0: major 1 at bit 20). */
    .mac_lo_reg = 0x60008840,
    .mac_hi_reg = 0x60008844,
    .mac_hi_extra = 1u << 20,
    .mac = { 0x08, 0x3A, 0x8D, 0x00, 0xC2, 0x02 },
    .registers = no_registers,
    /* One BLOCK0 word holds both. */
    .secure_boot_reg = 0x60008830,
    .secure_boot_mask = 1u << 21,
    .crypt_cnt_reg = 0x60008830,
    .crypt_cnt_mask = 0x7u << 7,
    .banner_head = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(UART0))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32c6",
    .status_length = 4,
    .magic = 0x2CE0806F,
    .security_info_length = 20,
    .chip_id = 13,
    .eco_version = 0,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x60003000,
    .uart_date_reg = 0x6000007C,
    .uart_date_value = 0x2201100,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 40,
    .uart_clock_factor = 1,
    .mac_lo_reg = 0x600B0844,
    .mac_hi_reg = 0x600B0848,
    /* The two extra EUI-64 bytes. */
    .mac_hi_extra = 0xFFFEu << 16,
    .mac = { 0x40, 0x4C, 0xCA, 0x00, 0xC6, 0x06 },
    .registers = esp32c6_registers,
    /* BLOCK0 (read) words 1 and 2: SPI_BOOT_CRYPT_CNT, the first key
     * purposes, SECURE_BOOT_EN. */
    .secure_boot_reg = 0x600B0838,
    .secure_boot_mask = 1u << 20,
    .crypt_cnt_reg = 0x600B0834,
    .crypt_cnt_mask = 0x7u << 18,
    .key_purpose_reg = 0x600B0834,
    .banner_head = "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART/SDIO_REI_FEO))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0x6c (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
  {
    .name = "esp32h2",
    .status_length = 4,
    .magic = 0xD7B73E80,
    .security_info_length = 20,
    .chip_id = 16,
    .eco_version = 0,
    .spi_layout = SF_SIM_SPI_LAYOUT_NEW,
    .spi_base = 0x60003000,
    .uart_date_reg = 0x6000007C,
    .uart_date_value = 0x2206180,
    .uart_clkdiv_reg = 0x60000014,
    .xtal_mhz = 32,
    .uart_clock_factor = 1,
    .mac_lo_reg = 0x600B0844,
    .mac_hi_reg = 0x600B0848,
    .mac_hi_extra = 0xFFFEu << 16,
    .mac = { 0x74, 0x4D, 0xBD, 0x00, 0x12, 0x02 },
    .registers = esp32h2_registers,
    /* BLOCK0 (read) words 1 and 2: SPI_BOOT_CRYPT_CNT, the first key
     * purposes, SECURE_BOOT_EN. */
    .secure_boot_reg = 0x600B0838,
    .secure_boot_mask = 1u << 20,
    .crypt_cnt_reg = 0x600B0834,
    .crypt_cnt_mask = 0x7u << 18,
    .key_purpose_reg = 0x600B0834,
    .banner_head = "ESP-ROM:esp32h2-20221101\r\nBuild:Nov  1 2022\r\n",
    .download_boot = "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0))\r\n",
    .flash_boot = "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
    .prints_waiting = TRUE,
  },
};

static const char *chip_names[G_N_ELEMENTS (chips) + 1];

const SfSimChip *
_sf_sim_chip_lookup (const char *name)
{
  g_autoptr(GString) compact = NULL;

  if (name == NULL)
    return NULL;

  /* Accept "ESP32-C3" as well as esptool's "esp32c3". */
  compact = g_string_new (NULL);
  for (const char *p = name; *p; p++)
    if (*p != '-' && *p != '_')
      g_string_append_c (compact, g_ascii_tolower (*p));

  for (gsize i = 0; i < G_N_ELEMENTS (chips); i++)
    if (g_str_equal (chips[i].name, compact->str))
      return &chips[i];
  return NULL;
}

const char **
_sf_sim_chip_list_names (void)
{
  if (chip_names[0] == NULL)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (chips); i++)
        chip_names[i] = chips[i].name;
    }
  return chip_names;
}

/* The CRC the ESP32 stores beside its factory MAC (CRC-8/MAXIM). */
static guint8
mac_crc8 (const guint8 *data,
          gsize         length)
{
  guint8 crc = 0;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int bit = 0; bit < 8; bit++)
        crc = (crc & 1) ? (crc >> 1) ^ 0x8C : crc >> 1;
    }
  return crc;
}

/* ESP8266 OTP: word0 bit 4 marks an ESP8285 (as does word2 bit 16, not
 * used here); with it, word3 bit 26 clear means 1 MB embedded flash, set
 * 2 MB. A non-zero word3 holds the MAC's OUI in its low 24 bits. */
#define ESP8285_BIT        (1u << 4)
#define ESP8285_2MB_BIT    (1u << 26)

static gboolean
esp8266_otp (const SfSimEfuses *efuses,
             guint32            address,
             guint32           *out_value)
{
  const guint8 *mac = efuses->mac;

  /* MAC = OUI ‖ m1[15:8], m1[7:0], m0[31:24]. */
  switch (address)
    {
    case 0x3FF00050:
      *out_value = ((guint32) mac[5] << 24) | 0x00D60000u;
      if (efuses->esp8285_flash_mb != 0)
        *out_value |= ESP8285_BIT;
      return TRUE;
    case 0x3FF00054:
      *out_value = 0x02000000u | ((guint32) mac[3] << 8) | mac[4];
      return TRUE;
    case 0x3FF0005C:
      *out_value = 0;
      if (efuses->esp8285_flash_mb == 2)
        *out_value = ESP8285_2MB_BIT | ((guint32) mac[0] << 16) | ((guint32) mac[1] << 8) | mac[2];
      return TRUE;
    default:
      return FALSE;
    }
}

/* What the board's secure boot and flash encryption add to @address. */
static guint32
security_bits (const SfSimChip   *chip,
               const SfSimEfuses *efuses,
               guint32            address)
{
  guint32 bits = 0;

  if (chip->secure_boot_reg == 0)
    return 0;
  if (efuses->secure_boot && address == chip->secure_boot_reg)
    bits |= chip->secure_boot_mask;
  /* Enabled once: the counter's lowest bit, an odd count. */
  if (efuses->flash_encryption && address == chip->crypt_cnt_reg)
    bits |= chip->crypt_cnt_mask & (~chip->crypt_cnt_mask + 1);
  if (chip->key_purpose_reg != 0 && address == chip->key_purpose_reg)
    {
      /* The keys that go with them: an XTS-AES-128 key in BLOCK_KEY0,
       * a secure boot digest in BLOCK_KEY1. */
      if (efuses->flash_encryption)
        bits |= (guint32) KEY_PURPOSE_XTS_AES_128 << 24;
      if (efuses->secure_boot)
        bits |= (guint32) KEY_PURPOSE_SECURE_BOOT_DIGEST0 << 28;
    }
  return bits;
}

static gboolean
plain_default (const SfSimChip   *chip,
               const SfSimEfuses *efuses,
               guint32            address,
               guint32           *out_value)
{
  const guint8 *mac = efuses->mac;

  if (address == MAGIC_REG)
    {
      *out_value = chip->magic;
      return TRUE;
    }

  if (address == chip->uart_date_reg)
    {
      *out_value = chip->uart_date_value;
      return TRUE;
    }

  if (chip->is_esp8266)
    {
      if (esp8266_otp (efuses, address, out_value))
        return TRUE;
    }
  else
    {
      if (address == chip->mac_lo_reg)
        {
          *out_value = ((guint32) mac[2] << 24) | ((guint32) mac[3] << 16) |
                       ((guint32) mac[4] << 8) | mac[5];
          return TRUE;
        }
      if (address == chip->mac_hi_reg)
        {
          *out_value = ((guint32) mac[0] << 8) | mac[1] | chip->mac_hi_extra;
          if (chip->is_esp32)
            *out_value |= (guint32) mac_crc8 (mac, 6) << 16;
          return TRUE;
        }
    }

  for (const SfSimRegister *r = chip->registers; r->address != 0; r++)
    if (r->address == address)
      {
        *out_value = r->value;
        return TRUE;
      }

  return FALSE;
}

gboolean
_sf_sim_chip_read_default (const SfSimChip   *chip,
                           const SfSimEfuses *efuses,
                           guint32            address,
                           guint32           *out_value)
{
  guint32 bits = security_bits (chip, efuses, address);
  gboolean known = plain_default (chip, efuses, address, out_value);

  if (!known)
    *out_value = 0;
  *out_value |= bits;
  return known || bits != 0;
}

void
_sf_sim_chip_default_efuses (const SfSimChip *chip,
                             SfSimEfuses     *out_efuses)
{
  memset (out_efuses, 0, sizeof *out_efuses);
  memcpy (out_efuses->mac, chip->mac, sizeof out_efuses->mac);
}

gboolean
_sf_sim_chip_supports (const SfSimChip *chip,
                       guint8           opcode)
{
  /* Which opcodes each ROM generation knows. */
  switch (opcode)
    {
    case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
    case 0x08: case 0x09: case 0x0A:
      return TRUE;
    case 0x0B: case 0x0D: case 0x0E: case 0x0F: case 0x10: case 0x11:
    case 0x12: case 0x13:
      return !chip->is_esp8266;
    case 0x14:
      return chip->security_info_length > 0;
    default:
      return FALSE;
    }
}

void
_sf_sim_chip_security_info (const SfSimChip   *chip,
                            const SfSimEfuses *efuses,
                            guint8             out_info[20])
{
  guint32 flags = 0;

  memset (out_info, 0, 20);
  if (chip->secure_boot_reg != 0)
    {
      guint32 crypt = 0;

      /* As the ROM gathers it: flag bit 0 is SECURE_BOOT_EN; the byte
       * after the flags the crypt counter's raw value. */
      if (efuses->secure_boot)
        flags |= SECURITY_FLAG_SECURE_BOOT_EN;
      if (efuses->flash_encryption)
        crypt = 1;
      _sf_sim_put_le32 (out_info, flags);
      out_info[4] = (guint8) crypt;
      /* Purposes of BLOCK_KEY0 …, as the eFuses have them. */
      if (chip->key_purpose_reg != 0)
        {
          out_info[5] = efuses->flash_encryption ? KEY_PURPOSE_XTS_AES_128 : 0;
          out_info[6] = efuses->secure_boot ? KEY_PURPOSE_SECURE_BOOT_DIGEST0 : 0;
        }
    }
  _sf_sim_put_le32 (out_info + 12, chip->chip_id);
  _sf_sim_put_le32 (out_info + 16, chip->eco_version);
}

char *
_sf_sim_chip_boot_banner (const SfSimChip *chip,
                          gboolean         download_mode)
{
  return g_strconcat (chip->banner_head,
                      download_mode ? chip->download_boot : chip->flash_boot,
                      download_mode && chip->prints_waiting ? "waiting for download\r\n" : "",
                      NULL);
}
