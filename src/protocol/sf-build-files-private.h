/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What sf-build-files.c (names, folders) and sf-flasher-args.c
 * (flasher_args.json) share. */

#include "sf-build-files.h"
#include "sf-partition-table.h"

G_BEGIN_DECLS

/* The file-system or settings image a lower-case file name says it is,
 * for the partition of that subtype (SF_PARTITION_SUBTYPE_DATA_*), or 0
 * when it names none: "spiffs.bin", "littlefs.bin", "x.mklittlefs.bin",
 * "fatfs.bin", "nvs.bin". */
guint8       _sf_build_files_data_subtype (const char *name);

SfBuildFile *_sf_build_file_new     (guint32        address,
                                     const char    *path);
/* For g_ptr_array_sort() of SfBuildFile pointers: by address. */
gint         _sf_build_file_compare (gconstpointer  a,
                                     gconstpointer  b);

G_END_DECLS
