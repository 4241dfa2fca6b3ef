/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulated board's flasher stub and its flash: writes acknowledged
 * before they are done, lazy erase skipping blank sectors, inflating, the
 * deferred write error, READ_FLASH's acknowledged frames, raw MD5 and the
 * erase commands. Driven over the pty with the tests' own client
 * (sim-test-util.c). */
#define _GNU_SOURCE

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-sim-device.h"

#include "sim-test-util.h"

/* --- Flash writes ---------------------------------------------------------- */

static void
test_flash_write (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (40000);
  guint8 pad[0x4000];
  g_autoptr(GByteArray) reply = NULL;

  start_stub (&port, "esp32");
  fill_flash (&port, 0x20000, 0x20000, 0x00);

  /* Data blocks before FLASH_BEGIN: C6 00. */
  stub_block_expect (&port, 0x03, 0, image, 0x400, 0xC600);

  /* Word 0 is the exact byte count; block size up to 16 KiB. */
  stub_begin_ok (&port, 0x02, 40000, 0x4000, 0x20000);
  /* Checksum wrong, or right in the low byte only: C1 00. */
  reply = data_block (&port, 0x03, 0, image, 0x4000, checksum_of (image, 0x4000) ^ 1);
  assert_stub (reply, 0, 0xC100);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = data_block (&port, 0x03, 0, image, 0x4000, checksum_of (image, 0x4000) | 0x100);
  assert_stub (reply, 0, 0xC100);
  g_clear_pointer (&reply, g_byte_array_unref);
  /* Shorter than the 16-byte header: C8 00; header and bytes disagree:
   * C9 00. */
  stub_expect (&port, 0x03, image, 12, 0xC800);
  {
    g_autofree guint8 *payload = g_malloc0 (16 + 100);

    put32 (payload, 99);
    reply = command (&port, 0x03, payload, 16 + 100, checksum_of (payload + 16, 100));
    assert_stub (reply, 0, 0xC900);
    g_clear_pointer (&reply, g_byte_array_unref);
  }

  /* Sequence numbers are not checked: blocks land one after the other. */
  stub_block_expect (&port, 0x03, 5, image, 0x4000, 0);
  stub_block_expect (&port, 0x03, 5, image + 0x4000, 0x4000, 0);
  /* FLASH_END before all bytes are in: C0 00. */
  flash_end_expect (&port, 0x04, 0xC000);
  /* The last block padded with 0xFF as for a ROM: bytes past the count
   * are dropped. */
  memset (pad, 0x11, sizeof pad);
  memcpy (pad, image + 0x8000, 40000 - 0x8000);
  stub_block_expect (&port, 0x03, 2, pad, sizeof pad, 0);
  flash_end_expect (&port, 0x04, 0);

  assert_flash_is (&port, 0x20000, image, 40000);
  /* The rest of the last sector was erased, nothing past it touched. */
  assert_flash (&port, 0x20000 + 40000, 0x2A000 - 0x20000 - 40000, 0xFF);
  assert_flash (&port, 0x2A000, 0x16000, 0x00);

  /* FLASH_BEGIN's 16-byte form (no "encrypted" word) is fine too. */
  reply = flash_begin (&port, 0x02, 0x1000, 1, 0x1000, 0x60000, FALSE);
  assert_stub (reply, 0, 0);
  port_close (&port);
}

static void
test_lazy_erase (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (0x20000);
  guint before;

  start_stub (&port, "esp32");

  /* Blank flash: every sector is read first and found blank; nothing is
   * erased at all. */
  before = sf_sim_device_get_erased_sectors (port.device);
  stub_write (&port, 0x40000, image, 0x10000, 0x4000);
  g_assert_cmpuint (sf_sim_device_get_erased_sectors (port.device), ==, before);
  assert_flash_is (&port, 0x40000, image, 0x10000);

  /* Dirty flash, not 64 KiB-aligned: sector by sector, as data comes. */
  fill_flash (&port, 0x81000, 0x4000, 0x00);
  stub_begin_ok (&port, 0x02, 0x3000, 0x1000, 0x81000);
  /* FLASH_BEGIN started the first erase only. */
  assert_flash (&port, 0x81000, 0x1000, 0xFF);
  assert_flash (&port, 0x82000, 0x3000, 0x00);
  stub_block_expect (&port, 0x03, 0, image, 0x1000, 0);
  assert_flash (&port, 0x82000, 0x3000, 0x00);
  stub_block_expect (&port, 0x03, 1, image + 0x1000, 0x1000, 0);
  assert_flash (&port, 0x83000, 0x2000, 0x00);
  stub_block_expect (&port, 0x03, 2, image + 0x2000, 0x1000, 0);
  flash_end_expect (&port, 0x04, 0);
  assert_flash_is (&port, 0x81000, image, 0x3000);
  assert_flash (&port, 0x84000, 0x1000, 0x00);

  /* 64 KiB-aligned with a block or more to go: one 64 KiB block erase. */
  fill_flash (&port, 0x90000, 0x20000, 0x00);
  before = sf_sim_device_get_erased_sectors (port.device);
  stub_begin_ok (&port, 0x02, 0x20000, 0x4000, 0x90000);
  g_assert_cmpuint (sf_sim_device_get_erased_sectors (port.device), ==, before + 16);
  assert_flash (&port, 0x90000, 0x10000, 0xFF);
  assert_flash (&port, 0xA0000, 0x10000, 0x00);
  for (guint32 seq = 0; seq < 8; seq++)
    stub_block_expect (&port, 0x03, seq, image + seq * 0x4000, 0x4000, 0);
  flash_end_expect (&port, 0x04, 0);
  assert_flash_is (&port, 0x90000, image, 0x20000);
  g_assert_cmpuint (sf_sim_device_get_erased_sectors (port.device), ==, before + 32);

  /* Blank sectors are skipped only until the first dirty one: blank,
   * dirty, blank costs two sector erases. */
  fill_flash (&port, 0xC1000, 0x1000, 0x00);
  before = sf_sim_device_get_erased_sectors (port.device);
  stub_write (&port, 0xC0000, image, 0x3000, 0x1000);
  g_assert_cmpuint (sf_sim_device_get_erased_sectors (port.device), ==, before + 2);
  assert_flash_is (&port, 0xC0000, image, 0x3000);
  port_close (&port);
}

static void
test_deflate (void)
{
  Port port;
  gsize length = 100000;
  g_autofree guint8 *image = g_malloc (length);
  g_autofree guint8 *packed = NULL;
  gsize packed_length;
  guint8 broken[64];

  for (gsize i = 0; i < length; i++)
    image[i] = (i % 5 == 0) ? g_random_int () : (i / 300) & 0xFF;
  packed_length = compress_image (image, length, &packed);
  g_assert_cmpuint (packed_length, >, 0x1000);

  start_stub (&port, "esp32");
  fill_flash (&port, 0x100000, 0x20000, 0x5A);
  /* Size = the exact uncompressed length; slices of 0x1000 compressed
   * bytes, the last one short and unpadded. */
  stub_begin_ok (&port, 0x10, length, 0x1000, 0x100000);
  for (gsize done = 0, seq = 0; done < packed_length; done += 0x1000, seq++)
    stub_block_expect (&port, 0x11, seq, packed + done, MIN (0x1000, packed_length - done), 0);
  flash_end_expect (&port, 0x12, 0);
  assert_flash_is (&port, 0x100000, image, length);

  /* A broken stream is found when the block is inflated, after its
   * reply: the next request gets C7 00 and is not carried out. */
  memcpy (broken, packed, 2);
  memset (broken + 2, 0xFF, sizeof broken - 2);
  stub_begin_ok (&port, 0x10, 0x1000, 0x4000, 0x140000);
  stub_block_expect (&port, 0x11, 0, broken, sizeof broken, 0);
  {
    g_autoptr(GByteArray) reply = stub_md5 (&port, 0, 16);

    assert_stub (reply, 0, 0xC700);
  }
  /* …and the one after that is answered normally again. */
  {
    g_autoptr(GByteArray) reply = stub_md5 (&port, 0, 16);

    assert_stub (reply, 16, 0);
  }

  /* A bad zlib header: C7 00 too. */
  stub_begin_ok (&port, 0x10, 0x1000, 0x4000, 0x140000);
  stub_block_expect (&port, 0x11, 0, (const guint8 *) "\x78\x9d\x01\x02", 4, 0);
  flash_end_expect (&port, 0x12, 0xC700);

  /* A stream that fits one block has its Adler-32 checked. */
  {
    g_autofree guint8 *small = NULL;
    gsize small_length = compress_image (image, 2000, &small);

    small[small_length - 1] ^= 0x01;
    stub_begin_ok (&port, 0x10, 2000, 0x4000, 0x150000);
    stub_block_expect (&port, 0x11, 0, small, small_length, 0);
    flash_end_expect (&port, 0x12, 0xC700);
  }
  port_close (&port);
}

static void
test_deferred_write_error (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (0x3000);

  /* The fault fails the flash write of data block 1: its reply is still
   * 00 00 (acknowledged before it is written); the next request gets
   * C4 00 and is dropped, so two blocks are missing and FLASH_END finds
   * the count short. */
  start_stub (&port, "esp32");
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_LATE_WRITE_ERROR, 1);
  stub_begin_ok (&port, 0x02, 0x3000, 0x1000, 0x10000);
  stub_block_expect (&port, 0x03, 0, image, 0x1000, 0);
  stub_block_expect (&port, 0x03, 1, image + 0x1000, 0x1000, 0);
  stub_block_expect (&port, 0x03, 2, image + 0x2000, 0x1000, 0xC400);
  flash_end_expect (&port, 0x04, 0xC000);
  assert_flash_is (&port, 0x10000, image, 0x1000);
  assert_flash (&port, 0x11000, 0x2000, 0xFF);
  /* One shot: a retry from block 1 goes through. */
  stub_block_expect (&port, 0x03, 1, image + 0x1000, 0x1000, 0);
  stub_block_expect (&port, 0x03, 2, image + 0x2000, 0x1000, 0);
  flash_end_expect (&port, 0x04, 0);
  assert_flash_is (&port, 0x10000, image, 0x3000);

  /* The last block failing shows at FLASH_END… */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_LATE_WRITE_ERROR, 0);
  stub_begin_ok (&port, 0x02, 0x1000, 0x1000, 0x20000);
  stub_block_expect (&port, 0x03, 0, image, 0x1000, 0);
  flash_end_expect (&port, 0x04, 0xC400);
  /* …or at the MD5 that checks it (the reply then has no digest). */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_LATE_WRITE_ERROR, 0);
  stub_begin_ok (&port, 0x10, 0x1000, 0x4000, 0x30000);
  {
    g_autofree guint8 *packed = NULL;
    gsize packed_length = compress_image (image, 0x1000, &packed);
    g_autoptr(GByteArray) reply = NULL;

    stub_block_expect (&port, 0x11, 0, packed, packed_length, 0);
    reply = stub_md5 (&port, 0x30000, 0x1000);
    assert_stub (reply, 0, 0xC400);
  }
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_NONE, 0);

  /* The real thing: a block running past the end of the flash fails the
   * same way (the blank check of the sector past the end can't read),
   * reported at the next request, which is not carried out. */
  stub_begin_ok (&port, 0x02, 0x2000, 0x2000, FLASH_SIZE - 0x1000);
  stub_block_expect (&port, 0x03, 0, image, 0x2000, 0);
  stub_expect (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0xC400);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

/* --- Reading, MD5, erasing ------------------------------------------------- */

static void
send_ack (Port    *port,
          guint32  received)
{
  guint8 ack[4];

  put32 (ack, received);
  send_slip (port, ack, 4);
}

static void
read_flash_request (Port    *port,
                    guint32  offset,
                    guint32  length,
                    guint32  packet,
                    guint16  code)
{
  guint8 args[16];

  put32 (args, offset);
  put32 (args + 4, length);
  put32 (args + 8, packet);
  put32 (args + 12, 64);
  stub_expect (port, 0xD2, args, 16, code);
}

static void
test_read_flash (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (10000);
  guint8 digest[16];
  gsize got = 0;

  start_stub (&port, "esp32c3");
  sf_sim_device_write_flash (port.device, 0x5003, image, 10000);
  md5_of (image, 10000, digest);

  /* Normal reply, then raw data frames of packet_size, one at a time
   * whatever max_unacked says, each acknowledged with the count so far;
   * then the binary MD5. */
  read_flash_request (&port, 0x5003, 10000, 4096, 0);
  while (got < 10000)
    {
      g_autoptr(GByteArray) frame = read_frame (&port, TIMEOUT_MS);

      g_assert_nonnull (frame);
      g_assert_cmpuint (frame->len, ==, MIN (4096, 10000 - got));
      g_assert_cmpmem (frame->data, frame->len, image + got, frame->len);
      got += frame->len;
      if (got < 10000)
        assert_quiet (&port, 150);
      send_ack (&port, got);
    }
  {
    g_autoptr(GByteArray) frame = read_frame (&port, TIMEOUT_MS);

    g_assert_nonnull (frame);
    g_assert_cmpmem (frame->data, frame->len, digest, 16);
  }
  assert_quiet (&port, 150);

  /* Zero bytes: just the MD5 of nothing. */
  read_flash_request (&port, 0, 0, 4096, 0);
  {
    g_autoptr(GByteArray) frame = read_frame (&port, TIMEOUT_MS);

    md5_of (NULL, 0, digest);
    g_assert_nonnull (frame);
    g_assert_cmpmem (frame->data, frame->len, digest, 16);
  }

  /* A frame that is not a 4-byte count ends it early: the MD5 of what was
   * sent, and that frame is dropped. */
  read_flash_request (&port, 0x5003, 10000, 1000, 0);
  {
    g_autoptr(GByteArray) frame = read_frame (&port, TIMEOUT_MS);
    g_autoptr(GByteArray) md5 = NULL;

    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->len, ==, 1000);
    send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
    md5 = read_frame (&port, TIMEOUT_MS);
    md5_of (image, 1000, digest);
    g_assert_nonnull (md5);
    g_assert_cmpmem (md5->data, md5->len, digest, 16);
    assert_quiet (&port, 150);
  }

  /* packet_size past its 4 KiB buffer: the reply is 00 00, nothing
   * follows, the next request gets C0 00. */
  read_flash_request (&port, 0, 0x2000, 8192, 0);
  assert_quiet (&port, 200);
  stub_expect (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0xC000);

  /* Past the end of flash: the first packet that can't be read ends it
   * without an MD5; the next request gets C4 00. */
  read_flash_request (&port, FLASH_SIZE - 0x1000, 0x2000, 4096, 0);
  {
    g_autoptr(GByteArray) frame = read_frame (&port, TIMEOUT_MS);

    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->len, ==, 4096);
    send_ack (&port, 4096);
    assert_quiet (&port, 200);
  }
  stub_expect (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0xC400);
  port_close (&port);
}

static void
test_md5 (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (5001);
  g_autoptr(GByteArray) reply = NULL;
  guint8 digest[16];

  start_stub (&port, "esp8266");
  sf_sim_device_write_flash (port.device, 0x1235, image, 5001);
  md5_of (image, 5001, digest);
  /* 16 raw bytes, then 00 00 (the ESP8266 ROM has no MD5 at all). */
  reply = stub_md5 (&port, 0x1235, 5001);
  assert_stub (reply, 16, 0);
  g_assert_cmpmem (reply->data + 8, 16, digest, 16);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* Past the end: C4 00, no digest. */
  reply = stub_md5 (&port, FLASH_SIZE - 0x1000, 0x2000);
  assert_stub (reply, 0, 0xC400);

  /* What else the ESP8266 stub can and its ROM can't: inflate a write and
   * read it back fast. */
  {
    g_autofree guint8 *packed = NULL;
    gsize packed_length = compress_image (image, 5001, &packed);
    g_autoptr(GByteArray) frame = NULL;

    stub_begin_ok (&port, 0x10, 5001, 0x4000, 0x40000);
    stub_block_expect (&port, 0x11, 0, packed, packed_length, 0);
    flash_end_expect (&port, 0x12, 0);
    assert_flash_is (&port, 0x40000, image, 5001);
    read_flash_request (&port, 0x40000, 100, 4096, 0);
    frame = read_frame (&port, TIMEOUT_MS);
    g_assert_nonnull (frame);
    g_assert_cmpmem (frame->data, frame->len, image, 100);
    send_ack (&port, 100);
    g_clear_pointer (&frame, g_byte_array_unref);
    frame = read_frame (&port, TIMEOUT_MS);
    md5_of (image, 100, digest);
    g_assert_nonnull (frame);
    g_assert_cmpmem (frame->data, frame->len, digest, 16);
  }
  port_close (&port);
}

static void
test_erase (void)
{
  Port port;
  guint8 args[8];

  start_stub (&port, "esp32s3");
  fill_flash (&port, 0, FLASH_SIZE, 0x00);

  /* Offset and size must be whole sectors: C0 00. */
  put32 (args, 0x10800);
  put32 (args + 4, 0x1000);
  stub_expect (&port, 0xD1, args, 8, 0xC000);
  put32 (args, 0x10000);
  put32 (args + 4, 0x1800);
  stub_expect (&port, 0xD1, args, 8, 0xC000);
  assert_flash (&port, 0x10000, 0x2000, 0x00);

  /* No blank check here: a 64 KiB block and three sectors, all erased. */
  put32 (args, 0x20000);
  put32 (args + 4, 0x13000);
  stub_expect (&port, 0xD1, args, 8, 0);
  assert_flash (&port, 0x1F000, 0x1000, 0x00);
  assert_flash (&port, 0x20000, 0x13000, 0xFF);
  assert_flash (&port, 0x33000, 0x1000, 0x00);

  /* ERASE_FLASH: everything. */
  stub_expect (&port, 0xD0, NULL, 0, 0);
  assert_flash (&port, 0, FLASH_SIZE, 0xFF);
  port_close (&port);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/simulator/stub/flash/write", test_flash_write);
  g_test_add_func ("/simulator/stub/flash/lazy-erase", test_lazy_erase);
  g_test_add_func ("/simulator/stub/flash/deflate", test_deflate);
  g_test_add_func ("/simulator/stub/flash/deferred-write-error", test_deferred_write_error);
  g_test_add_func ("/simulator/stub/flash/read-flash", test_read_flash);
  g_test_add_func ("/simulator/stub/flash/md5", test_md5);
  g_test_add_func ("/simulator/stub/flash/erase", test_erase);

  return g_test_run ();
}
