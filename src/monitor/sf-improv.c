/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-improv"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-improv-client.h"
#include "sf-improv-private.h"

G_DEFINE_QUARK (sf-improv-error-quark, sf_improv_error)

static guint8
checksum (const guint8 *data,
          gsize         length)
{
  guint sum = 0;

  for (gsize i = 0; i < length; i++)
    sum += data[i];
  return sum & 0xff;
}

SfImprovParse
_sf_improv_parse (const guint8  *data,
                  gsize          length,
                  gsize         *frame_length,
                  guint         *type,
                  GBytes       **payload)
{
  gsize magic = MIN (length, SF_IMPROV_MAGIC_LENGTH);
  gsize total;

  if (memcmp (data, SF_IMPROV_MAGIC, magic) != 0)
    return SF_IMPROV_PARSE_NOT_FRAME;
  /* Text that merely starts with "IMPROV" ("IMPROVED") fails here, at
   * the version byte, without being held back any longer. */
  if (length > 6 && data[6] != SF_IMPROV_VERSION)
    return SF_IMPROV_PARSE_NOT_FRAME;
  if (length > 7 && (data[7] < SF_IMPROV_TYPE_CURRENT_STATE || data[7] > SF_IMPROV_TYPE_RPC_RESULT))
    return SF_IMPROV_PARSE_NOT_FRAME;
  if (length < SF_IMPROV_HEADER_LENGTH)
    return SF_IMPROV_PARSE_NEED_MORE;

  total = SF_IMPROV_HEADER_LENGTH + data[8] + 1;
  if (length < total)
    return SF_IMPROV_PARSE_NEED_MORE;
  if (frame_length)
    *frame_length = total;
  if (checksum (data, total - 1) != data[total - 1])
    return SF_IMPROV_PARSE_BAD_CHECKSUM;
  if (type)
    *type = data[7];
  if (payload)
    *payload = g_bytes_new (data + SF_IMPROV_HEADER_LENGTH, data[8]);
  return SF_IMPROV_PARSE_FRAME;
}

/* Frames that may hold a password: wiped before their memory is given back. */
static void
free_zeroed (gpointer data)
{
  guint8 *frame = data;
  gsize length = SF_IMPROV_HEADER_LENGTH + frame[8] + 1;

  /* volatile: a memset right before free may be left out by the compiler. */
  for (gsize i = 0; i < length; i++)
    ((volatile guint8 *) frame)[i] = 0;
  g_free (frame);
}

static guint8 *
build (guint         type,
       const guint8 *data,
       gsize         length)
{
  guint8 *frame = g_malloc (SF_IMPROV_HEADER_LENGTH + length + 1);

  memcpy (frame, SF_IMPROV_MAGIC, SF_IMPROV_MAGIC_LENGTH);
  frame[6] = SF_IMPROV_VERSION;
  frame[7] = type;
  frame[8] = length;
  if (length > 0)
    memcpy (frame + SF_IMPROV_HEADER_LENGTH, data, length);
  frame[SF_IMPROV_HEADER_LENGTH + length] = checksum (frame, SF_IMPROV_HEADER_LENGTH + length);
  return frame;
}

GBytes *
_sf_improv_encode (guint         type,
                   const guint8 *data,
                   gsize         length)
{
  g_return_val_if_fail (length <= 255, NULL);

  return g_bytes_new_take (build (type, data, length), SF_IMPROV_HEADER_LENGTH + length + 1);
}

GBytes *
_sf_improv_encode_command (SfImprovCommand command)
{
  guint8 data[2] = { command, 0 };

  return _sf_improv_encode (SF_IMPROV_TYPE_RPC_COMMAND, data, sizeof data);
}

GBytes *
_sf_improv_encode_wifi_settings (const char  *ssid,
                                 const char  *password,
                                 GError     **error)
{
  gsize ssid_length = strlen (ssid);
  gsize password_length = strlen (password);
  /* command, data length, ssid length, ssid, password length, password */
  gsize length = 2 + 1 + ssid_length + 1 + password_length;
  guint8 data[255];
  guint8 *frame;

  if (ssid_length > 32)
    {
      g_set_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_INVALID_RPC,
                   _("The network name “%s” is %u bytes long; Wi-Fi allows at most 32. "
                     "Check the name."), ssid, (guint) ssid_length);
      return NULL;
    }
  if (length > sizeof data)
    {
      g_set_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_INVALID_RPC,
                   _("The Wi-Fi password is too long to send to the board (at most %u "
                     "bytes with this network name). Check the password."),
                   (guint) (sizeof data - (2 + 1 + ssid_length + 1)));
      return NULL;
    }

  data[0] = SF_IMPROV_COMMAND_WIFI_SETTINGS;
  data[1] = length - 2;
  data[2] = ssid_length;
  memcpy (data + 3, ssid, ssid_length);
  data[3 + ssid_length] = password_length;
  memcpy (data + 4 + ssid_length, password, password_length);
  frame = build (SF_IMPROV_TYPE_RPC_COMMAND, data, length);
  for (gsize i = 0; i < length; i++)
    ((volatile guint8 *) data)[i] = 0;

  return g_bytes_new_with_free_func (frame, SF_IMPROV_HEADER_LENGTH + length + 1, free_zeroed,
                                     frame);
}

gboolean
_sf_improv_parse_rpc_result (GBytes  *payload,
                             guint   *command,
                             GStrv   *strings)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize length;
  const guint8 *data = g_bytes_get_data (payload, &length);
  gsize end, i;

  if (length < 2)
    return FALSE;
  /* The second byte is the length of the strings that follow; trust it
   * only as far as the frame goes. */
  end = MIN (length, (gsize) 2 + data[1]);
  for (i = 2; i < end;)
    {
      gsize n = data[i];

      if (i + 1 + n > end)
        return FALSE;

      g_autofree char *text = g_utf8_make_valid ((const char *) data + i + 1, n);

      g_strv_builder_add (builder, text);
      i += 1 + n;
    }
  *command = data[0];
  *strings = g_strv_builder_end (builder);
  return TRUE;
}
