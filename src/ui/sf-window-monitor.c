/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-window-private.h"

/* The monitor and the flasher take turns on the port: an operation makes
 * the monitor let go first, and a successful write hands the port back to
 * it, so the new firmware's first words show. */

static SfChip
known_chip (SfWindow *self)
{
  return self->have_details ? self->details.chip : SF_CHIP_AUTO;
}

static void
start_on_chosen_port (SfWindow *self)
{
  const char *path = sf_port_chooser_get_path (self->port_chooser);

  if (path == NULL || self->job != NULL)
    return;
  sf_monitor_pane_start (self->monitor_pane, path, known_chip (self), TRUE);
}

void
_sf_window_monitor_shown (SfWindow *self,
                          gboolean  shown)
{
  if (!shown)
    sf_monitor_pane_stop (self->monitor_pane);
  else if (!sf_monitor_pane_get_running (self->monitor_pane))
    start_on_chosen_port (self);
  _sf_window_update_actions (self);
}

void
_sf_window_toggle_monitor (SfWindow *self)
{
  if (sf_monitor_pane_get_running (self->monitor_pane))
    sf_monitor_pane_stop (self->monitor_pane);
  else
    start_on_chosen_port (self);
}

void
_sf_window_release_port (SfWindow *self)
{
  if (sf_monitor_pane_get_running (self->monitor_pane))
    sf_monitor_pane_stop (self->monitor_pane);
}

void
_sf_window_monitor_after_job (SfWindow   *self,
                              SfFlashJob *job,
                              gboolean    succeeded)
{
  const SfChipDetails *details = sf_flash_job_get_chip_details (job);

  if (succeeded && sf_flash_job_get_kind (job) == SF_JOB_WRITE &&
      g_settings_get_boolean (self->settings, "monitor-after-flash"))
    {
      sf_monitor_pane_start (self->monitor_pane, sf_flash_job_get_port_path (job),
                             details != NULL ? details->chip : known_chip (self), TRUE);
      g_object_set (self, "show-monitor", TRUE, NULL);
      return;
    }
  /* The pane was watching when the operation borrowed the port (or was
   * shown meanwhile): it takes the port back. */
  if (gtk_revealer_get_reveal_child (self->monitor_revealer) &&
      !sf_monitor_pane_get_running (self->monitor_pane))
    start_on_chosen_port (self);
}

static void
running_changed_cb (SfWindow *self)
{
  _sf_window_update_actions (self);
}

void
_sf_window_init_monitor (SfWindow *self)
{
  g_settings_bind (self->settings, "monitor-baud", self->monitor_pane, "baud",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->monitor_pane, "notify::running", G_CALLBACK (running_changed_cb),
                           self, G_CONNECT_SWAPPED);
}
