/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "sf-chip.h"
#include "sf-cli-args.h"
#include "sf-cli-interrupt.h"
#include "sf-cli-many.h"
#include "sf-cli-output.h"
#include "sf-units.h"

GPtrArray *
sf_cli_many_expand_ports (GPtrArray  *patterns,
                          GError    **error)
{
  g_autoptr(GPtrArray) ports = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < patterns->len; i++)
    {
      const char *pattern = patterns->pdata[i];
      glob_t matches = { 0 };

      if (strpbrk (pattern, "*?[") == NULL)
        {
          if (g_hash_table_add (seen, (gpointer) pattern))
            g_ptr_array_add (ports, g_strdup (pattern));
          continue;
        }

      /* The shell leaves a pattern that matched nothing as it was; so
       * does glob() with no flags, which says GLOB_NOMATCH. */
      if (glob (pattern, 0, NULL, &matches) != 0 || matches.gl_pathc == 0)
        {
          g_autofree char *hint = g_strdup_printf (_("Check that the boards are plugged in, and "
                                                     "the pattern: “ls %s” lists what it "
                                                     "matches."), pattern);

          globfree (&matches);
          sf_cli_usage_error (error, hint, _("No port matches “%s”."), pattern);
          return NULL;
        }
      for (gsize j = 0; j < matches.gl_pathc; j++)
        if (!g_hash_table_contains (seen, matches.gl_pathv[j]))
          {
            char *port = g_strdup (matches.gl_pathv[j]);

            g_ptr_array_add (ports, port);
            g_hash_table_add (seen, port);
          }
      globfree (&matches);
    }
  return g_steal_pointer (&ports);
}

typedef struct
{
  const char     *port;
  SfCliBoardFunc  func;
  gpointer        user_data;
  SfCliBoard      board;
  GError         *error;
  gint64          start;
  gint64          end;
} Run;

static gpointer
board_thread (gpointer data)
{
  Run *run = data;

  sf_cli_output_set_board (run->port);
  run->start = g_get_monotonic_time ();
  if (!run->func (run->port, &run->board, run->user_data, &run->error))
    {
      /* An interrupt is told once for all boards, in the summary. */
      if (!g_error_matches (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sf_cli_output_error (run->error->message);
    }
  run->end = g_get_monotonic_time ();
  sf_cli_output_set_board (NULL);
  return NULL;
}

/* "/dev/ttyUSB0  ESP32  24:0a:c4:12:34:56  ok  12.3 s  1048576 bytes" */
static void
print_summary_line (const Run *run,
                    guint      port_width)
{
  const SfChipDetails *details = &run->board.details;
  g_autofree char *mac = details->description != NULL ? sf_format_mac (details->mac) : g_strdup ("-");
  const char *chip = details->description != NULL ? sf_chip_get_name (details->chip) : "-";
  const char *result;

  if (run->error == NULL)
    result = _("ok");
  else if (g_error_matches (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    result = _("interrupted");
  else
    result = _("failed");

  /* Translators: one board's summary line: port, chip, MAC, result, the
   * seconds it took and the bytes written or checked, in columns. */
  sf_cli_output_print (_("%-*s  %-8s  %-17s  %-11s  %5.1f s  %llu bytes"),
                       port_width, run->port, chip, mac, result,
                       (run->end - run->start) / (double) G_USEC_PER_SEC,
                       (unsigned long long) run->board.bytes);
}

int
sf_cli_many_run (GPtrArray      *ports,
                 SfCliBoardFunc  func,
                 gpointer        user_data,
                 GCancellable   *cancellable)
{
  g_autofree Run *runs = g_new0 (Run, ports->len);
  g_autofree GThread **threads = g_new0 (GThread *, ports->len);
  guint port_width = 0;
  guint failed = 0;

  sf_cli_interrupt_set_many ();
  sf_cli_output_print (g_dngettext (GETTEXT_PACKAGE, "Working on %u board at once.",
                                    "Working on %u boards at once.", ports->len), ports->len);
  for (guint i = 0; i < ports->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("sf-board-%u", i);

      runs[i].port = ports->pdata[i];
      runs[i].func = func;
      runs[i].user_data = user_data;
      port_width = MAX (port_width, strlen (runs[i].port));
      threads[i] = g_thread_new (name, board_thread, &runs[i]);
    }
  for (guint i = 0; i < ports->len; i++)
    g_thread_join (threads[i]);

  sf_cli_output_print ("%s", _("Summary (port, chip, MAC, result, time, bytes):"));
  for (guint i = 0; i < ports->len; i++)
    {
      print_summary_line (&runs[i], port_width);
      if (runs[i].error != NULL)
        failed++;
    }

  for (guint i = 0; i < ports->len; i++)
    {
      sf_chip_details_clear (&runs[i].board.details);
      g_clear_error (&runs[i].error);
    }

  if (g_cancellable_is_cancelled (cancellable))
    return sf_cli_interrupt_report ();
  if (failed > 0)
    {
      g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%u of %u boards failed; see its lines above.",
                                                               "%u of %u boards failed; see their lines above.",
                                                               failed),
                                                  failed, ports->len);

      sf_cli_output_error (message);
      return 1;
    }
  return 0;
}
