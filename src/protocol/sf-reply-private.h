/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one decoded frame from the chip is, told apart before anything in
 * it is believed. A bad wire garbles and drops frames; only a frame that
 * has every mark of a reply may speak for the chip. */
typedef enum
{
  SF_REPLY_OK,         /* a well-formed reply to the command, success status */
  SF_REPLY_REFUSED,    /* a well-formed reply with a failure status: the chip said no */
  SF_REPLY_FOREIGN,    /* a well-formed reply to another command (a surplus SYNC reply) */
  SF_REPLY_MALFORMED,  /* no reply could look like this: line noise */
} SfReplyKind;

typedef struct
{
  guint8        op;
  guint32       value;       /* the header's value word (READ_REG's result) */
  const guint8 *result;      /* @result_len bytes before the status, in the frame */
  gsize         result_len;  /* 0 when a refusal came without them */
  guint8        status;      /* 0, or the ROM's 0x01, or the stub's own code */
  guint8        code;        /* the ROM's reason when status is 0x01 */
} SfReply;

/* Who is answering, as far as the host knows: it fixes the status's
 * length and which failure statuses can be real. */
typedef enum
{
  SF_REPLY_FROM_ANY_LOADER,  /* before the chip is known: 2 or 4 status bytes */
  SF_REPLY_FROM_SHORT_ROM,   /* the ESP8266 ROM: 2 status bytes, failure 0x01 */
  SF_REPLY_FROM_LONG_ROM,    /* the other ROMs: 4 status bytes, failure 0x01 */
  SF_REPLY_FROM_STUB,        /* the flasher stub: 2 bytes, its own code then 0x00 */
} SfReplyFrom;

/* A result of whatever length the reply has (GET_SECURITY_INFO's differs
 * between ROMs). */
#define SF_REPLY_ANY_LENGTH G_MAXSIZE

/* Parses @frame (one SLIP-decoded frame) as the reply to @op, which
 * carries @result_len bytes before its status, from the loader @from.
 * Fills @out for OK, REFUSED and FOREIGN. */
SfReplyKind _sf_reply_parse (const guint8 *frame,
                             gsize         length,
                             guint8        op,
                             gsize         result_len,
                             SfReplyFrom   from,
                             SfReply      *out);

/* The reason behind a refusal, in words, still to be passed through
 * gettext. NULL for a status no loader sends. */
const char *_sf_reply_reason (guint8 status,
                              guint8 code);

G_END_DECLS
