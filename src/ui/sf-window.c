/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-compat.h"
#include "sf-firmware-row.h"
#include "sf-flash-job.h"
#include "sf-options-popover.h"
#include "sf-port-chooser.h"
#include "sf-port-monitor.h"
#include "sf-protocol-error.h"
#include "sf-stub-image.h"
#include "sf-units.h"
#include "sf-window.h"
#include "sf-window-private.h"


G_DEFINE_FINAL_TYPE (SfWindow, sf_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SHOW_LOG,
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
};

static void
show_error (SfWindow     *self,
            const GError *error)
{
  const char *title = _("The Operation Failed");
  const char *hint = NULL;
  SfBannerAction action = SF_BANNER_ACTION_SHOW_LOG;
  g_autofree char *body = NULL;

  if (error->domain == SF_PROTOCOL_ERROR)
    for (guint i = 0; i < G_N_ELEMENTS (error_texts); i++)
      if (error_texts[i].code == error->code)
        {
          title = _(error_texts[i].title);
          hint = error_texts[i].hint != NULL ? _(error_texts[i].hint) : NULL;
          break;
        }

  if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED))
    action = SF_BANNER_ACTION_COPY_DIALOUT;
  else if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNRELIABLE_LINK) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY) ||
           g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_VERIFY_FAILED))
    action = SF_BANNER_ACTION_RETRY;

  body = hint != NULL ? g_strdup_printf ("%s\n%s", error->message, hint) : g_strdup (error->message);
  _sf_window_show_banner (self, SF_BANNER_ERROR, title, body, action);
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
        };

        _sf_window_hide_banner (self);
        gtk_widget_activate_action (GTK_WIDGET (self), actions[self->last_kind], NULL);
      }
      break;
    case SF_BANNER_ACTION_SHOW_LOG:
      g_object_set (self, "show-log", TRUE, NULL);
      break;
    case SF_BANNER_ACTION_NONE:
    default:
      break;
    }
}

/* --- ports ----------------------------------------------------------------- */

static void
clear_details (SfWindow *self)
{
  sf_chip_details_clear (&self->details);
  self->have_details = FALSE;
  gtk_widget_set_visible (self->chip_row, FALSE);
}

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
brltty_hint_changed_cb (SfWindow *self)
{
  update_port_warning (self);
}

static void
port_switched_cb (SfWindow *self)
{
  clear_details (self);
  _sf_window_validate_rows (self);
}

static void
port_changed_cb (SfWindow *self)
{
  if (sf_port_chooser_get_missing_path (self->port_chooser) != NULL && self->have_details)
    clear_details (self);
  update_port_warning (self);
  _sf_window_update_actions (self);
}

/* --- the chip panel -------------------------------------------------------- */

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

/* --- jobs ------------------------------------------------------------------ */

void
_sf_window_update_actions (SfWindow *self)
{
  gboolean busy = self->job != NULL;
  gboolean have_port = sf_port_chooser_get_path (self->port_chooser) != NULL;
  gboolean have_files = FALSE;
  g_autoptr(GPtrArray) rows = NULL;

  if (self->disposed)
    return;

  rows = _sf_window_collect_rows (self);
  for (guint i = 0; i < rows->len; i++)
    if (sf_firmware_row_get_enabled (g_ptr_array_index (rows, i)))
      have_files = TRUE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.flash", !busy && have_port && have_files);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.read-flash", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-region", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-flash", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.chip-info", !busy && have_port);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-file", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.use-other-port", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel",
                                 busy && !g_cancellable_is_cancelled (self->cancellable));

  /* What the running job was set up from must not change under it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_chooser), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->firmware_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->options_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->read_button), !busy && have_port);
  gtk_widget_set_sensitive (GTK_WIDGET (self->erase_button), !busy && have_port);
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

  if (title != NULL)
    _sf_window_show_banner (self, SF_BANNER_SUCCESS, title, body->str, SF_BANNER_ACTION_NONE);
  else if (body->len > 0)
    _sf_window_show_banner (self, SF_BANNER_INFO, _("Slower Connection"), body->str, SF_BANNER_ACTION_NONE);
}

static void
job_failed_cb (SfWindow     *self,
               const GError *error,
               SfFlashJob   *job)
{
  show_error (self, error);
}

static void
remember_adapter_baud (SfWindow *self,
                       guint     baud)
{
  g_autofree char *key = NULL;
  g_autoptr(GVariant) old = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *k;
  guint v;

  if (self->job_vid == 0 && self->job_pid == 0)
    return;
  key = g_strdup_printf ("%04x:%04x", self->job_vid, self->job_pid);
  old = g_settings_get_value (self->settings, "adapter-bauds");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{su}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&su}", &k, &v))
    if (!g_str_equal (k, key))
      g_variant_builder_add (&builder, "{su}", k, v);
  g_variant_builder_add (&builder, "{su}", key, baud);
  g_settings_set_value (self->settings, "adapter-bauds", g_variant_builder_end (&builder));
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
  if (ok && sf_flash_job_get_used_baud (job) != 0 &&
      (sf_flash_job_get_failed_baud (job) != 0 || sf_flash_job_get_used_baud (job) == self->job_baud))
    remember_adapter_baud (self, sf_flash_job_get_used_baud (job));

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
  SfFlashJob *job = sf_flash_job_new (kind, sf_port_chooser_get_path (self->port_chooser));
  SfChip chip;
  SfBefore before;
  SfAfter after;

  sf_flash_job_set_baud (job, capped_baud (self, sf_port_chooser_get_entry (self->port_chooser)));
  sf_flash_job_set_no_stub (job, !g_settings_get_boolean (self->settings, "use-stub"));
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

/* --- options --------------------------------------------------------------- */

static void
settings_changed_cb (SfWindow   *self,
                     const char *key)
{
  if (g_str_equal (key, "chip") || g_str_has_prefix (key, "flash-"))
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
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SF_TYPE_FIRMWARE_ROW);
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
  BIND (flash_button);
  BIND (phase_label);
  BIND (percent_label);
  BIND (progress_bar);
  BIND (progress_detail);
  BIND (cancel_button);
  BIND (options_button);
  BIND (options_popover);
  BIND (log_revealer);
  BIND (log_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, status_action_clicked_cb);

  _sf_window_class_actions_init (klass);
}

static void
sf_window_init (SfWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));

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
  g_free (self->read_target);
  self->read_target = g_strdup (path);
  self->read_target_fixed = path != NULL;
}

void
_sf_window_set_confirmed (SfWindow *self,
                          gboolean  confirmed)
{
  self->confirmed = confirmed;
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
