/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include <string.h>

#include "sf-sim-device-private.h"

/* What board a device is, set before start: its crystal, its flash size
 * and what its eFuses hold. The serving thread's registers get a copy on
 * start. */

static gboolean
is_running (SfSimDevice *self)
{
  return self->thread != NULL;
}

void
sf_sim_device_set_crystal_mhz (SfSimDevice *self,
                               guint        mhz)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));
  g_return_if_fail (mhz == 0 || mhz == 26 || mhz == 40);

  self->xtal_mhz = mhz;
}

void
sf_sim_device_set_flash_size (SfSimDevice *self,
                              gsize        size)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));
  g_return_if_fail (size >= 4096 && size <= 256 * 1024 * 1024);

  self->flash_size = size;
  g_clear_pointer (&self->flash, _sf_sim_flash_free);
}

void
sf_sim_device_set_mac (SfSimDevice  *self,
                       const guint8  mac[6])
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));

  memcpy (self->mac, mac, sizeof self->mac);
  if (self->chip->is_esp8266)
    memcpy (self->mac, self->chip->mac, 3);
}

void
sf_sim_device_get_mac (SfSimDevice *self,
                       guint8       out_mac[6])
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  memcpy (out_mac, self->mac, 6);
}
