/* zvfio define/undefine/start/stop: vfio_ccw-io mdevs through the real mdevctl.
 * The rules run first (ZV_OP_DEFINE / ZV_OP_START); the definitions are
 * mdevctl's own files, written only by mdevctl. With a --connect URI naming
 * another host, the same commands go through that libvirt's node-device API
 * (cli-remote-mdev.c). */
#include "cli.h"
#include "cli-mdev-intent.h"
#include "cli-remote-mdev.h"
#include "zv-mdevctl.h"
#include "zv-parse.h"
#include "zv-rules.h"
#include "zv-signal.h"

#include <stdio.h>
#include <string.h>

/* Resolves the parsed ID (TEXT as typed) to a subchannel target, or NULL with an error. */
static ZvTarget *
resolve_subchannel (ZvCli *cli, const char *command, const ZvId *id, const char *text,
                    GError **error)
{
  return zv_cli_require_subchannel (zv_target_resolve_id (cli->root, id, text,
                                                         ZV_TARGET_DEFAULT, error),
                                    command, text, error);
}

/* Finds the mdev UUID of DEVICE's subchannel, or its only definition when UUID is NULL. */
static const ZvMdev *
find_definition (const ZvTarget *device, const char *uuid, GError **error)
{
  const ZvSubchannel *sch = device->sch;
  const ZvMdev *found = NULL;
  guint n_defined = 0;
  for (guint i = 0; i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (uuid != NULL && strcmp (m->uuid, uuid) == 0)
        return m;
      if (uuid == NULL && m->defined)
        {
          found = m;
          n_defined++;
        }
    }
  if (uuid != NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no mdev %s on %s", uuid, device->label);
  else if (n_defined == 0)
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no mdev is defined on %s",
                 device->label);
  else if (n_defined > 1)
    g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                 "%s has %u defined mdevs; give the UUID", device->label, n_defined);
  return n_defined == 1 ? found : NULL;
}

/* The UUID the parsed ID names (a UUID or an mdev_<uuid>[_parent] node device
 * name, normalized), or NULL when it names no mdev (or TEXT was no ID, VALID FALSE). */
static const char *
id_as_uuid (gboolean valid, const ZvId *id)
{
  return valid && id->kind == ZV_ID_UUID ? id->normalized : NULL;
}

/* Checks that exactly one positional argument was given. */
static gboolean
one_argument (const char *command, const char *what, int argc, GError **error)
{
  if (argc == 2)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: expected one %s", command, what);
  return FALSE;
}

/* define ID --start: mdevctl define, then mdevctl start, under an intent record
 * (/run/zvfio/mdev/<uuid>.json) written before the define, rewritten right after
 * it with the proof of the definition it made and step start. A failure or
 * SIGINT/SIGTERM/SIGHUP takes back what this command made (an admin who asked for
 * a running mdev gets one or nothing); a kill leaves the record, from which 'zvfio
 * repair' or the same command undoes what the record proves this one made. */
static gboolean
define_and_start (ZvCli *cli, const ZvSubchannel *sch, const char *uuid, gboolean autostart,
                  GError **error)
{
  const char *sch_id = sch->id;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_new (ZV_MDEV_OP_DEFINE_START, uuid,
                                                        &sch->busid);
  g_autoptr (ZvLock) lock = NULL;
  if (!zv_cli_mdev_intent_begin (cli, intent, &lock, error))
    return FALSE;
  g_autoptr (GError) failed = NULL;
  g_autofree char *defined = NULL;
  if (zv_signal_check (&failed) &&
      zv_cli_mdev_define (cli, intent, ZV_MDEV_STEP_START, autostart, &failed) &&
      (defined = g_strdup (uuid)) != NULL &&
      zv_signal_check (&failed) &&
      zv_mdevctl_start (cli->root, uuid, NULL, &failed))
    {
      /* started: the operation is done, a signal now changes nothing */
      if (!zv_cli_mdev_intent_done (cli, intent, error))
        return FALSE;
      printf ("%s\n", uuid);
      return TRUE;
    }
  g_autoptr (GError) undo = NULL;
  if (zv_cli_mdev_intent_undo (cli, intent, &undo) && defined != NULL)
    g_set_error (error, ZV_ERROR, failed->code, "%s; the mdev %s defined on %s by this command "
                 "was undefined again (nothing changed)", failed->message, uuid, sch_id);
  else if (undo == NULL)
    g_set_error (error, ZV_ERROR, failed->code, "%s; mdev %s was not defined (nothing "
                 "changed)", failed->message, uuid);
  else
    g_set_error (error, ZV_ERROR, failed->code, "%s; the mdev %s may stay defined on %s, "
                 "because undoing it failed too: %s", failed->message, uuid, sch_id,
                 undo->message);
  return FALSE;
}

/* define ID [--uuid U] [--auto|--manual] [--start] */
gboolean
zv_cmd_define (ZvCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *uuid = NULL;
  gboolean autostart = FALSE, manual = FALSE, start = FALSE;
  GOptionEntry entries[] = {
    { "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid, "UUID of the mdev (default: a new one)",
      "UUID" },
    { "auto", 'a', 0, G_OPTION_ARG_NONE, &autostart,
      "Start the mdev automatically when its subchannel appears", NULL },
    { "manual", 'm', 0, G_OPTION_ARG_NONE, &manual, "Start it only on request (default)",
      NULL },
    { "start", 's', 0, G_OPTION_ARG_NONE, &start,
      "Also start (create) the mdev now (mdevctl start), so libvirt and virt-manager show it "
      "active; if the start fails, the definition is removed again", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("define", "ID", "Define a vfio_ccw-io mdev on a subchannel with mdevctl.",
                     entries, &argc, &argv, error) ||
      !one_argument ("define", "device ID", argc, error))
    return FALSE;
  char buf[37];
  if (autostart && manual)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "define: --auto and --manual exclude each other");
      return FALSE;
    }
  if (uuid != NULL && !zv_parse_uuid (uuid, buf))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "define: '%s' is not a UUID", uuid);
      return FALSE;
    }
  ZvId id;
  if (!zv_target_parse_id (argv[1], &id, error))   /* the one parse of the ID */
    return FALSE;
  /* another host: its libvirt's node-device API (cli-remote-mdev.c) */
  if (cli->remote_uri != NULL)
    return zv_cli_remote_define (cli, &id, argv[1], uuid ? buf : NULL, autostart, start, error);
  g_autoptr (ZvTarget) device = resolve_subchannel (cli, "define", &id, argv[1], error);
  if (device == NULL)
    return FALSE;
  if (start)
    {
      /* the same define --start again (same UUID and subchannel) settles what the
       * interrupted one left, then looks at the subchannel again; other records
       * there are left alone */
      zv_signal_catch ();
      ZvMdevSettled settled;
      if (!zv_cli_mdev_settle_rerun (cli, ZV_MDEV_OP_DEFINE_START, device->sch->id,
                                     uuid ? buf : NULL, NULL, NULL, &settled, error))
        return FALSE;
      if (settled == ZV_MDEV_SETTLED_STARTED)
        {
          /* the interrupted run had finished: the mdev asked for runs */
          printf ("%s\n", buf);
          return TRUE;
        }
      if (settled != ZV_MDEV_SETTLED_NO_RECORD)
        {
          g_clear_pointer (&device, zv_target_free);
          device = resolve_subchannel (cli, "define", &id, argv[1], error);
          if (device == NULL)
            return FALSE;
        }
    }
  const ZvSubchannel *sch = device->sch;
  ZvMdevConfig config = { .mdev_type = (char *) ZV_VFIO_CCW_MDEV_TYPE,
                          .start = (char *) (autostart ? "auto" : "manual") };
  ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_DEFINE, .target = device,
                        .mdev_type = ZV_VFIO_CCW_MDEV_TYPE, .config = &config,
                        .autostart = autostart };
  /* the host facts once, for the define and the start rules */
  g_autoptr (ZvHostFacts) facts = zv_rules_read_facts (&ctx);
  ctx.facts = facts;
  g_autofree char *what = g_strdup_printf ("define an mdev for %s", device->name);
  if (!zv_cli_enforce_rules (&ctx, what, error))
    return FALSE;
  /* --start: the start rules too, before anything is written */
  ZvRuleContext start_ctx = { .root = cli->root, .op = ZV_OP_START, .target = device,
                              .facts = facts, .mdev_type = ZV_VFIO_CCW_MDEV_TYPE };
  g_autofree char *start_what = g_strdup_printf ("define and start an mdev for %s",
                                                 device->name);
  if (start && !zv_cli_enforce_rules (&start_ctx, start_what, error))
    return FALSE;
  if (start)
    {
      g_autofree char *generated = uuid ? NULL : g_uuid_string_random ();
      return define_and_start (cli, sch, uuid ? buf : generated, autostart, error);
    }
  g_autoptr (ZvLock) lock = NULL;
  if (uuid != NULL && !zv_cli_mdev_reserve (cli, buf, &lock, error))
    return FALSE;
  g_autofree char *defined = zv_mdevctl_define (cli->root, &sch->busid, uuid ? buf : NULL,
                                                autostart, error);
  if (defined == NULL)
    return FALSE;
  printf ("%s\n", defined);
  return TRUE;
}

/* Options of commands that take none but --help. */
static GOptionEntry no_options[] = { { NULL } };

/* undefine ID|UUID */
gboolean
zv_cmd_undefine (ZvCli *cli, int argc, char **argv, GError **error)
{
  if (!zv_cli_parse ("undefine", "ID|UUID", "Remove an mdev definition with mdevctl.", no_options,
                     &argc, &argv, error) ||
      !one_argument ("undefine", "device ID or mdev UUID", argc, error))
    return FALSE;
  ZvId id;
  gboolean valid = zv_parse_id (argv[1], &id);   /* the one parse of the ID */
  const char *uuid = id_as_uuid (valid, &id);
  if (cli->remote_uri != NULL)
    return zv_cli_remote_undefine (cli, valid ? &id : NULL, argv[1], uuid, error);
  if (!valid)
    {
      zv_target_set_id_error (argv[1], error);
      return FALSE;
    }
  g_autoptr (ZvTarget) device = resolve_subchannel (cli, "undefine", &id, argv[1], error);
  if (device == NULL)
    return FALSE;
  const ZvSubchannel *sch = device->sch;
  const ZvMdev *mdev = find_definition (device, uuid, error);
  if (mdev == NULL)
    return FALSE;
  if (!mdev->defined)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                   "mdev %s is running but not defined; stop it with 'zvfio stop %s'",
                   mdev->uuid, mdev->uuid);
      return FALSE;
    }
  /* the parent named: 'mdevctl undefine -u U' alone removes U on every subchannel */
  if (!zv_mdevctl_undefine_on (cli->root, mdev->uuid, &sch->busid, error))
    return FALSE;
  printf ("%s\n", mdev->uuid);
  return TRUE;
}

/* start ID|UUID: a defined mdev, or a transient one on a subchannel without definition */
gboolean
zv_cmd_start (ZvCli *cli, int argc, char **argv, GError **error)
{
  if (!zv_cli_parse ("start", "ID|UUID", "Start a vfio_ccw-io mdev with mdevctl.", no_options, &argc,
                     &argv, error) ||
      !one_argument ("start", "device ID or mdev UUID", argc, error))
    return FALSE;
  ZvId id;
  gboolean valid = zv_parse_id (argv[1], &id);   /* the one parse of the ID */
  const char *uuid = id_as_uuid (valid, &id);
  if (cli->remote_uri != NULL)
    return zv_cli_remote_start (cli, valid ? &id : NULL, argv[1], uuid, error);
  if (!valid)
    {
      zv_target_set_id_error (argv[1], error);
      return FALSE;
    }
  g_autoptr (ZvTarget) device = resolve_subchannel (cli, "start", &id, argv[1], error);
  if (device == NULL)
    return FALSE;
  const ZvSubchannel *sch = device->sch;
  g_autoptr (GError) missing = NULL;
  const ZvMdev *mdev = find_definition (device, uuid, &missing);
  if (mdev == NULL && (uuid != NULL || !g_error_matches (missing, ZV_ERROR, ZV_ERROR_NOT_FOUND)))
    {
      g_propagate_error (error, g_steal_pointer (&missing));
      return FALSE;
    }
  ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_START, .target = device,
                        .mdev_type = ZV_VFIO_CCW_MDEV_TYPE };
  g_autofree char *what = g_strdup_printf ("start an mdev for %s", device->name);
  if (!zv_cli_enforce_rules (&ctx, what, error))
    return FALSE;
  g_autofree char *transient = mdev ? NULL : g_uuid_string_random ();
  const char *target = mdev ? mdev->uuid : transient;
  if (!zv_mdevctl_start (cli->root, target, mdev ? NULL : &sch->busid, error))
    return FALSE;
  printf ("%s\n", target);
  return TRUE;
}

/* stop UUID */
gboolean
zv_cmd_stop (ZvCli *cli, int argc, char **argv, GError **error)
{
  if (!zv_cli_parse ("stop", "UUID", "Stop a running mdev with mdevctl.", no_options, &argc, &argv,
                     error) ||
      !one_argument ("stop", "mdev UUID", argc, error))
    return FALSE;
  ZvId id;
  gboolean valid = zv_parse_id (argv[1], &id);   /* the one parse of the ID */
  const char *buf = id_as_uuid (valid, &id);
  if (buf == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "stop: '%s' is not an mdev UUID or mdev_<uuid> node device name", argv[1]);
      return FALSE;
    }
  if (cli->remote_uri != NULL)
    return zv_cli_remote_stop (cli, &id, argv[1], error);
  g_autoptr (ZvMdev) active = zv_mdev_load_active (cli->root, buf, NULL);
  if (active == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "mdev %s is not running", buf);
      return FALSE;
    }
  char parent[16];
  if (id.has_mdev_parent &&
      (zv_format_busid (&id.mdev_parent, parent), g_strcmp0 (active->parent, parent) != 0))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                   "no mdev %s on subchannel %s (it runs on %s)", buf, parent, active->parent);
      return FALSE;
    }
  if (!zv_mdevctl_stop (cli->root, buf, error))
    return FALSE;
  printf ("%s\n", buf);
  return TRUE;
}
