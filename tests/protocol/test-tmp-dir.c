/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "test-tmp-dir.h"

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      /* A test may have taken the write permission away to see a refusal. */
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          g_chmod (child, 0700);
          remove_tree (child);
        }
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
tmp_dir_fixture_set_up (TmpDirFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("sparkflash-test-XXXXXX", &error);
  g_assert_no_error (error);
}

void
tmp_dir_fixture_tear_down (TmpDirFixture *fixture,
                           gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}
