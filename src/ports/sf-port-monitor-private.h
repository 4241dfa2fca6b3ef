/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-port-monitor.h"

G_BEGIN_DECLS

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
