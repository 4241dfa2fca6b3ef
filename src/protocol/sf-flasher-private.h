/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sf-flasher.h"
#include "sf-loader-private.h"

G_BEGIN_DECLS

/* The flasher's state, shared by the files that implement its operations:
 * sf-flasher.c (the object, names, region checks, leaving the chip),
 * sf-flasher-connect.c (reset, sync, detection, the stub, the baud rate),
 * sf-flasher-info.c (MAC, flash id and size, chip description),
 * sf-flasher-read.c, sf-flasher-write.c, sf-flasher-verify.c and
 * sf-flasher-erase.c. */
struct _SfFlasher
{
  GObject         parent_instance;

  SfLoader        loader;

  SfProgressFunc  progress_func;
  gpointer        progress_data;
  SfLogFunc       log_func;
  gpointer        log_data;

  gboolean        connected;
  gboolean        flash_attached;   /* SPI_ATTACH / SPI_SET_PARAMS sent */
  gboolean        no_modem_lines;   /* warned once: cannot reset */
  gboolean        stub_was_running; /* SYNC was answered by a stub */
  guint32         flash_size;       /* 0 until known */
  gboolean        flash_size_from_user;
  guint32         flash_id;
  gboolean        have_flash_id;
};

void     _sf_flasher_log            (SfFlasher     *self,
                                     const char    *format,
                                     ...) G_GNUC_PRINTF (2, 3);
void     _sf_flasher_progress       (SfFlasher     *self,
                                     SfPhase        phase,
                                     guint64        done,
                                     guint64        total);
double   _sf_kbit_per_second        (guint64        bytes,
                                     double         seconds);
gboolean _sf_flasher_require_connection (SfFlasher *self,
                                     GError       **error);
/* Makes the flash usable: attached, its size known to the loader. */
gboolean _sf_flasher_prepare_flash  (SfFlasher     *self,
                                     GError       **error);
/* sf_flasher_check_span() against the chip's flash size. */
gboolean _sf_flasher_check_span     (SfFlasher     *self,
                                     guint32        address,
                                     guint32        size,
                                     gboolean       whole_sectors,
                                     GError       **error);
const char *_sf_flasher_region_name (const SfFlashRegion *region);

/* Reads [address, address + size) into @out in checked chunks, each one
 * retried on a timeout or a failed check. Progress goes out as @phase,
 * @progress_base + bytes read of @progress_total. Adds to @out_blank
 * (if not NULL) the bytes the chip's MD5 showed erased, unsent. */
gboolean _sf_flasher_read_checked   (SfFlasher     *self,
                                     SfPhase        phase,
                                     guint64        progress_base,
                                     guint64        progress_total,
                                     guint32        address,
                                     guint32        size,
                                     guint8        *out,
                                     guint32       *out_blank,
                                     GCancellable  *cancellable,
                                     GError       **error);

/* After a garbled exchange: let the line go quiet, drop what came, and
 * make sure the loader answers again before the next command. */
gboolean _sf_flasher_resync         (SfFlasher     *self,
                                     GError       **error);

G_END_DECLS
