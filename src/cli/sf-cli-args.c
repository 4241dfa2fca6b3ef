/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-cli-args"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sf-cli-args.h"
#include "sf-image.h"
#include "sf-monitor.h"
#include "sf-units.h"

G_DEFINE_QUARK (sf-cli-error-quark, sf_cli_error)

/* Far above any UART an ESP can run; catches a stray extra digit. */
#define MAX_BAUD     10000000

typedef enum
{
  /* Global */
  OPT_PORT,
  OPT_BAUD,
  OPT_CHIP,
  OPT_BEFORE,
  OPT_AFTER,
  OPT_NO_STUB,
  OPT_HELP,
  OPT_VERSION,
  /* Per command */
  OPT_COMPRESS,
  OPT_NO_COMPRESS,
  OPT_ERASE_ALL,
  OPT_FLASH_MODE,
  OPT_FLASH_FREQ,
  OPT_FLASH_SIZE,
  OPT_VERIFY,
  OPT_NO_VERIFY,
  OPT_NO_PROGRESS,
  OPT_SKIP_FLASHED,
  OPT_DIFF_WITH,
  OPT_NO_SKIP,
  OPT_FORCE,
  OPT_MONITOR,
  OPT_MONITOR_BAUD,
  OPT_NO_RESET,
  OPT_PARTITION,
  OPT_PARTITION_TABLE_OFFSET,
  OPT_BACKUP,
  N_OPTIONS,
} OptionId;

#define OPT_BIT(id) (1u << (id))

typedef struct
{
  OptionId    id;
  const char *long_name;   /* with '-'; "_" is accepted too */
  const char *short_name;  /* "-p", "-fs" or NULL */
  const char *value_name;  /* NULL for flags */
  const char *help;
} OptionInfo;

static const OptionInfo options[] = {
  { OPT_PORT, "port", "-p", "PORT", N_("Serial port (default: $ESPTOOL_PORT); give it again, or a pattern such as '/dev/ttyUSB*', to work on several boards at once") },
  { OPT_BAUD, "baud", "-b", "BAUD", N_("Baud rate for the transfer (default: 921600, or 115200 where the link cannot carry it; the link starts at 115200)") },
  { OPT_CHIP, "chip", "-c", "CHIP", N_("Expected chip (default auto)") },
  { OPT_BEFORE, "before", NULL, "METHOD", N_("default_reset, usb_reset, no_reset or no_reset_no_sync") },
  { OPT_AFTER, "after", "-a", "METHOD", N_("hard_reset, soft_reset, no_reset or no_reset_stub") },
  { OPT_NO_STUB, "no-stub", NULL, NULL, N_("Talk to the ROM loader only; do not upload the flasher stub") },
  { OPT_HELP, "help", "-h", NULL, N_("Show help; COMMAND --help shows the command's options") },
  { OPT_VERSION, "version", NULL, NULL, N_("Print the version") },
  { OPT_COMPRESS, "compress", "-z", NULL, N_("Compress data on the wire (fails where the loader cannot)") },
  { OPT_NO_COMPRESS, "no-compress", "-u", NULL, N_("Send data uncompressed") },
  { OPT_ERASE_ALL, "erase-all", "-e", NULL, N_("Erase the whole flash first") },
  { OPT_FLASH_MODE, "flash-mode", "-fm", "MODE", N_("Bootloader flash mode: keep, qio, qout, dio, dout") },
  { OPT_FLASH_FREQ, "flash-freq", "-ff", "FREQ", N_("Bootloader flash frequency: keep, 80m, 40m, 26m, 20m, ...") },
  { OPT_FLASH_SIZE, "flash-size", "-fs", "SIZE", N_("Flash size: keep, detect, 1MB, 2MB, 4MB, 8MB, 16MB, ...") },
  { OPT_VERIFY, "verify", NULL, NULL, N_("Accepted for esptool compatibility; writes are always verified") },
  { OPT_NO_VERIFY, "no-verify", NULL, NULL, N_("Skip the check after writing") },
  { OPT_NO_PROGRESS, "no-progress", NULL, NULL, N_("Do not show a progress bar") },
  { OPT_SKIP_FLASHED, "skip-flashed", NULL, NULL,
    N_("Accepted for esptool compatibility; sectors already in flash are always skipped") },
  { OPT_DIFF_WITH, "diff-with", NULL, "FILE",
    N_("Accepted for esptool compatibility; the chip's own checksums tell what changed") },
  { OPT_NO_SKIP, "no-skip", NULL, NULL, N_("Write every sector, even those already in flash") },
  { OPT_FORCE, "force", NULL, NULL, N_("write_flash: write even when the checks before writing object; read_flash: replace FILE even when it is write-protected") },
  { OPT_MONITOR, "monitor", NULL, NULL, N_("After a good write, watch the board's serial output (see the monitor command)") },
  { OPT_MONITOR_BAUD, "monitor-baud", NULL, "BAUD", N_("Baud rate the firmware prints at (default 115200)") },
  { OPT_NO_RESET, "no-reset", NULL, NULL, N_("Do not restart the board when the monitor starts") },
  { OPT_PARTITION, "partition", NULL, "NAME", N_("Work on the partition NAME of the board's partition table instead of an ADDRESS") },
  { OPT_PARTITION_TABLE_OFFSET, "partition-table-offset", NULL, "ADDRESS", N_("Where the board's partition table is (default 0x8000)") },
  { OPT_BACKUP, "backup", NULL, "FOLDER", N_("Before writing, save what will be overwritten (with -e: the whole flash) to a new file in FOLDER") },
};

#define GLOBAL_OPTIONS (OPT_BIT (OPT_PORT) | OPT_BIT (OPT_BAUD) | OPT_BIT (OPT_CHIP) | \
                        OPT_BIT (OPT_BEFORE) | OPT_BIT (OPT_AFTER) | OPT_BIT (OPT_NO_STUB) | \
                        OPT_BIT (OPT_HELP) | OPT_BIT (OPT_VERSION))

typedef struct
{
  SfCliCommand command;
  const char  *name;
  const char  *operands;   /* for the usage line */
  const char  *summary;
  const char  *description;
  guint        options;    /* OPT_BITs besides the global ones */
  gboolean     needs_port;
} CommandInfo;

static const CommandInfo commands[] = {
  { SF_CLI_COMMAND_CHIP_ID, "chip_id", "",
    N_("Print the chip type and ID"),
    N_("Connect and print what the chip is. ESP8266 has a chip ID; the ESP32 family\n"
       "has none, so its MAC address is printed instead."),
    0, TRUE },
  { SF_CLI_COMMAND_READ_MAC, "read_mac", "",
    N_("Print the MAC address"),
    N_("Connect and print the factory MAC address from the chip's eFuses."),
    0, TRUE },
  { SF_CLI_COMMAND_FLASH_ID, "flash_id", "",
    N_("Print the flash chip's manufacturer, device and size"),
    N_("Connect and read the SPI flash chip's JEDEC ID and size."),
    0, TRUE },
  { SF_CLI_COMMAND_WRITE_FLASH, "write_flash", "ADDRESS FILE [ADDRESS FILE ...]",
    N_("Write files to flash"),
    N_("Write each FILE at its ADDRESS, then check the flash against it. First the board is\n"
       "checked: an image for another chip or chip revision, a flash mode it cannot run, a\n"
       "file too large for the flash or its partition, a bootloader or partition table about\n"
       "to be overwritten by something else, secure boot or flash encryption. Anything found\n"
       "is listed and, on a terminal, asked about; --force writes without asking.\n"
       "With --partition NAME, give only FILE: it goes to that partition of the board.\n"
       "With --backup FOLDER, what is about to be overwritten is saved first, to a file\n"
       "named after the board, the time and its address; write that file back at that\n"
       "address to restore it.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 write_flash 0x1000 bootloader.bin 0x10000 app.bin"),
    OPT_BIT (OPT_COMPRESS) | OPT_BIT (OPT_NO_COMPRESS) | OPT_BIT (OPT_ERASE_ALL) |
    OPT_BIT (OPT_FLASH_MODE) | OPT_BIT (OPT_FLASH_FREQ) | OPT_BIT (OPT_FLASH_SIZE) |
    OPT_BIT (OPT_VERIFY) | OPT_BIT (OPT_NO_VERIFY) | OPT_BIT (OPT_NO_PROGRESS) |
    OPT_BIT (OPT_SKIP_FLASHED) | OPT_BIT (OPT_DIFF_WITH) | OPT_BIT (OPT_NO_SKIP) |
    OPT_BIT (OPT_MONITOR) | OPT_BIT (OPT_MONITOR_BAUD) | OPT_BIT (OPT_NO_RESET) |
    OPT_BIT (OPT_FORCE) | OPT_BIT (OPT_PARTITION) | OPT_BIT (OPT_PARTITION_TABLE_OFFSET) |
    OPT_BIT (OPT_BACKUP),
    TRUE },
  { SF_CLI_COMMAND_READ_FLASH, "read_flash", "ADDRESS SIZE FILE",
    N_("Save flash contents to a file"),
    N_("Read SIZE bytes from ADDRESS into FILE. SIZE may be ALL: up to the end of the flash.\n"
       "FILE is replaced only once the read is complete.\n"
       "With --partition NAME, give only FILE: the partition NAME is read.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 read_flash 0 ALL backup.bin"),
    OPT_BIT (OPT_FLASH_SIZE) | OPT_BIT (OPT_NO_PROGRESS) | OPT_BIT (OPT_FORCE) |
    OPT_BIT (OPT_PARTITION) | OPT_BIT (OPT_PARTITION_TABLE_OFFSET),
    TRUE },
  { SF_CLI_COMMAND_VERIFY_FLASH, "verify_flash", "ADDRESS FILE [ADDRESS FILE ...]",
    N_("Compare flash contents with files"),
    N_("Check that the flash at each ADDRESS holds FILE. Pass the --flash_mode, --flash_freq\n"
       "and --flash_size given to write_flash so a bootloader compares equal."),
    OPT_BIT (OPT_FLASH_MODE) | OPT_BIT (OPT_FLASH_FREQ) | OPT_BIT (OPT_FLASH_SIZE) |
    OPT_BIT (OPT_NO_PROGRESS),
    TRUE },
  { SF_CLI_COMMAND_ERASE_FLASH, "erase_flash", "",
    N_("Erase the whole flash"),
    N_("Erase the whole flash: every byte reads 0xFF afterwards."),
    0, TRUE },
  { SF_CLI_COMMAND_ERASE_REGION, "erase_region", "ADDRESS SIZE",
    N_("Erase part of the flash"),
    N_("Erase SIZE bytes from ADDRESS; both must be multiples of 4096 (0x1000).\n"
       "SIZE may be ALL: up to the end of the flash. With --partition NAME, give neither:\n"
       "the partition NAME is erased.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 erase_region --partition nvs"),
    OPT_BIT (OPT_FLASH_SIZE) | OPT_BIT (OPT_PARTITION) | OPT_BIT (OPT_PARTITION_TABLE_OFFSET),
    TRUE },
  { SF_CLI_COMMAND_PARTITION_TABLE, "partition_table", "[FILE]",
    N_("Show a partition table"),
    N_("Print the partition table of the board (and which app otadata says boots), or of\n"
       "FILE: a partition table as built (.bin), a partitions.csv, or a merged image.\n"
       "No board is needed for FILE.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 partition_table"),
    OPT_BIT (OPT_PARTITION_TABLE_OFFSET),
    TRUE },
  { SF_CLI_COMMAND_IMAGE_INFO, "image_info", "FILE",
    N_("Describe a firmware image file"),
    N_("Print what FILE is: its chip, segments, flash settings and checksum. No board needed."),
    0, FALSE },
  { SF_CLI_COMMAND_VERSION, "version", "",
    N_("Print the version"),
    N_("Print the version of sparkflash-cli."),
    0, FALSE },
  { SF_CLI_COMMAND_MONITOR, "monitor", "",
    N_("Show what the board prints, and send it lines"),
    N_("Restart the board and show its serial output, with its colours on a terminal. ROM boot\n"
       "messages are explained; with --chip esp8266 the ROM's text at 74880 baud is read too.\n"
       "Lines typed (or read from stdin) are sent to the board. Leave with Ctrl+] or Ctrl+C.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 monitor --monitor-baud 115200"),
    OPT_BIT (OPT_MONITOR_BAUD) | OPT_BIT (OPT_NO_RESET),
    TRUE },
  { SF_CLI_COMMAND_WIFI_SETUP, "wifi_setup", "[NAME]",
    N_("Give the firmware Wi-Fi credentials (Improv)"),
    N_("For firmware that speaks Improv Wi-Fi Serial (ESPHome, WLED, Tasmota and others).\n"
       "Without NAME: show the firmware and the Wi-Fi networks the board sees. With NAME:\n"
       "ask for the password (or read it from stdin), send both, and print the address the\n"
       "board answers with. The password is never printed.\n"
       "Example: sparkflash-cli -p /dev/ttyUSB0 wifi_setup \"Home Network\""),
    OPT_BIT (OPT_MONITOR_BAUD) | OPT_BIT (OPT_NO_RESET),
    TRUE },
};

static const CommandInfo *
get_command_info (SfCliCommand command)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (commands[i].command == command)
      return &commands[i];
  return NULL;
}

const char *
sf_cli_command_get_name (SfCliCommand command)
{
  const CommandInfo *info = get_command_info (command);

  return info != NULL ? info->name : "";
}

gboolean
sf_cli_command_needs_port (SfCliCommand command)
{
  const CommandInfo *info = get_command_info (command);

  return info != NULL && info->needs_port;
}

char *
sf_cli_command_get_usage (SfCliCommand command)
{
  const CommandInfo *info = get_command_info (command);

  if (info == NULL)
    return g_strdup ("sparkflash-cli [options] COMMAND [arguments]");
  if (info->options != 0 || info->needs_port)
    return g_strdup_printf ("sparkflash-cli %s [options]%s%s", info->name,
                            *info->operands ? " " : "", info->operands);
  return g_strdup_printf ("sparkflash-cli %s%s%s", info->name,
                          *info->operands ? " " : "", info->operands);
}

void
sf_cli_args_init (SfCliArgs *args)
{
  memset (args, 0, sizeof *args);
  args->baud = 0;   /* not given: the session picks the fast rate */
  args->chip = SF_CHIP_AUTO;
  args->before = SF_BEFORE_DEFAULT_RESET;
  args->after = SF_AFTER_HARD_RESET;
  args->compress = SF_COMPRESS_AUTO;
  args->monitor_baud = SF_MONITOR_DEFAULT_BAUD;
  args->operands = g_ptr_array_new_with_free_func (g_free);
  args->ports = g_ptr_array_new_with_free_func (g_free);
}

void
sf_cli_args_clear (SfCliArgs *args)
{
  g_clear_pointer (&args->port, g_free);
  g_clear_pointer (&args->flash_mode, g_free);
  g_clear_pointer (&args->flash_freq, g_free);
  g_clear_pointer (&args->flash_size, g_free);
  g_clear_pointer (&args->partition, g_free);
  g_clear_pointer (&args->backup_dir, g_free);
  g_clear_pointer (&args->operands, g_ptr_array_unref);
  g_clear_pointer (&args->ports, g_ptr_array_unref);
}

gboolean
sf_cli_usage_error (GError     **error,
                    const char  *hint,
                    const char  *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (hint != NULL)
    g_set_error (error, SF_CLI_ERROR, SF_CLI_ERROR_USAGE, "%s\n%s", message, hint);
  else
    g_set_error_literal (error, SF_CLI_ERROR, SF_CLI_ERROR_USAGE, message);
  return FALSE;
}

/* "write-flash" and "write_flash" are one command; "--flash_mode" and
 * "--flash-mode" one option. */
static char *
normalise (const char *name,
           char        from,
           char        to)
{
  char *copy = g_strdup (name);

  for (char *p = copy; *p; p++)
    if (*p == from)
      *p = to;
  return copy;
}

static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diagonal = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint above = row[j];
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

/* The closest of @candidates, or NULL when none is close enough to be
 * what the user meant. */
static const char *
closest_name (const char         *wanted,
              const char * const *candidates,
              guint               n_candidates)
{
  const char *best = NULL;
  guint best_distance = G_MAXUINT;
  guint limit = MAX (2, strlen (wanted) / 3);

  for (guint i = 0; i < n_candidates; i++)
    {
      guint distance;

      /* "write" for "write_flash", "erase" for "erase_flash". */
      if (strlen (wanted) >= 4 && g_str_has_prefix (candidates[i], wanted))
        return candidates[i];
      distance = edit_distance (wanted, candidates[i]);
      if (distance < best_distance)
        {
          best_distance = distance;
          best = candidates[i];
        }
    }
  return best_distance <= limit ? best : NULL;
}

static const CommandInfo *
lookup_command (const char *name)
{
  g_autofree char *wanted = normalise (name, '-', '_');

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, wanted))
      return &commands[i];
  return NULL;
}

static gboolean
unknown_command (const char  *name,
                 GError     **error)
{
  g_autofree char *wanted = normalise (name, '-', '_');
  const char *names[G_N_ELEMENTS (commands)];
  const char *suggestion;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    names[i] = commands[i].name;
  suggestion = closest_name (wanted, names, G_N_ELEMENTS (names));

  if (suggestion != NULL)
    {
      g_autofree char *hint = g_strdup_printf (_("Did you mean “%s”?"), suggestion);

      return sf_cli_usage_error (error, hint, _("Unknown command “%s”."), name);
    }
  return sf_cli_usage_error (error, _("Run “sparkflash-cli --help” for the list of commands."),
                      _("Unknown command “%s”."), name);
}

static const OptionInfo *
lookup_long_option (const char *name)
{
  g_autofree char *wanted = normalise (name, '_', '-');

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (options[i].long_name, wanted))
      return &options[i];
  return NULL;
}

/* Exact short names ("-p", "-fs"), or a one-letter short name with its
 * value attached ("-p/dev/ttyUSB0", "-b460800") as argparse allows. */
static const OptionInfo *
lookup_short_option (const char  *arg,
                     const char **out_attached)
{
  *out_attached = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].short_name != NULL && g_str_equal (options[i].short_name, arg))
      return &options[i];

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].short_name != NULL && options[i].value_name != NULL &&
        strlen (options[i].short_name) == 2 && arg[1] == options[i].short_name[1])
      {
        *out_attached = arg + 2;
        return &options[i];
      }
  return NULL;
}

static gboolean
unknown_option (const char  *arg,
                GError     **error)
{
  g_autofree char *wanted = NULL;
  const char *names[G_N_ELEMENTS (options)];
  const char *suggestion;
  const char *equals;

  if (g_str_has_prefix (arg, "--"))
    {
      g_autofree char *name = NULL;

      equals = strchr (arg, '=');
      name = equals ? g_strndup (arg + 2, equals - arg - 2) : g_strdup (arg + 2);
      wanted = normalise (name, '_', '-');
      for (guint i = 0; i < G_N_ELEMENTS (options); i++)
        names[i] = options[i].long_name;
      suggestion = closest_name (wanted, names, G_N_ELEMENTS (names));
      if (suggestion != NULL)
        {
          g_autofree char *hint = g_strdup_printf (_("Did you mean “--%s”?"), suggestion);

          return sf_cli_usage_error (error, hint, _("Unknown option “%s”."), arg);
        }
    }
  return sf_cli_usage_error (error, _("Run “sparkflash-cli --help” for the options."),
                      _("Unknown option “%s”."), arg);
}

static void
store_string (char       **field,
              const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static char *
option_spelling (const OptionInfo *info)
{
  if (info->short_name != NULL)
    return g_strdup_printf ("--%s (%s)", info->long_name, info->short_name);
  return g_strdup_printf ("--%s", info->long_name);
}

static gboolean
parse_baud (const char  *text,
            guint       *out_baud,
            GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_BAUD, &value, NULL))
    return sf_cli_usage_error (error,
                        _("Give the rate as a whole number of bits per second, e.g. --baud 460800."),
                        _("Baud rate “%s” is not a positive number up to %u."), text, MAX_BAUD);
  *out_baud = value;
  return TRUE;
}

static gboolean
parse_flash_freq (const char  *text,
                  GError     **error)
{
  static const char * const known[] = {
    "keep", "80m", "60m", "48m", "40m", "30m", "26m", "24m", "20m", "16m", "15m", "12m",
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_ascii_strcasecmp (text, known[i]) == 0)
      return TRUE;
  return sf_cli_usage_error (error, _("Use keep, 80m, 60m, 48m, 40m, 30m, 26m, 24m, 20m, 16m, 15m or 12m."),
                      _("Unknown flash frequency “%s”."), text);
}

static gboolean
check_values (SfCliArgs   *args,
              const char  *values[N_OPTIONS],
              GError     **error)
{
  if (values[OPT_BAUD] == NULL && g_getenv ("ESPTOOL_BAUD") != NULL &&
      *g_getenv ("ESPTOOL_BAUD") != '\0' && !parse_baud (g_getenv ("ESPTOOL_BAUD"), &args->baud, error))
    return FALSE;
  if (values[OPT_BAUD] != NULL && !parse_baud (values[OPT_BAUD], &args->baud, error))
    return FALSE;

  if (values[OPT_CHIP] != NULL && !sf_chip_from_name (values[OPT_CHIP], &args->chip))
    {
      g_autofree char *names = sf_chip_list_names ();
      g_autofree char *hint = g_strdup_printf (_("Known chips: %s."), names);

      return sf_cli_usage_error (error, hint, _("Unknown chip “%s”."), values[OPT_CHIP]);
    }

  if (values[OPT_BEFORE] != NULL && !sf_before_from_name (values[OPT_BEFORE], &args->before))
    return sf_cli_usage_error (error, _("Use default_reset, usb_reset, no_reset or no_reset_no_sync."),
                        _("Unknown --before method “%s”."), values[OPT_BEFORE]);

  if (values[OPT_AFTER] != NULL && !sf_after_from_name (values[OPT_AFTER], &args->after))
    return sf_cli_usage_error (error, _("Use hard_reset, soft_reset, no_reset or no_reset_stub."),
                        _("Unknown --after method “%s”."), values[OPT_AFTER]);

  if (values[OPT_FLASH_MODE] != NULL && g_ascii_strcasecmp (values[OPT_FLASH_MODE], "keep") != 0)
    {
      g_autofree char *mode = g_ascii_strdown (values[OPT_FLASH_MODE], -1);
      guint8 code;

      if (!sf_image_flash_mode_from_name (mode, &code))
        return sf_cli_usage_error (error, _("Use keep, qio, qout, dio or dout."),
                            _("Unknown flash mode “%s”."), values[OPT_FLASH_MODE]);
      store_string (&args->flash_mode, mode);
    }

  if (values[OPT_FLASH_FREQ] != NULL && g_ascii_strcasecmp (values[OPT_FLASH_FREQ], "keep") != 0)
    {
      if (!parse_flash_freq (values[OPT_FLASH_FREQ], error))
        return FALSE;
      args->flash_freq = g_ascii_strdown (values[OPT_FLASH_FREQ], -1);
    }

  if (values[OPT_FLASH_SIZE] != NULL && g_ascii_strcasecmp (values[OPT_FLASH_SIZE], "keep") != 0)
    {
      if (g_ascii_strcasecmp (values[OPT_FLASH_SIZE], "detect") == 0)
        {
          store_string (&args->flash_size, "detect");
        }
      else
        {
          g_autoptr(GError) local_error = NULL;

          if (!sf_parse_flash_size (values[OPT_FLASH_SIZE], &args->flash_size_bytes, &local_error))
            return sf_cli_usage_error (error, _("Use keep, detect, or a size such as 4MB or 16MB."),
                                _("Unknown flash size “%s”: %s"), values[OPT_FLASH_SIZE],
                                local_error->message);
          store_string (&args->flash_size, values[OPT_FLASH_SIZE]);
        }
    }

  if (values[OPT_COMPRESS] != NULL && values[OPT_NO_COMPRESS] != NULL)
    return sf_cli_usage_error (error, _("Leave both out to compress wherever the chip supports it."),
                        _("--compress (-z) and --no-compress (-u) cannot be used together."));
  if (values[OPT_COMPRESS] != NULL)
    args->compress = SF_COMPRESS_ON;
  else if (values[OPT_NO_COMPRESS] != NULL)
    args->compress = SF_COMPRESS_OFF;

  /* The ESP8266 ROM has no compressed download; say so before the port is
   * opened when the user named the chip. */
  args->no_stub = values[OPT_NO_STUB] != NULL;
  if (args->compress == SF_COMPRESS_ON && args->chip == SF_CHIP_ESP8266 && args->no_stub)
    return sf_cli_usage_error (error, _("Leave out -z (or pass -u), or leave out --no-stub: "
                                        "the flasher stub takes compressed data."),
                        _("The ESP8266 ROM loader cannot receive compressed data (-z)."));

  args->erase_all = values[OPT_ERASE_ALL] != NULL;
  args->no_verify = values[OPT_NO_VERIFY] != NULL;
  args->no_progress = values[OPT_NO_PROGRESS] != NULL;
  args->no_skip = values[OPT_NO_SKIP] != NULL;
  args->force = values[OPT_FORCE] != NULL;
  if (values[OPT_PARTITION] != NULL)
    {
      if (*values[OPT_PARTITION] == '\0' || strlen (values[OPT_PARTITION]) > 16)
        return sf_cli_usage_error (error, _("Partition names have 1 to 16 characters, e.g. --partition nvs."),
                                   _("“%s” cannot be a partition name."), values[OPT_PARTITION]);
      store_string (&args->partition, values[OPT_PARTITION]);
    }
  if (values[OPT_PARTITION_TABLE_OFFSET] != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!sf_parse_number (values[OPT_PARTITION_TABLE_OFFSET], "address",
                            &args->partition_table_offset, &local_error) ||
          args->partition_table_offset % 0x1000 != 0)
        return sf_cli_usage_error (error, _("The table starts on a 4 KiB boundary, e.g. 0x8000 or 0x9000."),
                                   _("--partition-table-offset “%s” is not a usable address."),
                                   values[OPT_PARTITION_TABLE_OFFSET]);
    }
  if (values[OPT_BACKUP] != NULL)
    {
      if (!g_file_test (values[OPT_BACKUP], G_FILE_TEST_IS_DIR))
        return sf_cli_usage_error (error, _("Create the folder first, or choose another one."),
                                   _("The backup folder “%s” does not exist."), values[OPT_BACKUP]);
      store_string (&args->backup_dir, values[OPT_BACKUP]);
    }
  args->monitor = values[OPT_MONITOR] != NULL;
  args->no_reset = values[OPT_NO_RESET] != NULL;
  if (values[OPT_MONITOR_BAUD] != NULL && !parse_baud (values[OPT_MONITOR_BAUD], &args->monitor_baud, error))
    return FALSE;

  if (values[OPT_PORT] != NULL)
    {
      /* Every --port, in order; the first is the port of a single run. */
      for (guint i = 0; i < args->ports->len; i++)
        if (*(const char *) args->ports->pdata[i] == '\0')
          return sf_cli_usage_error (error, _("Pass the serial port, e.g. --port /dev/ttyUSB0."),
                              _("The port name is empty."));
      store_string (&args->port, args->ports->pdata[0]);
    }
  else if (g_getenv ("ESPTOOL_PORT") != NULL && *g_getenv ("ESPTOOL_PORT") != '\0')
    {
      store_string (&args->port, g_getenv ("ESPTOOL_PORT"));
      g_ptr_array_add (args->ports, g_strdup (args->port));
    }

  return TRUE;
}

static gboolean
check_operand_count (SfCliArgs                *args,
                     const CommandInfo        *info,
                     GError                  **error)
{
  g_autofree char *usage = sf_cli_command_get_usage (info->command);
  g_autofree char *hint = g_strdup_printf (_("Usage: %s"), usage);
  guint n = args->operands->len;
  guint expected;

  switch (info->command)
    {
    case SF_CLI_COMMAND_WRITE_FLASH:
      if (args->partition != NULL)
        {
          if (n == 1)
            return TRUE;
          return sf_cli_usage_error (error, _("Example: write_flash --partition app0 app.bin"),
                                     _("write_flash --partition takes one FILE, but got %u arguments."), n);
        }
      G_GNUC_FALLTHROUGH;
    case SF_CLI_COMMAND_VERIFY_FLASH:
      if (n == 0)
        return sf_cli_usage_error (error, hint, _("%s needs at least one ADDRESS FILE pair."), info->name);
      if (n % 2 != 0)
        return sf_cli_usage_error (error, hint, _("%s: address “%s” has no file after it."), info->name,
                            (const char *) args->operands->pdata[n - 1]);
      return TRUE;

    case SF_CLI_COMMAND_READ_FLASH:
      expected = args->partition != NULL ? 1 : 3;
      break;
    case SF_CLI_COMMAND_ERASE_REGION:
      expected = args->partition != NULL ? 0 : 2;
      break;
    case SF_CLI_COMMAND_IMAGE_INFO:
      expected = 1;
      break;
    case SF_CLI_COMMAND_WIFI_SETUP:
    case SF_CLI_COMMAND_PARTITION_TABLE:
      expected = MIN (n, 1);
      break;
    case SF_CLI_COMMAND_NONE:
    case SF_CLI_COMMAND_CHIP_ID:
    case SF_CLI_COMMAND_READ_MAC:
    case SF_CLI_COMMAND_FLASH_ID:
    case SF_CLI_COMMAND_ERASE_FLASH:
    case SF_CLI_COMMAND_VERSION:
    default:
      expected = 0;
      break;
    }

  if (n == expected)
    return TRUE;
  if (expected == 0)
    return sf_cli_usage_error (error, hint, _("%s takes no arguments, but got “%s”."), info->name,
                        (const char *) args->operands->pdata[0]);
  if (n < expected)
    return sf_cli_usage_error (error, hint,
                        g_dngettext (GETTEXT_PACKAGE, "%s needs %u argument, but got %u.",
                                     "%s needs %u arguments, but got %u.", expected),
                        info->name, expected, n);
  return sf_cli_usage_error (error, hint, _("%s: unexpected extra argument “%s”."), info->name,
                      (const char *) args->operands->pdata[expected]);
}

gboolean
sf_cli_args_parse (SfCliArgs   *args,
                   int          argc,
                   char       **argv,
                   GError     **error)
{
  const char *values[N_OPTIONS] = { NULL, };
  const OptionInfo *seen[N_OPTIONS] = { NULL, };
  const CommandInfo *command = NULL;
  gboolean only_operands = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const OptionInfo *option = NULL;
      const char *value = NULL;
      g_autofree char *long_name = NULL;

      if (only_operands || arg[0] != '-' || arg[1] == '\0')
        {
          if (command == NULL)
            {
              if (!(command = lookup_command (arg)))
                return unknown_command (arg, error);
            }
          else
            {
              g_ptr_array_add (args->operands, g_strdup (arg));
            }
          continue;
        }

      if (g_str_equal (arg, "--"))
        {
          only_operands = TRUE;
          continue;
        }

      if (g_str_has_prefix (arg, "--"))
        {
          const char *equals = strchr (arg, '=');

          long_name = equals ? g_strndup (arg + 2, equals - arg - 2) : g_strdup (arg + 2);
          option = lookup_long_option (long_name);
          if (equals != NULL)
            value = equals + 1;
        }
      else
        {
          option = lookup_short_option (arg, &value);
        }

      if (option == NULL)
        return unknown_option (arg, error);

      if (option->value_name == NULL && value != NULL)
        {
          g_autofree char *spelling = option_spelling (option);

          return sf_cli_usage_error (error, NULL, _("Option %s takes no value, but got “%s”."),
                              spelling, value);
        }

      if (option->value_name != NULL && value == NULL)
        {
          if (i + 1 >= argc)
            {
              g_autofree char *spelling = option_spelling (option);

              return sf_cli_usage_error (error, NULL, _("Option %s needs a value (%s)."), spelling,
                                  option->value_name);
            }
          value = argv[++i];
        }

      values[option->id] = value != NULL ? value : "";
      seen[option->id] = option;
      if (option->id == OPT_PORT)
        g_ptr_array_add (args->ports, g_strdup (values[OPT_PORT]));
    }

  if (values[OPT_HELP] != NULL)
    {
      args->help = TRUE;
      args->command = command != NULL ? command->command : SF_CLI_COMMAND_NONE;
      return TRUE;
    }

  if (command == NULL && values[OPT_VERSION] != NULL)
    command = get_command_info (SF_CLI_COMMAND_VERSION);

  if (command == NULL)
    return sf_cli_usage_error (error, _("Run “sparkflash-cli --help” for the list of commands."),
                        _("No command given."));
  args->command = command->command;

  for (guint id = 0; id < N_OPTIONS; id++)
    {
      if (seen[id] == NULL || (OPT_BIT (id) & (GLOBAL_OPTIONS | command->options)))
        continue;
      {
        g_autofree char *spelling = option_spelling (seen[id]);
        g_autofree char *hint = g_strdup_printf (_("Run “sparkflash-cli %s --help” for its options."),
                                                 command->name);

        return sf_cli_usage_error (error, hint, _("Option %s does not apply to %s."), spelling,
                            command->name);
      }
    }

  /* With --partition, the operands are fewer: the table gives the span. */
  if (values[OPT_PARTITION] != NULL)
    store_string (&args->partition, values[OPT_PARTITION]);
  if (!check_operand_count (args, command, error))
    return FALSE;

  return check_values (args, values, error);
}

static void
append_option_help (GString          *help,
                    const OptionInfo *option)
{
  g_autofree char *left = NULL;

  if (option->short_name != NULL)
    left = g_strdup_printf ("%s, --%s", option->short_name, option->long_name);
  else
    left = g_strdup_printf ("--%s", option->long_name);
  if (option->value_name != NULL)
    {
      char *tmp = g_strdup_printf ("%s %s", left, option->value_name);
      g_free (left);
      left = tmp;
    }
  g_string_append_printf (help, "  %-26s %s\n", left, _(option->help));
}

char *
sf_cli_format_help (SfCliCommand command)
{
  const CommandInfo *info = get_command_info (command);
  GString *help = g_string_new (NULL);

  if (info == NULL)
    {
      g_autofree char *chips = sf_chip_list_names ();

      g_string_append (help, _("Usage: sparkflash-cli [options] COMMAND [arguments]\n\n"));
      g_string_append (help, _("Flash and inspect Espressif boards. Takes esptool.py's command syntax.\n\n"));
      g_string_append (help, _("Commands:\n"));
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        g_string_append_printf (help, "  %-26s %s\n", commands[i].name, _(commands[i].summary));
      g_string_append (help, _("\nOptions (before or after the command):\n"));
      for (guint i = 0; i < G_N_ELEMENTS (options); i++)
        if (OPT_BIT (options[i].id) & GLOBAL_OPTIONS)
          append_option_help (help, &options[i]);
      g_string_append_printf (help, _("\nChips: %s.\n"), chips);
      g_string_append (help, _("Commands and options take “_” or “-”: write_flash, write-flash, --flash_mode, --flash-mode.\n"
                               "Addresses and sizes: 0x10000, 65536, 64K, 1M.\n"
                               "Run “sparkflash-cli COMMAND --help” for a command's options.\n"));
    }
  else
    {
      g_autofree char *usage = sf_cli_command_get_usage (command);

      g_string_append_printf (help, _("Usage: %s\n\n"), usage);
      g_string_append_printf (help, "%s\n", _(info->description));
      if (info->options != 0)
        {
          g_string_append (help, _("\nOptions:\n"));
          for (guint i = 0; i < G_N_ELEMENTS (options); i++)
            if (OPT_BIT (options[i].id) & info->options)
              append_option_help (help, &options[i]);
        }
      if (info->needs_port)
        g_string_append (help, _("\nGlobal options (--port, --baud, --chip, --before, --after, --no-stub): "
                                 "see “sparkflash-cli --help”.\n"));
    }

  return g_string_free (help, FALSE);
}
