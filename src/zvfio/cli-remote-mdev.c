/* zvfio CLI: vfio-ccw mdevs of a remote host through libvirt's node-device API.
 *
 * | zvfio                 | libvirt call               | on that host (libvirt 9.0)      |
 * |-----------------------|----------------------------|---------------------------------|
 * | define                | virNodeDeviceDefineXML     | mdevctl define --parent --uuid  |
 * | define --auto         | + virNodeDeviceSetAutostart| mdevctl modify --uuid U --auto  |
 * | define --start, start | virNodeDeviceCreate        | mdevctl start --uuid            |
 * | start (no definition) | virNodeDeviceCreateXML     | mdevctl start --parent --uuid   |
 * | stop                  | virNodeDeviceDestroy       | mdevctl stop --uuid             |
 * | undefine              | virNodeDeviceUndefine      | mdevctl undefine --uuid         |
 *
 * libvirt names no parent to mdevctl undefine, which then removes the UUID's
 * definition on every subchannel: zvfio undefines (and takes back its own
 * definition) only when the node devices show the UUID on no other parent. */
#include "cli-remote-mdev.h"
#include "cli-libvirt.h"
#include "zv-callout-reply.h"
#include "zv-mdev.h"
#include "zv-nodedev.h"
#include "zv-nodedev-parse.h"
#include "zv-parse.h"
#include "zv-signal.h"
#include "zv-text.h"

#include <stdio.h>
#include <string.h>

/* Opens the --connect libvirt (*LV) and resolves the parsed ID (TEXT as typed;
 * NULL: TEXT is no ID) among its css, ccw and mdev node devices to a subchannel
 * target (read once per command, kept in CLI for zv_cli_resolve_id; the other
 * devices are neither read nor refreshed there). */
static ZvTarget *
remote_subchannel (ZvCli *cli, const char *command, const ZvId *id, const char *text,
                   ZvLibvirt **lv, GError **error)
{
  if (id == NULL)
    {
      zv_target_set_id_error (text, error);
      return NULL;
    }
  *lv = zv_cli_libvirt_open (cli, error);
  if (*lv == NULL)
    return NULL;
  if (cli->nodedev_xmls == NULL)
    {
      cli->nodedev_xmls = zv_libvirt_ccw_node_device_xmls (*lv, error);
      if (cli->nodedev_xmls == NULL)
        return NULL;
    }
  return zv_cli_require_subchannel (zv_cli_resolve_id (cli, id, text, ZV_TARGET_DEFAULT,
                                                      error),
                                    command, text, error);
}

/* The parents (subchannel ids) on which node devices XMLS show mdev UUID,
 * defined or running. */
static GPtrArray *
parents_of_uuid (ZvCli *cli, GPtrArray *xmls, const char *uuid)
{
  g_autoptr (ZvInventory) inv = zv_nodedev_parse_inventory (cli->root, xmls);
  GPtrArray *parents = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < inv->subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      for (guint j = 0; sch->mdevs && j < sch->mdevs->len; j++)
        if (strcmp (((ZvMdev *) g_ptr_array_index (sch->mdevs, j))->uuid, uuid) == 0)
          g_ptr_array_add (parents, g_strdup (sch->id));
    }
  for (guint i = 0; inv->orphan_mdevs && i < inv->orphan_mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (inv->orphan_mdevs, i);
      if (strcmp (m->uuid, uuid) == 0)
        g_ptr_array_add (parents, g_strdup (m->parent ? m->parent : "an unknown parent"));
    }
  return parents;
}

/* The first parent in PARENTS that is not PARENT, or NULL. */
static const char *
other_parent (GPtrArray *parents, const char *parent)
{
  for (guint i = 0; i < parents->len; i++)
    if (g_strcmp0 (g_ptr_array_index (parents, i), parent) != 0)
      return g_ptr_array_index (parents, i);
  return NULL;
}

/* The node device name of mdev UUID on PARENT as LV knows it: libvirt >= 7.8
 * appends the parent ("mdev_<uuid>_0_0_0001"), older ones do not. */
static char *
mdev_device_name (ZvLibvirt *lv, const char *uuid, const char *parent)
{
  ZvMdev m = { .parent = (char *) parent };
  g_strlcpy (m.uuid, uuid, sizeof m.uuid);
  char *name = zv_nodedev_mdev_name (&m);
  if (zv_libvirt_node_device_known (lv, name))
    return name;
  g_free (name);
  name = g_strconcat ("mdev_", uuid, NULL);
  g_strdelimit (name, "-", '_');
  if (zv_libvirt_node_device_known (lv, name))
    return name;
  g_free (name);
  return zv_nodedev_mdev_name (&m);    /* libvirt's own error will name it */
}

/* Sets ERROR for FAILED, a libvirt call that failed while it tried to WHAT: when
 * the remote host's zvfio-callout refused it, its findings go to stderr and the
 * error is a rule refusal (exit 3); else libvirt's error as it is (exit 8).
 * AFTER (may be NULL) is added to the message. */
static void
set_remote_failure (ZvCli *cli, const char *what, GError *failed, const char *after,
                    GError **error)
{
  g_autoptr (GPtrArray) lines = NULL;
  const char *tail = after ? after : "";
  if (!zv_callout_refusal_parse (failed->message, &lines))
    {
      g_set_error (error, failed->domain, failed->code, "%s%s", failed->message, tail);
      return;
    }
  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree char *shown = zv_text_escape (g_ptr_array_index (lines, i));
      fprintf (stderr, "%s\n", shown);
    }
  g_set_error (error, ZV_ERROR, ZV_ERROR_RULE, "the zvfio-callout of the host of %s refused "
               "to %s (see the rule violations above%s)%s", cli->remote_uri, what,
               lines->len ? "" : "; it gave no reason libvirt passed on", tail);
}

/* The node-device XML of a vfio_ccw-io mdev UUID below subchannel SCH. */
static char *
mdev_xml (const ZvSubchannel *sch, const char *uuid)
{
  g_autofree char *parent = zv_nodedev_css_name (sch);
  return g_markup_printf_escaped ("<device>\n"
                                  "  <parent>%s</parent>\n"
                                  "  <capability type='mdev'>\n"
                                  "    <type id='%s'/>\n"
                                  "    <uuid>%s</uuid>\n"
                                  "  </capability>\n"
                                  "</device>\n", parent, ZV_VFIO_CCW_MDEV_TYPE, uuid);
}

/* Refuses (exit 2) a UUID the remote host has already, defined or running (as
 * the node devices read at the start of the command show). */
static gboolean
refuse_known_uuid (ZvCli *cli, const char *uuid, GError **error)
{
  GPtrArray *xmls = zv_cli_nodedev_xmls (cli, error);   /* read again if a refresh dropped them */
  if (xmls == NULL)
    return FALSE;
  g_autoptr (GPtrArray) parents = parents_of_uuid (cli, xmls, uuid);
  if (parents->len == 0)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "mdev %s is defined or running already on "
               "the host of %s (on %s); give another UUID", uuid, cli->remote_uri,
               (const char *) g_ptr_array_index (parents, 0));
  return FALSE;
}

/* Takes back the definition of mdev UUID on PARENT (node device NAME) that
 * this command made: undefined unless the node devices show UUID on another
 * parent too (libvirt's undefine would remove that one as well). *WHAT_HAPPENED:
 * a sentence on what became of it. FALSE: the definition may stay. */
static gboolean
take_back_definition (ZvCli *cli, ZvLibvirt *lv, const char *name, const char *uuid,
                      const char *parent, char **what_happened)
{
  /* read again: someone may have defined the UUID elsewhere since the start */
  g_autoptr (GError) undo = NULL;
  g_autoptr (GPtrArray) xmls = zv_libvirt_ccw_node_device_xmls (lv, &undo);
  g_autoptr (GPtrArray) parents = xmls ? parents_of_uuid (cli, xmls, uuid) : NULL;
  const char *other = parents ? other_parent (parents, parent) : NULL;
  if (parents != NULL && other != NULL)
    {
      *what_happened = g_strdup_printf ("the mdev %s defined on %s by this command stays "
                                        "defined: the UUID is now also defined on %s, and "
                                        "libvirt's undefine would remove both (remove it with "
                                        "'mdevctl undefine -u %s -p %s' on that host)", uuid,
                                        parent, other, uuid, parent);
      return FALSE;
    }
  if (parents != NULL && zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_UNDEFINE, &undo))
    {
      *what_happened = g_strdup_printf ("the mdev %s defined on %s by this command was "
                                        "undefined again (nothing changed)", uuid, parent);
      return TRUE;
    }
  *what_happened = g_strdup_printf ("the mdev %s may stay defined on %s, because undoing it "
                                    "failed too: %s (remove it with 'virsh -c %s "
                                    "nodedev-undefine %s')", uuid, parent, undo->message,
                                    cli->remote_uri, name);
  return FALSE;
}

/* Defines mdev U on SCH (node device XML), sets its autostart with AUTOSTART
 * and starts it with START; a step after the definition that fails takes it
 * back. */
static gboolean
define_on (ZvCli *cli, ZvLibvirt *lv, const ZvSubchannel *sch, const char *u,
           gboolean autostart, gboolean start, GError **error)
{
  g_autofree char *xml = mdev_xml (sch, u);
  g_autoptr (GError) failed = NULL;
  g_autofree char *name = zv_libvirt_node_device_define (lv, xml, &failed);
  if (name == NULL)
    {
      g_autofree char *define_what = g_strdup_printf ("define mdev %s on %s", u, sch->id);
      set_remote_failure (cli, define_what, failed, NULL, error);
      return FALSE;
    }
  const char *step = "define";
  gboolean done = zv_signal_check (&failed);
  if (done && autostart)
    {
      step = "set autostart of";
      done = zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_AUTOSTART_ON, &failed) &&
             zv_signal_check (&failed);
    }
  if (done && start)
    {
      step = "start";
      done = zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_START, &failed);
    }
  if (done)
    return TRUE;
  g_autofree char *happened = NULL;
  take_back_definition (cli, lv, name, u, sch->id, &happened);
  g_autofree char *after = g_strconcat ("; ", happened, NULL);
  g_autofree char *step_what = g_strdup_printf ("%s mdev %s on %s", step, u, sch->id);
  set_remote_failure (cli, step_what, failed, after, error);
  return FALSE;
}

/* Defines mdev UUID on SCH of the remote host (see the header). */
gboolean
zv_cli_remote_mdev_define (ZvCli *cli, ZvLibvirt *lv, const ZvSubchannel *sch,
                           const char *uuid, gboolean autostart, gboolean again,
                           GError **error)
{
  return (again || refuse_known_uuid (cli, uuid, error)) &&
         define_on (cli, lv, sch, uuid, autostart, FALSE, error);
}

/* Takes back a definition zv_cli_remote_mdev_define made (see the header). */
gboolean
zv_cli_remote_mdev_take_back (ZvCli *cli, ZvLibvirt *lv, const char *uuid, const char *parent,
                              char **what_happened)
{
  g_autofree char *name = mdev_device_name (lv, uuid, parent);
  return take_back_definition (cli, lv, name, uuid, parent, what_happened);
}

/* define ID on the remote host. */
gboolean
zv_cli_remote_define (ZvCli *cli, const ZvId *id, const char *text, const char *uuid,
                      gboolean autostart, gboolean start, GError **error)
{
  g_autoptr (ZvLibvirt) lv = NULL;
  g_autoptr (ZvTarget) device = remote_subchannel (cli, "define", id, text, &lv, error);
  if (device == NULL)
    return FALSE;
  ZvMdevConfig config = { .mdev_type = (char *) ZV_VFIO_CCW_MDEV_TYPE,
                          .start = (char *) (autostart ? "auto" : "manual") };
  ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_DEFINE, .target = device,
                        .mdev_type = ZV_VFIO_CCW_MDEV_TYPE, .config = &config,
                        .autostart = autostart };
  g_autofree char *what = g_strdup_printf ("define an mdev for %s", device->label);
  if (!zv_cli_enforce_rules (&ctx, what, error))
    return FALSE;
  ZvRuleContext start_ctx = { .root = cli->root, .op = ZV_OP_START, .target = device,
                              .mdev_type = ZV_VFIO_CCW_MDEV_TYPE };
  g_autofree char *start_what = g_strdup_printf ("define and start an mdev for %s",
                                                 device->label);
  if (start && !zv_cli_enforce_rules (&start_ctx, start_what, error))
    return FALSE;
  g_autofree char *generated = uuid ? NULL : g_uuid_string_random ();
  const char *u = uuid ? uuid : generated;
  if (!refuse_known_uuid (cli, u, error))
    return FALSE;
  /* a signal between the steps takes back what this command made */
  zv_signal_catch ();
  if (!define_on (cli, lv, device->sch, u, autostart, start, error))
    return FALSE;
  printf ("%s\n", u);
  return TRUE;
}

/* Fills in what the node-device XML of mdev M does not say (see the header). */
gboolean
zv_cli_remote_mdev_definition (ZvLibvirt *lv, ZvMdev *m, gboolean with_autostart,
                               GError **error)
{
  gboolean persistent = !m->active;   /* libvirt lists a stopped mdev only when defined */
  g_autofree char *name = mdev_device_name (lv, m->uuid, m->parent);
  if (m->active && !zv_libvirt_node_device_persistent (lv, name, &persistent, error))
    return FALSE;
  m->defined = persistent;
  if (!with_autostart || !persistent)
    return TRUE;
  gboolean autostart = FALSE;
  if (!zv_libvirt_node_device_autostart (lv, name, &autostart, error))
    return FALSE;
  g_free (m->start);
  m->start = g_strdup (autostart ? "auto" : "manual");
  return TRUE;
}

/* Refuses (exit 1) to undefine mdev UUID of PARENT when the node devices read
 * at the start of the command show it on another parent too: libvirt's
 * undefine (mdevctl undefine without a parent) would remove both. */
static gboolean
refuse_other_parent (ZvCli *cli, const char *uuid, const char *parent, GError **error)
{
  GPtrArray *xmls = zv_cli_nodedev_xmls (cli, error);   /* read again if a refresh dropped them */
  if (xmls == NULL)
    return FALSE;
  g_autoptr (GPtrArray) parents = parents_of_uuid (cli, xmls, uuid);
  const char *other = other_parent (parents, parent);
  if (other == NULL)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "mdev %s is defined on %s and on %s of the "
               "host of %s, and libvirt's undefine (mdevctl undefine without a parent) would "
               "remove both; run 'mdevctl undefine -u %s -p %s' on that host", uuid, parent,
               other, cli->remote_uri, uuid, parent);
  return FALSE;
}

/* CHANGE of mdev UUID on PARENT of the remote host (see the header). */
gboolean
zv_cli_remote_mdev_change (ZvCli *cli, ZvLibvirt *lv, const char *uuid, const char *parent,
                           ZvNodeDeviceChange change, GError **error)
{
  if (change == ZV_NODEDEV_UNDEFINE && !refuse_other_parent (cli, uuid, parent, error))
    return FALSE;
  g_autofree char *name = mdev_device_name (lv, uuid, parent);
  g_autoptr (GError) failed = NULL;
  if (zv_libvirt_node_device_change (lv, name, change, &failed))
    return TRUE;
  g_autofree char *what = g_strdup_printf ("%s mdev %s on %s", change == ZV_NODEDEV_START
                                           ? "start" : change == ZV_NODEDEV_STOP ? "stop"
                                           : change == ZV_NODEDEV_UNDEFINE ? "undefine"
                                           : "change the autostart of", uuid, parent);
  set_remote_failure (cli, what, failed, NULL, error);
  return FALSE;
}

/* The defined mdev of SCH that UUID names, or SCH's only definition (inactive
 * mdevs are defined; libvirt says whether a running one is). */
static const ZvMdev *
remote_definition (ZvLibvirt *lv, const ZvTarget *device, const char *uuid, GError **error)
{
  const ZvSubchannel *sch = device->sch;
  const ZvMdev *found = NULL;
  guint n_defined = 0;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (uuid != NULL && strcmp (m->uuid, uuid) != 0)
        continue;
      gboolean persistent = !m->active;
      if (m->active)
        {
          g_autofree char *name = mdev_device_name (lv, m->uuid, m->parent);
          if (!zv_libvirt_node_device_persistent (lv, name, &persistent, error))
            return NULL;
        }
      if (uuid != NULL && !persistent)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                       "mdev %s is running but not defined; stop it with 'zvfio stop %s'",
                       m->uuid, m->uuid);
          return NULL;
        }
      if (persistent)
        {
          found = m;
          n_defined++;
        }
    }
  if (uuid != NULL && found == NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no mdev %s on %s", uuid, device->label);
  else if (n_defined == 0)
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no mdev is defined on %s",
                 device->label);
  else if (n_defined > 1)
    g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                 "%s has %u defined mdevs; give the UUID", device->label, n_defined);
  return n_defined == 1 ? found : NULL;
}

/* undefine ID|UUID on the remote host. */
gboolean
zv_cli_remote_undefine (ZvCli *cli, const ZvId *id, const char *text, const char *uuid,
                        GError **error)
{
  g_autoptr (ZvLibvirt) lv = NULL;
  g_autoptr (ZvTarget) device = remote_subchannel (cli, "undefine", id, text, &lv, error);
  if (device == NULL)
    return FALSE;
  const ZvMdev *mdev = remote_definition (lv, device, uuid, error);
  if (mdev == NULL)
    return FALSE;
  if (!refuse_other_parent (cli, mdev->uuid, device->sch->id, error))
    return FALSE;
  g_autofree char *name = mdev_device_name (lv, mdev->uuid, device->sch->id);
  if (!zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_UNDEFINE, error))
    return FALSE;
  printf ("%s\n", mdev->uuid);
  return TRUE;
}

/* start ID|UUID on the remote host. */
gboolean
zv_cli_remote_start (ZvCli *cli, const ZvId *id, const char *text, const char *uuid,
                     GError **error)
{
  g_autoptr (ZvLibvirt) lv = NULL;
  g_autoptr (ZvTarget) device = remote_subchannel (cli, "start", id, text, &lv, error);
  if (device == NULL)
    return FALSE;
  const ZvSubchannel *sch = device->sch;
  /* the mdev named, else the subchannel's only stopped (so defined) one */
  const ZvMdev *mdev = NULL;
  guint n_stopped = 0;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (uuid != NULL ? strcmp (m->uuid, uuid) == 0 : !m->active)
        {
          mdev = m;
          n_stopped++;
        }
    }
  if (uuid == NULL && n_stopped > 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s has %u defined mdevs; give the UUID", device->label, n_stopped);
      return FALSE;
    }
  ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_START, .target = device,
                        .mdev_type = ZV_VFIO_CCW_MDEV_TYPE };
  g_autofree char *what = g_strdup_printf ("start an mdev for %s", device->label);
  if (!zv_cli_enforce_rules (&ctx, what, error))
    return FALSE;
  g_autoptr (GError) failed = NULL;
  if (mdev != NULL)
    {
      g_autofree char *name = mdev_device_name (lv, mdev->uuid, sch->id);
      g_autofree char *start_what = g_strdup_printf ("start mdev %s on %s", mdev->uuid,
                                                     sch->id);
      if (!zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_START, &failed))
        {
          set_remote_failure (cli, start_what, failed, NULL, error);
          return FALSE;
        }
      printf ("%s\n", mdev->uuid);
      return TRUE;
    }
  /* no definition: a transient mdev, as 'mdevctl start -p SCH -t TYPE' makes one */
  g_autofree char *transient = g_uuid_string_random ();
  g_autofree char *xml = mdev_xml (sch, transient);
  g_autofree char *name = zv_libvirt_node_device_create (lv, xml, &failed);
  if (name == NULL)
    {
      g_autofree char *create_what = g_strdup_printf ("start a transient mdev on %s",
                                                      sch->id);
      set_remote_failure (cli, create_what, failed, NULL, error);
      return FALSE;
    }
  printf ("%s\n", transient);
  return TRUE;
}

/* stop UUID|mdev_<uuid>[_<parent>] on the remote host. */
gboolean
zv_cli_remote_stop (ZvCli *cli, const ZvId *id, const char *text, GError **error)
{
  g_autoptr (ZvLibvirt) lv = NULL;
  g_autoptr (ZvTarget) device = remote_subchannel (cli, "stop", id, text, &lv, error);
  if (device == NULL)
    return FALSE;
  if (!device->mdev_active)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "mdev %s is not running", device->mdev);
      return FALSE;
    }
  g_autofree char *name = mdev_device_name (lv, device->mdev, device->sch->id);
  if (!zv_libvirt_node_device_change (lv, name, ZV_NODEDEV_STOP, error))
    return FALSE;
  printf ("%s\n", device->mdev);
  return TRUE;
}
