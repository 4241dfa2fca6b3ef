/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SF_TYPE_TRANSPORT (sf_transport_get_type ())
G_DECLARE_INTERFACE (SfTransport, sf_transport, SF, TRANSPORT, GObject)

/* The byte pipe under the protocol: a real serial adapter (libserialport),
 * a plain POSIX tty such as a pseudo-terminal, or anything a test supplies.
 * Errors are in SF_PROTOCOL_ERROR (UNPLUGGED, PORT_BUSY, ...) or G_IO_ERROR. */
struct _SfTransportInterface
{
  GTypeInterface parent_iface;

  /* Writes all of @data or fails. */
  gboolean (*write)        (SfTransport   *self,
                            const guint8  *data,
                            gsize          length,
                            GError       **error);
  /* Waits at most @timeout_ms for at least one byte; returns the number of
   * bytes read, 0 on timeout (not an error), -1 on error. */
  gssize   (*read)         (SfTransport   *self,
                            guint8        *buffer,
                            gsize          length,
                            guint          timeout_ms,
                            GError       **error);
  gboolean (*set_baud)     (SfTransport   *self,
                            guint          baud,
                            GError       **error);
  /* TRUE = line asserted (pin at 0 V). Sets both lines as close to
   * simultaneously as the backend allows. Fails with
   * G_IO_ERROR_NOT_SUPPORTED on ports without modem lines. */
  gboolean (*set_dtr_rts)  (SfTransport   *self,
                            gboolean       dtr,
                            gboolean       rts,
                            GError       **error);
  /* Drops whatever input is buffered. */
  gboolean (*flush_input)  (SfTransport   *self,
                            GError       **error);
  const char *(*get_path)  (SfTransport   *self);
  /* USB vendor/product id of the adapter, or FALSE when not a USB port. */
  gboolean (*get_usb_ids)  (SfTransport   *self,
                            guint         *vid,
                            guint         *pid);
};

/* Opens @path (udev links such as /dev/serial/by-id/... are resolved first)
 * at @baud, 8N1, raw, exclusively. Real ports go through libserialport;
 * what libserialport cannot open (pseudo-terminals) through termios. */
SfTransport *sf_transport_open        (const char    *path,
                                       guint          baud,
                                       GError       **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean     sf_transport_write       (SfTransport   *self,
                                       const guint8  *data,
                                       gsize          length,
                                       GError       **error);
gssize       sf_transport_read        (SfTransport   *self,
                                       guint8        *buffer,
                                       gsize          length,
                                       guint          timeout_ms,
                                       GError       **error);
gboolean     sf_transport_set_baud    (SfTransport   *self,
                                       guint          baud,
                                       GError       **error);
gboolean     sf_transport_set_dtr_rts (SfTransport   *self,
                                       gboolean       dtr,
                                       gboolean       rts,
                                       GError       **error);
gboolean     sf_transport_flush_input (SfTransport   *self,
                                       GError       **error);
const char  *sf_transport_get_path    (SfTransport   *self);
gboolean     sf_transport_get_usb_ids (SfTransport   *self,
                                       guint         *vid,
                                       guint         *pid);

G_END_DECLS
