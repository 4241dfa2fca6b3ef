/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include "sf-sim-device-private.h"

/* What a test asks to go wrong: one SfSimFault at a time in the loaders,
 * and, on top of it, a bad cable (sf-sim-noise.c) and slow flash. */

/* A burst of garbage every this often until the ROM is synced. */
#define GARBAGE_INTERVAL_US (20 * 1000)

void
sf_sim_device_set_fault (SfSimDevice *self,
                         SfSimFault   fault,
                         guint        after_commands)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  g_mutex_lock (&self->mutex);
  self->fault = fault;
  self->fault_after = after_commands;
  self->fault_base = self->request_count;
  self->fault_changed = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
sf_sim_device_set_slow_flash (SfSimDevice *self,
                              gboolean     slow)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  g_atomic_int_set (&self->slow_flash, !!slow);
}

void
sf_sim_device_set_line_noise (SfSimDevice *self,
                              guint        drop_one_in,
                              guint        corrupt_one_in,
                              guint32      seed)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  _sf_sim_noise_set_line (self->noise, drop_one_in, corrupt_one_in, seed);
}

void
sf_sim_device_set_request_drop (SfSimDevice *self,
                                guint        drop_one_in)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  _sf_sim_noise_set_request_drop (self->noise, drop_one_in);
}

void
sf_sim_device_set_garbage_before_sync (SfSimDevice *self,
                                       gboolean     garbage)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  _sf_sim_noise_set_garbage (self->noise, garbage);
}

void
sf_sim_device_get_fault_counts (SfSimDevice      *self,
                                SfSimFaultCounts *out_counts)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (out_counts != NULL);

  _sf_sim_noise_get_counts (self->noise, out_counts);
}

guint
sf_sim_device_get_faults_injected (SfSimDevice *self)
{
  SfSimFaultCounts counts;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), 0);

  _sf_sim_noise_get_counts (self->noise, &counts);
  return counts.dropped + counts.corrupted + counts.dropped_requests + counts.garbage_bursts;
}

void
sf_sim_device_take_wire_stats (SfSimDevice    *self,
                               SfSimWireStats *out_stats)
{
  WireCounts w;

  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (out_stats != NULL);

  g_mutex_lock (&self->mutex);
  w = self->wire;
  memset (&self->wire, 0, sizeof self->wire);
  g_mutex_unlock (&self->mutex);

  out_stats->rx_bytes = w.rx;
  out_stats->tx_bytes = w.tx;
  out_stats->data_bytes = w.data_bytes;
  out_stats->data_us = w.data_first_us && w.data_last_us > w.data_first_us ?
                       w.data_last_us - w.data_first_us : 0;
  out_stats->read_bytes = w.read_bytes;
  out_stats->read_us = w.read_first_us && w.read_last_us > w.read_first_us ?
                       w.read_last_us - w.read_first_us : 0;
}

/* --- In the serving thread ---------------------------------------------- */

void
_sf_sim_device_arm_faults (SfSimDevice *self)
{
  gint corrupt = self->fault == SF_SIM_FAULT_CORRUPT_WRITE ? (gint) self->fault_after : -1;
  gint fail = self->fault == SF_SIM_FAULT_LATE_WRITE_ERROR ? (gint) self->fault_after : -1;

  _sf_sim_rom_arm_corruption (self->rom, corrupt);
  _sf_sim_stub_arm_faults (self->stub, corrupt, fail);
}

void
_sf_sim_device_apply_fault_changes (SfSimDevice *self)
{
  g_mutex_lock (&self->mutex);
  if (self->fault_changed)
    {
      self->fault_changed = FALSE;
      _sf_sim_device_arm_faults (self);
    }
  g_mutex_unlock (&self->mutex);
}

void
_sf_sim_device_send_frames (SfSimDevice  *self,
                            guint         kind,
                            const guint8 *wire,
                            gsize         length,
                            gint64        ready_us)
{
  g_autoptr(GByteArray) heard = NULL;

  /* The loaders have done their work by now: whatever the cable does,
   * it does to the answer only. */
  if (length != 0 && _sf_sim_noise_affects_output (self->noise))
    {
      g_byte_array_set_size (self->noisy, 0);
      _sf_sim_noise_pass_output (self->noise, wire, length, self->noisy);
      wire = self->noisy->data;
      length = self->noisy->len;
    }
  /* A host listening at the wrong rate reads whatever its UART makes of
   * the chip's bits. */
  if (length != 0 && self->mismatch_chip_baud != 0)
    {
      heard = g_byte_array_new ();
      _sf_sim_noise_resample_uart (wire, length, self->mismatch_chip_baud,
                                   self->mismatch_host_baud, heard);
      wire = heard->data;
      length = heard->len;
    }
  _sf_sim_device_enqueue (self, kind, wire, length, ready_us);
}

void
_sf_sim_device_line_reset (SfSimDevice *self)
{
  self->awaiting_sync = TRUE;
  self->garbage_due_us = 0;
}

gint64
_sf_sim_device_garbage_tick (SfSimDevice *self,
                             gint64       now_us)
{
  if (!self->awaiting_sync || !_sf_sim_noise_get_garbage (self->noise))
    return 0;
  if (now_us < self->garbage_due_us)
    return self->garbage_due_us;

  /* Only onto an idle line: a host that does not read (or is not there
   * yet) must not find a backlog of it, only what a UART's buffer holds.
   * A burst that has to wait is not made up later. */
  if (g_queue_is_empty (&self->out_queue))
    {
      g_byte_array_set_size (self->noisy, 0);
      _sf_sim_noise_make_garbage (self->noise, self->noisy);
      _sf_sim_device_enqueue (self, WIRE_OTHER, self->noisy->data, self->noisy->len, 0);
    }
  self->garbage_due_us = now_us + GARBAGE_INTERVAL_US;
  return self->garbage_due_us;
}
