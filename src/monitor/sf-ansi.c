/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor"

#include "config.h"

#include <string.h>

#include "sf-ansi-private.h"

#define ESC 0x1b

typedef struct
{
  SfAnsiColor foreground;
  gboolean    bold;
} Style;

typedef struct
{
  GString *text;
  GArray  *spans;   /* SfAnsiSpan, only the styled runs */
} Output;

/* C0 controls, DEL and the C1 controls, as code points. */
static gboolean
is_control (gunichar c)
{
  if (c == '\t')
    return FALSE;
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Appends @length raw bytes in @style: made valid UTF-8, control
 * characters dropped, and a span recorded when the style is not plain. */
static void
append_run (Output       *out,
            const guint8 *raw,
            gsize         length,
            Style         style)
{
  g_autofree char *valid = NULL;
  g_autofree char *kept = g_malloc (length + 1);
  gsize n_kept = 0;
  gsize start = out->text->len;

  if (length == 0)
    return;
  /* C0 controls first, as bytes: a NUL would otherwise become U+FFFD. */
  for (gsize i = 0; i < length; i++)
    if (raw[i] == '\t' || (raw[i] >= 0x20 && raw[i] != 0x7f))
      kept[n_kept++] = raw[i];
  valid = g_utf8_make_valid (kept, n_kept);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!is_control (c))
        g_string_append_unichar (out->text, c);
    }

  if (out->text->len == start || (style.foreground == SF_ANSI_DEFAULT && !style.bold))
    return;

  /* Runs in one style split only by an escape that changed nothing merge. */
  if (out->spans->len > 0)
    {
      SfAnsiSpan *last = &g_array_index (out->spans, SfAnsiSpan, out->spans->len - 1);

      if (last->end == start && last->foreground == style.foreground && last->bold == style.bold)
        {
          last->end = out->text->len;
          return;
        }
    }
  g_array_append_vals (out->spans,
                       &(SfAnsiSpan) { start, out->text->len, style.foreground, style.bold }, 1);
}

static void
apply_sgr (Style        *style,
           const guint8 *params,
           gsize         length)
{
  guint value = 0;
  gboolean overflow = FALSE;

  /* "ESC [ m" is "ESC [ 0 m"; empty fields between ';' are 0 too. */
  for (gsize i = 0; i <= length; i++)
    {
      if (i < length && g_ascii_isdigit (params[i]))
        {
          if (value > 1000)
            overflow = TRUE;
          else
            value = value * 10 + (params[i] - '0');
          continue;
        }

      if (overflow)
        ;
      else if (value == 0)
        *style = (Style) { SF_ANSI_DEFAULT, FALSE };
      else if (value == 1)
        style->bold = TRUE;
      else if (value == 22)
        style->bold = FALSE;
      else if (value >= 30 && value <= 37)
        style->foreground = (SfAnsiColor) (SF_ANSI_BLACK + (value - 30));
      else if (value == 39)
        style->foreground = SF_ANSI_DEFAULT;
      else if (value >= 90 && value <= 97)
        style->foreground = (SfAnsiColor) (SF_ANSI_BRIGHT_BLACK + (value - 90));
      /* Anything else (background, underline, 256 colours) is left out. */

      value = 0;
      overflow = FALSE;
    }
}

char *
_sf_ansi_decode (const guint8  *raw,
                 gsize          length,
                 SfAnsiSpan   **spans,
                 guint         *n_spans)
{
  Output out = { g_string_sized_new (length), g_array_new (FALSE, FALSE, sizeof (SfAnsiSpan)) };
  Style style = { SF_ANSI_DEFAULT, FALSE };
  gsize run_start = 0;
  gsize i = 0;

  g_return_val_if_fail (raw != NULL || length == 0, NULL);
  g_return_val_if_fail (spans != NULL && n_spans != NULL, NULL);

  while (i < length)
    {
      gsize params_start, end;

      if (raw[i] != ESC)
        {
          i++;
          continue;
        }

      append_run (&out, raw + run_start, i - run_start, style);

      if (i + 1 >= length || raw[i + 1] != '[')
        {
          /* A stray ESC: drop it, keep what follows as text. */
          i++;
          run_start = i;
          continue;
        }

      /* CSI: parameter and intermediate bytes, then a final byte in
       * 0x40–0x7e. One cut off by the line's end is dropped whole. */
      params_start = i + 2;
      end = params_start;
      while (end < length && (raw[end] < 0x40 || raw[end] > 0x7e) && raw[end] >= 0x20)
        end++;
      if (end >= length || raw[end] < 0x20)
        {
          i = end;
          run_start = end;
          continue;
        }
      if (raw[end] == 'm')
        apply_sgr (&style, raw + params_start, end - params_start);
      i = end + 1;
      run_start = i;
    }
  append_run (&out, raw + run_start, length - run_start, style);

  *n_spans = out.spans->len;
  *spans = out.spans->len > 0 ? (SfAnsiSpan *) g_array_free (out.spans, FALSE)
                              : (g_array_free (out.spans, TRUE), NULL);
  return g_string_free (out.text, FALSE);
}
