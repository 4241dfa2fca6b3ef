/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-production-window.h"
#include "sf-units.h"
#include "sf-window-private.h"

/* What the buttons, menus and shortcuts ask the window to do. Each action
 * checks its own preconditions: a shortcut can fire while the button that
 * shows the same action is insensitive. */

static void
flash_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SfFlashJob) job = NULL;

  if (self->job != NULL)
    return;
  if (!(job = _sf_window_create_write_job (self, changed, TRUE)))
    return;

  self->job_regions = sf_flash_job_get_n_regions (job);
  _sf_window_start_job (self, job);
  /* Flashing what is on disk now is what a rebuild is for; the person
   * still learns that it is not what they saw when they added it. */
  for (guint i = 0; i < changed->len; i++)
    {
      g_autofree char *line = g_strdup_printf (_("%s changed on disk since it was added or "
                                                 "last flashed; flashing the new contents."),
                                               (const char *) g_ptr_array_index (changed, i));

      _sf_window_append_log (self, line);
    }
}

/* The same files and settings as win.flash, on as many boards as wanted,
 * in a window of their own. */
static void
production_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autoptr(SfFlashJob) model = NULL;
  SfProductionWindow *production;

  /* No backups: a run flashes boards by the dozen, most of them new. */
  if (!(model = _sf_window_create_write_job (self, NULL, FALSE)))
    return;
  /* Any board may be among those flashed: the monitor lets go of its. */
  g_object_set (self, "show-monitor", FALSE, NULL);
  production = sf_production_window_new (GTK_WINDOW (self), model, self->monitor);
  gtk_window_present (GTK_WINDOW (production));
}

static gboolean
parse_entry (GtkEntry    *entry,
             const char  *what,
             gboolean     allow_empty,
             guint32     *out_value,
             GError     **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  if (allow_empty && *text == '\0')
    {
      *out_value = 0;
      return TRUE;
    }
  if (sf_parse_number (text, what, out_value, error))
    return TRUE;
  gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  gtk_widget_grab_focus (GTK_WIDGET (entry));
  return FALSE;
}

static void
set_popover_message (GtkLabel   *label,
                     const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static void
start_read (SfWindow   *self,
            const char *path)
{
  g_autoptr(SfFlashJob) job = NULL;
  guint32 address = 0, size = 0;

  if (self->job != NULL || sf_port_chooser_get_path (self->port_chooser) == NULL ||
      !parse_entry (self->read_address_entry, _("start"), TRUE, &address, NULL) ||
      !parse_entry (self->read_size_entry, _("size"), TRUE, &size, NULL))
    return;

  g_free (self->read_target);
  self->read_target = g_strdup (path);
  job = _sf_window_create_job (self, SF_JOB_READ);
  sf_flash_job_set_span (job, address, size);
  sf_flash_job_set_output_path (job, path);
  _sf_window_start_job (self, job);
}

static void
read_file_chosen_cb (GFile    *file,
                     gpointer  user_data)
{
  g_autoptr(SfWindow) self = user_data;
  g_autofree char *path = NULL;

  if (file == NULL || self->disposed)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("Choose a Local File"),
                              _("The flash contents can only be saved to a file on this computer."),
                              SF_BANNER_ACTION_NONE);
      return;
    }
  start_read (self, path);
}

static void
read_flash_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  guint32 address, size;

  if (!parse_entry (self->read_address_entry, _("start"), TRUE, &address, &error) ||
      !parse_entry (self->read_size_entry, _("size"), TRUE, &size, &error))
    {
      set_popover_message (self->read_message, error->message);
      gtk_menu_button_popup (self->read_button);
      return;
    }
  set_popover_message (self->read_message, NULL);
  g_settings_set_string (self->settings, "read-address",
                         gtk_editable_get_text (GTK_EDITABLE (self->read_address_entry)));
  g_settings_set_string (self->settings, "read-size",
                         gtk_editable_get_text (GTK_EDITABLE (self->read_size_entry)));
  gtk_popover_popdown (self->read_popover);

  if (self->have_details)
    name = g_strdup_printf ("%s-flash-0x%x.bin", sf_chip_get_id_name (self->details.chip), address);
  else
    name = g_strdup_printf ("flash-0x%x.bin", address);
  sf_dialogs_save_file (GTK_WINDOW (self), _("Save Flash Contents"), name,
                        read_file_chosen_cb, g_object_ref (self));
}

static void
erase_region_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(SfFlashJob) job = NULL;
  guint32 address, size;

  if (!parse_entry (self->erase_address_entry, _("start"), FALSE, &address, &error) ||
      !parse_entry (self->erase_size_entry, _("size"), FALSE, &size, &error))
    {
      set_popover_message (self->erase_message, error->message);
      gtk_menu_button_popup (self->erase_button);
      return;
    }
  if (!sf_flasher_check_span (address, size, self->have_details ? self->details.flash_size : 0,
                              TRUE, &error))
    {
      set_popover_message (self->erase_message, error->message);
      gtk_menu_button_popup (self->erase_button);
      return;
    }

  set_popover_message (self->erase_message, NULL);
  g_settings_set_string (self->settings, "erase-address",
                         gtk_editable_get_text (GTK_EDITABLE (self->erase_address_entry)));
  g_settings_set_string (self->settings, "erase-size",
                         gtk_editable_get_text (GTK_EDITABLE (self->erase_size_entry)));
  gtk_popover_popdown (self->erase_popover);

  job = _sf_window_create_job (self, SF_JOB_ERASE_REGION);
  sf_flash_job_set_span (job, address, size);
  _sf_window_start_job (self, job);
}

/* A job that needs nothing but the connection options. */
static void
start_plain_job (SfWindow  *self,
                 SfJobKind  kind)
{
  g_autoptr(SfFlashJob) job = _sf_window_create_job (self, kind);

  _sf_window_start_job (self, job);
}

static void
erase_flash_confirmed_cb (gboolean confirmed,
                          gpointer user_data)
{
  g_autoptr(SfWindow) self = user_data;

  if (!confirmed || self->disposed || self->job != NULL ||
      sf_port_chooser_get_path (self->port_chooser) == NULL)
    return;
  start_plain_job (self, SF_JOB_ERASE_FLASH);
}

static void
erase_flash_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autofree char *body = NULL;
  g_autofree char *size = NULL;

  if (self->have_details && self->details.flash_size > 0)
    size = sf_format_size (self->details.flash_size);
  body = size != NULL
    ? g_strdup_printf (_("All %s of the board’s flash will be set blank: the firmware, its "
                         "settings, saved Wi-Fi passwords and any files it stored. The board "
                         "will not start until new firmware is flashed. This cannot be undone."),
                       size)
    : g_strdup (_("All of the board’s flash will be set blank: the firmware, its settings, "
                  "saved Wi-Fi passwords and any files it stored. The board will not start "
                  "until new firmware is flashed. This cannot be undone."));
  sf_dialogs_confirm (GTK_WINDOW (self), _("Erase the Whole Flash?"), body, _("_Erase"),
                      TRUE, erase_flash_confirmed_cb, g_object_ref (self));
}

static void
chip_info_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);

  if (self->job == NULL)
    start_plain_job (self, SF_JOB_CHIP_INFO);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  _sf_window_set_pulsing (self, TRUE);
  gtk_label_set_text (self->phase_label, _("Cancelling…"));
  gtk_label_set_text (self->percent_label, "");
  gtk_label_set_text (self->progress_detail,
                      _("Leaving the board ready for the next operation"));
  _sf_window_update_actions (self);
}

static void
files_chosen_cb (GListModel *files,
                 gpointer    user_data)
{
  g_autoptr(SfWindow) self = user_data;

  if (files == NULL || self->disposed)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      _sf_window_add_row (self, file, NULL, TRUE);
    }
}

static void
add_file_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  sf_dialogs_open_files (GTK_WINDOW (widget), _("Add Firmware"), TRUE, files_chosen_cb,
                         g_object_ref (widget));
}

static void
backup_chosen_cb (GFile    *file,
                  gpointer  user_data)
{
  g_autoptr(SfWindow) self = user_data;

  if (file == NULL || self->disposed)
    return;
  _sf_window_restore_backup (self, file);
}

static void
restore_backup_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autofree char *path = sf_options_popover_dup_backup_folder (self->settings);
  g_autoptr(GFile) folder = g_file_new_for_path (path);

  if (self->job != NULL)
    return;
  sf_dialogs_open_backup (GTK_WINDOW (self), _("Restore a Backup"),
                          g_file_query_exists (folder, NULL) ? folder : NULL,
                          backup_chosen_cb, g_object_ref (self));
}

static void
use_other_port_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sf_port_chooser_use_typed_port (SF_WINDOW (widget)->port_chooser);
}

static void
copy_log_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
clear_log_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view), "", 0);
}

static void
dismiss_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  _sf_window_hide_banner (SF_WINDOW (widget));
}

static void
choose_port_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  sf_port_chooser_popup (SF_WINDOW (widget)->port_chooser);
}

/* A shortcut for a disabled button would open its popover anyway. */
static void
popup_if_sensitive (GtkMenuButton *button)
{
  if (gtk_widget_is_sensitive (GTK_WIDGET (button)))
    gtk_menu_button_popup (button);
}

static void
show_read_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  popup_if_sensitive (SF_WINDOW (widget)->read_button);
}

static void
show_erase_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  popup_if_sensitive (SF_WINDOW (widget)->erase_button);
}

static void
show_options_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  popup_if_sensitive (SF_WINDOW (widget)->options_button);
}

static void
monitor_run_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  _sf_window_toggle_monitor (SF_WINDOW (widget));
}

void
_sf_window_class_actions_init (SfWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.flash", NULL, flash_action);
  gtk_widget_class_install_action (widget_class, "win.production", NULL, production_action);
  gtk_widget_class_install_action (widget_class, "win.read-flash", NULL, read_flash_action);
  gtk_widget_class_install_action (widget_class, "win.erase-region", NULL, erase_region_action);
  gtk_widget_class_install_action (widget_class, "win.erase-flash", NULL, erase_flash_action);
  gtk_widget_class_install_action (widget_class, "win.chip-info", NULL, chip_info_action);
  gtk_widget_class_install_action (widget_class, "win.restore-backup", NULL, restore_backup_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.add-file", NULL, add_file_action);
  gtk_widget_class_install_action (widget_class, "win.use-other-port", NULL, use_other_port_action);
  gtk_widget_class_install_action (widget_class, "win.copy-log", NULL, copy_log_action);
  gtk_widget_class_install_action (widget_class, "win.clear-log", NULL, clear_log_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss", NULL, dismiss_action);
  gtk_widget_class_install_action (widget_class, "win.choose-port", NULL, choose_port_action);
  gtk_widget_class_install_action (widget_class, "win.show-read", NULL, show_read_action);
  gtk_widget_class_install_action (widget_class, "win.show-erase", NULL, show_erase_action);
  gtk_widget_class_install_action (widget_class, "win.show-options", NULL, show_options_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-log", "show-log");
  gtk_widget_class_install_property_action (widget_class, "win.show-monitor", "show-monitor");
  gtk_widget_class_install_action (widget_class, "win.monitor-run", NULL, monitor_run_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.flash", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.flash", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.add-file", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.show-read", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.show-erase", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.chip-info", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.choose-port", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.show-log", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.show-monitor", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.show-options", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}
