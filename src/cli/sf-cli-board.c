/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sf-cli-board.h"
#include "sf-cli-output.h"
#include "sf-firmware-file.h"
#include "sf-image.h"
#include "sf-protocol-error.h"
#include "sf-write-check.h"

gboolean
sf_cli_board_print_table_file (const char  *path,
                               guint32      table_offset,
                               GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SfPartitionTable) table = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  SfImageInfo info;

  if (!(bytes = sf_firmware_file_load (path, NULL, error)))
    return FALSE;
  if (table_offset == 0)
    table_offset = SF_PARTITION_TABLE_DEFAULT_OFFSET;

  /* A merged image holds the table at its flash offset. */
  if (sf_image_parse (bytes, &info, NULL) && info.kind == SF_IMAGE_KIND_MERGED &&
      g_bytes_get_size (bytes) > table_offset)
    {
      GBytes *slice = g_bytes_new_from_bytes (bytes, table_offset,
                                              g_bytes_get_size (bytes) - table_offset);

      g_bytes_unref (bytes);
      bytes = slice;
    }

  if (!(table = sf_partition_table_parse (bytes, table_offset, &local_error)))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("partition_table: %s: %s"), path, local_error->message);
      return FALSE;
    }
  text = sf_partition_table_format (table, -1);
  fputs (text, stdout);
  return TRUE;
}

gboolean
sf_cli_board_print_table (SfFlasher     *flasher,
                          guint32        table_offset,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(SfPartitionTable) table = NULL;
  g_autofree char *text = NULL;
  int boot = -1;

  if (!(table = sf_flasher_read_partition_table (flasher, table_offset, cancellable, error)))
    return FALSE;
  if (!sf_flasher_read_boot_partition (flasher, table, &boot, cancellable, error))
    return FALSE;
  sf_cli_output_end_line ();
  text = sf_partition_table_format (table, boot);
  fputs (text, stdout);
  fflush (stdout);
  return TRUE;
}

static gboolean
ask_yes (void)
{
  char answer[16] = "";

  fputs (_("Write anyway? [y/N] "), stderr);
  fflush (stderr);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  g_strstrip (answer);
  /* The translated "y" as well as the English one. */
  return g_ascii_strcasecmp (answer, "y") == 0 || g_ascii_strcasecmp (answer, "yes") == 0 ||
         g_strcmp0 (answer, C_("answer to Write anyway?", "y")) == 0;
}

gboolean
sf_cli_board_confirm (GPtrArray  *concerns,
                      gboolean    may_ask,
                      GError    **error)
{
  g_autofree char *list = sf_write_concerns_format (concerns);

  if (may_ask && isatty (STDIN_FILENO) && isatty (STDERR_FILENO))
    {
      sf_cli_output_end_line ();
      fprintf (stderr, "%s\n%s\n", _("Before writing, look at this:"), list);
      if (ask_yes ())
        return TRUE;
    }
  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NOT_CONFIRMED,
               _("Nothing was written: the checks before writing found this.\n%s\n"
                 "Pass --force to write anyway."), list);
  return FALSE;
}
