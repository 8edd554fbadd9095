/* zvfio: releasing what zvfio-hook recorded for a domain. */
#include "zv-domain-release.h"
#include "zv-mdev.h"
#include "zv-mdevctl.h"
#include "zv-prepare.h"

#include <string.h>

/* Writes STATE, or removes its file when it lists nothing. */
gboolean
zv_domain_state_store (ZvRoot *root, const ZvDomainState *state, GError **error)
{
  if (state->bindings->len == 0 && state->started_mdevs->len == 0)
    return zv_state_remove_domain (root, state->domain, error);
  return zv_state_save_domain (root, state, error);
}

/* Stops mdev UUID if it is active. */
gboolean
zv_domain_stop_mdev (ZvRoot *root, const char *uuid, GError **error)
{
  g_autoptr (ZvMdev) active = zv_mdev_load_active (root, uuid, NULL);
  return active == NULL || zv_mdevctl_stop (root, uuid, error);
}

/* Releases the binding of DEVICE on BUS made for DOMAIN (not one made elsewhere). */
gboolean
zv_domain_release_binding (ZvRoot *root, const char *domain, ZvBus bus, const char *device,
                           pid_t owner, guint settle_ms, guint lock_timeout_ms, GError **error)
{
  ZvReleaseOptions options = { .unpersist = TRUE, .settle_timeout_ms = settle_ms,
                               .lock_timeout_ms = lock_timeout_ms, .lock_owner = owner,
                               .owner = domain };
  ZvReleaseResult result = { 0 };
  gboolean ok = zv_release (root, bus, device, &options, &result, error);
  zv_release_result_clear (&result);
  return ok;
}

/* Removes the first copy of ITEM (a string) from ITEMS. */
static void
remove_string (GPtrArray *items, const char *item)
{
  for (guint i = 0; i < items->len; i++)
    if (strcmp (g_ptr_array_index (items, i), item) == 0)
      {
        g_ptr_array_remove_index (items, i);
        return;
      }
}

/* A deep copy of a string array (to iterate while the original shrinks). */
static GPtrArray *
copy_strings (GPtrArray *items)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (items, i)));
  return copy;
}

/* Reports "FORMAT..." through SAY. */
static void G_GNUC_PRINTF (3, 4)
report (ZvSayFunc say, gpointer data, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *line = g_strdup_vprintf (format, args);
  va_end (args);
  say (line, data);
}

/* Releases what STATE lists (see zv-domain-release.h). */
gboolean
zv_domain_release (ZvRoot *root, ZvDomainState *state, pid_t owner, guint settle_ms,
                   guint lock_timeout_ms, ZvSayFunc say, gpointer data, GError **error)
{
  if (state->phase != ZV_PHASE_RELEASING)
    {
      state->phase = ZV_PHASE_RELEASING;
      if (!zv_state_save_domain (root, state, error))
        return FALSE;
    }
  gboolean ok = TRUE;
  g_autoptr (GPtrArray) mdevs = copy_strings (state->started_mdevs);
  for (guint i = mdevs->len; i-- > 0;)
    {
      const char *uuid = g_ptr_array_index (mdevs, i);
      g_autoptr (GError) e = NULL;
      if (zv_domain_stop_mdev (root, uuid, &e))
        remove_string (state->started_mdevs, uuid);
      else
        {
          report (say, data, "cannot stop mdev %s: %s", uuid, e->message);
          ok = FALSE;
        }
    }
  g_autoptr (GPtrArray) keys = copy_strings (state->bindings);
  for (guint i = keys->len; i-- > 0;)
    {
      const char *key = g_ptr_array_index (keys, i);
      ZvBus bus;
      g_autofree char *device = NULL;
      zv_bind_key_parse (key, &bus, &device);   /* keys were validated when loaded */
      g_autoptr (GError) e = NULL;
      if (zv_domain_release_binding (root, state->domain, bus, device, owner, settle_ms,
                                     lock_timeout_ms, &e))
        remove_string (state->bindings, key);
      else
        {
          report (say, data, "%s", e->message);
          ok = FALSE;
        }
    }
  if (!zv_domain_state_store (root, state, error))
    return FALSE;
  return ok;
}
