/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flasher"

#include "config.h"

#include <string.h>

#include "sf-flasher-span-private.h"
#include "sf-packed-stream-private.h"

struct _SfBlockSource
{
  const SfSpan   *span;
  gsize           offset;
  gsize           length;
  SfPacking       packing;
  guint           block_size;

  gsize           raw_pos;       /* uncompressed: next byte to send */
  SfPackedReader *reader;        /* compressed: the stream, perhaps shared */
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
  return source;
}

/* The span's bytes in one piece, for the compressors. */
static guint8 *
copy_input (SfBlockSource *source)
{
  guint8 *input = g_malloc (MAX (source->length, 1));

  _sf_span_copy (source->span, source->offset, input, source->length);
  return input;
}

static gboolean
count_cb (guint8   *data,
          gsize     length,
          gsize     raw_length,
          gpointer  user_data)
{
  *(gsize *) user_data += length;
  g_free (data);
  return TRUE;
}

gsize
_sf_block_source_count_packed (SfBlockSource *source)
{
  g_autofree guint8 *input = NULL;
  gsize total = 0;

  g_return_val_if_fail (source->reader == NULL, 0);
  g_return_val_if_fail (source->packing != SF_PACKING_SMALLEST, 0);

  if (source->packing == SF_PACKING_RAW)
    return source->length;
  input = copy_input (source);
  _sf_packed_zlib (input, source->length, source->block_size, count_cb, &total);
  return total;
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

  /* Boards sent the same bytes share one compression. */
  if (source->reader == NULL)
    source->reader = _sf_packed_reader_new (copy_input (source), source->length, source->packing,
                                            source->block_size);
  return _sf_packed_reader_next (source->reader);
}

void
_sf_block_source_free (SfBlockSource *source)
{
  if (source == NULL)
    return;

  g_clear_pointer (&source->reader, _sf_packed_reader_free);
  g_free (source);
}
