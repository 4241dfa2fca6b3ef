/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sf-cli-monitor.h"
#include "sf-cli-output.h"
#include "sf-monitor.h"
#include "sf-protocol-error.h"

#define EXIT_OK      0
#define EXIT_FAILED  1

/* Ctrl+]: the key serial monitors leave with (miniterm, idf.py monitor). */
#define LEAVE_KEY    0x1d

typedef struct
{
  SfMonitor      *monitor;
  GMainLoop      *loop;
  gboolean        color;        /* stdout is a terminal */
  gboolean        keyboard;     /* stdin is a terminal */
  struct termios  saved_termios;
  gboolean        termios_changed;
  GString        *typed;        /* the line being typed, echoed by us */
  GString        *piped;        /* an unfinished line of a piped stdin */
  guint           stdin_source;
  GError         *error;
} Session;

/* ---- Printing ------------------------------------------------------------- */

static void
append_sgr (GString     *out,
            SfAnsiColor  color,
            gboolean     bold)
{
  g_string_append (out, "\033[0");
  if (bold)
    g_string_append (out, ";1");
  if (color >= SF_ANSI_BLACK && color <= SF_ANSI_WHITE)
    g_string_append_printf (out, ";%d", 30 + (color - SF_ANSI_BLACK));
  else if (color >= SF_ANSI_BRIGHT_BLACK && color <= SF_ANSI_BRIGHT_WHITE)
    g_string_append_printf (out, ";%d", 90 + (color - SF_ANSI_BRIGHT_BLACK));
  g_string_append_c (out, 'm');
}

static void
append_text (Session             *session,
             GString             *out,
             const SfMonitorLine *line)
{
  guint at = 0;

  if (!session->color || line->n_spans == 0)
    {
      g_string_append (out, line->text);
      return;
    }
  for (guint i = 0; i < line->n_spans; i++)
    {
      const SfAnsiSpan *span = &line->spans[i];

      g_string_append_len (out, line->text + at, span->start - at);
      append_sgr (out, span->foreground, span->bold);
      g_string_append_len (out, line->text + span->start, span->end - span->start);
      g_string_append (out, "\033[0m");
      at = span->end;
    }
  g_string_append (out, line->text + at);
}

/* Sparkflash's own words, set apart from the board's: "--- …", in cyan on
 * a terminal. */
static void
append_own (Session    *session,
            GString    *out,
            const char *text)
{
  if (session->color)
    g_string_append_printf (out, "\033[0;36m--- %s\033[0m\n", text);
  else
    g_string_append_printf (out, "--- %s\n", text);
}

static void
lines_added_cb (SfMonitor *monitor,
                GPtrArray *lines,
                Session   *session)
{
  g_autoptr(GString) out = g_string_new (NULL);

  /* The half-typed line moves below what the board printed. */
  if (session->keyboard && session->typed->len > 0)
    g_string_append (out, "\r\033[K");

  for (guint i = 0; i < lines->len; i++)
    {
      const SfMonitorLine *line = lines->pdata[i];

      switch (line->kind)
        {
        case SF_MONITOR_LINE_NOTE:
          append_own (session, out, line->text);
          break;

        case SF_MONITOR_LINE_SENT:
          /* Typed lines are on the screen already. */
          if (!session->keyboard)
            g_string_append_printf (out, "> %s\n", line->text);
          break;

        case SF_MONITOR_LINE_OUTPUT:
        case SF_MONITOR_LINE_BOOT:
        default:
          append_text (session, out, line);
          g_string_append_c (out, '\n');
          if (line->explanation != NULL)
            append_own (session, out, line->explanation);
          break;
        }
    }

  if (session->keyboard)
    g_string_append_len (out, session->typed->str, session->typed->len);
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
}

static void
stopped_cb (SfMonitor    *monitor,
            const GError *error,
            Session      *session)
{
  if (error != NULL && session->error == NULL)
    session->error = g_error_copy (error);
  g_main_loop_quit (session->loop);
}

/* ---- Reading the keyboard or stdin ---------------------------------------- */

static void
take_key (Session *session,
          guint8   key)
{
  if (key == LEAVE_KEY)
    {
      g_main_loop_quit (session->loop);
      return;
    }
  if (key == '\r' || key == '\n')
    {
      /* The terminal's own output processing makes it "\r\n". */
      fputc ('\n', stdout);
      sf_monitor_send_line (session->monitor, session->typed->str);
      g_string_truncate (session->typed, 0);
    }
  else if (key == 0x7f || key == '\b')
    {
      const char *last;

      if (session->typed->len == 0)
        return;
      /* One character back, whatever its length in bytes. */
      last = g_utf8_find_prev_char (session->typed->str, session->typed->str + session->typed->len);
      g_string_truncate (session->typed, last != NULL ? (gsize) (last - session->typed->str) : 0);
      fputs ("\b \b", stdout);
    }
  else if (key >= 0x20 || key == '\t')
    {
      g_string_append_c (session->typed, key);
      fputc (key, stdout);
    }
  fflush (stdout);
}

static void
take_piped (Session      *session,
            const guint8 *data,
            gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] != '\n')
        {
          g_string_append_c (session->piped, data[i]);
          continue;
        }
      if (session->piped->len > 0 && session->piped->str[session->piped->len - 1] == '\r')
        g_string_truncate (session->piped, session->piped->len - 1);
      sf_monitor_send_line (session->monitor, session->piped->str);
      g_string_truncate (session->piped, 0);
    }
}

static gboolean
stdin_cb (int           fd,
          GIOCondition  condition,
          gpointer      data)
{
  Session *session = data;
  guint8 buffer[512];
  gssize n = read (fd, buffer, sizeof buffer);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* The end of a piped stdin: what is left of it goes, and the board
       * is still watched until Ctrl+C. */
      if (session->piped->len > 0)
        take_piped (session, (const guint8 *) "\n", 1);
      session->stdin_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (!session->keyboard)
    {
      take_piped (session, buffer, n);
      return G_SOURCE_CONTINUE;
    }
  for (gssize i = 0; i < n && g_main_loop_is_running (session->loop); i++)
    take_key (session, buffer[i]);
  return G_SOURCE_CONTINUE;
}

/* Keys one at a time and not echoed by the terminal (the monitor echoes
 * them itself, around the board's lines); ISIG stays, so Ctrl+C still
 * interrupts. */
static void
keyboard_raw (Session *session)
{
  struct termios raw;

  if (tcgetattr (STDIN_FILENO, &session->saved_termios) != 0)
    return;
  raw = session->saved_termios;
  raw.c_lflag &= ~(ICANON | ECHO | IEXTEN);
  raw.c_iflag &= ~(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &raw) == 0)
    session->termios_changed = TRUE;
}

static void
keyboard_restore (Session *session)
{
  if (session->termios_changed)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &session->saved_termios);
  session->termios_changed = FALSE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  Session *session = data;

  g_main_loop_quit (session->loop);
  return G_SOURCE_REMOVE;
}

/* ---- Running ----------------------------------------------------------------- */

static int
report_error (const char   *port,
              const GError *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND))
    message = g_strdup_printf ("%s\n%s", error->message,
                               _("Check --port; boards usually show up as /dev/ttyUSB0 or "
                                 "/dev/ttyACM0 (see ls /dev/serial/by-id/)."));
  else
    message = g_strdup_printf (_("The monitor on %s stopped: %s"), port, error->message);
  sf_cli_output_error (message);
  return EXIT_FAILED;
}

int
sf_cli_monitor_run (const char   *port,
                    guint         baud,
                    SfChip        chip,
                    gboolean      reset,
                    GCancellable *cancellable)
{
  g_autoptr(SfMonitor) monitor = sf_monitor_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSource) cancel_source = NULL;
  g_autoptr(GString) typed = g_string_new (NULL);
  g_autoptr(GString) piped = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  Session session = {
    .monitor = monitor,
    .loop = loop,
    .color = isatty (STDOUT_FILENO),
    .keyboard = isatty (STDIN_FILENO),
    .typed = typed,
    .piped = piped,
  };
  int status = EXIT_OK;

  g_return_val_if_fail (port != NULL, EXIT_FAILED);

  /* A monitor that cannot keep up drops lines rather than memory; the
   * terminal keeps its own scrollback, so the ring can be small. */
  sf_monitor_set_max_lines (monitor, 100);
  g_signal_connect (monitor, "lines-added", G_CALLBACK (lines_added_cb), &session);
  g_signal_connect (monitor, "stopped", G_CALLBACK (stopped_cb), &session);

  if (!sf_monitor_start (monitor, port, baud, chip, reset, &error))
    return report_error (port, error);

  fprintf (stderr, _("--- Monitoring %s at %u baud. Leave with Ctrl+] or Ctrl+C. ---\n"), port, baud);

  if (cancellable != NULL)
    {
      cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (cancelled_cb), &session, NULL);
      g_source_attach (cancel_source, NULL);
    }
  if (session.keyboard)
    keyboard_raw (&session);
  session.stdin_source = g_unix_fd_add (STDIN_FILENO,
                                        G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_NVAL,
                                        stdin_cb, &session);

  if (!g_cancellable_is_cancelled (cancellable))
    g_main_loop_run (loop);

  g_clear_handle_id (&session.stdin_source, g_source_remove);
  if (cancel_source != NULL)
    g_source_destroy (cancel_source);
  g_signal_handlers_disconnect_by_func (monitor, stopped_cb, &session);
  sf_monitor_stop (monitor);
  keyboard_restore (&session);
  if (session.keyboard && session.typed->len > 0)
    fputc ('\n', stdout);
  fflush (stdout);

  if (session.error != NULL)
    {
      status = report_error (port, session.error);
      g_clear_error (&session.error);
    }
  return status;
}
