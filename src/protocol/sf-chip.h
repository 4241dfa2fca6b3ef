/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SF_CHIP_AUTO = 0,
  SF_CHIP_ESP8266,
  SF_CHIP_ESP32,
  SF_CHIP_ESP32S2,
  SF_CHIP_ESP32S3,
  SF_CHIP_ESP32C2,
  SF_CHIP_ESP32C3,
  SF_CHIP_ESP32C6,
  SF_CHIP_ESP32H2,
} SfChip;

#define SF_N_CHIPS (SF_CHIP_ESP32H2 + 1)

/* Accepts esptool's spellings: "auto", "esp32", "esp32c3", "ESP32-C3". */
gboolean     sf_chip_from_name      (const char  *name,
                                     SfChip      *out_chip);
/* "ESP32-C3"; "auto" for SF_CHIP_AUTO. */
const char  *sf_chip_get_name       (SfChip       chip);
/* "esp32c3", as esptool's --chip spells it. */
const char  *sf_chip_get_id_name    (SfChip       chip);
/* Where the second-stage bootloader lives: 0x0, or 0x1000 on ESP32/ESP32-S2. */
guint32      sf_chip_get_bootloader_offset (SfChip chip);
/* "esp8266, esp32, ..." for messages that list what is accepted. */
char        *sf_chip_list_names     (void);

G_END_DECLS
