/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renders the main window in demo mode, in three states, to PNG files for
 * the README: idle.png, flashing.png, error.png, monitor.png, partitions.png and production.png in the folder given as
 * the first argument. Run it under a display (render-screenshots.sh uses
 * xvfb-run). */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sf-ui-test-util.h"

/* A cable as slow as a UART at 460800 baud between a pty of its own and
 * the simulated board, which is otherwise as fast as memory: the progress
 * shows the speed and time left a person would see. */
typedef struct
{
  int      client_master;
  int      client_slave;   /* kept open so the master never reads EIO */
  int      board;
  guint    bytes_per_second;
  gboolean stop;
  GThread *thread;
  char     path[64];
} Relay;

static void
make_raw (int     fd,
          speed_t speed)
{
  struct termios tio;

  tcgetattr (fd, &tio);
  cfmakeraw (&tio);
  cfsetspeed (&tio, speed);
  tcsetattr (fd, TCSANOW, &tio);
}

static gpointer
relay_thread (gpointer data)
{
  Relay *relay = data;
  gint64 start = g_get_monotonic_time ();
  guint64 sent[2] = { 0, 0 };
  guint8 buffer[256];

  while (!g_atomic_int_get (&relay->stop))
    {
      struct pollfd fds[2] = { { relay->client_master, POLLIN, 0 }, { relay->board, POLLIN, 0 } };

      if (poll (fds, 2, 50) <= 0)
        continue;
      for (int i = 0; i < 2; i++)
        {
          ssize_t n;
          gint64 due;

          if (!(fds[i].revents & POLLIN))
            continue;
          n = read (fds[i].fd, buffer, sizeof buffer);
          if (n <= 0)
            continue;
          sent[i] += n;
          due = start + (gint64) (sent[i] * G_USEC_PER_SEC / relay->bytes_per_second);
          if (due > g_get_monotonic_time ())
            g_usleep (due - g_get_monotonic_time ());
          if (write (i == 0 ? relay->board : relay->client_master, buffer, n) != n)
            g_warning ("relay: short write");
        }
    }
  return NULL;
}

static Relay *
relay_start (const char *board_path,
             guint       baud)
{
  Relay *relay = g_new0 (Relay, 1);

  relay->bytes_per_second = baud / 10;
  relay->client_master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert (relay->client_master >= 0);
  g_assert (grantpt (relay->client_master) == 0 && unlockpt (relay->client_master) == 0);
  g_assert (ptsname_r (relay->client_master, relay->path, sizeof relay->path) == 0);
  relay->client_slave = open (relay->path, O_RDWR | O_NOCTTY);
  make_raw (relay->client_slave, B115200);
  relay->board = open (board_path, O_RDWR | O_NOCTTY);
  g_assert (relay->board >= 0);
  /* The board works out its crystal from the rate its line runs at. */
  make_raw (relay->board, B115200);
  relay->thread = g_thread_new ("slow-cable", relay_thread, relay);
  return relay;
}

static void
relay_stop (Relay *relay)
{
  g_atomic_int_set (&relay->stop, TRUE);
  g_thread_join (relay->thread);
  close (relay->board);
  close (relay->client_slave);
  close (relay->client_master);
  g_free (relay);
}

static SfApplication *app;
static const char *out_dir;
static int status = 1;

static void
save_png (gpointer    window,
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
  Relay *relay;
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

  /* Flashing at a UART's pace, through a slow cable, with the log open. */
  relay = relay_start (sf_sim_device_get_port_path (device), 460800);
  gtk_editable_set_text (_sf_window_get_entry (window, "other-port"), relay->path);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.use-other-port", NULL);
  g_object_set (window, "show-log", TRUE, NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_progress (window, &phase, &total) >= 0.45 &&
                 phase == SF_PHASE_WRITE && total >= g_bytes_get_size (blink), 120000);
  save_png (window, "flashing.png");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 10000);
  relay_stop (relay);
  _sf_window_select_port (window, sf_sim_device_get_port_path (device));

  /* The most common failure: the board is not in its bootloader. */
  g_object_set (window, "show-log", FALSE, NULL);
  sf_sim_device_set_fault (device, SF_SIM_FAULT_SILENT, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 60000);
  save_png (window, "error.png");
  sf_sim_device_set_fault (device, SF_SIM_FAULT_NONE, 0);

  /* The board's boot after a flash, in the serial monitor, with a
   * firmware that offers Wi-Fi set-up. */
  sf_sim_device_set_firmware (device, SF_SIM_FIRMWARE_IMPROV);
  _sf_window_hide_banner (window);
  g_object_set (window, "show-monitor", TRUE, NULL);
  SF_WAIT_UNTIL (_sf_monitor_pane_get_improv_offered (window->monitor_pane), 30000);
  sf_test_spin (500);
  save_png (window, "monitor.png");
  g_object_set (window, "show-monitor", FALSE, NULL);
  sf_sim_device_set_firmware (device, SF_SIM_FIRMWARE_NONE);

  /* The partition table the flash above left on the board: nvs, phy_init
   * and the factory app, which boots (there is no otadata). */
  {
    SfPartitionsWindow *partitions;

    _sf_window_hide_banner (window);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.partitions", NULL);
    partitions = _sf_window_get_partitions (window);
    gtk_window_set_default_size (GTK_WINDOW (partitions), 860, 360);
    SF_WAIT_UNTIL (!_sf_partitions_window_get_busy (partitions), 30000);
    save_png (partitions, "partitions.png");
    /* Closed as a person closes it, and let go of, before the next window. */
    gtk_window_close (GTK_WINDOW (partitions));
    SF_WAIT_UNTIL (_sf_window_get_partitions (window) == NULL, 10000);
    sf_test_spin (300);
  }

  /* Six boards at once, at a UART's pace; one of them loses its cable. */
  {
    g_autoptr(GPtrArray) boards = sf_test_start_boards (app, 6, TRUE);
    SfProductionWindow *production;
    GPtrArray *rows;

    sf_sim_device_set_fault (g_ptr_array_index (boards, 4), SF_SIM_FAULT_UNPLUG, 40);
    production = sf_test_open_production (window);
    gtk_window_set_default_size (GTK_WINDOW (production), 760, 820);
    for (guint i = 0; i < boards->len; i++)
      SF_WAIT_UNTIL (_sf_production_window_set_checked (
                       production, sf_sim_device_get_port_path (g_ptr_array_index (boards, i)), TRUE),
                     10000);
    gtk_widget_activate_action (GTK_WIDGET (production), "production.start", NULL);
    rows = _sf_production_window_get_rows (production);
    /* Mid-run: the failed board has said why, the others are writing. */
    SF_WAIT_UNTIL (rows->len == boards->len &&
                   sf_board_row_get_state (g_ptr_array_index (rows, 4)) == SF_BOARD_FAILED, 120000);
    sf_test_spin (2000);
    save_png (production, "production.png");
    gtk_widget_activate_action (GTK_WIDGET (production), "production.stop", NULL);
    SF_WAIT_UNTIL (!_sf_production_window_get_active (production), 60000);
    gtk_window_destroy (GTK_WINDOW (production));
    sf_test_stop_boards (app, g_steal_pointer (&boards));
  }

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
