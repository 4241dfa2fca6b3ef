/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-partition-table.h"

/* Tables are built here byte by byte from ESP-IDF's format, not with any
 * code from src/protocol, so a misreading there can't hide here. */

static void
put_le32 (GByteArray *a,
          guint32     v)
{
  guint8 b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };

  g_byte_array_append (a, b, 4);
}

static void
append_entry (GByteArray *a,
              guint8      type,
              guint8      subtype,
              guint32     offset,
              guint32     size,
              const char *label,
              guint32     flags)
{
  guint8 head[4] = { 0xAA, 0x50, type, subtype };
  guint8 name[16] = { 0 };

  memcpy (name, label, MIN (strlen (label), sizeof name));
  g_byte_array_append (a, head, 4);
  put_le32 (a, offset);
  put_le32 (a, size);
  g_byte_array_append (a, name, 16);
  put_le32 (a, flags);
}

static void
append_md5_and_pad (GByteArray *a,
                    gboolean    spoil)
{
  GChecksum *md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 digest[16];
  gsize len = sizeof digest;
  guint8 ff = 0xFF;
  guint8 eb[2] = { 0xEB, 0xEB };

  g_checksum_update (md5, a->data, a->len);
  g_checksum_get_digest (md5, digest, &len);
  g_checksum_free (md5);
  if (spoil)
    digest[3] ^= 1;
  g_byte_array_append (a, eb, 2);
  for (guint i = 0; i < 14; i++)
    g_byte_array_append (a, &ff, 1);
  g_byte_array_append (a, digest, 16);
  while (a->len < 0xC00)
    g_byte_array_append (a, &ff, 1);
}

/* ESP-IDF's two-OTA layout with the table at 0x8000, and a file system. */
static GByteArray *
two_ota_binary (void)
{
  GByteArray *a = g_byte_array_new ();

  append_entry (a, 0x01, 0x02, 0x9000, 0x4000, "nvs", 0);
  append_entry (a, 0x01, 0x00, 0xD000, 0x2000, "otadata", 0);
  append_entry (a, 0x01, 0x01, 0xF000, 0x1000, "phy_init", 0);
  append_entry (a, 0x00, 0x00, 0x10000, 0x100000, "factory", 0);
  append_entry (a, 0x00, 0x10, 0x110000, 0x100000, "ota_0", 0);
  append_entry (a, 0x00, 0x11, 0x210000, 0x100000, "ota_1", 0);
  append_entry (a, 0x01, 0x82, 0x310000, 0xF0000, "storage", 3);
  return a;
}

static GBytes *
bytes_of (GByteArray *a)
{
  return g_bytes_new (a->data, a->len);
}

static void
assert_partition (const SfPartition *p,
                  const char        *name,
                  guint8             type,
                  guint8             subtype,
                  guint32            offset,
                  guint32            size,
                  guint32            flags)
{
  g_assert_nonnull (p);
  g_assert_cmpstr (p->name, ==, name);
  g_assert_cmpuint (p->type, ==, type);
  g_assert_cmpuint (p->subtype, ==, subtype);
  g_assert_cmphex (p->offset, ==, offset);
  g_assert_cmphex (p->size, ==, size);
  g_assert_cmphex (p->flags, ==, flags);
}

static void
assert_two_ota (SfPartitionTable *t,
                guint32           storage_flags)
{
  g_assert_cmpuint (sf_partition_table_get_n_partitions (t), ==, 7);
  assert_partition (sf_partition_table_get_partition (t, 0), "nvs", 1, 2, 0x9000, 0x4000, 0);
  assert_partition (sf_partition_table_get_partition (t, 1), "otadata", 1, 0, 0xD000, 0x2000, 0);
  assert_partition (sf_partition_table_get_partition (t, 2), "phy_init", 1, 1, 0xF000, 0x1000, 0);
  assert_partition (sf_partition_table_get_partition (t, 3), "factory", 0, 0, 0x10000, 0x100000, 0);
  assert_partition (sf_partition_table_get_partition (t, 4), "ota_0", 0, 0x10, 0x110000, 0x100000, 0);
  assert_partition (sf_partition_table_get_partition (t, 5), "ota_1", 0, 0x11, 0x210000, 0x100000, 0);
  assert_partition (sf_partition_table_get_partition (t, 6), "storage", 1, 0x82, 0x310000, 0xF0000, storage_flags);
}

static void
test_binary_round_trip (void)
{
  g_autoptr(GByteArray) a = two_ota_binary ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(SfPartitionTable) again = NULL;
  g_autoptr(GError) error = NULL;

  append_md5_and_pad (a, FALSE);
  bytes = bytes_of (a);
  t = sf_partition_table_parse_binary (bytes, &error);
  g_assert_no_error (error);
  assert_two_ota (t, 3);

  /* Written back, byte for byte what ESP-IDF would write. */
  written = sf_partition_table_to_binary (t);
  g_assert_cmpuint (g_bytes_get_size (written), ==, 0xC00);
  g_assert_true (g_bytes_equal (written, bytes));

  again = sf_partition_table_parse_binary (written, &error);
  g_assert_no_error (error);
  assert_two_ota (again, 3);

  /* A sector read from a board is longer than the table: only 0xC00 count. */
  {
    g_autoptr(GByteArray) sector = two_ota_binary ();
    g_autoptr(GBytes) sector_bytes = NULL;
    g_autoptr(SfPartitionTable) from_sector = NULL;
    guint8 junk = 0x12;

    append_md5_and_pad (sector, FALSE);
    while (sector->len < 0x1000)
      g_byte_array_append (sector, &junk, 1);
    sector_bytes = bytes_of (sector);
    from_sector = sf_partition_table_parse_binary (sector_bytes, &error);
    g_assert_no_error (error);
    assert_two_ota (from_sector, 3);
  }
}

static void
test_binary_without_md5 (void)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *w;

  /* A label with bytes after its NUL: they are not part of the name. */
  append_entry (a, 0x00, 0x00, 0x10000, 0x100000, "app", 0);
  memcpy (a->data + 12 + 4, "junk", 4);
  bytes = bytes_of (a);   /* and no 0xFF after it: the end of the data */
  t = sf_partition_table_parse_binary (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sf_partition_table_get_n_partitions (t), ==, 1);
  g_assert_cmpstr (sf_partition_table_get_partition (t, 0)->name, ==, "app");

  written = sf_partition_table_to_binary (t);
  w = g_bytes_get_data (written, NULL);
  g_assert_cmpmem (w + 12, 16, "app\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  g_assert_cmphex (w[32], ==, 0xEB);
  g_assert_cmphex (w[33], ==, 0xEB);
  g_assert_cmphex (w[64], ==, 0xFF);
}

static void
assert_binary_error (GByteArray *a,
                     int         code,
                     const char *message)
{
  g_autoptr(GBytes) bytes = bytes_of (a);
  g_autoptr(GError) error = NULL;
  SfPartitionTable *t = sf_partition_table_parse_binary (bytes, &error);

  g_assert_null (t);
  g_assert_error (error, SF_PARTITION_TABLE_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_binary_errors (void)
{
  g_autoptr(GByteArray) erased = g_byte_array_new ();
  g_autoptr(GByteArray) other = g_byte_array_new ();
  g_autoptr(GByteArray) broken = g_byte_array_new ();
  g_autoptr(GByteArray) bad_md5 = two_ota_binary ();
  g_autoptr(GByteArray) md5_only = g_byte_array_new ();
  g_autoptr(GByteArray) cut = g_byte_array_new ();
  guint8 ff = 0xFF;
  guint8 e9[4] = { 0xE9, 0x03, 0x02, 0x20 };

  for (guint i = 0; i < 0x1000; i++)
    g_byte_array_append (erased, &ff, 1);
  assert_binary_error (erased, SF_PARTITION_TABLE_ERROR_NOT_FOUND,
                       "there is no partition table here: the flash is erased");
  g_byte_array_set_size (erased, 0);
  assert_binary_error (erased, SF_PARTITION_TABLE_ERROR_NOT_FOUND,
                       "there is no partition table here: the flash is erased");

  g_byte_array_append (other, e9, 4);
  for (guint i = 0; i < 60; i++)
    g_byte_array_append (other, &ff, 1);
  assert_binary_error (other, SF_PARTITION_TABLE_ERROR_NOT_FOUND,
                       "there is no partition table here: the first bytes are not a partition entry");

  append_entry (broken, 0x01, 0x02, 0x9000, 0x6000, "nvs", 0);
  g_byte_array_append (broken, e9, 4);
  for (guint i = 0; i < 60; i++)
    g_byte_array_append (broken, &ff, 1);
  assert_binary_error (broken, SF_PARTITION_TABLE_ERROR_INVALID,
                       "partition table entry 2 at offset 0x20 is neither an entry nor the end of the table");

  append_md5_and_pad (bad_md5, TRUE);
  assert_binary_error (bad_md5, SF_PARTITION_TABLE_ERROR_CHECKSUM,
                       "the partition table's MD5 does not match its entries: the table is damaged; write it again");

  append_md5_and_pad (md5_only, FALSE);
  assert_binary_error (md5_only, SF_PARTITION_TABLE_ERROR_INVALID,
                       "the partition table has no entries, only its MD5 entry");

  append_entry (cut, 0x01, 0x02, 0x9000, 0x6000, "nvs", 0);
  append_entry (cut, 0x01, 0x01, 0xF000, 0x1000, "phy_init", 0);
  g_byte_array_set_size (cut, 50);
  assert_binary_error (cut, SF_PARTITION_TABLE_ERROR_INVALID,
                       "partition table entry 2 is cut short (offset 0x20)");
}

static void
test_find (void)
{
  g_autoptr(GByteArray) a = two_ota_binary ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(GError) error = NULL;

  append_md5_and_pad (a, FALSE);
  bytes = bytes_of (a);
  t = sf_partition_table_parse_binary (bytes, &error);
  g_assert_no_error (error);

  g_assert_true (sf_partition_table_find (t, "ota_1") == sf_partition_table_get_partition (t, 5));
  g_assert_null (sf_partition_table_find (t, "OTA_1"));
  g_assert_null (sf_partition_table_find (t, "ota"));
  g_assert_true (sf_partition_table_find_type (t, 0x01, 0x01) == sf_partition_table_get_partition (t, 2));
  g_assert_true (sf_partition_table_find_type (t, 0x00, 0xFF) == sf_partition_table_get_partition (t, 3));
  g_assert_true (sf_partition_table_find_type (t, 0x00, 0x11) == sf_partition_table_get_partition (t, 5));
  g_assert_null (sf_partition_table_find_type (t, 0x00, 0x12));
  g_assert_true (sf_partition_table_find_at (t, 0x9000) == sf_partition_table_get_partition (t, 0));
  g_assert_true (sf_partition_table_find_at (t, 0xCFFF) == sf_partition_table_get_partition (t, 0));
  g_assert_true (sf_partition_table_find_at (t, 0xD000) == sf_partition_table_get_partition (t, 1));
  g_assert_true (sf_partition_table_find_at (t, 0x3FFFFF) == sf_partition_table_get_partition (t, 6));
  g_assert_null (sf_partition_table_find_at (t, 0x400000));
  g_assert_null (sf_partition_table_find_at (t, 0x8000));
  g_assert_cmpuint (sf_partition_table_get_n_ota_slots (t), ==, 2);
}

static void
assert_name (char       *name,
             const char *expected)
{
  g_assert_cmpstr (name, ==, expected);
  g_free (name);
}

static void
test_names (void)
{
  SfPartition p = { "a\tb\xc3\xa9" "c", 0, 0, 0, 0, 0 };

  assert_name (sf_partition_type_name (0x00), "app");
  assert_name (sf_partition_type_name (0x01), "data");
  assert_name (sf_partition_type_name (0x40), "0x40");
  assert_name (sf_partition_subtype_name (0x00, 0x00), "factory");
  assert_name (sf_partition_subtype_name (0x00, 0x10), "ota_0");
  assert_name (sf_partition_subtype_name (0x00, 0x1F), "ota_15");
  assert_name (sf_partition_subtype_name (0x00, 0x20), "test");
  assert_name (sf_partition_subtype_name (0x00, 0x21), "0x21");
  assert_name (sf_partition_subtype_name (0x01, 0x00), "ota");
  assert_name (sf_partition_subtype_name (0x01, 0x01), "phy");
  assert_name (sf_partition_subtype_name (0x01, 0x02), "nvs");
  assert_name (sf_partition_subtype_name (0x01, 0x03), "coredump");
  assert_name (sf_partition_subtype_name (0x01, 0x04), "nvs_keys");
  assert_name (sf_partition_subtype_name (0x01, 0x05), "efuse");
  assert_name (sf_partition_subtype_name (0x01, 0x06), "undefined");
  assert_name (sf_partition_subtype_name (0x01, 0x07), "0x07");
  assert_name (sf_partition_subtype_name (0x01, 0x80), "esphttpd");
  assert_name (sf_partition_subtype_name (0x01, 0x81), "fat");
  assert_name (sf_partition_subtype_name (0x01, 0x82), "spiffs");
  assert_name (sf_partition_subtype_name (0x01, 0x83), "littlefs");
  assert_name (sf_partition_subtype_name (0x01, 0x84), "0x84");
  assert_name (sf_partition_subtype_name (0x40, 0x00), "0x00");
  assert_name (sf_partition_get_display_name (&p), "a?b??c");
}

static SfPartitionTable *
parse_csv (const char *text,
           GError    **error)
{
  return sf_partition_table_parse_csv (text, strlen (text), 0x8000, error);
}

/* ESP-IDF's partitions_two_ota.csv, as the project ships it: no offsets
 * at all. gen_esp32part.py places it at 0x9000, 0xD000, 0xF000, then the
 * apps at 64 KiB boundaries from 0x10000. */
static const char two_ota_csv[] =
  "# Name,   Type, SubType, Offset,   Size, Flags\n"
  "# Note: if you have increased the bootloader size, make sure to update the offsets to avoid overlap\n"
  "nvs,      data, nvs,     ,        0x4000,\n"
  "otadata,  data, ota,     ,        0x2000,\n"
  "phy_init, data, phy,     ,        0x1000,\n"
  "factory,  app,  factory, ,        1M,\n"
  "ota_0,    app,  ota_0,   ,        1M,\n"
  "ota_1,    app,  ota_1,   ,        1M,\n";

static void
test_csv_two_ota (void)
{
  g_autoptr(GString) csv = g_string_new (two_ota_csv);
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(SfPartitionTable) from_binary = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GByteArray) expected = two_ota_binary ();
  g_autoptr(GError) error = NULL;

  /* The storage partition of the binary above, with a K size, both flags
   * and Windows line ends. */
  g_string_append (csv, "\r\nstorage,  data, spiffs,  , 960K, encrypted:readonly\r\n\n");
  t = parse_csv (csv->str, &error);
  g_assert_no_error (error);
  assert_two_ota (t, 3);

  append_md5_and_pad (expected, FALSE);
  written = sf_partition_table_to_binary (t);
  g_assert_cmpmem (g_bytes_get_data (written, NULL), 0xC00, expected->data, expected->len);

  /* parse() tells the forms apart. */
  {
    g_autoptr(GBytes) text = g_bytes_new (csv->str, csv->len);
    g_autoptr(SfPartitionTable) t2 = sf_partition_table_parse (text, 0x8000, &error);

    g_assert_no_error (error);
    assert_two_ota (t2, 3);
  }
  from_binary = sf_partition_table_parse (written, 0x8000, &error);
  g_assert_no_error (error);
  assert_two_ota (from_binary, 3);
}

static void
test_csv_numbers_and_placement (void)
{
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(SfPartitionTable) moved = NULL;
  g_autoptr(GError) error = NULL;

  t = parse_csv ("  # comment with leading space\n"
                 "\n"
                 "nvs,data,nvs,36864,24K\n"            /* decimal offset: 0x9000 */
                 "phy_init,data,1,,0x1000\n"           /* number subtype */
                 "factory,0,0,,0x100000\n"             /* number type: app */
                 "custom,0x40,0x05,0x120000,4K,\n"     /* custom type and subtype */
                 "blob,data,,,4096\n"                  /* empty subtype: undefined */
                 "big,app,ota_15,0x200000,2M\n"
                 "next,app,test,,64K", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sf_partition_table_get_n_partitions (t), ==, 7);
  assert_partition (sf_partition_table_get_partition (t, 0), "nvs", 1, 2, 0x9000, 0x6000, 0);
  assert_partition (sf_partition_table_get_partition (t, 1), "phy_init", 1, 1, 0xF000, 0x1000, 0);
  assert_partition (sf_partition_table_get_partition (t, 2), "factory", 0, 0, 0x10000, 0x100000, 0);
  assert_partition (sf_partition_table_get_partition (t, 3), "custom", 0x40, 5, 0x120000, 0x1000, 0);
  /* Data follows at the next 4 KiB, an app at the next 64 KiB. */
  assert_partition (sf_partition_table_get_partition (t, 4), "blob", 1, 6, 0x121000, 0x1000, 0);
  assert_partition (sf_partition_table_get_partition (t, 5), "big", 0, 0x1F, 0x200000, 0x200000, 0);
  assert_partition (sf_partition_table_get_partition (t, 6), "next", 0, 0x20, 0x400000, 0x10000, 0);
  g_assert_cmpuint (sf_partition_table_get_n_ota_slots (t), ==, 1);

  /* A table moved to 0x10000: the first partition follows its sector,
   * and the first app the next 64 KiB boundary. */
  moved = sf_partition_table_parse_csv ("nvs,data,nvs,,0x5000\nfactory,app,factory,,1M\n",
                                        strlen ("nvs,data,nvs,,0x5000\nfactory,app,factory,,1M\n"),
                                        0x10000, &error);
  g_assert_no_error (error);
  assert_partition (sf_partition_table_get_partition (moved, 0), "nvs", 1, 2, 0x11000, 0x5000, 0);
  assert_partition (sf_partition_table_get_partition (moved, 1), "factory", 0, 0, 0x20000, 0x100000, 0);
}

static void
assert_csv_error (const char *text,
                  const char *message)
{
  g_autoptr(GError) error = NULL;
  SfPartitionTable *t = parse_csv (text, &error);

  g_assert_null (t);
  g_assert_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_csv_errors (void)
{
  assert_csv_error ("# header\nnvs,data,nvs,0x9000,0x6000\nphy,data,phy,0xE000,0x1000\n",
                    "line 3: the partition \"phy\" at 0xe000 overlaps what comes before it, which ends at 0xf000: move it to 0xf000 or later");
  assert_csv_error ("nvs,data,nvs,0x8000,0x1000\n",
                    "line 1: the partition \"nvs\" at 0x8000 overlaps what comes before it, which ends at 0x9000: move it to 0x9000 or later");
  assert_csv_error ("nvs,data,nvs,,0x6000\nfactory,app,factory,0x18000,1M\n",
                    "line 2: the offset 0x18000 of \"factory\" is not a multiple of 0x10000, as app partitions must be");
  assert_csv_error ("nvs,data,nvs,0x9800,0x6000\n",
                    "line 1: the offset 0x9800 of \"nvs\" is not a multiple of 0x1000, as data partitions must be");
  assert_csv_error ("\n\nseventeen_chars_x,data,nvs,,0x6000\n",
                    "line 3: the name \"seventeen_chars_x\" is longer than 16 bytes: shorten it");
  assert_csv_error ("nvs,data,nvs,,0x6000\n# again\nnvs,data,phy,,0x1000\n",
                    "line 3: a partition named \"nvs\" is already on line 1: names must differ");
  assert_csv_error ("nvs,data,nvs,,0x6000\nfs,data,spifs,,0x1000\n",
                    "line 2: unknown data subtype \"spifs\": use ota, phy, nvs, coredump, nvs_keys, efuse, undefined, esphttpd, fat, spiffs, littlefs or a number");
  assert_csv_error ("app,app,ota_16,,1M\n",
                    "line 1: unknown app subtype \"ota_16\": use factory, ota_0 to ota_15, test or a number");
  assert_csv_error ("app,app,nvs,,1M\n",
                    "line 1: unknown app subtype \"nvs\": use factory, ota_0 to ota_15, test or a number");
  assert_csv_error ("app,app,,,1M\n",
                    "line 1: an app partition needs a subtype: factory, ota_0 to ota_15 or test");
  assert_csv_error ("x,bin,nvs,,1M\n",
                    "line 1: unknown type \"bin\": use app, data or a number below 0xFF");
  assert_csv_error ("x,,nvs,,1M\n",
                    "line 1: the type is empty: use app, data or a number");
  assert_csv_error ("nvs,data,nvs,,0x6000,secret\n",
                    "line 1: unknown flag \"secret\": use encrypted or readonly, joined with ':'");
  assert_csv_error ("nvs,data,nvs\n",
                    "line 1: the partition \"nvs\" has no size");
  assert_csv_error ("nvs,data,nvs,,0\n",
                    "line 1: the partition \"nvs\" has a size of 0");
  assert_csv_error (",data,nvs,,0x1000\n",
                    "line 1: the partition has no name");
  assert_csv_error ("nvs,data,nvs,0xFFFFF000,0x2000\n",
                    "line 1: the partition \"nvs\" runs past 4 GiB");
  assert_csv_error ("# only a comment\n\n",
                    "the partition table CSV has no partitions, only comments and blank lines");
  {
    g_autoptr(GError) error = NULL;
    SfPartitionTable *t = parse_csv ("nvs,data,nvs,,lots\n", &error);

    g_assert_null (t);
    g_assert_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID);
    g_assert_true (g_str_has_prefix (error->message, "line 1: "));
    g_assert_nonnull (strstr (error->message, "\"lots\""));
  }
  {
    g_autoptr(GString) many = g_string_new (NULL);
    g_autoptr(GError) error = NULL;
    SfPartitionTable *t;

    for (guint i = 0; i < 96; i++)
      g_string_append_printf (many, "p%u,data,nvs,,0x1000\n", i);
    t = parse_csv (many->str, &error);
    g_assert_null (t);
    g_assert_cmpstr (error->message, ==, "line 96: a partition table holds at most 95 partitions");
  }
}

static void
test_format (void)
{
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *none_active = NULL;

  t = parse_csv ("nvs,data,nvs,,0x6000\nfactory,app,factory,,0x180000\n"
                 "ota_0,app,ota_0,,1M,readonly\nvault,data,nvs_keys,0x300000,4K,encrypted\n", &error);
  g_assert_no_error (error);
  text = sf_partition_table_format (t, 2);
  g_assert_cmpstr (text, ==,
                   "Name             Type  SubType   Offset      Size                   Flags\n"
                   "nvs              data  nvs       0x00009000  0x00006000 (24 KiB)\n"
                   "factory          app   factory   0x00010000  0x00180000 (1.5 MiB)\n"
                   "ota_0            app   ota_0     0x00190000  0x00100000 (1 MiB)     readonly active\n"
                   "vault            data  nvs_keys  0x00300000  0x00001000 (4 KiB)     encrypted\n");
  none_active = sf_partition_table_format (t, -1);
  g_assert_null (strstr (none_active, "active"));
}

/* One esp_ota_select_entry_t: seq, 20 label bytes, state, CRC. */
static void
put_ota_entry (guint8  *at,
               guint32  seq,
               guint32  state,
               guint32  crc)
{
  memset (at, 0xFF, 32);
  for (guint i = 0; i < 4; i++)
    {
      at[i] = (seq >> (8 * i)) & 0xFF;
      at[24 + i] = (state >> (8 * i)) & 0xFF;
      at[28 + i] = (crc >> (8 * i)) & 0xFF;
    }
}

/* CRCs of sequence numbers 1 to 4, computed with Python's
 * binascii.crc32(struct.pack('<I', seq), 0xFFFFFFFF), which is how
 * ESP-IDF's otatool.py writes them (and what the bootloader's
 * esp_rom_crc32_le (UINT32_MAX, &seq, 4) gives). */
static const guint32 seq_crc[] = { 0, 0x4743989A, 0x55F63774, 0xED4A5011, 0x709D68A8 };

#define STATE_VALID     2
#define STATE_INVALID   3
#define STATE_ABORTED   4
#define STATE_UNDEFINED 0xFFFFFFFF

static int
boot_index (SfPartitionTable *t,
            const guint8     *otadata,
            gsize             len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (otadata, len);
  g_autoptr(GError) error = NULL;
  int index = -2;

  g_assert_true (sf_otadata_get_boot_partition (bytes, t, &index, &error));
  g_assert_no_error (error);
  return index;
}

static void
test_otadata (void)
{
  g_autoptr(SfPartitionTable) t = NULL;
  g_autoptr(SfPartitionTable) no_factory = NULL;
  g_autoptr(GError) error = NULL;
  guint8 ota[0x2000];

  t = parse_csv (two_ota_csv, &error);
  g_assert_no_error (error);

  /* Erased: the factory app (index 3). */
  memset (ota, 0xFF, sizeof ota);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 3);

  /* seq 1 -> ota_0 (index 4), seq 2 -> ota_1 (5), seq 3 -> ota_0 again. */
  put_ota_entry (ota, 1, STATE_UNDEFINED, seq_crc[1]);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 4);
  put_ota_entry (ota + 0x1000, 2, STATE_VALID, seq_crc[2]);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 5);
  put_ota_entry (ota, 3, STATE_VALID, seq_crc[3]);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 4);

  /* A bad CRC is ignored: the other copy (seq 2) wins. */
  put_ota_entry (ota, 3, STATE_VALID, seq_crc[3] ^ 1);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 5);
  /* The plain CRC-32 of the four bytes (starting from 0) is not it. */
  put_ota_entry (ota, 3, STATE_VALID, 0x33F170F2);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 5);

  /* A higher sequence number in an invalid or aborted state is ignored. */
  put_ota_entry (ota, 3, STATE_INVALID, seq_crc[3]);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 5);
  put_ota_entry (ota, 3, STATE_ABORTED, seq_crc[3]);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 5);

  /* Neither copy valid: back to the factory app. */
  put_ota_entry (ota + 0x1000, 2, STATE_VALID, 0);
  g_assert_cmpint (boot_index (t, ota, sizeof ota), ==, 3);

  /* Only the first sector given: its entry alone counts. */
  put_ota_entry (ota, 4, STATE_VALID, seq_crc[4]);
  g_assert_cmpint (boot_index (t, ota, 32), ==, 5);

  /* Too short for one entry. */
  {
    g_autoptr(GBytes) bytes = g_bytes_new (ota, 31);
    int index = -2;

    g_assert_false (sf_otadata_get_boot_partition (bytes, t, &index, &error));
    g_assert_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* No factory app and nothing valid: no partition. */
  no_factory = parse_csv ("otadata,data,ota,,0x2000\nota_0,app,ota_0,,1M\nota_1,app,ota_1,,1M\n", &error);
  g_assert_no_error (error);
  memset (ota, 0xFF, sizeof ota);
  g_assert_cmpint (boot_index (no_factory, ota, sizeof ota), ==, -1);
  put_ota_entry (ota + 0x1000, 2, STATE_UNDEFINED, seq_crc[2]);
  g_assert_cmpint (boot_index (no_factory, ota, sizeof ota), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/partition/binary/round-trip", test_binary_round_trip);
  g_test_add_func ("/partition/binary/without-md5", test_binary_without_md5);
  g_test_add_func ("/partition/binary/errors", test_binary_errors);
  g_test_add_func ("/partition/find", test_find);
  g_test_add_func ("/partition/names", test_names);
  g_test_add_func ("/partition/csv/two-ota", test_csv_two_ota);
  g_test_add_func ("/partition/csv/numbers-and-placement", test_csv_numbers_and_placement);
  g_test_add_func ("/partition/csv/errors", test_csv_errors);
  g_test_add_func ("/partition/format", test_format);
  g_test_add_func ("/partition/otadata", test_otadata);

  return g_test_run ();
}
