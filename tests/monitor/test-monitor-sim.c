/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "monitor-test-util.h"
#include "sf-improv-client.h"
#include "sf-monitor.h"
#include "sf-sim-device.h"
#include "../test-timing.h"

/* The monitor and the Improv client against the simulated board running a
 * firmware, on a real pseudo-terminal: the board boots whenever the port is
 * opened, the ESP8266's ROM text at 74880 baud, the app at its own rate,
 * and text read at the wrong rate is garbage. */

typedef struct
{
  SfSimDevice  *sim;
  MonitorWatch  watch;
} Fixture;

static void
fixture_set_up (Fixture    *fixture,
                const char *chip,
                SfSimFirmware firmware)
{
  g_autoptr(GError) error = NULL;

  fixture->sim = sf_sim_device_new (chip, &error);
  g_assert_no_error (error);
  sf_sim_device_set_firmware (fixture->sim, firmware);
  monitor_watch_init (&fixture->watch);
}

static void
start_sim (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_sim_device_start (fixture->sim, &error));
  g_assert_no_error (error);
}

static void
start_monitor (Fixture *fixture,
               guint    baud,
               SfChip   chip)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_monitor_start (fixture->watch.monitor, sf_sim_device_get_port_path (fixture->sim),
                                   baud, chip, TRUE, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  monitor_watch_clear (&fixture->watch);
  sf_sim_device_stop (fixture->sim);
  g_clear_object (&fixture->sim);
}

static guint
count_lines (Fixture           *fixture,
             SfMonitorLineKind  kind,
             const char        *text)
{
  guint n = 0;

  for (guint i = 0; i < fixture->watch.lines->len; i++)
    {
      SfMonitorLine *line = fixture->watch.lines->pdata[i];

      if (line->kind == kind && g_str_equal (line->text, text))
        n++;
    }
  return n;
}

static void
wait_for_count (Fixture           *fixture,
                SfMonitorLineKind  kind,
                const char        *text,
                guint              n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (count_lines (fixture, kind, text) < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The line “%s” did not come %u times", text, n);
      monitor_test_wait_ms (5);
    }
}

/* Nothing read at the wrong rate: garbage would show as U+FFFD. */
static void
assert_no_garbage (Fixture *fixture)
{
  for (guint i = 0; i < fixture->watch.lines->len; i++)
    {
      SfMonitorLine *line = fixture->watch.lines->pdata[i];

      if (strstr (line->text, "\xef\xbf\xbd") != NULL)
        g_error ("Garbage in line %u: “%s”", i, line->text);
    }
}

#define BOOT_NOTE "Boot text read at 74880 baud; now at 115200 baud"
#define ESP8266_ROM_LINE " ets Jan  8 2013,rst cause:2, boot mode:(3,6)"
#define LOGGER_READY "I (330) main: sparkflash-sim logger, echoing each line it receives"

static void
test_esp8266_boot_text (Fixture       *fixture,
                        gconstpointer  data)
{
  SfMonitorLine *line;

  fixture_set_up (fixture, "esp8266", SF_SIM_FIRMWARE_LOGGER);
  start_sim (fixture);
  start_monitor (fixture, 115200, SF_CHIP_ESP8266);

  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_NOTE, BOOT_NOTE);
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, LOGGER_READY);
  line = monitor_watch_find_line (&fixture->watch, ESP8266_ROM_LINE);
  g_assert_nonnull (line);
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_cmpstr (line->explanation, ==, "Reset by the reset pin (cause 2); boot mode (3,6): "
                                          "the board booted normally from flash");
  g_assert_cmpint (monitor_watch_find_line (&fixture->watch, "load 0x4010f000")->kind, ==,
                   SF_MONITOR_LINE_BOOT);
  assert_no_garbage (fixture);

  /* Restarted by hand: the pty has no RTS, the button is pressed, and the
   * ROM's text is read at 74880 again. */
  sf_monitor_reset (fixture->watch.monitor);
  wait_for_count (fixture, SF_MONITOR_LINE_NOTE, "Resetting the board", 2);
  sf_sim_device_press_reset (fixture->sim);
  wait_for_count (fixture, SF_MONITOR_LINE_BOOT, ESP8266_ROM_LINE, 2);
  wait_for_count (fixture, SF_MONITOR_LINE_NOTE, BOOT_NOTE, 2);
  wait_for_count (fixture, SF_MONITOR_LINE_OUTPUT, LOGGER_READY, 2);
  assert_no_garbage (fixture);
}

static void
assert_colour (Fixture     *fixture,
               const char  *prefix,
               SfAnsiColor  color)
{
  SfMonitorLine *line = monitor_watch_find_line (&fixture->watch, prefix);

  g_assert_nonnull (line);
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_OUTPUT);
  g_assert_cmpuint (line->n_spans, ==, 1);
  g_assert_cmpuint (line->spans[0].start, ==, 0);
  g_assert_cmpuint (line->spans[0].end, ==, strlen (line->text));
  g_assert_cmpint (line->spans[0].foreground, ==, color);
  g_assert_null (strchr (line->text, '\033'));
}

static void
test_esp32_logger (Fixture       *fixture,
                   gconstpointer  data)
{
  SfMonitorLine *line;

  fixture_set_up (fixture, "esp32", SF_SIM_FIRMWARE_LOGGER);
  start_sim (fixture);
  start_monitor (fixture, 115200, SF_CHIP_ESP32);

  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, LOGGER_READY);
  line = monitor_watch_find_line (&fixture->watch, "rst:0x1 (POWERON_RESET)");
  g_assert_nonnull (line);
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_cmpstr (line->explanation, ==, "Powered on; boot mode 0x13: the board booted normally "
                                          "from flash");
  assert_colour (fixture, "I (27) boot: ESP-IDF", SF_ANSI_GREEN);
  assert_colour (fixture, "W (318) sim_sensor:", SF_ANSI_YELLOW);
  assert_colour (fixture, "E (324) sim_net:", SF_ANSI_RED);
  assert_no_garbage (fixture);

  /* A line sent comes back from the firmware, after the SENT line. */
  sf_monitor_send_line (fixture->watch.monitor, "hello board");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "echo: hello board");
  g_assert_true (monitor_watch_has_line (&fixture->watch, SF_MONITOR_LINE_SENT, "hello board"));

  /* The EN button: an RTC reset, explained. */
  sf_sim_device_press_reset (fixture->sim);
  wait_for_count (fixture, SF_MONITOR_LINE_OUTPUT, LOGGER_READY, 2);
  line = monitor_watch_find_line (&fixture->watch, "rst:0x10 (RTCWDT_RTC_RESET)");
  g_assert_nonnull (line);
  g_assert_cmpstr (line->explanation, ==, "Restarted by a watchdog: the firmware hung or crashed; "
                                          "boot mode 0x13: the board booted normally from flash");
}

/* stop() lets go of the port: it opens at once, and the board answers a
 * flasher's SYNC there. */
static void
test_stop_releases_port (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SfTransport) transport = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (fixture, "esp32", SF_SIM_FIRMWARE_LOGGER);
  start_sim (fixture);
  start_monitor (fixture, 115200, SF_CHIP_ESP32);
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, LOGGER_READY);
  sf_monitor_stop (fixture->watch.monitor);
  g_assert_cmpuint (fixture->watch.stopped, ==, 1);
  g_assert_null (fixture->watch.stop_error);

  transport = sf_transport_open (sf_sim_device_get_port_path (fixture->sim), 115200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (transport);
}

/* ---- Improv ------------------------------------------------------------------- */

static void
test_improv (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) networks = NULL;
  g_auto(GStrv) info = NULL;
  g_autofree char *url = NULL;
  MonitorTestCall call = { FALSE, NULL };
  SfImprovNetwork *network;

  fixture_set_up (fixture, "esp32", SF_SIM_FIRMWARE_IMPROV);
  start_sim (fixture);
  start_monitor (fixture, 115200, SF_CHIP_ESP32);
  client = sf_improv_client_new (fixture->watch.monitor);
  /* The app is up once it logs; asking earlier would reach the ROM. */
  while (fixture->watch.lines->len == 0 ||
         monitor_watch_find_line (&fixture->watch, "[") == NULL)
    monitor_test_wait_ms (10);

  sf_improv_client_get_state_async (client, 3000, NULL, monitor_test_done_cb, &call);
  monitor_test_wait_call (&call);
  g_assert_cmpint (sf_improv_client_get_state_finish (client, call.result, &error), ==,
                   SF_IMPROV_STATE_READY);
  g_assert_no_error (error);
  monitor_test_call_reset (&call);

  sf_improv_client_get_info_async (client, NULL, monitor_test_done_cb, &call);
  monitor_test_wait_call (&call);
  info = sf_improv_client_get_info_finish (client, call.result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (info), >=, 4);
  g_assert_cmpstr (info[0], ==, "ESPHome");
  g_assert_cmpstr (info[3], ==, "sparkflash-sim");
  monitor_test_call_reset (&call);

  sf_improv_client_scan_async (client, NULL, monitor_test_done_cb, &call);
  monitor_test_wait_call (&call);
  networks = sf_improv_client_scan_finish (client, call.result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (networks->len, ==, 3);
  network = networks->pdata[0];
  g_assert_cmpstr (network->ssid, ==, "Sparkflash Lab");
  g_assert_cmpint (network->rssi, ==, -48);
  g_assert_true (network->secured);
  g_assert_cmpstr (((SfImprovNetwork *) networks->pdata[1])->ssid, ==, "Workshop");
  network = networks->pdata[2];
  g_assert_cmpstr (network->ssid, ==, "Guest");
  g_assert_cmpint (network->rssi, ==, -77);
  g_assert_false (network->secured);
  monitor_test_call_reset (&call);

  /* The wrong password: the board cannot connect, and says so. */
  sf_improv_client_provision_async (client, "Sparkflash Lab", "wrong horse", NULL,
                                    monitor_test_done_cb, &call);
  monitor_test_wait_call (&call);
  g_assert_null (sf_improv_client_provision_finish (client, call.result, &error));
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT);
  g_assert_nonnull (strstr (error->message, "Sparkflash Lab"));
  g_assert_null (strstr (error->message, "wrong horse"));
  g_clear_error (&error);
  monitor_test_call_reset (&call);

  sf_improv_client_provision_async (client, "Sparkflash Lab", "correct horse", NULL,
                                    monitor_test_done_cb, &call);
  monitor_test_wait_call (&call);
  url = sf_improv_client_provision_finish (client, call.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://192.168.4.23");
  g_assert_cmpint (sf_improv_client_get_state (client), ==, SF_IMPROV_STATE_PROVISIONED);
  monitor_test_call_reset (&call);

  /* Frames are not lines, and no line shows a password. */
  for (guint i = 0; i < fixture->watch.lines->len; i++)
    {
      SfMonitorLine *line = fixture->watch.lines->pdata[i];

      g_assert_null (strstr (line->text, "IMPROV"));
      g_assert_null (strstr (line->text, "horse"));
    }
  assert_no_garbage (fixture);
}

/* ---- Flood ---------------------------------------------------------------------- */

/* A board printing nonstop at 921600 baud: the ring stays at its size, and
 * the main loop keeps running its 10 ms timeout on time. */
static void
test_flood (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) ring = NULL;
  MonitorTestTicks ticks;

  fixture_set_up (fixture, "esp32", SF_SIM_FIRMWARE_FLOOD);
  sf_sim_device_set_firmware_baud (fixture->sim, 921600);
  sf_sim_device_set_emulate_baud (fixture->sim, TRUE);
  start_sim (fixture);
  sf_monitor_set_max_lines (fixture->watch.monitor, 2000);
  start_monitor (fixture, 921600, SF_CHIP_ESP32);

  monitor_test_ticks_start (&ticks);
  monitor_test_wait_ms (3000);
  monitor_test_ticks_stop (&ticks);

  ring = sf_monitor_dup_lines (fixture->watch.monitor);
  g_test_message ("%u lines in %u batches; %u ticks, the longest gap %" G_GINT64_FORMAT " ms",
                  fixture->watch.lines->len, fixture->watch.batches, ticks.ticks,
                  ticks.longest_us / 1000);
  /* 921600 baud carries about 92 KB/s, over a thousand 70-character lines
   * a second; the bound leaves room for a slow machine. */
  g_assert_cmpuint (fixture->watch.lines->len, >, 1000);
  g_assert_cmpuint (ring->len, <=, 2000);
  g_assert_cmpuint (fixture->watch.batches, >, 20);
  if (sf_test_timing ())
    g_assert_cmpint (ticks.longest_us, <, 100 * 1000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/monitor/sim/" path, Fixture, NULL, NULL, func, fixture_tear_down)
  ADD ("esp8266/boot-text", test_esp8266_boot_text);
  ADD ("esp32/logger", test_esp32_logger);
  ADD ("esp32/stop-releases-port", test_stop_releases_port);
  ADD ("esp32/improv", test_improv);
  ADD ("esp32/flood", test_flood);
#undef ADD

  return g_test_run ();
}
