/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-partitions-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sf-dialogs.h"
#include "sf-image.h"
#include "sf-partition-row.h"
#include "sf-partition-table.h"
#include "sf-partitions-window.h"
#include "sf-units.h"
#include "sf-window-private.h"

struct _SfPartitionsWindow
{
  GtkWindow         parent_instance;

  /* Template widgets */
  GtkSpinner       *spinner;
  GtkLabel         *source_label;
  GtkWidget        *cancel_button;
  GtkLabel         *message_label;
  GtkBox           *header_box;
  GtkListBox       *partition_list;
  GtkEntry         *offset_entry;

  /* Owned */
  SfWindow         *main_window;   /* weak */
  SfPartitionTable *table;
  int               boot;          /* index in table, or -1 */
  gboolean          from_board;    /* else from a file: nothing to back up or erase */
  SfChip            chip;
  char             *port;          /* where the table was read */
  char             *table_source;  /* what the source line says of the table shown */
  SfFlashJob       *job;           /* started here, until the main window is idle */
  SfPartition       job_partition; /* the partition it works on, if any */
  char             *job_name;      /* its name, printable */
  char             *job_target;    /* the file a backup goes to */
  gboolean          job_ended;     /* "finished" or "failed" was heard */
  GtkSizeGroup     *columns[SF_PARTITION_N_COLUMNS];
};

G_DEFINE_FINAL_TYPE (SfPartitionsWindow, sf_partitions_window, GTK_TYPE_WINDOW)

/* --- messages ---------------------------------------------------------------- */

static void
set_message (SfPartitionsWindow *self,
             const char         *text,
             gboolean            is_error)
{
  gtk_label_set_text (self->message_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text != NULL && *text != '\0');
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
  /* Screen readers hear what happened without hunting for it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->message_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text != NULL ? text : "",
                                  -1);
}

/* Where the table shown came from; the line goes when there is nothing
 * to say and nothing running. */
static void
set_source (SfPartitionsWindow *self,
            const char         *text)
{
  gtk_label_set_text (self->source_label, text != NULL ? text : "");
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->source_label)),
                          (text != NULL && *text != '\0') || self->job != NULL);
}

static gboolean
main_window_busy (SfPartitionsWindow *self)
{
  return self->main_window == NULL || _sf_window_get_busy (self->main_window);
}

static gboolean
have_port (SfPartitionsWindow *self)
{
  return self->main_window != NULL && _sf_window_get_port_path (self->main_window) != NULL;
}

/* The table shown was read from the board on the port chosen now. A
 * partition is backed up or erased by name on whichever board is there,
 * but the question before erasing quotes this table's sizes. */
static gboolean
shows_chosen_board (SfPartitionsWindow *self)
{
  return self->table != NULL && self->from_board && have_port (self) &&
         g_strcmp0 (self->port, _sf_window_get_port_path (self->main_window)) == 0;
}

static void
update_actions (SfPartitionsWindow *self)
{
  gboolean can_run = !main_window_busy (self) && have_port (self);
  gboolean board_table = can_run && shows_chosen_board (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "partitions.read", can_run);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "partitions.backup", board_table);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "partitions.erase", board_table);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "partitions.cancel", self->job != NULL);
  gtk_widget_set_visible (self->cancel_button, self->job != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->job != NULL);
  gtk_spinner_set_spinning (self->spinner, self->job != NULL);
}

/* --- the rows ---------------------------------------------------------------- */

static void
clear_rows (SfPartitionsWindow *self)
{
  GtkListBoxRow *row;

  /* By index: the placeholder is a child of the list too, and stays. */
  while ((row = gtk_list_box_get_row_at_index (self->partition_list, 0)) != NULL)
    gtk_list_box_remove (self->partition_list, GTK_WIDGET (row));
}

/* Replaces what is shown with @table (NULL: nothing). */
static void
show_table (SfPartitionsWindow *self,
            SfPartitionTable   *table,
            int                 boot,
            gboolean            from_board)
{
  g_clear_pointer (&self->table, sf_partition_table_unref);
  self->table = table != NULL ? sf_partition_table_ref (table) : NULL;
  self->boot = boot;
  self->from_board = from_board;

  clear_rows (self);
  for (guint i = 0; table != NULL && i < sf_partition_table_get_n_partitions (table); i++)
    gtk_list_box_append (self->partition_list,
                         sf_partition_row_new (sf_partition_table_get_partition (table, i), i,
                                               (int) i == boot, self->columns));
  update_actions (self);
}

/* --- operations through the main window -------------------------------------- */

static void
job_finished_cb (SfPartitionsWindow *self,
                 SfFlashJob         *job)
{
  g_autofree char *text = NULL;

  self->job_ended = TRUE;
  switch (sf_flash_job_get_kind (job))
    {
    case SF_JOB_PARTITION_TABLE:
      {
        const SfChipDetails *details = sf_flash_job_get_chip_details (job);
        SfPartitionTable *table = sf_flash_job_get_partition_table (job);

        self->chip = details != NULL ? details->chip : SF_CHIP_AUTO;
        g_free (self->port);
        self->port = g_strdup (sf_flash_job_get_port_path (job));
        show_table (self, table, sf_flash_job_get_boot_partition (job), table != NULL);
        /* Translators: where the table shown came from, "The ESP32 on /dev/ttyUSB0". */
        text = g_strdup_printf (_("The partition table of the %s on %s."),
                                sf_chip_get_name (self->chip), self->port);
        g_free (self->table_source);
        self->table_source = g_strdup (text);
        set_source (self, text);
        set_message (self, NULL, FALSE);
      }
      break;
    case SF_JOB_READ:
      text = g_strdup_printf (_("“%s” was saved to %s."), self->job_name, self->job_target);
      set_message (self, text, FALSE);
      break;
    case SF_JOB_ERASE_REGION:
      if (self->job_partition.type == SF_PARTITION_TYPE_DATA &&
          self->job_partition.subtype == SF_PARTITION_SUBTYPE_DATA_OTA)
        text = g_strdup_printf (_("“%s” was erased: the bootloader now starts the factory app, "
                                  "or the first app. Read from the board again to see it."),
                                self->job_name);
      else
        text = g_strdup_printf (_("“%s” was erased."), self->job_name);
      set_message (self, text, FALSE);
      break;
    case SF_JOB_CHIP_INFO:
    case SF_JOB_WRITE:
    case SF_JOB_VERIFY:
    case SF_JOB_ERASE_FLASH:
    case SF_JOB_ERASE_WIFI:
    default:
      break;
    }
}

static void
job_failed_cb (SfPartitionsWindow *self,
               const GError       *error,
               SfFlashJob         *job)
{
  g_autofree char *text = NULL;

  self->job_ended = TRUE;
  switch (sf_flash_job_get_kind (job))
    {
    case SF_JOB_PARTITION_TABLE:
      /* What was shown is not this board's table (any more). */
      show_table (self, NULL, -1, FALSE);
      g_clear_pointer (&self->table_source, g_free);
      set_source (self, NULL);
      if (g_error_matches (error, SF_PARTITION_TABLE_ERROR, SF_PARTITION_TABLE_ERROR_NOT_FOUND))
        {
          const SfChipDetails *details = sf_flash_job_get_chip_details (job);

          if (details != NULL && details->chip == SF_CHIP_ESP8266)
            text = g_strdup_printf (_("This board has no partition table at 0x%x: ESP8266 "
                                      "firmware (Arduino, NodeMCU, the non-OS SDK) usually has "
                                      "none. Erase Wi-Fi Settings in the main menu works "
                                      "without one."), SF_PARTITION_TABLE_DEFAULT_OFFSET);
          else
            text = g_strdup_printf (_("This board has no partition table at 0x%x: it runs "
                                      "ESP8266 firmware, or its flash is erased. Flash an "
                                      "ESP-IDF project’s partition table to use partitions, or "
                                      "open a table file to view one."),
                                    SF_PARTITION_TABLE_DEFAULT_OFFSET);
        }
      else
        text = g_strdup_printf (_("Could not read the partition table: %s"), error->message);
      break;
    case SF_JOB_READ:
      text = g_strdup_printf (_("Could not back up “%s”: %s"), self->job_name, error->message);
      break;
    case SF_JOB_ERASE_REGION:
      text = g_strdup_printf (_("Could not erase “%s”: %s"), self->job_name, error->message);
      break;
    case SF_JOB_CHIP_INFO:
    case SF_JOB_WRITE:
    case SF_JOB_VERIFY:
    case SF_JOB_ERASE_FLASH:
    case SF_JOB_ERASE_WIFI:
    default:
      text = g_strdup (error->message);
      break;
    }
  set_message (self, text, TRUE);
}

/* Hands @job to the main window, which runs one operation at a time. */
static gboolean
run_job (SfPartitionsWindow *self,
         SfFlashJob         *job,
         const SfPartition  *partition,
         const char         *target)
{
  if (!have_port (self))
    {
      set_message (self, _("No board is chosen: choose its port in the main window, then try "
                           "again."), TRUE);
      return FALSE;
    }
  if (!_sf_window_run_job (self->main_window, job, target))
    {
      set_message (self, _("Another operation is running in the main window: wait for it to "
                           "end, or cancel it there, then try again."), TRUE);
      return FALSE;
    }
  g_set_object (&self->job, job);
  if (partition != NULL)
    self->job_partition = *partition;
  else
    memset (&self->job_partition, 0, sizeof self->job_partition);
  g_free (self->job_name);
  self->job_name = partition != NULL ? sf_partition_get_display_name (partition) : NULL;
  g_free (self->job_target);
  self->job_target = g_strdup (target);
  self->job_ended = FALSE;
  g_signal_connect_object (job, "finished", G_CALLBACK (job_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "failed", G_CALLBACK (job_failed_cb), self, G_CONNECT_SWAPPED);
  set_message (self, NULL, FALSE);
  update_actions (self);
  return TRUE;
}

void
sf_partitions_window_sync (SfPartitionsWindow *self)
{
  g_return_if_fail (SF_IS_PARTITIONS_WINDOW (self));

  /* The main window is idle again, or runs another job: ours is over. A
   * job that said neither "finished" nor "failed" was cancelled there. */
  if (self->job != NULL &&
      (self->main_window == NULL || _sf_window_get_job (self->main_window) != self->job))
    {
      if (!self->job_ended)
        set_message (self, _("Cancelled."), FALSE);
      g_clear_object (&self->job);
      set_source (self, self->table_source);
    }
  if (self->table != NULL && self->from_board && self->job == NULL && !shows_chosen_board (self))
    {
      g_autofree char *text = g_strdup_printf (_("This is the table of the board on %s, which "
                                                 "is not the port chosen now: press Read from "
                                                 "Board to see the chosen board’s table."),
                                               self->port);

      set_message (self, text, FALSE);
    }
  update_actions (self);
}

/* Where the table is, as typed: on a 4 KiB boundary past the start. */
static gboolean
parse_offset (SfPartitionsWindow *self,
              guint32            *out_offset)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->offset_entry));

  return sf_parse_number (text, "address", out_offset, NULL) && *out_offset != 0 &&
         *out_offset % SF_FLASH_SECTOR_SIZE == 0;
}

/* A good address is remembered at once: Chip Info and the checks before
 * writing look for the table there too. */
static void
offset_changed_cb (SfPartitionsWindow *self)
{
  guint32 offset;

  if (!parse_offset (self, &offset))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->offset_entry), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->offset_entry), "error");
  if (self->main_window != NULL)
    g_settings_set_uint (self->main_window->settings, "partition-table-offset", offset);
}

void
sf_partitions_window_read_board (SfPartitionsWindow *self)
{
  g_autoptr(SfFlashJob) job = NULL;
  guint32 offset;

  g_return_if_fail (SF_IS_PARTITIONS_WINDOW (self));

  if (!parse_offset (self, &offset))
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is not where a partition table can be: "
                                                 "give an address on a 4 KiB boundary, such "
                                                 "as 0x8000."),
                                               gtk_editable_get_text (GTK_EDITABLE (self->offset_entry)));

      set_message (self, text, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->offset_entry));
      return;
    }

  if (!have_port (self))
    {
      set_message (self, _("No board is chosen: choose its port in the main window, then "
                           "press Read from Board. A table file can be viewed without one."),
                   FALSE);
      return;
    }
  if (main_window_busy (self))
    {
      set_message (self, _("Another operation is running in the main window: wait for it to "
                           "end, or cancel it there, then press Read from Board."), FALSE);
      return;
    }
  job = _sf_window_create_job (self->main_window, SF_JOB_PARTITION_TABLE);
  if (run_job (self, job, NULL, NULL))
    {
      g_autofree char *text = g_strdup_printf (_("Reading the partition table from %s…"),
                                               sf_flash_job_get_port_path (job));

      set_source (self, text);
    }
}

/* The main window's Cancel, from here: the job is its. */
static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SfPartitionsWindow *self = SF_PARTITIONS_WINDOW (widget);

  if (self->job != NULL && self->main_window != NULL &&
      _sf_window_get_job (self->main_window) == self->job)
    gtk_widget_activate_action (GTK_WIDGET (self->main_window), "win.cancel", NULL);
}

static void
read_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sf_partitions_window_read_board (SF_PARTITIONS_WINDOW (widget));
}

/* --- back up ----------------------------------------------------------------- */

/* A copy of the partition asked about: the table shown may be read
 * again while a dialog is open. */
typedef struct
{
  SfPartitionsWindow *self;
  SfPartition         partition;
} Request;

static Request *
request_new (SfPartitionsWindow *self,
             const SfPartition  *partition)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->partition = *partition;
  return request;
}

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_free (request);
}

/* The partition at the action's index, or NULL. */
static const SfPartition *
partition_at (SfPartitionsWindow *self,
              GVariant           *parameter)
{
  guint index = g_variant_get_uint32 (parameter);

  if (self->table == NULL || index >= sf_partition_table_get_n_partitions (self->table))
    return NULL;
  return sf_partition_table_get_partition (self->table, index);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
backup_file_chosen_cb (GFile    *file,
                       gpointer  user_data)
{
  g_autoptr(Request) request = user_data;
  SfPartitionsWindow *self = request->self;
  g_autoptr(SfFlashJob) job = NULL;
  g_autofree char *path = NULL;

  if (file == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)) || self->main_window == NULL)
    return;
  if ((path = g_file_get_path (file)) == NULL)
    {
      set_message (self, _("A backup can only be saved to a file on this computer: choose a "
                           "folder here."), TRUE);
      return;
    }
  job = _sf_window_create_job (self->main_window, SF_JOB_READ);
  sf_flash_job_set_partition (job, request->partition.name);
  sf_flash_job_set_output_path (job, path);
  run_job (self, job, &request->partition, path);
}

static void
backup_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SfPartitionsWindow *self = SF_PARTITIONS_WINDOW (widget);
  const SfPartition *partition = partition_at (self, parameter);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  if (partition == NULL)
    return;
  display = sf_partition_get_display_name (partition);
  /* A file name from the board's label: a separator in it would make a
   * path of it. */
  name = g_strdup_printf ("%s-%s-%s.bin", display,
                          self->chip != SF_CHIP_AUTO ? sf_chip_get_id_name (self->chip) : "board",
                          date);
  g_strdelimit (name, "/\\:", '_');
  /* Translators: the save dialog's title, "Back Up nvs". */
  title = g_strdup_printf (_("Back Up %s"), display);
  sf_dialogs_save_file (GTK_WINDOW (self), title, name, backup_file_chosen_cb,
                        request_new (self, partition));
}

/* --- erase ------------------------------------------------------------------- */

static void
erase_confirmed_cb (gboolean confirmed,
                    gpointer user_data)
{
  g_autoptr(Request) request = user_data;
  SfPartitionsWindow *self = request->self;
  g_autoptr(SfFlashJob) job = NULL;

  if (!confirmed || gtk_widget_in_destruction (GTK_WIDGET (self)) || self->main_window == NULL)
    return;
  job = _sf_window_create_job (self->main_window, SF_JOB_ERASE_REGION);
  sf_flash_job_set_partition (job, request->partition.name);
  run_job (self, job, &request->partition, NULL);
}

/* What is lost, in the words of what the partition is for. */
static const char *
erase_consequence (const SfPartition *partition)
{
  if (partition->type == SF_PARTITION_TYPE_APP)
    return _("It holds firmware: the board does not start this app again until it is "
             "flashed.");
  if (partition->type == SF_PARTITION_TYPE_DATA)
    switch (partition->subtype)
      {
      case SF_PARTITION_SUBTYPE_DATA_NVS:
        return _("It holds the firmware’s saved settings, Wi-Fi passwords among them: the "
                 "firmware starts as on its first boot.");
      case SF_PARTITION_SUBTYPE_DATA_OTA:
        return _("It says which app boots: the bootloader then starts the factory app, or "
                 "the first app.");
      case SF_PARTITION_SUBTYPE_DATA_PHY:
        return _("It holds the radio’s calibration data, which most firmware writes again "
                 "on the next start.");
      default:
        break;
      }
  return _("Whatever the firmware stored there is lost.");
}

static void
erase_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SfPartitionsWindow *self = SF_PARTITIONS_WINDOW (widget);
  const SfPartition *partition = partition_at (self, parameter);
  g_autofree char *display = NULL;
  g_autofree char *size = NULL;
  g_autofree char *heading = NULL;
  g_autoptr(GString) body = g_string_new (NULL);

  if (partition == NULL)
    return;
  display = sf_partition_get_display_name (partition);
  size = sf_format_size (partition->size);
  /* Translators: a question, with the partition's name. */
  heading = g_strdup_printf (_("Erase the Partition “%s”?"), display);
  /* Translators: "All 24 KiB of “nvs” (0x9000 to 0xf000) will be set blank." */
  g_string_append_printf (body, _("All %s of “%s” (0x%x to 0x%x) will be set blank."),
                          size, display, partition->offset, partition->offset + partition->size);
  g_string_append_c (body, ' ');
  g_string_append (body, erase_consequence (partition));
  if (partition->flags & SF_PARTITION_FLAG_READONLY)
    {
      g_string_append_c (body, ' ');
      g_string_append (body, _("The table marks it read-only: the firmware never writes it "
                               "again by itself."));
    }
  g_string_append_c (body, ' ');
  g_string_append (body, _("Back it up first to keep it. This cannot be undone."));
  sf_dialogs_confirm (GTK_WINDOW (self), heading, body->str, _("_Erase"), TRUE,
                      erase_confirmed_cb, request_new (self, partition));
}

/* --- table files ------------------------------------------------------------- */

void
sf_partitions_window_open_file (SfPartitionsWindow *self,
                                GFile              *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) slice = NULL;
  g_autoptr(SfPartitionTable) table = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  SfImageInfo info;
  GBytes *source;

  g_return_if_fail (SF_IS_PARTITIONS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  name = g_file_get_parse_name (file);
  /* A table is a few KiB; a merged image a few MiB at most. */
  data = g_file_load_bytes (file, NULL, NULL, &error);
  if (data == NULL)
    {
      text = g_strdup_printf (_("Could not open %s: %s"), name, error->message);
      set_message (self, text, TRUE);
      return;
    }

  /* A merged image holds the table where the board would: at 0x8000. */
  source = data;
  if (sf_image_parse (data, &info, NULL) && info.kind == SF_IMAGE_KIND_MERGED &&
      g_bytes_get_size (data) > SF_PARTITION_TABLE_DEFAULT_OFFSET)
    {
      gsize length = MIN (g_bytes_get_size (data) - SF_PARTITION_TABLE_DEFAULT_OFFSET,
                          SF_PARTITION_TABLE_MAX_LENGTH);

      slice = g_bytes_new_from_bytes (data, SF_PARTITION_TABLE_DEFAULT_OFFSET, length);
      source = slice;
    }

  table = sf_partition_table_parse (source, SF_PARTITION_TABLE_DEFAULT_OFFSET, &error);
  if (table == NULL)
    {
      text = g_strdup_printf (_("%s holds no partition table that can be read: %s. Open a "
                                "partitions.csv, a partition-table.bin or a merged image."),
                              name, error->message);
      set_message (self, text, TRUE);
      return;
    }

  show_table (self, table, -1, FALSE);
  /* Translators: where the table shown came from, a file's name. */
  text = g_strdup_printf (_("The partition table in %s. Read from the board to back up or "
                            "erase partitions."), name);
  g_free (self->table_source);
  self->table_source = g_strdup (text);
  set_source (self, text);
  set_message (self, NULL, FALSE);
}

static void
table_file_chosen_cb (GListModel *files,
                      gpointer    user_data)
{
  g_autoptr(SfPartitionsWindow) self = user_data;
  g_autoptr(GFile) file = NULL;

  if (files == NULL || g_list_model_get_n_items (files) == 0 ||
      gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  file = g_list_model_get_item (files, 0);
  sf_partitions_window_open_file (self, file);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sf_dialogs_open_table (GTK_WINDOW (widget), _("Open a Partition Table"),
                         table_file_chosen_cb, g_object_ref (widget));
}

/* --- the window -------------------------------------------------------------- */

static void
sf_partitions_window_dispose (GObject *object)
{
  SfPartitionsWindow *self = SF_PARTITIONS_WINDOW (object);

  /* No gtk_widget_dispose_template() here: GtkWindow takes its child
   * down itself, and tearing the template down twice is a known trouble
   * spot with GTK 4.8's windows. */
  g_clear_weak_pointer (&self->main_window);
  G_OBJECT_CLASS (sf_partitions_window_parent_class)->dispose (object);
}

static void
sf_partitions_window_finalize (GObject *object)
{
  SfPartitionsWindow *self = SF_PARTITIONS_WINDOW (object);

  g_clear_pointer (&self->table, sf_partition_table_unref);
  g_clear_object (&self->job);
  g_free (self->port);
  g_free (self->table_source);
  g_free (self->job_name);
  g_free (self->job_target);
  for (guint i = 0; i < SF_PARTITION_N_COLUMNS; i++)
    g_clear_object (&self->columns[i]);
  G_OBJECT_CLASS (sf_partitions_window_parent_class)->finalize (object);
}

static void
sf_partitions_window_class_init (SfPartitionsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_partitions_window_dispose;
  object_class->finalize = sf_partitions_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-partitions-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, source_label);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, header_box);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, partition_list);
  gtk_widget_class_bind_template_child (widget_class, SfPartitionsWindow, offset_entry);
  gtk_widget_class_bind_template_callback (widget_class, offset_changed_cb);

  gtk_widget_class_install_action (widget_class, "partitions.read", NULL, read_action);
  gtk_widget_class_install_action (widget_class, "partitions.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "partitions.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "partitions.backup", "u", backup_action);
  gtk_widget_class_install_action (widget_class, "partitions.erase", "u", erase_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "partitions.read", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "partitions.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "partitions.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
sf_partitions_window_init (SfPartitionsWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->boot = -1;

  for (guint i = 0; i < SF_PARTITION_N_COLUMNS; i++)
    self->columns[i] = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  for (guint i = 0; i < SF_PARTITION_N_COLUMNS; i++)
    gtk_box_append (self->header_box, sf_partition_row_new_heading (i, self->columns));
  /* The name column has room for a long label and the Boots mark. */
  gtk_widget_set_size_request (gtk_widget_get_first_child (GTK_WIDGET (self->header_box)), 150, -1);

  placeholder = gtk_label_new (_("No partition table shown. Read one from the board, or open "
                                 "a table file."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (self->partition_list, placeholder);
  set_source (self, NULL);
}

SfPartitionsWindow *
sf_partitions_window_new (SfWindow *parent)
{
  SfPartitionsWindow *self;

  g_return_val_if_fail (SF_IS_WINDOW (parent), NULL);

  self = g_object_new (SF_TYPE_PARTITIONS_WINDOW,
                       "transient-for", parent,
                       "application", gtk_window_get_application (GTK_WINDOW (parent)),
                       NULL);
  g_set_weak_pointer (&self->main_window, parent);
  {
    g_autofree char *offset = g_strdup_printf ("0x%x", g_settings_get_uint (parent->settings,
                                                                            "partition-table-offset"));

    gtk_editable_set_text (GTK_EDITABLE (self->offset_entry), offset);
  }
  update_actions (self);
  return self;
}

/* --- test hooks -------------------------------------------------------------- */

guint
_sf_partitions_window_get_n_rows (SfPartitionsWindow *self)
{
  guint n = 0;

  g_return_val_if_fail (SF_IS_PARTITIONS_WINDOW (self), 0);

  while (gtk_list_box_get_row_at_index (self->partition_list, (int) n) != NULL)
    n++;
  return n;
}

char *
_sf_partitions_window_dup_row_text (SfPartitionsWindow *self,
                                    guint               index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (SF_IS_PARTITIONS_WINDOW (self), NULL);

  row = gtk_list_box_get_row_at_index (self->partition_list, (int) index);
  return row != NULL ? sf_partition_row_dup_text (SF_PARTITION_ROW (row)) : NULL;
}

const char *
_sf_partitions_window_get_message (SfPartitionsWindow *self)
{
  g_return_val_if_fail (SF_IS_PARTITIONS_WINDOW (self), NULL);
  return gtk_label_get_text (self->message_label);
}

gboolean
_sf_partitions_window_get_busy (SfPartitionsWindow *self)
{
  g_return_val_if_fail (SF_IS_PARTITIONS_WINDOW (self), FALSE);
  return self->job != NULL;
}

void
_sf_partitions_window_set_save_target (SfPartitionsWindow *self,
                                       const char         *path)
{
  _sf_dialogs_answer_save (GTK_WINDOW (self), path);
}

void
_sf_partitions_window_set_confirmed (SfPartitionsWindow *self,
                                     gboolean            confirmed)
{
  _sf_dialogs_answer_confirm (GTK_WINDOW (self), confirmed);
}
