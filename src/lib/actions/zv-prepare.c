/* zvfio: the prepare/release core shared by zvfio and zvfio-hook. */
#include "zv-prepare.h"
#include "zv-domain-check.h"
#include "zv-error.h"
#include "zv-host-facts.h"
#include "zv-lock.h"
#include "zv-rules.h"
#include "zv-signal.h"
#include "zv-state.h"

#include <string.h>

/* Compares two C strings for sorting. */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Takes the locks of TARGETS (sorted, each key once, so two runs cannot deadlock). */
static GPtrArray *
lock_targets (ZvRoot *root, GPtrArray *targets, const ZvPrepareOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  for (guint i = 0; i < targets->len; i++)
    g_ptr_array_add (keys, ((ZvTarget *) g_ptr_array_index (targets, i))->key);
  g_ptr_array_sort (keys, compare_strings);
  g_autoptr (GPtrArray) locks = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_lock_release);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      if (i > 0 && strcmp (key, g_ptr_array_index (keys, i - 1)) == 0)
        continue;
      ZvLock *lock = zv_lock_acquire (root, key, opts->lock_owner, opts->lock_timeout_ms, error);
      if (lock == NULL)
        return NULL;
      g_ptr_array_add (locks, lock);
    }
  return g_steal_pointer (&locks);
}

/* Runs the prepare rules on every target (zv_prepare_rules, what 'zvfio check
 * --domain' runs too); FALSE (ZV_ERROR_RULE) on an error one. */
static gboolean
check_rules (ZvRoot *root, GPtrArray *targets, const ZvHostFacts *facts,
             const ZvPrepareOptions *opts, GPtrArray *violations, GError **error)
{
  g_ptr_array_extend_and_steal (violations, zv_prepare_rules (root, targets, facts, opts->domain,
                                                              opts->allow_offline));
  if (!zv_violations_have_error (violations))
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_RULE, "refusing to %s (see the rule violations above)",
               opts->action);
  return FALSE;
}

/* Binds TARGET, with the caller's after step. */
static gboolean
bind_one (ZvRoot *root, const ZvTarget *target, const ZvPrepareOptions *opts,
          ZvPrepareResult *result, GError **error)
{
  ZvBindOptions bind = { .offline = opts->allow_offline, .persist = opts->persist,
                         .settle_timeout_ms = opts->settle_timeout_ms, .domain = opts->owner };
  ZvBindRecord *change = NULL;
  gboolean ok = zv_bind_prepare (root, target->bus, target->device, &bind, &change, error);
  g_ptr_array_add (result->changes, change);
  if (!opts->after_bind)
    return ok;
  if (!ok)
    {
      opts->after_bind (target, change, opts->data, NULL);
      return FALSE;
    }
  return opts->after_bind (target, change, opts->data, error);
}

/* Prepares TARGETS: locks, facts, rules, bindings. */
gboolean
zv_prepare (ZvRoot *root, GPtrArray *targets, const ZvPrepareOptions *opts,
            ZvPrepareResult *result, GError **error)
{
  result->violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  result->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_bind_record_free);
  g_autoptr (GPtrArray) locks = lock_targets (root, targets, opts, error);
  if (locks == NULL)
    return FALSE;
  if (opts->locked)
    opts->locked (opts->data);
  g_autoptr (ZvHostFacts) facts = zv_prepare_facts (root, targets, opts->domain);
  if (opts->persist)
    zv_host_facts_read_boot_config (facts);   /* what the next boot does: ccw.boot-config */
  if (!check_rules (root, targets, facts, opts, result->violations, error))
    return FALSE;
  if (!zv_signal_check (error) ||
      (opts->before_binds && !opts->before_binds (targets, opts->data, error)))
    return FALSE;
  for (guint i = 0; i < targets->len; i++)
    {
      const ZvTarget *target = g_ptr_array_index (targets, i);
      if (!zv_signal_check (error))
        return FALSE;
      if (target->managed)
        g_ptr_array_add (result->changes, NULL);   /* libvirt binds it */
      else if (!bind_one (root, target, opts, result, error))
        return FALSE;
    }
  return TRUE;
}

/* Frees what RESULT holds. */
void
zv_prepare_result_clear (ZvPrepareResult *result)
{
  g_clear_pointer (&result->violations, g_ptr_array_unref);
  g_clear_pointer (&result->changes, g_ptr_array_unref);
}

/* Releases DEVICE on BUS under its lock. */
gboolean
zv_release (ZvRoot *root, ZvBus bus, const char *device, const ZvReleaseOptions *opts,
            ZvReleaseResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  g_autofree char *key = zv_bind_key (bus, device);
  g_autoptr (ZvLock) lock = zv_lock_acquire (root, key, opts->lock_owner, opts->lock_timeout_ms,
                                             error);
  if (lock == NULL)
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvBindRecord) record = zv_state_load_binding (root, bus, device, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (opts->owner != NULL && (record == NULL || g_strcmp0 (record->domain, opts->owner) != 0))
    {
      result->not_owned = TRUE;   /* released elsewhere: not ours */
      return TRUE;
    }
  if (record == NULL)
    return zv_bind_release_unrecorded (root, bus, device, opts->unpersist,
                                       opts->settle_timeout_ms, &result->unrecorded, error);
  /* a domain's finished binding is the domain's; one it left half-done is not in use */
  if (opts->owner == NULL && record->domain != NULL && !opts->force &&
      record->phase == ZV_PHASE_PREPARED)
    {
      result->domain_owned = TRUE;
      g_autofree char *label = zv_bus_device_label (bus, device);
      g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY, "%s was bound by zvfio-hook for domain "
                   "'%s' and is released when it stops", label, record->domain);
      return FALSE;
    }
  if (!zv_bind_release (root, record, opts->unpersist, opts->settle_timeout_ms, error))
    return FALSE;
  result->record = g_steal_pointer (&record);
  return TRUE;
}

/* Frees what RESULT holds. */
void
zv_release_result_clear (ZvReleaseResult *result)
{
  g_clear_pointer (&result->record, zv_bind_record_free);
}

/* Settles the record an interrupted prepare or release left for DEVICE on BUS. */
gboolean
zv_repair_device (ZvRoot *root, ZvBus bus, const char *device, guint settle_timeout_ms,
                  guint lock_timeout_ms, pid_t lock_owner, ZvRepaired *done, GError **error)
{
  *done = ZV_REPAIR_NO_RECORD;
  g_autofree char *key = zv_bind_key (bus, device);
  g_autoptr (ZvLock) lock = zv_lock_acquire (root, key, lock_owner, lock_timeout_ms, error);
  if (lock == NULL)
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvBindRecord) record = zv_state_load_binding (root, bus, device, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (record == NULL)
    return TRUE;
  if (record->phase == ZV_PHASE_PREPARED)
    {
      g_autofree char *driver = zv_bind_current_driver (root, bus, device, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (g_strcmp0 (driver, record->driver) == 0)
        {
          *done = ZV_REPAIR_COMPLETE;
          return TRUE;
        }
    }
  if (!zv_bind_repair (root, record, settle_timeout_ms, error))
    return FALSE;
  *done = record->phase == ZV_PHASE_PREPARING ? ZV_REPAIR_UNDID_PREPARE
          : record->phase == ZV_PHASE_RELEASING ? ZV_REPAIR_FINISHED_RELEASE
          : ZV_REPAIR_UNDID_GONE;
  return TRUE;
}
