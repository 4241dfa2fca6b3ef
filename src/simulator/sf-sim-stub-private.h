/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <zlib.h>

#include "sf-sim-chip-private.h"
#include "sf-sim-flash-private.h"
#include "sf-sim-regs-private.h"
#include "sf-sim-timing-private.h"

G_BEGIN_DECLS

/* The flasher stub a host uploads into RAM, modelled on esp-flasher-stub
 * (the stub esptool v5.2+ and esptool-js 0.7.0 upload). Like the ROM
 * machine it is free of I/O: decoded frames go in, SLIP-encoded frames go
 * out through @emit, each with the time it may leave.
 *
 * What sets it apart from the ROM:
 *  - every reply ends in 2 status bytes holding a 16-bit code, high byte
 *    first: 00 00 is success, C0 00 bad length, C1 00 bad checksum,
 *    C3 00 unknown command (or a reply-direction byte), C4 00 flash
 *    operation failed, C6 00 no FLASH/MEM_BEGIN first, C7 00 inflate
 *    error, C8 00 not enough data, C9 00 too much data, FF 00 not
 *    implemented;
 *  - payload lengths are checked exactly;
 *  - some commands do part of their work after the reply has gone out (a
 *    "post-process": writing a data block, the baud switch, READ_FLASH's
 *    data, the jump of MEM_END). An error there is kept and sent instead
 *    of the reply to the next request, which is then not carried out;
 *  - FLASH_BEGIN takes word 0 as the exact byte count and erases lazily,
 *    while data arrives, skipping sectors that are already blank;
 *  - FLASH_END does not leave the stub. */
typedef struct _SfSimStub SfSimStub;

typedef void (*SfSimEmitFunc) (const guint8 *wire,
                               gsize         length,
                               gint64        ready_us,
                               gpointer      user_data);

/* Error codes as the stub sends them (high byte first on the wire). */
enum
{
  SF_SIM_STUB_OK                = 0x0000,
  SF_SIM_STUB_BAD_DATA_LEN      = 0xC000,
  SF_SIM_STUB_BAD_CHECKSUM      = 0xC100,
  SF_SIM_STUB_INVALID_COMMAND   = 0xC300,
  SF_SIM_STUB_FAILED_SPI_OP     = 0xC400,
  SF_SIM_STUB_NOT_IN_FLASH_MODE = 0xC600,
  SF_SIM_STUB_INFLATE_ERROR     = 0xC700,
  SF_SIM_STUB_NOT_ENOUGH_DATA   = 0xC800,
  SF_SIM_STUB_TOO_MUCH_DATA     = 0xC900,
  SF_SIM_STUB_NOT_IMPLEMENTED   = 0xFF00,
};

/* The stub decompresses into a 32 KiB window and writes it out whenever it
 * is full (or the stream has ended). */
#define SF_SIM_STUB_INFLATE_WINDOW (32 * 1024)

struct _SfSimStub
{
  const SfSimChip *chip;
  SfSimFlash      *flash;      /* none of these four is owned */
  SfSimRegs       *regs;
  SfSimTiming     *timing;
  SfSimEmitFunc    emit;
  gpointer         emit_data;
  GByteArray      *wire;       /* scratch for encoding */
  gint64           now_us;     /* the CPU's virtual time in the request */

  guint16          pending;    /* a post-process error for the next reply */
  guint32          flash_size; /* what it believes (JEDEC, SPI_SET_PARAMS) */
  guint            baud;       /* after CHANGE_BAUDRATE; 0 = as the ROM's */
  gboolean         hung;       /* stuck in a loop it never leaves */

  /* FLASH_BEGIN / FLASH_DEFL_BEGIN until FLASH_END */
  gboolean         fl_active;
  guint32          fl_remaining;       /* bytes still to be written */
  guint32          fl_offset;          /* where the next one goes */
  guint32          fl_compressed_left; /* blocks × block size, less input used */
  guint32          erase_next;
  guint32          erase_left;
  gboolean         dirty_seen;         /* a non-blank sector was met */
  z_stream         zs;
  gboolean         zs_active;
  gboolean         zs_started;
  gboolean         zs_done;
  gboolean         zhdr_wanted;
  guint            zhdr_have;
  guint8           zhdr[2];
  guint8          *window;
  gsize            window_fill;

  /* MEM_BEGIN until MEM_END */
  gboolean         mem_active;
  guint32          mem_left;
  guint32          mem_offset;
  GArray          *segments;           /* SfSimSegment */

  /* READ_FLASH streaming */
  gboolean         rd_active;
  guint32          rd_offset;
  guint32          rd_left;
  guint32          rd_size;
  guint32          rd_packet;
  guint32          rd_sent;
  guint32          rd_acked;
  guint32          rd_acked_bytes;
  GChecksum       *rd_md5;

  /* Faults: data blocks to go before one is damaged / fails; -1 = off */
  gint             corrupt_countdown;
  gint             fail_countdown;
};

SfSimStub *_sf_sim_stub_new          (const SfSimChip *chip,
                                      SfSimFlash      *flash,
                                      SfSimRegs       *regs,
                                      SfSimTiming     *timing,
                                      SfSimEmitFunc    emit,
                                      gpointer         emit_data);
void       _sf_sim_stub_free         (SfSimStub       *self);
/* The stub has just been jumped to at @now_us: fresh state, and after its
 * start-up it greets the host with the frame "OHAI". */
void       _sf_sim_stub_start        (SfSimStub       *self,
                                      gint64           now_us);
typedef enum
{
  SF_SIM_STUB_IGNORED,   /* RUN_USER_CODE, or anything while hung */
  SF_SIM_STUB_ANSWERED,  /* a command, answered (possibly with an error) */
  SF_SIM_STUB_ACK,       /* taken as a READ_FLASH acknowledgement */
} SfSimStubResult;

SfSimStubResult _sf_sim_stub_handle_frame (SfSimStub       *self,
                                           const guint8    *frame,
                                           gsize            length,
                                           gint64           arrival_us);
/* The @corrupt_index-th data block from now gets a bit flipped in flash
 * yet succeeds; the write of the @fail_index-th fails (reported, as the
 * stub does, in the reply to the next request). -1 disarms either. */
void       _sf_sim_stub_arm_faults   (SfSimStub       *self,
                                      gint             corrupt_index,
                                      gint             fail_index);

/* Within the stub machine (sf-sim-stub.c, sf-sim-stub-flash.c). */
void       _sf_sim_stub_send_frame   (SfSimStub       *self,
                                      const guint8    *data,
                                      gsize            length);
void       _sf_sim_stub_reset_flash  (SfSimStub       *self);
guint16    _sf_sim_stub_flash_begin  (SfSimStub       *self,
                                      const guint8    *payload,
                                      gsize            size,
                                      gboolean         compressed);
guint16    _sf_sim_stub_flash_end    (SfSimStub       *self,
                                      gsize            size);
guint16    _sf_sim_stub_write_block  (SfSimStub       *self,
                                      const guint8    *payload,
                                      gsize            size);
guint16    _sf_sim_stub_inflate_block (SfSimStub      *self,
                                       const guint8   *payload,
                                       gsize           size);
guint16    _sf_sim_stub_erase_region (SfSimStub       *self,
                                      guint32          address,
                                      guint32          length);
guint16    _sf_sim_stub_read_flash   (SfSimStub       *self,
                                      const guint8    *payload);
void       _sf_sim_stub_read_ack     (SfSimStub       *self,
                                      const guint8    *frame,
                                      gsize            length);
/* Can the stub's reads of [address, address + length) succeed? They go
 * in whole 4-byte words and stop at the flash size it believes in. */
gboolean   _sf_sim_stub_can_read     (SfSimStub       *self,
                                      guint32          address,
                                      guint32          length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSimStub, _sf_sim_stub_free)

G_END_DECLS
