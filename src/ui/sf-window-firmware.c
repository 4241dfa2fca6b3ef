/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-build-files.h"
#include "sf-units.h"
#include "sf-window-private.h"

/* The firmware list: each row checks its own file; here the rows are
 * checked against each other, the chip and the flash, and the list is
 * kept in GSettings so it is there again on the next start. */

GPtrArray *
_sf_window_collect_rows (SfWindow *self)
{
  GPtrArray *rows = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->firmware_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (SF_IS_FIRMWARE_ROW (child))
      g_ptr_array_add (rows, child);
  return rows;
}

static SfChip
chosen_chip (SfWindow *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "chip");
  SfChip chip = SF_CHIP_AUTO;

  if (self->have_details)
    return self->details.chip;
  if (!sf_chip_from_name (name, &chip))
    chip = SF_CHIP_AUTO;
  return chip;
}

static gboolean
save_rows_idle (gpointer data)
{
  SfWindow *self = data;
  g_autoptr(GPtrArray) rows = _sf_window_collect_rows (self);
  GVariantBuilder builder;

  self->save_source = 0;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssb)"));
  for (guint i = 0; i < rows->len; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);
      GFile *file = sf_firmware_row_get_file (row);
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path == NULL)
        continue;
      g_variant_builder_add (&builder, "(ssb)", path, sf_firmware_row_get_address_text (row),
                             sf_firmware_row_get_enabled (row));
    }
  g_settings_set_value (self->settings, "firmware", g_variant_builder_end (&builder));
  return G_SOURCE_REMOVE;
}

static void
schedule_save_rows (SfWindow *self)
{
  if (self->restoring || self->save_source != 0)
    return;
  self->save_source = g_idle_add (save_rows_idle, self);
}

/* Shows what the bootloader header says, and flags options that would
 * rewrite it. */
static void
update_header_options (SfWindow  *self,
                       GPtrArray *rows)
{
  g_autofree char *name = NULL;
  g_autofree char *changes = NULL;
  SfFirmwareRow *boot_row = NULL;
  const SfImageInfo *info = NULL;
  SfChip chip = SF_CHIP_AUTO;

  for (guint i = 0; i < rows->len && boot_row == NULL; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);
      const SfImageInfo *row_info = sf_firmware_row_get_image_info (row);
      guint32 address;

      sf_firmware_row_set_note (row, NULL);
      if (!sf_firmware_row_get_enabled (row) || row_info == NULL ||
          !sf_firmware_row_get_address (row, &address))
        continue;
      chip = row_info->chip != SF_CHIP_AUTO ? row_info->chip : chosen_chip (self);
      if ((row_info->kind == SF_IMAGE_KIND_BOOTLOADER || row_info->kind == SF_IMAGE_KIND_MERGED) &&
          address == sf_chip_get_bootloader_offset (chip))
        {
          boot_row = row;
          info = row_info;
        }
    }

  if (boot_row != NULL)
    name = sf_firmware_row_dup_display_name (boot_row);
  changes = sf_options_popover_show_header (self->options_popover, name, info, chip);
  if (changes != NULL)
    {
      g_autofree char *note = g_strdup_printf (_("Header will be rewritten: %s"), changes);

      sf_firmware_row_set_note (boot_row, note);
    }
}

/* A row as the flasher sees it; FALSE for a row that is off or has a
 * problem of its own (no file, no address). */
static gboolean
row_region (SfFirmwareRow  *row,
            SfFlashRegion  *out_region,
            char          **out_name)
{
  if (!sf_firmware_row_get_enabled (row) || sf_firmware_row_get_own_problem (row) != NULL ||
      !sf_firmware_row_get_address (row, &out_region->address))
    return FALSE;
  out_region->data = sf_firmware_row_get_data (row);
  *out_name = sf_firmware_row_dup_display_name (row);
  out_region->name = *out_name;
  return TRUE;
}

/* Checks the rows against each other and the flash size. */
void
_sf_window_validate_rows (SfWindow *self)
{
  g_autoptr(GPtrArray) rows = _sf_window_collect_rows (self);
  guint32 flash_size = self->have_details ? self->details.flash_size : 0;
  guint32 table_offset = g_settings_get_uint (self->settings, "partition-table-offset");
  SfChip chip = chosen_chip (self);

  for (guint i = 0; i < rows->len; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);
      SfFirmwareRowStatus status = SF_FIRMWARE_ROW_OK;
      g_autofree char *message = NULL;
      g_autofree char *name = NULL;
      g_autoptr(GError) error = NULL;
      SfFlashRegion region[2];

      sf_firmware_row_set_chip (row, chip);
      sf_firmware_row_set_flash_size (row, flash_size);
      sf_firmware_row_set_partition_table_offset (row, table_offset);
      sf_firmware_row_set_partition_table (row, self->board_table, self->board_boot);
      if (!row_region (row, &region[0], &name))
        {
          sf_firmware_row_set_problem (row, SF_FIRMWARE_ROW_OK, NULL);
          continue;
        }

      /* The flasher's own rules, one row against the flash, then against
       * each other row: what it would refuse is marked on the row. */
      if (!sf_flasher_check_regions (region, 1, flash_size, &error))
        {
          status = SF_FIRMWARE_ROW_ERROR;
          message = g_strdup (error->message);
        }
      for (guint j = 0; j < rows->len && status != SF_FIRMWARE_ROW_ERROR; j++)
        {
          g_autofree char *other_name = NULL;

          if (j == i || !row_region (g_ptr_array_index (rows, j), &region[1], &other_name))
            continue;
          if (!sf_flasher_check_regions (region, 2, 0, &error))
            {
              status = SF_FIRMWARE_ROW_ERROR;
              message = g_strdup (error->message);
            }
        }

      if (status == SF_FIRMWARE_ROW_OK && region[0].address % SF_FLASH_SECTOR_SIZE != 0)
        {
          status = SF_FIRMWARE_ROW_WARNING;
          message = g_strdup (_("Not on a 4 KiB boundary: the bytes before it in that sector "
                                "are kept, but this address is unusual"));
        }
      sf_firmware_row_set_problem (row, status, message);
    }

  update_header_options (self, rows);
  _sf_window_update_actions (self);
}

/* The first row that stops the enabled files from being written. */
SfFirmwareRow *
_sf_window_first_bad_row (SfWindow  *self,
                          char     **out_message)
{
  g_autoptr(GPtrArray) rows = _sf_window_collect_rows (self);

  for (guint i = 0; i < rows->len; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);
      const char *problem;

      if (!sf_firmware_row_get_enabled (row))
        continue;
      problem = sf_firmware_row_get_own_problem (row);
      if (problem == NULL && sf_firmware_row_get_status (row) == SF_FIRMWARE_ROW_ERROR)
        problem = sf_firmware_row_get_message (row);
      if (problem != NULL)
        {
          g_autofree char *name = sf_firmware_row_dup_display_name (row);

          *out_message = sf_firmware_row_get_file (row) != NULL
                         ? g_strdup_printf ("%s: %s", name, problem)
                         : g_strdup (_("A row has no file yet: choose one, or remove the row."));
          return row;
        }
    }
  return NULL;
}

static void
row_changed_cb (SfWindow      *self,
                SfFirmwareRow *row)
{
  _sf_window_validate_rows (self);
  schedule_save_rows (self);
}

static void
row_remove_cb (SfWindow      *self,
               SfFirmwareRow *row)
{
  if (self->job != NULL)
    return;
  gtk_list_box_remove (self->firmware_list, GTK_WIDGET (row));
  _sf_window_validate_rows (self);
  schedule_save_rows (self);
}

SfFirmwareRow *
_sf_window_add_row (SfWindow   *self,
                    GFile      *file,
                    const char *address,
                    gboolean    enabled)
{
  SfFirmwareRow *row = SF_FIRMWARE_ROW (sf_firmware_row_new ());

  sf_firmware_row_set_chip (row, chosen_chip (self));
  sf_firmware_row_set_flash_size (row, self->have_details ? self->details.flash_size : 0);
  sf_firmware_row_set_partition_table_offset (row, g_settings_get_uint (self->settings,
                                                                       "partition-table-offset"));
  sf_firmware_row_set_partition_table (row, self->board_table, self->board_boot);
  if (address != NULL && *address != '\0')
    sf_firmware_row_set_address_text (row, address);
  sf_firmware_row_set_enabled (row, enabled);
  sf_firmware_row_set_file (row, file);
  g_signal_connect_object (row, "changed", G_CALLBACK (row_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (row_remove_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_append (self->firmware_list, GTK_WIDGET (row));
  _sf_window_validate_rows (self);
  schedule_save_rows (self);
  return row;
}

void
_sf_window_restore_rows (SfWindow *self)
{
  g_autoptr(GVariant) rows = g_settings_get_value (self->settings, "firmware");
  GVariantIter iter;
  const char *path, *address;
  gboolean enabled;

  self->restoring = TRUE;
  g_variant_iter_init (&iter, rows);
  while (g_variant_iter_next (&iter, "(&s&sb)", &path, &address, &enabled))
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      _sf_window_add_row (self, file, address, enabled);
    }
  self->restoring = FALSE;
}

guint
_sf_window_add_folder (SfWindow *self,
                       GFile    *folder)
{
  g_autofree char *path = g_file_get_path (folder);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("Choose a Local Folder"),
                              _("Only a build folder on this computer can be read."),
                              SF_BANNER_ACTION_NONE);
      return 0;
    }
  files = sf_build_files_scan_folder (path, chosen_chip (self), NULL, &error);
  if (files == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_WARNING, _("Nothing to Flash in This Folder"),
                              error->message, SF_BANNER_ACTION_NONE);
      return 0;
    }
  for (guint i = 0; i < files->len; i++)
    {
      const SfBuildFile *build_file = g_ptr_array_index (files, i);
      g_autoptr(GFile) file = g_file_new_for_path (build_file->path);
      g_autofree char *address = g_strdup_printf ("0x%x", build_file->address);

      /* The build said where: as good as typed. */
      _sf_window_add_row (self, file, address, TRUE);
    }
  return files->len;
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         SfWindow      *self)
{
  GSList *files;

  if (self->job != NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    {
      /* A build folder: every file it asks to flash, each at its place. */
      if (g_file_query_file_type (l->data, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        _sf_window_add_folder (self, l->data);
      else
        _sf_window_add_row (self, l->data, NULL, TRUE);
    }
  return files != NULL;
}

void
_sf_window_flush_rows (SfWindow *self)
{
  if (self->save_source != 0)
    {
      g_clear_handle_id (&self->save_source, g_source_remove);
      save_rows_idle (self);
    }
}

void
_sf_window_init_firmware (SfWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

SfFlashJob *
_sf_window_create_write_job (SfWindow  *self,
                             GPtrArray *changed,
                             gboolean   backup)
{
  g_autoptr(GPtrArray) rows = _sf_window_collect_rows (self);
  g_autoptr(SfFlashJob) job = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *mode = NULL, *size = NULL, *freq = NULL;
  g_autofree char *backup_folder = NULL;
  SfFirmwareRow *bad;
  SfWriteOptions options = { 0 };

  /* Pick up firmware rebuilt since it was chosen: each file is read again,
   * whole, and that snapshot is what goes to the board. A file that is
   * gone now stops the flash below, its row saying so. */
  for (guint i = 0; i < rows->len; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);

      if (sf_firmware_row_get_enabled (row) &&
          sf_firmware_row_reload (row) == SF_FIRMWARE_ROW_CHANGED && changed != NULL)
        g_ptr_array_add (changed, sf_firmware_row_dup_display_name (row));
    }
  _sf_window_validate_rows (self);

  bad = _sf_window_first_bad_row (self, &problem);
  if (bad != NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("Check the Firmware List"), problem, SF_BANNER_ACTION_NONE);
      sf_firmware_row_focus_address (bad);
      return NULL;
    }

  job = _sf_window_create_job (self, SF_JOB_WRITE);
  for (guint i = 0; i < rows->len; i++)
    {
      SfFirmwareRow *row = g_ptr_array_index (rows, i);
      g_autofree char *name = NULL;
      guint32 address;

      if (!sf_firmware_row_get_enabled (row) || !sf_firmware_row_get_address (row, &address))
        continue;
      name = sf_firmware_row_dup_display_name (row);
      sf_flash_job_add_region (job, address, sf_firmware_row_get_data (row), name);
    }
  if (sf_flash_job_get_n_regions (job) == 0)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("Nothing to Flash"),
                              _("Add a firmware file, or switch one on."), SF_BANNER_ACTION_NONE);
      return NULL;
    }

  mode = g_settings_get_string (self->settings, "flash-mode");
  size = g_settings_get_string (self->settings, "flash-size");
  freq = g_settings_get_string (self->settings, "flash-freq");
  options.compress = g_settings_get_boolean (self->settings, "compress") ? SF_COMPRESS_AUTO
                                                                          : SF_COMPRESS_OFF;
  options.erase_all = g_settings_get_boolean (self->settings, "erase-all");
  options.partition_table_offset = g_settings_get_uint (self->settings, "partition-table-offset");
  options.flash_mode = g_str_equal (mode, "keep") ? NULL : mode;
  options.flash_size = g_str_equal (size, "keep") ? NULL : size;
  options.flash_freq = g_str_equal (freq, "keep") ? NULL : freq;
  if (backup && !_sf_window_backup_options (self, &options, &backup_folder))
    return NULL;
  sf_flash_job_set_write_options (job, &options);
  return g_steal_pointer (&job);
}
