/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-boot-message-private.h"

/* What the numbers mean, as Espressif's and the ESP8266 Arduino core's
 * documentation give them (esptool: "Boot Mode Selection", the boot log
 * sections; the ESP8266 core: "Boot Messages and Modes").
 *
 * ESP8266: "rst cause" 0 unknown, 1 power-on, 2 the reset (EXT_RSTB) pin,
 * 3 software, 4 watchdog. The first boot mode number holds the strapping
 * pins (GPIO15 << 2) | (GPIO0 << 1) | GPIO2, 1 = pin high: 3 boots from
 * flash, 1 is the UART download mode (GPIO0 low), 4–7 is SDIO (GPIO15
 * high), 0 and 2 are not valid. The second number is left unexplained: no
 * source says what it means.
 *
 * ESP32 family: the ROM names the reset reason and the boot mode itself;
 * "SPI_FAST_FLASH_BOOT" is the normal boot from flash, "DOWNLOAD…" the
 * download mode for a flasher, anything else a mode the strapping pins
 * chose by mistake. Reset names differ between chips
 * (POWERON_RESET, POWERON; RTCWDT_RTC_RESET, TG0WDT_SYS_RST), so they are
 * read by what they contain. */

static char *
explain_esp8266_cause (guint cause)
{
  switch (cause)
    {
    case 0:
      return g_strdup (_("Reset for an unknown reason (cause 0)"));
    case 1:
      return g_strdup (_("Powered on (cause 1)"));
    case 2:
      return g_strdup (_("Reset by the reset pin (cause 2)"));
    case 3:
      return g_strdup (_("Restarted by its own software (cause 3)"));
    case 4:
      return g_strdup (_("Restarted by the watchdog (cause 4): the firmware hung or crashed"));
    default:
      return g_strdup_printf (_("Reset for a reason the ROM numbers %u"), cause);
    }
}

static const char *
explain_esp8266_mode (guint pins)
{
  switch (pins & 7)
    {
    case 3:
      return _("the board booted normally from flash");
    case 1:
      return _("the board is in download mode, waiting for a flasher (GPIO0 was held low); "
               "release GPIO0 (the FLASH button) and reset it to run the firmware");
    case 0:
    case 2:
      return _("not a valid boot mode (GPIO2 was low): check what is connected to GPIO2");
    case 4:
    case 5:
    case 6:
    case 7:
    default:
      return _("SDIO boot mode (GPIO15 was high): GPIO15 must be pulled low to boot from flash");
    }
}

/* "rst cause:2, boot mode:(3,6)"; esptool's documentation also shows
 * "rst cause 1" without the colon. */
static char *
explain_esp8266 (const char *line)
{
  const char *p = strstr (line, "rst cause");
  g_autofree char *cause_text = NULL;
  char *end;
  guint64 cause, pins, second;

  if (p == NULL)
    return NULL;
  p += strlen ("rst cause");
  while (*p == ':' || *p == ' ')
    p++;
  if (!g_ascii_isdigit (*p))
    return NULL;
  cause = g_ascii_strtoull (p, &end, 10);
  p = strstr (end, "boot mode:(");
  if (p == NULL || cause > G_MAXUINT)
    return NULL;
  p += strlen ("boot mode:(");
  if (!g_ascii_isdigit (*p))
    return NULL;
  pins = g_ascii_strtoull (p, &end, 10);
  if (*end != ',' || !g_ascii_isdigit (end[1]))
    return NULL;
  second = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != ')' || pins > 255 || second > 255)
    return NULL;

  cause_text = explain_esp8266_cause ((guint) cause);
  /* TRANSLATORS: an ESP8266's boot message explained, e.g. "Reset by the
   * reset pin (cause 2); boot mode (3,6): the board booted normally from
   * flash". */
  return g_strdup_printf (_("%s; boot mode (%u,%u): %s"), cause_text, (guint) pins, (guint) second,
                          explain_esp8266_mode ((guint) pins));
}

static char *
explain_esp32_reset (const char *name)
{
  if (strstr (name, "POWERON") != NULL)
    return g_strdup (_("Powered on"));
  if (strstr (name, "BROWN") != NULL)
    return g_strdup (_("Reset by the brownout detector: the supply voltage dropped too low"));
  if (strstr (name, "WDT") != NULL)
    return g_strdup (_("Restarted by a watchdog: the firmware hung or crashed"));
  if (strstr (name, "SLEEP") != NULL)
    return g_strdup (_("Woke from deep sleep"));
  if (strstr (name, "USB") != NULL)
    return g_strdup (_("Reset over USB"));
  if (strstr (name, "SW") != NULL)
    return g_strdup (_("Restarted by its own software"));
  /* TRANSLATORS: %s is the ROM's own name for the reason, e.g. EFUSE_RST. */
  return g_strdup_printf (_("Reset (%s)"), name);
}

static char *
explain_esp32_mode (const char *name)
{
  if (g_str_has_prefix (name, "SPI_FAST_FLASH_BOOT"))
    return g_strdup (_("the board booted normally from flash"));
  if (g_str_has_prefix (name, "DOWNLOAD"))
    return g_strdup (_("the board is in download mode, waiting for a flasher (its boot pin was "
                       "held low); release the BOOT button and reset it to run the firmware"));
  /* TRANSLATORS: %s is the ROM's name for the mode, e.g. SPI_DOWNLOAD_BOOT. */
  return g_strdup_printf (_("an unusual boot mode (%s) that cannot run the firmware: check the "
                            "board's strapping pins"), name);
}

/* The text between the '(' at @p and its matching ')': mode names nest,
 * as in "DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2)". */
static char *
dup_parenthesised (const char  *p,
                   const char **out_end)
{
  const char *start = p + 1;
  int depth = 0;

  if (*p != '(')
    return NULL;
  for (; *p != '\0'; p++)
    {
      if (*p == '(')
        depth++;
      else if (*p == ')' && --depth == 0)
        {
          if (out_end)
            *out_end = p + 1;
          return p > start ? g_strndup (start, p - start) : NULL;
        }
    }
  return NULL;
}

static char *
explain_esp32 (const char *line)
{
  const char *p = strstr (line, "rst:0x");
  g_autofree char *reset_name = NULL;
  g_autofree char *mode_name = NULL;
  g_autofree char *reset_text = NULL;
  g_autofree char *mode_text = NULL;
  char *end;
  guint64 mode;

  if (p == NULL)
    return NULL;
  p += strlen ("rst:0x");
  if (!g_ascii_isxdigit (*p))
    return NULL;
  g_ascii_strtoull (p, &end, 16);
  if (*end != ' ' || (reset_name = dup_parenthesised (end + 1, &p)) == NULL)
    return NULL;
  if (!g_str_has_prefix (p, ",boot:0x"))
    return NULL;
  p += strlen (",boot:0x");
  if (!g_ascii_isxdigit (*p))
    return NULL;
  mode = g_ascii_strtoull (p, &end, 16);
  if (*end != ' ' || mode > 0xff || (mode_name = dup_parenthesised (end + 1, NULL)) == NULL)
    return NULL;

  reset_text = explain_esp32_reset (reset_name);
  mode_text = explain_esp32_mode (mode_name);
  /* TRANSLATORS: an ESP32's boot message explained, e.g. "Powered on; boot
   * mode 0x13: the board booted normally from flash". */
  return g_strdup_printf (_("%s; boot mode 0x%02x: %s"), reset_text, (guint) mode, mode_text);
}

char *
_sf_boot_message_explain (const char *line)
{
  char *explanation;

  g_return_val_if_fail (line != NULL, NULL);

  if ((explanation = explain_esp8266 (line)) != NULL)
    return explanation;
  return explain_esp32 (line);
}
