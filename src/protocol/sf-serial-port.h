/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-transport.h"

G_BEGIN_DECLS

#define SF_TYPE_SERIAL_PORT (sf_serial_port_get_type ())
G_DECLARE_FINAL_TYPE (SfSerialPort, sf_serial_port, SF, SERIAL_PORT, GObject)

/* A real serial adapter opened through libserialport. Fails with
 * G_IO_ERROR_NOT_SUPPORTED when libserialport cannot handle @path at all
 * (pseudo-terminals); sf_transport_open() then falls back to SfTtyPort.
 * Most callers want sf_transport_open(). */
SfSerialPort *sf_serial_port_open (const char  *path,
                                   guint        baud,
                                   GError     **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
