/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libserialport.h>

#include "sf-port-monitor.h"

G_BEGIN_DECLS

/* The order of the groups in the list. */
typedef enum
{
  SF_PORT_KIND_USB,
  SF_PORT_KIND_BUILTIN,
  SF_PORT_KIND_SIMULATED,
} SfPortKind;

/* sf-port.c */
SfPort     *_sf_port_new                (SfPortKind   kind,
                                         const char  *path,
                                         const char  *title,
                                         const char  *subtitle,
                                         const char  *serial_number,
                                         guint        usb_vid,
                                         guint        usb_pid) G_GNUC_WARN_UNUSED_RESULT;
/* Builds the port from what libserialport knows about it. */
SfPort     *_sf_port_new_from_sp        (struct sp_port *port) G_GNUC_WARN_UNUSED_RESULT;
SfPortKind  _sf_port_get_kind           (SfPort      *self);
/* TRUE if both describe the same port in the same words. */
gboolean    _sf_port_equal              (SfPort      *a,
                                         SfPort      *b);
/* The list order: USB ports, then built-in UARTs, each by path, naturally. */
int         _sf_port_compare            (SfPort      *a,
                                         SfPort      *b);
/* strcmp() that compares runs of digits as numbers: ttyS2 < ttyS10. */
int         _sf_port_path_compare       (const char  *a,
                                         const char  *b);
/* "CP2102 USB to UART" for a known USB-UART bridge (translated), else NULL. */
const char *_sf_port_usb_bridge_title   (guint        usb_vid,
                                         guint        usb_pid);
/* "CH340" for a bridge brltty is known to grab (untranslated chip name), else NULL. */
const char *_sf_port_usb_bridge_chip    (guint        usb_vid,
                                         guint        usb_pid);
/* "<name> — <path>". The name comes from the bridge table, else the USB
 * @product string, else the USB @manufacturer, else libserialport's
 * @description, else a generic "Serial port". Any of the strings may be
 * NULL; @is_usb FALSE ignores the USB fields. */
char       *_sf_port_build_title        (const char  *path,
                                         gboolean     is_usb,
                                         guint        usb_vid,
                                         guint        usb_pid,
                                         const char  *product,
                                         const char  *manufacturer,
                                         const char  *description) G_GNUC_WARN_UNUSED_RESULT;
/* "USB 10c4:ea60 · serial 0001", "USB 10c4:ea60", or "" when @is_usb is FALSE. */
char       *_sf_port_build_subtitle     (gboolean     is_usb,
                                         guint        usb_vid,
                                         guint        usb_pid,
                                         const char  *serial_number) G_GNUC_WARN_UNUSED_RESULT;

/* sf-brltty-watch.c: decides from sysfs whether brltty holds a USB-UART
 * bridge. Not thread-safe; the monitor's worker owns one. */
typedef struct _SfBrlttyWatch SfBrlttyWatch;

SfBrlttyWatch *_sf_brltty_watch_new   (const char    *sysfs_root) G_GNUC_WARN_UNUSED_RESULT;
void           _sf_brltty_watch_free  (SfBrlttyWatch *self);
/* Looks at sysfs once at @now_us (monotonic µs); returns the hint or NULL. */
char          *_sf_brltty_watch_check (SfBrlttyWatch *self,
                                       gint64         now_us) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfBrlttyWatch, _sf_brltty_watch_free)

/* sf-port-monitor.c */
/* A monitor without a worker: only _sf_port_monitor_apply_scan() changes it. */
SfPortMonitor *_sf_port_monitor_new_manual (void) G_GNUC_WARN_UNUSED_RESULT;
/* Replaces the real (non-simulated) ports with @ports, in any order,
 * emitting the fewest items-changed; @hint becomes the brltty hint. */
void           _sf_port_monitor_apply_scan (SfPortMonitor *self,
                                            GPtrArray     *ports,
                                            const char    *hint);
/* Takes a simulated board off the list, as if its cable were pulled. */
void           _sf_port_monitor_remove_simulated (SfPortMonitor *self,
                                                  const char    *pty_path);
/* How many scans have been applied; lets tests wait for the first one. */
guint          _sf_port_monitor_get_n_scans (SfPortMonitor *self);

G_END_DECLS
