/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-board-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-board-row.h"
#include "sf-units.h"

/* The job's progress is only stored when it arrives; the row redraws on
 * a tick of its own, a few times a second. With eight boards writing,
 * redrawing on every block would make the main loop the bottleneck. */
#define TICK_MS 250

struct _SfBoardRow
{
  GtkListBoxRow   parent_instance;

  /* Template widgets */
  GtkImage       *state_icon;
  GtkLabel       *port_label;
  GtkLabel       *chip_label;
  GtkLabel       *time_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *result_label;

  /* Owned */
  SfFlashJob     *job;
  char           *chip;
  char           *mac;
  char           *error;
  char           *result;
  SfBoardState    state;
  gint64          start_time;
  gint64          end_time;
  guint           tick_source;

  /* The last progress, drawn on the next tick */
  SfPhase         phase;
  guint64         done;
  guint64         total;
  guint64         written;       /* of the write phase */
  gint64          write_start;
  gboolean        dirty;
  gboolean        disposed;
};

enum
{
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SfBoardRow, sf_board_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
phase_name (SfPhase phase)
{
  switch (phase)
    {
    case SF_PHASE_CONNECT:
      return _("Connecting…");
    case SF_PHASE_ERASE:
      return _("Erasing…");
    case SF_PHASE_WRITE:
      return _("Writing…");
    case SF_PHASE_VERIFY:
      return _("Verifying…");
    case SF_PHASE_READ:
      return _("Reading…");
    default:
      return "";
    }
}

static void
set_result (SfBoardRow *self,
            const char *text)
{
  g_free (self->result);
  self->result = g_strdup (text);
  gtk_label_set_text (self->result_label, text);
}

/* Speed and time: "120 KiB/s · 0:42". */
static void
draw (SfBoardRow *self)
{
  gint64 now = self->end_time != 0 ? self->end_time : g_get_monotonic_time ();
  guint seconds = self->start_time != 0 ? (guint) ((now - self->start_time) / G_USEC_PER_SEC) : 0;
  g_autofree char *elapsed = g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);

  if (self->state == SF_BOARD_RUNNING && self->phase == SF_PHASE_WRITE && self->written > 0 &&
      now > self->write_start)
    {
      g_autofree char *speed = sf_format_size ((guint64) (self->written * (double) G_USEC_PER_SEC /
                                                          (now - self->write_start)));
      /* Translators: a board's write speed and the time it has taken,
       * "120 KiB/s · 0:42". */
      g_autofree char *text = g_strdup_printf (_("%s/s · %s"), speed, elapsed);

      gtk_label_set_text (self->time_label, text);
    }
  else
    {
      gtk_label_set_text (self->time_label, elapsed);
    }

  if (!self->dirty)
    return;
  self->dirty = FALSE;
  if (self->state != SF_BOARD_RUNNING)
    return;
  if (self->total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   CLAMP ((double) self->done / self->total, 0.0, 1.0));
  else
    gtk_progress_bar_pulse (self->progress_bar);
  set_result (self, phase_name (self->phase));
}

static gboolean
tick_cb (gpointer data)
{
  draw (SF_BOARD_ROW (data));
  return G_SOURCE_CONTINUE;
}

static void
connected_cb (SfBoardRow          *self,
              const SfChipDetails *details,
              SfFlashJob          *job)
{
  g_autofree char *text = NULL;

  g_free (self->chip);
  self->chip = g_strdup (details->description != NULL ? details->description : "");
  g_free (self->mac);
  self->mac = sf_format_mac (details->mac);
  /* Translators: the chip and its MAC address, "ESP32-D0WD-V3 · 24:0a:c4:12:34:56". */
  text = g_strdup_printf (_("%s · %s"), self->chip, self->mac);
  gtk_label_set_text (self->chip_label, text);
}

static void
progress_cb (SfBoardRow *self,
             int         phase,
             guint64     done,
             guint64     total,
             SfFlashJob *job)
{
  if ((SfPhase) phase == SF_PHASE_WRITE)
    {
      if (self->phase != SF_PHASE_WRITE || done < self->written)
        self->write_start = g_get_monotonic_time ();
      self->written = done;
    }
  self->phase = phase;
  self->done = done;
  self->total = total;
  self->dirty = TRUE;
}

static void
set_state (SfBoardRow   *self,
           SfBoardState  state)
{
  static const char * const classes[] = { "success", "error", "warning" };
  const char *icon = NULL;
  const char *css = NULL;

  self->state = state;
  switch (state)
    {
    case SF_BOARD_WAITING:
      icon = "content-loading-symbolic";
      break;
    case SF_BOARD_RUNNING:
      icon = "media-playback-start-symbolic";
      break;
    case SF_BOARD_SUCCEEDED:
      icon = "emblem-ok-symbolic";
      css = "success";
      break;
    case SF_BOARD_FAILED:
      icon = "dialog-error-symbolic";
      css = "error";
      break;
    case SF_BOARD_STOPPED:
    default:
      icon = "process-stop-symbolic";
      css = "warning";
      break;
    }
  gtk_image_set_from_icon_name (self->state_icon, icon);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), classes[i]);
  if (css != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), css);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SfBoardRow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sf_flash_job_run_finish (SF_FLASH_JOB (object), result, &error);

  g_signal_handlers_disconnect_by_data (self->job, self);
  /* The window went away while the job wound down. */
  if (self->disposed)
    return;
  if (ok)
    {
      set_state (self, SF_BOARD_SUCCEEDED);
      self->written = sf_flash_job_get_region_bytes (self->job);
      gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
      set_result (self, _("Written and verified (MD5 matches)"));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_state (self, SF_BOARD_STOPPED);
      set_result (self, _("Stopped; the flash may hold part of the firmware. Flash this board again."));
    }
  else
    {
      set_state (self, SF_BOARD_FAILED);
      self->error = g_strdup (error->message);
      set_result (self, error->message);
    }

  self->end_time = g_get_monotonic_time ();
  g_clear_handle_id (&self->tick_source, g_source_remove);
  draw (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->result, -1);
  g_signal_emit (self, signals[SIGNAL_DONE], 0);
}

void
sf_board_row_start (SfBoardRow   *self,
                    GCancellable *cancellable)
{
  g_return_if_fail (SF_IS_BOARD_ROW (self));
  g_return_if_fail (self->state == SF_BOARD_WAITING);

  set_state (self, SF_BOARD_RUNNING);
  self->start_time = g_get_monotonic_time ();
  self->phase = SF_PHASE_CONNECT;
  self->dirty = TRUE;
  g_signal_connect_swapped (self->job, "connected", G_CALLBACK (connected_cb), self);
  g_signal_connect_swapped (self->job, "progress", G_CALLBACK (progress_cb), self);
  self->tick_source = g_timeout_add (TICK_MS, tick_cb, self);
  draw (self);
  sf_flash_job_run_async (self->job, cancellable, run_done_cb, g_object_ref (self));
}

static void
sf_board_row_dispose (GObject *object)
{
  SfBoardRow *self = SF_BOARD_ROW (object);

  self->disposed = TRUE;
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_BOARD_ROW);
  G_OBJECT_CLASS (sf_board_row_parent_class)->dispose (object);
}

static void
sf_board_row_finalize (GObject *object)
{
  SfBoardRow *self = SF_BOARD_ROW (object);

  g_clear_object (&self->job);
  g_free (self->chip);
  g_free (self->mac);
  g_free (self->error);
  g_free (self->result);
  G_OBJECT_CLASS (sf_board_row_parent_class)->finalize (object);
}

static void
sf_board_row_class_init (SfBoardRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_board_row_dispose;
  object_class->finalize = sf_board_row_finalize;

  signals[SIGNAL_DONE] =
    g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-board-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, port_label);
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, chip_label);
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SfBoardRow, result_label);
}

static void
sf_board_row_init (SfBoardRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->chip = g_strdup ("");
  self->mac = g_strdup ("");
}

SfBoardRow *
sf_board_row_new (SfFlashJob *job)
{
  SfBoardRow *self;

  g_return_val_if_fail (SF_IS_FLASH_JOB (job), NULL);
  g_return_val_if_fail (!sf_flash_job_get_running (job), NULL);

  self = g_object_new (SF_TYPE_BOARD_ROW, NULL);
  self->job = g_object_ref (job);
  gtk_label_set_text (self->port_label, sf_flash_job_get_port_path (job));
  set_result (self, _("Waiting to start"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  sf_flash_job_get_port_path (job), -1);
  return self;
}

SfBoardState
sf_board_row_get_state (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), SF_BOARD_WAITING);
  return self->state;
}

SfFlashJob *
sf_board_row_get_job (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return self->job;
}

const char *
sf_board_row_get_port (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return sf_flash_job_get_port_path (self->job);
}

const char *
sf_board_row_get_chip (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return self->chip;
}

const char *
sf_board_row_get_mac (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return self->mac;
}

const char *
sf_board_row_get_error (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return self->error;
}

const char *
sf_board_row_get_result_text (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), NULL);
  return self->result;
}

double
sf_board_row_get_seconds (SfBoardRow *self)
{
  gint64 end;

  g_return_val_if_fail (SF_IS_BOARD_ROW (self), 0);

  if (self->start_time == 0)
    return 0;
  end = self->end_time != 0 ? self->end_time : g_get_monotonic_time ();
  return (end - self->start_time) / (double) G_USEC_PER_SEC;
}

guint64
sf_board_row_get_bytes (SfBoardRow *self)
{
  g_return_val_if_fail (SF_IS_BOARD_ROW (self), 0);
  return self->written;
}
