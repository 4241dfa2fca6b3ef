/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flasher-span-private.h"
#include "sf-protocol-error.h"

/* Checking flash against what should be there: by the chip's MD5 where the
 * loader computes one, else by reading everything back (the ESP8266 ROM,
 * when the flasher stub could not be used). */

#define MD5_TRIES 3

void
_sf_blank_md5 (gsize   length,
               guint8  out_digest[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 ones[4096];
  gsize digest_len = 16;

  memset (ones, 0xFF, sizeof ones);
  for (gsize done = 0; done < length; done += sizeof ones)
    g_checksum_update (md5, ones, MIN (sizeof ones, length - done));
  g_checksum_get_digest (md5, out_digest, &digest_len);
}

gboolean
_sf_flasher_flash_md5 (SfFlasher  *self,
                       guint32     address,
                       guint32     size,
                       guint8      out_digest[16],
                       GError    **error)
{
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      if (self->loader.ops->flash_md5 (&self->loader, address, size, out_digest, &local_error))
        return TRUE;
      if (attempt == MD5_TRIES || !_sf_loader_error_is_retryable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      _sf_flasher_log (self, _("Asking for the MD5 of 0x%08x failed (%s); trying again."),
                       address, local_error->message);
      if (!_sf_flasher_resync (self, error))
        return FALSE;
    }
}

gboolean
_sf_flasher_span_matches (SfFlasher     *self,
                          const SfSpan  *span,
                          gsize          offset,
                          gsize          length,
                          gboolean      *out_matches,
                          GError       **error)
{
  guint8 local[16], remote[16];

  _sf_span_md5 (span, offset, length, local);
  if (!_sf_flasher_flash_md5 (self, span->start + offset, length, remote, error))
    return FALSE;
  *out_matches = memcmp (local, remote, 16) == 0;
  return TRUE;
}

/* Offset of the first byte that differs, or G_MAXSIZE. */
static gboolean
compare_by_reading (SfFlasher     *self,
                    const SfSpan  *span,
                    gsize         *out_mismatch,
                    GCancellable  *cancellable,
                    GError       **error)
{
  gsize total = _sf_span_length (span);
  g_autofree guint8 *flash = g_malloc (SF_LOADER_READ_CHUNK);
  g_autofree guint8 *expected = g_malloc (SF_LOADER_READ_CHUNK);

  *out_mismatch = G_MAXSIZE;
  for (gsize done = 0; done < total; done += SF_LOADER_READ_CHUNK)
    {
      gsize n = MIN (SF_LOADER_READ_CHUNK, total - done);

      if (!_sf_flasher_read_checked (self, SF_PHASE_VERIFY, done, total, span->start + done, n,
                                     flash, NULL, cancellable, error))
        return FALSE;
      _sf_span_copy (span, done, expected, n);
      for (gsize i = 0; i < n; i++)
        if (flash[i] != expected[i])
          {
            *out_mismatch = done + i;
            return TRUE;
          }
    }
  return TRUE;
}

gboolean
_sf_flasher_verify_span (SfFlasher     *self,
                         const SfSpan  *span,
                         const char    *name,
                         GCancellable  *cancellable,
                         GError       **error)
{
  gsize total = _sf_span_length (span);
  gsize mismatch = G_MAXSIZE;

  _sf_flasher_progress (self, SF_PHASE_VERIFY, 0, total);
  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (self->loader.caps.can_md5)
    {
      gboolean same;

      if (!_sf_flasher_span_matches (self, span, 0, total, &same, error))
        return FALSE;
      if (!same)
        mismatch = 0;
    }
  else if (!compare_by_reading (self, span, &mismatch, cancellable, error))
    {
      return FALSE;
    }
  _sf_flasher_progress (self, SF_PHASE_VERIFY, total, total);

  if (mismatch != G_MAXSIZE)
    {
      if (self->loader.caps.can_md5)
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
  _sf_flasher_log (self, _("Hash of data verified."));
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

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error) ||
      !_sf_flasher_prepare_flash (self, cancellable, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, cancellable, error) ||
      !sf_flasher_check_regions (regions, n_regions, flash_size, error))
    return FALSE;

  for (guint i = 0; i < n_regions; i++)
    {
      const char *name = _sf_flasher_region_name (&regions[i]);
      SfSpan span = { 0 };
      gsize len;

      /* Exactly the file's bytes: nothing around them is ours to judge. */
      span.start = regions[i].address;
      span.body = g_bytes_get_data (regions[i].data, &len);
      span.body_len = len;
      _sf_flasher_log (self, _("Verifying 0x%zx (%zu) bytes at 0x%08x in flash against %s..."),
                       len, len, regions[i].address, name);
      if (!_sf_flasher_verify_span (self, &span, name, cancellable, error))
        return FALSE;
    }
  return TRUE;
}
