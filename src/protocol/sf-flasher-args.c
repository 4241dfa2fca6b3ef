/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-build-files"

/* ESP-IDF's flasher_args.json, which `idf.py build` leaves in the build
 * folder for flashing tools. The parts read here:
 *
 *   "flash_files":        { "0x1000": "bootloader/bootloader.bin", ... }
 *                         addresses as text, paths relative to the folder
 *   "flash_settings":     { "flash_mode": "dio", "flash_size": "2MB",
 *                           "flash_freq": "40m" }
 *   "extra_esptool_args": { "chip": "esp32", ... }
 *
 * The rest ("write_flash_args", "bootloader", "app", "partition-table",
 * ...) says the same things again, or things esptool alone needs. The file
 * comes from a folder the user picked, so nothing in it is trusted: a
 * path must stay inside the folder. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "sf-build-files-private.h"
#include "sf-protocol-error.h"
#include "sf-units.h"

void
sf_build_file_free (SfBuildFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file);
}

void
sf_flasher_args_free (SfFlasherArgs *args)
{
  if (args == NULL)
    return;
  g_free (args->flash_mode);
  g_free (args->flash_size);
  g_free (args->flash_freq);
  g_clear_pointer (&args->files, g_ptr_array_unref);
  g_free (args);
}

/* @relative made into a path under @dir (absolute, without "." or ".."),
 * or NULL when it is absolute or climbs out of @dir. */
static char *
path_inside (const char *dir,
             const char *relative)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  g_autoptr(GString) path = g_string_new (dir);

  if (*relative == '\0' || g_path_is_absolute (relative))
    return NULL;
  parts = g_strsplit (relative, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (kept->len == 0)
            return NULL;
          g_ptr_array_remove_index (kept, kept->len - 1);
          continue;
        }
      g_ptr_array_add (kept, parts[i]);
    }
  /* "bootloader/.." names the folder itself, not a file in it. */
  if (kept->len == 0)
    return NULL;
  for (guint i = 0; i < kept->len; i++)
    {
      if (path->len == 0 || path->str[path->len - 1] != G_DIR_SEPARATOR)
        g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, g_ptr_array_index (kept, i));
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

SfBuildFile *
_sf_build_file_new (guint32     address,
                    const char *path)
{
  SfBuildFile *file = g_new0 (SfBuildFile, 1);

  file->address = address;
  file->path = g_strdup (path);
  return file;
}

gint
_sf_build_file_compare (gconstpointer a,
                        gconstpointer b)
{
  const SfBuildFile *fa = *(SfBuildFile * const *) a;
  const SfBuildFile *fb = *(SfBuildFile * const *) b;

  return fa->address < fb->address ? -1 : fa->address > fb->address;
}

/* The text member @key of @object into *@out; absent is fine. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *object_name,
                     const char  *key,
                     char       **out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("\"%s\" in \"%s\" of flasher_args.json is not text"), key, object_name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static JsonObject *
get_optional_object (JsonObject  *root,
                     const char  *key,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (root, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("\"%s\" in flasher_args.json is not an object"), key);
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
read_files (JsonObject     *files,
            const char     *build_dir,
            GPtrArray      *out,
            GError        **error)
{
  g_autoptr(GList) members = json_object_get_members (files);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (files, key);
      g_autoptr(SfBuildFile) file = g_new0 (SfBuildFile, 1);
      g_autoptr(GError) local_error = NULL;

      if (!sf_parse_number (key, _("address"), &file->address, &local_error))
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("\"flash_files\" in flasher_args.json: %s"), local_error->message);
          return FALSE;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("\"flash_files\" in flasher_args.json: the file for %s is not a path"), key);
          return FALSE;
        }
      file->path = path_inside (build_dir, json_node_get_string (node));
      if (file->path == NULL)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("\"flash_files\" in flasher_args.json: the path \"%s\" for %s is not a file inside the build folder; rebuild the project, or flash the files by hand"),
                       json_node_get_string (node), key);
          return FALSE;
        }
      g_ptr_array_add (out, g_steal_pointer (&file));
    }

  g_ptr_array_sort (out, _sf_build_file_compare);
  for (guint i = 1; i < out->len; i++)
    {
      const SfBuildFile *a = g_ptr_array_index (out, i - 1);
      const SfBuildFile *b = g_ptr_array_index (out, i);

      if (a->address == b->address)
        {
          g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                       _("\"flash_files\" in flasher_args.json puts two files at 0x%x: %s and %s"),
                       a->address, a->path, b->path);
          return FALSE;
        }
    }
  return TRUE;
}

static SfFlasherArgs *parse_json (GBytes      *json,
                                   const char  *build_dir,
                                   GError     **error);

SfFlasherArgs *
sf_flasher_args_parse (GBytes      *json,
                       const char  *build_dir,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  SfFlasherArgs *args;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (build_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  args = parse_json (json, build_dir, &local_error);
  if (args == NULL)
    {
      /* json-glib passes on escapes such as "\277" as raw bytes, so
       * a key or path quoted in the message may not be UTF-8. */
      if (!g_utf8_validate (local_error->message, -1, NULL))
        {
          char *valid = g_utf8_make_valid (local_error->message, -1);

          g_free (local_error->message);
          local_error->message = valid;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return args;
}

static SfFlasherArgs *
parse_json (GBytes      *json,
            const char  *build_dir,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(SfFlasherArgs) args = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *chip = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonObject *part;
  gsize len;
  const char *text;

  text = g_bytes_get_data (json, &len);
  /* json-glib reads a NUL as the end of the text; the whole file must be
   * JSON, so a NUL inside is an error of its own. */
  if (len > 0 && memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("flasher_args.json is not JSON: it holds a NUL byte"));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, len > 0 ? text : "", (gssize) len, &local_error))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("flasher_args.json is not JSON: %s"), local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("flasher_args.json does not hold a JSON object"));
      return NULL;
    }
  object = json_node_get_object (root);

  args = g_new0 (SfFlasherArgs, 1);
  args->files = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_build_file_free);
  dir = g_canonicalize_filename (build_dir, NULL);

  part = get_optional_object (object, "flash_files", &local_error);
  if (part == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                     _("flasher_args.json has no \"flash_files\": it does not say what to flash"));
      return NULL;
    }
  if (!read_files (part, dir, args->files, error))
    return NULL;
  if (args->files->len == 0)
    {
      g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                           _("flasher_args.json has no \"flash_files\": it does not say what to flash"));
      return NULL;
    }

  part = get_optional_object (object, "flash_settings", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (part != NULL
      && (!get_optional_string (part, "flash_settings", "flash_mode", &args->flash_mode, error)
          || !get_optional_string (part, "flash_settings", "flash_size", &args->flash_size, error)
          || !get_optional_string (part, "flash_settings", "flash_freq", &args->flash_freq, error)))
    return NULL;

  part = get_optional_object (object, "extra_esptool_args", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (part != NULL && !get_optional_string (part, "extra_esptool_args", "chip", &chip, error))
    return NULL;
  args->chip = SF_CHIP_AUTO;
  if (chip != NULL && !sf_chip_from_name (chip, &args->chip))
    {
      g_autofree char *known = sf_chip_list_names ();

      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_INVALID_ARGUMENT,
                   _("flasher_args.json is for the chip \"%s\", which Sparkflash does not know (it knows %s)"),
                   chip, known);
      return NULL;
    }

  return g_steal_pointer (&args);
}
