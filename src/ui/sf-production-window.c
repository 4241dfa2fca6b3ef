/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-production-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sf-dialogs.h"
#include "sf-production-window.h"
#include "sf-units.h"

#define PATH_KEY "sf-production-path"

struct _SfProductionWindow
{
  GtkWindow      parent_instance;

  /* Template widgets */
  GtkLabel      *firmware_label;
  GtkListBox    *port_list;
  GtkSwitch     *auto_switch;
  GtkSwitch     *force_switch;
  GtkLabel      *summary_label;
  GtkListBox    *board_list;

  /* Owned */
  SfFlashJob    *model;
  SfPortMonitor *monitor;
  GHashTable    *checked;      /* paths ticked */
  GHashTable    *present;      /* paths listed when last looked */
  GPtrArray     *rows;         /* SfBoardRow, this run's */
  GCancellable  *cancellable;  /* this run's */
  gulong         items_changed_id;
  gboolean       active;
};

G_DEFINE_FINAL_TYPE (SfProductionWindow, sf_production_window, GTK_TYPE_WINDOW)

static guint
count_rows (SfProductionWindow *self,
            SfBoardState        state)
{
  guint n = 0;

  for (guint i = 0; i < self->rows->len; i++)
    if (sf_board_row_get_state (g_ptr_array_index (self->rows, i)) == state)
      n++;
  return n;
}

static void
update_state (SfProductionWindow *self)
{
  guint running = count_rows (self, SF_BOARD_RUNNING);
  guint succeeded = count_rows (self, SF_BOARD_SUCCEEDED);
  guint failed = count_rows (self, SF_BOARD_FAILED);
  guint stopped = count_rows (self, SF_BOARD_STOPPED);
  g_autoptr(GString) text = g_string_new (NULL);

  /* Without the switch, a run is over once its last board is; with it,
   * the run waits for more boards until stopped. */
  if (self->active && running == 0 && !gtk_switch_get_active (self->auto_switch))
    {
      self->active = FALSE;
      g_clear_object (&self->cancellable);
    }

  if (self->rows->len > 0)
    {
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u board: %u succeeded, %u failed",
                                                 "%u boards: %u succeeded, %u failed",
                                                 self->rows->len),
                              self->rows->len, succeeded, failed);
      if (running > 0)
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, ", %u still running",
                                                   ", %u still running", running), running);
      if (stopped > 0)
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, ", %u stopped",
                                                   ", %u stopped", stopped), stopped);
      g_string_append (text, ".");
    }
  if (self->active && gtk_switch_get_active (self->auto_switch))
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, _("Waiting for boards to be plugged in; press Stop to end the run."));
    }
  if (text->len == 0)
    g_string_append (text, _("Tick the boards to flash, then press Start."));
  gtk_label_set_text (self->summary_label, text->str);
  gtk_widget_remove_css_class (GTK_WIDGET (self->summary_label), "error");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "production.start", !self->active);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "production.stop", self->active);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "production.save-summary",
                                 self->rows->len > 0 && running == 0);
}

static gboolean
path_running (SfProductionWindow *self,
              const char         *path)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      SfBoardRow *row = g_ptr_array_index (self->rows, i);

      if (sf_board_row_get_state (row) == SF_BOARD_RUNNING &&
          g_str_equal (sf_board_row_get_port (row), path))
        return TRUE;
    }
  return FALSE;
}

static void
board_done_cb (SfProductionWindow *self,
               SfBoardRow         *row)
{
  update_state (self);
}

/* Nobody can be asked board by board in a run: the switch answers for
 * all, and a no leaves the board as it was, its row saying why. */
static void
board_concerns_cb (SfFlashJob *job,
                   GPtrArray  *concerns,
                   gpointer    user_data)
{
  SfProductionWindow *self = user_data;

  sf_flash_job_confirm (job, gtk_switch_get_active (self->force_switch));
}

/* Each board runs its own job, in its own worker thread. */
static void
start_board (SfProductionWindow *self,
             const char         *path)
{
  g_autoptr(SfFlashJob) job = NULL;
  SfBoardRow *row;

  if (path_running (self, path))
    return;
  job = sf_flash_job_new_like (self->model, path);
  g_signal_connect_object (job, "concerns", G_CALLBACK (board_concerns_cb), self, 0);
  row = sf_board_row_new (job);
  g_ptr_array_add (self->rows, g_object_ref (row));
  gtk_list_box_append (self->board_list, GTK_WIDGET (row));
  g_signal_connect_object (row, "done", G_CALLBACK (board_done_cb), self, G_CONNECT_SWAPPED);
  sf_board_row_start (row, self->cancellable);
}

static void
check_toggled_cb (GtkCheckButton     *button,
                  SfProductionWindow *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), PATH_KEY);

  if (gtk_check_button_get_active (button))
    g_hash_table_add (self->checked, g_strdup (path));
  else
    g_hash_table_remove (self->checked, path);
}

static GtkWidget *
create_port_row (gpointer item,
                 gpointer user_data)
{
  SfProductionWindow *self = user_data;
  SfPortEntry *entry = item;
  const char *path = sf_port_entry_get_path (entry);
  const char *title = sf_port_entry_get_title (entry);
  g_autofree char *label = g_str_has_suffix (title, path)
                           ? g_strdup (title)
                           /* Translators: a port's name and its path, "Simulated ESP32 — /dev/pts/3". */
                           : g_strdup_printf (_("%s — %s"), title, path);
  GtkWidget *check = gtk_check_button_new_with_label (label);

  g_object_set_data_full (G_OBJECT (check), PATH_KEY, g_strdup (path), g_free);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_hash_table_contains (self->checked, path));
  gtk_widget_set_tooltip_text (check, _("Flash the board on this port when Start is pressed"));
  gtk_widget_set_margin_start (check, 6);
  gtk_widget_set_margin_top (check, 3);
  gtk_widget_set_margin_bottom (check, 3);
  g_signal_connect (check, "toggled", G_CALLBACK (check_toggled_cb), self);
  return check;
}

static GHashTable *
list_paths (SfProductionWindow *self)
{
  GHashTable *paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->monitor));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SfPortEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->monitor), i);

      g_hash_table_add (paths, g_strdup (sf_port_entry_get_path (entry)));
    }
  return paths;
}

/* A port that was not listed before is a board just plugged in. */
static void
ports_changed_cb (SfProductionWindow *self)
{
  g_autoptr(GHashTable) now = list_paths (self);
  GHashTableIter iter;
  const char *path;

  if (self->active && gtk_switch_get_active (self->auto_switch))
    {
      g_hash_table_iter_init (&iter, now);
      while (g_hash_table_iter_next (&iter, (gpointer *) &path, NULL))
        if (!g_hash_table_contains (self->present, path))
          start_board (self, path);
      update_state (self);
    }
  g_clear_pointer (&self->present, g_hash_table_unref);
  self->present = g_steal_pointer (&now);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (widget);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->monitor));

  if (self->active)
    return;
  if (g_hash_table_size (self->checked) == 0 && !gtk_switch_get_active (self->auto_switch))
    {
      gtk_label_set_text (self->summary_label,
                          _("No port is ticked: tick the boards to flash, or switch on "
                            "“Also flash every board plugged in”."));
      gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "error");
      return;
    }

  /* A new run: the rows of the last one go, so the summary is this run's. */
  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->board_list, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  self->cancellable = g_cancellable_new ();
  self->active = TRUE;

  /* In the order the ports are listed, which is stable, not the order
   * they were ticked in. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SfPortEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->monitor), i);
      const char *path = sf_port_entry_get_path (entry);

      if (g_hash_table_contains (self->checked, path))
        start_board (self, path);
    }
  g_clear_pointer (&self->present, g_hash_table_unref);
  self->present = list_paths (self);
  update_state (self);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (widget);

  if (!self->active)
    return;
  /* No more boards are taken; those running end as soon as their jobs
   * notice, and the run with them. */
  gtk_switch_set_active (self->auto_switch, FALSE);
  g_cancellable_cancel (self->cancellable);
  update_state (self);
}

/* One CSV field: quoted when it holds a comma, a quote or a line break,
 * quotes doubled (RFC 4180). */
static void
append_field (GString    *csv,
              const char *text,
              gboolean    last)
{
  if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (csv, '"');
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (csv, '"');
          g_string_append_c (csv, *p);
        }
      g_string_append_c (csv, '"');
    }
  else
    {
      g_string_append (csv, text);
    }
  g_string_append (csv, last ? "\r\n" : ",");
}

char *
sf_production_window_format_csv (SfProductionWindow *self)
{
  GString *csv = g_string_new ("port,chip,mac,result,seconds,bytes\r\n");

  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), NULL);

  for (guint i = 0; i < self->rows->len; i++)
    {
      SfBoardRow *row = g_ptr_array_index (self->rows, i);
      char seconds[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *result = NULL;
      g_autofree char *bytes = NULL;

      switch (sf_board_row_get_state (row))
        {
        case SF_BOARD_SUCCEEDED:
          result = g_strdup ("ok");
          break;
        case SF_BOARD_FAILED:
          result = g_strdup_printf ("failed: %s", sf_board_row_get_error (row));
          break;
        case SF_BOARD_STOPPED:
          result = g_strdup ("stopped");
          break;
        case SF_BOARD_WAITING:
        case SF_BOARD_RUNNING:
        default:
          result = g_strdup ("running");
          break;
        }
      /* A dot whatever the locale: the file is read by programs. */
      g_ascii_formatd (seconds, sizeof seconds, "%.1f", sf_board_row_get_seconds (row));
      bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, sf_board_row_get_bytes (row));

      append_field (csv, sf_board_row_get_port (row), FALSE);
      append_field (csv, sf_board_row_get_chip (row), FALSE);
      append_field (csv, sf_board_row_get_mac (row), FALSE);
      append_field (csv, result, FALSE);
      append_field (csv, seconds, FALSE);
      append_field (csv, bytes, TRUE);
    }
  return g_string_free (csv, FALSE);
}

static void
summary_file_chosen_cb (GFile    *file,
                        gpointer  user_data)
{
  g_autoptr(SfProductionWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *path = NULL;

  if (file == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  path = g_file_get_path (file);
  csv = sf_production_window_format_csv (self);
  /* Written beside and renamed over: an old summary is never left half
   * overwritten. */
  if (path == NULL ||
      !g_file_set_contents_full (path, csv, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *text = g_strdup_printf (_("Could not save the summary to %s: %s. "
                                                 "Choose another folder."),
                                               name, error != NULL ? error->message
                                                               : _("not a local file"));

      gtk_label_set_text (self->summary_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "error");
      return;
    }
  {
    g_autofree char *text = g_strdup_printf (_("Summary saved to %s."), path);

    gtk_label_set_text (self->summary_label, text);
  }
}

static void
save_summary_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (widget);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = g_date_time_format (now, "sparkflash-%Y%m%d-%H%M%S.csv");

  if (self->rows->len == 0 || count_rows (self, SF_BOARD_RUNNING) > 0)
    return;
  sf_dialogs_save_file (GTK_WINDOW (self), _("Save Summary"), name, summary_file_chosen_cb,
                        g_object_ref (self));
}

static gboolean
sf_production_window_close_request (GtkWindow *window)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (window);

  /* Closing stops the boards still running; each row winds its job down. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (sf_production_window_parent_class)->close_request (window);
}

static void
sf_production_window_dispose (GObject *object)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_signal_handler (&self->items_changed_id, self->monitor);
  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_PRODUCTION_WINDOW);
  G_OBJECT_CLASS (sf_production_window_parent_class)->dispose (object);
}

static void
sf_production_window_finalize (GObject *object)
{
  SfProductionWindow *self = SF_PRODUCTION_WINDOW (object);

  g_clear_object (&self->model);
  g_clear_object (&self->monitor);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_clear_pointer (&self->present, g_hash_table_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (sf_production_window_parent_class)->finalize (object);
}

static void
sf_production_window_class_init (SfProductionWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sf_production_window_dispose;
  object_class->finalize = sf_production_window_finalize;
  window_class->close_request = sf_production_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-production-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, firmware_label);
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, port_list);
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, auto_switch);
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, force_switch);
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SfProductionWindow, board_list);

  gtk_widget_class_install_action (widget_class, "production.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "production.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "production.save-summary", NULL,
                                   save_summary_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "production.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK,
                                       "production.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "production.save-summary", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
sf_production_window_init (SfProductionWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_swapped (self->auto_switch, "notify::active", G_CALLBACK (update_state), self);
}

SfProductionWindow *
sf_production_window_new (GtkWindow     *parent,
                          SfFlashJob    *model,
                          SfPortMonitor *monitor)
{
  SfProductionWindow *self;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  guint n;

  g_return_val_if_fail (SF_IS_FLASH_JOB (model), NULL);
  g_return_val_if_fail (SF_IS_PORT_MONITOR (monitor), NULL);

  self = g_object_new (SF_TYPE_PRODUCTION_WINDOW,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->model = g_object_ref (model);
  self->monitor = g_object_ref (monitor);

  n = sf_flash_job_get_n_regions (model);
  size = sf_format_size (sf_flash_job_get_region_bytes (model));
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Each board gets the %u firmware file (%s) from the main "
                                       "window, written and then checked against its MD5.",
                                       "Each board gets the %u firmware files (%s) from the main "
                                       "window, written and then checked against their MD5.", n),
                          n, size);
  gtk_label_set_text (self->firmware_label, text);

  gtk_list_box_bind_model (self->port_list, G_LIST_MODEL (monitor), create_port_row, self, NULL);
  self->present = list_paths (self);
  self->items_changed_id = g_signal_connect_swapped (monitor, "items-changed",
                                                     G_CALLBACK (ports_changed_cb), self);
  update_state (self);
  return self;
}

gboolean
_sf_production_window_set_checked (SfProductionWindow *self,
                                   const char         *path,
                                   gboolean            checked)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), FALSE);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->port_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *check = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child));

      if (GTK_IS_CHECK_BUTTON (check) &&
          g_strcmp0 (g_object_get_data (G_OBJECT (check), PATH_KEY), path) == 0)
        {
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), checked);
          return TRUE;
        }
    }
  return FALSE;
}

GPtrArray *
_sf_production_window_get_rows (SfProductionWindow *self)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), NULL);
  return self->rows;
}

gboolean
_sf_production_window_get_active (SfProductionWindow *self)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), FALSE);
  return self->active;
}

const char *
_sf_production_window_get_summary (SfProductionWindow *self)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

GtkWidget *
_sf_production_window_get_auto_switch (SfProductionWindow *self)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), NULL);
  return GTK_WIDGET (self->auto_switch);
}

GtkWidget *
_sf_production_window_get_force_switch (SfProductionWindow *self)
{
  g_return_val_if_fail (SF_IS_PRODUCTION_WINDOW (self), NULL);
  return GTK_WIDGET (self->force_switch);
}
