/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Improv Wi-Fi Serial frames, both ways:
 *
 *   "IMPROV"  version (1)  type  length  data[length]  checksum
 *
 * The checksum is the sum of every byte before it, modulo 256. A board
 * may follow a frame with '\n' so a terminal shows it on a line of its own.
 * Types: 0x01 current state, 0x02 error state (one byte each), 0x03 RPC
 * command (command, data length, data), 0x04 RPC result (command, length
 * of the rest, then strings each led by its length). */

#include <gio/gio.h>

G_BEGIN_DECLS

#define SF_IMPROV_MAGIC          "IMPROV"
#define SF_IMPROV_MAGIC_LENGTH   6
#define SF_IMPROV_VERSION        1
/* Magic, version, type, length; then the data and the checksum. */
#define SF_IMPROV_HEADER_LENGTH  9
#define SF_IMPROV_MAX_FRAME      (SF_IMPROV_HEADER_LENGTH + 255 + 1)

typedef enum
{
  SF_IMPROV_TYPE_CURRENT_STATE = 0x01,
  SF_IMPROV_TYPE_ERROR_STATE   = 0x02,
  SF_IMPROV_TYPE_RPC_COMMAND   = 0x03,
  SF_IMPROV_TYPE_RPC_RESULT    = 0x04,
} SfImprovType;

typedef enum
{
  SF_IMPROV_COMMAND_WIFI_SETTINGS = 0x01,
  SF_IMPROV_COMMAND_GET_STATE     = 0x02,
  SF_IMPROV_COMMAND_GET_INFO      = 0x03,
  SF_IMPROV_COMMAND_SCAN          = 0x04,
} SfImprovCommand;

/* The error state's byte (0x00: no error, sent after each good command). */
typedef enum
{
  SF_IMPROV_WIRE_ERROR_NONE              = 0x00,
  SF_IMPROV_WIRE_ERROR_INVALID_RPC       = 0x01,
  SF_IMPROV_WIRE_ERROR_UNKNOWN_RPC       = 0x02,
  SF_IMPROV_WIRE_ERROR_UNABLE_TO_CONNECT = 0x03,
  SF_IMPROV_WIRE_ERROR_UNKNOWN           = 0xff,
} SfImprovWireError;

typedef enum
{
  SF_IMPROV_PARSE_NEED_MORE,     /* could still become a frame */
  SF_IMPROV_PARSE_NOT_FRAME,     /* the first byte starts no frame */
  SF_IMPROV_PARSE_FRAME,         /* a whole frame, checksum good */
  SF_IMPROV_PARSE_BAD_CHECKSUM,  /* shaped like a frame, checksum wrong */
} SfImprovParse;

/* Looks for a frame at the start of @data. For FRAME and BAD_CHECKSUM,
 * *@frame_length is its length (without a '\n' after it); for FRAME,
 * *@type and *@payload (may be NULL) are set. */
SfImprovParse _sf_improv_parse            (const guint8  *data,
                                           gsize          length,
                                           gsize         *frame_length,
                                           guint         *type,
                                           GBytes       **payload);

/* A whole frame of @type around @data (at most 255 bytes). */
GBytes       *_sf_improv_encode           (guint          type,
                                           const guint8  *data,
                                           gsize          length) G_GNUC_WARN_UNUSED_RESULT;
/* An RPC command frame without arguments. */
GBytes       *_sf_improv_encode_command   (SfImprovCommand command) G_GNUC_WARN_UNUSED_RESULT;
/* The Wi-Fi settings command. Its bytes are zeroed when the last reference
 * to them goes, and no copy of @password is left behind. Fails when the
 * SSID and password are too long for one frame. */
GBytes       *_sf_improv_encode_wifi_settings (const char *ssid,
                                           const char    *password,
                                           GError       **error) G_GNUC_WARN_UNUSED_RESULT;
/* An RPC result's command and strings; FALSE when @payload is not one. */
gboolean      _sf_improv_parse_rpc_result (GBytes        *payload,
                                           guint         *command,
                                           GStrv         *strings);

G_END_DECLS
