/* zvfio: ZvTarget, one device resolved from an ID or a domain's <hostdev>. */
#include "zv-target.h"
#include "zv-devno-lookup.h"
#include "zv-error.h"
#include "zv-parse.h"

#include <string.h>

/* Frees a target. */
void
zv_target_free (ZvTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->requested_id);
  zv_inventory_free (target->inv);
  g_free (target->device);
  g_free (target->name);
  g_free (target->key);
  g_free (target->label);
  g_clear_error (&target->not_found);
  g_free (target->subchannel_of_devno);
  g_free (target->remote);
  g_free (target);
}

/* A target for TEXT (as given) on BUS with DEVICE, owning INV. */
static ZvTarget *
target_new (const char *text, ZvInventory *inv, ZvBus bus, const char *device)
{
  ZvTarget *t = g_new0 (ZvTarget, 1);
  t->requested_id = g_strdup (text);
  t->requested.kind = ZV_ID_INVALID;
  t->inv = inv;
  t->bus = bus;
  t->device = g_strdup (device);
  t->key = zv_bind_key (bus, device);
  t->name = g_strdup (device);
  t->label = zv_bus_device_label (bus, device);
  return t;
}

/* The device number SCH carries (its ccw device, else dev_busid), or NULL. */
const char *
zv_subchannel_devno (const ZvSubchannel *sch)
{
  if (sch->device != NULL)
    return sch->device->id;
  return sch->dev_busid;
}

/* Sets T's name and label: a bare devno only when it resolves to T's
 * subchannel alone (zv_inventory_lookup prefers the devno, and refuses a bare
 * id that is a devno and another subchannel's name). */
void
zv_target_set_names (ZvTarget *t, gboolean devno_names_another)
{
  if (t->sch == NULL)
    return;   /* a PCI function or a missing id: named as given */
  const char *devno = zv_subchannel_devno (t->sch);
  g_free (t->name);
  g_free (t->label);
  if (devno == NULL)
    {
      t->name = g_strconcat ("sch:", t->sch->id, NULL);
      t->label = zv_bus_device_label (ZV_BUS_CSS, t->sch->id);
      return;
    }
  gboolean bare = strcmp (devno, t->sch->id) == 0 || !devno_names_another;
  t->name = bare ? g_strdup (devno) : g_strconcat ("ccw:", devno, NULL);
  t->label = g_strdup_printf ("device %s (subchannel %s)", t->name, t->sch->id);
}

/* TRUE when ROOT has a subchannel other than T's named like T's devno. */
static gboolean
devno_names_another_subchannel (ZvRoot *root, const ZvTarget *t)
{
  const char *devno = t->sch ? zv_subchannel_devno (t->sch) : NULL;
  if (devno == NULL || strcmp (devno, t->sch->id) == 0)
    return FALSE;
  g_autofree char *path = g_strconcat (ZV_CSS_DEVICES "/", devno, NULL);
  return zv_root_exists (root, path);
}

/* Notes mdev UUID in T, and whether it is active on T's subchannel. */
void
zv_target_set_mdev (ZvTarget *t, const char *uuid)
{
  g_strlcpy (t->mdev, uuid, sizeof t->mdev);
  for (guint i = 0; t->sch && t->sch->mdevs && i < t->sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (t->sch->mdevs, i);
      if (strcmp (m->uuid, uuid) == 0)
        t->mdev_active = m->active;
    }
}

/* The target of INV's only device; ZV_ERROR_NOT_FOUND unless it holds exactly one. */
ZvTarget *
zv_target_new_from_inventory (const char *text, ZvInventory *owned_inv, GError **error)
{
  g_autoptr (ZvInventory) inv = owned_inv;
  ZvTarget *t;
  if (inv->subchannels->len == 1 && inv->pci_functions->len == 0)
    {
      ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, 0);
      t = target_new (text, NULL, ZV_BUS_CSS, sch->id);
      t->sch = sch;
      zv_target_set_names (t, TRUE);   /* ccw:DEVNO unless the caller knows better */
    }
  else if (inv->pci_functions->len == 1 && inv->subchannels->len == 0)
    {
      ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, 0);
      t = target_new (text, NULL, ZV_BUS_PCI, fn->address);
      t->pci = fn;
    }
  else
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                   "'%s' does not name one subchannel or PCI function", text);
      return NULL;
    }
  t->inv = g_steal_pointer (&inv);
  return t;
}

/* A target for a ccw id (normalized NAME) that names no subchannel; takes
 * NOT_FOUND, the error that says so. */
static ZvTarget *
missing_target (ZvRoot *root, const char *text, const char *name, GError *not_found)
{
  ZvTarget *t = target_new (text, zv_inventory_new (root, ZV_SCOPE_CCW), ZV_BUS_CSS, name);
  t->not_found = not_found;
  return t;
}

/* Resolves an mdev parent: ID's bus id is a subchannel, never a devno. */
static ZvTarget *
resolve_subchannel_id (ZvRoot *root, const ZvId *id, const char *text, guint flags,
                       GError **error)
{
  g_autoptr (ZvInventory) inv = zv_inventory_new (root, ZV_SCOPE_CCW);
  g_autoptr (GError) local = NULL;
  ZvSubchannel *sch = zv_inventory_load_subchannel (root, &id->busid, inv->warnings, &local);
  if (sch != NULL)
    {
      g_ptr_array_add (inv->subchannels, sch);
      ZvTarget *t = zv_target_new_from_inventory (text, g_steal_pointer (&inv), error);
      if (t != NULL)
        zv_target_set_names (t, devno_names_another_subchannel (root, t));
      return t;
    }
  if (!(flags & ZV_TARGET_ALLOW_MISSING) || !g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  ZvTarget *t = missing_target (root, text, id->normalized, g_steal_pointer (&local));
  ZvBusId of_devno;
  char name[16];
  if (zv_devno_lookup_subchannel (root, &id->busid, &of_devno, NULL))
    {
      zv_format_busid (&of_devno, name);
      t->subchannel_of_devno = g_strdup (name);
    }
  return t;
}

/* Sets the usage error for TEXT, which zv_parse_id refused. */
void
zv_target_set_id_error (const char *text, GError **error)
{
  const char *problem = zv_parse_id_problem (text);
  if (problem != NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "'%s' is not a device id: %s", text, problem);
  else if (zv_id_looks_like_nodedev_name (text))
    g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                 "'%s' is not a libvirt node device name zvfio accepts (expected "
                 "css_0_0_0041, ccw_0_0_0100, mdev_<uuid>_0_0_0041, mdev_<uuid> or "
                 "pci_0011_00_00_0, spelled as virsh nodedev-list prints them)", text);
  else
    g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                 "'%s' is not a device id (expected a devno 0.0.1234, a subchannel "
                 "sch:0.0.0001, a PCI address 0000:00:00.0, fid:0x1f, an mdev UUID or a "
                 "libvirt node device name such as css_0_0_0001)", text);
}

/* Parses TEXT for zv_target_resolve_id; a usage error naming the accepted forms. */
gboolean
zv_target_parse_id (const char *text, ZvId *parsed, GError **error)
{
  if (zv_parse_id (text, parsed))
    return TRUE;
  zv_target_set_id_error (text, error);
  return FALSE;
}

/* Checks that an mdev named as mdev_<uuid>_<parent> (PARSED) is on target T's
 * subchannel: the name says which parent the admin saw. */
gboolean
zv_target_check_mdev_parent (const ZvTarget *t, const ZvId *parsed, GError **error)
{
  if (!parsed->has_mdev_parent)
    return TRUE;
  char parent[16];
  zv_format_busid (&parsed->mdev_parent, parent);
  if (t->sch != NULL && strcmp (t->sch->id, parent) == 0)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
               "no mdev %s on subchannel %s (it belongs to subchannel %s)",
               parsed->normalized, parent, t->sch ? t->sch->id : "?");
  return FALSE;
}

/* Resolves the parsed ID on ROOT to one device. */
ZvTarget *
zv_target_resolve_id (ZvRoot *root, const ZvId *id, const char *text, guint flags,
                      GError **error)
{
  g_autoptr (ZvTarget) t = NULL;
  if (flags & ZV_TARGET_SUBCHANNEL_ID)
    t = resolve_subchannel_id (root, id, text, flags, error);
  else
    {
      g_autoptr (GError) local = NULL;
      ZvInventory *inv = zv_inventory_lookup (root, id, &local);
      /* a ccw id that does not exist may still be explained (e.g. cio_ignore) */
      if (inv == NULL && (flags & ZV_TARGET_ALLOW_MISSING) &&
          g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND) &&
          (id->kind == ZV_ID_BUSID || id->kind == ZV_ID_DEVNO))
        t = missing_target (root, text, id->normalized, g_steal_pointer (&local));
      else if (inv == NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      else if ((t = zv_target_new_from_inventory (text, inv, error)) != NULL)
        {
          if (!zv_target_check_mdev_parent (t, id, error))
            return NULL;
          zv_target_set_names (t, devno_names_another_subchannel (root, t));
          if (id->kind == ZV_ID_UUID)
            zv_target_set_mdev (t, id->normalized);
        }
    }
  if (t != NULL)
    t->requested = *id;
  return g_steal_pointer (&t);
}

/* Resolves TEXT on ROOT to one device: parsed once, then zv_target_resolve_id. */
ZvTarget *
zv_target_resolve (ZvRoot *root, const char *text, guint flags, GError **error)
{
  ZvId id;
  if (!zv_target_parse_id (text, &id, error))
    return NULL;
  return zv_target_resolve_id (root, &id, text, flags, error);
}

/* Where a hostdev's device is looked up: this host (ROOT) or, with XMLS, the
 * node devices of the remote libvirt URI. */
typedef struct {
  ZvRoot *root;
  GPtrArray *xmls;
  const char *uri;
} HostdevSource;

/* Resolves ID (TEXT as the domain XML has it) from SOURCE. */
static ZvTarget *
resolve_from (const HostdevSource *source, const ZvId *id, const char *text, GError **error)
{
  if (source->xmls != NULL)
    return zv_target_resolve_nodedev (source->root, source->xmls, source->uri, id, text, error);
  return zv_target_resolve_id (source->root, id, text, ZV_TARGET_DEFAULT, error);
}

/* The target of a vfio-ccw mdev hostdev: the mdev's parent subchannel. The
 * domain parser checked and lowercased the UUID (zv_domain_parse). */
static ZvTarget *
mdev_hostdev_target (const HostdevSource *source, const ZvHostdev *hd, GError **error)
{
  const char *uuid = hd->uuid;
  ZvId id;
  zv_id_from_uuid (uuid, &id);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvTarget) t = resolve_from (source, &id, uuid, &local);
  if (t == NULL && !g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (t == NULL || t->sch == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "vfio-ccw mdev %s is neither active "
                   "nor defined in mdevctl (define it: mdevctl define -u %s -p SUBCHANNEL "
                   "-t " ZV_VFIO_CCW_MDEV_TYPE ")", uuid, uuid);
      return NULL;
    }
  t->has_guest_ccw = hd->has_ccw_address;
  t->guest_ccw = hd->ccw;
  return g_steal_pointer (&t);
}

/* The target of a PCI hostdev: a zPCI function. */
static ZvTarget *
pci_hostdev_target (const HostdevSource *source, const ZvHostdev *hd, GError **error)
{
  ZvId id;
  zv_id_from_pci (&hd->pci, &id);
  g_autoptr (ZvTarget) t = resolve_from (source, &id, hd->pci_source, error);
  if (t == NULL)
    return NULL;
  if (t->pci == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "PCI hostdev %s is not a zPCI function",
                   hd->pci_source);
      return NULL;
    }
  t->managed = hd->managed;
  t->has_guest_zpci = hd->has_uid || hd->has_fid;
  t->guest_uid = hd->uid;
  t->guest_fid = hd->fid;
  return g_steal_pointer (&t);
}

/* The target of a domain's vfio-ccw mdev or PCI hostdev HD. */
ZvTarget *
zv_target_from_hostdev (ZvRoot *root, const ZvHostdev *hd, GError **error)
{
  HostdevSource source = { root, NULL, NULL };
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    return mdev_hostdev_target (&source, hd, error);
  if (hd->kind == ZV_HOSTDEV_PCI)
    return pci_hostdev_target (&source, hd, error);
  return NULL;
}

/* The target of hostdev HD in the node devices of the remote libvirt URI. */
ZvTarget *
zv_target_from_hostdev_nodedev (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                                const ZvHostdev *hd, GError **error)
{
  HostdevSource source = { root, device_xmls, uri };
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    return mdev_hostdev_target (&source, hd, error);
  if (hd->kind == ZV_HOSTDEV_PCI)
    return pci_hostdev_target (&source, hd, error);
  return NULL;
}

/* Sets the guest address of TARGET from its hostdev in DOMAIN. */
void
zv_target_set_guest_from_domain (ZvTarget *target, const ZvDomain *domain)
{
  if (domain == NULL)
    return;
  if (target->pci != NULL)
    {
      const ZvHostdev *hd = zv_domain_find_pci (domain, target->pci->address);
      if (hd != NULL)
        target->managed = hd->managed;
      if (hd != NULL && (hd->has_uid || hd->has_fid))
        {
          target->has_guest_zpci = TRUE;
          target->guest_uid = hd->uid;
          target->guest_fid = hd->fid;
        }
    }
  for (guint i = 0; target->sch && target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (target->sch->mdevs, i);
      const ZvHostdev *hd = zv_domain_find_mdev (domain, m->uuid);
      if (hd != NULL && hd->has_ccw_address)
        {
          target->has_guest_ccw = TRUE;
          target->guest_ccw = hd->ccw;
        }
    }
}
