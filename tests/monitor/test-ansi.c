/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-ansi-private.h"

static char *
decode (const char  *raw,
        SfAnsiSpan **spans,
        guint       *n_spans)
{
  return _sf_ansi_decode ((const guint8 *) raw, strlen (raw), spans, n_spans);
}

/* ESP-IDF's log line: "\033[0;32mI (312) wifi: connected\033[0m". */
static void
test_idf_log_line (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  g_autofree char *text = decode ("\033[0;32mI (312) wifi: connected\033[0m", &spans, &n_spans);

  g_assert_cmpstr (text, ==, "I (312) wifi: connected");
  g_assert_cmpuint (n_spans, ==, 1);
  g_assert_cmpuint (spans[0].start, ==, 0);
  g_assert_cmpuint (spans[0].end, ==, strlen (text));
  g_assert_cmpint (spans[0].foreground, ==, SF_ANSI_GREEN);
  g_assert_false (spans[0].bold);
}

static void
test_plain_line (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 7;
  g_autofree char *text = decode ("hello\tworld", &spans, &n_spans);

  g_assert_cmpstr (text, ==, "hello\tworld");
  g_assert_null (spans);
  g_assert_cmpuint (n_spans, ==, 0);
}

static void
test_runs (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  /* bold red, then bright blue with bold off, then default, then bold only */
  g_autofree char *text = decode ("a\033[1;31mbc\033[22;94md\033[39me\033[0mf\033[1mg\033[m",
                                  &spans, &n_spans);

  g_assert_cmpstr (text, ==, "abcdefg");
  g_assert_cmpuint (n_spans, ==, 3);
  g_assert_cmpuint (spans[0].start, ==, 1);
  g_assert_cmpuint (spans[0].end, ==, 3);
  g_assert_cmpint (spans[0].foreground, ==, SF_ANSI_RED);
  g_assert_true (spans[0].bold);
  g_assert_cmpuint (spans[1].start, ==, 3);
  g_assert_cmpuint (spans[1].end, ==, 4);
  g_assert_cmpint (spans[1].foreground, ==, SF_ANSI_BRIGHT_BLUE);
  g_assert_false (spans[1].bold);
  /* "e" is plain (colour 39, bold off), "f" after reset too. */
  g_assert_cmpuint (spans[2].start, ==, 6);
  g_assert_cmpuint (spans[2].end, ==, 7);
  g_assert_cmpint (spans[2].foreground, ==, SF_ANSI_DEFAULT);
  g_assert_true (spans[2].bold);
}

/* An escape that changes nothing does not split a run. */
static void
test_runs_merge (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  g_autofree char *text = decode ("\033[33mab\033[33mcd", &spans, &n_spans);

  g_assert_cmpstr (text, ==, "abcd");
  g_assert_cmpuint (n_spans, ==, 1);
  g_assert_cmpuint (spans[0].end, ==, 4);
  g_assert_cmpint (spans[0].foreground, ==, SF_ANSI_YELLOW);
}

static void
test_other_sequences_dropped (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  /* Cursor movement, erase line, a stray ESC, a CSI cut off at the end. */
  g_autofree char *text = decode ("\033[2K\033[10Dab\033xc\033[1", &spans, &n_spans);

  g_assert_cmpstr (text, ==, "abxc");
  g_assert_null (spans);
}

static void
test_control_characters (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  /* BEL, backspace, NUL, DEL and the C1 control U+0085 go; tab stays. */
  const guint8 raw[] = { 'a', 0x07, 'b', 0x08, 0x00, '\t', 0x7f, 0xc2, 0x85, 'c' };
  g_autofree char *text = _sf_ansi_decode (raw, sizeof raw, &spans, &n_spans);

  g_assert_cmpstr (text, ==, "ab\tc");
}

static void
test_invalid_utf8 (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  /* Garbage at the wrong baud rate; "é" stays whole. */
  const guint8 raw[] = { 'o', 0xff, 'k', 0xc3, 0xa9, 0xc3 };
  g_autofree char *text = _sf_ansi_decode (raw, sizeof raw, &spans, &n_spans);

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpstr (text, ==, "o\xef\xbf\xbd" "k\xc3\xa9\xef\xbf\xbd");
}

/* Span offsets are in bytes of the decoded text, after replacements. */
static void
test_span_offsets_after_replacement (void)
{
  g_autofree SfAnsiSpan *spans = NULL;
  guint n_spans = 0;
  const guint8 raw[] = { 0xff, 0x1b, '[', '3', '1', 'm', 'r', 0x1b, '[', '0', 'm' };
  g_autofree char *text = _sf_ansi_decode (raw, sizeof raw, &spans, &n_spans);

  g_assert_cmpstr (text, ==, "\xef\xbf\xbd" "r");
  g_assert_cmpuint (n_spans, ==, 1);
  g_assert_cmpuint (spans[0].start, ==, 3);
  g_assert_cmpuint (spans[0].end, ==, 4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/ansi/idf-log-line", test_idf_log_line);
  g_test_add_func ("/monitor/ansi/plain", test_plain_line);
  g_test_add_func ("/monitor/ansi/runs", test_runs);
  g_test_add_func ("/monitor/ansi/runs-merge", test_runs_merge);
  g_test_add_func ("/monitor/ansi/other-sequences", test_other_sequences_dropped);
  g_test_add_func ("/monitor/ansi/control-characters", test_control_characters);
  g_test_add_func ("/monitor/ansi/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/monitor/ansi/span-offsets", test_span_offsets_after_replacement);

  return g_test_run ();
}
