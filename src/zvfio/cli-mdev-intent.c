/* zvfio CLI: define --start and attach --define under intent records, and
 * settling what an interrupted run left (docs/reliability.md). zvfio takes back
 * only what a record proves its operation made: a definition whose file is the
 * one recorded right after the operation's mdevctl define; it never stops an
 * mdev. Anything else is kept, with its record, for the admin to decide. */
#include "cli-mdev-intent.h"
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

/* "define --start" / "attach --define": the command of operation OP, for messages. */
static const char *
op_command (ZvMdevOp op)
{
  return op == ZV_MDEV_OP_DEFINE_START ? "define --start" : "attach --define";
}

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

/* Sets ERROR (exit 1) for a definition on INTENT's parent that INTENT does not prove
 * its operation made (WHY says how it falls short); it and the record are kept.
 * ROLLBACK: said by the operation itself, else of an interrupted one. */
static void
set_kept_definition (const ZvMdevIntent *intent, gboolean rollback, const char *why,
                     GError **error)
{
  const char *u = intent->uuid, *p = intent->parent;
  g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "mdev %s: kept its definition on %s and the "
               "record /run/zvfio/mdev/%s.json: zvfio cannot show that %s %s created that "
               "definition: %s. If the definition should stay, drop the record: rm "
               "/run/zvfio/mdev/%s.json; if it is the interrupted run's, remove it with "
               "'mdevctl undefine -u %s -p %s', then 'zvfio repair %s' drops the record", u, p,
               u, rollback ? "this" : "the interrupted", op_command (intent->op), why, u, u, p,
               u);
}

/* Sets ERROR (exit 1) for mdev INTENT->uuid running on the recorded parent, which
 * zvfio cannot show its operation started (it never stops such an mdev). */
static void
set_kept_running (const ZvMdevIntent *intent, gboolean rollback, GError **error)
{
  const char *u = intent->uuid, *p = intent->parent;
  g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "mdev %s: kept the mdev running on %s, its "
               "definition and the record /run/zvfio/mdev/%s.json: zvfio cannot show that %s "
               "%s started it, and never stops an mdev it cannot show it started. If it "
               "should stay, drop the record: rm /run/zvfio/mdev/%s.json; if it is the "
               "interrupted run's, stop it with 'mdevctl stop -u %s' (and remove its "
               "definition with 'mdevctl undefine -u %s -p %s'), then 'zvfio repair %s' "
               "settles the record", u, p, u, rollback ? "this" : "the interrupted",
               op_command (intent->op), u, u, u, p, u);
}

/* Reads the identity of INTENT's definition on its parent (*DEFINED: whether there
 * is one) and whether it is the one INTENT proves (*PROVEN); else sets WHY (the
 * reason it is not, when there is one). FALSE with an error when it cannot be read. */
static gboolean
check_definition (ZvCli *cli, const ZvMdevIntent *intent, gboolean *defined,
                  gboolean *proven, char **why, GError **error)
{
  ZvMdevDefinitionId now;
  *proven = FALSE;
  g_autoptr (GError) local = NULL;
  if (!zv_mdev_definition_identify (cli->root, &intent->parent_id, intent->uuid, &now, defined,
                                    &local))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "mdev %s: cannot read its definition on %s, "
                   "so zvfio cannot tell whether it made it: %s; the definition and the record "
                   "/run/zvfio/mdev/%s.json are kept", intent->uuid, intent->parent,
                   local->message, intent->uuid);
      return FALSE;
    }
  if (!*defined)
    return TRUE;
  if (intent->definition == NULL)
    {
      *why = g_strdup ("the record holds no proof of it (the run was killed between 'mdevctl "
                       "define' and the record update, or someone defined the UUID after the "
                       "run stopped; a record of an older zvfio or one written by hand has "
                       "none either)");
      return TRUE;
    }
  *proven = zv_mdev_definition_id_equal (intent->definition, &now);
  if (!*proven)
    {
      g_autofree char *recorded = zv_mdev_definition_id_describe (intent->definition);
      g_autofree char *found = zv_mdev_definition_id_describe (&now);
      *why = g_strdup_printf ("it is not the file zvfio's mdevctl define made (recorded: "
                              "'%s', %s; now: '%s', %s): it was changed, or undefined and "
                              "defined again, since", intent->definition->name, recorded,
                              now.name, found);
    }
  return TRUE;
}

/* Settles INTENT's operation from the host's state (the libvirt question of an
 * attach --define answered before): a define --start at step start whose proven
 * definition's mdev runs had finished (not when ROLLBACK, the operation's own undo
 * after a failure); a running mdev or a definition INTENT does not prove is kept
 * (KEPT, FALSE); else the proven definition is removed (step UNDO first), then the
 * record. */
static gboolean
settle_intent (ZvCli *cli, ZvMdevIntent *intent, gboolean rollback, ZvMdevSettled *settled,
               GError **error)
{
  g_autoptr (ZvMdev) active = zv_mdev_load_active (cli->root, intent->uuid, NULL);
  gboolean runs_here = active != NULL && g_strcmp0 (active->parent, intent->parent) == 0;
  gboolean defined, proven;
  g_autofree char *why = NULL;
  if (!check_definition (cli, intent, &defined, &proven, &why, error))
    return FALSE;
  if (runs_here)
    {
      if (!rollback && intent->op == ZV_MDEV_OP_DEFINE_START &&
          intent->step == ZV_MDEV_STEP_START && proven)
        {
          *settled = ZV_MDEV_SETTLED_STARTED;
          return zv_mdev_intent_remove (cli->root, intent->uuid, error);
        }
      *settled = ZV_MDEV_SETTLED_KEPT;
      set_kept_running (intent, rollback, error);
      return FALSE;
    }
  if (defined && !proven)
    {
      *settled = ZV_MDEV_SETTLED_KEPT;
      set_kept_definition (intent, rollback, why, error);
      return FALSE;
    }
  if (defined)
    {
      if (intent->step != ZV_MDEV_STEP_UNDO &&
          !zv_cli_mdev_intent_step (cli, intent, ZV_MDEV_STEP_UNDO, error))
        return FALSE;
      /* looked at again right before the undefine (the record write took a moment) */
      g_clear_pointer (&why, g_free);
      if (!check_definition (cli, intent, &defined, &proven, &why, error))
        return FALSE;
      if (defined && !proven)
        {
          *settled = ZV_MDEV_SETTLED_KEPT;
          set_kept_definition (intent, rollback, why, error);
          return FALSE;
        }
      if (defined && !zv_mdevctl_undefine_on (cli->root, intent->uuid, &intent->parent_id,
                                              error))
        return FALSE;
    }
  if (!zv_mdev_intent_remove (cli->root, intent->uuid, error))
    return FALSE;
  *settled = ZV_MDEV_SETTLED_UNDONE;
  return TRUE;
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
    domain = zv_libvirt_load_domain (lv, intent->domain, &local);
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
  return settle_intent (cli, intent, FALSE, settled, error);
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
    case ZV_MDEV_SETTLED_STARTED:
      printf ("mdev %s: the interrupted define --start had finished (the mdev runs on the "
              "definition zvfio made); dropped its record\n", uuid);
      break;
    case ZV_MDEV_SETTLED_KEPT:
      break;
    }
}

/* TRUE when INTENT is the record of the operation OP on its parent that a re-run
 * names: define --start by UUID, attach --define by DOMAIN and URI. */
static gboolean
same_operation (const ZvMdevIntent *intent, ZvMdevOp op, const char *uuid, const char *uri,
                const char *domain)
{
  if (intent->op != op)
    return FALSE;
  if (op == ZV_MDEV_OP_DEFINE_START)
    return uuid != NULL && strcmp (intent->uuid, uuid) == 0;
  return g_strcmp0 (intent->uri, uri) == 0 && g_strcmp0 (intent->domain, domain) == 0;
}

/* Settles the record of the re-run operation on PARENT; notes the others. */
gboolean
zv_cli_mdev_settle_rerun (ZvCli *cli, ZvMdevOp op, const char *parent, const char *uuid,
                          const char *uri, const char *domain, ZvMdevSettled *settled,
                          GError **error)
{
  *settled = ZV_MDEV_SETTLED_NO_RECORD;
  g_autoptr (GPtrArray) uuids = zv_mdev_intent_list (cli->root, error);
  if (uuids == NULL)
    return FALSE;
  for (guint i = 0; i < uuids->len; i++)
    {
      const char *other = g_ptr_array_index (uuids, i);
      if (own_records != NULL && g_hash_table_contains (own_records, other))
        continue;
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_load (cli->root, other, &local);
      if (local != NULL)
        {
          /* a record that cannot be used names no subchannel zvfio can trust, so it
             is tied to its file name (UUID) alone: not this operation's to touch,
             nor a reason to refuse it; the message says how to remove it */
          zv_cli_message ("note: %s", local->message);
          continue;
        }
      if (intent == NULL || strcmp (intent->parent, parent) != 0)
        continue;
      if (!same_operation (intent, op, uuid, uri, domain))
        {
          zv_cli_message ("note: /run/zvfio/mdev/%s.json is the record of another %s (of "
                          "mdev %s on %s; interrupted or still under way); it is left for "
                          "'zvfio repair %s'", other, op_command (intent->op), other, parent,
                          other);
          continue;
        }
      ZvMdevSettled one;
      if (!zv_cli_mdev_settle (cli, other, FALSE, &one, error))
        {
          *settled = one;
          return FALSE;
        }
      zv_cli_mdev_print_settled (other, one, FALSE);
      if (one != ZV_MDEV_SETTLED_NO_RECORD)
        *settled = one;
    }
  return TRUE;
}

/* Refuses (exit 2) a UUID that has a record: another operation's, which only
 * repair (or its own re-run) acts on. FALSE also when the record cannot be read. */
static gboolean
refuse_recorded (ZvCli *cli, const char *uuid, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_load (cli->root, uuid, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (intent == NULL)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "mdev %s: /run/zvfio/mdev/%s.json is the "
               "record of an interrupted %s on %s; settle it with 'zvfio repair %s' first, or "
               "give another UUID", uuid, uuid, op_command (intent->op), intent->parent, uuid);
  return FALSE;
}

/* Before the first change: lock, refuse a recorded or existing mdev, write the record. */
gboolean
zv_cli_mdev_intent_begin (ZvCli *cli, ZvMdevIntent *intent, ZvLock **lock, GError **error)
{
  *lock = zv_mdev_intent_lock (cli->root, intent->uuid, getpid (),
                               ZV_CLI_MDEV_LOCK_TIMEOUT_MS, error);
  if (*lock == NULL || !refuse_recorded (cli, intent->uuid, error))
    return FALSE;
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
  g_clear_pointer (&intent->definition, g_free);
  return zv_mdev_intent_save (cli->root, intent, error);
}

/* Before a plain define of UUID: takes the UUID's lock (*LOCK) and refuses a UUID
 * that has a record or is defined already, so of two concurrent defines of one UUID
 * exactly one succeeds (mdevctl checks before its callout takes the subchannel
 * lock, so it lets both through). */
gboolean
zv_cli_mdev_reserve (ZvCli *cli, const char *uuid, ZvLock **lock, GError **error)
{
  *lock = zv_mdev_intent_lock (cli->root, uuid, getpid (), ZV_CLI_MDEV_LOCK_TIMEOUT_MS, error);
  if (*lock == NULL || !refuse_recorded (cli, uuid, error))
    return FALSE;
  g_autofree char *parent = defined_parent (cli, uuid);
  if (parent != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "mdev %s is defined already (on %s); "
                   "give another UUID", uuid, parent);
      return FALSE;
    }
  return TRUE;
}

/* INTENT's mdevctl define, then its proof in the record (with step NEXT). */
gboolean
zv_cli_mdev_define (ZvCli *cli, ZvMdevIntent *intent, ZvMdevStep next, gboolean autostart,
                    GError **error)
{
  g_autofree char *defined = zv_mdevctl_define (cli->root, &intent->parent_id, intent->uuid,
                                                autostart, error);
  if (defined == NULL)
    return FALSE;
  ZvMdevDefinitionId id;
  gboolean found = FALSE;
  g_autoptr (GError) local = NULL;
  if (!zv_mdev_definition_identify (cli->root, &intent->parent_id, intent->uuid, &id, &found,
                                    &local) || !found)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "mdevctl define of mdev %s on %s returned, but "
                   "its definition cannot be read back: %s", intent->uuid, intent->parent,
                   local ? local->message : "there is none");
      return FALSE;
    }
  g_free (intent->definition);
  intent->definition = g_memdup2 (&id, sizeof id);
  intent->step = next;
  return zv_mdev_intent_save (cli->root, intent, error);
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
  ZvMdevSettled settled = ZV_MDEV_SETTLED_NO_RECORD;
  g_autoptr (GError) local = NULL;
  if (settle_intent (cli, intent, TRUE, &settled, &local))
    return TRUE;
  if (settled == ZV_MDEV_SETTLED_KEPT)
    {
      /* the message names the record and what to do */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_set_error (error, ZV_ERROR, local->code, "%s (the record /run/zvfio/mdev/%s.json is kept: "
               "'zvfio repair %s' takes the rest back)", local->message, intent->uuid,
               intent->uuid);
  return FALSE;
}
