/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>

#include "sf-sim-common-private.h"
#include "sf-sim-device-private.h"

/* A board that boots from flash: the ROM prints its boot text at the rate
 * its crystal gives, the app then prints at its own rate, and hears the
 * host at that rate. A pty has no modem lines, so the resets a host does
 * with RTS and DTR are modelled by what the host does instead: opening
 * the port boots the app (every monitor resets the board on open), and a
 * SYNC frame puts the ROM loader back (the host reset it into download
 * mode first). */

/* The ROM starts printing this long after the reset… */
#define ROM_DELAY_US       (30 * 1000)
/* …and the app this long after the ROM's last byte (at least 80 ms of
 * silence, time a monitor has to move to the app's rate). */
#define APP_GAP_US         (100 * 1000)
/* The flood keeps about this much queued: enough to fill the pty, and
 * the next lines are made when it has drained. */
#define FLOOD_BACKLOG      (16 * 1024)
/* A UART samples each bit in its middle: a few percent off still reads
 * right (as RATE_TOLERANCE_PERCENT in sf-sim-device.c). */
#define TOLERANCE_PERCENT  3
#define MAX_LINE           256

#define GREEN  "\033[0;32m"
#define YELLOW "\033[0;33m"
#define RED    "\033[0;31m"
#define RESET  "\033[0m"

void
sf_sim_device_set_firmware (SfSimDevice   *self,
                            SfSimFirmware  firmware)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (firmware <= SF_SIM_FIRMWARE_FLOOD);

  g_atomic_int_set (&self->firmware, firmware);
  if (self->thread != NULL)
    _sf_sim_device_wake (self, 'f');
}

void
sf_sim_device_set_firmware_baud (SfSimDevice *self,
                                 guint        baud)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));
  g_return_if_fail (baud >= 300);

  g_atomic_int_set (&self->firmware_baud, baud);
}

void
sf_sim_device_press_reset (SfSimDevice *self)
{
  g_return_if_fail (SF_IS_SIM_DEVICE (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->mutex);
  self->press_requested = TRUE;
  g_mutex_unlock (&self->mutex);
  _sf_sim_device_wake (self, 'p');
}

/* --- The text and the rates ---------------------------------------------- */

static gboolean
rates_agree (guint a,
             guint b)
{
  guint64 off = (guint64) ABS ((gint64) a - (gint64) b);

  return off * 100 <= (guint64) a * TOLERANCE_PERCENT;
}

/* What the host reads of @length bytes sent at @baud: the bytes, or what
 * its UART makes of them at its own rate. */
static void
print_at (SfSimFw      *fw,
          const guint8 *data,
          gsize         length,
          guint         baud)
{
  guint host = _sf_sim_device_client_baud (fw->device);
  g_autoptr(GByteArray) heard = NULL;

  if (host != 0 && !rates_agree (baud, host))
    {
      heard = g_byte_array_new ();
      _sf_sim_noise_resample_uart (data, length, baud, host, heard);
      data = heard->data;
      length = heard->len;
    }
  _sf_sim_device_enqueue_paced (fw->device, data, length, baud);
}

void
_sf_sim_fw_print (SfSimFw    *fw,
                  const char *text,
                  gsize       length)
{
  print_at (fw, (const guint8 *) text, length, fw->app_baud);
}

void
_sf_sim_fw_printf (SfSimFw    *fw,
                   const char *format,
                   ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  _sf_sim_fw_print (fw, text, strlen (text));
}

guint
_sf_sim_fw_uptime_ms (SfSimFw *fw,
                      gint64   now_us)
{
  return (guint) ((now_us - fw->boot_us) / 1000);
}

char *
_sf_sim_fw_chip_family (SfSimFw *fw)
{
  const char *name = fw->device->chip->name;
  g_autofree char *upper = g_ascii_strup (name, -1);

  /* "esp32s3" reads "ESP32-S3" in every Espressif tool. */
  if (g_str_has_prefix (upper, "ESP32") && upper[5] != '\0')
    return g_strdup_printf ("ESP32-%s", upper + 5);
  return g_steal_pointer (&upper);
}

/* What the ROM prints when it boots from flash. The ESP8266's and the
 * ESP32's are those of real boards; the newer chips print their own
 * banner, then the loading of a second-stage bootloader. */
static char *
rom_text (const SfSimChip *chip,
          SfSimBootCause   cause)
{
  if (chip->is_esp8266)
    return g_strdup ("\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
                     "load 0x4010f000, len 3460, room 16 \r\n"
                     "tail 4\r\nchksum 0xcc\r\n"
                     "load 0x3fff20b8, len 40, room 4 \r\n"
                     "tail 4\r\nchksum 0xc9\r\ncsum 0xc9\r\n");
  if (chip->is_esp32)
    /* The EN button is an RTC reset on the ESP32; power comes with the
     * port (a USB board is powered by it). */
    return g_strdup_printf ("ets Jul 29 2019 12:21:46\r\n\r\n"
                            "rst:%s,boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
                            "configsip: 0, SPIWP:0xee\r\n"
                            "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
                            "mode:DIO, clock div:2\r\n"
                            "load:0x3fff0030,len:7112\r\n"
                            "entry 0x40080400\r\n",
                            cause == SF_SIM_BOOT_BUTTON ? "0x10 (RTCWDT_RTC_RESET)" : "0x1 (POWERON_RESET)");
  return g_strconcat (chip->banner_head, chip->flash_boot,
                      "SPIWP:0xee\r\nmode:DIO, clock div:1\r\n"
                      "load:0x3fcd5820,len:0x1714\r\n"
                      "entry 0x403cc710\r\n", NULL);
}

static void
logger_start (SfSimFw *fw,
              gint64   now_us)
{
  g_autofree char *family = _sf_sim_fw_chip_family (fw);

  _sf_sim_fw_printf (fw,
                     GREEN "I (27) boot: ESP-IDF v5.2.1 2nd stage bootloader" RESET "\r\n"
                     GREEN "I (27) boot: chip family %s" RESET "\r\n"
                     GREEN "I (33) boot: SPI Flash Size : 4MB" RESET "\r\n"
                     GREEN "I (45) boot: Loaded app from partition at offset 0x10000" RESET "\r\n"
                     GREEN "I (256) cpu_start: Pro cpu up." RESET "\r\n"
                     GREEN "I (312) cpu_start: Starting scheduler on PRO CPU." RESET "\r\n"
                     YELLOW "W (318) sim_sensor: no sensor at I2C address 0x76, readings are made up" RESET "\r\n"
                     RED "E (324) sim_net: no network configured" RESET "\r\n"
                     GREEN "I (330) main: sparkflash-sim logger, echoing each line it receives" RESET "\r\n",
                     family);
  fw->next_tick_us = fw->boot_us + 1312 * 1000;
  fw->seconds = 0;
  (void) now_us;
}

static gint64
logger_tick (SfSimFw *fw,
             gint64   now_us)
{
  while (now_us >= fw->next_tick_us)
    {
      fw->seconds++;
      _sf_sim_fw_printf (fw, GREEN "I (%u) main: uptime %u s" RESET "\r\n",
                         312 + 1000 * fw->seconds, fw->seconds);
      fw->next_tick_us += G_USEC_PER_SEC;
    }
  return fw->next_tick_us;
}

/* Each line received (\r, \n or \r\n ending it) comes back. */
static void
logger_input (SfSimFw      *fw,
              const guint8 *data,
              gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (c == '\n' && fw->after_cr)
        {
          fw->after_cr = FALSE;
          continue;
        }
      fw->after_cr = c == '\r';
      if (c == '\r' || c == '\n')
        {
          _sf_sim_fw_print (fw, "echo: ", 6);
          _sf_sim_fw_print (fw, (const char *) fw->line->data, fw->line->len);
          _sf_sim_fw_print (fw, "\r\n", 2);
          g_byte_array_set_size (fw->line, 0);
        }
      else if (fw->line->len < MAX_LINE)
        g_byte_array_append (fw->line, &c, 1);
    }
}

/* Lines go out about 1 KiB at a time: paced one by one, each would wait
 * for a poll timeout of its own and the line would run well below its
 * rate. */
static void
flood_fill (SfSimFw *fw)
{
  g_autoptr(GString) lines = g_string_new (NULL);

  while (fw->device->queued < FLOOD_BACKLOG)
    {
      g_string_truncate (lines, 0);
      while (lines->len < 1024)
        g_string_append_printf (lines, "flood %06" G_GUINT64_FORMAT
                                " the quick brown fox jumps over the lazy dog 0123456789\r\n",
                                ++fw->flood_lines % 1000000);
      _sf_sim_fw_print (fw, lines->str, lines->len);
    }
}

/* --- The app's life ------------------------------------------------------- */

static void
fw_free (SfSimFw *fw)
{
  g_free (fw->rom_text);
  g_byte_array_unref (fw->line);
  g_clear_pointer (&fw->improv, _sf_sim_improv_free);
  g_free (fw);
}

void
_sf_sim_device_fw_clear (SfSimDevice *self)
{
  g_clear_pointer (&self->fw, fw_free);
}

static gint64
us_at (guint  baud,
       gsize  bytes)
{
  return (gint64) bytes * 10 * G_USEC_PER_SEC / baud;
}

/* The reset: what ran is gone and the board boots from flash. */
static void
boot (SfSimDevice    *self,
      SfSimBootCause  cause)
{
  guint xtal = self->xtal_mhz != 0 ? self->xtal_mhz : self->chip->xtal_mhz;
  gint64 now = g_get_monotonic_time ();
  SfSimFw *fw;

  _sf_sim_device_fw_clear (self);
  _sf_sim_device_reset_board (self, FALSE);

  fw = g_new0 (SfSimFw, 1);
  fw->device = self;
  fw->kind = g_atomic_int_get (&self->firmware);
  /* These ROMs set their UART for a 40 MHz crystal: on a 26 MHz board
   * they print at 115200 × 26 / 40. */
  fw->rom_baud = xtal == 26 ? 74880 : 115200;
  fw->app_baud = g_atomic_int_get (&self->firmware_baud);
  fw->boot_us = now;
  fw->rom_text = rom_text (self->chip, cause);
  fw->rom_at_us = now + ROM_DELAY_US;
  fw->app_at_us = fw->rom_at_us + us_at (fw->rom_baud, strlen (fw->rom_text)) + APP_GAP_US;
  fw->line = g_byte_array_new ();
  if (fw->kind == SF_SIM_FIRMWARE_IMPROV)
    fw->improv = _sf_sim_improv_new ();
  self->fw = fw;
  g_debug ("booting from flash (%s)", cause == SF_SIM_BOOT_BUTTON ? "reset button" : "port opened");
}

static gint64
fw_tick (SfSimFw *fw,
         gint64   now_us)
{
  if (fw->rom_at_us != 0)
    {
      if (now_us < fw->rom_at_us)
        return fw->rom_at_us;
      print_at (fw, (const guint8 *) fw->rom_text, strlen (fw->rom_text), fw->rom_baud);
      fw->rom_at_us = 0;
    }
  if (!fw->app_running)
    {
      if (now_us < fw->app_at_us)
        return fw->app_at_us;
      fw->app_running = TRUE;
      if (fw->kind == SF_SIM_FIRMWARE_LOGGER)
        logger_start (fw, now_us);
      else if (fw->kind == SF_SIM_FIRMWARE_IMPROV)
        _sf_sim_improv_start (fw, now_us);
    }

  switch (fw->kind)
    {
    case SF_SIM_FIRMWARE_LOGGER:
      return logger_tick (fw, now_us);
    case SF_SIM_FIRMWARE_IMPROV:
      return _sf_sim_improv_tick (fw, now_us);
    case SF_SIM_FIRMWARE_FLOOD:
      /* The queue draining (POLLOUT, or pacing) brings us back. */
      flood_fill (fw);
      return 0;
    case SF_SIM_FIRMWARE_NONE:
    default:
      return 0;
    }
}

/* The host closed the port: what it had not read yet must not greet the
 * next one to open it (a pty keeps it), so the board's end reads it away. */
static void
discard_unread (SfSimDevice *self)
{
  int fd;

  /* The board's own open and close, not the host's. */
  self->own_opens++;
  self->own_closes++;
  fd = open (self->port_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      self->own_opens--;
      self->own_closes--;
      return;
    }
  tcflush (fd, TCIFLUSH);
  close (fd);
}

static void
host_left (SfSimDevice *self)
{
  /* The app may go on, but its output goes nowhere: stop it. */
  self->host_on = FALSE;
  _sf_sim_device_fw_clear (self);
  _sf_sim_device_reset_board (self, FALSE);
  discard_unread (self);
}

/* The master's hang-up says whether somebody has the port open now, but a
 * host that closes the port and the next that opens it between two looks
 * leave no trace in it, and a monitor opening the port right after the
 * flasher closed it is exactly that. inotify reports every open and close
 * of the port's node, so none is missed. FALSE when it cannot watch. */
static gboolean
start_open_watch (SfSimDevice *self)
{
  int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (inotify_add_watch (fd, self->port_path, IN_OPEN | IN_CLOSE) < 0)
    {
      close (fd);
      return FALSE;
    }
  self->open_watch_fd = fd;
  self->own_opens = self->own_closes = self->host_opens = 0;
  return TRUE;
}

static void
stop_open_watch (SfSimDevice *self)
{
  if (self->open_watch_fd >= 0)
    close (self->open_watch_fd);
  self->open_watch_fd = -1;
}

/* Counts the opens and closes reported since the last look; TRUE when a
 * host opened the port among them. */
static gboolean
read_open_events (SfSimDevice *self)
{
  gboolean opened = FALSE;
  char buffer[1024] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t n;

  while ((n = read (self->open_watch_fd, buffer, sizeof buffer)) > 0)
    {
      for (char *p = buffer; p < buffer + n;)
        {
          const struct inotify_event *event = (const struct inotify_event *) p;

          if (event->mask & IN_OPEN)
            {
              if (self->own_opens > 0)
                self->own_opens--;
              else
                {
                  self->host_opens++;
                  opened = TRUE;
                }
            }
          if (event->mask & IN_CLOSE)
            {
              if (self->own_closes > 0)
                self->own_closes--;
              else if (self->host_opens > 0)
                self->host_opens--;
            }
          p += sizeof *event + event->len;
        }
    }
  return opened;
}

/* FALSE while nobody has the port open. */
static gboolean
watch_host (SfSimDevice *self)
{
  struct pollfd pfd = { self->master_fd, 0, 0 };
  gboolean away;

  if (self->open_watch_fd >= 0)
    {
      gboolean opened = read_open_events (self);

      /* A host that came after another left is a new session, even when
       * the board never saw the port unused. */
      if (opened && self->host_on)
        host_left (self);
      away = self->host_opens == 0;
    }
  else
    {
      while (poll (&pfd, 1, 0) < 0 && errno == EINTR)
        ;
      away = (pfd.revents & POLLHUP) != 0;
    }

  if (away && self->host_on)
    host_left (self);
  else if (!away && !self->host_on)
    {
      self->host_on = TRUE;
      boot (self, SF_SIM_BOOT_OPEN);
    }
  return !away;
}

/* The setting changed: with a firmware the board lets go of the slave, so
 * that the master tells when a host opens it; without, it holds it again
 * (the pty then outlives each client, as it always did). */
static void
apply_setting (SfSimDevice   *self,
               SfSimFirmware  want)
{
  SfSimFirmware was = self->fw_applied;

  self->fw_applied = want;
  if (want == SF_SIM_FIRMWARE_NONE)
    {
      stop_open_watch (self);
      if (self->slave_fd < 0)
        self->slave_fd = open (self->port_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (self->fw != NULL)
        {
          _sf_sim_device_fw_clear (self);
          _sf_sim_device_reset_board (self, FALSE);
        }
      return;
    }
  if (was == SF_SIM_FIRMWARE_NONE)
    {
      /* Watching first, so that the board's own close below is known as
       * its own. */
      gboolean watching = start_open_watch (self);

      if (self->slave_fd >= 0)
        {
          if (watching)
            self->own_closes++;
          close (self->slave_fd);
        }
      self->slave_fd = -1;
      /* A host already on the port shows as a master that does not hang
       * up; it counts as opening the port now. */
      if (watching)
        {
          struct pollfd pfd = { self->master_fd, 0, 0 };

          while (poll (&pfd, 1, 0) < 0 && errno == EINTR)
            ;
          self->host_opens = (pfd.revents & POLLHUP) ? 0 : 1;
        }
      self->host_on = FALSE;
    }
}

gint64
_sf_sim_device_fw_poll (SfSimDevice *self,
                        gint64       now_us,
                        gboolean    *out_host_away)
{
  SfSimFirmware want = g_atomic_int_get (&self->firmware);

  *out_host_away = FALSE;
  if (want != self->fw_applied)
    apply_setting (self, want);
  if (self->fw_applied == SF_SIM_FIRMWARE_NONE || self->master_fd < 0)
    return 0;
  if (!watch_host (self))
    {
      *out_host_away = TRUE;
      return 0;
    }
  return self->fw != NULL ? fw_tick (self->fw, now_us) : 0;
}

void
_sf_sim_device_fw_press (SfSimDevice *self)
{
  /* The loader is all this board has: as with the strap held. */
  if (self->fw_applied == SF_SIM_FIRMWARE_NONE)
    _sf_sim_device_reset_board (self, TRUE);
  /* Without a host the next open boots it anyway. */
  else if (self->host_on)
    boot (self, SF_SIM_BOOT_BUTTON);
}

gboolean
_sf_sim_device_fw_input (SfSimDevice   *self,
                         const guint8 **data,
                         gsize         *length,
                         GByteArray   **out_buffer)
{
  static const guint8 sync_start[] = { 0xC0, 0x00, SF_SIM_OP_SYNC };
  SfSimFw *fw = self->fw;
  const guint8 *in = *data;
  gsize n = *length;
  guint host = _sf_sim_device_client_baud (self);
  g_autoptr(GByteArray) heard = NULL;

  for (gsize i = 0; i < n; i++)
    {
      guint8 c = in[i];

      if (c == 0xC0)
        fw->sync_match = 1;
      else if (fw->sync_match > 0 && c == sync_start[fw->sync_match])
        fw->sync_match++;
      else
        fw->sync_match = 0;

      if (fw->sync_match == sizeof sync_start)
        {
          /* The host reset the board into download mode: the ROM loader
           * is up by the time this SYNC arrives, and answers it. */
          g_debug ("SYNC while the app runs: back to the ROM loader");
          _sf_sim_device_fw_clear (self);
          _sf_sim_device_reset_board (self, TRUE);
          *out_buffer = g_byte_array_sized_new (sizeof sync_start + n - i - 1);
          g_byte_array_append (*out_buffer, sync_start, sizeof sync_start);
          g_byte_array_append (*out_buffer, in + i + 1, n - i - 1);
          *data = (*out_buffer)->data;
          *length = (*out_buffer)->len;
          return TRUE;
        }
    }

  /* The ROM's boot does not listen. */
  if (!fw->app_running)
    return FALSE;
  if (host != 0 && !rates_agree (fw->app_baud, host))
    {
      heard = g_byte_array_new ();
      _sf_sim_noise_resample_uart (in, n, host, fw->app_baud, heard);
      in = heard->data;
      n = heard->len;
    }
  if (fw->kind == SF_SIM_FIRMWARE_LOGGER)
    logger_input (fw, in, n);
  else if (fw->kind == SF_SIM_FIRMWARE_IMPROV)
    _sf_sim_improv_input (fw, in, n, g_get_monotonic_time ());
  return FALSE;
}
