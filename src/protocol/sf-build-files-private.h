/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What sf-build-files.c (names, folders) and sf-flasher-args.c
 * (flasher_args.json) share. */

#include "sf-build-files.h"

G_BEGIN_DECLS

SfBuildFile *_sf_build_file_new     (guint32        address,
                                     const char    *path);
/* For g_ptr_array_sort() of SfBuildFile pointers: by address. */
gint         _sf_build_file_compare (gconstpointer  a,
                                     gconstpointer  b);

G_END_DECLS
