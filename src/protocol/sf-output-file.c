/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"
/* O_TMPFILE, O_PATH, fallocate() */
#define _GNU_SOURCE

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sf-flasher-private.h"
#include "sf-output-file-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

/* Where a read of flash is saved. See sf-output-file-private.h. */

/* As many links as the kernel follows before it gives up (ELOOP). */
#define MAX_LINKS       40
#define TEMP_MARK       ".sparkflash-"
#define TEMP_RANDOM_LEN 6
/* Leaves room for the mark in a file name of at most 255 bytes. */
#define TEMP_BASE_MAX   200

/* ---- Resolving and checking the target -------------------------------- */

typedef struct
{
  char        *target;   /* the file to replace: the path, or where its links lead */
  char        *dir;
  char        *base;
  gboolean     exists;
  struct stat  st;       /* of the target, when it exists */
} Target;

static void
target_clear (Target *target)
{
  g_clear_pointer (&target->target, g_free);
  g_clear_pointer (&target->dir, g_free);
  g_clear_pointer (&target->base, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Target, target_clear)

static void
set_io_error (GError     **error,
              const char  *format,
              ...) G_GNUC_PRINTF (2, 3);

static void
set_io_error (GError     **error,
              const char  *format,
              ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                                                format, args));
  va_end (args);
}

/* Follows @path's symbolic links, relative and dangling ones included, to
 * the file that is really to be written. */
static gboolean
resolve_target (const char  *path,
                Target      *out,
                GError     **error)
{
  g_autofree char *current = g_strdup (path);

  for (guint hops = 0;; hops++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *link = NULL;
      g_autofree char *link_dir = NULL;

      if (lstat (current, &out->st) != 0)
        {
          /* Not there yet (or a folder on the way is missing, which the
           * folder check below reports). */
          out->exists = FALSE;
          break;
        }
      if (!S_ISLNK (out->st.st_mode))
        {
          out->exists = TRUE;
          break;
        }
      if (hops == MAX_LINKS)
        {
          g_autofree char *name = g_filename_display_name (path);

          set_io_error (error, _("“%s” is a symbolic link that leads in a circle or through too "
                                 "many other links. Save to another file name."), name);
          return FALSE;
        }
      if (!(link = g_file_read_link (current, &local_error)))
        {
          g_autofree char *name = g_filename_display_name (current);

          set_io_error (error, _("Cannot follow the symbolic link “%s”: %s. Save to another file "
                                 "name."), name, local_error->message);
          return FALSE;
        }
      link_dir = g_path_get_dirname (current);
      g_free (current);
      current = g_path_is_absolute (link) ? g_steal_pointer (&link)
                                          : g_build_filename (link_dir, link, NULL);
    }

  out->target = g_steal_pointer (&current);
  out->dir = g_path_get_dirname (out->target);
  out->base = g_path_get_basename (out->target);
  return TRUE;
}

static void
set_space_error (GError     **error,
                 const Target *target,
                 guint64      needed,
                 guint64      available)
{
  g_autofree char *dir = g_filename_display_name (target->dir);
  g_autofree char *base = g_filename_display_name (target->base);
  g_autofree char *needed_text = sf_format_size (needed);
  g_autofree char *available_text = sf_format_size (available);

  set_io_error (error, _("There is not enough space in folder “%s” for “%s”: the flash contents "
                         "need %s, but only %s is free. Free some space there, or save somewhere "
                         "else."), dir, base, needed_text, available_text);
}

/* The space left to this user in @dir; FALSE when the file system does
 * not say (some network and virtual ones report nothing). */
static gboolean
query_free_space (const char *dir,
                  guint64    *out_available)
{
  struct statvfs vfs;

  if (statvfs (dir, &vfs) != 0 || vfs.f_blocks == 0)
    return FALSE;
  *out_available = (guint64) vfs.f_bavail * vfs.f_frsize;
  return TRUE;
}

static gboolean
check_free_space (const Target  *target,
                  guint64        size,
                  GError       **error)
{
  guint64 available;

  /* The old file's space comes back only once the new one has replaced
   * it: the whole size must fit beside it. */
  if (size == 0 || !query_free_space (target->dir, &available) || size <= available)
    return TRUE;
  set_space_error (error, target, size, available);
  return FALSE;
}

static void
set_folder_error (GError     **error,
                  const Target *target,
                  int          errsv)
{
  g_autofree char *dir = g_filename_display_name (target->dir);
  g_autofree char *base = g_filename_display_name (target->base);

  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
      set_io_error (error, _("Folder “%s” does not exist, so “%s” cannot be saved in it. "
                             "Create the folder first, or save somewhere else."), dir, base);
      break;
    case EROFS:
      set_io_error (error, _("Folder “%s” is on a read-only disk, so “%s” cannot be saved in "
                             "it. Save somewhere else."), dir, base);
      break;
    case EACCES:
    case EPERM:
      set_io_error (error, _("You may not create files in folder “%s”, so “%s” cannot be saved "
                             "in it. Save somewhere you can write to, such as your home folder."),
                    dir, base);
      break;
    case ENOSPC:
    case EDQUOT:
      set_io_error (error, _("There is no space left in folder “%s” for “%s”. Free some space "
                             "there, or save somewhere else."), dir, base);
      break;
    default:
      set_io_error (error, _("Cannot create “%s” in folder “%s”: %s. Save somewhere else."),
                    base, dir, g_strerror (errsv));
      break;
    }
}

static gboolean
check_folder (const Target  *target,
              GError       **error)
{
  struct stat st;

  if (stat (target->dir, &st) != 0)
    {
      set_folder_error (error, target, errno);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      set_folder_error (error, target, ENOTDIR);
      return FALSE;
    }
  /* The file is made beside the target and renamed over it: the folder
   * is what must be writable. */
  if (faccessat (AT_FDCWD, target->dir, W_OK | X_OK, AT_EACCESS) != 0)
    {
      set_folder_error (error, target, errno);
      return FALSE;
    }
  return TRUE;
}

/* No write permission for this user, or none for anybody: the owner may
 * have protected the file on purpose (root may write to anything, so the
 * mode alone tells it for root). */
static gboolean
is_write_protected (const Target *target)
{
  return (target->st.st_mode & 0222) == 0 ||
         faccessat (AT_FDCWD, target->target, W_OK, AT_EACCESS) != 0;
}

static gboolean
check_target (const char         *path,
              const Target       *target,
              SfOutputFileFlags   flags,
              GError            **error)
{
  g_autofree char *name = g_filename_display_name (target->target);

  if (!target->exists)
    return TRUE;
  if (S_ISDIR (target->st.st_mode))
    {
      g_autofree char *example = g_build_filename (path, "flash.bin", NULL);
      g_autofree char *example_name = g_filename_display_name (example);

      set_io_error (error, _("“%s” is a folder. Give a file name to save the flash contents in, "
                             "such as %s."), name, example_name);
      return FALSE;
    }
  if (!S_ISREG (target->st.st_mode))
    {
      set_io_error (error, _("“%s” is not a regular file (it is a device, a pipe or a socket). "
                             "Give the name of a file to save the flash contents in."), name);
      return FALSE;
    }
  if (!(flags & SF_OUTPUT_FILE_FORCE) && is_write_protected (target))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRITE_PROTECTED,
                   _("“%s” is write-protected, so it was not replaced. Save to another file "
                     "name, or make this one writable first."), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_all (const char         *path,
           guint64             size,
           SfOutputFileFlags   flags,
           Target             *target,
           GError            **error)
{
  return resolve_target (path, target, error) &&
         check_target (path, target, flags, error) &&
         check_folder (target, error) &&
         check_free_space (target, size, error);
}

gboolean
sf_flasher_check_output_file (const char         *path,
                              guint64             size,
                              SfOutputFileFlags   flags,
                              GError            **error)
{
  g_auto(Target) target = { 0 };

  g_return_val_if_fail (path != NULL && *path != '\0', FALSE);

  return check_all (path, size, flags, &target, error);
}

/* ---- Stale temporary files ---------------------------------------------- */

/* ".NAME.sparkflash-XXXXXX", exactly as this file names them. */
static gboolean
is_temp_name (const char *name)
{
  gsize len = strlen (name);
  gsize mark_len = strlen (TEMP_MARK);
  const char *mark;

  if (name[0] != '.' || len < 2 + mark_len + TEMP_RANDOM_LEN)
    return FALSE;
  mark = name + len - TEMP_RANDOM_LEN - mark_len;
  if (strncmp (mark, TEMP_MARK, mark_len) != 0)
    return FALSE;
  for (const char *p = mark + mark_len; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

guint
_sf_output_file_remove_stale (const char *dir,
                              gint64      min_age_seconds)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  struct dirent *entry;
  guint removed = 0;
  DIR *folder;

  g_return_val_if_fail (dir != NULL, 0);

  if (!(folder = opendir (dir)))
    return 0;
  while ((entry = readdir (folder)) != NULL)
    {
      struct stat st, again;
      int fd;

      if (!is_temp_name (entry->d_name))
        continue;
      fd = openat (dirfd (folder), entry->d_name,
                   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
      if (fd < 0)
        continue;
      /* A run that is still writing holds a lock on its file: only what
       * a killed run left is free. */
      if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid () &&
          st.st_mtime <= now - min_age_seconds && flock (fd, LOCK_EX | LOCK_NB) == 0 &&
          fstatat (dirfd (folder), entry->d_name, &again, AT_SYMLINK_NOFOLLOW) == 0 &&
          again.st_dev == st.st_dev && again.st_ino == st.st_ino &&
          unlinkat (dirfd (folder), entry->d_name, 0) == 0)
        {
          g_debug ("Removed %s/%s, left by a read that did not finish", dir, entry->d_name);
          removed++;
        }
      close (fd);
    }
  closedir (folder);
  return removed;
}

/* ---- The stream ---------------------------------------------------------- */

/* Writes to the temporary file; its errors name the file the user asked
 * for, since the temporary one means nothing to them. */
#define SF_TYPE_OUTPUT_FILE_STREAM (sf_output_file_stream_get_type ())
G_DECLARE_FINAL_TYPE (SfOutputFileStream, sf_output_file_stream, SF, OUTPUT_FILE_STREAM,
                      GOutputStream)

struct _SfOutputFileStream
{
  GOutputStream  parent_instance;

  int            fd;       /* owned by the SfOutputFile */
  const Target  *target;   /* likewise */
};

G_DEFINE_FINAL_TYPE (SfOutputFileStream, sf_output_file_stream, G_TYPE_OUTPUT_STREAM)

static gssize
sf_output_file_stream_write (GOutputStream  *stream,
                             const void     *buffer,
                             gsize           count,
                             GCancellable   *cancellable,
                             GError        **error)
{
  SfOutputFileStream *self = SF_OUTPUT_FILE_STREAM (stream);
  g_autofree char *name = NULL;
  gssize n;
  int errsv;

  do
    n = write (self->fd, buffer, count);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    return n;

  errsv = errno;
  if (errsv == ENOSPC || errsv == EDQUOT)
    {
      set_folder_error (error, self->target, errsv);
      return -1;
    }
  name = g_filename_display_name (self->target->target);
  set_io_error (error, _("Cannot write the flash contents to “%s”: %s. Check the disk, or save "
                         "somewhere else."), name, g_strerror (errsv));
  return -1;
}

static void
sf_output_file_stream_class_init (SfOutputFileStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = sf_output_file_stream_write;
}

static void
sf_output_file_stream_init (SfOutputFileStream *self)
{
  self->fd = -1;
}

/* ---- The file -------------------------------------------------------------- */

struct _SfOutputFile
{
  Target         target;
  int            dir_fd;
  int            fd;
  char          *temp_name;   /* in the target's folder; NULL while unnamed */
  char          *temp_path;   /* for tests: the visible temporary file */
  GOutputStream *stream;
  gboolean       committed;
};

static char *
make_temp_template (const Target *target)
{
  g_autofree char *base = g_strndup (target->base, TEMP_BASE_MAX);

  return g_strdup_printf (".%s" TEMP_MARK "XXXXXX", base);
}

/* A name for the unnamed file, as g_mkstemp() would pick it. */
static char *
make_temp_name (const Target *target)
{
  static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char *name = make_temp_template (target);
  char *x = name + strlen (name) - TEMP_RANDOM_LEN;

  for (guint i = 0; i < TEMP_RANDOM_LEN; i++)
    x[i] = letters[g_random_int_range (0, sizeof letters - 1)];
  return name;
}

/* An unnamed file in the target's folder: nothing to clean up if the
 * process dies. -1 with errno where the file system cannot. */
static int
open_unnamed (SfOutputFile *self)
{
  /* Naming it later goes through /proc; without it, it could not be. */
  if (access ("/proc/self/fd", X_OK) != 0)
    {
      errno = EOPNOTSUPP;
      return -1;
    }
  return openat (self->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
}

static int
open_visible (SfOutputFile *self)
{
  g_autofree char *template = make_temp_template (&self->target);
  int fd;

  self->temp_path = g_build_filename (self->target.dir, template, NULL);
  fd = g_mkstemp_full (self->temp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      g_clear_pointer (&self->temp_path, g_free);
      return -1;
    }
  self->temp_name = g_path_get_basename (self->temp_path);
  return fd;
}

static gboolean
create_file (SfOutputFile       *self,
             SfOutputFileFlags   flags,
             GError            **error)
{
  int fd = -1;

  /* What killed runs left here goes before another file is made: visible
   * temporary files where unnamed ones do not work, and the instant
   * between naming an unnamed one and renaming it where they do. */
  _sf_output_file_remove_stale (self->target.dir, SF_OUTPUT_FILE_STALE_SECONDS);

  if (!(flags & SF_OUTPUT_FILE_VISIBLE_TEMP))
    {
      fd = open_unnamed (self);
      if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        {
          set_folder_error (error, &self->target, errno);
          return FALSE;
        }
    }
  if (fd < 0)
    {
      if ((fd = open_visible (self)) < 0)
        {
          set_folder_error (error, &self->target, errno);
          return FALSE;
        }
    }
  self->fd = fd;

  /* Held until the end, so the stale-file cleanup of a run beside this
   * one leaves the file alone. */
  flock (fd, LOCK_EX | LOCK_NB);

  /* The replaced file keeps its owner (where allowed) and its mode; a new
   * file gets the usual mode, 0666 less the umask, from open(). */
  if (self->target.exists)
    {
      if (fchown (fd, self->target.st.st_uid, self->target.st.st_gid) != 0)
        g_debug ("Cannot keep the owner of %s: %s", self->target.target, g_strerror (errno));
      if (fchmod (fd, self->target.st.st_mode & 0777) != 0)
        g_debug ("Cannot keep the mode of %s: %s", self->target.target, g_strerror (errno));
    }
  return TRUE;
}

/* Claims the space up front where the file system can, so a disk that
 * fills up meanwhile fails the read now rather than at the end. */
static gboolean
reserve_space (SfOutputFile  *self,
               guint64        size,
               GError       **error)
{
  guint64 available = 0;
  int errsv;

  if (size == 0 || fallocate (self->fd, FALLOC_FL_KEEP_SIZE, 0, size) == 0)
    return TRUE;
  errsv = errno;
  if (errsv != ENOSPC && errsv != EDQUOT)
    return TRUE;   /* not supported there: the writes will tell */
  if (query_free_space (self->target.dir, &available))
    set_space_error (error, &self->target, size, available);
  else
    set_folder_error (error, &self->target, errsv);
  return FALSE;
}

SfOutputFile *
_sf_output_file_new (const char         *path,
                     guint64             size,
                     SfOutputFileFlags   flags,
                     GError            **error)
{
  g_autoptr(SfOutputFile) self = NULL;
  SfOutputFileStream *stream;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);

  self = g_new0 (SfOutputFile, 1);
  self->dir_fd = -1;
  self->fd = -1;
  if (!check_all (path, size, flags, &self->target, error))
    return NULL;

  self->dir_fd = open (self->target.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      set_folder_error (error, &self->target, errno);
      return NULL;
    }
  if (!create_file (self, flags, error) || !reserve_space (self, size, error))
    return NULL;

  stream = g_object_new (SF_TYPE_OUTPUT_FILE_STREAM, NULL);
  stream->fd = self->fd;
  stream->target = &self->target;
  self->stream = G_OUTPUT_STREAM (stream);
  return g_steal_pointer (&self);
}

GOutputStream *
_sf_output_file_get_stream (SfOutputFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->stream;
}

const char *
_sf_output_file_get_temp_path (SfOutputFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->temp_path;
}

/* Gives the unnamed file a name beside the target, to rename from. */
static gboolean
link_unnamed (SfOutputFile  *self,
              GError       **error)
{
  g_autofree char *proc = g_strdup_printf ("/proc/self/fd/%d", self->fd);

  for (guint tries = 0; tries < 100; tries++)
    {
      g_autofree char *name = make_temp_name (&self->target);

      if (linkat (AT_FDCWD, proc, self->dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
        {
          self->temp_name = g_steal_pointer (&name);
          return TRUE;
        }
      if (errno != EEXIST)
        break;
    }
  set_folder_error (error, &self->target, errno);
  return FALSE;
}

static void
set_replace_error (SfOutputFile  *self,
                   int            errsv,
                   GError       **error)
{
  g_autofree char *name = g_filename_display_name (self->target.target);

  set_io_error (error, _("Cannot put the flash contents in place of “%s”: %s. Save to another "
                         "file name, or somewhere else."), name, g_strerror (errsv));
}

static void
sync_folder (SfOutputFile *self)
{
  /* The rename is on disk only once the folder is: a crash right after
   * must not bring the old file back. An O_PATH descriptor cannot sync. */
  int fd = open (self->target.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return;
  if (fsync (fd) != 0)
    g_debug ("Cannot sync folder %s: %s", self->target.dir, g_strerror (errno));
  close (fd);
}

/* A file with other hard links is one file under several names: a rename
 * would give this name the new contents and leave the others the old. So
 * it is rewritten in place, as cp does, from the complete temporary file. */
static gboolean
rewrite_in_place (SfOutputFile  *self,
                  GError       **error)
{
  int out = openat (self->dir_fd, self->target.base, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  guint8 buffer[64 * 1024];
  off_t offset = 0;
  int errsv = 0;

  if (out < 0)
    {
      set_replace_error (self, errno, error);
      return FALSE;
    }
  for (;;)
    {
      gssize n = pread (self->fd, buffer, sizeof buffer, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          errsv = n < 0 ? errno : 0;
          break;
        }
      for (gssize written = 0; written < n;)
        {
          gssize m = pwrite (out, buffer + written, n - written, offset + written);

          if (m < 0 && errno == EINTR)
            continue;
          if (m < 0)
            {
              errsv = errno;
              break;
            }
          written += m;
        }
      if (errsv != 0)
        break;
      offset += n;
    }
  if (errsv == 0 && (ftruncate (out, offset) != 0 || fsync (out) != 0))
    errsv = errno;
  close (out);
  if (errsv != 0)
    {
      g_autofree char *name = g_filename_display_name (self->target.target);

      set_io_error (error, _("Cannot write the flash contents into “%s” (a file with other hard "
                             "links, so written in place): %s. It is now partly written: read "
                             "the flash again, to another file name if the disk is full."),
                    name, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

gboolean
_sf_output_file_commit (SfOutputFile  *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  int errsv;

  g_return_val_if_fail (self != NULL && !self->committed, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* On disk before it has the target's name: never a complete-looking
   * file with missing data after a power cut. */
  if (fsync (self->fd) != 0)
    {
      g_autofree char *name = g_filename_display_name (self->target.target);

      errsv = errno;
      if (errsv == ENOSPC || errsv == EDQUOT)
        set_folder_error (error, &self->target, errsv);
      else
        set_io_error (error, _("Cannot write the flash contents to “%s”: %s. Check the disk, or "
                               "save somewhere else."), name, g_strerror (errsv));
      return FALSE;
    }

  if (self->target.exists && S_ISREG (self->target.st.st_mode) && self->target.st.st_nlink > 1)
    {
      if (!rewrite_in_place (self, error))
        return FALSE;
      self->committed = TRUE;
      return TRUE;
    }

  if (self->temp_name == NULL && !link_unnamed (self, error))
    return FALSE;

  /* One step: the target is the old file or the new one, never neither. */
  if (renameat (self->dir_fd, self->temp_name, self->dir_fd, self->target.base) != 0)
    {
      set_replace_error (self, errno, error);
      return FALSE;
    }
  g_clear_pointer (&self->temp_name, g_free);
  self->committed = TRUE;
  sync_folder (self);
  return TRUE;
}

void
_sf_output_file_free (SfOutputFile *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->stream);
  /* Removed before it is closed, so it stays locked until it is gone. */
  if (self->temp_name != NULL && self->dir_fd >= 0)
    unlinkat (self->dir_fd, self->temp_name, 0);
  if (self->fd >= 0)
    close (self->fd);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_free (self->temp_name);
  g_free (self->temp_path);
  target_clear (&self->target);
  g_free (self);
}

/* ---- The flasher's side ------------------------------------------------------ */

gboolean
sf_flasher_read_flash_to_file_full (SfFlasher          *self,
                                    guint32             address,
                                    guint32             size,
                                    const char         *path,
                                    SfOutputFileFlags   flags,
                                    GCancellable       *cancellable,
                                    GError            **error)
{
  g_autoptr(SfOutputFile) output = NULL;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (path != NULL && *path != '\0', FALSE);

  /* Everything about the file, its space included, is settled before the
   * chip is asked for a byte. */
  if (!(output = _sf_output_file_new (path, size, flags, error)))
    return FALSE;
  return sf_flasher_read_flash (self, address, size, _sf_output_file_get_stream (output),
                                cancellable, error) &&
         _sf_output_file_commit (output, cancellable, error);
}
