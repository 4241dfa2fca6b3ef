/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-firmware-row.h"
#include "sf-flash-job.h"
#include "sf-options-popover.h"
#include "sf-partition-table.h"
#include "sf-port-chooser.h"
#include "sf-port-monitor.h"
#include "sf-protocol-error.h"
#include "sf-window.h"
#include "sf-window-private.h"

G_DEFINE_FINAL_TYPE (SfWindow, sf_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SHOW_LOG,
  PROP_SHOW_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- banners --------------------------------------------------------------- */

void
_sf_window_show_banner (SfWindow       *self,
                        SfBannerKind    kind,
                        const char     *title,
                        const char     *body,
                        SfBannerAction  action)
{
  static const char *classes[] = { "banner-info", "banner-success", "banner-warning", "banner-error" };
  static const char *icons[] = {
    "dialog-information-symbolic", "emblem-ok-symbolic",
    "dialog-warning-symbolic", "dialog-error-symbolic",
  };
  g_autofree char *markup = g_markup_escape_text (body != NULL ? body : "", -1);

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->status_box, classes[i]);
  gtk_widget_add_css_class (self->status_box, classes[kind]);
  gtk_image_set_from_icon_name (self->status_icon, icons[kind]);
  gtk_label_set_text (self->status_title, title);
  gtk_label_set_markup (self->status_body, markup);
  gtk_widget_set_visible (GTK_WIDGET (self->status_body), body != NULL && *body != '\0');

  self->banner_action = action;
  switch (action)
    {
    case SF_BANNER_ACTION_COPY_DIALOUT:
      gtk_button_set_label (self->status_action, _("_Copy Command"));
      break;
    case SF_BANNER_ACTION_RETRY:
      gtk_button_set_label (self->status_action, _("_Try Again"));
      break;
    case SF_BANNER_ACTION_SHOW_LOG:
      gtk_button_set_label (self->status_action, _("Show _Log"));
      break;
    case SF_BANNER_ACTION_SHOW_BACKUP:
      gtk_button_set_label (self->status_action, _("Open Backup _Folder"));
      break;
    case SF_BANNER_ACTION_NONE:
    default:
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->status_action), action != SF_BANNER_ACTION_NONE);
  gtk_revealer_set_reveal_child (self->status_revealer, TRUE);

  /* Screen readers hear what happened without hunting for it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, body != NULL ? body : "",
                                  -1);
}

void
_sf_window_hide_banner (SfWindow *self)
{
  gtk_revealer_set_reveal_child (self->status_revealer, FALSE);
  self->banner_action = SF_BANNER_ACTION_NONE;
}

static void
show_port_warning (SfWindow   *self,
                   const char *title,
                   const char *body)
{
  gtk_label_set_text (self->port_title, title);
  gtk_label_set_text (self->port_body, body);
  gtk_revealer_set_reveal_child (self->port_revealer, TRUE);
}

static void
update_port_warning (SfWindow *self)
{
  const char *hint = self->monitor != NULL ? sf_port_monitor_get_brltty_hint (self->monitor) : NULL;
  const char *missing = sf_port_chooser_get_missing_path (self->port_chooser);

  if (missing != NULL)
    {
      g_autofree char *body = g_strdup_printf (_("The board on %s is gone. Plug it back in and it "
                                                 "will be chosen again, or choose another port."),
                                               missing);

      show_port_warning (self, _("Board Unplugged"), body);
    }
  else if (hint != NULL)
    show_port_warning (self, _("The Board’s Adapter Is Taken"), hint);
  else
    gtk_revealer_set_reveal_child (self->port_revealer, FALSE);
}

typedef struct
{
  int         code;
  const char *title;
  const char *hint;
} ErrorText;

/* A bold title per code. The protocol's messages already say what happened
 * and what to do; the hints only add what the window knows. */
static const ErrorText error_texts[] = {
  { SF_PROTOCOL_ERROR_PERMISSION_DENIED, N_("No Permission to Use the Port"),
    N_("The group change takes effect only after logging out and back in.") },
  { SF_PROTOCOL_ERROR_NO_ANSWER, N_("The Board Does Not Answer"),
    N_("The baud rate is under Options, the gear button at the top.") },
  { SF_PROTOCOL_ERROR_TIMEOUT, N_("The Board Stopped Answering"),
    N_("Check the cable and try again; a lower baud rate under Options often helps.") },
  { SF_PROTOCOL_ERROR_BAD_RESPONSE, N_("Garbled Answer From the Board"),
    N_("Try a lower baud rate under Options, or another USB cable.") },
  { SF_PROTOCOL_ERROR_DEVICE_STATUS, N_("The Board Reported a Failure"), NULL },
  { SF_PROTOCOL_ERROR_PORT_NOT_FOUND, N_("Port Not Found"), NULL },
  { SF_PROTOCOL_ERROR_PORT_BUSY, N_("The Port Is in Use"),
    N_("Serial monitors, the Arduino IDE and ModemManager are the usual ones.") },
  { SF_PROTOCOL_ERROR_UNPLUGGED, N_("The Board Was Unplugged"),
    N_("If it happened while writing, the board may not start until it is flashed again.") },
  { SF_PROTOCOL_ERROR_UNSUPPORTED, N_("Not Supported by This Board"), NULL },
  { SF_PROTOCOL_ERROR_WRONG_CHIP, N_("Firmware for Another Chip"), NULL },
  { SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE, N_("The Firmware Does Not Fit"), NULL },
  { SF_PROTOCOL_ERROR_REGION_OVERLAP, N_("Files Overlap"), NULL },
  { SF_PROTOCOL_ERROR_VERIFY_FAILED, N_("Verification Failed"),
    N_("The board may not start until the firmware is written without errors.") },
  { SF_PROTOCOL_ERROR_INVALID_ARGUMENT, N_("Check the Settings"), NULL },
  { SF_PROTOCOL_ERROR_IO, N_("A File Could Not Be Used"), NULL },
  { SF_PROTOCOL_ERROR_WRITE_PROTECTED, N_("The File Is Write-Protected"), NULL },
  { SF_PROTOCOL_ERROR_NOT_CONFIRMED, N_("Nothing Was Written"),
    N_("The board holds what it held before. Change the files or their addresses, or flash "
       "again and choose Write Anyway.") },
};

void
_sf_window_show_error (SfWindow     *self,
            const GError *error)
{
  const char *title = _("The Operation Failed");
  const char *hint = NULL;
  SfBannerAction action = SF_BANNER_ACTION_SHOW_LOG;
  SfBannerKind kind = SF_BANNER_ERROR;
  g_autofree char *body = NULL;

  if (error->domain == SF_PROTOCOL_ERROR)
    for (guint i = 0; i < G_N_ELEMENTS (error_texts); i++)
      if (error_texts[i].code == error->code)
        {
          title = _(error_texts[i].title);
          hint = error_texts[i].hint != NULL ? _(error_texts[i].hint) : NULL;
          break;
        }
  /* Read for the Partitions window, Erase Wi-Fi Settings, or a partition
   * by name. */
  if (error->domain == SF_PARTITION_TABLE_ERROR)
    {
      title = error->code == SF_PARTITION_TABLE_ERROR_NOT_FOUND ? _("No Partition Table")
                                                                : _("Unreadable Partition Table");
      hint = _("An ESP-IDF build has it in partition-table.bin, written at 0x8000; ESP8266 "
               "firmware usually has none.");
    }

  if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED))
    action = SF_BANNER_ACTION_COPY_DIALOUT;
  else if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNRELIABLE_LINK) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_VERIFY_FAILED))
    action = SF_BANNER_ACTION_RETRY;
  /* A write someone said no to did no harm: no error, nothing to retry. */
  else if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NOT_CONFIRMED))
    {
      kind = SF_BANNER_INFO;
      action = SF_BANNER_ACTION_NONE;
    }

  body = hint != NULL ? g_strdup_printf ("%s\n%s", error->message, hint) : g_strdup (error->message);
  _sf_window_show_banner (self, kind, title, body, action);
}

static void
status_action_clicked_cb (SfWindow *self)
{
  switch (self->banner_action)
    {
    case SF_BANNER_ACTION_COPY_DIALOUT:
      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                              "sudo usermod -aG dialout $USER");
      break;
    case SF_BANNER_ACTION_RETRY:
      {
        static const char *actions[] = {
          [SF_JOB_CHIP_INFO] = "win.chip-info",
          [SF_JOB_WRITE] = "win.flash",
          [SF_JOB_VERIFY] = "win.flash",
          [SF_JOB_READ] = "win.read-flash",
          [SF_JOB_ERASE_REGION] = "win.erase-region",
          [SF_JOB_ERASE_FLASH] = "win.erase-flash",
          [SF_JOB_PARTITION_TABLE] = "win.partitions",
          [SF_JOB_ERASE_WIFI] = "win.erase-wifi",
        };

        _sf_window_hide_banner (self);
        /* A restore is tried again as one, not as a flash of the list. */
        if (self->last_kind == SF_JOB_WRITE && self->last_restore != NULL)
          {
            g_autoptr(GFile) file = g_object_ref (self->last_restore);

            _sf_window_restore_backup (self, file);
          }
        else if ((guint) self->last_kind < G_N_ELEMENTS (actions) && actions[self->last_kind] != NULL)
          gtk_widget_activate_action (GTK_WIDGET (self), actions[self->last_kind], NULL);
      }
      break;
    case SF_BANNER_ACTION_SHOW_LOG:
      g_object_set (self, "show-log", TRUE, NULL);
      break;
    case SF_BANNER_ACTION_SHOW_BACKUP:
      _sf_window_show_backup_folder (self);
      break;
    case SF_BANNER_ACTION_NONE:
    default:
      break;
    }
}

/* --- ports ----------------------------------------------------------------- */

void
_sf_window_clear_details (SfWindow *self)
{
  sf_chip_details_clear (&self->details);
  self->have_details = FALSE;
  g_clear_pointer (&self->board_table, sf_partition_table_unref);
  self->board_boot = -1;
  gtk_widget_set_visible (self->chip_row, FALSE);
}

static void
brltty_hint_changed_cb (SfWindow *self)
{
  update_port_warning (self);
}

static void
port_switched_cb (SfWindow *self)
{
  _sf_window_clear_details (self);
  _sf_window_validate_rows (self);
}

static void
port_changed_cb (SfWindow *self)
{
  if (sf_port_chooser_get_missing_path (self->port_chooser) != NULL && self->have_details)
    _sf_window_clear_details (self);
  update_port_warning (self);
  _sf_window_update_actions (self);
}

/* --- jobs ------------------------------------------------------------------ */

void
_sf_window_update_actions (SfWindow *self)
{
  gboolean busy = self->job != NULL;
  gboolean have_port;
  gboolean have_files = FALSE;
  g_autoptr(GPtrArray) rows = NULL;

  /* The monitor pane stops as the window takes it down. */
  if (self->disposed || self->port_chooser == NULL)
    return;

  have_port = sf_port_chooser_get_path (self->port_chooser) != NULL;

  rows = _sf_window_collect_rows (self);
  for (guint i = 0; i < rows->len; i++)
    if (sf_firmware_row_get_enabled (g_ptr_array_index (rows, i)))
      have_files = TRUE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.flash", !busy && have_port && have_files);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.production", !busy && have_files);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.read-flash", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-region", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-flash", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.chip-info", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-backup", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-file", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.use-other-port", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.monitor-run", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel",
                                 busy && !g_cancellable_is_cancelled (self->cancellable));

  /* What the running job was set up from must not change under it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_chooser), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->firmware_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->options_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->read_button), !busy && have_port);
  gtk_widget_set_sensitive (GTK_WIDGET (self->erase_button), !busy && have_port);
  _sf_window_partitions_sync (self);
}

/* --- options --------------------------------------------------------------- */

static void
settings_changed_cb (SfWindow   *self,
                     const char *key)
{
  if (g_str_equal (key, "chip") || g_str_has_prefix (key, "flash-") ||
      g_str_equal (key, "partition-table-offset"))
    _sf_window_validate_rows (self);
}

/* --- the window ------------------------------------------------------------ */

static gboolean
sf_window_close_request (GtkWindow *window)
{
  SfWindow *self = SF_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  _sf_window_flush_rows (self);

  if (self->job != NULL)
    {
      /* Let the job leave the board in a usable state before the window
       * (and perhaps the application) goes. */
      g_cancellable_cancel (self->cancellable);
      _sf_window_close_concerns (self);
      self->close_when_idle = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }

  return GTK_WINDOW_CLASS (sf_window_parent_class)->close_request (window);
}

/* Once the window belongs to @app (GtkWindow:application is set only after
 * construction). */
static void
setup (SfWindow      *self,
       SfApplication *app)
{
  g_autofree char *read_address = NULL, *read_size = NULL;
  g_autofree char *erase_address = NULL, *erase_size = NULL;

  self->settings = g_object_ref (sf_application_get_settings (app));
  self->monitor = g_object_ref (sf_application_get_port_monitor (app));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->port_chooser, "switched", G_CALLBACK (port_switched_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->port_chooser, "changed", G_CALLBACK (port_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "notify::brltty-hint",
                           G_CALLBACK (brltty_hint_changed_cb), self, G_CONNECT_SWAPPED);
  sf_port_chooser_bind (self->port_chooser, self->monitor, self->settings);

  sf_options_popover_bind (self->options_popover, self->settings);
  g_settings_bind (self->settings, "show-log", self, "show-log", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);

  read_address = g_settings_get_string (self->settings, "read-address");
  read_size = g_settings_get_string (self->settings, "read-size");
  erase_address = g_settings_get_string (self->settings, "erase-address");
  erase_size = g_settings_get_string (self->settings, "erase-size");
  gtk_editable_set_text (GTK_EDITABLE (self->read_address_entry), read_address);
  gtk_editable_set_text (GTK_EDITABLE (self->read_size_entry), read_size);
  gtk_editable_set_text (GTK_EDITABLE (self->erase_address_entry), erase_address);
  gtk_editable_set_text (GTK_EDITABLE (self->erase_size_entry), erase_size);

  _sf_window_init_monitor (self);
  _sf_window_restore_rows (self);
  _sf_window_validate_rows (self);
  update_port_warning (self);
  _sf_window_update_actions (self);
}

static void
sf_window_dispose (GObject *object)
{
  SfWindow *self = SF_WINDOW (object);

  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  _sf_window_close_concerns (self);
  _sf_window_flush_rows (self);
  _sf_window_set_pulsing (self, FALSE);

  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_WINDOW);

  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->monitor);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sf_window_parent_class)->dispose (object);
}

static void
sf_window_finalize (GObject *object)
{
  SfWindow *self = SF_WINDOW (object);

  g_free (self->read_target);
  g_free (self->banner_folder);
  g_free (self->restore_name);
  g_clear_object (&self->last_restore);
  g_clear_pointer (&self->last_concerns, g_ptr_array_unref);
  g_clear_pointer (&self->board_table, sf_partition_table_unref);
  sf_chip_details_clear (&self->details);

  G_OBJECT_CLASS (sf_window_parent_class)->finalize (object);
}

static void
sf_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SfWindow *self = SF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_LOG:
      g_value_set_boolean (value, self->log_revealer != NULL &&
                                  gtk_revealer_get_reveal_child (self->log_revealer));
      break;
    case PROP_SHOW_MONITOR:
      g_value_set_boolean (value, self->monitor_revealer != NULL &&
                                  gtk_revealer_get_reveal_child (self->monitor_revealer));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SfWindow *self = SF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_LOG:
      {
        gboolean show = g_value_get_boolean (value);

        if (self->log_revealer == NULL || gtk_revealer_get_reveal_child (self->log_revealer) == show)
          break;
        gtk_revealer_set_reveal_child (self->log_revealer, show);
        if (show)
          gtk_text_view_scroll_mark_onscreen (self->log_view, self->log_end);
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    case PROP_SHOW_MONITOR:
      {
        gboolean show = g_value_get_boolean (value);

        if (self->monitor_revealer == NULL ||
            gtk_revealer_get_reveal_child (self->monitor_revealer) == show)
          break;
        gtk_revealer_set_reveal_child (self->monitor_revealer, show);
        _sf_window_monitor_shown (self, show);
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_window_class_init (SfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sf_window_dispose;
  object_class->finalize = sf_window_finalize;
  object_class->get_property = sf_window_get_property;
  object_class->set_property = sf_window_set_property;
  window_class->close_request = sf_window_close_request;

  properties[PROP_SHOW_LOG] =
    g_param_spec_boolean ("show-log", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Shown, the monitor runs on the chosen port; hidden, the port is free. */
  properties[PROP_SHOW_MONITOR] =
    g_param_spec_boolean ("show-monitor", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SF_TYPE_FIRMWARE_ROW);
  g_type_ensure (SF_TYPE_MONITOR_PANE);
  g_type_ensure (SF_TYPE_OPTIONS_POPOVER);
  g_type_ensure (SF_TYPE_PORT_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, SfWindow, name)
  BIND (status_revealer);
  BIND (status_box);
  BIND (status_icon);
  BIND (status_title);
  BIND (status_body);
  BIND (status_action);
  BIND (port_revealer);
  BIND (port_title);
  BIND (port_body);
  BIND (port_chooser);
  BIND (chip_row);
  BIND (chip_value);
  BIND (features_value);
  BIND (crystal_value);
  BIND (mac_value);
  BIND (flash_value);
  BIND (firmware_list);
  BIND (action_stack);
  BIND (read_button);
  BIND (read_popover);
  BIND (read_address_entry);
  BIND (read_size_entry);
  BIND (read_message);
  BIND (erase_button);
  BIND (erase_popover);
  BIND (erase_address_entry);
  BIND (erase_size_entry);
  BIND (erase_message);
  BIND (phase_label);
  BIND (percent_label);
  BIND (progress_bar);
  BIND (progress_detail);
  BIND (cancel_button);
  BIND (options_button);
  BIND (options_popover);
  BIND (log_revealer);
  BIND (monitor_revealer);
  BIND (monitor_pane);
  BIND (log_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, status_action_clicked_cb);

  _sf_window_class_actions_init (klass);
  _sf_window_class_partitions_init (klass);
}

static void
sf_window_init (SfWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->concerns_answer = -1;
  self->board_boot = -1;

  buffer = gtk_text_view_get_buffer (self->log_view);
  gtk_text_buffer_get_end_iter (buffer, &end);
  self->log_end = gtk_text_buffer_create_mark (buffer, "log-end", &end, FALSE);

  _sf_window_init_firmware (self);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->progress_detail, NULL,
                                  -1);
}

SfWindow *
sf_window_new (SfApplication *application)
{
  SfWindow *self;

  g_return_val_if_fail (SF_IS_APPLICATION (application), NULL);

  self = g_object_new (SF_TYPE_WINDOW, "application", application, NULL);
  setup (self, application);
  return self;
}

/* --- test hooks ------------------------------------------------------------ */

SfSimDevice *
_sf_window_get_sim_device (SfWindow   *self,
                           const char *chip)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return sf_application_get_sim_device (SF_APPLICATION (app), chip);
}

gboolean
_sf_window_select_port (SfWindow   *self,
                        const char *path)
{
  return sf_port_chooser_select_path (self->port_chooser, path);
}

const char *
_sf_window_get_port_path (SfWindow *self)
{
  return sf_port_chooser_get_path (self->port_chooser);
}

SfFirmwareRow *
_sf_window_add_firmware (SfWindow *self,
                         GFile    *file)
{
  return _sf_window_add_row (self, file, NULL, TRUE);
}

void
_sf_window_set_read_target (SfWindow   *self,
                            const char *path)
{
  _sf_dialogs_answer_save (GTK_WINDOW (self), path);
}

void
_sf_window_set_confirmed (SfWindow *self,
                          gboolean  confirmed)
{
  _sf_dialogs_answer_confirm (GTK_WINDOW (self), confirmed);
}

GtkEditable *
_sf_window_get_entry (SfWindow   *self,
                      const char *name)
{
  if (g_str_equal (name, "read-address"))
    return GTK_EDITABLE (self->read_address_entry);
  if (g_str_equal (name, "read-size"))
    return GTK_EDITABLE (self->read_size_entry);
  if (g_str_equal (name, "erase-address"))
    return GTK_EDITABLE (self->erase_address_entry);
  if (g_str_equal (name, "erase-size"))
    return GTK_EDITABLE (self->erase_size_entry);
  if (g_str_equal (name, "other-port"))
    return GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (self->port_chooser),
                                                        SF_TYPE_PORT_CHOOSER,
                                                        "other_port_entry"));
  g_return_val_if_reached (NULL);
}

gboolean
_sf_window_get_busy (SfWindow *self)
{
  return self->job != NULL;
}

SfFlashJob *
_sf_window_get_job (SfWindow *self)
{
  return self->job;
}

char *
_sf_window_dup_banner_text (SfWindow *self)
{
  if (!gtk_revealer_get_reveal_child (self->status_revealer))
    return NULL;
  return g_strdup_printf ("%s\n%s", gtk_label_get_text (self->status_title),
                          gtk_label_get_text (self->status_body));
}

char *
_sf_window_dup_port_warning (SfWindow *self)
{
  if (!gtk_revealer_get_reveal_child (self->port_revealer))
    return NULL;
  return g_strdup_printf ("%s\n%s", gtk_label_get_text (self->port_title),
                          gtk_label_get_text (self->port_body));
}

double
_sf_window_get_progress (SfWindow *self,
                         SfPhase  *phase,
                         guint64  *total)
{
  if (phase != NULL)
    *phase = self->phase;
  if (total != NULL)
    *total = self->phase_total;
  return gtk_progress_bar_get_fraction (self->progress_bar);
}
