/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-device.h"

G_BEGIN_DECLS

/* A bad cable between the board and the host. Frames the board sends are
 * lost or arrive with bits flipped, frames the host sends are lost before
 * the board sees them, and until the loader has answered a SYNC the line
 * carries garbage. It decides which, and makes the garbage; the device
 * decides where that happens.
 *
 * Every decision comes from GRand streams seeded with one number, one
 * stream per kind of fault, so a seed replays the same faults for the same
 * traffic, and turning one kind on or off does not move the others. Nothing
 * else here is random. Thread-safe: the rates may change while the serving
 * thread uses them. */
typedef struct _SfSimNoise SfSimNoise;

/* The seed until one is set. */
#define SF_SIM_NOISE_DEFAULT_SEED 1u

SfSimNoise *_sf_sim_noise_new              (void);
void        _sf_sim_noise_free             (SfSimNoise       *self);
/* 1 in @drop_one_in and 1 in @corrupt_one_in of the board's frames (0 =
 * never); every stream starts again from @seed. */
void        _sf_sim_noise_set_line         (SfSimNoise       *self,
                                            guint             drop_one_in,
                                            guint             corrupt_one_in,
                                            guint32           seed);
/* 1 in @drop_one_in of the host's frames is lost (0 = never). */
void        _sf_sim_noise_set_request_drop (SfSimNoise       *self,
                                            guint             drop_one_in);
void        _sf_sim_noise_set_garbage      (SfSimNoise       *self,
                                            gboolean          garbage);
gboolean    _sf_sim_noise_get_garbage      (SfSimNoise       *self);
/* A new session (the device starts): the streams start again from the
 * seed and the counts from zero. */
void        _sf_sim_noise_restart          (SfSimNoise       *self);
/* Does anything happen to the board's frames at all? */
gboolean    _sf_sim_noise_affects_output   (SfSimNoise       *self);
/* @wire holds whole SLIP frames the board sends (C0 … C0, one or more);
 * appends to @out what reaches the host: each frame as it was, without
 * the frame (lost), or decoded, 1 to 3 distinct bits flipped anywhere in
 * it, and encoded again, so the framing stays intact. Bytes outside a
 * frame pass unchanged. */
void        _sf_sim_noise_pass_output      (SfSimNoise       *self,
                                            const guint8     *wire,
                                            gsize             length,
                                            GByteArray       *out);
/* Is the host's next frame lost on the way? Counted if so. */
gboolean    _sf_sim_noise_drop_request     (SfSimNoise       *self);
/* Appends a burst of line garbage to @out and counts it. */
void        _sf_sim_noise_make_garbage     (SfSimNoise       *self,
                                            GByteArray       *out);
/* What a UART at @rx_baud makes of @length bytes sent back to back at
 * @tx_baud (8N1): it waits for a start bit, samples each bit in the
 * middle of where its own clock puts it, and keeps the byte whether or
 * not the stop bit is there. Appends those bytes to @out. Not random, and
 * no fault is counted: the two ends simply disagree on the rate. */
void        _sf_sim_noise_resample_uart    (const guint8     *data,
                                            gsize             length,
                                            guint             tx_baud,
                                            guint             rx_baud,
                                            GByteArray       *out);
void        _sf_sim_noise_get_counts       (SfSimNoise       *self,
                                            SfSimFaultCounts *out_counts);

G_END_DECLS
