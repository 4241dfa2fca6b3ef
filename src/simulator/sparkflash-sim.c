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

typedef struct
{
  SfSimDevice *device;
  guint        faults_reported;  /* the total at the last STATS line */
} Stats;

/* SIGUSR1: what crossed the line since the last one, on one line. */
static gboolean
stats_cb (gpointer user_data)
{
  Stats *stats = user_data;
  SfSimWireStats wire;
  guint faults = sf_sim_device_get_faults_injected (stats->device);

  sf_sim_device_take_wire_stats (stats->device, &wire);
  printf ("STATS rx=%" G_GUINT64_FORMAT " tx=%" G_GUINT64_FORMAT
          " data_bytes=%" G_GUINT64_FORMAT " data_us=%" G_GINT64_FORMAT
          " read_bytes=%" G_GUINT64_FORMAT " read_us=%" G_GINT64_FORMAT
          " faults=%u\n",
          wire.rx_bytes, wire.tx_bytes, wire.data_bytes, wire.data_us,
          wire.read_bytes, wire.read_us, faults - stats->faults_reported);
  stats->faults_reported = faults;
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

/* Everything --fault asked for. */
typedef struct
{
  gboolean   have_fault;    /* one SfSimFault at most */
  SfSimFault fault;
  guint      fault_after;
  guint      drop;          /* 1 in N, 0 = off */
  guint      corrupt;
  guint      drop_request;
  gboolean   garbage;
  gboolean   slow_flash;
} Faults;

/* "1/50" or "50": one in 50. 0 turns it off. */
static gboolean
parse_one_in (const char *text,
              guint      *out_n)
{
  guint64 n;

  if (g_str_has_prefix (text, "1/"))
    text += 2;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &n, NULL))
    return FALSE;
  *out_n = (guint) n;
  return TRUE;
}

/* "stall", "stall:3", "late-write-error:2", "drop:1/50", "corrupt:40",
 * "garbage", "slow-flash" … */
static gboolean
parse_fault (const char  *text,
             Faults      *faults,
             GError     **error)
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
  static const struct { const char *name; gsize offset; } rates[] = {
    { "drop", G_STRUCT_OFFSET (Faults, drop) },
    { "corrupt", G_STRUCT_OFFSET (Faults, corrupt) },
    { "drop-request", G_STRUCT_OFFSET (Faults, drop_request) },
  };
  g_autofree char *name = g_strdup (text);
  char *colon = strchr (name, ':');
  const char *arg = NULL;
  guint64 after = 0;

  if (colon != NULL)
    {
      *colon = '\0';
      arg = colon + 1;
    }
  for (char *p = name; *p; p++)
    if (*p == '_')
      *p = '-';

  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    if (g_ascii_strcasecmp (name, rates[i].name) == 0)
      {
        if (arg == NULL || !parse_one_in (arg, G_STRUCT_MEMBER_P (faults, rates[i].offset)))
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "invalid fault “%s” (try %s:1/50)", text, rates[i].name);
            return FALSE;
          }
        return TRUE;
      }

  if (arg == NULL && g_ascii_strcasecmp (name, "garbage") == 0)
    {
      faults->garbage = TRUE;
      return TRUE;
    }
  if (arg == NULL && g_ascii_strcasecmp (name, "slow-flash") == 0)
    {
      faults->slow_flash = TRUE;
      return TRUE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (name, kinds[i].name) == 0 &&
        (arg == NULL || g_ascii_string_to_unsigned (arg, 10, 0, G_MAXUINT, &after, NULL)))
      {
        if (faults->have_fault)
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "one of silent, stall, unplug, corrupt-write, stub-silent and "
                         "late-write-error at a time (“%s”)", text);
            return FALSE;
          }
        faults->have_fault = TRUE;
        faults->fault = kinds[i].fault;
        faults->fault_after = (guint) after;
        return TRUE;
      }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "invalid fault “%s” (try stall:3, stub-silent, drop:1/50 or garbage)", text);
  return FALSE;
}

/* "esp8266", "ESP-8266", "esp_8266"… */
static gboolean
is_esp8266 (const char *chip)
{
  g_autoptr(GString) compact = g_string_new (NULL);

  for (const char *p = chip; *p; p++)
    if (*p != '-' && *p != '_')
      g_string_append_c (compact, g_ascii_tolower (*p));
  return g_str_equal (compact->str, "esp8266");
}

/* "24:0a:c4:12:34:56" (also with '-'). */
static gboolean
parse_mac (const char *text,
           guint8      out_mac[6])
{
  for (guint i = 0; i < 6; i++)
    {
      const char *p = text + 3 * i;

      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return FALSE;
      if (i < 5 ? (p[2] != ':' && p[2] != '-') : p[2] != '\0')
        return FALSE;
      out_mac[i] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
    }
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
  gboolean flash_timing = FALSE;
  g_auto(GStrv) fault_texts = NULL;
  g_autofree char *seed_text = NULL;
  Faults faults = { 0 };
  Stats stats = { 0 };
  guint64 seed = 1;
  SfSimFaultCounts counts;
  gint max_baud = 0;
  g_autofree char *firmware = NULL;
  gint firmware_baud = 115200;
  gint crystal_mhz = 0;
  gsize size = 0;
  g_autofree char *mac_text = NULL;
  gboolean secure_boot = FALSE;
  gboolean flash_encryption = FALSE;
  gboolean esp8285 = FALSE;
  const GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip,
      "Chip to simulate (esp8266, esp8285, esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c6, esp32h2)", "CHIP" },
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
    { "firmware", 0, 0, G_OPTION_ARG_STRING, &firmware,
      "Boot an app from flash when the port is opened: logger, improv or flood (see below)", "APP" },
    { "firmware-baud", 0, 0, G_OPTION_ARG_INT, &firmware_baud,
      "The rate the app prints and listens at (default 115200)", "BAUD" },
    { "crystal-mhz", 0, 0, G_OPTION_ARG_INT, &crystal_mhz,
      "The board's crystal: 26 or 40 (default: the chip's usual one)", "MHZ" },
    { "mac", 0, 0, G_OPTION_ARG_STRING, &mac_text,
      "The factory MAC in its eFuses (on an ESP8266 or ESP8285 the first three bytes are 18:fe:34)", "XX:XX:XX:XX:XX:XX" },
    { "secure-boot", 0, 0, G_OPTION_ARG_NONE, &secure_boot,
      "Its eFuses say secure boot is enabled (not on an ESP8266)", NULL },
    { "flash-encryption", 0, 0, G_OPTION_ARG_NONE, &flash_encryption,
      "Its eFuses say flash encryption is enabled (not on an ESP8266)", NULL },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fault_texts,
      "Misbehave; may be given more than once (see below)", "KIND[:N]" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of the line faults' random numbers (default 1)", "N" },
    { NULL }
  };

  context = g_option_context_new ("- simulated Espressif ROM bootloader (and flasher stub) on a pseudo-terminal");
  g_option_context_set_description (context,
                                    "Prints \"PORT <path>\" as the first line, then serves the\n"
                                    "pseudo-terminal until SIGINT or SIGTERM.\n"
                                    "\n"
                                    "On SIGUSR1 it prints what crossed the line since the start or\n"
                                    "the last SIGUSR1, and starts counting again:\n"
                                    "  STATS rx=N tx=N data_bytes=N data_us=N read_bytes=N read_us=N faults=N\n"
                                    "rx and tx are all bytes from and to the host; data_bytes are the\n"
                                    "wire bytes of the FLASH_DATA / FLASH_DEFL_DATA requests and their\n"
                                    "replies, data_us the time from the first byte of the first such\n"
                                    "request arriving to the last byte of the last reply leaving;\n"
                                    "read_bytes are the stub's READ_FLASH data packets and the host's\n"
                                    "acks, read_us from the first packet's first byte leaving to the\n"
                                    "last ack's last byte arriving. Times are the line's: with\n"
                                    "--emulate-baud, when a real UART would see the bytes. faults=N\n"
                                    "counts the line faults injected since then.\n"
                                    "\n"
                                    "--chip esp8285 is an ESP8266 whose eFuses say ESP8285, with its\n"
                                    "flash in the package: 1MB (ESP8285N08) unless --flash-size 2MB\n"
                                    "(ESP8285N16); no other size.\n"
                                    "--secure-boot and --flash-encryption set what esptool reads to\n"
                                    "tell them: on the ESP32 ABS_DONE_1 and FLASH_CRYPT_CNT = 1, on the\n"
                                    "others SECURE_BOOT_EN and SPI_BOOT_CRYPT_CNT = 1 (and the key\n"
                                    "purposes that go with them), and GET_SECURITY_INFO says the same.\n"
                                    "The flash stays plain. An ESP32-S3 with secure boot does not\n"
                                    "run a stub MEM_END names (esptool works around it).\n"
                                    "\n"
                                    "--fault KIND[:N], one of these at a time, N commands or data\n"
                                    "blocks going well first: silent, stall:N, unplug:N,\n"
                                    "corrupt-write:N, stub-silent, late-write-error:N.\n"
                                    "Any of these line faults besides (of one given twice, the last\n"
                                    "counts):\n"
                                    "  drop:1/N          1 in N frames from the board is lost (the\n"
                                    "                    board still did what was asked)\n"
                                    "  corrupt:1/N       1 in N frames from the board arrives with 1\n"
                                    "                    to 3 bits flipped, its framing intact\n"
                                    "  drop-request:1/N  1 in N frames from the host is lost\n"
                                    "  garbage           garbage on the line until the ROM answers\n"
                                    "                    its first SYNC, after every reset too\n"
                                    "  slow-flash        the flash's datasheet worst case: erase\n"
                                    "                    4 KiB 400 ms, 64 KiB 2 s, page program 3 ms,\n"
                                    "                    chip erase 25 s for 4 MiB, bounded so tests\n"
                                    "                    stay short (implies --flash-timing)\n"
                                    "A bare N means 1/N too; 0 turns one off. Frames are every ROM and\n"
                                    "stub reply, the stub's OHAI, READ_FLASH packets and MD5 frame.\n"
                                    "The same --seed gives the same faults for the same traffic.\n"
                                    "On SIGINT or SIGTERM it prints what the line did, then quits:\n"
                                    "  FAULTS dropped=N corrupted=N dropped_requests=N garbage=N seed=N\n"
                                    "\n"
                                    "--firmware APP: a pty has no reset lines, so opening the port\n"
                                    "stands for the reset a monitor does: the ROM prints its boot text\n"
                                    "(at 74880 baud on an ESP8266 or any 26 MHz board, else 115200),\n"
                                    "then the app runs at --firmware-baud. Text at a rate more than\n"
                                    "3 % off the port's arrives as garbage. A SYNC frame puts the ROM\n"
                                    "loader back, so flashing works as before.\n"
                                    "  logger  ESP-IDF-style coloured log, a line a second, echoes lines\n"
                                    "  improv  ESPHome-like log, speaks Improv Wi-Fi Serial (networks\n"
                                    "          \"Sparkflash Lab\" / correct horse, \"Workshop\" /\n"
                                    "          soldering iron, \"Guest\" open)\n"
                                    "  flood   numbered lines nonstop, as fast as the line carries");
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

  /* esptool too calls it an ESP8266, and tells it by its eFuses. */
  if (g_ascii_strcasecmp (chip, "esp8285") == 0 || g_ascii_strcasecmp (chip, "esp-8285") == 0 ||
      g_ascii_strcasecmp (chip, "esp_8285") == 0)
    {
      esp8285 = TRUE;
      g_free (chip);
      chip = g_strdup ("esp8266");
    }
  if (!(device = sf_sim_device_new (chip, &error)))
    {
      g_printerr ("sparkflash-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (esp8285)
    sf_sim_device_set_esp8285 (device, TRUE);
  if ((secure_boot || flash_encryption) && is_esp8266 (chip))
    {
      g_printerr ("sparkflash-sim: the %s has neither secure boot nor flash encryption\n",
                  esp8285 ? "ESP8285" : "ESP8266");
      return EXIT_FAILURE;
    }
  sf_sim_device_set_secure_boot (device, secure_boot);
  sf_sim_device_set_flash_encryption (device, flash_encryption);
  if (mac_text != NULL)
    {
      guint8 mac[6], got[6];

      if (!parse_mac (mac_text, mac))
        {
          g_printerr ("sparkflash-sim: invalid --mac “%s” (try 24:0a:c4:12:34:56)\n", mac_text);
          return EXIT_FAILURE;
        }
      sf_sim_device_set_mac (device, mac);
      sf_sim_device_get_mac (device, got);
      if (memcmp (mac, got, 6) != 0)
        {
          g_printerr ("sparkflash-sim: on this chip a MAC starts %02x:%02x:%02x, not as “%s”\n",
                      got[0], got[1], got[2], mac_text);
          return EXIT_FAILURE;
        }
    }

  if (flash_size != NULL)
    {
      if (!parse_size (flash_size, &size) || size < 4096 || size > 256 * 1024 * 1024)
        {
          g_printerr ("sparkflash-sim: invalid flash size “%s” (try 4MB)\n", flash_size);
          return EXIT_FAILURE;
        }
      if (esp8285 && size != 1024 * 1024 && size != 2 * 1024 * 1024)
        {
          g_printerr ("sparkflash-sim: an ESP8285's flash is 1MB or 2MB, not “%s”\n", flash_size);
          return EXIT_FAILURE;
        }
      sf_sim_device_set_flash_size (device, size);
    }
  if (flash_file != NULL)
    sf_sim_device_set_flash_file (device, flash_file);
  if (crystal_mhz != 0 && crystal_mhz != 26 && crystal_mhz != 40)
    {
      g_printerr ("sparkflash-sim: invalid --crystal-mhz %d (26 or 40)\n", crystal_mhz);
      return EXIT_FAILURE;
    }
  sf_sim_device_set_crystal_mhz (device, (guint) crystal_mhz);
  if (firmware != NULL)
    {
      static const char *const apps[] = { "none", "logger", "improv", "flood" };
      gsize app = G_N_ELEMENTS (apps);

      for (gsize i = 0; i < G_N_ELEMENTS (apps); i++)
        if (g_ascii_strcasecmp (firmware, apps[i]) == 0)
          app = i;
      if (app == G_N_ELEMENTS (apps))
        {
          g_printerr ("sparkflash-sim: invalid --firmware “%s” (logger, improv or flood)\n", firmware);
          return EXIT_FAILURE;
        }
      /* In the order of SfSimFirmware. */
      sf_sim_device_set_firmware (device, (SfSimFirmware) app);
    }
  if (firmware_baud < 300)
    {
      g_printerr ("sparkflash-sim: invalid --firmware-baud %d\n", firmware_baud);
      return EXIT_FAILURE;
    }
  sf_sim_device_set_firmware_baud (device, (guint) firmware_baud);
  sf_sim_device_set_boot_log (device, boot_log);
  sf_sim_device_set_emulate_baud (device, emulate_baud);
  sf_sim_device_set_flash_timing (device, flash_timing);
  if (max_baud < 0)
    {
      g_printerr ("sparkflash-sim: invalid --max-baud %d\n", max_baud);
      return EXIT_FAILURE;
    }
  sf_sim_device_set_max_baud (device, (guint) max_baud);
  for (guint i = 0; fault_texts != NULL && fault_texts[i] != NULL; i++)
    if (!parse_fault (fault_texts[i], &faults, &error))
      {
        g_printerr ("sparkflash-sim: %s\n", error->message);
        return EXIT_FAILURE;
      }
  if (seed_text != NULL &&
      !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT32, &seed, NULL))
    {
      g_printerr ("sparkflash-sim: invalid --seed “%s” (0 to 4294967295)\n", seed_text);
      return EXIT_FAILURE;
    }
  if (faults.have_fault)
    sf_sim_device_set_fault (device, faults.fault, faults.fault_after);
  sf_sim_device_set_line_noise (device, faults.drop, faults.corrupt, (guint32) seed);
  sf_sim_device_set_request_drop (device, faults.drop_request);
  sf_sim_device_set_garbage_before_sync (device, faults.garbage);
  sf_sim_device_set_slow_flash (device, faults.slow_flash);

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
  stats.device = device;
  g_unix_signal_add (SIGUSR1, stats_cb, &stats);

  /* Scripts wait for this line; it must come first and not sit in a buffer. */
  printf ("PORT %s\n", sf_sim_device_get_port_path (device));
  fflush (stdout);

  g_main_loop_run (loop);

  /* Stopping flushes the flash file. */
  sf_sim_device_stop (device);

  /* For scripts that must know a fault fired. */
  sf_sim_device_get_fault_counts (device, &counts);
  printf ("FAULTS dropped=%u corrupted=%u dropped_requests=%u garbage=%u seed=%" G_GUINT64_FORMAT "\n",
          counts.dropped, counts.corrupted, counts.dropped_requests, counts.garbage_bursts, seed);
  fflush (stdout);
  return EXIT_SUCCESS;
}
