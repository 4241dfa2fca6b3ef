/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* How the monitor's parts build lines; the tests build them the same way. */

#include "sf-monitor.h"

G_BEGIN_DECLS

/* The line as it came off the wire: its escapes decoded into @spans, its
 * text made valid UTF-8. A BOOT line, or an OUTPUT line the boot-message
 * reader recognises (the ESP32 family prints its ROM text at the firmware's
 * rate), gets an explanation; the latter becomes a BOOT line. */
SfMonitorLine *_sf_monitor_line_new_raw  (SfMonitorLineKind  kind,
                                          gint64             time_us,
                                          const guint8      *raw,
                                          gsize              length) G_GNUC_WARN_UNUSED_RESULT;
/* A line of plain text (NOTE, SENT), stamped now. */
SfMonitorLine *_sf_monitor_line_new_text (SfMonitorLineKind  kind,
                                          const char        *text) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
