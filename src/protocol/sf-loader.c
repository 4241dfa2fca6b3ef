/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-loader"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdarg.h>
#include <string.h>

#include "sf-loader-private.h"
#include "sf-reply-private.h"
#include "sf-protocol-error.h"

/* Reads are sliced so that cancellation is noticed within this time. */
#define READ_SLICE_MS 100
/* esptool gives up on a command after this many unrelated frames. */
#define MAX_FOREIGN_FRAMES 100
/* Floor of a quick command's timeout: registers, 64-byte reads, attach. */
#define QUICK_TIMEOUT_MS   500
/* How long garbled frames may precede the real reply. */
#define GARBLED_GRACE_MS   100
/* Line silence waited out after a lost or garbled reply. */
#define RESYNC_DRAIN_MS    30
/* A long command still unanswered after this is asked after (see
 * await_reply()). */
#define PROBE_AFTER_MS     2000
/* Sends of one repeatable command; retries over a stretch of commands. */
#define TRIES_PER_COMMAND  5
#define RETRY_BUDGET       16
#define RETRY_REFILL       8

#define SPI_USR_COMMAND (1u << 31)
#define SPI_USR_ADDR    (1u << 30)
#define SPI_USR_MISO    (1u << 28)
#define SPI_CMD_USR     (1u << 18)

guint
_sf_timeout_per_mb (guint   per_mb_ms,
                    guint64 bytes)
{
  guint64 ms = (guint64) per_mb_ms * bytes / 1000000;

  return (guint) CLAMP (ms, SF_TIMEOUT_DEFAULT, SF_TIMEOUT_MAX);
}

guint8
_sf_loader_checksum (const guint8 *data,
                     gsize         length)
{
  guint8 sum = 0xEF;

  for (gsize i = 0; i < length; i++)
    sum ^= data[i];
  return sum;
}

static const char *
opcode_name (SfOpcode op)
{
  switch (op)
    {
    case SF_OP_FLASH_BEGIN:       return "FLASH_BEGIN";
    case SF_OP_FLASH_DATA:        return "FLASH_DATA";
    case SF_OP_FLASH_END:         return "FLASH_END";
    case SF_OP_MEM_BEGIN:         return "MEM_BEGIN";
    case SF_OP_MEM_END:           return "MEM_END";
    case SF_OP_MEM_DATA:          return "MEM_DATA";
    case SF_OP_SYNC:              return "SYNC";
    case SF_OP_WRITE_REG:         return "WRITE_REG";
    case SF_OP_READ_REG:          return "READ_REG";
    case SF_OP_SPI_SET_PARAMS:    return "SPI_SET_PARAMS";
    case SF_OP_SPI_ATTACH:        return "SPI_ATTACH";
    case SF_OP_READ_FLASH_SLOW:   return "READ_FLASH_SLOW";
    case SF_OP_CHANGE_BAUDRATE:   return "CHANGE_BAUDRATE";
    case SF_OP_FLASH_DEFL_BEGIN:  return "FLASH_DEFL_BEGIN";
    case SF_OP_FLASH_DEFL_DATA:   return "FLASH_DEFL_DATA";
    case SF_OP_FLASH_DEFL_END:    return "FLASH_DEFL_END";
    case SF_OP_SPI_FLASH_MD5:     return "SPI_FLASH_MD5";
    case SF_OP_GET_SECURITY_INFO: return "GET_SECURITY_INFO";
    case SF_OP_ERASE_FLASH:       return "ERASE_FLASH";
    case SF_OP_ERASE_REGION:      return "ERASE_REGION";
    case SF_OP_READ_FLASH:        return "READ_FLASH";
    default:                      return "UNKNOWN";
    }
}

void
_sf_loader_init (SfLoader    *self,
                 SfTransport *transport)
{
  memset (self, 0, sizeof *self);
  self->transport = g_object_ref (transport);
  self->baud = SF_SYNC_BAUD;
  self->retries_left = RETRY_BUDGET;
  _sf_slip_decoder_init (&self->decoder);
  _sf_rom_loader_use (self);
}

void
_sf_loader_clear (SfLoader *self)
{
  g_clear_object (&self->transport);
  _sf_slip_decoder_clear (&self->decoder);
}

/* Feeds the decoder for at most @slice_ms. FALSE only on error. */
static gboolean
read_some (SfLoader  *self,
           guint      slice_ms,
           GError   **error)
{
  guint8 buffer[4096];
  gssize n;

  if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return FALSE;

  n = sf_transport_read (self->transport, buffer, sizeof buffer, slice_ms, error);
  if (n < 0)
    return FALSE;
  _sf_slip_decoder_feed (&self->decoder, buffer, (gsize) n);
  return TRUE;
}

/* Next whole frame before @deadline (monotonic µs); NULL with no error set
 * on timeout. */
static GBytes *
read_frame (SfLoader  *self,
            gint64     deadline,
            GError   **error)
{
  for (;;)
    {
      GBytes *frame = _sf_slip_decoder_pop (&self->decoder);
      gint64 remaining;

      if (frame != NULL)
        return frame;

      remaining = (deadline - g_get_monotonic_time ()) / 1000;
      if (remaining <= 0)
        return NULL;
      if (!read_some (self, MIN (remaining, READ_SLICE_MS), error))
        return NULL;
    }
}

gboolean
_sf_loader_send (SfLoader      *self,
                 SfOpcode       op,
                 const guint8  *data,
                 gsize          length,
                 guint32        checksum,
                 GError       **error)
{
  g_autoptr(GByteArray) packet = g_byte_array_sized_new (length + 8);
  g_autoptr(GByteArray) wire = g_byte_array_sized_new (length + 16);
  guint8 header[8];

  g_assert (length <= G_MAXUINT16);

  header[0] = 0x00;
  header[1] = op;
  _sf_put_le16 (header + 2, length);
  _sf_put_le32 (header + 4, checksum);
  g_byte_array_append (packet, header, sizeof header);
  if (length > 0)
    g_byte_array_append (packet, data, length);

  _sf_slip_encode (wire, packet->data, packet->len);
  return sf_transport_write (self->transport, wire->data, wire->len, error);
}

/* Commands that may be sent again when their reply is lost or garbled:
 * carrying one out twice leaves the chip as carrying it out once does.
 * Not these:
 * - SYNC: connecting sends it over and over anyway, with its own timing;
 * - the *_DATA blocks: _sf_loader_data_command() resends them, since
 *   the loader keeps its place by their sequence numbers;
 * - MEM_END starts the code just loaded; a second one would reach it;
 * - FLASH_END and FLASH_DEFL_END may leave flash mode or reboot, after
 *   which a second one is refused;
 * - CHANGE_BAUDRATE: the chip may already listen at the new rate;
 * - READ_FLASH starts the stub streaming: the flasher reads the chunk
 *   again after a resynchronisation instead;
 * - RUN_USER_CODE has no reply to lose. */
static gboolean
op_is_repeatable (SfOpcode op)
{
  switch (op)
    {
    case SF_OP_READ_REG:
    case SF_OP_WRITE_REG:
    case SF_OP_SPI_SET_PARAMS:
    case SF_OP_SPI_ATTACH:
    case SF_OP_READ_FLASH_SLOW:
    case SF_OP_SPI_FLASH_MD5:
    case SF_OP_GET_SECURITY_INFO:
    case SF_OP_FLASH_BEGIN:
    case SF_OP_FLASH_DEFL_BEGIN:
    case SF_OP_MEM_BEGIN:
    case SF_OP_ERASE_FLASH:
    case SF_OP_ERASE_REGION:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Who answers, as far as known yet: it decides how a status looks. */
static SfReplyFrom
reply_from (SfLoader *self)
{
  if (self->caps.is_stub)
    return SF_REPLY_FROM_STUB;
  if (self->chip == NULL)
    return SF_REPLY_FROM_ANY_LOADER;
  return self->chip->rom_status_len == 2 ? SF_REPLY_FROM_SHORT_ROM : SF_REPLY_FROM_LONG_ROM;
}

guint
_sf_loader_quick_timeout (SfLoader *self,
                          gsize     request_len,
                          gsize     reply_len)
{
  /* Both frames on the wire (SLIP may double a byte), ten bits a byte,
   * plus what a USB adapter and a busy host add to a turn-around. */
  guint64 wire_ms = (guint64) (request_len + reply_len + 32) * 2 * 10 * 1000 / MAX (self->baud, 1);

  return (guint) MIN (QUICK_TIMEOUT_MS + wire_ms, SF_TIMEOUT_DEFAULT);
}

void
_sf_loader_set_log (SfLoader      *self,
                    SfLoaderLogFunc func,
                    gpointer       data)
{
  self->log_func = func;
  self->log_data = data;
}

static void
log_line (SfLoader   *self,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
log_line (SfLoader   *self,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->log_func != NULL)
    self->log_func (message, self->log_data);
  else
    g_debug ("%s", message);
}

/* After a lost or garbled reply: whatever is still arriving belongs to it. */
static void
resync_stream (SfLoader *self)
{
  g_free (_sf_loader_collect_noise (self, RESYNC_DRAIN_MS, NULL));
  _sf_loader_flush (self, NULL);
}

/* The budget of retries refills by one for every RETRY_REFILL commands
 * that got their reply, up to RETRY_BUDGET: a link that loses or garbles
 * the odd reply never spends it; one that loses more than one in
 * RETRY_REFILL does within a few dozen commands and is reported as such. */
static void
count_good_reply (SfLoader *self)
{
  if (++self->good_replies >= RETRY_REFILL)
    {
      self->good_replies = 0;
      if (self->retries_left < RETRY_BUDGET)
        self->retries_left++;
    }
}

gboolean
_sf_loader_take_retry (SfLoader    *self,
                       const char  *what,
                       GError     **error)
{
  if (self->retries_left == 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNRELIABLE_LINK,
                   _("The link to the chip is unreliable: too many of its replies were lost or "
                     "garbled (the last during %s). Try another USB cable, a lower baud rate, "
                     "or a powered USB hub, then try again."),
                   what);
      return FALSE;
    }
  self->retries_left--;
  return TRUE;
}

typedef enum
{
  AWAIT_ERROR,
  AWAIT_REPLY,
  AWAIT_REFUSED,
  AWAIT_UNSUPPORTED, /* "malformed or unsupported", a ROM's answer to an opcode it lacks */
  AWAIT_TIMEOUT,
  AWAIT_LOST,      /* a probe sent after it was answered first */
  AWAIT_GARBLED,
} AwaitResult;

/* A harmless question: its answer, arriving first, shows that the reply
 * to a long command before it was lost (a loader answers in order). */
static gboolean
send_probe (SfLoader *self)
{
  guint8 payload[4];

  _sf_put_le32 (payload, SF_CHIP_MAGIC_REG);
  return _sf_loader_send (self, SF_OP_READ_REG, payload, sizeof payload, 0, NULL);
}

/* After the reply to a long command, the probe's answer is still to come:
 * it must not pass for the answer to a READ_REG sent next. */
static void
drop_probe_reply (SfLoader *self)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) _sf_loader_quick_timeout (self, 12, 14) * 1000;

  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GBytes) frame = read_frame (self, deadline, NULL);
      gsize length;
      const guint8 *bytes;

      if (frame == NULL)
        return;
      bytes = g_bytes_get_data (frame, &length);
      if (length >= 2 && bytes[0] == 0x01 && bytes[1] == SF_OP_READ_REG)
        return;
    }
}

/* Waits for the reply to @op. Garbled frames are skipped for a short
 * grace (they may be the tail of something stale); if nothing good comes
 * in it, the reply itself was the garbled one. */
static AwaitResult
await_reply (SfLoader      *self,
             SfOpcode       op,
             guint          timeout_ms,
             gsize          result_len,
             SfReply       *out_reply,
             GBytes       **out_frame,
             GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean garbled = FALSE;
  /* A command that may take long (an erase) and may be repeated is asked
   * after, so a lost reply costs seconds, not its whole timeout. */
  gboolean probing = op_is_repeatable (op) && op != SF_OP_READ_REG && timeout_ms > PROBE_AFTER_MS;
  gint64 probe_at = probing ? g_get_monotonic_time () + PROBE_AFTER_MS * 1000 : G_MAXINT64;
  gboolean probe_sent = FALSE;

  for (guint foreign = 0; foreign < MAX_FOREIGN_FRAMES;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) frame = NULL;

      if (!probe_sent && g_get_monotonic_time () >= probe_at)
        {
          probe_sent = send_probe (self);
          probing = probe_sent;
        }
      frame = read_frame (self, probe_sent ? deadline : MIN (deadline, probe_at), &local_error);
      const guint8 *bytes;
      gsize frame_len;
      SfReply reply;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return AWAIT_ERROR;
        }
      if (frame == NULL)
        {
          if (!probe_sent && probing && g_get_monotonic_time () < deadline)
            continue;
          return garbled ? AWAIT_GARBLED : AWAIT_TIMEOUT;
        }

      bytes = g_bytes_get_data (frame, &frame_len);
      switch (_sf_reply_parse (bytes, frame_len, op, result_len, reply_from (self), &reply))
        {
        case SF_REPLY_OK:
          *out_reply = reply;
          *out_frame = g_steal_pointer (&frame);
          if (probe_sent)
            drop_probe_reply (self);
          return AWAIT_REPLY;

        case SF_REPLY_REFUSED:
          *out_reply = reply;
          *out_frame = g_steal_pointer (&frame);
          if (probe_sent)
            drop_probe_reply (self);
          return AWAIT_REFUSED;

        case SF_REPLY_FOREIGN:
          /* ROMs answer an opcode they do not know with "malformed
           * message", several times over and not necessarily echoing
           * the opcode: that is a refusal of this one. */
          if (reply.status == 0x01 && reply.code == 0x05)
            {
              g_free (_sf_loader_collect_noise (self, 200, NULL));
              _sf_loader_flush (self, NULL);
              reply.op = op;
              *out_reply = reply;
              *out_frame = g_steal_pointer (&frame);
              return AWAIT_UNSUPPORTED;
            }
          /* The probe answered before the command did: its reply is lost. */
          if (probe_sent && reply.op == SF_OP_READ_REG)
            return AWAIT_LOST;
          /* Surplus SYNC replies and late answers to earlier commands. */
          foreign++;
          break;

        case SF_REPLY_MALFORMED:
        default:
          if (frame_len == 0)
            break;
          if (!garbled)
            {
              gint64 grace = g_get_monotonic_time () + GARBLED_GRACE_MS * 1000;

              garbled = TRUE;
              deadline = MIN (deadline, grace);
            }
          foreign++;
          break;
        }
    }
  return AWAIT_GARBLED;
}

/* The chip said no: why, in words. */
static void
set_refused (SfLoader  *self,
             SfOpcode   op,
             guint8     status,
             guint8     code,
             GError   **error)
{
  self->last_status = status;
  self->last_code = code;
  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS,
               _("The chip refused %s: %s (code 0x%02x)."),
               opcode_name (op), _(_sf_reply_reason (status, code)),
               status == 0x01 ? code : status);
}

gboolean
_sf_loader_command (SfLoader      *self,
                    SfOpcode       op,
                    const guint8  *data,
                    gsize          length,
                    guint32        checksum,
                    guint          timeout_ms,
                    gsize          result_len,
                    guint32       *out_value,
                    GBytes       **out_data,
                    GError       **error)
{
  guint tries = op_is_repeatable (op) ? TRIES_PER_COMMAND : 1;
  guint timeouts = 0;
  guint8 refused_status = 0, refused_code = 0;

  if (timeout_ms == 0)
    timeout_ms = _sf_loader_quick_timeout (self, length + 8,
                                           (result_len == SF_REPLY_ANY_LENGTH ? 32 : result_len) + 12);

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GBytes) frame = NULL;
      AwaitResult result;
      SfReply reply;

      if (!_sf_loader_send (self, op, data, length, checksum, error))
        return FALSE;
      result = await_reply (self, op, timeout_ms, result_len, &reply, &frame, error);
      if (result == AWAIT_ERROR)
        return FALSE;

      if (result == AWAIT_REPLY)
        {
          count_good_reply (self);
          if (refused_status != 0)
            log_line (self, _("The chip refused %s once (%s) but not when asked again; carrying on."),
                      opcode_name (op), _(_sf_reply_reason (refused_status, refused_code)));
          if (out_value != NULL)
            *out_value = reply.value;
          if (out_data != NULL)
            *out_data = g_bytes_new (reply.result, reply.result_len);
          return TRUE;
        }

      /* A status garbled into another loader's refusal is not a refusal;
       * a garbled one that still looks like this loader's may be: a
       * command that may be repeated is asked again, and its refusal
       * believed when it comes back the same (or no retry is left).
       * Not GET_SECURITY_INFO: the ESP8266's and the ESP32's ROMs refuse
       * it on every connection, and a garbled refusal believed costs
       * nothing, as the magic word and the eFuses tell the same. */
      if (result == AWAIT_REFUSED && op_is_repeatable (op) && op != SF_OP_GET_SECURITY_INFO &&
          attempt < tries &&
          (reply.status != refused_status || reply.code != refused_code) &&
          self->retries_left > 0)
        {
          count_good_reply (self);
          refused_status = reply.status;
          refused_code = reply.code;
          self->retries_left--;
          log_line (self, _("The chip refused %s (%s); asking again to rule out a garbled reply."),
                    opcode_name (op), _(_sf_reply_reason (reply.status, reply.code)));
          resync_stream (self);
          continue;
        }

      if (result == AWAIT_REFUSED || result == AWAIT_UNSUPPORTED)
        {
          count_good_reply (self);
          set_refused (self, op, reply.status, reply.code, error);
          return FALSE;
        }

      if (result == AWAIT_TIMEOUT || result == AWAIT_LOST)
        timeouts++;
      if (attempt >= tries)
        break;
      if (!_sf_loader_take_retry (self, opcode_name (op), error))
        return FALSE;
      if (result == AWAIT_TIMEOUT)
        log_line (self, _("No reply to %s within %.1f s; sending it again."),
                  opcode_name (op), timeout_ms / 1000.0);
      else if (result == AWAIT_LOST)
        log_line (self, _("The reply to %s was lost; sending it again."), opcode_name (op));
      else
        log_line (self, _("The reply to %s was garbled; sending it again."), opcode_name (op));
      resync_stream (self);
    }

  /* A refusal, then nothing clear: the refusal is all the chip said. */
  if (refused_status != 0)
    set_refused (self, op, refused_status, refused_code, error);
  else if (timeouts == tries)
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT,
                 _("The chip stopped answering (no reply to %s within %.1f s). "
                   "Check the cable, then press RESET and try again."),
                 opcode_name (op), timeout_ms / 1000.0);
  else
    g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                 _("The chip's replies to %s arrived garbled. Try another USB cable or a "
                   "lower baud rate, then try again."),
                 opcode_name (op));
  return FALSE;
}

gboolean
_sf_loader_flush (SfLoader  *self,
                  GError   **error)
{
  _sf_slip_decoder_reset (&self->decoder);
  return sf_transport_flush_input (self->transport, error);
}

char *
_sf_loader_collect_noise (SfLoader  *self,
                          guint      ms,
                          GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  for (;;)
    {
      gint64 remaining = (deadline - g_get_monotonic_time ()) / 1000;

      if (remaining <= 0)
        break;
      if (!read_some (self, MIN (remaining, READ_SLICE_MS), error))
        return NULL;
    }
  return g_strndup (self->decoder.noise->str, self->decoder.noise->len);
}

gboolean
_sf_loader_sync (SfLoader  *self,
                 gboolean  *out_stub,
                 GError   **error)
{
  guint8 payload[36] = { 0x07, 0x07, 0x12, 0x20 };
  g_autoptr(GError) local_error = NULL;
  guint32 value = 0;

  memset (payload + 4, 0x55, 32);
  if (!_sf_loader_flush (self, error))
    return FALSE;

  if (!_sf_loader_command (self, SF_OP_SYNC, payload, sizeof payload, 0,
                           SF_TIMEOUT_SYNC, 0, &value, NULL, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* A ROM puts a non-zero word in its SYNC reply, a stub zero. */
  if (out_stub != NULL)
    *out_stub = value == 0;

  /* A loader answers one SYNC eight times; let the rest arrive and drop
   * them so they cannot be mistaken for the next command's answer. */
  g_free (_sf_loader_collect_noise (self, 20, NULL));
  return _sf_loader_flush (self, error);
}

GBytes *
_sf_loader_read_raw (SfLoader  *self,
                     guint      timeout_ms,
                     GError   **error)
{
  return read_frame (self, g_get_monotonic_time () + (gint64) timeout_ms * 1000, error);
}

gboolean
_sf_loader_write_raw (SfLoader      *self,
                      const guint8  *data,
                      gsize          length,
                      GError       **error)
{
  g_autoptr(GByteArray) wire = g_byte_array_sized_new (length * 2 + 2);

  _sf_slip_encode (wire, data, length);
  return sf_transport_write (self->transport, wire->data, wire->len, error);
}

gboolean
_sf_loader_set_host_baud (SfLoader  *self,
                          guint      baud,
                          GError   **error)
{
  if (!sf_transport_set_baud (self->transport, baud, error))
    return FALSE;
  self->baud = baud;
  /* What arrived while the two ends disagreed is noise. */
  g_usleep (50 * 1000);
  return _sf_loader_flush (self, error);
}

gboolean
_sf_loader_error_is_retryable (const GError *error)
{
  return g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE) ||
         g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
}

gboolean
_sf_loader_crystal_mhz (SfLoader  *self,
                        guint     *out_mhz,
                        GError   **error)
{
  const SfChipInfo *chip = self->chip;
  guint32 clkdiv;
  double estimate;

  if (chip->fixed_xtal_mhz != 0)
    {
      *out_mhz = chip->fixed_xtal_mhz;
      return TRUE;
    }

  /* The host and the chip agree on the baud rate or we could not talk, so
   * the chip's UART divider times the rate gives its clock. */
  if (!_sf_loader_read_reg_checked (self, chip->uart_clkdiv_reg, &clkdiv, error))
    return FALSE;
  estimate = (double) self->baud * (clkdiv & 0xFFFFF) / 1e6 / chip->xtal_clkdiv_divisor;
  *out_mhz = estimate > 45 ? 48 : estimate > 33 ? 40 : 26;
  return TRUE;
}

gboolean
_sf_loader_read_reg (SfLoader  *self,
                     guint32    address,
                     guint32   *out_value,
                     GError   **error)
{
  guint8 payload[4];

  _sf_put_le32 (payload, address);
  return _sf_loader_command (self, SF_OP_READ_REG, payload, sizeof payload, 0,
                             0, 0, out_value, NULL, error);
}

gboolean
_sf_loader_read_reg_checked (SfLoader  *self,
                             guint32    address,
                             guint32   *out_value,
                             GError   **error)
{
  guint32 previous;

  /* A bit flipped in the value leaves the reply well-formed; two reads
   * in a row that agree are what a register holds. */
  if (!_sf_loader_read_reg (self, address, &previous, error))
    return FALSE;
  for (guint attempt = 1;; attempt++)
    {
      guint32 value;

      if (!_sf_loader_read_reg (self, address, &value, error))
        return FALSE;
      if (value == previous)
        {
          *out_value = value;
          return TRUE;
        }
      if (attempt == TRIES_PER_COMMAND || !_sf_loader_take_retry (self, "READ_REG", error))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNRELIABLE_LINK,
                         _("The chip gave a different value each time register 0x%08x was "
                           "read. Try another USB cable or a lower baud rate, then try again."),
                         address);
          return FALSE;
        }
      log_line (self, _("Register 0x%08x read differently twice (0x%08x, 0x%08x); reading it again."),
                address, previous, value);
      previous = value;
    }
}

/* Several registers in one WRITE_REG: each entry is [address, value]. */
static gboolean
write_regs (SfLoader       *self,
            const guint32  *pairs,
            guint           n_pairs,
            GError        **error)
{
  g_autofree guint8 *payload = g_malloc (16 * n_pairs);

  for (guint i = 0; i < n_pairs; i++)
    {
      _sf_put_le32 (payload + 16 * i, pairs[2 * i]);
      _sf_put_le32 (payload + 16 * i + 4, pairs[2 * i + 1]);
      _sf_put_le32 (payload + 16 * i + 8, 0xFFFFFFFF);
      _sf_put_le32 (payload + 16 * i + 12, 0);
    }
  return _sf_loader_command (self, SF_OP_WRITE_REG, payload, 16 * n_pairs, 0,
                             0, 0, NULL, NULL, error);
}

gboolean
_sf_loader_write_reg (SfLoader  *self,
                      guint32    address,
                      guint32    value,
                      GError   **error)
{
  const guint32 pair[2] = { address, value };

  return write_regs (self, pair, 1, error);
}

gboolean
_sf_loader_spi_command (SfLoader  *self,
                        guint8     command,
                        guint32    address,
                        guint      address_bits,
                        guint      miso_bits,
                        guint8    *out_data,
                        GError   **error)
{
  const SfChipInfo *chip = self->chip;
  guint32 base, saved_usr, saved_usr2, usr, usr1 = 0;
  guint32 setup[7 * 2];
  guint n = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (chip != NULL, FALSE);
  g_return_val_if_fail (miso_bits <= 512, FALSE);

  base = chip->spi_base;
  /* Written back afterwards, so they must be what the chip holds: read
   * checked, once per loader (only this function changes them, and it
   * always puts them back). */
  if (!self->spi_saved)
    {
      if (!_sf_loader_read_reg_checked (self, base + chip->spi_usr, &self->spi_saved_usr, error) ||
          !_sf_loader_read_reg_checked (self, base + chip->spi_usr2, &self->spi_saved_usr2, error))
        return FALSE;
      self->spi_saved = TRUE;
    }
  saved_usr = self->spi_saved_usr;
  saved_usr2 = self->spi_saved_usr2;

  usr = SPI_USR_COMMAND;
  if (miso_bits > 0)
    usr |= SPI_USR_MISO;
  if (address_bits > 0)
    {
      usr |= SPI_USR_ADDR;
      usr1 |= (address_bits - 1) << 26;
    }

  if (chip->spi_mosi_dlen == 0)
    {
      /* The ESP8266 keeps the data lengths in USR1 and always needs it. */
      if (miso_bits > 0)
        usr1 |= (miso_bits - 1) << 8;
      setup[n++] = base + chip->spi_usr1, setup[n++] = usr1;
    }
  else
    {
      setup[n++] = base + chip->spi_miso_dlen, setup[n++] = miso_bits > 0 ? miso_bits - 1 : 0;
      setup[n++] = base + chip->spi_mosi_dlen, setup[n++] = 0;
      if (address_bits > 0)
        setup[n++] = base + chip->spi_usr1, setup[n++] = usr1;
    }
  setup[n++] = base + chip->spi_usr, setup[n++] = usr;
  setup[n++] = base + chip->spi_usr2, setup[n++] = (7u << 28) | command;
  if (address_bits > 0)
    {
      setup[n++] = base + 0x04;
      setup[n++] = chip->spi_address_msb_aligned ? address << (32 - address_bits) : address;
    }
  setup[n++] = base + chip->spi_w0, setup[n++] = 0;

  if (!write_regs (self, setup, n / 2, error) ||
      !_sf_loader_write_reg (self, base, SPI_CMD_USR, error))
    goto restore;

  for (guint tries = 0;; tries++)
    {
      guint32 cmd;

      if (!_sf_loader_read_reg (self, base, &cmd, error))
        goto restore;
      if ((cmd & SPI_CMD_USR) == 0)
        break;
      if (tries == 10)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                       _("The chip's SPI flash controller did not finish command 0x%02x."),
                       command);
          goto restore;
        }
    }

  for (guint i = 0; i < (miso_bits + 31) / 32; i++)
    {
      guint32 word;

      /* The data registers keep the result: a word garbled on the way is
       * read again, not the whole transfer. */
      if (!_sf_loader_read_reg_checked (self, base + chip->spi_w0 + 4 * i, &word, error))
        goto restore;
      for (guint b = 0; b < 4 && 4 * i + b < (miso_bits + 7) / 8; b++)
        out_data[4 * i + b] = (word >> (8 * b)) & 0xFF;
    }
  ok = TRUE;

restore:
  {
    const guint32 restore_pairs[] = {
      base + chip->spi_usr, saved_usr,
      base + chip->spi_usr2, saved_usr2,
    };

    if (ok)
      return write_regs (self, restore_pairs, 2, error);
    write_regs (self, restore_pairs, 2, NULL);
    return FALSE;
  }
}

gboolean
_sf_loader_data_command (SfLoader      *self,
                         SfOpcode       op,
                         const guint8  *block,
                         gsize          length,
                         guint32        seq,
                         guint          timeout_ms,
                         GError       **error)
{
  g_autofree guint8 *payload = g_malloc (16 + length);
  guint32 checksum = _sf_loader_checksum (block, length);

  _sf_put_le32 (payload, length);
  _sf_put_le32 (payload + 4, seq);
  _sf_put_le32 (payload + 8, 0);
  _sf_put_le32 (payload + 12, 0);
  memcpy (payload + 16, block, length);

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean damaged, lost;

      if (_sf_loader_command (self, op, payload, 16 + length, checksum,
                              timeout_ms, 0, NULL, NULL, &local_error))
        return TRUE;

      /* The ROM places a block by its sequence number, so sending it again
       * after a lost reply programs the same bytes again (which NOR flash
       * takes). The stub places blocks one after the other, whatever their
       * number: a block it got twice would land twice, so for the stub the
       * flasher starts the write again from what it confirmed instead. A
       * block refused as damaged (checksum) was not used: send it again. */
      damaged = g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) &&
                (self->last_status == 0xC1 || (self->last_status == 0x01 && self->last_code == 0x07));
      lost = !self->caps.is_stub &&
             (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT) ||
              g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE));
      if (attempt == TRIES_PER_COMMAND || !(damaged || lost) ||
          !_sf_loader_take_retry (self, opcode_name (op), NULL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      log_line (self, _("Block %u was not acknowledged (%s). Sending it again."),
                seq, local_error->message);
      resync_stream (self);
    }
}

gboolean
_sf_loader_spi_set_params (SfLoader  *self,
                           guint32    flash_size,
                           GError   **error)
{
  guint8 params[24];

  _sf_put_le32 (params, 0);
  _sf_put_le32 (params + 4, flash_size);
  _sf_put_le32 (params + 8, 0x10000);
  _sf_put_le32 (params + 12, SF_FLASH_SECTOR_SIZE);
  _sf_put_le32 (params + 16, 0x100);
  _sf_put_le32 (params + 20, 0xFFFF);
  return _sf_loader_command (self, SF_OP_SPI_SET_PARAMS, params, sizeof params, 0,
                             0, 0, NULL, NULL, error);
}
