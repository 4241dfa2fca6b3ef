/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renders the main window in demo mode, in three states, to PNG files for
 * the README: idle.png, flashing.png and error.png in the folder given as
 * the first argument. Run it under a display (render-screenshots.sh uses
 * xvfb-run). */
#include "config.h"

#include <glib/gstdio.h>

#include "sf-ui-test-util.h"

static SfApplication *app;
static const char *out_dir;
static int status = 1;

static void
save_png (SfWindow   *window,
          const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  int width, height;

  /* Let revealers and the stack finish their transitions. */
  sf_test_spin (600);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("Cannot write %s", path);
  g_print ("%s (%d×%d)\n", path, width, height);
}

static SfFirmwareRow *
add_file (SfWindow   *window,
          const char *dir,
          const char *name,
          GBytes     *bytes)
{
  g_autofree char *path = sf_test_write_file (dir, name, bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return _sf_window_add_firmware (window, file);
}

static void
render (void)
{
  GSettings *settings = sf_application_get_settings (app);
  g_autofree char *dir = g_dir_make_tmp ("sparkflash-shots-XXXXXX", NULL);
  g_autoptr(GBytes) boot = sf_test_build_bootloader (21);
  g_autoptr(GBytes) table = sf_test_build_partition_table ();
  g_autoptr(GBytes) blink = sf_test_build_app (900 * 1024, 23);
  SfPhase phase = SF_PHASE_CONNECT;
  guint64 total = 0;
  double fraction;
  SfSimDevice *device;
  SfWindow *window;

  sf_test_reset_settings (settings);
  window = sf_test_open_window (app, "esp32");
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 700);
  device = _sf_window_get_sim_device (window, "esp32");

  /* A typical ESP-IDF build: bootloader, partition table, app. */
  add_file (window, dir, "bootloader.bin", boot);
  add_file (window, dir, "partition-table.bin", table);
  add_file (window, dir, "blink.bin", blink);

  /* Idle, with the board's details read. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.chip-info", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 30000);
  save_png (window, "idle.png");

  /* Flashing, with the log open. The simulator's pty is far faster than a
   * UART: hold the board still about halfway through the app (a stall
   * after so many 1 KiB blocks), then picture it. */
  g_object_set (window, "show-log", TRUE, NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_progress (window, &phase, &total) > 0 &&
                 phase == SF_PHASE_WRITE && total >= g_bytes_get_size (blink), 120000);
  fraction = _sf_window_get_progress (window, NULL, NULL);
  sf_sim_device_set_fault (device, SF_SIM_FAULT_STALL,
                           (guint) (MAX (0.47 - fraction, 0.01) * total / 1024));
  sf_test_spin (1500);
  save_png (window, "flashing.png");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 10000);
  sf_sim_device_set_fault (device, SF_SIM_FAULT_NONE, 0);

  /* The most common failure: the board is not in its bootloader. */
  g_object_set (window, "show-log", FALSE, NULL);
  sf_sim_device_set_fault (device, SF_SIM_FAULT_SILENT, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 60000);
  save_png (window, "error.png");
  sf_sim_device_set_fault (device, SF_SIM_FAULT_NONE, 0);

  sf_test_close_window (window);
  sf_test_reset_settings (settings);
  for (const char *const *n = (const char *const[]) { "bootloader.bin", "partition-table.bin",
                                                      "blink.bin", NULL }; *n != NULL; n++)
    {
      g_autofree char *path = g_build_filename (dir, *n, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
  status = 0;
}

static void
activate_cb (GApplication *application)
{
  g_signal_stop_emission_by_name (application, "activate");
  g_application_hold (application);
  /* GNOME's interface font, where installed (fonts-cantarell), as on a
   * desktop; Xvfb has no settings daemon to say so. */
  g_object_set (gtk_settings_get_default (), "gtk-font-name", "Cantarell 11", NULL);
  render ();
  g_application_release (application);
  g_application_quit (application);
}

int
main (int   argc,
      char *argv[])
{
  out_dir = argc > 1 ? argv[1] : ".";
  g_mkdir_with_parents (out_dir, 0755);

  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return status;
}
