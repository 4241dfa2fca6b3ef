/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-port-entry"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sf-port-entry-private.h"

struct _SfPortEntry
{
  GObject     parent_instance;

  /* Owned; set once in _sf_port_entry_new(), so a port built in the monitor's
   * worker can be handed to the main thread without locking. */
  char       *path;
  char       *title;
  char       *subtitle;
  char       *serial_number;
  guint       usb_vid;
  guint       usb_pid;
  SfPortKind  kind;
};

G_DEFINE_FINAL_TYPE (SfPortEntry, sf_port_entry, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PATH,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_SERIAL_NUMBER,
  PROP_USB_VID,
  PROP_USB_PID,
  PROP_IS_USB,
  PROP_IS_SIMULATED,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  guint16     vid;
  guint16     pid;
  const char *chip;   /* as printed on the part; not translated */
  const char *title;
  gboolean    brltty; /* a UART bridge brltty's udev rules may claim */
} UsbBridge;

static const UsbBridge usb_bridges[] = {
  { 0x10c4, 0xea60, "CP2102", N_("CP2102 USB to UART"), TRUE },
  { 0x10c4, 0xea70, "CP2105", N_("CP2105 dual USB to UART"), TRUE },
  { 0x1a86, 0x7523, "CH340", N_("CH340 USB to UART"), TRUE },
  { 0x1a86, 0x5523, "CH341", N_("CH341 USB to UART"), TRUE },
  { 0x1a86, 0x55d4, "CH9102", N_("CH9102 USB to UART"), TRUE },
  { 0x1a86, 0x55d3, "CH343", N_("CH343 USB to UART"), TRUE },
  { 0x0403, 0x6001, "FT232R", N_("FTDI FT232R USB to UART"), TRUE },
  { 0x0403, 0x6010, "FT2232", N_("FTDI FT2232 dual USB to UART"), TRUE },
  { 0x0403, 0x6014, "FT232H", N_("FTDI FT232H USB to UART"), TRUE },
  { 0x0403, 0x6015, "FT-X", N_("FTDI FT-X USB to UART"), TRUE },
  { 0x067b, 0x2303, "PL2303", N_("Prolific PL2303 USB to UART"), TRUE },
  /* Built into the ESP32-C3/C6/H2/S3; a CDC-ACM device brltty leaves alone. */
  { 0x303a, 0x1001, "ESP32 USB-Serial/JTAG", N_("Espressif USB JTAG/serial"), FALSE },
  /* The ESP32-S2/S3 ROM's USB-OTG download mode. */
  { 0x303a, 0x0002, "ESP32 USB-OTG", N_("Espressif USB-OTG CDC"), FALSE },
};

#define ESPRESSIF_VID 0x303a

static const UsbBridge *
find_usb_bridge (guint usb_vid,
                 guint usb_pid)
{
  for (guint i = 0; i < G_N_ELEMENTS (usb_bridges); i++)
    {
      if (usb_bridges[i].vid == usb_vid && usb_bridges[i].pid == usb_pid)
        return &usb_bridges[i];
    }

  return NULL;
}

const char *
_sf_port_entry_usb_bridge_title (guint usb_vid,
                                 guint usb_pid)
{
  const UsbBridge *bridge = find_usb_bridge (usb_vid, usb_pid);

  return bridge != NULL ? _(bridge->title) : NULL;
}

const char *
_sf_port_entry_usb_bridge_chip (guint usb_vid,
                                guint usb_pid)
{
  const UsbBridge *bridge = find_usb_bridge (usb_vid, usb_pid);

  return bridge != NULL && bridge->brltty ? bridge->chip : NULL;
}

static gboolean
is_empty (const char *str)
{
  return str == NULL || *str == '\0';
}

char *
_sf_port_entry_build_title (const char *path,
                            gboolean    is_usb,
                            guint       usb_vid,
                            guint       usb_pid,
                            const char *product,
                            const char *manufacturer,
                            const char *description)
{
  g_autofree char *device_name = g_path_get_basename (path);
  const char *name = NULL;

  if (is_usb)
    {
      name = _sf_port_entry_usb_bridge_title (usb_vid, usb_pid);

      /* Boards with their own product string on Espressif's vendor ID
       * (TinyUSB CDC in an application) name themselves better than we can. */
      if (name == NULL && !is_empty (product))
        name = product;
      if (name == NULL && usb_vid == ESPRESSIF_VID)
        name = _("Espressif USB-OTG CDC");
      if (name == NULL && !is_empty (manufacturer))
        name = manufacturer;
    }

  /* libserialport describes a built-in UART by its device name, which the
   * path repeats anyway. */
  if (name == NULL && !is_empty (description) && g_strcmp0 (description, device_name) != 0)
    name = description;
  if (name == NULL)
    name = is_usb ? _("USB serial port") : _("Serial port");

  /* Translators: a serial port's name, then its device path, e.g.
   * "CP2102 USB to UART — /dev/ttyUSB0". */
  return g_strdup_printf (_("%s — %s"), name, path);
}

char *
_sf_port_entry_build_subtitle (gboolean    is_usb,
                               guint       usb_vid,
                               guint       usb_pid,
                               const char *serial_number)
{
  if (!is_usb)
    return g_strdup ("");

  if (is_empty (serial_number))
    /* Translators: a USB vendor and product ID, e.g. "USB 10c4:ea60". */
    return g_strdup_printf (_("USB %04x:%04x"), usb_vid, usb_pid);

  /* Translators: a USB vendor and product ID and the device's serial
   * number, e.g. "USB 10c4:ea60 · serial 0001". */
  return g_strdup_printf (_("USB %04x:%04x · serial %s"), usb_vid, usb_pid, serial_number);
}

SfPortEntry *
_sf_port_entry_new (SfPortKind  kind,
                    const char *path,
                    const char *title,
                    const char *subtitle,
                    const char *serial_number,
                    guint       usb_vid,
                    guint       usb_pid)
{
  SfPortEntry *self;

  g_assert (path != NULL);
  g_assert (title != NULL);

  self = g_object_new (SF_TYPE_PORT_ENTRY, NULL);
  self->kind = kind;
  self->path = g_strdup (path);
  self->title = g_strdup (title);
  self->subtitle = g_strdup (subtitle != NULL ? subtitle : "");
  self->serial_number = is_empty (serial_number) ? NULL : g_strdup (serial_number);
  self->usb_vid = usb_vid;
  self->usb_pid = usb_pid;

  return self;
}

SfPortEntry *
_sf_port_entry_new_from_sp (struct sp_port *port)
{
  const char *path = sp_get_port_name (port);
  gboolean is_usb = sp_get_port_transport (port) == SP_TRANSPORT_USB;
  const char *product = NULL;
  const char *manufacturer = NULL;
  const char *serial_number = NULL;
  int vid = 0;
  int pid = 0;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  if (is_usb)
    {
      if (sp_get_port_usb_vid_pid (port, &vid, &pid) != SP_OK)
        vid = pid = 0;
      product = sp_get_port_usb_product (port);
      manufacturer = sp_get_port_usb_manufacturer (port);
      serial_number = sp_get_port_usb_serial (port);
    }

  title = _sf_port_entry_build_title (path, is_usb, vid, pid, product, manufacturer,
                                sp_get_port_description (port));
  subtitle = _sf_port_entry_build_subtitle (is_usb, vid, pid, serial_number);

  return _sf_port_entry_new (is_usb ? SF_PORT_KIND_USB : SF_PORT_KIND_BUILTIN,
                       path, title, subtitle, serial_number,
                       is_usb ? vid : 0, is_usb ? pid : 0);
}

SfPortKind
_sf_port_entry_get_kind (SfPortEntry *self)
{
  return self->kind;
}

gboolean
_sf_port_entry_equal (SfPortEntry *a,
                      SfPortEntry *b)
{
  return a->kind == b->kind
         && a->usb_vid == b->usb_vid
         && a->usb_pid == b->usb_pid
         && g_strcmp0 (a->path, b->path) == 0
         && g_strcmp0 (a->title, b->title) == 0
         && g_strcmp0 (a->subtitle, b->subtitle) == 0
         && g_strcmp0 (a->serial_number, b->serial_number) == 0;
}

int
_sf_port_entry_path_compare (const char *a,
                             const char *b)
{
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          gsize len_a = 0;
          gsize len_b = 0;
          int cmp;

          while (*a == '0' && g_ascii_isdigit (a[1]))
            a++;
          while (*b == '0' && g_ascii_isdigit (b[1]))
            b++;
          while (g_ascii_isdigit (a[len_a]))
            len_a++;
          while (g_ascii_isdigit (b[len_b]))
            len_b++;

          if (len_a != len_b)
            return len_a < len_b ? -1 : 1;
          if ((cmp = memcmp (a, b, len_a)) != 0)
            return cmp < 0 ? -1 : 1;

          a += len_a;
          b += len_b;
        }
      else if (*a != *b)
        {
          return (guchar) *a < (guchar) *b ? -1 : 1;
        }
      else
        {
          a++;
          b++;
        }
    }

  if (*a == *b)
    return 0;
  return (guchar) *a < (guchar) *b ? -1 : 1;
}

int
_sf_port_entry_compare (SfPortEntry *a,
                        SfPortEntry *b)
{
  int cmp;

  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  if ((cmp = _sf_port_entry_path_compare (a->path, b->path)) != 0)
    return cmp;

  /* "ttyS01" and "ttyS1" compare equal above; keep the order total. */
  return strcmp (a->path, b->path);
}

const char *
sf_port_entry_get_path (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), NULL);

  return self->path;
}

const char *
sf_port_entry_get_title (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), NULL);

  return self->title;
}

const char *
sf_port_entry_get_subtitle (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), NULL);

  return self->subtitle;
}

const char *
sf_port_entry_get_serial_number (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), NULL);

  return self->serial_number;
}

guint
sf_port_entry_get_usb_vid (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), 0);

  return self->usb_vid;
}

guint
sf_port_entry_get_usb_pid (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), 0);

  return self->usb_pid;
}

gboolean
sf_port_entry_get_is_usb (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), FALSE);

  return self->kind == SF_PORT_KIND_USB ||
         (self->kind == SF_PORT_KIND_SIMULATED && (self->usb_vid != 0 || self->usb_pid != 0));
}

gboolean
sf_port_entry_get_is_simulated (SfPortEntry *self)
{
  g_return_val_if_fail (SF_IS_PORT_ENTRY (self), FALSE);

  return self->kind == SF_PORT_KIND_SIMULATED;
}

static void
sf_port_entry_finalize (GObject *object)
{
  SfPortEntry *self = (SfPortEntry *) object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->subtitle, g_free);
  g_clear_pointer (&self->serial_number, g_free);

  G_OBJECT_CLASS (sf_port_entry_parent_class)->finalize (object);
}

static void
sf_port_entry_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SfPortEntry *self = SF_PORT_ENTRY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;

    case PROP_SERIAL_NUMBER:
      g_value_set_string (value, self->serial_number);
      break;

    case PROP_USB_VID:
      g_value_set_uint (value, self->usb_vid);
      break;

    case PROP_USB_PID:
      g_value_set_uint (value, self->usb_pid);
      break;

    case PROP_IS_USB:
      g_value_set_boolean (value, sf_port_entry_get_is_usb (self));
      break;

    case PROP_IS_SIMULATED:
      g_value_set_boolean (value, sf_port_entry_get_is_simulated (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_port_entry_class_init (SfPortEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sf_port_entry_finalize;
  object_class->get_property = sf_port_entry_get_property;

  /* Read-only: a port never changes; the monitor replaces it instead. The
   * properties exist for GtkExpression lookups in list item templates. */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERIAL_NUMBER] =
    g_param_spec_string ("serial-number", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USB_VID] =
    g_param_spec_uint ("usb-vid", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USB_PID] =
    g_param_spec_uint ("usb-pid", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_USB] =
    g_param_spec_boolean ("is-usb", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_SIMULATED] =
    g_param_spec_boolean ("is-simulated", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sf_port_entry_init (SfPortEntry *self)
{
}
