/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-window"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sf-dialogs.h"
#include "sf-firmware-file.h"
#include "sf-write-check.h"
#include "sf-window-private.h"

/* Looking after what is on the board: the question a write asks when its
 * checks found something, the backup it makes first, and writing a backup
 * back. The job does the work; the window asks, names and offers. */

/* --- checks before writing --------------------------------------------------- */

#define CONCERNS_JOB "sf-window-concerns-job"

static void
concerns_answered_cb (SfConcernsDialog *dialog,
                      gboolean          write,
                      gpointer          user_data)
{
  /* The job the question was about, whatever the window runs now: a
   * late answer to an ended job changes nothing. */
  sf_flash_job_confirm (g_object_get_data (G_OBJECT (dialog), CONCERNS_JOB), write);
}

static void
concerns_dialog_destroy_cb (SfWindow *self)
{
  self->concerns_dialog = NULL;
}

static void
job_concerns_cb (SfWindow   *self,
                 GPtrArray  *concerns,
                 SfFlashJob *job)
{
  g_autofree char *list = sf_write_concerns_format (concerns);

  g_clear_pointer (&self->last_concerns, g_ptr_array_unref);
  self->last_concerns = g_ptr_array_ref (concerns);
  _sf_window_append_log (self, _("The checks before writing found:"));
  _sf_window_append_log (self, list);

  if (self->disposed || self->concerns_answer >= 0)
    {
      sf_flash_job_confirm (job, !self->disposed && self->concerns_answer == 1);
      return;
    }

  _sf_window_close_concerns (self);
  self->concerns_dialog = sf_concerns_dialog_new (GTK_WINDOW (self), concerns);
  g_object_set_data_full (G_OBJECT (self->concerns_dialog), CONCERNS_JOB, g_object_ref (job),
                          g_object_unref);
  g_signal_connect (self->concerns_dialog, "answered", G_CALLBACK (concerns_answered_cb), NULL);
  g_signal_connect_object (self->concerns_dialog, "destroy",
                           G_CALLBACK (concerns_dialog_destroy_cb), self, G_CONNECT_SWAPPED);
  /* The board waits in its loader meanwhile; say so under the bar. */
  _sf_window_set_pulsing (self, TRUE);
  gtk_label_set_text (self->phase_label, _("Waiting for your answer…"));
  gtk_label_set_text (self->percent_label, "");
  gtk_label_set_text (self->progress_detail, _("Nothing has been written yet"));
  gtk_window_present (GTK_WINDOW (self->concerns_dialog));
}

void
_sf_window_watch_concerns (SfWindow   *self,
                           SfFlashJob *job)
{
  g_clear_pointer (&self->last_concerns, g_ptr_array_unref);
  /* Disconnected with the job's other handlers (by data) when it ends. */
  g_signal_connect_swapped (job, "concerns", G_CALLBACK (job_concerns_cb), self);
}

void
_sf_window_close_concerns (SfWindow *self)
{
  if (self->concerns_dialog != NULL)
    sf_concerns_dialog_answer (self->concerns_dialog, FALSE);
}

/* --- backups ------------------------------------------------------------------ */

gboolean
_sf_window_backup_options (SfWindow        *self,
                           SfWriteOptions  *options,
                           char           **out_folder)
{
  g_autofree char *folder = NULL;
  g_autofree char *scope = NULL;

  options->backup = SF_BACKUP_NONE;
  options->backup_dir = NULL;
  if (!g_settings_get_boolean (self->settings, "backup-before-write"))
    return TRUE;

  folder = sf_options_popover_dup_backup_folder (self->settings);
  /* Made on first use, not when the option is turned on: a folder nobody
   * wrote into is clutter. */
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (folder);
      g_autofree char *body = NULL;

      /* Translators: "/home/me/Documents/Sparkflash Backups: Permission denied. …". */
      body = g_strdup_printf (_("%s: %s. Choose another backup folder under Options, or turn "
                                "the backup off there."), display, g_strerror (saved));
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("The Backup Folder Could Not Be Made"),
                              body, SF_BANNER_ACTION_NONE);
      return FALSE;
    }

  scope = g_settings_get_string (self->settings, "backup-scope");
  options->backup = g_str_equal (scope, "whole-flash") ? SF_BACKUP_WHOLE_FLASH
                                                        : SF_BACKUP_OVERWRITTEN;
  options->backup_dir = folder;
  *out_folder = g_steal_pointer (&folder);
  return TRUE;
}

void
_sf_window_note_backup (SfWindow   *self,
                        SfFlashJob *job,
                        GString    *body)
{
  const char *path = sf_flash_job_get_backup_path (job);
  g_autofree char *name = NULL;
  g_autofree char *display = NULL;
  g_autofree char *line = NULL;

  if (path == NULL)
    return;
  name = g_filename_display_basename (path);
  display = g_filename_display_name (path);
  line = g_strdup_printf (_("What the board held before was saved to %s."), display);
  _sf_window_append_log (self, line);

  if (body->len > 0)
    g_string_append_c (body, '\n');
  /* Translators: %s is a file name, sparkflash-backup-esp32-….bin. */
  g_string_append_printf (body, _("What the board held before is saved in %s; Restore a Backup "
                                  "in the main menu writes it back."), name);
  g_free (self->banner_folder);
  self->banner_folder = g_path_get_dirname (path);
}

void
_sf_window_show_backup_folder (SfWindow *self)
{
  g_autoptr(GFile) folder = NULL;

  if (self->banner_folder == NULL)
    return;
  folder = g_file_new_for_path (self->banner_folder);
  sf_dialogs_show_folder (GTK_WINDOW (self), folder);
}

/* --- restoring a backup ---------------------------------------------------------- */

/* The address at the end of a backup's name, "…-0x1000.bin". The names are
 * Sparkflash's own (sf-flasher.h): read here as written there. */
static gboolean
backup_address_from_name (const char *name,
                          guint32    *out_address)
{
  const char *hex;
  const char *end;
  guint64 value = 0;

  if (!g_str_has_prefix (name, "sparkflash-backup-") || !g_str_has_suffix (name, ".bin"))
    return FALSE;
  end = name + strlen (name) - strlen (".bin");
  hex = g_strrstr_len (name, end - name, "-0x");
  if (hex == NULL)
    return FALSE;
  hex += strlen ("-0x");
  if (hex == end || end - hex > 8)
    return FALSE;
  for (const char *p = hex; p < end; p++)
    {
      if (!g_ascii_isxdigit (*p))
        return FALSE;
      value = value * 16 + g_ascii_xdigit_value (*p);
    }
  *out_address = (guint32) value;
  return TRUE;
}

/* What would be lost writing the backup @name to the board last read,
 * when it was saved from another one; NULL when it is the same board (or
 * no board was read yet: the name alone is no reason to ask). */
static char *
describe_other_board (SfWindow   *self,
                      const char *name)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *mac = NULL;
  SfChip chip;

  if (!self->have_details)
    return NULL;
  /* sparkflash-backup-<chip>-<mac>-<date>-<time>[-<n>]-0x<address>.bin */
  parts = g_strsplit (name + strlen ("sparkflash-backup-"), "-", -1);
  if (g_strv_length (parts) < 3)
    return NULL;
  if (sf_chip_from_name (parts[0], &chip) && chip != self->details.chip)
    return g_strdup_printf (_("It was saved from an %s, but this board is an %s: written back, "
                              "it will not start."),
                            sf_chip_get_name (chip), sf_chip_get_name (self->details.chip));
  mac = g_strdup_printf ("%02x%02x%02x%02x%02x%02x", self->details.mac[0], self->details.mac[1],
                         self->details.mac[2], self->details.mac[3], self->details.mac[4],
                         self->details.mac[5]);
  if (strlen (parts[1]) == 12 && g_ascii_strcasecmp (parts[1], mac) != 0)
    return g_strdup (_("It was saved from another board (see the MAC address in its name): "
                       "that board’s settings, Wi-Fi passwords and calibration would replace "
                       "this one’s."));
  return NULL;
}

typedef struct
{
  SfWindow *window;
  GFile    *file;
  guint32   address;
  GBytes   *data;
} Restore;

static void
restore_free (Restore *restore)
{
  g_object_unref (restore->window);
  g_object_unref (restore->file);
  g_bytes_unref (restore->data);
  g_free (restore);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Restore, restore_free)

static void
start_restore (SfWindow *self,
               GFile    *file,
               guint32   address,
               GBytes   *data)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *folder = NULL;
  g_autofree char *line = NULL;
  g_autoptr(SfFlashJob) job = NULL;
  SfWriteOptions options = { 0 };

  /* Byte for byte: no header rewrite, no erasing beyond the file. A
   * backup of what is there now first, if so set: the wrong backup is
   * then undone as easily. */
  if (!_sf_window_backup_options (self, &options, &folder))
    return;
  options.compress = g_settings_get_boolean (self->settings, "compress") ? SF_COMPRESS_AUTO
                                                                          : SF_COMPRESS_OFF;
  job = _sf_window_create_job (self, SF_JOB_WRITE);
  sf_flash_job_add_region (job, address, data, name);
  sf_flash_job_set_write_options (job, &options);

  self->job_regions = 1;
  _sf_window_start_job (self, job);
  g_set_object (&self->last_restore, file);
  g_free (self->restore_name);
  self->restore_name = g_filename_display_name (name);
  line = g_strdup_printf (_("Restoring %s at 0x%x."), self->restore_name, address);
  _sf_window_append_log (self, line);
}

static void
other_board_confirmed_cb (gboolean confirmed,
                          gpointer user_data)
{
  g_autoptr(Restore) restore = user_data;
  SfWindow *self = restore->window;

  if (!confirmed || self->disposed || self->job != NULL ||
      sf_port_chooser_get_path (self->port_chooser) == NULL)
    return;
  start_restore (self, restore->file, restore->address, restore->data);
}

gboolean
_sf_window_restore_backup (SfWindow *self,
                           GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  guint32 address;

  if (self->job != NULL || self->disposed)
    return FALSE;
  if (sf_port_chooser_get_path (self->port_chooser) == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("No Board Chosen"),
                              _("Choose the board to restore the backup to, at the top of "
                                "the window."), SF_BANNER_ACTION_NONE);
      return FALSE;
    }
  if (path == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("Choose a Local File"),
                              _("Only a backup on this computer can be written back."),
                              SF_BANNER_ACTION_NONE);
      return FALSE;
    }
  if (!backup_address_from_name (name, &address))
    {
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *body = NULL;

      /* Translators: the second %s is the backup name pattern; keep it as is. */
      body = g_strdup_printf (_("The name %s does not say where it goes. Sparkflash’s backups "
                                "are named %s; to write another file, add it to the firmware "
                                "list and type its address."),
                              display, "sparkflash-backup-…-0x<address>.bin");
      _sf_window_show_banner (self, SF_BANNER_WARNING, _("Not a Sparkflash Backup"), body,
                              SF_BANNER_ACTION_NONE);
      return FALSE;
    }

  data = sf_firmware_file_load (path, NULL, &error);
  if (data == NULL)
    {
      _sf_window_show_banner (self, SF_BANNER_ERROR, _("The Backup Could Not Be Read"),
                              error->message, SF_BANNER_ACTION_NONE);
      return FALSE;
    }

  /* The checks before writing look at content; whose board the bytes
   * came from only the name says. */
  other = describe_other_board (self, name);
  if (other != NULL)
    {
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *body = g_strdup_printf ("%s\n%s", display, other);
      Restore *restore = g_new0 (Restore, 1);

      restore->window = g_object_ref (self);
      restore->file = g_object_ref (file);
      restore->address = address;
      restore->data = g_steal_pointer (&data);
      sf_dialogs_confirm (GTK_WINDOW (self), _("Restore Another Board’s Backup?"), body,
                          _("_Restore"), TRUE, other_board_confirmed_cb, restore);
      return TRUE;
    }

  start_restore (self, file, address, data);
  return self->job != NULL;
}

/* --- test hooks ---------------------------------------------------------------- */

void
_sf_window_set_concerns_answer (SfWindow *self,
                                int       answer)
{
  self->concerns_answer = CLAMP (answer, -1, 1);
}

GPtrArray *
_sf_window_get_last_concerns (SfWindow *self)
{
  return self->last_concerns;
}

SfConcernsDialog *
_sf_window_get_concerns_dialog (SfWindow *self)
{
  return self->concerns_dialog;
}
