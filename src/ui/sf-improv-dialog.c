/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-improv-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-improv-dialog.h"

struct _SfImprovDialog
{
  GtkWindow       parent_instance;

  /* Template widgets */
  GtkButton      *close_button;
  GtkButton      *connect_button;
  GtkStack       *stack;
  GtkLabel       *waiting_label;
  GtkLabel       *device_label;
  GtkLabel       *form_error;
  GtkListBox     *network_list;
  GtkEntry       *ssid_entry;
  GtkPasswordEntry *password_entry;
  GtkLabel       *done_title;
  GtkLinkButton  *url_button;

  /* Owned */
  SfImprovClient *client;
  GCancellable   *cancellable;
  char           *ssid;          /* the network being joined */

  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (SfImprovDialog, sf_improv_dialog, GTK_TYPE_WINDOW)

static void
update_connect (SfImprovDialog *self)
{
  const char *ssid = gtk_editable_get_text (GTK_EDITABLE (self->ssid_entry));
  gboolean on_form = g_str_equal (gtk_stack_get_visible_child_name (self->stack), "form");

  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button), on_form && !self->busy && *ssid != '\0');
}

static void
show_waiting (SfImprovDialog *self,
              const char     *text)
{
  self->busy = TRUE;
  gtk_label_set_text (self->waiting_label, text);
  gtk_stack_set_visible_child_name (self->stack, "waiting");
  update_connect (self);
}

static void
show_form (SfImprovDialog *self,
           const char     *error)
{
  self->busy = FALSE;
  gtk_label_set_text (self->form_error, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), error != NULL);
  gtk_stack_set_visible_child_name (self->stack, "form");
  update_connect (self);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->ssid_entry)) != '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
}

static const char *
signal_icon (int rssi)
{
  if (rssi >= -55)
    return "network-wireless-signal-excellent-symbolic";
  if (rssi >= -67)
    return "network-wireless-signal-good-symbolic";
  if (rssi >= -78)
    return "network-wireless-signal-ok-symbolic";
  return "network-wireless-signal-weak-symbolic";
}

static GtkWidget *
create_network_row (const SfImprovNetwork *network)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (network->ssid);
  GtkWidget *strength = gtk_image_new_from_icon_name (signal_icon (network->rssi));
  g_autofree char *description = NULL;

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  if (network->secured)
    {
      GtkWidget *lock = gtk_image_new_from_icon_name ("network-wireless-encrypted-symbolic");

      gtk_widget_set_tooltip_text (lock, _("Needs a password"));
      gtk_box_append (GTK_BOX (box), lock);
    }
  gtk_box_append (GTK_BOX (box), strength);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  description = g_strdup_printf (network->secured ? _("%s, secured, signal %d dBm")
                                                  : _("%s, open, signal %d dBm"),
                                 network->ssid, network->rssi);
  gtk_widget_set_tooltip_text (strength, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description, -1);
  g_object_set_data_full (G_OBJECT (row), "ssid", g_strdup (network->ssid), g_free);
  return row;
}

static void
scan_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SfImprovDialog) self = user_data;
  g_autoptr(GPtrArray) networks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  networks = sf_improv_client_scan_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (networks == NULL)
    message = g_strdup_printf (_("The board did not list the networks it sees (%s). Type the "
                                 "network's name instead."), error->message);
  else if (networks->len == 0)
    message = g_strdup (_("The board sees no networks. Type the network's name if it is "
                          "hidden, or move the board closer to the access point."));
  else
    for (guint i = 0; i < networks->len; i++)
      gtk_list_box_append (self->network_list, create_network_row (g_ptr_array_index (networks, i)));

  gtk_widget_set_visible (GTK_WIDGET (self->network_list), networks != NULL && networks->len > 0);
  show_form (self, message);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->ssid_entry)) == '\0')
    gtk_widget_grab_focus (networks != NULL && networks->len > 0 ? GTK_WIDGET (self->network_list)
                                                                 : GTK_WIDGET (self->ssid_entry));
}

static void
scan (SfImprovDialog *self)
{
  show_waiting (self, _("Asking the board which networks it sees…"));
  sf_improv_client_scan_async (self->client, self->cancellable, scan_done_cb, g_object_ref (self));
}

static void
info_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SfImprovDialog) self = user_data;
  g_auto(GStrv) info = NULL;
  g_autoptr(GError) error = NULL;

  info = sf_improv_client_get_info_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER))
    {
      show_form (self, _("The board does not answer Improv requests any more. Reset it from "
                         "the monitor and try again."));
      gtk_widget_set_visible (GTK_WIDGET (self->network_list), FALSE);
      return;
    }
  /* Firmware, version, chip family, device name, as Improv orders them. */
  if (info != NULL && g_strv_length (info) >= 4)
    {
      g_autofree char *text = g_strdup_printf (_("%s %s on %s, named “%s”"),
                                               info[0], info[1], info[2], info[3]);

      gtk_label_set_text (self->device_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->device_label), info != NULL && g_strv_length (info) >= 4);
  scan (self);
}

static void
provision_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SfImprovDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *title = NULL;

  url = sf_improv_client_provision_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (url == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT))
        message = g_strdup_printf (_("The board could not join “%s”. Check the password, and "
                                     "that the network is in reach of the board."), self->ssid);
      else
        message = g_strdup_printf (_("The board did not join “%s”: %s"), self->ssid, error->message);
      show_form (self, message);
      return;
    }

  self->busy = FALSE;
  title = g_strdup_printf (_("The board is on “%s”"), self->ssid);
  gtk_label_set_text (self->done_title, title);
  if (*url != '\0')
    {
      gtk_link_button_set_uri (self->url_button, url);
      gtk_button_set_label (GTK_BUTTON (self->url_button), url);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->url_button), *url != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->connect_button), FALSE);
  gtk_button_set_label (self->close_button, _("_Close"));
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_grab_focus (*url != '\0' ? GTK_WIDGET (self->url_button) : GTK_WIDGET (self->close_button));
}

static void
connect_clicked_cb (SfImprovDialog *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
  g_autofree char *waiting = NULL;

  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->connect_button)))
    return;
  g_free (self->ssid);
  self->ssid = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->ssid_entry)));
  waiting = g_strdup_printf (_("Joining “%s”…"), self->ssid);
  show_waiting (self, waiting);
  sf_improv_client_provision_async (self->client, self->ssid, password, self->cancellable,
                                    provision_done_cb, g_object_ref (self));
}

static void
row_selected_cb (SfImprovDialog *self,
                 GtkListBoxRow  *row)
{
  const char *ssid;

  if (row == NULL)
    return;
  ssid = g_object_get_data (G_OBJECT (row), "ssid");
  gtk_editable_set_text (GTK_EDITABLE (self->ssid_entry), ssid);
}

static void
row_activated_cb (SfImprovDialog *self,
                  GtkListBoxRow  *row)
{
  row_selected_cb (self, row);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
}

static void
sf_improv_dialog_dispose (GObject *object)
{
  SfImprovDialog *self = SF_IMPROV_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_pointer (&self->ssid, g_free);

  G_OBJECT_CLASS (sf_improv_dialog_parent_class)->dispose (object);
}

static void
sf_improv_dialog_class_init (SfImprovDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_improv_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-improv-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, close_button);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, connect_button);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, device_label);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, form_error);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, network_list);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, ssid_entry);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, password_entry);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, done_title);
  gtk_widget_class_bind_template_child (widget_class, SfImprovDialog, url_button);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sf_improv_dialog_init (SfImprovDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->connect_button));
  g_signal_connect_swapped (self->close_button, "clicked", G_CALLBACK (gtk_window_close), self);
  g_signal_connect_swapped (self->connect_button, "clicked", G_CALLBACK (connect_clicked_cb), self);
  g_signal_connect_swapped (self->password_entry, "activate", G_CALLBACK (connect_clicked_cb), self);
  g_signal_connect_swapped (self->ssid_entry, "changed", G_CALLBACK (update_connect), self);
  g_signal_connect_swapped (self->network_list, "row-selected", G_CALLBACK (row_selected_cb), self);
  g_signal_connect_swapped (self->network_list, "row-activated", G_CALLBACK (row_activated_cb), self);
}

SfImprovDialog *
sf_improv_dialog_new (GtkWindow      *parent,
                      SfImprovClient *client)
{
  SfImprovDialog *self;

  g_return_val_if_fail (SF_IS_IMPROV_CLIENT (client), NULL);

  self = g_object_new (SF_TYPE_IMPROV_DIALOG, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  show_waiting (self, _("Asking the board what it is…"));
  sf_improv_client_get_info_async (self->client, self->cancellable, info_done_cb, g_object_ref (self));
  return self;
}

const char *
_sf_improv_dialog_get_page (SfImprovDialog *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

char **
_sf_improv_dialog_dup_networks (SfImprovDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->network_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *ssid = g_object_get_data (G_OBJECT (row), "ssid");

      if (ssid != NULL)
        g_strv_builder_add (builder, ssid);
    }
  return g_strv_builder_end (builder);
}

void
_sf_improv_dialog_connect (SfImprovDialog *self,
                           const char     *ssid,
                           const char     *password)
{
  gtk_editable_set_text (GTK_EDITABLE (self->ssid_entry), ssid);
  gtk_editable_set_text (GTK_EDITABLE (self->password_entry), password);
  connect_clicked_cb (self);
}

const char *
_sf_improv_dialog_get_error (SfImprovDialog *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->form_error)))
    return NULL;
  return gtk_label_get_text (self->form_error);
}

const char *
_sf_improv_dialog_get_url (SfImprovDialog *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->url_button)))
    return NULL;
  return gtk_link_button_get_uri (self->url_button);
}
