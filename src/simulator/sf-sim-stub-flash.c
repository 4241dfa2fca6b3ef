/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-stub"

#include "config.h"

#include <string.h>

#include "sf-sim-common-private.h"
#include "sf-sim-stub-private.h"

/* The stub's flash work: FLASH_BEGIN's lazy erase, data blocks written
 * after their reply (raw or inflated), ERASE_REGION and READ_FLASH. */

void
_sf_sim_stub_reset_flash (SfSimStub *self)
{
  if (self->zs_active)
    inflateEnd (&self->zs);
  self->zs_active = FALSE;
  self->zs_started = FALSE;
  self->zs_done = FALSE;
  self->zhdr_wanted = FALSE;
  self->zhdr_have = 0;
  self->fl_active = FALSE;
  self->fl_remaining = 0;
  self->fl_offset = 0;
  self->fl_compressed_left = 0;
  self->erase_next = 0;
  self->erase_left = 0;
  self->window_fill = 0;
}

gboolean
_sf_sim_stub_can_read (SfSimStub *self,
                       guint32    address,
                       guint32    length)
{
  guint64 start = address & ~3u;
  guint64 end = ((guint64) address + length + 3) & ~(guint64) 3;
  guint64 limit = MIN (self->flash_size, _sf_sim_flash_get_size (self->flash));

  return end <= limit && start <= end;
}

/* A sector or block erase the stub issues itself over the SPI bus, with
 * no size check of its own: the flash chip ignores address bits above its
 * capacity, so an erase past the end lands at the start again. */
static void
erase_on_chip (SfSimStub *self,
               guint32    address,
               guint32    span)
{
  gsize size = _sf_sim_flash_get_size (self->flash);

  address %= size;
  _sf_sim_flash_erase (self->flash, address, MIN (span, size - address));
}

/* One step of the lazy erase. Until a non-blank sector has been met in
 * this download the stub reads the next sector first and, if every byte
 * is 0xFF, skips it; from the first dirty sector on it erases everything
 * without looking (a used chip is dirty from its start, a new one blank
 * throughout). An erase is started and left running; when the chip is
 * still busy, a non-blocking call starts nothing and a blocking one waits
 * for it. */
static guint16
erase_next (SfSimStub *self,
            gboolean   blocking)
{
  guint32 step;

  if (self->erase_left == 0)
    return SF_SIM_STUB_OK;

  if (!self->dirty_seen)
    {
      guint8 sector[SF_SIM_SECTOR_SIZE];
      gboolean blank = TRUE;

      if (!_sf_sim_stub_can_read (self, self->erase_next, sizeof sector) ||
          !_sf_sim_flash_read (self->flash, self->erase_next, sector, sizeof sector))
        return SF_SIM_STUB_FAILED_SPI_OP;
      self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                           _sf_sim_timing_read_us (self->timing, sizeof sector), TRUE);
      for (gsize i = 0; i < sizeof sector && blank; i++)
        blank = sector[i] == 0xFF;
      if (blank)
        {
          self->erase_next += SF_SIM_SECTOR_SIZE;
          self->erase_left -= MIN (self->erase_left, SF_SIM_SECTOR_SIZE);
          return SF_SIM_STUB_OK;
        }
      self->dirty_seen = TRUE;
    }

  if (_sf_sim_timing_flash_busy (self->timing, self->now_us) && !blocking)
    return SF_SIM_STUB_OK;

  step = _sf_sim_erase_step (self->erase_next, self->erase_left);
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                       _sf_sim_timing_erase_us (self->timing, step), FALSE);
  erase_on_chip (self, self->erase_next, step);
  self->erase_next += step;
  self->erase_left -= MIN (self->erase_left, step);
  return SF_SIM_STUB_OK;
}

guint16
_sf_sim_stub_flash_begin (SfSimStub    *self,
                          const guint8 *payload,
                          gsize         size,
                          gboolean      compressed)
{
  guint32 total, blocks, block_size, offset, erase_start, erase_end;

  /* The 5th word (encrypted) is optional; nothing is encrypted here. */
  if (size != 16 && size != 20)
    return SF_SIM_STUB_BAD_DATA_LEN;

  total = _sf_sim_get_le32 (payload);
  blocks = _sf_sim_get_le32 (payload + 4);
  block_size = _sf_sim_get_le32 (payload + 8);
  offset = _sf_sim_get_le32 (payload + 12);

  _sf_sim_stub_reset_flash (self);
  self->fl_active = TRUE;
  self->fl_remaining = total;
  self->fl_offset = offset;
  if (compressed)
    {
      /* Only a hint whether more input is to come. */
      self->fl_compressed_left = blocks * block_size;
      memset (&self->zs, 0, sizeof self->zs);
      /* Raw deflate: the zlib header is parsed by hand below, and the
       * Adler-32 trailer is never looked at, as in the stub. */
      self->zs_active = inflateInit2 (&self->zs, -15) == Z_OK;
    }

  /* The whole sectors the data touches, erased as data arrives; the first
   * erase starts now and runs while the first block is on its way. */
  erase_start = offset & ~(SF_SIM_SECTOR_SIZE - 1);
  erase_end = (offset + total + SF_SIM_SECTOR_SIZE - 1) & ~(SF_SIM_SECTOR_SIZE - 1);
  self->erase_next = erase_start;
  self->erase_left = erase_end - erase_start;
  self->dirty_seen = FALSE;
  return erase_next (self, FALSE);
}

guint16
_sf_sim_stub_flash_end (SfSimStub *self,
                        gsize      size)
{
  if (size != 4)
    return SF_SIM_STUB_BAD_DATA_LEN;
  if (!self->fl_active)
    return SF_SIM_STUB_NOT_IN_FLASH_MODE;
  /* Every announced byte must have been written. The flag (reboot or run
   * the application) is not acted on: the stub keeps running. */
  if (self->fl_remaining != 0)
    return SF_SIM_STUB_BAD_DATA_LEN;
  _sf_sim_stub_reset_flash (self);
  return SF_SIM_STUB_OK;
}

/* Erases up to @target, waiting for the chip as needed. Past the range
 * FLASH_BEGIN announced nothing is left to erase, and the real stub spins
 * there forever. */
static guint16
ensure_erased_to (SfSimStub *self,
                  guint32    target)
{
  while (self->erase_next < target)
    {
      guint16 result;

      if (self->erase_left == 0)
        {
          self->hung = TRUE;
          return SF_SIM_STUB_OK;
        }
      result = erase_next (self, TRUE);
      if (result != SF_SIM_STUB_OK)
        return result;
    }
  return SF_SIM_STUB_OK;
}

static guint16
write_data (SfSimStub    *self,
            const guint8 *data,
            guint32       length)
{
  guint16 result = ensure_erased_to (self, self->fl_offset + length);

  if (result != SF_SIM_STUB_OK || self->hung)
    return result;
  if (length == 0)
    return SF_SIM_STUB_OK;

  /* The ROM's write routine refuses anything past the size it was told. */
  if ((guint64) self->fl_offset + length > MIN (self->flash_size, _sf_sim_flash_get_size (self->flash)) ||
      !_sf_sim_flash_program (self->flash, self->fl_offset, data, length))
    return SF_SIM_STUB_FAILED_SPI_OP;
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                       _sf_sim_timing_program_us (self->timing, self->fl_offset, length),
                                       TRUE);
  if (self->corrupt_countdown == 0)
    {
      _sf_sim_flash_flip_bit (self->flash, self->fl_offset);
      self->corrupt_countdown = -1;
    }

  self->fl_remaining -= length;
  self->fl_offset += length;
  return SF_SIM_STUB_OK;
}

static guint16
write_block (SfSimStub    *self,
             const guint8 *payload,
             gsize         size)
{
  /* Bytes past the announced size are dropped without a word. */
  return write_data (self, payload + 16, MIN ((guint32) size - 16, self->fl_remaining));
}

static guint16 inflate_block (SfSimStub    *self,
                              const guint8 *payload,
                              gsize         size);

/* A data block's work after its reply, with the faults: the block whose
 * turn has come fails before it touches the flash (as when the erase
 * before a write fails); the one to be damaged is the first to write
 * something from then on (an inflated block may only fill the window). */
static guint16
data_block (SfSimStub    *self,
            const guint8 *payload,
            gsize         size,
            gboolean      compressed)
{
  guint16 result;

  if (self->fail_countdown == 0)
    {
      self->fail_countdown = -1;
      return SF_SIM_STUB_FAILED_SPI_OP;
    }
  if (self->fail_countdown > 0)
    self->fail_countdown--;

  result = compressed ? inflate_block (self, payload, size) : write_block (self, payload, size);
  if (self->corrupt_countdown > 0)
    self->corrupt_countdown--;
  return result;
}

guint16
_sf_sim_stub_write_block (SfSimStub    *self,
                          const guint8 *payload,
                          gsize         size)
{
  return data_block (self, payload, size, FALSE);
}

guint16
_sf_sim_stub_inflate_block (SfSimStub    *self,
                            const guint8 *payload,
                            gsize         size)
{
  return data_block (self, payload, size, TRUE);
}

/* The 2-byte zlib header, checked as the stub's inflater checks it. */
static gboolean
take_zlib_header (SfSimStub     *self,
                  const guint8 **data,
                  gsize         *length)
{
  while (self->zhdr_have < 2 && *length > 0)
    {
      self->zhdr[self->zhdr_have++] = **data;
      (*data)++;
      (*length)--;
    }
  if (self->zhdr_have < 2)
    return TRUE;
  self->zhdr_wanted = FALSE;
  return ((self->zhdr[0] << 8) | self->zhdr[1]) % 31 == 0 &&
         (self->zhdr[1] & 0x20) == 0 &&
         (self->zhdr[0] & 0x0F) == 8 &&
         (self->zhdr[0] >> 4) <= 7;
}

typedef enum
{
  INFLATE_FAILED,
  INFLATE_NEEDS_INPUT,
  INFLATE_HAS_OUTPUT,
  INFLATE_DONE,
} InflateStatus;

/* One call of the stub's inflater: as much of @data as fits into the
 * window. Without @more_input, running out of input mid-stream fails. */
static InflateStatus
inflate_some (SfSimStub    *self,
              const guint8 *data,
              gsize         length,
              gboolean      header,
              gboolean      more_input,
              gsize        *out_used)
{
  const guint8 *start = data;
  gsize fill_before = self->window_fill;
  int ret;

  if (!self->zs_active)
    return INFLATE_FAILED;
  if (!self->zs_started)
    {
      self->zs_started = TRUE;
      self->zhdr_wanted = header;
    }
  if (self->zhdr_wanted && !take_zlib_header (self, &data, &length))
    return INFLATE_FAILED;
  *out_used = data - start;
  if (self->zhdr_wanted)
    return more_input ? INFLATE_NEEDS_INPUT : INFLATE_FAILED;

  self->zs.next_in = (Bytef *) data;
  self->zs.avail_in = length;
  self->zs.next_out = self->window + self->window_fill;
  self->zs.avail_out = SF_SIM_STUB_INFLATE_WINDOW - self->window_fill;
  ret = inflate (&self->zs, Z_NO_FLUSH);
  *out_used += length - self->zs.avail_in;
  self->window_fill = SF_SIM_STUB_INFLATE_WINDOW - self->zs.avail_out;

  if (ret == Z_STREAM_END)
    {
      const guint8 *trailer = data + (length - self->zs.avail_in);

      /* The Adler-32 trailer is looked at only when the stream ends in
       * the very call that was told to parse the header (the first of
       * block 0), over what that call produced: then it is all of it.
       * (When the trailer is split across blocks it is not checked.) */
      if (header && self->zs.avail_in >= 4)
        {
          guint32 want = ((guint32) trailer[0] << 24) | ((guint32) trailer[1] << 16) |
                         ((guint32) trailer[2] << 8) | trailer[3];
          guint32 have = adler32 (adler32 (0, NULL, 0), self->window + fill_before,
                                  self->window_fill - fill_before);

          *out_used += 4;
          if (want != have)
            return INFLATE_FAILED;
        }
      return INFLATE_DONE;
    }
  if (ret != Z_OK && ret != Z_BUF_ERROR)
    return INFLATE_FAILED;
  if (self->zs.avail_out == 0)
    return INFLATE_HAS_OUTPUT;
  return more_input ? INFLATE_NEEDS_INPUT : INFLATE_FAILED;
}

static guint16
inflate_block (SfSimStub    *self,
               const guint8 *payload,
               gsize         size)
{
  guint32 length = _sf_sim_get_le32 (payload);
  guint32 seq = _sf_sim_get_le32 (payload + 4);
  const guint8 *data = payload + 16;
  guint32 left = length;
  InflateStatus status = self->zs_done ? INFLATE_DONE : INFLATE_NEEDS_INPUT;
  gboolean header = seq == 0;

  /* Block 0 starts the window afresh (the inflater's state is kept). */
  if (seq == 0)
    self->window_fill = 0;

  /* A finished stream takes no more input: its (empty) window is written
   * once more and that is all. */
  if (self->zs_done && left > 0)
    {
      guint16 result = erase_next (self, FALSE);

      if (result == SF_SIM_STUB_OK)
        result = write_data (self, self->window, self->window_fill);
      self->window_fill = 0;
      return result;
    }

  while (status != INFLATE_DONE && status != INFLATE_FAILED && left > 0)
    {
      gboolean more = self->fl_compressed_left > left;
      gsize used = 0;
      guint16 result;

      /* Erase ahead while inflating, if the chip is free. */
      result = erase_next (self, FALSE);
      if (result != SF_SIM_STUB_OK)
        return result;

      status = inflate_some (self, data + (length - left), left, header, more, &used);
      header = FALSE;
      left -= used;
      self->fl_compressed_left -= used;

      if (status == INFLATE_DONE || self->window_fill == SF_SIM_STUB_INFLATE_WINDOW)
        {
          result = write_data (self, self->window, self->window_fill);
          if (result != SF_SIM_STUB_OK || self->hung)
            return result;
          self->window_fill = 0;
        }
    }

  if (status == INFLATE_DONE)
    self->zs_done = TRUE;
  if (status == INFLATE_FAILED)
    return SF_SIM_STUB_INFLATE_ERROR;
  return SF_SIM_STUB_OK;
}

guint16
_sf_sim_stub_erase_region (SfSimStub *self,
                           guint32    address,
                           guint32    length)
{
  if (address % SF_SIM_SECTOR_SIZE != 0 || length % SF_SIM_SECTOR_SIZE != 0)
    return SF_SIM_STUB_BAD_DATA_LEN;

  /* Blocks where aligned, sectors elsewhere, each after the last is done;
   * no blank check here. */
  while (length > 0)
    {
      guint32 step = _sf_sim_erase_step (address, length);

      self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                           _sf_sim_timing_erase_us (self->timing, step), FALSE);
      erase_on_chip (self, address, step);
      address += step;
      length -= MIN (length, step);
    }
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us, 0, TRUE);
  return SF_SIM_STUB_OK;
}

static void
read_finish (SfSimStub *self)
{
  guint8 digest[16];
  gsize digest_length = sizeof digest;

  g_checksum_get_digest (self->rd_md5, digest, &digest_length);
  _sf_sim_stub_send_frame (self, digest, sizeof digest);
  g_clear_pointer (&self->rd_md5, g_checksum_free);
  self->rd_active = FALSE;
}

/* One turn of the stub's send loop: a packet when none is in flight, the
 * MD5 frame once everything is sent and the host says it has it all. */
static guint16
read_pump (SfSimStub *self)
{
  if (self->rd_left > 0 && self->rd_sent - self->rd_acked < 1)
    {
      guint32 n = MIN (self->rd_left, self->rd_packet);
      g_autofree guint8 *data = g_malloc (MAX (n, 1));

      if (!_sf_sim_stub_can_read (self, self->rd_offset, n) ||
          !_sf_sim_flash_read (self->flash, self->rd_offset, data, n))
        {
          /* It gives up without the MD5 frame. */
          g_clear_pointer (&self->rd_md5, g_checksum_free);
          self->rd_active = FALSE;
          return SF_SIM_STUB_FAILED_SPI_OP;
        }
      self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                           _sf_sim_timing_read_us (self->timing, n), TRUE);
      g_checksum_update (self->rd_md5, data, n);
      _sf_sim_stub_send_frame (self, data, n);
      self->rd_offset += n;
      self->rd_left -= n;
      self->rd_sent++;
    }

  if (self->rd_left == 0 && self->rd_acked_bytes >= self->rd_size)
    read_finish (self);
  return SF_SIM_STUB_OK;
}

guint16
_sf_sim_stub_read_flash (SfSimStub    *self,
                         const guint8 *payload)
{
  guint32 packet = _sf_sim_get_le32 (payload + 8);

  /* Its buffer holds 4096 bytes. max_unacked (word 3) is not used: one
   * packet is in flight at a time, whatever the host asks for. */
  if (packet > 4096)
    return SF_SIM_STUB_BAD_DATA_LEN;

  self->rd_active = TRUE;
  self->rd_offset = _sf_sim_get_le32 (payload);
  self->rd_size = self->rd_left = _sf_sim_get_le32 (payload + 4);
  self->rd_packet = packet;
  self->rd_sent = self->rd_acked = self->rd_acked_bytes = 0;
  self->rd_md5 = g_checksum_new (G_CHECKSUM_MD5);
  return read_pump (self);
}

void
_sf_sim_stub_read_ack (SfSimStub    *self,
                       const guint8 *frame,
                       gsize         length)
{
  guint16 result;

  /* Anything but a 4-byte count ends the transfer early: the MD5 of what
   * was sent goes out and the frame itself is dropped. */
  if (length != 4)
    {
      read_finish (self);
      return;
    }
  self->rd_acked_bytes = _sf_sim_get_le32 (frame);
  self->rd_acked++;
  result = read_pump (self);
  if (result != SF_SIM_STUB_OK)
    self->pending = result;
}
