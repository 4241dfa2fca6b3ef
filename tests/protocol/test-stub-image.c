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

/* Several boards connecting at once load their stubs at the same moment;
 * the first load of all is the one that once found the resource still being
 * built by another thread (and crashed). A fresh process each time, as only
 * the first load of a process can meet that, and several of them, as it
 * is a race. */
#define N_THREADS 8
#define N_PROCESSES 20

static gint threads_waiting;

static gpointer
load_at_once (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfStubImage) image = NULL;

  /* All start together, to make the first loads overlap. */
  g_atomic_int_dec_and_test (&threads_waiting);
  while (g_atomic_int_get (&threads_waiting) > 0)
    g_thread_yield ();
  image = _sf_stub_image_load (GPOINTER_TO_INT (data), &error);
  g_assert_no_error (error);
  assert_plausible (image);
  return NULL;
}

static void
test_first_load_from_many_threads (void)
{
  if (g_test_subprocess ())
    {
      GThread *threads[N_THREADS];

      g_atomic_int_set (&threads_waiting, N_THREADS);
      for (guint i = 0; i < N_THREADS; i++)
        threads[i] = g_thread_new ("load", load_at_once,
                                   GINT_TO_POINTER (i % 2 ? SF_CHIP_ESP32 : SF_CHIP_ESP8266));
      for (guint i = 0; i < N_THREADS; i++)
        g_thread_join (threads[i]);
      return;
    }

  for (guint i = 0; i < N_PROCESSES; i++)
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
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
  g_test_add_func ("/protocol/stub-image/first-load-from-many-threads",
                   test_first_load_from_many_threads);
#else
  g_test_add_func ("/protocol/stub-image/unavailable", test_unavailable);
#endif

  return g_test_run ();
}
