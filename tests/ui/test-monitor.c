/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The serial monitor and the Wi-Fi set-up in the real window, against the
 * demo's simulated boards running simulated firmware: watch the boot after
 * a flash, read the ESP8266's 74880-baud boot text, send a line, pause,
 * clear, save, give the port back to an operation, set up Wi-Fi through
 * Improv, and keep up with a board that never stops printing. */
#include "config.h"

#include <glib/gstdio.h>

#include "sf-dialogs.h"
#include "sf-improv-dialog.h"
#include "sf-ui-test-util.h"
#include "../test-timing.h"

static SfApplication *app;
static int test_status = 1;

typedef struct
{
  SfWindow      *window;
  SfSimDevice   *device;
  SfMonitorPane *pane;
  char          *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *chip = data != NULL ? data : "esp32";

  sf_test_reset_settings (sf_application_get_settings (app));
  fixture->window = sf_test_open_window (app, chip);
  fixture->device = _sf_window_get_sim_device (fixture->window, chip);
  fixture->pane = fixture->window->monitor_pane;
  sf_sim_device_reset (fixture->device);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  sf_sim_device_set_emulate_baud (fixture->device, FALSE);
  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_LOGGER);
  sf_sim_device_set_firmware_baud (fixture->device, 115200);
  sf_test_blank_flash (fixture->device);
  fixture->dir = g_dir_make_tmp ("sparkflash-monitor-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sf_test_close_window (fixture->window);
  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_NONE);
  sf_sim_device_set_emulate_baud (fixture->device, FALSE);
  sf_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static gboolean
pane_shows (Fixture    *fixture,
            const char *needle)
{
  g_autofree char *text = _sf_monitor_pane_dup_text (fixture->pane);

  return strstr (text, needle) != NULL;
}

static void
wait_for_text (Fixture    *fixture,
               const char *needle)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!pane_shows (fixture, needle))
    {
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *text = _sf_monitor_pane_dup_text (fixture->pane);

          g_error ("the monitor never showed “%s”; it shows:\n%s", needle, text);
        }
      sf_test_spin (20);
    }
}

static void
wait_running (Fixture *fixture)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!sf_monitor_pane_get_running (fixture->pane))
    {
      if (g_get_monotonic_time () > end || pane_shows (fixture, "Cannot watch"))
        {
          g_autofree char *text = _sf_monitor_pane_dup_text (fixture->pane);

          g_error ("the monitor never started; it shows:\n%s", text);
        }
      sf_test_spin (20);
    }
}

static void
run_job (Fixture    *fixture,
         const char *action)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), action, NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (fixture->window) || sf_test_has_banner (fixture->window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 120000);
}

static void
assert_banner_contains (SfWindow   *window,
                        const char *text)
{
  g_autofree char *banner = _sf_window_dup_banner_text (window);

  g_assert_nonnull (banner);
  if (strstr (banner, text) == NULL)
    g_error ("banner “%s” lacks “%s”", banner, text);
}

/* A successful flash hands the port to the monitor, which restarts the
 * board: the ROM's boot text and the new firmware's log show, coloured,
 * the boot line explained. */
static void
test_after_flash (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (64 * 1024, 7);
  g_autofree char *path = sf_test_write_file (fixture->dir, "app.bin", app_image);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *warning_tags = NULL;

  g_assert_nonnull (_sf_window_add_firmware (fixture->window, file));
  run_job (fixture, "win.flash");
  assert_banner_contains (fixture->window, "Verified");

  wait_running (fixture);
  g_assert_cmpstr (sf_monitor_pane_get_port_path (fixture->pane), ==,
                   sf_sim_device_get_port_path (fixture->device));
  wait_for_text (fixture, "rst:0x1 (POWERON_RESET)");
  /* The boot line in words. */
  wait_for_text (fixture, "booted normally from flash");
  wait_for_text (fixture, "cpu_start");
  wait_for_text (fixture, "uptime");
  /* ESP-IDF's warnings are yellow. */
  warning_tags = _sf_monitor_pane_dup_tags_at (fixture->pane, "W (");
  g_assert_nonnull (warning_tags);
  g_assert_nonnull (strstr (warning_tags, "ansi-yellow"));
}

/* With the switch off, the port stays free after a flash. */
static void
test_after_flash_off (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (32 * 1024, 8);
  g_autofree char *path = sf_test_write_file (fixture->dir, "app.bin", app_image);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_settings_set_boolean (sf_application_get_settings (app), "monitor-after-flash", FALSE);
  g_assert_nonnull (_sf_window_add_firmware (fixture->window, file));
  run_job (fixture, "win.flash");
  assert_banner_contains (fixture->window, "Verified");
  sf_test_spin (300);
  g_assert_false (sf_monitor_pane_get_running (fixture->pane));
}

/* The ESP8266's ROM prints at 74880 baud before the firmware's 115200: the
 * monitor reads both, and says what the boot line means. */
static void
test_esp8266_boot (Fixture       *fixture,
                   gconstpointer  data)
{
  /* The chip is known once the window has read it. */
  run_job (fixture, "win.chip-info");
  g_object_set (fixture->window, "show-monitor", TRUE, NULL);
  wait_running (fixture);
  wait_for_text (fixture, "rst cause:2, boot mode:(3,6)");
  wait_for_text (fixture, "booted normally from flash");
  wait_for_text (fixture, "74880");
  wait_for_text (fixture, "uptime");
  g_assert_cmpuint (sf_monitor_get_baud (_sf_monitor_pane_get_monitor (fixture->pane)), ==, 115200);

  g_object_set (fixture->window, "show-monitor", FALSE, NULL);
  g_assert_false (sf_monitor_pane_get_running (fixture->pane));
}

/* What a person does with the pane's buttons and its entry. */
static void
test_controls (Fixture       *fixture,
               gconstpointer  data)
{
  GtkEditable *entry = _sf_monitor_pane_get_entry (fixture->pane);
  GtkWidget *pause = _sf_monitor_pane_get_button (fixture->pane, "pause");
  g_autofree char *log_path = g_build_filename (fixture->dir, "board.log", NULL);
  g_autofree char *saved = NULL;
  g_autofree char *cleared = NULL;

  g_object_set (fixture->window, "show-monitor", TRUE, NULL);
  wait_running (fixture);
  wait_for_text (fixture, "uptime");

  /* A line typed and sent; the board echoes it. */
  gtk_editable_set_text (entry, "status please");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "");
  wait_for_text (fixture, "echo: status please");

  /* Paused, nothing new shows; resumed, what came meanwhile does. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (pause), TRUE);
  gtk_editable_set_text (entry, "while paused");
  g_signal_emit_by_name (_sf_monitor_pane_get_button (fixture->pane, "send"), "clicked");
  sf_test_spin (1500);
  g_assert_false (pane_shows (fixture, "echo: while paused"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (pause), FALSE);
  wait_for_text (fixture, "echo: while paused");

  /* Saved through the Save button: a timestamped line each. */
  _sf_dialogs_answer_save (GTK_WINDOW (fixture->window), log_path);
  g_signal_emit_by_name (_sf_monitor_pane_get_button (fixture->pane, "save"), "clicked");
  SF_WAIT_UNTIL (g_file_test (log_path, G_FILE_TEST_EXISTS), 10000);
  g_assert_true (g_file_get_contents (log_path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "echo: while paused"));
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d  ", saved,
                                       G_REGEX_MULTILINE, 0));

  /* Cleared: the view starts again. */
  g_signal_emit_by_name (_sf_monitor_pane_get_button (fixture->pane, "clear"), "clicked");
  cleared = _sf_monitor_pane_dup_text (fixture->pane);
  g_assert_null (strstr (cleared, "echo: while paused"));

  /* Reset: a pty has no RTS line, and the pane says what to do. */
  g_signal_emit_by_name (_sf_monitor_pane_get_button (fixture->pane, "reset"), "clicked");
  wait_for_text (fixture, "press RESET");

  /* A rate that is not one. */
  sf_monitor_pane_set_baud (fixture->pane, 57600);
  g_assert_cmpuint (sf_monitor_get_baud (_sf_monitor_pane_get_monitor (fixture->pane)), ==, 57600);
  g_assert_cmpuint (g_settings_get_uint (sf_application_get_settings (app), "monitor-baud"), ==, 57600);
}

/* An operation takes the port from the monitor, succeeds, and gives the
 * port back; the monitor's own button stops and starts it. */
static void
test_released_for_job (Fixture       *fixture,
                       gconstpointer  data)
{
  g_object_set (fixture->window, "show-monitor", TRUE, NULL);
  /* The window may be reading the chip it just found: then the monitor
   * starts after that. */
  wait_running (fixture);
  wait_for_text (fixture, "cpu_start");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.chip-info", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (fixture->window), 5000);
  g_assert_false (sf_monitor_pane_get_running (fixture->pane));
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 120000);
  g_assert_nonnull (strstr (gtk_label_get_text (fixture->window->chip_value), "ESP32"));
  g_assert_true (sf_monitor_pane_get_running (fixture->pane));

  /* Stopped and started from the pane. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.monitor-run", NULL);
  g_assert_false (sf_monitor_pane_get_running (fixture->pane));
  g_signal_emit_by_name (_sf_monitor_pane_get_button (fixture->pane, "clear"), "clicked");
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.monitor-run", NULL);
  g_assert_true (sf_monitor_pane_get_running (fixture->pane));
  wait_for_text (fixture, "uptime");
}

/* Wi-Fi through Improv: the pane notices the firmware speaks it, the
 * dialog lists the networks the board sees, a wrong password is said, the
 * right one gives the board's address. The password shows nowhere. */
static void
test_improv (Fixture       *fixture,
             gconstpointer  data)
{
  SfImprovDialog *dialog;
  g_auto(GStrv) networks = NULL;
  g_autofree char *text = NULL;
  g_autofree char *log_text = NULL;
  g_autoptr(GPtrArray) ring = NULL;
  GtkTextBuffer *log_buffer;
  GtkTextIter start, end;

  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_IMPROV);
  g_object_set (fixture->window, "show-monitor", TRUE, NULL);
  wait_running (fixture);
  SF_WAIT_UNTIL (_sf_monitor_pane_get_improv_offered (fixture->pane), 30000);

  dialog = SF_IMPROV_DIALOG (_sf_monitor_pane_open_improv (fixture->pane));
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  SF_WAIT_UNTIL (g_str_equal (_sf_improv_dialog_get_page (dialog), "form"), 30000);
  networks = _sf_improv_dialog_dup_networks (dialog);
  g_assert_cmpuint (g_strv_length (networks), >=, 2);
  g_assert_cmpstr (networks[0], ==, "Sparkflash Lab");

  _sf_improv_dialog_connect (dialog, "Sparkflash Lab", "wrong horse");
  SF_WAIT_UNTIL (g_str_equal (_sf_improv_dialog_get_page (dialog), "form"), 30000);
  g_assert_nonnull (_sf_improv_dialog_get_error (dialog));
  g_assert_nonnull (strstr (_sf_improv_dialog_get_error (dialog), "Check the password"));

  _sf_improv_dialog_connect (dialog, "Sparkflash Lab", "correct horse");
  SF_WAIT_UNTIL (g_str_equal (_sf_improv_dialog_get_page (dialog), "done"), 30000);
  g_assert_cmpstr (_sf_improv_dialog_get_url (dialog), ==, "http://192.168.4.23");

  /* Neither password is in the monitor, its ring or the window's log. */
  text = _sf_monitor_pane_dup_text (fixture->pane);
  g_assert_null (strstr (text, "horse"));
  ring = sf_monitor_dup_lines (_sf_monitor_pane_get_monitor (fixture->pane));
  for (guint i = 0; i < ring->len; i++)
    g_assert_null (strstr (((SfMonitorLine *) g_ptr_array_index (ring, i))->text, "horse"));
  log_buffer = gtk_text_view_get_buffer (fixture->window->log_view);
  gtk_text_buffer_get_bounds (log_buffer, &start, &end);
  log_text = gtk_text_buffer_get_text (log_buffer, &start, &end, FALSE);
  g_assert_null (strstr (log_text, "horse"));

  gtk_window_close (GTK_WINDOW (dialog));
  SF_WAIT_UNTIL (dialog == NULL, 10000);
}

/* A board printing nonstop at 921600 baud: the window keeps drawing, the
 * view and the monitor's memory stay bounded. */
typedef struct
{
  gint64 last;
  gint64 longest;
} Stall;

static gboolean
stall_tick_cb (gpointer data)
{
  Stall *stall = data;
  gint64 now = g_get_monotonic_time ();

  if (stall->last != 0)
    stall->longest = MAX (stall->longest, now - stall->last);
  stall->last = now;
  return G_SOURCE_CONTINUE;
}

static void
test_flood (Fixture       *fixture,
            gconstpointer  data)
{
  Stall stall = { 0 };
  g_autoptr(GPtrArray) ring = NULL;
  guint tick;

  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_FLOOD);
  sf_sim_device_set_firmware_baud (fixture->device, 921600);
  sf_sim_device_set_emulate_baud (fixture->device, TRUE);
  sf_monitor_pane_set_baud (fixture->pane, 921600);
  sf_monitor_set_max_lines (_sf_monitor_pane_get_monitor (fixture->pane), 5000);

  g_object_set (fixture->window, "show-monitor", TRUE, NULL);
  wait_running (fixture);
  wait_for_text (fixture, "flood");

  tick = g_timeout_add (10, stall_tick_cb, &stall);
  sf_test_spin (4000);
  g_source_remove (tick);
  g_test_message ("longest main-loop stall while flooded: %" G_GINT64_FORMAT " ms",
                  stall.longest / 1000);
  if (sf_test_timing ())
    g_assert_cmpint (stall.longest, <, 50 * 1000 + 10 * 1000);

  /* The view keeps its last lines only. */
  g_assert_cmpuint (_sf_monitor_pane_get_view_lines (fixture->pane), <=, 3000 + 300 + 1);
  ring = sf_monitor_dup_lines (_sf_monitor_pane_get_monitor (fixture->pane));
  g_assert_cmpuint (ring->len, <=, 5000);
  g_assert_cmpuint (ring->len, >, 1000);
}

static void
run_tests_cb (GApplication *application)
{
  g_signal_stop_emission_by_name (application, "activate");
  g_application_hold (application);
  test_status = g_test_run ();
  g_application_release (application);
  g_application_quit (application);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, chip, func) \
  g_test_add (path, Fixture, chip, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/monitor/after-flash", "esp32", test_after_flash);
  ADD ("/ui/monitor/after-flash-off", "esp32", test_after_flash_off);
  ADD ("/ui/monitor/esp8266-boot", "esp8266", test_esp8266_boot);
  ADD ("/ui/monitor/controls", "esp32", test_controls);
  ADD ("/ui/monitor/released-for-job", "esp32", test_released_for_job);
  ADD ("/ui/monitor/improv", "esp32", test_improv);
  ADD ("/ui/monitor/flood", "esp32", test_flood);
#undef ADD

  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return test_status;
}
