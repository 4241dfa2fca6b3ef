/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flasher-private.h"
#include "sf-flasher-span-private.h"
#include "sf-protocol-error.h"

/* Reading flash. Every read goes through _sf_flasher_read_checked():
 * chunks small enough that a glitch costs little, each one checked where
 * the loader can check it and tried again when it fails. */

/* The ROM reads 64 bytes a command. Where it checks a chunk by MD5, the
 * chunk is what a garbled reply costs, so it is small; elsewhere every
 * piece is read twice and the chunk only paces the progress. */
#define ROM_MD5_READ_CHUNK    1024
#define ROM_READ_CHUNK        4096
/* Erased flash is known without reading it: where the chip's MD5 of a
 * window is that of 0xFF bytes, the window is blank. The chip is asked at
 * the start and after data that ends erased, so a flash full of data
 * costs one question, and the empty part of a backup costs next to none. */
#define BLANK_WINDOW          0x10000

static gboolean
ends_erased (const guint8 *data,
             gsize         length)
{
  gsize tail = MIN (length, SF_FLASH_SECTOR_SIZE);

  for (gsize i = length - tail; i < length; i++)
    if (data[i] != 0xFF)
      return FALSE;
  return TRUE;
}

/* The MD5 of a blank window, worked out once. */
static const guint8 *
blank_window_md5 (void)
{
  static guint8 digest[16];
  static gsize ready;

  if (g_once_init_enter (&ready))
    {
      _sf_blank_md5 (BLANK_WINDOW, digest);
      g_once_init_leave (&ready, 1);
    }
  return digest;
}

typedef struct
{
  SfFlasher *self;
  SfPhase    phase;
  guint64    base;
  guint64    total;
} ReadProgress;

static void
read_progress_cb (guint32  done,
                  gpointer user_data)
{
  ReadProgress *progress = user_data;

  _sf_flasher_progress (progress->self, progress->phase, progress->base + done, progress->total);
}

gboolean
_sf_flasher_read_checked (SfFlasher     *self,
                          SfPhase        phase,
                          guint64        progress_base,
                          guint64        progress_total,
                          guint32        address,
                          guint32        size,
                          guint8        *out,
                          guint32       *out_blank,
                          GCancellable  *cancellable,
                          GError       **error)
{
  guint32 chunk = self->loader.caps.can_md5 ? ROM_MD5_READ_CHUNK : ROM_READ_CHUNK;
  gboolean probe = self->loader.caps.can_md5;

  if (self->loader.caps.can_read_fast)
    {
      /* Ten bits a byte: two seconds of the link, in whole sectors. */
      chunk = self->loader.baud / 10 * 2 & ~(SF_FLASH_SECTOR_SIZE - 1);
      chunk = CLAMP (chunk, SF_LOADER_READ_CHUNK_MIN, SF_LOADER_READ_CHUNK);
    }
  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  for (guint32 done = 0; done < size;)
    {
      guint32 n = MIN (chunk, size - done);
      guint32 to_window = BLANK_WINDOW - (address + done) % BLANK_WINDOW;
      ReadProgress progress = { self, phase, progress_base + done, progress_total };
      g_autoptr(GError) local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      if (probe && to_window == BLANK_WINDOW && size - done >= BLANK_WINDOW)
        {
          guint8 remote[16];

          if (!_sf_flasher_flash_md5 (self, address + done, BLANK_WINDOW, remote, error))
            return FALSE;
          if (memcmp (remote, blank_window_md5 (), sizeof remote) == 0)
            {
              memset (out + done, 0xFF, BLANK_WINDOW);
              if (out_blank != NULL)
                *out_blank += BLANK_WINDOW;
              done += BLANK_WINDOW;
              _sf_flasher_progress (self, phase, progress_base + done, progress_total);
              continue;
            }
          probe = FALSE;
        }
      else if (probe && to_window < BLANK_WINDOW)
        {
          /* Up to the next window, to ask about it. */
          n = MIN (n, to_window);
        }

      if (self->loader.ops->read_flash (&self->loader, address + done, n, out + done,
                                        read_progress_cb, &progress, &local_error))
        {
          probe = self->loader.caps.can_md5 && ends_erased (out + done, n);
          done += n;
          continue;
        }

      /* A garbled or lost packet is worth another try of this chunk, not
       * of the whole read, within the link's budget of retries. */
      if (!_sf_loader_error_is_retryable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!_sf_loader_take_retry (&self->loader, "READ_FLASH", error))
        return FALSE;
      _sf_flasher_log (self, _("Reading 0x%08x failed (%s); trying again."),
                       address + done, local_error->message);
      if (!_sf_flasher_resync (self, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sf_flasher_read_flash (SfFlasher      *self,
                       guint32         address,
                       guint32         size,
                       GOutputStream  *output,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autofree guint8 *buffer = NULL;
  guint32 blank = 0;
  gint64 start;
  double seconds;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
  if (!_sf_flasher_require_connection (self, error) ||
      !_sf_flasher_prepare_flash (self, cancellable, error) ||
      !_sf_flasher_check_span (self, address, size, FALSE, cancellable, error))
    return FALSE;

  start = g_get_monotonic_time ();
  buffer = g_malloc (SF_LOADER_READ_CHUNK);
  for (guint32 done = 0; done < size;)
    {
      guint32 n = MIN (SF_LOADER_READ_CHUNK, size - done);

      if (!_sf_flasher_read_checked (self, SF_PHASE_READ, done, size, address + done, n, buffer,
                                     &blank, cancellable, error) ||
          !g_output_stream_write_all (output, buffer, n, NULL, cancellable, error))
        return FALSE;
      done += n;
      _sf_flasher_progress (self, SF_PHASE_READ, done, size);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (blank > 0)
    _sf_flasher_log (self, _("Read %u bytes at 0x%08x in %.1f seconds; %u of them are erased "
                             "flash, which the chip's checksum showed without sending them."),
                     size, address, seconds, blank);
  else
    _sf_flasher_log (self, _("Read %u bytes at 0x%08x in %.1f seconds (%.1f kbit/s)."),
                     size, address, seconds, _sf_kbit_per_second (size, seconds));
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
  /* The file's side (unnamed temporary file, checks, atomic replace) is
   * in sf-output-file.c. */
  return sf_flasher_read_flash_to_file_full (self, address, size, path, SF_OUTPUT_FILE_DEFAULT,
                                             cancellable, error);
}

