/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Follows the desktop's light/dark preference. Plain GTK 4 does not (that
 * is libadwaita's job, and we do not use it): this reads the preference
 * from the settings portal (which works inside Flatpak too), or else from
 * GNOME's own setting, and keeps GtkSettings' prefer-dark in step. */
#define SF_TYPE_COLOR_SCHEME (sf_color_scheme_get_type ())
G_DECLARE_FINAL_TYPE (SfColorScheme, sf_color_scheme, SF, COLOR_SCHEME, GObject)

SfColorScheme *sf_color_scheme_new      (void) G_GNUC_WARN_UNUSED_RESULT;
gboolean       sf_color_scheme_get_dark (SfColorScheme *self);

G_END_DECLS
