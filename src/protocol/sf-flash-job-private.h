/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the job's two files share: sf-flash-job.c runs the job and talks
 * to the main thread, sf-flash-job-board.c does the work that needs to
 * know what is on the board (partitions by name, the checks before a
 * write, Wi-Fi settings). */

#include "sf-flash-job.h"

G_BEGIN_DECLS

typedef struct
{
  guint32  address;
  GBytes  *data;
  char    *name;
} Region;

struct _SfFlashJob
{
  GObject         parent_instance;

  /* Set up on the main thread before running; read-only afterwards. */
  SfJobKind       kind;
  char           *port_path;
  guint           baud;
  SfChip          chip;
  SfBefore        before;
  SfAfter         after;
  gboolean        no_stub;
  SfWriteOptions  options;
  GArray         *regions;
  guint32         address;
  guint32         size;
  char           *output_path;
  char           *partition;

  /* Main thread only. */
  GMainContext   *context;
  gboolean        running;

  /* Written by the worker, read on the main thread; protected by mutex. */
  GMutex          mutex;
  GPtrArray      *pending_lines;
  gboolean        progress_pending;
  gboolean        connected_pending;
  SfChipDetails   connected_details;  /* a copy for "connected" */
  SfPhase         phase;
  guint64         done;
  guint64         total;
  guint           idle_source;
  SfChipDetails   details;
  gboolean        have_details;
  GError         *error;
  guint           used_baud;
  guint           failed_baud;
  SfPartitionTable *table;
  int             boot_partition;
  char           *backup_path;

  /* "concerns" and its answer: the worker waits on cond. */
  GCond           cond;
  GPtrArray      *concerns;
  int             answer;            /* -1 while waiting, else 0 / 1 */
};

/* Worker thread: the write, with its checks confirmed on the main thread. */
gboolean _sf_flash_job_write             (SfFlashJob           *self,
                                          SfFlasher            *flasher,
                                          SfFlashRegion        *regions,
                                          guint                 n_regions,
                                          GCancellable         *cancellable,
                                          GError              **error);
/* Worker thread: sets *@address and *@size (and the regions' address) to
 * the partition's, when the job names one. */
gboolean _sf_flash_job_resolve_partition (SfFlashJob           *self,
                                          SfFlasher            *flasher,
                                          SfFlashRegion        *regions,
                                          guint32              *address,
                                          guint32              *size,
                                          GCancellable         *cancellable,
                                          GError              **error);
gboolean _sf_flash_job_read_partitions   (SfFlashJob           *self,
                                          SfFlasher            *flasher,
                                          GCancellable         *cancellable,
                                          GError              **error);
gboolean _sf_flash_job_learn_board       (SfFlashJob           *self,
                                          SfFlasher            *flasher,
                                          GCancellable         *cancellable,
                                          GError              **error);
gboolean _sf_flash_job_erase_wifi        (SfFlashJob           *self,
                                          SfFlasher            *flasher,
                                          GCancellable         *cancellable,
                                          GError              **error);
/* Worker thread, mutex held: queue an emission on the job's main context. */
void     _sf_flash_job_schedule_flush_locked (SfFlashJob       *self);

G_END_DECLS
