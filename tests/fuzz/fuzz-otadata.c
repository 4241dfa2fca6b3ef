/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which app the bootloader starts, from any otadata bytes and any mix of
 * app partitions: what `partition_table` marks "active".
 *
 * Input: one byte for the number of partitions (1 to 16), two bytes per
 * partition (the type: app, data or a custom one; and the subtype), one
 * option byte (bit 0: give both select entries a CRC that matches their
 * sequence number, so that the fuzzer reaches the valid entries without
 * having to find CRC-32 collisions), then the otadata partition. */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "fuzz-common.h"
#include "sf-partition-table.h"

static void
put_le32 (guint8  *at,
          guint32  v)
{
  for (guint i = 0; i < 4; i++)
    at[i] = (v >> (8 * i)) & 0xFF;
}

static SfPartitionTable *
make_table (FuzzInput *in)
{
  guint n = 1 + fuzz_input_byte (in) % 16;
  g_autofree guint8 *table = g_malloc (n * 32);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SfPartitionTable *t;

  for (guint i = 0; i < n; i++)
    {
      guint8 *e = table + i * 32;
      guint8 type = fuzz_input_byte (in);
      guint8 subtype = fuzz_input_byte (in);

      memset (e, 0, 32);
      e[0] = 0xAA;
      e[1] = 0x50;
      e[2] = type % 3 == 2 ? 0x40 : type % 3;
      /* App subtypes are mostly the ones that matter: factory, ota_N, test. */
      e[3] = e[2] == SF_PARTITION_TYPE_APP && subtype < 0xF0 ? subtype % 0x22 : subtype;
      put_le32 (e + 4, 0x10000 * (i + 1));
      put_le32 (e + 8, 0x10000);
      g_snprintf ((char *) e + 12, 16, "p%u", i);
    }
  bytes = g_bytes_new (table, n * 32);
  t = sf_partition_table_parse_binary (bytes, &error);
  g_assert_no_error (error);
  return t;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  g_autoptr(SfPartitionTable) t = make_table (&in);
  gboolean fix_crc = fuzz_input_byte (&in) & 1;
  g_autofree guint8 *otadata = fuzz_input_copy_rest (&in);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const SfPartition *factory;
  int index = -2;

  if (fix_crc)
    for (gsize at = 0; at + 32 <= in.size && at <= 0x1000; at += 0x1000)
      put_le32 (otadata + at + 28, (guint32) crc32 (0xFFFFFFFFul, otadata + at, 4));

  bytes = g_bytes_new (otadata, in.size);
  if (!sf_otadata_get_boot_partition (bytes, t, &index, &error))
    {
      g_assert_cmpuint (in.size, <, 32);
      g_assert_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (in.size, >=, 32);

  g_assert_cmpint (index, >=, -1);
  g_assert_cmpint (index, <, (int) sf_partition_table_get_n_partitions (t));
  if (index >= 0)
    {
      const SfPartition *p = sf_partition_table_get_partition (t, index);

      g_assert_cmpuint (p->type, ==, SF_PARTITION_TYPE_APP);
      g_assert_true (p->subtype == SF_PARTITION_SUBTYPE_APP_FACTORY
                     || (p->subtype >= SF_PARTITION_SUBTYPE_APP_OTA_0 && p->subtype < SF_PARTITION_SUBTYPE_APP_OTA_0 + 16));
    }

  /* Without OTA slots, the otadata does not matter: the factory app. */
  factory = sf_partition_table_find_type (t, SF_PARTITION_TYPE_APP, SF_PARTITION_SUBTYPE_APP_FACTORY);
  if (sf_partition_table_get_n_ota_slots (t) == 0)
    {
      if (factory == NULL)
        g_assert_cmpint (index, ==, -1);
      else
        {
          g_assert_cmpint (index, >=, 0);
          g_assert_true (sf_partition_table_get_partition (t, index) == factory);
        }
    }
  return 0;
}
