/* zvfio: driver binding with verification, rollback, records and persistence. */
#include "zv-bind.h"
#include "zv-devno-hint.h"
#include "zv-css.h"
#include "zv-driverctl.h"
#include "zv-error.h"
#include "zv-signal.h"

#include <string.h>

#define ZV_CSS_HOST_DRIVER "io_subchannel"
#define POLL_INTERVAL_US 5000

/* What wait_for_driver waits for. */
typedef enum {
  WAIT_UNBOUND,   /* no driver link */
  WAIT_DRIVER,    /* the driver link names a given driver */
  WAIT_ANY,       /* any driver link */
} WaitFor;

/* Opens /sys/bus/<bus>/devices/<device>; ZV_ERROR_NOT_FOUND when it does not exist. */
static ZvDir *
open_device (ZvRoot *root, ZvBus bus, const char *device, GError **error)
{
  if (!zv_bus_device_is_valid (bus, device))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "'%s' is not a %s device name", device,
                   zv_bus_name (bus));
      return NULL;
    }
  g_autofree char *path = g_strconcat ("/sys/bus/", zv_bus_name (bus), "/devices/", device,
                                       NULL);
  g_autoptr (GError) local = NULL;
  ZvDir *dir = zv_root_open_dir (root, path, &local);
  if (dir == NULL)
    {
      g_autofree char *label = zv_bus_device_label (bus, device);
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "%s does not exist", label);
      else
        g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "%s: %s", label, local->message);
    }
  return dir;
}

/* Reads the driver link of DIR into *OUT (NULL when unbound). */
static gboolean
read_driver (ZvDir *dir, char **out, GError **error)
{
  *out = NULL;
  if (!zv_dir_has (dir, "driver"))
    return TRUE;
  *out = zv_dir_read_link_name (dir, "driver", error);
  if (*out != NULL && !zv_driver_name_is_valid (*out))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: unexpected driver link target '%s'",
                   zv_dir_path (dir), *out);
      g_clear_pointer (out, g_free);
    }
  return *out != NULL;
}

/* The driver DEVICE on BUS is bound to now; NULL with no error when unbound. */
char *
zv_bind_current_driver (ZvRoot *root, ZvBus bus, const char *device, GError **error)
{
  g_autoptr (ZvDir) dir = open_device (root, bus, device, error);
  char *driver = NULL;
  if (dir != NULL)
    read_driver (dir, &driver, error);
  return driver;
}

/* Reads driver_override of DIR into *OUT (NULL for "(null)"). */
static gboolean
read_override (ZvDir *dir, char **out, GError **error)
{
  *out = NULL;
  if (!zv_dir_has (dir, "driver_override"))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO,
                   "%s has no driver_override attribute (kernel too old?); zvfio cannot "
                   "bind it", zv_dir_path (dir));
      return FALSE;
    }
  g_autofree char *value = zv_dir_read_line (dir, "driver_override", error);
  if (value == NULL)
    return FALSE;
  if (value[0] == '\0' || strcmp (value, "(null)") == 0)
    return TRUE;
  if (!zv_driver_name_is_valid (value))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/driver_override: unexpected value '%s'",
                   zv_dir_path (dir), value);
      return FALSE;
    }
  *out = g_steal_pointer (&value);
  return TRUE;
}

/* Writes DRIVER (NULL clears it) to driver_override of DIR. */
static gboolean
write_override (ZvDir *dir, const char *driver, GError **error)
{
  g_autofree char *value = g_strconcat (driver ? driver : "", "\n", NULL);
  return zv_dir_write (dir, "driver_override", value, error);
}

/* Writes "DEVICE\n" to /sys/bus/<bus>/<name> (drivers_probe). */
static gboolean
write_bus_attr (ZvRoot *root, ZvBus bus, const char *name, const char *device, GError **error)
{
  g_autofree char *path = g_strconcat ("/sys/bus/", zv_bus_name (bus), NULL);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, error);
  g_autofree char *value = g_strconcat (device, "\n", NULL);
  return dir != NULL && zv_dir_write (dir, name, value, error);
}

/* Writes "DEVICE\n" to /sys/bus/<bus>/drivers/<driver>/<name> (bind, unbind). */
static gboolean
write_driver_attr (ZvRoot *root, ZvBus bus, const char *driver, const char *name,
                   const char *device, GError **error)
{
  if (!zv_driver_name_is_valid (driver))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "invalid driver name '%s'", driver);
      return FALSE;
    }
  g_autofree char *path = g_strconcat ("/sys/bus/", zv_bus_name (bus), "/drivers/", driver,
                                       NULL);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, error);
  g_autofree char *value = g_strconcat (device, "\n", NULL);
  return dir != NULL && zv_dir_write (dir, name, value, error);
}

/* Polls the driver link of DEVICE until it matches (WAIT, WANT), at most SETTLE_MS;
 * with INTERRUPTIBLE a noted SIGINT/SIGTERM ends the wait as a failure. */
static gboolean
wait_for_driver (ZvRoot *root, ZvBus bus, const char *device, WaitFor wait, const char *want,
                 guint settle_ms, gboolean interruptible, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) settle_ms * 1000;
  g_autofree char *seen = NULL;
  for (;;)
    {
      g_clear_pointer (&seen, g_free);
      g_autoptr (ZvDir) dir = open_device (root, bus, device, NULL);
      if (dir != NULL && read_driver (dir, &seen, NULL))
        {
          if ((wait == WAIT_ANY && seen != NULL) || (wait == WAIT_UNBOUND && seen == NULL) ||
              (wait == WAIT_DRIVER && g_strcmp0 (seen, want) == 0))
            return TRUE;
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      if (interruptible && !zv_signal_check (error))
        return FALSE;
      g_usleep (POLL_INTERVAL_US);
    }
  g_autofree char *label = zv_bus_device_label (bus, device);
  g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "%s: the kernel did not %s within %u ms "
               "(driver is %s)", label,
               wait == WAIT_UNBOUND ? "unbind it" : wait == WAIT_ANY ? "bind a driver"
                                                                     : "bind it",
               settle_ms, seen ? seen : "none");
  if (wait == WAIT_DRIVER)
    g_prefix_error (error, "binding to %s failed: ", want);
  return FALSE;
}

/* Opens the ccw device DEVNO, waiting up to SETTLE_MS for it to appear. */
static ZvDir *
wait_for_ccw_device (ZvRoot *root, const char *devno, guint settle_ms, GError **error)
{
  g_autofree char *path = g_strconcat (ZV_CCW_DEVICES "/", devno, NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) settle_ms * 1000;
  for (;;)
    {
      g_autoptr (GError) local = NULL;
      ZvDir *dir = zv_root_open_dir (root, path, &local);
      if (dir != NULL)
        return dir;
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED,
                       "ccw device %s did not reappear within %u ms: %s", devno, settle_ms,
                       local->message);
          return NULL;
        }
      g_usleep (POLL_INTERVAL_US);
    }
}

/* TRUE when the ccw device in DIR reads online == ONLINE already. */
static gboolean
ccw_online_is (ZvDir *dir, gboolean online)
{
  g_autofree char *value = zv_dir_read_line (dir, "online", NULL);
  gboolean now;
  return value != NULL && zv_parse_flag (value, &now) && now == online;
}

/* Sets the ccw device in DIR online or offline and checks the result. A device
 * already in that state is left alone. Right after a rebind the kernel refuses
 * the write (EINVAL while no ccw driver is bound yet or when the device is
 * already online, EAGAIN while it is being recognized), and the driver
 * (virtio_ccw, a DASD with autoonline) may bring the device online by itself:
 * so a refused write is retried until the device is in the wanted state or
 * SETTLE_MS have passed. */
static gboolean
set_ccw_online (ZvDir *dir, gboolean online, guint settle_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) settle_ms * 1000;
  g_autoptr (GError) write_error = NULL;
  while (!ccw_online_is (dir, online))
    {
      g_clear_error (&write_error);
      if (zv_dir_write (dir, "online", online ? "1\n" : "0\n", &write_error) &&
          ccw_online_is (dir, online))
        break;
      if (g_get_monotonic_time () >= deadline)
        {
          if (write_error != NULL)
            g_propagate_error (error, g_steal_pointer (&write_error));
          else
            g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "ccw device %s: could not set it "
                         "%s within %u ms", zv_dir_name (dir), online ? "online" : "offline",
                         settle_ms);
          return FALSE;
        }
      g_usleep (POLL_INTERVAL_US);
    }
  return TRUE;
}

/* Tells udev listeners that the ccw device in DIR changed (it is online again): a
 * "change" written to its uevent attribute. libvirt before 10.5 only keeps ccw
 * devices that were online when it processed their last uevent; the "add" event
 * of a re-registered device comes while it is still offline, so without this
 * libvirt would not list the device again until it restarts. Best effort: a
 * failure is not a failure of the restore. */
static void
announce_ccw_change (ZvDir *dir)
{
  g_autoptr (GError) local = NULL;
  if (!zv_dir_write (dir, "uevent", "change\n", &local))
    g_debug ("%s: %s", zv_dir_name (dir), local->message);
}

/* Adds "PREFIX: message" of ERROR to PROBLEMS and frees ERROR. */
static void
add_problem (GPtrArray *problems, GError *error)
{
  g_ptr_array_add (problems, g_strdup (error->message));
  g_error_free (error);
}

/* Puts the driver binding of RECORD's device back (driver_override, driver). */
static void
restore_driver (ZvRoot *root, const ZvBindRecord *r, guint settle_ms, GPtrArray *problems)
{
  GError *e = NULL;
  g_autoptr (ZvDir) dir = open_device (root, r->bus, r->device, &e);
  g_autofree char *current = NULL;
  g_autofree char *override = NULL;
  if (dir == NULL || !read_driver (dir, &current, &e) || !read_override (dir, &override, &e))
    {
      add_problem (problems, e);
      return;
    }
  if (current != NULL && strcmp (current, r->driver) != 0 &&
      g_strcmp0 (current, r->previous_driver) != 0)
    {
      g_autofree char *label = zv_bus_device_label (r->bus, r->device);
      g_ptr_array_add (problems, g_strdup_printf ("%s is now bound to %s, not by zvfio; left "
                                                  "alone", label, current));
      return;
    }
  if (g_strcmp0 (override, r->previous_override) != 0 &&
      !write_override (dir, r->previous_override, &e))
    {
      add_problem (problems, e);
      return;
    }
  if (g_strcmp0 (current, r->previous_driver) == 0)
    return;
  if (current != NULL &&
      (!write_driver_attr (root, r->bus, current, "unbind", r->device, &e) ||
       !wait_for_driver (root, r->bus, r->device, WAIT_UNBOUND, NULL, settle_ms, FALSE, &e)))
    {
      add_problem (problems, e);
      return;
    }
  if (r->previous_driver != NULL &&
      (!write_driver_attr (root, r->bus, r->previous_driver, "bind", r->device, &e) ||
       !wait_for_driver (root, r->bus, r->device, WAIT_DRIVER, r->previous_driver, settle_ms,
                         FALSE, &e)))
    add_problem (problems, e);
}

/* TRUE when RECORD's operation may have done STEP: every step of a finished
 * prepare, those up to the last one started of a prepare under way. */
static gboolean
step_started (const ZvBindRecord *r, ZvStep step)
{
  return r->phase != ZV_PHASE_PREPARING || r->step >= step;
}

/* Undoes RECORD as far as possible; failures go to PROBLEMS, the rest carries on.
 * Each restore compares the device's state now with the record, so running it
 * again (after a crash half-way) does only what is still missing. */
static void
restore (ZvRoot *root, const ZvBindRecord *r, gboolean unpersist, guint settle_ms,
         GPtrArray *problems)
{
  GError *e = NULL;
  if (r->rebound && step_started (r, ZV_STEP_OVERRIDE))
    restore_driver (root, r, settle_ms, problems);
  if (r->offline_ccw_device != NULL && step_started (r, ZV_STEP_OFFLINE))
    {
      g_autoptr (ZvDir) ccw = wait_for_ccw_device (root, r->offline_ccw_device, settle_ms, &e);
      if (ccw == NULL || !set_ccw_online (ccw, TRUE, settle_ms, &e))
        add_problem (problems, e);
      else
        announce_ccw_change (ccw);
    }
  if (r->persist && unpersist && step_started (r, ZV_STEP_PERSIST) &&
      !zv_driverctl_write (root, r->bus, r->device, r->previous_persist, &e))
    add_problem (problems, e);
}

/* Starts STEP: checks for a noted signal, then advances the intent in RECORD's
 * file before the step changes anything. */
static gboolean
begin_step (ZvRoot *root, ZvBindRecord *r, ZvStep step, GError **error)
{
  if (!zv_signal_check (error))
    return FALSE;
  r->step = step;
  return zv_state_save_binding (root, r, error);
}

/* Does the writes RECORD plans, in order, verifying each step; RECORD's file
 * names the step under way before each one. */
static gboolean
apply (ZvRoot *root, ZvBindRecord *r, guint settle_ms, GError **error)
{
  if (r->offline_ccw_device != NULL)
    {
      if (!begin_step (root, r, ZV_STEP_OFFLINE, error))
        return FALSE;
      g_autoptr (ZvDir) ccw = wait_for_ccw_device (root, r->offline_ccw_device, 0, error);
      if (ccw == NULL || !set_ccw_online (ccw, FALSE, settle_ms, error))
        return FALSE;
    }
  if (!begin_step (root, r, ZV_STEP_OVERRIDE, error))
    return FALSE;
  g_autoptr (ZvDir) dir = open_device (root, r->bus, r->device, error);
  if (dir == NULL || !write_override (dir, r->driver, error))
    return FALSE;
  if (r->previous_driver != NULL &&
      (!begin_step (root, r, ZV_STEP_UNBIND, error) ||
       !write_driver_attr (root, r->bus, r->previous_driver, "unbind", r->device, error) ||
       !wait_for_driver (root, r->bus, r->device, WAIT_UNBOUND, NULL, settle_ms, TRUE, error)))
    return FALSE;
  if (!begin_step (root, r, ZV_STEP_PROBE, error) ||
      !write_bus_attr (root, r->bus, "drivers_probe", r->device, error) ||
      !wait_for_driver (root, r->bus, r->device, WAIT_DRIVER, r->driver, settle_ms, TRUE,
                        error))
    return FALSE;
  if (r->persist &&
      (!begin_step (root, r, ZV_STEP_PERSIST, error) ||
       !zv_driverctl_write (root, r->bus, r->device, r->driver, error)))
    return FALSE;
  /* without a ccw device the devno is found through the hint (best effort; a
   * lookup verifies it). Written while the record still says "preparing", so an
   * operation stopped here is undone like any other step, not taken as done. */
  if (r->bus == ZV_BUS_CSS)
    zv_devno_hint_save (root, dir, NULL);
  if (!zv_signal_check (error))
    return FALSE;
  r->phase = ZV_PHASE_PREPARED;
  if (zv_state_save_binding (root, r, error))
    return TRUE;
  r->phase = ZV_PHASE_PREPARING;
  return FALSE;
}

/* Joins PROBLEMS into one "; "-separated string. */
static char *
join_problems (GPtrArray *problems)
{
  g_ptr_array_add (problems, NULL);
  char *text = g_strjoinv ("; ", (char **) problems->pdata);
  g_ptr_array_remove_index (problems, problems->len - 1);
  return text;
}

/* Appends SUFFIX to the message of *ERROR. */
static void
append_to_error (GError **error, const char *suffix)
{
  if (error == NULL || *error == NULL)
    return;
  char *message = g_strconcat ((*error)->message, suffix, NULL);
  g_free ((*error)->message);
  (*error)->message = message;
}

/* Rolls back a failed apply of RECORD and says in *ERROR how that went. */
static void
roll_back (ZvRoot *root, const ZvBindRecord *record, guint settle_ms, GError **error)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  restore (root, record, TRUE, settle_ms, problems);
  GError *e = NULL;
  if (problems->len == 0 && !zv_state_remove_binding (root, record->bus, record->device, &e))
    add_problem (problems, e);
  if (problems->len == 0)
    {
      append_to_error (error, "; every change was rolled back");
      return;
    }
  g_autofree char *joined = join_problems (problems);
  g_autofree char *suffix = g_strdup_printf ("; ROLLBACK INCOMPLETE: %s (record kept in "
                                             ZV_STATE_BIND_DIR "; retry with 'zvfio release')",
                                             joined);
  append_to_error (error, suffix);
}

/* Prepare for a device already bound to its vfio driver: only the driverctl
 * override may need writing. EXISTING is the device's record, if any. */
static gboolean
prepare_persist_only (ZvRoot *root, ZvBus bus, const char *device,
                      const ZvBindOptions *options, ZvBindRecord *existing,
                      ZvBindRecord **change, GError **error)
{
  g_autofree char *previous = NULL;
  if (!options->persist || !zv_driverctl_read (root, bus, device, &previous, error))
    return !options->persist;
  if (g_strcmp0 (previous, zv_bus_vfio_driver (bus)) == 0)
    return TRUE;
  /* what this call changes (for the caller) */
  g_autoptr (ZvBindRecord) only = zv_bind_record_new (bus, device);
  only->persist = TRUE;
  only->previous_persist = g_strdup (previous);
  only->domain = g_strdup (options->domain);
  /* what the device's record says after it */
  ZvBindRecord *saved = existing ? existing : only;
  gboolean had_persist = saved->persist;
  g_autofree char *had_previous = g_strdup (saved->previous_persist);
  if (!had_persist)
    {
      saved->persist = TRUE;
      g_free (saved->previous_persist);
      saved->previous_persist = g_strdup (previous);
    }
  if (!zv_state_save_binding (root, saved, error))
    return FALSE;
  if (!zv_driverctl_write (root, bus, device, zv_bus_vfio_driver (bus), error))
    {
      GError *e = NULL;
      saved->persist = had_persist;
      g_free (saved->previous_persist);
      saved->previous_persist = g_steal_pointer (&had_previous);
      gboolean undone = existing ? zv_state_save_binding (root, existing, &e)
                                 : zv_state_remove_binding (root, bus, device, &e);
      if (!undone)
        {
          append_to_error (error, "; also: ");
          append_to_error (error, e->message);
          g_error_free (e);
        }
      return FALSE;
    }
  *change = g_steal_pointer (&only);
  return TRUE;
}

/* Fills in RECORD from the device's current state and OPTIONS (no writes). */
static gboolean
plan (ZvRoot *root, ZvDir *dir, ZvBindRecord *record, const ZvBindOptions *options,
      GError **error)
{
  record->rebound = TRUE;
  record->domain = g_strdup (options->domain);
  if (!read_driver (dir, &record->previous_driver, error) ||
      !read_override (dir, &record->previous_override, error))
    return FALSE;
  if (record->bus == ZV_BUS_CSS && options->offline)
    {
      g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (ZvSubchannel) sch = zv_subchannel_load (dir, warnings, error);
      if (sch == NULL)
        return FALSE;
      if (sch->device != NULL && sch->device->online == 1)
        record->offline_ccw_device = g_strdup (sch->device->id);
    }
  if (options->persist)
    {
      g_autofree char *previous = NULL;
      if (!zv_driverctl_read (root, record->bus, record->device, &previous, error))
        return FALSE;
      record->persist = g_strcmp0 (previous, record->driver) != 0;
      record->previous_persist = record->persist ? g_steal_pointer (&previous) : NULL;
    }
  return TRUE;
}

/* Binds DEVICE on BUS to its vfio driver (see zv-bind.h). */
gboolean
zv_bind_prepare (ZvRoot *root, ZvBus bus, const char *device, const ZvBindOptions *options,
                 ZvBindRecord **change, GError **error)
{
  *change = NULL;
  guint settle_ms = MIN (options->settle_timeout_ms, ZV_BIND_SETTLE_MAX_MS);
  g_autoptr (ZvDir) dir = open_device (root, bus, device, error);
  if (dir == NULL)
    return FALSE;
  g_autofree char *current = NULL;
  if (!read_driver (dir, &current, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvBindRecord) existing = zv_state_load_binding (root, bus, device, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (existing != NULL &&
      (existing->phase != ZV_PHASE_PREPARED || g_strcmp0 (current, zv_bus_vfio_driver (bus)) != 0))
    {
      /* an interrupted prepare or release, or a binding undone behind zvfio's
       * back: the record holds the host's state from before, so it is settled
       * from the record first; a plan of the half-changed state now would lose it */
      if (!zv_bind_repair (root, existing, settle_ms, error))
        return FALSE;
      g_clear_pointer (&existing, zv_bind_record_free);
      g_clear_pointer (&current, g_free);
      if (!read_driver (dir, &current, error))
        return FALSE;
    }
  if (g_strcmp0 (current, zv_bus_vfio_driver (bus)) == 0)
    return prepare_persist_only (root, bus, device, options, existing, change, error);

  g_autoptr (ZvBindRecord) record = zv_bind_record_new (bus, device);
  record->phase = ZV_PHASE_PREPARING;
  if (!plan (root, dir, record, options, error))
    return FALSE;
  /* the record is written before the first change and advanced before each
   * step, so a crash anywhere leaves the way back */
  if (!apply (root, record, settle_ms, error))
    {
      roll_back (root, record, settle_ms, error);
      return FALSE;
    }
  *change = g_steal_pointer (&record);
  return TRUE;
}

/* Settles a record an interrupted zvfio left (see zv-bind.h). */
gboolean
zv_bind_repair (ZvRoot *root, const ZvBindRecord *record, guint settle_timeout_ms,
                GError **error)
{
  guint settle_ms = MIN (settle_timeout_ms, ZV_BIND_SETTLE_MAX_MS);
  /* a release under way restores what it was asked to; anything else is undone */
  gboolean unpersist = record->phase == ZV_PHASE_RELEASING ? record->unpersist : TRUE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  restore (root, record, unpersist, settle_ms, problems);
  if (problems->len > 0)
    {
      g_autofree char *joined = join_problems (problems);
      g_autofree char *label = zv_bus_device_label (record->bus, record->device);
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "%s: cannot finish the %s recorded in "
                   ZV_STATE_BIND_DIR ": %s (record kept; retry with 'zvfio repair' after "
                   "fixing the cause)", label,
                   record->phase == ZV_PHASE_PREPARING ? "interrupted prepare"
                   : record->phase == ZV_PHASE_RELEASING ? "interrupted release"
                   : "binding undone outside zvfio", joined);
      return FALSE;
    }
  return zv_state_remove_binding (root, record->bus, record->device, error);
}

/* Undoes RECORD (see zv-bind.h). */
gboolean
zv_bind_release (ZvRoot *root, ZvBindRecord *record, gboolean unpersist,
                 guint settle_timeout_ms, GError **error)
{
  guint settle_ms = MIN (settle_timeout_ms, ZV_BIND_SETTLE_MAX_MS);
  if (record->phase == ZV_PHASE_PREPARING)
    return zv_bind_repair (root, record, settle_timeout_ms, error);   /* undone entirely */
  /* the intent first: a crash from here on is finished by the next release/repair */
  if (record->phase == ZV_PHASE_PREPARED || (unpersist && !record->unpersist))
    {
      record->phase = ZV_PHASE_RELEASING;
      record->unpersist = record->unpersist || unpersist;
      if (!zv_state_save_binding (root, record, error))
        return FALSE;
    }
  unpersist = record->unpersist;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  restore (root, record, unpersist, settle_ms, problems);
  if (problems->len > 0)
    {
      g_autofree char *joined = join_problems (problems);
      g_autofree char *label = zv_bus_device_label (record->bus, record->device);
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "%s: release incomplete: %s (record kept "
                   "in " ZV_STATE_BIND_DIR "; retry after fixing the cause)", label, joined);
      return FALSE;
    }
  return zv_state_remove_binding (root, record->bus, record->device, error);
}

/* Release without a record (see zv-bind.h). */
gboolean
zv_bind_release_unrecorded (ZvRoot *root, ZvBus bus, const char *device, gboolean unpersist,
                            guint settle_timeout_ms, guint *done, GError **error)
{
  guint settle_ms = MIN (settle_timeout_ms, ZV_BIND_SETTLE_MAX_MS);
  const char *vfio = zv_bus_vfio_driver (bus);
  *done = 0;
  g_autoptr (ZvDir) dir = open_device (root, bus, device, error);
  if (dir == NULL)
    return FALSE;
  g_autofree char *current = NULL;
  g_autofree char *override = NULL;
  if (!read_driver (dir, &current, error) || !read_override (dir, &override, error))
    return FALSE;
  if (g_strcmp0 (override, vfio) == 0)
    {
      if (!write_override (dir, NULL, error))
        return FALSE;
      *done |= ZV_RELEASED_OVERRIDE;
    }
  if (g_strcmp0 (current, vfio) == 0)
    {
      *done |= ZV_RELEASED_DRIVER;
      if (!write_driver_attr (root, bus, vfio, "unbind", device, error) ||
          !wait_for_driver (root, bus, device, WAIT_UNBOUND, NULL, settle_ms, FALSE, error))
        return FALSE;
      if (bus == ZV_BUS_CSS)
        {
          if (!write_driver_attr (root, bus, ZV_CSS_HOST_DRIVER, "bind", device, error) ||
              !wait_for_driver (root, bus, device, WAIT_DRIVER, ZV_CSS_HOST_DRIVER, settle_ms,
                                FALSE, error))
            return FALSE;
        }
      else
        {
          /* whichever host driver matches; a function no driver claims stays unbound
           * (not an error: the caller shows the driver it ends up with) */
          if (!write_bus_attr (root, bus, "drivers_probe", device, error))
            return FALSE;
          wait_for_driver (root, bus, device, WAIT_ANY, NULL, settle_ms, FALSE, NULL);
        }
    }
  if (unpersist)
    {
      g_autofree char *persisted = NULL;
      if (!zv_driverctl_read (root, bus, device, &persisted, error))
        return FALSE;
      if (g_strcmp0 (persisted, vfio) == 0)
        {
          if (!zv_driverctl_write (root, bus, device, NULL, error))
            return FALSE;
          *done |= ZV_RELEASED_PERSIST;
        }
    }
  return TRUE;
}
