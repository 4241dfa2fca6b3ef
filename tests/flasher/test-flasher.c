/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protocol module against the simulated board on a real pseudo-terminal:
 * every byte goes through the same path it takes to a real chip. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sf-flasher.h"
#include "sf-image.h"
#include "sf-protocol-error.h"
#include "sf-sim-device.h"
#include "sf-stub-image.h"
#include "../test-timing.h"

#define MiB (1024u * 1024u)

typedef struct
{
  const char  *chip_name;
  SfChip       chip;
  gboolean     stub;      /* through the flasher stub rather than the ROM */
} ChipCase;

static const ChipCase chip_cases[] = {
  { "esp8266", SF_CHIP_ESP8266, FALSE },
  { "esp32",   SF_CHIP_ESP32, FALSE },
  { "esp32c3", SF_CHIP_ESP32C3, FALSE },
  { "esp32s3", SF_CHIP_ESP32S3, FALSE },
  { "esp8266", SF_CHIP_ESP8266, TRUE },
  { "esp32",   SF_CHIP_ESP32, TRUE },
  { "esp32c3", SF_CHIP_ESP32C3, TRUE },
};

/* The ESP8266's ROM, the one loader that can neither inflate nor change
 * its rate. */
static gboolean
is_esp8266_rom (const ChipCase *chip_case)
{
  return chip_case->chip == SF_CHIP_ESP8266 && !chip_case->stub;
}

typedef struct
{
  const ChipCase *chip_case;
  SfSimDevice    *sim;
  SfFlasher      *flasher;
  GPtrArray      *log;
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

static SfFlasher *
open_flasher (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  SfFlasher *flasher;

  transport = sf_transport_open (sf_sim_device_get_port_path (fixture->sim), SF_SYNC_BAUD, &error);
  g_assert_no_error (error);
  flasher = sf_flasher_new (transport);
  sf_flasher_set_log_func (flasher, log_cb, fixture->log);
  return flasher;
}

static void
connect (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->flasher = open_flasher (fixture);
  g_assert_true (sf_flasher_connect (fixture->flasher, SF_CHIP_AUTO, SF_BEFORE_DEFAULT_RESET,
                                     NULL, &error));
  g_assert_no_error (error);
  if (fixture->chip_case->stub)
    {
      g_assert_true (sf_flasher_start_stub (fixture->flasher, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (sf_flasher_is_stub (fixture->flasher));
    }
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->chip_case = data;
  fixture->log = g_ptr_array_new_with_free_func (g_free);
  fixture->sim = sf_sim_device_new (fixture->chip_case->chip_name, &error);
  g_assert_no_error (error);
  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->flasher);
  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
  g_ptr_array_unref (fixture->log);
}

static GBytes *
random_bytes (gsize length)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (length);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_rand_int (rand) & 0xFF;
  return g_bytes_new_take (data, length);
}

static void
assert_sim_flash (Fixture *fixture,
                  guint32  address,
                  GBytes  *expected)
{
  g_autoptr(GBytes) actual = sf_sim_device_dup_flash (fixture->sim, address,
                                                      g_bytes_get_size (expected));

  g_assert_true (g_bytes_equal (actual, expected));
}

static void
assert_sim_erased (Fixture *fixture,
                   guint32  address,
                   gsize    length)
{
  g_autoptr(GBytes) actual = sf_sim_device_dup_flash (fixture->sim, address, length);
  const guint8 *bytes = g_bytes_get_data (actual, NULL);

  for (gsize i = 0; i < length; i++)
    if (bytes[i] != 0xFF)
      g_error ("byte at 0x%zx is 0x%02x, not erased", address + i, bytes[i]);
}

static void
test_connect_and_identify (Fixture       *fixture,
                           gconstpointer  data)
{
  g_auto(SfChipDetails) details = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 sim_mac[6], mac[6];
  guint32 size = 0;

  connect (fixture);
  g_assert_cmpint (sf_flasher_get_chip (fixture->flasher), ==, fixture->chip_case->chip);

  g_assert_true (sf_flasher_read_mac (fixture->flasher, mac, NULL, &error));
  g_assert_no_error (error);
  sf_sim_device_get_mac (fixture->sim, sim_mac);
  g_assert_cmpmem (mac, 6, sim_mac, 6);

  g_assert_true (sf_flasher_get_flash_size (fixture->flasher, &size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, sf_sim_device_get_flash_size (fixture->sim));

  g_assert_true (sf_flasher_read_chip_details (fixture->flasher, &details, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (details.description);
  g_assert_cmpuint (details.flash_size, ==, size);
  g_assert_true (details.crystal_mhz == 26 || details.crystal_mhz == 40 ||
                 details.crystal_mhz == 32);
  g_assert_cmpmem (details.mac, 6, sim_mac, 6);

  /* A pty has no DTR/RTS: the default reset must say so and go on. */
  g_assert_true (log_contains (fixture, "no DTR/RTS"));
}

static void
write_and_check (Fixture    *fixture,
                 SfCompress  compress)
{
  g_autoptr(GBytes) image = random_bytes (256 * 1024 + 100);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x10000, image, "app.bin" };
  SfWriteOptions options = { .compress = compress };

  connect (fixture);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, &options, NULL, &error));
  g_assert_no_error (error);
  assert_sim_flash (fixture, 0x10000, image);
  /* The unwritten rest of the last sector stays erased. */
  assert_sim_erased (fixture, 0x10000 + 256 * 1024 + 100, 0x1000 - 100);
  g_assert_true (log_contains (fixture, "Hash of data verified."));

  g_assert_true (sf_flasher_verify_flash (fixture->flasher, &region, 1, NULL, &error));
  g_assert_no_error (error);
}

static void
test_write_raw (Fixture       *fixture,
                gconstpointer  data)
{
  write_and_check (fixture, SF_COMPRESS_OFF);
  g_assert_false (log_contains (fixture, "compressed"));
}

static void
test_write_compressed (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (64 * 1024), 64 * 1024);
  SfFlashRegion region = { 0x40000, zeros, "zeros.bin" };
  SfWriteOptions on = { .compress = SF_COMPRESS_ON };

  if (is_esp8266_rom (fixture->chip_case))
    {
      /* Its ROM has no inflater: asked outright, that is an error... */
      connect (fixture);
      g_assert_false (sf_flasher_write_flash (fixture->flasher, &region, 1, &on, NULL, &error));
      g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "-u"));
      g_clear_object (&fixture->flasher);
      /* ...and by default it writes uncompressed. */
      write_and_check (fixture, SF_COMPRESS_AUTO);
      return;
    }

  write_and_check (fixture, SF_COMPRESS_AUTO);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, &on, NULL, &error));
  g_assert_no_error (error);
  assert_sim_flash (fixture, 0x40000, zeros);
  g_assert_true (log_contains (fixture, "(") && log_contains (fixture, "compressed) at 0x00040000"));
}

static void
test_unaligned_write_keeps_neighbours (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GBytes) before = random_bytes (0x2000);
  g_autoptr(GBytes) patch = random_bytes (301);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x21010, patch, "patch.bin" };
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) tail = NULL;
  g_autoptr(GBytes) now_head = NULL;
  g_autoptr(GBytes) now_tail = NULL;

  sf_sim_device_write_flash (fixture->sim, 0x21000, g_bytes_get_data (before, NULL), 0x2000);
  head = g_bytes_new_from_bytes (before, 0, 0x10);
  tail = g_bytes_new_from_bytes (before, 0x10 + 301, 0x2000 - 0x10 - 301);

  connect (fixture);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, NULL, NULL, &error));
  g_assert_no_error (error);

  assert_sim_flash (fixture, 0x21010, patch);
  now_head = sf_sim_device_dup_flash (fixture->sim, 0x21000, 0x10);
  now_tail = sf_sim_device_dup_flash (fixture->sim, 0x21010 + 301, 0x2000 - 0x10 - 301);
  g_assert_true (g_bytes_equal (now_head, head));
  g_assert_true (g_bytes_equal (now_tail, tail));
}

static void
test_multiple_files (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (5000);
  g_autoptr(GBytes) b = random_bytes (3000);
  g_autoptr(GBytes) c = random_bytes (70000);
  g_autoptr(GError) error = NULL;
  SfFlashRegion regions[] = {
    { 0x0, a, "a.bin" },
    { 0x8000, b, "b.bin" },
    { 0x10000, c, "c.bin" },
  };
  /* Random bytes where the bootloader and table go: past the checks
   * before writing, which tests/image/test-write-check.c covers. */
  SfWriteOptions force = { .force = TRUE };

  connect (fixture);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, regions, 3, &force, NULL, &error));
  g_assert_no_error (error);
  assert_sim_flash (fixture, 0x0, a);
  assert_sim_flash (fixture, 0x8000, b);
  assert_sim_flash (fixture, 0x10000, c);
  g_assert_true (sf_flasher_verify_flash (fixture->flasher, regions, 3, NULL, &error));
  g_assert_no_error (error);
}

static void
test_region_errors (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (0x2000);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  SfFlashRegion overlap[] = { { 0x10000, a, "a.bin" }, { 0x11000, a, "b.bin" } };
  SfFlashRegion past_end = { 4 * MiB - 0x1000, a, "big.bin" };
  SfFlashRegion nothing = { 0, empty, "empty.bin" };

  g_assert_false (sf_flasher_check_regions (overlap, 2, 0, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_REGION_OVERLAP);
  g_assert_nonnull (strstr (error->message, "a.bin"));
  g_assert_nonnull (strstr (error->message, "b.bin"));
  g_clear_error (&error);

  g_assert_false (sf_flasher_check_regions (&nothing, 1, 0, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "empty.bin"));
  g_clear_error (&error);

  /* Past the end is only known once the flash size is. */
  g_assert_true (sf_flasher_check_regions (&past_end, 1, 0, &error));
  connect (fixture);
  g_assert_false (sf_flasher_write_flash (fixture->flasher, &past_end, 1, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "big.bin"));
  g_clear_error (&error);

  g_assert_false (sf_flasher_erase_region (fixture->flasher, 0x1001, 0x1000, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (sf_flasher_erase_region (fixture->flasher, 4 * MiB - 0x1000, 0x2000, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE);
}

static gboolean
bytes_all (GBytes *bytes,
           guint8  value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    if (data[i] != value)
      return FALSE;
  return TRUE;
}

static void
test_read_flash (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GBytes) content = random_bytes (20000);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) read_back = NULL;
  g_autoptr(GError) error = NULL;

  sf_sim_device_write_flash (fixture->sim, 0x30003, g_bytes_get_data (content, NULL), 20000);
  connect (fixture);
  g_assert_true (sf_flasher_read_flash (fixture->flasher, 0x30003, 20000, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  read_back = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_true (g_bytes_equal (read_back, content));
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sparkflash-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static guint
count_dir_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_read_to_file_replaces_only_when_complete (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(GBytes) content = random_bytes (8192);
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "dump.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_true (g_file_set_contents (path, "precious", -1, &error));
  sf_sim_device_write_flash (fixture->sim, 0x1000, g_bytes_get_data (content, NULL), 8192);
  connect (fixture);
  {
    g_autoptr(GOutputStream) warm_up = g_memory_output_stream_new_resizable ();

    /* Attach the flash first, so the fault below counts read commands. */
    g_assert_true (sf_flasher_read_flash (fixture->flasher, 0, 4, warm_up, NULL, &error));
    g_assert_no_error (error);
  }

  /* The board goes away in the middle of the read: after one 4 KiB packet
   * from the stub (its command and one acknowledgement), or after 20 of
   * the ROM's 64-byte reads. */
  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_UNPLUG, fixture->chip_case->stub ? 2 : 20);
  g_assert_false (sf_flasher_read_flash_to_file (fixture->flasher, 0x1000, 8192, path, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpstr (contents, ==, "precious");
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  /* A new board, a complete read: now the file is replaced. */
  g_clear_object (&fixture->flasher);
  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
  fixture->sim = sf_sim_device_new (fixture->chip_case->chip_name, &error);
  g_assert_no_error (error);
  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  sf_sim_device_write_flash (fixture->sim, 0x1000, g_bytes_get_data (content, NULL), 8192);
  connect (fixture);
  g_assert_true (sf_flasher_read_flash_to_file (fixture->flasher, 0x1000, 8192, path, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (content, NULL), 8192);
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_erase_region (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GBytes) content = random_bytes (0x6000);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;

  sf_sim_device_write_flash (fixture->sim, 0x50000, g_bytes_get_data (content, NULL), 0x6000);
  connect (fixture);
  g_assert_true (sf_flasher_erase_region (fixture->flasher, 0x51000, 0x3000, NULL, &error));
  g_assert_no_error (error);

  assert_sim_erased (fixture, 0x51000, 0x3000);
  before = sf_sim_device_dup_flash (fixture->sim, 0x50000, 0x1000);
  after = sf_sim_device_dup_flash (fixture->sim, 0x54000, 0x2000);
  g_assert_false (bytes_all (before, 0xFF));
  g_assert_cmpmem (g_bytes_get_data (before, NULL), 0x1000, g_bytes_get_data (content, NULL), 0x1000);
  g_assert_cmpmem (g_bytes_get_data (after, NULL), 0x2000,
                   (const guint8 *) g_bytes_get_data (content, NULL) + 0x4000, 0x2000);
}

static void
test_erase_flash (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GBytes) content = random_bytes (0x1000);
  g_autoptr(GError) error = NULL;
  gsize size = sf_sim_device_get_flash_size (fixture->sim);

  sf_sim_device_write_flash (fixture->sim, 0, g_bytes_get_data (content, NULL), 0x1000);
  sf_sim_device_write_flash (fixture->sim, size - 0x1000, g_bytes_get_data (content, NULL), 0x1000);
  connect (fixture);
  g_assert_true (sf_flasher_erase_flash (fixture->flasher, NULL, &error));
  g_assert_no_error (error);
  assert_sim_erased (fixture, 0, size);
}

static void
test_verify_detects_corruption (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GBytes) image = random_bytes (8 * 1024);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x10000, image, "app.bin" };
  SfWriteOptions raw = { .compress = SF_COMPRESS_OFF };

  connect (fixture);
  /* One block goes wrong in flash while the loader acknowledges it: the
   * check after writing sees it, and the file is written once more. */
  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_CORRUPT_WRITE, fixture->chip_case->stub ? 0 : 3);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, &raw, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (log_contains (fixture, "did not match app.bin after writing"));
  assert_sim_flash (fixture, 0x10000, image);
}

static void
test_silent_chip (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start;

  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_SILENT, 0);
  fixture->flasher = open_flasher (fixture);
  start = g_get_monotonic_time ();
  g_assert_false (sf_flasher_connect (fixture->flasher, SF_CHIP_AUTO, SF_BEFORE_DEFAULT_RESET,
                                      NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER);
  g_assert_nonnull (strstr (error->message, "BOOT"));
  sf_assert_took_less (start, 6 * G_USEC_PER_SEC);
}

static void
test_wrong_chip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SfChip other = fixture->chip_case->chip == SF_CHIP_ESP32 ? SF_CHIP_ESP32C3 : SF_CHIP_ESP32;

  fixture->flasher = open_flasher (fixture);
  g_assert_false (sf_flasher_connect (fixture->flasher, other, SF_BEFORE_NO_RESET, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP);
  g_assert_nonnull (strstr (error->message, sf_chip_get_name (fixture->chip_case->chip)));
}

/* A minimal valid ESP32-family image header for @chip_id. */
static GBytes *
make_image (guint16 chip_id,
            guint32 length)
{
  guint8 *data = g_malloc (length);
  guint8 checksum = 0xEF;

  memset (data, 0, length);
  data[0] = 0xE9;
  data[1] = 1;               /* one segment */
  data[2] = 0;               /* QIO */
  data[3] = 0x20;            /* 4MB, 40 MHz */
  data[4] = 0x00, data[5] = 0x00, data[6] = 0x08, data[7] = 0x40;   /* entry 0x40080000 */
  data[8] = 0xEE;
  data[12] = chip_id & 0xFF;
  data[13] = chip_id >> 8;
  data[17] = 0xFF, data[18] = 0xFF;
  /* Segment: load 0x40080000, 16 bytes into IRAM. */
  data[24] = 0x00, data[25] = 0x00, data[26] = 0x08, data[27] = 0x40;
  data[28] = 16;
  for (guint i = 0; i < 16; i++)
    {
      data[32 + i] = i * 7;
      checksum ^= i * 7;
    }
  data[63] = checksum;
  return g_bytes_new_take (data, length);
}

static void
test_image_for_other_chip (Fixture       *fixture,
                           gconstpointer  data)
{
  /* An ESP32-C6 image (chip id 13) matches none of the simulated chips. */
  g_autoptr(GBytes) image = make_image (13, 64);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x10000, image, "c6-app.bin" };

  SfWriteOptions force = { .force = TRUE };
  g_autoptr(GBytes) written = NULL;

  /* One of the checks before writing: nothing is written until confirmed. */
  connect (fixture);
  g_assert_false (sf_flasher_write_flash (fixture->flasher, &region, 1, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NOT_CONFIRMED);
  g_assert_nonnull (strstr (error->message, "c6-app.bin"));
  g_assert_nonnull (strstr (error->message, "ESP32-C6"));
  assert_sim_erased (fixture, 0x10000, 64);
  g_clear_error (&error);

  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, &force, NULL, &error));
  g_assert_no_error (error);
  written = sf_sim_device_dup_flash (fixture->sim, 0x10000, 64);
  g_assert_true (g_bytes_equal (written, image));
}

static void
test_bootloader_header_rewrite (Fixture       *fixture,
                                gconstpointer  data)
{
  static const guint16 ids[] = { [SF_CHIP_ESP32] = 0, [SF_CHIP_ESP32C3] = 5, [SF_CHIP_ESP32S3] = 9 };
  SfChip chip = fixture->chip_case->chip;
  guint32 offset = sf_chip_get_bootloader_offset (chip);
  g_autoptr(GBytes) image = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GError) error = NULL;
  SfFlashRegion region;
  SfWriteOptions options = { .flash_mode = "dio", .flash_size = "detect", .flash_freq = "keep" };
  const guint8 *bytes;

  if (chip == SF_CHIP_ESP8266)
    {
      g_test_skip ("the test image is an ESP32-family image");
      return;
    }
  image = make_image (ids[chip], 64);
  region = (SfFlashRegion) { offset, image, "bootloader.bin" };

  connect (fixture);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, &options, NULL, &error));
  g_assert_no_error (error);
  written = sf_sim_device_dup_flash (fixture->sim, offset, 64);
  bytes = g_bytes_get_data (written, NULL);
  g_assert_cmphex (bytes[0], ==, 0xE9);
  g_assert_cmphex (bytes[2], ==, 2);       /* DIO */
  g_assert_cmphex (bytes[3], ==, 0x20);    /* 4MB detected, 40 MHz kept */
  g_assert_cmpmem (bytes + 4, 60, (const guint8 *) g_bytes_get_data (image, NULL) + 4, 60);
}

typedef struct
{
  GCancellable *cancellable;
  guint64       cancel_at;
} CancelAt;

static void
cancel_progress_cb (SfPhase  phase,
                    guint64  done,
                    guint64  total,
                    gpointer user_data)
{
  CancelAt *cancel_at = user_data;

  if (phase == SF_PHASE_WRITE && done >= cancel_at->cancel_at)
    g_cancellable_cancel (cancel_at->cancellable);
}

static void
test_cancel_then_write_again (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GBytes) image = random_bytes (128 * 1024);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x10000, image, "app.bin" };
  SfWriteOptions raw = { .compress = SF_COMPRESS_OFF };
  CancelAt cancel_at = { cancellable, 32 * 1024 };

  connect (fixture);
  sf_flasher_set_progress_func (fixture->flasher, cancel_progress_cb, &cancel_at);
  g_assert_false (sf_flasher_write_flash (fixture->flasher, &region, 1, &raw, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&fixture->flasher);

  /* The board must be usable straight away by the next connection. */
  connect (fixture);
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_sim_flash (fixture, 0x10000, image);
}

static void
test_unplugged_mid_write (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GBytes) image = random_bytes (64 * 1024);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x10000, image, "app.bin" };
  SfWriteOptions raw = { .compress = SF_COMPRESS_OFF };
  gint64 start;

  connect (fixture);
  sf_sim_device_set_fault (fixture->sim, SF_SIM_FAULT_UNPLUG, 10);
  start = g_get_monotonic_time ();
  g_assert_false (sf_flasher_write_flash (fixture->flasher, &region, 1, &raw, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  sf_assert_took_less (start, 4 * G_USEC_PER_SEC);
}

static void
test_boot_log_is_skipped (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
  fixture->sim = sf_sim_device_new (fixture->chip_case->chip_name, &error);
  g_assert_no_error (error);
  sf_sim_device_set_boot_log (fixture->sim, TRUE);
  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  g_assert_no_error (error);
  connect (fixture);
  g_assert_cmpint (sf_flasher_get_chip (fixture->flasher), ==, fixture->chip_case->chip);
}

static void
test_change_baud (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GBytes) image = random_bytes (4096);
  g_autoptr(GError) error = NULL;
  SfFlashRegion region = { 0x3000, image, "small.bin" };

  connect (fixture);
  if (is_esp8266_rom (fixture->chip_case))
    {
      /* Its ROM cannot: a limit of the loader, said as such. */
      g_assert_false (sf_flasher_can_change_baud (fixture->flasher));
      g_assert_false (sf_flasher_change_baud (fixture->flasher, 921600, NULL, &error));
      g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "cannot change its baud rate"));
      g_clear_error (&error);
    }
  else
    {
      g_assert_true (sf_flasher_change_baud (fixture->flasher, 921600, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (log_contains (fixture, "Changed."));
      g_assert_true (sf_flasher_check_link (fixture->flasher, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (sf_flasher_write_flash (fixture->flasher, &region, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_sim_flash (fixture, 0x3000, image);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *name;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "connect-and-identify", test_connect_and_identify },
    { "write-raw", test_write_raw },
    { "write-compressed", test_write_compressed },
    { "unaligned-write-keeps-neighbours", test_unaligned_write_keeps_neighbours },
    { "multiple-files", test_multiple_files },
    { "region-errors", test_region_errors },
    { "read-flash", test_read_flash },
    { "read-to-file-replaces-only-when-complete", test_read_to_file_replaces_only_when_complete },
    { "erase-region", test_erase_region },
    { "erase-flash", test_erase_flash },
    { "verify-detects-corruption", test_verify_detects_corruption },
    { "silent-chip", test_silent_chip },
    { "wrong-chip", test_wrong_chip },
    { "image-for-other-chip", test_image_for_other_chip },
    { "bootloader-header-rewrite", test_bootloader_header_rewrite },
    { "cancel-then-write-again", test_cancel_then_write_again },
    { "unplugged-mid-write", test_unplugged_mid_write },
    { "boot-log-is-skipped", test_boot_log_is_skipped },
    { "change-baud", test_change_baud },
  };

  g_test_init (&argc, &argv, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (chip_cases); c++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        /* A build without stubs has only the ROM path to test. */
        if (chip_cases[c].stub && !sf_stub_images_available ())
          continue;
        g_autofree char *path = g_strdup_printf ("/sim/flasher/%s%s/%s",
                                                 chip_cases[c].chip_name,
                                                 chip_cases[c].stub ? "-stub" : "",
                                                 tests[t].name);

        g_test_add (path, Fixture, &chip_cases[c], fixture_setup, tests[t].func, fixture_teardown);
      }

  return g_test_run ();
}
