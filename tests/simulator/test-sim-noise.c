/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator's bad cable: lost and damaged frames, lost requests,
 * garbage before SYNC, slow flash. Like the other simulator tests these
 * talk to the pty with hand-built bytes and their own SLIP reader; nothing
 * from src/protocol/ may vouch for the simulator.
 *
 * A noisy line may lose or damage any reply, so the traffic here is sent
 * without reading a single reply. The tests then wait until the board has
 * answered everything (its command count), turn the noise off and ask for
 * one more reply, a marker: everything before it is what the line
 * delivered. Nothing waits on the wall clock except for lower bounds. */
#define _GNU_SOURCE

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sf-sim-device.h"
#include "sf-sim-noise-private.h"
#include "sf-sim-slip-private.h"
#include "sf-sim-timing-private.h"

#include "sim-test-util.h"

/* Long enough for two slow cores under a sanitizer; never reached when
 * things work. */
#define PATIENCE_MS 20000

/* The marker reads a register nothing else here reads: it holds 0. */
#define MARKER_ADDRESS "\xF0\xFF\xFF\x3F"
static const guint8 rom_marker_reply[] = {
  0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const guint8 stub_marker_reply[] = {
  0x01, 0x0A, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const guint8 rom_magic_reply[] = {
  0x01, 0x0A, 0x04, 0x00, 0x83, 0x1D, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const guint8 sync_reply[] = {
  0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00
};

#define READ_LENGTH 10000

static guint
hamming (const guint8 *a,
         const guint8 *b,
         gsize         length)
{
  guint bits = 0;

  for (gsize i = 0; i < length; i++)
    bits += __builtin_popcount (a[i] ^ b[i]);
  return bits;
}

static gboolean
bytes_equal (GByteArray   *array,
             const guint8 *data,
             gsize         length)
{
  return array->len == length && memcmp (array->data, data, length) == 0;
}

/* A raw frame as the line must deliver it even when damaged: C0 at both
 * ends, none inside, only valid escapes. Returns its content. */
static GByteArray *
assert_well_framed (GByteArray *raw)
{
  g_assert_cmpuint (raw->len, >=, 3);
  g_assert_cmphex (raw->data[0], ==, 0xC0);
  g_assert_cmphex (raw->data[raw->len - 1], ==, 0xC0);
  for (guint i = 1; i + 1 < raw->len; i++)
    {
      g_assert_cmphex (raw->data[i], !=, 0xC0);
      if (raw->data[i] == 0xDB)
        g_assert_true (raw->data[i + 1] == 0xDC || raw->data[i + 1] == 0xDD);
    }
  return unslip (raw);
}

static void
wait_answered (Port  *port,
               guint  commands)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;

  while (sf_sim_device_get_command_count (port->device) < commands)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
    }
}

/* Waits until @commands are answered, turns the noise off and asks for a
 * marker (a READ_REG); returns the raw frames that
 * arrived before the marker's reply. */
static GPtrArray *
collect_until_marker (Port     *port,
                      guint     commands,
                      gboolean  stub)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  const guint8 *marker = stub ? stub_marker_reply : rom_marker_reply;
  gsize marker_length = stub ? sizeof stub_marker_reply : sizeof rom_marker_reply;

  wait_answered (port, commands);
  sf_sim_device_set_line_noise (port->device, 0, 0, 0);
  sf_sim_device_set_request_drop (port->device, 0);
  send_command (port, 0x0A, (const guint8 *) MARKER_ADDRESS, 4, 0);
  for (;;)
    {
      GByteArray *raw = read_raw_frame (port, PATIENCE_MS);
      g_autoptr(GByteArray) frame = NULL;

      g_assert_nonnull (raw);
      frame = assert_well_framed (raw);
      if (bytes_equal (frame, marker, marker_length))
        {
          g_byte_array_unref (raw);
          return frames;
        }
      g_ptr_array_add (frames, raw);
    }
}

static void
fill_pattern (Port *port)
{
  g_autofree guint8 *data = g_malloc (0x4000);

  for (gsize i = 0; i < 0x4000; i++)
    data[i] = (guint8) (i * 7 + 3) ^ (i % 5 == 0 ? 0xC0 : 0xDB);
  sf_sim_device_write_flash (port->device, 0x1000, data, 0x4000);
}

/* Traffic that makes both loaders send every kind of frame they have:
 * the ROM's SYNC replies, READ_REG, SPI_ATTACH, READ_FLASH_SLOW and
 * SPI_FLASH_MD5 replies, the upload's replies, the stub's OHAI, READ_REG
 * reply, READ_FLASH reply, data packets and MD5 frame, and its
 * SPI_FLASH_MD5 reply. Sent blind, acks included (the stub takes any
 * 4-byte frame for one). Returns how many commands the board answers. */
static guint
send_everything (Port *port)
{
  guint8 args[16] = { 0 };
  guint8 image[0x500];
  g_autofree guint8 *block = g_malloc0 (16 + sizeof image);
  guint commands = 0;

  send_hex (port, sync_request);
  commands++;
  send_command (port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  commands++;
  send_command (port, 0x0D, args, 8, 0);
  commands++;
  put32 (args, 0x1000);
  put32 (args + 4, 64);
  send_command (port, 0x0E, args, 8, 0);
  commands++;
  put32 (args + 4, 0x2000);
  send_command (port, 0x13, args, 16, 0);
  commands++;

  /* A made-up stub: one segment covering its entry point. */
  for (gsize i = 0; i < sizeof image; i++)
    image[i] = (guint8) (i * 131);
  put32 (args, sizeof image);
  put32 (args + 4, 1);
  put32 (args + 8, RAM_BLOCK);
  put32 (args + 12, STUB_TEXT_START);
  send_command (port, 0x05, args, 16, 0);
  put32 (block, sizeof image);
  memcpy (block + 16, image, sizeof image);
  send_command (port, 0x07, block, 16 + sizeof image, checksum_of (image, sizeof image));
  put32 (args, 0);
  put32 (args + 4, STUB_ENTRY);
  send_command (port, 0x06, args, 8, 0);
  commands += 3;

  send_command (port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  commands++;
  put32 (args, 0x1000);
  put32 (args + 4, READ_LENGTH);
  put32 (args + 8, 4096);
  put32 (args + 12, 64);
  send_command (port, 0xD2, args, 16, 0);
  commands++;
  for (guint32 got = 4096; got < READ_LENGTH + 4096; got += 4096)
    {
      guint8 ack[4];

      put32 (ack, MIN (got, READ_LENGTH));
      send_slip (port, ack, 4);
    }
  memset (args, 0, sizeof args);
  put32 (args, 0x1000);
  put32 (args + 4, 0x2000);
  send_command (port, 0x13, args, 16, 0);
  commands++;
  return commands;
}

/* A board with flash to read and the given noise; everything it sends
 * before the marker. */
static GPtrArray *
run_everything (guint    drop,
                guint    corrupt,
                guint32  seed,
                SfSimFaultCounts *out_counts)
{
  Port port;
  GPtrArray *frames;

  port_open (&port, "esp32");
  sf_sim_device_set_line_noise (port.device, drop, corrupt, seed);
  port_start (&port);
  fill_pattern (&port);
  frames = collect_until_marker (&port, send_everything (&port), TRUE);
  g_assert_true (sf_sim_device_get_stub_running (port.device));
  if (out_counts != NULL)
    sf_sim_device_get_fault_counts (port.device, out_counts);
  port_close (&port);
  return frames;
}

/* --- The noise on its own ---------------------------------------------------- */

static void
test_unit_frames (void)
{
  SfSimNoise *noise = _sf_sim_noise_new ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  SfSimFaultCounts counts;
  guint8 content[40];
  guint frames = 0;

  /* Frames full of the bytes SLIP must escape, so a flipped bit often
   * makes or unmakes one: the framing must hold all the same. */
  for (guint n = 0; n < 50; n++)
    {
      for (guint i = 0; i < sizeof content; i++)
        content[i] = (i + n) % 3 == 0 ? 0xC0 : (i + n) % 3 == 1 ? 0xDB : (guint8) (n * 17 + i);
      _sf_sim_slip_encode (wire, content, sizeof content);
    }
  _sf_sim_noise_set_line (noise, 0, 1, 77);
  _sf_sim_noise_pass_output (noise, wire->data, wire->len, out);

  for (guint pos = 0; pos < out->len; frames++)
    {
      guint8 *end = memchr (out->data + pos + 1, 0xC0, out->len - pos - 1);
      g_autoptr(GByteArray) raw = g_byte_array_new ();
      g_autoptr(GByteArray) frame = NULL;
      guint bits;

      g_assert_nonnull (end);
      g_byte_array_append (raw, out->data + pos, end - (out->data + pos) + 1);
      pos += raw->len;
      frame = assert_well_framed (raw);
      for (guint i = 0; i < sizeof content; i++)
        content[i] = (i + frames) % 3 == 0 ? 0xC0 : (i + frames) % 3 == 1 ? 0xDB : (guint8) (frames * 17 + i);
      g_assert_cmpuint (frame->len, ==, sizeof content);
      bits = hamming (frame->data, content, sizeof content);
      g_assert_cmpuint (bits, >=, 1);
      g_assert_cmpuint (bits, <=, 3);
    }
  g_assert_cmpuint (frames, ==, 50);
  _sf_sim_noise_get_counts (noise, &counts);
  g_assert_cmpuint (counts.corrupted, ==, 50);
  g_assert_cmpuint (counts.dropped, ==, 0);

  /* Every frame lost: nothing but what is not a frame gets through. */
  _sf_sim_noise_set_line (noise, 1, 0, 77);
  g_byte_array_set_size (out, 0);
  g_byte_array_prepend (wire, (const guint8 *) "ab", 2);
  _sf_sim_noise_pass_output (noise, wire->data, wire->len, out);
  g_assert_cmpmem (out->data, out->len, "ab", 2);
  _sf_sim_noise_get_counts (noise, &counts);
  g_assert_cmpuint (counts.dropped, ==, 50);

  /* A restart forgets the counts and replays the streams. */
  _sf_sim_noise_restart (noise);
  _sf_sim_noise_get_counts (noise, &counts);
  g_assert_cmpuint (counts.dropped + counts.corrupted, ==, 0);
  _sf_sim_noise_free (noise);
}

static void
test_unit_garbage (void)
{
  SfSimNoise *a = _sf_sim_noise_new ();
  SfSimNoise *b = _sf_sim_noise_new ();
  g_autoptr(GByteArray) first = g_byte_array_new ();
  g_autoptr(GByteArray) second = g_byte_array_new ();
  SfSimFaultCounts counts;

  _sf_sim_noise_set_line (a, 0, 0, 5);
  _sf_sim_noise_set_line (b, 0, 0, 5);
  for (guint n = 0; n < 20; n++)
    {
      guint start = first->len;

      _sf_sim_noise_make_garbage (a, first);
      _sf_sim_noise_make_garbage (b, second);
      g_assert_cmpuint (first->len - start, >=, 16);
      g_assert_nonnull (memchr (first->data + start, 0xC0, first->len - start));
      g_assert_nonnull (memchr (first->data + start, 0xDB, first->len - start));
    }
  /* The same seed, the same garbage. */
  g_assert_cmpmem (first->data, first->len, second->data, second->len);
  _sf_sim_noise_get_counts (a, &counts);
  g_assert_cmpuint (counts.garbage_bursts, ==, 20);
  _sf_sim_noise_free (a);
  _sf_sim_noise_free (b);
}

/* --- Frames from the board ----------------------------------------------------- */

static void
test_corrupt_every_frame (void)
{
  g_autoptr(GPtrArray) clean = run_everything (0, 0, 1, NULL);
  SfSimFaultCounts counts;
  g_autoptr(GPtrArray) noisy = run_everything (0, 1, 99, &counts);
  gboolean saw_packet = FALSE;

  /* SYNC 8, ROM 4, upload 3, OHAI, stub READ_REG, READ_FLASH reply, 3
   * packets, its MD5, SPI_FLASH_MD5. */
  g_assert_cmpuint (clean->len, ==, 23);
  g_assert_cmpuint (noisy->len, ==, clean->len);
  g_assert_cmpuint (counts.corrupted, ==, clean->len);
  g_assert_cmpuint (counts.dropped, ==, 0);
  g_assert_cmpuint (counts.dropped_requests, ==, 0);

  /* Each one intact as a frame, the same length inside, 1 to 3 bits
   * different: READ_FLASH_SLOW, READ_REG, MD5 replies and the stub's
   * packets alike. */
  for (guint i = 0; i < clean->len; i++)
    {
      g_autoptr(GByteArray) want = unslip (clean->pdata[i]);
      g_autoptr(GByteArray) got = assert_well_framed (noisy->pdata[i]);
      guint bits;

      g_assert_cmpuint (got->len, ==, want->len);
      bits = hamming (got->data, want->data, want->len);
      g_assert_cmpuint (bits, >=, 1);
      g_assert_cmpuint (bits, <=, 3);
      saw_packet |= want->len == 4096;
    }
  g_assert_true (saw_packet);
}

/* @got must be @clean with whole frames left out, nothing else changed. */
static guint
assert_subsequence (GPtrArray *got,
                    GPtrArray *clean)
{
  guint j = 0;

  for (guint i = 0; i < got->len; i++)
    {
      GByteArray *frame = got->pdata[i];

      while (j < clean->len && !bytes_equal (clean->pdata[j], frame->data, frame->len))
        j++;
      g_assert_cmpuint (j, <, clean->len);
      j++;
    }
  return clean->len - got->len;
}

static void
test_drop_whole_frames (void)
{
  g_autoptr(GPtrArray) clean = run_everything (0, 0, 1, NULL);
  SfSimFaultCounts counts;
  g_autoptr(GPtrArray) noisy = run_everything (3, 0, 4, &counts);
  guint lost = assert_subsequence (noisy, clean);

  g_assert_cmpuint (lost, ==, counts.dropped);
  g_assert_cmpuint (counts.dropped, >, 0);
  g_assert_cmpuint (counts.dropped, <, clean->len);
  g_assert_cmpuint (counts.corrupted, ==, 0);
}

/* A lost reply, not a lost request: with every reply lost the board still
 * writes the flash. */
static void
test_drop_still_acts (void)
{
  Port port;
  guint8 args[16] = { 0 };
  guint8 data[0x400];
  g_autofree guint8 *block = g_malloc0 (16 + sizeof data);
  g_autoptr(GPtrArray) frames = NULL;
  SfSimFaultCounts counts;

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i ^ 0x5A);
  port_open (&port, "esp32");
  sf_sim_device_set_line_noise (port.device, 1, 0, 3);
  port_start (&port);
  send_hex (&port, sync_request);
  send_command (&port, 0x0D, args, 8, 0);
  put32 (args, sizeof data);
  put32 (args + 4, 1);
  put32 (args + 8, sizeof data);
  put32 (args + 12, 0x20000);
  send_command (&port, 0x02, args, 16, 0);
  put32 (block, sizeof data);
  memcpy (block + 16, data, sizeof data);
  send_command (&port, 0x03, block, 16 + sizeof data, checksum_of (data, sizeof data));

  frames = collect_until_marker (&port, 4, FALSE);
  g_assert_cmpuint (frames->len, ==, 0);
  sf_sim_device_get_fault_counts (port.device, &counts);
  g_assert_cmpuint (counts.dropped, ==, 8 + 3);
  g_assert_cmpuint (sf_sim_device_get_faults_injected (port.device), ==, 11);
  assert_flash_is (&port, 0x20000, data, sizeof data);
  port_close (&port);
}

/* Lost and damaged together, the counts tell exactly what happened; with
 * flash timing and a STALL armed besides, which must not get in the way
 * until it fires. */
static void
test_counts_match (void)
{
  Port port;
  g_autoptr(GPtrArray) frames = NULL;
  SfSimFaultCounts counts;
  guint intact = 0, damaged = 0;
  const guint syncs = 30;

  port_open (&port, "esp32");
  sf_sim_device_set_line_noise (port.device, 3, 3, 2024);
  sf_sim_device_set_flash_timing (port.device, TRUE);
  sf_sim_device_set_fault (port.device, SF_SIM_FAULT_STALL, syncs + 1);
  port_start (&port);
  for (guint i = 0; i < syncs; i++)
    send_hex (&port, sync_request);
  frames = collect_until_marker (&port, syncs, FALSE);

  for (guint i = 0; i < frames->len; i++)
    {
      g_autoptr(GByteArray) frame = assert_well_framed (frames->pdata[i]);
      guint bits;

      g_assert_cmpuint (frame->len, ==, sizeof sync_reply);
      bits = hamming (frame->data, sync_reply, sizeof sync_reply);
      g_assert_cmpuint (bits, <=, 3);
      if (bits == 0)
        intact++;
      else
        damaged++;
    }
  sf_sim_device_get_fault_counts (port.device, &counts);
  g_assert_cmpuint (damaged, ==, counts.corrupted);
  g_assert_cmpuint (intact + damaged + counts.dropped, ==, syncs * 8);
  g_assert_cmpuint (counts.dropped, >, 0);
  g_assert_cmpuint (counts.corrupted, >, 0);
  g_assert_cmpuint (sf_sim_device_get_faults_injected (port.device), ==,
                    counts.dropped + counts.corrupted);

  /* The STALL fires on its turn: the marker was the last answer. */
  send_command (&port, 0x0A, (const guint8 *) MARKER_ADDRESS, 4, 0);
  assert_quiet (&port, 300);
  port_close (&port);
}

static gboolean
same_frames (GPtrArray *a,
             GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      GByteArray *x = a->pdata[i];

      if (!bytes_equal (b->pdata[i], x->data, x->len))
        return FALSE;
    }
  return TRUE;
}

static void
test_same_seed (void)
{
  SfSimFaultCounts counts_a, counts_b, counts_c;
  g_autoptr(GPtrArray) a = run_everything (4, 4, 1234, &counts_a);
  g_autoptr(GPtrArray) b = run_everything (4, 4, 1234, &counts_b);
  g_autoptr(GPtrArray) c = run_everything (4, 4, 1235, &counts_c);

  g_assert_true (same_frames (a, b));
  g_assert_cmpmem (&counts_a, sizeof counts_a, &counts_b, sizeof counts_b);
  g_assert_cmpuint (counts_a.dropped + counts_a.corrupted, >, 0);
  /* Another seed, other faults. */
  g_assert_false (same_frames (a, c));
}

/* --- Frames from the host ---------------------------------------------------- */

static void
test_drop_request (void)
{
  Port port;
  g_autoptr(GPtrArray) frames = NULL;
  SfSimFaultCounts counts;
  gint64 deadline;
  const guint sent = 40;

  /* Every request lost: the board never even syncs. */
  port_open (&port, "esp32");
  sf_sim_device_set_request_drop (port.device, 1);
  port_start (&port);
  send_hex (&port, sync_request);
  deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
      sf_sim_device_get_fault_counts (port.device, &counts);
    }
  while (counts.dropped_requests < 1);
  g_assert_cmpuint (sf_sim_device_get_command_count (port.device), ==, 0);
  port_close (&port);

  /* One in three: each request is either answered or lost, and the
   * counts say which. */
  start_synced (&port, "esp32");
  sf_sim_device_set_line_noise (port.device, 0, 0, 31);
  sf_sim_device_set_request_drop (port.device, 3);
  for (guint i = 0; i < sent; i++)
    send_command (&port, 0x0A, (const guint8 *) "\x00\x10\x00\x40", 4, 0);
  deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
      sf_sim_device_get_fault_counts (port.device, &counts);
    }
  while (sf_sim_device_get_command_count (port.device) - 1 + counts.dropped_requests < sent);
  frames = collect_until_marker (&port, 1 + sent - counts.dropped_requests, FALSE);
  g_assert_cmpuint (counts.dropped_requests, >, 0);
  g_assert_cmpuint (counts.dropped_requests, <, sent);
  g_assert_cmpuint (frames->len, ==, sent - counts.dropped_requests);
  for (guint i = 0; i < frames->len; i++)
    {
      g_autoptr(GByteArray) frame = unslip (frames->pdata[i]);

      g_assert_cmpmem (frame->data, frame->len, rom_magic_reply, sizeof rom_magic_reply);
    }
  g_assert_cmpuint (sf_sim_device_get_faults_injected (port.device), ==, counts.dropped_requests);
  port_close (&port);
}

/* --- Garbage before SYNC --------------------------------------------------- */

/* Where in @bytes the frame content @content stands between two C0 (every
 * C0 both ends a frame and starts one, as a ROM-style reader takes them),
 * from @from on; -1 if nowhere. */
static gssize
find_frame (GByteArray   *bytes,
            gsize         from,
            const guint8 *content,
            gsize         length)
{
  for (gsize i = from; i + length + 2 <= bytes->len; i++)
    if (bytes->data[i] == 0xC0 && bytes->data[i + length + 1] == 0xC0 &&
        memcmp (bytes->data + i + 1, content, length) == 0)
      return i;
  return -1;
}

/* Sends SYNC and reads until all 8 replies have come; returns where the
 * first one starts in @seen, which holds what came before too. */
static gsize
sync_through_garbage (Port       *port,
                      GByteArray *seen)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;
  gssize first = -1;
  guint found = 0;
  gsize from;

  send_hex (port, sync_request);
  for (;;)
    {
      from = 0;
      found = 0;
      first = -1;
      for (gssize at; (at = find_frame (seen, from, sync_reply, sizeof sync_reply)) >= 0; found++)
        {
          if (first < 0)
            first = at;
          from = at + sizeof sync_reply + 1;
        }
      if (found == 8)
        break;
      g_assert_cmpuint (found, <, 8);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (fill (port, 100))
        {
          g_byte_array_append (seen, port->pending->data, port->pending->len);
          g_byte_array_set_size (port->pending, 0);
        }
    }
  /* Nothing after the last reply: the garbage has stopped. */
  g_assert_cmpuint (from + 1, ==, seen->len);
  return first;
}

/* Reads until @bytes holds both C0 and DB. */
static void
read_garbage (Port       *port,
              GByteArray *bytes)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;

  while (bytes->len == 0 || !memchr (bytes->data, 0xC0, bytes->len) ||
         !memchr (bytes->data, 0xDB, bytes->len))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (fill (port, 100))
        {
          g_byte_array_append (bytes, port->pending->data, port->pending->len);
          g_byte_array_set_size (port->pending, 0);
        }
    }
}

static void
test_garbage (void)
{
  Port port;
  g_autoptr(GByteArray) seen = g_byte_array_new ();
  SfSimFaultCounts counts;
  guint bursts;
  gsize before, first;
  gint64 deadline;

  port_open (&port, "esp32");
  sf_sim_device_set_garbage_before_sync (port.device, TRUE);
  port_start (&port);

  /* Garbage comes on its own, SLIP's special bytes in it, and nothing in
   * it is a SYNC reply. */
  read_garbage (&port, seen);
  before = seen->len;
  g_assert_cmpint (find_frame (seen, 0, sync_reply, sizeof sync_reply), <, 0);
  sf_sim_device_get_fault_counts (port.device, &counts);
  g_assert_cmpuint (counts.garbage_bursts, >=, 1);

  /* The ROM still syncs, and the garbage was there first. */
  first = sync_through_garbage (&port, seen);
  g_assert_cmpuint (first, >=, before);
  g_assert_cmpuint (before, >, 0);

  /* …and then stops. */
  sf_sim_device_get_fault_counts (port.device, &counts);
  bursts = counts.garbage_bursts;
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  g_usleep (100 * 1000);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  sf_sim_device_get_fault_counts (port.device, &counts);
  g_assert_cmpuint (counts.garbage_bursts, ==, bursts);
  g_assert_cmpuint (sf_sim_device_get_faults_injected (port.device), ==, bursts);

  /* After a reset it starts again, until the next SYNC. */
  sf_sim_device_reset (port.device);
  deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
      sf_sim_device_get_fault_counts (port.device, &counts);
    }
  while (counts.garbage_bursts == bursts);
  g_byte_array_set_size (seen, 0);
  read_garbage (&port, seen);
  sync_through_garbage (&port, seen);
  g_assert_cmphex (read_reg (&port, 0x40001000), ==, 0x00F01D83);
  port_close (&port);
}

/* --- Slow flash -------------------------------------------------------- */

static void
test_slow_flash_model (void)
{
  SfSimTiming typical = { .enabled = TRUE };
  SfSimTiming slow = { .enabled = TRUE, .worst_case = TRUE };

  /* The W25Q32JV datasheet's maxima. */
  g_assert_cmpint (_sf_sim_timing_erase_us (&slow, 0x1000), ==, 400 * 1000);
  g_assert_cmpint (_sf_sim_timing_erase_us (&slow, 0x8000), ==, 1600 * 1000);
  g_assert_cmpint (_sf_sim_timing_erase_us (&slow, 0x10000), ==, 2000 * 1000);
  g_assert_cmpint (_sf_sim_timing_program_us (&slow, 0, 256), ==, 3000);
  g_assert_cmpint (_sf_sim_timing_program_us (&slow, 0x80, 0x400), ==, 5 * 3000);
  /* Chip erase: bounded, so tests of it stay under a minute. */
  g_assert_cmpint (_sf_sim_timing_chip_erase_us (&slow, 4 * 1024 * 1024), ==, 25 * G_USEC_PER_SEC);
  g_assert_cmpint (_sf_sim_timing_chip_erase_us (&slow, 8 * 1024 * 1024), ==, 25 * G_USEC_PER_SEC);
  g_assert_cmpint (_sf_sim_timing_chip_erase_us (&slow, 1024 * 1024), ==,
                   25 * G_USEC_PER_SEC / 4);

  /* Slower than typical in every operation that writes; reads run at
   * the SPI clock's rate either way. */
  for (guint32 span = 0x1000; span <= 0x10000; span *= 2)
    g_assert_cmpint (_sf_sim_timing_erase_us (&slow, span), >, _sf_sim_timing_erase_us (&typical, span));
  g_assert_cmpint (_sf_sim_timing_program_us (&slow, 0, 0x4000), >,
                   _sf_sim_timing_program_us (&typical, 0, 0x4000));
  for (gsize size = 1024 * 1024; size <= 16 * 1024 * 1024; size *= 2)
    g_assert_cmpint (_sf_sim_timing_chip_erase_us (&slow, size), >=,
                     _sf_sim_timing_chip_erase_us (&typical, size));
  g_assert_cmpint (_sf_sim_timing_chip_erase_us (&slow, 4 * 1024 * 1024), >,
                   _sf_sim_timing_chip_erase_us (&typical, 4 * 1024 * 1024));
  g_assert_cmpint (_sf_sim_timing_read_us (&slow, 0x10000), ==, _sf_sim_timing_read_us (&typical, 0x10000));
}

static gint64
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

/* On the board, in both loaders; only lower bounds, which a slow machine
 * can only exceed. */
static void
test_slow_flash_board (void)
{
  Port port;
  g_autoptr(GByteArray) reply = NULL;
  guint8 args[8];
  guint8 begin[16];
  gint64 start;

  port_open (&port, "esp32");
  /* On its own: no flash timing asked for. */
  sf_sim_device_set_slow_flash (port.device, TRUE);
  port_start (&port);
  do_sync (&port);
  attach (&port);

  /* The ROM erases 64 KiB before it answers: one block erase at 2 s
   * (150 ms typical). */
  put32 (begin, 0x10000);
  put32 (begin + 4, 64);
  put32 (begin + 8, 0x400);
  put32 (begin + 12, 0x10000);
  start = g_get_monotonic_time ();
  send_command (&port, 0x02, begin, 16, 0);
  /* Longer than the helpers wait. */
  reply = read_frame (&port, PATIENCE_MS);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->data[1], ==, 0x02);
  assert_status (reply, 0, 4, 0, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 2000);
  port_close (&port);

  /* The stub: ERASE_REGION of one sector, 400 ms (45 ms typical). */
  start_stub (&port, "esp32");
  sf_sim_device_set_slow_flash (port.device, TRUE);
  put32 (args, 0x30000);
  put32 (args + 4, 0x1000);
  start = g_get_monotonic_time ();
  stub_expect (&port, 0xD1, args, 8, 0);
  g_assert_cmpint (elapsed_ms (start), >=, 400);
  port_close (&port);
}

/* --- The program ----------------------------------------------------------- */

static char *
read_line (GDataInputStream *lines)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
assert_refused (const char *sim,
                const char *first,
                const char *second)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  const char *argv[] = { sim, "--chip", "esp32", first, second, NULL };

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 0);
}

/* A raw frame's content, or NULL if it is not one (garbage may hold
 * escapes of nothing). */
static GByteArray *
try_unslip (GByteArray *raw)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  for (guint i = 1; i + 1 < raw->len; i++)
    {
      guint8 b = raw->data[i];

      if (b == 0xDB)
        {
          if (i + 2 >= raw->len || (raw->data[i + 1] != 0xDC && raw->data[i + 1] != 0xDD))
            return NULL;
          b = raw->data[++i] == 0xDC ? 0xC0 : 0xDB;
        }
      g_byte_array_append (out, &b, 1);
    }
  return g_steal_pointer (&out);
}

static void
test_program (void)
{
  const char *sim = g_getenv ("SPARKFLASH_SIM");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *port_line = NULL;
  g_autofree char *stats = NULL;
  g_autofree char *faults = NULL;
  g_autoptr(GByteArray) seen = g_byte_array_new ();
  Port port = { 0 };
  gint64 deadline;
  gboolean damaged = FALSE;

  if (sim == NULL)
    {
      g_test_skip ("SPARKFLASH_SIM not set");
      return;
    }

  assert_refused (sim, "--fault=drop:2/3", "--fault=garbage");
  assert_refused (sim, "--fault=stall:3", "--fault=silent");
  assert_refused (sim, "--fault=drop", "--fault=garbage");
  assert_refused (sim, "--fault=garbage:2", "--seed=1");
  assert_refused (sim, "--seed=-1", "--fault=garbage");

  /* Every reply damaged, a bare N, garbage, slow flash and an old kind
   * together. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           sim, "--chip", "esp32", "--fault", "corrupt:1", "--fault", "garbage",
                           "--fault", "slow-flash", "--fault", "stall:100", "--fault", "drop:1/0",
                           "--seed", "5", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  port_line = read_line (lines);
  g_assert_true (g_str_has_prefix (port_line, "PORT /dev/"));
  port.fd = open_port (port_line + 5);
  port.pending = g_byte_array_new ();

  /* Garbage first; then a damaged SYNC reply (1 to 3 bits off) shows the
   * board has answered. */
  read_garbage (&port, seen);
  send_hex (&port, sync_request);
  deadline = g_get_monotonic_time () + PATIENCE_MS * 1000;
  while (!damaged)
    {
      g_autoptr(GByteArray) raw = NULL;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      raw = read_raw_frame (&port, 100);
      if (raw != NULL)
        {
          g_autoptr(GByteArray) frame = try_unslip (raw);

          damaged = frame != NULL && frame->len == sizeof sync_reply &&
                    hamming (frame->data, sync_reply, sizeof sync_reply) <= 3 &&
                    !bytes_equal (frame, sync_reply, sizeof sync_reply);
        }
    }
  close (port.fd);
  g_byte_array_unref (port.pending);

  g_subprocess_send_signal (proc, SIGUSR1);
  stats = read_line (lines);
  g_assert_true (g_str_has_prefix (stats, "STATS "));
  g_assert_nonnull (strstr (stats, " faults="));
  g_assert_cmpuint (g_ascii_strtoull (strstr (stats, " faults=") + 8, NULL, 10), >=, 2);

  g_subprocess_send_signal (proc, SIGTERM);
  faults = read_line (lines);
  g_assert_true (g_str_has_prefix (faults, "FAULTS dropped=0 corrupted="));
  g_assert_cmpuint (g_ascii_strtoull (strstr (faults, "corrupted=") + 10, NULL, 10), >=, 1);
  g_assert_nonnull (strstr (faults, " dropped_requests=0 garbage="));
  g_assert_cmpuint (g_ascii_strtoull (strstr (faults, "garbage=") + 8, NULL, 10), >=, 1);
  g_assert_true (g_str_has_suffix (faults, " seed=5"));
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/simulator/noise/unit/frames", test_unit_frames);
  g_test_add_func ("/simulator/noise/unit/garbage", test_unit_garbage);
  g_test_add_func ("/simulator/noise/corrupt/every-frame-kind", test_corrupt_every_frame);
  g_test_add_func ("/simulator/noise/drop/whole-frames", test_drop_whole_frames);
  g_test_add_func ("/simulator/noise/drop/board-still-acts", test_drop_still_acts);
  g_test_add_func ("/simulator/noise/counts-match", test_counts_match);
  g_test_add_func ("/simulator/noise/same-seed-same-faults", test_same_seed);
  g_test_add_func ("/simulator/noise/drop-request", test_drop_request);
  g_test_add_func ("/simulator/noise/garbage-before-sync", test_garbage);
  g_test_add_func ("/simulator/noise/slow-flash/model", test_slow_flash_model);
  g_test_add_func ("/simulator/noise/slow-flash/board", test_slow_flash_board);
  g_test_add_func ("/simulator/noise/program", test_program);
  return g_test_run ();
}
