/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-file-places"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-build-files-private.h"
#include "sf-file-places.h"

#define KIB 1024u

/* The Arduino ESP8266 core's flash layouts (its tools/boards.txt.py, the
 * "Flash Size" menu): per flash size, the file-system sizes offered, the
 * default first. The flash ends with the SDK's Wi-Fi settings (12 KiB),
 * the RF calibration (4 KiB) and the EEPROM emulation (4 KiB); the file
 * system ends below them. Up to 1 MiB it sits right under that end; on a
 * larger flash it starts its own size before the flash's end. */
typedef struct
{
  guint32 flash_kib;
  guint32 fs_kib[7];       /* 0 ends the list */
} ArduinoLayouts;

static const ArduinoLayouts arduino_layouts[] = {
  {   512, {   32,    64,  128 } },
  {  1024, {   64,   128,  144,  160,  192,  256, 512 } },
  {  2048, {   64,   128,  256,  512, 1024 } },
  {  4096, { 2048,  3072, 1024 } },
  {  8192, { 6144,  7168 } },
  { 16384, { 14336, 15360 } },
};

#define ARDUINO_TAIL_KIB (12 + 4 + 4)

static guint32
arduino_fs_start (guint32 flash_kib,
                  guint32 fs_kib)
{
  if (flash_kib <= 1024)
    return (flash_kib - ARDUINO_TAIL_KIB - fs_kib) * KIB;
  return (flash_kib - fs_kib) * KIB;
}

static const ArduinoLayouts *
arduino_layouts_for (guint32 flash_size)
{
  for (guint i = 0; i < G_N_ELEMENTS (arduino_layouts); i++)
    if (arduino_layouts[i].flash_kib * KIB == flash_size)
      return &arduino_layouts[i];
  return NULL;
}

void
sf_file_place_free (SfFilePlace *place)
{
  if (place == NULL)
    return;
  g_free (place->label);
  g_free (place);
}

static void
add_place (GPtrArray  *places,
           guint32     address,
           char       *label)
{
  SfFilePlace *place = g_new0 (SfFilePlace, 1);

  place->address = address;
  place->label = label;
  g_ptr_array_add (places, place);
}

/* ---- One address ------------------------------------------------------ */

static guint32
table_offset (const SfBoardLayout *board)
{
  return board->table_offset != 0 ? board->table_offset : SF_PARTITION_TABLE_DEFAULT_OFFSET;
}

static gboolean
found (guint32                 address,
       SfFilePlaceSource       source,
       const char             *reason,
       SfFilePlaceSuggestion  *out)
{
  out->address = address;
  out->source = source;
  out->reason = reason;
  return TRUE;
}

/* The app to write over: the one that starts, so that it is the new one
 * that starts after the write. */
static const SfPartition *
app_to_replace (const SfBoardLayout  *board,
                const char          **out_reason)
{
  const SfPartition *app;

  if (board->boot_index >= 0 &&
      (guint) board->boot_index < sf_partition_table_get_n_partitions (board->table))
    {
      *out_reason = _("the app partition the board starts");
      return sf_partition_table_get_partition (board->table, board->boot_index);
    }
  app = sf_partition_table_find_type (board->table, SF_PARTITION_TYPE_APP,
                                      SF_PARTITION_SUBTYPE_APP_FACTORY);
  if (app != NULL)
    {
      *out_reason = _("the board’s factory app partition");
      return app;
    }
  *out_reason = _("the board’s first app partition");
  return sf_partition_table_find_type (board->table, SF_PARTITION_TYPE_APP, 0xFF);
}

/* The data partition for a file-system or NVS image. Arduino-ESP32's
 * tables call their LittleFS partition "spiffs", of subtype spiffs: a
 * LittleFS image goes there when the table has no littlefs one, and the
 * other way round. */
static const SfPartition *
data_partition (SfPartitionTable *table,
                guint8            subtype)
{
  const SfPartition *partition = sf_partition_table_find_type (table, SF_PARTITION_TYPE_DATA,
                                                               subtype);

  if (partition == NULL && subtype == SF_PARTITION_SUBTYPE_DATA_LITTLEFS)
    partition = sf_partition_table_find_type (table, SF_PARTITION_TYPE_DATA,
                                              SF_PARTITION_SUBTYPE_DATA_SPIFFS);
  else if (partition == NULL && subtype == SF_PARTITION_SUBTYPE_DATA_SPIFFS)
    partition = sf_partition_table_find_type (table, SF_PARTITION_TYPE_DATA,
                                              SF_PARTITION_SUBTYPE_DATA_LITTLEFS);
  return partition;
}

gboolean
sf_file_places_name_hint (const char        *basename,
                          const SfImageInfo *info,
                          SfChip             chip,
                          SfAddressHint     *out_hint)
{
  g_return_val_if_fail (basename != NULL, FALSE);

  if (info != NULL && (info->kind == SF_IMAGE_KIND_BOOTLOADER ||
                       info->kind == SF_IMAGE_KIND_PARTITION_TABLE))
    return FALSE;
  return sf_build_files_address_from_name (basename, chip, out_hint);
}

gboolean
sf_file_places_suggest (const char             *basename,
                        const SfImageInfo      *info,
                        const SfBoardLayout    *board,
                        SfFilePlaceSuggestion  *out)
{
  g_autofree char *name = NULL;
  SfAddressHint hint;
  gboolean have_hint;
  gboolean is_app;
  guint8 data_subtype;
  const char *reason = NULL;

  g_return_val_if_fail (basename != NULL, FALSE);
  g_return_val_if_fail (board != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  name = g_ascii_strdown (basename, -1);
  have_hint = sf_file_places_name_hint (basename, info, board->chip, &hint);

  /* A table goes where this board looks for it. */
  if ((info != NULL && info->kind == SF_IMAGE_KIND_PARTITION_TABLE) ||
      (have_hint && hint.kind == SF_ADDRESS_HINT_PARTITION_TABLE))
    return found (table_offset (board),
                  have_hint ? SF_FILE_PLACE_FROM_NAME : SF_FILE_PLACE_FROM_CONTENT,
                  have_hint ? hint.reason : sf_image_kind_to_string (SF_IMAGE_KIND_PARTITION_TABLE),
                  out);

  if (have_hint && hint.kind == SF_ADDRESS_HINT_FIXED)
    {
      if (!hint.from_end)
        return found (hint.value, SF_FILE_PLACE_FROM_NAME, hint.reason, out);
      /* The RF init data's place depends on the flash's size. */
      if (board->flash_size > hint.value)
        return found (board->flash_size - hint.value, SF_FILE_PLACE_FROM_NAME, hint.reason, out);
      return FALSE;
    }

  is_app = (have_hint && hint.kind == SF_ADDRESS_HINT_APP) ||
           (info != NULL && info->kind == SF_IMAGE_KIND_APP);
  data_subtype = _sf_build_files_data_subtype (name);

  if (board->table != NULL)
    {
      const SfPartition *partition = NULL;

      if (have_hint && hint.kind == SF_ADDRESS_HINT_OTADATA)
        {
          partition = sf_partition_table_find_type (board->table, SF_PARTITION_TYPE_DATA,
                                                    SF_PARTITION_SUBTYPE_DATA_OTA);
          reason = _("the board’s OTA data partition");
        }
      else if (is_app)
        {
          partition = app_to_replace (board, &reason);
        }
      else if (data_subtype != 0)
        {
          partition = data_partition (board->table, data_subtype);
          reason = data_subtype == SF_PARTITION_SUBTYPE_DATA_NVS
                   ? _("the board’s NVS partition")
                   : _("the board’s file-system partition");
        }
      if (partition != NULL)
        return found (partition->offset, SF_FILE_PLACE_FROM_BOARD, reason, out);
    }

  if (board->chip == SF_CHIP_ESP8266 &&
      (data_subtype == SF_PARTITION_SUBTYPE_DATA_SPIFFS ||
       data_subtype == SF_PARTITION_SUBTYPE_DATA_LITTLEFS))
    {
      const ArduinoLayouts *layouts = arduino_layouts_for (board->flash_size);

      if (layouts == NULL)
        return FALSE;
      return found (arduino_fs_start (layouts->flash_kib, layouts->fs_kib[0]),
                    SF_FILE_PLACE_FROM_BOARD,
                    _("the file system of the Arduino core’s default layout for this flash"),
                    out);
    }

  if (have_hint)
    return found (hint.value, SF_FILE_PLACE_FROM_NAME, hint.reason, out);
  if (data_subtype != 0)
    return FALSE;

  if (info != NULL && info->kind != SF_IMAGE_KIND_RAW)
    return found (sf_image_suggest_address (info, board->chip), SF_FILE_PLACE_FROM_CONTENT,
                  sf_image_kind_to_string (info->kind), out);

  /* Data of unknown content: an ESP8266's firmware starts at 0x0, an
   * ESP32's bootloader sits there or just after. */
  if (board->chip == SF_CHIP_ESP8266 || board->chip == SF_CHIP_AUTO)
    return found (0x0, SF_FILE_PLACE_FROM_CONTENT, _("the start of the flash"), out);
  return FALSE;
}

/* ---- Every place ------------------------------------------------------ */

static gint
compare_places (gconstpointer a,
                gconstpointer b)
{
  const SfFilePlace *pa = *(const SfFilePlace * const *) a;
  const SfFilePlace *pb = *(const SfFilePlace * const *) b;

  return pa->address < pb->address ? -1 : pa->address > pb->address;
}

static void
add_arduino_places (GPtrArray *places,
                    guint32    flash_size)
{
  for (guint i = 0; i < G_N_ELEMENTS (arduino_layouts); i++)
    {
      const ArduinoLayouts *layouts = &arduino_layouts[i];
      g_autofree char *flash = NULL;

      if (flash_size != 0 && layouts->flash_kib * KIB != flash_size)
        continue;
      flash = g_format_size_full ((guint64) layouts->flash_kib * KIB, G_FORMAT_SIZE_IEC_UNITS);
      for (guint j = 0; j < G_N_ELEMENTS (layouts->fs_kib) && layouts->fs_kib[j] != 0; j++)
        {
          g_autofree char *fs = g_format_size_full ((guint64) layouts->fs_kib[j] * KIB,
                                                    G_FORMAT_SIZE_IEC_UNITS);

          add_place (places, arduino_fs_start (layouts->flash_kib, layouts->fs_kib[j]),
                     /* Translators: a place in the flash; the first %s is the
                      * flash size, the second the file system's, "4.0 MiB",
                      * "2.0 MiB". */
                     j == 0 ? g_strdup_printf (_("file system, Arduino layout for %s flash with "
                                                 "%s of it (the default)"), flash, fs)
                            : g_strdup_printf (_("file system, Arduino layout for %s flash with "
                                                 "%s of it"), flash, fs));
        }
    }
}

static void
add_table_places (GPtrArray         *places,
                  const SfBoardLayout *board)
{
  guint n = sf_partition_table_get_n_partitions (board->table);

  for (guint i = 0; i < n; i++)
    {
      const SfPartition *partition = sf_partition_table_get_partition (board->table, i);
      g_autofree char *name = sf_partition_get_display_name (partition);
      g_autofree char *type = sf_partition_type_name (partition->type);
      g_autofree char *subtype = sf_partition_subtype_name (partition->type, partition->subtype);

      /* Translators: a partition in a list of places: its name, type and
       * subtype, "app0 (app, ota_0)"; the second form is the app that
       * starts. */
      add_place (places, partition->offset,
                 board->boot_index == (int) i
                 ? g_strdup_printf (_("%s (%s, %s), the app that starts"), name, type, subtype)
                 : g_strdup_printf (_("%s (%s, %s)"), name, type, subtype));
    }
}

GPtrArray *
sf_file_places_list (const SfBoardLayout *board)
{
  GPtrArray *places = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_file_place_free);

  g_return_val_if_fail (board != NULL, places);

  if (board->chip == SF_CHIP_AUTO)
    return places;

  if (board->chip == SF_CHIP_ESP8266)
    {
      add_place (places, 0x0, g_strdup (_("firmware (Arduino, NodeMCU and the SDKs start "
                                          "it here)")));
      add_arduino_places (places, board->flash_size);
      if (board->flash_size > 16 * KIB)
        add_place (places, board->flash_size - 16 * KIB,
                   g_strdup (_("RF init data (esp_init_data_default.bin)")));
    }
  else
    {
      add_place (places, sf_chip_get_bootloader_offset (board->chip), g_strdup (_("bootloader")));
      add_place (places, table_offset (board), g_strdup (_("partition table")));
      if (board->table != NULL)
        add_table_places (places, board);
      else
        add_place (places, 0x10000, g_strdup (_("app (its usual place)")));
    }
  g_ptr_array_sort (places, compare_places);
  return places;
}
