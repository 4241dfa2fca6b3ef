/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The one line of the ROM's boot text that says why the chip restarted
 * and how its boot pins were set, put into words. */

#include <glib.h>

G_BEGIN_DECLS

/* The ESP8266's " ets Jan  8 2013,rst cause:2, boot mode:(3,6)" and the
 * ESP32 family's "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
 * explained in translated words; NULL for any other line. */
char *_sf_boot_message_explain (const char *line) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
