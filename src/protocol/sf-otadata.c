/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-partition-table"

/* The otadata partition: which app slot the ESP-IDF bootloader starts.
 *
 * It holds two copies of a 32-byte select entry (esp_ota_select_entry_t),
 * one at the start of each of its two 4 KiB sectors, so that a power cut
 * while one is rewritten leaves the other. An entry is a little-endian
 * 32-bit sequence number, a 20-byte label nobody reads, a 32-bit state
 * (rollback: 0 new, 1 pending verify, 2 valid, 3 invalid, 4 aborted,
 * 0xFFFFFFFF undefined) and a 32-bit CRC.
 *
 * The CRC covers only the four bytes of the sequence number. It is the
 * usual reflected CRC-32 (polynomial 0xEDB88320) that the ROM's
 * esp_rom_crc32_le() computes, called with UINT32_MAX as its starting
 * value; that function inverts the value on the way in and out, as zlib's
 * crc32() does, so the stored CRC equals zlib's crc32(0xFFFFFFFF, seq, 4),
 * and Python's binascii.crc32(seq, 0xFFFFFFFF), which is how ESP-IDF's
 * otatool.py writes it. (It is not the plain CRC-32 of the four bytes,
 * which starts from 0.)
 *
 * The bootloader (bootloader_common_loader.c in ESP-IDF) takes an entry as
 * valid when its sequence number is not 0xFFFFFFFF, its state is neither
 * invalid nor aborted, and its CRC matches; of two valid entries, the one
 * with the higher sequence number wins (the first one on a tie). The slot
 * is then (sequence - 1) modulo the number of ota_N partitions, computed
 * in 32 bits. With no valid entry, the factory app starts. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <zlib.h>

#include "sf-bytes-private.h"
#include "sf-partition-table-private.h"

#define OTA_ENTRY_LEN      32
#define OTA_SECTOR         0x1000
#define OTA_STATE_INVALID  3
#define OTA_STATE_ABORTED  4

typedef struct
{
  guint32  seq;
  gboolean valid;
} OtaEntry;

static OtaEntry
read_ota_entry (const guint8 *e)
{
  OtaEntry entry;
  guint32 state = _sf_get_le32 (e + 24);
  guint32 crc = _sf_get_le32 (e + 28);
  guint32 expected = (guint32) crc32 (0xFFFFFFFFul, e, 4);

  entry.seq = _sf_get_le32 (e);
  entry.valid = entry.seq != G_MAXUINT32
                && state != OTA_STATE_INVALID && state != OTA_STATE_ABORTED
                && crc == expected;
  return entry;
}

static int
index_of (SfPartitionTable  *table,
          const SfPartition *partition)
{
  if (partition == NULL)
    return -1;
  return (int) (partition - sf_partition_table_get_partition (table, 0));
}

gboolean
sf_otadata_get_boot_partition (GBytes            *data,
                               SfPartitionTable  *table,
                               int               *out_index,
                               GError           **error)
{
  gsize len;
  const guint8 *bytes;
  OtaEntry entries[2] = { { 0, FALSE }, { 0, FALSE } };
  const OtaEntry *chosen = NULL;
  guint n_slots;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (out_index != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = g_bytes_get_data (data, &len);
  if (len < OTA_ENTRY_LEN)
    {
      g_set_error (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_INVALID,
                   _("the otadata partition's data is %zu bytes long, shorter than one %u-byte entry: read the whole partition"),
                   len, OTA_ENTRY_LEN);
      return FALSE;
    }

  entries[0] = read_ota_entry (bytes);
  /* A partition read only in part may lack the second copy. */
  if (len >= OTA_SECTOR + OTA_ENTRY_LEN)
    entries[1] = read_ota_entry (bytes + OTA_SECTOR);

  if (entries[0].valid && entries[1].valid)
    chosen = entries[0].seq >= entries[1].seq ? &entries[0] : &entries[1];
  else if (entries[0].valid)
    chosen = &entries[0];
  else if (entries[1].valid)
    chosen = &entries[1];

  n_slots = sf_partition_table_get_n_ota_slots (table);
  if (chosen != NULL && n_slots > 0)
    {
      guint32 slot = (chosen->seq - 1) % n_slots;

      /* A table with gaps (ota_0, ota_2) has no partition for some
       * slots: the bootloader finds nothing there either. */
      *out_index = index_of (table, sf_partition_table_find_type (table, SF_PARTITION_TYPE_APP,
                                                                  SF_PARTITION_SUBTYPE_APP_OTA_0 + slot));
      return TRUE;
    }

  *out_index = index_of (table, sf_partition_table_find_type (table, SF_PARTITION_TYPE_APP,
                                                              SF_PARTITION_SUBTYPE_APP_FACTORY));
  return TRUE;
}
