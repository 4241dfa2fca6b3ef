/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* The rate a session works at when nobody chose one. */
#define SF_SESSION_FAST_BAUD 921600

typedef struct
{
  const char     *port;
  guint           baud;          /* 0: SF_SESSION_FAST_BAUD, said in the log */
  SfChip          chip;          /* SF_CHIP_AUTO accepts any */
  SfBefore        before;
  SfAfter         after;
  gboolean        no_stub;       /* stay with the ROM loader (esptool's --no-stub) */
  guint32         flash_size;    /* bytes; 0 = detect */
  SfLogFunc       log_func;
  SfProgressFunc  progress_func;
  gpointer        callback_data;
} SfSessionOptions;

typedef struct
{
  SfChipDetails   details;       /* read on connecting */
  guint           used_baud;     /* the rate the work was done at */
  guint           failed_baud;   /* a faster rate that was tried and failed, or 0 */
  gboolean        stub;          /* the work went through the flasher stub */
} SfSessionResult;

void sf_session_result_clear (SfSessionResult *result);

/* The work done once connected; called again, from scratch, when a fast
 * rate fails in the middle and the session falls back to 115200. */
typedef gboolean (*SfSessionFunc) (SfFlasher            *flasher,
                                   const SfChipDetails  *details,
                                   gpointer              user_data,
                                   GCancellable         *cancellable,
                                   GError              **error);

/* One visit to the board: open the port at 115200, reset and connect,
 * describe the chip in the log, upload the flasher stub (or carry on with
 * the ROM loader when it cannot be had), move to the fast rate and prove
 * the link, run @func, and leave the chip as options->after says. A rate
 * that fails on the way is given up for 115200 with one log line. Blocks:
 * run it in a worker thread. */
gboolean sf_session_run (const SfSessionOptions  *options,
                         SfSessionFunc            func,
                         gpointer                 user_data,
                         SfSessionResult         *out_result,
                         GCancellable            *cancellable,
                         GError                 **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfSessionResult, sf_session_result_clear)

G_END_DECLS
