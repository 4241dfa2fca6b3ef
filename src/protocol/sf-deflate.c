/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-deflate"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-deflate-private.h"

/* Deflate, 32 KiB window, "maximum compression"; 0x78DA is a multiple of 31
 * as RFC 1950 asks. */
static const guint8 zlib_header[2] = { 0x78, 0xDA };

/* How often the long loops look at the cancel flag, in positions. */
#define CANCEL_EVERY 4096

typedef struct
{
  guint max_chain;     /* candidates the match finder looks at */
  gsize first_region;  /* input of the first region: sets the latency */
  gsize region;        /* input of later regions: bounds the memory */
  guint region_rounds; /* parses of a whole region before it is split */
  guint block_rounds;  /* parses of each block under its own statistics */
  guint split_rounds;  /* times the split and block parses are repeated */
} Effort;

static const Effort efforts[] = {
  [SF_DEFLATE_EFFORT_FAST] = {
    .max_chain = 64, .first_region = 32 * 1024, .region = 128 * 1024,
    .region_rounds = 2, .block_rounds = 3, .split_rounds = 1,
  },
  [SF_DEFLATE_EFFORT_DEFAULT] = {
    .max_chain = 256, .first_region = 32 * 1024, .region = 128 * 1024,
    .region_rounds = 3, .block_rounds = 6, .split_rounds = 2,
  },
};

typedef struct
{
  const guint8        *data;
  gsize                length;
  const Effort        *effort;
  const gint          *cancel;
  SfDeflateSink        sink;
  gpointer             user_data;

  SfDeflateMatcher    *matcher;
  SfDeflateMatchTable  table;     /* matches of [table.start, found) */
  gsize                found;
  GArray              *scratch;   /* the parser's */
  GArray              *tokens;    /* parse of the region */
  GArray              *trial;     /* another parse, to compare */
  GArray              *bounds;    /* token index of each block start */
  SfDeflateBits        bits;
  uLong                adler;
} Compressor;

static gboolean
cancelled (const Compressor *c)
{
  return c->cancel != NULL && g_atomic_int_get (c->cancel) != 0;
}

/* Finds the matches of every position up to @end, or further if a
 * match of the longest length runs past it: a region should not end
 * inside one, since the next would start where the match finder skipped. */
static gboolean
find_matches (Compressor *c,
              gsize      *end)
{
  SfDeflateToken found[SF_DEFLATE_MAX_MATCHES];

  *end = MAX (*end, MIN (_sf_deflate_matcher_skipped (c->matcher), c->length));
  for (; c->found < *end; c->found++)
    {
      guint n = _sf_deflate_matcher_find (c->matcher, c->found, found);
      guint32 total;

      if (c->found % CANCEL_EVERY == 0 && cancelled (c))
        return FALSE;
      g_array_append_vals (c->table.matches, found, n);
      total = c->table.matches->len;
      g_array_append_val (c->table.offsets, total);
      *end = MAX (*end, MIN (_sf_deflate_matcher_skipped (c->matcher), c->length));
    }
  return TRUE;
}

/* Forgets the matches of positions before @pos. */
static void
drop_matches (Compressor *c,
              gsize       pos)
{
  guint32 *offsets = (guint32 *) (gpointer) c->table.offsets->data;
  gsize n = pos - c->table.start;
  guint32 first = offsets[n];

  g_array_remove_range (c->table.offsets, 0, n);
  offsets = (guint32 *) (gpointer) c->table.offsets->data;
  for (guint i = 0; i < c->table.offsets->len; i++)
    offsets[i] -= first;
  g_array_remove_range (c->table.matches, 0, first);
  c->table.start = pos;
}

static guint64
tokens_bits (const SfDeflateToken *tokens,
             gsize                 n_tokens,
             gsize                 raw_length,
             SfDeflateHisto       *histo)
{
  memset (histo, 0, sizeof *histo);
  _sf_deflate_histo_add (histo, tokens, n_tokens);
  return _sf_deflate_block_bits (histo, raw_length, 0, SF_DEFLATE_HEADER_ROUNDS);
}

/* Parses [@start, @end) again and again, each time under the statistics of
 * the parse before, and leaves the cheapest in c->trial. The first parse
 * starts from @histo, or from the fixed code when it is NULL. */
static void
iterate_parse (Compressor           *c,
               gsize                 start,
               gsize                 end,
               const SfDeflateHisto *histo,
               guint                 rounds)
{
  SfDeflateCosts costs;
  SfDeflateHisto h;
  g_autoptr(GArray) best = g_array_new (FALSE, FALSE, sizeof (SfDeflateToken));
  guint64 best_bits = G_MAXUINT64;

  if (histo != NULL)
    _sf_deflate_costs_from_histo (&costs, histo);
  else
    _sf_deflate_costs_fixed (&costs);

  for (guint round = 0; round < rounds; round++)
    {
      guint64 bits;

      g_array_set_size (c->trial, 0);
      _sf_deflate_parse (c->data, &c->table, start, end, &costs, c->scratch, c->trial);
      bits = tokens_bits ((SfDeflateToken *) (gpointer) c->trial->data, c->trial->len,
                          end - start, &h);
      /* Once a parse gains nothing, the statistics have settled. */
      if (bits >= best_bits)
        break;
      best_bits = bits;
      g_array_set_size (best, 0);
      g_array_append_vals (best, c->trial->data, c->trial->len);
      _sf_deflate_costs_from_histo (&costs, &h);
    }
  g_array_set_size (c->trial, 0);
  g_array_append_vals (c->trial, best->data, best->len);
}

static gsize
token_span (const SfDeflateToken *tokens,
            gsize                 n_tokens)
{
  gsize span = 0;

  for (gsize i = 0; i < n_tokens; i++)
    span += tokens[i].dist == 0 ? 1 : tokens[i].len;
  return span;
}

/* Parses [@start, @end) into c->tokens, split into blocks at c->bounds. */
static gboolean
parse_region (Compressor *c,
              gsize       start,
              gsize       end)
{
  const Effort *e = c->effort;
  g_autoptr(GArray) tokens = g_array_new (FALSE, FALSE, sizeof (SfDeflateToken));
  g_autoptr(GArray) bounds = g_array_new (FALSE, FALSE, sizeof (gsize));

  iterate_parse (c, start, end, NULL, e->region_rounds);
  g_array_set_size (c->tokens, 0);
  g_array_append_vals (c->tokens, c->trial->data, c->trial->len);

  for (guint round = 0; round < e->split_rounds; round++)
    {
      const SfDeflateToken *old = (SfDeflateToken *) (gpointer) c->tokens->data;
      gsize pos = start, n_tokens;

      _sf_deflate_split (old, c->tokens->len, c->bounds);

      /* Each block is parsed again under its own statistics: which parse
       * is cheapest depends on the code it will be written with. */
      g_array_set_size (tokens, 0);
      g_array_set_size (bounds, 0);
      for (guint k = 0; k + 1 < c->bounds->len; k++)
        {
          gsize a = g_array_index (c->bounds, gsize, k);
          gsize b = g_array_index (c->bounds, gsize, k + 1);
          gsize span = token_span (old + a, b - a);
          gsize first = tokens->len;
          SfDeflateHisto histo = { { 0 } };

          if (cancelled (c))
            return FALSE;
          _sf_deflate_histo_add (&histo, old + a, b - a);
          iterate_parse (c, pos, pos + span, &histo, e->block_rounds);
          g_array_append_val (bounds, first);
          g_array_append_vals (tokens, c->trial->data, c->trial->len);
          pos += span;
        }
      n_tokens = tokens->len;
      g_array_append_val (bounds, n_tokens);
      g_array_set_size (c->tokens, 0);
      g_array_append_vals (c->tokens, tokens->data, tokens->len);
      g_array_set_size (c->bounds, 0);
      g_array_append_vals (c->bounds, bounds->data, bounds->len);
    }
  return TRUE;
}

/* Hands the whole bytes written so far to the sink. */
static void
flush (Compressor *c,
       gsize       consumed)
{
  if (c->bits.out->len == 0)
    return;
  c->sink (c->bits.out->data, c->bits.out->len, consumed, c->user_data);
  g_byte_array_set_size (c->bits.out, 0);
}

static void
write_blocks (Compressor *c,
              gsize       start,
              guint       n_blocks,
              gboolean    final)
{
  const SfDeflateToken *tokens = (SfDeflateToken *) (gpointer) c->tokens->data;
  gsize pos = start;

  for (guint k = 0; k < n_blocks; k++)
    {
      gsize a = g_array_index (c->bounds, gsize, k);
      gsize b = g_array_index (c->bounds, gsize, k + 1);
      gsize span = token_span (tokens + a, b - a);

      _sf_deflate_write_block (&c->bits, tokens + a, b - a, c->data + pos, span,
                               final && k + 1 == n_blocks);
      c->adler = adler32_z (c->adler, c->data + pos, span);
      pos += span;
      flush (c, pos);
    }
}

void
_sf_deflate_compress_effort (const guint8    *data,
                             gsize            length,
                             SfDeflateEffort  effort,
                             SfDeflateSink    sink,
                             gpointer         user_data,
                             const gint      *cancel)
{
  Compressor c = {
    .data = data,
    .length = length,
    .effort = &efforts[effort],
    .cancel = cancel,
    .sink = sink,
    .user_data = user_data,
  };
  gsize pos = 0;
  guint32 zero = 0;
  guint8 trailer[4];

  g_return_if_fail (effort <= SF_DEFLATE_EFFORT_DEFAULT);
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (sink != NULL);

  c.matcher = _sf_deflate_matcher_new (data, length, c.effort->max_chain);
  c.table.offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  c.table.matches = g_array_new (FALSE, FALSE, sizeof (SfDeflateToken));
  g_array_append_val (c.table.offsets, zero);
  c.scratch = g_array_new (FALSE, FALSE, 1);
  c.tokens = g_array_new (FALSE, FALSE, sizeof (SfDeflateToken));
  c.trial = g_array_new (FALSE, FALSE, sizeof (SfDeflateToken));
  c.bounds = g_array_new (FALSE, FALSE, sizeof (gsize));
  c.bits.out = g_byte_array_new ();
  c.adler = adler32 (0, NULL, 0);
  g_byte_array_append (c.bits.out, zlib_header, sizeof zlib_header);

  if (length == 0)
    {
      /* A final fixed-code block holding only its end code. */
      _sf_deflate_bits_put (&c.bits, 1 | 1 << 1, 3);
      _sf_deflate_bits_put (&c.bits, 0, 7);
    }

  while (pos < length)
    {
      gsize size = c.found == 0 ? c.effort->first_region : c.effort->region;
      gsize end = length - c.found <= size + size / 4 ? length : c.found + size;
      gboolean final;
      guint n_blocks;

      if (!find_matches (&c, &end) || !parse_region (&c, pos, end))
        goto out;

      /* The last block goes on into the next region, where it may grow:
       * a block ends where the data changes, not where a region happens
       * to. A block may grow to three regions, which bounds the memory;
       * the first region's output is not held back, as it sets how soon
       * the caller can start sending. */
      final = end == length;
      n_blocks = c.bounds->len - 1;
      if (!final && (n_blocks > 1 || pos > 0))
        {
          gsize last = g_array_index (c.bounds, gsize, n_blocks - 1);
          const SfDeflateToken *t = (SfDeflateToken *) (gpointer) c.tokens->data;

          if (token_span (t + last, c.tokens->len - last) <= 3 * c.effort->region)
            n_blocks--;
        }
      write_blocks (&c, pos, n_blocks, final);
      pos += token_span ((SfDeflateToken *) (gpointer) c.tokens->data,
                         g_array_index (c.bounds, gsize, n_blocks));
      drop_matches (&c, pos);
      if (cancelled (&c))
        goto out;
    }

  _sf_deflate_bits_align (&c.bits);
  trailer[0] = c.adler >> 24;
  trailer[1] = c.adler >> 16;
  trailer[2] = c.adler >> 8;
  trailer[3] = c.adler;
  g_byte_array_append (c.bits.out, trailer, sizeof trailer);
  flush (&c, length);

out:
  _sf_deflate_matcher_free (c.matcher);
  g_array_unref (c.table.offsets);
  g_array_unref (c.table.matches);
  g_array_unref (c.scratch);
  g_array_unref (c.tokens);
  g_array_unref (c.trial);
  g_array_unref (c.bounds);
  g_byte_array_unref (c.bits.out);
}

void
_sf_deflate_compress (const guint8  *data,
                      gsize          length,
                      SfDeflateSink  sink,
                      gpointer       user_data,
                      const gint    *cancel)
{
  _sf_deflate_compress_effort (data, length, SF_DEFLATE_EFFORT_DEFAULT,
                               sink, user_data, cancel);
}
