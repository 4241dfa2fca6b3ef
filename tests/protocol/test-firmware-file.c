/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading firmware files: a snapshot in memory, and anything but a regular
 * file refused at once, before a byte is read from it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sf-firmware-file.h"
#include "test-tmp-dir.h"
#include "../test-timing.h"

typedef TmpDirFixture Fixture;

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, length, &error));
  g_assert_no_error (error);
  return path;
}

/* The load must fail with @code, quickly: nothing may wait on the file. */
static void
assert_refused (const char *path,
                int         code,
                const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autofree char *name = g_filename_display_basename (path);

  bytes = sf_firmware_file_load (path, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, SF_FIRMWARE_FILE_ERROR, code);
  sf_assert_took_less (start, G_USEC_PER_SEC);
  /* What, which file. */
  g_assert_nonnull (strstr (error->message, name));
  if (words != NULL)
    g_assert_nonnull (strstr (error->message, words));
}

static void
test_regular_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "app.bin", "\xe9\x03\x02\x20 firmware", 14);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SfFirmwareFileInfo info = { 0 };
  struct stat st;

  bytes = sf_firmware_file_load (path, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "\xe9\x03\x02\x20 firmware", 14);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (info.size, ==, 14);
  g_assert_cmpuint (info.inode, ==, st.st_ino);
  g_assert_cmpuint (info.device, ==, st.st_dev);
  g_assert_cmpint (info.mtime_ns / 1000000000, ==, st.st_mtime);
}

/* Read, not mapped: rewriting the file afterwards does not change what
 * was loaded, and the new version is told apart from the old. */
static void
test_snapshot (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "app.bin", "version one", -1);
  g_autofree char *other = write_file (fixture, "new.bin", "version two", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) third = NULL;
  SfFirmwareFileInfo info1, info2, info3;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000, 0 } };
  int fd;

  first = sf_firmware_file_load (path, &info1, &error);
  g_assert_no_error (error);
  g_assert_true (sf_firmware_file_info_equal (&info1, &info1));

  /* Rewritten in place, same size: the old snapshot stays as it was. */
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "VERSION", 7), ==, 7);
  g_assert_cmpint (futimens (fd, times), ==, 0);
  close (fd);
  g_assert_cmpmem (g_bytes_get_data (first, NULL), g_bytes_get_size (first), "version one", 11);

  second = sf_firmware_file_load (path, &info2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (second, NULL), g_bytes_get_size (second), "VERSION one", 11);
  g_assert_false (sf_firmware_file_info_equal (&info1, &info2));

  /* Replaced by a rename, as many build tools do: another inode. */
  g_assert_cmpint (g_rename (other, path), ==, 0);
  third = sf_firmware_file_load (path, &info3, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (third, NULL), g_bytes_get_size (third), "version two", 11);
  g_assert_false (sf_firmware_file_info_equal (&info2, &info3));
}

/* A FIFO with no writer: opening it to read would wait for ever. */
static void
test_fifo (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "app.bin", NULL);

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  assert_refused (path, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR, "named pipe");
}

static void
test_folder (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "build", NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  assert_refused (path, SF_FIRMWARE_FILE_ERROR_IS_FOLDER, "folder");
}

static void
test_device (Fixture       *fixture,
             gconstpointer  data)
{
  assert_refused ("/dev/null", SF_FIRMWARE_FILE_ERROR_NOT_REGULAR, "device");
  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    assert_refused ("/dev/zero", SF_FIRMWARE_FILE_ERROR_NOT_REGULAR, "device");
}

static void
test_socket (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "app.sock", NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  assert_refused (path, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR, "socket");
}

static void
test_missing (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "nope.bin", NULL);
  g_autofree char *deeper = g_build_filename (fixture->dir, "no", "such", "app.bin", NULL);

  assert_refused (path, SF_FIRMWARE_FILE_ERROR_NOT_FOUND, NULL);
  assert_refused (deeper, SF_FIRMWARE_FILE_ERROR_NOT_FOUND, NULL);
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "empty.bin", "", 0);

  assert_refused (path, SF_FIRMWARE_FILE_ERROR_EMPTY, "empty");
}

/* Not read at all: a disk image picked by mistake must not fill memory. */
static void
test_too_large (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "disk.img", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) SF_FIRMWARE_FILE_MAX_SIZE + 1), ==, 0);
  close (fd);
  assert_refused (path, SF_FIRMWARE_FILE_ERROR_TOO_LARGE, NULL);
}

static void
test_unreadable (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "secret.bin", "secret", -1);

  if (geteuid () == 0)
    {
      g_test_skip ("root may read anything");
      return;
    }
  g_assert_cmpint (g_chmod (path, 0), ==, 0);
  assert_refused (path, SF_FIRMWARE_FILE_ERROR_PERMISSION, "permissions");
}

/* A link to a firmware file is followed; a link to a FIFO is refused. */
static void
test_symlinks (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "app.bin", "firmware", -1);
  g_autofree char *link = g_build_filename (fixture->dir, "latest.bin", NULL);
  g_autofree char *fifo = g_build_filename (fixture->dir, "pipe", NULL);
  g_autofree char *fifo_link = g_build_filename (fixture->dir, "pipe.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpint (symlink ("app.bin", link), ==, 0);
  bytes = sf_firmware_file_load (link, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 8);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("pipe", fifo_link), ==, 0);
  assert_refused (fifo_link, SF_FIRMWARE_FILE_ERROR_NOT_REGULAR, "named pipe");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tmp_dir_fixture_set_up, func, tmp_dir_fixture_tear_down)
  ADD ("/firmware-file/regular", test_regular_file);
  ADD ("/firmware-file/snapshot", test_snapshot);
  ADD ("/firmware-file/fifo", test_fifo);
  ADD ("/firmware-file/folder", test_folder);
  ADD ("/firmware-file/device", test_device);
  ADD ("/firmware-file/socket", test_socket);
  ADD ("/firmware-file/missing", test_missing);
  ADD ("/firmware-file/empty", test_empty);
  ADD ("/firmware-file/too-large", test_too_large);
  ADD ("/firmware-file/unreadable", test_unreadable);
  ADD ("/firmware-file/symlinks", test_symlinks);
#undef ADD

  return g_test_run ();
}
