/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Opens a pseudo-terminal in raw 8N1 at 115200: the master (non-blocking)
 * for the board, and a descriptor on the slave that keeps the pty alive
 * between clients. @out_path is the slave's name, for clients. */
gboolean _sf_sim_pty_open        (int      *out_master,
                                  int      *out_slave,
                                  char    **out_path,
                                  GError  **error);
/* The rate the client configured on its end; 0 if unknown. */
guint    _sf_sim_pty_client_baud (int       slave_fd);

G_END_DECLS
