/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor"

#include "config.h"

#include "sf-ansi-private.h"
#include "sf-boot-message-private.h"
#include "sf-monitor-private.h"

/* Lines are made on the monitor's thread and read on the main context,
 * often by several readers (the ring, a view, a saved log): an atomically
 * counted box, immutable once made, needs no lock. */

G_DEFINE_BOXED_TYPE (SfMonitorLine, sf_monitor_line, sf_monitor_line_ref, sf_monitor_line_unref)

static SfMonitorLine *
line_new (SfMonitorLineKind  kind,
          gint64             time_us,
          char              *text,
          SfAnsiSpan        *spans,
          guint              n_spans,
          char              *explanation)
{
  SfMonitorLine *line = g_atomic_rc_box_new0 (SfMonitorLine);

  line->kind = kind;
  line->time_us = time_us;
  line->text = text;
  line->spans = spans;
  line->n_spans = n_spans;
  line->explanation = explanation;
  return line;
}

SfMonitorLine *
_sf_monitor_line_new_raw (SfMonitorLineKind  kind,
                          gint64             time_us,
                          const guint8      *raw,
                          gsize              length)
{
  SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  char *text = _sf_ansi_decode (raw, length, &spans, &n_spans);
  char *explanation = NULL;

  if (kind == SF_MONITOR_LINE_BOOT || kind == SF_MONITOR_LINE_OUTPUT)
    {
      explanation = _sf_boot_message_explain (text);
      if (explanation != NULL)
        kind = SF_MONITOR_LINE_BOOT;
    }
  return line_new (kind, time_us, text, spans, n_spans, explanation);
}

SfMonitorLine *
_sf_monitor_line_new_text (SfMonitorLineKind  kind,
                           const char        *text)
{
  return line_new (kind, g_get_real_time (), g_utf8_make_valid (text, -1), NULL, 0, NULL);
}

SfMonitorLine *
sf_monitor_line_ref (SfMonitorLine *line)
{
  g_return_val_if_fail (line != NULL, NULL);

  return g_atomic_rc_box_acquire (line);
}

static void
line_clear (gpointer data)
{
  SfMonitorLine *line = data;

  g_free (line->text);
  g_free (line->spans);
  g_free (line->explanation);
}

void
sf_monitor_line_unref (SfMonitorLine *line)
{
  g_return_if_fail (line != NULL);

  g_atomic_rc_box_release_full (line, line_clear);
}

char *
sf_monitor_line_format (const SfMonitorLine *line)
{
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *clock = NULL;
  gint64 seconds, milliseconds;

  g_return_val_if_fail (line != NULL, NULL);

  /* Floor division, so a time before 1970 still gets 0–999 ms. */
  seconds = line->time_us / G_USEC_PER_SEC;
  if (line->time_us % G_USEC_PER_SEC < 0)
    seconds--;
  milliseconds = (line->time_us - seconds * G_USEC_PER_SEC) / 1000;
  time = g_date_time_new_from_unix_local (seconds);
  clock = time != NULL ? g_date_time_format (time, "%H:%M:%S") : g_strdup ("--:--:--");

  if (line->explanation != NULL)
    return g_strdup_printf ("%s.%03d  %s (%s)", clock, (int) milliseconds, line->text,
                            line->explanation);
  return g_strdup_printf ("%s.%03d  %s", clock, (int) milliseconds, line->text);
}
