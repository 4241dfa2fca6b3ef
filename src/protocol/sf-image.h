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
  SfChip      chip;               /* from the extended header's chip id, SF_CHIP_ESP8266 for
                                   * images without one; SF_CHIP_AUTO when unknown */
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
  gsize       image_length;       /* bytes up to and including checksum (+ hash, + V2 CRC);
                                   * for MERGED: of the bootloader inside, partition
                                   * table: up to its end marker */
} SfImageInfo;

/* Never fails on data that is not an image: such data is SF_IMAGE_KIND_RAW.
 * Fails (SF_PROTOCOL_ERROR_INVALID_ARGUMENT) only for a header that starts
 * like an image but is cut short or inconsistent; the message names the
 * problem and its offset ("segment 2 runs past the end of the file ..."),
 * in lower case so callers can prefix the file name. Safe on any input. */
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

/* Flash mode names "qio", "qout", "dio", "dout" <-> header codes 0..3;
 * NULL / FALSE for anything else (names are matched case-insensitively). */
const char  *sf_image_flash_mode_name   (guint8             code);
gboolean     sf_image_flash_mode_from_name (const char     *name,
                                         guint8            *out_code);
/* "40m" etc. for @chip's frequency codes (SF_CHIP_AUTO: ESP32's); NULL for
 * a code @chip doesn't use. */
const char  *sf_image_flash_freq_name   (SfChip             chip,
                                         guint8             code);
/* "4MB", "2MB-c1" etc. for @chip's size codes (SF_CHIP_AUTO: ESP32's);
 * NULL for a code @chip doesn't use. */
char        *sf_image_flash_size_name   (SfChip             chip,
                                         guint8             code);

/* esptool's "keep"/"detect" header rewrite of the flash mode, size and
 * frequency bytes. Call it only
 * for a file written at the chip's bootloader offset
 * (sf_chip_get_bootloader_offset()), and not with secure boot or in Secure
 * Download Mode: it doesn't check those. @flash_mode, @flash_size and
 * @flash_freq are NULL or "keep" to leave a field; @flash_size may be
 * "detect", replaced by @detected_flash_size (4 MB when that is 0).
 * Returns @data itself (a new reference) when nothing applies or changes:
 * data that isn't a 0xE9 image (raw, 0xEA, too short, fails to parse).
 * Otherwise a new GBytes with bytes 2 and 3 rewritten and, when byte 23 is
 * 1, the appended SHA-256 recomputed; bytes after it are kept.
 * Errors: SF_PROTOCOL_ERROR_INVALID_ARGUMENT for unknown names or a size
 * @chip's header can't encode; SF_PROTOCOL_ERROR_WRONG_CHIP when the
 * image was built for another chip (@chip SF_CHIP_AUTO: trust the image). */
GBytes      *sf_image_rewrite_header    (GBytes            *data,
                                         SfChip             chip,
                                         const char        *flash_mode,
                                         const char        *flash_size,
                                         const char        *flash_freq,
                                         guint32            detected_flash_size,
                                         GError           **error);

/* Multi-line text for `image_info`, one fact per line. Fails like
 * sf_image_parse(). */
char        *sf_image_format_info       (GBytes            *data,
                                         GError           **error);

G_END_DECLS
