/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* What a job does once connected. */
typedef enum
{
  SF_JOB_CHIP_INFO,       /* connect and read the chip's details (and an ESP32
                           * board's partition table) */
  SF_JOB_WRITE,           /* write (and verify) every region added */
  SF_JOB_VERIFY,          /* compare every region added with the flash */
  SF_JOB_READ,            /* read a span of flash into a file */
  SF_JOB_ERASE_REGION,
  SF_JOB_ERASE_FLASH,
  SF_JOB_PARTITION_TABLE, /* read the partition table and which app boots */
  SF_JOB_ERASE_WIFI,      /* forget the Wi-Fi settings: the ESP8266 SDK's last
                           * 16 KiB, or the "nvs" partition on the ESP32 family */
} SfJobKind;

#define SF_TYPE_FLASH_JOB (sf_flash_job_get_type ())
G_DECLARE_FINAL_TYPE (SfFlashJob, sf_flash_job, SF, FLASH_JOB, GObject)

/* One operation on the board at @port_path, run in a worker thread.
 * Signals are emitted on the thread-default main context of the thread
 * that called sf_flash_job_run_async():
 *   connected (const SfChipDetails *details)   once the chip's details are
 *                                  read, before the operation itself; again
 *                                  should the session connect anew (a
 *                                  slower rate); @details lasts the emission
 *   progress (SfPhase phase, guint64 done, guint64 total)
 *   log (const char *line)
 *   concerns (GPtrArray *concerns)  a write's checks found something
 *                                  (SfWriteConcern, sf-write-check.h):
 *                                  the worker waits, the board idle in its
 *                                  loader, until sf_flash_job_confirm() is
 *                                  called (at once or later); without a
 *                                  handler, the write fails with
 *                                  SF_PROTOCOL_ERROR_NOT_CONFIRMED
 *   finished ()                    after success
 *   failed (const GError *error)   after failure, not after cancellation */
SfFlashJob          *sf_flash_job_new               (SfJobKind              kind,
                                                     const char            *port_path) G_GNUC_WARN_UNUSED_RESULT;
/* A job like @model (kind, connection settings, write options, regions,
 * span and output) for another port. The regions' data is shared, not
 * copied. */
SfFlashJob          *sf_flash_job_new_like          (SfFlashJob            *model,
                                                     const char            *port_path) G_GNUC_WARN_UNUSED_RESULT;
guint                sf_flash_job_get_n_regions     (SfFlashJob            *self);
/* The regions' sizes added up. */
guint64              sf_flash_job_get_region_bytes  (SfFlashJob            *self);
SfJobKind            sf_flash_job_get_kind          (SfFlashJob            *self);
const char          *sf_flash_job_get_port_path     (SfFlashJob            *self);

void                 sf_flash_job_set_baud          (SfFlashJob            *self,
                                                     guint                  baud);
void                 sf_flash_job_set_chip          (SfFlashJob            *self,
                                                     SfChip                 chip);
void                 sf_flash_job_set_before        (SfFlashJob            *self,
                                                     SfBefore               before);
/* Stay with the ROM loader instead of uploading the flasher stub. */
void                 sf_flash_job_set_no_stub       (SfFlashJob            *self,
                                                     gboolean               no_stub);
void                 sf_flash_job_set_after         (SfFlashJob            *self,
                                                     SfAfter                after);
/* Copies @options (and its strings). */
void                 sf_flash_job_set_write_options (SfFlashJob            *self,
                                                     const SfWriteOptions  *options);
void                 sf_flash_job_add_region        (SfFlashJob            *self,
                                                     guint32                address,
                                                     GBytes                *data,
                                                     const char            *name);
/* Read, erase or write the partition @name of the board's table instead
 * of a span or the region's address (READ, ERASE_REGION, and WRITE with
 * one region). The table is read once connected; a name it lacks fails
 * the job, naming the partitions there are. */
void                 sf_flash_job_set_partition     (SfFlashJob            *self,
                                                     const char            *name);
/* Answers "concerns": TRUE writes anyway, FALSE ends the job with
 * SF_PROTOCOL_ERROR_NOT_CONFIRMED before anything is written. */
void                 sf_flash_job_confirm           (SfFlashJob            *self,
                                                     gboolean               go_ahead);
/* For SF_JOB_READ, SF_JOB_ERASE_REGION. @size 0 with READ = to the end. */
void                 sf_flash_job_set_span          (SfFlashJob            *self,
                                                     guint32                address,
                                                     guint32                size);
void                 sf_flash_job_set_output_path   (SfFlashJob            *self,
                                                     const char            *path);

void                 sf_flash_job_run_async         (SfFlashJob            *self,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
gboolean             sf_flash_job_run_finish        (SfFlashJob            *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
gboolean             sf_flash_job_get_running       (SfFlashJob            *self);
/* After the job: the details read on connecting (NULL before). */
const SfChipDetails *sf_flash_job_get_chip_details  (SfFlashJob            *self);
/* Where the board's partition table is (0: SF_PARTITION_TABLE_DEFAULT_OFFSET),
 * for every job that reads it. sf_flash_job_set_write_options() sets it too. */
void                 sf_flash_job_set_partition_table_offset (SfFlashJob    *self,
                                                              guint32        offset);
/* After SF_JOB_PARTITION_TABLE, SF_JOB_CHIP_INFO on the ESP32 family (or
 * a job by partition name): the board's table, NULL when it has none. */
SfPartitionTable    *sf_flash_job_get_partition_table (SfFlashJob          *self);
/* After SF_JOB_PARTITION_TABLE or SF_JOB_CHIP_INFO: the index of the app
 * that boots, or -1. */
int                  sf_flash_job_get_boot_partition (SfFlashJob           *self);
/* After a write with a backup: the backup file's path. */
const char          *sf_flash_job_get_backup_path   (SfFlashJob            *self);
/* After the job: the baud rate that worked (after any fallback). */
guint                sf_flash_job_get_used_baud     (SfFlashJob            *self);
/* After the job: a rate that was tried and did not get through, or 0. A
 * loader that cannot change its rate (the ESP8266's ROM) is no failure. */
guint                sf_flash_job_get_failed_baud   (SfFlashJob            *self);

G_END_DECLS
