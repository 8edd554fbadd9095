/* zvfio: loading zPCI functions from sysfs. */
#include "zv-zpci.h"
#include "zv-error.h"
#include "zv-sysattr.h"

#include <string.h>

/* Frees a PCI function. */
void
zv_pci_function_free (ZvPciFunction *fn)
{
  if (fn == NULL)
    return;
  g_free (fn->address);
  g_free (fn->util_string);
  g_free (fn->driver);
  g_free (fn->driver_override);
  g_free (fn->path);
  g_free (fn);
}

/* How an attribute is formatted by the kernel. */
typedef enum { FMT_HEX, FMT_DEC } AttrFormat;

/* Reads an optional numeric attribute into OUT. */
static void
read_u32 (ZvDir *dir, const char *owner, const char *name, AttrFormat fmt, ZvOptU32 *out,
          GPtrArray *warnings)
{
  g_autofree char *text = zv_attr_get (dir, owner, name, warnings);
  out->present = FALSE;
  if (text == NULL)
    return;
  gboolean ok = fmt == FMT_HEX ? zv_parse_hex_u32 (text, &out->value)
                               : zv_parse_dec_u32 (text, &out->value);
  if (ok)
    out->present = TRUE;
  else
    zv_attr_warn_garbage (warnings, owner, name, text);
}

/* Reads an optional 0/1 attribute; -1 when absent. */
static int
read_flag (ZvDir *dir, const char *owner, const char *name, GPtrArray *warnings)
{
  g_autofree char *text = zv_attr_get (dir, owner, name, warnings);
  gboolean flag;
  if (text == NULL)
    return -1;
  if (zv_parse_flag (text, &flag))
    return flag ? 1 : 0;
  zv_attr_warn_garbage (warnings, owner, name, text);
  return -1;
}

/* Reads pfip/segment0..3. */
static void
read_pfip (ZvDir *dir, ZvPciFunction *fn, GPtrArray *warnings)
{
  if (!zv_dir_has (dir, "pfip"))
    return;
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("pfip/segment%d", i);
      ZvOptU32 seg;
      read_u32 (dir, fn->address, name, FMT_HEX, &seg, warnings);
      if (!seg.present || seg.value > 0xff)
        return;
      fn->pfip[i] = (guint8) seg.value;
    }
  fn->has_pfip = TRUE;
}

/* Reads and decodes the EBCDIC util_string. */
static void
read_util_string (ZvDir *dir, ZvPciFunction *fn, GPtrArray *warnings)
{
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = zv_dir_read (dir, "util_string", &len, &error);
  if (raw == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        zv_warning_add (warnings, "%s: %s", fn->address, error->message);
      return;
    }
  fn->util_string = zv_ebcdic_to_utf8 ((const guint8 *) raw, MIN (len, 64));
  if (fn->util_string == NULL)
    zv_warning_add (warnings, "%s: attribute util_string is not EBCDIC text", fn->address);
}

/* Reads the power state of the hotplug slot named by the FID. */
static int
read_slot_power (ZvRoot *root, guint32 fid, GPtrArray *warnings)
{
  g_autofree char *path = g_strdup_printf (ZV_PCI_SLOTS "/%08x", fid);
  g_autoptr (ZvDir) slot = zv_root_open_dir (root, path, NULL);
  if (slot == NULL)
    return -1;
  g_autofree char *owner = g_strdup_printf ("slot %08x", fid);
  return read_flag (slot, owner, "power", warnings);
}

/* Loads the PCI function at DIR; NULL (no error) if it has no function_id. */
ZvPciFunction *
zv_pci_function_load (ZvDir *dir, GPtrArray *warnings, GError **error)
{
  const char *name = zv_dir_name (dir);
  ZvPciAddress pci;
  if (!zv_parse_pci_address (name, &pci))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is not a PCI address",
                   zv_dir_path (dir));
      return NULL;
    }
  if (!zv_dir_has (dir, "function_id"))
    return NULL;

  g_autoptr (ZvPciFunction) fn = g_new0 (ZvPciFunction, 1);
  fn->address = g_strdup (name);
  fn->pci = pci;
  fn->path = g_strdup (zv_dir_path (dir));
  fn->iommu_group = -1;

  read_u32 (dir, name, "function_id", FMT_HEX, &fn->fid, warnings);
  read_u32 (dir, name, "function_handle", FMT_HEX, &fn->fh, warnings);
  read_u32 (dir, name, "uid", FMT_HEX, &fn->uid, warnings);
  read_u32 (dir, name, "pchid", FMT_HEX, &fn->pchid, warnings);
  read_u32 (dir, name, "pfgid", FMT_HEX, &fn->pfgid, warnings);
  read_u32 (dir, name, "vfn", FMT_HEX, &fn->vfn, warnings);
  read_u32 (dir, name, "pft", FMT_HEX, &fn->pft, warnings);
  read_u32 (dir, name, "port", FMT_DEC, &fn->port, warnings);
  read_u32 (dir, name, "vendor", FMT_HEX, &fn->vendor, warnings);
  read_u32 (dir, name, "device", FMT_HEX, &fn->device, warnings);
  read_u32 (dir, name, "class", FMT_HEX, &fn->class_code, warnings);
  fn->uid_is_unique = read_flag (dir, name, "uid_is_unique", warnings);
  fn->mio_enabled = read_flag (dir, name, "mio_enabled", warnings);
  read_pfip (dir, fn, warnings);
  read_util_string (dir, fn, warnings);

  fn->driver = zv_attr_link (dir, name, "driver", warnings);
  g_autofree char *override = zv_attr_get (dir, name, "driver_override", warnings);
  if (override && *override && strcmp (override, "(null)") != 0)
    fn->driver_override = g_steal_pointer (&override);
  g_autofree char *group = zv_attr_link (dir, name, "iommu_group", warnings);
  guint32 n;
  if (group && zv_parse_dec_u32 (group, &n) && n <= G_MAXINT)
    fn->iommu_group = (gint) n;

  fn->ism = fn->vendor.present && fn->vendor.value == ZV_ISM_VENDOR &&
            fn->device.present && fn->device.value == ZV_ISM_DEVICE &&
            fn->pft.present && fn->pft.value == ZV_PFT_ISM;
  fn->slot_power = fn->fid.present ? read_slot_power (zv_dir_root (dir), fn->fid.value,
                                                       warnings)
                                   : -1;
  return g_steal_pointer (&fn);
}
