/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/ioctl.h>
#include <termios.h>

G_BEGIN_DECLS

/* The kernel's termios2, as TCGETS2 fills it: it carries the exact rate of
 * a client that set one with BOTHER (any rate, 74880 included), which the
 * classic termios reports only as "other". Declared here because the
 * kernel's own header clashes with <termios.h>; tests set such rates
 * with it too. */
struct sim_termios2
{
  tcflag_t c_iflag;
  tcflag_t c_oflag;
  tcflag_t c_cflag;
  tcflag_t c_lflag;
  cc_t     c_line;
  cc_t     c_cc[19];
  speed_t  c_ispeed;
  speed_t  c_ospeed;
};

#define SIM_TCGETS2 _IOR ('T', 0x2A, struct sim_termios2)
#define SIM_TCSETS2 _IOW ('T', 0x2B, struct sim_termios2)
#define SIM_BOTHER  0010000

/* Opens a pseudo-terminal in raw 8N1 at 115200: the master (non-blocking)
 * for the board, and a descriptor on the slave that keeps the pty alive
 * between clients. @out_path is the slave's name, for clients. */
gboolean _sf_sim_pty_open        (int      *out_master,
                                  int      *out_slave,
                                  char    **out_path,
                                  GError  **error);
/* The rate the client configured on its end; 0 if unknown. */
guint    _sf_sim_pty_client_baud (int       slave_fd);

G_END_DECLS
