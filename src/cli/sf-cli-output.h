/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* Everything sparkflash-cli prints goes through here, so a progress bar
 * being redrawn with \r is ended before any other line appears. The process
 * has one stdout, so the state is global. */

/* @show_progress FALSE: no progress lines at all (--no-progress). */
void sf_cli_output_init          (gboolean             show_progress);
/* Progress of the next write or verify is reported per region, with the
 * address each byte goes to. @regions must outlive the operation. */
void sf_cli_output_set_regions   (const SfFlashRegion *regions,
                                  guint                n_regions);
/* Progress of the next read or erase starts at @address. */
void sf_cli_output_set_address   (guint32              address);
void sf_cli_output_print         (const char          *format,
                                  ...) G_GNUC_PRINTF (1, 2);
/* Ends a progress line drawn with \r, if one is on screen. */
void sf_cli_output_end_line      (void);
/* "sparkflash-cli: error: <first line>", further lines as hints. */
void sf_cli_output_error         (const char          *message);
void sf_cli_output_warning       (const char          *message);

/* Several boards at once: the calling thread works on the board at @port
 * (NULL: no longer). Its lines are prefixed with the port and printed
 * whole; it draws no progress. */
void sf_cli_output_set_board     (const char          *port);

/* SfLogFunc and SfProgressFunc for the flasher; user_data is unused. */
void sf_cli_output_log_cb        (const char          *line,
                                  gpointer             user_data);
void sf_cli_output_progress_cb   (SfPhase              phase,
                                  guint64              done,
                                  guint64              total,
                                  gpointer             user_data);

G_END_DECLS
