/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-session"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-protocol-error.h"
#include "sf-session.h"
#include "sf-stub-image.h"

/* The one place that decides how a visit to the board goes: which loader,
 * which rate, and what to do when either lets us down. The window's job
 * and the command line both come through here. */

typedef struct
{
  const SfSessionOptions *options;
  SfFlasher              *flasher;
  SfSessionResult        *result;
  GCancellable           *cancellable;
  gboolean                described;
} Session;

G_GNUC_PRINTF (2, 3)
static void
session_log (Session    *session,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  sf_log_line_va (session->options->log_func, session->options->callback_data, format, args);
  va_end (args);
}

void
sf_session_result_clear (SfSessionResult *result)
{
  sf_chip_details_clear (&result->details);
}

/* Failures a link that cannot carry its rate causes, as opposed to the
 * board, the files or the user. */
static gboolean
is_link_error (const GError *error)
{
  return g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNRELIABLE_LINK) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_VERIFY_FAILED);
}

static gboolean
describe_chip (Session  *session,
               GError  **error)
{
  SfChipDetails *details = &session->result->details;
  g_auto(GStrv) lines = NULL;

  sf_chip_details_clear (details);
  if (!sf_flasher_read_chip_details (session->flasher, details, session->cancellable, error))
    return FALSE;

  lines = sf_chip_details_describe (details);
  for (guint i = 0; lines[i] != NULL; i++)
    session_log (session, "%s", lines[i]);
  session->described = TRUE;
  return TRUE;
}

/* The stub where it can be had, else the ROM loader, with one line that
 * says why. Only a cancelled or vanished board is an error here. */
static gboolean
start_stub (Session  *session,
            GError  **error)
{
  const SfSessionOptions *options = session->options;
  g_autoptr(GError) local_error = NULL;

  if (options->no_stub || sf_flasher_is_stub (session->flasher))
    return TRUE;
  if (!sf_stub_images_available ())
    {
      session_log (session, _("Stub not available: this build has no flasher stubs. "
                              "Using the ROM loader."));
      return TRUE;
    }

  if (sf_flasher_start_stub (session->flasher, session->cancellable, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* The ROM may have jumped into a stub that does not run: reset and talk
   * to the ROM again. */
  session_log (session, _("The flasher stub did not start (%s) Carrying on with the ROM loader."),
               local_error->message);
  return sf_flasher_connect (session->flasher, options->chip,
                             options->before == SF_BEFORE_NO_RESET_NO_SYNC
                             ? SF_BEFORE_NO_RESET : options->before,
                             session->cancellable, error);
}

/* Reset, connect and start the loader, at the rate every board syncs at. */
static gboolean
connect (Session  *session,
         GError  **error)
{
  const SfSessionOptions *options = session->options;
  SfBefore before = options->before;

  /* Without SYNC, a stub left running already talks at the final rate. */
  if (before == SF_BEFORE_NO_RESET_NO_SYNC && session->described)
    before = SF_BEFORE_NO_RESET;
  if (!sf_flasher_set_link_baud (session->flasher,
                                 before == SF_BEFORE_NO_RESET_NO_SYNC && options->baud != 0
                                 ? options->baud : SF_SYNC_BAUD, error))
    return FALSE;

  if (!sf_flasher_connect (session->flasher, options->chip, before, session->cancellable, error))
    return FALSE;
  if (!session->described && !describe_chip (session, error))
    return FALSE;
  if (!start_stub (session, error))
    return FALSE;
  if (options->flash_size != 0)
    sf_flasher_set_flash_size (session->flasher, options->flash_size);
  return TRUE;
}

/* Moves to @baud and proves that frames still get through both ways. */
static gboolean
speed_up (Session  *session,
          guint     baud,
          GError  **error)
{
  g_autoptr(GError) local_error = NULL;

  if (baud <= sf_flasher_get_baud (session->flasher))
    return TRUE;
  if (!sf_flasher_can_change_baud (session->flasher))
    {
      /* A limit of the loader, not of the adapter: nothing to remember. */
      session_log (session, _("The %s ROM loader cannot change its baud rate; staying at %u."),
                   sf_chip_get_name (sf_flasher_get_chip (session->flasher)),
                   sf_flasher_get_baud (session->flasher));
      return TRUE;
    }

  if (sf_flasher_change_baud (session->flasher, baud, session->cancellable, &local_error) &&
      sf_flasher_check_link (session->flasher, session->cancellable, &local_error))
    return TRUE;
  if (!is_link_error (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  session->result->failed_baud = baud;
  session_log (session, _("%u baud did not get through (%s) Going back to %u baud."),
               baud, local_error->message, SF_SYNC_BAUD);
  return connect (session, error);
}

static gboolean
run (Session        *session,
     SfSessionFunc   func,
     gpointer        user_data,
     GError        **error)
{
  const SfSessionOptions *options = session->options;
  g_autoptr(GError) local_error = NULL;
  guint baud = options->baud != 0 ? options->baud : SF_SESSION_FAST_BAUD;

  if (!connect (session, error))
    return FALSE;

  if (options->baud == 0 && sf_flasher_can_change_baud (session->flasher))
    session_log (session, _("No baud rate given: working at %u baud, or at %u if the link "
                            "cannot carry that."), baud, SF_SYNC_BAUD);
  if (options->before != SF_BEFORE_NO_RESET_NO_SYNC && !speed_up (session, baud, error))
    return FALSE;

  if (func (session->flasher, &session->result->details, user_data,
            session->cancellable, &local_error))
    return TRUE;

  /* A fast rate can fail in the middle of the work, when the link heats
   * up or noise grows; the work is safe to do again from the start. */
  if (sf_flasher_get_baud (session->flasher) <= SF_SYNC_BAUD ||
      !is_link_error (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  session->result->failed_baud = sf_flasher_get_baud (session->flasher);
  session_log (session, _("Communication at %u baud failed (%s) Trying again at %u baud."),
               session->result->failed_baud, local_error->message, SF_SYNC_BAUD);
  g_clear_error (&local_error);
  return connect (session, error) &&
         func (session->flasher, &session->result->details, user_data,
               session->cancellable, error);
}

gboolean
sf_session_run (const SfSessionOptions  *options,
                SfSessionFunc            func,
                gpointer                 user_data,
                SfSessionResult         *out_result,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autoptr(SfTransport) transport = NULL;
  g_autoptr(SfFlasher) flasher = NULL;
  SfSessionResult result = { { 0 } };
  Session session = { options, NULL, &result, cancellable, FALSE };
  gboolean ok;

  g_return_val_if_fail (options != NULL && options->port != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  session_log (&session, _("Serial port %s"), options->port);
  transport = sf_transport_open (options->port, SF_SYNC_BAUD, error);
  if (transport == NULL)
    return FALSE;
  session_log (&session, _("Connecting..."));

  flasher = sf_flasher_new (transport);
  sf_flasher_set_log_func (flasher, options->log_func, options->callback_data);
  sf_flasher_set_progress_func (flasher, options->progress_func, options->callback_data);
  session.flasher = flasher;

  ok = run (&session, func, user_data, error);
  /* Before leaving: that may take the stub back to the sync rate. */
  result.used_baud = sf_flasher_get_baud (flasher);
  result.stub = sf_flasher_is_stub (flasher);
  ok = ok && sf_flasher_leave (flasher, options->after, cancellable, error);
  if (out_result != NULL)
    *out_result = result;
  else
    sf_session_result_clear (&result);
  return ok;
}
