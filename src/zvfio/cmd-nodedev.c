/* zvfio nodedev: libvirt node-device XML for subchannels, ccw devices and mdevs. */
#include "cli.h"
#include "zv-nodedev.h"

#include <stdio.h>
#include <string.h>

/* Translates a libvirt node device name (css_0_0_0001, ccw_0_0_1234,
 * mdev_<uuid>_0_0_0001) into a zvfio id, or returns NULL. */
static char *
id_from_nodedev_name (const char *name)
{
  guint a, b, c;
  char tail;
  if (sscanf (name, "css_%x_%x_%4x%c", &a, &b, &c, &tail) == 3 && strlen (name) == 12)
    return g_strdup_printf ("sch:%x.%x.%04x", a, b, c);
  if (sscanf (name, "ccw_%x_%x_%4x%c", &a, &b, &c, &tail) == 3 && strlen (name) == 12)
    return g_strdup_printf ("ccw:%x.%x.%04x", a, b, c);
  if (g_str_has_prefix (name, "mdev_") && strlen (name) >= 5 + 36)
    {
      char uuid[37];
      g_strlcpy (uuid, name + 5, sizeof uuid);
      for (int i = 0; i < 36; i++)
        if (uuid[i] == '_')
          uuid[i] = '-';
      if (g_uuid_string_is_valid (uuid))
        return g_strdup (uuid);
    }
  return NULL;
}

/* Prints the XML of the one device ID names. */
static gboolean
print_one (ZvCli *cli, const char *id, GError **error)
{
  g_autofree char *translated = id_from_nodedev_name (id);
  const char *lookup_id = translated ? translated : id;
  ZvId parsed;
  if (!zv_parse_id (lookup_id, &parsed))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "nodedev: '%s' is not a device id or "
                   "libvirt node device name", id);
      return FALSE;
    }
  if (parsed.kind == ZV_ID_PCI || parsed.kind == ZV_ID_FID)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "nodedev: libvirt has no zPCI node device "
                   "format; use 'zvfio show %s'", id);
      return FALSE;
    }
  g_autoptr (ZvTarget) target = zv_target_resolve (cli->root, lookup_id, ZV_TARGET_DEFAULT,
                                                   error);
  if (target == NULL)
    return FALSE;
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
          return FALSE;
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
          return FALSE;
        }
      xml = zv_nodedev_css_xml (sch);
    }
  if (xml == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "nodedev: nothing to print for %s", id);
      return FALSE;
    }
  fputs (xml, stdout);
  return TRUE;
}

/* nodedev [ID] */
gboolean
zv_cmd_nodedev (ZvCli *cli, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  if (!zv_cli_parse ("nodedev", "[ID]", "Print libvirt node-device XML (libvirt 9.0 layout) "
                     "for subchannels, online ccw devices and mdevs.", entries, &argc, &argv,
                     error))
    return FALSE;
  if (argc > 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "nodedev: at most one ID");
      return FALSE;
    }
  if (argc == 2)
    return print_one (cli, argv[1], error);
  g_autoptr (ZvInventory) inv = zv_inventory_scan (cli->root, ZV_SCOPE_CCW, error);
  if (inv == NULL)
    return FALSE;
  zv_cli_print_warnings (inv->warnings);
  g_autofree char *xml = zv_nodedev_inventory_xml (inv);
  fputs (xml, stdout);
  return TRUE;
}
