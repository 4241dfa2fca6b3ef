/* SPDX-License-Identifier: GPL-3.0-or-later */
/* posix_openpt(), ptsname_r() */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* termios2, to check the baud rate the pty really got. */
#include <asm/termbits.h>

#include <gio/gio.h>

#include "sf-protocol-error.h"
#include "sf-serial-port.h"
#include "sf-transport-private.h"
#include "sf-transport.h"
#include "sf-tty-port.h"
#include "../test-timing.h"

/* The pty master plays the board; the transport opens the slave. */
typedef struct
{
  int          master;
  char        *slave_path;
  SfTransport *transport;
} Fixture;

static void
open_pty (int   *out_master,
          char **out_slave_path)
{
  char name[128];
  int master;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (master, >=, 0);
  g_assert_no_errno (grantpt (master));
  g_assert_no_errno (unlockpt (master));
  g_assert_no_errno (ptsname_r (master, name, sizeof name));
  g_assert_no_errno (fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK));

  *out_master = master;
  *out_slave_path = g_strdup (name);
}

static void
fixture_set_up_pty (Fixture       *fixture,
                    gconstpointer  data)
{
  open_pty (&fixture->master, &fixture->slave_path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_set_up_pty (fixture, data);

  fixture->transport = sf_transport_open (fixture->slave_path, 115200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->transport);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->transport != NULL)
    g_assert_finalize_object (g_steal_pointer (&fixture->transport));
  if (fixture->master >= 0)
    close (fixture->master);
  g_clear_pointer (&fixture->slave_path, g_free);
}

static void
close_master (Fixture *fixture)
{
  g_assert_no_errno (close (fixture->master));
  fixture->master = -1;
}

static void
master_write (Fixture      *fixture,
              const void   *data,
              gsize         length)
{
  const guint8 *bytes = data;
  gsize done = 0;

  while (done < length)
    {
      struct pollfd pfd = { .fd = fixture->master, .events = POLLOUT };
      gssize n = write (fixture->master, bytes + done, length - done);

      if (n > 0)
        done += n;
      else if (errno == EAGAIN)
        g_assert_cmpint (poll (&pfd, 1, 2000), ==, 1);
      else
        g_assert_no_errno (n);
    }
}

/* Reads until @length bytes came or @timeout_ms passed; returns the count. */
static gsize
master_read (int     master,
             void   *buffer,
             gsize   length,
             guint   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint8 *bytes = buffer;
  gsize done = 0;

  while (done < length)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      gint64 remaining = deadline - g_get_monotonic_time ();
      gssize n;

      if (remaining <= 0 || poll (&pfd, 1, remaining / 1000 + 1) == 0)
        break;

      n = read (master, bytes + done, length - done);
      if (n > 0)
        done += n;
      else if (n < 0 && errno != EAGAIN)
        g_assert_no_errno (n);
    }

  return done;
}

/* Reads through the transport until @length bytes came or @timeout_ms passed. */
static gsize
transport_read_all (SfTransport *transport,
                    guint8      *buffer,
                    gsize        length,
                    guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gsize done = 0;

  while (done < length && g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = sf_transport_read (transport, buffer + done, length - done, 50, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >=, 0);
      done += n;
    }

  return done;
}

static void
test_open_pty (Fixture       *fixture,
               gconstpointer  data)
{
  guint vid = 1, pid = 1;

  g_assert_true (SF_IS_TTY_PORT (fixture->transport));
  g_assert_cmpstr (sf_transport_get_path (fixture->transport), ==, fixture->slave_path);
  g_assert_false (sf_transport_get_usb_ids (fixture->transport, &vid, &pid));
  g_assert_cmpuint (vid, ==, 0);
  g_assert_cmpuint (pid, ==, 0);
}

static void
test_serial_port_declines_pty (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfSerialPort) port = NULL;

  /* This error is what makes sf_transport_open() fall back to termios. */
  port = sf_serial_port_open (fixture->slave_path, 115200, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (port);
}

static void
test_all_bytes_to_board (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 sent[512];
  guint8 received[sizeof sent + 1];

  for (guint i = 0; i < sizeof sent; i++)
    sent[i] = i;

  g_assert_true (sf_transport_write (fixture->transport, sent, sizeof sent, &error));
  g_assert_no_error (error);

  /* One byte more than sent: an LF turned into CR LF would show up here. */
  g_assert_cmpuint (master_read (fixture->master, received, sizeof received, 500), ==, sizeof sent);
  g_assert_cmpmem (received, sizeof sent, sent, sizeof sent);
}

static void
test_all_bytes_from_board (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 sent[512];
  guint8 received[sizeof sent];
  guint8 echo[16];

  for (guint i = 0; i < sizeof sent; i++)
    sent[i] = i;

  /* 0x03 (^C), 0x04 (^D), 0x0D, 0x11/0x13 (XON/XOFF), 0x16 (^V) and 0x7F
   * are all special to a cooked tty. */
  master_write (fixture, sent, sizeof sent);

  g_assert_cmpuint (transport_read_all (fixture->transport, received, sizeof received, 2000), ==, sizeof sent);
  g_assert_cmpmem (received, sizeof received, sent, sizeof sent);

  g_assert_cmpint (sf_transport_read (fixture->transport, received, sizeof received, 100, &error), ==, 0);
  g_assert_no_error (error);

  /* No echo back to the board. */
  g_assert_cmpuint (master_read (fixture->master, echo, sizeof echo, 100), ==, 0);
}

static void
test_read_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[16];
  gint64 start, elapsed_ms;

  start = g_get_monotonic_time ();
  g_assert_cmpint (sf_transport_read (fixture->transport, buffer, sizeof buffer, 100, &error), ==, 0);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);
  g_assert_cmpint (elapsed_ms, >=, 80);
  if (sf_test_timing ())
    g_assert_cmpint (elapsed_ms, <=, 400);

  start = g_get_monotonic_time ();
  g_assert_cmpint (sf_transport_read (fixture->transport, buffer, sizeof buffer, 0, &error), ==, 0);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);
  if (sf_test_timing ())
    g_assert_cmpint (elapsed_ms, <, 50);
}

typedef struct
{
  Fixture *fixture;
  guint    delay_ms;
} DelayedWrite;

static gpointer
delayed_write_thread (gpointer data)
{
  DelayedWrite *delayed = data;

  g_usleep (delayed->delay_ms * G_TIME_SPAN_MILLISECOND);
  master_write (delayed->fixture, "x", 1);
  return NULL;
}

static void
test_read_wakes_up (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  DelayedWrite delayed = { fixture, 100 };
  GThread *thread;
  guint8 buffer[16];
  gint64 start, elapsed_ms;
  gssize n;

  start = g_get_monotonic_time ();
  thread = g_thread_new ("board", delayed_write_thread, &delayed);
  n = sf_transport_read (fixture->transport, buffer, sizeof buffer, 5000, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_thread_join (thread);

  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (buffer[0], ==, 'x');
  if (sf_test_timing ())
    g_assert_cmpint (elapsed_ms, <, 1000);
}

static void
test_read_split (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[64];
  gssize n;

  master_write (fixture, "0123456789", 10);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);

  n = sf_transport_read (fixture->transport, buffer, 4, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "0123", 4);

  g_assert_cmpuint (transport_read_all (fixture->transport, buffer, 6, 1000), ==, 6);
  g_assert_cmpmem (buffer, 6, "456789", 6);
}

static void
test_read_merged (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[64];
  gssize n;

  master_write (fixture, "ab", 2);
  master_write (fixture, "cd", 2);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);

  /* Both writes come back from one read: a read returns what is there. */
  n = sf_transport_read (fixture->transport, buffer, sizeof buffer, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "abcd", 4);
}

static void
test_set_baud (Fixture       *fixture,
               gconstpointer  data)
{
  static const guint rates[] = { 115200, 74880, 921600, 9600, 460800, 1500000 };
  int check_fd;

  /* Only root gets past TIOCEXCL to look at the settings from outside. */
  check_fd = open (fixture->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (sf_transport_set_baud (fixture->transport, rates[i], &error));
      g_assert_no_error (error);

      if (check_fd >= 0)
        {
          struct termios2 tio;

          g_assert_no_errno (ioctl (check_fd, TCGETS2, &tio));
          g_assert_cmpuint (tio.c_ospeed, ==, rates[i]);
          g_assert_cmpuint (tio.c_ispeed, ==, rates[i]);
          g_assert_cmpuint (tio.c_cflag & CSIZE, ==, CS8);
          g_assert_cmpuint (tio.c_cflag & (PARENB | CSTOPB | CRTSCTS | HUPCL), ==, 0);
          g_assert_cmpuint (tio.c_iflag & (IXON | IXOFF | ICRNL), ==, 0);
          g_assert_cmpuint (tio.c_lflag & (ICANON | ECHO | ISIG), ==, 0);
        }
    }

  if (check_fd >= 0)
    close (check_fd);
}

static void
test_dtr_rts_pty (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sf_transport_set_dtr_rts (fixture->transport, TRUE, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, fixture->slave_path));
  g_assert_nonnull (strstr (error->message, "cannot reset"));
}

static void
test_flush_input (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[16];
  gssize n;

  master_write (fixture, "stale", 5);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);

  g_assert_true (sf_transport_flush_input (fixture->transport, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sf_transport_read (fixture->transport, buffer, sizeof buffer, 100, &error), ==, 0);
  g_assert_no_error (error);

  master_write (fixture, "z", 1);
  n = sf_transport_read (fixture->transport, buffer, sizeof buffer, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "z", 1);
}

typedef struct
{
  SfTransport *transport;
  GError      *error;
  gssize       result;
} ReadInThread;

static gpointer
read_thread (gpointer data)
{
  ReadInThread *read = data;
  guint8 buffer[16];

  read->result = sf_transport_read (read->transport, buffer, sizeof buffer, 5000, &read->error);
  return NULL;
}

static void
test_unplug_while_reading (Fixture       *fixture,
                           gconstpointer  data)
{
  ReadInThread read = { fixture->transport, NULL, 0 };
  GThread *thread;
  gint64 start, elapsed_ms;

  thread = g_thread_new ("reader", read_thread, &read);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);

  start = g_get_monotonic_time ();
  close_master (fixture);
  g_thread_join (thread);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_error (read.error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_assert_nonnull (strstr (read.error->message, fixture->slave_path));
  g_assert_cmpint (read.result, ==, -1);
  if (sf_test_timing ())
    g_assert_cmpint (elapsed_ms, <, 1000);
  g_clear_error (&read.error);
}

static void
test_unplug_then_io (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[16];
  gint64 start;

  /* Closing the master hangs the slave up, like a USB adapter that was
   * pulled out: unread input is discarded and every call fails. */
  master_write (fixture, "lost", 4);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  close_master (fixture);

  g_assert_cmpint (sf_transport_read (fixture->transport, buffer, sizeof buffer, 0, &error), ==, -1);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  g_assert_cmpint (sf_transport_read (fixture->transport, buffer, sizeof buffer, 5000, &error), ==, -1);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * G_TIME_SPAN_MILLISECOND);
  g_clear_error (&error);

  g_assert_false (sf_transport_write (fixture->transport, (const guint8 *) "hi", 2, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_clear_error (&error);

  g_assert_false (sf_transport_set_baud (fixture->transport, 460800, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_clear_error (&error);

  g_assert_false (sf_transport_flush_input (fixture->transport, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  g_clear_error (&error);

  /* Not NOT_SUPPORTED: a reset that loses the port must look like an unplug. */
  g_assert_false (sf_transport_set_dtr_rts (fixture->transport, FALSE, FALSE, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
}

typedef struct
{
  int     master;
  guint8 *buffer;
  gsize   length;
  gsize   received;
} MasterReader;

static gpointer
master_reader_thread (gpointer data)
{
  MasterReader *reader = data;

  reader->received = master_read (reader->master, reader->buffer, reader->length, 10000);
  return NULL;
}

static void
test_write_large (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const gsize length = 256 * 1024;
  g_autofree guint8 *sent = g_malloc (length);
  g_autofree guint8 *received = g_malloc0 (length);
  MasterReader reader = { fixture->master, received, length, 0 };
  GThread *thread;

  for (gsize i = 0; i < length; i++)
    sent[i] = (i * 7 + i / 251) & 0xFF;

  /* Far more than the pty buffers, so write() has to wait for POLLOUT. */
  thread = g_thread_new ("board", master_reader_thread, &reader);
  g_assert_true (sf_transport_write (fixture->transport, sent, length, &error));
  g_assert_no_error (error);
  g_thread_join (thread);

  g_assert_cmpuint (reader.received, ==, length);
  g_assert_cmpmem (received, length, sent, length);
}

static void
test_not_found (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  const char *path = "/dev/ttyUSB-sparkflash-test-missing";

  transport = sf_transport_open (path, 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  transport = sf_transport_open ("", 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
}

static void
test_dangling_link (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *link = NULL;

  dir = g_dir_make_tmp ("sf-transport-XXXXXX", &error);
  g_assert_no_error (error);
  link = g_build_filename (dir, "usb-Espressif_gone-if00", NULL);
  g_assert_no_errno (symlink ("/dev/ttyUSB-sparkflash-test-missing", link));

  /* A /dev/serial/by-id link left behind names the link the user picked. */
  transport = sf_transport_open (link, 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, link));

  g_assert_no_errno (unlink (link));
  g_assert_no_errno (rmdir (dir));
}

static void
test_symlink (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *link = NULL;
  guint8 buffer[4];
  gssize n;

  dir = g_dir_make_tmp ("sf-transport-XXXXXX", &error);
  g_assert_no_error (error);
  link = g_build_filename (dir, "usb-Espressif_board-if00", NULL);
  g_assert_no_errno (symlink (fixture->slave_path, link));

  transport = sf_transport_open (link, 115200, &error);
  g_assert_no_error (error);
  g_assert_true (SF_IS_TTY_PORT (transport));

  /* The transport reports the device node, not the link. */
  g_assert_cmpstr (sf_transport_get_path (transport), ==, fixture->slave_path);

  master_write (fixture, "ok", 2);
  n = sf_transport_read (transport, buffer, sizeof buffer, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (buffer[0], ==, 'o');

  g_assert_no_errno (unlink (link));
  g_assert_no_errno (rmdir (dir));
}

static void
test_busy (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) second = NULL;

  second = sf_transport_open (fixture->slave_path, 115200, &error);
  g_assert_null (second);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY);
  g_assert_nonnull (strstr (error->message, fixture->slave_path));
  g_assert_nonnull (strstr (error->message, "in use"));
  g_clear_error (&error);

  /* Closing the first releases the lock. */
  g_assert_finalize_object (g_steal_pointer (&fixture->transport));

  second = sf_transport_open (fixture->slave_path, 115200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
}

static void
test_not_a_tty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  g_autofree char *path = NULL;
  int fd;

  fd = g_file_open_tmp ("sf-transport-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);

  transport = sf_transport_open (path, 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "not a serial port"));

  g_assert_no_errno (unlink (path));
}

static void
test_permission_denied (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root opens any device node regardless of its mode");
      return;
    }

  g_assert_no_errno (chmod (fixture->slave_path, 0));

  transport = sf_transport_open (fixture->slave_path, 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "dialout"));
}

static void
assert_errno_maps_to (int               errsv,
                      SfTransportStage  stage,
                      GQuark            domain,
                      int               code)
{
  g_autoptr(GError) error = NULL;

  _sf_transport_set_error_from_errno (&error, "/dev/ttyUSB0", stage, errsv);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, "/dev/ttyUSB0"));
}

static void
test_errno_mapping (void)
{
  g_autoptr(GError) error = NULL;

  _sf_transport_set_error_from_errno (&error, "/dev/ttyUSB0", SF_TRANSPORT_STAGE_OPEN, EACCES);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "/dev/ttyUSB0"));
  g_assert_nonnull (strstr (error->message, "dialout"));
  g_assert_nonnull (strstr (error->message, "usermod"));

  assert_errno_maps_to (EPERM, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PERMISSION_DENIED);
  assert_errno_maps_to (EBUSY, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY);
  assert_errno_maps_to (EWOULDBLOCK, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY);
  assert_errno_maps_to (ENOENT, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  assert_errno_maps_to (ENXIO, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  assert_errno_maps_to (ENODEV, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  assert_errno_maps_to (ENOTTY, SF_TRANSPORT_STAGE_OPEN, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_NOT_FOUND);
  assert_errno_maps_to (ENOENT, SF_TRANSPORT_STAGE_IO, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  assert_errno_maps_to (ENXIO, SF_TRANSPORT_STAGE_IO, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  assert_errno_maps_to (ENODEV, SF_TRANSPORT_STAGE_IO, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  assert_errno_maps_to (EIO, SF_TRANSPORT_STAGE_IO, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNPLUGGED);
  assert_errno_maps_to (EINVAL, SF_TRANSPORT_STAGE_OPEN, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  assert_errno_maps_to (EINVAL, SF_TRANSPORT_STAGE_IO, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_held_by_another_program (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTransport) transport = NULL;
  g_autofree char *expected = NULL;
  char slave_path[64];
  int master_fd, ready[2], hold[2];
  pid_t child;
  char byte;

  /* A program that opened the port without a lock, before us: the
   * transport names it instead of fighting it for the replies. Holding
   * the master side (as this process does) is being the other end. */
  master_fd = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (master_fd, >=, 0);
  g_assert_no_errno (grantpt (master_fd));
  g_assert_no_errno (unlockpt (master_fd));
  g_assert_no_errno (ptsname_r (master_fd, slave_path, sizeof slave_path));
  g_assert_no_errno (pipe (ready));
  g_assert_no_errno (pipe (hold));

  /* The child holds the slave until this process closes (or loses) its
   * end of @hold; it must not keep the master, or it would be the board. */
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      int fd;

      close (master_fd);
      close (hold[1]);
      fd = open (slave_path, O_RDWR | O_NOCTTY);
      if (write (ready[1], fd >= 0 ? "y" : "n", 1) != 1)
        _exit (1);
      while (read (hold[0], &byte, 1) > 0)
        ;
      _exit (0);
    }
  close (hold[0]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 'y');

  transport = sf_transport_open (slave_path, 115200, &error);
  g_assert_null (transport);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_PORT_BUSY);
  expected = g_strdup_printf ("(process %d)", (int) child);
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_nonnull (strstr (error->message, slave_path));
  g_clear_error (&error);

  close (hold[1]);
  g_assert_cmpint (waitpid (child, NULL, 0), ==, child);

  /* Once it is gone, the port is ours. */
  transport = sf_transport_open (slave_path, 115200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (transport);

  close (ready[0]);
  close (ready[1]);
  g_clear_object (&transport);
  close (master_fd);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/protocol/transport/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_PTY(path, func) \
  g_test_add ("/protocol/transport/" path, Fixture, NULL, fixture_set_up_pty, func, fixture_tear_down)

  ADD ("open-pty", test_open_pty);
  ADD_PTY ("serial-port-declines-pty", test_serial_port_declines_pty);
  ADD ("all-bytes-to-board", test_all_bytes_to_board);
  ADD ("all-bytes-from-board", test_all_bytes_from_board);
  ADD ("read-timeout", test_read_timeout);
  ADD ("read-wakes-up", test_read_wakes_up);
  ADD ("read-split", test_read_split);
  ADD ("read-merged", test_read_merged);
  ADD ("set-baud", test_set_baud);
  ADD ("dtr-rts-pty", test_dtr_rts_pty);
  ADD ("flush-input", test_flush_input);
  ADD ("unplug-while-reading", test_unplug_while_reading);
  ADD ("unplug-then-io", test_unplug_then_io);
  ADD ("write-large", test_write_large);
  g_test_add_func ("/protocol/transport/not-found", test_not_found);
  g_test_add_func ("/protocol/transport/dangling-link", test_dangling_link);
  ADD_PTY ("symlink", test_symlink);
  ADD ("busy", test_busy);
  g_test_add_func ("/protocol/transport/held-by-another-program", test_held_by_another_program);
  g_test_add_func ("/protocol/transport/not-a-tty", test_not_a_tty);
  ADD_PTY ("permission-denied", test_permission_denied);
  g_test_add_func ("/protocol/transport/errno-mapping", test_errno_mapping);

#undef ADD
#undef ADD_PTY

  return g_test_run ();
}
