/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sf-port-holders-private.h"

/* Unix 98 pseudo-terminal masters are opened through /dev/ptmx (5, 2);
 * their fdinfo names the slave they drive. */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2
/* Slaves are /dev/pts/N, majors 136 to 143. */
#define PTS_MAJOR_FIRST 136
#define PTS_MAJOR_LAST  143

static gboolean
is_pts (dev_t device)
{
  return major (device) >= PTS_MAJOR_FIRST && major (device) <= PTS_MAJOR_LAST;
}

static int
pts_index (dev_t device)
{
  return (int) ((major (device) - PTS_MAJOR_FIRST) * 256 + minor (device));
}

/* Does descriptor @fd_name of process @pid drive pseudo-terminal @index? */
static gboolean
is_master_of (const char *pid,
              const char *fd_name,
              int         index)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fdinfo/%s", pid, fd_name);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  line = strstr (contents, "tty-index:");
  return line != NULL && atoi (line + strlen ("tty-index:")) == index;
}

typedef enum
{
  HOLDS_NOTHING,
  HOLDS_DEVICE,
  HOLDS_MASTER,
} Holding;

static Holding
process_holding (const char *pid,
                 dev_t       device)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%s/fd", pid);
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, NULL);
  Holding holding = HOLDS_NOTHING;
  const char *name;

  if (dir == NULL)
    return HOLDS_NOTHING;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir, name, NULL);
      struct stat st;

      if (stat (link, &st) != 0 || !S_ISCHR (st.st_mode))
        continue;
      if (is_pts (device) && major (st.st_rdev) == PTMX_MAJOR && minor (st.st_rdev) == PTMX_MINOR &&
          is_master_of (pid, name, pts_index (device)))
        return HOLDS_MASTER;
      if (st.st_rdev == device)
        holding = HOLDS_DEVICE;
    }
  return holding;
}

char *
_sf_port_find_other_holder (int fd)
{
  g_autoptr(GDir) proc = NULL;
  g_autofree char *self_pid = g_strdup_printf ("%d", (int) getpid ());
  const char *pid;
  struct stat st;

  if (fstat (fd, &st) != 0 || !S_ISCHR (st.st_mode))
    return NULL;
  proc = g_dir_open ("/proc", 0, NULL);
  if (proc == NULL)
    return NULL;

  while ((pid = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *comm_path = NULL;
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (pid[0]) || g_str_equal (pid, self_pid))
        continue;
      if (process_holding (pid, st.st_rdev) != HOLDS_DEVICE)
        continue;
      comm_path = g_strdup_printf ("/proc/%s/comm", pid);
      if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
        comm = g_strdup ("?");
      g_strstrip (comm);
      return g_strdup_printf ("%s (process %s)", comm, pid);
    }
  return NULL;
}
