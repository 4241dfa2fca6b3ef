/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-deflate-private.h"
#include "sf-packed-stream-private.h"

/* A zlib stream (header and Adler-32, as both loaders' inflaters expect),
 * at the highest level: the link is far slower than zlib. */
#define ZLIB_LEVEL        9
#define ZLIB_WINDOW_BITS  15
#define ZLIB_MEM_LEVEL    8
#define INPUT_SLICE       16384
/* Blocks made ahead of the fastest reader. */
#define BLOCKS_AHEAD      4
/* Packed bytes kept from the start for readers that join late (boards
 * that took longer to connect); past that, blocks every reader has
 * passed are let go and no reader can join any more. */
#define KEEP_BYTES        (2 * 1024 * 1024)

typedef struct _SfPackedStream SfPackedStream;

struct _SfPackedStream
{
  /* Set before the thread starts; read-only afterwards. */
  guint8        digest[16];    /* MD5 of the input */
  gsize         length;
  SfPacking     packing;
  guint         block_size;
  guint8       *input;
  GThread      *thread;

  /* Under mutex */
  GMutex        mutex;
  GCond         cond;
  GPtrArray    *blocks;        /* SfBlock; NULL where let go */
  guint         first_kept;
  gsize         kept_bytes;
  GPtrArray    *readers;
  gboolean      done;
  gboolean      stop;
  gint          cancel;        /* the same as stop, for sf-deflate */

  /* The producer thread's own: SF_PACKING_SMALLEST output collected up
   * to a whole block. */
  GByteArray   *pending;
  gsize         pending_input;        /* input consumed, as sf-deflate last said */
  gsize         pending_input_bytes;  /* of which the pending bytes stand for */
};

struct _SfPackedReader
{
  SfPackedStream *stream;
  guint           next;
};

/* The open streams, for readers to join. */
static GMutex     registry_mutex;
static GPtrArray *registry;
static guint      n_started;

void
_sf_packed_zlib (const guint8     *input,
                 gsize             length,
                 guint             block_size,
                 SfPackedEmitFunc  emit,
                 gpointer          user_data)
{
  g_autofree guint8 *out = g_malloc (block_size);
  gsize in_pos = 0, last_in = 0;
  z_stream z = { 0 };
  int ret = Z_OK;

  /* Fails only for want of memory, which GLib treats as fatal too. */
  if (deflateInit2 (&z, ZLIB_LEVEL, Z_DEFLATED, ZLIB_WINDOW_BITS, ZLIB_MEM_LEVEL,
                    Z_DEFAULT_STRATEGY) != Z_OK)
    g_error ("zlib could not start compressing");

  z.next_out = out;
  z.avail_out = block_size;
  while (ret != Z_STREAM_END)
    {
      if (z.avail_in == 0 && in_pos < length)
        {
          gsize n = MIN (INPUT_SLICE, length - in_pos);

          /* zlib's input is not const, but it only reads it. */
          z.next_in = (guint8 *) input + in_pos;
          z.avail_in = n;
          in_pos += n;
        }
      ret = deflate (&z, in_pos == length ? Z_FINISH : Z_NO_FLUSH);
      g_assert (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR);

      if (z.avail_out == 0 || (ret == Z_STREAM_END && z.avail_out < block_size))
        {
          gsize consumed = z.total_in;
          gsize produced = block_size - z.avail_out;

          if (!emit (g_memdup2 (out, produced), produced, consumed - last_in, user_data))
            break;
          last_in = consumed;
          z.next_out = out;
          z.avail_out = block_size;
        }
    }
  deflateEnd (&z);
}

/* --- the producer ------------------------------------------------------- */

static guint
max_reader_next_locked (SfPackedStream *stream)
{
  guint max = 0;

  for (guint i = 0; i < stream->readers->len; i++)
    max = MAX (max, ((SfPackedReader *) g_ptr_array_index (stream->readers, i))->next);
  return max;
}

static gboolean
push_block (guint8   *data,
            gsize     length,
            gsize     raw_length,
            gpointer  user_data)
{
  SfPackedStream *stream = user_data;
  SfBlock *block = g_new0 (SfBlock, 1);
  gboolean go_on;

  block->data = data;
  block->length = length;
  block->raw_length = raw_length;

  g_mutex_lock (&stream->mutex);
  while (!stream->stop && stream->blocks->len >= max_reader_next_locked (stream) + BLOCKS_AHEAD)
    g_cond_wait (&stream->cond, &stream->mutex);
  go_on = !stream->stop;
  if (go_on)
    {
      g_ptr_array_add (stream->blocks, block);
      stream->kept_bytes += length;
    }
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->mutex);

  if (!go_on)
    _sf_block_free (block);
  return go_on;
}

/* sf-deflate hands over whole deflate blocks; the link takes them in
 * block_size slices. The input a deflate block stands for is spread over
 * its slices by their share of its bytes, so that progress and the
 * stub's timeouts see each slice's part. */
static void
smallest_sink (const guint8 *data,
               gsize         length,
               gsize         input_consumed,
               gpointer      user_data)
{
  SfPackedStream *stream = user_data;

  g_byte_array_append (stream->pending, data, length);
  stream->pending_input_bytes += input_consumed - stream->pending_input;
  stream->pending_input = input_consumed;
  while (stream->pending->len >= stream->block_size)
    {
      guint8 *block = g_memdup2 (stream->pending->data, stream->block_size);
      gsize raw = (guint64) stream->pending_input_bytes * stream->block_size / stream->pending->len;

      g_byte_array_remove_range (stream->pending, 0, stream->block_size);
      stream->pending_input_bytes -= raw;
      if (!push_block (block, stream->block_size, raw, stream))
        g_atomic_int_set (&stream->cancel, 1);
    }
}

static gpointer
produce_thread (gpointer data)
{
  SfPackedStream *stream = data;

  if (stream->packing == SF_PACKING_SMALLEST)
    {
      stream->pending = g_byte_array_new ();
      _sf_deflate_compress (stream->input, stream->length, smallest_sink, stream, &stream->cancel);
      if (stream->pending->len > 0 && !g_atomic_int_get (&stream->cancel))
        push_block (g_memdup2 (stream->pending->data, stream->pending->len),
                    stream->pending->len, stream->pending_input_bytes, stream);
      g_clear_pointer (&stream->pending, g_byte_array_unref);
    }
  else
    {
      _sf_packed_zlib (stream->input, stream->length, stream->block_size, push_block, stream);
    }

  g_mutex_lock (&stream->mutex);
  stream->done = TRUE;
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->mutex);
  return NULL;
}

static void
stream_free (SfPackedStream *stream)
{
  if (stream->thread != NULL)
    g_thread_join (stream->thread);
  g_ptr_array_unref (stream->blocks);
  g_ptr_array_unref (stream->readers);
  g_free (stream->input);
  g_mutex_clear (&stream->mutex);
  g_cond_clear (&stream->cond);
  g_free (stream);
}

/* --- readers ------------------------------------------------------------ */

/* Called with registry_mutex held. */
static SfPackedStream *
find_stream_locked (const guint8 digest[16],
                    gsize        length,
                    SfPacking    packing,
                    guint        block_size)
{
  for (guint i = 0; registry != NULL && i < registry->len; i++)
    {
      SfPackedStream *stream = g_ptr_array_index (registry, i);

      if (stream->length == length && stream->packing == packing &&
          stream->block_size == block_size && memcmp (stream->digest, digest, 16) == 0)
        return stream;
    }
  return NULL;
}

SfPackedReader *
_sf_packed_reader_new (guint8    *input,
                       gsize      length,
                       SfPacking  packing,
                       guint      block_size)
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  SfPackedReader *reader = g_new0 (SfPackedReader, 1);
  SfPackedStream *stream;
  guint8 digest[16];
  gsize digest_len = sizeof digest;

  g_return_val_if_fail (packing == SF_PACKING_ZLIB || packing == SF_PACKING_SMALLEST, NULL);

  g_checksum_update (md5, input, length);
  g_checksum_get_digest (md5, digest, &digest_len);

  g_mutex_lock (&registry_mutex);
  stream = find_stream_locked (digest, length, packing, block_size);
  if (stream != NULL)
    {
      g_mutex_lock (&stream->mutex);
      if (stream->first_kept == 0)
        {
          reader->stream = stream;
          g_ptr_array_add (stream->readers, reader);
        }
      g_mutex_unlock (&stream->mutex);
    }

  if (reader->stream != NULL)
    {
      g_free (input);
    }
  else
    {
      /* None to join, or one that has let its first blocks go: a stream
       * of its own, which later readers will find first. */
      stream = g_new0 (SfPackedStream, 1);
      memcpy (stream->digest, digest, sizeof digest);
      stream->length = length;
      stream->packing = packing;
      stream->block_size = block_size;
      stream->input = input;
      g_mutex_init (&stream->mutex);
      g_cond_init (&stream->cond);
      stream->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) _sf_block_free);
      stream->readers = g_ptr_array_new ();
      reader->stream = stream;
      g_ptr_array_add (stream->readers, reader);
      if (registry == NULL)
        registry = g_ptr_array_new ();
      g_ptr_array_insert (registry, 0, stream);
      n_started++;
      stream->thread = g_thread_new ("sf-deflate", produce_thread, stream);
    }
  g_mutex_unlock (&registry_mutex);
  return reader;
}

/* Lets go of the blocks every reader has passed, once more than
 * KEEP_BYTES are kept. Called with the stream's mutex held. */
static void
trim_locked (SfPackedStream *stream)
{
  guint min = G_MAXUINT;

  if (stream->kept_bytes <= KEEP_BYTES)
    return;
  for (guint i = 0; i < stream->readers->len; i++)
    min = MIN (min, ((SfPackedReader *) g_ptr_array_index (stream->readers, i))->next);
  for (; stream->first_kept < min && stream->first_kept < stream->blocks->len; stream->first_kept++)
    {
      SfBlock *block = g_ptr_array_index (stream->blocks, stream->first_kept);

      stream->kept_bytes -= block->length;
      _sf_block_free (block);
      g_ptr_array_index (stream->blocks, stream->first_kept) = NULL;
    }
}

SfBlock *
_sf_packed_reader_next (SfPackedReader *reader)
{
  SfPackedStream *stream = reader->stream;
  SfBlock *copy = NULL;

  g_mutex_lock (&stream->mutex);
  while (reader->next >= stream->blocks->len && !stream->done)
    g_cond_wait (&stream->cond, &stream->mutex);
  if (reader->next < stream->blocks->len)
    {
      const SfBlock *block = g_ptr_array_index (stream->blocks, reader->next);

      copy = g_new0 (SfBlock, 1);
      copy->data = g_memdup2 (block->data, block->length);
      copy->length = block->length;
      copy->raw_length = block->raw_length;
      reader->next++;
      trim_locked (stream);
    }
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->mutex);
  return copy;
}

void
_sf_packed_reader_free (SfPackedReader *reader)
{
  SfPackedStream *stream;
  gboolean last;

  if (reader == NULL)
    return;

  stream = reader->stream;
  g_mutex_lock (&registry_mutex);
  g_mutex_lock (&stream->mutex);
  g_ptr_array_remove (stream->readers, reader);
  last = stream->readers->len == 0;
  if (last)
    {
      stream->stop = TRUE;
      g_atomic_int_set (&stream->cancel, 1);
      g_ptr_array_remove (registry, stream);
    }
  else
    {
      trim_locked (stream);
    }
  g_cond_broadcast (&stream->cond);
  g_mutex_unlock (&stream->mutex);
  g_mutex_unlock (&registry_mutex);

  /* Out of the registry, so no reader can join it while it winds down. */
  if (last)
    stream_free (stream);
  g_free (reader);
}

guint
_sf_packed_stream_get_n_started (void)
{
  guint n;

  g_mutex_lock (&registry_mutex);
  n = n_started;
  g_mutex_unlock (&registry_mutex);
  return n;
}
