/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-brltty-watch"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-brltty-watch.h"
#include "sf-port-entry-private.h"

/* Debian's and Ubuntu's brltty ships udev rules that claim the common
 * USB-UART bridges for braille displays, so the board's tty never appears,
 * or appears and is taken away again a second or two later. Nothing in the
 * port list says why, so we look at the USB bus ourselves. */

/* A bridge may take a moment to get its driver bound after it shows up. */
#define TTYLESS_GRACE_US (3 * G_USEC_PER_SEC)
/* A tty that goes while its device stays, this soon after appearing, was
 * taken away rather than unplugged. */
#define FLAP_WINDOW_US   (5 * G_USEC_PER_SEC)

typedef struct
{
  const char *chip;
  gint64      ttyless_since;   /* 0 while the device has a tty */
  gint64      tty_since;       /* 0 while it has none */
  gboolean    flapped;         /* its tty went within FLAP_WINDOW_US */
  gboolean    seen;            /* in the latest look at sysfs */
} Bridge;

struct _SfBrlttyWatch
{
  char       *devices_dir;
  /* sysfs device name ("1-1.2") → Bridge */
  GHashTable *bridges;
};

SfBrlttyWatch *
_sf_brltty_watch_new (const char *sysfs_root)
{
  SfBrlttyWatch *self = g_new0 (SfBrlttyWatch, 1);

  self->devices_dir = g_build_filename (sysfs_root, "bus", "usb", "devices", NULL);
  self->bridges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  return self;
}

void
_sf_brltty_watch_free (SfBrlttyWatch *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->bridges, g_hash_table_unref);
  g_clear_pointer (&self->devices_dir, g_free);
  g_free (self);
}

static gboolean
read_hex_file (const char *dir,
               const char *name,
               guint      *out_value)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  guint64 value;
  char *end;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  g_strstrip (contents);
  value = g_ascii_strtoull (contents, &end, 16);
  if (end == contents || *end != '\0' || value > G_MAXUINT16)
    return FALSE;

  *out_value = value;
  return TRUE;
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir == NULL || g_dir_read_name (dir) == NULL;
}

/* usb-serial drivers put the tty at <intf>/ttyUSB0/, cdc-acm at <intf>/tty/ttyACM0/. */
static gboolean
interface_has_tty (const char *intf_path)
{
  g_autoptr(GDir) dir = g_dir_open (intf_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = NULL;

      if (!g_str_has_prefix (name, "tty"))
        continue;

      child = g_build_filename (intf_path, name, NULL);
      if (!g_file_test (child, G_FILE_TEST_IS_DIR))
        continue;
      if (strcmp (name, "tty") != 0 || !dir_is_empty (child))
        return TRUE;
    }

  return FALSE;
}

static gboolean
device_has_tty (const char *device_path,
                const char *device_name)
{
  g_autoptr(GDir) dir = g_dir_open (device_path, 0, NULL);
  g_autofree char *intf_prefix = g_strconcat (device_name, ":", NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *intf_path = NULL;

      if (!g_str_has_prefix (name, intf_prefix))
        continue;

      intf_path = g_build_filename (device_path, name, NULL);
      if (interface_has_tty (intf_path))
        return TRUE;
    }

  return FALSE;
}

static void
update_bridge (SfBrlttyWatch *self,
               const char    *device_name,
               const char    *chip,
               gboolean       has_tty,
               gint64         now_us)
{
  Bridge *bridge = g_hash_table_lookup (self->bridges, device_name);

  if (bridge == NULL || bridge->chip != chip)
    {
      bridge = g_new0 (Bridge, 1);
      bridge->chip = chip;
      g_hash_table_replace (self->bridges, g_strdup (device_name), bridge);
    }

  bridge->seen = TRUE;

  if (has_tty)
    {
      if (bridge->tty_since == 0)
        bridge->tty_since = now_us;
      bridge->ttyless_since = 0;
      bridge->flapped = FALSE;
    }
  else
    {
      if (bridge->tty_since != 0)
        {
          bridge->flapped = now_us - bridge->tty_since < FLAP_WINDOW_US;
          if (bridge->flapped)
            g_debug ("The tty of USB device %s (%s) went away %.1f s after appearing",
                     device_name, chip, (now_us - bridge->tty_since) / (double) G_USEC_PER_SEC);
          bridge->tty_since = 0;
        }
      if (bridge->ttyless_since == 0)
        bridge->ttyless_since = now_us;
    }
}

static gboolean
bridge_is_stuck (Bridge *bridge,
                 gint64  now_us)
{
  return bridge->tty_since == 0
         && (bridge->flapped || now_us - bridge->ttyless_since >= TTYLESS_GRACE_US);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
_sf_brltty_watch_check (SfBrlttyWatch *self,
                        gint64         now_us)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) stuck = NULL;
  GHashTableIter iter;
  const char *name;
  Bridge *bridge;

  g_assert (self != NULL);

  g_hash_table_iter_init (&iter, self->bridges);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bridge))
    bridge->seen = FALSE;

  /* No sysfs (not Linux, or a sandbox without it): nothing to say. */
  if ((dir = g_dir_open (self->devices_dir, 0, NULL)) != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *device_path = NULL;
          const char *chip;
          guint vid, pid;

          /* Interfaces ("1-1:1.0") sit beside the devices here. */
          if (strchr (name, ':') != NULL)
            continue;

          device_path = g_build_filename (self->devices_dir, name, NULL);
          if (!read_hex_file (device_path, "idVendor", &vid)
              || !read_hex_file (device_path, "idProduct", &pid)
              || (chip = _sf_port_entry_usb_bridge_chip (vid, pid)) == NULL)
            continue;

          update_bridge (self, name, chip, device_has_tty (device_path, name), now_us);
        }
    }

  stuck = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->bridges);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &bridge))
    {
      if (!bridge->seen)
        g_hash_table_iter_remove (&iter);
      else if (bridge_is_stuck (bridge, now_us))
        g_ptr_array_add (stuck, (gpointer) name);
    }

  if (stuck->len == 0)
    return NULL;

  /* Several stuck bridges all have the same cure; name one, the same each time. */
  g_ptr_array_sort (stuck, compare_names);
  bridge = g_hash_table_lookup (self->bridges, g_ptr_array_index (stuck, 0));

  /* Translators: %s is a USB-UART chip such as "CH340" or "CP2102". Keep
   * the command as it is. */
  return g_strdup_printf (_("A USB serial adapter (%s) is plugged in but has no serial port. "
                            "The braille display driver brltty has probably claimed it. "
                            "Remove brltty with “sudo apt remove brltty”, then unplug the board "
                            "and plug it in again."),
                          bridge->chip);
}
