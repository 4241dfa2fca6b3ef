/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every multi-byte field of the serial protocol is little-endian. */
static inline void
_sf_put_le32 (guint8  *out,
              guint32  value)
{
  out[0] = value & 0xFF;
  out[1] = (value >> 8) & 0xFF;
  out[2] = (value >> 16) & 0xFF;
  out[3] = value >> 24;
}

static inline void
_sf_put_le16 (guint8  *out,
              guint16  value)
{
  out[0] = value & 0xFF;
  out[1] = value >> 8;
}

static inline guint16
_sf_get_le16 (const guint8 *in)
{
  return (guint16) (in[0] | in[1] << 8);
}

static inline guint32
_sf_get_le32 (const guint8 *in)
{
  return (guint32) in[0] | (guint32) in[1] << 8 | (guint32) in[2] << 16 | (guint32) in[3] << 24;
}

G_END_DECLS
