/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-chip.h"
#include "sf-flasher.h"

G_BEGIN_DECLS

/* Usage errors: the command line itself is wrong, the port was not touched.
 * A message may carry a hint after a newline; sf_cli_print_error() prints it
 * on a line of its own. */
#define SF_CLI_ERROR (sf_cli_error_quark ())

typedef enum
{
  SF_CLI_ERROR_USAGE = 1,
} SfCliError;

GQuark sf_cli_error_quark (void) G_GNUC_CONST;

typedef enum
{
  SF_CLI_COMMAND_NONE,
  SF_CLI_COMMAND_CHIP_ID,
  SF_CLI_COMMAND_READ_MAC,
  SF_CLI_COMMAND_FLASH_ID,
  SF_CLI_COMMAND_WRITE_FLASH,
  SF_CLI_COMMAND_READ_FLASH,
  SF_CLI_COMMAND_VERIFY_FLASH,
  SF_CLI_COMMAND_ERASE_FLASH,
  SF_CLI_COMMAND_ERASE_REGION,
  SF_CLI_COMMAND_IMAGE_INFO,
  SF_CLI_COMMAND_VERSION,
  SF_CLI_COMMAND_MONITOR,
  SF_CLI_COMMAND_WIFI_SETUP,
  SF_CLI_COMMAND_PARTITION_TABLE,
} SfCliCommand;

typedef struct
{
  SfCliCommand command;
  gboolean     help;

  /* Global options */
  char        *port;          /* NULL when neither --port nor $ESPTOOL_PORT */
  GPtrArray   *ports;         /* every --port as given (patterns unexpanded), or $ESPTOOL_PORT */
  guint        baud;          /* 0 when neither --baud nor $ESPTOOL_BAUD */
  SfChip       chip;
  SfBefore     before;
  SfAfter      after;
  gboolean     no_stub;

  /* Command options */
  SfCompress   compress;
  gboolean     erase_all;
  gboolean     no_verify;
  gboolean     no_skip;       /* --no-skip: write sectors already in flash too */
  gboolean     no_progress;
  gboolean     force;         /* --force: write_flash skips the checks before writing,
                               * read_flash replaces a write-protected FILE */
  char        *partition;     /* --partition NAME */
  guint32      partition_table_offset; /* --partition-table-offset, else 0 */
  char        *backup_dir;    /* write_flash --backup FOLDER */
  char        *flash_mode;    /* NULL = keep */
  char        *flash_freq;    /* NULL = keep */
  char        *flash_size;    /* NULL = keep; "detect" or a size name */
  guint32      flash_size_bytes; /* an explicit --flash_size, else 0 */
  gboolean     monitor;       /* write_flash --monitor: the monitor after a good write */
  guint        monitor_baud;  /* --monitor-baud; SF_MONITOR_DEFAULT_BAUD when not given */
  gboolean     no_reset;      /* --no-reset: the monitor leaves the board running */

  /* Operands after the command name */
  GPtrArray   *operands;
} SfCliArgs;

void          sf_cli_args_init            (SfCliArgs     *args);
void          sf_cli_args_clear           (SfCliArgs     *args);
/* Parses esptool's syntax; options may come before or after the command.
 * Checks everything that needs no file and no port. */
gboolean      sf_cli_args_parse           (SfCliArgs     *args,
                                           int            argc,
                                           char         **argv,
                                           GError       **error);

const char   *sf_cli_command_get_name     (SfCliCommand   command);
gboolean      sf_cli_command_needs_port   (SfCliCommand   command);
/* "sparkflash-cli write_flash [options] ADDRESS FILE [ADDRESS FILE ...]" */
char         *sf_cli_command_get_usage    (SfCliCommand   command);
/* Full help: general for SF_CLI_COMMAND_NONE, else the command's. */
char         *sf_cli_format_help          (SfCliCommand   command);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfCliArgs, sf_cli_args_clear)

/* Sets a usage error (exit code 2): the message, and @hint on a second
 * line when not NULL. Returns FALSE, for `return sf_cli_usage_error (...)`. */
gboolean sf_cli_usage_error (GError     **error,
                             const char  *hint,
                             const char  *format,
                             ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
