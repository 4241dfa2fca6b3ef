/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sf-chip.h"
#include "sf-cli-args.h"
#include "sf-cli-board.h"
#include "sf-cli-interrupt.h"
#include "sf-cli-many.h"
#include "sf-cli-monitor.h"
#include "sf-cli-output.h"
#include "sf-cli-wifi.h"
#include "sf-firmware-file.h"
#include "sf-flasher.h"
#include "sf-image.h"
#include "sf-protocol-error.h"
#include "sf-session.h"
#include "sf-stub-image.h"
#include "sf-transport.h"
#include "sf-units.h"
#include "sf-write-check.h"

#define EXIT_OK          0
#define EXIT_FAILED      1
#define EXIT_USAGE       2

typedef struct
{
  SfCliArgs     args;

  /* write_flash, verify_flash */
  GArray       *regions;       /* SfFlashRegion, data owned */

  /* read_flash, erase_region */
  guint32       address;
  guint32       size;
  gboolean      size_all;      /* SIZE was ALL: to the end of the flash */
  const char   *path;

  /* image_info */
  GBytes       *image;

  GCancellable *cancellable;

  /* The chip found, for write_flash --monitor. */
  SfChip        chip_found;

  /* One board only: the checks before writing may ask on the terminal. */
  gboolean      may_ask;
} SfCli;

static void
clear_region (gpointer data)
{
  SfFlashRegion *region = data;

  g_clear_pointer (&region->data, g_bytes_unref);
}

static void
sf_cli_clear (SfCli *cli)
{
  sf_cli_args_clear (&cli->args);
  g_clear_pointer (&cli->regions, g_array_unref);
  g_clear_pointer (&cli->image, g_bytes_unref);
  g_clear_object (&cli->cancellable);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfCli, sf_cli_clear)

/* "4MB", as esptool names flash sizes. */
static char *
format_flash_size (guint32 bytes)
{
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
    return g_strdup_printf ("%uMB", bytes / (1024 * 1024));
  if (bytes % 1024 == 0)
    return g_strdup_printf ("%uKB", bytes / 1024);
  return g_strdup_printf ("%u bytes", bytes);
}

/* ---- Checking the command line against the files ----------------------- */

/* Firmware and images are read whole into memory, checked to be regular
 * files first: a FIFO or a device given by mistake is refused at once
 * rather than read from forever. */
static GBytes *
load_file (const char  *command,
           const char  *path,
           const char  *purpose,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;

  if ((bytes = sf_firmware_file_load (path, NULL, &local_error)))
    return bytes;

  if (g_error_matches (local_error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_NOT_FOUND))
    {
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *hint = g_path_is_absolute (path)
        ? g_strdup (_("Check the file name."))
        : g_strdup_printf (_("Check the file name; it is taken relative to %s."), cwd);

      sf_cli_usage_error (error, hint, _("%s: file “%s”%s does not exist."), command, path, purpose);
    }
  else if (g_error_matches (local_error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_IS_FOLDER))
    {
      sf_cli_usage_error (error, _("Give the path of a file."),
                          _("%s: “%s”%s is a folder, not a file."), command, path, purpose);
    }
  else if (g_error_matches (local_error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_PERMISSION))
    {
      sf_cli_usage_error (error, _("Check the file's permissions."),
                          _("%s: cannot read file “%s”%s: %s."), command, path, purpose,
                          g_strerror (EACCES));
    }
  else if (g_error_matches (local_error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_EMPTY))
    {
      sf_cli_usage_error (error, _("Check that the build finished and wrote this file."),
                          _("%s: file “%s”%s is empty; there is nothing to write."), command,
                          path, purpose);
    }
  else
    {
      /* A pipe, a device, a file that keeps changing: the message says
       * what and what to do. */
      sf_cli_usage_error (error, NULL, "%s: %s", command, local_error->message);
    }
  return NULL;
}

static gboolean
parse_number (const char  *command,
              const char  *text,
              const char  *what,
              const char  *hint,
              guint32     *out_value,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (sf_parse_number (text, what, out_value, &local_error))
    return TRUE;
  return sf_cli_usage_error (error, hint, "%s: %s", command, local_error->message);
}

static const char *
flash_limit_hint (const SfCli *cli)
{
  if (cli->args.flash_size_bytes != 0)
    return _("That is the end of the flash as given with --flash_size.");
  return _("16 MiB is the most flash the chip can address; "
           "pass --flash_size to check against the board's real size.");
}

static guint32
flash_limit (const SfCli *cli)
{
  return cli->args.flash_size_bytes != 0 ? cli->args.flash_size_bytes : SF_FLASH_MAX_SIZE;
}

/* read_flash's and erase_region's span, by the flasher's rule. SIZE ALL
 * stands for the smallest span at the address until the flash size is
 * known. */
static gboolean
check_span (const SfCli  *cli,
            guint32       flash_size,
            GError      **error)
{
  gboolean erase = cli->args.command == SF_CLI_COMMAND_ERASE_REGION;
  guint32 size = !cli->size_all ? cli->size : erase ? SF_FLASH_SECTOR_SIZE : 1;

  return sf_flasher_check_span (cli->address, size, flash_size, erase, error);
}

/* check_span() before the port is opened: a usage error, with a hint. */
static gboolean
check_span_usage (const SfCli  *cli,
                  GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *hint = NULL;

  if (check_span (cli, flash_limit (cli), &local_error))
    return TRUE;
  if (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE))
    hint = flash_limit_hint (cli);
  else if (cli->args.command == SF_CLI_COMMAND_ERASE_REGION)
    hint = cli->address % SF_FLASH_SECTOR_SIZE != 0
           ? _("Flash is erased in 4 KiB sectors: use an address like 0x10000.")
           : _("Flash is erased in 4 KiB sectors: use a size like 0x1000 or 64K.");
  return sf_cli_usage_error (error, hint, "%s: %s", sf_cli_command_get_name (cli->args.command),
                             local_error->message);
}

static gboolean
prepare_regions (SfCli   *cli,
                 GError **error)
{
  const char *command = sf_cli_command_get_name (cli->args.command);
  GPtrArray *operands = cli->args.operands;
  g_autoptr(GError) local_error = NULL;

  cli->regions = g_array_new (FALSE, TRUE, sizeof (SfFlashRegion));
  g_array_set_clear_func (cli->regions, clear_region);

  /* write_flash --partition NAME FILE: the address comes from the board. */
  if (cli->args.partition != NULL)
    {
      g_autofree char *purpose = g_strdup_printf (_(" (for partition %s)"), cli->args.partition);
      SfFlashRegion region = { 0, };

      if (!(region.data = load_file (command, operands->pdata[0], purpose, error)))
        return FALSE;
      region.name = operands->pdata[0];
      g_array_append_val (cli->regions, region);
      return TRUE;
    }

  for (guint i = 0; i + 1 < operands->len; i += 2)
    {
      const char *address_text = operands->pdata[i];
      const char *path = operands->pdata[i + 1];
      g_autofree char *purpose = NULL;
      SfFlashRegion region = { 0, };

      if (!sf_parse_number (address_text, "address", &region.address, NULL))
        {
          guint32 unused;

          /* "write_flash app.bin 0x10000": the pair is the wrong way round. */
          if (sf_parse_number (path, "address", &unused, NULL))
            return sf_cli_usage_error (error, _("Each address comes before its file: "
                                         "write_flash 0x1000 bootloader.bin 0x10000 app.bin"),
                                _("%s: “%s” is not an address; expected ADDRESS FILE pairs."),
                                command, address_text);
          return parse_number (command, address_text, "address",
                               _("Give addresses like 0x10000, 65536 or 64K."),
                               &region.address, error);
        }

      purpose = g_strdup_printf (_(" (for address 0x%08x)"), region.address);
      if (!(region.data = load_file (command, path, purpose, error)))
        return FALSE;
      region.name = path;
      g_array_append_val (cli->regions, region);
    }

  if (!sf_flasher_check_regions ((SfFlashRegion *) cli->regions->data, cli->regions->len,
                                 flash_limit (cli), &local_error))
    {
      const char *hint = NULL;

      /* The message already says what to do; add where the limit comes from. */
      if (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE))
        hint = flash_limit_hint (cli);
      return sf_cli_usage_error (error, hint, "%s: %s", command, local_error->message);
    }
  return TRUE;
}

static gboolean
parse_size_or_all (SfCli       *cli,
                   const char  *text,
                   GError     **error)
{
  const char *command = sf_cli_command_get_name (cli->args.command);

  if (g_ascii_strcasecmp (text, "all") == 0)
    {
      cli->size_all = TRUE;
      return TRUE;
    }
  if (!parse_number (command, text, "size",
                     _("Give sizes like 0x1000, 4096, 4K or 1M, or ALL for the rest of the flash."),
                     &cli->size, error))
    return FALSE;
  if (cli->size == 0)
    return sf_cli_usage_error (error, _("Give a size above 0, or ALL for the rest of the flash."),
                        _("%s: size is 0."), command);
  return TRUE;
}

/* The file, its folder and (when the size is known) the free space, before
 * the port is opened; the flasher checks again before it reads. */
static gboolean
check_output_path (SfCli   *cli,
                   GError **error)
{
  g_autoptr(GError) local_error = NULL;
  SfOutputFileFlags flags = cli->args.force ? SF_OUTPUT_FILE_FORCE : SF_OUTPUT_FILE_DEFAULT;

  if (sf_flasher_check_output_file (cli->path, cli->size_all ? 0 : cli->size, flags, &local_error))
    return TRUE;
  if (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRITE_PROTECTED))
    return sf_cli_usage_error (error, _("Pass --force to replace it anyway."), "read_flash: %s",
                               local_error->message);
  return sf_cli_usage_error (error, NULL, "read_flash: %s", local_error->message);
}

/* Everything that can be wrong with the command line, checked before the
 * port is opened. */
static gboolean
prepare (SfCli   *cli,
         GError **error)
{
  GPtrArray *operands = cli->args.operands;

  switch (cli->args.command)
    {
    case SF_CLI_COMMAND_WRITE_FLASH:
    case SF_CLI_COMMAND_VERIFY_FLASH:
      return prepare_regions (cli, error);

    case SF_CLI_COMMAND_READ_FLASH:
      if (cli->args.partition != NULL)
        {
          cli->path = operands->pdata[0];
          return check_output_path (cli, error);
        }
      if (!parse_number ("read_flash", operands->pdata[0], "address",
                         _("Give addresses like 0x10000, 65536 or 64K."), &cli->address, error) ||
          !parse_size_or_all (cli, operands->pdata[1], error))
        return FALSE;
      cli->path = operands->pdata[2];
      return check_span_usage (cli, error) && check_output_path (cli, error);

    case SF_CLI_COMMAND_ERASE_REGION:
      if (cli->args.partition != NULL)
        return TRUE;
      if (!parse_number ("erase_region", operands->pdata[0], "address",
                         _("Give addresses like 0x10000, 65536 or 64K."), &cli->address, error) ||
          !parse_size_or_all (cli, operands->pdata[1], error))
        return FALSE;
      return check_span_usage (cli, error);

    case SF_CLI_COMMAND_IMAGE_INFO:
      return (cli->image = load_file ("image_info", operands->pdata[0], "", error)) != NULL;

    case SF_CLI_COMMAND_NONE:
    case SF_CLI_COMMAND_CHIP_ID:
    case SF_CLI_COMMAND_READ_MAC:
    case SF_CLI_COMMAND_FLASH_ID:
    case SF_CLI_COMMAND_ERASE_FLASH:
    case SF_CLI_COMMAND_VERSION:
    default:
      return TRUE;
    }
}

/* ---- Talking to the board ----------------------------------------------- */

/* The protocol's messages say what to do in general terms; add what that
 * means on the command line. */
static void
append_hint (GError     *error,
             const char *hint)
{
  char *message = g_strdup_printf ("%s\n%s", error->message, hint);

  g_free (error->message);
  error->message = message;
}

static int
report_failure (const SfCli  *cli,
                const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (cli->cancellable))
    {
      sf_cli_output_end_line ();
      return sf_cli_interrupt_report ();
    }

  if (error->domain == SF_CLI_ERROR)
    {
      sf_cli_output_error (error->message);
      return EXIT_USAGE;
    }

  sf_cli_output_error (error->message);
  return EXIT_FAILED;
}

/* The flash size to check against once connected: the one the user gave,
 * else the detected one; 0 when neither is known. */
static guint32
known_flash_size (const SfCli         *cli,
                  const SfChipDetails *details)
{
  return cli->args.flash_size_bytes != 0 ? cli->args.flash_size_bytes : details->flash_size;
}

static gboolean
resolve_range (SfCli               *cli,
               SfFlasher           *flasher,
               const SfChipDetails *details,
               GError             **error)
{
  guint32 flash_size = known_flash_size (cli, details);
  g_autoptr(GError) local_error = NULL;

  if (flash_size == 0)
    {
      g_autofree char *size_text = NULL;
      g_autofree char *warning = NULL;

      if (!cli->size_all)
        return TRUE;
      if (!sf_flasher_get_flash_size (flasher, &flash_size, cli->cancellable, error))
        return FALSE;
      size_text = sf_format_size (flash_size);
      warning = g_strdup_printf (_("Could not detect the flash size; assuming %s. "
                                   "Pass --flash_size to set it."), size_text);
      sf_cli_output_warning (warning);
    }

  if (!check_span (cli, flash_size, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ",
                                  sf_cli_command_get_name (cli->args.command));
      return FALSE;
    }
  if (cli->size_all)
    cli->size = flash_size - cli->address;
  return TRUE;
}

/* The bootloader written with --flash_mode etc. has a rewritten header;
 * compare against what was written, as esptool does. */
static gboolean
rewrite_bootloader_headers (SfCli      *cli,
                            SfFlasher  *flasher,
                            GError    **error)
{
  SfChip chip = sf_flasher_get_chip (flasher);
  guint32 offset = sf_chip_get_bootloader_offset (chip);

  if (cli->args.flash_mode == NULL && cli->args.flash_freq == NULL && cli->args.flash_size == NULL)
    return TRUE;

  for (guint i = 0; i < cli->regions->len; i++)
    {
      SfFlashRegion *region = &g_array_index (cli->regions, SfFlashRegion, i);
      GBytes *rewritten;
      guint32 flash_size = 0;

      if (region->address != offset)
        continue;
      if (!sf_flasher_get_flash_size (flasher, &flash_size, cli->cancellable, error))
        return FALSE;
      if (!(rewritten = sf_image_rewrite_header (region->data, chip, cli->args.flash_mode,
                                                 cli->args.flash_size, cli->args.flash_freq,
                                                 flash_size, error)))
        return FALSE;
      g_bytes_unref (region->data);
      region->data = rewritten;
    }
  return TRUE;
}

static gboolean
run_command (SfCli                *cli,
             SfFlasher            *flasher,
             const SfChipDetails  *details,
             GError              **error)
{
  SfFlashRegion *regions = cli->regions ? (SfFlashRegion *) cli->regions->data : NULL;
  guint n_regions = cli->regions ? cli->regions->len : 0;

  switch (cli->args.command)
    {
    case SF_CLI_COMMAND_CHIP_ID:
      {
        guint8 mac[6];
        g_autofree char *mac_text = NULL;

        if (!sf_flasher_read_mac (flasher, mac, cli->cancellable, error))
          return FALSE;
        mac_text = sf_format_mac (mac);
        /* Only the ESP8266 has a chip ID: the low three bytes of its MAC. */
        if (details->chip == SF_CHIP_ESP8266)
          {
            sf_cli_output_print (_("Chip ID: 0x%08x"), (guint) (mac[3] << 16 | mac[4] << 8 | mac[5]));
          }
        else
          {
            sf_cli_output_print (_("Warning: %s has no chip ID. Reading MAC address instead."),
                                 sf_chip_get_name (details->chip));
            sf_cli_output_print ("MAC: %s", mac_text);
          }
        return TRUE;
      }

    case SF_CLI_COMMAND_READ_MAC:
      {
        guint8 mac[6];
        g_autofree char *mac_text = NULL;

        if (!sf_flasher_read_mac (flasher, mac, cli->cancellable, error))
          return FALSE;
        mac_text = sf_format_mac (mac);
        sf_cli_output_print ("MAC: %s", mac_text);
        return TRUE;
      }

    case SF_CLI_COMMAND_FLASH_ID:
      {
        guint32 flash_id;
        guint32 flash_size = details->flash_size;

        if (!sf_flasher_read_flash_id (flasher, &flash_id, cli->cancellable, error))
          return FALSE;
        sf_cli_output_print (_("Manufacturer: %02x"), flash_id & 0xFF);
        sf_cli_output_print (_("Device: %02x%02x"), (flash_id >> 8) & 0xFF, (flash_id >> 16) & 0xFF);
        if (flash_size != 0)
          {
            g_autofree char *size_text = format_flash_size (flash_size);

            sf_cli_output_print (_("Detected flash size: %s"), size_text);
          }
        else
          {
            sf_cli_output_print (_("Detected flash size: Unknown"));
          }
        return TRUE;
      }

    case SF_CLI_COMMAND_WRITE_FLASH:
      {
        SfWriteOptions options = {
          .compress = cli->args.compress,
          .erase_all = cli->args.erase_all,
          .no_verify = cli->args.no_verify,
          .no_skip = cli->args.no_skip,
          .flash_mode = cli->args.flash_mode,
          .flash_size = cli->args.flash_size,
          .flash_freq = cli->args.flash_freq,
          .force = cli->args.force,
          .backup = cli->args.backup_dir != NULL ? SF_BACKUP_OVERWRITTEN : SF_BACKUP_NONE,
          .backup_dir = cli->args.backup_dir,
          .partition_table_offset = cli->args.partition_table_offset,
        };

        /* Before the checks, which read the partition table: the bars
         * are the write's from here on. */
        sf_cli_output_set_regions (regions, n_regions);
        if (!options.force)
          {
            g_autoptr(GPtrArray) concerns = sf_flasher_check_write (flasher, regions, n_regions,
                                                                     &options, cli->cancellable,
                                                                     error);

            if (concerns == NULL)
              return FALSE;
            if (concerns->len > 0 && !sf_cli_board_confirm (concerns, cli->may_ask, error))
              return FALSE;
            options.force = TRUE;
          }
        sf_cli_interrupt_set_writing (regions, n_regions, options.erase_all);
        return sf_flasher_write_flash (flasher, regions, n_regions, &options,
                                       cli->cancellable, error);
      }

    case SF_CLI_COMMAND_VERIFY_FLASH:
      if (!rewrite_bootloader_headers (cli, flasher, error))
        return FALSE;
      regions = (SfFlashRegion *) cli->regions->data;
      sf_cli_output_set_regions (regions, n_regions);
      return sf_flasher_verify_flash (flasher, regions, n_regions, cli->cancellable, error);

    case SF_CLI_COMMAND_READ_FLASH:
      sf_cli_output_set_address (cli->address);
      sf_cli_interrupt_set_reading (cli->path);
      if (sf_flasher_read_flash_to_file_full (flasher, cli->address, cli->size, cli->path,
                                              cli->args.force ? SF_OUTPUT_FILE_FORCE
                                                              : SF_OUTPUT_FILE_DEFAULT,
                                              cli->cancellable, error))
        return TRUE;
      if (g_error_matches (*error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRITE_PROTECTED))
        append_hint (*error, _("Pass --force to replace it anyway."));
      return FALSE;

    case SF_CLI_COMMAND_ERASE_FLASH:
      sf_cli_interrupt_set_erasing (0, 0);
      return sf_flasher_erase_flash (flasher, cli->cancellable, error);

    case SF_CLI_COMMAND_ERASE_REGION:
      sf_cli_output_set_address (cli->address);
      sf_cli_interrupt_set_erasing (cli->address, cli->size);
      return sf_flasher_erase_region (flasher, cli->address, cli->size, cli->cancellable, error);

    case SF_CLI_COMMAND_PARTITION_TABLE:
      return sf_cli_board_print_table (flasher, cli->args.partition_table_offset,
                                       cli->cancellable, error);

    case SF_CLI_COMMAND_NONE:
    case SF_CLI_COMMAND_IMAGE_INFO:
    case SF_CLI_COMMAND_VERSION:
    default:
      g_assert_not_reached ();
    }
}

/* Everything between connecting and leaving, once per session; again
 * from the start if the session falls back to a slower rate. */
static gboolean
work_on_device (SfFlasher            *flasher,
                const SfChipDetails  *details,
                gpointer              user_data,
                GCancellable         *cancellable,
                GError              **error)
{
  SfCli *cli = user_data;
  guint32 flash_size = known_flash_size (cli, details);

  cli->chip_found = details->chip;

  /* --partition NAME: the span, or the file's address, from the board's table. */
  if (cli->args.partition != NULL)
    {
      SfPartition partition;

      if (!sf_flasher_find_partition (flasher, cli->args.partition_table_offset,
                                      cli->args.partition, &partition, cancellable, error))
        return FALSE;
      if (cli->args.command == SF_CLI_COMMAND_WRITE_FLASH)
        g_array_index (cli->regions, SfFlashRegion, 0).address = partition.offset;
      cli->address = partition.offset;
      cli->size = partition.size;
      cli->size_all = FALSE;
    }

  /* Now that the real flash size is known, check the regions again. */
  switch (cli->args.command)
    {
    case SF_CLI_COMMAND_VERIFY_FLASH:
      if (flash_size != 0 &&
          !sf_flasher_check_regions ((SfFlashRegion *) cli->regions->data, cli->regions->len,
                                     flash_size, error))
        return FALSE;
      break;
    case SF_CLI_COMMAND_WRITE_FLASH:
      /* A file past the flash's end is one of the checks before writing,
       * which --force (or the user's yes) lets through. */
      break;
    case SF_CLI_COMMAND_READ_FLASH:
    case SF_CLI_COMMAND_ERASE_REGION:
      if (cli->args.partition == NULL && !resolve_range (cli, flasher, details, error))
        return FALSE;
      break;
    case SF_CLI_COMMAND_NONE:
    case SF_CLI_COMMAND_CHIP_ID:
    case SF_CLI_COMMAND_READ_MAC:
    case SF_CLI_COMMAND_FLASH_ID:
    case SF_CLI_COMMAND_ERASE_FLASH:
    case SF_CLI_COMMAND_IMAGE_INFO:
    case SF_CLI_COMMAND_VERSION:
    default:
      break;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !run_command (cli, flasher, details, error))
    return FALSE;
  sf_cli_interrupt_set_finished ();
  sf_cli_output_end_line ();
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* What a board's write or check has got through, for the summary of a
 * run on several boards. */
typedef struct
{
  guint64 done;       /* of the regions before the current one */
  guint64 last;       /* of the current one */
} Tally;

static void
progress_cb (SfPhase  phase,
             guint64  done,
             guint64  total,
             gpointer user_data)
{
  Tally *tally = user_data;

  /* Each file's write starts again from 0. */
  if (tally != NULL && phase == SF_PHASE_WRITE)
    {
      if (done < tally->last)
        tally->done += tally->last;
      tally->last = done;
    }
  sf_cli_interrupt_progress (phase, done, total);
  sf_cli_output_progress_cb (phase, done, total, NULL);
}

/* The command on the board at @port. @board, when not NULL, gets what a
 * summary says of it: the chip (also when the command failed after
 * connecting) and the bytes written or checked. */
static gboolean
run_on_device (SfCli       *cli,
               const char  *port,
               SfCliBoard  *board,
               GError     **error)
{
  g_auto(SfSessionResult) result = { { 0 } };
  Tally tally = { 0 };
  gboolean ok;
  SfSessionOptions options = {
    .port = port,
    .baud = cli->args.baud,
    .chip = cli->args.chip,
    .before = cli->args.before,
    .after = cli->args.after,
    .no_stub = cli->args.no_stub,
    .flash_size = cli->args.flash_size_bytes,
    .log_func = sf_cli_output_log_cb,
    .progress_func = progress_cb,
    .callback_data = board != NULL ? &tally : NULL,
  };

  ok = sf_session_run (&options, work_on_device, cli, &result, cli->cancellable, error);
  if (board != NULL)
    {
      board->details = result.details;
      memset (&result.details, 0, sizeof result.details);
      if (ok && cli->regions != NULL)
        {
          board->bytes = 0;
          for (guint i = 0; i < cli->regions->len; i++)
            board->bytes += g_bytes_get_size (g_array_index (cli->regions, SfFlashRegion, i).data);
        }
      else
        {
          board->bytes = tally.done + tally.last;
        }
    }
  if (ok)
    return TRUE;

  if (g_error_matches (*error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND))
    append_hint (*error, _("Check --port; boards usually show up as /dev/ttyUSB0 or "
                           "/dev/ttyACM0 (see ls /dev/serial/by-id/)."));
  else if (g_error_matches (*error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRONG_CHIP))
    append_hint (*error, _("Leave out --chip (or pass --chip auto) to accept the chip that is connected."));
  return FALSE;
}

/* One board of several, in its own thread: a copy of the command line's
 * state of its own, as the work changes some of it (the size of a span
 * given as ALL, a bootloader's rewritten header). */
static gboolean
run_board (const char  *port,
           SfCliBoard  *board,
           gpointer     user_data,
           GError     **error)
{
  const SfCli *cli = user_data;
  SfCli copy = *cli;
  g_autoptr(GArray) regions = NULL;

  if (cli->regions != NULL)
    {
      regions = g_array_new (FALSE, TRUE, sizeof (SfFlashRegion));
      g_array_set_clear_func (regions, clear_region);
      for (guint i = 0; i < cli->regions->len; i++)
        {
          SfFlashRegion region = g_array_index (cli->regions, SfFlashRegion, i);

          region.data = g_bytes_ref (region.data);
          g_array_append_val (regions, region);
        }
      copy.regions = regions;
    }
  return run_on_device (&copy, port, board, error);
}

/* The command on every port --port names (patterns expanded): on one as
 * ever, on several at once through sf-cli-many.c. Returns the exit
 * status. */
static int
run_on_ports (SfCli *cli)
{
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(GError) error = NULL;

  if (!(ports = sf_cli_many_expand_ports (cli->args.ports, &error)))
    return report_failure (cli, error);

  if (ports->len > 1 && cli->args.command == SF_CLI_COMMAND_READ_FLASH)
    {
      sf_cli_output_error (_("read_flash reads one board at a time: several boards would "
                             "write the same file.\nGive one --port."));
      return EXIT_USAGE;
    }
  if (ports->len > 1 && (cli->args.command == SF_CLI_COMMAND_MONITOR || cli->args.monitor))
    {
      sf_cli_output_error (_("The monitor watches one board at a time.\nGive one --port."));
      return EXIT_USAGE;
    }
  if (ports->len > 1 && cli->args.command == SF_CLI_COMMAND_WIFI_SETUP)
    {
      sf_cli_output_error (_("wifi_setup talks to one board at a time.\nGive one --port."));
      return EXIT_USAGE;
    }
  if (ports->len > 1)
    return sf_cli_many_run (ports, run_board, cli, cli->cancellable);
  cli->may_ask = TRUE;

  if (cli->args.command == SF_CLI_COMMAND_MONITOR)
    return sf_cli_monitor_run (ports->pdata[0], cli->args.monitor_baud, cli->args.chip,
                               !cli->args.no_reset, cli->cancellable);
  if (cli->args.command == SF_CLI_COMMAND_WIFI_SETUP)
    return sf_cli_wifi_run (ports->pdata[0], cli->args.monitor_baud, cli->args.chip,
                            !cli->args.no_reset,
                            cli->args.operands->len > 0 ? cli->args.operands->pdata[0] : NULL,
                            cli->cancellable);

  if (!run_on_device (cli, ports->pdata[0], NULL, &error))
    return report_failure (cli, error);

  /* The monitor opens the port the session has just closed. */
  if (cli->args.monitor)
    return sf_cli_monitor_run (ports->pdata[0], cli->args.monitor_baud, cli->chip_found,
                               !cli->args.no_reset, cli->cancellable);
  return EXIT_OK;
}

int
main (int    argc,
      char **argv)
{
  g_auto(SfCli) cli = { { 0, }, };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  /* Tests point this at the build tree's compiled catalogues. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("SPARKFLASH_LOCALEDIR") != NULL
                                     ? g_getenv ("SPARKFLASH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("sparkflash-cli");

  sf_cli_args_init (&cli.args);
  if (!sf_cli_args_parse (&cli.args, argc, argv, &error))
    {
      sf_cli_output_error (error->message);
      return EXIT_USAGE;
    }

  if (cli.args.help)
    {
      g_autofree char *help = sf_cli_format_help (cli.args.command);

      fputs (help, stdout);
      return EXIT_OK;
    }

  if (cli.args.command == SF_CLI_COMMAND_VERSION)
    {
      g_autofree char *stubs = sf_stub_images_describe ();

      printf ("sparkflash-cli %s\n%s\n", PACKAGE_VERSION, stubs);
      return EXIT_OK;
    }

  cli.cancellable = g_cancellable_new ();
  sf_cli_interrupt_install (cli.cancellable);
  sf_cli_output_init (!cli.args.no_progress);

  if (!prepare (&cli, &error))
    return report_failure (&cli, error);

  if (cli.args.command == SF_CLI_COMMAND_IMAGE_INFO)
    {
      g_autofree char *info = NULL;

      if (!(info = sf_image_format_info (cli.image, &error)))
        {
          /* The message is lower case, made to follow the file name. */
          g_prefix_error (&error, "image_info: %s: ", (const char *) cli.args.operands->pdata[0]);
          return report_failure (&cli, error);
        }
      fputs (info, stdout);
      if (!g_str_has_suffix (info, "\n"))
        fputc ('\n', stdout);
      return EXIT_OK;
    }

  if (cli.args.command == SF_CLI_COMMAND_PARTITION_TABLE && cli.args.operands->len > 0)
    {
      if (!sf_cli_board_print_table_file (cli.args.operands->pdata[0],
                                          cli.args.partition_table_offset, &error))
        return report_failure (&cli, error);
      return EXIT_OK;
    }

  if (cli.args.port == NULL)
    {
      sf_cli_output_error (_("No port given.\n"
                             "Pass the board's serial port with --port, e.g. --port /dev/ttyUSB0, "
                             "or set ESPTOOL_PORT."));
      return EXIT_USAGE;
    }

  return run_on_ports (&cli);
}
