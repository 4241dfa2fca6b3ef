/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-partitions-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-partition-row.h"
#include "sf-units.h"

struct _SfPartitionRow
{
  GtkListBoxRow  parent_instance;

  GtkWidget     *cells[SF_PARTITION_N_COLUMNS];
  GtkWidget     *boot_mark;
};

G_DEFINE_FINAL_TYPE (SfPartitionRow, sf_partition_row, GTK_TYPE_LIST_BOX_ROW)

static char *
format_flags (guint32 flags)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  if (flags & SF_PARTITION_FLAG_ENCRYPTED)
    g_ptr_array_add (names, (gpointer) C_("partition flag", "encrypted"));
  if (flags & SF_PARTITION_FLAG_READONLY)
    g_ptr_array_add (names, (gpointer) C_("partition flag", "read-only"));
  if (names->len == 0)
    return g_strdup ("—");
  g_ptr_array_add (names, NULL);
  /* Translators: between a partition's flags, "encrypted, read-only". */
  return g_strjoinv (_(", "), (char **) names->pdata);
}

static char *
format_size (guint32 size)
{
  g_autofree char *human = sf_format_size (size);

  /* Translators: a partition's size, then in hex: "24 KiB (0x6000)". */
  return g_strdup_printf (_("%s (0x%x)"), human, size);
}

static GtkWidget *
cell_new (SfPartitionColumn   column,
          const char         *text,
          GtkSizeGroup      **columns)
{
  GtkWidget *label = gtk_label_new (text);

  /* Never ellipsized: a shortened number misleads, and the headings,
   * which have no buttons beside them, would no longer line up. */
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_size_group_add_widget (columns[column], label);
  if (column == SF_PARTITION_COLUMN_OFFSET || column == SF_PARTITION_COLUMN_SIZE)
    gtk_widget_add_css_class (label, "numeric");
  return label;
}

GtkWidget *
sf_partition_row_new_heading (SfPartitionColumn   column,
                              GtkSizeGroup      **columns)
{
  const char *headings[SF_PARTITION_N_COLUMNS] = {
    C_("partition column", "Name"),
    C_("partition column", "Type"),
    C_("partition column", "Subtype"),
    C_("partition column", "Offset"),
    C_("partition column", "Size"),
    C_("partition column", "Flags"),
  };
  GtkWidget *label;

  g_return_val_if_fail (column < SF_PARTITION_N_COLUMNS, NULL);

  label = cell_new (column, headings[column], columns);
  gtk_widget_add_css_class (label, "caption-heading");
  return label;
}

/* @index: the partition's, in its table. Not its name: a label is 16
 * bytes from the board, not necessarily UTF-8 as a GVariant string must
 * be. */
static GtkWidget *
button_new (const char *label,
            const char *action,
            guint       index,
            const char *accessible,
            const char *tooltip)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return button;
}

static void
sf_partition_row_class_init (SfPartitionRowClass *klass)
{
}

static void
sf_partition_row_init (SfPartitionRow *self)
{
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
}

GtkWidget *
sf_partition_row_new (const SfPartition  *partition,
                      guint               index,
                      gboolean            boots,
                      GtkSizeGroup      **columns)
{
  SfPartitionRow *self;
  g_autofree char *name = NULL;
  g_autofree char *type = NULL;
  g_autofree char *subtype = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *size = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *backup_label = NULL, *backup_tip = NULL;
  g_autofree char *erase_label = NULL, *erase_tip = NULL;
  GtkWidget *box, *name_box, *spacer;

  g_return_val_if_fail (partition != NULL, NULL);
  g_return_val_if_fail (columns != NULL, NULL);

  self = g_object_new (SF_TYPE_PARTITION_ROW, NULL);
  name = sf_partition_get_display_name (partition);
  type = sf_partition_type_name (partition->type);
  subtype = sf_partition_subtype_name (partition->type, partition->subtype);
  offset = g_strdup_printf ("0x%x", partition->offset);
  size = format_size (partition->size);
  flags = format_flags (partition->flags);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  /* A label has at most 16 characters: it is shown whole, with the mark
   * beside it. */
  name_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->cells[SF_PARTITION_COLUMN_NAME] = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (self->cells[SF_PARTITION_COLUMN_NAME]), 0);
  gtk_widget_add_css_class (self->cells[SF_PARTITION_COLUMN_NAME], "heading");
  gtk_box_append (GTK_BOX (name_box), self->cells[SF_PARTITION_COLUMN_NAME]);
  self->boot_mark = gtk_label_new (C_("partition", "Boots"));
  gtk_widget_add_css_class (self->boot_mark, "boot-mark");
  gtk_widget_set_valign (self->boot_mark, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->boot_mark,
                               _("The bootloader starts this app: otadata says so, or "
                                 "without otadata it is the factory app"));
  gtk_widget_set_visible (self->boot_mark, boots);
  gtk_box_append (GTK_BOX (name_box), self->boot_mark);
  gtk_size_group_add_widget (columns[SF_PARTITION_COLUMN_NAME], name_box);
  gtk_box_append (GTK_BOX (box), name_box);

  self->cells[SF_PARTITION_COLUMN_TYPE] = cell_new (SF_PARTITION_COLUMN_TYPE, type, columns);
  self->cells[SF_PARTITION_COLUMN_SUBTYPE] = cell_new (SF_PARTITION_COLUMN_SUBTYPE, subtype, columns);
  self->cells[SF_PARTITION_COLUMN_OFFSET] = cell_new (SF_PARTITION_COLUMN_OFFSET, offset, columns);
  self->cells[SF_PARTITION_COLUMN_SIZE] = cell_new (SF_PARTITION_COLUMN_SIZE, size, columns);
  self->cells[SF_PARTITION_COLUMN_FLAGS] = cell_new (SF_PARTITION_COLUMN_FLAGS, flags, columns);
  gtk_widget_add_css_class (self->cells[SF_PARTITION_COLUMN_FLAGS], "dim-label");
  for (guint i = SF_PARTITION_COLUMN_TYPE; i < SF_PARTITION_N_COLUMNS; i++)
    gtk_box_append (GTK_BOX (box), self->cells[i]);

  spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (GTK_BOX (box), spacer);

  /* Translators: the accessible name of a row's button, "Back up nvs". */
  backup_label = g_strdup_printf (_("Back up %s"), name);
  /* With flash encryption on, the loader reads what is stored, not what
   * the firmware sees. */
  backup_tip = partition->flags & SF_PARTITION_FLAG_ENCRYPTED
               ? g_strdup_printf (_("Save the contents of “%s” to a file, as stored: encrypted, "
                                    "they only make sense written back to this board"), name)
               : g_strdup_printf (_("Save the contents of “%s” to a file"), name);
  gtk_box_append (GTK_BOX (box), button_new (_("Back Up…"), "partitions.backup", index,
                                             backup_label, backup_tip));
  /* Translators: the accessible name of a row's button, "Erase nvs". */
  erase_label = g_strdup_printf (_("Erase %s"), name);
  erase_tip = g_strdup_printf (_("Set “%s” blank on the board, after asking"), name);
  gtk_box_append (GTK_BOX (box), button_new (_("Erase…"), "partitions.erase", index,
                                             erase_label, erase_tip));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);

  /* What a screen reader says on the row: the columns in words. */
  /* Translators: a partition row for screen readers, "nvs, data nvs, at 0x9000, 24 KiB (0x6000), flags —". */
  summary = g_strdup_printf (_("%s, %s %s, at %s, %s, flags %s"), name, type, subtype, offset, size, flags);
  if (boots)
    {
      g_autofree char *plain = g_steal_pointer (&summary);

      /* Translators: the row summary above, then that this app boots. */
      summary = g_strdup_printf (_("%s; the bootloader starts this app"), plain);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, summary, -1);
  return GTK_WIDGET (self);
}

char *
sf_partition_row_dup_text (SfPartitionRow *self)
{
  GString *text;

  g_return_val_if_fail (SF_IS_PARTITION_ROW (self), NULL);

  text = g_string_new (NULL);
  for (guint i = 0; i < SF_PARTITION_N_COLUMNS; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " | " : "",
                            gtk_label_get_text (GTK_LABEL (self->cells[i])));
  if (gtk_widget_get_visible (self->boot_mark))
    g_string_append (text, " | boots");
  return g_string_free (text, FALSE);
}
