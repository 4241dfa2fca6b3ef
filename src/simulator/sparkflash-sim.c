/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-sim"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

#include "sf-sim-device.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* SIGUSR1: what crossed the line since the last one, on one line. */
static gboolean
stats_cb (gpointer user_data)
{
  SfSimWireStats stats;

  sf_sim_device_take_wire_stats (user_data, &stats);
  printf ("STATS rx=%" G_GUINT64_FORMAT " tx=%" G_GUINT64_FORMAT
          " data_bytes=%" G_GUINT64_FORMAT " data_us=%" G_GINT64_FORMAT
          " read_bytes=%" G_GUINT64_FORMAT " read_us=%" G_GINT64_FORMAT "\n",
          stats.rx_bytes, stats.tx_bytes, stats.data_bytes, stats.data_us,
          stats.read_bytes, stats.read_us);
  fflush (stdout);
  return G_SOURCE_CONTINUE;
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

/* "stall", "stall:3", "late-write-error:2" … */
static gboolean
parse_fault (const char *text,
             SfSimFault *out_fault,
             guint      *out_after)
{
  static const struct { const char *name; SfSimFault fault; } kinds[] = {
    { "none", SF_SIM_FAULT_NONE },
    { "silent", SF_SIM_FAULT_SILENT },
    { "unplug", SF_SIM_FAULT_UNPLUG },
    { "stall", SF_SIM_FAULT_STALL },
    { "corrupt-write", SF_SIM_FAULT_CORRUPT_WRITE },
    { "stub-silent", SF_SIM_FAULT_STUB_SILENT },
    { "late-write-error", SF_SIM_FAULT_LATE_WRITE_ERROR },
  };
  g_autofree char *name = g_strdup (text);
  char *colon = strchr (name, ':');
  guint64 after = 0;

  if (colon != NULL)
    {
      *colon = '\0';
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT, &after, NULL))
        return FALSE;
    }
  for (char *p = name; *p; p++)
    if (*p == '_')
      *p = '-';
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (name, kinds[i].name) == 0)
      {
        *out_fault = kinds[i].fault;
        *out_after = (guint) after;
        return TRUE;
      }
  return FALSE;
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
  gboolean flash_timing = FALSE;
  g_autofree char *fault_text = NULL;
  gint max_baud = 0;
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
    { "flash-timing", 't', 0, G_OPTION_ARG_NONE, &flash_timing,
      "Take as long as real flash to erase, program and read", NULL },
    { "max-baud", 0, 0, G_OPTION_ARG_INT, &max_baud,
      "Hear only noise above BAUD (a cable that cannot carry faster)", "BAUD" },
    { "fault", 0, 0, G_OPTION_ARG_STRING, &fault_text,
      "Misbehave: silent, stall:N, unplug:N, corrupt-write:N, stub-silent "
      "or late-write-error:N (N commands or data blocks go well first)", "KIND[:N]" },
    { NULL }
  };

  context = g_option_context_new ("- simulated Espressif ROM bootloader (and flasher stub) on a pseudo-terminal");
  g_option_context_set_description (context,
                                    "Prints \"PORT <path>\" as the first line, then serves the\n"
                                    "pseudo-terminal until SIGINT or SIGTERM.\n"
                                    "\n"
                                    "On SIGUSR1 it prints what crossed the line since the start or\n"
                                    "the last SIGUSR1, and starts counting again:\n"
                                    "  STATS rx=N tx=N data_bytes=N data_us=N read_bytes=N read_us=N\n"
                                    "rx and tx are all bytes from and to the host; data_bytes are the\n"
                                    "wire bytes of the FLASH_DATA / FLASH_DEFL_DATA requests and their\n"
                                    "replies, data_us the time from the first byte of the first such\n"
                                    "request arriving to the last byte of the last reply leaving;\n"
                                    "read_bytes are the stub's READ_FLASH data packets and the host's\n"
                                    "acks, read_us from the first packet's first byte leaving to the\n"
                                    "last ack's last byte arriving. Times are the line's: with\n"
                                    "--emulate-baud, when a real UART would see the bytes.");
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
  sf_sim_device_set_flash_timing (device, flash_timing);
  if (max_baud < 0)
    {
      g_printerr ("sparkflash-sim: invalid --max-baud %d\n", max_baud);
      return EXIT_FAILURE;
    }
  sf_sim_device_set_max_baud (device, (guint) max_baud);
  if (fault_text != NULL)
    {
      SfSimFault fault;
      guint after;

      if (!parse_fault (fault_text, &fault, &after))
        {
          g_printerr ("sparkflash-sim: invalid fault “%s” (try stall:3 or stub-silent)\n", fault_text);
          return EXIT_FAILURE;
        }
      sf_sim_device_set_fault (device, fault, after);
    }

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
  g_unix_signal_add (SIGUSR1, stats_cb, device);

  /* Scripts wait for this line; it must come first and not sit in a buffer. */
  printf ("PORT %s\n", sf_sim_device_get_port_path (device));
  fflush (stdout);

  g_main_loop_run (loop);

  /* Stopping flushes the flash file. */
  sf_sim_device_stop (device);
  return EXIT_SUCCESS;
}
