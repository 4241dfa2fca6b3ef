/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-rom-loader"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-loader-private.h"
#include "sf-protocol-error.h"

/* The loader in the chip's boot ROM: what answers after a reset into
 * download mode. It is small and differs from chip to chip (the chip
 * table says how), and the ESP8266's is the most limited of all. */

/* The ESP8266 ROM miscounts the erase size of FLASH_BEGIN: asked for E
 * sectors from a start that is not on a 64 KiB boundary it also erases
 * up to min (E, sectors to that boundary) more. This is what it must be
 * asked for so that it erases @size bytes at @offset. */
static guint32
esp8266_erase_size (guint32 offset,
                    guint32 size)
{
  guint32 sectors = (size + SF_FLASH_SECTOR_SIZE - 1) / SF_FLASH_SECTOR_SIZE;
  guint32 start = offset / SF_FLASH_SECTOR_SIZE;
  guint32 head = 16 - (start % 16);

  if (sectors < head)
    head = sectors;
  if (sectors < 2 * head)
    return (sectors + 1) / 2 * SF_FLASH_SECTOR_SIZE;
  return (sectors - head) * SF_FLASH_SECTOR_SIZE;
}

/* The compensated count above still erases one sector too many for an
 * odd number of sectors below two blocks' worth; callers keep it. */
static guint32
rom_overerase (SfLoader *self,
               guint32   offset,
               guint32   size)
{
  guint32 sectors, asked, to_boundary, erased;

  if (!self->chip->is_esp8266_family || size == 0)
    return 0;

  sectors = (size + SF_FLASH_SECTOR_SIZE - 1) / SF_FLASH_SECTOR_SIZE;
  asked = esp8266_erase_size (offset, size) / SF_FLASH_SECTOR_SIZE;
  to_boundary = 16 - (offset / SF_FLASH_SECTOR_SIZE) % 16;
  erased = asked + MIN (asked, to_boundary);
  return erased > sectors ? (erased - sectors) * SF_FLASH_SECTOR_SIZE : 0;
}

static gboolean
flash_begin (SfLoader  *self,
             SfOpcode   op,
             guint32    size,
             guint32    num_blocks,
             guint32    offset,
             guint      timeout_ms,
             GError   **error)
{
  guint8 payload[20];
  gsize length = 16;

  _sf_put_le32 (payload, self->chip->is_esp8266_family && op == SF_OP_FLASH_BEGIN
                         ? esp8266_erase_size (offset, size) : size);
  _sf_put_le32 (payload + 4, num_blocks);
  _sf_put_le32 (payload + 8, SF_ROM_WRITE_BLOCK);
  _sf_put_le32 (payload + 12, offset);
  if (self->chip->flash_begin_has_encrypt_word)
    {
      _sf_put_le32 (payload + 16, 0);
      length = 20;
    }
  return _sf_loader_command (self, op, payload, length, 0, timeout_ms, 0, NULL, NULL, error);
}

/* ESP32's ROM does not attach in-package flash by itself: it needs the SPI
 * pads that eFuse words 3 and 5 record. */
static gboolean
esp32_spi_pad_config (SfLoader  *self,
                      guint32   *out_config,
                      GError   **error)
{
  guint32 word3, word5, clk, q, d, cs, hd;

  if (!_sf_loader_read_reg_checked (self, self->chip->efuse_base + 0x0C, &word3, error) ||
      !_sf_loader_read_reg_checked (self, self->chip->efuse_base + 0x14, &word5, error))
    return FALSE;

  clk = word5 & 0x1F;
  q = (word5 >> 5) & 0x1F;
  d = (word5 >> 10) & 0x1F;
  cs = (word5 >> 15) & 0x1F;
  hd = (word3 >> 4) & 0x1F;
  if (clk == 0 && q == 0 && d == 0 && cs == 0 && hd == 0)
    *out_config = 0;
  else
    *out_config = clk | q << 6 | d << 12 | cs << 18 | hd << 24;
  return TRUE;
}

/* Attach the flash and tell the ROM its size: it otherwise assumes 2 MB
 * and refuses to go past it. The ESP8266 ROM attaches on an empty
 * FLASH_BEGIN instead. */
static gboolean
rom_attach_flash (SfLoader  *self,
                  guint32    flash_size,
                  GError   **error)
{
  guint8 attach[8] = { 0 };
  guint32 config = 0;

  if (!self->chip->needs_spi_attach)
    return flash_begin (self, SF_OP_FLASH_BEGIN, 0, 0, 0, SF_TIMEOUT_DEFAULT, error);

  if (self->chip->spi_pads_in_efuse && !esp32_spi_pad_config (self, &config, error))
    return FALSE;
  _sf_put_le32 (attach, config);
  return _sf_loader_command (self, SF_OP_SPI_ATTACH, attach, sizeof attach, 0,
                             0, 0, NULL, NULL, error) &&
         _sf_loader_spi_set_params (self, flash_size, error);
}

/* The value the ROM must be sent so that its UART ends up at @baud. */
static gboolean
rom_baud_value (SfLoader  *self,
                guint      baud,
                guint32   *out_value,
                GError   **error)
{
  switch (self->chip->rom_baud_quirk)
    {
    case SF_ROM_BAUD_ESP32_CALIBRATED:
      {
        guint32 cali, efuse4;
        double rom_xtal, real_xtal;

        /* The ROM derives its clock from the RTC calibration and an eFuse
         * value rather than from the real crystal. */
        if (!_sf_loader_read_reg_checked (self, 0x3FF5F06C, &cali, error) ||
            !_sf_loader_read_reg_checked (self, self->chip->efuse_base + 0x10, &efuse4, error))
          return FALSE;
        rom_xtal = ((cali >> 7) & 0x1FFFFFF) * 15625.0 * (efuse4 & 0xFF) / 40;
        real_xtal = rom_xtal > 33e6 ? 40e6 : 26e6;
        /* An unprogrammed calibration (reads 0) means nothing to correct. */
        *out_value = rom_xtal > 0 ? (guint32) (baud * rom_xtal / real_xtal) : baud;
        return TRUE;
      }

    case SF_ROM_BAUD_ASSUMES_40MHZ:
      {
        guint mhz;

        if (!_sf_loader_crystal_mhz (self, &mhz, error))
          return FALSE;
        *out_value = mhz == 26 ? baud * 40 / 26 : baud;
        return TRUE;
      }

    case SF_ROM_BAUD_EXACT:
    default:
      *out_value = baud;
      return TRUE;
    }
}

static gboolean
rom_change_baud (SfLoader  *self,
                 guint      baud,
                 GError   **error)
{
  guint8 payload[8];
  guint32 value;

  if (!rom_baud_value (self, baud, &value, error))
    return FALSE;
  /* The ROM takes no "old rate" word: it must be 0. */
  _sf_put_le32 (payload, value);
  _sf_put_le32 (payload + 4, 0);
  return _sf_loader_command (self, SF_OP_CHANGE_BAUDRATE, payload, sizeof payload, 0,
                             SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
}

static gboolean
rom_flash_md5 (SfLoader  *self,
               guint32    address,
               guint32    size,
               guint8     out_digest[16],
               GError   **error)
{
  g_autoptr(GBytes) result = NULL;
  const char *hex;
  guint8 payload[16];

  _sf_put_le32 (payload, address);
  _sf_put_le32 (payload + 4, size);
  _sf_put_le32 (payload + 8, 0);
  _sf_put_le32 (payload + 12, 0);
  /* The ROM answers in 32 hexadecimal digits. */
  if (!_sf_loader_command (self, SF_OP_SPI_FLASH_MD5, payload, sizeof payload, 0,
                           _sf_timeout_per_mb (SF_TIMEOUT_MD5_PER_MB, size), 32,
                           NULL, &result, error))
    return FALSE;

  hex = g_bytes_get_data (result, NULL);
  for (guint i = 0; i < 16; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        {
          g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                               _("The chip's MD5 reply was not hexadecimal."));
          return FALSE;
        }
      out_digest[i] = hi << 4 | lo;
    }
  return TRUE;
}

/* Up to 64 bytes: READ_FLASH_SLOW where the ROM has it, otherwise a SPI
 * READ through the user-command registers (the ESP8266 ROM). */
static gboolean
read_slow (SfLoader  *self,
           guint32    address,
           guint8    *out,
           guint      length,
           GError   **error)
{
  g_autoptr(GBytes) result = NULL;
  guint8 payload[8];

  g_assert (length <= SF_READ_SLOW_CHUNK);

  if (self->chip->rom_supports_read_slow)
    {
      _sf_put_le32 (payload, address);
      _sf_put_le32 (payload + 4, length);
      if (!_sf_loader_command (self, SF_OP_READ_FLASH_SLOW, payload, sizeof payload,
                               0, 0, SF_READ_SLOW_CHUNK, NULL, &result, error))
        return FALSE;
      memcpy (out, g_bytes_get_data (result, NULL), length);
      return TRUE;
    }

  return _sf_loader_spi_command (self, 0x03, address, 24, length * 8, out, error);
}

/* Checked end to end: by the ROM's MD5 of the same region where it has
 * one; the ESP8266 ROM, which has none, reads through the SPI registers,
 * each word until two reads agree (_sf_loader_spi_command()). An MD5
 * mismatch is a garbled read (BAD_RESPONSE), for the flasher to try again. */
static gboolean
rom_read_flash (SfLoader              *self,
                guint32                address,
                guint32                size,
                guint8                *out,
                SfLoaderReadProgress   progress,
                gpointer               progress_data,
                GError               **error)
{
  for (guint32 done = 0; done < size; done += SF_READ_SLOW_CHUNK)
    {
      guint length = MIN (SF_READ_SLOW_CHUNK, size - done);

      if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
        return FALSE;
      if (!read_slow (self, address + done, out + done, length, error))
        return FALSE;
      if (progress != NULL && (done % 1024) == 0)
        progress (done, progress_data);
    }

  if (self->caps.can_md5)
    {
      g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
      guint8 local[16], remote[16];
      gsize local_len = sizeof local;

      if (!rom_flash_md5 (self, address, size, remote, error))
        return FALSE;
      g_checksum_update (md5, out, size);
      g_checksum_get_digest (md5, local, &local_len);
      if (memcmp (local, remote, 16) != 0)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                       _("The flash data read at 0x%08x did not match its checksum; "
                         "it was garbled on the way."), address);
          return FALSE;
        }
    }
  return TRUE;
}

/* The ROM erases on FLASH_BEGIN; sending no data afterwards leaves just
 * the erase. The next FLASH_BEGIN starts afresh. */
static gboolean
rom_erase_region (SfLoader  *self,
                  guint32    address,
                  guint32    size,
                  GError   **error)
{
  guint32 blocks = (size + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK;

  return flash_begin (self, SF_OP_FLASH_BEGIN, size, blocks, address,
                      _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, size), error);
}

static gboolean
rom_erase_flash (SfLoader  *self,
                 guint32    flash_size,
                 GError   **error)
{
  return rom_erase_region (self, 0, flash_size, error);
}

static gboolean
rom_write_begin (SfLoader  *self,
                 SfWrite   *write,
                 GError   **error)
{
  guint32 blocks = (write->packed_size + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK;
  /* Compressed, the ROM erases whole blocks of uncompressed data at once. */
  guint32 erase_size = write->compressed
                       ? (write->size + SF_ROM_WRITE_BLOCK - 1) / SF_ROM_WRITE_BLOCK * SF_ROM_WRITE_BLOCK
                       : write->size;

  write->seq = 0;
  return flash_begin (self, write->compressed ? SF_OP_FLASH_DEFL_BEGIN : SF_OP_FLASH_BEGIN,
                      erase_size, blocks, write->offset,
                      _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, erase_size), error);
}

/* The ROM answers a block once it has programmed it: the block's wire
 * time, its flash time at esptool's budget (which a worst-case chip
 * stays under), and the quick commands' margin. No 3 s floor: a lost
 * reply costs this much, and a write of 1 MiB has a thousand blocks. */
static guint
block_timeout (SfLoader *self,
               gsize     length,
               gsize     raw_length)
{
  return _sf_loader_quick_timeout (self, length + 16, 12) +
         (guint) ((guint64) SF_TIMEOUT_WRITE_PER_MB * raw_length / 1000000);
}

static gboolean
rom_write_block (SfLoader      *self,
                 SfWrite       *write,
                 const guint8  *block,
                 gsize          length,
                 gsize          raw_length,
                 GError       **error)
{
  guint8 padded[SF_ROM_WRITE_BLOCK];

  /* The ROM writes before it answers, so the block's own write time
   * counts. Raw blocks must be whole: the last is padded with erased bytes. */
  if (!write->compressed)
    {
      g_assert (length <= sizeof padded);
      memset (padded, 0xFF, sizeof padded);
      memcpy (padded, block, length);
      block = padded;
      length = sizeof padded;
    }
  return _sf_loader_data_command (self, write->compressed ? SF_OP_FLASH_DEFL_DATA : SF_OP_FLASH_DATA,
                                  block, length, write->seq++,
                                  block_timeout (self, length, raw_length), error);
}

/* FLASH_END would make the ROM leave download mode: the next FLASH_BEGIN
 * simply starts the next session. */
static gboolean
rom_write_end (SfLoader  *self,
               SfWrite   *write,
               GError   **error)
{
  return TRUE;
}

/* FLASH_BEGIN with nothing to write, then FLASH_END "run user code". */
static gboolean
rom_run_user_code (SfLoader  *self,
                   GError   **error)
{
  guint8 run[4];

  _sf_put_le32 (run, 1);
  return flash_begin (self, SF_OP_FLASH_BEGIN, 0, 0, 0, SF_TIMEOUT_DEFAULT, error) &&
         _sf_loader_command (self, SF_OP_FLASH_END, run, sizeof run, 0,
                             SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
}

static const SfLoaderOps rom_ops = {
  .attach_flash = rom_attach_flash,
  .change_baud = rom_change_baud,
  .flash_md5 = rom_flash_md5,
  .read_flash = rom_read_flash,
  .erase_region = rom_erase_region,
  .erase_flash = rom_erase_flash,
  .write_begin = rom_write_begin,
  .write_block = rom_write_block,
  .write_end = rom_write_end,
  .run_user_code = rom_run_user_code,
  .overerase = rom_overerase,
};

void
_sf_rom_loader_use (SfLoader *self)
{
  const SfChipInfo *chip = self->chip;

  memset (&self->caps, 0, sizeof self->caps);
  /* A new loader (or chip) may have left the SPI registers otherwise. */
  self->spi_saved = FALSE;
  self->caps.name = _("ROM loader");
  self->caps.write_block = SF_ROM_WRITE_BLOCK;
  self->caps.erases_on_begin = TRUE;
  /* Until the chip is known, assume the least: the ESP8266's ROM. */
  if (chip != NULL)
    {
      self->caps.can_compress = chip->rom_supports_compression;
      self->caps.can_md5 = chip->rom_supports_md5;
      self->caps.can_change_baud = chip->rom_supports_change_baud;
    }
  self->ops = &rom_ops;
}
