/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The packed stream: boards sent the same bytes at once share one
 * compression, each gets every block in order, and one leaving early or
 * joining late changes nothing for the others. */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-packed-stream-private.h"

#define BLOCK_SIZE 0x4000
#define N_READERS  8

/* Compresses about as firmware does: a skewed choice of few words. */
static guint8 *
make_input (gsize   length,
            guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    {
      guint r = g_rand_int_range (rand, 0, 64);

      data[i] = g_rand_int_range (rand, 0, 3) == 0 ? g_rand_int (rand) : r * r / 64;
    }
  return data;
}

static guint8 *
make_noise (gsize   length,
            guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_rand_int (rand);
  return data;
}

/* Every block of @reader, in one array (a packed stream); checks the
 * input each block stands for adds up to @length. */
static GByteArray *
read_all (SfPackedReader *reader,
          gsize           length)
{
  GByteArray *packed = g_byte_array_new ();
  gsize raw = 0;
  SfBlock *block;

  while ((block = _sf_packed_reader_next (reader)) != NULL)
    {
      g_assert_cmpuint (block->length, <=, BLOCK_SIZE);
      g_byte_array_append (packed, block->data, block->length);
      raw += block->raw_length;
      _sf_block_free (block);
    }
  g_assert_cmpuint (raw, ==, length);
  return packed;
}

static void
assert_inflates_to (GByteArray   *packed,
                    const guint8 *input,
                    gsize         length)
{
  g_autofree guint8 *out = g_malloc (length + 1);
  uLongf out_len = length + 1;

  g_assert_cmpint (uncompress (out, &out_len, packed->data, packed->len), ==, Z_OK);
  g_assert_cmpuint (out_len, ==, length);
  g_assert_cmpmem (out, length, input, length);
}

typedef struct
{
  SfPackedReader *reader;
  gsize           length;
  guint           stop_after;   /* blocks; 0: read all */
  GByteArray     *packed;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;

  if (r->stop_after == 0)
    {
      r->packed = read_all (r->reader, r->length);
    }
  else
    {
      for (guint i = 0; i < r->stop_after; i++)
        _sf_block_free (_sf_packed_reader_next (r->reader));
    }
  g_clear_pointer (&r->reader, _sf_packed_reader_free);
  return NULL;
}

static void
test_shared (gconstpointer data)
{
  SfPacking packing = GPOINTER_TO_INT (data);
  gsize length = 600 * 1024;
  g_autofree guint8 *input = make_input (length, 1);
  g_autoptr(GByteArray) solo = NULL;
  Reader readers[N_READERS] = { { 0 } };
  GThread *threads[N_READERS];
  guint started;

  /* One reader alone: the reference. */
  {
    g_autoptr(SfPackedReader) reader = NULL;

    started = _sf_packed_stream_get_n_started ();
    reader = _sf_packed_reader_new (g_memdup2 (input, length), length, packing, BLOCK_SIZE);
    solo = read_all (reader, length);
    g_assert_cmpuint (_sf_packed_stream_get_n_started (), ==, started + 1);
    assert_inflates_to (solo, input, length);
    g_assert_cmpuint (solo->len, <, length);
  }

  /* Eight boards at once, each with its own copy of the bytes, two of
   * them leaving after a few blocks: one compression for all. */
  started = _sf_packed_stream_get_n_started ();
  for (guint i = 0; i < N_READERS; i++)
    {
      readers[i].reader = _sf_packed_reader_new (g_memdup2 (input, length), length, packing,
                                                 BLOCK_SIZE);
      readers[i].length = length;
      readers[i].stop_after = i % 4 == 1 ? 2 : 0;
    }
  g_assert_cmpuint (_sf_packed_stream_get_n_started (), ==, started + 1);
  for (guint i = 0; i < N_READERS; i++)
    threads[i] = g_thread_new ("reader", reader_thread, &readers[i]);
  for (guint i = 0; i < N_READERS; i++)
    {
      g_thread_join (threads[i]);
      if (readers[i].stop_after == 0)
        {
          g_assert_cmpmem (readers[i].packed->data, readers[i].packed->len, solo->data, solo->len);
          g_byte_array_unref (readers[i].packed);
        }
    }

  /* Other bytes: a compression of their own. */
  {
    g_autofree guint8 *other = make_input (length, 2);
    g_autoptr(SfPackedReader) a = _sf_packed_reader_new (g_memdup2 (input, length), length,
                                                         packing, BLOCK_SIZE);
    g_autoptr(SfPackedReader) b = NULL;
    g_autoptr(GByteArray) packed = NULL;

    started = _sf_packed_stream_get_n_started ();
    b = _sf_packed_reader_new (g_memdup2 (other, length), length, packing, BLOCK_SIZE);
    g_assert_cmpuint (_sf_packed_stream_get_n_started (), ==, started + 1);
    packed = read_all (b, length);
    assert_inflates_to (packed, other, length);
  }
}

/* A stream that has let its first blocks go (past the few MiB it keeps)
 * cannot be joined: a reader after that gets a stream of its own, and
 * the same blocks. */
static void
test_late_reader (void)
{
  gsize length = 4 * 1024 * 1024;
  g_autofree guint8 *input = make_noise (length, 3);
  g_autoptr(SfPackedReader) first = NULL;
  g_autoptr(SfPackedReader) late = NULL;
  g_autoptr(GByteArray) a = NULL;
  g_autoptr(GByteArray) b = NULL;
  guint started = _sf_packed_stream_get_n_started ();

  first = _sf_packed_reader_new (g_memdup2 (input, length), length, SF_PACKING_ZLIB, BLOCK_SIZE);
  a = read_all (first, length);
  late = _sf_packed_reader_new (g_memdup2 (input, length), length, SF_PACKING_ZLIB, BLOCK_SIZE);
  g_assert_cmpuint (_sf_packed_stream_get_n_started (), ==, started + 2);
  b = read_all (late, length);
  g_assert_cmpmem (a->data, a->len, b->data, b->len);
  assert_inflates_to (b, input, length);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/protocol/packed-stream/shared-zlib",
                        GINT_TO_POINTER (SF_PACKING_ZLIB), test_shared);
  g_test_add_data_func ("/protocol/packed-stream/shared-smallest",
                        GINT_TO_POINTER (SF_PACKING_SMALLEST), test_shared);
  g_test_add_func ("/protocol/packed-stream/late-reader", test_late_reader);
  return g_test_run ();
}
