/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target over files, the way libFuzzer would run it over its
 * corpus but without libFuzzer, so that every build (gcc, the sanitizer
 * build in CI) checks the corpora still pass.
 *
 * Usage: fuzz-replay-NAME DIR|FILE...
 * A directory stands for the files in it (not its subdirectories); one
 * with no files is an error, so that a corpus lost from the tree is
 * noticed rather than passing on nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz-common.h"

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  /* Printed first, so a crash names the file that caused it. */
  printf ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static gboolean
replay_dir (const char *dir_path,
            guint      *n_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      char *path = g_build_filename (dir_path, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (paths, path);
      else
        g_free (path);
    }
  if (paths->len == 0)
    {
      fprintf (stderr, "%s holds no files\n", dir_path);
      return FALSE;
    }

  /* In name order, so that runs are alike on every file system. */
  g_ptr_array_sort (paths, compare_names);
  for (guint i = 0; i < paths->len; i++)
    {
      if (!replay_file (paths->pdata[i]))
        return FALSE;
      (*n_files)++;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  guint n_files = 0;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s DIR|FILE...\n", argv[0]);
      return EXIT_FAILURE;
    }
  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      gboolean ok;

      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        ok = replay_dir (argv[i], &n_files);
      else
        ok = replay_file (argv[i]) && ++n_files > 0;
      if (!ok)
        return EXIT_FAILURE;
    }
  printf ("%u inputs passed\n", n_files);
  return EXIT_SUCCESS;
}
