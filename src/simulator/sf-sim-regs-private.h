/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-chip-private.h"
#include "sf-sim-flash-private.h"

G_BEGIN_DECLS

/* The chip's registers as READ_REG / WRITE_REG see them, the same for the
 * ROM loader and the flasher stub (the stub runs on the same silicon): the
 * eFuse and ROM words of the chip table, whatever a host wrote, the UART
 * clock divider, and the SPI flash controller, which runs a flash command
 * (JEDEC id, status, read, erase, program) when a host sets its USR bit. */
typedef struct _SfSimRegs SfSimRegs;

SfSimRegs *_sf_sim_regs_new           (const SfSimChip *chip,
                                       SfSimFlash      *flash);
void       _sf_sim_regs_free          (SfSimRegs       *self);
/* The crystal fitted, if not the chip's usual one (SfSimChip.xtal_mhz). */
void       _sf_sim_regs_set_xtal_mhz  (SfSimRegs       *self,
                                       guint            mhz);
/* What the board's own eFuses hold (MAC, security, ESP8285), if not
 * the chip table's defaults. */
void       _sf_sim_regs_set_efuses    (SfSimRegs         *self,
                                       const SfSimEfuses *efuses);
/* GET_SECURITY_INFO's answer from those eFuses (20 bytes; the chip's
 * security_info_length of them are sent). */
void       _sf_sim_regs_security_info (SfSimRegs       *self,
                                       guint8           out_info[20]);
/* The UART's clock in Hz: the crystal's, times the chip's factor. */
double     _sf_sim_regs_uart_clock    (SfSimRegs       *self);
/* The rate the host's port runs at, which the ROM's auto-baud measured;
 * it shows in the UART clock divider register. */
void       _sf_sim_regs_set_line_baud (SfSimRegs       *self,
                                       guint            baud);
/* CHANGE_BAUDRATE set the chip's UART divider: from now on it runs at
 * @baud, the rate it really ends up at (0 = it did not switch). The
 * serving thread takes it, once, to compare with the rate the host's port
 * is switched to after the reply. */
void       _sf_sim_regs_switch_uart   (SfSimRegs       *self,
                                       guint            baud);
guint      _sf_sim_regs_take_uart_switch (SfSimRegs    *self);
guint32    _sf_sim_regs_read          (SfSimRegs       *self,
                                       guint32          address);
/* (value & mask) | (old & ~mask). */
void       _sf_sim_regs_write         (SfSimRegs       *self,
                                       guint32          address,
                                       guint32          value,
                                       guint32          mask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSimRegs, _sf_sim_regs_free)

G_END_DECLS
