/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What board the simulator is, as a host reads it: secure boot and flash
 * encryption in the eFuses and in GET_SECURITY_INFO (ROM and stub), the
 * ESP8285's eFuse bits and embedded flash, and sparkflash-sim's --mac,
 * --secure-boot, --flash-encryption and --chip esp8285. The eFuse
 * addresses and masks are written out here by hand, from esptool's
 * targets, not taken from the simulator. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "sf-sim-device.h"

#include "sim-test-util.h"

typedef struct
{
  const char *chip;
  gsize       info_length;      /* 0: no GET_SECURITY_INFO */
  guint32     chip_id;
  guint32     secure_boot_reg;
  guint32     secure_boot_mask;
  guint32     crypt_cnt_reg;
  guint32     crypt_cnt_mask;
  guint32     purpose_reg;      /* KEY_PURPOSE_0 in 24–27, _1 in 28–31; 0: none */
} Security;

static const Security chips[] = {
  { "esp32",   0,  0, 0x3FF5A018, 1u << 5,  0x3FF5A000, 0x7Fu << 20, 0 },
  { "esp32s2", 12, 0, 0x3F41A038, 1u << 20, 0x3F41A034, 0x7u << 18, 0x3F41A034 },
  { "esp32s3", 20, 9, 0x60007038, 1u << 20, 0x60007034, 0x7u << 18, 0x60007034 },
  { "esp32c2", 20, 12, 0x60008830, 1u << 21, 0x60008830, 0x7u << 7, 0 },
  { "esp32c3", 20, 5, 0x60008838, 1u << 20, 0x60008834, 0x7u << 18, 0x60008834 },
  { "esp32c6", 20, 13, 0x600B0838, 1u << 20, 0x600B0834, 0x7u << 18, 0x600B0834 },
  { "esp32h2", 20, 16, 0x600B0838, 1u << 20, 0x600B0834, 0x7u << 18, 0x600B0834 },
};

static guint
popcount (guint32 v)
{
  guint n = 0;

  for (; v != 0; v &= v - 1)
    n++;
  return n;
}

static void
start_board (Port           *port,
             const Security *c,
             gboolean        secure_boot,
             gboolean        flash_encryption)
{
  port_open (port, c->chip);
  sf_sim_device_set_secure_boot (port->device, secure_boot);
  sf_sim_device_set_flash_encryption (port->device, flash_encryption);
  port_start (port);
  do_sync (port);
}

/* What esptool decides from the eFuses. */
static void
assert_efuses (Port           *port,
               const Security *c,
               gboolean        secure_boot,
               gboolean        flash_encryption,
               gboolean        stub)
{
  guint32 sb = stub ? stub_read_reg (port, c->secure_boot_reg) : read_reg (port, c->secure_boot_reg);
  guint32 cnt = stub ? stub_read_reg (port, c->crypt_cnt_reg) : read_reg (port, c->crypt_cnt_reg);

  g_assert_cmpuint ((sb & c->secure_boot_mask) != 0, ==, secure_boot);
  /* Flash encryption is on while the counter has an odd number of bits. */
  g_assert_cmpuint (popcount (cnt & c->crypt_cnt_mask) & 1, ==, flash_encryption);
  if (c->purpose_reg != 0)
    {
      guint32 p = stub ? stub_read_reg (port, c->purpose_reg) : read_reg (port, c->purpose_reg);

      g_assert_cmpuint ((p >> 24) & 0xF, ==, flash_encryption ? 4 : 0);   /* XTS_AES_128_KEY */
      g_assert_cmpuint ((p >> 28) & 0xF, ==, secure_boot ? 9 : 0);        /* SECURE_BOOT_DIGEST0 */
    }
}

/* The reply's value: flags, then flash_crypt_cnt, 7 key purposes, then
 * (20-byte form) chip_id and API version. */
static void
assert_info (GByteArray     *reply,
             gsize           status_length,
             const Security *c,
             gboolean        secure_boot,
             gboolean        flash_encryption)
{
  const guint8 *info = reply->data + 8;

  assert_status (reply, c->info_length, status_length, 0, 0);
  g_assert_cmphex (get32 (info), ==, secure_boot ? 1 : 0);
  g_assert_cmpuint (info[4], ==, flash_encryption ? 1 : 0);
  if (c->purpose_reg != 0)
    {
      g_assert_cmpuint (info[5], ==, flash_encryption ? 4 : 0);
      g_assert_cmpuint (info[6], ==, secure_boot ? 9 : 0);
    }
  for (guint i = c->purpose_reg != 0 ? 7 : 5; i < 12; i++)
    g_assert_cmpuint (info[i], ==, 0);
  if (c->info_length == 20)
    g_assert_cmpuint (get32 (info + 12), ==, c->chip_id);
}

/* The ESP32-S3 ROM with secure boot does not run the code MEM_END names;
 * esptool points the ROM's flash read function (its pointer at
 * 0x3FCEF688) at the stub and sends READ_FLASH_SLOW, which then gets no
 * reply: the stub says OHAI instead. */
static void
start_s3_stub_with_secure_boot (Port *port)
{
  guint8 args[8] = { 0 };

  assert_quiet (port, 200);
  g_assert_false (sf_sim_device_get_stub_running (port->device));
  write_reg (port, 0x3FCEF688, STUB_ENTRY, 0xFFFFFFFF);
  send_command (port, 0x0E, args, sizeof args, 0);
}

static void
test_security (gconstpointer data)
{
  const Security *c = data;

  for (guint mode = 0; mode < 4; mode++)
    {
      gboolean sb = (mode & 1) != 0, fe = (mode & 2) != 0;
      g_autoptr(GByteArray) reply = NULL;
      Port port;

      start_board (&port, c, sb, fe);
      assert_efuses (&port, c, sb, fe, FALSE);
      reply = command (&port, 0x14, NULL, 0, 0);
      if (c->info_length == 0)
        assert_status (reply, 0, 4, 1, 0x05);   /* the ESP32 ROM has no such command */
      else
        assert_info (reply, 4, c, sb, fe);
      g_clear_pointer (&reply, g_byte_array_unref);

      /* The stub asks the ROM, and sees the same eFuses. */
      load_stub_image (&port, c->chip);
      reply = mem_end (&port, 0, STUB_ENTRY);
      assert_status (reply, 0, 4, 0, 0);
      g_clear_pointer (&reply, g_byte_array_unref);
      if (sb && g_str_equal (c->chip, "esp32s3"))
        start_s3_stub_with_secure_boot (&port);
      expect_ohai (&port);
      assert_efuses (&port, c, sb, fe, TRUE);
      reply = command (&port, 0x14, NULL, 0, 0);
      if (c->info_length == 0)
        assert_stub (reply, 0, 0xFF00);
      else
        assert_info (reply, 2, c, sb, fe);
      port_close (&port);
    }
}

static void
test_esp8266_has_neither (void)
{
  Port port;

  port_open (&port, "esp8266");
  g_test_expect_message ("sf-sim-device", G_LOG_LEVEL_WARNING, "*no secure boot*");
  sf_sim_device_set_secure_boot (port.device, TRUE);
  g_test_expect_message ("sf-sim-device", G_LOG_LEVEL_WARNING, "*no flash encryption*");
  sf_sim_device_set_flash_encryption (port.device, TRUE);
  g_test_assert_expected_messages ();
  port_start (&port);
  do_sync (&port);
  g_assert_cmphex (read_reg (&port, 0x3FF00058), ==, 0xF200B000);
  g_assert_cmphex (read_reg (&port, 0x3FF0005C), ==, 0);
  port_close (&port);
}

/* RDID through the ESP8266's SPI controller. */
static guint32
esp8266_rdid (Port *port)
{
  return spi_command (port, TRUE, 0x60000200, 0x1C, 0x20, 0x24, 0, 0x40, 0x9F, 24, -1);
}

/* The MAC as esptool puts it together from the OTP words. */
static void
assert_esp8266_mac (Port *port)
{
  guint32 m0 = read_reg (port, 0x3FF00050);
  guint32 m1 = read_reg (port, 0x3FF00054);
  guint32 m3 = read_reg (port, 0x3FF0005C);
  guint8 mac[6], read[6];

  sf_sim_device_get_mac (port->device, mac);
  if (m3 != 0)
    {
      read[0] = (m3 >> 16) & 0xFF;
      read[1] = (m3 >> 8) & 0xFF;
      read[2] = m3 & 0xFF;
    }
  else
    {
      g_assert_cmpuint ((m1 >> 16) & 0xFF, ==, 0);
      memcpy (read, "\x18\xFE\x34", 3);
    }
  read[3] = (m1 >> 8) & 0xFF;
  read[4] = m1 & 0xFF;
  read[5] = m0 >> 24;
  g_assert_cmpmem (read, 6, mac, 6);
}

static void
test_esp8285 (void)
{
  Port port;
  guint32 w0, w2, w3;

  /* ESP8285N08: word0 bit 4, word3 bits 25–27 clear: 1 MB. */
  port_open (&port, "esp8266");
  sf_sim_device_set_esp8285 (port.device, TRUE);
  g_assert_cmpuint (sf_sim_device_get_flash_size (port.device), ==, 1024 * 1024);
  port_start (&port);
  do_sync (&port);
  w0 = read_reg (&port, 0x3FF00050);
  w2 = read_reg (&port, 0x3FF00058);
  w3 = read_reg (&port, 0x3FF0005C);
  g_assert_cmphex (w0 & (1u << 4), !=, 0);
  g_assert_cmphex (w0 & (1u << 5), ==, 0);     /* N, not H: no high-temperature bit */
  g_assert_cmphex (w2 & (1u << 16), ==, 0);
  g_assert_cmphex (w3 & (7u << 25), ==, 0);
  assert_esp8266_mac (&port);
  g_assert_cmphex (esp8266_rdid (&port), ==, 0x1440C8);
  port_close (&port);

  /* ESP8285N16: word3 bit 26 as well (bit 25 clear): 2 MB; the OUI
   * moves into word3, which is no longer 0. */
  port_open (&port, "esp8266");
  sf_sim_device_set_flash_size (port.device, 2 * 1024 * 1024);
  sf_sim_device_set_esp8285 (port.device, TRUE);
  g_assert_cmpuint (sf_sim_device_get_flash_size (port.device), ==, 2 * 1024 * 1024);
  g_test_expect_message ("sf-sim-device", G_LOG_LEVEL_WARNING, "*1 or 2 MiB*");
  sf_sim_device_set_flash_size (port.device, 4 * 1024 * 1024);
  g_test_assert_expected_messages ();
  port_start (&port);
  do_sync (&port);
  w0 = read_reg (&port, 0x3FF00050);
  w3 = read_reg (&port, 0x3FF0005C);
  g_assert_cmphex (w0 & (1u << 4), !=, 0);
  g_assert_cmphex (w3 & (7u << 25), ==, 1u << 26);
  assert_esp8266_mac (&port);
  g_assert_cmphex (esp8266_rdid (&port), ==, 0x1540C8);
  port_close (&port);

  /* Back to an ESP8266EX: default flash, Winbond id, no bit. */
  port_open (&port, "esp8266");
  sf_sim_device_set_esp8285 (port.device, TRUE);
  sf_sim_device_set_esp8285 (port.device, FALSE);
  g_assert_cmpuint (sf_sim_device_get_flash_size (port.device), ==, 4 * 1024 * 1024);
  port_start (&port);
  do_sync (&port);
  g_assert_cmphex (read_reg (&port, 0x3FF00050) & (1u << 4), ==, 0);
  g_assert_cmphex (esp8266_rdid (&port), ==, 0x1640EF);
  port_close (&port);
}

/* sparkflash-sim with @argv; its port, synced, in @port (NULL: it must
 * fail, with @error_part in what it prints). */
static GSubprocess *
spawn_sim (const char *const *argv,
           Port              *port,
           const char        *error_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;

  if (port == NULL)
    {
      g_autofree char *err_text = NULL;

      proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err_text, &error));
      g_assert_false (g_subprocess_get_successful (proc));
      g_assert_nonnull (strstr (err_text, error_part));
      return NULL;
    }

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  /* The pipe stays open for what it prints on SIGTERM. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "PORT /dev/"));
  memset (port, 0, sizeof *port);
  port->fd = open_port (line + 5);
  port->pending = g_byte_array_new ();
  do_sync (port);
  return g_steal_pointer (&proc);
}

static void
stop_sim (GSubprocess *proc,
          Port        *port)
{
  g_autoptr(GError) error = NULL;

  close (port->fd);
  g_byte_array_unref (port->pending);
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_object_unref (proc);
}

static void
test_program (void)
{
  const char *sim = g_getenv ("SPARKFLASH_SIM");
  GSubprocess *proc;
  Port port;

  if (sim == NULL)
    {
      g_test_skip ("SPARKFLASH_SIM not set");
      return;
    }

  /* --mac reaches the eFuse words READ_MAC uses (C3: BLOCK1 words 1, 2). */
  {
    const char *argv[] = { sim, "--chip", "esp32c3", "--mac", "7c:df:a1:0b:ee:f1", NULL };

    proc = spawn_sim (argv, &port, NULL);
    g_assert_cmphex (read_reg (&port, 0x60008844), ==, 0xA10BEEF1);
    g_assert_cmphex (read_reg (&port, 0x60008848) & 0xFFFF, ==, 0x7CDF);
    stop_sim (proc, &port);
  }
  /* …and the ESP32's, with its CRC beside it. */
  {
    const char *argv[] = { sim, "--chip", "esp32", "--mac", "24-0A-C4-AB-CD-EF", NULL };

    proc = spawn_sim (argv, &port, NULL);
    g_assert_cmphex (read_reg (&port, 0x3FF5A004), ==, 0xC4ABCDEF);
    g_assert_cmphex (read_reg (&port, 0x3FF5A008) & 0xFFFF, ==, 0x240A);
    stop_sim (proc, &port);
  }

  /* --secure-boot --flash-encryption on an S3: eFuses and the reply. */
  {
    const char *argv[] = { sim, "--chip", "esp32s3", "--secure-boot", "--flash-encryption", NULL };
    g_autoptr(GByteArray) reply = NULL;

    proc = spawn_sim (argv, &port, NULL);
    assert_efuses (&port, &chips[2], TRUE, TRUE, FALSE);
    reply = command (&port, 0x14, NULL, 0, 0);
    assert_info (reply, 4, &chips[2], TRUE, TRUE);
    stop_sim (proc, &port);
  }

  /* --chip esp8285: the eFuse bit, 1 MB embedded, a MAC of its own. */
  {
    const char *argv[] = { sim, "--chip", "esp8285", "--mac", "18:fe:34:01:02:03", NULL };

    proc = spawn_sim (argv, &port, NULL);
    g_assert_cmphex (read_reg (&port, 0x3FF00050), ==, 0x03D60010);
    g_assert_cmphex (read_reg (&port, 0x3FF00054) & 0xFFFF, ==, 0x0102);
    g_assert_cmphex (esp8266_rdid (&port), ==, 0x1440C8);
    stop_sim (proc, &port);
  }

  /* What it refuses. */
  {
    const char *argv[] = { sim, "--chip", "esp8285", "--flash-encryption", NULL };

    spawn_sim (argv, NULL, "neither");
  }
  {
    const char *argv[] = { sim, "--chip", "esp8285", "--flash-size", "4MB", NULL };

    spawn_sim (argv, NULL, "1MB or 2MB");
  }
  {
    const char *argv[] = { sim, "--chip", "esp8266", "--mac", "24:0a:c4:01:02:03", NULL };

    spawn_sim (argv, NULL, "18:fe:34");
  }
  {
    const char *argv[] = { sim, "--chip", "esp32", "--mac", "24:0a:c4:01:02", NULL };

    spawn_sim (argv, NULL, "invalid --mac");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      g_autofree char *path = g_strdup_printf ("/simulator/identity/security/%s", chips[i].chip);

      g_test_add_data_func (path, &chips[i], test_security);
    }
  g_test_add_func ("/simulator/identity/security/esp8266-has-neither", test_esp8266_has_neither);
  g_test_add_func ("/simulator/identity/esp8285", test_esp8285);
  g_test_add_func ("/simulator/identity/program", test_program);

  return g_test_run ();
}
