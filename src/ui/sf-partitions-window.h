/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-window.h"

G_BEGIN_DECLS

/* The board's partition table, one row per partition with which app
 * boots, each partition backed up to a file or erased by name; or a table
 * file (partitions.csv, partition-table.bin, a merged image) viewed
 * without a board. Every operation on the board runs through the main
 * window @parent, so it holds the port alone and shows the progress. */
#define SF_TYPE_PARTITIONS_WINDOW (sf_partitions_window_get_type ())
G_DECLARE_FINAL_TYPE (SfPartitionsWindow, sf_partitions_window, SF, PARTITIONS_WINDOW, GtkWindow)

SfPartitionsWindow *sf_partitions_window_new        (SfWindow           *parent);
/* Reads the table from the main window's chosen port; does nothing while
 * an operation runs or without a port. */
void                sf_partitions_window_read_board (SfPartitionsWindow *self);
/* Shows the table in @file, which is read and parsed at once. */
void                sf_partitions_window_open_file  (SfPartitionsWindow *self,
                                                     GFile              *file);
/* The main window's state changed (an operation started or ended, another
 * port was chosen): the buttons follow. */
void                sf_partitions_window_sync       (SfPartitionsWindow *self);

/* --- test hooks: for the GUI tests --- */

guint               _sf_partitions_window_get_n_rows   (SfPartitionsWindow *self);
/* The row's cells joined with " | ": name, type, subtype, offset, size,
 * flags; then " | boots" on the app that boots. NULL past the end. */
char               *_sf_partitions_window_dup_row_text (SfPartitionsWindow *self,
                                                        guint               index);
/* The message above the table ("" when none). */
const char         *_sf_partitions_window_get_message  (SfPartitionsWindow *self);
/* Whether an operation started here has not yet ended. */
gboolean            _sf_partitions_window_get_busy     (SfPartitionsWindow *self);
/* Back up into @path instead of asking with a save dialog. */
void                _sf_partitions_window_set_save_target (SfPartitionsWindow *self,
                                                           const char         *path);
/* Erase without asking. */
void                _sf_partitions_window_set_confirmed   (SfPartitionsWindow *self,
                                                           gboolean            confirmed);

G_END_DECLS
