/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-chip.h"

G_BEGIN_DECLS

/* Wi-Fi set-up through the Improv Wi-Fi Serial protocol, on the terminal.
 * Opens @port at @baud (the firmware's rate), restarts the board when
 * @reset, and waits for its firmware to answer Improv. Without @ssid it
 * prints what the firmware is and the networks the board sees; with it,
 * it reads the password (asked for without echo on a terminal, else the
 * first line of stdin), sends both and prints the address the board
 * answers with. The password is never printed and is wiped once sent.
 * Returns the exit status: 0 on success, 1 on failure, 130 when
 * interrupted through @cancellable. */
int sf_cli_wifi_run (const char   *port,
                     guint         baud,
                     SfChip        chip,
                     gboolean      reset,
                     const char   *ssid,
                     GCancellable *cancellable);

G_END_DECLS
