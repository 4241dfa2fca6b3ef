/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The port drop-down on its own, fed by a port monitor the test fills by
 * hand: which port it picks, and what it says when there is none to pick. */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "sf-port-chooser.h"
#include "sf-port-entry-private.h"
#include "sf-port-monitor-private.h"

typedef struct
{
  SfPortMonitor *monitor;
  GSettings     *settings;
  GtkWindow     *window;
  SfPortChooser *chooser;
} Fixture;

static SfPortEntry *
builtin_port (const char *path)
{
  g_autofree char *title = _sf_port_entry_build_title (path, FALSE, 0, 0, NULL, NULL, NULL);

  return _sf_port_entry_new (SF_PORT_KIND_BUILTIN, path, title, "", NULL, 0, 0);
}

static SfPortEntry *
usb_port (const char *path,
          guint       vid,
          guint       pid)
{
  g_autofree char *title = _sf_port_entry_build_title (path, TRUE, vid, pid, NULL, NULL, NULL);
  g_autofree char *subtitle = _sf_port_entry_build_subtitle (TRUE, vid, pid, NULL);

  return _sf_port_entry_new (SF_PORT_KIND_USB, path, title, subtitle, NULL, vid, pid);
}

/* Lists @ports (NULL-terminated, taken) as one scan of the machine. */
static void
scan (Fixture *fixture,
      ...)
{
  g_autoptr(GPtrArray) ports = g_ptr_array_new_with_free_func (g_object_unref);
  SfPortEntry *port;
  va_list args;

  va_start (args, fixture);
  while ((port = va_arg (args, SfPortEntry *)) != NULL)
    g_ptr_array_add (ports, port);
  va_end (args);
  _sf_port_monitor_apply_scan (fixture->monitor, ports, NULL);
}

static const char *
subtitle_text (Fixture *fixture)
{
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (fixture->chooser),
                                                  SF_TYPE_PORT_CHOOSER, "port_subtitle");

  return gtk_label_get_text (GTK_LABEL (label));
}

/* The path of the drop-down's @position-th item. */
static const char *
listed_path (Fixture *fixture,
             guint    position)
{
  GObject *drop_down = gtk_widget_get_template_child (GTK_WIDGET (fixture->chooser),
                                                      SF_TYPE_PORT_CHOOSER, "port_drop_down");
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (drop_down));
  g_autoptr(SfPortEntry) entry = g_list_model_get_item (model, position);

  g_assert_true (SF_IS_PORT_ENTRY (entry));
  return sf_port_entry_get_path (entry);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->monitor = _sf_port_monitor_new_manual ();
  fixture->settings = g_settings_new (APP_ID);
  g_settings_reset (fixture->settings, "last-port");
  g_settings_reset (fixture->settings, "last-port-serial");
  g_settings_reset (fixture->settings, "custom-ports");
  fixture->window = GTK_WINDOW (gtk_window_new ());
  fixture->chooser = SF_PORT_CHOOSER (sf_port_chooser_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->chooser));
  gtk_window_present (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->monitor);
}

static void
test_no_board (Fixture       *fixture,
               gconstpointer  data)
{
  /* Only the motherboard's own UARTs: listed, but none of them is the
   * board, so none is chosen, and the person learns what to do. */
  scan (fixture, builtin_port ("/dev/ttyS0"), builtin_port ("/dev/ttyS1"), NULL);
  sf_port_chooser_bind (fixture->chooser, fixture->monitor, fixture->settings);
  g_assert_null (sf_port_chooser_get_path (fixture->chooser));
  g_assert_null (sf_port_chooser_get_missing_path (fixture->chooser));
  g_test_message ("%s", subtitle_text (fixture));
  g_assert_nonnull (strstr (subtitle_text (fixture), "No board found"));
  g_assert_nonnull (strstr (subtitle_text (fixture), "USB cable"));
  g_assert_cmpstr (listed_path (fixture, 0), ==, "/dev/ttyS0");
  g_assert_cmpstr (listed_path (fixture, 1), ==, "/dev/ttyS1");

  /* The board is plugged in: listed above the built-in ports, and chosen. */
  scan (fixture, builtin_port ("/dev/ttyS0"), builtin_port ("/dev/ttyS1"),
        usb_port ("/dev/ttyUSB0", 0x10c4, 0xea60), NULL);
  g_assert_cmpstr (sf_port_chooser_get_path (fixture->chooser), ==, "/dev/ttyUSB0");
  g_assert_cmpstr (listed_path (fixture, 0), ==, "/dev/ttyUSB0");
  g_assert_null (strstr (subtitle_text (fixture), "No board found"));

  /* A built-in port is still there for whoever wants it. */
  g_assert_true (sf_port_chooser_select_path (fixture->chooser, "/dev/ttyS1"));
  g_assert_cmpstr (sf_port_chooser_get_path (fixture->chooser), ==, "/dev/ttyS1");
  g_assert_nonnull (sf_port_chooser_get_entry (fixture->chooser));
}

static void
test_no_ports (Fixture       *fixture,
               gconstpointer  data)
{
  sf_port_chooser_bind (fixture->chooser, fixture->monitor, fixture->settings);
  g_assert_null (sf_port_chooser_get_path (fixture->chooser));
  g_assert_nonnull (strstr (subtitle_text (fixture), "No board found"));
}

/* A built-in port the person chose before is theirs to keep. */
static void
test_remembered_builtin (Fixture       *fixture,
                         gconstpointer  data)
{
  g_settings_set_string (fixture->settings, "last-port", "/dev/ttyS1");
  scan (fixture, builtin_port ("/dev/ttyS0"), builtin_port ("/dev/ttyS1"), NULL);
  sf_port_chooser_bind (fixture->chooser, fixture->monitor, fixture->settings);
  g_assert_cmpstr (sf_port_chooser_get_path (fixture->chooser), ==, "/dev/ttyS1");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add ("/ui/port-chooser/no-board", Fixture, NULL, fixture_set_up, test_no_board,
              fixture_tear_down);
  g_test_add ("/ui/port-chooser/no-ports", Fixture, NULL, fixture_set_up, test_no_ports,
              fixture_tear_down);
  g_test_add ("/ui/port-chooser/remembered-builtin", Fixture, NULL, fixture_set_up,
              test_remembered_builtin, fixture_tear_down);

  return g_test_run ();
}
