/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The simulated SPI NOR flash: erase sets bytes to 0xFF, programming can
 * only clear bits (new = old & data). Every accessor locks, so the test
 * thread may peek while the device thread writes. With a backing file each
 * change is written through with pwrite(). */
typedef struct _SfSimFlash SfSimFlash;

SfSimFlash *_sf_sim_flash_new       (gsize          size,
                                     const char    *path,
                                     GError       **error);
void        _sf_sim_flash_free      (SfSimFlash    *self);
gsize       _sf_sim_flash_get_size  (SfSimFlash    *self);
gboolean    _sf_sim_flash_read      (SfSimFlash    *self,
                                     guint32        offset,
                                     guint8        *out,
                                     gsize          length);
GBytes     *_sf_sim_flash_dup       (SfSimFlash    *self,
                                     guint32        offset,
                                     gsize          length);
/* NOR programming: ANDs @data into the flash. */
gboolean    _sf_sim_flash_program   (SfSimFlash    *self,
                                     guint32        offset,
                                     const guint8  *data,
                                     gsize          length);
gboolean    _sf_sim_flash_erase     (SfSimFlash    *self,
                                     guint32        offset,
                                     gsize          length);
/* Overwrites bytes as they are (test back door, not NOR semantics). */
gboolean    _sf_sim_flash_overwrite (SfSimFlash    *self,
                                     guint32        offset,
                                     const guint8  *data,
                                     gsize          length);
void        _sf_sim_flash_flip_bit  (SfSimFlash    *self,
                                     guint32        offset);
/* The binary MD5 digest of a range. */
gboolean    _sf_sim_flash_md5       (SfSimFlash    *self,
                                     guint32        offset,
                                     gsize          length,
                                     guint8         out_digest[16]);
/* How many 4 KiB sectors erases have covered since creation (a 64 KiB
 * block counts 16), for tests of the stub's lazy erase. */
guint       _sf_sim_flash_get_erased_sectors (SfSimFlash *self);
void        _sf_sim_flash_sync      (SfSimFlash    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSimFlash, _sf_sim_flash_free)

G_END_DECLS
