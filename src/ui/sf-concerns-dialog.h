/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The one question a write asks when its checks found something (a file
 * for another chip, the bootloader overwritten, ...): every concern in a
 * list, then Cancel or Write Anyway. Emits "answered" (gboolean write)
 * exactly once, then destroys itself: TRUE for Write Anyway; FALSE for
 * Cancel, Escape, closing it, or sf_concerns_dialog_answer() from the
 * window when the job ended meanwhile. */
#define SF_TYPE_CONCERNS_DIALOG (sf_concerns_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SfConcernsDialog, sf_concerns_dialog, SF, CONCERNS_DIALOG, GtkWindow)

/* @concerns: of SfWriteConcern (sf-write-check.h); not kept. Not shown
 * yet: gtk_window_present() it. */
SfConcernsDialog *sf_concerns_dialog_new       (GtkWindow        *parent,
                                                GPtrArray        *concerns);
/* Answers as the buttons do. */
void              sf_concerns_dialog_answer    (SfConcernsDialog *self,
                                                gboolean          write);
/* The messages listed, in order, for the GUI tests; free with g_strfreev(). */
char            **sf_concerns_dialog_dup_items (SfConcernsDialog *self);

G_END_DECLS
