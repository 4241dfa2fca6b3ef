/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-chip.h"
#include "sf-stub-image.h"

G_BEGIN_DECLS

/* One chip's flasher stub as esptool describes it: two segments to load
 * into RAM (MEM_BEGIN/MEM_DATA) and the address MEM_END jumps to. bss_start
 * is where the stub's zeroed memory begins; nothing is loaded there. */
typedef struct
{
  guint32  entry;
  guint32  text_start;
  guint32  data_start;
  guint32  bss_start;
  GBytes  *text;
  GBytes  *data;          /* NULL when the stub has no data segment */
} SfStubImage;

/* The stub built in for @chip. Fails with SF_PROTOCOL_ERROR_UNSUPPORTED
 * when there is none to use, so that callers fall back to the ROM loader. */
SfStubImage *_sf_stub_image_load (SfChip        chip,
                                  GError      **error);
/* Parses @length bytes of a stub's JSON (esptool's keys: entry,
 * text_start, data_start, bss_start, base64 text and data), which need not
 * end in a NUL. _sf_stub_image_load() uses it on the built-in stubs; on
 * its own it is there for the tests and fuzzers. Fails like
 * _sf_stub_image_load() for a damaged stub (@chip names it). */
SfStubImage *_sf_stub_image_parse (SfChip        chip,
                                   const char   *json,
                                   gsize         length,
                                   GError      **error);
void         _sf_stub_image_free (SfStubImage  *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfStubImage, _sf_stub_image_free)

G_END_DECLS
