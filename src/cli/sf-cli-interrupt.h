/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-flasher.h"

G_BEGIN_DECLS

/* Ctrl+C, SIGTERM and SIGHUP. The first one cancels @cancellable; should
 * the program not have ended about 1.5 s later (blocked where cancelling
 * does not reach), it is ended regardless. A second one ends it at once.
 * Every way out says what state the board and the files were left in. */
void sf_cli_interrupt_install       (GCancellable        *cancellable);

/* What is under way, for those last words. Nothing set: the board's flash
 * has not been touched (connecting, reading the chip's details, verifying). */
void sf_cli_interrupt_set_reading   (const char          *path);
void sf_cli_interrupt_set_writing   (const SfFlashRegion *regions,
                                     guint                n_regions,
                                     gboolean             erase_all);
/* @size 0: the whole flash. */
void sf_cli_interrupt_set_erasing   (guint32              address,
                                     guint32              size);
/* Several boards at once: the calls above are ignored from now on, and
 * the last words speak of the boards in general. */
void sf_cli_interrupt_set_many      (void);
/* The operation completed; only leaving the board (the reset) is left. */
void sf_cli_interrupt_set_finished  (void);
/* Every progress report, to follow which file a write is on. */
void sf_cli_interrupt_progress      (SfPhase              phase,
                                     guint64              done,
                                     guint64              total);

/* Once the operation has failed because of an interrupt: prints
 * "Interrupted." and what state things are in, and returns the exit
 * status (128 + the signal's number). */
int  sf_cli_interrupt_report        (void);

G_END_DECLS
