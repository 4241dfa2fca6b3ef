/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-chip.h"
#include "sf-image.h"

G_BEGIN_DECLS

/* The options behind the gear button: how to reach the chip, how to write,
 * and what to change in the bootloader header. Each is a GSettings key. */
#define SF_TYPE_OPTIONS_POPOVER (sf_options_popover_get_type ())
G_DECLARE_FINAL_TYPE (SfOptionsPopover, sf_options_popover, SF, OPTIONS_POPOVER, GtkPopover)

GtkWidget *sf_options_popover_new         (void);
/* Shows and changes the keys of @settings (the application's schema). */
void       sf_options_popover_bind        (SfOptionsPopover  *self,
                                           GSettings         *settings);
/* Says what the bootloader header in @info (from the file named @name, for
 * @chip) holds, and flags the options that would rewrite it; @info NULL
 * when no bootloader is to be written. Returns the rewrites, "dio → qio,
 * …", or NULL when there are none. */
char      *sf_options_popover_show_header (SfOptionsPopover  *self,
                                           const char        *name,
                                           const SfImageInfo *info,
                                           SfChip             chip) G_GNUC_WARN_UNUSED_RESULT;

/* Where backups go: the "backup-folder" key of @settings, or when that is
 * empty, a "Sparkflash Backups" folder in the user's Documents (not made
 * here: the write that first needs it does). */
char      *sf_options_popover_dup_backup_folder (GSettings       *settings) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
