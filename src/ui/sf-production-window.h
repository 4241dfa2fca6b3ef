/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-board-row.h"
#include "sf-flash-job.h"
#include "sf-port-monitor.h"

G_BEGIN_DECLS

/* Flashing several boards at once: the ports are ticked (or every board
 * plugged in while the run is on is taken), each board gets a row and a
 * job of its own made like @model, one failing stops none of the others,
 * and the outcome can be saved as CSV. */
#define SF_TYPE_PRODUCTION_WINDOW (sf_production_window_get_type ())
G_DECLARE_FINAL_TYPE (SfProductionWindow, sf_production_window, SF, PRODUCTION_WINDOW, GtkWindow)

/* @model: a job that has not run, whose port is ignored; each board's job
 * is made like it (sf_flash_job_new_like()). */
SfProductionWindow *sf_production_window_new (GtkWindow     *parent,
                                              SfFlashJob    *model,
                                              SfPortMonitor *monitor);

/* The summary as CSV (RFC 4180): a header line
 * "port,chip,mac,result,seconds,bytes", then one line per board; result
 * is "ok", "stopped" or "failed: " and the error. */
char               *sf_production_window_format_csv (SfProductionWindow *self);

/* --- test hooks: for the GUI tests and the benchmark --- */

/* Ticks or unticks the listed port at @path; FALSE when it is not listed. */
gboolean            _sf_production_window_set_checked (SfProductionWindow *self,
                                                       const char         *path,
                                                       gboolean            checked);
/* The boards' rows in order; the array does not own them. */
GPtrArray          *_sf_production_window_get_rows    (SfProductionWindow *self);
/* Whether a run is on (Start pressed, not yet over or stopped). */
gboolean            _sf_production_window_get_active  (SfProductionWindow *self);
const char         *_sf_production_window_get_summary (SfProductionWindow *self);
/* The switch "Also flash every board plugged in from now on". */
GtkWidget          *_sf_production_window_get_auto_switch (SfProductionWindow *self);
/* "Write even when the checks before writing object". */
GtkWidget          *_sf_production_window_get_force_switch (SfProductionWindow *self);

G_END_DECLS
