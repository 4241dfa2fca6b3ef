/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-bytes-private.h"
#include "sf-reply-private.h"

/* The ROM answers a failure with status 0x01 and puts its reason second. */
static const char *
rom_reason (guint8 code)
{
  switch (code)
    {
    case 0x01: return N_("invalid input parameter");
    case 0x02: return N_("out of memory in the ROM");
    case 0x03: return N_("send failed");
    case 0x04: return N_("receive failed");
    case 0x05: return N_("malformed or unsupported command");
    case 0x06: return N_("operation failed");
    case 0x07: return N_("data checksum mismatch");
    case 0x08: return N_("flash write failed (read-back differs)");
    case 0x09: return N_("flash read failed");
    case 0x0A: return N_("flash read length error");
    case 0x0B: return N_("decompressing the data failed");
    case 0x0C: return N_("compressed data checksum (Adler-32) mismatch");
    case 0x0D: return N_("compression parameter error");
    case 0x0E: return N_("invalid RAM binary size");
    case 0x0F: return N_("invalid RAM binary address");
    case 0x64: return N_("invalid parameter");
    case 0x65: return N_("invalid format");
    case 0x66: return N_("description too long");
    case 0x67: return N_("bad encoding description");
    case 0x69: return N_("insufficient storage");
    default:   return NULL;
    }
}

/* The flasher stub puts its own code in the first status byte. */
static const char *
stub_reason (guint8 status)
{
  switch (status)
    {
    case 0xC0: return N_("wrong data length");
    case 0xC1: return N_("data checksum mismatch");
    case 0xC2: return N_("block too large");
    case 0xC3: return N_("unknown command");
    case 0xC4: return N_("the SPI flash operation failed");
    case 0xC5: return N_("the SPI flash could not be unlocked");
    case 0xC6: return N_("not in flash or RAM download mode");
    case 0xC7: return N_("decompressing the data failed");
    case 0xC8: return N_("not enough data");
    case 0xC9: return N_("too much data");
    case 0xFF: return N_("command not implemented");
    default:   return NULL;
    }
}

const char *
_sf_reply_reason (guint8 status,
                  guint8 code)
{
  return status == 0x01 ? rom_reason (code) : stub_reason (status);
}

/* Every opcode a loader answers; a reply naming another was garbled.
 * 0x00 too: the ESP8266 ROM puts it in its "malformed message" replies. */
static gboolean
is_opcode (guint8 op)
{
  return op == 0x00 || (op >= 0x02 && op <= 0x14 && op != 0x0C) || (op >= 0xD0 && op <= 0xD3);
}

/* Where the status sits, for a data field of @data_len bytes: after the
 * result, or alone (a refusing ROM leaves the result out). FALSE when no
 * reply has that length. */
static gboolean
status_offset (gsize  data_len,
               gsize  result_len,
               guint  status_len,
               gsize *out_offset,
               gsize *out_result_len)
{
  const guint lengths[2] = { 2, 4 };

  if (result_len == SF_REPLY_ANY_LENGTH)
    {
      /* Unknown before the chip is: two bytes alone are an ESP8266 ROM's
       * status, anything longer ends in a newer ROM's four. */
      guint len = status_len != 0 ? status_len : data_len == 2 ? 2 : 4;

      if (data_len < len)
        return FALSE;
      *out_offset = *out_result_len = data_len - len;
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      if (status_len != 0 && status_len != lengths[i])
        continue;
      if (result_len <= data_len && data_len - result_len == lengths[i])
        {
          *out_offset = result_len;
          *out_result_len = result_len;
          return TRUE;
        }
      if (result_len > 0 && data_len == lengths[i])
        {
          *out_offset = 0;
          *out_result_len = 0;
          return TRUE;
        }
    }
  return FALSE;
}

static guint
status_length_from (SfReplyFrom from)
{
  switch (from)
    {
    case SF_REPLY_FROM_SHORT_ROM:
    case SF_REPLY_FROM_STUB:
      return 2;
    case SF_REPLY_FROM_LONG_ROM:
      return 4;
    case SF_REPLY_FROM_ANY_LOADER:
    default:
      return 0;
    }
}

/* Whether @from sends this status at all. A ROM fails with 0x01 and its
 * reason; the stub with its own code in the first byte and a zero after
 * it, and succeeds with two zeros. One flipped bit in a status must not
 * pass for a refusal the loader never sends. */
static gboolean
status_is_possible (SfReplyFrom from,
                    guint8      status,
                    guint8      code)
{
  gboolean rom = from == SF_REPLY_FROM_SHORT_ROM || from == SF_REPLY_FROM_LONG_ROM;

  if (from == SF_REPLY_FROM_STUB && code != 0)
    return FALSE;
  if (status == 0)
    return TRUE;
  if (rom && status != 0x01)
    return FALSE;
  if (from == SF_REPLY_FROM_STUB && status == 0x01)
    return FALSE;
  return _sf_reply_reason (status, code) != NULL;
}

SfReplyKind
_sf_reply_parse (const guint8 *frame,
                 gsize         length,
                 guint8        op,
                 gsize         result_len,
                 SfReplyFrom   from,
                 SfReply      *out)
{
  guint status_len = status_length_from (from);
  gsize data_len, offset, found_result_len;
  SfReply reply = { 0 };

  /* Direction 1, an opcode, a length that is the frame's, a status. */
  if (length < 10 || frame[0] != 0x01 || !is_opcode (frame[1]))
    return SF_REPLY_MALFORMED;
  data_len = _sf_get_le16 (frame + 2);
  if (data_len != length - 8)
    return SF_REPLY_MALFORMED;

  reply.op = frame[1];
  reply.value = _sf_get_le32 (frame + 4);

  if (reply.op != op)
    {
      /* Not ours, but shaped like a reply (a loader answers one SYNC
       * eight times): any status, no result. */
      if (!status_offset (data_len, 0, status_len, &offset, &found_result_len))
        return SF_REPLY_MALFORMED;
      reply.status = frame[8];
      reply.code = frame[9];
      if (!status_is_possible (from, reply.status, reply.code))
        return SF_REPLY_MALFORMED;
      if (out != NULL)
        *out = reply;
      return SF_REPLY_FOREIGN;
    }

  if (!status_offset (data_len, result_len, status_len, &offset, &found_result_len))
    return SF_REPLY_MALFORMED;
  reply.status = frame[8 + offset];
  reply.code = frame[8 + offset + 1];
  reply.result = frame + 8;
  reply.result_len = found_result_len;
  if (!status_is_possible (from, reply.status, reply.code))
    return SF_REPLY_MALFORMED;

  if (reply.status == 0)
    {
      /* Success always carries its result. */
      if (result_len != SF_REPLY_ANY_LENGTH && found_result_len != result_len)
        return SF_REPLY_MALFORMED;
      if (out != NULL)
        *out = reply;
      return SF_REPLY_OK;
    }
  if (out != NULL)
    *out = reply;
  return SF_REPLY_REFUSED;
}
