/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-stub-image.h"
#include "sf-units.h"
#include "sf-window-private.h"

/* Running an operation on the board: the job is set up from the window's
 * choices, its progress, log and outcome are shown as they come, and what
 * it learnt (the chip, the rate the adapter carries) is kept. */

/* Adapters known not to carry the fast rates reliably. */
static guint
adapter_max_baud (guint vid,
                  guint pid)
{
  /* WCH CH340 / CH341: 921600 garbles bytes on many of these. */
  if (vid == 0x1a86 && (pid == 0x7523 || pid == 0x5523))
    return 460800;
  return 0;
}

/* The rate a job asks for: the chosen one, within the adapter's limit. */
static guint
capped_baud (SfWindow    *self,
             SfPortEntry *entry)
{
  guint baud = g_settings_get_uint (self->settings, "baud");
  guint cap = 0;

  if (entry != NULL && sf_port_entry_get_is_usb (entry))
    cap = adapter_max_baud (sf_port_entry_get_usb_vid (entry), sf_port_entry_get_usb_pid (entry));
  return cap != 0 ? MIN (baud, cap) : baud;
}

static void
show_details (SfWindow            *self,
              const SfChipDetails *details)
{
  g_autofree char *crystal = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *flash = NULL;

  sf_chip_details_clear (&self->details);
  self->details = *details;
  self->details.description = g_strdup (details->description);
  self->details.features = g_strdup (details->features);
  self->have_details = TRUE;

  crystal = g_strdup_printf (_("%u MHz"), details->crystal_mhz);
  mac = sf_format_mac (details->mac);
  if (details->flash_size > 0)
    {
      g_autofree char *size = sf_format_size (details->flash_size);

      /* Translators: "4 MiB (JEDEC ID 0x164020)". */
      flash = g_strdup_printf (_("%s (JEDEC ID 0x%06x)"), size, details->flash_id);
    }
  else
    flash = g_strdup_printf (_("Unknown size (JEDEC ID 0x%06x)"), details->flash_id);

  gtk_label_set_text (self->chip_value, details->description);
  if (sf_stub_images_available ())
    gtk_label_set_text (self->features_value, details->features);
  else
    {
      /* Translators: the chip's features, then why writing is slow. */
      g_autofree char *features = g_strdup_printf (_("%s\nStub not available in this build: "
                                                     "the slower ROM loader is used"),
                                                   details->features);

      gtk_label_set_text (self->features_value, features);
    }
  gtk_label_set_text (self->crystal_value, crystal);
  gtk_label_set_text (self->mac_value, mac);
  gtk_label_set_text (self->flash_value, flash);
  gtk_widget_set_visible (self->chip_row, TRUE);
}

static const char *
phase_title (SfWindow *self,
             SfPhase   phase)
{
  switch (phase)
    {
    case SF_PHASE_CONNECT:
      return _("Connecting to the board…");
    case SF_PHASE_ERASE:
      return _("Erasing…");
    case SF_PHASE_WRITE:
      return _("Writing…");
    case SF_PHASE_VERIFY:
      return _("Verifying…");
    case SF_PHASE_READ:
      return self->job_kind == SF_JOB_READ ? _("Reading flash…") : _("Reading…");
    default:
      return "";
    }
}

static char *
format_time_left (double seconds)
{
  guint s = (guint) (seconds + 0.5);

  if (s < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %u second left",
                                         "about %u seconds left", s), s);
  s = (s + 30) / 60;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %u minute left",
                                       "about %u minutes left", s), s);
}

static gboolean
pulse_cb (gpointer data)
{
  SfWindow *self = data;

  gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

void
_sf_window_set_pulsing (SfWindow *self,
                        gboolean  pulsing)
{
  if (pulsing && self->pulse_source == 0)
    self->pulse_source = g_timeout_add (100, pulse_cb, self);
  else if (!pulsing)
    g_clear_handle_id (&self->pulse_source, g_source_remove);
}

static void
job_progress_cb (SfWindow   *self,
                 int         phase,
                 guint64     done,
                 guint64     total,
                 SfFlashJob *job)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GString) detail = g_string_new (NULL);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if ((SfPhase) phase != self->phase || total != self->phase_total || done < self->speed_done)
    {
      self->phase = phase;
      self->phase_total = total;
      self->speed_done = done;
      self->speed_time = now;
      self->speed = 0;
    }
  else if (now - self->speed_time >= G_USEC_PER_SEC / 4)
    {
      double rate = (done - self->speed_done) * (double) G_USEC_PER_SEC / (now - self->speed_time);

      self->speed = self->speed == 0 ? rate : 0.7 * self->speed + 0.3 * rate;
      self->speed_done = done;
      self->speed_time = now;
    }

  gtk_label_set_text (self->phase_label, phase_title (self, phase));
  if (total == 0)
    {
      _sf_window_set_pulsing (self, TRUE);
      gtk_label_set_text (self->percent_label, "");
      if (phase == SF_PHASE_CONNECT)
        g_string_append (detail, sf_flash_job_get_port_path (job));
    }
  else
    {
      double fraction = CLAMP ((double) done / total, 0.0, 1.0);
      g_autofree char *percent = g_strdup_printf (_("%.0f %%"), fraction * 100);
      g_autofree char *done_text = sf_format_size (done);
      g_autofree char *total_text = sf_format_size (total);

      _sf_window_set_pulsing (self, FALSE);
      gtk_progress_bar_set_fraction (self->progress_bar, fraction);
      gtk_label_set_text (self->percent_label, percent);
      /* Translators: "1.5 MiB of 4 MiB". */
      g_string_append_printf (detail, _("%s of %s"), done_text, total_text);
      if (self->speed > 0)
        {
          g_autofree char *speed = sf_format_size ((guint64) self->speed);
          g_autofree char *left = format_time_left ((total - done) / self->speed);

          /* Translators: "1.5 MiB of 4 MiB · 120 KiB/s · about 20 seconds left". */
          g_string_append_printf (detail, _(" · %s/s · %s"), speed, left);
        }
    }
  gtk_label_set_text (self->progress_detail, detail->str);
}

void
_sf_window_append_log (SfWindow   *self,
                       const char *line)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, line, -1);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
  if (gtk_revealer_get_reveal_child (self->log_revealer))
    gtk_text_view_scroll_mark_onscreen (self->log_view, self->log_end);
}

static void
job_log_cb (SfWindow   *self,
            const char *line,
            SfFlashJob *job)
{
  _sf_window_append_log (self, line);
}

static void
job_finished_cb (SfWindow   *self,
                 SfFlashJob *job)
{
  guint used_baud = sf_flash_job_get_used_baud (job);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *after = g_settings_get_string (self->settings, "after");
  const char *title = NULL;

  switch (sf_flash_job_get_kind (job))
    {
    case SF_JOB_WRITE:
      if (self->restore_name != NULL)
        {
          title = _("Backup Restored");
          /* Translators: %s is a backup's file name. */
          g_string_append_printf (body, _("%s was written back and checked."), self->restore_name);
          g_string_append_c (body, ' ');
          g_string_append (body, g_str_equal (after, "hard-reset")
                                 ? _("The board restarts into what it held before.")
                                 : _("Press RESET on the board to start it."));
          break;
        }
      G_GNUC_FALLTHROUGH;
    case SF_JOB_VERIFY:
      title = _("Done: Firmware Written and Verified");
      g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u file written and checked.",
                                                 "%u files written and checked.",
                                                 self->job_regions), self->job_regions);
      g_string_append_c (body, ' ');
      if (g_str_equal (after, "hard-reset"))
        g_string_append (body, _("The board restarts into the new firmware. Press RESET on "
                                 "the board if it did not restart."));
      else
        g_string_append (body, _("The board stays in its bootloader: press RESET on the board "
                                 "to start the new firmware."));
      break;
    case SF_JOB_READ:
      title = _("Flash Saved");
      g_string_append_printf (body, _("Saved to %s."), self->read_target);
      break;
    case SF_JOB_ERASE_REGION:
      title = _("Region Erased");
      break;
    case SF_JOB_ERASE_FLASH:
      title = _("Flash Erased");
      g_string_append (body, _("The board has no firmware now: flash some to use it again."));
      break;
    case SF_JOB_CHIP_INFO:
    default:
      break;
    }

  /* Only a rate that was tried and failed says something about the
   * adapter; a loader that cannot change its rate (the ESP8266's ROM)
   * does not. */
  if (sf_flash_job_get_failed_baud (job) != 0 && used_baud != 0 && used_baud < self->job_baud)
    {
      if (body->len > 0)
        g_string_append_c (body, '\n');
      g_string_append_printf (body, _("%u baud did not work with this adapter, so %u baud was "
                                      "used; it is remembered for this adapter."),
                              self->job_baud, used_baud);
      g_settings_set_uint (self->settings, "baud", used_baud);
    }

  if (sf_flash_job_get_kind (job) == SF_JOB_WRITE)
    _sf_window_note_backup (self, job, body);

  if (title != NULL)
    _sf_window_show_banner (self, SF_BANNER_SUCCESS, title, body->str,
                            sf_flash_job_get_backup_path (job) != NULL
                            ? SF_BANNER_ACTION_SHOW_BACKUP : SF_BANNER_ACTION_NONE);
  else if (body->len > 0)
    _sf_window_show_banner (self, SF_BANNER_INFO, _("Slower Connection"), body->str, SF_BANNER_ACTION_NONE);
}

static void
job_failed_cb (SfWindow     *self,
               const GError *error,
               SfFlashJob   *job)
{
  _sf_window_show_error (self, error);
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SfWindow) self = user_data;
  SfFlashJob *job = SF_FLASH_JOB (object);
  g_autoptr(GError) error = NULL;
  const SfChipDetails *details;
  gboolean ok;

  ok = sf_flash_job_run_finish (job, result, &error);
  g_signal_handlers_disconnect_by_data (job, self);
  if (self->disposed)
    {
      g_clear_object (&self->job);
      return;
    }

  details = sf_flash_job_get_chip_details (job);
  if (details != NULL)
    show_details (self, details);
  /* What is on the board, for the rows to place files by: the table (or
   * that there is none) as Chip Info or the Partitions window read it. */
  if (ok && (self->job_kind == SF_JOB_CHIP_INFO || self->job_kind == SF_JOB_PARTITION_TABLE))
    {
      SfPartitionTable *table = sf_flash_job_get_partition_table (job);

      g_clear_pointer (&self->board_table, sf_partition_table_unref);
      self->board_table = table != NULL ? sf_partition_table_ref (table) : NULL;
      self->board_boot = sf_flash_job_get_boot_partition (job);
    }
  if (ok && sf_flash_job_get_used_baud (job) != 0 &&
      (sf_flash_job_get_failed_baud (job) != 0 || sf_flash_job_get_used_baud (job) == self->job_baud))
    sf_port_chooser_remember_baud (self->port_chooser, self->job_vid, self->job_pid,
                                   sf_flash_job_get_used_baud (job));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      const char *body = NULL;

      if (self->job_kind == SF_JOB_WRITE)
        body = _("The flash may hold part of the new firmware; flash again before using the board.");
      else if (self->job_kind == SF_JOB_ERASE_REGION || self->job_kind == SF_JOB_ERASE_FLASH)
        body = _("The flash may be partly erased.");
      _sf_window_append_log (self, _("Cancelled."));
      _sf_window_show_banner (self, SF_BANNER_INFO, _("Cancelled"), body, SF_BANNER_ACTION_NONE);
    }

  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->restore_name, g_free);
  _sf_window_close_concerns (self);
  /* Only now: the worker has closed the port. */
  _sf_window_monitor_after_job (self, job, ok);
  _sf_window_set_pulsing (self, FALSE);
  gtk_stack_set_visible_child_name (self->action_stack, "idle");
  _sf_window_validate_rows (self);
  _sf_window_update_actions (self);

  if (self->close_when_idle)
    gtk_window_destroy (GTK_WINDOW (self));
}

SfFlashJob *
_sf_window_create_job (SfWindow  *self,
                       SfJobKind  kind)
{
  g_autofree char *chip_name = g_settings_get_string (self->settings, "chip");
  g_autofree char *before_name = g_settings_get_string (self->settings, "before");
  g_autofree char *after_name = g_settings_get_string (self->settings, "after");
  const char *path = sf_port_chooser_get_path (self->port_chooser);
  /* No port chosen: a model for the boards of a production run. */
  SfFlashJob *job = sf_flash_job_new (kind, path != NULL ? path : "");
  SfChip chip;
  SfBefore before;
  SfAfter after;

  sf_flash_job_set_baud (job, capped_baud (self, sf_port_chooser_get_entry (self->port_chooser)));
  sf_flash_job_set_no_stub (job, !g_settings_get_boolean (self->settings, "use-stub"));
  sf_flash_job_set_partition_table_offset (job, g_settings_get_uint (self->settings,
                                                                     "partition-table-offset"));
  if (sf_chip_from_name (chip_name, &chip))
    sf_flash_job_set_chip (job, chip);
  if (sf_before_from_name (before_name, &before))
    sf_flash_job_set_before (job, before);
  if (sf_after_from_name (after_name, &after))
    sf_flash_job_set_after (job, after);
  return job;
}

void
_sf_window_start_job (SfWindow   *self,
                      SfFlashJob *job)
{
  SfPortEntry *entry = sf_port_chooser_get_entry (self->port_chooser);
  gboolean usb = entry != NULL && sf_port_entry_get_is_usb (entry);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);

  g_assert (self->job == NULL);

  g_clear_object (&self->last_restore);
  _sf_window_release_port (self);
  self->job = g_object_ref (job);
  self->cancellable = g_cancellable_new ();
  self->job_kind = sf_flash_job_get_kind (job);
  self->last_kind = self->job_kind;
  self->job_baud = capped_baud (self, entry);
  self->job_vid = usb ? sf_port_entry_get_usb_vid (entry) : 0;
  self->job_pid = usb ? sf_port_entry_get_usb_pid (entry) : 0;
  self->phase = SF_PHASE_CONNECT;
  self->phase_total = 0;
  self->speed = 0;
  self->speed_done = 0;

  g_signal_connect_swapped (job, "progress", G_CALLBACK (job_progress_cb), self);
  g_signal_connect_swapped (job, "log", G_CALLBACK (job_log_cb), self);
  g_signal_connect_swapped (job, "finished", G_CALLBACK (job_finished_cb), self);
  g_signal_connect_swapped (job, "failed", G_CALLBACK (job_failed_cb), self);
  _sf_window_watch_concerns (self, job);

  _sf_window_hide_banner (self);
  if (gtk_text_buffer_get_char_count (buffer) > 0)
    _sf_window_append_log (self, "");
  gtk_label_set_text (self->phase_label, phase_title (self, SF_PHASE_CONNECT));
  gtk_label_set_text (self->percent_label, "");
  gtk_label_set_text (self->progress_detail, sf_flash_job_get_port_path (job));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  _sf_window_set_pulsing (self, TRUE);
  gtk_stack_set_visible_child_name (self->action_stack, "busy");
  _sf_window_update_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));

  g_settings_set_string (self->settings, "last-port", sf_flash_job_get_port_path (job));
  sf_flash_job_run_async (job, self->cancellable, job_done_cb, g_object_ref (self));
}
