/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-monitor.h"

G_BEGIN_DECLS

/* Errors the board reports through Improv, and the client's own. */
#define SF_IMPROV_ERROR (sf_improv_error_quark ())

typedef enum
{
  SF_IMPROV_ERROR_INVALID_RPC = 1,   /* the board could not parse our request */
  SF_IMPROV_ERROR_UNKNOWN_RPC,       /* the board does not know the command */
  SF_IMPROV_ERROR_UNABLE_TO_CONNECT, /* the board could not join the network */
  SF_IMPROV_ERROR_UNKNOWN,           /* the board said "unknown error" */
  SF_IMPROV_ERROR_NO_ANSWER,         /* nothing came back in time: no Improv here */
  SF_IMPROV_ERROR_BUSY,              /* another request is still waiting */
} SfImprovError;

GQuark sf_improv_error_quark (void) G_GNUC_CONST;

typedef enum
{
  SF_IMPROV_STATE_UNKNOWN     = 0x00,
  SF_IMPROV_STATE_READY       = 0x02,  /* waiting for credentials */
  SF_IMPROV_STATE_PROVISIONING = 0x03,
  SF_IMPROV_STATE_PROVISIONED = 0x04,
} SfImprovState;

typedef struct
{
  char     *ssid;
  int       rssi;         /* dBm */
  gboolean  secured;
} SfImprovNetwork;

void sf_improv_network_free (SfImprovNetwork *network);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfImprovNetwork, sf_improv_network_free)

#define SF_TYPE_IMPROV_CLIENT (sf_improv_client_get_type ())
G_DECLARE_FINAL_TYPE (SfImprovClient, sf_improv_client, SF, IMPROV_CLIENT, GObject)

/* Speaks Improv Wi-Fi Serial through a running monitor, on the main
 * context the monitor hands its lines to. One request at a time. The
 * Wi-Fi password goes to the board and nowhere else: it is never logged
 * and never kept after the request. */
SfImprovClient *sf_improv_client_new            (SfMonitor            *monitor) G_GNUC_WARN_UNUSED_RESULT;
/* The state the board reported last (UNKNOWN until it says). Also the
 * read-only property "state" (a guint holding an SfImprovState), notified
 * whenever a frame changes it. */
SfImprovState   sf_improv_client_get_state      (SfImprovClient       *self);

/* Asks for the current state; fails with NO_ANSWER after @timeout_ms. */
void            sf_improv_client_get_state_async (SfImprovClient      *self,
                                                  guint                timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
SfImprovState   sf_improv_client_get_state_finish (SfImprovClient     *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);
/* Firmware name, version, chip family and device name, as the board sends
 * them (NULL-terminated). */
void            sf_improv_client_get_info_async (SfImprovClient       *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
char          **sf_improv_client_get_info_finish (SfImprovClient      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* The networks the board sees, strongest first (SfImprovNetwork *). */
void            sf_improv_client_scan_async     (SfImprovClient       *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray      *sf_improv_client_scan_finish    (SfImprovClient       *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* Sends the credentials and waits until the board is provisioned (or
 * says it cannot connect). Returns the URL the board answers with, or ""
 * when it sends none. */
void            sf_improv_client_provision_async (SfImprovClient      *self,
                                                  const char          *ssid,
                                                  const char          *password,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
char           *sf_improv_client_provision_finish (SfImprovClient     *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);

G_END_DECLS
