/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-write-check"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-chip.h"
#include "sf-image.h"
#include "sf-units.h"
#include "sf-write-check.h"

void
sf_write_concern_free (SfWriteConcern *concern)
{
  if (concern == NULL)
    return;
  g_free (concern->message);
  g_free (concern);
}

static void G_GNUC_PRINTF (4, 5)
add_concern (GPtrArray          *concerns,
             SfWriteConcernKind  kind,
             int                 region,
             const char         *format,
             ...)
{
  SfWriteConcern *concern = g_new0 (SfWriteConcern, 1);
  va_list args;

  va_start (args, format);
  concern->kind = kind;
  concern->region = region;
  concern->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (concerns, concern);
}

static const char *
region_name (const SfFlashRegion *region)
{
  return region->name != NULL ? region->name : _("The data");
}

static gboolean
covers (const SfFlashRegion *region,
        guint32              address)
{
  guint64 end = (guint64) region->address + g_bytes_get_size (region->data);

  return region->address <= address && address < end;
}

/* What the bytes of @region that land at @address are, or RAW when they
 * are nothing known. */
static SfImageKind
kind_at (const SfFlashRegion *region,
         guint32              address)
{
  g_autoptr(GBytes) tail = NULL;
  SfImageInfo info;
  gsize size = g_bytes_get_size (region->data);
  gsize skip = address - region->address;

  tail = g_bytes_new_from_bytes (region->data, skip, size - skip);
  if (!sf_image_parse (tail, &info, NULL))
    return SF_IMAGE_KIND_RAW;
  return info.kind;
}

static gboolean
is_esp32_family (const SfWriteCheckBoard *board)
{
  return board->details->chip != SF_CHIP_ESP8266;
}

static void
check_security (const SfWriteCheckBoard *board,
                GPtrArray               *concerns)
{
  if (board->details->secure_boot)
    add_concern (concerns, SF_WRITE_CONCERN_SECURE_BOOT, -1,
                 _("Secure boot is on in this board’s eFuses: it only starts software "
                   "signed with its key. Unsigned firmware will not start, and writing "
                   "over the bootloader can leave the board unable to start at all. "
                   "Write only images signed for this board."));
  if (board->details->flash_encryption)
    add_concern (concerns, SF_WRITE_CONCERN_FLASH_ENCRYPTION, -1,
                 _("Flash encryption is on in this board’s eFuses: it expects encrypted "
                   "flash, and plain firmware written now will not start. Write images "
                   "encrypted for this board, or use the tools of its firmware’s build."));
}

static void
check_image (const SfWriteCheckBoard *board,
             const SfFlashRegion     *region,
             int                      index,
             GPtrArray               *concerns)
{
  const SfChipDetails *details = board->details;
  SfImageInfo info;
  guint8 mode;

  if (!sf_image_parse (region->data, &info, NULL) || info.kind == SF_IMAGE_KIND_RAW ||
      info.kind == SF_IMAGE_KIND_PARTITION_TABLE)
    return;

  if (info.chip != SF_CHIP_AUTO && info.chip != details->chip)
    {
      add_concern (concerns, SF_WRITE_CONCERN_WRONG_CHIP, index,
                   _("%s is firmware for an %s, but the board is an %s: it will not start. "
                     "Choose the file built for %s."),
                   region_name (region), sf_chip_get_name (info.chip),
                   sf_chip_get_name (details->chip), sf_chip_get_name (details->chip));
      return;
    }

  /* Header revisions count major * 100 + minor; a maximum of 0 or 0xFFFF
   * means none was set. The ESP8266 has no revisions to check. */
  if (details->chip != SF_CHIP_ESP8266 && info.has_extended_header)
    {
      gboolean has_max = info.max_revision != 0 && info.max_revision != 0xFFFF;

      if (details->revision < info.min_revision)
        add_concern (concerns, SF_WRITE_CONCERN_CHIP_REVISION, index,
                     _("%s needs chip revision v%u.%u or newer, but this %s is revision "
                       "v%u.%u: it will not start. Build it for the older revision, or "
                       "use a newer board."),
                     region_name (region), info.min_revision / 100, info.min_revision % 100,
                     sf_chip_get_name (details->chip),
                     details->revision / 100, details->revision % 100);
      else if (has_max && details->revision > info.max_revision)
        add_concern (concerns, SF_WRITE_CONCERN_CHIP_REVISION, index,
                     _("%s runs on chip revisions up to v%u.%u, but this %s is revision "
                       "v%u.%u: it will not start. Build it for this revision."),
                     region_name (region), info.max_revision / 100, info.max_revision % 100,
                     sf_chip_get_name (details->chip),
                     details->revision / 100, details->revision % 100);
    }

  /* The flash mode in the header of what boots first decides how the ROM
   * reads the flash. An ESP8285's embedded flash is wired for DOUT alone. */
  if (details->is_esp8285 && region->address == 0 &&
      (info.kind == SF_IMAGE_KIND_APP || info.kind == SF_IMAGE_KIND_BOOTLOADER ||
       info.kind == SF_IMAGE_KIND_ESP8266_V2))
    {
      mode = info.flash_mode;
      if (board->flash_mode != NULL && g_ascii_strcasecmp (board->flash_mode, "keep") != 0)
        sf_image_flash_mode_from_name (board->flash_mode, &mode);
      if (mode != 3)
        add_concern (concerns, SF_WRITE_CONCERN_FLASH_MODE, index,
                     _("%s sets flash mode %s, but this board is an ESP8285, whose "
                       "built-in flash works in DOUT mode only: it will not start. Write "
                       "it with flash mode DOUT (--flash_mode dout), or build it for DOUT."),
                     region_name (region),
                     sf_image_flash_mode_name (mode) != NULL ? sf_image_flash_mode_name (mode) : "?");
    }
}

static void
check_size (const SfWriteCheckBoard *board,
            SfPartitionTable        *table,
            const SfFlashRegion     *region,
            int                      index,
            GPtrArray               *concerns)
{
  guint64 end = (guint64) region->address + g_bytes_get_size (region->data);
  const SfPartition *partition;

  if (board->flash_size_assumed && board->flash_size != 0 && end > board->flash_size)
    {
      g_autofree char *flash = sf_format_size (board->flash_size);
      /* As text: no 64-bit format macro inside _(). */
      g_autofree char *end_text = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", end);

      add_concern (concerns, SF_WRITE_CONCERN_LARGER_THAN_FLASH, index,
                   _("%s ends at %s, past %s, and the flash chip did "
                     "not tell its size, so it is taken to be %s. Should it be smaller, the "
                     "bytes past its end would wrap around onto its start, over the "
                     "bootloader. Go on only if you know the flash is large enough."),
                   region_name (region), end_text, flash, flash);
      return;
    }

  /* Only a file that starts where a partition starts is meant for it; a
   * merged image or a backup covers several on purpose. */
  if (table == NULL || (partition = sf_partition_table_find_at (table, region->address)) == NULL ||
      partition->offset != region->address)
    return;
  if (end > (guint64) partition->offset + partition->size)
    {
      g_autofree char *name = sf_partition_get_display_name (partition);
      g_autofree char *have = sf_format_size (partition->size);
      g_autofree char *need = sf_format_size (g_bytes_get_size (region->data));

      add_concern (concerns, SF_WRITE_CONCERN_LARGER_THAN_PARTITION, index,
                   _("%s (%s) is larger than the partition “%s” it goes into (%s): "
                     "its end would overwrite the next partition. Choose a partition "
                     "table with room for it, or a smaller build."),
                   region_name (region), need, name, have);
    }
}

static void
check_placement (const SfWriteCheckBoard *board,
                 const SfFlashRegion     *region,
                 int                      index,
                 GPtrArray               *concerns)
{
  guint32 bootloader = sf_chip_get_bootloader_offset (board->details->chip);
  guint32 table = board->partition_table_offset;
  SfImageKind kind;

  /* On an ESP8266 the image at 0x0 is the firmware itself, boot code and
   * all, so there is no separate bootloader to protect. */
  if (!is_esp32_family (board))
    {
      if (board->partitions != NULL && covers (region, table) &&
          kind_at (region, table) != SF_IMAGE_KIND_PARTITION_TABLE &&
          region->address != 0)
        add_concern (concerns, SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE, index,
                     _("%s covers 0x%x, where this board keeps its partition table, with "
                       "something else: the firmware on it will not find its partitions. "
                       "Check the address."),
                     region_name (region), table);
      return;
    }

  kind = region->address == 0 ? kind_at (region, 0) : SF_IMAGE_KIND_RAW;
  if (region->address == 0 && kind == SF_IMAGE_KIND_RAW)
    {
      add_concern (concerns, SF_WRITE_CONCERN_UNKNOWN_AT_ZERO, index,
                   _("%s is not a firmware image Sparkflash knows, yet it goes to 0x0: on "
                     "an %s that is where the bootloader area starts. An app goes to 0x%x, "
                     "a bootloader to 0x%x; a file for 0x0 is a merged image. Check the "
                     "address."),
                   region_name (region), sf_chip_get_name (board->details->chip),
                   board->partitions != NULL &&
                   sf_partition_table_find_type (board->partitions, 0x00, 0xFF) != NULL ?
                     sf_partition_table_find_type (board->partitions, 0x00, 0xFF)->offset : 0x10000u,
                   bootloader);
      return;
    }

  if (covers (region, bootloader))
    {
      kind = kind_at (region, bootloader);
      if (kind != SF_IMAGE_KIND_BOOTLOADER && kind != SF_IMAGE_KIND_MERGED)
        add_concern (concerns, SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER, index,
                     _("%s covers 0x%x, where the %s’s bootloader lives, but it has no "
                       "bootloader there: the board will not start. Check the address: "
                       "an app goes to 0x10000."),
                     region_name (region), bootloader, sf_chip_get_name (board->details->chip));
      return;
    }

  if (covers (region, table) && kind_at (region, table) != SF_IMAGE_KIND_PARTITION_TABLE)
    add_concern (concerns, SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE, index,
                 _("%s covers 0x%x, where the partition table lives, with something "
                   "else: the bootloader will not find the app. Check the address."),
                 region_name (region), table);
}

/* The table that will be in force after the write: one written along
 * with it wins over the board's. */
static SfPartitionTable *
table_after_write (const SfWriteCheckBoard *board,
                   const SfFlashRegion     *regions,
                   guint                    n_regions)
{
  for (guint i = 0; i < n_regions; i++)
    if (covers (&regions[i], board->partition_table_offset))
      {
        gsize skip = board->partition_table_offset - regions[i].address;
        g_autoptr(GBytes) tail = g_bytes_new_from_bytes (regions[i].data, skip,
                                                         g_bytes_get_size (regions[i].data) - skip);
        SfPartitionTable *table = sf_partition_table_parse_binary (tail, NULL);

        if (table != NULL)
          return table;
      }
  return board->partitions != NULL ? sf_partition_table_ref (board->partitions) : NULL;
}

GPtrArray *
sf_write_check (const SfWriteCheckBoard *board,
                const SfFlashRegion     *regions,
                guint                    n_regions)
{
  GPtrArray *concerns = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_write_concern_free);
  g_autoptr(SfPartitionTable) table = NULL;

  g_return_val_if_fail (board != NULL && board->details != NULL, concerns);

  check_security (board, concerns);
  table = table_after_write (board, regions, n_regions);
  for (guint i = 0; i < n_regions; i++)
    {
      guint before = concerns->len;

      check_image (board, &regions[i], (int) i, concerns);
      /* One thing wrong with a file is enough to stop and look. */
      if (concerns->len == before)
        check_size (board, table, &regions[i], (int) i, concerns);
      if (concerns->len == before)
        check_placement (board, &regions[i], (int) i, concerns);
    }
  return concerns;
}

char *
sf_write_concerns_format (GPtrArray *concerns)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; concerns != NULL && i < concerns->len; i++)
    {
      const SfWriteConcern *concern = g_ptr_array_index (concerns, i);

      g_string_append_printf (s, "%s• %s", i > 0 ? "\n" : "", concern->message);
    }
  return g_string_free (s, FALSE);
}
