/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-serial-port"

#include "config.h"

#include <errno.h>
#include <sys/ioctl.h>

/* For the few settings libserialport gets wrong (see finish_config()). The
 * kernel's termios2 is used rather than <termios.h>, which would clash with
 * it and, in glibc before 2.42, cannot carry a non-standard baud rate. */
#include <asm/termbits.h>

#include <glib/gi18n-lib.h>

#include "sf-protocol-error.h"
#include "sf-serial-port-private.h"
#include "sf-serial-port.h"
#include "sf-transport-private.h"

struct _SfSerialPort
{
  GObject   parent_instance;

  /* Owned; open while the object lives */
  SfSpPort *port;
  char     *path;

  /* The port's file descriptor, owned by @port */
  int       fd;
};

static void transport_iface_init (SfTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SfSerialPort, sf_serial_port, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SF_TYPE_TRANSPORT, transport_iface_init))

/* Call right after the failing libserialport function: SP_ERR_FAIL leaves
 * the OS error in errno, which the next system call may overwrite. */
static void
set_error_from_sp (GError           **error,
                   const char        *path,
                   SfTransportStage   stage,
                   enum sp_return     ret)
{
  int errsv = ret == SP_ERR_FAIL ? sp_last_error_code () : 0;

  switch (ret)
    {
    case SP_ERR_FAIL:
      _sf_transport_set_error_from_errno (error, path, stage, errsv);
      break;

    case SP_ERR_SUPP:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Serial port %s does not support these settings."), path);
      break;

    case SP_ERR_MEM:
      g_error ("libserialport ran out of memory");

    case SP_ERR_ARG:
    case SP_OK:
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Serial port %s rejected the settings (libserialport error %d)."),
                   path, (int) ret);
      break;
    }
}

static gboolean
finish_config (SfSerialPort  *self,
               GError       **error)
{
  struct termios2 tio;

  if (ioctl (self->fd, TCGETS2, &tio) < 0)
    goto failed;

  /* libserialport 0.1.1 sets HUPCL (its comment says the opposite), and
   * dropping DTR/RTS on close can reset the board or hold it in reset. */
  tio.c_cflag &= ~HUPCL;

  /* It also tests and clears CRTSCTS in c_iflag instead of c_cflag, so
   * hardware flow control left on by a previous program would stay on. */
  tio.c_cflag &= ~CRTSCTS;
  tio.c_cflag |= CLOCAL | CREAD;

  /* It opens with VMIN = 0, where read() == 0 means "no data yet"; with
   * VMIN = 1 (on a non-blocking fd) it means "hung up", i.e. unplugged. */
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;

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
configure (SfSerialPort  *self,
           guint          baud,
           GError       **error)
{
  g_autoptr(SfSpPortConfig) config = NULL;
  enum sp_return ret;

  /* Fields left at -1 by sp_new_config() stay as they are: in particular
   * DTR and RTS are not touched, so opening does not reset the board. */
  if ((ret = sp_new_config (&config)) != SP_OK ||
      (ret = sp_set_config_baudrate (config, (int) baud)) != SP_OK ||
      (ret = sp_set_config_bits (config, 8)) != SP_OK ||
      (ret = sp_set_config_parity (config, SP_PARITY_NONE)) != SP_OK ||
      (ret = sp_set_config_stopbits (config, 1)) != SP_OK ||
      (ret = sp_set_config_flowcontrol (config, SP_FLOWCONTROL_NONE)) != SP_OK ||
      (ret = sp_set_config (self->port, config)) != SP_OK)
    {
      set_error_from_sp (error, self->path, SF_TRANSPORT_STAGE_OPEN, ret);
      return FALSE;
    }

  return finish_config (self, error);
}

static gboolean
sf_serial_port_write (SfTransport   *transport,
                      const guint8  *data,
                      gsize          length,
                      GError       **error)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);

  return _sf_transport_fd_write (self->fd, self->path, data, length, error);
}

static gssize
sf_serial_port_read (SfTransport  *transport,
                     guint8       *buffer,
                     gsize         length,
                     guint         timeout_ms,
                     GError      **error)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);

  /* Not sp_blocking_read_next(): on a hung-up port its select() keeps
   * returning "readable" and read() 0, so it spins until the timeout and
   * reports an unplugged board as silence (and with timeout 0, forever).
   * On POSIX it is poll() + read() on this same fd anyway. */
  return _sf_transport_fd_read (self->fd, self->path, buffer, length, timeout_ms, error);
}

static gboolean
sf_serial_port_set_baud (SfTransport  *transport,
                         guint         baud,
                         GError      **error)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);
  enum sp_return ret;

  if (baud > G_MAXINT)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("%u baud is not a valid baud rate."), baud);
      return FALSE;
    }

  /* libserialport sets rates without a B* constant (74880) with termios2. */
  if ((ret = sp_set_baudrate (self->port, (int) baud)) != SP_OK)
    {
      set_error_from_sp (error, self->path, SF_TRANSPORT_STAGE_IO, ret);
      return FALSE;
    }

  return TRUE;
}

static gboolean
sf_serial_port_set_dtr_rts (SfTransport  *transport,
                            gboolean      dtr,
                            gboolean      rts,
                            GError      **error)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);

  /* One TIOCMSET on the port's fd instead of sp_set_dtr() + sp_set_rts():
   * those are two ioctls (each also rewriting the termios), and the board
   * would briefly see a (DTR, RTS) state nobody asked for. esptool re-writes
   * DTR after RTS because some Windows drivers only send DTR along with an
   * RTS change; TIOCMSET hands the driver both lines in one call, so Linux
   * needs no such repeat. */
  return _sf_transport_fd_set_dtr_rts (self->fd, self->path, dtr, rts, error);
}

static gboolean
sf_serial_port_flush_input (SfTransport  *transport,
                            GError      **error)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);
  enum sp_return ret;

  if ((ret = sp_flush (self->port, SP_BUF_INPUT)) != SP_OK)
    {
      set_error_from_sp (error, self->path, SF_TRANSPORT_STAGE_IO, ret);
      return FALSE;
    }

  return TRUE;
}

static const char *
sf_serial_port_get_path (SfTransport *transport)
{
  return SF_SERIAL_PORT (transport)->path;
}

static gboolean
sf_serial_port_get_usb_ids (SfTransport *transport,
                            guint       *vid,
                            guint       *pid)
{
  SfSerialPort *self = SF_SERIAL_PORT (transport);
  int usb_vid, usb_pid;

  if (sp_get_port_transport (self->port) != SP_TRANSPORT_USB)
    return FALSE;

  if (sp_get_port_usb_vid_pid (self->port, &usb_vid, &usb_pid) != SP_OK ||
      usb_vid < 0 || usb_pid < 0)
    return FALSE;

  *vid = usb_vid;
  *pid = usb_pid;
  return TRUE;
}

static void
transport_iface_init (SfTransportInterface *iface)
{
  iface->write = sf_serial_port_write;
  iface->read = sf_serial_port_read;
  iface->set_baud = sf_serial_port_set_baud;
  iface->set_dtr_rts = sf_serial_port_set_dtr_rts;
  iface->flush_input = sf_serial_port_flush_input;
  iface->get_path = sf_serial_port_get_path;
  iface->get_usb_ids = sf_serial_port_get_usb_ids;
}

static void
sf_serial_port_finalize (GObject *object)
{
  SfSerialPort *self = (SfSerialPort *) object;

  if (self->port != NULL)
    {
      _sf_transport_fd_unlock (self->fd);
      sp_close (self->port);
      g_clear_pointer (&self->port, sp_free_port);
      self->fd = -1;
    }

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (sf_serial_port_parent_class)->finalize (object);
}

static void
sf_serial_port_class_init (SfSerialPortClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sf_serial_port_finalize;
}

static void
sf_serial_port_init (SfSerialPort *self)
{
  self->fd = -1;
}

SfSerialPort *
sf_serial_port_open (const char  *path,
                     guint        baud,
                     GError     **error)
{
  g_autoptr(SfSerialPort) self = NULL;
  g_autoptr(SfSpPort) port = NULL;
  enum sp_return ret;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (baud > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (baud > G_MAXINT)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("%u baud is not a valid baud rate."), baud);
      return NULL;
    }

  /* libserialport finds ports through /sys/class/tty: pseudo-terminals are
   * not there. */
  if (sp_get_port_by_name (path, &port) != SP_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "libserialport does not know %s", path);
      return NULL;
    }

  if ((ret = sp_open (port, SP_MODE_READ_WRITE)) != SP_OK)
    {
      int errsv = ret == SP_ERR_FAIL ? sp_last_error_code () : 0;

      switch (errsv)
        {
        /* Real answers about a real port: the other backend would only
         * fail the same way, or worse, share a busy port. */
        case EACCES:
        case EPERM:
        case EBUSY:
        case ENOENT:
        case ENODEV:
        case ENXIO:
        case EIO:
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_OPEN, errsv);
          return NULL;

        /* Typically ENOTTY from its TIOCMGET on a port without modem lines. */
        default:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "libserialport cannot open %s: %s", path,
                       errsv != 0 ? g_strerror (errsv) : "it gave no reason");
          return NULL;
        }
    }

  self = g_object_new (SF_TYPE_SERIAL_PORT, NULL);
  self->path = g_strdup (path);
  self->port = g_steal_pointer (&port);

  if ((ret = sp_get_port_handle (self->port, &self->fd)) != SP_OK)
    {
      set_error_from_sp (error, path, SF_TRANSPORT_STAGE_OPEN, ret);
      return NULL;
    }

  if (!_sf_transport_fd_lock (self->fd, self->path, error) ||
      !configure (self, baud, error))
    return NULL;

  g_debug ("Opened %s with libserialport at %u baud", self->path, baud);

  return g_steal_pointer (&self);
}
