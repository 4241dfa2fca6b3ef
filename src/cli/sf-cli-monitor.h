/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-chip.h"

G_BEGIN_DECLS

/* The serial monitor on the terminal: what the board prints on stdout (in
 * its colours when stdout is a terminal), each line typed (or, when stdin
 * is not a terminal, each line of stdin) sent to the board. Runs until
 * Ctrl+], until @cancellable is cancelled (Ctrl+C: sf-cli-interrupt.c),
 * or until the port fails. @chip may be SF_CHIP_AUTO; for the ESP8266 and
 * @reset, the ROM's boot text is read at its own rate. Returns the exit
 * status: 0 when the user left, 1 when the port could not be opened or
 * went away. */
int sf_cli_monitor_run (const char   *port,
                        guint         baud,
                        SfChip        chip,
                        gboolean      reset,
                        GCancellable *cancellable);

G_END_DECLS
