/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor"

#include "config.h"

#include <string.h>

#include "sf-improv-private.h"
#include "sf-monitor-private.h"
#include "sf-monitor-splitter-private.h"

struct _SfMonitorSplitter
{
  SfMonitorLineKind kind;
  GByteArray       *line;         /* the current line's raw bytes */
  gint64            line_time_us; /* wall clock of its first byte */
  GByteArray       *held;         /* bytes that may be an Improv frame's start */
  gboolean          after_cr;     /* a '\n' right after '\r' ends nothing more */
  gboolean          after_frame;  /* a '\n' right after a frame is its own */
  gboolean          after_partial; /* the line end of a line already shown */
  gint64            last_byte_us; /* monotonic */
  gint64            now_us;       /* wall clock of the bytes being fed */
};

void
_sf_monitor_split_init (SfMonitorSplit *split)
{
  split->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  split->frame_types = g_ptr_array_new ();
  split->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

void
_sf_monitor_split_clear (SfMonitorSplit *split)
{
  g_clear_pointer (&split->lines, g_ptr_array_unref);
  g_clear_pointer (&split->frame_types, g_ptr_array_unref);
  g_clear_pointer (&split->frames, g_ptr_array_unref);
}

SfMonitorSplitter *
_sf_monitor_splitter_new (void)
{
  SfMonitorSplitter *self = g_new0 (SfMonitorSplitter, 1);

  self->kind = SF_MONITOR_LINE_OUTPUT;
  self->line = g_byte_array_new ();
  self->held = g_byte_array_new ();
  return self;
}

void
_sf_monitor_splitter_free (SfMonitorSplitter *self)
{
  g_byte_array_unref (self->line);
  g_byte_array_unref (self->held);
  g_free (self);
}

void
_sf_monitor_splitter_set_kind (SfMonitorSplitter *self,
                               SfMonitorLineKind  kind)
{
  self->kind = kind;
}

static void
end_line (SfMonitorSplitter *self,
          SfMonitorSplit    *out)
{
  g_ptr_array_add (out->lines, _sf_monitor_line_new_raw (self->kind, self->line_time_us,
                                                         self->line->data, self->line->len));
  g_byte_array_set_size (self->line, 0);
}

/* One byte of text: line ends end lines, everything else joins the line. */
static void
take_text (SfMonitorSplitter *self,
           guint8             byte,
           SfMonitorSplit    *out)
{
  gboolean after_cr = self->after_cr;
  gboolean after_partial = self->after_partial;

  self->after_cr = FALSE;
  self->after_partial = FALSE;
  if (byte == '\n' && self->after_frame)
    {
      self->after_frame = FALSE;
      return;
    }
  self->after_frame = FALSE;

  if (byte == '\n' && after_cr)
    return;
  if (byte == '\r' || byte == '\n')
    {
      self->after_cr = byte == '\r';
      /* The prompt shown after a silence ends here: no empty line. */
      if (after_partial && self->line->len == 0)
        return;
      if (self->line->len == 0)
        self->line_time_us = self->now_us;
      end_line (self, out);
      return;
    }

  if (self->line->len == 0)
    self->line_time_us = self->now_us;
  g_byte_array_append (self->line, &byte, 1);
  if (self->line->len >= SF_MONITOR_MAX_LINE_BYTES)
    end_line (self, out);
}

static void take_byte (SfMonitorSplitter *self,
                       guint8             byte,
                       SfMonitorSplit    *out);

/* The held bytes are no frame: the first one is text, the rest are looked
 * at again (they may hold the start of a real frame). */
static void
release_held (SfMonitorSplitter *self,
              gsize              as_text,
              SfMonitorSplit    *out)
{
  g_autoptr(GByteArray) rest = self->held;

  self->held = g_byte_array_new ();
  for (gsize i = 0; i < as_text; i++)
    take_text (self, rest->data[i], out);
  for (gsize i = as_text; i < rest->len; i++)
    take_byte (self, rest->data[i], out);
}

static void
take_byte (SfMonitorSplitter *self,
           guint8             byte,
           SfMonitorSplit    *out)
{
  GBytes *payload = NULL;
  gsize frame_length = 0;
  guint type = 0;

  if (self->held->len == 0 && byte != SF_IMPROV_MAGIC[0])
    {
      take_text (self, byte, out);
      return;
    }

  g_byte_array_append (self->held, &byte, 1);
  switch (_sf_improv_parse (self->held->data, self->held->len, &frame_length, &type, &payload))
    {
    case SF_IMPROV_PARSE_NEED_MORE:
      return;

    case SF_IMPROV_PARSE_FRAME:
      g_ptr_array_add (out->frame_types, GUINT_TO_POINTER (type));
      g_ptr_array_add (out->frames, payload);
      g_byte_array_set_size (self->held, 0);
      self->after_cr = FALSE;
      self->after_frame = TRUE;
      return;

    case SF_IMPROV_PARSE_BAD_CHECKSUM:
      /* A damaged frame is shown for what it is, as text. */
      release_held (self, frame_length, out);
      return;

    case SF_IMPROV_PARSE_NOT_FRAME:
    default:
      release_held (self, 1, out);
      return;
    }
}

void
_sf_monitor_splitter_feed (SfMonitorSplitter *self,
                           const guint8      *data,
                           gsize              length,
                           gint64             now_us,
                           gint64             mono_us,
                           SfMonitorSplit    *out)
{
  if (length == 0)
    return;
  self->now_us = now_us;
  self->last_byte_us = mono_us;
  for (gsize i = 0; i < length; i++)
    take_byte (self, data[i], out);
}

void
_sf_monitor_splitter_flush (SfMonitorSplitter *self,
                            gint64             mono_us,
                            gboolean           force,
                            SfMonitorSplit    *out)
{
  if (!force && mono_us - self->last_byte_us < SF_MONITOR_PARTIAL_LINE_US)
    return;

  /* A frame still incomplete after the silence never will be. */
  while (self->held->len > 0)
    release_held (self, self->held->len, out);
  if (self->line->len > 0)
    {
      end_line (self, out);
      self->after_partial = TRUE;
    }
  self->after_frame = FALSE;
}
