/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-device.h"
#include "sf-sim-chip-private.h"
#include "sf-sim-firmware-private.h"
#include "sf-sim-flash-private.h"
#include "sf-sim-noise-private.h"
#include "sf-sim-regs-private.h"
#include "sf-sim-rom-private.h"
#include "sf-sim-slip-private.h"
#include "sf-sim-stub-private.h"
#include "sf-sim-timing-private.h"

G_BEGIN_DECLS

/* The device's state, shared by sf-sim-device.c (the line and the serving
 * thread), sf-sim-device-faults.c (what a test asks to go wrong) and
 * sf-sim-device-identity.c (what board it is: crystal, flash size, the
 * eFuses). */

#define SF_SIM_DEFAULT_FLASH_SIZE (4 * 1024 * 1024)

/* What a queued chunk is, for the wire statistics. */
enum
{
  WIRE_OTHER,
  WIRE_DATA_REPLY,   /* the reply to FLASH_DATA / FLASH_DEFL_DATA */
  WIRE_READ_DATA,    /* a READ_FLASH data packet from the stub */
};

/* Wire statistics; first/last times are 0 until seen. */
typedef struct
{
  guint64 rx, tx, data_bytes, read_bytes;
  gint64  data_first_us, data_last_us, read_first_us, read_last_us;
} WireCounts;

struct _SfSimDevice
{
  GObject           parent_instance;

  /* Configuration, set before start */
  const SfSimChip  *chip;
  gsize             flash_size;
  guint             xtal_mhz;     /* 0 = the chip's */
  guint8            mac[6];       /* the factory MAC in its eFuses */
  gboolean          secure_boot;  /* eFuses: secure boot enabled */
  gboolean          flash_encryption; /* eFuses: flash encryption enabled */
  gboolean          esp8285;      /* an ESP8266 that is an ESP8285 */
  char             *flash_path;
  gboolean          boot_log;
  gboolean          emulate_baud;
  guint             max_baud;     /* atomic; 0 = any rate works */
  gint              flash_timing; /* atomic gboolean */
  gint              slow_flash;   /* atomic gboolean */
  gint              firmware;     /* atomic SfSimFirmware */
  guint             firmware_baud; /* atomic */

  /* Owned; the flash and the noise lock themselves */
  SfSimFlash       *flash;
  SfSimNoise       *noise;
  char             *port_path;
  GThread          *thread;
  int               wake_pipe[2];

  /* Owned by the serving thread while it runs */
  int               master_fd;
  int               slave_fd;
  SfSimRegs        *regs;
  SfSimTiming       timing;
  SfSimRom         *rom;
  SfSimStub        *stub;
  gboolean          stub_running;
  SfSimSlipDecoder  decoder;
  GQueue            out_queue;
  gsize             queued;
  gint64            rx_clock_us;
  gint64            tx_clock_us;
  guint             pace_baud;
  gboolean          unplugged;
  gboolean          in_data_request; /* the stub is handling FLASH_(DEFL_)DATA */
  gboolean          awaiting_sync;   /* reset, and the ROM has answered nothing yet */
  gint64            garbage_due_us;
  /* CHANGE_BAUDRATE put the chip's UART at switched_baud while the host
   * was at switched_from_baud; the next bytes tell where the host went
   * (0 = nothing to check). */
  guint             switched_baud;
  guint             switched_from_baud;
  /* After CHANGE_BAUDRATE the host's port ran at another rate than the
   * chip's UART: what each sends, the other hears garbled, until the host
   * moves its port again (0 = the two agree). */
  guint             mismatch_host_baud;
  guint             mismatch_chip_baud;
  GByteArray       *noisy;           /* scratch: frames after the cable */
  /* The firmware (sf-sim-firmware.c): the setting the line follows, is
   * the host's port open, and the app running (NULL: the loader runs). */
  SfSimFirmware     fw_applied;
  gboolean          host_on;
  SfSimFw          *fw;
  /* Opens and closes of the port as inotify reports them (-1: none, the
   * master's hang-up is all there is), and how many of them are the
   * board's own and how many the host's. */
  int               open_watch_fd;
  guint             own_opens;
  guint             own_closes;
  guint             host_opens;

  /* Shared with the serving thread; protected by mutex */
  GMutex            mutex;
  SfSimFault        fault;
  guint             fault_after;
  guint             fault_base;
  gboolean          fault_changed;
  guint             command_count;
  guint             request_count; /* commands, and READ_FLASH acks, acted on */
  gboolean          reset_requested;
  gboolean          press_requested; /* the reset button, strap released */
  gboolean          stub_seen;    /* a copy of stub_running for other threads */
  WireCounts        wire;
};

/* sf-sim-device.c: queues bytes for the host, not to leave before
 * @ready_us (0 = at once). */
void   _sf_sim_device_enqueue             (SfSimDevice  *self,
                                           guint         kind,
                                           const guint8 *data,
                                           gsize         length,
                                           gint64        ready_us);

/* …paced at @baud with emulate_baud (0: at the host's rate). */
void   _sf_sim_device_enqueue_paced       (SfSimDevice  *self,
                                           const guint8 *data,
                                           gsize         length,
                                           guint         baud);
/* Wakes the serving thread (@why 'q' makes it quit). */
void   _sf_sim_device_wake                (SfSimDevice  *self,
                                           char          why);
/* The rate the host set on its end of the line; 0 if unknown. */
guint  _sf_sim_device_client_baud         (SfSimDevice  *self);
/* The reset button with the strap held: the ROM loader waits for SYNC,
 * output not yet sent is lost; the banner is printed if @banner and the
 * boot log is on. */
void   _sf_sim_device_reset_board         (SfSimDevice  *self,
                                           gboolean      banner);

/* sf-sim-device-identity.c: what the board's eFuses hold. */
void   _sf_sim_device_get_efuses          (SfSimDevice  *self,
                                           SfSimEfuses  *out_efuses);

/* sf-sim-device-faults.c, all in the serving thread. */
/* Hands the SfSimFault to the loaders; with the mutex held. */
void   _sf_sim_device_arm_faults          (SfSimDevice  *self);
/* …if it changed since. */
void   _sf_sim_device_apply_fault_changes (SfSimDevice  *self);
/* Queues whole SLIP frames from a loader, through the cable. */
void   _sf_sim_device_send_frames         (SfSimDevice  *self,
                                           guint         kind,
                                           const guint8 *wire,
                                           gsize         length,
                                           gint64        ready_us);
/* The line has just opened or the board been reset: garbage is due now,
 * if it is on. */
void   _sf_sim_device_line_reset          (SfSimDevice  *self);
/* Queues garbage if some is due at @now_us; returns when to look again,
 * 0 when none is due any more. */
gint64 _sf_sim_device_garbage_tick        (SfSimDevice  *self,
                                           gint64        now_us);

G_END_DECLS
