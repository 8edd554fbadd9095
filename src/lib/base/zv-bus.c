/* zvfio: the buses zvfio binds devices on, their device and driver names,
 * and the bind key "<bus>-<device>" (record, lock and driverctl name). */
#include "zv-bus.h"
#include "zv-parse.h"

#include <string.h>

/* "css" / "pci". */
const char *
zv_bus_name (ZvBus bus)
{
  return bus == ZV_BUS_CSS ? "css" : "pci";
}

/* The vfio driver of BUS. */
const char *
zv_bus_vfio_driver (ZvBus bus)
{
  return bus == ZV_BUS_CSS ? "vfio_ccw" : "vfio-pci";
}

/* Parses "css"/"pci". */
gboolean
zv_bus_from_name (const char *name, ZvBus *out)
{
  if (g_strcmp0 (name, "css") == 0)
    *out = ZV_BUS_CSS;
  else if (g_strcmp0 (name, "pci") == 0)
    *out = ZV_BUS_PCI;
  else
    return FALSE;
  return TRUE;
}

/* TRUE when DEVICE is the canonical kernel name of a device on BUS. */
gboolean
zv_bus_device_is_valid (ZvBus bus, const char *device)
{
  if (device == NULL)
    return FALSE;
  if (bus == ZV_BUS_CSS)
    {
      ZvBusId id;
      return zv_parse_busid_canonical (device, &id);
    }
  char buf[32];
  ZvPciAddress addr;
  if (!zv_parse_pci_address (device, &addr))
    return FALSE;
  zv_format_pci_address (&addr, buf);
  return strcmp (buf, device) == 0;
}

/* TRUE when NAME looks like a kernel driver name. */
gboolean
zv_driver_name_is_valid (const char *name)
{
  if (name == NULL || name[0] == '\0' || strlen (name) > 64 || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/* The record key of a device: "css-0.0.0313". */
char *
zv_bind_key (ZvBus bus, const char *device)
{
  return g_strconcat (zv_bus_name (bus), "-", device, NULL);
}

/* Splits a bind key "css-0.0.0313" into its bus and device; FALSE when KEY
 * is no bus name, '-' and a valid device name. */
gboolean
zv_bind_key_parse (const char *key, ZvBus *bus, char **device)
{
  const char *dash = key ? strchr (key, '-') : NULL;
  if (dash == NULL)
    return FALSE;
  g_autofree char *bus_name = g_strndup (key, (gsize) (dash - key));
  if (!zv_bus_from_name (bus_name, bus) || !zv_bus_device_is_valid (*bus, dash + 1))
    return FALSE;
  *device = g_strdup (dash + 1);
  return TRUE;
}

/* The device as messages name it: "subchannel 0.0.0313" / "PCI function 0000:00:00.0". */
char *
zv_bus_device_label (ZvBus bus, const char *device)
{
  return g_strconcat (bus == ZV_BUS_CSS ? "subchannel " : "PCI function ", device, NULL);
}
