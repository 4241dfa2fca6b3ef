/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-flash"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "sf-sim-flash-private.h"

struct _SfSimFlash
{
  GMutex  mutex;
  guint8 *data;
  gsize   size;
  int     fd;       /* backing file or -1 */
  char   *path;
  guint   erased_sectors;
};

static gboolean
in_range (SfSimFlash *self,
          guint32     offset,
          gsize       length)
{
  return offset <= self->size && length <= self->size - offset;
}

static void
write_through (SfSimFlash *self,
               guint32     offset,
               gsize       length)
{
  gsize done = 0;

  if (self->fd < 0)
    return;

  while (done < length)
    {
      ssize_t n = pwrite (self->fd, self->data + offset + done, length - done,
                          (off_t) offset + done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          /* The simulation goes on in memory; the file is only a mirror. */
          g_warning ("Could not write flash file %s: %s", self->path, g_strerror (errno));
          return;
        }
      done += n;
    }
}

SfSimFlash *
_sf_sim_flash_new (gsize        size,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(SfSimFlash) self = g_new0 (SfSimFlash, 1);

  g_mutex_init (&self->mutex);
  self->size = size;
  self->fd = -1;
  self->data = g_malloc (size);
  memset (self->data, 0xFF, size);

  if (path != NULL)
    {
      struct stat st;
      gsize have = 0;

      self->path = g_strdup (path);
      self->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (self->fd < 0 || fstat (self->fd, &st) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Could not open flash file %s: %s", path, g_strerror (saved_errno));
          return NULL;
        }

      /* Keep what the file holds; a file of another size is cut or padded
       * with erased bytes to the flash size. */
      while (have < MIN ((gsize) st.st_size, size))
        {
          ssize_t n = pread (self->fd, self->data + have, MIN ((gsize) st.st_size, size) - have, have);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          have += n;
        }

      if ((gsize) st.st_size != size)
        {
          if (ftruncate (self->fd, size) != 0)
            {
              int saved_errno = errno;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           "Could not resize flash file %s: %s", path, g_strerror (saved_errno));
              return NULL;
            }
          write_through (self, have, size - have);
        }
    }

  return g_steal_pointer (&self);
}

void
_sf_sim_flash_free (SfSimFlash *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    {
      fsync (self->fd);
      close (self->fd);
    }
  g_free (self->path);
  g_free (self->data);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

gsize
_sf_sim_flash_get_size (SfSimFlash *self)
{
  return self->size;
}

gboolean
_sf_sim_flash_read (SfSimFlash *self,
                    guint32     offset,
                    guint8     *out,
                    gsize       length)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (!in_range (self, offset, length))
    return FALSE;
  memcpy (out, self->data + offset, length);
  return TRUE;
}

GBytes *
_sf_sim_flash_dup (SfSimFlash *self,
                   guint32     offset,
                   gsize       length)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (offset > self->size)
    offset = self->size;
  length = MIN (length, self->size - offset);
  return g_bytes_new (self->data + offset, length);
}

gboolean
_sf_sim_flash_program (SfSimFlash   *self,
                       guint32       offset,
                       const guint8 *data,
                       gsize         length)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  guint8 *dst;

  if (!in_range (self, offset, length))
    return FALSE;

  dst = self->data + offset;
  for (gsize i = 0; i < length; i++)
    dst[i] &= data[i];
  write_through (self, offset, length);
  return TRUE;
}

gboolean
_sf_sim_flash_erase (SfSimFlash *self,
                     guint32     offset,
                     gsize       length)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (!in_range (self, offset, length))
    return FALSE;
  memset (self->data + offset, 0xFF, length);
  write_through (self, offset, length);
  self->erased_sectors += (length + 0xFFF) / 0x1000;
  return TRUE;
}

guint
_sf_sim_flash_get_erased_sectors (SfSimFlash *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return self->erased_sectors;
}

gboolean
_sf_sim_flash_overwrite (SfSimFlash   *self,
                         guint32       offset,
                         const guint8 *data,
                         gsize         length)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (!in_range (self, offset, length))
    return FALSE;
  memcpy (self->data + offset, data, length);
  write_through (self, offset, length);
  return TRUE;
}

void
_sf_sim_flash_flip_bit (SfSimFlash *self,
                        guint32     offset)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (offset >= self->size)
    return;
  self->data[offset] ^= 0x01;
  write_through (self, offset, 1);
}

gboolean
_sf_sim_flash_md5 (SfSimFlash *self,
                   guint32     offset,
                   gsize       length,
                   guint8      out_digest[16])
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(GChecksum) md5 = NULL;
  gsize digest_length = 16;

  if (!in_range (self, offset, length))
    return FALSE;
  md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (md5, self->data + offset, length);
  g_checksum_get_digest (md5, out_digest, &digest_length);
  return TRUE;
}

void
_sf_sim_flash_sync (SfSimFlash *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (self->fd >= 0)
    fsync (self->fd);
}
