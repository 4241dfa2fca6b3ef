/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-flasher-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"
#include "sf-write-check.h"

/* What is on the board, before anything is written to it: its partition
 * table, the app otadata says boots, the checks before a write, and the
 * backup of what a write is about to replace. */

static guint32
table_offset_or_default (guint32 offset)
{
  return offset != 0 ? offset : SF_PARTITION_TABLE_DEFAULT_OFFSET;
}

static GBytes *
read_bytes (SfFlasher     *self,
            guint32        address,
            guint32        size,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  if (!sf_flasher_read_flash (self, address, size, memory, cancellable, error) ||
      !g_output_stream_close (memory, cancellable, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

SfPartitionTable *
sf_flasher_read_partition_table (SfFlasher     *self,
                                 guint32        offset,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  SfPartitionTable *table;
  guint32 flash_size;

  g_return_val_if_fail (SF_IS_FLASHER (self), NULL);

  offset = table_offset_or_default (offset);
  if (!sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return NULL;
  if (offset % SF_FLASH_SECTOR_SIZE != 0 ||
      (guint64) offset + SF_PARTITION_TABLE_MAX_LENGTH > flash_size)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("A partition table cannot be at 0x%x: it starts on a 4 KiB boundary "
                     "inside the flash. ESP-IDF puts it at 0x8000 unless the project moves it."),
                   offset);
      return NULL;
    }

  if (!(bytes = read_bytes (self, offset, SF_PARTITION_TABLE_MAX_LENGTH, cancellable, error)))
    return NULL;
  if (!(table = sf_partition_table_parse_binary (bytes, &local_error)))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("The board’s partition table at 0x%x: "), offset);
      return NULL;
    }
  return table;
}

static char *
partition_names (SfPartitionTable *table)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < sf_partition_table_get_n_partitions (table); i++)
    {
      g_autofree char *name = sf_partition_get_display_name (sf_partition_table_get_partition (table, i));

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", name);
    }
  return g_string_free (names, FALSE);
}

gboolean
sf_flasher_find_partition (SfFlasher     *self,
                           guint32        table_offset,
                           const char    *name,
                           SfPartition   *out_partition,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(SfPartitionTable) table = NULL;
  const SfPartition *partition;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (name != NULL && out_partition != NULL, FALSE);

  if (!(table = sf_flasher_read_partition_table (self, table_offset, cancellable, error)))
    return FALSE;
  if (!(partition = sf_partition_table_find (table, name)))
    {
      g_autofree char *names = partition_names (table);

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("The board’s partition table has no partition named “%s”. "
                     "It has: %s."), name, names);
      return FALSE;
    }
  *out_partition = *partition;
  return TRUE;
}

gboolean
sf_flasher_read_boot_partition (SfFlasher         *self,
                                SfPartitionTable  *table,
                                int               *out_index,
                                GCancellable      *cancellable,
                                GError           **error)
{
  const SfPartition *otadata;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (SF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (table != NULL && out_index != NULL, FALSE);

  otadata = sf_partition_table_find_type (table, SF_PARTITION_TYPE_DATA, SF_PARTITION_SUBTYPE_DATA_OTA);
  if (otadata == NULL || otadata->size == 0)
    {
      /* Without otadata, the bootloader starts the factory app, or else
       * the first app there is. */
      *out_index = -1;
      for (guint i = 0; i < sf_partition_table_get_n_partitions (table) && *out_index < 0; i++)
        {
          const SfPartition *p = sf_partition_table_get_partition (table, i);

          if (p->type == SF_PARTITION_TYPE_APP && p->subtype == SF_PARTITION_SUBTYPE_APP_FACTORY)
            *out_index = (int) i;
        }
      for (guint i = 0; i < sf_partition_table_get_n_partitions (table) && *out_index < 0; i++)
        if (sf_partition_table_get_partition (table, i)->type == SF_PARTITION_TYPE_APP)
          *out_index = (int) i;
      return TRUE;
    }
  if (!(bytes = read_bytes (self, otadata->offset, MIN (otadata->size, 2 * SF_FLASH_SECTOR_SIZE),
                            cancellable, error)))
    return FALSE;
  return sf_otadata_get_boot_partition (bytes, table, out_index, error);
}

/* The board's table, or NULL when it has none or it cannot be read (an
 * ESP8266 running without a table, a loader that cannot read): the checks
 * then go by the chip alone. Only a failing link is an error. */
static gboolean
board_table (SfFlasher          *self,
             guint32             offset,
             SfPartitionTable  **out_table,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  *out_table = sf_flasher_read_partition_table (self, offset, cancellable, &local_error);
  if (*out_table != NULL)
    return TRUE;
  if (local_error->domain == SF_PARTITION_TABLE_ERROR ||
      g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED) ||
      g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT))
    {
      g_debug ("No partition table to check against: %s", local_error->message);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

GPtrArray *
sf_flasher_check_write (SfFlasher             *self,
                        const SfFlashRegion   *regions,
                        guint                  n_regions,
                        const SfWriteOptions  *options,
                        GCancellable          *cancellable,
                        GError               **error)
{
  static const SfWriteOptions defaults = { 0 };
  g_auto(SfChipDetails) details = { 0 };
  g_autoptr(SfPartitionTable) table = NULL;
  SfWriteCheckBoard board = { 0 };

  g_return_val_if_fail (SF_IS_FLASHER (self), NULL);

  if (options == NULL)
    options = &defaults;
  if (!sf_flasher_read_chip_details (self, &details, cancellable, error) ||
      !sf_flasher_get_flash_size (self, &board.flash_size, cancellable, error) ||
      !board_table (self, options->partition_table_offset, &table, cancellable, error))
    return NULL;

  board.details = &details;
  board.flash_size_assumed = self->flash_size_assumed;
  board.partitions = table;
  board.partition_table_offset = table_offset_or_default (options->partition_table_offset);
  board.flash_mode = options->flash_mode;
  return sf_write_check (&board, regions, n_regions);
}

/* The sectors @regions will cover, as one span: a backup is one file, and
 * what lies between the files is kept too, so that writing the backup back
 * restores every byte the write could have touched. */
static void
overwritten_span (const SfFlashRegion *regions,
                  guint                n_regions,
                  guint32              flash_size,
                  guint32             *out_address,
                  guint32             *out_size)
{
  guint64 start = G_MAXUINT64, end = 0;

  for (guint i = 0; i < n_regions; i++)
    {
      start = MIN (start, regions[i].address);
      end = MAX (end, (guint64) regions[i].address + g_bytes_get_size (regions[i].data));
    }
  start -= start % SF_FLASH_SECTOR_SIZE;
  end = MIN ((end + SF_FLASH_SECTOR_SIZE - 1) / SF_FLASH_SECTOR_SIZE * SF_FLASH_SECTOR_SIZE,
             (guint64) flash_size);
  *out_address = (guint32) start;
  *out_size = end > start ? (guint32) (end - start) : 0;
}

char *
sf_flasher_backup (SfFlasher            *self,
                   const SfFlashRegion  *regions,
                   guint                 n_regions,
                   SfBackupScope         scope,
                   const char           *dir,
                   GCancellable         *cancellable,
                   GError              **error)
{
  g_auto(SfChipDetails) details = { 0 };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *mac = NULL;
  g_autofree char *path = NULL;
  g_autofree char *size_text = NULL;
  guint32 flash_size, address = 0, size = 0;

  g_return_val_if_fail (SF_IS_FLASHER (self), NULL);
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (scope != SF_BACKUP_NONE, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO,
                   _("The backup folder %s does not exist. Create it, or choose another "
                     "folder for backups. Nothing was written to the board."), dir);
      return NULL;
    }

  if (!sf_flasher_read_chip_details (self, &details, cancellable, error) ||
      !sf_flasher_get_flash_size (self, &flash_size, cancellable, error))
    return NULL;

  if (scope == SF_BACKUP_WHOLE_FLASH)
    size = flash_size;
  else
    overwritten_span (regions, n_regions, flash_size, &address, &size);
  if (size == 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("There is nothing to back up: the files lie outside the flash."));
      return NULL;
    }

  /* The name carries what a restore needs: the board it came from and the
   * address it goes back to. Two backups within one second get a count. */
  mac = g_strdup_printf ("%02x%02x%02x%02x%02x%02x", details.mac[0], details.mac[1],
                         details.mac[2], details.mac[3], details.mac[4], details.mac[5]);
  for (guint n = 1; path == NULL || g_file_test (path, G_FILE_TEST_EXISTS); n++)
    {
      g_autofree char *name = NULL;

      g_clear_pointer (&path, g_free);
      if (n == 1)
        name = g_strdup_printf ("sparkflash-backup-%s-%s-%s-0x%x.bin",
                                sf_chip_get_id_name (details.chip), mac, stamp, address);
      else
        name = g_strdup_printf ("sparkflash-backup-%s-%s-%s-%u-0x%x.bin",
                                sf_chip_get_id_name (details.chip), mac, stamp, n, address);
      path = g_build_filename (dir, name, NULL);
    }

  size_text = sf_format_size (size);
  _sf_flasher_log (self, _("Backing up 0x%x–0x%x (%s) to %s…"),
                   address, address + size, size_text, path);
  /* Read like any read into a file: into a temporary file that becomes
   * the backup only once every block arrived and matched its MD5. */
  if (!sf_flasher_read_flash_to_file (self, address, size, path, cancellable, error))
    {
      g_prefix_error (error, _("The backup failed, so nothing was written to the board: "));
      return NULL;
    }
  _sf_flasher_log (self, _("Backup saved and verified by MD5: %s"), path);
  return g_steal_pointer (&path);
}
