/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-firmware-file"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sf-firmware-file.h"
#include "sf-units.h"

/* Loading a firmware file for writing or verifying, shared by the command
 * line and the window. */

G_DEFINE_QUARK (sf-firmware-file-error-quark, sf_firmware_file_error)

/* A file rewritten while it is read gets this many tries to hold still. */
#define LOAD_TRIES     3
#define RETRY_PAUSE_US (100 * 1000)

static gint64
stat_mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
}

static gint64
stat_ctime_ns (const struct stat *st)
{
  return (gint64) st->st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_ctim.tv_nsec;
}

static void
info_from_stat (SfFirmwareFileInfo *info,
                const struct stat  *st)
{
  info->size = st->st_size;
  info->mtime_ns = stat_mtime_ns (st);
  info->ctime_ns = stat_ctime_ns (st);
  info->device = st->st_dev;
  info->inode = st->st_ino;
}

gboolean
sf_firmware_file_info_equal (const SfFirmwareFileInfo *a,
                             const SfFirmwareFileInfo *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
         a->device == b->device && a->inode == b->inode;
}

/* Refuses what is not a regular file, each kind with its own advice. */
static gboolean
check_kind (const char         *path,
            const struct stat  *st,
            GError            **error)
{
  g_autofree char *name = g_filename_display_name (path);

  if (S_ISREG (st->st_mode))
    return TRUE;
  if (S_ISDIR (st->st_mode))
    g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_IS_FOLDER,
                 _("“%s” is a folder, not a file. Choose the firmware file inside it."), name);
  else if (S_ISFIFO (st->st_mode))
    g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,
                 _("“%s” is a named pipe (FIFO), not a file: it has no fixed contents to flash. "
                   "Save the firmware to a file and give that file."), name);
  else if (S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode))
    g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,
                 _("“%s” is a device, not a file. Give the firmware file (such as app.bin) "
                   "instead."), name);
  else if (S_ISSOCK (st->st_mode))
    g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,
                 _("“%s” is a socket, not a file. Give the firmware file (such as app.bin) "
                   "instead."), name);
  else
    g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,
                 _("“%s” is not a regular file. Give the firmware file (such as app.bin) "
                   "instead."), name);
  return FALSE;
}

static gboolean
check_size (const char         *path,
            const struct stat  *st,
            GError            **error)
{
  g_autofree char *name = g_filename_display_name (path);

  if (st->st_size == 0)
    {
      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_EMPTY,
                   _("“%s” is empty: there is nothing to write. "
                     "Check that the build finished and wrote this file."), name);
      return FALSE;
    }
  if ((guint64) st->st_size > SF_FIRMWARE_FILE_MAX_SIZE)
    {
      g_autofree char *size = sf_format_size (st->st_size);

      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_TOO_LARGE,
                   _("“%s” is %s, more than any board's flash holds. "
                     "Check that this is the firmware image."), name, size);
      return FALSE;
    }
  return TRUE;
}

static void
set_errno_error (const char  *path,
                 int          errsv,
                 GError     **error)
{
  g_autofree char *name = g_filename_display_name (path);

  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_FOUND,
                   _("There is no file “%s”. Check the name and the folder."), name);
      break;
    case EACCES:
      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_PERMISSION,
                   _("You may not read “%s”. Check the file's permissions."), name);
      break;
    case ENXIO:
      /* What open() says of a socket. */
      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,
                   _("“%s” is not a regular file. Give the firmware file (such as app.bin) "
                     "instead."), name);
      break;
    default:
      g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_READ,
                   _("Cannot read “%s”: %s. Check the disk, or copy the file somewhere "
                     "else and try again."), name, g_strerror (errsv));
      break;
    }
}

/* Reads up to @size bytes; *out_length says how many there were. One byte
 * more is asked for, to notice a file that grew. */
static gboolean
read_all (int      fd,
          guint8  *buffer,
          gsize    size,
          gsize   *out_length,
          int     *out_errno)
{
  gsize done = 0;

  while (done < size)
    {
      gssize n = read (fd, buffer + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      if (n == 0)
        break;
      done += n;
    }
  *out_length = done;
  return TRUE;
}

/* One attempt. Returns NULL with @error set on a real failure, or NULL
 * with *out_changed set when the file changed under the read. */
static GBytes *
load_once (const char          *path,
           SfFirmwareFileInfo  *out_info,
           gboolean            *out_changed,
           GError             **error)
{
  g_autofree guint8 *buffer = NULL;
  struct stat before, after;
  gsize length = 0;
  int errsv = 0;
  int fd;

  *out_changed = FALSE;

  /* A device is not even opened: opening some has effects (a serial port
   * resets the board on it). The path may change before the open; the
   * descriptor's own fstat below is what counts. */
  if (stat (path, &before) != 0)
    {
      set_errno_error (path, errno, error);
      return NULL;
    }
  if (!check_kind (path, &before, error))
    return NULL;

  /* O_NONBLOCK: should a FIFO take the file's place after the stat, the
   * open returns at once instead of waiting for a writer. */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      set_errno_error (path, errno, error);
      return NULL;
    }
  if (fstat (fd, &before) != 0)
    {
      errsv = errno;
      close (fd);
      set_errno_error (path, errsv, error);
      return NULL;
    }
  if (!check_kind (path, &before, error) || !check_size (path, &before, error))
    {
      close (fd);
      return NULL;
    }

  buffer = g_malloc (before.st_size + 1);
  if (!read_all (fd, buffer, before.st_size + 1, &length, &errsv) || fstat (fd, &after) != 0)
    {
      if (errsv == 0)
        errsv = errno;
      close (fd);
      set_errno_error (path, errsv, error);
      return NULL;
    }
  close (fd);

  /* Rewritten in place while being read: what was read may be a mix. */
  if (length != (gsize) before.st_size || after.st_size != before.st_size ||
      stat_mtime_ns (&after) != stat_mtime_ns (&before) ||
      stat_ctime_ns (&after) != stat_ctime_ns (&before))
    {
      *out_changed = TRUE;
      return NULL;
    }

  if (out_info != NULL)
    info_from_stat (out_info, &after);
  return g_bytes_new_take (g_steal_pointer (&buffer), length);
}

GBytes *
sf_firmware_file_load (const char          *path,
                       SfFirmwareFileInfo  *out_info,
                       GError             **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint attempt = 0; attempt < LOAD_TRIES; attempt++)
    {
      gboolean changed;
      GBytes *bytes;

      if (attempt > 0)
        g_usleep (RETRY_PAUSE_US);
      bytes = load_once (path, out_info, &changed, error);
      if (bytes != NULL || !changed)
        return bytes;
      g_debug ("%s changed while it was read; reading it again", path);
    }

  name = g_filename_display_name (path);
  g_set_error (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_UNSTABLE,
               _("“%s” kept changing while it was read. Wait for the build that writes it "
                 "to finish, then try again."), name);
  return NULL;
}
