/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-port-monitor"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sf-brltty-watch.h"
#include "sf-port-entry-private.h"
#include "sf-port-monitor-private.h"

#define DEFAULT_PERIOD_MS 1000
#define MIN_PERIOD_MS     10

/* What one pass of the worker found. */
typedef struct
{
  GPtrArray *ports; /* SfPortEntry, unsorted; NULL if listing failed */
  char      *hint;
} ScanResult;

struct _SfPortMonitor
{
  GObject       parent_instance;

  /* Used on the monitor's main context only */
  GPtrArray    *ports;     /* real ports, in list order */
  GPtrArray    *simulated; /* in the order they were added */
  char         *brltty_hint;
  guint         n_scans;
  gboolean      disposed;

  /* Owned; fixed before the worker starts, read by it without locking */
  GMainContext *context;
  GWeakRef     *weak_self; /* a GAtomicRcBox, shared with pending idles */
  char         *sysfs_root;
  guint         period_ms;
  gboolean      list_real;
  gboolean      background_scan;
  GThread      *thread;

  /* Shared with the worker; protected by mutex */
  GMutex        mutex;
  GCond         cond;
  gboolean      stopping;
  gboolean      refresh_requested;
  ScanResult   *pending;
  gboolean      apply_scheduled;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SfPortMonitor, sf_port_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_BRLTTY_HINT,
  PROP_N_ITEMS,
  PROP_BACKGROUND_SCAN,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
scan_result_free (ScanResult *result)
{
  g_clear_pointer (&result->ports, g_ptr_array_unref);
  g_clear_pointer (&result->hint, g_free);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScanResult, scan_result_free)

static void
weak_self_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) g_weak_ref_clear);
}

/* Runs in the worker. */
static ScanResult *
scan_ports (gboolean       list_real,
            SfBrlttyWatch *watch)
{
  ScanResult *result = g_new0 (ScanResult, 1);

  if (list_real)
    {
      struct sp_port **list = NULL;
      enum sp_return ret;

      if ((ret = sp_list_ports (&list)) == SP_OK)
        {
          result->ports = g_ptr_array_new_with_free_func (g_object_unref);
          for (guint i = 0; list[i] != NULL; i++)
            g_ptr_array_add (result->ports, _sf_port_entry_new_from_sp (list[i]));
          sp_free_port_list (list);
        }
      else
        {
          /* Keep the ports we had rather than flash an empty list. */
          g_debug ("Could not list serial ports: libserialport error %d", ret);
        }
    }
  else
    {
      result->ports = g_ptr_array_new_with_free_func (g_object_unref);
    }

  result->hint = _sf_brltty_watch_check (watch, g_get_monotonic_time ());

  return result;
}

static gboolean
apply_pending_cb (gpointer data)
{
  g_autoptr(SfPortMonitor) self = g_weak_ref_get (data);
  g_autoptr(ScanResult) result = NULL;

  /* The monitor died after the worker scheduled us. */
  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->mutex);
  result = g_steal_pointer (&self->pending);
  self->apply_scheduled = FALSE;
  g_mutex_unlock (&self->mutex);

  if (result != NULL && !self->disposed)
    _sf_port_monitor_apply_scan (self, result->ports, result->hint);

  return G_SOURCE_REMOVE;
}

/* Called with the mutex held. At most one idle is pending; it applies the
 * newest result, so a busy main loop never queues up stale scans. */
static void
schedule_apply_locked (SfPortMonitor *self)
{
  GSource *source;

  if (self->apply_scheduled)
    return;

  self->apply_scheduled = TRUE;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[sparkflash] apply port scan");
  g_source_set_callback (source, apply_pending_cb,
                         g_atomic_rc_box_acquire (self->weak_self), weak_self_release);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* The worker holds no reference: dispose joins it before the monitor's
 * memory can go, and a reference here would keep dispose from ever running. */
static gpointer
worker_thread (gpointer data)
{
  SfPortMonitor *self = data;
  g_autoptr(SfBrlttyWatch) watch = _sf_brltty_watch_new (self->sysfs_root);

  g_mutex_lock (&self->mutex);

  while (!self->stopping)
    {
      ScanResult *result;
      gint64 deadline;

      /* A refresh asked for during the scan below gets a scan of its own. */
      self->refresh_requested = FALSE;
      g_mutex_unlock (&self->mutex);

      result = scan_ports (self->list_real, watch);

      g_mutex_lock (&self->mutex);
      if (self->stopping)
        {
          scan_result_free (result);
          break;
        }

      g_clear_pointer (&self->pending, scan_result_free);
      self->pending = result;
      schedule_apply_locked (self);

      deadline = g_get_monotonic_time () + self->period_ms * G_TIME_SPAN_MILLISECOND;
      while (!self->stopping && !self->refresh_requested)
        {
          if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
            break;
        }
    }

  g_mutex_unlock (&self->mutex);

  return NULL;
}

static guint
read_period_ms (void)
{
  const char *env = g_getenv ("SPARKFLASH_PORT_SCAN_MS");
  guint64 value;
  char *end;

  if (env == NULL || *env == '\0')
    return DEFAULT_PERIOD_MS;

  value = g_ascii_strtoull (env, &end, 10);
  if (end == env || *end != '\0' || value < MIN_PERIOD_MS || value > G_MAXINT)
    {
      g_warning ("Ignoring SPARKFLASH_PORT_SCAN_MS=%s: not a number of milliseconds ≥ %d",
                 env, MIN_PERIOD_MS);
      return DEFAULT_PERIOD_MS;
    }

  return value;
}

static gpointer
ref_port (gconstpointer src,
          gpointer      data)
{
  return g_object_ref ((gpointer) src);
}

static int
compare_port_ptrs (gconstpointer a,
                   gconstpointer b)
{
  return _sf_port_entry_compare (*(SfPortEntry * const *) a, *(SfPortEntry * const *) b);
}

static void
notify_n_items (SfPortMonitor *self,
                guint          position,
                guint          removed,
                guint          added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
_sf_port_monitor_apply_scan (SfPortMonitor *self,
                             GPtrArray     *ports,
                             const char    *hint)
{
  g_autoptr(GPtrArray) next = NULL;
  guint i = 0;
  guint j = 0;

  g_assert (SF_IS_PORT_MONITOR (self));

  self->n_scans++;

  if (ports != NULL)
    {
      next = g_ptr_array_copy (ports, ref_port, NULL);
      g_ptr_array_set_free_func (next, g_object_unref);
      g_ptr_array_sort (next, compare_port_ptrs);

      /* Both lists are in list order: walk them side by side, keep what is
       * unchanged (the same SfPortEntry object, so a selection stays put) and
       * replace each run of differences with one items-changed. */
      while (i < self->ports->len || j < next->len)
        {
          guint removed = 0;
          guint first_added = j;
          guint added;

          for (;;)
            {
              SfPortEntry *old = i + removed < self->ports->len
                              ? g_ptr_array_index (self->ports, i + removed) : NULL;
              SfPortEntry *new = j < next->len ? g_ptr_array_index (next, j) : NULL;
              int cmp;

              if (old == NULL && new == NULL)
                break;

              if (old == NULL)
                cmp = 1;
              else if (new == NULL)
                cmp = -1;
              else
                cmp = _sf_port_entry_compare (old, new);

              if (cmp == 0 && _sf_port_entry_equal (old, new))
                break;
              if (cmp <= 0)
                removed++;
              if (cmp >= 0)
                j++;
            }

          added = j - first_added;
          if (removed > 0 || added > 0)
            {
              g_ptr_array_remove_range (self->ports, i, removed);
              for (guint k = 0; k < added; k++)
                g_ptr_array_insert (self->ports, i + k,
                                    g_object_ref (g_ptr_array_index (next, first_added + k)));
              notify_n_items (self, i, removed, added);
              i += added;
            }
          else
            {
              i++;
              j++;
            }
        }
    }

  if (g_strcmp0 (hint, self->brltty_hint) != 0)
    {
      g_free (self->brltty_hint);
      self->brltty_hint = g_strdup (hint);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRLTTY_HINT]);
    }
}

guint
_sf_port_monitor_get_n_scans (SfPortMonitor *self)
{
  g_assert (SF_IS_PORT_MONITOR (self));

  return self->n_scans;
}

static GType
sf_port_monitor_get_item_type (GListModel *model)
{
  return SF_TYPE_PORT_ENTRY;
}

static guint
sf_port_monitor_get_n_items (GListModel *model)
{
  SfPortMonitor *self = SF_PORT_MONITOR (model);

  return self->ports->len + self->simulated->len;
}

static gpointer
sf_port_monitor_get_item (GListModel *model,
                          guint       position)
{
  SfPortMonitor *self = SF_PORT_MONITOR (model);

  if (position < self->ports->len)
    return g_object_ref (g_ptr_array_index (self->ports, position));

  position -= self->ports->len;
  if (position < self->simulated->len)
    return g_object_ref (g_ptr_array_index (self->simulated, position));

  return NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sf_port_monitor_get_item_type;
  iface->get_n_items = sf_port_monitor_get_n_items;
  iface->get_item = sf_port_monitor_get_item;
}

SfPortMonitor *
sf_port_monitor_new (void)
{
  return g_object_new (SF_TYPE_PORT_MONITOR, NULL);
}

SfPortMonitor *
_sf_port_monitor_new_manual (void)
{
  return g_object_new (SF_TYPE_PORT_MONITOR, "background-scan", FALSE, NULL);
}

void
sf_port_monitor_add_simulated (SfPortMonitor *self,
                               const char    *title,
                               const char    *pty_path,
                               guint          usb_vid,
                               guint          usb_pid)
{
  gboolean is_usb = usb_vid != 0 || usb_pid != 0;
  g_autofree char *ids = _sf_port_entry_build_subtitle (is_usb, usb_vid, usb_pid, NULL);
  g_autofree char *subtitle = NULL;
  SfPortEntry *port;

  g_return_if_fail (SF_IS_PORT_MONITOR (self));
  g_return_if_fail (title != NULL);
  g_return_if_fail (pty_path != NULL);

  for (guint i = 0; i < self->simulated->len; i++)
    {
      if (g_strcmp0 (sf_port_entry_get_path (g_ptr_array_index (self->simulated, i)), pty_path) == 0)
        {
          g_debug ("Simulated port %s is listed already", pty_path);
          return;
        }
    }

  if (is_usb)
    subtitle = g_strdup_printf ("%s · %s", _("Simulated board — no hardware needed"), ids);
  else
    subtitle = g_strdup (_("Simulated board — no hardware needed"));
  port = _sf_port_entry_new (SF_PORT_KIND_SIMULATED, pty_path, title, subtitle, NULL,
                             usb_vid, usb_pid);
  g_ptr_array_add (self->simulated, port);
  notify_n_items (self, self->ports->len + self->simulated->len - 1, 0, 1);
}

void
_sf_port_monitor_remove_simulated (SfPortMonitor *self,
                                   const char    *pty_path)
{
  g_return_if_fail (SF_IS_PORT_MONITOR (self));

  for (guint i = 0; i < self->simulated->len; i++)
    {
      if (g_strcmp0 (sf_port_entry_get_path (g_ptr_array_index (self->simulated, i)), pty_path) == 0)
        {
          g_ptr_array_remove_index (self->simulated, i);
          notify_n_items (self, self->ports->len + i, 1, 0);
          return;
        }
    }
}

void
sf_port_monitor_refresh (SfPortMonitor *self)
{
  g_return_if_fail (SF_IS_PORT_MONITOR (self));

  g_mutex_lock (&self->mutex);
  self->refresh_requested = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static SfPortEntry *
find_in (GPtrArray     *ports,
         const char    *path,
         const char    *serial_number,
         SfPortEntry  **serial_match,
         SfPortEntry  **path_match)
{
  for (guint i = 0; i < ports->len; i++)
    {
      SfPortEntry *port = g_ptr_array_index (ports, i);
      const char *port_serial = sf_port_entry_get_serial_number (port);
      gboolean same_serial = serial_number != NULL && g_strcmp0 (port_serial, serial_number) == 0;
      gboolean same_path = path != NULL && g_strcmp0 (sf_port_entry_get_path (port), path) == 0;

      /* Cheap bridges often share one serial number ("0001"): when two
       * match, the one still at the remembered path wins. */
      if (same_serial && same_path)
        return port;
      if (same_serial && *serial_match == NULL)
        *serial_match = port;

      /* A different adapter now at the old path is not the port we were
       * asked for. */
      if (same_path && *path_match == NULL && (serial_number == NULL || port_serial == NULL))
        *path_match = port;
    }

  return NULL;
}

SfPortEntry *
sf_port_monitor_find (SfPortMonitor *self,
                      const char    *path,
                      const char    *serial_number)
{
  SfPortEntry *serial_match = NULL;
  SfPortEntry *path_match = NULL;
  SfPortEntry *port;

  g_return_val_if_fail (SF_IS_PORT_MONITOR (self), NULL);

  if (serial_number != NULL && *serial_number == '\0')
    serial_number = NULL;
  if (path == NULL && serial_number == NULL)
    return NULL;

  if ((port = find_in (self->ports, path, serial_number, &serial_match, &path_match)) != NULL
      || (port = find_in (self->simulated, path, serial_number, &serial_match, &path_match)) != NULL)
    return port;

  return serial_match != NULL ? serial_match : path_match;
}

const char *
sf_port_monitor_get_brltty_hint (SfPortMonitor *self)
{
  g_return_val_if_fail (SF_IS_PORT_MONITOR (self), NULL);

  return self->brltty_hint;
}

static void
sf_port_monitor_constructed (GObject *object)
{
  SfPortMonitor *self = SF_PORT_MONITOR (object);
  const char *sysfs_root = g_getenv ("SPARKFLASH_SYSFS_ROOT");

  G_OBJECT_CLASS (sf_port_monitor_parent_class)->constructed (object);

  if (!self->background_scan)
    return;

  /* Tests point these at a fake sysfs tree, a short period and no real ports. */
  self->sysfs_root = g_strdup (sysfs_root != NULL && *sysfs_root != '\0' ? sysfs_root : "/sys");
  self->period_ms = read_period_ms ();
  self->list_real = g_strcmp0 (g_getenv ("SPARKFLASH_PORTS_FAKE"), "1") != 0;

  self->thread = g_thread_new ("sf-port-monitor", worker_thread, self);
}

static void
sf_port_monitor_dispose (GObject *object)
{
  SfPortMonitor *self = SF_PORT_MONITOR (object);
  guint n_items;

  self->disposed = TRUE;

  if (self->thread != NULL)
    {
      /* Waits for a scan under way, at most one sp_list_ports() call. */
      g_mutex_lock (&self->mutex);
      self->stopping = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);

      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->pending, scan_result_free);
  g_mutex_unlock (&self->mutex);

  if ((n_items = self->ports->len + self->simulated->len) > 0)
    {
      g_ptr_array_set_size (self->ports, 0);
      g_ptr_array_set_size (self->simulated, 0);
      notify_n_items (self, 0, n_items, 0);
    }

  G_OBJECT_CLASS (sf_port_monitor_parent_class)->dispose (object);
}

static void
sf_port_monitor_finalize (GObject *object)
{
  SfPortMonitor *self = SF_PORT_MONITOR (object);

  g_clear_pointer (&self->ports, g_ptr_array_unref);
  g_clear_pointer (&self->simulated, g_ptr_array_unref);
  g_clear_pointer (&self->brltty_hint, g_free);
  g_clear_pointer (&self->sysfs_root, g_free);
  g_clear_pointer (&self->weak_self, weak_self_release);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (sf_port_monitor_parent_class)->finalize (object);
}

static void
sf_port_monitor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SfPortMonitor *self = SF_PORT_MONITOR (object);

  switch (prop_id)
    {
    case PROP_BRLTTY_HINT:
      g_value_set_string (value, self->brltty_hint);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, g_list_model_get_n_items (G_LIST_MODEL (self)));
      break;

    case PROP_BACKGROUND_SCAN:
      g_value_set_boolean (value, self->background_scan);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_port_monitor_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SfPortMonitor *self = SF_PORT_MONITOR (object);

  switch (prop_id)
    {
    case PROP_BACKGROUND_SCAN:
      self->background_scan = g_value_get_boolean (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sf_port_monitor_class_init (SfPortMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sf_port_monitor_constructed;
  object_class->dispose = sf_port_monitor_dispose;
  object_class->finalize = sf_port_monitor_finalize;
  object_class->get_property = sf_port_monitor_get_property;
  object_class->set_property = sf_port_monitor_set_property;

  properties[PROP_BRLTTY_HINT] =
    g_param_spec_string ("brltty-hint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /* FALSE only in tests, which feed scans in by hand. */
  properties[PROP_BACKGROUND_SCAN] =
    g_param_spec_boolean ("background-scan", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sf_port_monitor_init (SfPortMonitor *self)
{
  self->ports = g_ptr_array_new_with_free_func (g_object_unref);
  self->simulated = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
  self->weak_self = g_atomic_rc_box_new0 (GWeakRef);
  g_weak_ref_init (self->weak_self, self);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}
