/* zvfio: planning a <hostdev> for a target: which mdev, which guest address. */
#include "zv-hostdev-plan.h"
#include "zv-error.h"
#include "zv-mdev.h"

#include <string.h>

/* Chooses the mdev of SCH: the UUID the user named, else its only vfio_ccw-io
 * mdev. *NONE is set when it has none (so --define may create one). */
static gboolean
choose_mdev (const ZvSubchannel *sch, const char *named, char uuid[37], gboolean *none,
             GError **error)
{
  *none = FALSE;
  if (named[0] != '\0')
    {
      g_strlcpy (uuid, named, 37);
      return TRUE;
    }
  const ZvMdev *chosen = NULL;
  guint count = 0;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (m->type != NULL && strcmp (m->type, ZV_VFIO_CCW_MDEV_TYPE) != 0)
        continue;
      chosen = m;
      count++;
    }
  if (count > 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "subchannel %s has %u vfio-ccw mdevs; name the one to use by its UUID "
                   "(see 'zvfio show %s')", sch->id, count, sch->id);
      return FALSE;
    }
  if (count == 1)
    g_strlcpy (uuid, chosen->uuid, 37);
  else
    *none = TRUE;
  return TRUE;
}

/* The host devno of SCH (its ccw device, or dev_busid when bound to vfio_ccw). */
static gboolean
host_devno (const ZvSubchannel *sch, ZvBusId *out)
{
  if (sch->device != NULL)
    {
      *out = sch->device->busid;
      return TRUE;
    }
  return sch->dev_busid != NULL && zv_parse_busid (sch->dev_busid, out);
}

/* Fills HD and the guest address of TARGET for a vfio-ccw subchannel. */
static gboolean
plan_ccw (ZvTarget *target, const ZvHostdevOptions *opts, const ZvDomain *domain,
          ZvHostdev *hd, gboolean *needs_define, GError **error)
{
  const ZvSubchannel *sch = target->sch;
  if (!choose_mdev (sch, target->mdev, hd->uuid, needs_define, error))
    return FALSE;
  hd->kind = ZV_HOSTDEV_MDEV_CCW;
  hd->has_ccw_address = TRUE;
  ZvBusId host;
  if (opts->guest_devno != NULL)
    {
      if (!zv_hostdev_parse_guest_devno (opts->guest_devno, &hd->ccw, error))
        return FALSE;
    }
  else if (!zv_hostdev_pick_devno (domain, host_devno (sch, &host) ? &host : NULL, &hd->ccw))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "no free guest ccw address left");
      return FALSE;
    }
  hd->boot_order = opts->boot_order;
  target->has_guest_ccw = TRUE;
  target->guest_ccw = hd->ccw;
  return TRUE;
}

/* Fills HD and the guest identity of TARGET for a zPCI function. */
static gboolean
plan_pci (ZvTarget *target, const ZvHostdevOptions *opts, const ZvDomain *domain,
          ZvHostdev *hd, GError **error)
{
  const ZvPciFunction *fn = target->pci;
  hd->kind = ZV_HOSTDEV_PCI;
  hd->pci_source = fn->address;
  if (!zv_parse_pci_address (fn->address, &hd->pci))   /* the sysfs name, read */
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "PCI function %s has no valid address",
                   fn->address);
      return FALSE;
    }
  hd->managed = opts->managed;
  target->managed = opts->managed;   /* the rules judge who binds it */
  hd->has_uid = hd->has_fid = TRUE;
  hd->uid = opts->uid;
  hd->fid = opts->fid;
  if ((!opts->has_uid && !zv_hostdev_pick_uid (domain, fn->uid.present, fn->uid.value, &hd->uid)) ||
      (!opts->has_fid && !zv_hostdev_pick_fid (domain, fn->fid.present, fn->fid.value, &hd->fid)))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "no free zPCI uid/fid left in the domain");
      return FALSE;
    }
  target->has_guest_zpci = TRUE;
  target->guest_uid = hd->uid;
  target->guest_fid = hd->fid;
  return TRUE;
}

/* Plans the <hostdev> of TARGET in DOMAIN. */
gboolean
zv_hostdev_plan (ZvTarget *target, const ZvHostdevOptions *opts, const ZvDomain *domain,
                 ZvHostdev *hd, gboolean *needs_define, GError **error)
{
  *needs_define = FALSE;
  if (target->sch != NULL)
    return plan_ccw (target, opts, domain, hd, needs_define, error);
  return plan_pci (target, opts, domain, hd, error);
}
