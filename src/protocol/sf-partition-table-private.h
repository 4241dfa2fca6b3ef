/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the partition table's files share with each other and with the
 * image module: sf-partition-table.c parses and writes tables,
 * sf-partition-csv.c reads the CSV form, sf-otadata.c reads the otadata
 * partition, and sf-image.c / sf-image-info.c show a table found in a
 * file, MD5 mismatch and all. */

#include "sf-partition-table.h"

G_BEGIN_DECLS

/* ESP-IDF's esp_partition_info_t: 32 bytes, magic 0xAA 0x50, type,
 * subtype, offset, size, a 16-byte label and a 32-bit flags word. */
#define SF_PARTITION_ENTRY_LEN      32
#define SF_PARTITION_LABEL_LEN      16
#define SF_PARTITION_MD5_MAGIC      0xEB
/* One entry's room stays free for the MD5 entry. */
#define SF_PARTITION_MAX_ENTRIES    (SF_PARTITION_TABLE_MAX_LENGTH / SF_PARTITION_ENTRY_LEN - 1)

typedef enum
{
  SF_PARTITION_MD5_NONE,
  SF_PARTITION_MD5_VALID,
  SF_PARTITION_MD5_INVALID,
} SfPartitionMd5State;

/* An empty table, to which the CSV reader adds partitions. */
SfPartitionTable    *_sf_partition_table_new             (void);
void                 _sf_partition_table_add             (SfPartitionTable  *self,
                                                          const SfPartition *partition);

/* sf_partition_table_parse_binary() on @data[0, @len), which, with
 * @accept_bad_md5, also takes a table whose MD5 entry does not match (the
 * image module shows such a table and says the MD5 is wrong). */
SfPartitionTable    *_sf_partition_table_parse_binary_full (const guint8    *data,
                                                            gsize            len,
                                                            gboolean         accept_bad_md5,
                                                            GError         **error);
SfPartitionMd5State  _sf_partition_table_get_md5_state   (SfPartitionTable  *self);
/* How many bytes of the input the binary table took: its entries and its
 * MD5 entry, without the 0xFF padding. 0 for a table read from a CSV. */
gsize                _sf_partition_table_get_binary_length (SfPartitionTable *self);

/* The subtype of @type called @name ("ota_3", "nvs"), as the CSV form
 * spells them; FALSE for a name ESP-IDF does not know for that type. */
gboolean             _sf_partition_subtype_from_name     (guint8            type,
                                                          const char       *name,
                                                          guint8           *out_subtype);

G_END_DECLS
