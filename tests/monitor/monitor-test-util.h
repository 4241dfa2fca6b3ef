/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the monitor tests share: a monitor whose lines and stops are
 * collected, and waiting on the main context for them. */

#include "sf-monitor.h"

G_BEGIN_DECLS

typedef struct
{
  SfMonitor *monitor;
  GPtrArray *lines;       /* every line lines-added brought */
  guint      batches;
  guint      stopped;
  GError    *stop_error;  /* of the last stopped */
} MonitorWatch;

void           monitor_watch_init         (MonitorWatch      *watch);
/* Stops the monitor and checks nothing else holds it. */
void           monitor_watch_clear        (MonitorWatch      *watch);
gboolean       monitor_watch_has_line     (MonitorWatch      *watch,
                                           SfMonitorLineKind  kind,
                                           const char        *text);
/* The first line starting with @prefix, or NULL. */
SfMonitorLine *monitor_watch_find_line    (MonitorWatch      *watch,
                                           const char        *prefix);
/* Runs the main context until @text has come as a line of @kind (10 s). */
void           monitor_watch_wait_for_line (MonitorWatch     *watch,
                                           SfMonitorLineKind  kind,
                                           const char        *text);
/* Runs the main context until the monitor has stopped (10 s). */
void           monitor_watch_wait_stopped (MonitorWatch      *watch);

/* Runs the main context for @ms. */
void           monitor_test_wait_ms       (guint              ms);

/* An async call's result, for GAsyncReadyCallback monitor_test_done_cb. */
typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} MonitorTestCall;

void           monitor_test_done_cb       (GObject           *source,
                                           GAsyncResult      *result,
                                           gpointer           data);
/* Runs the main context until the call is done (20 s). */
void           monitor_test_wait_call     (MonitorTestCall   *call);
void           monitor_test_call_reset    (MonitorTestCall   *call);

/* A 10 ms timeout on the main context, and the longest it was held up:
 * how responsive the main loop stayed. */
typedef struct
{
  guint  source;
  gint64 last_us;
  gint64 longest_us;
  guint  ticks;
} MonitorTestTicks;

void           monitor_test_ticks_start   (MonitorTestTicks  *ticks);
void           monitor_test_ticks_stop    (MonitorTestTicks  *ticks);

G_END_DECLS
