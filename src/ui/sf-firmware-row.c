/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-firmware-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-firmware-file.h"
#include "sf-file-places.h"
#include "sf-firmware-row.h"
#include "sf-units.h"

struct _SfFirmwareRow
{
  GtkListBoxRow        parent_instance;

  /* Template widgets */
  GtkSwitch           *enabled_switch;
  GtkButton           *file_button;
  GtkLabel            *file_label;
  GtkLabel            *description_label;
  GtkLabel            *note_label;
  GtkEntry            *address_entry;
  GtkMenuButton       *places_button;
  GtkLabel            *address_value_label;
  GtkLabel            *message_label;
  GtkButton           *remove_button;

  /* Owned */
  GFile               *file;
  GBytes              *data;          /* the file's contents when last read */
  char                *load_error;
  gboolean             file_missing;
  char                *own_problem;
  char                *problem;

  SfImageInfo          info;
  gboolean             have_info;
  /* Where the file's name says it goes, which is put before what its
   * content suggests: "0x300000-1MB.img" is a file system image there. */
  guint32              hint_value;
  gboolean             hint_from_end;
  const char          *hint_reason;     /* static, translated; NULL: no hint */
  guint32              flash_size;      /* 0 until a board told it */
  guint32              table_offset;    /* where the board's table is; 0: 0x8000 */
  SfPartitionTable    *table;           /* the board's, once read; NULL: none known */
  int                  boot_index;      /* the app in it that starts; -1: not known */
  /* Why the address is where it is, when the board's table or flash
   * layout decided (static, translated); NULL otherwise. */
  const char          *place_reason;
  char                *address_placeholder;  /* the template's, translated */
  char                *address_tooltip;
  SfChip               chip;
  SfFirmwareRowStatus  problem_status;
  gboolean             own_problem_is_address;
  gboolean             address_touched;
  gboolean             setting_address;
};

enum
{
  SIGNAL_CHANGED,
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SfFirmwareRow, sf_firmware_row, GTK_TYPE_LIST_BOX_ROW)

static void
emit_changed (SfFirmwareRow *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
update_message (SfFirmwareRow *self)
{
  SfFirmwareRowStatus status = sf_firmware_row_get_status (self);
  const char *message = sf_firmware_row_get_message (self);
  GtkWidget *entry = GTK_WIDGET (self->address_entry);

  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "dim-label");
  gtk_widget_remove_css_class (entry, "error");
  gtk_widget_remove_css_class (entry, "warning");

  switch (status)
    {
    case SF_FIRMWARE_ROW_ERROR:
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
      /* The entry turns red only for problems with the address itself; a
       * missing file is not the address's fault. */
      if (self->own_problem == NULL || self->own_problem_is_address)
        gtk_widget_add_css_class (entry, "error");
      break;
    case SF_FIRMWARE_ROW_WARNING:
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "warning");
      gtk_widget_add_css_class (entry, "warning");
      break;
    case SF_FIRMWARE_ROW_OK:
    default:
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "dim-label");
      break;
    }

  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->address_entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->address_entry),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  if (status == SF_FIRMWARE_ROW_ERROR)
    gtk_accessible_update_state (GTK_ACCESSIBLE (self->address_entry),
                                 GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
  else
    gtk_accessible_reset_state (GTK_ACCESSIBLE (self->address_entry),
                                GTK_ACCESSIBLE_STATE_INVALID);
}

/* Checks what the row can check alone. */
static void
update_own_problem (SfFirmwareRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->address_entry));
  g_autoptr(GError) error = NULL;
  guint32 address;

  g_clear_pointer (&self->own_problem, g_free);
  self->own_problem_is_address = FALSE;
  gtk_label_set_text (self->address_value_label, "");

  if (self->file == NULL)
    self->own_problem = g_strdup (_("Choose a file to write"));
  else if (self->load_error != NULL)
    self->own_problem = g_strdup (self->load_error);
  else if (*text == '\0' && self->hint_reason != NULL && self->hint_from_end)
    {
      g_autofree char *back = sf_format_size (self->hint_value);

      /* Translators: "Goes 16 KiB before the end of the flash, …". */
      self->own_problem = g_strdup_printf (_("Goes %s before the end of the flash, whose size "
                                             "is not known yet: read the board (Chip Info), "
                                             "or type the address"), back);
    }
  else if (*text == '\0' && self->chip != SF_CHIP_AUTO && self->chip != SF_CHIP_ESP8266)
    /* Data the name and content say nothing of: on the ESP32 family the
     * start of the flash is the bootloader's, so nothing was filled in. */
    self->own_problem = g_strdup (_("Nothing says where this file goes: choose a place from "
                                    "the menu beside the address, or type the address"));
  else if (*text == '\0')
    self->own_problem = g_strdup (_("Enter the flash address"));
  else if (!sf_parse_number (text, _("address"), &address, &error))
    self->own_problem = g_strdup (error->message);

  if (self->own_problem != NULL)
    self->own_problem_is_address = self->file != NULL && self->load_error == NULL;
  else
    {
      g_autofree char *value = address == 0 ? g_strdup (_("start")) : sf_format_size (address);

      gtk_label_set_text (self->address_value_label, value);
    }
  update_message (self);
}

/* A suggested address. The row says it changed only once the entry holds
 * the whole new text: GtkText replaces text by deleting, then inserting,
 * and a window that reacted to the half-way state would hand the row a
 * new board and have it suggest again in the middle of the first. */
static void
set_address_internal (SfFirmwareRow *self,
                      const char    *text)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->address_entry)), text) == 0)
    return;
  self->setting_address = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->address_entry), text);
  self->setting_address = FALSE;
  update_own_problem (self);
  emit_changed (self);
}

/* What the file's name says about its address, for the current chip. */
static void
update_hint (SfFirmwareRow *self)
{
  self->hint_reason = NULL;
  if (self->file == NULL)
    return;
  {
    g_autofree char *name = g_file_get_basename (self->file);
    SfAddressHint hint;

    if (!sf_file_places_name_hint (name, self->have_info ? &self->info : NULL, self->chip, &hint))
      return;
    self->hint_value = hint.value;
    self->hint_from_end = hint.from_end;
    self->hint_reason = hint.reason;
  }
}

/* What the row knows of the board, for sf-file-places.h. */
static SfBoardLayout
board_layout (SfFirmwareRow *self)
{
  return (SfBoardLayout) { self->chip, self->flash_size, self->table_offset, self->table,
                           self->boot_index };
}

/* Fills in where the file goes, unless an address was typed: its name,
 * its content and what the board has told (sf-file-places.h). */
static void
suggest_address (SfFirmwareRow *self)
{
  SfBoardLayout board = board_layout (self);
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  SfFilePlaceSuggestion place;

  self->place_reason = NULL;
  if (self->file == NULL ||
      (self->address_touched && *gtk_editable_get_text (GTK_EDITABLE (self->address_entry)) != '\0'))
    return;

  name = g_file_get_basename (self->file);
  if (sf_file_places_suggest (name, self->have_info ? &self->info : NULL, &board, &place))
    {
      text = g_strdup_printf ("0x%x", place.address);
      if (place.source == SF_FILE_PLACE_FROM_BOARD)
        self->place_reason = place.reason;
    }
  /* Nothing says where (data of unknown content on an ESP32, whose
   * bootloader is at the start): the entry asks, the menu offers. */
  set_address_internal (self, text != NULL ? text : "");
}

static void
update_hint_display (SfFirmwareRow *self)
{
  g_autofree char *back = NULL;
  g_autofree char *placeholder = NULL;
  g_autofree char *tooltip = NULL;

  if (self->hint_reason != NULL && self->hint_from_end)
    {
      back = sf_format_size (self->hint_value);
      /* Translators: in the address entry until the flash size is known,
       * "end − 16 KiB". */
      placeholder = g_strdup_printf (C_("address", "end − %s"), back);
    }
  gtk_entry_set_placeholder_text (self->address_entry,
                                  placeholder != NULL ? placeholder : self->address_placeholder);
  if (self->place_reason != NULL)
    /* Translators: a tooltip; %s says where on the board, "the app
     * partition the board starts". */
    tooltip = g_strdup_printf (_("Address from the board: %s"), self->place_reason);
  else if (self->hint_reason != NULL)
    /* Translators: a tooltip; %s says what the name was taken for,
     * "NodeMCU file system image". */
    tooltip = g_strdup_printf (_("Address from the file name: %s"), self->hint_reason);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->address_entry),
                               tooltip != NULL ? tooltip : self->address_tooltip);
}

static void
update_description (SfFirmwareRow *self)
{
  g_autofree char *size = NULL;
  g_autofree char *what = NULL;
  g_autofree char *text = NULL;

  if (self->data == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->description_label), FALSE);
      return;
    }

  size = sf_format_size (g_bytes_get_size (self->data));
  if (self->have_info)
    what = sf_image_describe (&self->info);
  else
    what = g_strdup (_("damaged image header"));
  if (self->place_reason != NULL)
    /* Translators: "1.2 MiB · ESP32 app, DIO, 4MB, 40m · goes to the app
     * partition the board starts". */
    text = g_strdup_printf (_("%s · %s · goes to %s"), size, what, self->place_reason);
  else if (self->hint_reason != NULL)
    /* Translators: "1 MiB · raw data · by its name: NodeMCU file system image". */
    text = g_strdup_printf (_("%s · %s · by its name: %s"), size, what, self->hint_reason);
  else
    /* Translators: "1.2 MiB · ESP32 app, DIO, 4MB, 40m". */
    text = g_strdup_printf (_("%s · %s"), size, what);
  gtk_label_set_text (self->description_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), TRUE);
}

/* Reads the whole file: what is flashed is this snapshot, never a file
 * that a build is rewriting at the time. A FIFO or a device is refused at
 * once (sf_firmware_file_load() never waits on one). */
static void
load_file (SfFirmwareRow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->load_error, g_free);
  self->file_missing = FALSE;
  self->have_info = FALSE;

  if (self->file == NULL)
    return;

  path = g_file_get_path (self->file);
  if (path == NULL)
    {
      self->load_error = g_strdup (_("Only local files can be written"));
      return;
    }

  self->data = sf_firmware_file_load (path, NULL, &error);
  if (self->data == NULL)
    {
      self->file_missing = g_error_matches (error, SF_FIRMWARE_FILE_ERROR,
                                            SF_FIRMWARE_FILE_ERROR_NOT_FOUND);
      if (self->file_missing)
        self->load_error = g_strdup (_("File not found"));
      else if (g_error_matches (error, SF_FIRMWARE_FILE_ERROR, SF_FIRMWARE_FILE_ERROR_EMPTY))
        self->load_error = g_strdup (_("The file is empty"));
      else
        self->load_error = g_strdup (error->message);
      return;
    }

  if (sf_image_parse (self->data, &self->info, &error))
    self->have_info = TRUE;
  else
    g_debug ("%s: %s", path, error->message);
}

/* The places the menu beside the address offers on this board. */
static void
update_places_menu (SfFirmwareRow *self)
{
  SfBoardLayout board = board_layout (self);
  g_autoptr(GPtrArray) places = sf_file_places_list (&board);
  g_autoptr(GMenu) menu = g_menu_new ();

  for (guint i = 0; i < places->len; i++)
    {
      const SfFilePlace *place = g_ptr_array_index (places, i);
      g_autofree char *address = g_strdup_printf ("0x%x", place->address);
      /* Translators: a place in the flash: "0x10000 · app0 (app, ota_0)". */
      g_autofree char *label = g_strdup_printf (_("%s · %s"), address, place->label);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "row.place", g_variant_new_uint32 (place->address));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->places_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->places_button),
                            places->len > 0 && gtk_switch_get_active (self->enabled_switch));
}

/* Everything that follows from the file and the board: the address (unless
 * typed), and what the row says about it. */
static void
update_place (SfFirmwareRow *self)
{
  update_hint (self);
  suggest_address (self);
  update_hint_display (self);
  update_description (self);
  update_own_problem (self);
}

static void
update_file (SfFirmwareRow *self)
{
  g_autofree char *name = sf_firmware_row_dup_display_name (self);
  g_autofree char *path = NULL;

  load_file (self);
  gtk_label_set_text (self->file_label, name);
  if (self->file != NULL)
    {
      path = g_file_get_path (self->file);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->file_button), path);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->file_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("Firmware file; activate to choose another"), -1);
      g_autofree char *write = g_strdup_printf (_("Write %s"), name);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, write, -1);
    }
  update_place (self);
}

static void
file_chosen_cb (GListModel *files,
                gpointer    user_data)
{
  g_autoptr(SfFirmwareRow) self = user_data;
  g_autoptr(GFile) file = NULL;

  if (files == NULL || g_list_model_get_n_items (files) == 0)
    return;
  file = g_list_model_get_item (files, 0);
  sf_firmware_row_set_file (self, file);
}

static void
file_button_clicked_cb (SfFirmwareRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  sf_dialogs_open_files (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                         _("Choose Firmware"), FALSE, file_chosen_cb, g_object_ref (self));
}

static void
address_changed_cb (SfFirmwareRow *self)
{
  if (self->setting_address)
    return;
  self->address_touched = TRUE;
  update_own_problem (self);
  emit_changed (self);
}

static void
enabled_changed_cb (SfFirmwareRow *self)
{
  gboolean enabled = gtk_switch_get_active (self->enabled_switch);

  gtk_widget_set_sensitive (GTK_WIDGET (self->file_button), enabled);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_entry), enabled);
  update_places_menu (self);
  emit_changed (self);
}

/* row.place: an address from the menu, as good as typed. */
static void
place_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SfFirmwareRow *self = SF_FIRMWARE_ROW (widget);
  g_autofree char *text = g_strdup_printf ("0x%x", g_variant_get_uint32 (parameter));

  sf_firmware_row_set_address_text (self, text);
  update_place (self);
}

static void
remove_clicked_cb (SfFirmwareRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
sf_firmware_row_dispose (GObject *object)
{
  SfFirmwareRow *self = SF_FIRMWARE_ROW (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->table, sf_partition_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_FIRMWARE_ROW);

  G_OBJECT_CLASS (sf_firmware_row_parent_class)->dispose (object);
}

static void
sf_firmware_row_finalize (GObject *object)
{
  SfFirmwareRow *self = SF_FIRMWARE_ROW (object);

  g_free (self->load_error);
  g_free (self->own_problem);
  g_free (self->problem);
  g_free (self->address_placeholder);
  g_free (self->address_tooltip);

  G_OBJECT_CLASS (sf_firmware_row_parent_class)->finalize (object);
}

static void
sf_firmware_row_class_init (SfFirmwareRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_firmware_row_dispose;
  object_class->finalize = sf_firmware_row_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-firmware-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, file_button);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, file_label);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, description_label);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, note_label);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, address_entry);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, places_button);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, address_value_label);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, message_label);
  gtk_widget_class_bind_template_child (widget_class, SfFirmwareRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, file_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, enabled_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);

  gtk_widget_class_install_action (widget_class, "row.place", "u", place_action);
}

static void
sf_firmware_row_init (SfFirmwareRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->address_placeholder = g_strdup (gtk_entry_get_placeholder_text (self->address_entry));
  self->address_tooltip = g_strdup (gtk_widget_get_tooltip_text (GTK_WIDGET (self->address_entry)));
  self->boot_index = -1;
  update_file (self);
  update_places_menu (self);
}

GtkWidget *
sf_firmware_row_new (void)
{
  return g_object_new (SF_TYPE_FIRMWARE_ROW, NULL);
}

void
sf_firmware_row_set_file (SfFirmwareRow *self,
                          GFile         *file)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  g_set_object (&self->file, file);
  update_file (self);
  emit_changed (self);
}

GFile *
sf_firmware_row_get_file (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->file;
}

SfFirmwareRowReload
sf_firmware_row_reload (SfFirmwareRow *self)
{
  g_autoptr(GBytes) before = NULL;
  SfFirmwareRowReload result = SF_FIRMWARE_ROW_UNCHANGED;

  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), SF_FIRMWARE_ROW_UNCHANGED);

  before = self->data != NULL ? g_bytes_ref (self->data) : NULL;
  load_file (self);

  if (before != NULL && self->data == NULL)
    {
      result = SF_FIRMWARE_ROW_GONE;
      /* It was there when it was added: say so, rather than a bare
       * "not found" that reads like a typing mistake. */
      if (self->file_missing)
        {
          g_free (self->load_error);
          self->load_error = g_strdup (_("Moved or deleted since it was added. Choose it again, "
                                         "or remove this row."));
        }
    }
  else if (before != NULL && !g_bytes_equal (before, self->data))
    {
      /* Only the bytes count: a rebuild that wrote the same image again
       * is no news. */
      result = SF_FIRMWARE_ROW_CHANGED;
    }

  update_hint (self);
  update_description (self);
  update_own_problem (self);
  return result;
}

GBytes *
sf_firmware_row_get_data (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->data;
}

const SfImageInfo *
sf_firmware_row_get_image_info (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->have_info ? &self->info : NULL;
}

const char *
sf_firmware_row_get_address_text (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->address_entry));
}

void
sf_firmware_row_set_address_text (SfFirmwareRow *self,
                                  const char    *text)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->address_entry), text != NULL ? text : "");
  self->address_touched = TRUE;
}

gboolean
sf_firmware_row_get_address (SfFirmwareRow *self,
                             guint32       *out_address)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), FALSE);

  return sf_parse_number (gtk_editable_get_text (GTK_EDITABLE (self->address_entry)),
                          "address", out_address, NULL);
}

gboolean
sf_firmware_row_get_enabled (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), FALSE);

  return gtk_switch_get_active (self->enabled_switch);
}

void
sf_firmware_row_set_enabled (SfFirmwareRow *self,
                             gboolean       enabled)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  gtk_switch_set_active (self->enabled_switch, enabled);
}

void
sf_firmware_row_set_chip (SfFirmwareRow *self,
                          SfChip         chip)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  if (self->chip == chip)
    return;
  self->chip = chip;
  /* "bootloader.bin" and "firmware.bin" go where this chip wants them. */
  update_place (self);
  update_places_menu (self);
}

void
sf_firmware_row_set_flash_size (SfFirmwareRow *self,
                                guint32        flash_size)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  if (self->flash_size == flash_size)
    return;
  self->flash_size = flash_size;
  /* The RF init data and the Arduino layouts depend on it. */
  update_place (self);
  update_places_menu (self);
}

void
sf_firmware_row_set_partition_table (SfFirmwareRow    *self,
                                     SfPartitionTable *table,
                                     int               boot_index)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  if (self->table == table && self->boot_index == boot_index)
    return;
  g_clear_pointer (&self->table, sf_partition_table_unref);
  self->table = table != NULL ? sf_partition_table_ref (table) : NULL;
  self->boot_index = table != NULL ? boot_index : -1;
  update_place (self);
  update_places_menu (self);
}

void
sf_firmware_row_set_partition_table_offset (SfFirmwareRow *self,
                                            guint32        offset)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  if (self->table_offset == offset)
    return;
  self->table_offset = offset;
  update_place (self);
  update_places_menu (self);
}

const char *
sf_firmware_row_get_place_reason (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->place_reason;
}

const char *
sf_firmware_row_get_hint_reason (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->hint_reason;
}

const char *
sf_firmware_row_get_own_problem (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->own_problem;
}

void
sf_firmware_row_set_problem (SfFirmwareRow       *self,
                             SfFirmwareRowStatus  status,
                             const char          *message)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  if (status == SF_FIRMWARE_ROW_OK)
    message = NULL;
  if (self->problem_status == status && g_strcmp0 (self->problem, message) == 0)
    return;
  self->problem_status = status;
  g_free (self->problem);
  self->problem = g_strdup (message);
  update_message (self);
}

SfFirmwareRowStatus
sf_firmware_row_get_status (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), SF_FIRMWARE_ROW_OK);

  /* A row without a file yet is unfinished, not wrong. */
  if (self->own_problem != NULL)
    return self->file == NULL ? SF_FIRMWARE_ROW_OK : SF_FIRMWARE_ROW_ERROR;
  return self->problem_status;
}

const char *
sf_firmware_row_get_message (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  return self->own_problem != NULL ? self->own_problem : self->problem;
}

void
sf_firmware_row_set_note (SfFirmwareRow *self,
                          const char    *note)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  gtk_label_set_text (self->note_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note != NULL);
}

char *
sf_firmware_row_dup_display_name (SfFirmwareRow *self)
{
  g_return_val_if_fail (SF_IS_FIRMWARE_ROW (self), NULL);

  if (self->file == NULL)
    return g_strdup (_("Choose File…"));
  return g_file_get_basename (self->file);
}

void
sf_firmware_row_focus_address (SfFirmwareRow *self)
{
  g_return_if_fail (SF_IS_FIRMWARE_ROW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->address_entry));
}
