/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flash-job"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-flash-job-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"
#include "sf-write-check.h"

/* The ESP8266 SDKs keep their system parameters, the Wi-Fi settings among
 * them, in the flash's last four sectors, with the RF init data: erasing
 * them makes the firmware start as on its first boot. */
#define ESP8266_SDK_PARAMS_SIZE 0x4000

static void G_GNUC_PRINTF (2, 3)
job_log (SfFlashJob *self,
         const char *format,
         ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s", line);
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->pending_lines, line);
  _sf_flash_job_schedule_flush_locked (self);
  g_mutex_unlock (&self->mutex);
}

static gboolean
read_table (SfFlashJob     *self,
            SfFlasher      *flasher,
            GCancellable   *cancellable,
            GError        **error)
{
  SfPartitionTable *table;

  if (self->table != NULL)
    return TRUE;
  table = sf_flasher_read_partition_table (flasher, self->options.partition_table_offset,
                                           cancellable, error);
  if (table == NULL)
    return FALSE;
  g_mutex_lock (&self->mutex);
  self->table = table;
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

gboolean
_sf_flash_job_resolve_partition (SfFlashJob     *self,
                                 SfFlasher      *flasher,
                                 SfFlashRegion  *regions,
                                 guint32        *address,
                                 guint32        *size,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  SfPartition partition;

  if (self->partition == NULL)
    return TRUE;
  if (!sf_flasher_find_partition (flasher, self->options.partition_table_offset, self->partition,
                                  &partition, cancellable, error))
    return FALSE;

  *address = partition.offset;
  *size = partition.size;
  if (self->kind == SF_JOB_WRITE)
    {
      if (self->regions->len != 1)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("One file goes into a partition; %u were given."), self->regions->len);
          return FALSE;
        }
      regions[0].address = partition.offset;
    }
  return TRUE;
}

/* Worker thread: hands @concerns to the main thread and waits for the
 * answer, or for the job to be cancelled. */
static gboolean
ask (SfFlashJob    *self,
     GPtrArray     *concerns,
     GCancellable  *cancellable)
{
  gboolean go_ahead;

  g_mutex_lock (&self->mutex);
  self->answer = -1;
  g_clear_pointer (&self->concerns, g_ptr_array_unref);
  self->concerns = g_ptr_array_ref (concerns);
  _sf_flash_job_schedule_flush_locked (self);
  while (self->answer < 0 && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->cond, &self->mutex, g_get_monotonic_time () + G_TIME_SPAN_SECOND / 10);
  go_ahead = self->answer == 1;
  g_mutex_unlock (&self->mutex);
  return go_ahead;
}

gboolean
_sf_flash_job_write (SfFlashJob     *self,
                     SfFlasher      *flasher,
                     SfFlashRegion  *regions,
                     guint           n_regions,
                     GCancellable   *cancellable,
                     GError        **error)
{
  SfWriteOptions options = self->options;
  gboolean ok;

  if (!options.force)
    {
      g_autoptr(GPtrArray) concerns = sf_flasher_check_write (flasher, regions, n_regions,
                                                               &options, cancellable, error);

      if (concerns == NULL)
        return FALSE;
      if (concerns->len > 0)
        {
          g_autofree char *list = sf_write_concerns_format (concerns);

          if (!ask (self, concerns, cancellable))
            {
              if (g_cancellable_set_error_if_cancelled (cancellable, error))
                return FALSE;
              g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NOT_CONFIRMED,
                           _("Nothing was written: the checks before writing found this.\n%s"),
                           list);
              return FALSE;
            }
          job_log (self, _("Writing anyway, as confirmed."));
        }
      options.force = TRUE;
    }

  ok = sf_flasher_write_flash (flasher, regions, n_regions, &options, cancellable, error);
  g_mutex_lock (&self->mutex);
  g_free (self->backup_path);
  self->backup_path = g_strdup (sf_flasher_get_backup_path (flasher));
  g_mutex_unlock (&self->mutex);
  return ok;
}

gboolean
_sf_flash_job_read_partitions (SfFlashJob     *self,
                               SfFlasher      *flasher,
                               GCancellable   *cancellable,
                               GError        **error)
{
  int boot = -1;

  if (!read_table (self, flasher, cancellable, error) ||
      !sf_flasher_read_boot_partition (flasher, self->table, &boot, cancellable, error))
    return FALSE;
  g_mutex_lock (&self->mutex);
  self->boot_partition = boot;
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

/* Chip info also tells what is on an ESP32-family board besides its chip,
 * its partition table and the app that starts, for the window to place
 * files by. A board without a table (blank, or a table it cannot read) is
 * no failure, only a line in the log; the link's errors are. */
gboolean
_sf_flash_job_learn_board (SfFlashJob     *self,
                           SfFlasher      *flasher,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (sf_flasher_get_chip (flasher) == SF_CHIP_ESP8266)
    return TRUE;
  if (_sf_flash_job_read_partitions (self, flasher, cancellable, &local_error))
    return TRUE;
  if (local_error->domain != SF_PARTITION_TABLE_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  job_log (self, "%s", local_error->message);
  return TRUE;
}

gboolean
_sf_flash_job_erase_wifi (SfFlashJob     *self,
                          SfFlasher      *flasher,
                          GCancellable   *cancellable,
                          GError        **error)
{
  const SfPartition *nvs;
  guint32 flash_size;

  if (sf_flasher_get_chip (flasher) == SF_CHIP_ESP8266)
    {
      if (!sf_flasher_get_flash_size (flasher, &flash_size, cancellable, error))
        return FALSE;
      if (!sf_flasher_erase_region (flasher, flash_size - ESP8266_SDK_PARAMS_SIZE,
                                    ESP8266_SDK_PARAMS_SIZE, cancellable, error))
        return FALSE;
      /* The same sectors hold the RF init data, which not every firmware
       * writes back by itself. */
      job_log (self, _("Wi-Fi settings erased (0x%x–0x%x). Should the board then stop at "
                       "boot with “rf_cal[0] !=0x05”, write your firmware’s "
                       "esp_init_data_default.bin at 0x%x."),
               flash_size - ESP8266_SDK_PARAMS_SIZE, flash_size,
               flash_size - ESP8266_SDK_PARAMS_SIZE);
      return TRUE;
    }

  /* The ESP32 family keeps Wi-Fi settings in the NVS partition. */
  if (!read_table (self, flasher, cancellable, error))
    return FALSE;
  nvs = sf_partition_table_find_type (self->table, SF_PARTITION_TYPE_DATA, SF_PARTITION_SUBTYPE_DATA_NVS);
  if (nvs == NULL)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("The board’s partition table has no NVS partition, where ESP-IDF "
                     "keeps Wi-Fi settings: there are none to erase."));
      return FALSE;
    }
  if (!sf_flasher_erase_region (flasher, nvs->offset, nvs->size, cancellable, error))
    return FALSE;
  job_log (self, _("Wi-Fi settings erased: the NVS partition (0x%x–0x%x) is empty."),
           nvs->offset, nvs->offset + nvs->size);
  return TRUE;
}
