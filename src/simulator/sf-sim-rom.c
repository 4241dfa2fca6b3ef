/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-rom"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-sim-common-private.h"
#include "sf-sim-rom-private.h"
#include "sf-sim-slip-private.h"

/* ROM error codes, sent after status byte 0x01. */
enum
{
  ERR_INVALID_PARAM   = 0x01,
  ERR_MALFORMED       = 0x05,
  ERR_RESULT_WRONG    = 0x06,
  ERR_CHECKSUM        = 0x07,
  ERR_FLASH_WRITE     = 0x08,
  ERR_FLASH_READ      = 0x09,
  ERR_READ_LENGTH     = 0x0A,
  ERR_INFLATE         = 0x0B,
  ERR_INFLATE_ADLER   = 0x0C,
};

#define SECTOR_SIZE    SF_SIM_SECTOR_SIZE
#define SYNC_VALUE     0x20120707u

/* Until SPI_SET_PARAMS says otherwise the ESP32-family ROMs believe the
 * flash has 2 MB and refuse to erase past it. */
#define ROM_DEFAULT_FLASH_SIZE (2u * 1024 * 1024)

typedef enum
{
  DOWNLOAD_NONE,
  DOWNLOAD_FLASH,
  DOWNLOAD_DEFLATE,
  DOWNLOAD_MEM,
} DownloadKind;

struct _SfSimRom
{
  const SfSimChip *chip;
  SfSimFlash      *flash;    /* not owned */
  SfSimRegs       *regs;     /* not owned */
  SfSimTiming     *timing;   /* not owned */
  gint64           now_us;   /* virtual time of the request being handled */

  gboolean         synced;
  gboolean         attached;
  guint32          rom_flash_size;
  guint            rom_baud;

  DownloadKind     download;
  guint32          dl_size;
  guint32          dl_blocks;
  guint32          dl_block_size;
  guint32          dl_offset;
  guint32          dl_next_seq;
  guint32          dl_written;     /* DEFLATE: bytes inflated so far */
  gboolean         dl_stream_end;
  z_stream         zs;
  gboolean         zs_active;
  GByteArray      *ram;
  GArray          *segments;       /* SfSimSegment, since the last reset */

  gint             corrupt_countdown;
};

SfSimRom *
_sf_sim_rom_new (const SfSimChip *chip,
                 SfSimFlash      *flash,
                 SfSimRegs       *regs,
                 SfSimTiming     *timing)
{
  SfSimRom *self = g_new0 (SfSimRom, 1);

  self->chip = chip;
  self->flash = flash;
  self->regs = regs;
  self->timing = timing;
  self->ram = g_byte_array_new ();
  self->segments = g_array_new (FALSE, FALSE, sizeof (SfSimSegment));
  self->rom_baud = 115200;
  self->corrupt_countdown = -1;
  self->rom_flash_size = ROM_DEFAULT_FLASH_SIZE;
  return self;
}

static void
end_download (SfSimRom *self)
{
  if (self->zs_active)
    inflateEnd (&self->zs);
  self->zs_active = FALSE;
  self->download = DOWNLOAD_NONE;
}

void
_sf_sim_rom_free (SfSimRom *self)
{
  if (self == NULL)
    return;
  end_download (self);
  g_byte_array_unref (self->ram);
  g_array_unref (self->segments);
  g_free (self);
}

void
_sf_sim_rom_arm_corruption (SfSimRom *self,
                            gint      index)
{
  self->corrupt_countdown = index;
}

/* What a reset does to the loader's state. Registers we emulate are mostly
 * eFuses and ROM words, so they are kept. */
static void
reboot (SfSimRom *self)
{
  end_download (self);
  g_array_set_size (self->segments, 0);
  self->synced = FALSE;
  self->attached = FALSE;
  self->rom_flash_size = ROM_DEFAULT_FLASH_SIZE;
  self->rom_baud = 115200;
}

/* The rate the ROM's UART ends up at when CHANGE_BAUDRATE sends @value:
 * it sets divider = its idea of the UART clock / @value, so the real rate
 * is @value × real clock / that idea. */
static guint
rom_uart_rate (SfSimRom *self,
               guint32   value)
{
  double real_clock = _sf_sim_regs_uart_clock (self->regs);
  double rom_clock = real_clock;

  switch (self->chip->rom_clock)
    {
    case SF_SIM_ROM_CLOCK_CALIBRATED:
      {
        /* The ESP32 ROM takes the crystal from the RTC slow clock
         * calibration and the CK8M frequency eFuse (word4 bits 0–7), as
         * the registers read now; uncalibrated (0), it uses the real one. */
        guint32 cali = _sf_sim_regs_read (self->regs, 0x3FF5F06C);
        guint32 efuse4 = _sf_sim_regs_read (self->regs, 0x3FF5A010);
        double calibrated = ((cali >> 7) & 0x1FFFFFF) * 15625.0 * (efuse4 & 0xFF) / 40;

        if (calibrated > 0)
          rom_clock = calibrated;
      }
      break;

    case SF_SIM_ROM_CLOCK_ASSUMES_40:
      rom_clock = 40e6 * self->chip->uart_clock_factor;
      break;

    case SF_SIM_ROM_CLOCK_REAL:
    default:
      break;
    }
  return (guint) (value * real_clock / rom_clock + 0.5);
}

void
_sf_sim_rom_reset (SfSimRom *self)
{
  reboot (self);
}

static void
reply (SfSimRom     *self,
       GByteArray   *out,
       guint8        opcode,
       guint32       value,
       const guint8 *data,
       gsize         data_length,
       guint8        status,
       guint8        error)
{
  guint8 buf[8 + 64 + 4];
  gsize size = data_length + self->chip->status_length;

  g_assert (data_length <= 64);

  buf[0] = 0x01;
  buf[1] = opcode;
  buf[2] = size & 0xFF;
  buf[3] = (size >> 8) & 0xFF;
  _sf_sim_put_le32 (buf + 4, value);
  if (data_length > 0)
    memcpy (buf + 8, data, data_length);
  memset (buf + 8 + data_length, 0, self->chip->status_length);
  buf[8 + data_length] = status;
  buf[8 + data_length + 1] = error;
  _sf_sim_slip_encode (out, buf, 8 + size);
}

static void
reply_ok (SfSimRom   *self,
          GByteArray *out,
          guint8      opcode)
{
  reply (self, out, opcode, 0, NULL, 0, 0, 0);
}

static void
reply_error (SfSimRom   *self,
             GByteArray *out,
             guint8      opcode,
             guint8      error)
{
  reply (self, out, opcode, 0, NULL, 0, 0x01, error);
}

/* --- Flash download ----------------------------------------------------- */

static gboolean
needs_attach (SfSimRom   *self,
              GByteArray *out,
              guint8      opcode)
{
  /* ESP32-family ROMs only know the flash after SPI_ATTACH; a real one
   * misbehaves otherwise, we answer an error so a host bug shows. */
  if (!self->chip->is_esp8266 && !self->attached)
    {
      reply_error (self, out, opcode, ERR_RESULT_WRONG);
      return TRUE;
    }
  return FALSE;
}

/* The ESP32-S3 ROM does not jump to code MEM_END names while its eFuses
 * say secure boot (esptool: "prevents stub execution"); it still answers
 * MEM_END, here, which is an assumption. */
static gboolean
refuses_to_run (SfSimRom *self)
{
  const SfSimChip *chip = self->chip;

  return chip->rom_read_func_ptr != 0 &&
         (_sf_sim_regs_read (self->regs, chip->secure_boot_reg) & chip->secure_boot_mask) != 0;
}

static gboolean
erase_for_begin (SfSimRom *self,
                 guint32   erase_size,
                 guint32   offset)
{
  guint64 start, end;

  if (erase_size == 0)
    return TRUE;

  if (self->chip->is_esp8266)
    {
      /* The ESP8266 ROM's erase-size bug: given E
       * sectors starting at sector S it erases E + min (E, H) sectors,
       * H being the sectors up to the next 64 KiB boundary. Hosts send
       * a compensated E so that this comes out right. */
      guint64 e = (erase_size + SECTOR_SIZE - 1) / SECTOR_SIZE;
      guint64 s = offset / SECTOR_SIZE;
      guint64 h = 16 - (s % 16);

      start = s * SECTOR_SIZE;
      end = start + (e + MIN (e, h)) * SECTOR_SIZE;
    }
  else
    {
      start = offset & ~(SECTOR_SIZE - 1);
      end = ((guint64) offset + erase_size + SECTOR_SIZE - 1) & ~(guint64) (SECTOR_SIZE - 1);
      if (end > self->rom_flash_size)
        return FALSE;
    }

  end = MIN (end, _sf_sim_flash_get_size (self->flash));
  if (start >= end)
    return FALSE;
  /* The ROM erases the whole range before it answers. */
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                       _sf_sim_timing_erase_range_us (self->timing, start, end - start),
                                       TRUE);
  return _sf_sim_flash_erase (self->flash, start, end - start);
}

static void
handle_begin (SfSimRom     *self,
              GByteArray   *out,
              guint8        opcode,
              const guint8 *payload,
              gsize         size)
{
  /* S2 and later ROMs take a 5th "encrypted" word, ESP8266/ESP32 ROMs
   * only the 16-byte form. */
  gsize expected = (self->chip->is_esp8266 || self->chip->is_esp32) ? 16 : 20;
  guint32 erase_size, blocks, block_size, offset;

  if (size != expected)
    {
      reply_error (self, out, opcode, ERR_MALFORMED);
      return;
    }

  erase_size = _sf_sim_get_le32 (payload);
  blocks = _sf_sim_get_le32 (payload + 4);
  block_size = _sf_sim_get_le32 (payload + 8);
  offset = _sf_sim_get_le32 (payload + 12);

  if (expected == 20 && _sf_sim_get_le32 (payload + 16) != 0)
    {
      /* No flash encryption on the simulated chips. */
      reply_error (self, out, opcode, ERR_INVALID_PARAM);
      return;
    }

  if (needs_attach (self, out, opcode))
    return;

  end_download (self);

  if (!erase_for_begin (self, erase_size, offset))
    {
      reply_error (self, out, opcode, ERR_FLASH_WRITE);
      return;
    }

  self->download = opcode == SF_SIM_OP_FLASH_BEGIN ? DOWNLOAD_FLASH : DOWNLOAD_DEFLATE;
  self->dl_size = erase_size;
  self->dl_blocks = blocks;
  self->dl_block_size = block_size;
  self->dl_offset = offset;
  self->dl_next_seq = 0;
  self->dl_written = 0;
  self->dl_stream_end = FALSE;

  if (self->download == DOWNLOAD_DEFLATE)
    {
      memset (&self->zs, 0, sizeof self->zs);
      /* esptool sends a zlib stream with header and Adler-32, not raw
       * deflate. */
      if (inflateInit (&self->zs) != Z_OK)
        {
          self->download = DOWNLOAD_NONE;
          reply_error (self, out, opcode, ERR_INFLATE);
          return;
        }
      self->zs_active = TRUE;
    }

  reply_ok (self, out, opcode);
}

/* Checks the hdr16 + data layout, the checksum and the sequence number
 * shared by FLASH_DATA, FLASH_DEFL_DATA and MEM_DATA. */
static gboolean
check_data_block (SfSimRom      *self,
                  GByteArray    *out,
                  guint8         opcode,
                  const guint8  *payload,
                  gsize          size,
                  guint32        checksum,
                  const guint8 **out_data,
                  guint32       *out_length,
                  guint32       *out_seq)
{
  guint32 length, seq;

  if (size < 16 || _sf_sim_get_le32 (payload) != size - 16)
    {
      reply_error (self, out, opcode, ERR_MALFORMED);
      return FALSE;
    }
  length = _sf_sim_get_le32 (payload);
  seq = _sf_sim_get_le32 (payload + 4);

  if (_sf_sim_checksum (payload + 16, length) != (checksum & 0xFF))
    {
      reply_error (self, out, opcode, ERR_CHECKSUM);
      return FALSE;
    }

  *out_data = payload + 16;
  *out_length = length;
  *out_seq = seq;
  return TRUE;
}

static void
maybe_corrupt (SfSimRom *self,
               guint32   address)
{
  if (self->corrupt_countdown < 0)
    return;
  if (self->corrupt_countdown == 0)
    _sf_sim_flash_flip_bit (self->flash, address);
  self->corrupt_countdown--;
}

static void
handle_flash_data (SfSimRom     *self,
                   GByteArray   *out,
                   const guint8 *payload,
                   gsize         size,
                   guint32       checksum)
{
  const guint8 *data;
  guint32 length, seq;
  guint64 address;

  if (self->download != DOWNLOAD_FLASH)
    {
      reply_error (self, out, SF_SIM_OP_FLASH_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, SF_SIM_OP_FLASH_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  /* The ROM expects exactly block_size bytes per block, the last one
   * padded, and no more blocks than announced. A retried block (same seq
   * again after a lost reply) is simply programmed again, which NOR flash
   * tolerates. */
  if (length != self->dl_block_size || seq > self->dl_next_seq || seq >= self->dl_blocks)
    {
      reply_error (self, out, SF_SIM_OP_FLASH_DATA, ERR_INVALID_PARAM);
      return;
    }

  address = (guint64) self->dl_offset + (guint64) seq * self->dl_block_size;
  if (address + length > _sf_sim_flash_get_size (self->flash) ||
      !_sf_sim_flash_program (self->flash, address, data, length))
    {
      reply_error (self, out, SF_SIM_OP_FLASH_DATA, ERR_FLASH_WRITE);
      return;
    }
  maybe_corrupt (self, address);
  /* …and programs the block before it answers. */
  self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                       _sf_sim_timing_program_us (self->timing, address, length),
                                       TRUE);

  if (seq == self->dl_next_seq)
    self->dl_next_seq++;
  reply_ok (self, out, SF_SIM_OP_FLASH_DATA);
}

static void
handle_defl_data (SfSimRom     *self,
                  GByteArray   *out,
                  const guint8 *payload,
                  gsize         size,
                  guint32       checksum)
{
  const guint8 *data;
  guint32 length, seq;
  guint8 buffer[16 * 1024];
  gboolean corrupt_this = FALSE;
  guint32 first_address = self->dl_offset + self->dl_written;

  if (self->download != DOWNLOAD_DEFLATE)
    {
      reply_error (self, out, SF_SIM_OP_FLASH_DEFL_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, SF_SIM_OP_FLASH_DEFL_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  /* The stream can't be rewound: a repeated block was already consumed. */
  if (seq + 1 == self->dl_next_seq)
    {
      reply_ok (self, out, SF_SIM_OP_FLASH_DEFL_DATA);
      return;
    }
  if (seq != self->dl_next_seq || seq >= self->dl_blocks || length > self->dl_block_size)
    {
      reply_error (self, out, SF_SIM_OP_FLASH_DEFL_DATA, ERR_INVALID_PARAM);
      return;
    }

  self->zs.next_in = (Bytef *) data;
  self->zs.avail_in = length;
  /* Go on while there is input, or while the output buffer came back full
   * (then zlib may hold more output for us even with no input left). */
  for (gboolean full = FALSE; (self->zs.avail_in > 0 || full) && !self->dl_stream_end;)
    {
      int ret;
      gsize produced;

      self->zs.next_out = buffer;
      self->zs.avail_out = sizeof buffer;
      ret = inflate (&self->zs, Z_NO_FLUSH);
      produced = sizeof buffer - self->zs.avail_out;

      /* Z_BUF_ERROR only means "no progress possible": wait for input. */
      if (ret == Z_BUF_ERROR && produced == 0)
        break;
      if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
        {
          guint8 error = ERR_INFLATE;

          if (ret == Z_DATA_ERROR && self->zs.msg != NULL &&
              strstr (self->zs.msg, "incorrect data check") != NULL)
            error = ERR_INFLATE_ADLER;
          end_download (self);
          reply_error (self, out, SF_SIM_OP_FLASH_DEFL_DATA, error);
          return;
        }

      if (produced > 0)
        {
          guint64 address = (guint64) self->dl_offset + self->dl_written;

          if (self->dl_written + produced > self->dl_size ||
              !_sf_sim_flash_program (self->flash, address, buffer, produced))
            {
              end_download (self);
              reply_error (self, out, SF_SIM_OP_FLASH_DEFL_DATA, ERR_FLASH_WRITE);
              return;
            }
          self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                               _sf_sim_timing_program_us (self->timing, address, produced),
                                               TRUE);
          self->dl_written += produced;
          corrupt_this = TRUE;
        }

      if (ret == Z_STREAM_END)
        self->dl_stream_end = TRUE;
      full = produced == sizeof buffer;
    }

  if (corrupt_this)
    maybe_corrupt (self, first_address);
  else if (self->corrupt_countdown > 0)
    self->corrupt_countdown--;

  self->dl_next_seq++;
  reply_ok (self, out, SF_SIM_OP_FLASH_DEFL_DATA);
}

static void
handle_mem_data (SfSimRom     *self,
                 GByteArray   *out,
                 const guint8 *payload,
                 gsize         size,
                 guint32       checksum)
{
  const guint8 *data;
  guint32 length, seq;
  guint64 end;

  if (self->download != DOWNLOAD_MEM)
    {
      reply_error (self, out, SF_SIM_OP_MEM_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, SF_SIM_OP_MEM_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  end = (guint64) seq * self->dl_block_size + length;
  if (seq > self->dl_next_seq || length > self->dl_block_size || end > self->dl_size)
    {
      reply_error (self, out, SF_SIM_OP_MEM_DATA, ERR_INVALID_PARAM);
      return;
    }
  if (self->ram->len < end)
    g_byte_array_set_size (self->ram, end);
  if (self->segments->len > 0)
    {
      SfSimSegment *segment = &g_array_index (self->segments, SfSimSegment, self->segments->len - 1);

      segment->loaded = MAX (segment->loaded, (guint32) end);
    }
  memcpy (self->ram->data + (gsize) seq * self->dl_block_size, data, length);
  if (seq == self->dl_next_seq)
    self->dl_next_seq++;
  reply_ok (self, out, SF_SIM_OP_MEM_DATA);
}

/* --- Dispatch ----------------------------------------------------------- */

static gboolean
is_sync_payload (const guint8 *payload,
                 gsize         size)
{
  static const guint8 head[4] = { 0x07, 0x07, 0x12, 0x20 };

  if (size != 36 || memcmp (payload, head, 4) != 0)
    return FALSE;
  for (gsize i = 4; i < 36; i++)
    if (payload[i] != 0x55)
      return FALSE;
  return TRUE;
}

static SfSimRomResult
dispatch (SfSimRom     *self,
          const guint8 *frame,
          gsize         length,
          GByteArray   *out)
{
  const guint8 *payload;
  guint8 opcode;
  guint16 size;
  guint32 checksum;

  /* Anything not shaped like a request is line noise to a ROM. */
  if (length < 8 || frame[0] != 0x00)
    return SF_SIM_ROM_IGNORED;
  opcode = frame[1];
  size = frame[2] | (frame[3] << 8);
  checksum = _sf_sim_get_le32 (frame + 4);
  payload = frame + 8;
  if (size != length - 8)
    return SF_SIM_ROM_IGNORED;

  if (opcode == SF_SIM_OP_SYNC)
    {
      /* The 0x55 run is what the ROM's auto-baud measures; without it
       * nothing is recognised. */
      if (!is_sync_payload (payload, size))
        return SF_SIM_ROM_IGNORED;
      self->synced = TRUE;
      for (int i = 0; i < 8; i++)
        reply (self, out, SF_SIM_OP_SYNC, SYNC_VALUE, NULL, 0, 0, 0);
      return SF_SIM_ROM_ANSWERED;
    }

  /* After power-on (or after FLASH_END) the UART has not locked on to the
   * host's baud rate until a SYNC arrives. */
  if (!self->synced)
    return SF_SIM_ROM_IGNORED;

  if (!_sf_sim_chip_supports (self->chip, opcode))
    {
      reply_error (self, out, opcode, ERR_MALFORMED);
      return SF_SIM_ROM_ANSWERED;
    }

  switch (opcode)
    {
    case SF_SIM_OP_READ_REG:
      if (size != 4)
        reply_error (self, out, opcode, ERR_MALFORMED);
      else
        reply (self, out, opcode, _sf_sim_regs_read (self->regs, _sf_sim_get_le32 (payload)), NULL, 0, 0, 0);
      break;

    case SF_SIM_OP_WRITE_REG:
      if (size == 0 || size % 16 != 0)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      for (gsize i = 0; i < size; i += 16)
        _sf_sim_regs_write (self->regs, _sf_sim_get_le32 (payload + i), _sf_sim_get_le32 (payload + i + 4),
                   _sf_sim_get_le32 (payload + i + 8));
      reply_ok (self, out, opcode);
      break;

    case SF_SIM_OP_SPI_SET_PARAMS:
      if (size != 24)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->rom_flash_size = _sf_sim_get_le32 (payload + 4);
      reply_ok (self, out, opcode);
      break;

    case SF_SIM_OP_SPI_ATTACH:
      /* ROMs take [config, 0]; the 4-byte stub form is refused. */
      if (size != 8)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->attached = TRUE;
      reply_ok (self, out, opcode);
      break;

    case SF_SIM_OP_FLASH_BEGIN:
    case SF_SIM_OP_FLASH_DEFL_BEGIN:
      handle_begin (self, out, opcode, payload, size);
      /* FLASH_BEGIN is how the ESP8266 ROM attaches the flash. */
      if (self->chip->is_esp8266)
        self->attached = TRUE;
      break;

    case SF_SIM_OP_FLASH_DATA:
      handle_flash_data (self, out, payload, size, checksum);
      break;

    case SF_SIM_OP_FLASH_DEFL_DATA:
      handle_defl_data (self, out, payload, size, checksum);
      break;

    case SF_SIM_OP_FLASH_END:
    case SF_SIM_OP_FLASH_DEFL_END:
      if (size != 4)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      /* Reply, then leave download mode: flag 0 reboots, 1 runs the app.
       * A pty has no reset lines to bring the chip back, so we stand in
       * for "the user reset it into the loader again": silence until the
       * next SYNC. */
      reply_ok (self, out, opcode);
      reboot (self);
      break;

    case SF_SIM_OP_MEM_BEGIN:
      if (size != 16)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      end_download (self);
      self->download = DOWNLOAD_MEM;
      self->dl_size = _sf_sim_get_le32 (payload);
      self->dl_blocks = _sf_sim_get_le32 (payload + 4);
      self->dl_block_size = _sf_sim_get_le32 (payload + 8);
      self->dl_offset = _sf_sim_get_le32 (payload + 12);
      self->dl_next_seq = 0;
      g_byte_array_set_size (self->ram, 0);
      g_array_append_val (self->segments, ((SfSimSegment) { self->dl_offset, 0 }));
      reply_ok (self, out, opcode);
      break;

    case SF_SIM_OP_MEM_DATA:
      handle_mem_data (self, out, payload, size, checksum);
      break;

    case SF_SIM_OP_MEM_END:
      if (size != 8)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      /* Stay flag 0 jumps to the entry point. Code we never saw loaded
       * can't be simulated, so then we answer and go on being the ROM;
       * code loaded there is taken to be a flasher stub, which the
       * device starts once this reply is out. */
      end_download (self);
      reply_ok (self, out, opcode);
      if (_sf_sim_get_le32 (payload) == 0 &&
          _sf_sim_segments_cover (self->segments, _sf_sim_get_le32 (payload + 4)) &&
          !refuses_to_run (self))
        return SF_SIM_ROM_RUN_STUB;
      break;

    case SF_SIM_OP_SPI_FLASH_MD5:
      {
        guint8 digest[16];
        char hex[33];
        guint32 md5_length;

        if (size != 16)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        md5_length = _sf_sim_get_le32 (payload + 4);
        if (needs_attach (self, out, opcode))
          break;
        if (!_sf_sim_flash_md5 (self->flash, _sf_sim_get_le32 (payload), md5_length, digest))
          {
            reply_error (self, out, opcode, ERR_FLASH_READ);
            break;
          }
        self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                             _sf_sim_timing_read_us (self->timing, md5_length), TRUE);
        /* ROMs answer in ASCII hex, the stub in raw bytes. */
        for (guint i = 0; i < 16; i++)
          g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
        reply (self, out, opcode, 0, (const guint8 *) hex, 32, 0, 0);
      }
      break;

    case SF_SIM_OP_READ_FLASH_SLOW:
      {
        guint8 block[64];
        guint32 offset, count;

        if (size != 8)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        /* It reads through a function pointer in RAM: one a host moved
         * into code it loaded runs that code instead (no reply). */
        if (self->chip->rom_read_func_ptr != 0 &&
            _sf_sim_segments_cover (self->segments, _sf_sim_regs_read (self->regs, self->chip->rom_read_func_ptr)))
          return SF_SIM_ROM_RUN_STUB;
        if (needs_attach (self, out, opcode))
          break;
        offset = _sf_sim_get_le32 (payload);
        count = _sf_sim_get_le32 (payload + 4);
        if (count > 64)
          {
            reply_error (self, out, opcode, ERR_READ_LENGTH);
            break;
          }
        /* Always 64 bytes on the wire; past @count the ROM's buffer holds
         * whatever, zeros here (never what the flash holds, so a host that
         * keeps too much is caught). */
        memset (block, 0, sizeof block);
        if (!_sf_sim_flash_read (self->flash, offset, block, count))
          {
            reply_error (self, out, opcode, ERR_FLASH_READ);
            break;
          }
        self->now_us = _sf_sim_timing_flash (self->timing, self->now_us,
                                             _sf_sim_timing_read_us (self->timing, count), TRUE);
        reply (self, out, opcode, 0, block, 64, 0, 0);
      }
      break;

    case SF_SIM_OP_CHANGE_BAUDRATE:
      if (size != 8 || _sf_sim_get_le32 (payload) == 0)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->rom_baud = rom_uart_rate (self, _sf_sim_get_le32 (payload));
      reply_ok (self, out, opcode);
      /* It switches once the reply is out. */
      _sf_sim_regs_switch_uart (self->regs, self->rom_baud);
      break;

    case SF_SIM_OP_GET_SECURITY_INFO:
      {
        guint8 info[20];

        if (size != 0)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        _sf_sim_regs_security_info (self->regs, info);
        reply (self, out, opcode, 0, info, self->chip->security_info_length, 0, 0);
      }
      break;

    default:
      reply_error (self, out, opcode, ERR_MALFORMED);
      break;
    }

  return SF_SIM_ROM_ANSWERED;
}

SfSimRomResult
_sf_sim_rom_handle_frame (SfSimRom     *self,
                          const guint8 *frame,
                          gsize         length,
                          gint64        arrival_us,
                          GByteArray   *out,
                          gint64       *out_ready_us)
{
  SfSimRomResult result;

  /* The ROM does everything before it answers: erase on FLASH_BEGIN,
   * programming on each data block, reading for MD5. */
  self->now_us = _sf_sim_timing_begin (self->timing, arrival_us);
  result = dispatch (self, frame, length, out);
  if (result != SF_SIM_ROM_IGNORED)
    _sf_sim_timing_end (self->timing, self->now_us);
  *out_ready_us = self->now_us;
  return result;
}
