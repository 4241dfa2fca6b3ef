/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* How the monitor builds and orders its entries; the tests check the
 * naming rules directly. */

#include <libserialport.h>

#include "sf-port-entry.h"

G_BEGIN_DECLS

/* The order of the groups in the list. */
typedef enum
{
  SF_PORT_KIND_USB,
  SF_PORT_KIND_BUILTIN,
  SF_PORT_KIND_SIMULATED,
} SfPortKind;

SfPortEntry *_sf_port_entry_new              (SfPortKind   kind,
                                              const char  *path,
                                              const char  *title,
                                              const char  *subtitle,
                                              const char  *serial_number,
                                              guint        usb_vid,
                                              guint        usb_pid) G_GNUC_WARN_UNUSED_RESULT;
/* Builds the port from what libserialport knows about it. */
SfPortEntry *_sf_port_entry_new_from_sp      (struct sp_port *port) G_GNUC_WARN_UNUSED_RESULT;
SfPortKind   _sf_port_entry_get_kind         (SfPortEntry *self);
/* TRUE if both describe the same port in the same words. */
gboolean     _sf_port_entry_equal            (SfPortEntry *a,
                                              SfPortEntry *b);
/* The list order: USB ports, then built-in UARTs, each by path, naturally. */
int          _sf_port_entry_compare          (SfPortEntry *a,
                                              SfPortEntry *b);
/* strcmp() that compares runs of digits as numbers: ttyS2 < ttyS10. */
int          _sf_port_entry_path_compare     (const char  *a,
                                              const char  *b);
/* "CP2102 USB to UART" for a known USB-UART bridge (translated), else NULL. */
const char  *_sf_port_entry_usb_bridge_title (guint        usb_vid,
                                              guint        usb_pid);
/* "CH340" for a bridge brltty is known to grab (untranslated chip name), else NULL. */
const char  *_sf_port_entry_usb_bridge_chip  (guint        usb_vid,
                                              guint        usb_pid);
/* "<name> — <path>". The name comes from the bridge table, else the USB
 * @product string, else the USB @manufacturer, else libserialport's
 * @description, else a generic "Serial port". Any of the strings may be
 * NULL; @is_usb FALSE ignores the USB fields. */
char        *_sf_port_entry_build_title      (const char  *path,
                                              gboolean     is_usb,
                                              guint        usb_vid,
                                              guint        usb_pid,
                                              const char  *product,
                                              const char  *manufacturer,
                                              const char  *description) G_GNUC_WARN_UNUSED_RESULT;
/* "USB 10c4:ea60 · serial 0001", "USB 10c4:ea60", or "" when @is_usb is FALSE. */
char        *_sf_port_entry_build_subtitle   (gboolean     is_usb,
                                              guint        usb_vid,
                                              guint        usb_pid,
                                              const char  *serial_number) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
