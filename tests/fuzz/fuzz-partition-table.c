/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The partition table parsers against any bytes: a sector read from a
 * board (binary) or a partitions.csv a user picked.
 *
 * Input: one option byte, then the table. Bit 0 picks the binary parser
 * or the CSV one, bit 1 the content-sniffing sf_partition_table_parse()
 * instead; bits 2-3 the table offset the CSV's placement starts from;
 * bits 4-7 the partition marked active in the formatted text. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-partition-table.h"

static const guint32 table_offsets[] = { 0x8000, 0x9000, 0x10000, 0xFFFFF000 };

static void
assert_same_partitions (SfPartitionTable *a,
                        SfPartitionTable *b)
{
  g_assert_cmpuint (sf_partition_table_get_n_partitions (a), ==, sf_partition_table_get_n_partitions (b));
  for (guint i = 0; i < sf_partition_table_get_n_partitions (a); i++)
    {
      const SfPartition *pa = sf_partition_table_get_partition (a, i);
      const SfPartition *pb = sf_partition_table_get_partition (b, i);

      g_assert_cmpstr (pa->name, ==, pb->name);
      g_assert_cmpuint (pa->type, ==, pb->type);
      g_assert_cmpuint (pa->subtype, ==, pb->subtype);
      g_assert_cmphex (pa->offset, ==, pb->offset);
      g_assert_cmphex (pa->size, ==, pb->size);
      g_assert_cmphex (pa->flags, ==, pb->flags);
    }
}

/* What gen_esp32part.py guarantees of a table read from a CSV. */
static void
assert_csv_rules (SfPartitionTable *t,
                  guint32           table_offset)
{
  guint64 end = (guint64) table_offset + 0x1000;

  g_assert_cmpuint (sf_partition_table_get_n_partitions (t), <=, 95);
  for (guint i = 0; i < sf_partition_table_get_n_partitions (t); i++)
    {
      const SfPartition *p = sf_partition_table_get_partition (t, i);

      g_assert_cmpuint (strlen (p->name), >, 0);
      g_assert_cmpuint (p->offset, >=, end);
      g_assert_cmpuint (p->size, >, 0);
      g_assert_cmpuint ((guint64) p->offset + p->size, <=, (guint64) G_MAXUINT32 + 1);
      g_assert_cmpuint (p->offset % (p->type == SF_PARTITION_TYPE_APP ? 0x10000 : 0x1000), ==, 0);
      g_assert_cmpuint (p->flags & ~(SF_PARTITION_FLAG_ENCRYPTED | SF_PARTITION_FLAG_READONLY), ==, 0);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (sf_partition_table_get_partition (t, j)->name, !=, p->name);
      end = (guint64) p->offset + p->size;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  guint8 options = fuzz_input_byte (&in);
  gboolean csv = options & 1;
  gboolean sniff = options & 2;
  guint32 table_offset = table_offsets[(options >> 2) & 3];
  g_autofree guint8 *bytes = fuzz_input_copy_rest (&in);
  g_autoptr(GBytes) input = g_bytes_new (bytes, in.size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(SfPartitionTable) again = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autofree char *text = NULL;
  guint n;
  int active;
  guint lines = 0;

  if (sniff)
    t = sf_partition_table_parse (input, table_offset, &error);
  else if (csv)
    t = sf_partition_table_parse_csv ((const char *) bytes, in.size, table_offset, &error);
  else
    t = sf_partition_table_parse_binary (input, &error);
  if (t == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == SF_PARTITION_TABLE_ERROR);
      g_assert_cmpint (error->code, >=, SF_PARTITION_TABLE_ERROR_NOT_FOUND);
      g_assert_cmpint (error->code, <=, SF_PARTITION_TABLE_ERROR_CHECKSUM);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (strlen (error->message), >, 0);
      /* Only the binary parser sees checksums or finds no table. */
      if (csv && !sniff)
        g_assert_cmpint (error->code, ==, SF_PARTITION_TABLE_ERROR_INVALID);
      return 0;
    }
  g_assert_no_error (error);

  n = sf_partition_table_get_n_partitions (t);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, <=, SF_PARTITION_TABLE_MAX_LENGTH / 32);
  if (csv && !sniff)
    assert_csv_rules (t, table_offset);

  /* Written as binary, it reads back the same. */
  written = sf_partition_table_to_binary (t);
  g_assert_cmpuint (g_bytes_get_size (written), ==, SF_PARTITION_TABLE_MAX_LENGTH);
  again = sf_partition_table_parse_binary (written, &error);
  g_assert_no_error (error);
  assert_same_partitions (t, again);

  /* The text never fails: a header and a line per partition, UTF-8. */
  active = (int) (options >> 4) - 1;
  text = sf_partition_table_format (t, active);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *c = text; *c != '\0'; c++)
    lines += *c == '\n';
  g_assert_cmpuint (lines, ==, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const SfPartition *p = sf_partition_table_get_partition (t, i);
      const SfPartition *found = sf_partition_table_find (t, p->name);
      const SfPartition *at;
      g_autofree char *shown = sf_partition_get_display_name (p);
      g_autofree char *type = sf_partition_type_name (p->type);
      g_autofree char *subtype = sf_partition_subtype_name (p->type, p->subtype);

      /* The first partition of that name: binary tables may repeat one. */
      g_assert_nonnull (found);
      g_assert_cmpstr (found->name, ==, p->name);
      g_assert_true (found <= p);
      g_assert_cmpuint (strlen (shown), ==, strlen (p->name));
      g_assert_true (g_utf8_validate (shown, -1, NULL));
      g_assert_cmpuint (strlen (type), >, 0);
      g_assert_cmpuint (strlen (subtype), >, 0);
      g_assert_nonnull (sf_partition_table_find_type (t, p->type, p->subtype));
      if (p->size > 0)
        {
          at = sf_partition_table_find_at (t, p->offset);
          g_assert_nonnull (at);
          g_assert_cmpuint (at->offset, <=, p->offset);
        }
    }
  return 0;
}
