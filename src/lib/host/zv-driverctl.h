/* zvfio: driverctl override files (/etc/driverctl.d/<bus>-<device>), which
 * driverctl applies at boot to keep a device on a driver. zvfio reads and
 * writes them in driverctl's own format: the driver name and a newline. */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-bus.h"

G_BEGIN_DECLS

#define ZV_DRIVERCTL_DIR "/etc/driverctl.d"

/* The driverctl override file of a device: "/etc/driverctl.d/css-0.0.0313". */
char *zv_driverctl_path (ZvBus bus, const char *device);
/* Reads the driver named by the override of DEVICE on BUS (*DRIVER NULL: no
 * file); an unreadable file or one that names no driver is an error naming it. */
gboolean zv_driverctl_read (ZvRoot *root, ZvBus bus, const char *device, char **driver,
                            GError **error);
/* Writes the override of DEVICE naming DRIVER, or removes it for NULL. */
gboolean zv_driverctl_write (ZvRoot *root, ZvBus bus, const char *device, const char *driver,
                             GError **error);

G_END_DECLS
