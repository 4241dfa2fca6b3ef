/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Receives compressed bytes as they become final, in order.
 * @input_consumed: input bytes the output handed over so far stands for;
 * it never goes back and ends at the input's length. */
typedef void (*SfDeflateSink) (const guint8 *data,
                               gsize         length,
                               gsize         input_consumed,
                               gpointer      user_data);

/* How hard the compressor looks for a smaller encoding. */
typedef enum
{
  SF_DEFLATE_EFFORT_FAST,    /* about 1.5 times as fast, 0.1 % larger */
  SF_DEFLATE_EFFORT_DEFAULT,
} SfDeflateEffort;

/* Compresses @length bytes of @data into one zlib stream (RFC 1950), handing
 * the output to @sink deflate block by deflate block so that a caller can
 * start sending before the end. The last few bits of a block may wait for
 * the next one to complete their byte. @cancel, when not NULL and set to
 * non-zero, makes it return early; the output is then incomplete and must
 * not be used. Deterministic and thread-safe. */
void _sf_deflate_compress        (const guint8    *data,
                                  gsize            length,
                                  SfDeflateSink    sink,
                                  gpointer         user_data,
                                  const gint      *cancel);
void _sf_deflate_compress_effort (const guint8    *data,
                                  gsize            length,
                                  SfDeflateEffort  effort,
                                  SfDeflateSink    sink,
                                  gpointer         user_data,
                                  const gint      *cancel);

/* The rest is shared by the sf-deflate-*.c files only. */

#define SF_DEFLATE_WINDOW    32768
#define SF_DEFLATE_MIN_MATCH 3
#define SF_DEFLATE_MAX_MATCH 258
#define SF_DEFLATE_NUM_LITLEN 286  /* 0-255 literals, 256 end of block, 257-285 lengths */
#define SF_DEFLATE_NUM_DIST  30
#define SF_DEFLATE_END_BLOCK 256

/* One step of a parse: a literal (dist 0, len is the byte) or a match.
 * Match finding uses the same pair for "len bytes at distance dist". */
typedef struct
{
  guint16 len;
  guint16 dist;
} SfDeflateToken;

typedef struct
{
  guint32 litlen[SF_DEFLATE_NUM_LITLEN];
  guint32 dist[SF_DEFLATE_NUM_DIST];
} SfDeflateHisto;

/* Index of the highest bit set in @x, which is not 0. (GLib's
 * g_bit_nth_msf loops over the bits, in unoptimized builds at least.) */
static inline guint
_sf_deflate_top_bit (guint32 x)
{
  return 31 - __builtin_clz (x);
}

/* Symbol and extra-bit count of a match length (3-258) and distance
 * (1-32768), computed rather than looked up to keep the tables small. */
static inline guint
_sf_deflate_len_symbol (guint len)
{
  guint x = len - 3, nb;

  if (len == SF_DEFLATE_MAX_MATCH)
    return 285;
  if (x < 8)
    return 257 + x;
  nb = _sf_deflate_top_bit (x);
  return 257 + 4 * (nb - 1) + ((x >> (nb - 2)) & 3);
}

static inline guint
_sf_deflate_len_extra (guint len)
{
  guint x = len - 3;

  if (x < 8 || len == SF_DEFLATE_MAX_MATCH)
    return 0;
  return _sf_deflate_top_bit (x) - 2;
}

static inline guint
_sf_deflate_dist_symbol (guint dist)
{
  guint x = dist - 1, nb;

  if (x < 4)
    return x;
  nb = _sf_deflate_top_bit (x);
  return 2 * nb + ((x >> (nb - 1)) & 1);
}

static inline guint
_sf_deflate_dist_extra (guint dist)
{
  guint x = dist - 1;

  return x < 4 ? 0 : _sf_deflate_top_bit (x) - 1;
}

/* Extra bits of length and distance symbols, by symbol. */
guint _sf_deflate_symbol_extra (guint litlen_symbol);
guint _sf_deflate_dist_symbol_extra (guint dist_symbol);

void _sf_deflate_histo_add (SfDeflateHisto       *histo,
                            const SfDeflateToken *tokens,
                            gsize                 n_tokens);

/* sf-deflate-block.c: Huffman codes */

/* Optimal prefix code lengths no longer than @max_bits for @freqs; at least
 * two symbols get a code, as some inflaters reject a lone code. */
void _sf_deflate_code_lengths (const guint32 *freqs,
                               guint          n,
                               guint          max_bits,
                               guint8        *lengths);
/* Canonical codes for @lengths, bit-reversed for LSB-first output. */
void _sf_deflate_canonical_codes (const guint8 *lengths,
                                  guint         n,
                                  guint16      *codes);

/* sf-deflate-block.c: blocks */

typedef struct
{
  GByteArray *out;
  guint64     acc;
  guint       n_bits;
} SfDeflateBits;

void _sf_deflate_bits_put   (SfDeflateBits *bits,
                             guint32        value,
                             guint          n_bits);
void _sf_deflate_bits_align (SfDeflateBits *bits);

/* Size in bits of the cheapest encoding (stored, fixed or dynamic) of a
 * block whose tokens have @histo and which stands for @raw_length bytes,
 * starting at bit offset @bit_pos (which matters to stored blocks only).
 * The dynamic header's run-length codes are chosen in @header_rounds
 * rounds; SF_DEFLATE_HEADER_ROUNDS makes the size exact. */
#define SF_DEFLATE_HEADER_ROUNDS 3
guint64 _sf_deflate_block_bits (const SfDeflateHisto *histo,
                                gsize                 raw_length,
                                guint                 bit_pos,
                                guint                 header_rounds);
/* Writes the block in its cheapest encoding. */
void _sf_deflate_write_block (SfDeflateBits        *bits,
                              const SfDeflateToken *tokens,
                              gsize                 n_tokens,
                              const guint8         *raw,
                              gsize                 raw_length,
                              gboolean              final);

/* sf-deflate-lz77.c: match finding */

typedef struct _SfDeflateMatcher SfDeflateMatcher;

/* Finds, for each position, the closest match of each length that a closer
 * match does not already reach, looking at most @max_chain earlier
 * occurrences of the same three bytes. */
SfDeflateMatcher *_sf_deflate_matcher_new  (const guint8     *data,
                                            gsize             length,
                                            guint             max_chain);
void              _sf_deflate_matcher_free (SfDeflateMatcher *self);
/* Matches of position @pos (which must follow the last position asked
 * about, or be the first), longest last; returns how many were stored in
 * @out (room for SF_DEFLATE_MAX_MATCHES). Positions covered by a match of
 * the longest possible length may be skipped: then they have none. */
#define SF_DEFLATE_MAX_MATCHES 64
guint _sf_deflate_matcher_find (SfDeflateMatcher *self,
                                gsize             pos,
                                SfDeflateToken   *out);
/* The end of the positions skipped after the last one asked about. */
gsize _sf_deflate_matcher_skipped (SfDeflateMatcher *self);

/* sf-deflate-lz77.c: parsing */

/* log2 (@x) in 1/65536 bits, @x at least 1. */
guint32 _sf_deflate_log2 (guint64 x);

/* Costs in 1/16 bits of each symbol, extra bits included. */
#define SF_DEFLATE_COST_SCALE 16
typedef struct
{
  guint32 lit[256];
  guint32 len[SF_DEFLATE_MAX_MATCH + 1];
  guint32 dist[SF_DEFLATE_NUM_DIST];
} SfDeflateCosts;

/* The costs of the fixed Huffman code, a neutral start. */
void _sf_deflate_costs_fixed (SfDeflateCosts *costs);
/* Costs as -log2 of the symbol frequencies in @histo. */
void _sf_deflate_costs_from_histo (SfDeflateCosts       *costs,
                                   const SfDeflateHisto *histo);

/* Matches of a run of positions, as found by the matcher. */
typedef struct
{
  gsize           start;    /* position of the first entry */
  GArray         *offsets;  /* guint32 per position + 1: index into matches */
  GArray         *matches;  /* SfDeflateToken */
} SfDeflateMatchTable;

/* Cheapest parse of [@start, @end) under @costs, appended to @tokens.
 * @scratch is reused between calls. */
void _sf_deflate_parse (const guint8              *data,
                        const SfDeflateMatchTable *table,
                        gsize                      start,
                        gsize                      end,
                        const SfDeflateCosts      *costs,
                        GArray                    *scratch,
                        GArray                    *tokens);

/* sf-deflate-split.c */

/* Chooses where blocks of @tokens start: @bounds gets the token index of
 * each block start and then @n_tokens, as gsize. */
void _sf_deflate_split (const SfDeflateToken *tokens,
                        gsize                 n_tokens,
                        GArray               *bounds);

G_END_DECLS
