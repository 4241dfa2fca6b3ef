/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-sim"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "sf-sim-device.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* "4MB", "4M", "4MiB", "512KB", "4194304", "0x400000". */
static gboolean
parse_size (const char *text,
            gsize      *out_size)
{
  g_autofree char *upper = g_ascii_strup (text, -1);
  char *end = NULL;
  guint64 value;
  guint64 unit = 1;

  value = g_ascii_strtoull (upper, &end, 0);
  if (end == upper)
    return FALSE;
  if (*end == 'K')
    unit = 1024;
  else if (*end == 'M')
    unit = 1024 * 1024;
  if (unit != 1)
    end++;
  if (g_str_equal (end, "B") || g_str_equal (end, "IB"))
    end += strlen (end);
  if (*end != '\0' || value == 0 || value * unit > G_MAXSIZE)
    return FALSE;
  *out_size = value * unit;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SfSimDevice) device = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *chip = NULL;
  g_autofree char *flash_file = NULL;
  g_autofree char *flash_size = NULL;
  gboolean boot_log = FALSE;
  gboolean emulate_baud = FALSE;
  gsize size = 0;
  const GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip,
      "Chip to simulate (esp8266, esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c6, esp32h2)", "CHIP" },
    { "flash-file", 'f', 0, G_OPTION_ARG_FILENAME, &flash_file,
      "Keep the flash contents in FILE (created 0xFF-filled if missing)", "FILE" },
    { "flash-size", 's', 0, G_OPTION_ARG_STRING, &flash_size,
      "Flash size, e.g. 4MB (default), 2MB, 16MB", "SIZE" },
    { "boot-log", 'b', 0, G_OPTION_ARG_NONE, &boot_log,
      "Print the ROM boot banner first, as a freshly reset board does", NULL },
    { "emulate-baud", 'e', 0, G_OPTION_ARG_NONE, &emulate_baud,
      "Pace the output at the baud rate the client set", NULL },
    { NULL }
  };

  context = g_option_context_new ("- simulated Espressif ROM bootloader on a pseudo-terminal");
  g_option_context_set_description (context,
                                    "Prints \"PORT <path>\" as the first line, then serves the\n"
                                    "pseudo-terminal until SIGINT or SIGTERM.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sparkflash-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (chip == NULL)
    {
      g_printerr ("sparkflash-sim: --chip is required\n");
      return EXIT_FAILURE;
    }

  if (!(device = sf_sim_device_new (chip, &error)))
    {
      g_printerr ("sparkflash-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (flash_size != NULL)
    {
      if (!parse_size (flash_size, &size) || size < 4096 || size > 256 * 1024 * 1024)
        {
          g_printerr ("sparkflash-sim: invalid flash size “%s” (try 4MB)\n", flash_size);
          return EXIT_FAILURE;
        }
      sf_sim_device_set_flash_size (device, size);
    }
  if (flash_file != NULL)
    sf_sim_device_set_flash_file (device, flash_file);
  sf_sim_device_set_boot_log (device, boot_log);
  sf_sim_device_set_emulate_baud (device, emulate_baud);

  if (!sf_sim_device_start (device, &error))
    {
      g_printerr ("sparkflash-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Catch the signals before announcing the port: a script may send
   * SIGTERM the moment it has read the line, and the flash file must still
   * be saved then. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);

  /* Scripts wait for this line; it must come first and not sit in a buffer. */
  printf ("PORT %s\n", sf_sim_device_get_port_path (device));
  fflush (stdout);

  g_main_loop_run (loop);

  /* Stopping flushes the flash file. */
  sf_sim_device_stop (device);
  return EXIT_SUCCESS;
}
