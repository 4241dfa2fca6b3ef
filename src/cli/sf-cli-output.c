/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-cli-output"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sf-cli-output.h"

#define BAR_WIDTH 30
/* Reads a write makes of its own, too short to be worth a bar. */
#define SMALL_READ (64 * 1024)

static struct
{
  gboolean             show_progress;
  gboolean             is_tty;
  gboolean             line_open;
  char                *bar_text;     /* the open line, to redraw it */

  guint                phase_mask;   /* phases shown, 1 << SfPhase */
  const SfFlashRegion *regions;
  guint                n_regions;
  guint32              address;
  gboolean             has_address;

  /* Per phase: which region it is on. The flasher runs erase, write and
   * verify file by file, so a phase restarting means the next file. */
  struct
  {
    guint              region_index;
    guint64            last_done;
    guint64            last_total;
    gboolean           started;
    gboolean           closed;   /* another phase reported since */
  } phases[SF_PHASE_READ + 1];

  /* The line being drawn */
  int                  phase;
  int                  last_step;
} out = { .phase = -1, .last_step = -1 };

/* Several boards at once (sf-cli-many.c): each board's thread names its
 * port here. Its lines go out whole, under a lock so that two boards'
 * lines never mix, prefixed with the port; it draws no progress bars. */
static GPrivate board_port = G_PRIVATE_INIT (g_free);
static GMutex   board_lock;

void
sf_cli_output_set_board (const char *port)
{
  g_private_replace (&board_port, g_strdup (port));
}

/* "PORT: line" on @stream, or FALSE outside a board's thread. */
static gboolean
print_board_line (FILE       *stream,
                  const char *kind,
                  const char *line)
{
  const char *port = g_private_get (&board_port);
  g_autofree char *text = NULL;

  if (port == NULL)
    return FALSE;
  text = kind != NULL ? g_strdup_printf ("sparkflash-cli: %s: %s: %s\n", kind, port, line)
                      : g_strdup_printf ("%s: %s\n", port, line);
  g_mutex_lock (&board_lock);
  fputs (text, stream);
  fflush (stream);
  g_mutex_unlock (&board_lock);
  return TRUE;
}

void
sf_cli_output_init (gboolean show_progress)
{
  out.phase_mask = ~0u;
  out.show_progress = show_progress;
  out.is_tty = isatty (STDOUT_FILENO);
}

static void
reset_segments (void)
{
  memset (out.phases, 0, sizeof out.phases);
  out.phase = -1;
  out.last_step = -1;
}

void
sf_cli_output_set_regions (const SfFlashRegion *regions,
                           guint                n_regions)
{
  if (g_private_get (&board_port) != NULL)
    return;
  /* A write reads a little flash of its own (the partition table for the
   * checks, partial sectors), which gets no bar (SMALL_READ); a backup
   * before it is a long read, which does. */
  out.phase_mask = 1u << SF_PHASE_ERASE | 1u << SF_PHASE_WRITE | 1u << SF_PHASE_VERIFY |
                   1u << SF_PHASE_READ;
  out.regions = regions;
  out.n_regions = n_regions;
  out.has_address = FALSE;
  reset_segments ();
}

void
sf_cli_output_set_address (guint32 address)
{
  if (g_private_get (&board_port) != NULL)
    return;
  out.phase_mask = 1u << SF_PHASE_ERASE | 1u << SF_PHASE_READ;
  out.regions = NULL;
  out.n_regions = 0;
  out.address = address;
  out.has_address = TRUE;
  reset_segments ();
}

void
sf_cli_output_end_line (void)
{
  if (out.line_open && g_private_get (&board_port) == NULL)
    {
      fputc ('\n', stdout);
      fflush (stdout);
      out.line_open = FALSE;
    }
}

void
sf_cli_output_print (const char *format,
                     ...)
{
  va_list args;

  if (g_private_get (&board_port) != NULL)
    {
      g_autofree char *line = NULL;

      va_start (args, format);
      line = g_strdup_vprintf (format, args);
      va_end (args);
      print_board_line (stdout, NULL, line);
      return;
    }

  sf_cli_output_end_line ();
  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
print_prefixed (const char *kind,
                const char *message)
{
  g_auto(GStrv) lines = g_strsplit (message, "\n", -1);

  sf_cli_output_end_line ();
  fflush (stdout);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0')
        continue;
      /* Further lines say what to do about the first. */
      if (print_board_line (stderr, i == 0 ? kind : _("hint"), lines[i]))
        continue;
      fprintf (stderr, "sparkflash-cli: %s: %s\n", i == 0 ? kind : _("hint"), lines[i]);
    }
  fflush (stderr);
}

void
sf_cli_output_error (const char *message)
{
  print_prefixed (_("error"), message);
}

void
sf_cli_output_warning (const char *message)
{
  print_prefixed (_("warning"), message);
}

void
sf_cli_output_log_cb (const char *line,
                      gpointer    user_data)
{
  if (print_board_line (stdout, NULL, line))
    return;
  /* On a terminal an unfinished bar moves below the log line rather than
   * staying behind it, stuck at some percentage. */
  if (out.is_tty && out.line_open && out.bar_text != NULL)
    {
      fprintf (stdout, "\r\033[K%s\n%s", line, out.bar_text);
      fflush (stdout);
      return;
    }
  sf_cli_output_print ("%s", line);
}

static const char *
phase_verb (SfPhase phase)
{
  switch (phase)
    {
    case SF_PHASE_ERASE:
      return _("Erasing");
    case SF_PHASE_WRITE:
      return _("Writing");
    case SF_PHASE_VERIFY:
      return _("Verifying");
    case SF_PHASE_READ:
      return _("Reading");
    case SF_PHASE_CONNECT:
    default:
      return "";
    }
}

/* Where byte @done of the current segment is in flash. Progress of a
 * write comes per file, or for all files together when the total says so. */
static gboolean
segment_address (SfPhase  phase,
                 guint64  done,
                 guint64  total,
                 guint32 *out_address)
{
  /* A verify may hash the region in one go; the flasher's log line says
   * where it is, so the bar shows no address. */
  if (phase == SF_PHASE_VERIFY)
    return FALSE;

  if (out.regions != NULL && (phase == SF_PHASE_ERASE || phase == SF_PHASE_WRITE))
    {
      guint64 sum = 0;

      for (guint i = 0; i < out.n_regions; i++)
        sum += g_bytes_get_size (out.regions[i].data);

      if (out.n_regions > 1 && total >= sum)
        {
          guint64 start = 0;

          for (guint i = 0; i < out.n_regions; i++)
            {
              guint64 size = g_bytes_get_size (out.regions[i].data);

              if (done < start + size || i + 1 == out.n_regions)
                {
                  *out_address = out.regions[i].address + MIN (done - start, size);
                  return TRUE;
                }
              start += size;
            }
        }
      *out_address = out.regions[MIN (out.phases[phase].region_index, out.n_regions - 1)].address + done;
      return TRUE;
    }

  if (out.has_address && (phase == SF_PHASE_READ || phase == SF_PHASE_ERASE))
    {
      *out_address = out.address + done;
      return TRUE;
    }
  return FALSE;
}

void
sf_cli_output_progress_cb (SfPhase  phase,
                           guint64  done,
                           guint64  total,
                           gpointer user_data)
{
  g_autofree char *where = NULL;
  char bar[BAR_WIDTH + 1];
  guint64 block_start;
  guint32 address;
  guint filled;
  double percent;
  int step;

  if (!out.show_progress || g_private_get (&board_port) != NULL || phase <= SF_PHASE_CONNECT || phase > SF_PHASE_READ || total == 0 ||
      !(out.phase_mask & (1u << phase)))
    return;
  if (phase == SF_PHASE_READ && out.regions != NULL && total < SMALL_READ)
    return;
  done = MIN (done, total);

  /* Like esptool, name where the block just done starts. */
  block_start = out.phases[phase].last_done;
  if (out.phases[phase].started &&
      (out.phases[phase].closed || done < out.phases[phase].last_done ||
       total != out.phases[phase].last_total))
    {
      out.phases[phase].region_index++;
      out.last_step = -1;
      block_start = 0;
    }
  out.phases[phase].started = TRUE;
  out.phases[phase].closed = FALSE;
  out.phases[phase].last_done = done;
  out.phases[phase].last_total = total;

  if ((int) phase != out.phase)
    {
      for (guint i = 0; i < G_N_ELEMENTS (out.phases); i++)
        if (i != phase)
          out.phases[i].closed = TRUE;
      out.phase = phase;
      out.last_step = -1;
    }

  /* A tty redraws in 0.1 % steps; a log gets a line every 10 %. The start
   * of an erase or a verify is only a marker there: skip it. */
  step = out.is_tty ? (int) (done * 1000 / total) : (int) (done * 10 / total);
  if (step <= out.last_step)
    return;
  if (!out.is_tty && done == 0 && (phase == SF_PHASE_ERASE || phase == SF_PHASE_VERIFY))
    return;
  out.last_step = step;

  filled = done * BAR_WIDTH / total;
  for (guint i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
  bar[BAR_WIDTH] = '\0';
  percent = 100.0 * done / total;

  if (segment_address (phase, block_start, total, &address))
    where = g_strdup_printf (" at 0x%08x", address);

  g_free (out.bar_text);
  out.bar_text = g_strdup_printf ("%s%s [%s] %5.1f%% %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                                  " bytes...",
                                  phase_verb (phase), where ? where : "", bar, percent, done, total);
  fprintf (stdout, "%s%s", out.is_tty ? "\r\033[K" : "", out.bar_text);
  if (out.is_tty && done < total)
    {
      out.line_open = TRUE;
    }
  else
    {
      fputc ('\n', stdout);
      out.line_open = FALSE;
    }
  fflush (stdout);
}
