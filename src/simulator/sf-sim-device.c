/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "sf-sim-device-private.h"
#include "sf-sim-common-private.h"
#include "sf-sim-pty-private.h"

#define READ_CHUNK         (64 * 1024)
/* Nobody reads the line (client gone): a real UART's bytes just vanish.
 * Keep at most this much queued. */
#define MAX_QUEUED         (1024 * 1024)

typedef struct
{
  GByteArray *data;
  gsize       pos;
  gint64      ready_us;   /* not before (monotonic), for baud pacing */
  guint       kind;       /* WIRE_* */
  guint       baud;       /* printed at this rate (0: the host's) */
} OutChunk;

G_DEFINE_FINAL_TYPE (SfSimDevice, sf_sim_device, G_TYPE_OBJECT)

static void
out_chunk_free (OutChunk *chunk)
{
  g_byte_array_unref (chunk->data);
  g_free (chunk);
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
sf_sim_device_dispose (GObject *object)
{
  SfSimDevice *self = SF_SIM_DEVICE (object);

  sf_sim_device_stop (self);

  G_OBJECT_CLASS (sf_sim_device_parent_class)->dispose (object);
}

static void
sf_sim_device_finalize (GObject *object)
{
  SfSimDevice *self = SF_SIM_DEVICE (object);

  g_clear_pointer (&self->flash, _sf_sim_flash_free);
  g_clear_pointer (&self->noise, _sf_sim_noise_free);
  g_clear_pointer (&self->noisy, g_byte_array_unref);
  g_clear_pointer (&self->flash_path, g_free);
  g_clear_pointer (&self->port_path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (sf_sim_device_parent_class)->finalize (object);
}

static void
sf_sim_device_class_init (SfSimDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sf_sim_device_dispose;
  object_class->finalize = sf_sim_device_finalize;
}

static void
sf_sim_device_init (SfSimDevice *self)
{
  g_mutex_init (&self->mutex);
  self->flash_size = SF_SIM_DEFAULT_FLASH_SIZE;
  self->noise = _sf_sim_noise_new ();
  self->noisy = g_byte_array_new ();
  self->master_fd = -1;
  self->slave_fd = -1;
  self->open_watch_fd = -1;
  self->wake_pipe[0] = self->wake_pipe[1] = -1;
  self->firmware_baud = 115200;
  g_queue_init (&self->out_queue);
}

SfSimDevice *
sf_sim_device_new (const char  *chip,
                   GError     **error)
{
  const SfSimChip *info = _sf_sim_chip_lookup (chip);
  SfSimDevice *self;

  if (info == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) _sf_sim_chip_list_names ());

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Unknown chip “%s” (known: %s)", chip ? chip : "(null)", known);
      return NULL;
    }

  self = g_object_new (SF_TYPE_SIM_DEVICE, NULL);
  self->chip = info;
  memcpy (self->mac, info->mac, sizeof self->mac);
  return self;
}

static gboolean
is_running (SfSimDevice *self)
{
  return self->thread != NULL;
}

/* The flash is created on first use so size and file can be chosen first. */
static SfSimFlash *
ensure_flash (SfSimDevice  *self,
              GError      **error)
{
  if (self->flash == NULL)
    self->flash = _sf_sim_flash_new (self->flash_size, self->flash_path, error);
  return self->flash;
}

void
sf_sim_device_set_flash_file (SfSimDevice *self,
                              const char  *path)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (!is_running (self));

  g_free (self->flash_path);
  self->flash_path = g_strdup (path);
  g_clear_pointer (&self->flash, _sf_sim_flash_free);
}

void
sf_sim_device_set_boot_log (SfSimDevice *self,
                            gboolean     boot_log)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  self->boot_log = !!boot_log;
}

void
sf_sim_device_set_emulate_baud (SfSimDevice *self,
                                gboolean     emulate)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  self->emulate_baud = !!emulate;
}

void
sf_sim_device_set_max_baud (SfSimDevice *self,
                            guint        max_baud)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  g_atomic_int_set (&self->max_baud, max_baud);
}

void
sf_sim_device_set_flash_timing (SfSimDevice *self,
                                gboolean     enabled)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  g_atomic_int_set (&self->flash_timing, !!enabled);
}

void
_sf_sim_device_wake (SfSimDevice *self,
                     char         why)
{
  while (write (self->wake_pipe[1], &why, 1) < 0 && errno == EINTR)
    ;
}

void
sf_sim_device_reset (SfSimDevice *self)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  if (!is_running (self))
    return;
  g_mutex_lock (&self->mutex);
  self->reset_requested = TRUE;
  g_mutex_unlock (&self->mutex);
  _sf_sim_device_wake (self, 'r');
}

gboolean
sf_sim_device_get_stub_running (SfSimDevice *self)
{
  gboolean running;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), FALSE);

  g_mutex_lock (&self->mutex);
  running = self->stub_seen;
  g_mutex_unlock (&self->mutex);
  return running;
}

guint
sf_sim_device_get_erased_sectors (SfSimDevice *self)
{
  g_autoptr(GError) error = NULL;
  SfSimFlash *flash;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), 0);

  if (!(flash = ensure_flash (self, &error)))
    return 0;
  return _sf_sim_flash_get_erased_sectors (flash);
}

const char *
sf_sim_device_get_port_path (SfSimDevice *self)
{
  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), NULL);

  return self->port_path;
}

gsize
sf_sim_device_get_flash_size (SfSimDevice *self)
{
  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), 0);

  return self->flash_size;
}

guint
sf_sim_device_get_command_count (SfSimDevice *self)
{
  guint count;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), 0);

  g_mutex_lock (&self->mutex);
  count = self->command_count;
  g_mutex_unlock (&self->mutex);
  return count;
}

GBytes *
sf_sim_device_dup_flash (SfSimDevice *self,
                         guint32      offset,
                         gsize        length)
{
  g_autoptr(GError) error = NULL;
  SfSimFlash *flash;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), NULL);

  if (!(flash = ensure_flash (self, &error)))
    {
      g_critical ("%s", error->message);
      return g_bytes_new (NULL, 0);
    }
  return _sf_sim_flash_dup (flash, offset, length);
}

void
sf_sim_device_write_flash (SfSimDevice  *self,
                           guint32       offset,
                           const guint8 *data,
                           gsize         length)
{
  g_autoptr(GError) error = NULL;
  SfSimFlash *flash;

  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (data != NULL || length == 0);

  if (!(flash = ensure_flash (self, &error)))
    {
      g_critical ("%s", error->message);
      return;
    }
  if (!_sf_sim_flash_overwrite (flash, offset, data, length))
    g_critical ("write_flash: 0x%x + %" G_GSIZE_FORMAT " is past the end of flash", offset, length);
}

/* --- The serving thread ------------------------------------------------- */

/* The rate the client configured on its end of the line; 0 if unknown.
 * Running a firmware the board holds no descriptor on the slave (to see
 * the host open it); the master's termios requests reach the slave's. */
guint
_sf_sim_device_client_baud (SfSimDevice *self)
{
  return _sf_sim_pty_client_baud (self->slave_fd >= 0 ? self->slave_fd : self->master_fd);
}

void
_sf_sim_device_enqueue (SfSimDevice  *self,
                        guint         kind,
                        const guint8 *data,
                        gsize         length,
                        gint64        ready_us)
{
  OutChunk *chunk;

  if (length == 0)
    return;

  chunk = g_new0 (OutChunk, 1);
  chunk->data = g_byte_array_sized_new (length);
  g_byte_array_append (chunk->data, data, length);
  chunk->ready_us = ready_us;
  chunk->kind = kind;
  g_queue_push_tail (&self->out_queue, chunk);
  self->queued += length;

  while (self->queued > MAX_QUEUED && self->out_queue.length > 1)
    {
      OutChunk *old = g_queue_pop_head (&self->out_queue);

      self->queued -= old->data->len - old->pos;
      out_chunk_free (old);
    }
}

void
_sf_sim_device_enqueue_paced (SfSimDevice  *self,
                              const guint8 *data,
                              gsize         length,
                              guint         baud)
{
  _sf_sim_device_enqueue (self, WIRE_OTHER, data, length, 0);
  if (length != 0)
    ((OutChunk *) g_queue_peek_tail (&self->out_queue))->baud = self->emulate_baud ? baud : 0;
}

static void
enqueue (SfSimDevice  *self,
         const guint8 *data,
         gsize         length,
         gint64        ready_us)
{
  _sf_sim_device_enqueue (self, WIRE_OTHER, data, length, ready_us);
}

static void
set_stub_running (SfSimDevice *self,
                  gboolean     running)
{
  self->stub_running = running;
  _sf_sim_slip_decoder_set_stub_framing (&self->decoder, running);
  g_mutex_lock (&self->mutex);
  self->stub_seen = running;
  /* The stub counts its data blocks from its start. */
  if (running)
    _sf_sim_device_arm_faults (self);
  g_mutex_unlock (&self->mutex);
}

static void
stub_emit_cb (const guint8 *wire,
              gsize         length,
              gint64        ready_us,
              gpointer      user_data)
{
  SfSimDevice *self = user_data;
  guint kind = WIRE_OTHER;

  /* READ_FLASH packets go out while data is left (the MD5 frame after). */
  if (self->stub->rd_active && self->stub->rd_left > 0)
    kind = WIRE_READ_DATA;
  else if (self->in_data_request)
    kind = WIRE_DATA_REPLY;
  _sf_sim_device_send_frames (self, kind, wire, length, ready_us);
}

typedef struct
{
  SfSimDevice *self;
  GByteArray  *out;
  gint64       ready_us;
  gint64       frame_end_us; /* when the closing 0xC0 arrived */
} FrameContext;

/* Bytes a decoded frame took on the wire: two 0xC0 and its escapes. */
static gsize
slip_wire_length (const guint8 *frame,
                  gsize         length)
{
  gsize n = length + 2;

  for (gsize i = 0; i < length; i++)
    if (frame[i] == 0xC0 || frame[i] == 0xDB)
      n++;
  return n;
}

static gint64 us_per_bytes (guint baud, gsize bytes);

/* A request (data block) or READ_FLASH ack has arrived. */
static void
count_request (SfSimDevice  *self,
               FrameContext *ctx,
               const guint8 *frame,
               gsize         length,
               gboolean      is_data,
               gboolean      is_ack)
{
  gsize wire;

  if (!is_data && !is_ack)
    return;
  wire = slip_wire_length (frame, length);
  g_mutex_lock (&self->mutex);
  if (is_data)
    {
      self->wire.data_bytes += wire;
      if (self->wire.data_first_us == 0)
        self->wire.data_first_us = self->pace_baud > 0 ?
          ctx->frame_end_us - us_per_bytes (self->pace_baud, wire) : ctx->frame_end_us;
    }
  else
    {
      self->wire.read_bytes += wire;
      self->wire.read_last_us = ctx->frame_end_us;
    }
  g_mutex_unlock (&self->mutex);
}

static void
frame_cb (const guint8 *frame,
          gsize         length,
          gpointer      user_data)
{
  FrameContext *ctx = user_data;
  SfSimDevice *self = ctx->self;
  SfSimFault fault;
  SfSimRomResult result;
  gboolean answered, acted;
  gboolean is_data, is_ack;
  guint done;

  /* Lost on a bad cable: the board never knew. */
  if (self->unplugged || _sf_sim_noise_drop_request (self->noise))
    return;

  is_data = length >= 2 && frame[0] == 0x00 &&
            (frame[1] == SF_SIM_OP_FLASH_DATA || frame[1] == SF_SIM_OP_FLASH_DEFL_DATA);
  is_ack = self->stub_running && self->stub->rd_active;
  count_request (self, ctx, frame, length, is_data && !is_ack, is_ack);

  _sf_sim_device_apply_fault_changes (self);

  g_mutex_lock (&self->mutex);
  fault = self->fault;
  done = self->request_count - self->fault_base;
  g_mutex_unlock (&self->mutex);

  if (fault == SF_SIM_FAULT_SILENT)
    return;
  if (fault == SF_SIM_FAULT_STALL && done >= self->fault_after)
    return;
  if (fault == SF_SIM_FAULT_UNPLUG && done >= self->fault_after)
    {
      self->unplugged = TRUE;
      return;
    }

  if (self->stub_running)
    {
      SfSimStubResult stub_result;

      self->in_data_request = is_data;
      stub_result = _sf_sim_stub_handle_frame (self->stub, frame, length, ctx->ready_us);
      self->in_data_request = FALSE;

      answered = stub_result == SF_SIM_STUB_ANSWERED;
      acted = stub_result != SF_SIM_STUB_IGNORED;
    }
  else
    {
      gint64 ready_us;

      g_byte_array_set_size (ctx->out, 0);
      result = _sf_sim_rom_handle_frame (self->rom, frame, length, ctx->ready_us, ctx->out, &ready_us);
      answered = acted = result != SF_SIM_ROM_IGNORED;
      _sf_sim_device_send_frames (self, is_data ? WIRE_DATA_REPLY : WIRE_OTHER,
                                  ctx->out->data, ctx->out->len, ready_us);
      /* Its first answer is to a SYNC: the garbage before it stops. */
      if (answered)
        self->awaiting_sync = FALSE;

      /* The ROM jumped into uploaded code: the stub takes over the line,
       * unless the test wants a stub that never comes up (the ROM then
       * goes on answering, as a board whose stub crashed at once would
       * after a reset). */
      if (result == SF_SIM_ROM_RUN_STUB && fault != SF_SIM_FAULT_STUB_SILENT)
        {
          set_stub_running (self, TRUE);
          _sf_sim_stub_start (self->stub, ready_us);
        }
    }

  g_mutex_lock (&self->mutex);
  if (answered)
    self->command_count++;
  if (acted)
    self->request_count++;
  g_mutex_unlock (&self->mutex);
}

static gint64
us_per_bytes (guint  baud,
              gsize  bytes)
{
  /* 8N1: ten bit times per byte. */
  return (gint64) bytes * 10 * G_USEC_PER_SEC / baud;
}

/* How far the host's rate may be off the chip's: UARTs sample each bit in
 * its middle, so a few percent over a 10-bit frame still reads right.
 * Beyond it each side hears what its UART makes of the other's bits;
 * just past it that may still be the right bytes, as on a real line
 * whose clocks err the other way, but a few percent further it is not. */
#define RATE_TOLERANCE_PERCENT 3

/* CHANGE_BAUDRATE moved the chip's UART (from a host at @from_baud); by
 * the next bytes the host's port has moved too, to the rate it asked for.
 * If the chip ended up elsewhere (a wrong value, a ROM quirk not made up
 * for), the two hear each other garbled. A host still at the old rate
 * lost the reply or gave up, and one that moves its port once more after
 * a mismatch goes back: either way the simulated line follows the host
 * again, so a host that falls back is heard without a reset
 * (tests/README.md). */
static void
check_uart_rate (SfSimDevice *self,
                 guint        host_baud)
{
  guint chip_baud = self->switched_baud;
  guint64 off;

  self->switched_baud = 0;
  if (self->mismatch_host_baud != 0 && host_baud != self->mismatch_host_baud)
    self->mismatch_host_baud = self->mismatch_chip_baud = 0;
  if (chip_baud == 0 || host_baud == 0 || host_baud == self->switched_from_baud)
    return;

  off = (guint64) ABS ((gint64) host_baud - (gint64) chip_baud);
  if (off * 100 > (guint64) chip_baud * RATE_TOLERANCE_PERCENT)
    {
      g_debug ("the chip's UART runs at %u baud, the host's at %u: noise", chip_baud, host_baud);
      self->mismatch_host_baud = host_baud;
      self->mismatch_chip_baud = chip_baud;
    }
}

static void
handle_input (SfSimDevice  *self,
              const guint8 *data,
              gsize         length,
              GByteArray   *scratch)
{
  FrameContext ctx = { self, scratch, 0, 0 };
  guint baud = _sf_sim_device_client_baud (self);
  guint max_baud = g_atomic_int_get (&self->max_baud);
  gint64 start_us = 0;
  g_autoptr(GByteArray) heard = NULL;
  g_autoptr(GByteArray) handed_over = NULL;
  guint switched;

  g_mutex_lock (&self->mutex);
  self->wire.rx += length;
  g_mutex_unlock (&self->mutex);

  check_uart_rate (self, baud);
  /* Faster than the cable carries, the UART hears only noise. */
  if (max_baud != 0 && baud > max_baud)
    return;

  /* The stub switches its UART after CHANGE_BAUDRATE; here the line runs
   * at whatever the host's port is set to, so a host that goes back to
   * 115200 after a rate that did not get through is heard again. */
  _sf_sim_regs_set_line_baud (self->regs, baud);
  self->pace_baud = self->emulate_baud ? baud : 0;
  self->timing.worst_case = g_atomic_int_get (&self->slow_flash);
  self->timing.enabled = self->timing.worst_case || g_atomic_int_get (&self->flash_timing);

  if (self->pace_baud > 0)
    {
      /* The bytes would still be on the wire: answers can't leave before
       * the request has arrived completely. */
      gint64 now = g_get_monotonic_time ();

      start_us = MAX (self->rx_clock_us, now);
      self->rx_clock_us = start_us + us_per_bytes (self->pace_baud, length);
      ctx.ready_us = self->rx_clock_us;
    }

  if (self->mismatch_chip_baud != 0)
    {
      heard = g_byte_array_new ();
      _sf_sim_noise_resample_uart (data, length, self->mismatch_host_baud,
                                   self->mismatch_chip_baud, heard);
      data = heard->data;
      length = heard->len;
    }

  /* An app running from flash hears the bytes, until a SYNC. */
  if (self->fw != NULL && !_sf_sim_device_fw_input (self, &data, &length, &handed_over))
    return;

  /* Up to each 0xC0 at a time, so the statistics know when a frame's last
   * byte arrived (the decoder keeps its state between calls). */
  for (gsize done = 0; done < length;)
    {
      const guint8 *end = memchr (data + done, 0xC0, length - done);
      gsize n = end != NULL ? (gsize) (end - data) + 1 - done : length - done;

      ctx.frame_end_us = self->pace_baud > 0 ?
        start_us + us_per_bytes (self->pace_baud, done + n) : g_get_monotonic_time ();
      _sf_sim_slip_decoder_feed (&self->decoder, data + done, n, frame_cb, &ctx);
      done += n;
    }

  /* Checked with the next bytes, once the host has had the reply. */
  if ((switched = _sf_sim_regs_take_uart_switch (self->regs)) != 0)
    {
      self->switched_baud = switched;
      self->switched_from_baud = baud;
    }
}

/* Writes what may leave now; returns the time the next byte may leave, or
 * 0 when nothing is queued. */
static gint64
flush_output (SfSimDevice *self,
              gboolean     writable)
{
  while (!g_queue_is_empty (&self->out_queue))
    {
      OutChunk *chunk = g_queue_peek_head (&self->out_queue);
      gint64 now = g_get_monotonic_time ();
      guint pace = chunk->baud != 0 ? chunk->baud : self->pace_baud;
      gint64 when = MAX (chunk->ready_us, pace ? self->tx_clock_us : 0);
      gsize want = chunk->data->len - chunk->pos;
      ssize_t n;

      if (when > now)
        return when;
      if (!writable)
        return now;

      if (pace > 0)
        {
          /* About 5 ms of line time per write keeps pacing smooth. */
          want = MIN (want, MAX (1, pace / 10 / 200));
        }

      n = write (self->master_fd, chunk->data->data + chunk->pos, want);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* EAGAIN: the slave's input queue is full; wait for POLLOUT. */
          return now;
        }

      chunk->pos += n;
      self->queued -= n;
      {
        gint64 first_us = pace > 0 ? MAX (self->tx_clock_us, now) : now;
        gint64 last_us = pace > 0 ? first_us + us_per_bytes (pace, n) : now;

        g_mutex_lock (&self->mutex);
        self->wire.tx += n;
        if (chunk->kind == WIRE_DATA_REPLY)
          {
            self->wire.data_bytes += n;
            self->wire.data_last_us = last_us;
          }
        else if (chunk->kind == WIRE_READ_DATA)
          {
            self->wire.read_bytes += n;
            if (self->wire.read_first_us == 0)
              self->wire.read_first_us = first_us;
          }
        g_mutex_unlock (&self->mutex);
      }
      if (pace > 0)
        self->tx_clock_us = MAX (self->tx_clock_us, now) + us_per_bytes (pace, n);
      if (chunk->pos == chunk->data->len)
        out_chunk_free (g_queue_pop_head (&self->out_queue));
    }
  return 0;
}

/* After a reset a board prints its banner first, if it does so at all. */
static void
queue_boot_banner (SfSimDevice *self)
{
  g_autofree char *banner = NULL;
  gboolean download;

  if (!self->boot_log)
    return;

  g_mutex_lock (&self->mutex);
  download = self->fault != SF_SIM_FAULT_SILENT;
  g_mutex_unlock (&self->mutex);

  /* A board not in download mode boots from flash and never prints
   * "waiting for download": hosts use that to diagnose the straps. */
  banner = _sf_sim_chip_boot_banner (self->chip, download);
  enqueue (self, (const guint8 *) banner, strlen (banner), 0);
}

/* The reset button with BOOT held: whatever ran is gone, the ROM loader
 * waits for SYNC, and what was still to be sent is lost. */
void
_sf_sim_device_reset_board (SfSimDevice *self,
                            gboolean     banner)
{
  set_stub_running (self, FALSE);
  _sf_sim_rom_reset (self->rom);
  _sf_sim_timing_reset (&self->timing);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) out_chunk_free);
  self->queued = 0;
  if (banner)
    queue_boot_banner (self);
  _sf_sim_device_line_reset (self);
  /* The ROM's auto-baud follows the host again. */
  _sf_sim_regs_take_uart_switch (self->regs);
  self->switched_baud = 0;
  self->mismatch_host_baud = self->mismatch_chip_baud = 0;
}

/* Reads the wake pipe; FALSE when the thread is to quit. */
static gboolean
handle_wake (SfSimDevice *self)
{
  char why[16];
  ssize_t n = read (self->wake_pipe[0], why, sizeof why);
  gboolean reset, press;

  if (n > 0 && memchr (why, 'q', n) != NULL)
    return FALSE;

  g_mutex_lock (&self->mutex);
  reset = self->reset_requested;
  press = self->press_requested;
  self->reset_requested = self->press_requested = FALSE;
  g_mutex_unlock (&self->mutex);
  if (reset)
    _sf_sim_device_reset_board (self, TRUE);
  if (press)
    _sf_sim_device_fw_press (self);
  return TRUE;
}

static gpointer
serve_thread (gpointer data)
{
  SfSimDevice *self = data;
  g_autoptr(GByteArray) scratch = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);

  for (;;)
    {
      struct pollfd fds[3];
      gint64 next, now, garbage_at, fw_at;
      gboolean host_away;
      int timeout = -1;
      int ret;

      /* Before "now": what it queues may leave at once. */
      fw_at = _sf_sim_device_fw_poll (self, g_get_monotonic_time (), &host_away);
      now = g_get_monotonic_time ();
      garbage_at = _sf_sim_device_garbage_tick (self, now);
      next = flush_output (self, FALSE);
      if (fw_at != 0 && (next == 0 || fw_at < next))
        next = fw_at;
      /* Garbage waits while other output is due (see the tick). */
      if (garbage_at != 0 && (next == 0 || garbage_at < next))
        next = garbage_at;

      fds[0].fd = self->wake_pipe[0];
      fds[0].events = POLLIN;
      fds[1].fd = self->master_fd;
      fds[1].events = POLLIN;
      if (next != 0 && next <= now)
        fds[1].events |= POLLOUT;
      else if (next != 0)
        timeout = (int) ((next - now + 999) / 1000);
      /* Nobody on the line: look for the host every 10 ms. */
      if (host_away)
        {
          fds[1].fd = -1;
          timeout = timeout < 0 ? 10 : MIN (timeout, 10);
        }

      /* Opens and closes of the port wake the board, however quickly a
       * host closes it and the next opens it. */
      fds[2].fd = self->open_watch_fd;
      fds[2].events = POLLIN;
      ret = poll (fds, 3, timeout);
      if (ret < 0)
        {
          if (errno == EINTR)
            continue;
          g_warning ("poll failed: %s", g_strerror (errno));
          break;
        }

      if ((fds[0].revents & POLLIN) && !handle_wake (self))
        break;

      if (fds[1].revents & POLLIN)
        {
          ssize_t n = read (self->master_fd, buffer, READ_CHUNK);

          if (n > 0)
            handle_input (self, buffer, n, scratch);
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            g_usleep (10 * 1000);
        }
      else if (fds[1].revents & (POLLHUP | POLLERR))
        {
          /* Can't happen while we hold the slave open; don't spin if it does. */
          g_usleep (10 * 1000);
        }

      if (self->unplugged)
        {
          /* The cable is pulled: the port disappears under the client.
           * Answers already given still get out first. */
          flush_output (self, TRUE);
          close_fd (&self->master_fd);
          close_fd (&self->slave_fd);
          break;
        }

      if (fds[1].revents & POLLOUT)
        flush_output (self, TRUE);
    }

  return NULL;
}

static gboolean
open_pty (SfSimDevice  *self,
          GError      **error)
{
  return _sf_sim_pty_open (&self->master_fd, &self->slave_fd, &self->port_path, error);
}

gboolean
sf_sim_device_start (SfSimDevice  *self,
                     GError      **error)
{
  SfSimEfuses efuses;

  g_return_val_if_fail (SF_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (!is_running (self), FALSE);

  if (!ensure_flash (self, error))
    return FALSE;

  g_clear_pointer (&self->port_path, g_free);
  if (!open_pty (self, error))
    return FALSE;

  if (!g_unix_open_pipe (self->wake_pipe, FD_CLOEXEC, error))
    {
      close_fd (&self->slave_fd);
      close_fd (&self->master_fd);
      return FALSE;
    }

  self->regs = _sf_sim_regs_new (self->chip, self->flash);
  if (self->xtal_mhz != 0)
    _sf_sim_regs_set_xtal_mhz (self->regs, self->xtal_mhz);
  _sf_sim_device_get_efuses (self, &efuses);
  _sf_sim_regs_set_efuses (self->regs, &efuses);
  _sf_sim_timing_reset (&self->timing);
  self->rom = _sf_sim_rom_new (self->chip, self->flash, self->regs, &self->timing);
  self->stub = _sf_sim_stub_new (self->chip, self->flash, self->regs, &self->timing, stub_emit_cb, self);
  _sf_sim_slip_decoder_init (&self->decoder);
  self->stub_running = FALSE;
  self->unplugged = FALSE;
  self->rx_clock_us = self->tx_clock_us = 0;
  self->pace_baud = 0;
  self->switched_baud = 0;
  self->mismatch_host_baud = self->mismatch_chip_baud = 0;
  self->fw_applied = SF_SIM_FIRMWARE_NONE;
  self->host_on = FALSE;

  g_mutex_lock (&self->mutex);
  self->command_count = 0;
  self->request_count = 0;
  self->fault_base = 0;
  self->fault_changed = TRUE;
  self->reset_requested = self->press_requested = FALSE;
  self->stub_seen = FALSE;
  memset (&self->wire, 0, sizeof self->wire);
  g_mutex_unlock (&self->mutex);

  _sf_sim_noise_restart (self->noise);
  queue_boot_banner (self);
  _sf_sim_device_line_reset (self);

  self->thread = g_thread_try_new ("sf-sim-device", serve_thread, self, error);
  if (self->thread == NULL)
    {
      sf_sim_device_stop (self);
      return FALSE;
    }

  return TRUE;
}

void
sf_sim_device_stop (SfSimDevice *self)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  if (self->thread != NULL)
    {
      _sf_sim_device_wake (self, 'q');
      g_thread_join (g_steal_pointer (&self->thread));
    }

  close_fd (&self->wake_pipe[0]);
  close_fd (&self->wake_pipe[1]);
  close_fd (&self->slave_fd);
  close_fd (&self->master_fd);
  close_fd (&self->open_watch_fd);

  if (self->rom != NULL)
    {
      g_clear_pointer (&self->rom, _sf_sim_rom_free);
      g_clear_pointer (&self->stub, _sf_sim_stub_free);
      g_clear_pointer (&self->regs, _sf_sim_regs_free);
      _sf_sim_slip_decoder_clear (&self->decoder);
    }
  _sf_sim_device_fw_clear (self);
  self->stub_running = FALSE;
  g_mutex_lock (&self->mutex);
  self->stub_seen = FALSE;
  g_mutex_unlock (&self->mutex);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) out_chunk_free);
  self->queued = 0;

  if (self->flash != NULL)
    _sf_sim_flash_sync (self->flash);
}
