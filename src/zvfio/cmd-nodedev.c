/* zvfio nodedev: libvirt node-device XML for subchannels, ccw devices and mdevs. */
#include "cli.h"
#include "zv-nodedev.h"

#include <stdio.h>
#include <string.h>

/* The XML of the one device ID names (a <device> document). */
static char *
device_xml (ZvCli *cli, const char *id, GError **error)
{
  const char *lookup_id = id;
  ZvId parsed;
  if (!zv_target_parse_id (lookup_id, &parsed, error))
    return NULL;
  if (parsed.kind == ZV_ID_PCI || parsed.kind == ZV_ID_FID)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "nodedev: libvirt has no zPCI node device "
                   "format; use 'zvfio show %s'", id);
      return NULL;
    }
  g_autoptr (ZvTarget) target = zv_target_resolve (cli->root, lookup_id, ZV_TARGET_DEFAULT,
                                                   error);
  if (target == NULL)
    return NULL;
  zv_cli_print_warnings (target->inv->warnings);
  const ZvSubchannel *sch = target->sch;
  g_autofree char *xml = NULL;
  if (parsed.kind == ZV_ID_UUID)
    {
      for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
        {
          ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
          if (strcmp (m->uuid, parsed.normalized) == 0)
            xml = zv_nodedev_mdev_xml (sch, m);
        }
    }
  else if (parsed.kind != ZV_ID_SUBCHANNEL && sch->device &&
           strcmp (sch->device->id, parsed.normalized) == 0)
    {
      if (sch->device->online != 1)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                       "nodedev: ccw device %s is offline; libvirt 9.0 lists only online ccw "
                       "devices (its subchannel is sch:%s)", sch->device->id, sch->id);
          return NULL;
        }
      xml = zv_nodedev_ccw_xml (sch);
    }
  else
    {
      if (!zv_nodedev_lists_subchannel (sch))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                       "nodedev: libvirt lists only subchannels bound to io_subchannel or "
                       "vfio_ccw; %s is bound to %s", sch->id, sch->driver ? sch->driver : "no driver");
          return NULL;
        }
      xml = zv_nodedev_css_xml (sch);
    }
  if (xml == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "nodedev: nothing to print for %s", id);
      return NULL;
    }
  return g_steal_pointer (&xml);
}

/* Wraps <device> documents (concatenated in DEVICES) in one <devices> document. */
static void
print_devices (const char *devices)
{
  printf ("<devices>\n%s</devices>\n", devices);
}

/* nodedev [ID...]: one ID prints its <device> document exactly as virsh
 * nodedev-dumpxml does; none (every device) or several print one <devices>
 * document holding the <device> elements, so the output is always well-formed. */
gboolean
zv_cmd_nodedev (ZvCli *cli, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  if (!zv_cli_parse ("nodedev", "[ID...]", "Print libvirt node-device XML (libvirt 9.0 layout) "
                     "for subchannels, online ccw devices and mdevs: one ID prints its "
                     "<device> document, none or several one <devices> document.", entries,
                     &argc, &argv, error))
    return FALSE;
  if (argc == 2)
    {
      g_autofree char *xml = device_xml (cli, argv[1], error);
      if (xml == NULL)
        return FALSE;
      fputs (xml, stdout);
      return TRUE;
    }
  g_autoptr (GString) all = g_string_new (NULL);
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *xml = device_xml (cli, argv[i], error);
      if (xml == NULL)
        return FALSE;   /* nothing printed: all or nothing */
      g_string_append (all, xml);
    }
  if (argc == 1)
    {
      g_autoptr (ZvInventory) inv = zv_inventory_scan (cli->root, ZV_SCOPE_CCW, error);
      if (inv == NULL)
        return FALSE;
      zv_cli_print_warnings (inv->warnings);
      g_autofree char *xml = zv_nodedev_inventory_xml (inv);
      g_string_append (all, xml);
    }
  print_devices (all->str);
  return TRUE;
}
