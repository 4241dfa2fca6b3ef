/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-transport.h"

G_BEGIN_DECLS

#define SF_TYPE_TTY_PORT (sf_tty_port_get_type ())
G_DECLARE_FINAL_TYPE (SfTtyPort, sf_tty_port, SF, TTY_PORT, GObject)

/* A serial port driven with plain termios: pseudo-terminals (the simulator)
 * and whatever else libserialport declines. Linux only: arbitrary baud rates
 * go through termios2. Most callers want sf_transport_open(). */
SfTtyPort *sf_tty_port_open (const char  *path,
                             guint        baud,
                             GError     **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
