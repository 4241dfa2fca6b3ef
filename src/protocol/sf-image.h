/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-chip.h"

G_BEGIN_DECLS

/* What a file is, judged from its content. */
typedef enum
{
  SF_IMAGE_KIND_RAW,              /* no image header: opaque data */
  SF_IMAGE_KIND_BOOTLOADER,       /* 0xE9 image that runs from RAM only */
  SF_IMAGE_KIND_APP,              /* 0xE9 image with flash-mapped segments */
  SF_IMAGE_KIND_PARTITION_TABLE,  /* ESP-IDF partition table (0xAA 0x50 entries) */
  SF_IMAGE_KIND_MERGED,           /* bootloader + partition table + app in one file */
  SF_IMAGE_KIND_ESP8266_V2,       /* 0xEA two-stage ESP8266 image */
} SfImageKind;

typedef struct
{
  SfImageKind kind;
  SfChip      chip;               /* from the extended header; SF_CHIP_AUTO when unknown */
  guint8      flash_mode;         /* header byte 2 */
  guint8      flash_size_code;    /* header byte 3, high nibble */
  guint8      flash_freq_code;    /* header byte 3, low nibble */
  guint32     entry;
  guint       n_segments;
  gboolean    has_extended_header;
  gboolean    hash_appended;
  guint16     min_revision;       /* major * 100 + minor */
  guint16     max_revision;       /* 0xFFFF or 0 = not set */
  gboolean    checksum_valid;
  gsize       image_length;       /* bytes up to and including checksum (+ hash) */
} SfImageInfo;

/* Never fails on data that is not an image: such data is SF_IMAGE_KIND_RAW.
 * Fails (SF_PROTOCOL_ERROR_INVALID_ARGUMENT) only for a header that starts
 * like an image but is cut short or inconsistent. */
gboolean     sf_image_parse             (GBytes            *data,
                                         SfImageInfo       *out_info,
                                         GError           **error);
/* "bootloader", "app", "raw data", ... (translatable) */
const char  *sf_image_kind_to_string    (SfImageKind        kind);
/* "ESP32 app, DIO, 4MB, 40m" for file rows and logs. */
char        *sf_image_describe          (const SfImageInfo *info);
/* Where a file like this normally goes on @chip (SF_CHIP_AUTO: use what
 * the image says): the bootloader offset, 0x8000 for a partition table,
 * 0x10000 for an app, 0x0 for merged and raw. */
guint32      sf_image_suggest_address   (const SfImageInfo *info,
                                         SfChip             chip);

/* Flash mode names "qio", "qout", "dio", "dout" <-> header codes 0..3. */
const char  *sf_image_flash_mode_name   (guint8             code);
gboolean     sf_image_flash_mode_from_name (const char     *name,
                                         guint8            *out_code);
/* "40m" etc. for @chip's frequency codes. */
const char  *sf_image_flash_freq_name   (SfChip             chip,
                                         guint8             code);
/* "4MB" etc. for @chip's size codes. */
char        *sf_image_flash_size_name   (SfChip             chip,
                                         guint8             code);

/* esptool's "keep"/"detect" header rewrite for a bootloader written at the
 * chip's bootloader offset (protocol.md 7.4). @flash_mode, @flash_size and
 * @flash_freq are NULL or "keep" to leave a field; @flash_size may be
 * "detect", replaced by @detected_flash_size. Returns @data itself (a new
 * reference) when nothing applies; recomputes the appended SHA-256. */
GBytes      *sf_image_rewrite_header    (GBytes            *data,
                                         SfChip             chip,
                                         const char        *flash_mode,
                                         const char        *flash_size,
                                         const char        *flash_freq,
                                         guint32            detected_flash_size,
                                         GError           **error);

/* Multi-line text for `image_info`, one fact per line. */
char        *sf_image_format_info       (GBytes            *data,
                                         GError           **error);

G_END_DECLS
