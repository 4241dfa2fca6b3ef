/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ESP-IDF partition tables, as the board holds them (binary, normally at
 * 0x8000) and as a project describes them (partitions.csv), and the
 * otadata partition that says which app slot boots. Every parser here
 * takes untrusted bytes and is safe on any input (tests/fuzz). */

#define SF_PARTITION_TABLE_ERROR (sf_partition_table_error_quark ())

typedef enum
{
  SF_PARTITION_TABLE_ERROR_NOT_FOUND = 1, /* erased flash, or no table at all there */
  SF_PARTITION_TABLE_ERROR_INVALID,       /* starts like a table but breaks off, or a bad CSV line */
  SF_PARTITION_TABLE_ERROR_CHECKSUM,      /* the table's MD5 entry does not match its entries */
} SfPartitionTableError;

GQuark sf_partition_table_error_quark (void) G_GNUC_CONST;

/* Where ESP-IDF puts the table unless the project moves it, and the most
 * a table may take (it sits in one 0x1000 sector, of which ESP-IDF uses
 * 0xC00). */
#define SF_PARTITION_TABLE_DEFAULT_OFFSET 0x8000
#define SF_PARTITION_TABLE_MAX_LENGTH     0xC00

#define SF_PARTITION_TYPE_APP             0x00
#define SF_PARTITION_TYPE_DATA            0x01
#define SF_PARTITION_SUBTYPE_APP_FACTORY  0x00
#define SF_PARTITION_SUBTYPE_APP_OTA_0    0x10   /* ota_0 .. ota_15: 0x10 .. 0x1F */
#define SF_PARTITION_SUBTYPE_APP_TEST     0x20
#define SF_PARTITION_SUBTYPE_DATA_OTA     0x00
#define SF_PARTITION_SUBTYPE_DATA_PHY     0x01
#define SF_PARTITION_SUBTYPE_DATA_NVS     0x02
#define SF_PARTITION_SUBTYPE_DATA_FAT     0x81
#define SF_PARTITION_SUBTYPE_DATA_SPIFFS  0x82
#define SF_PARTITION_SUBTYPE_DATA_LITTLEFS 0x83

#define SF_PARTITION_FLAG_ENCRYPTED       (1u << 0)
#define SF_PARTITION_FLAG_READONLY        (1u << 1)

typedef struct
{
  char     name[17];    /* NUL-terminated; bytes past the first NUL of the
                         * 16-byte label are dropped; not validated as UTF-8,
                         * use sf_partition_get_display_name() to show it */
  guint8   type;
  guint8   subtype;
  guint32  offset;
  guint32  size;
  guint32  flags;
} SfPartition;

typedef struct _SfPartitionTable SfPartitionTable;

/* The binary table: 32-byte entries (0xAA 0x50 ...), optionally an MD5
 * entry (0xEB 0xEB ...), then 0xFF. @data may be longer than the table
 * (a sector read from the board, or a whole merged image's slice); only its
 * first SF_PARTITION_TABLE_MAX_LENGTH bytes are looked at. Errors: NOT_FOUND
 * when the first entry is erased (all 0xFF) or is not an entry; INVALID
 * when a later entry is neither an entry, the MD5 entry nor the end, or
 * the table has no entries; CHECKSUM when the MD5 entry does not match.
 * Messages are lower case, so callers can prefix where the table came
 * from. */
SfPartitionTable   *sf_partition_table_parse_binary   (GBytes                  *data,
                                                       GError                 **error);
/* ESP-IDF's CSV form ("# Name, Type, SubType, Offset, Size, Flags"): type
 * and subtype by name or number, offsets and sizes in decimal, hex, or with
 * K / M suffixes; an empty offset follows the previous partition, aligned
 * as ESP-IDF aligns it (0x10000 for apps, 0x1000 for data), the first one
 * after the table's sector (@table_offset + 0x1000). Errors: INVALID, with
 * the line number and what is wrong on it. */
SfPartitionTable   *sf_partition_table_parse_csv      (const char              *text,
                                                       gsize                    length,
                                                       guint32                  table_offset,
                                                       GError                 **error);
/* Either form, told apart by content (a CSV is text). */
SfPartitionTable   *sf_partition_table_parse          (GBytes                  *data,
                                                       guint32                  table_offset,
                                                       GError                 **error);

SfPartitionTable   *sf_partition_table_ref            (SfPartitionTable        *self);
void                sf_partition_table_unref          (SfPartitionTable        *self);

guint               sf_partition_table_get_n_partitions (SfPartitionTable      *self);
const SfPartition  *sf_partition_table_get_partition  (SfPartitionTable        *self,
                                                       guint                    index);
/* By name, case-sensitively as ESP-IDF does; NULL when there is none. */
const SfPartition  *sf_partition_table_find           (SfPartitionTable        *self,
                                                       const char              *name);
/* The first partition of @type and @subtype (0xFF: any subtype). */
const SfPartition  *sf_partition_table_find_type      (SfPartitionTable        *self,
                                                       guint8                   type,
                                                       guint8                   subtype);
/* The partition that holds @address, or NULL. */
const SfPartition  *sf_partition_table_find_at        (SfPartitionTable        *self,
                                                       guint32                  address);
/* How many ota_N app partitions the table has. */
guint               sf_partition_table_get_n_ota_slots (SfPartitionTable       *self);
/* The table in binary form, with its MD5 entry, padded with 0xFF to
 * SF_PARTITION_TABLE_MAX_LENGTH. */
GBytes             *sf_partition_table_to_binary      (SfPartitionTable        *self);
/* A text table for the CLI: name, type, subtype, offset, size, flags, one
 * partition per line under a header line, sizes as "1.5 MiB" too; the app
 * partition at @active_app (an index, -1 for none) is marked "active". */
char               *sf_partition_table_format         (SfPartitionTable        *self,
                                                       int                      active_app);

/* "app", "data" or "0x40". */
char               *sf_partition_type_name            (guint8                   type);
/* "factory", "ota_1", "nvs", "spiffs" ... or "0x99". */
char               *sf_partition_subtype_name         (guint8                   type,
                                                       guint8                   subtype);
/* The name made printable (anything but printable ASCII becomes '?'). */
char               *sf_partition_get_display_name     (const SfPartition       *partition);

/* The otadata partition's two 32-byte select entries, one per sector
 * (@data is the whole partition, normally 0x2000 bytes): which app boots.
 * Sets *@out_index to the index in @table of the app partition the
 * bootloader picks: the ota_N slot of the valid entry with the highest
 * sequence number ((seq - 1) % number of ota slots), or the factory app
 * when no entry is valid (erased otadata), or -1 when neither exists. An
 * entry is valid when its CRC-32 of the sequence number matches and its
 * state is not "invalid" or "aborted". Fails (INVALID) only when @data is
 * shorter than one entry. */
gboolean            sf_otadata_get_boot_partition     (GBytes                  *data,
                                                       SfPartitionTable        *table,
                                                       int                     *out_index,
                                                       GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfPartitionTable, sf_partition_table_unref)

G_END_DECLS
