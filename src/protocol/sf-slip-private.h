/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SF_SLIP_END     0xC0
#define SF_SLIP_ESC     0xDB
#define SF_SLIP_ESC_END 0xDC
#define SF_SLIP_ESC_ESC 0xDD

/* Appends C0 <escaped data> C0 to @out. */
void _sf_slip_encode (GByteArray   *out,
                      const guint8 *data,
                      gsize         length);

/* A decoder that survives frames split across reads, several frames in one
 * read, boot-log text between frames and stray C0 bytes. Bytes outside
 * frames are kept (the last few hundred) so the caller can look for the
 * ROM's boot banner in them. */
typedef struct
{
  GByteArray *frame;         /* body of the frame being received */
  GQueue      complete;      /* GBytes of whole frames, oldest first */
  GString    *noise;         /* recent bytes seen outside frames */
  gboolean    in_frame;
  gboolean    escaped;
  gboolean    corrupt;       /* a bad escape: drop the frame at its end */
  guint       dropped;       /* frames dropped for bad escapes */
} SfSlipDecoder;

void     _sf_slip_decoder_init  (SfSlipDecoder *self);
void     _sf_slip_decoder_clear (SfSlipDecoder *self);
/* Forgets any partial frame, queued frames and noise. */
void     _sf_slip_decoder_reset (SfSlipDecoder *self);
void     _sf_slip_decoder_feed  (SfSlipDecoder *self,
                                 const guint8  *data,
                                 gsize          length);
/* The oldest complete frame, or NULL; transfer full. */
GBytes  *_sf_slip_decoder_pop   (SfSlipDecoder *self);

G_END_DECLS
