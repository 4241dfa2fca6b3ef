/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* libFuzzer's entry points. Every fuzz-*.c defines the second; the first
 * is in fuzz-common.c. replay.c calls both the way libFuzzer does, so the
 * corpora run in ordinary builds too. */
int LLVMFuzzerInitialize   (int       *argc,
                            char    ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* The input as a stream: options come off its front, and what is left is
 * what the parser sees. Past the end every byte reads as 0, so that any
 * input, the empty one included, is a valid test case. */
typedef struct
{
  const guint8 *data;
  gsize         size;
} FuzzInput;

static inline guint8
fuzz_input_byte (FuzzInput *in)
{
  guint8 byte;

  if (in->size == 0)
    return 0;
  byte = in->data[0];
  in->data++;
  in->size--;
  return byte;
}

/* A copy of the rest of the input in a buffer of exactly its size, so that
 * AddressSanitizer catches a read one byte past it (the replay driver's
 * buffers are larger than the file). NULL for nothing; free with g_free(). */
static inline guint8 *
fuzz_input_copy_rest (const FuzzInput *in)
{
  return in->size > 0 ? g_memdup2 (in->data, in->size) : NULL;
}

G_END_DECLS
