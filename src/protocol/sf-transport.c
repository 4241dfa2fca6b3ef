/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-transport"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "sf-port-holders-private.h"
#include "sf-protocol-error.h"
#include "sf-serial-port.h"
#include "sf-transport-private.h"
#include "sf-tty-port.h"

G_DEFINE_INTERFACE (SfTransport, sf_transport, G_TYPE_OBJECT)

static void
sf_transport_default_init (SfTransportInterface *iface)
{
}

/**
 * sf_transport_open:
 * @path: a device node, or a link to one such as /dev/serial/by-id/...
 * @baud: the initial baud rate
 * @error: return location for an error
 *
 * Opens @path exclusively (flock and TIOCEXCL), raw 8N1 without flow control
 * and with HUPCL off. Links are resolved first, and the transport works on
 * (and sf_transport_get_path() returns) the real device node, e.g.
 * /dev/ttyUSB0; only a "does not exist" error names @path as given.
 *
 * libserialport opens real adapters; whatever it declines (pseudo-terminals,
 * whose names it cannot look up and which fail its modem-line ioctl) is opened
 * with plain termios instead. Permission, busy and missing-port errors are
 * reported, never retried with the other backend.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 */
SfTransport *
sf_transport_open (const char  *path,
                   guint        baud,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SfSerialPort) serial_port = NULL;
  g_autofree char *real_path = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (baud > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*path == '\0')
    {
      g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND,
                           _("No serial port was given."));
      return NULL;
    }

  if (!(real_path = realpath (path, NULL)))
    {
      int errsv = errno;

      _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_OPEN, errsv);
      return NULL;
    }

  if ((serial_port = sf_serial_port_open (real_path, baud, &local_error)))
    return SF_TRANSPORT (g_steal_pointer (&serial_port));

  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_debug ("Opening %s with termios: %s", real_path, local_error->message);

  return SF_TRANSPORT (sf_tty_port_open (real_path, baud, error));
}

gboolean
sf_transport_write (SfTransport   *self,
                    const guint8  *data,
                    gsize          length,
                    GError       **error)
{
  g_return_val_if_fail (SF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length == 0)
    return TRUE;

  return SF_TRANSPORT_GET_IFACE (self)->write (self, data, length, error);
}

gssize
sf_transport_read (SfTransport  *self,
                   guint8       *buffer,
                   gsize         length,
                   guint         timeout_ms,
                   GError      **error)
{
  g_return_val_if_fail (SF_IS_TRANSPORT (self), -1);
  g_return_val_if_fail (buffer != NULL, -1);
  g_return_val_if_fail (length > 0, -1);
  g_return_val_if_fail (length <= G_MAXSSIZE, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  return SF_TRANSPORT_GET_IFACE (self)->read (self, buffer, length, timeout_ms, error);
}

gboolean
sf_transport_set_baud (SfTransport  *self,
                       guint         baud,
                       GError      **error)
{
  g_return_val_if_fail (SF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (baud > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return SF_TRANSPORT_GET_IFACE (self)->set_baud (self, baud, error);
}

gboolean
sf_transport_set_dtr_rts (SfTransport  *self,
                          gboolean      dtr,
                          gboolean      rts,
                          GError      **error)
{
  SfTransportInterface *iface;

  g_return_val_if_fail (SF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = SF_TRANSPORT_GET_IFACE (self);

  if (iface->set_dtr_rts == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s has no modem control lines (DTR/RTS); cannot reset the chip."),
                   sf_transport_get_path (self));
      return FALSE;
    }

  return iface->set_dtr_rts (self, !!dtr, !!rts, error);
}

gboolean
sf_transport_flush_input (SfTransport  *self,
                          GError      **error)
{
  SfTransportInterface *iface;

  g_return_val_if_fail (SF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = SF_TRANSPORT_GET_IFACE (self);

  if (iface->flush_input == NULL)
    return TRUE;

  return iface->flush_input (self, error);
}

/**
 * sf_transport_get_path:
 * @self: a #SfTransport
 *
 * For transports from sf_transport_open(), the resolved device node (never
 * the /dev/serial/by-id/... link the caller may have passed).
 *
 * Returns: the path, or "" when the transport has none
 */
const char *
sf_transport_get_path (SfTransport *self)
{
  SfTransportInterface *iface;
  const char *path = NULL;

  g_return_val_if_fail (SF_IS_TRANSPORT (self), NULL);

  iface = SF_TRANSPORT_GET_IFACE (self);

  if (iface->get_path != NULL)
    path = iface->get_path (self);

  return path != NULL ? path : "";
}

gboolean
sf_transport_get_usb_ids (SfTransport *self,
                          guint       *vid,
                          guint       *pid)
{
  SfTransportInterface *iface;
  guint dummy_vid, dummy_pid;

  g_return_val_if_fail (SF_IS_TRANSPORT (self), FALSE);

  iface = SF_TRANSPORT_GET_IFACE (self);

  if (vid == NULL)
    vid = &dummy_vid;
  if (pid == NULL)
    pid = &dummy_pid;

  *vid = *pid = 0;

  if (iface->get_usb_ids == NULL)
    return FALSE;

  return iface->get_usb_ids (self, vid, pid);
}

void
_sf_transport_set_error_from_errno (GError           **error,
                                    const char        *path,
                                    SfTransportStage   stage,
                                    int                errsv)
{
  gboolean opening = stage == SF_TRANSPORT_STAGE_OPEN;

  switch (errsv)
    {
    case EACCES:
    case EPERM:
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED,
                   _("Permission denied opening %s. Add yourself to the 'dialout' group: "
                     "sudo usermod -aG dialout $USER, then log out and back in."),
                   path);
      return;

    case EBUSY:
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY,
                   _("%s is in use by another program (a serial monitor?). "
                     "Close it and try again."),
                   path);
      return;

    case ENOENT:
    case ENOTDIR:
    case ENODEV:
    case ENXIO:
    case EIO:
      if (!opening)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED,
                       _("The board on %s was unplugged or reset and its port disappeared. "
                         "Plug it back in and try again."),
                       path);
        }
      else if (errsv == ENOENT || errsv == ENOTDIR)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND,
                       _("Serial port %s does not exist. Is the board plugged in? "
                         "Check the port name."),
                       path);
        }
      else
        {
          /* What a /dev/ttyS node without a UART behind it, or a USB port
           * caught halfway through disappearing, answers. */
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND,
                       _("There is no device behind serial port %s. Is the board plugged in? "
                         "Check the port name."),
                       path);
        }
      return;

    case ENOTTY:
      if (opening)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND,
                       _("%s is not a serial port. Check the port name."),
                       path);
          return;
        }
      break;

    default:
      /* flock() answers EWOULDBLOCK (== EAGAIN) for a port locked by another
       * program; while reading or writing EAGAIN never gets here. */
      if (errsv == EWOULDBLOCK && opening)
        {
          _sf_transport_set_error_from_errno (error, path, stage, EBUSY);
          return;
        }
      break;
    }

  if (opening)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 _("Could not open serial port %s: %s"), path, g_strerror (errsv));
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 _("Serial port %s failed: %s"), path, g_strerror (errsv));
}

gboolean
_sf_transport_fd_lock (int          fd,
                       const char  *path,
                       GError     **error)
{
  /* pyserial's exclusive=True (which esptool uses) takes the same lock, so two
   * flashers never interleave their bytes on one port. */
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int errsv = errno;

      if (errsv == EWOULDBLOCK)
        {
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_OPEN, EBUSY);
          return FALSE;
        }

      /* A file system without flock support is no reason to refuse the port. */
      g_debug ("Cannot flock %s: %s", path, g_strerror (errsv));
    }

  /* A program that opened the port before us without a lock (a serial
   * monitor, cat, a modem manager) would take our replies off the line,
   * and the failure would look like a bad cable. Name it instead. */
  {
    g_autofree char *holder = _sf_port_find_other_holder (fd);

    if (holder != NULL)
      {
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY,
                     _("%s is in use by another program: %s. Close it and try again."),
                     path, holder);
        return FALSE;
      }
  }

  /* TIOCEXCL makes every later open() of the tty fail with EBUSY, also for
   * programs that never look at flocks (root is exempt). */
  if (ioctl (fd, TIOCEXCL) < 0)
    {
      int errsv = errno;

      _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_OPEN, errsv);
      return FALSE;
    }

  return TRUE;
}

void
_sf_transport_fd_unlock (int fd)
{
  /* Both also end with the last close(); this is just tidy. */
  (void) ioctl (fd, TIOCNXCL);
  (void) flock (fd, LOCK_UN);
}

static int
remaining_ms (gint64 deadline)
{
  gint64 remaining = deadline - g_get_monotonic_time ();

  if (remaining <= 0)
    return 0;

  return (int) MIN ((remaining + 999) / 1000, G_MAXINT);
}

gssize
_sf_transport_fd_read (int          fd,
                       const char  *path,
                       guint8      *buffer,
                       gsize        length,
                       guint        timeout_ms,
                       GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  g_assert (fd >= 0);
  g_assert (length > 0);

  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gssize n;
      int errsv;
      int r;

      r = poll (&pfd, 1, remaining_ms (deadline));

      if (r < 0)
        {
          errsv = errno;
          if (errsv == EINTR)
            continue;
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, errsv);
          return -1;
        }

      if (r == 0)
        return 0;

      if (pfd.revents & POLLNVAL)
        {
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, EBADF);
          return -1;
        }

      /* Read even on POLLHUP: bytes that arrived before the hang-up come
       * first, then 0 or EIO. */
      n = read (fd, buffer, length);

      if (n > 0)
        return n;

      /* With VMIN = 1 a tty returns 0 only after a hang-up: a USB adapter
       * that was pulled out, or the master side of a pty that was closed. */
      if (n == 0)
        {
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, ENXIO);
          return -1;
        }

      errsv = errno;

      if (errsv == EINTR)
        continue;

      if (errsv == EAGAIN || errsv == EWOULDBLOCK)
        {
          if (pfd.revents & (POLLHUP | POLLERR))
            {
              _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, ENXIO);
              return -1;
            }

          if (remaining_ms (deadline) == 0)
            return 0;

          continue;
        }

      _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, errsv);
      return -1;
    }
}

gboolean
_sf_transport_fd_write (int            fd,
                        const char    *path,
                        const guint8  *data,
                        gsize          length,
                        GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + SF_TRANSPORT_WRITE_STALL_MS * G_TIME_SPAN_MILLISECOND;
  gsize done = 0;

  g_assert (fd >= 0);

  while (done < length)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLOUT };
      gssize n;
      int errsv;
      int r;

      n = write (fd, data + done, length - done);

      if (n > 0)
        {
          done += n;
          /* The limit is on stalls, not on the whole write: a large block at
           * 9600 baud may take far longer than 10 s and still be healthy. */
          deadline = g_get_monotonic_time () + SF_TRANSPORT_WRITE_STALL_MS * G_TIME_SPAN_MILLISECOND;
          continue;
        }

      if (n < 0)
        {
          errsv = errno;

          if (errsv == EINTR)
            continue;

          if (errsv != EAGAIN && errsv != EWOULDBLOCK)
            {
              _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, errsv);
              return FALSE;
            }
        }

      if (remaining_ms (deadline) == 0)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT,
                       _("Writing to %s timed out: the port accepted no data for %d seconds."),
                       path, SF_TRANSPORT_WRITE_STALL_MS / 1000);
          return FALSE;
        }

      r = poll (&pfd, 1, remaining_ms (deadline));

      if (r < 0 && errno != EINTR)
        {
          errsv = errno;
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, errsv);
          return FALSE;
        }

      if (r > 0 && (pfd.revents & POLLNVAL))
        {
          _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, EBADF);
          return FALSE;
        }

      /* On POLLHUP the next write() reports EIO, which is an unplug. */
    }

  return TRUE;
}

gboolean
_sf_transport_fd_set_dtr_rts (int          fd,
                              const char  *path,
                              gboolean     dtr,
                              gboolean     rts,
                              GError     **error)
{
  int bits;

  /* One TIOCMSET changes both lines in a single driver call, so no
   * intermediate (DTR, RTS) state reaches the board; sequences that want one
   * ask for it as a separate step. */
  if (ioctl (fd, TIOCMGET, &bits) < 0)
    goto failed;

  if (dtr)
    bits |= TIOCM_DTR;
  else
    bits &= ~TIOCM_DTR;

  if (rts)
    bits |= TIOCM_RTS;
  else
    bits &= ~TIOCM_RTS;

  if (ioctl (fd, TIOCMSET, &bits) < 0)
    goto failed;

  return TRUE;

failed:
  {
    int errsv = errno;

    /* Pseudo-terminals (and some exotic drivers) have no modem lines. */
    if (errsv == ENOTTY || errsv == EINVAL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s has no modem control lines (DTR/RTS); cannot reset the chip. "
                     "Hold BOOT, press RESET, and connect without reset."),
                   path);
    else
      _sf_transport_set_error_from_errno (error, path, SF_TRANSPORT_STAGE_IO, errsv);

    return FALSE;
  }
}
