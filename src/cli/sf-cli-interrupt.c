/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sparkflash-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sf-cli-interrupt.h"

/* How long the operation gets to notice a cancel and wind down (close the
 * port, drop its temporary file) before the program ends regardless. */
#define GRACE_US     (1500 * 1000)
/* After the last words, a little longer for main() to return by itself. */
#define AFTERWARD_US (1000 * 1000)

typedef enum
{
  STAGE_UNTOUCHED,
  STAGE_READING,
  STAGE_WRITING,
  STAGE_ERASING,
  STAGE_FINISHED,
} Stage;

typedef struct
{
  guint32  address;
  char    *name;
} Region;

/* Set on the main thread, read by the signal and watchdog threads: all
 * under the mutex. */
static struct
{
  GMutex        mutex;
  GCancellable *cancellable;
  int           signal_number;   /* the first one; 0 before any */
  gboolean      reported;

  Stage         stage;
  /* Several boards at once: what each one was doing is not followed. */
  gboolean      many;

  /* STAGE_READING */
  char         *read_path;
  gboolean     read_path_existed;

  /* STAGE_WRITING: the files in the order the flasher writes them, and
   * which one it is on, followed from the progress reports. */
  Region       *regions;
  guint         n_regions;
  gboolean      erase_all;
  gboolean      erase_done;
  guint         current;
  gboolean      current_started;    /* bytes of it went out */
  gboolean      current_complete;   /* all its bytes went out */
  gboolean      read_since;         /* since it was complete */
  gboolean      verify_since;
  guint64       last_done;
  guint64       last_total;

  /* STAGE_ERASING */
  guint32       erase_address;
  guint32       erase_size;
} state;

static sigset_t interrupt_signals;

static void
clear_regions_locked (void)
{
  for (guint i = 0; i < state.n_regions; i++)
    g_free (state.regions[i].name);
  g_clear_pointer (&state.regions, g_free);
  state.n_regions = 0;
}

void
sf_cli_interrupt_set_reading (const char *path)
{
  g_mutex_lock (&state.mutex);
  if (state.many)
    {
      g_mutex_unlock (&state.mutex);
      return;
    }
  state.stage = STAGE_READING;
  g_free (state.read_path);
  state.read_path = g_strdup (path);
  state.read_path_existed = g_file_test (path, G_FILE_TEST_EXISTS);
  g_mutex_unlock (&state.mutex);
}

void
sf_cli_interrupt_set_writing (const SfFlashRegion *regions,
                              guint                n_regions,
                              gboolean             erase_all)
{
  g_mutex_lock (&state.mutex);
  if (state.many)
    {
      g_mutex_unlock (&state.mutex);
      return;
    }
  clear_regions_locked ();
  state.stage = STAGE_WRITING;
  state.regions = g_new0 (Region, MAX (n_regions, 1));
  for (guint i = 0; i < n_regions; i++)
    {
      state.regions[i].address = regions[i].address;
      state.regions[i].name = g_strdup (regions[i].name != NULL ? regions[i].name : "");
    }
  state.n_regions = n_regions;
  state.erase_all = erase_all;
  state.erase_done = FALSE;
  state.current = 0;
  state.current_started = FALSE;
  state.current_complete = FALSE;
  state.read_since = FALSE;
  state.verify_since = FALSE;
  state.last_done = 0;
  state.last_total = 0;
  g_mutex_unlock (&state.mutex);
}

void
sf_cli_interrupt_set_erasing (guint32 address,
                              guint32 size)
{
  g_mutex_lock (&state.mutex);
  if (state.many)
    {
      g_mutex_unlock (&state.mutex);
      return;
    }
  state.stage = STAGE_ERASING;
  state.erase_address = address;
  state.erase_size = size;
  g_mutex_unlock (&state.mutex);
}

void
sf_cli_interrupt_set_many (void)
{
  g_mutex_lock (&state.mutex);
  state.many = TRUE;
  g_mutex_unlock (&state.mutex);
}

void
sf_cli_interrupt_set_finished (void)
{
  g_mutex_lock (&state.mutex);
  if (state.many)
    {
      g_mutex_unlock (&state.mutex);
      return;
    }
  state.stage = STAGE_FINISHED;
  g_mutex_unlock (&state.mutex);
}

/* The flasher writes the files one after the other. Each one's WRITE
 * progress ends with done == total; what comes after that is its check
 * (VERIFY), then the next file, whose partial sectors may be read first
 * (READ). A WRITE that starts over after a check without a read in
 * between, at the same size, is the same file written again because the
 * check failed. */
static void
follow_write_locked (SfPhase phase,
                     guint64 done,
                     guint64 total)
{
  switch (phase)
    {
    case SF_PHASE_ERASE:
      if (state.erase_all && total > 0 && done >= total)
        state.erase_done = TRUE;
      return;

    case SF_PHASE_READ:
      state.read_since = state.current_complete;
      return;

    case SF_PHASE_VERIFY:
      state.verify_since = state.current_complete;
      return;

    case SF_PHASE_WRITE:
      if (state.current_complete &&
          (state.read_since || state.verify_since || total != state.last_total ||
           done < state.last_done))
        {
          gboolean again = state.verify_since && !state.read_since &&
                           total == state.last_total && done < total;

          if (!again && state.current + 1 < state.n_regions)
            state.current++;
          state.current_started = FALSE;
          state.current_complete = FALSE;
          state.read_since = FALSE;
          state.verify_since = FALSE;
        }
      if (done > 0)
        state.current_started = TRUE;
      if (total > 0 && done >= total)
        state.current_complete = TRUE;
      state.last_done = done;
      state.last_total = total;
      return;

    case SF_PHASE_CONNECT:
    default:
      return;
    }
}

void
sf_cli_interrupt_progress (SfPhase phase,
                           guint64 done,
                           guint64 total)
{
  g_mutex_lock (&state.mutex);
  if (state.stage == STAGE_WRITING && !state.many)
    follow_write_locked (phase, done, total);
  g_mutex_unlock (&state.mutex);
}

static char *
describe_write_locked (void)
{
  const Region *region;

  if (state.erase_all && !state.erase_done)
    return g_strdup (_("The whole flash is now partly erased. Run the same write_flash again "
                       "before using the board."));
  if (state.n_regions == 0)
    return g_strdup (_("The board's flash was not changed."));

  region = &state.regions[MIN (state.current, state.n_regions - 1)];
  if (state.current_complete)
    return g_strdup_printf (_("The region at 0x%08x (%s) was written but not checked yet. Run "
                              "the same write_flash again before using the board; what is "
                              "already in place is skipped."), region->address, region->name);
  if (state.current_started)
    return g_strdup_printf (_("The region at 0x%08x (%s) is now partly written. Write it again "
                              "before using the board: run the same write_flash again."),
                            region->address, region->name);
  /* The ROM loader erases a region as soon as it is told of it, before a
   * byte of it has gone out. */
  return g_strdup_printf (_("The region at 0x%08x (%s) may be partly written. Write it again "
                            "before using the board: run the same write_flash again."),
                          region->address, region->name);
}

static char *
describe_state_locked (void)
{
  if (state.many)
    return g_strdup (_("Boards that were being written or erased may hold part of the new "
                       "contents: the summary says which ones had not finished. Run the same "
                       "command again on those before using them."));

  switch (state.stage)
    {
    case STAGE_READING:
      if (state.read_path_existed)
        return g_strdup_printf (_("The board's flash was not changed, and “%s” was left as it "
                                  "was."), state.read_path);
      return g_strdup_printf (_("The board's flash was not changed, and “%s” was not created."),
                              state.read_path);

    case STAGE_WRITING:
      return describe_write_locked ();

    case STAGE_ERASING:
      if (state.erase_size == 0)
        return g_strdup (_("The flash is now partly erased. Run erase_flash again before using "
                           "the board."));
      return g_strdup_printf (_("The flash from 0x%08x to 0x%08x is now partly erased. Run the "
                                "same erase_region again before using the board."),
                              state.erase_address,
                              (guint32) (state.erase_address + state.erase_size - 1));

    case STAGE_FINISHED:
      return g_strdup (_("The operation had finished; only restarting the board was cut short. "
                         "Press its RESET button, or unplug it and plug it back in."));

    case STAGE_UNTOUCHED:
    default:
      return g_strdup (_("The board's flash was not changed."));
    }
}

static int
exit_status_locked (void)
{
  return 128 + (state.signal_number != 0 ? state.signal_number : SIGINT);
}

/* Prints the last words once, whoever comes first: the main thread that
 * saw its operation cancelled, or the watchdog that gave up waiting. */
static int
report (gboolean from_watchdog)
{
  int status;

  g_mutex_lock (&state.mutex);
  if (!state.reported)
    {
      g_autofree char *what = describe_state_locked ();
      g_autofree char *text = NULL;

      state.reported = TRUE;
      /* A progress bar may be open on the terminal; the main thread,
       * which owns it, is not there to close it. */
      text = g_strdup_printf ("%s%s\n%s\n", from_watchdog && isatty (STDOUT_FILENO) ? "\n" : "",
                              _("Interrupted."), what);
      if (write (STDERR_FILENO, text, strlen (text)) < 0)
        {
          /* Nothing left to tell it to. */
        }
    }
  status = exit_status_locked ();
  g_mutex_unlock (&state.mutex);
  return status;
}

int
sf_cli_interrupt_report (void)
{
  fflush (stdout);
  return report (FALSE);
}

static gpointer
watchdog_func (gpointer data)
{
  gboolean reported;

  g_usleep (GRACE_US);

  g_mutex_lock (&state.mutex);
  reported = state.reported;
  g_mutex_unlock (&state.mutex);
  /* The main thread has said its last words and is on its way out of
   * main(): let it, unless that too gets stuck. */
  if (reported)
    g_usleep (AFTERWARD_US);
  _exit (report (TRUE));
  return NULL;
}

/* Signals are blocked in every thread and taken by this one with sigwait(),
 * so cancelling happens in a normal thread context rather than in a signal
 * handler, where g_cancellable_cancel() would not be safe. */
static gpointer
signal_thread_func (gpointer data)
{
  for (;;)
    {
      int signal_number;
      gboolean first;

      if (sigwait (&interrupt_signals, &signal_number) != 0)
        continue;

      g_mutex_lock (&state.mutex);
      first = state.signal_number == 0;
      if (first)
        state.signal_number = signal_number;
      g_mutex_unlock (&state.mutex);

      if (first)
        {
          g_cancellable_cancel (state.cancellable);
          g_thread_unref (g_thread_new ("sf-cli-watchdog", watchdog_func, NULL));
        }
      else
        {
          /* Stuck somewhere it cannot be cancelled: out regardless. */
          _exit (report (TRUE));
        }
    }
  return NULL;
}

void
sf_cli_interrupt_install (GCancellable *cancellable)
{
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (state.cancellable == NULL);

  state.cancellable = g_object_ref (cancellable);
  sigemptyset (&interrupt_signals);
  sigaddset (&interrupt_signals, SIGINT);
  sigaddset (&interrupt_signals, SIGTERM);
  sigaddset (&interrupt_signals, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &interrupt_signals, NULL);

  g_thread_unref (g_thread_new ("sf-cli-signals", signal_thread_func, NULL));
}
