/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-deflate-private.h"
#include "sf-flasher-span-private.h"

/* A zlib stream (header and Adler-32, as both loaders' inflaters expect),
 * at the highest level: the link is far slower than zlib. */
#define ZLIB_LEVEL        9
#define ZLIB_WINDOW_BITS  15
#define ZLIB_MEM_LEVEL    8
/* Blocks made ahead of the one being sent. */
#define BLOCKS_AHEAD      4
#define INPUT_SLICE       16384

struct _SfBlockSource
{
  const SfSpan *span;
  gsize         offset;
  gsize         length;
  SfPacking     packing;
  guint         block_size;

  gsize         raw_pos;       /* uncompressed: next byte to send */

  GThread      *thread;        /* compressed: the deflater */
  GMutex        mutex;
  GCond         cond;
  GQueue        blocks;
  gboolean      done;
  gboolean      stop;
  gint          cancel;        /* the same as stop, for sf-deflate */

  /* SF_PACKING_SMALLEST: output collected up to a whole block. */
  GByteArray   *pending;
  gsize         pending_input;        /* input consumed, as sf-deflate last said */
  gsize         pending_input_bytes;  /* of which the pending bytes stand for */
};

void
_sf_block_free (SfBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->data);
  g_free (block);
}

SfBlockSource *
_sf_block_source_new (const SfSpan *span,
                      gsize         offset,
                      gsize         length,
                      SfPacking     packing,
                      guint         block_size)
{
  SfBlockSource *source = g_new0 (SfBlockSource, 1);

  source->span = span;
  source->offset = offset;
  source->length = length;
  source->packing = packing;
  source->block_size = block_size;
  g_mutex_init (&source->mutex);
  g_cond_init (&source->cond);
  g_queue_init (&source->blocks);
  return source;
}

/* Runs the span through zlib, calling @emit with each block_size slice
 * of output and the input consumed meanwhile. FALSE from @emit stops. */
static void
deflate_span (SfBlockSource  *source,
              gboolean      (*emit) (SfBlockSource *source, guint8 *data, gsize length,
                                     gsize raw_length, gpointer user_data),
              gpointer        user_data)
{
  g_autofree guint8 *in = g_malloc (INPUT_SLICE);
  g_autofree guint8 *out = g_malloc (source->block_size);
  gsize in_pos = 0, last_in = 0;
  z_stream z = { 0 };
  int ret = Z_OK;

  /* Fails only for want of memory, which GLib treats as fatal too. */
  if (deflateInit2 (&z, ZLIB_LEVEL, Z_DEFLATED, ZLIB_WINDOW_BITS, ZLIB_MEM_LEVEL,
                    Z_DEFAULT_STRATEGY) != Z_OK)
    g_error ("zlib could not start compressing");

  z.next_out = out;
  z.avail_out = source->block_size;
  while (ret != Z_STREAM_END)
    {
      if (z.avail_in == 0 && in_pos < source->length)
        {
          gsize n = MIN (INPUT_SLICE, source->length - in_pos);

          _sf_span_copy (source->span, source->offset + in_pos, in, n);
          in_pos += n;
          z.next_in = in;
          z.avail_in = n;
        }
      ret = deflate (&z, in_pos == source->length ? Z_FINISH : Z_NO_FLUSH);
      g_assert (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR);

      if (z.avail_out == 0 || (ret == Z_STREAM_END && z.avail_out < source->block_size))
        {
          gsize consumed = z.total_in;
          gsize produced = source->block_size - z.avail_out;

          if (!emit (source, g_memdup2 (out, produced), produced, consumed - last_in, user_data))
            break;
          last_in = consumed;
          z.next_out = out;
          z.avail_out = source->block_size;
        }
    }
  deflateEnd (&z);
}

static gboolean
count_cb (SfBlockSource *source,
          guint8        *data,
          gsize          length,
          gsize          raw_length,
          gpointer       user_data)
{
  *(gsize *) user_data += length;
  g_free (data);
  return TRUE;
}

gsize
_sf_block_source_count_packed (SfBlockSource *source)
{
  gsize total = 0;

  g_return_val_if_fail (source->thread == NULL, 0);
  g_return_val_if_fail (source->packing != SF_PACKING_SMALLEST, 0);

  if (source->packing == SF_PACKING_RAW)
    return source->length;
  deflate_span (source, count_cb, &total);
  return total;
}

static gboolean
queue_cb (SfBlockSource *source,
          guint8        *data,
          gsize          length,
          gsize          raw_length,
          gpointer       user_data)
{
  SfBlock *block = g_new0 (SfBlock, 1);
  gboolean go_on;

  block->data = data;
  block->length = length;
  block->raw_length = raw_length;

  g_mutex_lock (&source->mutex);
  while (!source->stop && source->blocks.length >= BLOCKS_AHEAD)
    g_cond_wait (&source->cond, &source->mutex);
  go_on = !source->stop;
  if (go_on)
    g_queue_push_tail (&source->blocks, block);
  g_cond_broadcast (&source->cond);
  g_mutex_unlock (&source->mutex);

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
  SfBlockSource *source = user_data;

  g_byte_array_append (source->pending, data, length);
  source->pending_input_bytes += input_consumed - source->pending_input;
  source->pending_input = input_consumed;
  while (source->pending->len >= source->block_size)
    {
      guint8 *block = g_memdup2 (source->pending->data, source->block_size);
      gsize raw = (guint64) source->pending_input_bytes * source->block_size / source->pending->len;

      g_byte_array_remove_range (source->pending, 0, source->block_size);
      source->pending_input_bytes -= raw;
      if (!queue_cb (source, block, source->block_size, raw, NULL))
        g_atomic_int_set (&source->cancel, 1);
    }
}

static gpointer
deflate_thread (gpointer data)
{
  SfBlockSource *source = data;

  if (source->packing == SF_PACKING_SMALLEST)
    {
      g_autofree guint8 *input = g_malloc (MAX (source->length, 1));

      source->pending = g_byte_array_new ();
      _sf_span_copy (source->span, source->offset, input, source->length);
      _sf_deflate_compress (input, source->length, smallest_sink, source, &source->cancel);
      if (source->pending->len > 0 && !g_atomic_int_get (&source->cancel))
        queue_cb (source, g_memdup2 (source->pending->data, source->pending->len),
                  source->pending->len, source->pending_input_bytes, NULL);
      g_clear_pointer (&source->pending, g_byte_array_unref);
    }
  else
    {
      deflate_span (source, queue_cb, NULL);
    }

  g_mutex_lock (&source->mutex);
  source->done = TRUE;
  g_cond_broadcast (&source->cond);
  g_mutex_unlock (&source->mutex);
  return NULL;
}

SfBlock *
_sf_block_source_next (SfBlockSource *source)
{
  SfBlock *block;

  if (source->packing == SF_PACKING_RAW)
    {
      gsize n = MIN (source->block_size, source->length - source->raw_pos);

      if (n == 0)
        return NULL;
      block = g_new0 (SfBlock, 1);
      block->data = g_malloc (n);
      block->length = n;
      block->raw_length = n;
      _sf_span_copy (source->span, source->offset + source->raw_pos, block->data, n);
      source->raw_pos += n;
      return block;
    }

  if (source->thread == NULL)
    source->thread = g_thread_new ("sf-deflate", deflate_thread, source);

  g_mutex_lock (&source->mutex);
  while (source->blocks.length == 0 && !source->done)
    g_cond_wait (&source->cond, &source->mutex);
  block = g_queue_pop_head (&source->blocks);
  g_cond_broadcast (&source->cond);
  g_mutex_unlock (&source->mutex);
  return block;
}

void
_sf_block_source_free (SfBlockSource *source)
{
  if (source == NULL)
    return;

  if (source->thread != NULL)
    {
      g_mutex_lock (&source->mutex);
      source->stop = TRUE;
      g_atomic_int_set (&source->cancel, 1);
      g_cond_broadcast (&source->cond);
      g_mutex_unlock (&source->mutex);
      g_thread_join (source->thread);
    }
  g_queue_clear_full (&source->blocks, (GDestroyNotify) _sf_block_free);
  g_mutex_clear (&source->mutex);
  g_cond_clear (&source->cond);
  g_free (source);
}
