/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sf-flasher.h"
#include "sf-image.h"
#include "sf-loader-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

#define CONNECT_ATTEMPTS     5
#define SYNC_TRIES           5
#define DEFAULT_FLASH_SIZE   (4u * 1024 * 1024)
#define USB_JTAG_SERIAL_VID  0x303A
#define USB_JTAG_SERIAL_PID  0x1001
/* Bytes handed to the output stream at a time when reading flash. */
#define READ_BATCH           4096

struct _SfFlasher
{
  GObject         parent_instance;

  SfLoader        loader;

  SfProgressFunc  progress_func;
  gpointer        progress_data;
  SfLogFunc       log_func;
  gpointer        log_data;

  gboolean        connected;
  gboolean        flash_attached;   /* SPI_ATTACH / SPI_SET_PARAMS sent */
  gboolean        no_modem_lines;   /* warned once: cannot reset */
  guint32         flash_size;       /* 0 until known */
  gboolean        flash_size_from_user;
  guint32         flash_id;
  gboolean        have_flash_id;
};

G_DEFINE_FINAL_TYPE (SfFlasher, sf_flasher, G_TYPE_OBJECT)

static void
sf_flasher_finalize (GObject *object)
{
  SfFlasher *self = SF_FLASHER (object);

  _sf_loader_clear (&self->loader);

  G_OBJECT_CLASS (sf_flasher_parent_class)->finalize (object);
}

static void
sf_flasher_class_init (SfFlasherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sf_flasher_finalize;
}

static void
sf_flasher_init (SfFlasher *self)
{
}

SfFlasher *
sf_flasher_new (SfTransport *transport)
{
  SfFlasher *self;

  g_return_val_if_fail (SF_IS_TRANSPORT (transport), NULL);

  self = g_object_new (SF_TYPE_FLASHER, NULL);
  _sf_loader_init (&self->loader, transport);
  return self;
}

SfTransport *
sf_flasher_get_transport (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), NULL);

  return self->loader.transport;
}

void
sf_flasher_set_progress_func (SfFlasher      *self,
                              SfProgressFunc  func,
                              gpointer        user_data)
{
  g_return_if_fail (SF_IS_FLASHER (self));

  self->progress_func = func;
  self->progress_data = user_data;
}

void
sf_flasher_set_log_func (SfFlasher *self,
                         SfLogFunc  func,
                         gpointer   user_data)
{
  g_return_if_fail (SF_IS_FLASHER (self));

  self->log_func = func;
  self->log_data = user_data;
}

G_GNUC_PRINTF (2, 3)
static void
log_line (SfFlasher  *self,
          const char *format,
          ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("%s", line);
  if (self->log_func != NULL)
    self->log_func (line, self->log_data);
}

static void
report_progress (SfFlasher *self,
                 SfPhase    phase,
                 guint64    done,
                 guint64    total)
{
  if (self->progress_func != NULL)
    self->progress_func (phase, done, total, self->progress_data);
}

static void
put_u32 (guint8  *out,
         guint32  value)
{
  out[0] = value & 0xFF;
  out[1] = (value >> 8) & 0xFF;
  out[2] = (value >> 16) & 0xFF;
  out[3] = value >> 24;
}

static guint32
get_u32 (const guint8 *in)
{
  return (guint32) in[0] | (guint32) in[1] << 8 | (guint32) in[2] << 16 | (guint32) in[3] << 24;
}

static double
kbit_per_second (guint64 bytes,
                 double  seconds)
{
  return seconds > 0 ? bytes * 8 / seconds / 1000 : 0;
}

/* --- names ---------------------------------------------------------------- */

typedef struct
{
  const char *name;
  int         value;
} NamedValue;

static const NamedValue before_names[] = {
  { "default_reset", SF_BEFORE_DEFAULT_RESET },
  { "usb_reset", SF_BEFORE_USB_RESET },
  { "no_reset", SF_BEFORE_NO_RESET },
  { "no_reset_no_sync", SF_BEFORE_NO_RESET_NO_SYNC },
};

static const NamedValue after_names[] = {
  { "hard_reset", SF_AFTER_HARD_RESET },
  { "soft_reset", SF_AFTER_SOFT_RESET },
  { "no_reset", SF_AFTER_NO_RESET },
  { "no_reset_stub", SF_AFTER_NO_RESET_STUB },
};

/* esptool accepts "no-reset" and "no_reset" alike. */
static gboolean
lookup_name (const NamedValue *table,
             gsize             n_entries,
             const char       *name,
             int              *out_value)
{
  g_autofree char *wanted = g_strdelimit (g_ascii_strdown (name, -1), "-", '_');

  for (gsize i = 0; i < n_entries; i++)
    if (g_str_equal (wanted, table[i].name))
      {
        *out_value = table[i].value;
        return TRUE;
      }
  return FALSE;
}

gboolean
sf_before_from_name (const char *name,
                     SfBefore   *out_before)
{
  int value;

  if (!lookup_name (before_names, G_N_ELEMENTS (before_names), name, &value))
    return FALSE;
  *out_before = value;
  return TRUE;
}

gboolean
sf_after_from_name (const char *name,
                    SfAfter    *out_after)
{
  int value;

  if (!lookup_name (after_names, G_N_ELEMENTS (after_names), name, &value))
    return FALSE;
  *out_after = value;
  return TRUE;
}

void
sf_chip_details_clear (SfChipDetails *details)
{
  g_clear_pointer (&details->description, g_free);
  g_clear_pointer (&details->features, g_free);
}

/* --- connecting ----------------------------------------------------------- */

typedef enum
{
  RESET_TIGHT,
  RESET_CLASSIC,
  RESET_USB_JTAG,
} ResetKind;

/* FALSE with G_IO_ERROR_NOT_SUPPORTED when the port has no modem lines. */
static gboolean
set_lines (SfFlasher  *self,
           gboolean    dtr,
           gboolean    rts,
           GError    **error)
{
  return sf_transport_set_dtr_rts (self->loader.transport, dtr, rts, error);
}

/* protocol.md 6.2 and 6.3. DTR drives the boot strap, RTS drives EN. */
static gboolean
reset_into_bootloader (SfFlasher  *self,
                       ResetKind   kind,
                       guint       reset_delay_ms,
                       GError    **error)
{
  switch (kind)
    {
    case RESET_TIGHT:
      if (!set_lines (self, FALSE, FALSE, error) ||
          !set_lines (self, TRUE, TRUE, error) ||
          !set_lines (self, FALSE, TRUE, error))
        return FALSE;
      g_usleep (100 * 1000);
      if (!set_lines (self, TRUE, FALSE, error))
        return FALSE;
      g_usleep (reset_delay_ms * 1000);
      return set_lines (self, FALSE, FALSE, error);

    case RESET_CLASSIC:
      if (!set_lines (self, FALSE, TRUE, error))
        return FALSE;
      g_usleep (100 * 1000);
      if (!set_lines (self, TRUE, FALSE, error))
        return FALSE;
      g_usleep (reset_delay_ms * 1000);
      return set_lines (self, FALSE, FALSE, error);

    case RESET_USB_JTAG:
      if (!set_lines (self, FALSE, FALSE, error))
        return FALSE;
      g_usleep (100 * 1000);
      if (!set_lines (self, TRUE, FALSE, error))
        return FALSE;
      g_usleep (100 * 1000);
      /* Through (on, on) rather than (off, off): the USB-Serial/JTAG
       * peripheral would otherwise see a plain reset and boot normally. */
      if (!set_lines (self, TRUE, TRUE, error) ||
          !set_lines (self, FALSE, TRUE, error))
        return FALSE;
      g_usleep (100 * 1000);
      return set_lines (self, FALSE, FALSE, error);

    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_usb_jtag_serial (SfFlasher *self)
{
  guint vid = 0, pid = 0;

  return sf_transport_get_usb_ids (self->loader.transport, &vid, &pid) &&
         vid == USB_JTAG_SERIAL_VID && pid == USB_JTAG_SERIAL_PID;
}

/* Resets for attempt @attempt as esptool rotates them. FALSE only for a
 * real error; a port without modem lines just warns, once. */
static gboolean
try_reset (SfFlasher  *self,
           SfBefore    before,
           guint       attempt,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  ResetKind kind;
  guint delay;

  if (before == SF_BEFORE_NO_RESET || self->no_modem_lines)
    return TRUE;

  if (before == SF_BEFORE_USB_RESET || is_usb_jtag_serial (self))
    kind = RESET_USB_JTAG, delay = 100;
  else
    {
      kind = (attempt % 4) < 2 ? RESET_TIGHT : RESET_CLASSIC;
      delay = (attempt % 2) == 0 ? 50 : 550;
    }

  if (reset_into_bootloader (self, kind, delay, &local_error))
    return TRUE;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      self->no_modem_lines = TRUE;
      log_line (self, _("Warning: %s has no DTR/RTS lines, so the chip could not be "
                        "reset into its bootloader. If it does not answer, hold BOOT "
                        "and press RESET on the board."),
                sf_transport_get_path (self->loader.transport));
      return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
is_retryable (const GError *error)
{
  return g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
}

static gboolean
sync_with_rom (SfFlasher     *self,
               SfBefore       before,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *banner = NULL;

  for (guint attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++)
    {
      if (!try_reset (self, before, attempt, error))
        return FALSE;

      /* After a reset the ROM prints its banner; it tells a board in the
       * wrong boot mode from one that is not there at all. */
      if (attempt == 0 || !self->no_modem_lines)
        {
          g_autofree char *noise = _sf_loader_collect_noise (&self->loader, 50, error);

          if (noise == NULL)
            return FALSE;
          if (*noise != '\0')
            {
              g_free (banner);
              banner = g_steal_pointer (&noise);
            }
        }

      for (guint try = 0; try < SYNC_TRIES; try++)
        {
          g_autoptr(GError) local_error = NULL;

          if (_sf_loader_sync (&self->loader, &local_error))
            return TRUE;
          if (!is_retryable (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          g_usleep (50 * 1000);
        }
    }

  if (banner != NULL && strstr (banner, "boot:") != NULL &&
      strstr (banner, "waiting for download") == NULL)
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER,
                 _("The chip on %s started its own firmware instead of the download mode. "
                   "Hold BOOT (GPIO0) while you press and release RESET, then try again."),
                 sf_transport_get_path (self->loader.transport));
  else
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER,
                 _("No answer from a chip on %s. Hold BOOT, press and release RESET, "
                   "release BOOT and try again; if it still fails, try a lower baud rate "
                   "or another cable."),
                 sf_transport_get_path (self->loader.transport));
  return FALSE;
}

static gboolean
detect_chip (SfFlasher  *self,
             GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) info = NULL;
  const SfChipInfo *chip = NULL;
  guint32 magic;

  /* GET_SECURITY_INFO names the chip outright on the newer ROMs; older ones
   * (and the ESP32-S2, whose reply is short) answer with an error, and then
   * the ROM's magic word tells. */
  if (_sf_loader_command (&self->loader, SF_OP_GET_SECURITY_INFO, NULL, 0, 0,
                          SF_TIMEOUT_DEFAULT, 20, NULL, &info, &local_error))
    chip = _sf_chip_find_by_image_id ((int) get_u32 ((const guint8 *) g_bytes_get_data (info, NULL) + 12));
  else if (!is_retryable (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (chip == NULL)
    {
      if (!_sf_loader_read_reg (&self->loader, SF_CHIP_MAGIC_REG, &magic, error))
        return FALSE;
      chip = _sf_chip_find_by_magic (magic);
      if (chip == NULL)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                       _("This chip is not one Sparkflash knows (magic value 0x%08x). "
                         "Supported: ESP8266, ESP32, ESP32-S2, ESP32-S3, ESP32-C2, "
                         "ESP32-C3, ESP32-C6, ESP32-H2."),
                       magic);
          return FALSE;
        }
    }

  self->loader.chip = chip;
  return TRUE;
}

/* The USB-Serial/JTAG reset leaves the RTC and super watchdogs armed on
 * these chips; without disarming them the chip resets itself mid-flash. */
static gboolean
disable_watchdogs (SfFlasher  *self,
                   GError    **error)
{
  guint32 wdt_wprotect, wdt_config0, swd_conf, swd_wprotect, swd_key, autofeed_bit;
  const guint32 wdt_key = 0x50D83AA1;
  guint32 value;

  switch (self->loader.chip->chip)
    {
    case SF_CHIP_ESP32C3:
      wdt_wprotect = 0x600080A8, wdt_config0 = 0x60008090;
      swd_conf = 0x600080AC, swd_wprotect = 0x600080B0;
      swd_key = 0x8F1D312A, autofeed_bit = 31;
      break;
    case SF_CHIP_ESP32S3:
      wdt_wprotect = 0x600080B0, wdt_config0 = 0x60008098;
      swd_conf = 0x600080B4, swd_wprotect = 0x600080B8;
      swd_key = 0x8F1D312A, autofeed_bit = 31;
      break;
    case SF_CHIP_ESP32C6:
      wdt_wprotect = 0x600B1C18, wdt_config0 = 0x600B1C00;
      swd_conf = 0x600B1C1C, swd_wprotect = 0x600B1C20;
      swd_key = wdt_key, autofeed_bit = 18;
      break;
    case SF_CHIP_ESP32H2:
      wdt_wprotect = 0x600B1C1C, wdt_config0 = 0x600B1C00;
      swd_conf = 0x600B1C20, swd_wprotect = 0x600B1C24;
      swd_key = wdt_key, autofeed_bit = 18;
      break;
    default:
      return TRUE;
    }

  return _sf_loader_write_reg (&self->loader, wdt_wprotect, wdt_key, error) &&
         _sf_loader_write_reg (&self->loader, wdt_config0, 0, error) &&
         _sf_loader_write_reg (&self->loader, wdt_wprotect, 0, error) &&
         _sf_loader_write_reg (&self->loader, swd_wprotect, swd_key, error) &&
         _sf_loader_read_reg (&self->loader, swd_conf, &value, error) &&
         _sf_loader_write_reg (&self->loader, swd_conf, value | (1u << autofeed_bit), error) &&
         _sf_loader_write_reg (&self->loader, swd_wprotect, 0, error);
}

gboolean
sf_flasher_connect (SfFlasher     *self,
                    SfChip         expected,
                    SfBefore       before,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  self->loader.cancellable = cancellable;
  self->connected = FALSE;
  self->flash_attached = FALSE;
  self->loader.chip = NULL;
  report_progress (self, SF_PHASE_CONNECT, 0, 0);

  if (before != SF_BEFORE_NO_RESET_NO_SYNC &&
      !sync_with_rom (self, before, cancellable, error))
    return FALSE;

  if (!detect_chip (self, error))
    return FALSE;

  if (expected != SF_CHIP_AUTO && expected != self->loader.chip->chip)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP,
                   _("The board is an %s, not the %s that was asked for. "
                     "Set the chip to \"auto\" or to \"%s\"."),
                   self->loader.chip->name, sf_chip_get_name (expected),
                   self->loader.chip->id_name);
      return FALSE;
    }

  if (is_usb_jtag_serial (self) && !disable_watchdogs (self, error))
    return FALSE;

  self->connected = TRUE;
  return TRUE;
}

static gboolean
require_connection (SfFlasher  *self,
                    GError    **error)
{
  if (self->connected)
    return TRUE;
  g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("Not connected to a chip."));
  return FALSE;
}

SfChip
sf_flasher_get_chip (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), SF_CHIP_AUTO);

  return self->loader.chip != NULL ? self->loader.chip->chip : SF_CHIP_AUTO;
}

guint
sf_flasher_get_baud (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), 0);

  return self->loader.baud;
}

/* --- baud ----------------------------------------------------------------- */

static gboolean
estimate_crystal_mhz (SfFlasher  *self,
                      guint      *out_mhz,
                      GError    **error)
{
  const SfChipInfo *chip = self->loader.chip;
  guint32 clkdiv;
  double estimate;

  if (chip->fixed_xtal_mhz != 0)
    {
      *out_mhz = chip->fixed_xtal_mhz;
      return TRUE;
    }

  /* The host and the chip agree on the baud rate or we could not talk, so
   * the chip's UART divider times the rate gives its clock. */
  if (!_sf_loader_read_reg (&self->loader, chip->uart_clkdiv_reg, &clkdiv, error))
    return FALSE;
  estimate = (double) self->loader.baud * (clkdiv & 0xFFFFF) / 1e6 / chip->xtal_clkdiv_divisor;
  *out_mhz = estimate > 45 ? 48 : estimate > 33 ? 40 : 26;
  return TRUE;
}

/* The baud value the ROM must be sent so that it ends up at @baud
 * (protocol.md 5.4: ROMs that mis-derive their UART clock). */
static gboolean
rom_baud_value (SfFlasher  *self,
                guint       baud,
                guint32    *out_value,
                GError    **error)
{
  switch (self->loader.chip->chip)
    {
    case SF_CHIP_ESP32:
      {
        guint32 cali, efuse4;
        double rom_xtal, real_xtal;

        if (!_sf_loader_read_reg (&self->loader, 0x3FF5F06C, &cali, error) ||
            !_sf_loader_read_reg (&self->loader, 0x3FF5A010, &efuse4, error))
          return FALSE;
        rom_xtal = ((cali >> 7) & 0x1FFFFFF) * 15625.0 * (efuse4 & 0xFF) / 40;
        real_xtal = rom_xtal > 33e6 ? 40e6 : 26e6;
        /* An unprogrammed calibration (reads 0) means nothing to correct. */
        *out_value = rom_xtal > 0 ? (guint32) (baud * rom_xtal / real_xtal) : baud;
        return TRUE;
      }

    case SF_CHIP_ESP32C2:
      {
        guint mhz;

        if (!estimate_crystal_mhz (self, &mhz, error))
          return FALSE;
        *out_value = mhz == 26 ? baud * 40 / 26 : baud;
        return TRUE;
      }

    default:
      *out_value = baud;
      return TRUE;
    }
}

gboolean
sf_flasher_change_baud (SfFlasher  *self,
                        guint       baud,
                        GError    **error)
{
  guint8 payload[8];
  guint32 rom_value;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!require_connection (self, error))
    return FALSE;
  if (baud == self->loader.baud)
    return TRUE;

  if (!self->loader.chip->rom_supports_change_baud)
    {
      log_line (self, _("The %s ROM loader cannot change its baud rate; staying at %u."),
                self->loader.chip->name, self->loader.baud);
      return TRUE;
    }

  if (!rom_baud_value (self, baud, &rom_value, error))
    return FALSE;

  log_line (self, _("Changing baud rate to %u"), baud);
  put_u32 (payload, rom_value);
  put_u32 (payload + 4, 0);
  if (!_sf_loader_command (&self->loader, SF_OP_CHANGE_BAUDRATE, payload, sizeof payload, 0,
                           SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error))
    return FALSE;

  /* The reply came at the old rate; the ROM switches after sending it. */
  if (!sf_transport_set_baud (self->loader.transport, baud, error))
    return FALSE;
  self->loader.baud = baud;
  g_usleep (50 * 1000);
  if (!_sf_loader_flush (&self->loader, error))
    return FALSE;

  log_line (self, _("Changed."));
  return TRUE;
}

/* --- flash identification ------------------------------------------------- */

gboolean
sf_flasher_read_flash_id (SfFlasher  *self,
                          guint32    *out_flash_id,
                          GError    **error)
{
  guint8 id[4] = { 0 };

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!require_connection (self, error))
    return FALSE;

  if (!self->have_flash_id)
    {
      if (!_sf_loader_spi_command (&self->loader, 0x9F, 0, 0, 24, id, error))
        return FALSE;
      self->flash_id = id[0] | id[1] << 8 | id[2] << 16;
      self->have_flash_id = TRUE;
    }
  *out_flash_id = self->flash_id;
  return TRUE;
}

/* protocol.md 5.3; 0 when the capacity byte means nothing we know. */
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
  self->flash_attached = FALSE;
}

gboolean
sf_flasher_get_flash_size (SfFlasher  *self,
                           guint32    *out_size,
                           GError    **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (self->flash_size == 0)
    {
      guint32 flash_id;

      if (!sf_flasher_read_flash_id (self, &flash_id, error))
        return FALSE;
      self->flash_size = flash_size_from_id (flash_id);
      if (self->flash_size == 0 || self->flash_size > 16u * 1024 * 1024)
        {
          /* Beyond 16 MiB the ROM needs 4-byte addressing it lacks. */
          if (self->flash_size > 16u * 1024 * 1024)
            log_line (self, _("Warning: the flash chip is larger than 16 MB; "
                              "only the first 16 MB can be used from the ROM loader."));
          else
            log_line (self, _("Warning: could not tell the flash size from its ID 0x%06x; "
                              "assuming 4 MB."), flash_id);
          self->flash_size = self->flash_size == 0 ? DEFAULT_FLASH_SIZE : 16u * 1024 * 1024;
        }
    }
  *out_size = self->flash_size;
  return TRUE;
}

/* ESP32's ROM does not attach in-package flash by itself: it needs the SPI
 * pads from eFuse (protocol.md 2.2, SPI_ATTACH). */
static gboolean
esp32_spi_pad_config (SfFlasher  *self,
                      guint32    *out_config,
                      GError    **error)
{
  guint32 word3, word5, clk, q, d, cs, hd;

  if (!_sf_loader_read_reg (&self->loader, 0x3FF5A00C, &word3, error) ||
      !_sf_loader_read_reg (&self->loader, 0x3FF5A014, &word5, error))
    return FALSE;

  clk = word5 & 0x1F;
  q = (word5 >> 5) & 0x1F;
  d = (word5 >> 10) & 0x1F;
  cs = (word5 >> 15) & 0x1F;
  hd = (word3 >> 4) & 0x1F;
  if (clk == 0 && q == 0 && d == 0 && cs == 0 && hd == 0)
    *out_config = 0;
  else
    *out_config = clk | q << 6 | d << 12 | cs << 18 | hd << 24;
  return TRUE;
}

/* Bytes the ESP8266 ROM must be told to erase so that it erases @size
 * bytes at @offset (protocol.md 3.5: its erase routine miscounts). */
static guint32
esp8266_erase_size (guint32 offset,
                    guint32 size)
{
  guint32 sectors = (size + SF_FLASH_SECTOR - 1) / SF_FLASH_SECTOR;
  guint32 start = offset / SF_FLASH_SECTOR;
  guint32 head = 16 - (start % 16);

  if (sectors < head)
    head = sectors;
  if (sectors < 2 * head)
    return (sectors + 1) / 2 * SF_FLASH_SECTOR;
  return (sectors - head) * SF_FLASH_SECTOR;
}

/* Bytes past [offset, offset + size) that the ROM erases as well. Only
 * the ESP8266 ROM does: asked for E sectors it erases E + min (E, sectors
 * up to the next 64 KiB boundary), so the compensated count above still
 * erases one sector too many for an odd number of sectors below two
 * blocks' worth. Callers keep that sector's contents. */
static guint32
rom_overerase (SfFlasher *self,
               guint32    offset,
               guint32    size)
{
  guint32 sectors, asked, to_boundary, erased;

  if (!self->loader.chip->is_esp8266_family || size == 0)
    return 0;

  sectors = (size + SF_FLASH_SECTOR - 1) / SF_FLASH_SECTOR;
  asked = esp8266_erase_size (offset, size) / SF_FLASH_SECTOR;
  to_boundary = 16 - (offset / SF_FLASH_SECTOR) % 16;
  erased = asked + MIN (asked, to_boundary);
  return erased > sectors ? (erased - sectors) * SF_FLASH_SECTOR : 0;
}

static gboolean
flash_begin (SfFlasher  *self,
             SfOpcode    op,
             guint32     size,
             guint32     num_blocks,
             guint32     block_size,
             guint32     offset,
             guint       timeout_ms,
             GError    **error)
{
  const SfChipInfo *chip = self->loader.chip;
  guint8 payload[20];
  gsize length = 16;

  put_u32 (payload, chip->is_esp8266_family && op == SF_OP_FLASH_BEGIN
                    ? esp8266_erase_size (offset, size) : size);
  put_u32 (payload + 4, num_blocks);
  put_u32 (payload + 8, block_size);
  put_u32 (payload + 12, offset);
  if (chip->flash_begin_has_encrypt_word)
    {
      put_u32 (payload + 16, 0);
      length = 20;
    }
  return _sf_loader_command (&self->loader, op, payload, length, 0, timeout_ms, 0,
                             NULL, NULL, error);
}

/* Makes the flash usable from the ROM: attach it and tell the ROM its size
 * (the ROM otherwise assumes 2 MB and refuses to go past it). */
static gboolean
prepare_flash (SfFlasher  *self,
               GError    **error)
{
  guint32 size;

  if (self->flash_attached)
    return TRUE;

  if (self->loader.chip->needs_spi_attach)
    {
      guint8 attach[8] = { 0 };
      guint8 params[24];
      guint32 config = 0;

      if (self->loader.chip->chip == SF_CHIP_ESP32 && !esp32_spi_pad_config (self, &config, error))
        return FALSE;
      put_u32 (attach, config);
      if (!_sf_loader_command (&self->loader, SF_OP_SPI_ATTACH, attach, sizeof attach, 0,
                               SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error))
        return FALSE;

      if (!sf_flasher_get_flash_size (self, &size, error))
        return FALSE;
      put_u32 (params, 0);
      put_u32 (params + 4, size);
      put_u32 (params + 8, 0x10000);
      put_u32 (params + 12, SF_FLASH_SECTOR);
      put_u32 (params + 16, 0x100);
      put_u32 (params + 20, 0xFFFF);
      if (!_sf_loader_command (&self->loader, SF_OP_SPI_SET_PARAMS, params, sizeof params, 0,
                               SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error))
        return FALSE;
    }
  else
    {
      /* The ESP8266 ROM attaches its flash on an empty FLASH_BEGIN. */
      if (!flash_begin (self, SF_OP_FLASH_BEGIN, 0, 0, SF_ROM_WRITE_BLOCK, 0,
                        SF_TIMEOUT_DEFAULT, error) ||
          !sf_flasher_get_flash_size (self, &size, error))
        return FALSE;
    }

  self->flash_attached = TRUE;
  return TRUE;
}

gboolean
sf_flasher_read_mac (SfFlasher  *self,
                     guint8      out_mac[6],
                     GError    **error)
{
  const SfChipInfo *chip;
  guint32 lo, hi;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!require_connection (self, error))
    return FALSE;
  chip = self->loader.chip;

  if (chip->chip == SF_CHIP_ESP8266)
    {
      guint32 m0, m1, m3;
      guint8 oui[3];

      if (!_sf_loader_read_reg (&self->loader, 0x3FF00050, &m0, error) ||
          !_sf_loader_read_reg (&self->loader, 0x3FF00054, &m1, error) ||
          !_sf_loader_read_reg (&self->loader, 0x3FF0005C, &m3, error))
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

  if (!_sf_loader_read_reg (&self->loader, chip->mac_lo_reg, &lo, error) ||
      !_sf_loader_read_reg (&self->loader, chip->mac_hi_reg, &hi, error))
    return FALSE;
  out_mac[0] = (hi >> 8) & 0xFF;
  out_mac[1] = hi & 0xFF;
  out_mac[2] = (lo >> 24) & 0xFF;
  out_mac[3] = (lo >> 16) & 0xFF;
  out_mac[4] = (lo >> 8) & 0xFF;
  out_mac[5] = lo & 0xFF;
  return TRUE;
}

static gboolean
describe_esp8266 (SfFlasher      *self,
                  SfChipDetails  *details,
                  GError        **error)
{
  guint32 w0, w2;

  if (!_sf_loader_read_reg (&self->loader, 0x3FF00050, &w0, error) ||
      !_sf_loader_read_reg (&self->loader, 0x3FF00058, &w2, error))
    return FALSE;

  if ((w0 & (1u << 4)) != 0 || (w2 & (1u << 16)) != 0)
    {
      details->description = g_strdup ("ESP8285");
      details->features = g_strdup (_("Wi-Fi, Embedded Flash"));
    }
  else
    {
      details->description = g_strdup ("ESP8266EX");
      details->features = g_strdup (_("Wi-Fi"));
    }
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

  if (!_sf_loader_read_reg (&self->loader, 0x3FF5A00C, &word3, error) ||
      !_sf_loader_read_reg (&self->loader, 0x3FF5A014, &word5, error) ||
      !_sf_loader_read_reg (&self->loader, 0x3FF6607C, &apb_date, error))
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
  if (!_sf_loader_read_reg (&self->loader, BLOCK_WORD (fields->major_word), &major_word, error) ||
      !_sf_loader_read_reg (&self->loader, BLOCK_WORD (fields->minor_word), &minor_word, error) ||
      (fields->minor_hi_word >= 0 &&
       !_sf_loader_read_reg (&self->loader, BLOCK_WORD (fields->minor_hi_word), &hi_word, error)))
    return FALSE;
#undef BLOCK_WORD

  major = (major_word >> fields->major_shift) & fields->major_mask;
  minor = (minor_word >> fields->minor_shift) & fields->minor_mask;
  if (fields->minor_hi_word >= 0)
    minor |= ((hi_word >> fields->minor_hi_shift) & 1) << 3;
  details->description = g_strdup_printf (_("%s (revision v%u.%u)"), chip->name, major, minor);
  return TRUE;
}

gboolean
sf_flasher_read_chip_details (SfFlasher      *self,
                              SfChipDetails  *out_details,
                              GError        **error)
{
  g_auto(SfChipDetails) details = { 0 };
  const SfChipInfo *chip;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (out_details != NULL, FALSE);

  if (!require_connection (self, error))
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

  if (!estimate_crystal_mhz (self, &details.crystal_mhz, error) ||
      !sf_flasher_read_mac (self, details.mac, error) ||
      !sf_flasher_read_flash_id (self, &details.flash_id, error))
    return FALSE;
  details.flash_size = flash_size_from_id (details.flash_id);

  *out_details = details;
  memset (&details, 0, sizeof details);
  return TRUE;
}

/* --- region checks -------------------------------------------------------- */

static int
compare_regions_by_address (gconstpointer a,
                            gconstpointer b)
{
  const SfFlashRegion *ra = *(const SfFlashRegion * const *) a;
  const SfFlashRegion *rb = *(const SfFlashRegion * const *) b;

  return ra->address < rb->address ? -1 : ra->address > rb->address;
}

static const char *
region_name (const SfFlashRegion *region)
{
  return region->name != NULL ? region->name : _("the data");
}

gboolean
sf_flasher_check_regions (const SfFlashRegion  *regions,
                          guint                 n_regions,
                          guint32               flash_size,
                          GError              **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new (n_regions);

  for (guint i = 0; i < n_regions; i++)
    {
      const SfFlashRegion *region = &regions[i];
      gsize length = region->data != NULL ? g_bytes_get_size (region->data) : 0;
      guint64 end = (guint64) region->address + length;

      if (length == 0)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("%s is empty: there is nothing to write at 0x%08x."),
                       region_name (region), region->address);
          return FALSE;
        }
      if ((flash_size != 0 && end > flash_size) || end > G_MAXUINT32)
        {
          g_autofree char *flash_text = sf_format_size (flash_size);

          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,
                       _("%s (%zu bytes at 0x%08x) ends at 0x%08llx, "
                         "past the end of the %s flash (0x%08x). Use a lower address or "
                         "a smaller file."),
                       region_name (region), length, region->address,
                       (unsigned long long) end, flash_text, flash_size);
          return FALSE;
        }
      g_ptr_array_add (sorted, (gpointer) region);
    }

  g_ptr_array_sort (sorted, compare_regions_by_address);
  for (guint i = 1; i < sorted->len; i++)
    {
      const SfFlashRegion *a = g_ptr_array_index (sorted, i - 1);
      const SfFlashRegion *b = g_ptr_array_index (sorted, i);
      guint64 a_end = (guint64) a->address + g_bytes_get_size (a->data);

      if (a_end > b->address)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_REGION_OVERLAP,
                       _("%s (0x%08x to 0x%08llx) overlaps %s, which "
                         "starts at 0x%08x. Move one of them."),
                       region_name (a), a->address, (unsigned long long) a_end - 1,
                       region_name (b), b->address);
          return FALSE;
        }
    }
  return TRUE;
}

/* --- reading -------------------------------------------------------------- */

/* Up to 64 bytes: READ_FLASH_SLOW where the ROM has it, otherwise a SPI
 * READ through the user-command registers (the ESP8266 ROM). */
static gboolean
read_chunk (SfFlasher  *self,
            guint32     address,
            guint8     *out,
            guint       length,
            GError    **error)
{
  g_assert (length <= SF_READ_SLOW_CHUNK);

  if (self->loader.chip->rom_supports_read_slow)
    {
      g_autoptr(GBytes) result = NULL;
      guint8 payload[8];

      put_u32 (payload, address);
      put_u32 (payload + 4, length);
      if (!_sf_loader_command (&self->loader, SF_OP_READ_FLASH_SLOW, payload, sizeof payload,
                               0, SF_TIMEOUT_DEFAULT, SF_READ_SLOW_CHUNK, NULL, &result, error))
        return FALSE;
      memcpy (out, g_bytes_get_data (result, NULL), length);
      return TRUE;
    }

  return _sf_loader_spi_command (&self->loader, 0x03, address, 24, length * 8, out, error);
}

/* Reads [address, address + size) and hands it to @sink in batches. */
typedef gboolean (*ChunkSink) (const guint8  *data,
                               gsize          length,
                               gpointer       user_data,
                               GError       **error);

static gboolean
read_region (SfFlasher     *self,
             SfPhase        phase,
             guint32        address,
             guint32        size,
             ChunkSink      sink,
             gpointer       sink_data,
             GCancellable  *cancellable,
             GError       **error)
{
  guint8 batch[READ_BATCH];
  guint32 done = 0;

  while (done < size)
    {
      guint32 batch_len = MIN (size - done, READ_BATCH);

      for (guint32 off = 0; off < batch_len; off += SF_READ_SLOW_CHUNK)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (!read_chunk (self, address + done + off, batch + off,
                           MIN (SF_READ_SLOW_CHUNK, batch_len - off), error))
            return FALSE;
        }
      if (!sink (batch, batch_len, sink_data, error))
        return FALSE;
      done += batch_len;
      report_progress (self, phase, done, size);
    }
  return TRUE;
}

static gboolean
check_span (SfFlasher  *self,
            guint32     address,
            guint32     size,
            GError    **error)
{
  guint32 flash_size;

  if (!sf_flasher_get_flash_size (self, &flash_size, error))
    return FALSE;
  if (size == 0)
    {
      g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                           _("The size is 0: there is nothing to do."));
      return FALSE;
    }
  if ((guint64) address + size > flash_size)
    {
      g_autofree char *flash_text = sf_format_size (flash_size);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,
                   _("0x%08x + 0x%x runs past the end of the %s flash (0x%08x)."),
                   address, size, flash_text, flash_size);
      return FALSE;
    }
  return TRUE;
}

static gboolean
stream_sink (const guint8  *data,
             gsize          length,
             gpointer       user_data,
             GError       **error)
{
  return g_output_stream_write_all (G_OUTPUT_STREAM (user_data), data, length, NULL, NULL, error);
}

gboolean
sf_flasher_read_flash (SfFlasher      *self,
                       guint32         address,
                       guint32         size,
                       GOutputStream  *output,
                       GCancellable   *cancellable,
                       GError        **error)
{
  gint64 start;
  double seconds;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  self->loader.cancellable = cancellable;
  if (!require_connection (self, error) ||
      !prepare_flash (self, error) ||
      !check_span (self, address, size, error))
    return FALSE;

  start = g_get_monotonic_time ();
  if (!read_region (self, SF_PHASE_READ, address, size, stream_sink, output, cancellable, error))
    return FALSE;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  log_line (self, _("Read %u bytes at 0x%08x in %.1f seconds (%.1f kbit/s)."),
            size, address, seconds, kbit_per_second (size, seconds));
  return TRUE;
}

gboolean
sf_flasher_read_flash_to_file (SfFlasher      *self,
                               guint32         address,
                               guint32         size,
                               const char     *path,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *temp_path = NULL;
  g_autoptr(GOutputStream) output = NULL;
  struct stat existing;
  mode_t mode;
  int fd;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* The new file is written beside the old one and renamed over it only
   * when complete, so an interrupted read never costs the user a file. */
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  temp_path = g_strdup_printf ("%s/.%s.sparkflash-XXXXXX", dir, base);
  fd = g_mkstemp_full (temp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                   _("Cannot create a file in %s: %s. Choose a folder you can write to."),
                   dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (g_stat (path, &existing) == 0)
    mode = existing.st_mode & 0777;
  else
    {
      mode_t mask = umask (0);

      umask (mask);
      mode = 0666 & ~mask;
    }
  fchmod (fd, mode);

  output = g_unix_output_stream_new (fd, TRUE);
  if (!sf_flasher_read_flash (self, address, size, output, cancellable, error))
    goto fail;

  if (fsync (fd) != 0 || !g_output_stream_close (output, NULL, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                     _("Cannot write %s: %s."), temp_path, g_strerror (errno));
      goto fail;
    }

  if (g_rename (temp_path, path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                   _("Cannot replace %s: %s."), path, g_strerror (saved_errno));
      goto fail;
    }
  return TRUE;

fail:
  g_output_stream_close (output, NULL, NULL);
  g_unlink (temp_path);
  return FALSE;
}

/* --- writing -------------------------------------------------------------- */

/* What goes into one FLASH_BEGIN session: the file, with the bytes that
 * share its first and last flash sector kept (read back first, or 0xFF
 * after a whole-chip erase) so that the sector erase loses nothing that
 * lies outside the file. Three pieces, never copied into one buffer. */
typedef struct
{
  guint32       start;          /* sector-aligned */
  const guint8 *head;
  gsize         head_len;
  const guint8 *body;
  gsize         body_len;
  const guint8 *tail;
  gsize         tail_len;
} Span;

static gsize
span_length (const Span *span)
{
  return span->head_len + span->body_len + span->tail_len;
}

static void
span_copy (const Span *span,
           gsize       offset,
           guint8     *out,
           gsize       length)
{
  const struct { const guint8 *data; gsize len; } pieces[] = {
    { span->head, span->head_len },
    { span->body, span->body_len },
    { span->tail, span->tail_len },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pieces) && length > 0; i++)
    {
      gsize n;

      if (offset >= pieces[i].len)
        {
          offset -= pieces[i].len;
          continue;
        }
      n = MIN (length, pieces[i].len - offset);
      memcpy (out, pieces[i].data + offset, n);
      out += n;
      length -= n;
      offset = 0;
    }
}

static gboolean
array_sink (const guint8  *data,
            gsize          length,
            gpointer       user_data,
            GError       **error)
{
  g_byte_array_append (user_data, data, length);
  return TRUE;
}

static gboolean
send_block (SfFlasher     *self,
            SfOpcode       op,
            const guint8  *block,
            gsize          length,
            guint32        seq,
            guint          timeout_ms,
            GError       **error)
{
  g_autofree guint8 *payload = g_malloc (16 + length);
  guint32 checksum = _sf_loader_checksum (block, length);

  put_u32 (payload, length);
  put_u32 (payload + 4, seq);
  put_u32 (payload + 8, 0);
  put_u32 (payload + 12, 0);
  memcpy (payload + 16, block, length);

  /* A garbled block is worth resending; the ROM keeps its place. */
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      if (_sf_loader_command (&self->loader, op, payload, 16 + length, checksum,
                              timeout_ms, 0, NULL, NULL, &local_error))
        return TRUE;
      if (attempt == 3 || !is_retryable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Block %u failed (%s), resending", seq, local_error->message);
    }
}

static gboolean
write_span_raw (SfFlasher     *self,
                const Span    *span,
                GCancellable  *cancellable,
                GError       **error)
{
  gsize total = span_length (span);
  guint32 blocks = (total + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK;
  guint8 block[SF_ROM_WRITE_BLOCK];
  gint64 start;

  start = g_get_monotonic_time ();
  report_progress (self, SF_PHASE_ERASE, 0, total);
  if (!flash_begin (self, SF_OP_FLASH_BEGIN, total, blocks, SF_ROM_WRITE_BLOCK, span->start,
                    _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, total), error))
    return FALSE;
  log_line (self, _("Took %.2fs to erase flash block."), (g_get_monotonic_time () - start) / 1e6);

  for (guint32 seq = 0; seq < blocks; seq++)
    {
      gsize offset = (gsize) seq * SF_ROM_WRITE_BLOCK;
      gsize n = MIN (SF_ROM_WRITE_BLOCK, total - offset);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      /* The ROM wants whole blocks: the last is padded with erased bytes. */
      memset (block, 0xFF, sizeof block);
      span_copy (span, offset, block, n);
      if (!send_block (self, SF_OP_FLASH_DATA, block, sizeof block, seq,
                       SF_TIMEOUT_DEFAULT, error))
        return FALSE;
      report_progress (self, SF_PHASE_WRITE, offset + n, total);
    }
  return TRUE;
}

/* The span as a zlib stream (header and Adler-32, level 9, as the ROM's
 * inflater expects: protocol.md 9), produced a little at a time so that
 * no compressed copy of a whole file is ever held. zlib is deterministic:
 * two passes give the same bytes, so one pass can count them for
 * FLASH_DEFL_BEGIN and a second one send them. */
typedef struct
{
  const Span *span;
  gsize       total;
  gsize       in_offset;
  z_stream    z;
  GByteArray *pending;      /* produced, not yet read */
  gboolean    finished;
  guint8      in_buf[16384];
} Deflater;

static void
deflater_init (Deflater   *d,
               const Span *span)
{
  memset (d, 0, sizeof *d);
  d->span = span;
  d->total = span_length (span);
  d->pending = g_byte_array_new ();
  /* Only fails for want of memory, which GLib treats as fatal too. */
  if (deflateInit (&d->z, 9) != Z_OK)
    g_error ("zlib could not start compressing");
}

static void
deflater_clear (Deflater *d)
{
  deflateEnd (&d->z);
  g_clear_pointer (&d->pending, g_byte_array_unref);
}

/* Up to @length compressed bytes into @out; 0 once the stream is over. */
static gsize
deflater_read (Deflater *d,
               guint8   *out,
               gsize     length)
{
  guint8 buf[16384];
  gsize n;

  while (d->pending->len < length && !d->finished)
    {
      int ret;

      if (d->z.avail_in == 0 && d->in_offset < d->total)
        {
          gsize chunk = MIN (sizeof d->in_buf, d->total - d->in_offset);

          span_copy (d->span, d->in_offset, d->in_buf, chunk);
          d->in_offset += chunk;
          d->z.next_in = d->in_buf;
          d->z.avail_in = chunk;
        }
      d->z.next_out = buf;
      d->z.avail_out = sizeof buf;
      ret = deflate (&d->z, d->in_offset == d->total ? Z_FINISH : Z_NO_FLUSH);
      g_assert (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR);
      g_byte_array_append (d->pending, buf, sizeof buf - d->z.avail_out);
      d->finished = ret == Z_STREAM_END;
    }

  n = MIN (length, d->pending->len);
  memcpy (out, d->pending->data, n);
  g_byte_array_remove_range (d->pending, 0, n);
  return n;
}

static gsize
compressed_size (const Span *span)
{
  guint8 scratch[SF_ROM_WRITE_BLOCK];
  Deflater d;
  gsize total = 0, n;

  deflater_init (&d, span);
  while ((n = deflater_read (&d, scratch, sizeof scratch)) > 0)
    total += n;
  deflater_clear (&d);
  return total;
}

static gboolean
write_span_compressed (SfFlasher     *self,
                       const Span    *span,
                       gsize          comp_len,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gsize total = span_length (span);
  guint32 blocks = (comp_len + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK;
  /* The ROM erases this much at once: whole blocks of uncompressed data. */
  guint32 erase_size = (total + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK * SF_ROM_WRITE_BLOCK;
  guint block_timeout = _sf_timeout_per_mb (SF_TIMEOUT_WRITE_PER_MB,
                                            (guint64) SF_ROM_WRITE_BLOCK * total / MAX (comp_len, 1));
  guint8 block[SF_ROM_WRITE_BLOCK];
  gsize sent = 0;
  gboolean ok = TRUE;
  Deflater d;
  gint64 start;

  start = g_get_monotonic_time ();
  report_progress (self, SF_PHASE_ERASE, 0, total);
  if (!flash_begin (self, SF_OP_FLASH_DEFL_BEGIN, erase_size, blocks, SF_ROM_WRITE_BLOCK,
                    span->start, _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, erase_size), error))
    return FALSE;
  log_line (self, _("Took %.2fs to erase flash block."), (g_get_monotonic_time () - start) / 1e6);

  deflater_init (&d, span);
  for (guint32 seq = 0; ok && seq < blocks; seq++)
    {
      gsize n = deflater_read (&d, block, sizeof block);

      g_assert (n > 0);
      sent += n;
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error) &&
           send_block (self, SF_OP_FLASH_DEFL_DATA, block, n, seq, block_timeout, error);
      /* Progress in file bytes: scale what was sent by the ratio. */
      if (ok)
        report_progress (self, SF_PHASE_WRITE, (guint64) sent * total / comp_len, total);
    }
  deflater_clear (&d);
  return ok;
}

static void
span_md5 (const Span *span,
          guint8      out_digest[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize digest_len = 16;

  g_checksum_update (md5, span->head, span->head_len);
  g_checksum_update (md5, span->body, span->body_len);
  g_checksum_update (md5, span->tail, span->tail_len);
  g_checksum_get_digest (md5, out_digest, &digest_len);
}

typedef struct
{
  const Span *span;
  gsize       offset;
  gsize       mismatch;   /* first differing offset, or G_MAXSIZE */
} CompareState;

static gboolean
compare_sink (const guint8  *data,
              gsize          length,
              gpointer       user_data,
              GError       **error)
{
  CompareState *state = user_data;
  g_autofree guint8 *expected = g_malloc (length);

  span_copy (state->span, state->offset, expected, length);
  if (state->mismatch == G_MAXSIZE && memcmp (expected, data, length) != 0)
    for (gsize i = 0; i < length; i++)
      if (expected[i] != data[i])
        {
          state->mismatch = state->offset + i;
          break;
        }
  state->offset += length;
  return TRUE;
}

static gboolean
verify_span (SfFlasher     *self,
             const Span    *span,
             const char    *name,
             GCancellable  *cancellable,
             GError       **error)
{
  gsize total = span_length (span);
  gsize mismatch = G_MAXSIZE;

  report_progress (self, SF_PHASE_VERIFY, 0, total);
  if (self->loader.chip->rom_supports_md5)
    {
      g_autoptr(GBytes) result = NULL;
      g_autofree char *expected_hex = NULL;
      guint8 digest[16];
      guint8 payload[16];

      span_md5 (span, digest);
      expected_hex = g_malloc (33);
      for (guint i = 0; i < 16; i++)
        g_snprintf (expected_hex + 2 * i, 3, "%02x", digest[i]);

      put_u32 (payload, span->start);
      put_u32 (payload + 4, total);
      put_u32 (payload + 8, 0);
      put_u32 (payload + 12, 0);
      if (!_sf_loader_command (&self->loader, SF_OP_SPI_FLASH_MD5, payload, sizeof payload, 0,
                               _sf_timeout_per_mb (SF_TIMEOUT_MD5_PER_MB, total), 32,
                               NULL, &result, error))
        return FALSE;
      if (g_ascii_strncasecmp (g_bytes_get_data (result, NULL), expected_hex, 32) != 0)
        mismatch = 0;
    }
  else
    {
      /* No MD5 in this ROM: read everything back and compare. */
      CompareState state = { span, 0, G_MAXSIZE };

      if (!read_region (self, SF_PHASE_VERIFY, span->start, total, compare_sink, &state,
                        cancellable, error))
        return FALSE;
      mismatch = state.mismatch;
    }
  report_progress (self, SF_PHASE_VERIFY, total, total);

  if (mismatch != G_MAXSIZE)
    {
      if (self->loader.chip->rom_supports_md5)
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_VERIFY_FAILED,
                     _("Verification failed: the flash from 0x%08x holds different data than %s. "
                       "Write it again; if this keeps happening, try a lower baud rate or "
                       "another cable."),
                     span->start, name);
      else
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_VERIFY_FAILED,
                     _("Verification failed: the flash at 0x%08zx differs from %s. "
                       "Write it again; if this keeps happening, try a lower baud rate or "
                       "another cable."),
                     span->start + mismatch, name);
      return FALSE;
    }
  log_line (self, _("Hash of data verified."));
  return TRUE;
}

/* Builds the span for @region: the file rounded out to 4 bytes and to
 * whole sectors, keeping what already sits in the partial sectors. */
static gboolean
build_span (SfFlasher      *self,
            guint32         address,
            GBytes         *data,
            gboolean        flash_erased,
            Span           *span,
            GByteArray     *head,
            GByteArray     *tail,
            GCancellable   *cancellable,
            GError        **error)
{
  guint32 flash_size;
  guint32 start = address & ~(SF_FLASH_SECTOR - 1);
  gsize body_len;
  guint64 end, sector_end;

  if (!sf_flasher_get_flash_size (self, &flash_size, error))
    return FALSE;

  span->start = start;
  span->body = g_bytes_get_data (data, &body_len);
  span->body_len = body_len;
  end = (guint64) address + body_len;
  sector_end = (end + SF_FLASH_SECTOR - 1) & ~(guint64) (SF_FLASH_SECTOR - 1);
  sector_end += rom_overerase (self, start, sector_end - start);
  sector_end = MIN (sector_end, flash_size);

  if (address > start)
    {
      if (flash_erased)
        {
          g_byte_array_set_size (head, address - start);
          memset (head->data, 0xFF, head->len);
        }
      else if (!read_region (self, SF_PHASE_READ, start, address - start, array_sink, head,
                             cancellable, error))
        return FALSE;
    }
  if (sector_end > end)
    {
      if (flash_erased)
        {
          g_byte_array_set_size (tail, sector_end - end);
          memset (tail->data, 0xFF, tail->len);
        }
      else if (!read_region (self, SF_PHASE_READ, end, sector_end - end, array_sink, tail,
                             cancellable, error))
        return FALSE;
    }
  else if (body_len % 4 != 0)
    {
      /* Flash is written in words: pad to 4 bytes with erased bytes. */
      g_byte_array_set_size (tail, 4 - body_len % 4);
      memset (tail->data, 0xFF, tail->len);
    }

  span->head = head->data;
  span->head_len = head->len;
  span->tail = tail->data;
  span->tail_len = tail->len;
  return TRUE;
}

static gboolean
check_image_chip (SfFlasher            *self,
                  const SfFlashRegion  *region,
                  GError              **error)
{
  SfImageInfo info;

  /* Only the header matters here; a file that is not an image is data. */
  if (!sf_image_parse (region->data, &info, NULL))
    return TRUE;
  if ((info.kind == SF_IMAGE_KIND_APP || info.kind == SF_IMAGE_KIND_BOOTLOADER ||
       info.kind == SF_IMAGE_KIND_MERGED) &&
      info.chip != SF_CHIP_AUTO && info.chip != self->loader.chip->chip)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP,
                   _("%s is firmware for an %s, but the board is an %s. "
                     "Choose the file built for this board."),
                   region_name (region), sf_chip_get_name (info.chip),
                   self->loader.chip->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_one (SfFlasher             *self,
           const SfFlashRegion   *region,
           const SfWriteOptions  *options,
           gboolean               flash_erased,
           GCancellable          *cancellable,
           GError               **error)
{
  g_autoptr(GBytes) data = g_bytes_ref (region->data);
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GByteArray) tail = g_byte_array_new ();
  gsize comp_len = 0;
  const char *name = region_name (region);
  gboolean compress;
  gsize written_len;
  Span span;
  gint64 start;
  double seconds;

  if (region->address == self->loader.chip->bootloader_offset)
    {
      guint32 flash_size;
      g_autoptr(GBytes) rewritten = NULL;

      if (!sf_flasher_get_flash_size (self, &flash_size, error))
        return FALSE;
      rewritten = sf_image_rewrite_header (data, self->loader.chip->chip,
                                           options->flash_mode, options->flash_size,
                                           options->flash_freq, flash_size, error);
      if (rewritten == NULL)
        return FALSE;
      if (!g_bytes_equal (rewritten, data))
        log_line (self, _("Flash parameters set in the bootloader header of %s."), name);
      g_clear_pointer (&data, g_bytes_unref);
      data = g_steal_pointer (&rewritten);
    }

  if (!build_span (self, region->address, data, flash_erased, &span, head, tail,
                   cancellable, error))
    return FALSE;
  /* What goes to the chip: the file plus the rest of its first and last
   * sectors. That is what the figures below count. */
  written_len = span_length (&span);

  compress = options->compress != SF_COMPRESS_OFF && self->loader.chip->rom_supports_compression;
  if (compress)
    {
      comp_len = compressed_size (&span);
      /* Data that does not shrink goes faster as it is. */
      compress = comp_len < written_len;
      if (compress)
        log_line (self, _("Compressed %zu bytes to %zu..."), written_len, comp_len);
    }

  start = g_get_monotonic_time ();
  if (compress
      ? !write_span_compressed (self, &span, comp_len, cancellable, error)
      : !write_span_raw (self, &span, cancellable, error))
    return FALSE;
  seconds = (g_get_monotonic_time () - start) / 1e6;

  if (compress)
    log_line (self, _("Wrote %zu bytes (%zu compressed) at 0x%08x in %.1f seconds (%.1f kbit/s)."),
              written_len, comp_len, span.start, seconds,
              kbit_per_second (written_len, seconds));
  else
    log_line (self, _("Wrote %zu bytes at 0x%08x in %.1f seconds (%.1f kbit/s)."),
              written_len, span.start, seconds, kbit_per_second (written_len, seconds));

  if (options->no_verify)
    return TRUE;
  return verify_span (self, &span, name, cancellable, error);
}

gboolean
sf_flasher_write_flash (SfFlasher             *self,
                        const SfFlashRegion   *regions,
                        guint                  n_regions,
                        const SfWriteOptions  *options,
                        GCancellable          *cancellable,
                        GError               **error)
{
  static const SfWriteOptions defaults = { 0 };
  guint32 flash_size;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (regions != NULL || n_regions == 0, FALSE);

  if (options == NULL)
    options = &defaults;
  self->loader.cancellable = cancellable;

  if (!require_connection (self, error))
    return FALSE;

  if (options->compress == SF_COMPRESS_ON && !self->loader.chip->rom_supports_compression)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("The %s ROM loader cannot take compressed data. "
                     "Write without compression (-u)."),
                   self->loader.chip->name);
      return FALSE;
    }

  if (!prepare_flash (self, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, error) ||
      !sf_flasher_check_regions (regions, n_regions, flash_size, error))
    return FALSE;

  for (guint i = 0; i < n_regions; i++)
    if (!check_image_chip (self, &regions[i], error))
      return FALSE;

  if (options->erase_all && !sf_flasher_erase_flash (self, cancellable, error))
    return FALSE;

  for (guint i = 0; i < n_regions; i++)
    if (!write_one (self, &regions[i], options, options->erase_all, cancellable, error))
      return FALSE;

  return TRUE;
}

gboolean
sf_flasher_verify_flash (SfFlasher            *self,
                         const SfFlashRegion  *regions,
                         guint                 n_regions,
                         GCancellable         *cancellable,
                         GError              **error)
{
  guint32 flash_size;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  self->loader.cancellable = cancellable;
  if (!require_connection (self, error) ||
      !prepare_flash (self, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, error) ||
      !sf_flasher_check_regions (regions, n_regions, flash_size, error))
    return FALSE;

  for (guint i = 0; i < n_regions; i++)
    {
      Span span = { 0 };
      gsize len;

      /* Exactly the file's bytes: nothing around them is ours to judge. */
      span.start = regions[i].address;
      span.body = g_bytes_get_data (regions[i].data, &len);
      span.body_len = len;
      log_line (self, _("Verifying 0x%zx (%zu) bytes at 0x%08x in flash against %s..."),
                len, len, regions[i].address, region_name (&regions[i]));
      if (!verify_span (self, &span, region_name (&regions[i]), cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/* --- erasing -------------------------------------------------------------- */

static gboolean
erase_span (SfFlasher  *self,
            guint32     address,
            guint32     size,
            GError    **error)
{
  guint32 blocks = (size + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK;

  /* The ROM erases on FLASH_BEGIN; sending no data afterwards leaves just
   * the erase. The next FLASH_BEGIN starts afresh. */
  report_progress (self, SF_PHASE_ERASE, 0, size);
  if (!flash_begin (self, SF_OP_FLASH_BEGIN, size, blocks, SF_ROM_WRITE_BLOCK, address,
                    _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, size), error))
    return FALSE;
  report_progress (self, SF_PHASE_ERASE, size, size);
  return TRUE;
}

static gboolean write_span_raw (SfFlasher     *self,
                                const Span    *span,
                                GCancellable  *cancellable,
                                GError       **error);
static gboolean build_span     (SfFlasher      *self,
                                guint32         address,
                                GBytes         *data,
                                gboolean        flash_erased,
                                Span           *span,
                                GByteArray     *head,
                                GByteArray     *tail,
                                GCancellable   *cancellable,
                                GError        **error);

/* Erases [address, address + size) and nothing else: what the ESP8266
 * ROM erases beyond it is read first and written back. */
static gboolean
erase_exactly (SfFlasher     *self,
               guint32        address,
               guint32        size,
               GCancellable  *cancellable,
               GError       **error)
{
  guint32 flash_size, over, end = address + size;
  g_autoptr(GByteArray) kept = g_byte_array_new ();
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GByteArray) tail = g_byte_array_new ();
  g_autoptr(GBytes) kept_bytes = NULL;
  Span span;

  if (!sf_flasher_get_flash_size (self, &flash_size, error))
    return FALSE;
  over = MIN (rom_overerase (self, address, size), flash_size - end);

  if (over > 0 &&
      !read_region (self, SF_PHASE_READ, end, over, array_sink, kept, cancellable, error))
    return FALSE;
  if (!erase_span (self, address, size, error))
    return FALSE;
  if (over == 0)
    return TRUE;

  kept_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&kept));
  return build_span (self, end, kept_bytes, FALSE, &span, head, tail, cancellable, error) &&
         write_span_raw (self, &span, cancellable, error);
}

gboolean
sf_flasher_erase_region (SfFlasher     *self,
                         guint32        address,
                         guint32        size,
                         GCancellable  *cancellable,
                         GError       **error)
{
  gint64 start;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  self->loader.cancellable = cancellable;
  if (!require_connection (self, error))
    return FALSE;

  if (address % SF_FLASH_SECTOR != 0 || size % SF_FLASH_SECTOR != 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("Flash is erased in 4 KiB sectors: the address (0x%08x) and the size "
                     "(0x%x) must both be multiples of 0x1000 (4096)."),
                   address, size);
      return FALSE;
    }

  if (!prepare_flash (self, error) || !check_span (self, address, size, error))
    return FALSE;

  log_line (self, _("Erasing region (may be slow depending on size)..."));
  start = g_get_monotonic_time ();
  if (!erase_exactly (self, address, size, cancellable, error))
    return FALSE;
  log_line (self, _("Erase completed successfully in %.1f seconds."),
            (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

gboolean
sf_flasher_erase_flash (SfFlasher     *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  guint32 flash_size;
  gint64 start;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  self->loader.cancellable = cancellable;
  if (!require_connection (self, error) ||
      !prepare_flash (self, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, error))
    return FALSE;

  log_line (self, _("Erasing flash (this may take a while)..."));
  start = g_get_monotonic_time ();
  if (!erase_span (self, 0, flash_size, error))
    return FALSE;
  log_line (self, _("Chip erase completed successfully in %.1f seconds."),
            (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

/* --- finishing ------------------------------------------------------------ */

gboolean
sf_flasher_finish (SfFlasher  *self,
                   SfAfter     after,
                   GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  self->loader.cancellable = NULL;
  switch (after)
    {
    case SF_AFTER_HARD_RESET:
      log_line (self, _("Hard resetting via RTS pin..."));
      if (set_lines (self, FALSE, TRUE, &local_error))
        {
          g_usleep (100 * 1000);
          if (set_lines (self, FALSE, FALSE, &local_error))
            break;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          log_line (self, _("This port has no RTS line: press RESET on the board "
                            "to start the new firmware."));
          break;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;

    case SF_AFTER_SOFT_RESET:
      if (!require_connection (self, error))
        return FALSE;
      log_line (self, _("Soft resetting..."));
      {
        guint8 run[4];

        /* FLASH_BEGIN with nothing to write, then FLASH_END "run user code". */
        put_u32 (run, 1);
        if (!flash_begin (self, SF_OP_FLASH_BEGIN, 0, 0, SF_ROM_WRITE_BLOCK, 0,
                          SF_TIMEOUT_DEFAULT, error) ||
            !_sf_loader_command (&self->loader, SF_OP_FLASH_END, run, sizeof run, 0,
                                 SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error))
          return FALSE;
      }
      break;

    case SF_AFTER_NO_RESET:
    case SF_AFTER_NO_RESET_STUB:
    default:
      log_line (self, _("Staying in bootloader."));
      break;
    }

  self->connected = FALSE;
  return TRUE;
}
