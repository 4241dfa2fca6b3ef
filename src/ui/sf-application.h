/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-port-monitor.h"
#include "sf-sim-device.h"

G_BEGIN_DECLS

#define SF_TYPE_APPLICATION (sf_application_get_type ())
G_DECLARE_FINAL_TYPE (SfApplication, sf_application, SF, APPLICATION, GtkApplication)

SfApplication *sf_application_new             (void) G_GNUC_WARN_UNUSED_RESULT;
/* Before the application is registered (run): serve simulated boards, as
 * --demo does. */
void           sf_application_set_demo        (SfApplication *self,
                                               gboolean       demo);
gboolean       sf_application_get_demo        (SfApplication *self);
GSettings     *sf_application_get_settings    (SfApplication *self);
/* After startup. */
SfPortMonitor *sf_application_get_port_monitor (SfApplication *self);
/* In demo mode, after startup: the simulated board for @chip ("esp32",
 * "esp8266"), else NULL. */
SfSimDevice   *sf_application_get_sim_device  (SfApplication *self,
                                               const char    *chip);

G_END_DECLS
