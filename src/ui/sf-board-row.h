/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-flash-job.h"

G_BEGIN_DECLS

typedef enum
{
  SF_BOARD_WAITING,
  SF_BOARD_RUNNING,
  SF_BOARD_SUCCEEDED,
  SF_BOARD_FAILED,
  SF_BOARD_STOPPED,
} SfBoardState;

/* One board of a production run: its port, chip, MAC, progress, speed,
 * time and result, and the job that flashes it. The row runs the job
 * itself; "done" is emitted once it has ended, whichever way. */
#define SF_TYPE_BOARD_ROW (sf_board_row_get_type ())
G_DECLARE_FINAL_TYPE (SfBoardRow, sf_board_row, SF, BOARD_ROW, GtkListBoxRow)

/* Takes a reference on @job, which must not have run yet. */
SfBoardRow   *sf_board_row_new         (SfFlashJob   *job);
void          sf_board_row_start       (SfBoardRow   *self,
                                        GCancellable *cancellable);
SfBoardState  sf_board_row_get_state   (SfBoardRow   *self);
SfFlashJob   *sf_board_row_get_job     (SfBoardRow   *self);
const char   *sf_board_row_get_port    (SfBoardRow   *self);
/* "ESP32-D0WD-V3 (revision v3.0)", or "" before connecting. */
const char   *sf_board_row_get_chip    (SfBoardRow   *self);
/* "24:0a:c4:12:34:56", or "" before connecting. */
const char   *sf_board_row_get_mac     (SfBoardRow   *self);
/* The error in words when the board failed, else NULL. */
const char   *sf_board_row_get_error   (SfBoardRow   *self);
/* From the start to the end (or now, while running). */
double        sf_board_row_get_seconds (SfBoardRow   *self);
/* The firmware bytes written and verified; on failure, as far as the
 * write got. */
guint64       sf_board_row_get_bytes   (SfBoardRow   *self);
/* What the result label says. */
const char   *sf_board_row_get_result_text (SfBoardRow *self);

G_END_DECLS
