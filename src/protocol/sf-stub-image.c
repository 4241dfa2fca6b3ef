/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-stub-image"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "sf-chip-private.h"
#include "sf-protocol-error.h"
#include "sf-stub-image-private.h"

#if HAVE_FLASHER_STUBS
#include "sf-stubs-resources.h"

/* src/stubs/fetch-stubs.py files each image under esptool's chip name. */
#define STUB_RESOURCE_DIR "/io/github/sparkflash/Sparkflash/stubs/"
#endif

gboolean
sf_stub_images_available (void)
{
  return HAVE_FLASHER_STUBS;
}

const char *
sf_stub_images_origin (void)
{
#if HAVE_FLASHER_STUBS
  return FLASHER_STUBS_ORIGIN;
#else
  return NULL;
#endif
}

void
_sf_stub_image_free (SfStubImage *image)
{
  if (image == NULL)
    return;
  g_clear_pointer (&image->text, g_bytes_unref);
  g_clear_pointer (&image->data, g_bytes_unref);
  g_free (image);
}

#if HAVE_FLASHER_STUBS

/* Built with --manual-register, so there is no constructor (which the
 * static library would drop anyway): the resource exists once registered,
 * and registering it twice would corrupt GLib's list of them. It is also
 * fetched inside the once: GLib builds a registered resource lazily, on
 * the first g_static_resource_get_resource(), and a second thread asking
 * while the first is still building it gets NULL (several boards connect
 * at once in the CLI and in a production run). */
static GResource *
stub_resource (void)
{
  static GResource *resource = NULL;

  if (g_once_init_enter (&resource))
    {
      sf_stubs_register_resource ();
      g_once_init_leave (&resource, sf_stubs_get_resource ());
    }
  return resource;
}

#endif /* HAVE_FLASHER_STUBS */

/* The build checked every built-in image, so this means a broken build;
 * the ROM loader still works, hence UNSUPPORTED like a missing stub. */
static gboolean
set_damaged (const SfChipInfo  *info,
             const char        *key,
             GError           **error)
{
  g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
               _("The built-in flasher stub for %s is damaged (“%s” is missing or invalid); "
                 "using the ROM loader."),
               info->name, key);
  return FALSE;
}

/* The member @key when it is a plain value of @type, else NULL. */
static JsonNode *
get_value (JsonObject *stub,
           const char *key,
           GType       type)
{
  JsonNode *node = json_object_get_member (stub, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static gboolean
get_address (JsonObject        *stub,
             const char        *key,
             const SfChipInfo  *info,
             guint32           *out,
             GError           **error)
{
  JsonNode *node = get_value (stub, key, G_TYPE_INT64);
  gint64 value = node != NULL ? json_node_get_int (node) : -1;

  if (value < 0 || value > G_MAXUINT32)
    return set_damaged (info, key, error);
  *out = (guint32) value;
  return TRUE;
}

/* Decodes the base64 segment @key. An optional one that is absent or
 * empty leaves *out NULL. */
static gboolean
get_segment (JsonObject        *stub,
             const char        *key,
             gboolean           required,
             const SfChipInfo  *info,
             GBytes           **out,
             GError           **error)
{
  JsonNode *node = get_value (stub, key, G_TYPE_STRING);
  const char *text = node != NULL ? json_node_get_string (node) : NULL;
  guchar *decoded;
  gsize len;

  if (json_object_has_member (stub, key) && node == NULL)
    return set_damaged (info, key, error);
  if (text == NULL || *text == '\0')
    return required ? set_damaged (info, key, error) : TRUE;

  decoded = g_base64_decode (text, &len);
  if (len == 0)
    {
      g_free (decoded);
      return set_damaged (info, key, error);
    }
  *out = g_bytes_new_take (decoded, len);
  return TRUE;
}

SfStubImage *
_sf_stub_image_parse (SfChip         chip,
                      const char    *json,
                      gsize          length,
                      GError       **error)
{
  const SfChipInfo *info = _sf_chip_get_info (chip);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(SfStubImage) image = NULL;
  JsonNode *root;
  JsonObject *stub;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (json != NULL || length == 0, NULL);
  g_return_val_if_fail (length <= G_MAXSSIZE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json != NULL ? json : "", (gssize) length, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_damaged (info, "JSON", error);
      return NULL;
    }
  stub = json_node_get_object (root);

  image = g_new0 (SfStubImage, 1);
  if (!get_address (stub, "entry", info, &image->entry, error)
      || !get_address (stub, "text_start", info, &image->text_start, error)
      || !get_address (stub, "data_start", info, &image->data_start, error)
      || !get_address (stub, "bss_start", info, &image->bss_start, error)
      || !get_segment (stub, "text", TRUE, info, &image->text, error)
      || !get_segment (stub, "data", FALSE, info, &image->data, error))
    return NULL;
  return g_steal_pointer (&image);
}

SfStubImage *
_sf_stub_image_load (SfChip    chip,
                     GError  **error)
{
#if HAVE_FLASHER_STUBS
  const SfChipInfo *info = _sf_chip_get_info (chip);
  g_autofree char *path = NULL;
  g_autoptr(GBytes) json = NULL;
  gsize length;
  const char *text;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = g_strconcat (STUB_RESOURCE_DIR, info->id_name, ".json", NULL);
  json = g_resource_lookup_data (stub_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (json == NULL)
    {
      g_set_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                   _("This build of Sparkflash has no flasher stub for %s; using the ROM loader."),
                   info->name);
      return NULL;
    }

  text = g_bytes_get_data (json, &length);
  return _sf_stub_image_parse (chip, text, length, error);
#else
  g_set_error_literal (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_UNSUPPORTED,
                       _("This build of Sparkflash has no flasher stubs (built without "
                         "esptool-js); using the ROM loader."));
  return NULL;
#endif
}

char *
sf_stub_images_describe (void)
{
  const char *origin = sf_stub_images_origin ();

  if (origin != NULL)
    return g_strdup_printf (_("Flasher stubs: %s"), origin);
  return g_strdup (_("Flasher stubs: none (built without them; ROM loader only)"));
}
