/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-boot-message-private.h"

static void
assert_explained (const char *line,
                  const char *expected)
{
  g_autofree char *explanation = _sf_boot_message_explain (line);

  g_assert_cmpstr (explanation, ==, expected);
}

static void
test_esp8266 (void)
{
  assert_explained (" ets Jan  8 2013,rst cause:2, boot mode:(3,6)",
                    "Reset by the reset pin (cause 2); boot mode (3,6): "
                    "the board booted normally from flash");
  assert_explained ("ets Jan  8 2013,rst cause:1, boot mode:(3,7)",
                    "Powered on (cause 1); boot mode (3,7): the board booted normally from flash");
  assert_explained (" ets Jan  8 2013,rst cause:4, boot mode:(3,6)",
                    "Restarted by the watchdog (cause 4): the firmware hung or crashed; "
                    "boot mode (3,6): the board booted normally from flash");
  /* esptool's documentation shows it without the colon. */
  assert_explained ("ets Jan  8 2014,rst cause 1, boot mode:(3,7)",
                    "Powered on (cause 1); boot mode (3,7): the board booted normally from flash");
}

static void
test_esp8266_download (void)
{
  g_autofree char *explanation =
    _sf_boot_message_explain (" ets Jan  8 2013,rst cause:2, boot mode:(1,7)");

  g_assert_nonnull (explanation);
  g_assert_true (g_str_has_prefix (explanation, "Reset by the reset pin (cause 2); boot mode (1,7): "
                                                "the board is in download mode, waiting for a flasher "
                                                "(GPIO0 was held low)"));
}

static void
test_esp8266_strapping_faults (void)
{
  g_autofree char *sdio = _sf_boot_message_explain ("ets Jan  8 2013,rst cause:2, boot mode:(7,6)");
  g_autofree char *invalid = _sf_boot_message_explain ("ets Jan  8 2013,rst cause:2, boot mode:(2,6)");
  g_autofree char *unknown = _sf_boot_message_explain ("ets Jan  8 2013,rst cause:0, boot mode:(3,6)");

  g_assert_nonnull (strstr (sdio, "GPIO15"));
  g_assert_nonnull (strstr (invalid, "GPIO2"));
  g_assert_true (g_str_has_prefix (unknown, "Reset for an unknown reason (cause 0)"));
}

static void
test_esp32 (void)
{
  assert_explained ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
                    "Powered on; boot mode 0x13: the board booted normally from flash");
  assert_explained ("rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
                    "Restarted by a watchdog: the firmware hung or crashed; "
                    "boot mode 0x13: the board booted normally from flash");
  assert_explained ("rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)",
                    "Restarted by its own software; "
                    "boot mode 0x08: the board booted normally from flash");
  assert_explained ("rst:0xf (BROWNOUT_RST),boot:0xc (SPI_FAST_FLASH_BOOT)",
                    "Reset by the brownout detector: the supply voltage dropped too low; "
                    "boot mode 0x0c: the board booted normally from flash");
}

static void
test_esp32_download (void)
{
  g_autofree char *classic =
    _sf_boot_message_explain ("rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))");
  g_autofree char *usb =
    _sf_boot_message_explain ("rst:0x15 (USB_UART_CHIP_RESET),boot:0x0 (DOWNLOAD(USB/UART0))");
  g_autofree char *spi =
    _sf_boot_message_explain ("rst:0x15 (USB_UART_CHIP_RESET),boot:0x16 (SPI_DOWNLOAD_BOOT)");

  g_assert_true (g_str_has_prefix (classic, "Powered on; boot mode 0x03: the board is in download "
                                            "mode, waiting for a flasher"));
  g_assert_true (g_str_has_prefix (usb, "Reset over USB; boot mode 0x00: the board is in download mode"));
  /* Not the download mode a flasher speaks to. */
  g_assert_true (g_str_has_prefix (spi, "Reset over USB; boot mode 0x16: an unusual boot mode "
                                        "(SPI_DOWNLOAD_BOOT)"));
}

static void
test_not_boot_lines (void)
{
  const char *lines[] = {
    "",
    "I (312) wifi: connected",
    "load 0x40100000, len 24236, room 16",
    "rst cause:, boot mode:(3,6)",
    "ets Jan  8 2013,rst cause:2, boot mode:(3",
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT",
    "rst:0x1 POWERON_RESET,boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "rst:0x (X),boot:0x13 (Y)",
    "\xef\xbf\xbd\xef\xbf\xbd rst",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autofree char *explanation = _sf_boot_message_explain (lines[i]);

      g_assert_null (explanation);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/boot-message/esp8266", test_esp8266);
  g_test_add_func ("/monitor/boot-message/esp8266-download", test_esp8266_download);
  g_test_add_func ("/monitor/boot-message/esp8266-strapping", test_esp8266_strapping_faults);
  g_test_add_func ("/monitor/boot-message/esp32", test_esp32);
  g_test_add_func ("/monitor/boot-message/esp32-download", test_esp32_download);
  g_test_add_func ("/monitor/boot-message/not-boot-lines", test_not_boot_lines);

  return g_test_run ();
}
