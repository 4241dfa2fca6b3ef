/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator tests' own tiny client: plain termios on the pty, a SLIP
 * writer and reader of their own, hand-built requests. Nothing from
 * src/protocol/ may vouch for the simulator. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <zlib.h>
#include <unistd.h>

#include "sim-test-util.h"
int
open_port (const char *path)
{
  struct termios tio;
  int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &tio), ==, 0);
  cfmakeraw (&tio);
  cfsetispeed (&tio, B115200);
  cfsetospeed (&tio, B115200);
  g_assert_cmpint (tcsetattr (fd, TCSANOW, &tio), ==, 0);
  return fd;
}

void
port_open (Port       *port,
           const char *chip)
{
  g_autoptr(GError) error = NULL;

  port->device = sf_sim_device_new (chip, &error);
  g_assert_no_error (error);
  g_assert_nonnull (port->device);
  port->pending = g_byte_array_new ();
  port->fd = -1;
}

void
port_start (Port *port)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sf_sim_device_start (port->device, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sf_sim_device_get_port_path (port->device));
  port->fd = open_port (sf_sim_device_get_port_path (port->device));
}

void
port_close (Port *port)
{
  if (port->fd >= 0)
    close (port->fd);
  sf_sim_device_stop (port->device);
  g_clear_object (&port->device);
  g_clear_pointer (&port->pending, g_byte_array_unref);
}

void
write_all (int           fd,
           const guint8 *data,
           gsize         length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      data += n;
      length -= n;
    }
}

/* "c0 00 08 …" → bytes; spaces are ignored. */
GByteArray *
hex_to_bytes (const char *hex)
{
  GByteArray *out = g_byte_array_new ();

  while (*hex)
    {
      guint8 b;

      if (*hex == ' ')
        {
          hex++;
          continue;
        }
      g_assert_true (g_ascii_isxdigit (hex[0]) && g_ascii_isxdigit (hex[1]));
      b = (g_ascii_xdigit_value (hex[0]) << 4) | g_ascii_xdigit_value (hex[1]);
      g_byte_array_append (out, &b, 1);
      hex += 2;
    }
  return out;
}

void
send_hex (Port       *port,
          const char *hex)
{
  g_autoptr(GByteArray) bytes = hex_to_bytes (hex);

  write_all (port->fd, bytes->data, bytes->len);
}

/* Reads raw bytes for up to @timeout_ms; FALSE on timeout or EOF. */
gboolean
fill (Port *port,
      int   timeout_ms)
{
  struct pollfd pfd = { port->fd, POLLIN, 0 };
  guint8 buf[4096];
  ssize_t n;

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return FALSE;
  n = read (port->fd, buf, sizeof buf);
  if (n <= 0)
    return FALSE;
  g_byte_array_append (port->pending, buf, n);
  return TRUE;
}

/* The raw wire bytes of the next frame, C0 … C0 inclusive, skipping noise
 * before it; NULL on timeout. */
GByteArray *
read_raw_frame (Port *port,
                int   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      /* memchr on the empty array's NULL data would be undefined. */
      guint8 *start = port->pending->len > 0
                      ? memchr (port->pending->data, 0xC0, port->pending->len) : NULL;

      if (start != NULL)
        {
          gsize s = start - port->pending->data;
          guint8 *end;

          /* Skip empty frames (C0 C0). */
          while (s + 1 < port->pending->len && port->pending->data[s + 1] == 0xC0)
            s++;
          end = memchr (port->pending->data + s + 1, 0xC0, port->pending->len - s - 1);
          if (end != NULL)
            {
              gsize e = end - port->pending->data;
              GByteArray *frame = g_byte_array_new ();

              g_byte_array_append (frame, port->pending->data + s, e - s + 1);
              g_byte_array_remove_range (port->pending, 0, e + 1);
              return frame;
            }
        }

      {
        gint64 left = (deadline - g_get_monotonic_time ()) / 1000;

        if (left <= 0 || !fill (port, (int) left))
          return NULL;
      }
    }
}

/* Un-SLIPs a raw frame (test-local, on purpose). */
GByteArray *
unslip (GByteArray *raw)
{
  GByteArray *out = g_byte_array_new ();

  g_assert_cmpuint (raw->len, >=, 2);
  g_assert_cmpuint (raw->data[0], ==, 0xC0);
  g_assert_cmpuint (raw->data[raw->len - 1], ==, 0xC0);
  for (guint i = 1; i + 1 < raw->len; i++)
    {
      guint8 b = raw->data[i];

      g_assert_cmpuint (b, !=, 0xC0);
      if (b == 0xDB)
        {
          i++;
          g_assert_true (raw->data[i] == 0xDC || raw->data[i] == 0xDD);
          b = raw->data[i] == 0xDC ? 0xC0 : 0xDB;
        }
      g_byte_array_append (out, &b, 1);
    }
  return out;
}

GByteArray *
read_frame (Port *port,
            int   timeout_ms)
{
  g_autoptr(GByteArray) raw = read_raw_frame (port, timeout_ms);

  return raw ? unslip (raw) : NULL;
}

void
put32 (guint8  *p,
       guint32  v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

guint32
get32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

void
send_slip (Port         *port,
           const guint8 *data,
           gsize         length)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();

  g_byte_array_append (wire, (const guint8 *) "\xC0", 1);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == 0xC0)
        g_byte_array_append (wire, (const guint8 *) "\xDB\xDC", 2);
      else if (data[i] == 0xDB)
        g_byte_array_append (wire, (const guint8 *) "\xDB\xDD", 2);
      else
        g_byte_array_append (wire, data + i, 1);
    }
  g_byte_array_append (wire, (const guint8 *) "\xC0", 1);
  write_all (port->fd, wire->data, wire->len);
}

void
send_command (Port         *port,
              guint8        opcode,
              const guint8 *data,
              gsize         length,
              guint32       checksum)
{
  g_autofree guint8 *request = g_malloc (8 + length);

  request[0] = 0x00;
  request[1] = opcode;
  request[2] = length & 0xFF;
  request[3] = length >> 8;
  put32 (request + 4, checksum);
  if (length > 0)
    memcpy (request + 8, data, length);
  send_slip (port, request, 8 + length);
}

/* Sends and returns the first reply with the same opcode. */
GByteArray *
command (Port         *port,
         guint8        opcode,
         const guint8 *data,
         gsize         length,
         guint32       checksum)
{
  send_command (port, opcode, data, length, checksum);
  for (int i = 0; i < 16; i++)
    {
      g_autoptr(GByteArray) frame = read_frame (port, TIMEOUT_MS);

      g_assert_nonnull (frame);
      g_assert_cmpuint (frame->len, >=, 8);
      g_assert_cmpuint (frame->data[0], ==, 0x01);
      g_assert_cmpuint (frame->data[2] | (frame->data[3] << 8), ==, frame->len - 8);
      if (frame->data[1] == opcode)
        return g_steal_pointer (&frame);
    }
  g_assert_not_reached ();
}

void
drain (Port *port,
       int   quiet_ms)
{
  while (fill (port, quiet_ms))
    ;
  g_byte_array_set_size (port->pending, 0);
}

/* Status bytes follow @result_length result bytes. */
void
assert_status (GByteArray *reply,
               gsize       result_length,
               guint       status_length,
               guint8      status,
               guint8      error)
{
  g_assert_cmpuint (reply->len, ==, 8 + result_length + status_length);
  g_assert_cmpuint (reply->data[8 + result_length], ==, status);
  g_assert_cmpuint (reply->data[8 + result_length + 1], ==, error);
}

const char sync_request[] =
  "c0 00 08 24 00 00000000 07071220"
  " 5555555555555555 5555555555555555 5555555555555555 5555555555555555 c0";

void
do_sync (Port *port)
{
  send_hex (port, sync_request);
  for (int i = 0; i < 8; i++)
    {
      g_autoptr(GByteArray) frame = read_frame (port, TIMEOUT_MS);

      g_assert_nonnull (frame);
      g_assert_cmpuint (frame->data[1], ==, 0x08);
    }
}

void
start_synced (Port       *port,
              const char *chip)
{
  port_open (port, chip);
  port_start (port);
  do_sync (port);
}

void
attach (Port *port)
{
  guint8 payload[8] = { 0 };
  g_autoptr(GByteArray) reply = command (port, 0x0D, payload, 8, 0);

  assert_status (reply, 0, 4, 0, 0);
}

guint8
checksum_of (const guint8 *data,
             gsize         length)
{
  guint8 sum = 0xEF;

  for (gsize i = 0; i < length; i++)
    sum ^= data[i];
  return sum;
}

GByteArray *
flash_begin (Port    *port,
             guint8   opcode,
             guint32  size,
             guint32  blocks,
             guint32  block_size,
             guint32  offset,
             gboolean fifth_word)
{
  guint8 payload[20] = { 0 };

  put32 (payload, size);
  put32 (payload + 4, blocks);
  put32 (payload + 8, block_size);
  put32 (payload + 12, offset);
  return command (port, opcode, payload, fifth_word ? 20 : 16, 0);
}

GByteArray *
data_block (Port         *port,
            guint8        opcode,
            guint32       seq,
            const guint8 *data,
            gsize         length,
            guint32       checksum)
{
  g_autofree guint8 *payload = g_malloc0 (16 + length);

  put32 (payload, length);
  put32 (payload + 4, seq);
  memcpy (payload + 16, data, length);
  return command (port, opcode, payload, 16 + length, checksum);
}

GByteArray *
read_reg_reply (Port    *port,
                guint32  address)
{
  guint8 payload[4];

  put32 (payload, address);
  return command (port, 0x0A, payload, 4, 0);
}

guint32
read_reg (Port    *port,
          guint32  address)
{
  g_autoptr(GByteArray) reply = read_reg_reply (port, address);

  g_assert_cmpuint (reply->data[8], ==, 0);
  return get32 (reply->data + 4);
}

/* READ_REG of @address: does its right answer, @expected, come back?
 * What comes is looked at as raw bytes, since from a UART at the wrong
 * rate it need not be SLIP at all. */
gboolean
read_reg_heard (Port    *port,
                guint32  address,
                guint32  expected)
{
  guint8 payload[4];
  gboolean heard = FALSE;
  const guint8 *p;
  gsize n;

  put32 (payload, address);
  send_command (port, 0x0A, payload, 4, 0);
  while (fill (port, 500))
    ;
  /* C0, direction 1, READ_REG, a 16-bit size, the value. */
  p = port->pending->data;
  n = port->pending->len;
  for (gsize i = 0; i + 9 <= n && !heard; i++)
    heard = p[i] == 0xC0 && p[i + 1] == 0x01 && p[i + 2] == 0x0A &&
            get32 (p + i + 5) == expected;
  g_byte_array_set_size (port->pending, 0);
  return heard;
}

void
write_reg (Port    *port,
           guint32  address,
           guint32  value,
           guint32  mask)
{
  guint8 payload[16] = { 0 };
  g_autoptr(GByteArray) reply = NULL;

  put32 (payload, address);
  put32 (payload + 4, value);
  put32 (payload + 8, mask);
  reply = command (port, 0x09, payload, 16, 0);
  g_assert_cmpuint (reply->data[8], ==, 0);
}

void
assert_flash (Port    *port,
              guint32  offset,
              gsize    length,
              guint8   value)
{
  g_autoptr(GBytes) bytes = sf_sim_device_dup_flash (port->device, offset, length);
  const guint8 *p = g_bytes_get_data (bytes, NULL);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, length);
  for (gsize i = 0; i < length; i++)
    if (p[i] != value)
      g_error ("flash[0x%" G_GSIZE_MODIFIER "x] = 0x%02x, expected 0x%02x", offset + i, p[i], value);
}

/* --- The flasher stub ---------------------------------------------------- */

/* --- Helpers --------------------------------------------------------------- */

guint
rom_status_length (const char *chip)
{
  return g_str_equal (chip, "esp8266") ? 2 : 4;
}

/* One RAM segment through the ROM: MEM_BEGIN, then MEM_DATA blocks. */
void
load_segment (Port         *port,
              guint         status_length,
              guint32       address,
              const guint8 *data,
              gsize         length)
{
  guint8 args[16];
  guint32 blocks = (length + RAM_BLOCK - 1) / RAM_BLOCK;
  g_autoptr(GByteArray) reply = NULL;

  put32 (args, length);
  put32 (args + 4, blocks);
  put32 (args + 8, RAM_BLOCK);
  put32 (args + 12, address);
  reply = command (port, 0x05, args, 16, 0);
  assert_status (reply, 0, status_length, 0, 0);
  for (guint32 seq = 0; seq < blocks; seq++)
    {
      gsize n = MIN (RAM_BLOCK, length - seq * RAM_BLOCK);
      const guint8 *p = data + seq * RAM_BLOCK;

      g_clear_pointer (&reply, g_byte_array_unref);
      reply = data_block (port, 0x07, seq, p, n, checksum_of (p, n));
      assert_status (reply, 0, status_length, 0, 0);
    }
}

/* MEM_END [flag, entry] to the ROM; its reply. */
GByteArray *
mem_end (Port    *port,
         guint32  flag,
         guint32  entry)
{
  guint8 args[8];

  put32 (args, flag);
  put32 (args + 4, entry);
  return command (port, 0x06, args, 8, 0);
}

/* A made-up stub image: text and data as a host uploads them. The
 * simulator takes any image; it only checks that the entry point lies in
 * what was loaded. */
void
load_stub_image (Port       *port,
                 const char *chip)
{
  g_autofree guint8 *text = g_malloc (0x2345);
  guint8 data[0x300];

  for (gsize i = 0; i < 0x2345; i++)
    text[i] = (i * 131) ^ 0xC0;
  memset (data, 0xDB, sizeof data);
  load_segment (port, rom_status_length (chip), STUB_TEXT_START, text, 0x2345);
  load_segment (port, rom_status_length (chip), STUB_DATA_START, data, sizeof data);
}

void
expect_ohai (Port *port)
{
  g_autoptr(GByteArray) raw = read_raw_frame (port, 5000);

  g_assert_nonnull (raw);
  g_assert_cmpmem (raw->data, raw->len, "\xC0OHAI\xC0", 6);
}

/* A synced board with the stub uploaded and running. */
void
start_stub (Port       *port,
            const char *chip)
{
  g_autoptr(GByteArray) reply = NULL;

  start_synced (port, chip);
  load_stub_image (port, chip);
  reply = mem_end (port, 0, STUB_ENTRY);
  assert_status (reply, 0, rom_status_length (chip), 0, 0);
  expect_ohai (port);
  g_assert_true (sf_sim_device_get_stub_running (port->device));
}

/* The stub's status: 2 bytes after @result_length result bytes, the code
 * high byte first (so C1 00 for 0xC100). */
void
assert_stub (GByteArray *reply,
             gsize       result_length,
             guint16     code)
{
  assert_status (reply, result_length, 2, code >> 8, code & 0xFF);
}

/* Sends and checks the status; returns nothing. */
void
stub_expect (Port         *port,
             guint8        opcode,
             const guint8 *data,
             gsize         length,
             guint16       code)
{
  g_autoptr(GByteArray) reply = command (port, opcode, data, length, 0);

  assert_stub (reply, 0, code);
}

GByteArray *
stub_begin (Port    *port,
            guint8   opcode,
            guint32  size,
            guint32  block_size,
            guint32  offset)
{
  /* num_blocks is ignored by the stub: send nonsense. */
  return flash_begin (port, opcode, size, 0xDEAD, block_size, offset, TRUE);
}

void
stub_begin_ok (Port    *port,
               guint8   opcode,
               guint32  size,
               guint32  block_size,
               guint32  offset)
{
  g_autoptr(GByteArray) reply = stub_begin (port, opcode, size, block_size, offset);

  assert_stub (reply, 0, 0);
}

void
stub_block_expect (Port         *port,
                   guint8        opcode,
                   guint32       seq,
                   const guint8 *data,
                   gsize         length,
                   guint16       code)
{
  g_autoptr(GByteArray) reply = data_block (port, opcode, seq, data, length, checksum_of (data, length));

  assert_stub (reply, 0, code);
}

void
flash_end_expect (Port    *port,
                  guint8   opcode,
                  guint16  code)
{
  stub_expect (port, opcode, (const guint8 *) "\0\0\0\0", 4, code);
}

guint8 *
random_bytes (gsize length)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_random_int ();
  return data;
}

void
assert_flash_is (Port         *port,
                 guint32       offset,
                 const guint8 *data,
                 gsize         length)
{
  g_autoptr(GBytes) back = sf_sim_device_dup_flash (port->device, offset, length);

  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, length);
}

void
fill_flash (Port    *port,
            guint32  offset,
            gsize    length,
            guint8   value)
{
  g_autofree guint8 *bytes = g_malloc (length);

  memset (bytes, value, length);
  sf_sim_device_write_flash (port->device, offset, bytes, length);
}

/* Writes @data raw in blocks of @block_size, each acknowledged 00 00. */
void
stub_write (Port         *port,
            guint32       offset,
            const guint8 *data,
            gsize         length,
            guint32       block_size)
{
  stub_begin_ok (port, 0x02, length, block_size, offset);
  for (gsize done = 0, seq = 0; done < length; done += block_size, seq++)
    stub_block_expect (port, 0x03, seq, data + done, MIN (block_size, length - done), 0);
  flash_end_expect (port, 0x04, 0);
}

void
md5_of (const guint8 *data,
        gsize         length,
        guint8        out[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize n = 16;

  g_checksum_update (md5, data, length);
  g_checksum_get_digest (md5, out, &n);
}

GByteArray *
stub_md5 (Port    *port,
          guint32  offset,
          guint32  length)
{
  guint8 args[16] = { 0 };

  put32 (args, offset);
  put32 (args + 4, length);
  return command (port, 0x13, args, 16, 0);
}

void
set_port_baud (Port    *port,
               speed_t  speed)
{
  struct termios tio;

  g_assert_cmpint (tcgetattr (port->fd, &tio), ==, 0);
  cfsetispeed (&tio, speed);
  cfsetospeed (&tio, speed);
  g_assert_cmpint (tcsetattr (port->fd, TCSADRAIN, &tio), ==, 0);
}

/* READ_REG, answered with the stub's two status bytes. */
guint32
stub_read_reg (Port    *port,
               guint32  address)
{
  g_autoptr(GByteArray) reply = read_reg_reply (port, address);

  assert_stub (reply, 0, 0);
  return get32 (reply->data + 4);
}

/* Nothing at all comes back within @ms. */
void
assert_quiet (Port *port,
              int   ms)
{
  g_autoptr(GByteArray) raw = read_raw_frame (port, ms);

  g_assert_null (raw);
}

gsize
compress_image (const guint8  *data,
                gsize          length,
                guint8       **out_packed)
{
  uLongf packed_length = compressBound (length);

  *out_packed = g_malloc (packed_length);
  g_assert_cmpint (compress2 (*out_packed, &packed_length, data, length, 9), ==, Z_OK);
  return packed_length;
}

/* Runs one SPI user command through the controller registers and returns W0. */
guint32
spi_command (Port    *port,
             gboolean esp8266,
             guint32  base,
             guint32  usr_off,
             guint32  usr1_off,
             guint32  usr2_off,
             guint32  miso_dlen_off,
             guint32  w0_off,
             guint8   opcode,
             guint    read_bits,
             gint64   address)
{
  guint32 usr = (1u << 31) | (1u << 28);

  if (esp8266)
    write_reg (port, base + usr1_off, ((read_bits - 1) << 8) | (address >= 0 ? 23u << 26 : 0), 0xFFFFFFFF);
  else
    {
      write_reg (port, base + miso_dlen_off, read_bits - 1, 0xFFFFFFFF);
      if (address >= 0)
        write_reg (port, base + usr1_off, 23u << 26, 0xFFFFFFFF);
    }
  if (address >= 0)
    usr |= 1u << 30;
  write_reg (port, base + usr_off, usr, 0xFFFFFFFF);
  write_reg (port, base + usr2_off, (7u << 28) | opcode, 0xFFFFFFFF);
  if (address >= 0)
    write_reg (port, base + 0x04, usr2_off == 0x20 ? (guint32) address : (guint32) address << 8, 0xFFFFFFFF);
  write_reg (port, base + w0_off, 0, 0xFFFFFFFF);
  write_reg (port, base, 1u << 18, 0xFFFFFFFF);
  g_assert_cmpuint (read_reg (port, base) & (1u << 18), ==, 0);
  return read_reg (port, base + w0_off);
}
