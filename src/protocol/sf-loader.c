/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-loader"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-loader-private.h"
#include "sf-protocol-error.h"

/* Reads are sliced so that cancellation is noticed within this time. */
#define READ_SLICE_MS 100
/* esptool gives up on a command after this many unrelated frames. */
#define MAX_FOREIGN_FRAMES 100

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

const char *
_sf_rom_error_to_string (guint8 code)
{
  switch (code)
    {
    case 0x01: return N_("invalid input parameter");
    case 0x02: return N_("out of memory in the ROM");
    case 0x03: return N_("send failed");
    case 0x04: return N_("receive failed");
    case 0x05: return N_("malformed or unsupported command");
    case 0x06: return N_("operation failed");
    case 0x07: return N_("data checksum mismatch");
    case 0x08: return N_("flash write failed (read-back differs)");
    case 0x09: return N_("flash read failed");
    case 0x0A: return N_("flash read length error");
    case 0x0B: return N_("decompressing the data failed");
    case 0x0C: return N_("compressed data checksum (Adler-32) mismatch");
    case 0x0D: return N_("compression parameter error");
    case 0x0E: return N_("invalid RAM binary size");
    case 0x0F: return N_("invalid RAM binary address");
    case 0x64: return N_("invalid parameter");
    case 0x65: return N_("invalid format");
    case 0x66: return N_("description too long");
    case 0x67: return N_("bad encoding description");
    case 0x69: return N_("insufficient storage");
    default:   return N_("unknown error");
    }
}

/* The flasher stub puts its own code in the first status byte. */
static const char *
stub_error_to_string (guint8 code)
{
  switch (code)
    {
    case 0xC0: return N_("wrong data length");
    case 0xC1: return N_("data checksum mismatch");
    case 0xC2: return N_("block too large");
    case 0xC3: return N_("unknown command");
    case 0xC4: return N_("the SPI flash operation failed");
    case 0xC5: return N_("the SPI flash could not be unlocked");
    case 0xC6: return N_("not in flash or RAM download mode");
    case 0xC7: return N_("decompressing the data failed");
    case 0xC8: return N_("not enough data");
    case 0xC9: return N_("too much data");
    case 0xFF: return N_("command not implemented");
    default:   return N_("unknown error");
    }
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
  header[2] = length & 0xFF;
  header[3] = length >> 8;
  header[4] = checksum & 0xFF;
  header[5] = (checksum >> 8) & 0xFF;
  header[6] = (checksum >> 16) & 0xFF;
  header[7] = checksum >> 24;
  g_byte_array_append (packet, header, sizeof header);
  if (length > 0)
    g_byte_array_append (packet, data, length);

  _sf_slip_encode (wire, packet->data, packet->len);
  return sf_transport_write (self->transport, wire->data, wire->len, error);
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
  gint64 deadline;

  if (!_sf_loader_send (self, op, data, length, checksum, error))
    return FALSE;

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  for (guint foreign = 0; foreign < MAX_FOREIGN_FRAMES; foreign++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) frame = read_frame (self, deadline, &local_error);
      const guint8 *bytes;
      gsize frame_len, data_len;
      guint8 status, code;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (frame == NULL)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT,
                       _("The chip stopped answering (no reply to %s within %.1f s). "
                         "Check the cable, then press RESET and try again."),
                       opcode_name (op), timeout_ms / 1000.0);
          return FALSE;
        }

      bytes = g_bytes_get_data (frame, &frame_len);
      if (frame_len < 8 || bytes[0] != 0x01)
        continue;
      if (bytes[1] != op)
        {
          /* ROMs answer an opcode they do not know with "malformed
           * message", several times over and not necessarily echoing the
           * opcode. Let the repeats arrive and drop them. */
          if (frame_len >= 10 && bytes[8] != 0 && bytes[9] == 0x05)
            {
              g_free (_sf_loader_collect_noise (self, 200, NULL));
              _sf_loader_flush (self, NULL);
              g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS,
                           _("The chip refused %s: %s (status 0x%02x, code 0x%02x)."),
                           opcode_name (op), _(_sf_rom_error_to_string (0x05)), bytes[8], 0x05);
              return FALSE;
            }
          /* Surplus SYNC replies and noise that looked like a frame:
           * only our opcode's answer counts. */
          continue;
        }

      data_len = MIN ((gsize) (bytes[2] | bytes[3] << 8), frame_len - 8);
      if (data_len >= result_len + 2)
        {
          status = bytes[8 + result_len];
          code = bytes[8 + result_len + 1];
        }
      else if (data_len >= 2)
        {
          /* A failing ROM sends only the status, without the result. */
          status = bytes[8];
          code = bytes[9];
        }
      else
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                       _("The chip's reply to %s was too short (%zu bytes)."),
                       opcode_name (op), data_len);
          return FALSE;
        }

      if (status != 0)
        {
          /* The ROM says 0x01 and puts its reason second; the stub puts
           * its own code first. */
          const char *reason = status == 0x01 ? _sf_rom_error_to_string (code)
                                              : stub_error_to_string (status);

          self->last_status = status;
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS,
                       _("The chip refused %s: %s (status 0x%02x, code 0x%02x)."),
                       opcode_name (op), _(reason), status, code);
          return FALSE;
        }

      if (out_value != NULL)
        *out_value = (guint32) bytes[4] | (guint32) bytes[5] << 8 |
                     (guint32) bytes[6] << 16 | (guint32) bytes[7] << 24;
      if (out_data != NULL)
        {
          if (data_len < result_len + 2)
            {
              g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                           _("The chip's reply to %s lacked its %zu result bytes."),
                           opcode_name (op), result_len);
              return FALSE;
            }
          *out_data = g_bytes_new (bytes + 8, result_len);
        }
      return TRUE;
    }

  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
               _("The chip sent %d frames that were not a reply to %s."),
               MAX_FOREIGN_FRAMES, opcode_name (op));
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
  if (!_sf_loader_read_reg (self, chip->uart_clkdiv_reg, &clkdiv, error))
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
                             SF_TIMEOUT_DEFAULT, 0, out_value, NULL, error);
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
                             SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
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
  if (!_sf_loader_read_reg (self, base + chip->spi_usr, &saved_usr, error) ||
      !_sf_loader_read_reg (self, base + chip->spi_usr2, &saved_usr2, error))
    return FALSE;

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

      if (!_sf_loader_read_reg (self, base + chip->spi_w0 + 4 * i, &word, error))
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

      if (_sf_loader_command (self, op, payload, 16 + length, checksum,
                              timeout_ms, 0, NULL, NULL, &local_error))
        return TRUE;
      /* A flash write the stub reports as failed is no garbled block. */
      if (attempt == 3 || !_sf_loader_error_is_retryable (local_error) ||
          (g_error_matches (local_error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) &&
           self->last_status == 0xC4))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Block %u failed (%s), resending", seq, local_error->message);
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
  _sf_put_le32 (params + 12, SF_FLASH_SECTOR);
  _sf_put_le32 (params + 16, 0x100);
  _sf_put_le32 (params + 20, 0xFFFF);
  return _sf_loader_command (self, SF_OP_SPI_SET_PARAMS, params, sizeof params, 0,
                             SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
}
