/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Looking after what is on the board, through the real window against the
 * demo's simulated boards: a backup before writing and writing it back,
 * and the question the checks before writing ask. */
#include "config.h"

#include "sf-ui-test-util.h"
#include "sf-write-check.h"

static SfApplication *app;
static int test_status = 1;

typedef struct
{
  SfWindow    *window;
  SfSimDevice *device;
  const char  *chip;
  char        *dir;
  char        *backups;
  gboolean     finished;
  gboolean     failed;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  GSettings *settings = sf_application_get_settings (app);

  sf_test_reset_settings (settings);
  fixture->chip = data;
  fixture->window = sf_test_open_window (app, fixture->chip);
  fixture->device = _sf_window_get_sim_device (fixture->window, fixture->chip);
  /* The loaders alone: what is in the flash is the test's. */
  sf_sim_device_set_firmware (fixture->device, SF_SIM_FIRMWARE_NONE);
  sf_sim_device_reset (fixture->device);
  sf_sim_device_set_fault (fixture->device, SF_SIM_FAULT_NONE, 0);
  sf_sim_device_set_emulate_baud (fixture->device, FALSE);
  sf_test_blank_flash (fixture->device);
  fixture->dir = g_dir_make_tmp ("sparkflash-care-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  /* Not there yet: the first backup makes it. */
  fixture->backups = g_build_filename (fixture->dir, "backups", NULL);
  g_settings_set_string (settings, "backup-folder", fixture->backups);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    sf_test_close_window (fixture->window);
  sf_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->backups);
}

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

/* Follows the job the window just started until it ends. */
static void
follow_job (Fixture *fixture)
{
  SfFlashJob *job = _sf_window_get_job (fixture->window);

  fixture->finished = fixture->failed = FALSE;
  if (job == NULL)
    {
      g_autofree char *banner = _sf_window_dup_banner_text (fixture->window);

      g_error ("no job started: %s", banner);
    }
  g_signal_connect (job, "finished", G_CALLBACK (job_finished_cb), fixture);
  g_signal_connect (job, "failed", G_CALLBACK (job_failed_cb), fixture);
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 120000);
}

/* win.flash, to its end; TRUE when it succeeded. */
static gboolean
flash (Fixture *fixture)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  follow_job (fixture);
  g_assert_true (fixture->finished != fixture->failed);
  return fixture->finished;
}

static void
assert_banner_contains (Fixture    *fixture,
                        const char *text)
{
  g_autofree char *banner = _sf_window_dup_banner_text (fixture->window);

  g_test_message ("banner: %s", banner);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, text));
}

static gboolean
has_concern (Fixture            *fixture,
             SfWriteConcernKind  kind)
{
  GPtrArray *concerns = _sf_window_get_last_concerns (fixture->window);

  for (guint i = 0; concerns != NULL && i < concerns->len; i++)
    if (((SfWriteConcern *) g_ptr_array_index (concerns, i))->kind == kind)
      return TRUE;
  return FALSE;
}

static SfFirmwareRow *
add_file (Fixture    *fixture,
          const char *name,
          GBytes     *bytes,
          const char *address)
{
  g_autofree char *path = sf_test_write_file (fixture->dir, name, bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SfFirmwareRow *row = _sf_window_add_firmware (fixture->window, file);

  if (address != NULL)
    sf_firmware_row_set_address_text (row, address);
  return row;
}

static void
remove_row (SfFirmwareRow *row)
{
  gtk_list_box_remove (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row))), GTK_WIDGET (row));
}

/* Noise that no header reader takes for an image. */
static GBytes *
raw_data (gsize   size,
          guint32 seed)
{
  guint8 *data = g_malloc (size);

  sf_test_fill_noise (data, size, seed);
  data[0] = 0x00;
  return g_bytes_new_take (data, size);
}

/* A minimal ESP8266 image: 0xE9, one IRAM segment, no extended header. */
static GBytes *
esp8266_image (void)
{
  GByteArray *a = g_byte_array_new ();
  guint8 header[8] = { 0xE9, 1, 0x02, 0x20, 0x04, 0x00, 0x10, 0x40 };  /* entry 0x40100004 */
  guint8 checksum = 0xEF;
  gsize start;

  g_byte_array_append (a, header, sizeof header);
  sf_test_put_u32 (a, 0x40100000);
  sf_test_put_u32 (a, 0x400);
  start = a->len;
  g_byte_array_set_size (a, start + 0x400);
  sf_test_fill_noise (a->data + start, 0x400, 31);
  for (gsize i = start; i < a->len; i++)
    checksum ^= a->data[i];
  while (a->len % 16 != 15)
    g_byte_array_append (a, (const guint8 *) "", 1);
  g_byte_array_append (a, &checksum, 1);
  return g_byte_array_free_to_bytes (a);
}

/* An ESP32 app whose extended header asks for chip revision v4.0 or
 * newer (the simulated ESP32 is a v3.0); its appended hash made anew. */
static GBytes *
app_for_revision_4 (void)
{
  g_autoptr(GBytes) app_image = sf_test_build_app (16 * 1024, 32);
  gsize size;
  guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&app_image), &size);
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = 32;

  /* min_chip_rev_full, little-endian, at 15..16 */
  data[15] = 400 & 0xFF;
  data[16] = 400 >> 8;
  g_checksum_update (sha, data, size - 32);
  g_checksum_get_digest (sha, data + size - 32, &digest_len);
  return g_bytes_new_take (data, size);
}

/* The one file in the backup folder. */
static char *
only_backup (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->backups, 0, NULL);
  const char *name;
  char *found = NULL;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_null (found);
      found = g_build_filename (fixture->backups, name, NULL);
    }
  g_assert_nonnull (found);
  return found;
}

static void
assert_flash_holds (Fixture *fixture,
                    guint32  address,
                    GBytes  *expected)
{
  g_autoptr(GBytes) actual = sf_sim_device_dup_flash (fixture->device, address,
                                                      g_bytes_get_size (expected));

  g_assert_true (g_bytes_equal (actual, expected));
}

/* Backed up before writing, then written back: the board holds what it
 * held before, byte for byte. */
static void
test_backup_restore (Fixture       *fixture,
                     gconstpointer  data)
{
  GSettings *settings = sf_application_get_settings (app);
  g_autoptr(GBytes) before = raw_data (64 * 1024, 41);
  g_autoptr(GBytes) update = raw_data (20 * 1024, 42);
  g_autoptr(GBytes) saved = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  sf_sim_device_write_flash (fixture->device, 0x20000, g_bytes_get_data (before, NULL),
                             g_bytes_get_size (before));
  g_settings_set_boolean (settings, "backup-before-write", TRUE);
  add_file (fixture, "update.bin", update, "0x20000");
  g_assert_true (flash (fixture));
  assert_flash_holds (fixture, 0x20000, update);

  /* What the file covered, whole sectors of it, went into the folder made
   * for it; the banner names the file. */
  path = only_backup (fixture);
  name = g_path_get_basename (path);
  g_test_message ("backup: %s", name);
  g_assert_true (g_str_has_prefix (name, "sparkflash-backup-"));
  g_assert_true (g_str_has_suffix (name, "-0x20000.bin"));
  assert_banner_contains (fixture, name);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 20 * 1024);
  g_assert_cmpmem (contents, length, g_bytes_get_data (before, NULL), length);

  /* Written back, without another backup. */
  g_settings_set_boolean (settings, "backup-before-write", FALSE);
  file = g_file_new_for_path (path);
  g_assert_true (_sf_window_restore_backup (fixture->window, file));
  follow_job (fixture);
  g_assert_true (fixture->finished);
  assert_flash_holds (fixture, 0x20000, before);
  assert_banner_contains (fixture, "Backup Restored");
  saved = sf_sim_device_dup_flash (fixture->device, 0x20000, 64 * 1024);
  g_assert_true (g_bytes_equal (saved, before));
}

/* A backup whose name says it came from another board than the one
 * last read is asked about before it is written back. */
static void
test_restore_other_board (Fixture       *fixture,
                          gconstpointer  data)
{
  GSettings *settings = sf_application_get_settings (app);
  g_autoptr(GBytes) before = raw_data (8 * 1024, 61);
  g_autoptr(GBytes) update = raw_data (8 * 1024, 62);
  g_autofree char *path = NULL;
  g_autofree char *other_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GFile) other = NULL;
  gsize length;

  sf_sim_device_write_flash (fixture->device, 0x40000, g_bytes_get_data (before, NULL),
                             g_bytes_get_size (before));
  g_settings_set_boolean (settings, "backup-before-write", TRUE);
  add_file (fixture, "update.bin", update, "0x40000");
  g_assert_true (flash (fixture));
  g_settings_set_boolean (settings, "backup-before-write", FALSE);

  /* The same bytes under another board's MAC. */
  path = only_backup (fixture);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  other_path = g_build_filename (fixture->dir, "sparkflash-backup-esp32-aabbccddeeff-"
                                 "20260101-120000-0x40000.bin", NULL);
  g_assert_true (g_file_set_contents (other_path, contents, length, NULL));
  other = g_file_new_for_path (other_path);

  _sf_window_set_confirmed (fixture->window, TRUE);
  g_assert_true (_sf_window_restore_backup (fixture->window, other));
  follow_job (fixture);
  g_assert_true (fixture->finished);
  assert_flash_holds (fixture, 0x40000, before);
}

/* The whole flash, and back: a restore that covers the bootloader's
 * place is checked like any write (blank bytes at 0x0 are no firmware). */
static void
test_backup_whole (Fixture       *fixture,
                   gconstpointer  data)
{
  GSettings *settings = sf_application_get_settings (app);
  g_autoptr(GBytes) before = raw_data (32 * 1024, 43);
  g_autoptr(GBytes) update = raw_data (8 * 1024, 44);
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  sf_sim_device_write_flash (fixture->device, 0x30000, g_bytes_get_data (before, NULL),
                             g_bytes_get_size (before));
  whole = sf_sim_device_dup_flash (fixture->device, 0, sf_sim_device_get_flash_size (fixture->device));
  g_settings_set_boolean (settings, "backup-before-write", TRUE);
  g_settings_set_string (settings, "backup-scope", "whole-flash");
  add_file (fixture, "update.bin", update, "0x30000");
  g_assert_true (flash (fixture));

  path = only_backup (fixture);
  g_assert_true (g_str_has_suffix (path, "-0x0.bin"));
  g_settings_set_boolean (settings, "backup-before-write", FALSE);
  _sf_window_set_concerns_answer (fixture->window, 1);
  file = g_file_new_for_path (path);
  g_assert_true (_sf_window_restore_backup (fixture->window, file));
  follow_job (fixture);
  g_assert_true (fixture->finished);
  after = sf_sim_device_dup_flash (fixture->device, 0, sf_sim_device_get_flash_size (fixture->device));
  g_assert_true (g_bytes_equal (after, whole));
}

/* A name that does not say where it goes is not guessed at. */
static void
test_restore_no_address (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) bytes = raw_data (4096, 45);
  g_autofree char *path = sf_test_write_file (fixture->dir, "flash-dump.bin", bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  guint commands = sf_sim_device_get_command_count (fixture->device);

  g_assert_false (_sf_window_restore_backup (fixture->window, file));
  g_assert_false (_sf_window_get_busy (fixture->window));
  assert_banner_contains (fixture, "Not a Sparkflash Backup");
  assert_banner_contains (fixture, "flash-dump.bin");
  g_assert_cmpuint (sf_sim_device_get_command_count (fixture->device), ==, commands);
}

typedef struct
{
  const char         *name;
  SfWriteConcernKind  kind;
  const char         *address;
} ConcernCase;

static GBytes *
concern_file (const ConcernCase *c)
{
  switch (c->kind)
    {
    case SF_WRITE_CONCERN_WRONG_CHIP:
      return esp8266_image ();
    case SF_WRITE_CONCERN_CHIP_REVISION:
      return app_for_revision_4 ();
    case SF_WRITE_CONCERN_LARGER_THAN_PARTITION:
      /* The board's table (written below) gives its factory app 1 MiB. */
      return sf_test_build_app (1100 * 1024, 46);
    case SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER:
    case SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE:
    case SF_WRITE_CONCERN_UNKNOWN_AT_ZERO:
    default:
      return raw_data (4096, 47);
    }
}

/* Each concern that files alone raise on the ESP32: said, answered no
 * (nothing written), then answered yes (written). */
static void
test_concerns (Fixture       *fixture,
               gconstpointer  data)
{
  static const ConcernCase cases[] = {
    { "wrong-chip.bin", SF_WRITE_CONCERN_WRONG_CHIP, "0x10000" },
    { "new-revision.bin", SF_WRITE_CONCERN_CHIP_REVISION, "0x10000" },
    { "too-big.bin", SF_WRITE_CONCERN_LARGER_THAN_PARTITION, "0x10000" },
    { "at-bootloader.bin", SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER, "0x1000" },
    { "at-table.bin", SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE, "0x8000" },
    { "at-zero.bin", SF_WRITE_CONCERN_UNKNOWN_AT_ZERO, "0x0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = concern_file (&cases[i]);
      g_autoptr(GBytes) before = NULL;
      g_autoptr(GBytes) table = sf_test_build_partition_table ();
      SfFirmwareRow *row;
      guint32 address;

      g_test_message ("case %s", cases[i].name);
      sf_test_blank_flash (fixture->device);
      /* A board with a bootloader and a table, as shipped. */
      {
        g_autoptr(GBytes) boot = sf_test_build_bootloader (48);

        sf_sim_device_write_flash (fixture->device, 0x1000, g_bytes_get_data (boot, NULL),
                                   g_bytes_get_size (boot));
        sf_sim_device_write_flash (fixture->device, 0x8000, g_bytes_get_data (table, NULL),
                                   g_bytes_get_size (table));
      }
      row = add_file (fixture, cases[i].name, bytes, cases[i].address);
      g_assert_true (sf_firmware_row_get_address (row, &address));
      before = sf_sim_device_dup_flash (fixture->device, address, g_bytes_get_size (bytes));

      _sf_window_set_concerns_answer (fixture->window, 0);
      g_assert_false (flash (fixture));
      g_assert_true (has_concern (fixture, cases[i].kind));
      assert_banner_contains (fixture, "Nothing Was Written");
      assert_flash_holds (fixture, address, before);

      _sf_window_set_concerns_answer (fixture->window, 1);
      g_assert_true (flash (fixture));
      g_assert_true (has_concern (fixture, cases[i].kind));
      assert_flash_holds (fixture, address, bytes);
      remove_row (row);
    }
}

/* The question itself: one dialog listing the concern, Cancel leaves the
 * board alone, Write Anyway writes. */
static void
test_concerns_dialog (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) image = esp8266_image ();
  g_autoptr(GBytes) blank = sf_sim_device_dup_flash (fixture->device, 0x10000, g_bytes_get_size (image));
  SfConcernsDialog *dialog;

  add_file (fixture, "esp8266.bin", image, "0x10000");
  for (int write = 0; write <= 1; write++)
    {
      g_auto(GStrv) items = NULL;

      gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
      SF_WAIT_UNTIL (_sf_window_get_concerns_dialog (fixture->window) != NULL, 60000);
      dialog = _sf_window_get_concerns_dialog (fixture->window);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
      g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
      items = sf_concerns_dialog_dup_items (dialog);
      g_assert_cmpuint (g_strv_length (items), ==, 1);
      g_assert_nonnull (strstr (items[0], "ESP8266"));
      /* The board waits for the answer. */
      sf_test_spin (200);
      g_assert_true (_sf_window_get_busy (fixture->window));

      {
        SfFlashJob *job = _sf_window_get_job (fixture->window);

        fixture->finished = fixture->failed = FALSE;
        g_signal_connect (job, "finished", G_CALLBACK (job_finished_cb), fixture);
        g_signal_connect (job, "failed", G_CALLBACK (job_failed_cb), fixture);
      }
      /* No: what Escape does (window.close). Yes: Write Anyway. */
      if (write)
        sf_concerns_dialog_answer (dialog, TRUE);
      else
        gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL);
      SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 60000);
      g_assert_null (_sf_window_get_concerns_dialog (fixture->window));
      g_assert_cmpint (fixture->finished, ==, write);
      if (write)
        assert_flash_holds (fixture, 0x10000, image);
      else
        {
          assert_banner_contains (fixture, "Nothing Was Written");
          assert_flash_holds (fixture, 0x10000, blank);
        }
    }
}

/* Cancelling the job while it asks: the question goes, nothing written. */
static void
test_cancel_while_asking (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GBytes) image = esp8266_image ();
  g_autoptr(GBytes) blank = sf_sim_device_dup_flash (fixture->device, 0x10000, g_bytes_get_size (image));

  add_file (fixture, "esp8266.bin", image, "0x10000");
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_concerns_dialog (fixture->window) != NULL, 60000);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.cancel", NULL);
  SF_WAIT_UNTIL (!_sf_window_get_busy (fixture->window), 20000);
  g_assert_null (_sf_window_get_concerns_dialog (fixture->window));
  assert_banner_contains (fixture, "Cancelled");
  assert_flash_holds (fixture, 0x10000, blank);
}

/* Closing the window while it asks: no hang, nothing written. */
static void
test_close_while_asking (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) image = esp8266_image ();
  g_autoptr(GBytes) blank = sf_sim_device_dup_flash (fixture->device, 0x10000, g_bytes_get_size (image));
  GtkWidget *window = GTK_WIDGET (fixture->window);
  GtkWidget *dialog;

  add_file (fixture, "esp8266.bin", image, "0x10000");
  gtk_widget_activate_action (window, "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_concerns_dialog (fixture->window) != NULL, 60000);
  dialog = GTK_WIDGET (_sf_window_get_concerns_dialog (fixture->window));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  fixture->window = NULL;
  gtk_window_close (GTK_WINDOW (window));
  SF_WAIT_UNTIL (window == NULL && dialog == NULL, 20000);
  assert_flash_holds (fixture, 0x10000, blank);
}


/* A name that says where the file goes wins over its content, and says
 * so; one placed back from the end waits for the board's flash size; a
 * typed address stays. */
static void
test_name_hints (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GBytes) fs_image = raw_data (8 * 1024, 51);
  g_autoptr(GBytes) init_data = raw_data (128, 52);
  SfFirmwareRow *fs_row = add_file (fixture, "0x300000-1MB.img", fs_image, NULL);
  SfFirmwareRow *init_row = add_file (fixture, "esp_init_data_default_v08.bin", init_data, NULL);
  SfFirmwareRow *typed_row = add_file (fixture, "esp_init_data_default.bin", init_data, NULL);
  g_autofree char *expected = NULL;

  g_assert_cmpstr (sf_firmware_row_get_address_text (fs_row), ==, "0x300000");
  g_assert_nonnull (sf_firmware_row_get_hint_reason (fs_row));
  g_assert_nonnull (strstr (sf_firmware_row_get_hint_reason (fs_row), "NodeMCU"));

  /* Before the board is read: no address yet, and the row says why. */
  g_assert_cmpstr (sf_firmware_row_get_address_text (init_row), ==, "");
  g_assert_nonnull (strstr (sf_firmware_row_get_message (init_row), "before the end of the flash"));
  sf_firmware_row_set_address_text (typed_row, "0x3FB000");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.chip-info", NULL);
  follow_job (fixture);
  g_assert_true (fixture->finished);
  expected = g_strdup_printf ("0x%x", (guint32) sf_sim_device_get_flash_size (fixture->device) - 0x4000);
  g_assert_cmpstr (sf_firmware_row_get_address_text (init_row), ==, expected);
  g_assert_cmpint (sf_firmware_row_get_status (init_row), ==, SF_FIRMWARE_ROW_OK);
  g_assert_cmpstr (sf_firmware_row_get_address_text (typed_row), ==, "0x3FB000");
}

/* A dropped ESP-IDF build folder: a row per file, each where the build
 * says, and flashed as such. */
static void
test_build_folder (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GBytes) boot = sf_test_build_bootloader (53);
  g_autoptr(GBytes) table = sf_test_build_partition_table ();
  g_autoptr(GBytes) app_image = sf_test_build_app (64 * 1024, 54);
  g_autofree char *build = g_build_filename (fixture->dir, "build", NULL);
  g_autofree char *boot_dir = g_build_filename (build, "bootloader", NULL);
  g_autofree char *table_dir = g_build_filename (build, "partition_table", NULL);
  g_autofree char *empty = g_build_filename (fixture->dir, "empty", NULL);
  g_autofree char *json_path = g_build_filename (build, "flasher_args.json", NULL);
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (build);
  g_autoptr(GFile) empty_folder = g_file_new_for_path (empty);
  static const char json[] =
    "{ \"flash_files\": { \"0x1000\": \"bootloader/bootloader.bin\",\n"
    "                     \"0x8000\": \"partition_table/partition-table.bin\",\n"
    "                     \"0x10000\": \"blink.bin\" },\n"
    "  \"flash_settings\": { \"flash_mode\": \"dio\", \"flash_size\": \"4MB\", \"flash_freq\": \"40m\" },\n"
    "  \"extra_esptool_args\": { \"chip\": \"esp32\" } }\n";

  g_assert_cmpint (g_mkdir_with_parents (boot_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (table_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  p1 = sf_test_write_file (boot_dir, "bootloader.bin", boot);
  p2 = sf_test_write_file (table_dir, "partition-table.bin", table);
  p3 = sf_test_write_file (build, "blink.bin", app_image);
  g_assert_true (g_file_set_contents (json_path, json, -1, NULL));

  g_assert_cmpuint (_sf_window_add_folder (fixture->window, empty_folder), ==, 0);
  assert_banner_contains (fixture, "Nothing to Flash in This Folder");

  g_assert_cmpuint (_sf_window_add_folder (fixture->window, folder), ==, 3);
  _sf_window_set_concerns_answer (fixture->window, 1);
  g_assert_true (flash (fixture));
  assert_flash_holds (fixture, 0x1000, boot);
  assert_flash_holds (fixture, 0x8000, table);
  assert_flash_holds (fixture, 0x10000, app_image);
  assert_banner_contains (fixture, "3 files");
}


/* What only the board can tell: its eFuses. A board of the test's own,
 * set up before it starts, on a port typed by hand. */
typedef struct
{
  const char         *chip;
  gboolean            secure_boot;
  gboolean            flash_encryption;
  gboolean            esp8285;
  const char         *address;
  SfWriteConcernKind  kind;
} BoardCase;

static void
test_board_concerns (Fixture       *fixture,
                     gconstpointer  data)
{
  static const BoardCase cases[] = {
    { "esp32", TRUE, FALSE, FALSE, "0x20000", SF_WRITE_CONCERN_SECURE_BOOT },
    { "esp32c6", FALSE, TRUE, FALSE, "0x20000", SF_WRITE_CONCERN_FLASH_ENCRYPTION },
    { "esp8266", FALSE, FALSE, TRUE, "0x0", SF_WRITE_CONCERN_FLASH_MODE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SfSimDevice) device = sf_sim_device_new (cases[i].chip, &error);
      g_autoptr(GBytes) bytes = cases[i].esp8285 ? esp8266_image () : raw_data (8 * 1024, 60 + i);
      g_autoptr(GBytes) before = NULL;
      GtkEditable *entry = _sf_window_get_entry (fixture->window, "other-port");
      SfFirmwareRow *row;
      guint32 address;

      g_test_message ("case %s", cases[i].chip);
      g_assert_no_error (error);
      if (cases[i].secure_boot)
        sf_sim_device_set_secure_boot (device, TRUE);
      if (cases[i].flash_encryption)
        sf_sim_device_set_flash_encryption (device, TRUE);
      if (cases[i].esp8285)
        sf_sim_device_set_esp8285 (device, TRUE);
      g_assert_true (sf_sim_device_start (device, &error));
      gtk_editable_set_text (entry, sf_sim_device_get_port_path (device));
      gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.use-other-port", NULL);
      g_assert_cmpstr (_sf_window_get_port_path (fixture->window), ==,
                       sf_sim_device_get_port_path (device));

      row = add_file (fixture, "firmware.bin", bytes, cases[i].address);
      g_assert_true (sf_firmware_row_get_address (row, &address));
      before = sf_sim_device_dup_flash (device, address, g_bytes_get_size (bytes));

      _sf_window_set_concerns_answer (fixture->window, 0);
      g_assert_false (flash (fixture));
      g_assert_true (has_concern (fixture, cases[i].kind));
      assert_banner_contains (fixture, "Nothing Was Written");
      {
        g_autoptr(GBytes) after = sf_sim_device_dup_flash (device, address, g_bytes_get_size (bytes));

        g_assert_true (g_bytes_equal (after, before));
      }

      _sf_window_set_concerns_answer (fixture->window, 1);
      g_assert_true (flash (fixture));
      {
        g_autoptr(GBytes) after = sf_sim_device_dup_flash (device, address, g_bytes_get_size (bytes));

        g_assert_true (g_bytes_equal (after, bytes));
      }
      remove_row (row);
    }
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

#define ADD(path, chip, func) \
  g_test_add (path, Fixture, chip, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/board-care/esp32/backup-restore", "esp32", test_backup_restore);
  ADD ("/ui/board-care/esp8266/backup-restore", "esp8266", test_backup_restore);
  ADD ("/ui/board-care/esp32/backup-whole", "esp32", test_backup_whole);
  ADD ("/ui/board-care/esp8266/backup-whole", "esp8266", test_backup_whole);
  ADD ("/ui/board-care/restore-no-address", "esp32", test_restore_no_address);
  ADD ("/ui/board-care/esp32/restore-other-board", "esp32", test_restore_other_board);
  ADD ("/ui/board-care/concerns", "esp32", test_concerns);
  ADD ("/ui/board-care/concerns-dialog", "esp32", test_concerns_dialog);
  ADD ("/ui/board-care/board-concerns", "esp32", test_board_concerns);
  ADD ("/ui/board-care/close-while-asking", "esp32", test_close_while_asking);
  ADD ("/ui/board-care/cancel-while-asking", "esp32", test_cancel_while_asking);
  ADD ("/ui/board-care/esp8266/name-hints", "esp8266", test_name_hints);
  ADD ("/ui/board-care/esp32/build-folder", "esp32", test_build_folder);
#undef ADD

  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);
  return test_status;
}
