/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flasher-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

G_DEFINE_FINAL_TYPE (SfFlasher, sf_flasher, G_TYPE_OBJECT)

static void
sf_flasher_finalize (GObject *object)
{
  SfFlasher *self = SF_FLASHER (object);

  _sf_loader_clear (&self->loader);
  g_free (self->backup_path);

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

/* The loader's own lines (a command sent again) join the flasher's log. */
static void
loader_log_cb (const char *message,
               gpointer    user_data)
{
  SfFlasher *self = user_data;

  _sf_flasher_log (self, "%s", message);
}

SfFlasher *
sf_flasher_new (SfTransport *transport)
{
  SfFlasher *self;

  g_return_val_if_fail (SF_IS_TRANSPORT (transport), NULL);

  self = g_object_new (SF_TYPE_FLASHER, NULL);
  _sf_loader_init (&self->loader, transport);
  _sf_loader_set_log (&self->loader, loader_log_cb, self);
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

void
sf_log_line_va (SfLogFunc   func,
                gpointer    user_data,
                const char *format,
                va_list     args)
{
  g_autofree char *line = g_strdup_vprintf (format, args);

  g_debug ("%s", line);
  if (func != NULL)
    func (line, user_data);
}

void
sf_log_line (SfLogFunc   func,
             gpointer    user_data,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  sf_log_line_va (func, user_data, format, args);
  va_end (args);
}

void
_sf_flasher_log (SfFlasher  *self,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  sf_log_line_va (self->log_func, self->log_data, format, args);
  va_end (args);
}

void
_sf_flasher_progress (SfFlasher *self,
                      SfPhase    phase,
                      guint64    done,
                      guint64    total)
{
  if (self->progress_func != NULL)
    self->progress_func (phase, done, total, self->progress_data);
}

double
_sf_kbit_per_second (guint64 bytes,
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

gboolean
_sf_flasher_require_connection (SfFlasher  *self,
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

gboolean
sf_flasher_is_stub (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  return self->loader.caps.is_stub;
}

gboolean
_sf_flasher_prepare_flash (SfFlasher     *self,
                           GCancellable  *cancellable,
                           GError       **error)
{
  guint32 size;

  if (self->flash_attached)
    return TRUE;
  /* The size comes first: reading the JEDEC id needs no attached flash,
   * and the loader must know the size before it goes past 2 MB. */
  if (!sf_flasher_get_flash_size (self, &size, cancellable, error) ||
      !self->loader.ops->attach_flash (&self->loader, size, error))
    return FALSE;
  self->flash_attached = TRUE;
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

const char *
_sf_flasher_region_name (const SfFlashRegion *region)
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
                       _sf_flasher_region_name (region), region->address);
          return FALSE;
        }
      if ((flash_size != 0 && end > flash_size) || end > G_MAXUINT32)
        {
          g_autofree char *flash_text = sf_format_size (flash_size);

          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,
                       _("%s (%zu bytes at 0x%08x) ends at 0x%08llx, "
                         "past the end of the %s flash (0x%08x). Use a lower address or "
                         "a smaller file."),
                       _sf_flasher_region_name (region), length, region->address,
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
                       _sf_flasher_region_name (a), a->address, (unsigned long long) a_end - 1,
                       _sf_flasher_region_name (b), b->address);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
sf_flasher_check_span (guint32   address,
                       guint32   size,
                       guint32   flash_size,
                       gboolean  whole_sectors,
                       GError  **error)
{
  if (size == 0)
    {
      g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                           _("The size is 0: there is nothing to do."));
      return FALSE;
    }
  /* Erasing works on whole sectors: anything else would erase bytes
   * outside the span, or leave some of it as it was. */
  if (whole_sectors && address % SF_FLASH_SECTOR_SIZE != 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("Address 0x%08x is not a multiple of 4096 (0x1000)."), address);
      return FALSE;
    }
  if (whole_sectors && size % SF_FLASH_SECTOR_SIZE != 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("Size 0x%x is not a multiple of 4096 (0x1000)."), size);
      return FALSE;
    }
  if (flash_size != 0 && address >= flash_size)
    {
      g_autofree char *flash_text = sf_format_size (flash_size);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,
                   _("Address 0x%08x is past the end of the %s flash."), address, flash_text);
      return FALSE;
    }
  if ((flash_size != 0 && (guint64) address + size > flash_size) ||
      (guint64) address + size > (guint64) G_MAXUINT32 + 1)
    {
      g_autofree char *flash_text = sf_format_size (flash_size);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,
                   _("0x%08x + 0x%x runs past the end of the %s flash (0x%08x)."),
                   address, size, flash_text, flash_size);
      return FALSE;
    }
  return TRUE;
}

gboolean
_sf_flasher_check_span (SfFlasher     *self,
                        guint32        address,
                        guint32        size,
                        gboolean       whole_sectors,
                        GCancellable  *cancellable,
                        GError       **error)
{
  guint32 flash_size;

  return sf_flasher_get_flash_size (self, &flash_size, cancellable, error) &&
         sf_flasher_check_span (address, size, flash_size, whole_sectors, error);
}

/* --- finishing ------------------------------------------------------------ */

static gboolean
soft_reset (SfFlasher  *self,
            GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->loader.ops->run_user_code (&self->loader, &local_error))
    return TRUE;
  /* A loader that cannot is no failure of the work done: say what to do. */
  if (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED))
    {
      _sf_flasher_log (self, "%s", local_error->message);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
sf_flasher_leave (SfFlasher     *self,
                  SfAfter        after,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  switch (after)
    {
    case SF_AFTER_HARD_RESET:
      _sf_flasher_log (self, _("Hard resetting via RTS pin..."));
      if (sf_transport_set_dtr_rts (self->loader.transport, FALSE, TRUE, &local_error))
        {
          g_usleep (100 * 1000);
          if (sf_transport_set_dtr_rts (self->loader.transport, FALSE, FALSE, &local_error))
            break;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          _sf_flasher_log (self, _("This port has no RTS line: press RESET on the board "
                                   "to start the new firmware."));
          break;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;

    case SF_AFTER_SOFT_RESET:
      if (!_sf_flasher_require_connection (self, error))
        return FALSE;
      _sf_flasher_log (self, _("Soft resetting..."));
      if (!soft_reset (self, error))
        return FALSE;
      break;

    case SF_AFTER_NO_RESET:
    case SF_AFTER_NO_RESET_STUB:
    default:
      /* A stub left at a fast rate could not be found again by the next
       * session, which syncs at 115200: bring it back there first. */
      if (self->connected && self->loader.caps.is_stub && self->loader.baud != SF_SYNC_BAUD &&
          after == SF_AFTER_NO_RESET &&
          !sf_flasher_change_baud (self, SF_SYNC_BAUD, cancellable, &local_error))
        {
          /* The work is done; a reply lost now must not undo that. The
           * stub may have changed its rate without the reply getting
           * through: if it answers at 115200, all is as it should be. */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              !_sf_loader_error_is_retryable (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (!_sf_loader_set_host_baud (&self->loader, SF_SYNC_BAUD, NULL) ||
              !_sf_flasher_resync (self, NULL))
            _sf_flasher_log (self, _("Warning: the flasher stub could not be taken back to "
                                     "115200 baud (%s). The next connection needs a reset of "
                                     "the board."),
                             local_error->message);
        }
      _sf_flasher_log (self, self->loader.caps.is_stub ? _("Staying in the flasher stub.")
                                                       : _("Staying in bootloader."));
      break;
    }

  self->connected = FALSE;
  return TRUE;
}
