/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Partitions window and Erase Wi-Fi Settings, in-process, against the
 * simulated boards of demo mode. The tables and otadata are built here
 * byte by byte, not with the protocol's own writer, so that a misreading
 * of the format is not shared by the test and the code under test. */
#include "config.h"

#include "sf-ui-test-util.h"

#define TABLE_OFFSET   0x8000
#define NVS_ROW        0u      /* its row, in the tables built here */
#define NVS_OFFSET     0x9000
#define NVS_SIZE       0x4000
#define OTADATA_OFFSET 0xD000

static SfApplication *app;
static int test_status = 1;

typedef struct
{
  SfWindow    *window;
  SfSimDevice *device;
  char        *dir;
} Fixture;

typedef struct
{
  const char *name;
  guint8      type;
  guint8      subtype;
  guint32     offset;
  guint32     size;
  guint32     flags;
} Entry;

static const Entry esp32_table[] = {
  { "nvs", 0x01, 0x02, NVS_OFFSET, NVS_SIZE, 0 },
  { "otadata", 0x01, 0x00, OTADATA_OFFSET, 0x2000, 0 },
  { "phy_init", 0x01, 0x01, 0xF000, 0x1000, 2 },
  { "ota_0", 0x00, 0x10, 0x10000, 0x100000, 0 },
  { "ota_1", 0x00, 0x11, 0x110000, 0x100000, 0 },
  { "storage", 0x01, 0x82, 0x210000, 0x10000, 1 },
};

/* As the window shows them; " | boots" on the app otadata picks. */
static const char *esp32_rows[] = {
  "nvs | data | nvs | 0x9000 | 16 KiB (0x4000) | —",
  "otadata | data | ota | 0xd000 | 8 KiB (0x2000) | —",
  "phy_init | data | phy | 0xf000 | 4 KiB (0x1000) | read-only",
  "ota_0 | app | ota_0 | 0x10000 | 1 MiB (0x100000) | —",
  "ota_1 | app | ota_1 | 0x110000 | 1 MiB (0x100000) | — | boots",
  "storage | data | spiffs | 0x210000 | 64 KiB (0x10000) | encrypted",
};

static void
put_le32 (guint8  *p,
          guint32  v)
{
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
  p[2] = (v >> 16) & 0xFF;
  p[3] = v >> 24;
}

/* The binary table: 32-byte entries (0xAA 0x50, type, subtype, offset,
 * size, 16-byte label, flags), the MD5 entry (0xEB 0xEB, 14 x 0xFF, the
 * MD5 of the entries before it), then 0xFF to the end of the sector. */
static GBytes *
build_table (const Entry *entries,
             guint        n)
{
  guint8 *table = g_malloc (0xC00);
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize digest_len = 16;

  memset (table, 0xFF, 0xC00);
  for (guint i = 0; i < n; i++)
    {
      guint8 *e = table + 32 * i;

      e[0] = 0xAA;
      e[1] = 0x50;
      e[2] = entries[i].type;
      e[3] = entries[i].subtype;
      put_le32 (e + 4, entries[i].offset);
      put_le32 (e + 8, entries[i].size);
      memset (e + 12, 0, 16);
      memcpy (e + 12, entries[i].name, strlen (entries[i].name));
      put_le32 (e + 28, entries[i].flags);
    }
  g_checksum_update (md5, table, 32 * n);
  table[32 * n] = 0xEB;
  table[32 * n + 1] = 0xEB;
  g_checksum_get_digest (md5, table + 32 * n + 16, &digest_len);
  return g_bytes_new_take (table, 0xC00);
}

/* The ROM's esp_rom_crc32_le(UINT32_MAX, ...), which is zlib's
 * crc32(0xFFFFFFFF, ...): the register starts at 0 after zlib's
 * inversion, and is inverted at the end. */
static guint32
ota_crc (const guint8 *data,
         gsize         length)
{
  guint32 reg = 0;

  for (gsize i = 0; i < length; i++)
    {
      reg ^= data[i];
      for (guint bit = 0; bit < 8; bit++)
        reg = (reg >> 1) ^ (0xEDB88320u & (0u - (reg & 1)));
    }
  return ~reg;
}

/* otadata whose first sector's entry has sequence @seq (valid), the
 * second erased: with two slots, (seq - 1) % 2 boots. */
static void
write_otadata (SfSimDevice *device,
               guint32      seq)
{
  guint8 entry[32];

  memset (entry, 0xFF, sizeof entry);
  put_le32 (entry, seq);
  put_le32 (entry + 24, 2);   /* ESP_OTA_IMG_VALID */
  put_le32 (entry + 28, ota_crc (entry, 4));
  sf_sim_device_write_flash (device, OTADATA_OFFSET, entry, sizeof entry);
}

static void
write_esp32_layout (SfSimDevice *device)
{
  g_autoptr(GBytes) table = build_table (esp32_table, G_N_ELEMENTS (esp32_table));
  g_autofree guint8 *noise = g_malloc (0x8000);

  sf_sim_device_write_flash (device, TABLE_OFFSET, g_bytes_get_data (table, NULL),
                             g_bytes_get_size (table));
  /* Settings in nvs, and something on either side of it that must stay. */
  sf_test_fill_noise (noise, 0x8000, 31);
  sf_sim_device_write_flash (device, NVS_OFFSET, noise, NVS_SIZE);
  sf_sim_device_write_flash (device, 0xF000, noise + NVS_SIZE, 0x1000);
  sf_sim_device_write_flash (device, 0x10000, noise + 0x5000, 0x3000);
  /* Sequence 2: ota_1. */
  write_otadata (device, 2);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sf_test_reset_settings (sf_application_get_settings (app));
  /* "rom": the same through the ROM loader alone. */
  if (g_strcmp0 (data, "rom") == 0)
    g_settings_set_boolean (sf_application_get_settings (app), "use-stub", FALSE);
  fixture->window = sf_test_open_window (app, "esp32");
  fixture->device = _sf_window_get_sim_device (fixture->window, "esp32");
  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_NONE);
  sf_sim_device_set_firmware (_sf_window_get_sim_device (fixture->window, "esp8266"),
                              SF_SIM_FIRMWARE_NONE);
  sf_sim_device_reset (fixture->device);
  sf_test_blank_flash (fixture->device);
  fixture->dir = g_dir_make_tmp ("sparkflash-partitions-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sf_test_close_window (fixture->window);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  sf_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
wait_idle (Fixture            *fixture,
           SfPartitionsWindow *partitions)
{
  SF_WAIT_UNTIL ((partitions == NULL || !_sf_partitions_window_get_busy (partitions)) &&
                 !_sf_window_get_busy (fixture->window), 60000);
}

/* Opens the Partitions window, which reads the board's table at once. */
static SfPartitionsWindow *
open_partitions (Fixture *fixture)
{
  SfPartitionsWindow *partitions;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.partitions", NULL);
  partitions = _sf_window_get_partitions (fixture->window);
  g_assert_nonnull (partitions);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  g_assert_true (_sf_window_get_busy (fixture->window));
  wait_idle (fixture, partitions);
  g_test_message ("message: %s", _sf_partitions_window_get_message (partitions));
  return partitions;
}

static void
assert_rows (SfPartitionsWindow *partitions,
             const char        **rows,
             guint               n)
{
  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = _sf_partitions_window_dup_row_text (partitions, i);

      g_assert_cmpstr (text, ==, rows[i]);
    }
  g_assert_null (_sf_partitions_window_dup_row_text (partitions, n));
}

static void
assert_message_contains (SfPartitionsWindow *partitions,
                         const char         *text)
{
  const char *message = _sf_partitions_window_get_message (partitions);

  g_test_message ("message: %s", message);
  g_assert_nonnull (strstr (message, text));
}

static void
assert_erased (SfSimDevice *device,
               guint32      offset,
               guint32      size)
{
  g_autoptr(GBytes) bytes = sf_sim_device_dup_flash (device, offset, size);
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  for (guint32 i = 0; i < size; i++)
    if (data[i] != 0xFF)
      g_error ("0x%x is 0x%02x, not erased", offset + i, data[i]);
}

/* Nothing outside [@offset, @offset + @size) differs between @before and
 * @after (whole flash images). */
static void
assert_only_changed (GBytes  *before,
                     GBytes  *after,
                     guint32  offset,
                     guint32  size)
{
  const guint8 *a = g_bytes_get_data (before, NULL);
  const guint8 *b = g_bytes_get_data (after, NULL);
  gsize length = g_bytes_get_size (before);

  g_assert_cmpuint (g_bytes_get_size (after), ==, length);
  g_assert_cmpmem (a, offset, b, offset);
  g_assert_cmpmem (a + offset + size, length - offset - size, b + offset + size,
                   length - offset - size);
}

static GBytes *
dup_whole_flash (SfSimDevice *device)
{
  return sf_sim_device_dup_flash (device, 0, sf_sim_device_get_flash_size (device));
}

static void
test_read_table (Fixture       *fixture,
                 gconstpointer  data)
{
  SfPartitionsWindow *partitions;

  write_esp32_layout (fixture->device);
  partitions = open_partitions (fixture);
  assert_rows (partitions, esp32_rows, G_N_ELEMENTS (esp32_rows));
  g_assert_cmpstr (_sf_partitions_window_get_message (partitions), ==, "");

  /* Another sequence number, read again: ota_0 boots now. */
  write_otadata (fixture->device, 3);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  {
    g_autofree char *ota_0 = _sf_partitions_window_dup_row_text (partitions, 3);
    g_autofree char *ota_1 = _sf_partitions_window_dup_row_text (partitions, 4);

    g_assert_true (g_str_has_suffix (ota_0, " | boots"));
    g_assert_false (g_str_has_suffix (ota_1, " | boots"));
  }

  /* Another port chosen: the table shown is not that board's, and says
   * so; nothing is backed up or erased by it. */
  g_assert_true (_sf_window_select_port (fixture->window, sf_sim_device_get_port_path (
                   _sf_window_get_sim_device (fixture->window, "esp8266"))));
  assert_message_contains (partitions, "not the port chosen now");
  _sf_partitions_window_set_confirmed (partitions, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.erase", "u", NVS_ROW);
  g_assert_false (_sf_window_get_busy (fixture->window));
  g_assert_false (_sf_partitions_window_get_busy (partitions));
}

static void
test_backup_and_erase (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "nvs.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) nvs = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  SfPartitionsWindow *partitions;
  gsize length;

  write_esp32_layout (fixture->device);
  partitions = open_partitions (fixture);
  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, G_N_ELEMENTS (esp32_rows));

  /* Back up "nvs" by name: the file holds exactly the partition. */
  _sf_partitions_window_set_save_target (partitions, path);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.backup", "u", NVS_ROW);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  assert_message_contains (partitions, "saved to");
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  nvs = sf_sim_device_dup_flash (fixture->device, NVS_OFFSET, NVS_SIZE);
  g_assert_cmpmem (contents, length, g_bytes_get_data (nvs, NULL), NVS_SIZE);

  /* Erase "nvs": blank, and not a byte elsewhere changed. */
  before = dup_whole_flash (fixture->device);
  _sf_partitions_window_set_confirmed (partitions, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.erase", "u", NVS_ROW);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  assert_message_contains (partitions, "erased");
  after = dup_whole_flash (fixture->device);
  assert_erased (fixture->device, NVS_OFFSET, NVS_SIZE);
  assert_only_changed (before, after, NVS_OFFSET, NVS_SIZE);
}

/* A label that is not text (any 16 bytes from the board): shown
 * printable, and still backed up by its own name. */
static void
test_odd_label (Fixture       *fixture,
                gconstpointer  data)
{
  static const Entry odd[] = {
    { "\xc3(\xffodd", 0x01, 0x82, 0x9000, 0x2000, 0 },
    { "factory", 0x00, 0x00, 0x10000, 0x100000, 0 },
  };
  static const char *rows[] = {
    "?(?odd | data | spiffs | 0x9000 | 8 KiB (0x2000) | —",
    "factory | app | factory | 0x10000 | 1 MiB (0x100000) | — | boots",
  };
  g_autoptr(GBytes) table = build_table (odd, G_N_ELEMENTS (odd));
  g_autofree char *path = g_build_filename (fixture->dir, "odd.bin", NULL);
  g_autofree guint8 *noise = g_malloc (0x2000);
  g_autofree char *contents = NULL;
  SfPartitionsWindow *partitions;
  gsize length;

  sf_sim_device_write_flash (fixture->device, TABLE_OFFSET, g_bytes_get_data (table, NULL),
                             g_bytes_get_size (table));
  sf_test_fill_noise (noise, 0x2000, 61);
  sf_sim_device_write_flash (fixture->device, 0x9000, noise, 0x2000);
  partitions = open_partitions (fixture);
  assert_rows (partitions, rows, G_N_ELEMENTS (rows));

  _sf_partitions_window_set_save_target (partitions, path);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.backup", "u", 0u);
  wait_idle (fixture, partitions);
  assert_message_contains (partitions, "“?(?odd” was saved");
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, noise, 0x2000);
}

static void
test_no_table (Fixture       *fixture,
               gconstpointer  data)
{
  SfPartitionsWindow *partitions = open_partitions (fixture);

  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, 0);
  assert_message_contains (partitions, "no partition table at 0x8000");
  /* Nothing to back up or erase: nothing starts. */
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.backup", "u", NVS_ROW);
  g_assert_false (_sf_partitions_window_get_busy (partitions));
  g_assert_false (_sf_window_get_busy (fixture->window));

  /* Opened again (what Try Again does), with a table there now. */
  write_esp32_layout (fixture->device);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.partitions", NULL);
  g_assert_true (_sf_window_get_partitions (fixture->window) == partitions);
  wait_idle (fixture, partitions);
  assert_rows (partitions, esp32_rows, G_N_ELEMENTS (esp32_rows));

  /* An ESP8266 (blank, as most of them are there): said in its terms. */
  sf_test_blank_flash (_sf_window_get_sim_device (fixture->window, "esp8266"));
  g_assert_true (_sf_window_select_port (fixture->window, sf_sim_device_get_port_path (
                   _sf_window_get_sim_device (fixture->window, "esp8266"))));
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, 0);
  assert_message_contains (partitions, "ESP8266 firmware (Arduino");
}

/* Chip Info reads the board's table too: a dropped app then goes to the
 * slot otadata starts (ota_1), a file-system image to the table's spiffs
 * partition, and the write lands there. */
static void
test_places_from_board (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (96 * 1024, 9);
  g_autofree guint8 *fs = g_malloc (0x4000);
  g_autoptr(GBytes) fs_bytes = NULL;
  g_autofree char *app_path = sf_test_write_file (fixture->dir, "app.bin", app_image);
  g_autofree char *fs_path = NULL;
  g_autoptr(GFile) app_file = g_file_new_for_path (app_path);
  g_autoptr(GFile) fs_file = NULL;
  g_autoptr(GBytes) flash = NULL;
  SfFirmwareRow *app_row;
  SfFirmwareRow *fs_row;

  memset (fs, 0x3C, 0x4000);
  fs_bytes = g_bytes_new (fs, 0x4000);
  fs_path = sf_test_write_file (fixture->dir, "spiffs.bin", fs_bytes);
  fs_file = g_file_new_for_path (fs_path);

  write_esp32_layout (fixture->device);
  app_row = _sf_window_add_firmware (fixture->window, app_file);
  g_assert_cmpstr (sf_firmware_row_get_address_text (app_row), ==, "0x10000");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.chip-info", NULL);
  wait_idle (fixture, NULL);
  g_assert_cmpstr (sf_firmware_row_get_address_text (app_row), ==, "0x110000");
  g_assert_nonnull (strstr (sf_firmware_row_get_place_reason (app_row), "starts"));
  fs_row = _sf_window_add_firmware (fixture->window, fs_file);
  g_assert_cmpstr (sf_firmware_row_get_address_text (fs_row), ==, "0x210000");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  wait_idle (fixture, NULL);
  flash = sf_sim_device_dup_flash (fixture->device, 0x110000, g_bytes_get_size (app_image));
  g_assert_true (g_bytes_equal (flash, app_image));
  g_clear_pointer (&flash, g_bytes_unref);
  flash = sf_sim_device_dup_flash (fixture->device, 0x210000, 0x4000);
  g_assert_true (g_bytes_equal (flash, fs_bytes));
}

/* A table moved from 0x8000 (ESP-IDF's PARTITION_TABLE_OFFSET): the
 * address typed in the Partitions window is remembered, read there, and a
 * dropped table file goes there too; an address off a sector is refused. */
static void
test_table_offset (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GBytes) table = build_table (esp32_table, G_N_ELEMENTS (esp32_table));
  g_autofree char *table_path = sf_test_write_file (fixture->dir, "partition-table.bin", table);
  g_autoptr(GFile) table_file = g_file_new_for_path (table_path);
  GSettings *settings = sf_application_get_settings (app);
  SfPartitionsWindow *partitions;
  GtkEditable *offset_entry;
  SfFirmwareRow *row;

  sf_sim_device_write_flash (fixture->device, 0x6000, g_bytes_get_data (table, NULL),
                             g_bytes_get_size (table));
  write_otadata (fixture->device, 2);

  /* Nothing at 0x8000. */
  partitions = open_partitions (fixture);
  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, 0);
  offset_entry = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (partitions),
                                                              SF_TYPE_PARTITIONS_WINDOW,
                                                              "offset_entry"));
  g_assert_cmpstr (gtk_editable_get_text (offset_entry), ==, "0x8000");

  gtk_editable_set_text (offset_entry, "0x6100");
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_false (_sf_partitions_window_get_busy (partitions));
  assert_message_contains (partitions, "4 KiB boundary");
  g_assert_cmpuint (g_settings_get_uint (settings, "partition-table-offset"), ==, 0x8000);

  gtk_editable_set_text (offset_entry, "0x6000");
  g_assert_cmpuint (g_settings_get_uint (settings, "partition-table-offset"), ==, 0x6000);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  wait_idle (fixture, partitions);
  assert_rows (partitions, esp32_rows, G_N_ELEMENTS (esp32_rows));

  row = _sf_window_add_firmware (fixture->window, table_file);
  g_assert_cmpstr (sf_firmware_row_get_address_text (row), ==, "0x6000");
}

/* One operation at a time: opened while the main window works, the
 * window waits for it, then reads. */
static void
test_one_at_a_time (Fixture       *fixture,
                    gconstpointer  data)
{
  SfPartitionsWindow *partitions;

  write_esp32_layout (fixture->device);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.chip-info", NULL);
  g_assert_true (_sf_window_get_busy (fixture->window));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.partitions", NULL);
  partitions = _sf_window_get_partitions (fixture->window);
  g_assert_nonnull (partitions);
  g_assert_false (_sf_partitions_window_get_busy (partitions));
  assert_message_contains (partitions, "Another operation is running");
  /* Nor can it be asked to while the other runs. */
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_false (_sf_partitions_window_get_busy (partitions));

  wait_idle (fixture, partitions);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  assert_rows (partitions, esp32_rows, G_N_ELEMENTS (esp32_rows));
}

/* Cancelled in the main window: the Partitions window says so, and is
 * ready for the next read. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  SfPartitionsWindow *partitions;

  write_esp32_layout (fixture->device);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_SILENT, 0);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.partitions", NULL);
  partitions = _sf_window_get_partitions (fixture->window);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  sf_test_spin (200);
  /* The Partitions window's Cancel is the main window's. */
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.cancel", NULL);
  wait_idle (fixture, partitions);
  assert_message_contains (partitions, "Cancelled");
  g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==, 0);

  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.read", NULL);
  g_assert_true (_sf_partitions_window_get_busy (partitions));
  wait_idle (fixture, partitions);
  assert_rows (partitions, esp32_rows, G_N_ELEMENTS (esp32_rows));
}

/* A file, without a board: a CSV, the binary, a merged image. Nothing in
 * it can be backed up or erased (it may not be the board's table). */
static void
test_table_files (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char csv[] =
    "# Name,   Type, SubType, Offset,   Size, Flags\n"
    "nvs,      data, nvs,     0x9000,   0x6000,\n"
    "phy_init, data, phy,     0xf000,   0x1000,\n"
    "factory,  app,  factory, 0x10000,  1M,\n";
  static const char *csv_rows[] = {
    "nvs | data | nvs | 0x9000 | 24 KiB (0x6000) | —",
    "phy_init | data | phy | 0xf000 | 4 KiB (0x1000) | —",
    "factory | app | factory | 0x10000 | 1 MiB (0x100000) | —",
  };
  g_autoptr(GBytes) csv_bytes = g_bytes_new_static (csv, sizeof csv - 1);
  g_autoptr(GBytes) table = build_table (esp32_table, G_N_ELEMENTS (esp32_table));
  g_autoptr(GBytes) bootloader = sf_test_build_bootloader (41);
  g_autoptr(GByteArray) merged = g_byte_array_new ();
  g_autoptr(GBytes) merged_bytes = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("hello", 5);
  SfPartitionsWindow *partitions;
  const char *paths[4];
  char *owned[4];

  /* Opened on a blank board, which has no table to show. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.partitions", NULL);
  partitions = _sf_window_get_partitions (fixture->window);
  wait_idle (fixture, partitions);

  g_byte_array_set_size (merged, 0x10000);
  memset (merged->data, 0xFF, merged->len);
  g_assert_cmpuint (g_bytes_get_size (bootloader), <, 0x7000);
  memcpy (merged->data + 0x1000, g_bytes_get_data (bootloader, NULL), g_bytes_get_size (bootloader));
  memcpy (merged->data + TABLE_OFFSET, g_bytes_get_data (table, NULL), g_bytes_get_size (table));
  merged_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&merged));

  paths[0] = owned[0] = sf_test_write_file (fixture->dir, "partitions.csv", csv_bytes);
  paths[1] = owned[1] = sf_test_write_file (fixture->dir, "partition-table.bin", table);
  paths[2] = owned[2] = sf_test_write_file (fixture->dir, "merged.bin", merged_bytes);
  paths[3] = owned[3] = sf_test_write_file (fixture->dir, "hello.txt", junk);

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (paths[i]);

      sf_partitions_window_open_file (partitions, file);
      if (i == 0)
        assert_rows (partitions, csv_rows, G_N_ELEMENTS (csv_rows));
      else if (i < 3)
        {
          /* Without a board, no app is marked as booting. */
          const char *rows[G_N_ELEMENTS (esp32_rows)];

          for (guint r = 0; r < G_N_ELEMENTS (esp32_rows); r++)
            rows[r] = esp32_rows[r];
          rows[4] = "ota_1 | app | ota_1 | 0x110000 | 1 MiB (0x100000) | —";
          assert_rows (partitions, rows, G_N_ELEMENTS (rows));
          g_assert_cmpstr (_sf_partitions_window_get_message (partitions), ==, "");
        }
      else
        {
          /* Not a table: said so, and the last table stays on view. */
          assert_message_contains (partitions, "hello.txt");
          g_assert_cmpuint (_sf_partitions_window_get_n_rows (partitions), ==,
                            G_N_ELEMENTS (esp32_rows));
        }
    }

  /* Rows from a file: no backup, no erase on the board. */
  _sf_partitions_window_set_confirmed (partitions, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (partitions), "partitions.erase", "u", NVS_ROW);
  g_assert_false (_sf_window_get_busy (fixture->window));

  for (guint i = 0; i < 4; i++)
    g_free (owned[i]);
}

/* ESP8266: the SDK's settings in the flash's last 16 KiB, nothing else. */
static void
test_erase_wifi_esp8266 (Fixture       *fixture,
                         gconstpointer  data)
{
  SfSimDevice *esp8266 = _sf_window_get_sim_device (fixture->window, "esp8266");
  gsize size = sf_sim_device_get_flash_size (esp8266);
  g_autofree guint8 *noise = g_malloc (0x10000);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *banner = NULL;

  sf_sim_device_set_firmware (esp8266, SF_SIM_FIRMWARE_NONE);
  sf_sim_device_reset (esp8266);
  sf_test_blank_flash (esp8266);
  sf_test_fill_noise (noise, 0x10000, 51);
  sf_sim_device_write_flash (esp8266, size - 0x10000, noise, 0x10000);
  sf_sim_device_write_flash (esp8266, 0, noise, 0x1000);
  before = dup_whole_flash (esp8266);

  g_assert_true (_sf_window_select_port (fixture->window, sf_sim_device_get_port_path (esp8266)));
  _sf_window_set_confirmed (fixture->window, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.erase-wifi", NULL);
  g_assert_true (_sf_window_get_busy (fixture->window));
  wait_idle (fixture, NULL);

  after = dup_whole_flash (esp8266);
  assert_erased (esp8266, size - 0x4000, 0x4000);
  assert_only_changed (before, after, size - 0x4000, 0x4000);
  banner = _sf_window_dup_banner_text (fixture->window);
  g_test_message ("banner: %s", banner);
  g_assert_nonnull (strstr (banner, "Wi-Fi Settings Erased"));
  g_assert_nonnull (strstr (banner, "rf_cal"));
}

/* The ESP32 family: the nvs partition, nothing else. */
static void
test_erase_wifi_esp32 (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *banner = NULL;

  /* Blank, without a table: nothing to find the settings by, and said so. */
  _sf_window_set_confirmed (fixture->window, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.erase-wifi", NULL);
  g_assert_true (_sf_window_get_busy (fixture->window));
  wait_idle (fixture, NULL);
  banner = _sf_window_dup_banner_text (fixture->window);
  g_test_message ("banner: %s", banner);
  g_assert_nonnull (strstr (banner, "No Partition Table"));
  g_assert_nonnull (strstr (banner, "no partition table"));
  g_clear_pointer (&banner, g_free);

  write_esp32_layout (fixture->device);
  before = dup_whole_flash (fixture->device);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.erase-wifi", NULL);
  g_assert_true (_sf_window_get_busy (fixture->window));
  wait_idle (fixture, NULL);

  after = dup_whole_flash (fixture->device);
  assert_erased (fixture->device, NVS_OFFSET, NVS_SIZE);
  assert_only_changed (before, after, NVS_OFFSET, NVS_SIZE);
  banner = _sf_window_dup_banner_text (fixture->window);
  g_test_message ("banner: %s", banner);
  g_assert_nonnull (strstr (banner, "Wi-Fi Settings Erased"));
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
  ADD ("/ui/partitions/read", test_read_table);
  ADD ("/ui/partitions/backup-and-erase", test_backup_and_erase);
  ADD ("/ui/partitions/odd-label", test_odd_label);
  ADD ("/ui/partitions/no-table", test_no_table);
  ADD ("/ui/partitions/one-at-a-time", test_one_at_a_time);
  ADD ("/ui/partitions/places-from-board", test_places_from_board);
  ADD ("/ui/partitions/table-offset", test_table_offset);
  ADD ("/ui/partitions/cancel", test_cancel);
  ADD ("/ui/partitions/table-files", test_table_files);
  ADD ("/ui/partitions/erase-wifi-esp8266", test_erase_wifi_esp8266);
  ADD ("/ui/partitions/erase-wifi-esp32", test_erase_wifi_esp32);
#define ADD_ROM(path, func) \
  g_test_add (path, Fixture, "rom", fixture_set_up, func, fixture_tear_down)
  ADD_ROM ("/ui/partitions/rom-loader/read", test_read_table);
  ADD_ROM ("/ui/partitions/rom-loader/backup-and-erase", test_backup_and_erase);
  ADD_ROM ("/ui/partitions/rom-loader/erase-wifi-esp8266", test_erase_wifi_esp8266);
#undef ADD_ROM
#undef ADD

  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return test_status;
}
