/* SPDX-License-Identifier: GPL-3.0-or-later */
/* posix_openpt, ptsname_r and the termios speed constants above B115200 */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "sf-sim-pty"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sf-sim-pty-private.h"

/* The simulated board's end of the line: a pseudo-terminal, and the rate
 * the client set on it, which a real UART would have to match. */

static guint
speed_to_baud (speed_t speed)
{
  static const struct { speed_t speed; guint baud; } table[] = {
    { B1200, 1200 }, { B2400, 2400 }, { B4800, 4800 }, { B9600, 9600 },
    { B19200, 19200 }, { B38400, 38400 }, { B57600, 57600 },
    { B115200, 115200 }, { B230400, 230400 }, { B460800, 460800 },
    { B500000, 500000 }, { B576000, 576000 }, { B921600, 921600 },
    { B1000000, 1000000 }, { B1152000, 1152000 }, { B1500000, 1500000 },
    { B2000000, 2000000 }, { B2500000, 2500000 }, { B3000000, 3000000 },
    { B3500000, 3500000 }, { B4000000, 4000000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].speed == speed)
      return table[i].baud;
  return 0;
}


guint
_sf_sim_pty_client_baud (int slave_fd)
{
  struct sim_termios2 tio2;
  struct termios tio;

  if (ioctl (slave_fd, SIM_TCGETS2, &tio2) == 0 && (tio2.c_cflag & CBAUD) == SIM_BOTHER)
    return tio2.c_ospeed;
  if (tcgetattr (slave_fd, &tio) != 0)
    return 0;
  return speed_to_baud (cfgetospeed (&tio));
}

gboolean
_sf_sim_pty_open (int      *out_master,
                  int      *out_slave,
                  char    **out_path,
                  GError  **error)
{
  int master_fd = -1, slave_fd = -1;
  struct termios tio;
  char name[128];
  int saved_errno;

  master_fd = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_fd < 0)
    goto fail;
  if (grantpt (master_fd) != 0 || unlockpt (master_fd) != 0)
    goto fail;
  if (ptsname_r (master_fd, name, sizeof name) != 0)
    goto fail;

  /* Our own descriptor on the slave keeps the pty alive between clients:
   * without it the master reads EIO/HUP each time esptool closes the port. */
  slave_fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_fd < 0)
    goto fail;

  if (tcgetattr (slave_fd, &tio) != 0)
    goto fail;
  cfmakeraw (&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  cfsetispeed (&tio, B115200);
  cfsetospeed (&tio, B115200);
  if (tcsetattr (slave_fd, TCSANOW, &tio) != 0)
    goto fail;

  if (!g_unix_set_fd_nonblocking (master_fd, TRUE, NULL))
    goto fail;

  *out_master = master_fd;
  *out_slave = slave_fd;
  *out_path = g_strdup (name);
  return TRUE;

fail:
  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Could not create a pseudo-terminal: %s", g_strerror (saved_errno));
  if (slave_fd >= 0)
    close (slave_fd);
  if (master_fd >= 0)
    close (master_fd);
  return FALSE;
}
