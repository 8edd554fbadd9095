/* zvfio repair: finish or undo what an interrupted prepare, release,
 * zvfio-hook run, define --start or attach --define left, from its intent record
 * in /run/zvfio alone (docs/reliability.md). A finished prepare and a running
 * domain's record are left alone. */
#include "cli.h"
#include "cli-mdev-intent.h"
#include "zv-parse.h"
#include "zv-bind.h"
#include "zv-devno-hint.h"
#include "zv-domain-release.h"
#include "zv-driverctl.h"
#include "zv-prepare.h"
#include "zv-signal.h"
#include "zv-target.h"
#include "zv-temp-sweep.h"

#include <stdio.h>
#include <unistd.h>

/* How long repair waits for another zvfio working on the same device or domain. */
#define LOCK_TIMEOUT_MS 10000

/* The directories zvfio writes through temporary files, which repair --all clears
 * of the ones a killed run left. */
static const char *const temp_dirs[] = {
  ZV_STATE_DIR, ZV_STATE_BIND_DIR, ZV_MDEV_INTENT_DIR, ZV_DEVNO_HINT_DIR, ZV_DRIVERCTL_DIR,
};

/* What repair --all did, for its last line. */
typedef struct {
  guint acted;    /* records settled, temporary files removed (each printed) */
  guint left;     /* records of finished operations, left alone */
  guint failed;   /* records or files that could not be settled (each reported) */
} Tally;

/* Prints what zv_repair_device did to DEVICE on BUS (QUIET: nothing for no work). */
static void
print_repaired (ZvBus bus, const char *device, ZvRepaired done, gboolean quiet)
{
  g_autofree char *label = zv_bus_device_label (bus, device);
  switch (done)
    {
    case ZV_REPAIR_NO_RECORD:
      if (!quiet)
        printf ("%s: no zvfio record; nothing to repair\n", label);
      break;
    case ZV_REPAIR_COMPLETE:
      if (!quiet)
        printf ("%s: prepared by zvfio and complete; nothing to repair ('zvfio release' "
                "undoes it)\n", label);
      break;
    case ZV_REPAIR_UNDID_PREPARE:
      printf ("%s: undid an interrupted prepare\n", label);
      break;
    case ZV_REPAIR_FINISHED_RELEASE:
      printf ("%s: finished an interrupted release\n", label);
      break;
    case ZV_REPAIR_UNDID_GONE:
      printf ("%s: its binding was undone outside zvfio; restored the rest of the record\n",
              label);
      break;
    }
}

/* Prints a problem line of zv_domain_release on stderr. */
static void
say_line (const char *line, gpointer data)
{
  zv_cli_message ("domain '%s': %s", (const char *) data, line);
}

/* Finishes the interrupted zvfio-hook run of DOMAIN, if its record says one
 * was under way, and counts it in TALLY; FALSE (message printed) when something
 * stays. */
static gboolean
repair_domain (ZvCli *cli, const char *domain, guint settle_ms, Tally *tally)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvLock) lock = zv_state_lock_domain (cli->root, domain, getpid (), LOCK_TIMEOUT_MS,
                                                  &error);
  g_autoptr (ZvDomainState) state = NULL;
  if (lock != NULL)
    state = zv_state_load_domain (cli->root, domain, &error);
  if (error != NULL)
    {
      zv_cli_message ("domain '%s': %s", domain, error->message);
      return FALSE;
    }
  if (state == NULL || state->phase == ZV_PHASE_PREPARED)
    {
      /* gone meanwhile, or a domain that may be running: its release end */
      tally->left += state != NULL;
      return TRUE;
    }
  const char *what = state->phase == ZV_PHASE_PREPARING ? "prepare begin" : "release end";
  if (!zv_domain_release (cli->root, state, getpid (), settle_ms, LOCK_TIMEOUT_MS, say_line,
                          (gpointer) domain, &error))
    {
      if (error != NULL)
        zv_cli_message ("domain '%s': %s", domain, error->message);
      zv_cli_message ("domain '%s': the interrupted hook %s is not finished (record "
                      "kept)", domain, what);
      return FALSE;
    }
  printf ("domain '%s': undid what its interrupted hook %s left\n", domain, what);
  tally->acted++;
  return TRUE;
}

/* Repairs one device (*DONE: what it did); FALSE (message printed when ALL) on
 * failure. */
static gboolean
repair_device (ZvCli *cli, ZvBus bus, const char *device, guint settle_ms, gboolean all,
               ZvRepaired *done_out, GError **error)
{
  ZvRepaired done = ZV_REPAIR_NO_RECORD;
  g_autoptr (GError) local = NULL;
  if (!zv_repair_device (cli->root, bus, device, settle_ms, LOCK_TIMEOUT_MS, getpid (), &done,
                         &local))
    {
      if (all)
        zv_cli_message ("%s", local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  print_repaired (bus, device, done, all);
  if (done_out != NULL)
    *done_out = done;
  return TRUE;
}

/* Settles the intent record of mdev UUID (define --start, attach --define; *DONE:
 * what it did); FALSE (message printed when ALL) on failure. */
static gboolean
repair_mdev (ZvCli *cli, const char *uuid, gboolean all, ZvMdevSettled *done,
             GError **error)
{
  ZvMdevSettled settled = ZV_MDEV_SETTLED_NO_RECORD;
  g_autoptr (GError) local = NULL;
  if (!zv_cli_mdev_settle (cli, uuid, FALSE, &settled, &local))
    {
      if (all)
        zv_cli_message ("%s", local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  zv_cli_mdev_print_settled (uuid, settled, !all);
  if (done != NULL)
    *done = settled;
  return TRUE;
}

/* repair --all, first step: removes from every directory zvfio writes through
 * temporary files the ones a killed run left (their writer no longer runs). */
static void
sweep_temp_files (ZvCli *cli, Tally *tally)
{
  for (guint i = 0; i < G_N_ELEMENTS (temp_dirs); i++)
    {
      g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GError) error = NULL;
      if (!zv_temp_sweep (cli->root, temp_dirs[i], removed, &error))
        {
          zv_cli_message ("cannot clear %s of the temporary files of killed runs: %s",
                          temp_dirs[i], error->message);
          tally->failed++;
        }
      for (guint k = 0; k < removed->len; k++)
        printf ("removed %s: the temporary file of a zvfio write that was killed\n",
                (const char *) g_ptr_array_index (removed, k));
      tally->acted += removed->len;
    }
}

/* repair --all: the temporary files of killed writes, every domain record of an
 * interrupted hook run, every binding record, every mdev record. Each record is
 * settled on its own: one that cannot be read or settled is reported and the
 * others go on. Says so when there was nothing to do. */
static gboolean
repair_all (ZvCli *cli, guint settle_ms, GError **error)
{
  Tally tally = { 0 };
  sweep_temp_files (cli, &tally);
  g_autoptr (GPtrArray) domains = zv_state_list_domains (cli->root, error);
  if (domains == NULL)
    return FALSE;
  for (guint i = 0; i < domains->len; i++)
    tally.failed += !repair_domain (cli, g_ptr_array_index (domains, i), settle_ms, &tally);
  g_autoptr (GPtrArray) keys = zv_state_list_bindings (cli->root, error);
  if (keys == NULL)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      ZvBus bus;
      g_autofree char *device = NULL;
      ZvRepaired done = ZV_REPAIR_NO_RECORD;
      if (!zv_bind_key_parse (g_ptr_array_index (keys, i), &bus, &device))
        continue;
      if (!repair_device (cli, bus, device, settle_ms, TRUE, &done, NULL))
        tally.failed++;
      else if (done == ZV_REPAIR_COMPLETE)
        tally.left++;
      else if (done != ZV_REPAIR_NO_RECORD)
        tally.acted++;
    }
  g_autoptr (GPtrArray) mdevs = zv_mdev_intent_list (cli->root, error);
  if (mdevs == NULL)
    return FALSE;
  for (guint i = 0; i < mdevs->len; i++)
    {
      ZvMdevSettled done = ZV_MDEV_SETTLED_NO_RECORD;
      if (!repair_mdev (cli, g_ptr_array_index (mdevs, i), TRUE, &done, NULL))
        tally.failed++;
      else if (done != ZV_MDEV_SETTLED_NO_RECORD)
        tally.acted++;
    }
  if (tally.failed > 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "repair: %u record(s) or file(s) could "
                   "not be settled (see above; they are kept)", tally.failed);
      return FALSE;
    }
  if (tally.acted == 0 && tally.left == 0)
    printf ("nothing to repair: no record of an interrupted operation and no temporary file "
            "of a killed one in %s or %s\n", ZV_STATE_DIR, ZV_DRIVERCTL_DIR);
  else if (tally.acted == 0)
    printf ("nothing to repair: %u record(s) of finished operations left alone ('zvfio "
            "release' or the domain's stop undoes them)\n", tally.left);
  return TRUE;
}

/* repair ID | --all [--settle-timeout MS] */
gboolean
zv_cmd_repair (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean all = FALSE;
  gint settle_ms = ZV_BIND_SETTLE_MS;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all,
      "Every record in /run/zvfio (devices, domains' hook runs, mdevs)", NULL },
    { "settle-timeout", 0, 0, G_OPTION_ARG_INT, &settle_ms,
      "Wait at most MS milliseconds for the kernel to (un)bind (default 2000)", "MS" },
    { NULL }
  };
  if (!zv_cli_parse ("repair", "ID|UUID|--all", "Finish or undo what an interrupted prepare, "
                     "release, zvfio-hook run, define --start or attach --define left, from its "
                     "record in /run/zvfio.",
                     entries, &argc, &argv, error))
    return FALSE;
  if (settle_ms < 0 || settle_ms > ZV_BIND_SETTLE_MAX_MS)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "repair: --settle-timeout must be 0..%d ms",
                   ZV_BIND_SETTLE_MAX_MS);
      return FALSE;
    }
  if ((all && argc != 1) || (!all && argc != 2))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "repair: expected one device ID or --all");
      return FALSE;
    }
  /* a signal lets the step under way finish; the rest is left for the next repair */
  zv_signal_catch ();
  if (all)
    return repair_all (cli, (guint) settle_ms, error);
  /* an mdev UUID with an intent record: that record (the mdev itself may be gone) */
  ZvId id;
  gboolean valid = zv_parse_id (argv[1], &id);   /* the one parse of the ID */
  if (valid && id.kind == ZV_ID_UUID)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_load (cli->root, id.normalized, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (intent != NULL)
        return repair_mdev (cli, id.normalized, FALSE, NULL, error);
    }
  if (!valid)
    {
      zv_target_set_id_error (argv[1], error);
      return FALSE;
    }
  g_autoptr (ZvTarget) target = zv_target_resolve_id (cli->root, &id, argv[1],
                                                      ZV_TARGET_DEFAULT, error);
  if (target == NULL)
    return FALSE;
  zv_cli_print_warnings (target->inv->warnings);
  return repair_device (cli, target->bus, target->device, (guint) settle_ms, FALSE, NULL,
                        error);
}
