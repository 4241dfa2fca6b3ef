/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "sf-flasher-private.h"
#include "sf-write-check.h"
#include "sf-flasher-span-private.h"
#include "sf-image.h"
#include "sf-protocol-error.h"

/* Writing flash: each file becomes a span of whole sectors (what shares
 * its first and last sector is kept), sectors already holding the right
 * bytes are skipped, the rest goes out compressed where that helps, and
 * the result is checked against the chip's MD5. */

/* Where the chip's MD5 says a span differs, it is narrowed down to these
 * pieces before anything is written. */
#define SKIP_CHUNK   0x10000
/* Acknowledged data a loader may still hold unwritten (see below). */
#define UNWRITTEN_LAG 0x8000

/* --- building the span ------------------------------------------------------ */

static void
fill_erased (GByteArray *array,
             gsize       length)
{
  g_byte_array_set_size (array, length);
  memset (array->data, 0xFF, length);
}

/* What lies in [address, address + length) now, to be written back:
 * read and checked, or known to be erased. */
static gboolean
keep_flash (SfFlasher     *self,
            GByteArray    *array,
            guint32        address,
            gsize          length,
            gboolean       flash_erased,
            GCancellable  *cancellable,
            GError       **error)
{
  fill_erased (array, length);
  return flash_erased ||
         _sf_flasher_read_checked (self, SF_PHASE_READ, 0, length, address, length,
                                   array->data, NULL, cancellable, error);
}

/* The file rounded out to 4 bytes and to whole sectors, keeping what
 * already sits in the partial sectors (read and checked first, or 0xFF
 * after a whole-chip erase). */
gboolean
_sf_flasher_build_span (SfFlasher     *self,
                        guint32        address,
                        GBytes        *data,
                        gboolean       flash_erased,
                        SfSpan        *span,
                        GCancellable  *cancellable,
                        GError       **error)
{
  guint32 flash_size;
  guint32 start = address & ~(SF_FLASH_SECTOR_SIZE - 1);
  gsize body_len;
  guint64 end, sector_end;

  if (!sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return FALSE;

  span->start = start;
  span->body = g_bytes_get_data (data, &body_len);
  span->body_len = body_len;
  if (span->head == NULL)
    span->head = g_byte_array_new ();
  if (span->tail == NULL)
    span->tail = g_byte_array_new ();
  end = (guint64) address + body_len;
  sector_end = (end + SF_FLASH_SECTOR_SIZE - 1) & ~(guint64) (SF_FLASH_SECTOR_SIZE - 1);
  sector_end += self->loader.ops->overerase (&self->loader, start, sector_end - start);
  sector_end = MIN (sector_end, flash_size);

  if (address > start &&
      !keep_flash (self, span->head, start, address - start, flash_erased, cancellable, error))
    return FALSE;
  if (sector_end > end)
    {
      if (!keep_flash (self, span->tail, end, sector_end - end, flash_erased, cancellable, error))
        return FALSE;
    }
  else if (body_len % 4 != 0)
    {
      /* Flash is written in words: pad to 4 bytes with erased bytes. */
      fill_erased (span->tail, 4 - body_len % 4);
    }
  return TRUE;
}

void
_sf_span_clear (SfSpan *span)
{
  g_clear_pointer (&span->head, g_byte_array_unref);
  g_clear_pointer (&span->tail, g_byte_array_unref);
}

gsize
_sf_span_length (const SfSpan *span)
{
  return (span->head ? span->head->len : 0) + span->body_len + (span->tail ? span->tail->len : 0);
}

void
_sf_span_copy (const SfSpan *span,
               gsize         offset,
               guint8       *out,
               gsize         length)
{
  const struct { const guint8 *data; gsize len; } pieces[] = {
    { span->head ? span->head->data : NULL, span->head ? span->head->len : 0 },
    { span->body, span->body_len },
    { span->tail ? span->tail->data : NULL, span->tail ? span->tail->len : 0 },
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

void
_sf_span_md5 (const SfSpan *span,
              gsize         offset,
              gsize         length,
              guint8        out_digest[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 buffer[4096];
  gsize digest_len = 16;

  while (length > 0)
    {
      gsize n = MIN (length, sizeof buffer);

      _sf_span_copy (span, offset, buffer, n);
      g_checksum_update (md5, buffer, n);
      offset += n;
      length -= n;
    }
  g_checksum_get_digest (md5, out_digest, &digest_len);
}

/* --- sending ------------------------------------------------------------------ */

/* sf-deflate's smaller encoding wherever the loader needs no length up
 * front: it makes over 600 KB/s of input even in a debug build, ahead of
 * any serial link. The ROM wants the length in FLASH_DEFL_BEGIN, which
 * would cost a whole pass before the first block: zlib is quicker there. */
static SfPacking
packing_for (SfFlasher *self,
             gboolean   compress)
{
  if (!compress)
    return SF_PACKING_RAW;
  return self->loader.caps.erases_on_begin ? SF_PACKING_ZLIB : SF_PACKING_SMALLEST;
}

/* Writes [offset, offset + length) of the span in one FLASH_BEGIN session.
 * Returns the bytes sent in @out_packed and, also on failure, the flash
 * bytes whose blocks the loader acknowledged in @out_confirmed. */
static gboolean
write_piece (SfFlasher     *self,
             const SfSpan  *span,
             gsize          offset,
             gsize          length,
             gboolean       compress,
             guint64        progress_base,
             guint64        progress_total,
             gsize         *out_packed,
             gsize         *out_confirmed,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(SfBlockSource) source = NULL;
  SfWrite write = { 0 };
  gboolean ok;
  gsize done = 0;
  SfBlock *block;

  source = _sf_block_source_new (span, offset, length, packing_for (self, compress),
                                 self->loader.caps.write_block);
  write.offset = span->start + offset;
  write.size = length;
  write.compressed = compress;
  /* Only the ROM needs the compressed length up front, for its block
   * count: it costs one extra pass of zlib, which the stub is spared. */
  write.packed_size = compress && self->loader.caps.erases_on_begin
                      ? _sf_block_source_count_packed (source) : length;

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!self->loader.ops->write_begin (&self->loader, &write, error))
    return FALSE;

  *out_packed = 0;
  *out_confirmed = 0;
  ok = TRUE;
  while (ok && (block = _sf_block_source_next (source)) != NULL)
    {
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error) &&
           self->loader.ops->write_block (&self->loader, &write, block->data, block->length,
                                          block->raw_length, error);
      if (ok)
        {
          done += block->raw_length;
          *out_confirmed = MIN (done, length);
          *out_packed += block->length;
          _sf_flasher_progress (self, SF_PHASE_WRITE, progress_base + MIN (done, length),
                                progress_total);
        }
      _sf_block_free (block);
    }

  return ok && self->loader.ops->write_end (&self->loader, &write, error);
}

/* A write whose block reply was lost or garbled starts again, in a new
 * FLASH_BEGIN session, from the sector the last acknowledged block
 * reached: the stub places blocks one after another whatever their
 * sequence numbers, so sending the lost block again could land it twice.
 * Restarting at a sector boundary before anything the loader may still
 * hold rewrites only bytes that are erased again. The chip refusing to
 * write its flash is no glitch of the link. */
static gboolean
write_piece_resuming (SfFlasher     *self,
                      const SfSpan  *span,
                      gsize          offset,
                      gsize          length,
                      gboolean       compress,
                      guint64        progress_total,
                      gsize         *out_packed,
                      GCancellable  *cancellable,
                      GError       **error)
{
  *out_packed = 0;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize packed = 0, confirmed = 0, reached, restart;

      if (write_piece (self, span, offset, length, compress, offset, progress_total, &packed,
                       &confirmed, cancellable, &local_error))
        {
          *out_packed += packed;
          return TRUE;
        }
      *out_packed += packed;
      if (!_sf_loader_error_is_retryable (local_error) ||
          (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) &&
           self->loader.last_status == 0xC4))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* What the loader acknowledged is not all in flash yet: the stub
       * writes a block after its reply, and inflated data once its 32 KiB
       * window is full; what it held is lost with the new session. */
      reached = confirmed;
      if (self->loader.caps.is_stub || compress)
        confirmed = confirmed > UNWRITTEN_LAG ? confirmed - UNWRITTEN_LAG : 0;
      restart = confirmed & ~(gsize) (SF_FLASH_SECTOR_SIZE - 1);
      _sf_flasher_log (self, _("Writing at 0x%08zx was interrupted (%s); going on from 0x%08zx."),
                       span->start + offset + reached, local_error->message,
                       span->start + offset + restart);
      if (!_sf_loader_take_retry (&self->loader, "FLASH_DATA", error) ||
          !_sf_flasher_resync (self, error))
        return FALSE;
      offset += restart;
      length -= restart;
    }
}

/* Compressing pays off for most firmware, not for data that is random
 * already (encrypted images, some assets). A few samples tell. */
static gboolean
worth_compressing (const SfSpan *span,
                   gsize         offset,
                   gsize         length)
{
  gsize in = 0, out = 0;

  for (guint i = 0; i < 8; i++)
    {
      guint8 sample[4096];
      guint8 packed[4096 + 64];
      uLongf packed_len = sizeof packed;
      gsize n = MIN (sizeof sample, length);
      gsize at = offset + (length - n) * i / 7;

      _sf_span_copy (span, at, sample, n);
      if (compress2 (packed, &packed_len, sample, n, 6) != Z_OK)
        return TRUE;
      in += n;
      out += packed_len;
    }
  return out < in * 97 / 100;
}

/* --- skipping what is there ---------------------------------------------------- */

/* Marks in @dirty (one flag per sector) what differs from the span. */
static gboolean
find_dirty_sectors (SfFlasher     *self,
                    const SfSpan  *span,
                    gboolean      *dirty,
                    GCancellable  *cancellable,
                    GError       **error)
{
  gsize total = _sf_span_length (span);

  for (gsize chunk = 0; chunk < total; chunk += SKIP_CHUNK)
    {
      gsize chunk_len = MIN (SKIP_CHUNK, total - chunk);
      gboolean same;

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !_sf_flasher_span_matches (self, span, chunk, chunk_len, &same, error))
        return FALSE;
      if (same)
        continue;
      for (gsize sector = chunk; sector < chunk + chunk_len; sector += SF_FLASH_SECTOR_SIZE)
        {
          gsize n = MIN (SF_FLASH_SECTOR_SIZE, total - sector);

          if (chunk_len > SF_FLASH_SECTOR_SIZE &&
              !_sf_flasher_span_matches (self, span, sector, n, &same, error))
            return FALSE;
          dirty[sector / SF_FLASH_SECTOR_SIZE] = chunk_len <= SF_FLASH_SECTOR_SIZE || !same;
        }
    }
  return TRUE;
}

typedef struct
{
  gsize written;     /* flash bytes written */
  gsize packed;      /* bytes sent for them */
  gsize skipped;     /* flash bytes that already held the right data */
} WriteTotals;

static gboolean
write_span (SfFlasher             *self,
            const SfSpan          *span,
            const SfWriteOptions  *options,
            gboolean               flash_erased,
            WriteTotals           *totals,
            GCancellable          *cancellable,
            GError               **error)
{
  gsize total = _sf_span_length (span);
  guint n_sectors = (total + SF_FLASH_SECTOR_SIZE - 1) / SF_FLASH_SECTOR_SIZE;
  g_autofree gboolean *dirty = g_new (gboolean, n_sectors);
  gboolean compress;

  for (guint i = 0; i < n_sectors; i++)
    dirty[i] = TRUE;

  /* What is in flash already need not be sent again: one MD5 of the
   * whole span, then of its pieces where it differs. */
  if (!options->no_skip && !flash_erased && self->loader.caps.can_md5)
    {
      guint8 local[16], remote[16], blank[16];

      _sf_span_md5 (span, 0, total, local);
      if (!_sf_flasher_flash_md5 (self, span->start, total, remote, error))
        return FALSE;
      _sf_blank_md5 (total, blank);
      if (memcmp (local, remote, 16) == 0)
        {
          memset (dirty, 0, n_sectors * sizeof *dirty);
        }
      else if (total > SF_FLASH_SECTOR_SIZE && memcmp (blank, remote, 16) != 0)
        {
          /* Only flash that holds something is narrowed down: on blank
           * flash (a new board, after erase_flash) it would cost time. */
          if (!find_dirty_sectors (self, span, dirty, cancellable, error))
            return FALSE;
        }
    }

  compress = options->compress != SF_COMPRESS_OFF && self->loader.caps.can_compress &&
             (options->compress == SF_COMPRESS_ON || worth_compressing (span, 0, total));

  for (guint i = 0; i < n_sectors;)
    {
      guint first = i;
      gsize offset, length, packed = 0;

      if (!dirty[i])
        {
          totals->skipped += MIN (SF_FLASH_SECTOR_SIZE, total - (gsize) i * SF_FLASH_SECTOR_SIZE);
          i++;
          continue;
        }
      while (i < n_sectors && dirty[i])
        i++;
      offset = (gsize) first * SF_FLASH_SECTOR_SIZE;
      length = MIN ((gsize) i * SF_FLASH_SECTOR_SIZE, total) - offset;
      totals->written += length;
      if (!write_piece_resuming (self, span, offset, length, compress, total, &packed,
                                 cancellable, error))
        return FALSE;
      totals->packed += packed;
    }
  _sf_flasher_progress (self, SF_PHASE_WRITE, total, total);
  return TRUE;
}

static void
log_written (SfFlasher          *self,
             const SfSpan       *span,
             const WriteTotals  *totals,
             double              seconds)
{
  if (totals->skipped > 0)
    _sf_flasher_log (self, _("Skipped %zu bytes at 0x%08x that were already in flash."),
                     totals->skipped, span->start);
  if (totals->written == 0)
    return;
  if (totals->packed < totals->written)
    _sf_flasher_log (self, _("Compressed %zu bytes to %zu..."), totals->written, totals->packed);
  if (totals->packed < totals->written)
    _sf_flasher_log (self, _("Wrote %zu bytes (%zu compressed) at 0x%08x in %.1f seconds (%.1f kbit/s)."),
                     totals->written, totals->packed, span->start, seconds,
                     _sf_kbit_per_second (totals->written, seconds));
  else
    _sf_flasher_log (self, _("Wrote %zu bytes at 0x%08x in %.1f seconds (%.1f kbit/s)."),
                     totals->written, span->start, seconds,
                     _sf_kbit_per_second (totals->written, seconds));
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
  g_auto(SfSpan) span = { 0 };
  const char *name = _sf_flasher_region_name (region);
  WriteTotals totals = { 0 };
  gint64 start;

  if (region->address == self->loader.chip->bootloader_offset)
    {
      guint32 flash_size;
      g_autoptr(GBytes) rewritten = NULL;

      if (!sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
        return FALSE;
      rewritten = sf_image_rewrite_header (data, self->loader.chip->chip,
                                           options->flash_mode, options->flash_size,
                                           options->flash_freq, flash_size, error);
      if (rewritten == NULL)
        return FALSE;
      if (!g_bytes_equal (rewritten, data))
        _sf_flasher_log (self, _("Flash parameters set in the bootloader header of %s."), name);
      g_clear_pointer (&data, g_bytes_unref);
      data = g_steal_pointer (&rewritten);
    }

  if (!_sf_flasher_build_span (self, region->address, data, flash_erased, &span,
                               cancellable, error))
    return FALSE;

  start = g_get_monotonic_time ();
  if (!write_span (self, &span, options, flash_erased, &totals, cancellable, error))
    return FALSE;
  log_written (self, &span, &totals, (g_get_monotonic_time () - start) / 1e6);

  if (options->no_verify)
    return TRUE;
  /* Nothing written: the MD5 that found it all in place was the check. */
  if (totals.written == 0)
    {
      _sf_flasher_log (self, _("Hash of data verified."));
      return TRUE;
    }
  if (_sf_flasher_verify_span (self, &span, name, cancellable, NULL))
    return TRUE;

  /* One more time from scratch, whatever the MD5s said before: the
   * pieces matched, the whole did not. */
  _sf_flasher_log (self, _("The flash did not match %s after writing; writing all of it again."),
                   name);
  {
    SfWriteOptions full = *options;

    full.no_skip = TRUE;
    memset (&totals, 0, sizeof totals);
    return write_span (self, &span, &full, flash_erased, &totals, cancellable, error) &&
           _sf_flasher_verify_span (self, &span, name, cancellable, error);
  }
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
  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);

  if (!_sf_flasher_require_connection (self, error))
    return FALSE;

  if (options->compress == SF_COMPRESS_ON && !self->loader.caps.can_compress)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("The %s %s cannot take compressed data. "
                     "Write without compression (-u), or let Sparkflash use its flasher stub."),
                   self->loader.chip->name, self->loader.caps.name);
      return FALSE;
    }

  if (!_sf_flasher_prepare_flash (self, cancellable, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return FALSE;

  /* A file past the end of a flash whose size is known cannot be written
   * (flash wraps around: it would land on the bootloader). Where the size
   * is only assumed, that is one of the concerns instead, and a confirmed
   * write goes up to what the loaders can address. */
  if (!sf_flasher_check_regions (regions, n_regions,
                                 self->flash_size_assumed ? SF_FLASH_MAX_SIZE : flash_size, error))
    return FALSE;

  /* Without force, a write with concerns stops here, before anything is
   * read or written. */
  if (!options->force)
    {
      g_autoptr(GPtrArray) concerns = sf_flasher_check_write (self, regions, n_regions, options,
                                                               cancellable, error);

      if (concerns == NULL)
        return FALSE;
      if (concerns->len > 0)
        {
          g_autofree char *list = sf_write_concerns_format (concerns);

          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NOT_CONFIRMED,
                       _("Nothing was written: the checks before writing found this.\n%s"), list);
          return FALSE;
        }
    }

  g_clear_pointer (&self->backup_path, g_free);
  if (options->backup != SF_BACKUP_NONE)
    {
      /* Erasing it all first loses every byte, so the backup takes it all. */
      SfBackupScope what = options->erase_all ? SF_BACKUP_WHOLE_FLASH : options->backup;

      if (!(self->backup_path = sf_flasher_backup (self, regions, n_regions, what,
                                                   options->backup_dir, cancellable, error)))
        return FALSE;
    }

  if (options->erase_all && !sf_flasher_erase_flash (self, cancellable, error))
    return FALSE;

  for (guint i = 0; i < n_regions; i++)
    if (!write_one (self, &regions[i], options, options->erase_all, cancellable, error))
      return FALSE;

  return TRUE;
}

const char *
sf_flasher_get_backup_path (SfFlasher *self)
{
  g_return_val_if_fail (SF_IS_FLASHER (self), NULL);

  return self->backup_path;
}

gboolean
_sf_flasher_write_span_raw (SfFlasher     *self,
                            const SfSpan  *span,
                            GCancellable  *cancellable,
                            GError       **error)
{
  gsize packed;

  return write_piece_resuming (self, span, 0, _sf_span_length (span), FALSE,
                               _sf_span_length (span), &packed, cancellable, error);
}
