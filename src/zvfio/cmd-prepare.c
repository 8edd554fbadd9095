/* zvfio prepare / release: bind a subchannel to vfio_ccw or a zPCI function to
 * vfio-pci for passthrough (rules first, rollback on failure, optional driverctl
 * persistence), and put back exactly what prepare changed. */
#include "cli.h"
#include "zv-prepare.h"
#include "zv-rules.h"
#include "zv-signal.h"

#include <stdio.h>
#include <unistd.h>

/* How long prepare/release wait for another zvfio working on the same device. */
#define LOCK_TIMEOUT_MS 10000

/* Checks a --settle-timeout value. */
static gboolean
check_settle (gint settle_ms, const char *command, GError **error)
{
  if (settle_ms >= 0 && settle_ms <= ZV_BIND_SETTLE_MAX_MS)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: --settle-timeout must be 0..%d ms",
               command, ZV_BIND_SETTLE_MAX_MS);
  return FALSE;
}

/* Checks that COMMAND got exactly one ID and resolves it (a UUID names its parent). */
static ZvTarget *
resolve_one (ZvCli *cli, const char *command, int argc, char **argv, GError **error)
{
  if (argc != 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: expected one device ID", command);
      return NULL;
    }
  ZvTarget *target = zv_target_resolve (cli->root, argv[1], ZV_TARGET_DEFAULT, error);
  if (target != NULL)
    zv_cli_print_warnings (target->inv->warnings);
  return target;
}

/* What a line about TARGET starts with: its name (the devno as the admin
 * names it) and its subchannel second, "subchannel 0.0.0313" without a devno,
 * "PCI function 0000:00:00.0". */
static char *
lead (const ZvTarget *target)
{
  if (target->sch != NULL && zv_subchannel_devno (target->sch) != NULL)
    return g_strdup_printf ("%s (subchannel %s)", target->name, target->sch->id);
  return g_strdup (target->label);
}

/* Puts TARGET's devno name before a failure of the binding steps (their
 * messages name the subchannel): the line leads with what the admin names. A
 * rule refusal names the device already. */
static void
lead_failure (const ZvTarget *target, GError **error)
{
  if (error != NULL && *error != NULL && !g_error_matches (*error, ZV_ERROR, ZV_ERROR_RULE) &&
      target->sch != NULL && zv_subchannel_devno (target->sch) != NULL)
    g_prefix_error (error, "%s: ", target->name);
}

/* Prints what prepare did to TARGET (CHANGE NULL: nothing). */
static void
print_prepared (const ZvTarget *target, const ZvBindRecord *change)
{
  ZvBus bus = target->bus;
  const char *device = target->device;
  g_autofree char *label = lead (target);
  const char *vfio = zv_bus_vfio_driver (bus);
  if (change == NULL)
    {
      printf ("%s: already bound to %s; nothing to do\n", label, vfio);
      return;
    }
  if (change->rebound)
    printf ("%s: bound to %s (was %s)\n", label, vfio,
            change->previous_driver ? change->previous_driver : "unbound");
  else
    printf ("%s: already bound to %s\n", label, vfio);
  if (change->offline_ccw_device != NULL)
    printf ("ccw device %s: set offline ('zvfio release' sets it online again)\n",
            change->offline_ccw_device);
  if (change->persist)
    {
      g_autofree char *path = zv_driverctl_path (bus, device);
      printf ("persistent: wrote %s (driverctl binds it at boot)\n", path);
    }
}

/* prepare ID [--persist] [--offline] [--settle-timeout MS] */
gboolean
zv_cmd_prepare (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean persist = FALSE, offline = FALSE;
  gint settle_ms = ZV_BIND_SETTLE_MS;
  GOptionEntry entries[] = {
    { "persist", 'p', 0, G_OPTION_ARG_NONE, &persist,
      "Also write a driverctl override (/etc/driverctl.d) so the binding survives a reboot",
      NULL },
    { "offline", 'o', 0, G_OPTION_ARG_NONE, &offline,
      "Set the ccw device offline first (release sets it online again)", NULL },
    { "settle-timeout", 0, 0, G_OPTION_ARG_INT, &settle_ms,
      "Wait at most MS milliseconds for the kernel to (un)bind (default 2000)", "MS" },
    { NULL }
  };
  if (!zv_cli_parse ("prepare", "ID", "Bind a subchannel to vfio_ccw or a zPCI function to "
                     "vfio-pci (rules first; any failure restores the previous driver).",
                     entries, &argc, &argv, error) ||
      !check_settle (settle_ms, "prepare", error))
    return FALSE;
  g_autoptr (ZvTarget) target = resolve_one (cli, "prepare", argc, argv, error);
  if (target == NULL)
    return FALSE;
  /* SIGINT/SIGTERM from here on: the step under way finishes, then a rollback */
  zv_signal_catch ();
  g_autofree char *action = g_strdup_printf ("prepare %s", target->name);
  ZvPrepareOptions options = {
    .allow_offline = offline, .persist = persist, .settle_timeout_ms = (guint) settle_ms,
    .lock_timeout_ms = LOCK_TIMEOUT_MS, .lock_owner = getpid (), .action = action,
  };
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  g_ptr_array_add (targets, target);
  ZvPrepareResult result = { 0 };
  gboolean ok = zv_prepare (cli->root, targets, &options, &result, error);
  g_autofree char *text = zv_violations_format (result.violations, ZV_HINTS_CLI);
  fputs (text, stderr);
  if (ok)
    print_prepared (target, g_ptr_array_index (result.changes, 0));
  else
    lead_failure (target, error);
  zv_prepare_result_clear (&result);
  return ok;
}

/* Prints what releasing TARGET's RECORD did. */
static void
print_released (const ZvTarget *target, const ZvBindRecord *record, gboolean unpersist)
{
  g_autofree char *label = lead (target);
  if (!record->rebound)
    printf ("%s: left bound to %s (it was before 'zvfio prepare')\n", label, record->driver);
  else if (record->previous_driver != NULL)
    printf ("%s: bound to %s again (was %s)\n", label, record->previous_driver, record->driver);
  else
    printf ("%s: unbound again (was %s)\n", label, record->driver);
  if (record->offline_ccw_device != NULL)
    printf ("ccw device %s: set online again\n", record->offline_ccw_device);
  if (record->persist)
    {
      g_autofree char *path = zv_driverctl_path (record->bus, record->device);
      if (!unpersist)
        printf ("persistent: kept %s (use --persist to remove it)\n", path);
      else if (record->previous_persist != NULL)
        printf ("persistent: restored %s (%s)\n", path, record->previous_persist);
      else
        printf ("persistent: removed %s\n", path);
    }
}

/* Prints what a release of TARGET without a record did (DONE: ZvReleased flags). */
static void
print_released_unrecorded (ZvCli *cli, const ZvTarget *target, guint done)
{
  ZvBus bus = target->bus;
  const char *device = target->device;
  g_autofree char *label = lead (target);
  const char *vfio = zv_bus_vfio_driver (bus);
  if (done == 0)
    {
      printf ("%s: not bound to %s and no zvfio record; nothing to release\n", label, vfio);
      return;
    }
  if (done & ZV_RELEASED_DRIVER)
    {
      g_autofree char *now = zv_bind_current_driver (cli->root, bus, device, NULL);
      if (now != NULL)
        printf ("%s: bound to %s (was %s; no zvfio record)\n", label, now, vfio);
      else
        printf ("%s: unbound, no host driver claimed it (was %s; no zvfio record)\n", label,
                vfio);
    }
  else if (done & ZV_RELEASED_OVERRIDE)
    printf ("%s: cleared driver_override %s\n", label, vfio);
  if (done & ZV_RELEASED_PERSIST)
    {
      g_autofree char *path = zv_driverctl_path (bus, device);
      printf ("persistent: removed %s\n", path);
    }
}

/* release ID [--persist] [--force] [--settle-timeout MS] */
gboolean
zv_cmd_release (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean persist = FALSE, force = FALSE;
  gint settle_ms = ZV_BIND_SETTLE_MS;
  GOptionEntry entries[] = {
    { "persist", 'p', 0, G_OPTION_ARG_NONE, &persist,
      "Also remove the driverctl override (/etc/driverctl.d)", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
      "Release a binding zvfio-hook made for a domain (normally released when it stops)",
      NULL },
    { "settle-timeout", 0, 0, G_OPTION_ARG_INT, &settle_ms,
      "Wait at most MS milliseconds for the kernel to (un)bind (default 2000)", "MS" },
    { NULL }
  };
  if (!zv_cli_parse ("release", "ID", "Put a device back to its host driver: exactly what "
                     "'zvfio prepare' changed, or io_subchannel / the kernel's choice.",
                     entries, &argc, &argv, error) ||
      !check_settle (settle_ms, "release", error))
    return FALSE;
  g_autoptr (ZvTarget) target = resolve_one (cli, "release", argc, argv, error);
  if (target == NULL)
    return FALSE;
  /* SIGINT/SIGTERM do not stop a release half-way: it completes */
  zv_signal_catch ();
  ZvReleaseOptions options = {
    .unpersist = persist, .settle_timeout_ms = (guint) settle_ms,
    .lock_timeout_ms = LOCK_TIMEOUT_MS, .lock_owner = getpid (), .force = force,
  };
  ZvReleaseResult result = { 0 };
  g_autoptr (GError) local = NULL;
  gboolean ok = zv_release (cli->root, target->bus, target->device, &options, &result, &local);
  if (ok && result.record != NULL)
    print_released (target, result.record, persist);
  else if (ok)
    print_released_unrecorded (cli, target, result.unrecorded);
  else if (result.domain_owned)
    g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY, "%s (--force releases it now)", local->message);
  else
    g_propagate_error (error, g_steal_pointer (&local));
  lead_failure (target, error);
  zv_release_result_clear (&result);
  return ok;
}
