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
#include "zv-domain-check.h"
#include "zv-error.h"
#include "zv-inventory.h"
#include "zv-lock.h"
#include "zv-prepare.h"
#include "zv-mdevctl.h"
#include "zv-rules.h"
#include "zv-domain-release.h"
#include "zv-domain-state.h"
#include "zv-signal.h"
#include "zv-state.h"
#include "zv-text.h"
#include "zv-xml.h"
#include "hook-input.h"
#include "zvfio-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROG "zvfio-hook"
#define HOOK_LOCK_TIMEOUT_MS 10000

/* stdin is read up to the limit zv_domain_check_input (and check) applies */
G_STATIC_ASSERT (ZV_HOOK_MAX_INPUT == ZV_XML_MAX_SIZE);

/* One hook run. */
typedef struct {
  ZvRoot *root;
  const char *name;          /* the domain name from argv */
  ZvDomainState *state;      /* /run/zvfio/<name>.json as it is now */
  GPtrArray *bound;          /* ZvBindRecord* or NULL: bindings made by this run, in order */
  GPtrArray *started;        /* char*: mdevs started by this run, in order */
  GHashTable *added_keys;    /* binding keys this run added to STATE */
  gboolean written;          /* this run wrote STATE (it ends with writing it again) */
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

/* Prints VIOLATIONS, one "zvfio-hook: DOMAIN: ..." line each. */
static void
say_violations (const Hook *hook, GPtrArray *violations)
{
  g_autofree char *name = zv_text_escape (hook->name);
  /* each line gets say()'s "zvfio-hook: DOMAIN: " */
  g_autofree char *text = zv_violations_format_after (violations, ZV_HINTS_PLAIN,
                                                      strlen (PROG) + strlen (name) + 4);
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

/* Writes the domain state, or removes it when it records nothing. */
static gboolean
save_state (Hook *hook, GError **error)
{
  return zv_domain_state_store (hook->root, hook->state, error);
}

/* zv_prepare step once the rules passed, before the first binding: refuses a
 * device another domain's hook bound, and writes the domain record once,
 * "preparing" with every binding this run may make, before anything changes
 * (release end and repair skip a listed device that has no record of it). */
static gboolean
before_binds (GPtrArray *targets, gpointer data, GError **error)
{
  Hook *hook = data;
  g_autoptr (GPtrArray) changing = g_ptr_array_new ();
  for (guint i = 0; i < targets->len; i++)
    {
      const ZvTarget *t = g_ptr_array_index (targets, i);
      if (t->managed)
        continue;
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvBindRecord) other = zv_state_load_binding (hook->root, t->bus, t->device,
                                                              &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* a finished binding of another domain is that domain's; one its hook left
       * half-done (we hold the device lock, so that hook is dead) is settled by
       * zv_bind_prepare */
      if (other != NULL && other->domain != NULL && strcmp (other->domain, hook->name) != 0 &&
          other->phase == ZV_PHASE_PREPARED)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY, "%s is prepared for domain '%s' (bound "
                       "by zvfio-hook); a device can be passed to one running domain only",
                       t->label, other->domain);
          return FALSE;
        }
      /* on its vfio driver without a record: zv_bind_prepare changes nothing (the
       * locks are held), so it needs no entry and no write */
      g_autofree char *driver = zv_bind_current_driver (hook->root, t->bus, t->device, NULL);
      if (other != NULL || g_strcmp0 (driver, zv_bus_vfio_driver (t->bus)) != 0)
        g_ptr_array_add (changing, (gpointer) t);
    }
  g_autoptr (GError) local = NULL;
  hook->state = zv_state_load_domain (hook->root, hook->name, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (hook->state == NULL)
    hook->state = zv_domain_state_new (hook->name);
  if (changing->len == 0)
    return TRUE;
  for (guint i = 0; i < changing->len; i++)
    {
      const ZvTarget *t = g_ptr_array_index (changing, i);
      if (has_string (hook->state->bindings, t->key))
        continue;
      g_ptr_array_add (hook->state->bindings, g_strdup (t->key));
      g_hash_table_add (hook->added_keys, g_strdup (t->key));
    }
  hook->state->phase = ZV_PHASE_PREPARING;
  hook->written = TRUE;
  return zv_state_save_domain (hook->root, hook->state, error);
}

/* zv_prepare step after binding T: a binding that changed nothing (already
 * bound, or rolled back) is not ours to release, so its key leaves the state
 * (written with the next step, not now). */
static gboolean
after_bind (const ZvTarget *t, const ZvBindRecord *change, gpointer data, GError **error)
{
  Hook *hook = data;
  (void) error;
  if (change == NULL && g_hash_table_remove (hook->added_keys, t->key))
    remove_string (hook->state->bindings, t->key);
  return TRUE;
}

/* Starts the mdev of T, recording it in the domain state first. */
static gboolean
start_mdev (Hook *hook, const ZvTarget *t, GError **error)
{
  if (!zv_signal_check (error))
    return FALSE;
  g_ptr_array_add (hook->state->started_mdevs, g_strdup (t->mdev));
  hook->state->phase = ZV_PHASE_PREPARING;
  hook->written = TRUE;
  if (!save_state (hook, error))
    return FALSE;
  if (!zv_mdevctl_start (hook->root, t->mdev, NULL, error))
    {
      remove_string (hook->state->started_mdevs, t->mdev);
      return FALSE;
    }
  g_ptr_array_add (hook->started, g_strdup (t->mdev));
  say (hook, "started mdev %s on subchannel %s", t->mdev, t->device);
  return TRUE;
}

/* Releases the binding of DEVICE on BUS made for the domain (not one made
 * elsewhere); FALSE (message said) on failure. */
static gboolean
release_binding (Hook *hook, ZvBus bus, const char *device)
{
  g_autoptr (GError) error = NULL;
  if (!zv_domain_release_binding (hook->root, hook->name, bus, device, getpid (),
                                  ZV_BIND_SETTLE_MS, HOOK_LOCK_TIMEOUT_MS, &error))
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
      if (zv_domain_stop_mdev (hook->root, uuid, &error))
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
  /* keys listed up front for devices this run did not get to: nothing to undo */
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, hook->added_keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      ZvBus bus;
      g_autofree char *device = NULL;
      g_autoptr (ZvBindRecord) record = NULL;
      if (zv_bind_key_parse (key, &bus, &device))
        record = zv_state_load_binding (hook->root, bus, device, NULL);
      if (record == NULL || g_strcmp0 (record->domain, hook->name) != 0)
        remove_string (hook->state->bindings, key);
    }
  g_autoptr (GError) error = NULL;
  if (hook->written && !save_state (hook, &error))
    say (hook, "undo: %s", error->message);
}

/* prepare begin: locks, host facts, rules, bindings (zv_prepare), then mdev
 * starts; all or nothing. */
static int
hook_prepare (Hook *hook, const ZvDomain *domain)
{
  g_autoptr (GError) error = NULL;
  /* the same targets and rules as 'zvfio check --domain' (zv-domain-check.c) */
  g_autoptr (GPtrArray) targets = zv_domain_targets (hook->root, domain, &error);
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
    .before_binds = before_binds, .after_bind = after_bind, .data = hook,
  };
  ZvPrepareResult result = { 0 };
  gboolean ok = zv_prepare (hook->root, targets, &options, &result, &error);
  say_violations (hook, result.violations);
  hook->bound = g_ptr_array_ref (result.changes);
  zv_prepare_result_clear (&result);
  if (!ok && !hook->written)
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
  if (ok && hook->written)
    {
      /* done: the record lists what release end undoes */
      hook->state->phase = ZV_PHASE_PREPARED;
      ok = zv_signal_check (&error) && save_state (hook, &error);
    }
  if (ok)
    return ZV_EXIT_OK;
  say (hook, "%s", error->message);
  undo (hook);
  say (hook, "refusing to start the domain; undid what this hook changed");
  return zv_error_exit_code (error);
}

/* Prints a problem line of zv_domain_release. */
static void
say_line (const char *line, gpointer data)
{
  say (data, "%s", line);
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
  if (zv_domain_release (hook->root, hook->state, getpid (), ZV_BIND_SETTLE_MS,
                         HOOK_LOCK_TIMEOUT_MS, say_line, hook, &error))
    return ZV_EXIT_OK;
  if (error == NULL)
    return ZV_EXIT_FAILURE;
  say (hook, "%s", error->message);
  return zv_error_exit_code (error);
}

/* Reads the domain XML on stdin for prepare and checks it with the library
 * step 'zvfio check --domain-xml' runs too (zv_domain_check_input: size, parse,
 * domain name); *SKIP is set (and NULL returned) when zvfio has nothing to do. */
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
  g_autoptr (ZvDomain) domain = NULL;
  ZvDomainInput input = zv_domain_check_input (xml, length, &domain, error);
  if (input == ZV_DOMAIN_INPUT_REFUSED)
    return NULL;
  /* the argv name names the lock and the record: it must be the XML's (checked) one */
  if (domain != NULL && strcmp (domain->name, hook->name) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "the domain XML on stdin is for '%s', "
                   "not '%s'", domain->name, hook->name);
      return NULL;
    }
  if (input != ZV_DOMAIN_INPUT_DEVICES)
    {
      *skip = TRUE;
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
  /* prepare refuses a domain whose name cannot name its record (zv_domain_check_input,
   * as check does), so there is nothing to release for such a name */
  if (work == ZV_HOOK_RELEASE && !zv_state_domain_name_is_valid (hook.name))
    return ZV_EXIT_OK;
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (NULL, &error);
  if (root == NULL)
    {
      say (&hook, "%s", error->message);
      return zv_error_exit_code (error);
    }
  hook.root = root;
  hook.started = g_ptr_array_new_with_free_func (g_free);
  hook.added_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* SIGTERM (libvirtd stopping) or SIGINT half-way: roll back like a failure */
  zv_signal_catch ();
  g_autoptr (ZvLock) lock = NULL;
  int rc;
  if (work == ZV_HOOK_RELEASE)
    {
      /* a domain zvfio did nothing for stays without a lock file */
      g_autofree char *path = g_strdup_printf (ZV_STATE_DOMAIN_FILE, hook.name);
      if (!zv_root_exists (root, path))
        rc = ZV_EXIT_OK;
      else if ((lock = zv_state_lock_domain (root, hook.name, getpid (), HOOK_LOCK_TIMEOUT_MS,
                                             &error)) == NULL)
        {
          say (&hook, "%s", error->message);
          rc = zv_error_exit_code (error);
        }
      else
        rc = hook_release (&hook);
    }
  else
    {
      gboolean skip = FALSE;
      g_autoptr (ZvDomain) domain = read_domain (&hook, &skip, &error);
      if (domain != NULL &&
          (lock = zv_state_lock_domain (root, hook.name, getpid (), HOOK_LOCK_TIMEOUT_MS,
                                        &error)) == NULL)
        {
          say (&hook, "%s", error->message);
          rc = zv_error_exit_code (error);
        }
      else if (domain != NULL)
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
  g_hash_table_unref (hook.added_keys);
  return rc;
}
