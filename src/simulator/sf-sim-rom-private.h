/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-chip-private.h"
#include "sf-sim-flash-private.h"

G_BEGIN_DECLS

/* The ROM download loader's command machine, free of any I/O: decoded
 * request frames go in, SLIP-encoded reply frames come out. */
typedef struct _SfSimRom SfSimRom;

typedef enum
{
  SF_SIM_ROM_IGNORED,   /* not a command the ROM reacts to (noise, pre-SYNC) */
  SF_SIM_ROM_ANSWERED,  /* a command, answered (possibly with an error) */
} SfSimRomResult;

SfSimRom       *_sf_sim_rom_new             (const SfSimChip *chip,
                                             SfSimFlash      *flash);
void            _sf_sim_rom_free            (SfSimRom        *self);
SfSimRomResult  _sf_sim_rom_handle_frame    (SfSimRom        *self,
                                             const guint8    *frame,
                                             gsize            length,
                                             GByteArray      *out);
/* The baud rate the client's port runs at, which the ROM's auto-baud would
 * have measured; it shows in the UART clock divider register. */
void            _sf_sim_rom_set_line_baud   (SfSimRom        *self,
                                             guint            baud);
/* Corrupt the @index-th flash data block from now (0 = the next one);
 * -1 disarms. */
void            _sf_sim_rom_arm_corruption  (SfSimRom        *self,
                                             gint             index);
/* TRUE while a FLASH_END/DEFL_END made it leave download mode and it waits
 * for a new SYNC (our stand-in for a reset). */
gboolean        _sf_sim_rom_needs_sync      (SfSimRom        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSimRom, _sf_sim_rom_free)

G_END_DECLS
