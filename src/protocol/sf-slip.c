/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-slip"

#include "config.h"

#include "sf-slip-private.h"

/* Enough to hold a ROM boot banner and a "waiting for download" line. */
#define NOISE_KEEP 512

void
_sf_slip_encode (GByteArray   *out,
                 const guint8 *data,
                 gsize         length)
{
  static const guint8 end = SF_SLIP_END;
  static const guint8 esc_end[] = { SF_SLIP_ESC, SF_SLIP_ESC_END };
  static const guint8 esc_esc[] = { SF_SLIP_ESC, SF_SLIP_ESC_ESC };
  gsize run = 0;

  g_byte_array_append (out, &end, 1);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] != SF_SLIP_END && data[i] != SF_SLIP_ESC)
        continue;
      /* Copy plain runs in one go: most of a firmware image needs no escape. */
      g_byte_array_append (out, data + run, i - run);
      g_byte_array_append (out, data[i] == SF_SLIP_END ? esc_end : esc_esc, 2);
      run = i + 1;
    }
  g_byte_array_append (out, data + run, length - run);
  g_byte_array_append (out, &end, 1);
}

void
_sf_slip_decoder_init (SfSlipDecoder *self)
{
  self->frame = g_byte_array_new ();
  g_queue_init (&self->complete);
  self->noise = g_string_new (NULL);
  self->in_frame = FALSE;
  self->escaped = FALSE;
  self->corrupt = FALSE;
  self->dropped = 0;
}

void
_sf_slip_decoder_clear (SfSlipDecoder *self)
{
  g_clear_pointer (&self->frame, g_byte_array_unref);
  g_queue_clear_full (&self->complete, (GDestroyNotify) g_bytes_unref);
  if (self->noise != NULL)
    g_string_free (self->noise, TRUE);
  self->noise = NULL;
}

void
_sf_slip_decoder_reset (SfSlipDecoder *self)
{
  g_byte_array_set_size (self->frame, 0);
  g_queue_clear_full (&self->complete, (GDestroyNotify) g_bytes_unref);
  g_string_truncate (self->noise, 0);
  self->in_frame = FALSE;
  self->escaped = FALSE;
  self->corrupt = FALSE;
}

static void
add_noise (SfSlipDecoder *self,
           guint8         byte)
{
  if (self->noise->len >= NOISE_KEEP)
    g_string_erase (self->noise, 0, NOISE_KEEP / 2);
  g_string_append_c (self->noise, byte);
}

static void
end_frame (SfSlipDecoder *self)
{
  /* Back-to-back C0 bytes (end of one frame, start of the next) and stray
   * C0s give empty frames: they carry nothing, so they are not frames. */
  if (self->frame->len > 0 && !self->corrupt && !self->escaped)
    {
      g_queue_push_tail (&self->complete,
                         g_bytes_new (self->frame->data, self->frame->len));
    }
  else if (self->corrupt || self->escaped)
    self->dropped++;

  g_byte_array_set_size (self->frame, 0);
  self->escaped = FALSE;
  self->corrupt = FALSE;
}

void
_sf_slip_decoder_feed (SfSlipDecoder *self,
                       const guint8  *data,
                       gsize          length)
{
  for (gsize i = 0; i < length; i++)
    {
      guint8 byte = data[i];

      if (!self->in_frame)
        {
          if (byte == SF_SLIP_END)
            self->in_frame = TRUE;
          else
            add_noise (self, byte);
          continue;
        }

      if (byte == SF_SLIP_END)
        {
          gboolean was_empty = self->frame->len == 0 && !self->escaped;

          end_frame (self);
          /* An empty frame means this C0 most likely opens the next frame
           * (two C0 in a row), so stay inside; otherwise the frame is over
           * and what follows until the next C0 is noise. */
          self->in_frame = was_empty;
          continue;
        }

      if (self->escaped)
        {
          self->escaped = FALSE;
          if (byte == SF_SLIP_ESC_END)
            byte = SF_SLIP_END;
          else if (byte == SF_SLIP_ESC_ESC)
            byte = SF_SLIP_ESC;
          else
            self->corrupt = TRUE;
          g_byte_array_append (self->frame, &byte, 1);
          continue;
        }

      if (byte == SF_SLIP_ESC)
        {
          self->escaped = TRUE;
          continue;
        }

      /* Copy the plain run up to the next special byte in one go. */
      {
        gsize j = i;

        while (j < length && data[j] != SF_SLIP_END && data[j] != SF_SLIP_ESC)
          j++;
        g_byte_array_append (self->frame, data + i, j - i);
        i = j - 1;
      }
    }
}

GBytes *
_sf_slip_decoder_pop (SfSlipDecoder *self)
{
  return g_queue_pop_head (&self->complete);
}
