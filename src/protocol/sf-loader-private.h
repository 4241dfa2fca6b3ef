/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-bytes-private.h"
#include "sf-chip-private.h"
#include "sf-flasher.h"
#include "sf-reply-private.h"
#include "sf-slip-private.h"
#include "sf-transport.h"

G_BEGIN_DECLS

/* Opcodes of the serial download protocol. 0x02 to 0x14 are the ROM's;
 * 0xD0 and up exist only in the flasher stub. */
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
  SF_OP_ERASE_FLASH       = 0xD0,
  SF_OP_ERASE_REGION      = 0xD1,
  SF_OP_READ_FLASH        = 0xD2,
  SF_OP_RUN_USER_CODE     = 0xD3,
} SfOpcode;

#define SF_ROM_WRITE_BLOCK      0x400
#define SF_STUB_WRITE_BLOCK     0x4000
#define SF_READ_SLOW_CHUNK      64

/* Timeouts, in milliseconds: the defaults esptool has settled on. */
#define SF_TIMEOUT_DEFAULT      3000
#define SF_TIMEOUT_SYNC         100
#define SF_TIMEOUT_MAX          240000
#define SF_TIMEOUT_CHIP_ERASE   120000
/* Erasing: esptool allows 30 s a megabyte, but a W25Q32JV at its
 * datasheet's worst (2 s per 64 KiB block) needs 32 s a MiB. */
#define SF_TIMEOUT_ERASE_PER_MB 40000
#define SF_TIMEOUT_WRITE_PER_MB 40000
#define SF_TIMEOUT_MD5_PER_MB   8000

/* max (3 s, per_mb * bytes / 1e6), capped at 240 s. */
guint _sf_timeout_per_mb (guint   per_mb_ms,
                          guint64 bytes);

typedef struct _SfLoader SfLoader;

/* Where the loader's own log lines (a retry, say) go: the flasher's log. */
typedef void (*SfLoaderLogFunc) (const char *message,
                                 gpointer    user_data);

/* What the loader at the other end can do. The flasher chooses its paths
 * from these alone, so a new loader or chip needs no changes there. */
typedef struct
{
  const char *name;                /* "ROM loader", "flasher stub": for log lines */
  gboolean    is_stub;
  guint       write_block;         /* bytes per FLASH_DATA / FLASH_DEFL_DATA */
  guint       can_compress : 1;    /* FLASH_DEFL_* */
  guint       can_md5 : 1;         /* SPI_FLASH_MD5 */
  guint       can_read_fast : 1;   /* READ_FLASH: 4 KiB frames, acknowledged, with an MD5 */
  guint       can_erase : 1;       /* ERASE_FLASH and ERASE_REGION */
  guint       can_change_baud : 1;
  guint       erases_on_begin : 1; /* FLASH_BEGIN erases at once (ROM); else as data arrives */
} SfLoaderCaps;

/* One FLASH_BEGIN ... FLASH_END session. */
typedef struct
{
  guint32  offset;            /* sector-aligned */
  guint32  size;              /* bytes that end up in flash */
  guint32  packed_size;       /* bytes sent: the zlib stream's length, or size */
  gboolean compressed;
  guint32  seq;
  guint    pending_write_ms;  /* stub: time the block before may still need */
} SfWrite;

/* A sink for bytes read from flash: progress, as they arrive. */
typedef void (*SfLoaderReadProgress) (guint32  done,
                                      gpointer user_data);

/* The commands whose wire form or meaning differs between the ROM loader
 * and the flasher stub. sf-rom-loader.c and sf-stub-loader.c each fill
 * one table; everything else is the same conversation (below). */
typedef struct
{
  gboolean (*attach_flash) (SfLoader             *self,
                            guint32               flash_size,
                            GError              **error);
  gboolean (*change_baud)  (SfLoader             *self,
                            guint                 baud,
                            GError              **error);
  gboolean (*flash_md5)    (SfLoader             *self,
                            guint32               address,
                            guint32               size,
                            guint8                out_digest[16],
                            GError              **error);
  /* Reads [address, address + size) into @out, checked where the loader
   * can check it. Never more than SF_LOADER_READ_CHUNK bytes. */
  gboolean (*read_flash)   (SfLoader             *self,
                            guint32               address,
                            guint32               size,
                            guint8               *out,
                            SfLoaderReadProgress  progress,
                            gpointer              progress_data,
                            GError              **error);
  gboolean (*erase_region) (SfLoader             *self,
                            guint32               address,
                            guint32               size,
                            GError              **error);
  gboolean (*erase_flash)  (SfLoader             *self,
                            guint32               flash_size,
                            GError              **error);
  gboolean (*write_begin)  (SfLoader             *self,
                            SfWrite              *write,
                            GError              **error);
  /* @raw_length: flash bytes the block turns into (its uncompressed size). */
  gboolean (*write_block)  (SfLoader             *self,
                            SfWrite              *write,
                            const guint8         *block,
                            gsize                 length,
                            gsize                 raw_length,
                            GError              **error);
  gboolean (*write_end)    (SfLoader             *self,
                            SfWrite              *write,
                            GError              **error);
  /* Leaves the loader for the firmware in flash; SF_PROTOCOL_ERROR_UNSUPPORTED,
   * with what to do instead, where this loader cannot. */
  gboolean (*run_user_code) (SfLoader            *self,
                             GError             **error);
  /* Bytes past [offset, offset + size) that writing there erases too. */
  guint32  (*overerase)    (SfLoader             *self,
                            guint32               offset,
                            guint32               size);
} SfLoaderOps;

/* Largest read the flasher asks for at once: what one retry may cost.
 * Each read costs a round trip and a checksum, so faster links take
 * larger ones: about two seconds of the link, within these bounds. */
#define SF_LOADER_READ_CHUNK_MIN 0x10000
#define SF_LOADER_READ_CHUNK     0x40000

/* One conversation with whatever loader runs on the chip: framing,
 * request/response matching and status decoding. Owned by SfFlasher;
 * not thread-safe. */
struct _SfLoader
{
  SfTransport       *transport;
  SfSlipDecoder      decoder;
  const SfChipInfo  *chip;          /* NULL until detected */
  guint              baud;
  GCancellable      *cancellable;   /* lent by the flasher call in progress; NULL between calls */
  SfLoaderCaps       caps;
  const SfLoaderOps *ops;
  guint8             last_status;   /* first status byte of the last refusal */
  guint8             last_code;     /* and the ROM's reason byte */
  SfLoaderLogFunc    log_func;
  gpointer           log_data;
  guint              retries_left;  /* see _sf_loader_take_retry() */
  guint              good_replies;  /* since the budget last grew */
  gboolean           spi_saved;     /* the SPI user registers below were read */
  guint32            spi_saved_usr;
  guint32            spi_saved_usr2;
};

void     _sf_loader_init          (SfLoader      *self,
                                   SfTransport   *transport);
void     _sf_loader_clear         (SfLoader      *self);

void     _sf_loader_set_log       (SfLoader       *self,
                                   SfLoaderLogFunc func,
                                   gpointer        data);

/* Sends one request and waits for the response with the same opcode.
 * @result_len is how many result bytes precede the status (0 for most
 * commands; SF_REPLY_ANY_LENGTH for a result whose length varies).
 * @timeout_ms 0 means a quick command's (_sf_loader_quick_timeout()).
 * @out_value receives the response's value word, @out_data the result
 * bytes (without status). A well-formed failure status becomes
 * SF_PROTOCOL_ERROR_DEVICE_STATUS with the loader's reason in words; a
 * lost or garbled reply to a command that may be repeated is retried
 * (with a log line) within a per-command and a running budget, and then
 * becomes SF_PROTOCOL_ERROR_TIMEOUT, _BAD_RESPONSE or _UNRELIABLE_LINK. */
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
/* The request alone, for the few commands that get no reply. */
gboolean _sf_loader_send          (SfLoader      *self,
                                   SfOpcode       op,
                                   const guint8  *data,
                                   gsize          length,
                                   guint32        checksum,
                                   GError       **error);
/* Frames without the request header: the stub's OHAI greeting, READ_FLASH
 * data and its acknowledgements. NULL with no error set on timeout. */
GBytes  *_sf_loader_read_raw      (SfLoader      *self,
                                   guint          timeout_ms,
                                   GError       **error);
gboolean _sf_loader_write_raw     (SfLoader      *self,
                                   const guint8  *data,
                                   gsize          length,
                                   GError       **error);

/* One SYNC try: TRUE when a loader answered within the sync timeout.
 * @out_stub is TRUE when it was a flasher stub (its SYNC value is 0). */
gboolean _sf_loader_sync          (SfLoader      *self,
                                   gboolean      *out_stub,
                                   GError       **error);
gboolean _sf_loader_read_reg      (SfLoader      *self,
                                   guint32        address,
                                   guint32       *out_value,
                                   GError       **error);
/* The same, read until two reads in a row agree: for what is printed,
 * written back or decides something (identity, eFuses, saved settings). */
gboolean _sf_loader_read_reg_checked (SfLoader   *self,
                                      guint32     address,
                                      guint32    *out_value,
                                      GError    **error);
gboolean _sf_loader_write_reg     (SfLoader      *self,
                                   guint32        address,
                                   guint32        value,
                                   GError       **error);
/* Runs a SPI flash command through the chip's SPI user registers (works on
 * every loader; needs only register access). @address_bits = 0 for none;
 * @miso_bits <= 512 bits are read back into @out_data, each word read until
 * two reads agree. */
gboolean _sf_loader_spi_command   (SfLoader      *self,
                                   guint8         command,
                                   guint32        address,
                                   guint          address_bits,
                                   guint          miso_bits,
                                   guint8        *out_data,
                                   GError       **error);
/* The crystal, from the UART divider the ROM's auto-baud set up. Only
 * meaningful before a stub has reprogrammed the UART. */
gboolean _sf_loader_crystal_mhz   (SfLoader      *self,
                                   guint         *out_mhz,
                                   GError       **error);

/* Reads what is waiting on the line for @ms milliseconds and returns the
 * bytes seen outside frames (a boot banner, typically). */
char    *_sf_loader_collect_noise (SfLoader      *self,
                                   guint          ms,
                                   GError       **error);
gboolean _sf_loader_flush         (SfLoader      *self,
                                   GError       **error);
/* Moves the host side of the link to @baud, once the chip has. */
gboolean _sf_loader_set_host_baud (SfLoader      *self,
                                   guint          baud,
                                   GError       **error);

/* A *_DATA command: the 16-byte header [length, seq, 0, 0], @block, and
 * the checksum of @block. Sent again when the loader refuses it as
 * damaged, and to the ROM (which places blocks by sequence number) when
 * its reply is lost; otherwise the error is the caller's to recover from. */
gboolean _sf_loader_data_command  (SfLoader      *self,
                                   SfOpcode       op,
                                   const guint8  *block,
                                   gsize          length,
                                   guint32        seq,
                                   guint          timeout_ms,
                                   GError       **error);
/* SPI_SET_PARAMS: only the size matters, the rest are the usual geometry. */
gboolean _sf_loader_spi_set_params (SfLoader     *self,
                                    guint32       flash_size,
                                    GError      **error);

/* A command whose reply is a few dozen bytes and needs no flash work:
 * the wire time of both frames and a margin for adapter latency. */
guint    _sf_loader_quick_timeout (SfLoader      *self,
                                   gsize          request_len,
                                   gsize          reply_len);

/* Takes one retry from the running budget, or fails with
 * SF_PROTOCOL_ERROR_UNRELIABLE_LINK naming @what when it is spent. For
 * the retries the loader and the flasher make beyond one command. */
gboolean _sf_loader_take_retry    (SfLoader      *self,
                                   const char    *what,
                                   GError       **error);

/* 0xEF XOR every byte: the checksum of *_DATA payloads. */
guint8   _sf_loader_checksum      (const guint8  *data,
                                   gsize          length);

/* Errors after which the same command may be tried again. */
gboolean _sf_loader_error_is_retryable (const GError *error);

/* The two loaders. The ROM loader is what answers SYNC after a reset;
 * the stub replaces it once uploaded and greeting. */
void     _sf_rom_loader_use       (SfLoader      *self);
/* Uploads the flasher stub for the detected chip and waits for its
 * greeting; on success the loader talks to the stub from then on. */
gboolean _sf_stub_loader_start    (SfLoader      *self,
                                   GError       **error);
/* A stub left running by an earlier session (esptool's no_reset_stub). */
void     _sf_stub_loader_use      (SfLoader      *self);

G_END_DECLS
