/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The file a read of flash is saved to: replaced only when complete, never
 * leaving a temporary file behind, written through symbolic links, and
 * refused with a clear message where it cannot or should not be written. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sf-output-file-private.h"
#include "sf-protocol-error.h"
#include "test-tmp-dir.h"

typedef TmpDirFixture Fixture;

static char *
path_in (Fixture    *fixture,
         const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in a folder, sorted, space-separated. */
static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_contents (const char *path,
                 const char *expected)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, expected);
}

static void
write_text (SfOutputFile *output,
            const char   *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (_sf_output_file_get_stream (output), text,
                                            strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Writes @text to @path the way a read of flash does. */
static void
save (const char        *path,
      SfOutputFileFlags  flags,
      const char        *text)
{
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GError) error = NULL;

  output = _sf_output_file_new (path, strlen (text), flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (output);
  write_text (output, text);
  g_assert_true (_sf_output_file_commit (output, NULL, &error));
  g_assert_no_error (error);
}

static void
test_new_file (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GError) error = NULL;
  mode_t mask = umask (022);
  struct stat st;

  output = _sf_output_file_new (path, 4, SF_OUTPUT_FILE_DEFAULT, &error);
  g_assert_no_error (error);
  write_text (output, "data");

  /* Unnamed while it is written, where the file system allows it: a
   * process killed now leaves nothing. */
  listing = list_dir (fixture->dir);
  if (_sf_output_file_get_temp_path (output) == NULL)
    g_assert_cmpstr (listing, ==, "");

  g_assert_true (_sf_output_file_commit (output, NULL, &error));
  g_assert_no_error (error);
  assert_contents (path, "data");
  g_clear_pointer (&listing, g_free);
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "dump.bin");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  umask (mask);
}

/* A read that fails (the output is dropped) costs the user nothing. */
static void
test_abandoned_keeps_old (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  for (guint visible = 0; visible < 2; visible++)
    {
      SfOutputFile *output;

      g_assert_true (g_file_set_contents (path, "precious", -1, &error));
      output = _sf_output_file_new (path, 8, visible ? SF_OUTPUT_FILE_VISIBLE_TEMP : 0, &error);
      g_assert_no_error (error);
      write_text (output, "half");
      _sf_output_file_free (output);
      assert_contents (path, "precious");
      g_clear_pointer (&listing, g_free);
      listing = list_dir (fixture->dir);
      g_assert_cmpstr (listing, ==, "dump.bin");
    }
}

static void
test_cancelled_commit (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "precious", -1, &error));
  output = _sf_output_file_new (path, 4, SF_OUTPUT_FILE_DEFAULT, &error);
  write_text (output, "data");
  g_cancellable_cancel (cancellable);
  g_assert_false (_sf_output_file_commit (output, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_pointer (&output, _sf_output_file_free);
  assert_contents (path, "precious");
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "dump.bin");
}

/* The file is replaced, with the mode it had. */
static void
test_keeps_mode (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (path, "old", -1, &error));
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  save (path, SF_OUTPUT_FILE_DEFAULT, "new contents");
  assert_contents (path, "new contents");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
}

/* Write-protected: refused, untouched, unless forced; forced, it keeps
 * its protection. */
static void
test_write_protected (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "backup.bin");
  g_autofree char *listing = NULL;
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (path, "keep me", -1, &error));
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);

  g_assert_false (sf_flasher_check_output_file (path, 16, SF_OUTPUT_FILE_DEFAULT, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRITE_PROTECTED);
  g_assert_nonnull (strstr (error->message, "backup.bin"));
  g_assert_nonnull (strstr (error->message, "write-protected"));
  g_clear_error (&error);

  output = _sf_output_file_new (path, 16, SF_OUTPUT_FILE_DEFAULT, &error);
  g_assert_null (output);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_WRITE_PROTECTED);
  g_clear_error (&error);
  assert_contents (path, "keep me");
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "backup.bin");

  save (path, SF_OUTPUT_FILE_FORCE, "forced");
  assert_contents (path, "forced");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0444);
}

/* As cp does: the link's target is written, the link stays a link. */
static void
test_symlinks (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *sub = path_in (fixture, "sub");
  g_autofree char *target = g_build_filename (sub, "target.bin", NULL);
  g_autofree char *link = path_in (fixture, "link.bin");
  g_autofree char *chain = path_in (fixture, "chain.bin");
  g_autofree char *dangling = path_in (fixture, "dangling.bin");
  g_autofree char *created = g_build_filename (sub, "created.bin", NULL);
  g_autofree char *loop = path_in (fixture, "loop.bin");
  g_autofree char *link_text = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (target, "old", -1, &error));
  g_assert_cmpint (symlink ("sub/target.bin", link), ==, 0);   /* relative */
  g_assert_cmpint (symlink (link, chain), ==, 0);             /* absolute, to a link */

  save (link, SF_OUTPUT_FILE_DEFAULT, "through the link");
  assert_contents (target, "through the link");
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  link_text = g_file_read_link (link, &error);
  g_assert_cmpstr (link_text, ==, "sub/target.bin");

  save (chain, SF_OUTPUT_FILE_DEFAULT, "through two links");
  assert_contents (target, "through two links");
  g_assert_true (g_file_test (chain, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  /* A dangling link: its target is created. */
  g_assert_cmpint (symlink ("sub/created.bin", dangling), ==, 0);
  save (dangling, SF_OUTPUT_FILE_DEFAULT, "new");
  assert_contents (created, "new");
  g_assert_true (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));

  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "chain.bin dangling.bin link.bin sub");
  g_clear_pointer (&listing, g_free);
  listing = list_dir (sub);
  g_assert_cmpstr (listing, ==, "created.bin target.bin");

  /* A loop: refused, with a message. */
  g_assert_cmpint (symlink ("loop.bin", loop), ==, 0);
  g_assert_false (sf_flasher_check_output_file (loop, 16, SF_OUTPUT_FILE_DEFAULT, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "loop.bin"));
}

static void
assert_check_fails (const char *path,
                    guint64     size,
                    const char *first_words,
                    const char *second_words)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sf_flasher_check_output_file (path, size, SF_OUTPUT_FILE_DEFAULT, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO);
  if (strstr (error->message, first_words) == NULL ||
      (second_words != NULL && strstr (error->message, second_words) == NULL))
    g_error ("unexpected message for %s: %s", path, error->message);
}

static void
test_hard_links (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *other = path_in (fixture, "other-name.bin");
  g_autofree char *listing = NULL;
  struct stat before, after;
  g_autoptr(GError) error = NULL;

  /* Both names are one file: both see the new contents, shorter or longer
   * than the old, and it stays one file. */
  g_assert_true (g_file_set_contents (path, "the old contents", -1, &error));
  g_assert_cmpint (link (path, other), ==, 0);
  g_assert_cmpint (stat (path, &before), ==, 0);

  save (path, SF_OUTPUT_FILE_DEFAULT, "new");
  assert_contents (path, "new");
  assert_contents (other, "new");
  save (other, SF_OUTPUT_FILE_DEFAULT, "newer and longer than before");
  assert_contents (path, "newer and longer than before");

  g_assert_cmpint (stat (path, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino);
  g_assert_cmpuint (after.st_nlink, ==, 2);
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "dump.bin other-name.bin");
}

static void
test_refused_targets (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "no", "such", "dump.bin", NULL);

  assert_check_fails (fixture->dir, 16, "is a folder", "flash.bin");
  assert_check_fails (missing, 16, "does not exist", "such");
  assert_check_fails ("/dev/null", 16, "not a regular file", NULL);
}

/* Checked before the chip is asked for anything: say how much is needed
 * and how much there is. */
static void
test_not_enough_space (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GError) error = NULL;
  guint64 absurd = G_GUINT64_CONSTANT (1) << 60;

  assert_check_fails (path, absurd, "not enough space", "only");
  output = _sf_output_file_new (path, absurd, SF_OUTPUT_FILE_DEFAULT, &error);
  g_assert_null (output);
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "1 EiB"));
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "");

  /* Unknown size: nothing to check yet. */
  g_clear_error (&error);
  g_assert_true (sf_flasher_check_output_file (path, 0, SF_OUTPUT_FILE_DEFAULT, &error));
  g_assert_no_error (error);
}

static void
test_read_only_folder (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *sub = path_in (fixture, "locked");
  g_autofree char *path = g_build_filename (sub, "dump.bin", NULL);

  if (geteuid () == 0)
    {
      g_test_skip ("root may write into any folder (tests/cli covers it as nobody)");
      return;
    }
  g_assert_cmpint (g_mkdir (sub, 0500), ==, 0);
  assert_check_fails (path, 16, "may not create files", "locked");
}

/* Where O_TMPFILE does not work: a visible file, gone after the commit. */
static void
test_visible_temp (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  g_autoptr(SfOutputFile) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *temp_name = NULL;

  output = _sf_output_file_new (path, 4, SF_OUTPUT_FILE_VISIBLE_TEMP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (_sf_output_file_get_temp_path (output));
  temp_name = g_path_get_basename (_sf_output_file_get_temp_path (output));
  g_assert_true (g_str_has_prefix (temp_name, ".dump.bin.sparkflash-"));
  g_assert_cmpuint (strlen (temp_name), ==, strlen (".dump.bin.sparkflash-XXXXXX"));
  write_text (output, "data");

  /* A run beside this one does not take it for a leftover, even when it
   * looks old. */
  {
    struct timespec old[2] = { { 0, UTIME_OMIT }, { 1000, 0 } };

    g_assert_cmpint (utimensat (AT_FDCWD, _sf_output_file_get_temp_path (output), old, 0), ==, 0);
  }
  g_assert_cmpuint (_sf_output_file_remove_stale (fixture->dir, 60), ==, 0);

  g_assert_true (_sf_output_file_commit (output, NULL, &error));
  g_assert_no_error (error);
  assert_contents (path, "data");
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "dump.bin");
}

static void
make_file_aged (const char *path,
                gint64      age_seconds)
{
  g_autoptr(GError) error = NULL;
  struct timespec times[2];

  g_assert_true (g_file_set_contents (path, "left behind", -1, &error));
  times[0].tv_sec = times[1].tv_sec = g_get_real_time () / G_USEC_PER_SEC - age_seconds;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

/* What a killed run left: removed by the next one, and nothing else. */
static void
test_stale_cleanup (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *stale = path_in (fixture, ".dump.bin.sparkflash-AbC123");
  g_autofree char *other_name = path_in (fixture, ".other.bin.sparkflash-x9Y8z7");
  g_autofree char *fresh = path_in (fixture, ".dump.bin.sparkflash-Fresh1");
  g_autofree char *held = path_in (fixture, ".dump.bin.sparkflash-Held12");
  g_autofree char *no_dot = path_in (fixture, "dump.bin.sparkflash-AbC123");
  g_autofree char *short_name = path_in (fixture, ".dump.bin.sparkflash-AbC12");
  g_autofree char *odd = path_in (fixture, ".dump.bin.sparkflash-AbC12!");
  g_autofree char *link = path_in (fixture, ".link.bin.sparkflash-Link12");
  g_autofree char *folder = path_in (fixture, ".dir.bin.sparkflash-Dir123");
  g_autofree char *path = path_in (fixture, "dump.bin");
  g_autofree char *listing = NULL;
  int held_fd;

  make_file_aged (stale, 3600);
  make_file_aged (other_name, 120);
  make_file_aged (fresh, 5);
  make_file_aged (held, 3600);
  make_file_aged (no_dot, 3600);
  make_file_aged (short_name, 3600);
  make_file_aged (odd, 3600);
  g_assert_cmpint (symlink (stale, link), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);

  /* Held by a run that is still going. */
  held_fd = g_open (held, O_RDONLY, 0);
  g_assert_cmpint (held_fd, >=, 0);
  g_assert_cmpint (flock (held_fd, LOCK_EX), ==, 0);

  /* The next read into the folder cleans up before it starts. */
  save (path, SF_OUTPUT_FILE_DEFAULT, "data");
  close (held_fd);

  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==,
                   ".dir.bin.sparkflash-Dir123 .dump.bin.sparkflash-AbC12 "
                   ".dump.bin.sparkflash-AbC12! .dump.bin.sparkflash-Fresh1 "
                   ".dump.bin.sparkflash-Held12 .link.bin.sparkflash-Link12 "
                   "dump.bin dump.bin.sparkflash-AbC123");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tmp_dir_fixture_set_up, func, tmp_dir_fixture_tear_down)
  ADD ("/output-file/new-file", test_new_file);
  ADD ("/output-file/abandoned-keeps-old", test_abandoned_keeps_old);
  ADD ("/output-file/cancelled-commit", test_cancelled_commit);
  ADD ("/output-file/keeps-mode", test_keeps_mode);
  ADD ("/output-file/write-protected", test_write_protected);
  ADD ("/output-file/symlinks", test_symlinks);
  ADD ("/output-file/hard-links", test_hard_links);
  ADD ("/output-file/refused-targets", test_refused_targets);
  ADD ("/output-file/not-enough-space", test_not_enough_space);
  ADD ("/output-file/read-only-folder", test_read_only_folder);
  ADD ("/output-file/visible-temp", test_visible_temp);
  ADD ("/output-file/stale-cleanup", test_stale_cleanup);
#undef ADD

  return g_test_run ();
}
