/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-deflate"

#include "config.h"

#include <string.h>

#include "sf-deflate-private.h"

/* LZ77 for deflate: the match finder, and the parser that picks the
 * cheapest sequence of literals and matches under a model of the costs. */

#define MAX_HASH_BITS 16

/* Hash chains: head[] holds the latest position (+ 1, 0 for none) of each
 * hash of three bytes, prev[] the one before it for each position of the
 * window. The chain therefore runs from the closest candidate outwards,
 * which is what makes the first match found of each length the closest. */
struct _SfDeflateMatcher
{
  const guint8 *data;
  gsize         length;
  guint         max_chain;
  gsize         next;        /* next position to enter in the chains */
  gsize         skip_until;  /* positions a maximal match covers */
  guint         hash_shift;
  gsize        *head;
  gsize        *prev;
  gsize         window_mask;
};

SfDeflateMatcher *
_sf_deflate_matcher_new (const guint8 *data,
                         gsize         length,
                         guint         max_chain)
{
  SfDeflateMatcher *self = g_new (SfDeflateMatcher, 1);
  /* Small inputs get tables to their size, which matters when there are
   * many of them: a window no larger than the input, twice as many hash
   * chains as window positions. */
  guint window_bits = g_bit_storage (MIN (MAX (length, 2) - 1, SF_DEFLATE_WINDOW - 1));
  guint hash_bits = CLAMP (window_bits + 1, 8, MAX_HASH_BITS);

  *self = (SfDeflateMatcher) {
    .data = data,
    .length = length,
    .max_chain = max_chain,
    .hash_shift = 32 - hash_bits,
    .head = g_new0 (gsize, 1u << hash_bits),
    .prev = g_new0 (gsize, 1u << window_bits),
    .window_mask = (1u << window_bits) - 1,
  };
  return self;
}

void
_sf_deflate_matcher_free (SfDeflateMatcher *self)
{
  g_free (self->head);
  g_free (self->prev);
  g_free (self);
}

static inline guint
hash3 (const SfDeflateMatcher *self,
       const guint8           *p)
{
  guint32 v = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16;

  return (v * 2654435761u) >> self->hash_shift;
}

static void
insert (SfDeflateMatcher *self,
        gsize             pos)
{
  guint h;

  if (pos + SF_DEFLATE_MIN_MATCH > self->length)
    return;
  h = hash3 (self, self->data + pos);
  self->prev[pos & self->window_mask] = self->head[h];
  self->head[h] = pos + 1;
}

/* Length of the common prefix of @a and @b, at most @limit. */
static inline guint
common_length (const guint8 *a,
               const guint8 *b,
               guint         limit)
{
  guint n = 0;

  while (n + 8 <= limit)
    {
      guint64 x, y;

      memcpy (&x, a + n, 8);
      memcpy (&y, b + n, 8);
      if (x != y)
        {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
          return n + __builtin_ctzll (x ^ y) / 8;
#else
          break;
#endif
        }
      n += 8;
    }
  while (n < limit && a[n] == b[n])
    n++;
  return n;
}

gsize
_sf_deflate_matcher_skipped (SfDeflateMatcher *self)
{
  return self->skip_until;
}

guint
_sf_deflate_matcher_find (SfDeflateMatcher *self,
                          gsize             pos,
                          SfDeflateToken   *out)
{
  const guint8 *here = self->data + pos;
  guint limit, best = SF_DEFLATE_MIN_MATCH - 1, n = 0, chain = self->max_chain;
  gsize cand;

  while (self->next < pos)
    insert (self, self->next++);
  self->next = pos + 1;

  limit = MIN (SF_DEFLATE_MAX_MATCH, self->length - pos);
  if (pos < self->skip_until || limit < SF_DEFLATE_MIN_MATCH)
    {
      insert (self, pos);
      return 0;
    }

  cand = self->head[hash3 (self, here)];
  while (cand != 0 && chain-- > 0)
    {
      gsize c = cand - 1;
      gsize dist = pos - c;
      const guint8 *there = self->data + c;

      if (dist > SF_DEFLATE_WINDOW)
        break;
      if (there[best] == here[best] && there[0] == here[0])
        {
          guint len = common_length (there, here, limit);

          if (len > best)
            {
              /* Full: the longest is the one worth keeping. */
              if (n == SF_DEFLATE_MAX_MATCHES)
                n--;
              out[n].len = len;
              out[n].dist = dist;
              n++;
              best = len;
              if (len == limit)
                break;
            }
        }
      cand = self->prev[c & self->window_mask];
    }
  insert (self, pos);

  /* Inside a run as long as deflate allows, any other start is as good as
   * going on; not looking there keeps long runs linear. */
  if (best == SF_DEFLATE_MAX_MATCH)
    self->skip_until = pos + best;
  return n;
}

/* log2 (@x) in 1/65536 bits, for @x at least 1: the whole part is where
 * the top bit is; each bit of the fraction is whether squaring the
 * mantissa (kept in [1, 2) as a 31-bit fraction) reaches 2. Integer only,
 * so every platform prices symbols alike. */
guint32
_sf_deflate_log2 (guint64 x)
{
  guint n = 63 - __builtin_clzll (x);
  guint64 y = n >= 31 ? x >> (n - 31) : x << (31 - n);
  guint32 result = n << 16;

  for (guint32 bit = 1u << 15; bit != 0; bit >>= 1)
    {
      y = (y * y) >> 31;
      if (y >= G_GUINT64_CONSTANT (1) << 32)
        {
          y >>= 1;
          result |= bit;
        }
    }
  return result;
}

/* Fills the match length costs from the cost of each length symbol. */
static void
fill_lengths (SfDeflateCosts *costs,
              const guint32  *symbol_cost)
{
  for (guint len = SF_DEFLATE_MIN_MATCH; len <= SF_DEFLATE_MAX_MATCH; len++)
    costs->len[len] = symbol_cost[_sf_deflate_len_symbol (len)]
                      + _sf_deflate_len_extra (len) * SF_DEFLATE_COST_SCALE;
  costs->len[0] = costs->len[1] = costs->len[2] = 0;
}

void
_sf_deflate_costs_fixed (SfDeflateCosts *costs)
{
  guint32 cost[SF_DEFLATE_NUM_LITLEN];

  for (guint s = 0; s < SF_DEFLATE_NUM_LITLEN; s++)
    cost[s] = (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8) * SF_DEFLATE_COST_SCALE;
  memcpy (costs->lit, cost, sizeof costs->lit);
  fill_lengths (costs, cost);
  for (guint s = 0; s < SF_DEFLATE_NUM_DIST; s++)
    costs->dist[s] = (5 + _sf_deflate_dist_symbol_extra (s)) * SF_DEFLATE_COST_SCALE;
}

/* -log2 of each symbol's share. A symbol not seen is priced as if seen
 * once, so that the next parse may still try it where it pays. */
static void
entropy_costs (const guint32 *counts,
               guint          n,
               guint32       *cost)
{
  guint64 total = 1;
  guint32 log_total;

  for (guint s = 0; s < n; s++)
    total += counts[s];
  log_total = _sf_deflate_log2 (total);
  for (guint s = 0; s < n; s++)
    {
      guint32 bits = log_total - _sf_deflate_log2 (MAX (counts[s], 1));

      cost[s] = (bits * SF_DEFLATE_COST_SCALE + 32768) >> 16;
    }
}

void
_sf_deflate_costs_from_histo (SfDeflateCosts       *costs,
                              const SfDeflateHisto *histo)
{
  guint32 litlen[SF_DEFLATE_NUM_LITLEN], cost[SF_DEFLATE_NUM_LITLEN];
  guint32 dist_cost[SF_DEFLATE_NUM_DIST];

  memcpy (litlen, histo->litlen, sizeof litlen);
  litlen[SF_DEFLATE_END_BLOCK] = 1;
  entropy_costs (litlen, SF_DEFLATE_NUM_LITLEN, cost);
  entropy_costs (histo->dist, SF_DEFLATE_NUM_DIST, dist_cost);

  memcpy (costs->lit, cost, sizeof costs->lit);
  fill_lengths (costs, cost);
  for (guint s = 0; s < SF_DEFLATE_NUM_DIST; s++)
    costs->dist[s] = dist_cost[s] + _sf_deflate_dist_symbol_extra (s) * SF_DEFLATE_COST_SCALE;
}

typedef struct
{
  guint32        cost;   /* cheapest way found to get here */
  SfDeflateToken step;   /* the token it ends with */
} Node;

/* Shortest path over the positions: from each position one edge for the
 * literal and one per match length, the match of each length being the
 * closest one (cheapest in extra bits, if not always in code bits). */
void
_sf_deflate_parse (const guint8              *data,
                   const SfDeflateMatchTable *table,
                   gsize                      start,
                   gsize                      end,
                   const SfDeflateCosts      *costs,
                   GArray                    *scratch,
                   GArray                    *tokens)
{
  const guint32 *offsets = (const guint32 *) (gpointer) table->offsets->data;
  const SfDeflateToken *matches = (const SfDeflateToken *) (gpointer) table->matches->data;
  gsize n = end - start, n_tokens = 0, first = tokens->len;
  SfDeflateToken *out;
  Node *node;

  g_assert (start >= table->start && end - table->start < table->offsets->len);

  g_array_set_size (scratch, (n + 1) * sizeof (Node));
  node = (Node *) (gpointer) scratch->data;
  node[0].cost = 0;
  for (gsize i = 1; i <= n; i++)
    node[i].cost = G_MAXUINT32;

  for (gsize i = 0; i < n; i++)
    {
      gsize at = start + i - table->start;
      guint32 here = node[i].cost;
      guint32 lit = here + costs->lit[data[start + i]];
      guint done = SF_DEFLATE_MIN_MATCH - 1;
      gsize room = n - i;

      if (lit < node[i + 1].cost)
        {
          node[i + 1].cost = lit;
          node[i + 1].step.len = data[start + i];
          node[i + 1].step.dist = 0;
        }

      for (guint32 k = offsets[at]; k < offsets[at + 1] && done < room; k++)
        {
          guint dist = matches[k].dist;
          guint top = MIN (matches[k].len, room);
          guint32 base = here + costs->dist[_sf_deflate_dist_symbol (dist)];

          for (guint len = done + 1; len <= top; len++)
            {
              guint32 c = base + costs->len[len];

              if (c < node[i + len].cost)
                {
                  node[i + len].cost = c;
                  node[i + len].step.len = len;
                  node[i + len].step.dist = dist;
                }
            }
          done = top;
        }
    }

  for (gsize i = n; i > 0; n_tokens++)
    i -= node[i].step.dist == 0 ? 1 : node[i].step.len;
  g_array_set_size (tokens, first + n_tokens);
  out = &g_array_index (tokens, SfDeflateToken, first);
  for (gsize i = n, k = n_tokens; i > 0;)
    {
      out[--k] = node[i].step;
      i -= node[i].step.dist == 0 ? 1 : node[i].step.len;
    }
}
