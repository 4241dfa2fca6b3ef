/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A serial port with nothing behind it that answers: a board not in
 * download mode. Opens a pseudo-terminal, prints "PORT <path>", then reads
 * and drops whatever arrives (so the client never blocks writing) until
 * killed. The slave is made mode 0600, so only its owner may open it.
 *
 * With --count FILE it writes the number of bytes received so far into
 * FILE after each read, so a test can tell whether anyone talked to it. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int
main (int    argc,
      char **argv)
{
  const char *count_path = NULL;
  unsigned long long received = 0;
  const char *path;
  int master;
  int keep_open;

  if (argc == 3 && strcmp (argv[1], "--count") == 0)
    count_path = argv[2];

  master = posix_openpt (O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt (master) != 0 || unlockpt (master) != 0 ||
      (path = ptsname (master)) == NULL)
    {
      fprintf (stderr, "silent-pty: cannot create a pseudo-terminal: %s\n", strerror (errno));
      return 1;
    }
  if (chmod (path, 0600) != 0)
    {
      fprintf (stderr, "silent-pty: chmod %s: %s\n", path, strerror (errno));
      return 1;
    }

  /* Holding the slave open keeps the master readable instead of reporting
   * a hang-up between clients. */
  keep_open = open (path, O_RDWR | O_NOCTTY);
  if (keep_open >= 0)
    {
      struct termios tio;

      if (tcgetattr (keep_open, &tio) == 0)
        {
          cfmakeraw (&tio);
          tcsetattr (keep_open, TCSANOW, &tio);
        }
    }

  printf ("PORT %s\n", path);
  fflush (stdout);

  for (;;)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      char buffer[4096];
      ssize_t n;

      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        return 1;
      n = read (master, buffer, sizeof buffer);
      if (n > 0)
        {
          received += n;
          if (count_path != NULL)
            {
              FILE *f = fopen (count_path, "w");

              if (f != NULL)
                {
                  fprintf (f, "%llu\n", received);
                  fclose (f);
                }
            }
        }
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        {
          usleep (10000);
        }
    }
}
