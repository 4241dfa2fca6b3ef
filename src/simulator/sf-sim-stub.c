/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-stub"

#include "config.h"

#include <string.h>

#include "sf-sim-common-private.h"
#include "sf-sim-slip-private.h"
#include "sf-sim-stub-private.h"

/* The stub's command loop, modelled on esp-flasher-stub's command handler:
 * a request is checked (direction byte, length), a pending error from the
 * last post-process is sent instead of its reply, else it is carried out
 * and answered, and then its post-process (if any) runs. */

/* Plug-in opcodes: a stub without the plug-in loaded says "not
 * implemented" to these, "invalid command" to every other unknown one. */
#define PLUGIN_FIRST_OPCODE 0xD5
#define PLUGIN_LAST_OPCODE  0xEF

/* The stub waits this long after the jump before it greets the host (so
 * the ROM's last reply is out), and around a baud rate switch. */
#define START_DELAY_US      (10 * 1000)
#define BAUD_SWITCH_US      (10 * 1000)

typedef enum
{
  POST_NONE,
  POST_WRITE,
  POST_INFLATE,
  POST_BAUD,
  POST_READ_FLASH,
  POST_MEM_END,
} PostProcess;

SfSimStub *
_sf_sim_stub_new (const SfSimChip *chip,
                  SfSimFlash      *flash,
                  SfSimRegs       *regs,
                  SfSimTiming     *timing,
                  SfSimEmitFunc    emit,
                  gpointer         emit_data)
{
  SfSimStub *self = g_new0 (SfSimStub, 1);

  self->chip = chip;
  self->flash = flash;
  self->regs = regs;
  self->timing = timing;
  self->emit = emit;
  self->emit_data = emit_data;
  self->wire = g_byte_array_new ();
  self->window = g_malloc (SF_SIM_STUB_INFLATE_WINDOW);
  self->segments = g_array_new (FALSE, FALSE, sizeof (SfSimSegment));
  self->corrupt_countdown = -1;
  self->fail_countdown = -1;
  return self;
}

void
_sf_sim_stub_free (SfSimStub *self)
{
  if (self == NULL)
    return;
  _sf_sim_stub_reset_flash (self);
  g_clear_pointer (&self->rd_md5, g_checksum_free);
  g_byte_array_unref (self->wire);
  g_array_unref (self->segments);
  g_free (self->window);
  g_free (self);
}

void
_sf_sim_stub_arm_faults (SfSimStub *self,
                         gint       corrupt_index,
                         gint       fail_index)
{
  self->corrupt_countdown = corrupt_index;
  self->fail_countdown = fail_index;
}

void
_sf_sim_stub_send_frame (SfSimStub    *self,
                         const guint8 *data,
                         gsize         length)
{
  g_byte_array_set_size (self->wire, 0);
  _sf_sim_slip_encode (self->wire, data, length);
  self->emit (self->wire->data, self->wire->len, self->now_us, self->emit_data);
}

/* [01, opcode, size, value, data…, code high byte, code low byte]. A
 * failed command carries no value and no data. */
static void
send_response (SfSimStub    *self,
               guint8        opcode,
               guint16       code,
               guint32       value,
               const guint8 *data,
               gsize         data_length)
{
  guint8 buf[8 + 64 + 2];
  gsize size;

  g_assert (data_length <= 64);
  if (code != SF_SIM_STUB_OK)
    {
      value = 0;
      data_length = 0;
    }
  size = data_length + 2;
  buf[0] = 0x01;
  buf[1] = opcode;
  buf[2] = size & 0xFF;
  buf[3] = size >> 8;
  _sf_sim_put_le32 (buf + 4, value);
  if (data_length > 0)
    memcpy (buf + 8, data, data_length);
  buf[8 + data_length] = code >> 8;
  buf[8 + data_length + 1] = code & 0xFF;
  _sf_sim_stub_send_frame (self, buf, 8 + size);
}

void
_sf_sim_stub_start (SfSimStub *self,
                    gint64     now_us)
{
  static const guint8 greeting[4] = { 'O', 'H', 'A', 'I' };

  _sf_sim_stub_reset_flash (self);
  g_clear_pointer (&self->rd_md5, g_checksum_free);
  self->rd_active = FALSE;
  self->mem_active = FALSE;
  g_array_set_size (self->segments, 0);
  self->pending = SF_SIM_STUB_OK;
  self->hung = FALSE;
  self->baud = 0;
  /* It reads the JEDEC id and takes the size from it. */
  self->flash_size = _sf_sim_flash_get_size (self->flash);

  self->now_us = now_us + _sf_sim_timing_delay_us (self->timing, START_DELAY_US);
  _sf_sim_stub_send_frame (self, greeting, sizeof greeting);
  _sf_sim_timing_end (self->timing, self->now_us);
}

static guint16
mem_data (SfSimStub    *self,
          const guint8 *payload,
          gsize         size)
{
  guint32 length;

  if (size < 16)
    return SF_SIM_STUB_NOT_ENOUGH_DATA;
  if (!self->mem_active)
    return SF_SIM_STUB_NOT_IN_FLASH_MODE;
  length = _sf_sim_get_le32 (payload);
  /* No checksum and no sequence check: blocks go one after the other. */
  if (length > self->mem_left || length != size - 16)
    return SF_SIM_STUB_TOO_MUCH_DATA;
  self->mem_offset += length;
  self->mem_left -= length;
  if (self->segments->len > 0)
    g_array_index (self->segments, SfSimSegment, self->segments->len - 1).loaded += length;
  return SF_SIM_STUB_OK;
}

static guint16
write_reg (SfSimStub    *self,
           const guint8 *payload,
           gsize         size)
{
  if (size == 0 || size % 16 != 0)
    return SF_SIM_STUB_NOT_ENOUGH_DATA;
  /* [address, value, mask, delay_us] each: it waits, then writes. */
  for (gsize i = 0; i < size; i += 16)
    {
      self->now_us += _sf_sim_timing_delay_us (self->timing, _sf_sim_get_le32 (payload + i + 12));
      _sf_sim_regs_write (self->regs, _sf_sim_get_le32 (payload + i),
                          _sf_sim_get_le32 (payload + i + 4), _sf_sim_get_le32 (payload + i + 8));
    }
  return SF_SIM_STUB_OK;
}

static guint16
flash_md5 (SfSimStub    *self,
           const guint8 *payload,
           gsize         size,
           guint8        digest[16])
{
  guint32 address, length;

  if (size != 16)
    return SF_SIM_STUB_BAD_DATA_LEN;
  address = _sf_sim_get_le32 (payload);
  length = _sf_sim_get_le32 (payload + 4);
  if (!_sf_sim_stub_can_read (self, address, length) ||
      !_sf_sim_flash_md5 (self->flash, address, length, digest))
    return SF_SIM_STUB_FAILED_SPI_OP;
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                       _sf_sim_timing_read_us (self->timing, length), TRUE);
  return SF_SIM_STUB_OK;
}

static guint16
check_data_block (SfSimStub    *self,
                  const guint8 *payload,
                  gsize         size,
                  guint32       checksum,
                  gboolean      compressed)
{
  guint32 length;

  if (size < 16)
    return compressed ? SF_SIM_STUB_BAD_DATA_LEN : SF_SIM_STUB_NOT_ENOUGH_DATA;
  if (!self->fl_active)
    return SF_SIM_STUB_NOT_IN_FLASH_MODE;
  length = _sf_sim_get_le32 (payload);
  if (!compressed && length != size - 16)
    return SF_SIM_STUB_TOO_MUCH_DATA;
  /* The whole checksum word must match, not just its low byte. A
   * compressed block is summed over the length its header states; bytes
   * it claims beyond the frame are taken as a mismatch. */
  if (length > size - 16 || _sf_sim_checksum (payload + 16, length) != checksum)
    return SF_SIM_STUB_BAD_CHECKSUM;
  /* No sequence check: data goes where the last block ended. */
  return SF_SIM_STUB_OK;
}

/* Carries out one request; returns its status code. */
static guint16
execute (SfSimStub    *self,
         guint8        opcode,
         const guint8 *payload,
         gsize         size,
         guint32       checksum,
         guint32      *value,
         guint8       *data,
         gsize        *data_length,
         PostProcess  *post)
{
  switch (opcode)
    {
    case SF_SIM_OP_SYNC:
      if (size != 36)
        return SF_SIM_STUB_BAD_DATA_LEN;
      /* Eight answers like the ROM's, but with value 0: that is how hosts
       * tell a running stub. This is seven, the reply the eighth. */
      for (int i = 0; i < 7; i++)
        send_response (self, opcode, SF_SIM_STUB_OK, 0, NULL, 0);
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_FLASH_BEGIN:
    case SF_SIM_OP_FLASH_DEFL_BEGIN:
      return _sf_sim_stub_flash_begin (self, payload, size, opcode == SF_SIM_OP_FLASH_DEFL_BEGIN);

    case SF_SIM_OP_FLASH_DATA:
    case SF_SIM_OP_FLASH_DEFL_DATA:
      {
        gboolean compressed = opcode == SF_SIM_OP_FLASH_DEFL_DATA;
        guint16 result = check_data_block (self, payload, size, checksum, compressed);

        /* Acknowledged first, written afterwards (double buffering). */
        *post = compressed ? POST_INFLATE : POST_WRITE;
        return result;
      }

    case SF_SIM_OP_FLASH_END:
    case SF_SIM_OP_FLASH_DEFL_END:
      return _sf_sim_stub_flash_end (self, size);

    case SF_SIM_OP_MEM_BEGIN:
      if (size != 16)
        return SF_SIM_STUB_BAD_DATA_LEN;
      self->mem_active = TRUE;
      self->mem_left = _sf_sim_get_le32 (payload);
      self->mem_offset = _sf_sim_get_le32 (payload + 12);
      g_array_append_val (self->segments, ((SfSimSegment) { self->mem_offset, 0 }));
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_MEM_DATA:
      return mem_data (self, payload, size);

    case SF_SIM_OP_MEM_END:
      if (size != 8)
        return SF_SIM_STUB_BAD_DATA_LEN;
      if (!self->mem_active)
        return SF_SIM_STUB_NOT_IN_FLASH_MODE;
      self->mem_active = FALSE;
      *post = POST_MEM_END;
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_WRITE_REG:
      return write_reg (self, payload, size);

    case SF_SIM_OP_READ_REG:
      if (size != 4)
        return SF_SIM_STUB_BAD_DATA_LEN;
      *value = _sf_sim_regs_read (self->regs, _sf_sim_get_le32 (payload));
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_SPI_ATTACH:
      /* One word, the pin configuration; no "legacy" word as for ROMs. */
      return size == 4 ? SF_SIM_STUB_OK : SF_SIM_STUB_BAD_DATA_LEN;

    case SF_SIM_OP_SPI_SET_PARAMS:
      if (size != 24)
        return SF_SIM_STUB_BAD_DATA_LEN;
      self->flash_size = _sf_sim_get_le32 (payload + 4);
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_CHANGE_BAUDRATE:
      /* [new rate, old rate]: the old one is not used. */
      if (size != 8)
        return SF_SIM_STUB_BAD_DATA_LEN;
      *post = POST_BAUD;
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_SPI_FLASH_MD5:
      /* 16 raw bytes, not hex as from the ROM. */
      *data_length = 16;
      return flash_md5 (self, payload, size, data);

    case SF_SIM_OP_GET_SECURITY_INFO:
      if (size != 0)
        return SF_SIM_STUB_BAD_DATA_LEN;
      /* It asks the ROM, and the ESP8266 and ESP32 ROMs can't tell. */
      if (self->chip->security_info_length == 0)
        return SF_SIM_STUB_NOT_IMPLEMENTED;
      _sf_sim_regs_security_info (self->regs, data);
      *data_length = self->chip->security_info_length;
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_READ_FLASH:
      if (size != 16)
        return SF_SIM_STUB_BAD_DATA_LEN;
      *post = POST_READ_FLASH;
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_ERASE_FLASH:
      /* The payload is not looked at; it answers when the chip is done. */
      self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                           _sf_sim_timing_chip_erase_us (self->timing,
                                                                         _sf_sim_flash_get_size (self->flash)),
                                           TRUE);
      _sf_sim_flash_erase (self->flash, 0, _sf_sim_flash_get_size (self->flash));
      return SF_SIM_STUB_OK;

    case SF_SIM_OP_ERASE_REGION:
      if (size != 8)
        return SF_SIM_STUB_BAD_DATA_LEN;
      return _sf_sim_stub_erase_region (self, _sf_sim_get_le32 (payload), _sf_sim_get_le32 (payload + 4));

    default:
      if (opcode >= PLUGIN_FIRST_OPCODE && opcode <= PLUGIN_LAST_OPCODE)
        return SF_SIM_STUB_NOT_IMPLEMENTED;
      return SF_SIM_STUB_INVALID_COMMAND;
    }
}

static guint16
post_process (SfSimStub    *self,
              PostProcess   post,
              const guint8 *payload,
              gsize         size)
{
  switch (post)
    {
    case POST_WRITE:
      return _sf_sim_stub_write_block (self, payload, size);

    case POST_INFLATE:
      return _sf_sim_stub_inflate_block (self, payload, size);

    case POST_BAUD:
      /* Waits for the reply to leave, switches, settles. (The simulated
       * line goes on at whatever rate the host's port runs.) */
      if (_sf_sim_get_le32 (payload) != 0)
        {
          /* The stub knows its real crystal: it ends up at the rate it
           * was sent. */
          self->baud = _sf_sim_get_le32 (payload);
          _sf_sim_regs_switch_uart (self->regs, self->baud);
        }
      self->now_us += _sf_sim_timing_delay_us (self->timing, BAUD_SWITCH_US);
      return SF_SIM_STUB_OK;

    case POST_READ_FLASH:
      return _sf_sim_stub_read_flash (self, payload);

    case POST_MEM_END:
      /* Stay flag 0 jumps to the entry point: code loaded there starts as
       * a new stub. A jump anywhere else runs nothing we could simulate;
       * the stub then carries on. */
      if (_sf_sim_get_le32 (payload) == 0 &&
          _sf_sim_segments_cover (self->segments, _sf_sim_get_le32 (payload + 4)))
        _sf_sim_stub_start (self, self->now_us);
      return SF_SIM_STUB_OK;

    case POST_NONE:
    default:
      return SF_SIM_STUB_OK;
    }
}

static SfSimStubResult
dispatch (SfSimStub    *self,
          const guint8 *frame,
          gsize         length)
{
  /* A frame shorter than the header leaves the rest of the header as the
   * buffer held it; zeros here. */
  guint8 header[8] = { 0 };
  const guint8 *payload = frame + MIN (length, 8);
  guint8 opcode;
  guint16 size;
  guint32 value = 0;
  guint8 data[64];
  gsize data_length = 0;
  PostProcess post = POST_NONE;
  guint16 result;

  memcpy (header, frame, MIN (length, sizeof header));
  opcode = header[1];
  size = header[2] | (header[3] << 8);

  if (self->rd_active)
    {
      _sf_sim_stub_read_ack (self, frame, length);
      return SF_SIM_STUB_ACK;
    }

  if (header[0] != 0x00)
    {
      send_response (self, opcode, SF_SIM_STUB_INVALID_COMMAND, 0, NULL, 0);
      return SF_SIM_STUB_ANSWERED;
    }
  if (length != (gsize) size + 8)
    {
      send_response (self, opcode, SF_SIM_STUB_BAD_DATA_LEN, 0, NULL, 0);
      return SF_SIM_STUB_ANSWERED;
    }
  /* An error left by the last post-process answers this request, which is
   * then dropped. */
  if (self->pending != SF_SIM_STUB_OK)
    {
      send_response (self, opcode, self->pending, 0, NULL, 0);
      self->pending = SF_SIM_STUB_OK;
      return SF_SIM_STUB_ANSWERED;
    }
  /* No reply at all; there is nothing for it to run. */
  if (opcode == SF_SIM_OP_RUN_USER_CODE)
    return SF_SIM_STUB_IGNORED;

  result = execute (self, opcode, payload, size, _sf_sim_get_le32 (header + 4),
                    &value, data, &data_length, &post);
  send_response (self, opcode, result, value, data, data_length);
  if (result == SF_SIM_STUB_OK)
    self->pending = post_process (self, post, payload, size);
  return SF_SIM_STUB_ANSWERED;
}

SfSimStubResult
_sf_sim_stub_handle_frame (SfSimStub    *self,
                           const guint8 *frame,
                           gsize         length,
                           gint64        arrival_us)
{
  SfSimStubResult result;

  /* Stuck in a loop: the UART still takes bytes, nothing answers. */
  if (self->hung)
    return SF_SIM_STUB_IGNORED;

  self->now_us = _sf_sim_timing_begin (self->timing, arrival_us);
  result = dispatch (self, frame, length);
  _sf_sim_timing_end (self->timing, self->now_us);
  return result;
}
