/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sf-improv-client.h"
#include "sf-improv-private.h"

/* The frames are written out byte by byte from the protocol's description,
 * not built with the code under test. */

static void
test_encode_command (void)
{
  /* "IMPROV", version 1, RPC command, length 2, [scan, 0], checksum. */
  static const guint8 expected[] = { 'I', 'M', 'P', 'R', 'O', 'V', 0x01, 0x03, 0x02, 0x04, 0x00,
                                     0x00 /* checksum, filled in below */ };
  g_autoptr(GBytes) frame = _sf_improv_encode_command (SF_IMPROV_COMMAND_SCAN);
  guint8 copy[sizeof expected];
  guint sum = 0;

  memcpy (copy, expected, sizeof expected);
  for (gsize i = 0; i + 1 < sizeof copy; i++)
    sum += copy[i];
  copy[sizeof copy - 1] = sum & 0xff;
  g_assert_cmpmem (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), copy, sizeof copy);
}

static void
test_encode_wifi_settings (void)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data;
  guint sum = 0;

  frame = _sf_improv_encode_wifi_settings ("MyWirelessAP", "mysecurepassword", &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (frame, &length);
  /* The protocol's example: 01 1E 0C {MyWirelessAP} 10 {mysecurepassword} */
  g_assert_cmpuint (length, ==, 9 + 32 + 1);
  g_assert_cmpmem (data, 6, "IMPROV", 6);
  g_assert_cmpuint (data[6], ==, 1);
  g_assert_cmpuint (data[7], ==, 0x03);
  g_assert_cmpuint (data[8], ==, 32);
  g_assert_cmpuint (data[9], ==, 0x01);
  g_assert_cmpuint (data[10], ==, 0x1e);
  g_assert_cmpuint (data[11], ==, 0x0c);
  g_assert_cmpmem (data + 12, 12, "MyWirelessAP", 12);
  g_assert_cmpuint (data[24], ==, 0x10);
  g_assert_cmpmem (data + 25, 16, "mysecurepassword", 16);
  for (gsize i = 0; i + 1 < length; i++)
    sum += data[i];
  g_assert_cmpuint (data[length - 1], ==, sum & 0xff);
}

static void
test_encode_wifi_settings_too_long (void)
{
  g_autofree char *long_ssid = g_strnfill (33, 'x');
  g_autofree char *long_password = g_strnfill (250, 'p');
  g_autoptr(GError) error = NULL;
  GBytes *frame;

  frame = _sf_improv_encode_wifi_settings (long_ssid, "secret", &error);
  g_assert_null (frame);
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_INVALID_RPC);
  g_clear_error (&error);

  frame = _sf_improv_encode_wifi_settings ("net", long_password, &error);
  g_assert_null (frame);
  g_assert_error (error, SF_IMPROV_ERROR, SF_IMPROV_ERROR_INVALID_RPC);
  /* The message may name the network, never the password. */
  g_assert_null (strstr (error->message, long_password));
}

static void
test_parse_state (void)
{
  const guint8 frame[] = { 'I', 'M', 'P', 'R', 'O', 'V', 1, 0x01, 1, 0x02,
                           ('I' + 'M' + 'P' + 'R' + 'O' + 'V' + 1 + 1 + 1 + 2) & 0xff };
  g_autoptr(GBytes) payload = NULL;
  gsize frame_length = 0;
  guint type = 0;

  for (gsize n = 1; n < sizeof frame; n++)
    g_assert_cmpint (_sf_improv_parse (frame, n, NULL, NULL, NULL), ==, SF_IMPROV_PARSE_NEED_MORE);
  g_assert_cmpint (_sf_improv_parse (frame, sizeof frame, &frame_length, &type, &payload), ==,
                   SF_IMPROV_PARSE_FRAME);
  g_assert_cmpuint (frame_length, ==, sizeof frame);
  g_assert_cmpuint (type, ==, SF_IMPROV_TYPE_CURRENT_STATE);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), "\x02", 1);
}

static void
test_parse_rejects (void)
{
  guint8 frame[] = { 'I', 'M', 'P', 'R', 'O', 'V', 1, 0x02, 1, 0x03,
                     ('I' + 'M' + 'P' + 'R' + 'O' + 'V' + 1 + 2 + 1 + 3) & 0xff };
  gsize frame_length = 0;

  g_assert_cmpint (_sf_improv_parse ((const guint8 *) "IMPROVED", 8, NULL, NULL, NULL), ==,
                   SF_IMPROV_PARSE_NOT_FRAME);
  g_assert_cmpint (_sf_improv_parse ((const guint8 *) "IMPORT", 6, NULL, NULL, NULL), ==,
                   SF_IMPROV_PARSE_NOT_FRAME);
  g_assert_cmpint (_sf_improv_parse ((const guint8 *) "x", 1, NULL, NULL, NULL), ==,
                   SF_IMPROV_PARSE_NOT_FRAME);
  frame[7] = 0x09;
  g_assert_cmpint (_sf_improv_parse (frame, sizeof frame, NULL, NULL, NULL), ==,
                   SF_IMPROV_PARSE_NOT_FRAME);
  frame[7] = 0x02;
  frame[10]++;
  g_assert_cmpint (_sf_improv_parse (frame, sizeof frame, &frame_length, NULL, NULL), ==,
                   SF_IMPROV_PARSE_BAD_CHECKSUM);
  g_assert_cmpuint (frame_length, ==, sizeof frame);
}

static void
test_parse_rpc_result (void)
{
  /* Scan answer: command 4, 13 bytes of strings: "Home", "-60", "YES". */
  const guint8 data[] = { 0x04, 13, 4, 'H', 'o', 'm', 'e', 3, '-', '6', '0', 3, 'Y', 'E', 'S' };
  const guint8 empty[] = { 0x04, 0 };
  const guint8 overrun[] = { 0x03, 5, 9, 'a', 'b' };
  g_autoptr(GBytes) payload = g_bytes_new_static (data, sizeof data);
  g_autoptr(GBytes) empty_payload = g_bytes_new_static (empty, sizeof empty);
  g_autoptr(GBytes) bad_payload = g_bytes_new_static (overrun, sizeof overrun);
  g_auto(GStrv) strings = NULL;
  g_auto(GStrv) no_strings = NULL;
  g_auto(GStrv) unused = NULL;
  guint command = 0;

  g_assert_cmpuint (sizeof data, ==, 2 + 13);
  g_assert_true (_sf_improv_parse_rpc_result (payload, &command, &strings));
  g_assert_cmpuint (command, ==, SF_IMPROV_COMMAND_SCAN);
  g_assert_cmpstrv (strings, ((const char *[]) { "Home", "-60", "YES", NULL }));

  g_assert_true (_sf_improv_parse_rpc_result (empty_payload, &command, &no_strings));
  g_assert_cmpuint (g_strv_length (no_strings), ==, 0);

  g_assert_false (_sf_improv_parse_rpc_result (bad_payload, &command, &unused));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/improv/encode-command", test_encode_command);
  g_test_add_func ("/monitor/improv/encode-wifi-settings", test_encode_wifi_settings);
  g_test_add_func ("/monitor/improv/encode-too-long", test_encode_wifi_settings_too_long);
  g_test_add_func ("/monitor/improv/parse-state", test_parse_state);
  g_test_add_func ("/monitor/improv/parse-rejects", test_parse_rejects);
  g_test_add_func ("/monitor/improv/parse-rpc-result", test_parse_rpc_result);

  return g_test_run ();
}
