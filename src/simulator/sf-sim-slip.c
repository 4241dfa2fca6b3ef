/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-slip"

#include "config.h"

#include "sf-sim-slip-private.h"

#define SLIP_END     0xC0
#define SLIP_ESC     0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

/* Larger than any request a host may send (16 KiB stub blocks plus header),
 * so a stream of garbage without any 0xC0 cannot grow the buffer forever. */
#define SLIP_MAX_FRAME (64 * 1024)
/* The stub's receive buffer: header, a 16 KiB block and some slack. */
#define STUB_MAX_FRAME (8 + 0x4000 + 0xFF)

void
_sf_sim_slip_decoder_init (SfSimSlipDecoder *self)
{
  self->frame = g_byte_array_sized_new (2048);
  self->seen_end = FALSE;
  self->escape = FALSE;
  self->broken = FALSE;
  self->stub_framing = FALSE;
  self->in_frame = FALSE;
}

void
_sf_sim_slip_decoder_clear (SfSimSlipDecoder *self)
{
  g_clear_pointer (&self->frame, g_byte_array_unref);
}

void
_sf_sim_slip_decoder_reset (SfSimSlipDecoder *self)
{
  g_byte_array_set_size (self->frame, 0);
  self->seen_end = FALSE;
  self->escape = FALSE;
  self->broken = FALSE;
  self->in_frame = FALSE;
}

void
_sf_sim_slip_decoder_set_stub_framing (SfSimSlipDecoder *self,
                                       gboolean          stub_framing)
{
  _sf_sim_slip_decoder_reset (self);
  self->stub_framing = !!stub_framing;
}

/* Appends the run of plain bytes starting at data[*i], leaving *i on its
 * last byte. */
static void
append_run (GByteArray   *frame,
            const guint8 *data,
            gsize         length,
            gsize        *i)
{
  gsize start = *i;

  while (*i + 1 < length && data[*i + 1] != SLIP_END && data[*i + 1] != SLIP_ESC)
    (*i)++;
  g_byte_array_append (frame, data + start, *i - start + 1);
}

/* Appends the byte an escape stands for; FALSE for a bad escape. */
static gboolean
append_escaped (GByteArray *frame,
                guint8      b)
{
  guint8 out = b == SLIP_ESC_END ? SLIP_END : SLIP_ESC;

  if (b != SLIP_ESC_END && b != SLIP_ESC_ESC)
    return FALSE;
  g_byte_array_append (frame, &out, 1);
  return TRUE;
}

static void
feed_stub (SfSimSlipDecoder   *self,
           const guint8       *data,
           gsize               length,
           SfSimSlipFrameFunc  func,
           gpointer            user_data)
{
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = data[i];

      if (!self->in_frame)
        {
          if (b == SLIP_END)
            {
              self->in_frame = TRUE;
              self->escape = FALSE;
              g_byte_array_set_size (self->frame, 0);
            }
          continue;
        }

      if (self->escape)
        {
          self->escape = FALSE;
          if (!append_escaped (self->frame, b))
            {
              self->in_frame = FALSE;
              continue;
            }
        }
      else if (b == SLIP_END)
        {
          self->in_frame = FALSE;
          if (self->frame->len > 0)
            func (self->frame->data, self->frame->len, user_data);
          continue;
        }
      else if (b == SLIP_ESC)
        self->escape = TRUE;
      else
        append_run (self->frame, data, length, &i);

      if (self->frame->len > STUB_MAX_FRAME)
        self->in_frame = FALSE;
    }
}

void
_sf_sim_slip_decoder_feed (SfSimSlipDecoder   *self,
                           const guint8       *data,
                           gsize               length,
                           SfSimSlipFrameFunc  func,
                           gpointer            user_data)
{
  if (self->stub_framing)
    {
      feed_stub (self, data, length, func, user_data);
      return;
    }

  for (gsize i = 0; i < length; i++)
    {
      guint8 b = data[i];

      /* Every 0xC0 both ends the frame being collected and starts the next
       * one. Bytes between frames are thus collected as a "frame" of their
       * own, which the command layer rejects as malformed; this keeps the
       * decoder in step whatever noise arrives between packets. Before the
       * very first 0xC0 everything is dropped. */
      if (b == SLIP_END)
        {
          if (self->seen_end && self->frame->len > 0 && !self->broken && !self->escape)
            {
              func (self->frame->data, self->frame->len, user_data);
              /* That frame started the stub: it reads what follows. */
              if (self->stub_framing)
                {
                  feed_stub (self, data + i + 1, length - i - 1, func, user_data);
                  return;
                }
            }
          g_byte_array_set_size (self->frame, 0);
          self->seen_end = TRUE;
          self->escape = FALSE;
          self->broken = FALSE;
          continue;
        }

      if (!self->seen_end || self->broken)
        continue;

      if (self->escape)
        {
          self->escape = FALSE;
          /* A ROM drops a frame with a bad escape; so do we. */
          if (!append_escaped (self->frame, b))
            {
              self->broken = TRUE;
              continue;
            }
        }
      else if (b == SLIP_ESC)
        self->escape = TRUE;
      else
        {
          /* Copy runs of plain bytes at once: 1 MiB downloads pass here. */
          append_run (self->frame, data, length, &i);
        }

      if (self->frame->len > SLIP_MAX_FRAME)
        {
          self->broken = TRUE;
          g_byte_array_set_size (self->frame, 0);
        }
    }
}

void
_sf_sim_slip_encode (GByteArray   *out,
                     const guint8 *data,
                     gsize         length)
{
  static const guint8 end = SLIP_END;
  static const guint8 esc_end[2] = { SLIP_ESC, SLIP_ESC_END };
  static const guint8 esc_esc[2] = { SLIP_ESC, SLIP_ESC_ESC };
  gsize run_start = 0;

  g_byte_array_append (out, &end, 1);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] != SLIP_END && data[i] != SLIP_ESC)
        continue;
      g_byte_array_append (out, data + run_start, i - run_start);
      g_byte_array_append (out, data[i] == SLIP_END ? esc_end : esc_esc, 2);
      run_start = i + 1;
    }
  g_byte_array_append (out, data + run_start, length - run_start);
  g_byte_array_append (out, &end, 1);
}
