/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-tty-port"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The kernel's termios2 (TCGETS2/TCSETS2, BOTHER) takes any baud rate, such
 * as the 74880 of the ESP8266 ROM. Its header clashes with glibc's
 * <termios.h>, so this file uses the kernel interface only and never
 * includes <termios.h>. */
#include <asm/termbits.h>

#include <glib/gi18n-lib.h>

#include "sf-transport-private.h"
#include "sf-tty-port.h"

struct _SfTtyPort
{
  GObject   parent_instance;

  /* Owned */
  char     *path;
  int       fd;

  /* Read from sysfs when opening */
  gboolean  is_usb;
  guint     usb_vid;
  guint     usb_pid;
};

static void transport_iface_init (SfTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SfTtyPort, sf_tty_port, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SF_TYPE_TRANSPORT, transport_iface_init))

static void
set_speed (struct termios2 *tio,
           guint            baud)
{
  /* BOTHER for every rate, standard ones included: the kernel hands drivers
   * the number itself, so there is no table of B* constants to keep. The
   * input speed follows the output speed. */
  tio->c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
  tio->c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  tio->c_ispeed = baud;
  tio->c_ospeed = baud;
}

static gboolean
configure (SfTtyPort  *self,
           guint       baud,
           GError    **error)
{
  struct termios2 tio;

  if (ioctl (self->fd, TCGETS2, &tio) < 0)
    goto failed;

  /* Raw bytes: what cfmakeraw() does, plus no flow control of any kind. */
  tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                   IXON | IXOFF | IXANY | IMAXBEL | IUCLC);
  tio.c_oflag &= ~OPOST;
  tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  tio.c_cflag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS | CMSPAR);
  tio.c_cflag |= CS8 | CREAD | CLOCAL;

  /* With HUPCL the last close() drops DTR and RTS, which resets some boards
   * (or leaves them in reset) behind the user's back. */
  tio.c_cflag &= ~HUPCL;

  /* VMIN = 1 keeps read() == 0 meaning "hung up"; with VMIN = 0 it would
   * also mean "no data yet". The fd is non-blocking, so VMIN never blocks. */
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;

  set_speed (&tio, baud);

  if (ioctl (self->fd, TCSETS2, &tio) < 0)
    goto failed;

  return TRUE;

failed:
  {
    int errsv = errno;

    _sf_transport_set_error_from_errno (error, self->path, SF_TRANSPORT_STAGE_OPEN, errsv);
    return FALSE;
  }
}

static gboolean
read_sysfs_hex (const char *dir,
                const char *name,
                guint      *out_value)
{
  g_autofree char *file = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  guint64 value;
  char *end;

  if (!g_file_get_contents (file, &contents, NULL, NULL))
    return FALSE;

  value = g_ascii_strtoull (contents, &end, 16);
  if (end == contents || value > G_MAXUINT16)
    return FALSE;

  *out_value = value;
  return TRUE;
}

static void
read_usb_ids (SfTtyPort *self)
{
  g_autofree char *name = g_path_get_basename (self->path);
  g_autofree char *link = g_build_filename ("/sys/class/tty", name, "device", NULL);
  g_autofree char *dir = NULL;

  if (!(dir = realpath (link, NULL)))
    return;

  /* ttyACM sits on the USB interface, ttyUSB one level further down (on
   * the usb-serial port); the USB device with idVendor is above either. */
  for (guint i = 0; i < 4 && strcmp (dir, "/") != 0; i++)
    {
      char *parent;

      if (read_sysfs_hex (dir, "idVendor", &self->usb_vid) &&
          read_sysfs_hex (dir, "idProduct", &self->usb_pid))
        {
          self->is_usb = TRUE;
          return;
        }

      parent = g_path_get_dirname (dir);
      g_free (dir);
      dir = parent;
    }
}

static gboolean
sf_tty_port_write (SfTransport   *transport,
                   const guint8  *data,
                   gsize          length,
                   GError       **error)
{
  SfTtyPort *self = SF_TTY_PORT (transport);

  return _sf_transport_fd_write (self->fd, self->path, data, length, error);
}

static gssize
sf_tty_port_read (SfTransport  *transport,
                  guint8       *buffer,
                  gsize         length,
                  guint         timeout_ms,
                  GError      **error)
{
  SfTtyPort *self = SF_TTY_PORT (transport);

  return _sf_transport_fd_read (self->fd, self->path, buffer, length, timeout_ms, error);
}

static gboolean
sf_tty_port_set_baud (SfTransport  *transport,
                      guint         baud,
                      GError      **error)
{
  SfTtyPort *self = SF_TTY_PORT (transport);
  struct termios2 tio;

  /* TCSETS2 applies at once (no drain): callers change the rate after the
   * chip has acknowledged the change, when nothing is left to send. A pty
   * accepts any rate and ignores it. */
  if (ioctl (self->fd, TCGETS2, &tio) < 0)
    goto failed;

  set_speed (&tio, baud);

  if (ioctl (self->fd, TCSETS2, &tio) < 0)
    goto failed;

  return TRUE;

failed:
  {
    int errsv = errno;

    _sf_transport_set_error_from_errno (error, self->path, SF_TRANSPORT_STAGE_IO, errsv);
    return FALSE;
  }
}

static gboolean
sf_tty_port_set_dtr_rts (SfTransport  *transport,
                         gboolean      dtr,
                         gboolean      rts,
                         GError      **error)
{
  SfTtyPort *self = SF_TTY_PORT (transport);

  return _sf_transport_fd_set_dtr_rts (self->fd, self->path, dtr, rts, error);
}

static gboolean
sf_tty_port_flush_input (SfTransport  *transport,
                         GError      **error)
{
  SfTtyPort *self = SF_TTY_PORT (transport);

  if (ioctl (self->fd, TCFLSH, TCIFLUSH) < 0)
    {
      int errsv = errno;

      _sf_transport_set_error_from_errno (error, self->path, SF_TRANSPORT_STAGE_IO, errsv);
      return FALSE;
    }

  return TRUE;
}

static const char *
sf_tty_port_get_path (SfTransport *transport)
{
  return SF_TTY_PORT (transport)->path;
}

static gboolean
sf_tty_port_get_usb_ids (SfTransport *transport,
                         guint       *vid,
                         guint       *pid)
{
  SfTtyPort *self = SF_TTY_PORT (transport);

  if (!self->is_usb)
    return FALSE;

  *vid = self->usb_vid;
  *pid = self->usb_pid;
  return TRUE;
}

static void
transport_iface_init (SfTransportInterface *iface)
{
  iface->write = sf_tty_port_write;
  iface->read = sf_tty_port_read;
  iface->set_baud = sf_tty_port_set_baud;
  iface->set_dtr_rts = sf_tty_port_set_dtr_rts;
  iface->flush_input = sf_tty_port_flush_input;
  iface->get_path = sf_tty_port_get_path;
  iface->get_usb_ids = sf_tty_port_get_usb_ids;
}

static void
sf_tty_port_finalize (GObject *object)
{
  SfTtyPort *self = (SfTtyPort *) object;

  if (self->fd >= 0)
    {
      _sf_transport_fd_unlock (self->fd);
      close (self->fd);
      self->fd = -1;
    }

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (sf_tty_port_parent_class)->finalize (object);
}

static void
sf_tty_port_class_init (SfTtyPortClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sf_tty_port_finalize;
}

static void
sf_tty_port_init (SfTtyPort *self)
{
  self->fd = -1;
}

SfTtyPort *
sf_tty_port_open (const char  *path,
                  guint        baud,
                  GError     **error)
{
  g_autoptr(SfTtyPort) self = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (baud > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* O_NONBLOCK: open() must not wait for carrier detect, and all I/O goes
   * through poll() with a deadline. */
  if ((fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
    {
      int errsv = errno;

      _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_OPEN, errsv);
      return NULL;
    }

  self = g_object_new (SF_TYPE_TTY_PORT, NULL);
  self->fd = fd;
  self->path = g_strdup (path);

  /* Lock before configuring, so a port another program holds keeps its
   * settings. */
  if (!_sf_transport_fd_lock (self->fd, self->path, error) ||
      !configure (self, baud, error))
    return NULL;

  read_usb_ids (self);

  g_debug ("Opened %s with termios at %u baud", self->path, baud);

  return g_steal_pointer (&self);
}
