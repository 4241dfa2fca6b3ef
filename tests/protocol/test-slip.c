/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-slip-private.h"

static void
assert_frame (SfSlipDecoder *decoder,
              const guint8  *expected,
              gsize          expected_len)
{
  g_autoptr(GBytes) frame = _sf_slip_decoder_pop (decoder);
  gsize len;
  const guint8 *data;

  g_assert_nonnull (frame);
  data = g_bytes_get_data (frame, &len);
  g_assert_cmpmem (data, len, expected, expected_len);
}

static void
test_encode_escapes (void)
{
  const guint8 body[] = { 0x01, 0xC0, 0x02, 0xDB, 0xDB, 0xC0 };
  const guint8 wire[] = { 0xC0, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0xDB, 0xDD, 0xDB, 0xDC, 0xC0 };
  g_autoptr(GByteArray) out = g_byte_array_new ();

  _sf_slip_encode (out, body, sizeof body);
  g_assert_cmpmem (out->data, out->len, wire, sizeof wire);
}

static void
test_encode_empty (void)
{
  const guint8 wire[] = { 0xC0, 0xC0 };
  g_autoptr(GByteArray) out = g_byte_array_new ();

  _sf_slip_encode (out, NULL, 0);
  g_assert_cmpmem (out->data, out->len, wire, sizeof wire);
}

/* The ESP32 ROM's SYNC reply, fed one byte per read. */
static void
test_decode_split_byte_by_byte (void)
{
  const guint8 wire[] = { 0xC0, 0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20,
                          0x00, 0x00, 0x00, 0x00, 0xC0 };
  SfSlipDecoder decoder;

  _sf_slip_decoder_init (&decoder);
  for (gsize i = 0; i < sizeof wire; i++)
    {
      g_assert_null (_sf_slip_decoder_pop (&decoder));
      _sf_slip_decoder_feed (&decoder, wire + i, 1);
    }
  assert_frame (&decoder, wire + 1, sizeof wire - 2);
  g_assert_null (_sf_slip_decoder_pop (&decoder));
  _sf_slip_decoder_clear (&decoder);
}

static void
test_decode_escape_split (void)
{
  const guint8 part1[] = { 0xC0, 0xAA, 0xDB };
  const guint8 part2[] = { 0xDC, 0xBB, 0xDB };
  const guint8 part3[] = { 0xDD, 0xC0 };
  const guint8 expected[] = { 0xAA, 0xC0, 0xBB, 0xDB };
  SfSlipDecoder decoder;

  _sf_slip_decoder_init (&decoder);
  _sf_slip_decoder_feed (&decoder, part1, sizeof part1);
  _sf_slip_decoder_feed (&decoder, part2, sizeof part2);
  g_assert_null (_sf_slip_decoder_pop (&decoder));
  _sf_slip_decoder_feed (&decoder, part3, sizeof part3);
  assert_frame (&decoder, expected, sizeof expected);
  _sf_slip_decoder_clear (&decoder);
}

static void
test_decode_garbage_between_frames (void)
{
  const char *banner = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),"
                       "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
                       "waiting for download\r\n";
  const guint8 frame_a[] = { 0xC0, 0x11, 0x22, 0xC0 };
  const guint8 frame_b[] = { 0xC0, 0x33, 0xC0 };
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  SfSlipDecoder decoder;

  g_byte_array_append (wire, (const guint8 *) banner, strlen (banner));
  g_byte_array_append (wire, frame_a, sizeof frame_a);
  g_byte_array_append (wire, (const guint8 *) "noise", 5);
  g_byte_array_append (wire, frame_b, sizeof frame_b);

  _sf_slip_decoder_init (&decoder);
  _sf_slip_decoder_feed (&decoder, wire->data, wire->len);
  assert_frame (&decoder, frame_a + 1, 2);
  assert_frame (&decoder, frame_b + 1, 1);
  g_assert_null (_sf_slip_decoder_pop (&decoder));
  g_assert_nonnull (strstr (decoder.noise->str, "waiting for download"));
  g_assert_nonnull (strstr (decoder.noise->str, "noise"));
  _sf_slip_decoder_clear (&decoder);
}

static void
test_decode_back_to_back_and_stray_c0 (void)
{
  /* C0 C0 C0 x C0 C0 y C0: stray ends, then two frames sharing no byte. */
  const guint8 wire[] = { 0xC0, 0xC0, 0xC0, 0x01, 0xC0, 0xC0, 0x02, 0xC0 };
  const guint8 one = 0x01, two = 0x02;
  SfSlipDecoder decoder;

  _sf_slip_decoder_init (&decoder);
  _sf_slip_decoder_feed (&decoder, wire, sizeof wire);
  assert_frame (&decoder, &one, 1);
  assert_frame (&decoder, &two, 1);
  g_assert_null (_sf_slip_decoder_pop (&decoder));
  _sf_slip_decoder_clear (&decoder);
}

static void
test_decode_bad_escape_drops_frame (void)
{
  const guint8 wire[] = { 0xC0, 0x01, 0xDB, 0x42, 0x02, 0xC0, 0xC0, 0x03, 0xC0 };
  const guint8 three = 0x03;
  SfSlipDecoder decoder;

  _sf_slip_decoder_init (&decoder);
  _sf_slip_decoder_feed (&decoder, wire, sizeof wire);
  assert_frame (&decoder, &three, 1);
  g_assert_null (_sf_slip_decoder_pop (&decoder));
  g_assert_cmpuint (decoder.dropped, ==, 1);
  _sf_slip_decoder_clear (&decoder);
}

static void
test_roundtrip_all_bytes (void)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  guint8 body[1024];
  SfSlipDecoder decoder;
  gsize offset = 0;
  guint32 seed = 7;

  for (gsize i = 0; i < sizeof body; i++)
    body[i] = i < 256 ? (guint8) i : (guint8) (seed = seed * 1103515245 + 12345) >> 16;

  _sf_slip_encode (wire, body, sizeof body);
  _sf_slip_encode (wire, body, 100);

  /* Feed in odd-sized slices, as a serial port hands them over. */
  _sf_slip_decoder_init (&decoder);
  for (gsize slice = 1; offset < wire->len; slice = slice % 37 + 3)
    {
      gsize n = MIN (slice, wire->len - offset);

      _sf_slip_decoder_feed (&decoder, wire->data + offset, n);
      offset += n;
    }
  assert_frame (&decoder, body, sizeof body);
  assert_frame (&decoder, body, 100);
  _sf_slip_decoder_clear (&decoder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/slip/encode-escapes", test_encode_escapes);
  g_test_add_func ("/protocol/slip/encode-empty", test_encode_empty);
  g_test_add_func ("/protocol/slip/decode-split-byte-by-byte", test_decode_split_byte_by_byte);
  g_test_add_func ("/protocol/slip/decode-escape-split", test_decode_escape_split);
  g_test_add_func ("/protocol/slip/decode-garbage-between-frames", test_decode_garbage_between_frames);
  g_test_add_func ("/protocol/slip/decode-back-to-back-and-stray-c0", test_decode_back_to_back_and_stray_c0);
  g_test_add_func ("/protocol/slip/decode-bad-escape-drops-frame", test_decode_bad_escape_drops_frame);
  g_test_add_func ("/protocol/slip/roundtrip-all-bytes", test_roundtrip_all_bytes);

  return g_test_run ();
}
