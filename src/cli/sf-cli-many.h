/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* One command on several boards at once: one thread per board, every
 * line the board's thread prints prefixed with its port, then one
 * summary line per board. */

/* What one board's run tells the summary. */
typedef struct
{
  SfChipDetails details;        /* description NULL: never connected */
  guint64       bytes;          /* firmware bytes written or checked */
} SfCliBoard;

/* Runs the command on the board at @port, in that board's thread. */
typedef gboolean (*SfCliBoardFunc) (const char  *port,
                                    SfCliBoard  *board,
                                    gpointer     user_data,
                                    GError     **error);

/* The ports @patterns name: each one as it is, or, when it holds a glob
 * character (* ? [), the devices it matches, in order, each port once.
 * A pattern that matches nothing is a usage error. */
GPtrArray *sf_cli_many_expand_ports (GPtrArray  *patterns,
                                     GError    **error);

/* Runs @func for every port at once and prints the summary. Returns the
 * exit status: 0 when every board succeeded, 1 when any failed, or that
 * of an interrupt (@cancellable cancelled). */
int        sf_cli_many_run          (GPtrArray      *ports,
                                     SfCliBoardFunc  func,
                                     gpointer        user_data,
                                     GCancellable   *cancellable);

G_END_DECLS
