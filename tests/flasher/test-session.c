/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The session's fallbacks, against the simulated board: a stub that never
 * greets, a rate the link cannot carry, and a flash write that fails
 * after the stub has acknowledged its block. */
#include "config.h"

#include <string.h>

#include "sf-protocol-error.h"
#include "sf-session.h"
#include "sf-sim-device.h"
#include "sf-stub-image.h"

typedef struct
{
  SfSimDevice *sim;
  GPtrArray   *log;
} Fixture;

static void
log_cb (const char *line,
        gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static gboolean
log_contains (Fixture    *fixture,
              const char *text)
{
  for (guint i = 0; i < fixture->log->len; i++)
    if (strstr (g_ptr_array_index (fixture->log, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* "CHIP" or "CHIP:MHZ", a board with another crystal. */
  g_auto(GStrv) chip = g_strsplit (data, ":", 2);

  fixture->log = g_ptr_array_new_with_free_func (g_free);
  fixture->sim = sf_sim_device_new (chip[0], &error);
  g_assert_no_error (error);
  if (chip[1] != NULL)
    sf_sim_device_set_crystal_mhz (fixture->sim, (guint) g_ascii_strtoull (chip[1], NULL, 10));
  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
  g_ptr_array_unref (fixture->log);
}

static SfSessionOptions
options_for (Fixture *fixture,
             guint    baud)
{
  SfSessionOptions options = {
    .port = sf_sim_device_get_port_path (fixture->sim),
    .baud = baud,
    .before = SF_BEFORE_NO_RESET,
    .after = SF_AFTER_NO_RESET,
    .log_func = log_cb,
    .callback_data = fixture->log,
  };

  return options;
}

static GBytes *
pattern_bytes (gsize length)
{
  guint8 *data = g_malloc (length);

  /* Compressible, but not trivially: a flash write per block. */
  for (gsize i = 0; i < length; i++)
    data[i] = (i * 7 + i / 251) & 0xFF;
  return g_bytes_new_take (data, length);
}

typedef struct
{
  GBytes  *image;
  guint32  address;
} WriteWork;

static gboolean
write_cb (SfFlasher            *flasher,
          const SfChipDetails  *details,
          gpointer              user_data,
          GCancellable         *cancellable,
          GError              **error)
{
  WriteWork *work = user_data;
  SfFlashRegion region = { work->address, work->image, "app.bin" };

  return sf_flasher_write_flash (flasher, &region, 1, NULL, cancellable, error);
}

static void
assert_flash (Fixture  *fixture,
              guint32   address,
              GBytes   *expected)
{
  g_autoptr(GBytes) actual = sf_sim_device_dup_flash (fixture->sim, address,
                                                      g_bytes_get_size (expected));

  g_assert_true (g_bytes_equal (actual, expected));
}

static void
test_stub_by_default (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) image = pattern_bytes (100000);
  WriteWork work = { image, 0x10000 };
  SfSessionOptions options = options_for (fixture, 0);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_session_run (&options, write_cb, &work, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.stub);
  g_assert_cmpuint (result.used_baud, ==, SF_SESSION_FAST_BAUD);
  g_assert_cmpuint (result.failed_baud, ==, 0);
  g_assert_true (log_contains (fixture, "No baud rate given"));
  g_assert_true (log_contains (fixture, "Hash of data verified."));
  assert_flash (fixture, 0x10000, image);
}

static void
test_stub_never_greets (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) image = pattern_bytes (20000);
  WriteWork work = { image, 0x20000 };
  SfSessionOptions options = options_for (fixture, SF_SYNC_BAUD);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;

  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_STUB_SILENT, 0);
  g_assert_true (sf_session_run (&options, write_cb, &work, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (result.stub);
  g_assert_true (log_contains (fixture, "The flasher stub did not start"));
  g_assert_true (log_contains (fixture, "Carrying on with the ROM loader."));
  assert_flash (fixture, 0x20000, image);
}

static void
test_baud_change_fails (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) image = pattern_bytes (30000);
  WriteWork work = { image, 0x30000 };
  SfSessionOptions options = options_for (fixture, 921600);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;

  /* Above 460800 the board hears only noise, as with a poor adapter. */
  sf_sim_device_set_max_baud (fixture->sim, 460800);
  g_assert_true (sf_session_run (&options, write_cb, &work, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.failed_baud, ==, 921600);
  g_assert_cmpuint (result.used_baud, ==, SF_SYNC_BAUD);
  g_assert_true (log_contains (fixture, "921600 baud did not get through"));
  assert_flash (fixture, 0x30000, image);
}

static void
test_late_write_error (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GBytes) image = pattern_bytes (200000);
  WriteWork work = { image, 0x40000 };
  SfSessionOptions options = options_for (fixture, SF_SYNC_BAUD);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;

  /* The stub acknowledges the block, fails to write it, and says so in
   * the reply to the next command: that must end in a clear error. */
  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_LATE_WRITE_ERROR, 0);
  g_assert_false (sf_session_run (&options, write_cb, &work, &result, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  g_assert_nonnull (strstr (error->message, "could not write its flash"));
  g_assert_null (strstr (error->message, "status 0x"));
  g_assert_false (log_contains (fixture, "Hash of data verified."));
}

/* Writes through a session asked for @baud (the ROM loader only, with
 * @no_stub): it lands, at @used_baud, and no rate failed on the way. */
static void
assert_write_at (Fixture  *fixture,
                 guint     baud,
                 gboolean  no_stub,
                 guint     used_baud)
{
  g_autoptr(GBytes) image = pattern_bytes (20000);
  WriteWork work = { image, 0x10000 };
  SfSessionOptions options = options_for (fixture, baud);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;

  options.no_stub = no_stub;
  g_assert_true (sf_session_run (&options, write_cb, &work, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.stub, ==, !no_stub);
  g_assert_cmpuint (result.failed_baud, ==, 0);
  g_assert_cmpuint (result.used_baud, ==, used_baud);
  assert_flash (fixture, 0x10000, image);
}

static void
test_esp8266_rom_rate_is_no_failure (Fixture       *fixture,
                                     gconstpointer  data)
{
  /* Its ROM cannot change rate: the work is done at 115200, and that is
   * the loader's limit, not the adapter's. */
  assert_write_at (fixture, 460800, TRUE, SF_SYNC_BAUD);
  g_assert_true (log_contains (fixture, "cannot change its baud rate"));
}

/* The session moves to 921600 and the work gets done there: the value its
 * CHANGE_BAUDRATE sends puts the chip's UART where the host's port goes,
 * which the simulator checks (noise otherwise). */
static void
test_rom_baud_change (Fixture       *fixture,
                      gconstpointer  data)
{
  assert_write_at (fixture, 921600, TRUE, 921600);
}

static void
test_stub_baud_change (Fixture       *fixture,
                       gconstpointer  data)
{
  assert_write_at (fixture, 921600, FALSE, 921600);
}

static gboolean
read_cb (SfFlasher            *flasher,
         const SfChipDetails  *details,
         gpointer              user_data,
         GCancellable         *cancellable,
         GError              **error)
{
  return sf_flasher_read_flash (flasher, 0, 0x100000, user_data, cancellable, error);
}

/* Erased flash is not sent: the chip's MD5 of each erased 64 KiB says it
 * is, and a backup of a mostly empty flash moves little more than the data. */
static void
test_read_skips_erased (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) image = pattern_bytes (100000);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) read = NULL;
  g_autoptr(GBytes) truth = NULL;
  SfSessionOptions options = options_for (fixture, 0);
  g_auto(SfSessionResult) result = { { 0 } };
  g_autoptr(GError) error = NULL;
  SfSimWireStats stats;

  sf_sim_device_write_flash (fixture->sim, 0x20000, g_bytes_get_data (image, NULL),
                             g_bytes_get_size (image));
  sf_sim_device_take_wire_stats (fixture->sim, &stats);
  g_assert_true (sf_session_run (&options, read_cb, output, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (output, NULL, NULL));
  read = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
  truth = sf_sim_device_dup_flash (fixture->sim, 0, 0x100000);
  g_assert_true (g_bytes_equal (read, truth));

  /* The windows that hold data (two of them) and the one after them,
   * which is asked about only once data ended erased, no more. */
  sf_sim_device_take_wire_stats (fixture->sim, &stats);
  g_assert_cmpuint (stats.read_bytes, <, 3 * 0x10000 + 0x8000);
  g_assert_true (log_contains (fixture, "erased flash"));
}

int
main (int   argc,
      char *argv[])
{
  static const char *const chips[] = { "esp8266", "esp32", "esp32c3" };
  static const char *const every_chip[] = {
    "esp8266", "esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c6", "esp32h2",
  };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("/session/%s", chips[i]);
      g_autofree char *p1 = g_strconcat (prefix, "/stub-by-default", NULL);
      g_autofree char *p2 = g_strconcat (prefix, "/stub-never-greets", NULL);
      g_autofree char *p3 = g_strconcat (prefix, "/baud-change-fails", NULL);
      g_autofree char *p4 = g_strconcat (prefix, "/late-write-error", NULL);
      g_autofree char *p5 = g_strconcat (prefix, "/read-skips-erased", NULL);

      /* A build without stubs has only the ROM path to test. */
      if (!sf_stub_images_available ())
        continue;
      g_test_add (p1, Fixture, chips[i], fixture_setup, test_stub_by_default, fixture_teardown);
      g_test_add (p2, Fixture, chips[i], fixture_setup, test_stub_never_greets, fixture_teardown);
      g_test_add (p3, Fixture, chips[i], fixture_setup, test_baud_change_fails, fixture_teardown);
      g_test_add (p4, Fixture, chips[i], fixture_setup, test_late_write_error, fixture_teardown);
      g_test_add (p5, Fixture, chips[i], fixture_setup, test_read_skips_erased, fixture_teardown);
    }
  g_test_add ("/session/esp8266/rom-rate-is-no-failure", Fixture, "esp8266", fixture_setup,
              test_esp8266_rom_rate_is_no_failure, fixture_teardown);

  /* Every simulated chip's ROM (but the ESP8266's, which cannot) and stub
   * changes rate with the value the simulator expects. */
  for (guint i = 0; i < G_N_ELEMENTS (every_chip); i++)
    {
      g_autofree char *rom = g_strdup_printf ("/session/%s/rom-baud-change", every_chip[i]);
      g_autofree char *stub = g_strdup_printf ("/session/%s/stub-baud-change", every_chip[i]);

      if (!g_str_equal (every_chip[i], "esp8266"))
        g_test_add (rom, Fixture, every_chip[i], fixture_setup, test_rom_baud_change, fixture_teardown);
      if (sf_stub_images_available ())
        g_test_add (stub, Fixture, every_chip[i], fixture_setup, test_stub_baud_change, fixture_teardown);
    }
  /* On a 26 MHz board: the ESP32's ROM calibrates to it, the ESP32-C2's
   * believes in 40 MHz and must be sent a value scaled by 40/26. */
  g_test_add ("/session/esp32-26mhz/rom-baud-change", Fixture, "esp32:26", fixture_setup,
              test_rom_baud_change, fixture_teardown);
  g_test_add ("/session/esp32c2-26mhz/rom-baud-change", Fixture, "esp32c2:26", fixture_setup,
              test_rom_baud_change, fixture_teardown);

  return g_test_run ();
}
