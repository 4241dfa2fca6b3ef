/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-improv-client.h"

G_BEGIN_DECLS

#define SF_TYPE_IMPROV_DIALOG (sf_improv_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SfImprovDialog, sf_improv_dialog, SF, IMPROV_DIALOG, GtkWindow)

/* Sends Wi-Fi credentials to a board whose firmware speaks Improv: asks
 * it what it is and which networks it sees, lets the person pick one and
 * type the password, and shows the address the board answers with. */
SfImprovDialog *sf_improv_dialog_new (GtkWindow      *parent,
                                      SfImprovClient *client);

/* --- test hooks --- */
/* "waiting", "form" or "done". */
const char     *_sf_improv_dialog_get_page      (SfImprovDialog *self);
/* The network names listed, in order, NULL-terminated. */
char          **_sf_improv_dialog_dup_networks  (SfImprovDialog *self);
/* Fills the form and presses Connect. */
void            _sf_improv_dialog_connect       (SfImprovDialog *self,
                                                 const char     *ssid,
                                                 const char     *password);
/* The error shown on the form, the URL on the last page, or NULL. */
const char     *_sf_improv_dialog_get_error     (SfImprovDialog *self);
const char     *_sf_improv_dialog_get_url       (SfImprovDialog *self);

G_END_DECLS
