/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs the real window in demo mode in the language named by $LANGUAGE,
 * with the catalogue compiled in the build tree ($SPARKFLASH_LOCALEDIR),
 * and reads every text a person can see or hear: labels, tooltips,
 * placeholders, accessible labels and descriptions, menus, drop-down items,
 * window titles, the log, the shortcuts window, the About dialog and the
 * confirmation dialog. A text that is an English msgid of the catalogue
 * while the catalogue has a different translation for it means a string
 * escaped translation: not marked, marked but not extracted, or translated
 * before the text domain was bound. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "sf-ui-test-util.h"

/* Texts that are rightly the same in English and in a language. */
static const char *const allowed_everywhere[] = {
  "Sparkflash", /* the application's name */
  "0x10000",    /* the example address in an empty address entry */
  ",",          /* a list separator (partition flags), and GTK's between shortcuts */
  NULL,
};

static const struct
{
  const char        *language;
  const char *const *texts;
} allowed[] = {
  /* German uses both English words, as GNOME de does. */
  { "de", (const char *const[]) { "Chip", "Firmware", NULL } },
  /* "Options" and "Partitions" are French as well. */
  { "fr", (const char *const[]) { "Options", "Partitions…", "Partitions", NULL } },
  /* GNOME es keeps "firmware" and "chip"; "General" is Spanish. */
  { "es", (const char *const[]) { "Chip", "Firmware", "General", NULL } },
};

typedef struct
{
  /* Every msgid, as written and without mnemonic underscores → its
   * translation without underscores. */
  GHashTable *msgids;
  /* Texts that translate some other msgid: seeing them is fine even where
   * they also are an msgid. */
  GHashTable *translations;
  /* Format strings: an English msgid's literal text found in a text,
   * while its translation's is not, is an untranslated formatted text. */
  GPtrArray  *patterns;
  guint       n_entries;
} Catalogue;

typedef struct
{
  char      *msgid;
  GRegex    *english;
  GRegex    *english_plural;
  GPtrArray *translated;   /* GRegex, one per plural form */
} Pattern;

static SfApplication *app;
static int test_status = 1;
static const char *language;
static Catalogue catalogue;
static char *sysfs_root;
static char *work_dir;

/* "_Read…" → "Read…", "a__b" → "a_b": what a label shows. */
static char *
strip_mnemonic (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '_' && p[1] != '\0')
        p++;
      g_string_append_c (s, *p);
    }
  return g_strstrip (g_string_free (s, FALSE));
}

static void
pattern_free (gpointer data)
{
  Pattern *pattern = data;

  g_free (pattern->msgid);
  g_clear_pointer (&pattern->english, g_regex_unref);
  g_clear_pointer (&pattern->english_plural, g_regex_unref);
  g_ptr_array_unref (pattern->translated);
  g_free (pattern);
}

/* A printf format as a regular expression of its literal text, each
 * directive matching anything; NULL when the literal text has no word of
 * three letters or more, so there is too little English to recognise. */
static GRegex *
format_regex (const char *format)
{
  static GRegex *directive = NULL;
  static GRegex *word = NULL;
  g_auto(GStrv) literals = NULL;
  g_autoptr(GString) source = g_string_new (NULL);
  gboolean has_word = FALSE;

  if (directive == NULL)
    {
      directive = g_regex_new ("%(?:[0-9]+\\$)?[-+ #0']*(?:[0-9]+|\\*)?(?:\\.(?:[0-9]+|\\*))?"
                               "(?:hh|h|ll|l|L|q|j|z|Z|t)?[diouxXeEfFgGaAcsp]",
                               G_REGEX_OPTIMIZE, 0, NULL);
      word = g_regex_new ("[A-Za-z]{3}", G_REGEX_OPTIMIZE, 0, NULL);
    }

  literals = g_regex_split (directive, format, 0);
  for (guint i = 0; literals[i] != NULL; i++)
    {
      g_autofree char *escaped = NULL;
      g_auto(GStrv) percent = g_strsplit (literals[i], "%%", -1);
      g_autofree char *literal = g_strjoinv ("%", percent);

      if (g_regex_match (word, literal, 0, NULL))
        has_word = TRUE;
      escaped = g_regex_escape_string (literal, -1);
      if (i > 0)
        g_string_append (source, ".*?");
      g_string_append (source, escaped);
    }
  if (!has_word)
    return NULL;
  return g_regex_new (source->str, G_REGEX_OPTIMIZE, 0, NULL);
}

static gboolean
is_format (const char *msgid)
{
  for (const char *p = msgid; *p != '\0'; p++)
    if (*p == '%')
      {
        if (p[1] != '%' && p[1] != '\0')
          return TRUE;
        if (p[1] == '%')
          p++;
      }
  return FALSE;
}

static guint32
read_u32 (const guint8 *data,
          gsize         length,
          gsize         offset,
          gboolean      swap)
{
  guint32 v;

  g_assert_cmpuint (offset + 4, <=, length);
  memcpy (&v, data + offset, 4);
  return swap ? GUINT32_SWAP_LE_BE (v) : v;
}

/* The (msgid, msgstr) string pair @i of a GNU .mo file. */
static void
mo_entry (const guint8  *data,
          gsize          length,
          gboolean       swap,
          guint32        table,
          guint32        i,
          const char   **out,
          gsize         *out_length)
{
  guint32 len = read_u32 (data, length, table + 8 * i, swap);
  guint32 offset = read_u32 (data, length, table + 8 * i + 4, swap);

  g_assert_cmpuint ((gsize) offset + len, <, length);
  *out = (const char *) data + offset;
  *out_length = len;
}

static void
load_catalogue (const char *path)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize length;
  gboolean swap;
  guint32 n, originals, translations;

  file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  data = (const guint8 *) g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  g_assert_cmpuint (length, >=, 28);
  swap = read_u32 (data, length, 0, FALSE) != 0x950412de;
  g_assert_cmphex (read_u32 (data, length, 0, swap), ==, 0x950412de);
  n = read_u32 (data, length, 8, swap);
  originals = read_u32 (data, length, 12, swap);
  translations = read_u32 (data, length, 16, swap);

  catalogue.msgids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  catalogue.translations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  catalogue.patterns = g_ptr_array_new_with_free_func (pattern_free);

  for (guint32 i = 0; i < n; i++)
    {
      const char *raw_id, *id, *str;
      gsize id_len, str_len;
      const char *plural = NULL;
      const char *context_end;
      g_autofree char *stripped_id = NULL;
      g_autofree char *stripped_str = NULL;

      mo_entry (data, length, swap, originals, i, &raw_id, &id_len);
      mo_entry (data, length, swap, translations, i, &str, &str_len);
      if (id_len == 0)
        continue;  /* the header */
      /* "msgid\0msgid_plural" */
      if (strlen (raw_id) < id_len)
        plural = raw_id + strlen (raw_id) + 1;
      /* "msgctxt\004msgid" */
      context_end = strchr (raw_id, '\004');
      id = context_end != NULL ? context_end + 1 : raw_id;
      catalogue.n_entries++;

      stripped_id = strip_mnemonic (id);
      stripped_str = strip_mnemonic (str);
      g_hash_table_replace (catalogue.msgids, g_strdup (id), g_strdup (stripped_str));
      g_hash_table_replace (catalogue.msgids, g_strdup (stripped_id), g_strdup (stripped_str));
      if (!g_str_equal (stripped_id, stripped_str))
        g_hash_table_add (catalogue.translations, g_strdup (stripped_str));

      if (is_format (id))
        {
          Pattern *pattern = g_new0 (Pattern, 1);

          pattern->msgid = g_strdup (id);
          pattern->english = format_regex (id);
          pattern->english_plural = plural != NULL ? format_regex (plural) : NULL;
          pattern->translated = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
          /* Plural forms follow each other, separated by NUL bytes. */
          for (const char *form = str; form < str + str_len; form += strlen (form) + 1)
            {
              GRegex *regex = format_regex (form);

              if (regex != NULL)
                g_ptr_array_add (pattern->translated, regex);
            }
          if (pattern->english == NULL && pattern->english_plural == NULL)
            pattern_free (pattern);
          else
            g_ptr_array_add (catalogue.patterns, pattern);
        }
    }
}

static gboolean
is_allowed (const char *text)
{
  if (g_strv_contains (allowed_everywhere, text))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (g_str_equal (allowed[i].language, language) && g_strv_contains (allowed[i].texts, text))
      return TRUE;
  return FALSE;
}

static gboolean
regex_found (GRegex     *regex,
             const char *text)
{
  return regex != NULL && g_regex_match (regex, text, 0, NULL);
}

/* Why @text looks untranslated, or NULL when it does not. */
static char *
dup_untranslated_reason (const char *text)
{
  g_autofree char *stripped = strip_mnemonic (text);

  if (*stripped == '\0' || is_allowed (stripped))
    return NULL;

  if (g_hash_table_contains (catalogue.msgids, stripped))
    {
      if (g_hash_table_contains (catalogue.translations, stripped))
        return NULL;
      return g_strdup_printf ("is the msgid, translated as “%s”",
                              (const char *) g_hash_table_lookup (catalogue.msgids, stripped));
    }

  for (guint i = 0; i < catalogue.patterns->len; i++)
    {
      Pattern *pattern = catalogue.patterns->pdata[i];
      gboolean translated = FALSE;

      if (!regex_found (pattern->english, text) && !regex_found (pattern->english_plural, text))
        continue;
      for (guint j = 0; j < pattern->translated->len && !translated; j++)
        translated = regex_found (pattern->translated->pdata[j], text);
      if (!translated)
        return g_strdup_printf ("has the English text of “%s”", pattern->msgid);
    }
  return NULL;
}

typedef struct
{
  GPtrArray *problems;   /* "where: “text”" */
  guint      n_texts;
} Scan;

static void
check_text (Scan       *scan,
            const char *where,
            const char *text)
{
  g_autofree char *reason = NULL;

  if (text == NULL || *text == '\0')
    return;
  scan->n_texts++;
  /* The log and the banner hold several messages, one a line; the whole
   * is checked as well, for msgids of several lines. */
  if (strchr (text, '\n') != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        check_text (scan, where, lines[i]);
    }
  if ((reason = dup_untranslated_reason (text)) != NULL)
    g_ptr_array_add (scan->problems, g_strdup_printf ("%s: “%s” %s", where, text, reason));
}

static void
check_menu_model (Scan       *scan,
                  const char *where,
                  GMenuModel *model)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuLinkIter) links = NULL;
      const char *name;
      GMenuModel *link;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        {
          g_autofree char *text = strip_mnemonic (label);

          check_text (scan, where, text);
        }
      links = g_menu_model_iterate_item_links (model, i);
      while (g_menu_link_iter_get_next (links, &name, &link))
        {
          check_menu_model (scan, where, link);
          g_object_unref (link);
        }
    }
}

static void
check_accessible (Scan          *scan,
                  const char    *where,
                  GtkAccessible *accessible)
{
  const GtkAccessibleProperty properties[] = {
    GTK_ACCESSIBLE_PROPERTY_LABEL,
    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
    GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER,
  };

  /* GTK 4.8 has no getter for accessible properties; the test API gives
   * the value back when it differs from the one asked for. */
  for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
    if (gtk_test_accessible_has_property (accessible, properties[i]))
      {
        g_autofree char *value =
          gtk_test_accessible_check_property (accessible, properties[i], "\x01");

        check_text (scan, where, value);
      }
}

static void
check_widget (Scan      *scan,
              GtkWidget *widget)
{
  g_autofree char *where = NULL;
  GObjectClass *klass = G_OBJECT_GET_CLASS (widget);
  const char *const string_properties[] = { "title", "subtitle", NULL };

  /* The title bar's close button is GTK's, in its own text domain; its
   * "Close the window" is also an msgid of ours (the shortcuts window). */
  if (GTK_IS_WINDOW_CONTROLS (widget))
    return;

  where = gtk_widget_get_parent (widget) != NULL
    ? g_strdup_printf ("%s in %s", G_OBJECT_TYPE_NAME (widget),
                       G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)))
    : g_strdup (G_OBJECT_TYPE_NAME (widget));

  if (GTK_IS_LABEL (widget))
    check_text (scan, where, gtk_label_get_text (GTK_LABEL (widget)));
  check_text (scan, where, gtk_widget_get_tooltip_text (widget));
  if (GTK_IS_ENTRY (widget))
    check_text (scan, where, gtk_entry_get_placeholder_text (GTK_ENTRY (widget)));
  if (GTK_IS_WINDOW (widget))
    check_text (scan, where, gtk_window_get_title (GTK_WINDOW (widget)));
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)))
    check_menu_model (scan, where, gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)));
  if (GTK_IS_DROP_DOWN (widget) && GTK_IS_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (widget))))
    {
      GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (widget)));

      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
        check_text (scan, where, gtk_string_list_get_string (list, i));
    }
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      check_text (scan, where, text);
    }
  /* GtkShortcutsShortcut, GtkShortcutsGroup and friends. */
  for (guint i = 0; string_properties[i] != NULL; i++)
    {
      GParamSpec *pspec = g_object_class_find_property (klass, string_properties[i]);

      if (pspec != NULL && pspec->value_type == G_TYPE_STRING && (pspec->flags & G_PARAM_READABLE))
        {
          g_autofree char *value = NULL;

          g_object_get (widget, string_properties[i], &value, NULL);
          check_text (scan, where, value);
        }
    }
  check_accessible (scan, where, GTK_ACCESSIBLE (widget));

  /* Popovers (the options, read and erase ones, the menu) are children
   * of their button, so they are walked too, shown or not. */
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_widget (scan, child);
}

static Scan *
scan_new (void)
{
  Scan *scan = g_new0 (Scan, 1);

  scan->problems = g_ptr_array_new_with_free_func (g_free);
  return scan;
}

/* Fails listing every untranslated text the scan met. */
static void
scan_finish (Scan       *scan,
             const char *state)
{
  g_test_message ("%s: %u texts read, %u untranslated", state, scan->n_texts, scan->problems->len);
  if (scan->problems->len > 0)
    {
      g_autofree char *list = NULL;
      guint n = scan->problems->len;

      g_ptr_array_add (scan->problems, NULL);
      list = g_strjoinv ("\n  ", (char **) scan->problems->pdata);
      g_error ("%s: %u texts are in English, not in %s:\n  %s", state, n, language, list);
    }
  g_assert_cmpuint (scan->n_texts, >, 0);
  g_ptr_array_unref (scan->problems);
  g_free (scan);
}

/* Fails with every untranslated text @widget and its descendants show. */
static void
assert_translated (GtkWidget  *widget,
                   const char *state)
{
  Scan *scan = scan_new ();

  check_widget (scan, widget);
  scan_finish (scan, state);
}

/* The shown window of @type, or with @type 0 the shown window that is
 * transient for @parent and is neither About nor the shortcuts. */
static GtkWindow *
find_toplevel (GType      type,
               GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* GTK's own */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (!gtk_widget_get_visible (GTK_WIDGET (window)))
        continue;
      if (type != 0 && G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
      if (type == 0 && gtk_window_get_transient_for (window) == parent &&
          !GTK_IS_ABOUT_DIALOG (window) && !GTK_IS_SHORTCUTS_WINDOW (window))
        return window;
    }
  return NULL;
}

static void
popdown_all (GtkWidget *widget)
{
  if (GTK_IS_POPOVER (widget))
    gtk_popover_popdown (GTK_POPOVER (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    popdown_all (child);
}

/* Popovers left open when their window goes make GTK look up the pointer
 * on a surface that is gone (a critical, fatal here): close them first.
 * (No test here opens one on purpose; this is for the window's own.) */
static void
close_window (SfWindow *window)
{
  popdown_all (GTK_WIDGET (window));
  sf_test_spin (100);
  sf_test_close_window (window);
}

static SfFirmwareRow *
add_file (SfWindow   *window,
          const char *name,
          GBytes     *bytes)
{
  g_autofree char *path = sf_test_write_file (work_dir, name, bytes);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return _sf_window_add_firmware (window, file);
}

static SfWindow *
open_window (void)
{
  SfWindow *window;

  sf_test_reset_settings (sf_application_get_settings (app));
  window = sf_test_open_window (app, "esp32");
  sf_sim_device_set_fault (_sf_window_get_sim_device (window, "esp32"), SF_SIM_FAULT_NONE, 0);
  sf_sim_device_set_emulate_baud (_sf_window_get_sim_device (window, "esp32"), FALSE);
  return window;
}

static void
test_catalogue (void)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean checked = FALSE;

  /* Most of the ~600 strings: a catalogue, not a stub. */
  g_test_message ("%u entries in the %s catalogue", catalogue.n_entries, language);
  g_assert_cmpuint (catalogue.n_entries, >, 300);

  /* The text domain is bound to it. */
  g_hash_table_iter_init (&iter, catalogue.msgids);
  while (!checked && g_hash_table_iter_next (&iter, &key, &value))
    if (strchr (key, '_') == NULL && strchr (key, '\n') == NULL && !g_str_equal (key, value))
      {
        g_autofree char *shown = strip_mnemonic (g_dgettext (GETTEXT_PACKAGE, key));

        g_assert_cmpstr (shown, ==, value);
        checked = TRUE;
      }
  g_assert_true (checked);
}

/* A new window: the empty firmware list, menus, popovers, and the banner
 * about the USB adapter brltty took (set up in main). */
static void
test_idle (void)
{
  SfWindow *window = open_window ();

  SF_WAIT_UNTIL (sf_test_has_port_warning (window), 10000);
  assert_translated (GTK_WIDGET (window), "new window");
  close_window (window);
}

/* Three files of an ESP-IDF build, a row with a bad address, a row
 * without a file, and the chip's details read. */
static void
test_firmware (void)
{
  SfWindow *window = open_window ();
  g_autoptr(GBytes) boot = sf_test_build_bootloader (31);
  g_autoptr(GBytes) table = sf_test_build_partition_table ();
  g_autoptr(GBytes) app_image = sf_test_build_app (64 * 1024, 32);
  g_autoptr(GBytes) raw = g_bytes_new_static ("\x01\x02\x03\x04", 4);
  SfFirmwareRow *row;

  add_file (window, "bootloader.bin", boot);
  add_file (window, "partition-table.bin", table);
  add_file (window, "app.bin", app_image);
  row = add_file (window, "data.bin", raw);
  sf_firmware_row_set_address_text (row, "zz");
  /* A row without a file yet. */
  _sf_window_add_firmware (window, NULL);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.chip-info", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 30000);

  /* The read and erase popovers' error messages are not provoked: the
   * window pops the popover up to show them, and GTK 4.8 leaks the
   * GdkPopupLayout when the popup cannot be presented at once, which a
   * loaded machine makes happen and LeakSanitizer reports. */

  assert_translated (GTK_WIDGET (window), "firmware list and chip details");
  close_window (window);
}

/* Flashing (as it starts), done, with the log open. */
static void
test_flash (void)
{
  SfWindow *window = open_window ();
  g_autoptr(GBytes) app_image = sf_test_build_app (96 * 1024, 33);

  add_file (window, "app.bin", app_image);
  g_object_set (window, "show-log", TRUE, NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  assert_translated (GTK_WIDGET (window), "flashing");
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 60000);
  SF_WAIT_UNTIL (sf_test_has_banner (window), 5000);
  assert_translated (GTK_WIDGET (window), "flashed");
  close_window (window);
}

/* The most common failure: the board is not in its bootloader. */
static void
test_no_answer (void)
{
  SfWindow *window = open_window ();
  g_autoptr(GBytes) app_image = sf_test_build_app (16 * 1024, 34);

  add_file (window, "app.bin", app_image);
  g_object_set (window, "show-log", TRUE, NULL);
  sf_sim_device_set_fault (_sf_window_get_sim_device (window, "esp32"), SF_SIM_FAULT_SILENT, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.flash", NULL);
  SF_WAIT_UNTIL (_sf_window_get_busy (window), 5000);
  SF_WAIT_UNTIL (!_sf_window_get_busy (window), 120000);
  SF_WAIT_UNTIL (sf_test_has_banner (window), 5000);
  assert_translated (GTK_WIDGET (window), "board does not answer");
  sf_sim_device_set_fault (_sf_window_get_sim_device (window, "esp32"), SF_SIM_FAULT_NONE, 0);
  close_window (window);
}

/* The shortcuts window, the About dialog and the erase confirmation. */
static void
test_dialogs (void)
{
  SfWindow *window = open_window ();
  GtkWindow *dialog;
  GtkWidget *overlay;
  g_autofree char *comments = NULL;
  g_autofree char *credits = NULL;
  g_auto(GStrv) authors = NULL;
  Scan *scan;

  overlay = GTK_WIDGET (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  g_assert_nonnull (overlay);
  assert_translated (overlay, "shortcuts window");

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  SF_WAIT_UNTIL ((dialog = find_toplevel (GTK_TYPE_ABOUT_DIALOG, NULL)) != NULL, 5000);
  assert_translated (GTK_WIDGET (dialog), "About dialog");
  /* The credits page may be built only when it is opened. */
  g_object_get (dialog, "comments", &comments, "translator-credits", &credits,
                "authors", &authors, NULL);
  scan = scan_new ();
  check_text (scan, "About comments", comments);
  check_text (scan, "About translator-credits", credits);
  for (guint i = 0; authors != NULL && authors[i] != NULL; i++)
    check_text (scan, "About authors", authors[i]);
  scan_finish (scan, "About dialog's properties");
  gtk_window_close (dialog);

  _sf_window_set_confirmed (window, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.erase-flash", NULL);
  /* A GtkMessageDialog on GTK 4.8, GtkAlertDialog's window on later ones. */
  SF_WAIT_UNTIL ((dialog = find_toplevel (0, GTK_WINDOW (window))) != NULL, 5000);
  assert_translated (GTK_WIDGET (dialog), "erase confirmation");
  gtk_window_close (dialog);
  SF_WAIT_UNTIL (find_toplevel (0, GTK_WINDOW (window)) == NULL, 5000);
  g_assert_false (_sf_window_get_busy (window));

  close_window (window);
}



static void
run_tests_cb (GApplication *application)
{
  g_signal_stop_emission_by_name (application, "activate");
  g_application_hold (application);
  test_status = g_test_run ();
  g_application_release (application);
  g_application_quit (application);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("SPARKFLASH_LOCALEDIR");
  g_autofree char *mo = NULL;
  g_autofree char *prefix = NULL;

  /* What src/ui/sparkflash.c does, with the build tree's catalogues. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  language = g_getenv ("LANGUAGE");
  if (localedir == NULL || language == NULL || *language == '\0' || strchr (language, ':') != NULL)
    g_error ("Set SPARKFLASH_LOCALEDIR to the build tree's po folder and LANGUAGE to one language");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  mo = g_build_filename (localedir, language, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  load_catalogue (mo);

  prefix = g_strdup_printf ("/ui/translations/%s", language);
#define ADD(name, func)                                             \
  G_STMT_START {                                                    \
    g_autofree char *path = g_strconcat (prefix, "/", name, NULL);  \
    g_test_add_func (path, func);                                   \
  } G_STMT_END
  ADD ("catalogue", test_catalogue);
  ADD ("idle", test_idle);
  ADD ("firmware", test_firmware);
  ADD ("flash", test_flash);
  ADD ("no-answer", test_no_answer);
  ADD ("dialogs", test_dialogs);
#undef ADD

  sysfs_root = sf_test_make_fake_sysfs ();
  work_dir = g_dir_make_tmp ("sparkflash-l10n-XXXXXX", NULL);
  app = sf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  sf_application_set_demo (app, TRUE);
  g_signal_connect (app, "activate", G_CALLBACK (run_tests_cb), NULL);
  g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_object (&app);

  sf_test_remove_tree (work_dir);
  sf_test_remove_tree (sysfs_root);
  g_clear_pointer (&work_dir, g_free);
  g_clear_pointer (&sysfs_root, g_free);
  g_hash_table_unref (catalogue.msgids);
  g_hash_table_unref (catalogue.translations);
  g_ptr_array_unref (catalogue.patterns);
  return test_status;
}
