/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One row of the firmware list on its own: what it reads from its file,
 * the address it suggests, and the problems it finds by itself. */
#include "config.h"

#include <string.h>

#include "sf-firmware-row.h"
#include "sf-ui-test-util.h"

typedef struct
{
  SfFirmwareRow *row;
  char          *dir;
  guint          n_changed;
} Fixture;

static void
changed_cb (SfFirmwareRow *row,
            Fixture       *fixture)
{
  fixture->n_changed++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->row = SF_FIRMWARE_ROW (g_object_ref_sink (sf_firmware_row_new ()));
  fixture->dir = g_dir_make_tmp ("sparkflash-row-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  g_signal_connect (fixture->row, "changed", G_CALLBACK (changed_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (g_steal_pointer (&fixture->row));
  sf_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* Gives the row @bytes as the file @name. */
static void
set_file (Fixture    *fixture,
          const char *name,
          GBytes     *bytes)
{
  g_autofree char *path = sf_test_write_file (fixture->dir, name, bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  sf_firmware_row_set_file (fixture->row, file);
}

static void
test_no_file (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *name = sf_firmware_row_dup_display_name (fixture->row);

  g_assert_null (sf_firmware_row_get_file (fixture->row));
  g_assert_null (sf_firmware_row_get_data (fixture->row));
  g_assert_null (sf_firmware_row_get_image_info (fixture->row));
  /* Cannot be written, but is unfinished rather than wrong: not red. */
  g_assert_nonnull (sf_firmware_row_get_own_problem (fixture->row));
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_OK);
  g_assert_cmpstr (name, ==, "Choose File…");
}

static void
test_app (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GBytes) image = sf_test_build_app (64 * 1024, 3);
  g_autofree char *name = NULL;
  const SfImageInfo *info;
  guint32 address = 0;

  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP32);
  set_file (fixture, "app.bin", image);

  info = sf_firmware_row_get_image_info (fixture->row);
  g_assert_nonnull (info);
  g_assert_cmpint (info->kind, ==, SF_IMAGE_KIND_APP);
  g_assert_true (g_bytes_equal (sf_firmware_row_get_data (fixture->row), image));
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x10000");
  g_assert_true (sf_firmware_row_get_address (fixture->row, &address));
  g_assert_cmphex (address, ==, 0x10000);
  g_assert_null (sf_firmware_row_get_own_problem (fixture->row));
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_OK);
  g_assert_true (sf_firmware_row_get_enabled (fixture->row));
  name = sf_firmware_row_dup_display_name (fixture->row);
  g_assert_cmpstr (name, ==, "app.bin");
  g_assert_cmpuint (fixture->n_changed, >, 0);
}

/* The bootloader's place depends on the chip, until an address is typed. */
static void
test_bootloader_address (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) image = sf_test_build_bootloader (4);

  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP32);
  set_file (fixture, "bootloader.bin", image);
  g_assert_cmpint (sf_firmware_row_get_image_info (fixture->row)->kind, ==,
                   SF_IMAGE_KIND_BOOTLOADER);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x1000");

  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP32S3);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x0");

  sf_firmware_row_set_address_text (fixture->row, "0x2000");
  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP32);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x2000");
}

static void
test_bad_address (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GBytes) table = sf_test_build_partition_table ();
  guint32 address;

  set_file (fixture, "partitions.bin", table);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x8000");

  sf_firmware_row_set_address_text (fixture->row, "eight");
  g_assert_false (sf_firmware_row_get_address (fixture->row, &address));
  g_assert_nonnull (sf_firmware_row_get_own_problem (fixture->row));
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_ERROR);

  sf_firmware_row_set_address_text (fixture->row, "");
  g_assert_nonnull (sf_firmware_row_get_own_problem (fixture->row));

  sf_firmware_row_set_address_text (fixture->row, "32K");
  g_assert_true (sf_firmware_row_get_address (fixture->row, &address));
  g_assert_cmphex (address, ==, 0x8000);
  g_assert_null (sf_firmware_row_get_own_problem (fixture->row));
}

/* What the list finds comparing rows shows only while the row has no
 * problem of its own. */
static void
test_problem (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GBytes) image = sf_test_build_app (16 * 1024, 5);

  set_file (fixture, "app.bin", image);
  sf_firmware_row_set_problem (fixture->row, SF_FIRMWARE_ROW_WARNING, "Unusual");
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_WARNING);
  g_assert_cmpstr (sf_firmware_row_get_message (fixture->row), ==, "Unusual");

  sf_firmware_row_set_address_text (fixture->row, "nowhere");
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_ERROR);
  g_assert_cmpstr (sf_firmware_row_get_message (fixture->row), ==,
                   sf_firmware_row_get_own_problem (fixture->row));

  sf_firmware_row_set_address_text (fixture->row, "0x10000");
  sf_firmware_row_set_problem (fixture->row, SF_FIRMWARE_ROW_OK, NULL);
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_OK);
}

static void
test_reload (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) first = sf_test_build_app (16 * 1024, 6);
  g_autoptr(GBytes) second = sf_test_build_app (20 * 1024, 7);
  g_autofree char *path = NULL;

  set_file (fixture, "app.bin", first);
  g_assert_cmpint (sf_firmware_row_reload (fixture->row), ==, SF_FIRMWARE_ROW_UNCHANGED);

  /* Rebuilt: the row takes the new bytes. */
  g_free (sf_test_write_file (fixture->dir, "app.bin", second));
  g_assert_cmpint (sf_firmware_row_reload (fixture->row), ==, SF_FIRMWARE_ROW_CHANGED);
  g_assert_true (g_bytes_equal (sf_firmware_row_get_data (fixture->row), second));

  /* Deleted: the row says so and cannot be written. */
  path = g_build_filename (fixture->dir, "app.bin", NULL);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (sf_firmware_row_reload (fixture->row), ==, SF_FIRMWARE_ROW_GONE);
  g_assert_nonnull (sf_firmware_row_get_own_problem (fixture->row));
}

static void
test_enabled (Fixture       *fixture,
              gconstpointer  data)
{
  guint before = fixture->n_changed;

  sf_firmware_row_set_enabled (fixture->row, FALSE);
  g_assert_false (sf_firmware_row_get_enabled (fixture->row));
  g_assert_cmpuint (fixture->n_changed, >, before);
  sf_firmware_row_set_enabled (fixture->row, TRUE);
  g_assert_true (sf_firmware_row_get_enabled (fixture->row));
}

/* Arduino-ESP32's default table: otadata, two app slots, a file system. */
static SfPartitionTable *
arduino_table (void)
{
  static const char csv[] =
    "nvs,     data, nvs,    0x9000,  0x5000,\n"
    "otadata, data, ota,    0xe000,  0x2000,\n"
    "app0,    app,  ota_0,  0x10000, 0x140000,\n"
    "app1,    app,  ota_1,  0x150000,0x140000,\n"
    "spiffs,  data, spiffs, 0x290000,0x160000,\n";
  g_autoptr(GError) error = NULL;
  SfPartitionTable *table = sf_partition_table_parse_csv (csv, strlen (csv), 0x8000, &error);

  g_assert_no_error (error);
  return table;
}

/* Bytes of no image format: a file system's, a settings partition's. */
static GBytes *
plain_data (guint8 fill)
{
  guint8 *bytes = g_malloc (4096);

  memset (bytes, fill, 4096);
  return g_bytes_new_take (bytes, 4096);
}

/* The labels of the menu beside the address. */
static char *
menu_labels (Fixture *fixture)
{
  GtkMenuButton *button = GTK_MENU_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (fixture->row),
                                                                           SF_TYPE_FIRMWARE_ROW,
                                                                           "places_button"));
  GMenuModel *menu = gtk_menu_button_get_menu_model (button);
  GString *labels = g_string_new (NULL);

  for (int i = 0; menu != NULL && i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;

      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_string_append_printf (labels, "%s\n", label);
    }
  return g_string_free (labels, FALSE);
}

/* Once the board's table is known, an app goes where the board starts its
 * app, file systems and OTA data to their partitions; the menu lists the
 * partitions, and a place picked from it counts as typed. */
static void
test_board_places (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SfPartitionTable) table = arduino_table ();
  g_autoptr(GBytes) image = sf_test_build_app (64 * 1024, 5);
  g_autoptr(GBytes) fs = plain_data (0x5A);
  g_autoptr(GBytes) settings = plain_data (0xA5);
  g_autofree char *labels = NULL;
  g_autofree char *more_labels = NULL;

  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP32);
  set_file (fixture, "sketch.ino.bin", image);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x10000");
  g_assert_null (sf_firmware_row_get_place_reason (fixture->row));
  labels = menu_labels (fixture);
  g_assert_nonnull (strstr (labels, "0x1000 · bootloader"));
  g_assert_nonnull (strstr (labels, "0x10000 · app"));

  /* otadata says app1 starts. */
  sf_firmware_row_set_partition_table (fixture->row, table, 3);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x150000");
  g_assert_nonnull (strstr (sf_firmware_row_get_place_reason (fixture->row), "starts"));
  more_labels = menu_labels (fixture);
  g_assert_nonnull (strstr (more_labels, "0x150000 · app1 (app, ota_1), the app that starts"));
  g_assert_nonnull (strstr (more_labels, "0x290000 · spiffs (data, spiffs)"));

  /* A file system by its name. */
  set_file (fixture, "littlefs.bin", fs);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x290000");

  /* Data of unknown content on an ESP32: no address until one is chosen
   * (0x0 is the bootloader's neighbourhood there). */
  set_file (fixture, "settings.dat", settings);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "");
  g_assert_nonnull (strstr (sf_firmware_row_get_own_problem (fixture->row), "choose a place"));
  g_assert_cmpint (sf_firmware_row_get_status (fixture->row), ==, SF_FIRMWARE_ROW_ERROR);
  gtk_widget_activate_action (GTK_WIDGET (fixture->row), "row.place", "u", 0x9000);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x9000");
  g_assert_null (sf_firmware_row_get_own_problem (fixture->row));
  /* Chosen: what the board says later does not move it. */
  sf_firmware_row_set_partition_table (fixture->row, NULL, -1);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x9000");
}

/* On an ESP8266, a file-system image goes where the Arduino core's default
 * layout for the flash size puts it, and the menu lists the other layouts. */
static void
test_arduino_esp8266_places (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GBytes) fs = plain_data (0x00);
  g_autofree char *labels = NULL;

  sf_firmware_row_set_chip (fixture->row, SF_CHIP_ESP8266);
  set_file (fixture, "sketch.mklittlefs.bin", fs);
  /* Before the board said its flash size. */
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "");
  sf_firmware_row_set_flash_size (fixture->row, 4 * 1024 * 1024);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0x200000");
  g_assert_nonnull (strstr (sf_firmware_row_get_place_reason (fixture->row), "Arduino"));
  labels = menu_labels (fixture);
  g_assert_nonnull (strstr (labels, "0x100000 · file system"));
  g_assert_nonnull (strstr (labels, "0x300000 · file system"));
  g_assert_nonnull (strstr (labels, "0x3fc000 · RF init data"));
  sf_firmware_row_set_flash_size (fixture->row, 1024 * 1024);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fixture->row), ==, "0xeb000");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/firmware-row/no-file", test_no_file);
  ADD ("/ui/firmware-row/app", test_app);
  ADD ("/ui/firmware-row/bootloader-address", test_bootloader_address);
  ADD ("/ui/firmware-row/bad-address", test_bad_address);
  ADD ("/ui/firmware-row/problem", test_problem);
  ADD ("/ui/firmware-row/reload", test_reload);
  ADD ("/ui/firmware-row/enabled", test_enabled);
  ADD ("/ui/firmware-row/board-places", test_board_places);
  ADD ("/ui/firmware-row/arduino-esp8266-places", test_arduino_esp8266_places);
#undef ADD

  return g_test_run ();
}
