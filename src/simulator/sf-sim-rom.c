/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-rom"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sf-sim-rom-private.h"
#include "sf-sim-slip-private.h"

/* Opcodes (protocol.md §2.1). */
enum
{
  OP_FLASH_BEGIN       = 0x02,
  OP_FLASH_DATA        = 0x03,
  OP_FLASH_END         = 0x04,
  OP_MEM_BEGIN         = 0x05,
  OP_MEM_END           = 0x06,
  OP_MEM_DATA          = 0x07,
  OP_SYNC              = 0x08,
  OP_WRITE_REG         = 0x09,
  OP_READ_REG          = 0x0A,
  OP_SPI_SET_PARAMS    = 0x0B,
  OP_SPI_ATTACH        = 0x0D,
  OP_READ_FLASH_SLOW   = 0x0E,
  OP_CHANGE_BAUDRATE   = 0x0F,
  OP_FLASH_DEFL_BEGIN  = 0x10,
  OP_FLASH_DEFL_DATA   = 0x11,
  OP_FLASH_DEFL_END    = 0x12,
  OP_SPI_FLASH_MD5     = 0x13,
  OP_GET_SECURITY_INFO = 0x14,
};

/* ROM error codes (protocol.md §1.4), sent after status byte 0x01. */
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

#define SECTOR_SIZE    0x1000u
#define SYNC_VALUE     0x20120707u
#define SPI_CMD_USR    (1u << 18)
#define SPI_USR_ADDR   (1u << 30)
#define SPI_USR_MISO   (1u << 28)
#define SPI_USR_MOSI   (1u << 27)

/* Until SPI_SET_PARAMS says otherwise the ESP32-family ROMs believe the
 * flash has 2 MB and refuse to erase past it (protocol.md §5.4). */
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
  GHashTable      *registers;

  gboolean         synced;
  gboolean         attached;
  guint32          rom_flash_size;
  guint            line_baud;
  guint            rom_baud;
  gboolean         flash_wel;

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

  gint             corrupt_countdown;
};

static inline guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline void
put_le32 (guint8  *p,
          guint32  v)
{
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
  p[2] = (v >> 16) & 0xFF;
  p[3] = (v >> 24) & 0xFF;
}

SfSimRom *
_sf_sim_rom_new (const SfSimChip *chip,
                 SfSimFlash      *flash)
{
  SfSimRom *self = g_new0 (SfSimRom, 1);

  self->chip = chip;
  self->flash = flash;
  self->registers = g_hash_table_new (NULL, NULL);
  self->ram = g_byte_array_new ();
  self->line_baud = 115200;
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
  g_hash_table_unref (self->registers);
  g_byte_array_unref (self->ram);
  g_free (self);
}

void
_sf_sim_rom_set_line_baud (SfSimRom *self,
                           guint     baud)
{
  if (baud > 0)
    self->line_baud = baud;
}

void
_sf_sim_rom_arm_corruption (SfSimRom *self,
                            gint      index)
{
  self->corrupt_countdown = index;
}

gboolean
_sf_sim_rom_needs_sync (SfSimRom *self)
{
  return !self->synced;
}

/* What a reset does to the loader's state. Registers we emulate are mostly
 * eFuses and ROM words, so they are kept. */
static void
reboot (SfSimRom *self)
{
  end_download (self);
  self->synced = FALSE;
  self->attached = FALSE;
  self->rom_flash_size = ROM_DEFAULT_FLASH_SIZE;
  self->rom_baud = 115200;
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
  put_le32 (buf + 4, value);
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

static guint8
data_checksum (const guint8 *data,
               gsize         length)
{
  guint8 sum = 0xEF;

  for (gsize i = 0; i < length; i++)
    sum ^= data[i];
  return sum;
}

/* --- Registers and the SPI flash controller --------------------------- */

typedef struct
{
  guint32  usr, usr1, usr2, mosi_dlen, miso_dlen, w0;
  gboolean addr_msb;
} SpiLayout;

static void
spi_layout (const SfSimChip *chip,
            SpiLayout       *l)
{
  switch (chip->spi_layout)
    {
    case SF_SIM_SPI_LAYOUT_ESP8266:
      *l = (SpiLayout) { 0x1C, 0x20, 0x24, 0, 0, 0x40, TRUE };
      break;
    case SF_SIM_SPI_LAYOUT_ESP32:
      *l = (SpiLayout) { 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80, TRUE };
      break;
    case SF_SIM_SPI_LAYOUT_NEW:
    default:
      *l = (SpiLayout) { 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, FALSE };
      break;
    }
}

static guint32
reg_read (SfSimRom *self,
          guint32   address)
{
  gpointer value;
  guint32 def;

  if (address == self->chip->uart_clkdiv_reg)
    {
      /* The ROM's auto-baud set the divider for the rate the host uses;
       * esptool derives the crystal from it (protocol.md §4). */
      guint64 uart_clock = (guint64) self->chip->xtal_mhz * 1000000 * self->chip->uart_clock_factor;
      return (guint32) ((uart_clock + self->line_baud / 2) / self->line_baud) & 0xFFFFF;
    }

  if (g_hash_table_lookup_extended (self->registers, GUINT_TO_POINTER (address), NULL, &value))
    return GPOINTER_TO_UINT (value);
  if (_sf_sim_chip_read_default (self->chip, address, &def))
    return def;
  return 0;
}

static void
reg_store (SfSimRom *self,
           guint32   address,
           guint32   value)
{
  g_hash_table_insert (self->registers, GUINT_TO_POINTER (address), GUINT_TO_POINTER (value));
}

static guint32
jedec_id (SfSimRom *self)
{
  gsize size = _sf_sim_flash_get_size (self->flash);
  guint capacity = 0;

  while (((gsize) 1 << capacity) < size)
    capacity++;
  /* Winbond (0xEF), W25Q type 0x40, capacity = log2 (bytes). */
  return 0xEF | (0x40 << 8) | (capacity << 16);
}

static void
spi_execute (SfSimRom *self)
{
  const guint32 base = self->chip->spi_base;
  SpiLayout l;
  guint32 usr, usr1, usr2, opcode, address, w[16] = { 0 };
  guint miso_bits = 0, addr_bits = 0, mosi_bits = 0;

  spi_layout (self->chip, &l);
  usr = reg_read (self, base + l.usr);
  usr1 = reg_read (self, base + l.usr1);
  usr2 = reg_read (self, base + l.usr2);
  opcode = usr2 & 0xFF;
  address = reg_read (self, base + 0x04);

  if (self->chip->spi_layout == SF_SIM_SPI_LAYOUT_ESP8266)
    {
      /* The ESP8266 keeps the data lengths in USR1 (protocol.md §5.2). */
      if (usr & SPI_USR_MISO)
        miso_bits = ((usr1 >> 8) & 0x1FF) + 1;
      if (usr & SPI_USR_MOSI)
        mosi_bits = ((usr1 >> 17) & 0x1FF) + 1;
    }
  else
    {
      if (usr & SPI_USR_MISO)
        miso_bits = (reg_read (self, base + l.miso_dlen) & 0x3FFFF) + 1;
      if (usr & SPI_USR_MOSI)
        mosi_bits = (reg_read (self, base + l.mosi_dlen) & 0x3FFFF) + 1;
    }

  if (usr & SPI_USR_ADDR)
    {
      addr_bits = ((usr1 >> 26) & 0x3F) + 1;
      if (self->chip->spi_layout == SF_SIM_SPI_LAYOUT_ESP8266 && ((usr1 >> 26) & 0x3F) == 0)
        addr_bits = 24;
      if (l.addr_msb && addr_bits < 32)
        address >>= 32 - addr_bits;
    }

  for (guint i = 0; i < 16; i++)
    w[i] = reg_read (self, base + l.w0 + 4 * i);

  switch (opcode)
    {
    case 0x9F: /* RDID */
      w[0] = jedec_id (self);
      break;

    case 0x05: /* RDSR */
      w[0] = self->flash_wel ? 0x02 : 0x00;
      break;

    case 0x35: /* RDSR2 */
    case 0x15: /* RDSR3 */
      w[0] = 0;
      break;

    case 0x03: /* READ */
    case 0x0B: /* FAST_READ (dummy cycles don't matter here) */
      {
        guint8 bytes[64];
        gsize n = MIN ((miso_bits + 7) / 8, sizeof bytes);

        memset (bytes, 0xFF, sizeof bytes);
        if (n > 0 && _sf_sim_flash_read (self->flash, address, bytes, n))
          {
            memset (w, 0, sizeof w);
            /* The controller puts the first byte received in W0's low byte. */
            for (gsize i = 0; i < n; i++)
              w[i / 4] |= (guint32) bytes[i] << (8 * (i % 4));
          }
      }
      break;

    case 0x06: /* WREN */
      self->flash_wel = TRUE;
      break;

    case 0x04: /* WRDI */
      self->flash_wel = FALSE;
      break;

    case 0x20: /* sector erase */
    case 0x52: /* 32 KiB block erase */
    case 0xD8: /* 64 KiB block erase */
      if (self->flash_wel)
        {
          guint32 span = opcode == 0x20 ? 0x1000 : opcode == 0x52 ? 0x8000 : 0x10000;

          _sf_sim_flash_erase (self->flash, address & ~(span - 1), span);
        }
      self->flash_wel = FALSE;
      break;

    case 0x60: /* chip erase */
    case 0xC7:
      if (self->flash_wel)
        _sf_sim_flash_erase (self->flash, 0, _sf_sim_flash_get_size (self->flash));
      self->flash_wel = FALSE;
      break;

    case 0x02: /* page program, data from W0… */
      if (self->flash_wel && mosi_bits >= 8)
        {
          guint8 bytes[64];
          gsize n = MIN (mosi_bits / 8, sizeof bytes);

          for (gsize i = 0; i < n; i++)
            bytes[i] = (w[i / 4] >> (8 * (i % 4))) & 0xFF;
          _sf_sim_flash_program (self->flash, address, bytes, n);
        }
      self->flash_wel = FALSE;
      break;

    default:
      /* 0x66/0x99 reset, 0x01 WRSR, 0x5A SFDP, …: nothing to model. */
      break;
    }

  for (guint i = 0; i < 16; i++)
    reg_store (self, base + l.w0 + 4 * i, w[i]);
}

static void
reg_write (SfSimRom *self,
           guint32   address,
           guint32   value,
           guint32   mask)
{
  guint32 next;

  /* esptool uses a masked write to the UART date register as a pure
   * delay; the register is read-only. */
  if (address == self->chip->uart_date_reg)
    return;

  next = (value & mask) | (reg_read (self, address) & ~mask);
  if (address == self->chip->spi_base && (next & SPI_CMD_USR))
    {
      spi_execute (self);
      /* The command is done before anyone can read the register again. */
      next &= ~SPI_CMD_USR;
    }
  reg_store (self, address, next);
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
      /* The ESP8266 ROM's erase-size bug (protocol.md §3.5): given E
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
   * only the 16-byte form (protocol.md §2.2). */
  gsize expected = (self->chip->is_esp8266 || self->chip->is_esp32) ? 16 : 20;
  guint32 erase_size, blocks, block_size, offset;

  if (size != expected)
    {
      reply_error (self, out, opcode, ERR_MALFORMED);
      return;
    }

  erase_size = get_le32 (payload);
  blocks = get_le32 (payload + 4);
  block_size = get_le32 (payload + 8);
  offset = get_le32 (payload + 12);

  if (expected == 20 && get_le32 (payload + 16) != 0)
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

  self->download = opcode == OP_FLASH_BEGIN ? DOWNLOAD_FLASH : DOWNLOAD_DEFLATE;
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
       * deflate (protocol.md §9). */
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

  if (size < 16 || get_le32 (payload) != size - 16)
    {
      reply_error (self, out, opcode, ERR_MALFORMED);
      return FALSE;
    }
  length = get_le32 (payload);
  seq = get_le32 (payload + 4);

  if (data_checksum (payload + 16, length) != (checksum & 0xFF))
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
      reply_error (self, out, OP_FLASH_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, OP_FLASH_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  /* The ROM expects exactly block_size bytes per block, the last one
   * padded, and no more blocks than announced. A retried block (same seq
   * again after a lost reply) is simply programmed again, which NOR flash
   * tolerates. */
  if (length != self->dl_block_size || seq > self->dl_next_seq || seq >= self->dl_blocks)
    {
      reply_error (self, out, OP_FLASH_DATA, ERR_INVALID_PARAM);
      return;
    }

  address = (guint64) self->dl_offset + (guint64) seq * self->dl_block_size;
  if (address + length > _sf_sim_flash_get_size (self->flash) ||
      !_sf_sim_flash_program (self->flash, address, data, length))
    {
      reply_error (self, out, OP_FLASH_DATA, ERR_FLASH_WRITE);
      return;
    }
  maybe_corrupt (self, address);

  if (seq == self->dl_next_seq)
    self->dl_next_seq++;
  reply_ok (self, out, OP_FLASH_DATA);
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
      reply_error (self, out, OP_FLASH_DEFL_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, OP_FLASH_DEFL_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  /* The stream can't be rewound: a repeated block was already consumed. */
  if (seq + 1 == self->dl_next_seq)
    {
      reply_ok (self, out, OP_FLASH_DEFL_DATA);
      return;
    }
  if (seq != self->dl_next_seq || seq >= self->dl_blocks || length > self->dl_block_size)
    {
      reply_error (self, out, OP_FLASH_DEFL_DATA, ERR_INVALID_PARAM);
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
          reply_error (self, out, OP_FLASH_DEFL_DATA, error);
          return;
        }

      if (produced > 0)
        {
          guint64 address = (guint64) self->dl_offset + self->dl_written;

          if (self->dl_written + produced > self->dl_size ||
              !_sf_sim_flash_program (self->flash, address, buffer, produced))
            {
              end_download (self);
              reply_error (self, out, OP_FLASH_DEFL_DATA, ERR_FLASH_WRITE);
              return;
            }
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
  reply_ok (self, out, OP_FLASH_DEFL_DATA);
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
      reply_error (self, out, OP_MEM_DATA, ERR_RESULT_WRONG);
      return;
    }
  if (!check_data_block (self, out, OP_MEM_DATA, payload, size, checksum, &data, &length, &seq))
    return;

  end = (guint64) seq * self->dl_block_size + length;
  if (seq > self->dl_next_seq || length > self->dl_block_size || end > self->dl_size)
    {
      reply_error (self, out, OP_MEM_DATA, ERR_INVALID_PARAM);
      return;
    }
  if (self->ram->len < end)
    g_byte_array_set_size (self->ram, end);
  memcpy (self->ram->data + (gsize) seq * self->dl_block_size, data, length);
  if (seq == self->dl_next_seq)
    self->dl_next_seq++;
  reply_ok (self, out, OP_MEM_DATA);
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

SfSimRomResult
_sf_sim_rom_handle_frame (SfSimRom     *self,
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
  checksum = get_le32 (frame + 4);
  payload = frame + 8;
  if (size != length - 8)
    return SF_SIM_ROM_IGNORED;

  if (opcode == OP_SYNC)
    {
      /* The 0x55 run is what the ROM's auto-baud measures; without it
       * nothing is recognised. */
      if (!is_sync_payload (payload, size))
        return SF_SIM_ROM_IGNORED;
      self->synced = TRUE;
      for (int i = 0; i < 8; i++)
        reply (self, out, OP_SYNC, SYNC_VALUE, NULL, 0, 0, 0);
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
    case OP_READ_REG:
      if (size != 4)
        reply_error (self, out, opcode, ERR_MALFORMED);
      else
        reply (self, out, opcode, reg_read (self, get_le32 (payload)), NULL, 0, 0, 0);
      break;

    case OP_WRITE_REG:
      if (size == 0 || size % 16 != 0)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      for (gsize i = 0; i < size; i += 16)
        reg_write (self, get_le32 (payload + i), get_le32 (payload + i + 4),
                   get_le32 (payload + i + 8));
      reply_ok (self, out, opcode);
      break;

    case OP_SPI_SET_PARAMS:
      if (size != 24)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->rom_flash_size = get_le32 (payload + 4);
      reply_ok (self, out, opcode);
      break;

    case OP_SPI_ATTACH:
      /* ROMs take [config, 0]; the 4-byte stub form is refused. */
      if (size != 8)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->attached = TRUE;
      reply_ok (self, out, opcode);
      break;

    case OP_FLASH_BEGIN:
    case OP_FLASH_DEFL_BEGIN:
      handle_begin (self, out, opcode, payload, size);
      /* FLASH_BEGIN is how the ESP8266 ROM attaches the flash. */
      if (self->chip->is_esp8266)
        self->attached = TRUE;
      break;

    case OP_FLASH_DATA:
      handle_flash_data (self, out, payload, size, checksum);
      break;

    case OP_FLASH_DEFL_DATA:
      handle_defl_data (self, out, payload, size, checksum);
      break;

    case OP_FLASH_END:
    case OP_FLASH_DEFL_END:
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

    case OP_MEM_BEGIN:
      if (size != 16)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      end_download (self);
      self->download = DOWNLOAD_MEM;
      self->dl_size = get_le32 (payload);
      self->dl_blocks = get_le32 (payload + 4);
      self->dl_block_size = get_le32 (payload + 8);
      self->dl_offset = get_le32 (payload + 12);
      self->dl_next_seq = 0;
      g_byte_array_set_size (self->ram, 0);
      reply_ok (self, out, opcode);
      break;

    case OP_MEM_DATA:
      handle_mem_data (self, out, payload, size, checksum);
      break;

    case OP_MEM_END:
      if (size != 8)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      /* A real ROM would now jump to the entry point; we can't run the
       * code, so we answer and go on being the ROM. */
      end_download (self);
      reply_ok (self, out, opcode);
      break;

    case OP_SPI_FLASH_MD5:
      {
        char hex[33];

        if (size != 16)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        if (needs_attach (self, out, opcode))
          break;
        if (!_sf_sim_flash_md5 (self->flash, get_le32 (payload), get_le32 (payload + 4), hex))
          {
            reply_error (self, out, opcode, ERR_FLASH_READ);
            break;
          }
        /* ROMs answer in ASCII hex, the stub in raw bytes. */
        reply (self, out, opcode, 0, (const guint8 *) hex, 32, 0, 0);
      }
      break;

    case OP_READ_FLASH_SLOW:
      {
        guint8 block[64];
        guint32 offset, count;

        if (size != 8)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        if (needs_attach (self, out, opcode))
          break;
        offset = get_le32 (payload);
        count = get_le32 (payload + 4);
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
        reply (self, out, opcode, 0, block, 64, 0, 0);
      }
      break;

    case OP_CHANGE_BAUDRATE:
      if (size != 8 || get_le32 (payload) == 0)
        {
          reply_error (self, out, opcode, ERR_MALFORMED);
          break;
        }
      self->rom_baud = get_le32 (payload);
      reply_ok (self, out, opcode);
      break;

    case OP_GET_SECURITY_INFO:
      {
        guint8 info[20];

        if (size != 0)
          {
            reply_error (self, out, opcode, ERR_MALFORMED);
            break;
          }
        /* flags, flash_crypt_cnt, 7 key purposes: all zero (no security
         * features), then chip_id and ECO version where the ROM has them. */
        memset (info, 0, sizeof info);
        put_le32 (info + 12, self->chip->chip_id);
        put_le32 (info + 16, self->chip->eco_version);
        reply (self, out, opcode, 0, info, self->chip->security_info_length, 0, 0);
      }
      break;

    default:
      reply_error (self, out, opcode, ERR_MALFORMED);
      break;
    }

  return SF_SIM_ROM_ANSWERED;
}
