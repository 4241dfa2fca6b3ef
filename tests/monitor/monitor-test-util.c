/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "monitor-test-util.h"

static void
lines_added_cb (SfMonitor    *monitor,
                GPtrArray    *lines,
                MonitorWatch *watch)
{
  watch->batches++;
  for (guint i = 0; i < lines->len; i++)
    g_ptr_array_add (watch->lines, sf_monitor_line_ref (lines->pdata[i]));
}

static void
stopped_cb (SfMonitor    *monitor,
            const GError *error,
            MonitorWatch *watch)
{
  watch->stopped++;
  g_clear_error (&watch->stop_error);
  if (error != NULL)
    watch->stop_error = g_error_copy (error);
}

void
monitor_watch_init (MonitorWatch *watch)
{
  watch->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  watch->monitor = sf_monitor_new ();
  watch->batches = 0;
  watch->stopped = 0;
  watch->stop_error = NULL;
  g_signal_connect (watch->monitor, "lines-added", G_CALLBACK (lines_added_cb), watch);
  g_signal_connect (watch->monitor, "stopped", G_CALLBACK (stopped_cb), watch);
}

void
monitor_watch_clear (MonitorWatch *watch)
{
  sf_monitor_stop (watch->monitor);
  g_assert_finalize_object (g_steal_pointer (&watch->monitor));
  g_clear_pointer (&watch->lines, g_ptr_array_unref);
  g_clear_error (&watch->stop_error);
}

gboolean
monitor_watch_has_line (MonitorWatch      *watch,
                        SfMonitorLineKind  kind,
                        const char        *text)
{
  for (guint i = 0; i < watch->lines->len; i++)
    {
      SfMonitorLine *line = watch->lines->pdata[i];

      if (line->kind == kind && g_strcmp0 (line->text, text) == 0)
        return TRUE;
    }
  return FALSE;
}

SfMonitorLine *
monitor_watch_find_line (MonitorWatch *watch,
                         const char   *prefix)
{
  for (guint i = 0; i < watch->lines->len; i++)
    {
      SfMonitorLine *line = watch->lines->pdata[i];

      if (g_str_has_prefix (line->text, prefix))
        return line;
    }
  return NULL;
}

void
monitor_watch_wait_for_line (MonitorWatch      *watch,
                             SfMonitorLineKind  kind,
                             const char        *text)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!monitor_watch_has_line (watch, kind, text))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The line “%s” did not come", text);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
monitor_watch_wait_stopped (MonitorWatch *watch)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (watch->stopped == 0 && g_get_monotonic_time () < deadline)
    monitor_test_wait_ms (5);
  g_assert_cmpuint (watch->stopped, >, 0);
}

void
monitor_test_wait_ms (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
monitor_test_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  MonitorTestCall *call = data;

  call->done = TRUE;
  call->result = g_object_ref (result);
}

void
monitor_test_wait_call (MonitorTestCall *call)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!call->done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
monitor_test_call_reset (MonitorTestCall *call)
{
  call->done = FALSE;
  g_clear_object (&call->result);
}

static gboolean
tick_cb (gpointer data)
{
  MonitorTestTicks *ticks = data;
  gint64 now = g_get_monotonic_time ();

  if (ticks->last_us != 0)
    ticks->longest_us = MAX (ticks->longest_us, now - ticks->last_us);
  ticks->last_us = now;
  ticks->ticks++;
  return G_SOURCE_CONTINUE;
}

void
monitor_test_ticks_start (MonitorTestTicks *ticks)
{
  *ticks = (MonitorTestTicks) { 0, };
  ticks->source = g_timeout_add (10, tick_cb, ticks);
}

void
monitor_test_ticks_stop (MonitorTestTicks *ticks)
{
  g_clear_handle_id (&ticks->source, g_source_remove);
}
