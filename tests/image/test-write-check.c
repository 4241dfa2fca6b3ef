/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checks before writing, from the facts alone: each concern fires on
 * the input it is about, says which file, and stays quiet on the files a
 * build really writes where they belong. */
#include "config.h"

#include <string.h>

#include "sf-write-check.h"

#define MiB (1024u * 1024u)

typedef struct
{
  guint32  load;
  gsize    length;
} Segment;

/* A valid 0xE9 image: @chip_id < 0 for an ESP8266 image (no extended header). */
static GBytes *
make_image (int              chip_id,
            guint8           mode,
            guint16          min_rev_full,
            const Segment   *segments,
            guint            n_segments)
{
  GByteArray *out = g_byte_array_new ();
  guint8 header[8] = { 0xE9, n_segments, mode, 0x20, 0x00, 0x00, 0x08, 0x40 };
  guint8 checksum = 0xEF;

  /* ESP8266 code starts in its IRAM at 0x40100000. */
  if (chip_id < 0)
    header[6] = 0x10;
  g_byte_array_append (out, header, sizeof header);
  if (chip_id >= 0)
    {
      guint8 extended[16] = { 0xEE, 0, 0, 0, chip_id & 0xFF, chip_id >> 8, 0,
                              min_rev_full & 0xFF, min_rev_full >> 8, 0xFF, 0xFF, 0, 0, 0, 0, 0 };
      g_byte_array_append (out, extended, sizeof extended);
    }
  for (guint i = 0; i < n_segments; i++)
    {
      guint8 seg[8];

      for (guint b = 0; b < 4; b++)
        {
          seg[b] = (segments[i].load >> (8 * b)) & 0xFF;
          seg[4 + b] = (segments[i].length >> (8 * b)) & 0xFF;
        }
      g_byte_array_append (out, seg, sizeof seg);
      for (gsize j = 0; j < segments[i].length; j++)
        {
          guint8 byte = (j * 13 + i) & 0xFF;

          checksum ^= byte;
          g_byte_array_append (out, &byte, 1);
        }
    }
  while (out->len % 16 != 15)
    g_byte_array_append (out, (const guint8 *) "", 1);
  g_byte_array_append (out, &checksum, 1);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
esp32_app (guint16 min_rev_full,
           gsize   length)
{
  Segment drom = { 0x3F400020, length };

  return make_image (0, 2, min_rev_full, &drom, 1);
}

static GBytes *
esp32_bootloader (void)
{
  Segment iram = { 0x40080000, 0x800 };

  return make_image (0, 2, 0, &iram, 1);
}

static GBytes *
esp8266_app (guint8 mode)
{
  Segment iram = { 0x40100000, 0x800 };

  return make_image (-1, mode, 0, &iram, 1);
}

static GBytes *
raw (gsize length)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (i * 31 + 7) & 0xFF;
  return g_bytes_new_take (data, length);
}

static const char table_csv[] =
  "# Name, Type, SubType, Offset, Size, Flags\n"
  "nvs, data, nvs, 0x9000, 0x6000,\n"
  "otadata, data, ota, 0xf000, 0x2000,\n"
  "app0, app, ota_0, 0x20000, 0x100000,\n"
  "app1, app, ota_1, 0x120000, 0x100000,\n";

typedef struct
{
  SfChipDetails     details;
  SfWriteCheckBoard board;
} Board;

static void
board_init (Board  *b,
            SfChip  chip,
            guint   revision)
{
  memset (b, 0, sizeof *b);
  b->details.chip = chip;
  b->details.revision = revision;
  b->board.details = &b->details;
  b->board.flash_size = 4 * MiB;
  b->board.partition_table_offset = 0x8000;
}

static GPtrArray *
check_one (Board      *b,
           guint32     address,
           GBytes     *data)
{
  SfFlashRegion region = { address, data, "file.bin" };

  return sf_write_check (&b->board, &region, 1);
}

static void
assert_kinds (GPtrArray *concerns,
              int        kind)     /* -1: none */
{
  if (kind < 0)
    {
      if (concerns->len > 0)
        g_error ("unexpected concern: %s",
                 ((SfWriteConcern *) g_ptr_array_index (concerns, 0))->message);
      return;
    }
  g_assert_cmpuint (concerns->len, ==, 1);
  g_assert_cmpint (((SfWriteConcern *) g_ptr_array_index (concerns, 0))->kind, ==, kind);
}

static void
test_quiet_on_a_build (void)
{
  g_autoptr(GBytes) boot = esp32_bootloader ();
  g_autoptr(GBytes) app = esp32_app (0, 0x3000);
  g_autoptr(SfPartitionTable) table = sf_partition_table_parse_csv (table_csv, strlen (table_csv), 0x8000, NULL);
  g_autoptr(GBytes) table_bin = sf_partition_table_to_binary (table);
  g_autoptr(GPtrArray) concerns = NULL;
  Board b;
  SfFlashRegion regions[3];

  board_init (&b, SF_CHIP_ESP32, 300);
  regions[0] = (SfFlashRegion) { 0x1000, boot, "bootloader.bin" };
  regions[1] = (SfFlashRegion) { 0x8000, table_bin, "partition-table.bin" };
  regions[2] = (SfFlashRegion) { 0x20000, app, "app.bin" };
  concerns = sf_write_check (&b.board, regions, 3);
  assert_kinds (concerns, -1);
}

static void
test_wrong_chip (void)
{
  g_autoptr(GBytes) app = esp8266_app (2);
  g_autoptr(GPtrArray) concerns = NULL;
  SfWriteConcern *concern;
  Board b;

  board_init (&b, SF_CHIP_ESP32, 300);
  concerns = check_one (&b, 0x10000, app);
  assert_kinds (concerns, SF_WRITE_CONCERN_WRONG_CHIP);
  concern = g_ptr_array_index (concerns, 0);
  g_assert_cmpint (concern->region, ==, 0);
  g_assert_nonnull (strstr (concern->message, "file.bin"));
  g_assert_nonnull (strstr (concern->message, "ESP8266"));
}

static void
test_revision (void)
{
  g_autoptr(GBytes) app = esp32_app (301, 0x1000);
  g_autoptr(GPtrArray) older = NULL;
  g_autoptr(GPtrArray) newer = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP32, 300);
  older = check_one (&b, 0x10000, app);
  assert_kinds (older, SF_WRITE_CONCERN_CHIP_REVISION);
  g_assert_nonnull (strstr (((SfWriteConcern *) older->pdata[0])->message, "v3.1"));

  board_init (&b, SF_CHIP_ESP32, 301);
  newer = check_one (&b, 0x10000, app);
  assert_kinds (newer, -1);
}

static void
test_esp8285_flash_mode (void)
{
  g_autoptr(GBytes) qio = esp8266_app (0);
  g_autoptr(GBytes) dout = esp8266_app (3);
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b2 = NULL;
  g_autoptr(GPtrArray) c = NULL;
  g_autoptr(GPtrArray) d = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP8266, 0);
  b.details.is_esp8285 = TRUE;
  a = check_one (&b, 0x0, qio);
  assert_kinds (a, SF_WRITE_CONCERN_FLASH_MODE);
  b2 = check_one (&b, 0x0, dout);
  assert_kinds (b2, -1);
  /* --flash_mode dout mends it, as the header is rewritten. */
  b.board.flash_mode = "dout";
  c = check_one (&b, 0x0, qio);
  assert_kinds (c, -1);
  /* An ESP8266EX runs QIO. */
  b.board.flash_mode = NULL;
  b.details.is_esp8285 = FALSE;
  d = check_one (&b, 0x0, qio);
  assert_kinds (d, -1);
}

static void
test_sizes (void)
{
  g_autoptr(SfPartitionTable) table = sf_partition_table_parse_csv (table_csv, strlen (table_csv), 0x8000, NULL);
  g_autoptr(GBytes) big = esp32_app (0, 0x100010);
  g_autoptr(GBytes) data = raw (0x3000);
  g_autoptr(GPtrArray) partition = NULL;
  g_autoptr(GPtrArray) known = NULL;
  g_autoptr(GPtrArray) assumed = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP32, 300);
  b.board.partitions = table;
  partition = check_one (&b, 0x20000, big);
  assert_kinds (partition, SF_WRITE_CONCERN_LARGER_THAN_PARTITION);
  g_assert_nonnull (strstr (((SfWriteConcern *) partition->pdata[0])->message, "app0"));

  /* Past a flash whose size the chip told is the flasher's hard error;
   * past a guessed size, a concern. */
  b.board.partitions = NULL;
  known = check_one (&b, 4 * MiB - 0x1000, data);
  assert_kinds (known, -1);
  b.board.flash_size_assumed = TRUE;
  assumed = check_one (&b, 4 * MiB - 0x1000, data);
  assert_kinds (assumed, SF_WRITE_CONCERN_LARGER_THAN_FLASH);
}

static void
test_placement (void)
{
  g_autoptr(SfPartitionTable) table = sf_partition_table_parse_csv (table_csv, strlen (table_csv), 0x8000, NULL);
  g_autoptr(GBytes) data = raw (0x2000);
  g_autoptr(GBytes) app = esp32_app (0, 0x3000);
  Segment c3_drom = { 0x3C000020, 0x3000 };
  g_autoptr(GBytes) c3_app = make_image (5, 2, 0, &c3_drom, 1);
  g_autoptr(GPtrArray) at_zero = NULL;
  g_autoptr(GPtrArray) over_boot = NULL;
  g_autoptr(GPtrArray) app_over_boot = NULL;
  g_autoptr(GPtrArray) over_table = NULL;
  g_autoptr(GPtrArray) esp8266_zero = NULL;
  g_autoptr(GPtrArray) c3_app_zero = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP32, 300);
  b.board.partitions = table;
  at_zero = check_one (&b, 0x0, data);
  assert_kinds (at_zero, SF_WRITE_CONCERN_UNKNOWN_AT_ZERO);
  /* It suggests the app partition from the board's table. */
  g_assert_nonnull (strstr (((SfWriteConcern *) at_zero->pdata[0])->message, "0x20000"));
  over_boot = check_one (&b, 0x1000, data);
  assert_kinds (over_boot, SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER);
  app_over_boot = check_one (&b, 0x0, app);
  assert_kinds (app_over_boot, SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER);
  over_table = check_one (&b, 0x7000, data);
  assert_kinds (over_table, SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE);

  /* On an ESP8266 the file at 0x0 is the firmware itself. */
  board_init (&b, SF_CHIP_ESP8266, 0);
  esp8266_zero = check_one (&b, 0x0, data);
  assert_kinds (esp8266_zero, -1);

  /* The ESP32-C3's bootloader is at 0x0. */
  board_init (&b, SF_CHIP_ESP32C3, 4);
  c3_app_zero = check_one (&b, 0x0, c3_app);
  assert_kinds (c3_app_zero, SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER);
}

static void
test_restoring_a_backup (void)
{
  g_autoptr(SfPartitionTable) table = sf_partition_table_parse_csv (table_csv, strlen (table_csv), 0x8000, NULL);
  g_autoptr(GBytes) table_bin = sf_partition_table_to_binary (table);
  g_autoptr(GBytes) boot = esp32_bootloader ();
  g_autoptr(GPtrArray) concerns = NULL;
  g_autoptr(GBytes) backup = NULL;
  GByteArray *bytes = g_byte_array_new ();
  Board b;

  /* What a backup of 0x1000-0x30000 holds: the bootloader, erased flash,
   * the table at 0x8000, ... */
  g_byte_array_append (bytes, g_bytes_get_data (boot, NULL), g_bytes_get_size (boot));
  while (bytes->len < 0x7000)
    g_byte_array_append (bytes, (const guint8 *) "\xFF", 1);
  g_byte_array_append (bytes, g_bytes_get_data (table_bin, NULL), g_bytes_get_size (table_bin));
  while (bytes->len < 0x2F000)
    g_byte_array_append (bytes, (const guint8 *) "\xFF", 1);
  backup = g_byte_array_free_to_bytes (bytes);

  board_init (&b, SF_CHIP_ESP32, 300);
  b.board.partitions = table;
  concerns = check_one (&b, 0x1000, backup);
  assert_kinds (concerns, -1);
}

static void
test_security (void)
{
  g_autoptr(GBytes) app = esp32_app (0, 0x1000);
  g_autoptr(GPtrArray) concerns = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP32C3, 4);
  b.details.secure_boot = TRUE;
  b.details.flash_encryption = TRUE;
  concerns = check_one (&b, 0x10000, app);
  /* The board's own concerns come first; the file is for another chip. */
  g_assert_cmpuint (concerns->len, ==, 3);
  g_assert_cmpint (((SfWriteConcern *) concerns->pdata[0])->kind, ==, SF_WRITE_CONCERN_SECURE_BOOT);
  g_assert_cmpint (((SfWriteConcern *) concerns->pdata[0])->region, ==, -1);
  g_assert_cmpint (((SfWriteConcern *) concerns->pdata[1])->kind, ==, SF_WRITE_CONCERN_FLASH_ENCRYPTION);
  g_assert_cmpint (((SfWriteConcern *) concerns->pdata[2])->kind, ==, SF_WRITE_CONCERN_WRONG_CHIP);
}

static void
test_format (void)
{
  g_autoptr(GBytes) data = raw (0x2000);
  g_autoptr(GPtrArray) concerns = NULL;
  g_autofree char *text = NULL;
  Board b;

  board_init (&b, SF_CHIP_ESP32, 300);
  b.details.secure_boot = TRUE;
  concerns = check_one (&b, 0x0, data);
  text = sf_write_concerns_format (concerns);
  g_assert_true (g_str_has_prefix (text, "• "));
  g_assert_nonnull (strstr (text, "\n• "));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/write-check/quiet-on-a-build", test_quiet_on_a_build);
  g_test_add_func ("/write-check/wrong-chip", test_wrong_chip);
  g_test_add_func ("/write-check/revision", test_revision);
  g_test_add_func ("/write-check/esp8285-flash-mode", test_esp8285_flash_mode);
  g_test_add_func ("/write-check/sizes", test_sizes);
  g_test_add_func ("/write-check/placement", test_placement);
  g_test_add_func ("/write-check/restoring-a-backup", test_restoring_a_backup);
  g_test_add_func ("/write-check/security", test_security);
  g_test_add_func ("/write-check/format", test_format);
  return g_test_run ();
}
