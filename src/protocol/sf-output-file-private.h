/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* The file a read of flash goes into, replaced only once it is complete.
 *
 * The bytes go into an unnamed file (O_TMPFILE) in the target's folder:
 * nothing is left behind even if the process is killed. Where the file
 * system has no unnamed files, a visible ".NAME.sparkflash-XXXXXX" stands
 * in, and the next read into that folder removes those a killed run left.
 * At the end the data is synced and renamed over the target in one step:
 * the old file is there until the new one is complete. A symbolic link is
 * written through, as cp does: its target is replaced, the link stays. */
typedef struct _SfOutputFile SfOutputFile;

/* For tests: take the visible temporary file even where unnamed files work. */
#define SF_OUTPUT_FILE_VISIBLE_TEMP ((SfOutputFileFlags) (1u << 16))

/* A leftover visible temporary file is removed once it is this old and no
 * process holds it. */
#define SF_OUTPUT_FILE_STALE_SECONDS 60

/* Checks the target and its folder, and that @size bytes fit there (@size
 * 0: unknown, not checked); creates the temporary file. */
SfOutputFile  *_sf_output_file_new            (const char         *path,
                                               guint64             size,
                                               SfOutputFileFlags   flags,
                                               GError            **error);
/* Writes into the temporary file. Its errors (a full disk, a failing
 * one) are SF_PROTOCOL_ERROR_IO with a message naming the file. */
GOutputStream *_sf_output_file_get_stream     (SfOutputFile       *self);
/* The path of the visible temporary file, or NULL for an unnamed one. */
const char    *_sf_output_file_get_temp_path  (SfOutputFile       *self);
/* Syncs the data and puts it in the target's place. */
gboolean       _sf_output_file_commit         (SfOutputFile       *self,
                                               GCancellable       *cancellable,
                                               GError            **error);
/* Drops what was not committed; the target stays as it was. */
void           _sf_output_file_free           (SfOutputFile       *self);

/* Removes the visible temporary files in @dir that are older than
 * @min_age_seconds, belong to this user and are held by no process.
 * Returns how many it removed. */
guint          _sf_output_file_remove_stale   (const char         *dir,
                                               gint64              min_age_seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfOutputFile, _sf_output_file_free)

G_END_DECLS
