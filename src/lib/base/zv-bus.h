/* zvfio: the buses zvfio binds devices on (I/O subchannels on css, zPCI
 * functions on pci), their device and driver names, and the bind key
 * "<bus>-<device>" that names a device's record, lock and driverctl file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The bus of a device zvfio binds. */
typedef enum {
  ZV_BUS_CSS,     /* an I/O subchannel: io_subchannel <-> vfio_ccw */
  ZV_BUS_PCI,     /* a zPCI function: host driver <-> vfio-pci */
} ZvBus;

/* "css" / "pci": the bus name in sysfs and in driverctl file names. */
const char *zv_bus_name (ZvBus bus);
/* The vfio driver of BUS: "vfio_ccw" / "vfio-pci". */
const char *zv_bus_vfio_driver (ZvBus bus);
/* Parses "css"/"pci". */
gboolean zv_bus_from_name (const char *name, ZvBus *out);
/* TRUE when DEVICE is a well-formed device name on BUS (0.S.XXXX or DDDD:BB:dd.f). */
gboolean zv_bus_device_is_valid (ZvBus bus, const char *device);
/* TRUE when NAME looks like a kernel driver name ([A-Za-z0-9_.-], 1..64 chars). */
gboolean zv_driver_name_is_valid (const char *name);
/* The record key of a device, also the driverctl file name: "css-0.0.0313". */
char *zv_bind_key (ZvBus bus, const char *device);

/* Splits a bind key "css-0.0.0313" into its bus and device (the inverse of
 * zv_bind_key); FALSE when KEY is not one. */
gboolean zv_bind_key_parse (const char *key, ZvBus *bus, char **device);
/* The device as messages name it: "subchannel 0.0.0313" / "PCI function 0000:00:00.0". */
char *zv_bus_device_label (ZvBus bus, const char *device);

G_END_DECLS
