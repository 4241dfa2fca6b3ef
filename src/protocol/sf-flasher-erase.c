/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-flasher-span-private.h"
#include "sf-protocol-error.h"

/* Erasing a region or the whole flash: with the stub's own commands, or
 * with the ROM's FLASH_BEGIN, which erases before it takes data. */

/* Erases [address, address + size) and nothing else: what a loader
 * erases beyond it (the ESP8266 ROM) is read first and written back. */
static gboolean
erase_exactly (SfFlasher     *self,
               guint32        address,
               guint32        size,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GBytes) kept_bytes = NULL;
  g_auto(SfSpan) span = { 0 };
  g_autofree guint8 *kept = NULL;
  guint32 flash_size, over, end = address + size;

  if (!sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return FALSE;
  over = MIN (self->loader.ops->overerase (&self->loader, address, size), flash_size - end);

  if (over > 0)
    {
      kept = g_malloc (over);
      if (!_sf_flasher_read_checked (self, SF_PHASE_READ, 0, over, end, over, kept, NULL,
                                     cancellable, error))
        return FALSE;
    }

  _sf_flasher_progress (self, SF_PHASE_ERASE, 0, size);
  if (!self->loader.ops->erase_region (&self->loader, address, size, error))
    return FALSE;
  _sf_flasher_progress (self, SF_PHASE_ERASE, size, size);
  if (over == 0)
    return TRUE;

  kept_bytes = g_bytes_new_take (g_steal_pointer (&kept), over);
  return _sf_flasher_build_span (self, end, kept_bytes, FALSE, &span, cancellable, error) &&
         _sf_flasher_write_span_raw (self, &span, cancellable, error);
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

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error))
    return FALSE;

  /* The alignment first: a misaligned span is wrong on any flash. */
  if (!sf_flasher_check_span (address, size, 0, TRUE, error) ||
      !_sf_flasher_prepare_flash (self, cancellable, error) ||
      !_sf_flasher_check_span (self, address, size, TRUE, cancellable, error))
    return FALSE;

  _sf_flasher_log (self, _("Erasing region (may be slow depending on size)..."));
  start = g_get_monotonic_time ();
  if (!erase_exactly (self, address, size, cancellable, error))
    return FALSE;
  _sf_flasher_log (self, _("Erase completed successfully in %.1f seconds."),
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

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error) ||
      !_sf_flasher_prepare_flash (self, cancellable, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return FALSE;

  _sf_flasher_log (self, _("Erasing flash (this may take a while)..."));
  start = g_get_monotonic_time ();
  _sf_flasher_progress (self, SF_PHASE_ERASE, 0, flash_size);
  if (!self->loader.ops->erase_flash (&self->loader, flash_size, error))
    return FALSE;
  _sf_flasher_progress (self, SF_PHASE_ERASE, flash_size, flash_size);
  _sf_flasher_log (self, _("Chip erase completed successfully in %.1f seconds."),
                   (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}
