/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sf-port-monitor-private.h"
#include "sf-ui-test-util.h"

gboolean
sf_test_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
sf_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  SF_WAIT_UNTIL (g_get_monotonic_time () >= end, ms + 1000);
}

gboolean
sf_test_has_banner (SfWindow *window)
{
  g_autofree char *text = _sf_window_dup_banner_text (window);

  return text != NULL;
}

gboolean
sf_test_has_port_warning (SfWindow *window)
{
  g_autofree char *text = _sf_window_dup_port_warning (window);

  return text != NULL;
}

void
sf_test_put_u32 (GByteArray *a,
                 guint32     v)
{
  guint8 b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };

  g_byte_array_append (a, b, 4);
}

void
sf_test_fill_noise (guint8 *data,
                    gsize   length,
                    guint32 seed)
{
  guint32 x = seed != 0 ? seed : 0x9E3779B9;

  for (gsize i = 0; i < length; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = (guint8) (x >> 11);
    }
}

GBytes *
sf_test_build_esp32_image (const SfTestSegment *segments,
                           guint                n_segments,
                           guint8               flash_mode,
                           guint8               size_freq,
                           guint32              seed)
{
  GByteArray *a = g_byte_array_new ();
  guint8 checksum = 0xEF;
  guint8 header[24] = { 0xE9, (guint8) n_segments, flash_mode, size_freq };
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  header[4] = 0x00; header[5] = 0x10; header[6] = 0x08; header[7] = 0x40;  /* entry */
  header[8] = 0xEE;                                                         /* WP pin */
  /* chip id 0 (ESP32) at 12..13, min/max revision, hash appended */
  header[17] = 0xFF; header[18] = 0xFF;
  header[23] = 1;
  g_byte_array_append (a, header, sizeof header);

  for (guint i = 0; i < n_segments; i++)
    {
      gsize start;

      sf_test_put_u32 (a, segments[i].address);
      sf_test_put_u32 (a, segments[i].length);
      start = a->len;
      g_byte_array_set_size (a, start + segments[i].length);
      sf_test_fill_noise (a->data + start, segments[i].length, seed + i);
      for (gsize j = 0; j < segments[i].length; j++)
        checksum ^= a->data[start + j];
    }
  while (a->len % 16 != 15)
    g_byte_array_append (a, (const guint8 *) "", 1);
  g_byte_array_append (a, &checksum, 1);

  g_checksum_update (sha, a->data, a->len);
  g_checksum_get_digest (sha, digest, &digest_len);
  g_byte_array_append (a, digest, sizeof digest);
  return g_byte_array_free_to_bytes (a);
}

GBytes *
sf_test_build_app (gsize   size,
                   guint32 seed)
{
  SfTestSegment segments[] = {
    { 0x3F400020, 0x1000 },
    { 0x3FFB0000, 0x100 },
    { 0x400D0020, size > 0x2000 ? (guint32) (size - 0x1200) & ~3u : 0x400 },
  };

  return sf_test_build_esp32_image (segments, G_N_ELEMENTS (segments), 2, 0x20, seed);
}

GBytes *
sf_test_build_bootloader (guint32 seed)
{
  SfTestSegment segments[] = {
    { 0x3FFF0030, 0x1A0C },
    { 0x40078000, 0x2B24 },
    { 0x40080400, 0x0F38 },
  };

  return sf_test_build_esp32_image (segments, G_N_ELEMENTS (segments), 2, 0x20, seed);
}

GBytes *
sf_test_build_partition_table (void)
{
  static const struct { guint8 type, subtype; guint32 offset, size; const char *label; } entries[] = {
    { 0x01, 0x02, 0x9000, 0x6000, "nvs" },
    { 0x01, 0x01, 0xF000, 0x1000, "phy_init" },
    { 0x00, 0x00, 0x10000, 0x100000, "factory" },
  };
  GByteArray *a = g_byte_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      guint8 head[4] = { 0xAA, 0x50, entries[i].type, entries[i].subtype };
      char label[16] = { 0 };

      g_byte_array_append (a, head, 4);
      sf_test_put_u32 (a, entries[i].offset);
      sf_test_put_u32 (a, entries[i].size);
      strncpy (label, entries[i].label, sizeof label - 1);
      g_byte_array_append (a, (const guint8 *) label, sizeof label);
      sf_test_put_u32 (a, 0);
    }
  while (a->len < 0xC00)
    g_byte_array_append (a, (const guint8 *) "\xff", 1);
  return g_byte_array_free_to_bytes (a);
}

char *
sf_test_write_file (const char *dir,
                    const char *name,
                    GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

void
sf_test_reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

void
sf_test_blank_flash (SfSimDevice *device)
{
  gsize size = sf_sim_device_get_flash_size (device);
  g_autofree guint8 *ff = g_malloc (64 * 1024);

  memset (ff, 0xFF, 64 * 1024);
  for (gsize offset = 0; offset < size; offset += 64 * 1024)
    sf_sim_device_write_flash (device, offset, ff, MIN (64 * 1024, size - offset));
}

SfWindow *
sf_test_open_window (SfApplication *app,
                     const char    *chip)
{
  SfWindow *window = sf_window_new (app);
  SfSimDevice *device = _sf_window_get_sim_device (window, chip);

  g_assert_nonnull (device);
  gtk_window_present (GTK_WINDOW (window));
  /* The monitor lists ports from a worker: wait for the simulated one. */
  SF_WAIT_UNTIL (_sf_window_select_port (window, sf_sim_device_get_port_path (device)), 10000);
  g_assert_cmpstr (_sf_window_get_port_path (window), ==, sf_sim_device_get_port_path (device));
  return window;
}

void
sf_test_close_window (SfWindow *window)
{
  GtkWidget *widget = GTK_WIDGET (window);

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &widget);
  gtk_window_destroy (GTK_WINDOW (window));
  SF_WAIT_UNTIL (widget == NULL, 10000);
}

void
sf_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        sf_test_remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

char *
sf_test_make_fake_sysfs (void)
{
  char *root = g_dir_make_tmp ("sparkflash-sysfs-XXXXXX", NULL);
  g_autofree char *device = g_build_filename (root, "bus", "usb", "devices", "1-1", NULL);
  g_autofree char *intf = g_build_filename (device, "1-1:1.0", NULL);
  g_autofree char *vid = g_build_filename (device, "idVendor", NULL);
  g_autofree char *pid = g_build_filename (device, "idProduct", NULL);

  g_assert_cmpint (g_mkdir_with_parents (intf, 0755), ==, 0);
  g_assert_true (g_file_set_contents (vid, "1a86\n", -1, NULL));
  g_assert_true (g_file_set_contents (pid, "7523\n", -1, NULL));
  g_setenv ("SPARKFLASH_SYSFS_ROOT", root, TRUE);
  g_setenv ("SPARKFLASH_PORT_SCAN_MS", "200", TRUE);
  return root;
}

GPtrArray *
sf_test_start_boards (SfApplication *app,
                      guint          n,
                      gboolean       timed)
{
  SfPortMonitor *monitor = sf_application_get_port_monitor (app);
  GPtrArray *boards = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *title = g_strdup_printf ("Production board %u", i + 1);
      SfSimDevice *device = sf_sim_device_new ("esp32", &error);
      /* Each board its own MAC, as on a real batch. */
      const guint8 mac[6] = { 0x24, 0x0a, 0xc4, 0x5f, 0x00, (guint8) (i + 1) };

      g_assert_no_error (error);
      sf_sim_device_set_mac (device, mac);
      sf_sim_device_set_emulate_baud (device, timed);
      sf_sim_device_set_flash_timing (device, timed);
      g_assert_true (sf_sim_device_start (device, &error));
      g_assert_no_error (error);
      sf_port_monitor_add_simulated (monitor, title, sf_sim_device_get_port_path (device),
                                     0x10c4, 0xea60);
      g_ptr_array_add (boards, device);
    }
  for (guint i = 0; i < n; i++)
    SF_WAIT_UNTIL (sf_port_monitor_find (monitor,
                                         sf_sim_device_get_port_path (g_ptr_array_index (boards, i)),
                                         NULL) != NULL, 10000);
  return boards;
}

void
sf_test_stop_boards (SfApplication *app,
                     GPtrArray     *boards)
{
  SfPortMonitor *monitor = sf_application_get_port_monitor (app);

  for (guint i = 0; i < boards->len; i++)
    {
      SfSimDevice *device = g_ptr_array_index (boards, i);

      _sf_port_monitor_remove_simulated (monitor, sf_sim_device_get_port_path (device));
      sf_sim_device_stop (device);
    }
  g_ptr_array_unref (boards);
}

SfProductionWindow *
sf_test_open_production (SfWindow *window)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));
  SfProductionWindow *production = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.production", NULL);
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (SF_IS_PRODUCTION_WINDOW (l->data))
      production = l->data;
  if (production == NULL)
    {
      g_autofree char *banner = _sf_window_dup_banner_text (window);

      g_error ("win.production opened no window: %s", banner);
    }
  SF_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (production)), 10000);
  return production;
}

void
sf_test_run_production (SfProductionWindow *production,
                        GPtrArray          *boards,
                        guint               timeout_ms)
{
  for (guint i = 0; i < boards->len; i++)
    {
      const char *path = sf_sim_device_get_port_path (g_ptr_array_index (boards, i));

      SF_WAIT_UNTIL (_sf_production_window_set_checked (production, path, TRUE), 10000);
    }
  gtk_widget_activate_action (GTK_WIDGET (production), "production.start", NULL);
  g_assert_true (_sf_production_window_get_active (production));
  SF_WAIT_UNTIL (!_sf_production_window_get_active (production), timeout_ms);
}
