/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-chip.h"
#include "sf-monitor.h"

G_BEGIN_DECLS

#define SF_TYPE_MONITOR_PANE (sf_monitor_pane_get_type ())
G_DECLARE_FINAL_TYPE (SfMonitorPane, sf_monitor_pane, SF, MONITOR_PANE, GtkWidget)

/* The serial monitor at the bottom of the window: the board's output with
 * its colours and the ROM's boot text explained, a line to send, and the
 * buttons to reset the board, pause, clear, save the log and set up Wi-Fi
 * (Improv). It owns its SfMonitor; the port is open only while it runs.
 *
 * Properties: "running" (read-only), "baud" (the firmware's rate; bind it
 * to the settings). Signal: "stopped (const GError *error)" after the
 * monitor stopped by itself (the port went away) or was stopped. */
SfMonitorPane *sf_monitor_pane_new           (void);

/* Opens @port_path at the pane's rate and starts showing what arrives;
 * with @reset, restarts the board first so its boot text shows. @chip may
 * be SF_CHIP_AUTO. A port that cannot be opened is said in the pane. */
void           sf_monitor_pane_start         (SfMonitorPane *self,
                                              const char    *port_path,
                                              SfChip         chip,
                                              gboolean       reset);
/* Releases the port before it returns. */
void           sf_monitor_pane_stop          (SfMonitorPane *self);
gboolean       sf_monitor_pane_get_running   (SfMonitorPane *self);
/* The port the monitor has open, or NULL. */
const char    *sf_monitor_pane_get_port_path (SfMonitorPane *self);
guint          sf_monitor_pane_get_baud      (SfMonitorPane *self);
void           sf_monitor_pane_set_baud      (SfMonitorPane *self,
                                              guint          baud);

/* --- test hooks --- */
SfMonitor     *_sf_monitor_pane_get_monitor  (SfMonitorPane *self);
/* The text shown, as plain text. */
char          *_sf_monitor_pane_dup_text     (SfMonitorPane *self);
/* The shown line's tag names at the first occurrence of @needle, comma
 * separated ("ansi-red,bold"), or NULL when @needle is not shown. */
char          *_sf_monitor_pane_dup_tags_at  (SfMonitorPane *self,
                                              const char    *needle);
GtkEditable   *_sf_monitor_pane_get_entry    (SfMonitorPane *self);
/* "wifi", "reset", "pause", "clear", "save", "run" or "send". */
GtkWidget     *_sf_monitor_pane_get_button   (SfMonitorPane *self,
                                              const char    *name);
/* Lines in the view. */
guint          _sf_monitor_pane_get_view_lines (SfMonitorPane *self);
/* What the Wi-Fi button does: opens the set-up dialog (an
 * SfImprovDialog), or NULL when the monitor is not running. */
GtkWindow     *_sf_monitor_pane_open_improv  (SfMonitorPane *self);
/* Whether the Wi-Fi set-up is offered (the firmware answered Improv). */
gboolean       _sf_monitor_pane_get_improv_offered (SfMonitorPane *self);

G_END_DECLS
