/* zvfio-hook: the libvirt qemu hook, installed as /etc/libvirt/hooks/qemu.d/zvfio.
 *
 * libvirt runs it as  zvfio-hook DOMAIN OPERATION SUBOP EXTRA  with the full
 * domain XML on stdin (docs/hook.md):
 *   prepare begin  for each vfio-ccw mdev and zPCI hostdev: run the rules, bind
 *                  the device to its vfio driver, start a defined mdev; on any
 *                  error undo all of it and exit non-zero (libvirt refuses to
 *                  start the guest and shows stderr)
 *   release end    stop the mdevs and restore the bindings prepare recorded in
 *                  /run/zvfio/<domain>.json
 *   anything else  exit 0 at once, without reading stdin or touching sysfs.
 * It never calls back into libvirt and every wait is bounded. libvirt runs it
 * through zvfio-hook-gate, which answers the calls with nothing to do without
 * loading glib and friends. */
#include "zv-bind.h"
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-inventory.h"
#include "zv-lock.h"
#include "zv-mdevctl.h"
#include "zv-rules.h"
#include "zv-state.h"
#include "hook-input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROG "zvfio-hook"
#define HOOK_LOCK_TIMEOUT_MS 10000

/* One passthrough device of the domain. */
typedef struct {
  const ZvHostdev *hostdev;
  ZvInventory *inv;          /* the device and everything related */
  ZvBus bus;
  const char *device;        /* subchannel id or PCI address (owned by INV) */
  char *key;                 /* "css-0.0.0313": record, lock and driverctl name */
  gboolean bind;             /* FALSE: a managed PCI hostdev, libvirt binds it itself */
  char mdev[37];             /* MDEV_CCW: the mdev UUID */
  gboolean start_mdev;       /* the mdev is defined but not active */
} Target;

/* One hook run. */
typedef struct {
  ZvRoot *root;
  const char *name;          /* the domain name from argv */
  ZvDomainState *state;      /* /run/zvfio/<name>.json as it is now */
  GPtrArray *bound;          /* ZvBindRecord*: bindings made by this run, in order */
  GPtrArray *started;        /* char*: mdevs started by this run, in order */
  gboolean offline;          /* the domain allows online ccw devices to be set offline */
} Hook;

/* Prints "zvfio-hook: DOMAIN: MESSAGE" on stderr (libvirt shows it). */
static void G_GNUC_PRINTF (2, 3)
say (const Hook *hook, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, PROG ": %s: %s\n", hook->name, message);
}

/* Frees a target. */
static void
target_free (Target *target)
{
  zv_inventory_free (target->inv);
  g_free (target->key);
  g_free (target);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Target, target_free)

/* Builds the target for a vfio-ccw mdev hostdev: its parent subchannel. */
static Target *
mdev_target (ZvRoot *root, const ZvHostdev *hd, GError **error)
{
  g_autoptr (Target) t = g_new0 (Target, 1);
  t->hostdev = hd;
  t->bus = ZV_BUS_CSS;
  t->bind = TRUE;
  if (!zv_parse_uuid (hd->uuid, t->mdev))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "hostdev mdev UUID '%s' is invalid",
                   hd->uuid);
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  t->inv = zv_inventory_lookup (root, t->mdev, &local);
  if (t->inv == NULL && !g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (t->inv == NULL || t->inv->subchannels->len != 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "vfio-ccw mdev %s is neither active "
                   "nor defined in mdevctl (define it: zvfio define SUBCHANNEL --uuid %s)",
                   t->mdev, t->mdev);
      return NULL;
    }
  const ZvSubchannel *sch = g_ptr_array_index (t->inv->subchannels, 0);
  t->device = sch->id;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (strcmp (m->uuid, t->mdev) == 0)
        t->start_mdev = !m->active;
    }
  t->key = zv_bind_key (t->bus, t->device);
  return g_steal_pointer (&t);
}

/* Builds the target for a PCI hostdev (a zPCI function). */
static Target *
pci_target (ZvRoot *root, const ZvHostdev *hd, GError **error)
{
  g_autoptr (Target) t = g_new0 (Target, 1);
  t->hostdev = hd;
  t->bus = ZV_BUS_PCI;
  t->bind = !hd->managed;
  t->inv = zv_inventory_lookup (root, hd->pci_source ? hd->pci_source : "", error);
  if (t->inv == NULL)
    return NULL;
  if (t->inv->pci_functions->len != 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "PCI hostdev %s is not a zPCI function",
                   hd->pci_source);
      return NULL;
    }
  const ZvPciFunction *fn = g_ptr_array_index (t->inv->pci_functions, 0);
  t->device = fn->address;
  t->key = zv_bind_key (t->bus, t->device);
  return g_steal_pointer (&t);
}

/* The targets of every vfio-ccw mdev and PCI hostdev of DOMAIN. */
static GPtrArray *
collect_targets (ZvRoot *root, const ZvDomain *domain, GError **error)
{
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      Target *t = NULL;
      if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
        t = mdev_target (root, hd, error);
      else if (hd->kind == ZV_HOSTDEV_PCI)
        t = pci_target (root, hd, error);
      else
        continue;
      if (t == NULL)
        return NULL;
      g_ptr_array_add (targets, t);
    }
  return g_steal_pointer (&targets);
}

/* Runs the rules for every target; prints every violation; FALSE on an error one. */
static gboolean
check_rules (Hook *hook, const ZvDomain *domain, GPtrArray *targets)
{
  g_autoptr (GPtrArray) violations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  for (guint i = 0; i < targets->len; i++)
    {
      const Target *t = g_ptr_array_index (targets, i);
      const ZvHostdev *hd = t->hostdev;
      ZvRuleContext ctx = {
        .root = hook->root, .op = ZV_OP_PREPARE, .device = t->device,
        .requested_id = hd->kind == ZV_HOSTDEV_MDEV_CCW ? t->mdev : hd->pci_source,
        .domain = domain, .allow_offline = domain->hook_offline,
      };
      if (t->bus == ZV_BUS_CSS)
        {
          ctx.sch = g_ptr_array_index (t->inv->subchannels, 0);
          ctx.mdev_type = ZV_VFIO_CCW_MDEV_TYPE;
          ctx.has_guest_ccw = hd->has_ccw_address;
          ctx.guest_cssid = hd->ccw.cssid;
          ctx.guest_ssid = hd->ccw.ssid;
          ctx.guest_devno = hd->ccw.devno;
        }
      else
        {
          ctx.pci = g_ptr_array_index (t->inv->pci_functions, 0);
          ctx.has_guest_zpci = hd->has_uid || hd->has_fid;
          ctx.guest_uid = hd->uid;
          ctx.guest_fid = hd->fid;
        }
      g_ptr_array_extend_and_steal (violations, zv_rules_run (&ctx));
    }
  g_autofree char *text = zv_violations_format (violations);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] != '\0')
      say (hook, "%s", lines[i]);
  return !zv_violations_have_error (violations);
}

/* Compares two C strings for sorting. */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Takes the locks named by KEYS (sorted, each once, so two hooks cannot deadlock). */
static GPtrArray *
lock_all (ZvRoot *root, GPtrArray *keys, GError **error)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_copy (keys, NULL, NULL);
  g_ptr_array_sort (sorted, compare_strings);
  g_autoptr (GPtrArray) locks = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_lock_release);
  for (guint i = 0; i < sorted->len; i++)
    {
      const char *key = g_ptr_array_index (sorted, i);
      if (i > 0 && strcmp (key, g_ptr_array_index (sorted, i - 1)) == 0)
        continue;
      ZvLock *lock = zv_lock_acquire (root, key, getpid (), HOOK_LOCK_TIMEOUT_MS, error);
      if (lock == NULL)
        return NULL;
      g_ptr_array_add (locks, lock);
    }
  return g_steal_pointer (&locks);
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

/* TRUE when ITEMS holds ITEM. */
static gboolean
has_string (GPtrArray *items, const char *item)
{
  for (guint i = 0; i < items->len; i++)
    if (strcmp (g_ptr_array_index (items, i), item) == 0)
      return TRUE;
  return FALSE;
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

/* Writes the domain state, or removes it when it records nothing. */
static gboolean
save_state (Hook *hook, GError **error)
{
  if (hook->state->bindings->len == 0 && hook->state->started_mdevs->len == 0)
    return zv_state_remove_domain (hook->root, hook->name, error);
  return zv_state_save_domain (hook->root, hook->state, error);
}

/* Binds the device of T for the domain, recording the binding in the domain
 * state before anything changes. */
static gboolean
bind_target (Hook *hook, const Target *t, GError **error)
{
  g_autoptr (ZvBindRecord) other = zv_state_load_binding (hook->root, t->bus, t->device, error);
  if (other == NULL && error != NULL && *error != NULL)
    return FALSE;
  if (other != NULL && other->domain != NULL && strcmp (other->domain, hook->name) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY, "%s %s is prepared for domain '%s' (bound "
                   "by zvfio-hook); a device can be passed to one running domain only",
                   t->bus == ZV_BUS_CSS ? "subchannel" : "PCI function", t->device,
                   other->domain);
      return FALSE;
    }
  gboolean listed = has_string (hook->state->bindings, t->key);
  if (!listed)
    {
      g_ptr_array_add (hook->state->bindings, g_strdup (t->key));
      if (!save_state (hook, error))
        return FALSE;
    }
  ZvBindOptions options = { .settle_timeout_ms = ZV_BIND_SETTLE_MS, .domain = hook->name,
                            .offline = hook->offline };
  ZvBindRecord *change = NULL;
  gboolean ok = zv_bind_prepare (hook->root, t->bus, t->device, &options, &change, error);
  if (change != NULL)
    {
      g_ptr_array_add (hook->bound, change);
      return TRUE;
    }
  if (!listed)
    {
      /* nothing changed (already bound, or rolled back): not ours to release */
      remove_string (hook->state->bindings, t->key);
      g_autoptr (GError) e = NULL;
      if (!save_state (hook, &e) && ok)
        {
          g_propagate_error (error, g_steal_pointer (&e));
          return FALSE;
        }
    }
  return ok;
}

/* Starts the mdev of T, recording it in the domain state first. */
static gboolean
start_mdev (Hook *hook, const Target *t, GError **error)
{
  g_ptr_array_add (hook->state->started_mdevs, g_strdup (t->mdev));
  if (!save_state (hook, error))
    return FALSE;
  if (!zv_mdevctl_start (hook->root, t->mdev, NULL, error))
    {
      remove_string (hook->state->started_mdevs, t->mdev);
      GError *e = NULL;
      if (!save_state (hook, &e))
        g_error_free (e);
      return FALSE;
    }
  g_ptr_array_add (hook->started, g_strdup (t->mdev));
  say (hook, "started mdev %s on subchannel %s", t->mdev, t->device);
  return TRUE;
}

/* Stops mdev UUID if it is active. */
static gboolean
stop_mdev (ZvRoot *root, const char *uuid, GError **error)
{
  g_autoptr (ZvMdev) active = zv_mdev_load_active (root, uuid, NULL);
  return active == NULL || zv_mdevctl_stop (root, uuid, error);
}

/* Releases one binding record made for the domain; FALSE (message said) on failure. */
static gboolean
release_record (Hook *hook, const ZvBindRecord *record)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = zv_bind_key (record->bus, record->device);
  g_autoptr (ZvLock) lock = zv_lock_acquire (hook->root, key, getpid (), HOOK_LOCK_TIMEOUT_MS,
                                             &error);
  if (lock == NULL || !zv_bind_release (hook->root, record, TRUE, ZV_BIND_SETTLE_MS, &error))
    {
      say (hook, "%s", error->message);
      return FALSE;
    }
  remove_string (hook->state->bindings, key);
  return TRUE;
}

/* Undoes what this run did (mdevs first, then bindings, newest first). */
static void
undo (Hook *hook)
{
  for (guint i = hook->started->len; i-- > 0;)
    {
      const char *uuid = g_ptr_array_index (hook->started, i);
      g_autoptr (GError) error = NULL;
      if (stop_mdev (hook->root, uuid, &error))
        remove_string (hook->state->started_mdevs, uuid);
      else
        say (hook, "undo: cannot stop mdev %s: %s", uuid, error->message);
    }
  for (guint i = hook->bound->len; i-- > 0;)
    release_record (hook, g_ptr_array_index (hook->bound, i));
  g_autoptr (GError) error = NULL;
  if (!save_state (hook, &error))
    say (hook, "undo: %s", error->message);
}

/* prepare begin: rules, bindings, mdev starts; all or nothing. */
static int
hook_prepare (Hook *hook, const ZvDomain *domain)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) targets = collect_targets (hook->root, domain, &error);
  if (targets == NULL)
    {
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  if (targets->len == 0)
    return ZV_EXIT_OK;
  hook->offline = domain->hook_offline;
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  for (guint i = 0; i < targets->len; i++)
    g_ptr_array_add (keys, ((Target *) g_ptr_array_index (targets, i))->key);

  g_autoptr (GPtrArray) locks = lock_all (hook->root, keys, &error);
  if (locks == NULL)
    {
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  if (!check_rules (hook, domain, targets))
    {
      say (hook, "refusing to start the domain (see the rule violations above)");
      return ZV_EXIT_RULE;
    }
  hook->state = zv_state_load_domain (hook->root, hook->name, &error);
  if (error != NULL)
    {
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  if (hook->state == NULL)
    hook->state = zv_domain_state_new (hook->name);

  gboolean ok = TRUE;
  for (guint i = 0; ok && i < targets->len; i++)
    {
      const Target *t = g_ptr_array_index (targets, i);
      ok = !t->bind || bind_target (hook, t, &error);
    }
  /* mdevctl's callout takes the subchannel lock itself: ours go first */
  g_clear_pointer (&locks, g_ptr_array_unref);
  for (guint i = 0; ok && i < targets->len; i++)
    {
      const Target *t = g_ptr_array_index (targets, i);
      ok = !t->start_mdev || start_mdev (hook, t, &error);
    }
  if (ok)
    return ZV_EXIT_OK;
  say (hook, "%s", error->message);
  undo (hook);
  say (hook, "refusing to start the domain; undid what this hook changed");
  return zv_error_exit_code (error);
}

/* release end: stops the mdevs and restores the bindings recorded for the domain. */
static int
hook_release (Hook *hook)
{
  g_autoptr (GError) error = NULL;
  hook->state = zv_state_load_domain (hook->root, hook->name, &error);
  if (hook->state == NULL)
    {
      if (error == NULL)
        return ZV_EXIT_OK;     /* zvfio changed nothing for this domain */
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  gboolean ok = TRUE;
  g_autoptr (GPtrArray) mdevs = copy_strings (hook->state->started_mdevs);
  for (guint i = mdevs->len; i-- > 0;)
    {
      const char *uuid = g_ptr_array_index (mdevs, i);
      g_autoptr (GError) e = NULL;
      if (stop_mdev (hook->root, uuid, &e))
        remove_string (hook->state->started_mdevs, uuid);
      else
        {
          say (hook, "cannot stop mdev %s: %s", uuid, e->message);
          ok = FALSE;
        }
    }
  g_autoptr (GPtrArray) keys = copy_strings (hook->state->bindings);
  for (guint i = keys->len; i-- > 0;)
    {
      const char *key = g_ptr_array_index (keys, i);
      ZvBus bus;
      g_autofree char *device = NULL;
      zv_bind_key_parse (key, &bus, &device);   /* keys were validated when loaded */
      g_autoptr (GError) e = NULL;
      g_autoptr (ZvBindRecord) record = zv_state_load_binding (hook->root, bus, device, &e);
      if (e != NULL)
        {
          say (hook, "%s", e->message);
          ok = FALSE;
        }
      else if (record == NULL || g_strcmp0 (record->domain, hook->name) != 0)
        remove_string (hook->state->bindings, key);   /* released elsewhere: not ours */
      else
        ok = release_record (hook, record) && ok;
    }
  if (!save_state (hook, &error))
    {
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  return ok ? ZV_EXIT_OK : ZV_EXIT_FAILURE;
}

/* Reads, size-checks and parses the domain XML on stdin for prepare; *SKIP is
 * set (and NULL returned) when it has no <hostdev> at all. */
static ZvDomain *
read_domain (Hook *hook, gboolean *skip, GError **error)
{
  char *xml = NULL;
  size_t length = 0;
  int code = zv_hook_read_input (STDIN_FILENO, &xml, &length);
  if (code != 0)
    {
      char message[128];
      g_set_error_literal (error, ZV_ERROR,
                           code == EFBIG || code == ETIMEDOUT ? ZV_ERROR_INVALID : ZV_ERROR_IO,
                           zv_hook_input_error (code, message, sizeof message));
      return NULL;
    }
  g_autofree char *owned = xml;   /* malloc()ed: g_free is free on glib >= 2.46 */
  /* cheap scan first: most domains have no host devices at all */
  if (!zv_hook_has_hostdev (xml, length))
    {
      *skip = TRUE;
      return NULL;
    }
  g_autoptr (ZvDomain) domain = zv_domain_parse (xml, (gssize) length, error);
  if (domain == NULL)
    return NULL;
  if (g_strcmp0 (domain->name, hook->name) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "the domain XML on stdin is for '%s', "
                   "not '%s'", domain->name ? domain->name : "(no name)", hook->name);
      return NULL;
    }
  return g_steal_pointer (&domain);
}

int
main (int argc, char **argv)
{
  /* fast path: libvirt calls every hook for every operation of every domain */
  if (argc != 5)
    {
      fprintf (stderr, "usage: " PROG " DOMAIN OPERATION SUBOP EXTRA (run by libvirt as "
               "/etc/libvirt/hooks/qemu.d/zvfio, domain XML on stdin)\n");
      return ZV_EXIT_USAGE;
    }
  ZvHookWork work = zv_hook_work (argv[2], argv[3]);
  if (work == ZV_HOOK_NOTHING)
    return ZV_EXIT_OK;

  Hook hook = { .name = argv[1] };
  if (!zv_state_domain_name_is_valid (hook.name))
    {
      fprintf (stderr, PROG ": refusing domain name '%s' (empty, too long, leading '.', '/' "
               "or control characters)\n", hook.name);
      return ZV_EXIT_INVALID;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (NULL, &error);
  if (root == NULL)
    {
      say (&hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  hook.root = root;
  hook.bound = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_bind_record_free);
  hook.started = g_ptr_array_new_with_free_func (g_free);
  int rc;
  if (work == ZV_HOOK_RELEASE)
    rc = hook_release (&hook);
  else
    {
      gboolean skip = FALSE;
      g_autoptr (ZvDomain) domain = read_domain (&hook, &skip, &error);
      if (domain != NULL)
        rc = hook_prepare (&hook, domain);
      else if (skip)
        rc = ZV_EXIT_OK;
      else
        {
          say (&hook, "%s", error->message);
          rc = zv_error_exit_code (error);
        }
    }
  zv_domain_state_free (hook.state);
  g_ptr_array_unref (hook.bound);
  g_ptr_array_unref (hook.started);
  return rc;
}
