/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-concerns-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-concerns-dialog.h"
#include "sf-write-check.h"

struct _SfConcernsDialog
{
  GtkWindow  parent_instance;

  GtkWidget *list;           /* a GtkBox of rows: icon, wrapped label */
  GtkWidget *cancel_button;
  gboolean   answered;
};

enum
{
  SIGNAL_ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SfConcernsDialog, sf_concerns_dialog, GTK_TYPE_WINDOW)

void
sf_concerns_dialog_answer (SfConcernsDialog *self,
                           gboolean          write)
{
  g_return_if_fail (SF_IS_CONCERNS_DIALOG (self));

  if (self->answered)
    return;
  self->answered = TRUE;
  /* Held across the emission: a handler may drop the last other ref. */
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_ANSWERED], 0, write);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

char **
sf_concerns_dialog_dup_items (SfConcernsDialog *self)
{
  g_autoptr(GStrvBuilder) items = g_strv_builder_new ();

  g_return_val_if_fail (SF_IS_CONCERNS_DIALOG (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (self->list);
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    g_strv_builder_add (items, gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (row))));
  return g_strv_builder_end (items);
}

static void
cancel_clicked_cb (SfConcernsDialog *self)
{
  sf_concerns_dialog_answer (self, FALSE);
}

static void
write_clicked_cb (SfConcernsDialog *self)
{
  sf_concerns_dialog_answer (self, TRUE);
}

static gboolean
sf_concerns_dialog_close_request (GtkWindow *window)
{
  /* Closed any other way than Write Anyway is a no. */
  sf_concerns_dialog_answer (SF_CONCERNS_DIALOG (window), FALSE);
  return TRUE;
}

static void
sf_concerns_dialog_class_init (SfConcernsDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  window_class->close_request = sf_concerns_dialog_close_request;

  signals[SIGNAL_ANSWERED] =
    g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sf_concerns_dialog_init (SfConcernsDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *heading = gtk_label_new (_("Write Anyway?"));
  GtkWidget *intro = gtk_label_new (_("The checks before writing found what could keep the board "
                                      "from starting, or lose what it holds. Nothing has been "
                                      "written yet."));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *write_button = gtk_button_new_with_mnemonic (_("_Write Anyway"));

  gtk_window_set_title (GTK_WINDOW (self), _("Write Anyway?"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (self), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (self), 480, -1);
  gtk_widget_add_css_class (GTK_WIDGET (self), "dialog");

  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);

  gtk_widget_add_css_class (heading, "title-2");
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_box_append (GTK_BOX (box), heading);

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (intro), 50);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_box_append (GTK_BOX (box), intro);

  self->list = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  /* A long list scrolls instead of growing off the screen; the scroll bar
   * stays, as GTK 4.8's overlay bars misdraw in a window this size. */
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_overlay_scrolling (GTK_SCROLLED_WINDOW (scrolled), FALSE);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list);
  gtk_box_append (GTK_BOX (box), scrolled);

  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_add_css_class (write_button, "destructive-action");
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 12);
  gtk_box_append (GTK_BOX (buttons), self->cancel_button);
  gtk_box_append (GTK_BOX (buttons), write_button);
  gtk_box_append (GTK_BOX (box), buttons);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  g_signal_connect_swapped (write_button, "clicked", G_CALLBACK (write_clicked_cb), self);

  gtk_window_set_child (GTK_WINDOW (self), box);
  /* Enter on its own must not write: Cancel is where the focus starts. */
  gtk_window_set_default_widget (GTK_WINDOW (self), self->cancel_button);
  gtk_window_set_focus (GTK_WINDOW (self), self->cancel_button);
}

SfConcernsDialog *
sf_concerns_dialog_new (GtkWindow *parent,
                        GPtrArray *concerns)
{
  SfConcernsDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (concerns != NULL, NULL);

  self = g_object_new (SF_TYPE_CONCERNS_DIALOG, "transient-for", parent, NULL);
  for (guint i = 0; i < concerns->len; i++)
    {
      const SfWriteConcern *concern = g_ptr_array_index (concerns, i);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      /* The board's own state (secure boot, flash encryption) or a file's. */
      GtkWidget *icon = gtk_image_new_from_icon_name (concern->region < 0
                                                      ? "security-high-symbolic"
                                                      : "dialog-warning-symbolic");
      GtkWidget *label = gtk_label_new (concern->message);

      gtk_widget_set_valign (icon, GTK_ALIGN_START);
      gtk_widget_add_css_class (icon, "warning");
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (row), icon);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (self->list), row);
    }
  return self;
}
