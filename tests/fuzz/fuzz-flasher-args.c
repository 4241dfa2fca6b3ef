/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ESP-IDF's flasher_args.json against any JSON: the file comes from a
 * folder the user picked, and its paths must never lead out of it.
 *
 * Input: one byte for the build folder (absolute, with a trailing slash,
 * relative, the root, with "..") then the JSON, not NUL-terminated. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-build-files.h"
#include "sf-protocol-error.h"

static const char *const build_dirs[] = { "/b", "/home/me/p/build/", "build", "/", "/a/x/../b" };

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzInput in = { data, size };
  const char *build_dir = build_dirs[fuzz_input_byte (&in) % G_N_ELEMENTS (build_dirs)];
  g_autofree guint8 *json = fuzz_input_copy_rest (&in);
  g_autoptr(GBytes) bytes = g_bytes_new (json, in.size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SfFlasherArgs) args = NULL;
  g_autofree char *dir = g_canonicalize_filename (build_dir, NULL);
  g_autofree char *prefix = g_str_has_suffix (dir, "/") ? g_strdup (dir) : g_strconcat (dir, "/", NULL);

  args = sf_flasher_args_parse (bytes, build_dir, &error);
  if (args == NULL)
    {
      g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (strlen (error->message), >, 0);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  g_assert_nonnull (args->files);
  g_assert_cmpuint (args->files->len, >, 0);
  for (guint i = 0; i < args->files->len; i++)
    {
      const SfBuildFile *file = g_ptr_array_index (args->files, i);

      /* Absolute, inside the folder, and naming a file, not the folder. */
      g_assert_true (g_path_is_absolute (file->path));
      g_assert_true (g_str_has_prefix (file->path, prefix));
      g_assert_cmpuint (strlen (file->path), >, strlen (prefix));
      g_assert_null (strstr (file->path, "/../"));
      g_assert_null (strstr (file->path, "/./"));
      g_assert_false (g_str_has_suffix (file->path, "/.."));
      g_assert_false (g_str_has_suffix (file->path, "/."));
      g_assert_false (g_str_has_suffix (file->path, "/"));
      /* One file per address, in address order. */
      if (i > 0)
        g_assert_cmphex (((const SfBuildFile *) g_ptr_array_index (args->files, i - 1))->address, <, file->address);
    }
  return 0;
}
