/* zvfio: libvirt node device XML -> ZvSubchannel / ZvCcwDevice / ZvMdev / ZvPciFunction. */
#include "zv-nodedev-parse.h"
#include "zv-error.h"
#include "zv-nodedev.h"
#include "zv-xml.h"
#include "zv-zpci.h"

#include <string.h>

/* The first child element of PARENT called NAME, or NULL. */
static xmlNodePtr
child (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && xmlStrcmp (n->name, BAD_CAST name) == 0)
      return n;
  return NULL;
}

/* The trimmed text of child NAME of PARENT, or NULL. */
static char *
child_text (xmlNodePtr parent, const char *name)
{
  xmlNodePtr node = child (parent, name);
  if (node == NULL)
    return NULL;
  xmlChar *content = xmlNodeGetContent (node);
  char *text = g_strstrip (g_strdup ((const char *) content));
  xmlFree (content);
  return text;
}

/* Attribute NAME of NODE, or NULL. */
static char *
attr (xmlNodePtr node, const char *name)
{
  xmlChar *value = node ? xmlGetNoNsProp (node, BAD_CAST name) : NULL;
  char *copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

/* Reads <cssid>/<ssid>/<devno> (hex with 0x, as libvirt prints them) of NODE. */
static gboolean
read_ccw_address (xmlNodePtr node, ZvBusId *out)
{
  g_autofree char *cssid = child_text (node, "cssid");
  g_autofree char *ssid = child_text (node, "ssid");
  g_autofree char *devno = child_text (node, "devno");
  guint32 c, s, d;
  if (!cssid || !ssid || !devno || !zv_parse_hex_u32_loose (cssid, &c) ||
      !zv_parse_hex_u32_loose (ssid, &s) || !zv_parse_hex_u32_loose (devno, &d) ||
      c > 0xff || s > 3 || d > 0xffff)
    return FALSE;
  out->cssid = c;
  out->ssid = s;
  out->number = d;
  return TRUE;
}

/* Reads the nested <capability type='mdev_types'> of a css capability. */
static GPtrArray *
read_mdev_types (xmlNodePtr cap)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_type_free);
  for (xmlNodePtr n = cap->children; n; n = n->next)
    {
      g_autofree char *kind = n->type == XML_ELEMENT_NODE ? attr (n, "type") : NULL;
      if (kind == NULL || xmlStrcmp (n->name, BAD_CAST "capability") != 0 ||
          strcmp (kind, "mdev_types") != 0)
        continue;
      for (xmlNodePtr t = n->children; t; t = t->next)
        {
          if (t->type != XML_ELEMENT_NODE || xmlStrcmp (t->name, BAD_CAST "type") != 0)
            continue;
          ZvMdevType *type = g_new0 (ZvMdevType, 1);
          type->id = attr (t, "id");
          type->name = child_text (t, "name");
          type->device_api = child_text (t, "deviceAPI");
          g_autofree char *avail = child_text (t, "availableInstances");
          guint32 value;
          type->available_instances = avail && zv_parse_dec_u32 (avail, &value) ? (gint64) value : -1;
          if (type->id)
            g_ptr_array_add (types, type);
          else
            zv_mdev_type_free (type);
        }
    }
  return types;
}

/* Builds a subchannel from a css capability. */
static ZvSubchannel *
subchannel_from (xmlNodePtr device, xmlNodePtr cap)
{
  ZvBusId id;
  if (!read_ccw_address (cap, &id))
    return NULL;
  ZvSubchannel *sch = g_new0 (ZvSubchannel, 1);
  char buf[16];
  zv_format_busid (&id, buf);
  sch->id = g_strdup (buf);
  sch->busid = id;
  sch->type = ZV_SCH_TYPE_IO;        /* libvirt lists I/O subchannels only */
  sch->driver = child_text (child (device, "driver"), "name");
  sch->path = child_text (device, "path");
  ZvBusId dev;
  xmlNodePtr channel = child (cap, "channel_dev_addr");
  if (channel && read_ccw_address (channel, &dev))
    {
      zv_format_busid (&dev, buf);
      sch->dev_busid = g_strdup (buf);
    }
  sch->mdev_types = read_mdev_types (cap);
  sch->mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  return sch;
}

/* Builds a ccw device from a ccw capability (libvirt 9.0 lists online ones only). */
static ZvCcwDevice *
ccw_device_from (xmlNodePtr device, xmlNodePtr cap)
{
  ZvBusId id;
  if (!read_ccw_address (cap, &id))
    return NULL;
  ZvCcwDevice *dev = g_new0 (ZvCcwDevice, 1);
  char buf[16];
  zv_format_busid (&id, buf);
  dev->id = g_strdup (buf);
  dev->busid = id;
  dev->online = 1;
  dev->driver = child_text (child (device, "driver"), "name");
  dev->path = child_text (device, "path");
  return dev;
}

/* Builds an mdev from an mdev capability; PARENT_ID is the subchannel id. */
static ZvMdev *
mdev_from (xmlNodePtr device, xmlNodePtr cap, const char *parent_id)
{
  g_autofree char *uuid_text = child_text (cap, "uuid");
  ZvMdev *mdev = g_new0 (ZvMdev, 1);
  if (uuid_text == NULL || !zv_parse_uuid (uuid_text, mdev->uuid))
    {
      zv_mdev_free (mdev);
      return NULL;
    }
  mdev->parent = g_strdup (parent_id);
  mdev->type = attr (child (cap, "type"), "id");
  mdev->path = child_text (device, "path");
  mdev->active = mdev->path != NULL;
  mdev->driver = child_text (child (device, "driver"), "name");
  g_autofree char *group = attr (child (cap, "iommuGroup"), "number");
  guint32 number;
  mdev->iommu_group = group && zv_parse_dec_u32 (group, &number) ? (gint) number : -1;
  return mdev;
}

/* Reads a decimal or 0x-hex number element of a pci capability. */
static gboolean
pci_number (xmlNodePtr cap, const char *name, guint max, guint *out)
{
  g_autofree char *text = child_text (cap, name);
  guint32 value;
  if (text == NULL)
    return FALSE;
  gboolean ok = g_str_has_prefix (text, "0x") ? zv_parse_hex_u32 (text, &value)
                                              : zv_parse_dec_u32 (text, &value);
  if (!ok || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

/* Builds a PCI function from a pci capability (no zPCI attributes: libvirt has none). */
static ZvPciFunction *
pci_from (xmlNodePtr device, xmlNodePtr cap)
{
  ZvPciAddress a;
  if (!pci_number (cap, "domain", 0xffff, &a.domain) || !pci_number (cap, "bus", 0xff, &a.bus) ||
      !pci_number (cap, "slot", 0x1f, &a.slot) || !pci_number (cap, "function", 7, &a.function))
    return NULL;
  ZvPciFunction *fn = g_new0 (ZvPciFunction, 1);
  char buf[32];
  zv_format_pci_address (&a, buf);
  fn->address = g_strdup (buf);
  fn->pci = a;
  g_autofree char *vendor = attr (child (cap, "vendor"), "id");
  g_autofree char *product = attr (child (cap, "product"), "id");
  fn->vendor.present = vendor && zv_parse_hex_u32 (vendor, &fn->vendor.value);
  fn->device.present = product && zv_parse_hex_u32 (product, &fn->device.value);
  fn->ism = fn->vendor.present && fn->device.present && fn->vendor.value == ZV_ISM_VENDOR &&
            fn->device.value == ZV_ISM_DEVICE;
  fn->uid_is_unique = -1;
  fn->mio_enabled = -1;
  fn->slot_power = -1;
  fn->iommu_group = -1;
  g_autofree char *group = attr (child (cap, "iommuGroup"), "number");
  guint32 number;
  if (group && zv_parse_dec_u32 (group, &number))
    fn->iommu_group = number;
  fn->driver = child_text (child (device, "driver"), "name");
  fn->path = child_text (device, "path");
  return fn;
}

/* The capability element of DEVICE and its type. */
static xmlNodePtr
capability_of (xmlNodePtr device, char **type)
{
  xmlNodePtr cap = child (device, "capability");
  *type = attr (cap, "type");
  return cap;
}

/* Builds an inventory from node device XML. */
ZvInventory *
zv_nodedev_parse_inventory (ZvRoot *root, GPtrArray *device_xmls)
{
  ZvInventory *inv = zv_inventory_new (root, ZV_SCOPE_ALL);

  /* First pass: subchannels (by node device name) and PCI functions. */
  g_autoptr (GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) xmlFreeDoc);
  for (guint i = 0; i < device_xmls->len; i++)
    {
      g_autoptr (GError) error = NULL;
      xmlDocPtr doc = zv_xml_parse (g_ptr_array_index (device_xmls, i), -1, "device",
                                    "node device XML", &error);
      if (doc == NULL)
        {
          zv_warning_add (inv->warnings, "%s", error->message);
          continue;
        }
      g_ptr_array_add (docs, doc);
      xmlNodePtr device = xmlDocGetRootElement (doc);
      g_autofree char *name = child_text (device, "name");
      g_autofree char *type = NULL;
      xmlNodePtr cap = capability_of (device, &type);
      if (g_strcmp0 (type, "css") == 0)
        {
          ZvSubchannel *sch = subchannel_from (device, cap);
          if (sch == NULL)
            zv_warning_add (inv->warnings, "node device %s: bad css address", name);
          else
            {
              g_ptr_array_add (inv->subchannels, sch);
              g_hash_table_insert (by_name, g_strdup (name ? name : ""), sch);
            }
        }
      else if (g_strcmp0 (type, "pci") == 0)
        {
          ZvPciFunction *fn = pci_from (device, cap);
          if (fn == NULL)
            zv_warning_add (inv->warnings, "node device %s: bad PCI address", name);
          else
            g_ptr_array_add (inv->pci_functions, fn);
        }
    }

  /* Second pass: ccw devices and mdevs, attached to their css parent. */
  for (guint i = 0; i < docs->len; i++)
    {
      xmlNodePtr device = xmlDocGetRootElement (g_ptr_array_index (docs, i));
      g_autofree char *name = child_text (device, "name");
      g_autofree char *parent = child_text (device, "parent");
      g_autofree char *type = NULL;
      xmlNodePtr cap = capability_of (device, &type);
      ZvSubchannel *sch = parent ? g_hash_table_lookup (by_name, parent) : NULL;
      if (g_strcmp0 (type, "ccw") == 0)
        {
          ZvCcwDevice *dev = ccw_device_from (device, cap);
          if (dev == NULL || sch == NULL || sch->device != NULL)
            {
              zv_warning_add (inv->warnings, "node device %s: no css parent or bad address", name);
              zv_ccw_device_free (dev);
              continue;
            }
          sch->device = dev;
          if (sch->dev_busid == NULL)
            sch->dev_busid = g_strdup (dev->id);
        }
      else if (g_strcmp0 (type, "mdev") == 0)
        {
          g_autofree char *parent_addr = child_text (cap, "parent_addr");
          ZvMdev *mdev = mdev_from (device, cap, sch ? sch->id : parent_addr);
          if (mdev == NULL)
            zv_warning_add (inv->warnings, "node device %s: mdev without a valid uuid", name);
          else if (sch != NULL)
            g_ptr_array_add (sch->mdevs, mdev);
          else if (g_strcmp0 (mdev->type, ZV_VFIO_CCW_MDEV_TYPE) == 0)
            g_ptr_array_add (inv->orphan_mdevs, mdev);
          else
            zv_mdev_free (mdev);   /* vfio-ap / PCI mdevs are not zvfio's business */
        }
    }
  zv_inventory_sort (inv);
  return inv;
}
