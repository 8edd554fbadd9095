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
#include "zv-prepare.h"
#include "zv-mdevctl.h"
#include "zv-rules.h"
#include "zv-domain-state.h"
#include "zv-state.h"
#include "zv-text.h"
#include "hook-input.h"
#include "zvfio-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROG "zvfio-hook"
#define HOOK_LOCK_TIMEOUT_MS 10000

/* One hook run. */
typedef struct {
  ZvRoot *root;
  const char *name;          /* the domain name from argv */
  ZvDomainState *state;      /* /run/zvfio/<name>.json as it is now */
  GPtrArray *bound;          /* ZvBindRecord* or NULL: bindings made by this run, in order */
  GPtrArray *started;        /* char*: mdevs started by this run, in order */
  gboolean added_key;        /* the binding being made was added to STATE by this run */
} Hook;

/* Prints "zvfio-hook: DOMAIN: MESSAGE" on stderr (libvirt shows it). */
static void G_GNUC_PRINTF (2, 3)
say (const Hook *hook, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *name = zv_text_escape (hook->name);
  g_autofree char *shown = zv_text_escape (message);
  fprintf (stderr, PROG ": %s: %s\n", name, shown);
}

/* The targets of every vfio-ccw mdev and PCI hostdev of DOMAIN. */
static GPtrArray *
collect_targets (ZvRoot *root, const ZvDomain *domain, GError **error)
{
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_target_free);
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      if (hd->kind != ZV_HOSTDEV_MDEV_CCW && hd->kind != ZV_HOSTDEV_PCI)
        continue;
      ZvTarget *t = zv_target_from_hostdev (root, hd, error);
      if (t == NULL)
        return NULL;
      g_ptr_array_add (targets, t);
    }
  return g_steal_pointer (&targets);
}

/* Prints VIOLATIONS, one "zvfio-hook: DOMAIN: ..." line each. */
static void
say_violations (const Hook *hook, GPtrArray *violations)
{
  g_autofree char *text = zv_violations_format (violations, ZV_HINTS_PLAIN);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] != '\0')
      say (hook, "%s", lines[i]);
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

/* zv_prepare step before binding T: refuses a device another domain's hook
 * bound, and records the binding in the domain state before anything changes. */
static gboolean
before_bind (const ZvTarget *t, gpointer data, GError **error)
{
  Hook *hook = data;
  g_autoptr (ZvBindRecord) other = zv_state_load_binding (hook->root, t->bus, t->device, error);
  if (other == NULL && error != NULL && *error != NULL)
    return FALSE;
  if (other != NULL && other->domain != NULL && strcmp (other->domain, hook->name) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY, "%s is prepared for domain '%s' (bound "
                   "by zvfio-hook); a device can be passed to one running domain only",
                   t->label, other->domain);
      return FALSE;
    }
  if (hook->state == NULL)
    {
      hook->state = zv_state_load_domain (hook->root, hook->name, error);
      if (error != NULL && *error != NULL)
        return FALSE;
      if (hook->state == NULL)
        hook->state = zv_domain_state_new (hook->name);
    }
  hook->added_key = !has_string (hook->state->bindings, t->key);
  if (!hook->added_key)
    return TRUE;
  g_ptr_array_add (hook->state->bindings, g_strdup (t->key));
  return save_state (hook, error);
}

/* zv_prepare step after binding T: a binding that changed nothing (already
 * bound, or rolled back) is not ours to release, so its key leaves the state. */
static gboolean
after_bind (const ZvTarget *t, const ZvBindRecord *change, gpointer data, GError **error)
{
  Hook *hook = data;
  if (change != NULL || !hook->added_key)
    return TRUE;
  remove_string (hook->state->bindings, t->key);
  g_autoptr (GError) e = NULL;
  if (save_state (hook, &e) || error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&e));
  return FALSE;
}

/* Starts the mdev of T, recording it in the domain state first. */
static gboolean
start_mdev (Hook *hook, const ZvTarget *t, GError **error)
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

/* Releases the binding of DEVICE on BUS made for the domain (not one made
 * elsewhere); FALSE (message said) on failure. */
static gboolean
release_binding (Hook *hook, ZvBus bus, const char *device)
{
  g_autoptr (GError) error = NULL;
  ZvReleaseOptions options = { .unpersist = TRUE, .settle_timeout_ms = ZV_BIND_SETTLE_MS,
                               .lock_timeout_ms = HOOK_LOCK_TIMEOUT_MS, .lock_owner = getpid (),
                               .owner = hook->name };
  ZvReleaseResult result = { 0 };
  gboolean ok = zv_release (hook->root, bus, device, &options, &result, &error);
  zv_release_result_clear (&result);
  if (!ok)
    {
      say (hook, "%s", error->message);
      return FALSE;
    }
  g_autofree char *key = zv_bind_key (bus, device);
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
  for (guint i = hook->bound ? hook->bound->len : 0; i-- > 0;)
    {
      const ZvBindRecord *record = g_ptr_array_index (hook->bound, i);
      if (record != NULL)
        release_binding (hook, record->bus, record->device);
    }
  g_autoptr (GError) error = NULL;
  if (!save_state (hook, &error))
    say (hook, "undo: %s", error->message);
}

/* prepare begin: locks, host facts, rules, bindings (zv_prepare), then mdev
 * starts; all or nothing. */
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
  ZvPrepareOptions options = {
    .allow_offline = domain->hook_offline, .settle_timeout_ms = ZV_BIND_SETTLE_MS,
    .lock_timeout_ms = HOOK_LOCK_TIMEOUT_MS, .lock_owner = getpid (),
    .action = "start the domain", .domain = domain, .owner = hook->name,
    .before_bind = before_bind, .after_bind = after_bind, .data = hook,
  };
  ZvPrepareResult result = { 0 };
  gboolean ok = zv_prepare (hook->root, targets, &options, &result, &error);
  say_violations (hook, result.violations);
  hook->bound = g_ptr_array_ref (result.changes);
  zv_prepare_result_clear (&result);
  if (!ok && hook->state == NULL)
    {
      /* refused before anything changed: lock, rules, or the first device's state */
      say (hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  /* mdevctl's callout takes the subchannel lock itself: zv_prepare released ours */
  for (guint i = 0; ok && i < targets->len; i++)
    {
      const ZvTarget *t = g_ptr_array_index (targets, i);
      ok = t->mdev[0] == '\0' || t->mdev_active || start_mdev (hook, t, &error);
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
      ok = release_binding (hook, bus, device) && ok;
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

/* --help: what the program is, for an admin who finds it in libvirt's hook directory. */
static int
help (void)
{
  printf ("Usage: " PROG " DOMAIN OPERATION SUBOP EXTRA   (domain XML on stdin)\n"
          "       " PROG " --help | --version\n\n"
          "The libvirt qemu hook of zvfio. libvirt runs %s/zvfio\n"
          "(zvfio-hook-gate, which execs this program only when there is work) for\n"
          "every operation of every domain and waits for it:\n"
          "  prepare begin  for each <hostdev> (vfio-ccw mdev, zPCI function): run zvfio's\n"
          "                 rules, bind the device to vfio_ccw / vfio-pci and start its\n"
          "                 mdev; a rule violation or a failure undoes this run's changes\n"
          "                 and refuses the guest start\n"
          "  release end    stop those mdevs and restore the bindings recorded in\n"
          "                 /run/zvfio/DOMAIN.json\n"
          "  anything else  exit 0 at once\n"
          "The domain metadata element <zvfio:hook offline='allow'/>\n"
          "(xmlns:zvfio='urn:zvfio:metadata:1') lets it set online ccw devices offline.\n"
          "libvirtd runs qemu hooks only if one existed when it started (or was last\n"
          "reloaded); it lists the directory again on every call. If none did, restart it.\n\n"
          "Environment: ZVFIO_ROOT (read sysfs, /etc and /run below it), ZVFIO_MDEVCTL_TIMEOUT.\n"
          "Exit codes: 0 ok, 1 failed (undone), 2 usage, 3 refused by a rule, 4 unknown\n"
          "device, 6 I/O error, 7 invalid input, 8 mdevctl failed, 9 busy.\n",
          ZVFIO_LIBVIRT_HOOK_DIR);
  return ZV_EXIT_OK;
}

int
main (int argc, char **argv)
{
  /* never a libvirt call (that has 4 arguments): answered without stdin or sysfs */
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return help ();
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf (PROG " %s\n", ZVFIO_VERSION);
      return ZV_EXIT_OK;
    }
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
      g_autofree char *shown = zv_text_escape (hook.name);
      fprintf (stderr, PROG ": refusing domain name '%s' (empty, too long, leading '.', '/' "
               "or control characters)\n", shown);
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
  if (hook.bound)
    g_ptr_array_unref (hook.bound);
  g_ptr_array_unref (hook.started);
  return rc;
}
