/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sf-build-files.h"
#include "sf-protocol-error.h"
#include "test-tmp-dir.h"

static void
assert_address (const char *name,
                SfChip      chip,
                guint32     value,
                gboolean    from_end,
                const char *reason)
{
  SfAddressHint hint = { 0xDEADBEEF, TRUE, NULL };

  if (!sf_build_files_address_from_name (name, chip, &hint))
    g_error ("\"%s\" (%s) gave no address", name, sf_chip_get_name (chip));
  g_assert_cmphex (hint.value, ==, value);
  g_assert_cmpint (hint.from_end, ==, from_end);
  g_assert_nonnull (hint.reason);
  if (reason != NULL)
    g_assert_cmpstr (hint.reason, ==, reason);
}

static void
assert_no_address (const char *name,
                   SfChip      chip)
{
  SfAddressHint hint = { 0, FALSE, NULL };

  if (sf_build_files_address_from_name (name, chip, &hint))
    g_error ("\"%s\" (%s) gave 0x%x (%s)", name, sf_chip_get_name (chip), hint.value, hint.reason);
}

static void
test_names (void)
{
  /* Sparkflash's own backups, whatever is between the prefix and the address. */
  assert_address ("sparkflash-backup-ESP32-C3-2026-12-01-0x10000.bin", SF_CHIP_AUTO, 0x10000, FALSE, "Sparkflash backup");
  assert_address ("sparkflash-backup-x-0x0.bin", SF_CHIP_ESP32, 0x0, FALSE, "Sparkflash backup");
  assert_address ("sparkflash-backup--0x3FF000.bin", SF_CHIP_AUTO, 0x3FF000, FALSE, "Sparkflash backup");
  assert_no_address ("sparkflash-backup-nvs.bin", SF_CHIP_ESP32);

  /* NodeMCU's SPIFFS image: offset, then the flash size it was made for. */
  assert_address ("0x7c000-4mb.bin", SF_CHIP_AUTO, 0x7C000, FALSE, "NodeMCU file system image");
  assert_address ("0x100000-32mb.img", SF_CHIP_ESP8266, 0x100000, FALSE, "NodeMCU file system image");
  assert_address ("0x100000-0x80000.img", SF_CHIP_AUTO, 0x100000, FALSE, "NodeMCU file system image");
  assert_address ("LFS.0x90000.img", SF_CHIP_AUTO, 0x90000, FALSE, "NodeMCU Lua flash store image");
  assert_address ("lfs-0x90000.img", SF_CHIP_AUTO, 0x90000, FALSE, "NodeMCU Lua flash store image");
  assert_address ("LFS.a0000.img", SF_CHIP_AUTO, 0xA0000, FALSE, "NodeMCU Lua flash store image");
  assert_no_address ("lfs.img", SF_CHIP_ESP8266);
  assert_no_address ("LFS_float_app.img", SF_CHIP_ESP8266);

  /* An address in the name. */
  assert_address ("0x00000.bin", SF_CHIP_AUTO, 0x0, FALSE, "the address in the file name");
  assert_address ("0x10000.bin", SF_CHIP_ESP8266, 0x10000, FALSE, "the address in the file name");
  assert_address ("blinky-0x40000.bin", SF_CHIP_AUTO, 0x40000, FALSE, "the address in the file name");
  assert_address ("fs@0x300000.img", SF_CHIP_AUTO, 0x300000, FALSE, "the address in the file name");
  assert_address ("app@0x20000", SF_CHIP_AUTO, 0x20000, FALSE, "the address in the file name");
  assert_no_address ("0x123456789.bin", SF_CHIP_AUTO);
  assert_no_address ("data-0x.bin", SF_CHIP_AUTO);

  /* The ESP8266 SDKs. */
  assert_address ("esp_init_data_default_v08.bin", SF_CHIP_AUTO, 0x4000, TRUE, "ESP8266 RF init data");
  assert_address ("ESP_INIT_DATA_DEFAULT.BIN", SF_CHIP_ESP8266, 0x4000, TRUE, "ESP8266 RF init data");
  assert_address ("boot_v1.7.bin", SF_CHIP_AUTO, 0x0, FALSE, "ESP8266 boot loader");
  assert_address ("eagle.flash.bin", SF_CHIP_AUTO, 0x0, FALSE, NULL);
  assert_address ("eagle.irom0text.bin", SF_CHIP_AUTO, 0x10000, FALSE, NULL);
  assert_address ("user1.1024.new.2.bin", SF_CHIP_ESP8266, 0x1000, FALSE, NULL);
  assert_no_address ("user2.1024.new.2.bin", SF_CHIP_ESP8266);

  /* Bootloaders: where the chip wants them, nowhere without a chip. */
  assert_no_address ("bootloader.bin", SF_CHIP_AUTO);
  assert_address ("bootloader.bin", SF_CHIP_ESP32, 0x1000, FALSE, "bootloader");
  assert_address ("bootloader.bin", SF_CHIP_ESP32S2, 0x1000, FALSE, "bootloader");
  assert_address ("bootloader.bin", SF_CHIP_ESP32C3, 0x0, FALSE, "bootloader");
  assert_address ("bootloader.bin", SF_CHIP_ESP32S3, 0x0, FALSE, "bootloader");
  assert_address ("Blink.ino.bootloader.bin", SF_CHIP_ESP32, 0x1000, FALSE, "bootloader");
  assert_no_address ("Blink.ino.bootloader.bin", SF_CHIP_AUTO);

  /* Partition tables, otadata, boot_app0. */
  assert_address ("partition-table.bin", SF_CHIP_AUTO, 0x8000, FALSE, "partition table");
  assert_address ("partitions.bin", SF_CHIP_ESP32C6, 0x8000, FALSE, "partition table");
  assert_address ("Blink.ino.partitions.bin", SF_CHIP_AUTO, 0x8000, FALSE, "partition table");
  assert_address ("ota_data_initial.bin", SF_CHIP_AUTO, 0xD000, FALSE, NULL);
  assert_address ("boot_app0.bin", SF_CHIP_AUTO, 0xE000, FALSE, NULL);

  /* Merged images. */
  assert_address ("Blink.ino.merged.bin", SF_CHIP_AUTO, 0x0, FALSE, "merged image of the whole flash");
  assert_address ("firmware.factory.bin", SF_CHIP_ESP32, 0x0, FALSE, "merged image of the whole flash");
  assert_address ("esphome-web-factory.bin", SF_CHIP_AUTO, 0x0, FALSE, "merged image of the whole flash");

  /* Apps: 0x10000, or 0x0 on an ESP8266, whose app starts the flash. */
  assert_no_address ("firmware.bin", SF_CHIP_AUTO);
  assert_address ("firmware.bin", SF_CHIP_ESP32, 0x10000, FALSE, "app");
  assert_address ("firmware.bin", SF_CHIP_ESP8266, 0x0, FALSE, "app");
  assert_address ("Blink.ino.bin", SF_CHIP_ESP32C3, 0x10000, FALSE, "app");
  assert_address ("Blink.ino.bin", SF_CHIP_ESP8266, 0x0, FALSE, "app");
  assert_address ("hello_world.bin", SF_CHIP_ESP32H2, 0x10000, FALSE, "app");
  assert_no_address ("hello_world.bin", SF_CHIP_AUTO);
  assert_no_address ("spiffs.bin", SF_CHIP_ESP32);
  assert_no_address ("littlefs.bin", SF_CHIP_ESP8266);
  assert_no_address ("blank.bin", SF_CHIP_ESP8266);
  assert_no_address ("firmware.elf", SF_CHIP_ESP32);
  assert_no_address ("", SF_CHIP_ESP32);

  g_assert_true (sf_build_files_address_from_name ("0x1000.bin", SF_CHIP_AUTO, NULL));
}

/* The shape `idf.py build` writes (components/esptool_py/flasher_args.json.in). */
static const char idf_flasher_args[] =
  "{\n"
  "    \"write_flash_args\" : [ \"--flash_mode\", \"dio\",\n"
  "                           \"--flash_size\", \"2MB\",\n"
  "                           \"--flash_freq\", \"40m\" ],\n"
  "    \"flash_settings\" : {\n"
  "        \"flash_mode\": \"dio\",\n"
  "        \"flash_size\": \"2MB\",\n"
  "        \"flash_freq\": \"40m\"\n"
  "    },\n"
  "    \"flash_files\" : {\n"
  "        \"0x1000\" : \"bootloader/bootloader.bin\",\n"
  "        \"0x10000\" : \"hello_world.bin\",\n"
  "        \"0x8000\" : \"partition_table/partition-table.bin\"\n"
  "    },\n"
  "    \"bootloader\" : { \"offset\" : \"0x1000\", \"file\" : \"bootloader/bootloader.bin\", \"encrypted\" : \"false\" },\n"
  "    \"app\" : { \"offset\" : \"0x10000\", \"file\" : \"hello_world.bin\", \"encrypted\" : \"false\" },\n"
  "    \"partition-table\" : { \"offset\" : \"0x8000\", \"file\" : \"partition_table/partition-table.bin\", \"encrypted\" : \"false\" },\n"
  "    \"extra_esptool_args\" : {\n"
  "        \"after\"  : \"hard_reset\",\n"
  "        \"before\" : \"default_reset\",\n"
  "        \"stub\"   : true,\n"
  "        \"chip\"   : \"esp32\"\n"
  "    }\n"
  "}\n";

static SfFlasherArgs *
parse_args (const char  *json,
            const char  *build_dir,
            GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

  return sf_flasher_args_parse (bytes, build_dir, error);
}

static void
assert_file (GPtrArray  *files,
             guint       index,
             guint32     address,
             const char *path)
{
  const SfBuildFile *file;

  g_assert_cmpuint (index, <, files->len);
  file = g_ptr_array_index (files, index);
  g_assert_cmphex (file->address, ==, address);
  g_assert_cmpstr (file->path, ==, path);
}

static void
test_flasher_args (void)
{
  g_autoptr(SfFlasherArgs) args = NULL;
  g_autoptr(SfFlasherArgs) bare = NULL;
  g_autoptr(SfFlasherArgs) relative = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *expected = NULL;

  args = parse_args (idf_flasher_args, "/home/me/hello/build/", &error);
  g_assert_no_error (error);
  g_assert_cmpint (args->chip, ==, SF_CHIP_ESP32);
  g_assert_cmpstr (args->flash_mode, ==, "dio");
  g_assert_cmpstr (args->flash_size, ==, "2MB");
  g_assert_cmpstr (args->flash_freq, ==, "40m");
  g_assert_cmpuint (args->files->len, ==, 3);
  assert_file (args->files, 0, 0x1000, "/home/me/hello/build/bootloader/bootloader.bin");
  assert_file (args->files, 1, 0x8000, "/home/me/hello/build/partition_table/partition-table.bin");
  assert_file (args->files, 2, 0x10000, "/home/me/hello/build/hello_world.bin");

  /* Only flash_files: no settings, no chip; "." and ".." inside are fine. */
  bare = parse_args ("{\"flash_files\": {\"65536\": \"./sub/../app.bin\", \"0x0\": \"boot//b.bin\"}}",
                     "/b", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bare->chip, ==, SF_CHIP_AUTO);
  g_assert_null (bare->flash_mode);
  g_assert_null (bare->flash_size);
  g_assert_null (bare->flash_freq);
  g_assert_cmpuint (bare->files->len, ==, 2);
  assert_file (bare->files, 0, 0x0, "/b/boot/b.bin");
  assert_file (bare->files, 1, 0x10000, "/b/app.bin");

  /* A relative folder still gives absolute paths. */
  relative = parse_args ("{\"flash_files\": {\"0x10000\": \"app.bin\"}, \"extra_esptool_args\": {\"chip\": \"esp32c3\"}}",
                         "build", &error);
  g_assert_no_error (error);
  g_assert_cmpint (relative->chip, ==, SF_CHIP_ESP32C3);
  expected = g_build_filename (cwd, "build", "app.bin", NULL);
  assert_file (relative->files, 0, 0x10000, expected);
}

static void
assert_args_error (const char *json,
                   const char *part)
{
  g_autoptr(GError) error = NULL;
  SfFlasherArgs *args = parse_args (json, "/b", &error);

  g_assert_null (args);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, part) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, part);
}

static void
test_flasher_args_bad (void)
{
  assert_args_error ("", "does not hold a JSON object");
  assert_args_error ("{\"flash_files\": ", "is not JSON");
  assert_args_error ("{\"flash_files\": {}}", "has no \"flash_files\"");
  {
    static const char with_nul[] = "{\"flash_files\": {\"0x0\": \"a.bin\"}}\0junk";
    g_autoptr(GBytes) bytes = g_bytes_new_static (with_nul, sizeof with_nul - 1);
    g_autoptr(GError) error = NULL;

    g_assert_null (sf_flasher_args_parse (bytes, "/b", &error));
    g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "flasher_args.json is not JSON: it holds a NUL byte");
  }
  assert_args_error ("[1, 2]", "does not hold a JSON object");
  assert_args_error ("{\"flash_settings\": {}}", "has no \"flash_files\"");
  assert_args_error ("{\"flash_files\": [\"a.bin\"]}", "\"flash_files\" in flasher_args.json is not an object");
  assert_args_error ("{\"flash_files\": {\"boot\": \"a.bin\"}}", "\"boot\"");
  assert_args_error ("{\"flash_files\": {\"0x1000\": 12}}", "the file for 0x1000 is not a path");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"../x.bin\"}}",
                     "the path \"../x.bin\" for 0x1000 is not a file inside the build folder");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"a/../../x.bin\"}}", "is not a file inside the build folder");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"/etc/passwd\"}}", "is not a file inside the build folder");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"\"}}", "is not a file inside the build folder");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"sub/..\"}}", "is not a file inside the build folder");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"a.bin\", \"4096\": \"b.bin\"}}",
                     "puts two files at 0x1000: /b/a.bin and /b/b.bin");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"a.bin\"}, \"flash_settings\": 3}",
                     "\"flash_settings\" in flasher_args.json is not an object");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"a.bin\"}, \"flash_settings\": {\"flash_mode\": 2}}",
                     "\"flash_mode\" in \"flash_settings\" of flasher_args.json is not text");
  assert_args_error ("{\"flash_files\": {\"0x1000\": \"a.bin\"}, \"extra_esptool_args\": {\"chip\": \"esp99\"}}",
                     "is for the chip \"esp99\", which Sparkflash does not know");
}

static void
make_file (const char *dir,
           const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, "\xE9", 1, &error);
  g_assert_no_error (error);
}

static void
assert_scan_file (GPtrArray  *files,
                  guint       index,
                  guint32     address,
                  const char *dir,
                  const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);

  assert_file (files, index, address, path);
}

static void
test_scan_esp_idf (TmpDirFixture *fixture,
                   gconstpointer  data)
{
  g_autofree char *build = g_build_filename (fixture->dir, "build", NULL);
  g_autofree char *json = g_build_filename (build, "flasher_args.json", NULL);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) by_name = NULL;
  g_autoptr(SfFlasherArgs) args = NULL;
  g_autoptr(GError) error = NULL;

  make_file (build, "bootloader/bootloader.bin");
  make_file (build, "partition_table/partition-table.bin");
  make_file (build, "hello_world.bin");
  make_file (build, "ota_data_initial.bin");

  /* Without flasher_args.json: the names, with the chip given. */
  by_name = sf_build_files_scan_folder (fixture->dir, SF_CHIP_ESP32, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_name->len, ==, 4);
  assert_scan_file (by_name, 0, 0x1000, build, "bootloader/bootloader.bin");
  assert_scan_file (by_name, 1, 0x8000, build, "partition_table/partition-table.bin");
  assert_scan_file (by_name, 2, 0xD000, build, "ota_data_initial.bin");
  assert_scan_file (by_name, 3, 0x10000, build, "hello_world.bin");

  /* With it: what it says, from the project folder or the build folder. */
  g_file_set_contents (json, idf_flasher_args, -1, &error);
  g_assert_no_error (error);
  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_AUTO, &args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (args);
  g_assert_cmpint (args->chip, ==, SF_CHIP_ESP32);
  g_assert_cmpstr (args->flash_size, ==, "2MB");
  g_assert_cmpuint (files->len, ==, 3);
  assert_scan_file (files, 0, 0x1000, build, "bootloader/bootloader.bin");
  assert_scan_file (files, 1, 0x8000, build, "partition_table/partition-table.bin");
  assert_scan_file (files, 2, 0x10000, build, "hello_world.bin");
  g_clear_pointer (&files, g_ptr_array_unref);
  g_clear_pointer (&args, sf_flasher_args_free);

  files = sf_build_files_scan_folder (build, SF_CHIP_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 3);
  g_clear_pointer (&files, g_ptr_array_unref);

  /* A file it names is missing: build again. */
  {
    g_autofree char *app = g_build_filename (build, "hello_world.bin", NULL);

    g_assert_cmpint (g_remove (app), ==, 0);
    files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_AUTO, &args, &error);
    g_assert_null (files);
    g_assert_null (args);
    g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "which is missing: build the project again"));
    g_clear_error (&error);
  }

  /* A broken one is an error, not a reason to guess from names. */
  g_file_set_contents (json, "{", -1, &error);
  g_assert_no_error (error);
  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_ESP32, NULL, &error);
  g_assert_null (files);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "flasher_args.json is not JSON"));
}

static void
test_scan_arduino (TmpDirFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) merged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *only_merged = g_build_filename (fixture->dir, "merged-only", NULL);

  make_file (fixture->dir, "Blink.ino.bin");
  make_file (fixture->dir, "Blink.ino.bootloader.bin");
  make_file (fixture->dir, "Blink.ino.partitions.bin");
  make_file (fixture->dir, "Blink.ino.merged.bin");
  make_file (fixture->dir, "Blink.ino.elf");
  make_file (fixture->dir, "Blink.ino.map");

  /* The separate files, without the merged image that holds them again. */
  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_ESP32S3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 3);
  assert_scan_file (files, 0, 0x0, fixture->dir, "Blink.ino.bootloader.bin");
  assert_scan_file (files, 1, 0x8000, fixture->dir, "Blink.ino.partitions.bin");
  assert_scan_file (files, 2, 0x10000, fixture->dir, "Blink.ino.bin");

  /* The merged image alone is flashed alone. */
  make_file (only_merged, "Blink.ino.merged.bin");
  make_file (only_merged, "Blink.ino.elf");
  merged = sf_build_files_scan_folder (only_merged, SF_CHIP_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (merged->len, ==, 1);
  assert_scan_file (merged, 0, 0x0, only_merged, "Blink.ino.merged.bin");
}

static void
test_scan_platformio (TmpDirFixture *fixture,
                      gconstpointer  data)
{
  g_autofree char *env = g_build_filename (fixture->dir, ".pio", "build", "esp32dev", NULL);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;

  make_file (fixture->dir, "platformio.ini");
  make_file (env, "bootloader.bin");
  make_file (env, "partitions.bin");
  make_file (env, "firmware.bin");
  make_file (env, "firmware.elf");
  make_file (env, "spiffs.bin");

  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_ESP32, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 3);
  assert_scan_file (files, 0, 0x1000, env, "bootloader.bin");
  assert_scan_file (files, 1, 0x8000, env, "partitions.bin");
  assert_scan_file (files, 2, 0x10000, env, "firmware.bin");
  g_clear_pointer (&files, g_ptr_array_unref);

  /* Two envs: which one is meant is the user's call. */
  make_file (fixture->dir, ".pio/build/other/firmware.bin");
  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_ESP32, NULL, &error);
  g_assert_null (files);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Nothing to flash was found in"));
}

static void
test_scan_nodemcu (TmpDirFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;

  /* nodemcu-firmware's bin/ after `make` and the SPIFFS image step. */
  make_file (fixture->dir, "0x00000.bin");
  make_file (fixture->dir, "0x10000.bin");
  make_file (fixture->dir, "0x7c000-4mb.bin");
  make_file (fixture->dir, "esp_init_data_default.bin");
  make_file (fixture->dir, "spiffs-4mb.dat");

  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_AUTO, NULL, &error);
  g_assert_no_error (error);
  /* The RF init data's place needs the flash size: not listed. */
  g_assert_cmpuint (files->len, ==, 3);
  assert_scan_file (files, 0, 0x0, fixture->dir, "0x00000.bin");
  assert_scan_file (files, 1, 0x10000, fixture->dir, "0x10000.bin");
  assert_scan_file (files, 2, 0x7C000, fixture->dir, "0x7c000-4mb.bin");
}

static void
test_scan_nothing (TmpDirFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SfFlasherArgs) args = (SfFlasherArgs *) 0x1;
  g_autofree char *missing = g_build_filename (fixture->dir, "nowhere", NULL);

  make_file (fixture->dir, "firmware.bin");
  make_file (fixture->dir, "notes.txt");
  /* firmware.bin needs a chip to have a place. */
  files = sf_build_files_scan_folder (fixture->dir, SF_CHIP_AUTO, &args, &error);
  g_assert_null (files);
  g_assert_null (args);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "choose the chip to find firmware.bin and bootloader.bin too"));
  g_clear_error (&error);

  files = sf_build_files_scan_folder (missing, SF_CHIP_ESP32, NULL, &error);
  g_assert_null (files);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/build-files/names", test_names);
  g_test_add_func ("/build-files/flasher-args", test_flasher_args);
  g_test_add_func ("/build-files/flasher-args-bad", test_flasher_args_bad);
  g_test_add ("/build-files/scan/esp-idf", TmpDirFixture, NULL,
              tmp_dir_fixture_set_up, test_scan_esp_idf, tmp_dir_fixture_tear_down);
  g_test_add ("/build-files/scan/arduino", TmpDirFixture, NULL,
              tmp_dir_fixture_set_up, test_scan_arduino, tmp_dir_fixture_tear_down);
  g_test_add ("/build-files/scan/platformio", TmpDirFixture, NULL,
              tmp_dir_fixture_set_up, test_scan_platformio, tmp_dir_fixture_tear_down);
  g_test_add ("/build-files/scan/nodemcu", TmpDirFixture, NULL,
              tmp_dir_fixture_set_up, test_scan_nodemcu, tmp_dir_fixture_tear_down);
  g_test_add ("/build-files/scan/nothing", TmpDirFixture, NULL,
              tmp_dir_fixture_set_up, test_scan_nothing, tmp_dir_fixture_tear_down);

  return g_test_run ();
}
