/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Misbehaviours a test can ask for. */
typedef enum
{
  SF_SIM_FAULT_NONE,
  SF_SIM_FAULT_SILENT,          /* never answers anything (not in download mode) */
  SF_SIM_FAULT_UNPLUG,          /* closes the pty master after N commands (cable pulled) */
  SF_SIM_FAULT_STALL,           /* stops answering after N commands */
  SF_SIM_FAULT_CORRUPT_WRITE,   /* flips a bit in the Nth flash block written */
} SfSimFault;

#define SF_TYPE_SIM_DEVICE (sf_sim_device_get_type ())
G_DECLARE_FINAL_TYPE (SfSimDevice, sf_sim_device, SF, SIM_DEVICE, GObject)

/* @chip: "esp8266", "esp32", "esp32s3", "esp32c3", ... (as esptool's --chip).
 * Fails for a chip the simulator does not know. */
SfSimDevice *sf_sim_device_new              (const char   *chip,
                                             GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* Before start. Default 4 MiB; the JEDEC id follows the size. */
void         sf_sim_device_set_flash_size   (SfSimDevice  *self,
                                             gsize         size);
/* Before start: keep the flash in @path (created 0xFF-filled if missing,
 * written back as it changes and on stop). Without it, flash is in memory. */
void         sf_sim_device_set_flash_file   (SfSimDevice  *self,
                                             const char   *path);
/* Before start: print the ROM's boot banner on the line first, as a real
 * board does after reset, so the client must skip it. */
void         sf_sim_device_set_boot_log     (SfSimDevice  *self,
                                             gboolean      boot_log);
/* Before start, or at any time for the next commands. @after_commands
 * counts commands answered from now on: STALL answers that many more and
 * then ignores everything, UNPLUG answers that many and closes the pty on
 * the next request. For CORRUPT_WRITE it counts flash data blocks instead
 * (FLASH_DATA / FLASH_DEFL_DATA): that many are written intact, the next one
 * gets one bit flipped in flash while the ROM still acknowledges it.
 * SILENT ignores the number. SF_SIM_FAULT_NONE heals a STALL. */
void         sf_sim_device_set_fault        (SfSimDevice  *self,
                                             SfSimFault    fault,
                                             guint         after_commands);
/* When TRUE the device paces its output at the baud rate the client set on
 * the pty (10 bits per byte), as a real UART would. Default FALSE. */
void         sf_sim_device_set_emulate_baud (SfSimDevice  *self,
                                             gboolean      emulate);
/* Any time: above @max_baud (as the client set it on the line) the board
 * hears only noise and answers nothing, like a cable or adapter that cannot
 * carry the rate. 0, the default, lets every rate work. */
void         sf_sim_device_set_max_baud     (SfSimDevice  *self,
                                             guint         max_baud);

/* Opens a pseudo-terminal and serves it from a thread of its own.
 * Like a freshly reset ROM it answers nothing but SYNC until synced; after
 * FLASH_END / FLASH_DEFL_END (reboot or run app) it answers that command and
 * then waits for a new SYNC again (a pty has no reset lines). */
gboolean     sf_sim_device_start            (SfSimDevice  *self,
                                             GError      **error);
/* The pty slave path clients open, e.g. "/dev/pts/7"; NULL before start. */
const char  *sf_sim_device_get_port_path    (SfSimDevice  *self);
/* Stops serving and closes the pty (clients see the port vanish). */
void         sf_sim_device_stop             (SfSimDevice  *self);

/* Thread-safe copies of and changes to the flash. */
GBytes      *sf_sim_device_dup_flash        (SfSimDevice  *self,
                                             guint32       offset,
                                             gsize         length);
void         sf_sim_device_write_flash      (SfSimDevice  *self,
                                             guint32       offset,
                                             const guint8 *data,
                                             gsize         length);
gsize        sf_sim_device_get_flash_size   (SfSimDevice  *self);
/* Factory MAC the simulated eFuses hold. */
void         sf_sim_device_get_mac          (SfSimDevice  *self,
                                             guint8        out_mac[6]);
/* How many commands it has answered since start (for tests). */
guint        sf_sim_device_get_command_count (SfSimDevice *self);

G_END_DECLS
