/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor-pane"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-improv-client.h"
#include "sf-improv-dialog.h"
#include "sf-monitor-pane.h"

/* What the view keeps: beyond it the oldest lines go (the monitor's own
 * ring, which is saved, keeps more). A text view slows down with length. */
#define MAX_VIEW_LINES 3000
/* How long after the start to ask whether the firmware speaks Improv: it
 * answers only once it runs, after the boot text. */
#define IMPROV_PROBE_DELAY_MS 1500
#define IMPROV_PROBE_TIMEOUT_MS 3000

struct _SfMonitorPane
{
  GtkWidget          parent_instance;

  /* Template widgets */
  GtkLabel          *status_label;
  GtkButton         *wifi_button;
  GtkComboBoxText   *baud_combo;
  GtkButton         *reset_button;
  GtkToggleButton   *pause_button;
  GtkButton         *clear_button;
  GtkButton         *save_button;
  GtkButton         *run_button;
  GtkScrolledWindow *scroller;
  GtkTextView       *text_view;
  GtkEntry          *send_entry;
  GtkButton         *send_button;

  /* Owned */
  SfMonitor         *monitor;
  SfImprovClient    *improv;
  GCancellable      *probe_cancellable;
  GPtrArray         *held;          /* SfMonitorLine *, shown when unpaused */
  GtkTextMark       *end_mark;
  char              *port_path;

  guint              baud;
  guint              probe_source;
  guint              held_dropped;
  gboolean           improv_offered;
};

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_BAUD,
  N_PROPS
};

enum
{
  SIGNAL_STOPPED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SfMonitorPane, sf_monitor_pane, GTK_TYPE_WIDGET)

static void show_note (SfMonitorPane *self,
                       const char    *text);

/* Tag names, indexed by SfAnsiColor. */
static const char * const ansi_tags[] = {
  "ansi-black", "ansi-red", "ansi-green", "ansi-yellow",
  "ansi-blue", "ansi-magenta", "ansi-cyan", "ansi-white",
  "ansi-bright-black", "ansi-bright-red", "ansi-bright-green", "ansi-bright-yellow",
  "ansi-bright-blue", "ansi-bright-magenta", "ansi-bright-cyan", "ansi-bright-white",
};

/* GNOME's palette, darker shades on a light background and lighter ones
 * on a dark one, so that every colour stays readable on both. "White"
 * and "black" follow the background: a log that paints text white means
 * "plain", not "invisible on white". */
static const char * const light_palette[] = {
  "#241f31", "#c01c28", "#26a269", "#a2734c", "#1c71d8", "#813d9c", "#0e7c86", "#5e5c64",
  "#5e5c64", "#e01b24", "#2ec27e", "#986a44", "#3584e4", "#9141ac", "#1a8b96", "#3d3846",
};
static const char * const dark_palette[] = {
  "#9a9996", "#f66151", "#8ff0a4", "#f9f06b", "#99c1f1", "#dc8add", "#93ddc2", "#deddda",
  "#c0bfbc", "#ff7b63", "#a2f5b5", "#fff58a", "#b1d1f5", "#e7a4e8", "#a9e5d0", "#ffffff",
};

static gboolean
is_dark (SfMonitorPane *self)
{
  gboolean dark = FALSE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)),
                "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

static void
update_palette (SfMonitorPane *self)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (gtk_text_view_get_buffer (self->text_view));
  const char * const *palette = is_dark (self) ? dark_palette : light_palette;

  for (guint i = 0; i < G_N_ELEMENTS (ansi_tags); i++)
    g_object_set (gtk_text_tag_table_lookup (table, ansi_tags[i]), "foreground", palette[i], NULL);
  /* Bright black is the palette's grey: timestamps recede with it. */
  g_object_set (gtk_text_tag_table_lookup (table, "timestamp"), "foreground", palette[8], NULL);
}

static void
create_tags (SfMonitorPane *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter end;

  gtk_text_buffer_create_tag (buffer, "timestamp", "scale", 0.85, NULL);
  gtk_text_buffer_create_tag (buffer, "boot", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "explanation", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "note", "style", PANGO_STYLE_ITALIC, "weight",
                              PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "sent", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "bold", "weight", PANGO_WEIGHT_BOLD, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (ansi_tags); i++)
    gtk_text_buffer_create_tag (buffer, ansi_tags[i], NULL);
  update_palette (self);

  gtk_text_buffer_get_end_iter (buffer, &end);
  self->end_mark = gtk_text_buffer_create_mark (buffer, "end", &end, FALSE);
}

static void
insert_line (SfMonitorPane       *self,
             GtkTextBuffer       *buffer,
             const SfMonitorLine *line)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (line->time_us / G_USEC_PER_SEC);
  g_autofree char *clock = NULL;
  g_autofree char *stamp = NULL;
  const char *kind_tag = NULL;
  GtkTextIter end;
  int line_start;

  if (time != NULL)
    {
      clock = g_date_time_format (time, "%H:%M:%S");
      stamp = g_strdup_printf ("%s.%03d  ", clock, (int) (line->time_us % G_USEC_PER_SEC / 1000));
    }
  switch (line->kind)
    {
    case SF_MONITOR_LINE_BOOT: kind_tag = "boot"; break;
    case SF_MONITOR_LINE_NOTE: kind_tag = "note"; break;
    case SF_MONITOR_LINE_SENT: kind_tag = "sent"; break;
    case SF_MONITOR_LINE_OUTPUT:
    default: break;
    }

  gtk_text_buffer_get_end_iter (buffer, &end);
  if (gtk_text_iter_get_offset (&end) > 0)
    gtk_text_buffer_insert (buffer, &end, "\n", 1);
  if (stamp != NULL)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, stamp, -1, "timestamp", NULL);
  if (line->kind == SF_MONITOR_LINE_SENT)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, "→ ", -1, kind_tag, NULL);

  line_start = gtk_text_iter_get_offset (&end);
  if (kind_tag != NULL)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, line->text, -1, kind_tag, NULL);
  else
    gtk_text_buffer_insert (buffer, &end, line->text, -1);

  /* Spans are in bytes of the text; the buffer counts characters. */
  for (guint i = 0; i < line->n_spans; i++)
    {
      const SfAnsiSpan *span = &line->spans[i];
      GtkTextIter from, to;
      glong start_chars = g_utf8_pointer_to_offset (line->text, line->text + span->start);
      glong end_chars = g_utf8_pointer_to_offset (line->text, line->text + span->end);

      gtk_text_buffer_get_iter_at_offset (buffer, &from, line_start + start_chars);
      gtk_text_buffer_get_iter_at_offset (buffer, &to, line_start + end_chars);
      if (span->foreground >= 0 && (guint) span->foreground < G_N_ELEMENTS (ansi_tags))
        gtk_text_buffer_apply_tag_by_name (buffer, ansi_tags[span->foreground], &from, &to);
      if (span->bold)
        gtk_text_buffer_apply_tag_by_name (buffer, "bold", &from, &to);
    }

  if (line->explanation != NULL)
    {
      g_autofree char *text = g_strdup_printf ("  (%s)", line->explanation);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, text, -1, "explanation", NULL);
    }
}

static void
trim_view (GtkTextBuffer *buffer)
{
  int lines = gtk_text_buffer_get_line_count (buffer);
  GtkTextIter start, cut;

  /* In steps, so a steady stream does not delete one line per batch. */
  if (lines <= MAX_VIEW_LINES + MAX_VIEW_LINES / 10)
    return;
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_get_iter_at_line (buffer, &cut, lines - MAX_VIEW_LINES);
  gtk_text_buffer_delete (buffer, &start, &cut);
}

static gboolean
at_bottom (SfMonitorPane *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 24;
}

static void
show_lines (SfMonitorPane *self,
            GPtrArray     *lines)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  gboolean follow = at_bottom (self);
  guint first = 0;

  /* Lines that would be trimmed at once are not worth laying out. */
  if (lines->len > MAX_VIEW_LINES)
    first = lines->len - MAX_VIEW_LINES;
  for (guint i = first; i < lines->len; i++)
    insert_line (self, buffer, g_ptr_array_index (lines, i));
  trim_view (buffer);
  if (follow)
    {
      GtkTextIter end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_move_mark (buffer, self->end_mark, &end);
      gtk_text_view_scroll_mark_onscreen (self->text_view, self->end_mark);
    }
}

static void
lines_added_cb (SfMonitorPane *self,
                GPtrArray     *lines,
                SfMonitor     *monitor)
{
  if (!gtk_toggle_button_get_active (self->pause_button))
    {
      show_lines (self, lines);
      return;
    }

  /* Paused: held back, and as bounded as the view would be. */
  for (guint i = 0; i < lines->len; i++)
    g_ptr_array_add (self->held, sf_monitor_line_ref (g_ptr_array_index (lines, i)));
  if (self->held->len > MAX_VIEW_LINES)
    {
      guint excess = self->held->len - MAX_VIEW_LINES;

      g_ptr_array_remove_range (self->held, 0, excess);
      self->held_dropped += excess;
    }
}

static void
pause_toggled_cb (SfMonitorPane   *self,
                  GtkToggleButton *button)
{
  g_autoptr(GPtrArray) held = NULL;

  if (gtk_toggle_button_get_active (button))
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (button), _("Resume"));
      return;
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), _("Pause"));

  held = g_steal_pointer (&self->held);
  self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  if (self->held_dropped > 0)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u line arrived while paused and was not kept here; "
                                           "saving the output keeps more",
                                           "%u lines arrived while paused and were not kept here; "
                                           "saving the output keeps more",
                                           self->held_dropped), self->held_dropped);
      show_note (self, text);
      self->held_dropped = 0;
    }
  show_lines (self, held);
}

static void
update_status (SfMonitorPane *self)
{
  gboolean running = self->monitor != NULL && sf_monitor_get_running (self->monitor);

  if (running)
    {
      g_autofree char *status = g_strdup_printf (_("%s at %u baud"), self->port_path,
                                                 sf_monitor_get_baud (self->monitor));

      gtk_label_set_text (self->status_label, status);
    }
  else
    gtk_label_set_text (self->status_label, _("Stopped"));

  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_entry), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), running);
  gtk_widget_set_visible (GTK_WIDGET (self->wifi_button), running && self->improv_offered);
  gtk_button_set_icon_name (GTK_BUTTON (self->run_button),
                            running ? "media-playback-stop-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_button),
                               running ? _("Stop Monitor") : _("Start Monitor"));
}

/* A line of our own in the view: why the monitor stopped, or could not
 * start. It goes into the view only; the monitor is gone. */
static void
show_note (SfMonitorPane *self,
           const char    *text)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  SfMonitorLine line = { .kind = SF_MONITOR_LINE_NOTE, .time_us = g_get_real_time (),
                         .text = (char *) text };

  g_ptr_array_add (lines, &line);
  show_lines (self, lines);
}

static void
cancel_probe (SfMonitorPane *self)
{
  g_clear_handle_id (&self->probe_source, g_source_remove);
  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
}

static void
monitor_stopped_cb (SfMonitorPane *self,
                    const GError  *error,
                    SfMonitor     *monitor)
{
  cancel_probe (self);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The monitor stopped: %s"), error->message);

      show_note (self, text);
    }
  self->improv_offered = FALSE;
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[SIGNAL_STOPPED], 0, error);
}

static void
offer_improv (SfMonitorPane *self)
{
  if (self->improv_offered)
    return;
  self->improv_offered = TRUE;
  show_note (self, _("This firmware can join a Wi-Fi network: press the Wi-Fi button to set it up."));
  update_status (self);
}

static void
improv_frame_cb (SfMonitorPane *self,
                 guint          type,
                 GBytes        *payload,
                 SfMonitor     *monitor)
{
  offer_improv (self);
}

static void
probe_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SfMonitorPane) self = user_data;
  g_autoptr(GError) error = NULL;

  sf_improv_client_get_state_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (error == NULL)
    offer_improv (self);
}

static gboolean
probe_improv_cb (gpointer data)
{
  SfMonitorPane *self = data;

  self->probe_source = 0;
  if (self->improv == NULL || self->improv_offered)
    return G_SOURCE_REMOVE;
  self->probe_cancellable = g_cancellable_new ();
  sf_improv_client_get_state_async (self->improv, IMPROV_PROBE_TIMEOUT_MS, self->probe_cancellable,
                                    probe_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
sf_monitor_pane_start (SfMonitorPane *self,
                       const char    *port_path,
                       SfChip         chip,
                       gboolean       reset)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SF_IS_MONITOR_PANE (self));
  g_return_if_fail (port_path != NULL);

  sf_monitor_pane_stop (self);
  g_free (self->port_path);
  self->port_path = g_strdup (port_path);
  self->improv_offered = FALSE;

  if (!sf_monitor_start (self->monitor, port_path, self->baud, chip, reset, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot watch %s: %s"), port_path, error->message);

      show_note (self, text);
      update_status (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      return;
    }

  g_clear_object (&self->improv);
  self->improv = sf_improv_client_new (self->monitor);
  self->probe_source = g_timeout_add (IMPROV_PROBE_DELAY_MS, probe_improv_cb, self);
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
sf_monitor_pane_stop (SfMonitorPane *self)
{
  g_return_if_fail (SF_IS_MONITOR_PANE (self));

  cancel_probe (self);
  g_clear_object (&self->improv);
  /* Emits stopped, which updates the pane. */
  sf_monitor_stop (self->monitor);
}

gboolean
sf_monitor_pane_get_running (SfMonitorPane *self)
{
  g_return_val_if_fail (SF_IS_MONITOR_PANE (self), FALSE);

  return sf_monitor_get_running (self->monitor);
}

const char *
sf_monitor_pane_get_port_path (SfMonitorPane *self)
{
  g_return_val_if_fail (SF_IS_MONITOR_PANE (self), NULL);

  return sf_monitor_get_running (self->monitor) ? self->port_path : NULL;
}

guint
sf_monitor_pane_get_baud (SfMonitorPane *self)
{
  g_return_val_if_fail (SF_IS_MONITOR_PANE (self), 0);

  return self->baud;
}

static void
show_baud (SfMonitorPane *self)
{
  GtkEditable *entry = GTK_EDITABLE (gtk_combo_box_get_child (GTK_COMBO_BOX (self->baud_combo)));
  g_autofree char *text = g_strdup_printf ("%u", self->baud);

  if (g_strcmp0 (gtk_editable_get_text (entry), text) != 0)
    gtk_editable_set_text (entry, text);
}

void
sf_monitor_pane_set_baud (SfMonitorPane *self,
                          guint          baud)
{
  g_return_if_fail (SF_IS_MONITOR_PANE (self));

  if (baud == 0 || baud == self->baud)
    return;
  self->baud = baud;
  show_baud (self);
  if (sf_monitor_get_running (self->monitor))
    {
      sf_monitor_set_baud (self->monitor, baud);
      update_status (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BAUD]);
}

/* Rates a UART can be asked for; beyond them a typo is more likely. */
static gboolean
parse_baud (const char *text,
            guint      *out_baud)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 300, 4000000, &value, NULL))
    return FALSE;
  *out_baud = (guint) value;
  return TRUE;
}

static void
apply_typed_baud (SfMonitorPane *self)
{
  GtkWidget *entry = gtk_combo_box_get_child (GTK_COMBO_BOX (self->baud_combo));
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  guint baud;

  if (!parse_baud (text, &baud))
    {
      gtk_widget_add_css_class (entry, "error");
      gtk_widget_set_tooltip_text (entry, _("Type a rate in baud between 300 and 4000000, "
                                            "such as 115200"));
      return;
    }
  gtk_widget_remove_css_class (entry, "error");
  gtk_widget_set_tooltip_text (entry, NULL);
  sf_monitor_pane_set_baud (self, baud);
}

static void
baud_changed_cb (SfMonitorPane   *self,
                 GtkComboBoxText *combo)
{
  /* A choice from the list applies at once; typing waits for Enter. */
  if (gtk_combo_box_get_active (GTK_COMBO_BOX (combo)) >= 0)
    apply_typed_baud (self);
}

static void
send_line (SfMonitorPane *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->send_entry));

  if (!sf_monitor_get_running (self->monitor))
    return;
  sf_monitor_send_line (self->monitor, text);
  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), "");
}

static void
reset_clicked_cb (SfMonitorPane *self)
{
  if (sf_monitor_get_running (self->monitor))
    sf_monitor_reset (self->monitor);
}

static void
clear_clicked_cb (SfMonitorPane *self)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  g_ptr_array_set_size (self->held, 0);
  sf_monitor_clear (self->monitor);
}

static void
save_chosen_cb (GFile    *file,
                gpointer  user_data)
{
  g_autoptr(SfMonitorPane) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_note (self, _("The output can only be saved to a local folder."));
      return;
    }
  if (!sf_monitor_save (self->monitor, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot save the output: %s"), error->message);

      show_note (self, text);
    }
}

static void
save_clicked_cb (SfMonitorPane *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("monitor-%s.log", stamp);

  sf_dialogs_save_file (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Save Monitor Output"),
                        name, save_chosen_cb, g_object_ref (self));
}

GtkWindow *
_sf_monitor_pane_open_improv (SfMonitorPane *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  SfImprovDialog *dialog;

  if (self->improv == NULL)
    return NULL;
  dialog = sf_improv_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->improv);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
wifi_clicked_cb (SfMonitorPane *self)
{
  _sf_monitor_pane_open_improv (self);
}

static void
dark_changed_cb (SfMonitorPane *self)
{
  update_palette (self);
}

static void
sf_monitor_pane_root (GtkWidget *widget)
{
  SfMonitorPane *self = SF_MONITOR_PANE (widget);

  GTK_WIDGET_CLASS (sf_monitor_pane_parent_class)->root (widget);
  g_signal_connect_object (gtk_widget_get_settings (widget), "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (dark_changed_cb), self, G_CONNECT_SWAPPED);
  update_palette (self);
}

static void
sf_monitor_pane_unroot (GtkWidget *widget)
{
  /* Out of its window, the pane has no business holding the port; and a
   * pending request may keep it alive a while after the window is gone. */
  sf_monitor_pane_stop (SF_MONITOR_PANE (widget));
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget), dark_changed_cb, widget);
  GTK_WIDGET_CLASS (sf_monitor_pane_parent_class)->unroot (widget);
}

static void
sf_monitor_pane_dispose (GObject *object)
{
  SfMonitorPane *self = SF_MONITOR_PANE (object);
  GtkWidget *child;

  cancel_probe (self);
  g_clear_object (&self->improv);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      sf_monitor_stop (self->monitor);
      g_clear_object (&self->monitor);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_MONITOR_PANE);
  /* The template's unnamed rows are children too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sf_monitor_pane_parent_class)->dispose (object);
}

static void
sf_monitor_pane_finalize (GObject *object)
{
  SfMonitorPane *self = SF_MONITOR_PANE (object);

  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_pointer (&self->port_path, g_free);

  G_OBJECT_CLASS (sf_monitor_pane_parent_class)->finalize (object);
}

static void
sf_monitor_pane_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SfMonitorPane *self = SF_MONITOR_PANE (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, sf_monitor_pane_get_running (self));
      break;
    case PROP_BAUD:
      g_value_set_uint (value, self->baud);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_monitor_pane_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SfMonitorPane *self = SF_MONITOR_PANE (object);

  switch (prop_id)
    {
    case PROP_BAUD:
      sf_monitor_pane_set_baud (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_monitor_pane_class_init (SfMonitorPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_monitor_pane_dispose;
  object_class->finalize = sf_monitor_pane_finalize;
  object_class->get_property = sf_monitor_pane_get_property;
  object_class->set_property = sf_monitor_pane_set_property;
  widget_class->root = sf_monitor_pane_root;
  widget_class->unroot = sf_monitor_pane_unroot;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BAUD] =
    g_param_spec_uint ("baud", NULL, NULL, 300, 4000000, SF_MONITOR_DEFAULT_BAUD,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-monitor-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, status_label);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, wifi_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, baud_combo);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, reset_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, clear_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, save_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, run_button);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, scroller);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, text_view);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, send_entry);
  gtk_widget_class_bind_template_child (widget_class, SfMonitorPane, send_button);
}

static void
sf_monitor_pane_init (SfMonitorPane *self)
{
  GtkWidget *baud_entry;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->baud = SF_MONITOR_DEFAULT_BAUD;
  self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  self->monitor = sf_monitor_new ();
  g_signal_connect_object (self->monitor, "lines-added", G_CALLBACK (lines_added_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "improv-frame", G_CALLBACK (improv_frame_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "stopped", G_CALLBACK (monitor_stopped_cb), self,
                           G_CONNECT_SWAPPED);

  create_tags (self);
  show_baud (self);
  baud_entry = gtk_combo_box_get_child (GTK_COMBO_BOX (self->baud_combo));
  gtk_editable_set_width_chars (GTK_EDITABLE (baud_entry), 8);
  g_signal_connect_swapped (baud_entry, "activate", G_CALLBACK (apply_typed_baud), self);
  g_signal_connect_swapped (self->baud_combo, "changed", G_CALLBACK (baud_changed_cb), self);
  g_signal_connect_swapped (self->pause_button, "toggled", G_CALLBACK (pause_toggled_cb), self);
  g_signal_connect_swapped (self->reset_button, "clicked", G_CALLBACK (reset_clicked_cb), self);
  g_signal_connect_swapped (self->clear_button, "clicked", G_CALLBACK (clear_clicked_cb), self);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (save_clicked_cb), self);
  g_signal_connect_swapped (self->wifi_button, "clicked", G_CALLBACK (wifi_clicked_cb), self);
  g_signal_connect_swapped (self->send_entry, "activate", G_CALLBACK (send_line), self);
  g_signal_connect_swapped (self->send_button, "clicked", G_CALLBACK (send_line), self);
  update_status (self);
}

SfMonitorPane *
sf_monitor_pane_new (void)
{
  return g_object_new (SF_TYPE_MONITOR_PANE, NULL);
}

SfMonitor *
_sf_monitor_pane_get_monitor (SfMonitorPane *self)
{
  return self->monitor;
}

char *
_sf_monitor_pane_dup_text (SfMonitorPane *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

char *
_sf_monitor_pane_dup_tags_at (SfMonitorPane *self,
                              const char    *needle)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, match;
  g_autoptr(GSList) tags = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  gtk_text_buffer_get_start_iter (buffer, &start);
  if (!gtk_text_iter_forward_search (&start, needle, 0, &match, NULL, NULL))
    return NULL;
  tags = gtk_text_iter_get_tags (&match);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      g_autofree char *name = NULL;

      g_object_get (l->data, "name", &name, NULL);
      if (names->len > 0)
        g_string_append_c (names, ',');
      g_string_append (names, name);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

GtkEditable *
_sf_monitor_pane_get_entry (SfMonitorPane *self)
{
  return GTK_EDITABLE (self->send_entry);
}

gboolean
_sf_monitor_pane_get_improv_offered (SfMonitorPane *self)
{
  return self->improv_offered;
}

GtkWidget *
_sf_monitor_pane_get_button (SfMonitorPane *self,
                             const char    *name)
{
  const struct { const char *name; gpointer widget; } buttons[] = {
    { "wifi", self->wifi_button },
    { "reset", self->reset_button },
    { "pause", self->pause_button },
    { "clear", self->clear_button },
    { "save", self->save_button },
    { "run", self->run_button },
    { "send", self->send_button },
  };

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    if (g_str_equal (buttons[i].name, name))
      return buttons[i].widget;
  g_return_val_if_reached (NULL);
}

guint
_sf_monitor_pane_get_view_lines (SfMonitorPane *self)
{
  return gtk_text_buffer_get_line_count (gtk_text_view_get_buffer (self->text_view));
}
