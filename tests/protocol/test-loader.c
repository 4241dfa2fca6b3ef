/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loader against a scripted transport: what it sends, byte for byte,
 * and how it reads replies a real ROM sends (extra frames, short status,
 * failure codes, silence). */
#include "config.h"

#include <string.h>

#include "sf-loader-private.h"
#include "sf-protocol-error.h"
#include "../test-timing.h"

#define TEST_TYPE_SCRIPTED (test_scripted_get_type ())
G_DECLARE_FINAL_TYPE (TestScripted, test_scripted, TEST, SCRIPTED, GObject)

struct _TestScripted
{
  GObject     parent_instance;
  GByteArray *written;   /* everything the loader sent */
  GByteArray *to_read;   /* what the "chip" has sent */
  GPtrArray  *answers;   /* SLIP frames sent one per request that comes in */
};

static void test_scripted_transport_init (SfTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestScripted, test_scripted, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SF_TYPE_TRANSPORT, test_scripted_transport_init))

static gboolean
scripted_write (SfTransport   *transport,
                const guint8  *data,
                gsize          length,
                GError       **error)
{
  TestScripted *self = TEST_SCRIPTED (transport);

  g_byte_array_append (self->written, data, length);
  /* A whole request (it ends with SLIP's END byte) gets the next answer. */
  if (length > 0 && data[length - 1] == 0xC0 && self->answers->len > 0)
    {
      GByteArray *answer = g_ptr_array_steal_index (self->answers, 0);

      g_byte_array_append (self->to_read, answer->data, answer->len);
      g_byte_array_unref (answer);
    }
  return TRUE;
}

static gssize
scripted_read (SfTransport  *transport,
               guint8       *buffer,
               gsize         length,
               guint         timeout_ms,
               GError      **error)
{
  TestScripted *self = TEST_SCRIPTED (transport);
  gsize n = MIN (length, self->to_read->len);

  if (n == 0)
    {
      g_usleep (timeout_ms * 1000);
      return 0;
    }
  /* Hand over at most 5 bytes at a time: frames arrive in pieces. */
  n = MIN (n, 5);
  memcpy (buffer, self->to_read->data, n);
  g_byte_array_remove_range (self->to_read, 0, n);
  return n;
}

static gboolean
scripted_ok (SfTransport *transport, GError **error)
{
  return TRUE;
}

static gboolean
scripted_set_baud (SfTransport *transport, guint baud, GError **error)
{
  return TRUE;
}

static gboolean
scripted_set_lines (SfTransport *transport, gboolean dtr, gboolean rts, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no lines");
  return FALSE;
}

static const char *
scripted_get_path (SfTransport *transport)
{
  return "scripted";
}

static gboolean
scripted_get_usb_ids (SfTransport *transport, guint *vid, guint *pid)
{
  return FALSE;
}

static void
test_scripted_transport_init (SfTransportInterface *iface)
{
  iface->write = scripted_write;
  iface->read = scripted_read;
  iface->set_baud = scripted_set_baud;
  iface->set_dtr_rts = scripted_set_lines;
  iface->flush_input = scripted_ok;
  iface->get_path = scripted_get_path;
  iface->get_usb_ids = scripted_get_usb_ids;
}

static void
test_scripted_finalize (GObject *object)
{
  TestScripted *self = TEST_SCRIPTED (object);

  g_byte_array_unref (self->written);
  g_byte_array_unref (self->to_read);
  g_ptr_array_unref (self->answers);
  G_OBJECT_CLASS (test_scripted_parent_class)->finalize (object);
}

static void
test_scripted_class_init (TestScriptedClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_scripted_finalize;
}

static void
test_scripted_init (TestScripted *self)
{
  self->written = g_byte_array_new ();
  self->to_read = g_byte_array_new ();
  self->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
}

static void
encode_reply (GByteArray   *out,
              guint8        op,
              guint32       value,
              const guint8 *data,
              gsize         length)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 header[8] = { 0x01, op, length & 0xFF, length >> 8,
                       value & 0xFF, (value >> 8) & 0xFF, (value >> 16) & 0xFF, value >> 24 };

  g_byte_array_append (body, header, sizeof header);
  g_byte_array_append (body, data, length);
  _sf_slip_encode (out, body->data, body->len);
}

/* Queues a reply frame: direction 1, @op, value, then @data. */
static void
queue_reply (TestScripted *self,
             guint8        op,
             guint32       value,
             const guint8 *data,
             gsize         length)
{
  encode_reply (self->to_read, op, value, data, length);
}

/* The same, sent only once the next request has come in. */
static void
queue_answer (TestScripted *self,
              guint8        op,
              guint32       value,
              const guint8 *data,
              gsize         length)
{
  GByteArray *answer = g_byte_array_new ();

  encode_reply (answer, op, value, data, length);
  g_ptr_array_add (self->answers, answer);
}

/* How many requests the loader has sent: two END bytes each. */
static guint
count_requests (TestScripted *self)
{
  guint ends = 0;

  for (guint i = 0; i < self->written->len; i++)
    ends += self->written->data[i] == 0xC0;
  return ends / 2;
}

typedef struct
{
  TestScripted *chip;
  SfLoader      loader;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->chip = g_object_new (TEST_TYPE_SCRIPTED, NULL);
  _sf_loader_init (&fixture->loader, SF_TRANSPORT (fixture->chip));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  _sf_loader_clear (&fixture->loader);
  g_assert_finalize_object (fixture->chip);
}

static void
test_read_reg_wire_bytes (Fixture       *fixture,
                          gconstpointer  data)
{
  const guint8 expected[] = { 0xC0, 0x00, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x10, 0x00, 0x40, 0xC0 };
  const guint8 status[] = { 0x00, 0x00, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  guint32 value = 0;

  queue_reply (fixture->chip, 0x0A, 0x00F01D83, status, sizeof status);
  g_assert_true (_sf_loader_read_reg (&fixture->loader, 0x40001000, &value, &error));
  g_assert_no_error (error);
  g_assert_cmphex (value, ==, 0x00F01D83);
  g_assert_cmpmem (fixture->chip->written->data, fixture->chip->written->len,
                   expected, sizeof expected);
}

static void
test_skips_foreign_frames (Fixture       *fixture,
                           gconstpointer  data)
{
  const guint8 status2[] = { 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  guint32 value = 0;

  /* Leftover SYNC replies and a request echo come before the answer. */
  queue_reply (fixture->chip, 0x08, 0x20120707, status2, sizeof status2);
  queue_reply (fixture->chip, 0x08, 0x20120707, status2, sizeof status2);
  g_byte_array_append (fixture->chip->to_read, (const guint8 *) "\r\nboot noise\r\n", 14);
  queue_reply (fixture->chip, 0x0A, 0xFFF0C101, status2, sizeof status2);
  g_assert_true (_sf_loader_read_reg (&fixture->loader, 0x40001000, &value, &error));
  g_assert_no_error (error);
  g_assert_cmphex (value, ==, 0xFFF0C101);
}

static void
test_failure_status_in_words (Fixture       *fixture,
                              gconstpointer  data)
{
  const guint8 status[] = { 0x01, 0x07, 0x00, 0x00 };
  const guint8 block[4] = { 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;

  queue_reply (fixture->chip, 0x03, 0, status, sizeof status);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_FLASH_DATA, block, sizeof block,
                                      0, 500, 0, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  g_assert_nonnull (strstr (error->message, "checksum"));
  g_assert_nonnull (strstr (error->message, "FLASH_DATA"));
}

static void
test_result_before_status (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *hex = "0123456789abcdef0123456789abcdef";
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) result = NULL;
  const guint8 status[] = { 0x00, 0x00, 0x00, 0x00 };
  const guint8 args[16] = { 0 };

  g_byte_array_append (reply, (const guint8 *) hex, 32);
  g_byte_array_append (reply, status, sizeof status);
  queue_reply (fixture->chip, 0x13, 0, reply->data, reply->len);
  g_assert_true (_sf_loader_command (&fixture->loader, SF_OP_SPI_FLASH_MD5, args, sizeof args,
                                     0, 500, 32, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (result, NULL), g_bytes_get_size (result), hex, 32);
}

static void
test_failure_without_result (Fixture       *fixture,
                             gconstpointer  data)
{
  /* A failing ROM answers MD5 with the status alone, no 32 result bytes
   * (twice: a refusal of a command that may be repeated is checked). */
  const guint8 status[] = { 0x01, 0x05, 0x00, 0x00 };
  const guint8 args[16] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) result = NULL;

  queue_answer (fixture->chip, 0x13, 0, status, sizeof status);
  queue_answer (fixture->chip, 0x13, 0, status, sizeof status);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_SPI_FLASH_MD5, args, sizeof args,
                                      0, 500, 32, NULL, &result, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  g_assert_null (result);
}

static void
test_unknown_opcode_other_echo (Fixture       *fixture,
                                gconstpointer  data)
{
  /* An old ROM answers GET_SECURITY_INFO with "malformed message" under
   * another opcode, repeatedly; that is a refusal, not silence. */
  const guint8 status[] = { 0x01, 0x05 };
  const guint8 ok[] = { 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint32 value = 0;

  for (guint i = 0; i < 8; i++)
    queue_reply (fixture->chip, 0x00, 0, status, sizeof status);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_GET_SECURITY_INFO, NULL, 0, 0,
                                      3000, 20, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  sf_assert_took_less (start, 1500 * 1000);

  /* The repeats are gone: the next command gets its own answer. */
  queue_reply (fixture->chip, 0x0A, 0xFFF0C101, ok, sizeof ok);
  g_assert_true (_sf_loader_read_reg (&fixture->loader, 0x40001000, &value, NULL));
  g_assert_cmphex (value, ==, 0xFFF0C101);
}

static void
count_line_cb (const char *message,
               gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_silence_times_out (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint32 value;

  guint n_lines = 0;

  /* READ_REG may be repeated: five sends, a log line before each resend,
   * then a timeout that names the command. */
  fixture->loader.baud = 115200;
  _sf_loader_set_log (&fixture->loader, count_line_cb, &n_lines);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_READ_REG, (const guint8 *) "\0\0\0\0",
                                      4, 0, 300, 0, &value, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "READ_REG"));
  g_assert_cmpuint (n_lines, ==, 4);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 5 * 250 * 1000);
  sf_assert_took_less (start, 10 * 1000 * 1000);
}

static void
use_stub (Fixture *fixture)
{
  fixture->loader.chip = _sf_chip_get_info (SF_CHIP_ESP32);
  fixture->loader.caps.is_stub = TRUE;
}

static void
test_refusal_believed_when_repeated (Fixture       *fixture,
                                     gconstpointer  data)
{
  const guint8 refused[] = { 0xC4, 0x00 };
  const guint8 args[8] = { 0 };
  g_autoptr(GError) error = NULL;
  guint n_lines = 0;

  use_stub (fixture);
  _sf_loader_set_log (&fixture->loader, count_line_cb, &n_lines);
  queue_answer (fixture->chip, 0xD1, 0, refused, sizeof refused);
  queue_answer (fixture->chip, 0xD1, 0, refused, sizeof refused);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_ERASE_REGION, args, sizeof args,
                                      0, 500, 0, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  g_assert_nonnull (strstr (error->message, "ERASE_REGION"));
  g_assert_nonnull (strstr (error->message, "SPI flash operation failed"));
  g_assert_cmpuint (count_requests (fixture->chip), ==, 2);
  g_assert_cmpuint (n_lines, ==, 1);
}

static void
test_refusal_not_repeated (Fixture       *fixture,
                           gconstpointer  data)
{
  const guint8 refused[] = { 0x01, 0x08, 0x00, 0x00 };
  const guint8 ok[] = { 0x00, 0x00, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  guint32 value = 0;
  guint n_lines = 0;

  /* A refusal the ROM does not give again was a garbled success. */
  fixture->loader.chip = _sf_chip_get_info (SF_CHIP_ESP32);
  _sf_loader_set_log (&fixture->loader, count_line_cb, &n_lines);
  queue_answer (fixture->chip, 0x0A, 0, refused, sizeof refused);
  queue_answer (fixture->chip, 0x0A, 0x00F01D83, ok, sizeof ok);
  g_assert_true (_sf_loader_read_reg (&fixture->loader, 0x3FF5A004, &value, &error));
  g_assert_no_error (error);
  g_assert_cmphex (value, ==, 0x00F01D83);
  g_assert_cmpuint (count_requests (fixture->chip), ==, 2);
  g_assert_cmpuint (n_lines, ==, 2);
}

static void
test_security_info_refusal_believed (Fixture       *fixture,
                                     gconstpointer  data)
{
  /* The ESP32's ROM refuses GET_SECURITY_INFO on every connection: once
   * is enough, and without a word in the log. */
  const guint8 refused[] = { 0x01, 0x05, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  guint n_lines = 0;

  fixture->loader.chip = _sf_chip_get_info (SF_CHIP_ESP32);
  _sf_loader_set_log (&fixture->loader, count_line_cb, &n_lines);
  queue_answer (fixture->chip, 0x14, 0, refused, sizeof refused);
  queue_answer (fixture->chip, 0x14, 0, refused, sizeof refused);
  g_assert_false (_sf_loader_command (&fixture->loader, SF_OP_GET_SECURITY_INFO, NULL, 0, 0,
                                      500, SF_REPLY_ANY_LENGTH, NULL, NULL, &error));
  g_assert_error (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS);
  g_assert_cmpuint (count_requests (fixture->chip), ==, 1);
  g_assert_cmpuint (n_lines, ==, 0);
}

static void
test_stub_refusal_shaped_like_rom (Fixture       *fixture,
                                   gconstpointer  data)
{
  /* The stub never answers 0x01 0x08 (a ROM's "flash write failed"): a
   * flipped status byte, so noise to resend on, not the chip saying no. */
  const guint8 garbled[] = { 0x01, 0x08 };
  const guint8 ok[] = { 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  guint32 value = 0;

  use_stub (fixture);
  queue_answer (fixture->chip, 0x0A, 0, garbled, sizeof garbled);
  queue_answer (fixture->chip, 0x0A, 0x1234, ok, sizeof ok);
  g_assert_true (_sf_loader_read_reg (&fixture->loader, 0x3FF5A004, &value, &error));
  g_assert_no_error (error);
  g_assert_cmphex (value, ==, 0x1234);
  g_assert_cmpuint (count_requests (fixture->chip), ==, 2);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint32 value;

  g_cancellable_cancel (cancellable);
  fixture->loader.cancellable = cancellable;
  g_assert_false (_sf_loader_read_reg (&fixture->loader, 0x40001000, &value, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fixture->loader.cancellable = NULL;
}

static void
test_checksum (void)
{
  const guint8 data[] = { 0x01, 0x02, 0x04, 0xEF };

  g_assert_cmphex (_sf_loader_checksum (NULL, 0), ==, 0xEF);
  g_assert_cmphex (_sf_loader_checksum (data, sizeof data), ==, 0xEF ^ 0x01 ^ 0x02 ^ 0x04 ^ 0xEF);
}

static void
test_timeouts (void)
{
  g_assert_cmpuint (_sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, 1000), ==, SF_TIMEOUT_DEFAULT);
  /* 4 MB at 40 s a megabyte: above a W25Q32JV's worst case of 32 s a MiB. */
  g_assert_cmpuint (_sf_timeout_per_mb (SF_TIMEOUT_ERASE_PER_MB, 4000000), ==, 160000);
  g_assert_cmpuint (_sf_timeout_per_mb (SF_TIMEOUT_MD5_PER_MB, G_MAXUINT32), ==, SF_TIMEOUT_MAX);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/protocol/loader/read-reg-wire-bytes", test_read_reg_wire_bytes);
  ADD ("/protocol/loader/skips-foreign-frames", test_skips_foreign_frames);
  ADD ("/protocol/loader/failure-status-in-words", test_failure_status_in_words);
  ADD ("/protocol/loader/result-before-status", test_result_before_status);
  ADD ("/protocol/loader/failure-without-result", test_failure_without_result);
  ADD ("/protocol/loader/unknown-opcode-other-echo", test_unknown_opcode_other_echo);
  ADD ("/protocol/loader/silence-times-out", test_silence_times_out);
  ADD ("/protocol/loader/refusal-believed-when-repeated", test_refusal_believed_when_repeated);
  ADD ("/protocol/loader/refusal-not-repeated", test_refusal_not_repeated);
  ADD ("/protocol/loader/security-info-refusal-believed", test_security_info_refusal_believed);
  ADD ("/protocol/loader/stub-refusal-shaped-like-rom", test_stub_refusal_shaped_like_rom);
  ADD ("/protocol/loader/cancelled", test_cancelled);
  g_test_add_func ("/protocol/loader/checksum", test_checksum);
  g_test_add_func ("/protocol/loader/timeouts", test_timeouts);

  return g_test_run ();
}
