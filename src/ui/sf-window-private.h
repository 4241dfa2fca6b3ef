/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the window's source files share: the instance struct, and the
 * functions one part calls in another (sf-window-*.c). Also the hooks the
 * GUI tests and the screenshot/benchmark programs use to drive the real
 * window in-process without file dialogs. */

#include "sf-concerns-dialog.h"
#include "sf-firmware-row.h"
#include "sf-flash-job.h"
#include "sf-monitor-pane.h"
#include "sf-options-popover.h"
#include "sf-partitions-window.h"
#include "sf-port-chooser.h"
#include "sf-port-monitor.h"
#include "sf-window.h"

G_BEGIN_DECLS

typedef enum
{
  SF_BANNER_INFO,
  SF_BANNER_SUCCESS,
  SF_BANNER_WARNING,
  SF_BANNER_ERROR,
} SfBannerKind;

typedef enum
{
  SF_BANNER_ACTION_NONE,
  SF_BANNER_ACTION_COPY_DIALOUT,
  SF_BANNER_ACTION_RETRY,
  SF_BANNER_ACTION_SHOW_LOG,
  SF_BANNER_ACTION_SHOW_BACKUP,
} SfBannerAction;

struct _SfWindow
{
  GtkApplicationWindow  parent_instance;

  /* Template widgets */
  GtkRevealer          *status_revealer;
  GtkWidget            *status_box;
  GtkImage             *status_icon;
  GtkLabel             *status_title;
  GtkLabel             *status_body;
  GtkButton            *status_action;
  GtkRevealer          *port_revealer;
  GtkLabel             *port_title;
  GtkLabel             *port_body;
  SfPortChooser        *port_chooser;
  GtkWidget            *chip_row;
  GtkLabel             *chip_value;
  GtkLabel             *features_value;
  GtkLabel             *crystal_value;
  GtkLabel             *mac_value;
  GtkLabel             *flash_value;
  GtkListBox           *firmware_list;
  GtkStack             *action_stack;
  GtkMenuButton        *read_button;
  GtkPopover           *read_popover;
  GtkEntry             *read_address_entry;
  GtkEntry             *read_size_entry;
  GtkLabel             *read_message;
  GtkMenuButton        *erase_button;
  GtkPopover           *erase_popover;
  GtkEntry             *erase_address_entry;
  GtkEntry             *erase_size_entry;
  GtkLabel             *erase_message;
  GtkLabel             *phase_label;
  GtkLabel             *percent_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_detail;
  GtkButton            *cancel_button;
  GtkMenuButton        *options_button;
  SfOptionsPopover     *options_popover;
  GtkRevealer          *log_revealer;
  GtkTextView          *log_view;
  GtkRevealer          *monitor_revealer;
  SfMonitorPane        *monitor_pane;

  /* Owned */
  GSettings            *settings;
  SfPortMonitor        *monitor;
  char                 *read_target;
  SfFlashJob           *job;
  GCancellable         *cancellable;
  SfChipDetails         details;
  SfPartitionTable     *board_table;    /* read with Chip Info or Partitions; NULL: none known */
  int                   board_boot;     /* the app in it that starts, -1: not known */
  GtkTextMark          *log_end;
  GtkWindow            *partitions_window;  /* not owned: the Partitions window, while open */

  /* The job's progress, for speed and time left */
  SfPhase               phase;
  guint64               phase_total;
  guint64               speed_done;
  gint64                speed_time;
  double                speed;
  guint                 pulse_source;

  SfJobKind             job_kind;
  SfJobKind             last_kind;
  guint                 job_baud;
  guint                 job_vid;
  guint                 job_pid;
  guint                 job_regions;
  SfBannerAction        banner_action;
  char                 *banner_folder;   /* for SF_BANNER_ACTION_SHOW_BACKUP */

  /* Checks before writing, backups and restoring (sf-window-care.c) */
  SfConcernsDialog     *concerns_dialog; /* not owned: it destroys itself */
  GPtrArray            *last_concerns;
  int                   concerns_answer; /* test hook: -1 ask, 0 no, 1 yes */
  char                 *restore_name;    /* the backup the running job restores */
  GFile                *last_restore;    /* the last job's backup, for Try Again */

  guint                 save_source;
  gboolean              have_details;
  gboolean              restoring;
  gboolean              close_when_idle;
  gboolean              disposed;
};

/* sf-window.c */
void           _sf_window_show_banner       (SfWindow       *self,
                                             SfBannerKind    kind,
                                             const char     *title,
                                             const char     *body,
                                             SfBannerAction  action);
void           _sf_window_hide_banner       (SfWindow       *self);
/* A banner for a failed operation, with what to do about it. */
void           _sf_window_show_error        (SfWindow       *self,
                                             const GError   *error);
/* Forgets what was read from the chip: another board may be on the port. */
void           _sf_window_clear_details     (SfWindow       *self);
void           _sf_window_update_actions    (SfWindow       *self);

/* sf-window-job.c */
void           _sf_window_set_pulsing       (SfWindow       *self,
                                             gboolean        pulsing);
void           _sf_window_append_log        (SfWindow       *self,
                                             const char     *line);
/* A job for the chosen port, with the connection options set. */
SfFlashJob    *_sf_window_create_job        (SfWindow       *self,
                                             SfJobKind       kind) G_GNUC_WARN_UNUSED_RESULT;
void           _sf_window_start_job         (SfWindow       *self,
                                             SfFlashJob     *job);

/* sf-window-firmware.c */
/* Lets files dropped on the window become rows. */
void           _sf_window_init_firmware     (SfWindow       *self);
/* The rows saved in GSettings, back in the list. */
void           _sf_window_restore_rows      (SfWindow       *self);
/* Saves the rows now if a save is pending. */
void           _sf_window_flush_rows        (SfWindow       *self);
/* The rows in list order; the array does not own them. */
GPtrArray     *_sf_window_collect_rows      (SfWindow       *self);
/* Checks the rows against each other and the flash size. */
void           _sf_window_validate_rows     (SfWindow       *self);
/* The first row that stops the enabled files from being written, with
 * what is wrong in @out_message; NULL when all can be written. */
SfFirmwareRow *_sf_window_first_bad_row     (SfWindow       *self,
                                             char          **out_message);
/* A write job of the enabled rows (each file read again first; the
 * names of those that changed on disk are added to @changed, if given)
 * with the window's connection and write options, for the chosen port;
 * with @backup, a backup first when the options say so. NULL, with a
 * banner saying why, when they cannot be written. */
SfFlashJob    *_sf_window_create_write_job  (SfWindow       *self,
                                             GPtrArray      *changed,
                                             gboolean        backup) G_GNUC_WARN_UNUSED_RESULT;
SfFirmwareRow *_sf_window_add_row           (SfWindow       *self,
                                             GFile          *file,
                                             const char     *address,
                                             gboolean        enabled);
/* A dropped build folder: one row per file it asks to flash, each at the
 * address the build gives (sf_build_files_scan_folder()). Returns how
 * many; 0, with a banner saying why, when none. Also a GUI test hook. */
guint          _sf_window_add_folder        (SfWindow       *self,
                                             GFile          *folder);

/* sf-window-monitor.c: the serial monitor pane and when it holds the port. */
void           _sf_window_init_monitor      (SfWindow       *self);
/* The pane was shown or hidden: start or stop watching the chosen port. */
void           _sf_window_monitor_shown     (SfWindow       *self,
                                             gboolean        shown);
/* Before an operation opens the port: the monitor lets go of it. */
void           _sf_window_release_port      (SfWindow       *self);
/* After an operation: a successful write shows the board's boot, if so
 * set; otherwise a shown monitor takes the port back. */
void           _sf_window_monitor_after_job (SfWindow       *self,
                                             SfFlashJob     *job,
                                             gboolean        succeeded);
/* Starts or stops the monitor on the chosen port (win.monitor-run). */
void           _sf_window_toggle_monitor    (SfWindow       *self);

/* sf-window-care.c: the checks before writing, backups, restoring one. */
/* Asks about @job's "concerns", when it has any, with one dialog. */
void           _sf_window_watch_concerns    (SfWindow       *self,
                                             SfFlashJob     *job);
/* The job ended or the window goes: a question still open is a no. */
void           _sf_window_close_concerns    (SfWindow       *self);
/* Sets @options' backup from the settings; @out_folder keeps the folder's
 * path alive until the options are handed to a job. FALSE, with a banner,
 * when the folder cannot be made. */
gboolean       _sf_window_backup_options    (SfWindow       *self,
                                             SfWriteOptions *options,
                                             char          **out_folder);
/* After a write: names the backup it made, if any, in @body and the log,
 * and offers to show its folder. */
void           _sf_window_note_backup       (SfWindow       *self,
                                             SfFlashJob     *job,
                                             GString        *body);
void           _sf_window_show_backup_folder (SfWindow      *self);

/* sf-window-actions.c: the win.* actions and their keyboard shortcuts. */
void           _sf_window_class_actions_init (SfWindowClass *klass);

/* sf-window-partitions.c: the Partitions window and Erase Wi-Fi Settings. */
void           _sf_window_class_partitions_init (SfWindowClass *klass);
/* From _sf_window_update_actions(): what depends on a port and no
 * operation running follows, the Partitions window too. */
void           _sf_window_partitions_sync   (SfWindow       *self);
/* Runs @job here, as the window's own operations run (the monitor lets go
 * of the port; progress, log and banners shown), @read_target being the
 * file a read saves to, for the banner (NULL: none). FALSE, with nothing
 * started, while another operation runs or no port is chosen. The caller
 * hears the outcome from @job's "finished" and "failed" ("failed" is not
 * emitted for a cancelled job: the window is idle again without either). */
gboolean       _sf_window_run_job           (SfWindow       *self,
                                             SfFlashJob     *job,
                                             const char     *read_target);

/* --- test hooks: for the GUI tests, the screenshots and the benchmarks --- */

SfSimDevice   *_sf_window_get_sim_device    (SfWindow   *self,
                                             const char *chip);
/* Selects the listed port with @path as if the person had; FALSE when it
 * is not (yet) listed. */
gboolean       _sf_window_select_port       (SfWindow   *self,
                                             const char *path);
/* The port operations would use, or NULL. */
const char    *_sf_window_get_port_path     (SfWindow   *self);
SfFirmwareRow *_sf_window_add_firmware      (SfWindow   *self,
                                             GFile      *file);
/* Read flash into @path instead of asking with a save dialog. */
void           _sf_window_set_read_target   (SfWindow   *self,
                                             const char *path);
/* Erase the whole flash without asking. */
void           _sf_window_set_confirmed     (SfWindow   *self,
                                             gboolean    confirmed);
/* "read-address", "read-size", "erase-address", "erase-size", "other-port". */
GtkEditable   *_sf_window_get_entry         (SfWindow   *self,
                                             const char *name);
gboolean       _sf_window_get_busy          (SfWindow   *self);
/* The running job, or NULL. */
SfFlashJob    *_sf_window_get_job           (SfWindow   *self);
/* Title and body of the message banner, "Title\nBody", or NULL when none
 * is shown. */
char          *_sf_window_dup_banner_text   (SfWindow   *self);
/* The port warning banner's text, or NULL. */
char          *_sf_window_dup_port_warning  (SfWindow   *self);
/* The open Partitions window (win.partitions), or NULL. */
SfPartitionsWindow *_sf_window_get_partitions (SfWindow *self);
/* Fraction of the current phase; its kind and size in bytes are stored
 * where not NULL. */
double         _sf_window_get_progress      (SfWindow   *self,
                                             SfPhase    *phase,
                                             guint64    *total);
/* How write concerns are answered: -1 ask with the dialog (the default),
 * 0 no, 1 yes, at once. */
void           _sf_window_set_concerns_answer (SfWindow *self,
                                             int         answer);
/* The concerns (of SfWriteConcern) the last write job raised, or NULL. */
GPtrArray     *_sf_window_get_last_concerns (SfWindow   *self);
/* The question about them while it is open, or NULL. */
SfConcernsDialog *_sf_window_get_concerns_dialog (SfWindow *self);
/* Writes @file, one of Sparkflash's backups, back where it came from, as
 * win.restore-backup does once the file is chosen; a backup of another
 * board than the one last read is asked about first (answered by
 * _sf_window_set_confirmed()). FALSE, with a banner saying why, when it
 * cannot start. */
gboolean       _sf_window_restore_backup    (SfWindow   *self,
                                             GFile      *file);

G_END_DECLS
