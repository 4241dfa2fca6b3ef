/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-flasher-private.h"

G_BEGIN_DECLS

/* What goes into flash for one file: the file, with the bytes that share
 * its first and last flash sector kept, so that erasing those sectors
 * loses nothing outside the file. Three pieces, never copied into one. */
typedef struct
{
  guint32       start;          /* sector-aligned */
  GByteArray   *head;           /* kept bytes before the file */
  const guint8 *body;
  gsize         body_len;
  GByteArray   *tail;           /* kept bytes after it, or word padding */
} SfSpan;

void     _sf_span_clear          (SfSpan        *span);
gsize    _sf_span_length         (const SfSpan  *span);
void     _sf_span_copy           (const SfSpan  *span,
                                  gsize          offset,
                                  guint8        *out,
                                  gsize          length);
void     _sf_span_md5            (const SfSpan  *span,
                                  gsize          offset,
                                  gsize          length,
                                  guint8         out_digest[16]);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfSpan, _sf_span_clear)

gboolean _sf_flasher_build_span  (SfFlasher     *self,
                                  guint32        address,
                                  GBytes        *data,
                                  gboolean       flash_erased,
                                  SfSpan        *span,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* Writes the whole span as it is, uncompressed and unchecked. */
gboolean _sf_flasher_write_span_raw (SfFlasher  *self,
                                  const SfSpan  *span,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* Compares the chip's MD5 of the span with ours. */
gboolean _sf_flasher_verify_span (SfFlasher     *self,
                                  const SfSpan  *span,
                                  const char    *name,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* Whether the chip's MD5 of [offset, offset + length) of the span is ours. */
gboolean _sf_flasher_span_matches (SfFlasher    *self,
                                  const SfSpan  *span,
                                  gsize          offset,
                                  gsize          length,
                                  gboolean      *out_matches,
                                  GError       **error);
/* The MD5 of @length erased (0xFF) bytes. */
void     _sf_blank_md5           (gsize          length,
                                  guint8         out_digest[16]);
/* The chip's MD5 of [address, address + size), retried when garbled. */
gboolean _sf_flasher_flash_md5   (SfFlasher     *self,
                                  guint32        address,
                                  guint32        size,
                                  guint8         out_digest[16],
                                  GError       **error);

/* The blocks one FLASH_BEGIN session sends: slices of the span, or of its
 * zlib stream. The stream is made by a thread of its own that runs a few
 * blocks ahead, so the link never waits for zlib, and is shared by the
 * boards sent the same bytes at the same time (sf-packed-stream.c). */
typedef struct
{
  guint8 *data;
  gsize   length;
  gsize   raw_length;    /* span bytes this block stands for */
} SfBlock;

typedef struct _SfBlockSource SfBlockSource;

/* How the blocks are packed. */
typedef enum
{
  SF_PACKING_RAW,
  SF_PACKING_ZLIB,      /* zlib's level 9: fast enough for any link */
  SF_PACKING_SMALLEST,  /* sf-deflate: a few percent smaller, for slower links */
} SfPacking;

SfBlockSource *_sf_block_source_new          (const SfSpan   *span,
                                              gsize           offset,
                                              gsize           length,
                                              SfPacking       packing,
                                              guint           block_size);
/* The zlib stream's length: one pass of its own, before any block.
 * Only for SF_PACKING_ZLIB and SF_PACKING_RAW. */
gsize          _sf_block_source_count_packed (SfBlockSource  *source);
/* The next block, NULL after the last. Free with _sf_block_free(). */
SfBlock       *_sf_block_source_next         (SfBlockSource  *source);
void           _sf_block_source_free         (SfBlockSource  *source);
void           _sf_block_free                (SfBlock        *block);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfBlockSource, _sf_block_source_free)

G_END_DECLS
