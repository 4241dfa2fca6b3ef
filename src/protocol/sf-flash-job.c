/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-flash-job"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sf-flash-job-private.h"
#include "sf-protocol-error.h"
#include "sf-session.h"

enum
{
  SIGNAL_CONNECTED,
  SIGNAL_PROGRESS,
  SIGNAL_LOG,
  SIGNAL_CONCERNS,
  SIGNAL_FINISHED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SfFlashJob, sf_flash_job, G_TYPE_OBJECT)

static void
region_clear (gpointer data)
{
  Region *region = data;

  g_clear_pointer (&region->data, g_bytes_unref);
  g_clear_pointer (&region->name, g_free);
}

static void
sf_flash_job_finalize (GObject *object)
{
  SfFlashJob *self = SF_FLASH_JOB (object);

  g_clear_pointer (&self->port_path, g_free);
  g_clear_pointer (&self->regions, g_array_unref);
  g_clear_pointer (&self->output_path, g_free);
  g_clear_pointer (&self->partition, g_free);
  g_clear_pointer (&self->table, sf_partition_table_unref);
  g_clear_pointer (&self->backup_path, g_free);
  g_clear_pointer (&self->concerns, g_ptr_array_unref);
  g_clear_pointer ((char **) &self->options.backup_dir, g_free);
  g_clear_pointer ((char **) &self->options.flash_mode, g_free);
  g_clear_pointer ((char **) &self->options.flash_size, g_free);
  g_clear_pointer ((char **) &self->options.flash_freq, g_free);
  g_clear_pointer (&self->pending_lines, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  sf_chip_details_clear (&self->details);
  sf_chip_details_clear (&self->connected_details);
  g_clear_error (&self->error);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (sf_flash_job_parent_class)->finalize (object);
}

static void
sf_flash_job_class_init (SfFlashJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sf_flash_job_finalize;

  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, SF_TYPE_PHASE, G_TYPE_UINT64, G_TYPE_UINT64);
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CONCERNS] =
    g_signal_new ("concerns", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sf_flash_job_init (SfFlashJob *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->answer = -1;
  self->boot_partition = -1;
  self->regions = g_array_new (FALSE, TRUE, sizeof (Region));
  g_array_set_clear_func (self->regions, region_clear);
  self->pending_lines = g_ptr_array_new_with_free_func (g_free);
  self->baud = SF_SYNC_BAUD;
  self->before = SF_BEFORE_DEFAULT_RESET;
  self->after = SF_AFTER_HARD_RESET;
}

SfFlashJob *
sf_flash_job_new (SfJobKind   kind,
                  const char *port_path)
{
  SfFlashJob *self;

  g_return_val_if_fail (port_path != NULL, NULL);

  self = g_object_new (SF_TYPE_FLASH_JOB, NULL);
  self->kind = kind;
  self->port_path = g_strdup (port_path);
  return self;
}

SfFlashJob *
sf_flash_job_new_like (SfFlashJob *model,
                       const char *port_path)
{
  SfFlashJob *self;

  g_return_val_if_fail (SF_IS_FLASH_JOB (model), NULL);
  g_return_val_if_fail (port_path != NULL, NULL);

  self = sf_flash_job_new (model->kind, port_path);
  self->baud = model->baud;
  self->chip = model->chip;
  self->before = model->before;
  self->after = model->after;
  self->no_stub = model->no_stub;
  sf_flash_job_set_write_options (self, &model->options);
  for (guint i = 0; i < model->regions->len; i++)
    {
      const Region *region = &g_array_index (model->regions, Region, i);

      /* The same GBytes: every board gets the very bytes of the model. */
      sf_flash_job_add_region (self, region->address, region->data, region->name);
    }
  self->address = model->address;
  self->size = model->size;
  sf_flash_job_set_output_path (self, model->output_path);
  sf_flash_job_set_partition (self, model->partition);
  return self;
}

guint
sf_flash_job_get_n_regions (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), 0);

  return self->regions->len;
}

guint64
sf_flash_job_get_region_bytes (SfFlashJob *self)
{
  guint64 sum = 0;

  g_return_val_if_fail (SF_IS_FLASH_JOB (self), 0);

  for (guint i = 0; i < self->regions->len; i++)
    sum += g_bytes_get_size (g_array_index (self->regions, Region, i).data);
  return sum;
}

SfJobKind
sf_flash_job_get_kind (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), SF_JOB_CHIP_INFO);

  return self->kind;
}

const char *
sf_flash_job_get_port_path (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), NULL);

  return self->port_path;
}

#define RETURN_IF_RUNNING(self) \
  g_return_if_fail (SF_IS_FLASH_JOB (self)); \
  g_return_if_fail (!(self)->running)

void
sf_flash_job_set_baud (SfFlashJob *self,
                       guint       baud)
{
  RETURN_IF_RUNNING (self);
  self->baud = baud;
}

void
sf_flash_job_set_chip (SfFlashJob *self,
                       SfChip      chip)
{
  RETURN_IF_RUNNING (self);
  self->chip = chip;
}

void
sf_flash_job_set_before (SfFlashJob *self,
                         SfBefore    before)
{
  RETURN_IF_RUNNING (self);
  self->before = before;
}

void
sf_flash_job_set_after (SfFlashJob *self,
                        SfAfter     after)
{
  RETURN_IF_RUNNING (self);
  self->after = after;
}

void
sf_flash_job_set_partition_table_offset (SfFlashJob *self,
                                         guint32     offset)
{
  RETURN_IF_RUNNING (self);

  self->options.partition_table_offset = offset;
}

void
sf_flash_job_set_write_options (SfFlashJob           *self,
                                const SfWriteOptions *options)
{
  RETURN_IF_RUNNING (self);
  g_return_if_fail (options != NULL);

  g_free ((char *) self->options.flash_mode);
  g_free ((char *) self->options.flash_size);
  g_free ((char *) self->options.flash_freq);
  g_free ((char *) self->options.backup_dir);
  self->options = *options;
  self->options.backup_dir = g_strdup (options->backup_dir);
  self->options.flash_mode = g_strdup (options->flash_mode);
  self->options.flash_size = g_strdup (options->flash_size);
  self->options.flash_freq = g_strdup (options->flash_freq);
}

void
sf_flash_job_add_region (SfFlashJob *self,
                         guint32     address,
                         GBytes     *data,
                         const char *name)
{
  Region region;

  RETURN_IF_RUNNING (self);
  g_return_if_fail (data != NULL);

  region.address = address;
  region.data = g_bytes_ref (data);
  region.name = g_strdup (name);
  g_array_append_val (self->regions, region);
}

void
sf_flash_job_set_span (SfFlashJob *self,
                       guint32     address,
                       guint32     size)
{
  RETURN_IF_RUNNING (self);
  self->address = address;
  self->size = size;
}

void
sf_flash_job_set_output_path (SfFlashJob *self,
                              const char *path)
{
  RETURN_IF_RUNNING (self);
  g_free (self->output_path);
  self->output_path = g_strdup (path);
}

void
sf_flash_job_set_partition (SfFlashJob *self,
                            const char *name)
{
  RETURN_IF_RUNNING (self);
  g_free (self->partition);
  self->partition = g_strdup (name);
}

SfPartitionTable *
sf_flash_job_get_partition_table (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), NULL);
  g_return_val_if_fail (!self->running, NULL);

  return self->table;
}

int
sf_flash_job_get_boot_partition (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), -1);
  g_return_val_if_fail (!self->running, -1);

  return self->boot_partition;
}

const char *
sf_flash_job_get_backup_path (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), NULL);
  g_return_val_if_fail (!self->running, NULL);

  return self->backup_path;
}

void
sf_flash_job_confirm (SfFlashJob *self,
                      gboolean    go_ahead)
{
  g_return_if_fail (SF_IS_FLASH_JOB (self));

  g_mutex_lock (&self->mutex);
  if (self->answer < 0)
    {
      self->answer = go_ahead ? 1 : 0;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);
}

gboolean
sf_flash_job_get_running (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), FALSE);

  return self->running;
}

const SfChipDetails *
sf_flash_job_get_chip_details (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), NULL);

  return self->have_details ? &self->details : NULL;
}

guint
sf_flash_job_get_used_baud (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), 0);

  return self->used_baud;
}

guint
sf_flash_job_get_failed_baud (SfFlashJob *self)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), 0);

  return self->failed_baud;
}

void
sf_flash_job_set_no_stub (SfFlashJob *self,
                          gboolean    no_stub)
{
  g_return_if_fail (SF_IS_FLASH_JOB (self));
  g_return_if_fail (!self->running);

  self->no_stub = no_stub;
}

/* --- worker → main thread ------------------------------------------------- */

/* Emits whatever the worker queued. Main thread. */
static void
flush_pending (SfFlashJob *self)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_auto(SfChipDetails) details = { 0 };
  g_autoptr(GPtrArray) concerns = NULL;
  gboolean connected;
  gboolean progress;
  SfPhase phase;
  guint64 done, total;

  g_mutex_lock (&self->mutex);
  lines = g_steal_pointer (&self->pending_lines);
  self->pending_lines = g_ptr_array_new_with_free_func (g_free);
  connected = self->connected_pending;
  self->connected_pending = FALSE;
  if (connected)
    {
      details = self->connected_details;
      memset (&self->connected_details, 0, sizeof self->connected_details);
    }
  progress = self->progress_pending;
  self->progress_pending = FALSE;
  phase = self->phase;
  done = self->done;
  total = self->total;
  concerns = g_steal_pointer (&self->concerns);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < lines->len; i++)
    g_signal_emit (self, signals[SIGNAL_LOG], 0, g_ptr_array_index (lines, i));
  if (connected)
    g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, &details);
  if (progress)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, (int) phase, done, total);
  if (concerns != NULL)
    {
      /* Nobody to ask is a no. */
      if (g_signal_has_handler_pending (self, signals[SIGNAL_CONCERNS], 0, TRUE))
        g_signal_emit (self, signals[SIGNAL_CONCERNS], 0, concerns);
      else
        sf_flash_job_confirm (self, FALSE);
    }
}

static gboolean
flush_pending_idle (gpointer data)
{
  SfFlashJob *self = data;

  g_mutex_lock (&self->mutex);
  self->idle_source = 0;
  g_mutex_unlock (&self->mutex);

  flush_pending (self);
  return G_SOURCE_REMOVE;
}

/* Worker thread; called with the mutex held. At most one idle is pending,
 * so a fast worker cannot flood the main loop. */
void
_sf_flash_job_schedule_flush_locked (SfFlashJob *self)
{
  GSource *source;

  if (self->idle_source != 0)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, flush_pending_idle, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[sparkflash] job progress");
  self->idle_source = g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
log_cb (const char *line,
        gpointer    user_data)
{
  SfFlashJob *self = user_data;

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->pending_lines, g_strdup (line));
  _sf_flash_job_schedule_flush_locked (self);
  g_mutex_unlock (&self->mutex);
}

static void
progress_cb (SfPhase  phase,
             guint64  done,
             guint64  total,
             gpointer user_data)
{
  SfFlashJob *self = user_data;

  g_mutex_lock (&self->mutex);
  self->phase = phase;
  self->done = done;
  self->total = total;
  self->progress_pending = TRUE;
  _sf_flash_job_schedule_flush_locked (self);
  g_mutex_unlock (&self->mutex);
}

/* --- the work ------------------------------------------------------------- */

static gboolean
do_operation (SfFlasher            *flasher,
              const SfChipDetails  *details,
              gpointer              user_data,
              GCancellable         *cancellable,
              GError              **error)
{
  SfFlashJob *self = user_data;
  g_autofree SfFlashRegion *regions = g_new0 (SfFlashRegion, MAX (self->regions->len, 1));
  guint32 address = self->address;
  guint32 size = self->size;

  for (guint i = 0; i < self->regions->len; i++)
    {
      const Region *region = &g_array_index (self->regions, Region, i);

      regions[i].address = region->address;
      regions[i].data = region->data;
      regions[i].name = region->name;
    }

  /* The details are worth showing even when the operation fails. */
  g_mutex_lock (&self->mutex);
  sf_chip_details_clear (&self->details);
  self->details = *details;
  self->details.description = g_strdup (details->description);
  self->details.features = g_strdup (details->features);
  self->have_details = TRUE;
  /* A copy of its own for "connected": the session may connect again
   * (a slower rate) and rewrite self->details meanwhile. */
  sf_chip_details_clear (&self->connected_details);
  self->connected_details = self->details;
  self->connected_details.description = g_strdup (details->description);
  self->connected_details.features = g_strdup (details->features);
  self->connected_pending = TRUE;
  _sf_flash_job_schedule_flush_locked (self);
  g_mutex_unlock (&self->mutex);

  if (!_sf_flash_job_resolve_partition (self, flasher, regions, &address, &size,
                                        cancellable, error))
    return FALSE;

  switch (self->kind)
    {
    case SF_JOB_CHIP_INFO:
      return _sf_flash_job_learn_board (self, flasher, cancellable, error);

    case SF_JOB_WRITE:
      return _sf_flash_job_write (self, flasher, regions, self->regions->len, cancellable, error);

    case SF_JOB_PARTITION_TABLE:
      return _sf_flash_job_read_partitions (self, flasher, cancellable, error);

    case SF_JOB_ERASE_WIFI:
      return _sf_flash_job_erase_wifi (self, flasher, cancellable, error);

    case SF_JOB_VERIFY:
      return sf_flasher_verify_flash (flasher, regions, self->regions->len, cancellable, error);

    case SF_JOB_READ:
      if (size == 0)
        {
          guint32 flash_size;

          /* To the end of the flash: at least its first byte must be in it. */
          if (!sf_flasher_get_flash_size (flasher, &flash_size, cancellable, error) ||
              !sf_flasher_check_span (address, 1, flash_size, FALSE, error))
            return FALSE;
          size = flash_size - address;
        }
      return sf_flasher_read_flash_to_file (flasher, address, size, self->output_path,
                                            cancellable, error);

    case SF_JOB_ERASE_REGION:
      return sf_flasher_erase_region (flasher, address, size, cancellable, error);

    case SF_JOB_ERASE_FLASH:
      return sf_flasher_erase_flash (flasher, cancellable, error);

    default:
      g_assert_not_reached ();
    }
}

static gboolean
run_job (SfFlashJob    *self,
         GCancellable  *cancellable,
         GError       **error)
{
  g_auto(SfSessionResult) result = { { 0 } };
  SfSessionOptions options = {
    .port = self->port_path,
    .baud = self->baud,
    .chip = self->chip,
    .before = self->before,
    .after = self->after,
    .no_stub = self->no_stub,
    .log_func = log_cb,
    .progress_func = progress_cb,
    .callback_data = self,
  };
  gboolean ok;

  ok = sf_session_run (&options, do_operation, self, &result, cancellable, error);

  g_mutex_lock (&self->mutex);
  self->used_baud = ok ? result.used_baud : 0;
  self->failed_baud = result.failed_baud;
  g_mutex_unlock (&self->mutex);
  return ok;
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SfFlashJob *self = source_object;
  GError *error = NULL;

  if (run_job (self, cancellable, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* A copy for the "failed" signal; the task hands the original to the
   * caller's _finish. */
  g_mutex_lock (&self->mutex);
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_mutex_unlock (&self->mutex);
  g_task_return_error (task, error);
}

typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            user_data;
} Caller;

/* Main thread, once the worker is done: the last progress and log lines
 * go out before "finished" or "failed", and both before the caller's own
 * callback. */
static void
task_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  SfFlashJob *self = SF_FLASH_JOB (object);
  g_autofree Caller *caller = data;
  g_autoptr(GError) error = NULL;

  self->running = FALSE;
  flush_pending (self);

  g_mutex_lock (&self->mutex);
  error = g_steal_pointer (&self->error);
  g_mutex_unlock (&self->mutex);

  if (error == NULL)
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);

  if (caller->callback != NULL)
    caller->callback (object, result, caller->user_data);
}

void
sf_flash_job_run_async (SfFlashJob          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Caller *caller;

  g_return_if_fail (SF_IS_FLASH_JOB (self));
  g_return_if_fail (!self->running);

  self->running = TRUE;
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();

  caller = g_new0 (Caller, 1);
  caller->callback = callback;
  caller->user_data = user_data;

  task = g_task_new (self, cancellable, task_done_cb, caller);
  g_task_set_source_tag (task, sf_flash_job_run_async);
  /* The worker reports cancellation itself, once the board is left in a
   * state the next job can talk to. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
sf_flash_job_run_finish (SfFlashJob    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (SF_IS_FLASH_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
