/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark of the production window, run with `meson test --benchmark`
 * under a display: the same 1 MiB image (firmware-like, or with the
 * argument "noise" one that does not compress) flashed to 1, 4 and 8 simulated
 * boards at once, each board as slow as a real one (its UART paced at the
 * baud rate, its flash taking the datasheet's time), at the default rate.
 * Prints the time for each, the ratio of 8 boards to 1, and the longest
 * the main loop went without running (a 5 ms timeout notes the largest
 * gap between its dispatches). Fails when 8 boards take more than 1.5
 * times as long as one, or the main loop stalls for 50 ms or more. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#include "sf-ui-test-util.h"

#define MIB               (1024 * 1024)
#define RATIO_LIMIT       1.5
#define MAIN_LOOP_LIMIT_MS 50

static SfApplication *app;
static const char *kind;
static int status = 1;
static gint64 last_tick_us;
static gint64 max_gap_us;

/* CPU seconds this process has used, every thread (the boards' workers,
 * their compression, the simulated boards) counted. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static gboolean
gap_tick_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick_us != 0)
    max_gap_us = MAX (max_gap_us, now - last_tick_us);
  last_tick_us = now;
  return G_SOURCE_CONTINUE;
}

/* Bytes that compress about as ESP firmware does (to 55-65 %): mostly
 * three-byte instructions drawn from a small, skewed set with small
 * operands, now and then a run of words as in the strings of a log. */
static void
fill_firmware (guint8  *data,
               gsize    length,
               guint32  seed)
{
  static const char * const words[] = {
    "wifi ", "connect ", "failed ", "timeout ", "task ", "queue ", "heap ", "flash ",
    "sector ", "partition ", "nvs ", "uart ", "spi ", "timer ", "reset ", "error: ",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint16 opcodes[256];
  gsize i = 0;

  for (guint k = 0; k < G_N_ELEMENTS (opcodes); k++)
    opcodes[k] = g_rand_int (rand);
  while (i < length)
    {
      if (g_rand_int_range (rand, 0, 40) == 0)
        {
          for (guint n = g_rand_int_range (rand, 3, 10); n > 0 && i < length; n--)
            {
              const char *word = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

              for (const char *c = word; *c != '\0' && i < length; c++)
                data[i++] = *c;
            }
          continue;
        }
      {
        /* Squaring skews the pick towards the first opcodes. */
        guint r = g_rand_int_range (rand, 0, 256);
        guint16 op = opcodes[r * r / 256];
        guint8 operand = g_rand_int_range (rand, 0, 4) != 0 ? g_rand_int_range (rand, 0, 64)
                                                           : g_rand_int_range (rand, 0, 256);
        guint8 bytes[3] = { op & 0xFF, op >> 8, operand };

        for (guint k = 0; k < 3 && i < length; k++)
          data[i++] = bytes[k];
      }
    }
}

/* Flashes the first @n of @boards; returns the seconds it took. */
static double
flash_boards (SfProductionWindow *production,
              GPtrArray          *boards,
              guint               n)
{
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
  GPtrArray *rows;
  gint64 start;
  double cpu;
  guint source;

  for (guint i = 0; i < boards->len; i++)
    {
      SfSimDevice *device = g_ptr_array_index (boards, i);

      /* Each run starts from a board just reset, its flash blank. */
      sf_sim_device_reset (device);
      sf_test_blank_flash (device);
      if (i < n)
        g_ptr_array_add (chosen, device);
      else
        _sf_production_window_set_checked (production, sf_sim_device_get_port_path (device), FALSE);
    }
  sf_test_spin (300);

  source = g_timeout_add_full (G_PRIORITY_HIGH, 5, gap_tick_cb, NULL, NULL);
  last_tick_us = 0;
  start = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  sf_test_run_production (production, chosen, 600 * 1000);
  g_source_remove (source);
  g_print ("cpu-%u-boards-s: %.1f\n", n, cpu_seconds () - cpu);

  rows = _sf_production_window_get_rows (production);
  g_assert_cmpuint (rows->len, ==, n);
  for (guint i = 0; i < rows->len; i++)
    if (sf_board_row_get_state (g_ptr_array_index (rows, i)) != SF_BOARD_SUCCEEDED)
      g_error ("%s: %s", sf_board_row_get_port (g_ptr_array_index (rows, i)),
               sf_board_row_get_result_text (g_ptr_array_index (rows, i)));
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static void
activate_cb (GApplication *application)
{
  static const guint counts[] = { 1, 4, 8 };
  g_autofree char *dir = g_dir_make_tmp ("sparkflash-bench-XXXXXX", NULL);
  g_autofree guint8 *noise = g_malloc (MIB);
  g_autoptr(GBytes) image = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  double seconds[G_N_ELEMENTS (counts)];
  SfProductionWindow *production;
  SfFirmwareRow *row;
  SfWindow *window;
  GPtrArray *boards;
  double ratio;

  g_signal_stop_emission_by_name (application, "activate");
  g_application_hold (application);
  sf_test_reset_settings (sf_application_get_settings (app));

  if (g_strcmp0 (kind, "noise") == 0)
    sf_test_fill_noise (noise, MIB, 1);
  else
    fill_firmware (noise, MIB, 1);
  g_print ("image: %s\n", kind);
  image = g_bytes_new_take (g_steal_pointer (&noise), MIB);
  path = sf_test_write_file (dir, "1MiB.bin", image);
  file = g_file_new_for_path (path);

  window = sf_test_open_window (app, "esp32");
  row = _sf_window_add_firmware (window, file);
  sf_firmware_row_set_address_text (row, "0x10000");
  boards = sf_test_start_boards (app, 8, TRUE);
  production = sf_test_open_production (window);

  g_print ("baud: %u\n", g_settings_get_uint (sf_application_get_settings (app), "baud"));
  max_gap_us = 0;
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      seconds[i] = flash_boards (production, boards, counts[i]);
      g_print ("flash-1MiB-%u-boards-s: %.1f\n", counts[i], seconds[i]);
      for (guint j = 0; j < counts[i]; j++)
        {
          g_autoptr(GBytes) flash = sf_sim_device_dup_flash (g_ptr_array_index (boards, j), 0x10000, MIB);

          g_assert_true (g_bytes_equal (flash, image));
        }
    }
  ratio = seconds[2] / seconds[0];
  g_print ("ratio-8-to-1: %.2f\n", ratio);
  g_print ("max-main-loop-gap-ms: %.0f\n", max_gap_us / 1000.0);
  status = ratio <= RATIO_LIMIT && max_gap_us < MAIN_LOOP_LIMIT_MS * 1000 ? 0 : 1;

  gtk_window_destroy (GTK_WINDOW (production));
  sf_test_close_window (window);
  sf_test_stop_boards (app, boards);
  sf_test_reset_settings (sf_application_get_settings (app));
  g_remove (path);
  g_rmdir (dir);
  g_application_release (application);
  g_application_quit (application);
}

int
main (int   argc,
      char *argv[])
{
  /* "firmware" (compresses as firmware does, so the boards' jobs deflate
   * it) or "noise" (does not compress, sent raw). */
  kind = argc > 1 ? argv[1] : "firmware";
  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return status;
}
