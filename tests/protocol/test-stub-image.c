/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-protocol-error.h"
#include "sf-stub-image-private.h"

#if HAVE_FLASHER_STUBS

/* What every stub must look like to be loaded at all: a text segment of a
 * stub's size, and an entry point inside the text or the data. */
static void
assert_plausible (const SfStubImage *image)
{
  gsize text_len, data_len;

  g_assert_nonnull (image->text);
  text_len = g_bytes_get_size (image->text);
  data_len = image->data != NULL ? g_bytes_get_size (image->data) : 0;
  g_assert_cmpuint (text_len, >, 1024);
  g_assert_cmpuint (text_len, <, 64 * 1024);
  g_assert_cmpuint (data_len, <, 64 * 1024);
  g_assert_true ((image->entry >= image->text_start && image->entry < image->text_start + text_len)
                 || (image->entry >= image->data_start && image->entry < image->data_start + data_len));
}

typedef struct
{
  SfChip  chip;
  guint32 entry, text_start, data_start, bss_start;
  gsize   text_len, data_len;
} ExpectedStub;

/* esptool-js 0.7.0's lib/targets/stub_flasher/<chip>.json: the addresses,
 * and the sizes of the decoded segments. */
static const ExpectedStub expected_stubs[] = {
  { SF_CHIP_ESP8266, 0x4010c504, 0x4010c500, 0x3fffae6c, 0x3ffe8100, 11456, 920 },
  { SF_CHIP_ESP32,   0x400a902c, 0x400a8000, 0x3ffded6c, 0x3ffcc000, 6456, 212 },
  { SF_CHIP_ESP32C3, 0x40380e9a, 0x40380000, 0x3fc96d68, 0x3fc84000, 5880, 204 },
};

static void
test_known_addresses (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_stubs); i++)
    {
      const ExpectedStub *expected = &expected_stubs[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SfStubImage) image = _sf_stub_image_load (expected->chip, &error);

      g_test_message ("%s", sf_chip_get_name (expected->chip));
      g_assert_no_error (error);
      g_assert_nonnull (image);
      g_assert_cmphex (image->entry, ==, expected->entry);
      g_assert_cmphex (image->text_start, ==, expected->text_start);
      g_assert_cmphex (image->data_start, ==, expected->data_start);
      g_assert_cmphex (image->bss_start, ==, expected->bss_start);
      g_assert_cmpuint (g_bytes_get_size (image->text), ==, expected->text_len);
      g_assert_nonnull (image->data);
      g_assert_cmpuint (g_bytes_get_size (image->data), ==, expected->data_len);
      assert_plausible (image);
    }
}

static void
test_every_chip_has_a_stub (void)
{
  for (SfChip chip = SF_CHIP_AUTO + 1; chip < SF_N_CHIPS; chip++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SfStubImage) image = _sf_stub_image_load (chip, &error);

      g_test_message ("%s", sf_chip_get_name (chip));
      g_assert_no_error (error);
      g_assert_nonnull (image);
      assert_plausible (image);
    }
}

/* The resource is registered on first use; later loads must not do it again. */
static void
test_load_twice (void)
{
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SfStubImage) image = _sf_stub_image_load (SF_CHIP_ESP32, &error);

      g_assert_no_error (error);
      g_assert_nonnull (image);
    }
}

static void
test_origin (void)
{
  g_assert_true (sf_stub_images_available ());
  g_assert_nonnull (sf_stub_images_origin ());
  g_assert_nonnull (strstr (sf_stub_images_origin (), "esptool-js"));
}

#else

static void
test_unavailable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfStubImage) image = _sf_stub_image_load (SF_CHIP_ESP32, &error);

  g_assert_null (image);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_false (sf_stub_images_available ());
  g_assert_null (sf_stub_images_origin ());
}

#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#if HAVE_FLASHER_STUBS
  g_test_add_func ("/protocol/stub-image/origin", test_origin);
  g_test_add_func ("/protocol/stub-image/known-addresses", test_known_addresses);
  g_test_add_func ("/protocol/stub-image/every-chip-has-a-stub", test_every_chip_has_a_stub);
  g_test_add_func ("/protocol/stub-image/load-twice", test_load_twice);
#else
  g_test_add_func ("/protocol/stub-image/unavailable", test_unavailable);
#endif

  return g_test_run ();
}
