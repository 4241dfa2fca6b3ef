/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-build-files"

/* Where a file goes, from its name, and what a build folder asks to
 * flash. The names are the ones the tools really write:
 *
 * - ESP-IDF's build folder: bootloader/bootloader.bin,
 *   partition_table/partition-table.bin, ota_data_initial.bin (at 0xD000
 *   with ESP-IDF's two-OTA table) and <project>.bin, plus
 *   flasher_args.json, which says it all (sf-flasher-args.c);
 * - Arduino-ESP32's sketch build folder: X.ino.bin, X.ino.bootloader.bin,
 *   X.ino.partitions.bin and X.ino.merged.bin; boot_app0.bin, the core's
 *   otadata image that starts ota_0, goes at 0xE000;
 * - PlatformIO: .pio/build/<env>/bootloader.bin, partitions.bin and
 *   firmware.bin (on an ESP8266 firmware.bin alone, at 0x0);
 * - the ESP8266 NONOS SDK: eagle.flash.bin at 0x0 and eagle.irom0text.bin
 *   at 0x10000 (the SDK 1.x and later linker script; some very old SDKs
 *   used 0x40000, and their users say so by hand), boot_v1.x.bin at 0x0
 *   and user1.<map>.bin at 0x1000, and esp_init_data_default*.bin, the RF
 *   init data, 16 KiB before the end of the flash;
 * - NodeMCU: the firmware as 0x00000.bin and 0x10000.bin, and its
 *   tools/Makefile names the SPIFFS image it builds 0x<offset>-<flash
 *   size>.bin ("0x7c000-4mb.bin"), the offset being where the file system
 *   starts. Its Lua flash store images (lfs.img, LFS_float_*.img) are
 *   loaded from the file system at run time and carry no address; the two
 *   LFS forms below are only a way for a user to give one;
 * - Sparkflash's backups: sparkflash-backup-<anything>-0x<address>.bin. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-build-files-private.h"
#include "sf-protocol-error.h"

#define PARTITION_TABLE_ADDRESS  0x8000
#define OTA_DATA_INITIAL_ADDRESS 0xD000
#define BOOT_APP0_ADDRESS        0xE000
#define APP_ADDRESS              0x10000
#define ESP8266_USER1_ADDRESS    0x1000
#define RF_INIT_DATA_FROM_END    0x4000

typedef enum
{
  NAME_NONE,
  NAME_SPECIFIC,   /* a name one tool writes for one place */
  NAME_MERGED,     /* a whole-flash image, at 0x0 */
  NAME_GENERIC,    /* "<project>.bin": an app, unless something better fits */
} NameKind;

/* "0x" and 1 to 8 hex digits, exactly the @len bytes at @s. */
static gboolean
parse_hex (const char *s,
           gsize       len,
           guint32    *out)
{
  guint32 value = 0;

  if (len < 3 || len > 10 || s[0] != '0' || s[1] != 'x')
    return FALSE;
  for (gsize i = 2; i < len; i++)
    {
      if (!g_ascii_isxdigit (s[i]))
        return FALSE;
      value = value << 4 | (guint32) g_ascii_xdigit_value (s[i]);
    }
  *out = value;
  return TRUE;
}

/* NodeMCU writes the flash size as "4mb" or "32mb"; a byte count in hex
 * or decimal, with or without a K / M suffix, is taken too. */
static gboolean
is_size_word (const char *s)
{
  gsize n = 0;
  guint32 unused;

  if (parse_hex (s, strlen (s), &unused))
    return TRUE;
  while (g_ascii_isdigit (s[n]))
    n++;
  if (n == 0)
    return FALSE;
  s += n;
  return *s == '\0' || strcmp (s, "k") == 0 || strcmp (s, "m") == 0
         || strcmp (s, "kb") == 0 || strcmp (s, "mb") == 0;
}

static guint32
app_address (SfChip chip)
{
  return chip == SF_CHIP_ESP8266 ? 0x0 : APP_ADDRESS;
}

guint8
_sf_build_files_data_subtype (const char *name)
{
  /* LittleFS before SPIFFS: "mklittlefs" holds neither, "littlefs" only one. */
  if (strstr (name, "littlefs") != NULL)
    return SF_PARTITION_SUBTYPE_DATA_LITTLEFS;
  if (strstr (name, "spiffs") != NULL)
    return SF_PARTITION_SUBTYPE_DATA_SPIFFS;
  if (strstr (name, "fatfs") != NULL || strstr (name, "ffat") != NULL)
    return SF_PARTITION_SUBTYPE_DATA_FAT;
  if (strstr (name, "nvs") != NULL)
    return SF_PARTITION_SUBTYPE_DATA_NVS;
  return 0;
}

/* Data images whose place only the partition table knows: never taken
 * for an app by the "<project>.bin" rule. */
static gboolean
is_data_image_name (const char *name)
{
  static const char *const words[] = { "blank", "user2", "eagle" };

  if (_sf_build_files_data_subtype (name) != 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (name, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

static NameKind
set_hint_kind (SfAddressHint     *hint,
               NameKind           kind,
               guint32            value,
               SfAddressHintKind  hint_kind,
               const char        *reason)
{
  hint->value = value;
  hint->from_end = FALSE;
  hint->reason = reason;
  hint->kind = hint_kind;
  return kind;
}

static NameKind
set_hint (SfAddressHint *hint,
          NameKind       kind,
          guint32        value,
          gboolean       from_end,
          const char    *reason)
{
  set_hint_kind (hint, kind, value, SF_ADDRESS_HINT_FIXED, reason);
  hint->from_end = from_end;
  return kind;
}

/* The rules of sf_build_files_address_from_name(), on a lower-case name,
 * in the order that lets the narrow ones win. */
static NameKind
classify (const char    *name,
          SfChip         chip,
          SfAddressHint *hint)
{
  gsize len = strlen (name);
  const char *dot = strrchr (name, '.');
  gsize stem_len = dot != NULL ? (gsize) (dot - name) : len;
  const char *at = strstr (name, "@0x");
  gboolean is_bin = g_str_has_suffix (name, ".bin");
  gboolean is_img = g_str_has_suffix (name, ".img");
  guint32 value;

  if (g_str_has_prefix (name, "sparkflash-backup-") && is_bin)
    {
      const char *rest = name + strlen ("sparkflash-backup-");
      const char *dash = g_strrstr_len (rest, dot - rest, "-");
      const char *hex = dash != NULL ? dash + 1 : rest;

      if (parse_hex (hex, (gsize) (dot - hex), &value))
        return set_hint (hint, NAME_SPECIFIC, value, FALSE, _("Sparkflash backup"));
    }

  if ((is_bin || is_img) && g_str_has_prefix (name, "0x"))
    {
      const char *dash = memchr (name, '-', stem_len);

      if (dash != NULL && parse_hex (name, (gsize) (dash - name), &value))
        {
          g_autofree char *size = g_strndup (dash + 1, (gsize) (dot - dash - 1));

          if (is_size_word (size))
            return set_hint (hint, NAME_SPECIFIC, value, FALSE, _("NodeMCU file system image"));
        }
    }

  if (is_img && (g_str_has_prefix (name, "lfs.") || g_str_has_prefix (name, "lfs-")))
    {
      const char *hex = name + 4;
      g_autofree char *prefixed = NULL;

      /* LFS.<offset>.img may give the offset without its "0x". */
      if (!g_str_has_prefix (hex, "0x"))
        hex = prefixed = g_strconcat ("0x", hex, NULL);
      if (parse_hex (hex, strlen (hex) - strlen (".img"), &value))
        return set_hint (hint, NAME_SPECIFIC, value, FALSE, _("NodeMCU Lua flash store image"));
    }

  if (at != NULL)
    {
      const char *end = at + 3;

      while (g_ascii_isxdigit (*end))
        end++;
      if ((*end == '\0' || *end == '.') && parse_hex (at + 1, (gsize) (end - at - 1), &value))
        return set_hint (hint, NAME_SPECIFIC, value, FALSE, _("the address in the file name"));
    }
  if (is_bin)
    {
      const char *hex = g_strrstr_len (name, stem_len, "0x");

      if (hex != NULL && parse_hex (hex, (gsize) (dot - hex), &value))
        return set_hint (hint, NAME_SPECIFIC, value, FALSE, _("the address in the file name"));
    }

  if (!is_bin)
    return NAME_NONE;

  if (g_str_has_prefix (name, "esp_init_data_default"))
    return set_hint (hint, NAME_SPECIFIC, RF_INIT_DATA_FROM_END, TRUE, _("ESP8266 RF init data"));
  if (g_str_has_prefix (name, "boot_v1."))
    return set_hint (hint, NAME_SPECIFIC, 0x0, FALSE, _("ESP8266 boot loader"));
  if (strcmp (name, "eagle.flash.bin") == 0)
    return set_hint (hint, NAME_SPECIFIC, 0x0, FALSE, _("ESP8266 NONOS SDK firmware"));
  if (strcmp (name, "eagle.irom0text.bin") == 0)
    return set_hint (hint, NAME_SPECIFIC, APP_ADDRESS, FALSE, _("ESP8266 NONOS SDK firmware (flash part)"));
  if (g_str_has_prefix (name, "user1.") && (chip == SF_CHIP_ESP8266 || chip == SF_CHIP_AUTO))
    return set_hint (hint, NAME_SPECIFIC, ESP8266_USER1_ADDRESS, FALSE, _("ESP8266 NONOS SDK app (user1)"));

  if (strcmp (name, "bootloader.bin") == 0 || g_str_has_suffix (name, ".ino.bootloader.bin"))
    {
      if (chip == SF_CHIP_AUTO)
        return NAME_NONE;
      return set_hint (hint, NAME_SPECIFIC, sf_chip_get_bootloader_offset (chip), FALSE, _("bootloader"));
    }
  if (strcmp (name, "partition-table.bin") == 0 || strcmp (name, "partitions.bin") == 0
      || g_str_has_suffix (name, ".ino.partitions.bin"))
    return set_hint_kind (hint, NAME_SPECIFIC, PARTITION_TABLE_ADDRESS,
                          SF_ADDRESS_HINT_PARTITION_TABLE, _("partition table"));
  if (strcmp (name, "ota_data_initial.bin") == 0)
    return set_hint_kind (hint, NAME_SPECIFIC, OTA_DATA_INITIAL_ADDRESS, SF_ADDRESS_HINT_OTADATA,
                          _("initial OTA data"));
  if (strcmp (name, "boot_app0.bin") == 0)
    return set_hint_kind (hint, NAME_SPECIFIC, BOOT_APP0_ADDRESS, SF_ADDRESS_HINT_OTADATA,
                          _("Arduino OTA data (boot_app0)"));
  if (g_str_has_suffix (name, ".factory.bin") || g_str_has_suffix (name, ".merged.bin")
      || g_str_has_suffix (name, "-factory.bin"))
    return set_hint (hint, NAME_MERGED, 0x0, FALSE, _("merged image of the whole flash"));

  if (chip == SF_CHIP_AUTO)
    return NAME_NONE;
  if (strcmp (name, "firmware.bin") == 0 || g_str_has_suffix (name, ".ino.bin"))
    return set_hint_kind (hint, NAME_SPECIFIC, app_address (chip), SF_ADDRESS_HINT_APP, _("app"));
  if (!is_data_image_name (name) && !g_str_has_prefix (name, "sparkflash-backup-"))
    return set_hint_kind (hint, NAME_GENERIC, app_address (chip), SF_ADDRESS_HINT_APP, _("app"));
  return NAME_NONE;
}

gboolean
sf_build_files_address_from_name (const char    *basename,
                                  SfChip         chip,
                                  SfAddressHint *out_hint)
{
  g_autofree char *name = NULL;
  SfAddressHint hint = { 0, FALSE, NULL, SF_ADDRESS_HINT_FIXED };

  g_return_val_if_fail (basename != NULL, FALSE);

  /* Names made on Windows may shout: ESP8266 SDKs once came with
   * "ESP_INIT_DATA_DEFAULT.BIN". */
  name = g_ascii_strdown (basename, -1);
  if (classify (name, chip, &hint) == NAME_NONE)
    return FALSE;
  if (out_hint != NULL)
    *out_hint = hint;
  return TRUE;
}

/* ---- Build folders ---------------------------------------------------- */

typedef struct
{
  GPtrArray *files;    /* of SfBuildFile */
  GPtrArray *merged;   /* of SfBuildFile */
  GPtrArray *generic;  /* of SfBuildFile */
} Scan;

static gboolean
has_address (GPtrArray *files,
             guint32    address)
{
  for (guint i = 0; i < files->len; i++)
    if (((SfBuildFile *) g_ptr_array_index (files, i))->address == address)
      return TRUE;
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Every file of @dir whose name places it. Addresses from the end of the
 * flash (RF init data) need the flash size, which a scan does not know:
 * those files are left to the caller. */
static void
scan_one (const char *dir,
          SfChip      chip,
          Scan       *scan)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  /* The same folder gives the same list, whatever order readdir has. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *base = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, base, NULL);
      g_autofree char *lower = g_ascii_strdown (base, -1);
      SfAddressHint hint = { 0, FALSE, NULL };
      NameKind kind;
      GPtrArray *list;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      kind = classify (lower, chip, &hint);
      if (kind == NAME_NONE || hint.from_end)
        continue;
      list = kind == NAME_MERGED ? scan->merged : kind == NAME_GENERIC ? scan->generic : scan->files;
      /* The first folder looked at wins a contested address. */
      if (!has_address (list, hint.value))
        g_ptr_array_add (list, _sf_build_file_new (hint.value, path));
    }
}

/* PlatformIO's .pio/build/<env>/, when there is exactly one env. */
static char *
platformio_env_dir (const char *dir)
{
  g_autofree char *build = g_build_filename (dir, ".pio", "build", NULL);
  g_autoptr(GDir) d = g_dir_open (build, 0, NULL);
  g_autofree char *found = NULL;
  const char *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (build, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      if (found != NULL)
        return NULL;
      found = g_steal_pointer (&path);
    }
  return g_steal_pointer (&found);
}

static GPtrArray *
scan_from_flasher_args (const char      *json_path,
                        SfFlasherArgs  **out_args,
                        GError         **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *build_dir = g_path_get_dirname (json_path);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SfFlasherArgs) args = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) files = NULL;
  gsize len;

  if (!g_file_get_contents (json_path, &contents, &len, &local_error))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                   _("Could not read %s: %s"), json_path, local_error->message);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  args = sf_flasher_args_parse (bytes, build_dir, &local_error);
  if (args == NULL)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   "%s: %s", json_path, local_error->message);
      return NULL;
    }

  files = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_build_file_free);
  for (guint i = 0; i < args->files->len; i++)
    {
      const SfBuildFile *file = g_ptr_array_index (args->files, i);

      if (!g_file_test (file->path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("%s names %s for 0x%x, which is missing: build the project again"),
                       json_path, file->path, file->address);
          return NULL;
        }
      g_ptr_array_add (files, _sf_build_file_new (file->address, file->path));
    }
  if (out_args != NULL)
    *out_args = g_steal_pointer (&args);
  return g_steal_pointer (&files);
}

GPtrArray *
sf_build_files_scan_folder (const char      *dir,
                            SfChip           chip,
                            SfFlasherArgs  **out_args,
                            GError         **error)
{
  static const char *const json_places[] = { "flasher_args.json", "build/flasher_args.json" };
  /* Where the tools put their files, the most specific first. */
  static const char *const subfolders[] = {
    "bootloader", "partition_table",
    "build", "build/bootloader", "build/partition_table",
  };
  g_autofree char *pio = NULL;
  Scan scan;
  GPtrArray *result;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_args != NULL)
    *out_args = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (json_places); i++)
    {
      g_autofree char *json = g_build_filename (dir, json_places[i], NULL);

      if (g_file_test (json, G_FILE_TEST_IS_REGULAR))
        return scan_from_flasher_args (json, out_args, error);
    }

  scan.files = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_build_file_free);
  scan.merged = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_build_file_free);
  scan.generic = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_build_file_free);

  pio = platformio_env_dir (dir);
  if (pio != NULL)
    scan_one (pio, chip, &scan);
  for (guint i = 0; i < G_N_ELEMENTS (subfolders); i++)
    {
      g_autofree char *sub = g_build_filename (dir, subfolders[i], NULL);

      scan_one (sub, chip, &scan);
    }
  scan_one (dir, chip, &scan);

  /* "<project>.bin" is the app only where no better-named file is. */
  for (guint i = 0; i < scan.generic->len; i++)
    {
      SfBuildFile *file = g_ptr_array_index (scan.generic, i);

      if (!has_address (scan.files, file->address))
        g_ptr_array_add (scan.files, _sf_build_file_new (file->address, file->path));
    }

  /* A merged image holds the separate files again: flash one or the
   * other, and the separate ones say more. */
  if (scan.files->len > 0)
    {
      result = g_steal_pointer (&scan.files);
      g_ptr_array_unref (scan.merged);
    }
  else
    {
      result = g_steal_pointer (&scan.merged);
      g_ptr_array_unref (scan.files);
    }
  g_ptr_array_unref (scan.generic);

  if (result->len == 0)
    {
      g_ptr_array_unref (result);
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("Nothing to flash was found in %s: looked for flasher_args.json, ESP-IDF's bootloader/ and partition_table/, "
                     "PlatformIO's .pio/build/<env>/, Arduino's *.ino.bin and files named with their address (0x10000.bin)%s"),
                   dir, chip == SF_CHIP_AUTO ? _("; choose the chip to find firmware.bin and bootloader.bin too") : "");
      return NULL;
    }
  g_ptr_array_sort (result, _sf_build_file_compare);
  return result;
}
