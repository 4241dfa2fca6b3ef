/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-device"

#include "config.h"

#include <string.h>

#include "sf-sim-device-private.h"

/* The board's side of Improv Wi-Fi Serial, as an ESPHome-like app speaks
 * it between its log lines. A packet is "IMPROV", version 1, type, data
 * length, data and a checksum (the sum of every byte before it, mod 256);
 * the board ends each of its packets with '\n'. The Wi-Fi is made up: a
 * scan finds three networks, and connecting works with the right
 * password after CONNECT_US. */

#define CONNECT_US      (300 * 1000)
#define HEADER_LENGTH   9   /* "IMPROV", version, type, length */
#define VERSION         1
#define URL             "http://192.168.4.23"
#define ESPHOME_VERSION "2024.6.0"

enum
{
  TYPE_STATE      = 0x01,
  TYPE_ERROR      = 0x02,
  TYPE_RPC        = 0x03,
  TYPE_RPC_RESULT = 0x04,
};

enum
{
  STATE_READY        = 0x02,
  STATE_PROVISIONING = 0x03,
  STATE_PROVISIONED  = 0x04,
};

enum
{
  ERROR_INVALID_RPC   = 0x01,
  ERROR_UNKNOWN_RPC   = 0x02,
  ERROR_NO_CONNECTION = 0x03,
};

enum
{
  CMD_WIFI_SETTINGS = 0x01,
  CMD_GET_STATE     = 0x02,
  CMD_DEVICE_INFO   = 0x03,
  CMD_SCAN          = 0x04,
};

static const struct
{
  const char *ssid;
  int         rssi;
  const char *password;  /* NULL: open, any password does */
} networks[] = {
  { "Sparkflash Lab", -48, "correct horse" },
  { "Workshop", -63, "soldering iron" },
  { "Guest", -77, NULL },
};

struct _SfSimImprov
{
  GByteArray *in;          /* the host's bytes not yet taken */
  guint8      state;
  gint64      connect_us;  /* a connection attempt ends then (0 = none) */
  gboolean    connect_ok;
  char       *ssid;
};

SfSimImprov *
_sf_sim_improv_new (void)
{
  SfSimImprov *improv = g_new0 (SfSimImprov, 1);

  improv->in = g_byte_array_new ();
  improv->state = STATE_READY;
  return improv;
}

void
_sf_sim_improv_free (SfSimImprov *improv)
{
  g_byte_array_unref (improv->in);
  g_free (improv->ssid);
  g_free (improv);
}

static void
send_packet (SfSimFw      *fw,
             guint8        type,
             const guint8 *data,
             gsize         length)
{
  g_autoptr(GByteArray) packet = g_byte_array_new ();
  guint8 head[] = { 'I', 'M', 'P', 'R', 'O', 'V', VERSION, type, (guint8) length };
  guint8 sum = 0;

  g_byte_array_append (packet, head, sizeof head);
  g_byte_array_append (packet, data, length);
  for (guint i = 0; i < packet->len; i++)
    sum += packet->data[i];
  g_byte_array_append (packet, &sum, 1);
  g_byte_array_append (packet, (const guint8 *) "\n", 1);
  _sf_sim_fw_print (fw, (const char *) packet->data, packet->len);
}

static void
send_byte (SfSimFw *fw,
           guint8   type,
           guint8   value)
{
  send_packet (fw, type, &value, 1);
}

/* An RPC result: the command, the strings' total length, then each string
 * after its length; NULL ends @strings. */
static void
send_result (SfSimFw           *fw,
             guint8             command,
             const char *const *strings)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 head[2] = { command, 0 };

  g_byte_array_append (data, head, 2);
  for (guint i = 0; strings != NULL && strings[i] != NULL; i++)
    {
      guint8 n = (guint8) MIN (strlen (strings[i]), 255);

      g_byte_array_append (data, &n, 1);
      g_byte_array_append (data, (const guint8 *) strings[i], n);
    }
  data->data[1] = (guint8) (data->len - 2);
  send_packet (fw, TYPE_RPC_RESULT, data->data, data->len);
}

static void
log_line (SfSimFw    *fw,
          const char *colour,
          const char *line)
{
  _sf_sim_fw_printf (fw, "%s%s\033[0m\r\n", colour, line);
}

void
_sf_sim_improv_start (SfSimFw *fw,
                      gint64   now_us)
{
  g_autofree char *family = _sf_sim_fw_chip_family (fw);
  g_autofree char *chip = g_strdup_printf ("[I][app:102]: ESPHome version " ESPHOME_VERSION
                                           " compiled on Jun 19 2024, 10:00:00 for %s", family);

  (void) now_us;
  log_line (fw, "\033[0;32m", "[I][logger:034]: Log initialized");
  log_line (fw, "\033[0;32m", "[I][app:029]: Running through setup()...");
  log_line (fw, "\033[0;32m", chip);
  log_line (fw, "\033[0;33m", "[W][wifi:131]: No Wi-Fi credentials stored, waiting for Improv");
  log_line (fw, "\033[0;36m", "[D][improv_serial:030]: Improv serial ready");
}

static void
reply_state (SfSimFw *fw,
             guint8   command)
{
  const char *url[] = { URL, NULL };

  send_byte (fw, TYPE_STATE, fw->improv->state);
  /* A provisioned board tells where to go next, as the spec asks. */
  if (fw->improv->state == STATE_PROVISIONED)
    send_result (fw, command, url);
}

static void
start_connect (SfSimFw      *fw,
               const guint8 *data,
               gsize         length,
               gint64        now_us)
{
  SfSimImprov *improv = fw->improv;
  g_autofree char *ssid = NULL;
  g_autofree char *password = NULL;
  g_autofree char *line = NULL;
  gsize ssid_len, pass_len;

  if (length < 2 || (ssid_len = data[0]) + 2 > length ||
      (pass_len = data[1 + ssid_len]) + ssid_len + 2 != length)
    {
      send_byte (fw, TYPE_ERROR, ERROR_INVALID_RPC);
      return;
    }
  ssid = g_strndup ((const char *) data + 1, ssid_len);
  password = g_strndup ((const char *) data + 2 + ssid_len, pass_len);

  improv->connect_ok = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (networks); i++)
    if (strlen (ssid) == ssid_len && g_str_equal (ssid, networks[i].ssid))
      improv->connect_ok = networks[i].password == NULL ||
                           (strlen (password) == pass_len && g_str_equal (password, networks[i].password));
  g_free (improv->ssid);
  improv->ssid = g_steal_pointer (&ssid);
  improv->state = STATE_PROVISIONING;
  improv->connect_us = now_us + CONNECT_US;

  /* Never the password: only that there is one. */
  line = g_strdup_printf ("[I][improv_serial:225]: Received Improv Wi-Fi settings ssid='%s', password=%s",
                          improv->ssid, pass_len > 0 ? "'******'" : "''");
  log_line (fw, "\033[0;32m", line);
  send_byte (fw, TYPE_STATE, STATE_PROVISIONING);
}

static void
handle_rpc (SfSimFw      *fw,
            const guint8 *data,
            gsize         length,
            gint64        now_us)
{
  g_autofree char *family = NULL;

  /* The command, the length of its data, the data. */
  if (length < 2 || (gsize) data[1] + 2 != length)
    {
      send_byte (fw, TYPE_ERROR, ERROR_INVALID_RPC);
      return;
    }

  switch (data[0])
    {
    case CMD_WIFI_SETTINGS:
      start_connect (fw, data + 2, data[1], now_us);
      break;
    case CMD_GET_STATE:
      reply_state (fw, CMD_GET_STATE);
      break;
    case CMD_DEVICE_INFO:
      {
        const char *info[5] = { "ESPHome", ESPHOME_VERSION, NULL, "sparkflash-sim", NULL };

        family = _sf_sim_fw_chip_family (fw);
        info[2] = family;
        send_result (fw, CMD_DEVICE_INFO, info);
      }
      break;
    case CMD_SCAN:
      for (gsize i = 0; i < G_N_ELEMENTS (networks); i++)
        {
          g_autofree char *rssi = g_strdup_printf ("%d", networks[i].rssi);
          const char *entry[] = { networks[i].ssid, rssi, networks[i].password ? "YES" : "NO", NULL };

          send_result (fw, CMD_SCAN, entry);
        }
      /* An empty result ends the list. */
      send_result (fw, CMD_SCAN, NULL);
      break;
    default:
      send_byte (fw, TYPE_ERROR, ERROR_UNKNOWN_RPC);
      break;
    }
}

/* Takes whole packets off the front of the input; what is not a packet
 * (typing, noise) is skipped, as the app's parser does. */
void
_sf_sim_improv_input (SfSimFw      *fw,
                      const guint8 *data,
                      gsize         length,
                      gint64        now_us)
{
  GByteArray *in = fw->improv->in;

  g_byte_array_append (in, data, length);
  for (;;)
    {
      const guint8 *start = NULL;
      gsize skip, total;
      guint8 sum = 0;

      for (gsize i = 0; i + 6 <= in->len && start == NULL; i++)
        if (memcmp (in->data + i, "IMPROV", 6) == 0)
          start = in->data + i;
      /* Keep what may be the start of a header still coming. */
      skip = start != NULL ? (gsize) (start - in->data) : (in->len > 5 ? in->len - 5 : 0);
      g_byte_array_remove_range (in, 0, skip);
      if (start == NULL || in->len < HEADER_LENGTH)
        return;
      total = HEADER_LENGTH + in->data[8] + 1;
      if (in->len < total)
        return;

      for (gsize i = 0; i + 1 < total; i++)
        sum += in->data[i];
      if (sum != in->data[total - 1] || in->data[6] != VERSION)
        send_byte (fw, TYPE_ERROR, ERROR_INVALID_RPC);
      else if (in->data[7] == TYPE_RPC)
        handle_rpc (fw, in->data + HEADER_LENGTH, in->data[8], now_us);
      g_byte_array_remove_range (in, 0, total);
    }
}

gint64
_sf_sim_improv_tick (SfSimFw *fw,
                     gint64   now_us)
{
  SfSimImprov *improv = fw->improv;
  g_autofree char *line = NULL;
  const char *url[] = { URL, NULL };

  if (improv->connect_us == 0)
    return 0;
  if (now_us < improv->connect_us)
    return improv->connect_us;
  improv->connect_us = 0;

  if (improv->connect_ok)
    {
      line = g_strdup_printf ("[I][wifi:617]: WiFi Connected! SSID '%s', IP 192.168.4.23", improv->ssid);
      log_line (fw, "\033[0;32m", line);
      improv->state = STATE_PROVISIONED;
      send_byte (fw, TYPE_STATE, STATE_PROVISIONED);
      send_result (fw, CMD_WIFI_SETTINGS, url);
    }
  else
    {
      line = g_strdup_printf ("[W][wifi:650]: Error while connecting to '%s'", improv->ssid);
      log_line (fw, "\033[0;33m", line);
      improv->state = STATE_READY;
      send_byte (fw, TYPE_ERROR, ERROR_NO_CONNECTION);
      send_byte (fw, TYPE_STATE, STATE_READY);
    }
  return 0;
}
