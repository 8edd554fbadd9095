/* zvfio: building the inventory from sysfs and mdevctl's definitions. */
#include "zv-inventory.h"
#include "zv-paths.h"
#include "zv-devno-lookup.h"
#include "zv-error.h"

#include <string.h>

/* Frees an inventory. */
void
zv_inventory_free (ZvInventory *inv)
{
  if (inv == NULL)
    return;
  zv_root_unref (inv->root);
  g_clear_pointer (&inv->subchannels, g_ptr_array_unref);
  g_clear_pointer (&inv->pci_functions, g_ptr_array_unref);
  g_clear_pointer (&inv->standby_functions, g_ptr_array_unref);
  g_clear_pointer (&inv->warnings, g_ptr_array_unref);
  g_clear_pointer (&inv->orphan_mdevs, g_ptr_array_unref);
  g_free (inv);
}

/* Creates an empty inventory for ROOT covering SCOPE. */
ZvInventory *
zv_inventory_new (ZvRoot *root, guint scope)
{
  ZvInventory *inv = g_new0 (ZvInventory, 1);
  inv->root = zv_root_ref (root);
  inv->scope = scope;
  inv->subchannels = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_subchannel_free);
  inv->pci_functions = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_pci_function_free);
  inv->standby_functions = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_pci_function_free);
  inv->warnings = g_ptr_array_new_with_free_func (g_free);
  inv->orphan_mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  return inv;
}

/* Orders subchannels (in a GPtrArray) by ssid, then subchannel number. */
gint
zv_subchannel_compare (gconstpointer a, gconstpointer b)
{
  const ZvSubchannel *x = *(const ZvSubchannel * const *) a;
  const ZvSubchannel *y = *(const ZvSubchannel * const *) b;
  if (x->busid.ssid != y->busid.ssid)
    return x->busid.ssid < y->busid.ssid ? -1 : 1;
  return x->busid.number < y->busid.number ? -1 : x->busid.number > y->busid.number;
}

/* Orders PCI functions by address. */
static gint
compare_pci (gconstpointer a, gconstpointer b)
{
  const ZvPciFunction *x = *(const ZvPciFunction * const *) a;
  const ZvPciFunction *y = *(const ZvPciFunction * const *) b;
  return strcmp (x->address, y->address);
}

/* Attaches active mdevs and definitions to a subchannel. */
static void
attach_mdevs (ZvRoot *root, ZvSubchannel *sch, GPtrArray *active, GPtrArray *warnings)
{
  g_autoptr (GPtrArray) defined = zv_mdev_list_defined (root, sch->id, warnings);
  g_clear_pointer (&sch->mdevs, g_ptr_array_unref);
  sch->mdevs = zv_mdev_merge (active, defined);
}

/* Loads subchannel SCH with its mdevs and definitions. */
ZvSubchannel *
zv_inventory_load_subchannel (ZvRoot *root, const ZvBusId *sch, GPtrArray *warnings,
                              GError **error)
{
  char sch_id[16];
  zv_format_busid (sch, sch_id);
  g_autofree char *path = g_strconcat (ZV_CSS_DEVICES "/", sch_id, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no subchannel %s", sch_id);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  ZvSubchannel *loaded = zv_subchannel_load (dir, warnings, error);
  if (loaded == NULL)
    return NULL;
  g_autoptr (GPtrArray) active = zv_mdev_list_active_in (dir, warnings);
  attach_mdevs (root, loaded, active, warnings);
  return loaded;
}

/* Hands SCH to the caller's function, or keeps it in the inventory. */
static void
deliver (ZvInventory *inv, ZvSubchannel *sch, ZvSubchannelFunc func, gpointer user_data)
{
  if (func != NULL)
    func (sch, user_data);
  else
    g_ptr_array_add (inv->subchannels, sch);
}

/* TRUE when the subchannel names in NAMES (listing order) that parse are in
 * strictly increasing (ssid, number) order: then loading them in listing order
 * hands them out in the order zv_inventory_sort gives. */
static gboolean
names_in_busid_order (GPtrArray *names)
{
  gboolean have_last = FALSE;
  ZvBusId last = { 0 };
  for (guint i = 0; i < names->len; i++)
    {
      ZvBusId busid;
      if (!zv_parse_busid (g_ptr_array_index (names, i), &busid))
        continue;
      if (have_last && (busid.ssid < last.ssid ||
                        (busid.ssid == last.ssid && busid.number <= last.number)))
        return FALSE;
      last = busid;
      have_last = TRUE;
    }
  return TRUE;
}

/* Reads all subchannels: each goes to FUNC (or into INV) in (ssid, number)
 * order as soon as it is read, unless odd names (other css ids, upper case)
 * make the listing order differ; then all are read first and sorted. */
static gboolean
scan_css (ZvInventory *inv, guint flags, ZvSubchannelFunc func, gpointer user_data,
          GError **error)
{
  if (!zv_css_require (inv->root, error))
    return FALSE;
  g_autoptr (ZvDir) bus = zv_root_open_dir (inv->root, ZV_CSS_DEVICES, error);
  if (bus == NULL || !zv_dir_index (bus, error))
    return FALSE;   /* the index tells links (readlinkat at once) from directories */
  g_autoptr (GPtrArray) names = zv_dir_list (bus, error);
  if (names == NULL)
    return FALSE;
  /* the subchannel a bus link names is the child of css0 of that name, where the
   * link points: opened there in one openat (no readlinkat per subchannel); an
   * entry css0 lacks is followed through its link */
  g_autoptr (ZvDir) css0 = zv_root_open_dir (inv->root, ZV_CSS0, NULL);
  /* each subchannel's ccw device from the ccw bus's links: no subchannel listed */
  g_autoptr (GHashTable) ccw_links = css0 ? zv_css_ccw_links_read (inv->root) : NULL;
  g_autoptr (GHashTable) active = zv_mdev_scan_active (inv->root, inv->warnings);
  /* parents with definitions (few): the others need no /etc/mdevctl.d probe */
  g_autoptr (GPtrArray) parents = zv_mdev_list_defined_parents (inv->root);
  g_autoptr (GHashTable) defined = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < parents->len; i++)
    g_hash_table_insert (defined, g_ptr_array_index (parents, i), GINT_TO_POINTER (FALSE));
  gboolean in_order = names_in_busid_order (names);
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (
    (GDestroyNotify) zv_subchannel_free);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      ZvBusId busid;
      if (!zv_parse_busid (name, &busid))
        {
          zv_warning_add (inv->warnings, "%s/%s: not a subchannel name", ZV_CSS_DEVICES, name);
          continue;
        }
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvDir) dir = css0 ? zv_dir_open_child (css0, name, NULL) : NULL;
      if (dir == NULL)
        dir = zv_dir_open_child (bus, name, &local);
      char child[16];
      gboolean linked = zv_css_ccw_links_lookup (ccw_links, name, child);
      ZvSubchannel *sch = dir ? zv_subchannel_load_child (dir, flags, linked ? child : NULL,
                                                          inv->warnings, &local)
                              : NULL;
      if (sch == NULL)
        {
          zv_warning_add (inv->warnings, "%s: %s", name, local->message);
          continue;
        }
      gpointer key;
      gboolean has_definitions = g_hash_table_lookup_extended (defined, sch->id, &key, NULL);
      if (has_definitions)
        {
          g_hash_table_insert (defined, key, GINT_TO_POINTER (TRUE));
          attach_mdevs (inv->root, sch, g_hash_table_lookup (active, sch->id), inv->warnings);
        }
      else if (g_hash_table_contains (active, sch->id))   /* else it keeps no mdevs */
        {
          g_clear_pointer (&sch->mdevs, g_ptr_array_unref);
          sch->mdevs = zv_mdev_merge (g_hash_table_lookup (active, sch->id), NULL);
        }
      if (in_order)
        deliver (inv, sch, func, user_data);
      else
        g_ptr_array_add (held, sch);
    }
  if (!in_order)
    {
      g_ptr_array_sort (held, zv_subchannel_compare);
      for (guint i = 0; i < held->len; i++)
        deliver (inv, g_ptr_array_steal_index (held, i--), func, user_data);
    }

  /* definitions whose parent subchannel is gone */
  for (guint i = 0; i < parents->len; i++)
    {
      const char *parent = g_ptr_array_index (parents, i);
      ZvBusId busid;
      if (!zv_parse_busid (parent, &busid) || g_hash_table_lookup (defined, parent))
        continue;
      g_autoptr (GPtrArray) defs = zv_mdev_list_defined (inv->root, parent, inv->warnings);
      for (guint j = 0; j < defs->len; j++)
        {
          ZvMdev *m = g_ptr_array_index (defs, j);
          zv_warning_add (inv->warnings, "mdev %s is defined for %s, which is not a subchannel "
                          "of this host", m->uuid, parent);
        }
      g_ptr_array_extend_and_steal (inv->orphan_mdevs, g_steal_pointer (&defs));
    }
  return TRUE;
}

/* Adds to INV's standby functions every hotplug slot that reads power 0 and
 * has no configured function: a zPCI function in standby, which lszdev and
 * lspci users expect to see (a slot named by the fid, "%08x"). */
static void
scan_standby_slots (ZvInventory *inv)
{
  g_autoptr (ZvDir) slots = zv_root_open_dir (inv->root, ZV_PCI_SLOTS, NULL);
  g_autoptr (GPtrArray) names = slots ? zv_dir_list (slots, NULL) : NULL;
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      guint32 fid;
      if (strlen (name) != 8 || !zv_parse_hex_u32_loose (name, &fid))
        continue;   /* not a zPCI slot (s390 names them after the fid) */
      gboolean configured = FALSE;
      for (guint j = 0; j < inv->pci_functions->len && !configured; j++)
        {
          const ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, j);
          configured = fn->fid.present && fn->fid.value == fid;
        }
      g_autoptr (ZvDir) slot = configured ? NULL : zv_dir_open_child (slots, name, NULL);
      g_autofree char *power = slot ? zv_dir_read_line (slot, "power", NULL) : NULL;
      if (g_strcmp0 (power, "0") != 0)
        continue;
      ZvPciFunction *fn = g_new0 (ZvPciFunction, 1);
      fn->fid.present = TRUE;
      fn->fid.value = fid;
      fn->slot_power = 0;
      fn->uid_is_unique = fn->mio_enabled = -1;
      fn->iommu_group = -1;
      g_ptr_array_add (inv->standby_functions, fn);
    }
}

/* Reads all zPCI functions into INV. */
gboolean
zv_inventory_scan_pci (ZvInventory *inv, GError **error)
{
  g_autoptr (ZvDir) bus = zv_root_open_dir (inv->root, ZV_PCI_DEVICES, NULL);
  if (bus == NULL)
    return TRUE;   /* no PCI at all is a valid s390 configuration */
  g_autoptr (GPtrArray) names = zv_dir_list (bus, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvDir) dir = zv_dir_open_child (bus, name, &local);
      if (dir == NULL)
        {
          zv_warning_add (inv->warnings, "%s: %s", name, local->message);
          continue;
        }
      ZvPciFunction *fn = zv_pci_function_load (dir, inv->warnings, &local);
      if (fn != NULL)
        g_ptr_array_add (inv->pci_functions, fn);
      else if (local != NULL)
        zv_warning_add (inv->warnings, "%s: %s", name, local->message);
    }
  zv_inventory_sort (inv);
  scan_standby_slots (inv);
  return TRUE;
}

/* Reads the whole inventory in SCOPE. */
ZvInventory *
zv_inventory_scan (ZvRoot *root, guint scope, GError **error)
{
  g_autoptr (ZvInventory) inv = zv_inventory_new (root, scope);
  if ((scope & ZV_SCOPE_CCW) && !scan_css (inv, 0, NULL, NULL, error))
    return NULL;
  if ((scope & ZV_SCOPE_PCI) && !zv_inventory_scan_pci (inv, error))
    return NULL;
  return g_steal_pointer (&inv);
}

/* Reads the subchannels into INV's warnings and orphan mdevs, handing each
 * subchannel to FUNC in order instead of keeping it. */
gboolean
zv_inventory_scan_css_each (ZvInventory *inv, guint flags, ZvSubchannelFunc func,
                            gpointer user_data, GError **error)
{
  return scan_css (inv, flags, func, user_data, error);
}

/* Puts subchannels in (ssid, number) and PCI functions in address order. */
void
zv_inventory_sort (ZvInventory *inv)
{
  g_ptr_array_sort (inv->subchannels, zv_subchannel_compare);
  g_ptr_array_sort (inv->pci_functions, compare_pci);
}

/* Returns the subchannel in INV with id SCH_ID, or NULL. */
ZvSubchannel *
zv_inventory_get_subchannel (ZvInventory *inv, const char *sch_id)
{
  for (guint i = 0; i < inv->subchannels->len; i++)
    {
      ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      if (strcmp (sch->id, sch_id) == 0)
        return sch;
    }
  return NULL;
}

/* Returns the PCI function in INV with ADDRESS, or NULL. */
ZvPciFunction *
zv_inventory_get_pci (ZvInventory *inv, const char *address)
{
  for (guint i = 0; i < inv->pci_functions->len; i++)
    {
      ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, i);
      if (strcmp (fn->address, address) == 0)
        return fn;
    }
  return NULL;
}

/* Adds subchannel SCH_ID (with everything related) to INV. */
static gboolean
lookup_add_subchannel (ZvInventory *inv, const ZvBusId *sch_id, GError **error)
{
  ZvSubchannel *sch = zv_inventory_load_subchannel (inv->root, sch_id, inv->warnings, error);
  if (sch == NULL)
    return FALSE;
  g_ptr_array_add (inv->subchannels, sch);
  return TRUE;
}

/* Adds subchannel SCH_BUSID, found as the holder of device number DEVNO, to
 * INV, verified on what was loaded: its ccw device is DEVNO or its dev_busid
 * names it. A subchannel that changed since it was found is not reported as DEVNO. */
static gboolean
lookup_add_devno_subchannel (ZvInventory *inv, const ZvBusId *sch_busid, const char *devno,
                             GError **error)
{
  g_autoptr (ZvSubchannel) sch = zv_inventory_load_subchannel (inv->root, sch_busid,
                                                               inv->warnings, error);
  if (sch == NULL)
    return FALSE;
  const char *sch_id = sch->id;
  if (!(sch->device != NULL && strcmp (sch->device->id, devno) == 0) &&
      !(sch->dev_busid != NULL && strcmp (sch->dev_busid, devno) == 0))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no ccw device %s (subchannel %s "
                   "held it a moment ago and no longer does; retry)", devno, sch_id);
      return FALSE;
    }
  g_ptr_array_add (inv->subchannels, g_steal_pointer (&sch));
  return TRUE;
}

/* Adds the PCI function at ADDRESS to INV. */
static gboolean
lookup_add_pci (ZvInventory *inv, const char *address, GError **error)
{
  g_autofree char *path = g_strconcat (ZV_PCI_DEVICES "/", address, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (inv->root, path, &local);
  ZvPciFunction *fn = dir ? zv_pci_function_load (dir, inv->warnings, &local) : NULL;
  if (fn == NULL)
    {
      if (local == NULL || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                     "no zPCI function %s", address);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_ptr_array_add (inv->pci_functions, fn);
  return TRUE;
}

/* Finds the PCI address of the function with FID through its hotplug slot. */
static char *
pci_address_of_fid (ZvRoot *root, guint32 fid)
{
  g_autofree char *slot = g_strdup_printf (ZV_PCI_SLOTS "/%08x", fid);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, slot, NULL);
  g_autofree char *prefix = dir ? zv_dir_read_line (dir, "address", NULL) : NULL;
  g_autoptr (ZvDir) bus = zv_root_open_dir (root, ZV_PCI_DEVICES, NULL);
  if (bus == NULL)
    return NULL;
  /* functions 0..7 behind the slot address; without a slot, every function */
  for (guint f = 0; prefix != NULL && f < 8; f++)
    {
      g_autofree char *address = g_strdup_printf ("%s.%x", prefix, f);
      g_autoptr (ZvDir) fdir = zv_dir_open_child (bus, address, NULL);
      g_autofree char *text = fdir ? zv_dir_read_line (fdir, "function_id", NULL) : NULL;
      guint32 value;
      if (text && zv_parse_hex_u32 (text, &value) && value == fid)
        return g_steal_pointer (&address);
    }
  g_autoptr (GPtrArray) names = zv_dir_list (bus, NULL);
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *address = g_ptr_array_index (names, i);
      g_autoptr (ZvDir) fdir = zv_dir_open_child (bus, address, NULL);
      g_autofree char *text = fdir ? zv_dir_read_line (fdir, "function_id", NULL) : NULL;
      guint32 value;
      if (text && zv_parse_hex_u32 (text, &value) && value == fid)
        return g_strdup (address);
    }
  return NULL;
}

/* TRUE when the hotplug slot of FID exists and reads power 0 (a standby function). */
static gboolean
slot_is_standby (ZvRoot *root, guint32 fid)
{
  g_autofree char *slot = g_strdup_printf (ZV_PCI_SLOTS "/%08x", fid);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, slot, NULL);
  g_autofree char *power = dir ? zv_dir_read_line (dir, "power", NULL) : NULL;
  gboolean on;
  return power != NULL && zv_parse_flag (power, &on) && !on;
}

/* Finds the parent of mdev UUID: active in sysfs, else in a definition. */
static char *
parent_of_mdev (ZvRoot *root, const char *uuid, gboolean *is_pci)
{
  *is_pci = FALSE;
  g_autoptr (ZvMdev) active = zv_mdev_load_active (root, uuid, NULL);
  if (active != NULL)
    return g_strdup (active->parent);
  g_autoptr (GPtrArray) parents = zv_mdev_list_defined_parents (root);
  for (guint i = 0; i < parents->len; i++)
    {
      const char *parent = g_ptr_array_index (parents, i);
      if (zv_mdev_is_defined (root, parent, uuid))
        return g_strdup (parent);
    }
  return NULL;
}

/* Sets *SCH to the subchannel a bare 0.S.XXXX (ID, NAME as text) means: the
 * one holding device number ID when that devno exists (bound to vfio_ccw or
 * not), else subchannel ID. When the devno lives on another subchannel than
 * the one named ID, both exist and zvfio refuses to guess. */
static gboolean
subchannel_of_bare_busid (ZvRoot *root, const ZvBusId *id, const char *name, ZvBusId *sch,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  ZvBusId by_devno;
  gboolean found = zv_devno_lookup_subchannel (root, id, &by_devno, &local);
  if (!found && !g_error_matches (local, ZV_ERROR, ZV_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_autofree char *path = g_strconcat (ZV_CSS_DEVICES "/", name, NULL);
  gboolean is_subchannel = zv_root_exists (root, path);
  if (found && is_subchannel && !zv_busid_equal (&by_devno, id))
    {
      char held_by[16];
      zv_format_busid (&by_devno, held_by);
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s is both device number %s (on subchannel %s) and subchannel %s; "
                   "say ccw:%s for the device or sch:%s for the subchannel",
                   name, name, held_by, name, name, name);
      return FALSE;
    }
  if (found)
    *sch = by_devno;
  else if (is_subchannel)
    *sch = *id;
  else
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/* Reads only what ID names, with everything related. */
ZvInventory *
zv_inventory_lookup (ZvRoot *root, const ZvId *id, GError **error)
{
  g_autoptr (ZvInventory) inv = zv_inventory_new (root, ZV_SCOPE_ALL);
  gboolean ok = FALSE;
  switch (id->kind)
    {
    case ZV_ID_BUSID:
    case ZV_ID_DEVNO:
      {
        ZvBusId sch;
        gboolean found = id->kind == ZV_ID_BUSID
                         ? subchannel_of_bare_busid (root, &id->busid, id->normalized, &sch,
                                                     error)
                         : zv_devno_lookup_subchannel (root, &id->busid, &sch, error);
        /* a bare id that names the subchannel itself is not a devno */
        gboolean as_devno = id->kind == ZV_ID_DEVNO ||
                            (found && !zv_busid_equal (&sch, &id->busid));
        ok = found && (as_devno ? lookup_add_devno_subchannel (inv, &sch, id->normalized, error)
                                : lookup_add_subchannel (inv, &sch, error));
        break;
      }
    case ZV_ID_SUBCHANNEL:
      ok = zv_css_require (root, error) && lookup_add_subchannel (inv, &id->busid, error);
      break;
    case ZV_ID_PCI:
      ok = lookup_add_pci (inv, id->normalized, error);
      break;
    case ZV_ID_FID:
      {
        g_autofree char *address = pci_address_of_fid (root, id->fid);
        if (address == NULL && slot_is_standby (root, id->fid))
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "zPCI function with fid 0x%08x "
                       "is in standby (slot %08x, power 0); configure it first: echo 1 > "
                       ZV_PCI_SLOTS "/%08x/power", id->fid, id->fid, id->fid);
        else if (address == NULL)
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no zPCI function with fid 0x%08x",
                       id->fid);
        else
          ok = lookup_add_pci (inv, address, error);
        break;
      }
    case ZV_ID_UUID:
      {
        gboolean is_pci;
        g_autofree char *parent = parent_of_mdev (root, id->normalized, &is_pci);
        ZvBusId busid;
        if (parent == NULL || !zv_parse_busid (parent, &busid))   /* a sysfs or definition name */
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                       "no vfio-ccw mdev %s (neither active nor defined)", id->normalized);
        else
          ok = lookup_add_subchannel (inv, &busid, error);
        break;
      }
    case ZV_ID_INVALID:
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&inv);
}
