/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the three files of the image module share: sf-image.c parses,
 * sf-image-header.c names and rewrites the header's flash fields,
 * sf-image-info.c writes the `image_info` text. */

#include <glib.h>

#include "sf-bytes-private.h"
#include "sf-image.h"
#include "sf-partition-table-private.h"

G_BEGIN_DECLS

/* The ESP firmware image format: a 0xE9 magic, segments, a checksum and,
 * on the ESP32 family, an extended header and an optional SHA-256. */
#define SF_IMAGE_MAGIC            0xE9
#define SF_IMAGE_V2_MAGIC         0xEA
#define SF_IMAGE_V2_SEGMENT_COUNT 4
#define SF_IMAGE_COMMON_HEADER_LEN      8
#define SF_IMAGE_EXTENDED_HEADER_END    24
#define SF_IMAGE_MAX_SEGMENTS           16
#define SF_IMAGE_SEGMENT_HEADER_LEN     8
#define SF_IMAGE_CHECKSUM_SEED          0xEF
#define SF_IMAGE_SHA256_LEN             32

#define SF_IMAGE_DEFAULT_APP_OFFSET       0x10000
/* NONOS SDK "user1.bin" (V2) images go right after boot_v1.x. */
#define SF_IMAGE_ESP8266_V2_APP_OFFSET    0x1000

typedef struct
{
  guint32 load_addr;
  guint32 length;
  gsize   header_offset;   /* absolute, in the whole file */
} SfImageSegment;

/* Everything sf_image_parse finds, more than SfImageInfo carries; used by
 * sf_image_format_info and sf_image_rewrite_header. */
typedef struct
{
  SfImageInfo     info;

  /* 0xE9 / 0xEA images */
  gsize           base;              /* where the image starts in the file */
  SfImageSegment         segments[SF_IMAGE_MAX_SEGMENTS + 1];
  guint16         image_chip_id;
  guint8          legacy_min_revision;
  guint8          checksum_stored;
  guint8          checksum_computed;
  gsize           checksum_offset;   /* absolute */
  gboolean        hash_valid;
  gboolean        has_crc;           /* V2 only */
  gboolean        crc_valid;
  guint32         crc_stored;

  /* Partition tables and merged images: NULL for other files */
  SfPartitionTable *table;
  gsize           table_offset;
} SfParsedImage;

/* Frees @p and the table it holds. */
void         _sf_parsed_image_free      (SfParsedImage  *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfParsedImage, _sf_parsed_image_free)

/* Parses whatever @bytes holds into @p; never fails on data that is not
 * an image (see sf_image_parse()). */
gboolean     _sf_image_parse_all        (GBytes         *bytes,
                                         SfParsedImage  *p,
                                         GError        **error);
/* Parses a 0xE9 image starting at @base of @data[0, @len). */
gboolean     _sf_image_parse_e9         (const guint8   *data,
                                         gsize           len,
                                         gsize           base,
                                         SfParsedImage  *p,
                                         GError        **error);
/* "IROM"/"DROM" when @addr is flash-mapped on @chip, else NULL. */
const char  *_sf_image_flash_range_name (SfChip          chip,
                                         guint32         addr);
gboolean     _sf_image_chip_is_esp8266  (SfChip          chip);
/* The chip whose header encodings apply: ESP32 rules for unknown chips. */
SfChip       _sf_image_encoding_chip    (SfChip          chip);

G_END_DECLS
