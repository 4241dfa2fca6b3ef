/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drives the real main window, in-process, against the simulated boards
 * of demo mode: every operation a person can do with the mouse. */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "sf-port-monitor-private.h"
#include "sf-ui-test-util.h"
#include "sf-write-check.h"
#include "../test-timing.h"

static SfApplication *app;
static int test_status = 1;
static char *sysfs_root;

typedef struct
{
  SfWindow    *window;
  SfSimDevice *device;
  char        *dir;
  gboolean     finished;
  gboolean     failed;
} Fixture;

static void
job_finished_cb (SfFlashJob *job,
                 Fixture    *fixture)
{
  fixture->finished = TRUE;
}

static void
job_failed_cb (SfFlashJob   *job,
               const GError *error,
               Fixture      *fixture)
{
  g_test_message ("job failed: %s", error->message);
  fixture->failed = TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sf_test_reset_settings (sf_application_get_settings (app));
  /* "rom": the same operation through the ROM loader alone. */
  if (g_strcmp0 (data, "rom") == 0)
    g_settings_set_boolean (sf_application_get_settings (app), "use-stub", FALSE);
  fixture->window = sf_test_open_window (app, "esp32");
  /* These tests write raw data and bootloaders where the checks before
   * writing object; test-board-care.c is about those. */
  _sf_window_set_concerns_answer (fixture->window, 1);
  fixture->device = _sf_window_get_sim_device (fixture->window, "esp32");
  /* The loaders alone, as these tests check what they leave behind (a
   * stub still running); tests/ui/test-monitor.c runs the demo's
   * firmware. */
  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_NONE);
  sf_sim_device_set_firmware (_sf_window_get_sim_device (fixture->window, "esp8266"),
                              SF_SIM_FIRMWARE_NONE);
  /* A stub an earlier test left running goes with a reset. */
  sf_sim_device_reset (fixture->device);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  sf_sim_device_set_emulate_baud (fixture->device, FALSE);
  sf_test_blank_flash (fixture->device);
  fixture->dir = g_dir_make_tmp ("sparkflash-ui-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}


static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (g_strcmp0 (data, "rom") == 0)
    g_assert_false (sf_sim_device_get_stub_running (fixture->device));
  sf_test_close_window (fixture->window);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  sf_sim_device_set_emulate_baud (fixture->device, FALSE);
  sf_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* Activates @action and waits for the job it starts to end. */
static void
run_job (Fixture    *fixture,
         const char *action,
         gboolean    expect_success)
{
  SfFlashJob *job;

  fixture->finished = fixture->failed = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), action, NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (fixture->window) || sf_test_has_banner (fixture->window),
                 5000);
  if (!_sf_window_get_busy (fixture->window))
    {
      g_autofree char *banner = _sf_window_dup_banner_text (fixture->window);

      g_error ("%s did not start: %s", action, banner);
    }
  job = _sf_window_get_job (fixture->window);
  g_signal_connect (job, "finished", G_CALLBACK (job_finished_cb), fixture);
  g_signal_connect (job, "failed", G_CALLBACK (job_failed_cb), fixture);
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 120000);
  if (expect_success)
    {
      g_assert_true (fixture->finished);
      g_assert_false (fixture->failed);
    }
}

static void
assert_flash_holds (SfSimDevice *device,
                    guint32      address,
                    GBytes      *expected)
{
  g_autoptr(GBytes) actual = sf_sim_device_dup_flash (device, address, g_bytes_get_size (expected));

  g_assert_true (g_bytes_equal (actual, expected));
}

static void
assert_banner_contains (SfWindow   *window,
                        const char *text)
{
  g_autofree char *banner = _sf_window_dup_banner_text (window);

  g_test_message ("banner: %s", banner);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, text));
}

static SfFirmwareRow *
add_file (Fixture    *fixture,
          const char *name,
          GBytes     *bytes)
{
  g_autofree char *path = sf_test_write_file (fixture->dir, name, bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return _sf_window_add_firmware (fixture->window, file);
}

static void
test_flash (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (300 * 1024, 1);
  SfFirmwareRow *row = add_file (fixture, "app.bin", app_image);
  const SfImageInfo *info = sf_firmware_row_get_image_info (row);

  /* The header is read and the usual address suggested. */
  g_assert_nonnull (info);
  g_assert_cmpint (info->kind, ==, SF_IMAGE_KIND_APP);
  g_assert_cmpstr (sf_firmware_row_get_address_text (row), ==, "0x10000");
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_OK);

  /* The person types another address. */
  sf_firmware_row_set_address_text (row, "0x20000");
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_OK);

  run_job (fixture, "win.flash", TRUE);
  assert_flash_holds (fixture->device, 0x20000, app_image);
  assert_banner_contains (fixture->window, "Verified");
  assert_banner_contains (fixture->window, "RESET");
  /* The stub unless the options say otherwise. */
  g_assert_cmpint (sf_sim_device_get_stub_running (fixture->device), ==, g_strcmp0 (data, "rom") != 0);
}

static void
test_flash_several (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GBytes) boot = sf_test_build_bootloader (2);
  g_autoptr(GBytes) table = sf_test_build_partition_table ();
  g_autoptr(GBytes) app_image = sf_test_build_app (200 * 1024, 3);
  SfFirmwareRow *boot_row = add_file (fixture, "bootloader.bin", boot);
  SfFirmwareRow *table_row = add_file (fixture, "partition-table.bin", table);
  SfFirmwareRow *app_row = add_file (fixture, "app.bin", app_image);
  SfFirmwareRow *off_row = add_file (fixture, "other.bin", app_image);

  g_assert_cmpstr (sf_firmware_row_get_address_text (boot_row), ==, "0x1000");
  g_assert_cmpstr (sf_firmware_row_get_address_text (table_row), ==, "0x8000");
  g_assert_cmpstr (sf_firmware_row_get_address_text (app_row), ==, "0x10000");
  /* A row switched off is neither checked for overlaps nor written. */
  sf_firmware_row_set_enabled (off_row, FALSE);
  g_assert_cmpint (sf_firmware_row_get_status (app_row), ==, SF_FIRMWARE_ROW_OK);

  run_job (fixture, "win.flash", TRUE);
  assert_flash_holds (fixture->device, 0x1000, boot);
  assert_flash_holds (fixture->device, 0x8000, table);
  assert_flash_holds (fixture->device, 0x10000, app_image);
  assert_banner_contains (fixture->window, "3 files");
}

static void
test_read (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree guint8 *pattern = g_malloc (64 * 1024);
  g_autofree char *path = g_build_filename (fixture->dir, "read.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) expected = NULL;
  gsize length;

  sf_test_fill_noise (pattern, 64 * 1024, 7);
  sf_sim_device_write_flash (fixture->device, 0x3000, pattern, 64 * 1024);

  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "read-address"), "0x4000");
  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "read-size"), "16K");
  _sf_window_set_read_target (fixture->window, path);
  run_job (fixture, "win.read-flash", TRUE);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 16 * 1024);
  g_assert_cmpmem (contents, length, pattern + 0x1000, 16 * 1024);
  assert_banner_contains (fixture->window, "Saved");
}

static void
test_read_whole (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "whole.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) expected = NULL;
  guint8 mark[] = { 0xDE, 0xAD, 0xBE, 0xEF };
  gsize length;

  sf_sim_device_write_flash (fixture->device, 0x3FFFFC, mark, sizeof mark);
  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "read-address"), "0");
  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "read-size"), "");
  _sf_window_set_read_target (fixture->window, path);
  run_job (fixture, "win.read-flash", TRUE);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  expected = sf_sim_device_dup_flash (fixture->device, 0, sf_sim_device_get_flash_size (fixture->device));
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

static void
test_erase_region (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree guint8 *pattern = g_malloc (0x3000);
  g_autoptr(GBytes) erased = NULL;
  g_autoptr(GBytes) kept = NULL;

  sf_test_fill_noise (pattern, 0x3000, 9);
  sf_sim_device_write_flash (fixture->device, 0x9000, pattern, 0x3000);

  /* Not a multiple of the sector size: refused in the popover. */
  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "erase-address"), "0x9000");
  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "erase-size"), "100");
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.erase-region", NULL);
  sf_test_spin (50);
  g_assert_false (_sf_window_get_busy (fixture->window));

  gtk_editable_set_text (_sf_window_get_entry (fixture->window, "erase-size"), "8K");
  run_job (fixture, "win.erase-region", TRUE);

  erased = sf_sim_device_dup_flash (fixture->device, 0x9000, 0x2000);
  for (gsize i = 0; i < 0x2000; i++)
    g_assert_cmpuint (((const guint8 *) g_bytes_get_data (erased, NULL))[i], ==, 0xFF);
  kept = sf_sim_device_dup_flash (fixture->device, 0xB000, 0x1000);
  g_assert_cmpmem (g_bytes_get_data (kept, NULL), 0x1000, pattern + 0x2000, 0x1000);
  assert_banner_contains (fixture->window, "Erased");
}

static void
test_erase_flash (Fixture       *fixture,
                  gconstpointer  data)
{
  guint8 mark[] = { 1, 2, 3, 4 };
  g_autoptr(GBytes) after = NULL;

  sf_sim_device_write_flash (fixture->device, 0x200000, mark, sizeof mark);
  _sf_window_set_confirmed (fixture->window, TRUE);
  run_job (fixture, "win.erase-flash", TRUE);
  after = sf_sim_device_dup_flash (fixture->device, 0x200000, sizeof mark);
  g_assert_cmpmem (g_bytes_get_data (after, NULL), sizeof mark, "\xff\xff\xff\xff", 4);
}

static void
test_chip_info (Fixture       *fixture,
                gconstpointer  data)
{
  run_job (fixture, "win.chip-info", TRUE);
  /* Once the flash size is known, rows are checked against it. */
  {
    g_autoptr(GBytes) app_image = sf_test_build_app (64 * 1024, 4);
    SfFirmwareRow *row = add_file (fixture, "app.bin", app_image);

    sf_firmware_row_set_address_text (row, "0x3F8000");
    g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_ERROR);
    g_assert_nonnull (strstr (sf_firmware_row_get_message (row), "past the end"));
  }
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (3 * 1024 * 1024, 5);
  SfPhase phase = SF_PHASE_CONNECT;
  gint64 start;

  add_file (fixture, "big.bin", app_image);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (fixture->window), 5000);
  SF_WAIT_UNTIL (_sf_window_get_progress (fixture->window, &phase, NULL) > 0 &&
                 phase == SF_PHASE_WRITE, 60000);
  /* The board hangs mid-write (the simulator's pty is faster than any
   * UART, so this also holds the work there): Cancel must not wait for
   * the protocol's timeouts. */
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_STALL, 8);
  sf_test_spin (300);
  g_assert_true (_sf_window_get_busy (fixture->window));

  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.cancel", NULL);
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 10000);
  g_test_message ("cancelled in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  sf_assert_took_less (start, 1500 * 1000);
  assert_banner_contains (fixture->window, "Cancelled");

  /* The board is left able to do the next thing. */
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  run_job (fixture, "win.flash", TRUE);
  assert_flash_holds (fixture->device, 0x10000, app_image);
}

static void
test_bad_address (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (8 * 1024, 6);
  SfFirmwareRow *row = add_file (fixture, "app.bin", app_image);
  guint commands = sf_sim_device_get_command_count (fixture->device);

  sf_firmware_row_set_address_text (row, "0x1OOOO");
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_ERROR);
  g_assert_nonnull (strstr (sf_firmware_row_get_message (row), "is not a number"));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  sf_test_spin (50);
  g_assert_false (_sf_window_get_busy (fixture->window));
  assert_banner_contains (fixture->window, "Check the Firmware List");
  assert_banner_contains (fixture->window, "app.bin: Address \"0x1OOOO\" is not a number");
  g_assert_cmpuint (sf_sim_device_get_command_count (fixture->device), ==, commands);

  /* Fixed as typed: the message goes. */
  sf_firmware_row_set_address_text (row, "64K");
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_OK);
  g_assert_null (sf_firmware_row_get_message (row));
}

static void
test_address_checks (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GBytes) a = sf_test_build_app (16 * 1024, 8);
  SfFirmwareRow *first = add_file (fixture, "first.bin", a);
  SfFirmwareRow *second = add_file (fixture, "second.bin", a);

  /* Both suggested at 0x10000: they overlap, and both rows say so. */
  g_assert_cmpint (sf_firmware_row_get_status (first), ==, SF_FIRMWARE_ROW_ERROR);
  g_assert_cmpint (sf_firmware_row_get_status (second), ==, SF_FIRMWARE_ROW_ERROR);
  /* In the flasher's words, which name both files. */
  for (SfFirmwareRow **row = (SfFirmwareRow *[]) { first, second, NULL }; *row != NULL; row++)
    {
      g_assert_nonnull (strstr (sf_firmware_row_get_message (*row), "overlaps"));
      g_assert_nonnull (strstr (sf_firmware_row_get_message (*row), "first.bin"));
      g_assert_nonnull (strstr (sf_firmware_row_get_message (*row), "second.bin"));
    }

  /* Apart, but not on a sector boundary: only a warning. */
  sf_firmware_row_set_address_text (second, "0x20100");
  g_assert_cmpint (sf_firmware_row_get_status (first), ==, SF_FIRMWARE_ROW_OK);
  g_assert_cmpint (sf_firmware_row_get_status (second), ==, SF_FIRMWARE_ROW_WARNING);
  g_assert_nonnull (strstr (sf_firmware_row_get_message (second), "4 KiB"));
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "gone.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SfFirmwareRow *row = _sf_window_add_firmware (fixture->window, file);

  sf_firmware_row_set_address_text (row, "0x10000");
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_ERROR);
  g_assert_cmpstr (sf_firmware_row_get_message (row), ==, "File not found");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  sf_test_spin (50);
  g_assert_false (_sf_window_get_busy (fixture->window));
  assert_banner_contains (fixture->window, "gone.bin: File not found");
}

/* The log pane's text. */
static char *
dup_log_text (SfWindow *window)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (window->log_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Rebuilt between Add and Flash: the new contents are flashed, whole, and
 * the log says so. Deleted: the flash does not start, naming the file. */
static void
test_changed_on_disk (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) first = sf_test_build_app (64 * 1024, 21);
  g_autoptr(GBytes) rebuilt = sf_test_build_app (80 * 1024, 22);
  SfFirmwareRow *row = add_file (fixture, "app.bin", first);
  g_autofree char *path = g_file_get_path (sf_firmware_row_get_file (row));
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (rebuilt, NULL),
                                      g_bytes_get_size (rebuilt), &error));
  g_assert_no_error (error);
  run_job (fixture, "win.flash", TRUE);
  assert_flash_holds (fixture->device, 0x10000, rebuilt);
  g_assert_true (g_bytes_equal (sf_firmware_row_get_data (row), rebuilt));
  log = dup_log_text (fixture->window);
  g_assert_nonnull (strstr (log, "app.bin changed on disk since it was added or last flashed; "
                                 "flashing the new contents."));
  /* The chip's description, in the lines sparkflash-cli prints too. */
  g_assert_nonnull (strstr (log, "Chip is ESP32"));
  g_assert_nonnull (strstr (log, "MAC: "));

  /* Unchanged since: nothing to say. */
  g_clear_pointer (&log, g_free);
  run_job (fixture, "win.flash", TRUE);
  log = dup_log_text (fixture->window);
  {
    g_auto(GStrv) parts = g_strsplit (log, "changed on disk", -1);

    g_assert_cmpuint (g_strv_length (parts), ==, 2);
  }

  g_assert_cmpint (g_unlink (path), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  sf_test_spin (50);
  g_assert_false (_sf_window_get_busy (fixture->window));
  assert_banner_contains (fixture->window, "app.bin: Moved or deleted since it was added");
}

/* A FIFO chosen as firmware: refused at once, nothing waits on it. */
static void
test_fifo_file (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "app.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SfFirmwareRow *row;

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  row = _sf_window_add_firmware (fixture->window, file);
  g_assert_cmpint (sf_firmware_row_get_status (row), ==, SF_FIRMWARE_ROW_ERROR);
  g_assert_nonnull (strstr (sf_firmware_row_get_message (row), "named pipe"));
  g_assert_null (sf_firmware_row_get_data (row));
}

static void
test_no_answer (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (8 * 1024, 10);

  add_file (fixture, "app.bin", app_image);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_SILENT, 0);
  run_job (fixture, "win.flash", FALSE);
  g_assert_true (fixture->failed);
  assert_banner_contains (fixture->window, "The Board Does Not Answer");
  assert_banner_contains (fixture->window, "BOOT");
}

static void
test_unplugged (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfSimDevice) device = sf_sim_device_new ("esp32c3", &error);
  g_autofree guint8 *noise = g_malloc (256 * 1024);
  g_autoptr(GBytes) raw = NULL;
  GtkEditable *entry = _sf_window_get_entry (fixture->window, "other-port");

  /* A port typed by hand, served by a board of the test's own. */
  g_assert_no_error (error);
  g_assert_true (sf_sim_device_start (device, &error));
  gtk_editable_set_text (entry, sf_sim_device_get_port_path (device));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.use-other-port", NULL);
  g_assert_cmpstr (_sf_window_get_port_path (fixture->window), ==,
                   sf_sim_device_get_port_path (device));

  run_job (fixture, "win.chip-info", TRUE);

  /* An ESP32 image: the checks say so, and when that is answered no,
   * nothing is written. */
  {
    g_autoptr(GBytes) app_image = sf_test_build_app (16 * 1024, 11);
    SfFirmwareRow *row = add_file (fixture, "esp32-app.bin", app_image);
    GPtrArray *concerns;

    _sf_window_set_concerns_answer (fixture->window, 0);
    run_job (fixture, "win.flash", FALSE);
    assert_banner_contains (fixture->window, "Nothing Was Written");
    concerns = _sf_window_get_last_concerns (fixture->window);
    g_assert_nonnull (concerns);
    g_assert_cmpint (((SfWriteConcern *) g_ptr_array_index (concerns, 0))->kind, ==,
                     SF_WRITE_CONCERN_WRONG_CHIP);
    _sf_window_set_concerns_answer (fixture->window, 1);
    gtk_list_box_remove (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row))), GTK_WIDGET (row));
  }

  /* The cable comes out in the middle of writing (raw data: any chip). */
  sf_test_fill_noise (noise, 256 * 1024, 11);
  raw = g_bytes_new (noise, 256 * 1024);
  add_file (fixture, "data.bin", raw);
  sf_sim_device_set_fault (device, SF_SIM_FAULT_UNPLUG, 20);
  run_job (fixture, "win.flash", FALSE);
  g_assert_true (fixture->failed);
  assert_banner_contains (fixture->window, "The Board Was Unplugged");
  sf_sim_device_stop (device);
}

static void
test_remembered (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (8 * 1024, 12);
  SfFirmwareRow *row = add_file (fixture, "app.bin", app_image);
  SfSimDevice *other = _sf_window_get_sim_device (fixture->window, "esp8266");
  const char *other_path = sf_sim_device_get_port_path (other);
  GtkWidget *child;
  SfFirmwareRow *restored;

  sf_firmware_row_set_address_text (row, "0x30000");
  /* Not the board a new window would guess (the first one listed): only
   * what was remembered brings it back. */
  g_assert_true (_sf_window_select_port (fixture->window, other_path));
  sf_test_spin (50);
  sf_test_close_window (fixture->window);

  /* A new window (as on the next start) has the row and the port back. */
  fixture->window = sf_window_new (app);
  _sf_window_set_concerns_answer (fixture->window, 1);
  gtk_window_present (GTK_WINDOW (fixture->window));
  SF_WAIT_UNTIL (_sf_window_get_port_path (fixture->window) != NULL, 10000);
  g_assert_cmpstr (_sf_window_get_port_path (fixture->window), ==, other_path);

  child = GTK_WIDGET (_sf_window_add_firmware (fixture->window, NULL));
  restored = SF_FIRMWARE_ROW (gtk_widget_get_prev_sibling (child));
  g_assert_true (SF_IS_FIRMWARE_ROW (restored));
  g_assert_cmpstr (sf_firmware_row_get_address_text (restored), ==, "0x30000");
  g_assert_nonnull (sf_firmware_row_get_data (restored));
}

static void
test_brltty_hint (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *tty = g_build_filename (sysfs_root, "bus", "usb", "devices", "1-1",
                                           "1-1:1.0", "ttyUSB0", NULL);
  g_autofree char *warning = NULL;

  /* A CH340 on the bus without a tty (set up in main): brltty's doing. */
  SF_WAIT_UNTIL (sf_test_has_port_warning (fixture->window), 10000);
  warning = _sf_window_dup_port_warning (fixture->window);
  g_test_message ("%s", warning);
  g_assert_nonnull (strstr (warning, "brltty"));

  /* Its driver binds: the banner goes. */
  g_assert_cmpint (g_mkdir (tty, 0755), ==, 0);
  SF_WAIT_UNTIL (!sf_test_has_port_warning (fixture->window), 10000);
}

static void
test_port_vanishes (Fixture       *fixture,
                    gconstpointer  data)
{
  SfPortMonitor *monitor = sf_application_get_port_monitor (app);
  const char *path = sf_sim_device_get_port_path (fixture->device);
  g_autofree char *warning = NULL;

  g_assert_cmpstr (_sf_window_get_port_path (fixture->window), ==, path);

  /* The selected board goes away: said so, and nothing else is picked in
   * its place (the other simulated board is still listed). */
  _sf_port_monitor_remove_simulated (monitor, path);
  SF_WAIT_UNTIL (sf_test_has_port_warning (fixture->window), 5000);
  warning = _sf_window_dup_port_warning (fixture->window);
  g_test_message ("%s", warning);
  g_assert_nonnull (strstr (warning, path));
  g_assert_null (_sf_window_get_port_path (fixture->window));
  /* Operations that need a board cannot start (GTK answers TRUE for a
   * disabled action, so look at what happened instead). */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.chip-info", NULL);
  sf_test_spin (300);
  g_assert_false (_sf_window_get_busy (fixture->window));
  g_assert_null (_sf_window_get_job (fixture->window));

  /* Back on the bus: chosen again, and the warning goes. */
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32", path, 0x10c4, 0xea60);
  SF_WAIT_UNTIL (!sf_test_has_port_warning (fixture->window), 5000);
  g_assert_cmpstr (_sf_window_get_port_path (fixture->window), ==, path);
}

/* The demo's boards stand behind a CP2102 (the ESP32) and a CH340 (the
 * ESP8266): the rate that works is remembered per adapter and comes back
 * when that adapter is chosen again. */
static void
test_adapter_baud (Fixture       *fixture,
                   gconstpointer  data)
{
  GSettings *settings = sf_application_get_settings (app);
  SfSimDevice *esp8266 = _sf_window_get_sim_device (fixture->window, "esp8266");
  const char *cp2102_path = sf_sim_device_get_port_path (fixture->device);
  const char *ch340_path = sf_sim_device_get_port_path (esp8266);
  g_autoptr(GVariant) bauds = NULL;
  guint cp2102_baud = 0;
  guint ch340_baud = 0;

  /* 921600 does not get through the CP2102's cable: the slower rate that
   * did is used, and kept for this adapter. */
  sf_sim_device_set_max_baud (fixture->device, 460800);
  g_settings_set_uint (settings, "baud", 921600);
  run_job (fixture, "win.chip-info", TRUE);
  assert_banner_contains (fixture->window, "remembered for this adapter");
  bauds = g_settings_get_value (settings, "adapter-bauds");
  g_assert_true (g_variant_lookup (bauds, "10c4:ea60", "u", &cp2102_baud));
  g_assert_cmpuint (cp2102_baud, <=, 460800);
  g_assert_cmpuint (g_settings_get_uint (settings, "baud"), ==, cp2102_baud);
  sf_sim_device_set_max_baud (fixture->device, 0);

  /* The CH340 has no rate of its own yet: the current one stays. The
   * person picks another, and it works. */
  g_assert_true (_sf_window_select_port (fixture->window, ch340_path));
  g_assert_cmpuint (g_settings_get_uint (settings, "baud"), ==, cp2102_baud);
  g_settings_set_uint (settings, "baud", 230400);
  run_job (fixture, "win.chip-info", TRUE);
  g_clear_pointer (&bauds, g_variant_unref);
  bauds = g_settings_get_value (settings, "adapter-bauds");
  g_assert_true (g_variant_lookup (bauds, "1a86:7523", "u", &ch340_baud));
  g_assert_cmpuint (ch340_baud, ==, 230400);

  /* Each adapter brings its own rate back. */
  g_assert_true (_sf_window_select_port (fixture->window, cp2102_path));
  g_assert_cmpuint (g_settings_get_uint (settings, "baud"), ==, cp2102_baud);
  g_assert_true (_sf_window_select_port (fixture->window, ch340_path));
  g_assert_cmpuint (g_settings_get_uint (settings, "baud"), ==, 230400);
}

static void
test_dark_style (Fixture       *fixture,
                 gconstpointer  data)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  g_autoptr(GSettings) desktop = NULL;
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  gboolean dark = FALSE;

  if (schema == NULL || !g_settings_schema_has_key (schema, "color-scheme"))
    {
      g_test_skip ("GNOME's desktop schema is not installed");
      return;
    }

  /* No session bus here, so no portal: GNOME's own setting is followed,
   * both ways, while the window is open. */
  desktop = g_settings_new ("org.gnome.desktop.interface");
  g_settings_set_string (desktop, "color-scheme", "prefer-dark");
  SF_WAIT_UNTIL ((g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &dark, NULL), dark),
                 5000);
  g_settings_set_string (desktop, "color-scheme", "default");
  SF_WAIT_UNTIL ((g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &dark, NULL), !dark),
                 5000);
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

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/window/flash", test_flash);
  ADD ("/ui/window/flash-several", test_flash_several);
  ADD ("/ui/window/read", test_read);
  ADD ("/ui/window/read-whole", test_read_whole);
  ADD ("/ui/window/erase-region", test_erase_region);
  ADD ("/ui/window/erase-flash", test_erase_flash);
  ADD ("/ui/window/chip-info", test_chip_info);
  ADD ("/ui/window/cancel", test_cancel);
  ADD ("/ui/window/bad-address", test_bad_address);
  ADD ("/ui/window/address-checks", test_address_checks);
  ADD ("/ui/window/missing-file", test_missing_file);
  ADD ("/ui/window/changed-on-disk", test_changed_on_disk);
  ADD ("/ui/window/fifo-file", test_fifo_file);
  ADD ("/ui/window/no-answer", test_no_answer);
  ADD ("/ui/window/unplugged", test_unplugged);
  ADD ("/ui/window/remembered", test_remembered);
  ADD ("/ui/window/adapter-baud", test_adapter_baud);
  ADD ("/ui/window/brltty-hint", test_brltty_hint);
  ADD ("/ui/window/dark-style", test_dark_style);
  ADD ("/ui/window/port-vanishes", test_port_vanishes);
#define ADD_ROM(path, func) \
  g_test_add (path, Fixture, "rom", fixture_set_up, func, fixture_tear_down)
  ADD_ROM ("/ui/window/rom-loader/flash", test_flash);
  ADD_ROM ("/ui/window/rom-loader/flash-several", test_flash_several);
  ADD_ROM ("/ui/window/rom-loader/read", test_read);
  ADD_ROM ("/ui/window/rom-loader/erase-region", test_erase_region);
  ADD_ROM ("/ui/window/rom-loader/erase-flash", test_erase_flash);
  ADD_ROM ("/ui/window/rom-loader/chip-info", test_chip_info);
#undef ADD_ROM
#undef ADD

  sysfs_root = sf_test_make_fake_sysfs ();
  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  sf_test_remove_tree (sysfs_root);
  g_clear_pointer (&sysfs_root, g_free);
  return test_status;
}
