/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stub image loader against any JSON: a stub's description as
 * esptool-js ships it (entry, text_start, data_start, bss_start, base64
 * text and data) and everything a damaged or foreign file could hold.
 *
 * Input: one byte for the chip the stub is for (only its name is used, in
 * messages), then the JSON, not NUL-terminated. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-chip.h"
#include "sf-protocol-error.h"
#include "sf-stub-image-private.h"

/* The image written back as the JSON it could have come from. */
static char *
to_json (const SfStubImage *image)
{
  g_autofree char *text = g_base64_encode (g_bytes_get_data (image->text, NULL),
                                           g_bytes_get_size (image->text));
  g_autofree char *data = NULL;

  if (image->data != NULL)
    data = g_base64_encode (g_bytes_get_data (image->data, NULL), g_bytes_get_size (image->data));
  return g_strdup_printf ("{\"entry\": %u, \"text\": \"%s\", \"text_start\": %u, %s%s%s"
                          "\"data_start\": %u, \"bss_start\": %u}",
                          image->entry, text, image->text_start,
                          data != NULL ? "\"data\": \"" : "", data != NULL ? data : "",
                          data != NULL ? "\", " : "",
                          image->data_start, image->bss_start);
}

static void
assert_same (const SfStubImage *a,
             const SfStubImage *b)
{
  g_assert_cmpuint (a->entry, ==, b->entry);
  g_assert_cmpuint (a->text_start, ==, b->text_start);
  g_assert_cmpuint (a->data_start, ==, b->data_start);
  g_assert_cmpuint (a->bss_start, ==, b->bss_start);
  g_assert_true (g_bytes_equal (a->text, b->text));
  g_assert_true ((a->data == NULL) == (b->data == NULL));
  if (a->data != NULL)
    g_assert_true (g_bytes_equal (a->data, b->data));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  SfChip chip = SF_CHIP_AUTO + 1 + fuzz_input_byte (&in) % (SF_N_CHIPS - 1);
  g_autofree char *json = (char *) fuzz_input_copy_rest (&in);
  g_autoptr(GError) error = NULL;
  g_autoptr(SfStubImage) image = NULL;
  g_autoptr(SfStubImage) again = NULL;
  g_autofree char *written = NULL;

  image = _sf_stub_image_parse (chip, json, in.size, &error);
  if (image == NULL)
    {
      /* A damaged stub is never fatal: the ROM loader takes over. */
      g_assert_nonnull (error);
      g_assert_true (error->domain == SF_PROTOCOL_ERROR);
      g_assert_cmpint (error->code, ==, SF_PROTOCOL_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, sf_chip_get_name (chip)));
      return 0;
    }
  g_assert_no_error (error);

  /* Something to upload: text always, data only when there is some. */
  g_assert_nonnull (image->text);
  g_assert_cmpuint (g_bytes_get_size (image->text), >, 0);
  if (image->data != NULL)
    g_assert_cmpuint (g_bytes_get_size (image->data), >, 0);

  /* Written back out, it reads the same. */
  written = to_json (image);
  again = _sf_stub_image_parse (chip, written, strlen (written), &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  assert_same (image, again);
  return 0;
}
