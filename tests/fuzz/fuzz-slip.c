/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SLIP decoder against whatever a serial line can deliver, in whatever
 * pieces the reads return it.
 *
 * Input: one byte N (mod 16), then N slice lengths, then the stream. The
 * stream is fed in slices of those lengths, taken in turn (a length of 0
 * feeds nothing, which the decoder must take too); with no slice longer
 * than 0, in one go.
 * Bit 7 of each slice length also pops whatever is complete after that
 * slice, so frames are taken out both between reads and at the end. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-slip-private.h"

/* What the decoder keeps of the bytes between frames; the header promises
 * "the last few hundred". */
#define NOISE_LIMIT 512

#define MAX_SLICES 16

static void
pop_all (SfSlipDecoder *decoder,
         GPtrArray     *frames)
{
  GBytes *frame;

  while ((frame = _sf_slip_decoder_pop (decoder)) != NULL)
    g_ptr_array_add (frames, frame);
}

/* Feeds @stream in one go and, with @bytewise, also in single bytes, and
 * checks that each sees exactly @expected. */
static void
assert_decodes_to (const guint8 *stream,
                   gsize         length,
                   gboolean      bytewise,
                   GPtrArray    *expected)
{
  for (guint pass = 0; pass < (bytewise ? 2 : 1); pass++)
    {
      SfSlipDecoder decoder;
      g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      _sf_slip_decoder_init (&decoder);
      if (pass == 0)
        _sf_slip_decoder_feed (&decoder, stream, length);
      else
        for (gsize i = 0; i < length; i++)
          _sf_slip_decoder_feed (&decoder, stream + i, 1);
      pop_all (&decoder, frames);

      g_assert_cmpuint (frames->len, ==, expected->len);
      for (guint i = 0; i < frames->len; i++)
        g_assert_true (g_bytes_equal (frames->pdata[i], expected->pdata[i]));
      _sf_slip_decoder_clear (&decoder);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  guint8 slices[MAX_SLICES];
  guint n_slices = fuzz_input_byte (&in) % MAX_SLICES;
  g_autofree guint8 *stream = NULL;
  gsize length, pos = 0, total = 0;
  gboolean moves = FALSE;
  SfSlipDecoder sliced, whole;
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) whole_frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) wire = g_byte_array_new ();

  for (guint i = 0; i < n_slices; i++)
    slices[i] = fuzz_input_byte (&in);
  length = in.size;
  stream = fuzz_input_copy_rest (&in);

  for (guint i = 0; i < n_slices; i++)
    moves = moves || (slices[i] & 0x7F) != 0;

  _sf_slip_decoder_init (&sliced);
  if (!moves)
    {
      _sf_slip_decoder_feed (&sliced, stream, length);
    }
  else
    {
      for (guint i = 0; pos < length; i = (i + 1) % n_slices)
        {
          gsize n = MIN ((gsize) (slices[i] & 0x7F), length - pos);

          _sf_slip_decoder_feed (&sliced, stream + pos, n);
          pos += n;
          if (slices[i] & 0x80)
            pop_all (&sliced, frames);
        }
    }
  pop_all (&sliced, frames);
  g_assert_null (_sf_slip_decoder_pop (&sliced));
  g_assert_cmpuint (sliced.noise->len, <=, NOISE_LIMIT);

  /* Where the reads split the stream must not matter. */
  _sf_slip_decoder_init (&whole);
  _sf_slip_decoder_feed (&whole, stream, length);
  pop_all (&whole, whole_frames);
  g_assert_cmpuint (frames->len, ==, whole_frames->len);
  g_assert_cmpuint (sliced.dropped, ==, whole.dropped);
  g_assert_cmpmem (sliced.noise->str, sliced.noise->len, whole.noise->str, whole.noise->len);
  g_assert_cmpint (sliced.in_frame, ==, whole.in_frame);
  g_assert_cmpint (sliced.escaped, ==, whole.escaped);
  g_assert_cmpint (sliced.corrupt, ==, whole.corrupt);
  g_assert_cmpmem (sliced.frame->data, sliced.frame->len, whole.frame->data, whole.frame->len);

  for (guint i = 0; i < frames->len; i++)
    {
      GBytes *frame = frames->pdata[i];
      gsize frame_len;
      const guint8 *body = g_bytes_get_data (frame, &frame_len);

      g_assert_true (g_bytes_equal (frame, whole_frames->pdata[i]));
      /* Empty frames are not frames, and every body byte came from at
       * least one stream byte, plus the two C0s around it. */
      g_assert_cmpuint (frame_len, >, 0);
      g_assert_cmpuint (frame_len + 2, <=, length);
      total += frame_len + 2;

      /* Encoding a frame and decoding it again gives the frame back. */
      g_byte_array_set_size (wire, 0);
      _sf_slip_encode (wire, body, frame_len);
      g_assert_cmpuint (wire->len, >=, frame_len + 2);
      g_assert_cmpuint (wire->len, <=, 2 * frame_len + 2);
      g_assert_cmpuint (wire->data[0], ==, SF_SLIP_END);
      g_assert_cmpuint (wire->data[wire->len - 1], ==, SF_SLIP_END);
      g_assert_null (memchr (wire->data + 1, SF_SLIP_END, wire->len - 2));
      {
        g_autoptr(GPtrArray) one = g_ptr_array_new ();

        g_ptr_array_add (one, frame);
        assert_decodes_to (wire->data, wire->len, FALSE, one);
      }
    }
  /* Even a decoder that let one C0 close a frame and open the next would
   * share at most one byte per frame. */
  g_assert_cmpuint (total, <=, length + frames->len);

  /* The frames, re-encoded back to back, decode to the same frames, and
   * so does the stream after a reset that drops whatever was pending. */
  g_byte_array_set_size (wire, 0);
  for (guint i = 0; i < frames->len; i++)
    {
      gsize frame_len;
      const guint8 *body = g_bytes_get_data (frames->pdata[i], &frame_len);

      _sf_slip_encode (wire, body, frame_len);
    }
  assert_decodes_to (wire->data, wire->len, TRUE, frames);

  _sf_slip_decoder_reset (&whole);
  g_assert_null (_sf_slip_decoder_pop (&whole));
  g_assert_cmpuint (whole.noise->len, ==, 0);
  _sf_slip_decoder_feed (&whole, stream, length);
  g_ptr_array_set_size (whole_frames, 0);
  pop_all (&whole, whole_frames);
  g_assert_cmpuint (whole_frames->len, ==, frames->len);
  for (guint i = 0; i < frames->len; i++)
    g_assert_true (g_bytes_equal (frames->pdata[i], whole_frames->pdata[i]));

  _sf_slip_decoder_clear (&sliced);
  _sf_slip_decoder_clear (&whole);
  return 0;
}
