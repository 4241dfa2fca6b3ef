/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-chip.h"
#include "sf-transport.h"

G_BEGIN_DECLS

/* The rate most firmware prints at; the monitor's default. */
#define SF_MONITOR_DEFAULT_BAUD 115200

typedef enum
{
  SF_MONITOR_LINE_OUTPUT,    /* what the firmware printed */
  SF_MONITOR_LINE_BOOT,      /* the ROM's own boot text (the ESP8266's at 74880 baud);
                              * also a ROM reset line recognised among the
                              * output (the ESP32 family's, at the firmware's rate) */
  SF_MONITOR_LINE_NOTE,      /* Sparkflash's words: "Resetting the board", "… lines skipped" */
  SF_MONITOR_LINE_SENT,      /* a line the user sent to the board */
} SfMonitorLineKind;

/* The 16 ANSI colours (SGR 30–37, 90–97), as ESP-IDF's log uses them. */
typedef enum
{
  SF_ANSI_DEFAULT = -1,
  SF_ANSI_BLACK,
  SF_ANSI_RED,
  SF_ANSI_GREEN,
  SF_ANSI_YELLOW,
  SF_ANSI_BLUE,
  SF_ANSI_MAGENTA,
  SF_ANSI_CYAN,
  SF_ANSI_WHITE,
  SF_ANSI_BRIGHT_BLACK,
  SF_ANSI_BRIGHT_RED,
  SF_ANSI_BRIGHT_GREEN,
  SF_ANSI_BRIGHT_YELLOW,
  SF_ANSI_BRIGHT_BLUE,
  SF_ANSI_BRIGHT_MAGENTA,
  SF_ANSI_BRIGHT_CYAN,
  SF_ANSI_BRIGHT_WHITE,
} SfAnsiColor;

/* A run of a line's text in one style. Offsets are in bytes of the text. */
typedef struct
{
  guint       start;
  guint       end;
  SfAnsiColor foreground;
  gboolean    bold;
} SfAnsiSpan;

/* One line as received: immutable once made, shared by reference. */
typedef struct
{
  SfMonitorLineKind kind;
  gint64            time_us;      /* wall clock (g_get_real_time()) of its first byte */
  char             *text;         /* valid UTF-8, no escapes, no line end */
  SfAnsiSpan       *spans;        /* colour runs; NULL when the line had none */
  guint             n_spans;
  char             *explanation;  /* BOOT lines the monitor understood, in words
                                   * ("Reset by the EN pin; booted normally from
                                   * flash"), translated; else NULL */
} SfMonitorLine;

#define SF_TYPE_MONITOR_LINE (sf_monitor_line_get_type ())
GType          sf_monitor_line_get_type (void) G_GNUC_CONST;
SfMonitorLine *sf_monitor_line_ref      (SfMonitorLine *line);
void           sf_monitor_line_unref    (SfMonitorLine *line);
/* "12:34:56.789  text", the form the log is saved in; a BOOT line's
 * explanation follows it in parentheses. */
char          *sf_monitor_line_format   (const SfMonitorLine *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfMonitorLine, sf_monitor_line_unref)

#define SF_TYPE_MONITOR (sf_monitor_get_type ())
G_DECLARE_FINAL_TYPE (SfMonitor, sf_monitor, SF, MONITOR, GObject)

/* A serial monitor on one port: a thread of its own reads the board's
 * output, splits it into lines, decodes ANSI colours, and hands the lines
 * to the main context of the thread that called sf_monitor_start() in
 * batches, so a board printing at full speed never floods that loop. Its
 * memory is bounded: it keeps the last lines in a ring, and lines the main
 * context has not taken yet are dropped, with a NOTE saying how many,
 * when they pile up.
 *
 * Frames of the Improv Wi-Fi Serial protocol inside the output are taken
 * out of it and handed to the improv-frame signal instead.
 *
 * Signals (on that main context):
 *   lines-added (GPtrArray *lines)    SfMonitorLine *, in order; also
 *                                     appended to the ring
 *   improv-frame (guint type, GBytes *payload)
 *                                     a well-formed Improv frame (checksum good)
 *   stopped (const GError *error)     the port went away or failed (@error
 *                                     set), or sf_monitor_stop() was called
 *                                     (@error NULL); the port is closed */
SfMonitor   *sf_monitor_new              (void) G_GNUC_WARN_UNUSED_RESULT;

/* How many lines the ring keeps (default 10000). */
void         sf_monitor_set_max_lines    (SfMonitor      *self,
                                          guint           max_lines);

/* Opens @port_path at @baud and starts reading. With @reset, first pulses
 * RTS so the board restarts into its firmware (on a port without modem
 * lines, a NOTE asks the user to press RESET). @chip (SF_CHIP_AUTO when
 * not known) tells the monitor about ROM boot text at another rate: for
 * the ESP8266 it reads at 74880 baud from the reset until the ROM's text
 * is over, marks those lines BOOT, then moves to @baud. Fails, with the
 * port untouched, when the port cannot be opened (the transport's
 * errors) or the monitor is already running (G_IO_ERROR_BUSY). */
gboolean     sf_monitor_start            (SfMonitor      *self,
                                          const char     *port_path,
                                          guint           baud,
                                          SfChip          chip,
                                          gboolean        reset,
                                          GError        **error);
/* Stops reading and closes the port before it returns (within tens of
 * milliseconds), so another operation can open it; emits stopped. Does
 * nothing when not running. */
void         sf_monitor_stop             (SfMonitor      *self);
gboolean     sf_monitor_get_running      (SfMonitor      *self);
const char  *sf_monitor_get_port_path    (SfMonitor      *self);
guint        sf_monitor_get_baud         (SfMonitor      *self);

/* While running: restarts the board into its firmware, as with @reset
 * above (boot text included). */
void         sf_monitor_reset            (SfMonitor      *self);
/* While running: moves the port to another rate. When not running, only
 * sets the rate sf_monitor_get_baud() returns. */
void         sf_monitor_set_baud         (SfMonitor      *self,
                                          guint           baud);
/* While running: sends @line and "\r\n" to the board, and adds it to the
 * lines as SENT. Writing happens on the monitor's thread: this returns at
 * once; a failure stops the monitor with its error. */
void         sf_monitor_send_line        (SfMonitor      *self,
                                          const char     *line);
/* While running: sends bytes as they are (Improv frames). */
void         sf_monitor_send_bytes       (SfMonitor      *self,
                                          GBytes         *bytes);

/* The ring: the last lines, oldest first. */
GPtrArray   *sf_monitor_dup_lines        (SfMonitor      *self);
void         sf_monitor_clear            (SfMonitor      *self);
/* Writes the ring to @path, a line each in sf_monitor_line_format()'s
 * form, replacing the file only once it is complete. */
gboolean     sf_monitor_save             (SfMonitor      *self,
                                          const char     *path,
                                          GError        **error);

G_END_DECLS
