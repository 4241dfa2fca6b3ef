/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-options-popover"

#include "config.h"

#include <glib/gi18n.h>

#include "sf-dialogs.h"
#include "sf-options-popover.h"

/* Settings ids in the order of the drop-downs' models in
 * sf-options-popover.ui. */
static const char * const chip_ids[] = {
  "auto", "esp8266", "esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c6", "esp32h2", NULL
};
static const char * const before_ids[] = {
  "default-reset", "usb-reset", "no-reset", "no-reset-no-sync", NULL
};
static const char * const after_ids[] = {
  "hard-reset", "soft-reset", "no-reset", "no-reset-stub", NULL
};
static const char * const mode_ids[] = { "keep", "qio", "qout", "dio", "dout", NULL };
static const char * const size_ids[] = {
  "keep", "detect", "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB", NULL
};
static const char * const freq_ids[] = { "keep", "80m", "40m", "26m", "20m", NULL };
static const char * const backup_scope_ids[] = { "overwritten", "whole-flash", NULL };
static const guint baud_rates[] = { 115200, 230400, 460800, 921600, 1500000, 2000000 };

struct _SfOptionsPopover
{
  GtkPopover      parent_instance;

  GtkDropDown    *baud_drop_down;
  GtkDropDown    *chip_drop_down;
  GtkDropDown    *before_drop_down;
  GtkDropDown    *after_drop_down;
  GtkDropDown    *mode_drop_down;
  GtkDropDown    *size_drop_down;
  GtkDropDown    *freq_drop_down;
  GtkCheckButton *erase_all_check;
  GtkCheckButton *monitor_after_check;
  GtkCheckButton *compress_check;
  GtkCheckButton *use_stub_check;
  GtkLabel       *header_label;
  GtkLabel       *header_warning_label;
  GtkCheckButton *backup_check;
  GtkDropDown    *backup_scope_drop_down;
  GtkButton      *backup_folder_button;
  GtkLabel       *backup_folder_label;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (SfOptionsPopover, sf_options_popover, GTK_TYPE_POPOVER)

static gboolean
string_to_selected (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char * const *ids = user_data;
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_ascii_strcasecmp (ids[i], id) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
selected_to_string (const GValue       *value,
                    const GVariantType *type,
                    gpointer            user_data)
{
  const char * const *ids = user_data;
  guint selected = g_value_get_uint (value);

  if (selected >= g_strv_length ((char **) ids))
    return NULL;
  return g_variant_new_string (ids[selected]);
}

static gboolean
baud_to_selected (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  guint baud = g_variant_get_uint32 (variant);
  guint best = 0;

  /* A rate from elsewhere (the adapter memory) shows as the nearest below. */
  for (guint i = 0; i < G_N_ELEMENTS (baud_rates); i++)
    if (baud_rates[i] <= baud)
      best = i;
  g_value_set_uint (value, best);
  return TRUE;
}

static GVariant *
selected_to_baud (const GValue       *value,
                  const GVariantType *type,
                  gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (baud_rates))
    return NULL;
  return g_variant_new_uint32 (baud_rates[selected]);
}

static void
bind_drop_down (SfOptionsPopover   *self,
                const char         *key,
                GtkDropDown        *drop_down,
                const char * const *ids)
{
  g_settings_bind_with_mapping (self->settings, key, drop_down, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected,
                                selected_to_string, (gpointer) ids, NULL);
}

static char *
describe_header (const SfImageInfo *info,
                 SfChip             chip,
                 char             **out_mode,
                 char             **out_size,
                 char             **out_freq)
{
  const char *mode = sf_image_flash_mode_name (info->flash_mode);
  const char *freq = sf_image_flash_freq_name (chip, info->flash_freq_code);

  *out_mode = g_strdup (mode != NULL ? mode : "?");
  *out_size = sf_image_flash_size_name (chip, info->flash_size_code);
  if (*out_size == NULL)
    *out_size = g_strdup ("?");
  *out_freq = g_strdup (freq != NULL ? freq : "?");
  return g_strdup_printf ("%s, %s, %s", *out_mode, *out_size, *out_freq);
}

/* Notes "from → to" when the option @key (not one of @keeps) differs from
 * the header's @from, and marks its drop-down. */
static void
note_rewrite (SfOptionsPopover *self,
              GString          *changes,
              const char       *key,
              GtkDropDown      *drop_down,
              const char       *from,
              gboolean          detect_keeps)
{
  g_autofree char *to = g_settings_get_string (self->settings, key);

  if (g_str_equal (to, "keep") || (detect_keeps && g_str_equal (to, "detect")) ||
      g_ascii_strcasecmp (to, from) == 0)
    return;
  g_string_append_printf (changes, "%s%s → %s", changes->len ? ", " : "", from, to);
  gtk_widget_add_css_class (GTK_WIDGET (drop_down), "warning");
}

char *
sf_options_popover_show_header (SfOptionsPopover  *self,
                                const char        *name,
                                const SfImageInfo *info,
                                SfChip             chip)
{
  g_autofree char *h_mode = NULL, *h_size = NULL, *h_freq = NULL;
  g_autofree char *header = NULL;
  g_autofree char *text = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(GString) changes = NULL;

  g_return_val_if_fail (SF_IS_OPTIONS_POPOVER (self), NULL);
  g_return_val_if_fail (self->settings != NULL, NULL);

  gtk_widget_remove_css_class (GTK_WIDGET (self->mode_drop_down), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->size_drop_down), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->freq_drop_down), "warning");

  if (info == NULL)
    {
      gtk_label_set_text (self->header_label,
                          _("These change the header of a bootloader written at the chip’s "
                            "bootloader address. “Keep” leaves it as built."));
      gtk_widget_set_visible (GTK_WIDGET (self->header_warning_label), FALSE);
      return NULL;
    }

  header = describe_header (info, chip, &h_mode, &h_size, &h_freq);
  text = g_strdup_printf (_("%s says: %s."), name, header);
  gtk_label_set_text (self->header_label, text);

  changes = g_string_new (NULL);
  note_rewrite (self, changes, "flash-mode", self->mode_drop_down, h_mode, FALSE);
  note_rewrite (self, changes, "flash-size", self->size_drop_down, h_size, TRUE);
  note_rewrite (self, changes, "flash-freq", self->freq_drop_down, h_freq, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->header_warning_label), changes->len > 0);
  if (changes->len == 0)
    return NULL;

  warning = g_strdup_printf (_("Differs from the header; it will be rewritten (%s)."),
                             changes->str);
  gtk_label_set_text (self->header_warning_label, warning);
  return g_string_free (g_steal_pointer (&changes), FALSE);
}

char *
sf_options_popover_dup_backup_folder (GSettings *settings)
{
  g_autofree char *folder = g_settings_get_string (settings, "backup-folder");
  const char *documents;

  if (*folder != '\0')
    return g_steal_pointer (&folder);
  documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  /* Translators: the folder backups go to by default, in Documents. */
  return g_build_filename (documents != NULL ? documents : g_get_home_dir (),
                           _("Sparkflash Backups"), NULL);
}

static void
update_backup_folder (SfOptionsPopover *self)
{
  g_autofree char *folder = sf_options_popover_dup_backup_folder (self->settings);
  g_autofree char *name = g_filename_display_basename (folder);
  g_autofree char *path = g_filename_display_name (folder);

  gtk_label_set_text (self->backup_folder_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->backup_folder_button), path);
}

static void
backup_folder_chosen_cb (GFile    *file,
                         gpointer  user_data)
{
  g_autoptr(SfOptionsPopover) self = user_data;
  g_autofree char *path = NULL;

  if (file == NULL || self->settings == NULL || (path = g_file_get_path (file)) == NULL)
    return;
  g_settings_set_string (self->settings, "backup-folder", path);
}

static void
backup_folder_clicked_cb (SfOptionsPopover *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *folder = sf_options_popover_dup_backup_folder (self->settings);
  g_autoptr(GFile) initial = g_file_new_for_path (folder);

  gtk_popover_popdown (GTK_POPOVER (self));
  /* The default folder may not exist yet: start where it would be. */
  if (!g_file_query_exists (initial, NULL))
    {
      g_autoptr(GFile) parent = g_file_get_parent (initial);

      g_set_object (&initial, parent);
    }
  sf_dialogs_choose_folder (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                            _("Choose the Backup Folder"), initial,
                            backup_folder_chosen_cb, g_object_ref (self));
}

void
sf_options_popover_bind (SfOptionsPopover *self,
                         GSettings        *settings)
{
  g_return_if_fail (SF_IS_OPTIONS_POPOVER (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "baud", self->baud_drop_down, "selected",
                                G_SETTINGS_BIND_DEFAULT, baud_to_selected, selected_to_baud,
                                NULL, NULL);
  bind_drop_down (self, "chip", self->chip_drop_down, chip_ids);
  bind_drop_down (self, "before", self->before_drop_down, before_ids);
  bind_drop_down (self, "after", self->after_drop_down, after_ids);
  bind_drop_down (self, "flash-mode", self->mode_drop_down, mode_ids);
  bind_drop_down (self, "flash-size", self->size_drop_down, size_ids);
  bind_drop_down (self, "flash-freq", self->freq_drop_down, freq_ids);
  g_settings_bind (settings, "erase-all", self->erase_all_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "use-stub", self->use_stub_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "compress", self->compress_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "monitor-after-flash", self->monitor_after_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "backup-before-write", self->backup_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  bind_drop_down (self, "backup-scope", self->backup_scope_drop_down, backup_scope_ids);
  g_signal_connect_object (settings, "changed::backup-folder", G_CALLBACK (update_backup_folder),
                           self, G_CONNECT_SWAPPED);
  update_backup_folder (self);
}

static void
sf_options_popover_dispose (GObject *object)
{
  SfOptionsPopover *self = SF_OPTIONS_POPOVER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SF_TYPE_OPTIONS_POPOVER);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sf_options_popover_parent_class)->dispose (object);
}

static void
sf_options_popover_class_init (SfOptionsPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sf_options_popover_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparkflash/Sparkflash/sf-options-popover.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, SfOptionsPopover, name)
  BIND (baud_drop_down);
  BIND (chip_drop_down);
  BIND (before_drop_down);
  BIND (after_drop_down);
  BIND (mode_drop_down);
  BIND (size_drop_down);
  BIND (freq_drop_down);
  BIND (erase_all_check);
  BIND (compress_check);
  BIND (use_stub_check);
  BIND (monitor_after_check);
  BIND (header_label);
  BIND (header_warning_label);
  BIND (backup_check);
  BIND (backup_scope_drop_down);
  BIND (backup_folder_button);
  BIND (backup_folder_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, backup_folder_clicked_cb);
}

static void
sf_options_popover_init (SfOptionsPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sf_options_popover_new (void)
{
  return g_object_new (SF_TYPE_OPTIONS_POPOVER, NULL);
}
