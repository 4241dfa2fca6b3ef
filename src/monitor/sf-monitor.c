/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-monitor"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-monitor-private.h"
#include "sf-monitor-splitter-private.h"

/* The ESP8266 ROM prints its boot text at 74880 baud (its 26 MHz crystal
 * against a divider set for 40 MHz), whatever rate the firmware uses. */
#define ESP8266_ROM_BAUD        74880
/* Short reads, so a stop request is seen within a few tens of ms. */
#define READ_TIMEOUT_MS         10
/* At most this often the main context is woken with new lines. */
#define DISPATCH_INTERVAL_US    (30 * 1000)
/* Lines the main context has not taken yet, at most; older ones go. */
#define MAX_PENDING_LINES       2000
#define MAX_PENDING_FRAMES      64
/* The ROM's text is over after this much silence once some came... */
#define BOOT_SILENCE_US         (30 * 1000)
/* ...or when none came at all in this time (no RTS line, a quiet ROM). */
#define BOOT_WAIT_US            (1000 * 1000)
/* How long the reset line is held, as sf_flasher_leave() does. */
#define RESET_PULSE_US          (100 * 1000)
#define DEFAULT_MAX_LINES       10000

typedef enum
{
  COMMAND_SEND,
  COMMAND_RESET,
  COMMAND_SET_BAUD,
} CommandKind;

typedef struct
{
  CommandKind kind;
  GBytes     *bytes;      /* SEND */
  char       *sent_text;  /* SEND from send_line: the SENT line's text */
  guint       baud;       /* SET_BAUD */
} Command;

/* What the main context and the thread share. Counted, as the dispatch
 * source may outlive a run of the thread and the monitor alike. */
typedef struct
{
  gatomicrefcount  ref;
  GMainContext    *context;
  gint             stop;            /* atomic */

  GMutex           mutex;
  /* Under the mutex: */
  GQueue           commands;        /* Command * */
  GPtrArray       *lines;           /* SfMonitorLine *, for the main context */
  GPtrArray       *frame_types;
  GPtrArray       *frames;
  guint            skipped;
  GSource         *dispatch_source; /* a ref; NULL when none is pending */
  gint64           last_dispatch_us;
  gboolean         finished;        /* the thread has ended */
  GError          *error;           /* why it ended, when it failed */

  /* The main context's only: */
  SfMonitor       *owner;           /* NULL once stopped */

  /* The thread's only, once started: */
  SfTransport     *transport;
  SfChip           chip;
  guint            baud;            /* the firmware's rate */
  gboolean         reset_at_start;
} Shared;

/* The thread's view of the ROM's boot text on the ESP8266. */
typedef struct
{
  gboolean active;
  gboolean got_text;
  gint64   start_us;      /* monotonic */
  gint64   last_byte_us;
} BootText;

struct _SfMonitor
{
  GObject   parent_instance;

  Shared   *shared;       /* while running */
  GThread  *thread;
  char     *port_path;
  guint     baud;
  GQueue    ring;         /* SfMonitorLine * */
  guint     max_lines;
};

G_DEFINE_FINAL_TYPE (SfMonitor, sf_monitor, G_TYPE_OBJECT)

enum
{
  SIGNAL_LINES_ADDED,
  SIGNAL_IMPROV_FRAME,
  SIGNAL_STOPPED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

/* ---- Shared state -------------------------------------------------------- */

static void
command_free (Command *command)
{
  g_clear_pointer (&command->bytes, g_bytes_unref);
  g_free (command->sent_text);
  g_free (command);
}

static Shared *
shared_new (SfTransport *transport,
            SfChip       chip,
            guint        baud,
            gboolean     reset)
{
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref);
  g_mutex_init (&shared->mutex);
  g_queue_init (&shared->commands);
  shared->context = g_main_context_ref_thread_default ();
  shared->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  shared->frame_types = g_ptr_array_new ();
  shared->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  shared->transport = transport;
  shared->chip = chip;
  shared->baud = baud;
  shared->reset_at_start = reset;
  return shared;
}

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref);
  return shared;
}

static void
shared_unref (gpointer data)
{
  Shared *shared = data;

  if (!g_atomic_ref_count_dec (&shared->ref))
    return;
  g_queue_clear_full (&shared->commands, (GDestroyNotify) command_free);
  g_ptr_array_unref (shared->lines);
  g_ptr_array_unref (shared->frame_types);
  g_ptr_array_unref (shared->frames);
  g_clear_pointer (&shared->dispatch_source, g_source_unref);
  g_clear_error (&shared->error);
  g_clear_object (&shared->transport);
  g_main_context_unref (shared->context);
  g_mutex_clear (&shared->mutex);
  g_free (shared);
}

static gboolean dispatch_cb (gpointer data);

/* Wakes the main context, at most once every DISPATCH_INTERVAL_US. */
static void
schedule_dispatch_locked (Shared *shared)
{
  gint64 wait_us;

  if (shared->dispatch_source != NULL)
    return;
  wait_us = shared->last_dispatch_us + DISPATCH_INTERVAL_US - g_get_monotonic_time ();
  shared->dispatch_source = g_timeout_source_new (wait_us > 0 ? (guint) (wait_us / 1000) : 0);
  g_source_set_priority (shared->dispatch_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (shared->dispatch_source, "[sf-monitor] lines");
  g_source_set_callback (shared->dispatch_source, dispatch_cb, shared_ref (shared), shared_unref);
  g_source_attach (shared->dispatch_source, shared->context);
}

/* ---- The thread ------------------------------------------------------------ */

static void
post (Shared         *shared,
      SfMonitorSplit *split)
{
  if (split->lines->len == 0 && split->frames->len == 0)
    return;

  g_mutex_lock (&shared->mutex);
  for (guint i = 0; i < split->lines->len; i++)
    {
      /* A board printing faster than the main context takes the lines
       * loses the oldest ones waiting, not the memory. */
      if (shared->lines->len >= MAX_PENDING_LINES)
        {
          g_ptr_array_remove_index (shared->lines, 0);
          shared->skipped++;
        }
      g_ptr_array_add (shared->lines, sf_monitor_line_ref (split->lines->pdata[i]));
    }
  for (guint i = 0; i < split->frames->len; i++)
    {
      if (shared->frames->len >= MAX_PENDING_FRAMES)
        {
          g_ptr_array_remove_index (shared->frames, 0);
          g_ptr_array_remove_index (shared->frame_types, 0);
        }
      g_ptr_array_add (shared->frame_types, split->frame_types->pdata[i]);
      g_ptr_array_add (shared->frames, g_bytes_ref (split->frames->pdata[i]));
    }
  schedule_dispatch_locked (shared);
  g_mutex_unlock (&shared->mutex);

  g_ptr_array_set_size (split->lines, 0);
  g_ptr_array_set_size (split->frame_types, 0);
  g_ptr_array_set_size (split->frames, 0);
}

static void
add_note (SfMonitorSplit *split,
          const char     *text)
{
  g_ptr_array_add (split->lines, _sf_monitor_line_new_text (SF_MONITOR_LINE_NOTE, text));
}

/* Restarts the board into its firmware: EN low through RTS for 100 ms,
 * with DTR (the boot strap) left high, as sf_flasher_leave()'s hard reset.
 * For the ESP8266 the port first moves to the ROM's rate. */
static gboolean
reset_board (Shared            *shared,
             SfMonitorSplitter *splitter,
             BootText          *boot,
             gboolean           flush,
             SfMonitorSplit    *split,
             GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  /* What came before the reset is not boot text. */
  _sf_monitor_splitter_flush (splitter, g_get_monotonic_time (), TRUE, split);
  if (shared->chip == SF_CHIP_ESP8266)
    {
      if (!sf_transport_set_baud (shared->transport, ESP8266_ROM_BAUD, error))
        return FALSE;
      _sf_monitor_splitter_set_kind (splitter, SF_MONITOR_LINE_BOOT);
    }
  if (flush && !sf_transport_flush_input (shared->transport, error))
    return FALSE;

  add_note (split, _("Resetting the board"));
  if (sf_transport_set_dtr_rts (shared->transport, FALSE, TRUE, &local_error))
    {
      g_usleep (RESET_PULSE_US);
      sf_transport_set_dtr_rts (shared->transport, FALSE, FALSE, &local_error);
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      add_note (split, _("This port has no RTS line: press RESET on the board to restart it"));
    }
  else if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *boot = (BootText) { shared->chip == SF_CHIP_ESP8266, FALSE, g_get_monotonic_time (), 0 };
  return TRUE;
}

/* Once the ROM has had its say, over to the firmware's rate. */
static gboolean
end_boot_text (Shared            *shared,
               SfMonitorSplitter *splitter,
               BootText          *boot,
               gint64             mono_us,
               SfMonitorSplit    *split,
               GError           **error)
{
  g_autofree char *note = NULL;

  if (!boot->active)
    return TRUE;
  if (boot->got_text ? mono_us - boot->last_byte_us < BOOT_SILENCE_US
                     : mono_us - boot->start_us < BOOT_WAIT_US)
    return TRUE;

  _sf_monitor_splitter_flush (splitter, mono_us, TRUE, split);
  _sf_monitor_splitter_set_kind (splitter, SF_MONITOR_LINE_OUTPUT);
  boot->active = FALSE;
  if (!sf_transport_set_baud (shared->transport, shared->baud, error))
    return FALSE;
  if (boot->got_text)
    note = g_strdup_printf (_("Boot text read at %u baud; now at %u baud"), ESP8266_ROM_BAUD,
                            shared->baud);
  else
    note = g_strdup_printf (_("No boot text came at %u baud; now at %u baud"), ESP8266_ROM_BAUD,
                            shared->baud);
  add_note (split, note);
  return TRUE;
}

static gboolean
run_commands (Shared            *shared,
              SfMonitorSplitter *splitter,
              BootText          *boot,
              SfMonitorSplit    *split,
              GError           **error)
{
  GQueue commands = G_QUEUE_INIT;
  gboolean ok = TRUE;
  Command *command;

  g_mutex_lock (&shared->mutex);
  commands = shared->commands;
  g_queue_init (&shared->commands);
  g_mutex_unlock (&shared->mutex);

  while (ok && (command = g_queue_pop_head (&commands)) != NULL)
    {
      switch (command->kind)
        {
        case COMMAND_SEND:
          {
            gsize length;
            const guint8 *data = g_bytes_get_data (command->bytes, &length);

            ok = sf_transport_write (shared->transport, data, length, error);
            if (ok && command->sent_text != NULL)
              g_ptr_array_add (split->lines, _sf_monitor_line_new_text (SF_MONITOR_LINE_SENT,
                                                                        command->sent_text));
          }
          break;

        case COMMAND_RESET:
          ok = reset_board (shared, splitter, boot, TRUE, split, error);
          break;

        case COMMAND_SET_BAUD:
          shared->baud = command->baud;
          /* During the ROM's text the new rate waits for its end. */
          if (!boot->active)
            ok = sf_transport_set_baud (shared->transport, command->baud, error);
          break;

        default:
          g_assert_not_reached ();
        }
      command_free (command);
    }
  g_queue_clear_full (&commands, (GDestroyNotify) command_free);
  return ok;
}

static gpointer
thread_main (gpointer data)
{
  Shared *shared = data;
  g_autoptr(SfMonitorSplitter) splitter = _sf_monitor_splitter_new ();
  g_auto(SfMonitorSplit) split = { NULL, };
  g_autoptr(GError) error = NULL;
  BootText boot = { FALSE, };
  guint8 buffer[4096];

  _sf_monitor_split_init (&split);

  if (shared->reset_at_start &&
      !reset_board (shared, splitter, &boot, FALSE, &split, &error))
    goto out;
  post (shared, &split);

  while (!g_atomic_int_get (&shared->stop))
    {
      gssize n;
      gint64 mono_us;

      if (!run_commands (shared, splitter, &boot, &split, &error))
        break;
      n = sf_transport_read (shared->transport, buffer, sizeof buffer, READ_TIMEOUT_MS, &error);
      if (n < 0)
        break;
      mono_us = g_get_monotonic_time ();
      if (n > 0)
        {
          _sf_monitor_splitter_feed (splitter, buffer, n, g_get_real_time (), mono_us, &split);
          boot.got_text = TRUE;
          boot.last_byte_us = mono_us;
        }
      else
        {
          _sf_monitor_splitter_flush (splitter, mono_us, FALSE, &split);
        }
      if (!end_boot_text (shared, splitter, &boot, mono_us, &split, &error))
        break;
      post (shared, &split);
    }

out:
  /* The last partial line is shown too. */
  _sf_monitor_splitter_flush (splitter, g_get_monotonic_time (), TRUE, &split);
  post (shared, &split);
  /* The port is closed before the main context hears that the thread ended:
   * whoever is told "stopped" may open it at once. */
  g_clear_object (&shared->transport);

  g_mutex_lock (&shared->mutex);
  shared->finished = TRUE;
  shared->error = g_steal_pointer (&error);
  schedule_dispatch_locked (shared);
  g_mutex_unlock (&shared->mutex);

  shared_unref (shared);
  return NULL;
}

/* ---- The main context ---------------------------------------------------- */

static void
trim_ring (SfMonitor *self)
{
  while (self->ring.length > self->max_lines)
    sf_monitor_line_unref (g_queue_pop_head (&self->ring));
}

/* Takes what the thread left for the main context and hands it on. */
static void
deliver (SfMonitor *self,
         Shared    *shared)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) frame_types = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  guint skipped;

  g_mutex_lock (&shared->mutex);
  lines = g_steal_pointer (&shared->lines);
  frame_types = g_steal_pointer (&shared->frame_types);
  frames = g_steal_pointer (&shared->frames);
  skipped = shared->skipped;
  shared->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_monitor_line_unref);
  shared->frame_types = g_ptr_array_new ();
  shared->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  shared->skipped = 0;
  shared->last_dispatch_us = g_get_monotonic_time ();
  g_mutex_unlock (&shared->mutex);

  if (skipped > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u line skipped: the board printed faster than it could "
                                      "be shown",
                                      "%u lines skipped: the board printed faster than they "
                                      "could be shown", skipped),
                         skipped);

      g_ptr_array_insert (lines, 0, _sf_monitor_line_new_text (SF_MONITOR_LINE_NOTE, text));
    }

  for (guint i = 0; i < lines->len; i++)
    g_queue_push_tail (&self->ring, sf_monitor_line_ref (lines->pdata[i]));
  trim_ring (self);

  if (lines->len > 0)
    g_signal_emit (self, signals[SIGNAL_LINES_ADDED], 0, lines);
  for (guint i = 0; i < frames->len; i++)
    g_signal_emit (self, signals[SIGNAL_IMPROV_FRAME], 0,
                   GPOINTER_TO_UINT (frame_types->pdata[i]), frames->pdata[i]);
}

/* The thread has ended (or is told to): joins it and says so. The monitor
 * counts as stopped from the start, so a handler of the signals emitted
 * here may start it again, or stop it, without harm. */
static void
finish (SfMonitor *self)
{
  Shared *shared = g_steal_pointer (&self->shared);
  GThread *thread = g_steal_pointer (&self->thread);
  g_autoptr(GError) error = NULL;

  g_atomic_int_set (&shared->stop, 1);
  g_thread_join (thread);

  g_mutex_lock (&shared->mutex);
  if (shared->dispatch_source != NULL)
    {
      g_source_destroy (shared->dispatch_source);
      g_clear_pointer (&shared->dispatch_source, g_source_unref);
    }
  error = g_steal_pointer (&shared->error);
  g_mutex_unlock (&shared->mutex);

  shared->owner = NULL;
  g_object_ref (self);
  deliver (self, shared);
  shared_unref (shared);

  if (error != NULL)
    g_debug ("Monitor on %s stopped: %s", self->port_path, error->message);
  g_signal_emit (self, signals[SIGNAL_STOPPED], 0, error);
  g_object_unref (self);
}

static gboolean
dispatch_cb (gpointer data)
{
  Shared *shared = data;
  g_autoptr(SfMonitor) self = NULL;
  gboolean finished;

  g_mutex_lock (&shared->mutex);
  g_clear_pointer (&shared->dispatch_source, g_source_unref);
  finished = shared->finished;
  g_mutex_unlock (&shared->mutex);

  if (shared->owner == NULL)
    return G_SOURCE_REMOVE;
  /* A handler may drop the last other reference. */
  self = g_object_ref (shared->owner);
  deliver (self, shared);
  /* A handler may have stopped the monitor, or stopped and started it. */
  if (finished && self->shared == shared)
    finish (self);
  return G_SOURCE_REMOVE;
}

/* ---- Public API ------------------------------------------------------------ */

SfMonitor *
sf_monitor_new (void)
{
  return g_object_new (SF_TYPE_MONITOR, NULL);
}

void
sf_monitor_set_max_lines (SfMonitor *self,
                          guint      max_lines)
{
  g_return_if_fail (SF_IS_MONITOR (self));
  g_return_if_fail (max_lines > 0);

  self->max_lines = max_lines;
  trim_ring (self);
}

gboolean
sf_monitor_start (SfMonitor   *self,
                  const char  *port_path,
                  guint        baud,
                  SfChip       chip,
                  gboolean     reset,
                  GError     **error)
{
  SfTransport *transport;
  gboolean rom_rate;

  g_return_val_if_fail (SF_IS_MONITOR (self), FALSE);
  g_return_val_if_fail (port_path != NULL, FALSE);
  g_return_val_if_fail (baud > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->shared != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("The monitor is already reading %s. Stop it before starting it again."),
                   self->port_path);
      return FALSE;
    }

  /* Opened at the ROM's rate straight away: a board that restarts as the
   * port opens prints its boot text at once. */
  rom_rate = chip == SF_CHIP_ESP8266 && reset;
  transport = sf_transport_open (port_path, rom_rate ? ESP8266_ROM_BAUD : baud, error);
  if (transport == NULL)
    return FALSE;

  g_free (self->port_path);
  self->port_path = g_strdup (port_path);
  self->baud = baud;
  self->shared = shared_new (transport, chip, baud, reset);
  self->shared->owner = self;
  self->thread = g_thread_new ("sf-monitor", thread_main, shared_ref (self->shared));
  return TRUE;
}

void
sf_monitor_stop (SfMonitor *self)
{
  g_return_if_fail (SF_IS_MONITOR (self));

  if (self->shared == NULL)
    return;
  finish (self);
}

gboolean
sf_monitor_get_running (SfMonitor *self)
{
  g_return_val_if_fail (SF_IS_MONITOR (self), FALSE);

  return self->shared != NULL;
}

const char *
sf_monitor_get_port_path (SfMonitor *self)
{
  g_return_val_if_fail (SF_IS_MONITOR (self), NULL);

  return self->port_path;
}

guint
sf_monitor_get_baud (SfMonitor *self)
{
  g_return_val_if_fail (SF_IS_MONITOR (self), 0);

  return self->baud;
}

static void
queue_command (SfMonitor *self,
               Command   *command)
{
  g_mutex_lock (&self->shared->mutex);
  g_queue_push_tail (&self->shared->commands, command);
  g_mutex_unlock (&self->shared->mutex);
}

void
sf_monitor_reset (SfMonitor *self)
{
  Command *command;

  g_return_if_fail (SF_IS_MONITOR (self));
  g_return_if_fail (self->shared != NULL);

  command = g_new0 (Command, 1);
  command->kind = COMMAND_RESET;
  queue_command (self, command);
}

void
sf_monitor_set_baud (SfMonitor *self,
                     guint      baud)
{
  Command *command;

  g_return_if_fail (SF_IS_MONITOR (self));
  g_return_if_fail (baud > 0);

  self->baud = baud;
  if (self->shared == NULL)
    return;
  command = g_new0 (Command, 1);
  command->kind = COMMAND_SET_BAUD;
  command->baud = baud;
  queue_command (self, command);
}

void
sf_monitor_send_line (SfMonitor  *self,
                      const char *line)
{
  Command *command;

  g_return_if_fail (SF_IS_MONITOR (self));
  g_return_if_fail (line != NULL);
  g_return_if_fail (self->shared != NULL);

  command = g_new0 (Command, 1);
  command->kind = COMMAND_SEND;
  command->bytes = g_bytes_new_take (g_strconcat (line, "\r\n", NULL), strlen (line) + 2);
  command->sent_text = g_strdup (line);
  queue_command (self, command);
}

void
sf_monitor_send_bytes (SfMonitor *self,
                       GBytes    *bytes)
{
  Command *command;

  g_return_if_fail (SF_IS_MONITOR (self));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (self->shared != NULL);

  command = g_new0 (Command, 1);
  command->kind = COMMAND_SEND;
  command->bytes = g_bytes_ref (bytes);
  queue_command (self, command);
}

GPtrArray *
sf_monitor_dup_lines (SfMonitor *self)
{
  GPtrArray *lines;

  g_return_val_if_fail (SF_IS_MONITOR (self), NULL);

  lines = g_ptr_array_new_full (self->ring.length, (GDestroyNotify) sf_monitor_line_unref);
  for (GList *l = self->ring.head; l != NULL; l = l->next)
    g_ptr_array_add (lines, sf_monitor_line_ref (l->data));
  return lines;
}

void
sf_monitor_clear (SfMonitor *self)
{
  g_return_if_fail (SF_IS_MONITOR (self));

  g_queue_clear_full (&self->ring, (GDestroyNotify) sf_monitor_line_unref);
}

gboolean
sf_monitor_save (SfMonitor   *self,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SF_IS_MONITOR (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  for (GList *l = self->ring.head; l != NULL; l = l->next)
    {
      g_autofree char *line = sf_monitor_line_format (l->data);

      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }

  /* CONSISTENT: written to a temporary file and renamed over @path, so an
   * interrupted save leaves the old file whole. */
  if (g_file_set_contents_full (path, text->str, text->len, G_FILE_SET_CONTENTS_CONSISTENT,
                                0644, &local_error))
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
               _("Could not save the monitor's lines: %s. Choose another file or folder."),
               local_error->message);
  return FALSE;
}

static void
sf_monitor_dispose (GObject *object)
{
  SfMonitor *self = SF_MONITOR (object);

  if (self->shared != NULL)
    finish (self);

  G_OBJECT_CLASS (sf_monitor_parent_class)->dispose (object);
}

static void
sf_monitor_finalize (GObject *object)
{
  SfMonitor *self = SF_MONITOR (object);

  g_queue_clear_full (&self->ring, (GDestroyNotify) sf_monitor_line_unref);
  g_free (self->port_path);

  G_OBJECT_CLASS (sf_monitor_parent_class)->finalize (object);
}

static void
sf_monitor_class_init (SfMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sf_monitor_dispose;
  object_class->finalize = sf_monitor_finalize;

  signals[SIGNAL_LINES_ADDED] =
    g_signal_new ("lines-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_IMPROV_FRAME] =
    g_signal_new ("improv-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sf_monitor_init (SfMonitor *self)
{
  g_queue_init (&self->ring);
  self->max_lines = DEFAULT_MAX_LINES;
}
