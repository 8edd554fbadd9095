/* zvfio: libvirt node-device XML (libvirt 9.0 layout, single-quoted attributes). */
#include "zv-nodedev.h"
#include "zv-error.h"
#include "zv-xml.h"

#include <libxml/xmlwriter.h>
#include <string.h>

/* Replaces every non-alphanumeric character by '_', as libvirt does. */
static void
sanitize_name (char *name)
{
  for (char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';
}

/* libvirt's node device name of a subchannel. */
char *
zv_nodedev_css_name (const ZvSubchannel *sch)
{
  char *name = g_strconcat ("css_", sch->id, NULL);
  sanitize_name (name);
  return name;
}

/* libvirt's node device name of a ccw device. */
char *
zv_nodedev_ccw_name (const ZvCcwDevice *dev)
{
  char *name = g_strconcat ("ccw_", dev->id, NULL);
  sanitize_name (name);
  return name;
}

/* libvirt's node device name of an mdev. */
char *
zv_nodedev_mdev_name (const ZvMdev *mdev)
{
  char *name = g_strconcat ("mdev_", mdev->uuid, "_", mdev->parent, NULL);
  sanitize_name (name);
  return name;
}

/* libvirt's node device name of a PCI function. */
char *
zv_nodedev_pci_name (const ZvPciFunction *fn)
{
  char *name = g_strconcat ("pci_", fn->address, NULL);
  sanitize_name (name);
  return name;
}

/* TRUE when libvirt 9.0 lists this subchannel. */
gboolean
zv_nodedev_lists_subchannel (const ZvSubchannel *sch)
{
  return sch->driver != NULL &&
         (strcmp (sch->driver, "io_subchannel") == 0 || strcmp (sch->driver, "vfio_ccw") == 0);
}

/* Writes <NAME>TEXT</NAME>. */
static void
element_text (xmlTextWriterPtr w, const char *name, const char *text)
{
  xmlTextWriterWriteElement (w, BAD_CAST name, BAD_CAST text);
}

/* Writes a printf-formatted text element. */
static void G_GNUC_PRINTF (3, 4)
element_printf (xmlTextWriterPtr w, const char *name, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  element_text (w, name, text);
}

/* Writes the head common to all devices: name, path, parent, driver. */
static void
write_head (xmlTextWriterPtr w, const char *name, const char *path, const char *parent,
            const char *driver)
{
  xmlTextWriterStartElement (w, BAD_CAST "device");
  element_text (w, "name", name);
  if (path)
    element_text (w, "path", path);
  element_text (w, "parent", parent);
  if (driver)
    {
      xmlTextWriterStartElement (w, BAD_CAST "driver");
      element_text (w, "name", driver);
      xmlTextWriterEndElement (w);
    }
}

/* Writes cssid/ssid/devno elements of a bus id. */
static void
write_ccw_address (xmlTextWriterPtr w, const ZvBusId *id)
{
  element_printf (w, "cssid", "0x%x", id->cssid);
  element_printf (w, "ssid", "0x%x", id->ssid);
  element_printf (w, "devno", "0x%04x", id->number);
}

/* Writes the mdev_types capability of TYPES (ZvMdevType), nothing when empty. */
static void
write_mdev_types (xmlTextWriterPtr w, const GPtrArray *types)
{
  if (types == NULL || types->len == 0)
    return;
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "mdev_types");
  for (guint i = 0; i < types->len; i++)
    {
      const ZvMdevType *type = g_ptr_array_index (types, i);
      xmlTextWriterStartElement (w, BAD_CAST "type");
      xmlTextWriterWriteAttribute (w, BAD_CAST "id", BAD_CAST type->id);
      if (type->name)
        element_text (w, "name", type->name);
      element_text (w, "deviceAPI", type->device_api ? type->device_api : "");
      element_printf (w, "availableInstances", "%" G_GINT64_FORMAT,
                      MAX (type->available_instances, 0));
      xmlTextWriterEndElement (w);
    }
  xmlTextWriterEndElement (w);
}

/* XML of the css node device. */
char *
zv_nodedev_css_xml (const ZvSubchannel *sch)
{
  ZvXmlOut out;
  zv_xml_out_init (&out);
  xmlTextWriterPtr w = out.writer;
  g_autofree char *name = zv_nodedev_css_name (sch);
  write_head (w, name, sch->path, "computer", sch->driver);
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "css");
  write_ccw_address (w, &sch->busid);
  ZvBusId dev;
  if (sch->dev_busid && zv_parse_busid (sch->dev_busid, &dev))
    {
      xmlTextWriterStartElement (w, BAD_CAST "channel_dev_addr");
      write_ccw_address (w, &dev);
      xmlTextWriterEndElement (w);
    }
  write_mdev_types (w, sch->mdev_types);
  xmlTextWriterEndElement (w);   /* capability */
  xmlTextWriterEndElement (w);   /* device */
  return zv_xml_out_finish (&out);
}

/* XML of the ccw node device of SCH's device. */
char *
zv_nodedev_ccw_xml (const ZvSubchannel *sch)
{
  const ZvCcwDevice *dev = sch->device;
  g_return_val_if_fail (dev != NULL, NULL);
  ZvXmlOut out;
  zv_xml_out_init (&out);
  xmlTextWriterPtr w = out.writer;
  g_autofree char *name = zv_nodedev_ccw_name (dev);
  g_autofree char *parent = zv_nodedev_css_name (sch);
  write_head (w, name, dev->path, parent, dev->driver);
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "ccw");
  write_ccw_address (w, &dev->busid);
  xmlTextWriterEndElement (w);
  xmlTextWriterEndElement (w);
  return zv_xml_out_finish (&out);
}

/* XML of an mdev node device below SCH. */
char *
zv_nodedev_mdev_xml (const ZvSubchannel *sch, const ZvMdev *mdev)
{
  ZvXmlOut out;
  zv_xml_out_init (&out);
  xmlTextWriterPtr w = out.writer;
  g_autofree char *name = zv_nodedev_mdev_name (mdev);
  g_autofree char *parent = zv_nodedev_css_name (sch);
  write_head (w, name, mdev->active ? mdev->path : NULL, parent,
              mdev->active ? mdev->driver : NULL);
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "mdev");
  xmlTextWriterStartElement (w, BAD_CAST "type");
  xmlTextWriterWriteAttribute (w, BAD_CAST "id",
                               BAD_CAST (mdev->type ? mdev->type : ZV_VFIO_CCW_MDEV_TYPE));
  xmlTextWriterEndElement (w);
  element_text (w, "uuid", mdev->uuid);
  element_text (w, "parent_addr", mdev->parent);
  /* libvirt 9.0's libvirtd prints <iommuGroup number='0'/> for a defined mdev
   * that is not started (its group number is never set; seen in the emulated
   * mainframe, tests/vm libvirt-nodedev) */
  gint group = mdev->active ? mdev->iommu_group : 0;
  if (group >= 0)
    {
      xmlTextWriterStartElement (w, BAD_CAST "iommuGroup");
      g_autofree char *number = g_strdup_printf ("%d", group);
      xmlTextWriterWriteAttribute (w, BAD_CAST "number", BAD_CAST number);
      xmlTextWriterEndElement (w);
    }
  xmlTextWriterEndElement (w);
  xmlTextWriterEndElement (w);
  return zv_xml_out_finish (&out);
}

/* TEXT escaped as libvirt's virBufferEscapeString does it: a text without
 * any of  " & ' < >  or the control characters 0x01-0x08, 0x0b, 0x0c,
 * 0x0e-0x19 is kept as it is; otherwise those five become entities and every
 * control character but tab, newline and return is dropped (bytes are
 * unsigned, as on s390x). */
static char *
libvirt_escape (const char *text)
{
  static const char forbidden[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                  "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\"&'<>";
  if (text[strcspn (text, forbidden)] == '\0')
    return g_strdup (text);
  GString *out = g_string_new (NULL);
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (*p == '<')
        g_string_append (out, "&lt;");
      else if (*p == '>')
        g_string_append (out, "&gt;");
      else if (*p == '&')
        g_string_append (out, "&amp;");
      else if (*p == '"')
        g_string_append (out, "&quot;");
      else if (*p == '\'')
        g_string_append (out, "&apos;");
      else if (*p >= 0x20 || *p == '\n' || *p == '\t' || *p == '\r')
        g_string_append_c (out, (char) *p);
    }
  return g_string_free (out, FALSE);
}

/* Writes <NAME id='0xID'>TEXT</NAME>, or <NAME id='0xID'/> without TEXT (product, vendor). */
static void
write_pci_id (xmlTextWriterPtr w, const char *name, guint32 id, const char *text)
{
  xmlTextWriterStartElement (w, BAD_CAST name);
  g_autofree char *value = g_strdup_printf ("0x%04x", id);
  xmlTextWriterWriteAttribute (w, BAD_CAST "id", BAD_CAST value);
  if (text != NULL)
    {
      g_autofree char *escaped = libvirt_escape (text);
      xmlTextWriterWriteRaw (w, BAD_CAST escaped);
    }
  xmlTextWriterEndElement (w);
}

/* Writes <address domain='0x0005' bus='0x00' slot='0x00' function='0x0'/>
 * (libvirt prints the function as '0x%d'). */
static void
write_pci_address (xmlTextWriterPtr w, const ZvPciAddress *addr)
{
  xmlTextWriterStartElement (w, BAD_CAST "address");
  g_autofree char *domain = g_strdup_printf ("0x%04x", addr->domain);
  g_autofree char *bus = g_strdup_printf ("0x%02x", addr->bus);
  g_autofree char *slot = g_strdup_printf ("0x%02x", addr->slot);
  g_autofree char *function = g_strdup_printf ("0x%u", addr->function);
  xmlTextWriterWriteAttribute (w, BAD_CAST "domain", BAD_CAST domain);
  xmlTextWriterWriteAttribute (w, BAD_CAST "bus", BAD_CAST bus);
  xmlTextWriterWriteAttribute (w, BAD_CAST "slot", BAD_CAST slot);
  xmlTextWriterWriteAttribute (w, BAD_CAST "function", BAD_CAST function);
  xmlTextWriterEndElement (w);
}

/* libvirt's link speed names (virPCIELinkSpeed): GT/s by the register's code. */
static const char *
link_speed_name (guint speed)
{
  static const char *const names[] = { "", "2.5", "5", "8", "16", "32", "64" };
  return speed < G_N_ELEMENTS (names) ? names[speed] : "(null)";
}

/* Writes <link validity='VALIDITY' [port='P'] [speed='S'] width='W'/>; PORT < 0: none. */
static void
write_pcie_link (xmlTextWriterPtr w, const char *validity, gint port, guint speed, guint width)
{
  xmlTextWriterStartElement (w, BAD_CAST "link");
  xmlTextWriterWriteAttribute (w, BAD_CAST "validity", BAD_CAST validity);
  if (port >= 0)
    {
      g_autofree char *text = g_strdup_printf ("%d", port);
      xmlTextWriterWriteAttribute (w, BAD_CAST "port", BAD_CAST text);
    }
  if (speed != 0)
    xmlTextWriterWriteAttribute (w, BAD_CAST "speed", BAD_CAST link_speed_name (speed));
  g_autofree char *text = g_strdup_printf ("%u", width);
  xmlTextWriterWriteAttribute (w, BAD_CAST "width", BAD_CAST text);
  xmlTextWriterEndElement (w);
}

/* Writes the SR-IOV capabilities (phys_function, virt_functions). */
static void
write_sriov (xmlTextWriterPtr w, const ZvPciNodedev *nd)
{
  if (nd->has_physfn)
    {
      xmlTextWriterStartElement (w, BAD_CAST "capability");
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "phys_function");
      write_pci_address (w, &nd->physfn);
      xmlTextWriterEndElement (w);
    }
  guint nvfs = nd->virtfns ? nd->virtfns->len : 0;
  if (nvfs == 0 && nd->totalvfs == 0)
    return;
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "virt_functions");
  if (nd->totalvfs != 0)
    {
      g_autofree char *count = g_strdup_printf ("%u", nd->totalvfs);
      xmlTextWriterWriteAttribute (w, BAD_CAST "maxCount", BAD_CAST count);
    }
  for (guint i = 0; i < nvfs; i++)
    write_pci_address (w, &g_array_index (nd->virtfns, ZvPciAddress, i));
  xmlTextWriterEndElement (w);
}

/* Writes the iommuGroup element: only for a group with members, as libvirt does. */
static void
write_iommu_group (xmlTextWriterPtr w, const ZvPciNodedev *nd)
{
  if (nd->iommu_group < 0 || nd->iommu_members == NULL || nd->iommu_members->len == 0)
    return;
  xmlTextWriterStartElement (w, BAD_CAST "iommuGroup");
  g_autofree char *number = g_strdup_printf ("%d", nd->iommu_group);
  xmlTextWriterWriteAttribute (w, BAD_CAST "number", BAD_CAST number);
  for (guint i = 0; i < nd->iommu_members->len; i++)
    write_pci_address (w, &g_array_index (nd->iommu_members, ZvPciAddress, i));
  xmlTextWriterEndElement (w);
}

/* Writes <pci-express>: empty without a link, else the capable and the negotiated link. */
static void
write_pci_express (xmlTextWriterPtr w, const ZvPciConfigInfo *config)
{
  if (!config->pcie)
    return;
  xmlTextWriterStartElement (w, BAD_CAST "pci-express");
  if (config->link)
    {
      write_pcie_link (w, "cap", (gint) config->cap_port, config->cap_speed, config->cap_width);
      write_pcie_link (w, "sta", -1, config->sta_speed, config->sta_width);
    }
  xmlTextWriterEndElement (w);
}

/* XML of the pci node device of FN (libvirt's virNodeDeviceCapPCIDefFormat order). */
char *
zv_nodedev_pci_xml (const ZvPciFunction *fn, const ZvPciNodedev *nd)
{
  ZvXmlOut out;
  zv_xml_out_init (&out);
  xmlTextWriterPtr w = out.writer;
  g_autofree char *name = zv_nodedev_pci_name (fn);
  write_head (w, name, fn->path, nd->parent, fn->driver);
  xmlTextWriterStartElement (w, BAD_CAST "capability");
  xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "pci");
  if (fn->class_code.present)
    element_printf (w, "class", "0x%06x", fn->class_code.value);
  element_printf (w, "domain", "%u", fn->pci.domain);
  element_printf (w, "bus", "%u", fn->pci.bus);
  element_printf (w, "slot", "%u", fn->pci.slot);
  element_printf (w, "function", "%u", fn->pci.function);
  write_pci_id (w, "product", fn->device.value, nd->product_name);
  write_pci_id (w, "vendor", fn->vendor.value, nd->vendor_name);
  write_sriov (w, nd);
  if (nd->config.header_type == ZV_PCI_HEADER_PCI_BRIDGE ||
      nd->config.header_type == ZV_PCI_HEADER_CARDBUS_BRIDGE)
    {
      xmlTextWriterStartElement (w, BAD_CAST "capability");
      xmlTextWriterWriteAttribute (w, BAD_CAST "type",
                                   BAD_CAST (nd->config.header_type == ZV_PCI_HEADER_PCI_BRIDGE
                                             ? "pci-bridge" : "cardbus-bridge"));
      xmlTextWriterEndElement (w);
    }
  write_mdev_types (w, nd->mdev_types);
  write_iommu_group (w, nd);
  if (nd->numa_node >= 0)
    {
      xmlTextWriterStartElement (w, BAD_CAST "numa");
      g_autofree char *node = g_strdup_printf ("%d", nd->numa_node);
      xmlTextWriterWriteAttribute (w, BAD_CAST "node", BAD_CAST node);
      xmlTextWriterEndElement (w);
    }
  write_pci_express (w, &nd->config);
  xmlTextWriterEndElement (w);   /* capability */
  xmlTextWriterEndElement (w);   /* device */
  return zv_xml_out_finish (&out);
}

/* XML of every node device libvirt would list for INV. */
char *
zv_nodedev_inventory_xml (const ZvInventory *inv)
{
  GString *all = g_string_new (NULL);
  for (guint i = 0; i < inv->subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, i);
      if (!zv_nodedev_lists_subchannel (sch))
        continue;
      g_autofree char *css = zv_nodedev_css_xml (sch);
      g_string_append (all, css);
      if (sch->device && sch->device->online == 1)
        {
          g_autofree char *ccw = zv_nodedev_ccw_xml (sch);
          g_string_append (all, ccw);
        }
      for (guint j = 0; sch->mdevs && j < sch->mdevs->len; j++)
        {
          g_autofree char *mdev = zv_nodedev_mdev_xml (sch, g_ptr_array_index (sch->mdevs, j));
          g_string_append (all, mdev);
        }
    }
  return g_string_free (all, FALSE);
}
