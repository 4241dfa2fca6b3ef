/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The simulator's own SLIP codec. It deliberately shares nothing with
 * src/protocol/: a misreading of the framing in one must not hide in the
 * other. */

typedef void (*SfSimSlipFrameFunc) (const guint8 *frame,
                                    gsize         length,
                                    gpointer      user_data);

typedef struct
{
  GByteArray *frame;
  gboolean    seen_end;
  gboolean    escape;
  gboolean    broken;
} SfSimSlipDecoder;

void _sf_sim_slip_decoder_init  (SfSimSlipDecoder   *self);
void _sf_sim_slip_decoder_clear (SfSimSlipDecoder   *self);
void _sf_sim_slip_decoder_reset (SfSimSlipDecoder   *self);
void _sf_sim_slip_decoder_feed  (SfSimSlipDecoder   *self,
                                 const guint8       *data,
                                 gsize               length,
                                 SfSimSlipFrameFunc  func,
                                 gpointer            user_data);

/* Appends C0 <escaped data> C0 to @out. */
void _sf_sim_slip_encode        (GByteArray         *out,
                                 const guint8       *data,
                                 gsize               length);

G_END_DECLS
