/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* What the CLI does with what is on a board: its partition table, and
 * the checks before a write. */

/* `partition_table FILE`: prints the table in @path (binary, CSV, or a
 * merged image holding one at @table_offset). */
gboolean  sf_cli_board_print_table_file  (const char     *path,
                                          guint32         table_offset,
                                          GError        **error);
/* `partition_table`: prints the board's table and which app boots. */
gboolean  sf_cli_board_print_table       (SfFlasher      *flasher,
                                          guint32         table_offset,
                                          GCancellable   *cancellable,
                                          GError        **error);
/* Lists @concerns on stderr; on a terminal, asks whether to write anyway.
 * TRUE when the answer was yes. Otherwise sets @error
 * (SF_PROTOCOL_ERROR_NOT_CONFIRMED) with the list and the way past it. */
gboolean  sf_cli_board_confirm           (GPtrArray      *concerns,
                                          gboolean        may_ask,
                                          GError        **error);

G_END_DECLS
