/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flasher-private.h"
#include "sf-protocol-error.h"
#include "sf-stub-image.h"

/* Getting a loader to talk to: reset into download mode, SYNC, tell the
 * chip, upload the flasher stub, and move the link to a faster rate. */

#define CONNECT_ATTEMPTS     5
#define SYNC_TRIES           5
#define USB_JTAG_SERIAL_VID  0x303A
#define USB_JTAG_SERIAL_PID  0x1001

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

/* The auto-reset circuits of USB-UART boards and the USB-Serial/JTAG
 * peripheral: DTR drives the boot strap, RTS drives EN. */
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
      _sf_flasher_log (self, _("Warning: %s has no DTR/RTS lines, so the chip could not be "
                        "reset into its bootloader. If it does not answer, hold BOOT "
                        "and press RESET on the board."),
                sf_transport_get_path (self->loader.transport));
      return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
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

          if (_sf_loader_sync (&self->loader, &self->stub_was_running, &local_error))
            return TRUE;
          if (!_sf_loader_error_is_retryable (local_error))
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
   * answer with an error, the ESP32-S2's reply is too short to, and then the
   * ROM's magic word tells. A name is believed when two replies agree. */
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      const SfChipInfo *named = NULL;

      g_clear_pointer (&info, g_bytes_unref);
      if (!_sf_loader_command (&self->loader, SF_OP_GET_SECURITY_INFO, NULL, 0, 0,
                               0, SF_REPLY_ANY_LENGTH, NULL, &info, &local_error))
        {
          if (!_sf_loader_error_is_retryable (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          break;
        }
      if (g_bytes_get_size (info) >= 16)
        named = _sf_chip_find_by_image_id ((int) _sf_get_le32 ((const guint8 *) g_bytes_get_data (info, NULL) + 12));
      if (named == NULL || (attempt == 1 && named != chip))
        {
          chip = NULL;
          break;
        }
      chip = named;
    }

  if (chip == NULL)
    {
      if (!_sf_loader_read_reg_checked (&self->loader, SF_CHIP_MAGIC_REG, &magic, error))
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
 * some chips; without disarming them the chip resets itself mid-flash. */
static gboolean
disable_watchdogs (SfFlasher  *self,
                   GError    **error)
{
  const SfChipInfo *chip = self->loader.chip;
  const guint32 wdt_key = 0x50D83AA1;
  guint32 value;

  if (chip->wdt_wprotect == 0)
    return TRUE;

  return _sf_loader_write_reg (&self->loader, chip->wdt_wprotect, wdt_key, error) &&
         _sf_loader_write_reg (&self->loader, chip->wdt_config0, 0, error) &&
         _sf_loader_write_reg (&self->loader, chip->wdt_wprotect, 0, error) &&
         _sf_loader_write_reg (&self->loader, chip->swd_wprotect, chip->swd_key, error) &&
         _sf_loader_read_reg_checked (&self->loader, chip->swd_conf, &value, error) &&
         _sf_loader_write_reg (&self->loader, chip->swd_conf,
                               value | (1u << chip->swd_autofeed_bit), error) &&
         _sf_loader_write_reg (&self->loader, chip->swd_wprotect, 0, error);
}

gboolean
sf_flasher_connect (SfFlasher     *self,
                    SfChip         expected,
                    SfBefore       before,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  self->connected = FALSE;
  self->flash_attached = FALSE;
  self->stub_was_running = FALSE;
  self->loader.chip = NULL;
  _sf_rom_loader_use (&self->loader);
  _sf_flasher_progress (self, SF_PHASE_CONNECT, 0, 0);

  if (before == SF_BEFORE_NO_RESET_NO_SYNC)
    self->stub_was_running = TRUE;   /* what esptool's no_reset_no_sync means */
  else if (!sync_with_rom (self, before, cancellable, error))
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

  if (self->stub_was_running)
    {
      /* Left running by an earlier session: nothing to upload. */
      _sf_stub_loader_use (&self->loader);
      _sf_flasher_log (self, _("A flasher stub is already running."));
    }
  else
    {
      /* Now that the chip is known, so is what its ROM can do. */
      _sf_rom_loader_use (&self->loader);
      if (is_usb_jtag_serial (self) && !disable_watchdogs (self, error))
        return FALSE;
    }

  self->connected = TRUE;
  return TRUE;
}

gboolean
sf_flasher_start_stub (SfFlasher     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!_sf_flasher_require_connection (self, error))
    return FALSE;
  if (self->loader.caps.is_stub)
    return TRUE;

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  _sf_flasher_log (self, _("Uploading stub..."));
  if (!_sf_stub_loader_start (&self->loader, error))
    return FALSE;
  /* The stub attaches the flash itself, and knows no size yet. */
  self->flash_attached = FALSE;
  _sf_flasher_log (self, _("Stub running..."));
  return TRUE;
}

gboolean
sf_flasher_can_change_baud (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  return self->loader.caps.can_change_baud;
}

gboolean
sf_flasher_change_baud (SfFlasher     *self,
                        guint          baud,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!_sf_flasher_require_connection (self, error))
    return FALSE;
  if (baud == self->loader.baud)
    return TRUE;

  if (!self->loader.caps.can_change_baud)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("The %s %s cannot change its baud rate; it stays at %u."),
                   self->loader.chip->name, self->loader.caps.name, self->loader.baud);
      return FALSE;
    }

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  _sf_flasher_log (self, _("Changing baud rate to %u"), baud);
  /* The reply comes at the old rate; the chip switches after sending it. */
  if (!self->loader.ops->change_baud (&self->loader, baud, error) ||
      !_sf_loader_set_host_baud (&self->loader, baud, error))
    return FALSE;
  _sf_flasher_log (self, _("Changed."));
  return TRUE;
}

gboolean
sf_flasher_set_link_baud (SfFlasher  *self,
                          guint       baud,
                          GError    **error)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  return baud == self->loader.baud || _sf_loader_set_host_baud (&self->loader, baud, error);
}

gboolean
sf_flasher_check_link (SfFlasher     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  guint32 value;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  if (!_sf_flasher_require_connection (self, error))
    return FALSE;

  /* Reading a harmless register twice proves both directions carry
   * whole frames: a rate the cable cannot carry garbles one of them. */
  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  for (guint i = 0; i < 2; i++)
    if (!_sf_loader_read_reg (&self->loader, SF_CHIP_MAGIC_REG, &value, error))
      return FALSE;
  return TRUE;
}

gboolean
_sf_flasher_resync (SfFlasher  *self,
                    GError    **error)
{
  g_autoptr(GError) last_error = NULL;

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      gboolean stub;

      /* Whatever was still on its way belongs to the failed exchange. */
      g_free (_sf_loader_collect_noise (&self->loader, 100, NULL));
      g_clear_error (&last_error);
      if (_sf_loader_sync (&self->loader, &stub, &last_error))
        return TRUE;
      if (!_sf_loader_error_is_retryable (last_error))
        break;
    }
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}
