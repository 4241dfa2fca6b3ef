/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-sim-device.h"

G_BEGIN_DECLS

/* The app a simulated board runs once it boots from flash (not the
 * loader): the ROM's boot text first, then the app's own output, and the
 * app hearing the host's bytes. sf-sim-firmware.c has the boot, the
 * logger and the flood, sf-sim-improv.c the Improv Wi-Fi Serial app. All
 * of it runs in the device's serving thread. */

/* What brought the board up from flash: its ROM says so in its text. */
typedef enum
{
  SF_SIM_BOOT_OPEN,    /* the host opened the port (its monitor's reset) */
  SF_SIM_BOOT_BUTTON,  /* sf_sim_device_press_reset () */
} SfSimBootCause;

typedef struct _SfSimImprov SfSimImprov;

typedef struct
{
  SfSimDevice   *device;
  SfSimFirmware  kind;
  guint          rom_baud;     /* the ROM's UART: 74880 on a 26 MHz board */
  guint          app_baud;
  gint64         boot_us;      /* the reset */
  gint64         rom_at_us;    /* the ROM prints then (0 = done) */
  gint64         app_at_us;    /* the app starts then */
  gboolean       app_running;
  char          *rom_text;
  guint          sync_match;   /* how much of C0 00 08 (a SYNC frame's start) came in a row */
  GByteArray    *line;         /* the logger's input line so far */
  gboolean       after_cr;     /* the last byte ended a line with \r */
  gint64         next_tick_us; /* the logger's next uptime line */
  guint          seconds;
  guint64        flood_lines;
  SfSimImprov   *improv;
} SfSimFw;

/* sf-sim-firmware.c */
/* Prints @text at the app's rate: as the host reads it at its own rate. */
void         _sf_sim_fw_print        (SfSimFw    *fw,
                                      const char *text,
                                      gsize       length);
/* …formatted, e.g. a log line. */
void         _sf_sim_fw_printf       (SfSimFw    *fw,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* Milliseconds since the reset, as the app's log stamps count them. */
guint        _sf_sim_fw_uptime_ms    (SfSimFw    *fw,
                                      gint64      now_us);
/* "ESP32", "ESP32-S3", "ESP8266" …: newly allocated. */
char        *_sf_sim_fw_chip_family  (SfSimFw    *fw);

/* sf-sim-improv.c */
SfSimImprov *_sf_sim_improv_new      (void);
void         _sf_sim_improv_free     (SfSimImprov *improv);
/* The app has started: its boot log. */
void         _sf_sim_improv_start    (SfSimFw     *fw,
                                      gint64       now_us);
/* Bytes from the host, as the app's UART heard them. */
void         _sf_sim_improv_input    (SfSimFw      *fw,
                                      const guint8 *data,
                                      gsize         length,
                                      gint64        now_us);
/* Does what is due (a connection attempt ending); returns when to look
 * again, 0 for never. */
gint64       _sf_sim_improv_tick     (SfSimFw     *fw,
                                      gint64       now_us);

/* The device's hooks (sf-sim-firmware.c, in the serving thread). */
/* Follows the firmware setting, watches the host open and close the port,
 * and prints what is due. Returns when to look again (0 = only on input)
 * and sets @out_host_away while the host's port is closed, when the
 * master must not be polled (it reports a hang-up all the time). */
gint64       _sf_sim_device_fw_poll  (SfSimDevice *self,
                                      gint64       now_us,
                                      gboolean    *out_host_away);
/* The reset button was pressed (the strap released). */
void         _sf_sim_device_fw_press (SfSimDevice *self);
/* The host's bytes: while an app runs it takes them and this returns
 * FALSE, unless a SYNC frame's start came in: then the ROM loader takes
 * over (reset into download mode) and @data / @length are set to what it
 * must decode (the SYNC frame onwards), kept in a new @out_buffer. TRUE:
 * the loader decodes them. */
gboolean     _sf_sim_device_fw_input (SfSimDevice   *self,
                                      const guint8 **data,
                                      gsize         *length,
                                      GByteArray   **out_buffer);
/* Stop: the app is gone. */
void         _sf_sim_device_fw_clear (SfSimDevice *self);

G_END_DECLS
