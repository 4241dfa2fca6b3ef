/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulated board booting an app from flash (sf_sim_device_set_firmware):
 * its ROM's boot text at the ROM's rate, the app's output, its echo, the
 * way back into the loader, the flood and the Improv Wi-Fi Serial app,
 * all read and written as plain bytes on the pty. */
#define _GNU_SOURCE

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sf-sim-device.h"
#include "sf-sim-pty-private.h"

#include "sim-test-util.h"

/* A monitor waits this long for text at most; the tests never take it. */
#define TEXT_TIMEOUT_MS 5000

/* --- Reading text ---------------------------------------------------------- */


static void
set_rate (Port  *port,
          guint  baud)
{
  struct sim_termios2 tio;

  g_assert_cmpint (ioctl (port->fd, SIM_TCGETS2, &tio), ==, 0);
  tio.c_cflag &= ~CBAUD;
  tio.c_cflag |= SIM_BOTHER;
  tio.c_ispeed = tio.c_ospeed = baud;
  g_assert_cmpint (ioctl (port->fd, SIM_TCSETS2, &tio), ==, 0);
}

static const guint8 *
find (Port       *port,
      const char *needle)
{
  return port->pending->len > 0 ?
    memmem (port->pending->data, port->pending->len, needle, strlen (needle)) : NULL;
}

/* Reads until @needle has come; fails the test if it does not. */
static void
read_until (Port       *port,
            const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + TEXT_TIMEOUT_MS * 1000;

  while (find (port, needle) == NULL)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;

      if (left <= 0 || !fill (port, (int) left))
        g_error ("“%s” never came; got %u bytes", needle, port->pending->len);
    }
}

/* Everything that comes within @ms. */
static void
read_for (Port *port,
          int   ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  gint64 left;

  while ((left = (deadline - g_get_monotonic_time ()) / 1000) > 0)
    fill (port, (int) left);
}

static void
forget (Port *port)
{
  g_byte_array_set_size (port->pending, 0);
}

static void
write_text (Port       *port,
            const char *text)
{
  write_all (port->fd, (const guint8 *) text, strlen (text));
}

static void
start_with (Port          *port,
            const char    *chip,
            SfSimFirmware  firmware)
{
  port_open (port, chip);
  sf_sim_device_set_firmware (port->device, firmware);
  port_start (port);
}

/* --- Boot ------------------------------------------------------------------ */

/* NONE: nothing on open, and the loader answers SYNC as it always did,
 * also after the port is closed and opened again. */
static void
test_none_unchanged (void)
{
  Port port;

  port_open (&port, "esp32");
  port_start (&port);
  assert_quiet (&port, 300);
  do_sync (&port);
  close (port.fd);
  port.fd = open_port (sf_sim_device_get_port_path (port.device));
  assert_quiet (&port, 300);
  do_sync (&port);
  port_close (&port);
}

/* The ESP8266's ROM prints at 74880: read there it is text, and the app
 * after it (at 115200) is read once the monitor moves. */
static void
test_esp8266_rom_at_74880 (void)
{
  Port port;

  start_with (&port, "esp8266", SF_SIM_FIRMWARE_LOGGER);
  set_rate (&port, 74880);
  read_until (&port, "csum 0xc9\r\n");
  g_assert_nonnull (find (&port, " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
                                 "load 0x4010f000, len 3460, room 16 \r\ntail 4\r\nchksum 0xcc\r\n"
                                 "load 0x3fff20b8, len 40, room 4 \r\ntail 4\r\nchksum 0xc9\r\n"));
  set_rate (&port, 115200);
  /* Whatever came before the move, the next lines are text. */
  read_until (&port, "\033[0;32mI (1312) main: uptime 1 s\033[0m\r\n");
  port_close (&port);
}

/* At 115200 the ESP8266's ROM text is garbage of about its length, the
 * app's text right. */
static void
test_esp8266_rom_garbled_at_115200 (void)
{
  Port port;
  const guint8 *app;
  gsize before;
  gboolean high = FALSE;

  start_with (&port, "esp8266", SF_SIM_FIRMWARE_LOGGER);
  read_until (&port, "I (312) cpu_start: Starting scheduler on PRO CPU.");
  app = find (&port, "\033[0;32mI (27) boot:");
  g_assert_nonnull (app);
  before = app - port.pending->data;
  /* 190 bytes of ROM text; a faster UART makes more bytes of them, not
   * fewer, but never several times as many. */
  g_assert_cmpuint (before, >, 100);
  g_assert_cmpuint (before, <, 600);
  for (gsize i = 0; i < before; i++)
    high |= port.pending->data[i] >= 0x80;
  g_assert_true (high);
  g_assert_null (memmem (port.pending->data, before, "ets Jan", 7));
  g_assert_null (memmem (port.pending->data, before, "chksum", 6));
  port_close (&port);
}

/* The ESP32's ROM prints at 115200; the app logs in colour. */
static void
test_esp32_boot (void)
{
  Port port;

  start_with (&port, "esp32", SF_SIM_FIRMWARE_LOGGER);
  read_until (&port, "main: uptime 1 s");
  g_assert_nonnull (find (&port, "ets Jul 29 2019 12:21:46\r\n\r\n"
                                 "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
                                 "configsip: 0, SPIWP:0xee\r\n"));
  g_assert_nonnull (find (&port, "load:0x3fff0030,len:7112\r\nentry 0x40080400\r\n"));
  g_assert_nonnull (find (&port, "\033[0;32mI (312) cpu_start: Starting scheduler on PRO CPU.\033[0m\r\n"));
  g_assert_nonnull (find (&port, "\033[0;33mW ("));
  g_assert_nonnull (find (&port, "\033[0;31mE ("));
  port_close (&port);
}

/* An app at 921600: a host at 115200 reads garbage, and text once it
 * moves; its echo hears the host only at the app's rate. */
static void
test_app_rate (void)
{
  Port port;
  const guint8 *app;
  gsize before;

  port_open (&port, "esp32");
  sf_sim_device_set_firmware (port.device, SF_SIM_FIRMWARE_LOGGER);
  sf_sim_device_set_firmware_baud (port.device, 921600);
  port_start (&port);
  /* The ROM's text at 115200 is readable; nothing of the app is. */
  read_until (&port, "entry 0x40080400\r\n");
  read_for (&port, 400);
  app = find (&port, "entry 0x40080400\r\n");
  before = app - port.pending->data + strlen ("entry 0x40080400\r\n");
  g_assert_cmpuint (port.pending->len, >, before);
  g_assert_null (find (&port, "cpu_start"));
  write_text (&port, "at the wrong rate\r\n");
  /* The board takes the rate the bytes came at from the port when it
   * reads them: let it read them before the port moves. */
  read_for (&port, 200);
  set_port_baud (&port, B921600);
  forget (&port);
  read_until (&port, "main: uptime 1 s");
  g_assert_null (find (&port, "echo: at the wrong rate"));
  /* What the app made of the garbled line is still in its buffer: an
   * empty line ends it first. */
  write_text (&port, "\r\nright rate\r\n");
  read_until (&port, "echo: right rate\r\n");
  port_close (&port);
}

/* A press of the reset button boots again, the ESP32's ROM telling an
 * RTC reset. */
static void
test_press_reset (void)
{
  Port port;

  start_with (&port, "esp32", SF_SIM_FIRMWARE_LOGGER);
  read_until (&port, "echoing each line");
  forget (&port);
  sf_sim_device_press_reset (port.device);
  read_until (&port, "Starting scheduler");
  g_assert_nonnull (find (&port, "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"));
  g_assert_null (find (&port, "POWERON"));
  port_close (&port);
}

/* Each line comes back, however it ends. */
static void
test_echo (void)
{
  Port port;

  start_with (&port, "esp32", SF_SIM_FIRMWARE_LOGGER);
  read_until (&port, "echoing each line");
  forget (&port);
  write_text (&port, "hello board\r\n");
  write_text (&port, "second\n");
  write_text (&port, "third\r");
  read_until (&port, "echo: third\r\n");
  g_assert_nonnull (find (&port, "echo: hello board\r\necho: second\r\n"));
  /* \r\n is one line end, not two. */
  g_assert_null (find (&port, "echo: \r\n"));
  port_close (&port);
}

/* A SYNC while the app runs finds the ROM loader, which answers it; the
 * app is gone until the port is opened again. */
static void
test_sync_back_to_rom (void)
{
  Port port;

  start_with (&port, "esp32", SF_SIM_FIRMWARE_LOGGER);
  read_until (&port, "echoing each line");
  do_sync (&port);
  g_assert_cmpuint (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  forget (&port);
  read_for (&port, 1200);
  g_assert_null (find (&port, "uptime"));

  /* esptool's --after hard_reset, then a monitor: the app boots. The
   * board looks for the host every 10 ms: a port closed and opened again
   * sooner may go unseen (no program does that). */
  close (port.fd);
  g_usleep (50 * 1000);
  port.fd = open_port (sf_sim_device_get_port_path (port.device));
  read_until (&port, "Starting scheduler");
  port_close (&port);
}

/* Lines without end, numbered one after the other. */
static void
test_flood (void)
{
  Port port;
  const guint8 *first;
  guint expected = 0;
  gsize checked = 0;

  start_with (&port, "esp32", SF_SIM_FIRMWARE_FLOOD);
  read_until (&port, "flood 000001 ");
  forget (&port);
  while (port.pending->len < 256 * 1024)
    g_assert_true (fill (&port, TIMEOUT_MS));

  first = find (&port, "flood ");
  g_assert_nonnull (first);
  for (const guint8 *p = first; p != NULL;)
    {
      const guint8 *end = port.pending->data + port.pending->len;
      const guint8 *eol = memchr (p, '\n', end - p);
      guint number;

      if (eol == NULL)
        break;
      g_assert_cmpint (sscanf ((const char *) p, "flood %u ", &number), ==, 1);
      if (expected != 0)
        g_assert_cmpuint (number, ==, expected);
      expected = number + 1;
      g_assert_cmpint (eol - p, >=, 60);
      g_assert_cmpint (eol - p, <=, 80);
      checked++;
      p = eol + 1 < end ? eol + 1 : NULL;
    }
  g_assert_cmpuint (checked, >, 3000);
  port_close (&port);
}

/* --- Improv Wi-Fi Serial --------------------------------------------------- */

static void
send_improv (Port         *port,
             guint8        type,
             const guint8 *data,
             gsize         length,
             gboolean      bad_checksum)
{
  g_autoptr(GByteArray) packet = g_byte_array_new ();
  guint8 head[] = { 'I', 'M', 'P', 'R', 'O', 'V', 1, type, (guint8) length };
  guint8 sum = 0;

  g_byte_array_append (packet, head, sizeof head);
  g_byte_array_append (packet, data, length);
  for (guint i = 0; i < packet->len; i++)
    sum += packet->data[i];
  sum += bad_checksum ? 1 : 0;
  g_byte_array_append (packet, &sum, 1);
  write_all (port->fd, packet->data, packet->len);
}

static void
send_rpc (Port         *port,
          guint8        command,
          const guint8 *data,
          gsize         length)
{
  g_autoptr(GByteArray) rpc = g_byte_array_new ();
  guint8 head[] = { command, (guint8) length };

  g_byte_array_append (rpc, head, 2);
  g_byte_array_append (rpc, data, length);
  send_improv (port, 0x03, rpc->data, rpc->len, FALSE);
}

static void
send_wifi (Port       *port,
           const char *ssid,
           const char *password)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 n = strlen (ssid);

  g_byte_array_append (data, &n, 1);
  g_byte_array_append (data, (const guint8 *) ssid, n);
  n = strlen (password);
  g_byte_array_append (data, &n, 1);
  g_byte_array_append (data, (const guint8 *) password, n);
  send_rpc (port, 0x01, data->data, data->len);
}

/* The text between the board's packets since start_improv (). */
static GString *improv_log;

/* The next packet from the board (the text before it goes to improv_log):
 * its type and data, checked for version, checksum and the '\n' after it. */
static GByteArray *
read_improv (Port   *port,
             guint8 *out_type)
{
  const guint8 *start;
  gsize at, length;
  guint8 sum = 0;
  GByteArray *data;

  read_until (port, "IMPROV");
  start = find (port, "IMPROV");
  at = start - port->pending->data;
  while (port->pending->len < at + 9 || port->pending->len < at + 9 + port->pending->data[at + 8] + 2)
    g_assert_true (fill (port, TIMEOUT_MS));

  start = port->pending->data + at;
  length = start[8];
  g_assert_cmpuint (start[6], ==, 1);
  for (gsize i = 0; i < 9 + length; i++)
    sum += start[i];
  g_assert_cmpuint (start[9 + length], ==, sum);
  g_assert_cmpuint (start[10 + length], ==, '\n');
  *out_type = start[7];
  data = g_byte_array_new ();
  g_byte_array_append (data, start + 9, length);
  g_string_append_len (improv_log, (const char *) port->pending->data, at);
  g_byte_array_remove_range (port->pending, 0, at + 11 + length);
  return data;
}

static void
expect_byte (Port   *port,
             guint8  type,
             guint8  value)
{
  guint8 got_type;
  g_autoptr(GByteArray) data = read_improv (port, &got_type);

  g_assert_cmpuint (got_type, ==, type);
  g_assert_cmpuint (data->len, ==, 1);
  g_assert_cmpuint (data->data[0], ==, value);
}

/* An RPC result for @command: its strings, NULL-terminated. */
static GStrv
expect_result (Port   *port,
               guint8  command)
{
  guint8 type;
  g_autoptr(GByteArray) data = read_improv (port, &type);
  GPtrArray *strings = g_ptr_array_new ();

  g_assert_cmpuint (type, ==, 0x04);
  g_assert_cmpuint (data->len, >=, 2);
  g_assert_cmpuint (data->data[0], ==, command);
  g_assert_cmpuint (data->data[1] + 2, ==, data->len);
  for (gsize i = 2; i < data->len;)
    {
      gsize n = data->data[i];

      g_assert_cmpuint (i + 1 + n, <=, data->len);
      g_ptr_array_add (strings, g_strndup ((const char *) data->data + i + 1, n));
      i += 1 + n;
    }
  g_ptr_array_add (strings, NULL);
  return (GStrv) g_ptr_array_free (strings, FALSE);
}

static void
start_improv (Port       *port,
              const char *chip)
{
  start_with (port, chip, SF_SIM_FIRMWARE_IMPROV);
  read_until (port, "[I][app:102]: ESPHome version 2024.6.0");
  read_until (port, "Improv serial ready");
  forget (port);
  g_string_truncate (improv_log, 0);
}

static void
test_improv_info_state (void)
{
  const struct { const char *chip, *family; } chips[] = {
    { "esp32", "ESP32" }, { "esp32s3", "ESP32-S3" }, { "esp8266", "ESP8266" },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (chips); c++)
    {
      Port port;
      g_auto(GStrv) info = NULL;

      start_improv (&port, chips[c].chip);
      send_rpc (&port, 0x03, NULL, 0);
      info = expect_result (&port, 0x03);
      g_assert_cmpuint (g_strv_length (info), ==, 4);
      g_assert_cmpstr (info[0], ==, "ESPHome");
      g_assert_cmpstr (info[1], ==, "2024.6.0");
      g_assert_cmpstr (info[2], ==, chips[c].family);
      g_assert_cmpstr (info[3], ==, "sparkflash-sim");

      send_rpc (&port, 0x02, NULL, 0);
      expect_byte (&port, 0x01, 0x02);
      port_close (&port);
    }
}

static void
test_improv_scan (void)
{
  const char *expected[][3] = {
    { "Sparkflash Lab", "-48", "YES" }, { "Workshop", "-63", "YES" }, { "Guest", "-77", "NO" },
  };
  Port port;

  start_improv (&port, "esp32");
  send_rpc (&port, 0x04, NULL, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) network = expect_result (&port, 0x04);

      g_assert_cmpuint (g_strv_length (network), ==, 3);
      for (gsize k = 0; k < 3; k++)
        g_assert_cmpstr (network[k], ==, expected[i][k]);
    }
  {
    g_auto(GStrv) end = expect_result (&port, 0x04);

    g_assert_cmpuint (g_strv_length (end), ==, 0);
  }
  port_close (&port);
}

/* A damaged packet, an unknown command and a malformed one: their error
 * states, and the board goes on answering. */
static void
test_improv_errors (void)
{
  Port port;
  const guint8 short_settings[] = { 5, 'a', 'b' };

  start_improv (&port, "esp32");
  send_improv (&port, 0x03, (const guint8 *) "\x02\x00", 2, TRUE);
  expect_byte (&port, 0x02, 0x01);
  send_rpc (&port, 0x7E, NULL, 0);
  expect_byte (&port, 0x02, 0x02);
  send_rpc (&port, 0x01, short_settings, sizeof short_settings);
  expect_byte (&port, 0x02, 0x01);
  /* Typing between packets is no packet at all. */
  write_text (&port, "hello\r\n");
  send_rpc (&port, 0x02, NULL, 0);
  expect_byte (&port, 0x01, 0x02);
  port_close (&port);
}

static void
test_improv_wrong_password (void)
{
  Port port;

  start_improv (&port, "esp32");
  send_wifi (&port, "Workshop", "hammer time");
  expect_byte (&port, 0x01, 0x03);
  expect_byte (&port, 0x02, 0x03);
  expect_byte (&port, 0x01, 0x02);
  /* An unknown network fails the same way. */
  send_wifi (&port, "Elsewhere", "soldering iron");
  expect_byte (&port, 0x01, 0x03);
  expect_byte (&port, 0x02, 0x03);
  expect_byte (&port, 0x01, 0x02);
  read_for (&port, 100);
  g_string_append_len (improv_log, (const char *) port.pending->data, port.pending->len);
  g_assert_nonnull (strstr (improv_log->str, "Error while connecting to 'Workshop'"));
  g_assert_null (strstr (improv_log->str, "hammer"));
  send_rpc (&port, 0x02, NULL, 0);
  expect_byte (&port, 0x01, 0x02);
  port_close (&port);
}

static void
test_improv_provision (void)
{
  Port port;
  g_auto(GStrv) url = NULL;
  g_auto(GStrv) again = NULL;

  start_improv (&port, "esp32");
  send_wifi (&port, "Sparkflash Lab", "correct horse");
  expect_byte (&port, 0x01, 0x03);
  expect_byte (&port, 0x01, 0x04);
  url = expect_result (&port, 0x01);
  g_assert_cmpuint (g_strv_length (url), ==, 1);
  g_assert_cmpstr (url[0], ==, "http://192.168.4.23");
  g_assert_nonnull (strstr (improv_log->str, "Received Improv Wi-Fi settings ssid='Sparkflash Lab'"));
  g_assert_nonnull (strstr (improv_log->str, "WiFi Connected!"));
  g_assert_null (strstr (improv_log->str, "correct horse"));

  /* Asked again, it says so, with the URL. */
  send_rpc (&port, 0x02, NULL, 0);
  expect_byte (&port, 0x01, 0x04);
  again = expect_result (&port, 0x02);
  g_assert_cmpstr (again[0], ==, "http://192.168.4.23");
  port_close (&port);
}

/* The open network takes any password. */
static void
test_improv_open_network (void)
{
  Port port;
  g_auto(GStrv) url = NULL;

  start_improv (&port, "esp8266");
  send_wifi (&port, "Guest", "");
  expect_byte (&port, 0x01, 0x03);
  expect_byte (&port, 0x01, 0x04);
  url = expect_result (&port, 0x01);
  g_assert_cmpstr (url[0], ==, "http://192.168.4.23");
  port_close (&port);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  improv_log = g_string_new (NULL);

  g_test_add_func ("/simulator/firmware/none-unchanged", test_none_unchanged);
  g_test_add_func ("/simulator/firmware/esp8266-rom-at-74880", test_esp8266_rom_at_74880);
  g_test_add_func ("/simulator/firmware/esp8266-rom-garbled-at-115200", test_esp8266_rom_garbled_at_115200);
  g_test_add_func ("/simulator/firmware/esp32-boot", test_esp32_boot);
  g_test_add_func ("/simulator/firmware/app-rate", test_app_rate);
  g_test_add_func ("/simulator/firmware/press-reset", test_press_reset);
  g_test_add_func ("/simulator/firmware/echo", test_echo);
  g_test_add_func ("/simulator/firmware/sync-back-to-rom", test_sync_back_to_rom);
  g_test_add_func ("/simulator/firmware/flood", test_flood);
  g_test_add_func ("/simulator/firmware/improv/info-and-state", test_improv_info_state);
  g_test_add_func ("/simulator/firmware/improv/scan", test_improv_scan);
  g_test_add_func ("/simulator/firmware/improv/errors", test_improv_errors);
  g_test_add_func ("/simulator/firmware/improv/wrong-password", test_improv_wrong_password);
  g_test_add_func ("/simulator/firmware/improv/provision", test_improv_provision);
  g_test_add_func ("/simulator/firmware/improv/open-network", test_improv_open_network);

  ret = g_test_run ();
  g_string_free (improv_log, TRUE);
  return ret;
}
