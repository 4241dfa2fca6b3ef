/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-port-chooser"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-port-chooser.h"

/* Enough for the odd Bluetooth or network port; older ones drop off. */
#define MAX_CUSTOM_PORTS 5

struct _SfPortChooser
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkLabel      *port_label;
  GtkLabel      *port_subtitle;
  GtkDropDown   *port_drop_down;
  GtkPopover    *other_port_popover;
  GtkEntry      *other_port_entry;

  /* Owned */
  GSettings     *settings;
  GListStore    *custom_ports;      /* GtkStringObject: typed paths */
  GListModel    *ports;             /* the monitor's ports, then custom_ports */
  char          *port_path;         /* the port the person chose */
  char          *port_serial;

  guint          ports_changing;
  gboolean       setting_port;
  gboolean       port_missing;
};

G_DEFINE_FINAL_TYPE (SfPortChooser, sf_port_chooser, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_SWITCHED,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
port_item_path (gpointer item)
{
  if (SF_IS_PORT_ENTRY (item))
    return sf_port_entry_get_path (item);
  if (GTK_IS_STRING_OBJECT (item))
    return gtk_string_object_get_string (item);
  return NULL;
}

static gpointer
selected_port (SfPortChooser *self)
{
  return gtk_drop_down_get_selected_item (self->port_drop_down);
}

/* What the person plugs in: a USB adapter or (in demo mode) a simulated
 * board. A motherboard's own UART (ttyS*) is listed, never assumed. */
static gboolean
is_board (gpointer item)
{
  return SF_IS_PORT_ENTRY (item) &&
         (sf_port_entry_get_is_usb (item) || sf_port_entry_get_is_simulated (item));
}

static guint
find_first_board (SfPortChooser *self)
{
  guint n = g_list_model_get_n_items (self->ports);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->ports, i);

      if (is_board (item))
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* The position of the port with @serial (preferred: it follows a board
 * that comes back under another name) or @path. */
static guint
find_port (SfPortChooser *self,
           const char    *path,
           const char    *serial)
{
  guint n = g_list_model_get_n_items (self->ports);
  guint by_path = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->ports, i);

      if (serial != NULL && *serial != '\0' && SF_IS_PORT_ENTRY (item) &&
          g_strcmp0 (sf_port_entry_get_serial_number (SF_PORT_ENTRY (item)), serial) == 0)
        return i;
      if (by_path == GTK_INVALID_LIST_POSITION && path != NULL &&
          g_strcmp0 (port_item_path (item), path) == 0)
        by_path = i;
    }
  return by_path;
}

static void
set_selected_port (SfPortChooser *self,
                   guint          position)
{
  self->setting_port = TRUE;
  gtk_drop_down_set_selected (self->port_drop_down, position);
  self->setting_port = FALSE;
}

static void
remember_port (SfPortChooser *self,
               gpointer       item)
{
  g_free (self->port_path);
  self->port_path = g_strdup (port_item_path (item));
  g_free (self->port_serial);
  self->port_serial = SF_IS_PORT_ENTRY (item) ? g_strdup (sf_port_entry_get_serial_number (item))
                                              : NULL;
}

/* "/dev/ttyUSB0 · USB 10c4:ea60 · serial 0001": what tells two alike
 * adapters apart. */
static char *
describe_entry (SfPortEntry *entry)
{
  if (*sf_port_entry_get_subtitle (entry) == '\0')
    return g_strdup (sf_port_entry_get_path (entry));
  return g_strdup_printf ("%s · %s", sf_port_entry_get_path (entry),
                          sf_port_entry_get_subtitle (entry));
}

static void
update_subtitle (SfPortChooser *self)
{
  gpointer item = selected_port (self);
  const char *subtitle = NULL;
  g_autofree char *text = NULL;

  if (item == NULL)
    {
      if (find_first_board (self) == GTK_INVALID_LIST_POSITION)
        subtitle = _("No board found. Plug in the board’s USB cable; if it still does not "
                     "appear, try another cable (some only charge), or type its port with the "
                     "button on the right.");
      else
        subtitle = _("Choose the board’s port");
    }
  else if (SF_IS_PORT_ENTRY (item))
    text = describe_entry (item);
  else
    text = g_strdup_printf (_("%s · typed by hand"), port_item_path (item));

  gtk_label_set_text (self->port_subtitle, text != NULL ? text : subtitle);
}

/* The key of "adapter-bauds": the USB ids, as lsusb shows them. */
static char *
adapter_key (guint vid,
             guint pid)
{
  return g_strdup_printf ("%04x:%04x", vid, pid);
}

/* The last rate that worked with this USB adapter. */
static void
apply_adapter_baud (SfPortChooser *self,
                    gpointer       item)
{
  g_autofree char *key = NULL;
  g_autoptr(GVariant) bauds = NULL;
  guint baud;

  if (!SF_IS_PORT_ENTRY (item) || !sf_port_entry_get_is_usb (item))
    return;
  key = adapter_key (sf_port_entry_get_usb_vid (item), sf_port_entry_get_usb_pid (item));
  bauds = g_settings_get_value (self->settings, "adapter-bauds");
  if (g_variant_lookup (bauds, key, "u", &baud))
    g_settings_set_uint (self->settings, "baud", baud);
}

/* A change the person made, not the list moving under the drop-down. */
static void
port_selected_cb (SfPortChooser *self)
{
  gpointer item;

  if (self->setting_port || self->ports_changing > 0)
    return;

  item = selected_port (self);
  if (item != NULL)
    {
      gboolean same = g_strcmp0 (self->port_path, port_item_path (item)) == 0;

      remember_port (self, item);
      g_settings_set_string (self->settings, "last-port", self->port_path);
      g_settings_set_string (self->settings, "last-port-serial",
                             self->port_serial != NULL ? self->port_serial : "");
      self->port_missing = FALSE;
      if (!same)
        {
          apply_adapter_baud (self, item);
          g_signal_emit (self, signals[SIGNAL_SWITCHED], 0);
        }
    }
  update_subtitle (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
ports_changing_cb (SfPortChooser *self)
{
  self->ports_changing++;
}

/* After the drop-down has reacted to the change: put the selection back
 * where the person wants it. A port that vanished is reported, never
 * silently replaced by another. */
static void
ports_changed_cb (SfPortChooser *self)
{
  guint position;

  self->ports_changing--;

  if (self->port_path == NULL)
    {
      g_autofree char *path = g_settings_get_string (self->settings, "last-port");
      g_autofree char *serial = g_settings_get_string (self->settings, "last-port-serial");
      gpointer item;

      /* Else the first board plugged in: the best guess, not remembered
       * until used. Nothing rather than a built-in UART, which is never
       * the board: the subtitle then says how to find it. */
      position = find_port (self, path, serial);
      if (position == GTK_INVALID_LIST_POSITION)
        position = find_first_board (self);
      set_selected_port (self, position);
      item = selected_port (self);
      if (item != NULL)
        {
          remember_port (self, item);
          apply_adapter_baud (self, item);
        }
    }
  else
    {
      position = find_port (self, self->port_path, self->port_serial);
      if (position != GTK_INVALID_LIST_POSITION)
        {
          g_autoptr(GObject) item = g_list_model_get_item (self->ports, position);

          if (gtk_drop_down_get_selected (self->port_drop_down) != position)
            set_selected_port (self, position);
          /* A native-USB board re-enumerates under a new name. */
          remember_port (self, item);
          self->port_missing = FALSE;
        }
      else
        {
          set_selected_port (self, GTK_INVALID_LIST_POSITION);
          self->port_missing = TRUE;
        }
    }

  update_subtitle (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
port_item_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  with_subtitle)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);
  if (GPOINTER_TO_INT (with_subtitle))
    {
      GtkWidget *subtitle = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
      gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_box_append (GTK_BOX (box), subtitle);
      gtk_widget_set_margin_top (box, 3);
      gtk_widget_set_margin_bottom (box, 3);
    }
  else
    gtk_label_set_max_width_chars (GTK_LABEL (title), 24);
  gtk_list_item_set_child (list_item, box);
}

static void
port_item_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  with_subtitle)
{
  gpointer item = gtk_list_item_get_item (list_item);
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *sub = NULL;

  if (SF_IS_PORT_ENTRY (item))
    {
      gtk_label_set_text (GTK_LABEL (title), sf_port_entry_get_title (item));
      sub = describe_entry (item);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (title), port_item_path (item));
      sub = g_strdup (_("Typed by hand"));
    }
  if (subtitle != NULL)
    gtk_label_set_text (GTK_LABEL (subtitle), sub);
}

/* The button shows the title alone; the open list adds path and USB ids. */
static GtkListItemFactory *
port_factory_new (gboolean with_subtitle)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (port_item_setup_cb),
                    GINT_TO_POINTER (with_subtitle));
  g_signal_connect (factory, "bind", G_CALLBACK (port_item_bind_cb),
                    GINT_TO_POINTER (with_subtitle));
  return factory;
}

static void
save_custom_ports (SfPortChooser *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) paths = NULL;
  GListModel *custom = G_LIST_MODEL (self->custom_ports);

  for (guint i = 0; i < g_list_model_get_n_items (custom); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (custom, i);

      g_strv_builder_add (builder, gtk_string_object_get_string (item));
    }
  paths = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "custom-ports", (const char * const *) paths);
}

void
sf_port_chooser_use_typed_port (SfPortChooser *self)
{
  g_autofree char *path = NULL;
  guint position;

  g_return_if_fail (SF_IS_PORT_CHOOSER (self));
  g_return_if_fail (self->settings != NULL);

  path = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->other_port_entry))));
  if (*path == '\0')
    return;

  position = find_port (self, path, NULL);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      g_autoptr(GtkStringObject) item = gtk_string_object_new (path);

      g_list_store_insert (self->custom_ports, 0, item);
      while (g_list_model_get_n_items (G_LIST_MODEL (self->custom_ports)) > MAX_CUSTOM_PORTS)
        g_list_store_remove (self->custom_ports, MAX_CUSTOM_PORTS);
      save_custom_ports (self);
      position = find_port (self, path, NULL);
    }
  /* As if chosen from the list. */
  gtk_drop_down_set_selected (self->port_drop_down, position);
  port_selected_cb (self);
  gtk_popover_popdown (self->other_port_popover);
}

static void
use_typed_port_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sf_port_chooser_use_typed_port (SF_PORT_CHOOSER (widget));
}

static void
other_port_activate_cb (SfPortChooser *self)
{
  sf_port_chooser_use_typed_port (self);
}

void
sf_port_chooser_bind (SfPortChooser *self,
                      SfPortMonitor *monitor,
                      GSettings     *settings)
{
  g_autoptr(GListStore) models = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkListItemFactory) list_factory = NULL;
  g_auto(GStrv) custom = NULL;

  g_return_if_fail (SF_IS_PORT_CHOOSER (self));
  g_return_if_fail (SF_IS_PORT_MONITOR (monitor));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);

  custom = g_settings_get_strv (settings, "custom-ports");
  for (guint i = 0; custom[i] != NULL; i++)
    {
      g_autoptr(GtkStringObject) item = gtk_string_object_new (custom[i]);

      g_list_store_append (self->custom_ports, item);
    }
  g_list_store_append (models, monitor);
  g_list_store_append (models, self->custom_ports);
  self->ports = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&models))));
  /* Before the drop-down connects: know when the list moves under it. */
  g_signal_connect_object (self->ports, "items-changed", G_CALLBACK (ports_changing_cb), self,
                           G_CONNECT_SWAPPED);
  factory = port_factory_new (FALSE);
  list_factory = port_factory_new (TRUE);
  gtk_drop_down_set_factory (self->port_drop_down, factory);
  gtk_drop_down_set_list_factory (self->port_drop_down, list_factory);
  gtk_drop_down_set_model (self->port_drop_down, self->ports);
  g_signal_connect_object (self->ports, "items-changed", G_CALLBACK (ports_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  /* Only now: the drop-down picking from its new model is not the
   * person's choice. */
  g_signal_connect_object (self->port_drop_down, "notify::selected",
                           G_CALLBACK (port_selected_cb), self, G_CONNECT_SWAPPED);

  /* Whatever is listed already. */
  self->ports_changing++;
  ports_changed_cb (self);
}

const char *
sf_port_chooser_get_path (SfPortChooser *self)
{
  g_return_val_if_fail (SF_IS_PORT_CHOOSER (self), NULL);

  return port_item_path (selected_port (self));
}

SfPortEntry *
sf_port_chooser_get_entry (SfPortChooser *self)
{
  gpointer item;

  g_return_val_if_fail (SF_IS_PORT_CHOOSER (self), NULL);

  item = selected_port (self);
  return SF_IS_PORT_ENTRY (item) ? item : NULL;
}

const char *
sf_port_chooser_get_missing_path (SfPortChooser *self)
{
  g_return_val_if_fail (SF_IS_PORT_CHOOSER (self), NULL);

  return self->port_missing ? self->port_path : NULL;
}

gboolean
sf_port_chooser_select_path (SfPortChooser *self,
                             const char    *path)
{
  guint position;

  g_return_val_if_fail (SF_IS_PORT_CHOOSER (self), FALSE);

  if (self->ports == NULL)
    return FALSE;
  position = find_port (self, path, NULL);
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_drop_down_set_selected (self->port_drop_down, position);
  return TRUE;
}

void
sf_port_chooser_remember_baud (SfPortChooser *self,
                               guint          usb_vid,
                               guint          usb_pid,
                               guint          baud)
{
  g_autofree char *key = NULL;
  g_autoptr(GVariant) old = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *k;
  guint v;

  g_return_if_fail (SF_IS_PORT_CHOOSER (self));
  g_return_if_fail (self->settings != NULL);

  if (usb_vid == 0 && usb_pid == 0)
    return;
  key = adapter_key (usb_vid, usb_pid);
  old = g_settings_get_value (self->settings, "adapter-bauds");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{su}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&su}", &k, &v))
    if (!g_str_equal (k, key))
      g_variant_builder_add (&builder, "{su}", k, v);
  g_variant_builder_add (&builder, "{su}", key, baud);
  g_settings_set_value (self->settings, "adapter-bauds", g_variant_builder_end (&builder));
}

void
sf_port_chooser_popup (SfPortChooser *self)
{
  g_return_if_fail (SF_IS_PORT_CHOOSER (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->port_drop_down));
  gtk_widget_activate (GTK_WIDGET (self->port_drop_down));
}

static void
sf_port_chooser_dispose (GObject *object)
{
  SfPortChooser *self = SF_PORT_CHOOSER (object);
  GtkWidget *child;

  /* The monitor outlives the chooser: nothing may reach it from there. */
  if (self->ports != NULL)
    g_signal_handlers_disconnect_by_data (self->ports, self);
  if (self->port_drop_down != NULL)
    gtk_drop_down_set_model (self->port_drop_down, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_PORT_CHOOSER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->ports);
  g_clear_object (&self->custom_ports);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sf_port_chooser_parent_class)->dispose (object);
}

static void
sf_port_chooser_finalize (GObject *object)
{
  SfPortChooser *self = SF_PORT_CHOOSER (object);

  g_free (self->port_path);
  g_free (self->port_serial);

  G_OBJECT_CLASS (sf_port_chooser_parent_class)->finalize (object);
}

static void
sf_port_chooser_class_init (SfPortChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_port_chooser_dispose;
  object_class->finalize = sf_port_chooser_finalize;

  signals[SIGNAL_SWITCHED] =
    g_signal_new ("switched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-port-chooser.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, SfPortChooser, name)
  BIND (port_label);
  BIND (port_subtitle);
  BIND (port_drop_down);
  BIND (other_port_popover);
  BIND (other_port_entry);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, other_port_activate_cb);
  gtk_widget_class_install_action (widget_class, "port-chooser.use-typed-port", NULL,
                                   use_typed_port_action);
}

static void
sf_port_chooser_init (SfPortChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->custom_ports = g_list_store_new (GTK_TYPE_STRING_OBJECT);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->port_drop_down),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->port_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->port_subtitle, NULL,
                                  -1);
}

GtkWidget *
sf_port_chooser_new (void)
{
  return g_object_new (SF_TYPE_PORT_CHOOSER, NULL);
}
