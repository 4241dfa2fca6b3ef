/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-transport.h"

G_BEGIN_DECLS

/* Whether the failing call was opening the port or using an open port: the
 * same errno means "no such port" in one case and "it was unplugged" in the
 * other. */
typedef enum
{
  SF_TRANSPORT_STAGE_OPEN,
  SF_TRANSPORT_STAGE_IO,
} SfTransportStage;

/* How long a write may go without the port accepting a single byte. */
#define SF_TRANSPORT_WRITE_STALL_MS 10000

/* The one place that turns an OS error on a serial port into a GError the
 * user can act on (dialout group, busy port, unplugged board, ...). */
void     _sf_transport_set_error_from_errno (GError           **error,
                                             const char        *path,
                                             SfTransportStage   stage,
                                             int                errsv);

/* Helpers on a tty file descriptor (opened O_NONBLOCK, VMIN = 1, VTIME = 0),
 * shared by the libserialport and the termios backend. */
gboolean _sf_transport_fd_lock              (int                fd,
                                             const char        *path,
                                             GError           **error);
void     _sf_transport_fd_unlock            (int                fd);
gssize   _sf_transport_fd_read              (int                fd,
                                             const char        *path,
                                             guint8            *buffer,
                                             gsize              length,
                                             guint              timeout_ms,
                                             GError           **error);
gboolean _sf_transport_fd_write             (int                fd,
                                             const char        *path,
                                             const guint8      *data,
                                             gsize              length,
                                             GError           **error);
gboolean _sf_transport_fd_set_dtr_rts       (int                fd,
                                             const char        *path,
                                             gboolean           dtr,
                                             gboolean           rts,
                                             GError           **error);

G_END_DECLS
