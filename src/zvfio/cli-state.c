/* zvfio CLI: the passthrough state the host has now, as a desired-state
 * document (zv-state-doc.h): what 'zvfio export' prints and what 'zvfio apply'
 * compares a document with. */
#include "cli-state.h"
#include "cli-libvirt.h"
#include "zv-driverctl.h"
#include "zv-mdev.h"
#include "zv-state.h"

#include <stdio.h>
#include <string.h>

/* The exit code of a command that succeeded. */
int zv_cli_success_exit = ZV_EXIT_OK;

/* The ID export writes for TARGET. */
char *
zv_cli_state_device_id (const ZvTarget *target)
{
  if (target->pci != NULL)
    return g_strdup (target->pci->address);
  const ZvSubchannel *sch = target->sch;
  if (sch->device != NULL)
    return g_strdup_printf ("ccw:%s", sch->device->id);
  if (sch->dev_busid != NULL)
    return g_strdup_printf ("ccw:%s", sch->dev_busid);
  return g_strdup_printf ("sch:%s", sch->id);
}

/* The mdev UUID of SCH (may be NULL). */
static const ZvMdev *
find_mdev (const ZvSubchannel *sch, const char *uuid)
{
  for (guint i = 0; sch && sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (strcmp (m->uuid, uuid) == 0)
        return m;
    }
  return NULL;
}

/* The passthrough as the host has it now for TARGET in DOMAIN (hostdev HD). */
ZvStatePassthrough *
zv_cli_state_entry (ZvCli *cli, const ZvTarget *target, const ZvDomain *domain,
                    const ZvHostdev *hd, GError **error)
{
  g_autofree char *id = zv_cli_state_device_id (target);
  g_autoptr (ZvStatePassthrough) p = zv_state_passthrough_new (id, domain->name);
  gboolean remote = target->remote != NULL;
  g_autofree char *override = NULL;
  /* a remote host's driverctl overrides and binding records are not to be seen:
   * persist and offline stay unset there */
  if (!remote && !zv_driverctl_read (cli->root, target->bus, target->device, &override, error))
    return NULL;
  if (!remote)
    p->persist = g_strcmp0 (override, zv_bus_vfio_driver (target->bus)) == 0;
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    {
      p->mdev = g_strdup (hd->uuid);
      const ZvMdev *m = find_mdev (target->sch, hd->uuid);
      /* remote: known when libvirt was asked (zv_cli_remote_mdev_definition) */
      if (!remote || (m != NULL && m->start != NULL))
        p->autostart = m != NULL && m->defined && g_strcmp0 (m->start, "auto") == 0;
      if (remote)
        {
          if (hd->has_ccw_address)
            p->guest_devno = g_strdup_printf ("%x.%x.%04x", hd->ccw.cssid, hd->ccw.ssid,
                                              hd->ccw.devno);
          return g_steal_pointer (&p);
        }
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvBindRecord) record = zv_state_load_binding (cli->root, target->bus,
                                                               target->device, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      p->offline = record != NULL && record->offline_ccw_device != NULL;
      if (hd->has_ccw_address)
        p->guest_devno = g_strdup_printf ("%x.%x.%04x", hd->ccw.cssid, hd->ccw.ssid,
                                          hd->ccw.devno);
    }
  else
    {
      p->managed = hd->managed;
      p->has_uid = hd->has_uid;
      p->uid = hd->uid;
      p->has_fid = hd->has_fid;
      p->fid = hd->fid;
    }
  return g_steal_pointer (&p);
}

/* Every domain of LV as far as it uses devices. */
GPtrArray *
zv_cli_state_domains (ZvLibvirt *lv, GError **error)
{
  GPtrArray *domains = NULL;
  if (!zv_cli_load_domains (lv, NULL, FALSE, TRUE, NULL, NULL, &domains, error))
    return NULL;
  return domains;
}

/* Orders entries by domain, then device. */
static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const ZvStatePassthrough *x = *(ZvStatePassthrough *const *) a;
  const ZvStatePassthrough *y = *(ZvStatePassthrough *const *) b;
  int c = strcmp (x->domain, y->domain);
  return c != 0 ? c : strcmp (x->device, y->device);
}

/* The passthrough state of the host. */
ZvStateDoc *
zv_cli_state_export (ZvCli *cli, GPtrArray *domains, GError **error)
{
  g_autoptr (ZvStateDoc) doc = zv_state_doc_new ();
  for (guint i = 0; i < domains->len; i++)
    {
      const ZvDomain *d = g_ptr_array_index (domains, i);
      for (guint h = 0; h < d->hostdevs->len; h++)
        {
          const ZvHostdev *hd = g_ptr_array_index (d->hostdevs, h);
          if (hd->kind == ZV_HOSTDEV_OTHER)
            continue;
          g_autoptr (GError) local = NULL;
          g_autoptr (ZvTarget) target = zv_target_from_hostdev (cli->root, hd, &local);
          if (target == NULL)
            {
              /* not this host's device: nothing zvfio can hold a state of */
              zv_cli_message ("note: domain '%s': %s %s left out: %s", d->name,
                              hd->kind == ZV_HOSTDEV_PCI ? "PCI hostdev" : "mdev hostdev",
                              hd->kind == ZV_HOSTDEV_PCI ? hd->pci_source : hd->uuid,
                              local ? local->message : "no such device");
              continue;
            }
          ZvStatePassthrough *p = zv_cli_state_entry (cli, target, d, hd, error);
          if (p == NULL)
            return NULL;
          g_ptr_array_add (doc->passthroughs, p);
        }
    }
  g_ptr_array_sort (doc->passthroughs, compare_entries);
  return g_steal_pointer (&doc);
}
