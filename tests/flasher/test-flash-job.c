/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SfFlashJob: the worker thread does the work, the main thread hears about
 * it through signals, in order, and a cancelled job leaves the board
 * ready for the next one. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sf-flash-job.h"
#include "sf-partition-table.h"
#include "sf-protocol-error.h"
#include "sf-sim-device.h"
#include "../test-timing.h"

typedef struct
{
  SfSimDevice *sim;
  GThread     *main_thread;
  guint        n_progress;
  guint        n_log;
  guint        n_finished;
  guint        n_failed;
  gboolean     off_main_thread;
  gboolean     log_after_end;
  gboolean     done;
  GError      *failed_error;
  GString     *log;
  GCancellable *cancel_on_write;
  guint        n_connected;
  guint        n_progress_before_connected;  /* of the write phase */
  guint8       connected_mac[6];
  SfChip       connected_chip;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->main_thread = g_thread_self ();
  fixture->log = g_string_new (NULL);
  fixture->sim = sf_sim_device_new (data, &error);
  g_assert_no_error (error);
  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
  g_clear_error (&fixture->failed_error);
  g_string_free (fixture->log, TRUE);
}

static void
check_thread (Fixture *fixture)
{
  if (g_thread_self () != fixture->main_thread)
    fixture->off_main_thread = TRUE;
}

static void
progress_cb (SfFlashJob *job,
             int         phase,
             guint64     done,
             guint64     total,
             Fixture    *fixture)
{
  check_thread (fixture);
  g_assert_cmpuint (done, <=, total);
  fixture->n_progress++;
  if (fixture->n_connected == 0 && phase == SF_PHASE_WRITE)
    fixture->n_progress_before_connected++;
  if (fixture->cancel_on_write != NULL && phase == SF_PHASE_WRITE && done > 0)
    g_cancellable_cancel (fixture->cancel_on_write);
}

static void
connected_cb (SfFlashJob          *job,
              const SfChipDetails *details,
              Fixture             *fixture)
{
  check_thread (fixture);
  g_assert_nonnull (details);
  g_assert_nonnull (details->description);
  fixture->n_connected++;
  fixture->connected_chip = details->chip;
  memcpy (fixture->connected_mac, details->mac, sizeof fixture->connected_mac);
}

static void
log_cb (SfFlashJob *job,
        const char *line,
        Fixture    *fixture)
{
  check_thread (fixture);
  if (fixture->n_finished + fixture->n_failed > 0)
    fixture->log_after_end = TRUE;
  fixture->n_log++;
  g_string_append_printf (fixture->log, "%s\n", line);
}

static void
finished_cb (SfFlashJob *job,
             Fixture    *fixture)
{
  check_thread (fixture);
  fixture->n_finished++;
}

static void
failed_cb (SfFlashJob   *job,
           const GError *error,
           Fixture      *fixture)
{
  check_thread (fixture);
  fixture->n_failed++;
  g_clear_error (&fixture->failed_error);
  fixture->failed_error = g_error_copy (error);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fixture *fixture = user_data;

  /* The signals have all been emitted by now. */
  g_assert_cmpuint (fixture->n_finished + fixture->n_failed, <=, 1);
  fixture->done = TRUE;
}

static gboolean
run_job (Fixture      *fixture,
         SfFlashJob   *job,
         GCancellable *cancellable,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_signal_connect (job, "connected", G_CALLBACK (connected_cb), fixture);
  g_signal_connect (job, "progress", G_CALLBACK (progress_cb), fixture);
  g_signal_connect (job, "log", G_CALLBACK (log_cb), fixture);
  g_signal_connect (job, "finished", G_CALLBACK (finished_cb), fixture);
  g_signal_connect (job, "failed", G_CALLBACK (failed_cb), fixture);

  fixture->done = FALSE;
  sf_flash_job_run_async (job, cancellable, run_done_cb, fixture);
  g_assert_true (sf_flash_job_get_running (job));
  while (!fixture->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (sf_flash_job_get_running (job));
  g_assert_false (fixture->off_main_thread);
  g_assert_false (fixture->log_after_end);
  return fixture->n_finished == 1;
}

static GBytes *
random_bytes (gsize length)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_rand_int (rand);
  return g_bytes_new_take (data, length);
}

static void
test_write_job (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_WRITE, sf_sim_device_get_port_path (fixture->sim));
  g_autoptr(GBytes) image = random_bytes (100000);
  g_autoptr(GBytes) flash = NULL;
  const SfChipDetails *details;

  sf_flash_job_add_region (job, 0x10000, image, "app.bin");
  sf_flash_job_set_baud (job, 460800);
  g_assert_true (run_job (fixture, job, NULL, NULL));
  g_assert_cmpuint (fixture->n_failed, ==, 0);
  g_assert_cmpuint (fixture->n_progress, >, 0);

  flash = sf_sim_device_dup_flash (fixture->sim, 0x10000, 100000);
  g_assert_true (g_bytes_equal (flash, image));

  details = sf_flash_job_get_chip_details (job);
  g_assert_nonnull (details);
  g_assert_cmpuint (details->flash_size, ==, sf_sim_device_get_flash_size (fixture->sim));
  g_assert_nonnull (strstr (fixture->log->str, "Chip is "));
  g_assert_nonnull (strstr (fixture->log->str, "Hash of data verified."));
  /* Through the flasher stub every chip changes its rate, the ESP8266
   * too; only a rate that was tried and failed counts as failed. */
  g_assert_nonnull (strstr (fixture->log->str, "Changed."));
  g_assert_cmpuint (sf_flash_job_get_used_baud (job), ==, 460800);
  g_assert_cmpuint (sf_flash_job_get_failed_baud (job), ==, 0);
}

/* Chip info on an ESP32-family board also reads its partition table and
 * which app starts, for the window to place files by; a blank board has
 * none, which is said in the log and is no failure. */
static void
test_chip_info_reads_table (Fixture       *fixture,
                            gconstpointer  data)
{
  static const char csv[] =
    "nvs,      data, nvs,     0x9000,  0x6000,\n"
    "phy_init, data, phy,     0xf000,  0x1000,\n"
    "factory,  app,  factory, 0x10000, 1M,\n";
  g_autoptr(SfFlashJob) blank_job = sf_flash_job_new (SF_JOB_CHIP_INFO,
                                                      sf_sim_device_get_port_path (fixture->sim));
  g_autoptr(SfFlashJob) job = NULL;
  g_autoptr(SfPartitionTable) table = NULL;
  g_autoptr(GBytes) binary = NULL;
  SfPartitionTable *read;

  g_assert_true (run_job (fixture, blank_job, NULL, NULL));
  g_assert_null (sf_flash_job_get_partition_table (blank_job));
  g_assert_cmpint (sf_flash_job_get_boot_partition (blank_job), ==, -1);
  g_assert_nonnull (strstr (fixture->log->str, "partition table"));

  table = sf_partition_table_parse_csv (csv, strlen (csv), 0x8000, NULL);
  binary = sf_partition_table_to_binary (table);
  sf_sim_device_write_flash (fixture->sim, 0x8000, g_bytes_get_data (binary, NULL),
                             g_bytes_get_size (binary));
  job = sf_flash_job_new (SF_JOB_CHIP_INFO, sf_sim_device_get_port_path (fixture->sim));
  fixture->n_finished = 0;
  g_assert_true (run_job (fixture, job, NULL, NULL));
  read = sf_flash_job_get_partition_table (job);
  g_assert_nonnull (read);
  g_assert_cmpuint (sf_partition_table_get_n_partitions (read), ==, 3);
  g_assert_cmpint (sf_flash_job_get_boot_partition (job), ==, 2);
}

/* "connected" tells the chip and its MAC before the write starts, so a
 * row can show which board it is while it is being flashed; a job made
 * like another one writes the same bytes with the same settings. */
static void
test_connected_and_like (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SfFlashJob) model = sf_flash_job_new (SF_JOB_WRITE, "/nonexistent/model");
  g_autoptr(SfFlashJob) job = NULL;
  g_autoptr(GBytes) image = random_bytes (70000);
  g_autoptr(GBytes) flash = NULL;
  const SfChipDetails *details;

  sf_flash_job_add_region (model, 0x20000, image, "app.bin");
  sf_flash_job_set_baud (model, 460800);
  job = sf_flash_job_new_like (model, sf_sim_device_get_port_path (fixture->sim));
  g_assert_cmpuint (sf_flash_job_get_kind (job), ==, SF_JOB_WRITE);
  g_assert_cmpuint (sf_flash_job_get_n_regions (job), ==, 1);
  g_assert_cmpuint (sf_flash_job_get_region_bytes (job), ==, 70000);
  g_assert_cmpstr (sf_flash_job_get_port_path (job), ==, sf_sim_device_get_port_path (fixture->sim));

  g_assert_true (run_job (fixture, job, NULL, NULL));
  g_assert_cmpuint (fixture->n_connected, ==, 1);
  g_assert_cmpuint (fixture->n_progress_before_connected, ==, 0);
  details = sf_flash_job_get_chip_details (job);
  g_assert_nonnull (details);
  g_assert_cmpint (fixture->connected_chip, ==, details->chip);
  g_assert_cmpmem (fixture->connected_mac, 6, details->mac, 6);
  g_assert_cmpuint (sf_flash_job_get_used_baud (job), ==, 460800);
  flash = sf_sim_device_dup_flash (fixture->sim, 0x20000, 70000);
  g_assert_true (g_bytes_equal (flash, image));
}

static void
test_rom_job_rate (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_WRITE, sf_sim_device_get_port_path (fixture->sim));
  g_autoptr(GBytes) image = random_bytes (5000);

  /* The ESP8266's ROM cannot change its rate: the job works at 115200,
   * and that says nothing about the adapter. */
  sf_flash_job_add_region (job, 0x10000, image, "app.bin");
  sf_flash_job_set_baud (job, 460800);
  sf_flash_job_set_no_stub (job, TRUE);
  g_assert_true (run_job (fixture, job, NULL, NULL));
  if (g_str_equal (data, "esp8266"))
    {
      g_assert_nonnull (strstr (fixture->log->str, "cannot change its baud rate"));
      g_assert_cmpuint (sf_flash_job_get_used_baud (job), ==, 115200);
    }
  else
    {
      g_assert_cmpuint (sf_flash_job_get_used_baud (job), ==, 460800);
    }
  g_assert_cmpuint (sf_flash_job_get_failed_baud (job), ==, 0);
  g_assert_null (strstr (fixture->log->str, "Stub running"));
}

static void
test_failed_job (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_ERASE_REGION, sf_sim_device_get_port_path (fixture->sim));

  /* Not sector-aligned: the flasher refuses, after connecting. */
  sf_flash_job_set_span (job, 0x1234, 0x1000);
  g_assert_false (run_job (fixture, job, NULL, NULL));
  g_assert_cmpuint (fixture->n_failed, ==, 1);
  g_assert_error (fixture->failed_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
}

static void
test_missing_port (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_CHIP_INFO, "/dev/ttyNOPE-sparkflash");

  g_assert_false (run_job (fixture, job, NULL, NULL));
  g_assert_error (fixture->failed_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
}

static void
test_cancel_then_run_again (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *port = sf_sim_device_get_port_path (fixture->sim);
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_WRITE, port);
  g_autoptr(SfFlashJob) again = sf_flash_job_new (SF_JOB_WRITE, port);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) image = random_bytes (512 * 1024);
  g_autoptr(GBytes) flash = NULL;
  /* Random bytes at 0x0: past the checks before writing. */
  SfWriteOptions raw = { .compress = SF_COMPRESS_OFF, .force = TRUE };
  gint64 start;

  sf_flash_job_add_region (job, 0x0, image, "big.bin");
  sf_flash_job_set_write_options (job, &raw);
  fixture->cancel_on_write = cancellable;
  start = g_get_monotonic_time ();
  g_assert_false (run_job (fixture, job, cancellable, NULL));
  /* Cancelled is not a failure to report. */
  g_assert_cmpuint (fixture->n_failed, ==, 0);
  sf_assert_took_less (start, 20 * G_USEC_PER_SEC);

  fixture->cancel_on_write = NULL;
  sf_flash_job_add_region (again, 0x0, image, "big.bin");
  sf_flash_job_set_write_options (again, &raw);
  g_assert_true (run_job (fixture, again, NULL, NULL));
  flash = sf_sim_device_dup_flash (fixture->sim, 0, g_bytes_get_size (image));
  g_assert_true (g_bytes_equal (flash, image));
}

static void
test_baud_fallback (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SfFlashJob) job = sf_flash_job_new (SF_JOB_WRITE, sf_sim_device_get_port_path (fixture->sim));
  g_autoptr(GBytes) image = random_bytes (20000);
  g_autoptr(GBytes) flash = NULL;

  /* The cable cannot carry 921600: the job says so and finishes at 115200. */
  sf_sim_device_set_max_baud (fixture->sim, 230400);
  sf_flash_job_add_region (job, 0x20000, image, "app.bin");
  sf_flash_job_set_baud (job, 921600);
  g_assert_true (run_job (fixture, job, NULL, NULL));
  g_assert_nonnull (strstr (fixture->log->str, "921600 baud did not get through"));
  g_assert_cmpuint (sf_flash_job_get_used_baud (job), ==, 115200);
  g_assert_cmpuint (sf_flash_job_get_failed_baud (job), ==, 921600);
  flash = sf_sim_device_dup_flash (fixture->sim, 0x20000, 20000);
  g_assert_true (g_bytes_equal (flash, image));
}

/* The window's job on a line that loses and garbles replies: a write and
 * a read into a file each end in success with the right bytes, or in the
 * failed signal with a specific error, never in a false finished. */
static void
test_noisy_line (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("sf-job-noise-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "backup.bin", NULL);
  guint fired_runs = 0;

  for (guint32 seed = 1; seed <= 3; seed++)
    {
      g_autoptr(SfFlashJob) write = sf_flash_job_new (SF_JOB_WRITE, sf_sim_device_get_port_path (fixture->sim));
      g_autoptr(SfFlashJob) read = sf_flash_job_new (SF_JOB_READ, sf_sim_device_get_port_path (fixture->sim));
      g_autoptr(GBytes) image = random_bytes (20000 + seed);
      g_autoptr(GBytes) flash = NULL;
      guint faults_before = sf_sim_device_get_faults_injected (fixture->sim);

      sf_sim_device_set_line_noise (fixture->sim, 40, 30, seed);
      fixture->n_finished = fixture->n_failed = 0;
      sf_flash_job_add_region (write, 0x10000, image, "app.bin");
      sf_flash_job_set_baud (write, 115200);
      if (run_job (fixture, write, NULL, NULL))
        {
          flash = sf_sim_device_dup_flash (fixture->sim, 0x10000, g_bytes_get_size (image));
          g_assert_true (g_bytes_equal (flash, image));
        }
      else
        {
          g_assert_cmpuint (fixture->n_failed, ==, 1);
          g_assert_error (fixture->failed_error, SF_PROTOCOL_ERROR, fixture->failed_error->code);
          g_assert_null (strstr (fixture->failed_error->message, "unknown error"));
        }

      fixture->n_finished = fixture->n_failed = 0;
      sf_flash_job_set_span (read, 0x10000, 0x8000);
      sf_flash_job_set_output_path (read, path);
      sf_flash_job_set_baud (read, 115200);
      g_unlink (path);
      if (run_job (fixture, read, NULL, NULL))
        {
          g_autofree char *contents = NULL;
          gsize length;
          g_autoptr(GBytes) truth = sf_sim_device_dup_flash (fixture->sim, 0x10000, 0x8000);

          g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
          g_assert_cmpmem (contents, length, g_bytes_get_data (truth, NULL), 0x8000);
        }
      else
        {
          g_assert_cmpuint (fixture->n_failed, ==, 1);
          g_assert_null (strstr (fixture->failed_error->message, "unknown error"));
          g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
        }
      if (sf_sim_device_get_faults_injected (fixture->sim) > faults_before)
        fired_runs++;
      sf_sim_device_set_line_noise (fixture->sim, 0, 0, 0);
    }
  g_assert_cmpuint (fired_runs, >=, 2);
  g_unlink (path);
  g_rmdir (dir);
}

/* The progress signal carries its phase as an SfPhase, which a handler in
 * any binding can name, not as a bare int. */
static void
test_signal_types (void)
{
  g_autoptr(GEnumClass) phases = g_type_class_ref (SF_TYPE_PHASE);
  g_autoptr(GTypeClass) klass = g_type_class_ref (SF_TYPE_FLASH_JOB);
  GSignalQuery query;

  g_signal_query (g_signal_lookup ("progress", SF_TYPE_FLASH_JOB), &query);
  g_assert_cmpuint (query.n_params, ==, 3);
  g_assert_true (query.param_types[0] == SF_TYPE_PHASE);
  g_assert_cmpstr (g_enum_get_value (phases, SF_PHASE_WRITE)->value_nick, ==, "write");
  g_assert_true (G_TYPE_IS_ENUM (SF_TYPE_CHIP));
  g_assert_true (G_TYPE_IS_ENUM (SF_TYPE_PROTOCOL_ERROR));
  g_assert_true (G_TYPE_IS_FLAGS (SF_TYPE_OUTPUT_FILE_FLAGS));
}

int
main (int   argc,
      char *argv[])
{
  static const char *chips[] = { "esp8266", "esp32" };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      g_autofree char *write = g_strdup_printf ("/sim/flash-job/%s/write", chips[i]);
      g_autofree char *failed = g_strdup_printf ("/sim/flash-job/%s/failed", chips[i]);
      g_autofree char *missing = g_strdup_printf ("/sim/flash-job/%s/missing-port", chips[i]);
      g_autofree char *cancel = g_strdup_printf ("/sim/flash-job/%s/cancel-then-run-again", chips[i]);
      g_autofree char *rom = g_strdup_printf ("/sim/flash-job/%s/rom-rate", chips[i]);
      g_autofree char *noisy = g_strdup_printf ("/sim/flash-job/%s/noisy-line", chips[i]);

      g_test_add (write, Fixture, chips[i], fixture_setup, test_write_job, fixture_teardown);
      g_test_add (failed, Fixture, chips[i], fixture_setup, test_failed_job, fixture_teardown);
      g_test_add (missing, Fixture, chips[i], fixture_setup, test_missing_port, fixture_teardown);
      g_test_add (cancel, Fixture, chips[i], fixture_setup, test_cancel_then_run_again, fixture_teardown);
      g_test_add (rom, Fixture, chips[i], fixture_setup, test_rom_job_rate, fixture_teardown);
      g_test_add (noisy, Fixture, chips[i], fixture_setup, test_noisy_line, fixture_teardown);
    }

  g_test_add_func ("/sim/flash-job/signal-types", test_signal_types);
  g_test_add ("/sim/flash-job/esp32c3/chip-info-reads-table", Fixture, "esp32c3", fixture_setup,
              test_chip_info_reads_table, fixture_teardown);
  g_test_add ("/sim/flash-job/esp32/connected-and-like", Fixture, "esp32", fixture_setup,
              test_connected_and_like, fixture_teardown);
  g_test_add ("/sim/flash-job/esp32/baud-fallback", Fixture, "esp32", fixture_setup,
              test_baud_fallback, fixture_teardown);

  return g_test_run ();
}
