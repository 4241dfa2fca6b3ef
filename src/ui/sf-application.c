/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-application.h"
#include "sf-color-scheme.h"
#include "sf-stub-image.h"
#include "sf-window.h"

typedef struct
{
  const char    *chip;
  const char    *title;
  guint          usb_vid;
  guint          usb_pid;
  SfSimFirmware  firmware;
} DemoBoard;

/* Behind the adapters such boards usually carry (a CP2102, a CH340), so
 * the demo remembers a baud rate per adapter as with real ones. */
static const DemoBoard demo_boards[] = {
  { "esp32", N_("Simulated ESP32"), 0x10c4, 0xea60, SF_SIM_FIRMWARE_IMPROV },
  { "esp8266", N_("Simulated ESP8266"), 0x1a86, 0x7523, SF_SIM_FIRMWARE_LOGGER },
};

struct _SfApplication
{
  GtkApplication  parent_instance;

  /* Owned */
  GSettings      *settings;
  SfPortMonitor  *port_monitor;
  GPtrArray      *sim_devices;   /* SfSimDevice, parallel to demo_boards */
  GtkCssProvider *css;
  SfColorScheme  *color_scheme;

  gboolean        demo;
};

G_DEFINE_FINAL_TYPE (SfApplication, sf_application, GTK_TYPE_APPLICATION)

/* Uninstalled runs (tests, render scripts, run-app.sh) find the schema
 * through GSETTINGS_SCHEMA_DIR, which meson devenv and the tests set. A
 * missing schema is said in words rather than by GLib's abort. */
static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    g_error ("The settings schema %s is not installed", APP_ID);
  return g_settings_new_full (schema, NULL, NULL);
}

static void
start_demo_boards (SfApplication *self)
{
  self->sim_devices = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (demo_boards); i++)
    {
      g_autoptr(SfSimDevice) device = NULL;
      g_autoptr(GError) error = NULL;

      device = sf_sim_device_new (demo_boards[i].chip, &error);
      if (device != NULL)
        {
          /* A real board prints its boot banner after reset; the demo
           * should exercise the same path. */
          sf_sim_device_set_boot_log (device, TRUE);
          /* Something for the serial monitor to show, and on the ESP32 a
           * firmware that takes Wi-Fi credentials. */
          sf_sim_device_set_firmware (device, demo_boards[i].firmware);
          if (!sf_sim_device_start (device, &error))
            g_clear_object (&device);
        }
      if (device == NULL)
        {
          g_warning ("Cannot start the simulated %s: %s", demo_boards[i].chip, error->message);
          g_ptr_array_add (self->sim_devices, NULL);
          continue;
        }
      sf_port_monitor_add_simulated (self->port_monitor, _(demo_boards[i].title),
                                     sf_sim_device_get_port_path (device),
                                     demo_boards[i].usb_vid, demo_boards[i].usb_pid);
      g_ptr_array_add (self->sim_devices, g_steal_pointer (&device));
    }
}

static void
stop_demo_boards (SfApplication *self)
{
  if (self->sim_devices == NULL)
    return;
  for (guint i = 0; i < self->sim_devices->len; i++)
    {
      SfSimDevice *device = g_ptr_array_index (self->sim_devices, i);

      if (device != NULL)
        sf_sim_device_stop (device);
    }
  g_clear_pointer (&self->sim_devices, g_ptr_array_unref);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  /* Closed, not destroyed: a window that is working first cancels and
   * leaves the board ready, then goes; the application ends with the last. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The Sparkflash contributors"), NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("Sparkflash"),
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Put firmware on Espressif boards without a terminal"),
                         "website", "https://github.com/sparkflash/sparkflash",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         /* Translators: your name, one per line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
};

static int
sf_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  SfApplication *self = SF_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_autofree char *stubs = sf_stub_images_describe ();

      g_print ("sparkflash %s\n%s\n", PACKAGE_VERSION, stubs);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    sf_application_set_demo (self, TRUE);
  return -1;
}

static void
sf_application_startup (GApplication *app)
{
  SfApplication *self = SF_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (sf_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  /* GTK 4.8 does not load style.css from the resource base path itself. */
  self->css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (self->css, "/io/github/sparkflash/Sparkflash/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (self->css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  self->color_scheme = sf_color_scheme_new ();
  self->port_monitor = sf_port_monitor_new ();
  if (self->demo)
    start_demo_boards (self);
}

static void
sf_application_shutdown (GApplication *app)
{
  SfApplication *self = SF_APPLICATION (app);

  stop_demo_boards (self);
  g_clear_object (&self->port_monitor);
  g_clear_object (&self->color_scheme);
  if (self->css != NULL)
    gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                   GTK_STYLE_PROVIDER (self->css));
  g_clear_object (&self->css);

  G_APPLICATION_CLASS (sf_application_parent_class)->shutdown (app);
}

static void
sf_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (sf_window_new (SF_APPLICATION (app)));
  gtk_window_present (window);
}

static void
sf_application_dispose (GObject *object)
{
  SfApplication *self = SF_APPLICATION (object);

  stop_demo_boards (self);
  g_clear_object (&self->port_monitor);
  g_clear_object (&self->color_scheme);
  g_clear_object (&self->css);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sf_application_parent_class)->dispose (object);
}

static void
sf_application_class_init (SfApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sf_application_dispose;
  app_class->handle_local_options = sf_application_handle_local_options;
  app_class->startup = sf_application_startup;
  app_class->shutdown = sf_application_shutdown;
  app_class->activate = sf_application_activate;
}

static void
sf_application_init (SfApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Add simulated boards to the port list, to try Sparkflash without hardware"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

SfApplication *
sf_application_new (void)
{
  return g_object_new (SF_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/sparkflash/Sparkflash",
                       NULL);
}

void
sf_application_set_demo (SfApplication *self,
                         gboolean       demo)
{
  g_return_if_fail (SF_IS_APPLICATION (self));
  g_return_if_fail (self->port_monitor == NULL);

  self->demo = !!demo;
}

gboolean
sf_application_get_demo (SfApplication *self)
{
  g_return_val_if_fail (SF_IS_APPLICATION (self), FALSE);

  return self->demo;
}

GSettings *
sf_application_get_settings (SfApplication *self)
{
  g_return_val_if_fail (SF_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    self->settings = create_settings ();
  return self->settings;
}

SfPortMonitor *
sf_application_get_port_monitor (SfApplication *self)
{
  g_return_val_if_fail (SF_IS_APPLICATION (self), NULL);

  return self->port_monitor;
}

SfSimDevice *
sf_application_get_sim_device (SfApplication *self,
                               const char    *chip)
{
  g_return_val_if_fail (SF_IS_APPLICATION (self), NULL);

  if (self->sim_devices == NULL)
    return NULL;
  for (guint i = 0; i < self->sim_devices->len; i++)
    if (g_strcmp0 (demo_boards[i].chip, chip) == 0)
      return g_ptr_array_index (self->sim_devices, i);
  return NULL;
}
