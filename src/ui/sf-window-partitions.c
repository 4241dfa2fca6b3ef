/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-partitions-window.h"
#include "sf-window-private.h"

/* What the main window does for partitions: the Partitions window, whose
 * operations run here so that there is one at a time on the port, and
 * Erase Wi-Fi Settings. */

/* The ESP8266 SDKs' settings: the flash's last four sectors. */
#define ESP8266_SETTINGS_SIZE 0x4000

gboolean
_sf_window_run_job (SfWindow   *self,
                    SfFlashJob *job,
                    const char *read_target)
{
  g_return_val_if_fail (SF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (SF_IS_FLASH_JOB (job), FALSE);

  if (self->disposed || self->job != NULL || sf_port_chooser_get_path (self->port_chooser) == NULL)
    return FALSE;
  if (read_target != NULL)
    {
      /* For the banner that says where the file went. */
      g_free (self->read_target);
      self->read_target = g_strdup (read_target);
    }
  _sf_window_start_job (self, job);
  /* Try Again on its banner goes back to the Partitions window, where the
   * operation was chosen, not to the main window's own read or erase. */
  self->last_kind = SF_JOB_PARTITION_TABLE;
  return TRUE;
}

void
_sf_window_partitions_sync (SfWindow *self)
{
  gboolean idle_with_port = self->job == NULL && sf_port_chooser_get_path (self->port_chooser) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-wifi", idle_with_port);
  if (self->partitions_window != NULL)
    sf_partitions_window_sync (SF_PARTITIONS_WINDOW (self->partitions_window));
}

SfPartitionsWindow *
_sf_window_get_partitions (SfWindow *self)
{
  return self->partitions_window != NULL ? SF_PARTITIONS_WINDOW (self->partitions_window) : NULL;
}

/* --- the Partitions window --------------------------------------------------- */

static void
partitions_destroyed_cb (SfWindow *self)
{
  self->partitions_window = NULL;
}

static void
partitions_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  SfPartitionsWindow *partitions;
  gboolean is_new = self->partitions_window == NULL;

  if (is_new)
    {
      partitions = sf_partitions_window_new (self);
      self->partitions_window = GTK_WINDOW (partitions);
      g_signal_connect_object (partitions, "destroy", G_CALLBACK (partitions_destroyed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  partitions = SF_PARTITIONS_WINDOW (self->partitions_window);
  gtk_window_present (GTK_WINDOW (partitions));
  /* Opened, it shows the board's table at once; opened again (Try Again
   * after a failed read), it tries again when it shows none. */
  if (is_new || _sf_partitions_window_get_n_rows (partitions) == 0)
    sf_partitions_window_read_board (partitions);
}

/* --- Erase Wi-Fi Settings ---------------------------------------------------- */

typedef enum
{
  FAMILY_UNKNOWN,
  FAMILY_ESP8266,
  FAMILY_ESP32,
} Family;

/* The chip last read on this port, else the one chosen under Options. */
static Family
chip_family (SfWindow *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "chip");
  SfChip chip = SF_CHIP_AUTO;

  if (self->have_details)
    chip = self->details.chip;
  else if (!sf_chip_from_name (name, &chip))
    chip = SF_CHIP_AUTO;
  if (chip == SF_CHIP_AUTO)
    return FAMILY_UNKNOWN;
  return chip == SF_CHIP_ESP8266 ? FAMILY_ESP8266 : FAMILY_ESP32;
}

static char *
esp8266_text (SfWindow *self)
{
  guint32 size = self->have_details ? self->details.flash_size : 0;

  if (size > ESP8266_SETTINGS_SIZE)
    return g_strdup_printf (_("The ESP8266 SDK keeps its settings, the Wi-Fi network and "
                              "password among them, in the last 16 KiB of the flash (0x%x to "
                              "0x%x): they are set blank and the board starts as new, with its "
                              "firmware. Should it then stop at boot with “rf_cal[0] !=0x05”, "
                              "write the firmware’s esp_init_data_default.bin at 0x%x."),
                            size - ESP8266_SETTINGS_SIZE, size, size - ESP8266_SETTINGS_SIZE);
  return g_strdup (_("The ESP8266 SDK keeps its settings, the Wi-Fi network and password among "
                     "them, in the last 16 KiB of the flash: they are set blank and the board "
                     "starts as new, with its firmware. Should it then stop at boot with "
                     "“rf_cal[0] !=0x05”, write the firmware’s esp_init_data_default.bin at "
                     "the start of those 16 KiB."));
}

static const char *
esp32_text (void)
{
  return _("The ESP32 family keeps the Wi-Fi settings in the NVS partition, which also holds "
           "the firmware’s other saved settings: the whole partition is set blank, and the "
           "firmware starts as on its first boot. The firmware itself stays.");
}

static void
erase_wifi_finished_cb (SfWindow   *self,
                        SfFlashJob *job)
{
  const SfChipDetails *details = sf_flash_job_get_chip_details (job);
  gboolean esp8266 = details != NULL && details->chip == SF_CHIP_ESP8266;

  _sf_window_show_banner (self, SF_BANNER_SUCCESS, _("Wi-Fi Settings Erased"),
                          esp8266
                          ? _("The board starts as new. Should it stop at boot with "
                              "“rf_cal[0] !=0x05”, write the firmware’s "
                              "esp_init_data_default.bin where the log says.")
                          : _("The NVS partition is blank: the firmware starts as on its "
                              "first boot."),
                          SF_BANNER_ACTION_NONE);
}

static void
erase_wifi_confirmed_cb (gboolean confirmed,
                         gpointer user_data)
{
  g_autoptr(SfWindow) self = user_data;
  g_autoptr(SfFlashJob) job = NULL;

  if (!confirmed || self->disposed || self->job != NULL ||
      sf_port_chooser_get_path (self->port_chooser) == NULL)
    return;
  job = _sf_window_create_job (self, SF_JOB_ERASE_WIFI);
  _sf_window_start_job (self, job);
  /* After the window's own handler, whose banner this replaces. */
  g_signal_connect_object (job, "finished", G_CALLBACK (erase_wifi_finished_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
erase_wifi_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SfWindow *self = SF_WINDOW (widget);
  g_autofree char *body = NULL;

  if (self->job != NULL || sf_port_chooser_get_path (self->port_chooser) == NULL)
    return;
  switch (chip_family (self))
    {
    case FAMILY_ESP8266:
      body = esp8266_text (self);
      break;
    case FAMILY_ESP32:
      body = g_strdup (esp32_text ());
      break;
    case FAMILY_UNKNOWN:
    default:
      {
        g_autofree char *esp8266 = esp8266_text (self);

        /* Translators: what is erased on each chip family, when the chip is not yet known. */
        body = g_strdup_printf (_("%s\n\n%s"), esp8266, esp32_text ());
      }
      break;
    }
  sf_dialogs_confirm (GTK_WINDOW (self), _("Erase the Wi-Fi Settings?"), body, _("_Erase"),
                      TRUE, erase_wifi_confirmed_cb, g_object_ref (self));
}

void
_sf_window_class_partitions_init (SfWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (SF_TYPE_PARTITIONS_WINDOW);
  gtk_widget_class_install_action (widget_class, "win.partitions", NULL, partitions_action);
  gtk_widget_class_install_action (widget_class, "win.erase-wifi", NULL, erase_wifi_action);
  /* Ctrl+P chooses the port: T for the partition table. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK,
                                       "win.partitions", NULL);
}
