/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-timing"

#include "config.h"

#include "sf-sim-common-private.h"
#include "sf-sim-timing-private.h"

/* Typical figures of a common 4 MB SPI NOR flash, the Winbond W25Q32JV
 * (datasheet "W25Q32JV 3V 32M-bit serial flash memory", AC electrical
 * characteristics, typical column): page program (256 bytes) 0.4 ms,
 * 4 KiB sector erase 45 ms, 32 KiB block erase 120 ms, 64 KiB block erase
 * 150 ms, chip erase 10 s for its 4 MiB (scaled here by the simulated
 * size). Reads: the ESP loaders read through the SPI controller in small
 * chunks, about 4 MiB/s, for MD5 and READ_FLASH alike. */
#define PAGE_SIZE            256
#define PAGE_PROGRAM_US      400
#define SECTOR_ERASE_US      (45 * 1000)
#define BLOCK32_ERASE_US     (120 * 1000)
#define BLOCK64_ERASE_US     (150 * 1000)
#define CHIP_ERASE_US        (10 * G_USEC_PER_SEC)
#define CHIP_ERASE_REF_SIZE  (4u * 1024 * 1024)
#define READ_BYTES_PER_SEC   (4u * 1024 * 1024)

/* The same datasheet's maximum column, for a board whose flash is at the
 * end of its life or at the edge of its temperature range: page program
 * 3 ms, sector erase 400 ms, 32 KiB block erase 1.6 s, 64 KiB block erase
 * 2 s. Its chip erase maximum of 50 s is halved, and bounded, so that a
 * test of it stays under a minute: 25 s for 4 MiB, scaled like the typical
 * figure but never past 25 s, unless the typical figure is longer (it
 * then counts). The SPI read rate is the clock's, so reads do not slow. */
#define PAGE_PROGRAM_MAX_US  (3 * 1000)
#define SECTOR_ERASE_MAX_US  (400 * 1000)
#define BLOCK32_ERASE_MAX_US (1600 * 1000)
#define BLOCK64_ERASE_MAX_US (2 * G_USEC_PER_SEC)
#define CHIP_ERASE_SLOW_US   (25 * G_USEC_PER_SEC)

void
_sf_sim_timing_reset (SfSimTiming *self)
{
  self->cpu_us = 0;
  self->flash_us = 0;
}

gint64
_sf_sim_timing_begin (SfSimTiming *self,
                      gint64       arrival_us)
{
  if (arrival_us == 0)
    arrival_us = g_get_monotonic_time ();
  if (!self->enabled)
    return arrival_us;
  return MAX (arrival_us, self->cpu_us);
}

void
_sf_sim_timing_end (SfSimTiming *self,
                    gint64       now_us)
{
  self->cpu_us = MAX (self->cpu_us, now_us);
}

gint64
_sf_sim_timing_flash (SfSimTiming *self,
                      gint64       now_us,
                      gint64       duration_us,
                      gboolean     wait)
{
  gint64 start;

  if (!self->enabled)
    return now_us;
  start = MAX (now_us, self->flash_us);
  self->flash_us = start + duration_us;
  return wait ? self->flash_us : start;
}

gboolean
_sf_sim_timing_flash_busy (SfSimTiming *self,
                           gint64       now_us)
{
  return self->enabled && self->flash_us > now_us;
}

gint64
_sf_sim_timing_erase_us (SfSimTiming *self,
                         guint32      span)
{
  if (!self->enabled)
    return 0;
  if (span >= 0x10000)
    return self->worst_case ? BLOCK64_ERASE_MAX_US : BLOCK64_ERASE_US;
  if (span >= 0x8000)
    return self->worst_case ? BLOCK32_ERASE_MAX_US : BLOCK32_ERASE_US;
  return self->worst_case ? SECTOR_ERASE_MAX_US : SECTOR_ERASE_US;
}

gint64
_sf_sim_timing_chip_erase_us (SfSimTiming *self,
                              gsize        flash_size)
{
  gint64 typical, slow;

  if (!self->enabled)
    return 0;
  typical = (gint64) ((double) CHIP_ERASE_US * flash_size / CHIP_ERASE_REF_SIZE);
  if (!self->worst_case)
    return typical;
  slow = (gint64) ((double) CHIP_ERASE_SLOW_US * flash_size / CHIP_ERASE_REF_SIZE);
  return MAX (typical, MIN (slow, CHIP_ERASE_SLOW_US));
}

gint64
_sf_sim_timing_program_us (SfSimTiming *self,
                           guint32      offset,
                           gsize        length)
{
  guint64 first, last;

  if (!self->enabled || length == 0)
    return 0;
  /* Each page touched is one page program. */
  first = offset / PAGE_SIZE;
  last = ((guint64) offset + length - 1) / PAGE_SIZE;
  return (gint64) (last - first + 1) * (self->worst_case ? PAGE_PROGRAM_MAX_US : PAGE_PROGRAM_US);
}

gint64
_sf_sim_timing_read_us (SfSimTiming *self,
                        gsize        length)
{
  if (!self->enabled)
    return 0;
  return (gint64) length * G_USEC_PER_SEC / READ_BYTES_PER_SEC;
}

gint64
_sf_sim_timing_delay_us (SfSimTiming *self,
                         guint32      microseconds)
{
  return self->enabled ? microseconds : 0;
}

guint32
_sf_sim_erase_step (guint32 address,
                    guint64 remaining)
{
  if (remaining >= SF_SIM_BLOCK_SIZE && address % SF_SIM_BLOCK_SIZE == 0)
    return SF_SIM_BLOCK_SIZE;
  return SF_SIM_SECTOR_SIZE;
}

gint64
_sf_sim_timing_erase_range_us (SfSimTiming *self,
                               guint32      start,
                               guint64      length)
{
  gint64 total = 0;
  guint64 address = start;
  guint64 end = (guint64) start + length;

  if (!self->enabled)
    return 0;
  while (address < end)
    {
      guint32 step = _sf_sim_erase_step ((guint32) address, end - address);

      total += _sf_sim_timing_erase_us (self, step);
      address += step;
    }
  return total;
}
