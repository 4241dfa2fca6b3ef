/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reply parser against any frame the SLIP decoder can hand it.
 *
 * Input: the opcode the host sent; the result length it expects (0..254,
 * or 255 for SF_REPLY_ANY_LENGTH); who answers (mod 4: any loader, the
 * ESP8266 ROM, another ROM, the stub); then the frame. The lengths stay
 * within what the loaders pass: results of a few dozen bytes at most,
 * since the parser's contract covers nothing else. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sf-reply-private.h"

static guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* A reason is a sentence to show: not empty, and in UTF-8. */
static void
assert_reason_text (const char *reason)
{
  g_assert_nonnull (reason);
  g_assert_cmpuint (strlen (reason), >, 0);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const SfReplyFrom sources[] = {
    SF_REPLY_FROM_ANY_LOADER, SF_REPLY_FROM_SHORT_ROM, SF_REPLY_FROM_LONG_ROM, SF_REPLY_FROM_STUB,
  };
  static const guint status_lengths[] = { 0, 2, 4, 2 };
  FuzzInput in = { data, size };
  guint8 op = fuzz_input_byte (&in);
  guint8 result_byte = fuzz_input_byte (&in);
  gsize result_len = result_byte == 0xFF ? SF_REPLY_ANY_LENGTH : result_byte;
  guint source = fuzz_input_byte (&in) % G_N_ELEMENTS (sources);
  SfReplyFrom from = sources[source];
  guint status_len = status_lengths[source];
  g_autofree guint8 *frame = fuzz_input_copy_rest (&in);
  gsize length = in.size;
  SfReply reply;
  SfReplyKind kind;
  gsize data_len, status_at, status_bytes;

  kind = _sf_reply_parse (frame, length, op, result_len, from, &reply);
  /* Whether @out is wanted must not change the verdict. */
  g_assert_cmpint (_sf_reply_parse (frame, length, op, result_len, from, NULL), ==, kind);

  /* Any two bytes name a reason or none, without going wrong. */
  if (length >= 2)
    {
      const char *reason = _sf_reply_reason (frame[0], frame[1]);

      if (reason != NULL)
        assert_reason_text (reason);
    }

  switch (kind)
    {
    case SF_REPLY_MALFORMED:
      return 0;
    case SF_REPLY_OK:
    case SF_REPLY_REFUSED:
    case SF_REPLY_FOREIGN:
      break;
    default:
      g_assert_not_reached ();
    }

  /* Whatever is not noise has a reply's header: direction 1, the opcode,
   * the length of what follows the 8-byte header, the value word. */
  g_assert_cmpuint (length, >=, 10);
  g_assert_cmpuint (frame[0], ==, 0x01);
  g_assert_cmpuint (reply.op, ==, frame[1]);
  data_len = (gsize) frame[2] | (gsize) frame[3] << 8;
  g_assert_cmpuint (data_len, ==, length - 8);
  g_assert_cmpuint (reply.value, ==, read_u32 (frame + 4));

  /* The status follows the result, and fits the status length asked for. */
  g_assert_cmpuint (reply.result_len, <=, data_len);
  status_at = 8 + reply.result_len;
  status_bytes = length - status_at;
  g_assert_cmpuint (status_bytes, >=, 2);
  g_assert_cmpuint (reply.status, ==, frame[status_at]);
  g_assert_cmpuint (reply.code, ==, frame[status_at + 1]);
  if (status_len != 0)
    g_assert_cmpuint (status_bytes, ==, status_len);
  else
    g_assert_true (status_bytes == 2 || status_bytes == 4);

  if (reply.status != 0)
    assert_reason_text (_sf_reply_reason (reply.status, reply.code));
  /* Each loader's statuses only: a ROM fails with 0x01, the stub with
   * its own code and a zero. */
  if (reply.status != 0 && (from == SF_REPLY_FROM_SHORT_ROM || from == SF_REPLY_FROM_LONG_ROM))
    g_assert_cmpuint (reply.status, ==, 0x01);
  if (from == SF_REPLY_FROM_STUB)
    {
      g_assert_cmpuint (reply.status, !=, 0x01);
      g_assert_cmpuint (reply.code, ==, 0);
    }

  if (kind == SF_REPLY_FOREIGN)
    {
      g_assert_cmpuint (reply.op, !=, op);
      g_assert_cmpuint (reply.result_len, ==, 0);
      return 0;
    }

  g_assert_cmpuint (reply.op, ==, op);
  /* The result lies inside the frame, right after the header; touch every
   * byte of it so that AddressSanitizer would see a pointer past the end. */
  if (reply.result_len > 0)
    {
      g_autofree char *digest = NULL;

      g_assert_true (reply.result == frame + 8);
      digest = g_compute_checksum_for_data (G_CHECKSUM_MD5, reply.result, reply.result_len);
      g_assert_nonnull (digest);
    }
  else
    {
      g_assert_true (reply.result == NULL || reply.result == frame + 8);
    }

  if (kind == SF_REPLY_OK)
    {
      g_assert_cmpuint (reply.status, ==, 0);
      /* Success carries the whole result. */
      if (result_len != SF_REPLY_ANY_LENGTH)
        g_assert_cmpuint (reply.result_len, ==, result_len);
    }
  else
    {
      g_assert_cmpuint (reply.status, !=, 0);
      /* A refusal carries the whole result or none of it. */
      if (result_len != SF_REPLY_ANY_LENGTH)
        g_assert_true (reply.result_len == result_len || reply.result_len == 0);
    }
  return 0;
}
