/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Terminal escapes in what a board prints: ESP-IDF's log colours its lines
 * with SGR sequences ("\033[0;32mI (312) wifi: ...\033[0m"). */

#include "sf-monitor.h"

G_BEGIN_DECLS

/* Splits one raw line (no line end) into its text and the runs of it that
 * are coloured or bold. SGR 0, 1, 22, 30–37, 39 and 90–97 are followed;
 * other CSI sequences and stray ESC bytes are dropped, invalid UTF-8
 * becomes U+FFFD and control characters other than tab are dropped.
 * Every line starts in the default style: the log resets at each line's
 * end, and a line lost to a full buffer must not colour the next ones.
 * *@spans is NULL (and *@n_spans 0) when nothing in the line is styled. */
char *_sf_ansi_decode (const guint8  *raw,
                       gsize          length,
                       SfAnsiSpan   **spans,
                       guint         *n_spans) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
