/* zvfio: resolving an ID within a remote libvirt's node devices (issue 12 §5).
 * The inventory is what libvirt's css, ccw, mdev and pci node devices say
 * (zv-nodedev-parse.c); no file below the root is read. IDs mean what they
 * mean locally: a bare 0.S.XXXX is the devno whenever that devno exists and is
 * refused when it also names another subchannel. */
#include "zv-target.h"
#include "zv-error.h"
#include "zv-nodedev-parse.h"
#include "zv-parse.h"

#include <string.h>

/* TRUE when subchannel SCH carries device number DEVNO (its ccw device, or the
 * channel_dev_addr libvirt shows for a vfio_ccw-bound one). */
static gboolean
carries_devno (const ZvSubchannel *sch, const char *devno)
{
  if (sch->device != NULL && strcmp (sch->device->id, devno) == 0)
    return TRUE;
  return sch->dev_busid != NULL && strcmp (sch->dev_busid, devno) == 0;
}

/* Index in INV of the subchannel carrying DEVNO, or -1. */
static gint
find_devno (const ZvInventory *inv, const char *devno)
{
  for (guint i = 0; i < inv->subchannels->len; i++)
    if (carries_devno (g_ptr_array_index (inv->subchannels, i), devno))
      return (gint) i;
  return -1;
}

/* Index in INV of subchannel SCH_ID, or -1. */
static gint
find_subchannel (const ZvInventory *inv, const char *sch_id)
{
  for (guint i = 0; i < inv->subchannels->len; i++)
    if (strcmp (((ZvSubchannel *) g_ptr_array_index (inv->subchannels, i))->id, sch_id) == 0)
      return (gint) i;
  return -1;
}

/* Index in INV of the subchannel with mdev UUID, or -1. */
static gint
find_mdev (const ZvInventory *inv, const char *uuid)
{
  for (guint i = 0; i < inv->subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      for (guint j = 0; sch->mdevs && j < sch->mdevs->len; j++)
        if (strcmp (((ZvMdev *) g_ptr_array_index (sch->mdevs, j))->uuid, uuid) == 0)
          return (gint) i;
    }
  return -1;
}

/* Index in INV of PCI function ADDRESS, or -1. */
static gint
find_pci (const ZvInventory *inv, const char *address)
{
  for (guint i = 0; i < inv->pci_functions->len; i++)
    if (strcmp (((ZvPciFunction *) g_ptr_array_index (inv->pci_functions, i))->address,
                address) == 0)
      return (gint) i;
  return -1;
}

/* The index of the subchannel a bare 0.S.XXXX names in INV (see the file comment). */
static gint
find_bare_busid (const ZvInventory *inv, const char *id, GError **error)
{
  gint by_devno = find_devno (inv, id);
  gint by_name = find_subchannel (inv, id);
  if (by_devno >= 0 && by_name >= 0 && by_devno != by_name)
    {
      const ZvSubchannel *holder = g_ptr_array_index (inv->subchannels, by_devno);
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s is both device number %s (on subchannel %s) and subchannel %s; "
                   "say ccw:%s for the device or sch:%s for the subchannel",
                   id, id, holder->id, id, id, id);
      return -2;
    }
  return by_devno >= 0 ? by_devno : by_name;
}

/* Resolves the parsed ID (TEXT as given) within the node devices of a remote libvirt. */
ZvTarget *
zv_target_resolve_nodedev (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                           const ZvId *id, const char *text, GError **error)
{
  const ZvId parsed = *id;
  if (parsed.kind == ZV_ID_FID)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s: libvirt's node devices carry no zPCI function id, so a fid: ID "
                   "cannot be resolved on the remote host %s; name the PCI address "
                   "(DDDD:BB:dd.f or pci_DDDD_BB_dd_f)", text, uri);
      return NULL;
    }
  g_autoptr (ZvInventory) all = zv_nodedev_parse_inventory (root, device_xmls);
  gint index = -1;
  gboolean pci = parsed.kind == ZV_ID_PCI;
  switch (parsed.kind)
    {
    case ZV_ID_BUSID:
      index = find_bare_busid (all, parsed.normalized, error);
      if (index == -2)
        return NULL;
      break;
    case ZV_ID_DEVNO:
      index = find_devno (all, parsed.normalized);
      break;
    case ZV_ID_SUBCHANNEL:
      index = find_subchannel (all, parsed.normalized);
      break;
    case ZV_ID_UUID:
      index = find_mdev (all, parsed.normalized);
      break;
    case ZV_ID_PCI:
      index = find_pci (all, parsed.normalized);
      break;
    case ZV_ID_FID:
    case ZV_ID_INVALID:
    default:
      g_assert_not_reached ();
    }
  if (index < 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                   "%s: the libvirt of %s lists no such %s (its css, ccw, mdev and pci node "
                   "devices are all zvfio knows of a remote host)", text, uri,
                   pci ? "PCI function" : parsed.kind == ZV_ID_UUID ? "vfio-ccw mdev"
                                                                  : "subchannel or ccw device");
      return NULL;
    }
  /* a bare devno names the device only when no other subchannel has its name */
  const char *devno = pci ? NULL : zv_subchannel_devno (g_ptr_array_index (all->subchannels,
                                                                           (guint) index));
  gint named = devno ? find_subchannel (all, devno) : -1;
  gboolean devno_names_another = named >= 0 && named != index;
  ZvInventory *one = zv_inventory_new (root, pci ? ZV_SCOPE_PCI : ZV_SCOPE_CCW);
  GPtrArray *from = pci ? all->pci_functions : all->subchannels;
  g_ptr_array_add (pci ? one->pci_functions : one->subchannels,
                   g_ptr_array_steal_index (from, (guint) index));
  g_autoptr (ZvTarget) t = zv_target_new_from_inventory (text, one, error);
  if (t == NULL || !zv_target_check_mdev_parent (t, &parsed, error))
    return NULL;
  zv_target_set_names (t, devno_names_another);
  t->remote = g_strdup (uri);
  t->requested = parsed;
  if (parsed.kind == ZV_ID_UUID)
    zv_target_set_mdev (t, parsed.normalized);
  return g_steal_pointer (&t);
}
