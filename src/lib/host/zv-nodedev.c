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
  if (sch->mdev_types && sch->mdev_types->len > 0)
    {
      xmlTextWriterStartElement (w, BAD_CAST "capability");
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "mdev_types");
      for (guint i = 0; i < sch->mdev_types->len; i++)
        {
          const ZvMdevType *type = g_ptr_array_index (sch->mdev_types, i);
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
