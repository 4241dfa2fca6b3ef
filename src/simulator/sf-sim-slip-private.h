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
  gboolean    stub_framing;
  gboolean    in_frame;     /* stub framing: between a 0xC0 and the next */
} SfSimSlipDecoder;

void _sf_sim_slip_decoder_init  (SfSimSlipDecoder   *self);
void _sf_sim_slip_decoder_clear (SfSimSlipDecoder   *self);
void _sf_sim_slip_decoder_reset (SfSimSlipDecoder   *self);
/* The flasher stub frames differently from the ROM: after a frame ends it
 * waits for a 0xC0 that opens the next one and drops the bytes in between;
 * a 0xC0 right after the closing one (an empty frame) closes again. A
 * frame past its receive buffer (8 + 0x4000 + 0xFF bytes) or with a bad
 * escape is dropped and the decoder waits for a 0xC0 that opens one.
 * Switching mode forgets a partial frame. */
void _sf_sim_slip_decoder_set_stub_framing (SfSimSlipDecoder *self,
                                            gboolean          stub_framing);
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
