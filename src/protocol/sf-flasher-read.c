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

#include "sf-flasher-private.h"
#include "sf-protocol-error.h"

/* Reading flash. Every read goes through _sf_flasher_read_checked():
 * chunks small enough that a glitch costs little, each one checked where
 * the loader can check it and tried again when it fails. */

/* The ROM reads 64 bytes a command; its chunks only pace the progress. */
#define ROM_READ_CHUNK        4096
#define TRIES_PER_CHUNK       3
#define RETRIES_PER_OPERATION 16

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
                          GCancellable  *cancellable,
                          GError       **error)
{
  guint32 chunk = ROM_READ_CHUNK;
  guint retries = 0;

  if (self->loader.caps.can_read_fast)
    {
      /* Ten bits a byte: two seconds of the link, in whole sectors. */
      chunk = self->loader.baud / 10 * 2 & ~(SF_FLASH_SECTOR - 1);
      chunk = CLAMP (chunk, SF_LOADER_READ_CHUNK_MIN, SF_LOADER_READ_CHUNK);
    }
  self->loader.cancellable = cancellable;
  for (guint32 done = 0; done < size;)
    {
      guint32 n = MIN (chunk, size - done);
      ReadProgress progress = { self, phase, progress_base + done, progress_total };
      g_autoptr(GError) local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (self->loader.ops->read_flash (&self->loader, address + done, n, out + done,
                                        read_progress_cb, &progress, &local_error))
        {
          done += n;
          continue;
        }

      /* A garbled or lost packet is worth another try of this chunk, not
       * of the whole read; a loader that refuses is not. */
      if (!_sf_loader_error_is_retryable (local_error) ||
          ++retries > RETRIES_PER_OPERATION)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
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
  gint64 start;
  double seconds;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  self->loader.cancellable = cancellable;
  if (!_sf_flasher_require_connection (self, error) ||
      !_sf_flasher_prepare_flash (self, error) ||
      !_sf_flasher_check_span (self, address, size, error))
    return FALSE;

  start = g_get_monotonic_time ();
  buffer = g_malloc (SF_LOADER_READ_CHUNK);
  for (guint32 done = 0; done < size;)
    {
      guint32 n = MIN (SF_LOADER_READ_CHUNK, size - done);

      if (!_sf_flasher_read_checked (self, SF_PHASE_READ, done, size, address + done, n, buffer,
                                     cancellable, error) ||
          !g_output_stream_write_all (output, buffer, n, NULL, cancellable, error))
        return FALSE;
      done += n;
      _sf_flasher_progress (self, SF_PHASE_READ, done, size);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
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

