/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-chip-private.h"
#include "sf-sim-flash-private.h"
#include "sf-sim-regs-private.h"
#include "sf-sim-timing-private.h"

G_BEGIN_DECLS

/* The ROM download loader's command machine, free of any I/O: decoded
 * request frames go in, SLIP-encoded reply frames come out. */
typedef struct _SfSimRom SfSimRom;

typedef enum
{
  SF_SIM_ROM_IGNORED,   /* not a command the ROM reacts to (noise, pre-SYNC) */
  SF_SIM_ROM_ANSWERED,  /* a command, answered (possibly with an error) */
  SF_SIM_ROM_RUN_STUB,  /* MEM_END answered; now it jumps into loaded code */
} SfSimRomResult;

/* @regs and @timing are shared with the stub machine; none is owned. */
SfSimRom       *_sf_sim_rom_new             (const SfSimChip *chip,
                                             SfSimFlash      *flash,
                                             SfSimRegs       *regs,
                                             SfSimTiming     *timing);
void            _sf_sim_rom_free            (SfSimRom        *self);
/* @arrival_us: when the frame's last byte came in (0 = now). The output
 * may leave at *@out_ready_us, when the ROM is done with the request. */
SfSimRomResult  _sf_sim_rom_handle_frame    (SfSimRom        *self,
                                             const guint8    *frame,
                                             gsize            length,
                                             gint64           arrival_us,
                                             GByteArray      *out,
                                             gint64          *out_ready_us);
/* Corrupt the @index-th flash data block from now (0 = the next one);
 * -1 disarms. */
void            _sf_sim_rom_arm_corruption  (SfSimRom        *self,
                                             gint             index);
/* A reset into download mode: it waits for SYNC again. */
void            _sf_sim_rom_reset           (SfSimRom        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSimRom, _sf_sim_rom_free)

G_END_DECLS
