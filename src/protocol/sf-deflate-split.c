/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-deflate"

#include "config.h"

#include <string.h>

#include "sf-deflate-private.h"

#define NUM_SYMBOLS (SF_DEFLATE_NUM_LITLEN + SF_DEFLATE_NUM_DIST)
/* Tokens between the places a split may first go; refining moves them. */
#define GRAIN       128
/* The longest block the first pass considers, in grains; longer ones come
 * from merging neighbours afterwards, which the exact sizes judge better. */
#define MAX_SPAN    32
#define NO_DIST     0xFF
/* Refining tries many boundaries: a header that is not quite the smallest
 * is close enough there. */
#define HEADER_ROUNDS 1

typedef struct
{
  const SfDeflateToken *tokens;
  gsize     n_tokens;
  guint16  *litlen;    /* symbol of each token */
  guint8   *dist;      /* distance symbol or NO_DIST */
  guint32  *pos;       /* input offset of each token, and of the end */
  guint32  *prefix;    /* symbol counts before each grain */
  guint64  *extra;     /* extra bits before each grain */
  float    *xlogx;     /* x log2 x for counts up to a span's tokens */
  gsize     n_grains;
  /* The symbols in each grain and their counts, so that a block can grow
   * a grain at a time at the cost of what the grain holds. */
  guint32  *grain_start;
  guint16  *grain_symbol;
  guint16  *grain_count;
} Splitter;

static void
splitter_init (Splitter             *sp,
               const SfDeflateToken *tokens,
               gsize                 n_tokens)
{
  guint32 counts[NUM_SYMBOLS] = { 0 };
  guint64 extra = 0;
  gsize max_count = MIN (n_tokens, (gsize) GRAIN * MAX_SPAN) + 1;

  sp->tokens = tokens;
  sp->n_tokens = n_tokens;
  sp->n_grains = (n_tokens + GRAIN - 1) / GRAIN;
  sp->litlen = g_new (guint16, n_tokens);
  sp->dist = g_new (guint8, n_tokens);
  sp->pos = g_new (guint32, n_tokens + 1);
  sp->prefix = g_new (guint32, (sp->n_grains + 1) * NUM_SYMBOLS);
  sp->extra = g_new (guint64, sp->n_grains + 1);
  sp->xlogx = g_new (float, max_count + 1);

  sp->pos[0] = 0;
  for (gsize i = 0; i < n_tokens; i++)
    {
      const SfDeflateToken *t = &tokens[i];

      if (i % GRAIN == 0)
        {
          memcpy (sp->prefix + i / GRAIN * NUM_SYMBOLS, counts, sizeof counts);
          sp->extra[i / GRAIN] = extra;
        }
      if (t->dist == 0)
        {
          sp->litlen[i] = t->len;
          sp->dist[i] = NO_DIST;
          sp->pos[i + 1] = sp->pos[i] + 1;
        }
      else
        {
          sp->litlen[i] = _sf_deflate_len_symbol (t->len);
          sp->dist[i] = _sf_deflate_dist_symbol (t->dist);
          sp->pos[i + 1] = sp->pos[i] + t->len;
          extra += _sf_deflate_len_extra (t->len) + _sf_deflate_dist_extra (t->dist);
          counts[SF_DEFLATE_NUM_LITLEN + sp->dist[i]]++;
        }
      counts[sp->litlen[i]]++;
    }
  memcpy (sp->prefix + sp->n_grains * NUM_SYMBOLS, counts, sizeof counts);
  sp->extra[sp->n_grains] = extra;

  sp->xlogx[0] = 0;
  for (gsize x = 1; x <= max_count; x++)
    sp->xlogx[x] = x * (_sf_deflate_log2 (x) / 65536.0);

  sp->grain_start = g_new (guint32, sp->n_grains + 1);
  sp->grain_symbol = g_new (guint16, MIN (n_tokens * 2, sp->n_grains * NUM_SYMBOLS));
  sp->grain_count = g_new (guint16, MIN (n_tokens * 2, sp->n_grains * NUM_SYMBOLS));
  sp->grain_start[0] = 0;
  for (gsize g = 0, k = 0; g < sp->n_grains; g++)
    {
      const guint32 *before = sp->prefix + g * NUM_SYMBOLS;

      for (guint sym = 0; sym < NUM_SYMBOLS; sym++)
        if (before[NUM_SYMBOLS + sym] != before[sym])
          {
            sp->grain_symbol[k] = sym;
            sp->grain_count[k++] = before[NUM_SYMBOLS + sym] - before[sym];
          }
      sp->grain_start[g + 1] = k;
    }
}

static void
splitter_clear (Splitter *sp)
{
  g_free (sp->litlen);
  g_free (sp->dist);
  g_free (sp->pos);
  g_free (sp->prefix);
  g_free (sp->extra);
  g_free (sp->xlogx);
  g_free (sp->grain_start);
  g_free (sp->grain_symbol);
  g_free (sp->grain_count);
}

/* Symbol counts of tokens [@a, @b), from the grain sums around them. */
static void
range_histo (const Splitter *sp,
             gsize           a,
             gsize           b,
             SfDeflateHisto *histo)
{
  const guint32 *pa = sp->prefix + a / GRAIN * NUM_SYMBOLS;
  const guint32 *pb = sp->prefix + b / GRAIN * NUM_SYMBOLS;

  for (guint s = 0; s < SF_DEFLATE_NUM_LITLEN; s++)
    histo->litlen[s] = pb[s] - pa[s];
  for (guint s = 0; s < SF_DEFLATE_NUM_DIST; s++)
    histo->dist[s] = pb[SF_DEFLATE_NUM_LITLEN + s] - pa[SF_DEFLATE_NUM_LITLEN + s];

  for (gsize i = a / GRAIN * GRAIN; i < a; i++)
    {
      histo->litlen[sp->litlen[i]]--;
      if (sp->dist[i] != NO_DIST)
        histo->dist[sp->dist[i]]--;
    }
  for (gsize i = b / GRAIN * GRAIN; i < b; i++)
    {
      histo->litlen[sp->litlen[i]]++;
      if (sp->dist[i] != NO_DIST)
        histo->dist[sp->dist[i]]++;
    }
}

static guint64
exact (const Splitter *sp,
       gsize           a,
       gsize           b)
{
  SfDeflateHisto histo;

  range_histo (sp, a, b, &histo);
  return _sf_deflate_block_bits (&histo, sp->pos[b] - sp->pos[a], 0, HEADER_ROUNDS);
}

/* Splits by a shortest path over grain boundaries. A block's estimated
 * size is the entropy of its symbols, their extra bits, and a header that
 * grows with the number of symbols it must give a length; blocks from one
 * start are grown a grain at a time, updating the entropy as they go. */
static void
split_grains (const Splitter *sp,
              GArray         *bounds)
{
  gsize m = sp->n_grains;
  g_autofree double *best = g_new (double, m + 1);
  g_autofree gsize *from = g_new (gsize, m + 1);
  guint32 counts[NUM_SYMBOLS];
  gsize n_bounds = 0;

  best[0] = 0;
  for (gsize j = 1; j <= m; j++)
    best[j] = G_MAXDOUBLE;

  for (gsize i = 0; i < m; i++)
    {
      /* Sums of x log2 x over the symbol counts, and the totals. */
      double lit_sum = 0, dist_sum = 0;
      guint32 lit_total = 1, dist_total = 0;
      guint used = 0;

      memset (counts, 0, sizeof counts);
      for (gsize j = i + 1; j <= MIN (m, i + MAX_SPAN); j++)
        {
          double bits;

          for (guint32 k = sp->grain_start[j - 1]; k < sp->grain_start[j]; k++)
            {
              guint sym = sp->grain_symbol[k];
              guint32 old = counts[sym], new = old + sp->grain_count[k];

              counts[sym] = new;
              used += old == 0;
              if (sym < SF_DEFLATE_NUM_LITLEN)
                {
                  lit_sum += sp->xlogx[new] - sp->xlogx[old];
                  lit_total += new - old;
                }
              else
                {
                  dist_sum += sp->xlogx[new] - sp->xlogx[old];
                  dist_total += new - old;
                }
            }
          bits = sp->xlogx[lit_total] - lit_sum + sp->xlogx[dist_total] - dist_sum
                 + (sp->extra[j] - sp->extra[i]) + 40 + 4 * used;
          if (best[i] + bits < best[j])
            {
              best[j] = best[i] + bits;
              from[j] = i;
            }
        }
    }

  for (gsize j = m; j > 0; j = from[j])
    n_bounds++;
  g_array_set_size (bounds, n_bounds + 1);
  for (gsize j = m, k = n_bounds; ; j = from[j])
    {
      g_array_index (bounds, gsize, k) = MIN (j * GRAIN, sp->n_tokens);
      if (k-- == 0)
        break;
    }
}

/* Moves the boundary between blocks [@a, @b) and [@b, @c) to where the two
 * cost least, first on a coarse comb and then token by token. */
static gsize
refine (const Splitter *sp,
        gsize           a,
        gsize           b,
        gsize           c)
{
  gsize lo = MAX (a + 1, b > GRAIN ? b - GRAIN : 0);
  gsize hi = MIN (c - 1, b + GRAIN);
  gsize best_at = b;
  guint64 best = exact (sp, a, b) + exact (sp, b, c);

  for (guint step = GRAIN / 8; step > 0; step /= 4)
    {
      for (gsize x = lo; x <= hi; x += step)
        {
          guint64 bits = exact (sp, a, x) + exact (sp, x, c);

          if (bits < best)
            {
              best = bits;
              best_at = x;
            }
        }
      lo = MAX (lo, best_at > step ? best_at - step : 0);
      hi = MIN (hi, best_at + step);
    }
  return best_at;
}

void
_sf_deflate_split (const SfDeflateToken *tokens,
                   gsize                 n_tokens,
                   GArray               *bounds)
{
  Splitter sp;

  if (n_tokens == 0)
    {
      g_array_set_size (bounds, 2);
      g_array_index (bounds, gsize, 0) = 0;
      g_array_index (bounds, gsize, 1) = 0;
      return;
    }

  splitter_init (&sp, tokens, n_tokens);
  split_grains (&sp, bounds);

  for (guint k = 1; k + 1 < bounds->len; k++)
    {
      gsize *b = &g_array_index (bounds, gsize, 0);

      /* Drop the boundary if one block is cheaper than two. */
      if (exact (&sp, b[k - 1], b[k + 1])
          <= exact (&sp, b[k - 1], b[k]) + exact (&sp, b[k], b[k + 1]))
        {
          g_array_remove_index (bounds, k);
          k--;
          continue;
        }
      b[k] = refine (&sp, b[k - 1], b[k], b[k + 1]);
    }
  splitter_clear (&sp);
}
