/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-port-entry.h"

G_BEGIN_DECLS

/* The serial ports on this machine, kept current: a GListModel of SfPortEntry,
 * USB adapters first, then built-in UARTs, then simulated boards. Ports
 * are listed in a worker thread about once a second; changes arrive as
 * items-changed on the main context the monitor was created in. */
#define SF_TYPE_PORT_MONITOR (sf_port_monitor_get_type ())
G_DECLARE_FINAL_TYPE (SfPortMonitor, sf_port_monitor, SF, PORT_MONITOR, GObject)

SfPortMonitor *sf_port_monitor_new                (void) G_GNUC_WARN_UNUSED_RESULT;
/* Adds a simulated board's pty under @title ("Simulated ESP32"), as if
 * behind the USB adapter @usb_vid:@usb_pid (0:0 for none), so what the
 * window does per adapter can be tried without one. */
void           sf_port_monitor_add_simulated      (SfPortMonitor *self,
                                                   const char    *title,
                                                   const char    *pty_path,
                                                   guint          usb_vid,
                                                   guint          usb_pid);
/* Lists the ports again now (also done periodically). */
void           sf_port_monitor_refresh            (SfPortMonitor *self);
/* The port for @path or @serial_number (either may be NULL), or NULL.
 * The serial number wins (a native-USB board comes back as a new ttyACMn);
 * among ports sharing a serial, the one at @path. A port at @path whose
 * serial differs from @serial_number is not returned. Transfer none: owned
 * by the monitor until the next items-changed; g_object_ref() to keep it. */
SfPortEntry        *sf_port_monitor_find               (SfPortMonitor *self,
                                                   const char    *path,
                                                   const char    *serial_number);
/* Properties: "brltty-hint" (string), "n-items" (uint). */
/* NULL, or a user-facing hint that brltty seems to hold a USB-UART bridge
 * (bridge on the bus without a tty, or a tty that vanished seconds after
 * appearing), including how to remove it. Emits notify::brltty-hint. */
const char    *sf_port_monitor_get_brltty_hint    (SfPortMonitor *self);

G_END_DECLS
