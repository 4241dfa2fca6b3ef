/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The production window, opened from the real main window, flashing eight
 * simulated boards at once; one of them fails on purpose and must fail
 * alone, and the summary saved as CSV must say what happened. */
#include "config.h"

#include <glib/gstdio.h>

#include "sf-dialogs.h"
#include "sf-units.h"
#include "sf-ui-test-util.h"

#define N_BOARDS      8
#define FAILING       5        /* the board that fails */
#define ADDRESS       0x10000
/* Commands before the failing board's cable is pulled: past connecting
 * and the stub's upload, within the write (a good board takes 62 in all). */
#define UNPLUG_AFTER  48
/* Generous: two slow cores, and the sanitizer run. */
#define RUN_TIMEOUT_MS (600 * 1000)

static SfApplication *app;
static int test_status = 1;

/* Splits one CSV line of at most 6 fields (RFC 4180 quoting). */
static GStrv
split_csv_line (const char *line)
{
  g_autoptr(GStrvBuilder) fields = g_strv_builder_new ();
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line; ; p++)
    {
      if (quoted)
        {
          if (*p == '"' && p[1] == '"')
            g_string_append_c (field, *p++);
          else if (*p == '"')
            quoted = FALSE;
          else
            {
              g_assert_true (*p != '\0');
              g_string_append_c (field, *p);
            }
          continue;
        }
      if (*p == '"')
        quoted = TRUE;
      else if (*p == ',' || *p == '\0')
        {
          g_strv_builder_add (fields, field->str);
          g_string_truncate (field, 0);
          if (*p == '\0')
            break;
        }
      else
        g_string_append_c (field, *p);
    }
  return g_strv_builder_end (fields);
}

static void
test_eight_boards (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sparkflash-production-XXXXXX", NULL);
  g_autoptr(GBytes) image = sf_test_build_app (300 * 1024, 7);
  g_autofree char *image_path = sf_test_write_file (dir, "app.bin", image);
  g_autofree char *csv_path = g_build_filename (dir, "summary.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (image_path);
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  SfProductionWindow *production;
  SfWindow *window;
  GPtrArray *boards;
  GPtrArray *rows;
  SfFirmwareRow *firmware;
  guint n_lines = 0;

  sf_test_reset_settings (sf_application_get_settings (app));
  window = sf_test_open_window (app, "esp32");
  firmware = _sf_window_add_firmware (window, file);
  sf_firmware_row_set_address_text (firmware, "0x10000");

  boards = sf_test_start_boards (app, N_BOARDS, FALSE);
  /* Its cable is pulled in the middle of the write, after the chip and
   * its MAC were read. */
  sf_sim_device_set_fault (g_ptr_array_index (boards, FAILING), SF_SIM_FAULT_UNPLUG, UNPLUG_AFTER);

  production = sf_test_open_production (window);
  sf_test_run_production (production, boards, RUN_TIMEOUT_MS);
  g_test_message ("%s", _sf_production_window_get_summary (production));

  rows = _sf_production_window_get_rows (production);
  g_assert_cmpuint (rows->len, ==, N_BOARDS);
  for (guint i = 0; i < N_BOARDS; i++)
    {
      SfSimDevice *device = g_ptr_array_index (boards, i);
      SfBoardRow *row = NULL;
      guint8 mac[6];
      g_autofree char *mac_text = NULL;

      for (guint j = 0; j < rows->len; j++)
        if (g_str_equal (sf_board_row_get_port (g_ptr_array_index (rows, j)),
                         sf_sim_device_get_port_path (device)))
          row = g_ptr_array_index (rows, j);
      g_assert_nonnull (row);
      g_test_message ("%s: %s (%u commands)", sf_board_row_get_port (row),
                      sf_board_row_get_result_text (row), sf_sim_device_get_command_count (device));

      sf_sim_device_get_mac (device, mac);
      mac_text = sf_format_mac (mac);
      /* Every board was connected to, the failing one too. */
      g_assert_cmpstr (sf_board_row_get_mac (row), ==, mac_text);
      g_assert_nonnull (strstr (sf_board_row_get_chip (row), "ESP32"));

      if (i == FAILING)
        {
          g_assert_cmpint (sf_board_row_get_state (row), ==, SF_BOARD_FAILED);
          g_assert_nonnull (sf_board_row_get_error (row));
          g_assert_cmpstr (sf_board_row_get_result_text (row), ==, sf_board_row_get_error (row));
        }
      else
        {
          g_autoptr(GBytes) flash = sf_sim_device_dup_flash (device, ADDRESS,
                                                             g_bytes_get_size (image));

          g_assert_cmpint (sf_board_row_get_state (row), ==, SF_BOARD_SUCCEEDED);
          g_assert_null (sf_board_row_get_error (row));
          g_assert_nonnull (strstr (sf_board_row_get_result_text (row), "MD5"));
          g_assert_cmpuint (sf_board_row_get_bytes (row), ==, g_bytes_get_size (image));
          g_assert_true (g_bytes_equal (flash, image));
        }
    }

  /* The summary, saved where a save dialog would have said. */
  _sf_dialogs_answer_save (GTK_WINDOW (production), csv_path);
  gtk_widget_activate_action (GTK_WIDGET (production), "production.save-summary", NULL);
  SF_WAIT_UNTIL (g_file_test (csv_path, G_FILE_TEST_EXISTS), 10000);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpstr (lines[0], ==, "port,chip,mac,result,seconds,bytes");
  for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_auto(GStrv) fields = split_csv_line (lines[i]);
      SfBoardRow *row = g_ptr_array_index (rows, i - 1);
      gboolean failing = g_str_equal (fields[0], sf_sim_device_get_port_path (g_ptr_array_index (boards, FAILING)));
      g_autofree char *expected_bytes = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                         sf_board_row_get_bytes (row));
      double seconds = g_ascii_strtod (fields[4], NULL);

      g_assert_cmpuint (g_strv_length (fields), ==, 6);
      g_assert_cmpstr (fields[0], ==, sf_board_row_get_port (row));
      g_assert_cmpstr (fields[1], ==, sf_board_row_get_chip (row));
      g_assert_cmpstr (fields[2], ==, sf_board_row_get_mac (row));
      if (failing)
        {
          g_autofree char *expected = g_strdup_printf ("failed: %s", sf_board_row_get_error (row));

          g_assert_cmpstr (fields[3], ==, expected);
        }
      else
        {
          g_assert_cmpstr (fields[3], ==, "ok");
          g_assert_cmpuint (g_ascii_strtoull (fields[5], NULL, 10), ==, g_bytes_get_size (image));
        }
      g_assert_cmpstr (fields[5], ==, expected_bytes);
      g_assert_cmpfloat (seconds, >, 0);
      g_assert_cmpfloat (ABS (seconds - sf_board_row_get_seconds (row)), <, 0.06);
      n_lines++;
    }
  g_assert_cmpuint (n_lines, ==, N_BOARDS);

  gtk_window_destroy (GTK_WINDOW (production));
  sf_test_close_window (window);
  sf_test_stop_boards (app, boards);
  sf_test_remove_tree (dir);
}

/* With the switch on, a board plugged in while the run is on is flashed
 * without being ticked; Stop ends the run, and a board plugged in after
 * that is left alone. */
static void
test_plugged_in (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sparkflash-production-XXXXXX", NULL);
  g_autoptr(GBytes) image = sf_test_build_app (100 * 1024, 9);
  g_autofree char *image_path = sf_test_write_file (dir, "app.bin", image);
  g_autoptr(GFile) file = g_file_new_for_path (image_path);
  g_autoptr(GBytes) flash = NULL;
  GPtrArray *boards;
  GPtrArray *later;
  GPtrArray *rows;
  SfProductionWindow *production;
  SfWindow *window;
  GtkWidget *auto_switch;

  sf_test_reset_settings (sf_application_get_settings (app));
  window = sf_test_open_window (app, "esp32");
  sf_firmware_row_set_address_text (_sf_window_add_firmware (window, file), "0x10000");
  production = sf_test_open_production (window);
  auto_switch = _sf_production_window_get_auto_switch (production);
  gtk_switch_set_active (GTK_SWITCH (auto_switch), TRUE);
  gtk_widget_activate_action (GTK_WIDGET (production), "production.start", NULL);
  g_assert_true (_sf_production_window_get_active (production));

  boards = sf_test_start_boards (app, 1, FALSE);
  rows = _sf_production_window_get_rows (production);
  SF_WAIT_UNTIL (rows->len == 1 &&
                 sf_board_row_get_state (g_ptr_array_index (rows, 0)) == SF_BOARD_SUCCEEDED,
                 RUN_TIMEOUT_MS);
  g_assert_cmpstr (sf_board_row_get_port (g_ptr_array_index (rows, 0)), ==,
                   sf_sim_device_get_port_path (g_ptr_array_index (boards, 0)));
  flash = sf_sim_device_dup_flash (g_ptr_array_index (boards, 0), ADDRESS, g_bytes_get_size (image));
  g_assert_true (g_bytes_equal (flash, image));
  /* Still waiting for more. */
  g_assert_true (_sf_production_window_get_active (production));

  gtk_widget_activate_action (GTK_WIDGET (production), "production.stop", NULL);
  g_assert_false (_sf_production_window_get_active (production));
  later = sf_test_start_boards (app, 1, FALSE);
  sf_test_spin (500);
  g_assert_cmpuint (rows->len, ==, 1);

  gtk_window_destroy (GTK_WINDOW (production));
  sf_test_close_window (window);
  sf_test_stop_boards (app, boards);
  sf_test_stop_boards (app, later);
  sf_test_remove_tree (dir);
}

/* No one to ask board by board: with the switch off, a write the checks
 * object to leaves each board as it was and its row says why; on, it is
 * written. */
static void
test_checks (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sparkflash-production-XXXXXX", NULL);
  g_autofree guint8 *noise = g_malloc (8 * 1024);
  g_autoptr(GBytes) data = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  SfProductionWindow *production;
  SfWindow *window;
  GPtrArray *boards;
  GPtrArray *rows;

  /* Raw data over the ESP32's bootloader. */
  sf_test_fill_noise (noise, 8 * 1024, 13);
  noise[0] = 0;
  data = g_bytes_new (noise, 8 * 1024);
  path = sf_test_write_file (dir, "data.bin", data);
  file = g_file_new_for_path (path);

  sf_test_reset_settings (sf_application_get_settings (app));
  window = sf_test_open_window (app, "esp32");
  sf_firmware_row_set_address_text (_sf_window_add_firmware (window, file), "0x1000");
  boards = sf_test_start_boards (app, 2, FALSE);
  production = sf_test_open_production (window);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (_sf_production_window_get_force_switch (production))));

  for (int force = 0; force <= 1; force++)
    {
      gtk_switch_set_active (GTK_SWITCH (_sf_production_window_get_force_switch (production)), force);
      sf_test_run_production (production, boards, RUN_TIMEOUT_MS);
      rows = _sf_production_window_get_rows (production);
      g_assert_cmpuint (rows->len, >=, 2);
      for (guint i = rows->len - 2; i < rows->len; i++)
        {
          SfBoardRow *row = g_ptr_array_index (rows, i);
          SfSimDevice *device = NULL;
          g_autoptr(GBytes) flash = NULL;

          for (guint j = 0; j < boards->len; j++)
            if (g_str_equal (sf_board_row_get_port (row),
                             sf_sim_device_get_port_path (g_ptr_array_index (boards, j))))
              device = g_ptr_array_index (boards, j);
          g_assert_nonnull (device);
          g_test_message ("%s: %s", sf_board_row_get_port (row), sf_board_row_get_result_text (row));
          flash = sf_sim_device_dup_flash (device, 0x1000, g_bytes_get_size (data));
          if (force)
            {
              g_assert_cmpint (sf_board_row_get_state (row), ==, SF_BOARD_SUCCEEDED);
              g_assert_true (g_bytes_equal (flash, data));
            }
          else
            {
              g_assert_cmpint (sf_board_row_get_state (row), ==, SF_BOARD_FAILED);
              g_assert_nonnull (strstr (sf_board_row_get_error (row), "Nothing was written"));
              g_assert_nonnull (strstr (sf_board_row_get_error (row), "bootloader"));
              g_assert_false (g_bytes_equal (flash, data));
            }
        }
    }

  gtk_window_destroy (GTK_WINDOW (production));
  sf_test_close_window (window);
  sf_test_stop_boards (app, boards);
  sf_test_remove_tree (dir);
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
  g_test_add_func ("/ui/production/eight-boards", test_eight_boards);
  g_test_add_func ("/ui/production/plugged-in", test_plugged_in);
  g_test_add_func ("/ui/production/checks", test_checks);

  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return test_status;
}
