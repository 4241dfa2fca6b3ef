/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-port-monitor.h"

G_BEGIN_DECLS

/* The board's port: a drop-down of the ports the monitor lists and the
 * paths typed by hand, which follows the chosen board when it comes back
 * under another name. Signals: "switched" when the person picks another
 * port; "changed" after anything about the choice changed (the chosen
 * port, or whether it is plugged in). */
#define SF_TYPE_PORT_CHOOSER (sf_port_chooser_get_type ())
G_DECLARE_FINAL_TYPE (SfPortChooser, sf_port_chooser, SF, PORT_CHOOSER, GtkWidget)

GtkWidget   *sf_port_chooser_new              (void);
/* Lists @monitor's ports; remembers the choice, the typed paths and each
 * USB adapter's last working baud rate in @settings. */
void         sf_port_chooser_bind             (SfPortChooser *self,
                                               SfPortMonitor *monitor,
                                               GSettings     *settings);
/* The chosen port's path, or NULL. */
const char  *sf_port_chooser_get_path         (SfPortChooser *self);
/* The chosen port as the monitor lists it; NULL when it was typed by
 * hand or none is chosen. */
SfPortEntry *sf_port_chooser_get_entry        (SfPortChooser *self);
/* The path of the chosen port while it is unplugged, else NULL. */
const char  *sf_port_chooser_get_missing_path (SfPortChooser *self);
/* Chooses the listed port at @path as if the person had; FALSE when it is
 * not listed (yet). */
gboolean     sf_port_chooser_select_path      (SfPortChooser *self,
                                               const char    *path);
/* Chooses the path typed in the "other port" popover, adding it to the
 * list if needed. */
void         sf_port_chooser_use_typed_port   (SfPortChooser *self);
/* Remembers @baud as the rate that works through the USB adapter
 * @usb_vid:@usb_pid; choosing the adapter again sets it. 0:0, not a USB
 * adapter, is ignored. */
void         sf_port_chooser_remember_baud    (SfPortChooser *self,
                                               guint          usb_vid,
                                               guint          usb_pid,
                                               guint          baud);
/* Opens the drop-down, for the keyboard shortcut. */
void         sf_port_chooser_popup            (SfPortChooser *self);

G_END_DECLS
