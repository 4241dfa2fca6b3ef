/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a file goes on a board (src/protocol/sf-file-places.h): names,
 * content, the board's partition table and the Arduino ESP8266 layouts. */
#include "config.h"

#include <string.h>

#include "sf-file-places.h"

#define MIB (1024u * 1024u)

/* Arduino-ESP32's default table: otadata at 0xE000, two app slots, a
 * "spiffs" partition that LittleFS uses too, and a core dump. */
static const char arduino_csv[] =
  "# Name,   Type, SubType, Offset,  Size, Flags\n"
  "nvs,      data, nvs,     0x9000,  0x5000,\n"
  "otadata,  data, ota,     0xe000,  0x2000,\n"
  "app0,     app,  ota_0,   0x10000, 0x140000,\n"
  "app1,     app,  ota_1,   0x150000,0x140000,\n"
  "spiffs,   data, spiffs,  0x290000,0x160000,\n"
  "coredump, data, coredump,0x3F0000,0x10000,\n";

/* A factory app, FAT and LittleFS partitions of their own. */
static const char factory_csv[] =
  "nvs,      data, nvs,      0x9000,  0x6000,\n"
  "phy_init, data, phy,      0xf000,  0x1000,\n"
  "factory,  app,  factory,  0x20000, 1M,\n"
  "storage,  data, fat,      0x120000,0x100000,\n"
  "lfs,      data, littlefs, 0x220000,0x100000,\n";

static SfPartitionTable *
parse_table (const char *csv)
{
  g_autoptr(GError) error = NULL;
  SfPartitionTable *table = sf_partition_table_parse_csv (csv, strlen (csv), 0x8000, &error);

  g_assert_no_error (error);
  return table;
}

static SfImageInfo
image_of_kind (SfImageKind kind,
               SfChip      chip)
{
  SfImageInfo info = { 0 };

  info.kind = kind;
  info.chip = chip;
  return info;
}

static void
assert_place (const char          *name,
              const SfImageInfo   *info,
              const SfBoardLayout *board,
              guint32              expected,
              const char          *reason_part)
{
  SfFilePlaceSuggestion place = { 0xDEADBEEF, 0, NULL };

  if (!sf_file_places_suggest (name, info, board, &place))
    g_error ("%s on %s: no place", name, sf_chip_get_name (board->chip));
  g_assert_cmphex (place.address, ==, expected);
  g_assert_nonnull (place.reason);
  if (reason_part != NULL && strstr (place.reason, reason_part) == NULL)
    g_error ("%s: reason \"%s\" does not say \"%s\"", name, place.reason, reason_part);
  /* Whatever the board's table or layout decided says so. */
  g_assert_cmpint (place.source == SF_FILE_PLACE_FROM_BOARD, ==,
                   strstr (place.reason, "board") != NULL || strstr (place.reason, "Arduino core") != NULL);
}

static void
assert_no_place (const char          *name,
                 const SfImageInfo   *info,
                 const SfBoardLayout *board)
{
  SfFilePlaceSuggestion place = { 0, 0, NULL };

  if (sf_file_places_suggest (name, info, board, &place))
    g_error ("%s on %s: 0x%x (%s)", name, sf_chip_get_name (board->chip), place.address,
             place.reason);
}

static void
test_without_table (void)
{
  SfImageInfo app = image_of_kind (SF_IMAGE_KIND_APP, SF_CHIP_ESP32);
  SfImageInfo raw = image_of_kind (SF_IMAGE_KIND_RAW, SF_CHIP_AUTO);
  SfImageInfo boot = image_of_kind (SF_IMAGE_KIND_BOOTLOADER, SF_CHIP_ESP32);
  SfBoardLayout esp32 = { SF_CHIP_ESP32, 4 * MIB, 0, NULL, -1 };
  SfBoardLayout unknown = { SF_CHIP_AUTO, 0, 0, NULL, -1 };
  SfBoardLayout esp8266 = { SF_CHIP_ESP8266, 0, 0, NULL, -1 };

  /* The usual places, as before a table is known. */
  assert_place ("hello.bin", &app, &esp32, 0x10000, NULL);
  assert_place ("whatever.bin", &boot, &esp32, 0x1000, "bootloader");
  assert_place ("boot_app0.bin", NULL, &esp32, 0xE000, NULL);
  assert_place ("0x7c000-4mb.bin", &raw, &esp32, 0x7C000, "NodeMCU");
  /* A bootloader's bytes outweigh an app's name. */
  assert_place ("firmware.bin", &boot, &esp32, 0x1000, NULL);

  /* Data of unknown content: 0x0 only where an ESP8266's firmware goes. */
  assert_no_place ("data.dat", &raw, &esp32);
  assert_place ("data.dat", &raw, &esp8266, 0x0, NULL);
  assert_place ("data.dat", &raw, &unknown, 0x0, NULL);

  /* The RF init data waits for the flash size. */
  assert_no_place ("esp_init_data_default_v08.bin", &raw, &esp8266);
  esp8266.flash_size = 4 * MIB;
  assert_place ("esp_init_data_default_v08.bin", &raw, &esp8266, 0x3FC000, "RF init");

  /* A file-system image on an ESP32 without a table: nothing says where. */
  assert_no_place ("spiffs.bin", &raw, &esp32);

  /* A table, by name or content, goes where this board keeps its table. */
  {
    SfImageInfo table_image = image_of_kind (SF_IMAGE_KIND_PARTITION_TABLE, SF_CHIP_AUTO);

    assert_place ("partitions.bin", &raw, &esp32, 0x8000, NULL);
    esp32.table_offset = 0x10000;
    assert_place ("partitions.bin", &raw, &esp32, 0x10000, "partition table");
    assert_place ("my-table.dat", &table_image, &esp32, 0x10000, "partition table");
    esp32.table_offset = 0;
  }
}

static void
test_with_table (void)
{
  g_autoptr(SfPartitionTable) arduino = parse_table (arduino_csv);
  g_autoptr(SfPartitionTable) factory = parse_table (factory_csv);
  SfImageInfo app = image_of_kind (SF_IMAGE_KIND_APP, SF_CHIP_ESP32);
  SfImageInfo raw = image_of_kind (SF_IMAGE_KIND_RAW, SF_CHIP_AUTO);
  SfImageInfo table_image = image_of_kind (SF_IMAGE_KIND_PARTITION_TABLE, SF_CHIP_AUTO);
  SfBoardLayout board = { SF_CHIP_ESP32, 4 * MIB, 0, arduino, -1 };

  /* No otadata read: the first app slot. */
  assert_place ("sketch.ino.bin", &app, &board, 0x10000, "first app");
  /* otadata says app1 starts: the new app goes there, to start next. */
  board.boot_index = 3;
  assert_place ("sketch.ino.bin", &app, &board, 0x150000, "starts");
  assert_place ("renamed.dat", &app, &board, 0x150000, "starts");
  assert_place ("firmware.bin", NULL, &board, 0x150000, "starts");

  /* Arduino's boot_app0 and ESP-IDF's initial OTA data: the table's otadata. */
  assert_place ("boot_app0.bin", &raw, &board, 0xE000, "OTA data");
  assert_place ("ota_data_initial.bin", &raw, &board, 0xE000, "OTA data");

  /* File systems and settings by name; LittleFS in Arduino's "spiffs". */
  assert_place ("littlefs.bin", &raw, &board, 0x290000, "file-system");
  assert_place ("sketch.mklittlefs.bin", &raw, &board, 0x290000, "file-system");
  assert_place ("spiffs.bin", &raw, &board, 0x290000, "file-system");
  assert_place ("nvs.bin", &raw, &board, 0x9000, "NVS");
  assert_no_place ("fatfs.bin", &raw, &board);

  /* What a name or the content says outright stays. */
  assert_place ("partitions.bin", &table_image, &board, 0x8000, NULL);
  assert_place ("0x300000-4mb.bin", &raw, &board, 0x300000, "NodeMCU");
  assert_no_place ("unknown.dat", &raw, &board);

  /* A factory app, and file systems of their own subtypes. */
  board.table = factory;
  board.boot_index = -1;
  assert_place ("app.bin", &app, &board, 0x20000, "factory");
  assert_place ("fatfs.bin", &raw, &board, 0x120000, "file-system");
  assert_place ("littlefs.bin", &raw, &board, 0x220000, "file-system");
  assert_place ("spiffs.bin", &raw, &board, 0x220000, "file-system");
}

static void
test_arduino_esp8266 (void)
{
  static const struct
  {
    guint32 flash_size;
    guint32 fs_start;      /* of the default layout, from the core's linker scripts */
  } cases[] = {
    { 512 * 1024, 0x73000 },
    { 1 * MIB, 0xEB000 },
    { 2 * MIB, 0x1F0000 },
    { 4 * MIB, 0x200000 },
    { 8 * MIB, 0x200000 },
    { 16 * MIB, 0x200000 },
  };
  SfImageInfo raw = image_of_kind (SF_IMAGE_KIND_RAW, SF_CHIP_AUTO);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SfBoardLayout board = { SF_CHIP_ESP8266, cases[i].flash_size, 0, NULL, -1 };

      assert_place ("littlefs.bin", &raw, &board, cases[i].fs_start, "Arduino");
      assert_place ("sketch.spiffs.bin", &raw, &board, cases[i].fs_start, "Arduino");
    }

  /* A flash size the core has no layout for, or none known yet. */
  {
    SfBoardLayout board = { SF_CHIP_ESP8266, 32 * MIB, 0, NULL, -1 };

    assert_no_place ("littlefs.bin", &raw, &board);
    board.flash_size = 0;
    assert_no_place ("littlefs.bin", &raw, &board);
  }
}

static gboolean
has_place (GPtrArray  *places,
           guint32     address,
           const char *label_part)
{
  for (guint i = 0; i < places->len; i++)
    {
      const SfFilePlace *place = g_ptr_array_index (places, i);

      if (place->address == address && strstr (place->label, label_part) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
assert_sorted (GPtrArray *places)
{
  for (guint i = 1; i < places->len; i++)
    g_assert_cmphex (((SfFilePlace *) g_ptr_array_index (places, i - 1))->address, <=,
                     ((SfFilePlace *) g_ptr_array_index (places, i))->address);
}

static void
test_list (void)
{
  g_autoptr(SfPartitionTable) arduino = parse_table (arduino_csv);
  SfBoardLayout board = { SF_CHIP_AUTO, 0, 0, NULL, -1 };
  g_autoptr(GPtrArray) none = sf_file_places_list (&board);
  g_autoptr(GPtrArray) esp32 = NULL;
  g_autoptr(GPtrArray) s3 = NULL;
  g_autoptr(GPtrArray) with_table = NULL;
  g_autoptr(GPtrArray) esp8266_4m = NULL;
  g_autoptr(GPtrArray) esp8266_any = NULL;

  g_assert_cmpuint (none->len, ==, 0);

  board.chip = SF_CHIP_ESP32;
  esp32 = sf_file_places_list (&board);
  g_assert_cmpuint (esp32->len, ==, 3);
  g_assert_true (has_place (esp32, 0x1000, "bootloader"));
  g_assert_true (has_place (esp32, 0x8000, "partition table"));
  g_assert_true (has_place (esp32, 0x10000, "app"));

  board.chip = SF_CHIP_ESP32S3;
  board.table_offset = 0x9000;
  s3 = sf_file_places_list (&board);
  g_assert_true (has_place (s3, 0x0, "bootloader"));
  g_assert_true (has_place (s3, 0x9000, "partition table"));
  board.table_offset = 0;

  board.chip = SF_CHIP_ESP32;
  board.table = arduino;
  board.boot_index = 2;
  with_table = sf_file_places_list (&board);
  g_assert_cmpuint (with_table->len, ==, 2 + 6);
  g_assert_true (has_place (with_table, 0x9000, "nvs (data, nvs)"));
  g_assert_true (has_place (with_table, 0x10000, "app0 (app, ota_0), the app that starts"));
  g_assert_true (has_place (with_table, 0x150000, "app1 (app, ota_1)"));
  g_assert_false (has_place (with_table, 0x150000, "starts"));
  assert_sorted (with_table);

  board.chip = SF_CHIP_ESP8266;
  board.table = NULL;
  board.flash_size = 4 * MIB;
  esp8266_4m = sf_file_places_list (&board);
  /* Firmware, three layouts, RF init data. */
  g_assert_cmpuint (esp8266_4m->len, ==, 5);
  g_assert_true (has_place (esp8266_4m, 0x0, "firmware"));
  g_assert_true (has_place (esp8266_4m, 0x200000, "(the default)"));
  g_assert_true (has_place (esp8266_4m, 0x100000, "file system"));
  g_assert_true (has_place (esp8266_4m, 0x300000, "file system"));
  g_assert_true (has_place (esp8266_4m, 0x3FC000, "RF init data"));
  assert_sorted (esp8266_4m);

  board.flash_size = 0;
  esp8266_any = sf_file_places_list (&board);
  /* Every layout of every size, and no RF init data without a size. */
  g_assert_cmpuint (esp8266_any->len, ==, 1 + 3 + 7 + 5 + 3 + 2 + 2);
  g_assert_true (has_place (esp8266_any, 0x7B000, "file system"));
  assert_sorted (esp8266_any);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/file-places/without-table", test_without_table);
  g_test_add_func ("/file-places/with-table", test_with_table);
  g_test_add_func ("/file-places/arduino-esp8266", test_arduino_esp8266);
  g_test_add_func ("/file-places/list", test_list);

  return g_test_run ();
}
