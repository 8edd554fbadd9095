/* zvfio show: one device with everything related (subchannel <-> ccw device
 * <-> mdevs <-> definitions, or a zPCI function). */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-json-model.h"

#include <stdio.h>
#include <string.h>

/* Prints "  Label:  value" aligned. */
static void
field (const char *label, const char *value)
{
  g_autofree char *head = g_strconcat (label, ":", NULL);
  g_autofree char *shown = zv_text_escape (value ? value : "-");
  printf ("  %-20s %s\n", head, shown);
}

/* Prints a subchannel and its relatives as labelled lines. */
static void
print_subchannel (const ZvSubchannel *sch)
{
  const char *type = zv_subchannel_type_name (sch->type);
  printf ("Subchannel %s\n", sch->id);
  g_autofree char *set = g_strdup_printf ("%u", sch->busid.ssid);
  field ("Subchannel set", set);
  g_autofree char *type_text = sch->type >= 0 ? g_strdup_printf ("%d (%s)", sch->type,
                                                                 type ? type : "unknown")
                                              : g_strdup ("unknown");
  field ("Type", type_text);
  field ("Driver", sch->driver ? sch->driver : "none");
  if (sch->has_driver_override_attr)
    field ("Driver override", sch->driver_override ? sch->driver_override : "none");
  if (sch->has_chpids)
    {
      g_autofree char *chpids = g_strdup_printf ("%02x %02x %02x %02x %02x %02x %02x %02x",
                                                 sch->chpids[0], sch->chpids[1], sch->chpids[2],
                                                 sch->chpids[3], sch->chpids[4], sch->chpids[5],
                                                 sch->chpids[6], sch->chpids[7]);
      field ("CHPIDs", chpids);
    }
  if (sch->has_pimpampom)
    {
      g_autofree char *ppp = g_strdup_printf ("%02x %02x %02x", sch->pimpampom[0],
                                              sch->pimpampom[1], sch->pimpampom[2]);
      field ("PIM PAM POM", ppp);
    }
  field ("Device number", sch->dev_busid);
  field ("QDIO", sch->qdio ? "yes (vfio-ccw cannot pass it through)" : "no");
  field ("Path", sch->path);
  if (sch->device)
    {
      const ZvCcwDevice *dev = sch->device;
      printf ("ccw device %s\n", dev->id);
      field ("CU type", dev->cutype);
      field ("Device type", dev->devtype ? dev->devtype : "n/a");
      field ("Online", dev->online == 1 ? "yes" : dev->online == 0 ? "no" : "unknown");
      field ("Availability", dev->availability);
      field ("Driver", dev->driver ? dev->driver : "none");
      field ("Path", dev->path);
    }
  else
    printf ("ccw device: none%s\n",
            sch->driver && strcmp (sch->driver, "vfio_ccw") == 0 ? " (subchannel bound to vfio_ccw)" : "");
  for (guint i = 0; sch->mdev_types && i < sch->mdev_types->len; i++)
    {
      const ZvMdevType *t = g_ptr_array_index (sch->mdev_types, i);
      printf ("mdev type %s\n", t->id);
      field ("Name", t->name);
      field ("Device API", t->device_api);
      g_autofree char *avail = t->available_instances >= 0
        ? g_strdup_printf ("%" G_GINT64_FORMAT, t->available_instances) : NULL;
      field ("Available instances", avail);
    }
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      printf ("mdev %s\n", m->uuid);
      field ("Type", m->type);
      field ("Active", m->active ? "yes" : "no");
      g_autofree char *def = m->defined ? g_strdup_printf ("yes (start %s)", m->start)
                                        : g_strdup ("no");
      field ("Defined", def);
      if (m->active)
        {
          field ("Driver", m->driver);
          g_autofree char *group = m->iommu_group >= 0 ? g_strdup_printf ("%d", m->iommu_group)
                                                       : NULL;
          field ("IOMMU group", group);
        }
    }
}

/* Formats an optional number as hex with WIDTH digits. */
static char *
hex_or_null (ZvOptU32 v, int width)
{
  return v.present ? g_strdup_printf ("0x%0*x", width, v.value) : NULL;
}

/* Prints a zPCI function as labelled lines. */
static void
print_pci (const ZvPciFunction *fn)
{
  printf ("zPCI function %s\n", fn->address);
  g_autofree char *fid = hex_or_null (fn->fid, 8);
  g_autofree char *fh = hex_or_null (fn->fh, 8);
  g_autofree char *uid = hex_or_null (fn->uid, 1);
  g_autofree char *pft = hex_or_null (fn->pft, 2);
  g_autofree char *pchid = hex_or_null (fn->pchid, 4);
  g_autofree char *pfgid = hex_or_null (fn->pfgid, 2);
  g_autofree char *vfn = hex_or_null (fn->vfn, 4);
  g_autofree char *vendor = hex_or_null (fn->vendor, 4);
  g_autofree char *device = hex_or_null (fn->device, 4);
  g_autofree char *port = fn->port.present ? g_strdup_printf ("%u", fn->port.value) : NULL;
  const char *pft_name = fn->pft.present ? zv_pft_name (fn->pft.value) : NULL;
  g_autofree char *pft_text = pft ? g_strdup_printf ("%s (%s)", pft, pft_name ? pft_name
                                                                               : "unknown")
                                  : NULL;
  field ("FID", fid);
  field ("Function handle", fh);
  field ("UID", uid);
  field ("UID is unique", fn->uid_is_unique < 0 ? NULL : fn->uid_is_unique ? "yes" : "no");
  field ("Function type", pft_text);
  field ("ISM", fn->ism ? "yes" : "no");
  field ("MIO enabled", fn->mio_enabled < 0 ? NULL : fn->mio_enabled ? "yes" : "no");
  field ("Vendor", vendor);
  field ("Device", device);
  field ("PCHID", pchid);
  field ("PFGID", pfgid);
  field ("VFN", vfn);
  field ("Port", port);
  if (fn->has_pfip)
    {
      g_autofree char *pfip = g_strdup_printf ("%02x %02x %02x %02x", fn->pfip[0], fn->pfip[1],
                                               fn->pfip[2], fn->pfip[3]);
      field ("PFIP", pfip);
    }
  field ("Utility string", fn->util_string);
  field ("Driver", fn->driver ? fn->driver : "none");
  field ("Driver override", fn->driver_override ? fn->driver_override : "none");
  g_autofree char *group = fn->iommu_group >= 0 ? g_strdup_printf ("%d", fn->iommu_group)
                                                : NULL;
  field ("IOMMU group", group);
  field ("Slot power", fn->slot_power < 0 ? NULL : fn->slot_power ? "on" : "standby");
  field ("Path", fn->path);
}

/* Prints "Used by domain:" for SCH or FN when DOMAINS is known (show --connect). */
static void
print_domains (GPtrArray *domains, const ZvSubchannel *sch, const ZvPciFunction *fn)
{
  if (domains == NULL)
    return;
  g_autoptr (GPtrArray) names = zv_cli_domains_using (domains, sch, fn);
  g_ptr_array_add (names, NULL);
  g_autofree char *list = g_strjoinv (", ", (char **) names->pdata);
  printf ("Used by domain: %s\n", *list ? list : "none");
}

/* Adds "domains": [names] to every subchannel and pci_functions object of ROOT. */
static void
add_json_domains (JsonObject *root, const ZvInventory *inv, GPtrArray *domains)
{
  static const char *const keys[] = { "subchannels", "pci_functions" };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      JsonArray *array = json_object_get_array_member (root, keys[k]);
      for (guint i = 0; array && i < json_array_get_length (array); i++)
        {
          g_autoptr (GPtrArray) names = zv_cli_domains_using (
            domains, k == 0 ? g_ptr_array_index (inv->subchannels, i) : NULL,
            k == 1 ? g_ptr_array_index (inv->pci_functions, i) : NULL);
          JsonArray *list = json_array_new ();
          for (guint n = 0; n < names->len; n++)
            json_array_add_string_element (list, g_ptr_array_index (names, n));
          json_object_set_array_member (json_array_get_object_element (array, i), "domains", list);
        }
    }
}

/* show ID [--json] */
gboolean
zv_cmd_show (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON (same keys as list --json)", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("show", "ID", "Show one device and everything related to it.", entries,
                     &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "show: expected exactly one ID");
      return FALSE;
    }
  g_autoptr (ZvTarget) target = zv_cli_resolve (cli, argv[1], ZV_TARGET_DEFAULT, error);
  if (target == NULL)
    return FALSE;
  ZvInventory *inv = target->inv;
  zv_cli_print_warnings (inv->warnings);
  g_autoptr (GPtrArray) domains = zv_cli_domains_for_show (cli);   /* NULL without --connect */
  if (json)
    {
      g_autoptr (JsonNode) node = zv_json_inventory (inv);
      if (domains)
        add_json_domains (json_node_get_object (node), inv, domains);
      zv_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < inv->subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      print_subchannel (sch);
      print_domains (domains, sch, NULL);
    }
  for (guint i = 0; i < inv->pci_functions->len; i++)
    {
      const ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, i);
      print_pci (fn);
      print_domains (domains, NULL, fn);
    }
  return TRUE;
}
