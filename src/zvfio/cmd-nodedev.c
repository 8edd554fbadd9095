/* zvfio nodedev: libvirt node-device XML for subchannels, ccw devices, mdevs
 * and PCI functions, as libvirt 9.0's udev driver prints them. */
#include "cli.h"
#include "zv-nodedev.h"
#include "zv-pci-nodedev.h"

#include <stdio.h>
#include <string.h>

/* The pci.ids names of FUNCTIONS (ZvPciFunction*), read once; a pci.ids that
 * cannot be read leaves the names out, with a warning in WARNINGS. */
static ZvPciNames *
read_pci_names (ZvCli *cli, GPtrArray *functions, GPtrArray *warnings)
{
  ZvPciNames *names = zv_pci_names_new ();
  for (guint i = 0; i < functions->len; i++)
    {
      const ZvPciFunction *fn = g_ptr_array_index (functions, i);
      if (fn->vendor.present && fn->device.present)
        zv_pci_names_want (names, fn->vendor.value, fn->device.value);
    }
  g_autoptr (GError) error = NULL;
  if (!zv_pci_names_read (names, cli->root, &error))
    zv_warning_add (warnings, "PCI vendor and product names left out (libvirt reads them "
                    "with libpciaccess): %s", error->message);
  return names;
}

/* The XML of the pci node device of FN; NULL with ERROR when libvirt would
 * not list FN. What zvfio cannot print as libvirt does goes to WARNINGS. */
static char *
pci_device_xml (ZvCli *cli, const ZvPciFunction *fn, const ZvPciNames *names,
                GPtrArray *warnings, GError **error)
{
  g_autoptr (ZvPciNodedev) nd = zv_pci_nodedev_read (cli->root, fn, names, warnings, error);
  if (nd == NULL)
    return NULL;
  if (nd->has_vpd)
    zv_warning_add (warnings, "%s: the <capability type='vpd'> libvirt makes of its vpd file "
                    "is left out", fn->address);
  return zv_nodedev_pci_xml (fn, nd);
}

/* The XML of the PCI function TARGET names. */
static char *
pci_target_xml (ZvCli *cli, const ZvTarget *target, GError **error)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  g_ptr_array_add (one, target->pci);
  g_autoptr (ZvPciNames) names = read_pci_names (cli, one, warnings);
  char *xml = pci_device_xml (cli, target->pci, names, warnings, error);
  zv_cli_print_warnings (warnings);
  return xml;
}

/* The XML of the one device ID names (a <device> document). */
static char *
device_xml (ZvCli *cli, const char *id, GError **error)
{
  ZvId parsed;
  if (!zv_target_parse_id (id, &parsed, error))
    return NULL;
  g_autoptr (ZvTarget) target = zv_target_resolve_id (cli->root, &parsed, id, ZV_TARGET_DEFAULT,
                                                      error);
  if (target == NULL)
    return NULL;
  zv_cli_print_warnings (target->inv->warnings);
  if (target->pci != NULL)
    return pci_target_xml (cli, target, error);
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

/* Appends to ALL the XML of every PCI function of INV libvirt lists; one it
 * would not list is left out with a warning. */
static void
append_pci_devices (ZvCli *cli, const ZvInventory *inv, GString *all)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ZvPciNames) names = read_pci_names (cli, inv->pci_functions, warnings);
  for (guint i = 0; i < inv->pci_functions->len; i++)
    {
      const ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, i);
      g_autoptr (GError) error = NULL;
      g_autofree char *xml = pci_device_xml (cli, fn, names, warnings, &error);
      if (xml == NULL)
        zv_warning_add (warnings, "%s", error->message);
      else
        g_string_append (all, xml);
    }
  zv_cli_print_warnings (warnings);
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
                     "for subchannels, online ccw devices, mdevs and PCI functions: one ID "
                     "prints its <device> document, none or several one <devices> document.",
                     entries, &argc, &argv, error))
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
      g_autoptr (ZvInventory) inv = zv_inventory_scan (cli->root, ZV_SCOPE_ALL, error);
      if (inv == NULL)
        return FALSE;
      zv_cli_print_warnings (inv->warnings);
      g_autofree char *xml = zv_nodedev_inventory_xml (inv);
      g_string_append (all, xml);
      append_pci_devices (cli, inv, all);
    }
  print_devices (all->str);
  return TRUE;
}
