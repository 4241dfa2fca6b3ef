/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Hooks for the GUI tests and the screenshot/benchmark programs: they drive
 * the real window in-process without file dialogs. */

#include "sf-firmware-row.h"
#include "sf-flash-job.h"
#include "sf-window.h"

G_BEGIN_DECLS

SfSimDevice   *_sf_window_get_sim_device    (SfWindow   *self,
                                             const char *chip);
/* Selects the listed port with @path as if the person had; FALSE when it
 * is not (yet) listed. */
gboolean       _sf_window_select_port       (SfWindow   *self,
                                             const char *path);
/* The port operations would use, or NULL. */
const char    *_sf_window_get_port_path     (SfWindow   *self);
SfFirmwareRow *_sf_window_add_firmware      (SfWindow   *self,
                                             GFile      *file);
/* Read flash into @path instead of asking with a save dialog. */
void           _sf_window_set_read_target   (SfWindow   *self,
                                             const char *path);
/* Erase the whole flash without asking. */
void           _sf_window_set_confirmed     (SfWindow   *self,
                                             gboolean    confirmed);
/* "read-address", "read-size", "erase-address", "erase-size", "other-port". */
GtkEditable   *_sf_window_get_entry         (SfWindow   *self,
                                             const char *name);
gboolean       _sf_window_get_busy          (SfWindow   *self);
/* The running job, or NULL. */
SfFlashJob    *_sf_window_get_job           (SfWindow   *self);
/* Title and body of the message banner, "Title\nBody", or NULL when none
 * is shown. */
char          *_sf_window_dup_banner_text   (SfWindow   *self);
/* The port warning banner's text, or NULL. */
char          *_sf_window_dup_port_warning  (SfWindow   *self);
/* Fraction of the current phase; its kind and size in bytes are stored
 * where not NULL. */
double         _sf_window_get_progress      (SfWindow   *self,
                                             SfPhase    *phase,
                                             guint64    *total);

G_END_DECLS
