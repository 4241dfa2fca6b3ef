/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Problems with a firmware file given to write or verify. Every message
 * names the file, says what is wrong and what to do. */
#define SF_FIRMWARE_FILE_ERROR (sf_firmware_file_error_quark ())

typedef enum
{
  SF_FIRMWARE_FILE_ERROR_NOT_FOUND = 1, /* no such file (or a folder on the way is missing) */
  SF_FIRMWARE_FILE_ERROR_IS_FOLDER,
  SF_FIRMWARE_FILE_ERROR_NOT_REGULAR,   /* a pipe, a device or a socket: nothing to flash */
  SF_FIRMWARE_FILE_ERROR_PERMISSION,
  SF_FIRMWARE_FILE_ERROR_EMPTY,
  SF_FIRMWARE_FILE_ERROR_TOO_LARGE,     /* more than any flash holds */
  SF_FIRMWARE_FILE_ERROR_UNSTABLE,      /* kept changing while it was read */
  SF_FIRMWARE_FILE_ERROR_READ,          /* any other failure to read it */
} SfFirmwareFileError;

GQuark sf_firmware_file_error_quark (void) G_GNUC_CONST;

/* Far more than any supported board's flash: a file this large is not
 * firmware, and is not read into memory. */
#define SF_FIRMWARE_FILE_MAX_SIZE (64u * 1024 * 1024)

/* Which file was read, and which version of it. */
typedef struct
{
  guint64 size;
  gint64  mtime_ns;   /* last change of the contents, ns since the epoch */
  gint64  ctime_ns;   /* last change of the contents or the inode */
  guint64 device;
  guint64 inode;
} SfFirmwareFileInfo;

/* Reads the whole file at @path into memory: a snapshot, so a file that a
 * build rewrites meanwhile is flashed either as it was or as it is, never
 * half old and half new. Anything but a regular file (a FIFO, a device, a
 * socket, a folder) is refused at once, without reading from it. A file
 * that changes while it is read is read again, and refused when it keeps
 * changing. @out_info may be NULL. */
GBytes   *sf_firmware_file_load        (const char                *path,
                                        SfFirmwareFileInfo        *out_info,
                                        GError                   **error);
/* TRUE when @a and @b describe the same version of the same file. */
gboolean  sf_firmware_file_info_equal  (const SfFirmwareFileInfo  *a,
                                        const SfFirmwareFileInfo  *b);

G_END_DECLS
