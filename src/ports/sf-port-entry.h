/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One serial port as a person would recognise it. */
#define SF_TYPE_PORT_ENTRY (sf_port_entry_get_type ())
G_DECLARE_FINAL_TYPE (SfPortEntry, sf_port_entry, SF, PORT_ENTRY, GObject)

/* "/dev/ttyUSB0" (what the protocol module opens). */
const char *sf_port_entry_get_path          (SfPortEntry *self);
/* "CP2102 USB to UART — /dev/ttyUSB0"; "Simulated ESP32" for demo ports. */
const char *sf_port_entry_get_title         (SfPortEntry *self);
/* "USB 10c4:ea60 · serial 0001" or "" for built-in UARTs. */
const char *sf_port_entry_get_subtitle      (SfPortEntry *self);
/* USB serial number, or NULL; the key to remember a port by. */
const char *sf_port_entry_get_serial_number (SfPortEntry *self);
guint       sf_port_entry_get_usb_vid       (SfPortEntry *self);
guint       sf_port_entry_get_usb_pid       (SfPortEntry *self);
/* TRUE for a USB adapter, and for a simulated board given USB ids. */
gboolean    sf_port_entry_get_is_usb        (SfPortEntry *self);
/* TRUE for the in-process simulated boards of demo mode. */
gboolean    sf_port_entry_get_is_simulated  (SfPortEntry *self);
/* Read-only properties of the same names, for GtkExpression lookups:
 * "path", "title", "subtitle", "serial-number", "usb-vid", "usb-pid",
 * "is-usb", "is-simulated". */

G_END_DECLS
