/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-color-scheme"

#include "config.h"

#include "sf-color-scheme.h"

#define PORTAL_BUS_NAME  "org.freedesktop.portal.Desktop"
#define PORTAL_PATH      "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS  "org.freedesktop.portal.Settings"
#define APPEARANCE       "org.freedesktop.appearance"
#define GNOME_INTERFACE  "org.gnome.desktop.interface"

struct _SfColorScheme
{
  GObject       parent_instance;

  GCancellable *cancellable;
  GDBusProxy   *portal;
  GSettings    *gnome_settings;
  gboolean      dark;
};

G_DEFINE_FINAL_TYPE (SfColorScheme, sf_color_scheme, G_TYPE_OBJECT)

static void
set_dark (SfColorScheme *self,
          gboolean       dark)
{
  GtkSettings *settings = gtk_settings_get_default ();

  self->dark = dark;
  if (settings != NULL)
    g_object_set (settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

/* The portal's color-scheme: 0 no preference, 1 prefer dark, 2 prefer light. */
static void
apply_portal_value (SfColorScheme *self,
                    GVariant      *value)
{
  /* Read() wraps the value in one more variant than SettingChanged does. */
  while (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    value = g_variant_get_variant (value), g_variant_unref (value);
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    set_dark (self, g_variant_get_uint32 (value) == 1);
}

static void
portal_signal_cb (GDBusProxy    *proxy,
                  const char    *sender,
                  const char    *signal,
                  GVariant      *parameters,
                  SfColorScheme *self)
{
  const char *namespace, *key;
  g_autoptr(GVariant) value = NULL;

  if (g_strcmp0 (signal, "SettingChanged") != 0 ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &namespace, &key, &value);
  if (g_str_equal (namespace, APPEARANCE) && g_str_equal (key, "color-scheme"))
    apply_portal_value (self, g_variant_ref (value));
}

static void
gnome_setting_changed_cb (GSettings     *settings,
                          const char    *key,
                          SfColorScheme *self)
{
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");

  set_dark (self, g_strcmp0 (scheme, "prefer-dark") == 0);
}

/* Without a portal: GNOME's own setting, when its schema is installed. */
static void
follow_gnome_setting (SfColorScheme *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, GNOME_INTERFACE, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "color-scheme"))
    return;

  self->gnome_settings = g_settings_new (GNOME_INTERFACE);
  g_signal_connect_object (self->gnome_settings, "changed::color-scheme",
                           G_CALLBACK (gnome_setting_changed_cb), self, 0);
  gnome_setting_changed_cb (self->gnome_settings, "color-scheme", self);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SfColorScheme *self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, NULL);
  if (reply == NULL)
    {
      /* An old portal, or none answering: fall back. */
      if (self->portal != NULL)
        follow_gnome_setting (self);
      g_object_unref (self);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  apply_portal_value (self, g_steal_pointer (&value));
  g_object_unref (self);
}

static void
proxy_ready_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SfColorScheme *self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);

  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        follow_gnome_setting (self);
      g_object_unref (self);
      return;
    }

  self->portal = proxy;
  g_signal_connect_object (proxy, "g-signal", G_CALLBACK (portal_signal_cb), self, 0);
  g_dbus_proxy_call (proxy, "Read", g_variant_new ("(ss)", APPEARANCE, "color-scheme"),
                     G_DBUS_CALL_FLAGS_NONE, 2000, self->cancellable, read_cb,
                     g_object_ref (self));
  g_object_unref (self);
}

static void
sf_color_scheme_dispose (GObject *object)
{
  SfColorScheme *self = SF_COLOR_SCHEME (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->portal);
  g_clear_object (&self->gnome_settings);

  G_OBJECT_CLASS (sf_color_scheme_parent_class)->dispose (object);
}

static void
sf_color_scheme_class_init (SfColorSchemeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sf_color_scheme_dispose;
}

static void
sf_color_scheme_init (SfColorScheme *self)
{
  self->cancellable = g_cancellable_new ();
}

SfColorScheme *
sf_color_scheme_new (void)
{
  SfColorScheme *self = g_object_new (SF_TYPE_COLOR_SCHEME, NULL);

  /* Asynchronous, so a slow or absent portal never delays the window. */
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                            NULL, PORTAL_BUS_NAME, PORTAL_PATH, PORTAL_SETTINGS,
                            self->cancellable, proxy_ready_cb, g_object_ref (self));
  return self;
}

gboolean
sf_color_scheme_get_dark (SfColorScheme *self)
{
  g_return_val_if_fail (SF_IS_COLOR_SCHEME (self), FALSE);

  return self->dark;
}
