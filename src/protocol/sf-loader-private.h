/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-chip-private.h"
#include "sf-slip-private.h"
#include "sf-transport.h"

G_BEGIN_DECLS

/* ROM loader opcodes (protocol.md section 2). */
typedef enum
{
  SF_OP_FLASH_BEGIN       = 0x02,
  SF_OP_FLASH_DATA        = 0x03,
  SF_OP_FLASH_END         = 0x04,
  SF_OP_MEM_BEGIN         = 0x05,
  SF_OP_MEM_END           = 0x06,
  SF_OP_MEM_DATA          = 0x07,
  SF_OP_SYNC              = 0x08,
  SF_OP_WRITE_REG         = 0x09,
  SF_OP_READ_REG          = 0x0A,
  SF_OP_SPI_SET_PARAMS    = 0x0B,
  SF_OP_SPI_ATTACH        = 0x0D,
  SF_OP_READ_FLASH_SLOW   = 0x0E,
  SF_OP_CHANGE_BAUDRATE   = 0x0F,
  SF_OP_FLASH_DEFL_BEGIN  = 0x10,
  SF_OP_FLASH_DEFL_DATA   = 0x11,
  SF_OP_FLASH_DEFL_END    = 0x12,
  SF_OP_SPI_FLASH_MD5     = 0x13,
  SF_OP_GET_SECURITY_INFO = 0x14,
} SfOpcode;

#define SF_ROM_WRITE_BLOCK      0x400
#define SF_FLASH_SECTOR         0x1000
#define SF_READ_SLOW_CHUNK      64
#define SF_SYNC_BAUD            115200

/* esptool's timeouts (protocol.md 3.3), in milliseconds. */
#define SF_TIMEOUT_DEFAULT      3000
#define SF_TIMEOUT_SYNC         100
#define SF_TIMEOUT_MAX          240000
#define SF_TIMEOUT_ERASE_PER_MB 30000
#define SF_TIMEOUT_WRITE_PER_MB 40000
#define SF_TIMEOUT_MD5_PER_MB   8000

/* max (3 s, per_mb * bytes / 1e6), capped at 240 s. */
guint _sf_timeout_per_mb (guint per_mb_ms,
                          guint64 bytes);

/* One conversation with a ROM loader: framing, request/response matching,
 * status decoding and the register-level helpers every operation needs.
 * Owned by SfFlasher; not thread-safe. */
typedef struct
{
  SfTransport      *transport;
  SfSlipDecoder     decoder;
  const SfChipInfo *chip;          /* NULL until detected */
  guint             baud;
  GCancellable     *cancellable;   /* borrowed for the operation in progress */
} SfLoader;

void     _sf_loader_init          (SfLoader      *self,
                                   SfTransport   *transport);
void     _sf_loader_clear         (SfLoader      *self);

/* Sends one request and waits for the response with the same opcode.
 * @result_len is how many result bytes precede the status (0 for most
 * commands). @out_value receives the response's value word, @out_data the
 * result bytes (without status). A failure status becomes
 * SF_PROTOCOL_ERROR_DEVICE_STATUS with the ROM's code in words. */
gboolean _sf_loader_command       (SfLoader      *self,
                                   SfOpcode       op,
                                   const guint8  *data,
                                   gsize          length,
                                   guint32        checksum,
                                   guint          timeout_ms,
                                   gsize          result_len,
                                   guint32       *out_value,
                                   GBytes       **out_data,
                                   GError       **error);

/* One SYNC try: TRUE when the ROM answered within the sync timeout. */
gboolean _sf_loader_sync          (SfLoader      *self,
                                   GError       **error);
gboolean _sf_loader_read_reg      (SfLoader      *self,
                                   guint32        address,
                                   guint32       *out_value,
                                   GError       **error);
gboolean _sf_loader_write_reg     (SfLoader      *self,
                                   guint32        address,
                                   guint32        value,
                                   GError       **error);
/* Runs a SPI flash command through the chip's SPI user registers (works on
 * every ROM; needs only register access). @address_bits = 0 for none;
 * @miso_bits <= 512 bits are read back into @out_data. */
gboolean _sf_loader_spi_command   (SfLoader      *self,
                                   guint8         command,
                                   guint32        address,
                                   guint          address_bits,
                                   guint          miso_bits,
                                   guint8        *out_data,
                                   GError       **error);

/* Reads what is waiting on the line for @ms milliseconds and returns the
 * bytes seen outside frames (a boot banner, typically). */
char    *_sf_loader_collect_noise (SfLoader      *self,
                                   guint          ms,
                                   GError       **error);
gboolean _sf_loader_flush         (SfLoader      *self,
                                   GError       **error);

/* "0x05: malformed message" style text for a ROM status code. */
const char *_sf_rom_error_to_string (guint8 code);

/* 0xEF XOR every byte (protocol.md 1.5). */
guint8   _sf_loader_checksum      (const guint8  *data,
                                   gsize          length);

G_END_DECLS
