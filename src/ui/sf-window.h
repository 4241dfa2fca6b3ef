/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-application.h"

G_BEGIN_DECLS

#define SF_TYPE_WINDOW (sf_window_get_type ())
G_DECLARE_FINAL_TYPE (SfWindow, sf_window, SF, WINDOW, GtkApplicationWindow)

SfWindow *sf_window_new (SfApplication *application) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
