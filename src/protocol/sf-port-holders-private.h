/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Another program that has the serial device open on descriptor @fd's
 * device, as "name (process N)", or NULL when there is none or the
 * system cannot tell (other users' processes are not visible). This
 * process does not count, nor, for a pseudo-terminal, the one holding
 * its master side: that is the other end of the line, not a competitor. */
char *_sf_port_find_other_holder (int fd);

G_END_DECLS
