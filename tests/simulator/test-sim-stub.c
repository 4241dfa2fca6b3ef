/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulated board's flasher stub, driven over the pty with the tests'
 * own tiny client (sim-test-util.c): upload and OHAI, framing, strict
 * lengths, unknown opcodes, the plain commands, baud changes, the faults
 * and reset (its flash commands: test-sim-stub-flash.c). The wall-clock
 * checks of the flash timing model run only when SF_TEST_TIMING is
 * set (the "timing" suite). */
#define _GNU_SOURCE

#include "config.h"

#include <string.h>
#include <termios.h>
#include <zlib.h>

#include "sf-sim-device.h"

#include "sim-test-util.h"

/* --- Upload ---------------------------------------------------------------- */

static void
test_upload_ohai (void)
{
  static const char *chips[] = { "esp32", "esp8266", "esp32c3", "esp32s3" };

  for (gsize i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      Port port;

      start_stub (&port, chips[i]);
      /* SYNC to a running stub: eight replies with value 0 and the stub's
       * two status bytes, whatever the chip's ROM sends. */
      send_hex (&port, sync_request);
      for (int r = 0; r < 8; r++)
        {
          g_autoptr(GByteArray) raw = read_raw_frame (&port, TIMEOUT_MS);
          g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 08 02 00 00000000 0000 c0");

          g_assert_nonnull (raw);
          g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
        }
      assert_quiet (&port, 200);
      /* No SYNC needed first, and the magic reads as from the ROM. */
      g_assert_cmphex (stub_read_reg (&port, 0x40001000), !=, 0);
      port_close (&port);
    }
}

static void
test_upload_not_run (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;

  start_synced (&port, "esp32");
  load_stub_image (&port, "esp32");

  /* Stay flag 1 (esptool's "don't run"): the ROM stays. */
  reply = mem_end (&port, 1, STUB_ENTRY);
  assert_status (reply, 0, 4, 0, 0);
  assert_quiet (&port, 300);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* An entry point nothing was loaded at: no code to run, still the ROM. */
  reply = mem_end (&port, 0, 0x40200000);
  assert_status (reply, 0, 4, 0, 0);
  assert_quiet (&port, 300);
  g_assert_false (sf_sim_device_get_stub_running (port.device));
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* The ROM's own 8-byte SPI_ATTACH still works: it is the ROM. */
  attach (&port);
  port_close (&port);
}

/* --- Framing, lengths, unknown opcodes ------------------------------------- */

static void
test_strict_lengths (void)
{
  Port port;
  guint8 zeros[32] = { 0 };

  start_stub (&port, "esp32");

  /* The ROM's 8-byte SPI_ATTACH is a length error to the stub. */
  stub_expect (&port, 0x0D, zeros, 8, 0xC000);
  stub_expect (&port, 0x0D, zeros, 4, 0x0000);
  /* FLASH_END / FLASH_DEFL_END take exactly one word. */
  stub_expect (&port, 0x04, zeros, 8, 0xC000);
  stub_expect (&port, 0x12, zeros, 0, 0xC000);
  stub_expect (&port, 0x0A, zeros, 8, 0xC000);          /* READ_REG */
  stub_expect (&port, 0x09, zeros, 8, 0xC800);          /* WRITE_REG */
  stub_expect (&port, 0x09, zeros, 0, 0xC800);
  stub_expect (&port, 0x0B, zeros, 20, 0xC000);         /* SPI_SET_PARAMS */
  stub_expect (&port, 0x0F, zeros, 4, 0xC000);          /* CHANGE_BAUDRATE */
  stub_expect (&port, 0x13, zeros, 8, 0xC000);          /* SPI_FLASH_MD5 */
  stub_expect (&port, 0x14, zeros, 4, 0xC000);          /* GET_SECURITY_INFO */
  stub_expect (&port, 0xD2, zeros, 12, 0xC000);         /* READ_FLASH */
  stub_expect (&port, 0xD1, zeros, 4, 0xC000);          /* ERASE_REGION */
  stub_expect (&port, 0x05, zeros, 12, 0xC000);         /* MEM_BEGIN */
  stub_expect (&port, 0x06, zeros, 4, 0xC000);          /* MEM_END */
  stub_expect (&port, 0x02, zeros, 12, 0xC000);         /* FLASH_BEGIN */
  stub_expect (&port, 0x10, zeros, 24, 0xC000);         /* FLASH_DEFL_BEGIN */
  stub_expect (&port, 0x08, zeros, 32, 0xC000);         /* SYNC */

  /* The size field disagrees with the frame: C0 00, the C0 escaped on
   * the wire. */
  {
    g_autoptr(GByteArray) raw = NULL;
    g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 0a 02 00 00000000 dbdc00 c0");

    send_hex (&port, "c0 00 0a 08 00 00000000 00100040 c0");
    raw = read_raw_frame (&port, TIMEOUT_MS);
    g_assert_nonnull (raw);
    g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
  }

  /* A reply's direction byte: "invalid command", opcode echoed. */
  {
    g_autoptr(GByteArray) raw = NULL;
    g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 0a 02 00 00000000 c300 c0");

    send_hex (&port, "c0 01 0a 04 00 00000000 00100040 c0");
    raw = read_raw_frame (&port, TIMEOUT_MS);
    g_assert_nonnull (raw);
    g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
  }
  port_close (&port);
}

static void
test_unknown_opcodes (void)
{
  Port port;

  start_stub (&port, "esp32");
  /* ROM-only READ_FLASH_SLOW, deprecated FLASH_ENCRYPT_DATA, anything
   * else: invalid command. The plug-in range: not implemented. */
  stub_expect (&port, 0x0E, (const guint8 *) "\0\0\0\0\0\0\0\0", 8, 0xC300);
  stub_expect (&port, 0xD4, NULL, 0, 0xC300);
  stub_expect (&port, 0x01, NULL, 0, 0xC300);
  stub_expect (&port, 0xF0, NULL, 0, 0xC300);
  stub_expect (&port, 0xD5, NULL, 0, 0xFF00);
  stub_expect (&port, 0xEF, NULL, 0, 0xFF00);

  /* RUN_USER_CODE: no reply at all, and the stub goes on. */
  send_command (&port, 0xD3, NULL, 0, 0);
  assert_quiet (&port, 300);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

static void
test_oversized_frame (void)
{
  Port port;
  g_autofree guint8 *big = g_malloc0 (16 + 0x4100);
  g_autoptr(GByteArray) raw = NULL;

  start_stub (&port, "esp32");
  stub_begin_ok (&port, 0x02, 0x8000, 0x8000, 0x10000);
  /* 16 + 0x4100 data bytes overrun the stub's receive buffer: dropped,
   * no reply (no C2 "bad block size": the real stub has no such check). */
  put32 (big, 0x4100);
  send_command (&port, 0x03, big, 16 + 0x4100, checksum_of (big + 16, 0x4100));
  assert_quiet (&port, 500);

  /* The dropped frame's closing 0xC0 opened a frame, so the next
   * request's opening 0xC0 closes it empty and the request is lost too:
   * the stub's framing is one 0xC0 behind… */
  send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  assert_quiet (&port, 500);
  /* …until a lone 0xC0 puts it back in step. */
  send_hex (&port, "c0");
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  raw = read_raw_frame (&port, 200);
  g_assert_null (raw);
  port_close (&port);
}

/* --- Plain commands -------------------------------------------------------- */

static void
test_security_info (void)
{
  static const struct { const char *chip; gsize length; guint32 chip_id; } cases[] = {
    { "esp32c3", 20, 5 },
    { "esp32s3", 20, 9 },
    { "esp32s2", 12, 0 },
  };
  Port port;

  /* The ESP8266 and ESP32 stubs cannot ask their ROM: not implemented. */
  start_stub (&port, "esp32");
  stub_expect (&port, 0x14, NULL, 0, 0xFF00);
  port_close (&port);
  start_stub (&port, "esp8266");
  stub_expect (&port, 0x14, NULL, 0, 0xFF00);
  port_close (&port);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) reply = NULL;

      start_stub (&port, cases[i].chip);
      reply = command (&port, 0x14, NULL, 0, 0);
      assert_stub (reply, cases[i].length, 0);
      if (cases[i].length == 20)
        g_assert_cmpuint (get32 (reply->data + 8 + 12), ==, cases[i].chip_id);
      port_close (&port);
    }
}

static void
test_registers (void)
{
  Port port;
  guint8 args[32] = { 0 };

  start_stub (&port, "esp32");
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);

  /* WRITE_REG entries [address, value, mask, delay]: masked, two at once. */
  put32 (args, 0x3FF00100);
  put32 (args + 4, 0x12345678);
  put32 (args + 8, 0xFFFFFFFF);
  put32 (args + 16, 0x3FF00100);
  put32 (args + 20, 0xABCD0000);
  put32 (args + 24, 0xFFFF0000);
  put32 (args + 28, 10);
  stub_expect (&port, 0x09, args, 32, 0);
  g_assert_cmphex (stub_read_reg (&port, 0x3FF00100), ==, 0xABCD5678);

  /* SPI_SET_PARAMS: 24 bytes. */
  memset (args, 0, sizeof args);
  put32 (args + 4, FLASH_SIZE);
  stub_expect (&port, 0x0B, args, 24, 0);
  port_close (&port);
}

static void
test_flash_end_stays (void)
{
  Port port;

  start_stub (&port, "esp32");
  /* FLASH_END with nothing begun: C6 00 (not in flash mode). */
  flash_end_expect (&port, 0x04, 0xC600);
  /* esptool's "run": FLASH_BEGIN (0, 0) + FLASH_END (1). The flag is
   * not acted on; the stub keeps answering without a SYNC. */
  stub_begin_ok (&port, 0x02, 0, 0x4000, 0);
  stub_expect (&port, 0x04, (const guint8 *) "\x01\0\0\0", 4, 0);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  g_assert_true (sf_sim_device_get_stub_running (port.device));
  port_close (&port);
}

static void
test_mem_through_stub (void)
{
  Port port;
  guint8 args[16] = { 0 };
  guint8 block[16 + 64];

  start_stub (&port, "esp32");
  stub_expect (&port, 0x07, block, 16, 0xC600);          /* MEM_DATA, no begin */
  stub_expect (&port, 0x06, args, 8, 0xC600);            /* MEM_END, no begin */
  stub_expect (&port, 0x07, block, 8, 0xC800);           /* shorter than hdr16 */

  put32 (args, 64);
  put32 (args + 12, 0x40090000);
  stub_expect (&port, 0x05, args, 16, 0);
  /* No checksum check (the field is garbage here), no sequence check. */
  memset (block, 0, sizeof block);
  put32 (block, 32);
  put32 (block + 4, 7);
  {
    g_autoptr(GByteArray) reply = command (&port, 0x07, block, 16 + 32, 0x1234);

    assert_stub (reply, 0, 0);
  }
  /* The header's length must match the bytes, and fit what is left. */
  put32 (block, 40);
  stub_expect (&port, 0x07, block, 16 + 32, 0xC900);
  put32 (block, 64);
  stub_expect (&port, 0x07, block, 16 + 64, 0xC900);
  put32 (block, 32);
  stub_expect (&port, 0x07, block, 16 + 32, 0);

  /* MEM_END (0, entry in what was just loaded): it answers, then the new
   * code greets as a stub again. */
  put32 (args, 0);
  put32 (args + 4, 0x40090010);
  stub_expect (&port, 0x06, args, 8, 0);
  expect_ohai (&port);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

/* --- Baud rate ------------------------------------------------------------- */

/* CHANGE_BAUDRATE [@rate, @old_rate], answered at the old rate; then
 * the host's port to @speed. */
static void
stub_change_baud (Port    *port,
                  guint32  rate,
                  guint32  old_rate,
                  speed_t  speed)
{
  guint8 args[8];

  put32 (args, rate);
  put32 (args + 4, old_rate);
  stub_expect (port, 0x0F, args, 8, 0);
  set_port_baud (port, speed);
}

static void
test_change_baud (void)
{
  Port port;

  start_stub (&port, "esp8266");
  /* [new, old]: the old rate is ignored (0 is as good as 115200). */
  stub_change_baud (&port, 460800, 0, B460800);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0xFFF0C101);
  set_port_baud (&port, B115200);

  /* A rate the line can't carry: the reply still comes at the old rate,
   * then the host hears nothing at the new one; back at 115200 the
   * running stub answers again, no reset, no new upload. */
  sf_sim_device_set_max_baud (port.device, 460800);
  stub_change_baud (&port, 921600, 115200, B921600);
  send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  assert_quiet (&port, 300);
  set_port_baud (&port, B115200);
  drain (&port, 100);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0xFFF0C101);
  g_assert_true (sf_sim_device_get_stub_running (port.device));
  port_close (&port);
}

/* The stub's UART ends up at the rate it is sent; a host that moves its
 * port to another one hears noise, and is not heard. */
static void
test_change_baud_wrong_value (void)
{
  Port port;

  start_stub (&port, "esp32");
  stub_change_baud (&port, 230400, 115200, B460800);
  g_assert_false (read_reg_heard (&port, 0x40001000, 0x00F01D83));
  g_assert_false (read_reg_heard (&port, 0x40001000, 0x00F01D83));
  port_close (&port);
}

/* --- Faults and reset ------------------------------------------------------ */

static void
test_fault_stub_silent (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;

  start_synced (&port, "esp32c3");
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_STUB_SILENT, 0);
  load_stub_image (&port, "esp32c3");
  /* MEM_END is answered as usual, but no OHAI ever comes… */
  reply = mem_end (&port, 0, STUB_ENTRY);
  assert_status (reply, 0, 4, 0, 0);
  assert_quiet (&port, 1000);
  g_assert_false (sf_sim_device_get_stub_running (port.device));
  /* …and the ROM goes on: 4 status bytes, its own 8-byte SPI_ATTACH, a
   * ROM-only READ_FLASH_SLOW. */
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x1B31506F);
  attach (&port);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = command (&port, 0x0E, (const guint8 *) "\0\0\0\0\x10\0\0\0", 8, 0);
  assert_status (reply, 64, 4, 0, 0);
  port_close (&port);
}

static void
test_faults_in_stub (void)
{
  Port port;
  guint8 block[0x1000];
  g_autoptr(GBytes) back = NULL;
  const guint8 *p;
  guint flipped = 0;

  /* CORRUPT_WRITE: block 1 from now gets one bit flipped, yet 00 00. */
  memset (block, 0x5A, sizeof block);
  start_stub (&port, "esp32");
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_CORRUPT_WRITE, 1);
  stub_begin_ok (&port, 0x02, 0x3000, 0x1000, 0x10000);
  for (guint32 seq = 0; seq < 3; seq++)
    stub_block_expect (&port, 0x03, seq, block, sizeof block, 0);
  flash_end_expect (&port, 0x04, 0);
  back = sf_sim_device_dup_flash (port.device, 0x10000, 0x3000);
  p = g_bytes_get_data (back, NULL);
  for (gsize i = 0; i < 0x3000; i++)
    {
      flipped += __builtin_popcount (p[i] ^ 0x5A);
      if (p[i] != 0x5A)
        g_assert_cmpuint (i / 0x1000, ==, 1);
    }
  g_assert_cmpuint (flipped, ==, 1);

  /* STALL: two more answers, then silence; healing brings it back. */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_STALL, 2);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);
  send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  assert_quiet (&port, 300);
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_NONE, 0);
  g_assert_cmphex (stub_read_reg (&port, 0x40001000), ==, 0x00F01D83);

  /* SILENT: nothing answers. */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_SILENT, 0);
  send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  assert_quiet (&port, 300);
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_NONE, 0);

  /* UNPLUG in the middle of a READ_FLASH: its acknowledgements count as
   * requests, so after the command and one ack the port goes away. */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_UNPLUG, 2);
  {
    guint8 args[16];
    g_autoptr(GByteArray) frame = NULL;

    put32 (args, 0);
    put32 (args + 4, 3 * 4096);
    put32 (args + 8, 4096);
    put32 (args + 12, 64);
    stub_expect (&port, 0xD2, args, 16, 0);
    frame = read_frame (&port, TIMEOUT_MS);
    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->len, ==, 4096);
    put32 (args, 4096);
    send_slip (&port, args, 4);
    g_clear_pointer (&frame, g_byte_array_unref);
    frame = read_frame (&port, TIMEOUT_MS);
    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->len, ==, 4096);
    put32 (args, 8192);
    send_slip (&port, args, 4);
  }
  g_assert_false (fill (&port, TIMEOUT_MS) && port.pending->len > 0);
  port_close (&port);
}

static void
test_reset (void)
{
  Port port;

  start_stub (&port, "esp32");
  sf_sim_device_reset (port.device);
  /* The stub is gone; the ROM wants a SYNC before anything else. */
  send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  assert_quiet (&port, 300);
  g_assert_false (sf_sim_device_get_stub_running (port.device));
  do_sync (&port);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  {
    g_autoptr(GByteArray) reply = command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);

    assert_status (reply, 0, 4, 0, 0);
  }
  port_close (&port);
}

/* --- Timing (wall clock; the "timing" suite only) -------------------------- */

/* A stub running on a board with flash timing (and maybe baud pacing). */
static void
start_timed_stub (Port     *port,
                  gboolean  emulate_baud)
{
  g_autoptr(GByteArray) reply = NULL;

  port_open (port, "esp32");
  sf_sim_device_set_flash_timing (port->device, TRUE);
  sf_sim_device_set_emulate_baud (port->device, emulate_baud);
  port_start (port);
  do_sync (port);
  load_stub_image (port, "esp32");
  reply = mem_end (port, 0, STUB_ENTRY);
  assert_status (reply, 0, 4, 0, 0);
  expect_ohai (port);
}

static gint64
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

static void
test_timing_rom (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 block[0x400];
  gint64 start;

  port_open (&port, "esp32");
  sf_sim_device_set_flash_timing (port.device, TRUE);
  port_start (&port);
  do_sync (&port);
  attach (&port);
  /* The ROM erases 64 KiB before it answers FLASH_BEGIN: one block
   * erase, 150 ms typical. */
  start = g_get_monotonic_time ();
  reply = flash_begin (&port, 0x02, 0x10000, 64, 0x400, 0x10000, FALSE);
  assert_status (reply, 0, 4, 0, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 150);
  g_assert_cmpint (elapsed_ms (start), <, 3000);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* …and programs every block before it answers it: 4 pages of 0.4 ms. */
  memset (block, 0x42, sizeof block);
  start = g_get_monotonic_time ();
  for (guint32 seq = 0; seq < 25; seq++)
    {
      reply = data_block (&port, 0x03, seq, block, sizeof block, checksum_of (block, sizeof block));
      assert_status (reply, 0, 4, 0, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
    }
  g_assert_cmpint (elapsed_ms (start), >=, 38);
  port_close (&port);
}

static void
test_timing_stub (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (0x10000);
  g_autoptr(GByteArray) reply = NULL;
  gint64 start, first;

  start_timed_stub (&port, FALSE);
  /* Dirty and not 64 KiB-aligned: every 16 KiB block needs four sector
   * erases (45 ms each) and 64 page programs (25.6 ms), ~206 ms. */
  fill_flash (&port, 0x101000, 0x10000, 0x00);

  /* FLASH_BEGIN starts the first erase and answers at once. */
  start = g_get_monotonic_time ();
  stub_begin_ok (&port, 0x02, 0x10000, 0x4000, 0x101000);
  g_assert_cmpint (elapsed_ms (start), <, 100);

  /* Block 0 is answered as soon as it is in; block 1, sent right away,
   * only once block 0 is erased and written. */
  start = g_get_monotonic_time ();
  stub_block_expect (&port, 0x03, 0, image, 0x4000, 0);
  first = elapsed_ms (start);
  stub_block_expect (&port, 0x03, 1, image + 0x4000, 0x4000, 0);
  g_assert_cmpint (first, <, 100);
  g_assert_cmpint (elapsed_ms (start), >=, 180);

  /* A host that takes longer than that between blocks is answered at
   * once: the write was done while it was busy. */
  g_usleep (300 * 1000);
  start = g_get_monotonic_time ();
  stub_block_expect (&port, 0x03, 2, image + 0x8000, 0x4000, 0);
  g_assert_cmpint (elapsed_ms (start), <, 100);
  /* One that doesn't wait pays for the block before, FLASH_END too. */
  stub_block_expect (&port, 0x03, 3, image + 0xC000, 0x4000, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 180);
  start = g_get_monotonic_time ();
  flash_end_expect (&port, 0x04, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 180);
  assert_flash_is (&port, 0x101000, image, 0x10000);

  /* MD5 reads at about 4 MiB/s: 1 MiB takes a quarter of a second. */
  start = g_get_monotonic_time ();
  reply = stub_md5 (&port, 0, 0x100000);
  assert_stub (reply, 16, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 240);
  port_close (&port);
}

static void
test_timing_with_baud (void)
{
  Port port;
  g_autofree guint8 *image = random_bytes (0x10000);
  gint64 start, took;

  /* Both on, at 921600: 64 KiB in 16 KiB blocks is ~0.71 s of line time,
   * more than the erase and writes need, so the line is what counts. */
  start_timed_stub (&port, TRUE);
  fill_flash (&port, 0x200000, 0x10000, 0x00);
  set_port_baud (&port, B921600);

  start = g_get_monotonic_time ();
  stub_write (&port, 0x200000, image, 0x10000, 0x4000);
  took = elapsed_ms (start);
  g_assert_cmpint (took, >=, 700);
  g_assert_cmpint (took, <, 4000);
  assert_flash_is (&port, 0x200000, image, 0x10000);
  port_close (&port);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("SF_TEST_TIMING") != NULL)
    {
      g_test_add_func ("/simulator/stub/timing/rom", test_timing_rom);
      g_test_add_func ("/simulator/stub/timing/stub-double-buffer", test_timing_stub);
      g_test_add_func ("/simulator/stub/timing/with-emulated-baud", test_timing_with_baud);
      return g_test_run ();
    }

  g_test_add_func ("/simulator/stub/upload/ohai-and-sync", test_upload_ohai);
  g_test_add_func ("/simulator/stub/upload/not-run", test_upload_not_run);
  g_test_add_func ("/simulator/stub/command/strict-lengths", test_strict_lengths);
  g_test_add_func ("/simulator/stub/command/unknown-opcodes", test_unknown_opcodes);
  g_test_add_func ("/simulator/stub/command/oversized-frame", test_oversized_frame);
  g_test_add_func ("/simulator/stub/command/security-info", test_security_info);
  g_test_add_func ("/simulator/stub/command/registers", test_registers);
  g_test_add_func ("/simulator/stub/command/flash-end-stays", test_flash_end_stays);
  g_test_add_func ("/simulator/stub/command/mem", test_mem_through_stub);
  g_test_add_func ("/simulator/stub/baud/change", test_change_baud);
  g_test_add_func ("/simulator/stub/baud/wrong-value", test_change_baud_wrong_value);
  g_test_add_func ("/simulator/stub/fault/stub-silent", test_fault_stub_silent);
  g_test_add_func ("/simulator/stub/fault/existing-faults", test_faults_in_stub);
  g_test_add_func ("/simulator/stub/reset", test_reset);

  return g_test_run ();
}
