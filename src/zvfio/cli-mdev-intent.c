/* zvfio CLI: define --start and attach --define under intent records, and
 * settling what an interrupted run left (docs/reliability.md). */
#include "cli-mdev-intent.h"
#include "cli-libvirt.h"
#include "zv-domain.h"
#include "zv-libvirt.h"
#include "zv-mdev.h"
#include "zv-mdevctl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The UUIDs of the records this process writes (its own operations under way,
 * which settling a subchannel's records must leave alone: the lock would let
 * this process in). */
static GHashTable *own_records;

/* The parent mdev UUID is defined on, or NULL. */
static char *
defined_parent (ZvCli *cli, const char *uuid)
{
  g_autoptr (GPtrArray) parents = zv_mdev_list_defined_parents (cli->root);
  for (guint i = 0; parents && i < parents->len; i++)
    if (zv_mdev_is_defined (cli->root, g_ptr_array_index (parents, i), uuid))
      return g_strdup (g_ptr_array_index (parents, i));
  return NULL;
}

/* TRUE when mdev UUID is running or defined on any parent. */
static gboolean
mdev_exists (ZvCli *cli, const char *uuid)
{
  g_autoptr (ZvMdev) active = zv_mdev_load_active (cli->root, uuid, NULL);
  g_autofree char *parent = active == NULL ? defined_parent (cli, uuid) : NULL;
  return active != NULL || parent != NULL;
}

/* Takes back what INTENT's operation created: stops the mdev when it runs on the
 * recorded parent, removes its definition there, then the record. */
static gboolean
undo_created (ZvCli *cli, ZvMdevIntent *intent, GError **error)
{
  g_autoptr (ZvMdev) active = zv_mdev_load_active (cli->root, intent->uuid, NULL);
  if (active != NULL && g_strcmp0 (active->parent, intent->parent) == 0 &&
      !zv_mdevctl_stop (cli->root, intent->uuid, error))
    return FALSE;
  if (zv_mdev_is_defined (cli->root, intent->parent, intent->uuid) &&
      !zv_mdevctl_undefine (cli->root, intent->uuid, error))
    return FALSE;
  return zv_mdev_intent_remove (cli->root, intent->uuid, error);
}

/* For an attach --define that reached its libvirt step: whether the domain at the
 * recorded URI has the mdev's hostdev (persistent or running definition). FALSE
 * with an error when libvirt cannot be asked; a missing domain has none. */
static gboolean
domain_has_mdev (const ZvMdevIntent *intent, gboolean *has, GError **error)
{
  *has = FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvLibvirt) lv = zv_libvirt_open (intent->uri, &local);
  g_autoptr (ZvDomain) domain = NULL;
  if (lv != NULL)
    domain = zv_cli_load_domain_both (lv, intent->domain, &local);
  if (domain != NULL)
    {
      *has = zv_domain_find_mdev (domain, intent->uuid) != NULL;
      return TRUE;
    }
  if (lv != NULL && g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND))
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "mdev %s: cannot tell whether the "
               "interrupted attach --define reached domain '%s' at %s: %s; the record is kept "
               "(run 'zvfio repair %s' again when libvirt can be reached)", intent->uuid,
               intent->domain, intent->uri, local->message, intent->uuid);
  return FALSE;
}

/* Settles the record of UUID. */
gboolean
zv_cli_mdev_settle (ZvCli *cli, const char *uuid, gboolean held, ZvMdevSettled *settled,
                    GError **error)
{
  *settled = ZV_MDEV_SETTLED_NO_RECORD;
  g_autoptr (ZvLock) lock = NULL;
  if (!held)
    {
      lock = zv_mdev_intent_lock (cli->root, uuid, getpid (), ZV_CLI_MDEV_LOCK_TIMEOUT_MS,
                                  error);
      if (lock == NULL)
        return FALSE;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_load (cli->root, uuid, &local);
  if (intent == NULL)
    {
      if (local == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (intent->op == ZV_MDEV_OP_ATTACH_DEFINE && intent->step == ZV_MDEV_STEP_LIBVIRT)
    {
      gboolean has;
      if (!domain_has_mdev (intent, &has, error))
        return FALSE;
      if (has)
        {
          *settled = ZV_MDEV_SETTLED_FINISHED;
          return zv_mdev_intent_remove (cli->root, uuid, error);
        }
    }
  if (intent->step != ZV_MDEV_STEP_UNDO &&
      !zv_cli_mdev_intent_step (cli, intent, ZV_MDEV_STEP_UNDO, error))
    return FALSE;
  if (!undo_created (cli, intent, error))
    return FALSE;
  *settled = ZV_MDEV_SETTLED_UNDONE;
  return TRUE;
}

/* Prints what settling UUID did. */
void
zv_cli_mdev_print_settled (const char *uuid, ZvMdevSettled settled, gboolean verbose)
{
  switch (settled)
    {
    case ZV_MDEV_SETTLED_NO_RECORD:
      if (verbose)
        printf ("mdev %s: no zvfio record; nothing to repair\n", uuid);
      break;
    case ZV_MDEV_SETTLED_UNDONE:
      printf ("mdev %s: undid an interrupted operation (what it created is gone)\n", uuid);
      break;
    case ZV_MDEV_SETTLED_FINISHED:
      printf ("mdev %s: the interrupted attach --define had finished; dropped its record\n",
              uuid);
      break;
    }
}

/* Settles every record of OP on PARENT. */
gboolean
zv_cli_mdev_settle_parent (ZvCli *cli, ZvMdevOp op, const char *parent, guint *count,
                           GError **error)
{
  guint dummy;
  if (count == NULL)
    count = &dummy;
  *count = 0;
  g_autoptr (GPtrArray) uuids = zv_mdev_intent_list (cli->root, error);
  if (uuids == NULL)
    return FALSE;
  for (guint i = 0; i < uuids->len; i++)
    {
      const char *uuid = g_ptr_array_index (uuids, i);
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_load (cli->root, uuid, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (intent == NULL || intent->op != op || strcmp (intent->parent, parent) != 0 ||
          (own_records != NULL && g_hash_table_contains (own_records, uuid)))
        continue;
      ZvMdevSettled settled;
      (*count)++;
      if (!zv_cli_mdev_settle (cli, uuid, FALSE, &settled, error))
        return FALSE;
      zv_cli_mdev_print_settled (uuid, settled, FALSE);
    }
  return TRUE;
}

/* Before the first change: lock, settle an old record, refuse an existing mdev,
 * write the record. */
gboolean
zv_cli_mdev_intent_begin (ZvCli *cli, ZvMdevIntent *intent, ZvLock **lock, GError **error)
{
  *lock = zv_mdev_intent_lock (cli->root, intent->uuid, getpid (),
                               ZV_CLI_MDEV_LOCK_TIMEOUT_MS, error);
  if (*lock == NULL)
    return FALSE;
  ZvMdevSettled settled;
  if (!zv_cli_mdev_settle (cli, intent->uuid, TRUE, &settled, error))
    return FALSE;
  zv_cli_mdev_print_settled (intent->uuid, settled, FALSE);
  if (mdev_exists (cli, intent->uuid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "mdev %s is defined or running already; "
                   "give another UUID", intent->uuid);
      return FALSE;
    }
  if (own_records == NULL)
    own_records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (own_records, g_strdup (intent->uuid));
  intent->step = ZV_MDEV_STEP_DEFINE;
  return zv_mdev_intent_save (cli->root, intent, error);
}

/* Before a plain define of UUID: takes the UUID's lock (*LOCK), settles an old
 * record of it and refuses a UUID that is defined already, so of two concurrent
 * defines of one UUID exactly one succeeds (mdevctl checks before its callout
 * takes the subchannel lock, so it lets both through). */
gboolean
zv_cli_mdev_reserve (ZvCli *cli, const char *uuid, ZvLock **lock, GError **error)
{
  *lock = zv_mdev_intent_lock (cli->root, uuid, getpid (), ZV_CLI_MDEV_LOCK_TIMEOUT_MS, error);
  if (*lock == NULL)
    return FALSE;
  ZvMdevSettled settled;
  if (!zv_cli_mdev_settle (cli, uuid, TRUE, &settled, error))
    return FALSE;
  zv_cli_mdev_print_settled (uuid, settled, FALSE);
  g_autofree char *parent = defined_parent (cli, uuid);
  if (parent != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "mdev %s is defined already (on %s); "
                   "give another UUID", uuid, parent);
      return FALSE;
    }
  return TRUE;
}

/* Advances INTENT to STEP. */
gboolean
zv_cli_mdev_intent_step (ZvCli *cli, ZvMdevIntent *intent, ZvMdevStep step, GError **error)
{
  intent->step = step;
  return zv_mdev_intent_save (cli->root, intent, error);
}

/* The operation finished: removes its record. */
gboolean
zv_cli_mdev_intent_done (ZvCli *cli, ZvMdevIntent *intent, GError **error)
{
  return zv_mdev_intent_remove (cli->root, intent->uuid, error);
}

/* Rolls INTENT's operation back after a failure. */
gboolean
zv_cli_mdev_intent_undo (ZvCli *cli, ZvMdevIntent *intent, GError **error)
{
  g_autoptr (GError) local = NULL;
  if ((intent->step == ZV_MDEV_STEP_UNDO ||
       zv_cli_mdev_intent_step (cli, intent, ZV_MDEV_STEP_UNDO, &local)) &&
      undo_created (cli, intent, &local))
    return TRUE;
  g_set_error (error, ZV_ERROR, local->code, "%s (the record /run/zvfio/mdev/%s.json is kept: "
               "'zvfio repair %s' takes the rest back)", local->message, intent->uuid,
               intent->uuid);
  return FALSE;
}
