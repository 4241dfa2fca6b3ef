/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-image.h"
#include "sf-protocol-error.h"

/* Images are built here byte by byte from the image format, not with
 * any code from src/protocol, so a misreading there can't hide here. */

typedef struct
{
  guint32 addr;
  guint32 len;
} SegSpec;

typedef struct
{
  gboolean       extended;
  guint16        chip_id;
  guint8         mode;
  guint8         size_freq;
  guint32        entry;
  const SegSpec *segs;
  guint          n_segs;
  gboolean       hash;
  guint16        min_rev;
  guint16        max_rev;
} ImageSpec;

typedef struct
{
  gsize  checksum_offset;
  gsize  image_length;
  gsize  segment_header_offsets[16];
} ImageLayout;

static void
put_u32 (GByteArray *a,
         guint32     v)
{
  guint8 b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };

  g_byte_array_append (a, b, 4);
}

static void
put_u16 (GByteArray *a,
         guint16     v)
{
  guint8 b[2] = { v & 0xFF, v >> 8 };

  g_byte_array_append (a, b, 2);
}

static void
put_byte (GByteArray *a,
          guint8      v)
{
  g_byte_array_append (a, &v, 1);
}

static void
put_fill (GByteArray *a,
          guint8      v,
          gsize       n)
{
  for (gsize i = 0; i < n; i++)
    put_byte (a, v);
}

static void
sha256 (const guint8 *data,
        gsize         len,
        guint8        out[32])
{
  GChecksum *c = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = 32;

  g_checksum_update (c, data, len);
  g_checksum_get_digest (c, out, &n);
  g_checksum_free (c);
}

/* Appends an image to @a; offsets in @layout are relative to its start. */
static void
append_image (GByteArray      *a,
              const ImageSpec *spec,
              ImageLayout     *layout)
{
  gsize start = a->len;
  guint8 checksum = 0xEF;

  put_byte (a, 0xE9);
  put_byte (a, spec->n_segs);
  put_byte (a, spec->mode);
  put_byte (a, spec->size_freq);
  put_u32 (a, spec->entry);
  if (spec->extended)
    {
      put_byte (a, 0xEE);           /* WP pin */
      put_fill (a, 0, 3);           /* drive strengths */
      put_u16 (a, spec->chip_id);
      put_byte (a, 0);              /* legacy min revision */
      put_u16 (a, spec->min_rev);
      put_u16 (a, spec->max_rev);
      put_fill (a, 0, 4);           /* reserved */
      put_byte (a, spec->hash ? 1 : 0);
    }

  for (guint i = 0; i < spec->n_segs; i++)
    {
      if (layout != NULL)
        layout->segment_header_offsets[i] = a->len - start;
      put_u32 (a, spec->segs[i].addr);
      put_u32 (a, spec->segs[i].len);
      for (guint32 j = 0; j < spec->segs[i].len; j++)
        {
          guint8 b = (guint8) (j * 7 + i * 13 + 1);

          put_byte (a, b);
          checksum ^= b;
        }
    }

  while ((a->len - start) % 16 != 15)
    put_byte (a, 0);
  if (layout != NULL)
    layout->checksum_offset = a->len - start;
  put_byte (a, checksum);

  if (spec->extended && spec->hash)
    {
      guint8 digest[32];

      sha256 (a->data + start, a->len - start, digest);
      g_byte_array_append (a, digest, 32);
    }
  if (layout != NULL)
    layout->image_length = a->len - start;
}

static GBytes *
build_image (const ImageSpec *spec,
             ImageLayout     *layout)
{
  GByteArray *a = g_byte_array_new ();

  append_image (a, spec, layout);
  return g_byte_array_free_to_bytes (a);
}

/* ESP8266 app (RTOS SDK style: an IROM segment inside the 0xE9 image). */
static const SegSpec esp8266_app_segs[] = {
  { 0x40100000, 0x40 },
  { 0x3FFE8000, 0x24 },
  { 0x40201010, 0x100 },
};
static const ImageSpec esp8266_app = {
  .extended = FALSE, .mode = 0 /* qio */, .size_freq = 0x40 /* 4MB, 40m */,
  .entry = 0x40100004, .segs = esp8266_app_segs, .n_segs = 3,
};

static const SegSpec esp8266_boot_segs[] = {
  { 0x40100000, 0x80 },
};
static const ImageSpec esp8266_boot = {
  .extended = FALSE, .mode = 2, .size_freq = 0x2F /* 1MB, 80m */,
  .entry = 0x40100010, .segs = esp8266_boot_segs, .n_segs = 1,
};

static const SegSpec esp32_boot_segs[] = {
  { 0x3FFF0030, 0x104 },
  { 0x40078000, 0x310 },
  { 0x40080400, 0x60 },
};
static const ImageSpec esp32_boot = {
  .extended = TRUE, .chip_id = 0, .mode = 2 /* dio */, .size_freq = 0x20 /* 4MB, 40m */,
  .entry = 0x40080604, .segs = esp32_boot_segs, .n_segs = 3, .hash = TRUE,
  .max_rev = 0xFFFF,
};

static const SegSpec esp32_app_segs[] = {
  { 0x3F400020, 0x200 },
  { 0x3FFB0000, 0x40 },
  { 0x400D0020, 0x400 },
};
static const ImageSpec esp32_app = {
  .extended = TRUE, .chip_id = 0, .mode = 2, .size_freq = 0x20,
  .entry = 0x40081000, .segs = esp32_app_segs, .n_segs = 3, .hash = TRUE,
  .max_rev = 0xFFFF,
};

static const SegSpec esp32c3_app_segs[] = {
  { 0x3C000020, 0x200 },
  { 0x3FC88000, 0x40 },
  { 0x42000020, 0x400 },
  { 0x40380000, 0x80 },
};
static const ImageSpec esp32c3_app = {
  .extended = TRUE, .chip_id = 5, .mode = 2, .size_freq = 0x1F /* 2MB, 80m */,
  .entry = 0x40380080, .segs = esp32c3_app_segs, .n_segs = 4, .hash = TRUE,
  .min_rev = 3, .max_rev = 199,
};

static const SegSpec esp32c3_boot_segs[] = {
  { 0x3FCD5820, 0x100 },
  { 0x403CC710, 0x200 },
};
static const ImageSpec esp32c3_boot = {
  .extended = TRUE, .chip_id = 5, .mode = 2, .size_freq = 0x1F,
  .entry = 0x403CC71A, .segs = esp32c3_boot_segs, .n_segs = 2, .hash = FALSE,
  .max_rev = 0xFFFF,
};

static void
assert_parse_ok (GBytes      *data,
                 SfImageInfo *info)
{
  g_autoptr(GError) error = NULL;

  memset (info, 0xAA, sizeof *info);
  g_assert_true (sf_image_parse (data, info, &error));
  g_assert_no_error (error);
}

static void
assert_describe (const SfImageInfo *info,
                 const char        *expected)
{
  g_autofree char *text = sf_image_describe (info);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_info_contains (GBytes     *data,
                      const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = sf_image_format_info (data, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  if (strstr (text, needle) == NULL)
    g_error ("\"%s\" not found in:\n%s", needle, text);
}

static void
test_esp8266_app (void)
{
  ImageLayout layout;
  g_autoptr(GBytes) data = build_image (&esp8266_app, &layout);
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_APP);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP8266);
  g_assert_false (info.has_extended_header);
  g_assert_false (info.hash_appended);
  g_assert_cmpuint (info.flash_mode, ==, 0);
  g_assert_cmpuint (info.flash_size_code, ==, 4);
  g_assert_cmpuint (info.flash_freq_code, ==, 0);
  g_assert_cmphex (info.entry, ==, 0x40100004);
  g_assert_cmpuint (info.n_segments, ==, 3);
  g_assert_true (info.checksum_valid);
  g_assert_cmpuint (info.image_length, ==, layout.image_length);
  g_assert_cmpuint (info.image_length, ==, g_bytes_get_size (data));
  g_assert_cmpuint (info.image_length % 16, ==, 0);
  assert_describe (&info, "ESP8266 app, QIO, 4MB, 40m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x10000);
  assert_info_contains (data, "Chip: ESP8266 (no extended header)\n");
  assert_info_contains (data, "  3: load address 0x40201010, 256 bytes at file offset 0x");
  assert_info_contains (data, ", IROM\n");
}

static void
test_esp8266_bootloader (void)
{
  g_autoptr(GBytes) data = build_image (&esp8266_boot, NULL);
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_BOOTLOADER);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP8266);
  assert_describe (&info, "ESP8266 bootloader, DIO, 1MB, 80m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x0);
}

static void
test_esp32_bootloader (void)
{
  ImageLayout layout;
  g_autoptr(GBytes) data = build_image (&esp32_boot, &layout);
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_BOOTLOADER);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP32);
  g_assert_true (info.has_extended_header);
  g_assert_true (info.hash_appended);
  g_assert_true (info.checksum_valid);
  g_assert_cmpuint (info.n_segments, ==, 3);
  g_assert_cmphex (info.entry, ==, 0x40080604);
  g_assert_cmpuint (info.min_revision, ==, 0);
  g_assert_cmpuint (info.max_revision, ==, 0xFFFF);
  g_assert_cmpuint (info.image_length, ==, layout.image_length);
  g_assert_cmpuint (layout.image_length, ==, layout.checksum_offset + 1 + 32);
  assert_describe (&info, "ESP32 bootloader, DIO, 4MB, 40m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x1000);
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_ESP32), ==, 0x1000);
  assert_info_contains (data, "Kind: bootloader\n");
  assert_info_contains (data, "Chip: ESP32 (image chip id 0)\n");
  assert_info_contains (data, "Entry point: 0x40080604\n");
  assert_info_contains (data, "Segments: 3\n");
  assert_info_contains (data, "  1: load address 0x3fff0030, 260 bytes at file offset 0x20, RAM\n");
  assert_info_contains (data, "Flash mode: dio\n");
  assert_info_contains (data, "Flash size: 4MB\n");
  assert_info_contains (data, "Flash frequency: 40m\n");
  assert_info_contains (data, "(valid)\n");
  assert_info_contains (data, "Chip revision: any\n");
}

static void
test_esp32c3_app (void)
{
  ImageLayout layout;
  g_autoptr(GBytes) data = build_image (&esp32c3_app, &layout);
  const guint8 *bytes = g_bytes_get_data (data, NULL);
  g_autofree char *checksum_line = NULL;
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_APP);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP32C3);
  g_assert_cmpuint (info.flash_mode, ==, 2);
  g_assert_cmpuint (info.flash_size_code, ==, 1);
  g_assert_cmpuint (info.flash_freq_code, ==, 0xF);
  g_assert_cmpuint (info.min_revision, ==, 3);
  g_assert_cmpuint (info.max_revision, ==, 199);
  g_assert_cmpuint (info.n_segments, ==, 4);
  g_assert_true (info.checksum_valid);
  assert_describe (&info, "ESP32-C3 app, DIO, 2MB, 80m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x10000);
  assert_info_contains (data, "Chip revision: from v0.3 to v1.99\n");
  assert_info_contains (data, ", DROM\n");
  assert_info_contains (data, "  4: load address 0x40380000, 128 bytes at file offset 0x");
  checksum_line = g_strdup_printf ("Checksum: 0x%02x (valid)\n", bytes[layout.checksum_offset]);
  assert_info_contains (data, checksum_line);
}

static void
test_esp32c3_bootloader (void)
{
  g_autoptr(GBytes) data = build_image (&esp32c3_boot, NULL);
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_BOOTLOADER);
  g_assert_false (info.hash_appended);
  assert_describe (&info, "ESP32-C3 bootloader, DIO, 2MB, 80m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x0);
  assert_info_contains (data, "SHA-256: not appended\n");
}

static void
test_bad_checksum_and_hash (void)
{
  ImageLayout layout;
  g_autoptr(GBytes) good = build_image (&esp32_app, &layout);
  gsize len;
  guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (good), &len);
  g_autoptr(GBytes) bad = NULL;
  SfImageInfo info;

  /* A flipped data byte breaks both the checksum and the digest. */
  bytes[layout.segment_header_offsets[0] + 8 + 5] ^= 0x01;
  bad = g_bytes_new_take (bytes, len);

  assert_parse_ok (bad, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_APP);
  g_assert_false (info.checksum_valid);
  assert_info_contains (bad, "(invalid, computed 0x");
  assert_info_contains (bad, " (invalid)\n");
}

static void
test_unknown_chip_id (void)
{
  ImageSpec spec = esp32c3_app;
  g_autoptr(GBytes) data = NULL;
  SfImageInfo info;

  spec.chip_id = 23; /* ESP32-C5, not in the chip table */
  data = build_image (&spec, NULL);
  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_APP);
  g_assert_cmpint (info.chip, ==, SF_CHIP_AUTO);
  g_assert_true (info.has_extended_header);
  assert_describe (&info, "app, DIO, 2MB, 80m");
  assert_info_contains (data, "Chip: unknown (image chip id 23)\n");
}

/* Partition table: nvs, phy_init, factory, then MD5 entry and 0xFF. */
static void
append_partition (GByteArray *a,
                  guint8      type,
                  guint8      subtype,
                  guint32     offset,
                  guint32     size,
                  const char *label)
{
  char name[16] = { 0 };

  put_byte (a, 0xAA);
  put_byte (a, 0x50);
  put_byte (a, type);
  put_byte (a, subtype);
  put_u32 (a, offset);
  put_u32 (a, size);
  strncpy (name, label, sizeof name);
  g_byte_array_append (a, (const guint8 *) name, sizeof name);
  put_u32 (a, 0);
}

static void
append_partition_table (GByteArray *a,
                        gboolean    corrupt_md5)
{
  gsize start = a->len;
  GChecksum *md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 digest[16];
  gsize n = sizeof digest;

  append_partition (a, 0x01, 0x02, 0x9000, 0x6000, "nvs");
  append_partition (a, 0x01, 0x01, 0xF000, 0x1000, "phy_init");
  append_partition (a, 0x00, 0x00, 0x10000, 0x100000, "factory");
  g_checksum_update (md5, a->data + start, a->len - start);
  g_checksum_get_digest (md5, digest, &n);
  g_checksum_free (md5);
  put_byte (a, 0xEB);
  put_byte (a, 0xEB);
  put_fill (a, 0xFF, 14);
  if (corrupt_md5)
    digest[3] ^= 0xFF;
  g_byte_array_append (a, digest, sizeof digest);
  put_fill (a, 0xFF, 0xC00 - (a->len - start));
}

static void
test_partition_table (void)
{
  GByteArray *a = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) bad = NULL;
  SfImageInfo info;

  append_partition_table (a, FALSE);
  data = g_byte_array_free_to_bytes (a);
  g_assert_cmpuint (g_bytes_get_size (data), ==, 0xC00);

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_PARTITION_TABLE);
  g_assert_cmpint (info.chip, ==, SF_CHIP_AUTO);
  g_assert_cmpuint (info.image_length, ==, 4 * 32);
  assert_describe (&info, "partition table");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_ESP32), ==, 0x8000);
  assert_info_contains (data, "Partitions: 3\n");
  assert_info_contains (data, "  nvs              data       nvs        0x00009000  0x00006000 (24 KiB)\n");
  assert_info_contains (data, "  factory          app        factory    0x00010000  0x00100000 (1 MiB)\n");
  assert_info_contains (data, "MD5 of the table: valid\n");

  a = g_byte_array_new ();
  append_partition_table (a, TRUE);
  bad = g_byte_array_free_to_bytes (a);
  assert_parse_ok (bad, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_PARTITION_TABLE);
  assert_info_contains (bad, "MD5 of the table: invalid\n");
}

static void
test_partition_table_broken (void)
{
  GByteArray *a = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  SfImageInfo info;

  append_partition (a, 0x01, 0x02, 0x9000, 0x6000, "nvs");
  put_fill (a, 0x12, 32);
  data = g_byte_array_free_to_bytes (a);

  g_assert_false (sf_image_parse (data, &info, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "partition table entry 2 at offset 0x20 is neither an entry nor the end of the table");
}

static GBytes *
build_merged (const ImageSpec *boot,
              gsize            boot_offset,
              const ImageSpec *app)
{
  GByteArray *a = g_byte_array_new ();

  put_fill (a, 0xFF, boot_offset);
  append_image (a, boot, NULL);
  put_fill (a, 0xFF, 0x8000 - a->len);
  append_partition_table (a, FALSE);
  put_fill (a, 0xFF, 0x10000 - a->len);
  append_image (a, app, NULL);
  return g_byte_array_free_to_bytes (a);
}

static void
test_merged (void)
{
  g_autoptr(GBytes) esp32 = build_merged (&esp32_boot, 0x1000, &esp32_app);
  g_autoptr(GBytes) c3 = build_merged (&esp32c3_boot, 0x0, &esp32c3_app);
  ImageLayout layout;
  g_autoptr(GBytes) boot = build_image (&esp32_boot, &layout);
  SfImageInfo info;

  assert_parse_ok (esp32, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_MERGED);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP32);
  g_assert_true (info.checksum_valid);
  g_assert_cmpuint (info.image_length, ==, layout.image_length);
  assert_describe (&info, "ESP32 merged image, DIO, 4MB, 40m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_ESP32), ==, 0x0);
  assert_info_contains (esp32, "Kind: merged image\nBootloader at 0x1000:\n  Chip: ESP32 (image chip id 0)\n");
  assert_info_contains (esp32, "Partition table at 0x8000:\n  Partitions: 3\n");
  assert_info_contains (esp32, "App partition \"factory\" at 0x10000: ESP32 app, DIO, 4MB, 40m\n");

  assert_parse_ok (c3, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_MERGED);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP32C3);
  assert_describe (&info, "ESP32-C3 merged image, DIO, 2MB, 80m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_AUTO), ==, 0x0);
  assert_info_contains (c3, "App partition \"factory\" at 0x10000: ESP32-C3 app, DIO, 2MB, 80m\n");
}

static void
test_raw (void)
{
  static const guint8 text[] = "hello, world";
  static const guint8 zero_segments[32] = { 0xE9, 0x00, 0x02, 0x20 };
  static const guint8 many_segments[32] = { 0xE9, 17, 0x02, 0x20 };
  static const guint8 bad_mode[32] = { 0xE9, 3, 0x09, 0x20 };
  static const guint8 one_byte[1] = { 0xE9 };
  /* Extended header's reserved bytes set and no ESP8266 entry point. */
  static const guint8 no_header[32] = { 0xE9, 3, 0x02, 0x20, 0x00, 0x00, 0x08, 0x40,
                                        [19] = 0x55, [23] = 0x07 };
  const struct
  {
    const guint8 *data;
    gsize         len;
  } cases[] = {
    { text, sizeof text },
    { (const guint8 *) "", 0 },
    { zero_segments, sizeof zero_segments },
    { many_segments, sizeof many_segments },
    { bad_mode, sizeof bad_mode },
    { one_byte, sizeof one_byte },
    { no_header, sizeof no_header },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) data = g_bytes_new_static (cases[i].data, cases[i].len);
      SfImageInfo info;

      assert_parse_ok (data, &info);
      g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_RAW);
      g_assert_cmpint (info.chip, ==, SF_CHIP_AUTO);
      assert_describe (&info, "raw data");
      g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_ESP32), ==, 0x0);
      assert_info_contains (data, "Kind: raw data (no image header)\n");
    }
}

static void
assert_parse_error (GBytes     *data,
                    const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) info_error = NULL;
  g_autofree char *text = NULL;
  SfImageInfo info;

  g_assert_false (sf_image_parse (data, &info, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, message);

  text = sf_image_format_info (data, &info_error);
  g_assert_null (text);
  g_assert_error (info_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
}

static void
test_truncated (void)
{
  ImageLayout layout;
  g_autoptr(GBytes) full = build_image (&esp32c3_app, &layout);
  g_autoptr(GBytes) short_header = g_bytes_new_from_bytes (full, 0, 12);
  g_autoptr(GBytes) tiny_header = g_bytes_new_from_bytes (full, 0, 5);
  g_autoptr(GBytes) mid_segment2 = g_bytes_new_from_bytes (full, 0, layout.segment_header_offsets[1] + 10);
  g_autoptr(GBytes) mid_header3 = g_bytes_new_from_bytes (full, 0, layout.segment_header_offsets[2] + 3);
  g_autoptr(GBytes) no_checksum = g_bytes_new_from_bytes (full, 0, layout.checksum_offset);
  g_autoptr(GBytes) short_hash = g_bytes_new_from_bytes (full, 0, layout.checksum_offset + 1 + 31);
  g_autofree char *msg = NULL;

  assert_parse_error (tiny_header, "the image header is cut short (5 of 8 bytes)");
  assert_parse_error (short_header, "the image header is cut short (12 of 24 bytes)");

  msg = g_strdup_printf ("segment 2 runs past the end of the file (offset 0x%x)",
                         (guint) layout.segment_header_offsets[1]);
  assert_parse_error (mid_segment2, msg);
  g_clear_pointer (&msg, g_free);

  msg = g_strdup_printf ("the header of segment 3 is cut short (offset 0x%x)",
                         (guint) layout.segment_header_offsets[2]);
  assert_parse_error (mid_header3, msg);
  g_clear_pointer (&msg, g_free);

  msg = g_strdup_printf ("the checksum byte is missing: the file ends at offset 0x%x, expected it at 0x%x",
                         (guint) layout.checksum_offset, (guint) layout.checksum_offset);
  assert_parse_error (no_checksum, msg);
  g_clear_pointer (&msg, g_free);

  msg = g_strdup_printf ("the appended SHA-256 is cut short (31 of 32 bytes at offset 0x%x)",
                         (guint) layout.checksum_offset + 1);
  assert_parse_error (short_hash, msg);
}

static void
test_trailing_data (void)
{
  GByteArray *a = g_byte_array_new ();
  ImageLayout layout;
  g_autoptr(GBytes) data = NULL;
  SfImageInfo info;

  append_image (a, &esp32_app, &layout);
  put_fill (a, 0x5A, 100);
  data = g_byte_array_free_to_bytes (a);
  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_APP);
  g_assert_cmpuint (info.image_length, ==, layout.image_length);
  assert_info_contains (data, "Trailing data: 100 bytes after the image\n");
}

/* ESP8266 NONOS SDK user1.bin: 0xEA header, IROM segment at load address
 * 0, 0xE9 header, RAM segments, checksum, CRC-32. */
static GBytes *
build_v2 (gboolean corrupt_crc)
{
  GByteArray *a = g_byte_array_new ();
  guint8 checksum = 0xEF;
  guint32 crc;

  put_byte (a, 0xEA);
  put_byte (a, 4);
  put_byte (a, 0);       /* qio */
  put_byte (a, 0x40);    /* 4MB, 40m */
  put_u32 (a, 0x40100000);
  put_u32 (a, 0);
  put_u32 (a, 0x30);
  put_fill (a, 0x77, 0x30);

  put_byte (a, 0xE9);
  put_byte (a, 2);
  put_byte (a, 0);
  put_byte (a, 0x40);
  put_u32 (a, 0x40100004);
  put_u32 (a, 0x40100000);
  put_u32 (a, 0x10);
  for (int i = 0; i < 0x10; i++)
    {
      put_byte (a, (guint8) (i * 3 + 1));
      checksum ^= (guint8) (i * 3 + 1);
    }
  put_u32 (a, 0x3FFE8000);
  put_u32 (a, 4);
  put_fill (a, 0x11, 4);
  checksum ^= 0x11 ^ 0x11 ^ 0x11 ^ 0x11;
  while (a->len % 16 != 15)
    put_byte (a, 0);
  put_byte (a, checksum);

  /* zlib CRC-32 (0x04C11DB7 reflected), adjusted as the SDK does. */
  crc = 0xFFFFFFFF;
  for (guint i = 0; i < a->len; i++)
    {
      crc ^= a->data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320 & (0u - (crc & 1)));
    }
  crc ^= 0xFFFFFFFF;
  crc = (crc & 0x80000000) ? crc ^ 0xFFFFFFFF : crc + 1;
  put_u32 (a, corrupt_crc ? crc ^ 1 : crc);
  return g_byte_array_free_to_bytes (a);
}

static void
test_esp8266_v2 (void)
{
  g_autoptr(GBytes) data = build_v2 (FALSE);
  g_autoptr(GBytes) bad = build_v2 (TRUE);
  SfImageInfo info;

  assert_parse_ok (data, &info);
  g_assert_cmpint (info.kind, ==, SF_IMAGE_KIND_ESP8266_V2);
  g_assert_cmpint (info.chip, ==, SF_CHIP_ESP8266);
  g_assert_cmpuint (info.n_segments, ==, 3);
  g_assert_cmphex (info.entry, ==, 0x40100004);
  g_assert_true (info.checksum_valid);
  g_assert_cmpuint (info.image_length, ==, g_bytes_get_size (data));
  assert_describe (&info, "ESP8266 V2 app, QIO, 4MB, 40m");
  g_assert_cmphex (sf_image_suggest_address (&info, SF_CHIP_ESP8266), ==, 0x1000);
  assert_info_contains (data, "File size: 116 bytes\n");
  assert_info_contains (data, "  1: 48 bytes at file offset 0x10, IROM (mapped from flash, not in the checksum)\n");
  assert_info_contains (data, "CRC-32: 0x");
  assert_info_contains (data, " (valid)\n");
  assert_info_contains (bad, " (invalid)\n");
}

static void
test_names (void)
{
  static const char *esp8266_sizes[16] = {
    "512KB", "256KB", "1MB", "2MB", "4MB", "2MB-c1", "4MB-c1", NULL, "8MB", "16MB",
  };
  static const char *esp32_sizes[16] = {
    "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB",
  };
  guint8 code = 0xAA;

  g_assert_cmpstr (sf_image_flash_mode_name (0), ==, "qio");
  g_assert_cmpstr (sf_image_flash_mode_name (1), ==, "qout");
  g_assert_cmpstr (sf_image_flash_mode_name (2), ==, "dio");
  g_assert_cmpstr (sf_image_flash_mode_name (3), ==, "dout");
  g_assert_null (sf_image_flash_mode_name (4));
  g_assert_true (sf_image_flash_mode_from_name ("dout", &code));
  g_assert_cmpuint (code, ==, 3);
  g_assert_true (sf_image_flash_mode_from_name ("QIO", &code));
  g_assert_cmpuint (code, ==, 0);
  g_assert_false (sf_image_flash_mode_from_name ("qdio", &code));
  g_assert_false (sf_image_flash_mode_from_name ("keep", &code));

  g_assert_cmpstr (sf_image_flash_freq_name (SF_CHIP_ESP32, 0x0), ==, "40m");
  g_assert_cmpstr (sf_image_flash_freq_name (SF_CHIP_ESP32, 0xF), ==, "80m");
  g_assert_cmpstr (sf_image_flash_freq_name (SF_CHIP_ESP8266, 0x1), ==, "26m");
  g_assert_cmpstr (sf_image_flash_freq_name (SF_CHIP_ESP32C2, 0xF), ==, "60m");
  g_assert_cmpstr (sf_image_flash_freq_name (SF_CHIP_ESP32H2, 0x0), ==, "24m");
  g_assert_null (sf_image_flash_freq_name (SF_CHIP_ESP32, 0x5));

  for (guint8 i = 0; i < 16; i++)
    {
      g_autofree char *a = sf_image_flash_size_name (SF_CHIP_ESP8266, i);
      g_autofree char *b = sf_image_flash_size_name (SF_CHIP_ESP32C3, i);

      g_assert_cmpstr (a, ==, esp8266_sizes[i]);
      g_assert_cmpstr (b, ==, esp32_sizes[i]);
    }

  g_assert_cmpstr (sf_image_kind_to_string (SF_IMAGE_KIND_APP), ==, "app");
  g_assert_cmpstr (sf_image_kind_to_string (SF_IMAGE_KIND_BOOTLOADER), ==, "bootloader");
}

/* Rewrite */

static void
test_rewrite_keep (void)
{
  g_autoptr(GBytes) data = build_image (&esp32_boot, NULL);
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GBytes) c = NULL;
  g_autoptr(GError) error = NULL;

  a = sf_image_rewrite_header (data, SF_CHIP_ESP32, NULL, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (a == data);

  b = sf_image_rewrite_header (data, SF_CHIP_ESP32, "keep", "keep", "keep", 0, &error);
  g_assert_no_error (error);
  g_assert_true (b == data);

  /* The values it already has: nothing changes. */
  c = sf_image_rewrite_header (data, SF_CHIP_ESP32, "dio", "4MB", "40m", 0, &error);
  g_assert_no_error (error);
  g_assert_true (c == data);
}

static void
assert_hash_valid (GBytes            *data,
                   const ImageLayout *layout)
{
  const guint8 *bytes = g_bytes_get_data (data, NULL);
  guint8 digest[32];

  sha256 (bytes, layout->checksum_offset + 1, digest);
  g_assert_cmpmem (digest, 32, bytes + layout->checksum_offset + 1, 32);
}

static void
test_rewrite_fields (void)
{
  ImageSpec spec = esp32_boot;
  GByteArray *a = g_byte_array_new ();
  ImageLayout layout;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *before, *after;
  gsize before_len, after_len;
  SfImageInfo info;

  spec.mode = 0;          /* qio */
  spec.size_freq = 0x10;  /* 2MB, 40m */
  append_image (a, &spec, &layout);
  put_fill (a, 0xC3, 333); /* e.g. the rest of a merged file */
  data = g_byte_array_free_to_bytes (a);

  out = sf_image_rewrite_header (data, SF_CHIP_ESP32, "dio", "4MB", "80m", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_true (out != data);

  before = g_bytes_get_data (data, &before_len);
  after = g_bytes_get_data (out, &after_len);
  g_assert_cmpuint (after_len, ==, before_len);
  g_assert_cmphex (after[2], ==, 0x02);
  g_assert_cmphex (after[3], ==, 0x2F);
  /* Everything but bytes 2, 3 and the digest is untouched. */
  g_assert_cmpmem (after, 2, before, 2);
  g_assert_cmpmem (after + 4, layout.checksum_offset + 1 - 4, before + 4, layout.checksum_offset + 1 - 4);
  g_assert_cmpmem (after + layout.image_length, 333, before + layout.image_length, 333);
  g_assert_true (memcmp (after + layout.checksum_offset + 1, before + layout.checksum_offset + 1, 32) != 0);
  assert_hash_valid (out, &layout);

  /* The input is left alone and still has a valid digest of its own. */
  g_assert_cmphex (before[2], ==, 0x00);
  assert_hash_valid (data, &layout);

  assert_parse_ok (out, &info);
  assert_describe (&info, "ESP32 bootloader, DIO, 4MB, 80m");
  assert_info_contains (out, " (valid)\n");
}

static void
test_rewrite_single_field (void)
{
  g_autoptr(GBytes) data = build_image (&esp32c3_boot, NULL);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *after;

  out = sf_image_rewrite_header (data, SF_CHIP_ESP32C3, NULL, "keep", "40m", 0, &error);
  g_assert_no_error (error);
  after = g_bytes_get_data (out, NULL);
  g_assert_cmphex (after[2], ==, 0x02);
  g_assert_cmphex (after[3], ==, 0x10);
}

static void
test_rewrite_detect (void)
{
  g_autoptr(GBytes) data = build_image (&esp32c3_boot, NULL);
  g_autoptr(GBytes) detected = NULL;
  g_autoptr(GBytes) fallback = NULL;
  g_autoptr(GError) error = NULL;

  detected = sf_image_rewrite_header (data, SF_CHIP_ESP32C3, "keep", "detect", "keep",
                                      16 * 1024 * 1024, &error);
  g_assert_no_error (error);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (detected, NULL))[3], ==, 0x4F);

  fallback = sf_image_rewrite_header (data, SF_CHIP_ESP32C3, "keep", "detect", "keep", 0, &error);
  g_assert_no_error (error);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (fallback, NULL))[3], ==, 0x2F);
}

static void
test_rewrite_esp8266 (void)
{
  g_autoptr(GBytes) data = build_image (&esp8266_boot, NULL);
  g_autoptr(GBytes) c1 = NULL;
  g_autoptr(GBytes) small = NULL;
  g_autoptr(GError) error = NULL;

  c1 = sf_image_rewrite_header (data, SF_CHIP_ESP8266, "dout", "2MB-c1", "26m", 0, &error);
  g_assert_no_error (error);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (c1, NULL))[2], ==, 0x03);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (c1, NULL))[3], ==, 0x51);

  small = sf_image_rewrite_header (data, SF_CHIP_ESP8266, NULL, "512KB", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (small, NULL))[3], ==, 0x0F);
}

static void
test_rewrite_c6_80m (void)
{
  ImageSpec spec = esp32c3_boot;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  spec.chip_id = 13;
  spec.size_freq = 0x22; /* 4MB, 20m */
  data = build_image (&spec, NULL);
  out = sf_image_rewrite_header (data, SF_CHIP_ESP32C6, NULL, NULL, "80m", 0, &error);
  g_assert_no_error (error);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (out, NULL))[3], ==, 0x20);
}

static void
test_rewrite_not_applicable (void)
{
  static const guint8 raw[64] = { 0x12, 0x34 };
  g_autoptr(GBytes) raw_data = g_bytes_new_static (raw, sizeof raw);
  g_autoptr(GBytes) v2 = build_v2 (FALSE);
  ImageLayout layout;
  g_autoptr(GBytes) full = build_image (&esp32_boot, &layout);
  g_autoptr(GBytes) broken = g_bytes_new_from_bytes (full, 0, layout.checksum_offset);
  GBytes *inputs[] = { raw_data, v2, broken };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) out = sf_image_rewrite_header (inputs[i], SF_CHIP_ESP32, "dio", "8MB", "80m", 0, &error);

      g_assert_no_error (error);
      g_assert_true (out == inputs[i]);
    }
}

static void
assert_rewrite_error (GBytes     *data,
                      SfChip      chip,
                      const char *mode,
                      const char *size,
                      const char *freq,
                      int         code,
                      const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = sf_image_rewrite_header (data, chip, mode, size, freq, 0, &error);

  g_assert_null (out);
  g_assert_error (error, SF_PROTOCOL_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_rewrite_errors (void)
{
  g_autoptr(GBytes) c3 = build_image (&esp32c3_app, NULL);
  g_autoptr(GBytes) esp32 = build_image (&esp32_boot, NULL);
  g_autoptr(GBytes) esp8266 = build_image (&esp8266_boot, NULL);
  static const guint8 raw[16] = { 0 };
  g_autoptr(GBytes) raw_data = g_bytes_new_static (raw, sizeof raw);

  assert_rewrite_error (c3, SF_CHIP_ESP32, "dio", NULL, NULL, SF_PROTOCOL_ERROR_WRONG_CHIP,
                        "the image is for ESP32-C3 but the board is an ESP32");
  assert_rewrite_error (esp8266, SF_CHIP_ESP32, NULL, "4MB", NULL, SF_PROTOCOL_ERROR_WRONG_CHIP,
                        "the image is for ESP8266 but the board is an ESP32");
  assert_rewrite_error (esp32, SF_CHIP_ESP32, "qdio", NULL, NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "flash mode 'qdio' is not one of qio, qout, dio, dout, keep");
  /* Bad names are reported even for data that would be left alone. */
  assert_rewrite_error (raw_data, SF_CHIP_ESP32, "qdio", NULL, NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "flash mode 'qdio' is not one of qio, qout, dio, dout, keep");
  assert_rewrite_error (raw_data, SF_CHIP_ESP32, NULL, NULL, "90m", SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "flash frequency '90m' is not one of 80m, 40m, 26m, 20m, keep");
  assert_rewrite_error (esp32, SF_CHIP_ESP32, NULL, "3MB", NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "flash size '3MB' is not one of 256KB, 512KB, 1MB, 2MB, 2MB-c1, 4MB, 4MB-c1, "
                        "8MB, 16MB, 32MB, 64MB, 128MB, detect, keep");
  assert_rewrite_error (esp32, SF_CHIP_ESP32, NULL, "512KB", NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "an ESP32 image header cannot hold a flash size of 512 KiB");
  assert_rewrite_error (esp32, SF_CHIP_ESP32, NULL, "2MB-c1", NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "an ESP32 image header cannot hold a flash size of 2 MiB (-c1)");
  assert_rewrite_error (esp8266, SF_CHIP_ESP8266, NULL, "32MB", NULL, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "an ESP8266 image header cannot hold a flash size of 32 MiB");
  assert_rewrite_error (c3, SF_CHIP_ESP32C3, NULL, NULL, "60m", SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                        "flash frequency '60m' is not one of 80m, 40m, 26m, 20m, keep");
}

/* Fuzz-ish: run under ASan/UBSan in CI. Nothing may crash, and a failure
 * must come with an error. */

static void
poke (GBytes *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) info_error = NULL;
  g_autoptr(GError) rewrite_error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) out = NULL;
  SfImageInfo info;

  if (sf_image_parse (data, &info, &error))
    {
      g_autofree char *description = sf_image_describe (&info);

      g_assert_no_error (error);
      g_assert_nonnull (description);
      g_assert_cmpuint (info.image_length, <=, g_bytes_get_size (data));
      (void) sf_image_suggest_address (&info, SF_CHIP_AUTO);
    }
  else
    {
      g_assert_nonnull (error);
    }

  text = sf_image_format_info (data, &info_error);
  g_assert_true ((text != NULL) != (info_error != NULL));

  out = sf_image_rewrite_header (data, SF_CHIP_AUTO, "dout", "detect", "20m", 0, &rewrite_error);
  g_assert_true ((out != NULL) != (rewrite_error != NULL));
  if (out != NULL)
    g_assert_cmpuint (g_bytes_get_size (out), ==, g_bytes_get_size (data));
}

static void
test_fuzz_truncations (void)
{
  GBytes *images[] = {
    build_image (&esp32c3_app, NULL),
    build_image (&esp32_boot, NULL),
    build_image (&esp8266_app, NULL),
    build_v2 (FALSE),
  };
  g_autoptr(GBytes) merged = build_merged (&esp32_boot, 0x1000, &esp32_app);

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    for (gsize n = 0; n <= g_bytes_get_size (images[i]); n++)
      {
        g_autoptr(GBytes) part = g_bytes_new_from_bytes (images[i], 0, n);

        poke (part);
      }

  for (gsize n = 0; n <= g_bytes_get_size (merged); n += 61)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (merged, 0, n);

      poke (part);
    }

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    g_clear_pointer (&images[i], g_bytes_unref);
}

static void
test_fuzz_random (void)
{
  static const guint8 chip_ids[] = { 0, 2, 5, 9, 12, 13, 16, 23, 0xFF };
  guint n_iterations = g_test_thorough () ? 200000 : 20000;

  for (guint iter = 0; iter < n_iterations; iter++)
    {
      gsize len = g_test_rand_int_range (0, 400);
      guint8 *buf = g_malloc (len + 1);
      g_autoptr(GBytes) data = NULL;

      for (gsize i = 0; i < len; i++)
        buf[i] = g_test_rand_int_range (0, 256);

      /* Make most inputs look like images so the parser gets deep. */
      if (len > 0)
        buf[0] = (iter % 8 == 0) ? 0xEA : (iter % 8 == 1) ? 0xAA : 0xE9;
      if (len > 1)
        buf[1] = buf[0] == 0xEA ? 4 : buf[0] == 0xAA ? 0x50 : g_test_rand_int_range (0, 18);
      if (len > 2 && buf[0] == 0xE9)
        buf[2] = g_test_rand_int_range (0, 4);
      if (len > 7 && g_test_rand_bit ())
        buf[7] = 0x40, buf[6] = 0x10;
      if (len >= 24 && g_test_rand_bit ())
        {
          buf[12] = chip_ids[g_test_rand_int_range (0, G_N_ELEMENTS (chip_ids))];
          buf[13] = 0;
          memset (buf + 19, 0, 4);
          buf[23] = g_test_rand_int_range (0, 2);
        }
      /* Small segment lengths here and there, so some segments fit. */
      for (guint k = 0; k < 4 && len >= 16; k++)
        {
          gsize off = g_test_rand_int_range (8, len - 4);

          buf[off] = g_test_rand_int_range (0, 48);
          buf[off + 1] = buf[off + 2] = buf[off + 3] = 0;
        }

      data = g_bytes_new_take (buf, len);
      poke (data);
    }
}

/* Valid images with a few bytes changed reach the deeper checks. */
static void
test_fuzz_mutations (void)
{
  GBytes *images[] = {
    build_image (&esp32c3_app, NULL),
    build_image (&esp32_boot, NULL),
    build_image (&esp8266_app, NULL),
    build_v2 (FALSE),
    build_merged (&esp32c3_boot, 0x0, &esp32c3_app),
  };
  guint n_iterations = g_test_thorough () ? 50000 : 5000;

  for (guint iter = 0; iter < n_iterations; iter++)
    {
      GBytes *image = images[iter % G_N_ELEMENTS (images)];
      gsize len;
      guint8 *buf = g_bytes_unref_to_data (g_bytes_ref (image), &len);
      guint n_changes = g_test_rand_int_range (1, 5);
      g_autoptr(GBytes) data = NULL;

      for (guint i = 0; i < n_changes; i++)
        {
          /* Mostly headers: the first 64 bytes, the table at 0x8000. */
          gsize limit = MIN (len, (gsize) 64);
          gsize at = g_test_rand_bit () ? (gsize) g_test_rand_int_range (0, limit)
                                        : (gsize) g_test_rand_int_range (0, len);

          if (len > 0x8040 && g_test_rand_int_range (0, 4) == 0)
            at = 0x8000 + g_test_rand_int_range (0, 0x40);
          buf[at] = g_test_rand_int_range (0, 256);
        }
      data = g_bytes_new_take (buf, len);
      poke (data);
    }

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    g_bytes_unref (images[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/image/esp8266-app", test_esp8266_app);
  g_test_add_func ("/protocol/image/esp8266-bootloader", test_esp8266_bootloader);
  g_test_add_func ("/protocol/image/esp8266-v2", test_esp8266_v2);
  g_test_add_func ("/protocol/image/esp32-bootloader", test_esp32_bootloader);
  g_test_add_func ("/protocol/image/esp32c3-app", test_esp32c3_app);
  g_test_add_func ("/protocol/image/esp32c3-bootloader", test_esp32c3_bootloader);
  g_test_add_func ("/protocol/image/bad-checksum-and-hash", test_bad_checksum_and_hash);
  g_test_add_func ("/protocol/image/unknown-chip-id", test_unknown_chip_id);
  g_test_add_func ("/protocol/image/partition-table", test_partition_table);
  g_test_add_func ("/protocol/image/partition-table-broken", test_partition_table_broken);
  g_test_add_func ("/protocol/image/merged", test_merged);
  g_test_add_func ("/protocol/image/raw", test_raw);
  g_test_add_func ("/protocol/image/truncated", test_truncated);
  g_test_add_func ("/protocol/image/trailing-data", test_trailing_data);
  g_test_add_func ("/protocol/image/names", test_names);
  g_test_add_func ("/protocol/image/rewrite/keep", test_rewrite_keep);
  g_test_add_func ("/protocol/image/rewrite/fields", test_rewrite_fields);
  g_test_add_func ("/protocol/image/rewrite/single-field", test_rewrite_single_field);
  g_test_add_func ("/protocol/image/rewrite/detect", test_rewrite_detect);
  g_test_add_func ("/protocol/image/rewrite/esp8266", test_rewrite_esp8266);
  g_test_add_func ("/protocol/image/rewrite/c6-80m", test_rewrite_c6_80m);
  g_test_add_func ("/protocol/image/rewrite/not-applicable", test_rewrite_not_applicable);
  g_test_add_func ("/protocol/image/rewrite/errors", test_rewrite_errors);
  g_test_add_func ("/protocol/image/fuzz/truncations", test_fuzz_truncations);
  g_test_add_func ("/protocol/image/fuzz/random", test_fuzz_random);
  g_test_add_func ("/protocol/image/fuzz/mutations", test_fuzz_mutations);

  return g_test_run ();
}
