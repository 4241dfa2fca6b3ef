/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-improv-private.h"
#include "sf-monitor-splitter-private.h"

typedef struct
{
  SfMonitorSplitter *splitter;
  SfMonitorSplit     split;
  gint64             mono_us;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->splitter = _sf_monitor_splitter_new ();
  _sf_monitor_split_init (&fixture->split);
  fixture->mono_us = 1000 * 1000;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  _sf_monitor_splitter_free (fixture->splitter);
  _sf_monitor_split_clear (&fixture->split);
}

static void
feed_bytes (Fixture      *fixture,
            const guint8 *data,
            gsize         length)
{
  fixture->mono_us += 1000;
  _sf_monitor_splitter_feed (fixture->splitter, data, length, G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC,
                             fixture->mono_us, &fixture->split);
}

static void
feed (Fixture    *fixture,
      const char *text)
{
  feed_bytes (fixture, (const guint8 *) text, strlen (text));
}

/* Waits @ms without bytes, as the monitor's thread does between reads. */
static void
silence (Fixture *fixture,
         guint    ms)
{
  fixture->mono_us += ms * 1000;
  _sf_monitor_splitter_flush (fixture->splitter, fixture->mono_us, FALSE, &fixture->split);
}

static void
assert_lines (Fixture           *fixture,
              const char * const *expected)
{
  GPtrArray *lines = fixture->split.lines;
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < MIN (n, lines->len); i++)
    g_assert_cmpstr (((SfMonitorLine *) lines->pdata[i])->text, ==, expected[i]);
  g_assert_cmpuint (lines->len, ==, n);
}

#define LINES(...) ((const char * const[]) { __VA_ARGS__, NULL })

static void
test_line_ends (Fixture       *fixture,
                gconstpointer  data)
{
  /* \n, \r\n and a lone \r each end one line; \r\n is not two. */
  feed (fixture, "one\ntwo\r\nthree\rfour\n\nsix\r");
  feed (fixture, "\nseven\n");
  assert_lines (fixture, LINES ("one", "two", "three", "four", "", "six", "seven"));
}

static void
test_split_across_reads (Fixture       *fixture,
                         gconstpointer  data)
{
  feed (fixture, "hel");
  feed (fixture, "lo wor");
  g_assert_cmpuint (fixture->split.lines->len, ==, 0);
  feed (fixture, "ld\r");
  feed (fixture, "\n");
  assert_lines (fixture, LINES ("hello world"));
}

/* A prompt without a line end shows after 100 ms of silence, and the line
 * end that follows it later adds no empty line. */
static void
test_partial_line_flushed (Fixture       *fixture,
                           gconstpointer  data)
{
  feed (fixture, "Password: ");
  silence (fixture, 50);
  g_assert_cmpuint (fixture->split.lines->len, ==, 0);
  silence (fixture, 60);
  assert_lines (fixture, LINES ("Password: "));
  feed (fixture, "\r\nnext\n");
  assert_lines (fixture, LINES ("Password: ", "next"));
}

static void
test_long_line_cut (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *text = g_strnfill (SF_MONITOR_MAX_LINE_BYTES + 10, 'x');

  feed (fixture, text);
  g_assert_cmpuint (fixture->split.lines->len, ==, 1);
  g_assert_cmpuint (strlen (((SfMonitorLine *) fixture->split.lines->pdata[0])->text), ==,
                    SF_MONITOR_MAX_LINE_BYTES);
}

static GBytes *
state_frame (guint8 state)
{
  guint8 data[] = { state };

  return _sf_improv_encode (SF_IMPROV_TYPE_CURRENT_STATE, data, 1);
}

/* A frame in the middle of the output is taken out of it, with the '\n'
 * the board puts after it; the text around it stays whole. */
static void
test_improv_frame_taken_out (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GBytes) frame = state_frame (0x02);
  gsize length;
  const guint8 *bytes = g_bytes_get_data (frame, &length);
  GBytes *payload;

  feed (fixture, "before ");
  /* A byte at a time: the start is held back until it is proven a frame. */
  for (gsize i = 0; i < length; i++)
    feed_bytes (fixture, bytes + i, 1);
  feed (fixture, "\nafter\n");
  assert_lines (fixture, LINES ("before after"));
  g_assert_cmpuint (fixture->split.frames->len, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (fixture->split.frame_types->pdata[0]), ==,
                    SF_IMPROV_TYPE_CURRENT_STATE);
  payload = fixture->split.frames->pdata[0];
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), "\x02", 1);
}

static void
test_improv_lookalikes_are_text (Fixture       *fixture,
                                 gconstpointer  data)
{
  /* "IMPROVED" fails at the version byte; "IIMPROV" restarts at its second
   * I; "IMP" followed by silence is a partial line. */
  feed (fixture, "IMPROVED things\nIIMPORT\nIMP");
  silence (fixture, 200);
  assert_lines (fixture, LINES ("IMPROVED things", "IIMPORT", "IMP"));
  g_assert_cmpuint (fixture->split.frames->len, ==, 0);
}

static void
test_improv_bad_checksum_is_text (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GBytes) frame = state_frame ('A');
  g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
  gsize length = g_bytes_get_size (frame);

  bytes[length - 1] ^= 0x55;
  /* Make the checksum printable, so the text is easy to compare. */
  bytes[length - 1] = 'z';
  feed_bytes (fixture, bytes, length);
  feed (fixture, "\n");
  g_assert_cmpuint (fixture->split.frames->len, ==, 0);
  g_assert_cmpuint (fixture->split.lines->len, ==, 1);
  /* Version, type and length bytes are control characters: dropped. */
  g_assert_cmpstr (((SfMonitorLine *) fixture->split.lines->pdata[0])->text, ==, "IMPROVAz");
}

/* Two frames back to back, and a frame right after a real "I". */
static void
test_improv_frames_back_to_back (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GBytes) first = state_frame (0x03);
  g_autoptr(GBytes) second = state_frame (0x04);

  feed (fixture, "I");
  feed_bytes (fixture, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  feed_bytes (fixture, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  /* The first '\n' is the frame's own; the second ends the line. */
  feed (fixture, "\n\n");
  g_assert_cmpuint (fixture->split.frames->len, ==, 2);
  assert_lines (fixture, LINES ("I"));
}

static void
test_boot_lines (Fixture       *fixture,
                 gconstpointer  data)
{
  SfMonitorLine *line;

  _sf_monitor_splitter_set_kind (fixture->splitter, SF_MONITOR_LINE_BOOT);
  feed (fixture, "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x4010f000\r\n");
  _sf_monitor_splitter_set_kind (fixture->splitter, SF_MONITOR_LINE_OUTPUT);
  feed (fixture, "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nhello\n");
  g_assert_cmpuint (fixture->split.lines->len, ==, 6);

  line = fixture->split.lines->pdata[1];
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_cmpstr (line->explanation, ==, "Reset by the reset pin (cause 2); boot mode (3,6): "
                                          "the board booted normally from flash");
  line = fixture->split.lines->pdata[3];
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_null (line->explanation);
  /* The ESP32's ROM line comes at the firmware's rate, and is still BOOT. */
  line = fixture->split.lines->pdata[4];
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_BOOT);
  g_assert_cmpstr (line->explanation, ==, "Powered on; boot mode 0x13: the board booted normally "
                                          "from flash");
  line = fixture->split.lines->pdata[5];
  g_assert_cmpint (line->kind, ==, SF_MONITOR_LINE_OUTPUT);
}

static void
test_line_format (void)
{
  g_autoptr(SfMonitorSplitter) splitter = _sf_monitor_splitter_new ();
  g_auto(SfMonitorSplit) split = { NULL, };
  g_autoptr(GDateTime) time = g_date_time_new_local (2026, 12, 1, 7, 5, 9.25);
  g_autofree char *formatted = NULL;
  g_autofree char *boot = NULL;
  gint64 time_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + 250 * 1000;
  const char *raw = "\033[0;33mW (12) warn\033[0m\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n";

  _sf_monitor_split_init (&split);
  _sf_monitor_splitter_feed (splitter, (const guint8 *) raw, strlen (raw), time_us, 0, &split);
  g_assert_cmpuint (split.lines->len, ==, 2);
  formatted = sf_monitor_line_format (split.lines->pdata[0]);
  g_assert_cmpstr (formatted, ==, "07:05:09.250  W (12) warn");
  boot = sf_monitor_line_format (split.lines->pdata[1]);
  g_assert_cmpstr (boot, ==, "07:05:09.250  rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT) "
                             "(Powered on; boot mode 0x13: the board booted normally from flash)");
}

static void
test_line_boxed (void)
{
  g_autoptr(SfMonitorSplitter) splitter = _sf_monitor_splitter_new ();
  g_auto(SfMonitorSplit) split = { NULL, };
  SfMonitorLine *line, *copy;

  _sf_monitor_split_init (&split);
  _sf_monitor_splitter_feed (splitter, (const guint8 *) "x\n", 2, 0, 0, &split);
  line = split.lines->pdata[0];
  copy = g_boxed_copy (SF_TYPE_MONITOR_LINE, line);
  g_assert_true (copy == line);
  g_boxed_free (SF_TYPE_MONITOR_LINE, copy);
  g_assert_cmpstr (line->text, ==, "x");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/monitor/splitter/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("line-ends", test_line_ends);
  ADD ("split-across-reads", test_split_across_reads);
  ADD ("partial-line", test_partial_line_flushed);
  ADD ("long-line", test_long_line_cut);
  ADD ("improv-frame", test_improv_frame_taken_out);
  ADD ("improv-lookalikes", test_improv_lookalikes_are_text);
  ADD ("improv-bad-checksum", test_improv_bad_checksum_is_text);
  ADD ("improv-back-to-back", test_improv_frames_back_to_back);
  ADD ("boot-lines", test_boot_lines);
#undef ADD
  g_test_add_func ("/monitor/line/format", test_line_format);
  g_test_add_func ("/monitor/line/boxed", test_line_boxed);

  return g_test_run ();
}
