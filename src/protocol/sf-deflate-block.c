/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-deflate"

#include "config.h"

#include <string.h>

#include "sf-deflate-private.h"

/* Huffman codes, and blocks written with them, with the fixed code or
 * stored, whichever is smallest. */

/* Symbols of the largest code, the fixed literal/length one. It gives
 * lengths to two symbols that are never sent, and without them the
 * canonical codes after them would come out wrong. */
#define MAX_SYMBOLS     288
#define MAX_BITS        15
#define MAX_CL_BITS     7
#define NUM_CL          19
#define MAX_SEQ         (SF_DEFLATE_NUM_LITLEN + SF_DEFLATE_NUM_DIST)
#define MAX_STORED      65535
#define BTYPE_STORED    0
#define BTYPE_FIXED     1
#define BTYPE_DYNAMIC   2
/* Marks a package in the package-merge lists. */
#define PACKAGE         G_MAXUINT16

/* Bottom-up merge sort of @n keys; @tmp has room for as many. */
static void
sort_keys (guint64 *keys,
           guint64 *tmp,
           guint    n)
{
  guint64 *from = keys, *to = tmp;

  for (guint width = 1; width < n; width *= 2)
    {
      for (guint lo = 0; lo < n; lo += 2 * width)
        {
          guint mid = MIN (lo + width, n), hi = MIN (lo + 2 * width, n);
          guint i = lo, j = mid, k = lo;

          while (i < mid && j < hi)
            to[k++] = from[j] < from[i] ? from[j++] : from[i++];
          while (i < mid)
            to[k++] = from[i++];
          while (j < hi)
            to[k++] = from[j++];
        }
      from = from == keys ? tmp : keys;
      to = to == keys ? tmp : keys;
    }
  if (from != keys)
    memcpy (keys, from, n * sizeof *keys);
}

/* Plain Huffman code lengths for @m sorted keys, by the two-queue method:
 * leaves and merged nodes each come out in order of weight, so the two
 * lightest are always at the front of one queue or the other. Returns the
 * longest length. */
static guint
huffman_lengths (const guint64 *keys,
                 guint          m,
                 guint8        *depth)
{
  guint64 weight[2 * MAX_SYMBOLS];
  guint16 parent[2 * MAX_SYMBOLS];
  guint leaf = 0, node = m, longest = 0;

  for (guint i = 0; i < m; i++)
    weight[i] = keys[i] >> 16;
  for (guint next = m; next < 2 * m - 1; next++)
    {
      guint pick[2];

      for (guint k = 0; k < 2; k++)
        {
          if (leaf < m && (node >= next || weight[leaf] <= weight[node]))
            pick[k] = leaf++;
          else
            pick[k] = node++;
        }
      weight[next] = weight[pick[0]] + weight[pick[1]];
      parent[pick[0]] = parent[pick[1]] = next;
    }

  /* Parents come after their children, so one pass from the root down
   * gives every depth. */
  depth[2 * m - 2] = 0;
  for (guint i = 2 * m - 2; i-- > 0;)
    depth[i] = depth[parent[i]] + 1;
  for (guint i = 0; i < m; i++)
    longest = MAX (longest, depth[i]);
  return longest;
}

/* When the plain Huffman code is too deep, package-merge: level k holds
 * the leaves merged with pairs ("packages") of the items of level k - 1,
 * cheapest first. With m symbols, the 2m - 2 cheapest items of the last
 * level make an optimal code limited to that many levels: a leaf gets a
 * bit for each level it is taken at, and a package taken at one level
 * takes its two items at the level below. Only the order of each level is
 * kept, as leaf indices or PACKAGE, since the counting needs no weights. */
void
_sf_deflate_code_lengths (const guint32 *freqs,
                          guint          n,
                          guint          max_bits,
                          guint8        *lengths)
{
  guint64 keys[MAX_SYMBOLS];
  guint64 weights[2][2 * MAX_SYMBOLS];
  guint16 order[MAX_BITS][2 * MAX_SYMBOLS];
  guint8 depth[2 * MAX_SYMBOLS];
  guint level_size[MAX_BITS];
  guint m = 0, take;

  g_assert (n >= 2 && n <= MAX_SYMBOLS && max_bits <= MAX_BITS);
  memset (lengths, 0, n);
  for (guint s = 0; s < n; s++)
    if (freqs[s] != 0)
      keys[m++] = (guint64) freqs[s] << 16 | s;

  /* A code needs two symbols; a second one that is never sent costs a bit
   * in the header and spares inflaters a corner case. */
  if (m < 2)
    {
      guint used = m == 1 ? keys[0] & 0xFFFF : 0;

      lengths[used] = 1;
      lengths[used == 0 ? 1 : 0] = 1;
      return;
    }

  sort_keys (keys, weights[0], m);

  /* Most codes come out short enough as they are. */
  if (huffman_lengths (keys, m, depth) <= max_bits)
    {
      for (guint i = 0; i < m; i++)
        lengths[keys[i] & 0xFFFF] = depth[i];
      return;
    }

  for (guint i = 0; i < m; i++)
    {
      weights[0][i] = keys[i] >> 16;
      order[0][i] = i;
    }
  level_size[0] = m;

  for (guint k = 1; k < max_bits; k++)
    {
      const guint64 *prev = weights[(k - 1) & 1];
      guint64 *cur = weights[k & 1];
      guint n_packages = level_size[k - 1] / 2;
      guint leaf = 0, package = 0, size = 0;

      while (leaf < m || package < n_packages)
        {
          guint64 pw = package < n_packages
                       ? prev[2 * package] + prev[2 * package + 1] : G_MAXUINT64;

          if (leaf < m && keys[leaf] >> 16 <= pw)
            {
              cur[size] = keys[leaf] >> 16;
              order[k][size++] = leaf++;
            }
          else
            {
              cur[size] = pw;
              order[k][size++] = PACKAGE;
              package++;
            }
        }
      level_size[k] = size;
    }

  take = MIN (2 * m - 2, level_size[max_bits - 1]);
  for (guint k = max_bits; k-- > 0;)
    {
      guint packages = 0;

      for (guint i = 0; i < take; i++)
        {
          if (order[k][i] == PACKAGE)
            packages++;
          else
            lengths[keys[order[k][i]] & 0xFFFF]++;
        }
      take = 2 * packages;
    }
}

void
_sf_deflate_canonical_codes (const guint8 *lengths,
                             guint         n,
                             guint16      *codes)
{
  guint count[MAX_BITS + 1] = { 0 };
  guint next[MAX_BITS + 1];
  guint code = 0;

  for (guint s = 0; s < n; s++)
    count[lengths[s]]++;
  count[0] = 0;
  for (guint bits = 1; bits <= MAX_BITS; bits++)
    {
      code = (code + count[bits - 1]) << 1;
      next[bits] = code;
    }

  /* Deflate sends codes from their top bit down but packs bits from the
   * bottom of each byte up, so each code is stored mirrored. */
  for (guint s = 0; s < n; s++)
    {
      guint len = lengths[s], c, r = 0;

      if (len == 0)
        {
          codes[s] = 0;
          continue;
        }
      c = next[len]++;
      for (guint i = 0; i < len; i++)
        r |= ((c >> i) & 1) << (len - 1 - i);
      codes[s] = r;
    }
}

/* The order in which the header sends the code-length code's lengths. */
static const guint8 cl_order[NUM_CL] = {
  16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

/* A dynamic block's codes and the header that describes them. */
typedef struct
{
  guint8  litlen[SF_DEFLATE_NUM_LITLEN];
  guint8  dist[SF_DEFLATE_NUM_DIST];
  guint8  cl[NUM_CL];
  guint   hlit, hdist, hclen;
  guint8  rle_sym[MAX_SEQ];
  guint8  rle_extra[MAX_SEQ];
  guint   n_rle;
  guint64 header_bits;   /* HLIT to the last code length, not BTYPE */
} DynamicCode;

guint
_sf_deflate_symbol_extra (guint litlen_symbol)
{
  if (litlen_symbol < 265 || litlen_symbol == 285)
    return 0;
  return (litlen_symbol - 261) / 4;
}

guint
_sf_deflate_dist_symbol_extra (guint dist_symbol)
{
  return dist_symbol < 4 ? 0 : dist_symbol / 2 - 1;
}

void
_sf_deflate_histo_add (SfDeflateHisto       *histo,
                       const SfDeflateToken *tokens,
                       gsize                 n_tokens)
{
  for (gsize i = 0; i < n_tokens; i++)
    {
      if (tokens[i].dist == 0)
        histo->litlen[tokens[i].len]++;
      else
        {
          histo->litlen[_sf_deflate_len_symbol (tokens[i].len)]++;
          histo->dist[_sf_deflate_dist_symbol (tokens[i].dist)]++;
        }
    }
}

void
_sf_deflate_bits_put (SfDeflateBits *bits,
                      guint32        value,
                      guint          n_bits)
{
  bits->acc |= (guint64) value << bits->n_bits;
  bits->n_bits += n_bits;
  while (bits->n_bits >= 8)
    {
      guint8 byte = bits->acc & 0xFF;

      g_byte_array_append (bits->out, &byte, 1);
      bits->acc >>= 8;
      bits->n_bits -= 8;
    }
}

void
_sf_deflate_bits_align (SfDeflateBits *bits)
{
  if (bits->n_bits % 8 != 0)
    _sf_deflate_bits_put (bits, 0, 8 - bits->n_bits % 8);
}

/* Bits the tokens of @histo take under code lengths @litlen and @dist,
 * the end-of-block code included. */
static guint64
data_bits (const SfDeflateHisto *histo,
           const guint8         *litlen,
           const guint8         *dist)
{
  guint64 total = litlen[SF_DEFLATE_END_BLOCK];

  for (guint s = 0; s < SF_DEFLATE_NUM_LITLEN; s++)
    total += (guint64) histo->litlen[s] * (litlen[s] + _sf_deflate_symbol_extra (s));
  for (guint s = 0; s < SF_DEFLATE_NUM_DIST; s++)
    total += (guint64) histo->dist[s] * (dist[s] + _sf_deflate_dist_symbol_extra (s));
  return total;
}

static void
fixed_lengths (guint8 *litlen,
               guint8 *dist)
{
  for (guint s = 0; s < MAX_SYMBOLS; s++)
    litlen[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
  memset (dist, 5, SF_DEFLATE_NUM_DIST);
}

/* Run-length codes for @seq chosen by a shortest path under @cost (bits of
 * each code-length symbol, extra bits not included). */
static void
rle_encode (const guint8 *seq,
            guint         n,
            const guint   cost[NUM_CL],
            DynamicCode  *dc)
{
  guint best[MAX_SEQ + 1];
  guint8 step[MAX_SEQ];
  guint8 sym[MAX_SEQ];
  guint zeros = 0, same = 0;

  best[n] = 0;
  for (guint i = n; i-- > 0;)
    {
      /* Lengths from i on equal to the one before i, and zeros from i on,
       * as far as one code can cover. */
      same = i > 0 && seq[i] == seq[i - 1] ? MIN (same + 1, 6) : 0;
      zeros = seq[i] == 0 ? MIN (zeros + 1, 138) : 0;

      best[i] = cost[seq[i]] + best[i + 1];
      step[i] = 1;
      sym[i] = seq[i];

      /* 16 repeats the previous length 3-6 times. */
      for (guint k = 3; k <= same; k++)
        if (cost[16] + 2 + best[i + k] < best[i])
          {
            best[i] = cost[16] + 2 + best[i + k];
            step[i] = k;
            sym[i] = 16;
          }

      /* 17 and 18 send 3-10 and 11-138 zeros. An 18 costs the same
       * whatever its count, so only the longest few are worth trying: a
       * shorter one just leaves more zeros to send. */
      for (guint k = 3; k <= zeros; k = k == 10 ? MAX (11, zeros - 8) : k + 1)
        {
          guint s = k <= 10 ? 17 : 18;
          guint c = cost[s] + (s == 17 ? 3 : 7) + best[i + k];

          if (c < best[i])
            {
              best[i] = c;
              step[i] = k;
              sym[i] = s;
            }
        }
    }

  dc->n_rle = 0;
  for (guint i = 0; i < n; i += step[i])
    {
      guint k = dc->n_rle++;

      dc->rle_sym[k] = sym[i];
      dc->rle_extra[k] = sym[i] == 18 ? step[i] - 11 : sym[i] >= 16 ? step[i] - 3 : 0;
    }
}

/* Builds the code-length code for the run-length codes in @dc and returns
 * the header size it gives. */
static guint64
finish_header (DynamicCode *dc)
{
  guint32 freqs[NUM_CL] = { 0 };
  guint64 bits;

  for (guint i = 0; i < dc->n_rle; i++)
    freqs[dc->rle_sym[i]]++;
  _sf_deflate_code_lengths (freqs, NUM_CL, MAX_CL_BITS, dc->cl);

  dc->hclen = NUM_CL;
  while (dc->hclen > 4 && dc->cl[cl_order[dc->hclen - 1]] == 0)
    dc->hclen--;

  bits = 5 + 5 + 4 + 3 * dc->hclen;
  for (guint s = 0; s < NUM_CL; s++)
    bits += (guint64) freqs[s] * dc->cl[s];
  bits += (guint64) freqs[16] * 2 + (guint64) freqs[17] * 3 + (guint64) freqs[18] * 7;
  return bits;
}

/* Chooses the run-length codes that describe the lengths in @dc. */
static void
encode_header (DynamicCode *dc,
               guint        rounds)
{
  guint8 seq[MAX_SEQ];
  guint cost[NUM_CL];
  guint n;

  dc->hlit = SF_DEFLATE_NUM_LITLEN;
  while (dc->hlit > 257 && dc->litlen[dc->hlit - 1] == 0)
    dc->hlit--;
  dc->hdist = SF_DEFLATE_NUM_DIST;
  while (dc->hdist > 1 && dc->dist[dc->hdist - 1] == 0)
    dc->hdist--;

  /* Repeat codes may run from the literal/length lengths on into the
   * distance lengths: the header is one sequence. */
  memcpy (seq, dc->litlen, dc->hlit);
  memcpy (seq + dc->hlit, dc->dist, dc->hdist);
  n = dc->hlit + dc->hdist;

  /* Which runs are worth a repeat code depends on the code-length code,
   * which depends on the runs: start from flat costs and let the two
   * settle, keeping the smallest header seen. */
  for (guint s = 0; s < NUM_CL; s++)
    cost[s] = 5;
  dc->header_bits = G_MAXUINT64;
  for (guint round = 0; round < rounds; round++)
    {
      DynamicCode trial;
      guint64 bits;

      rle_encode (seq, n, cost, &trial);
      bits = finish_header (&trial);
      if (bits < dc->header_bits)
        {
          memcpy (dc->cl, trial.cl, sizeof dc->cl);
          memcpy (dc->rle_sym, trial.rle_sym, trial.n_rle);
          memcpy (dc->rle_extra, trial.rle_extra, trial.n_rle);
          dc->n_rle = trial.n_rle;
          dc->hclen = trial.hclen;
          dc->header_bits = bits;
        }
      for (guint s = 0; s < NUM_CL; s++)
        cost[s] = trial.cl[s] != 0 ? trial.cl[s] : MAX_CL_BITS + 1;
    }
}

static void
build_dynamic (const SfDeflateHisto *histo,
               guint                 rounds,
               DynamicCode          *dc)
{
  guint32 litlen[SF_DEFLATE_NUM_LITLEN];

  memcpy (litlen, histo->litlen, sizeof litlen);
  litlen[SF_DEFLATE_END_BLOCK] = 1;
  _sf_deflate_code_lengths (litlen, SF_DEFLATE_NUM_LITLEN, MAX_BITS, dc->litlen);
  _sf_deflate_code_lengths (histo->dist, SF_DEFLATE_NUM_DIST, MAX_BITS, dc->dist);
  encode_header (dc, rounds);
}

static guint64
dynamic_bits (const SfDeflateHisto *histo,
              guint                 rounds)
{
  DynamicCode dc;

  build_dynamic (histo, rounds, &dc);
  return 3 + dc.header_bits + data_bits (histo, dc.litlen, dc.dist);
}

static guint64
fixed_bits (const SfDeflateHisto *histo)
{
  guint8 litlen[MAX_SYMBOLS], dist[SF_DEFLATE_NUM_DIST];

  fixed_lengths (litlen, dist);
  return 3 + data_bits (histo, litlen, dist);
}

static guint64
stored_bits (gsize raw_length,
             guint bit_pos)
{
  guint64 bits = 0;

  /* Each stored block is a 3-bit header, padding to a byte, LEN and NLEN. */
  do
    {
      gsize n = MIN (raw_length, MAX_STORED);

      bits += 3;
      bits += (8 - (bit_pos + bits) % 8) % 8;
      bits += 32 + 8 * (guint64) n;
      raw_length -= n;
    }
  while (raw_length > 0);
  return bits;
}

guint64
_sf_deflate_block_bits (const SfDeflateHisto *histo,
                        gsize                 raw_length,
                        guint                 bit_pos,
                        guint                 header_rounds)
{
  guint64 best = dynamic_bits (histo, header_rounds);

  best = MIN (best, fixed_bits (histo));
  return MIN (best, stored_bits (raw_length, bit_pos));
}

static void
write_tokens (SfDeflateBits        *bits,
              const SfDeflateToken *tokens,
              gsize                 n_tokens,
              const guint8         *litlen_len,
              guint                 n_litlen,
              const guint8         *dist_len)
{
  guint16 litlen_code[MAX_SYMBOLS], dist_code[SF_DEFLATE_NUM_DIST];

  _sf_deflate_canonical_codes (litlen_len, n_litlen, litlen_code);
  _sf_deflate_canonical_codes (dist_len, SF_DEFLATE_NUM_DIST, dist_code);

  for (gsize i = 0; i < n_tokens; i++)
    {
      guint len = tokens[i].len, dist = tokens[i].dist, sym, extra;

      if (dist == 0)
        {
          _sf_deflate_bits_put (bits, litlen_code[len], litlen_len[len]);
          continue;
        }
      sym = _sf_deflate_len_symbol (len);
      _sf_deflate_bits_put (bits, litlen_code[sym], litlen_len[sym]);
      extra = _sf_deflate_len_extra (len);
      if (extra != 0)
        _sf_deflate_bits_put (bits, (len - 3) & ((1u << extra) - 1), extra);

      sym = _sf_deflate_dist_symbol (dist);
      _sf_deflate_bits_put (bits, dist_code[sym], dist_len[sym]);
      extra = _sf_deflate_dist_extra (dist);
      if (extra != 0)
        _sf_deflate_bits_put (bits, (dist - 1) & ((1u << extra) - 1), extra);
    }
  _sf_deflate_bits_put (bits, litlen_code[SF_DEFLATE_END_BLOCK],
                        litlen_len[SF_DEFLATE_END_BLOCK]);
}

static void
write_stored (SfDeflateBits *bits,
              const guint8  *raw,
              gsize          raw_length,
              gboolean       final)
{
  do
    {
      gsize n = MIN (raw_length, MAX_STORED);
      gboolean last = final && n == raw_length;

      _sf_deflate_bits_put (bits, last | BTYPE_STORED << 1, 3);
      _sf_deflate_bits_align (bits);
      _sf_deflate_bits_put (bits, n, 16);
      _sf_deflate_bits_put (bits, n ^ 0xFFFF, 16);
      g_byte_array_append (bits->out, raw, n);
      raw += n;
      raw_length -= n;
    }
  while (raw_length > 0);
}

static void
write_dynamic_header (SfDeflateBits     *bits,
                      const DynamicCode *dc)
{
  guint16 cl_code[NUM_CL];

  _sf_deflate_bits_put (bits, dc->hlit - 257, 5);
  _sf_deflate_bits_put (bits, dc->hdist - 1, 5);
  _sf_deflate_bits_put (bits, dc->hclen - 4, 4);
  for (guint i = 0; i < dc->hclen; i++)
    _sf_deflate_bits_put (bits, dc->cl[cl_order[i]], 3);

  _sf_deflate_canonical_codes (dc->cl, NUM_CL, cl_code);
  for (guint i = 0; i < dc->n_rle; i++)
    {
      guint s = dc->rle_sym[i];

      _sf_deflate_bits_put (bits, cl_code[s], dc->cl[s]);
      if (s >= 16)
        _sf_deflate_bits_put (bits, dc->rle_extra[i], s == 16 ? 2 : s == 17 ? 3 : 7);
    }
}

void
_sf_deflate_write_block (SfDeflateBits        *bits,
                         const SfDeflateToken *tokens,
                         gsize                 n_tokens,
                         const guint8         *raw,
                         gsize                 raw_length,
                         gboolean              final)
{
  SfDeflateHisto histo = { { 0 } };
  DynamicCode dc;
  guint64 dynamic, fixed, stored;

  _sf_deflate_histo_add (&histo, tokens, n_tokens);
  build_dynamic (&histo, SF_DEFLATE_HEADER_ROUNDS, &dc);
  dynamic = 3 + dc.header_bits + data_bits (&histo, dc.litlen, dc.dist);
  fixed = fixed_bits (&histo);
  stored = stored_bits (raw_length, bits->n_bits);

  if (stored < dynamic && stored < fixed)
    {
      write_stored (bits, raw, raw_length, final);
    }
  else if (fixed <= dynamic)
    {
      guint8 litlen[MAX_SYMBOLS], dist[SF_DEFLATE_NUM_DIST];

      fixed_lengths (litlen, dist);
      _sf_deflate_bits_put (bits, final | BTYPE_FIXED << 1, 3);
      write_tokens (bits, tokens, n_tokens, litlen, MAX_SYMBOLS, dist);
    }
  else
    {
      _sf_deflate_bits_put (bits, final | BTYPE_DYNAMIC << 1, 3);
      write_dynamic_header (bits, &dc);
      write_tokens (bits, tokens, n_tokens, dc.litlen, SF_DEFLATE_NUM_LITLEN, dc.dist);
    }
}
