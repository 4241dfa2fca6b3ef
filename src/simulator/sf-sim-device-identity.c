/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include <string.h>

#include "sf-sim-device-private.h"

/* What board a device is, set before start: its crystal, its flash size
 * and what its eFuses hold (factory MAC, secure boot, flash encryption,
 * ESP8285). The serving thread's registers get a copy on start. */

#define MIB (1024 * 1024)

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

static void
change_flash_size (SfSimDevice *self,
                   gsize        size)
{
  if (size == self->flash_size)
    return;
  self->flash_size = size;
  g_clear_pointer (&self->flash, _sf_sim_flash_free);
}

void
sf_sim_device_set_flash_size (SfSimDevice *self,
                              gsize        size)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));
  g_return_if_fail (size >= 4096 && size <= 256 * 1024 * 1024);

  if (self->esp8285 && size != 1 * MIB && size != 2 * MIB)
    {
      g_warning ("An ESP8285's flash is in its package: 1 or 2 MiB, not %" G_GSIZE_FORMAT " bytes", size);
      return;
    }
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

/* The ESP8266 has no eFuses for either. */
static void
set_security (SfSimDevice *self,
              gboolean    *feature,
              gboolean     enabled,
              const char  *what)
{
  if (self->chip->secure_boot_reg == 0)
    {
      if (enabled)
        g_warning ("The %s has no %s; ignored", self->chip->name, what);
      return;
    }
  *feature = !!enabled;
}

void
sf_sim_device_set_secure_boot (SfSimDevice *self,
                               gboolean     enabled)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));

  set_security (self, &self->secure_boot, enabled, "secure boot");
}

void
sf_sim_device_set_flash_encryption (SfSimDevice *self,
                                    gboolean     enabled)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));

  set_security (self, &self->flash_encryption, enabled, "flash encryption");
}

void
sf_sim_device_set_esp8285 (SfSimDevice *self,
                           gboolean     esp8285)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));

  if (!self->chip->is_esp8266)
    {
      if (esp8285)
        g_warning ("Only an ESP8266 can be an ESP8285, not the %s; ignored", self->chip->name);
      return;
    }
  /* Its flash is the package's: 1 MiB unless 2 MiB was chosen; an
   * ESP8285 made an ESP8266EX again gets the default flash. */
  if (esp8285 && self->flash_size != 2 * MIB)
    change_flash_size (self, 1 * MIB);
  else if (!esp8285 && self->esp8285)
    change_flash_size (self, SF_SIM_DEFAULT_FLASH_SIZE);
  self->esp8285 = !!esp8285;
}

void
_sf_sim_device_get_efuses (SfSimDevice *self,
                           SfSimEfuses *out_efuses)
{
  _sf_sim_chip_default_efuses (self->chip, out_efuses);
  memcpy (out_efuses->mac, self->mac, sizeof out_efuses->mac);
  out_efuses->secure_boot = self->secure_boot;
  out_efuses->flash_encryption = self->flash_encryption;
  if (self->esp8285)
    out_efuses->esp8285_flash_mb = self->flash_size == 2 * MIB ? 2 : 1;
}
