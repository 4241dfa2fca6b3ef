/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-stub-loader"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-loader-private.h"
#include "sf-protocol-error.h"
#include "sf-stub-image-private.h"

/* The flasher stub (esp-flasher-stub): a small program uploaded into the
 * chip's RAM that replaces the ROM loader on the same link. It compresses,
 * hashes, erases and reads on every chip, the ESP8266 included, takes
 * 16 KiB blocks and writes one block while the next arrives.
 *
 * It differs from the ROM in ways a client must respect: payload lengths
 * are checked exactly; it acknowledges a data block before writing it, so
 * a failed write shows in the reply to the *next* command; it erases while
 * data arrives, so that time falls into the data timeouts; FLASH_END does
 * not reboot it; and READ_FLASH sends one packet at a time. */

#define RAM_BLOCK            0x1800
#define MEM_END_TIMEOUT      200
#define GREETING_TIMEOUT     3000
#define READ_PACKET          0x1000
/* A READ_FLASH packet's wait: its wire time twice over, plus a margin. */
#define READ_FRAME_MARGIN_MS 500

static gboolean
mem_upload (SfLoader  *self,
            guint32    address,
            GBytes    *segment,
            GError   **error)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (segment, &length);
  guint32 blocks = (length + RAM_BLOCK - 1) / RAM_BLOCK;
  guint8 begin[16];

  _sf_put_le32 (begin, length);
  _sf_put_le32 (begin + 4, blocks);
  _sf_put_le32 (begin + 8, RAM_BLOCK);
  _sf_put_le32 (begin + 12, address);
  if (!_sf_loader_command (self, SF_OP_MEM_BEGIN, begin, sizeof begin, 0,
                           SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error))
    return FALSE;

  for (guint32 seq = 0; seq < blocks; seq++)
    {
      gsize offset = (gsize) seq * RAM_BLOCK;

      if (!_sf_loader_data_command (self, SF_OP_MEM_DATA, data + offset,
                                    MIN (RAM_BLOCK, length - offset), seq,
                                    SF_TIMEOUT_DEFAULT, error))
        return FALSE;
    }
  return TRUE;
}

/* The stub's one unsolicited frame. The ROM may or may not answer MEM_END
 * before jumping; its reply is skipped on the way. */
static gboolean
wait_for_greeting (SfLoader  *self,
                   GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + GREETING_TIMEOUT * 1000;

  for (;;)
    {
      gint64 remaining = (deadline - g_get_monotonic_time ()) / 1000;
      g_autoptr(GBytes) frame = NULL;

      if (remaining <= 0)
        break;
      frame = _sf_loader_read_raw (self, remaining, error);
      if (frame == NULL)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          break;
        }
      if (g_bytes_get_size (frame) == 4 && memcmp (g_bytes_get_data (frame, NULL), "OHAI", 4) == 0)
        return TRUE;
    }

  g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_NO_ANSWER,
                       _("The flasher stub was uploaded but never said it had started."));
  return FALSE;
}

/* --- operations ------------------------------------------------------------ */

static gboolean
stub_attach_flash (SfLoader  *self,
                   guint32    flash_size,
                   GError   **error)
{
  guint8 attach[4] = { 0 };

  /* Four bytes exactly: the ROM's second word would be refused. */
  return _sf_loader_command (self, SF_OP_SPI_ATTACH, attach, sizeof attach, 0,
                             0, 0, NULL, NULL, error) &&
         _sf_loader_spi_set_params (self, flash_size, error);
}

static gboolean
stub_change_baud (SfLoader  *self,
                  guint      baud,
                  GError   **error)
{
  guint8 payload[8];

  /* The stub computes the divider from its own clock; the second word
   * ("the rate now") is what older stubs needed, and harmless here. */
  _sf_put_le32 (payload, baud);
  _sf_put_le32 (payload + 4, self->baud);
  return _sf_loader_command (self, SF_OP_CHANGE_BAUDRATE, payload, sizeof payload, 0,
                             SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
}

static gboolean
stub_flash_md5 (SfLoader  *self,
                guint32    address,
                guint32    size,
                guint8     out_digest[16],
                GError   **error)
{
  g_autoptr(GBytes) result = NULL;
  guint8 payload[16];

  _sf_put_le32 (payload, address);
  _sf_put_le32 (payload + 4, size);
  _sf_put_le32 (payload + 8, 0);
  _sf_put_le32 (payload + 12, 0);
  /* The stub answers with the 16 raw bytes. */
  if (!_sf_loader_command (self, SF_OP_SPI_FLASH_MD5, payload, sizeof payload, 0,
                           _sf_timeout_per_mb (SF_TIMEOUT_MD5_PER_MB, size), 16,
                           NULL, &result, error))
    return FALSE;
  memcpy (out_digest, g_bytes_get_data (result, NULL), 16);
  return TRUE;
}

/* READ_FLASH: the stub sends packets of up to 4 KiB, each acknowledged
 * with the count received so far, then the MD5 of everything it sent.
 * The MD5 is checked here, so what comes back is what is in flash. */
static gboolean
stub_read_flash (SfLoader              *self,
                 guint32                address,
                 guint32                size,
                 guint8                *out,
                 SfLoaderReadProgress   progress,
                 gpointer               progress_data,
                 GError               **error)
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_autoptr(GBytes) digest_frame = NULL;
  guint8 payload[16];
  guint8 expected[16];
  gsize expected_len = sizeof expected;
  guint32 received = 0;
  guint32 acked = 0;
  guint frame_timeout;

  _sf_put_le32 (payload, address);
  _sf_put_le32 (payload + 4, size);
  _sf_put_le32 (payload + 8, READ_PACKET);
  _sf_put_le32 (payload + 12, 1);
  if (!_sf_loader_command (self, SF_OP_READ_FLASH, payload, sizeof payload, 0,
                           0, 0, NULL, NULL, error))
    return FALSE;
  frame_timeout = READ_FRAME_MARGIN_MS +
                  (guint) ((guint64) READ_PACKET * 2 * 2 * 10 * 1000 / MAX (self->baud, 1));

  while (received < size)
    {
      g_autoptr(GBytes) frame = _sf_loader_read_raw (self, frame_timeout, error);
      guint n_acks;
      gsize n;

      if (frame == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT,
                         _("The chip stopped sending flash data at 0x%08x."), address + received);
          return FALSE;
        }
      n = g_bytes_get_size (frame);
      /* Every packet but the last is full: a short one was garbled. */
      if (n == 0 || n > size - received || (n < READ_PACKET && n != size - received))
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                       _("The chip sent a flash data packet of %zu bytes at 0x%08x; "
                         "it was garbled on the way."), n, address + received);
          return FALSE;
        }
      memcpy (out + received, g_bytes_get_data (frame, NULL), n);
      received += n;

      /* The stub sends a packet once it holds as many acknowledgements
       * as it has sent packets. Acknowledging the packet after this one
       * as well, once, keeps one acknowledgement in hand, so it starts
       * each packet while the one before is still on the wire instead of
       * waiting a round trip; the MD5 at the end still checks every byte.
       * It never gets an acknowledgement for a packet it has not begun. */
      n_acks = received == n ? 2 : 1;
      for (guint i = 0; i < n_acks && acked < size; i++)
        {
          guint8 ack[4];

          acked = MIN (acked + READ_PACKET, size);
          _sf_put_le32 (ack, acked);
          if (!_sf_loader_write_raw (self, ack, sizeof ack, error))
            return FALSE;
        }
      if (progress != NULL)
        progress (received, progress_data);
    }

  digest_frame = _sf_loader_read_raw (self, frame_timeout, error);
  if (digest_frame == NULL || g_bytes_get_size (digest_frame) != 16)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                     _("The chip did not send the checksum of the flash it read at 0x%08x."),
                     address);
      return FALSE;
    }
  g_checksum_update (md5, out, size);
  g_checksum_get_digest (md5, expected, &expected_len);
  if (memcmp (expected, g_bytes_get_data (digest_frame, NULL), 16) != 0)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_BAD_RESPONSE,
                   _("The flash data read at 0x%08x did not match its checksum; "
                     "it was garbled on the way."), address);
      return FALSE;
    }
  return TRUE;
}

static gboolean
stub_erase_region (SfLoader  *self,
                   guint32    address,
                   guint32    size,
                   GError   **error)
{
  guint8 payload[8];

  _sf_put_le32 (payload, address);
  _sf_put_le32 (payload + 4, size);
  return _sf_loader_command (self, SF_OP_ERASE_REGION, payload, sizeof payload, 0,
                             _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, size), 0,
                             NULL, NULL, error);
}

static gboolean
stub_erase_flash (SfLoader  *self,
                  guint32    flash_size,
                  GError   **error)
{
  return _sf_loader_command (self, SF_OP_ERASE_FLASH, NULL, 0, 0,
                             MAX (SF_TIMEOUT_CHIP_ERASE,
                                  _sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, flash_size)),
                             0, NULL, NULL, error);
}

/* The stub reports a failed flash write late, in the reply to whatever
 * command comes next: say what it means rather than which reply said it. */
static gboolean
explain_write_failure (SfLoader  *self,
                       SfWrite   *write,
                       GError   **error)
{
  if (error != NULL && *error != NULL &&
      g_error_matches (*error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS) &&
      self->last_status == 0xC4)
    {
      g_clear_error (error);
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS,
                   _("The chip could not write its flash between 0x%08x and 0x%08x: the flash "
                     "chip reported an error. Try again; if it keeps failing, erase the flash "
                     "first, and check that it is not write-protected."),
                   write->offset, write->offset + write->size);
    }
  return FALSE;
}

static gboolean
stub_write_begin (SfLoader  *self,
                  SfWrite   *write,
                  GError   **error)
{
  guint8 payload[20];

  /* The exact byte count: the stub erases as the data arrives, so this
   * answers at once, and it ignores the block count. */
  _sf_put_le32 (payload, write->size);
  _sf_put_le32 (payload + 4, (write->packed_size + SF_STUB_WRITE_BLOCK - 1) / SF_STUB_WRITE_BLOCK);
  _sf_put_le32 (payload + 8, SF_STUB_WRITE_BLOCK);
  _sf_put_le32 (payload + 12, write->offset);
  _sf_put_le32 (payload + 16, 0);
  write->seq = 0;
  write->pending_write_ms = 0;
  return _sf_loader_command (self, write->compressed ? SF_OP_FLASH_DEFL_BEGIN : SF_OP_FLASH_BEGIN,
                             payload, sizeof payload, 0, SF_TIMEOUT_DEFAULT, 0, NULL, NULL, error);
}

static gboolean
stub_write_block (SfLoader      *self,
                  SfWrite       *write,
                  const guint8  *block,
                  gsize          length,
                  gsize          raw_length,
                  GError       **error)
{
  /* The stub answers a block once the one before is in flash: that
   * block's erase and write time is what this reply may take. */
  guint timeout = MAX (write->pending_write_ms, SF_TIMEOUT_DEFAULT);
  guint8 padded[SF_STUB_WRITE_BLOCK];

  /* Raw blocks go whole, the last padded with erased bytes, as the ROM
   * wants them; the stub writes no more than FLASH_BEGIN announced. */
  if (!write->compressed && length < sizeof padded)
    {
      memset (padded, 0xFF, sizeof padded);
      memcpy (padded, block, length);
      block = padded;
      length = sizeof padded;
    }
  write->pending_write_ms = _sf_timeout_per_mb (SF_TIMEOUT_WRITE_PER_MB, raw_length);
  return _sf_loader_data_command (self, write->compressed ? SF_OP_FLASH_DEFL_DATA : SF_OP_FLASH_DATA,
                                  block, length, write->seq++, timeout, error) ||
         explain_write_failure (self, write, error);
}

/* FLASH_END waits for the last block and carries the result of every
 * write the stub has not reported yet. */
static gboolean
stub_write_end (SfLoader  *self,
                SfWrite   *write,
                GError   **error)
{
  guint8 payload[4];

  _sf_put_le32 (payload, 1);
  return _sf_loader_command (self, write->compressed ? SF_OP_FLASH_DEFL_END : SF_OP_FLASH_END,
                             payload, sizeof payload, 0,
                             MAX (write->pending_write_ms, SF_TIMEOUT_DEFAULT), 0, NULL, NULL, error) ||
         explain_write_failure (self, write, error);
}

/* RUN_USER_CODE gets no reply; only the ESP8266's stub can hand over. */
static gboolean
stub_run_user_code (SfLoader  *self,
                    GError   **error)
{
  if (self->chip->chip != SF_CHIP_ESP8266)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("The flasher stub cannot start the firmware on an %s; "
                     "press RESET on the board."), self->chip->name);
      return FALSE;
    }
  return _sf_loader_send (self, SF_OP_RUN_USER_CODE, NULL, 0, 0, error);
}

static guint32
stub_overerase (SfLoader *self,
                guint32   offset,
                guint32   size)
{
  return 0;
}

static const SfLoaderOps stub_ops = {
  .attach_flash = stub_attach_flash,
  .change_baud = stub_change_baud,
  .flash_md5 = stub_flash_md5,
  .read_flash = stub_read_flash,
  .erase_region = stub_erase_region,
  .erase_flash = stub_erase_flash,
  .write_begin = stub_write_begin,
  .write_block = stub_write_block,
  .write_end = stub_write_end,
  .run_user_code = stub_run_user_code,
  .overerase = stub_overerase,
};

void
_sf_stub_loader_use (SfLoader *self)
{
  memset (&self->caps, 0, sizeof self->caps);
  /* A new loader (or chip) may have left the SPI registers otherwise. */
  self->spi_saved = FALSE;
  self->caps.name = _("flasher stub");
  self->caps.is_stub = TRUE;
  self->caps.write_block = SF_STUB_WRITE_BLOCK;
  self->caps.can_compress = TRUE;
  self->caps.can_md5 = TRUE;
  self->caps.can_read_fast = TRUE;
  self->caps.can_erase = TRUE;
  self->caps.can_change_baud = TRUE;
  self->caps.erases_on_begin = FALSE;
  self->ops = &stub_ops;
}

gboolean
_sf_stub_loader_start (SfLoader  *self,
                       GError   **error)
{
  g_autoptr(SfStubImage) image = NULL;
  guint8 end[8];

  g_return_val_if_fail (self->chip != NULL, FALSE);

  image = _sf_stub_image_load (self->chip->chip, error);
  if (image == NULL)
    return FALSE;

  if (!mem_upload (self, image->text_start, image->text, error) ||
      (image->data != NULL && !mem_upload (self, image->data_start, image->data, error)))
    return FALSE;

  /* Jump to the entry point. The ROM often starts the stub before its
   * reply has left, so a missing reply is no error. */
  _sf_put_le32 (end, 0);
  _sf_put_le32 (end + 4, image->entry);
  if (!_sf_loader_send (self, SF_OP_MEM_END, end, sizeof end, 0, error) ||
      !wait_for_greeting (self, error))
    return FALSE;

  _sf_stub_loader_use (self);
  return TRUE;
}
