/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The few dialogs whose API changed in GTK 4.10. Each callback runs exactly
 * once, on the main thread: with the choice, or NULL / FALSE when the
 * person cancelled. */

/* @files: a GListModel of GFile, or NULL. */
typedef void (*SfDialogsFilesFunc)   (GListModel *files,
                                      gpointer    user_data);
/* @file: a GFile, or NULL. */
typedef void (*SfDialogsFileFunc)    (GFile      *file,
                                      gpointer    user_data);
typedef void (*SfDialogsConfirmFunc) (gboolean    confirmed,
                                      gpointer    user_data);

void sf_dialogs_open_files  (GtkWindow          *parent,
                             const char         *title,
                             gboolean            multiple,
                             SfDialogsFilesFunc  func,
                             gpointer            user_data);
/* One file, offered among partition tables (CSV or binary) and images. */
void sf_dialogs_open_table  (GtkWindow          *parent,
                             const char         *title,
                             SfDialogsFilesFunc  func,
                             gpointer            user_data);
void sf_dialogs_save_file   (GtkWindow         *parent,
                             const char        *title,
                             const char        *initial_name,
                             SfDialogsFileFunc  func,
                             gpointer           user_data);
/* A question with Cancel and @accept_label; @destructive styles the accept
 * button where the toolkit allows it. */
void sf_dialogs_confirm     (GtkWindow            *parent,
                             const char           *heading,
                             const char           *body,
                             const char           *accept_label,
                             gboolean              destructive,
                             SfDialogsConfirmFunc  func,
                             gpointer              user_data);

/* A folder, starting in @initial (may be NULL). */
void sf_dialogs_choose_folder (GtkWindow         *parent,
                               const char        *title,
                               GFile             *initial,
                               SfDialogsFileFunc  func,
                               gpointer           user_data);
/* One of Sparkflash's backups (sparkflash-backup-*.bin), starting in
 * @folder (may be NULL). */
void sf_dialogs_open_backup   (GtkWindow         *parent,
                               const char        *title,
                               GFile             *folder,
                               SfDialogsFileFunc  func,
                               gpointer           user_data);
/* Shows @folder in the file manager; nothing to wait for. */
void sf_dialogs_show_folder   (GtkWindow         *parent,
                               GFile             *folder);

/* For the GUI tests: the next save dialogs over @parent answer @path at
 * once (NULL: ask again); with @confirm TRUE, its questions are accepted
 * at once. */
void _sf_dialogs_answer_save    (GtkWindow  *parent,
                                 const char *path);
void _sf_dialogs_answer_confirm (GtkWindow *parent,
                                 gboolean   confirm);

G_END_DECLS
