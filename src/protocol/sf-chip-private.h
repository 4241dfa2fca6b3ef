/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-chip.h"

G_BEGIN_DECLS

/* How a ROM derives its UART clock when asked to change the rate. */
typedef enum
{
  SF_ROM_BAUD_EXACT,           /* it ends up at the rate it is sent */
  SF_ROM_BAUD_ESP32_CALIBRATED,/* scale by the ROM's miscalibrated crystal */
  SF_ROM_BAUD_ASSUMES_40MHZ,   /* C2: believes in a 40 MHz crystal */
} SfRomBaudQuirk;

/* Everything the loaders need to know about one chip: how to tell it,
 * what its ROM can do, and where its registers are. */
typedef struct
{
  SfChip      chip;
  const char *name;                  /* "ESP32-C3" */
  const char *id_name;               /* "esp32c3" */
  int         image_chip_id;         /* extended header / GET_SECURITY_INFO id; -1 on ESP8266 */
  guint32     magic[4];              /* READ_REG 0x40001000 values, 0-terminated */
  guint32     bootloader_offset;

  /* ROM loader capabilities */
  guint       rom_status_len;        /* 2 on ESP8266, 4 elsewhere */
  guint       rom_supports_compression : 1;
  guint       rom_supports_md5 : 1;
  guint       rom_supports_read_slow : 1;
  guint       rom_supports_change_baud : 1;
  guint       needs_spi_attach : 1;
  guint       flash_begin_has_encrypt_word : 1;
  guint       supports_security_info : 1;
  guint       spi_address_msb_aligned : 1; /* ESP8266 and ESP32 */
  guint       is_esp8266_family : 1;        /* image header size codes differ */
  guint       spi_pads_in_efuse : 1;        /* ESP32: SPI_ATTACH needs the eFuse pad map */
  SfRomBaudQuirk rom_baud_quirk;

  /* Registers */
  guint32     uart_date_reg;
  guint32     uart_clkdiv_reg;
  guint       xtal_clkdiv_divisor;    /* 2 on ESP8266, 1 elsewhere */
  guint       fixed_xtal_mhz;         /* 0 = estimate from CLKDIV */
  guint32     efuse_base;
  guint32     mac_lo_reg;
  guint32     mac_hi_reg;
  guint32     spi_base;
  guint32     spi_usr;                /* offsets from spi_base */
  guint32     spi_usr1;
  guint32     spi_usr2;
  guint32     spi_mosi_dlen;          /* 0 = not present (ESP8266) */
  guint32     spi_miso_dlen;
  guint32     spi_w0;

  /* The RTC and super watchdogs that a USB-Serial/JTAG reset leaves
   * armed; wdt_wprotect 0 = nothing to disarm. */
  guint32     wdt_wprotect;
  guint32     wdt_config0;
  guint32     swd_conf;
  guint32     swd_wprotect;
  guint32     swd_key;
  guint       swd_autofeed_bit;

  /* Flash frequency encodings in the image header (low nibble of byte 3):
   * names for codes 0x0, 0x1, 0x2 and 0xF, NULL where unused. */
  const char *flash_freq_names[16];
} SfChipInfo;

#define SF_CHIP_MAGIC_REG 0x40001000u

const SfChipInfo *_sf_chip_get_info            (SfChip       chip);
const SfChipInfo *_sf_chip_find_by_magic       (guint32      magic);
const SfChipInfo *_sf_chip_find_by_image_id    (int          image_chip_id);

/* Image header flash size nibble <-> bytes; the ESP8266 uses its own table. */
gboolean          _sf_chip_flash_size_from_code (SfChip      chip,
                                                 guint8      code,
                                                 guint32    *out_bytes);
gboolean          _sf_chip_flash_size_to_code   (SfChip      chip,
                                                 guint32     bytes,
                                                 guint8     *out_code);

G_END_DECLS
