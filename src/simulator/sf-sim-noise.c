/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-noise"

#include "config.h"

#include <string.h>

#include "sf-sim-noise-private.h"
#include "sf-sim-slip-private.h"

#define SLIP_END 0xC0
#define SLIP_ESC 0xDB

/* One stream per kind of fault (see the header). */
enum
{
  STREAM_DROP,
  STREAM_CORRUPT,
  STREAM_REQUEST,
  STREAM_GARBAGE,
  N_STREAMS
};

struct _SfSimNoise
{
  GMutex           mutex;
  guint            drop_one_in;
  guint            corrupt_one_in;
  guint            request_one_in;
  gboolean         garbage;
  guint32          seed;
  GRand           *rand[N_STREAMS];
  SfSimFaultCounts counts;
  GByteArray      *frame;   /* scratch: a decoded frame being damaged */
};

/* Called with the mutex held. */
static void
reseed (SfSimNoise *self)
{
  for (guint i = 0; i < N_STREAMS; i++)
    {
      /* The stream's number goes into the seed, so the streams differ. */
      guint32 key[2] = { self->seed, i };

      g_clear_pointer (&self->rand[i], g_rand_free);
      self->rand[i] = g_rand_new_with_seed_array (key, G_N_ELEMENTS (key));
    }
}

SfSimNoise *
_sf_sim_noise_new (void)
{
  SfSimNoise *self = g_new0 (SfSimNoise, 1);

  g_mutex_init (&self->mutex);
  self->seed = SF_SIM_NOISE_DEFAULT_SEED;
  self->frame = g_byte_array_new ();
  reseed (self);
  return self;
}

void
_sf_sim_noise_free (SfSimNoise *self)
{
  for (guint i = 0; i < N_STREAMS; i++)
    g_clear_pointer (&self->rand[i], g_rand_free);
  g_byte_array_unref (self->frame);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
_sf_sim_noise_set_line (SfSimNoise *self,
                        guint       drop_one_in,
                        guint       corrupt_one_in,
                        guint32     seed)
{
  g_mutex_lock (&self->mutex);
  self->drop_one_in = drop_one_in;
  self->corrupt_one_in = corrupt_one_in;
  self->seed = seed;
  reseed (self);
  g_mutex_unlock (&self->mutex);
}

void
_sf_sim_noise_set_request_drop (SfSimNoise *self,
                                guint       drop_one_in)
{
  g_mutex_lock (&self->mutex);
  self->request_one_in = drop_one_in;
  g_mutex_unlock (&self->mutex);
}

void
_sf_sim_noise_set_garbage (SfSimNoise *self,
                           gboolean    garbage)
{
  g_mutex_lock (&self->mutex);
  self->garbage = !!garbage;
  g_mutex_unlock (&self->mutex);
}

gboolean
_sf_sim_noise_get_garbage (SfSimNoise *self)
{
  gboolean garbage;

  g_mutex_lock (&self->mutex);
  garbage = self->garbage;
  g_mutex_unlock (&self->mutex);
  return garbage;
}

void
_sf_sim_noise_restart (SfSimNoise *self)
{
  g_mutex_lock (&self->mutex);
  reseed (self);
  memset (&self->counts, 0, sizeof self->counts);
  g_mutex_unlock (&self->mutex);
}

gboolean
_sf_sim_noise_affects_output (SfSimNoise *self)
{
  gboolean affects;

  g_mutex_lock (&self->mutex);
  affects = self->drop_one_in != 0 || self->corrupt_one_in != 0;
  g_mutex_unlock (&self->mutex);
  return affects;
}

/* TRUE with probability 1 / @one_in; FALSE when @one_in is 0, without
 * touching the stream. */
static gboolean
one_in (GRand *rand,
        guint  n)
{
  return n != 0 && g_rand_int (rand) % n == 0;
}

/* Undoes the SLIP escapes of a frame's inside. */
static void
unescape (GByteArray   *out,
          const guint8 *data,
          gsize         length)
{
  g_byte_array_set_size (out, 0);
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = data[i];

      if (b == SLIP_ESC && i + 1 < length)
        b = data[++i] == 0xDC ? SLIP_END : SLIP_ESC;
      g_byte_array_append (out, &b, 1);
    }
}

/* Flips 1 to 3 distinct bits of @frame, so it always changes. Called with
 * the mutex held. */
static void
flip_bits (SfSimNoise *self,
           GByteArray *frame)
{
  GRand *rand = self->rand[STREAM_CORRUPT];
  guint64 bits = (guint64) frame->len * 8;
  guint want = (guint) MIN ((guint64) g_rand_int_range (rand, 1, 4), bits);
  guint64 chosen[3];
  guint n = 0;

  while (n < want)
    {
      guint64 bit = g_rand_int (rand) % bits;
      gboolean seen = FALSE;

      for (guint i = 0; i < n; i++)
        seen |= chosen[i] == bit;
      if (seen)
        continue;
      chosen[n++] = bit;
      frame->data[bit / 8] ^= 1u << (bit % 8);
    }
}

void
_sf_sim_noise_pass_output (SfSimNoise   *self,
                           const guint8 *wire,
                           gsize         length,
                           GByteArray   *out)
{
  gsize i = 0;

  g_mutex_lock (&self->mutex);
  while (i < length)
    {
      const guint8 *end;
      gsize inside;
      gboolean drop, corrupt;

      /* Not a frame (the encoders never make any): passes as it is. */
      if (wire[i] != SLIP_END ||
          (end = memchr (wire + i + 1, SLIP_END, length - i - 1)) == NULL)
        {
          g_byte_array_append (out, wire + i, 1);
          i++;
          continue;
        }
      inside = end - (wire + i + 1);
      if (inside == 0)
        {
          /* An empty frame: a lone C0 that belongs to the next one. */
          g_byte_array_append (out, wire + i, 1);
          i++;
          continue;
        }

      /* Both decisions for every frame, so each stream moves the same way
       * whatever the other kind does. A frame both lost and damaged is
       * lost, and counted once. */
      drop = one_in (self->rand[STREAM_DROP], self->drop_one_in);
      corrupt = one_in (self->rand[STREAM_CORRUPT], self->corrupt_one_in);
      if (corrupt)
        {
          unescape (self->frame, wire + i + 1, inside);
          flip_bits (self, self->frame);
        }

      if (drop)
        self->counts.dropped++;
      else if (corrupt)
        {
          _sf_sim_slip_encode (out, self->frame->data, self->frame->len);
          self->counts.corrupted++;
        }
      else
        g_byte_array_append (out, wire + i, inside + 2);
      i += inside + 2;
    }
  g_mutex_unlock (&self->mutex);
}

gboolean
_sf_sim_noise_drop_request (SfSimNoise *self)
{
  gboolean drop;

  g_mutex_lock (&self->mutex);
  drop = one_in (self->rand[STREAM_REQUEST], self->request_one_in);
  if (drop)
    self->counts.dropped_requests++;
  g_mutex_unlock (&self->mutex);
  return drop;
}

/* The start of a reply that never ends: what a host's reader would take
 * for the real thing until the next C0. */
static void
append_partial_frame (GRand      *rand,
                      GByteArray *out)
{
  static const guint8 opcodes[] = { 0x08, 0x0A, 0x02, 0x03, 0x13, 0x0E };
  guint8 head[5] = { SLIP_END, 0x01, 0, 0, 0x00 };
  guint tail = g_rand_int_range (rand, 0, 7);

  head[2] = opcodes[g_rand_int_range (rand, 0, G_N_ELEMENTS (opcodes))];
  head[3] = g_rand_int_range (rand, 2, 0x40);
  g_byte_array_append (out, head, sizeof head);
  for (guint i = 0; i < tail; i++)
    {
      guint8 b = g_rand_int_range (rand, 0, 256);

      g_byte_array_append (out, &b, 1);
    }
}

void
_sf_sim_noise_make_garbage (SfSimNoise *self,
                            GByteArray *out)
{
  GRand *rand;
  guint start = out->len;
  guint want;
  gboolean end_seen = FALSE, esc_seen = FALSE;

  g_mutex_lock (&self->mutex);
  rand = self->rand[STREAM_GARBAGE];
  want = g_rand_int_range (rand, 16, 128);
  /* What a booting board puts on the line at a rate the host does not
   * expect: runs of random bytes, bits of mangled text, SLIP's special
   * bytes on their own, escapes that escape nothing, frames cut short. */
  while (out->len - start < want)
    {
      guint8 b;

      switch (g_rand_int_range (rand, 0, 6))
        {
        case 0:
        case 1:
          for (guint n = g_rand_int_range (rand, 1, 17); n > 0; n--)
            {
              b = g_rand_int_range (rand, 0, 256);
              g_byte_array_append (out, &b, 1);
            }
          break;
        case 2:
          for (guint n = g_rand_int_range (rand, 3, 13); n > 0; n--)
            {
              b = g_rand_int_range (rand, 0x20, 0x7F);
              g_byte_array_append (out, &b, 1);
            }
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          break;
        case 3:
          b = SLIP_END;
          g_byte_array_append (out, &b, 1);
          break;
        case 4:
          b = SLIP_ESC;
          g_byte_array_append (out, &b, 1);
          b = g_rand_int_range (rand, 0, 256);
          g_byte_array_append (out, &b, 1);
          break;
        default:
          append_partial_frame (rand, out);
          break;
        }
    }
  /* Every burst has both special bytes somewhere: that is what trips up
   * a host's SLIP reader. */
  for (guint i = start; i < out->len; i++)
    {
      end_seen |= out->data[i] == SLIP_END;
      esc_seen |= out->data[i] == SLIP_ESC;
    }
  if (!end_seen)
    append_partial_frame (rand, out);
  if (!esc_seen)
    g_byte_array_append (out, (const guint8 *) "\xDB", 1);
  self->counts.garbage_bursts++;
  g_mutex_unlock (&self->mutex);
}

void
_sf_sim_noise_get_counts (SfSimNoise       *self,
                          SfSimFaultCounts *out_counts)
{
  g_mutex_lock (&self->mutex);
  *out_counts = self->counts;
  g_mutex_unlock (&self->mutex);
}

/* The line level @t after the first start bit, in units where a bit the
 * sender sends lasts @bit_time. */
static guint
uart_level (const guint8 *data,
            gsize         length,
            guint64       bit_time,
            guint64       t)
{
  guint64 bit = t / bit_time;
  guint k = bit % 10;

  if (bit >= (guint64) length * 10 || k == 9)
    return 1;                         /* idle, or a stop bit */
  if (k == 0)
    return 0;                         /* start bit */
  return (data[bit / 10] >> (k - 1)) & 1;
}

void
_sf_sim_noise_resample_uart (const guint8 *data,
                             gsize         length,
                             guint         tx_baud,
                             guint         rx_baud,
                             GByteArray   *out)
{
  /* Time in units of 1 / (tx × rx) s: the sender's bit lasts rx of them,
   * the receiver's tx, so both are whole numbers. */
  guint64 tx_bit = rx_baud, rx_bit = tx_baud;
  guint64 end = (guint64) length * 10 * tx_bit;
  guint64 t = 0;

  g_return_if_fail (tx_baud > 0 && rx_baud > 0);

  while (t < end)
    {
      guint8 byte = 0;

      /* The next low level: a start bit as the receiver sees it. */
      if (uart_level (data, length, tx_bit, t) != 0)
        {
          guint64 bit = t / tx_bit + 1;

          while (bit * tx_bit < end && uart_level (data, length, tx_bit, bit * tx_bit) != 0)
            bit++;
          if (bit * tx_bit >= end)
            break;
          t = bit * tx_bit;
        }
      /* Still low half a bit later, or it was a glitch. */
      if (uart_level (data, length, tx_bit, t + rx_bit / 2) != 0)
        {
          t += rx_bit / 2;
          continue;
        }
      for (guint k = 1; k <= 8; k++)
        byte |= uart_level (data, length, tx_bit, t + k * rx_bit + rx_bit / 2) << (k - 1);
      g_byte_array_append (out, &byte, 1);
      /* Back to hunting at the middle of the stop bit. */
      t += 9 * rx_bit + rx_bit / 2;
    }
}
