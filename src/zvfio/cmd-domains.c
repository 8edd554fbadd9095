/* zvfio domains: which host devices (subchannels, mdevs, zPCI functions) each
 * libvirt domain uses. Subchannels are found through libvirt's node devices
 * (mdev -> css parent), so this also works for a remote --connect URI. */
#include "cli.h"
#include "cli-libvirt.h"

#include <stdio.h>
#include <string.h>

/* The subchannel holding mdev UUID in INV, or NULL. */
static const ZvSubchannel *
subchannel_of_mdev (ZvInventory *inv, const char *uuid)
{
  for (guint i = 0; inv && i < inv->subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      for (guint m = 0; sch->mdevs && m < sch->mdevs->len; m++)
        if (strcmp (((ZvMdev *) g_ptr_array_index (sch->mdevs, m))->uuid, uuid) == 0)
          return sch;
    }
  return NULL;
}

/* The node-device inventory of LV, or NULL with a warning. */
static ZvInventory *
libvirt_inventory (ZvCli *cli, ZvLibvirt *lv, GPtrArray *warnings)
{
  g_autoptr (GError) local = NULL;
  ZvInventory *inv = zv_cli_libvirt_inventory (cli, lv, ZV_SCOPE_ALL, &local);
  if (inv == NULL)
    {
      zv_warning_add (warnings, "host subchannels unknown: %s", local->message);
      return NULL;
    }
  for (guint i = 0; i < inv->warnings->len; i++)
    zv_warning_add (warnings, "%s", (const char *) g_ptr_array_index (inv->warnings, i));
  return inv;
}

/* "fe.0.1000" for a guest ccw address. */
static char *
format_ccw (const ZvCcwAddress *a)
{
  return g_strdup_printf ("%x.%x.%04x", a->cssid, a->ssid, a->devno);
}

/* Adds the JSON object of one hostdev. */
static void
json_hostdev (JsonBuilder *b, const ZvHostdev *hd, const ZvSubchannel *sch)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    {
      json_builder_add_string_value (b, "vfio-ccw");
      json_builder_set_member_name (b, "mdev");
      json_builder_add_string_value (b, hd->uuid);
      json_builder_set_member_name (b, "subchannel");
      sch ? (void) json_builder_add_string_value (b, sch->id) : (void) json_builder_add_null_value (b);
      json_builder_set_member_name (b, "devno");
      sch && sch->dev_busid ? (void) json_builder_add_string_value (b, sch->dev_busid)
                            : (void) json_builder_add_null_value (b);
      g_autofree char *guest = hd->has_ccw_address ? format_ccw (&hd->ccw) : NULL;
      json_builder_set_member_name (b, "guest_devno");
      guest ? (void) json_builder_add_string_value (b, guest) : (void) json_builder_add_null_value (b);
    }
  else
    {
      json_builder_add_string_value (b, "pci");
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, hd->pci_source);
      json_builder_set_member_name (b, "zpci_uid");
      hd->has_uid ? (void) json_builder_add_int_value (b, hd->uid) : (void) json_builder_add_null_value (b);
      json_builder_set_member_name (b, "zpci_fid");
      hd->has_fid ? (void) json_builder_add_int_value (b, hd->fid) : (void) json_builder_add_null_value (b);
      json_builder_set_member_name (b, "managed");
      json_builder_add_boolean_value (b, hd->managed);
    }
  json_builder_set_member_name (b, "boot_order");
  hd->boot_order > 0 ? (void) json_builder_add_int_value (b, hd->boot_order)
                     : (void) json_builder_add_null_value (b);
  json_builder_end_object (b);
}

/* Adds one table row per passthrough hostdev of DOMAIN (one "-" row if none). */
static void
table_domain (ZvTable *t, const ZvDomain *d, const char *state, ZvInventory *inv)
{
  gboolean any = FALSE;
  for (guint i = 0; i < d->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (d->hostdevs, i);
      if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
        {
          const ZvSubchannel *sch = subchannel_of_mdev (inv, hd->uuid);
          g_autofree char *guest = hd->has_ccw_address ? format_ccw (&hd->ccw) : NULL;
          zv_table_add (t, d->name, state, "vfio-ccw", sch ? sch->id : "?",
                        sch && sch->dev_busid ? sch->dev_busid : "?", hd->uuid,
                        guest ? guest : "auto", NULL);
          any = TRUE;
        }
      else if (hd->kind == ZV_HOSTDEV_PCI)
        {
          g_autofree char *uid = hd->has_uid ? g_strdup_printf ("0x%04x", hd->uid)
                                             : g_strdup ("auto");
          g_autofree char *fid = hd->has_fid ? g_strdup_printf ("0x%08x", hd->fid)
                                             : g_strdup ("auto");
          g_autofree char *guest = g_strdup_printf ("uid %s fid %s", uid, fid);
          zv_table_add (t, d->name, state, "zpci", hd->pci_source, "-", "-", guest, NULL);
          any = TRUE;
        }
    }
  if (!any)
    zv_table_add (t, d->name, state, "-", "-", "-", "-", "-", NULL);
}

/* domains [--json] */
gboolean
zv_cmd_domains (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("domains", NULL, "Show the host devices every libvirt domain uses.", entries,
                     &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "domains: no arguments expected");
      return FALSE;
    }
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  g_autoptr (GPtrArray) domains = NULL;
  if (lv == NULL || !zv_cli_load_domains (lv, NULL, FALSE, FALSE, NULL, NULL, &domains, error))
    return FALSE;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ZvInventory) inv = libvirt_inventory (cli, lv, warnings);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  ZvTable *t = json ? NULL : zv_table_new ("Domain", "State", "Type", "Host device", "Devno",
                                           "mdev", "Guest address", NULL);
  for (guint i = 0; i < domains->len; i++)
    {
      const ZvDomain *d = g_ptr_array_index (domains, i);
      gboolean active = FALSE, persistent = FALSE;
      g_autoptr (GError) local = NULL;
      if (!zv_libvirt_domain_state (lv, d->name, &active, &persistent, &local))
        zv_warning_add (warnings, "%s", local->message);
      const char *state = active ? "running" : "shut off";
      if (t)
        {
          table_domain (t, d, state, inv);
          continue;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, d->name);
      json_builder_set_member_name (b, "active");
      json_builder_add_boolean_value (b, active);
      json_builder_set_member_name (b, "persistent");
      json_builder_add_boolean_value (b, persistent);
      json_builder_set_member_name (b, "hostdevs");
      json_builder_begin_array (b);
      for (guint h = 0; h < d->hostdevs->len; h++)
        {
          const ZvHostdev *hd = g_ptr_array_index (d->hostdevs, h);
          if (hd->kind != ZV_HOSTDEV_OTHER)
            json_hostdev (b, hd, hd->kind == ZV_HOSTDEV_MDEV_CCW ? subchannel_of_mdev (inv, hd->uuid)
                                                                 : NULL);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  zv_cli_print_warnings (warnings);
  if (t)
    {
      zv_table_print_free (t);
      return TRUE;
    }
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  zv_cli_print_json (root);
  return TRUE;
}
