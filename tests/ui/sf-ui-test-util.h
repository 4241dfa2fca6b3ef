/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the GUI tests, the benchmarks and the screenshot renderer:
 * they run the real application in-process, in demo mode. Built once, as
 * a static library (tests/ui/meson.build). */

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "sf-application.h"
#include "sf-production-window.h"
#include "sf-window-private.h"

G_BEGIN_DECLS

/* Iterates the main context until @cond holds; fails after @timeout_ms.
 * A ticking timeout keeps the loop from sleeping through a state change
 * made by another thread. */
#define SF_WAIT_UNTIL(cond, timeout_ms)                                          \
  G_STMT_START {                                                                 \
    gint64 sf_wait_end_ = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000; \
    guint sf_wait_tick_ = g_timeout_add (10, sf_test_tick_cb, NULL);             \
    while (!(cond))                                                              \
      {                                                                          \
        if (g_get_monotonic_time () > sf_wait_end_)                              \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond); \
        g_main_context_iteration (NULL, TRUE);                                   \
      }                                                                          \
    g_source_remove (sf_wait_tick_);                                             \
  } G_STMT_END

/* SF_WAIT_UNTIL()'s tick. */
gboolean sf_test_tick_cb (gpointer data);

/* Runs the main loop for @ms. */
void sf_test_spin (guint ms);

/* Whether the message banner is shown. */
gboolean sf_test_has_banner (SfWindow *window);

/* Whether the port warning banner is shown. */
gboolean sf_test_has_port_warning (SfWindow *window);

/* Appends @v, little-endian. */
void sf_test_put_u32 (GByteArray *a,
                      guint32     v);

/* Deterministic noise: compresses about as badly as real firmware code. */
void sf_test_fill_noise (guint8 *data,
                         gsize   length,
                         guint32 seed);

typedef struct
{
  guint32 address;
  guint32 length;
} SfTestSegment;

/* An ESP32 0xE9 image with an extended header and appended SHA-256.
 * Segments at flash-mapped addresses make it an app, RAM-only ones a
 * bootloader. Segment bytes are noise. */
GBytes *sf_test_build_esp32_image (const SfTestSegment *segments,
                                   guint                n_segments,
                                   guint8               flash_mode,
                                   guint8               size_freq,
                                   guint32              seed);

/* An ESP32 app of about @size bytes. */
GBytes *sf_test_build_app (gsize   size,
                           guint32 seed);

/* An ESP32 second-stage bootloader image. */
GBytes *sf_test_build_bootloader (guint32 seed);

/* A partition table: nvs, phy_init and a 1 MiB factory app. */
GBytes *sf_test_build_partition_table (void);

/* Writes @bytes to @dir/@name; returns the path. */
char *sf_test_write_file (const char *dir,
                          const char *name,
                          GBytes     *bytes);

/* Resets every key, so each test starts as on a first run. */
void sf_test_reset_settings (GSettings *settings);

/* Sets the simulated flash back to erased. */
void sf_test_blank_flash (SfSimDevice *device);

/* A new window, shown, with @chip's simulated board chosen. */
SfWindow *sf_test_open_window (SfApplication *app,
                               const char    *chip);

/* Closes @window and waits until it is gone. */
void sf_test_close_window (SfWindow *window);

/* Removes @path and everything below it. */
void sf_test_remove_tree (const char *path);

/* A fake sysfs with a CH340 (1a86:7523) on the bus and no tty for it,
 * brltty's doing, which the window warns about; the port monitor reads it
 * through SPARKFLASH_SYSFS_ROOT. Returns the root, for
 * sf_test_remove_tree(). */
char *sf_test_make_fake_sysfs (void);

/* @n simulated ESP32 boards on ptys, started, listed by @app's port
 * monitor (behind a CP2102's USB ids) and waited for until listed; with
 * @timed, each takes as long as a real board (emulate_baud and flash
 * timing). Returns them, owned, for sf_test_stop_boards(). */
GPtrArray *sf_test_start_boards (SfApplication *app,
                                 guint          n,
                                 gboolean       timed);

/* Takes the boards off the port list and stops them. */
void sf_test_stop_boards (SfApplication *app,
                          GPtrArray     *boards);

/* Activates win.production on @window and returns the production window
 * it opened, shown (owned by GTK, like any toplevel). */
SfProductionWindow *sf_test_open_production (SfWindow *window);

/* Runs @production's win.production.start with the ports of @boards
 * ticked and waits until every board has ended; fails after @timeout_ms. */
void sf_test_run_production (SfProductionWindow *production,
                             GPtrArray          *boards,
                             guint               timeout_ms);

G_END_DECLS
