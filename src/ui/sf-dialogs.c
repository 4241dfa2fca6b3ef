/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-dialogs"

/* This is the one file that may call API newer than GTK 4.8, always behind
 * GTK_CHECK_VERSION: let the headers declare it without warnings. */
#undef GDK_VERSION_MAX_ALLOWED

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"

typedef struct
{
  GCallback func;
  gpointer  user_data;
  GCallback finish;      /* GtkFileDialog's call that ends the question */
} Closure;

static Closure *
closure_new (GCallback func,
             gpointer  user_data)
{
  Closure *closure = g_new0 (Closure, 1);

  closure->func = func;
  closure->user_data = user_data;
  return closure;
}

/* Answers given in advance, per parent window: the GUI tests drive the
 * real actions and callbacks, only without a dialog waiting for a person. */
#define SAVE_ANSWER    "sf-dialogs-save-answer"
#define CONFIRM_ANSWER "sf-dialogs-confirm-answer"

void
_sf_dialogs_answer_save (GtkWindow  *parent,
                         const char *path)
{
  g_object_set_data_full (G_OBJECT (parent), SAVE_ANSWER, g_strdup (path), g_free);
}

void
_sf_dialogs_answer_confirm (GtkWindow *parent,
                            gboolean   confirm)
{
  g_object_set_data (G_OBJECT (parent), CONFIRM_ANSWER, GINT_TO_POINTER (confirm));
}

static gboolean
answer_save (GtkWindow         *parent,
             SfDialogsFileFunc  func,
             gpointer           user_data)
{
  const char *path = g_object_get_data (G_OBJECT (parent), SAVE_ANSWER);
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return FALSE;
  file = g_file_new_for_path (path);
  func (file, user_data);
  return TRUE;
}

static gboolean
answer_confirm (GtkWindow            *parent,
                SfDialogsConfirmFunc  func,
                gpointer              user_data)
{
  if (!GPOINTER_TO_INT (g_object_get_data (G_OBJECT (parent), CONFIRM_ANSWER)))
    return FALSE;
  func (TRUE, user_data);
  return TRUE;
}

static GListModel *
firmware_filters (void)
{
  GListStore *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) firmware = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (firmware, _("Firmware Images"));
  gtk_file_filter_add_pattern (firmware, "*.bin");
  gtk_file_filter_add_pattern (firmware, "*.img");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  g_list_store_append (filters, firmware);
  g_list_store_append (filters, all);
  return G_LIST_MODEL (filters);
}

/* What a partition table comes in: ESP-IDF's CSV, the binary the build
 * writes, or a merged image. */
static GListModel *
table_filters (void)
{
  GListStore *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) tables = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (tables, _("Partition Tables and Images"));
  gtk_file_filter_add_pattern (tables, "*.csv");
  gtk_file_filter_add_pattern (tables, "*.bin");
  gtk_file_filter_add_pattern (tables, "*.img");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  g_list_store_append (filters, tables);
  g_list_store_append (filters, all);
  return G_LIST_MODEL (filters);
}

static GListModel *
backup_filters (void)
{
  GListStore *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) backups = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (backups, _("Sparkflash Backups"));
  gtk_file_filter_add_pattern (backups, "sparkflash-backup-*.bin");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  g_list_store_append (filters, backups);
  g_list_store_append (filters, all);
  return G_LIST_MODEL (filters);
}

static void
show_folder_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GError) error = NULL;

#if GTK_CHECK_VERSION (4, 10, 0)
  if (!gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (object), result, &error))
#else
  if (!g_app_info_launch_default_for_uri_finish (result, &error))
#endif
    g_warning ("Could not show the backup folder: %s", error->message);
}

void
sf_dialogs_show_folder (GtkWindow *parent,
                        GFile     *folder)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (folder);

  gtk_file_launcher_launch (launcher, parent, NULL, show_folder_done_cb, NULL);
#else
  g_autofree char *uri = g_file_get_uri (folder);
  g_autoptr(GdkAppLaunchContext) context = NULL;

  if (parent != NULL)
    context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (parent)));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           show_folder_done_cb, NULL);
#endif
}

#if GTK_CHECK_VERSION (4, 10, 0)

static void
open_files_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autofree Closure *closure = data;
  g_autoptr(GListModel) files = NULL;

  files = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (object), result, NULL);
  ((SfDialogsFilesFunc) closure->func) (files, closure->user_data);
}

static void
open_file_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autofree Closure *closure = data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GListStore) files = NULL;

  file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (object), result, NULL);
  if (file != NULL)
    {
      files = g_list_store_new (G_TYPE_FILE);
      g_list_store_append (files, file);
    }
  ((SfDialogsFilesFunc) closure->func) (G_LIST_MODEL (files), closure->user_data);
}

static void
open_files (GtkWindow          *parent,
            const char         *title,
            gboolean            multiple,
            GListModel         *filters,
            SfDialogsFilesFunc  func,
            gpointer            user_data)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_filters (dialog, filters);
  if (multiple)
    gtk_file_dialog_open_multiple (dialog, parent, NULL, open_files_done_cb,
                                   closure_new (G_CALLBACK (func), user_data));
  else
    gtk_file_dialog_open (dialog, parent, NULL, open_file_done_cb,
                          closure_new (G_CALLBACK (func), user_data));
}

/* The one-file answers differ only in the call that finishes them. */
typedef GFile *(*FileFinishFunc) (GtkFileDialog  *dialog,
                                  GAsyncResult   *result,
                                  GError        **error);

static void
file_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autofree Closure *closure = data;
  g_autoptr(GFile) file = NULL;

  file = ((FileFinishFunc) closure->finish) (GTK_FILE_DIALOG (object), result, NULL);
  ((SfDialogsFileFunc) closure->func) (file, closure->user_data);
}

static Closure *
file_closure_new (FileFinishFunc  finish,
                  GCallback       func,
                  gpointer        user_data)
{
  Closure *closure = closure_new (func, user_data);

  closure->finish = (GCallback) finish;
  return closure;
}

void
sf_dialogs_save_file (GtkWindow         *parent,
                      const char        *title,
                      const char        *initial_name,
                      SfDialogsFileFunc  func,
                      gpointer           user_data)
{
  g_autoptr(GtkFileDialog) dialog = NULL;

  if (answer_save (parent, func, user_data))
    return;
  dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_initial_name (dialog, initial_name);
  gtk_file_dialog_save (dialog, parent, NULL, file_done_cb,
                        file_closure_new (gtk_file_dialog_save_finish,
                                          G_CALLBACK (func), user_data));
}

void
sf_dialogs_choose_folder (GtkWindow         *parent,
                          const char        *title,
                          GFile             *initial,
                          SfDialogsFileFunc  func,
                          gpointer           user_data)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_initial_folder (dialog, initial);
  gtk_file_dialog_select_folder (dialog, parent, NULL, file_done_cb,
                                 file_closure_new (gtk_file_dialog_select_folder_finish,
                                                   G_CALLBACK (func), user_data));
}

void
sf_dialogs_open_backup (GtkWindow         *parent,
                        const char        *title,
                        GFile             *folder,
                        SfDialogsFileFunc  func,
                        gpointer           user_data)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr(GListModel) filters = backup_filters ();

  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_filters (dialog, filters);
  gtk_file_dialog_set_initial_folder (dialog, folder);
  gtk_file_dialog_open (dialog, parent, NULL, file_done_cb,
                        file_closure_new (gtk_file_dialog_open_finish,
                                          G_CALLBACK (func), user_data));
}

static void
confirm_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autofree Closure *closure = data;
  int button;

  button = gtk_alert_dialog_choose_finish (GTK_ALERT_DIALOG (object), result, NULL);
  ((SfDialogsConfirmFunc) closure->func) (button == 1, closure->user_data);
}

void
sf_dialogs_confirm (GtkWindow            *parent,
                    const char           *heading,
                    const char           *body,
                    const char           *accept_label,
                    gboolean              destructive,
                    SfDialogsConfirmFunc  func,
                    gpointer              user_data)
{
  g_autoptr(GtkAlertDialog) dialog = NULL;
  const char *buttons[] = { _("_Cancel"), accept_label, NULL };

  if (answer_confirm (parent, func, user_data))
    return;
  dialog = gtk_alert_dialog_new ("%s", heading);
  gtk_alert_dialog_set_detail (dialog, body);
  gtk_alert_dialog_set_buttons (dialog, buttons);
  gtk_alert_dialog_set_cancel_button (dialog, 0);
  gtk_alert_dialog_set_default_button (dialog, 0);
  gtk_alert_dialog_set_modal (dialog, TRUE);
  gtk_alert_dialog_choose (dialog, parent, NULL, confirm_done_cb,
                           closure_new (G_CALLBACK (func), user_data));
}

#else /* GTK 4.8 */

static void
open_files_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        gpointer         data)
{
  g_autofree Closure *closure = data;
  g_autoptr(GListModel) files = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
  ((SfDialogsFilesFunc) closure->func) (files, closure->user_data);
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_files (GtkWindow          *parent,
            const char         *title,
            gboolean            multiple,
            GListModel         *filters,
            SfDialogsFilesFunc  func,
            gpointer            user_data)
{
  GtkFileChooserNative *dialog;

  /* GtkFileChooserNative goes through the file chooser portal in a sandbox. */
  dialog = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_OPEN,
                                        multiple ? _("_Add") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), multiple);
  for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);

      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (open_files_response_cb),
                    closure_new (G_CALLBACK (func), user_data));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Any one-file chooser's answer. */
static void
save_file_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         data)
{
  g_autofree Closure *closure = data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  ((SfDialogsFileFunc) closure->func) (file, closure->user_data);
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
sf_dialogs_save_file (GtkWindow         *parent,
                      const char        *title,
                      const char        *initial_name,
                      SfDialogsFileFunc  func,
                      gpointer           user_data)
{
  GtkFileChooserNative *dialog;

  if (answer_save (parent, func, user_data))
    return;
  dialog = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), initial_name);
  g_signal_connect (dialog, "response", G_CALLBACK (save_file_response_cb),
                    closure_new (G_CALLBACK (func), user_data));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
sf_dialogs_choose_folder (GtkWindow         *parent,
                          const char        *title,
                          GFile             *initial,
                          SfDialogsFileFunc  func,
                          gpointer           user_data)
{
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (initial != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), initial, NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (save_file_response_cb),
                    closure_new (G_CALLBACK (func), user_data));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
sf_dialogs_open_backup (GtkWindow         *parent,
                        const char        *title,
                        GFile             *folder,
                        SfDialogsFileFunc  func,
                        gpointer           user_data)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GListModel) filters = backup_filters ();

  dialog = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Restore"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);

      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  if (folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (save_file_response_cb),
                    closure_new (G_CALLBACK (func), user_data));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
confirm_response_cb (GtkDialog *dialog,
                     int        response,
                     gpointer   data)
{
  g_autofree Closure *closure = data;

  ((SfDialogsConfirmFunc) closure->func) (response == GTK_RESPONSE_ACCEPT, closure->user_data);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

void
sf_dialogs_confirm (GtkWindow            *parent,
                    const char           *heading,
                    const char           *body,
                    const char           *accept_label,
                    gboolean              destructive,
                    SfDialogsConfirmFunc  func,
                    gpointer              user_data)
{
  GtkWidget *dialog;
  GtkWidget *accept;

  if (answer_confirm (parent, func, user_data))
    return;
  dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", heading);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", body);
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  accept = gtk_dialog_add_button (GTK_DIALOG (dialog), accept_label, GTK_RESPONSE_ACCEPT);
  if (destructive)
    gtk_widget_add_css_class (accept, "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb),
                    closure_new (G_CALLBACK (func), user_data));
  gtk_window_present (GTK_WINDOW (dialog));
}

#endif

void
sf_dialogs_open_files (GtkWindow          *parent,
                       const char         *title,
                       gboolean            multiple,
                       SfDialogsFilesFunc  func,
                       gpointer            user_data)
{
  g_autoptr(GListModel) filters = firmware_filters ();

  open_files (parent, title, multiple, filters, func, user_data);
}

void
sf_dialogs_open_table (GtkWindow          *parent,
                       const char         *title,
                       SfDialogsFilesFunc  func,
                       gpointer            user_data)
{
  g_autoptr(GListModel) filters = table_filters ();

  open_files (parent, title, FALSE, filters, func, user_data);
}
