/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long the simulated board takes, on a virtual clock in monotonic
 * microseconds. The loader's CPU handles one command after the other and
 * is busy until @cpu_us; the SPI flash chip works on its own and is busy
 * until @flash_us (an erase the stub starts runs on while the CPU goes on).
 * A reply may not leave before the time the machine computed for it.
 *
 * With @enabled FALSE (the default) every duration is 0: replies leave as
 * soon as the request is in, as they always did. With @worst_case the
 * flash takes the datasheet's maximum times instead of its typical ones. */
typedef struct
{
  gboolean enabled;
  gboolean worst_case;
  gint64   cpu_us;
  gint64   flash_us;
} SfSimTiming;

void     _sf_sim_timing_reset         (SfSimTiming *self);
/* When the CPU starts on a request that arrived (last byte in) at
 * @arrival_us; 0 means "now". */
gint64   _sf_sim_timing_begin         (SfSimTiming *self,
                                       gint64       arrival_us);
/* The CPU is done at @now_us (it may take the next request then). */
void     _sf_sim_timing_end           (SfSimTiming *self,
                                       gint64       now_us);
/* Starts a flash operation of @duration_us at @now_us or, if the chip is
 * still busy, when it is idle. Returns when the CPU goes on: at the end of
 * the operation when @wait, else when it was started. */
gint64   _sf_sim_timing_flash         (SfSimTiming *self,
                                       gint64       now_us,
                                       gint64       duration_us,
                                       gboolean     wait);
/* Is the flash chip still working at @now_us? */
gboolean _sf_sim_timing_flash_busy    (SfSimTiming *self,
                                       gint64       now_us);

/* Durations (0 when timing is off). */
gint64   _sf_sim_timing_erase_us      (SfSimTiming *self,
                                       guint32      span);
gint64   _sf_sim_timing_chip_erase_us (SfSimTiming *self,
                                       gsize        flash_size);
gint64   _sf_sim_timing_program_us    (SfSimTiming *self,
                                       guint32      offset,
                                       gsize        length);
gint64   _sf_sim_timing_read_us       (SfSimTiming *self,
                                       gsize        length);
gint64   _sf_sim_timing_delay_us      (SfSimTiming *self,
                                       guint32      microseconds);
/* A whole range erased the way the loaders split it (see
 * _sf_sim_erase_step), one command after the other. */
gint64   _sf_sim_timing_erase_range_us (SfSimTiming *self,
                                        guint32      start,
                                        guint64      length);

/* The erase the loaders issue next at @address with @remaining bytes left:
 * a 64 KiB block erase where the address is 64 KiB-aligned and at least a
 * block remains, else a 4 KiB sector erase. */
guint32  _sf_sim_erase_step           (guint32      address,
                                       guint64      remaining);

G_END_DECLS
