/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-flasher-span-private.h"

G_BEGIN_DECLS

/* The packed (compressed) blocks of some bytes, made once however many
 * boards are sent them. A reader opened on the same bytes, packing and
 * block size as an open stream whose first blocks are all still kept
 * joins it instead of compressing again: eight boards flashed with one
 * image cost one compression, not eight. The stream is made by a thread
 * of its own that runs a few blocks ahead of the fastest reader; blocks
 * every reader has passed are let go once the stream holds more than a
 * few MiB, so a large image costs no more memory than before.
 * Thread-safe: each reader belongs to one thread, any number of them to
 * one stream. */
typedef struct _SfPackedReader SfPackedReader;

/* Takes @input, @length bytes allocated with g_malloc(). @packing is
 * SF_PACKING_ZLIB or SF_PACKING_SMALLEST. */
SfPackedReader *_sf_packed_reader_new  (guint8         *input,
                                        gsize           length,
                                        SfPacking       packing,
                                        guint           block_size);
/* The next block, a copy for the caller to free with _sf_block_free(),
 * waiting for it to be made; NULL after the last. */
SfBlock        *_sf_packed_reader_next (SfPackedReader *reader);
/* The stream stops and goes once its last reader has. */
void            _sf_packed_reader_free (SfPackedReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfPackedReader, _sf_packed_reader_free)

/* Runs @length bytes of @input through zlib (a zlib stream, level 9),
 * calling @emit with each @block_size slice of output, which it takes,
 * and the input bytes it stands for. FALSE from @emit stops. */
typedef gboolean (*SfPackedEmitFunc) (guint8   *data,
                                      gsize     length,
                                      gsize     raw_length,
                                      gpointer  user_data);
void            _sf_packed_zlib        (const guint8     *input,
                                        gsize             length,
                                        guint             block_size,
                                        SfPackedEmitFunc  emit,
                                        gpointer          user_data);

/* For the tests: streams started (compressions run) since the program
 * started. */
guint           _sf_packed_stream_get_n_started (void);

G_END_DECLS
