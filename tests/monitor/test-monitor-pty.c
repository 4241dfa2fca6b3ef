/* SPDX-License-Identifier: GPL-3.0-or-later */
/* posix_openpt(), ptsname_r() */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* termios2, to see the rate the monitor set on the pty. */
#include <asm/termbits.h>

#include "sf-improv-client.h"
#include "sf-improv-private.h"
#include "sf-monitor.h"
#include "monitor-test-util.h"
#include "../test-timing.h"

/* The monitor on the slave side of a pseudo-terminal; the test plays the
 * board on the master side, writing and reading bytes by hand. The real
 * transport, thread and main-context hand-over run: nothing is mocked. */

typedef struct
{
  int           master;
  char         *slave_path;
  MonitorWatch  watch;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  char name[128];

  fixture->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (fixture->master, >=, 0);
  g_assert_no_errno (grantpt (fixture->master));
  g_assert_no_errno (unlockpt (fixture->master));
  g_assert_no_errno (ptsname_r (fixture->master, name, sizeof name));
  g_assert_no_errno (fcntl (fixture->master, F_SETFL, fcntl (fixture->master, F_GETFL) | O_NONBLOCK));
  fixture->slave_path = g_strdup (name);
  monitor_watch_init (&fixture->watch);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  monitor_watch_clear (&fixture->watch);
  close (fixture->master);
  g_free (fixture->slave_path);
}

static void
start (Fixture  *fixture,
       SfChip    chip,
       gboolean  reset)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_monitor_start (fixture->watch.monitor, fixture->slave_path, 115200, chip, reset,
                                   &error));
  g_assert_no_error (error);
}

static void
master_write (Fixture    *fixture,
              const void *data,
              gsize       length)
{
  const guint8 *bytes = data;
  gsize done = 0;

  while (done < length)
    {
      struct pollfd pfd = { .fd = fixture->master, .events = POLLOUT };
      gssize n = write (fixture->master, bytes + done, length - done);

      if (n > 0)
        done += n;
      else if (errno == EAGAIN)
        g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
      else
        g_assert_no_errno (n);
    }
}

static void
master_print (Fixture    *fixture,
              const char *text)
{
  master_write (fixture, text, strlen (text));
}

/* Reads what the monitor sent, until @length bytes or @timeout_ms. */
static gsize
master_read (Fixture *fixture,
             guint8  *buffer,
             gsize    length,
             guint    timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gsize done = 0;

  while (done < length)
    {
      struct pollfd pfd = { .fd = fixture->master, .events = POLLIN };
      gint64 remaining = deadline - g_get_monotonic_time ();
      gssize n;

      if (remaining <= 0)
        break;
      /* Keep the main context going: the monitor's thread waits for nothing
       * from it, but the client's answers are handled there. */
      g_main_context_iteration (NULL, FALSE);
      if (poll (&pfd, 1, 5) <= 0)
        continue;
      n = read (fixture->master, buffer + done, length - done);
      if (n > 0)
        done += n;
      else if (n < 0 && errno != EAGAIN && errno != EIO)
        g_assert_no_errno (n);
    }
  return done;
}

static guint
pty_baud (Fixture *fixture)
{
  struct termios2 tio;

  /* On Linux the master's TCGETS2 reads the slave's settings. */
  if (ioctl (fixture->master, TCGETS2, &tio) != 0)
    return 0;
  return tio.c_ospeed;
}

static void
test_lines (Fixture       *fixture,
            gconstpointer  data)
{
  SfMonitorLine *line;

  start (fixture, SF_CHIP_AUTO, FALSE);
  g_assert_true (sf_monitor_get_running (fixture->watch.monitor));
  g_assert_cmpstr (sf_monitor_get_port_path (fixture->watch.monitor), ==, fixture->slave_path);
  g_assert_cmpuint (sf_monitor_get_baud (fixture->watch.monitor), ==, 115200);

  master_print (fixture, "\033[0;32mI (312) wifi: connected\033[0m\r\nplain\r\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "plain");
  line = monitor_watch_find_line (&fixture->watch, "I (312)");
  g_assert_nonnull (line);
  g_assert_cmpuint (line->n_spans, ==, 1);
  g_assert_cmpint (line->spans[0].foreground, ==, SF_ANSI_GREEN);
  g_assert_cmpuint (line->time_us, >, 0);

  /* A prompt shows without its line end. */
  master_print (fixture, "> ");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "> ");
}

static void
test_ring (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) ring = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sf-monitor-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "log.txt", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) saved = NULL;

  g_assert_no_error (error);
  sf_monitor_set_max_lines (fixture->watch.monitor, 3);
  start (fixture, SF_CHIP_AUTO, FALSE);
  master_print (fixture, "1\n2\n3\n4\n5\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "5");

  ring = sf_monitor_dup_lines (fixture->watch.monitor);
  g_assert_cmpuint (ring->len, ==, 3);
  g_assert_cmpstr (((SfMonitorLine *) ring->pdata[0])->text, ==, "3");
  g_assert_cmpstr (((SfMonitorLine *) ring->pdata[2])->text, ==, "5");

  g_assert_true (sf_monitor_save (fixture->watch.monitor, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  saved = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (saved), ==, 4);
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d  3$", saved[0], 0, 0));
  g_assert_cmpstr (saved[3], ==, "");

  sf_monitor_clear (fixture->watch.monitor);
  g_clear_pointer (&ring, g_ptr_array_unref);
  ring = sf_monitor_dup_lines (fixture->watch.monitor);
  g_assert_cmpuint (ring->len, ==, 0);

  g_assert_false (sf_monitor_save (fixture->watch.monitor, "/nonexistent/folder/log.txt", &error));
  g_assert_nonnull (error);
  g_assert_no_errno (unlink (path));
  g_assert_no_errno (rmdir (dir));
}

static void
test_send_line (Fixture       *fixture,
                gconstpointer  data)
{
  guint8 buffer[64] = { 0, };
  gsize n;

  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_monitor_send_line (fixture->watch.monitor, "help");
  n = master_read (fixture, buffer, 6, 5000);
  g_assert_cmpmem (buffer, n, "help\r\n", 6);
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_SENT, "help");

  /* The board echoes it. */
  master_print (fixture, "help\r\ncommands: help\r\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "commands: help");
}

/* A pty has no modem lines: the monitor says to press RESET and reads on. */
static void
test_reset_without_rts (Fixture       *fixture,
                        gconstpointer  data)
{
  start (fixture, SF_CHIP_ESP32, TRUE);
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_NOTE,
                 "This port has no RTS line: press RESET on the board to restart it");
  master_print (fixture, "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_BOOT,
                 "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)");
  g_assert_cmpstr (monitor_watch_find_line (&fixture->watch, "rst:0x1")->explanation, ==,
                   "Powered on; boot mode 0x13: the board booted normally from flash");
}

/* The ESP8266: read at 74880 from the reset, BOOT lines explained, then
 * the firmware's rate once the ROM has been quiet for 30 ms. */
static void
test_esp8266_boot_text (Fixture       *fixture,
                        gconstpointer  data)
{
  SfMonitorLine *line;

  start (fixture, SF_CHIP_ESP8266, TRUE);
  if (pty_baud (fixture) != 0)
    g_assert_cmpuint (pty_baud (fixture), ==, 74880);
  master_print (fixture, "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x4010f000, len 3460, room 16\r\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_NOTE, "Boot text read at 74880 baud; now at 115200 baud");
  if (pty_baud (fixture) != 0)
    g_assert_cmpuint (pty_baud (fixture), ==, 115200);

  line = monitor_watch_find_line (&fixture->watch, " ets Jan");
  g_assert_nonnull (line);
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_cmpstr (line->explanation, ==, "Reset by the reset pin (cause 2); boot mode (3,6): "
                                          "the board booted normally from flash");
  g_assert_cmpint (monitor_watch_find_line (&fixture->watch, "load 0x4010f000")->kind, ==, SF_MONITOR_LINE_BOOT);

  master_print (fixture, "firmware here\r\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "firmware here");

  /* Again by hand: back to 74880 until the ROM is done. */
  sf_monitor_reset (fixture->watch.monitor);
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_NOTE, "Resetting the board");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_NOTE, "No boot text came at 74880 baud; now at 115200 baud");
}

static void
test_set_baud (Fixture       *fixture,
               gconstpointer  data)
{
  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_monitor_set_baud (fixture->watch.monitor, 921600);
  g_assert_cmpuint (sf_monitor_get_baud (fixture->watch.monitor), ==, 921600);
  if (pty_baud (fixture) != 0)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      while (pty_baud (fixture) != 921600 && g_get_monotonic_time () < deadline)
        monitor_test_wait_ms (5);
      g_assert_cmpuint (pty_baud (fixture), ==, 921600);
    }
}

/* stop() closes the port before it returns: it can be opened at once. */
static void
test_stop_releases_port (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SfTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start_us;

  start (fixture, SF_CHIP_AUTO, FALSE);
  g_assert_false (sf_monitor_start (fixture->watch.monitor, fixture->slave_path, 115200, SF_CHIP_AUTO,
                                    FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  master_print (fixture, "last words");
  monitor_test_wait_ms (20);
  start_us = g_get_monotonic_time ();
  sf_monitor_stop (fixture->watch.monitor);
  g_assert_cmpint (g_get_monotonic_time () - start_us, <, G_USEC_PER_SEC);
  g_assert_false (sf_monitor_get_running (fixture->watch.monitor));
  g_assert_cmpuint (fixture->watch.stopped, ==, 1);
  g_assert_null (fixture->watch.stop_error);
  /* The partial line is not lost. */
  g_assert_true (monitor_watch_has_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "last words"));

  transport = sf_transport_open (fixture->slave_path, 115200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (transport);
  g_clear_object (&transport);

  /* Stopping again does nothing; starting again works. */
  sf_monitor_stop (fixture->watch.monitor);
  g_assert_cmpuint (fixture->watch.stopped, ==, 1);
  start (fixture, SF_CHIP_AUTO, FALSE);
  master_print (fixture, "again\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "again");
}

static void
stop_on_line_cb (SfMonitor *monitor,
                 GPtrArray *lines,
                 Fixture   *fixture)
{
  sf_monitor_stop (monitor);
}

/* A handler may stop the monitor, even while stop() is handing over the
 * last lines. */
static void
test_stop_in_handler (Fixture       *fixture,
                      gconstpointer  data)
{
  g_signal_connect (fixture->watch.monitor, "lines-added", G_CALLBACK (stop_on_line_cb), fixture);
  start (fixture, SF_CHIP_AUTO, FALSE);
  master_print (fixture, "one\n");
  monitor_watch_wait_stopped (&fixture->watch);
  g_assert_cmpuint (fixture->watch.stopped, ==, 1);
  g_assert_false (sf_monitor_get_running (fixture->watch.monitor));

  /* The last lines come during stop() itself. */
  start (fixture, SF_CHIP_AUTO, FALSE);
  master_print (fixture, "partial");
  monitor_test_wait_ms (20);
  sf_monitor_stop (fixture->watch.monitor);
  g_assert_cmpuint (fixture->watch.stopped, ==, 2);
  g_assert_true (monitor_watch_has_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "partial"));
}

/* The board goes away: stopped comes with an error. */
static void
test_port_gone (Fixture       *fixture,
                gconstpointer  data)
{
  start (fixture, SF_CHIP_AUTO, FALSE);
  close (fixture->master);
  fixture->master = -1;
  monitor_watch_wait_stopped (&fixture->watch);
  g_assert_cmpuint (fixture->watch.stopped, ==, 1);
  g_assert_nonnull (fixture->watch.stop_error);
  g_assert_false (sf_monitor_get_running (fixture->watch.monitor));
}

typedef struct
{
  Fixture *fixture;
  guint    n_lines;
} Flood;

static gpointer
flood_thread (gpointer data)
{
  Flood *flood = data;
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < flood->n_lines; i++)
    g_string_append_printf (text, "flood line %u\n", i);
  master_write (flood->fixture, text->str, text->len);
  return NULL;
}

/* A main context that does not take the lines does not make the monitor
 * keep them all: the oldest go, and a NOTE says how many. */
static void
test_pending_bounded (Fixture       *fixture,
                      gconstpointer  data)
{
  Flood flood = { fixture, 20000 };
  GThread *thread;
  SfMonitorLine *note = NULL;
  guint64 skipped;

  start (fixture, SF_CHIP_AUTO, FALSE);
  /* The main context sleeps while the board prints. */
  thread = g_thread_new ("flood", flood_thread, &flood);
  g_thread_join (thread);
  g_usleep (300 * 1000);
  master_print (fixture, "end\n");
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "end");

  for (guint i = 0; i < fixture->watch.lines->len && note == NULL; i++)
    if (((SfMonitorLine *) fixture->watch.lines->pdata[i])->kind == SF_MONITOR_LINE_NOTE)
      note = fixture->watch.lines->pdata[i];
  g_assert_nonnull (note);
  g_assert_true (g_str_has_suffix (note->text, " lines skipped: the board printed faster than "
                                               "they could be shown"));
  skipped = g_ascii_strtoull (note->text, NULL, 10);
  /* Every line is either shown or counted. */
  g_assert_cmpuint (skipped + fixture->watch.lines->len - 2, ==, flood.n_lines);
  g_assert_cmpuint (fixture->watch.lines->len, <, 5000);
}

typedef struct
{
  Fixture *fixture;
  gint     stop;      /* atomic */
  guint64  written;   /* lines */
} Flooder;

static gpointer
flooder_thread (gpointer data)
{
  Flooder *flooder = data;
  g_autoptr(GString) text = g_string_new (NULL);

  while (!g_atomic_int_get (&flooder->stop))
    {
      g_string_truncate (text, 0);
      for (guint i = 0; i < 100; i++)
        g_string_append_printf (text, "\033[0;32mI (%" G_GUINT64_FORMAT ") flood: a line of "
                                "log output\033[0m\r\n", flooder->written++);
      master_write (flooder->fixture, text->str, text->len);
    }
  return NULL;
}

/* A board printing as fast as the line goes: the main context stays
 * responsive (a 10 ms timeout is never held up for long) and the ring
 * stays at its size. */
static void
test_flood_responsive (Fixture       *fixture,
                       gconstpointer  data)
{
  Flooder flooder = { fixture, 0, 0 };
  MonitorTestTicks ticks;
  g_autoptr(GPtrArray) ring = NULL;
  GThread *thread;

  sf_monitor_set_max_lines (fixture->watch.monitor, 1000);
  start (fixture, SF_CHIP_AUTO, FALSE);
  monitor_test_ticks_start (&ticks);
  thread = g_thread_new ("flooder", flooder_thread, &flooder);
  monitor_test_wait_ms (1500);
  g_atomic_int_set (&flooder.stop, 1);
  /* The monitor reads on, so the writer's last write completes. */
  g_thread_join (thread);
  monitor_test_ticks_stop (&ticks);

  g_test_message ("%" G_GUINT64_FORMAT " lines written, %u shown in %u batches; the longest "
                  "gap between ticks was %" G_GINT64_FORMAT " ms", flooder.written,
                  fixture->watch.lines->len, fixture->watch.batches, ticks.longest_us / 1000);
  g_assert_cmpuint (flooder.written, >, 1000);
  g_assert_cmpuint (fixture->watch.batches, >, 10);
  ring = sf_monitor_dup_lines (fixture->watch.monitor);
  g_assert_cmpuint (ring->len, <=, 1000);
  if (sf_test_timing ())
    g_assert_cmpint (ticks.longest_us, <, 100 * 1000);
}

/* ---- Improv, with the test answering as the board ----------------------- */

/* Reads one frame the client sent; returns its payload. */
static GBytes *
read_frame (Fixture *fixture,
            guint    expected_type)
{
  guint8 buffer[SF_IMPROV_MAX_FRAME];
  GBytes *payload = NULL;
  gsize frame_length;
  guint type;

  g_assert_cmpuint (master_read (fixture, buffer, SF_IMPROV_HEADER_LENGTH, 5000), ==,
                    SF_IMPROV_HEADER_LENGTH);
  g_assert_cmpuint (master_read (fixture, buffer + SF_IMPROV_HEADER_LENGTH, buffer[8] + 1, 5000),
                    ==, buffer[8] + 1);
  g_assert_cmpint (_sf_improv_parse (buffer, SF_IMPROV_HEADER_LENGTH + buffer[8] + 1,
                                     &frame_length, &type, &payload), ==, SF_IMPROV_PARSE_FRAME);
  g_assert_cmpuint (type, ==, expected_type);
  return payload;
}

static void
send_frame (Fixture      *fixture,
            guint         type,
            const guint8 *data,
            gsize         length)
{
  g_autoptr(GBytes) frame = _sf_improv_encode (type, data, length);

  master_write (fixture, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
  master_print (fixture, "\n");
}

static void
send_result (Fixture            *fixture,
             guint               command,
             const char * const *strings)
{
  guint8 data[255] = { command, 0 };
  gsize length = 2;

  for (guint i = 0; strings[i] != NULL; i++)
    {
      data[length++] = strlen (strings[i]);
      memcpy (data + length, strings[i], strlen (strings[i]));
      length += strlen (strings[i]);
    }
  data[1] = length - 2;
  send_frame (fixture, SF_IMPROV_TYPE_RPC_RESULT, data, length);
}

static void
send_state (Fixture *fixture,
            guint    type,
            guint8   value)
{
  send_frame (fixture, type, &value, 1);
}

static void
test_improv_state_and_info (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = sf_improv_client_new (fixture->watch.monitor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_auto(GStrv) info = NULL;
  MonitorTestCall wait = { FALSE, NULL };

  start (fixture, SF_CHIP_AUTO, FALSE);
  g_assert_cmpint (sf_improv_client_get_state (client), ==, SF_IMPROV_STATE_UNKNOWN);

  sf_improv_client_get_state_async (client, 5000, NULL, monitor_test_done_cb, &wait);
  request = read_frame (fixture, SF_IMPROV_TYPE_RPC_COMMAND);
  g_assert_cmpmem (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\x02\x00", 2);
  send_state (fixture, SF_IMPROV_TYPE_ERROR_STATE, 0x00);
  send_state (fixture, SF_IMPROV_TYPE_CURRENT_STATE, SF_IMPROV_STATE_READY);
  monitor_test_wait_call (&wait);
  g_assert_cmpint (sf_improv_client_get_state_finish (client, wait.result, &error), ==,
                   SF_IMPROV_STATE_READY);
  g_assert_no_error (error);
  g_assert_cmpint (sf_improv_client_get_state (client), ==, SF_IMPROV_STATE_READY);
  monitor_test_call_reset (&wait);

  sf_improv_client_get_info_async (client, NULL, monitor_test_done_cb, &wait);
  g_clear_pointer (&request, g_bytes_unref);
  request = read_frame (fixture, SF_IMPROV_TYPE_RPC_COMMAND);
  g_assert_cmpmem (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\x03\x00", 2);
  master_print (fixture, "some log output\r\n");
  send_result (fixture, SF_IMPROV_COMMAND_GET_INFO,
               (const char *[]) { "Sparkfw", "1.0", "ESP32", "Kitchen", NULL });
  monitor_test_wait_call (&wait);
  info = sf_improv_client_get_info_finish (client, wait.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (info, ((const char *[]) { "Sparkfw", "1.0", "ESP32", "Kitchen", NULL }));
  monitor_test_call_reset (&wait);

  /* The frames are not shown as text; the log line around them is. */
  monitor_watch_wait_for_line (&fixture->watch, SF_MONITOR_LINE_OUTPUT, "some log output");
  g_assert_null (monitor_watch_find_line (&fixture->watch, "IMPROV"));
}

static void
test_improv_scan (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = sf_improv_client_new (fixture->watch.monitor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GPtrArray) networks = NULL;
  SfImprovNetwork *network;
  MonitorTestCall wait = { FALSE, NULL };
  MonitorTestCall busy = { FALSE, NULL };

  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_improv_client_scan_async (client, NULL, monitor_test_done_cb, &wait);
  /* One request at a time. */
  sf_improv_client_get_info_async (client, NULL, monitor_test_done_cb, &busy);
  monitor_test_wait_call (&busy);
  g_assert_null (sf_improv_client_get_info_finish (client, busy.result, &error));
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_BUSY);
  g_clear_error (&error);
  monitor_test_call_reset (&busy);

  request = read_frame (fixture, SF_IMPROV_TYPE_RPC_COMMAND);
  g_assert_cmpmem (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\x04\x00", 2);
  send_result (fixture, SF_IMPROV_COMMAND_SCAN, (const char *[]) { "Cafe", "-80", "NO", NULL });
  send_result (fixture, SF_IMPROV_COMMAND_SCAN, (const char *[]) { "Home", "-52", "YES", NULL });
  send_result (fixture, SF_IMPROV_COMMAND_SCAN, (const char *[]) { "Lab", "-61", "YES", NULL });
  send_result (fixture, SF_IMPROV_COMMAND_SCAN, (const char *[]) { NULL });
  monitor_test_wait_call (&wait);
  networks = sf_improv_client_scan_finish (client, wait.result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (networks->len, ==, 3);
  network = networks->pdata[0];
  g_assert_cmpstr (network->ssid, ==, "Home");
  g_assert_cmpint (network->rssi, ==, -52);
  g_assert_true (network->secured);
  g_assert_cmpstr (((SfImprovNetwork *) networks->pdata[1])->ssid, ==, "Lab");
  network = networks->pdata[2];
  g_assert_cmpstr (network->ssid, ==, "Cafe");
  g_assert_false (network->secured);
  monitor_test_call_reset (&wait);
}

static void
test_improv_provision (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = sf_improv_client_new (fixture->watch.monitor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *url = NULL;
  MonitorTestCall wait = { FALSE, NULL };
  const guint8 expected[] = { 0x01, 14, 4, 'H', 'o', 'm', 'e', 8, 'p', 'a', 's', 's', 'w', 'o',
                              'r', 'd' };

  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_improv_client_provision_async (client, "Home", "password", NULL, monitor_test_done_cb, &wait);
  request = read_frame (fixture, SF_IMPROV_TYPE_RPC_COMMAND);
  g_assert_cmpmem (g_bytes_get_data (request, NULL), g_bytes_get_size (request),
                   expected, sizeof expected);
  send_state (fixture, SF_IMPROV_TYPE_ERROR_STATE, 0x00);
  send_state (fixture, SF_IMPROV_TYPE_CURRENT_STATE, SF_IMPROV_STATE_PROVISIONING);
  send_state (fixture, SF_IMPROV_TYPE_CURRENT_STATE, SF_IMPROV_STATE_PROVISIONED);
  send_result (fixture, SF_IMPROV_COMMAND_WIFI_SETTINGS,
               (const char *[]) { "http://192.168.1.20", NULL });
  monitor_test_wait_call (&wait);
  url = sf_improv_client_provision_finish (client, wait.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://192.168.1.20");
  g_assert_cmpint (sf_improv_client_get_state (client), ==, SF_IMPROV_STATE_PROVISIONED);
  monitor_test_call_reset (&wait);

  /* The password is in no line. */
  for (guint i = 0; i < fixture->watch.lines->len; i++)
    g_assert_null (strstr (((SfMonitorLine *) fixture->watch.lines->pdata[i])->text, "password"));
}

static void
test_improv_wrong_password (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = sf_improv_client_new (fixture->watch.monitor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *url = NULL;
  MonitorTestCall wait = { FALSE, NULL };

  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_improv_client_provision_async (client, "Home", "wrong", NULL, monitor_test_done_cb, &wait);
  request = read_frame (fixture, SF_IMPROV_TYPE_RPC_COMMAND);
  send_state (fixture, SF_IMPROV_TYPE_CURRENT_STATE, SF_IMPROV_STATE_PROVISIONING);
  send_state (fixture, SF_IMPROV_TYPE_ERROR_STATE, 0x03);
  monitor_test_wait_call (&wait);
  url = sf_improv_client_provision_finish (client, wait.result, &error);
  g_assert_null (url);
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT);
  g_assert_nonnull (strstr (error->message, "“Home”"));
  g_assert_null (strstr (error->message, "wrong"));
  monitor_test_call_reset (&wait);
}

static void
test_improv_no_answer (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SfImprovClient) client = sf_improv_client_new (fixture->watch.monitor);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  MonitorTestCall wait = { FALSE, NULL };

  start (fixture, SF_CHIP_AUTO, FALSE);
  sf_improv_client_get_state_async (client, 200, NULL, monitor_test_done_cb, &wait);
  monitor_test_wait_call (&wait);
  g_assert_cmpint (sf_improv_client_get_state_finish (client, wait.result, &error), ==,
                   SF_IMPROV_STATE_UNKNOWN);
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER);
  g_clear_error (&error);
  monitor_test_call_reset (&wait);

  /* Cancelled while waiting. */
  sf_improv_client_scan_async (client, cancellable, monitor_test_done_cb, &wait);
  monitor_test_wait_ms (20);
  g_cancellable_cancel (cancellable);
  monitor_test_wait_call (&wait);
  g_assert_null (sf_improv_client_scan_finish (client, wait.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  monitor_test_call_reset (&wait);

  /* The monitor stops while waiting. */
  sf_improv_client_get_info_async (client, NULL, monitor_test_done_cb, &wait);
  sf_monitor_stop (fixture->watch.monitor);
  monitor_test_wait_call (&wait);
  g_assert_null (sf_improv_client_get_info_finish (client, wait.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  monitor_test_call_reset (&wait);

  /* Not running: fails at once. */
  sf_improv_client_get_info_async (client, NULL, monitor_test_done_cb, &wait);
  monitor_test_wait_call (&wait);
  g_assert_null (sf_improv_client_get_info_finish (client, wait.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  monitor_test_call_reset (&wait);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/monitor/pty/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("lines", test_lines);
  ADD ("ring", test_ring);
  ADD ("send-line", test_send_line);
  ADD ("reset-without-rts", test_reset_without_rts);
  ADD ("esp8266-boot-text", test_esp8266_boot_text);
  ADD ("set-baud", test_set_baud);
  ADD ("stop-releases-port", test_stop_releases_port);
  ADD ("stop-in-handler", test_stop_in_handler);
  ADD ("port-gone", test_port_gone);
  ADD ("pending-bounded", test_pending_bounded);
  ADD ("flood-responsive", test_flood_responsive);
  ADD ("improv/state-and-info", test_improv_state_and_info);
  ADD ("improv/scan", test_improv_scan);
  ADD ("improv/provision", test_improv_provision);
  ADD ("improv/wrong-password", test_improv_wrong_password);
  ADD ("improv/no-answer", test_improv_no_answer);
#undef ADD

  return g_test_run ();
}
