/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator against hand-written wire bytes of the protocol. These
 * tests talk to the pty with plain termios and their own tiny SLIP reader:
 * nothing from src/protocol/ may vouch for the simulator. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <zlib.h>

#include <glib/gstdio.h>

#include "sf-sim-device.h"
#include "sf-sim-slip-private.h"

#include "sim-test-util.h"
#include "../test-timing.h"

/* --- SLIP decoder (private) ------------------------------------------------ */

static void
collect_cb (const guint8 *frame,
            gsize         length,
            gpointer      user_data)
{
  g_ptr_array_add (user_data, g_bytes_new (frame, length));
}

static void
test_slip_decoder (void)
{
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) wire = hex_to_bytes ("6e6f697365 c0 0102dbdc03dbdd c0 c0 aabb c0 ff ee c0 01 db 07 c0 41 c0");
  SfSimSlipDecoder decoder;
  gsize size;
  const guint8 *p;

  _sf_sim_slip_decoder_init (&decoder);
  /* Byte by byte: frames are routinely split across reads. */
  for (guint i = 0; i < wire->len; i++)
    _sf_sim_slip_decoder_feed (&decoder, wire->data + i, 1, collect_cb, frames);
  _sf_sim_slip_decoder_clear (&decoder);

  /* Noise before the first C0 is dropped; bytes between frames surface as
   * a junk frame the command layer ignores; a bad escape kills its frame. */
  g_assert_cmpuint (frames->len, ==, 4);
  p = g_bytes_get_data (frames->pdata[0], &size);
  g_assert_cmpmem (p, size, "\x01\x02\xC0\x03\xDB", 5);
  p = g_bytes_get_data (frames->pdata[1], &size);
  g_assert_cmpmem (p, size, "\xAA\xBB", 2);
  p = g_bytes_get_data (frames->pdata[2], &size);
  g_assert_cmpmem (p, size, "\xFF\xEE", 2);
  p = g_bytes_get_data (frames->pdata[3], &size);
  g_assert_cmpmem (p, size, "\x41", 1);
}

static void
test_slip_encoder (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  _sf_sim_slip_encode (out, (const guint8 *) "\x01\xC0\xDB\x02", 4);
  g_assert_cmpmem (out->data, out->len, "\xC0\x01\xDB\xDC\xDB\xDD\x02\xC0", 8);
}

/* --- Wire tests ------------------------------------------------------------ */

static void
test_sync_esp32 (void)
{
  Port port;

  port_open (&port, "esp32");
  port_start (&port);

  /* The ESP32 SYNC exchange, byte for byte, eight replies. */
  send_hex (&port, sync_request);
  for (int i = 0; i < 8; i++)
    {
      g_autoptr(GByteArray) raw = read_raw_frame (&port, TIMEOUT_MS);
      g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 08 04 00 07071220 00000000 c0");

      g_assert_nonnull (raw);
      g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
    }
  g_assert_null (read_raw_frame (&port, 200));
  g_assert_cmpuint (sf_sim_device_get_command_count (port.device), ==, 1);

  port_close (&port);
}

static void
test_sync_esp8266 (void)
{
  Port port;

  port_open (&port, "esp8266");
  port_start (&port);
  send_hex (&port, sync_request);
  for (int i = 0; i < 8; i++)
    {
      g_autoptr(GByteArray) raw = read_raw_frame (&port, TIMEOUT_MS);
      g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 08 02 00 07071220 0000 c0");

      g_assert_nonnull (raw);
      g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
    }
  port_close (&port);
}

static void
test_needs_sync (void)
{
  Port port;
  g_autoptr(GByteArray) frame = NULL;

  port_open (&port, "esp32");
  port_start (&port);

  /* Before SYNC the ROM's auto-baud has not locked: no answer at all. */
  send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");
  g_assert_null (read_raw_frame (&port, 300));

  /* Noise between frames is tolerated. */
  send_hex (&port, "41 42 43 0d 0a");
  do_sync (&port);
  send_hex (&port, "de ad be ef");
  send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");
  frame = read_frame (&port, TIMEOUT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpuint (get32 (frame->data + 4), ==, 0x00F01D83);
  port_close (&port);
}

static void
test_read_reg_magic (void)
{
  static const struct { const char *chip; const char *reply; } cases[] = {
    /* READ_REG 0x40001000: value field carries the magic (chip detection). */
    { "esp32", "c0 01 0a 04 00 831df000 00000000 c0" },
    { "esp8266", "c0 01 0a 02 00 01c1f0ff 0000 c0" },
    { "esp32s2", "c0 01 0a 04 00 c6070000 00000000 c0" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Port port;
      g_autoptr(GByteArray) raw = NULL;
      g_autoptr(GByteArray) expected = hex_to_bytes (cases[i].reply);

      start_synced (&port, cases[i].chip);
      send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");
      raw = read_raw_frame (&port, TIMEOUT_MS);
      g_assert_nonnull (raw);
      g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);
      port_close (&port);
    }
}

static void
test_unsupported_opcode (void)
{
  Port port;
  g_autoptr(GByteArray) raw = NULL;
  g_autoptr(GByteArray) expected = hex_to_bytes ("c0 01 14 04 00 00000000 01050000 c0");
  g_autoptr(GByteArray) reply = NULL;

  /* GET_SECURITY_INFO to an ESP32 ROM: status 1, error 0x05 (a ROM's answer to an unknown opcode). */
  start_synced (&port, "esp32");
  send_hex (&port, "c0 00 14 00 00 00000000 c0");
  raw = read_raw_frame (&port, TIMEOUT_MS);
  g_assert_nonnull (raw);
  g_assert_cmpmem (raw->data, raw->len, expected->data, expected->len);

  /* Stub-only ERASE_FLASH. */
  reply = command (&port, 0xD0, NULL, 0, 0);
  assert_status (reply, 0, 4, 1, 0x05);
  port_close (&port);

  /* ESP8266: no CHANGE_BAUDRATE, no SPI_ATTACH, no MD5; 2 status bytes. */
  start_synced (&port, "esp8266");
  for (guint8 op = 0x0B; op <= 0x14; op++)
    {
      g_autoptr(GByteArray) r = command (&port, op, (const guint8 *) "\0\0\0\0\0\0\0\0", 8, 0);

      assert_status (r, 0, 2, 1, 0x05);
    }
  port_close (&port);
}

static void
test_security_info (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;

  start_synced (&port, "esp32c3");
  reply = command (&port, 0x14, NULL, 0, 0);
  assert_status (reply, 20, 4, 0, 0);
  g_assert_cmpuint (get32 (reply->data + 8 + 12), ==, 5);
  port_close (&port);
  g_clear_pointer (&reply, g_byte_array_unref);

  start_synced (&port, "esp32s3");
  reply = command (&port, 0x14, NULL, 0, 0);
  assert_status (reply, 20, 4, 0, 0);
  g_assert_cmpuint (get32 (reply->data + 8 + 12), ==, 9);
  port_close (&port);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* The S2 ROM has the short form, without chip_id. */
  start_synced (&port, "esp32s2");
  reply = command (&port, 0x14, NULL, 0, 0);
  assert_status (reply, 12, 4, 0, 0);
  port_close (&port);
}

static void
test_attach_required (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 md5_args[16] = { 0 };

  start_synced (&port, "esp32");
  reply = flash_begin (&port, 0x02, 0x1000, 1, 0x400, 0x10000, FALSE);
  g_assert_cmpuint (reply->data[8], ==, 1);
  g_clear_pointer (&reply, g_byte_array_unref);
  put32 (md5_args + 4, 0x1000);
  reply = command (&port, 0x13, md5_args, 16, 0);
  g_assert_cmpuint (reply->data[8], ==, 1);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* The stub's 4-byte SPI_ATTACH is not what a ROM takes. */
  reply = command (&port, 0x0D, (const guint8 *) "\0\0\0\0", 4, 0);
  assert_status (reply, 0, 4, 1, 0x05);
  g_clear_pointer (&reply, g_byte_array_unref);

  attach (&port);
  reply = flash_begin (&port, 0x02, 0x1000, 1, 0x400, 0x10000, FALSE);
  assert_status (reply, 0, 4, 0, 0);
  port_close (&port);
}

static void
test_flash_begin_length (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;

  /* ESP32 ROM: 16-byte form only. */
  start_synced (&port, "esp32");
  attach (&port);
  reply = flash_begin (&port, 0x02, 0x1000, 4, 0x400, 0, TRUE);
  assert_status (reply, 0, 4, 1, 0x05);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = flash_begin (&port, 0x10, 0x1000, 4, 0x400, 0, TRUE);
  assert_status (reply, 0, 4, 1, 0x05);
  port_close (&port);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* C3 ROM: 20 bytes, the 5th word saying "not encrypted". */
  start_synced (&port, "esp32c3");
  attach (&port);
  reply = flash_begin (&port, 0x02, 0x1000, 4, 0x400, 0, FALSE);
  assert_status (reply, 0, 4, 1, 0x05);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = flash_begin (&port, 0x02, 0x1000, 4, 0x400, 0, TRUE);
  assert_status (reply, 0, 4, 0, 0);
  port_close (&port);
}

static void
test_flash_write (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 block[0x400];
  g_autoptr(GBytes) back = NULL;

  for (gsize i = 0; i < sizeof block; i++)
    block[i] = (i * 7) ^ 0xC0;   /* plenty of bytes that need escaping */

  start_synced (&port, "esp32");
  attach (&port);
  /* Stale data in the sector: FLASH_BEGIN must erase it first. */
  sf_sim_device_write_flash (port.device, 0x20000, (const guint8 *) "\x00\x00\x00\x00", 4);
  reply = flash_begin (&port, 0x02, 0x800, 2, 0x400, 0x20000, FALSE);
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* Wrong checksum: error 0x07, nothing written. */
  reply = data_block (&port, 0x03, 0, block, sizeof block, checksum_of (block, sizeof block) ^ 0x01);
  assert_status (reply, 0, 4, 1, 0x07);
  g_clear_pointer (&reply, g_byte_array_unref);
  assert_flash (&port, 0x20000, 0x1000, 0xFF);

  /* A block out of sequence is refused. */
  reply = data_block (&port, 0x03, 1, block, sizeof block, checksum_of (block, sizeof block));
  g_assert_cmpuint (reply->data[8], ==, 1);
  g_clear_pointer (&reply, g_byte_array_unref);

  reply = data_block (&port, 0x03, 0, block, sizeof block, checksum_of (block, sizeof block));
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = data_block (&port, 0x03, 1, block, sizeof block, checksum_of (block, sizeof block));
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);

  back = sf_sim_device_dup_flash (port.device, 0x20000, 0x800);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), 0x400, block, sizeof block);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (back, NULL) + 0x400, 0x400, block, sizeof block);
  assert_flash (&port, 0x20800, 0x800, 0xFF);
  port_close (&port);
}

static void
test_nor_semantics (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 block[0x400];
  guint8 old[0x400];

  memset (block, 0x0F, sizeof block);
  memset (old, 0xF0, sizeof old);

  start_synced (&port, "esp32");
  attach (&port);
  sf_sim_device_write_flash (port.device, 0x3000, old, sizeof old);

  /* erase_size 0: program without erasing. 0x0F over 0xF0 gives 0x00. */
  reply = flash_begin (&port, 0x02, 0, 1, 0x400, 0x3000, FALSE);
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = data_block (&port, 0x03, 0, block, sizeof block, checksum_of (block, sizeof block));
  assert_status (reply, 0, 4, 0, 0);
  assert_flash (&port, 0x3000, 0x400, 0x00);
  port_close (&port);
}

static void
test_md5 (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 data[5000];
  guint8 args[16] = { 0 };

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = g_random_int ();
  g_checksum_update (md5, data, sizeof data);

  start_synced (&port, "esp32s3");
  attach (&port);
  sf_sim_device_write_flash (port.device, 0x1234, data, sizeof data);
  put32 (args, 0x1234);
  put32 (args + 4, sizeof data);
  reply = command (&port, 0x13, args, 16, 0);
  /* ROM: 32 lowercase hex digits, then 4 status bytes. */
  assert_status (reply, 32, 4, 0, 0);
  g_assert_cmpmem (reply->data + 8, 32, g_checksum_get_string (md5), 32);
  g_clear_pointer (&reply, g_byte_array_unref);

  /* Past the end of flash. */
  put32 (args, 0x3FF000);
  put32 (args + 4, 0x2000);
  reply = command (&port, 0x13, args, 16, 0);
  g_assert_cmpuint (reply->data[8], ==, 1);
  port_close (&port);
}

static void
test_read_flash_slow (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 data[64];
  guint8 args[8];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = 0xA0 + i;

  start_synced (&port, "esp32");
  attach (&port);
  sf_sim_device_write_flash (port.device, 0x8000, data, sizeof data);
  put32 (args, 0x8000);
  put32 (args + 4, 16);
  reply = command (&port, 0x0E, args, 8, 0);
  /* Always 64 bytes of data, then status; only the first 16 count. */
  assert_status (reply, 64, 4, 0, 0);
  g_assert_cmpmem (reply->data + 8, 16, data, 16);
  g_clear_pointer (&reply, g_byte_array_unref);

  put32 (args + 4, 65);
  reply = command (&port, 0x0E, args, 8, 0);
  assert_status (reply, 0, 4, 1, 0x0A);
  port_close (&port);
}

static void
test_esp8266_erase_bug (void)
{
  static const struct { guint32 offset, size, sent, erased_start, erased_end; } cases[] = {
    /* The well-known compensation examples. The ROM erases E + min (E, head) sectors for E asked
     * (extra "head" sectors when crossing a 64 KiB block, extra E when
     * not), so the compensated value erases what is needed, rounded up
     * to an even count when the range stays inside one block. */
    { 0x1000, 0x3000, 0x2000, 0x1000, 0x5000 },
    { 0x1000, 0x4000, 0x2000, 0x1000, 0x5000 },
    { 0xE000, 0x5000, 0x3000, 0xE000, 0x13000 },
    { 0x0, 0x1000, 0x1000, 0x0, 0x2000 },
    { 0x0, 0x100000, 0xF0000, 0x0, 0x100000 },
    /* A host that forgets the compensation erases too much: 3 sectors
     * asked at sector 1 become 3 + min (3, 15) = 6. */
    { 0x1000, 0x3000, 0x3000, 0x1000, 0x7000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Port port;
      g_autoptr(GByteArray) reply = NULL;
      g_autofree guint8 *zeros = g_malloc0 (0x200000);

      start_synced (&port, "esp8266");
      sf_sim_device_write_flash (port.device, 0, zeros, 0x200000);
      reply = flash_begin (&port, 0x02, cases[i].sent, 0, 0x400, cases[i].offset, FALSE);
      assert_status (reply, 0, 2, 0, 0);
      if (cases[i].erased_start > 0)
        assert_flash (&port, 0, cases[i].erased_start, 0x00);
      assert_flash (&port, cases[i].erased_start, cases[i].erased_end - cases[i].erased_start, 0xFF);
      assert_flash (&port, cases[i].erased_end, 0x10000, 0x00);
      port_close (&port);
    }
}

static void
test_spi_flash_id (void)
{
  Port port;

  /* ESP32 layout; 4 MiB → capacity 0x16. */
  start_synced (&port, "esp32");
  g_assert_cmphex (spi_command (&port, FALSE, 0x3FF42000, 0x1C, 0x20, 0x24, 0x2C, 0x80, 0x9F, 24, -1), ==, 0x1640EF);
  port_close (&port);

  /* Newer layout, 16 MiB → 0x18. */
  port_open (&port, "esp32c3");
  sf_sim_device_set_flash_size (port.device, 16 * 1024 * 1024);
  port_start (&port);
  do_sync (&port);
  g_assert_cmphex (spi_command (&port, FALSE, 0x60002000, 0x18, 0x1C, 0x20, 0x28, 0x58, 0x9F, 24, -1), ==, 0x1840EF);
  g_assert_cmphex (spi_command (&port, FALSE, 0x60002000, 0x18, 0x1C, 0x20, 0x28, 0x58, 0x05, 8, -1), ==, 0);
  port_close (&port);

  /* ESP8266 layout, 1 MiB → 0x14. */
  port_open (&port, "esp8266");
  sf_sim_device_set_flash_size (port.device, 1024 * 1024);
  port_start (&port);
  do_sync (&port);
  g_assert_cmphex (spi_command (&port, TRUE, 0x60000200, 0x1C, 0x20, 0x24, 0, 0x40, 0x9F, 24, -1), ==, 0x1440EF);
  port_close (&port);
}

static void
test_spi_read (void)
{
  Port port;

  /* The ESP8266 ROM has no READ_FLASH_SLOW: hosts read through the SPI
   * registers with an MSB-aligned 24-bit address. */
  start_synced (&port, "esp8266");
  sf_sim_device_write_flash (port.device, 0x12344, (const guint8 *) "\x11\x22\x33\x44", 4);
  g_assert_cmphex (spi_command (&port, TRUE, 0x60000200, 0x1C, 0x20, 0x24, 0, 0x40, 0x03, 32, 0x12344), ==, 0x44332211);
  port_close (&port);

  /* Newer chips: address not shifted (the helper shifts only for 0x20). */
  start_synced (&port, "esp32c3");
  sf_sim_device_write_flash (port.device, 0x200, (const guint8 *) "\xAA\xBB\xCC\xDD", 4);
  {
    guint32 base = 0x60002000;

    write_reg (&port, base + 0x28, 31, 0xFFFFFFFF);
    write_reg (&port, base + 0x1C, 23u << 26, 0xFFFFFFFF);
    write_reg (&port, base + 0x18, (1u << 31) | (1u << 30) | (1u << 28), 0xFFFFFFFF);
    write_reg (&port, base + 0x20, (7u << 28) | 0x03, 0xFFFFFFFF);
    write_reg (&port, base + 0x04, 0x200, 0xFFFFFFFF);
    write_reg (&port, base, 1u << 18, 0xFFFFFFFF);
    g_assert_cmphex (read_reg (&port, base + 0x58), ==, 0xDDCCBBAA);
  }
  port_close (&port);
}

static void
test_write_reg_mask (void)
{
  Port port;

  start_synced (&port, "esp32");
  write_reg (&port, 0x3FF00100, 0x12345678, 0xFFFFFFFF);
  write_reg (&port, 0x3FF00100, 0xABCD0000, 0xFFFF0000);
  g_assert_cmphex (read_reg (&port, 0x3FF00100), ==, 0xABCD5678);
  /* esptool's delay trick: mask 0 on the UART date register changes nothing. */
  write_reg (&port, 0x60000078, 0, 0);
  write_reg (&port, 0x60000078, 0xFFFFFFFF, 0xFFFFFFFF);
  g_assert_cmphex (read_reg (&port, 0x60000078), !=, 0xFFFFFFFF);
  port_close (&port);
}

static void
test_mac_and_efuse (void)
{
  Port port;
  guint8 mac[6];
  guint32 lo, hi, word3, word5, date;

  start_synced (&port, "esp32");
  sf_sim_device_get_mac (port.device, mac);
  lo = read_reg (&port, 0x3FF5A004);
  hi = read_reg (&port, 0x3FF5A008);
  g_assert_cmpuint ((hi >> 8) & 0xFF, ==, mac[0]);
  g_assert_cmpuint (hi & 0xFF, ==, mac[1]);
  g_assert_cmphex (lo, ==, ((guint32) mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]);
  g_assert_cmpmem (mac, 3, "\x24\x0A\xC4", 3);

  /* ESP32-D0WD-V3, revision 3: b0, b1, b2 all set, package 1. */
  word3 = read_reg (&port, 0x3FF5A00C);
  word5 = read_reg (&port, 0x3FF5A014);
  date = read_reg (&port, 0x3FF6607C);
  g_assert_cmpuint ((word3 >> 15) & 1, ==, 1);
  g_assert_cmpuint ((word5 >> 20) & 1, ==, 1);
  g_assert_cmpuint (date >> 31, ==, 1);
  g_assert_cmpuint (((word3 >> 9) & 7) | (((word3 >> 2) & 1) << 3), ==, 1);
  g_assert_cmpuint ((word5 >> 24) & 3, ==, 0);
  /* Crystal: 115200 × CLKDIV / 1e6 ≈ 40. */
  g_assert_cmpfloat_with_epsilon (115200.0 * (read_reg (&port, 0x3FF40014) & 0xFFFFF) / 1e6, 40.0, 0.5);
  /* The ROM's baud-quirk calibration comes out at 40 MHz. */
  g_assert_cmpfloat_with_epsilon (((read_reg (&port, 0x3FF5F06C) >> 7) & 0x1FFFFFF) * 15625.0 *
                                  (read_reg (&port, 0x3FF5A010) & 0xFF) / 40, 40e6, 1e6);
  port_close (&port);

  /* ESP8266: OUI 18:FE:34 from the OTP words. */
  start_synced (&port, "esp8266");
  {
    guint32 m0 = read_reg (&port, 0x3FF00050);
    guint32 m1 = read_reg (&port, 0x3FF00054);
    guint32 m3 = read_reg (&port, 0x3FF0005C);

    sf_sim_device_get_mac (port.device, mac);
    g_assert_cmpuint (m3, ==, 0);
    g_assert_cmpuint ((m1 >> 16) & 0xFF, ==, 0);
    g_assert_cmpmem (mac, 3, "\x18\xFE\x34", 3);
    g_assert_cmpuint (mac[3], ==, (m1 >> 8) & 0xFF);
    g_assert_cmpuint (mac[4], ==, m1 & 0xFF);
    g_assert_cmpuint (mac[5], ==, m0 >> 24);
    g_assert_cmpuint (m0 & (1 << 4), ==, 0);   /* not an ESP8285 */
    /* 26 MHz crystal, divider counted twice. */
    g_assert_cmpfloat_with_epsilon (115200.0 * (read_reg (&port, 0x60000014) & 0xFFFFF) / 1e6 / 2, 26.0, 0.5);
  }
  port_close (&port);
}

static void
test_deflate (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  g_autofree guint8 *data = g_malloc (10000);
  g_autofree guint8 *packed = NULL;
  uLongf packed_len = compressBound (10000);
  g_autoptr(GBytes) back = NULL;
  guint32 blocks;

  for (gsize i = 0; i < 10000; i++)
    data[i] = (i % 97 == 0) ? g_random_int () : i / 100;
  packed = g_malloc (packed_len);
  g_assert_cmpint (compress2 (packed, &packed_len, data, 10000, 9), ==, Z_OK);
  blocks = (packed_len + 0x3FF) / 0x400;

  start_synced (&port, "esp32c3");
  attach (&port);
  /* ROM: size = uncompressed length rounded up to the block size. */
  reply = flash_begin (&port, 0x10, 10240, blocks, 0x400, 0x40000, TRUE);
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);
  for (guint32 seq = 0; seq < blocks; seq++)
    {
      gsize off = seq * 0x400;
      gsize n = MIN (0x400, packed_len - off);

      reply = data_block (&port, 0x11, seq, packed + off, n, checksum_of (packed + off, n));
      assert_status (reply, 0, 4, 0, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
    }
  back = sf_sim_device_dup_flash (port.device, 0x40000, 10000);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), 10000, data, 10000);

  /* A broken stream: inflate error 0x0B. */
  reply = flash_begin (&port, 0x10, 0x400, 1, 0x400, 0x50000, TRUE);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = data_block (&port, 0x11, 0, (const guint8 *) "\x78\x9c\xff\xff\xff\xff", 6,
                      checksum_of ((const guint8 *) "\x78\x9c\xff\xff\xff\xff", 6));
  assert_status (reply, 0, 4, 1, 0x0B);
  port_close (&port);
}

/* CHANGE_BAUDRATE with @value (the ROM's second word is 0), then the
 * host's port to @speed, as a host does once the reply is in. */
static void
rom_change_baud (Port    *port,
                 guint32  value,
                 speed_t  speed)
{
  g_autoptr(GByteArray) reply = NULL;
  guint8 args[8] = { 0 };

  put32 (args, value);
  reply = command (port, 0x0F, args, 8, 0);
  assert_status (reply, 0, 4, 0, 0);
  set_port_baud (port, speed);
}

static void
test_change_baud (void)
{
  static const char *const chips[] = { "esp32", "esp32s3", "esp32c2", "esp32c3", "esp32h2" };

  /* These ROMs' UARTs end up at the value sent (the ESP32's calibration
   * reads as exactly 40 MHz here): the host at that rate hears them. */
  for (gsize i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      Port port;
      guint32 magic;

      start_synced (&port, chips[i]);
      magic = read_reg (&port, 0x40001000);
      rom_change_baud (&port, 460800, B460800);
      g_assert_true (read_reg_heard (&port, 0x40001000, magic));
      port_close (&port);
    }
}

/* The value the host sends must put the chip's UART at the rate the host
 * switches its port to: otherwise each side hears the other garbled. */
static void
test_change_baud_wrong_value (void)
{
  Port port;

  start_synced (&port, "esp32c3");
  rom_change_baud (&port, 230400, B460800);
  g_assert_false (read_reg_heard (&port, 0x40001000, 0x1B31506F));
  g_assert_false (read_reg_heard (&port, 0x40001000, 0x1B31506F));
  port_close (&port);

  /* 2 % off is within what UARTs cope with. */
  start_synced (&port, "esp32c3");
  rom_change_baud (&port, 451584, B460800);
  g_assert_true (read_reg_heard (&port, 0x40001000, 0x1B31506F));
  port_close (&port);
}

/* The ESP32-C2 ROM divides by 40 MHz whatever crystal is fitted: on a
 * 26 MHz board the host has to send 40/26 of the rate it wants. */
static void
test_change_baud_esp32c2_26mhz (void)
{
  const guint32 scaled = 460800 * 40 / 26;
  guint32 wanted[] = { scaled, 460800 };

  for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      Port port;

      port_open (&port, "esp32c2");
      sf_sim_device_set_crystal_mhz (port.device, 26);
      port_start (&port);
      do_sync (&port);
      /* Auto-baud: 26 MHz / 115200. */
      g_assert_cmpuint (read_reg (&port, 0x60000014), ==, 226);
      /* Unscaled, the UART runs at 299 520 baud. */
      rom_change_baud (&port, wanted[i], B460800);
      g_assert_cmpint (read_reg_heard (&port, 0x40001000, 0x6F51306F), ==, wanted[i] == scaled);
      port_close (&port);
    }
}

/* The ESP32 ROM divides by the crystal its RTC calibration makes out, not
 * the real one: the host has to scale the value by calibrated / real. */
static void
test_change_baud_esp32_calibration (void)
{
  /* 1408 × 15625 × 80 / 40 = 44 MHz on a 40 MHz crystal. */
  const guint32 cali = 1408u << 7;
  const guint32 scaled = 460800 * 44 / 40;
  Port port;

  start_synced (&port, "esp32");
  write_reg (&port, 0x3FF5F06C, cali, 0xFFFFFFFF);
  rom_change_baud (&port, scaled, B460800);
  g_assert_true (read_reg_heard (&port, 0x40001000, 0x00F01D83));
  port_close (&port);

  /* Unscaled, the UART runs at 418 909 baud: 9 % slow, far too far. */
  start_synced (&port, "esp32");
  write_reg (&port, 0x3FF5F06C, cali, 0xFFFFFFFF);
  rom_change_baud (&port, 460800, B460800);
  g_assert_false (read_reg_heard (&port, 0x40001000, 0x00F01D83));
  port_close (&port);
}

static void
test_flash_end_leaves_loader (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;

  start_synced (&port, "esp32");
  reply = command (&port, 0x04, (const guint8 *) "\x01\0\0\0", 4, 0);
  assert_status (reply, 0, 4, 0, 0);
  /* Out of download mode: nothing answers until a new SYNC. */
  send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");
  g_assert_null (read_raw_frame (&port, 300));
  do_sync (&port);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

static void
test_reopen (void)
{
  Port port;

  start_synced (&port, "esp32");
  /* esptool opens and closes the port on every run. */
  for (int i = 0; i < 3; i++)
    {
      close (port.fd);
      port.fd = open_port (sf_sim_device_get_port_path (port.device));
      tcflush (port.fd, TCIFLUSH);
      g_byte_array_set_size (port.pending, 0);
      g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
    }
  port_close (&port);
}

static void
test_boot_log (void)
{
  Port port;
  g_autoptr(GByteArray) frame = NULL;
  GString *text = g_string_new (NULL);

  port_open (&port, "esp32");
  sf_sim_device_set_boot_log (port.device, TRUE);
  port_start (&port);
  while (strstr (text->str, "waiting for download\r\n") == NULL && fill (&port, TIMEOUT_MS))
    {
      g_string_append_len (text, (const char *) port.pending->data, port.pending->len);
      g_byte_array_set_size (port.pending, 0);
    }
  g_assert_true (g_str_has_prefix (text->str, "ets Jun  8 2016 00:22:57\r\n"));
  g_assert_nonnull (strstr (text->str, "boot:0x3 (DOWNLOAD_BOOT"));
  g_assert_nonnull (strstr (text->str, "waiting for download\r\n"));
  g_string_free (text, TRUE);
  do_sync (&port);
  port_close (&port);

  /* Not in download mode: a flash boot banner, then silence. */
  port_open (&port, "esp32");
  sf_sim_device_set_boot_log (port.device, TRUE);
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_SILENT, 0);
  port_start (&port);
  drain (&port, 300);
  send_hex (&port, sync_request);
  g_assert_null (read_raw_frame (&port, 300));
  g_assert_cmpuint (sf_sim_device_get_command_count (port.device), ==, 0);
  port_close (&port);
}

static void
test_fault_stall (void)
{
  Port port;

  start_synced (&port, "esp32");
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_STALL, 2);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");
  g_assert_null (read_raw_frame (&port, 300));
  /* Healing it brings it back. */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_NONE, 0);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

static void
test_fault_unplug (void)
{
  Port port;
  g_autofree char *path = NULL;
  guint8 buf[64];
  ssize_t n;
  struct stat st;

  start_synced (&port, "esp32");
  path = g_strdup (sf_sim_device_get_port_path (port.device));
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_UNPLUG, 1);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  send_hex (&port, "c0 00 0a 04 00 00000000 00100040 c0");

  /* The line hangs up: the read ends with EOF/EIO instead of data. */
  {
    struct pollfd pfd = { port.fd, POLLIN, 0 };

    g_assert_cmpint (poll (&pfd, 1, TIMEOUT_MS), ==, 1);
    n = read (port.fd, buf, sizeof buf);
    g_assert_cmpint (n, <=, 0);
  }
  close (port.fd);
  port.fd = -1;
  /* …and the device node is gone. */
  g_assert_true (stat (path, &st) != 0 || open (path, O_RDWR | O_NOCTTY) < 0);
  port_close (&port);
}

static void
test_fault_corrupt_write (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 block[0x400];
  g_autoptr(GBytes) back = NULL;
  const guint8 *p;
  guint differing_bits = 0;

  memset (block, 0x5A, sizeof block);
  start_synced (&port, "esp32");
  attach (&port);
  /* The second block from now is damaged in flash, yet acknowledged. */
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_CORRUPT_WRITE, 1);
  reply = flash_begin (&port, 0x02, 0xC00, 3, 0x400, 0x10000, FALSE);
  g_clear_pointer (&reply, g_byte_array_unref);
  for (guint32 seq = 0; seq < 3; seq++)
    {
      reply = data_block (&port, 0x03, seq, block, sizeof block, checksum_of (block, sizeof block));
      assert_status (reply, 0, 4, 0, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
    }

  back = sf_sim_device_dup_flash (port.device, 0x10000, 0xC00);
  p = g_bytes_get_data (back, NULL);
  for (gsize i = 0; i < 0xC00; i++)
    {
      differing_bits += __builtin_popcount (p[i] ^ 0x5A);
      if (p[i] != 0x5A)
        g_assert_cmpuint (i / 0x400, ==, 1);
    }
  g_assert_cmpuint (differing_bits, ==, 1);
  port_close (&port);
}

static void
test_flash_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sf-sim-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "flash.bin", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 block[0x400];

  memset (block, 0x42, sizeof block);

  /* Created 0xFF-filled at the flash size, changes written through. */
  port_open (&port, "esp32");
  sf_sim_device_set_flash_size (port.device, 1024 * 1024);
  sf_sim_device_set_flash_file (port.device, path);
  port_start (&port);
  do_sync (&port);
  attach (&port);
  reply = flash_begin (&port, 0x02, 0x400, 1, 0x400, 0x1000, FALSE);
  g_clear_pointer (&reply, g_byte_array_unref);
  reply = data_block (&port, 0x03, 0, block, sizeof block, checksum_of (block, sizeof block));
  assert_status (reply, 0, 4, 0, 0);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 1024 * 1024);
  g_assert_cmpuint ((guint8) contents[0], ==, 0xFF);
  g_assert_cmpmem (contents + 0x1000, 0x400, block, 0x400);
  g_assert_cmpuint ((guint8) contents[0x1400], ==, 0xFF);
  port_close (&port);
  g_clear_pointer (&contents, g_free);

  /* Loaded again; a different size resizes the file, keeping the data. */
  port_open (&port, "esp32");
  sf_sim_device_set_flash_size (port.device, 2 * 1024 * 1024);
  sf_sim_device_set_flash_file (port.device, path);
  {
    g_autoptr(GBytes) back = sf_sim_device_dup_flash (port.device, 0x1000, 0x400);

    g_assert_cmpmem (g_bytes_get_data (back, NULL), 0x400, block, 0x400);
  }
  assert_flash (&port, 0x100000, 0x100000, 0xFF);
  g_clear_object (&port.device);
  g_clear_pointer (&port.pending, g_byte_array_unref);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 2 * 1024 * 1024);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_unknown_chip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfSimDevice) device = sf_sim_device_new ("esp31", &error);

  g_assert_null (device);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "esp32c3"));
}

static void
test_big_write_speed (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  g_autofree guint8 *image = g_malloc (1024 * 1024);
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 args[16] = { 0 };
  gint64 start;

  for (gsize i = 0; i < 1024 * 1024; i++)
    image[i] = g_random_int ();
  g_checksum_update (md5, image, 1024 * 1024);

  start_synced (&port, "esp32");
  attach (&port);
  start = g_get_monotonic_time ();
  reply = flash_begin (&port, 0x02, 1024 * 1024, 1024, 0x400, 0x100000, FALSE);
  assert_status (reply, 0, 4, 0, 0);
  g_clear_pointer (&reply, g_byte_array_unref);
  for (guint32 seq = 0; seq < 1024; seq++)
    {
      reply = data_block (&port, 0x03, seq, image + seq * 0x400, 0x400,
                          checksum_of (image + seq * 0x400, 0x400));
      g_assert_cmpuint (reply->data[8], ==, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
    }
  put32 (args, 0x100000);
  put32 (args + 4, 1024 * 1024);
  reply = command (&port, 0x13, args, 16, 0);
  g_assert_cmpmem (reply->data + 8, 32, g_checksum_get_string (md5), 32);
  /* The device must not be the bottleneck. */
  sf_assert_took_less (start, 10 * G_USEC_PER_SEC);
  port_close (&port);
}

static void
test_emulate_baud (void)
{
  Port port;
  gint64 start;
  guint8 args[8];
  g_autoptr(GByteArray) reply = NULL;

  port_open (&port, "esp32");
  sf_sim_device_set_emulate_baud (port.device, TRUE);
  port_start (&port);
  {
    struct termios tio;

    tcgetattr (port.fd, &tio);
    cfsetispeed (&tio, B9600);
    cfsetospeed (&tio, B9600);
    tcsetattr (port.fd, TCSANOW, &tio);
  }
  do_sync (&port);
  attach (&port);
  /* READ_FLASH_SLOW: ~14 bytes out, ~84 back at 960 bytes/s ≈ 0.1 s. */
  put32 (args, 0);
  put32 (args + 4, 64);
  start = g_get_monotonic_time ();
  for (int i = 0; i < 3; i++)
    {
      reply = command (&port, 0x0E, args, 8, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
    }
  g_assert_cmpint (g_get_monotonic_time () - start, >, 250 * 1000);
  port_close (&port);
}

static void
test_program (void)
{
  const char *sim = g_getenv ("SPARKFLASH_SIM");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  g_autofree char *err_text = NULL;
  Port port = { 0 };

  if (sim == NULL)
    {
      g_test_skip ("SPARKFLASH_SIM not set");
      return;
    }

  /* An unknown chip: non-zero exit, the known ones listed. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                           sim, "--chip", "esp99", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err_text, &error));
  g_assert_false (g_subprocess_get_successful (proc));
  g_assert_nonnull (strstr (err_text, "esp8266"));
  g_clear_object (&proc);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           sim, "--chip", "esp32c3", "--flash-size", "2MB", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "PORT /dev/"));

  port.fd = open_port (line + 5);
  port.pending = g_byte_array_new ();
  do_sync (&port);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x1B31506F);
  close (port.fd);
  g_byte_array_unref (port.pending);

  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/simulator/slip/decoder", test_slip_decoder);
  g_test_add_func ("/simulator/slip/encoder", test_slip_encoder);
  g_test_add_func ("/simulator/sync/esp32-wire-bytes", test_sync_esp32);
  g_test_add_func ("/simulator/sync/esp8266-wire-bytes", test_sync_esp8266);
  g_test_add_func ("/simulator/sync/required-and-noise", test_needs_sync);
  g_test_add_func ("/simulator/read-reg/magic", test_read_reg_magic);
  g_test_add_func ("/simulator/write-reg/mask", test_write_reg_mask);
  g_test_add_func ("/simulator/registers/mac-efuse-crystal", test_mac_and_efuse);
  g_test_add_func ("/simulator/command/unsupported", test_unsupported_opcode);
  g_test_add_func ("/simulator/command/security-info", test_security_info);
  g_test_add_func ("/simulator/command/change-baud", test_change_baud);
  g_test_add_func ("/simulator/command/change-baud-wrong-value", test_change_baud_wrong_value);
  g_test_add_func ("/simulator/command/change-baud-esp32-calibration", test_change_baud_esp32_calibration);
  g_test_add_func ("/simulator/command/change-baud-esp32c2-26mhz", test_change_baud_esp32c2_26mhz);
  g_test_add_func ("/simulator/flash/attach-required", test_attach_required);
  g_test_add_func ("/simulator/flash/begin-length", test_flash_begin_length);
  g_test_add_func ("/simulator/flash/write-checksum-seq", test_flash_write);
  g_test_add_func ("/simulator/flash/nor-semantics", test_nor_semantics);
  g_test_add_func ("/simulator/flash/md5", test_md5);
  g_test_add_func ("/simulator/flash/read-flash-slow", test_read_flash_slow);
  g_test_add_func ("/simulator/flash/esp8266-erase-bug", test_esp8266_erase_bug);
  g_test_add_func ("/simulator/flash/deflate", test_deflate);
  g_test_add_func ("/simulator/flash/end-leaves-loader", test_flash_end_leaves_loader);
  g_test_add_func ("/simulator/flash/file", test_flash_file);
  g_test_add_func ("/simulator/flash/1mib-speed", test_big_write_speed);
  g_test_add_func ("/simulator/spi/flash-id", test_spi_flash_id);
  g_test_add_func ("/simulator/spi/read", test_spi_read);
  g_test_add_func ("/simulator/port/reopen", test_reopen);
  g_test_add_func ("/simulator/port/boot-log", test_boot_log);
  g_test_add_func ("/simulator/port/emulate-baud", test_emulate_baud);
  g_test_add_func ("/simulator/fault/stall", test_fault_stall);
  g_test_add_func ("/simulator/fault/unplug", test_fault_unplug);
  g_test_add_func ("/simulator/fault/corrupt-write", test_fault_corrupt_write);
  g_test_add_func ("/simulator/device/unknown-chip", test_unknown_chip);
  g_test_add_func ("/simulator/program/sparkflash-sim", test_program);

  return g_test_run ();
}
