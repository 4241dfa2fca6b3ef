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
  gboolean        flash_size_assumed; /* the JEDEC id did not tell: SF_FLASH_DEFAULT_SIZE */
  guint32         flash_id;
  gboolean        have_flash_id;
  char           *backup_path;      /* of the last write's backup */
};

/* The loader checks for cancellation between reads, deep below the
 * flasher's operations. Rather than thread a cancellable through every
 * loader command for that one check, each flasher call lends its own to
 * the loader for as long as it runs:
 *
 *   g_auto(SfCancelScope) scope = _sf_flasher_lend_cancellable (self, cancellable);
 *
 * When the scope ends, on every return path, the loader gets back what it
 * had: NULL between calls, or the outer call's when one operation runs
 * another. So no cancellable outlives the call that was given it. */
typedef struct
{
  SfLoader     *loader;
  GCancellable *previous;
} SfCancelScope;

static inline SfCancelScope
_sf_flasher_lend_cancellable (SfFlasher    *self,
                              GCancellable *cancellable)
{
  SfCancelScope scope = { &self->loader, self->loader.cancellable };

  self->loader.cancellable = cancellable;
  return scope;
}

static inline void
_sf_cancel_scope_end (SfCancelScope *scope)
{
  scope->loader->cancellable = scope->previous;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfCancelScope, _sf_cancel_scope_end)

void     _sf_flasher_log            (SfFlasher     *self,
                                     const char    *format,
                                     ...) G_GNUC_PRINTF (2, 3);
void     _sf_flasher_progress       (SfFlasher     *self,
                                     SfPhase        phase,
                                     guint64        done,
                                     guint64        total);
double   _sf_kbit_per_second        (guint64        bytes,
                                     double         seconds);
/* Fills in @details' secure_boot and flash_encryption. */
gboolean _sf_flasher_read_security (SfFlasher     *self,
                                    SfChipDetails *details,
                                    GError       **error);
gboolean _sf_flasher_require_connection (SfFlasher *self,
                                     GError       **error);
/* Makes the flash usable: attached, its size known to the loader. */
gboolean _sf_flasher_prepare_flash  (SfFlasher     *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
/* sf_flasher_check_span() against the chip's flash size. */
gboolean _sf_flasher_check_span     (SfFlasher     *self,
                                     guint32        address,
                                     guint32        size,
                                     gboolean       whole_sectors,
                                     GCancellable  *cancellable,
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
