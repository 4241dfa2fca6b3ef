/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include <glib/gstdio.h>

#include "sf-brltty-watch.h"
#include "sf-port-entry-private.h"
#include "sf-port-monitor-private.h"
#include "../test-timing.h"

/* The fake sysfs every monitor in this process looks at. */
static char *sysfs_root;

/* Iterates the default main context until @cond holds; fails after @seconds. */
#define WAIT_UNTIL(cond, seconds)                                               \
  G_STMT_START                                                                  \
  {                                                                             \
    gint64 wait_end_ = g_get_monotonic_time () + (seconds) * G_USEC_PER_SEC;    \
    while (!(cond))                                                             \
      {                                                                         \
        if (g_get_monotonic_time () > wait_end_)                                \
          g_error ("Timed out after %d s waiting for: %s", (int) (seconds), #cond); \
        while (g_main_context_iteration (NULL, FALSE))                          \
          ;                                                                     \
        g_usleep (2000);                                                        \
      }                                                                         \
  }                                                                             \
  G_STMT_END

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

/* Records items-changed and checks the model is consistent with each one. */
typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct
{
  GArray *changes;
  guint   n_items;
} Recorder;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *recorder)
{
  Change change = { position, removed, added };

  g_assert_cmpuint (position + removed, <=, recorder->n_items);
  recorder->n_items = recorder->n_items - removed + added;
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, recorder->n_items);
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(SfPortEntry) port = g_list_model_get_item (model, i);
      g_assert_true (SF_IS_PORT_ENTRY (port));
    }

  g_array_append_val (recorder->changes, change);
}

static void
recorder_init (Recorder      *recorder,
               SfPortMonitor *monitor)
{
  recorder->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  recorder->n_items = g_list_model_get_n_items (G_LIST_MODEL (monitor));
  g_signal_connect (monitor, "items-changed", G_CALLBACK (items_changed_cb), recorder);
}

static void
recorder_clear (Recorder      *recorder,
                SfPortMonitor *monitor)
{
  g_signal_handlers_disconnect_by_func (monitor, items_changed_cb, recorder);
  g_clear_pointer (&recorder->changes, g_array_unref);
}

static void
assert_change (Recorder *recorder,
               guint     index,
               guint     position,
               guint     removed,
               guint     added)
{
  Change *change;

  g_assert_cmpuint (index, <, recorder->changes->len);
  change = &g_array_index (recorder->changes, Change, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static SfPortEntry *
usb_port (const char *path,
          guint       vid,
          guint       pid,
          const char *serial)
{
  g_autofree char *title = _sf_port_entry_build_title (path, TRUE, vid, pid, NULL, NULL, NULL);
  g_autofree char *subtitle = _sf_port_entry_build_subtitle (TRUE, vid, pid, serial);

  return _sf_port_entry_new (SF_PORT_KIND_USB, path, title, subtitle, serial, vid, pid);
}

static SfPortEntry *
builtin_port (const char *path)
{
  g_autofree char *title = _sf_port_entry_build_title (path, FALSE, 0, 0, NULL, NULL, NULL);

  return _sf_port_entry_new (SF_PORT_KIND_BUILTIN, path, title, "", NULL, 0, 0);
}

static GPtrArray *
port_list (SfPortEntry *first,
           ...)
{
  GPtrArray *ports = g_ptr_array_new_with_free_func (g_object_unref);
  va_list args;

  va_start (args, first);
  for (SfPortEntry *port = first; port != NULL; port = va_arg (args, SfPortEntry *))
    g_ptr_array_add (ports, port);
  va_end (args);

  return ports;
}

static void
assert_paths (SfPortMonitor *monitor,
              const char    *const *paths)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (monitor));

  g_assert_cmpuint (n, ==, g_strv_length ((char **) paths));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SfPortEntry) port = g_list_model_get_item (G_LIST_MODEL (monitor), i);
      g_assert_cmpstr (sf_port_entry_get_path (port), ==, paths[i]);
    }
}

static void
assert_title (const char *expected,
              const char *path,
              gboolean    is_usb,
              guint       vid,
              guint       pid,
              const char *product,
              const char *manufacturer,
              const char *description)
{
  g_autofree char *title = _sf_port_entry_build_title (path, is_usb, vid, pid, product,
                                                 manufacturer, description);

  g_assert_cmpstr (title, ==, expected);
}

static void
test_titles (void)
{
  g_autofree char *subtitle = NULL;

  assert_title ("CP2102 USB to UART — /dev/ttyUSB0", "/dev/ttyUSB0", TRUE, 0x10c4, 0xea60,
                "CP2102N USB to UART Bridge Controller", "Silicon Labs",
                "CP2102N USB to UART Bridge Controller");
  assert_title ("CP2105 dual USB to UART — /dev/ttyUSB1", "/dev/ttyUSB1", TRUE, 0x10c4, 0xea70,
                NULL, NULL, NULL);
  assert_title ("CH340 USB to UART — /dev/ttyUSB0", "/dev/ttyUSB0", TRUE, 0x1a86, 0x7523,
                "USB Serial", NULL, "USB Serial");
  assert_title ("CH341 USB to UART — /dev/ttyUSB0", "/dev/ttyUSB0", TRUE, 0x1a86, 0x5523,
                NULL, NULL, NULL);
  assert_title ("CH9102 USB to UART — /dev/ttyACM0", "/dev/ttyACM0", TRUE, 0x1a86, 0x55d4,
                "USB Single Serial", NULL, NULL);
  assert_title ("CH343 USB to UART — /dev/ttyACM0", "/dev/ttyACM0", TRUE, 0x1a86, 0x55d3,
                NULL, NULL, NULL);
  assert_title ("FTDI FT232R USB to UART — /dev/ttyUSB2", "/dev/ttyUSB2", TRUE, 0x0403, 0x6001,
                "FT232R USB UART", "FTDI", NULL);
  assert_title ("FTDI FT2232 dual USB to UART — /dev/ttyUSB2", "/dev/ttyUSB2", TRUE, 0x0403,
                0x6010, NULL, NULL, NULL);
  assert_title ("FTDI FT232H USB to UART — /dev/ttyUSB2", "/dev/ttyUSB2", TRUE, 0x0403, 0x6014,
                NULL, NULL, NULL);
  assert_title ("FTDI FT-X USB to UART — /dev/ttyUSB2", "/dev/ttyUSB2", TRUE, 0x0403, 0x6015,
                NULL, NULL, NULL);
  assert_title ("Prolific PL2303 USB to UART — /dev/ttyUSB3", "/dev/ttyUSB3", TRUE, 0x067b,
                0x2303, NULL, NULL, NULL);
  assert_title ("Espressif USB JTAG/serial — /dev/ttyACM0", "/dev/ttyACM0", TRUE, 0x303a, 0x1001,
                "USB JTAG/serial debug unit", "Espressif", NULL);
  assert_title ("Espressif USB-OTG CDC — /dev/ttyACM1", "/dev/ttyACM1", TRUE, 0x303a, 0x0002,
                "ESP32-S2", "Espressif", NULL);
  assert_title ("Espressif USB-OTG CDC — /dev/ttyACM1", "/dev/ttyACM1", TRUE, 0x303a, 0x4001,
                NULL, NULL, "ttyACM1");
  assert_title ("Feather ESP32-S3 — /dev/ttyACM1", "/dev/ttyACM1", TRUE, 0x303a, 0x8123,
                "Feather ESP32-S3", "Adafruit", NULL);

  /* Unknown adapters: product, then manufacturer, then description. */
  assert_title ("My Board — /dev/ttyACM3", "/dev/ttyACM3", TRUE, 0x1234, 0x5678,
                "My Board", "Acme", "My Board");
  assert_title ("Acme — /dev/ttyACM3", "/dev/ttyACM3", TRUE, 0x1234, 0x5678,
                "", "Acme", NULL);
  assert_title ("Some adapter — /dev/ttyACM3", "/dev/ttyACM3", TRUE, 0x1234, 0x5678,
                NULL, NULL, "Some adapter");
  assert_title ("USB serial port — /dev/ttyACM4", "/dev/ttyACM4", TRUE, 0x1234, 0x5678,
                NULL, NULL, "ttyACM4");
  assert_title ("Serial port — /dev/ttyS0", "/dev/ttyS0", FALSE, 0, 0, NULL, NULL, "ttyS0");
  assert_title ("Serial port — /dev/ttyAMA0", "/dev/ttyAMA0", FALSE, 0, 0, NULL, NULL, NULL);
  assert_title ("Bluetooth link — /dev/rfcomm0", "/dev/rfcomm0", FALSE, 0, 0, NULL, NULL,
                "Bluetooth link");
  /* Not USB: the USB fields are ignored. */
  assert_title ("Serial port — /dev/ttyS1", "/dev/ttyS1", FALSE, 0x10c4, 0xea60, "x", "y", NULL);

  subtitle = _sf_port_entry_build_subtitle (TRUE, 0x10c4, 0xea60, "0001");
  g_assert_cmpstr (subtitle, ==, "USB 10c4:ea60 · serial 0001");
  g_clear_pointer (&subtitle, g_free);
  subtitle = _sf_port_entry_build_subtitle (TRUE, 0x1A86, 0x7523, NULL);
  g_assert_cmpstr (subtitle, ==, "USB 1a86:7523");
  g_clear_pointer (&subtitle, g_free);
  subtitle = _sf_port_entry_build_subtitle (TRUE, 0x303a, 0x1001, "");
  g_assert_cmpstr (subtitle, ==, "USB 303a:1001");
  g_clear_pointer (&subtitle, g_free);
  subtitle = _sf_port_entry_build_subtitle (FALSE, 0, 0, "0001");
  g_assert_cmpstr (subtitle, ==, "");

  g_assert_cmpstr (_sf_port_entry_usb_bridge_chip (0x1a86, 0x7523), ==, "CH340");
  g_assert_cmpstr (_sf_port_entry_usb_bridge_chip (0x10c4, 0xea60), ==, "CP2102");
  g_assert_cmpstr (_sf_port_entry_usb_bridge_chip (0x0403, 0x6001), ==, "FT232R");
  g_assert_null (_sf_port_entry_usb_bridge_chip (0x303a, 0x1001));
  g_assert_null (_sf_port_entry_usb_bridge_chip (0x046d, 0xc52b));
}

static void
test_path_compare (void)
{
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS2", "/dev/ttyS10"), <, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS10", "/dev/ttyS9"), >, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyUSB0", "/dev/ttyUSB1"), <, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyACM0", "/dev/ttyUSB0"), <, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS", "/dev/ttyS0"), <, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS1", "/dev/ttyS1"), ==, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS007", "/dev/ttyS7"), ==, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyS007", "/dev/ttyS10"), <, 0);
  g_assert_cmpint (_sf_port_entry_path_compare ("/dev/ttyAMA0", "/dev/ttyS0"), <, 0);
}

static void
test_order (void)
{
  g_autoptr(SfPortMonitor) monitor = _sf_port_monitor_new_manual ();
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(SfPortEntry) sim = NULL;
  Recorder recorder;
  static const char *const expected[] = {
    "/dev/ttyACM0", "/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB10",
    "/dev/ttyAMA0", "/dev/ttyS2", "/dev/ttyS10",
    "/dev/pts/9", "/dev/pts/3", NULL,
  };

  recorder_init (&recorder, monitor);

  /* Simulated boards keep the order they came in, after every real port. */
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32", "/dev/pts/9", 0, 0);
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32-S3", "/dev/pts/3", 0, 0);
  sf_port_monitor_add_simulated (monitor, "Again", "/dev/pts/3", 0, 0);
  g_assert_cmpuint (recorder.changes->len, ==, 2);
  assert_change (&recorder, 0, 0, 0, 1);
  assert_change (&recorder, 1, 1, 0, 1);

  ports = port_list (builtin_port ("/dev/ttyS10"), usb_port ("/dev/ttyUSB1", 0x10c4, 0xea60, NULL),
                     builtin_port ("/dev/ttyS2"), usb_port ("/dev/ttyUSB10", 0x0403, 0x6001, "A1"),
                     builtin_port ("/dev/ttyAMA0"), usb_port ("/dev/ttyACM0", 0x303a, 0x1001, "M"),
                     usb_port ("/dev/ttyUSB0", 0x1a86, 0x7523, NULL), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);

  assert_paths (monitor, expected);
  g_assert_cmpuint (recorder.changes->len, ==, 3);
  assert_change (&recorder, 2, 0, 0, 7);

  sim = g_list_model_get_item (G_LIST_MODEL (monitor), 8);
  g_assert_true (sf_port_entry_get_is_simulated (sim));
  g_assert_false (sf_port_entry_get_is_usb (sim));
  g_assert_cmpstr (sf_port_entry_get_title (sim), ==, "Simulated ESP32-S3");
  g_assert_cmpstr (sf_port_entry_get_subtitle (sim), ==, "Simulated board — no hardware needed");
  g_assert_null (sf_port_entry_get_serial_number (sim));

  recorder_clear (&recorder, monitor);
  g_assert_finalize_object (g_steal_pointer (&monitor));
}

/* A simulated board behind a pretend adapter: USB for whatever is kept
 * per adapter, still simulated and listed after the real ports. */
static void
test_simulated_usb (void)
{
  g_autoptr(SfPortMonitor) monitor = _sf_port_monitor_new_manual ();
  g_autoptr(GPtrArray) ports = port_list (usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60, "1"), NULL);
  g_autoptr(SfPortEntry) sim = NULL;

  sf_port_monitor_add_simulated (monitor, "Simulated ESP8266", "/dev/pts/5", 0x1a86, 0x7523);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);

  sim = g_list_model_get_item (G_LIST_MODEL (monitor), 1);
  g_assert_true (sf_port_entry_get_is_simulated (sim));
  g_assert_true (sf_port_entry_get_is_usb (sim));
  g_assert_cmphex (sf_port_entry_get_usb_vid (sim), ==, 0x1a86);
  g_assert_cmphex (sf_port_entry_get_usb_pid (sim), ==, 0x7523);
  g_assert_cmpstr (sf_port_entry_get_subtitle (sim), ==,
                   "Simulated board — no hardware needed · USB 1a86:7523");
}

static void
test_diff (void)
{
  g_autoptr(SfPortMonitor) monitor = _sf_port_monitor_new_manual ();
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(SfPortEntry) kept = NULL;
  g_autoptr(SfPortEntry) item = NULL;
  Recorder recorder;
  guint n_notify = 0;
  static const char *const after_b[] = {
    "/dev/ttyUSB0", "/dev/ttyUSB2", "/dev/ttyUSB3", "/dev/ttyS0", "/dev/pts/4", NULL,
  };

  recorder_init (&recorder, monitor);
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32", "/dev/pts/4", 0, 0);

  ports = port_list (usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60, "1"),
                     usb_port ("/dev/ttyUSB1", 0x10c4, 0xea60, "2"),
                     usb_port ("/dev/ttyUSB2", 0x10c4, 0xea60, "3"),
                     builtin_port ("/dev/ttyS0"), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  g_clear_pointer (&ports, g_ptr_array_unref);
  g_assert_cmpuint (recorder.changes->len, ==, 2);
  assert_change (&recorder, 1, 0, 0, 4);
  kept = g_list_model_get_item (G_LIST_MODEL (monitor), 2);

  /* Unplug ttyUSB1, plug ttyUSB3: two small changes, not a reload. */
  ports = port_list (builtin_port ("/dev/ttyS0"),
                     usb_port ("/dev/ttyUSB3", 0x1a86, 0x7523, NULL),
                     usb_port ("/dev/ttyUSB2", 0x10c4, 0xea60, "3"),
                     usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60, "1"), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  assert_paths (monitor, after_b);
  g_assert_cmpuint (recorder.changes->len, ==, 4);
  assert_change (&recorder, 2, 1, 1, 0);
  assert_change (&recorder, 3, 2, 0, 1);

  /* The port that stayed is the same object, so a selection survives. */
  item = g_list_model_get_item (G_LIST_MODEL (monitor), 1);
  g_assert_true (item == kept);
  g_clear_object (&item);

  /* The same scan again changes nothing; a failed listing (NULL) neither. */
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  _sf_port_monitor_apply_scan (monitor, NULL, NULL);
  g_clear_pointer (&ports, g_ptr_array_unref);
  g_assert_cmpuint (recorder.changes->len, ==, 4);
  assert_paths (monitor, after_b);

  /* Another adapter at the same path: replaced in place. */
  ports = port_list (builtin_port ("/dev/ttyS0"),
                     usb_port ("/dev/ttyUSB3", 0x1a86, 0x7523, NULL),
                     usb_port ("/dev/ttyUSB2", 0x0403, 0x6001, "FT1"),
                     usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60, "1"), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  g_clear_pointer (&ports, g_ptr_array_unref);
  g_assert_cmpuint (recorder.changes->len, ==, 5);
  assert_change (&recorder, 4, 1, 1, 1);
  item = g_list_model_get_item (G_LIST_MODEL (monitor), 1);
  g_assert_cmpstr (sf_port_entry_get_title (item), ==, "FTDI FT232R USB to UART — /dev/ttyUSB2");
  g_assert_cmpstr (sf_port_entry_get_subtitle (item), ==, "USB 0403:6001 · serial FT1");
  g_assert_cmpuint (sf_port_entry_get_usb_vid (item), ==, 0x0403);
  g_assert_cmpuint (sf_port_entry_get_usb_pid (item), ==, 0x6001);
  g_assert_true (sf_port_entry_get_is_usb (item));
  g_clear_object (&item);

  /* Everything unplugged: one change; the simulated board stays. */
  ports = g_ptr_array_new_with_free_func (g_object_unref);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  g_assert_cmpuint (recorder.changes->len, ==, 6);
  assert_change (&recorder, 5, 0, 4, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 1);

  g_object_get (monitor, "n-items", &n_notify, NULL);
  g_assert_cmpuint (n_notify, ==, 1);

  recorder_clear (&recorder, monitor);
  g_assert_finalize_object (g_steal_pointer (&monitor));
}

static void
test_find (void)
{
  g_autoptr(SfPortMonitor) monitor = _sf_port_monitor_new_manual ();
  g_autoptr(GPtrArray) ports = NULL;
  SfPortEntry *port;

  sf_port_monitor_add_simulated (monitor, "Simulated ESP32", "/dev/pts/7", 0, 0);
  ports = port_list (usb_port ("/dev/ttyACM0", 0x303a, 0x1001, "AA:BB:CC"),
                     usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60, "0001"),
                     usb_port ("/dev/ttyUSB1", 0x10c4, 0xea60, "0001"),
                     usb_port ("/dev/ttyUSB2", 0x1a86, 0x7523, NULL),
                     builtin_port ("/dev/ttyS0"), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  g_clear_pointer (&ports, g_ptr_array_unref);

  g_assert_null (sf_port_monitor_find (monitor, NULL, NULL));
  g_assert_null (sf_port_monitor_find (monitor, "/dev/ttyUSB9", NULL));

  port = sf_port_monitor_find (monitor, "/dev/ttyACM0", NULL);
  g_assert_cmpstr (sf_port_entry_get_serial_number (port), ==, "AA:BB:CC");
  port = sf_port_monitor_find (monitor, NULL, "AA:BB:CC");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyACM0");
  port = sf_port_monitor_find (monitor, "/dev/ttyS0", "");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyS0");
  port = sf_port_monitor_find (monitor, "/dev/pts/7", NULL);
  g_assert_true (sf_port_entry_get_is_simulated (port));

  /* A serial number two bridges share: the remembered path decides. */
  port = sf_port_monitor_find (monitor, "/dev/ttyUSB1", "0001");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyUSB1");
  port = sf_port_monitor_find (monitor, "/dev/ttyUSB7", "0001");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyUSB0");

  /* A serial-less bridge is found by path even when a serial is asked for. */
  port = sf_port_monitor_find (monitor, "/dev/ttyUSB2", "0002");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyUSB2");

  /* The native-USB board re-enumerates under a new name; a different
   * adapter takes its old one. */
  ports = port_list (usb_port ("/dev/ttyACM0", 0x1a86, 0x55d4, "5678"),
                     usb_port ("/dev/ttyACM1", 0x303a, 0x1001, "AA:BB:CC"), NULL);
  _sf_port_monitor_apply_scan (monitor, ports, NULL);
  g_clear_pointer (&ports, g_ptr_array_unref);

  port = sf_port_monitor_find (monitor, "/dev/ttyACM0", "AA:BB:CC");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/ttyACM1");
  port = sf_port_monitor_find (monitor, "/dev/ttyACM0", NULL);
  g_assert_cmpstr (sf_port_entry_get_serial_number (port), ==, "5678");
  /* The board we were asked for is gone; the other one at its path is not it. */
  g_assert_null (sf_port_monitor_find (monitor, "/dev/ttyACM0", "DD:EE:FF"));

  g_assert_finalize_object (g_steal_pointer (&monitor));
}

/* Real ports from libserialport (on the test VM, /dev/ttyS0), listed but never opened. */
static void
test_simulated (void)
{
  g_autoptr(SfPortMonitor) monitor = sf_port_monitor_new ();
  g_autoptr(SfPortEntry) port = NULL;
  Recorder recorder;
  guint n_real;
  guint scans;
  gboolean seen_builtin = FALSE;

  WAIT_UNTIL (_sf_port_monitor_get_n_scans (monitor) >= 1, 5);
  n_real = g_list_model_get_n_items (G_LIST_MODEL (monitor));
  g_test_message ("%u real ports", n_real);

  for (guint i = 0; i < n_real; i++)
    {
      g_autoptr(SfPortEntry) real = g_list_model_get_item (G_LIST_MODEL (monitor), i);

      g_test_message ("%s | %s", sf_port_entry_get_title (real), sf_port_entry_get_subtitle (real));
      g_assert_false (sf_port_entry_get_is_simulated (real));
      g_assert_true (g_str_has_suffix (sf_port_entry_get_title (real), sf_port_entry_get_path (real)));
      /* USB first */
      if (!sf_port_entry_get_is_usb (real))
        seen_builtin = TRUE;
      else
        g_assert_false (seen_builtin);
    }

  recorder_init (&recorder, monitor);
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32", "/dev/pts/99", 0, 0);
  sf_port_monitor_add_simulated (monitor, "Simulated ESP32-C3", "/dev/pts/98", 0, 0);
  g_assert_cmpuint (recorder.changes->len, ==, 2);
  assert_change (&recorder, 0, n_real, 0, 1);
  assert_change (&recorder, 1, n_real + 1, 0, 1);

  port = g_list_model_get_item (G_LIST_MODEL (monitor), n_real);
  g_assert_cmpstr (sf_port_entry_get_title (port), ==, "Simulated ESP32");
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/pts/99");
  g_assert_cmpstr (sf_port_entry_get_subtitle (port), ==, "Simulated board — no hardware needed");
  g_assert_true (sf_port_entry_get_is_simulated (port));
  g_clear_object (&port);
  port = g_list_model_get_item (G_LIST_MODEL (monitor), n_real + 1);
  g_assert_true (sf_port_monitor_find (monitor, "/dev/pts/98", NULL) == port);

  /* Rescans neither drop nor move them. */
  scans = _sf_port_monitor_get_n_scans (monitor);
  sf_port_monitor_refresh (monitor);
  WAIT_UNTIL (_sf_port_monitor_get_n_scans (monitor) >= scans + 3, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, n_real + 2);
  g_clear_object (&port);
  port = g_list_model_get_item (G_LIST_MODEL (monitor), n_real + 1);
  g_assert_cmpstr (sf_port_entry_get_path (port), ==, "/dev/pts/98");
  g_assert_null (sf_port_monitor_get_brltty_hint (monitor));

  recorder_clear (&recorder, monitor);
  g_clear_object (&port);
  g_assert_finalize_object (g_steal_pointer (&monitor));
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A USB device as sysfs shows it: <devices>/<name>/{idVendor,idProduct,<name>:1.0/}. */
static char *
add_usb_device (const char *root,
                const char *name,
                const char *vid,
                const char *pid)
{
  g_autofree char *device = g_build_filename (root, "bus", "usb", "devices", name, NULL);
  g_autofree char *intf_name = g_strconcat (name, ":1.0", NULL);
  g_autofree char *intf = g_build_filename (device, intf_name, NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpint (g_mkdir_with_parents (intf, 0755), ==, 0);
  contents = g_strconcat (vid, "\n", NULL);
  write_file (device, "idVendor", contents);
  g_free (contents);
  contents = g_strconcat (pid, "\n", NULL);
  write_file (device, "idProduct", contents);

  return g_steal_pointer (&intf);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }

  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_brltty (void)
{
  g_autoptr(SfPortMonitor) monitor = NULL;
  g_autofree char *ch340 = NULL;
  g_autofree char *native = NULL;
  g_autofree char *other = NULL;
  g_autofree char *tty = NULL;
  g_autofree char *device = NULL;
  const char *hint;
  guint n_notify = 0;
  gint64 start;
  double waited;

  ch340 = add_usb_device (sysfs_root, "1-1", "1a86", "7523");
  /* Neither a native-USB board nor a mouse without a tty is brltty's doing. */
  native = add_usb_device (sysfs_root, "1-2", "303a", "1001");
  other = add_usb_device (sysfs_root, "1-3", "046d", "c52b");

  start = g_get_monotonic_time ();
  monitor = sf_port_monitor_new ();
  g_signal_connect (monitor, "notify::brltty-hint", G_CALLBACK (count_notify_cb), &n_notify);

  WAIT_UNTIL (sf_port_monitor_get_brltty_hint (monitor) != NULL, 6);
  waited = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("Hint after %.2f s", waited);
  /* Not before the driver has had time to bind. */
  g_assert_cmpfloat (waited, >=, 2.9);
  g_assert_cmpuint (n_notify, ==, 1);

  hint = sf_port_monitor_get_brltty_hint (monitor);
  g_test_message ("%s", hint);
  g_assert_nonnull (strstr (hint, "brltty"));
  g_assert_nonnull (strstr (hint, "apt remove brltty"));
  g_assert_nonnull (strstr (hint, "CH340"));

  /* The driver binds (brltty removed): the hint goes. */
  tty = g_build_filename (ch340, "ttyUSB0", NULL);
  g_assert_cmpint (g_mkdir (tty, 0755), ==, 0);
  WAIT_UNTIL (sf_port_monitor_get_brltty_hint (monitor) == NULL, 3);
  g_assert_cmpuint (n_notify, ==, 2);

  /* The tty vanishes a moment after appearing, the device stays: brltty
   * took it; no need to wait for the grace period. */
  spin (300);
  start = g_get_monotonic_time ();
  g_assert_cmpint (g_rmdir (tty), ==, 0);
  WAIT_UNTIL (sf_port_monitor_get_brltty_hint (monitor) != NULL, 2);
  sf_assert_took_less (start, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (n_notify, ==, 3);

  /* Unplugged: nothing to hint about. */
  device = g_path_get_dirname (ch340);
  remove_tree (device);
  WAIT_UNTIL (sf_port_monitor_get_brltty_hint (monitor) == NULL, 3);
  g_assert_cmpuint (n_notify, ==, 4);

  g_signal_handlers_disconnect_by_func (monitor, count_notify_cb, &n_notify);
  g_assert_finalize_object (g_steal_pointer (&monitor));

  g_free (device);
  device = g_path_get_dirname (native);
  remove_tree (device);
  g_free (device);
  device = g_path_get_dirname (other);
  remove_tree (device);
}

/* The timing rules, with the clock in the test's hand. */
static void
test_brltty_timing (void)
{
  g_autofree char *root = g_dir_make_tmp ("sf-sysfs-XXXXXX", NULL);
  g_autoptr(SfBrlttyWatch) watch = _sf_brltty_watch_new (root);
  g_autofree char *cp2102 = NULL;
  g_autofree char *ftdi = NULL;
  g_autofree char *tty = NULL;
  g_autofree char *acm = NULL;
  g_autofree char *acm_dev = NULL;
  g_autofree char *hint = NULL;
  const gint64 s = G_USEC_PER_SEC;

  g_assert_null (hint = _sf_brltty_watch_check (watch, 1 * s));

  cp2102 = add_usb_device (root, "3-1", "10c4", "ea60");
  tty = g_build_filename (cp2102, "ttyUSB0", NULL);
  g_assert_cmpint (g_mkdir (tty, 0755), ==, 0);
  g_assert_null (hint = _sf_brltty_watch_check (watch, 10 * s));

  /* Gone 1 s after appearing. */
  g_assert_cmpint (g_rmdir (tty), ==, 0);
  hint = _sf_brltty_watch_check (watch, 11 * s);
  g_assert_nonnull (strstr (hint, "CP2102"));
  g_clear_pointer (&hint, g_free);

  /* Back, and gone only after 8 s: maybe unbound by hand; the grace period applies. */
  g_assert_cmpint (g_mkdir (tty, 0755), ==, 0);
  g_assert_null (hint = _sf_brltty_watch_check (watch, 12 * s));
  g_assert_cmpint (g_rmdir (tty), ==, 0);
  g_assert_null (hint = _sf_brltty_watch_check (watch, 20 * s));
  g_assert_null (hint = _sf_brltty_watch_check (watch, 22 * s));
  hint = _sf_brltty_watch_check (watch, 23 * s);
  g_assert_nonnull (strstr (hint, "CP2102"));
  g_clear_pointer (&hint, g_free);

  /* An FTDI bound to cdc-acm style tty/ttyACM0 counts as having a tty; an empty tty/ does not. */
  ftdi = add_usb_device (root, "2-4", "0403", "6015");
  acm = g_build_filename (ftdi, "tty", NULL);
  g_assert_cmpint (g_mkdir (acm, 0755), ==, 0);
  hint = _sf_brltty_watch_check (watch, 24 * s);
  g_assert_nonnull (strstr (hint, "CP2102"));
  g_clear_pointer (&hint, g_free);
  g_free (tty);
  tty = g_path_get_dirname (cp2102);
  remove_tree (tty);
  g_assert_null (hint = _sf_brltty_watch_check (watch, 25 * s));
  g_assert_null (hint = _sf_brltty_watch_check (watch, 26900 * G_TIME_SPAN_MILLISECOND));
  hint = _sf_brltty_watch_check (watch, 27 * s);
  g_assert_nonnull (strstr (hint, "FT-X"));
  g_clear_pointer (&hint, g_free);
  acm_dev = g_build_filename (acm, "ttyACM0", NULL);
  g_assert_cmpint (g_mkdir (acm_dev, 0755), ==, 0);
  g_assert_null (hint = _sf_brltty_watch_check (watch, 29 * s));

  remove_tree (root);
}

/* A monitor made on another thread reports on that thread's context. */
static gpointer
own_context_thread (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SfPortMonitor) monitor = NULL;
  gint64 end;

  g_main_context_push_thread_default (context);
  monitor = sf_port_monitor_new ();

  g_usleep (400 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (_sf_port_monitor_get_n_scans (monitor), ==, 0);

  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (_sf_port_monitor_get_n_scans (monitor) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (context, TRUE);
    }

  g_assert_finalize_object (g_steal_pointer (&monitor));
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_context (void)
{
  GThread *thread = g_thread_new ("own-context", own_context_thread, NULL);

  /* Meanwhile the default context must see nothing of it. */
  spin (200);
  g_thread_join (thread);
}

static void
test_dispose_while_scanning (void)
{
  for (guint i = 0; i < 40; i++)
    {
      SfPortMonitor *monitor = sf_port_monitor_new ();

      sf_port_monitor_refresh (monitor);
      if (i % 4 == 1)
        spin (20);
      else if (i % 4 == 2)
        g_usleep (i * 500);

      if (i % 4 == 3)
        {
          /* Disposed while someone still holds it: a scan that arrives
           * afterwards must be dropped. */
          g_object_run_dispose (G_OBJECT (monitor));
          spin (150);
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 0);
          sf_port_monitor_refresh (monitor);
        }

      g_assert_finalize_object (monitor);
    }

  /* Idles scheduled by now-dead monitors find nobody home. */
  spin (300);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* Before any thread exists: every monitor here looks at a fake sysfs
   * (so the real machine's USB devices never show a hint) and scans often. */
  sysfs_root = g_dir_make_tmp ("sf-sysfs-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("SPARKFLASH_SYSFS_ROOT", sysfs_root, TRUE);
  g_setenv ("SPARKFLASH_PORT_SCAN_MS", "100", FALSE);

  g_test_add_func ("/ports/monitor/titles", test_titles);
  g_test_add_func ("/ports/monitor/path-compare", test_path_compare);
  g_test_add_func ("/ports/monitor/order", test_order);
  g_test_add_func ("/ports/monitor/diff", test_diff);
  g_test_add_func ("/ports/monitor/find", test_find);
  g_test_add_func ("/ports/monitor/simulated", test_simulated);
  g_test_add_func ("/ports/monitor/simulated-usb", test_simulated_usb);
  g_test_add_func ("/ports/monitor/brltty", test_brltty);
  g_test_add_func ("/ports/monitor/brltty-timing", test_brltty_timing);
  g_test_add_func ("/ports/monitor/context", test_context);
  g_test_add_func ("/ports/monitor/dispose-while-scanning", test_dispose_while_scanning);

  ret = g_test_run ();

  remove_tree (sysfs_root);
  g_free (sysfs_root);

  return ret;
}
