/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-deflate-private.h"

#define KIB 1024

typedef struct
{
  GByteArray *out;
  gsize       consumed;      /* input_consumed of the last call */
  guint       calls;
  gsize       first_consumed;
  gint       *cancel_after;  /* set to 1 by the first call, if not NULL */
} Collector;

static void
collect (const guint8 *data,
         gsize         length,
         gsize         input_consumed,
         gpointer      user_data)
{
  Collector *c = user_data;

  g_assert_cmpuint (input_consumed, >=, c->consumed);
  if (c->calls++ == 0)
    c->first_consumed = input_consumed;
  c->consumed = input_consumed;
  g_byte_array_append (c->out, data, length);
  if (c->cancel_after != NULL)
    g_atomic_int_set (c->cancel_after, 1);
}

/* Compresses and checks what the sink saw: input_consumed never going back
 * and ending at the input's length. */
static GByteArray *
compress_all (const guint8    *data,
              gsize            length,
              SfDeflateEffort  effort)
{
  Collector c = { .out = g_byte_array_new () };

  _sf_deflate_compress_effort (data, length, effort, collect, &c, NULL);
  g_assert_cmpuint (c.calls, >, 0);
  g_assert_cmpuint (c.consumed, ==, length);
  return c.out;
}

static gboolean
inflates_to (const GByteArray *z,
             const guint8     *data,
             gsize             length)
{
  g_autofree guint8 *back = g_malloc (length + 1);
  uLongf back_len = length + 1;
  uLong z_len = z->len;

  /* uncompress2 also checks the Adler-32 trailer and says how much input
   * the stream took, which must be all of it. */
  if (uncompress2 (back, &back_len, z->data, &z_len) != Z_OK || z_len != z->len)
    return FALSE;
  return back_len == length && (length == 0 || memcmp (back, data, length) == 0);
}

static gsize
zlib9_size (const guint8 *data,
            gsize         length)
{
  uLongf z_len = compressBound (length);
  g_autofree guint8 *z = g_malloc (z_len);

  g_assert_cmpint (compress2 (z, &z_len, data, length, 9), ==, Z_OK);
  return z_len;
}

/* Which block types (1 << BTYPE: stored 0, fixed 1, dynamic 2) the stream
 * uses. zlib stops at each block boundary when asked to and says how many
 * bits of the last byte it took are left: the next block's header. */
static guint
block_types (const GByteArray *z,
             gsize             length)
{
  g_autofree guint8 *out = g_malloc (length + 1);
  z_stream stream = { 0 };
  guint types = 0;
  int rc;

  g_assert_cmpint (inflateInit (&stream), ==, Z_OK);
  stream.next_in = z->data;
  stream.avail_in = z->len;
  stream.next_out = out;
  stream.avail_out = length + 1;
  do
    {
      gboolean at_boundary = (stream.data_type & 128) != 0;
      gboolean after_last = (stream.data_type & 64) != 0;

      if (at_boundary && !after_last)
        {
          guint unused = stream.data_type & 7;
          const guint8 *p = stream.next_in - (unused != 0);
          guint header = (p[0] | p[1] << 8) >> (unused != 0 ? 8 - unused : 0);

          types |= 1u << ((header >> 1) & 3);
        }
      rc = inflate (&stream, Z_BLOCK);
      g_assert_true (rc == Z_OK || rc == Z_STREAM_END);
    }
  while (rc != Z_STREAM_END);
  g_assert_cmpuint (stream.total_out, ==, length);
  inflateEnd (&stream);
  return types;
}

static GByteArray *
assert_round_trip (const guint8    *data,
                   gsize            length,
                   SfDeflateEffort  effort)
{
  GByteArray *z = compress_all (data, length, effort);

  g_assert_true (inflates_to (z, data, length));
  return z;
}

/* Data that compresses about as ESP firmware does, after
 * tests/bench/make-firmware.py: machine code from a skewed vocabulary of
 * 24-bit instructions, log strings, pointer tables, some random bytes. */
static const char *const words[] = {
  "wifi", "connect", "failed", "retry", "timeout", "error", "station", "scan",
  "event", "handler", "task", "queue", "semaphore", "mutex", "heap", "free",
  "alloc", "partition", "ota", "update", "boot", "flash", "read", "write",
  "erase", "sector", "block", "config", "nvs", "key", "value", "init",
  "deinit", "gpio", "uart", "spi", "i2c", "pwm", "adc", "timer", "interrupt",
  "watchdog", "panic", "abort", "reset",
};

static double
square_root (double x)
{
  double r = MAX (x, 1);

  for (guint i = 0; i < 40; i++)
    r = (r + x / r) / 2;
  return r;
}

static void
append_code (GByteArray *out,
             GRand      *rand,
             gsize       n)
{
  guint16 opcodes[200];
  double cumulative[200], total = 0;
  gsize end = out->len + n;

  /* Opcode i is used about 1 / (i + 1)^1.25 as often as the first. */
  for (guint i = 0; i < G_N_ELEMENTS (opcodes); i++)
    {
      opcodes[i] = g_rand_int (rand) & 0xFFFF;
      total += 1 / ((i + 1) * square_root (square_root (i + 1)));
      cumulative[i] = total;
    }
  while (out->len < end)
    {
      double x = g_rand_double (rand) * total;
      guint i = 0;
      guint8 insn[3];

      while (i + 1 < G_N_ELEMENTS (opcodes) && cumulative[i] <= x)
        i++;
      insn[0] = opcodes[i] & 0xFF;
      insn[1] = opcodes[i] >> 8;
      if (g_rand_double (rand) < 0.75)
        insn[2] = g_rand_int_range (rand, 0, 4) << 4 | g_rand_int_range (rand, 0, 4);
      else
        insn[2] = g_rand_int_range (rand, 0, 256);
      g_byte_array_append (out, insn, MIN (3, end - out->len));
    }
}

static void
append_strings (GByteArray *out,
                GRand      *rand,
                gsize       n)
{
  gsize end = out->len + n;

  while (out->len < end)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      gint n_words = g_rand_int_range (rand, 2, 8);

      for (gint i = 0; i < n_words; i++)
        g_string_append_printf (line, "%s%s", i > 0 ? " " : "",
                                words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
      if (g_rand_double (rand) < 0.4)
        g_string_append_printf (line, ": %d (0x%x)", g_rand_int_range (rand, 0, 4096),
                                g_rand_int_range (rand, 0, 1 << 24));
      g_byte_array_append (out, (const guint8 *) line->str,
                           MIN (line->len + 1, end - out->len));
    }
}

static void
append_pointers (GByteArray *out,
                 GRand      *rand,
                 gsize       n)
{
  static const guint32 steps[] = { 4, 8, 12, 16, 24, 32, 64, 0 };
  guint32 address = 0x3F400000 + g_rand_int_range (rand, 0, 1 << 16) * 4;
  gsize end = out->len + n;

  while (out->len < end)
    {
      guint32 step = steps[g_rand_int_range (rand, 0, G_N_ELEMENTS (steps))];
      guint32 le;

      address += step != 0 ? step : (guint32) g_rand_int_range (rand, 0, 1024) * 4;
      le = GUINT32_TO_LE (address);
      g_byte_array_append (out, (const guint8 *) &le, MIN (4, end - out->len));
    }
}

static void
append_random (GByteArray *out,
               GRand      *rand,
               gsize       n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint8 b = g_rand_int (rand);

      g_byte_array_append (out, &b, 1);
    }
}

static GByteArray *
make_firmware (gsize   size,
               guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GByteArray *out = g_byte_array_new ();

  while (out->len < size)
    {
      double kind = g_rand_double (rand);
      gsize n = MIN ((gsize) g_rand_int_range (rand, 256, 8193), size - out->len);

      if (kind < 0.60)
        append_code (out, rand, n);
      else if (kind < 0.84)
        append_strings (out, rand, n);
      else if (kind < 0.96)
        append_pointers (out, rand, n);
      else
        append_random (out, rand, n);
    }
  return out;
}

static void
test_empty (void)
{
  const guint8 expected[] = { 0x78, 0xDA, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 };
  for (SfDeflateEffort effort = SF_DEFLATE_EFFORT_FAST; effort <= SF_DEFLATE_EFFORT_DEFAULT; effort++)
    {
      g_autoptr(GByteArray) z = assert_round_trip (NULL, 0, effort);

      g_assert_cmpmem (z->data, z->len, expected, sizeof expected);
    }
}

static void
test_one_byte (void)
{
  const guint8 byte = 'x';
  for (SfDeflateEffort effort = SF_DEFLATE_EFFORT_FAST; effort <= SF_DEFLATE_EFFORT_DEFAULT; effort++)
    {
      g_autoptr(GByteArray) z = assert_round_trip (&byte, 1, effort);

      g_assert_cmpuint (z->len, ==, 9);
    }
}

/* A few literals too rare for a header of their own, some of them above
 * 143, which take nine bits in the fixed code. */
static void
test_fixed_block (void)
{
  const guint8 data[] = "\xF0\x90\x80\x80 fixed \xFF\xFE\x90 code";
  g_autoptr(GByteArray) z = assert_round_trip (data, sizeof data, SF_DEFLATE_EFFORT_DEFAULT);

  g_assert_cmpuint (block_types (z, sizeof data), ==, 1 << 1);
}

/* One byte value throughout: matches of the longest length, at distance 1,
 * all the way. */
static void
test_uniform (void)
{
  const struct {
    guint8          value;
    gsize           length;
    SfDeflateEffort effort;
  } cases[] = {
    { 0x00, 1024 * KIB, SF_DEFLATE_EFFORT_DEFAULT },
    { 0xFF, 256 * KIB, SF_DEFLATE_EFFORT_FAST },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length;
      g_autofree guint8 *data = g_malloc (length);
      g_autoptr(GByteArray) z = NULL;
      gsize zlib9;

      memset (data, cases[i].value, length);
      z = assert_round_trip (data, length, cases[i].effort);
      zlib9 = zlib9_size (data, length);
      g_test_message ("%" G_GSIZE_FORMAT " KiB of 0x%02X: zlib-9 %" G_GSIZE_FORMAT ", ours %u",
                      length / KIB, cases[i].value, zlib9, z->len);
      g_assert_cmpuint (z->len, <=, zlib9 * 11 / 10 + 64);
    }
}

static GByteArray *
make_random (gsize   length,
             guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GByteArray *data = g_byte_array_new ();

  append_random (data, rand, length);
  return data;
}

/* Runs of one byte, of lengths around those that matter to deflate. */
static GByteArray *
make_runs (gsize   length,
           guint32 seed)
{
  static const guint lengths[] = { 1, 2, 3, 4, 50, 257, 258, 259, 1000, 40000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GByteArray *data = g_byte_array_new ();

  while (data->len < length)
    {
      guint n = MIN (lengths[g_rand_int_range (rand, 0, G_N_ELEMENTS (lengths))],
                     length - data->len);
      guint8 b = g_rand_int (rand);

      for (guint i = 0; i < n; i++)
        g_byte_array_append (data, &b, 1);
    }
  return data;
}

/* Incompressible input goes into stored blocks, several of them since one
 * holds at most 65535 bytes. */
static void
test_random (void)
{
  g_autoptr(GByteArray) data = make_random (160 * KIB, 42);
  g_autoptr(GByteArray) z = assert_round_trip (data->data, data->len, SF_DEFLATE_EFFORT_DEFAULT);
  gsize zlib9 = zlib9_size (data->data, data->len);

  g_test_message ("160 KiB random: zlib-9 %" G_GSIZE_FORMAT ", ours %u", zlib9, z->len);
  g_assert_cmpuint (block_types (z, data->len), ==, 1 << 0);
  g_assert_cmpuint (z->len, <=, zlib9 + zlib9 / 1000);
}

static void
test_runs (void)
{
  g_autoptr(GByteArray) data = make_runs (256 * KIB, 7);
  g_autoptr(GByteArray) z = assert_round_trip (data->data, data->len, SF_DEFLATE_EFFORT_DEFAULT);

  g_assert_cmpuint (z->len, <=, zlib9_size (data->data, data->len) * 11 / 10 + 64);
}

/* Periods from one byte to more than the window. */
static void
test_periodic (void)
{
  static const gsize periods[] = { 1, 2, 3, 7, 100, 259, 1000, 32768, 40000 };
  gsize length = 64 * KIB + 1;

  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    {
      g_autoptr(GByteArray) pattern = make_random (periods[i], periods[i]);
      g_autofree guint8 *data = g_malloc (length);
      g_autoptr(GByteArray) z = NULL;

      for (gsize k = 0; k < length; k++)
        data[k] = pattern->data[k % periods[i]];
      z = assert_round_trip (data, length, i % 2 == 0 ? SF_DEFLATE_EFFORT_DEFAULT : SF_DEFLATE_EFFORT_FAST);
      g_assert_cmpuint (z->len, <=, zlib9_size (data, length) * 11 / 10 + 64);
    }
}

static void
test_firmware_smaller_than_zlib (void)
{
  g_autoptr(GByteArray) data = make_firmware (256 * KIB, 1);
  g_autoptr(GByteArray) z = assert_round_trip (data->data, data->len, SF_DEFLATE_EFFORT_DEFAULT);
  g_autoptr(GByteArray) fast = assert_round_trip (data->data, data->len, SF_DEFLATE_EFFORT_FAST);
  gsize zlib9 = zlib9_size (data->data, data->len);

  g_test_message ("256 KiB firmware-like: zlib-9 %" G_GSIZE_FORMAT ", default %u (%.2f %%), "
                  "fast %u (%.2f %%)", zlib9, z->len, 100.0 * z->len / zlib9 - 100,
                  fast->len, 100.0 * fast->len / zlib9 - 100);
  g_assert_cmpuint (block_types (z, data->len), ==, 1 << 0 | 1 << 2);
  g_assert_cmpuint (z->len, <=, zlib9 * 97 / 100);
  g_assert_cmpuint (fast->len, <=, zlib9 * 97 / 100);
}

/* Many sizes, and contents from one repeated byte to random, with copies
 * of earlier stretches at all distances. */
static void
test_random_inputs (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2024);

  for (guint iteration = 0; iteration < 90; iteration++)
    {
      gsize length = iteration < 40 ? (gsize) iteration
                     : (gsize) g_rand_int_range (rand, 1, iteration < 85 ? 4 * KIB : 40 * KIB);
      gint alphabet = 1 << g_rand_int_range (rand, 0, 9);
      g_autoptr(GByteArray) data = g_byte_array_new ();
      g_autoptr(GByteArray) z = NULL;

      while (data->len < length)
        {
          if (data->len > 8 && g_rand_boolean (rand))
            {
              gsize dist = g_rand_int_range (rand, 1, MIN (data->len, 40000) + 1);
              gsize n = MIN ((gsize) g_rand_int_range (rand, 1, 300), length - data->len);

              /* Byte by byte: the copy may overlap itself. */
              for (gsize i = 0; i < n; i++)
                {
                  guint8 b = data->data[data->len - dist];

                  g_byte_array_append (data, &b, 1);
                }
            }
          else
            {
              guint8 b = g_rand_int_range (rand, 0, alphabet) * (256 / alphabet)
                         + (alphabet == 1 ? 0x90 : 0);

              g_byte_array_append (data, &b, 1);
            }
        }
      z = assert_round_trip (data->data, length,
                             iteration % 2 == 0 ? SF_DEFLATE_EFFORT_DEFAULT : SF_DEFLATE_EFFORT_FAST);
    }
}

static void
test_deterministic (void)
{
  g_autoptr(GByteArray) data = make_firmware (64 * KIB, 3);

  for (SfDeflateEffort effort = SF_DEFLATE_EFFORT_FAST; effort <= SF_DEFLATE_EFFORT_DEFAULT; effort++)
    {
      gsize length = effort == SF_DEFLATE_EFFORT_DEFAULT ? data->len : data->len / 2;
      g_autoptr(GByteArray) a = compress_all (data->data, length, effort);
      g_autoptr(GByteArray) b = compress_all (data->data, length, effort);

      g_assert_cmpmem (a->data, a->len, b->data, b->len);
    }
}

/* Output comes block by block, the first long before the end. */
static void
test_progress (void)
{
  g_autoptr(GByteArray) data = make_firmware (80 * KIB, 4);
  Collector c = { .out = g_byte_array_new () };

  _sf_deflate_compress (data->data, data->len, collect, &c, NULL);
  g_assert_cmpuint (c.calls, >, 4);
  g_assert_cmpuint (c.first_consumed, >, 0);
  g_assert_cmpuint (c.first_consumed, <=, 64 * KIB);
  g_assert_cmpuint (c.consumed, ==, data->len);
  g_assert_true (inflates_to (c.out, data->data, data->len));
  g_byte_array_unref (c.out);
}

static void
test_cancel (void)
{
  g_autoptr(GByteArray) data = make_firmware (256 * KIB, 5);
  gint cancel = 1;
  Collector before = { .out = g_byte_array_new () };
  Collector during = { .out = g_byte_array_new (), .cancel_after = &cancel };

  /* Cancelled from the start: nothing useful comes out. */
  _sf_deflate_compress (data->data, data->len, collect, &before, &cancel);
  g_assert_cmpuint (before.consumed, <, data->len);
  g_assert_false (inflates_to (before.out, data->data, data->len));

  /* Cancelled by the first block: it stops soon after. */
  cancel = 0;
  _sf_deflate_compress (data->data, data->len, collect, &during, &cancel);
  g_assert_cmpuint (during.calls, >=, 1);
  g_assert_cmpuint (during.consumed, <, data->len / 2);
  g_assert_false (inflates_to (during.out, data->data, data->len));

  g_byte_array_unref (before.out);
  g_byte_array_unref (during.out);
}

/* Code lengths: within the limit, a complete code, a length for every
 * symbol used, also when the plain Huffman code would be too deep. */
static void
test_code_lengths (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);

  for (guint iteration = 0; iteration < 2000; iteration++)
    {
      guint32 freqs[SF_DEFLATE_NUM_LITLEN] = { 0 };
      guint8 lengths[SF_DEFLATE_NUM_LITLEN];
      guint n = g_rand_int_range (rand, 2, SF_DEFLATE_NUM_LITLEN + 1);
      guint max_bits = n <= 19 && g_rand_boolean (rand) ? 7 : 15;
      guint64 kraft = 0;
      guint longest = 0;

      for (guint s = 0, f = 1, g = 1; s < n; s++)
        {
          if (iteration % 3 == 0)
            {
              /* Fibonacci counts make the deepest plain Huffman codes. */
              freqs[s] = f;
              f = f + g;
              g = f - g;
              f = MIN (f, 1u << 30);
              g = MIN (g, 1u << 29);
            }
          else if (g_rand_int_range (rand, 0, 4) != 0)
            freqs[s] = g_rand_int_range (rand, 1, iteration % 3 == 1 ? 10 : 100000);
        }
      _sf_deflate_code_lengths (freqs, n, max_bits, lengths);
      for (guint s = 0; s < n; s++)
        {
          g_assert_cmpuint (lengths[s], <=, max_bits);
          g_assert_true (freqs[s] == 0 || lengths[s] > 0);
          if (lengths[s] > 0)
            kraft += 1u << (15 - lengths[s]);
          longest = MAX (longest, lengths[s]);
        }
      g_assert_cmpuint (kraft, ==, 1u << 15);
      if (iteration % 3 == 0 && n >= 40)
        g_assert_cmpuint (longest, ==, max_bits);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/deflate/empty", test_empty);
  g_test_add_func ("/protocol/deflate/one-byte", test_one_byte);
  g_test_add_func ("/protocol/deflate/fixed-block", test_fixed_block);
  g_test_add_func ("/protocol/deflate/uniform", test_uniform);
  g_test_add_func ("/protocol/deflate/random", test_random);
  g_test_add_func ("/protocol/deflate/runs", test_runs);
  g_test_add_func ("/protocol/deflate/periodic", test_periodic);
  g_test_add_func ("/protocol/deflate/firmware-smaller-than-zlib", test_firmware_smaller_than_zlib);
  g_test_add_func ("/protocol/deflate/random-inputs", test_random_inputs);
  g_test_add_func ("/protocol/deflate/deterministic", test_deterministic);
  g_test_add_func ("/protocol/deflate/progress", test_progress);
  g_test_add_func ("/protocol/deflate/cancel", test_cancel);
  g_test_add_func ("/protocol/deflate/code-lengths", test_code_lengths);

  return g_test_run ();
}
