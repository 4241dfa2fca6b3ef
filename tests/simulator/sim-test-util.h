/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <termios.h>

#include "sf-sim-device.h"

G_BEGIN_DECLS

#define TIMEOUT_MS 2000

typedef struct
{
  SfSimDevice *device;
  int          fd;
  GByteArray  *pending;   /* raw bytes read but not yet decoded */
} Port;

/* The SYNC request, as wire bytes in hex. */
extern const char sync_request[];

int         open_port      (const char *path);
void        port_open      (Port       *port,
                            const char *chip);
void        port_start     (Port *port);
void        port_close     (Port *port);
void        write_all      (int          fd,
                            const guint8 *data,
                            gsize        length);
GByteArray *hex_to_bytes   (const char *hex);
void        send_hex       (Port       *port,
                            const char *hex);
gboolean    fill           (Port *port,
                            int  timeout_ms);
GByteArray *read_raw_frame (Port *port,
                            int  timeout_ms);
GByteArray *unslip         (GByteArray *raw);
GByteArray *read_frame     (Port *port,
                            int  timeout_ms);
void        put32          (guint8  *p,
                            guint32 v);
guint32     get32          (const guint8 *p);
void        send_slip      (Port         *port,
                            const guint8 *data,
                            gsize        length);
void        send_command   (Port         *port,
                            guint8       opcode,
                            const guint8 *data,
                            gsize        length,
                            guint32      checksum);
GByteArray *command        (Port         *port,
                            guint8       opcode,
                            const guint8 *data,
                            gsize        length,
                            guint32      checksum);
void        drain          (Port *port,
                            int  quiet_ms);
void        assert_status  (GByteArray *reply,
                            gsize      result_length,
                            guint      status_length,
                            guint8     status,
                            guint8     error);
void        do_sync        (Port *port);
void        start_synced   (Port       *port,
                            const char *chip);
void        attach         (Port *port);
guint8      checksum_of    (const guint8 *data,
                            gsize        length);
GByteArray *flash_begin    (Port     *port,
                            guint8   opcode,
                            guint32  size,
                            guint32  blocks,
                            guint32  block_size,
                            guint32  offset,
                            gboolean fifth_word);
GByteArray *data_block     (Port         *port,
                            guint8       opcode,
                            guint32      seq,
                            const guint8 *data,
                            gsize        length,
                            guint32      checksum);
/* READ_REG's whole reply; read_reg () checks it succeeded. */
GByteArray *read_reg_reply (Port    *port,
                            guint32 address);
guint32     read_reg       (Port    *port,
                            guint32 address);
gboolean    read_reg_heard (Port    *port,
                            guint32  address,
                            guint32  expected);
void        write_reg      (Port    *port,
                            guint32 address,
                            guint32 value,
                            guint32 mask);
void        assert_flash   (Port    *port,
                            guint32 offset,
                            gsize   length,
                            guint8  value);

/* The flasher stub: a made-up image uploaded through the ROM, the stub's
 * two status bytes (code high byte first), flash helpers. */
#define STUB_TEXT_START 0x40080000u
#define STUB_DATA_START 0x3FFE0000u
#define STUB_ENTRY      (STUB_TEXT_START + 0x404)
#define RAM_BLOCK       0x1800u
#define FLASH_SIZE      (4u * 1024 * 1024)

guint       rom_status_length (const char *chip);
void        load_segment   (Port         *port,
                            guint         status_length,
                            guint32       address,
                            const guint8 *data,
                            gsize         length);
GByteArray *mem_end        (Port    *port,
                            guint32  flag,
                            guint32  entry);
void        load_stub_image (Port       *port,
                             const char *chip);
void        expect_ohai    (Port *port);
void        start_stub     (Port       *port,
                            const char *chip);
void        assert_stub    (GByteArray *reply,
                            gsize       result_length,
                            guint16     code);
void        stub_expect    (Port         *port,
                            guint8        opcode,
                            const guint8 *data,
                            gsize         length,
                            guint16       code);
GByteArray *stub_begin     (Port    *port,
                            guint8   opcode,
                            guint32  size,
                            guint32  block_size,
                            guint32  offset);
void        stub_begin_ok  (Port    *port,
                            guint8   opcode,
                            guint32  size,
                            guint32  block_size,
                            guint32  offset);
void        stub_block_expect (Port         *port,
                               guint8        opcode,
                               guint32       seq,
                               const guint8 *data,
                               gsize         length,
                               guint16       code);
void        flash_end_expect (Port    *port,
                              guint8   opcode,
                              guint16  code);
guint8     *random_bytes   (gsize length);
void        assert_flash_is (Port         *port,
                             guint32       offset,
                             const guint8 *data,
                             gsize         length);
void        fill_flash     (Port    *port,
                            guint32  offset,
                            gsize    length,
                            guint8   value);
void        stub_write     (Port         *port,
                            guint32       offset,
                            const guint8 *data,
                            gsize         length,
                            guint32       block_size);
void        md5_of         (const guint8 *data,
                            gsize         length,
                            guint8        out[16]);
GByteArray *stub_md5       (Port    *port,
                            guint32  offset,
                            guint32  length);
void        set_port_baud  (Port    *port,
                            speed_t  speed);
guint32     stub_read_reg  (Port    *port,
                            guint32  address);
void        assert_quiet   (Port *port,
                            int   ms);
gsize       compress_image (const guint8  *data,
                            gsize          length,
                            guint8       **out_packed);
/* Runs one SPI user command through the flash controller's registers
 * (offsets of the chip's layout; @address < 0: none) and returns W0. */
guint32     spi_command    (Port     *port,
                            gboolean  esp8266,
                            guint32   base,
                            guint32   usr_off,
                            guint32   usr1_off,
                            guint32   usr2_off,
                            guint32   miso_dlen_off,
                            guint32   w0_off,
                            guint8    opcode,
                            guint     read_bits,
                            gint64    address);

G_END_DECLS
