/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sf-cli-output.h"
#include "sf-cli-wifi.h"
#include "sf-improv-client.h"
#include "sf-monitor.h"
#include "sf-protocol-error.h"

#define EXIT_OK          0
#define EXIT_FAILED      1
#define EXIT_INTERRUPTED 130

/* A firmware answers Improv once it runs, which after a reset takes the
 * ROM's boot and the firmware's own start: ask every second, for a while. */
#define STATE_TIMEOUT_MS 1000
#define STATE_TRIES      12

typedef struct
{
  GMainLoop      *loop;
  SfMonitor      *monitor;
  SfImprovClient *client;
  GCancellable   *cancellable;
  const char     *port;
  const char     *ssid;
  char           *password;
  guint           tries;
  int             status;
} Run;

static void
finish (Run *run,
        int  status)
{
  run->status = status;
  g_main_loop_quit (run->loop);
}

static void
fail (Run          *run,
      const GError *error,
      const char   *hint)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish (run, EXIT_INTERRUPTED);
      return;
    }
  message = hint != NULL ? g_strdup_printf ("%s\n%s", error->message, hint)
                         : g_strdup (error->message);
  sf_cli_output_error (message);
  finish (run, EXIT_FAILED);
}

/* The password, asked for without echo on a terminal; else stdin's first
 * line. NULL when stdin ended before a line. */
static char *
read_password (const char *ssid)
{
  struct termios saved, quiet;
  gboolean keyboard = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  char buffer[256];
  char *line;

  if (keyboard)
    {
      g_print (_("Password for “%s” (Enter for an open network): "), ssid);
      fflush (stdout);
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  line = fgets (buffer, sizeof buffer, stdin);
  if (keyboard)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_print ("\n");
    }
  if (line == NULL)
    return NULL;
  line[strcspn (line, "\r\n")] = '\0';
  line = g_strdup (line);
  explicit_bzero (buffer, sizeof buffer);
  return line;
}

static void
wipe_password (Run *run)
{
  if (run->password == NULL)
    return;
  explicit_bzero (run->password, strlen (run->password));
  g_clear_pointer (&run->password, g_free);
}

static void
provision_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  wipe_password (run);
  url = sf_improv_client_provision_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (url == NULL)
    {
      if (g_error_matches (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT))
        {
          g_autofree char *message = g_strdup_printf (_("The board could not join “%s”."), run->ssid);
          GError plain = { SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT, message };

          fail (run, &plain, _("Check the password, and that the network is in reach of the "
                               "board (wifi_setup without a name lists the networks it sees)."));
        }
      else
        fail (run, error, NULL);
      return;
    }
  if (*url != '\0')
    g_print (_("The board is on “%s”: %s\n"), run->ssid, url);
  else
    g_print (_("The board is on “%s”.\n"), run->ssid);
  finish (run, EXIT_OK);
}

static void
scan_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) networks = NULL;

  networks = sf_improv_client_scan_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (networks == NULL)
    {
      fail (run, error, NULL);
      return;
    }
  if (networks->len == 0)
    g_print (_("The board sees no Wi-Fi network.\n"));
  else
    g_print (_("Networks the board sees:\n"));
  for (guint i = 0; i < networks->len; i++)
    {
      const SfImprovNetwork *network = g_ptr_array_index (networks, i);

      g_print ("  %-32s %4d dBm  %s\n", network->ssid, network->rssi,
               network->secured ? _("secured") : _("open"));
    }
  if (networks->len > 0)
    g_print (_("Join one with: sparkflash-cli --port %s wifi_setup NAME\n"), run->port);
  finish (run, EXIT_OK);
}

static void
info_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) info = NULL;

  info = sf_improv_client_get_info_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish (run, EXIT_INTERRUPTED);
      return;
    }
  /* Firmware, version, chip family, device name, as Improv orders them. */
  if (info != NULL && g_strv_length (info) >= 4)
    g_print (_("Firmware: %s %s on %s, named “%s”\n"), info[0], info[1], info[2], info[3]);

  if (run->ssid == NULL)
    {
      sf_improv_client_scan_async (run->client, run->cancellable, scan_done_cb, run);
      return;
    }
  run->password = read_password (run->ssid);
  if (run->password == NULL)
    {
      sf_cli_output_error (_("No password given: stdin ended before a line.\n"
                             "Type it when asked, or pipe it in (an empty line for an open "
                             "network)."));
      finish (run, EXIT_FAILED);
      return;
    }
  g_print (_("Joining “%s”…\n"), run->ssid);
  sf_improv_client_provision_async (run->client, run->ssid, run->password, run->cancellable,
                                    provision_done_cb, run);
}

static void
state_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  sf_improv_client_get_state_finish (SF_IMPROV_CLIENT (object), result, &error);
  if (g_error_matches (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER) &&
      ++run->tries < STATE_TRIES)
    {
      sf_improv_client_get_state_async (run->client, STATE_TIMEOUT_MS, run->cancellable,
                                        state_done_cb, run);
      return;
    }
  if (error != NULL)
    {
      g_autofree char *hint = g_strdup_printf (
        _("Is it a firmware with Improv (ESPHome, WLED, Tasmota and others), printing at %u "
          "baud? Another rate: --monitor-baud."), sf_monitor_get_baud (run->monitor));

      if (g_error_matches (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER))
        {
          g_autofree char *message = g_strdup_printf (
            _("The firmware on %s does not answer Improv Wi-Fi requests."), run->port);
          GError plain = { SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER, message };

          fail (run, &plain, hint);
        }
      else
        fail (run, error, NULL);
      return;
    }
  sf_improv_client_get_info_async (run->client, run->cancellable, info_done_cb, run);
}

static void
stopped_cb (SfMonitor    *monitor,
            const GError *error,
            Run          *run)
{
  /* The port went away under a request. */
  if (error != NULL && g_main_loop_is_running (run->loop))
    fail (run, error, NULL);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  finish (data, EXIT_INTERRUPTED);
  return G_SOURCE_REMOVE;
}

int
sf_cli_wifi_run (const char   *port,
                 guint         baud,
                 SfChip        chip,
                 gboolean      reset,
                 const char   *ssid,
                 GCancellable *cancellable)
{
  g_autoptr(SfMonitor) monitor = sf_monitor_new ();
  g_autoptr(SfImprovClient) client = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSource) cancel_source = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { .loop = loop, .monitor = monitor, .cancellable = cancellable, .port = port,
              .ssid = ssid, .status = EXIT_FAILED };

  g_return_val_if_fail (port != NULL, EXIT_FAILED);

  if (!sf_monitor_start (monitor, port, baud, chip, reset, &error))
    {
      if (g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND))
        fail (&run, error, _("Check --port; boards usually show up as /dev/ttyUSB0 or "
                             "/dev/ttyACM0 (see ls /dev/serial/by-id/)."));
      else
        fail (&run, error, NULL);
      return run.status;
    }
  client = sf_improv_client_new (monitor);
  run.client = client;
  g_signal_connect (monitor, "stopped", G_CALLBACK (stopped_cb), &run);
  if (cancellable != NULL)
    {
      cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (cancelled_cb), &run, NULL);
      g_source_attach (cancel_source, NULL);
    }

  g_print (_("Waiting for the firmware on %s to answer Improv…\n"), port);
  sf_improv_client_get_state_async (client, STATE_TIMEOUT_MS, cancellable, state_done_cb, &run);
  if (!g_cancellable_is_cancelled (cancellable))
    g_main_loop_run (loop);
  else
    run.status = EXIT_INTERRUPTED;

  if (cancel_source != NULL)
    g_source_destroy (cancel_source);
  g_signal_handlers_disconnect_by_data (monitor, &run);
  wipe_password (&run);
  /* A request still out ends with the client; its callback must not run
   * against this frame. */
  g_clear_object (&client);
  sf_monitor_stop (monitor);
  return run.status;
}
