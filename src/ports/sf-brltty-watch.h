/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decides from sysfs whether brltty holds a USB-UART bridge. Not
 * thread-safe; the monitor's worker owns one. */
typedef struct _SfBrlttyWatch SfBrlttyWatch;

SfBrlttyWatch *_sf_brltty_watch_new   (const char    *sysfs_root) G_GNUC_WARN_UNUSED_RESULT;
void           _sf_brltty_watch_free  (SfBrlttyWatch *self);
/* Looks at sysfs once at @now_us (monotonic µs); returns the hint or NULL. */
char          *_sf_brltty_watch_check (SfBrlttyWatch *self,
                                       gint64         now_us) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfBrlttyWatch, _sf_brltty_watch_free)

G_END_DECLS
