/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The byte stream from the board cut into lines and Improv frames: the
 * monitor's thread feeds it what it reads; the tests feed it by hand. */

#include "sf-monitor.h"

G_BEGIN_DECLS

/* A partial line (a prompt, "Password: ") is shown after this much
 * silence rather than held until its end comes. */
#define SF_MONITOR_PARTIAL_LINE_US  (100 * 1000)
/* A line this long is cut: a board printing without line ends must not
 * grow one line without bound. */
#define SF_MONITOR_MAX_LINE_BYTES   4096

typedef struct _SfMonitorSplitter SfMonitorSplitter;

/* What came out of the bytes: lines (SfMonitorLine *) and frames. */
typedef struct
{
  GPtrArray *lines;
  GPtrArray *frame_types;   /* GUINT_TO_POINTER (type) */
  GPtrArray *frames;        /* GBytes *, the payloads, in step with frame_types */
} SfMonitorSplit;

SfMonitorSplitter *_sf_monitor_splitter_new      (void);
void               _sf_monitor_splitter_free     (SfMonitorSplitter *self);
/* The kind new lines get: BOOT while the ROM's text is read, else OUTPUT. */
void               _sf_monitor_splitter_set_kind (SfMonitorSplitter *self,
                                                  SfMonitorLineKind  kind);
/* @now_us is the wall clock (the lines' time), @mono_us the monotonic
 * clock (for the silence). */
void               _sf_monitor_splitter_feed     (SfMonitorSplitter *self,
                                                  const guint8      *data,
                                                  gsize              length,
                                                  gint64             now_us,
                                                  gint64             mono_us,
                                                  SfMonitorSplit    *out);
/* Called when nothing came: after SF_MONITOR_PARTIAL_LINE_US of silence
 * (or at once with @force) a partial line, or a frame that never
 * completed, comes out as text. */
void               _sf_monitor_splitter_flush    (SfMonitorSplitter *self,
                                                  gint64             mono_us,
                                                  gboolean           force,
                                                  SfMonitorSplit    *out);

void               _sf_monitor_split_init        (SfMonitorSplit    *split);
void               _sf_monitor_split_clear       (SfMonitorSplit    *split);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfMonitorSplitter, _sf_monitor_splitter_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfMonitorSplit, _sf_monitor_split_clear)

G_END_DECLS
