/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One serial port as a person would recognise it. */
#define SF_TYPE_PORT (sf_port_get_type ())
G_DECLARE_FINAL_TYPE (SfPort, sf_port, SF, PORT, GObject)

/* "/dev/ttyUSB0" (what the protocol module opens). */
const char *sf_port_get_path          (SfPort *self);
/* "CP2102 USB to UART — /dev/ttyUSB0"; "Simulated ESP32" for demo ports. */
const char *sf_port_get_title         (SfPort *self);
/* "USB 10c4:ea60 · serial 0001" or "" for built-in UARTs. */
const char *sf_port_get_subtitle      (SfPort *self);
/* USB serial number, or NULL; the key to remember a port by. */
const char *sf_port_get_serial_number (SfPort *self);
guint       sf_port_get_usb_vid       (SfPort *self);
guint       sf_port_get_usb_pid       (SfPort *self);
gboolean    sf_port_get_is_usb        (SfPort *self);
/* TRUE for the in-process simulated boards of demo mode. */
gboolean    sf_port_get_is_simulated  (SfPort *self);

/* The serial ports on this machine, kept current: a GListModel of SfPort,
 * USB adapters first, then built-in UARTs, then simulated boards. Ports
 * are listed in a worker thread about once a second; changes arrive as
 * items-changed on the main context the monitor was created in. */
#define SF_TYPE_PORT_MONITOR (sf_port_monitor_get_type ())
G_DECLARE_FINAL_TYPE (SfPortMonitor, sf_port_monitor, SF, PORT_MONITOR, GObject)

SfPortMonitor *sf_port_monitor_new                (void) G_GNUC_WARN_UNUSED_RESULT;
/* Adds a simulated board's pty under @title ("Simulated ESP32"). */
void           sf_port_monitor_add_simulated      (SfPortMonitor *self,
                                                   const char    *title,
                                                   const char    *pty_path);
/* Lists the ports again now (also done periodically). */
void           sf_port_monitor_refresh            (SfPortMonitor *self);
/* The port for @path or @serial_number (either may be NULL), or NULL.
 * The serial number wins (a native-USB board comes back as a new ttyACMn);
 * among ports sharing a serial, the one at @path. A port at @path whose
 * serial differs from @serial_number is not returned. Transfer none: owned
 * by the monitor until the next items-changed; g_object_ref() to keep it. */
SfPort        *sf_port_monitor_find               (SfPortMonitor *self,
                                                   const char    *path,
                                                   const char    *serial_number);
/* Properties: "brltty-hint" (string), "n-items" (uint); SfPort has
 * read-only "path", "title", "subtitle", "serial-number", "usb-vid",
 * "usb-pid", "is-usb", "is-simulated" for GtkExpression lookups. */
/* NULL, or a user-facing hint that brltty seems to hold a USB-UART bridge
 * (bridge on the bus without a tty, or a tty that vanished seconds after
 * appearing), including how to remove it. Emits notify::brltty-hint. */
const char    *sf_port_monitor_get_brltty_hint    (SfPortMonitor *self);

G_END_DECLS
