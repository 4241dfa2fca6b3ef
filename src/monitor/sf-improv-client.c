/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-improv"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-improv-client.h"
#include "sf-improv-private.h"

/* How long each request waits for the board. A scan and a connection take
 * the radio seconds; every sign of progress (a network listed, the state
 * "provisioning") starts the wait again. */
#define INFO_TIMEOUT_MS       5000
#define SCAN_TIMEOUT_MS       15000
#define PROVISION_TIMEOUT_MS  60000

typedef enum
{
  REQUEST_NONE,
  REQUEST_STATE,
  REQUEST_INFO,
  REQUEST_SCAN,
  REQUEST_PROVISION,
} RequestKind;

struct _SfImprovClient
{
  GObject        parent_instance;

  SfMonitor     *monitor;
  gulong         frame_handler;
  gulong         stopped_handler;
  SfImprovState  state;

  /* The request waiting for its answer, if any. */
  GTask         *task;
  RequestKind    kind;
  guint          timeout_ms;
  GSource       *timeout_source;
  GSource       *cancel_source;
  GPtrArray     *networks;      /* SfImprovNetwork *, while scanning */
  char          *ssid;          /* while provisioning; the password is never kept */
};

G_DEFINE_FINAL_TYPE (SfImprovClient, sf_improv_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

void
sf_improv_network_free (SfImprovNetwork *network)
{
  if (network == NULL)
    return;
  g_free (network->ssid);
  g_free (network);
}

/* ---- The request in flight ---------------------------------------------- */

static GTask *
end_request (SfImprovClient *self)
{
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
  g_clear_pointer (&self->networks, g_ptr_array_unref);
  g_clear_pointer (&self->ssid, g_free);
  self->kind = REQUEST_NONE;
  return g_steal_pointer (&self->task);
}

static void
fail_request (SfImprovClient *self,
              GError         *error)
{
  g_autoptr(GTask) task = end_request (self);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static gboolean
timeout_cb (gpointer data)
{
  SfImprovClient *self = data;
  const char *port = sf_monitor_get_port_path (self->monitor);

  fail_request (self, g_error_new (SF_IMPROV_ERROR, SF_IMPROV_ERROR_NO_ANSWER,
                                   _("The board on %s did not answer the Improv request in %u s. "
                                     "Its firmware may not speak Improv Wi-Fi, or may print at "
                                     "another baud rate than the monitor's."),
                                   port != NULL ? port : "?",
                                   (self->timeout_ms + 999) / 1000));
  return G_SOURCE_REMOVE;
}

/* (Re)starts the wait for the board's answer. */
static void
arm_timeout (SfImprovClient *self)
{
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_source_unref (self->timeout_source);
    }
  self->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_static_name (self->timeout_source, "[sf-improv] timeout");
  g_source_set_callback (self->timeout_source, timeout_cb, self, NULL);
  g_source_attach (self->timeout_source, g_main_context_get_thread_default ());
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  SfImprovClient *self = data;
  g_autoptr(GTask) task = end_request (self);

  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Starts a request, or fails it at once when one is waiting already or
 * there is no monitor to speak through. */
static gboolean
begin_request (SfImprovClient      *self,
               RequestKind          kind,
               guint                timeout_ms,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (self->task != NULL)
    {
      g_task_return_new_error (task, SF_IMPROV_ERROR, SF_IMPROV_ERROR_BUSY,
                               _("Another Improv request is still waiting for the board's "
                                 "answer. Try again once it has finished."));
      return FALSE;
    }
  if (!sf_monitor_get_running (self->monitor))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("The serial monitor is not running, so nothing can be sent to "
                                 "the board. Start the monitor first."));
      return FALSE;
    }
  if (g_task_return_error_if_cancelled (task))
    return FALSE;

  self->task = g_steal_pointer (&task);
  self->kind = kind;
  self->timeout_ms = timeout_ms;
  arm_timeout (self);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (self->cancel_source, "[sf-improv] cancelled");
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (cancelled_cb), self, NULL);
      g_source_attach (self->cancel_source, g_main_context_get_thread_default ());
    }
  return TRUE;
}

/* ---- What the board says ------------------------------------------------- */

static GError *
error_from_wire (SfImprovClient *self,
                 guint           code)
{
  switch (code)
    {
    case SF_IMPROV_WIRE_ERROR_INVALID_RPC:
      return g_error_new (SF_IMPROV_ERROR, SF_IMPROV_ERROR_INVALID_RPC,
                          _("The board could not read the Improv request (error 0x01). Its "
                            "firmware may speak another version of Improv Wi-Fi."));
    case SF_IMPROV_WIRE_ERROR_UNKNOWN_RPC:
      return g_error_new (SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNKNOWN_RPC,
                          _("The board's firmware does not know this Improv command (error "
                            "0x02). Update the firmware, or set this up another way."));
    case SF_IMPROV_WIRE_ERROR_UNABLE_TO_CONNECT:
      return g_error_new (SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNABLE_TO_CONNECT,
                          _("The board could not join the network “%s”. Check the network "
                            "name and the password, and that the network is in range."),
                          self->ssid != NULL ? self->ssid : "");
    default:
      return g_error_new (SF_IMPROV_ERROR, SF_IMPROV_ERROR_UNKNOWN,
                          _("The board reported an Improv error it did not name (0x%02x). "
                            "Restart the board and try again."), code);
    }
}

static gint
compare_networks (gconstpointer a,
                  gconstpointer b)
{
  const SfImprovNetwork *first = *(SfImprovNetwork * const *) a;
  const SfImprovNetwork *second = *(SfImprovNetwork * const *) b;

  return (second->rssi > first->rssi) - (second->rssi < first->rssi);
}

static void
take_rpc_result (SfImprovClient *self,
                 GBytes         *payload)
{
  g_auto(GStrv) strings = NULL;
  guint command;

  if (!_sf_improv_parse_rpc_result (payload, &command, &strings))
    {
      g_debug ("An Improv RPC result that does not parse; ignored");
      return;
    }

  switch (self->kind)
    {
    case REQUEST_INFO:
      if (command == SF_IMPROV_COMMAND_GET_INFO)
        {
          g_autoptr(GTask) task = end_request (self);

          g_task_return_pointer (task, g_steal_pointer (&strings), (GDestroyNotify) g_strfreev);
        }
      break;

    case REQUEST_SCAN:
      if (command != SF_IMPROV_COMMAND_SCAN)
        break;
      if (strings[0] == NULL)
        {
          g_autoptr(GPtrArray) networks = g_steal_pointer (&self->networks);
          g_autoptr(GTask) task = end_request (self);

          g_ptr_array_sort (networks, compare_networks);
          g_task_return_pointer (task, g_steal_pointer (&networks),
                                 (GDestroyNotify) g_ptr_array_unref);
        }
      else if (g_strv_length (strings) >= 3)
        {
          SfImprovNetwork *network = g_new0 (SfImprovNetwork, 1);

          network->ssid = g_strdup (strings[0]);
          network->rssi = atoi (strings[1]);
          network->secured = g_ascii_strcasecmp (strings[2], "NO") != 0;
          g_ptr_array_add (self->networks, network);
          arm_timeout (self);
        }
      break;

    case REQUEST_PROVISION:
      if (command == SF_IMPROV_COMMAND_WIFI_SETTINGS)
        {
          g_autoptr(GTask) task = end_request (self);

          g_task_return_pointer (task, g_strdup (strings[0] != NULL ? strings[0] : ""), g_free);
        }
      break;

    case REQUEST_NONE:
    case REQUEST_STATE:
    default:
      /* A provisioned board answers "current state" with its URL too. */
      break;
    }
}

static void
improv_frame_cb (SfMonitor      *monitor,
                 guint           type,
                 GBytes         *payload,
                 SfImprovClient *self)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (payload, &length);

  switch (type)
    {
    case SF_IMPROV_TYPE_CURRENT_STATE:
      if (length < 1)
        return;
      if (self->state != (SfImprovState) data[0])
        {
          self->state = data[0];
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
        }
      if (self->kind == REQUEST_STATE)
        {
          g_autoptr(GTask) task = end_request (self);

          g_task_return_int (task, self->state);
        }
      else if (self->kind == REQUEST_PROVISION)
        {
          /* Still trying to connect: give it the time again. */
          arm_timeout (self);
        }
      break;

    case SF_IMPROV_TYPE_ERROR_STATE:
      if (length < 1 || data[0] == SF_IMPROV_WIRE_ERROR_NONE || self->task == NULL)
        return;
      fail_request (self, error_from_wire (self, data[0]));
      break;

    case SF_IMPROV_TYPE_RPC_RESULT:
      take_rpc_result (self, payload);
      break;

    case SF_IMPROV_TYPE_RPC_COMMAND:
    default:
      /* Our own commands echoed back, or another client's: not for us. */
      break;
    }
}

static void
stopped_cb (SfMonitor      *monitor,
            const GError   *error,
            SfImprovClient *self)
{
  if (self->task == NULL)
    return;
  fail_request (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                   _("The serial monitor stopped before the board answered "
                                     "the Improv request%s%s"),
                                   error != NULL ? ": " : ".",
                                   error != NULL ? error->message : ""));
}

/* ---- Public API ------------------------------------------------------------ */

SfImprovClient *
sf_improv_client_new (SfMonitor *monitor)
{
  SfImprovClient *self;

  g_return_val_if_fail (SF_IS_MONITOR (monitor), NULL);

  self = g_object_new (SF_TYPE_IMPROV_CLIENT, NULL);
  self->monitor = g_object_ref (monitor);
  self->frame_handler = g_signal_connect (monitor, "improv-frame",
                                          G_CALLBACK (improv_frame_cb), self);
  self->stopped_handler = g_signal_connect (monitor, "stopped", G_CALLBACK (stopped_cb), self);
  return self;
}

SfImprovState
sf_improv_client_get_state (SfImprovClient *self)
{
  g_return_val_if_fail (SF_IS_IMPROV_CLIENT (self), SF_IMPROV_STATE_UNKNOWN);

  return self->state;
}

void
sf_improv_client_get_state_async (SfImprovClient      *self,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (SF_IS_IMPROV_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  if (!begin_request (self, REQUEST_STATE, timeout_ms, cancellable, callback, user_data,
                      sf_improv_client_get_state_async))
    return;
  frame = _sf_improv_encode_command (SF_IMPROV_COMMAND_GET_STATE);
  sf_monitor_send_bytes (self->monitor, frame);
}

SfImprovState
sf_improv_client_get_state_finish (SfImprovClient  *self,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  gssize state;

  g_return_val_if_fail (g_task_is_valid (result, self), SF_IMPROV_STATE_UNKNOWN);

  state = g_task_propagate_int (G_TASK (result), error);
  return state < 0 ? SF_IMPROV_STATE_UNKNOWN : (SfImprovState) state;
}

void
sf_improv_client_get_info_async (SfImprovClient      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (SF_IS_IMPROV_CLIENT (self));

  if (!begin_request (self, REQUEST_INFO, INFO_TIMEOUT_MS, cancellable, callback, user_data,
                      sf_improv_client_get_info_async))
    return;
  frame = _sf_improv_encode_command (SF_IMPROV_COMMAND_GET_INFO);
  sf_monitor_send_bytes (self->monitor, frame);
}

char **
sf_improv_client_get_info_finish (SfImprovClient  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sf_improv_client_scan_async (SfImprovClient      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (SF_IS_IMPROV_CLIENT (self));

  if (!begin_request (self, REQUEST_SCAN, SCAN_TIMEOUT_MS, cancellable, callback, user_data,
                      sf_improv_client_scan_async))
    return;
  self->networks = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_improv_network_free);
  frame = _sf_improv_encode_command (SF_IMPROV_COMMAND_SCAN);
  sf_monitor_send_bytes (self->monitor, frame);
}

GPtrArray *
sf_improv_client_scan_finish (SfImprovClient  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sf_improv_client_provision_async (SfImprovClient      *self,
                                  const char          *ssid,
                                  const char          *password,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GBytes) frame = NULL;
  GError *error = NULL;

  g_return_if_fail (SF_IS_IMPROV_CLIENT (self));
  g_return_if_fail (ssid != NULL);
  g_return_if_fail (password != NULL);

  if (!begin_request (self, REQUEST_PROVISION, PROVISION_TIMEOUT_MS, cancellable, callback,
                      user_data, sf_improv_client_provision_async))
    return;
  self->ssid = g_strdup (ssid);
  /* The frame wipes itself once written; nothing else holds the password. */
  frame = _sf_improv_encode_wifi_settings (ssid, password, &error);
  if (frame == NULL)
    {
      fail_request (self, error);
      return;
    }
  sf_monitor_send_bytes (self->monitor, frame);
}

char *
sf_improv_client_provision_finish (SfImprovClient  *self,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sf_improv_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SfImprovClient *self = SF_IMPROV_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_improv_client_dispose (GObject *object)
{
  SfImprovClient *self = SF_IMPROV_CLIENT (object);

  if (self->task != NULL)
    fail_request (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("The Improv request was given up.")));
  if (self->monitor != NULL)
    {
      g_clear_signal_handler (&self->frame_handler, self->monitor);
      g_clear_signal_handler (&self->stopped_handler, self->monitor);
      g_clear_object (&self->monitor);
    }

  G_OBJECT_CLASS (sf_improv_client_parent_class)->dispose (object);
}

static void
sf_improv_client_class_init (SfImprovClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sf_improv_client_get_property;
  object_class->dispose = sf_improv_client_dispose;

  /* The state the board reported last, as an SfImprovState. */
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL, 0, G_MAXUINT8, SF_IMPROV_STATE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sf_improv_client_init (SfImprovClient *self)
{
  self->state = SF_IMPROV_STATE_UNKNOWN;
}
